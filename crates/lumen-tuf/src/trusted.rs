//! The gatekeeper: [`TrustedMetadataSet`] holds the only metadata the client trusts and decides,
//! byte string by byte string, whether new metadata may join it (spec §5.3–§5.6).
//!
//! It does no I/O and takes its reference time once, at construction: every expiry check of one
//! update uses the same instant. It enforces the workflow's order (root, then timestamp, then
//! snapshot, then targets and delegations); calling out of order is
//! [`TufError::ApiMisuse`], with the [`Misuse`] naming the rule broken.
//! Modelled on python-tuf's `ngclient/_internal/trusted_metadata_set.py`.

use crate::error::{Mismatch, Misuse, Result, TufError};
use crate::keys::{DangerousHmacSecrets, Delegation, verify_threshold};
use crate::metadata::{
    MetaFile, Metadata, Parsed, Root, Signed, Snapshot, Targets, Timestamp, format_time,
};
use std::collections::{HashMap, HashSet};

/// Metadata whose signatures have been checked against its delegator. Only this module builds it.
///
/// It keeps no copy of the canonical bytes its signatures were checked over (for the 3 MB
/// `targets.json` of PEP 458 that copy is a measurable share of a refresh). A later check of the
/// same signatures (a role reached through a second delegator) re-encodes the typed view, which
/// is byte for byte the canonical form of `signed` as received: unknown fields are kept, and the
/// fuzz target `metadata` asserts this equality for everything the parser accepts.
#[derive(Debug, Clone)]
pub struct Verified<T> {
    metadata: Metadata<T>,
}

impl<T> Verified<T> {
    /// The verified metadata.
    pub fn metadata(&self) -> &Metadata<T> {
        &self.metadata
    }

    /// Its `signed` part.
    pub fn signed(&self) -> &T {
        &self.metadata.signed
    }
}

/// What [`TrustedMetadataSet::update_timestamp`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampUpdate {
    /// The new timestamp is now trusted (persist it).
    Updated,
    /// Same version as the trusted one: the trusted timestamp is kept (spec 5.4.3.1).
    Unchanged,
}

/// The trusted metadata of one client update.
#[derive(Debug)]
pub struct TrustedMetadataSet {
    now: i64,
    hmac: DangerousHmacSecrets,
    root: Verified<Root>,
    timestamp: Option<Verified<Timestamp>>,
    snapshot: Option<Verified<Snapshot>>,
    targets: HashMap<String, Verified<Targets>>,
    /// (role, delegator) pairs whose delegation has been checked.
    delegations_checked: HashSet<(String, String)>,
}

fn parse<T: Signed>(bytes: &[u8], role: &str) -> Result<Parsed<T>> {
    Metadata::<T>::from_bytes(bytes, role)
}

impl TrustedMetadataSet {
    /// Starts from `root_bytes`, the root the application trusts (shipped with it, or persisted
    /// by an earlier update). It must be signed by a threshold of its own root keys; it may be
    /// expired (a newer root may follow). `now` is the update's reference time (Unix seconds).
    pub fn new(root_bytes: &[u8], now: i64, hmac: DangerousHmacSecrets) -> Result<Self> {
        let parsed = parse::<Root>(root_bytes, "root")?;
        verify_root_by(&parsed.metadata.signed, &parsed, &hmac)?;
        Ok(Self {
            now,
            hmac,
            root: Verified {
                metadata: parsed.metadata,
            },
            timestamp: None,
            snapshot: None,
            targets: HashMap::new(),
            delegations_checked: HashSet::new(),
        })
    }

    /// The reference time of this update.
    pub fn reference_time(&self) -> i64 {
        self.now
    }

    /// The trusted root.
    pub fn root(&self) -> &Verified<Root> {
        &self.root
    }

    /// The trusted timestamp, if loaded.
    pub fn timestamp(&self) -> Option<&Verified<Timestamp>> {
        self.timestamp.as_ref()
    }

