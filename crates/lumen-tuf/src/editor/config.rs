//! The editor's per-repository settings (`REPO/editor.json`): expiry policy, what snapshot
//! lists, and the dangerous opt-in for `hmac-sha256` keys.

use crate::error::EditorRefusal;
use crate::metadata::{Expires, Key};
use crate::{Result, TufError};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// How long each role's metadata stays valid after it is signed, in seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiryPolicy {
    /// `root` (default 365 days).
    pub root: i64,
    /// Top-level `targets` (default 90 days).
    pub targets: i64,
    /// `snapshot` (default 7 days).
    pub snapshot: i64,
    /// `timestamp` (default 1 day).
    pub timestamp: i64,
    /// Delegated targets roles without an entry in `per_role` (default 90 days).
    pub delegated: i64,
    /// Per delegated role overrides, by role name.
    pub per_role: BTreeMap<String, i64>,
}

impl Default for ExpiryPolicy {
    fn default() -> Self {
        Self {
            root: 365 * DAY,
            targets: 90 * DAY,
            snapshot: 7 * DAY,
            timestamp: DAY,
            delegated: 90 * DAY,
            per_role: BTreeMap::new(),
        }
    }
}

impl ExpiryPolicy {
    /// The validity period of `role`, in seconds.
    pub fn period(&self, role: &str) -> i64 {
        match role {
            "root" => self.root,
            "targets" => self.targets,
            "snapshot" => self.snapshot,
            "timestamp" => self.timestamp,
            other => self.per_role.get(other).copied().unwrap_or(self.delegated),
        }
    }

    /// Sets the period of `role` (a top-level name, or a delegated role's name).
    pub fn set(&mut self, role: &str, seconds: i64) -> Result<()> {
        if seconds <= 0 {
            return Err(EditorRefusal::NonPositiveExpiry {
                role: role.to_owned(),
                seconds,
            }
            .into());
        }
        match role {
            "root" => self.root = seconds,
            "targets" => self.targets = seconds,
            "snapshot" => self.snapshot = seconds,
            "timestamp" => self.timestamp = seconds,
            other => {
                self.per_role.insert(other.to_owned(), seconds);
            }
        }
        Ok(())
    }

    /// `expires` for `role` signed at `now`.
    pub fn expires(&self, role: &str, now: i64) -> Result<Expires> {
        now.checked_add(self.period(role))
            .and_then(Expires::from_unix)
            .ok_or_else(|| {
                EditorRefusal::ExpiryOutOfRange {
                    role: role.to_owned(),
                }
                .into()
            })
    }
}

/// Settings of one repository, kept in `REPO/editor.json` (not served to clients).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EditorConfig {
    /// Expiry periods.
    pub expiry: ExpiryPolicy,
    /// List length and SHA-256 of every targets role in snapshot (off by default: with 16,384
    /// hash bins the hashes triple snapshot's size).
    pub snapshot_meta_hashes: bool,
    /// **Dangerous.** Allow `hmac-sha256` keys for non-root roles (never for root).
    pub dangerous_allow_hmac_keys: bool,
}

fn bad(field: &str, reason: &'static str) -> TufError {
    TufError::Malformed {
        role: "editor.json".into(),
        field: field.into(),
        reason,
    }
}

