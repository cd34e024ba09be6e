//! Paths that servers read differently: the rule behind `path_prefix`.
//!
//! A `path_prefix` grant is checked on the path as the WHATWG parser normalizes it (dot segments
//! resolved, `%2e` counted as a dot). A server, a proxy in front of it, or both, may go further: decode
//! percent escapes once more (`%252e` → `%2e` → `.`), decode IIS-style `%u002e`, map Unicode
//! compatibility characters (NFKC: `．` U+FF0E → `.`, `／` U+FF0F → `/`), read bytes that are not valid
//! UTF-8 (overlong `%c0%ae`) leniently, strip `;parameters` from a segment before resolving it
//! (Tomcat, Jetty: `..;x` → `..`), cut the path at a decoded NUL, `?` or `#`, or ignore whitespace and
//! control characters (`..%09`). If any of these can turn a segment into `.`, `..` (or more dots) or
//! into something holding a separator (`/`, `\`), the server may resolve the path outside the prefix
//! that was checked, so such a path is refused.
//!
//! [`is_ambiguous`] implements this as a search: each segment is read as is and after up to
//! [`DECODE_ROUNDS`] rounds of decoding (percent escapes and `%uXXXX`), each round also under NFKC; a
//! reading that is not valid UTF-8, or that still decodes further after the last round, is refused
//! too (fail closed). The same rule applies to the prefixes a grant names.

use icu_normalizer::ComposingNormalizerBorrowed;
use percent_encoding::percent_decode;
use std::borrow::Cow;

/// How many rounds of decoding are tried; a segment that still decodes after them is refused.
pub(crate) const DECODE_ROUNDS: usize = 4;

/// Whether some server could read a segment of `path` as a dot segment or as holding a separator.
pub(crate) fn is_ambiguous(path: &str) -> bool {
    path.split('/').any(segment_is_ambiguous)
}

fn segment_is_ambiguous(seg: &str) -> bool {
    if seg
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'~'))
    {
        // Nothing to decode, no dot, no parameter: the common case.
        return false;
    }
    let nfkc = ComposingNormalizerBorrowed::new_nfkc();
    let mut readings: Vec<String> = vec![seg.to_owned()];
    for round in 0..=DECODE_ROUNDS {
        let mut next: Vec<String> = Vec::new();
        for r in &readings {
            let normalized = nfkc.normalize(r);
            if reads_as_dot_or_separator(r) || reads_as_dot_or_separator(&normalized) {
                return true;
            }
            for source in [r.as_str(), &normalized] {
                match decode_once(source) {
                    Decoded::Unchanged => {}
                    Decoded::Undecodable => return true,
                    Decoded::Bytes(b) => match String::from_utf8(b) {
                        Ok(s) => next.push(s),
                        // Invalid UTF-8 (overlong forms such as `%c0%ae` among it): decoders disagree.
                        Err(_) => return true,
                    },
                }
            }
        }
        if next.is_empty() {
            return false;
        }
        if round == DECODE_ROUNDS {
            // More levels of encoding than are checked.
            return true;
        }
        next.sort_unstable();
        next.dedup();
        readings = next;
    }
    true
}

/// Whether a decoded segment holds a separator, or is a run of dots as a server may read it: cut at a
/// `;` (parameters), NUL, `?` or `#` (any of them, since servers cut at different ones), or with those
/// characters dropped, and in both cases with whitespace and control characters ignored wherever they
/// are (`..%09`, `%00..`, `.%00.`).
fn reads_as_dot_or_separator(s: &str) -> bool {
    const CUT: [char; 4] = [';', '\0', '?', '#'];
    if s.contains(['/', '\\']) {
        return true;
    }
    let dots_only = |t: &str, drop_cut: bool| {
        let mut dots = 0usize;
        for c in t.chars() {
            if c == '.' {
                dots += 1;
            } else if !(c.is_whitespace() || c.is_control() || (drop_cut && CUT.contains(&c))) {
                return false;
            }
        }
        dots > 0
    };
    dots_only(s, true)
        || s.match_indices(CUT)
            .any(|(i, _)| s.get(..i).is_some_and(|t| dots_only(t, false)))
}

