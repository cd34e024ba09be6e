//! The repository side of TUF: an editor and signer that creates and maintains a repository on
//! disk (specification v1.0.34), which this crate's own [`crate::Updater`] then trusts.
//!
//! # Layout
//!
//! ```text
//! REPO/metadata/1.root.json … N.root.json   every root version, for clients walking the chain
//! REPO/metadata/root.json                   = N.root.json (the latest)
//! REPO/metadata/timestamp.json              always unversioned
//! REPO/metadata/V.snapshot.json             V.ROLE.json for snapshot, targets and delegated
//! REPO/metadata/V.targets.json              roles when consistent_snapshot is on (the default;
//! REPO/metadata/V.bins-0a.json              role names percent-encoded), else ROLE.json
//! REPO/targets/DIR/HASH.BASENAME            target files (one name per listed hash), or
//!                                           DIR/BASENAME without consistent snapshots
//! REPO/staged/root.json                     the next root version while it collects signatures
//! REPO/editor.json                          the editor's settings (expiry policy …), not served
//! REPO/editor.lock                          locked while an editor is open (one at a time)
//! ```
//!
//! Serve `REPO/metadata` as the metadata base URL and `REPO/targets` as the target base URL.
//! Snapshot lists every targets role with its version (and, if
//! [`EditorConfig::snapshot_meta_hashes`], length and SHA-256); timestamp lists snapshot with
//! version, length and SHA-256. New keys get securesystemslib key ids ([`key_id`]); keys already
//! in metadata keep theirs, whatever they are.
//!
//! # Editing
//!
//! [`Repository::open`] reads the current metadata (delegated roles are loaded when first
//! needed). Edits — [`Repository::add_target`], [`Repository::add_targets_bulk`],
//! [`Repository::delegate`], [`Repository::delegate_hash_bins`],
//! [`Repository::delegate_succinct`], [`Repository::change_delegation_keys`],
//! [`Repository::edit_targets`] … — change typed metadata in memory (unknown fields are kept);
//! [`Repository::commit`] then gives every changed role a new version and a fresh expiry, signs
//! it with the keys of a [`Keyring`], and writes it, then a new snapshot and timestamp.
//! [`Repository::refresh`] is the online job: new snapshot and timestamp versions, re-signed
//! with the online keys. [`Repository::status`] describes the repository (versions, expiry,
//! keys, delegated roles, the staged root), and [`Repository::delegator_of_delegation`] finds
//! the role that delegates a role or a set of succinct hash bins.
//!
//! Every operation fails closed with a [`TufError`]: missing keys are
//! [`TufError::ThresholdNotMet`] before anything is written, refused edits are
//! [`TufError::Refused`] with an [`EditorRefusal`] that names the refusal. Files are written
//! new-first: targets roles, then snapshot, then root, and `timestamp.json` last, each through a
//! temporary file that is flushed to disk before it is renamed. With consistent snapshots every
//! new file has a new name, so until `timestamp.json` is replaced clients see the old
//! repository, and after, the new one, entirely.
//!
//! # Reading the repository
//!
//! The editor re-signs what it reads, so it reads nothing it has not verified: a file changed
//! on disk (an injected target, a swapped key) would otherwise come out of the next commit
//! validly signed. Every metadata file reaches the editor through one module
//! (`editor/load.rs`), which alone turns bytes into the `Trusted` values the [`Repository`]
//! holds, and every failure is [`TufError::UntrustedRepositoryFile`] (the file, and the exact
//! reason as its `source`: [`TufError::ThresholdNotMet`] for changed content, removed, wrong or
//! too few signatures, [`TufError::MixAndMatch`], [`TufError::LengthOrHashMismatch`],
//! [`TufError::DuplicateMember`] …). The rules are a client's, from a trust anchor on disk:
//!
//! - **Root**: `1.root.json` is the anchor (signed by a threshold of its own root keys, as
//!   `lumen tuf verify` also trusts it by default); each `N.root.json` up to the version of
//!   `root.json` is signed by a threshold of the root keys of version N−1 and of its own, and
//!   `root.json` is byte for byte the last of them. A newer `N+1.root.json` is a rollback of
//!   `root.json`, unless it is the staged root (a publish that stopped half-way; publish again).
//! - **Timestamp, snapshot, targets**: signed by a threshold of the root's keys for them;
//!   snapshot has the version, length and hashes timestamp lists, targets the version (and
//!   length and hashes, if listed) snapshot lists.
//! - **Delegated roles and hash bins**: read only through their delegator, itself read this way
//!   from `targets` down, and signed by a threshold of the keys it lists for them, with
//!   snapshot's version (and length and hashes). A role no role delegates any more is not read.
//! - **The staged root** is a root collecting signatures, so a threshold is not required: every
//!   signature it carries must verify with a root key (its own or the published root's) that
//!   its key id names ([`TufError::InvalidSignature`] otherwise: it changed after being signed).
//!   A staged root with fewer signatures is simply less far along; publishing checks both
//!   thresholds. Before any signature it is only a proposal that anyone who can write the file
//!   can replace, so key holders compare [`RootSigningStatus::signed_sha256`] (the digest of
//!   what they sign, printed by `lumen tuf rotate`, `sign` and `status`) with the one its author
//!   announced ([`sign_root_bytes`] applies the same checks to a copy). Every other role is
//!   signed in full by each commit, which fails before writing anything if a threshold of keys
//!   is missing, so on disk they are never legitimately below threshold.
//! - **Expiry is not checked**: re-signing is how expired metadata is renewed
//!   ([`Repository::refresh`]); `lumen tuf status` shows what has expired.
//! - `hmac-sha256` roles verify only with the secrets given to
//!   [`Repository::dangerous_open_with_hmac_secrets`].
//!
//! What the editor cannot see: a rollback to older files that are all validly signed (it keeps
//! no state outside the repository; clients refuse it against the versions they trust), and
//! `editor.json` and unknown top-level members or members of signature entries, which no
//! signature covers. A publish that stopped after writing the new root but before
//! `timestamp.json` (only when it rotates online keys) leaves files signed by the old keys
//! under the new root: clients refuse that state too, and the editor does not open it; restore
//! `root.json` from `N-1.root.json` and remove `N.root.json` (the staged root is still there),
//! then publish again.
//!
//! # The offline root
//!
//! Root keys stay offline, so a root version is prepared in steps:
//!
//! 1. [`Repository::init`] (version 1) or [`Repository::edit_root`] (version N+1: key
//!    rotation of any top-level role with [`RootEditor::change_keys`], or just a renewal) writes
//!    the new version unsigned to `REPO/staged/root.json`.
//! 2. Each key holder adds a signature: [`Repository::sign_root`], or [`sign_root_bytes`] on a
//!    copy of the file on an air-gapped machine. [`Repository::root_signing_status`] tells how
//!    many are still needed.
//! 3. [`Repository::publish_root`] checks that version N+1 is signed by a threshold of the keys
//!    of root N *and* of its own root keys (the cross-signature clients check when they walk the
//!    chain), writes `N+1.root.json` and `root.json`, and re-signs what the new root's keys
//!    require: targets, snapshot or timestamp whose keys changed get new versions signed with
//!    the new keys, from the same keyring, in the same all-or-nothing commit.
//!
//! ```
//! use lumen_tuf::editor::{InitOptions, Keyring, Repository, Signer};
//! use lumen_crypto::ed25519::Ed25519SigningKey;
//! # fn main() -> Result<(), lumen_tuf::TufError> {
//! let dir = tempfile::tempdir().map_err(|e| lumen_tuf::TufError::Io { path: ".".into(), source: e })?;
//! let signer = Signer::ed25519(Ed25519SigningKey::from_seed(&[7; 32]));
//! let options = InitOptions::single_key(signer.public_key().clone());
//! let keys = Keyring::new().with(signer);
//! let now = 1_700_000_000;
//! let mut repo = Repository::create(dir.path(), &options, &keys, now)?;
//! let file = lumen_tuf::editor::target_file(3, "ab".repeat(32), "cd".repeat(64));
//! assert_eq!(repo.add_target(None, "hello.txt", file)?, "targets");
//! let summary = repo.commit(&keys, now)?;
//! assert_eq!(summary.timestamp_version, Some(2));
//! # Ok(()) }
//! ```

