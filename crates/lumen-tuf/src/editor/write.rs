//! Turning signed metadata into files: the file bytes (identical to
//! [`crate::metadata::Metadata::to_bytes`], without re-encoding `signed`), and writing many
//! files at once — serialised and signed on every core, made durable (fsync, then rename) by a
//! small pool of I/O threads, so that nothing appears under its final name before its bytes
//! are on disk.

use crate::canonical::{self, NotCanonical};
use crate::metadata::signatures_value;
use crate::metadata::{Fields, Hashes, Metadata, Signature, TargetFile, Targets};
use crate::{Result, TufError};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};

/// Threads that fsync and rename (I/O bound: more than the cores help the journal batch).
const IO_THREADS: usize = 8;
/// Files written but not yet durable, at most (bounds open file descriptors).
const IO_QUEUE: usize = 128;

/// Worker threads for CPU-bound work.
pub(crate) fn cpu_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 16)
}

fn not_canonical(role: &str, source: NotCanonical) -> TufError {
    TufError::NotCanonical {
        role: role.to_owned(),
        source,
    }
}

/// The metadata file: canonical JSON of `{"signatures": …, "signed": …}` plus the top-level
/// `unknown` fields, with `signed` given already encoded.
pub(crate) fn file_bytes(
    role: &str,
    unknown: &Fields,
    signatures: &[Signature],
    canonical_signed: &[u8],
) -> Result<Vec<u8>> {
    let signatures_json = signatures_value(signatures);
    let mut members: Vec<(&str, Member<'_>)> = unknown
        .iter()
        .filter(|(k, _)| *k != "signed" && *k != "signatures")
        .map(|(k, v)| (k.as_str(), Member::Value(v)))
        .collect();
    members.push(("signatures", Member::Value(&signatures_json)));
    members.push(("signed", Member::Encoded(canonical_signed)));
    let mut out = Vec::with_capacity(canonical_signed.len() + 160 * signatures.len() + 64);
    put_object(&mut out, members).map_err(|e| not_canonical(role, e))?;
    Ok(escape_controls(out))
}

/// Canonical JSON writes control characters inside strings raw (a PEM key's newlines), which
/// JSON parsers reject. Outside strings canonical JSON has no byte below 0x20, so escaping
/// every such byte the way serde_json does gives valid JSON that parses to the same value, and
/// so to the same canonical bytes the signatures cover.
fn escape_controls(bytes: Vec<u8>) -> Vec<u8> {
    if !bytes.iter().fold(false, |acc, &b| acc | (b < 0x20)) {
        return bytes;
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = Vec::with_capacity(bytes.len() + 64);
    for b in bytes {
        match b {
            0x08 => out.extend_from_slice(b"\\b"),
            0x09 => out.extend_from_slice(b"\\t"),
            0x0a => out.extend_from_slice(b"\\n"),
            0x0c => out.extend_from_slice(b"\\f"),
            0x0d => out.extend_from_slice(b"\\r"),
            b if b < 0x20 => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0xf)]);
            }
            b => out.push(b),
        }
    }
    out
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> TufError + '_ {
    move |source| TufError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Flushes a directory so that renames into it are durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err(dir))
}

/// Writes `bytes` to `path` atomically (temporary file, fsync, rename), readable by all (0644 less
/// the umask): repository files are published.
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::store::write_atomic_public(path, bytes).map_err(io_err(path))
}

/// What a producer hands the writer: the file's bytes and final path, and a result to keep.
pub(crate) struct Produced<R> {
    pub(crate) path: PathBuf,
    pub(crate) bytes: Vec<u8>,
    pub(crate) result: R,
}

fn write_one(direct: bool, path: &Path, bytes: &[u8]) -> Result<()> {
    if direct {
        let mut f = std::fs::File::create(path).map_err(io_err(path))?;
        f.write_all(bytes).map_err(io_err(path))?;
        f.sync_all().map_err(io_err(path))
    } else {
        write_file(path, bytes)
    }
}

