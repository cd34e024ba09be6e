//! C2SP signed notes (<https://c2sp.org/signed-note>): a UTF-8 text signed by one or more keys,
//! the envelope of checkpoints and cosignatures, compatible with Go's `golang.org/x/mod/sumdb/note`.
//!
//! # Byte format
//!
//! A signed note is the text (which ends with a newline), one blank line, then one or more
//! signature lines. Each signature line is an em dash (U+2014, bytes `e2 80 94`), a space, the
//! key name, a space, the standard padded Base64 of `key hash (4 bytes, big-endian) ‖ signature`,
//! and a newline:
//!
//! ```text
//! If you think cryptography is the answer to your problem,⏎
//! then you don't know what your problem is.⏎
//! ⏎
//! — PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=⏎
//! ```
//!
//! Here the Base64 decodes to `c7 4f 20 a3` (the key hash of `PeterNeumann`'s key) followed by
//! the 64-byte Ed25519 signature of the two text lines, final newline included. The text is
//! separated from the signatures by the *last* blank line, so the text may itself contain blank
//! lines.
//!
//! Rules enforced by [`Note::parse`] (each violation has its own [`NoteError`] variant):
//! - the whole note is at most [`MAX_NOTE_SIZE`] bytes (1 MiB, a cap chosen here: Go's
//!   `note.Open` has none, its `sumdb/tlog.ParseTree` refuses tree texts over 10^6 bytes), is
//!   valid UTF-8 and contains no ASCII control character other than newline;
//! - the text ends with a newline and is followed by a blank line and at least one signature line;
//! - there are at most [`MAX_SIGNATURES`] signature lines (Go's limit; the spec requires at least
//!   16);
//! - a key name is non-empty and contains no Unicode white space, no `+` and no control character;
//! - the signature decodes (strict standard Base64) to at least 5 bytes.
//!
//! # Keys
//!
//! A key is identified by its name and a 32-bit *key hash*. For Ed25519 note keys (type `0x01`)
//! the hash is the first four bytes, big-endian, of `SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)`.
//! Keys are exchanged as text:
//!
//! - verifier key (vkey): `<name>+<8 lowercase hex digits of the hash>+<base64(type ‖ key)>`,
//!   e.g. `PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW`;
//! - signer key (Go's format, secret): `PRIVATE+KEY+<name>+<hash>+<base64(type ‖ 32-byte seed)>`.
//!
//! The name cannot contain `+`, so a key string splits on its first two (vkey) or four (signer
//! key) `+`; the Base64 part may contain `+` itself. The stated hash must match the one computed
//! from the name and key ([`NoteError::KeyHashMismatch`] otherwise). This is stricter than Go
//! in two places, both as the spec defines the encodings: the hash must be lowercase hex (Go's
//! `strconv.ParseUint` also takes uppercase), and Base64 must be canonical (Go's decoder also
//! takes non-zero padding bits, e.g. the `…KEY==` key of Go's `TestNewVerifier`).
//!
//! ## ECDSA (Sigstore Rekor) signatures, verification only
//!
//! Rekor signs its checkpoints with an ECDSA P-256 key. What was found in the sources:
//! - `sigstore/rekor` `pkg/util/signed_note.go`, `getPublicKeyHash`: the key hash is the first
//!   four bytes (big-endian) of `SHA-256(x509.MarshalPKIXPublicKey(key))`, the SPKI DER of the
//!   public key — the key *name is not hashed*, unlike Ed25519 note keys. `SignedNote.Sign` signs
//!   the note text (final newline included, blank line excluded) with the sigstore signer, which
//!   for ECDSA produces an ASN.1 DER `ECDSA-Sig-Value` over the SHA-256 digest of the text
//!   (its `Verify` passes `sha256(text)` as the digest; real Rekor checkpoints verify this way in
//!   this crate's tests).
//! - `transparency-dev/formats` `note/note_verifier.go`, `NewECDSAVerifier` ("compatible with the
//!   signature scheme used by the Sigstore Rekor log"): vkey type `0x02`, key material = SPKI DER,
//!   hash = first four bytes of SHA-256 of that DER, verification `ecdsa.VerifyASN1` over the
//!   SHA-256 of the text. The C2SP spec lists type `0x02` with the same key-hash rule.
//!
//! [`EcdsaNoteVerifier`] implements exactly that, for P-256 only (the SHA-256 digest is fixed by
//! the format, so other curves are refused rather than silently hashed differently). Its key
//! hash is computed over the canonical re-encoding of the SPKI.
//!
//! # Verification
//!
//! [`Note::verify`] (or [`open`]) checks each signature whose (name, key hash) is in the
//! [`Verifiers`] set; signatures from unknown keys are kept aside, not errors. Every signature
//! from a known key must verify ([`NoteError::InvalidSignature`] otherwise, as the spec
//! recommends), and at least one must ([`NoteError::NoVerifiedSignature`]). The result is a
//! [`VerifiedNote`], which only verification can build. A key that signs several times is listed
//! once among the verified signatures; repeated identical unknown signatures are listed once.
//! (Go skips repeated signatures of a known key without checking them; here each distinct one is
//! checked, as the spec's "MUST verify" requires.)
//!
//! ```
//! use lumen_tlog::note::{self, Ed25519NoteSigner, Ed25519NoteVerifier, Note, Verifiers};
//!
//! let signer = Ed25519NoteSigner::from_signer_key(
//!     "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
//! )?;
//! let text = "If you think cryptography is the answer to your problem,\n\
//!             then you don't know what your problem is.\n";
//! let mut unsigned = Note::new(text)?;
//! unsigned.sign(&signer)?;
//! let signed = unsigned.encode()?;
//! assert_eq!(
//!     signed,
//!     format!("{text}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")
//! );
//!
//! let mut verifiers = Verifiers::new();
//! verifiers.add(Ed25519NoteVerifier::from_vkey(
//!     "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
//! )?)?;
//! let verified = note::open(signed.as_bytes(), &verifiers)?;
//! assert_eq!(verified.text(), text);
//! assert_eq!(verified.verified_signatures()[0].key_hash(), 0xc74f20a3);
//! # Ok::<(), lumen_tlog::note::NoteError>(())
//! ```

