#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The example corpus, checked end to end with the real file loader.
//!
//! Layout (paths relative to the crate, which is the working directory of integration tests):
//!
//! - `tests/corpus/<CODE>/case_<name>.lm` (or `.lm.md`): a program rejected with `<CODE>`;
//!   `case_<name>.snap` is the exact `render_text` output for it (so it records every code the
//!   program is expected to get, and nothing else), and `case_<name>.fixed.lm` (or `.fixed.lm.md`)
//!   is the same program fixed, which must pass with no diagnostic. Any other `.lm`/`.lm.md` file in
//!   the directory is a module imported by the cases, not a case.
//! - `tests/corpus/multi/`: the same, for programs with several errors reported in one run.
//! - `tests/corpus/ok/`: programs (and the modules they import) that must all pass.
//!
//! `UPDATE_SNAPSHOTS=1 cargo test -p lumen-lang --test corpus` rewrites the snapshots; review the
//! diff before committing it. A missing snapshot fails the test, it is never skipped.

use lumen_lang::{Checked, Code, FsLoader, check_paths, render_json, render_text};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const ROOT: &str = "tests/corpus";
const MULTI: &str = "multi";
const OK: &str = "ok";
const UPDATE_HINT: &str =
    "run `UPDATE_SNAPSHOTS=1 cargo test -p lumen-lang --test corpus` and review the new snapshot";

/// A rejected example: the program, its snapshot and its fix.
struct Case {
    /// The directory: a code (`E0201`) or `multi`.
    dir: String,
    program: PathBuf,
    snapshot: PathBuf,
    fixed: PathBuf,
}

struct Corpus {
    cases: Vec<Case>,
    ok: Vec<PathBuf>,
    /// Layout mistakes (a case without its fix, a stray snapshot, an unknown directory, …).
    problems: Vec<String>,
}

fn updating() -> bool {
    std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1")
}

/// `("case_x", ".lm.md")` for `case_x.lm.md`, `("case_x.fixed", ".lm")` for `case_x.fixed.lm`.
fn split_program(name: &str) -> Option<(&str, &'static str)> {
    if let Some(stem) = name.strip_suffix(".lm.md") {
        Some((stem, ".lm.md"))
    } else {
        name.strip_suffix(".lm").map(|stem| (stem, ".lm"))
    }
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

fn file_name(p: &Path) -> &str {
    p.file_name().and_then(|n| n.to_str()).unwrap()
}

fn code_dir(name: &str) -> Option<Code> {
    Code::ALL.into_iter().find(|c| c.as_str() == name)
}

fn corpus() -> Corpus {
    let root = Path::new(ROOT);
    assert!(
        root.is_dir(),
        "{ROOT} not found from {}: integration tests run in the crate directory",
        std::env::current_dir().unwrap().display()
    );
    let mut out = Corpus {
        cases: Vec::new(),
        ok: Vec::new(),
        problems: Vec::new(),
    };
    for dir in sorted_entries(root) {
        let name = file_name(&dir).to_owned();
        if !dir.is_dir() {
            out.problems.push(format!(
                "{}: only directories belong in {ROOT}",
                dir.display()
            ));
            continue;
        }
        if name == OK {
            for f in sorted_entries(&dir) {
                if split_program(file_name(&f)).is_some() {
                    out.ok.push(f);
                }
            }
            continue;
        }
        if name != MULTI && code_dir(&name).is_none() {
            out.problems.push(format!(
                "{}: a corpus directory is a diagnostic code, `{MULTI}` or `{OK}`",
                dir.display()
            ));
            continue;
        }
        let files = sorted_entries(&dir);
        let exists = |p: &Path| files.iter().any(|f| f == p);
        for f in &files {
            let fname = file_name(f);
            if let Some(stem) = fname.strip_suffix(".snap") {
                let has_case = [".lm", ".lm.md"]
                    .iter()
                    .any(|ext| exists(&dir.join(format!("{stem}{ext}"))));
                if !has_case {
                    out.problems
                        .push(format!("{}: a snapshot without its case", f.display()));
                }
                continue;
            }
            let Some((stem, ext)) = split_program(fname) else {
                continue;
            };
            if let Some(case) = stem.strip_suffix(".fixed") {
                if !exists(&dir.join(format!("{case}{ext}"))) {
                    out.problems.push(format!(
                        "{}: a fix without its rejected case `{case}{ext}`",
                        f.display()
                    ));
                }
                continue;
            }
            if !stem.starts_with("case_") {
                // A module imported by the cases.
                continue;
            }
            let case = Case {
                dir: name.clone(),
                program: f.clone(),
                snapshot: dir.join(format!("{stem}.snap")),
                fixed: dir.join(format!("{stem}.fixed{ext}")),
            };
            if !exists(&case.fixed) {
                out.problems.push(format!(
                    "{}: every rejected case needs its fix in {}",
                    f.display(),
                    case.fixed.display()
                ));
            }
            out.cases.push(case);
        }
    }
    out
}

fn check(path: &Path) -> Checked {
    check_paths(&[path.to_path_buf()], &FsLoader)
}

fn codes(checked: &Checked) -> Vec<&'static str> {
    checked
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect()
}

