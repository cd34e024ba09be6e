//! Keys a command is given: signing keys from key files (unlocked with a passphrase from
//! `LUMEN_KEY_PASSPHRASE` or the terminal) and public keys from a key spec (hex, PEM, or a key
//! file).

use crate::error::CliError;
use crate::input::{MAX_SMALL_FILE, read_input};
use lumen_crypto::ed25519::{Ed25519SigningKey, Ed25519VerifyingKey};
use lumen_crypto::keyfile::{self, KeyFile};
use lumen_crypto::public_key::PublicKey;
use lumen_crypto::{CryptoError, SecretString};
use std::path::Path;

/// The environment variable that supplies a key passphrase non-interactively.
pub(crate) const PASSPHRASE_ENV: &str = "LUMEN_KEY_PASSPHRASE";

/// The passphrase in [`PASSPHRASE_ENV`], if it is set; set but empty or not UTF-8 is an error.
pub(crate) fn passphrase_from_env() -> Result<Option<SecretString>, CliError> {
    match std::env::var_os(PASSPHRASE_ENV) {
        None => Ok(None),
        Some(v) => {
            let s = v
                .into_string()
                .map_err(|_| CliError::usage(format!("{PASSPHRASE_ENV} is not valid UTF-8")))?;
            if s.is_empty() {
                return Err(
                    CliError::usage(format!("{PASSPHRASE_ENV} is set but empty"))
                        .hint("set it to the passphrase, or unset it to be asked on the terminal"),
                );
            }
            Ok(Some(SecretString::from(s)))
        }
    }
}

/// Asks for a passphrase on the terminal, without echo.
pub(crate) fn prompt(text: &str) -> Result<SecretString, CliError> {
    rpassword::prompt_password(text)
        .map(SecretString::from)
        .map_err(|e| {
            CliError::usage("cannot ask for a passphrase: no terminal")
                .caused_by(&e)
                .hint(format!("set {PASSPHRASE_ENV} for non-interactive use"))
        })
}

/// Opens the signing key in the key file at `path`; an encrypted file's passphrase comes from
/// [`PASSPHRASE_ENV`] or, if that is not set, the terminal.
pub(crate) fn open_signing_key(path: &Path) -> Result<Ed25519SigningKey, CliError> {
    KeyFile::open(path)
        .map_err(CliError::key_file)?
        .unlock(|| -> Result<_, CliError> {
            match passphrase_from_env()? {
                Some(p) => Ok(p),
                None => prompt(&format!("Passphrase for {}: ", path.display())),
            }
        })
}

/// An Ed25519 public key from `spec`: 64 hex digits, or a file holding a PEM public key, hex, or
/// a key file (whose public key is read without its passphrase).
pub(crate) fn parse_public_key(spec: &str) -> Result<Ed25519VerifyingKey, CliError> {
    let path = Path::new(spec);
    let bad = |e: CryptoError| {
        CliError::usage(format!("{spec} is not a usable Ed25519 public key"))
            .caused_by(&e)
            .hint("pass 64 hex digits, a PEM public key file, or a key file (see `lumen key public FILE`)")
    };
    if !path.is_file() {
        if spec.len() == 64 {
            return Ed25519VerifyingKey::from_hex(spec).map_err(bad);
        }
        return Err(CliError::usage(format!("{spec} is neither a file nor a hex public key"))
            .hint("pass 64 hex digits, a PEM public key file, or a key file (see `lumen key public FILE`)"));
    }
    let bytes = read_input(path, MAX_SMALL_FILE)?;
    if bytes.starts_with(keyfile::MAGIC) || bytes.starts_with(b"-----BEGIN PRIVATE KEY-----") {
        return keyfile::read_public_key(path).map_err(CliError::key_file);
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        CliError::usage(format!("{spec} is not a public key file"))
            .hint("pass a PEM public key or 64 hex digits")
    })?;
    if text.trim_start().starts_with("-----BEGIN") {
        return match PublicKey::from_spki_pem(text).map_err(bad)? {
            PublicKey::Ed25519(k) => Ok(k),
            other => Err(CliError::usage(format!(
                "{spec} holds a {} key; lumen verify checks Ed25519 signatures",
                other.algorithm()
            ))),
        };
    }
    Ed25519VerifyingKey::from_hex(text.trim()).map_err(bad)
}