use lumen_crypto::CryptoError;
use lumen_crypto::SecretString;
use lumen_crypto::ecdsa::{EcdsaCurve, EcdsaVerifyingKey};
use lumen_crypto::ed25519::{Ed25519Signature, Ed25519SigningKey, Ed25519VerifyingKey};
use lumen_crypto::encoding::{Base64Variant, base64_decode, base64_encode};
use lumen_crypto::hash::sha256;
use lumen_crypto::public_key::PublicKey;
use std::collections::HashMap;
use std::fmt;

/// The largest signed note accepted or produced, in bytes (1 MiB).
pub const MAX_NOTE_SIZE: usize = 1 << 20;
/// The most signature lines a note may carry (as in Go's `note.Open`).
pub const MAX_SIGNATURES: usize = 100;
/// Signature type byte of Ed25519 note signatures.
pub const KEY_TYPE_ED25519: u8 = 0x01;
/// Signature type byte of ECDSA note signatures (transparency-dev/witness, Sigstore Rekor).
pub const KEY_TYPE_ECDSA: u8 = 0x02;
/// Signature type byte of timestamped Ed25519 checkpoint cosignatures (c2sp.org/tlog-cosignature).
pub const KEY_TYPE_COSIGNATURE_V1: u8 = 0x04;

/// The prefix of every signature line: em dash (U+2014) and a space.
const SIGNATURE_PREFIX: &str = "\u{2014} ";
/// The prefix of a signer key string.
const SIGNER_KEY_PREFIX: &str = "PRIVATE+KEY+";
const B64: Base64Variant = Base64Variant::Standard;

