//! The crate's one error type. Variants name the attack or the mistake they stop, and carry the
//! facts a user needs (role, versions, times, lengths) rather than prose.

use std::path::PathBuf;

/// Everything that can go wrong in lumen-tuf.
///
/// Who is at fault decides the variant:
///
/// - the repository or a peer served something a TUF client must refuse: the attack-named
///   variants ([`TufError::ThresholdNotMet`], [`TufError::RollbackDetected`], …);
/// - the repository editor refused an operation the repository's state or the caller's input
///   does not allow: [`TufError::Refused`], with an [`EditorRefusal`] naming the refusal;
/// - the calling code used the API in a way it documents as wrong (out of order, after a
///   failure that requires starting again): [`TufError::ApiMisuse`], with a [`Misuse`];
/// - an invariant of this crate does not hold: [`TufError::Unreachable`], a bug in lumen-tuf;
/// - the environment: [`TufError::Fetch`] and [`TufError::Io`].
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
    /// The calling code used the API out of order, or went on after a failure that requires
    /// starting again: a bug in the caller, not in the repository and not in this crate. The
    /// [`Misuse`] says which rule was broken; calling correctly never produces it.
    #[error("API misuse: {0}")]
    ApiMisuse(Misuse),
    /// An internal invariant of lumen-tuf does not hold (a value its own code just stored is
    /// missing, a worker thread panicked): a bug in this crate, whatever the caller and the
    /// repository did. Unlike [`TufError::ApiMisuse`], no change in the calling code avoids it;
    /// the text names the invariant, for the bug report.
    #[error("internal error (a bug in lumen-tuf): {0}")]
    Unreachable(&'static str),
    /// A shared secret for `hmac-sha256` is shorter than 32 bytes
    /// ([`crate::keys::DangerousHmacSecrets::dangerous_add_shared_secret`]).
    #[error("hmac-sha256 secret: must be at least 32 bytes")]
    HmacSecretTooShort {
        /// The length of the secret given, in bytes.
        length: usize,
    },
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
    /// The repository editor refused an operation that the repository's state or the caller's
    /// input does not allow.
    #[error(transparent)]
    Refused(#[from] EditorRefusal),
}

/// A rule of the API the calling code broke (the payload of [`TufError::ApiMisuse`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Misuse {
    /// [`crate::TrustedMetadataSet::update_root`] after a timestamp was trusted.
    #[error("cannot update root after timestamp")]
    RootAfterTimestamp,
    /// [`crate::TrustedMetadataSet::update_timestamp`] after a snapshot was trusted.
    #[error("cannot update timestamp after snapshot")]
    TimestampAfterSnapshot,
    /// [`crate::TrustedMetadataSet::update_snapshot`] before a timestamp was trusted.
    #[error("cannot update snapshot before timestamp")]
    SnapshotBeforeTimestamp,
    /// [`crate::TrustedMetadataSet::update_snapshot`] after targets metadata was trusted.
    #[error("cannot update snapshot after targets")]
    SnapshotAfterTargets,
    /// Targets metadata loaded before a snapshot was trusted.
    #[error("cannot load targets before snapshot")]
    TargetsBeforeSnapshot,
    /// A delegated role loaded before its delegator was trusted.
    #[error("cannot load targets before their delegator")]
    TargetsBeforeDelegator {
        /// The delegated role.
        role: String,
        /// The delegator named, not trusted yet.
        delegator: String,
    },
    /// [`crate::TrustedMetadataSet::check_delegation`] for a role that is not trusted yet.
    #[error("role is not trusted yet")]
    RoleNotTrusted {
        /// The role named.
        role: String,
    },
    /// [`crate::Updater::new`] with a metadata store that holds no trusted root (start with
    /// [`crate::Updater::bootstrap`]).
    #[error("no trusted root in the metadata store: bootstrap with a root the application ships")]
    NoTrustedRoot,
    /// [`crate::Updater::refresh`] called a second time.
    #[error("refresh() runs once per Updater")]
    RefreshTwice,
    /// Targets looked up after [`crate::Updater::refresh`] failed before a snapshot was trusted.
    #[error("no snapshot")]
    NoTrustedSnapshot,
    /// The repository editor used after a commit failed half-way (memory no longer matches the
    /// disk): open the repository again.
    #[error("a commit failed half-way: reopen the repository before editing it again")]
    EditorPoisoned,
    /// [`crate::editor::Repository::edit_root`] on a repository that has neither a published nor
    /// a staged root (the staged root version 1 was discarded).
    #[error("repository without a root")]
    NoRoot,
}

