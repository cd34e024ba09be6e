//! `lumen sign` and `lumen verify`: detached Ed25519 signatures over a file or standard input.

use crate::cli::{SignArgs, VerifyArgs};
use crate::error::CliError;
use crate::input::{MAX_SMALL_FILE, read_input};
use crate::keys::{open_signing_key, parse_public_key};
use crate::out::write_stdout;
use lumen_crypto::ed25519::{Ed25519Signature, SIGNATURE_LEN};
use lumen_crypto::encoding::{Base64Variant, base64_decode, base64_encode};
use lumen_crypto::fs::create_regular_file;
use lumen_crypto::public_key::PublicKey;
use std::io::Write;
use std::path::Path;

/// The largest input `lumen sign`/`verify` read (Ed25519 signs the whole message in memory).
const MAX_INPUT: u64 = 1 << 30;

/// `lumen sign`: prints (or writes) the Base64 detached signature of the input.
pub(crate) fn sign(args: SignArgs) -> Result<(), CliError> {
    let key = open_signing_key(&args.key)?;
    let message = read_input(&args.input, MAX_INPUT)?;
    let sig = key.sign(&message);
    let text = base64_encode(Base64Variant::Standard, &sig.to_bytes()) + "\n";
    match args.out {
        Some(out) => {
            let cannot = |e: &dyn std::error::Error| {
                CliError::usage(format!("cannot write {}", out.display())).caused_by(e)
            };
            create_regular_file(&out)
                .map_err(|e| cannot(&e))?
                .write_all(text.as_bytes())
                .map_err(|e| cannot(&e))
        }
        None => write_stdout(text.as_bytes()),
    }
}

fn parse_signature(path: &Path) -> Result<Ed25519Signature, CliError> {
    let bytes = read_input(path, MAX_SMALL_FILE)?;
    let hint = "pass the file written by `lumen sign` (Base64 of 64 bytes)";
    let raw = match std::str::from_utf8(&bytes).map(str::trim) {
        Ok(text) if text.len() == 88 => {
            base64_decode(Base64Variant::Standard, text).map_err(|e| {
                CliError::usage(format!("{} is not a valid signature", path.display()))
                    .caused_by(&e)
                    .hint(hint)
            })?
        }
        _ if bytes.len() == SIGNATURE_LEN => bytes,
        _ => {
            return Err(CliError::usage(format!(
                "{} is not an Ed25519 signature ({} bytes)",
                path.display(),
                bytes.len()
            ))
            .hint(hint));
        }
    };
    Ed25519Signature::from_bytes(&raw).map_err(|e| {
        CliError::usage("malformed signature")
            .caused_by(&e)
            .hint(hint)
    })
}

/// `lumen verify`: succeeds if the signature verifies under the key, exit status 1 if not.
pub(crate) fn verify(args: VerifyArgs) -> Result<(), CliError> {
    let key = parse_public_key(&args.public_key)?;
    let sig = parse_signature(&args.signature)?;
    let message = read_input(&args.input, MAX_INPUT)?;
    let key_id = PublicKey::from(key)
        .key_id()
        .map_err(|e| CliError::crypto("cannot compute the key id", e))?;
    match key.verify(&message, &sig) {
        Ok(()) => {
            crate::out::stderr!("verified: {} is signed by key {key_id}", args.input.display());
            Ok(())
        }
        Err(e) => Err(CliError::verification(format!(
            "the signature on {} does not verify under key {key_id}",
            args.input.display()
        ))
        .caused_by(&e)
        .hint("the file, the signature or the key is not the one that was signed; do not trust this file")),
    }
}
