//! The parse tree metadata is read through: like `serde_json::Value`, but allocated in one arena
//! ([`bumpalo::Bump`]), with strings borrowed from the input where they have no escapes, and
//! objects as slices of members sorted by key. Building it costs no map insertions and no
//! allocation per node, freeing it is freeing the arena, canonical encoding needs no sorting, and
//! the typed readers find members in sorted slices. Fields the typed model does not know are
//! converted to `serde_json::Value` (see [`J::into_value`]).
//!
//! **Duplicate member names are refused** ([`ParseError::Duplicate`], reported as
//! [`TufError::DuplicateMember`]), the workspace's one policy for JSON input: names are compared
//! after unescaping (`"a"` and `"\u0061"` are the same name), in every object, the top level and
//! `signed` included. JSON parsers disagree on which of two equal names counts (serde_json and
//! Python keep the last, others the first or both), so a document with both could mean one thing
//! to the signer and another to a verifier. The check costs nothing on canonical text: its keys
//! are strictly increasing, which the sortedness test every object already gets establishes; only
//! an object whose keys are out of order is sorted, and equal neighbours are then duplicates.
//! A syntax error anywhere is reported before a duplicate (the whole text is always read), so
//! every parse path reports the same error for the same bytes.
//!
//! [`parse_checked`] also says whether the text already is canonical JSON, so signatures can be
//! checked over the bytes as received without re-encoding them.

use crate::canonical::{self, NotCanonical};
use crate::error::TufError;
use bumpalo::Bump;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Number, Value};
use std::cell::{Cell, RefCell};
use std::fmt;

/// A JSON value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum J<'a> {
    Null,
    Bool(bool),
    Num(Num),
    Str(&'a str),
    Arr(&'a [J<'a>]),
    /// Members sorted by key (byte order = code point order), keys unique.
    Obj(&'a [Member<'a>]),
}

/// Why text is not a JSON document this crate reads.
#[derive(Debug)]
pub(crate) enum ParseError {
    /// Not JSON (syntax, trailing characters, invalid escapes).
    Syntax(serde_json::Error),
    /// An object has two members with this name (after unescaping).
    Duplicate(String),
}

impl ParseError {
    /// The crate error for this, in the file (or role) `role`.
    pub(crate) fn into_tuf(self, role: &str) -> TufError {
        match self {
            ParseError::Syntax(source) => TufError::Json {
                role: role.to_owned(),
                source,
            },
            ParseError::Duplicate(name) => TufError::DuplicateMember {
                role: role.to_owned(),
                name,
            },
        }
    }
}

/// Parses `bytes` as one JSON value, refusing duplicate member names like every reader here
/// (for the crate's JSON files that are not metadata, e.g. the editor's settings).
pub(crate) fn parse_value(bytes: &[u8], role: &str) -> Result<Value, TufError> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        // serde_json names the offending position.
        return Err(match serde_json::from_slice::<Value>(bytes) {
            Err(source) => ParseError::Syntax(source).into_tuf(role),
            Ok(_) => crate::error::malformed(role, "(top level)", "not UTF-8"),
        });
    };
    let bump = Bump::new();
    let (j, _) = parse_checked(text, &bump).map_err(|e| e.into_tuf(role))?;
    Ok(j.into_value())
}

/// A JSON number as serde_json reports it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Num {
    U(u64),
    I(i64),
    F(f64),
}

/// An object member.
pub(crate) type Member<'a> = (&'a str, J<'a>);

