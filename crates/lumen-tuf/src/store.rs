//! Where trusted metadata is kept between updates. Files are written atomically (temporary file,
//! fsync, rename: [`lumen_crypto::fs::AtomicWrite`]), and what is read back is untrusted input like
//! anything fetched.

use lumen_crypto::fs::{AtomicWrite, Durability, FileMode};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Characters Python's `urllib.parse.quote(s, safe="")` leaves alone: `A-Z a-z 0-9 _ . - ~`.
const QUOTE_SAFE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');

/// Percent-encodes a role name for use as a file name or URL path segment (`a/b` → `a%2Fb`).
pub fn quote_role(name: &str) -> String {
    utf8_percent_encode(name, QUOTE_SAFE).to_string()
}

/// Persistent storage of the client's trusted metadata, by role name.
pub trait MetadataStore {
    /// The stored bytes of `role`, `None` if absent; files longer than `max` count as absent.
    fn load(&self, role: &str, max: u64) -> io::Result<Option<Vec<u8>>>;
    /// Replaces the stored bytes of `role` atomically.
    fn store(&self, role: &str, bytes: &[u8]) -> io::Result<()>;
}

/// Metadata in a directory as `ROLE.json` (role names percent-encoded, no versions).
#[derive(Debug, Clone)]
pub struct DirStore {
    dir: PathBuf,
}

impl DirStore {
    /// Uses `dir` (created if missing).
    pub fn new(dir: impl Into<PathBuf>) -> io::Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(Self { dir })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file holding `role`.
    pub fn path(&self, role: &str) -> PathBuf {
        self.dir.join(format!("{}.json", quote_role(role)))
    }
}

impl MetadataStore for DirStore {
    fn load(&self, role: &str, max: u64) -> io::Result<Option<Vec<u8>>> {
        let f = match lumen_crypto::fs::open_regular_file(&self.path(role)).map_err(io::Error::from)
        {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut out = Vec::new();
        f.take(max.saturating_add(1)).read_to_end(&mut out)?;
        if out.len() as u64 > max {
            return Ok(None);
        }
        Ok(Some(out))
    }

    /// Root, the trust anchor, is written durably (fsync before rename): without it the client
    /// cannot start. Other roles are only atomically replaced: every stored file is verified
    /// again when read, so one torn by a crash is refetched, never trusted.
    fn store(&self, role: &str, bytes: &[u8]) -> io::Result<()> {
        if role == "root" {
            write_atomic(&self.path(role), bytes)
        } else {
            replace_atomic(&self.path(role), bytes)
        }
    }
}

/// Writes `bytes` to `path` via a temporary file in the same directory, fsync, rename and an fsync
/// of the directory: readers see the old or the new content, and the new content survives a crash.
/// The file is private (0600).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    Ok(AtomicWrite::new(FileMode::Private, Durability::SyncFileAndDir).write(path, bytes)?)
}

/// Like [`write_atomic`], for a file that is meant to be published (repository metadata and
/// targets): created with mode 0644 less the umask, as an ordinary new file is.
pub fn write_atomic_public(path: &Path, bytes: &[u8]) -> io::Result<()> {
    Ok(AtomicWrite::new(FileMode::Public, Durability::SyncFileAndDir).write(path, bytes)?)
}

/// Like [`write_atomic`] without the fsync: readers see the old or the new content, but a crash
/// may leave a damaged file (for data that is verified whenever it is read).
pub fn replace_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    Ok(AtomicWrite::new(FileMode::Private, Durability::RenameOnly).write(path, bytes)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_matches_python() {
        assert_eq!(quote_role("targets"), "targets");
        assert_eq!(quote_role("a/b c"), "a%2Fb%20c");
        assert_eq!(quote_role("../x"), "..%2Fx");
        assert_eq!(quote_role("bins-0a_~."), "bins-0a_~.");
        assert_eq!(quote_role("é"), "%C3%A9");
    }
}
