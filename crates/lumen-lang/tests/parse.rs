#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Parser tests: the example program, error messages and spans, nesting and size limits, and
//! robustness on truncated and mutated input.

use lumen_lang::ast::*;
use lumen_lang::lexer::{TokenKind, tokenize};
use lumen_lang::parser::parse;
use lumen_lang::source::FileId;
use lumen_lang::{Code, Diagnostic, Span};

const EXAMPLE: &str = r#"use tool http.get as Fetch              # declare a tool under an alias
use tool llm.chat as Chat

grant Fetch                             # module grant: the ceiling for everything in this file
  domain "*.weather.example"
  timeout_ms 5000
grant Chat model "gpt-4o-mini" max_tokens 512   # single-line form: every constraint is kept

import forecast_utils granting          # a dependency gets nothing unless granted here
  Fetch domain "api.weather.example"
end

agent Forecaster                        # agents narrow further for their cells
  grant Chat max_tokens 256
  cell summarize(text: String) -> String
    grant Chat                          # a cell declares what it uses (bare = enclosing constraints)
    let r = Chat(prompt: "Summarize: {text}")
    return r.text
  end
end

cell main() -> String
  grant Fetch domain "api.weather.example"
  grant Chat
  let data = Fetch(url: "https://api.weather.example/today")
  return Forecaster.summarize(text: data.body)
end
"#;

fn text(src: &str, span: Span) -> &str {
    &src[span.range()]
}

fn ok(src: &str) -> Module {
    let (m, diags) = parse(FileId(0), src);
    assert!(
        diags.is_empty(),
        "unexpected diagnostics for {src:?}: {diags:#?}"
    );
    m
}

/// The only cell of a program.
fn cell(src: &str) -> Cell {
    let m = ok(src);
    match m.items.into_iter().next() {
        Some(Item::Cell(c)) => c,
        other => panic!("expected a cell, got {other:?}"),
    }
}

/// The expression of `let x = <expr>` in a cell.
fn expr(e: &str) -> Expr {
    let src = format!("cell f()\n  let x = {e}\nend\n");
    match cell(&src).body.into_iter().next() {
        Some(Stmt::Let { value, .. }) => value,
        other => panic!("expected let, got {other:?}"),
    }
}

fn lit(l: &Literal) -> &LiteralKind {
    &l.kind
}

/// Every diagnostic is well formed: a message, a span inside the input, labels inside the input.
fn check_well_formed(src: &str, diags: &[Diagnostic]) {
    for d in diags {
        assert!(!d.message.is_empty(), "empty message in {d:?}");
        assert!(!d.label.is_empty(), "empty label in {d:?}");
        assert!(
            d.span.start <= d.span.end && d.span.end as usize <= src.len(),
            "span out of range: {d:?}"
        );
        assert!(
            src.get(d.span.range()).is_some(),
            "span not on char boundaries: {d:?}"
        );
        for l in &d.secondary {
            assert!(
                l.span.end as usize <= src.len() && src.get(l.span.range()).is_some(),
                "label out of range: {d:?}"
            );
        }
    }
}

