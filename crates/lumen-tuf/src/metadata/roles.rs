//! The fields every role's `signed` carries ([`Common`], with its [`Expires`] time), the
//! [`Signed`] trait of the four role types, and the top-level roles themselves (spec §4.3–4.6):
//! [`Root`] with its [`Key`]s and [`Role`]s, [`Timestamp`] and [`Snapshot`] with their
//! [`MetaFile`] entries, and [`Targets`] with its [`TargetFile`]s and [`Hashes`]. Each type
//! reads itself through a [`Reader`] and writes itself back as JSON values; delegations are in
//! `delegations.rs`.

use super::reader::Reader;
use super::{Delegations, Fields, SPEC_VERSION, TOP_LEVEL_ROLES, plain};
use crate::error::{Result, malformed};
use serde_json::Value;
use std::collections::BTreeMap;

const EXPIRES_FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

/// An `expires` instant: `YYYY-MM-DDTHH:MM:SSZ`, UTC, whole seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expires {
    unix: i64,
    text: String,
}

impl Expires {
    /// Parses the exact format the specification prescribes (no fractions, no offsets).
    pub fn parse(text: &str) -> Option<Self> {
        let t = time::PrimitiveDateTime::parse(text, EXPIRES_FORMAT).ok()?;
        Some(Self {
            unix: t.assume_utc().unix_timestamp(),
            text: text.to_owned(),
        })
    }

    /// The instant `unix` seconds after the epoch.
    pub fn from_unix(unix: i64) -> Option<Self> {
        let t = time::OffsetDateTime::from_unix_timestamp(unix).ok()?;
        let text = time::PrimitiveDateTime::new(t.date(), t.time())
            .format(EXPIRES_FORMAT)
            .ok()?;
        Some(Self { unix, text })
    }

    /// Seconds since the Unix epoch.
    pub fn unix(&self) -> i64 {
        self.unix
    }

    /// The text as it appears in the metadata.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Metadata is expired when the reference time is at or past `expires` (python-tuf's rule).
    pub fn is_expired(&self, now_unix: i64) -> bool {
        now_unix >= self.unix
    }
}

/// Formats a Unix time the way `expires` is written (for messages).
pub fn format_time(unix: i64) -> String {
    Expires::from_unix(unix)
        .map(|e| e.text)
        .unwrap_or_else(|| unix.to_string())
}

/// The fields every role's `signed` carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Common {
    /// `spec_version` as written (`1.0`, `1.0.34`, …).
    pub spec_version: String,
    /// `version`, at least 1.
    pub version: u64,
    /// `expires`.
    pub expires: Expires,
    /// Fields of `signed` this crate does not interpret.
    pub unknown: Fields,
}

impl Common {
    /// A new `Common` with the current spec version.
    pub fn new(version: u64, expires: Expires) -> Self {
        Self {
            spec_version: SPEC_VERSION.to_owned(),
            version,
            expires,
            unknown: Fields::new(),
        }
    }
}

/// A role's `signed` part: one type per top-level role.
pub trait Signed: Codec + Clone {
    /// The `_type` value.
    const TYPE: &'static str;
    /// The common fields.
    fn common(&self) -> &Common;
    /// The common fields, mutably (for the editor).
    fn common_mut(&mut self) -> &mut Common;
}

/// How a role's `signed` is read from a parse tree and written back: a bound of [`Signed`] that
/// is public only because `Signed` is, in a module no other crate can reach (so no other crate
/// can name or implement it).
pub trait Codec: Sized {
    /// Reads the role-specific fields from `r` (the common ones are already taken).
    fn read(r: &mut Reader<'_, '_>, common: Common) -> Result<Self>;
    /// Writes the role-specific fields.
    fn write(&self, out: &mut Fields);
    /// Reads `signed` from its text without a parse tree when it is plain (see `plain.rs`):
    /// `None` sends it to the general reader. Only the large roles (snapshot, targets) have one.
    fn read_plain(_text: &str) -> Option<Self> {
        None
    }
}

