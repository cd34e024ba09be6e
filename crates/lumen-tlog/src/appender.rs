//! The batched durable appender: many clients, one background writer, one set of fsyncs per batch.
//!
//! An [`Appender`] owns a [`TileLog`] on a background thread. Clients call the blocking
//! [`Appender::append`] (or [`Appender::submit`] and later [`PendingEntry::wait`]) from any
//! number of threads through cheap [`Clone`] handles. The writer collects entries into a batch
//! until it holds [`AppenderOptions::max_batch_entries`] entries or
//! [`AppenderOptions::max_delay`] has passed since the batch's first entry arrived, and integrates
//! the batch with one [`TileLog::append`].
//!
//! **Durability order.** For each batch the log writes, each atomically and durably (see
//! [`crate::storage`]): the entry bundles that change, then the hash tiles that change, and last
//! the signed `checkpoint`. A crash at any point leaves the previous checkpoint in place, and
//! everything it covers intact; resources written for a size that never got a checkpoint are
//! ignored by readers and rewritten by the next batch.
//!
//! **Acknowledgement guarantee.** A caller receives `Ok(index)` only after the checkpoint covering
//! its whole batch has been written, so an acknowledged entry is present at that index in every
//! later state of the log, including after a crash. If any write of a batch fails, every caller in
//! that batch receives [`AppendError::BatchFailed`], the writer reopens the log from storage (back
//! to the last checkpoint that was written) and continues with the next batch, whose indices
//! start at the reopened size. An error does not prove the entry is absent (the checkpoint write
//! may have reached the disk before the error was reported); a client that must know retries and
//! deduplicates by content.
//!
//! **Single writer.** [`Appender::create_fs`] and [`Appender::open_fs`] hold an exclusive advisory
//! lock on `<dir>/.lock` (a name no log resource can have) for as long as the writer runs; a
//! second appender on the same directory, in this process or another, fails at once with
//! [`AppendError::Locked`]. The generic [`Appender::create`] and [`Appender::open`] take no lock:
//! the caller guarantees a single writer.
//!
//! ```
//! use lumen_tlog::appender::{Appender, AppenderOptions};
//! use lumen_tlog::note::{Ed25519NoteSigner, generate_key};
//! use lumen_crypto::ExposeSecret;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let key = generate_key("example.com/log")?;
//! let signer = Ed25519NoteSigner::from_signer_key(key.signer_key.expose_secret())?;
//! let appender = Appender::create_fs(dir.path(), "example.com/log", signer, AppenderOptions::default())?;
//!
//! let other = appender.clone();
//! let t = std::thread::spawn(move || other.append(b"from a thread".to_vec()));
//! let index = appender.append(b"hello".to_vec())?;
//! let other_index = t.join().map_err(|_| "thread panicked")??;
//! assert_ne!(index, other_index);
//!
//! // A second writer on the same directory is refused while the first one runs.
//! let key2 = generate_key("example.com/log")?;
//! let signer2 = Ed25519NoteSigner::from_signer_key(key2.signer_key.expose_secret())?;
//! assert!(matches!(
//!     Appender::open_fs(dir.path(), "example.com/log", signer2, AppenderOptions::default()),
//!     Err(lumen_tlog::appender::AppendError::Locked { .. })
//! ));
//!
//! appender.shutdown()?;
//! assert_eq!(appender.stats().log_size, 2);
//! # Ok(())
//! # }
//! ```

use crate::note::Ed25519NoteSigner;
use crate::storage::{FsStorage, TileWriter};
use crate::tiles::MAX_ENTRY_LEN;
use crate::writer::{LogError, TileLog};
use lumen_crypto::{ExposeSecret, SecretString};
use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The name of the lock file the filesystem constructors hold inside the log directory.
pub const LOCK_FILE: &str = ".lock";

/// Default for [`AppenderOptions::max_batch_entries`].
pub const DEFAULT_MAX_BATCH_ENTRIES: usize = 4096;

/// Default for [`AppenderOptions::max_delay`].
pub const DEFAULT_MAX_DELAY: Duration = Duration::from_millis(50);

