//! The client workflow (spec §5, "Detailed client workflow"): [`Updater::refresh`] updates root,
//! timestamp, snapshot and top-level targets; [`Updater::get_targetinfo`] searches delegations;
//! [`Updater::download_target`] fetches a target with its length as a hard cap and every listed
//! hash checked while it streams. Modelled on python-tuf's `ngclient.Updater`.
//!
//! Decisions are made by [`TrustedMetadataSet`]; this module only moves bytes: it reads the
//! local copy first (untrusted, checked like anything fetched), fetches when that is not the
//! final answer, and persists metadata only after the trusted set accepted it.

use crate::error::{FetchError, Mismatch, Result, TufError};
use crate::fetch::{Fetcher, fetch_capped};
use crate::hashing::MultiHasher;
use crate::keys::DangerousHmacSecrets;
use crate::metadata::Targets;
use crate::metadata::{MetaFile, TargetFile};
use crate::store::{MetadataStore, quote_role};
use crate::trusted::{TimestampUpdate, TrustedMetadataSet, Verified};
use lumen_crypto::fs::{AtomicWrite, Durability, FileMode};
use std::collections::HashSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Limits and options of an [`Updater`]. The defaults are python-tuf's.
#[derive(Debug, Clone)]
pub struct UpdaterConfig {
    /// At most this many root versions are fetched in one update (spec 5.3.3).
    pub max_root_rotations: u64,
    /// At most this many delegated roles are visited in one target search.
    pub max_delegations: usize,
    /// Size cap of a root file.
    pub root_max_length: u64,
    /// Size cap of the timestamp file.
    pub timestamp_max_length: u64,
    /// Size cap of the snapshot file when the timestamp does not list its length.
    pub snapshot_max_length: u64,
    /// Size cap of a targets file when the snapshot does not list its length.
    pub targets_max_length: u64,
    /// With consistent snapshots, fetch targets as `dir/HASH.basename`.
    pub prefix_targets_with_hash: bool,
    /// The update's reference time (Unix seconds); `None` takes the clock once at construction.
    pub reference_time: Option<i64>,
    /// Opt-in `hmac-sha256` secrets; empty by default. See [`DangerousHmacSecrets`].
    pub dangerous_hmac_secrets: DangerousHmacSecrets,
}

impl Default for UpdaterConfig {
    fn default() -> Self {
        Self {
            max_root_rotations: 256,
            max_delegations: 32,
            root_max_length: 512_000,
            timestamp_max_length: 16_384,
            snapshot_max_length: 2_000_000,
            targets_max_length: 5_000_000,
            prefix_targets_with_hash: true,
            reference_time: None,
            dangerous_hmac_secrets: DangerousHmacSecrets::none(),
        }
    }
}

/// A target found by [`Updater::get_targetinfo`].
#[derive(Debug, Clone, PartialEq)]
pub struct TargetInfo {
    /// The target path.
    pub path: String,
    /// Its length and hashes.
    pub file: TargetFile,
}

/// A TUF client over a metadata store and a metadata fetcher.
pub struct Updater<S: MetadataStore, F: Fetcher> {
    store: S,
    fetcher: F,
    config: UpdaterConfig,
    trusted: TrustedMetadataSet,
    refreshed: bool,
}

impl<S: MetadataStore, F: Fetcher> std::fmt::Debug for Updater<S, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Updater")
            .field("config", &self.config)
            .field("refreshed", &self.refreshed)
            .finish_non_exhaustive()
    }
}

impl<S: MetadataStore, F: Fetcher> Updater<S, F> {
    /// Starts from the root persisted in `store` by an earlier update or by
    /// [`Updater::bootstrap`].
    pub fn new(store: S, fetcher: F, config: UpdaterConfig) -> Result<Self> {
        let root = store
            .load("root", config.root_max_length)
            .map_err(|source| TufError::Io {
                path: PathBuf::from("root.json"),
                source,
            })?
            .ok_or(TufError::ApiMisuse(crate::error::Misuse::NoTrustedRoot))?;
        Self::start(store, fetcher, config, &root)
    }

    /// Starts from `root` (the root the application ships), verifies it is self-signed and
    /// persists it as the trusted root.
    pub fn bootstrap(store: S, fetcher: F, config: UpdaterConfig, root: &[u8]) -> Result<Self> {
        let u = Self::start(store, fetcher, config, root)?;
        u.persist("root", root)?;
        Ok(u)
    }

    fn start(store: S, fetcher: F, config: UpdaterConfig, root: &[u8]) -> Result<Self> {
        let now = config
            .reference_time
            .unwrap_or_else(lumen_crypto::time::unix_now);
        let trusted = TrustedMetadataSet::new(root, now, config.dangerous_hmac_secrets.clone())?;
        Ok(Self {
            store,
            fetcher,
            config,
            trusted,
            refreshed: false,
        })
    }

    /// The trusted metadata.
    pub fn trusted(&self) -> &TrustedMetadataSet {
        &self.trusted
    }

