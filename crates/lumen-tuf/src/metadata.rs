//! TUF metadata (specification v1.0.34 §4): the four top-level roles, delegations (classic and
//! succinct hash bins), keys and signatures.
//!
//! Parsing keeps every field this crate does not know in an `unknown` map, so metadata written
//! back by the repository editor carries them, and signatures are always checked over the
//! canonical form of `signed` *as received* (see [`Parsed::canonical_signed`]), never over a
//! re-serialisation of the typed view.

use crate::canonical;
use crate::error::{Result, TufError, malformed};
use crate::json::{J, Member, Signed as JsonSigned, parse_top};
use bumpalo::Bump;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Fields of a JSON object that this crate does not interpret (kept verbatim).
pub type Fields = Map<String, Value>;

mod plain;

/// The specification version this crate writes.
pub const SPEC_VERSION: &str = "1.0.34";

/// The four top-level role names.
pub const TOP_LEVEL_ROLES: [&str; 4] = ["root", "timestamp", "snapshot", "targets"];

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
pub trait Signed: Sized + Clone {
    /// The `_type` value.
    const TYPE: &'static str;
    /// The common fields.
    fn common(&self) -> &Common;
    /// The common fields, mutably (for the editor).
    fn common_mut(&mut self) -> &mut Common;
    /// Reads the role-specific fields from `r` (the common ones are already taken).
    #[doc(hidden)]
    fn read(r: &mut Reader<'_, '_>, common: Common) -> Result<Self>;
    /// Writes the role-specific fields.
    #[doc(hidden)]
    fn write(&self, out: &mut Fields);
    /// Reads `signed` from its text without a parse tree when it is plain (see `plain.rs`):
    /// `None` sends it to the general reader. Only the large roles (snapshot, targets) have one.
    #[doc(hidden)]
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

    fn read(r: &mut Reader<'_, '_>) -> Result<Self> {
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
    fn read_plain(text: &str) -> Option<Self> {
        plain::read(text)
    }
    fn common(&self) -> &Common {
        &self.common
    }
    fn common_mut(&mut self) -> &mut Common {
        &mut self.common
    }
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
    fn read_plain(text: &str) -> Option<Self> {
        plain::read(text)
    }
    fn common(&self) -> &Common {
        &self.common
    }
    fn common_mut(&mut self) -> &mut Common {
        &mut self.common
    }
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
}

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

