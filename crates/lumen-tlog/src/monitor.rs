//! The monitor: decides whether a newer signed checkpoint of a log extends the one a client
//! trusts (RFC 9162 §2.1.4 consistency), fetching the hashes it needs from the log's tiles.
//!
//! # What is checked, in order
//!
//! 1. The new checkpoint is a signed note with a valid signature by one of the log's keys, its
//!    text is a checkpoint of the same origin, and (if the monitor has one) it satisfies the
//!    witness policy. Otherwise: [`MonitorError::Checkpoint`].
//! 2. Same size and same root: [`MonitorOutcome::Unchanged`]. Same size, different roots: a
//!    fork ([`Inconsistency::SameSizeDifferentRoots`]). Smaller size: a rollback
//!    ([`Inconsistency::Rollback`]). Both need no tiles.
//! 3. Larger size `n`: the monitor reads the tiles for size `n` (through
//!    [`TileHashReader`]) and requires that they are consistent with the new checkpoint: the
//!    root they give for size `n`, and the consistency proof from the trusted size `m` to `n`
//!    started from the root the tiles give for the first `m` leaves, must both reproduce the new
//!    root. A log (or a cache) that serves tiles that do not match its own new checkpoint is a
//!    [`MonitorError::TilesDoNotMatchCheckpoint`]: that proves nothing about a fork, as tiles
//!    are not signed.
//! 4. Once the tiles are bound to the new root, the root of the first `m` leaves of the new tree
//!    is known; if it differs from the trusted root, the new tree does not extend the trusted
//!    one: a fork ([`Inconsistency::NotAPrefix`]). Otherwise the new checkpoint is
//!    [`MonitorOutcome::Consistent`] and is the one to trust next.
//!
//! Every [`Inconsistency`] comes as [`ForkEvidence`] with both signed checkpoints, byte for byte,
//! so that it can be shown to anyone who trusts the log's key. A rollback is evidence only of a
//! stale or misbehaving source: the older checkpoint may be genuine.
//!
//! # Example
//!
//! ```
//! use lumen_tlog::monitor::{Monitor, MonitorOutcome};
//! use lumen_tlog::note::{Ed25519NoteSigner, Verifiers};
//! use lumen_tlog::storage::FsStorage;
//! use lumen_tlog::writer::TileLog;
//!
//! let origin = "example.com/log/testdata";
//! let signer = Ed25519NoteSigner::from_signer_key(
//!     "PRIVATE+KEY+example.com/log/testdata+33d7b496+AeymY/SZAX0jZcJ8enZ5FY1Dz+wTML2yWSkK+9DSF3eg",
//! )?;
//! let mut verifiers = Verifiers::new();
//! verifiers.add(signer.verifier())?;
//! let monitor = Monitor::new(origin, verifiers);
//!
//! let dir = tempfile::tempdir()?;
//! let mut log = TileLog::create(FsStorage::new(dir.path())?, origin, signer)?;
//! log.append(&["one", "two", "three"])?;
//! let trusted = monitor.open(log.checkpoint())?;
//! log.append(&["four", "five"])?;
//!
//! match monitor.update(&trusted, log.checkpoint(), log.storage())? {
//!     MonitorOutcome::Consistent(next) => assert_eq!(next.checkpoint().size(), 5),
//!     other => panic!("{other:?}"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::checkpoint::{Checkpoint, VerifiedCheckpoint};
use crate::cosignature::WitnessPolicy;
use crate::merkle::{
    Hash, ProofError, prove_consistency, root_from_consistency_proof, root_from_source,
};
use crate::note::{NoteError, Verifiers};
use crate::storage::TileReader;
use crate::tiles::{TileHashReader, TileReadError};

