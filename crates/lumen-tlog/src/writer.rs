//! The tiled log writer: appends entries in batches, writes entry bundles and hash tiles, then
//! publishes a signed checkpoint.
//!
//! Order of writes for a batch that grows the log from `n` to `m` entries: the entry bundles
//! that change, the hash tiles that change (every level), and last the `checkpoint`, by atomic
//! rename. Readers that follow the tlog-tiles rules only fetch what a checkpoint they verified
//! needs, so a crash at any point leaves a consistent log at the previous checkpoint; resources
//! written for a size that never got a checkpoint are rewritten by the next append.
//!
//! The writer keeps the whole tree's stored hashes in memory (64 bytes per entry), rebuilt from
//! the level-0 tiles when a log is opened, and checked against the published checkpoint root.

use crate::checkpoint::{Checkpoint, VerifiedCheckpoint};
use crate::merkle::{Hash, HashSource, MerkleTree, leaf_hash};
use crate::note::{Ed25519NoteSigner, Verifiers};
use crate::storage::{TileReader, TileWriter};
use crate::tiles::{
    BundleId, TILE_HEIGHT, TILE_WIDTH, TileError, TileId, decode_entry_bundle, decode_hash_tile,
    encode_hash_tile, hashes_at_level, last_tile, push_bundle_entry, tiles_for_size,
};

/// The path of the checkpoint resource.
pub const CHECKPOINT_PATH: &str = "checkpoint";

/// Why the log could not be opened or appended to.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LogError {
    /// Storage failed.
    #[error("storage error on {path}: {source}")]
    Io {
        /// The resource.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// `create` found an existing checkpoint.
    #[error("a log already exists here (it has a checkpoint)")]
    AlreadyExists,
    /// `open` found no checkpoint.
    #[error("no log here: the checkpoint is missing")]
    NoCheckpoint,
    /// The stored checkpoint does not verify or parse (including a wrong origin), or a
    /// checkpoint could not be made.
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] crate::note::NoteError),
    /// A stored tile or bundle is missing or malformed.
    #[error("stored resource {path} is unusable: {reason}")]
    BadResource {
        /// The resource.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The tiles do not hash to the checkpoint's root.
    #[error("the stored tiles do not match the checkpoint root")]
    RootMismatch,
    /// An entry is too large for an entry bundle.
    #[error(transparent)]
    Entry(#[from] TileError),
    /// An earlier write failed; the writer must be reopened from storage.
    #[error("an earlier append failed half-way; reopen the log")]
    Poisoned,
}

fn io(path: &str) -> impl FnOnce(std::io::Error) -> LogError + '_ {
    move |source| LogError::Io {
        path: path.to_owned(),
        source,
    }
}

/// An open, writable tiled log.
pub struct TileLog<S: TileWriter> {
    storage: S,
    origin: String,
    signer: Ed25519NoteSigner,
    tree: MerkleTree,
    /// The entries of the rightmost, incomplete level-0 tile, as bundle bytes.
    partial_bundle: Vec<u8>,
    checkpoint: Vec<u8>,
    poisoned: bool,
}

impl<S: TileWriter> TileLog<S> {
    /// Starts a new, empty log in `storage` and publishes its size-0 checkpoint.
    pub fn create(storage: S, origin: &str, signer: Ed25519NoteSigner) -> Result<Self, LogError> {
        if storage
            .read(CHECKPOINT_PATH)
            .map_err(io(CHECKPOINT_PATH))?
            .is_some()
        {
            return Err(LogError::AlreadyExists);
        }
        let mut log = Self {
            storage,
            origin: origin.to_owned(),
            signer,
            tree: MerkleTree::new(),
            partial_bundle: Vec::new(),
            checkpoint: Vec::new(),
            poisoned: false,
        };
        log.publish_checkpoint()?;
        Ok(log)
    }

    /// Opens the log in `storage`: verifies its checkpoint with the signer's key, rebuilds the
    /// tree from the level-0 tiles and checks it against the checkpoint root.
    pub fn open(storage: S, origin: &str, signer: Ed25519NoteSigner) -> Result<Self, LogError> {
        let raw = storage
            .read(CHECKPOINT_PATH)
            .map_err(io(CHECKPOINT_PATH))?
            .ok_or(LogError::NoCheckpoint)?;
        let mut verifiers = Verifiers::new();
        verifiers.add(signer.verifier())?;
        let verified = VerifiedCheckpoint::open(&raw, origin, &verifiers)?;
        let checkpoint = verified.checkpoint();
        let size = checkpoint.size();
        let mut tree = MerkleTree::with_capacity(usize::try_from(size).unwrap_or(0));
        for tile in tiles_for_size(0, size) {
            for h in read_tile(&storage, tile)? {
                tree.append(h);
            }
        }
        if tree.root() != *checkpoint.root() {
            return Err(LogError::RootMismatch);
        }
        let partial_bundle = match last_tile(0, size).filter(|t| !t.is_full()) {
            None => Vec::new(),
            Some(t) => {
                let id = BundleId {
                    index: t.index,
                    width: t.width,
                };
                let path = id.path();
                let bytes = storage.read(&path).map_err(io(&path))?.ok_or_else(|| {
                    LogError::BadResource {
                        path: path.clone(),
                        reason: "missing".into(),
                    }
                })?;
                let entries =
                    decode_entry_bundle(&bytes, t.width).map_err(|e| LogError::BadResource {
                        path: path.clone(),
                        reason: e.to_string(),
                    })?;
                let base = t.index * TILE_WIDTH;
                for (i, e) in entries.iter().enumerate() {
                    let want =
                        tree.hash_at(0, base + i as u64)
                            .map_err(|e| LogError::BadResource {
                                path: path.clone(),
                                reason: e.to_string(),
                            })?;
                    if leaf_hash(e) != want {
                        return Err(LogError::BadResource {
                            path,
                            reason: format!("entry {i} does not match its leaf hash"),
                        });
                    }
                }
                bytes
            }
        };
        Ok(Self {
            storage,
            origin: origin.to_owned(),
            signer,
            tree,
            partial_bundle,
            checkpoint: raw,
            poisoned: false,
        })
    }

