//! Audit sinks: every decision of the engine is reported, with argument shapes and never their values.
//!
//! A sink that fails to record turns an allowed call into a denied one
//! ([`crate::ViolationCode::AuditFailed`]): a decision that cannot be accounted for is not taken.

use crate::check::{HttpTarget, ViolationCode};
use crate::grant::Constraint;
use serde::Serialize;
use serde::ser::SerializeMap;
use serde_json::Value;
use std::io::Write;
use std::sync::Mutex;

/// One decision, as handed to an [`AuditSink`].
#[derive(Debug, Serialize)]
pub struct AuditEvent<'a> {
    /// What was decided: `call`, `redirect` or `addresses`.
    pub event: &'static str,
    /// `allow` or `deny`.
    pub decision: &'static str,
    /// The path of the calling scope.
    pub scope: &'a str,
    /// The tool id as the program gave it.
    pub tool: &'a str,
    /// The violation code, for a denial.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<ViolationCode>,
    /// The constraint that decided a denial, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub constraint: Option<Constraint>,
    /// The scopes whose grants decided a denial.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub decided_by: &'a [String],
    /// The HTTP target, serialized as `scheme://host:port` (no path, query or credentials).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<TargetOrigin<'a>>,
    /// The shape of the call's arguments: each top-level key with its JSON type, never the value.
    pub args: ArgShapes<'a>,
}

/// Serializes an HTTP target as its origin, `scheme://host:port`.
#[derive(Debug, Clone, Copy)]
pub struct TargetOrigin<'a>(pub &'a HttpTarget);

impl Serialize for TargetOrigin<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!(
            "{}://{}:{}",
            self.0.scheme.as_str(),
            self.0.host,
            self.0.port
        ))
    }
}

/// Serializes a JSON value as the types of its top-level fields (`{"url": "string"}`).
#[derive(Debug, Clone, Copy)]
pub struct ArgShapes<'a>(pub &'a Value);

/// The JSON type name of a value.
pub fn shape(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

impl Serialize for ArgShapes<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(m) => {
                let mut map = s.serialize_map(Some(m.len()))?;
                for (k, v) in m {
                    map.serialize_entry(k, shape(v))?;
                }
                map.end()
            }
            other => s.serialize_str(shape(other)),
        }
    }
}

/// Why a sink could not record an event.
#[derive(Debug, thiserror::Error)]
#[error("the audit sink failed: {0}")]
pub struct AuditError(#[from] pub std::io::Error);

/// Where decisions go.
pub trait AuditSink: Send + Sync {
    /// Records one decision; an error makes the engine deny the call.
    fn record(&self, event: &AuditEvent<'_>) -> Result<(), AuditError>;
}

/// A sink that records nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NullAudit;

impl AuditSink for NullAudit {
    fn record(&self, _: &AuditEvent<'_>) -> Result<(), AuditError> {
        Ok(())
    }
}

/// A sink that writes one JSON object per line, with a `ts_ms` (Unix time in milliseconds) field first.
pub struct JsonLinesAudit<W: Write + Send> {
    out: Mutex<W>,
}

impl<W: Write + Send> JsonLinesAudit<W> {
    /// Writes to `out` (a file opened for append, a socket, a `Vec<u8>` in tests).
    pub fn new(out: W) -> Self {
        JsonLinesAudit {
            out: Mutex::new(out),
        }
    }

    /// Returns the writer.
    pub fn into_inner(self) -> W {
        self.out
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[derive(Serialize)]
struct Line<'a, 'b> {
    ts_ms: u128,
    #[serde(flatten)]
    event: &'a AuditEvent<'b>,
}

impl<W: Write + Send> AuditSink for JsonLinesAudit<W> {
    fn record(&self, event: &AuditEvent<'_>) -> Result<(), AuditError> {
        let ts_ms = lumen_crypto::time::unix_now_millis();
        let mut line = serde_json::to_vec(&Line { ts_ms, event }).map_err(std::io::Error::from)?;
        line.push(b'\n');
        let mut out = self
            .out
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        out.write_all(&line)?;
        out.flush()?;
        Ok(())
    }
}
