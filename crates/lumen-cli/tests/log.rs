//! End-to-end tests of `lumen log init | append | serve` with the real binary and a real HTTP
//! server on loopback.

// Test helpers outside #[test] functions may panic: a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;
use lumen_tlog::checkpoint::VerifiedCheckpoint;
use lumen_tlog::merkle::{leaf_hash, prove_inclusion, root_from_source, verify_inclusion};
use lumen_tlog::note::Verifiers;
use lumen_tlog::tiles::{TileHashReader, decode_entry_bundle};
use std::path::Path;

mod common;
use common::{Server, http};

const ORIGIN: &str = "log.example.com/test";

fn lumen(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("lumen").expect("the lumen binary is built by cargo test");
    cmd.current_dir(dir);
    cmd
}

/// `lumen log init` of this test's log; returns the verifier key.
fn init(dir: &Path) -> String {
    common::init_log(dir, ORIGIN)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} header"))
}

#[test]
fn init_and_append_publish_verifiable_checkpoints() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let vkey = init(dir);
    assert!(vkey.starts_with(&format!("{ORIGIN}+")));
    std::fs::write(dir.join("e1"), b"first entry").unwrap();
    std::fs::write(dir.join("e2"), b"second entry").unwrap();
    let out = lumen(dir)
        .args([
            "log", "append", "--dir", "log", "--key", "log.key", "e1", "e2",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(String::from_utf8(out).unwrap(), "0\te1\n1\te2\n");
    let raw = std::fs::read(dir.join("log/checkpoint")).unwrap();
    let verifiers = Verifiers::from_vkeys([vkey.as_str()]).unwrap();
    let cp = VerifiedCheckpoint::open(&raw, ORIGIN, &verifiers).unwrap();
    assert_eq!(cp.checkpoint().size(), 2);
    // A second init on the same directory and a loose key file are refused.
    lumen(dir)
        .args([
            "log",
            "init",
            "--dir",
            "log",
            "--key",
            "other.key",
            "--origin",
            ORIGIN,
        ])
        .assert()
        .code(2);
    assert!(
        !dir.join("other.key").exists(),
        "a refused init leaves no key behind"
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.join("log.key"), std::fs::Permissions::from_mode(0o644)).unwrap();
    lumen(dir)
        .args(["log", "append", "--dir", "log", "--key", "log.key", "e1"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("chmod 600"));
}

#[test]
fn serve_adds_entries_and_serves_tiles_that_prove_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let vkey = init(dir);
    let server = Server::start(dir, 20);
    let addr = server.addr.clone();

    // Concurrent clients add entries; every index is distinct and acknowledged.
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                (0..25)
                    .map(|i| {
                        let entry = format!("client {t} entry {i}");
                        let (status, _, body) = http(&addr, "POST", "/add", entry.as_bytes());
                        assert_eq!(status, 200);
                        let index: u64 = String::from_utf8(body).unwrap().trim().parse().unwrap();
                        (index, entry)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut added: Vec<(u64, String)> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    added.sort();
    assert_eq!(
        added.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
        (0..100).collect::<Vec<_>>()
    );

    // The checkpoint verifies with the printed key and covers every acknowledged entry.
    let (status, headers, raw) = http(&addr, "GET", "/checkpoint", b"");
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "content-type"),
        "text/plain; charset=utf-8"
    );
    let verifiers = Verifiers::from_vkeys([vkey.as_str()]).unwrap();
    let cp = VerifiedCheckpoint::open(&raw, ORIGIN, &verifiers).unwrap();
    let size = cp.checkpoint().size();
    assert_eq!(size, 100);

    // Proofs computed from tiles fetched over HTTP verify every entry against the checkpoint root.
    let remote = lumen_tlog::remote::HttpTiles::new(&format!("http://{addr}")).unwrap();
    let reader = TileHashReader::new(&remote, size);
    assert_eq!(
        &root_from_source(&reader, size).unwrap(),
        cp.checkpoint().root()
    );
    for (index, entry) in &added {
        let proof = prove_inclusion(&reader, *index, size).unwrap();
        verify_inclusion(&leaf_hash(entry.as_bytes()), &proof, cp.checkpoint().root()).unwrap();
    }
    let (status, headers, bundle) = http(&addr, "GET", "/tile/entries/000.p/100", b"");
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(header(&headers, "content-type"), "application/octet-stream");
    let entries = decode_entry_bundle(&bundle, 100).unwrap();
    for (index, entry) in &added {
        assert_eq!(entries[*index as usize], entry.as_bytes());
    }

    // Non-canonical paths, resources beyond the checkpoint, and the lock file are not served.
    for path in [
        "/tile/0/000.p/101",
        "/tile/0/000",
        "/tile/0/0",
        "/tile/00/000.p/1",
        "/tile/entries/001.p/1",
        "/.lock",
        "/tile/../log.key",
    ] {
        let (status, _, _) = http(&addr, "GET", path, b"");
        assert_eq!(status, 404, "{path}");
    }
    // A query names no resource on any path (class: exact resource paths), GET or POST.
    for path in [
        "/checkpoint?x",
        "/checkpoint?",
        "/checkpoint?x=1&y",
        "/tile/0/000.p/1?x",
    ] {
        let (status, _, _) = http(&addr, "GET", path, b"");
        assert_eq!(status, 404, "{path}");
    }
    let before = http(&addr, "GET", "/checkpoint", b"").2;
    for path in ["/add?x=1", "/add?"] {
        let (status, _, _) = http(&addr, "POST", path, b"smuggled by query");
        assert_eq!(status, 404, "{path}");
    }
    assert_eq!(
        http(&addr, "GET", "/checkpoint", b"").2,
        before,
        "nothing was added"
    );
    // A monitor following the log over HTTP sees it grow consistently.
    std::fs::write(dir.join("trusted"), &raw).unwrap();
    assert_eq!(http(&addr, "POST", "/add", b"one more").0, 200);
    let out = lumen(dir)
        .args([
            "log",
            "monitor",
            "--vkey",
            &vkey,
            "--trusted",
            "trusted",
            "--url",
            &format!("http://{addr}/"),
            "--json",
        ])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        (v["outcome"].as_str(), v["new_size"].as_u64()),
        (Some("consistent"), Some(101))
    );
    let (_, _, raw) = http(&addr, "GET", "/checkpoint", b"");

    // An oversized entry is refused and changes nothing.
    let (status, _, _) = http(&addr, "POST", "/add", &vec![0u8; 70_000]);
    assert_eq!(status, 413);
    let (_, _, raw2) = http(&addr, "GET", "/checkpoint", b"");
    assert_eq!(raw2, raw);
    server.stop();

    // A second writer cannot start while one holds the log.
    let server = Server::start(dir, 20);
    lumen(dir)
        .args(["log", "append", "--dir", "log", "--key", "log.key", "-"])
        .write_stdin("x")
        .assert()
        .code(2);
    server.stop();
}