    /// The trusted snapshot, if loaded.
    pub fn snapshot(&self) -> Option<&Verified<Snapshot>> {
        self.snapshot.as_ref()
    }

    /// Trusted targets metadata of role `name` (`targets` or a delegated role), if loaded.
    pub fn targets(&self, name: &str) -> Option<&Verified<Targets>> {
        self.targets.get(name)
    }

    /// Spec 5.3.4–5.3.8: `bytes` is root version N+1, signed by a threshold of the trusted
    /// root's keys and of its own. Its expiry is checked later (5.3.10, in
    /// [`TrustedMetadataSet::update_timestamp`]), as intermediate roots may be expired.
    pub fn update_root(&mut self, bytes: &[u8]) -> Result<&Verified<Root>> {
        if self.timestamp.is_some() {
            return Err(TufError::ApiMisuse(Misuse::RootAfterTimestamp));
        }
        let parsed = parse::<Root>(bytes, "root")?;
        verify_root_by(&self.root.metadata.signed, &parsed, &self.hmac)?;
        let trusted = self.root.signed().common.version;
        let found = parsed.metadata.signed.common.version;
        // No root follows u64::MAX: refuse instead of overflowing `+ 1` (a panic on signed
        // input). Regression test: tests/attacks.rs `root_at_the_largest_version_does_not_overflow`.
        let Some(expected) = trusted.checked_add(1) else {
            return Err(TufError::RootVersionNotNext {
                expected: trusted,
                found,
            });
        };
        if found != expected {
            return Err(TufError::RootVersionNotNext { expected, found });
        }
        verify_root_by(&parsed.metadata.signed, &parsed, &self.hmac)?;
        self.root = Verified {
            metadata: parsed.metadata,
        };
        Ok(&self.root)
    }

    /// Spec 5.3.10 and 5.4: the final root must not be expired; the timestamp must be signed by
    /// root's timestamp keys, must not roll back its own or snapshot's version, and must not be
    /// expired. An expired timestamp still becomes trusted (so the next one is checked for
    /// rollback against it) before the expiry error is returned.
    pub fn update_timestamp(&mut self, bytes: &[u8]) -> Result<TimestampUpdate> {
        if self.snapshot.is_some() {
            return Err(TufError::ApiMisuse(Misuse::TimestampAfterSnapshot));
        }
        let root = self.root.signed();
        if root.common.expires.is_expired(self.now) {
            return Err(self.expired("root", root.common.expires.as_str()));
        }
        let (parsed, _) = Metadata::<Timestamp>::parse_and_verify(bytes, "timestamp", |c, s| {
            self.verify_by_root("timestamp", c, s)
        })?;
        let new = &parsed.signed;
        if let Some(old) = &self.timestamp {
            let old = old.signed();
            if new.common.version < old.common.version {
                return Err(TufError::RollbackDetected {
                    role: "timestamp".into(),
                    trusted: old.common.version,
                    new: new.common.version,
                });
            }
            if new.common.version == old.common.version {
                return Ok(TimestampUpdate::Unchanged);
            }
            if new.snapshot_meta.version < old.snapshot_meta.version {
                return Err(TufError::RollbackDetected {
                    role: "snapshot".into(),
                    trusted: old.snapshot_meta.version,
                    new: new.snapshot_meta.version,
                });
            }
        }
        self.timestamp = Some(Verified { metadata: parsed });
        self.check_final_timestamp()?;
        Ok(TimestampUpdate::Updated)
    }