/// One round of decoding.
enum Decoded {
    /// Nothing to decode.
    Unchanged,
    /// The decoded bytes.
    Bytes(Vec<u8>),
    /// A `%uXXXX` escape that names no character (a surrogate).
    Undecodable,
}

/// Decodes `%uXXXX` escapes (IIS), then `%XX` escapes (RFC 3986).
fn decode_once(s: &str) -> Decoded {
    if !s.contains('%') {
        return Decoded::Unchanged;
    }
    let unicode = match decode_percent_u(s) {
        Some(u) => u,
        None => return Decoded::Undecodable,
    };
    let bytes: Cow<'_, [u8]> = percent_decode(unicode.as_bytes()).into();
    if *bytes == *s.as_bytes() {
        Decoded::Unchanged
    } else {
        Decoded::Bytes(bytes.into_owned())
    }
}

/// Replaces each `%uXXXX` (any case) with the character it names; `None` if one names a surrogate.
fn decode_percent_u(s: &str) -> Option<Cow<'_, str>> {
    let b = s.as_bytes();
    let at = |i: usize| b.get(i).copied();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && at(i + 1).is_some_and(|c| c == b'u' || c == b'U')
            && (2..6).all(|k| at(i + k).is_some_and(|c| c.is_ascii_hexdigit()))
        {
            let hex = s.get(i + 2..i + 6)?;
            let c = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)?;
            let o = out.get_or_insert_with(String::new);
            o.push_str(s.get(copied..i)?);
            o.push(c);
            i += 6;
            copied = i;
        } else {
            i += 1;
        }
    }
    Some(match out {
        None => Cow::Borrowed(s),
        Some(mut o) => {
            o.push_str(s.get(copied..)?);
            Cow::Owned(o)
        }
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn dot_segments_in_disguise_are_ambiguous() {
        for p in [
            "/api/%252e%252e/admin",
            "/api/..%252fadmin",
            "/api/..%3b/admin",
            "/api/%2e%2e%3b/admin",
            "/api/..%00/admin",
            "/api/..;/admin",
            "/api/..;x=1/admin",
            "/api/%2e%2e;/admin",
            "/api/%c0%ae%c0%ae/admin",
            "/api/%e0%80%ae%e0%80%ae/admin",
            "/api/%u002e%u002e/admin",
            "/api/%U002E%U002E/admin",
            "/api/%25u002e%25u002e/admin",
            "/api/%ef%bc%8e%ef%bc%8e/admin",
            "/api/%e2%80%a5/admin",
            "/api/..%ef%bc%8fadmin",
            "/api/..%5cadmin",
            "/api/%255c",
            "/api/..%09/admin",
            "/api/.%09./admin",
            "/api/%00..",
            "/api/.%3f.",
            "/api/%3b..",
            "/api/..%20/admin",
            "/api/..%3f/admin",
            "/api/..%23/admin",
            "/api/...",
            "/api/%25252525252e",
            "/api/%ud800",
            "/api/caf%e9",
            "/api/x%2fy",
        ] {
            assert!(is_ambiguous(p), "{p}");
        }
    }

    #[test]
    fn ordinary_paths_are_not() {
        for p in [
            "/",
            "/api",
            "/api/",
            "/api/v1/items",
            "/api/a.b",
            "/api/.well-known",
            "/api/file;jsessionid=1",
            "/api/a%20b",
            "/api/caf%C3%A9",
            "/api/100%25",
            "/api/a%2520b",
            "/api/%e4%b8%ad",
            "/api/..a",
            "/api/a..",
            "/api/%",
            "/api/%zz",
        ] {
            assert!(!is_ambiguous(p), "{p}");
        }
    }
}