#[test]
fn prove_verify_receipt_and_monitor() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let vkey = init(dir);
    for (i, body) in ["alpha", "beta", "gamma"].iter().enumerate() {
        std::fs::write(dir.join(format!("e{i}")), body).unwrap();
    }
    let append = |files: &[&str]| {
        lumen(dir)
            .args(["log", "append", "--dir", "log", "--key", "log.key"])
            .args(files)
            .assert()
            .success();
    };
    append(&["e0", "e1"]);
    std::fs::copy(dir.join("log/checkpoint"), dir.join("trusted")).unwrap();

    // A receipt for entry 1 verifies for that entry only.
    let receipt = lumen(dir)
        .args(["log", "prove", "--dir", "log", "--index", "1"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(receipt.starts_with(b"c2sp.org/tlog-proof@v1\n"));
    std::fs::write(dir.join("r1"), &receipt).unwrap();
    let out = lumen(dir)
        .args([
            "log",
            "verify-receipt",
            "--vkey",
            &vkey,
            "--receipt",
            "r1",
            "--json",
            "e1",
        ])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        (v["index"].as_u64(), v["tree_size"].as_u64()),
        (Some(1), Some(2))
    );
    lumen(dir)
        .args([
            "log",
            "verify-receipt",
            "--vkey",
            &vkey,
            "--receipt",
            "r1",
            "e0",
        ])
        .assert()
        .code(1);
    let other_key = {
        let out = lumen(dir)
            .args([
                "log",
                "init",
                "--dir",
                "other",
                "--key",
                "other.key",
                "--origin",
                ORIGIN,
            ])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        String::from_utf8(out).unwrap().trim().to_owned()
    };
    lumen(dir)
        .args([
            "log",
            "verify-receipt",
            "--vkey",
            &other_key,
            "--receipt",
            "r1",
            "e1",
        ])
        .assert()
        .code(1);
    lumen(dir)
        .args(["log", "prove", "--dir", "log", "--index", "2"])
        .assert()
        .code(2);

    // The monitor accepts growth and advances its trusted checkpoint with --update.
    append(&["e2"]);
    let out = lumen(dir)
        .args([
            "log",
            "monitor",
            "--vkey",
            &vkey,
            "--trusted",
            "trusted",
            "--dir",
            "log",
            "--update",
            "--json",
        ])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        (
            v["outcome"].as_str(),
            v["trusted_size"].as_u64(),
            v["new_size"].as_u64()
        ),
        (Some("consistent"), Some(2), Some(3))
    );
    assert_eq!(
        std::fs::read(dir.join("trusted")).unwrap(),
        std::fs::read(dir.join("log/checkpoint")).unwrap()
    );
    lumen(dir)
        .args([
            "log",
            "monitor",
            "--vkey",
            &vkey,
            "--trusted",
            "trusted",
            "--dir",
            "log",
        ])
        .assert()
        .code(0)
        .stdout("unchanged\n");

    // A fork: the same key signs a different history (same first entry, then others); the monitor
    // exits 1 and prints both checkpoints as evidence.
    let key = std::fs::read_to_string(dir.join("log.key")).unwrap();
    let signer = lumen_tlog::note::Ed25519NoteSigner::from_signer_key(key.trim()).unwrap();
    let storage = lumen_tlog::storage::FsStorage::new(dir.join("forklog")).unwrap();
    let mut forked = lumen_tlog::writer::TileLog::create(storage, ORIGIN, signer).unwrap();
    forked
        .append(&[&b"alpha"[..], b"not beta", b"not gamma", b"delta"])
        .unwrap();
    let out = lumen(dir)
        .args([
            "log",
            "monitor",
            "--vkey",
            &vkey,
            "--trusted",
            "trusted",
            "--dir",
            "forklog",
        ])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("not append-only"))
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("inconsistent\n"));
    assert!(
        text.contains(&String::from_utf8(std::fs::read(dir.join("trusted")).unwrap()).unwrap())
    );
    assert!(text.contains(
        &String::from_utf8(std::fs::read(dir.join("forklog/checkpoint")).unwrap()).unwrap()
    ));
}

