//! Where a tiled log keeps its resources: two small synchronous traits, [`TileReader`] for
//! reading them and [`TileWriter`] for also writing them, with a filesystem and an in-memory
//! backend. [`crate::remote::HttpTiles`], a log read over HTTP, is a [`TileReader`] only.
//!
//! Resources are addressed by their tlog-tiles path (`checkpoint`, `tile/0/000.p/5`, …). Every
//! write is atomic and durable: the bytes go to a temporary file in the target directory, are
//! flushed to disk, and are renamed over the target, and the directory is flushed; a reader sees
//! either the old resource or the new one, never a torn one, also after a crash.
//!
//! Reads open only regular files, without blocking, and read at most the largest size the resource
//! can have (as [`crate::remote::HttpTiles`] does over HTTP): a FIFO, device, socket or directory
//! placed where a resource belongs is an error, not a hang or an endless read
//! ([`lumen_crypto::fs`]). The [`io::Error`] then wraps a [`lumen_crypto::fs::FileError`].

use lumen_crypto::fs::{AtomicWrite, Durability, FileError, FileMode, read_regular_file, sync_dir};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

/// Read access to a tiled log's resources: what verifying, proving and monitoring need.
pub trait TileReader {
    /// The bytes at `path`, or `None` if there is no such resource.
    fn read(&self, path: &str) -> io::Result<Option<Vec<u8>>>;
}

/// Storage a tiled log is written to: reads, and atomic, durable writes.
pub trait TileWriter: TileReader {
    /// Replaces the resource at `path` with `bytes`, atomically and durably.
    fn write(&self, path: &str, bytes: &[u8]) -> io::Result<()>;

    /// Writes every `(path, bytes)` pair; when this returns `Ok`, all of them are durable. Each
    /// resource is replaced atomically, but not the group: after a crash any subset may have
    /// been replaced. The default writes one after another.
    fn write_all(&self, items: &[(String, Vec<u8>)]) -> io::Result<()> {
        items
            .iter()
            .try_for_each(|(path, bytes)| self.write(path, bytes))
    }
}

/// How many files [`FsStorage::write_all`] flushes at once.
const PARALLEL_SYNCS: usize = 16;

/// How [`FsStorage`] writes a file with `durability`: owner-only (0600), through a `.tmp-…` file in
/// the target's directory renamed over the target.
const fn atomic(durability: Durability) -> AtomicWrite {
    AtomicWrite::new(FileMode::Private, durability).temp_prefix(".tmp-")
}

/// A [`TileWriter`] on a local directory, laid out exactly as the resources are served.
#[derive(Debug, Clone)]
pub struct FsStorage {
    root: PathBuf,
}

impl FsStorage {
    /// Storage rooted at `root` (created if missing).
    pub fn new(root: impl Into<PathBuf>) -> io::Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(&root)?;
        Ok(Self { root })
    }

    /// The directory the resources live in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file for `path`, refusing anything but plain relative components.
    pub fn file_path(&self, path: &str) -> io::Result<PathBuf> {
        let rel = Path::new(path);
        let plain = !path.is_empty()
            && rel.components().all(
                |c| matches!(c, Component::Normal(s) if !s.to_string_lossy().starts_with('.')),
            );
        if !plain {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("unsafe resource path {path:?}"),
            ));
        }
        Ok(self.root.join(rel))
    }
}

impl TileReader for FsStorage {
    /// Reads the regular file for `path`, at most the largest size that resource can have; a
    /// missing file is `None`, anything but a regular file an error.
    fn read(&self, path: &str) -> io::Result<Option<Vec<u8>>> {
        let file = self.file_path(path)?;
        match read_regular_file(&file, crate::remote::size_cap(path) as u64) {
            Ok(b) => Ok(Some(b)),
            Err(FileError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

impl TileWriter for FsStorage {
    /// Writes all files to temporary files, flushes them in parallel, renames them into place,
    /// then flushes each directory once: far fewer serial disk flushes than one `write` each.
    fn write_all(&self, items: &[(String, Vec<u8>)]) -> io::Result<()> {
        let stage = atomic(Durability::SyncFileOnly);
        let mut staged = Vec::with_capacity(items.len());
        for (path, bytes) in items {
            let target = self.file_path(path)?;
            let dir = target.parent().unwrap_or(&self.root).to_path_buf();
            std::fs::create_dir_all(&dir)?;
            let mut tmp = stage.stage_in(&dir)?;
            tmp.write_all(bytes)?;
            staged.push((tmp, target, dir));
        }
        let chunk = staged.len().div_ceil(PARALLEL_SYNCS).max(1);
        std::thread::scope(|scope| {
            let syncs: Vec<_> = staged
                .chunks_mut(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter_mut()
                            .try_for_each(|(tmp, _, _)| tmp.sync_data().map_err(io::Error::from))
                    })
                })
                .collect();
            syncs.into_iter().try_for_each(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(io::Error::other("a flush thread panicked")))
            })
        })?;
        let mut dirs: Vec<PathBuf> = Vec::new();
        for (tmp, target, dir) in staged {
            tmp.commit(&target)?;
            if !dirs.contains(&dir) {
                dirs.push(dir);
            }
        }
        dirs.iter()
            .try_for_each(|d| sync_dir(d).map_err(io::Error::from))
    }

    fn write(&self, path: &str, bytes: &[u8]) -> io::Result<()> {
        let target = self.file_path(path)?;
        let dir = target.parent().unwrap_or(&self.root).to_path_buf();
        std::fs::create_dir_all(&dir)?;
        atomic(Durability::SyncFileAndDir).write(&target, bytes)?;
        Ok(())
    }
}

