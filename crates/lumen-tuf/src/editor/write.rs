//! Turning signed metadata into files: the file bytes (identical to
//! [`crate::metadata::Metadata::to_bytes`], without re-encoding `signed`), and writing many
//! files at once — serialised and signed on every core, made durable (fsync, then rename) by a
//! small pool of I/O threads, so that nothing appears under its final name before its bytes
//! are on disk.

use crate::canonical;
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

fn not_canonical(role: &str, source: canonical::NotCanonical) -> TufError {
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
    let mut keys: Vec<&str> = unknown
        .keys()
        .map(String::as_str)
        .filter(|k| *k != "signed" && *k != "signatures")
        .chain(["signatures", "signed"])
        .collect();
    keys.sort_unstable();
    let mut out = Vec::with_capacity(canonical_signed.len() + 160 * signatures.len() + 64);
    out.push(b'{');
    for (i, k) in keys.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        canonical::encode_into(&Value::String(k.to_owned()), &mut out)
            .map_err(|e| not_canonical(role, e))?;
        out.push(b':');
        match k {
            "signed" => out.extend_from_slice(canonical_signed),
            "signatures" => {
                let sigs: Vec<Value> = signatures
                    .iter()
                    .map(|s| {
                        let mut o = s.unknown.clone();
                        o.insert("keyid".into(), Value::String(s.keyid.clone()));
                        o.insert("sig".into(), Value::String(s.sig.clone()));
                        Value::Object(o)
                    })
                    .collect();
                canonical::encode_into(&Value::Array(sigs), &mut out)
                    .map_err(|e| not_canonical(role, e))?;
            }
            other => {
                if let Some(v) = unknown.get(other) {
                    canonical::encode_into(v, &mut out).map_err(|e| not_canonical(role, e))?;
                }
            }
        }
    }
    out.push(b'}');
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
                Err(_) => fail(TufError::ApiMisuse("a writer thread panicked")),
            }
        }
    });
    if let Ok(mut slot) = first_error.lock()
        && let Some(e) = slot.take()
    {
        return Err(e);
    }
    if results.len() != items.len() {
        return Err(TufError::ApiMisuse("not every file was written"));
    }
    results.sort_unstable_by_key(|(i, _)| *i);
    Ok(results.into_iter().map(|(_, r)| r).collect())
}

/// Appends `s` as a canonical JSON string (only `\\` and `"` escaped).
fn put_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.push(b'"');
    // Hex digests and most paths need no escape: one branch-free pass decides.
    let needs_escape = bytes
        .iter()
        .fold(false, |acc, &b| acc | (b == b'"') | (b == b'\\'));
    if needs_escape {
        for &b in bytes {
            if b == b'"' || b == b'\\' {
                out.push(b'\\');
            }
            out.push(b);
        }
    } else {
        out.extend_from_slice(bytes);
    }
    out.push(b'"');
}

/// Appends `n` in decimal.
fn put_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

/// Appends a `hashes` object (`Hashes` is sorted, so already in key order).
fn put_hashes(out: &mut Vec<u8>, h: &Hashes) {
    out.push(b'{');
    for (j, (alg, hex)) in h.iter().enumerate() {
        if j > 0 {
            out.push(b',');
        }
        put_str(out, alg);
        out.push(b':');
        put_str(out, hex);
    }
    out.push(b'}');
}

/// One member of an object being written in key order.
enum Member<'a> {
    Value(&'a Value),
    Str(&'a str),
    Number(u64),
    Targets(&'a BTreeMap<String, TargetFile>),
    Hashes(&'a Hashes),
}

fn put_object(role: &str, out: &mut Vec<u8>, mut members: Vec<(&str, Member<'_>)>) -> Result<()> {
    members.sort_unstable_by(|a, b| a.0.cmp(b.0));
    out.push(b'{');
    for (i, (k, m)) in members.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        put_str(out, k);
        out.push(b':');
        match m {
            Member::Value(v) => {
                canonical::encode_into(v, out).map_err(|e| not_canonical(role, e))?
            }
            Member::Str(s) => put_str(out, s),
            Member::Number(n) => put_u64(out, n),
            Member::Hashes(h) => put_hashes(out, h),
            Member::Targets(t) => {
                out.push(b'{');
                for (j, (path, file)) in t.iter().enumerate() {
                    if j > 0 {
                        out.push(b',');
                    }
                    put_str(out, path);
                    out.push(b':');
                    if file.unknown.is_empty() {
                        // The common case, without a per-target allocation.
                        out.extend_from_slice(b"{\"hashes\":");
                        put_hashes(out, &file.hashes);
                        out.extend_from_slice(b",\"length\":");
                        put_u64(out, file.length);
                        out.push(b'}');
                        continue;
                    }
                    let mut fm: Vec<(&str, Member<'_>)> =
                        Vec::with_capacity(2 + file.unknown.len());
                    fm.push(("hashes", Member::Hashes(&file.hashes)));
                    fm.push(("length", Member::Number(file.length)));
                    fm.extend(
                        file.unknown
                            .iter()
                            .filter(|(k, _)| *k != "hashes" && *k != "length")
                            .map(|(k, v)| (k.as_str(), Member::Value(v))),
                    );
                    put_object(role, out, fm)?;
                }
                out.push(b'}');
            }
        }
    }
    out.push(b'}');
    Ok(())
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
    put_object(role, &mut out, members)?;
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
        let mut n = Vec::new();
        for v in [0u64, 9, 10, 1234567890, u64::MAX] {
            n.clear();
            put_u64(&mut n, v);
            assert_eq!(n, v.to_string().as_bytes());
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
                    return Err(TufError::ApiMisuse("boom"));
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
        assert!(matches!(err, TufError::ApiMisuse("boom")));
    }
}
