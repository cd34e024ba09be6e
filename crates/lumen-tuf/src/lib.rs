//! The Update Framework (specification v1.0.34) for Lumen: installers trust the registry only
//! through TUF metadata verified here, and the registry publishes it with the editor here.
//!
//! Reading and verifying:
//! - [`canonical`]: OLPC canonical JSON, the bytes signatures cover.
//! - [`metadata`]: root, timestamp, snapshot, targets, delegations (classic and succinct bins),
//!   with unknown fields preserved.
//! - [`keys`]: key types and schemes, threshold counting (each distinct key once), and the
//!   opt-in, dangerous `hmac-sha256` ([`keys::DangerousHmacSecrets`]).
//! - [`fnmatch`]: the target-path patterns of delegated roles.
//! - [`trusted`]: [`TrustedMetadataSet`], the gatekeeper that decides what is trusted.
//!
//! The client:
//! - [`updater`]: the client workflow ([`Updater`]: refresh, target lookup, verified download).
//! - [`fetch`]: where it reads from ([`fetch::Fetcher`]: HTTP(S) or a local mirror).
//! - [`store`]: where it keeps trusted metadata between updates ([`store::MetadataStore`]).
//!
//! The repository:
//! - [`editor`]: creates and maintains a repository on disk ([`editor::Repository`]): targets,
//!   delegations and hash bins, root rotation with staged signatures, signing with a
//!   [`editor::Keyring`], and commits written so that clients see the old repository or the new.
//!
//! Every error is a [`TufError`]; the editor's refusals are [`EditorRefusal`] and misuse of the
//! API is [`Misuse`].
//!
//! ```
//! use lumen_tuf::metadata::{Metadata, Root};
//! let root = br#"{"signed":{"_type":"root","spec_version":"1.0","version":1,
//!   "expires":"2030-01-01T00:00:00Z","consistent_snapshot":true,"keys":{},
//!   "roles":{"root":{"keyids":[],"threshold":1},"timestamp":{"keyids":[],"threshold":1},
//!            "snapshot":{"keyids":[],"threshold":1},"targets":{"keyids":[],"threshold":1}},
//!   "x-extension":{"kept":true}},"signatures":[]}"#;
//! let parsed = Metadata::<Root>::from_bytes(root, "root")?;
//! assert!(parsed.metadata.signed.consistent_snapshot());
//! // Unknown fields are part of the signed bytes.
//! assert!(String::from_utf8_lossy(&parsed.canonical_signed).contains(r#""x-extension":{"kept":true}"#));
//! // With no signatures, root is not trusted.
//! let err = lumen_tuf::TrustedMetadataSet::new(root, 0, Default::default()).unwrap_err();
//! assert!(matches!(err, lumen_tuf::TufError::ThresholdNotMet { .. }));
//! # Ok::<(), lumen_tuf::TufError>(())
//! ```
#![forbid(unsafe_code)]

pub mod canonical;
pub mod editor;
mod error;
pub mod fetch;
pub mod fnmatch;
mod hashing;
mod json;
pub mod keys;
pub mod metadata;
pub mod store;
pub mod trusted;
pub mod updater;

pub use error::{EditorRefusal, FetchError, Mismatch, Misuse, Result, TufError};
pub use trusted::TrustedMetadataSet;
pub use updater::{TargetInfo, Updater, UpdaterConfig};