/// A public key as listed in `keys` (spec §4.2). The keyid is the map key, not stored here.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// `keytype`: `ed25519`, `ecdsa`, `ecdsa-sha2-nistp256`, `rsa`, or (opt-in) `hmac-sha256`.
    pub keytype: String,
    /// `scheme`: `ed25519`, `ecdsa-sha2-nistp256`, `ecdsa-sha2-nistp384`, `rsassa-pss-sha256`, …
    pub scheme: String,
    /// `keyval` (with `public`) verbatim.
    pub keyval: Fields,
    /// Other fields of the key object.
    pub unknown: Fields,
}

impl Key {
    /// `keyval.public`, if it is a string.
    pub fn public(&self) -> Option<&str> {
        self.keyval.get("public").and_then(Value::as_str)
    }

    /// A key of the given type and scheme with `keyval.public` = `public`.
    pub fn new(keytype: &str, scheme: &str, public: String) -> Self {
        let mut keyval = Fields::new();
        keyval.insert("public".into(), Value::String(public));
        Self {
            keytype: keytype.into(),
            scheme: scheme.into(),
            keyval,
            unknown: Fields::new(),
        }
    }

    pub(super) fn read(r: &mut Reader<'_, '_>) -> Result<Self> {
        let keytype = r.string("keytype")?;
        let scheme = r.string("scheme")?;
        let keyval = r.object("keyval")?;
        Ok(Self {
            keytype,
            scheme,
            keyval,
            unknown: r.rest(),
        })
    }

    fn to_value(&self) -> Value {
        let mut m = self.unknown.clone();
        m.insert("keytype".into(), Value::String(self.keytype.clone()));
        m.insert("scheme".into(), Value::String(self.scheme.clone()));
        m.insert("keyval".into(), Value::Object(self.keyval.clone()));
        Value::Object(m)
    }
}

/// A top-level role's keys and threshold (in root's `roles`).
#[derive(Debug, Clone, PartialEq)]
pub struct Role {
    /// Key ids allowed to sign for the role.
    pub keyids: Vec<String>,
    /// Distinct keys needed.
    pub threshold: u32,
    /// Other fields.
    pub unknown: Fields,
}

impl Role {
    /// A role with these keys and threshold.
    pub fn new(keyids: Vec<String>, threshold: u32) -> Self {
        Self {
            keyids,
            threshold,
            unknown: Fields::new(),
        }
    }

    fn read(r: &mut Reader<'_, '_>) -> Result<Self> {
        let keyids = r.string_list("keyids")?;
        let threshold = r.threshold()?;
        Ok(Self {
            keyids,
            threshold,
            unknown: r.rest(),
        })
    }

    fn write(&self, m: &mut Fields) {
        m.insert("keyids".into(), strings(&self.keyids));
        m.insert("threshold".into(), Value::from(self.threshold));
    }
}

/// `root` (spec §4.3).
#[derive(Debug, Clone, PartialEq)]
pub struct Root {
    /// Common fields.
    pub common: Common,
    /// `consistent_snapshot` (absent means false).
    pub consistent_snapshot: Option<bool>,
    /// All keys used by the top-level roles, by key id.
    pub keys: BTreeMap<String, Key>,
    /// Exactly `root`, `timestamp`, `snapshot` and `targets`.
    pub roles: BTreeMap<String, Role>,
}

impl Root {
    /// Whether file names carry versions and target hashes.
    pub fn consistent_snapshot(&self) -> bool {
        self.consistent_snapshot.unwrap_or(false)
    }

    /// The top-level role `name` (always present in parsed metadata).
    pub fn role(&self, name: &str) -> Option<&Role> {
        self.roles.get(name)
    }
}

impl Signed for Root {
    const TYPE: &'static str = "root";
    fn common(&self) -> &Common {
        &self.common
    }
    fn common_mut(&mut self) -> &mut Common {
        &mut self.common
    }
}