    fn read(r: &mut Reader<'_, '_>) -> Result<Self> {
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

    fn read(r: &mut Reader<'_, '_>) -> Result<Self> {
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

    fn to_value(&self) -> Value {
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

/// One entry of `signatures`.
#[derive(Debug, Clone, PartialEq)]
pub struct Signature {
    /// The key id that claims the signature.
    pub keyid: String,
    /// The signature, hex.
    pub sig: String,
    /// Other fields.
    pub unknown: Fields,
}

/// A metadata file: `signed` and its `signatures`.
#[derive(Debug, Clone, PartialEq)]
pub struct Metadata<T> {
    /// The signed part.
    pub signed: T,
    /// The signatures, in file order.
    pub signatures: Vec<Signature>,
    /// Other top-level fields.
    pub unknown: Fields,
}

/// Parsed metadata together with the exact bytes its signatures cover.
#[derive(Debug, Clone)]
pub struct Parsed<T> {
    /// The typed view.
    pub metadata: Metadata<T>,
    /// Canonical JSON of `signed` as received, unknown fields included.
    pub canonical_signed: Vec<u8>,
}

impl<T: Signed> Metadata<T> {
    /// Parses `bytes` as metadata of role type `T`; `role` names the file in errors.
    pub fn from_bytes(bytes: &[u8], role: &str) -> Result<Parsed<T>> {
        Self::parse_and_verify(bytes, role, |_, _| Ok(())).map(|(metadata, canonical)| Parsed {
            metadata,
            canonical_signed: canonical.into_owned(),
        })
    }

    /// Parses `bytes` like [`Metadata::from_bytes`] and checks its signatures with `verify`
    /// (given the canonical bytes of `signed` and the signatures). A parse error is reported
    /// before a `verify` error. When `signed` is canonical as received (as this crate's editor
    /// writes it), the signatures are checked over the received bytes, without re-encoding;
    /// large files are parsed and checked on two threads at once (see
    /// `parse_and_verify_parallel`).
    ///
    /// Returns the metadata and the canonical bytes of `signed`: borrowed from `bytes` when they
    /// are canonical as received (no copy of a multi-megabyte file), else the encoding.
    pub(crate) fn parse_and_verify<'b, F>(
        bytes: &'b [u8],
        role: &str,
        verify: F,
    ) -> Result<Checked<'b, T>>
    where
        F: Fn(&[u8], &[Signature]) -> Result<()> + Sync,
    {
        let json_err = |e: crate::json::ParseError| e.into_tuf(role);
        // One UTF-8 check of the whole file, so the parser need not check string by string.
        let Ok(bytes) = std::str::from_utf8(bytes) else {
            return Err(match serde_json::from_slice::<Value>(bytes) {
                Err(source) => json_err(crate::json::ParseError::Syntax(source)),
                Ok(_) => malformed(role, "(top level)", "not UTF-8"),
            });
        };
        if bytes.len() >= PARALLEL_THRESHOLD.load(Ordering::Relaxed)
            && let Some(parsed) = Self::parse_and_verify_parallel(bytes, role, &verify)
        {
            return parsed;
        }
        let bump = Bump::new();
        let top = parse_top(bytes, &bump, true).map_err(json_err)?;
        let Some((signed, members)) = top else {
            return Err(malformed(role, "(top level)", "must be an object"));
        };
        let JsonSigned::Raw(raw) = signed else {
            return Err(malformed(role, "signed", "missing"));
        };
        let mut top = Reader::new(role, String::new(), J::Obj(members))?;
        let text = raw.get();
        if let Some(signed) = crate::json::no_whitespace_outside_strings(text.as_bytes())
            .then(|| T::read_plain(text))
            .flatten()
        {
            let signatures = read_signatures(&mut top)?;
            let unknown = top.rest();
            verify(text.as_bytes(), &signatures)?;
            return Ok((
                Metadata {
                    signed,
                    signatures,
                    unknown,
                },
                Cow::Borrowed(text.as_bytes()),
            ));
        }
        // `signed` is parsed (a duplicate in it is a JSON error) before the signatures are read,
        // as the two-thread path, which parses the whole file first, reports errors.
        let (signed_v, canonical) = crate::json::parse_checked(text, &bump).map_err(json_err)?;
        let signatures = read_signatures(&mut top)?;
        let unknown = top.rest();
        let canonical_signed = if canonical {
            debug_assert_eq!(
                encode_signed(signed_v, role).ok().as_deref(),
                Some(text.as_bytes())
            );
            Cow::Borrowed(text.as_bytes())
        } else {
            Cow::Owned(encode_signed(signed_v, role)?)
        };
        let signed = read_typed::<T>(signed_v, role)?;
        verify(&canonical_signed, &signatures)?;
        Ok((
            Metadata {
                signed,
                signatures,
                unknown,
            },
            canonical_signed,
        ))
    }

    /// [`Metadata::parse_and_verify`] for large files, on two threads: this one reads the typed
    /// view, the other checks the signatures over the text of `signed` as received.
    ///
    /// The other thread finds that text without parsing it when the file is laid out as
    /// canonical JSON orders it (`{"signatures":[…],"signed":{…}}`, see [`split_envelope`]),
    /// else by a pass that builds nothing (serde_json's `RawValue`). Its check counts only if
    /// this thread confirms the text is `signed`, canonical as received: by reading it whole as
    /// plain metadata, or by parsing the file and finding it clean. Otherwise the signatures are
    /// checked again here, over the canonical encoding. Every error is this thread's: the other
    /// thread's work is a shortcut. `None` if no thread could be started (the caller then parses
    /// on one thread).
    fn parse_and_verify_parallel<'b, F>(
        bytes: &'b str,
        role: &str,
        verify: &F,
    ) -> Option<Result<Checked<'b, T>>>
    where
        F: Fn(&[u8], &[Signature]) -> Result<()> + Sync,
    {
        let envelope = split_envelope(bytes);
        std::thread::scope(|scope| {
            let check = std::thread::Builder::new().spawn_scoped(scope, move || {
                let (text, sigs, assumed) = match envelope {
                    Some((sigs, signed)) => (signed, signatures_from(sigs, role)?, true),
                    None => {
                        let bump = Bump::new();
                        let (JsonSigned::Raw(raw), members) =
                            parse_top(bytes, &bump, true).ok()??
                        else {
                            return None;
                        };
                        let mut top = Reader::new(role, String::new(), J::Obj(members)).ok()?;
                        (raw.get(), read_signatures(&mut top).ok()?, false)
                    }
                };
                // With whitespace the text is not what was signed: the result would be unused.
                if !crate::json::no_whitespace_outside_strings(text.as_bytes()) {
                    return None;
                }
                Some(OtherCheck {
                    text,
                    assumed,
                    result: verify(text.as_bytes(), &sigs),
                })
            });
            let Ok(check) = check else {
                return None;
            };
            Some(Self::parse_beside(bytes, role, verify, envelope, check))
        })
    }

    /// This thread's half of [`Metadata::parse_and_verify_parallel`]. A file laid out as
    /// `{"signatures":[…],"signed":{…}}` whose `signed` is plain (see `plain.rs`) is read
    /// without a tree; anything else, errors included, the general way.
    fn parse_beside<'scope, 'b, F>(
        bytes: &'b str,
        role: &str,
        verify: &F,
        envelope: Option<(&'b str, &'b str)>,
        check: std::thread::ScopedJoinHandle<'scope, Option<OtherCheck<'b>>>,
    ) -> Result<Checked<'b, T>>
    where
        F: Fn(&[u8], &[Signature]) -> Result<()> + Sync,
    {
        let join = |check: std::thread::ScopedJoinHandle<'scope, Option<OtherCheck<'b>>>| {
            check
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p))
        };
        if let Some((sigs_text, text)) = envelope
            && crate::json::no_whitespace_outside_strings(text.as_bytes())
            && let Some(signed) = T::read_plain(text)
            && let Some(signatures) = signatures_from(sigs_text, role)
        {
            // `signed` parsed as one whole object: the file is exactly those two members, and
            // `text` is `signed` as received, canonical.
            match join(check) {
                Some(c) if std::ptr::eq(c.text, text) => c.result?,
                _ => verify(text.as_bytes(), &signatures)?,
            }
            return Ok((
                Metadata {
                    signed,
                    signatures,
                    unknown: Fields::new(),
                },
                Cow::Borrowed(text.as_bytes()),
            ));
        }
        let json_err = |e: crate::json::ParseError| e.into_tuf(role);
        let bump = Bump::with_capacity(bytes.len());
        let top = parse_top(bytes, &bump, false).map_err(json_err)?;
        let Some((signed, members)) = top else {
            return Err(malformed(role, "(top level)", "must be an object"));
        };
        let JsonSigned::Tree(signed_v, clean) = signed else {
            return Err(malformed(role, "signed", "missing"));
        };
        let mut top = Reader::new(role, String::new(), J::Obj(members))?;
        let signatures = read_signatures(&mut top)?;
        let unknown = top.rest();
        let encoded = if clean {
            None
        } else {
            Some(encode_signed(signed_v, role)?)
        };
        let signed = read_typed::<T>(signed_v, role)?;
        let canonical_signed = match (encoded, join(check)) {
            // The other thread found `signed` by parsing the file (not by assuming its layout)
            // and it is canonical as received: its check stands.
            (None, Some(c)) if !c.assumed => {
                debug_assert_eq!(
                    encode_signed(signed_v, role).ok().as_deref(),
                    Some(c.text.as_bytes())
                );
                c.result?;
                Cow::Borrowed(c.text.as_bytes())
            }
            (encoded, _) => {
                let canonical = match encoded {
                    Some(e) => e,
                    None => encode_signed(signed_v, role)?,
                };
                verify(&canonical, &signatures)?;
                Cow::Owned(canonical)
            }
        };
        Ok((
            Metadata {
                signed,
                signatures,
                unknown,
            },
            canonical_signed,
        ))
    }