    /// The metadata store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Updates root, timestamp, snapshot and top-level targets (spec 5.3–5.6). Call it once per
    /// updater; [`Updater::get_targetinfo`] calls it if it has not run.
    pub fn refresh(&mut self) -> Result<()> {
        if self.refreshed {
            return Err(TufError::ApiMisuse(crate::error::Misuse::RefreshTwice));
        }
        self.refreshed = true;
        self.load_root()?;
        self.load_timestamp()?;
        self.load_snapshot()?;
        self.load_targets("targets", "root")?;
        Ok(())
    }

    fn persist(&self, role: &str, bytes: &[u8]) -> Result<()> {
        self.store
            .store(role, bytes)
            .map_err(|source| TufError::Io {
                path: PathBuf::from(format!("{}.json", quote_role(role))),
                source,
            })
    }

    fn local(&self, role: &str, max: u64) -> Option<Vec<u8>> {
        self.store.load(role, max).ok().flatten()
    }

    fn download(&self, role: &str, max: u64, version: Option<u64>) -> Result<Vec<u8>> {
        let name = match version {
            Some(v) => format!("{v}.{}.json", quote_role(role)),
            None => format!("{}.json", quote_role(role)),
        };
        fetch_capped(&self.fetcher, &name, max)
    }

    fn load_root(&mut self) -> Result<()> {
        // A trusted root at u64::MAX has no successor; `+ 1` would overflow (a panic on signed
        // input). Regression test: tests/attacks.rs `root_at_the_largest_version_does_not_overflow`.
        let Some(first) = self.trusted.root().signed().common.version.checked_add(1) else {
            return Ok(());
        };
        let last = first.saturating_add(self.config.max_root_rotations);
        for version in first..last {
            let bytes = match self.download("root", self.config.root_max_length, Some(version)) {
                Ok(b) => b,
                Err(TufError::Fetch { source, .. }) if source.is_not_found() => break,
                Err(e) => return Err(e),
            };
            self.trusted.update_root(&bytes)?;
            self.persist("root", &bytes)?;
        }
        Ok(())
    }

    fn load_timestamp(&mut self) -> Result<()> {
        if let Some(local) = self.local("timestamp", self.config.timestamp_max_length) {
            // An invalid or expired local timestamp is not fatal: if it verified, it stays as the
            // rollback reference; if the keys rotated it does not verify (fast-forward recovery).
            let _ = self.trusted.update_timestamp(&local);
        }
        let bytes = self.download("timestamp", self.config.timestamp_max_length, None)?;
        match self.trusted.update_timestamp(&bytes)? {
            TimestampUpdate::Unchanged => Ok(()),
            TimestampUpdate::Updated => self.persist("timestamp", &bytes),
        }
    }

    /// For a file its referrer lists as `meta`: the size cap of a download (the listed length,
    /// else the default), the size cap of the cached copy, and (with consistent snapshots) the
    /// version to fetch. The cached copy may be an older version of another length, which must
    /// still be read (it is the rollback reference), so its cap is the larger of the two: metadata
    /// larger than the default cap is not refetched on every update either.
    fn plan(&self, meta: &MetaFile, default_max: u64) -> (u64, u64, Option<u64>) {
        let consistent = self.trusted.root().signed().consistent_snapshot();
        let max = meta.length.unwrap_or(default_max);
        (
            max,
            max.max(default_max),
            consistent.then_some(meta.version),
        )
    }

    fn load_snapshot(&mut self) -> Result<()> {
        let ts = self
            .trusted
            .timestamp()
            .ok_or(TufError::Unreachable("no timestamp"))?;
        let (max, local_max, version) =
            self.plan(&ts.signed().snapshot_meta, self.config.snapshot_max_length);
        if let Some(local) = self.local("snapshot", local_max)
            && self.trusted.update_snapshot(&local, true).is_ok()
        {
            return Ok(());
        }
        let bytes = self.download("snapshot", max, version)?;
        self.trusted.update_snapshot(&bytes, false)?;
        self.persist("snapshot", &bytes)
    }

    fn load_targets(&mut self, role: &str, delegator: &str) -> Result<&Verified<Targets>> {
        if self.trusted.targets(role).is_some() {
            return self.trusted.check_delegation(role, delegator);
        }
        let snapshot = self
            .trusted
            .snapshot()
            .ok_or(TufError::ApiMisuse(crate::error::Misuse::NoTrustedSnapshot))?;
        let meta = snapshot
            .signed()
            .meta
            .get(&format!("{role}.json"))
            .ok_or_else(|| TufError::NotInSnapshot {
                role: role.to_owned(),
            })?;
        let (max, local_max, version) = self.plan(meta, self.config.targets_max_length);
        if let Some(local) = self.local(role, local_max)
            && self
                .trusted
                .update_delegated_targets(&local, role, delegator)
                .is_ok()
        {
            return self.trusted.check_delegation(role, delegator);
        }
        let bytes = self.download(role, max, version)?;
        self.trusted
            .update_delegated_targets(&bytes, role, delegator)?;
        self.persist(role, &bytes)?;
        self.trusted.check_delegation(role, delegator)
    }

