//! What each subcommand does, on top of `lumen-crypto`.

use crate::cli::{Cli, Command, GenerateArgs, KeyCommand, PublicArgs, SignArgs, VerifyArgs};
use crate::error::CliError;
use lumen_crypto::ed25519::{
    Ed25519Signature, Ed25519SigningKey, Ed25519VerifyingKey, SIGNATURE_LEN,
};
use lumen_crypto::encoding::{Base64Variant, base64_decode, base64_encode, hex_encode};
use lumen_crypto::fs::{FileError, create_regular_file, read_capped, read_regular_file};
use lumen_crypto::keyfile::{self, KdfParams, KeyFile, KeyFileFormat};
use lumen_crypto::public_key::PublicKey;
use lumen_crypto::{CryptoError, ExposeSecret, KeyFileError, SecretString};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The environment variable that supplies a key passphrase non-interactively.
const PASSPHRASE_ENV: &str = "LUMEN_KEY_PASSPHRASE";
/// The largest input `lumen sign`/`verify` read (Ed25519 signs the whole message in memory).
const MAX_INPUT: u64 = 1 << 30;
/// The largest public-key or signature file read.
const MAX_SMALL_FILE: u64 = 64 * 1024;

pub(crate) fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Key(KeyCommand::Generate(args)) => key_generate(args),
        Command::Key(KeyCommand::Public(args)) => key_public(args),
        Command::Sign(args) => sign(args),
        Command::Verify(args) => verify(args),
        Command::Demo => demo(),
        Command::Log(cmd) => crate::log_cmd::run(cmd),
        Command::Policy(cmd) => crate::policy_cmd::run(cmd),
        Command::Check(args) => crate::check_cmd::run(args),
        Command::Tuf(cmd) => crate::tuf_cmd::run(cmd),
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

