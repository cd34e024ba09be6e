//! `lumen check`: the compile-time capability check of Lumen programs.

use crate::cli::{CheckArgs, CheckFormat};
use crate::error::CliError;
use crate::out::write_stdout;
use lumen_lang::{Code, FsLoader, check_paths, render_json, render_text};

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
    let checked = check_paths(&args.files, &FsLoader);
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
