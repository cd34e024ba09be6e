#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Class: `import name` checks the file a loader that prefers `name.lm` runs, or nothing.
//!
//! The checker fell back to `name.lm.md` when `name.lm` failed for any reason (a directory, a FIFO,
//! too large, not UTF-8), so it checked another file than the one such a loader runs. Now it falls
//! back only when `name.lm` does not exist; any other failure, and a name that is both `name.lm`
//! and `name.lm.md`, is E0207.

mod common;

use common::{codes, mem};
use lumen_lang::{Checked, Code, FsLoader, Loader, MemLoader, check_paths, check_source};
use std::io;
use std::path::{Path, PathBuf};

const MAIN: &str = "import lib\n\ncell main() -> String\n  return \"hi\"\nend\n";
const MD: &str = "# lib\n\n```lumen\ncell helper() -> String\n  return \"x\"\nend\n```\n";
const LM: &str = "cell helper() -> String\n  return \"x\"\nend\n";

/// A loader whose `lib.lm` exists but fails with `kind`, beside files in memory.
struct Failing {
    kind: io::ErrorKind,
    files: MemLoader,
}

impl Loader for Failing {
    fn read(&self, path: &Path) -> io::Result<String> {
        if path == Path::new("lib.lm") {
            return Err(io::Error::new(self.kind, "cannot be read"));
        }
        self.files.read(path)
    }
}

/// The paths of the files read.
fn read(c: &Checked) -> Vec<PathBuf> {
    c.sources.files().map(|(_, f)| f.path.clone()).collect()
}

#[test]
fn unreadable_lm_module_is_not_replaced_by_its_markdown_form() {
    for kind in [
        io::ErrorKind::InvalidData,
        io::ErrorKind::PermissionDenied,
        io::ErrorKind::IsADirectory,
        io::ErrorKind::FileTooLarge,
        io::ErrorKind::Other,
    ] {
        let loader = Failing {
            kind,
            files: mem(&[("lib.lm.md", MD)]),
        };
        let c = check_source(Path::new("main.lm"), MAIN, &loader);
        assert_eq!(codes(&c), [Code::ModuleNotFound], "{kind:?}");
        assert!(
            c.diagnostics[0].notes.iter().any(|n| n.contains("lib.lm ")),
            "{kind:?}: {:?}",
            c.diagnostics[0].notes
        );
        assert_eq!(read(&c), [PathBuf::from("main.lm")], "{kind:?}");
    }
}

#[test]
fn markdown_module_is_used_only_when_lm_does_not_exist() {
    let c = check_source(Path::new("main.lm"), MAIN, &mem(&[("lib.lm.md", MD)]));
    assert_eq!(codes(&c), []);
    assert_eq!(
        read(&c),
        [PathBuf::from("main.lm"), PathBuf::from("lib.lm.md")]
    );
    let c = check_source(Path::new("main.lm"), MAIN, &mem(&[("lib.lm", LM)]));
    assert_eq!(codes(&c), []);
    let c = check_source(Path::new("main.lm"), MAIN, &MemLoader::default());
    assert_eq!(codes(&c), [Code::ModuleNotFound]);
}

#[test]
fn module_that_is_both_lm_and_lm_md_is_ambiguous() {
    let c = check_source(
        Path::new("main.lm"),
        MAIN,
        &mem(&[("lib.lm", LM), ("lib.lm.md", MD)]),
    );
    assert_eq!(codes(&c), [Code::ModuleNotFound]);
    let note = c.diagnostics[0].notes.join("\n");
    assert!(
        note.contains("lib.lm ") && note.contains("lib.lm.md"),
        "{note}"
    );
}

#[test]
fn fs_directory_named_lm_is_not_replaced_by_its_markdown_form() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.lm"), MAIN).unwrap();
    std::fs::create_dir(dir.path().join("lib.lm")).unwrap();
    std::fs::write(dir.path().join("lib.lm.md"), MD).unwrap();
    let c = check_paths(&[dir.path().join("main.lm")], &FsLoader);
    assert_eq!(codes(&c), [Code::ModuleNotFound]);
    assert_eq!(read(&c), [dir.path().join("main.lm")]);
}

#[test]
fn fs_non_utf8_or_oversized_lm_is_not_replaced_by_its_markdown_form() {
    for bytes in [vec![0xff, 0xfe, b'\n'], vec![b' '; (16 << 20) + 1]] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.lm"), MAIN).unwrap();
        std::fs::write(dir.path().join("lib.lm"), &bytes).unwrap();
        std::fs::write(dir.path().join("lib.lm.md"), MD).unwrap();
        let c = check_paths(&[dir.path().join("main.lm")], &FsLoader);
        assert_eq!(codes(&c), [Code::ModuleNotFound]);
        assert_eq!(read(&c), [dir.path().join("main.lm")]);
    }
}

#[test]
fn fs_module_that_is_both_lm_and_lm_md_is_ambiguous() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.lm"), MAIN).unwrap();
    std::fs::write(dir.path().join("lib.lm"), LM).unwrap();
    std::fs::write(dir.path().join("lib.lm.md"), MD).unwrap();
    let c = check_paths(&[dir.path().join("main.lm")], &FsLoader);
    assert_eq!(codes(&c), [Code::ModuleNotFound]);
    // Also when the Markdown form is itself unreadable: it still names this module.
    std::fs::remove_file(dir.path().join("lib.lm.md")).unwrap();
    std::fs::create_dir(dir.path().join("lib.lm.md")).unwrap();
    let c = check_paths(&[dir.path().join("main.lm")], &FsLoader);
    assert_eq!(codes(&c), [Code::ModuleNotFound]);
}
