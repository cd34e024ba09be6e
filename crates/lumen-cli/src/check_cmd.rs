//! `lumen check`: the compile-time capability check of Lumen programs.

use crate::cli::{CheckArgs, CheckFormat};
use crate::commands::write_stdout;
use crate::error::CliError;
use lumen_lang::source::MAX_SOURCE_BYTES;
use lumen_lang::{Code, Loader, check_paths, render_json, render_text};
use std::path::Path;

/// Reads source files as [`lumen_lang::FsLoader`] does, but opens only regular files and without
/// blocking ([`lumen_crypto::fs`]): `lumen check` on a FIFO, or an import that names one, is a
/// diagnostic, not a hang.
struct RegularFileLoader;

impl Loader for RegularFileLoader {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        let bytes = lumen_crypto::fs::read_regular_file(path, MAX_SOURCE_BYTES as u64)?;
        String::from_utf8(bytes)
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8"))
    }
}

pub(crate) fn run(args: CheckArgs) -> Result<(), CliError> {
    if let Some(code) = &args.explain {
        let Some(c) = Code::parse(code) else {
            let known: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
            return Err(
                CliError::usage(format!("`{code}` is not a diagnostic code"))
                    .hint(format!("codes are: {}", known.join(", "))),
            );
        };
        return write_stdout(c.explain().as_bytes());
    }
    let checked = check_paths(&args.files, &RegularFileLoader);
    match args.format {
        CheckFormat::Json => {
            let mut text =
                serde_json::to_string_pretty(&render_json(&checked.sources, &checked.diagnostics))
                    .map_err(|e| CliError::usage("cannot encode diagnostics").caused_by(&e))?;
            text.push('\n');
            write_stdout(text.as_bytes())?;
        }
        CheckFormat::Text => {
            if !checked.diagnostics.is_empty() {
                crate::out::stderr_bytes(
                    render_text(&checked.sources, &checked.diagnostics).as_bytes(),
                );
                let n = checked.diagnostics.len();
                crate::out::stderr!(
                    "error: {n} problem{} found; `lumen check --explain <CODE>` explains each code",
                    if n == 1 { "" } else { "s" }
                );
            }
        }
    }
    if checked.is_ok() {
        Ok(())
    } else {
        Err(CliError::denied())
    }
}
