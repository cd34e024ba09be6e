//! Opening files that a user or a repository names: regular files only, never blocking, and read
//! with a size cap; and replacing files atomically ([`AtomicWrite`], see [`atomic`]).
//!
//! A path from a command line or a repository can name something that is not a file. `open(2)` on
//! a FIFO blocks until a writer appears (forever, if none does); reading `/dev/zero` never ends;
//! opening a terminal can make it the process's controlling terminal; a directory opens but fails
//! on read. Every function here therefore:
//!
//! 1. stats the path (following symbolic links) and refuses anything but a regular file *before*
//!    opening it, so a device or FIFO is never opened in the ordinary case;
//! 2. opens with `O_NONBLOCK | O_NOCTTY` (and `O_CLOEXEC`, which the standard library always sets),
//!    so a FIFO or device swapped in after step 1 can neither block the `open` nor become the
//!    controlling terminal;
//! 3. stats the *opened handle* (`fstat`) and refuses anything but a regular file: this is the
//!    check that decides, as it is about the object actually opened;
//! 4. clears `O_NONBLOCK` again (it means nothing for a regular file, so the handle behaves exactly
//!    like one from [`std::fs::File::open`]);
//! 5. when reading, reads at most `max_len + 1` bytes and refuses the file if that many arrive, so a
//!    file that grows while being read cannot exhaust memory either.
//!
//! Refusals are [`FileError::NotARegularFile`] (naming the [`FileKind`] found) and
//! [`FileError::TooLarge`]. On other platforms steps 2 and 4 do not apply; steps 1, 3 and 5 do.
//!
//! ```
//! use lumen_crypto::fs::{FileError, FileKind, read_regular_file};
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("statement.json");
//! std::fs::write(&path, b"{}")?;
//! assert_eq!(read_regular_file(&path, 1024)?, b"{}");
//! assert!(matches!(read_regular_file(&path, 1), Err(FileError::TooLarge { max_len: 1, .. })));
//! assert!(matches!(
//!     read_regular_file(dir.path(), 1024),
//!     Err(FileError::NotARegularFile { kind: FileKind::Directory, .. })
//! ));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod atomic;

pub use atomic::{
    AtomicWrite, AtomicWriteError, Durability, Existing, FileMode, StagedFile, sync_dir,
};

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// What a path names when it is not a regular file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileKind {
    /// A directory.
    Directory,
    /// A FIFO (named pipe): opening it blocks until the other end is opened.
    Fifo,
    /// A character device (`/dev/null`, `/dev/zero`, a terminal, …).
    CharDevice,
    /// A block device (a disk).
    BlockDevice,
    /// A Unix-domain socket.
    Socket,
    /// Anything else that is not a regular file.
    Other,
}

impl FileKind {
    /// The kind of a non-regular file, or `None` for a regular file.
    pub fn of(metadata: &Metadata) -> Option<FileKind> {
        let t = metadata.file_type();
        if t.is_file() {
            return None;
        }
        if t.is_dir() {
            return Some(FileKind::Directory);
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if t.is_fifo() {
                return Some(FileKind::Fifo);
            }
            if t.is_char_device() {
                return Some(FileKind::CharDevice);
            }
            if t.is_block_device() {
                return Some(FileKind::BlockDevice);
            }
            if t.is_socket() {
                return Some(FileKind::Socket);
            }
        }
        Some(FileKind::Other)
    }

    /// A short English description, as used in error messages (`a FIFO (named pipe)`).
    pub fn describe(self) -> &'static str {
        match self {
            FileKind::Directory => "a directory",
            FileKind::Fifo => "a FIFO (named pipe)",
            FileKind::CharDevice => "a character device",
            FileKind::BlockDevice => "a block device",
            FileKind::Socket => "a socket",
            FileKind::Other => "a special file",
        }
    }
}

impl std::fmt::Display for FileKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe())
    }
}

