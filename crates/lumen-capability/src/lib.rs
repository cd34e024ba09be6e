//! Lumen's capability model and the decision engine shared by the compile-time check and the runtime.
//!
//! A Lumen program calls tools (`http.get`, `llm.chat`, `mcp.<server>.<tool>`) only under grants. A
//! [`Grant`] carries typed constraints ([`Constraint`]); a [`Scope`] tree gives each child the
//! intersection of its declared grants with its parent's, shares call budgets up the tree and propagates
//! deadlines; [`validate_tool_policy`] checks one call and returns either an [`EnforcedCall`] the tool
//! provider must obey (normalized URL, addresses to connect to, deadline, token cap, remaining budget) or
//! a [`Violation`] with a stable [`ViolationCode`], the constraint, the raw and normalized value, and the
//! scopes whose grants decided it. Every decision goes to an [`AuditSink`].
//!
//! ```
//! use lumen_capability::{Call, GrantSet, Policy, RootOptions, ViolationCode, validate_tool_policy};
//! use serde_json::json;
//!
//! let policy = Policy::from_toml_str(r#"
//!     [grants."http.get"]
//!     domain = "*.weather.example"
//!     [scopes.main.grants."http.get"]
//!     domain = "api.weather.example"
//!     max_calls = 1
//! "#)?;
//! let main = policy.instantiate("main", RootOptions::default())?;
//!
//! let args = json!({"url": "https://API.weather.example./today"});
//! let ok = validate_tool_policy(&main, &Call::new("http.get", &args)).expect("granted");
//! assert_eq!(ok.http.as_ref().map(|t| t.url.as_str()), Some("https://api.weather.example/today"));
//!
//! // The budget of one call is spent.
//! let again = validate_tool_policy(&main, &Call::new("http.get", &args)).unwrap_err();
//! assert_eq!(again.code, ViolationCode::BudgetExhausted);
//!
//! // A lookalike host is refused, whatever its spelling.
//! let evil = json!({"url": "https://api.weather.example.evil.test/"});
//! let v = validate_tool_policy(&main, &Call::new("http.get", &evil)).unwrap_err();
//! assert_eq!(v.code, ViolationCode::DomainNotGranted);
//! assert_eq!(v.decided_by, ["root/main", "root"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

pub mod audit;
pub mod check;
pub mod error;
pub mod grant;
pub mod host;
pub mod net;
mod path;
pub mod policy;
pub mod scope;
pub mod tool;

pub use audit::{AuditEvent, AuditSink, JsonLinesAudit, NullAudit};
pub use check::{
    Call, EnforcedCall, HttpTarget, MAX_REDIRECTS, Resolver, SystemResolver, Violation,
    ViolationCode, validate_tool_policy,
};
pub use error::GrantError;
pub use grant::{Constraint, Grant, GrantSet, Scheme};
pub use host::{Host, HostPattern, HostSet};
pub use policy::{Policy, ScopeSpec};
pub use scope::{RootOptions, Scope};
pub use tool::{ToolId, ToolKind};