impl Codec for Root {
    fn read(r: &mut Reader<'_, '_>, common: Common) -> Result<Self> {
        let consistent_snapshot = r.opt_bool("consistent_snapshot")?;
        let keys = r.keys("keys")?;
        let mut roles = BTreeMap::new();
        let mut rr = r.child_object("roles")?;
        for name in TOP_LEVEL_ROLES {
            let mut one = rr.child_object(name)?;
            roles.insert(name.to_owned(), Role::read(&mut one)?);
        }
        if rr.has_rest() {
            return Err(malformed(
                r.role,
                rr.at(),
                "roles other than root, timestamp, snapshot and targets",
            ));
        }
        Ok(Self {
            common,
            consistent_snapshot,
            keys,
            roles,
        })
    }
    fn write(&self, m: &mut Fields) {
        if let Some(c) = self.consistent_snapshot {
            m.insert("consistent_snapshot".into(), Value::Bool(c));
        }
        m.insert("keys".into(), keys_value(&self.keys));
        let mut roles = Fields::new();
        for (name, role) in &self.roles {
            let mut o = role.unknown.clone();
            role.write(&mut o);
            roles.insert(name.clone(), Value::Object(o));
        }
        m.insert("roles".into(), Value::Object(roles));
    }
}

/// A `hashes` object: algorithm → hex digest, sorted by algorithm, each algorithm once (the
/// last one wins, as for any JSON object). Its methods are those of the `BTreeMap` it replaces.
///
/// A sorted vector, not a `BTreeMap`: a `BTreeMap` allocates a node of eleven key and value slots
/// (544 bytes for `String`s) even for the single entry most lists have, and a repository of
/// millions of targets holds one per target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hashes(Vec<(String, String)>);

impl Hashes {
    /// No hashes.
    pub fn new() -> Self {
        Self(Vec::new())
    }

    /// Sets the digest of `alg`, returning the one it replaces.
    pub fn insert(&mut self, alg: String, digest: String) -> Option<String> {
        match self.0.binary_search_by(|(a, _)| a.as_str().cmp(&alg)) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, digest)),
            Err(i) => {
                self.0.insert(i, (alg, digest));
                None
            }
        }
    }

    /// Removes every digest.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// Removes `alg`, returning its digest.
    pub fn remove(&mut self, alg: &str) -> Option<String> {
        let i = self.0.binary_search_by(|(a, _)| a.as_str().cmp(alg)).ok()?;
        Some(self.0.remove(i).1)
    }

    /// The digest of `alg`.
    pub fn get(&self, alg: &str) -> Option<&String> {
        self.0
            .binary_search_by(|(a, _)| a.as_str().cmp(alg))
            .ok()
            .map(|i| &self.0[i].1)
    }

    /// Whether `alg` is listed.
    pub fn contains_key(&self, alg: &str) -> bool {
        self.get(alg).is_some()
    }

    /// (algorithm, digest) pairs, by algorithm.
    pub fn iter(&self) -> std::iter::Map<std::slice::Iter<'_, (String, String)>, PairRef> {
        self.0.iter().map(pair_ref)
    }

    /// The algorithms, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(a, _)| a)
    }

    /// The digests, by algorithm.
    pub fn values(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(_, d)| d)
    }

    /// How many are listed.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether none is listed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The function [`Hashes::iter`] maps entries with.
pub type PairRef = for<'a> fn(&'a (String, String)) -> (&'a String, &'a String);

fn pair_ref(p: &(String, String)) -> (&String, &String) {
    (&p.0, &p.1)
}

impl FromIterator<(String, String)> for Hashes {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        let mut h = Hashes::new();
        for (alg, digest) in iter {
            h.insert(alg, digest);
        }
        h
    }
}

impl From<BTreeMap<String, String>> for Hashes {
    fn from(m: BTreeMap<String, String>) -> Self {
        // Already sorted and unique.
        Self(m.into_iter().collect())
    }
}

impl<'a> IntoIterator for &'a Hashes {
    type Item = (&'a String, &'a String);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (String, String)>, PairRef>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// A `meta` entry: a metadata file's version and optionally its length and hashes (spec §4.4).
#[derive(Debug, Clone, PartialEq)]
pub struct MetaFile {
    /// The file's version.
    pub version: u64,
    /// Its length in bytes, if listed.
    pub length: Option<u64>,
    /// Its hashes (algorithm → hex), if listed.
    pub hashes: Option<Hashes>,
    /// Other fields.
    pub unknown: Fields,
}

impl MetaFile {
    /// An entry with only a version.
    pub fn new(version: u64) -> Self {
        Self {
            version,
            length: None,
            hashes: None,
            unknown: Fields::new(),
        }
    }