/// A [`TileWriter`] in memory: for tests, tools and logs that need no durability.
#[derive(Debug, Clone, Default)]
pub struct MemStorage {
    files: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, Vec<u8>>>>,
}

impl MemStorage {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Deletes the resource at `path`, returning it if it existed.
    pub fn remove(&self, path: &str) -> Option<Vec<u8>> {
        self.files().remove(path)
    }

    fn files(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, Vec<u8>>> {
        // A map insert or lookup cannot leave the map half-updated, so a poisoned lock is usable.
        self.files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl TileReader for MemStorage {
    fn read(&self, path: &str) -> io::Result<Option<Vec<u8>>> {
        Ok(self.files().get(path).cloned())
    }
}

impl TileWriter for MemStorage {
    fn write(&self, path: &str, bytes: &[u8]) -> io::Result<()> {
        self.files().insert(path.to_owned(), bytes.to_vec());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_then_read_and_refuse_escapes() {
        let dir = tempfile::tempdir().unwrap();
        let s = FsStorage::new(dir.path()).unwrap();
        assert_eq!(s.read("tile/0/000.p/1").unwrap(), None);
        s.write("tile/0/000.p/1", b"abc").unwrap();
        s.write("tile/0/000.p/1", b"abcd").unwrap();
        assert_eq!(s.read("tile/0/000.p/1").unwrap().unwrap(), b"abcd");
        for bad in [
            "",
            "../x",
            "/etc/passwd",
            "tile/../../x",
            "tile/.tmp-x",
            "./checkpoint",
        ] {
            assert!(s.write(bad, b"x").is_err(), "{bad:?}");
            assert!(s.read(bad).is_err(), "{bad:?}");
        }
        // A batch lands whole; a batch with an unsafe path writes nothing at all.
        let batch = vec![
            ("tile/0/000".to_owned(), vec![1u8; 8192]),
            ("tile/entries/000".to_owned(), b"e".to_vec()),
            ("tile/1/000.p/1".to_owned(), vec![2u8; 32]),
        ];
        s.write_all(&batch).unwrap();
        for (p, b) in &batch {
            assert_eq!(&s.read(p).unwrap().unwrap(), b);
        }
        let bad = vec![
            ("tile/2/000.p/1".to_owned(), vec![3u8; 32]),
            ("../escape".to_owned(), vec![]),
        ];
        assert!(s.write_all(&bad).is_err());
        assert_eq!(s.read("tile/2/000.p/1").unwrap(), None);
        // No temporary files are left behind.
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("tile/0/000.p"))
            .unwrap()
            .collect();
        assert_eq!(leftovers.len(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn files_are_owner_only_and_no_temporary_file_remains() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let s = FsStorage::new(dir.path()).unwrap();
        s.write("checkpoint", b"c").unwrap();
        s.write_all(&[
            ("tile/0/000.p/1".to_owned(), vec![1u8; 32]),
            ("tile/entries/000.p/1".to_owned(), b"\x00\x01e".to_vec()),
        ])
        .unwrap();
        for path in ["checkpoint", "tile/0/000.p/1", "tile/entries/000.p/1"] {
            let mode = std::fs::metadata(dir.path().join(path))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{path}");
        }
        for d in ["", "tile/0", "tile/entries"] {
            let names: Vec<_> = std::fs::read_dir(dir.path().join(d))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with('.'))
                .collect();
            assert!(names.is_empty(), "{d}: {names:?}");
        }
    }

    /// The `FileError` inside a read error.
    fn file_error(e: &io::Error) -> Option<&FileError> {
        e.get_ref().and_then(|e| e.downcast_ref::<FileError>())
    }

    #[test]
    fn oversize_resource_is_refused_at_its_cap() {
        let dir = tempfile::tempdir().unwrap();
        let s = FsStorage::new(dir.path()).unwrap();
        s.write("tile/0/000", &[1u8; 8192]).unwrap();
        assert_eq!(s.read("tile/0/000").unwrap().unwrap().len(), 8192);
        s.write("tile/0/000", &[1u8; 8193]).unwrap();
        let err = s.read("tile/0/000").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
        assert!(matches!(
            file_error(&err),
            Some(FileError::TooLarge { max_len: 8192, .. })
        ));
        s.write("checkpoint", &vec![b'x'; crate::note::MAX_NOTE_SIZE + 1])
            .unwrap();
        assert!(matches!(
            file_error(&s.read("checkpoint").unwrap_err()),
            Some(FileError::TooLarge { .. })
        ));
    }

    #[test]
    fn non_regular_file_resource_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let s = FsStorage::new(dir.path()).unwrap();
        std::fs::create_dir_all(dir.path().join("tile/0/000.p")).unwrap();
        let err = s.read("tile/0/000.p").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::IsADirectory);
        assert!(matches!(
            file_error(&err),
            Some(FileError::NotARegularFile {
                kind: lumen_crypto::fs::FileKind::Directory,
                ..
            })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn non_regular_file_fifo_checkpoint_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let s = FsStorage::new(dir.path()).unwrap();
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            dir.path().join("checkpoint"),
            rustix::fs::Mode::from_raw_mode(0o600),
        )
        .unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(s.read("checkpoint").map_err(|e| {
                file_error(&e).map(|f| {
                    matches!(
                        f,
                        FileError::NotARegularFile {
                            kind: lumen_crypto::fs::FileKind::Fifo,
                            ..
                        }
                    )
                })
            }));
        });
        let got = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("reading a FIFO checkpoint blocked");
        assert_eq!(got, Err(Some(true)));
    }
}
