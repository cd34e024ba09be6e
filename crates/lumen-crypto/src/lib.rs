//! Lumen Security's cryptographic primitives: a small, strict façade over well-kept crates
//! (RustCrypto, `ed25519-dalek`, `blake3`). Nothing here is hand-written cryptography.
//!
//! - [`hash`]: SHA-256, SHA-512, BLAKE3 (plain, keyed, derive_key), one-shot and streaming.
//! - [`mac`]: HMAC-SHA256 with constant-time verification; HKDF-SHA256 extract/expand.
//! - [`ed25519`]: key generation, signing, strict verification, weak-key rejection, batches.
//! - [`ecdsa`] and [`rsa_pss`]: verification-only ECDSA P-256/P-384 and RSASSA-PSS-SHA256.
//! - [`public_key`]: SPKI DER/PEM for every key type and key ids (SHA-256 of the SPKI DER).
//! - [`keyfile`]: Argon2id + XChaCha20-Poly1305 private key files, written 0600 atomically.
//! - [`encoding`] and [`random`]: hex, strict Base64, UUID v4, random bytes, constant-time equality.
//! - [`fs`]: opening files a user or repository names: regular files only, never blocking, capped;
//!   replacing files atomically (temporary file, optional fsync, rename).
//! - [`time`]: the wall clock as Unix seconds or milliseconds.
//! - `http` (feature `http-client`): blocking HTTP(S) clients on rustls with an explicit provider.
//! - [`json`]: the workspace's one strict JSON reader (duplicate member names refused, depth capped).
//!
//! ```
//! use lumen_crypto::ed25519::{Ed25519SigningKey, Ed25519VerifyingKey};
//! use lumen_crypto::public_key::PublicKey;
//!
//! let key = Ed25519SigningKey::generate()?;
//! let signature = key.sign(b"lumen-http 1.2.0");
//! let public = Ed25519VerifyingKey::from_bytes(key.verifying_key().as_bytes())?;
//! public.verify(b"lumen-http 1.2.0", &signature)?;
//! assert!(public.verify(b"lumen-http 1.2.1", &signature).is_err());
//! println!("key id {}", PublicKey::from(public).key_id()?);
//! # Ok::<(), lumen_crypto::CryptoError>(())
//! ```
#![forbid(unsafe_code)]

pub mod ecdsa;
pub mod ed25519;
pub mod encoding;
mod error;
pub mod fs;
pub mod hash;
#[cfg(feature = "http-client")]
pub mod http;
pub mod json;
pub mod keyfile;
pub mod mac;
pub mod public_key;
pub mod random;
pub mod rsa_pss;
pub mod time;

pub use error::{CryptoError, KeyFileError};
pub use secrecy::{ExposeSecret, SecretString};