    /// Spec 5.5: snapshot. Unless `from_local_cache`, its length and hashes must match the
    /// timestamp's entry. It must be signed by root's snapshot keys and must not remove or roll
    /// back any role the trusted snapshot lists. It becomes trusted before the final checks
    /// (expiry, version equal to the timestamp's entry), so an old local snapshot still serves
    /// as the rollback reference for a new one.
    pub fn update_snapshot(&mut self, bytes: &[u8], from_local_cache: bool) -> Result<()> {
        let Some(ts) = &self.timestamp else {
            return Err(TufError::ApiMisuse(Misuse::SnapshotBeforeTimestamp));
        };
        if !self.targets.is_empty() {
            return Err(TufError::ApiMisuse(Misuse::SnapshotAfterTargets));
        }
        self.check_final_timestamp()?;
        if !from_local_cache {
            verify_length_and_hashes(&ts.signed().snapshot_meta, bytes, "snapshot.json")?;
        }
        let (parsed, _) = Metadata::<Snapshot>::parse_and_verify(bytes, "snapshot", |c, s| {
            self.verify_by_root("snapshot", c, s)
        })?;
        if let Some(old) = &self.snapshot {
            for (file, old_meta) in &old.signed().meta {
                let Some(new_meta) = parsed.signed.meta.get(file) else {
                    return Err(TufError::RoleRemovedFromSnapshot { file: file.clone() });
                };
                if new_meta.version < old_meta.version {
                    return Err(TufError::RollbackDetected {
                        role: file.clone(),
                        trusted: old_meta.version,
                        new: new_meta.version,
                    });
                }
            }
        }
        self.snapshot = Some(Verified { metadata: parsed });
        self.check_final_snapshot()
    }

    /// Spec 5.6: top-level targets, delegated by root.
    pub fn update_targets(&mut self, bytes: &[u8]) -> Result<&Verified<Targets>> {
        self.update_delegated_targets(bytes, "targets", "root")
    }

    /// Spec 5.6 / 5.7: targets metadata of `role`, delegated by the trusted `delegator`. Its
    /// length and hashes (if listed) and version must match the snapshot's entry, it must be
    /// signed by the delegator's threshold for the role, and must not be expired.
    pub fn update_delegated_targets(
        &mut self,
        bytes: &[u8],
        role: &str,
        delegator: &str,
    ) -> Result<&Verified<Targets>> {
        let Some(snapshot) = &self.snapshot else {
            return Err(TufError::ApiMisuse(Misuse::TargetsBeforeSnapshot));
        };
        self.check_final_snapshot()?;
        let file = format!("{role}.json");
        let meta = snapshot
            .signed()
            .meta
            .get(&file)
            .ok_or_else(|| TufError::NotInSnapshot {
                role: role.to_owned(),
            })?;
        verify_length_and_hashes(meta, bytes, &file)?;
        let expected = meta.version;
        let (parsed, _) = Metadata::<Targets>::parse_and_verify(bytes, role, |c, s| {
            self.verify_delegate(role, delegator, c, s)
        })?;
        let c = &parsed.signed.common;
        if c.version != expected {
            return Err(TufError::MixAndMatch {
                role: role.to_owned(),
                referrer: "snapshot",
                expected,
                found: c.version,
            });
        }
        if c.expires.is_expired(self.now) {
            return Err(self.expired(role, c.expires.as_str()));
        }
        self.delegations_checked
            .insert((role.to_owned(), delegator.to_owned()));
        self.targets
            .insert(role.to_owned(), Verified { metadata: parsed });
        self.targets
            .get(role)
            .ok_or(TufError::Unreachable("targets vanished"))
    }

    /// Checks that the already trusted `role` is also validly delegated by `delegator` (a role
    /// reached on a second delegation path must satisfy that path's keys and threshold too).
    pub fn check_delegation(&mut self, role: &str, delegator: &str) -> Result<&Verified<Targets>> {
        let key = (role.to_owned(), delegator.to_owned());
        if !self.delegations_checked.contains(&key) {
            let cached = self.targets.get(role).ok_or_else(|| {
                TufError::ApiMisuse(Misuse::RoleNotTrusted {
                    role: role.to_owned(),
                })
            })?;
            let canonical = cached.metadata.canonical_signed()?;
            self.verify_delegate(role, delegator, &canonical, &cached.metadata.signatures)?;
            self.delegations_checked.insert(key);
        }
        // Checked above, or trusted together with the delegation recorded.
        self.targets.get(role).ok_or(TufError::Unreachable(
            "a checked delegation of an untrusted role",
        ))
    }

