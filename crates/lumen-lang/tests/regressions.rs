#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Regression tests for the flaws of the earlier Lumen implementation (grants losing constraints,
//! agent-local tools dropped, one grant authorizing another tool, unknown callees treated as tools),
//! the scope rule that a child never has a tool its parent lacks, and agreement between the checker's
//! E0205 and the runtime's `validate_tool_policy` on the grants the checker computed. Tests marked
//! `#[ignore = "checker bug: …"]` assert the correct behaviour of a known checker bug.

mod common;

use lumen_capability::{Call, Grant, GrantSet, Scope, ViolationCode, validate_tool_policy};
use lumen_lang::resolve::CellInfo;
use lumen_lang::{Checked, MemLoader, check_paths, check_source, render_text};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn check(src: &str) -> Checked {
    check_source(Path::new("main.lm"), src, &MemLoader::default())
}

/// Checks `main.lm` with the other files (`name.lm` → text) beside it.
fn check_with(src: &str, modules: &[(&str, &str)]) -> Checked {
    check_source(Path::new("main.lm"), src, &common::mem(modules))
}

fn codes(c: &Checked) -> Vec<&'static str> {
    c.diagnostics.iter().map(|d| d.code.as_str()).collect()
}

/// Asserts the exact list of codes (in report order), showing the rendering on failure.
#[track_caller]
fn assert_codes(c: &Checked, expected: &[&str]) {
    assert_eq!(
        codes(c),
        expected,
        "unexpected diagnostics:\n{}",
        render_text(&c.sources, &c.diagnostics)
    );
}

#[track_caller]
fn expect(src: &str, expected: &[&str]) -> Checked {
    let c = check(src);
    assert_codes(&c, expected);
    c
}

#[track_caller]
fn cell<'a>(c: &'a Checked, name: &str) -> &'a CellInfo {
    c.cells.iter().find(|i| i.name == name).unwrap_or_else(|| {
        let names: Vec<&str> = c.cells.iter().map(|i| i.name.as_str()).collect();
        panic!("no cell `{name}` among {names:?}")
    })
}

fn models(g: &Grant) -> Vec<String> {
    g.models()
        .map(|m| m.iter().cloned().collect())
        .unwrap_or_default()
}

// ----- (a) a single-line grant keeps ALL its constraints -----

const CHAT_MODULE: &str = r#"use tool llm.chat as Chat
grant Chat model "gpt-4o-mini" max_tokens 512
"#;

fn chat_call(args: &str) -> String {
    format!(
        "{CHAT_MODULE}\ncell main() -> String\n  grant Chat\n  let r = Chat({args})\n  return r.text\nend\n"
    )
}

