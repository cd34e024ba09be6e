//! `lumen`: the command-line front end of Lumen Security.
//!
//! Today it manages Ed25519 signing keys and makes and checks detached signatures; the registry,
//! installer and runtime commands join it as their crates land. `main` maps each command's
//! `Result` to an exit code: 0 success, 1 verification failure, 2 usage or input error, 141 when
//! standard output is a pipe whose reader has gone (quietly, as for a process killed by
//! `SIGPIPE`). A failed write never panics: all output goes through [`out`], and the print macros,
//! which panic on a failed write, are denied in the whole crate.
#![forbid(unsafe_code)]
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod check_cmd;
mod cli;
mod commands;
mod error;
mod log_cmd;
mod log_server;
mod out;
mod policy_cmd;
mod tuf_cmd;

use clap::Parser as _;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = match cli::Cli::try_parse() {
        Ok(a) => a,
        Err(e) => {
            // Help and version go to stdout with status 0; usage errors to stderr with status 2.
            let code = if e.use_stderr() { error::EXIT_USAGE } else { 0 };
            return match e.print() {
                // Help or version that did not reach standard output is not a success.
                Err(io) if !e.use_stderr() => {
                    let err = error::CliError::stdout(&io);
                    out::stderr_bytes(err.to_string().as_bytes());
                    ExitCode::from(err.exit_code())
                }
                // A failed write to stderr has nowhere to be reported.
                _ => ExitCode::from(code),
            };
        }
    };
    match commands::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            out::stderr_bytes(err.to_string().as_bytes());
            ExitCode::from(err.exit_code())
        }
    }
}
