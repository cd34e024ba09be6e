//! The typed view of `signed` read straight from the text, without a parse tree, for snapshot
//! and targets metadata that is canonical as received (keys strictly increasing, no escapes,
//! integers only; the caller checks there is no whitespace). That is what this crate's editor
//! writes, and it is where the large files are: a PEP 458 snapshot with 16,384 entries, a
//! top-level targets with 16,384 delegated roles. The few values the typed model keeps as JSON
//! (fields it does not name, `custom`, the small `delegations.keys` and `succinct_roles`) are
//! parsed as trees and read like everywhere else.
//!
//! Anything else (an escape, unsorted or duplicate keys, a float, a missing or invalid field, a
//! duplicate role name, a syntax error) returns `None` and the caller reads the text the general
//! way, which accepts it or reports the exact error. So this module never decides whether
//! metadata is valid; it only returns what the general reader would, faster. In debug builds
//! (every test, and the fuzz target) each result is compared with the general reader's.

use super::reader::Reader;
use super::{
    Common, DelegatedRole, DelegatedRoles, Delegations, Expires, Fields, HashPrefixes, Hashes,
    MetaFile, PathScope, Snapshot, SuccinctRoles, TOP_LEVEL_ROLES, TargetFile, Targets,
    spec_version_supported,
};
use crate::json::{J, parse_checked};
use bumpalo::Bump;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

/// Reads `text` (the `signed` value, with no whitespace outside strings) as plain metadata of
/// type `T`, or `None` if it is not plain.
pub(super) fn read<T: Plain + PartialEq + fmt::Debug>(text: &str) -> Option<T> {
    let mut de = serde_json::Deserializer::from_str(text);
    let out = (&mut de)
        .deserialize_map(SignedVisitor::<T>(PhantomData))
        .ok()?;
    de.end().ok()?;
    // Every test checks the shortcut against the general reader.
    #[cfg(debug_assertions)]
    {
        let bump = Bump::new();
        let general = parse_checked(text, &bump)
            .ok()
            .filter(|(_, canonical)| *canonical)
            .and_then(|(j, _)| super::reader::read_typed::<T>(j, "plain").ok());
        assert_eq!(
            general.as_ref(),
            Some(&out),
            "plain reader disagrees: {text}"
        );
    }
    #[cfg(test)]
    READS.with(|n| n.set(n.get() + 1));
    Some(out)
}

#[cfg(test)]
thread_local! {
    /// Plain reads on this thread (tests check the shortcut is taken).
    static READS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// The error that sends the text to the general reader.
fn not_plain<E: serde::de::Error>() -> E {
    E::custom("not plain metadata")
}

/// The next key of an object: borrowed (no escapes) and greater than the one before it.
fn next_key<'de, A: MapAccess<'de>>(
    map: &mut A,
    prev: &mut Option<&'de str>,
) -> Result<Option<&'de str>, A::Error> {
    let Some(k) = map.next_key::<&'de str>()? else {
        return Ok(None);
    };
    if prev.is_some_and(|p| p >= k) {
        return Err(not_plain());
    }
    *prev = Some(k);
    Ok(Some(k))
}

/// `raw` parsed as a tree in `bump`, if it is canonical.
fn canonical_tree<'b>(raw: &'b RawValue, bump: &'b Bump) -> Option<J<'b>> {
    let (j, canonical) = parse_checked(raw.get(), bump).ok()?;
    canonical.then_some(j)
}

/// A value parsed as a (canonical) tree and handed to `f` as the one member `key` of an object,
/// so the general readers can take it by name.
fn via_tree<'de, A, T>(
    map: &mut A,
    key: &'static str,
    f: impl FnOnce(&mut Reader<'_, '_>) -> Option<T>,
) -> Result<T, A::Error>
where
    A: MapAccess<'de>,
{
    let raw = map.next_value::<&'de RawValue>()?;
    let bump = Bump::new();
    let j = canonical_tree(raw, &bump).ok_or_else(not_plain)?;
    let wrapper = J::Obj(bump.alloc_slice_copy(&[(key, j)]));
    let mut r = Reader::new("", String::new(), wrapper).map_err(|_| not_plain())?;
    f(&mut r).ok_or_else(not_plain)
}

