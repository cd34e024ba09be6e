//! Arbitrary text never makes the parser or the checker panic (or overflow the stack), and every
//! diagnostic is well formed: a non-empty message and label, and spans inside their file on
//! character boundaries, so `render_text` and `render_json` can show them.
//!
//! The input is checked as `main.lm` and as `main.lm.md`; the loader also holds a valid module
//! `util.lm` with grants (so `import util [granting …]` is exercised) and a module `cyc.lm` that
//! imports `main` back (so import cycles are).
#![no_main]

use libfuzzer_sys::fuzz_target;
use lumen_lang::parser::parse;
use lumen_lang::source::markdown_program;
use lumen_lang::{
    Checked, Diagnostic, FileId, MemLoader, SourceMap, check_source, render_json, render_text,
};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

/// A valid library module (shared with the benchmark; also an accepted corpus program).
const UTIL: &str = include_str!("../../tests/corpus/ok/weather_lib.lm");

const CYC: &str = "import main\n\ncell loop_back()\n  return main.main()\nend\n";

static LOADER: LazyLock<MemLoader> = LazyLock::new(|| {
    let mut loader = MemLoader::default();
    loader
        .files
        .insert(PathBuf::from("util.lm"), UTIL.to_owned());
    loader.files.insert(PathBuf::from("cyc.lm"), CYC.to_owned());
    loader
});

/// A span (or label) inside `text`, on character boundaries.
fn span_ok(text: &str, span: lumen_lang::Span) -> bool {
    span.start <= span.end && text.get(span.range()).is_some()
}

fn well_formed_in(text: &str, d: &Diagnostic) {
    assert!(!d.message.trim().is_empty(), "empty message: {d:?}");
    assert!(
        !d.label.is_empty() || d.span == lumen_lang::Span::default(),
        "empty label: {d:?}"
    );
    assert!(span_ok(text, d.span), "span out of range: {d:?}");
}

fn well_formed(sources: &SourceMap, diags: &[Diagnostic]) {
    for d in diags {
        let file = sources
            .get(d.file)
            .expect("a diagnostic's file is in the source map");
        well_formed_in(&file.text, d);
        for l in &d.secondary {
            let lf = sources
                .get(l.file)
                .expect("a label's file is in the source map");
            assert!(span_ok(&lf.text, l.span), "label out of range: {d:?}");
        }
    }
}

fn check_as(path: &str, text: &str) {
    let checked: Checked = check_source(Path::new(path), text, &*LOADER);
    well_formed(&checked.sources, &checked.diagnostics);
    let rendered = render_text(&checked.sources, &checked.diagnostics);
    assert_eq!(rendered.is_empty(), checked.diagnostics.is_empty());
    let json = render_json(&checked.sources, &checked.diagnostics);
    assert_eq!(
        json.as_array().map(Vec::len),
        Some(checked.diagnostics.len())
    );
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);

    // (a) The parser alone.
    let (_, diags) = parse(FileId(0), &text);
    for d in &diags {
        well_formed_in(&text, d);
        for l in &d.secondary {
            assert!(
                l.file == FileId(0) && span_ok(&text, l.span),
                "label out of range: {d:?}"
            );
        }
    }

    // The Markdown form keeps every offset and line, and its blocks' content is the file's own text;
    // a refusal points inside the file.
    match markdown_program(&text) {
        Ok(p) => {
            assert_eq!(p.code.len(), text.len());
            assert_eq!(p.code.matches('\n').count(), text.matches('\n').count());
            for b in &p.blocks {
                assert!(span_ok(&text, b.span), "block out of range: {b:?}");
                for piece in &b.content {
                    assert!(
                        b.span.start <= piece.start && piece.end <= b.span.end,
                        "content outside its block: {b:?}"
                    );
                    assert_eq!(p.code.get(piece.range()), text.get(piece.range()));
                }
            }
        }
        Err(errors) => {
            assert!(!errors.is_empty());
            for e in &errors {
                assert!(span_ok(&text, e.span()), "error out of range: {e:?}");
            }
        }
    }

    // (b) The whole check, as a `.lm` file and as a `.lm.md` file.
    check_as("main.lm", &text);
    check_as("main.lm.md", &text);
});