/// Everything that can be wrong with a signed note, a key, a checkpoint, a cosignature or a
/// witness policy.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NoteError {
    /// The note (or the note being built) exceeds [`MAX_NOTE_SIZE`].
    #[error("note is {size} bytes; at most {max} are accepted")]
    NoteTooLarge {
        /// The size found.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The note is not valid UTF-8.
    #[error("note is not valid UTF-8 (invalid byte at offset {offset})")]
    InvalidUtf8 {
        /// Offset of the first byte that is not part of valid UTF-8.
        offset: usize,
    },
    /// The note contains an ASCII control character other than newline.
    #[error(
        "note contains the control character {byte:#04x} at offset {offset}; only newline is allowed"
    )]
    ControlCharacter {
        /// Offset of the character.
        offset: usize,
        /// The character.
        byte: u8,
    },
    /// The note text does not end with a newline.
    #[error("note text does not end with a newline")]
    MissingFinalNewline,
    /// There is no blank line separating the text from the signature lines.
    #[error("note has no blank line separating the text from the signatures")]
    MissingSignatureSeparator,
    /// The note has no signature lines.
    #[error("note has no signature lines")]
    NoSignatures,
    /// The last signature line does not end with a newline.
    #[error("the last signature line does not end with a newline")]
    UnterminatedSignatureLine,
    /// The note has more than [`MAX_SIGNATURES`] signature lines.
    #[error("note has {count} signature lines; at most {max} are accepted")]
    TooManySignatures {
        /// The number of signature lines found (or that adding one would give).
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A signature line is not `— <name> <base64>`.
    #[error("signature line {line} is malformed: {problem}")]
    MalformedSignatureLine {
        /// The 1-based index of the line among the signature lines.
        line: usize,
        /// What is wrong with it.
        problem: SignatureLineProblem,
    },
    /// A signature to be added to a note has no signature bytes.
    #[error("the signature by {name} is empty")]
    EmptySignature {
        /// The key name.
        name: String,
    },
    /// A key name is empty or contains white space, `+` or a control character.
    #[error(
        "key name {name:?} is invalid: it must be non-empty, without spaces, '+' or control characters"
    )]
    InvalidKeyName {
        /// The name.
        name: String,
    },
    /// A verifier or signer key string is malformed.
    #[error("malformed {role} key: {problem}")]
    MalformedKey {
        /// Which kind of key string.
        role: KeyRole,
        /// What is wrong with it.
        problem: KeyProblem,
    },
    /// A key string's type byte is not one this crate knows.
    #[error("unknown key type {key_type:#04x}")]
    UnknownKeyType {
        /// The type byte.
        key_type: u8,
    },
    /// A key string has a known type, but not the one this constructor takes.
    #[error("key type {found:#04x} given where type {expected:#04x} is required")]
    WrongKeyType {
        /// The type required.
        expected: u8,
        /// The type found.
        found: u8,
    },
    /// A public key is of an algorithm this signature type cannot use.
    #[error("a {expected} key is required, got {found}")]
    UnsupportedPublicKey {
        /// The algorithm required.
        expected: &'static str,
        /// The algorithm found.
        found: &'static str,
    },
    /// The key material does not decode to an acceptable public key.
    #[error("public key refused")]
    RejectedPublicKey {
        /// Why the crypto layer refused it.
        #[source]
        source: CryptoError,
    },
    /// The key hash stated in a key string is not the one computed from its name and key.
    #[error("key hash of {name} is stated as {stated:08x}, but the key gives {computed:08x}")]
    KeyHashMismatch {
        /// The key name.
        name: String,
        /// The hash in the key string.
        stated: u32,
        /// The hash computed from the key.
        computed: u32,
    },
    /// Two verifiers with the same name and key hash were added to one set.
    #[error("two verifiers for the key {name}+{key_hash:08x}")]
    DuplicateVerifier {
        /// The key name.
        name: String,
        /// The key hash.
        key_hash: u32,
    },
    /// A signature by a known key did not verify.
    #[error("invalid signature by the known key {name}+{key_hash:08x}")]
    InvalidSignature {
        /// The key name.
        name: String,
        /// The key hash.
        key_hash: u32,
    },
    /// No signature on the note is from a known key.
    #[error("the note has no signature from a known key ({} from unknown keys)", .unknown_keys.len())]
    NoVerifiedSignature {
        /// The (name, key hash) of the unknown keys that signed it.
        unknown_keys: Vec<(String, u32)>,
    },
    /// Key generation failed (the operating system's random number generator).
    #[error("key generation failed")]
    KeyGeneration {
        /// The underlying failure.
        #[source]
        source: CryptoError,
    },
    /// The note text is not a valid checkpoint body.
    #[error("malformed checkpoint: {problem}")]
    MalformedCheckpoint {
        /// What is wrong with it.
        problem: CheckpointProblem,
    },
    /// The checkpoint is from another log than the one expected.
    #[error("checkpoint origin is {found:?}, expected {expected:?}")]
    OriginMismatch {
        /// The origin expected.
        expected: String,
        /// The origin found.
        found: String,
    },
    /// A cosignature does not have the v1 length (8-byte timestamp + 64-byte signature).
    #[error("cosignature by {name}+{key_hash:08x} is {len} bytes; a v1 cosignature has 72")]
    MalformedCosignature {
        /// The cosigner name.
        name: String,
        /// The cosigner key hash.
        key_hash: u32,
        /// The length found.
        len: usize,
    },
    /// A cosignature timestamp exceeds 2^63 - 1.
    #[error("cosignature timestamp {timestamp} exceeds 2^63 - 1")]
    CosignatureTimestampOutOfRange {
        /// The timestamp.
        timestamp: u64,
    },
    /// A witness policy's threshold is zero or larger than its number of witnesses.
    #[error(
        "a policy of {threshold} of {witnesses} witnesses is invalid: need 1 <= threshold <= witnesses"
    )]
    InvalidWitnessThreshold {
        /// The threshold.
        threshold: usize,
        /// The number of witnesses.
        witnesses: usize,
    },
    /// A witness appears twice in a policy (same name and hash, or same public key).
    #[error(
        "witness {name}+{key_hash:08x} appears twice in the policy (same key name and hash, or same public key)"
    )]
    DuplicateWitness {
        /// The name of the second occurrence.
        name: String,
        /// Its key hash.
        key_hash: u32,
    },
    /// Fewer distinct witnesses than the policy requires cosigned the checkpoint.
    #[error("witness policy not met: {valid} distinct witnesses cosigned, {required} required")]
    WitnessPolicyNotMet {
        /// The policy's threshold.
        required: usize,
        /// The number of distinct policy witnesses with a valid cosignature.
        valid: usize,
    },
}