/// The value of a field the typed model keeps as JSON, as the general reader keeps it. It must be
/// canonical.
fn unknown_value<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Value, A::Error> {
    let raw = map.next_value::<&'de RawValue>()?;
    let bump = Bump::new();
    Ok(canonical_tree(raw, &bump)
        .ok_or_else(not_plain)?
        .into_value())
}

/// The role-specific part of `signed`.
pub(super) trait Plain: super::Signed {
    /// Reads the value of `key` into `self`; `false` if `key` is not one of its fields.
    fn field<'de, A: MapAccess<'de>>(
        parts: &mut Self::Parts,
        key: &'de str,
        map: &mut A,
    ) -> Result<bool, A::Error>;
    type Parts: Default;
    fn finish(parts: Self::Parts, common: Common) -> Option<Self>;
}

struct SignedVisitor<T>(PhantomData<T>);

impl<'de, T: Plain> Visitor<'de> for SignedVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("plain signed metadata")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut prev = None;
        let (mut typed, mut expires, mut spec_version, mut version) = (false, None, None, None);
        let mut parts = T::Parts::default();
        let mut unknown = Fields::new();
        while let Some(k) = next_key(&mut map, &mut prev)? {
            match k {
                "_type" => typed = map.next_value::<&str>()? == T::TYPE,
                "expires" => expires = Expires::parse(map.next_value::<&str>()?),
                "spec_version" => {
                    let v = map.next_value::<&str>()?;
                    spec_version = spec_version_supported(v).then(|| v.to_owned());
                }
                "version" => version = Some(map.next_value::<u64>()?).filter(|v| *v >= 1),
                _ => {
                    if !T::field(&mut parts, k, &mut map)? {
                        unknown.insert(k.to_owned(), unknown_value(&mut map)?);
                    }
                }
            }
        }
        let (true, Some(expires), Some(spec_version), Some(version)) =
            (typed, expires, spec_version, version)
        else {
            return Err(not_plain());
        };
        let common = Common {
            spec_version,
            version,
            expires,
            unknown,
        };
        T::finish(parts, common).ok_or_else(not_plain)
    }
}

impl Plain for Snapshot {
    type Parts = Option<BTreeMap<String, MetaFile>>;

    fn field<'de, A: MapAccess<'de>>(
        parts: &mut Self::Parts,
        key: &'de str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        if key != "meta" {
            return Ok(false);
        }
        *parts = Some(map.next_value_seed(Entries::<MetaFile>(PhantomData))?);
        Ok(true)
    }

    fn finish(parts: Self::Parts, common: Common) -> Option<Self> {
        Some(Snapshot {
            common,
            meta: parts?,
        })
    }
}

#[derive(Default)]
pub(super) struct TargetsParts {
    targets: Option<BTreeMap<String, TargetFile>>,
    delegations: Option<Delegations>,
}

impl Plain for Targets {
    type Parts = TargetsParts;

    fn field<'de, A: MapAccess<'de>>(
        parts: &mut Self::Parts,
        key: &'de str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        match key {
            "targets" => {
                parts.targets = Some(map.next_value_seed(Entries::<TargetFile>(PhantomData))?);
            }
            "delegations" => parts.delegations = Some(map.next_value_seed(DelegationsSeed)?),
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn finish(parts: Self::Parts, common: Common) -> Option<Self> {
        Some(Targets {
            common,
            targets: parts.targets?,
            delegations: parts.delegations,
        })
    }
}

/// An entry of `meta` or `targets`, read from its object.
trait Entry: Sized {
    fn read<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

impl Entry for MetaFile {
    fn read<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut prev = None;
        let (mut version, mut length, mut hashes) = (None, None, None);
        let mut unknown = Fields::new();
        while let Some(k) = next_key(&mut map, &mut prev)? {
            match k {
                "hashes" => hashes = Some(map.next_value_seed(HashesSeed)?),
                "length" => length = Some(map.next_value::<u64>()?),
                "version" => version = Some(map.next_value::<u64>()?),
                _ => {
                    unknown.insert(k.to_owned(), unknown_value(&mut map)?);
                }
            }
        }
        let version = version.filter(|v| *v >= 1).ok_or_else(not_plain)?;
        Ok(MetaFile {
            version,
            length,
            hashes,
            unknown,
        })
    }
}

impl Entry for TargetFile {
    fn read<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut prev = None;
        let (mut length, mut hashes) = (None, None);
        let mut unknown = Fields::new();
        while let Some(k) = next_key(&mut map, &mut prev)? {
            match k {
                "hashes" => hashes = Some(map.next_value_seed(HashesSeed)?),
                "length" => length = Some(map.next_value::<u64>()?),
                // `custom` included.
                _ => {
                    unknown.insert(k.to_owned(), unknown_value(&mut map)?);
                }
            }
        }
        let (Some(length), Some(hashes)) = (length, hashes) else {
            return Err(not_plain());
        };
        Ok(TargetFile {
            length,
            hashes,
            unknown,
        })
    }
}

