//! OLPC / securesystemslib canonical JSON: the bytes TUF signatures cover.
//!
//! Objects are written with their keys sorted by Unicode code point (the same order as their
//! UTF-8 bytes), nothing is written between tokens, strings escape only `\` and `"` (every other
//! character, control characters included, is written as its UTF-8 bytes), and numbers must be
//! integers: a float makes the value non-canonicalizable. This is what python-tuf, go-tuf and
//! securesystemslib's `encode_canonical` produce, so signatures made by any of them verify here.
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
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.extend_from_slice(i.to_string().as_bytes());
            } else if let Some(u) = n.as_u64() {
                out.extend_from_slice(u.to_string().as_bytes());
            } else {
                return Err(NotCanonical {
                    path: String::new(),
                    number: n.to_string(),
                });
            }
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                encode_into(item, out).map_err(|e| prefix(e, &i.to_string()))?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            // serde_json's map is sorted unless `preserve_order` is on somewhere in the build;
            // sort explicitly so a feature flipped by another crate cannot change signed bytes.
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            if !entries.is_sorted_by(|a, b| a.0 <= b.0) {
                entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            }
            out.push(b'{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(k, out);
                out.push(b':');
                encode_into(v, out).map_err(|e| prefix(e, k))?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

pub(crate) fn prefix(mut e: NotCanonical, segment: &str) -> NotCanonical {
    e.path = format!("/{segment}{}", e.path);
    e
}

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
