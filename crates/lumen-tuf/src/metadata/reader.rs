//! The general reader: takes a parse tree ([`J`]) apart field by field for the typed model,
//! keeping the fields it does not take as `unknown`, and names the path of any field that is
//! missing or of the wrong kind (`signed.delegations.roles[3].threshold`). Also reads the two
//! parts every file has: `signatures`, and the common fields of `signed`.

use super::envelope::Signature;
use super::roles::{Common, Expires, Key, Signed, spec_version_supported};
use super::{Fields, Hashes};
use crate::error::{Result, TufError, malformed};
use crate::json::{J, Member};
use std::collections::BTreeMap;

pub(super) fn read_signatures(top: &mut Reader<'_, '_>) -> Result<Vec<Signature>> {
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

/// The typed view of `signed`.
pub(super) fn read_typed<T: Signed>(signed_v: J<'_>, role: &str) -> Result<T> {
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

/// Reads the fields of one JSON object, naming fields by path in errors. Public only because
/// [`Codec`](super::roles::Codec) takes one, in a module no other crate can reach.
#[derive(Debug)]
pub struct Reader<'a, 'j> {
    /// The file (or role) errors name.
    pub(super) role: &'a str,
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
    pub(super) fn new(role: &'a str, at: String, value: J<'j>) -> Result<Self> {
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
    pub(super) fn at(&self) -> String {
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

    pub(super) fn sub2<'s>(
        &'s self,
        outer: &'s str,
        inner: &'s str,
        value: J<'j>,
    ) -> Result<Reader<'s, 'j>> {
        self.entry(outer, Seg::Key(inner), value)
    }

    pub(super) fn sub_index<'s>(
        &'s self,
        outer: &'s str,
        i: usize,
        value: J<'j>,
    ) -> Result<Reader<'s, 'j>> {
        self.entry(outer, Seg::Index(i), value)
    }

    pub(super) fn sub(&self, key: &str, value: J<'j>) -> Result<Reader<'a, 'j>> {
        Reader::new(self.role, self.path(key), value)
    }

    pub(super) fn child_object(&mut self, key: &str) -> Result<Reader<'a, 'j>> {
        let v = self.required(key)?;
        self.sub(key, v)
    }

    fn is_taken(&self, i: usize) -> bool {
        match &self.taken {
            Taken::Bits(b) => b & (1 << i) != 0,
            Taken::Flags(f) => f[i],
        }
    }

    pub(super) fn take(&mut self, key: &str) -> Option<J<'j>> {
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

    pub(super) fn required(&mut self, key: &str) -> Result<J<'j>> {
        self.take(key)
            .ok_or_else(|| malformed(self.role, self.path(key), "missing"))
    }

    /// Whether members are left that nothing has taken.
    pub(super) fn has_rest(&self) -> bool {
        (0..self.fields.len()).any(|i| !self.is_taken(i))
    }

    /// The members nothing has taken (the unknown fields).
    pub(super) fn rest(&mut self) -> Fields {
        let mut out = Fields::new();
        for (i, (k, v)) in self.fields.iter().enumerate() {
            if !self.is_taken(i) {
                out.insert((*k).to_owned(), v.into_value());
            }
        }
        out
    }

    pub(super) fn string(&mut self, key: &str) -> Result<String> {
        match self.required(key)? {
            J::Str(s) => Ok(s.to_owned()),
            _ => Err(malformed(self.role, self.path(key), "must be a string")),
        }
    }

    pub(super) fn u64(&mut self, key: &str) -> Result<u64> {
        let v = self.required(key)?;
        v.as_u64()
            .ok_or_else(|| malformed(self.role, self.path(key), "must be a non-negative integer"))
    }

    pub(super) fn opt_u64(&mut self, key: &str) -> Result<Option<u64>> {
        match self.take(key) {
            None => Ok(None),
            Some(v) => v.as_u64().map(Some).ok_or_else(|| {
                malformed(self.role, self.path(key), "must be a non-negative integer")
            }),
        }
    }

    pub(super) fn version(&mut self) -> Result<u64> {
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

    pub(super) fn threshold(&mut self) -> Result<u32> {
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

    pub(super) fn bool(&mut self, key: &str) -> Result<bool> {
        match self.required(key)? {
            J::Bool(b) => Ok(b),
            _ => Err(malformed(
                self.role,
                self.path(key),
                "must be true or false",
            )),
        }
    }

    pub(super) fn opt_bool(&mut self, key: &str) -> Result<Option<bool>> {
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

    pub(super) fn object(&mut self, key: &str) -> Result<Fields> {
        match self.required(key)? {
            J::Obj(m) => Ok(m
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.into_value()))
                .collect()),
            _ => Err(malformed(self.role, self.path(key), "must be an object")),
        }
    }

    /// The members of object member `key`, sorted by name (for the large maps).
    pub(super) fn entries(&mut self, key: &str) -> Result<&'j [Member<'j>]> {
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

    pub(super) fn string_list(&mut self, key: &str) -> Result<Vec<String>> {
        let v = self.required(key)?;
        self.list_of_strings(key, v)
    }

    pub(super) fn opt_string_list(&mut self, key: &str) -> Result<Option<Vec<String>>> {
        match self.take(key) {
            None => Ok(None),
            Some(v) => self.list_of_strings(key, v).map(Some),
        }
    }

    pub(super) fn hashes_from(&self, v: J<'j>, key: &str) -> Result<Hashes> {
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

    pub(super) fn keys(&mut self, key: &str) -> Result<BTreeMap<String, Key>> {
        let obj = self.entries(key)?;
        let mut keys = BTreeMap::new();
        for &(id, v) in obj {
            let mut kr = self.sub2(key, id, v)?;
            keys.insert(id.to_owned(), Key::read(&mut kr)?);
        }
        Ok(keys)
    }
}
