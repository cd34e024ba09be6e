//! Errors as the user sees them: `error:`, then `Caused by:` lines, then a `hint:`.

use std::fmt;

/// Exit status when a signature does not verify.
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

    /// A signature that does not verify (exit status 1).
    pub(crate) fn verification(message: impl Into<String>) -> Self {
        Self {
            code: EXIT_VERIFY_FAILED,
            ..Self::usage(message)
        }
    }

    /// A denied policy decision (exit status 1); the command has already reported it.
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
    pub(crate) fn file(err: &lumen_crypto::fs::FileError) -> Self {
        let e = Self::usage(format!("cannot read {}", err.path().display())).caused_by(err);
        match err {
            lumen_crypto::fs::FileError::NotARegularFile { .. } => e.hint(
                "only regular files are read; to read from a pipe or device, redirect it to standard input and pass `-` where the command accepts it",
            ),
            _ => e,
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

impl From<lumen_crypto::KeyFileError> for CliError {
    fn from(err: lumen_crypto::KeyFileError) -> Self {
        crate::commands::key_file_error(err)
    }
}
