//! The conformance client's command line: `init` installs the root it is given byte for byte,
//! and every failure, usage errors included, exits with status 1 (`CLIENT-CLI.md`).
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

fn client(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lumen-tuf-conformance"))
        .args(args)
        .output()
        .unwrap()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn init_installs_the_root_unchanged_and_unverified() {
    let dir = tempfile::tempdir().unwrap();
    // Not a valid root: `init` does not check it; the first update does.
    let root = dir.path().join("initial-root.json");
    std::fs::write(&root, b"{\"not\": \"checked yet\"}").unwrap();
    let metadata = dir.path().join("metadata/nested");
    let out = client(&["--metadata-dir", path(&metadata), "init", path(&root)]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        std::fs::read(metadata.join("root.json")).unwrap(),
        b"{\"not\": \"checked yet\"}"
    );

    // The refresh that follows verifies it, and fails.
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    let out = client(&[
        "--metadata-dir",
        path(&metadata),
        "--metadata-url",
        path(&repo),
        "refresh",
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: "));
}

#[test]
fn failures_exit_with_status_1() {
    let dir = tempfile::tempdir().unwrap();
    let metadata = dir.path().join("metadata");
    for args in [
        vec!["--no-such-flag"],
        vec!["--metadata-dir", path(&metadata)],
        vec!["--metadata-dir", path(&metadata), "refresh"],
        vec![
            "--metadata-dir",
            path(&metadata),
            "init",
            "/no/such/root.json",
        ],
        vec![
            "--metadata-dir",
            path(&metadata),
            "--metadata-url",
            "http://127.0.0.1:1/",
            "download",
        ],
    ] {
        let out = client(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
    }
    assert!(!metadata.join("root.json").exists());
}
