//! OLPC / securesystemslib canonical JSON: the bytes TUF signatures cover.
//!
//! Objects are written with their keys sorted by Unicode code point (the same order as their
//! UTF-8 bytes), nothing is written between tokens, strings escape only `\` and `"` (every other
//! character, control characters included, is written as its UTF-8 bytes), and numbers must be
//! integers: a float makes the value non-canonicalizable. This is what python-tuf, go-tuf and
//! securesystemslib's `encode_canonical` produce, so signatures made by any of them verify here.
//!
//! This is the crate's one canonical encoder: [`encode`] writes a `serde_json::Value`, and the
//! metadata parse tree and the editor's typed targets are written through the same functions.
//!
//! ```
//! let value: serde_json::Value = serde_json::from_str(r#"{"b": [1, "x\"y"], "a": true}"#).unwrap();
//! assert_eq!(lumen_tuf::canonical::encode(&value).unwrap(), br#"{"a":true,"b":[1,"x\"y"]}"#);
//! ```

use serde_json::Value;

/// A value canonical JSON cannot represent: a number that is not an integer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {number} is not an integer (canonical JSON has integers only)")]
pub struct NotCanonical {
    /// Where the number is, as a JSON-pointer-like path (`/signed/version`).
    pub path: String,
    /// The number as parsed.
    pub number: String,
}

/// The canonical encoding of `value`.
pub fn encode(value: &Value) -> Result<Vec<u8>, NotCanonical> {
    let mut out = Vec::with_capacity(256);
    encode_into(value, &mut out)?;
    Ok(out)
}

/// Appends the canonical encoding of `value` to `out`; on error `out` holds a partial encoding.
pub fn encode_into(value: &Value, out: &mut Vec<u8>) -> Result<(), NotCanonical> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => write_bool(*b, out),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                write_u64(u, out);
            } else if let Some(i) = n.as_i64() {
                write_i64(i, out);
            } else {
                return Err(NotCanonical {
                    path: String::new(),
                    number: n.to_string(),
                });
            }
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => write_array(items, out, encode_into)?,
        Value::Object(map) => {
            // serde_json's map is sorted unless `preserve_order` is on somewhere in the build;
            // sort explicitly so a feature flipped by another crate cannot change signed bytes.
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            if !entries.is_sorted_by(|a, b| a.0 <= b.0) {
                entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            }
            let entries = entries.into_iter().map(|(k, v)| (k.as_str(), v));
            write_object(entries, out, encode_into)?;
        }
    }
    Ok(())
}

// The encoder's parts, shared by every canonical encoding in this crate: of a `serde_json::Value`
// above, of the parse tree in `json.rs`, of the editor's typed targets in `editor/write.rs`.

/// Appends `true` or `false`.
#[inline]
pub(crate) fn write_bool(b: bool, out: &mut Vec<u8>) {
    out.extend_from_slice(if b { b"true" } else { b"false" });
}

/// Appends `n` in decimal.
#[inline]
pub(crate) fn write_u64(n: u64, out: &mut Vec<u8>) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// Appends `n` in decimal.
#[inline]
pub(crate) fn write_i64(n: i64, out: &mut Vec<u8>) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// Appends `s` as a string: `"` and `\` escaped with a backslash, every other character as its
/// UTF-8 bytes.
#[inline]
pub(crate) fn write_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for i in memchr::memchr2_iter(b'"', b'\\', bytes) {
        out.extend_from_slice(&bytes[start..i]);
        out.push(b'\\');
        out.push(bytes[i]);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Appends an array of `items`, each written by `item`; an error's path gets the item's index.
pub(crate) fn write_array<I, F>(
    items: I,
    out: &mut Vec<u8>,
    mut item: F,
) -> Result<(), NotCanonical>
where
    I: IntoIterator,
    F: FnMut(I::Item, &mut Vec<u8>) -> Result<(), NotCanonical>,
{
    out.push(b'[');
    for (i, x) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        item(x, out).map_err(|e| prefix(e, itoa::Buffer::new().format(i)))?;
    }
    out.push(b']');
    Ok(())
}

/// Appends an object of `members`, which must come sorted by name (byte order, which is code
/// point order) with no name twice, each value written by `value`; an error's path gets the
/// member's name.
pub(crate) fn write_object<'k, V, I, F>(
    members: I,
    out: &mut Vec<u8>,
    mut value: F,
) -> Result<(), NotCanonical>
where
    I: IntoIterator<Item = (&'k str, V)>,
    F: FnMut(V, &mut Vec<u8>) -> Result<(), NotCanonical>,
{
    out.push(b'{');
    for (i, (k, v)) in members.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_string(k, out);
        out.push(b':');
        value(v, out).map_err(|e| prefix(e, k))?;
    }
    out.push(b'}');
    Ok(())
}

/// `e` one level down, in `segment`.
fn prefix(mut e: NotCanonical, segment: &str) -> NotCanonical {
    e.path = format!("/{segment}{}", e.path);
    e
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn sorted_compact_and_minimally_escaped() {
        let v = json!({"z": 1, "a": {"y": [true, false, null], "b": -3}, "é": "tab\there \"q\" back\\slash\n"});
        let got = String::from_utf8(encode(&v).unwrap()).unwrap();
        assert_eq!(
            got,
            "{\"a\":{\"b\":-3,\"y\":[true,false,null]},\"z\":1,\"é\":\"tab\there \\\"q\\\" back\\\\slash\n\"}"
        );
    }

    #[test]
    fn floats_are_refused_with_their_path() {
        let v = json!({"signed": {"version": 1.5}});
        let err = encode(&v).unwrap_err();
        assert_eq!(err.path, "/signed/version");
        let v: Value = serde_json::from_str(r#"{"a":[1, 2.0]}"#).unwrap();
        assert_eq!(encode(&v).unwrap_err().path, "/a/1");
        // 1e3 parses as a float too: integers only.
        let v: Value = serde_json::from_str(r#"{"a":1e3}"#).unwrap();
        assert!(encode(&v).is_err());
    }

    #[test]
    fn large_integers_keep_their_digits() {
        let v: Value =
            serde_json::from_str(r#"[18446744073709551615, -9223372036854775808]"#).unwrap();
        assert_eq!(
            encode(&v).unwrap(),
            b"[18446744073709551615,-9223372036854775808]"
        );
    }

    #[test]
    fn keys_sort_by_code_point() {
        // U+FF21 (3 UTF-8 bytes) sorts after U+00E9 (2 bytes) and after 'z'.
        let v = json!({"\u{ff21}": 1, "z": 2, "\u{e9}": 3, "Z": 4});
        let got = String::from_utf8(encode(&v).unwrap()).unwrap();
        assert_eq!(got, "{\"Z\":4,\"z\":2,\"\u{e9}\":3,\"\u{ff21}\":1}");
    }
}
