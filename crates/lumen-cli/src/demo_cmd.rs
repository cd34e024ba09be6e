//! `lumen demo`: the key → sign → verify cycle on embedded defaults, in a temporary directory.

use crate::error::CliError;
use crate::key_cmd::public_key_json;
use crate::out::write_stdout;
use lumen_crypto::SecretString;
use lumen_crypto::ed25519::{Ed25519SigningKey, Ed25519VerifyingKey};
use lumen_crypto::encoding::{Base64Variant, base64_encode};
use lumen_crypto::keyfile::{self, KdfParams, KeyFileFormat};

/// Runs the demo: the full key → sign → verify cycle in a temporary directory, printing each step.
pub(crate) fn run() -> Result<(), CliError> {
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
        Ed25519SigningKey::generate().map_err(|e| CliError::crypto("cannot generate a key", e))?;
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
    .map_err(|e| CliError::crypto("cannot write the key file", e))?;
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
            .map_err(CliError::key_file)?;
    out += &format!("3. reloaded it with the passphrase; a wrong one was refused ({refused})\n");

    let sig = loaded.sign(STATEMENT);
    out += &format!(
        "4. signed the release statement {}\n   signature {}\n",
        String::from_utf8_lossy(STATEMENT),
        base64_encode(Base64Variant::Standard, &sig.to_bytes())
    );

    let public = Ed25519VerifyingKey::from_hex(&info.public_key)
        .map_err(|e| CliError::crypto("bad public key", e))?;
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
