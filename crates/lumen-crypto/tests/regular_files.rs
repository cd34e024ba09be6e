//! `lumen_crypto::fs`: only regular files are opened, never blocking, and reads are capped.
//!
//! Every case that could block (a FIFO with no writer, an endless device) runs in a thread with a
//! deadline, so a regression fails the test instead of hanging it.
// Test helpers outside #[test] functions may panic: a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(unix)]

use lumen_crypto::KeyFileError;
use lumen_crypto::fs::{
    FileError, FileKind, append_regular_file, create_regular_file, open_regular_file,
    read_regular_file,
};
use lumen_crypto::keyfile::{read_private_file, read_public_key};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// How long a call that must not block may take (generous, for a loaded CI machine).
const PROMPT: Duration = Duration::from_secs(10);

/// Runs `f` in a thread and returns its result, failing the test if it takes longer than
/// [`PROMPT`] (the thread is then left blocked; the test process ends anyway).
fn promptly<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(PROMPT)
        .expect("the call blocked: a non-regular file was opened in blocking mode")
}

fn mkfifo(path: &Path) {
    rustix::fs::mkfifoat(
        rustix::fs::CWD,
        path,
        rustix::fs::Mode::from_raw_mode(0o600),
    )
    .expect("mkfifo");
}

fn kind_of(result: Result<impl Sized, FileError>) -> Option<FileKind> {
    match result {
        Err(FileError::NotARegularFile { kind, .. }) => Some(kind),
        _ => None,
    }
}

#[test]
fn non_regular_file_fifo_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.key");
    mkfifo(&fifo);
    let p = fifo.clone();
    assert_eq!(
        promptly(move || kind_of(read_regular_file(&p, 1024))),
        Some(FileKind::Fifo)
    );
    let p = fifo.clone();
    assert_eq!(
        promptly(move || kind_of(open_regular_file(&p))),
        Some(FileKind::Fifo)
    );
    // Writing to a FIFO without a reader would block in open(2) as well.
    let p = fifo.clone();
    assert_eq!(
        promptly(move || kind_of(create_regular_file(&p))),
        Some(FileKind::Fifo)
    );
    let p = fifo.clone();
    assert_eq!(
        promptly(move || kind_of(append_regular_file(&p))),
        Some(FileKind::Fifo)
    );
    // The key-file reader (permissions 0600, so only the file type can refuse it).
    let p = fifo.clone();
    let err = promptly(move || read_private_file(&p).err());
    assert!(
        matches!(
            err,
            Some(KeyFileError::File(FileError::NotARegularFile {
                kind: FileKind::Fifo,
                ..
            }))
        ),
        "{err:?}"
    );
    let p = fifo.clone();
    let err = promptly(move || read_public_key(&p).err());
    assert!(
        matches!(
            err,
            Some(KeyFileError::File(FileError::NotARegularFile {
                kind: FileKind::Fifo,
                ..
            }))
        ),
        "{err:?}"
    );
}

#[test]
fn non_regular_file_symlink_to_fifo_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    mkfifo(&fifo);
    let link = dir.path().join("timestamp.json");
    std::os::unix::fs::symlink(&fifo, &link).unwrap();
    let p = link.clone();
    let err = promptly(move || read_regular_file(&p, 1024).err());
    match err {
        Some(FileError::NotARegularFile {
            kind: FileKind::Fifo,
            path,
        }) => assert_eq!(path, link, "the error names the path as given"),
        other => panic!("expected NotARegularFile(Fifo), got {other:?}"),
    }
}

#[test]
fn non_regular_file_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    assert_eq!(
        promptly(move || kind_of(read_regular_file(&d, 1024))),
        Some(FileKind::Directory)
    );
    let d = dir.path().to_path_buf();
    assert_eq!(
        promptly(move || kind_of(create_regular_file(&d))),
        Some(FileKind::Directory)
    );
    let err = read_regular_file(dir.path(), 1).unwrap_err();
    assert_eq!(
        std::io::Error::from(err).kind(),
        std::io::ErrorKind::IsADirectory
    );
}

