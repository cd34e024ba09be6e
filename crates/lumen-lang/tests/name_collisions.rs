#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Class: one name, one meaning. A call `X(…)` or `X.cell(…)` must mean the same thing wherever a
//! reader sees it, so no two things a call could mean share a name: module-level aliases, agents,
//! cells and imports are unique in their module; an agent's aliases and cells do not reuse a
//! module-level name; no declared name is a builtin's; no parameter or variable reuses a name a call
//! in its cell could mean. All are E0103. A property test checks the rule against a model on
//! programs whose names are drawn from a small pool.

mod common;

use lumen_lang::{Checked, Code, MemLoader, check_source, render_text};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

const POOL: [&str; 10] = ["a", "b", "c", "d", "e", "f", "g", "h", "print", "len"];

fn loader() -> MemLoader {
    let mut l = MemLoader::default();
    for name in POOL {
        l.files.insert(
            PathBuf::from(format!("{name}.lm")),
            "cell hello() -> String\n  return \"hi\"\nend\n".to_owned(),
        );
    }
    l
}

fn check(src: &str) -> Checked {
    check_source(Path::new("main.lm"), src, &loader())
}

#[track_caller]
fn expect(src: &str, expected: &[Code]) -> Checked {
    let c = check(src);
    assert_eq!(
        common::codes(&c),
        expected,
        "{}",
        render_text(&c.sources, &c.diagnostics)
    );
    c
}

#[test]
fn one_name_one_meaning_agent_alias_reuses_module_cell() {
    // As reported: inside the agent `summarize(…)` was the LLM tool, elsewhere the module's cell.
    let src = r#"use tool llm.chat as Chat
grant Chat model "gpt-4o-mini"

cell summarize(text: String) -> String
  return text
end

agent Writer
  use tool llm.chat as summarize
  grant summarize model "gpt-4o-mini"
  cell draft() -> String
    grant summarize
    let r = summarize(prompt: "hi")
    return r.text
  end
end
"#;
    let c = expect(src, &[Code::Duplicate]);
    let d = &c.diagnostics[0];
    assert_eq!(&src[d.span.range()], "summarize");
    assert_eq!(
        c.sources.get(d.file).unwrap().line_col(d.span.start),
        (9, 24)
    );
    assert_eq!(d.secondary.len(), 1);
    assert_eq!(&src[d.secondary[0].span.range()], "summarize");
}

#[test]
fn one_name_one_meaning_agent_cell_reuses_module_cell_or_alias() {
    let cell = r#"cell run() -> String
  return "module"
end

agent A
  cell run() -> String
    return "agent"
  end
end
"#;
    expect(cell, &[Code::Duplicate]);
    // Inside the agent, `Fetch(…)` was the module's tool, not the agent's cell of that name.
    let alias = r#"use tool http.get as Fetch
grant Fetch domain "api.example.com"

agent A
  grant Fetch
  cell Fetch() -> String
    return "agent"
  end
  cell main() -> String
    grant Fetch
    let r = Fetch(url: "https://api.example.com/")
    return r.body
  end
end
"#;
    expect(alias, &[Code::Duplicate]);
}

#[test]
fn one_name_one_meaning_agent_names_reuse_agents_and_imports() {
    let src = r#"import a

agent Helper
  cell run() -> String
    return "x"
  end
end

agent Other
  use tool http.get as Helper
  cell a() -> String
    return "x"
  end
end
"#;
    let c = expect(src, &[Code::Duplicate, Code::Duplicate]);
    let at: Vec<&str> = c.diagnostics.iter().map(|d| &src[d.span.range()]).collect();
    assert_eq!(at, ["Helper", "a"]);
}

#[test]
fn one_name_one_meaning_builtin_names() {
    // Before: `print("https://…")` was a call of the tool with a positional, unchecked argument.
    let src = r#"use tool http.get as print
grant print domain "api.example.com"

cell main() -> String
  grant print
  let r = print("https://evil.example/")
  return r.body
end
"#;
    expect(src, &[Code::Duplicate]);
    for decl in [
        "cell len() -> String\n  return \"x\"\nend\n",
        "agent keys\nend\n",
        "import print\n",
        "agent A\n  use tool http.get as str\nend\n",
        "agent A\n  cell upper() -> String\n    return \"x\"\n  end\nend\n",
    ] {
        expect(decl, &[Code::Duplicate]);
    }
}