/// Why the monitor could not reach a verdict.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MonitorError {
    /// The new checkpoint is malformed, not signed by a log key, from another log, or not
    /// cosigned as the witness policy requires.
    #[error("new checkpoint: {0}")]
    Checkpoint(#[from] NoteError),
    /// The trusted checkpoint is for another origin than this monitor's (API misuse).
    #[error("the trusted checkpoint is for {trusted:?}, but this monitor watches {monitor:?}")]
    TrustedFromOtherLog {
        /// The monitor's origin.
        monitor: String,
        /// The trusted checkpoint's origin.
        trusted: String,
    },
    /// A tile needed for the new tree size is missing, malformed or could not be read.
    #[error("reading tiles: {0}")]
    Tiles(#[from] TileReadError),
    /// The tiles served for the new tree size do not hash to the new checkpoint's root (the
    /// log or a cache serves bad tiles; this is no evidence of a fork).
    #[error("the tiles for size {size} do not match the new checkpoint: {failure}")]
    TilesDoNotMatchCheckpoint {
        /// The new tree size.
        size: u64,
        /// The failed check (a root mismatch, computed from the tiles against the checkpoint).
        failure: ProofError,
    },
}

/// A checkpoint the monitor verified, with the exact signed bytes it came in; only
/// [`Monitor::open`] and [`Monitor::update`] build one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedCheckpoint {
    verified: VerifiedCheckpoint,
    signed: Vec<u8>,
}

impl TrustedCheckpoint {
    /// The checkpoint.
    pub fn checkpoint(&self) -> &Checkpoint {
        self.verified.checkpoint()
    }

    /// The verified checkpoint, with its note and signatures.
    pub fn verified(&self) -> &VerifiedCheckpoint {
        &self.verified
    }

    /// The signed note exactly as received (to persist, or to show as evidence).
    pub fn signed_bytes(&self) -> &[u8] {
        &self.signed
    }
}

/// How two signed checkpoints of one log contradict each other.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Inconsistency {
    /// Both checkpoints have the same tree size but different roots: a split view.
    SameSizeDifferentRoots {
        /// The common tree size.
        size: u64,
        /// The trusted checkpoint's root.
        trusted_root: Hash,
        /// The new checkpoint's root.
        new_root: Hash,
    },
    /// The new checkpoint is for a smaller tree than the trusted one.
    Rollback {
        /// The trusted tree size.
        trusted_size: u64,
        /// The new, smaller tree size.
        new_size: u64,
    },
    /// The new tree (as bound to its root by the tiles) does not start with the trusted tree.
    NotAPrefix {
        /// The trusted tree size.
        trusted_size: u64,
        /// The new tree size.
        new_size: u64,
        /// The trusted root.
        trusted_root: Hash,
        /// The root of the first `trusted_size` leaves of the new tree.
        new_prefix_root: Hash,
    },
}

/// Two checkpoints, both validly signed by the log, that cannot both be honest views of one
/// append-only log, with what contradicts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForkEvidence {
    /// What contradicts.
    pub inconsistency: Inconsistency,
    /// The trusted checkpoint's signed note, byte for byte.
    pub trusted_checkpoint: Vec<u8>,
    /// The new checkpoint's signed note, byte for byte.
    pub new_checkpoint: Vec<u8>,
}

/// The monitor's verdict on a new checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MonitorOutcome {
    /// The new checkpoint is for the same tree (same size and root): nothing to do.
    Unchanged,
    /// The new checkpoint extends the trusted one; trust it from now on.
    Consistent(TrustedCheckpoint),
    /// The two checkpoints contradict each other.
    Inconsistent(Box<ForkEvidence>),
}

/// Watches one log: its origin, its keys and an optional witness policy.
#[derive(Debug)]
pub struct Monitor {
    origin: String,
    verifiers: Verifiers,
    witnesses: Option<WitnessPolicy>,
}

impl Monitor {
    /// A monitor for the log `origin` whose checkpoints are signed by one of `verifiers`.
    pub fn new(origin: impl Into<String>, verifiers: Verifiers) -> Self {
        Self {
            origin: origin.into(),
            verifiers,
            witnesses: None,
        }
    }

    /// The monitor, also requiring every checkpoint to satisfy the witness `policy`.
    pub fn with_witness_policy(mut self, policy: WitnessPolicy) -> Self {
        self.witnesses = Some(policy);
        self
    }

