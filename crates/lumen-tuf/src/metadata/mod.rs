//! TUF metadata (specification v1.0.34 §4): the four top-level roles, delegations (classic and
//! succinct hash bins), keys and signatures.
//!
//! Parsing keeps every field this crate does not know in an `unknown` map, so metadata written
//! back by the repository editor carries them, and signatures are always checked over the
//! canonical form of `signed` *as received* (see [`Parsed::canonical_signed`]), never over a
//! re-serialisation of the typed view.
//!
//! The module's files, each re-exported here:
//! - `envelope.rs`: a metadata file as a whole ([`Metadata`], [`Signature`], [`Parsed`]) and
//!   its encodings.
//! - `roles.rs`: the fields every role carries ([`Common`], [`Expires`]), the [`Signed`] trait,
//!   and the four top-level roles with their parts ([`Key`], [`Role`], [`Hashes`], [`MetaFile`],
//!   [`TargetFile`]).
//! - `delegations.rs`: [`Delegations`] of a targets role, classic ([`DelegatedRole`],
//!   [`PathScope`]) or succinct hash bins ([`SuccinctRoles`]).
//! - `verify.rs`: parsing and signature checking in one step, on one thread or, for large
//!   files, two ([`Metadata::parse_and_verify_with`]).
//! - `reader.rs`: the general reader, which takes a parse tree apart field by field and names
//!   the path of any field that is wrong.
//! - `plain.rs`: the fast reader for snapshot and targets metadata that is canonical as received.

use serde_json::{Map, Value};

mod delegations;
mod envelope;
mod plain;
mod reader;
mod roles;
mod verify;

pub use delegations::{
    DelegatedRole, DelegatedRoles, Delegations, HashPrefixes, PathScope, RoleKeys, SuccinctRoles,
};
pub(crate) use envelope::signatures_value;
pub use envelope::{Metadata, Parsed, Signature};
pub use roles::{
    Common, Expires, Hashes, Key, MetaFile, PairRef, Role, Root, Signed, Snapshot, TargetFile,
    Targets, Timestamp, format_time, spec_version_supported,
};
pub use verify::{Checked, PARALLEL_VERIFY_MIN};

/// Fields of a JSON object that this crate does not interpret (kept verbatim).
pub type Fields = Map<String, Value>;

/// The specification version this crate writes.
pub const SPEC_VERSION: &str = "1.0.34";

/// The four top-level role names.
pub const TOP_LEVEL_ROLES: [&str; 4] = ["root", "timestamp", "snapshot", "targets"];