    fn verify_delegate(
        &self,
        role: &str,
        delegator: &str,
        canonical: &[u8],
        signatures: &[crate::metadata::Signature],
    ) -> Result<()> {
        if delegator == "root" {
            if role != "targets" {
                return Err(TufError::NotDelegated {
                    role: role.to_owned(),
                    delegator: delegator.to_owned(),
                });
            }
            let root = self.root.signed();
            let r = root
                .role("targets")
                .ok_or(TufError::Unreachable("root without targets"))?;
            return verify_threshold(
                Delegation {
                    role,
                    keys: &root.keys,
                    keyids: &r.keyids,
                    threshold: r.threshold,
                },
                canonical,
                signatures,
                &self.hmac,
            );
        }
        let parent = self.targets.get(delegator).ok_or_else(|| {
            TufError::ApiMisuse(Misuse::TargetsBeforeDelegator {
                role: role.to_owned(),
                delegator: delegator.to_owned(),
            })
        })?;
        let not_delegated = || TufError::NotDelegated {
            role: role.to_owned(),
            delegator: delegator.to_owned(),
        };
        let d = parent
            .signed()
            .delegations
            .as_ref()
            .ok_or_else(not_delegated)?;
        let rk = d.role_keys(role).ok_or_else(not_delegated)?;
        verify_threshold(
            Delegation {
                role,
                keys: &d.keys,
                keyids: rk.keyids,
                threshold: rk.threshold,
            },
            canonical,
            signatures,
            &self.hmac,
        )
    }

    fn verify_by_root(
        &self,
        role: &str,
        canonical: &[u8],
        signatures: &[crate::metadata::Signature],
    ) -> Result<()> {
        let root = self.root.signed();
        let r = root
            .role(role)
            .ok_or(TufError::Unreachable("unknown top-level role"))?;
        verify_threshold(
            Delegation {
                role,
                keys: &root.keys,
                keyids: &r.keyids,
                threshold: r.threshold,
            },
            canonical,
            signatures,
            &self.hmac,
        )
    }

    fn check_final_timestamp(&self) -> Result<()> {
        if let Some(ts) = &self.timestamp {
            let e = &ts.signed().common.expires;
            if e.is_expired(self.now) {
                return Err(TufError::FreezeAttack {
                    expires: e.as_str().to_owned(),
                    now: format_time(self.now),
                });
            }
        }
        Ok(())
    }

    fn check_final_snapshot(&self) -> Result<()> {
        let (Some(ts), Some(snap)) = (&self.timestamp, &self.snapshot) else {
            return Err(TufError::Unreachable("no snapshot"));
        };
        let c = &snap.signed().common;
        if c.expires.is_expired(self.now) {
            return Err(self.expired("snapshot", c.expires.as_str()));
        }
        let expected = ts.signed().snapshot_meta.version;
        if c.version != expected {
            return Err(TufError::MixAndMatch {
                role: "snapshot".into(),
                referrer: "timestamp",
                expected,
                found: c.version,
            });
        }
        Ok(())
    }

    fn expired(&self, role: &str, expires: &str) -> TufError {
        TufError::ExpiredMetadata {
            role: role.to_owned(),
            expires: expires.to_owned(),
            now: format_time(self.now),
        }
    }
}

fn verify_root_by(trusted: &Root, new: &Parsed<Root>, hmac: &DangerousHmacSecrets) -> Result<()> {
    let r = trusted
        .role("root")
        .ok_or(TufError::Unreachable("root without root role"))?;
    verify_threshold(
        Delegation {
            role: "root",
            keys: &trusted.keys,
            keyids: &r.keyids,
            threshold: r.threshold,
        },
        &new.canonical_signed,
        &new.metadata.signatures,
        hmac,
    )
}

