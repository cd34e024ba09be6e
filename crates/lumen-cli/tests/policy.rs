//! `lumen policy eval|show` run as a real process: decisions as JSON, exit codes 0/1/2, audit lines.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

const POLICY: &str = r#"
[grants."http.get"]
domain = ["*.weather.example", "api.weather.example"]
timeout_ms = 5000
max_calls = 10

[grants."llm.chat"]
model = "gpt-4o-mini"
max_tokens = 512

[scopes.main.grants."http.get"]
domain = "api.weather.example"

[scopes.main.grants."llm.chat"]

[scopes.main.scopes.summarize.grants."llm.chat"]
max_tokens = 256
"#;

fn write_policy(dir: &Path, text: &str) -> std::path::PathBuf {
    let p = dir.join("policy.toml");
    std::fs::write(&p, text).unwrap();
    p
}

fn eval(policy: &Path, tool: &str, args: &str, scope: &str) -> (i32, Value, String) {
    let out = Command::cargo_bin("lumen")
        .unwrap()
        .args(["policy", "eval", "--policy"])
        .arg(policy)
        .args(["--tool", tool, "--args", args, "--scope", scope])
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code().unwrap(),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn allowed_call_prints_the_enforced_call_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_policy(dir.path(), POLICY);
    let (code, out, _) = eval(
        &p,
        "http.get",
        r#"{"url": "https://API.weather.example./today#frag"}"#,
        "main",
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["decision"], "allow");
    assert_eq!(out["url"], "https://api.weather.example/today");
    assert_eq!(out["host"], "api.weather.example");
    assert_eq!(out["port"], 443);
    assert_eq!(out["scope"], "root/main");
    assert_eq!(out["remaining_calls"], 9);
    assert_eq!(out["timeout_ms"], 5000);

    let (code, out, _) = eval(
        &p,
        "llm.chat",
        r#"{"model": "gpt-4o-mini"}"#,
        "main/summarize",
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out["max_tokens"], 256,
        "the grant's cap is applied when the call has none"
    );
}

#[test]
fn denied_call_prints_the_violation_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_policy(dir.path(), POLICY);
    let (code, out, err) = eval(
        &p,
        "http.get",
        r#"{"url": "https://x.weather.example/"}"#,
        "main",
    );
    assert_eq!(code, 1);
    assert_eq!(out["decision"], "deny");
    assert_eq!(out["violation"]["code"], "DomainNotGranted");
    assert_eq!(
        out["violation"]["decided_by"],
        serde_json::json!(["root/main"])
    );
    assert!(err.starts_with("denied: DomainNotGranted"), "{err}");

    let (code, out, _) = eval(
        &p,
        "llm.chat",
        r#"{"model": "gpt-4o-mini", "max_tokens": 300}"#,
        "main/summarize",
    );
    assert_eq!(code, 1);
    assert_eq!(out["violation"]["code"], "TokensExceedGrant");

    let (code, out, _) = eval(
        &p,
        "http.post",
        r#"{"url": "https://api.weather.example/"}"#,
        "",
    );
    assert_eq!(code, 1);
    assert_eq!(out["violation"]["code"], "UndeclaredTool");

    let (code, out, _) = eval(
        &p,
        "http.get",
        r#"{"url": "https://user:hunter2@api.weather.example/"}"#,
        "",
    );
    assert_eq!(code, 1);
    assert_eq!(out["violation"]["code"], "UserinfoInUrl");
    assert!(
        !out.to_string().contains("hunter2"),
        "credentials must not be echoed: {out}"
    );
}

#[test]
fn malformed_policies_and_arguments_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for (bad, needle) in [
        (
            "[grants.\"http.get\"]\ndomian = \"x.example.com\"\n",
            "unknown constraint `domian`",
        ),
        (
            "[grants.\"http.get\"]\ndomain = \"*.com\"\n",
            "public suffix",
        ),
        (
            "[grants.\"http.get\"]\ntimeout_ms = \"5s\"\n",
            "expects an integer",
        ),
        ("[grants.\"fs.read\"]\n", "unknown tool"),
        ("[grantz]\n", "unknown key `grantz`"),
        ("not toml [", "not valid TOML"),
    ] {
        let p = write_policy(dir.path(), bad);
        let (code, _, err) = eval(&p, "http.get", "{}", "");
        assert_eq!(code, 2, "{bad:?}: {err}");
        assert!(err.contains(needle), "{bad:?}: {err}");
    }
    let p = write_policy(dir.path(), POLICY);
    let (code, _, err) = eval(&p, "http.get", "{not json", "");
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = eval(&p, "http.get", "{}", "main/missing");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("hint: "), "{err}");
}

#[test]
fn audit_file_gets_one_line_per_decision_without_values() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_policy(dir.path(), POLICY);
    let audit = dir.path().join("audit.jsonl");
    for url in [
        "https://api.weather.example/?key=SECRET-1",
        "https://evil.example/?key=SECRET-2",
    ] {
        let args = serde_json::json!({"url": url}).to_string();
        Command::cargo_bin("lumen")
            .unwrap()
            .args(["policy", "eval", "--policy"])
            .arg(&p)
            .args(["--tool", "http.get", "--args", &args, "--audit"])
            .arg(&audit)
            .output()
            .unwrap();
    }
    let text = std::fs::read_to_string(&audit).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(lines[0]["decision"], "allow");
    assert_eq!(lines[0]["target"], "https://api.weather.example:443");
    assert_eq!(lines[1]["decision"], "deny");
    assert_eq!(lines[1]["code"], "DomainNotGranted");
    assert_eq!(lines[1]["args"]["url"], "string");
    assert!(
        !text.contains("SECRET"),
        "argument values leaked into the audit log: {text}"
    );
}

#[test]
fn show_prints_effective_grants() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_policy(dir.path(), POLICY);
    let out = Command::cargo_bin("lumen")
        .unwrap()
        .args(["policy", "show", "--policy"])
        .arg(&p)
        .args(["--scope", "main/summarize"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["effective"]["llm.chat"]["max_tokens"], 256);
    assert_eq!(
        v["effective"]["llm.chat"]["model"],
        serde_json::json!(["gpt-4o-mini"])
    );
    assert!(
        v["effective"].get("http.get").is_none(),
        "summarize declares no http.get: {v}"
    );
}
