//! The batched durable appender: concurrent clients, batching by size and time, the single-writer
//! lock (also across processes), graceful shutdown, and crash safety with a storage that fails
//! after its N-th write, for every N.

// Test helpers outside #[test] functions may panic: a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use lumen_crypto::ExposeSecret;
use lumen_tlog::appender::{AppendError, Appender, AppenderOptions, OptionsProblem};
use lumen_tlog::checkpoint::VerifiedCheckpoint;
use lumen_tlog::merkle::{empty_root, verify_consistency};
use lumen_tlog::note::{Ed25519NoteSigner, Verifiers, generate_key};
use lumen_tlog::storage::{FsStorage, TileReader, TileWriter};
use lumen_tlog::tiles::{BundleId, decode_entry_bundle, tiles_for_size};
use lumen_tlog::writer::{LogError, TileLog};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const ORIGIN: &str = "example.com/log/appender-test";

/// One fixed key for the whole test binary (also for the child process of the lock test).
fn signer_key() -> String {
    static KEY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        std::env::var(CHILD_KEY_ENV).unwrap_or_else(|_| {
            generate_key(ORIGIN)
                .unwrap()
                .signer_key
                .expose_secret()
                .to_owned()
        })
    })
    .clone()
}

fn signer() -> Ed25519NoteSigner {
    Ed25519NoteSigner::from_signer_key(&signer_key()).unwrap()
}

fn verifiers() -> Verifiers {
    let mut v = Verifiers::new();
    v.add(signer().verifier()).unwrap();
    v
}

/// Every entry of the log in `dir` as of its checkpoint, read back from the entry bundles.
fn read_entries(storage: &impl TileReader, size: u64) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for tile in tiles_for_size(0, size) {
        let id = BundleId {
            index: tile.index,
            width: tile.width,
        };
        let bytes = storage.read(&id.path()).unwrap().unwrap();
        for e in decode_entry_bundle(&bytes, tile.width).unwrap() {
            out.push(e.to_vec());
        }
    }
    assert_eq!(out.len() as u64, size);
    out
}

fn entry(client: usize, i: usize) -> Vec<u8> {
    format!("client {client} entry {i}").into_bytes()
}

#[test]
fn concurrent_clients_get_distinct_indices_and_their_entries_read_back() {
    const CLIENTS: usize = 8;
    const PER_CLIENT: usize = 500;
    let dir = tempfile::tempdir().unwrap();
    let options = AppenderOptions {
        max_delay: Duration::from_millis(20),
        ..AppenderOptions::default()
    };
    let appender = Appender::create_fs(dir.path(), ORIGIN, signer(), options).unwrap();
    // Each client keeps a window of 50 entries in flight (submit, then wait), as a server with
    // many connections would; see the blocking test below for one-at-a-time clients.
    let threads: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let a = appender.clone();
            std::thread::spawn(move || {
                let mut got = Vec::new();
                for window in 0..PER_CLIENT / 50 {
                    let pending: Vec<_> = (0..50)
                        .map(|k| {
                            let i = window * 50 + k;
                            (i, a.submit(entry(c, i)).unwrap())
                        })
                        .collect();
                    for (i, p) in pending {
                        got.push((p.wait().unwrap(), entry(c, i)));
                    }
                }
                got
            })
        })
        .collect();
    let mut by_index = BTreeMap::new();
    for t in threads {
        for (index, e) in t.join().unwrap() {
            assert!(by_index.insert(index, e).is_none(), "index {index} twice");
        }
    }
    let n = (CLIENTS * PER_CLIENT) as u64;
    assert_eq!(
        by_index.keys().copied().collect::<Vec<_>>(),
        (0..n).collect::<Vec<_>>()
    );
    let stats = appender.stats();
    assert_eq!(stats.entries, n);
    assert_eq!(stats.log_size, n);
    assert_eq!(stats.failed_batches, 0);
    assert!(
        stats.batches < n / 10,
        "batches formed: {} batches for {n} entries",
        stats.batches
    );
    appender.shutdown().unwrap();

    let log = TileLog::open(FsStorage::new(dir.path()).unwrap(), ORIGIN, signer()).unwrap();
    assert_eq!(log.size(), n);
    let entries = read_entries(log.storage(), n);
    for (index, e) in by_index {
        assert_eq!(entries[index as usize], e, "entry at {index}");
    }
}