/// What is wrong with one signature line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureLineProblem {
    /// The line does not start with an em dash and a space.
    #[error("it does not start with \"\u{2014} \"")]
    MissingEmDashPrefix,
    /// There is no space between the key name and the signature.
    #[error("no space separates the key name from the signature")]
    MissingSignature,
    /// The key name is empty or contains a space, `+` or a control character.
    #[error("invalid key name {name:?}")]
    InvalidName {
        /// The name.
        name: String,
    },
    /// The signature is not strict standard padded Base64.
    #[error("the signature is not standard padded base64")]
    SignatureNotBase64,
    /// The decoded signature has fewer than 5 bytes (4-byte key hash and at least one byte).
    #[error("the signature decodes to {len} bytes; at least 5 are required")]
    SignatureTooShort {
        /// The decoded length.
        len: usize,
    },
}

/// Which kind of key string was being parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRole {
    /// A verifier key `name+hash+base64`.
    Verifier,
    /// A signer key `PRIVATE+KEY+name+hash+base64`.
    Signer,
}

impl fmt::Display for KeyRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyRole::Verifier => "verifier",
            KeyRole::Signer => "signer",
        })
    }
}

/// What is wrong with a key string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyProblem {
    /// A signer key does not start with `PRIVATE+KEY+`.
    #[error("it does not start with PRIVATE+KEY+")]
    MissingPrivateKeyPrefix,
    /// The string does not have the three `+`-separated fields name, hash and key.
    #[error("it does not have the fields name+hash+key")]
    MissingField,
    /// The hash field is not exactly 8 lowercase hex digits.
    #[error("the key hash is not 8 lowercase hex digits")]
    HashNotEightHexDigits,
    /// The key field is not strict standard padded Base64.
    #[error("the key is not standard padded base64")]
    KeyNotBase64,
    /// The key field decodes to nothing (not even a type byte).
    #[error("the key is empty")]
    EmptyKey,
    /// The key material after the type byte has the wrong length.
    #[error("the key material is {actual} bytes, expected {expected}")]
    WrongKeyLength {
        /// The required length.
        expected: usize,
        /// The length found.
        actual: usize,
    },
}

/// What is wrong with a checkpoint body (see [`crate::checkpoint`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointProblem {
    /// Fewer than three lines (origin, size, root hash).
    #[error("{lines} lines; at least 3 (origin, tree size, root hash) are required")]
    TooFewLines {
        /// The number of lines found.
        lines: usize,
    },
    /// The origin line is empty.
    #[error("the origin line is empty")]
    EmptyOrigin,
    /// The tree size is not a decimal number (empty, or a non-digit such as a sign or space).
    #[error("the tree size is not a decimal number")]
    SizeNotDecimal,
    /// The tree size has a leading zero.
    #[error("the tree size has a leading zero")]
    SizeLeadingZero,
    /// The tree size does not fit in 64 bits.
    #[error("the tree size does not fit in 64 bits")]
    SizeOverflow,
    /// The root hash is not strict standard padded Base64.
    #[error("the root hash is not standard padded base64")]
    RootHashNotBase64,
    /// The root hash does not decode to 32 bytes.
    #[error("the root hash is {len} bytes, expected 32")]
    RootHashWrongLength {
        /// The decoded length.
        len: usize,
    },
    /// An extension line is empty.
    #[error("extension line {line} is empty")]
    EmptyExtensionLine {
        /// The 1-based line number in the body.
        line: usize,
    },
    /// A field given to the constructor contains a newline.
    #[error("line {line} contains a newline")]
    LineContainsNewline {
        /// The 1-based line number the field would have in the body.
        line: usize,
    },
}

/// Checks the note text rules shared by whole notes, texts and checkpoint bodies: valid UTF-8 and
/// no ASCII control character other than newline.
pub(crate) fn check_utf8_no_controls(bytes: &[u8]) -> Result<&str, NoteError> {
    let text = std::str::from_utf8(bytes).map_err(|e| NoteError::InvalidUtf8 {
        offset: e.valid_up_to(),
    })?;
    // In UTF-8 the bytes below 0x20 only ever encode the ASCII characters themselves.
    if let Some(offset) = bytes.iter().position(|&b| b < 0x20 && b != b'\n') {
        return Err(NoteError::ControlCharacter {
            offset,
            byte: bytes[offset],
        });
    }
    Ok(text)
}

