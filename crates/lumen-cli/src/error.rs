//! Errors as the user sees them: `error:`, then `Caused by:` lines, then a `hint:`, and the exit
//! status each kind of failure gives.

use crate::keys::PASSPHRASE_ENV;
use lumen_crypto::fs::FileError;
use lumen_crypto::{CryptoError, KeyFileError};
use std::fmt;

/// Exit status when what a command checks is refused: a signature, a log receipt or checkpoint, or
/// a TUF repository that does not verify, a denied policy decision, a program `lumen check` rejects.
pub(crate) const EXIT_VERIFY_FAILED: u8 = 1;
/// Exit status for usage errors and unusable input.
pub(crate) const EXIT_USAGE: u8 = 2;
/// Exit status when standard output is a pipe whose reader has gone (`lumen … | head -1`): 141,
/// what a shell reports for a program killed by `SIGPIPE` (128 + 13), as `cat` or `grep` would
/// be. Nothing is printed. It is not 0 (ripgrep's choice) because the output a command exists to
/// give was not delivered, and a refused decision must never read as success.
pub(crate) const EXIT_BROKEN_PIPE: u8 = 141;

/// A failed command: what went wrong, why, and what to do about it.
#[derive(Debug)]
pub(crate) struct CliError {
    message: String,
    causes: Vec<String>,
    hint: Option<String>,
    code: u8,
}

impl CliError {
    /// A usage or input error (exit status 2).
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            causes: Vec::new(),
            hint: None,
            code: EXIT_USAGE,
        }
    }

    /// Something the command checks does not verify (exit status 1).
    pub(crate) fn verification(message: impl Into<String>) -> Self {
        Self {
            code: EXIT_VERIFY_FAILED,
            ..Self::usage(message)
        }
    }

    /// A refusal the command has already reported (a denied policy decision, a rejected program):
    /// exit status 1, nothing more printed.
    pub(crate) fn denied() -> Self {
        Self::verification(String::new())
    }

    /// Standard output could not be written: a quiet [`EXIT_BROKEN_PIPE`] if its reader has
    /// gone, an error (exit status 2) otherwise (a full disk, a closed descriptor).
    pub(crate) fn stdout(err: &std::io::Error) -> Self {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            Self {
                code: EXIT_BROKEN_PIPE,
                ..Self::usage(String::new())
            }
        } else {
            Self::usage("cannot write to standard output").caused_by(err)
        }
    }

    /// A file named on the command line cannot be read.
    pub(crate) fn file(err: &FileError) -> Self {
        let e = Self::usage(format!("cannot read {}", err.path().display())).caused_by(err);
        match err {
            FileError::NotARegularFile { .. } => e.hint(
                "only regular files are read; to read from a pipe or device, redirect it to standard input and pass `-` where the command accepts it",
            ),
            _ => e,
        }
    }

    /// A key file cannot be used (exit status 2), with a hint for the cases a user can fix.
    pub(crate) fn key_file(err: KeyFileError) -> Self {
        let hint = match &err {
            KeyFileError::WrongPassphrase { .. } => Some(format!(
                "type the passphrase again, or check {PASSPHRASE_ENV}"
            )),
            KeyFileError::Corrupted { .. } | KeyFileError::KeyMismatch { .. } => {
                Some("restore the key file from a backup".to_owned())
            }
            KeyFileError::AlreadyExists { .. } => {
                Some("pass --force to replace it, or --out to choose another file".to_owned())
            }
            KeyFileError::NotAKeyFile { .. } => {
                Some("create a key with `lumen key generate --out FILE`".to_owned())
            }
            KeyFileError::File(FileError::NotFound { .. }) => {
                Some("create a key with `lumen key generate --out FILE`".to_owned())
            }
            _ => None,
        };
        let e = Self::usage(err.to_string());
        match hint {
            Some(h) => e.hint(h),
            None => e,
        }
    }

    /// A key operation failed (exit status 2): a key-file error as [`CliError::key_file`] reports
    /// it, any other as `context` caused by `err`.
    pub(crate) fn crypto(context: &str, err: CryptoError) -> Self {
        match err {
            CryptoError::KeyFile(k) => Self::key_file(k),
            other => Self::usage(context.to_owned()).caused_by(&other),
        }
    }

    /// Adds the underlying error and its sources as `Caused by:` lines.
    pub(crate) fn caused_by(mut self, err: &dyn std::error::Error) -> Self {
        let mut next: Option<&dyn std::error::Error> = Some(err);
        while let Some(e) = next {
            self.causes.push(e.to_string());
            next = e.source();
        }
        self
    }

    /// Adds a hint: the command or change that fixes the problem.
    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The process exit status.
    pub(crate) fn exit_code(&self) -> u8 {
        self.code
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            return Ok(());
        }
        writeln!(f, "error: {}", self.message)?;
        if !self.causes.is_empty() {
            writeln!(f, "\nCaused by:")?;
            for c in &self.causes {
                writeln!(f, "    {c}")?;
            }
        }
        if let Some(h) = &self.hint {
            writeln!(f, "\nhint: {h}")?;
        }
        Ok(())
    }
}

impl From<KeyFileError> for CliError {
    fn from(err: KeyFileError) -> Self {
        Self::key_file(err)
    }
}
