//! The errors of signed notes and of the formats built on them: [`NoteError`], for anything wrong
//! with a note, a key, a checkpoint, a cosignature or a witness policy, and the enums that say
//! exactly what is wrong with a signature line ([`SignatureLineProblem`]), a key string
//! ([`KeyProblem`], with the [`KeyRole`] of the string) or a checkpoint body
//! ([`CheckpointProblem`]).

use lumen_crypto::CryptoError;
use std::fmt;

/// Everything that can be wrong with a signed note, a key, a checkpoint, a cosignature or a
/// witness policy.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NoteError {
    /// The note (or the note being built) exceeds [`MAX_NOTE_SIZE`](super::MAX_NOTE_SIZE).
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
    /// The note has more than [`MAX_SIGNATURES`](super::MAX_SIGNATURES) signature lines.
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
