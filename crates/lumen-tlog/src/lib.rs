//! Lumen's transparency log: RFC 9162 Merkle trees and proofs, C2SP signed notes, checkpoints and
//! cosignatures, and the C2SP tlog-tiles layout.
#![forbid(unsafe_code)]

pub mod appender;
pub mod checkpoint;
pub mod cosignature;
pub mod merkle;
pub mod monitor;
pub mod note;
pub mod receipt;
pub mod storage;
pub mod tiles;
pub mod writer;