#[test]
fn example_parses_into_the_expected_structure() {
    let src = EXAMPLE;
    let m = ok(src);
    assert_eq!(m.items.len(), 7);

    // Two uses.
    let uses: Vec<&UseTool> = m.uses().collect();
    assert_eq!(uses.len(), 2);
    assert_eq!(uses[0].tool.name, "http.get");
    assert_eq!(text(src, uses[0].tool.span), "http.get");
    assert_eq!(uses[0].alias.name, "Fetch");
    assert_eq!(text(src, uses[0].span), "use tool http.get as Fetch");
    assert_eq!(uses[1].tool.name, "llm.chat");
    assert_eq!(uses[1].alias.name, "Chat");

    // Module grants with their constraints.
    let grants: Vec<&GrantDecl> = m.grants().collect();
    assert_eq!(grants.len(), 2);
    assert_eq!(grants[0].alias.name, "Fetch");
    assert_eq!(grants[0].constraints.len(), 2);
    assert_eq!(grants[0].constraints[0].key.name, "domain");
    assert_eq!(
        lit(&grants[0].constraints[0].value),
        &LiteralKind::Str("*.weather.example".into())
    );
    assert_eq!(
        text(src, grants[0].constraints[0].value.span),
        "\"*.weather.example\""
    );
    assert_eq!(grants[0].constraints[1].key.name, "timeout_ms");
    assert_eq!(
        lit(&grants[0].constraints[1].value),
        &LiteralKind::Int(5000)
    );
    assert_eq!(text(src, grants[0].constraints[1].span), "timeout_ms 5000");
    assert!(text(src, grants[0].span).starts_with("grant Fetch"));
    assert!(text(src, grants[0].span).ends_with("timeout_ms 5000"));
    // The single-line grant keeps both constraints.
    assert_eq!(grants[1].alias.name, "Chat");
    assert_eq!(grants[1].constraints.len(), 2);
    assert_eq!(grants[1].constraints[0].key.name, "model");
    assert_eq!(
        lit(&grants[1].constraints[0].value),
        &LiteralKind::Str("gpt-4o-mini".into())
    );
    assert_eq!(grants[1].constraints[1].key.name, "max_tokens");
    assert_eq!(lit(&grants[1].constraints[1].value), &LiteralKind::Int(512));
    assert_eq!(
        text(src, grants[1].span),
        "grant Chat model \"gpt-4o-mini\" max_tokens 512"
    );

    // The import and its granting entry.
    let Item::Import(imp) = &m.items[4] else {
        panic!("item 4 is not an import")
    };
    assert_eq!(imp.module.name, "forecast_utils");
    assert!(imp.has_granting);
    assert_eq!(imp.granting.len(), 1);
    assert_eq!(imp.granting[0].alias.name, "Fetch");
    assert_eq!(imp.granting[0].constraints.len(), 1);
    assert_eq!(imp.granting[0].constraints[0].key.name, "domain");
    assert_eq!(
        lit(&imp.granting[0].constraints[0].value),
        &LiteralKind::Str("api.weather.example".into())
    );
    assert!(text(src, imp.span).starts_with("import forecast_utils granting"));
    assert!(text(src, imp.span).ends_with("end"));

    // The agent with its grant and cell.
    let Item::Agent(agent) = &m.items[5] else {
        panic!("item 5 is not an agent")
    };
    assert_eq!(agent.name.name, "Forecaster");
    assert!(agent.uses.is_empty());
    assert_eq!(agent.grants.len(), 1);
    assert_eq!(agent.grants[0].alias.name, "Chat");
    assert_eq!(agent.grants[0].constraints[0].key.name, "max_tokens");
    assert_eq!(
        lit(&agent.grants[0].constraints[0].value),
        &LiteralKind::Int(256)
    );
    assert_eq!(agent.cells.len(), 1);
    assert!(text(src, agent.span).starts_with("agent Forecaster"));
    assert!(text(src, agent.span).ends_with("end\nend"));
    let sum = &agent.cells[0];
    assert_eq!(sum.name.name, "summarize");
    assert_eq!(sum.params.len(), 1);
    assert_eq!(sum.params[0].name.name, "text");
    assert_eq!(sum.params[0].ty.as_ref().unwrap().text, "String");
    assert_eq!(sum.ret.as_ref().unwrap().text, "String");
    // Cell grants are separate from the body.
    assert_eq!(sum.grants.len(), 1);
    assert_eq!(sum.grants[0].alias.name, "Chat");
    assert!(sum.grants[0].constraints.is_empty());
    assert_eq!(text(src, sum.grants[0].span), "grant Chat");
    assert_eq!(sum.body.len(), 2);
    let Stmt::Let { name, value, span } = &sum.body[0] else {
        panic!("not a let")
    };
    assert_eq!(name.name, "r");
    assert_eq!(
        text(src, *span),
        "let r = Chat(prompt: \"Summarize: {text}\")"
    );
    let ExprKind::Call { callee, args } = &value.kind else {
        panic!("not a call")
    };
    assert!(matches!(&callee.kind, ExprKind::Name(n) if n.name == "Chat"));
    assert_eq!(args.len(), 1);
    assert_eq!(args[0].name.as_ref().unwrap().name, "prompt");
    // The interpolated string parts.
    let ExprKind::Str(parts) = &args[0].value.kind else {
        panic!("not a string")
    };
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0], StrPart::Text("Summarize: ".into()));
    let StrPart::Interp(e) = &parts[1] else {
        panic!("not an interpolation")
    };
    assert!(matches!(&e.kind, ExprKind::Name(n) if n.name == "text"));
    assert_eq!(text(src, e.span), "text");
    assert_eq!(
        &src[e.span.start as usize - 1..e.span.end as usize + 1],
        "{text}"
    );
    let Stmt::Return {
        value: Some(v),
        span,
    } = &sum.body[1]
    else {
        panic!("not a return with value")
    };
    assert_eq!(text(src, *span), "return r.text");
    let ExprKind::Field(obj, field) = &v.kind else {
        panic!("not a field")
    };
    assert!(matches!(&obj.kind, ExprKind::Name(n) if n.name == "r"));
    assert_eq!(field.name, "text");

    // The main cell.
    let Item::Cell(main) = &m.items[6] else {
        panic!("item 6 is not a cell")
    };
    assert_eq!(main.name.name, "main");
    assert!(main.params.is_empty());
    assert_eq!(main.grants.len(), 2);
    assert_eq!(main.grants[0].alias.name, "Fetch");
    assert_eq!(main.grants[0].constraints.len(), 1);
    assert_eq!(main.grants[1].alias.name, "Chat");
    assert!(main.grants[1].constraints.is_empty());
    assert_eq!(main.body.len(), 2);
    let Stmt::Let { value, .. } = &main.body[0] else {
        panic!("not a let")
    };
    let ExprKind::Call { args, .. } = &value.kind else {
        panic!("not a call")
    };
    assert_eq!(args[0].name.as_ref().unwrap().name, "url");
    assert_eq!(
        args[0].value.kind,
        ExprKind::Str(vec![StrPart::Text(
            "https://api.weather.example/today".into()
        )])
    );
    let Stmt::Return { value: Some(v), .. } = &main.body[1] else {
        panic!("not a return")
    };
    assert_eq!(text(src, v.span), "Forecaster.summarize(text: data.body)");
    let ExprKind::Call { callee, args } = &v.kind else {
        panic!("not a call")
    };
    let ExprKind::Field(agent_name, cell_name) = &callee.kind else {
        panic!("callee is not a field")
    };
    assert!(matches!(&agent_name.kind, ExprKind::Name(n) if n.name == "Forecaster"));
    assert_eq!(cell_name.name, "summarize");
    assert_eq!(args[0].name.as_ref().unwrap().name, "text");
    assert_eq!(text(src, args[0].value.span), "data.body");
    assert!(text(src, main.span).starts_with("cell main() -> String"));
    assert!(text(src, main.span).ends_with("end"));
}

