//! Reading the repository back from disk. Every metadata file the editor builds on is read and
//! verified here (see "Reading the repository" in the [module documentation](super)), and only
//! here does metadata read from bytes become a [`Trusted`] value, the only kind the
//! [`super::Repository`] holds.

use crate::keys::{DangerousHmacSecrets, Delegation, verify_threshold};
use crate::metadata::{Fields, MetaFile, Metadata, Root, Signed, Snapshot, Targets, Timestamp};
use crate::trusted::verify_length_and_hashes;
use crate::{Result, TufError};
use std::path::Path;

/// Metadata the editor may build on: read from disk and verified by this module, or made by the
/// editor itself ([`Trusted::created`], with no signatures). The field is private to this
/// module, so nothing else turns parsed bytes into one. The editor edits it in place (through
/// `DerefMut`) and signs it again at the next commit.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Trusted<T>(Metadata<T>);

impl<T> Trusted<T> {
    /// Metadata the editor makes itself: `signed` as it built it, not signed yet.
    pub(crate) fn created(signed: T) -> Self {
        Self(Metadata {
            signed,
            signatures: Vec::new(),
            unknown: Fields::new(),
        })
    }
}

impl<T> std::ops::Deref for Trusted<T> {
    type Target = Metadata<T>;

    fn deref(&self) -> &Metadata<T> {
        &self.0
    }
}

impl<T> std::ops::DerefMut for Trusted<T> {
    fn deref_mut(&mut self) -> &mut Metadata<T> {
        &mut self.0
    }
}

/// `err` about the repository file `path`: anything but I/O becomes
/// [`TufError::UntrustedRepositoryFile`].
pub(crate) fn untrusted(path: &Path, err: TufError) -> TufError {
    match err {
        e @ TufError::Io { .. } => e,
        e => TufError::UntrustedRepositoryFile {
            path: path.to_path_buf(),
            source: Box::new(e),
        },
    }
}

fn io_err(path: &Path, source: std::io::Error) -> TufError {
    TufError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The largest root, timestamp, staged root or `editor.json` the editor reads (16 MiB): far above
/// what it writes, and a bound on the memory a file swapped in behind its back can take.
pub(crate) const MAX_SMALL_FILE: u64 = 16 << 20;
/// The largest snapshot or targets role the editor reads (256 MiB: about a million targets in one
/// role; hash bins keep real roles far smaller).
pub(crate) const MAX_ROLE_FILE: u64 = 256 << 20;

/// The bytes of `path` (a regular file of at most `max` bytes), or `None` if it does not exist.
pub(crate) fn read_opt(path: &Path, max: u64) -> Result<Option<Vec<u8>>> {
    match lumen_crypto::fs::read_regular_file(path, max).map_err(std::io::Error::from) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err(path, e)),
    }
}

fn read(path: &Path, max: u64) -> Result<Vec<u8>> {
    lumen_crypto::fs::read_regular_file(path, max).map_err(|e| io_err(path, e.into()))
}

/// Root's keys and threshold for top-level role `role`.
pub(crate) fn by_root<'a>(root: &'a Root, role: &'a str) -> Result<Delegation<'a>> {
    let r = root
        .role(role)
        .ok_or(TufError::Unreachable("root without a top-level role"))?;
    Ok(Delegation {
        role,
        keys: &root.keys,
        keyids: &r.keyids,
        threshold: r.threshold,
    })
}

/// `bytes` parsed as `T` and signed by a threshold of `d`.
fn parse_verified<T: Signed>(
    bytes: &[u8],
    role: &str,
    d: Delegation<'_>,
    hmac: &DangerousHmacSecrets,
) -> Result<Metadata<T>> {
    Metadata::<T>::parse_and_verify(bytes, role, |canonical, sigs| {
        verify_threshold(d, canonical, sigs, hmac)
    })
    .map(|(md, _)| md)
}