/// The codes a snapshot records, in order (`error[E0201]: …` lines).
fn snapshot_codes(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|l| l.strip_prefix("error["))
        .filter_map(|l| l.split_once(']').map(|(c, _)| c))
        .collect()
}

/// `(code, file, line, column)` of each diagnostic of a text rendering: the `error[…]` line and the
/// first `┌─ file:line:col` line after it (the primary label's file comes first).
fn text_positions(text: &str) -> Vec<(String, String, usize, usize)> {
    let mut out = Vec::new();
    let mut pending: Option<String> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("error[") {
            let code = rest.split_once(']').map(|(c, _)| c.to_owned()).unwrap();
            assert!(
                pending.is_none(),
                "a diagnostic without a location in:\n{text}"
            );
            pending = Some(code);
        } else if let Some(loc) = line.trim_start().strip_prefix("┌─ ")
            && let Some(code) = pending.take()
        {
            let mut parts = loc.rsplitn(3, ':');
            let col = parts.next().unwrap().parse().unwrap();
            let line_no = parts.next().unwrap().parse().unwrap();
            let file = parts.next().unwrap().to_owned();
            out.push((code, file, line_no, col));
        }
    }
    assert!(
        pending.is_none(),
        "a diagnostic without a location in:\n{text}"
    );
    out
}

/// The first differing line of two texts, for failure messages.
fn first_difference(expected: &str, actual: &str) -> String {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    for i in 0..e.len().max(a.len()) {
        let (x, y) = (e.get(i), a.get(i));
        if x != y {
            return format!(
                "first difference at line {}:\n  expected: {:?}\n  actual:   {:?}",
                i + 1,
                x.copied().unwrap_or("<end of snapshot>"),
                y.copied().unwrap_or("<end of output>")
            );
        }
    }
    "the texts differ only in their final newline".to_owned()
}

fn fail_if_any(what: &str, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} {what}:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn corpus_layout_is_well_formed() {
    let c = corpus();
    fail_if_any("layout problems in the corpus", &c.problems);
    assert!(!c.cases.is_empty(), "no rejected case found in {ROOT}");
    assert!(!c.ok.is_empty(), "no accepted program found in {ROOT}/{OK}");
}

#[test]
fn every_code_has_a_rejected_case_and_a_fix() {
    let c = corpus();
    let mut missing = Vec::new();
    for code in Code::ALL {
        let with_fix = c
            .cases
            .iter()
            .filter(|k| k.dir == code.as_str() && k.fixed.is_file())
            .count();
        if with_fix == 0 {
            missing.push(code.as_str());
        }
    }
    assert!(
        missing.is_empty(),
        "codes without a rejected case and its fix in {ROOT}/<CODE>/case_*.lm + case_*.fixed.lm: {}",
        missing.join(", ")
    );
    assert!(
        c.cases.iter().any(|k| k.dir == MULTI),
        "no multi-error case in {ROOT}/{MULTI}"
    );
    assert!(
        c.cases
            .iter()
            .any(|k| file_name(&k.program).ends_with(".lm.md")),
        "no rejected `.lm.md` case"
    );
}

#[test]
fn rejected_cases_match_their_snapshots() {
    let c = corpus();
    let update = updating();
    let mut failures = Vec::new();
    for case in &c.cases {
        let checked = check(&case.program);
        let text = render_text(&checked.sources, &checked.diagnostics);
        let got = codes(&checked);
        let shown = case.program.display();

        // The directory's code must be among the diagnostics (for `multi`: several errors).
        if case.dir == MULTI {
            let distinct: BTreeSet<&str> = got.iter().copied().collect();
            if got.len() < 3 || distinct.len() < 2 {
                failures.push(format!(
                    "{shown}: a multi-error case must get at least 3 diagnostics with 2 codes, got {got:?}"
                ));
            }
        } else if !got.contains(&case.dir.as_str()) {
            failures.push(format!(
                "{shown}: expected {} among its diagnostics, got {got:?}\n{text}",
                case.dir
            ));
        }

        if update {
            std::fs::write(&case.snapshot, &text).unwrap();
            continue;
        }
        let Ok(snap) = std::fs::read_to_string(&case.snapshot) else {
            failures.push(format!(
                "{shown}: missing snapshot {}; {UPDATE_HINT}",
                case.snapshot.display()
            ));
            continue;
        };
        // Only the codes the snapshot records, in that order.
        let expected = snapshot_codes(&snap);
        if expected != got {
            failures.push(format!(
                "{shown}: the snapshot expects codes {expected:?}, the checker reported {got:?}"
            ));
        }
        if snap != text {
            failures.push(format!(
                "{shown}: output differs from {}; {}\n--- actual output ---\n{text}",
                case.snapshot.display(),
                first_difference(&snap, &text)
            ));
        }
    }
    if update {
        eprintln!(
            "wrote {} snapshots; review them with `git diff`",
            c.cases.len()
        );
    }
    fail_if_any("rejected cases failed", &failures);
}