impl J<'_> {
    pub(crate) fn as_u64(&self) -> Option<u64> {
        match self {
            J::Num(Num::U(u)) => Some(*u),
            _ => None,
        }
    }

    /// The equivalent `serde_json::Value`.
    pub(crate) fn into_value(self) -> Value {
        match self {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(b),
            J::Num(Num::U(u)) => Value::Number(u.into()),
            J::Num(Num::I(i)) => Value::Number(i.into()),
            J::Num(Num::F(f)) => Number::from_f64(f).map_or(Value::Null, Value::Number),
            J::Str(s) => Value::String(s.to_owned()),
            J::Arr(a) => Value::Array(a.iter().map(|j| j.into_value()).collect()),
            J::Obj(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| ((*k).to_owned(), v.into_value()))
                    .collect(),
            ),
        }
    }

    /// Appends the canonical JSON encoding (see [`crate::canonical`]). Objects are written in
    /// the order their members are kept, which is sorted by name.
    pub(crate) fn encode_canonical(&self, out: &mut Vec<u8>) -> Result<(), NotCanonical> {
        match *self {
            J::Null => out.extend_from_slice(b"null"),
            J::Bool(b) => canonical::write_bool(b, out),
            J::Num(Num::U(u)) => canonical::write_u64(u, out),
            J::Num(Num::I(i)) => canonical::write_i64(i, out),
            J::Num(Num::F(f)) => {
                return Err(NotCanonical {
                    path: String::new(),
                    number: Number::from_f64(f).map_or_else(|| f.to_string(), |n| n.to_string()),
                });
            }
            J::Str(s) => canonical::write_string(s, out),
            J::Arr(items) => canonical::write_array(items, out, |j, out| j.encode_canonical(out))?,
            J::Obj(members) => {
                canonical::write_object(members.iter().map(|&(k, ref v)| (k, v)), out, |v, out| {
                    v.encode_canonical(out)
                })?
            }
        }
        Ok(())
    }
}

/// Parses `text` into `bump` and says whether it is already canonical JSON: then its bytes are
/// exactly what [`J::encode_canonical`] would write, and signatures can be checked over them as
/// they are.
///
/// It is canonical when every string and key came without escapes (serde_json borrows exactly
/// those, and an unescaped JSON string holds neither `"` nor `\`, so its bytes are its canonical
/// form), every number is an integer other than `-0`, every object's keys are strictly
/// increasing (sorted, no duplicates), and there is no whitespace outside strings.
pub(crate) fn parse_checked<'a>(
    text: &'a str,
    bump: &'a Bump,
) -> Result<(J<'a>, bool), ParseError> {
    let cx = Ctx::new(bump);
    let mut de = serde_json::Deserializer::from_str(text);
    let j = JSeed { cx: &cx }
        .deserialize(&mut de)
        .and_then(|j| de.end().map(|()| j))
        .map_err(ParseError::Syntax)?;
    cx.no_duplicate()?;
    let canonical = cx.clean.get() && no_whitespace_outside_strings(text.as_bytes());
    Ok((j, canonical))
}

/// Parses `text` into `bump` (tests and tools; see [`parse_checked`]).
#[cfg(test)]
pub(crate) fn parse<'a>(text: &'a str, bump: &'a Bump) -> Result<J<'a>, ParseError> {
    parse_checked(text, bump).map(|(j, _)| j)
}

/// Whether `s` has no JSON whitespace outside strings. Only meaningful when no string in `s` has
/// an escape (every `"` is then a string delimiter).
pub(crate) fn no_whitespace_outside_strings(s: &[u8]) -> bool {
    // Usually there is no whitespace at all: two vectorised scans say so.
    if memchr::memchr3(b' ', b'\t', b'\n', s).is_none() && memchr::memchr(b'\r', s).is_none() {
        return true;
    }
    let ws = |seg: &[u8]| {
        seg.iter()
            .any(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    };
    let mut inside = false;
    let mut start = 0;
    for q in memchr::memchr_iter(b'"', s) {
        if !inside && ws(&s[start..q]) {
            return false;
        }
        inside = !inside;
        start = q + 1;
    }
    !ws(&s[start..])
}

/// State shared by one parse: the arena, whether the text is still in canonical form (see
/// [`parse_checked`]), the first duplicate member name met, and stacks the elements of open
/// arrays and objects are collected on before each finished one is copied into the arena.
struct Ctx<'a> {
    bump: &'a Bump,
    clean: Cell<bool>,
    /// The first duplicate name. The parse goes on to the end (a syntax error after it is
    /// reported instead), then fails with it.
    duplicate: Cell<Option<&'a str>>,
    items: RefCell<Vec<J<'a>>>,
    members: RefCell<Vec<Member<'a>>>,
}