/// One link of the root chain: `bytes` is root version `version`, signed by a threshold of the
/// root keys of `previous` (the version before, if any) and of its own.
fn root_link(bytes: &[u8], version: u64, previous: Option<&Root>) -> Result<Metadata<Root>> {
    let parsed = Metadata::<Root>::from_bytes(bytes, "root")?;
    let none = DangerousHmacSecrets::none();
    if let Some(p) = previous {
        verify_threshold(
            by_root(p, "root")?,
            &parsed.canonical_signed,
            &parsed.metadata.signatures,
            &none,
        )?;
    }
    let found = parsed.metadata.signed.common.version;
    if found != version {
        return Err(TufError::RootVersionNotNext {
            expected: version,
            found,
        });
    }
    verify_threshold(
        by_root(&parsed.metadata.signed, "root")?,
        &parsed.canonical_signed,
        &parsed.metadata.signatures,
        &none,
    )?;
    Ok(parsed.metadata)
}

/// The published root: `metadata/root.json`, which must be byte for byte `N.root.json`, the
/// last link of the chain `1.root.json` … `N.root.json` (N is its version), each version signed
/// by a threshold of its own root keys and of the version before (version 1, the trust anchor,
/// by its own). A newer `N+1.root.json` is refused as a rollback of `root.json` unless it is the
/// staged root (`staged`, its bytes): a publish that stopped before `root.json` was replaced.
/// `None` if there is no `root.json`.
pub(crate) fn published_root(mdir: &Path, staged: Option<&[u8]>) -> Result<Option<Trusted<Root>>> {
    let path = mdir.join("root.json");
    let Some(bytes) = read_opt(&path, MAX_SMALL_FILE)? else {
        return Ok(None);
    };
    let n = Metadata::<Root>::from_bytes(&bytes, "root")
        .map_err(|e| untrusted(&path, e))?
        .metadata
        .signed
        .common
        .version;
    let mut chain: Option<Metadata<Root>> = None;
    for v in 1..=n {
        let p = mdir.join(format!("{v}.root.json"));
        let b = read(&p, MAX_SMALL_FILE)?;
        let link =
            root_link(&b, v, chain.as_ref().map(|r| &r.signed)).map_err(|e| untrusted(&p, e))?;
        if v == n && b != bytes {
            let hex = |b: &[u8]| lumen_crypto::encoding::hex_encode(&lumen_crypto::hash::sha256(b));
            return Err(untrusted(
                &path,
                TufError::LengthOrHashMismatch {
                    what: "root.json".into(),
                    mismatch: crate::Mismatch::Hash {
                        algorithm: "sha256".into(),
                        expected: hex(&b),
                        found: hex(&bytes),
                    },
                },
            ));
        }
        chain = Some(link);
    }
    let next_path = mdir.join(format!("{}.root.json", n.saturating_add(1)));
    let same_root = |a: &[u8], b: &[u8]| {
        let parse = |x: &[u8]| {
            Metadata::<Root>::from_bytes(x, "root")
                .ok()
                .map(|p| p.metadata)
        };
        parse(a).is_some_and(|a| Some(a) == parse(b))
    };
    if let Some(next) = read_opt(&next_path, MAX_SMALL_FILE)?
        && !staged.is_some_and(|s| same_root(s, &next))
    {
        return Err(untrusted(
            &path,
            TufError::RollbackDetected {
                role: "root".into(),
                trusted: n.saturating_add(1),
                new: n,
            },
        ));
    }
    Ok(chain.map(Trusted))
}

/// Checks the signatures a root version collecting signatures carries: each must verify with
/// the root key its key id names, in `root` itself or in `previous` (the published root it
/// succeeds), else [`TufError::InvalidSignature`]. Missing signatures are not an error (the
/// thresholds are checked when it is published). A key id that neither root lists for `root`
/// cannot be judged without `previous`: it is an error when `strict`, else it is kept.
pub(crate) fn check_collected_signatures(
    root: &Metadata<Root>,
    canonical: &[u8],
    previous: Option<&Root>,
    strict: bool,
) -> Result<()> {
    let none = DangerousHmacSecrets::none();
    for sig in &root.signatures {
        let mut known = false;
        let mut valid = false;
        for r in std::iter::once(&root.signed).chain(previous) {
            let Some(role) = r.role("root") else { continue };
            if !role.keyids.contains(&sig.keyid) {
                continue;
            }
            known = true;
            let one = Delegation {
                role: "root",
                keys: &r.keys,
                keyids: std::slice::from_ref(&sig.keyid),
                threshold: 1,
            };
            if verify_threshold(one, canonical, std::slice::from_ref(sig), &none).is_ok() {
                valid = true;
                break;
            }
        }
        if (known && !valid) || (!known && strict) {
            return Err(TufError::InvalidSignature {
                role: "root".into(),
                keyid: sig.keyid.clone(),
            });
        }
    }
    Ok(())
}

