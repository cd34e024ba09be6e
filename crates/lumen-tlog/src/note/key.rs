//! Note keys: key names and key hashes, the verifier and signer key strings, the [`Signer`] and
//! [`Verifier`] traits with their Ed25519 (type `0x01`) and ECDSA (type `0x02`) implementations,
//! key generation, and the [`Verifiers`] set a note is checked against. The formats are described
//! in the docs of [`crate::note`].
//!
//! What Ed25519 note keys share with cosigner keys (type `0x04`, [`crate::cosignature`]) is
//! written once, in [`NamedSigningKey`] and [`NamedVerifyingKey`]: a name, a key type, the key
//! hash of both with the public key, and the key strings.

use super::{B64, KeyProblem, KeyRole, NoteError};
use lumen_crypto::SecretString;
use lumen_crypto::ecdsa::{EcdsaCurve, EcdsaVerifyingKey};
use lumen_crypto::ed25519::{Ed25519Signature, Ed25519SigningKey, Ed25519VerifyingKey};
use lumen_crypto::encoding::{base64_decode, base64_encode};
use lumen_crypto::hash::sha256;
use lumen_crypto::public_key::PublicKey;
use std::collections::HashMap;
use std::fmt;

/// Signature type byte of Ed25519 note signatures.
pub const KEY_TYPE_ED25519: u8 = 0x01;
/// Signature type byte of ECDSA note signatures (transparency-dev/witness, Sigstore Rekor).
pub const KEY_TYPE_ECDSA: u8 = 0x02;
/// Signature type byte of timestamped Ed25519 checkpoint cosignatures (c2sp.org/tlog-cosignature).
pub const KEY_TYPE_COSIGNATURE_V1: u8 = 0x04;

/// The prefix of a signer key string.
const SIGNER_KEY_PREFIX: &str = "PRIVATE+KEY+";

/// True when `name` is a valid key name: non-empty, no Unicode white space, no `+`, and no
/// control character.
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty()
        && !name
            .chars()
            .any(|c| c == '+' || c.is_whitespace() || c.is_control())
}

/// Fails with [`NoteError::InvalidKeyName`] unless `name` is a valid key name.
pub(crate) fn check_name(name: &str) -> Result<(), NoteError> {
    if is_valid_key_name(name) {
        Ok(())
    } else {
        Err(NoteError::InvalidKeyName {
            name: name.to_owned(),
        })
    }
}

fn hash_prefix(digest: &[u8; 32]) -> u32 {
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// The C2SP key hash: the first four bytes, big-endian, of `SHA-256(name ‖ 0x0A ‖ key_type ‖ public_key)`.
pub fn key_hash(name: &str, key_type: u8, public_key: &[u8]) -> u32 {
    let mut data = Vec::with_capacity(name.len() + 2 + public_key.len());
    data.extend_from_slice(name.as_bytes());
    data.push(b'\n');
    data.push(key_type);
    data.extend_from_slice(public_key);
    hash_prefix(&sha256(&data))
}

/// The Rekor/ECDSA key hash: the first four bytes, big-endian, of `SHA-256(spki_der)`.
pub fn ecdsa_key_hash(spki_der: &[u8]) -> u32 {
    hash_prefix(&sha256(spki_der))
}

/// Overwrites a buffer that held secret material before it is freed.
fn wipe(mut bytes: Vec<u8>) {
    zeroize::Zeroize::zeroize(&mut bytes);
}

/// The fields of a key string, after the checks common to every key type.
pub(crate) struct KeyParts<'a> {
    /// The key name (validated).
    pub(crate) name: &'a str,
    /// The stated key hash.
    pub(crate) hash: u32,
    /// The type byte.
    pub(crate) key_type: u8,
    /// The key material after the type byte.
    pub(crate) material: Vec<u8>,
}

