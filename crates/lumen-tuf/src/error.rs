//! The crate's one error type. Variants name the attack or the mistake they stop, and carry the
//! facts a user needs (role, versions, times, lengths) rather than prose.

use std::path::PathBuf;

/// Everything that can go wrong in lumen-tuf.
///
/// Repository faults (a peer served something a TUF client must refuse) are the attack-named
/// variants; [`TufError::ApiMisuse`] is a bug in the calling code; [`TufError::Fetch`] and
/// [`TufError::Io`] are the environment.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TufError {
    /// The bytes are not JSON.
    #[error("{role}: not valid JSON: {source}")]
    Json {
        /// The role (or file) being read.
        role: String,
        /// The parser's error.
        source: serde_json::Error,
    },
    /// A JSON object has two members with the same name, compared after unescaping (`"a"` and
    /// `"\u0061"` are the same name). Parsers disagree on which one counts (the first, the last,
    /// both), so the signer and a verifier could read different documents: refused everywhere.
    #[error("{role}: duplicate member {name:?} in a JSON object")]
    DuplicateMember {
        /// The role (or file) being read.
        role: String,
        /// The repeated name, unescaped.
        name: String,
    },
    /// The JSON does not have the shape the specification requires.
    #[error("{role}: {field}: {reason}")]
    Malformed {
        /// The role (or file) being read.
        role: String,
        /// The field at fault, as a path (`signed.roles.root.threshold`).
        field: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// `signed` is not representable in canonical JSON (a float), so it cannot carry signatures.
    #[error("{role}: cannot canonicalize: {source}")]
    NotCanonical {
        /// The role being read.
        role: String,
        /// Where the offending number is.
        source: crate::canonical::NotCanonical,
    },
    /// `signed._type` is not the role that was asked for (a file swapped for another role's).
    #[error("{role}: expected _type {expected:?}, found {found:?}")]
    WrongType {
        /// The role being read.
        role: String,
        /// The `_type` the workflow asked for.
        expected: &'static str,
        /// The `_type` in the file.
        found: String,
    },
    /// `spec_version` has a major version other than 1.
    #[error("{role}: unsupported spec_version {found:?} (this client implements 1.x)")]
    UnsupportedSpecVersion {
        /// The role being read.
        role: String,
        /// The `spec_version` in the file.
        found: String,
    },
    /// Fewer distinct trusted keys than the threshold produced valid signatures
    /// (forged or tampered metadata, or one key counted twice).
    #[error("{role}: {valid} of the required {threshold} distinct trusted keys signed")]
    ThresholdNotMet {
        /// The role whose signatures were checked.
        role: String,
        /// The role's threshold (from the delegator).
        threshold: u32,
        /// Distinct trusted keys with a valid signature.
        valid: u32,
    },
    /// A version went backwards (a rollback attack): timestamp, or a snapshot entry.
    #[error("{role}: version {new} is lower than the trusted version {trusted}")]
    RollbackDetected {
        /// The role or file whose version decreased.
        role: String,
        /// The version already trusted.
        trusted: u64,
        /// The version offered.
        new: u64,
    },
    /// A new snapshot drops a role the trusted snapshot lists (a rollback of that role).
    #[error("new snapshot no longer lists {file:?}")]
    RoleRemovedFromSnapshot {
        /// The `meta` entry that disappeared.
        file: String,
    },
    /// A root's version is not exactly one more than the trusted root's.
    #[error("root: expected version {expected}, found {found}")]
    RootVersionNotNext {
        /// Trusted version + 1.
        expected: u64,
        /// The version in the file.
        found: u64,
    },
    /// Metadata's version differs from the one its referrer pins (snapshot vs timestamp,
    /// targets vs snapshot): a mix-and-match attack.
    #[error("{role}: version {found} differs from the version {expected} that {referrer} lists")]
    MixAndMatch {
        /// The role whose version is wrong.
        role: String,
        /// The role that pins the version (`timestamp` or `snapshot`).
        referrer: &'static str,
        /// The pinned version.
        expected: u64,
        /// The version in the file.
        found: u64,
    },
    /// Root, snapshot or targets metadata is past its expiry time.
    #[error("{role}: expired at {expires} (reference time {now})")]
    ExpiredMetadata {
        /// The expired role.
        role: String,
        /// Its `expires`.
        expires: String,
        /// The update's fixed reference time.
        now: String,
    },
    /// The timestamp is past its expiry: the repository (or a mirror) is frozen on old metadata.
    #[error(
        "timestamp: expired at {expires} (reference time {now}): freeze attack or stale mirror"
    )]
    FreezeAttack {
        /// The timestamp's `expires`.
        expires: String,
        /// The update's fixed reference time.
        now: String,
    },
    /// Downloaded bytes do not have the length or hash their referrer lists.
    #[error("{what}: {mismatch}")]
    LengthOrHashMismatch {
        /// The file (role file name or target path).
        what: String,
        /// What differs.
        mismatch: Mismatch,
    },
    /// A download went past its size cap (an endless-data attack).
    #[error("{url}: more than {max} bytes (endless-data attack or wrong length)")]
    EndlessData {
        /// The URL being read.
        url: String,
        /// The cap.
        max: u64,
    },
    /// A delegated role is not in the trusted snapshot's `meta`.
    #[error("{role}: delegated but not listed in snapshot")]
    NotInSnapshot {
        /// The delegated role.
        role: String,
    },
    /// The role is not delegated by the delegator it was checked against.
    #[error("{role}: not delegated by {delegator}")]
    NotDelegated {
        /// The delegated role.
        role: String,
        /// The role that was supposed to delegate it.
        delegator: String,
    },
    /// No trusted targets role lists the target.
    #[error("target {path:?} is not listed by any trusted targets role")]
    TargetNotFound {
        /// The target path asked for.
        path: String,
    },
    /// A fetch failed (network, HTTP status, or an unreachable mirror).
    #[error("{url}: {source}")]
    Fetch {
        /// The URL or path that was fetched.
        url: String,
        /// Why.
        source: FetchError,
    },
    /// Local storage failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A key or signing operation of the repository editor failed.
    #[error("{what}: {source}")]
    Crypto {
        /// What was being done.
        what: String,
        /// The primitive's error.
        source: lumen_crypto::CryptoError,
    },
    /// The calling code used the API out of order (a bug in the caller, not the repository).
    #[error("API misuse: {0}")]
    ApiMisuse(&'static str),
    /// A signature that a root version collecting signatures carries does not verify with the
    /// root key its key id names (the signed content changed after it was signed, or the
    /// signature is forged). Signatures still missing are not an error there; wrong ones are.
    #[error("{role}: the signature by key {keyid} does not verify")]
    InvalidSignature {
        /// The role (`root`, or the file being signed).
        role: String,
        /// The key id the signature claims.
        keyid: String,
    },
    /// A metadata file of the repository being edited does not verify against the trusted root
    /// chain (bad or missing signatures, a version or hash its referrer does not list, a
    /// duplicate member, …): the repository editor does not build on it. `source` says what is
    /// wrong.
    #[error("{}: refused by the repository editor: it does not verify", path.display())]
    UntrustedRepositoryFile {
        /// The file.
        path: PathBuf,
        /// Why it does not verify.
        source: Box<TufError>,
    },
    /// A repository editor operation was refused.
    #[error("{what}: {reason}")]
    Editor {
        /// The object concerned (role, target, key id).
        what: String,
        /// Why the operation was refused.
        reason: &'static str,
    },
}