/// Runs `produce` for every item on all cores, and writes each file it returns durably (data
/// flushed to disk before the call returns), and atomically unless `direct`, from a pool of
/// I/O threads, so that serialising and signing overlap with the file system. `direct` writes
/// straight to the final name, which is right only for names nothing refers to yet (a new
/// version of a consistent-snapshot file); it saves a temporary file and a rename per file.
/// Returns the results in item order. On error the first error is returned; files already
/// written stay (new versions that nothing refers to yet).
pub(crate) fn produce_and_write<T, R, F>(
    items: &[T],
    direct: bool,
    produce: F,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Vec<R>>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> Result<Produced<R>> + Sync,
{
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let first_error: Mutex<Option<TufError>> = Mutex::new(None);
    let fail = |e: TufError| {
        failed.store(true, Ordering::SeqCst);
        if let Ok(mut slot) = first_error.lock()
            && slot.is_none()
        {
            *slot = Some(e);
        }
    };
    let (tx, rx) = mpsc::sync_channel::<(PathBuf, Vec<u8>)>(IO_QUEUE);
    let rx = Mutex::new(rx);
    let workers = cpu_threads().min(items.len().max(1));
    let mut results: Vec<(usize, R)> = Vec::with_capacity(items.len());
    std::thread::scope(|s| {
        for _ in 0..IO_THREADS.min(items.len().max(1)) {
            let (rx, fail, failed, done) = (&rx, &fail, &failed, &done);
            s.spawn(move || {
                loop {
                    let job = match rx.lock() {
                        Ok(r) => r.recv(),
                        Err(_) => return,
                    };
                    let Ok((path, bytes)) = job else { return };
                    if failed.load(Ordering::SeqCst) {
                        continue;
                    }
                    match write_one(direct, &path, &bytes) {
                        Ok(()) => progress(done.fetch_add(1, Ordering::SeqCst) + 1),
                        Err(e) => fail(e),
                    }
                }
            });
        }
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let tx = tx.clone();
                let (next, failed, fail, produce) = (&next, &failed, &fail, &produce);
                s.spawn(move || {
                    let mut mine = Vec::new();
                    loop {
                        if failed.load(Ordering::SeqCst) {
                            break;
                        }
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(item) = items.get(i) else { break };
                        match produce(item) {
                            Ok(p) => {
                                if tx.send((p.path, p.bytes)).is_err() {
                                    break;
                                }
                                mine.push((i, p.result));
                            }
                            Err(e) => {
                                fail(e);
                                break;
                            }
                        }
                    }
                    mine
                })
            })
            .collect();
        drop(tx);
        for h in handles {
            match h.join() {
                Ok(mine) => results.extend(mine),
                Err(_) => fail(TufError::Unreachable("a writer thread panicked")),
            }
        }
    });
    if let Ok(mut slot) = first_error.lock()
        && let Some(e) = slot.take()
    {
        return Err(e);
    }
    if results.len() != items.len() {
        return Err(TufError::Unreachable("not every file was written"));
    }
    results.sort_unstable_by_key(|(i, _)| *i);
    Ok(results.into_iter().map(|(_, r)| r).collect())
}