/// A root version collecting signatures (`staged/root.json`, or a copy being imported): every
/// signature it carries verifies with a root key of its own or of `current`, the published root
/// (see [`check_collected_signatures`]).
pub(crate) fn staged_root(bytes: &[u8], current: Option<&Root>) -> Result<Trusted<Root>> {
    let parsed = Metadata::<Root>::from_bytes(bytes, "staged root")?;
    check_collected_signatures(&parsed.metadata, &parsed.canonical_signed, current, true)?;
    Ok(Trusted(parsed.metadata))
}

/// `metadata/timestamp.json`, signed by a threshold of `root`'s timestamp keys; `None` if there
/// is none.
pub(crate) fn timestamp(
    mdir: &Path,
    root: &Root,
    hmac: &DangerousHmacSecrets,
) -> Result<Option<Trusted<Timestamp>>> {
    let path = mdir.join("timestamp.json");
    let Some(bytes) = read_opt(&path, MAX_SMALL_FILE)? else {
        return Ok(None);
    };
    let d = by_root(root, "timestamp")?;
    parse_verified::<Timestamp>(&bytes, "timestamp", d, hmac)
        .map(|md| Some(Trusted(md)))
        .map_err(|e| untrusted(&path, e))
}

/// The snapshot file `path` that `timestamp` lists: signed by a threshold of `root`'s snapshot
/// keys, with the version, length and hashes the timestamp lists.
pub(crate) fn snapshot(
    path: &Path,
    root: &Root,
    timestamp: &Timestamp,
    hmac: &DangerousHmacSecrets,
) -> Result<Trusted<Snapshot>> {
    let bytes = read(path, MAX_ROLE_FILE)?;
    let check = || {
        let md = parse_verified::<Snapshot>(&bytes, "snapshot", by_root(root, "snapshot")?, hmac)?;
        let meta = &timestamp.snapshot_meta;
        let found = md.signed.common.version;
        if found != meta.version {
            return Err(TufError::MixAndMatch {
                role: "snapshot".into(),
                referrer: "timestamp",
                expected: meta.version,
                found,
            });
        }
        verify_length_and_hashes(meta, &bytes, "snapshot.json")?;
        Ok(Trusted(md))
    };
    check().map_err(|e| untrusted(path, e))
}

/// The targets role `name` in the file `path`: signed by a threshold of `d` (its delegator's
/// keys for it), with the version, length and hashes snapshot's entry `meta` lists. With
/// `newer_ok` (repositories without consistent snapshots, where a commit that stopped before
/// its snapshot leaves a newer `ROLE.json` than snapshot lists) a newer version is taken too;
/// its signatures are checked all the same.
pub(crate) fn targets_role(
    path: &Path,
    name: &str,
    d: Delegation<'_>,
    meta: &MetaFile,
    newer_ok: bool,
    hmac: &DangerousHmacSecrets,
) -> Result<Trusted<Targets>> {
    let bytes = read(path, MAX_ROLE_FILE)?;
    let check = || {
        let md = parse_verified::<Targets>(&bytes, name, d, hmac)?;
        let found = md.signed.common.version;
        if found == meta.version {
            verify_length_and_hashes(meta, &bytes, &format!("{name}.json"))?;
        } else if !(newer_ok && found > meta.version) {
            return Err(TufError::MixAndMatch {
                role: name.to_owned(),
                referrer: "snapshot",
                expected: meta.version,
                found,
            });
        }
        Ok(Trusted(md))
    };
    check().map_err(|e| untrusted(path, e))
}