/// How the appender forms batches and which entries it accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppenderOptions {
    /// A batch is closed as soon as it holds this many entries (at least 1).
    pub max_batch_entries: usize,
    /// A batch is closed this long after its first entry arrived, however few entries it holds.
    pub max_delay: Duration,
    /// Entries longer than this many bytes are refused with [`AppendError::EntryTooLarge`]
    /// (at most [`MAX_ENTRY_LEN`], the entry-bundle limit).
    pub max_entry_len: usize,
}

impl Default for AppenderOptions {
    fn default() -> Self {
        Self {
            max_batch_entries: DEFAULT_MAX_BATCH_ENTRIES,
            max_delay: DEFAULT_MAX_DELAY,
            max_entry_len: MAX_ENTRY_LEN,
        }
    }
}

/// What is wrong with an [`AppenderOptions`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OptionsProblem {
    /// `max_batch_entries` is 0.
    #[error("max_batch_entries must be at least 1")]
    ZeroBatchSize,
    /// `max_entry_len` exceeds what an entry bundle can hold.
    #[error("max_entry_len {limit} exceeds the entry-bundle limit {max}")]
    EntryLimitTooLarge {
        /// The limit asked for.
        limit: usize,
        /// The largest possible limit.
        max: usize,
    },
}

/// Why an appender could not be started or an entry was not acknowledged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppendError {
    /// Another appender holds the log directory's lock file.
    #[error("another appender is writing the log at {}: {} is locked", dir.display(), LOCK_FILE)]
    Locked {
        /// The log directory.
        dir: PathBuf,
    },
    /// The lock file could not be created, opened or locked.
    #[error("cannot lock {}: {source}", path.display())]
    LockFile {
        /// The lock file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The options are unusable.
    #[error("invalid appender options: {0}")]
    InvalidOptions(#[from] OptionsProblem),
    /// The log directory could not be prepared.
    #[error("cannot use log directory {}: {source}", dir.display())]
    Directory {
        /// The log directory.
        dir: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Creating or opening the log failed when the appender started.
    #[error("cannot start the appender: {0}")]
    Log(#[source] LogError),
    /// The background writer thread could not be started.
    #[error("cannot start the appender thread: {0}")]
    Spawn(#[source] std::io::Error),
    /// The entry is longer than the appender accepts; it was not appended.
    #[error("entry of {len} bytes exceeds the limit of {max} bytes")]
    EntryTooLarge {
        /// The entry's length.
        len: usize,
        /// The limit ([`AppenderOptions::max_entry_len`]).
        max: usize,
    },
    /// Writing the batch that held this entry failed; the entry was not acknowledged (it may
    /// still have reached storage), and the log was reopened from its last checkpoint.
    #[error("the batch of {batch_len} entries holding this entry failed: {source}")]
    BatchFailed {
        /// Number of entries in the failed batch.
        batch_len: usize,
        /// What failed (shared by every caller in the batch).
        source: Arc<LogError>,
    },
    /// The log could not be reopened after an earlier failed batch; nothing was written.
    #[error("the log is unavailable since an earlier batch failed: {source}")]
    LogUnavailable {
        /// Why reopening failed (shared by every caller in the batch).
        source: Arc<LogError>,
    },
    /// The writer stopped (shut down, or its thread panicked) before it accepted or answered
    /// this entry; the entry was not acknowledged.
    #[error("the appender has been shut down")]
    ShutDown,
    /// The background writer thread panicked.
    #[error("the appender thread panicked")]
    WriterPanicked,
}

/// Counters describing what the appender has done since it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AppenderStats {
    /// Batches written and acknowledged (one checkpoint each).
    pub batches: u64,
    /// Entries acknowledged.
    pub entries: u64,
    /// Batches whose write failed (every caller in them got an error).
    pub failed_batches: u64,
    /// Times the log was reopened from storage after a failure.
    pub reopens: u64,
    /// The log size as of the last checkpoint the appender wrote or opened.
    pub log_size: u64,
}

#[derive(Debug, Default)]
struct Counters {
    batches: AtomicU64,
    entries: AtomicU64,
    failed_batches: AtomicU64,
    reopens: AtomicU64,
    log_size: AtomicU64,
}

struct Shared {
    counters: Counters,
    checkpoint: Mutex<Arc<[u8]>>,
}

type Reply = Result<u64, AppendError>;

struct Request {
    entry: Vec<u8>,
    reply: Responder,
}

/// Where the writer sends an entry's outcome. Dropping it unanswered (the writer stopped) reads
/// as [`AppendError::ShutDown`] to the waiting caller.
enum Responder {
    /// A [`PendingEntry`] waits on the other end.
    Channel(SyncSender<Reply>),
    /// A [`Appender::submit_with`] callback.
    Callback(Box<dyn FnOnce(Reply) + Send>),
}

impl Responder {
    fn send(self, reply: Reply) {
        match self {
            // The caller may have stopped waiting; nothing is lost by not telling it.
            Responder::Channel(tx) => {
                let _ = tx.send(reply);
            }
            Responder::Callback(done) => done(reply),
        }
    }
}

enum Message {
    Append(Request),
    Shutdown,
}

struct Inner {
    tx: Sender<Message>,
    closed: AtomicBool,
    thread: Mutex<Option<JoinHandle<()>>>,
    shared: Arc<Shared>,
    max_entry_len: usize,
}

impl Inner {
    /// Asks the writer to flush and stop, then waits for it.
    fn stop(&self) -> Result<(), AppendError> {
        self.closed.store(true, Ordering::SeqCst);
        // The writer may already be gone; then there is nothing to tell it.
        let _ = self.tx.send(Message::Shutdown);
        // The lock is held until the writer has been joined, so that a concurrent `shutdown`
        // also returns only after the final flush. Nothing that can panic runs under it; were it
        // poisoned anyway, the `Option` inside is still valid, so it is used as is.
        let mut thread = self.thread.lock().unwrap_or_else(PoisonError::into_inner);
        match thread.take() {
            Some(h) => h.join().map_err(|_| AppendError::WriterPanicked),
            None => Ok(()),
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Errors cannot be reported from `drop`; a writer panic was already visible to callers.
        let _ = self.stop();
    }
}

/// A handle to a batched durable appender; clone it to share the writer between threads.
///
/// The writer stops (after flushing its pending batch) on [`Appender::shutdown`] or when the
/// last handle is dropped.
#[derive(Clone)]
pub struct Appender {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Appender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Appender")
            .field("closed", &self.inner.closed.load(Ordering::SeqCst))
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// An entry that has been handed to the writer; [`PendingEntry::wait`] blocks for its index.
#[derive(Debug)]
#[must_use = "an entry is only acknowledged once `wait` returns its index"]
pub struct PendingEntry {
    reply: mpsc::Receiver<Reply>,
}

impl PendingEntry {
    /// Blocks until the entry's batch is durable and its checkpoint written, and returns the
    /// entry's index, or the reason it was not acknowledged.
    pub fn wait(self) -> Result<u64, AppendError> {
        // A dropped reply channel means the writer stopped without answering.
        self.reply.recv().unwrap_or(Err(AppendError::ShutDown))
    }
}

impl Appender {
    /// Creates a new log in directory `dir` (created if missing) and starts an appender on it,
    /// holding `dir/.lock` while the writer runs.
    pub fn create_fs(
        dir: impl AsRef<Path>,
        origin: &str,
        signer: Ed25519NoteSigner,
        options: AppenderOptions,
    ) -> Result<Self, AppendError> {
        Self::start_fs(dir.as_ref(), origin, signer, options, true)
    }

    /// Opens the existing log in directory `dir` and starts an appender on it, holding
    /// `dir/.lock` while the writer runs.
    pub fn open_fs(
        dir: impl AsRef<Path>,
        origin: &str,
        signer: Ed25519NoteSigner,
        options: AppenderOptions,
    ) -> Result<Self, AppendError> {
        Self::start_fs(dir.as_ref(), origin, signer, options, false)
    }

    /// Creates a new log in `storage` and starts an appender on it; the caller guarantees that
    /// nothing else writes to `storage` while the appender runs.
    pub fn create<S>(
        storage: S,
        origin: &str,
        signer: Ed25519NoteSigner,
        options: AppenderOptions,
    ) -> Result<Self, AppendError>
    where
        S: TileWriter + Clone + Send + 'static,
    {
        Self::start(storage, origin, signer, options, true, None)
    }

    /// Opens the existing log in `storage` and starts an appender on it; the caller guarantees
    /// that nothing else writes to `storage` while the appender runs.
    pub fn open<S>(
        storage: S,
        origin: &str,
        signer: Ed25519NoteSigner,
        options: AppenderOptions,
    ) -> Result<Self, AppendError>
    where
        S: TileWriter + Clone + Send + 'static,
    {
        Self::start(storage, origin, signer, options, false, None)
    }

    fn start_fs(
        dir: &Path,
        origin: &str,
        signer: Ed25519NoteSigner,
        options: AppenderOptions,
        create: bool,
    ) -> Result<Self, AppendError> {
        check_options(&options)?;
        let storage = FsStorage::new(dir).map_err(|source| AppendError::Directory {
            dir: dir.to_path_buf(),
            source,
        })?;
        let lock = lock_dir(dir)?;
        Self::start(storage, origin, signer, options, create, Some(lock))
    }

    fn start<S>(
        storage: S,
        origin: &str,
        signer: Ed25519NoteSigner,
        options: AppenderOptions,
        create: bool,
        lock: Option<File>,
    ) -> Result<Self, AppendError>
    where
        S: TileWriter + Clone + Send + 'static,
    {
        check_options(&options)?;
        // Kept to rebuild the signer when the log has to be reopened after a failed batch
        // (`TileLog` owns its signer); zeroized on drop.
        let signer_key = signer.to_signer_key();
        let log = if create {
            TileLog::create(storage.clone(), origin, signer)
        } else {
            TileLog::open(storage.clone(), origin, signer)
        }
        .map_err(AppendError::Log)?;
        let shared = Arc::new(Shared {
            counters: Counters::default(),
            checkpoint: Mutex::new(Arc::from(log.checkpoint())),
        });
        shared.counters.log_size.store(log.size(), Ordering::SeqCst);
        let (tx, rx) = mpsc::channel();
        let writer = Writer {
            log: Some(log),
            storage,
            origin: origin.to_owned(),
            signer_key,
            options: options.clone(),
            shared: Arc::clone(&shared),
            lock,
        };
        let thread = std::thread::Builder::new()
            .name("lumen-tlog-appender".into())
            .spawn(move || writer.run(rx))
            .map_err(AppendError::Spawn)?;
        Ok(Self {
            inner: Arc::new(Inner {
                tx,
                closed: AtomicBool::new(false),
                thread: Mutex::new(Some(thread)),
                shared,
                max_entry_len: options.max_entry_len,
            }),
        })
    }

    /// Appends `entry` and blocks until it is durable and covered by a written checkpoint;
    /// returns its index in the log.
    pub fn append(&self, entry: Vec<u8>) -> Result<u64, AppendError> {
        self.submit(entry)?.wait()
    }

    /// Hands `entry` to the writer without waiting; the entry is acknowledged only when
    /// [`PendingEntry::wait`] returns its index.
    pub fn submit(&self, entry: Vec<u8>) -> Result<PendingEntry, AppendError> {
        let (reply, rx) = mpsc::sync_channel(1);
        self.enqueue(entry, Responder::Channel(reply))?;
        Ok(PendingEntry { reply: rx })
    }

    /// Hands `entry` to the writer without waiting; once the entry's batch is durable and its
    /// checkpoint written, `done` is called on the writer thread with the entry's index (or with
    /// the reason it was not acknowledged). `done` must return quickly and must not panic: it
    /// runs between batches. If the writer stops first, `done` is dropped without being called.
    /// This lets an async server await acknowledgements without a thread per pending entry.
    pub fn submit_with(
        &self,
        entry: Vec<u8>,
        done: impl FnOnce(Result<u64, AppendError>) + Send + 'static,
    ) -> Result<(), AppendError> {
        self.enqueue(entry, Responder::Callback(Box::new(done)))
    }

    fn enqueue(&self, entry: Vec<u8>, reply: Responder) -> Result<(), AppendError> {
        if entry.len() > self.inner.max_entry_len {
            return Err(AppendError::EntryTooLarge {
                len: entry.len(),
                max: self.inner.max_entry_len,
            });
        }
        if self.inner.closed.load(Ordering::SeqCst) {
            return Err(AppendError::ShutDown);
        }
        self.inner
            .tx
            .send(Message::Append(Request { entry, reply }))
            .map_err(|_| AppendError::ShutDown)
    }

    /// Flushes the pending batch, stops the writer and waits for it (releasing the lock file);
    /// later appends through any handle fail with [`AppendError::ShutDown`].
    pub fn shutdown(&self) -> Result<(), AppendError> {
        self.inner.stop()
    }

    /// What the writer has done so far.
    pub fn stats(&self) -> AppenderStats {
        let c = &self.inner.shared.counters;
        AppenderStats {
            batches: c.batches.load(Ordering::SeqCst),
            entries: c.entries.load(Ordering::SeqCst),
            failed_batches: c.failed_batches.load(Ordering::SeqCst),
            reopens: c.reopens.load(Ordering::SeqCst),
            log_size: c.log_size.load(Ordering::SeqCst),
        }
    }

    /// The signed checkpoint the writer last wrote (or opened); it covers every entry
    /// acknowledged before this call.
    pub fn checkpoint(&self) -> Arc<[u8]> {
        // Only a pointer swap runs under this lock; a poisoned lock still holds a valid value.
        Arc::clone(
            &self
                .inner
                .shared
                .checkpoint
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }
}

fn check_options(options: &AppenderOptions) -> Result<(), OptionsProblem> {
    if options.max_batch_entries == 0 {
        return Err(OptionsProblem::ZeroBatchSize);
    }
    if options.max_entry_len > MAX_ENTRY_LEN {
        return Err(OptionsProblem::EntryLimitTooLarge {
            limit: options.max_entry_len,
            max: MAX_ENTRY_LEN,
        });
    }
    Ok(())
}

/// Takes the exclusive advisory lock on `dir/.lock`, without waiting.
fn lock_dir(dir: &Path) -> Result<File, AppendError> {
    let path = dir.join(LOCK_FILE);
    // A regular file only, opened without blocking: a FIFO planted at `.lock` must not hang us.
    let file = lumen_crypto::fs::append_regular_file(&path).map_err(|e| AppendError::LockFile {
        path: path.clone(),
        source: e.into(),
    })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(AppendError::Locked {
            dir: dir.to_path_buf(),
        }),
        Err(TryLockError::Error(source)) => Err(AppendError::LockFile { path, source }),
    }
}

/// The background writer: owns the log (and the lock file) and answers every request.
struct Writer<S: TileWriter> {
    /// `None` after a failed batch whose reopen also failed; retried before the next batch.
    log: Option<TileLog<S>>,
    storage: S,
    origin: String,
    signer_key: SecretString,
    options: AppenderOptions,
    shared: Arc<Shared>,
    /// Held (and so locked) until the writer has made its last write.
    #[allow(dead_code)]
    lock: Option<File>,
}

impl<S: TileWriter + Clone> Writer<S> {
    fn run(mut self, rx: Receiver<Message>) {
        let mut stopping = false;
        while !stopping {
            let first = match rx.recv() {
                Ok(Message::Append(r)) => r,
                Ok(Message::Shutdown) | Err(_) => break,
            };
            let mut batch = vec![first];
            let deadline = Instant::now() + self.options.max_delay;
            while batch.len() < self.options.max_batch_entries {
                let wait = deadline.saturating_duration_since(Instant::now());
                match rx.recv_timeout(wait) {
                    Ok(Message::Append(r)) => batch.push(r),
                    Ok(Message::Shutdown) | Err(RecvTimeoutError::Disconnected) => {
                        stopping = true;
                        break;
                    }
                    Err(RecvTimeoutError::Timeout) => break,
                }
            }
            self.commit(batch);
        }
        // Anything queued behind the shutdown request is refused; requests sent after the
        // channel closes see their reply channel dropped, which also reads as `ShutDown`.
        drop(rx);
        self.lock = None;
    }

    /// Writes one batch and answers every caller in it.
    fn commit(&mut self, batch: Vec<Request>) {
        let mut entries = Vec::with_capacity(batch.len());
        let mut replies = Vec::with_capacity(batch.len());
        for r in batch {
            // `submit` already refused these; checked again so one entry can never fail a batch.
            if r.entry.len() > self.options.max_entry_len {
                r.reply.send(Err(AppendError::EntryTooLarge {
                    len: r.entry.len(),
                    max: self.options.max_entry_len,
                }));
            } else {
                entries.push(r.entry);
                replies.push(r.reply);
            }
        }
        if entries.is_empty() {
            return;
        }
        let log = match self.log.take() {
            Some(log) => log,
            None => match self.reopen() {
                Ok(log) => log,
                Err(e) => {
                    let source = Arc::new(e);
                    for reply in replies {
                        reply.send(Err(AppendError::LogUnavailable {
                            source: Arc::clone(&source),
                        }));
                    }
                    return;
                }
            },
        };
        let mut log = log;
        let c = &self.shared.counters;
        match log.append(&entries) {
            Ok(first) => {
                c.batches.fetch_add(1, Ordering::SeqCst);
                c.entries.fetch_add(entries.len() as u64, Ordering::SeqCst);
                self.publish(&log);
                // The checkpoint covering the batch is written: now, and only now, acknowledge.
                for (i, reply) in replies.into_iter().enumerate() {
                    reply.send(Ok(first + i as u64));
                }
                self.log = Some(log);
            }
            Err(e) => {
                c.failed_batches.fetch_add(1, Ordering::SeqCst);
                drop(log);
                // Back to the last checkpoint in storage before answering, so that callers who
                // see the error also see the rolled-back size; if reopening fails it is retried
                // before the next batch.
                self.log = self.reopen().ok();
                let source = Arc::new(e);
                for reply in replies {
                    reply.send(Err(AppendError::BatchFailed {
                        batch_len: entries.len(),
                        source: Arc::clone(&source),
                    }));
                }
            }
        }
    }

    fn reopen(&self) -> Result<TileLog<S>, LogError> {
        let signer = Ed25519NoteSigner::from_signer_key(self.signer_key.expose_secret())?;
        let log = TileLog::open(self.storage.clone(), &self.origin, signer)?;
        self.shared.counters.reopens.fetch_add(1, Ordering::SeqCst);
        self.publish(&log);
        Ok(log)
    }

    /// Makes `log`'s size and checkpoint visible through [`Appender::stats`] and
    /// [`Appender::checkpoint`].
    fn publish(&self, log: &TileLog<S>) {
        self.shared
            .counters
            .log_size
            .store(log.size(), Ordering::SeqCst);
        *self
            .shared
            .checkpoint
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Arc::from(log.checkpoint());
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::checkpoint::Checkpoint;
    use crate::storage::TileReader;
    use std::collections::HashMap;
    use std::io;

    const ORIGIN: &str = "example.com/log/appender-unit";

    /// An in-memory storage whose reads and writes can be made to fail.
    #[derive(Clone, Default)]
    struct MemStorage {
        files: Arc<Mutex<HashMap<String, Vec<u8>>>>,
        fail_reads: Arc<AtomicBool>,
        fail_writes: Arc<AtomicBool>,
        fail_checkpoint: Arc<AtomicBool>,
        panic_on_write: Arc<AtomicBool>,
    }

    impl TileReader for MemStorage {
        fn read(&self, path: &str) -> io::Result<Option<Vec<u8>>> {
            if self.fail_reads.load(Ordering::SeqCst) {
                return Err(io::Error::other("read failure"));
            }
            Ok(self.files.lock().unwrap().get(path).cloned())
        }
    }

    impl TileWriter for MemStorage {
        fn write(&self, path: &str, bytes: &[u8]) -> io::Result<()> {
            if self.panic_on_write.load(Ordering::SeqCst) {
                panic!("storage panicked (simulated bug)");
            }
            if self.fail_writes.load(Ordering::SeqCst)
                || (path == "checkpoint" && self.fail_checkpoint.load(Ordering::SeqCst))
            {
                return Err(io::Error::other("write failure"));
            }
            self.files
                .lock()
                .unwrap()
                .insert(path.to_owned(), bytes.to_vec());
            Ok(())
        }
    }

    fn signer() -> Ed25519NoteSigner {
        let key = crate::note::generate_key(ORIGIN).unwrap();
        Ed25519NoteSigner::from_signer_key(key.signer_key.expose_secret()).unwrap()
    }

    fn quick() -> AppenderOptions {
        AppenderOptions {
            max_delay: Duration::from_millis(1),
            ..AppenderOptions::default()
        }
    }

    fn checkpoint_size(raw: &[u8]) -> u64 {
        let text = std::str::from_utf8(raw).unwrap();
        let body = &text[..text.find("\n\n").unwrap() + 1];
        Checkpoint::parse(body).unwrap().size()
    }

    #[test]
    fn unusable_options_are_refused() {
        let zero = AppenderOptions {
            max_batch_entries: 0,
            ..AppenderOptions::default()
        };
        assert!(matches!(
            Appender::create(MemStorage::default(), ORIGIN, signer(), zero),
            Err(AppendError::InvalidOptions(OptionsProblem::ZeroBatchSize))
        ));
        let big = AppenderOptions {
            max_entry_len: MAX_ENTRY_LEN + 1,
            ..AppenderOptions::default()
        };
        assert!(matches!(
            Appender::create(MemStorage::default(), ORIGIN, signer(), big),
            Err(AppendError::InvalidOptions(
                OptionsProblem::EntryLimitTooLarge { limit, max: MAX_ENTRY_LEN }
            )) if limit == MAX_ENTRY_LEN + 1
        ));
        // `open` needs an existing log.
        assert!(matches!(
            Appender::open(MemStorage::default(), ORIGIN, signer(), quick()),
            Err(AppendError::Log(LogError::NoCheckpoint))
        ));
    }

    #[test]
    fn the_checkpoint_and_stats_follow_the_batches() {
        let storage = MemStorage::default();
        let a = Appender::create(storage.clone(), ORIGIN, signer(), quick()).unwrap();
        assert_eq!(checkpoint_size(&a.checkpoint()), 0);
        assert_eq!(a.stats(), AppenderStats::default());
        assert_eq!(a.append(b"one".to_vec()).unwrap(), 0);
        assert_eq!(a.append(b"two".to_vec()).unwrap(), 1);
        assert_eq!(checkpoint_size(&a.checkpoint()), 2);
        assert_eq!(
            storage.read("checkpoint").unwrap().unwrap(),
            a.checkpoint().to_vec()
        );
        assert_eq!(
            a.stats(),
            AppenderStats {
                batches: 2,
                entries: 2,
                failed_batches: 0,
                reopens: 0,
                log_size: 2,
            }
        );
    }

    #[test]
    fn a_failed_reopen_is_reported_and_retried_before_the_next_batch() {
        let storage = MemStorage::default();
        let a = Appender::create(storage.clone(), ORIGIN, signer(), quick()).unwrap();
        assert_eq!(a.append(b"a".to_vec()).unwrap(), 0);

        storage.fail_writes.store(true, Ordering::SeqCst);
        storage.fail_reads.store(true, Ordering::SeqCst);
        match a.append(b"b".to_vec()) {
            Err(AppendError::BatchFailed {
                batch_len: 1,
                source,
            }) => {
                assert!(matches!(*source, LogError::Io { .. }));
            }
            other => panic!("{other:?}"),
        }
        match a.append(b"c".to_vec()) {
            Err(AppendError::LogUnavailable { source }) => {
                assert!(matches!(*source, LogError::Io { .. }));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(a.stats().reopens, 0);

        storage.fail_writes.store(false, Ordering::SeqCst);
        storage.fail_reads.store(false, Ordering::SeqCst);
        // "b" and "c" were never acknowledged, so their indices are reused.
        assert_eq!(a.append(b"d".to_vec()).unwrap(), 1);
        let s = a.stats();
        assert_eq!(
            (s.batches, s.entries, s.failed_batches, s.reopens),
            (2, 2, 1, 1)
        );
        assert_eq!(s.log_size, 2);
    }

    #[test]
    fn a_batch_whose_checkpoint_write_fails_is_rolled_back_and_its_indices_reused() {
        let storage = MemStorage::default();
        let a = Appender::create(storage.clone(), ORIGIN, signer(), quick()).unwrap();
        assert_eq!(a.append(b"a".to_vec()).unwrap(), 0);
        let before = a.checkpoint();
        // The bundle and tile for size 2 are written, the checkpoint is not.
        storage.fail_checkpoint.store(true, Ordering::SeqCst);
        assert!(matches!(
            a.append(b"b".to_vec()),
            Err(AppendError::BatchFailed { batch_len: 1, .. })
        ));
        let stale = storage.read("tile/entries/000.p/2").unwrap().unwrap();
        assert_eq!(
            crate::tiles::decode_entry_bundle(&stale, 2).unwrap(),
            [b"a".as_slice(), b"b"]
        );
        assert_eq!(a.checkpoint(), before);
        assert_eq!(a.stats().log_size, 1);
        storage.fail_checkpoint.store(false, Ordering::SeqCst);
        // Index 1 was never acknowledged, so "c" takes it and the stale bundle is replaced.
        assert_eq!(a.append(b"c".to_vec()).unwrap(), 1);
        let bundle = storage.read("tile/entries/000.p/2").unwrap().unwrap();
        assert_eq!(
            crate::tiles::decode_entry_bundle(&bundle, 2).unwrap(),
            [b"a".as_slice(), b"c"]
        );
        assert_eq!(checkpoint_size(&a.checkpoint()), 2);
    }

    #[test]
    fn a_panicking_writer_answers_shut_down_and_shutdown_reports_it() {
        let storage = MemStorage::default();
        let a = Appender::create(storage.clone(), ORIGIN, signer(), quick()).unwrap();
        assert_eq!(a.append(b"a".to_vec()).unwrap(), 0);
        storage.panic_on_write.store(true, Ordering::SeqCst);
        assert!(matches!(
            a.append(b"b".to_vec()),
            Err(AppendError::ShutDown)
        ));
        assert!(matches!(a.shutdown(), Err(AppendError::WriterPanicked)));
        assert!(matches!(
            a.append(b"c".to_vec()),
            Err(AppendError::ShutDown)
        ));
    }

    #[test]
    fn submit_after_shutdown_is_refused() {
        let a = Appender::create(MemStorage::default(), ORIGIN, signer(), quick()).unwrap();
        let b = a.clone();
        a.shutdown().unwrap();
        assert!(matches!(b.submit(Vec::new()), Err(AppendError::ShutDown)));
        assert!(matches!(a.append(Vec::new()), Err(AppendError::ShutDown)));
        assert!(a.shutdown().is_ok());
        assert!(format!("{a:?}").contains("closed: true"));
    }

    #[cfg(unix)]
    #[test]
    fn non_regular_file_fifo_lock_file_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            dir.path().join(LOCK_FILE),
            rustix::fs::Mode::from_raw_mode(0o600),
        )
        .unwrap();
        let path = dir.path().to_path_buf();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let refused = match Appender::create_fs(&path, ORIGIN, signer(), quick()) {
                Err(AppendError::LockFile { source, .. }) => source
                    .get_ref()
                    .and_then(|e| e.downcast_ref::<lumen_crypto::fs::FileError>())
                    .is_some_and(|e| {
                        matches!(
                            e,
                            lumen_crypto::fs::FileError::NotARegularFile {
                                kind: lumen_crypto::fs::FileKind::Fifo,
                                ..
                            }
                        )
                    }),
                _ => false,
            };
            let _ = tx.send(refused);
        });
        let refused = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("opening a FIFO lock file blocked");
        assert!(refused, "a FIFO lock file is refused as NotARegularFile");
    }
}