#[test]
fn agent_local_use_is_kept() {
    let src = "agent A\n  use tool mcp.my-server.do_it as Do\n  grant Do\n  cell f()\n    grant Do\n    Do()\n  end\nend\n";
    let m = ok(src);
    let Item::Agent(a) = &m.items[0] else {
        panic!("not an agent")
    };
    assert_eq!(a.uses.len(), 1);
    assert_eq!(a.uses[0].tool.name, "mcp.my-server.do_it");
    assert_eq!(text(src, a.uses[0].tool.span), "mcp.my-server.do_it");
    assert_eq!(a.uses[0].alias.name, "Do");
    assert_eq!(a.grants.len(), 1);
    assert_eq!(a.cells.len(), 1);
}

#[test]
fn tool_ids_may_contain_keywords_and_dashes() {
    let m = ok("use tool fs.in.end-of-file as F\nuse tool\n  a.b as B\n");
    let Item::Use(u) = &m.items[0] else { panic!() };
    assert_eq!(u.tool.name, "fs.in.end-of-file");
    let Item::Use(u) = &m.items[1] else { panic!() };
    assert_eq!(u.tool.name, "a.b");
}

#[test]
fn import_forms() {
    let src = "import a\nimport b granting end\nimport c granting\n  grant F x 1\n  G\n  H y [1, -2.5, \"s\", true,]\nend\n";
    let m = ok(src);
    let imps: Vec<&Import> = m.imports().collect();
    assert_eq!(imps.len(), 3);
    assert!(!imps[0].has_granting && imps[0].granting.is_empty());
    assert_eq!(text(src, imps[0].span), "import a");
    assert!(imps[1].has_granting && imps[1].granting.is_empty());
    assert_eq!(imps[2].granting.len(), 3);
    assert_eq!(text(src, imps[2].granting[0].span), "grant F x 1");
    assert_eq!(imps[2].granting[1].alias.name, "G");
    let list = &imps[2].granting[2].constraints[0].value;
    assert_eq!(text(src, list.span), "[1, -2.5, \"s\", true,]");
    let LiteralKind::List(items) = &list.kind else {
        panic!("not a list")
    };
    let kinds: Vec<&LiteralKind> = items.iter().map(|l| &l.kind).collect();
    assert_eq!(
        kinds,
        [
            &LiteralKind::Int(1),
            &LiteralKind::Float(-2.5),
            &LiteralKind::Str("s".into()),
            &LiteralKind::Bool(true)
        ]
    );
    assert_eq!(text(src, items[1].span), "-2.5");
}

#[test]
fn constraints_span_lines_and_negative_numbers() {
    let src = "grant F\n  a -5\n  b 1.5\n  c false\n  d -9223372036854775808\ncell f()\nend\n";
    let m = ok(src);
    let Item::Grant(g) = &m.items[0] else {
        panic!()
    };
    let values: Vec<&LiteralKind> = g.constraints.iter().map(|c| &c.value.kind).collect();
    assert_eq!(
        values,
        [
            &LiteralKind::Int(-5),
            &LiteralKind::Float(1.5),
            &LiteralKind::Bool(false),
            &LiteralKind::Int(i64::MIN)
        ]
    );
    assert_eq!(text(src, g.constraints[0].span), "a -5");
    assert_eq!(m.items.len(), 2);
}

#[test]
fn grant_stops_before_a_statement() {
    // `x` is not followed by a literal, so it is a statement, not a constraint.
    let c = cell("cell f()\n  grant F a 1\n  x\n  grant G\n  return\nend");
    assert_eq!(c.grants.len(), 2);
    assert_eq!(c.grants[0].constraints.len(), 1);
    assert_eq!(c.body.len(), 2);
    assert!(
        matches!(&c.body[0], Stmt::Expr(Expr { kind: ExprKind::Name(n), .. }) if n.name == "x")
    );
    assert!(matches!(&c.body[1], Stmt::Return { value: None, .. }));
}

