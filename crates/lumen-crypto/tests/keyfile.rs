//! Key-file tests: round trips, wrong passphrase, every single-byte tamper, truncation, unknown
//! versions, loose permissions, atomic 0600 writes, and no secret in `Debug`.
// Test helpers outside #[test] functions may panic: a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use lumen_crypto::ed25519::Ed25519SigningKey;
use lumen_crypto::keyfile::{
    FILE_LEN, KdfParams, KeyFile, KeyFileFormat, decrypt_key, encrypt_key, load_signing_key,
    read_public_key, write_key_file,
};
use lumen_crypto::{CryptoError, KeyFileError, SecretString};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn pass(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

fn sha256(b: &[u8]) -> [u8; 32] {
    lumen_crypto::hash::sha256(b)
}

/// Recomputes the trailing checksum after an edit, as a deliberate attacker would.
fn reseal(bytes: &mut [u8]) {
    let sum = sha256(&bytes[..FILE_LEN - 32]);
    bytes[FILE_LEN - 32..].copy_from_slice(&sum);
}

/// Applies `edit` to a copy of `good`, recomputes the checksum, and tries to decrypt with "pw".
fn decrypt_edited(
    good: &[u8],
    edit: impl FnOnce(&mut Vec<u8>),
) -> Result<Ed25519SigningKey, KeyFileError> {
    let mut bad = good.to_vec();
    edit(&mut bad);
    reseal(&mut bad);
    decrypt_key(Path::new("k"), &bad, &pass("pw"))
}

fn load(path: &Path, passphrase: &str) -> Result<Ed25519SigningKey, KeyFileError> {
    load_signing_key(path, || Ok(pass(passphrase)))
}

#[test]
fn encrypted_round_trip_and_wrong_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("signing.key");
    let key = Ed25519SigningKey::generate().unwrap();
    let p = pass("correct horse battery staple");
    write_key_file(
        &path,
        &key,
        KeyFileFormat::Encrypted {
            passphrase: &p,
            params: KdfParams::MINIMUM,
        },
        false,
    )
    .unwrap();
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(meta.len() as usize, FILE_LEN);

    let back = load(&path, "correct horse battery staple").unwrap();
    assert_eq!(back.verifying_key(), key.verifying_key());
    assert_eq!(read_public_key(&path).unwrap(), key.verifying_key());
    assert!(KeyFile::open(&path).unwrap().is_encrypted());
    assert!(matches!(
        load(&path, "Correct horse battery staple"),
        Err(KeyFileError::WrongPassphrase { .. })
    ));
    assert!(matches!(
        load(&path, ""),
        Err(KeyFileError::WrongPassphrase { .. })
    ));

    // No overwrite unless asked.
    let err = write_key_file(&path, &key, KeyFileFormat::Unencrypted, false).unwrap_err();
    assert!(matches!(
        err,
        CryptoError::KeyFile(KeyFileError::AlreadyExists { .. })
    ));
    assert_eq!(
        load(&path, "correct horse battery staple")
            .unwrap()
            .verifying_key(),
        key.verifying_key()
    );
    // No stray temporary files are left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn unencrypted_pkcs8_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.pem");
    let key = Ed25519SigningKey::generate().unwrap();
    write_key_file(&path, &key, KeyFileFormat::Unencrypted, false).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("-----BEGIN PRIVATE KEY-----"));
    assert!(!KeyFile::open(&path).unwrap().is_encrypted());
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let back =
        load_signing_key(&path, || panic!("an unencrypted key needs no passphrase")).unwrap();
    assert_eq!(back.verifying_key(), key.verifying_key());
    // Overwrite when asked: the file is replaced atomically and keeps mode 0600.
    let key2 = Ed25519SigningKey::generate().unwrap();
    write_key_file(&path, &key2, KeyFileFormat::Unencrypted, true).unwrap();
    assert_eq!(read_public_key(&path).unwrap(), key2.verifying_key());
}

#[test]
fn every_single_byte_tamper_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let key = Ed25519SigningKey::generate().unwrap();
    let good = encrypt_key(&key, &pass("pw"), KdfParams::MINIMUM).unwrap();
    assert_eq!(good.len(), FILE_LEN);
    let path = dir.path().join("k");
    assert!(decrypt_key(&path, &good, &pass("pw")).is_ok());
    for i in 0..good.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut bad = good.clone();
            bad[i] ^= flip;
            let err = match decrypt_key(&path, &bad, &pass("pw")) {
                Ok(_) => panic!("tampered byte {i} (^{flip:#x}) accepted"),
                Err(e) => e,
            };
            let want_ok = match i {
                0..=7 => matches!(err, KeyFileError::NotAKeyFile { .. }),
                8 => matches!(err, KeyFileError::UnknownVersion { .. }),
                _ => matches!(err, KeyFileError::Corrupted { .. }),
            };
            assert!(want_ok, "byte {i}: unexpected {err:?}");
        }
    }
}

