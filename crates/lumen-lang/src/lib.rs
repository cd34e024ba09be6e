//! The Lumen subset that carries capabilities: lexer, parser and the resolve phase.
//!
//! `lumen check` parses a program (`.lm`, or Markdown `.lm.md` whose ```` ```lumen ```` blocks are
//! the program), loads the modules it imports, and rejects any program that could call a tool it was
//! not granted, before it runs. Effective grants are computed with `lumen-capability`'s own types and
//! intersection, so the compile-time check and the runtime dispatcher share one definition.
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