    fn read(r: &mut Reader<'_, '_>) -> Result<Self> {
        let version = r.version()?;
        let length = r.opt_u64("length")?;
        let hashes = match r.take("hashes") {
            None => None,
            Some(v) => Some(r.hashes_from(v, "hashes")?),
        };
        Ok(Self {
            version,
            length,
            hashes,
            unknown: r.rest(),
        })
    }

    fn to_value(&self) -> Value {
        let mut m = self.unknown.clone();
        m.insert("version".into(), Value::from(self.version));
        if let Some(l) = self.length {
            m.insert("length".into(), Value::from(l));
        }
        if let Some(h) = &self.hashes {
            m.insert("hashes".into(), hashes_value(h));
        }
        Value::Object(m)
    }
}

/// `timestamp` (spec §4.6).
#[derive(Debug, Clone, PartialEq)]
pub struct Timestamp {
    /// Common fields.
    pub common: Common,
    /// `meta["snapshot.json"]`.
    pub snapshot_meta: MetaFile,
    /// Other entries of `meta` (kept, not interpreted).
    pub meta_unknown: Fields,
}

impl Signed for Timestamp {
    const TYPE: &'static str = "timestamp";
    fn common(&self) -> &Common {
        &self.common
    }
    fn common_mut(&mut self) -> &mut Common {
        &mut self.common
    }
}

impl Codec for Timestamp {
    fn read(r: &mut Reader<'_, '_>, common: Common) -> Result<Self> {
        let mut meta = r.child_object("meta")?;
        let mut snap = meta.child_object("snapshot.json")?;
        let snapshot_meta = MetaFile::read(&mut snap)?;
        Ok(Self {
            common,
            snapshot_meta,
            meta_unknown: meta.rest(),
        })
    }
    fn write(&self, m: &mut Fields) {
        let mut meta = self.meta_unknown.clone();
        meta.insert("snapshot.json".into(), self.snapshot_meta.to_value());
        m.insert("meta".into(), Value::Object(meta));
    }
}

/// `snapshot` (spec §4.4).
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// Common fields.
    pub common: Common,
    /// `ROLE.json` → entry, for `targets` and every delegated targets role.
    pub meta: BTreeMap<String, MetaFile>,
}

impl Signed for Snapshot {
    const TYPE: &'static str = "snapshot";
    fn common(&self) -> &Common {
        &self.common
    }
    fn common_mut(&mut self) -> &mut Common {
        &mut self.common
    }
}

impl Codec for Snapshot {
    fn read(r: &mut Reader<'_, '_>, common: Common) -> Result<Self> {
        let meta_obj = r.entries("meta")?;
        let mut meta = Vec::with_capacity(meta_obj.len());
        for &(name, v) in meta_obj {
            let mut one = r.sub2("meta", name, v)?;
            let file = MetaFile::read(&mut one)?;
            meta.push((name.to_owned(), file));
        }
        // Bulk construction from (already sorted) entries: much cheaper than one insert each.
        let meta = BTreeMap::from_iter(meta);
        Ok(Self { common, meta })
    }
    fn write(&self, m: &mut Fields) {
        let meta: Fields = self
            .meta
            .iter()
            .map(|(k, v)| (k.clone(), v.to_value()))
            .collect();
        m.insert("meta".into(), Value::Object(meta));
    }
    fn read_plain(text: &str) -> Option<Self> {
        plain::read(text)
    }
}

/// A target file's description (spec §4.5).
#[derive(Debug, Clone, PartialEq)]
pub struct TargetFile {
    /// Length in bytes.
    pub length: u64,
    /// Hashes, algorithm → hex (non-empty).
    pub hashes: Hashes,
    /// Other fields, `custom` included.
    pub unknown: Fields,
}

impl TargetFile {
    /// `custom`, if present.
    pub fn custom(&self) -> Option<&Value> {
        self.unknown.get("custom")
    }

    /// The hash used in consistent-snapshot target names: SHA-256 if listed, else the first
    /// algorithm in sorted order.
    pub fn name_hash(&self) -> Option<&str> {
        self.hashes
            .get("sha256")
            .or_else(|| self.hashes.values().next())
            .map(String::as_str)
    }