impl<'a> Ctx<'a> {
    fn new(bump: &'a Bump) -> Self {
        Self {
            bump,
            clean: Cell::new(true),
            duplicate: Cell::new(None),
            items: RefCell::new(Vec::new()),
            members: RefCell::new(Vec::new()),
        }
    }

    /// Notes a duplicate member name (the first one is reported).
    fn duplicate(&self, name: &'a str) {
        self.clean.set(false);
        if self.duplicate.get().is_none() {
            self.duplicate.set(Some(name));
        }
    }

    /// Fails with the first duplicate name, if any was met.
    fn no_duplicate(&self) -> Result<(), ParseError> {
        match self.duplicate.get() {
            Some(name) => Err(ParseError::Duplicate(name.to_owned())),
            None => Ok(()),
        }
    }

    /// A string serde_json could not borrow (it had escapes): copied into the arena; the text is
    /// then not canonical as received.
    fn copy_str(&self, s: &str) -> &'a str {
        self.clean.set(false);
        self.bump.alloc_str(s)
    }

    /// Copies the members collected since `start` into the arena, sorted by key. Keys strictly
    /// increasing as received (canonical text) cannot repeat; otherwise they are sorted and
    /// equal neighbours are a duplicate, noted for the end of the parse.
    fn finish_object(&self, start: usize) -> &'a [Member<'a>] {
        let mut stack = self.members.borrow_mut();
        let tail = &mut stack[start..];
        if !tail.windows(2).all(|w| w[0].0 < w[1].0) {
            self.clean.set(false);
            tail.sort_unstable_by(|a, b| a.0.cmp(b.0));
            if let Some(w) = tail.windows(2).find(|w| w[0].0 == w[1].0) {
                self.duplicate(w[0].0);
            }
        }
        let out = self.bump.alloc_slice_copy(&stack[start..]);
        stack.truncate(start);
        out
    }
}

/// Deserializes a [`J`] within a [`Ctx`].
#[derive(Clone, Copy)]
struct JSeed<'c, 'a> {
    cx: &'c Ctx<'a>,
}

impl<'de: 'a, 'a> DeserializeSeed<'de> for JSeed<'_, 'a> {
    type Value = J<'a>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<J<'a>, D::Error> {
        d.deserialize_any(JVisitor { cx: self.cx })
    }
}

struct JVisitor<'c, 'a> {
    cx: &'c Ctx<'a>,
}