pub(crate) fn prompt(text: &str) -> Result<SecretString, CliError> {
    rpassword::prompt_password(text)
        .map(SecretString::from)
        .map_err(|e| {
            CliError::usage("cannot ask for a passphrase: no terminal")
                .caused_by(&e)
                .hint(format!("set {PASSPHRASE_ENV} for non-interactive use"))
        })
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

pub(crate) fn key_file_error(err: KeyFileError) -> CliError {
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
    let e = CliError::usage(err.to_string());
    match hint {
        Some(h) => e.hint(h),
        None => e,
    }
}

fn crypto_error(context: &str, err: CryptoError) -> CliError {
    match err {
        CryptoError::KeyFile(k) => key_file_error(k),
        other => CliError::usage(context.to_owned()).caused_by(&other),
    }
}

#[derive(serde::Serialize)]
struct PublicKeyJson {
    algorithm: &'static str,
    public_key: String,
    public_key_pem: String,
    key_id: String,
}

fn public_key_json(key: &Ed25519VerifyingKey) -> Result<PublicKeyJson, CliError> {
    let pk = PublicKey::from(*key);
    Ok(PublicKeyJson {
        algorithm: pk.algorithm(),
        public_key: hex_encode(key.as_bytes()),
        public_key_pem: pk
            .to_spki_pem()
            .map_err(|e| crypto_error("cannot encode the public key", e))?,
        key_id: pk
            .key_id()
            .map_err(|e| crypto_error("cannot compute the key id", e))?,
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

/// Writes `bytes` to standard output; a reader that has gone is a quiet exit
/// ([`crate::error::EXIT_BROKEN_PIPE`]), never a panic.
pub(crate) fn write_stdout(bytes: &[u8]) -> Result<(), CliError> {
    crate::out::stdout(bytes).map_err(|e| CliError::stdout(&e))
}

fn key_generate(args: GenerateArgs) -> Result<(), CliError> {
    let path = match args.out {
        Some(p) => p,
        None => default_key_path()?,
    };
    if path.exists() && !args.force {
        return Err(key_file_error(KeyFileError::AlreadyExists { path }));
    }
    let passphrase = if args.unencrypted {
        None
    } else {
        Some(passphrase_for_new_key()?)
    };
    let key =
        Ed25519SigningKey::generate().map_err(|e| crypto_error("cannot generate a key", e))?;
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
        .map_err(|e| crypto_error("cannot write the key file", e))?;
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

fn key_public(args: PublicArgs) -> Result<(), CliError> {
    let key = keyfile::read_public_key(&args.file).map_err(key_file_error)?;
    print_public(&key, args.json)
}

/// Reads the file at `path` (`-`: standard input), at most `limit` bytes. Only a regular file is
/// opened, without blocking: a FIFO, device, socket or directory is refused
/// ([`lumen_crypto::fs`]). Standard input is read as it is, whatever it is connected to.
pub(crate) fn read_input(path: &Path, limit: u64) -> Result<Vec<u8>, CliError> {
    if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        read_capped(std::io::stdin().lock(), path, limit, &mut buf)
            .map_err(|e| CliError::file(&e))?;
        return Ok(buf);
    }
    read_regular_file(path, limit).map_err(|e| CliError::file(&e))
}

fn sign(args: SignArgs) -> Result<(), CliError> {
    let key =
        KeyFile::open(&args.key)
            .map_err(key_file_error)?
            .unlock(|| -> Result<_, CliError> {
                match passphrase_from_env()? {
                    Some(p) => Ok(p),
                    None => prompt(&format!("Passphrase for {}: ", args.key.display())),
                }
            })?;
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
        return keyfile::read_public_key(path).map_err(key_file_error);
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

fn verify(args: VerifyArgs) -> Result<(), CliError> {
    let key = parse_public_key(&args.public_key)?;
    let sig = parse_signature(&args.signature)?;
    let message = read_input(&args.input, MAX_INPUT)?;
    let key_id = PublicKey::from(key)
        .key_id()
        .map_err(|e| crypto_error("cannot compute the key id", e))?;
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

/// The main job on embedded defaults: the full key → sign → verify cycle in a temporary directory.
fn demo() -> Result<(), CliError> {
    const DEMO_PASSPHRASE: &str = "lumen demo passphrase";
    const STATEMENT: &[u8] = b"{\"name\":\"lumen-http\",\"version\":\"1.2.0\",\"sha256\":\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"}";
    let io = |what: &str| {
        let what = what.to_owned();
        move |e: std::io::Error| CliError::usage(what).caused_by(&e)
    };
    let dir = tempfile::tempdir().map_err(io("cannot create a temporary directory"))?;
    let path = dir.path().join("demo.key");
    let mut out = String::new();

    let key =
        Ed25519SigningKey::generate().map_err(|e| crypto_error("cannot generate a key", e))?;
    let info = public_key_json(&key.verifying_key())?;
    out += &format!(
        "1. generated an Ed25519 key\n   public key {}\n   key id     {}\n",
        info.public_key, info.key_id
    );

    let pass = SecretString::from(DEMO_PASSPHRASE.to_owned());
    keyfile::write_key_file(
        &path,
        &key,
        KeyFileFormat::Encrypted {
            passphrase: &pass,
            params: KdfParams::DEFAULT,
        },
        false,
    )
    .map_err(|e| crypto_error("cannot write the key file", e))?;
    out += &format!(
        "2. wrote it encrypted (Argon2id {} MiB x{} + XChaCha20-Poly1305) to {}, mode 0600\n",
        KdfParams::DEFAULT.memory_kib / 1024,
        KdfParams::DEFAULT.iterations,
        path.display()
    );

    let wrong = keyfile::load_signing_key(&path, || {
        Ok(SecretString::from("not the passphrase".to_owned()))
    });
    let refused = match wrong {
        Err(e) => e.to_string(),
        Ok(_) => {
            return Err(CliError::usage(
                "demo failed: a wrong passphrase opened the key file",
            ));
        }
    };
    let loaded =
        keyfile::load_signing_key(&path, || Ok(SecretString::from(DEMO_PASSPHRASE.to_owned())))
            .map_err(key_file_error)?;
    out += &format!("3. reloaded it with the passphrase; a wrong one was refused ({refused})\n");

    let sig = loaded.sign(STATEMENT);
    out += &format!(
        "4. signed the release statement {}\n   signature {}\n",
        String::from_utf8_lossy(STATEMENT),
        base64_encode(Base64Variant::Standard, &sig.to_bytes())
    );

    let public = Ed25519VerifyingKey::from_hex(&info.public_key)
        .map_err(|e| crypto_error("bad public key", e))?;
    public.verify(STATEMENT, &sig).map_err(|e| {
        CliError::verification("demo failed: the signature did not verify").caused_by(&e)
    })?;
    out += "5. verified the signature with the public key alone (strict Ed25519)\n";

    let mut tampered = STATEMENT.to_vec();
    if let Some(b) = tampered.iter_mut().find(|b| **b == b'2') {
        *b = b'3';
    }
    match public.verify(&tampered, &sig) {
        Err(_) => {
            out += "6. changed the version to 1.3.0: the signature no longer verifies, as it must\n"
        }
        Ok(()) => {
            return Err(CliError::verification(
                "demo failed: a tampered statement verified",
            ));
        }
    }
    write_stdout(out.as_bytes())
}