/// One member of an object being written in key order.
enum Member<'a> {
    Value(&'a Value),
    /// Canonical JSON already.
    Encoded(&'a [u8]),
    Str(&'a str),
    Number(u64),
    Targets(&'a BTreeMap<String, TargetFile>),
    Hashes(&'a Hashes),
}

/// Appends the object of `members` (in any order) through the canonical encoder.
fn put_object(out: &mut Vec<u8>, mut members: Vec<(&str, Member<'_>)>) -> Result<(), NotCanonical> {
    members.sort_unstable_by(|a, b| a.0.cmp(b.0));
    canonical::write_object(members, out, put_member)
}

fn put_member(m: Member<'_>, out: &mut Vec<u8>) -> Result<(), NotCanonical> {
    match m {
        Member::Value(v) => canonical::encode_into(v, out)?,
        Member::Encoded(bytes) => out.extend_from_slice(bytes),
        Member::Str(s) => canonical::write_string(s, out),
        Member::Number(n) => canonical::write_u64(n, out),
        Member::Hashes(h) => put_hashes(h, out)?,
        Member::Targets(t) => {
            canonical::write_object(t.iter().map(|(p, f)| (p.as_str(), f)), out, put_target)?
        }
    }
    Ok(())
}

/// Appends a `hashes` object (`Hashes` is sorted, so already in key order).
fn put_hashes(h: &Hashes, out: &mut Vec<u8>) -> Result<(), NotCanonical> {
    canonical::write_object(h.iter().map(|(a, d)| (a.as_str(), d)), out, |d, out| {
        canonical::write_string(d, out);
        Ok(())
    })
}

/// Appends one target's description.
fn put_target(file: &TargetFile, out: &mut Vec<u8>) -> Result<(), NotCanonical> {
    if file.unknown.is_empty() {
        // The common case, without a per-target allocation.
        let members = [
            ("hashes", Member::Hashes(&file.hashes)),
            ("length", Member::Number(file.length)),
        ];
        return canonical::write_object(members, out, put_member);
    }
    let mut members: Vec<(&str, Member<'_>)> = Vec::with_capacity(2 + file.unknown.len());
    members.push(("hashes", Member::Hashes(&file.hashes)));
    members.push(("length", Member::Number(file.length)));
    members.extend(
        file.unknown
            .iter()
            .filter(|(k, _)| *k != "hashes" && *k != "length")
            .map(|(k, v)| (k.as_str(), Member::Value(v))),
    );
    put_object(out, members)
}

/// The canonical JSON of a targets role's `signed`, written straight from the typed view:
/// byte-identical to [`Metadata::canonical_signed`] without building a JSON tree of every
/// target (which dominates the cost of a hash bin).
pub(crate) fn targets_canonical(role: &str, md: &Metadata<Targets>) -> Result<Vec<u8>> {
    let t = &md.signed;
    let c = &t.common;
    // Delegations are small next to the targets: encode them through the generic path.
    let delegations = match &t.delegations {
        None => None,
        Some(_) => {
            let shell = Metadata {
                signed: Targets {
                    common: c.clone(),
                    targets: BTreeMap::new(),
                    delegations: t.delegations.clone(),
                },
                signatures: Vec::new(),
                unknown: Fields::new(),
            };
            match shell.signed_value() {
                Value::Object(mut m) => m.remove("delegations"),
                _ => None,
            }
        }
    };
    const KNOWN: [&str; 6] = [
        "_type",
        "spec_version",
        "version",
        "expires",
        "targets",
        "delegations",
    ];
    let mut members: Vec<(&str, Member<'_>)> = vec![
        ("_type", Member::Str("targets")),
        ("spec_version", Member::Str(&c.spec_version)),
        ("version", Member::Number(c.version)),
        ("expires", Member::Str(c.expires.as_str())),
        ("targets", Member::Targets(&t.targets)),
    ];
    if let Some(d) = &delegations {
        members.push(("delegations", Member::Value(d)));
    }
    let known = if delegations.is_some() { 6 } else { 5 };
    members.extend(
        c.unknown
            .iter()
            .filter(|(k, _)| !KNOWN[..known].contains(&k.as_str()))
            .map(|(k, v)| (k.as_str(), Member::Value(v))),
    );
    let mut out = Vec::with_capacity(512 + t.targets.len() * 320);
    put_object(&mut out, members).map_err(|e| not_canonical(role, e))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn writes_every_file_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let items: Vec<u32> = (0..300).collect();
        let out = produce_and_write(
            &items,
            false,
            |i| {
                Ok(Produced {
                    path: dir.path().join(format!("{i}.json")),
                    bytes: i.to_string().into_bytes(),
                    result: *i * 2,
                })
            },
            &|_| {},
        )
        .unwrap();
        assert_eq!(out, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        assert_eq!(std::fs::read(dir.path().join("299.json")).unwrap(), b"299");
    }

    fn sample(delegated: bool) -> Metadata<Targets> {
        let text = format!(
            r#"{{"signed":{{"_type":"targets","spec_version":"1.0.34","version":7,
            "expires":"2030-01-01T00:00:00Z","a-first":[1,{{"z":null,"b":"q\"uote"}}],
            "zz-last":{{"é":"ü"}},"targets":{{
              "a/b\\c.txt":{{"length":18446744073709551615,"hashes":{{"sha512":"{}","sha256":"{}"}},
                "custom":{{"k":[true,false]}},"aaa":"x"}},
              "b":{{"length":0,"hashes":{{"sha256":"{}"}}}}
            }}{}}},"signatures":[]}}"#,
            "b".repeat(128),
            "a".repeat(64),
            "c".repeat(64),
            if delegated {
                r#","delegations":{"keys":{},"roles":[{"name":"r","keyids":[],"threshold":1,
                "terminating":false,"paths":["*"],"x":1}],"y":2}"#
            } else {
                ""
            }
        );
        Metadata::<Targets>::from_bytes(text.as_bytes(), "t")
            .unwrap()
            .metadata
    }

    #[test]
    fn targets_canonical_is_canonical_signed() {
        for delegated in [false, true] {
            let md = sample(delegated);
            assert_eq!(
                String::from_utf8(targets_canonical("t", &md).unwrap()).unwrap(),
                String::from_utf8(md.canonical_signed().unwrap()).unwrap()
            );
        }
        let mut md = sample(false);
        md.signed
            .common
            .unknown
            .insert("delegations".into(), serde_json::json!(1));
        md.signed
            .common
            .unknown
            .insert("version".into(), serde_json::json!("shadowed"));
        assert_eq!(
            targets_canonical("t", &md).unwrap(),
            md.canonical_signed().unwrap()
        );
    }

    /// A number canonical JSON cannot hold is refused at the same path by the typed writer as by
    /// the generic encoder.
    #[test]
    fn a_float_is_refused_where_it_is() {
        let mut md = sample(false);
        let file = md.signed.targets.get_mut("b").unwrap();
        file.unknown
            .insert("custom".into(), serde_json::json!({"x": [1, 2.5]}));
        let typed = targets_canonical("t", &md).unwrap_err();
        let generic = md.canonical_signed().unwrap_err();
        match (typed, generic) {
            (
                TufError::NotCanonical { role, source },
                TufError::NotCanonical { source: other, .. },
            ) => {
                assert_eq!(role, "t");
                assert_eq!(source.path, "/targets/b/custom/x/1");
                assert_eq!(source, other);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn file_bytes_is_the_document_to_bytes_writes() {
        let mut md = sample(true);
        md.signatures.push(Signature {
            keyid: "k".into(),
            sig: "00".into(),
            unknown: Fields::new(),
        });
        md.unknown.insert("a".into(), serde_json::json!({"b": 1}));
        md.unknown.insert("z".into(), serde_json::json!("last"));
        let canonical = md.canonical_signed().unwrap();
        let bytes = file_bytes("t", &md.unknown, &md.signatures, &canonical).unwrap();
        assert_eq!(
            serde_json::from_slice::<Value>(&bytes).unwrap(),
            serde_json::from_slice::<Value>(&md.to_bytes()).unwrap()
        );
        // Compact and sorted: the file is the canonical form of the whole document.
        let whole: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(canonical::encode(&whole).unwrap(), bytes);
    }

    #[test]
    fn control_characters_stay_valid_json() {
        let mut md = sample(true);
        md.signed.common.unknown.insert(
            "note".into(),
            serde_json::json!("-----BEGIN PUBLIC KEY-----\nMFkw\u{1}\t\r\u{8}\u{c}"),
        );
        let canonical = md.canonical_signed().unwrap();
        assert!(canonical.contains(&b'\n'));
        assert_eq!(targets_canonical("t", &md).unwrap(), canonical);
        let bytes = file_bytes("t", &md.unknown, &md.signatures, &canonical).unwrap();
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v, serde_json::from_slice::<Value>(&md.to_bytes()).unwrap());
        let parsed = Metadata::<Targets>::from_bytes(&bytes, "t").unwrap();
        assert_eq!(parsed.canonical_signed, canonical);
    }

    #[test]
    fn the_first_error_is_returned() {
        let dir = tempfile::tempdir().unwrap();
        let items: Vec<u32> = (0..50).collect();
        let err = produce_and_write(
            &items,
            true,
            |i| {
                if *i == 17 {
                    return Err(TufError::Unreachable("boom"));
                }
                Ok(Produced {
                    path: dir.path().join(format!("{i}.json")),
                    bytes: vec![],
                    result: (),
                })
            },
            &|_| {},
        )
        .unwrap_err();
        assert!(matches!(err, TufError::Unreachable("boom")));
    }
}