    /// `signed` as a JSON value (known fields plus the preserved unknown ones).
    pub fn signed_value(&self) -> Value {
        let c = self.signed.common();
        let mut m = c.unknown.clone();
        m.insert("_type".into(), Value::String(T::TYPE.into()));
        m.insert("spec_version".into(), Value::String(c.spec_version.clone()));
        m.insert("version".into(), Value::from(c.version));
        m.insert("expires".into(), Value::String(c.expires.as_str().into()));
        self.signed.write(&mut m);
        Value::Object(m)
    }

    /// The canonical bytes a signature over the current `signed` covers.
    pub fn canonical_signed(&self) -> Result<Vec<u8>> {
        canonical::encode(&self.signed_value()).map_err(|source| TufError::NotCanonical {
            role: T::TYPE.to_owned(),
            source,
        })
    }

    /// The whole file as JSON bytes (compact; keys sorted as serde_json's map keeps them).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut m = self.unknown.clone();
        m.insert("signed".into(), self.signed_value());
        let sigs = self
            .signatures
            .iter()
            .map(|s| {
                let mut o = s.unknown.clone();
                o.insert("keyid".into(), Value::String(s.keyid.clone()));
                o.insert("sig".into(), Value::String(s.sig.clone()));
                Value::Object(o)
            })
            .collect();
        m.insert("signatures".into(), Value::Array(sigs));
        // Plain JSON (sorted keys, compact), not canonical JSON: canonical JSON writes control
        // characters raw (a PEM key's newlines), which JSON parsers reject. Signatures cover the
        // canonical form of `signed`, which any parser recomputes from these bytes.
        serde_json::to_vec(&Value::Object(m)).unwrap_or_default()
    }
}

