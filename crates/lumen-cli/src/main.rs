//! `lumen`: the command-line front end of Lumen Security.
//!
//! Each subcommand lives in its own module and renders what the libraries decide: `lumen key`
//! ([`key_cmd`]), `lumen sign` and `lumen verify` ([`sign_cmd`]), `lumen demo` ([`demo_cmd`]),
//! `lumen log` ([`log_cmd`], with the HTTP server in [`log_server`]), `lumen policy`
//! ([`policy_cmd`]), `lumen check` ([`check_cmd`]) and `lumen tuf` ([`tuf_cmd`]). The grammar and
//! help text are in [`cli`]; what commands share is in [`input`] (reading files and standard
//! input), [`keys`] (signing keys, passphrases, public keys), [`error`] and [`out`].
//!
//! `main` maps each command's `Result` to an exit code: 0 success, 1 when what was checked is
//! refused (a signature or proof that does not verify, a denied policy decision, a rejected
//! program), 2 usage or input error, 141 when standard output is a pipe whose reader has gone
//! (quietly, as for a process killed by `SIGPIPE`). A failed write never panics: all output goes
//! through [`out`], and the print macros, which panic on a failed write, are denied in the whole
//! crate.
#![forbid(unsafe_code)]
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod check_cmd;
mod cli;
mod demo_cmd;
mod error;
mod input;
mod key_cmd;
mod keys;
mod log_cmd;
mod log_server;
mod out;
mod policy_cmd;
mod sign_cmd;
mod tuf_cmd;

use clap::Parser as _;
use cli::{Cli, Command};
use error::CliError;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = match Cli::try_parse() {
        Ok(a) => a,
        Err(e) => {
            // Help and version go to stdout with status 0; usage errors to stderr with status 2.
            let code = if e.use_stderr() { error::EXIT_USAGE } else { 0 };
            return match e.print() {
                // Help or version that did not reach standard output is not a success.
                Err(io) if !e.use_stderr() => {
                    let err = CliError::stdout(&io);
                    out::stderr_bytes(err.to_string().as_bytes());
                    ExitCode::from(err.exit_code())
                }
                // A failed write to stderr has nowhere to be reported.
                _ => ExitCode::from(code),
            };
        }
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            out::stderr_bytes(err.to_string().as_bytes());
            ExitCode::from(err.exit_code())
        }
    }
}

/// Runs the command `cli` names.
fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Key(cmd) => key_cmd::run(cmd),
        Command::Sign(args) => sign_cmd::sign(args),
        Command::Verify(args) => sign_cmd::verify(args),
        Command::Demo => demo_cmd::run(),
        Command::Log(cmd) => log_cmd::run(cmd),
        Command::Policy(cmd) => policy_cmd::run(cmd),
        Command::Check(args) => check_cmd::run(args),
        Command::Tuf(cmd) => tuf_cmd::run(cmd),
    }
}
