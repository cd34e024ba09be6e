//! The one place the CLI writes to standard output and standard error.
//!
//! `print!`, `println!`, `eprint!` and `eprintln!` panic when the write fails, and a write fails
//! whenever the reader has gone away (`lumen check bad.lm 2>&1 | head -1` closes the pipe after
//! one line). The Rust runtime ignores `SIGPIPE`, so such a write returns `EPIPE` instead of
//! killing the process. Here:
//!
//! - [`stdout`] returns the [`io::Error`], and [`write_stdout`], which commands call, turns it into
//!   a [`CliError`] with [`CliError::stdout`]: a closed pipe is a quiet exit with status
//!   [`crate::error::EXIT_BROKEN_PIPE`] (141, what a shell reports for a process killed by
//!   `SIGPIPE`), any other failure an ordinary error;
//! - [`stderr_bytes`] and [`stderr!`] are best effort: if standard error cannot be written, there is
//!   nowhere left to report it, so the failure is ignored and the exit status alone tells.
//!
//! The print macros are denied (`clippy::print_stdout`, `clippy::print_stderr`) in the whole
//! crate; this module is the only one that touches the streams.

use crate::error::CliError;
use std::io::{self, Write};

/// Writes `bytes` to standard output and flushes it.
pub(crate) fn stdout(bytes: &[u8]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}

/// Writes `bytes` to standard output; a reader that has gone is a quiet exit
/// ([`crate::error::EXIT_BROKEN_PIPE`]), never a panic.
pub(crate) fn write_stdout(bytes: &[u8]) -> Result<(), CliError> {
    stdout(bytes).map_err(|e| CliError::stdout(&e))
}

/// Writes `bytes` to standard error; a failure is ignored (see the module docs).
pub(crate) fn stderr_bytes(bytes: &[u8]) {
    let mut err = io::stderr().lock();
    let _ = err.write_all(bytes).and_then(|()| err.flush());
}

/// Writes formatted text to standard error; a failure is ignored.
pub(crate) fn stderr_fmt(args: std::fmt::Arguments<'_>) {
    let mut err = io::stderr().lock();
    let _ = err.write_fmt(args).and_then(|()| err.flush());
}

/// `eprintln!` that cannot panic: formats a line to standard error, ignoring a failed write.
macro_rules! stderr {
    ($($arg:tt)*) => {
        $crate::out::stderr_fmt(format_args!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use stderr;
