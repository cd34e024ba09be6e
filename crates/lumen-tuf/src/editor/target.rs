//! Target paths, target descriptions, and target files on disk.

use crate::error::EditorRefusal;
use crate::metadata::{Fields, Hashes, TargetFile};
use crate::{Result, TufError};
use lumen_crypto::encoding::hex_encode;
use lumen_crypto::fs::{AtomicWrite, AtomicWriteError, Durability, FileMode};
use lumen_crypto::hash::{Hasher as _, Sha256Hasher, Sha512Hasher};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Longest target path accepted.
const MAX_PATH: usize = 4096;

/// Checks that `path` is a usable target path: relative, `/`-separated, with no empty, `.` or
/// `..` segment, no backslash and no control character (it becomes a file name below
/// `targets/` and a URL path on mirrors).
pub fn check_target_path(path: &str) -> Result<()> {
    if path.is_empty() || path.len() > MAX_PATH {
        return Err(EditorRefusal::TargetPathLength {
            path: path.to_owned(),
        }
        .into());
    }
    if path.bytes().any(|b| b < 0x20 || b == 0x7f || b == b'\\') {
        return Err(EditorRefusal::TargetPathCharacter {
            path: path.to_owned(),
        }
        .into());
    }
    if path
        .split('/')
        .any(|seg| seg.is_empty() || seg == "." || seg == "..")
    {
        return Err(EditorRefusal::TargetPathSegment {
            path: path.to_owned(),
        }
        .into());
    }
    Ok(())
}

/// The hex length of a digest of `algorithm`, for the algorithms clients can check.
fn hex_len(algorithm: &str) -> Option<usize> {
    match algorithm {
        "sha224" => Some(56),
        "sha256" => Some(64),
        "sha384" => Some(96),
        "sha512" => Some(128),
        _ => None,
    }
}

/// Checks a target's `hashes`: at least one, each a supported algorithm with a lowercase hex
/// digest of the right length.
pub(crate) fn check_hashes(path: &str, hashes: &Hashes) -> Result<()> {
    if hashes.is_empty() {
        return Err(EditorRefusal::NoTargetHash {
            path: path.to_owned(),
        }
        .into());
    }
    for (alg, hex) in hashes {
        let Some(len) = hex_len(alg) else {
            return Err(EditorRefusal::UncheckableHashAlgorithm {
                path: path.to_owned(),
                algorithm: alg.clone(),
            }
            .into());
        };
        let lower_hex = hex.bytes().fold(true, |acc, b| {
            acc & (b.is_ascii_digit() | (b'a'..=b'f').contains(&b))
        });
        if hex.len() != len || !lower_hex {
            return Err(EditorRefusal::MalformedDigest {
                path: path.to_owned(),
                algorithm: alg.clone(),
            }
            .into());
        }
    }
    Ok(())
}

/// A target description with SHA-256 and SHA-512 from the digests' hex.
pub fn target_file(length: u64, sha256_hex: String, sha512_hex: String) -> TargetFile {
    let mut hashes = Hashes::new();
    hashes.insert("sha256".to_owned(), sha256_hex);
    hashes.insert("sha512".to_owned(), sha512_hex);
    TargetFile {
        length,
        hashes,
        unknown: Fields::new(),
    }
}

/// Length, SHA-256 and SHA-512 of everything `reader` yields; the bytes are also copied to `out`.
pub(crate) fn hash_copy(mut reader: impl Read, mut out: impl Write) -> std::io::Result<TargetFile> {
    let mut s256 = Sha256Hasher::new();
    let mut s512 = Sha512Hasher::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut n = 0u64;
    loop {
        let k = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(k) => k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        s256.update(&buf[..k]);
        s512.update(&buf[..k]);
        out.write_all(&buf[..k])?;
        n += k as u64;
    }
    Ok(target_file(
        n,
        hex_encode(&s256.finalize()),
        hex_encode(&s512.finalize()),
    ))
}