impl KeyParts<'_> {
    /// Fails unless the stated hash equals `computed`.
    pub(crate) fn check_hash(&self, computed: u32) -> Result<(), NoteError> {
        if self.hash == computed {
            Ok(())
        } else {
            Err(NoteError::KeyHashMismatch {
                name: self.name.to_owned(),
                stated: self.hash,
                computed,
            })
        }
    }

    /// Fails unless the key material has `expected` bytes.
    pub(crate) fn check_len(&self, role: KeyRole, expected: usize) -> Result<(), NoteError> {
        if self.material.len() == expected {
            Ok(())
        } else {
            Err(NoteError::MalformedKey {
                role,
                problem: KeyProblem::WrongKeyLength {
                    expected,
                    actual: self.material.len(),
                },
            })
        }
    }

    /// Fails unless the type byte is `expected`.
    pub(crate) fn check_type(&self, expected: u8) -> Result<(), NoteError> {
        if self.key_type == expected {
            Ok(())
        } else {
            Err(NoteError::WrongKeyType {
                expected,
                found: self.key_type,
            })
        }
    }
}

fn parse_hash_hex(hex: &str) -> Option<u32> {
    if hex.len() != 8 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    u32::from_str_radix(hex, 16).ok()
}

/// Splits `name+hash+base64(type ‖ key)` on its first two `+` and checks the common rules.
pub(crate) fn parse_key_parts(text: &str, role: KeyRole) -> Result<KeyParts<'_>, NoteError> {
    let malformed = |problem| NoteError::MalformedKey { role, problem };
    let mut fields = text.splitn(3, '+');
    let name = fields.next().unwrap_or_default();
    let (Some(hash_hex), Some(key_b64)) = (fields.next(), fields.next()) else {
        return Err(malformed(KeyProblem::MissingField));
    };
    check_name(name)?;
    let hash = parse_hash_hex(hash_hex).ok_or(malformed(KeyProblem::HashNotEightHexDigits))?;
    let key = base64_decode(B64, key_b64).map_err(|_| malformed(KeyProblem::KeyNotBase64))?;
    if key.is_empty() {
        return Err(malformed(KeyProblem::EmptyKey));
    }
    // Copy the material out and wipe the whole decoded buffer: for a signer key it is a seed.
    let (key_type, material) = (key[0], key[1..].to_vec());
    wipe(key);
    Ok(KeyParts {
        name,
        hash,
        key_type,
        material,
    })
}

/// Formats `name+hash+base64(key_type ‖ key)`.
fn format_verifier_key(name: &str, hash: u32, key_type: u8, key: &[u8]) -> String {
    let mut raw = Vec::with_capacity(1 + key.len());
    raw.push(key_type);
    raw.extend_from_slice(key);
    format!("{name}+{hash:08x}+{}", base64_encode(B64, &raw))
}

/// An Ed25519 verifying key under a name, for one key type: the part Ed25519 note verifiers
/// (type `0x01`) and cosignature verifiers (type `0x04`) share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NamedVerifyingKey {
    /// The key name (valid).
    pub(crate) name: String,
    /// The key hash of the name, the type and the public key.
    pub(crate) key_hash: u32,
    /// The key type byte.
    pub(crate) key_type: u8,
    /// The public key.
    pub(crate) public: Ed25519VerifyingKey,
}

impl NamedVerifyingKey {
    /// The key `key` of type `key_type` under `name`.
    pub(crate) fn new(
        name: &str,
        key_type: u8,
        key: Ed25519VerifyingKey,
    ) -> Result<Self, NoteError> {
        check_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            key_hash: key_hash(name, key_type, key.as_bytes()),
            key_type,
            public: key,
        })
    }

    /// The key of a parsed verifier key string `name+hash+base64(key_type ‖ 32-byte key)`,
    /// checking the type, the length and the stated hash.
    pub(crate) fn from_parts(parts: &KeyParts<'_>, key_type: u8) -> Result<Self, NoteError> {
        parts.check_type(key_type)?;
        parts.check_len(KeyRole::Verifier, lumen_crypto::ed25519::PUBLIC_KEY_LEN)?;
        parts.check_hash(key_hash(parts.name, key_type, &parts.material))?;
        let key = Ed25519VerifyingKey::from_bytes(&parts.material)
            .map_err(|source| NoteError::RejectedPublicKey { source })?;
        Self::new(parts.name, key_type, key)
    }

    /// The verifier key string `name+hash+base64(key_type ‖ key)`.
    pub(crate) fn to_vkey(&self) -> String {
        format_verifier_key(
            &self.name,
            self.key_hash,
            self.key_type,
            self.public.as_bytes(),
        )
    }
}

