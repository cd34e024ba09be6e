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
//! everything else is an error, as is any malformed grant. A key given twice is an error in both
//! forms: TOML refuses it itself, and JSON is read with the workspace's strict reader
//! ([`lumen_crypto::json`]), which refuses a member named twice in any object (`"domain"` and
//! `"\u0064omain"` are the same name) where `serde_json` alone would keep the last one.

use crate::error::GrantError;
use crate::grant::GrantSet;
use crate::scope::{RootOptions, Scope, check_name};
use lumen_crypto::json::{StrictJsonError, parse_value_strict};
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

    /// Parses a JSON policy with the workspace's strict reader ([`lumen_crypto::json`]): a member
    /// named twice in any object is refused ([`GrantError::PolicyDuplicateMember`]), as TOML
    /// refuses a key given twice, and so is nesting deeper than [`lumen_crypto::json::MAX_DEPTH`].
    pub fn from_json_str(s: &str) -> Result<Policy, GrantError> {
        let v = parse_value_strict(s).map_err(|e| match e {
            StrictJsonError::DuplicateMember {
                name,
                pointer,
                line,
                column,
            } => GrantError::PolicyDuplicateMember {
                name,
                at: pointer,
                line,
                column,
            },
            StrictJsonError::TooDeep { max, line, column } => {
                GrantError::PolicyTooDeep { max, line, column }
            }
            StrictJsonError::Syntax { source, .. } | StrictJsonError::Data { source, .. } => {
                GrantError::PolicySyntax {
                    format: "JSON",
                    message: source.to_string(),
                }
            }
            // `StrictJsonError` is non-exhaustive; a future refusal is still a refusal.
            other => GrantError::PolicySyntax {
                format: "JSON",
                message: other.to_string(),
            },
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The `(name, at)` of a duplicate-member refusal.
    fn duplicate(text: &str) -> Option<(String, String)> {
        match Policy::parse(text) {
            Err(GrantError::PolicyDuplicateMember { name, at, .. }) => Some((name, at)),
            _ => None,
        }
    }

    fn dup(name: &str, at: &str) -> Option<(String, String)> {
        Some((name.to_owned(), at.to_owned()))
    }

    #[test]
    fn json_policy_duplicate_member_in_a_grant() {
        let text = r#"{"grants": {"http.get": {"domain": "api.example.com", "timeout_ms": 5000, "domain": "evil.com"}}}"#;
        assert_eq!(duplicate(text), dup("domain", "/grants/http.get"));
        // Without the strict reader the last `domain` would win silently.
        let lax: Value = serde_json::from_str(text).unwrap();
        assert_eq!(lax["grants"]["http.get"]["domain"], "evil.com");
    }

    #[test]
    fn json_policy_duplicate_member_top_level_grants() {
        let text = r#"{"grants": {"http.get": {"domain": "api.example.com"}}, "grants": {"http.get": {"domain": "*.example.org"}}}"#;
        assert_eq!(duplicate(text), dup("grants", ""));
        let text = r#"{"scopes": {}, "grants": {}, "scopes": {}}"#;
        assert_eq!(duplicate(text), dup("scopes", ""));
    }

    #[test]
    fn json_policy_duplicate_member_tool_key_and_scope_name() {
        let text = r#"{"grants": {"http.get": {"domain": "a.example"}, "llm.chat": {"model": "m"}, "http.get": {"domain": "*.example.org"}}}"#;
        assert_eq!(duplicate(text), dup("http.get", "/grants"));
        let text = r#"{"scopes": {"main": {"grants": {}}, "main": {"grants": {"http.get": {"domain": "b.example"}}}}}"#;
        assert_eq!(duplicate(text), dup("main", "/scopes"));
        let text =
            r#"{"scopes": {"main": {"grants": {"http.get": {"domain": "a", "domain": "b"}}}}}"#;
        assert_eq!(
            duplicate(text),
            dup("domain", "/scopes/main/grants/http.get")
        );
    }

    #[test]
    fn json_policy_duplicate_member_with_escaped_name() {
        let text =
            r#"{"grants": {"http.get": {"domain": "api.example.com", "\u0064omain": "evil.com"}}}"#;
        assert_eq!(duplicate(text), dup("domain", "/grants/http.get"));
        let text = r#"{"grants": {"http.get": {"domain": "a.example"}, "http\u002eget": {"domain": "*"}}}"#;
        assert_eq!(duplicate(text), dup("http.get", "/grants"));
    }

    #[test]
    fn json_policy_duplicate_member_in_an_array_of_objects() {
        // Refused by the reader before the grant's shape is even looked at.
        let text = r#"{"grants": {"http.get": {"domain": [{"a": 1, "a": 2}]}}}"#;
        assert_eq!(duplicate(text), dup("a", "/grants/http.get/domain/0"));
    }

    #[test]
    fn json_policy_too_deep_is_refused() {
        let n = lumen_crypto::json::MAX_DEPTH + 1;
        let text = format!("{}{}", r#"{"scopes":"#.repeat(n), "}".repeat(n));
        assert!(matches!(
            Policy::from_json_str(&text),
            Err(GrantError::PolicyTooDeep { max, .. }) if max == lumen_crypto::json::MAX_DEPTH
        ));
    }

    #[test]
    fn json_policy_syntax_errors_stay_syntax_errors() {
        assert!(matches!(
            Policy::parse(r#"{"grants": {}"#),
            Err(GrantError::PolicySyntax { format: "JSON", .. })
        ));
        assert!(matches!(
            Policy::parse(r#"{"grants": {}} {}"#),
            Err(GrantError::PolicySyntax { format: "JSON", .. })
        ));
    }

    #[test]
    fn toml_policy_duplicate_keys_are_refused_too() {
        for text in [
            "[grants.\"http.get\"]\ndomain = \"a.example\"\ndomain = \"evil.com\"\n",
            "[grants.\"http.get\"]\ndomain = \"a.example\"\n\"\\u0064omain\" = \"evil.com\"\n",
            "[grants.\"http.get\"]\ndomain = \"a.example\"\n[grants.\"http.get\"]\ndomain = \"b.example\"\n",
        ] {
            assert!(
                matches!(
                    Policy::parse(text),
                    Err(GrantError::PolicySyntax { format: "TOML", .. })
                ),
                "{text}"
            );
        }
    }

    /// The members of one grant, as `(name, JSON value)`: each name at most once, at least one.
    fn members() -> impl Strategy<Value = Vec<(String, String)>> {
        (
            proptest::option::of("[a-z]{1,8}\\.example"),
            proptest::option::of(1u64..100_000),
            proptest::option::of(1u64..100),
        )
            .prop_filter_map("a grant with at least one member", |(d, t, n)| {
                let mut out = Vec::new();
                if let Some(d) = d {
                    out.push(("domain".to_owned(), serde_json::to_string(&d).ok()?));
                }
                if let Some(t) = t {
                    out.push(("timeout_ms".to_owned(), t.to_string()));
                }
                if let Some(n) = n {
                    out.push(("max_calls".to_owned(), n.to_string()));
                }
                (!out.is_empty()).then_some(out)
            })
    }

    proptest! {
        /// A JSON policy reads exactly as before when no name repeats, and any member repeated in
        /// any of its objects (grant, grant set, top level) is refused, naming it.
        #[test]
        fn json_policy_duplicate_member_is_refused_anywhere(
            members in members(),
            pick in any::<prop::sample::Index>(),
            level in 0usize..3,
            escape in any::<bool>(),
        ) {
            let grant: Vec<String> = members
                .iter()
                .map(|(k, v)| format!("{}: {v}", serde_json::to_string(k).unwrap()))
                .collect();
            let policy = |grant: &[String], tools: &[&str], top: &[&str]| {
                let grants: Vec<String> = tools
                    .iter()
                    .map(|t| format!("{t}: {{{}}}", grant.join(", ")))
                    .collect();
                let grants = format!("{{{}}}", grants.join(", "));
                let top: Vec<String> = top.iter().map(|k| format!("{k}: {grants}")).collect();
                format!("{{{}}}", top.join(", "))
            };
            let tool = if escape { r#""http\u002eget""# } else { r#""http.get""# };
            let good = policy(&grant, &[r#""http.get""#], &[r#""grants""#]);
            let lax: Value = serde_json::from_str(&good).unwrap();
            prop_assert_eq!(Policy::parse(&good).unwrap(), Policy::from_value(&lax).unwrap());
            let (text, name, at) = match level {
                0 => {
                    let (k, v) = members[pick.index(members.len())].clone();
                    let spelled = if escape {
                        format!("\"\\u{:04x}{}\"", u32::from(k.as_bytes()[0]), &k[1..])
                    } else {
                        serde_json::to_string(&k).unwrap()
                    };
                    let mut g = grant.clone();
                    g.push(format!("{spelled}: {v}"));
                    (policy(&g, &[r#""http.get""#], &[r#""grants""#]), k, "/grants/http.get")
                }
                1 => (
                    policy(&grant, &[r#""http.get""#, tool], &[r#""grants""#]),
                    "http.get".to_owned(),
                    "/grants",
                ),
                _ => (
                    policy(&grant, &[r#""http.get""#], &[r#""grants""#, r#""grants""#]),
                    "grants".to_owned(),
                    "",
                ),
            };
            prop_assert_eq!(duplicate(&text), dup(&name, at));
        }
    }
}