/// An object of `name → entry`, as a map (its keys are increasing, so it is built in bulk).
struct Entries<T>(PhantomData<T>);

impl<'de, T: Entry> DeserializeSeed<'de> for Entries<T> {
    type Value = BTreeMap<String, T>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: Entry> Visitor<'de> for Entries<T> {
    type Value = BTreeMap<String, T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of entries")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(map.size_hint().unwrap_or(0));
        let mut prev = None;
        while let Some(k) = next_key(&mut map, &mut prev)? {
            let v = map.next_value_seed(EntrySeed::<T>(PhantomData))?;
            out.push((k.to_owned(), v));
        }
        Ok(BTreeMap::from_iter(out))
    }
}

/// One entry object.
struct EntrySeed<T>(PhantomData<T>);

impl<'de, T: Entry> DeserializeSeed<'de> for EntrySeed<T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: Entry> Visitor<'de> for EntrySeed<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an entry object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::read(map)
    }
}

/// `hashes`: a non-empty object of strings.
struct HashesSeed;

impl<'de> DeserializeSeed<'de> for HashesSeed {
    type Value = Hashes;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Hashes, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for HashesSeed {
    type Value = Hashes;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("hashes")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Hashes, A::Error> {
        let mut out = Hashes::new();
        let mut prev = None;
        while let Some(k) = next_key(&mut map, &mut prev)? {
            out.insert(k.to_owned(), map.next_value::<&str>()?.to_owned());
        }
        if out.is_empty() {
            return Err(not_plain());
        }
        Ok(out)
    }
}

/// `delegations`.
struct DelegationsSeed;

impl<'de> DeserializeSeed<'de> for DelegationsSeed {
    type Value = Delegations;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Delegations, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DelegationsSeed {
    type Value = Delegations;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("delegations")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Delegations, A::Error> {
        let mut prev = None;
        let (mut keys, mut roles) = (None, None);
        let mut unknown = Fields::new();
        while let Some(k) = next_key(&mut map, &mut prev)? {
            match k {
                "keys" => keys = Some(via_tree(&mut map, "keys", |r| r.keys("keys").ok())?),
                "roles" => {
                    let list = map.next_value_seed(RolesSeed)?;
                    roles = Some(DelegatedRoles::Roles(list));
                }
                "succinct_roles" => {
                    // After "roles" in key order: both present is an error (the general reader
                    // reports it).
                    if roles.is_some() {
                        return Err(not_plain());
                    }
                    let s = via_tree(&mut map, "succinct_roles", |r| {
                        let v = r.take("succinct_roles")?;
                        SuccinctRoles::read(&mut r.sub("succinct_roles", v).ok()?).ok()
                    })?;
                    roles = Some(DelegatedRoles::Succinct(s));
                }
                _ => {
                    unknown.insert(k.to_owned(), unknown_value(&mut map)?);
                }
            }
        }
        let (Some(keys), Some(roles)) = (keys, roles) else {
            return Err(not_plain());
        };
        Ok(Delegations {
            keys,
            roles,
            unknown,
        })
    }
}

/// `delegations.roles`: the list, with no duplicate names.
struct RolesSeed;

impl<'de> DeserializeSeed<'de> for RolesSeed {
    type Value = Vec<DelegatedRole>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<DelegatedRole>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RolesSeed {
    type Value = Vec<DelegatedRole>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("delegated roles")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<DelegatedRole>, A::Error> {
        let mut out: Vec<DelegatedRole> = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        let mut scratch = Scratch::default();
        while let Some(role) = seq.next_element_seed(RoleSeed {
            scratch: &mut scratch,
            previous: out.last().map(|r| &r.keyids),
        })? {
            out.push(role);
        }
        let mut names: Vec<&str> = out.iter().map(|r| r.name.as_str()).collect();
        names.sort_unstable();
        if names.windows(2).any(|w| w[0] == w[1]) {
            return Err(not_plain());
        }
        Ok(out)
    }
}

/// Lists of borrowed strings, reused from role to role.
#[derive(Default)]
struct Scratch<'de> {
    keyids: Vec<&'de str>,
    /// `path_hash_prefixes` or `paths`.
    scope: Vec<&'de str>,
}

/// One delegated role. Its key ids share the previous role's list when they are the same.
struct RoleSeed<'s, 'de> {
    scratch: &'s mut Scratch<'de>,
    previous: Option<&'s Arc<[String]>>,
}

impl<'de> DeserializeSeed<'de> for RoleSeed<'_, 'de> {
    type Value = DelegatedRole;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<DelegatedRole, D::Error> {
        d.deserialize_map(self)
    }
}

/// A list of borrowed strings, into a reused vector.
struct StrsSeed<'s, 'de>(&'s mut Vec<&'de str>);

impl<'de> DeserializeSeed<'de> for StrsSeed<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for StrsSeed<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of strings")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.clear();
        while let Some(s) = seq.next_element::<&'de str>()? {
            self.0.push(s);
        }
        Ok(())
    }
}