/// An Ed25519 signing key under a name, for one key type: the part Ed25519 note signers (type
/// `0x01`) and cosigners (type `0x04`) share.
#[derive(Debug)]
pub(crate) struct NamedSigningKey {
    /// The name, type, key hash and public key.
    pub(crate) verifying: NamedVerifyingKey,
    /// The signing key.
    pub(crate) secret: Ed25519SigningKey,
}

impl NamedSigningKey {
    /// The key `key` of type `key_type` under `name`.
    pub(crate) fn new(name: &str, key_type: u8, key: Ed25519SigningKey) -> Result<Self, NoteError> {
        Ok(Self {
            verifying: NamedVerifyingKey::new(name, key_type, key.verifying_key())?,
            secret: key,
        })
    }

    /// A new random key of type `key_type` under `name`.
    pub(crate) fn generate(name: &str, key_type: u8) -> Result<Self, NoteError> {
        let key =
            Ed25519SigningKey::generate().map_err(|source| NoteError::KeyGeneration { source })?;
        Self::new(name, key_type, key)
    }

    /// Parses a signer key `PRIVATE+KEY+name+hash+base64(key_type ‖ 32-byte seed)`, checking the
    /// type, the length and the stated hash against the one computed from the derived public key.
    pub(crate) fn from_signer_key(skey: &str, key_type: u8) -> Result<Self, NoteError> {
        let rest = skey
            .strip_prefix(SIGNER_KEY_PREFIX)
            .ok_or(NoteError::MalformedKey {
                role: KeyRole::Signer,
                problem: KeyProblem::MissingPrivateKeyPrefix,
            })?;
        let mut parts = parse_key_parts(rest, KeyRole::Signer)?;
        let key = parts
            .check_type(key_type)
            .and_then(|()| parts.check_len(KeyRole::Signer, lumen_crypto::ed25519::SEED_LEN))
            .map(|()| {
                let mut seed = zeroize::Zeroizing::new([0u8; lumen_crypto::ed25519::SEED_LEN]);
                seed.copy_from_slice(&parts.material);
                Ed25519SigningKey::from_seed(&seed)
            });
        wipe(std::mem::take(&mut parts.material));
        let named = Self::new(parts.name, key_type, key?)?;
        parts.check_hash(named.verifying.key_hash)?;
        Ok(named)
    }

    /// The signer key string `PRIVATE+KEY+name+hash+base64(key_type ‖ seed)` (secret).
    pub(crate) fn to_signer_key(&self) -> SecretString {
        let NamedVerifyingKey {
            name,
            key_hash,
            key_type,
            ..
        } = &self.verifying;
        let seed = self.secret.seed();
        let mut raw = Vec::with_capacity(1 + seed.len());
        raw.push(*key_type);
        raw.extend_from_slice(&seed[..]);
        let b64 = base64_encode(B64, &raw);
        wipe(raw);
        let out = SecretString::from(format!("{SIGNER_KEY_PREFIX}{name}+{key_hash:08x}+{b64}"));
        wipe(b64.into_bytes());
        out
    }

    /// The signer and verifier key strings of this key.
    pub(crate) fn to_generated_key(&self) -> GeneratedKey {
        GeneratedKey {
            signer_key: self.to_signer_key(),
            verifier_key: self.verifying.to_vkey(),
        }
    }
}

/// A key that can check signatures on notes: its name, key hash and the signature check.
pub trait Verifier: fmt::Debug + Send + Sync {
    /// The key name.
    fn name(&self) -> &str;
    /// The 32-bit key hash.
    fn key_hash(&self) -> u32;
    /// True when `signature` (without the 4-byte key hash) is valid for the note text `msg`.
    fn verify(&self, msg: &[u8], signature: &[u8]) -> bool;
}

/// A key that can sign notes: its name, key hash and the signing operation.
pub trait Signer {
    /// The key name.
    fn name(&self) -> &str;
    /// The 32-bit key hash.
    fn key_hash(&self) -> u32;
    /// The signature of the note text `msg` (without the 4-byte key hash).
    fn sign(&self, msg: &[u8]) -> Vec<u8>;
}

/// An Ed25519 note verifier (key type `0x01`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ed25519NoteVerifier {
    key: NamedVerifyingKey,
}