/// What [`Metadata::parse_and_verify`] returns: the metadata and the canonical bytes of `signed`
/// (borrowed from the file when it was canonical as received).
pub(crate) type Checked<'b, T> = (Metadata<T>, Cow<'b, [u8]>);

/// Files at least this long are parsed and verified on two threads (see
/// [`Metadata::parse_and_verify`]); below it a thread costs more than it saves.
const PARALLEL_VERIFY_MIN: usize = 256 * 1024;

static PARALLEL_THRESHOLD: AtomicUsize = AtomicUsize::new(PARALLEL_VERIFY_MIN);

/// Tests and fuzzing only: files at least `bytes` long take the two-thread path (0: every
/// file; `usize::MAX`: none). Process-wide; the default is 256 KiB.
#[doc(hidden)]
pub fn set_parallel_threshold(bytes: usize) {
    PARALLEL_THRESHOLD.store(bytes, Ordering::Relaxed);
}

/// The other thread's check in [`Metadata::parse_and_verify_parallel`]: the text it checked the
/// signatures over (without whitespace outside strings), and whether it found that text by
/// [`split_envelope`] (an assumption about the file's layout that only a plain read confirms)
/// rather than by parsing the file.
struct OtherCheck<'b> {
    text: &'b str,
    assumed: bool,
    result: Result<()>,
}

