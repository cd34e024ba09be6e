//! The `delegations` of a targets role (spec §4.5, TAP 15): the keys of the delegated roles and
//! either an ordered list of roles, each scoped by path patterns or hash prefixes, or succinct
//! hash bins; and how a target path is mapped to the roles responsible for it.

use super::reader::Reader;
use super::roles::{Key, keys_value, strings};
use super::{Fields, TOP_LEVEL_ROLES};
use crate::error::{Result, malformed};
use crate::json::J;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// `delegations`: keys, and either a list of roles or succinct hash bins.
#[derive(Debug, Clone, PartialEq)]
pub struct Delegations {
    /// Keys of the delegated roles, by key id.
    pub keys: BTreeMap<String, Key>,
    /// The delegated roles.
    pub roles: DelegatedRoles,
    /// Other fields.
    pub unknown: Fields,
}

/// The two forms of delegation.
#[derive(Debug, Clone, PartialEq)]
pub enum DelegatedRoles {
    /// `roles`: an ordered list (order is the search order).
    Roles(Vec<DelegatedRole>),
    /// `succinct_roles` (TAP 15): 2^bit_length hash bins sharing keys and threshold.
    Succinct(SuccinctRoles),
}

/// One delegated role in `roles`.
#[derive(Debug, Clone, PartialEq)]
pub struct DelegatedRole {
    /// Role name (also its metadata file name).
    pub name: String,
    /// Key ids allowed to sign for it (shared between roles that list the same ones: the bins
    /// of a PEP 458 repository all do).
    pub keyids: Arc<[String]>,
    /// Distinct keys needed.
    pub threshold: u32,
    /// Stop the search at this role when it matches.
    pub terminating: bool,
    /// Which targets it may sign for.
    pub scope: PathScope,
    /// Other fields.
    pub unknown: Fields,
}

/// A delegated role's scope: glob patterns or SHA-256 prefixes of target paths.
#[derive(Debug, Clone, PartialEq)]
pub enum PathScope {
    /// `paths`: shell-style patterns matched segment by segment.
    Paths(Vec<String>),
    /// `path_hash_prefixes`: hex prefixes of SHA-256(target path).
    HashPrefixes(HashPrefixes),
}

/// The `path_hash_prefixes` of a delegated role, in one allocation when they all have the same
/// length (as hash bins' prefixes do): a PEP 458 targets file lists 16,384 roles with several
/// prefixes each, and one allocation per prefix was most of what reading it cost.
#[derive(Clone)]
pub struct HashPrefixes(PrefixesRepr);

#[derive(Clone)]
enum PrefixesRepr {
    /// `text` is the prefixes concatenated, each `width` bytes (`width` > 0).
    Uniform { text: Box<str>, width: usize },
    /// Anything else, as listed.
    Listed(Vec<String>),
}

impl HashPrefixes {
    /// The prefixes, in listed order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let (uniform, listed) = match &self.0 {
            PrefixesRepr::Uniform { text, width } => (Some((&**text, *width)), None),
            PrefixesRepr::Listed(v) => (None, Some(v.iter().map(String::as_str))),
        };
        // `width` is a byte count on char boundaries: every prefix was a whole `str`.
        let uniform = uniform.into_iter().flat_map(|(text, width)| {
            (0..text.len() / width).filter_map(move |i| text.get(i * width..(i + 1) * width))
        });
        uniform.chain(listed.into_iter().flatten())
    }

    /// How many are listed.
    pub fn len(&self) -> usize {
        match &self.0 {
            PrefixesRepr::Uniform { text, width } => text.len() / width,
            PrefixesRepr::Listed(v) => v.len(),
        }
    }

    /// Whether none is listed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The prefixes as owned strings.
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_owned).collect()
    }

    /// From prefixes as borrowed (one allocation when they share a non-zero length).
    pub(crate) fn from_strs(list: &[&str]) -> Self {
        match list.first().map(|p| p.len()) {
            Some(width) if width > 0 && list.iter().all(|p| p.len() == width) => {
                Self(PrefixesRepr::Uniform {
                    text: list.concat().into_boxed_str(),
                    width,
                })
            }
            _ => Self(PrefixesRepr::Listed(
                list.iter().map(|p| (*p).to_owned()).collect(),
            )),
        }
    }
}

impl From<Vec<String>> for HashPrefixes {
    fn from(list: Vec<String>) -> Self {
        let refs: Vec<&str> = list.iter().map(String::as_str).collect();
        Self::from_strs(&refs)
    }
}

impl FromIterator<String> for HashPrefixes {
    fn from_iter<I: IntoIterator<Item = String>>(iter: I) -> Self {
        Self::from(iter.into_iter().collect::<Vec<_>>())
    }
}

impl PartialEq for HashPrefixes {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for HashPrefixes {}

impl std::fmt::Debug for HashPrefixes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl DelegatedRole {
    /// Whether `target` (with its SHA-256 hex `target_hash`) is in this role's scope.
    pub fn covers(&self, target: &str, target_hash: &str) -> bool {
        match &self.scope {
            PathScope::Paths(patterns) => patterns
                .iter()
                .any(|p| crate::fnmatch::path_matches(p, target)),
            PathScope::HashPrefixes(prefixes) => {
                prefixes.iter().any(|p| target_hash.starts_with(p))
            }
        }
    }