impl Ed25519NoteVerifier {
    /// The verifier for `key` under `name`.
    pub fn new(name: &str, key: Ed25519VerifyingKey) -> Result<Self, NoteError> {
        NamedVerifyingKey::new(name, KEY_TYPE_ED25519, key).map(|key| Self { key })
    }

    /// Parses a verifier key `name+hash+base64(0x01 ‖ 32-byte key)`, checking the stated hash.
    pub fn from_vkey(vkey: &str) -> Result<Self, NoteError> {
        Self::from_parts(&parse_key_parts(vkey, KeyRole::Verifier)?)
    }

    fn from_parts(parts: &KeyParts<'_>) -> Result<Self, NoteError> {
        NamedVerifyingKey::from_parts(parts, KEY_TYPE_ED25519).map(|key| Self { key })
    }

    /// The verifier key string `name+hash+base64(0x01 ‖ key)`.
    pub fn to_vkey(&self) -> String {
        self.key.to_vkey()
    }

    /// The public key.
    pub fn public_key(&self) -> &Ed25519VerifyingKey {
        &self.key.public
    }
}

impl Verifier for Ed25519NoteVerifier {
    fn name(&self) -> &str {
        &self.key.name
    }

    fn key_hash(&self) -> u32 {
        self.key.key_hash
    }

    fn verify(&self, msg: &[u8], signature: &[u8]) -> bool {
        Ed25519Signature::from_bytes(signature)
            .is_ok_and(|signature| self.key.public.verify(msg, &signature).is_ok())
    }
}

/// An Ed25519 note signer (key type `0x01`), as Go's `note.NewSigner`.
#[derive(Debug)]
pub struct Ed25519NoteSigner {
    key: NamedSigningKey,
}

impl Ed25519NoteSigner {
    /// The signer for `key` under `name`.
    pub fn new(name: &str, key: Ed25519SigningKey) -> Result<Self, NoteError> {
        NamedSigningKey::new(name, KEY_TYPE_ED25519, key).map(|key| Self { key })
    }

    /// Parses a signer key `PRIVATE+KEY+name+hash+base64(0x01 ‖ 32-byte seed)`, checking the
    /// stated hash against the derived public key.
    pub fn from_signer_key(skey: &str) -> Result<Self, NoteError> {
        NamedSigningKey::from_signer_key(skey, KEY_TYPE_ED25519).map(|key| Self { key })
    }

    /// The signer key string `PRIVATE+KEY+name+hash+base64(0x01 ‖ seed)` (secret).
    pub fn to_signer_key(&self) -> SecretString {
        self.key.to_signer_key()
    }

    /// The matching verifier.
    pub fn verifier(&self) -> Ed25519NoteVerifier {
        Ed25519NoteVerifier {
            key: self.key.verifying.clone(),
        }
    }
}

impl Signer for Ed25519NoteSigner {
    fn name(&self) -> &str {
        &self.key.verifying.name
    }

    fn key_hash(&self) -> u32 {
        self.key.verifying.key_hash
    }

    fn sign(&self, msg: &[u8]) -> Vec<u8> {
        self.key.secret.sign(msg).to_bytes().to_vec()
    }
}

/// A freshly generated key pair as text: the secret signer key and the public verifier key.
#[derive(Debug)]
pub struct GeneratedKey {
    /// `PRIVATE+KEY+name+hash+base64(type ‖ seed)`; keep it secret.
    pub signer_key: SecretString,
    /// `name+hash+base64(type ‖ public key)`; give it to verifiers.
    pub verifier_key: String,
}

/// Generates an Ed25519 note key named `name` (as Go's `note.GenerateKey`).
pub fn generate_key(name: &str) -> Result<GeneratedKey, NoteError> {
    Ok(NamedSigningKey::generate(name, KEY_TYPE_ED25519)?.to_generated_key())
}

