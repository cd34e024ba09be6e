//! Plausible ways a server (or a proxy in front of it) reads a URL path, written independently of the
//! engine's own check (`src/path.rs`): used by `tests/hardening.rs` and the `url_policy` fuzz target
//! to assert that a path allowed under a prefix stays under it whichever way it is read.
//!
//! A model decodes percent escapes a number of times (optionally IIS `%uXXXX` too), reads the bytes
//! as UTF-8 strictly, lossily or leniently (overlong forms such as `C0 AE` as the ASCII they encode),
//! optionally applies NFKC, treats `\` as `/`, cuts the path at NUL, `?` or `#`, strips `;params` from
//! each segment (Tomcat, Jetty), drops whitespace and control characters and reads a run of three or
//! more dots as `..` (IIS/Windows), then removes dot segments as RFC 3986 §5.2.4 does.
#![allow(dead_code)]

use icu_normalizer::ComposingNormalizerBorrowed;

/// One way of reading a path.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Model {
    /// How many times percent escapes are decoded.
    pub(crate) decodes: usize,
    /// Decode `%uXXXX` too.
    pub(crate) percent_u: bool,
    /// Read overlong UTF-8 as the ASCII character it encodes.
    pub(crate) lenient_utf8: bool,
    /// Apply NFKC after decoding.
    pub(crate) nfkc: bool,
    /// `\` separates segments.
    pub(crate) backslash: bool,
    /// Cut the path at the first NUL, `?` or `#`.
    pub(crate) truncate: bool,
    /// Strip `;params` from each segment.
    pub(crate) strip_params: bool,
    /// Drop whitespace and control characters from each segment; read `...` (or more dots) as `..`.
    pub(crate) windows: bool,
}

/// Every model: 0 to 3 rounds of decoding under each server profile.
pub(crate) fn models() -> Vec<Model> {
    let base = Model {
        decodes: 0,
        percent_u: false,
        lenient_utf8: false,
        nfkc: false,
        backslash: false,
        truncate: false,
        strip_params: false,
        windows: false,
    };
    let profiles = [
        base,
        Model {
            strip_params: true,
            ..base
        },
        Model {
            percent_u: true,
            backslash: true,
            windows: true,
            ..base
        },
        Model {
            lenient_utf8: true,
            ..base
        },
        Model { nfkc: true, ..base },
        Model {
            truncate: true,
            ..base
        },
        Model {
            percent_u: true,
            lenient_utf8: true,
            nfkc: true,
            backslash: true,
            truncate: true,
            strip_params: true,
            windows: true,
            ..base
        },
    ];
    let mut out = Vec::new();
    for decodes in 0..=3 {
        for p in profiles {
            out.push(Model { decodes, ..p });
        }
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

fn percent_decode(input: &[u8], percent_u: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'%' {
            if percent_u
                && matches!(input.get(i + 1), Some(b'u' | b'U'))
                && input.len() >= i + 6
                && input[i + 2..i + 6].iter().all(|b| b.is_ascii_hexdigit())
            {
                let cp = input[i + 2..i + 6]
                    .iter()
                    .fold(0u32, |acc, b| acc * 16 + u32::from(hex(*b).unwrap_or(0)));
                let c = char::from_u32(cp).unwrap_or('\u{fffd}');
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                i += 6;
                continue;
            }
            if let (Some(h), Some(l)) = (
                input.get(i + 1).and_then(|b| hex(*b)),
                input.get(i + 2).and_then(|b| hex(*b)),
            ) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(input[i]);
        i += 1;
    }
    out
}

fn is_cont(b: Option<&u8>) -> bool {
    b.is_some_and(|b| (0x80..0xc0).contains(b))
}

/// UTF-8, with overlong two- and three-byte forms read as what they encode.
fn lenient_utf8(b: &[u8]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        let (c, n) = match b[i] {
            0xc0 | 0xc1 if is_cont(b.get(i + 1)) => (
                (u32::from(b[i] & 0x1f) << 6) | u32::from(b[i + 1] & 0x3f),
                2,
            ),
            0xe0 if is_cont(b.get(i + 1)) && is_cont(b.get(i + 2)) => (
                (u32::from(b[i] & 0x0f) << 12)
                    | (u32::from(b[i + 1] & 0x3f) << 6)
                    | u32::from(b[i + 2] & 0x3f),
                3,
            ),
            _ => {
                let end = (i + 4).min(b.len());
                let chunk = String::from_utf8_lossy(&b[i..end]);
                let c = chunk.chars().next().unwrap_or('\u{fffd}');
                let n = if c == '\u{fffd}' { 1 } else { c.len_utf8() };
                (u32::from(c), n)
            }
        };
        out.push(char::from_u32(c).unwrap_or('\u{fffd}'));
        i += n;
    }
    out
}

/// The path `model` resolves `path` to (always starting with `/`).
pub(crate) fn read(model: &Model, path: &str) -> String {
    let mut bytes = path.as_bytes().to_vec();
    for _ in 0..model.decodes {
        bytes = percent_decode(&bytes, model.percent_u);
    }
    let mut s = if model.lenient_utf8 {
        lenient_utf8(&bytes)
    } else {
        String::from_utf8_lossy(&bytes).into_owned()
    };
    if model.nfkc {
        s = ComposingNormalizerBorrowed::new_nfkc()
            .normalize(&s)
            .into_owned();
    }
    if model.backslash {
        s = s.replace('\\', "/");
    }
    if model.truncate
        && let Some(i) = s.find(['\0', '?', '#'])
    {
        s.truncate(i);
    }
    let mut out: Vec<String> = Vec::new();
    let mut segments = s.split('/').skip(1).peekable();
    while let Some(seg) = segments.next() {
        let mut seg = seg.to_owned();
        if model.strip_params
            && let Some(i) = seg.find(';')
        {
            seg.truncate(i);
        }
        if model.windows {
            seg.retain(|c| !(c.is_whitespace() || c.is_control()));
            if seg.len() > 2 && seg.chars().all(|c| c == '.') {
                seg = "..".to_owned();
            }
        }
        let last = segments.peek().is_none();
        match seg.as_str() {
            "." => {
                if last {
                    out.push(String::new());
                }
            }
            ".." => {
                out.pop();
                if last {
                    out.push(String::new());
                }
            }
            _ => out.push(seg),
        }
    }
    format!("/{}", out.join("/"))
}

/// Whether `path` is under `prefix`, segment by segment (`/api` covers `/api` and `/api/x`, not
/// `/apix`; `/v1/` covers `/v1/` and below).
pub(crate) fn under(prefix: &str, path: &str) -> bool {
    path == prefix
        || (path.starts_with(prefix)
            && (prefix.ends_with('/') || path.as_bytes().get(prefix.len()) == Some(&b'/')))
}