#[test]
fn single_line_grant_keeps_max_tokens() {
    let c = expect(
        &chat_call(r#"prompt: "hi", model: "gpt-4o-mini", max_tokens: 1000"#),
        &["E0205"],
    );
    let d = &c.diagnostics[0];
    assert!(
        d.message.contains("max_tokens") && d.message.contains("TokensExceedGrant"),
        "{}",
        d.message
    );
    expect(
        &chat_call(r#"prompt: "hi", model: "gpt-4o-mini", max_tokens: 512"#),
        &[],
    );
}

#[test]
fn single_line_grant_keeps_model() {
    let c = expect(
        &chat_call(r#"prompt: "hi", model: "gpt-4", max_tokens: 100"#),
        &["E0205"],
    );
    assert!(
        c.diagnostics[0].message.contains("ModelNotAllowed"),
        "{}",
        c.diagnostics[0].message
    );
}

#[test]
fn single_line_grant_effective_has_both_constraints() {
    let c = expect(&chat_call(r#"prompt: "hi", model: "gpt-4o-mini""#), &[]);
    let main = cell(&c, "main");
    // The cell's bare grant declares nothing of its own; it runs with the module's constraints.
    let declared = main.declared.get("llm.chat").unwrap();
    assert_eq!(declared.max_tokens(), None);
    assert!(declared.models().is_none());
    let eff = main.effective.get("llm.chat").unwrap();
    assert_eq!(eff.max_tokens(), Some(512));
    assert_eq!(models(eff), ["gpt-4o-mini"]);
}

#[test]
fn single_line_grants_in_cells_and_agents_keep_all_constraints() {
    let src = r#"use tool llm.chat as Chat
grant Chat model ["gpt-4o-mini", "gpt-4o"] max_tokens 1024   # a trailing comment ends the grant

agent Writer
  grant Chat model "gpt-4o" max_tokens 600
  cell draft() -> String
    grant Chat
    return "x"
  end
end

cell main() -> String
  grant Chat model "gpt-4o-mini" max_tokens 256
  return "y"
end
"#;
    let c = expect(src, &[]);
    let main = cell(&c, "main");
    let d = main.declared.get("llm.chat").unwrap();
    assert_eq!(
        (d.max_tokens(), models(d)),
        (Some(256), vec!["gpt-4o-mini".to_owned()])
    );
    let e = main.effective.get("llm.chat").unwrap();
    assert_eq!(
        (e.max_tokens(), models(e)),
        (Some(256), vec!["gpt-4o-mini".to_owned()])
    );
    let draft = cell(&c, "Writer.draft");
    let e = draft.effective.get("llm.chat").unwrap();
    assert_eq!(
        (e.max_tokens(), models(e)),
        (Some(600), vec!["gpt-4o".to_owned()])
    );

    // Each constraint of the cell's one-line grant is enforced on its calls.
    let call = |args: &str| src.replace("return \"y\"", &format!("return Chat({args})"));
    expect(
        &call(r#"prompt: "p", model: "gpt-4o-mini", max_tokens: 300"#),
        &["E0205"],
    );
    expect(
        &call(r#"prompt: "p", model: "gpt-4o", max_tokens: 100"#),
        &["E0205"],
    );
    expect(
        &call(r#"prompt: "p", model: "gpt-4o-mini", max_tokens: 256"#),
        &[],
    );
}

#[test]
fn multi_line_grant_keeps_all_constraints() {
    let src = r#"use tool http.get as Fetch
grant Fetch
  domain "api.example.com"
  path_prefix "/v1"
  timeout_ms 5000
  max_bytes 65536
cell main() -> String
  grant Fetch
  return "x"
end
"#;
    let c = expect(src, &[]);
    let e = cell(&c, "main").effective.get("http.get").unwrap();
    assert_eq!(e.timeout_ms(), Some(5000));
    assert_eq!(e.max_bytes(), Some(65536));
    assert_eq!(e.path_prefixes().unwrap(), ["/v1"]);
    assert_eq!(e.hosts().unwrap().patterns().len(), 1);
}

#[test]
fn granting_entry_keeps_all_constraints() {
    let module = r#"use tool http.get as Get
grant Get domain "api.weather.example"
cell history() -> String
  grant Get
  let r = Get(url: "https://api.weather.example/v2/history")
  return r.body
end
"#;
    let main = r#"use tool http.get as Fetch
grant Fetch domain "*.weather.example" timeout_ms 5000
import feed granting
  Fetch domain "api.weather.example" path_prefix "/v1" timeout_ms 1000
end
"#;
    // The importer's path_prefix reaches the module: its /v2 URL can never be allowed.
    let c = check_with(main, &[("feed.lm", module)]);
    assert_codes(&c, &["E0205"]);
    assert_eq!(
        c.sources.get(c.diagnostics[0].file).unwrap().path,
        Path::new("feed.lm")
    );
    let e = cell(&c, "history").effective.get("http.get").unwrap();
    assert_eq!(e.path_prefixes().unwrap(), ["/v1"]);
    assert_eq!(e.timeout_ms(), Some(1000));
}

#[test]

fn constant_max_tokens_is_checked_when_model_is_a_variable() {
    let src = r#"use tool llm.chat as Chat
grant Chat model ["gpt-4o-mini", "gpt-4o"] max_tokens 512
cell main(m: String) -> String
  grant Chat
  let r = Chat(prompt: "hi", model: m, max_tokens: 1000)
  return r.text
end
"#;
    expect(src, &["E0205"]);
}

#[test]

fn constant_max_tokens_is_checked_when_model_is_missing() {
    expect(&chat_call(r#"prompt: "hi", max_tokens: 1000"#), &["E0205"]);
}

#[test]

fn constant_method_is_checked_when_url_is_a_variable() {
    let src = r#"use tool http.request as Request
grant Request domain "api.example.com" method ["GET", "HEAD"]
cell main(u: String) -> String
  grant Request
  let r = Request(url: u, method: "DELETE")
  return r.body
end
"#;
    expect(src, &["E0205"]);
}

#[test]
fn arguments_a_tool_does_not_take_are_refused_whatever_their_value() {
    // The runtime refuses them by name (UnknownArgument), so the checker does too, constant or not.
    for args in [
        r#"prompt: "hi", max_completion_tokens: 100000"#,
        r#"prompt: p, max_completion_tokens: p"#,
        r#"prompt: "hi", Max_Tokens: 10"#,
    ] {
        let src = format!(
            "use tool llm.chat as Chat\ngrant Chat model \"gpt-4o-mini\" max_tokens 512\n\
             cell main(p: String) -> String\n  grant Chat\n  let r = Chat({args})\n  return r.text\nend\n"
        );
        expect(&src, &["E0205"]);
    }
    let src = r#"use tool http.get as Fetch
grant Fetch domain "api.example.com"
cell main(u: String) -> String
  grant Fetch
  let r = Fetch(url: u, base_url: "https://evil.example/")
  return r.body
end
"#;
    expect(src, &["E0205"]);
}

#[test]
fn constant_arguments_that_contradict_the_tool_are_refused() {
    let call = |args: &str| {
        format!(
            "use tool http.get as Fetch\ngrant Fetch domain \"api.example.com\"\n\
             cell main(u: String) -> String\n  grant Fetch\n  let r = Fetch({args})\n  return r.body\nend\n"
        )
    };
    expect(&call(r#"url: u, method: "DELETE""#), &["E0205"]);
    expect(
        &call(r#"url: "https://api.example.com/?_method=DELETE""#),
        &["E0205"],
    );
    expect(&call(r#"url: u, method: "get""#), &[]);
}

// ----- (b) an agent-local `use tool` is kept, and stays local -----

const AGENT_LOCAL: &str = r#"use tool http.get as Get
grant Get domain ["api.example.com", "cdn.example.com"]

agent Crawler
  use tool http.get as Fetch
  grant Fetch domain "api.example.com"
  cell crawl() -> String
    grant Fetch
    let r = Fetch(url: "https://api.example.com/")
    return r.body
  end
end
"#;

#[test]
fn agent_local_use_tool_is_kept() {
    let c = expect(AGENT_LOCAL, &[]);
    let crawl = cell(&c, "Crawler.crawl");
    let e = crawl.effective.get("http.get").unwrap();
    assert_eq!(e.hosts().unwrap().patterns().len(), 1);
    // The agent-local alias resolves to the tool: its constant arguments are checked.
    let evil = AGENT_LOCAL.replace(
        "Fetch(url: \"https://api.example.com/\")",
        "Fetch(url: \"https://cdn.example.com/\")",
    );
    let c = expect(&evil, &["E0205"]);
    assert!(
        c.diagnostics[0].message.contains("DomainNotGranted"),
        "{}",
        c.diagnostics[0].message
    );
}

#[test]
fn agent_local_alias_is_not_visible_at_module_level() {
    // Called from a module-level cell: not a known name.
    let called = format!(
        "{AGENT_LOCAL}\ncell main() -> String\n  let r = Fetch(url: \"https://api.example.com/\")\n  return r.body\nend\n"
    );
    expect(&called, &["E0202"]);
    // Granted in a module-level cell: not a declared alias.
    let granted = format!(
        "{AGENT_LOCAL}\ncell main() -> String\n  grant Fetch\n  let r = Fetch(url: \"https://api.example.com/\")\n  return r.body\nend\n"
    );
    expect(&granted, &["E0102", "E0202"]);
    // Granted at module level.
    expect(
        &format!("{AGENT_LOCAL}\ngrant Fetch domain \"api.example.com\"\n"),
        &["E0102"],
    );
}

#[test]
fn agent_local_alias_is_not_visible_in_another_agent() {
    let other = format!(
        "{AGENT_LOCAL}\nagent Other\n  grant Get\n  cell go() -> String\n    grant Get\n    let r = Fetch(url: \"https://api.example.com/\")\n    return r.body\n  end\nend\n"
    );
    expect(&other, &["E0202"]);
    let granted = format!("{AGENT_LOCAL}\nagent Other\n  grant Fetch\nend\n");
    expect(&granted, &["E0102"]);
}

// ----- (c) a grant for one tool never authorizes another -----

#[test]
fn grant_for_one_tool_never_authorizes_another() {
    let src = r#"use tool http.get as Fetch
use tool http.post as Post
grant Fetch domain "api.example.com"
grant Post domain "api.example.com"
cell main() -> String
  grant Fetch
  let r = Post(url: "https://api.example.com/items", body: "x")
  return r.body
end
"#;
    let c = expect(src, &["E0201"]);
    assert!(
        c.diagnostics[0].message.contains("http.post"),
        "{}",
        c.diagnostics[0].message
    );
    let main = cell(&c, "main");
    assert!(main.effective.get("http.post").is_none());
    assert!(main.effective.get("http.get").is_some());
}

#[test]
fn grant_for_one_llm_or_mcp_tool_never_authorizes_its_sibling() {
    let llm = r#"use tool llm.chat as Chat
use tool llm.complete as Complete
grant Chat
grant Complete
cell main() -> String
  grant Chat
  let r = Complete(prompt: "x")
  return r.text
end
"#;
    expect(llm, &["E0201"]);
    let mcp = r#"use tool mcp.github.create_issue as Create
use tool mcp.github.close_issue as Close
grant Create
grant Close
cell main() -> String
  grant Create
  let r = Close(number: 1)
  return r.url
end
"#;
    expect(mcp, &["E0201"]);
}

#[test]
fn grants_are_per_tool_not_per_alias() {
    // Two aliases of one tool: granting either covers calls through both.
    let src = r#"use tool http.get as Fetch
use tool http.get as Get
grant Fetch domain "api.example.com"
cell main() -> String
  grant Fetch
  let r = Get(url: "https://api.example.com/")
  return r.body
end
"#;
    expect(src, &[]);
}

#[test]
fn grant_without_a_call_authorizes_nothing_else_in_other_cells() {
    let src = r#"use tool http.get as Fetch
grant Fetch domain "api.example.com"
cell granted() -> String
  grant Fetch
  return "x"
end
cell main() -> String
  let r = Fetch(url: "https://api.example.com/")
  return r.body
end
"#;
    expect(src, &["E0201"]);
}

// ----- (d) an undeclared callee is an error, never a tool -----

#[test]
fn undeclared_callee_is_an_error() {
    for callee in ["fetch", "get", "Fetch", "llm_chat", "http_get", "Chat"] {
        let src = format!(
            "cell main() -> String\n  let r = {callee}(url: \"https://api.example.com/\")\n  return r.body\nend\n"
        );
        let c = expect(&src, &["E0202"]);
        assert!(
            c.diagnostics[0].message.contains(callee),
            "{}",
            c.diagnostics[0].message
        );
        assert!(c.cells.iter().all(|i| i.effective.is_empty()));
    }
}

#[test]
fn undeclared_callee_with_a_grant_is_still_not_a_tool() {
    // `grant` of an undeclared alias is E0102, and calling it is E0202: it never becomes a tool.
    let src = r#"cell main() -> String
  grant Fetch
  let r = Fetch(url: "https://api.example.com/")
  return r.body
end
"#;
    let c = expect(src, &["E0102", "E0202"]);
    assert!(cell(&c, "main").effective.is_empty());
}

#[test]
fn a_tool_id_is_not_callable() {
    let src = r#"use tool http.get as Fetch
grant Fetch domain "api.example.com"
cell main() -> String
  grant Fetch
  let r = http.get(url: "https://api.example.com/")
  return r.body
end
"#;
    expect(src, &["E0202"]);
}

#[test]
fn a_modules_alias_is_not_visible_to_its_importer() {
    let module = r#"use tool http.get as Get
grant Get domain "api.example.com"
cell ping() -> String
  return "pong"
end
"#;
    let main = r#"use tool http.get as Fetch
grant Fetch domain "api.example.com"
import dep granting
  Fetch
end
cell main() -> String
  grant Fetch
  let r = Get(url: "https://api.example.com/")
  return r.body
end
"#;
    assert_codes(&check_with(main, &[("dep.lm", module)]), &["E0202"]);
}

// ----- a tool the parent lacks is absent in the child, whatever the child declares -----

#[test]
fn tool_the_module_lacks_is_absent_in_the_cell() {
    let src = r#"use tool http.get as Fetch
use tool llm.chat as Chat
grant Fetch domain "api.example.com"
cell main() -> String
  grant Chat
  let r = Chat(prompt: "hi")
  return r.text
end
"#;
    let c = expect(src, &["E0203"]);
    // The runtime builds the same chain: module → cell. The cell declares llm.chat, the module does
    // not have it, so the cell does not either and the call is denied.
    let declared = &cell(&c, "main").declared;
    assert!(declared.get("llm.chat").is_some());
    let module = GrantSet::new()
        .with(Grant::build("http.get", [("domain", json!("api.example.com"))]).unwrap())
        .unwrap();
    let scope = Scope::root("module", &module)
        .unwrap()
        .child("main", declared)
        .unwrap();
    assert!(scope.effective().get("llm.chat").is_none());
    let args = json!({"prompt": "hi"});
    let v = validate_tool_policy(&scope, &Call::new("llm.chat", &args)).unwrap_err();
    assert_eq!(v.code, ViolationCode::UndeclaredTool);
}

#[test]
fn tool_the_agent_lacks_is_absent_in_its_cells() {
    let src = r#"use tool http.get as Fetch
use tool llm.chat as Chat
grant Fetch domain "api.example.com"
grant Chat model "gpt-4o-mini"
agent Reader
  grant Fetch
  cell read() -> String
    grant Fetch
    grant Chat
    let r = Chat(prompt: "hi", model: "gpt-4o-mini")
    return r.text
  end
end
"#;
    expect(src, &["E0203"]);
    // An agent-local alias does not get around it either.
    let local = r#"use tool http.get as Fetch
grant Fetch domain "api.example.com"
agent Reader
  use tool llm.chat as Chat
  grant Chat
  cell read() -> String
    grant Chat
    let r = Chat(prompt: "hi")
    return r.text
  end
end
"#;
    expect(local, &["E0203"]);
}

#[test]
fn tool_the_importer_does_not_give_is_absent_in_the_module() {
    let module = r#"use tool http.get as Get
use tool llm.chat as Chat
grant Get domain "api.example.com"
grant Chat model "gpt-4o-mini"
cell ping() -> String
  return "pong"
end
"#;
    let main = r#"use tool http.get as Fetch
use tool llm.chat as Chat
grant Fetch domain "api.example.com"
grant Chat model "gpt-4o-mini"
import dep granting
  Fetch domain "api.example.com"
end
"#;
    let c = check_with(main, &[("dep.lm", module)]);
    assert_codes(&c, &["E0206"]);
    assert!(
        c.diagnostics[0]
            .help
            .as_deref()
            .unwrap()
            .contains("Chat model \"gpt-4o-mini\"")
    );
}

#[test]

fn effective_grants_never_hold_a_tool_the_parent_lacks() {
    let src = r#"use tool http.get as Fetch
use tool llm.chat as Chat
grant Fetch domain "api.example.com"
cell main() -> String
  grant Chat
  return "x"
end
"#;
    let c = expect(src, &["E0203"]);
    assert!(
        cell(&c, "main").effective.get("llm.chat").is_none(),
        "effective: {}",
        cell(&c, "main").effective.to_json()
    );
}

// ----- the checker and the runtime agree -----

/// One constant call: the grants on the way to the cell, the call, and the runtime's verdict.
struct Agreement {
    module: &'static str,
    agent: Option<&'static str>,
    cell: &'static str,
    tool: &'static str,
    lumen_args: &'static str,
    json_args: Value,
    expected: Option<ViolationCode>,
}

fn agreement_program(a: &Agreement) -> (String, String) {
    let mut src = format!("use tool {} as T\ngrant T {}\n", a.tool, a.module);
    let body = format!(
        "cell main() -> String\n  grant T {}\n  let r = T({})\n  return r.body\nend\n",
        a.cell, a.lumen_args
    );
    match a.agent {
        Some(g) => {
            src.push_str(&format!("agent A\n  grant T {g}\n{body}end\n"));
            (src, "A.main".to_owned())
        }
        None => {
            src.push_str(&body);
            (src, "main".to_owned())
        }
    }
}

#[test]
fn checker_and_runtime_agree_on_constant_calls() {
    let rows = [
        Agreement {
            module: r#"domain "*.example.com""#,
            agent: None,
            cell: r#"domain "api.example.com""#,
            tool: "http.get",
            lumen_args: r#"url: "https://api.example.com/x""#,
            json_args: json!({"url": "https://api.example.com/x"}),
            expected: None,
        },
        Agreement {
            module: r#"domain "*.example.com""#,
            agent: None,
            cell: r#"domain "api.example.com""#,
            tool: "http.get",
            lumen_args: r#"url: "https://www.example.com/""#,
            json_args: json!({"url": "https://www.example.com/"}),
            expected: Some(ViolationCode::DomainNotGranted),
        },
        Agreement {
            module: r#"domain "api.example.com""#,
            agent: None,
            cell: "",
            tool: "http.get",
            lumen_args: r#"url: "https://API.Example.COM./x""#,
            json_args: json!({"url": "https://API.Example.COM./x"}),
            expected: None,
        },
        Agreement {
            module: r#"domain "api.example.com""#,
            agent: None,
            cell: "",
            tool: "http.get",
            lumen_args: r#"url: "http://api.example.com/""#,
            json_args: json!({"url": "http://api.example.com/"}),
            expected: Some(ViolationCode::SchemeNotAllowed),
        },
        Agreement {
            module: r#"domain "api.example.com""#,
            agent: None,
            cell: "",
            tool: "http.get",
            lumen_args: r#"url: "https://api.example.com:8443/""#,
            json_args: json!({"url": "https://api.example.com:8443/"}),
            expected: Some(ViolationCode::PortNotAllowed),
        },
        Agreement {
            module: r#"domain "api.example.com" path_prefix "/v1""#,
            agent: None,
            cell: "",
            tool: "http.get",
            lumen_args: r#"url: "https://api.example.com/v1/../admin""#,
            json_args: json!({"url": "https://api.example.com/v1/../admin"}),
            expected: Some(ViolationCode::PathNotGranted),
        },
        Agreement {
            module: "timeout_ms 5000",
            agent: None,
            cell: "",
            tool: "http.get",
            lumen_args: r#"url: "https://0x7f.1/""#,
            json_args: json!({"url": "https://0x7f.1/"}),
            expected: Some(ViolationCode::PrivateAddress),
        },
        Agreement {
            module: r#"domain "api.example.com""#,
            agent: None,
            cell: "",
            tool: "http.get",
            lumen_args: r#"url: "https://user:pw@api.example.com/""#,
            json_args: json!({"url": "https://user:pw@api.example.com/"}),
            expected: Some(ViolationCode::UserinfoInUrl),
        },
        Agreement {
            module: r#"domain "api.example.com" method ["GET", "HEAD"]"#,
            agent: None,
            cell: "",
            tool: "http.request",
            lumen_args: r#"url: "https://api.example.com/", method: "post""#,
            json_args: json!({"url": "https://api.example.com/", "method": "post"}),
            expected: Some(ViolationCode::MethodNotAllowed),
        },
        Agreement {
            module: r#"model "gpt-4o-mini" max_tokens 512"#,
            agent: None,
            cell: "",
            tool: "llm.chat",
            lumen_args: r#"prompt: "p", model: "gpt-4o-mini", max_tokens: 1000"#,
            json_args: json!({"prompt": "p", "model": "gpt-4o-mini", "max_tokens": 1000}),
            expected: Some(ViolationCode::TokensExceedGrant),
        },
        Agreement {
            module: r#"model ["gpt-4o-mini", "gpt-4o"] max_tokens 512"#,
            agent: Some(r#"model "gpt-4o-mini""#),
            cell: "",
            tool: "llm.chat",
            lumen_args: r#"prompt: "p", model: "gpt-4o", max_tokens: 100"#,
            json_args: json!({"prompt": "p", "model": "gpt-4o", "max_tokens": 100}),
            expected: Some(ViolationCode::ModelNotAllowed),
        },
        Agreement {
            module: r#"domain ["*.example.com"]"#,
            agent: Some(r#"domain ["a.example.com", "b.example.com"]"#),
            cell: "",
            tool: "http.get",
            lumen_args: r#"url: "https://b.example.com/""#,
            json_args: json!({"url": "https://b.example.com/"}),
            expected: None,
        },
        Agreement {
            module: r#"domain ["*.example.com"]"#,
            agent: Some(r#"domain ["a.example.com", "b.example.com"]"#),
            cell: r#"domain "a.example.com""#,
            tool: "http.get",
            lumen_args: r#"url: "https://b.example.com/""#,
            json_args: json!({"url": "https://b.example.com/"}),
            expected: Some(ViolationCode::DomainNotGranted),
        },
    ];
    for row in &rows {
        let (src, name) = agreement_program(row);
        let c = check(&src);
        let shown = render_text(&c.sources, &c.diagnostics);
        assert!(
            codes(&c).iter().all(|code| *code == "E0205"),
            "{src}\n{shown}"
        );
        let info = cell(&c, &name);
        let scope = Scope::root(&name.replace('.', "-"), &info.effective).unwrap();
        let runtime = validate_tool_policy(&scope, &Call::new(row.tool, &row.json_args));
        let runtime_code = runtime.as_ref().err().map(|v| v.code);
        assert_eq!(runtime_code, row.expected, "runtime verdict for\n{src}");
        match runtime_code {
            None => assert!(
                c.is_ok(),
                "the runtime allows it, the checker does not:\n{src}\n{shown}"
            ),
            Some(code) => {
                assert_eq!(codes(&c), ["E0205"], "{src}\n{shown}");
                assert!(
                    c.diagnostics[0].message.contains(code.as_str()),
                    "the checker's reason differs from the runtime's {code}:\n{shown}"
                );
            }
        }
    }
}

// ----- further checker bugs found while writing the corpus -----

#[test]

fn positional_argument_to_a_tool_is_rejected() {
    let src = r#"use tool http.get as Fetch
grant Fetch domain "api.example.com"
cell main() -> String
  grant Fetch
  let r = Fetch("https://evil.example/")
  return r.body
end
"#;
    let c = check(src);
    assert!(!c.is_ok(), "accepted: a positional argument to a tool");
}

#[test]

fn alias_and_cell_with_one_name_is_a_duplicate() {
    let src = r#"use tool http.get as summarize
grant summarize domain "api.example.com"
cell summarize(text: String) -> String
  return text
end
cell main() -> String
  grant summarize
  return summarize(text: "x")
end
"#;
    // The name resolves to the tool (declared first), which takes no `text` argument.
    expect(src, &["E0103", "E0205"]);
}

#[test]

fn call_into_a_missing_module_reports_only_e0207() {
    let src = r#"import nowhere
cell main() -> String
  return nowhere.today()
end
"#;
    expect(src, &["E0207"]);
}

#[test]

fn call_into_a_cyclic_module_reports_only_e0208() {
    let a = "import b\ncell main() -> String\n  return b.pong()\nend\n";
    let b = "import main\ncell pong() -> String\n  return main.main()\nend\n";
    let c = check_with(a, &[("b.lm", b)]);
    assert_codes(&c, &["E0208"]);
}

#[test]
fn e0206_help_says_when_the_importer_must_widen_its_own_grant_first() {
    let module = r#"use tool http.get as Get
grant Get domain "*.weather.example"
cell today() -> String
  grant Get
  return "x"
end
"#;
    let main = r#"use tool http.get as Fetch
grant Fetch domain "api.weather.example"
import wutil granting
  Fetch domain "api.weather.example"
end
"#;
    let c = check_with(main, &[("wutil.lm", module)]);
    let d = c
        .diagnostics
        .iter()
        .find(|d| d.code.as_str() == "E0206")
        .expect("E0206");
    let help = d.help.as_deref().unwrap();
    // The importer cannot give more than it has: the help says to widen its own grant first ...
    assert!(
        help.starts_with("first widen this module's own grants"),
        "{help}"
    );
    assert!(
        help.contains("grant Fetch domain \"*.weather.example\""),
        "{help}"
    );
    // ... and following both steps of the help gives a program that passes.
    let clause = help
        .split_once("granting\n")
        .unwrap()
        .1
        .rsplit_once("\nend")
        .unwrap()
        .0;
    let fixed = main
        .replace(
            "grant Fetch domain \"api.weather.example\"",
            "grant Fetch domain \"*.weather.example\"",
        )
        .replace("  Fetch domain \"api.weather.example\"", clause);
    let c2 = check_with(&fixed, &[("wutil.lm", module)]);
    assert!(
        c2.is_ok(),
        "following E0206's help:\n{fixed}\n{}",
        render_text(&c2.sources, &c2.diagnostics)
    );

    // When the importer has what the module asks for, the help is the clause alone.
    let main_wide = main.replace(
        "grant Fetch domain \"api.weather.example\"",
        "grant Fetch domain \"*.weather.example\"",
    );
    let c3 = check_with(&main_wide, &[("wutil.lm", module)]);
    let d = c3
        .diagnostics
        .iter()
        .find(|d| d.code.as_str() == "E0206")
        .expect("E0206");
    assert!(
        d.help
            .as_deref()
            .unwrap()
            .starts_with("give it what it asks for"),
        "{:?}",
        d.help
    );
}

// ----- limits and robustness -----

#[test]
fn imports_nested_deeper_than_64_modules_are_refused() {
    let mut loader = MemLoader::default();
    for i in 0..70 {
        loader.files.insert(
            PathBuf::from(format!("m{i}.lm")),
            format!("import m{}\ncell c{i}() -> Int\n  return {i}\nend\n", i + 1),
        );
    }
    loader.files.insert(
        PathBuf::from("m70.lm"),
        "cell last() -> Int\n  return 1\nend\n".into(),
    );
    let c = check_paths(&[PathBuf::from("m0.lm")], &loader);
    assert_codes(&c, &["E0002"]);
}

#[test]
fn a_diamond_of_imports_is_not_a_cycle() {
    let base = "cell ping() -> String\n  return \"pong\"\nend\n";
    let left = "import base\ncell l() -> String\n  return base.ping()\nend\n";
    let right = "import base\ncell r() -> String\n  return base.ping()\nend\n";
    let main =
        "import left\nimport right\nimport base\ncell main() -> String\n  return left.l()\nend\n";
    let c = check_with(
        main,
        &[("base.lm", base), ("left.lm", left), ("right.lm", right)],
    );
    assert_codes(&c, &[]);
}

/// Every prefix of every corpus program (cut at a character boundary, in steps) is checked without a
/// panic and with diagnostics inside their file.
#[test]
fn truncated_corpus_programs_never_panic() {
    let mut files = Vec::new();
    let mut dirs = vec![PathBuf::from("tests/corpus")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p
                .to_str()
                .is_some_and(|s| s.ends_with(".lm") || s.ends_with(".lm.md"))
            {
                files.push(p);
            }
        }
    }
    assert!(files.len() > 20, "corpus not found");
    for p in files {
        let text = std::fs::read_to_string(&p).unwrap();
        let name = PathBuf::from(p.file_name().unwrap());
        for cut in (0..=text.len())
            .step_by(3)
            .filter(|&i| text.is_char_boundary(i))
        {
            let c = check_source(&name, &text[..cut], &MemLoader::default());
            for d in &c.diagnostics {
                let f = c.sources.get(d.file).unwrap();
                assert!(
                    d.span.end as usize <= f.text.len() && d.span.start <= d.span.end,
                    "{}[..{cut}]: span out of its file: {d:?}",
                    p.display()
                );
            }
            let _ = render_text(&c.sources, &c.diagnostics);
        }
    }
}