/// Why a file named by a user or a repository could not be opened or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// Nothing exists at the path (or a symbolic link on the way dangles).
    #[error("{path} does not exist")]
    NotFound {
        /// The path as given.
        path: PathBuf,
    },
    /// The path names a directory, FIFO, device or socket: only regular files are read.
    #[error("{path} is {kind}, not a regular file")]
    NotARegularFile {
        /// The path as given.
        path: PathBuf,
        /// What it names.
        kind: FileKind,
    },
    /// The file holds more than the caller's limit; reading stopped at the limit.
    #[error("{path} is larger than {max_len} bytes")]
    TooLarge {
        /// The path as given.
        path: PathBuf,
        /// The limit.
        max_len: u64,
    },
    /// Any other operating-system error (permission denied, I/O error, …).
    #[error("{path}: {source}")]
    Io {
        /// The path as given.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
}

impl FileError {
    /// The path the error is about.
    pub fn path(&self) -> &Path {
        match self {
            FileError::NotFound { path }
            | FileError::NotARegularFile { path, .. }
            | FileError::TooLarge { path, .. }
            | FileError::Io { path, .. } => path,
        }
    }

    /// The [`io::ErrorKind`] that best describes the error (for callers whose API speaks
    /// [`io::Error`]).
    pub fn io_kind(&self) -> io::ErrorKind {
        match self {
            FileError::NotFound { .. } => io::ErrorKind::NotFound,
            FileError::NotARegularFile {
                kind: FileKind::Directory,
                ..
            } => io::ErrorKind::IsADirectory,
            FileError::NotARegularFile { .. } => io::ErrorKind::InvalidInput,
            FileError::TooLarge { .. } => io::ErrorKind::FileTooLarge,
            FileError::Io { source, .. } => source.kind(),
        }
    }
}

impl From<FileError> for io::Error {
    /// Wraps the error, keeping its [`FileError::io_kind`]; `get_ref` / `into_inner` give it back.
    fn from(err: FileError) -> Self {
        io::Error::new(err.io_kind(), err)
    }
}

fn os_error(path: &Path, source: io::Error) -> FileError {
    if source.kind() == io::ErrorKind::NotFound {
        FileError::NotFound { path: path.into() }
    } else {
        FileError::Io {
            path: path.into(),
            source,
        }
    }
}

fn refuse_unless_regular(path: &Path, metadata: &Metadata) -> Result<(), FileError> {
    match FileKind::of(metadata) {
        None => Ok(()),
        Some(kind) => Err(FileError::NotARegularFile {
            path: path.into(),
            kind,
        }),
    }
}

/// Opens `path` with `options` as described in the module docs (steps 1–4). `creates` says whether
/// a missing file is created rather than an error.
fn open_checked(path: &Path, options: &mut OpenOptions, creates: bool) -> Result<File, FileError> {
    match std::fs::metadata(path) {
        Ok(metadata) => refuse_unless_regular(path, &metadata)?,
        Err(e) if creates && e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(os_error(path, e)),
    }
    #[cfg(unix)]
    {
        use rustix::fs::OFlags;
        use std::os::unix::fs::OpenOptionsExt;
        // The flag values are small positive constants; the cast cannot change them.
        options.custom_flags((OFlags::NONBLOCK | OFlags::NOCTTY).bits() as i32);
    }
    let file = options.open(path).map_err(|e| os_error(path, e))?;
    let metadata = file.metadata().map_err(|e| os_error(path, e))?;
    refuse_unless_regular(path, &metadata)?;
    #[cfg(unix)]
    {
        use rustix::fs::{OFlags, fcntl_getfl, fcntl_setfl};
        let flags = fcntl_getfl(&file).map_err(|e| os_error(path, e.into()))?;
        fcntl_setfl(&file, flags.difference(OFlags::NONBLOCK))
            .map_err(|e| os_error(path, e.into()))?;
    }
    Ok(file)
}