#[test]
fn blocking_clients_share_batches() {
    const CLIENTS: usize = 8;
    const PER_CLIENT: usize = 25;
    let dir = tempfile::tempdir().unwrap();
    let options = AppenderOptions {
        max_delay: Duration::from_millis(5),
        ..AppenderOptions::default()
    };
    let appender = Appender::create_fs(dir.path(), ORIGIN, signer(), options).unwrap();
    let threads: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let a = appender.clone();
            std::thread::spawn(move || {
                (0..PER_CLIENT)
                    .map(|i| (a.append(entry(c, i)).unwrap(), entry(c, i)))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut by_index = BTreeMap::new();
    for t in threads {
        for (index, e) in t.join().unwrap() {
            assert!(by_index.insert(index, e).is_none(), "index {index} twice");
        }
    }
    let n = (CLIENTS * PER_CLIENT) as u64;
    assert_eq!(
        by_index.keys().copied().collect::<Vec<_>>(),
        (0..n).collect::<Vec<_>>()
    );
    let stats = appender.stats();
    assert!(
        stats.batches < n / 2,
        "blocking clients share batches: {} batches for {n} entries",
        stats.batches
    );
    drop(appender);
    let storage = FsStorage::new(dir.path()).unwrap();
    let entries = read_entries(&storage, n);
    for (index, e) in by_index {
        assert_eq!(entries[index as usize], e);
    }
}

#[test]
fn a_full_batch_is_written_at_once_and_shutdown_flushes_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let options = AppenderOptions {
        max_batch_entries: 10,
        max_delay: Duration::from_secs(600),
        ..AppenderOptions::default()
    };
    let appender = Appender::create_fs(dir.path(), ORIGIN, signer(), options).unwrap();
    let start = Instant::now();
    let pending: Vec<_> = (0..25)
        .map(|i| appender.submit(entry(0, i)).unwrap())
        .collect();
    let mut pending = pending.into_iter();
    let first: Vec<u64> = pending
        .by_ref()
        .take(20)
        .map(|p| p.wait().unwrap())
        .collect();
    assert_eq!(first, (0..20).collect::<Vec<_>>());
    assert!(start.elapsed() < Duration::from_secs(10), "closed by size");
    assert_eq!(appender.stats().batches, 2);
    assert_eq!(appender.stats().log_size, 20);

    // Five entries wait for a batch that only time (600 s) or shutdown closes.
    let clone = appender.clone();
    appender.shutdown().unwrap();
    let rest: Vec<u64> = pending.map(|p| p.wait().unwrap()).collect();
    assert_eq!(rest, (20..25).collect::<Vec<_>>());
    assert_eq!(clone.stats().batches, 3);
    assert!(matches!(
        clone.append(b"late".to_vec()),
        Err(AppendError::ShutDown)
    ));
    assert!(matches!(
        appender.submit(b"late".to_vec()),
        Err(AppendError::ShutDown)
    ));
    appender.shutdown().unwrap(); // idempotent

    let log = TileLog::open(FsStorage::new(dir.path()).unwrap(), ORIGIN, signer()).unwrap();
    assert_eq!(log.size(), 25);
}

#[test]
fn dropping_the_last_handle_flushes_the_pending_batch() {
    let dir = tempfile::tempdir().unwrap();
    let options = AppenderOptions {
        max_delay: Duration::from_secs(600),
        ..AppenderOptions::default()
    };
    let appender = Appender::create_fs(dir.path(), ORIGIN, signer(), options.clone()).unwrap();
    let a = appender.submit(b"a".to_vec()).unwrap();
    let b = appender.clone().submit(b"b".to_vec()).unwrap();
    drop(appender);
    assert_eq!((a.wait().unwrap(), b.wait().unwrap()), (0, 1));
    // The lock is released with the writer.
    let again = Appender::open_fs(dir.path(), ORIGIN, signer(), options).unwrap();
    assert_eq!(again.stats().log_size, 2);
}

#[test]
fn a_lone_entry_is_acknowledged_after_max_delay() {
    let dir = tempfile::tempdir().unwrap();
    let options = AppenderOptions::default();
    let max_delay = options.max_delay;
    assert_eq!(max_delay, Duration::from_millis(50));
    let appender = Appender::create_fs(dir.path(), ORIGIN, signer(), options).unwrap();
    for expected in 0..3 {
        let start = Instant::now();
        assert_eq!(appender.append(b"alone".to_vec()).unwrap(), expected);
        let elapsed = start.elapsed();
        assert!(
            elapsed >= max_delay,
            "waited for the batch window: {elapsed:?}"
        );
        assert!(
            elapsed < max_delay + Duration::from_millis(500),
            "acknowledged soon after the window: {elapsed:?}"
        );
    }
    assert_eq!(appender.stats().batches, 3);
}

#[test]
fn oversized_entries_are_refused_alone() {
    let dir = tempfile::tempdir().unwrap();
    let options = AppenderOptions {
        max_entry_len: 100,
        max_delay: Duration::from_millis(20),
        ..AppenderOptions::default()
    };
    let appender = Appender::create_fs(dir.path(), ORIGIN, signer(), options).unwrap();
    let ok1 = appender.submit(vec![1; 100]).unwrap();
    assert!(matches!(
        appender.submit(vec![2; 101]),
        Err(AppendError::EntryTooLarge { len: 101, max: 100 })
    ));
    let ok2 = appender.submit(vec![3; 1]).unwrap();
    assert_eq!((ok1.wait().unwrap(), ok2.wait().unwrap()), (0, 1));
    assert_eq!(appender.stats().batches, 1);
    assert_eq!(appender.stats().failed_batches, 0);

    // The default limit is the entry-bundle limit; larger limits are refused up front.
    let big = Appender::create_fs(
        dir.path().join("other"),
        ORIGIN,
        signer(),
        AppenderOptions {
            max_delay: Duration::from_millis(1),
            ..AppenderOptions::default()
        },
    )
    .unwrap();
    assert_eq!(big.append(vec![0; 65535]).unwrap(), 0);
    assert!(matches!(
        big.append(vec![0; 65536]),
        Err(AppendError::EntryTooLarge {
            len: 65536,
            max: 65535
        })
    ));
    assert!(matches!(
        Appender::create_fs(
            dir.path().join("third"),
            ORIGIN,
            signer(),
            AppenderOptions {
                max_entry_len: 65536,
                ..AppenderOptions::default()
            }
        ),
        Err(AppendError::InvalidOptions(
            OptionsProblem::EntryLimitTooLarge {
                limit: 65536,
                max: 65535
            }
        ))
    ));
}

const CHILD_DIR_ENV: &str = "LUMEN_TLOG_APPENDER_TEST_CHILD_DIR";
const CHILD_EXPECT_ENV: &str = "LUMEN_TLOG_APPENDER_TEST_CHILD_EXPECT";
const CHILD_KEY_ENV: &str = "LUMEN_TLOG_APPENDER_TEST_CHILD_KEY";

/// Runs this very test in a child process that tries to open an appender on `dir`.
fn run_child(dir: &Path, expect: &str) {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "the_lock_excludes_a_second_appender_in_this_and_another_process",
            "--exact",
            "--test-threads=1",
        ])
        .env(CHILD_DIR_ENV, dir)
        .env(CHILD_EXPECT_ENV, expect)
        .env(CHILD_KEY_ENV, signer_key())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child expecting {expect}: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_lock_excludes_a_second_appender_in_this_and_another_process() {
    if let Ok(dir) = std::env::var(CHILD_DIR_ENV) {
        // Child process: the parent told us what to expect.
        let result = Appender::open_fs(&dir, ORIGIN, signer(), AppenderOptions::default());
        match std::env::var(CHILD_EXPECT_ENV).unwrap().as_str() {
            "locked" => assert!(
                matches!(&result, Err(AppendError::Locked { dir: d }) if d == Path::new(&dir)),
                "{result:?}"
            ),
            "free" => {
                let a = result.unwrap();
                assert_eq!(
                    a.submit(b"from the child".to_vec())
                        .unwrap()
                        .wait()
                        .unwrap(),
                    1
                );
                a.shutdown().unwrap();
            }
            other => panic!("unknown expectation {other}"),
        }
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let options = AppenderOptions {
        max_delay: Duration::from_millis(1),
        ..AppenderOptions::default()
    };
    let first = Appender::create_fs(dir.path(), ORIGIN, signer(), options.clone()).unwrap();
    assert_eq!(first.append(b"first".to_vec()).unwrap(), 0);
    // In this process: fails at once, for both constructors.
    let start = Instant::now();
    assert!(matches!(
        Appender::open_fs(dir.path(), ORIGIN, signer(), options.clone()),
        Err(AppendError::Locked { .. })
    ));
    assert!(matches!(
        Appender::create_fs(dir.path(), ORIGIN, signer(), options.clone()),
        Err(AppendError::Locked { .. })
    ));
    assert!(start.elapsed() < Duration::from_secs(1));
    // In another process.
    run_child(dir.path(), "locked");
    // The first appender still works, and releases the lock on shutdown.
    let clone = first.clone();
    first.shutdown().unwrap();
    assert!(matches!(
        clone.append(b"x".to_vec()),
        Err(AppendError::ShutDown)
    ));
    run_child(dir.path(), "free");
    let second = Appender::open_fs(dir.path(), ORIGIN, signer(), options).unwrap();
    assert_eq!(second.append(b"third".to_vec()).unwrap(), 2);
    // `create_fs` on an existing log is refused by the log, after the lock.
    drop(second);
    assert!(matches!(
        Appender::create_fs(dir.path(), ORIGIN, signer(), AppenderOptions::default()),
        Err(AppendError::Log(LogError::AlreadyExists))
    ));
}

/// How the simulated storage fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Failure {
    /// Write number `n` (from 0) and every later write fail: the process "crashed" there.
    CrashAt(usize),
    /// Only write number `n` fails; the writer recovers and continues.
    GlitchAt(usize),
    /// Nothing fails.
    Never,
}

