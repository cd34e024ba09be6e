//! Policy documents: a tree of scopes with their grants, in TOML or JSON, for hosts and gateways.
//!
//! ```toml
//! [grants."http.get"]                 # the root scope's grants
//! domain = ["*.weather.example"]
//! timeout_ms = 5000
//!
//! [grants."llm.chat"]
//! model = "gpt-4o-mini"
//! max_tokens = 512
//!
//! [scopes.main.grants."http.get"]     # scope `main`, a child of the root
//! domain = "api.weather.example"
//!
//! [scopes.main.scopes.summarize.grants."llm.chat"]
//! max_tokens = 256                    # scope `main/summarize`
//! ```
//!
//! The JSON form has the same shape. Only the keys `grants` and `scopes` are allowed at each level;
//! everything else is an error, as is any malformed grant.

use crate::error::GrantError;
use crate::grant::GrantSet;
use crate::scope::{RootOptions, Scope, check_name};
use serde_json::Value;
use std::collections::BTreeMap;

/// The name of the root scope of a policy document.
pub const ROOT_SCOPE: &str = "root";

/// One scope of a policy document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScopeSpec {
    /// The grants the scope declares.
    pub grants: GrantSet,
    /// Its child scopes by name.
    pub scopes: BTreeMap<String, ScopeSpec>,
}

/// A parsed and validated policy document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Policy {
    /// The root scope.
    pub root: ScopeSpec,
}

impl Policy {
    /// Parses a TOML policy.
    pub fn from_toml_str(s: &str) -> Result<Policy, GrantError> {
        let v: Value = toml::from_str(s).map_err(|e| GrantError::PolicySyntax {
            format: "TOML",
            message: e.to_string().trim_end().to_owned(),
        })?;
        Policy::from_value(&v)
    }

    /// Parses a JSON policy.
    pub fn from_json_str(s: &str) -> Result<Policy, GrantError> {
        let v: Value = serde_json::from_str(s).map_err(|e| GrantError::PolicySyntax {
            format: "JSON",
            message: e.to_string(),
        })?;
        Policy::from_value(&v)
    }

    /// Parses JSON if the text starts with `{` (after whitespace), TOML otherwise.
    pub fn parse(s: &str) -> Result<Policy, GrantError> {
        if s.trim_start().starts_with('{') {
            Policy::from_json_str(s)
        } else {
            Policy::from_toml_str(s)
        }
    }

    /// Reads a policy from a JSON value with the documented shape.
    pub fn from_value(v: &Value) -> Result<Policy, GrantError> {
        Ok(Policy {
            root: scope_spec(v, ROOT_SCOPE)?,
        })
    }

    /// Instantiates the scope at `path` (`""` for the root, `a/b` for a nested scope): the root scope
    /// and every scope on the way down are created, so budgets and deadlines chain as at runtime.
    pub fn instantiate(&self, path: &str, opts: RootOptions) -> Result<Scope, GrantError> {
        let mut scope = Scope::root_with(ROOT_SCOPE, &self.root.grants, opts)?;
        let mut spec = &self.root;
        for name in path.split('/').filter(|s| !s.is_empty()) {
            spec = spec
                .scopes
                .get(name)
                .ok_or_else(|| GrantError::UnknownScope {
                    path: path.to_owned(),
                })?;
            scope = scope.child(name, &spec.grants)?;
        }
        Ok(scope)
    }
}

fn scope_spec(v: &Value, at: &str) -> Result<ScopeSpec, GrantError> {
    let Value::Object(map) = v else {
        return Err(GrantError::PolicyShape {
            at: at.to_owned(),
            expected: "a table with `grants` and `scopes`",
        });
    };
    let mut spec = ScopeSpec::default();
    for (k, v) in map {
        match k.as_str() {
            "grants" => spec.grants = GrantSet::from_json(v)?,
            "scopes" => {
                let Value::Object(children) = v else {
                    return Err(GrantError::PolicyShape {
                        at: format!("{at}.scopes"),
                        expected: "a table of scopes",
                    });
                };
                for (name, child) in children {
                    check_name(name)?;
                    spec.scopes
                        .insert(name.clone(), scope_spec(child, &format!("{at}/{name}"))?);
                }
            }
            other => {
                return Err(GrantError::UnknownPolicyKey {
                    at: at.to_owned(),
                    key: other.to_owned(),
                });
            }
        }
    }
    Ok(spec)
}