/// Checks a note text: size, UTF-8, control characters and the final newline.
pub(crate) fn check_text(text: &str) -> Result<(), NoteError> {
    if text.len() > MAX_NOTE_SIZE {
        return Err(NoteError::NoteTooLarge {
            size: text.len(),
            max: MAX_NOTE_SIZE,
        });
    }
    check_utf8_no_controls(text.as_bytes())?;
    if !text.ends_with('\n') {
        return Err(NoteError::MissingFinalNewline);
    }
    Ok(())
}

/// True when `name` is a valid key name: non-empty, no Unicode white space, no `+`, and no
/// control character.
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty()
        && !name
            .chars()
            .any(|c| c == '+' || c.is_whitespace() || c.is_control())
}

fn check_name(name: &str) -> Result<(), NoteError> {
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
pub(crate) fn wipe(mut bytes: Vec<u8>) {
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

/// Parses a signer key `PRIVATE+KEY+name+hash+base64(key_type ‖ 32-byte seed)` of the given type
/// and checks its stated hash against the one computed from the derived public key.
pub(crate) fn parse_checked_ed25519_signer_key(
    skey: &str,
    key_type: u8,
) -> Result<(String, u32, Ed25519SigningKey), NoteError> {
    let (name, stated, key) = parse_ed25519_signer_key(skey, key_type)?;
    let computed = key_hash(&name, key_type, key.verifying_key().as_bytes());
    if computed != stated {
        return Err(NoteError::KeyHashMismatch {
            name,
            stated,
            computed,
        });
    }
    Ok((name, computed, key))
}

/// Parses a signer key `PRIVATE+KEY+name+hash+base64(key_type ‖ 32-byte seed)` of the given type.
///
/// The stated hash is not checked here: [`parse_checked_ed25519_signer_key`] does that.
fn parse_ed25519_signer_key(
    skey: &str,
    key_type: u8,
) -> Result<(String, u32, Ed25519SigningKey), NoteError> {
    let rest = skey
        .strip_prefix(SIGNER_KEY_PREFIX)
        .ok_or(NoteError::MalformedKey {
            role: KeyRole::Signer,
            problem: KeyProblem::MissingPrivateKeyPrefix,
        })?;
    let parts = parse_key_parts(rest, KeyRole::Signer)?;
    let checked = parts
        .check_type(key_type)
        .and_then(|()| parts.check_len(KeyRole::Signer, lumen_crypto::ed25519::SEED_LEN));
    let result = checked.map(|()| {
        let mut seed = zeroize::Zeroizing::new([0u8; lumen_crypto::ed25519::SEED_LEN]);
        seed.copy_from_slice(&parts.material);
        let key = Ed25519SigningKey::from_seed(&seed);
        (parts.name.to_owned(), parts.hash, key)
    });
    wipe(parts.material);
    result
}

/// Formats `PRIVATE+KEY+name+hash+base64(key_type ‖ seed)`.
pub(crate) fn format_signer_key(
    name: &str,
    hash: u32,
    key_type: u8,
    key: &Ed25519SigningKey,
) -> SecretString {
    let seed = key.seed();
    let mut raw = Vec::with_capacity(1 + seed.len());
    raw.push(key_type);
    raw.extend_from_slice(&seed[..]);
    let b64 = base64_encode(B64, &raw);
    wipe(raw);
    let out = SecretString::from(format!("{SIGNER_KEY_PREFIX}{name}+{hash:08x}+{b64}"));
    wipe(b64.into_bytes());
    out
}

/// Formats `name+hash+base64(key_type ‖ key)`.
pub(crate) fn format_verifier_key(name: &str, hash: u32, key_type: u8, key: &[u8]) -> String {
    let mut raw = Vec::with_capacity(1 + key.len());
    raw.push(key_type);
    raw.extend_from_slice(key);
    format!("{name}+{hash:08x}+{}", base64_encode(B64, &raw))
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
    name: String,
    key_hash: u32,
    key: Ed25519VerifyingKey,
}

impl Ed25519NoteVerifier {
    /// The verifier for `key` under `name`.
    pub fn new(name: &str, key: Ed25519VerifyingKey) -> Result<Self, NoteError> {
        check_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            key_hash: key_hash(name, KEY_TYPE_ED25519, key.as_bytes()),
            key,
        })
    }

    /// Parses a verifier key `name+hash+base64(0x01 ‖ 32-byte key)`, checking the stated hash.
    pub fn from_vkey(vkey: &str) -> Result<Self, NoteError> {
        Self::from_parts(&parse_key_parts(vkey, KeyRole::Verifier)?)
    }

    fn from_parts(parts: &KeyParts<'_>) -> Result<Self, NoteError> {
        parts.check_type(KEY_TYPE_ED25519)?;
        parts.check_len(KeyRole::Verifier, lumen_crypto::ed25519::PUBLIC_KEY_LEN)?;
        parts.check_hash(key_hash(parts.name, KEY_TYPE_ED25519, &parts.material))?;
        let key = Ed25519VerifyingKey::from_bytes(&parts.material)
            .map_err(|source| NoteError::RejectedPublicKey { source })?;
        Self::new(parts.name, key)
    }

    /// The verifier key string `name+hash+base64(0x01 ‖ key)`.
    pub fn to_vkey(&self) -> String {
        format_verifier_key(
            &self.name,
            self.key_hash,
            KEY_TYPE_ED25519,
            self.key.as_bytes(),
        )
    }

    /// The public key.
    pub fn public_key(&self) -> &Ed25519VerifyingKey {
        &self.key
    }
}