/// Length, SHA-256 and SHA-512 of the file at `path` (for adding a target without copying it).
pub fn hash_target_file(path: &Path) -> Result<TargetFile> {
    let f = lumen_crypto::fs::open_regular_file(path).map_err(|e| TufError::Io {
        path: path.to_path_buf(),
        source: e.into(),
    })?;
    hash_copy(f, std::io::sink()).map_err(|source| TufError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Where target `path` lives below `targets_dir`: `DIR/HASH.BASENAME` for each listed hash with
/// consistent snapshots, else `path` itself.
pub fn target_locations(
    targets_dir: &Path,
    path: &str,
    file: &TargetFile,
    consistent: bool,
) -> Vec<PathBuf> {
    let mut p = targets_dir.to_path_buf();
    let (dir, base) = match path.rsplit_once('/') {
        Some((d, b)) => (Some(d), b),
        None => (None, path),
    };
    if let Some(d) = dir {
        p.extend(d.split('/'));
    }
    if !consistent {
        return vec![p.join(base)];
    }
    file.hashes
        .values()
        .map(|h| p.join(format!("{h}.{base}")))
        .collect()
}

/// Copies `source` below `targets_dir` for target `path`, hashing it on the way: returns its
/// description. The file is made durable before it appears under its final names.
pub(crate) fn store_target(
    targets_dir: &Path,
    path: &str,
    source: &Path,
    consistent: bool,
) -> Result<TargetFile> {
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| TufError::Io { path: p, source }
    };
    let probe = target_locations(
        targets_dir,
        path,
        &target_file(0, String::new(), String::new()),
        false,
    );
    let dir = probe
        .first()
        .and_then(|p| p.parent())
        .unwrap_or(targets_dir)
        .to_path_buf();
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let atomic = |e: AtomicWriteError| {
        let p = e.path().to_path_buf();
        io(&p)(e.into_io_error())
    };
    let stage = AtomicWrite::new(FileMode::Public, Durability::SyncFileOnly);
    let input = lumen_crypto::fs::open_regular_file(source).map_err(|e| io(source)(e.into()))?;
    let mut tmp = stage.stage_in(&dir).map_err(atomic)?;
    let file = hash_copy(input, &mut tmp).map_err(io(source))?;
    tmp.sync_data().map_err(atomic)?;
    let names = target_locations(targets_dir, path, &file, consistent);
    let Some((first, rest)) = names.split_first() else {
        return Err(TufError::Unreachable("a target without a location"));
    };
    tmp.commit(first).map_err(atomic)?;
    for other in rest {
        // Same content under each hash's name: a hard link, or a copy where links fail.
        let _ = std::fs::remove_file(other);
        if std::fs::hard_link(first, other).is_err() {
            let mut t = stage.stage_in(&dir).map_err(atomic)?;
            let mut f =
                lumen_crypto::fs::open_regular_file(first).map_err(|e| io(first)(e.into()))?;
            std::io::copy(&mut f, &mut t).map_err(io(other))?;
            t.commit(other).map_err(atomic)?;
        }
    }
    super::write::sync_dir(&dir)?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn target_paths() {
        for ok in ["a", "a/b.tgz", "pkg/1.0/x y.whl", "é/ü"] {
            assert!(check_target_path(ok).is_ok(), "{ok}");
        }
        let long = "a".repeat(MAX_PATH + 1);
        for (bad, length, character, segment) in [
            ("", true, false, false),
            (long.as_str(), true, false, false),
            ("a\\b", false, true, false),
            ("a\nb", false, true, false),
            ("a\u{7f}b", false, true, false),
            ("/a", false, false, true),
            ("a/", false, false, true),
            ("a//b", false, false, true),
            ("../a", false, false, true),
            ("a/./b", false, false, true),
        ] {
            let err = check_target_path(bad);
            assert_eq!(
                matches!(
                    err,
                    Err(TufError::Refused(EditorRefusal::TargetPathLength { .. }))
                ),
                length,
                "{bad:?}"
            );
            assert_eq!(
                matches!(
                    err,
                    Err(TufError::Refused(EditorRefusal::TargetPathCharacter { .. }))
                ),
                character,
                "{bad:?}"
            );
            assert_eq!(
                matches!(
                    err,
                    Err(TufError::Refused(EditorRefusal::TargetPathSegment { .. }))
                ),
                segment,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn hashes_are_checked() {
        let good = target_file(1, "a".repeat(64), "b".repeat(128));
        assert!(check_hashes("x", &good.hashes).is_ok());
        let mut bad = good.hashes.clone();
        bad.insert("md5".into(), "0".repeat(32));
        assert!(matches!(
            check_hashes("x", &bad),
            Err(TufError::Refused(EditorRefusal::UncheckableHashAlgorithm { algorithm, .. }))
                if algorithm == "md5"
        ));
        let mut upper = good.hashes.clone();
        upper.insert("sha256".into(), "A".repeat(64));
        assert!(matches!(
            check_hashes("x", &upper),
            Err(TufError::Refused(EditorRefusal::MalformedDigest { algorithm, .. }))
                if algorithm == "sha256"
        ));
        let mut short = good.hashes.clone();
        short.insert("sha512".into(), "b".repeat(64));
        assert!(matches!(
            check_hashes("x", &short),
            Err(TufError::Refused(EditorRefusal::MalformedDigest { algorithm, .. }))
                if algorithm == "sha512"
        ));
        assert!(matches!(
            check_hashes("x", &Hashes::new()),
            Err(TufError::Refused(EditorRefusal::NoTargetHash { path })) if path == "x"
        ));
    }

    #[test]
    fn consistent_names() {
        let f = target_file(1, "aa".into(), "bb".into());
        let t = Path::new("/r/targets");
        assert_eq!(
            target_locations(t, "d/e/f.txt", &f, true),
            vec![
                PathBuf::from("/r/targets/d/e/aa.f.txt"),
                PathBuf::from("/r/targets/d/e/bb.f.txt")
            ]
        );
        assert_eq!(
            target_locations(t, "f.txt", &f, false),
            vec![PathBuf::from("/r/targets/f.txt")]
        );
    }
}
