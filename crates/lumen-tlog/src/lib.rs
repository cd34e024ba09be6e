//! Lumen's transparency log: every release is appended to a Merkle log whose signed checkpoints,
//! tiles and proofs interoperate with Go's checksum database, Tessera and Rekor.
//!
//! - [`merkle`]: RFC 9162 hashing, proofs and their verification.
//! - [`note`], [`checkpoint`], [`cosignature`]: C2SP signed notes, checkpoints, witness cosignatures.
//! - [`tiles`], [`storage`], [`writer`], [`appender`]: the C2SP tlog-tiles layout on durable storage,
//!   written in batches by a single locked writer.
//! - [`receipt`], [`monitor`]: tlog-proof receipts, and consistency checks between checkpoints.
//!
//! ```
//! use lumen_tlog::{note, receipt, storage::FsStorage, tiles::TileHashReader, writer::TileLog};
//!
//! let dir = tempfile::tempdir()?;
//! let key = note::generate_key("log.example.com/demo")?;
//! let signer = note::Ed25519NoteSigner::from_signer_key(lumen_crypto::ExposeSecret::expose_secret(&key.signer_key))?;
//! let mut log = TileLog::create(FsStorage::new(dir.path())?, "log.example.com/demo", signer)?;
//! log.append(&[&b"lumen-http 1.2.0"[..], b"lumen-json 0.4.1"])?;
//!
//! // A receipt for entry 1, computed from the tiles, verifies offline with the log's public key.
//! let tiles = TileHashReader::new(log.storage(), log.size());
//! let proof = receipt::issue(&tiles, 1, log.checkpoint())?;
//! let verifiers = note::Verifiers::from_vkeys([key.verifier_key.as_str()])?;
//! let verified = proof.verify(b"lumen-json 0.4.1", "log.example.com/demo", &verifiers, None)?;
//! assert_eq!(verified.index(), 1);
//! assert!(proof.verify(b"lumen-json 0.4.2", "log.example.com/demo", &verifiers, None).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

pub mod appender;
pub mod checkpoint;
pub mod cosignature;
pub mod merkle;
pub mod monitor;
pub mod note;
pub mod receipt;
pub mod remote;
pub mod storage;
pub mod tiles;
pub mod writer;
