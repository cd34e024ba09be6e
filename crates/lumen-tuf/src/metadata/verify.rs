//! Parsing and signature checking in one step ([`Metadata::parse_and_verify_with`]): the
//! signatures are checked over the canonical bytes of `signed` as received, borrowed from the
//! file when it is canonical already. A large file is parsed on this thread while another checks
//! the signatures over the text of `signed` (found by [`split_envelope`] or by a pass that
//! builds nothing); that check counts only when this thread confirms the text is `signed`,
//! canonical as received ([`OtherCheck`]).

use super::Fields;
use super::envelope::{Metadata, Signature};
use super::reader::{Reader, read_signatures, read_typed};
use super::roles::Signed;
use crate::error::{Result, TufError, malformed};
use crate::json::{J, Signed as JsonSigned, parse_top};
use bumpalo::Bump;
use serde_json::Value;
use serde_json::value::RawValue;
use std::borrow::Cow;

impl<T: Signed> Metadata<T> {
    /// [`Metadata::parse_and_verify_with`] with the two-thread path for files of at least
    /// [`PARALLEL_VERIFY_MIN`] bytes (what the client and the editor use).
    pub(crate) fn parse_and_verify<'b, F>(
        bytes: &'b [u8],
        role: &str,
        verify: F,
    ) -> Result<Checked<'b, T>>
    where
        F: Fn(&[u8], &[Signature]) -> Result<()> + Sync,
    {
        Self::parse_and_verify_with(bytes, role, PARALLEL_VERIFY_MIN, verify)
    }

    /// Parses `bytes` like [`Metadata::from_bytes`] and checks its signatures with `verify`
    /// (given the canonical bytes of `signed` and the signatures). A parse error is reported
    /// before a `verify` error. When `signed` is canonical as received (as this crate's editor
    /// writes it), the signatures are checked over the received bytes, without re-encoding.
    ///
    /// Files of at least `parallel_min` bytes are parsed and checked on two threads at once (see
    /// `parse_and_verify_parallel`); the client uses [`PARALLEL_VERIFY_MIN`]. Both paths return
    /// the same result for the same bytes: `0` (every file on two threads) and `usize::MAX`
    /// (none) let tests and the fuzz target compare them.
    ///
    /// Returns the metadata and the canonical bytes of `signed`: borrowed from `bytes` when they
    /// are canonical as received (no copy of a multi-megabyte file), else the encoding.
    pub fn parse_and_verify_with<'b, F>(
        bytes: &'b [u8],
        role: &str,
        parallel_min: usize,
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
        if bytes.len() >= parallel_min
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

    /// [`Metadata::parse_and_verify_with`] for large files, on two threads: this one reads the typed
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
}

/// What [`Metadata::parse_and_verify_with`] returns: the metadata and the canonical bytes of
/// `signed` (borrowed from the file when it was canonical as received).
pub type Checked<'b, T> = (Metadata<T>, Cow<'b, [u8]>);

/// Files at least this long are parsed and verified on two threads by the client and the editor
/// (see [`Metadata::parse_and_verify_with`]); below it a thread costs more than it saves.
pub const PARALLEL_VERIFY_MIN: usize = 256 * 1024;

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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::metadata::Timestamp;

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