/// An [`FsStorage`] whose writes fail as `failure` says; failed writes write nothing.
#[derive(Clone)]
struct FailingStorage {
    inner: FsStorage,
    writes: Arc<AtomicUsize>,
    failure: Failure,
}

impl TileReader for FailingStorage {
    fn read(&self, path: &str) -> std::io::Result<Option<Vec<u8>>> {
        self.inner.read(path)
    }
}

impl TileWriter for FailingStorage {
    fn write(&self, path: &str, bytes: &[u8]) -> std::io::Result<()> {
        let n = self.writes.fetch_add(1, Ordering::SeqCst);
        let fail = match self.failure {
            Failure::CrashAt(at) => n >= at,
            Failure::GlitchAt(at) => n == at,
            Failure::Never => false,
        };
        if fail {
            return Err(std::io::Error::other(format!(
                "simulated failure of write {n} ({path})"
            )));
        }
        self.inner.write(path, bytes)
    }
}

const BATCHES: usize = 4;
const BATCH: usize = 100;

struct Outcome {
    /// Acknowledged (index, entry).
    acked: Vec<(u64, Vec<u8>)>,
    /// The checkpoint before the first batch and after each acknowledged batch.
    checkpoints: Vec<Vec<u8>>,
    failed: usize,
    writes: usize,
}