/// Why the repository editor ([`crate::editor`]) refused an operation (the payload of
/// [`TufError::Refused`]): one variant per refusal, with the facts of the case. The text of each
/// is what `lumen tuf` prints.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EditorRefusal {
    // ----- the repository directory -----
    /// A repository is created in a directory that already holds one (a published or a staged
    /// root).
    #[error("{}: already holds a TUF repository", dir.display())]
    RepositoryExists {
        /// The directory.
        dir: PathBuf,
    },
    /// The directory has neither `metadata/root.json` nor `staged/root.json`.
    #[error(
        "{}: is not a TUF repository (no metadata/root.json, no staged/root.json)",
        dir.display()
    )]
    NotARepository {
        /// The directory.
        dir: PathBuf,
    },
    /// Another editor holds `REPO/editor.lock`.
    #[error("{}: is being edited by another process (editor.lock is held)", dir.display())]
    RepositoryLocked {
        /// The repository directory.
        dir: PathBuf,
    },
    /// Targets, delegations, snapshot and timestamp cannot be edited before root version 1 is
    /// published.
    #[error(
        "{}: has no published root yet: sign and publish the staged root first",
        dir.display()
    )]
    NoPublishedRoot {
        /// The repository directory.
        dir: PathBuf,
    },
    /// A role's version is the largest there is, so a new version cannot be signed.
    #[error("{role}: version cannot be incremented any further")]
    VersionExhausted {
        /// The role.
        role: String,
    },

    // ----- keys and thresholds -----
    /// An `hmac-sha256` key for root: shared secrets never sign root, with or without the
    /// dangerous opt-in.
    #[error("hmac-sha256 key for root: shared-secret keys can never be root keys")]
    SharedSecretRootKey,
    /// An `hmac-sha256` key for a role, without
    /// [`crate::editor::EditorConfig::dangerous_allow_hmac_keys`].
    #[error(
        "hmac-sha256 key for {role}: shared-secret keys are refused unless \
         dangerous_allow_hmac_keys is set"
    )]
    SharedSecretKeyNotAllowed {
        /// The role the key was meant for.
        role: String,
    },
    /// An `hmac-sha256` signer asked to sign root.
    #[error("hmac-sha256 key: shared-secret keys can never sign root")]
    SharedSecretRootSigner,
    /// A new key's id is already the id of a different key in the same key table.
    #[error("key {keyid}: this key id already names a different key")]
    KeyIdClash {
        /// The key id.
        keyid: String,
    },
    /// A threshold of 0.
    #[error("threshold of {role}: must be at least 1")]
    ZeroThreshold {
        /// The role.
        role: String,
    },
    /// A role lists a key id its key table does not hold.
    #[error("key {keyid} of {role}: is not in the key table")]
    KeyNotInTable {
        /// The role.
        role: String,
        /// The key id.
        keyid: String,
    },
    /// A threshold higher than the role's number of distinct keys: no one could ever sign it.
    #[error(
        "threshold of {role}: is higher than the number of distinct keys: nobody could ever sign"
    )]
    ThresholdAboveKeys {
        /// The role.
        role: String,
        /// The threshold asked for.
        threshold: u32,
        /// The role's distinct keys.
        keys: usize,
    },
    /// A key to remove from a role is not one of its keys.
    #[error("key {keyid}: is not a key of this role")]
    KeyNotInRole {
        /// The role.
        role: String,
        /// The key id given.
        keyid: String,
    },
    /// A key object without a string `keyval.public`.
    #[error("{keytype}/{scheme} key: keyval.public is missing or not a string")]
    MissingPublicKey {
        /// Its `keytype`.
        keytype: String,
        /// Its `scheme`.
        scheme: String,
    },
    /// An `hmac-sha256` key whose `keyval.public` is not 64 hex digits.
    #[error("hmac-sha256/hmac-sha256 key: keyval.public must be 64 hex digits")]
    MalformedSharedSecretKey,
    /// A key type or scheme clients of this crate cannot verify.
    #[error("{keytype}/{scheme} key: unsupported key type or scheme")]
    UnsupportedKey {
        /// Its `keytype`.
        keytype: String,
        /// Its `scheme`.
        scheme: String,
    },

    // ----- the offline root -----
    /// A root without one of the top-level roles.
    #[error("root role {role}: is missing")]
    RootRoleMissing {
        /// The missing role.
        role: String,
    },
    /// A root listing roles other than root, timestamp, snapshot and targets.
    #[error("root roles: must be exactly root, timestamp, snapshot and targets")]
    UnexpectedRootRoles {
        /// The roles that are not top-level roles.
        roles: Vec<String>,
    },
    /// [`crate::editor::RootEditor::change_keys`] for a role that is not a top-level role.
    #[error("role {role}: is not a top-level role (root, timestamp, snapshot, targets)")]
    NotTopLevelRole {
        /// The role named.
        role: String,
    },
    /// A signer that is a root key of neither the staged root nor the published one.
    #[error("key {keyid}: is not a root key of this root version nor of the previous one")]
    NotARootKey {
        /// The signer's key id.
        keyid: String,
    },
    /// An edit of a staged root changed its version (the editor sets it).
    #[error("root version: is set by the editor (the published version plus one)")]
    RootVersionEdited {
        /// The version the staged root has.
        expected: u64,
        /// The version the edit set.
        found: u64,
    },
    /// A new root version changes `consistent_snapshot` of a published repository.
    #[error("consistent_snapshot: cannot be changed on a published repository")]
    ConsistentSnapshotChanged,
    /// Publishing or reading the status of a staged root when none is staged.
    #[error("root: no root version is staged")]
    NoStagedRoot,
    /// Signing the staged root when none is staged.
    #[error("root: no root version is staged (start one with edit_root)")]
    NoStagedRootToSign,
    /// Discarding a staged root that a publish which stopped half-way already wrote as the next
    /// `N.root.json`: it must be published again instead.
    #[error(
        "root version {version}: was already written by a publish that stopped half-way: \
         publish it again instead of discarding it"
    )]
    StagedRootAlreadyWritten {
        /// The root version written.
        version: u64,
    },
    /// Root cannot be re-signed online ([`crate::editor::Repository::resign`]).
    #[error("root: is re-signed offline: stage a new version with edit_root")]
    RootSignedOffline,

    // ----- expiry -----
    /// An expiry period that is not a positive number of seconds.
    #[error("expiry of {role}: must be a positive number of seconds")]
    NonPositiveExpiry {
        /// The role.
        role: String,
        /// The period given.
        seconds: i64,
    },
    /// An expiry time past what metadata can represent.
    #[error("expiry of {role}: is out of the representable range")]
    ExpiryOutOfRange {
        /// The role.
        role: String,
    },

    // ----- delegations -----
    /// A number of classic hash bins that is not a power of two from 2 to 2^20.
    #[error("{bins} hash bins: the number of bins must be a power of two from 2 to 2^20")]
    HashBinCount {
        /// The number asked for.
        bins: u64,
    },
    /// A succinct hash bin `bit_length` outside 1 to 20.
    #[error("bit_length {bit_length}: must be from 1 to 20 (every bin is a metadata file)")]
    SuccinctBitLength {
        /// The bit length asked for.
        bit_length: u8,
    },
    /// A delegated role name that is empty or longer than 255 bytes.
    #[error("role name {name:?}: must be 1 to 255 bytes and not a top-level role name")]
    RoleNameLength {
        /// The name.
        name: String,
    },
    /// A delegated role named like a top-level role.
    #[error("role name {name:?}: must be 1 to 255 bytes and not a top-level role name")]
    TopLevelRoleName {
        /// The name.
        name: String,
    },
    /// A delegated role name with a control character.
    #[error("role name {name:?}: must not contain control characters")]
    RoleNameControlCharacter {
        /// The name.
        name: String,
    },
    /// A delegation whose `paths` scope lists no path.
    #[error("scope of {role}: lists no paths")]
    NoPaths {
        /// The delegated role.
        role: String,
    },
    /// A delegation whose `path_hash_prefixes` scope lists no prefix.
    #[error("scope of {role}: lists no hash prefixes")]
    NoHashPrefixes {
        /// The delegated role.
        role: String,
    },
    /// A hash prefix that is not 1 to 64 lowercase hex digits.
    #[error("scope of {role}: hash prefixes must be 1 to 64 lowercase hex digits")]
    MalformedHashPrefix {
        /// The delegated role.
        role: String,
        /// The prefix.
        prefix: String,
    },
    /// A new role (or hash bin) with the name of a role that exists.
    #[error("role {role}: already exists")]
    RoleExists {
        /// The name.
        role: String,
    },
    /// Succinct hash bins whose names would be those of existing roles (or whose prefix is
    /// already used).
    #[error("succinct bins {name_prefix}-*: a role with a bin's name already exists")]
    SuccinctBinNameTaken {
        /// The bins' name prefix.
        name_prefix: String,
    },
    /// A classic delegation added to a role that delegates to succinct hash bins.
    #[error("role {delegator}: delegates to succinct hash bins, so it cannot also list roles")]
    DelegatesToSuccinctBins {
        /// The delegator.
        delegator: String,
    },
    /// Succinct hash bins added to a role that already lists delegated roles.
    #[error(
        "role {delegator}: already delegates to listed roles, so it cannot use succinct hash bins"
    )]
    DelegatesToListedRoles {
        /// The delegator.
        delegator: String,
    },
    /// No targets role reachable from `targets` delegates the role.
    #[error("role {role}: is not delegated by any targets role")]
    NotDelegatedByAnyRole {
        /// The role (or succinct bins' name prefix) named.
        role: String,
    },
    /// [`crate::editor::Repository::edit_targets`] changed the role's delegations.
    #[error(
        "role {role}: delegations cannot be changed with edit_targets: use delegate, revoke or \
         change_delegation_keys"
    )]
    DelegationsEdited {
        /// The role.
        role: String,
    },
    /// [`crate::editor::Repository::edit_targets`] changed the role's version.
    #[error("role {role}: versions are set by commit")]
    VersionEdited {
        /// The role.
        role: String,
    },

    // ----- targets -----
    /// A target path that is empty or longer than 4096 bytes.
    #[error("target {path:?}: must have 1 to 4096 bytes")]
    TargetPathLength {
        /// The path.
        path: String,
    },
    /// A target path with a control character or a backslash.
    #[error("target {path:?}: must not contain control characters or backslashes")]
    TargetPathCharacter {
        /// The path.
        path: String,
    },
    /// A target path that is absolute or has an empty, `.` or `..` segment.
    #[error("target {path:?}: must be relative, with no empty, '.' or '..' segment")]
    TargetPathSegment {
        /// The path.
        path: String,
    },
    /// A target description without hashes.
    #[error("target {path:?}: needs at least one hash")]
    NoTargetHash {
        /// The path.
        path: String,
    },
    /// A target hash of an algorithm clients cannot check.
    #[error(
        "target {path:?}: lists a hash algorithm clients cannot check (use sha224/256/384/512)"
    )]
    UncheckableHashAlgorithm {
        /// The path.
        path: String,
        /// The algorithm.
        algorithm: String,
    },
    /// A target digest that is not lowercase hex of its algorithm's length.
    #[error("target {path:?}: has a digest that is not lowercase hex of its algorithm's length")]
    MalformedDigest {
        /// The path.
        path: String,
        /// Its algorithm.
        algorithm: String,
    },
    /// The chain of delegations to the role a target goes to is longer than clients search.
    #[error("target {path:?}: its delegation chain is deeper than clients search ({max} roles)")]
    DelegationChainTooDeep {
        /// The target path.
        path: String,
        /// The most roles clients visit in one search.
        max: usize,
    },
    /// A target placed in a role clients would not look in for its path.
    #[error(
        "target {path:?} in role {role}: clients would not look for it there (outside the \
         role's delegated scope)"
    )]
    OutsideDelegatedScope {
        /// The target path.
        path: String,
        /// The role asked for.
        role: String,
    },
    /// A target placed in a role that clients reach only after a role that lists it already.
    #[error(
        "target {path:?} in role {role}: a role clients search first already lists it (remove \
         it there first)"
    )]
    ShadowedTarget {
        /// The target path.
        path: String,
        /// The role asked for.
        role: String,
        /// The role clients search first that lists the path.
        listed_by: String,
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