    fn read(r: &mut Reader<'_, '_>) -> Result<Self> {
        let name = r.string("name")?;
        let keyids = r.string_list("keyids")?.into();
        let threshold = r.threshold()?;
        let terminating = r.bool("terminating")?;
        let paths = r.opt_string_list("paths")?;
        let prefixes = r.opt_string_list("path_hash_prefixes")?;
        let scope = match (paths, prefixes) {
            (Some(p), None) => PathScope::Paths(p),
            (None, Some(h)) => PathScope::HashPrefixes(h.into()),
            _ => {
                return Err(malformed(
                    r.role,
                    r.at(),
                    "exactly one of paths and path_hash_prefixes must be set",
                ));
            }
        };
        if name.is_empty() || TOP_LEVEL_ROLES.contains(&name.as_str()) {
            return Err(malformed(
                r.role,
                format!("{}.name", r.at()),
                "a delegated role cannot be empty or use a top-level role name",
            ));
        }
        Ok(Self {
            name,
            keyids,
            threshold,
            terminating,
            scope,
            unknown: r.rest(),
        })
    }

    fn to_value(&self) -> Value {
        let mut m = self.unknown.clone();
        m.insert("name".into(), Value::String(self.name.clone()));
        m.insert("keyids".into(), strings(&self.keyids));
        m.insert("threshold".into(), Value::from(self.threshold));
        m.insert("terminating".into(), Value::Bool(self.terminating));
        match &self.scope {
            PathScope::Paths(p) => m.insert("paths".into(), strings(p)),
            PathScope::HashPrefixes(h) => m.insert(
                "path_hash_prefixes".into(),
                Value::Array(h.iter().map(|p| Value::String(p.to_owned())).collect()),
            ),
        };
        Value::Object(m)
    }
}

/// Succinct hash bins (TAP 15): target path → bin by the first `bit_length` bits of its SHA-256.
#[derive(Debug, Clone, PartialEq)]
pub struct SuccinctRoles {
    /// Key ids shared by every bin.
    pub keyids: Vec<String>,
    /// Threshold shared by every bin.
    pub threshold: u32,
    /// Number of hash bits (1–32); there are 2^bit_length bins.
    pub bit_length: u8,
    /// Bin names are `{name_prefix}-{hex suffix}`.
    pub name_prefix: String,
    /// Other fields.
    pub unknown: Fields,
}

impl SuccinctRoles {
    /// Number of bins.
    pub fn bins(&self) -> u64 {
        1u64 << self.bit_length
    }

    fn suffix_len(&self) -> usize {
        format!("{:x}", self.bins() - 1).len()
    }

    /// The bin name for bin number `bin`.
    pub fn bin_name(&self, bin: u64) -> String {
        format!(
            "{}-{:0width$x}",
            self.name_prefix,
            bin,
            width = self.suffix_len()
        )
    }

    /// The bin responsible for the target whose SHA-256 digest is `digest`.
    pub fn bin_for_digest(&self, digest: &[u8; 32]) -> u64 {
        let head = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
        u64::from(head) >> (32 - u32::from(self.bit_length))
    }

    /// The bin name responsible for `target`.
    pub fn role_for_target(&self, target: &str) -> String {
        self.bin_name(self.bin_for_digest(&lumen_crypto::hash::sha256(target.as_bytes())))
    }

    /// Whether `name` is one of the bins.
    pub fn is_bin(&self, name: &str) -> bool {
        let Some(suffix) = name
            .strip_prefix(self.name_prefix.as_str())
            .and_then(|s| s.strip_prefix('-'))
        else {
            return false;
        };
        suffix.len() == self.suffix_len()
            && suffix
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            && u64::from_str_radix(suffix, 16).is_ok_and(|n| n < self.bins())
    }

    pub(super) fn read(r: &mut Reader<'_, '_>) -> Result<Self> {
        let keyids = r.string_list("keyids")?;
        let threshold = r.threshold()?;
        let bits = r.u64("bit_length")?;
        if !(1..=32).contains(&bits) {
            return Err(malformed(
                r.role,
                format!("{}.bit_length", r.at()),
                "must be between 1 and 32",
            ));
        }
        let name_prefix = r.string("name_prefix")?;
        Ok(Self {
            keyids,
            threshold,
            bit_length: bits as u8,
            name_prefix,
            unknown: r.rest(),
        })
    }

    fn to_value(&self) -> Value {
        let mut m = self.unknown.clone();
        m.insert("keyids".into(), strings(&self.keyids));
        m.insert("threshold".into(), Value::from(self.threshold));
        m.insert("bit_length".into(), Value::from(self.bit_length));
        m.insert(
            "name_prefix".into(),
            Value::String(self.name_prefix.clone()),
        );
        Value::Object(m)
    }
}

/// A delegation entry as the search sees it: a role name and how it is trusted.
#[derive(Debug, Clone, Copy)]
pub struct RoleKeys<'a> {
    /// Allowed key ids.
    pub keyids: &'a [String],
    /// Threshold.
    pub threshold: u32,
}