/// A log of 300 entries appended with `lumen log append`: two level-0 tiles (one partial), a
/// level-1 tile, two entry bundles. Returns the canonical paths of every resource it serves.
fn log_of_300(dir: &Path) -> Vec<String> {
    init(dir);
    let files: Vec<String> = (0..300).map(|i| format!("e{i}")).collect();
    for (i, f) in files.iter().enumerate() {
        std::fs::write(dir.join(f), format!("entry {i}")).unwrap();
    }
    lumen(dir)
        .args(["log", "append", "--dir", "log", "--key", "log.key"])
        .args(&files)
        .assert()
        .success();
    [
        "tile/0/000",
        "tile/0/001.p/44",
        "tile/1/000.p/1",
        "tile/entries/000",
        "tile/entries/001.p/44",
    ]
    .map(str::to_owned)
    .to_vec()
}

/// Issue 21 item 11, as a class: a tile path is served only if the path as received (before
/// any percent-decoding) is the canonical encoding of the resource. Escaped, padded, re-grouped,
/// queried or slash-appended spellings of served resources are all 404.
#[test]
fn non_canonical_spellings_of_served_tiles_are_not_served() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let served = log_of_300(dir);
    let server = Server::start_with(dir, 20, &common::NO_RATE_LIMIT);
    for path in &served {
        assert_eq!(
            http(&server.addr, "GET", &format!("/{path}"), b"").0,
            200,
            "{path}"
        );
    }
    for path in [
        "/tile/0/%30%30%30",
        "/tile/0/%30%30%31.p/44",
        "/tile/0/001.p%2f44",
        "/tile/0/001.p%2F44",
        "/tile/0/001%2ep/44",
        "/tile/%30/000",
        "/tile/entries/%30%30%30",
        "/tile%2fentries/000",
        "/tile/0/000?",
        "/tile/0/000?v=1",
        "/tile/0/000/",
        "/tile/0/x000/000",
        "/tile/0/0000",
        "/tile/0/001.p/044",
        "/tile/1/000.p/01",
        "/tile//0/000",
        "/tile/0/./000",
        "/tile/0/../0/000",
    ] {
        let (status, _, _) = http(&server.addr, "GET", path, b"");
        assert_eq!(status, 404, "{path}");
    }
    server.stop();
}