impl Verifier for Ed25519NoteVerifier {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_hash(&self) -> u32 {
        self.key_hash
    }

    fn verify(&self, msg: &[u8], signature: &[u8]) -> bool {
        Ed25519Signature::from_bytes(signature)
            .is_ok_and(|signature| self.key.verify(msg, &signature).is_ok())
    }
}

/// An Ed25519 note signer (key type `0x01`), as Go's `note.NewSigner`.
#[derive(Debug)]
pub struct Ed25519NoteSigner {
    name: String,
    key_hash: u32,
    key: Ed25519SigningKey,
}

impl Ed25519NoteSigner {
    /// The signer for `key` under `name`.
    pub fn new(name: &str, key: Ed25519SigningKey) -> Result<Self, NoteError> {
        check_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            key_hash: key_hash(name, KEY_TYPE_ED25519, key.verifying_key().as_bytes()),
            key,
        })
    }

    /// Parses a signer key `PRIVATE+KEY+name+hash+base64(0x01 ‖ 32-byte seed)`, checking the
    /// stated hash against the derived public key.
    pub fn from_signer_key(skey: &str) -> Result<Self, NoteError> {
        let (name, _, key) = parse_checked_ed25519_signer_key(skey, KEY_TYPE_ED25519)?;
        Self::new(&name, key)
    }

    /// The signer key string `PRIVATE+KEY+name+hash+base64(0x01 ‖ seed)` (secret).
    pub fn to_signer_key(&self) -> SecretString {
        format_signer_key(&self.name, self.key_hash, KEY_TYPE_ED25519, &self.key)
    }

    /// The matching verifier.
    pub fn verifier(&self) -> Ed25519NoteVerifier {
        Ed25519NoteVerifier {
            name: self.name.clone(),
            key_hash: self.key_hash,
            key: self.key.verifying_key(),
        }
    }
}

impl Signer for Ed25519NoteSigner {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_hash(&self) -> u32 {
        self.key_hash
    }

    fn sign(&self, msg: &[u8]) -> Vec<u8> {
        self.key.sign(msg).to_bytes().to_vec()
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
    let key =
        Ed25519SigningKey::generate().map_err(|source| NoteError::KeyGeneration { source })?;
    let signer = Ed25519NoteSigner::new(name, key)?;
    Ok(GeneratedKey {
        signer_key: signer.to_signer_key(),
        verifier_key: signer.verifier().to_vkey(),
    })
}

/// An ECDSA P-256 note verifier as used by Sigstore Rekor (key type `0x02`; verification only).
///
/// The key hash is `SHA-256(SPKI DER)[:4]` and the signature an ASN.1 DER ECDSA signature over
/// the SHA-256 of the note text (see the module docs for the sources).
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

/// One signature of a note: key name, key hash and signature bytes (after the hash).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NoteSignature {
    name: String,
    key_hash: u32,
    signature: Vec<u8>,
}