impl<'de: 'a, 'a> Visitor<'de> for JVisitor<'_, 'a> {
    type Value = J<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<J<'a>, E> {
        Ok(J::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<J<'a>, E> {
        // serde_json calls this for negative integers only ("-0" arrives as a float).
        if v >= 0 {
            self.cx.clean.set(false);
        }
        Ok(J::Num(Num::I(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<J<'a>, E> {
        Ok(J::Num(Num::U(v)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<J<'a>, E> {
        // Not canonical; kept so the error can say where it is. NaN/inf cannot come from JSON.
        self.cx.clean.set(false);
        Ok(J::Num(Num::F(v)))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<J<'a>, E> {
        Ok(J::Str(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<J<'a>, E> {
        Ok(J::Str(self.cx.copy_str(v)))
    }
    fn visit_unit<E>(self) -> Result<J<'a>, E> {
        Ok(J::Null)
    }
    fn visit_none<E>(self) -> Result<J<'a>, E> {
        Ok(J::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<J<'a>, A::Error> {
        let start = self.cx.items.borrow().len();
        while let Some(item) = seq.next_element_seed(JSeed { cx: self.cx })? {
            self.cx.items.borrow_mut().push(item);
        }
        let mut stack = self.cx.items.borrow_mut();
        let items = self.cx.bump.alloc_slice_copy(&stack[start..]);
        stack.truncate(start);
        Ok(J::Arr(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<J<'a>, A::Error> {
        let start = self.cx.members.borrow().len();
        while let Some(k) = map.next_key_seed(KeySeed { cx: self.cx })? {
            let v = map.next_value_seed(JSeed { cx: self.cx })?;
            self.cx.members.borrow_mut().push((k, v));
        }
        Ok(J::Obj(self.cx.finish_object(start)))
    }
}

/// `signed` as [`parse_top`] found it.
pub(crate) enum Signed<'a, 'de> {
    Missing,
    /// Its raw text (so signatures can be checked over it as received when it is canonical).
    Raw(&'de RawValue),
    /// Its tree, and whether it is clean (see [`parse_checked`]; whitespace is not looked at).
    Tree(J<'a>, bool),
}

/// The top level of a metadata file: `signed`, and every other member parsed. `None` when the
/// top level is not an object.
pub(crate) type Top<'a, 'de> = Option<(Signed<'a, 'de>, &'a [Member<'a>])>;

/// Parses the top level of a metadata file into `bump`, `signed` as its raw text (`raw`: a pass
/// that builds nothing for it) or as a tree.
pub(crate) fn parse_top<'de: 'a, 'a>(
    text: &'de str,
    bump: &'a Bump,
    raw: bool,
) -> Result<Top<'a, 'de>, ParseError> {
    let cx = Ctx::new(bump);
    let mut de = serde_json::Deserializer::from_str(text);
    let top = (&mut de)
        .deserialize_any(TopVisitor { cx: &cx, raw })
        .and_then(|top| de.end().map(|()| top))
        .map_err(ParseError::Syntax)?;
    cx.no_duplicate()?;
    Ok(top)
}

struct TopVisitor<'c, 'a> {
    cx: &'c Ctx<'a>,
    raw: bool,
}

impl<'de: 'a, 'a> Visitor<'de> for TopVisitor<'_, 'a> {
    type Value = Top<'a, 'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a metadata object")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Top<'a, 'de>, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Top<'a, 'de>, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Top<'a, 'de>, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Top<'a, 'de>, E> {
        Ok(None)
    }
    fn visit_str<E>(self, _: &str) -> Result<Top<'a, 'de>, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Top<'a, 'de>, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Top<'a, 'de>, A::Error> {
        // Parsed, not skipped: a duplicate in it is reported before the wrong shape.
        while seq.next_element_seed(JSeed { cx: self.cx })?.is_some() {}
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top<'a, 'de>, A::Error> {
        let mut signed = Signed::Missing;
        let start = self.cx.members.borrow().len();
        while let Some(k) = map.next_key_seed(KeySeed { cx: self.cx })? {
            // `signed` is kept apart from the other members, so its duplicate is caught here.
            if k == "signed" && !matches!(signed, Signed::Missing) {
                self.cx.duplicate(k);
            }
            if k == "signed" && self.raw {
                signed = Signed::Raw(map.next_value::<&'de RawValue>()?);
            } else if k == "signed" {
                // Cleanliness of `signed` alone.
                let outer = self.cx.clean.replace(true);
                let v = map.next_value_seed(JSeed { cx: self.cx })?;
                signed = Signed::Tree(v, self.cx.clean.replace(outer));
            } else {
                let v = map.next_value_seed(JSeed { cx: self.cx })?;
                self.cx.members.borrow_mut().push((k, v));
            }
        }
        Ok(Some((signed, self.cx.finish_object(start))))
    }
}

/// An object key: borrowed from the input unless it had escapes.
#[derive(Clone, Copy)]
struct KeySeed<'c, 'a> {
    cx: &'c Ctx<'a>,
}

impl<'de: 'a, 'a> DeserializeSeed<'de> for KeySeed<'_, 'a> {
    type Value = &'a str;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<&'a str, D::Error> {
        d.deserialize_str(KeyVisitor { cx: self.cx })
    }
}

struct KeyVisitor<'c, 'a> {
    cx: &'c Ctx<'a>,
}

impl<'de: 'a, 'a> Visitor<'de> for KeyVisitor<'_, 'a> {
    type Value = &'a str;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<&'a str, E> {
        Ok(v)
    }
    fn visit_str<E>(self, v: &str) -> Result<&'a str, E> {
        Ok(self.cx.copy_str(v))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn same_tree_and_canonical_bytes_as_serde_json() {
        let text = r#"{"b":1,"a":{"z":[1,-2,"x"],"y":null,"x":true},"\u00e9":"q\"\\"}"#;
        let bump = Bump::new();
        let j = parse(text, &bump).unwrap();
        let v: Value = serde_json::from_str(text).unwrap();
        assert_eq!(j.into_value(), v);
        let mut a = Vec::new();
        j.encode_canonical(&mut a).unwrap();
        assert_eq!(a, crate::canonical::encode(&v).unwrap());
    }

    fn duplicate_of(text: &str) -> Option<String> {
        let bump = Bump::new();
        match parse_checked(text, &bump) {
            Err(ParseError::Duplicate(name)) => Some(name),
            Err(ParseError::Syntax(e)) => panic!("syntax error in {text}: {e}"),
            Ok(_) => None,
        }
    }

    #[test]
    fn duplicate_member_names_are_refused() {
        for (text, name) in [
            (r#"{"a":1,"a":2}"#, "a"),
            (r#"{"a":1,"a":1}"#, "a"),
            (r#"{"b":1,"a":2,"b":3}"#, "b"),
            // Compared after unescaping.
            (r#"{"a":1,"\u0061":2}"#, "a"),
            (r#"{"\u00e9":1,"é":2}"#, "é"),
            (r#"{"\"":1,"\u0022":2}"#, "\""),
            // Nested, in arrays, the empty name.
            (r#"{"x":[{"k":{"":1,"":2}}]}"#, ""),
            (r#"[1,{"z":0,"y":{"q":1,"q":[]}}]"#, "q"),
        ] {
            assert_eq!(duplicate_of(text).as_deref(), Some(name), "{text}");
        }
        // Equal names in different objects are not duplicates.
        assert_eq!(duplicate_of(r#"{"a":{"a":1},"b":{"a":2}}"#), None);
        // The first duplicate (in the order objects end) is the one named.
        assert_eq!(
            duplicate_of(r#"{"z":1,"z":2,"a":{"y":1,"y":2}}"#).as_deref(),
            Some("y")
        );
    }

    #[test]
    fn a_syntax_error_is_reported_before_a_duplicate() {
        let bump = Bump::new();
        assert!(matches!(
            parse_checked(r#"{"a":1,"a":2,"b":}"#, &bump),
            Err(ParseError::Syntax(_))
        ));
        let bump = Bump::new();
        assert!(matches!(
            parse_top(r#"{"signed":{"a":1,"a":2},"signatures":[}"#, &bump, false),
            Err(ParseError::Syntax(_))
        ));
    }

    #[test]
    fn the_top_level_refuses_a_second_signed() {
        for raw in [false, true] {
            for text in [
                r#"{"signed":{},"signatures":[],"signed":{}}"#,
                r#"{"signed":{},"\u0073igned":{}}"#,
                r#"{"signatures":[{"keyid":"a","keyid":"b"}],"signed":{}}"#,
                r#"{"x":1,"signed":{},"x":2}"#,
            ] {
                let bump = Bump::new();
                assert!(
                    matches!(parse_top(text, &bump, raw), Err(ParseError::Duplicate(_))),
                    "{text} raw={raw}"
                );
            }
        }
        // A top level that is not an object is still read for duplicates.
        let bump = Bump::new();
        assert!(matches!(
            parse_top(r#"[{"a":1,"a":2}]"#, &bump, true),
            Err(ParseError::Duplicate(_))
        ));
        let bump = Bump::new();
        assert!(
            parse_top(r#"{"signed":{"a":1,"a":2}}"#, &bump, true).is_ok(),
            "raw `signed` is parsed later, by its reader"
        );
    }

    #[test]
    fn parse_value_refuses_duplicates() {
        assert!(matches!(
            parse_value(br#"{"a":{"b":1,"b":2}}"#, "f"),
            Err(TufError::DuplicateMember { name, .. }) if name == "b"
        ));
        assert!(matches!(
            parse_value(b"{\"a\":\"\xff\"}", "f"),
            Err(TufError::Json { .. })
        ));
        assert_eq!(
            parse_value(br#"{"a":[1,{"b":null}]}"#, "f").unwrap(),
            serde_json::json!({"a": [1, {"b": null}]})
        );
    }

    #[test]
    fn floats_are_not_canonical() {
        let bump = Bump::new();
        let j = parse(r#"{"a":[1.5]}"#, &bump).unwrap();
        let err = j.encode_canonical(&mut Vec::new()).unwrap_err();
        assert_eq!(err.path, "/a/0");
    }

    fn canonical_flag(text: &str) -> bool {
        let bump = Bump::new();
        let (j, canonical) = parse_checked(text, &bump).unwrap();
        let mut enc = Vec::new();
        let encodes = j.encode_canonical(&mut enc).is_ok();
        if canonical {
            assert!(
                encodes && enc == text.as_bytes(),
                "judged canonical: {text}"
            );
        }
        canonical
    }

    #[test]
    fn canonical_text_is_recognised() {
        for text in [
            r#"{"a":1,"b":[true,false,null,-3,"x y"],"c":{}}"#,
            r#"{"":[],"a":{"b":{"c":"d e/f é"}}}"#,
            r#""just a string""#,
            "18446744073709551615",
        ] {
            assert!(canonical_flag(text), "{text}");
        }
    }

    #[test]
    fn non_canonical_text_is_not_taken_as_is() {
        for text in [
            // whitespace outside strings
            r#"{"a": 1}"#,
            r#"{"a":1} "#,
            "{\"a\":[1,\n2]}",
            // keys out of order
            r#"{"b":1,"a":2}"#,
            // escapes (even canonical ones take the encoding path), a float, minus zero
            r#"{"a":"q\"q"}"#,
            r#"{"a":"\u0041"}"#,
            r#"{"\u0061":1}"#,
            r#"{"a":1.0}"#,
            r#"{"a":-0}"#,
            r#"{"a":1e2}"#,
        ] {
            assert!(!canonical_flag(text), "{text}");
        }
    }

    proptest::proptest! {
        /// Whatever the spelling, text judged canonical is exactly the canonical encoding of what
        /// was parsed; and the canonical encoding of an escape-free value is judged canonical.
        #[test]
        fn the_fast_path_agrees_with_the_encoder(v in arb_value(), pretty in proptest::bool::ANY) {
            let text = if pretty {
                serde_json::to_string_pretty(&v).unwrap()
            } else {
                serde_json::to_string(&v).unwrap()
            };
            canonical_flag(&text);
            let enc = String::from_utf8(crate::canonical::encode(&v).unwrap()).unwrap();
            if !enc.contains('\\') {
                proptest::prop_assert!(canonical_flag(&enc), "{enc}");
            }
        }
    }

    fn arb_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            "[a-c \"\\\\\u{e9}]{0,4}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map("[a-c\"]{0,2}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }
}