/// The texts of `signatures` and `signed` when the file is laid out as canonical JSON orders its
/// members, `{"signatures":[…],"signed":{…}}`, found by parsing only the signatures: the rest
/// up to the closing brace is taken to be `signed`. That holds if and only if it then parses as
/// one whole object, which the caller checks.
fn split_envelope(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix(r#"{"signatures":"#)?;
    let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<&RawValue>();
    let sigs = stream.next()?.ok()?;
    let signed = rest[stream.byte_offset()..]
        .strip_prefix(r#","signed":"#)?
        .strip_suffix('}')?;
    Some((sigs.get(), signed))
}

/// The signatures listed in `text` (the value of `signatures`), if it is a valid list; the
/// general path reports what is wrong with an invalid one.
fn signatures_from(text: &str, role: &str) -> Option<Vec<Signature>> {
    let bump = Bump::new();
    let (list, _) = crate::json::parse_checked(text, &bump).ok()?;
    let top = bump.alloc_slice_copy(&[("signatures", list)]);
    read_signatures(&mut Reader::new(role, String::new(), J::Obj(top)).ok()?).ok()
}

fn read_signatures(top: &mut Reader<'_, '_>) -> Result<Vec<Signature>> {
    let role = top.role;
    let sigs_v = top.required("signatures")?;
    let J::Arr(items) = sigs_v else {
        return Err(malformed(role, "signatures", "must be a list"));
    };
    let mut signatures = Vec::with_capacity(items.len());
    for (i, &item) in items.iter().enumerate() {
        let mut s = top.sub_index("signatures", i, item)?;
        let keyid = s.string("keyid")?;
        let sig = s.string("sig")?;
        // Spec §4.2: a keyid MUST be unique in `signatures`.
        if signatures.iter().any(|x: &Signature| x.keyid == keyid) {
            return Err(malformed(
                role,
                format!("signatures[{i}].keyid"),
                "duplicate keyid in signatures",
            ));
        }
        signatures.push(Signature {
            keyid,
            sig,
            unknown: s.rest(),
        });
    }
    Ok(signatures)
}

/// The canonical encoding of `signed`.
fn encode_signed(signed_v: J<'_>, role: &str) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    signed_v.encode_canonical(&mut out).map_err(|mut source| {
        source.path = format!("/signed{}", source.path);
        TufError::NotCanonical {
            role: role.to_owned(),
            source,
        }
    })?;
    Ok(out)
}

/// The typed view of `signed`.
fn read_typed<T: Signed>(signed_v: J<'_>, role: &str) -> Result<T> {
    let mut r = Reader::new(role, "signed".into(), signed_v)?;
    let ty = r.string("_type")?;
    if ty != T::TYPE {
        return Err(TufError::WrongType {
            role: role.to_owned(),
            expected: T::TYPE,
            found: ty,
        });
    }
    let spec_version = r.string("spec_version")?;
    if !spec_version_supported(&spec_version) {
        return Err(TufError::UnsupportedSpecVersion {
            role: role.to_owned(),
            found: spec_version,
        });
    }
    let version = r.version()?;
    let expires_s = r.string("expires")?;
    let expires = Expires::parse(&expires_s)
        .ok_or_else(|| malformed(role, "signed.expires", "not a YYYY-MM-DDTHH:MM:SSZ time"))?;
    let common = Common {
        spec_version,
        version,
        expires,
        unknown: Fields::new(),
    };
    let mut signed = T::read(&mut r, common)?;
    signed.common_mut().unknown = r.rest();
    Ok(signed)
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

fn strings(v: &[String]) -> Value {
    Value::Array(v.iter().cloned().map(Value::String).collect())
}

fn hashes_value(h: &Hashes) -> Value {
    Value::Object(
        h.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

fn keys_value(keys: &BTreeMap<String, Key>) -> Value {
    Value::Object(
        keys.iter()
            .map(|(k, v)| (k.clone(), v.to_value()))
            .collect(),
    )
}

/// Reads the fields of one JSON object, naming fields by path in errors.
#[doc(hidden)]
#[derive(Debug)]
pub struct Reader<'a, 'j> {
    role: &'a str,
    at: At<'a>,
    /// The object's members, sorted by key.
    fields: &'j [Member<'j>],
    /// Which members have been taken: bit i for member i (objects of up to 64 members, i.e.
    /// every object the typed model reads member by member) or one flag per member.
    taken: Taken,
}

#[derive(Debug)]
enum Taken {
    Bits(u64),
    Flags(Vec<bool>),
}

/// Where a reader's object is, for error messages. Entries of the large maps and lists keep
/// their parent's path and their own name apart, so no string is built unless an error needs it.
#[derive(Debug)]
enum At<'p> {
    Owned(String),
    Entry {
        base: &'p str,
        outer: &'p str,
        inner: Seg<'p>,
    },
}

#[derive(Debug, Clone, Copy)]
enum Seg<'p> {
    Key(&'p str),
    Index(usize),
}

impl At<'_> {
    fn render(&self) -> String {
        match self {
            At::Owned(s) => s.clone(),
            At::Entry { base, outer, inner } => {
                let mut s = String::with_capacity(base.len() + outer.len() + 16);
                if !base.is_empty() {
                    s.push_str(base);
                    s.push('.');
                }
                s.push_str(outer);
                match inner {
                    Seg::Key(k) => {
                        s.push('.');
                        s.push_str(k);
                    }
                    Seg::Index(i) => {
                        s.push('[');
                        s.push_str(itoa::Buffer::new().format(*i));
                        s.push(']');
                    }
                }
                s
            }
        }
    }
}