#[test]
fn statements_and_spans() {
    let src = "cell f(a, b: List[Map[String,  Int]]?, c: Int,) -> Map[String, Int]\n  if a == 1\n    return\n  else\n    for x in b\n      log(x)\n    end\n  end\n  return a\nend\n";
    let c = cell(src);
    assert_eq!(c.params.len(), 3);
    assert!(c.params[0].ty.is_none());
    let ty = c.params[1].ty.as_ref().unwrap();
    assert_eq!(ty.text, "List[Map[String, Int]]?");
    assert_eq!(text(src, ty.span), "List[Map[String,  Int]]?");
    assert_eq!(c.ret.as_ref().unwrap().text, "Map[String, Int]");
    assert_eq!(c.body.len(), 2);
    let Stmt::If {
        cond,
        then,
        otherwise,
        span,
    } = &c.body[0]
    else {
        panic!()
    };
    assert_eq!(text(src, cond.span), "a == 1");
    assert!(text(src, *span).starts_with("if a == 1") && text(src, *span).ends_with("end\n  end"));
    assert!(matches!(then[..], [Stmt::Return { value: None, .. }]));
    let other = otherwise.as_ref().unwrap();
    let Stmt::For {
        var,
        iter,
        body,
        span,
    } = &other[0]
    else {
        panic!()
    };
    assert_eq!(var.name, "x");
    assert_eq!(text(src, iter.span), "b");
    assert_eq!(text(src, *span), "for x in b\n      log(x)\n    end");
    let Stmt::Expr(call) = &body[0] else { panic!() };
    assert_eq!(text(src, call.span), "log(x)");
    let ExprKind::Call { args, .. } = &call.kind else {
        panic!()
    };
    assert!(args[0].name.is_none());
}

#[test]
fn precedence_and_associativity() {
    let e = expr("not a == b and c or d");
    let ExprKind::Binary(BinOp::Or, l, _) = &e.kind else {
        panic!("{e:?}")
    };
    let ExprKind::Binary(BinOp::And, l, _) = &l.kind else {
        panic!()
    };
    let ExprKind::Unary(UnOp::Not, inner) = &l.kind else {
        panic!()
    };
    assert!(matches!(inner.kind, ExprKind::Binary(BinOp::Eq, ..)));

    let e = expr("1 - 2 - 3 * -4 / x.y");
    let ExprKind::Binary(BinOp::Sub, l, r) = &e.kind else {
        panic!()
    };
    assert!(matches!(l.kind, ExprKind::Binary(BinOp::Sub, ..)));
    let ExprKind::Binary(BinOp::Div, l, r2) = &r.kind else {
        panic!()
    };
    assert!(matches!(l.kind, ExprKind::Binary(BinOp::Mul, ..)));
    assert!(matches!(r2.kind, ExprKind::Field(..)));

    let e = expr("a < b < c");
    let ExprKind::Binary(BinOp::Lt, l, _) = &e.kind else {
        panic!()
    };
    assert!(matches!(l.kind, ExprKind::Binary(BinOp::Lt, ..)));

    let e = expr("-a.b");
    let ExprKind::Unary(UnOp::Neg, inner) = &e.kind else {
        panic!()
    };
    assert!(matches!(inner.kind, ExprKind::Field(..)));

    assert_eq!(expr("-9223372036854775808").kind, ExprKind::Int(i64::MIN));
    assert_eq!(expr("1_000_000").kind, ExprKind::Int(1_000_000));
    assert_eq!(expr("2.5e3").kind, ExprKind::Float(2500.0));
}

