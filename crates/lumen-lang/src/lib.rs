//! The Lumen subset that carries capabilities: lexer, parser and the resolve phase.
//!
//! `lumen check` parses a program (`.lm`, or Markdown `.lm.md` whose ```` ```lumen ```` blocks,
//! found as CommonMark readers find them, are the program: see [`source`]), loads the modules it
//! imports, and rejects any program that could call a tool it was not granted, before it runs. A
//! file that a reader could see as another program than the checker does (ambiguous Markdown,
//! E0301; a bare carriage return or a bidirectional control, E0302) is refused, and so is a name
//! that means two things (E0103). Effective grants are computed with `lumen-capability`'s own types and
//! intersection, so the compile-time check and the runtime dispatcher share one definition.
//!
//! ```
//! use lumen_lang::{Code, MemLoader, check_source};
//! use std::path::Path;
//!
//! let program = r#"
//! use tool http.get as Fetch
//! grant Fetch domain "api.weather.example"
//!
//! cell main() -> String
//!   let r = Fetch(url: "https://api.weather.example/today")   # no `grant Fetch` in this cell
//!   return r.body
//! end
//! "#;
//! let checked = check_source(Path::new("app.lm"), program, &MemLoader::default());
//! assert_eq!(checked.diagnostics.len(), 1);
//! assert_eq!(checked.diagnostics[0].code, Code::ToolNotGranted); // E0201
//! let text = lumen_lang::render_text(&checked.sources, &checked.diagnostics);
//! assert!(text.contains("error[E0201]") && text.contains("app.lm:6:11"));
//! ```
#![forbid(unsafe_code)]

pub mod ast;
pub mod diag;
pub mod lexer;
pub mod parser;
pub mod resolve;
pub mod source;

pub use diag::{Code, Diagnostic, render_json, render_text};
pub use resolve::{Checked, FsLoader, Loader, MemLoader, check_paths, check_source};
pub use source::{FileId, SourceFile, SourceMap, Span};
