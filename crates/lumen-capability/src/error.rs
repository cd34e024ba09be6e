//! The crate's error type: everything that can be wrong with a grant or a policy when it is built.
//!
//! A *denied call* is not an error of this kind: it is a [`crate::Violation`], a decision with its own
//! structured code. `GrantError` means the policy itself is malformed, and it is always reported when
//! the policy is built, never when a call is checked.

/// Why a grant, a grant set or a policy file could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GrantError {
    /// The tool id does not follow the `namespace.name` grammar.
    #[error("`{tool}` is not a valid tool id: {reason}")]
    InvalidToolId {
        /// The id as written.
        tool: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The tool id is well formed but names no tool this engine knows.
    #[error(
        "unknown tool `{tool}` (known: http.get|head|post|put|patch|delete|request, llm.chat|complete|embed, mcp.<server>.<tool>)"
    )]
    UnknownTool {
        /// The id as written.
        tool: String,
    },
    /// A constraint key that does not exist.
    #[error("unknown constraint `{key}` in the grant for `{tool}`")]
    UnknownConstraint {
        /// The tool of the grant.
        tool: String,
        /// The key as written.
        key: String,
    },
    /// A constraint that exists but does not apply to this kind of tool (e.g. `model` on `http.get`).
    #[error("constraint `{key}` does not apply to `{tool}`")]
    ConstraintNotApplicable {
        /// The tool of the grant.
        tool: String,
        /// The constraint key.
        key: &'static str,
    },
    /// The same constraint given twice in one grant.
    #[error("constraint `{key}` is given twice in the grant for `{tool}`")]
    DuplicateConstraint {
        /// The tool of the grant.
        tool: String,
        /// The constraint key.
        key: &'static str,
    },
    /// A constraint value of the wrong JSON/TOML type.
    #[error("constraint `{key}` of `{tool}` expects {expected}, got {got}")]
    WrongType {
        /// The tool of the grant.
        tool: String,
        /// The constraint key.
        key: &'static str,
        /// The type that was expected.
        expected: &'static str,
        /// The type that was given.
        got: &'static str,
    },
    /// A constraint value of the right type but outside what the constraint allows.
    #[error("constraint `{key}` of `{tool}` has an invalid value {value:?}: {reason}")]
    InvalidValue {
        /// The tool of the grant.
        tool: String,
        /// The constraint key.
        key: &'static str,
        /// The offending value, as written.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A `domain` entry that is not a host, a `*.suffix` wildcard, an address or a CIDR range.
    #[error("invalid host pattern {pattern:?}: {reason}")]
    InvalidHostPattern {
        /// The pattern as written.
        pattern: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A wildcard whose suffix is a public suffix (`*.com`, `*.github.io`): it would grant hosts that
    /// no single party controls.
    #[error(
        "wildcard {pattern:?} covers the public suffix `{suffix}`; name a registrable domain such as `*.example.{suffix}`"
    )]
    PublicSuffixWildcard {
        /// The pattern as written.
        pattern: String,
        /// The normalized suffix that is public.
        suffix: String,
    },
    /// An address range that covers a special-purpose block (loopback, private, link-local, …)
    /// without lying inside one (`0.0.0.0/0`, `192.0.0.0/8`): naming a range is how a grant allows
    /// special addresses, so a range that takes them in by accident would switch that protection
    /// off. Name the special block (`10.0.0.0/8`) or the public range without it.
    #[error(
        "range {pattern:?} covers the special-purpose block {block} ({name}) without lying inside it; name that block, or public ranges that leave it out"
    )]
    RangeCoversSpecialAddresses {
        /// The pattern as written.
        pattern: String,
        /// The special-purpose block it covers.
        block: ipnet::IpNet,
        /// The block's name.
        name: &'static str,
    },
    /// A wildcard with a rule of the Public Suffix List at or below its suffix (`*.amazonaws.com`
    /// covers `s3.amazonaws.com`, where anyone can name a bucket): it would grant hosts that no single
    /// party controls.
    #[error(
        "wildcard {pattern:?} covers the public suffix rule `{rule}`; name the hosts, or a wildcard under a domain registered below that suffix"
    )]
    WildcardAbovePublicSuffix {
        /// The pattern as written.
        pattern: String,
        /// The rule found (normalized to ASCII, with its `*.` or `!` prefix), the shortest if several.
        rule: String,
    },
    /// A second grant for a tool in one scope.
    #[error("the tool `{tool}` is granted twice in one scope")]
    DuplicateGrant {
        /// The tool.
        tool: String,
    },
    /// Grants for different tools cannot be intersected.
    #[error("cannot intersect a grant for `{left}` with one for `{right}`")]
    ToolMismatch {
        /// The first tool.
        left: String,
        /// The second tool.
        right: String,
    },
    /// A policy document that is not valid TOML or JSON.
    #[error("the policy is not valid {format}: {message}")]
    PolicySyntax {
        /// `TOML` or `JSON`.
        format: &'static str,
        /// The parser's message (with line and column).
        message: String,
    },
    /// A JSON policy names the same member twice in one object (compared after unescaping): a
    /// second `domain`, `grants` or tool key would otherwise silently replace the first. TOML
    /// refuses duplicate keys by itself.
    #[error(
        "the JSON policy names {name:?} twice in one object (at JSON pointer {at:?}, line {line}, column {column})"
    )]
    PolicyDuplicateMember {
        /// The member name, unescaped.
        name: String,
        /// The RFC 6901 JSON Pointer of the object (`""` for the top level).
        at: String,
        /// The line of the second occurrence.
        line: usize,
        /// The column just after the second occurrence's name.
        column: usize,
    },
    /// A JSON policy nested deeper than the workspace's strict JSON reader allows.
    #[error("the JSON policy is nested deeper than {max} levels (line {line}, column {column})")]
    PolicyTooDeep {
        /// The cap ([`lumen_crypto::json::MAX_DEPTH`]).
        max: usize,
        /// The line where the cap was crossed.
        line: usize,
        /// The column where the cap was crossed.
        column: usize,
    },
    /// A key in a policy document that means nothing there.
    #[error("unknown key `{key}` at `{at}` in the policy (expected `grants` or `scopes`)")]
    UnknownPolicyKey {
        /// Where it was found (scope path).
        at: String,
        /// The key.
        key: String,
    },
    /// A policy value of the wrong type (e.g. `grants` that is not a table).
    #[error("`{at}` in the policy must be {expected}")]
    PolicyShape {
        /// Where it was found.
        at: String,
        /// What was expected.
        expected: &'static str,
    },
    /// A scope name that is empty, contains `/`, or is not in the policy.
    #[error("scope `{path}` is not defined in the policy")]
    UnknownScope {
        /// The requested scope path.
        path: String,
    },
    /// A scope name that cannot be used (empty or containing `/`).
    #[error("invalid scope name {name:?}: names are non-empty and contain no `/`")]
    InvalidScopeName {
        /// The name as written.
        name: String,
    },
}
