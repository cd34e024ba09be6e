//! Deterministic editor keys for lumen-tuf's editor tests: key `n` is the Ed25519 key whose seed is
//! 32 bytes of `n`.
#![allow(dead_code, unreachable_pub)]

use lumen_crypto::ed25519::Ed25519SigningKey;
use lumen_tuf::editor::{Keyring, Signer};
use lumen_tuf::metadata::Key;

/// The current time, as the editor takes it (seconds since the epoch).
pub fn now() -> i64 {
    lumen_crypto::time::unix_now()
}

/// The signer of key `n`.
pub fn signer(n: u8) -> Signer {
    Signer::ed25519(Ed25519SigningKey::from_seed(&[n; 32]))
}

/// The public key of key `n`.
pub fn key(n: u8) -> Key {
    signer(n).public_key().clone()
}

/// A keyring holding the keys `ns`.
pub fn ring(ns: &[u8]) -> Keyring {
    let mut k = Keyring::new();
    for n in ns {
        k.add(signer(*n));
    }
    k
}