#[test]
fn non_regular_file_char_devices_are_refused_without_reading() {
    // /dev/null would read as an empty file; /dev/zero would never end.
    for dev in ["/dev/null", "/dev/zero"] {
        let p = PathBuf::from(dev);
        assert_eq!(
            promptly(move || kind_of(read_regular_file(&p, 1 << 30))),
            Some(FileKind::CharDevice),
            "{dev}"
        );
        let p = PathBuf::from(dev);
        assert_eq!(
            promptly(move || kind_of(append_regular_file(&p))),
            Some(FileKind::CharDevice),
            "{dev}"
        );
    }
    // Also through a symbolic link, and for the key-file reader.
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("zero.key");
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    let p = link.clone();
    let err = promptly(move || read_private_file(&p).err());
    assert!(
        matches!(
            err,
            Some(KeyFileError::File(FileError::NotARegularFile {
                kind: FileKind::CharDevice,
                ..
            }))
        ),
        "{err:?}"
    );
}

#[test]
fn non_regular_file_socket_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("s.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    let p = sock.clone();
    assert_eq!(
        promptly(move || kind_of(read_regular_file(&p, 1024))),
        Some(FileKind::Socket)
    );
}

#[test]
fn oversize_file_is_refused_at_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big");
    std::fs::write(&path, vec![7u8; 1025]).unwrap();
    assert!(matches!(
        read_regular_file(&path, 1024),
        Err(FileError::TooLarge { max_len: 1024, .. })
    ));
    assert_eq!(read_regular_file(&path, 1025).unwrap().len(), 1025);
    assert!(read_regular_file(&path, 0).is_err());
    let empty = dir.path().join("empty");
    std::fs::write(&empty, b"").unwrap();
    assert_eq!(read_regular_file(&empty, 0).unwrap(), b"");
    // An oversize key file (0600) is refused by size, not read whole.
    let key = dir.path().join("big.key");
    std::fs::write(&key, vec![b'A'; 64 * 1024 + 1]).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(matches!(
        read_private_file(&key),
        Err(KeyFileError::File(FileError::TooLarge {
            max_len: 65536,
            ..
        }))
    ));
}

#[test]
fn missing_file_is_not_found_and_regular_files_still_work() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    assert!(matches!(
        read_regular_file(&missing, 10),
        Err(FileError::NotFound { ref path }) if *path == missing
    ));
    assert!(matches!(
        read_private_file(&missing),
        Err(KeyFileError::File(FileError::NotFound { .. }))
    ));
    // A dangling symbolic link is missing too.
    let dangling = dir.path().join("dangling");
    std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
    assert!(matches!(
        read_regular_file(&dangling, 10),
        Err(FileError::NotFound { .. })
    ));

    // create, append, read: the handles behave like ordinary (blocking) files.
    let path = dir.path().join("audit.jsonl");
    {
        use std::io::Write;
        let mut f = create_regular_file(&path).unwrap();
        f.write_all(b"one\n").unwrap();
        let mut f = append_regular_file(&path).unwrap();
        f.write_all(b"two\n").unwrap();
    }
    assert_eq!(read_regular_file(&path, 100).unwrap(), b"one\ntwo\n");
    let f = open_regular_file(&path).unwrap();
    let flags = rustix::fs::fcntl_getfl(&f).unwrap();
    assert!(
        !flags.contains(rustix::fs::OFlags::NONBLOCK),
        "O_NONBLOCK is cleared once the file is known to be regular"
    );
    // A symbolic link to a regular file is followed.
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&path, &link).unwrap();
    assert_eq!(read_regular_file(&link, 100).unwrap(), b"one\ntwo\n");
    // create truncates a regular file, as File::create does.
    drop(create_regular_file(&path).unwrap());
    assert_eq!(read_regular_file(&path, 100).unwrap(), b"");
}

#[test]
fn other_os_errors_are_io_errors() {
    // A symbolic-link loop: ELOOP from stat(2), which is neither "missing" nor a file type.
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    std::os::unix::fs::symlink(&b, &a).unwrap();
    std::os::unix::fs::symlink(&a, &b).unwrap();
    match read_regular_file(&a, 10) {
        Err(FileError::Io { source, path }) => {
            assert_eq!(
                source.raw_os_error(),
                Some(rustix::io::Errno::LOOP.raw_os_error())
            );
            assert_eq!(path, a);
        }
        other => panic!("expected Io(ELOOP), got {other:?}"),
    }
}