/// One percent-escaped byte, a padding or grouping change, a query or a trailing slash applied
/// to a canonical path; or the path unchanged.
fn respell(path: &str, how: u8, at: usize) -> String {
    let i = at % path.len();
    match how % 7 {
        0 => path.to_owned(),
        1 => {
            let (a, b) = path.split_at(i);
            let c = b.as_bytes()[0];
            format!("{a}%{c:02X}{}", &b[1..])
        }
        2 => {
            let (a, b) = path.split_at(i);
            let c = b.as_bytes()[0];
            format!("{a}%{c:02x}{}", &b[1..])
        }
        3 => path.replacen("tile/0/", "tile/0/x000/", 1),
        4 => path.replacen("/0", "/00", 1),
        5 => format!("{path}?"),
        _ => format!("{path}/"),
    }
}

/// Property (issue 21 item 11): for any request path P that the server answers with a tile,
/// P is `/` and the canonical encoding of that tile, and the body is that tile's bytes.
#[test]
fn any_tile_path_served_is_the_canonical_encoding_of_what_is_served() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let served = log_of_300(dir);
    let server = Server::start_with(dir, 20, &common::NO_RATE_LIMIT);
    let (ok, refused) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
    let mut runner = TestRunner::new(Config {
        cases: 300,
        ..Config::default()
    });
    let strategy = (0..served.len(), any::<u8>(), any::<usize>());
    runner
        .run(&strategy, |(which, how, at)| {
            let path = format!("/{}", respell(&served[which], how, at));
            let (status, _, body) = http(&server.addr, "GET", &path, b"");
            if status == 200 {
                ok.set(ok.get() + 1);
                let parsed = lumen_tlog::tiles::parse_tile_path(&path[1..]);
                let canonical = match parsed {
                    Ok(lumen_tlog::tiles::TilePath::Hashes(t)) => t.path(),
                    Ok(lumen_tlog::tiles::TilePath::Entries(b)) => b.path(),
                    Err(e) => panic!("served {path}, which does not parse: {e}"),
                };
                prop_assert_eq!(&path[1..], canonical.as_str());
                prop_assert_eq!(
                    body,
                    std::fs::read(dir.join("log").join(&canonical)).unwrap()
                );
            } else {
                refused.set(refused.get() + 1);
                prop_assert_eq!(status, 404, "{}", path);
            }
            Ok(())
        })
        .unwrap();
    // Both outcomes occurred, so the property was exercised.
    let (ok, refused) = (ok.get(), refused.get());
    assert!(ok > 0 && refused > 0, "{ok} served, {refused} refused");
    server.stop();
}