impl NoteSignature {
    /// A signature by the key `name`/`key_hash`; the name must be valid and the signature non-empty.
    pub fn new(name: &str, key_hash: u32, signature: Vec<u8>) -> Result<Self, NoteError> {
        check_name(name)?;
        if signature.is_empty() {
            return Err(NoteError::EmptySignature {
                name: name.to_owned(),
            });
        }
        Ok(Self {
            name: name.to_owned(),
            key_hash,
            signature,
        })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key hash.
    pub fn key_hash(&self) -> u32 {
        self.key_hash
    }

    /// The signature bytes, without the key hash.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The signature line `— <name> <base64(key hash ‖ signature)>` with its newline.
    pub fn to_line(&self) -> String {
        let mut raw = Vec::with_capacity(4 + self.signature.len());
        raw.extend_from_slice(&self.key_hash.to_be_bytes());
        raw.extend_from_slice(&self.signature);
        format!(
            "{SIGNATURE_PREFIX}{} {}\n",
            self.name,
            base64_encode(B64, &raw)
        )
    }

    /// Parses one signature line (without its newline); `index` is its 1-based position.
    fn parse_line(line: &str, index: usize) -> Result<Self, NoteError> {
        let bad = |problem| NoteError::MalformedSignatureLine {
            line: index,
            problem,
        };
        let rest = line
            .strip_prefix(SIGNATURE_PREFIX)
            .ok_or(bad(SignatureLineProblem::MissingEmDashPrefix))?;
        let (name, b64) = rest
            .split_once(' ')
            .ok_or(bad(SignatureLineProblem::MissingSignature))?;
        if !is_valid_key_name(name) {
            return Err(bad(SignatureLineProblem::InvalidName {
                name: name.to_owned(),
            }));
        }
        let mut raw =
            base64_decode(B64, b64).map_err(|_| bad(SignatureLineProblem::SignatureNotBase64))?;
        if raw.len() < 5 {
            return Err(bad(SignatureLineProblem::SignatureTooShort {
                len: raw.len(),
            }));
        }
        let signature = raw.split_off(4);
        Ok(Self {
            name: name.to_owned(),
            key_hash: u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]),
            signature,
        })
    }
}

/// A note whose signatures have not been checked: its text and signature lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    text: String,
    signatures: Vec<NoteSignature>,
}

impl Note {
    /// An unsigned note with `text`, which must end with a newline and follow the text rules.
    pub fn new(text: impl Into<String>) -> Result<Self, NoteError> {
        let text = text.into();
        check_text(&text)?;
        Ok(Self {
            text,
            signatures: Vec::new(),
        })
    }

    /// Parses a signed note (see the module docs for the rules); signatures are not checked.
    pub fn parse(msg: &[u8]) -> Result<Self, NoteError> {
        if msg.len() > MAX_NOTE_SIZE {
            return Err(NoteError::NoteTooLarge {
                size: msg.len(),
                max: MAX_NOTE_SIZE,
            });
        }
        let msg = check_utf8_no_controls(msg)?;
        let split = msg
            .rfind("\n\n")
            .ok_or(NoteError::MissingSignatureSeparator)?;
        let (text, block) = (&msg[..split + 1], &msg[split + 2..]);
        if block.is_empty() {
            return Err(NoteError::NoSignatures);
        }
        let Some(block) = block.strip_suffix('\n') else {
            return Err(NoteError::UnterminatedSignatureLine);
        };
        // The block holds no empty line (the split is at the last blank line), so every line
        // is a signature line.
        let count = block.split('\n').count();
        if count > MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures {
                count,
                max: MAX_SIGNATURES,
            });
        }
        let signatures = block
            .split('\n')
            .enumerate()
            .map(|(i, line)| NoteSignature::parse_line(line, i + 1))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            text: text.to_owned(),
            signatures,
        })
    }

    /// The note text, final newline included.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The signatures, in order.
    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// Adds `signature` after the existing ones, replacing an existing signature by the same key
    /// (name and hash), as Go's `note.Sign` does.
    pub fn add_signature(&mut self, signature: NoteSignature) -> Result<(), NoteError> {
        self.signatures
            .retain(|s| !(s.name == signature.name && s.key_hash == signature.key_hash));
        if self.signatures.len() >= MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures {
                count: self.signatures.len() + 1,
                max: MAX_SIGNATURES,
            });
        }
        self.signatures.push(signature);
        Ok(())
    }

    /// Signs the text with `signer` and adds the signature (see [`Note::add_signature`]).
    pub fn sign(&mut self, signer: &dyn Signer) -> Result<(), NoteError> {
        let signature = signer.sign(self.text.as_bytes());
        self.add_signature(NoteSignature::new(
            signer.name(),
            signer.key_hash(),
            signature,
        )?)
    }

    /// The signed note: text, blank line, signature lines. Fails without signatures or when the
    /// result would exceed [`MAX_NOTE_SIZE`].
    pub fn encode(&self) -> Result<String, NoteError> {
        if self.signatures.is_empty() {
            return Err(NoteError::NoSignatures);
        }
        let mut out = String::with_capacity(self.text.len() + 1 + 128 * self.signatures.len());
        out.push_str(&self.text);
        out.push('\n');
        for signature in &self.signatures {
            out.push_str(&signature.to_line());
        }
        if out.len() > MAX_NOTE_SIZE {
            return Err(NoteError::NoteTooLarge {
                size: out.len(),
                max: MAX_NOTE_SIZE,
            });
        }
        Ok(out)
    }

    /// Checks the signatures against `verifiers` (see the module docs) and returns the verified
    /// note.
    pub fn verify(&self, verifiers: &Verifiers) -> Result<VerifiedNote, NoteError> {
        let mut verified: Vec<NoteSignature> = Vec::new();
        let mut checked: Vec<&NoteSignature> = Vec::new();
        let mut unverified: Vec<NoteSignature> = Vec::new();
        for signature in &self.signatures {
            let Some(verifier) = verifiers.get(&signature.name, signature.key_hash) else {
                if !unverified.contains(signature) {
                    unverified.push(signature.clone());
                }
                continue;
            };
            if checked.contains(&signature) {
                continue;
            }
            if !verifier.verify(self.text.as_bytes(), &signature.signature) {
                return Err(NoteError::InvalidSignature {
                    name: signature.name.clone(),
                    key_hash: signature.key_hash,
                });
            }
            checked.push(signature);
            if !verified
                .iter()
                .any(|s| s.name == signature.name && s.key_hash == signature.key_hash)
            {
                verified.push(signature.clone());
            }
        }
        if verified.is_empty() {
            return Err(NoteError::NoVerifiedSignature {
                unknown_keys: unverified
                    .iter()
                    .map(|s| (s.name.clone(), s.key_hash))
                    .collect(),
            });
        }
        Ok(VerifiedNote {
            text: self.text.clone(),
            verified,
            unverified,
        })
    }
}