    /// Number of entries in the log.
    pub fn size(&self) -> u64 {
        self.tree.size()
    }

    /// The current signed checkpoint, as published.
    pub fn checkpoint(&self) -> &[u8] {
        &self.checkpoint
    }

    /// The in-memory tree (for proofs).
    pub fn tree(&self) -> &MerkleTree {
        &self.tree
    }

    /// The storage the log writes to.
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// Appends `entries` as one batch and returns the index of the first; everything is durable
    /// and published in a new checkpoint when this returns.
    pub fn append<E: AsRef<[u8]>>(&mut self, entries: &[E]) -> Result<u64, LogError> {
        if self.poisoned {
            return Err(LogError::Poisoned);
        }
        for e in entries {
            if e.as_ref().len() > crate::tiles::MAX_ENTRY_LEN {
                return Err(TileError::EntryTooLong {
                    len: e.as_ref().len(),
                }
                .into());
            }
        }
        let first = self.tree.size();
        if entries.is_empty() {
            return Ok(first);
        }
        // From here on a failure leaves the in-memory state ahead of storage: poison until reopened.
        self.poisoned = true;
        let old_size = first;
        let mut bundle = std::mem::take(&mut self.partial_bundle);
        let mut writes: Vec<(String, Vec<u8>)> = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            let index = old_size + i as u64;
            self.tree.append(leaf_hash(e.as_ref()));
            push_bundle_entry(&mut bundle, e.as_ref())?;
            let filled = index % TILE_WIDTH + 1;
            if filled == TILE_WIDTH || i + 1 == entries.len() {
                let id = BundleId {
                    index: index / TILE_WIDTH,
                    width: filled as u16,
                };
                writes.push((id.path(), bundle.clone()));
                if filled == TILE_WIDTH {
                    bundle.clear();
                }
            }
        }
        self.partial_bundle = bundle;
        self.push_tiles(old_size, &mut writes)?;
        // Entry bundles and tiles first (flushed together), the checkpoint strictly after them.
        self.storage
            .write_all(&writes)
            .map_err(|source| LogError::Io {
                path: format!("{} entry bundles and tiles", writes.len()),
                source,
            })?;
        self.publish_checkpoint()?;
        self.poisoned = false;
        Ok(first)
    }

    /// Adds to `writes` every hash tile that differs between sizes `old_size` and the current size.
    fn push_tiles(
        &self,
        old_size: u64,
        writes: &mut Vec<(String, Vec<u8>)>,
    ) -> Result<(), LogError> {
        let new_size = self.tree.size();
        let mut level: u8 = 0;
        while hashes_at_level(level, new_size) > 0 {
            let old_count = hashes_at_level(level, old_size);
            let new_count = hashes_at_level(level, new_size);
            if new_count > old_count {
                let first_tile = old_count / TILE_WIDTH;
                let last = (new_count - 1) / TILE_WIDTH;
                for index in first_tile..=last {
                    let width = (new_count - index * TILE_WIDTH).min(TILE_WIDTH) as u16;
                    let id = TileId {
                        level,
                        index,
                        width,
                    };
                    let tree_level = u32::from(level) * TILE_HEIGHT;
                    let hashes = (0..u64::from(width))
                        .map(|i| self.tree.hash_at(tree_level as u8, index * TILE_WIDTH + i))
                        .collect::<Result<Vec<Hash>, _>>()
                        .map_err(|e| LogError::BadResource {
                            path: id.path(),
                            reason: e.to_string(),
                        })?;
                    writes.push((id.path(), encode_hash_tile(&hashes)));
                }
            }
            level += 1;
        }
        Ok(())
    }

    fn publish_checkpoint(&mut self) -> Result<(), LogError> {
        let cp = Checkpoint::new(
            self.origin.clone(),
            self.tree.size(),
            self.tree.root(),
            Vec::new(),
        )?;
        let signed = cp.sign(&[&self.signer])?.into_bytes();
        self.storage
            .write(CHECKPOINT_PATH, &signed)
            .map_err(io(CHECKPOINT_PATH))?;
        self.checkpoint = signed;
        Ok(())
    }
}

fn read_tile<S: TileReader>(storage: &S, tile: TileId) -> Result<Vec<Hash>, LogError> {
    let path = tile.path();
    let bytes = storage
        .read(&path)
        .map_err(io(&path))?
        .ok_or_else(|| LogError::BadResource {
            path: path.clone(),
            reason: "missing".into(),
        })?;
    decode_hash_tile(&bytes, tile.width).map_err(|e| LogError::BadResource {
        path,
        reason: e.to_string(),
    })
}
