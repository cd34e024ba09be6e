//! Replacing a file atomically: the bytes go to a temporary file in the target's directory, which
//! is then renamed over the target, so a reader sees the old content or the new, never a mix.
//!
//! [`AtomicWrite`] says how: who may read the file ([`FileMode`]), what must reach the disk before
//! the call returns ([`Durability`]) and whether an existing file is replaced ([`Existing`]).
//! [`AtomicWrite::write`] writes a byte slice in one call; [`AtomicWrite::stage_in`] hands out a
//! [`StagedFile`] to stream into (a download, a copy being hashed) and rename once it is complete
//! and checked. A staged file that is dropped without [`StagedFile::commit`] is deleted.
//!
//! ```
//! use lumen_crypto::fs::{AtomicWrite, Durability, FileMode};
//! use std::io::Write;
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("root.json");
//! AtomicWrite::new(FileMode::Private, Durability::SyncFileAndDir).write(&path, b"{}")?;
//!
//! let mut staged = AtomicWrite::new(FileMode::Public, Durability::RenameOnly).stage_in(dir.path())?;
//! staged.write_all(b"{\"v\":2}")?;
//! staged.commit(&path)?;
//! assert_eq!(std::fs::read(&path)?, b"{\"v\":2}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Who may read a file written by [`AtomicWrite`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileMode {
    /// Mode 0600, set on the open temporary file before anything is written (the umask cannot
    /// change it): only the owner reads or writes the file.
    Private,
    /// Mode 0644 less the umask, as an ordinary new file gets: for files meant to be published.
    Public,
}

/// What reaches the disk before a write returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Nothing is flushed: readers see the old or the new content, but after a crash the file may
    /// be damaged or missing. For data that is verified whenever it is read.
    RenameOnly,
    /// The file's data is flushed before the rename, and its directory after it: the new content
    /// survives a crash.
    SyncFileAndDir,
    /// The file's data is flushed before the rename; the directory is not. For callers that rename
    /// several files into one directory and then flush it once with [`sync_dir`].
    SyncFileOnly,
}

/// What happens when the target already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// It is replaced.
    Replace,
    /// The write fails with [`AtomicWriteError::AlreadyExists`] and the file is left as it is (the
    /// rename itself refuses to replace a file created in the meantime).
    Refuse,
}