/// How downloaded bytes differ from what their metadata lists.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Mismatch {
    /// The length differs.
    #[error("length {found}, expected {expected}")]
    Length {
        /// The listed length.
        expected: u64,
        /// The length received.
        found: u64,
    },
    /// A listed hash differs.
    #[error("{algorithm} {found}, expected {expected}")]
    Hash {
        /// The hash algorithm.
        algorithm: String,
        /// The listed digest (hex).
        expected: String,
        /// The digest of the bytes received (hex).
        found: String,
    },
    /// A listed hash uses an algorithm this client does not implement.
    #[error("unsupported hash algorithm {0:?}")]
    UnsupportedAlgorithm(String),
}

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The server answered with an HTTP status other than 200.
    #[error("HTTP status {0}")]
    Status(u16),
    /// The resource does not exist (HTTP 404, or a missing file in a directory mirror).
    #[error("not found")]
    NotFound,
    /// The URL cannot be built or is not http(s)/file.
    #[error("bad URL")]
    BadUrl,
    /// Transport error (connection, TLS, timeout).
    #[error("{0}")]
    Transport(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Reading a local mirror failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl FetchError {
    /// True for "this version does not exist" answers (HTTP 403 and 404, or a missing file), which
    /// end the root-rotation loop instead of failing it (spec 5.3.3).
    pub fn is_not_found(&self) -> bool {
        matches!(self, FetchError::NotFound | FetchError::Status(403 | 404))
    }
}

/// `Result` with [`TufError`].
pub type Result<T, E = TufError> = std::result::Result<T, E>;

pub(crate) fn malformed(role: &str, field: impl Into<String>, reason: &'static str) -> TufError {
    TufError::Malformed {
        role: role.to_owned(),
        field: field.into(),
        reason,
    }
}
