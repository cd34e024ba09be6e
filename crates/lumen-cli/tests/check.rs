#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `lumen check` run as a real process: exit codes 0/1/2, rustc-like text on stderr, JSON on stdout,
//! several errors in one run, `--explain`, missing files and Markdown programs.

mod common;

use assert_cmd::Command;
use common::NOT_GRANTED;
use serde_json::Value;
use std::path::Path;

const OK: &str = r#"use tool http.get as Fetch
grant Fetch domain "api.weather.example"

cell main() -> String
  grant Fetch
  let r = Fetch(url: "https://api.weather.example/today")
  return r.body
end
"#;

/// E0201 at 6:13, E0205 at 13:22, E0202 at 14:10.
const SEVERAL: &str = r#"use tool http.get as Fetch
use tool llm.chat as Chat
grant Fetch domain "api.weather.example"
grant Chat model "gpt-4o-mini"
cell summarize(text: String) -> String
  let r = Chat(prompt: text, model: "gpt-4o-mini")
  return r.text
end

cell main() -> String
  grant Fetch
  grant Chat
  let d = Fetch(url: "https://evil.example/")
  return sumarize(text: d.body)
end
"#;

/// The cell is on line 18 of the Markdown file, the call at 19:11.
const MARKDOWN: &str = r#"# Weather report

This literate program fetches today's forecast.

```lumen
use tool http.get as Fetch
grant Fetch domain "api.weather.example"
```

Prose between the blocks, and a block in another language:

```python
print("not lumen")
```

```lumen

cell today() -> String
  let r = Fetch(url: "https://api.weather.example/today")
  return r.body
end
```
"#;

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(p, text).unwrap();
}

/// Runs `lumen check <args>` in `dir`: (exit code, stdout, stderr).
fn lumen(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("lumen")
        .unwrap()
        .current_dir(dir)
        .arg("check")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().expect("lumen exited normally"),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn json_of(stdout: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{stdout}"));
    v.as_array().expect("a JSON array").clone()
}

#[test]
fn an_accepted_program_exits_0_silently() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.lm", OK);
    let (code, out, err) = lumen(dir.path(), &["main.lm"]);
    assert_eq!(code, 0, "stderr: {err}");
    assert_eq!(out, "");
    assert_eq!(err, "");
}

#[test]
fn a_tool_not_granted_exits_1_with_a_rustc_like_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.lm", NOT_GRANTED);
    let (code, out, err) = lumen(dir.path(), &["main.lm"]);
    assert_eq!(code, 1, "stderr: {err}");
    assert_eq!(out, "");
    assert!(
        err.starts_with("error[E0201]: cell `main` calls `Fetch` (http.get) without granting it\n"),
        "{err}"
    );
    assert!(err.contains("┌─ main.lm:5:11\n"), "{err}");
    assert!(
        err.contains("5 │   let r = Fetch(url: \"https://api.weather.example/today\")"),
        "{err}"
    );
    assert!(err.contains("^^^^^ not granted to this cell"), "{err}");
    assert!(
        err.contains("= help: add `grant Fetch` at the top of cell `main`\n"),
        "{err}"
    );
    assert!(
        err.ends_with(
            "error: 1 problem found; `lumen check --explain <CODE>` explains each code\n"
        ),
        "{err}"
    );
}

#[test]
fn json_format_prints_an_array_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.lm", NOT_GRANTED);
    let (code, out, err) = lumen(dir.path(), &["main.lm", "--format", "json"]);
    assert_eq!(code, 1, "stderr: {err}");
    assert_eq!(err, "", "JSON mode prints nothing on stderr");
    let list = json_of(&out);
    assert_eq!(list.len(), 1, "{out}");
    let d = &list[0];
    assert_eq!(d["code"], "E0201");
    assert_eq!(d["severity"], "error");
    assert_eq!(
        d["message"],
        "cell `main` calls `Fetch` (http.get) without granting it"
    );
    assert_eq!(d["file"], "main.lm");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(5), Some(11))
    );
    assert_eq!(
        (d["end_line"].as_u64(), d["end_column"].as_u64()),
        (Some(5), Some(16))
    );
    assert_eq!(d["help"], "add `grant Fetch` at the top of cell `main`");
    assert!(d["secondary"].as_array().is_some_and(|s| !s.is_empty()));

    // An accepted program: an empty array, exit 0.
    write(dir.path(), "ok.lm", OK);
    let (code, out, _) = lumen(dir.path(), &["--format", "json", "ok.lm"]);
    assert_eq!(code, 0);
    assert!(json_of(&out).is_empty());
}