    /// Finds `path` by a pre-order depth-first search of the delegation graph (spec 5.7):
    /// children in listed order, a terminating match ends backtracking, a (role, delegator) pair
    /// is visited once, and at most `max_delegations` roles are visited. Each role is verified
    /// against the delegator through which the search reached it.
    pub fn get_targetinfo(&mut self, path: &str) -> Result<TargetInfo> {
        if !self.refreshed {
            self.refresh()?;
        }
        let mut stack: Vec<(String, String)> = vec![("targets".into(), "root".into())];
        let mut visited: HashSet<(String, String)> = HashSet::new();
        while visited.len() <= self.config.max_delegations {
            let Some((role, delegator)) = stack.pop() else {
                break;
            };
            if visited.contains(&(role.clone(), delegator.clone())) {
                continue;
            }
            let targets = self.load_targets(&role, &delegator)?.signed();
            if let Some(file) = targets.targets.get(path) {
                return Ok(TargetInfo {
                    path: path.to_owned(),
                    file: file.clone(),
                });
            }
            let mut children = Vec::new();
            let mut terminated = false;
            if let Some(d) = &targets.delegations {
                for (child, terminating) in d.roles_for_target(path) {
                    children.push((child, role.clone()));
                    if terminating {
                        terminated = true;
                        break;
                    }
                }
            }
            visited.insert((role, delegator));
            if terminated {
                stack.clear();
            }
            stack.extend(children.into_iter().rev());
        }
        Err(TufError::TargetNotFound {
            path: path.to_owned(),
        })
    }

    /// The URL path (relative to the target base) of a target.
    pub fn target_url_path(&self, info: &TargetInfo) -> String {
        let consistent = self.trusted.root().signed().consistent_snapshot();
        match (
            consistent && self.config.prefix_targets_with_hash,
            info.file.name_hash(),
        ) {
            (true, Some(hash)) => match info.path.rsplit_once('/') {
                Some((dir, base)) => format!("{dir}/{hash}.{base}"),
                None => format!("{hash}.{}", info.path),
            },
            _ => info.path.clone(),
        }
    }

    /// `dest` if it exists and has the target's length and hashes.
    pub fn find_cached_target(&self, info: &TargetInfo, dest: &Path) -> Option<PathBuf> {
        let f = lumen_crypto::fs::open_regular_file(dest).ok()?;
        let mut hasher = MultiHasher::new(&info.file.hashes, &info.path).ok()?;
        let mut n = 0u64;
        let mut r = f.take(info.file.length.saturating_add(1));
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let k = r.read(&mut buf).ok()?;
            if k == 0 {
                break;
            }
            n += k as u64;
            hasher.update(&buf[..k]);
        }
        (n == info.file.length && hasher.finish(&info.path).is_ok()).then(|| dest.to_path_buf())
    }

    /// Downloads the target from `targets` (a fetcher at the target base URL) into `dest`: at
    /// most `length` bytes are read, every listed hash is computed while streaming, and `dest`
    /// appears (atomically, by rename) only if length and all hashes match. It is not fsynced:
    /// callers that need durability sync it themselves.
    pub fn download_target(
        &self,
        info: &TargetInfo,
        targets: &dyn Fetcher,
        dest: &Path,
    ) -> Result<PathBuf> {
        let rel = self.target_url_path(info);
        let fetch_err = |source| TufError::Fetch {
            url: targets.location(&rel),
            source,
        };
        let mut hasher = MultiHasher::new(&info.file.hashes, &info.path)?;
        let reader = targets.open(&rel).map_err(fetch_err)?;
        let dir = dest.parent().unwrap_or(Path::new("."));
        let io_err = |source| TufError::Io {
            path: dest.to_path_buf(),
            source,
        };
        let mut tmp = AtomicWrite::new(FileMode::Private, Durability::RenameOnly)
            .stage_in(dir)
            .map_err(|e| io_err(e.into_io_error()))?;
        let cap = info.file.length;
        let mut r = reader.take(cap.saturating_add(1));
        let mut buf = vec![0u8; 64 * 1024];
        let mut n = 0u64;
        loop {
            let k = r.read(&mut buf).map_err(|e| fetch_err(FetchError::Io(e)))?;
            if k == 0 {
                break;
            }
            n += k as u64;
            if n > cap {
                return Err(TufError::LengthOrHashMismatch {
                    what: info.path.clone(),
                    mismatch: Mismatch::Length {
                        expected: cap,
                        found: n,
                    },
                });
            }
            hasher.update(&buf[..k]);
            tmp.write_all(&buf[..k]).map_err(io_err)?;
        }
        if n != cap {
            return Err(TufError::LengthOrHashMismatch {
                what: info.path.clone(),
                mismatch: Mismatch::Length {
                    expected: cap,
                    found: n,
                },
            });
        }
        hasher.finish(&info.path)?;
        // No fsync: a cached target is re-verified before reuse (`find_cached_target`).
        tmp.commit(dest).map_err(|e| io_err(e.into_io_error()))?;
        Ok(dest.to_path_buf())
    }
}