    /// The origin of the log watched.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Verifies the signed checkpoint `signed` (signature, origin, witness policy) without
    /// comparing it to anything, e.g. to start from a checkpoint obtained out of band.
    pub fn open(&self, signed: &[u8]) -> Result<TrustedCheckpoint, MonitorError> {
        let verified = VerifiedCheckpoint::open(signed, &self.origin, &self.verifiers)?;
        if let Some(policy) = &self.witnesses {
            policy.check(&verified)?;
        }
        Ok(TrustedCheckpoint {
            verified,
            signed: signed.to_vec(),
        })
    }

    /// Verifies `new_signed` and decides whether it extends `trusted`, reading the hashes of the
    /// new tree from `tiles` (see the module docs for the checks and their order).
    pub fn update<S: TileReader + ?Sized>(
        &self,
        trusted: &TrustedCheckpoint,
        new_signed: &[u8],
        tiles: &S,
    ) -> Result<MonitorOutcome, MonitorError> {
        if trusted.checkpoint().origin() != self.origin {
            return Err(MonitorError::TrustedFromOtherLog {
                monitor: self.origin.clone(),
                trusted: trusted.checkpoint().origin().to_owned(),
            });
        }
        let new = self.open(new_signed)?;
        let (old_size, old_root) = (trusted.checkpoint().size(), *trusted.checkpoint().root());
        let (new_size, new_root) = (new.checkpoint().size(), *new.checkpoint().root());
        let evidence = |inconsistency| {
            Ok(MonitorOutcome::Inconsistent(Box::new(ForkEvidence {
                inconsistency,
                trusted_checkpoint: trusted.signed.clone(),
                new_checkpoint: new_signed.to_vec(),
            })))
        };
        if new_size == old_size {
            if new_root == old_root {
                return Ok(MonitorOutcome::Unchanged);
            }
            return evidence(Inconsistency::SameSizeDifferentRoots {
                size: old_size,
                trusted_root: old_root,
                new_root,
            });
        }
        if new_size < old_size {
            return evidence(Inconsistency::Rollback {
                trusted_size: old_size,
                new_size,
            });
        }

        let reader = TileHashReader::new(tiles, new_size);
        let bad_tiles = |failure| MonitorError::TilesDoNotMatchCheckpoint {
            size: new_size,
            failure,
        };
        let tiles_root = root_from_source(&reader, new_size)?;
        if tiles_root != new_root {
            return Err(bad_tiles(ProofError::RootMismatch {
                computed: tiles_root,
                expected: new_root,
            }));
        }
        let new_prefix_root = root_from_source(&reader, old_size)?;
        if old_size > 0 {
            // Binds `new_prefix_root` to the new root: a valid consistency proof from it means it
            // is the root of the first `old_size` leaves of the tree the log signed.
            let proof = prove_consistency(&reader, old_size, new_size)?;
            match root_from_consistency_proof(&proof, &new_prefix_root) {
                Ok(root) if root == new_root => {}
                Ok(root) => {
                    return Err(bad_tiles(ProofError::NewRootMismatch {
                        computed: root,
                        expected: new_root,
                    }));
                }
                Err(failure) => return Err(bad_tiles(failure)),
            }
        }
        if new_prefix_root != old_root {
            return evidence(Inconsistency::NotAPrefix {
                trusted_size: old_size,
                new_size,
                trusted_root: old_root,
                new_prefix_root,
            });
        }
        Ok(MonitorOutcome::Consistent(new))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::{HashSource, MerkleTree, leaf_hash};
    use crate::note::Ed25519NoteSigner;
    use crate::tiles::{TileId, encode_hash_tile};

    const SIGNER: &str = "PRIVATE+KEY+example.com/log/testdata+33d7b496+AeymY/SZAX0jZcJ8enZ5FY1Dz+wTML2yWSkK+9DSF3eg";
    const ORIGIN: &str = "example.com/log/testdata";

    use crate::storage::{MemStorage as Mem, TileWriter};

    fn monitor() -> (Monitor, Ed25519NoteSigner) {
        let signer = Ed25519NoteSigner::from_signer_key(SIGNER).unwrap();
        let mut v = Verifiers::new();
        v.add(signer.verifier()).unwrap();
        (Monitor::new(ORIGIN, v), signer)
    }

    fn sign(signer: &Ed25519NoteSigner, size: u64, root: Hash) -> Vec<u8> {
        Checkpoint::new(ORIGIN, size, root, Vec::new())
            .unwrap()
            .sign(&[signer])
            .unwrap()
            .into_bytes()
    }

    /// A level-0 tile of `tree`'s first `size` (≤ 256) leaves, stored in `mem`.
    fn store_tile(mem: &Mem, tree: &MerkleTree, size: u64) {
        let hashes: Vec<Hash> = (0..size).map(|i| tree.hash_at(0, i).unwrap()).collect();
        let id = TileId {
            level: 0,
            index: 0,
            width: size as u16,
        };
        mem.write(&id.path(), &encode_hash_tile(&hashes)).unwrap();
    }

    #[test]
    fn power_of_two_trusted_size_fork_is_a_fork_not_bad_tiles() {
        // With a power-of-two trusted size the consistency proof omits the old root, so a naive
        // check would blame the tiles; the prefix root from the tiles tells the two apart.
        let (monitor, signer) = monitor();
        let mut honest = MerkleTree::new();
        let mut forked = MerkleTree::new();
        for i in 0u64..8 {
            honest.append(leaf_hash(&i.to_be_bytes()));
            forked.append(leaf_hash(&(i + u64::from(i == 2) * 100).to_be_bytes()));
        }
        let trusted = monitor
            .open(&sign(&signer, 4, honest.root_at(4).unwrap()))
            .unwrap();
        let mem = Mem::default();
        store_tile(&mem, &forked, 8);
        let new = sign(&signer, 8, forked.root());
        match monitor.update(&trusted, &new, &mem).unwrap() {
            MonitorOutcome::Inconsistent(e) => assert_eq!(
                e.inconsistency,
                Inconsistency::NotAPrefix {
                    trusted_size: 4,
                    new_size: 8,
                    trusted_root: honest.root_at(4).unwrap(),
                    new_prefix_root: forked.root_at(4).unwrap(),
                }
            ),
            other => panic!("{other:?}"),
        }
        // The same tiles against the honest size-8 checkpoint: bad tiles.
        let honest_new = sign(&signer, 8, honest.root());
        assert!(matches!(
            monitor.update(&trusted, &honest_new, &mem),
            Err(MonitorError::TilesDoNotMatchCheckpoint {
                size: 8,
                failure: ProofError::RootMismatch { .. }
            })
        ));
    }

    #[test]
    fn from_the_empty_tree_everything_with_good_tiles_is_consistent() {
        let (monitor, signer) = monitor();
        let mut t = MerkleTree::new();
        let trusted = monitor.open(&sign(&signer, 0, t.root())).unwrap();
        for i in 0u64..3 {
            t.append(leaf_hash(&i.to_be_bytes()));
        }
        let mem = Mem::default();
        store_tile(&mem, &t, 3);
        match monitor
            .update(&trusted, &sign(&signer, 3, t.root()), &mem)
            .unwrap()
        {
            MonitorOutcome::Consistent(next) => assert_eq!(next.checkpoint().size(), 3),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_trusted_checkpoint_of_another_origin_is_api_misuse() {
        let (monitor, signer) = monitor();
        let other = Monitor::new("example.com/other", {
            let mut v = Verifiers::new();
            v.add(signer.verifier()).unwrap();
            v
        });
        let trusted = monitor.open(&sign(&signer, 0, [0; 32])).unwrap();
        assert!(matches!(
            other.update(&trusted, &sign(&signer, 0, [0; 32]), &Mem::default()),
            Err(MonitorError::TrustedFromOtherLog { .. })
        ));
    }
}