/// Why an atomic write failed. Each variant names the step and the path it concerned; the target
/// is never left half-written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AtomicWriteError {
    /// The target exists and [`Existing::Refuse`] was asked for.
    #[error("{path} already exists")]
    AlreadyExists {
        /// The target.
        path: PathBuf,
    },
    /// The temporary file could not be created in the target's directory.
    #[error("cannot create a temporary file in {dir}: {source}")]
    CreateTemp {
        /// The directory.
        dir: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The temporary file's mode could not be set.
    #[error("cannot set the mode of {temp}: {source}")]
    SetPermissions {
        /// The temporary file.
        temp: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// Writing the bytes to the temporary file failed.
    #[error("cannot write {temp}: {source}")]
    Write {
        /// The temporary file.
        temp: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// Flushing the temporary file's data to disk failed.
    #[error("cannot flush {temp} to disk: {source}")]
    SyncFile {
        /// The temporary file.
        temp: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// Renaming the temporary file over the target failed (the temporary file is removed).
    #[error("cannot rename {temp} to {path}: {source}")]
    Rename {
        /// The temporary file.
        temp: PathBuf,
        /// The target.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// Flushing the directory (the rename) to disk failed; the target already holds the new
    /// content.
    #[error("cannot flush the directory {dir} to disk: {source}")]
    SyncDir {
        /// The directory.
        dir: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
}

impl AtomicWriteError {
    /// The path the failed step concerned: the target, the temporary file or the directory.
    pub fn path(&self) -> &Path {
        match self {
            AtomicWriteError::AlreadyExists { path } | AtomicWriteError::Rename { path, .. } => {
                path
            }
            AtomicWriteError::CreateTemp { dir, .. } | AtomicWriteError::SyncDir { dir, .. } => dir,
            AtomicWriteError::SetPermissions { temp, .. }
            | AtomicWriteError::Write { temp, .. }
            | AtomicWriteError::SyncFile { temp, .. } => temp,
        }
    }

    /// The operating-system error as the failed call returned it, without the path; for callers
    /// whose own errors name the path. [`AtomicWriteError::AlreadyExists`], which no call
    /// returned, becomes an [`io::ErrorKind::AlreadyExists`] error wrapping `self`.
    pub fn into_io_error(self) -> io::Error {
        match self {
            AtomicWriteError::AlreadyExists { .. } => {
                io::Error::new(io::ErrorKind::AlreadyExists, self)
            }
            AtomicWriteError::CreateTemp { source, .. }
            | AtomicWriteError::SetPermissions { source, .. }
            | AtomicWriteError::Write { source, .. }
            | AtomicWriteError::SyncFile { source, .. }
            | AtomicWriteError::Rename { source, .. }
            | AtomicWriteError::SyncDir { source, .. } => source,
        }
    }
}

impl From<AtomicWriteError> for io::Error {
    /// [`AtomicWriteError::into_io_error`].
    fn from(err: AtomicWriteError) -> Self {
        err.into_io_error()
    }
}

/// How to replace a file: mode, durability, what to do with an existing file and the prefix of
/// the temporary file's name. See the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AtomicWrite {
    mode: FileMode,
    durability: Durability,
    existing: Existing,
    temp_prefix: &'static str,
}

/// The directory holding `path` (`.` for a bare file name).
fn parent_dir(path: &Path) -> &Path {
    // `Path::new("x.json").parent()` is `Some("")`: the current directory.
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

impl AtomicWrite {
    /// Writes with `mode` and `durability`, replacing an existing file, through a temporary file
    /// named `.tmp…`.
    pub const fn new(mode: FileMode, durability: Durability) -> Self {
        Self {
            mode,
            durability,
            existing: Existing::Replace,
            temp_prefix: ".tmp",
        }
    }

    /// The same, with `existing` deciding what happens to a file already at the target.
    pub const fn existing(self, existing: Existing) -> Self {
        Self { existing, ..self }
    }

    /// The same, with temporary files named `{prefix}…` (what a crash may leave behind).
    pub const fn temp_prefix(self, prefix: &'static str) -> Self {
        Self {
            temp_prefix: prefix,
            ..self
        }
    }

    /// Replaces `path` with `bytes` as configured: a temporary file in `path`'s directory, written,
    /// flushed and renamed as [`Durability`] says.
    pub fn write(&self, path: &Path, bytes: &[u8]) -> Result<(), AtomicWriteError> {
        if self.existing == Existing::Refuse && path.exists() {
            return Err(AtomicWriteError::AlreadyExists { path: path.into() });
        }
        let mut staged = self.stage_in(parent_dir(path))?;
        staged
            .file
            .write_all(bytes)
            .map_err(|source| AtomicWriteError::Write {
                temp: staged.path().into(),
                source,
            })?;
        staged.commit(path)
    }

    /// A temporary file in `dir` to write into and then [`StagedFile::commit`] to a name in `dir`.
    pub fn stage_in(&self, dir: &Path) -> Result<StagedFile, AtomicWriteError> {
        let mut builder = tempfile::Builder::new();
        builder.prefix(self.temp_prefix);
        #[cfg(unix)]
        if self.mode == FileMode::Public {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o644));
        }
        let file = builder
            .tempfile_in(dir)
            .map_err(|source| AtomicWriteError::CreateTemp {
                dir: dir.into(),
                source,
            })?;
        #[cfg(unix)]
        if self.mode == FileMode::Private {
            use std::os::unix::fs::PermissionsExt;
            file.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(|source| AtomicWriteError::SetPermissions {
                    temp: file.path().into(),
                    source,
                })?;
        }
        Ok(StagedFile {
            file,
            options: *self,
            synced: false,
        })
    }
}

/// A temporary file from [`AtomicWrite::stage_in`]: write to it ([`Write`]), then
/// [`StagedFile::commit`] it to its final name. Dropped uncommitted, it is deleted.
#[derive(Debug)]
pub struct StagedFile {
    file: tempfile::NamedTempFile,
    options: AtomicWrite,
    synced: bool,
}

impl StagedFile {
    /// The temporary file's path.
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// The open temporary file.
    pub fn as_file(&self) -> &File {
        self.file.as_file()
    }

    /// Flushes the data written so far to disk now (for callers that flush many files in
    /// parallel before committing them); [`StagedFile::commit`] then does not flush it again.
    pub fn sync_data(&mut self) -> Result<(), AtomicWriteError> {
        self.file
            .as_file()
            .sync_all()
            .map_err(|source| AtomicWriteError::SyncFile {
                temp: self.file.path().into(),
                source,
            })?;
        self.synced = true;
        Ok(())
    }

    /// Renames the file to `path` (which should be in the directory it was staged in), flushing
    /// the data before and `path`'s directory after as [`Durability`] says. With
    /// [`Existing::Refuse`] an existing `path` is left alone and the temporary file deleted.
    pub fn commit(mut self, path: &Path) -> Result<(), AtomicWriteError> {
        let durability = self.options.durability;
        if durability != Durability::RenameOnly && !self.synced {
            self.sync_data()?;
        }
        let refuse = self.options.existing == Existing::Refuse;
        let temp = self.file.path().to_path_buf();
        let persisted = if refuse {
            self.file.persist_noclobber(path)
        } else {
            self.file.persist(path)
        };
        persisted.map_err(|e| {
            if refuse && e.error.kind() == io::ErrorKind::AlreadyExists {
                AtomicWriteError::AlreadyExists { path: path.into() }
            } else {
                AtomicWriteError::Rename {
                    temp,
                    path: path.into(),
                    source: e.error,
                }
            }
        })?;
        if durability == Durability::SyncFileAndDir {
            sync_dir(parent_dir(path))?;
        }
        Ok(())
    }
}

impl Write for StagedFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.file.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Flushes `dir` to disk, so that renames into it survive a crash. Elsewhere than on Unix, where a
/// directory cannot be opened as a file, this does nothing.
pub fn sync_dir(dir: &Path) -> Result<(), AtomicWriteError> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| AtomicWriteError::SyncDir {
            dir: dir.into(),
            source,
        })?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn temp_files(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".tmp") || n.starts_with(".key-"))
            .collect()
    }

    #[test]
    fn replaces_or_refuses_an_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        for durability in [
            Durability::RenameOnly,
            Durability::SyncFileAndDir,
            Durability::SyncFileOnly,
        ] {
            let w = AtomicWrite::new(FileMode::Private, durability);
            w.write(&path, b"one").unwrap();
            w.write(&path, b"two").unwrap();
            assert_eq!(std::fs::read(&path).unwrap(), b"two");
            let refuse = w.existing(Existing::Refuse);
            assert!(matches!(
                refuse.write(&path, b"three"),
                Err(AtomicWriteError::AlreadyExists { path: p }) if p == path
            ));
            assert_eq!(std::fs::read(&path).unwrap(), b"two");
            std::fs::remove_file(&path).unwrap();
            refuse.write(&path, b"four").unwrap();
            assert_eq!(std::fs::read(&path).unwrap(), b"four");
            std::fs::remove_file(&path).unwrap();
        }
        assert!(temp_files(dir.path()).is_empty());
    }

    #[test]
    fn a_file_created_after_staging_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let w = AtomicWrite::new(FileMode::Private, Durability::SyncFileAndDir)
            .existing(Existing::Refuse)
            .temp_prefix(".key-");
        let mut staged = w.stage_in(dir.path()).unwrap();
        assert!(
            staged
                .path()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".key-")
        );
        staged.write_all(b"new").unwrap();
        std::fs::write(&path, b"old").unwrap();
        assert!(matches!(
            staged.commit(&path),
            Err(AtomicWriteError::AlreadyExists { .. })
        ));
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert!(temp_files(dir.path()).is_empty());
    }

    #[test]
    fn a_dropped_staged_file_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut staged = AtomicWrite::new(FileMode::Public, Durability::SyncFileOnly)
            .stage_in(dir.path())
            .unwrap();
        staged.write_all(b"partial").unwrap();
        staged.sync_data().unwrap();
        drop(staged);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn missing_directory_is_create_temp() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no/such");
        let err = AtomicWrite::new(FileMode::Private, Durability::RenameOnly)
            .write(&missing.join("f"), b"x")
            .unwrap_err();
        assert!(matches!(&err, AtomicWriteError::CreateTemp { dir, .. } if *dir == missing));
        assert_eq!(err.path(), missing);
        assert_eq!(err.into_io_error().kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn a_bare_file_name_is_written_in_the_current_directory() {
        assert_eq!(parent_dir(Path::new("x.json")), Path::new("."));
        assert_eq!(parent_dir(Path::new("a/x.json")), Path::new("a"));
    }

    #[cfg(unix)]
    #[test]
    fn modes() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let private = dir.path().join("private");
        AtomicWrite::new(FileMode::Private, Durability::RenameOnly)
            .write(&private, b"x")
            .unwrap();
        assert_eq!(mode(&private), 0o600);
        let public = dir.path().join("public");
        AtomicWrite::new(FileMode::Public, Durability::RenameOnly)
            .write(&public, b"x")
            .unwrap();
        // 0644 less the umask: never more than 0644, and the owner can always read and write.
        assert_eq!(mode(&public) & !0o644, 0);
        assert_eq!(mode(&public) & 0o600, 0o600);
    }
}
