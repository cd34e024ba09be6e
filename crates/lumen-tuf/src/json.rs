//! The parse tree metadata is read through: like `serde_json::Value`, but objects are vectors of
//! members sorted by key (duplicates resolved as JSON parsers do: the last one wins). Building it
//! costs no map insertions, canonical encoding needs no sorting, and the typed readers take
//! members out of small vectors. Fields the typed model does not know are converted to
//! `serde_json::Value` (see [`J::into_value`]).

use crate::canonical::NotCanonical;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};
use std::fmt;

/// A JSON value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum J {
    Null,
    Bool(bool),
    Num(Number),
    Str(String),
    Arr(Vec<J>),
    /// Members sorted by key (byte order = code point order), keys unique.
    Obj(Vec<(String, J)>),
}

impl J {
    pub(crate) fn as_u64(&self) -> Option<u64> {
        match self {
            J::Num(n) => n.as_u64(),
            _ => None,
        }
    }

    /// The equivalent `serde_json::Value`.
    pub(crate) fn into_value(self) -> Value {
        match self {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(b),
            J::Num(n) => Value::Number(n),
            J::Str(s) => Value::String(s),
            J::Arr(a) => Value::Array(a.into_iter().map(J::into_value).collect()),
            J::Obj(m) => Value::Object(m.into_iter().map(|(k, v)| (k, v.into_value())).collect()),
        }
    }

    /// Appends the canonical JSON encoding (see [`crate::canonical`]).
    pub(crate) fn encode_canonical(&self, out: &mut Vec<u8>) -> Result<(), NotCanonical> {
        match self {
            J::Null => out.extend_from_slice(b"null"),
            J::Bool(true) => out.extend_from_slice(b"true"),
            J::Bool(false) => out.extend_from_slice(b"false"),
            J::Num(n) => {
                let mut buf = itoa::Buffer::new();
                if let Some(u) = n.as_u64() {
                    out.extend_from_slice(buf.format(u).as_bytes());
                } else if let Some(i) = n.as_i64() {
                    out.extend_from_slice(buf.format(i).as_bytes());
                } else {
                    return Err(NotCanonical {
                        path: String::new(),
                        number: n.to_string(),
                    });
                }
            }
            J::Str(s) => crate::canonical::write_string(s, out),
            J::Arr(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    item.encode_canonical(out)
                        .map_err(|e| crate::canonical::prefix(e, &i.to_string()))?;
                }
                out.push(b']');
            }
            J::Obj(members) => {
                out.push(b'{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    crate::canonical::write_string(k, out);
                    out.push(b':');
                    v.encode_canonical(out)
                        .map_err(|e| crate::canonical::prefix(e, k))?;
                }
                out.push(b'}');
            }
        }
        Ok(())
    }
}

/// Sorts members by key and keeps the last of duplicate keys.
fn normalize(mut members: Vec<(String, J)>) -> Vec<(String, J)> {
    if members.windows(2).all(|w| w[0].0 < w[1].0) {
        return members;
    }
    // Stable: among equal keys, document order is kept, so the last one is the one to keep.
    members.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out: Vec<(String, J)> = Vec::with_capacity(members.len());
    for m in members {
        match out.last_mut() {
            Some(last) if last.0 == m.0 => *last = m,
            _ => out.push(m),
        }
    }
    out
}

impl<'de> Deserialize<'de> for J {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<J, D::Error> {
        d.deserialize_any(JVisitor)
    }
}

struct JVisitor;

impl<'de> Visitor<'de> for JVisitor {
    type Value = J;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<J, E> {
        Ok(J::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<J, E> {
        Ok(J::Num(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<J, E> {
        Ok(J::Num(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<J, E> {
        // Not canonical; kept so the error can say where it is. NaN/inf cannot come from JSON.
        Ok(Number::from_f64(v).map_or(J::Null, J::Num))
    }
    fn visit_str<E>(self, v: &str) -> Result<J, E> {
        Ok(J::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<J, E> {
        Ok(J::Str(v))
    }
    fn visit_unit<E>(self) -> Result<J, E> {
        Ok(J::Null)
    }
    fn visit_none<E>(self) -> Result<J, E> {
        Ok(J::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<J, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element::<J>()? {
            items.push(item);
        }
        Ok(J::Arr(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<J, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(0).min(4096));
        while let Some((k, v)) = map.next_entry::<String, J>()? {
            members.push((k, v));
        }
        Ok(J::Obj(normalize(members)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn same_tree_and_canonical_bytes_as_serde_json() {
        let text = r#"{"b":1,"a":{"z":[1,-2,"x"],"y":null,"x":true},"b":2,"\u00e9":"q\"\\"}"#;
        let j: J = serde_json::from_str(text).unwrap();
        let v: Value = serde_json::from_str(text).unwrap();
        assert_eq!(j.clone().into_value(), v);
        let mut a = Vec::new();
        j.encode_canonical(&mut a).unwrap();
        assert_eq!(a, crate::canonical::encode(&v).unwrap());
        // The duplicate "b": the last one wins, as in serde_json and Python.
        assert!(String::from_utf8(a).unwrap().contains(r#""b":2"#));
    }

    #[test]
    fn floats_are_not_canonical() {
        let j: J = serde_json::from_str(r#"{"a":[1.5]}"#).unwrap();
        let err = j.encode_canonical(&mut Vec::new()).unwrap_err();
        assert_eq!(err.path, "/a/0");
    }
}