impl EditorConfig {
    /// Parses `editor.json`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        // Duplicate names are refused, as in every JSON document this crate reads.
        let v: Value = crate::json::parse_value(bytes, "editor.json")?;
        let mut c = Self::default();
        let Value::Object(top) = v else {
            return Err(bad("(top level)", "must be an object"));
        };
        if let Some(e) = top.get("expiry") {
            let Value::Object(e) = e else {
                return Err(bad("expiry", "must be an object"));
            };
            for (k, v) in e {
                if k == "roles" {
                    let Value::Object(roles) = v else {
                        return Err(bad("expiry.roles", "must be an object"));
                    };
                    for (r, s) in roles {
                        let s = s
                            .as_i64()
                            .filter(|s| *s > 0)
                            .ok_or_else(|| bad("expiry.roles", "must be positive integers"))?;
                        c.expiry.per_role.insert(r.clone(), s);
                    }
                    continue;
                }
                let s = v
                    .as_i64()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| bad("expiry", "periods must be positive integers"))?;
                match k.as_str() {
                    "root" => c.expiry.root = s,
                    "targets" => c.expiry.targets = s,
                    "snapshot" => c.expiry.snapshot = s,
                    "timestamp" => c.expiry.timestamp = s,
                    "delegated" => c.expiry.delegated = s,
                    _ => return Err(bad("expiry", "unknown role")),
                }
            }
        }
        if let Some(h) = top.get("snapshot_meta_hashes") {
            c.snapshot_meta_hashes = h
                .as_bool()
                .ok_or_else(|| bad("snapshot_meta_hashes", "must be true or false"))?;
        }
        if let Some(h) = top.get("dangerous_allow_hmac_keys") {
            c.dangerous_allow_hmac_keys = h
                .as_bool()
                .ok_or_else(|| bad("dangerous_allow_hmac_keys", "must be true or false"))?;
        }
        Ok(c)
    }

    /// The `editor.json` bytes (pretty JSON).
    pub fn to_bytes(&self) -> Vec<u8> {
        let roles: Map<String, Value> = self
            .expiry
            .per_role
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        let v = json!({
            "expiry": {
                "root": self.expiry.root,
                "targets": self.expiry.targets,
                "snapshot": self.expiry.snapshot,
                "timestamp": self.expiry.timestamp,
                "delegated": self.expiry.delegated,
                "roles": roles,
            },
            "snapshot_meta_hashes": self.snapshot_meta_hashes,
            "dangerous_allow_hmac_keys": self.dangerous_allow_hmac_keys,
        });
        let mut out = serde_json::to_vec_pretty(&v).unwrap_or_default();
        out.push(b'\n');
        out
    }
}

/// Keys and threshold of one role.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleSpec {
    /// The role's public keys (key ids are computed with [`super::key_id`]).
    pub keys: Vec<Key>,
    /// Distinct keys that must sign.
    pub threshold: u32,
}

impl RoleSpec {
    /// `keys` with threshold `threshold`.
    pub fn new(keys: Vec<Key>, threshold: u32) -> Self {
        Self { keys, threshold }
    }
}

/// Everything [`super::Repository::init`] needs to write root version 1.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// Root keys (offline) and threshold.
    pub root: RoleSpec,
    /// Top-level targets keys and threshold.
    pub targets: RoleSpec,
    /// Snapshot keys (online) and threshold.
    pub snapshot: RoleSpec,
    /// Timestamp keys (online) and threshold.
    pub timestamp: RoleSpec,
    /// Versioned metadata names and hash-prefixed target names (default true).
    pub consistent_snapshot: bool,
    /// The repository's settings.
    pub config: EditorConfig,
}

impl InitOptions {
    /// Options with the same one key (threshold 1) for every role: for tests and demos only.
    pub fn single_key(key: Key) -> Self {
        let one = RoleSpec::new(vec![key], 1);
        Self {
            root: one.clone(),
            targets: one.clone(),
            snapshot: one.clone(),
            timestamp: one,
            consistent_snapshot: true,
            config: EditorConfig::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn config_round_trips() {
        let mut c = EditorConfig::default();
        c.expiry.set("bins-0", 3 * DAY).unwrap();
        c.expiry.set("timestamp", 3600).unwrap();
        c.snapshot_meta_hashes = true;
        assert_eq!(EditorConfig::from_bytes(&c.to_bytes()).unwrap(), c);
        assert_eq!(c.expiry.period("bins-0"), 3 * DAY);
        assert_eq!(c.expiry.period("other"), 90 * DAY);
        assert!(matches!(
            c.expiry.set("root", 0),
            Err(TufError::Refused(EditorRefusal::NonPositiveExpiry {
                seconds: 0,
                ..
            }))
        ));
        assert!(matches!(
            c.expiry.expires("root", i64::MAX - 1),
            Err(TufError::Refused(EditorRefusal::ExpiryOutOfRange { .. }))
        ));
        assert!(matches!(
            EditorConfig::from_bytes(br#"{"expiry":{"root":-1}}"#),
            Err(TufError::Malformed { .. })
        ));
    }
}