/// A note with at least one valid signature from a known key; only [`Note::verify`] builds one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedNote {
    text: String,
    verified: Vec<NoteSignature>,
    unverified: Vec<NoteSignature>,
}

impl VerifiedNote {
    /// The verified text, final newline included.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The valid signatures from known keys, one per key, in note order.
    pub fn verified_signatures(&self) -> &[NoteSignature] {
        &self.verified
    }

    /// The signatures from unknown keys (not checked), identical ones listed once.
    pub fn unverified_signatures(&self) -> &[NoteSignature] {
        &self.unverified
    }

    /// Every signature kept: the verified ones, then the unverified ones.
    pub fn signatures(&self) -> impl Iterator<Item = &NoteSignature> {
        self.verified.iter().chain(&self.unverified)
    }

    /// Drops the proof: a [`Note`] with the same text and signatures (verified first), e.g. to
    /// add a signature and re-encode.
    pub fn into_note(self) -> Note {
        let mut signatures = self.verified;
        signatures.extend(self.unverified);
        Note {
            text: self.text,
            signatures,
        }
    }
}

/// Parses the signed note `msg` and checks it against `verifiers` (Go's `note.Open`).
pub fn open(msg: &[u8], verifiers: &Verifiers) -> Result<VerifiedNote, NoteError> {
    Note::parse(msg)?.verify(verifiers)
}

/// Signs `text` with each of `signers` and returns the signed note (Go's `note.Sign`).
pub fn sign(text: &str, signers: &[&dyn Signer]) -> Result<String, NoteError> {
    let mut note = Note::new(text)?;
    for signer in signers {
        note.sign(*signer)?;
    }
    note.encode()
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
    fn utf8_and_control_character_offsets() {
        assert!(matches!(
            check_utf8_no_controls(b"ab\xffc"),
            Err(NoteError::InvalidUtf8 { offset: 2 })
        ));
        assert!(matches!(
            check_utf8_no_controls(b"ab\rc"),
            Err(NoteError::ControlCharacter {
                offset: 2,
                byte: b'\r'
            })
        ));
        assert!(check_utf8_no_controls("a\u{7f}\n\u{2014}".as_bytes()).is_ok());
    }

    #[test]
    fn signature_line_round_trip() {
        let s = NoteSignature::new("n", 0x01020304, vec![9, 8, 7]).unwrap();
        let line = s.to_line();
        assert_eq!(line, "\u{2014} n AQIDBAkIBw==\n");
        let parsed = NoteSignature::parse_line(line.trim_end_matches('\n'), 1).unwrap();
        assert_eq!(parsed, s);
        assert!(matches!(
            NoteSignature::new("n", 1, Vec::new()),
            Err(NoteError::EmptySignature { .. })
        ));
        assert!(matches!(
            NoteSignature::new("a b", 1, vec![1]),
            Err(NoteError::InvalidKeyName { .. })
        ));
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