#[test]
fn several_errors_are_reported_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.lm", SEVERAL);
    let (code, _, err) = lumen(dir.path(), &["main.lm"]);
    assert_eq!(code, 1);
    let heads: Vec<&str> = err.lines().filter(|l| l.starts_with("error[")).collect();
    assert_eq!(heads.len(), 3, "{err}");
    assert!(heads[0].starts_with("error[E0201]"), "{err}");
    assert!(heads[1].starts_with("error[E0205]"), "{err}");
    assert!(heads[2].starts_with("error[E0202]"), "{err}");
    for at in ["main.lm:6:11", "main.lm:13:22", "main.lm:14:10"] {
        assert!(err.contains(at), "{at} missing in:\n{err}");
    }
    assert!(err.contains("did you mean `summarize`?"), "{err}");
    assert!(err.contains("error: 3 problems found;"), "{err}");

    let (code, out, _) = lumen(dir.path(), &["--format", "json", "main.lm"]);
    assert_eq!(code, 1);
    let got: Vec<(String, u64, u64)> = json_of(&out)
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("E0201".to_owned(), 6, 11),
            ("E0205".to_owned(), 13, 22),
            ("E0202".to_owned(), 14, 10)
        ]
    );
}

#[test]
fn several_files_in_one_run_fail_if_any_fails() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ok.lm", OK);
    write(dir.path(), "bad.lm", NOT_GRANTED);
    let (code, _, err) = lumen(dir.path(), &["ok.lm", "bad.lm"]);
    assert_eq!(code, 1);
    assert!(err.contains("┌─ bad.lm:5:11"), "{err}");
    assert!(!err.contains("ok.lm:"), "{err}");
    let (code, _, _) = lumen(dir.path(), &["ok.lm", "ok.lm"]);
    assert_eq!(code, 0);
}

#[test]
fn imports_are_found_beside_the_file_not_in_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app/util.lm",
        "cell shout(s: String) -> String\n  return upper(s)\nend\n",
    );
    write(
        dir.path(),
        "app/main.lm",
        "import util\ncell main() -> String\n  return util.shout(s: \"hi\")\nend\n",
    );
    let (code, _, err) = lumen(dir.path(), &["app/main.lm"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn explain_prints_the_explanation() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = lumen(dir.path(), &["--explain", "E0201"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("E0201: a cell calls a tool it does not grant itself."),
        "{out}"
    );
    assert!(out.contains("Erroneous example:"), "{out}");
    assert!(out.contains("Fixed:"), "{out}");
    // Case-insensitive, the `E` optional.
    for spelling in ["e0201", "0201"] {
        let (code, again, _) = lumen(dir.path(), &["--explain", spelling]);
        assert_eq!((code, again.as_str()), (0, out.as_str()), "{spelling}");
    }
}

#[test]
fn explain_of_an_unknown_code_exits_2_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = lumen(dir.path(), &["--explain", "E9999"]);
    assert_eq!(code, 2);
    assert_eq!(out, "");
    assert!(
        err.contains("error: `E9999` is not a diagnostic code"),
        "{err}"
    );
    assert!(
        err.contains("hint: codes are: E0001, E0002, E0101"),
        "{err}"
    );
    assert!(err.contains("E0208"), "{err}");
}

#[test]
fn a_missing_file_exits_1_with_e0207() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = lumen(dir.path(), &["nowhere.lm"]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with("error[E0207]: cannot read `nowhere.lm`"),
        "{err}"
    );
    assert!(err.contains("help: check the path"), "{err}");
    let (code, out, _) = lumen(dir.path(), &["--format", "json", "nowhere.lm"]);
    assert_eq!(code, 1);
    let list = json_of(&out);
    assert_eq!(list[0]["code"], "E0207");
    assert_eq!(list[0]["file"], "nowhere.lm");
}

#[test]
fn a_missing_import_exits_1_with_e0207_at_the_import() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "main.lm",
        "import geocoder\ncell main() -> String\n  return \"x\"\nend\n",
    );
    let (code, _, err) = lumen(dir.path(), &["main.lm"]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with("error[E0207]: cannot find module `geocoder`"),
        "{err}"
    );
    assert!(err.contains("┌─ main.lm:1:8"), "{err}");
}

#[test]
fn markdown_diagnostics_point_at_the_markdown_line() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "report.lm.md", MARKDOWN);
    let (code, _, err) = lumen(dir.path(), &["report.lm.md"]);
    assert_eq!(code, 1);
    assert!(err.starts_with("error[E0201]"), "{err}");
    assert!(err.contains("┌─ report.lm.md:19:11"), "{err}");
    assert!(
        err.contains("19 │   let r = Fetch(url: \"https://api.weather.example/today\")"),
        "{err}"
    );
    assert!(err.contains("18 │ cell today() -> String"), "{err}");
    assert!(
        err.contains(" 7 │ grant Fetch domain \"api.weather.example\""),
        "{err}"
    );

    let (_, out, _) = lumen(dir.path(), &["report.lm.md", "--format", "json"]);
    let list = json_of(&out);
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0]["line"].as_u64(), list[0]["column"].as_u64()),
        (Some(19), Some(11))
    );

    // Fixed in place, the Markdown program passes.
    let fixed = MARKDOWN.replace(
        "cell today() -> String\n",
        "cell today() -> String\n  grant Fetch\n",
    );
    write(dir.path(), "report.lm.md", &fixed);
    let (code, _, err) = lumen(dir.path(), &["report.lm.md"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn no_file_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = lumen(dir.path(), &[]);
    assert_eq!(code, 2, "{err}");
}