/// Checks `bytes` against a `meta` entry's length and hashes (those that are listed).
pub fn verify_length_and_hashes(meta: &MetaFile, bytes: &[u8], what: &str) -> Result<()> {
    if let Some(length) = meta.length
        && bytes.len() as u64 != length
    {
        return Err(TufError::LengthOrHashMismatch {
            what: what.to_owned(),
            mismatch: Mismatch::Length {
                expected: length,
                found: bytes.len() as u64,
            },
        });
    }
    if let Some(hashes) = &meta.hashes {
        let mut hasher = crate::hashing::MultiHasher::new(hashes, what)?;
        hasher.update(bytes);
        hasher.finish(what)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;
    use crate::editor::{DelegationSpec, InitOptions, Keyring, Repository, Signer};
    use crate::metadata::PathScope;
    use lumen_crypto::ed25519::Ed25519SigningKey;

    fn misuse<T: std::fmt::Debug>(r: Result<T>) -> Misuse {
        match r {
            Err(TufError::ApiMisuse(m)) => m,
            other => panic!("expected API misuse, got {other:?}"),
        }
    }

    #[test]
    fn calls_out_of_order_are_typed_misuse() {
        let dir = tempfile::tempdir().unwrap();
        let signer = Signer::ed25519(Ed25519SigningKey::from_seed(&[7; 32]));
        let public = signer.public_key().clone();
        let options = InitOptions::single_key(public.clone());
        let keys = Keyring::new().with(signer);
        let now = 1_700_000_000;
        let mut repo = Repository::create(dir.path(), &options, &keys, now).unwrap();
        let spec = DelegationSpec {
            name: "pkg".into(),
            keys: vec![public],
            threshold: 1,
            terminating: false,
            scope: PathScope::Paths(vec!["pkg/*".into()]),
        };
        repo.delegate("targets", spec).unwrap();
        repo.commit(&keys, now).unwrap();
        let read = |name: &str| std::fs::read(dir.path().join("metadata").join(name)).unwrap();
        let (root, timestamp) = (read("1.root.json"), read("timestamp.json"));
        let (snapshot, targets, pkg) = (
            read("2.snapshot.json"),
            read("2.targets.json"),
            read("1.pkg.json"),
        );

        let mut set = TrustedMetadataSet::new(&root, now, DangerousHmacSecrets::none()).unwrap();
        assert_eq!(
            misuse(set.update_snapshot(&snapshot, false)),
            Misuse::SnapshotBeforeTimestamp
        );
        assert_eq!(
            misuse(set.update_targets(&targets)),
            Misuse::TargetsBeforeSnapshot
        );
        set.update_timestamp(&timestamp).unwrap();
        assert_eq!(misuse(set.update_root(&root)), Misuse::RootAfterTimestamp);
        set.update_snapshot(&snapshot, false).unwrap();
        assert_eq!(
            misuse(set.update_timestamp(&timestamp)),
            Misuse::TimestampAfterSnapshot
        );
        assert_eq!(
            misuse(set.check_delegation("targets", "root")),
            Misuse::RoleNotTrusted {
                role: "targets".into()
            }
        );
        assert_eq!(
            misuse(set.update_delegated_targets(&pkg, "pkg", "targets")),
            Misuse::TargetsBeforeDelegator {
                role: "pkg".into(),
                delegator: "targets".into()
            }
        );
        set.update_targets(&targets).unwrap();
        assert_eq!(
            misuse(set.update_snapshot(&snapshot, false)),
            Misuse::SnapshotAfterTargets
        );
        // In order, the same calls succeed.
        set.update_delegated_targets(&pkg, "pkg", "targets")
            .unwrap();
        set.check_delegation("pkg", "targets").unwrap();
    }
}
