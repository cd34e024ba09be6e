//! `lumen key …`: generate an Ed25519 signing key into a key file, and print the public key of
//! one.

use crate::cli::{GenerateArgs, KeyCommand, PublicArgs};
use crate::error::CliError;
use crate::keys::{passphrase_from_env, prompt};
use crate::out::write_stdout;
use lumen_crypto::ed25519::{Ed25519SigningKey, Ed25519VerifyingKey};
use lumen_crypto::encoding::hex_encode;
use lumen_crypto::keyfile::{self, KdfParams, KeyFileFormat};
use lumen_crypto::public_key::PublicKey;
use lumen_crypto::{ExposeSecret, KeyFileError, SecretString};
use std::path::{Path, PathBuf};

/// Runs a `lumen key` subcommand.
pub(crate) fn run(cmd: KeyCommand) -> Result<(), CliError> {
    match cmd {
        KeyCommand::Generate(args) => generate(args),
        KeyCommand::Public(args) => public(args),
    }
}

fn default_key_path() -> Result<PathBuf, CliError> {
    if let Some(home) = std::env::var_os("LUMEN_HOME") {
        return Ok(PathBuf::from(home).join("signing.key"));
    }
    match std::env::var_os("HOME") {
        Some(home) => Ok(PathBuf::from(home).join(".lumen").join("signing.key")),
        None => Err(CliError::usage(
            "cannot choose where to write the key: neither LUMEN_HOME nor HOME is set",
        )
        .hint("pass --out FILE")),
    }
}

fn passphrase_for_new_key() -> Result<SecretString, CliError> {
    if let Some(p) = passphrase_from_env()? {
        return Ok(p);
    }
    let first = prompt("Passphrase for the new key: ")?;
    if first.expose_secret().is_empty() {
        return Err(CliError::usage("the passphrase is empty")
            .hint("choose a passphrase, or pass --unencrypted to store the key without one"));
    }
    let second = prompt("Repeat the passphrase: ")?;
    if first.expose_secret() != second.expose_secret() {
        return Err(CliError::usage("the passphrases do not match").hint("run the command again"));
    }
    Ok(first)
}

/// A public key as `lumen key … --json` prints it.
#[derive(serde::Serialize)]
pub(crate) struct PublicKeyJson {
    /// The algorithm (`ed25519`).
    pub(crate) algorithm: &'static str,
    /// The public key in hex.
    pub(crate) public_key: String,
    /// The public key as SPKI PEM.
    pub(crate) public_key_pem: String,
    /// The key id (hex SHA-256 of the SPKI DER).
    pub(crate) key_id: String,
}

/// The public facts of `key`.
pub(crate) fn public_key_json(key: &Ed25519VerifyingKey) -> Result<PublicKeyJson, CliError> {
    let pk = PublicKey::from(*key);
    Ok(PublicKeyJson {
        algorithm: pk.algorithm(),
        public_key: hex_encode(key.as_bytes()),
        public_key_pem: pk
            .to_spki_pem()
            .map_err(|e| CliError::crypto("cannot encode the public key", e))?,
        key_id: pk
            .key_id()
            .map_err(|e| CliError::crypto("cannot compute the key id", e))?,
    })
}

fn print_public(key: &Ed25519VerifyingKey, json: bool) -> Result<(), CliError> {
    let info = public_key_json(key)?;
    let out = if json {
        serde_json::to_string_pretty(&info)
            .map_err(|e| CliError::usage("cannot encode JSON").caused_by(&e))?
            + "\n"
    } else {
        format!(
            "algorithm:  {}\npublic key: {}\nkey id:     {}\n",
            info.algorithm, info.public_key, info.key_id
        )
    };
    write_stdout(out.as_bytes())
}

fn generate(args: GenerateArgs) -> Result<(), CliError> {
    let path = match args.out {
        Some(p) => p,
        None => default_key_path()?,
    };
    if path.exists() && !args.force {
        return Err(CliError::key_file(KeyFileError::AlreadyExists { path }));
    }
    let passphrase = if args.unencrypted {
        None
    } else {
        Some(passphrase_for_new_key()?)
    };
    let key =
        Ed25519SigningKey::generate().map_err(|e| CliError::crypto("cannot generate a key", e))?;
    if let Some(dir) = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.exists())
    {
        create_private_dir(dir)?;
    }
    let format = match &passphrase {
        Some(p) => KeyFileFormat::Encrypted {
            passphrase: p,
            params: KdfParams::DEFAULT,
        },
        None => KeyFileFormat::Unencrypted,
    };
    keyfile::write_key_file(&path, &key, format, args.force)
        .map_err(|e| CliError::crypto("cannot write the key file", e))?;
    crate::out::stderr!(
        "wrote {} Ed25519 key to {}",
        if args.unencrypted {
            "an UNENCRYPTED"
        } else {
            "an encrypted"
        },
        path.display()
    );
    print_public(&key.verifying_key(), args.json)
}

fn create_private_dir(dir: &Path) -> Result<(), CliError> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| CliError::usage(format!("cannot create {}", dir.display())).caused_by(&e))
}

fn public(args: PublicArgs) -> Result<(), CliError> {
    let key = keyfile::read_public_key(&args.file).map_err(CliError::key_file)?;
    print_public(&key, args.json)
}