#[test]
fn one_name_one_meaning_variables_do_not_reuse_callable_names() {
    for src in [
        // A parameter named like the module's alias.
        "use tool http.get as Fetch\ncell f(Fetch: String) -> String\n  return Fetch\nend\n",
        // A variable named like a cell.
        "cell g() -> String\n  return \"x\"\nend\ncell f() -> String\n  let g = \"y\"\n  return g\nend\n",
        // A loop variable named like an agent.
        "agent A\nend\ncell f() -> String\n  for A in [1]\n    print(A)\n  end\n  return \"x\"\nend\n",
        // A variable in an agent's cell named like the agent's alias, nested in an `if`.
        "agent A\n  use tool http.get as Fetch\n  cell f() -> String\n    if true\n      let Fetch = 1\n    end\n    return \"x\"\n  end\nend\n",
        // A variable named like an import.
        "import a\ncell f() -> String\n  let a = 1\n  return \"x\"\nend\n",
    ] {
        expect(src, &[Code::Duplicate]);
    }
}

#[test]
fn one_name_one_meaning_duplicates_in_one_scope_stay_refused() {
    for src in [
        "agent A\nend\nagent A\nend\n",
        "import a\nimport a\n",
        "agent A\nend\ncell A() -> String\n  return \"x\"\nend\n",
        "import b\nagent b\nend\n",
        "agent A\n  use tool http.get as F\n  cell F() -> String\n    return \"x\"\n  end\nend\n",
        "agent A\n  cell f() -> String\n    return \"x\"\n  end\n  cell f() -> String\n    return \"y\"\n  end\nend\n",
    ] {
        expect(src, &[Code::Duplicate]);
    }
}

#[test]
fn one_name_one_meaning_allows_what_is_unambiguous() {
    // The same cell name in two agents is always qualified from outside (`A.run`, `B.run`), and a
    // variable named like a builtin cannot be called (only tools, cells and builtins can).
    let src = r#"agent A
  cell run() -> String
    return "a"
  end
end

agent B
  cell run() -> String
    return "b"
  end
end

cell main() -> String
  let keys = keys({x: 1})
  return A.run() + B.run() + str(len(keys))
end
"#;
    expect(src, &[]);
}

/// The slots of the generated program, each given a name from [`POOL`].
#[derive(Debug, Clone)]
struct Names {
    module_alias: &'static str,
    import: &'static str,
    module_cell: &'static str,
    param: &'static str,
    agent: &'static str,
    agent_alias: &'static str,
    agent_cell: &'static str,
    variable: &'static str,
}

fn program(n: &Names) -> String {
    format!(
        "use tool http.get as {}\nimport {}\n\ncell {}({}: String) -> String\n  return \"x\"\nend\n\nagent {}\n  use tool llm.chat as {}\n  cell {}() -> String\n    let {} = \"x\"\n    return \"y\"\n  end\nend\n",
        n.module_alias,
        n.import,
        n.module_cell,
        n.param,
        n.agent,
        n.agent_alias,
        n.agent_cell,
        n.variable
    )
}

/// The rule, as a model: whether the program must be refused.
fn ambiguous(n: &Names) -> bool {
    let module = [n.module_alias, n.import, n.module_cell, n.agent];
    let agent = [n.agent_alias, n.agent_cell];
    let builtin = module
        .iter()
        .chain(&agent)
        .any(|x| ["print", "len"].contains(x));
    let module_dup = (0..module.len()).any(|i| module[i + 1..].contains(&module[i]));
    let agent_dup = n.agent_alias == n.agent_cell || agent.iter().any(|x| module.contains(x));
    let param = module.contains(&n.param);
    let variable = module.contains(&n.variable) || agent.contains(&n.variable);
    builtin || module_dup || agent_dup || param || variable
}

fn name() -> impl Strategy<Value = &'static str> {
    proptest::sample::select(&POOL[..])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn one_name_one_meaning_matches_the_model(
        n in (name(), name(), name(), name(), name(), name(), name(), name()).prop_map(
            |(a, b, c, d, e, f, g, h)| Names {
                module_alias: a,
                import: b,
                module_cell: c,
                param: d,
                agent: e,
                agent_alias: f,
                agent_cell: g,
                variable: h,
            }
        )
    ) {
        let src = program(&n);
        let c = check(&src);
        let codes: Vec<Code> = c.diagnostics.iter().map(|d| d.code).collect();
        prop_assert!(
            codes.iter().all(|&c| c == Code::Duplicate),
            "{}", render_text(&c.sources, &c.diagnostics)
        );
        prop_assert_eq!(
            !codes.is_empty(),
            ambiguous(&n),
            "{:?}\n{}\n{}", n, src, render_text(&c.sources, &c.diagnostics)
        );
    }
}