mod config;
mod delegate;
mod load;
mod root;
mod signer;
mod status;
mod target;
mod write;

pub use config::{DAY, EditorConfig, ExpiryPolicy, InitOptions, RoleSpec};
pub use delegate::{BulkTarget, DelegationSpec, hash_bin_names};
pub use root::{KeyChange, RootEditor, RootSigningStatus, root_bytes_status, sign_root_bytes};
pub use signer::{Keyring, Signer, ed25519_key, key_id, same_key};
pub use status::{DelegatedRoleStatus, RepositoryStatus, RoleStatus};
pub use target::{check_target_path, hash_target_file, target_file, target_locations};

pub use crate::error::EditorRefusal;
use crate::error::Misuse;
use crate::keys::{DangerousHmacSecrets, Delegation, verify_threshold};
use crate::metadata::{
    Common, Fields, Hashes, MetaFile, Metadata, Role, Root, Snapshot, SuccinctRoles, Targets,
    Timestamp, format_time,
};
use crate::store::quote_role;
use crate::{Result, TufError};
use load::Trusted;
use lumen_crypto::encoding::hex_encode;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use write::{Produced, file_bytes, produce_and_write, sync_dir, write_file};

/// What a long operation is doing, for progress reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stage {
    /// [`Repository::add_targets_bulk`] is distributing targets to roles.
    AddingTargets,
    /// [`Repository::commit`] is signing and writing targets roles.
    SigningRoles,
}

/// One progress report: `done` units of `total` (if known) in `stage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// What is being done.
    pub stage: Stage,
    /// Units done so far.
    pub done: u64,
    /// Units in all, if known.
    pub total: Option<u64>,
}

/// A progress callback (called from worker threads).
pub type ProgressFn = dyn Fn(Progress) + Send + Sync;

/// What a commit wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitSummary {
    /// The root version published, if any.
    pub root_version: Option<u64>,
    /// Targets roles (top-level and delegated) signed and written.
    pub targets_roles: usize,
    /// The new snapshot version, if snapshot was written.
    pub snapshot_version: Option<u64>,
    /// The new timestamp version, if timestamp was written.
    pub timestamp_version: Option<u64>,
}

/// A TUF repository on disk, opened for editing. See the [module documentation](self).
pub struct Repository {
    dir: PathBuf,
    config: EditorConfig,
    /// Secrets for verifying `hmac-sha256` keyed roles read from disk (none by default).
    hmac: DangerousHmacSecrets,
    root: Option<Trusted<Root>>,
    staged_root: Option<Trusted<Root>>,
    timestamp: Option<Trusted<Timestamp>>,
    snapshot: Option<Trusted<Snapshot>>,
    /// Targets roles loaded (verified) or created so far, by name.
    roles: HashMap<String, Trusted<Targets>>,
    /// Delegated role → the loaded role that delegates it (classic delegations).
    /// Delegated role → the loaded role that delegates it (classic delegations), and the
    /// role's position in that delegator's list.
    parents: HashMap<String, (String, usize)>,
    /// Delegator → its succinct hash bins.
    succinct: BTreeMap<String, SuccinctRoles>,
    /// Targets roles to sign at the next commit.
    dirty: BTreeSet<String>,
    /// Roles created since the last commit (they keep version 1).
    new_roles: HashSet<String>,
    resign_snapshot: bool,
    resign_timestamp: bool,
    /// Set when a commit failed half-way: memory no longer matches the disk.
    poisoned: bool,
    progress: Option<Box<ProgressFn>>,
    /// `REPO/editor.lock`, locked for as long as this editor is open.
    _lock: Option<std::fs::File>,
}

impl std::fmt::Debug for Repository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repository")
            .field("dir", &self.dir)
            .field(
                "root_version",
                &self.root.as_ref().map(|r| r.signed.common.version),
            )
            .field("staged_root", &self.staged_root.is_some())
            .field("loaded_roles", &self.roles.len())
            .field("dirty", &self.dirty.len())
            .finish_non_exhaustive()
    }
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> TufError + '_ {
    move |source| TufError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn empty_metadata<T>(signed: T) -> Trusted<T> {
    Trusted::created(signed)
}

/// The placeholder expiry of roles created since the last commit.
fn unset_expires() -> Result<crate::metadata::Expires> {
    crate::metadata::Expires::from_unix(0).ok_or(TufError::Unreachable("the epoch is not a time"))
}

