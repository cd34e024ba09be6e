//! `lumen`: the command-line front end of Lumen Security.
//!
//! Today it manages Ed25519 signing keys and makes and checks detached signatures; the registry,
//! installer and runtime commands join it as their crates land. `main` maps each command's
//! `Result` to an exit code: 0 success, 1 verification failure, 2 usage or input error.
#![forbid(unsafe_code)]

mod check_cmd;
mod cli;
mod commands;
mod error;
mod log_cmd;
mod log_server;
mod policy_cmd;
mod tuf_cmd;

use clap::Parser as _;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = match cli::Cli::try_parse() {
        Ok(a) => a,
        Err(e) => {
            // Help and version go to stdout with status 0; usage errors to stderr with status 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { error::EXIT_USAGE } else { 0 });
        }
    };
    match commands::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprint!("{err}");
            ExitCode::from(err.exit_code())
        }
    }
}