impl<'a, 'j> Reader<'a, 'j> {
    fn new(role: &'a str, at: String, value: J<'j>) -> Result<Self> {
        Self::at_path(role, At::Owned(at), value)
    }

    fn at_path(role: &'a str, at: At<'a>, value: J<'j>) -> Result<Self> {
        match value {
            J::Obj(fields) => Ok(Self {
                role,
                at,
                fields,
                taken: if fields.len() <= 64 {
                    Taken::Bits(0)
                } else {
                    Taken::Flags(vec![false; fields.len()])
                },
            }),
            _ => {
                let at = at.render();
                Err(malformed(
                    role,
                    if at.is_empty() {
                        "(top level)".into()
                    } else {
                        at
                    },
                    "must be an object",
                ))
            }
        }
    }

    /// This object's path.
    fn at(&self) -> String {
        self.at.render()
    }

    fn path(&self, key: &str) -> String {
        let at = self.at();
        if at.is_empty() {
            key.to_owned()
        } else {
            format!("{at}.{key}")
        }
    }

    /// A reader for one entry of member `outer` (an object or a list): its path is only built
    /// if an error needs it, as this runs once per entry of the largest maps.
    fn entry<'s>(&'s self, outer: &'s str, inner: Seg<'s>, value: J<'j>) -> Result<Reader<'s, 'j>> {
        let at = match &self.at {
            At::Owned(base) => At::Entry { base, outer, inner },
            lazy @ At::Entry { .. } => {
                let base = lazy.render();
                At::Owned(
                    At::Entry {
                        base: &base,
                        outer,
                        inner,
                    }
                    .render(),
                )
            }
        };
        Reader::at_path(self.role, at, value)
    }

    fn sub2<'s>(&'s self, outer: &'s str, inner: &'s str, value: J<'j>) -> Result<Reader<'s, 'j>> {
        self.entry(outer, Seg::Key(inner), value)
    }

    fn sub_index<'s>(&'s self, outer: &'s str, i: usize, value: J<'j>) -> Result<Reader<'s, 'j>> {
        self.entry(outer, Seg::Index(i), value)
    }

    fn sub(&self, key: &str, value: J<'j>) -> Result<Reader<'a, 'j>> {
        Reader::new(self.role, self.path(key), value)
    }

    fn child_object(&mut self, key: &str) -> Result<Reader<'a, 'j>> {
        let v = self.required(key)?;
        self.sub(key, v)
    }

    fn is_taken(&self, i: usize) -> bool {
        match &self.taken {
            Taken::Bits(b) => b & (1 << i) != 0,
            Taken::Flags(f) => f[i],
        }
    }

    fn take(&mut self, key: &str) -> Option<J<'j>> {
        // Most objects have a handful of members: a scan beats a binary search of memcmp calls.
        let i = if self.fields.len() <= 16 {
            self.fields.iter().position(|(k, _)| *k == key)?
        } else {
            self.fields.binary_search_by(|(k, _)| (*k).cmp(key)).ok()?
        };
        if self.is_taken(i) {
            return None;
        }
        match &mut self.taken {
            Taken::Bits(b) => *b |= 1 << i,
            Taken::Flags(f) => f[i] = true,
        }
        Some(self.fields[i].1)
    }

    fn required(&mut self, key: &str) -> Result<J<'j>> {
        self.take(key)
            .ok_or_else(|| malformed(self.role, self.path(key), "missing"))
    }

    /// Whether members are left that nothing has taken.
    fn has_rest(&self) -> bool {
        (0..self.fields.len()).any(|i| !self.is_taken(i))
    }

    /// The members nothing has taken (the unknown fields).
    fn rest(&mut self) -> Fields {
        let mut out = Fields::new();
        for (i, (k, v)) in self.fields.iter().enumerate() {
            if !self.is_taken(i) {
                out.insert((*k).to_owned(), v.into_value());
            }
        }
        out
    }

    fn string(&mut self, key: &str) -> Result<String> {
        match self.required(key)? {
            J::Str(s) => Ok(s.to_owned()),
            _ => Err(malformed(self.role, self.path(key), "must be a string")),
        }
    }

    fn u64(&mut self, key: &str) -> Result<u64> {
        let v = self.required(key)?;
        v.as_u64()
            .ok_or_else(|| malformed(self.role, self.path(key), "must be a non-negative integer"))
    }

    fn opt_u64(&mut self, key: &str) -> Result<Option<u64>> {
        match self.take(key) {
            None => Ok(None),
            Some(v) => v.as_u64().map(Some).ok_or_else(|| {
                malformed(self.role, self.path(key), "must be a non-negative integer")
            }),
        }
    }

    fn version(&mut self) -> Result<u64> {
        let v = self.u64("version")?;
        if v == 0 {
            return Err(malformed(
                self.role,
                self.path("version"),
                "must be at least 1",
            ));
        }
        Ok(v)
    }

    fn threshold(&mut self) -> Result<u32> {
        let t = self.u64("threshold")?;
        match u32::try_from(t) {
            Ok(t) if t >= 1 => Ok(t),
            _ => Err(malformed(
                self.role,
                self.path("threshold"),
                "must be an integer from 1 to 2^32-1",
            )),
        }
    }

    fn bool(&mut self, key: &str) -> Result<bool> {
        match self.required(key)? {
            J::Bool(b) => Ok(b),
            _ => Err(malformed(
                self.role,
                self.path(key),
                "must be true or false",
            )),
        }
    }

    fn opt_bool(&mut self, key: &str) -> Result<Option<bool>> {
        match self.take(key) {
            None => Ok(None),
            Some(J::Bool(b)) => Ok(Some(b)),
            Some(_) => Err(malformed(
                self.role,
                self.path(key),
                "must be true or false",
            )),
        }
    }

    fn object(&mut self, key: &str) -> Result<Fields> {
        match self.required(key)? {
            J::Obj(m) => Ok(m
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.into_value()))
                .collect()),
            _ => Err(malformed(self.role, self.path(key), "must be an object")),
        }
    }

    /// The members of object member `key`, sorted by name (for the large maps).
    fn entries(&mut self, key: &str) -> Result<&'j [Member<'j>]> {
        match self.required(key)? {
            J::Obj(m) => Ok(m),
            _ => Err(malformed(self.role, self.path(key), "must be an object")),
        }
    }

    fn list_of_strings(&self, key: &str, v: J<'j>) -> Result<Vec<String>> {
        let bad = || malformed(self.role, self.path(key), "must be a list of strings");
        let J::Arr(items) = v else {
            return Err(bad());
        };
        // A plain loop: this runs for every delegated role (tens of thousands per file).
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let J::Str(s) = item else {
                return Err(bad());
            };
            out.push((*s).to_owned());
        }
        Ok(out)
    }

    fn string_list(&mut self, key: &str) -> Result<Vec<String>> {
        let v = self.required(key)?;
        self.list_of_strings(key, v)
    }

    fn opt_string_list(&mut self, key: &str) -> Result<Option<Vec<String>>> {
        match self.take(key) {
            None => Ok(None),
            Some(v) => self.list_of_strings(key, v).map(Some),
        }
    }

    fn hashes_from(&self, v: J<'j>, key: &str) -> Result<Hashes> {
        let J::Obj(m) = v else {
            return Err(malformed(self.role, self.path(key), "must be an object"));
        };
        if m.is_empty() {
            return Err(malformed(self.role, self.path(key), "must not be empty"));
        }
        m.iter()
            .map(|(k, v)| match v {
                J::Str(s) => Ok(((*k).to_owned(), (*s).to_owned())),
                _ => Err(malformed(
                    self.role,
                    self.path(key),
                    "hash values must be strings",
                )),
            })
            .collect()
    }

    fn keys(&mut self, key: &str) -> Result<BTreeMap<String, Key>> {
        let obj = self.entries(key)?;
        let mut keys = BTreeMap::new();
        for &(id, v) in obj {
            let mut kr = self.sub2(key, id, v)?;
            keys.insert(id.to_owned(), Key::read(&mut kr)?);
        }
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The envelope is split only in canonical member order, with the signatures parsed and
    /// the rest up to the last brace taken as `signed` (which the caller must then parse whole).
    #[test]
    fn split_envelope_takes_only_the_canonical_layout() {
        let sigs = r#"[{"keyid":"a","sig":"b"},{"keyid":"c","sig":"]},\"signed\":"}]"#;
        let text = format!(r#"{{"signatures":{sigs},"signed":{{"_type":"x"}}}}"#);
        assert_eq!(split_envelope(&text), Some((sigs, r#"{"_type":"x"}"#)));
        // Whitespace before the signatures does not matter; a second `signed` stays inside the
        // assumed text, where a whole-object parse fails.
        assert_eq!(
            split_envelope(r#"{"signatures": [],"signed":{}}"#),
            Some(("[]", "{}"))
        );
        assert_eq!(
            split_envelope(r#"{"signatures":[],"signed":{},"signed":{"a":1}}"#),
            Some(("[]", r#"{},"signed":{"a":1}"#))
        );
        for other in [
            r#"{"signed":{},"signatures":[]}"#,
            r#"{ "signatures":[],"signed":{}}"#,
            r#"{"signatures":[],"x":1,"signed":{}}"#,
            r#"{"signatures":[,"signed":{}}"#,
            r#"{"signatures":[]}"#,
            "",
        ] {
            assert_eq!(split_envelope(other), None, "{other}");
        }
    }

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

    /// The whole file is checked for UTF-8 once; bytes that are not UTF-8 (in a string, or
    /// anywhere) are a JSON error, never accepted or a panic, on both parse paths.
    #[test]
    fn metadata_that_is_not_utf8_is_a_json_error() {
        let good = br#"{"signatures":[],"signed":{"_type":"timestamp","expires":"2030-01-01T00:00:00Z","meta":{"snapshot.json":{"version":1}},"spec_version":"1.0.34","version":1}}"#;
        assert!(Metadata::<Timestamp>::from_bytes(good, "timestamp").is_ok());
        let mut in_string = good.to_vec();
        let at = in_string.windows(4).position(|w| w == b"2030").unwrap();
        in_string[at] = 0xff;
        let mut padded = in_string.clone();
        // Past the size at which the file is parsed on two threads.
        padded.splice(
            1..1,
            format!(r#""x-pad":"{}","#, "p".repeat(PARALLEL_VERIFY_MIN)).into_bytes(),
        );
        let mut outside = good.to_vec();
        outside.insert(1, 0xc3);
        for bytes in [in_string, padded, outside] {
            assert!(matches!(
                Metadata::<Timestamp>::from_bytes(&bytes, "timestamp"),
                Err(TufError::Json { .. })
            ));
        }
    }
}