/// Appends `BATCHES` batches of `BATCH` entries (sizes 100, 200, 300 (crossing the first full
/// tile), 400) through an appender on a storage that fails as `failure` says.
fn run_batches(dir: &Path, failure: Failure) -> Outcome {
    drop(TileLog::create(FsStorage::new(dir).unwrap(), ORIGIN, signer()).unwrap());
    let storage = FailingStorage {
        inner: FsStorage::new(dir).unwrap(),
        writes: Arc::new(AtomicUsize::new(0)),
        failure,
    };
    let writes = Arc::clone(&storage.writes);
    let options = AppenderOptions {
        max_batch_entries: BATCH,
        max_delay: Duration::from_secs(600),
        ..AppenderOptions::default()
    };
    let appender = Appender::open(storage, ORIGIN, signer(), options).unwrap();
    let mut out = Outcome {
        acked: Vec::new(),
        checkpoints: vec![appender.checkpoint().to_vec()],
        failed: 0,
        writes: 0,
    };
    for b in 0..BATCHES {
        let pending: Vec<_> = (0..BATCH)
            .map(|i| {
                let e = entry(b, i);
                (e.clone(), appender.submit(e).unwrap())
            })
            .collect();
        let mut ok = 0;
        for (e, p) in pending {
            match p.wait() {
                Ok(index) => {
                    ok += 1;
                    out.acked.push((index, e));
                }
                Err(AppendError::BatchFailed { batch_len, source }) => {
                    assert_eq!(batch_len, BATCH);
                    assert!(matches!(*source, LogError::Io { .. }), "{source:?}");
                }
                Err(other) => panic!("{failure:?}: unexpected {other:?}"),
            }
        }
        // A batch succeeds or fails as a whole.
        assert!(
            ok == 0 || ok == BATCH,
            "{failure:?}: batch {b} partly acknowledged"
        );
        if ok == BATCH {
            out.checkpoints.push(appender.checkpoint().to_vec());
        } else {
            out.failed += 1;
        }
    }
    let stats = appender.stats();
    assert_eq!(stats.failed_batches as usize, out.failed);
    assert_eq!(stats.entries as usize, out.acked.len());
    assert_eq!(stats.batches as usize, BATCHES - out.failed);
    assert_eq!(
        stats.reopens as usize, out.failed,
        "one reopen per failed batch"
    );
    appender.shutdown().unwrap();
    out.writes = writes.load(Ordering::SeqCst);
    out
}

