//! Errors as the user sees them: `error:`, then `Caused by:` lines, then a `hint:`.

use std::fmt;

/// Exit status when a signature does not verify.
pub(crate) const EXIT_VERIFY_FAILED: u8 = 1;
/// Exit status for usage errors and unusable input.
pub(crate) const EXIT_USAGE: u8 = 2;

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