#[test]
fn literals_records_lists_strings() {
    let src = "cell f()\n  let x = {a: [1, 2.5,\n   \"s\"], b: {c: true},}\nend";
    let c = cell(src);
    let Stmt::Let { value, span, .. } = &c.body[0] else {
        panic!()
    };
    assert_eq!(
        text(src, *span),
        "let x = {a: [1, 2.5,\n   \"s\"], b: {c: true},}"
    );
    let ExprKind::Record(fields) = &value.kind else {
        panic!()
    };
    assert_eq!(fields.len(), 2);
    assert_eq!(fields[0].0.name, "a");
    assert!(matches!(&fields[0].1.kind, ExprKind::List(items) if items.len() == 3));

    let e = expr(r#""a\"b\\c\n\t\r\0\{\}é {x + 1} and {"nested {y}"}""#);
    let ExprKind::Str(parts) = &e.kind else {
        panic!()
    };
    assert_eq!(parts[0], StrPart::Text("a\"b\\c\n\t\r\0{}é ".into()));
    assert!(matches!(
        &parts[1],
        StrPart::Interp(Expr {
            kind: ExprKind::Binary(BinOp::Add, ..),
            ..
        })
    ));
    assert_eq!(parts[2], StrPart::Text(" and ".into()));
    let StrPart::Interp(Expr {
        kind: ExprKind::Str(inner),
        ..
    }) = &parts[3]
    else {
        panic!()
    };
    assert_eq!(inner.len(), 2);
    // Records inside interpolations.
    let e = expr(r#""{ {k: 1}.k }""#);
    let ExprKind::Str(parts) = &e.kind else {
        panic!()
    };
    assert!(matches!(
        &parts[0],
        StrPart::Interp(Expr {
            kind: ExprKind::Field(..),
            ..
        })
    ));
    assert_eq!(expr(r#""""#).kind, ExprKind::Str(vec![]));
}

#[test]
fn interpolation_spans_point_into_the_file() {
    let src = "cell f()\n  log(\"x={a.b} y={ g(z: 1) }\")\nend";
    let c = cell(src);
    let Stmt::Expr(call) = &c.body[0] else {
        panic!()
    };
    let ExprKind::Call { args, .. } = &call.kind else {
        panic!()
    };
    let ExprKind::Str(parts) = &args[0].value.kind else {
        panic!()
    };
    let spans: Vec<&str> = parts
        .iter()
        .filter_map(|p| {
            if let StrPart::Interp(e) = p {
                Some(text(src, e.span))
            } else {
                None
            }
        })
        .collect();
    assert_eq!(spans, ["a.b", "g(z: 1)"]);
}

#[test]
fn line_rule() {
    // A `(` on the next line starts a new statement.
    let c = cell("cell f()\n  foo()\n  (x)\nend");
    assert_eq!(c.body.len(), 2);
    // An operator on the next line too: `-x` is a statement of its own.
    let c = cell("cell f()\n  let a = b\n  -x\nend");
    assert_eq!(c.body.len(), 2);
    // Inside brackets line breaks do not matter.
    let c = cell("cell f()\n  let a = (b\n  - x)\n  g(1,\n    2\n  )\nend");
    assert_eq!(c.body.len(), 2);
    let Stmt::Let { value, .. } = &c.body[0] else {
        panic!()
    };
    assert!(matches!(value.kind, ExprKind::Binary(BinOp::Sub, ..)));
    // A field access may continue on the next line.
    let c = cell("cell f()\n  let a = b\n    .c\nend");
    assert_eq!(c.body.len(), 1);
    // `return` takes a value only on its own line.
    let c = cell("cell f()\n  return\n  x\nend");
    assert!(matches!(
        c.body[..],
        [Stmt::Return { value: None, .. }, Stmt::Expr(_)]
    ));
    let c = cell("cell f()\n  if a return 1 else return end\nend");
    let Stmt::If {
        then, otherwise, ..
    } = &c.body[0]
    else {
        panic!()
    };
    assert!(matches!(then[..], [Stmt::Return { value: Some(_), .. }]));
    assert!(matches!(
        otherwise.as_deref(),
        Some([Stmt::Return { value: None, .. }])
    ));
}

#[test]
fn comments_and_newline_flags() {
    let (tokens, diags) = tokenize(FileId(0), "a # c \"not a string\n b \"#\"");
    assert!(diags.is_empty());
    let kinds: Vec<(&TokenKind, bool)> = tokens.iter().map(|t| (&t.kind, t.nl_before)).collect();
    assert_eq!(
        kinds,
        [
            (&TokenKind::Ident, true),
            (&TokenKind::Ident, true),
            (&TokenKind::StrStart, false),
            (&TokenKind::StrText("#".into()), false),
            (&TokenKind::StrEnd, false),
        ]
    );
}

// ----- errors -----

/// Parses `src`, expects a first diagnostic with `code` whose span has text `at` and whose
/// message contains `msg`; returns all diagnostics.
#[track_caller]
fn fails(src: &str, code: Code, at: &str, msg: &str) -> Vec<Diagnostic> {
    let (_, diags) = parse(FileId(0), src);
    check_well_formed(src, &diags);
    let Some(d) = diags.first() else {
        panic!("no diagnostic for {src:?}")
    };
    assert_eq!(d.code, code, "{d:#?}");
    assert_eq!(text(src, d.span), at, "{d:#?}");
    assert!(
        d.message.contains(msg),
        "message {:?} does not contain {msg:?}",
        d.message
    );
    diags
}

#[test]
fn missing_end_of_cell() {
    let src = "cell main()\n  return 1\n";
    let diags = fails(
        src,
        Code::Syntax,
        "",
        "expected `end` to close this cell, found end of file",
    );
    assert_eq!(diags.len(), 1);
    assert_eq!(text(src, diags[0].secondary[0].span), "cell");
}

#[test]
fn missing_end_of_agent_and_if() {
    let d = fails(
        "agent A\n  cell f()\n  end\n",
        Code::Syntax,
        "",
        "expected `end` to close this agent",
    );
    assert_eq!(d[0].secondary.len(), 1);
    let src = "cell f()\n  if x\n    y()\nend\ncell g()\nend\n";
    let d = fails(
        src,
        Code::Syntax,
        "cell",
        "expected `end` to close this cell, found `cell`",
    );
    assert_eq!(d.len(), 1);
    fails(
        "cell f()\n  for x in y\n",
        Code::Syntax,
        "",
        "expected `end` to close this `for`, found end of file",
    );
    fails(
        "import m granting\n  F a 1\n",
        Code::Syntax,
        "",
        "expected `end` to close this `granting` list",
    );
}

/// Class: a character that shows the code differently from how it is read (E0302), anywhere:
/// in code, comments and strings.
#[test]
fn misleading_characters_are_refused_everywhere() {
    for (src, at) in [
        // A carriage return ends the comment on screen; the call after it would be hidden.
        ("cell f()\n  # note\r  Fetch(url: \"x\")\nend\n", "\r"),
        ("cell f()\n  let x = \"a\rb\"\nend\n", "\r"),
        ("cell f()\n  let x = 1\r\nend\r", "\r"),
        (
            "cell f()\n  # note\u{2028}  Fetch(url: \"x\")\nend\n",
            "\u{2028}",
        ),
        ("cell f()\n  # note\u{85}x\nend\n", "\u{85}"),
        ("cell f()\n  let s = \"\u{2029}\"\nend\n", "\u{2029}"),
        ("cell f()\n  # \u{202E} }\nend\n", "\u{202E}"),
        ("cell f()\n  let s = \"a\u{2066}b\"\nend\n", "\u{2066}"),
        ("cell f()\n  let s = \"\u{200F}\"\nend\n", "\u{200F}"),
        ("cell f()\n  let s = \"\u{61C}\"\nend\n", "\u{61C}"),
    ] {
        let (_, diags) = parse(FileId(0), src);
        check_well_formed(src, &diags);
        let d: Vec<&Diagnostic> = diags
            .iter()
            .filter(|d| d.code == Code::MisleadingCharacter)
            .collect();
        assert_eq!(d.len(), 1, "{src:?}: {diags:#?}");
        assert_eq!(text(src, d[0].span), at, "{src:?}");
    }
    // CRLF line endings are not misleading.
    let (_, diags) = parse(FileId(0), "cell f()\r\n  # note\r\n  let x = 1\r\nend\r\n");
    assert!(diags.is_empty(), "{diags:#?}");
}

#[test]
fn unexpected_character() {
    let src = "cell f()\n  let x\u{200B} = 1\nend\n";
    let d = fails(src, Code::Syntax, "\u{200B}", "unexpected character U+200B");
    assert_eq!(d.len(), 1, "{d:#?}");
    fails(
        "cell f()\n  let x = 1 @ 2\nend",
        Code::Syntax,
        "@",
        "unexpected character `@` (U+0040)",
    );
    fails("cell f()\n  if !x\n  end\nend", Code::Syntax, "!", "U+0021");
    // A bidirectional control is reported as such (E0302), once, not also as unexpected.
    let d = fails(
        "cell f()\n  let x = \u{202E}1\nend",
        Code::MisleadingCharacter,
        "\u{202E}",
        "U+202E",
    );
    assert_eq!(d.len(), 1, "{d:#?}");
    fails(
        "cell caf\u{e9}()\nend",
        Code::Syntax,
        "\u{e9}",
        "`\u{e9}` (U+00E9)",
    );
}

#[test]
fn string_errors() {
    fails(
        "cell f()\n  let s = \"abc\nend\n",
        Code::Syntax,
        "\"abc",
        "unterminated string",
    );
    fails(
        "cell f()\n  let s = \"a {x\nend\n",
        Code::Syntax,
        "\"a {x",
        "unterminated string",
    );
    fails(
        "cell f()\n  let s = \"a\\qb\"\nend",
        Code::Syntax,
        "\\q",
        "unknown escape `\\q`",
    );
    fails(
        "cell f()\n  let s = \"a}b\"\nend",
        Code::Syntax,
        "}",
        "unmatched `}`",
    );
    fails(
        "cell f()\n  let s = \"a{}b\"\nend",
        Code::Syntax,
        "}",
        "expected an expression, found `}`",
    );
    fails(
        "cell f()\n  let s = \"a{x y}b\"\nend",
        Code::Syntax,
        "y",
        "expected `}` to end the interpolation",
    );
    // Only the unterminated string is reported, not what follows on the line.
    let d = fails(
        "cell f()\n  g(\"abc)\nend\n",
        Code::Syntax,
        "\"abc)",
        "unterminated string",
    );
    assert_eq!(d.len(), 1, "{d:#?}");
}

#[test]
fn interpolation_in_a_constraint() {
    let src = "use tool http.get as F\ngrant F domain \"{host}.example\"\n";
    let d = fails(
        src,
        Code::Syntax,
        "{host}",
        "constraint values are constants",
    );
    assert_eq!(d.len(), 1);
}

#[test]
fn grant_inside_if() {
    let src = "cell f()\n  if x\n    grant F\n  end\nend\n";
    let d = fails(src, Code::Syntax, "grant", "cannot be nested inside `if`");
    assert_eq!(
        d[0].help.as_deref(),
        Some("grants belong at the top level of a cell")
    );
    fails(
        "cell f()\n  for a in b\n    grant F x 1\n  end\nend\n",
        Code::Syntax,
        "grant",
        "inside `for`",
    );
}

#[test]
fn number_errors() {
    fails(
        "cell f()\n  let x = 99999999999999999999\nend",
        Code::Syntax,
        "99999999999999999999",
        "too large",
    );
    fails(
        "cell f()\n  let x = 9223372036854775808\nend",
        Code::Syntax,
        "9223372036854775808",
        "too large",
    );
    fails(
        "grant F n 9223372036854775808\n",
        Code::Syntax,
        "9223372036854775808",
        "too large",
    );
    fails(
        "cell f()\n  let x = 12abc\nend",
        Code::Syntax,
        "abc",
        "invalid suffix",
    );
    fails(
        "cell f()\n  let x = 1.5e\nend",
        Code::Syntax,
        "e",
        "invalid suffix",
    );
}

#[test]
fn syntax_errors_point_at_the_offending_token() {
    fails(
        "cell f()\n  let x =\nend\n",
        Code::Syntax,
        "end",
        "expected an expression, found `end`",
    );
    fails(
        "cell f()\n  let x = g(a\nend\n",
        Code::Syntax,
        "end",
        "expected `,` or `)`, found `end`",
    );
    fails(
        "cell f()\n  let x = (a\nend\n",
        Code::Syntax,
        "end",
        "expected `)`",
    );
    fails(
        "use tool http as F\n",
        Code::Syntax,
        "http",
        "expected a tool id such as `http.get`, found `http`",
    );
    fails("use tool http.get F\n", Code::Syntax, "F", "expected `as`");
    fails(
        "use http.get as F\n",
        Code::Syntax,
        "http",
        "expected `tool`",
    );
    fails("end\n", Code::Syntax, "end", "expected an item");
    fails("let x = 1\n", Code::Syntax, "let", "expected an item");
    fails(
        "cell f()\n  let end = 1\nend\n",
        Code::Syntax,
        "end",
        "expected a name after `let`, found `end`",
    );
    fails(
        "cell f()\n  x = 1\nend\n",
        Code::Syntax,
        "=",
        "expected an expression, found `=`",
    );
    fails(
        "cell f()\n  let x = a + not b\nend\n",
        Code::Syntax,
        "not",
        "expected an expression, found `not`",
    );
    fails(
        "cell f()\n  \"s\"(x)\nend\n",
        Code::Syntax,
        "\"s\"",
        "cannot be called",
    );
    fails(
        "cell f()\n  else\nend\n",
        Code::Syntax,
        "else",
        "expected `end` to close this cell, found `else`",
    );
    fails(
        "cell f\nend\n",
        Code::Syntax,
        "end",
        "expected `(` after the cell name",
    );
    fails(
        "cell f(a b)\nend\n",
        Code::Syntax,
        "b",
        "expected `,` or `)`",
    );
    fails(
        "cell f() -> List[]\nend\n",
        Code::Syntax,
        "]",
        "expected a type",
    );
    fails(
        "grant F domain x\n",
        Code::Syntax,
        "x",
        "expected a constraint value",
    );
    fails(
        "grant F domain -x\n",
        Code::Syntax,
        "-",
        "expected a constraint value",
    );
    fails(
        "grant F domain [1, x]\n",
        Code::Syntax,
        "x",
        "expected a constraint value",
    );
    fails(
        "agent A\n  let x = 1\nend\n",
        Code::Syntax,
        "let",
        "expected `use`, `grant`, `cell` or `end`",
    );
    fails(
        "cell f()\n  let x = {a 1}\nend\n",
        Code::Syntax,
        "1",
        "expected `:` after the field name",
    );
    fails(
        "cell f()\n  let x = a.1\nend\n",
        Code::Syntax,
        "1",
        "expected a field name",
    );
}

#[test]
fn recovery_reports_one_error_per_item() {
    let src = "cell a()\n  let = 1\nend\ncell b()\n  return 1\nend\ncell c()\n  let x = )\nend\nuse tool x.y as Y\n";
    let (m, diags) = parse(FileId(0), src);
    check_well_formed(src, &diags);
    assert_eq!(diags.len(), 2, "{diags:#?}");
    assert_eq!(text(src, diags[0].span), "=");
    assert_eq!(text(src, diags[1].span), ")");
    // The good items are kept.
    assert_eq!(m.items.len(), 2);
    assert!(matches!(&m.items[0], Item::Cell(c) if c.name.name == "b"));
    assert!(matches!(&m.items[1], Item::Use(_)));
}

#[test]
fn diagnostics_are_capped() {
    let src = "end\n".repeat(10_000) + &"cell f()\n  \"\\q\"\nend\n".repeat(10_000);
    let (_, diags) = parse(FileId(0), &src);
    check_well_formed(&src, &diags);
    assert!(!diags.is_empty() && diags.len() <= 100, "{}", diags.len());
}

// ----- limits -----

#[track_caller]
fn too_deep(src: &str) {
    let (_, diags) = parse(FileId(0), src);
    check_well_formed(src, &diags);
    assert!(
        diags
            .iter()
            .any(|d| d.code == Code::Limit && d.message == "nesting deeper than 64 levels"),
        "{diags:#?}"
    );
}

#[test]
fn deep_nesting_is_a_limit_error_not_a_stack_overflow() {
    // Run on a small stack (1 MiB, half a test thread's default) to keep a margin.
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(deep_nesting_cases)
        .unwrap()
        .join()
        .unwrap();
}

fn deep_nesting_cases() {
    const N: usize = 100_000;
    too_deep(&format!(
        "cell f()\n  let x = {}1{}\nend\n",
        "(".repeat(N),
        ")".repeat(N)
    ));
    too_deep(&format!("cell f()\n  let x = {}1\nend\n", "(".repeat(N)));
    too_deep(&format!(
        "cell f()\n{}{}end\n",
        "if x\n".repeat(N),
        "end\n".repeat(N)
    ));
    too_deep(&format!("cell f()\n{}", "for x in y\n".repeat(N)));
    too_deep(&format!("cell f()\n  let x = {}1\nend\n", "[".repeat(N)));
    too_deep(&format!("cell f()\n  let x = {}1\nend\n", "{a: ".repeat(N)));
    too_deep(&format!("cell f()\n  let x = {}1\nend\n", "not ".repeat(N)));
    too_deep(&format!("cell f()\n  let x = {}1\nend\n", "- ".repeat(N)));
    too_deep(&format!("cell f()\n  let x = {}1\nend\n", "f(".repeat(N)));
    too_deep(&format!("cell f()\n  let x = {}\nend\n", "\"{".repeat(N)));
    too_deep(&format!("cell f()\n  let x = 1{}\nend\n", " + 1".repeat(N)));
    too_deep(&format!("cell f()\n  let x = a{}\nend\n", ".b".repeat(N)));
    too_deep(&format!("cell f()\n  let x = a{}\nend\n", ".b()".repeat(N)));
    too_deep(&format!("grant F a {}1\n", "[".repeat(N)));
    too_deep(&format!("cell f(x: {}Int)\nend\n", "List[".repeat(N)));
    too_deep(&format!("agent A\n  cell f()\n{}", "if x else\n".repeat(N)));
}

#[test]
fn moderate_nesting_is_fine() {
    let src = format!(
        "cell f()\n{}  let x = {}1{} + 2\n{}end\n",
        "if x\n".repeat(20),
        "(".repeat(20),
        ")".repeat(20),
        "end\n".repeat(20)
    );
    ok(&src);
    ok(&format!(
        "cell f()\n  let x = 1{}\nend\n",
        " + 1".repeat(60)
    ));
}

#[test]
fn too_large_input() {
    let src = " ".repeat(lumen_lang::source::MAX_SOURCE_BYTES + 1);
    let (m, diags) = parse(FileId(0), &src);
    assert!(m.items.is_empty());
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].code, Code::Limit);
    check_well_formed(&src, &diags);
}

#[test]
fn ten_megabytes_of_statements() {
    let line = "  let data = Fetch(url: \"https://x.example/{i}\", n: [1, 2.5, -3]) # c\n  if data.ok and not x == 1\n    log(data.body)\n  end\n";
    let mut src = String::from("use tool http.get as Fetch\ncell main()\n  grant Fetch\n");
    while src.len() < 10_000_000 {
        src.push_str(line);
    }
    src.push_str("end\n");
    let start = std::time::Instant::now();
    let (m, diags) = parse(FileId(0), &src);
    let elapsed = start.elapsed();
    assert!(diags.is_empty(), "{diags:#?}");
    let Item::Cell(c) = &m.items[1] else { panic!() };
    assert!(c.body.len() > 100_000);
    // Timing is meaningful only with optimisations (`cargo test --release`). Measured at
    // 0.25-0.55 s of CPU on a busy 2-core machine; the bound leaves room for a loaded runner and
    // still catches anything quadratic.
    if !cfg!(debug_assertions) {
        assert!(elapsed < std::time::Duration::from_secs(2), "{elapsed:?}");
    }
}

// ----- robustness -----

/// A xorshift64 generator from `seed`: repeatable pseudo-random numbers for the no-panic tests.
fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}

#[test]
fn every_prefix_of_the_example_parses_without_panic() {
    for (i, _) in EXAMPLE
        .char_indices()
        .chain(std::iter::once((EXAMPLE.len(), ' ')))
    {
        let prefix = &EXAMPLE[..i];
        let (_, diags) = parse(FileId(0), prefix);
        check_well_formed(prefix, &diags);
    }
}

#[test]
fn mutations_of_the_example_parse_without_panic() {
    let pieces = [
        "",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        "\"",
        "\\",
        "\n",
        "end",
        "grant",
        "cell",
        "-",
        "1",
        "#",
        ".",
        ",",
        ":",
        "é",
        "\u{200B}",
        "if",
        "else",
        "not",
        "=",
        "->",
        "?",
        "use tool",
        "9999999999999999999999",
    ];
    let mut next = xorshift(0x9E37_79B9_7F4A_7C15);
    for _ in 0..3000 {
        let mut src = EXAMPLE.to_owned();
        for _ in 0..(next() % 4 + 1) {
            let mut at = (next() as usize) % (src.len() + 1);
            while !src.is_char_boundary(at) {
                at -= 1;
            }
            let mut end = (at + (next() as usize) % 6).min(src.len());
            while !src.is_char_boundary(end) {
                end -= 1;
            }
            let piece = pieces[(next() as usize) % pieces.len()];
            src.replace_range(at..end, piece);
        }
        let (_, diags) = parse(FileId(0), &src);
        check_well_formed(&src, &diags);
    }
}

/// Random sequences of tokens and fragments: no panic, well-formed diagnostics.
#[test]
fn token_soup_parses_without_panic() {
    let pieces = [
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        "\"",
        "\\",
        "\n",
        " ",
        "end",
        "grant",
        "cell",
        "agent",
        "use",
        "tool",
        "import",
        "granting",
        "-",
        "1",
        "#",
        ".",
        ",",
        ":",
        "é",
        "\u{200B}",
        "if",
        "else",
        "for",
        "in",
        "let",
        "return",
        "not",
        "and",
        "=",
        "==",
        "->",
        "?",
        "x",
        "F",
        "9223372036854775808",
        "2.5e3",
        "\\{",
        "\\q",
        "a-b",
        "\r",
        "\t",
        "!",
        "!=",
        "<=",
        "+",
        "*",
        "/",
        "_",
    ];
    let mut next = xorshift(0x1234_5678_9ABC_DEF1);
    for _ in 0..20_000 {
        let n = next() % 40;
        let mut src = String::new();
        for _ in 0..n {
            src.push_str(pieces[(next() as usize) % pieces.len()]);
            if next().is_multiple_of(3) {
                src.push(' ');
            }
        }
        let (_, diags) = parse(FileId(0), &src);
        check_well_formed(&src, &diags);
    }
}