fn bump(role: &str, version: u64) -> Result<u64> {
    version.checked_add(1).ok_or_else(|| {
        EditorRefusal::VersionExhausted {
            role: role.to_owned(),
        }
        .into()
    })
}

impl Repository {
    fn blank(dir: PathBuf, config: EditorConfig) -> Self {
        Self {
            dir,
            config,
            hmac: DangerousHmacSecrets::none(),
            root: None,
            staged_root: None,
            timestamp: None,
            snapshot: None,
            roles: HashMap::new(),
            parents: HashMap::new(),
            succinct: BTreeMap::new(),
            dirty: BTreeSet::new(),
            new_roles: HashSet::new(),
            resign_snapshot: false,
            resign_timestamp: false,
            poisoned: false,
            progress: None,
            _lock: None,
        }
    }

    /// Takes `REPO/editor.lock` (an advisory lock released when the editor is dropped), so
    /// that two editors never interleave their versions.
    fn lock(&mut self) -> Result<()> {
        let path = self.dir.join("editor.lock");
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io_err(&path))?;
        match f.try_lock() {
            Ok(()) => {
                self._lock = Some(f);
                Ok(())
            }
            Err(std::fs::TryLockError::WouldBlock) => Err(EditorRefusal::RepositoryLocked {
                dir: self.dir.clone(),
            }
            .into()),
            Err(std::fs::TryLockError::Error(e)) => Err(io_err(&path)(e)),
        }
    }

    /// Starts a repository in `dir`: writes `editor.json` and root version 1, unsigned, to
    /// `staged/root.json`. Sign it ([`Repository::sign_root`]) and publish it
    /// ([`Repository::publish_root`], which also writes targets, snapshot and timestamp
    /// version 1), or do all at once with [`Repository::create`].
    pub fn init(dir: impl Into<PathBuf>, options: &InitOptions, now: i64) -> Result<Self> {
        let dir = dir.into();
        let repo_exists = dir.join("metadata").join("root.json").exists()
            || dir.join("staged").join("root.json").exists();
        if repo_exists {
            return Err(EditorRefusal::RepositoryExists { dir }.into());
        }
        let allow = options.config.dangerous_allow_hmac_keys;
        let mut keys = BTreeMap::new();
        let mut roles = BTreeMap::new();
        for (name, spec) in [
            ("root", &options.root),
            ("targets", &options.targets),
            ("snapshot", &options.snapshot),
            ("timestamp", &options.timestamp),
        ] {
            let mut keyids: Vec<String> = Vec::new();
            for k in &spec.keys {
                root::check_new_key(name, k, allow)?;
                let id = root::intern_key(&mut keys, k.clone())?;
                if !keyids.contains(&id) {
                    keyids.push(id);
                }
            }
            root::check_role(name, &keys, &keyids, spec.threshold)?;
            roles.insert(name.to_owned(), Role::new(keyids, spec.threshold));
        }
        let signed = Root {
            common: Common::new(1, options.config.expiry.expires("root", now)?),
            consistent_snapshot: Some(options.consistent_snapshot),
            keys,
            roles,
        };
        let mut repo = Self::blank(dir, options.config.clone());
        for d in [repo.metadata_dir(), repo.targets_dir(), repo.staged_dir()] {
            std::fs::create_dir_all(&d).map_err(io_err(&d))?;
        }
        repo.lock()?;
        write_file(&repo.dir.join("editor.json"), &repo.config.to_bytes())?;
        let md = empty_metadata(signed);
        write_file(&repo.staged_root_path(), &md.to_bytes())?;
        repo.staged_root = Some(md);
        Ok(repo)
    }

    /// [`Repository::init`], signed by every root key in `keys` and published: a ready
    /// repository (with empty targets) when `keys` holds a threshold of every role. If
    /// publishing fails, the signed root stays staged in `dir` (continue with
    /// [`Repository::open`], [`Repository::sign_root`] and [`Repository::publish_root`]).
    pub fn create(
        dir: impl Into<PathBuf>,
        options: &InitOptions,
        keys: &Keyring,
        now: i64,
    ) -> Result<Self> {
        let mut repo = Self::init(dir, options, now)?;
        for s in keys.iter() {
            if repo.staged_root_has_key(s) {
                repo.sign_root(s)?;
            }
        }
        repo.publish_root(keys, now)?;
        Ok(repo)
    }

    /// Opens the repository in `dir`: reads and verifies its root chain, staged root,
    /// timestamp, snapshot and top-level targets (delegated roles are read, and verified, when
    /// needed). Refused with [`TufError::UntrustedRepositoryFile`] if any of them does not verify
    /// (see "Reading the repository" in the [module documentation](self)). Roles keyed with
    /// `hmac-sha256` verify only with [`Repository::dangerous_open_with_hmac_secrets`].
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self> {
        Self::open_inner(dir.into(), DangerousHmacSecrets::none())
    }

    /// **Dangerous** (see [`DangerousHmacSecrets`]): [`Repository::open`] for a repository
    /// whose roles are keyed with `hmac-sha256` (only possible with
    /// [`EditorConfig::dangerous_allow_hmac_keys`]), verifying them with `secrets`.
    pub fn dangerous_open_with_hmac_secrets(
        dir: impl Into<PathBuf>,
        secrets: DangerousHmacSecrets,
    ) -> Result<Self> {
        Self::open_inner(dir.into(), secrets)
    }

    fn open_inner(dir: PathBuf, hmac: DangerousHmacSecrets) -> Result<Self> {
        let config = match load::read_opt(&dir.join("editor.json"), load::MAX_SMALL_FILE)? {
            Some(b) => EditorConfig::from_bytes(&b)?,
            None => EditorConfig::default(),
        };
        let mut repo = Self::blank(dir, config);
        repo.hmac = hmac;
        let mdir = repo.metadata_dir();
        let staged_path = repo.staged_root_path();
        let staged = load::read_opt(&staged_path, load::MAX_SMALL_FILE)?;
        if !mdir.join("root.json").exists() && staged.is_none() {
            return Err(EditorRefusal::NotARepository { dir: repo.dir }.into());
        }
        repo.lock()?;
        repo.root = load::published_root(&mdir, staged.as_deref())?;
        repo.staged_root = staged
            .map(|b| {
                load::staged_root(&b, repo.root.as_ref().map(|r| &r.signed))
                    .map_err(|e| load::untrusted(&staged_path, e))
            })
            .transpose()?;
        if let Some(root) = &repo.root
            && let Some(ts) = load::timestamp(&mdir, &root.signed, &repo.hmac)?
        {
            let v = ts.signed.snapshot_meta.version;
            let path = mdir.join(repo.role_file_name("snapshot", v));
            let snap = load::snapshot(&path, &root.signed, &ts.signed, &repo.hmac)?;
            repo.timestamp = Some(ts);
            repo.snapshot = Some(snap);
            repo.load_role("targets")?;
        }
        Ok(repo)
    }

    /// The repository directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `REPO/metadata`.
    pub fn metadata_dir(&self) -> PathBuf {
        self.dir.join("metadata")
    }

    /// `REPO/targets`.
    pub fn targets_dir(&self) -> PathBuf {
        self.dir.join("targets")
    }

    fn staged_dir(&self) -> PathBuf {
        self.dir.join("staged")
    }

    fn staged_root_path(&self) -> PathBuf {
        self.staged_dir().join("root.json")
    }

    /// The settings.
    pub fn config(&self) -> &EditorConfig {
        &self.config
    }

    /// Replaces the settings and saves them to `editor.json` (they apply from the next commit).
    pub fn set_config(&mut self, config: EditorConfig) -> Result<()> {
        write_file(&self.dir.join("editor.json"), &config.to_bytes())?;
        self.config = config;
        Ok(())
    }

    /// Reports progress of long operations to `f` (from worker threads).
    pub fn set_progress(&mut self, f: Box<ProgressFn>) {
        self.progress = Some(f);
    }

    fn report(&self, stage: Stage, done: u64, total: Option<u64>) {
        if let Some(p) = &self.progress {
            p(Progress { stage, done, total });
        }
    }

    /// The latest published root, if one is.
    pub fn root(&self) -> Option<&Metadata<Root>> {
        self.root.as_deref()
    }

    /// The root version being prepared, if any.
    pub fn staged_root(&self) -> Option<&Metadata<Root>> {
        self.staged_root.as_deref()
    }

    /// The current timestamp.
    pub fn timestamp(&self) -> Option<&Metadata<Timestamp>> {
        self.timestamp.as_deref()
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> Option<&Metadata<Snapshot>> {
        self.snapshot.as_deref()
    }

    /// Whether file names carry versions and target hashes.
    pub fn consistent_snapshot(&self) -> bool {
        self.root
            .as_ref()
            .or(self.staged_root.as_ref())
            .is_some_and(|r| r.signed.consistent_snapshot())
    }

    /// Every targets role: those in snapshot and those created since the last commit.
    pub fn role_names(&self) -> Vec<String> {
        let mut names: BTreeSet<String> = self
            .snapshot
            .iter()
            .flat_map(|s| s.signed.meta.keys())
            .filter_map(|k| k.strip_suffix(".json"))
            .map(str::to_owned)
            .collect();
        names.extend(self.new_roles.iter().cloned());
        names.into_iter().collect()
    }

    /// Whether edits are waiting for [`Repository::commit`].
    pub fn has_uncommitted_changes(&self) -> bool {
        !self.dirty.is_empty() || self.resign_snapshot || self.resign_timestamp
    }

    /// The metadata file name of `role` at `version`, in `REPO/metadata`.
    pub fn role_file_name(&self, role: &str, version: u64) -> String {
        if role != "timestamp" && (role == "root" || self.consistent_snapshot()) {
            format!("{version}.{}.json", quote_role(role))
        } else {
            format!("{}.json", quote_role(role))
        }
    }

    fn usable(&self) -> Result<()> {
        if self.poisoned {
            return Err(TufError::ApiMisuse(Misuse::EditorPoisoned));
        }
        Ok(())
    }

    fn require_published(&self) -> Result<()> {
        self.usable()?;
        if self.root.is_none() || self.snapshot.is_none() {
            return Err(EditorRefusal::NoPublishedRoot {
                dir: self.dir.clone(),
            }
            .into());
        }
        Ok(())
    }

    fn exists_role(&self, name: &str) -> bool {
        self.roles.contains_key(name)
            || self
                .snapshot
                .as_ref()
                .is_some_and(|s| s.signed.meta.contains_key(&format!("{name}.json")))
            || self.succinct.values().any(|s| s.is_bin(name))
    }

    /// Reads targets role `name` from disk if it is not loaded yet, verified against its
    /// delegator (loaded first, the same way) and snapshot's entry for it.
    fn load_role(&mut self, name: &str) -> Result<()> {
        if self.roles.contains_key(name) {
            return Ok(());
        }
        let meta = self
            .snapshot
            .as_ref()
            .and_then(|s| s.signed.meta.get(&format!("{name}.json")))
            .cloned()
            .ok_or_else(|| TufError::NotInSnapshot {
                role: name.to_owned(),
            })?;
        let delegator = self.delegator_of(name)?;
        if self.roles.contains_key(name) {
            return Ok(());
        }
        let path = self
            .metadata_dir()
            .join(self.role_file_name(name, meta.version));
        // Without consistent snapshots a commit that failed before its snapshot leaves a newer
        // ROLE.json than snapshot lists: carry on from it (the next commit lists it).
        let newer_ok = !self.consistent_snapshot();
        let md = load::targets_role(
            &path,
            name,
            self.delegation(name, &delegator)?,
            &meta,
            newer_ok,
            &self.hmac,
        )?;
        if md.signed.common.version != meta.version {
            self.dirty.insert(name.to_owned());
        }
        self.roles.insert(name.to_owned(), md);
        self.index_delegations(name);
        Ok(())
    }

    /// The keys and threshold with which the loaded `delegator` (`root` for `targets`) trusts
    /// `role`.
    fn delegation<'a>(&'a self, role: &'a str, delegator: &str) -> Result<Delegation<'a>> {
        let not_delegated = || TufError::NotDelegated {
            role: role.to_owned(),
            delegator: delegator.to_owned(),
        };
        if delegator == "root" {
            if role != "targets" {
                return Err(not_delegated());
            }
            let root = self
                .root
                .as_ref()
                .ok_or(TufError::Unreachable("targets without a root"))?;
            return load::by_root(&root.signed, "targets");
        }
        let d = self
            .roles
            .get(delegator)
            .and_then(|m| m.signed.delegations.as_ref())
            .ok_or_else(not_delegated)?;
        // The position recorded when the delegator was indexed spares a scan of its list (16,384
        // hash bins are loaded one by one in a bulk edit).
        let indexed = match (&d.roles, self.parents.get(role)) {
            (crate::metadata::DelegatedRoles::Roles(list), Some((p, i))) if p == delegator => {
                list.get(*i).filter(|r| r.name == role)
            }
            _ => None,
        };
        let (keyids, threshold) = match indexed {
            Some(r) => (&*r.keyids, r.threshold),
            None => {
                let rk = d.role_keys(role).ok_or_else(not_delegated)?;
                (rk.keyids, rk.threshold)
            }
        };
        Ok(Delegation {
            role,
            keys: &d.keys,
            keyids,
            threshold,
        })
    }

    fn index_delegations(&mut self, delegator: &str) {
        let Some(d) = self
            .roles
            .get(delegator)
            .and_then(|r| r.signed.delegations.as_ref())
        else {
            return;
        };
        match &d.roles {
            crate::metadata::DelegatedRoles::Roles(list) => {
                for (i, r) in list.iter().enumerate() {
                    self.parents
                        .insert(r.name.clone(), (delegator.to_owned(), i));
                }
            }
            crate::metadata::DelegatedRoles::Succinct(s) => {
                self.succinct.insert(delegator.to_owned(), s.clone());
            }
        }
    }

    /// Targets metadata of `role` (`targets` or a delegated role), read from disk if needed.
    pub fn targets(&mut self, role: &str) -> Result<&Metadata<Targets>> {
        self.require_published()?;
        self.load_role(role)?;
        self.roles
            .get(role)
            .map(|m| &**m)
            .ok_or(TufError::Unreachable("role vanished after loading"))
    }

    /// The role that delegates `role` (`root` for `targets`), searching loaded roles first and
    /// then reading classic delegations breadth-first from `targets`.
    pub fn delegator_of(&mut self, role: &str) -> Result<String> {
        if role == "targets" {
            return Ok("root".into());
        }
        if let Some(p) = self.find_loaded_delegator(role) {
            return Ok(p);
        }
        self.require_published()?;
        let mut queue = std::collections::VecDeque::from([String::from("targets")]);
        let mut seen: HashSet<String> = HashSet::new();
        while let Some(r) = queue.pop_front() {
            if !seen.insert(r.clone()) {
                continue;
            }
            self.load_role(&r)?;
            if let Some(p) = self.find_loaded_delegator(role) {
                return Ok(p);
            }
            if let Some(crate::metadata::DelegatedRoles::Roles(list)) = self
                .roles
                .get(&r)
                .and_then(|m| m.signed.delegations.as_ref())
                .map(|d| &d.roles)
            {
                queue.extend(list.iter().map(|c| c.name.clone()));
            }
        }
        Err(EditorRefusal::NotDelegatedByAnyRole {
            role: role.to_owned(),
        }
        .into())
    }

    /// The role that delegates `name`, where `name` is what [`Repository::change_delegation_keys`]
    /// and [`Repository::revoke`] take: a delegated role (as [`Repository::delegator_of`]
    /// finds it), or the `name_prefix` of succinct hash bins, which is no role's name (the
    /// delegator of bins `bins-0` … `bins-f` is that of `bins`).
    pub fn delegator_of_delegation(&mut self, name: &str) -> Result<String> {
        match self.delegator_of(name) {
            Ok(d) => Ok(d),
            // The search above read every role that lists delegated roles, so every succinct
            // delegation it can reach is indexed.
            Err(e) => self
                .succinct
                .iter()
                .find(|(_, s)| s.name_prefix == name)
                .map(|(d, _)| d.clone())
                .ok_or(e),
        }
    }

    fn find_loaded_delegator(&self, role: &str) -> Option<String> {
        if let Some((p, _)) = self.parents.get(role) {
            return Some(p.clone());
        }
        self.succinct
            .iter()
            .find(|(_, s)| s.is_bin(role))
            .map(|(d, _)| d.clone())
    }

    /// Marks `role` to be re-signed at the next commit with a new version and a fresh expiry:
    /// `snapshot`, `timestamp`, `targets` or a delegated role.
    pub fn resign(&mut self, role: &str) -> Result<()> {
        self.require_published()?;
        match role {
            "root" => {
                return Err(EditorRefusal::RootSignedOffline.into());
            }
            "snapshot" => self.resign_snapshot = true,
            "timestamp" => self.resign_timestamp = true,
            other => {
                self.load_role(other)?;
                self.dirty.insert(other.to_owned());
            }
        }
        Ok(())
    }

    /// Edits targets role `role` in place (its targets, its unknown fields …); it is re-signed
    /// at the next commit. Delegations cannot be changed this way (use
    /// [`Repository::delegate`] and friends, which keep the repository consistent).
    pub fn edit_targets(
        &mut self,
        role: &str,
        edit: impl FnOnce(&mut Targets) -> Result<()>,
    ) -> Result<()> {
        self.require_published()?;
        self.load_role(role)?;
        let md = self
            .roles
            .get(role)
            .ok_or(TufError::Unreachable("role vanished after loading"))?;
        let mut draft = md.signed.clone();
        edit(&mut draft)?;
        if draft.delegations != md.signed.delegations {
            return Err(EditorRefusal::DelegationsEdited {
                role: role.to_owned(),
            }
            .into());
        }
        if draft.common.version != md.signed.common.version {
            return Err(EditorRefusal::VersionEdited {
                role: role.to_owned(),
            }
            .into());
        }
        for (path, file) in &draft.targets {
            check_target_path(path)?;
            target::check_hashes(path, &file.hashes)?;
        }
        if let Some(m) = self.roles.get_mut(role) {
            m.signed = draft;
        }
        self.dirty.insert(role.to_owned());
        Ok(())
    }

    // ----- the offline root -----

    fn staged_root_has_key(&self, s: &Signer) -> bool {
        self.staged_root.as_ref().is_some_and(|r| {
            r.signed.roles.get("root").is_some_and(|role| {
                role.keyids.iter().any(|id| {
                    r.signed
                        .keys
                        .get(id)
                        .is_some_and(|k| same_key(k, s.public_key()))
                })
            })
        })
    }

    /// Edits the next root version: the staged one, or a new one (the published root with
    /// version N+1, a fresh expiry and no signatures). If the edit changes the signed content,
    /// signatures collected so far are dropped. The result is checked (every role satisfiable,
    /// no shared-secret root keys) and saved to `staged/root.json`.
    pub fn edit_root(
        &mut self,
        now: i64,
        edit: impl FnOnce(&mut RootEditor<'_>) -> Result<()>,
    ) -> Result<()> {
        self.usable()?;
        let mut draft = match (&self.staged_root, &self.root) {
            (Some(s), _) => s.clone(),
            (None, Some(r)) => {
                let mut d = r.clone();
                d.signed.common.version = bump("root", r.signed.common.version)?;
                d.signed.common.expires = self.config.expiry.expires("root", now)?;
                d.signatures.clear();
                d
            }
            (None, None) => return Err(TufError::ApiMisuse(Misuse::NoRoot)),
        };
        let before = draft.canonical_signed()?;
        let version = draft.signed.common.version;
        let consistent = draft.signed.consistent_snapshot;
        edit(&mut RootEditor {
            root: &mut draft.signed,
            allow_hmac: self.config.dangerous_allow_hmac_keys,
        })?;
        root::check_root(&draft.signed)?;
        if draft.signed.common.version != version {
            return Err(EditorRefusal::RootVersionEdited {
                expected: version,
                found: draft.signed.common.version,
            }
            .into());
        }
        if self.root.is_some() && draft.signed.consistent_snapshot != consistent {
            return Err(EditorRefusal::ConsistentSnapshotChanged.into());
        }
        if draft.canonical_signed()? != before {
            draft.signatures.clear();
        }
        write_file(&self.staged_root_path(), &draft.to_bytes())?;
        self.staged_root = Some(draft);
        Ok(())
    }

    /// Adds `signer`'s signature to the staged root (it must be a root key of the staged root or
    /// of the current one) and saves it; returns what is still missing.
    pub fn sign_root(&mut self, signer: &Signer) -> Result<RootSigningStatus> {
        self.usable()?;
        let Some(staged) = self.staged_root.as_mut() else {
            return Err(EditorRefusal::NoStagedRootToSign.into());
        };
        let canonical = staged.canonical_signed()?;
        let previous = self.root.as_ref().map(|r| &r.signed);
        root::add_root_signature(staged, &canonical, signer, previous)?;
        let bytes = staged.to_bytes();
        write_file(&self.staged_root_path(), &bytes)?;
        self.root_signing_status()
    }

    /// Replaces the staged root with the root file `bytes` (e.g. carrying signatures added
    /// elsewhere with [`sign_root_bytes`]); it must be the next version.
    pub fn import_staged_root(&mut self, bytes: &[u8]) -> Result<RootSigningStatus> {
        self.usable()?;
        let md = load::staged_root(bytes, self.root.as_ref().map(|r| &r.signed))?;
        root::check_root(&md.signed)?;
        let expected = match &self.root {
            Some(r) => bump("root", r.signed.common.version)?,
            None => 1,
        };
        if md.signed.common.version != expected {
            return Err(TufError::RootVersionNotNext {
                expected,
                found: md.signed.common.version,
            });
        }
        write_file(&self.staged_root_path(), bytes)?;
        self.staged_root = Some(md);
        self.root_signing_status()
    }

    /// How far the staged root is from publishable.
    pub fn root_signing_status(&self) -> Result<RootSigningStatus> {
        let staged = self
            .staged_root
            .as_ref()
            .ok_or(EditorRefusal::NoStagedRoot)?;
        let canonical = staged.canonical_signed()?;
        Ok(root::signing_status(
            staged,
            &canonical,
            self.root.as_ref().map(|r| &r.signed),
        ))
    }

    /// Drops the staged root. Refused if a publish that stopped half-way already wrote it as
    /// the next `N.root.json` (publish it again instead).
    pub fn discard_staged_root(&mut self) -> Result<()> {
        self.usable()?;
        if let Some(r) = &self.root {
            let next = r.signed.common.version.saturating_add(1);
            if self
                .metadata_dir()
                .join(format!("{next}.root.json"))
                .exists()
            {
                return Err(EditorRefusal::StagedRootAlreadyWritten { version: next }.into());
            }
        }
        let path = self.staged_root_path();
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(&path)(e)),
        }
        self.staged_root = None;
        Ok(())
    }

    /// Publishes the staged root: it must be the next version, unexpired, and signed by a
    /// threshold of its own root keys and of the current root's. Top-level roles whose keys
    /// changed are re-signed with `keys` in the same commit (all of targets, snapshot and
    /// timestamp for version 1).
    pub fn publish_root(&mut self, keys: &Keyring, now: i64) -> Result<CommitSummary> {
        self.usable()?;
        let staged = self
            .staged_root
            .clone()
            .ok_or(EditorRefusal::NoStagedRoot)?;
        root::check_root(&staged.signed)?;
        let expected = match &self.root {
            Some(r) => bump("root", r.signed.common.version)?,
            None => 1,
        };
        let c = &staged.signed.common;
        if c.version != expected {
            return Err(TufError::RootVersionNotNext {
                expected,
                found: c.version,
            });
        }
        if c.expires.is_expired(now) {
            return Err(TufError::ExpiredMetadata {
                role: "root".into(),
                expires: c.expires.as_str().to_owned(),
                now: format_time(now),
            });
        }
        let canonical = staged.canonical_signed()?;
        let mut trusted = vec![&staged.signed];
        if let Some(cur) = &self.root {
            trusted.push(&cur.signed);
            if cur.signed.consistent_snapshot() != staged.signed.consistent_snapshot() {
                return Err(EditorRefusal::ConsistentSnapshotChanged.into());
            }
        }
        for t in trusted {
            let r = t
                .roles
                .get("root")
                .ok_or(TufError::Unreachable("root without root"))?;
            verify_threshold(
                Delegation {
                    role: "root",
                    keys: &t.keys,
                    keyids: &r.keyids,
                    threshold: r.threshold,
                },
                &canonical,
                &staged.signatures,
                &DangerousHmacSecrets::none(),
            )?;
        }
        let saved = (
            self.dirty.clone(),
            self.new_roles.clone(),
            self.resign_snapshot,
            self.resign_timestamp,
        );
        let created_targets = match &self.root {
            None => {
                if !self.roles.contains_key("targets") {
                    let t = Targets {
                        common: Common::new(1, self.config.expiry.expires("targets", now)?),
                        targets: BTreeMap::new(),
                        delegations: None,
                    };
                    self.roles.insert("targets".into(), empty_metadata(t));
                    self.new_roles.insert("targets".into());
                }
                self.dirty.insert("targets".into());
                true
            }
            Some(cur) => {
                let cur = cur.signed.clone();
                if root::role_changed(&cur, &staged.signed, "targets") {
                    self.load_role("targets")?;
                    self.dirty.insert("targets".into());
                }
                self.resign_snapshot |= root::role_changed(&cur, &staged.signed, "snapshot");
                self.resign_timestamp |= root::role_changed(&cur, &staged.signed, "timestamp");
                false
            }
        };
        match self.commit_inner(keys, now, Some(&*staged)) {
            Ok(mut summary) => {
                summary.root_version = Some(staged.signed.common.version);
                self.root = Some(staged);
                self.discard_staged_root()?;
                Ok(summary)
            }
            Err(e) => {
                if !self.poisoned {
                    (
                        self.dirty,
                        self.new_roles,
                        self.resign_snapshot,
                        self.resign_timestamp,
                    ) = saved;
                    if created_targets {
                        self.roles.remove("targets");
                    }
                }
                Err(e)
            }
        }
    }

    // ----- commit -----

    /// Signs and writes every changed targets role (new version, fresh expiry), then a new
    /// snapshot and timestamp, with the keys in `keys`. Fails with
    /// [`TufError::ThresholdNotMet`] before writing anything if `keys` lacks a threshold of
    /// keys for a role it must sign. Does nothing if nothing changed.
    pub fn commit(&mut self, keys: &Keyring, now: i64) -> Result<CommitSummary> {
        self.require_published()?;
        self.commit_inner(keys, now, None)
    }

    /// The online job: new snapshot and timestamp versions with fresh expiry, signed with the
    /// online keys in `keys` (plus any pending edits).
    pub fn refresh(&mut self, keys: &Keyring, now: i64) -> Result<CommitSummary> {
        self.require_published()?;
        self.resign_snapshot = true;
        self.resign_timestamp = true;
        self.commit_inner(keys, now, None)
    }

    /// Like [`Repository::refresh`], for timestamp only.
    pub fn refresh_timestamp(&mut self, keys: &Keyring, now: i64) -> Result<CommitSummary> {
        self.require_published()?;
        self.resign_timestamp = true;
        self.commit_inner(keys, now, None)
    }

    fn commit_inner(
        &mut self,
        keys: &Keyring,
        now: i64,
        new_root: Option<&Metadata<Root>>,
    ) -> Result<CommitSummary> {
        let root: Root = match new_root.or(self.root.as_deref()) {
            Some(r) => r.signed.clone(),
            None => return Err(TufError::Unreachable("commit without a root")),
        };
        // 1. Plan: who signs what, and every expiry. Nothing changes until this succeeded.
        let dirty: Vec<String> = self.dirty.iter().cloned().collect();
        let mut delegators = Vec::with_capacity(dirty.len());
        for name in &dirty {
            delegators.push(self.delegator_of(name)?);
        }
        let mut indexes: HashMap<&str, HashMap<&str, usize>> = HashMap::new();
        for d in &delegators {
            if d == "root" || indexes.contains_key(d.as_str()) {
                continue;
            }
            let mut idx = HashMap::new();
            if let Some(crate::metadata::DelegatedRoles::Roles(list)) = self
                .roles
                .get(d)
                .and_then(|m| m.signed.delegations.as_ref())
                .map(|x| &x.roles)
            {
                for (i, r) in list.iter().enumerate() {
                    idx.entry(r.name.as_str()).or_insert(i);
                }
            }
            indexes.insert(d.as_str(), idx);
        }
        let mut plans = Vec::with_capacity(dirty.len());
        let mut expiries = Vec::with_capacity(dirty.len());
        for (name, delegator) in dirty.iter().zip(&delegators) {
            let plan = if delegator == "root" {
                let r = root
                    .roles
                    .get("targets")
                    .ok_or(TufError::Unreachable("root without targets"))?;
                signer::plan_signers(name, &root.keys, &r.keyids, r.threshold, keys)?
            } else {
                let d = self
                    .roles
                    .get(delegator)
                    .and_then(|m| m.signed.delegations.as_ref())
                    .ok_or_else(|| TufError::NotDelegated {
                        role: name.clone(),
                        delegator: delegator.clone(),
                    })?;
                let (keyids, threshold) = match &d.roles {
                    crate::metadata::DelegatedRoles::Roles(list) => {
                        let i = indexes
                            .get(delegator.as_str())
                            .and_then(|m| m.get(name.as_str()))
                            .ok_or_else(|| TufError::NotDelegated {
                                role: name.clone(),
                                delegator: delegator.clone(),
                            })?;
                        (&*list[*i].keyids, list[*i].threshold)
                    }
                    crate::metadata::DelegatedRoles::Succinct(s) => (&s.keyids[..], s.threshold),
                };
                signer::plan_signers(name, &d.keys, keyids, threshold, keys)?
            };
            plans.push(plan);
            expiries.push(self.config.expiry.expires(name, now)?);
        }
        let need_snapshot = !dirty.is_empty() || self.resign_snapshot || self.snapshot.is_none();
        let need_timestamp = need_snapshot || self.resign_timestamp || self.timestamp.is_none();
        let top_plan = |role: &str| -> Result<Vec<(String, &Signer)>> {
            let r = root
                .roles
                .get(role)
                .ok_or(TufError::Unreachable("root without a top-level role"))?;
            signer::plan_signers(role, &root.keys, &r.keyids, r.threshold, keys)
        };
        let snapshot_plan = if need_snapshot {
            Some((
                top_plan("snapshot")?,
                self.config.expiry.expires("snapshot", now)?,
            ))
        } else {
            None
        };
        let timestamp_plan = if need_timestamp {
            Some((
                top_plan("timestamp")?,
                self.config.expiry.expires("timestamp", now)?,
            ))
        } else {
            None
        };
        if new_root.is_none() && !need_snapshot && !need_timestamp {
            return Ok(CommitSummary::default());
        }

        // 2. New versions and expiries of the targets roles.
        self.poisoned = true;
        for (name, expires) in dirty.iter().zip(expiries) {
            let fresh = self.new_roles.contains(name);
            let md = self
                .roles
                .get_mut(name)
                .ok_or(TufError::Unreachable("dirty role not loaded"))?;
            let c = &mut md.signed.common;
            if !fresh {
                c.version = bump(name, c.version)?;
            }
            c.expires = expires;
        }

        // 3. Sign, serialise and write the targets roles on every core.
        let mdir = self.metadata_dir();
        let consistent = root.consistent_snapshot();
        let with_hashes = self.config.snapshot_meta_hashes;
        let jobs: Vec<(&String, &Vec<(String, &Signer)>)> = dirty.iter().zip(&plans).collect();
        let total = jobs.len() as u64;
        let roles = &self.roles;
        let progress = &self.progress;
        let report = |done: usize| {
            if let Some(p) = progress
                && (done.is_multiple_of(256) || done as u64 == total)
            {
                p(Progress {
                    stage: Stage::SigningRoles,
                    done: done as u64,
                    total: Some(total),
                });
            }
        };
        let written = produce_and_write(
            &jobs,
            consistent,
            |(name, plan)| {
                let md = roles
                    .get(name.as_str())
                    .ok_or(TufError::Unreachable("dirty role not loaded"))?;
                let canonical = write::targets_canonical(name, md)?;
                let sigs = signer::sign_all(plan, &canonical)?;
                let bytes = file_bytes(name, &md.unknown, &sigs, &canonical)?;
                let version = md.signed.common.version;
                let file = if consistent {
                    format!("{version}.{}.json", quote_role(name))
                } else {
                    format!("{}.json", quote_role(name))
                };
                let (length, hashes) = if with_hashes {
                    let mut h = Hashes::new();
                    h.insert(
                        "sha256".to_owned(),
                        hex_encode(&lumen_crypto::hash::sha256(&bytes)),
                    );
                    (Some(bytes.len() as u64), Some(h))
                } else {
                    (None, None)
                };
                Ok(Produced {
                    path: mdir.join(file),
                    bytes,
                    result: (sigs, version, length, hashes),
                })
            },
            &report,
        )?;

        // 4. Snapshot.
        let mut snapshot_version = None;
        if let Some((plan, expires)) = snapshot_plan {
            let mut snap = match self.snapshot.take() {
                Some(mut s) => {
                    s.signed.common.version = bump("snapshot", s.signed.common.version)?;
                    s
                }
                None => empty_metadata(Snapshot {
                    common: Common::new(1, expires.clone()),
                    meta: BTreeMap::new(),
                }),
            };
            snap.signed.common.expires = expires;
            for (name, (sigs, version, length, hashes)) in dirty.iter().zip(written) {
                if let Some(md) = self.roles.get_mut(name) {
                    md.signatures = sigs;
                }
                let key = format!("{name}.json");
                let mut entry = snap
                    .signed
                    .meta
                    .remove(&key)
                    .unwrap_or_else(|| MetaFile::new(version));
                entry.version = version;
                entry.length = length;
                entry.hashes = hashes;
                snap.signed.meta.insert(key, entry);
            }
            let canonical = snap.canonical_signed()?;
            snap.signatures = signer::sign_all(&plan, &canonical)?;
            let bytes = file_bytes("snapshot", &snap.unknown, &snap.signatures, &canonical)?;
            let v = snap.signed.common.version;
            let name = if consistent {
                format!("{v}.snapshot.json")
            } else {
                "snapshot.json".to_owned()
            };
            write_file(&mdir.join(name), &bytes)?;
            let mut ts_meta_hashes = Hashes::new();
            ts_meta_hashes.insert(
                "sha256".to_owned(),
                hex_encode(&lumen_crypto::hash::sha256(&bytes)),
            );
            snapshot_version = Some((v, bytes.len() as u64, ts_meta_hashes));
            self.snapshot = Some(snap);
        }

        // 5. Root.
        if let Some(r) = new_root {
            let bytes = r.to_bytes();
            write_file(
                &mdir.join(format!("{}.root.json", r.signed.common.version)),
                &bytes,
            )?;
            write_file(&mdir.join("root.json"), &bytes)?;
        }
        sync_dir(&mdir)?;

        // 6. Timestamp, last.
        let mut timestamp_version = None;
        if let Some((plan, expires)) = timestamp_plan {
            let snap_v = self
                .snapshot
                .as_ref()
                .map(|s| s.signed.common.version)
                .ok_or(TufError::Unreachable("timestamp without snapshot"))?;
            let mut ts = match self.timestamp.take() {
                Some(mut t) => {
                    t.signed.common.version = bump("timestamp", t.signed.common.version)?;
                    t
                }
                None => empty_metadata(Timestamp {
                    common: Common::new(1, expires.clone()),
                    snapshot_meta: MetaFile::new(snap_v),
                    meta_unknown: Fields::new(),
                }),
            };
            ts.signed.common.expires = expires;
            if let Some((v, length, hashes)) = snapshot_version.clone() {
                let m = &mut ts.signed.snapshot_meta;
                m.version = v;
                m.length = Some(length);
                m.hashes = Some(hashes);
            }
            let canonical = ts.canonical_signed()?;
            ts.signatures = signer::sign_all(&plan, &canonical)?;
            let bytes = file_bytes("timestamp", &ts.unknown, &ts.signatures, &canonical)?;
            write_file(&mdir.join("timestamp.json"), &bytes)?;
            sync_dir(&mdir)?;
            timestamp_version = Some(ts.signed.common.version);
            self.timestamp = Some(ts);
        }

        self.dirty.clear();
        self.new_roles.clear();
        self.resign_snapshot = false;
        self.resign_timestamp = false;
        self.poisoned = false;
        Ok(CommitSummary {
            root_version: None,
            targets_roles: dirty.len(),
            snapshot_version: snapshot_version.map(|(v, _, _)| v),
            timestamp_version,
        })
    }
}
