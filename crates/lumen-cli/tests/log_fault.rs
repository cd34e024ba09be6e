//! Fault test: `lumen log serve` is killed with SIGKILL at random moments while clients append,
//! then restarted. Every acknowledged entry must be present at its index, and every checkpoint a
//! client saw must be consistent with the final one.
//!
//! The kill delays come from a seed printed at the start (set `LUMEN_FAULT_SEED` to replay one).

// Test helpers outside #[test] functions may panic: a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use lumen_tlog::checkpoint::VerifiedCheckpoint;
use lumen_tlog::merkle::{
    leaf_hash, prove_consistency, prove_inclusion, verify_consistency, verify_inclusion,
};
use lumen_tlog::note::Verifiers;
use lumen_tlog::storage::{FsStorage, TileReader};
use lumen_tlog::tiles::{BundleId, TileHashReader, decode_entry_bundle, last_tile};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod common;
use common::{Server, try_http};

const ORIGIN: &str = "log.example.com/fault";

/// (index, entry) pairs the server acknowledged.
type Acknowledged = Arc<Mutex<Vec<(u64, Vec<u8>)>>>;

/// `POST /add`; the index, or `None` if the server did not acknowledge (e.g. it was killed).
fn post(addr: &str, body: &[u8]) -> Option<u64> {
    match try_http(addr, "POST", "/add", body).ok()? {
        (200, _, b) => String::from_utf8(b).ok()?.trim().parse().ok(),
        _ => None,
    }
}

/// `GET path`'s body, or `None`.
fn get(addr: &str, path: &str) -> Option<Vec<u8>> {
    match try_http(addr, "GET", path, b"").ok()? {
        (200, _, b) => Some(b),
        _ => None,
    }
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn sigkill_at_random_moments_loses_no_acknowledged_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let vkey = common::init_log(dir, ORIGIN);
    let verifiers = Verifiers::from_vkeys([vkey.as_str()]).unwrap();

    let seed = std::env::var("LUMEN_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    println!("LUMEN_FAULT_SEED={seed}");
    let mut rng = Rng(seed);

    let acknowledged: Acknowledged = Arc::default();
    let checkpoints: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
    let mut kills = 0;
    for round in 0..6 {
        // Four clients append as fast as they can: no rate limit (this tests durability).
        let server = Server::start_with(dir, 5, &common::NO_RATE_LIMIT);
        let addr = server.addr.clone();
        let stop = Arc::new(AtomicBool::new(false));
        let clients: Vec<_> = (0..4)
            .map(|c| {
                let (addr, stop, ack, cps) = (
                    addr.clone(),
                    stop.clone(),
                    acknowledged.clone(),
                    checkpoints.clone(),
                );
                std::thread::spawn(move || {
                    let mut i = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        let entry = format!("round {round} client {c} entry {i}").into_bytes();
                        i += 1;
                        match post(&addr, &entry) {
                            Some(index) => ack.lock().unwrap().push((index, entry)),
                            None => std::thread::sleep(Duration::from_millis(2)),
                        }
                        if i.is_multiple_of(10)
                            && let Some(cp) = get(&addr, "/checkpoint")
                        {
                            cps.lock().unwrap().push(cp);
                        }
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(50 + rng.next() % 400));
        server.crash();
        kills += 1;
        stop.store(true, Ordering::Relaxed);
        for c in clients {
            c.join().unwrap();
        }
    }
    assert_eq!(kills, 6);

    // Restart once more: the log opens (its checkpoint verifies and its tiles match the root).
    let server = Server::start(dir, 5);
    let final_raw = get(&server.addr, "/checkpoint").expect("final checkpoint");
    server.stop();
    let final_cp = VerifiedCheckpoint::open(&final_raw, ORIGIN, &verifiers).unwrap();
    let size = final_cp.checkpoint().size();
    let root = *final_cp.checkpoint().root();
    let ack = acknowledged.lock().unwrap();
    println!(
        "{} entries acknowledged, final size {size}, {} checkpoints seen",
        ack.len(),
        checkpoints.lock().unwrap().len()
    );
    assert!(
        ack.len() > 20,
        "too few appends to mean anything: {}",
        ack.len()
    );

    // Every acknowledged entry is in the log at its index (entry bundle and inclusion proof).
    let storage = FsStorage::new(dir.join("log")).unwrap();
    let reader = TileHashReader::new(&storage, size);
    let mut indices: Vec<u64> = ack.iter().map(|(i, _)| *i).collect();
    indices.sort_unstable();
    indices.dedup();
    assert_eq!(indices.len(), ack.len(), "an index was acknowledged twice");
    let mut bundles = std::collections::HashMap::new();
    for (index, entry) in ack.iter() {
        assert!(
            *index < size,
            "acknowledged index {index} beyond the final size {size}"
        );
        let proof = prove_inclusion(&reader, *index, size).unwrap();
        verify_inclusion(&leaf_hash(entry), &proof, &root).unwrap();
        let tile = index / 256;
        let bundle = bundles.entry(tile).or_insert_with(|| {
            let width = match last_tile(0, size) {
                Some(t) if t.index == tile => t.width,
                _ => 256,
            };
            let bytes = storage
                .read(&BundleId { index: tile, width }.path())
                .unwrap()
                .unwrap();
            (bytes, width)
        });
        let entries = decode_entry_bundle(&bundle.0, bundle.1).unwrap();
        assert_eq!(
            entries[(index % 256) as usize],
            &entry[..],
            "entry at {index}"
        );
    }

    // Every checkpoint a client saw verifies and is consistent with the final one.
    for raw in checkpoints.lock().unwrap().iter() {
        let cp = VerifiedCheckpoint::open(raw, ORIGIN, &verifiers).unwrap();
        let old = cp.checkpoint();
        assert!(old.size() <= size);
        if old.size() > 0 {
            let proof = prove_consistency(&reader, old.size(), size).unwrap();
            verify_consistency(&proof, old.root(), &root).unwrap();
        }
    }
}