/// An ECDSA P-256 note verifier as used by Sigstore Rekor (key type `0x02`; verification only).
///
/// The format is the one of Rekor (`sigstore/rekor` `pkg/util/signed_note.go`) and of
/// `transparency-dev/formats` (`note.NewECDSAVerifier`, "compatible with the signature scheme
/// used by the Sigstore Rekor log"), which the C2SP spec lists as type `0x02`:
/// - the key hash is the first four bytes, big-endian, of `SHA-256(SPKI DER of the public key)`:
///   the key *name is not hashed*, unlike Ed25519 note keys; it is computed here over the
///   canonical re-encoding of the SPKI;
/// - the verifier key is `name+hash+base64(0x02 ‖ SPKI DER)`;
/// - the signature is an ASN.1 DER `ECDSA-Sig-Value` over the SHA-256 digest of the note text
///   (final newline included, blank line excluded), as Rekor's checkpoints are signed.
///
/// Only P-256 is accepted: the format fixes the SHA-256 digest, so other curves are refused
/// rather than silently hashed differently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcdsaNoteVerifier {
    name: String,
    key_hash: u32,
    key: EcdsaVerifyingKey,
    spki_der: Vec<u8>,
}

impl EcdsaNoteVerifier {
    /// The verifier for the P-256 key in the DER SubjectPublicKeyInfo `der`, under `name`.
    pub fn from_spki_der(name: &str, der: &[u8]) -> Result<Self, NoteError> {
        let key = PublicKey::from_spki_der(der)
            .map_err(|source| NoteError::RejectedPublicKey { source })?;
        Self::from_public_key(name, key)
    }

    /// The verifier for the P-256 key in the PEM `PUBLIC KEY` document `pem`, under `name`.
    pub fn from_spki_pem(name: &str, pem: &str) -> Result<Self, NoteError> {
        let key = PublicKey::from_spki_pem(pem)
            .map_err(|source| NoteError::RejectedPublicKey { source })?;
        Self::from_public_key(name, key)
    }

    /// Parses a verifier key `name+hash+base64(0x02 ‖ SPKI DER)` (transparency-dev/formats).
    pub fn from_vkey(vkey: &str) -> Result<Self, NoteError> {
        Self::from_parts(&parse_key_parts(vkey, KeyRole::Verifier)?)
    }

    fn from_parts(parts: &KeyParts<'_>) -> Result<Self, NoteError> {
        parts.check_type(KEY_TYPE_ECDSA)?;
        let verifier = Self::from_spki_der(parts.name, &parts.material)?;
        parts.check_hash(verifier.key_hash)?;
        Ok(verifier)
    }

    fn from_public_key(name: &str, key: PublicKey) -> Result<Self, NoteError> {
        check_name(name)?;
        let spki_der = key
            .to_spki_der()
            .map_err(|source| NoteError::RejectedPublicKey { source })?;
        match key {
            PublicKey::Ecdsa(key) if key.curve() == EcdsaCurve::P256 => Ok(Self {
                name: name.to_owned(),
                key_hash: ecdsa_key_hash(&spki_der),
                key,
                spki_der,
            }),
            other => Err(NoteError::UnsupportedPublicKey {
                expected: EcdsaCurve::P256.name(),
                found: other.algorithm(),
            }),
        }
    }

    /// The verifier key string `name+hash+base64(0x02 ‖ SPKI DER)`.
    pub fn to_vkey(&self) -> String {
        format_verifier_key(&self.name, self.key_hash, KEY_TYPE_ECDSA, &self.spki_der)
    }

    /// The canonical DER SubjectPublicKeyInfo the key hash is computed over.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }
}

impl Verifier for EcdsaNoteVerifier {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_hash(&self) -> u32 {
        self.key_hash
    }

    fn verify(&self, msg: &[u8], signature: &[u8]) -> bool {
        self.key.verify_der(msg, signature).is_ok()
    }
}

/// Parses a verifier key of any supported type: Ed25519 (`0x01`), ECDSA (`0x02`) or
/// Ed25519 cosignature v1 (`0x04`).
pub fn parse_verifier_key(vkey: &str) -> Result<Box<dyn Verifier>, NoteError> {
    let parts = parse_key_parts(vkey, KeyRole::Verifier)?;
    Ok(match parts.key_type {
        KEY_TYPE_ED25519 => Box::new(Ed25519NoteVerifier::from_parts(&parts)?),
        KEY_TYPE_ECDSA => Box::new(EcdsaNoteVerifier::from_parts(&parts)?),
        KEY_TYPE_COSIGNATURE_V1 => {
            Box::new(crate::cosignature::CosignatureVerifier::from_parts(&parts)?)
        }
        key_type => return Err(NoteError::UnknownKeyType { key_type }),
    })
}