/// Reopens the log in `dir` from plain storage and checks it against what was acknowledged.
fn check_recovered(dir: &Path, out: &Outcome, failure: Failure) -> u64 {
    let log = TileLog::open(FsStorage::new(dir).unwrap(), ORIGIN, signer())
        .unwrap_or_else(|e| panic!("{failure:?}: reopen failed: {e}"));
    let size = log.size();
    // Every index was acknowledged once, and together they are exactly 0..size: nothing
    // acknowledged is missing, nothing is acknowledged twice, no index is skipped.
    let mut indices: Vec<u64> = out.acked.iter().map(|(i, _)| *i).collect();
    indices.sort_unstable();
    assert_eq!(indices, (0..size).collect::<Vec<_>>(), "{failure:?}");
    let entries = read_entries(log.storage(), size);
    for (index, e) in &out.acked {
        assert_eq!(&entries[*index as usize], e, "{failure:?}: entry {index}");
    }
    // The last checkpoint the appender reported is the one in storage, and every earlier one
    // is consistent with it.
    assert_eq!(
        log.checkpoint(),
        &out.checkpoints.last().unwrap()[..],
        "{failure:?}"
    );
    let v = verifiers();
    let final_root = log.tree().root();
    for raw in &out.checkpoints {
        let cp = VerifiedCheckpoint::open(raw, ORIGIN, &v).unwrap();
        let cp = cp.checkpoint();
        if cp.size() == 0 {
            // RFC 9162 defines no proof from the empty tree; it is a prefix of every tree.
            assert_eq!(*cp.root(), empty_root());
            continue;
        }
        let proof = log.tree().consistency_proof(cp.size(), size).unwrap();
        verify_consistency(&proof, cp.root(), &final_root)
            .unwrap_or_else(|e| panic!("{failure:?}: size {} inconsistent: {e}", cp.size()));
    }
    size
}