impl<'de> Visitor<'de> for RoleSeed<'_, 'de> {
    type Value = DelegatedRole;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a delegated role")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DelegatedRole, A::Error> {
        let mut prev = None;
        let (mut keyids, mut name, mut scope, mut terminating, mut threshold) =
            (None, None, None, None, None);
        let mut unknown = Fields::new();
        while let Some(k) = next_key(&mut map, &mut prev)? {
            match k {
                "keyids" => {
                    map.next_value_seed(StrsSeed(&mut self.scratch.keyids))?;
                    let ids = &self.scratch.keyids;
                    keyids = Some(match self.previous {
                        Some(p)
                            if p.len() == ids.len() && p.iter().zip(ids).all(|(a, b)| a == b) =>
                        {
                            p.clone()
                        }
                        _ => ids.iter().map(|s| (*s).to_owned()).collect(),
                    });
                }
                "name" => name = Some(map.next_value::<&str>()?),
                "path_hash_prefixes" => {
                    map.next_value_seed(StrsSeed(&mut self.scratch.scope))?;
                    let prefixes = HashPrefixes::from_strs(&self.scratch.scope);
                    scope = Some(PathScope::HashPrefixes(prefixes));
                }
                "paths" => {
                    // After "path_hash_prefixes" in key order: both present is an error.
                    if scope.is_some() {
                        return Err(not_plain());
                    }
                    map.next_value_seed(StrsSeed(&mut self.scratch.scope))?;
                    let paths = self.scratch.scope.iter().map(|p| (*p).to_owned()).collect();
                    scope = Some(PathScope::Paths(paths));
                }
                "terminating" => terminating = Some(map.next_value::<bool>()?),
                "threshold" => {
                    let t = map.next_value::<u64>()?;
                    let t = u32::try_from(t).ok().filter(|t| *t >= 1);
                    threshold = Some(t.ok_or_else(not_plain)?);
                }
                _ => {
                    unknown.insert(k.to_owned(), unknown_value(&mut map)?);
                }
            }
        }
        let (Some(keyids), Some(name), Some(scope), Some(terminating), Some(threshold)) =
            (keyids, name, scope, terminating, threshold)
        else {
            return Err(not_plain());
        };
        if name.is_empty() || TOP_LEVEL_ROLES.contains(&name) {
            return Err(not_plain());
        }
        Ok(DelegatedRole {
            name: name.to_owned(),
            keyids,
            threshold,
            terminating,
            scope,
            unknown,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::super::{Key, Metadata, Signature, Signed, Snapshot, Targets};
    use super::*;

    fn common(version: u64) -> Common {
        Common::new(version, Expires::from_unix(1_900_000_000).unwrap())
    }

    fn signed_text<T: Signed>(signed: T) -> String {
        let m = Metadata {
            signed,
            signatures: Vec::<Signature>::new(),
            unknown: Fields::new(),
        };
        String::from_utf8(crate::canonical::encode(&m.signed_value()).unwrap()).unwrap()
    }

    fn hashes() -> Hashes {
        [("sha256".to_owned(), "ab".repeat(32))]
            .into_iter()
            .collect()
    }

    fn role(name: &str, scope: PathScope) -> DelegatedRole {
        DelegatedRole {
            name: name.into(),
            keyids: vec!["k1".to_owned(), "k2".to_owned()].into(),
            threshold: 2,
            terminating: name.ends_with('0'),
            scope,
            unknown: Fields::new(),
        }
    }

    fn targets(roles: DelegatedRoles) -> Targets {
        let mut keys = BTreeMap::new();
        keys.insert(
            "k1".to_owned(),
            Key::new("ed25519", "ed25519", "aa".repeat(32)),
        );
        let mut files = BTreeMap::new();
        files.insert(
            "a/b.tar.gz".to_owned(),
            TargetFile {
                length: 7,
                hashes: hashes(),
                unknown: Fields::new(),
            },
        );
        Targets {
            common: common(3),
            targets: files,
            delegations: Some(Delegations {
                keys,
                roles,
                unknown: Fields::new(),
            }),
        }
    }

    fn classic() -> Targets {
        let prefixes =
            |p: &[&str]| PathScope::HashPrefixes(p.iter().map(|p| p.to_string()).collect());
        targets(DelegatedRoles::Roles(vec![
            role("bins-0", prefixes(&["00", "01"])),
            role("bins-1", prefixes(&["0", "1f"])),
            role("proj", PathScope::Paths(vec!["a/*".into()])),
        ]))
    }

    fn snapshot() -> Snapshot {
        let mut meta = BTreeMap::new();
        meta.insert("targets.json".to_owned(), MetaFile::new(3));
        let mut m = MetaFile::new(1);
        m.length = Some(10);
        m.hashes = Some(hashes());
        meta.insert("bins-0.json".to_owned(), m);
        Snapshot {
            common: common(2),
            meta,
        }
    }

    /// What this crate's editor writes is read without a tree, to the same value.
    #[test]
    fn canonical_snapshot_and_targets_are_plain() {
        let t = classic();
        let read_back = read::<Targets>(&signed_text(t.clone())).unwrap();
        assert_eq!(read_back, t);
        // Equal key-id lists are one shared list.
        let DelegatedRoles::Roles(roles) = &read_back.delegations.as_ref().unwrap().roles else {
            panic!("classic roles")
        };
        assert!(
            roles
                .windows(2)
                .all(|w| Arc::ptr_eq(&w[0].keyids, &w[1].keyids))
        );
        let mut t = classic();
        t.delegations = None;
        assert_eq!(read::<Targets>(&signed_text(t.clone())), Some(t));
        let succinct = targets(DelegatedRoles::Succinct(SuccinctRoles {
            keyids: vec!["k1".into()],
            threshold: 1,
            bit_length: 8,
            name_prefix: "bin".into(),
            unknown: Fields::new(),
        }));
        assert_eq!(
            read::<Targets>(&signed_text(succinct.clone())),
            Some(succinct)
        );
        let s = snapshot();
        assert_eq!(read::<Snapshot>(&signed_text(s.clone())), Some(s));
    }

    /// Fields the typed model does not name are kept, at every level, as the general reader
    /// keeps them (`read` compares with it in debug builds).
    #[test]
    fn unknown_fields_are_kept() {
        let field = || {
            let mut f = Fields::new();
            f.insert(
                "x-kept".into(),
                serde_json::json!({"a": [1, "b", null, true]}),
            );
            f
        };
        let mut t = classic();
        t.common.unknown = field();
        let d = t.delegations.as_mut().unwrap();
        d.unknown = field();
        let DelegatedRoles::Roles(roles) = &mut d.roles else {
            panic!()
        };
        roles[1].unknown = field();
        let file = t.targets.values_mut().next().unwrap();
        file.unknown = field();
        file.unknown
            .insert("custom".into(), serde_json::json!({"z": -1}));
        assert_eq!(read::<Targets>(&signed_text(t.clone())), Some(t));
        let mut s = snapshot();
        s.common.unknown = field();
        s.meta.values_mut().next().unwrap().unknown = field();
        assert_eq!(read::<Snapshot>(&signed_text(s.clone())), Some(s));
    }

    /// Everything that is not plain goes to the general reader: it decides (accepts with unknown
    /// fields kept, or names the error), never this module.
    #[test]
    fn anything_else_is_left_to_the_general_reader() {
        let t = signed_text(classic());
        let s = signed_text(snapshot());
        let cases: Vec<(&str, String)> =
            vec![
            (
                "a float in an unknown field",
                t.replace(r#""_type""#, r#""_a":[1.5],"_type""#),
            ),
            (
                "an escape in an unknown field",
                t.replace(r#""_type""#, r#""_a":"\"","_type""#),
            ),
            (
                "unsorted keys in custom",
                t.replace(r#""hashes":{"sha256""#, r#""custom":{"b":1,"a":2},"hashes":{"sha256""#),
            ),
            (
                "a pretty unknown field",
                s.replace(r#""version":3"#, r#""version":3,"x":[1, 2]"#),
            ),
            ("an escape", t.replace("bins-0", r"bins-\u0030")),
            (
                "keys out of order",
                t.replace(
                    r#""keyids":["k1","k2"],"name":"proj""#,
                    r#""name":"proj","keyids":["k1","k2"]"#,
                ),
            ),
            (
                "a duplicate key",
                t.replace(r#""name":"proj""#, r#""name":"proj","name":"proj""#),
            ),
            ("a float", t.replace(r#""version":3"#, r#""version":3.0"#)),
            ("version 0", s.replace(r#""version":1}"#, r#""version":0}"#)),
            (
                "threshold 0",
                t.replace(r#""threshold":2"#, r#""threshold":0"#),
            ),
            (
                "threshold over u32",
                t.replace(r#""threshold":2"#, r#""threshold":4294967296"#),
            ),
            (
                "both scopes",
                t.replace(
                    r#""path_hash_prefixes":["00","01"]"#,
                    r#""path_hash_prefixes":["00","01"],"paths":["x"]"#,
                ),
            ),
            (
                "no scope",
                t.replace(r#""path_hash_prefixes":["00","01"],"#, ""),
            ),
            (
                "a top-level role name",
                t.replace(r#""name":"proj""#, r#""name":"targets""#),
            ),
            (
                "an empty role name",
                t.replace(r#""name":"proj""#, r#""name":"""#),
            ),
            (
                "duplicate role names",
                t.replace(r#""name":"proj""#, r#""name":"bins-0""#),
            ),
            (
                "wrong type",
                t.replace(r#""_type":"targets""#, r#""_type":"snapshot""#),
            ),
            (
                "spec version 2",
                t.replace(r#""spec_version":"1.0.34""#, r#""spec_version":"2.0.0""#),
            ),
            ("bad expiry", t.replace("Z\"", "+00:00\"")),
            (
                "empty hashes",
                s.replace(&format!(r#"{{"sha256":"{}"}}"#, "ab".repeat(32)), "{}"),
            ),
            (
                "pretty keys",
                t.replace(r#""keytype":"ed25519""#, r#""keytype": "ed25519""#),
            ),
            (
                "no targets",
                t.replace(
                    &format!(
                        r#""targets":{{"a/b.tar.gz":{{"hashes":{{"sha256":"{}"}},"length":7}}}},"#,
                        "ab".repeat(32)
                    ),
                    "",
                ),
            ),
            ("trailing text", format!("{t}x")),
        ];
        for (what, text) in cases {
            let is_t = text.contains(r#""delegations""#) || text.contains(r#""targets":{"a"#);
            assert_ne!(
                text,
                if is_t { t.clone() } else { s.clone() },
                "{what}: no change"
            );
            let out = if is_t {
                read::<Targets>(&text).map(|_| ())
            } else {
                read::<Snapshot>(&text).map(|_| ())
            };
            assert!(out.is_none(), "{what} was read as plain: {text}");
        }
    }

    /// `Metadata::from_bytes` takes the shortcut for plain files, on one thread and on two.
    #[test]
    fn parsing_takes_the_shortcut() {
        let file = format!(r#"{{"signatures":[],"signed":{}}}"#, signed_text(classic()));
        let before = READS.with(|n| n.get());
        let parsed = Metadata::<Targets>::from_bytes(file.as_bytes(), "targets").unwrap();
        assert_eq!(parsed.metadata.signed, classic());
        assert_eq!(READS.with(|n| n.get()), before + 1);
        // The same file pretty-printed is read the general way, to the same value.
        let v: serde_json::Value = serde_json::from_str(&file).unwrap();
        let pretty = serde_json::to_string_pretty(&v).unwrap();
        let parsed = Metadata::<Targets>::from_bytes(pretty.as_bytes(), "targets").unwrap();
        assert_eq!(parsed.metadata.signed, classic());
        assert_eq!(READS.with(|n| n.get()), before + 1);
    }
}
