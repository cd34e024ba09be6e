//! The one error type of this crate.

use std::path::PathBuf;

/// What went wrong in a cryptographic operation.
///
/// Variants name the fault: a signature or MAC that does not verify, input that is not a valid
/// encoding, a key that is refused by policy, a key file that cannot be opened, or an operating
/// system failure. None of them carries secret material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// A signature did not verify under the given key and message.
    #[error("{algorithm} signature verification failed")]
    SignatureInvalid {
        /// The signature algorithm, e.g. `ed25519`.
        algorithm: &'static str,
    },
    /// A signature has the wrong length or structure for its algorithm.
    #[error("malformed {algorithm} signature: {reason}")]
    SignatureMalformed {
        /// The signature algorithm.
        algorithm: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A MAC tag did not match (compared in constant time).
    #[error("MAC verification failed")]
    MacMismatch,
    /// A public key could not be decoded.
    #[error("malformed {algorithm} public key: {reason}")]
    PublicKeyMalformed {
        /// The key algorithm.
        algorithm: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A public key decodes but is refused by policy (e.g. a small-order Ed25519 point).
    #[error("weak {algorithm} public key refused: {reason}")]
    WeakPublicKey {
        /// The key algorithm.
        algorithm: &'static str,
        /// Why it is refused.
        reason: &'static str,
    },
    /// An RSA key is shorter than the minimum this crate accepts.
    #[error("RSA key of {bits} bits refused: at least {min_bits} bits are required")]
    RsaKeyTooSmall {
        /// The key's modulus size.
        bits: usize,
        /// The minimum accepted modulus size.
        min_bits: usize,
    },
    /// An SPKI structure names an algorithm this crate does not support.
    #[error("unsupported public key algorithm (OID {oid})")]
    UnsupportedKeyAlgorithm {
        /// The algorithm identifier found.
        oid: String,
    },
    /// PEM or DER input could not be parsed.
    #[error("malformed {what}")]
    EncodingMalformed {
        /// The encoding that failed (`hex`, `base64`, `PEM`, `DER`, ...).
        what: &'static str,
    },
    /// An input has the wrong length.
    #[error("{what} must be {expected} bytes, got {actual}")]
    InvalidLength {
        /// What was being decoded.
        what: &'static str,
        /// The required length.
        expected: usize,
        /// The length found.
        actual: usize,
    },
    /// HKDF was asked for more output than RFC 5869 allows (255 blocks).
    #[error("HKDF-SHA256 output of {requested} bytes requested; at most {max} are allowed")]
    HkdfOutputTooLong {
        /// The requested output length.
        requested: usize,
        /// The maximum, 255 * 32.
        max: usize,
    },
    /// A pseudorandom key for HKDF-Expand is shorter than the hash output.
    #[error("HKDF pseudorandom key must be at least 32 bytes, got {actual}")]
    HkdfPrkTooShort {
        /// The length given.
        actual: usize,
    },
    /// The operating system's random number generator failed.
    #[error("the operating system random number generator failed: {0}")]
    Rng(getrandom::Error),
    /// Argon2 refused its parameters (out of the supported range).
    #[error("key derivation parameters refused: {reason}")]
    KdfParams {
        /// Which parameter is out of range.
        reason: String,
    },
    /// A key file error.
    #[error(transparent)]
    KeyFile(#[from] KeyFileError),
}

/// Why a private key file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyFileError {
    /// The file does not start with the Lumen key-file magic nor a PKCS#8 PEM header.
    #[error("{path} is not a Lumen key file")]
    NotAKeyFile {
        /// The file.
        path: PathBuf,
    },
    /// The file is shorter or longer than its format version requires.
    #[error("{path} is truncated or has trailing data: {actual} bytes, expected {expected}")]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Its length.
        actual: usize,
        /// The length its version requires.
        expected: usize,
    },
    /// The integrity checksum over the file does not match: the file was damaged or edited.
    #[error("{path} is corrupted: its checksum does not match its contents")]
    Corrupted {
        /// The file.
        path: PathBuf,
    },
    /// The format version is not one this build understands.
    #[error("{path} has key-file format version {version}; this build reads version {supported}")]
    UnknownVersion {
        /// The file.
        path: PathBuf,
        /// The version found.
        version: u8,
        /// The version this build reads.
        supported: u8,
    },
    /// The key type byte names no supported algorithm.
    #[error("{path} holds an unsupported key type ({key_type})")]
    UnknownKeyType {
        /// The file.
        path: PathBuf,
        /// The key type byte.
        key_type: u8,
    },
    /// The KDF identifier or its parameters are not acceptable.
    #[error("{path} uses unsupported key-derivation settings: {reason}")]
    UnsupportedKdf {
        /// The file.
        path: PathBuf,
        /// What is not supported.
        reason: String,
    },
    /// Decryption failed although the file is intact: the passphrase is wrong.
    #[error("wrong passphrase for {path}")]
    WrongPassphrase {
        /// The file.
        path: PathBuf,
    },
    /// The decrypted private key does not belong to the public key recorded in the header.
    #[error("{path} is inconsistent: its private key does not match its public key")]
    KeyMismatch {
        /// The file.
        path: PathBuf,
    },
    /// The file is readable by group or others.
    #[error(
        "{path} is readable by other users (mode {mode:04o}); run `chmod 600 {path}` and try again",
        path = path.display()
    )]
    PermissionsTooOpen {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The file exists and overwriting was not requested.
    #[error("{path} already exists; refusing to overwrite a key file")]
    AlreadyExists {
        /// The file.
        path: PathBuf,
    },
    /// The passphrase is empty.
    #[error("an empty passphrase is not allowed for an encrypted key file")]
    EmptyPassphrase,
    /// The file cannot be opened or read: missing, not a regular file (a FIFO, device,
    /// directory or socket), larger than any key file, or an operating-system error.
    #[error(transparent)]
    File(#[from] crate::fs::FileError),
    /// An I/O error while writing the file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl From<getrandom::Error> for CryptoError {
    fn from(e: getrandom::Error) -> Self {
        CryptoError::Rng(e)
    }
}