#[test]
fn a_crash_after_any_write_leaves_every_acknowledged_entry_in_place() {
    // A clean run gives the number of writes (bundles, tiles, checkpoints) of the workload.
    let dir = tempfile::tempdir().unwrap();
    let clean = run_batches(dir.path(), Failure::Never);
    assert_eq!(clean.failed, 0);
    assert_eq!(check_recovered(dir.path(), &clean, Failure::Never), 400);
    let total = clean.writes;
    // 3 per batch (bundle, level-0 tile, checkpoint), plus the full bundle and tile and the
    // level-1 tile when batch 3 crosses 256.
    assert_eq!(total, 15);

    for n in 0..total {
        let failure = Failure::CrashAt(n);
        let dir = tempfile::tempdir().unwrap();
        let out = run_batches(dir.path(), failure);
        assert!(out.failed >= 1, "{failure:?}");
        let size = check_recovered(dir.path(), &out, failure);
        // The log stands at the last acknowledged size.
        assert_eq!(size as usize, out.acked.len(), "{failure:?}");
        assert_eq!(size as usize, (BATCHES - out.failed) * BATCH, "{failure:?}");

        // After the "restart", a new appender continues the log right there.
        let a = Appender::open_fs(
            dir.path(),
            ORIGIN,
            signer(),
            AppenderOptions {
                max_delay: Duration::from_millis(1),
                ..AppenderOptions::default()
            },
        )
        .unwrap();
        assert_eq!(
            a.append(b"after restart".to_vec()).unwrap(),
            size,
            "{failure:?}"
        );
        a.shutdown().unwrap();
        let log = TileLog::open(FsStorage::new(dir.path()).unwrap(), ORIGIN, signer()).unwrap();
        assert_eq!(
            read_entries(log.storage(), size + 1)[size as usize],
            b"after restart"
        );
    }
}

#[test]
fn a_failed_write_fails_its_batch_and_the_writer_recovers() {
    let total = 15;
    for n in 0..total {
        let failure = Failure::GlitchAt(n);
        let dir = tempfile::tempdir().unwrap();
        let out = run_batches(dir.path(), failure);
        assert_eq!(out.failed, 1, "{failure:?}");
        let size = check_recovered(dir.path(), &out, failure);
        assert_eq!(size as usize, (BATCHES - 1) * BATCH, "{failure:?}");
    }
}

#[test]
fn callbacks_report_each_index_once_the_batch_is_durable() {
    let dir = tempfile::tempdir().unwrap();
    let appender =
        Appender::create_fs(dir.path(), ORIGIN, signer(), AppenderOptions::default()).unwrap();
    // (index, entry) pairs reported by the callbacks.
    type Reported = Arc<std::sync::Mutex<Vec<(u64, Vec<u8>)>>>;
    let results: Reported = Arc::default();
    let (n_clients, per_client) = (4, 100);
    let threads: Vec<_> = (0..n_clients)
        .map(|c| {
            let (appender, results) = (appender.clone(), results.clone());
            std::thread::spawn(move || {
                for i in 0..per_client {
                    let e = entry(c, i);
                    let (results, copy) = (results.clone(), e.clone());
                    appender
                        .submit_with(e, move |r| {
                            // The checkpoint covering the entry is already on disk when this runs.
                            results.lock().unwrap().push((r.unwrap(), copy));
                        })
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    appender.shutdown().unwrap();
    assert!(matches!(
        appender.submit_with(vec![1], |_| {}),
        Err(AppendError::ShutDown)
    ));
    let mut got = results.lock().unwrap().clone();
    got.sort();
    let n = (n_clients * per_client) as u64;
    assert_eq!(
        got.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
        (0..n).collect::<Vec<_>>()
    );
    let storage = FsStorage::new(dir.path()).unwrap();
    let stored = read_entries(&storage, n);
    for (i, e) in &got {
        assert_eq!(&stored[*i as usize], e);
    }
    // Entries refused up front never reach the callback.
    let appender =
        Appender::open_fs(dir.path(), ORIGIN, signer(), AppenderOptions::default()).unwrap();
    let called = Arc::new(AtomicUsize::new(0));
    let c = called.clone();
    assert!(matches!(
        appender.submit_with(vec![0u8; 70_000], move |_| {
            c.fetch_add(1, Ordering::SeqCst);
        }),
        Err(AppendError::EntryTooLarge { .. })
    ));
    appender.shutdown().unwrap();
    assert_eq!(called.load(Ordering::SeqCst), 0);
}