#[test]
fn fixed_programs_are_accepted() {
    let c = corpus();
    let mut failures = Vec::new();
    for case in &c.cases {
        if !case.fixed.is_file() {
            continue; // reported by `corpus_layout_is_well_formed`
        }
        let checked = check(&case.fixed);
        if !checked.is_ok() {
            failures.push(format!(
                "{} (the fix of {}) is rejected:\n{}",
                case.fixed.display(),
                case.program.display(),
                render_text(&checked.sources, &checked.diagnostics)
            ));
        }
    }
    fail_if_any("fixed programs were rejected", &failures);
}

#[test]
fn ok_programs_are_accepted() {
    let c = corpus();
    assert!(
        c.ok.iter().any(|p| file_name(p).ends_with(".lm.md")),
        "{ROOT}/{OK} must hold a Markdown program"
    );
    let mut failures = Vec::new();
    let mut imports_seen = 0;
    for p in &c.ok {
        let checked = check(p);
        imports_seen += checked.sources.files().count() - 1;
        if !checked.is_ok() {
            failures.push(format!(
                "{} is rejected:\n{}",
                p.display(),
                render_text(&checked.sources, &checked.diagnostics)
            ));
        }
        assert!(
            !checked.cells.is_empty(),
            "{}: no cell was checked",
            p.display()
        );
    }
    fail_if_any("accepted programs were rejected", &failures);
    assert!(
        imports_seen >= 2,
        "the accepted programs must import modules"
    );
}

#[test]
fn json_positions_match_text_snapshots() {
    let c = corpus();
    let update = updating();
    let mut failures = Vec::new();
    for case in &c.cases {
        let checked = check(&case.program);
        let text = if update {
            render_text(&checked.sources, &checked.diagnostics)
        } else {
            match std::fs::read_to_string(&case.snapshot) {
                Ok(s) => s,
                Err(_) => {
                    failures.push(format!(
                        "{}: missing snapshot {}; {UPDATE_HINT}",
                        case.program.display(),
                        case.snapshot.display()
                    ));
                    continue;
                }
            }
        };
        let from_text = text_positions(&text);
        let json = render_json(&checked.sources, &checked.diagnostics);
        let list = json.as_array().expect("render_json gives an array");
        let from_json: Vec<(String, String, usize, usize)> = list
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().unwrap().to_owned(),
                    d["file"].as_str().unwrap().to_owned(),
                    usize::try_from(d["line"].as_u64().unwrap()).unwrap(),
                    usize::try_from(d["column"].as_u64().unwrap()).unwrap(),
                )
            })
            .collect();
        if from_text != from_json {
            failures.push(format!(
                "{}: text snapshot positions {from_text:?} != JSON positions {from_json:?}",
                case.program.display()
            ));
        }
        for d in list {
            for key in ["message", "label", "severity"] {
                if !d[key].is_string() {
                    failures.push(format!(
                        "{}: JSON diagnostic without `{key}`: {d}",
                        case.program.display()
                    ));
                }
            }
        }
    }
    fail_if_any("JSON renderings disagree with the text", &failures);
}

/// In a `.lm.md` case, each diagnostic's line and column are those of the Markdown file: the text
/// found there is the text of the span, and it lies inside a ```` ```lumen ```` block (except for
/// E0301, which points at the Markdown that makes the file ambiguous).
#[test]
fn markdown_diagnostics_point_at_markdown_lines() {
    let c = corpus();
    let md_cases: Vec<&Case> = c
        .cases
        .iter()
        .filter(|k| file_name(&k.program).ends_with(".lm.md"))
        .collect();
    assert!(!md_cases.is_empty(), "no rejected `.lm.md` case");
    for case in md_cases {
        let checked = check(&case.program);
        let source = std::fs::read_to_string(&case.program).unwrap();
        let lines: Vec<&str> = source.lines().collect();
        let json = render_json(&checked.sources, &checked.diagnostics);
        let in_md: Vec<&serde_json::Value> = json
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["file"] == case.program.display().to_string())
            .collect();
        assert!(
            !in_md.is_empty(),
            "{}: no diagnostic in the Markdown file",
            case.program.display()
        );
        for d in in_md {
            let line = usize::try_from(d["line"].as_u64().unwrap()).unwrap();
            let col = usize::try_from(d["column"].as_u64().unwrap()).unwrap();
            let start = usize::try_from(d["byte_start"].as_u64().unwrap()).unwrap();
            let end = usize::try_from(d["byte_end"].as_u64().unwrap()).unwrap();
            let span_text = &source[start..end];
            let at: String = lines[line - 1].chars().skip(col - 1).collect();
            assert!(
                !span_text.trim().is_empty() && at.starts_with(span_text),
                "{}:{line}:{col}: expected `{span_text}` there, found `{at}`",
                case.program.display()
            );
            if d["code"] == "E0301" {
                continue;
            }
            let fence = lines[..line - 1]
                .iter()
                .rev()
                .find(|l| l.starts_with("```") || l.starts_with("~~~"))
                .copied();
            assert!(
                fence.is_some_and(|f| f.trim_start_matches(['`', '~']).trim() == "lumen"),
                "{}:{line}: the diagnostic is not inside a `lumen` block",
                case.program.display()
            );
        }
    }
}
