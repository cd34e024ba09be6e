//! Byte-for-byte interoperability with Tessera: appending the fixture's 15 entries one at a time
//! with the fixture's key must reproduce every tile, entry bundle and checkpoint in
//! `../shared/testdata/tessera-log/`; proofs computed from the fixture's own tiles must verify.

// Test helpers outside #[test] functions may panic: a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use lumen_tlog::merkle::{
    MerkleTree, leaf_hash, prove_consistency, prove_inclusion, root_from_source,
    verify_consistency, verify_inclusion,
};
use lumen_tlog::note::Ed25519NoteSigner;
use lumen_tlog::storage::{FsStorage, TileReader};
use lumen_tlog::tiles::TileHashReader;
use lumen_tlog::writer::{LogError, TileLog};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const ORIGIN: &str = "example.com/log/testdata";
const SIGNER: &str =
    "PRIVATE+KEY+example.com/log/testdata+33d7b496+AeymY/SZAX0jZcJ8enZ5FY1Dz+wTML2yWSkK+9DSF3eg";
const ENTRIES: [&str; 15] = [
    "one", "two", "three", "four", "five", "six", "seven", "eit", "nain", "ten", "ileven", "twelf",
    "threeten", "fourten", "fivten",
];

fn fixture() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/tessera-log");
    assert!(
        dir.join("checkpoint").is_file(),
        "the Tessera fixture is missing at {}",
        dir.display()
    );
    dir
}

/// Every file under `root`, by relative path.
fn files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn signer() -> Ed25519NoteSigner {
    Ed25519NoteSigner::from_signer_key(SIGNER).unwrap()
}

#[test]
fn appending_the_fixture_entries_reproduces_it_byte_for_byte() {
    let want = files(&fixture());
    assert_eq!(want.len(), 47, "fixture file count");
    let dir = tempfile::tempdir().unwrap();
    let mut log = TileLog::create(FsStorage::new(dir.path()).unwrap(), ORIGIN, signer()).unwrap();
    assert_eq!(
        log.checkpoint(),
        &want["checkpoint.0"][..],
        "checkpoint of the empty log"
    );
    for (i, e) in ENTRIES.iter().enumerate() {
        assert_eq!(log.append(&[e.as_bytes()]).unwrap(), i as u64);
        let cp = log.storage().read("checkpoint").unwrap().unwrap();
        assert_eq!(
            cp,
            want[&format!("checkpoint.{}", i + 1)],
            "checkpoint after {} entries",
            i + 1
        );
    }
    let got = files(dir.path());
    let want_tiles: BTreeMap<_, _> = want
        .iter()
        .filter(|(k, _)| k.starts_with("tile/") || *k == "checkpoint")
        .collect();
    let got_all: BTreeMap<_, _> = got.iter().collect();
    assert_eq!(
        got_all.keys().collect::<Vec<_>>(),
        want_tiles.keys().collect::<Vec<_>>(),
        "the same set of files"
    );
    for (path, bytes) in want_tiles {
        assert_eq!(&got[path], bytes, "{path} differs");
    }
}

#[test]
fn a_batch_append_reproduces_the_final_state() {
    let want = files(&fixture());
    let dir = tempfile::tempdir().unwrap();
    let mut log = TileLog::create(FsStorage::new(dir.path()).unwrap(), ORIGIN, signer()).unwrap();
    log.append(&ENTRIES[..7]).unwrap();
    log.append(&ENTRIES[7..]).unwrap();
    let got = files(dir.path());
    for path in [
        "checkpoint",
        "tile/0/000.p/15",
        "tile/entries/000.p/15",
        "tile/0/000.p/7",
        "tile/entries/000.p/7",
    ] {
        assert_eq!(got[path], want[path], "{path}");
    }
    // Sizes that never got a checkpoint get no partial tiles.
    assert!(!got.contains_key("tile/0/000.p/3"));
}

#[test]
fn reopening_continues_the_log_and_checks_the_tiles() {
    let want = files(&fixture());
    let dir = tempfile::tempdir().unwrap();
    {
        let mut log =
            TileLog::create(FsStorage::new(dir.path()).unwrap(), ORIGIN, signer()).unwrap();
        log.append(&ENTRIES[..10]).unwrap();
    }
    let mut log = TileLog::open(FsStorage::new(dir.path()).unwrap(), ORIGIN, signer()).unwrap();
    assert_eq!(log.size(), 10);
    log.append(&ENTRIES[10..]).unwrap();
    assert_eq!(log.checkpoint(), &want["checkpoint"][..]);
    assert_eq!(
        std::fs::read(dir.path().join("tile/entries/000.p/15")).unwrap(),
        want["tile/entries/000.p/15"]
    );

    // A second `create` on the same storage is refused.
    assert!(matches!(
        TileLog::create(FsStorage::new(dir.path()).unwrap(), ORIGIN, signer()),
        Err(LogError::AlreadyExists)
    ));
    // A wrong origin, a damaged tile and a damaged entry bundle are detected on open.
    assert!(matches!(
        TileLog::open(
            FsStorage::new(dir.path()).unwrap(),
            "example.com/other",
            signer()
        ),
        Err(LogError::Checkpoint(_))
    ));
    let tile = dir.path().join("tile/0/000.p/15");
    let mut bytes = std::fs::read(&tile).unwrap();
    bytes[40] ^= 1;
    std::fs::write(&tile, &bytes).unwrap();
    assert!(matches!(
        TileLog::open(FsStorage::new(dir.path()).unwrap(), ORIGIN, signer()),
        Err(LogError::RootMismatch)
    ));
    bytes[40] ^= 1;
    std::fs::write(&tile, &bytes).unwrap();
    let bundle = dir.path().join("tile/entries/000.p/15");
    let mut b = std::fs::read(&bundle).unwrap();
    let last = b.len() - 1;
    b[last] ^= 1;
    std::fs::write(&bundle, &b).unwrap();
    assert!(matches!(
        TileLog::open(FsStorage::new(dir.path()).unwrap(), ORIGIN, signer()),
        Err(LogError::BadResource { .. })
    ));
}

#[test]
fn proofs_from_the_fixture_tiles_verify() {
    let storage = FsStorage::new(fixture()).unwrap();
    let mut tree = MerkleTree::new();
    for e in ENTRIES {
        tree.append(leaf_hash(e.as_bytes()));
    }
    for size in 1..=15u64 {
        let reader = TileHashReader::new(&storage, size);
        let root = root_from_source(&reader, size).unwrap();
        assert_eq!(root, tree.root_at(size).unwrap(), "root at {size}");
        for index in 0..size {
            let p = prove_inclusion(&reader, index, size).unwrap();
            assert_eq!(p, tree.inclusion_proof(index, size).unwrap());
            verify_inclusion(&leaf_hash(ENTRIES[index as usize].as_bytes()), &p, &root).unwrap();
        }
        for size1 in 1..=size {
            let p = prove_consistency(&reader, size1, size).unwrap();
            verify_consistency(&p, &tree.root_at(size1).unwrap(), &root).unwrap();
        }
    }
}