/// A set of known verifiers, looked up by (key name, key hash).
#[derive(Debug, Default)]
pub struct Verifiers {
    by_key: HashMap<(String, u32), Box<dyn Verifier>>,
}

impl Verifiers {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// A set of the verifiers parsed from `vkeys` (see [`parse_verifier_key`]).
    pub fn from_vkeys<'a>(vkeys: impl IntoIterator<Item = &'a str>) -> Result<Self, NoteError> {
        let mut set = Self::new();
        for vkey in vkeys {
            set.add_boxed(parse_verifier_key(vkey)?)?;
        }
        Ok(set)
    }

    /// Adds a verifier; a second one with the same name and key hash is refused.
    pub fn add(&mut self, verifier: impl Verifier + 'static) -> Result<(), NoteError> {
        self.add_boxed(Box::new(verifier))
    }

    /// Adds a boxed verifier; a second one with the same name and key hash is refused.
    pub fn add_boxed(&mut self, verifier: Box<dyn Verifier>) -> Result<(), NoteError> {
        let key = (verifier.name().to_owned(), verifier.key_hash());
        if self.by_key.contains_key(&key) {
            return Err(NoteError::DuplicateVerifier {
                name: key.0,
                key_hash: key.1,
            });
        }
        self.by_key.insert(key, verifier);
        Ok(())
    }

    /// The verifier for the key `name` with hash `key_hash`, if known.
    pub fn get(&self, name: &str, key_hash: u32) -> Option<&dyn Verifier> {
        self.by_key
            .get(&(name.to_owned(), key_hash))
            .map(|v| v.as_ref())
    }

    /// The number of verifiers.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    /// True when the set is empty.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lumen_crypto::ExposeSecret as _;

    const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const PETER_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";

    #[test]
    fn key_names() {
        for good in [
            "a",
            "example.com/log",
            "PeterNeumann",
            "ünïcödé",
            "a-b_c.d/e:f",
        ] {
            assert!(is_valid_key_name(good), "{good:?}");
        }
        for bad in [
            "",
            "a b",
            "a+b",
            "a\tb",
            "a\nb",
            "a\u{a0}b",
            "a\u{2003}b",
            "a\u{3000}b",
            "a\u{1}b",
            "a\u{85}b",
        ] {
            assert!(!is_valid_key_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn key_hash_of_the_go_example_key() {
        let v = Ed25519NoteVerifier::from_vkey(PETER_VKEY).unwrap();
        assert_eq!(v.key_hash(), 0xc74f20a3);
        assert_eq!(
            key_hash("PeterNeumann", KEY_TYPE_ED25519, v.public_key().as_bytes()),
            0xc74f20a3
        );
        assert_eq!(v.to_vkey(), PETER_VKEY);
    }

    #[test]
    fn signer_key_round_trips_and_matches_the_verifier() {
        let s = Ed25519NoteSigner::from_signer_key(PETER_SKEY).unwrap();
        assert_eq!(s.to_signer_key().expose_secret(), PETER_SKEY);
        assert_eq!(s.verifier().to_vkey(), PETER_VKEY);
        assert!(!format!("{s:?}").contains("AYEKFALV"));
    }

    #[test]
    fn hash_hex_must_be_eight_lowercase_digits() {
        assert_eq!(parse_hash_hex("c74f20a3"), Some(0xc74f20a3));
        for bad in [
            "C74F20A3",
            "c74f20a",
            "c74f20a30",
            "+c74f20a",
            "0xc74f20",
            "c74f20g3",
        ] {
            assert_eq!(parse_hash_hex(bad), None, "{bad}");
        }
    }

    #[test]
    fn generated_keys_work_together() {
        let generated = generate_key("EnochRoot").unwrap();
        let signer =
            Ed25519NoteSigner::from_signer_key(generated.signer_key.expose_secret()).unwrap();
        let verifier = Ed25519NoteVerifier::from_vkey(&generated.verifier_key).unwrap();
        assert_eq!(signer.verifier(), verifier);
        let sig = signer.sign(b"hi");
        assert!(verifier.verify(b"hi", &sig));
        assert!(!verifier.verify(b"hj", &sig));
        assert!(!verifier.verify(b"hi", &sig[..63]));
        assert!(matches!(
            generate_key("bad name"),
            Err(NoteError::InvalidKeyName { .. })
        ));
    }
}
