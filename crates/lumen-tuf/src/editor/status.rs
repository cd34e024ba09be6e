//! What a repository looks like at a glance: each published top-level role with its version,
//! expiry, keys and threshold, the delegated roles snapshot lists, and how far the staged root
//! is from publishable ([`Repository::status`]).

use super::{Repository, RootSigningStatus};
use crate::metadata::{Common, Expires, Root, TOP_LEVEL_ROLES};
use crate::{Result, TufError};

/// One published top-level role.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RoleStatus {
    /// `root`, `timestamp`, `snapshot` or `targets`.
    pub role: &'static str,
    /// The published version.
    pub version: u64,
    /// Its `expires`.
    pub expires: Expires,
    /// Whether it has expired at the reference time given to [`Repository::status`].
    pub expired: bool,
    /// The key ids root lists for the role.
    pub keyids: Vec<String>,
    /// The role's threshold.
    pub threshold: u32,
    /// For `targets`: how many targets it lists itself (delegated roles not counted).
    pub targets: Option<usize>,
}

/// A delegated role (or hash bin) that snapshot lists.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DelegatedRoleStatus {
    /// The role's name.
    pub role: String,
    /// The version snapshot lists.
    pub version: u64,
}

/// The state of a repository, as `lumen tuf status` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RepositoryStatus {
    /// Whether file names carry versions and target hashes.
    pub consistent_snapshot: bool,
    /// The published top-level roles, in the order of [`TOP_LEVEL_ROLES`] (none before root
    /// version 1 is published).
    pub roles: Vec<RoleStatus>,
    /// Every role snapshot lists other than `targets`, by file name.
    pub delegated: Vec<DelegatedRoleStatus>,
    /// The staged root's signing status, if a root version is staged.
    pub staged_root: Option<RootSigningStatus>,
}

impl RepositoryStatus {
    /// The published top-level role `role`, if it is published.
    pub fn role(&self, role: &str) -> Option<&RoleStatus> {
        self.roles.iter().find(|r| r.role == role)
    }
}

fn role_status(
    root: &Root,
    role: &'static str,
    common: &Common,
    now: i64,
    targets: Option<usize>,
) -> Result<RoleStatus> {
    let r = root
        .role(role)
        .ok_or(TufError::Unreachable("root without a top-level role"))?;
    Ok(RoleStatus {
        role,
        version: common.version,
        expires: common.expires.clone(),
        expired: common.expires.is_expired(now),
        keyids: r.keyids.clone(),
        threshold: r.threshold,
        targets,
    })
}

impl Repository {
    /// The repository's state at reference time `now` (Unix seconds): published top-level roles
    /// (expiry judged at `now`), the delegated roles snapshot lists, and the staged root's
    /// signing status. Reads top-level `targets` if it is not loaded yet.
    pub fn status(&mut self, now: i64) -> Result<RepositoryStatus> {
        let targets_count = if self.snapshot.is_some() {
            Some(self.targets("targets")?.signed.targets.len())
        } else {
            None
        };
        let mut roles = Vec::new();
        let mut delegated = Vec::new();
        if let Some(root) = self.root() {
            let root = &root.signed;
            for role in TOP_LEVEL_ROLES {
                let status = match role {
                    "root" => Some(role_status(root, role, &root.common, now, None)?),
                    "timestamp" => self
                        .timestamp()
                        .map(|t| role_status(root, role, &t.signed.common, now, None))
                        .transpose()?,
                    "snapshot" => self
                        .snapshot()
                        .map(|s| role_status(root, role, &s.signed.common, now, None))
                        .transpose()?,
                    _ => match (self.roles.get(role), targets_count) {
                        (Some(t), Some(_)) => Some(role_status(
                            root,
                            role,
                            &t.signed.common,
                            now,
                            targets_count,
                        )?),
                        _ => None,
                    },
                };
                roles.extend(status);
            }
            if let Some(s) = self.snapshot() {
                for (file, m) in &s.signed.meta {
                    if let Some(name) = file.strip_suffix(".json")
                        && name != "targets"
                    {
                        delegated.push(DelegatedRoleStatus {
                            role: name.to_owned(),
                            version: m.version,
                        });
                    }
                }
            }
        }
        let staged_root = match self.staged_root() {
            Some(_) => Some(self.root_signing_status()?),
            None => None,
        };
        Ok(RepositoryStatus {
            consistent_snapshot: self.consistent_snapshot(),
            roles,
            delegated,
            staged_root,
        })
    }
}
