//! A metadata file as a whole (spec §4.2): the typed `signed` part, its `signatures` and any
//! other top-level fields, and the encodings of it: `signed` as a JSON value, the canonical
//! bytes a signature covers, and the file's bytes.

use super::Fields;
use super::roles::Signed;
use super::verify::PARALLEL_VERIFY_MIN;
use crate::canonical;
use crate::error::{Result, TufError};
use serde_json::Value;

/// One entry of `signatures`.
#[derive(Debug, Clone, PartialEq)]
pub struct Signature {
    /// The key id that claims the signature.
    pub keyid: String,
    /// The signature, hex.
    pub sig: String,
    /// Other fields.
    pub unknown: Fields,
}

/// `signatures` as a JSON value: each entry's unknown fields plus `keyid` and `sig`.
pub(crate) fn signatures_value(signatures: &[Signature]) -> Value {
    Value::Array(
        signatures
            .iter()
            .map(|s| {
                let mut o = s.unknown.clone();
                o.insert("keyid".into(), Value::String(s.keyid.clone()));
                o.insert("sig".into(), Value::String(s.sig.clone()));
                Value::Object(o)
            })
            .collect(),
    )
}

/// A metadata file: `signed` and its `signatures`.
#[derive(Debug, Clone, PartialEq)]
pub struct Metadata<T> {
    /// The signed part.
    pub signed: T,
    /// The signatures, in file order.
    pub signatures: Vec<Signature>,
    /// Other top-level fields.
    pub unknown: Fields,
}

/// Parsed metadata together with the exact bytes its signatures cover.
#[derive(Debug, Clone)]
pub struct Parsed<T> {
    /// The typed view.
    pub metadata: Metadata<T>,
    /// Canonical JSON of `signed` as received, unknown fields included.
    pub canonical_signed: Vec<u8>,
}

impl<T: Signed> Metadata<T> {
    /// Parses `bytes` as metadata of role type `T`; `role` names the file in errors.
    pub fn from_bytes(bytes: &[u8], role: &str) -> Result<Parsed<T>> {
        Self::parse_and_verify_with(bytes, role, PARALLEL_VERIFY_MIN, |_, _| Ok(())).map(
            |(metadata, canonical)| Parsed {
                metadata,
                canonical_signed: canonical.into_owned(),
            },
        )
    }

    /// `signed` as a JSON value (known fields plus the preserved unknown ones).
    pub fn signed_value(&self) -> Value {
        let c = self.signed.common();
        let mut m = c.unknown.clone();
        m.insert("_type".into(), Value::String(T::TYPE.into()));
        m.insert("spec_version".into(), Value::String(c.spec_version.clone()));
        m.insert("version".into(), Value::from(c.version));
        m.insert("expires".into(), Value::String(c.expires.as_str().into()));
        self.signed.write(&mut m);
        Value::Object(m)
    }

    /// The canonical bytes a signature over the current `signed` covers.
    pub fn canonical_signed(&self) -> Result<Vec<u8>> {
        canonical::encode(&self.signed_value()).map_err(|source| TufError::NotCanonical {
            role: T::TYPE.to_owned(),
            source,
        })
    }

    /// The whole file as JSON bytes (compact; keys sorted as serde_json's map keeps them).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut m = self.unknown.clone();
        m.insert("signed".into(), self.signed_value());
        m.insert("signatures".into(), signatures_value(&self.signatures));
        // Plain JSON (sorted keys, compact), not canonical JSON: canonical JSON writes control
        // characters raw (a PEM key's newlines), which JSON parsers reject. Signatures cover the
        // canonical form of `signed`, which any parser recomputes from these bytes.
        serde_json::to_vec(&Value::Object(m)).unwrap_or_default()
    }
}