#[test]
fn deliberate_edits_with_a_recomputed_checksum_are_still_rejected() {
    let key = Ed25519SigningKey::generate().unwrap();
    let good = encrypt_key(&key, &pass("pw"), KdfParams::MINIMUM).unwrap();
    // Salt, nonce, public key, ciphertext and tag: the AEAD (with the header as associated data)
    // rejects each edit. Bytes 9..23 (key type, KDF and its parameters) are checked separately.
    for i in (23..FILE_LEN - 32).step_by(3) {
        let err = decrypt_edited(&good, |b| b[i] ^= 0x01)
            .err()
            .unwrap_or_else(|| panic!("byte {i} accepted"));
        assert!(
            matches!(err, KeyFileError::WrongPassphrase { .. }),
            "byte {i}: {err:?}"
        );
    }
    // Key type, KDF id and KDF parameters.
    assert!(matches!(
        decrypt_edited(&good, |b| b[9] = 2),
        Err(KeyFileError::UnknownKeyType { key_type: 2, .. })
    ));
    assert!(matches!(
        decrypt_edited(&good, |b| b[10] = 7),
        Err(KeyFileError::UnsupportedKdf { .. })
    ));
    assert!(matches!(
        // 4 TiB of memory: refused before Argon2 runs.
        decrypt_edited(&good, |b| b[11..15]
            .copy_from_slice(&u32::MAX.to_be_bytes())),
        Err(KeyFileError::UnsupportedKdf { .. })
    ));
    assert!(matches!(
        // The time cost becomes 2^24 + 2 passes.
        decrypt_edited(&good, |b| b[15] ^= 0x01),
        Err(KeyFileError::UnsupportedKdf { .. })
    ));
    // A different valid time cost changes the derived key: the AEAD rejects it.
    assert!(matches!(
        decrypt_edited(&good, |b| b[18] = 3),
        Err(KeyFileError::WrongPassphrase { .. })
    ));
}

#[test]
fn truncated_extended_and_unknown_version_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k");
    let good = encrypt_key(
        &Ed25519SigningKey::generate().unwrap(),
        &pass("pw"),
        KdfParams::MINIMUM,
    )
    .unwrap();
    for len in [0, 1, 7, 8, 9, 100, FILE_LEN - 1] {
        // Every prefix of a key file is reported as truncated, not as a foreign file.
        let err = decrypt_key(&path, &good[..len], &pass("pw")).unwrap_err();
        assert!(
            matches!(err, KeyFileError::Truncated { .. }),
            "len {len}: {err:?}"
        );
    }
    let mut longer = good.clone();
    longer.push(0);
    assert!(matches!(
        decrypt_key(&path, &longer, &pass("pw")),
        Err(KeyFileError::Truncated { .. })
    ));
    assert!(matches!(
        decrypt_edited(&good, |b| b[8] = 2),
        Err(KeyFileError::UnknownVersion {
            version: 2,
            supported: 1,
            ..
        })
    ));
    assert!(matches!(
        decrypt_key(&path, b"-----BEGIN OPENSSH PRIVATE KEY-----", &pass("pw")),
        Err(KeyFileError::NotAKeyFile { .. })
    ));
}

#[test]
fn loose_permissions_are_refused_with_a_fix() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("signing.key");
    let key = Ed25519SigningKey::generate().unwrap();
    write_key_file(&path, &key, KeyFileFormat::Unencrypted, false).unwrap();
    for mode in [0o644, 0o640, 0o604, 0o620, 0o602, 0o660] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        let err = load_signing_key(&path, || panic!("no passphrase needed")).unwrap_err();
        match &err {
            KeyFileError::PermissionsTooOpen { mode: m, .. } => assert_eq!(*m, mode),
            other => panic!("mode {mode:o}: {other:?}"),
        }
        assert!(err.to_string().contains("chmod 600"));
        assert!(read_public_key(&path).is_err());
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
    assert!(load_signing_key(&path, || panic!("no passphrase needed")).is_ok());
}

#[test]
fn weak_kdf_parameters_and_empty_passphrases_are_refused_when_writing() {
    let key = Ed25519SigningKey::generate().unwrap();
    let weak = KdfParams {
        memory_kib: 1024,
        iterations: 1,
        parallelism: 1,
    };
    assert!(matches!(
        encrypt_key(&key, &pass("pw"), weak),
        Err(CryptoError::KdfParams { .. })
    ));
    assert!(matches!(
        encrypt_key(&key, &pass(""), KdfParams::MINIMUM),
        Err(CryptoError::KeyFile(KeyFileError::EmptyPassphrase))
    ));
}

#[test]
fn nothing_secret_in_debug_output() {
    let key = Ed25519SigningKey::from_seed(&[0x5a; 32]);
    let p = pass("hunter2-passphrase");
    let shown = format!("{key:?} {p:?}");
    assert!(!shown.contains("hunter2"));
    assert!(!shown.to_lowercase().contains(&"5a".repeat(32)));
    assert!(!shown.contains("90, 90, 90"));
    let file = encrypt_key(&key, &p, KdfParams::MINIMUM).unwrap();
    // The seed does not appear in the file in the clear either.
    assert!(!file.windows(32).any(|w| w == [0x5a; 32]));
    // Errors name the file, never the passphrase.
    let err = decrypt_key(Path::new("/k"), &file, &pass("xyzzy-plugh")).unwrap_err();
    assert!(matches!(err, KeyFileError::WrongPassphrase { .. }));
    assert!(!format!("{err} {err:?}").contains("xyzzy"));
}