    fn read(r: &mut Reader<'_, '_>) -> Result<Self> {
        let length = r.u64("length")?;
        let v = r.required("hashes")?;
        let hashes = r.hashes_from(v, "hashes")?;
        Ok(Self {
            length,
            hashes,
            unknown: r.rest(),
        })
    }

    fn to_value(&self) -> Value {
        let mut m = self.unknown.clone();
        m.insert("length".into(), Value::from(self.length));
        m.insert("hashes".into(), hashes_value(&self.hashes));
        Value::Object(m)
    }
}

/// `targets` (spec §4.5), top-level or delegated.
#[derive(Debug, Clone, PartialEq)]
pub struct Targets {
    /// Common fields.
    pub common: Common,
    /// Target path → description.
    pub targets: BTreeMap<String, TargetFile>,
    /// Delegations, if any.
    pub delegations: Option<Delegations>,
}

impl Signed for Targets {
    const TYPE: &'static str = "targets";
    fn common(&self) -> &Common {
        &self.common
    }
    fn common_mut(&mut self) -> &mut Common {
        &mut self.common
    }
}

impl Codec for Targets {
    fn read(r: &mut Reader<'_, '_>, common: Common) -> Result<Self> {
        let tobj = r.entries("targets")?;
        let mut targets = Vec::with_capacity(tobj.len());
        for &(path, v) in tobj {
            let mut one = r.sub2("targets", path, v)?;
            let file = TargetFile::read(&mut one)?;
            targets.push((path.to_owned(), file));
        }
        let targets = BTreeMap::from_iter(targets);
        let delegations = match r.take("delegations") {
            None => None,
            Some(v) => {
                let mut d = r.sub("delegations", v)?;
                Some(Delegations::read(&mut d)?)
            }
        };
        Ok(Self {
            common,
            targets,
            delegations,
        })
    }
    fn write(&self, m: &mut Fields) {
        let t: Fields = self
            .targets
            .iter()
            .map(|(k, v)| (k.clone(), v.to_value()))
            .collect();
        m.insert("targets".into(), Value::Object(t));
        if let Some(d) = &self.delegations {
            m.insert("delegations".into(), d.to_value());
        }
    }
    fn read_plain(text: &str) -> Option<Self> {
        plain::read(text)
    }
}

/// `spec_version` is `MAJOR.MINOR[.PATCH]` in digits with major 1 (python-tuf's rule).
pub fn spec_version_supported(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    (parts.len() == 2 || parts.len() == 3)
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && parts[0] == "1"
}

pub(super) fn strings(v: &[String]) -> Value {
    Value::Array(v.iter().cloned().map(Value::String).collect())
}

fn hashes_value(h: &Hashes) -> Value {
    Value::Object(
        h.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

pub(super) fn keys_value(keys: &BTreeMap<String, Key>) -> Value {
    Value::Object(
        keys.iter()
            .map(|(k, v)| (k.clone(), v.to_value()))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// `Hashes` behaves like the `BTreeMap` it replaced: sorted by algorithm, one digest per
    /// algorithm (the last inserted wins), and lookups by name.
    #[test]
    fn hashes_is_a_sorted_map() {
        let mut h: Hashes = [("sha512", "b"), ("sha256", "a"), ("sha512", "c")]
            .into_iter()
            .map(|(a, d)| (a.to_owned(), d.to_owned()))
            .collect();
        assert_eq!(h.len(), 2);
        assert_eq!(h.keys().collect::<Vec<_>>(), ["sha256", "sha512"]);
        assert_eq!(h.get("sha512").map(String::as_str), Some("c"));
        assert_eq!(h.insert("sha224".into(), "x".into()), None);
        assert_eq!(h.insert("sha256".into(), "y".into()), Some("a".to_owned()));
        let pairs: Vec<(&String, &String)> = (&h).into_iter().collect();
        assert_eq!(pairs.len(), 3);
        assert!(pairs.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(h.remove("sha224"), Some("x".to_owned()));
        assert!(!h.contains_key("sha224") && h.get("md5").is_none());
        let m: BTreeMap<String, String> = h.iter().map(|(a, d)| (a.clone(), d.clone())).collect();
        assert_eq!(Hashes::from(m), h);
    }
}