impl Delegations {
    /// The keys and threshold of delegated role `name`, if this delegates it.
    pub fn role_keys(&self, name: &str) -> Option<RoleKeys<'_>> {
        match &self.roles {
            DelegatedRoles::Roles(roles) => {
                roles.iter().find(|r| r.name == name).map(|r| RoleKeys {
                    keyids: &r.keyids,
                    threshold: r.threshold,
                })
            }
            DelegatedRoles::Succinct(s) => s.is_bin(name).then_some(RoleKeys {
                keyids: &s.keyids,
                threshold: s.threshold,
            }),
        }
    }

    /// Roles responsible for `target`, in search order, each with its `terminating` flag.
    pub fn roles_for_target(&self, target: &str) -> Vec<(String, bool)> {
        let digest = lumen_crypto::hash::sha256(target.as_bytes());
        match &self.roles {
            DelegatedRoles::Roles(roles) => {
                let hex = lumen_crypto::encoding::hex_encode(&digest);
                roles
                    .iter()
                    .filter(|r| r.covers(target, &hex))
                    .map(|r| (r.name.clone(), r.terminating))
                    .collect()
            }
            // TAP 15: every bin is terminating.
            DelegatedRoles::Succinct(s) => vec![(s.bin_name(s.bin_for_digest(&digest)), true)],
        }
    }

    pub(super) fn read(r: &mut Reader<'_, '_>) -> Result<Self> {
        let keys = r.keys("keys")?;
        let roles_v = r.take("roles");
        let succinct_v = r.take("succinct_roles");
        let roles = match (roles_v, succinct_v) {
            (Some(v), None) => {
                let J::Arr(items) = v else {
                    return Err(malformed(
                        r.role,
                        format!("{}.roles", r.at()),
                        "must be a list",
                    ));
                };
                let mut roles: Vec<DelegatedRole> = Vec::with_capacity(items.len());
                for (i, &item) in items.iter().enumerate() {
                    let mut one = r.sub_index("roles", i, item)?;
                    roles.push(DelegatedRole::read(&mut one)?);
                }
                // Duplicate names, found by sorting (no set of copied names): the error names
                // the first entry whose name an earlier entry already has.
                let mut names: Vec<(&str, usize)> = roles
                    .iter()
                    .enumerate()
                    .map(|(i, d)| (d.name.as_str(), i))
                    .collect();
                names.sort_unstable();
                if let Some(i) = names
                    .windows(2)
                    .filter(|w| w[0].0 == w[1].0)
                    .map(|w| w[1].1)
                    .min()
                {
                    return Err(malformed(
                        r.role,
                        format!("{}.roles[{i}].name", r.at()),
                        "duplicate delegated role name",
                    ));
                }
                DelegatedRoles::Roles(roles)
            }
            (None, Some(v)) => {
                let mut s = r.sub("succinct_roles", v)?;
                DelegatedRoles::Succinct(SuccinctRoles::read(&mut s)?)
            }
            _ => {
                return Err(malformed(
                    r.role,
                    r.at(),
                    "exactly one of roles and succinct_roles must be set",
                ));
            }
        };
        Ok(Self {
            keys,
            roles,
            unknown: r.rest(),
        })
    }

    pub(super) fn to_value(&self) -> Value {
        let mut m = self.unknown.clone();
        m.insert("keys".into(), keys_value(&self.keys));
        match &self.roles {
            DelegatedRoles::Roles(roles) => m.insert(
                "roles".into(),
                Value::Array(roles.iter().map(DelegatedRole::to_value).collect()),
            ),
            DelegatedRoles::Succinct(s) => m.insert("succinct_roles".into(), s.to_value()),
        };
        Value::Object(m)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// `HashPrefixes` is the list it was made from, however it is stored.
    #[test]
    fn hash_prefixes_keep_their_list() {
        for list in [
            vec!["00", "01", "ff"],
            vec!["0", "1f", "abc"],
            vec!["é", "ü"],
            vec!["é", "a"],
            vec!["", ""],
            vec!["x"],
            vec![],
        ] {
            let owned: Vec<String> = list.iter().map(|p| p.to_string()).collect();
            let h = HashPrefixes::from(owned.clone());
            assert_eq!(h.iter().collect::<Vec<_>>(), list);
            assert_eq!(h.to_vec(), owned);
            assert_eq!((h.len(), h.is_empty()), (list.len(), list.is_empty()));
            assert_eq!(h, owned.iter().cloned().collect::<HashPrefixes>());
        }
        let uniform = HashPrefixes::from(vec!["ab".to_owned(), "cd".to_owned()]);
        assert!(matches!(uniform.0, PrefixesRepr::Uniform { width: 2, .. }));
        assert_ne!(uniform, HashPrefixes::from(vec!["abcd".to_owned()]));
        assert_ne!(uniform, HashPrefixes::from(vec!["ab".to_owned()]));
        assert_eq!(format!("{uniform:?}"), r#"["ab", "cd"]"#);
    }
}