/// Opens the regular file at `path` for reading, without blocking; anything else is refused with
/// [`FileError::NotARegularFile`].
pub fn open_regular_file(path: &Path) -> Result<File, FileError> {
    open_checked(path, OpenOptions::new().read(true), false)
}

/// Creates or truncates the regular file at `path` for writing (like [`std::fs::File::create`]),
/// without blocking; an existing FIFO, device, socket or directory is refused and left untouched.
pub fn create_regular_file(path: &Path) -> Result<File, FileError> {
    open_checked(
        path,
        OpenOptions::new().write(true).create(true).truncate(true),
        true,
    )
}

/// Opens the regular file at `path` for appending, creating it if missing, without blocking; an
/// existing FIFO, device, socket or directory is refused.
pub fn append_regular_file(path: &Path) -> Result<File, FileError> {
    open_checked(path, OpenOptions::new().append(true).create(true), true)
}

/// Reads all of `reader` into `buf` (appending), refusing more than `max_len` bytes with
/// [`FileError::TooLarge`]; `path` is only used in errors.
pub fn read_capped(
    reader: impl Read,
    path: &Path,
    max_len: u64,
    buf: &mut Vec<u8>,
) -> Result<(), FileError> {
    let start = buf.len();
    reader
        .take(max_len.saturating_add(1))
        .read_to_end(buf)
        .map_err(|e| os_error(path, e))?;
    if (buf.len() - start) as u64 > max_len {
        buf.truncate(start);
        return Err(FileError::TooLarge {
            path: path.into(),
            max_len,
        });
    }
    Ok(())
}

/// Reads the regular file at `path`, at most `max_len` bytes: [`open_regular_file`], then
/// [`read_capped`]. The buffer is sized from the file's length up front, so a file that fits is
/// read without reallocating.
pub fn read_regular_file(path: &Path, max_len: u64) -> Result<Vec<u8>, FileError> {
    let file = open_regular_file(path)?;
    let mut buf = Vec::new();
    read_open_file(file, path, max_len, &mut buf)?;
    Ok(buf)
}

/// [`read_capped`] on a file from [`open_regular_file`], reserving its length first (at most
/// `max_len`) so that reading it does not reallocate: no stray copies of secret bytes are left in
/// freed memory when `buf` is a zeroizing buffer.
pub fn read_open_file(
    file: File,
    path: &Path,
    max_len: u64,
    buf: &mut Vec<u8>,
) -> Result<(), FileError> {
    let len = file.metadata().map_err(|e| os_error(path, e))?.len();
    if len > max_len {
        return Err(FileError::TooLarge {
            path: path.into(),
            max_len,
        });
    }
    buf.reserve_exact(usize::try_from(len).unwrap_or(0));
    read_capped(file, path, max_len, buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_error_keeps_the_kind_and_the_error() {
        let e: io::Error = FileError::TooLarge {
            path: "x".into(),
            max_len: 3,
        }
        .into();
        assert_eq!(e.kind(), io::ErrorKind::FileTooLarge);
        assert!(matches!(
            e.get_ref().and_then(|e| e.downcast_ref::<FileError>()),
            Some(FileError::TooLarge { max_len: 3, .. })
        ));
        let e: io::Error = FileError::NotFound { path: "x".into() }.into();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn read_capped_refuses_one_byte_over() {
        let mut buf = b"kept".to_vec();
        assert!(read_capped(&b"abc"[..], Path::new("x"), 3, &mut buf).is_ok());
        assert_eq!(buf, b"keptabc");
        assert!(matches!(
            read_capped(&b"abcd"[..], Path::new("x"), 3, &mut buf),
            Err(FileError::TooLarge { max_len: 3, .. })
        ));
        assert_eq!(buf, b"keptabc");
        assert!(read_capped(&b""[..], Path::new("x"), u64::MAX, &mut buf).is_ok());
    }
}
