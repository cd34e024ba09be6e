//! Grants: the typed constraints under which one tool may be called, and their intersection.
//!
//! A grant is built from key/value pairs (from TOML, JSON, or Lumen's `grant` declarations) by
//! [`Grant::build`], which refuses unknown keys, constraints that do not apply to the tool, values of
//! the wrong type and invalid values. Nothing is ignored.
//!
//! | key | value | applies to | meaning |
//! |---|---|---|---|
//! | `domain` | string or list | http | host patterns, see [`crate::host`] |
//! | `scheme` | string or list | http | `http`, `https` |
//! | `port` | integer or list | http | allowed ports |
//! | `method` | string or list | http | `GET`, `HEAD`, `POST`, `PUT`, `PATCH`, `DELETE`, `OPTIONS` |
//! | `path_prefix` | string or list | http | path prefixes, matched per segment (a path or prefix some server could read differently is refused) |
//! | `timeout_ms` | integer ≥ 1 | all | per-call timeout |
//! | `max_calls` | integer ≥ 0 | all | call budget shared with every enclosing scope |
//! | `max_bytes` | integer ≥ 1 | all | response size cap |
//! | `max_tokens` | integer ≥ 1 | llm | completion-token cap |
//! | `model` | string or list | llm | model allow-list |
//!
//! An absent constraint means "no constraint at this level": in a nested scope the enclosing scope's
//! constraint applies (a bare `grant Chat` inherits everything). A root scope (see
//! [`crate::Scope::root`]) fills in the defaults: `scheme` is `https` only, and the port of each
//! allowed scheme is its default port (443 for https, 80 for http) unless `port` is given. `domain`
//! has no default: an HTTP grant without it allows any host whose addresses are public.
//!
//! Intersection is exact and per constraint: host pattern sets intersect as sets of hosts, the
//! allowed `(scheme, port)` pairs intersect, lists intersect, numbers take the minimum. An empty
//! intersection is kept (and denies every call), so the result never allows what either side forbids.

use crate::error::GrantError;
use crate::host::{Host, HostPattern, HostSet};
use crate::tool::{ToolId, ToolKind};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::IpAddr;

/// The constraints a grant can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Constraint {
    /// Host patterns (`domain`).
    Domain,
    /// URL schemes (`scheme`).
    Scheme,
    /// Ports (`port`).
    Port,
    /// HTTP methods (`method`).
    Method,
    /// Path prefixes (`path_prefix`).
    PathPrefix,
    /// Per-call timeout in milliseconds (`timeout_ms`).
    TimeoutMs,
    /// Completion-token cap (`max_tokens`).
    MaxTokens,
    /// Call budget (`max_calls`).
    MaxCalls,
    /// Response size cap (`max_bytes`).
    MaxBytes,
    /// Model allow-list (`model`).
    Model,
}

impl Constraint {
    /// Every constraint, in documentation order.
    pub const ALL: [Constraint; 10] = [
        Constraint::Domain,
        Constraint::Scheme,
        Constraint::Port,
        Constraint::Method,
        Constraint::PathPrefix,
        Constraint::TimeoutMs,
        Constraint::MaxTokens,
        Constraint::MaxCalls,
        Constraint::MaxBytes,
        Constraint::Model,
    ];

    /// The key as written in grants.
    pub fn key(self) -> &'static str {
        match self {
            Constraint::Domain => "domain",
            Constraint::Scheme => "scheme",
            Constraint::Port => "port",
            Constraint::Method => "method",
            Constraint::PathPrefix => "path_prefix",
            Constraint::TimeoutMs => "timeout_ms",
            Constraint::MaxTokens => "max_tokens",
            Constraint::MaxCalls => "max_calls",
            Constraint::MaxBytes => "max_bytes",
            Constraint::Model => "model",
        }
    }

    /// The constraint with this key, if any.
    pub fn from_key(key: &str) -> Option<Constraint> {
        Constraint::ALL.into_iter().find(|c| c.key() == key)
    }
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// An allowed URL scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    /// Plain HTTP.
    Http,
    /// HTTP over TLS.
    Https,
}

impl Scheme {
    /// Both schemes.
    pub const ALL: [Scheme; 2] = [Scheme::Http, Scheme::Https];

    /// The scheme named by a URL's (lower-case) scheme string.
    pub fn from_url_scheme(s: &str) -> Option<Scheme> {
        match s {
            "http" => Some(Scheme::Http),
            "https" => Some(Scheme::Https),
            _ => None,
        }
    }

    /// The scheme's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    /// The scheme's default port.
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }
}

/// The HTTP methods a grant can name and a call can use.
pub(crate) const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
const MAX_TIMEOUT_MS: u64 = 24 * 60 * 60 * 1000;
const MAX_LIST: usize = 1024;

/// The constraints under which one tool may be called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    tool: ToolId,
    kind: ToolKind,
    hosts: Option<HostSet>,
    /// The address patterns that may be reached although they are special-purpose. `None` (only in a
    /// grant that has no `domain` of its own and is not a root) inherits; a root without `domain`
    /// unlocks nothing, so "any host" never includes loopback, private or metadata addresses.
    unlocked: Option<HostSet>,
    endpoints: Option<BTreeSet<(Scheme, u16)>>,
    scheme_given: bool,
    methods: Option<BTreeSet<&'static str>>,
    path_prefixes: Option<Vec<String>>,
    timeout_ms: Option<u64>,
    max_tokens: Option<u64>,
    max_calls: Option<u64>,
    max_bytes: Option<u64>,
    models: Option<BTreeSet<String>>,
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a float",
        Value::Number(n) if n.is_i64() && n.as_i64().is_some_and(|i| i < 0) => "a negative integer",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a table",
    }
}

impl Grant {
    /// A grant with no constraint of its own (everything comes from the enclosing scope or defaults).
    pub fn unconstrained(tool: ToolId) -> Grant {
        let kind = tool.kind().unwrap_or(ToolKind::Mcp);
        Grant {
            tool,
            kind,
            hosts: None,
            unlocked: None,
            endpoints: None,
            scheme_given: false,
            methods: None,
            path_prefixes: None,
            timeout_ms: None,
            max_tokens: None,
            max_calls: None,
            max_bytes: None,
            models: None,
        }
    }

    /// Builds a grant for `tool` from constraint key/value pairs, refusing anything unknown or ill-typed.
    pub fn build<K: AsRef<str>>(
        tool: &str,
        constraints: impl IntoIterator<Item = (K, Value)>,
    ) -> Result<Grant, GrantError> {
        let id = ToolId::parse(tool)?;
        let kind = id.kind().ok_or_else(|| GrantError::UnknownTool {
            tool: tool.to_owned(),
        })?;
        let mut g = Grant::unconstrained(id);
        let mut seen = BTreeSet::new();
        let mut schemes: Option<BTreeSet<Scheme>> = None;
        let mut ports: Option<BTreeSet<u16>> = None;
        for (key, value) in constraints {
            let key = key.as_ref();
            let c = Constraint::from_key(key).ok_or_else(|| GrantError::UnknownConstraint {
                tool: tool.to_owned(),
                key: key.to_owned(),
            })?;
            if !kind.accepts(c) {
                return Err(GrantError::ConstraintNotApplicable {
                    tool: tool.to_owned(),
                    key: c.key(),
                });
            }
            if !seen.insert(c) {
                return Err(GrantError::DuplicateConstraint {
                    tool: tool.to_owned(),
                    key: c.key(),
                });
            }
            let ctx = Ctx { tool, key: c.key() };
            match c {
                Constraint::Domain => {
                    let pats = ctx
                        .strings(&value)?
                        .into_iter()
                        .map(HostPattern::parse)
                        .collect::<Result<Vec<_>, _>>()?;
                    let set = HostSet::new(pats);
                    g.unlocked = Some(set.addresses());
                    g.hosts = Some(set);
                }
                Constraint::Scheme => {
                    let mut set = BTreeSet::new();
                    for s in ctx.strings(&value)? {
                        let sch =
                            Scheme::from_url_scheme(&s.to_ascii_lowercase()).ok_or_else(|| {
                                ctx.invalid(s, "only `http` and `https` can be granted")
                            })?;
                        set.insert(sch);
                    }
                    schemes = Some(set);
                }
                Constraint::Port => {
                    let mut set = BTreeSet::new();
                    for v in ctx.list(&value).iter() {
                        let n = ctx.integer(v, "an integer port or a list of them")?;
                        let p = u16::try_from(n).ok().filter(|p| *p != 0).ok_or_else(|| {
                            ctx.invalid(&n.to_string(), "a port is between 1 and 65535")
                        })?;
                        set.insert(p);
                    }
                    if set.is_empty() {
                        return Err(ctx.invalid("[]", "an empty list would allow nothing"));
                    }
                    ports = Some(set);
                }
                Constraint::Method => {
                    let mut set = BTreeSet::new();
                    for s in ctx.strings(&value)? {
                        let up = s.to_ascii_uppercase();
                        let m = METHODS.iter().find(|m| **m == up).ok_or_else(|| {
                            ctx.invalid(
                                s,
                                "not one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS",
                            )
                        })?;
                        set.insert(*m);
                    }
                    g.methods = Some(set);
                }
                Constraint::PathPrefix => {
                    let mut out = Vec::new();
                    for s in ctx.strings(&value)? {
                        out.push(normalize_path_prefix(s).map_err(|r| ctx.invalid(s, r))?);
                    }
                    g.path_prefixes = Some(canonical_prefixes(out));
                }
                Constraint::TimeoutMs => {
                    let n = ctx.integer(&value, "an integer number of milliseconds")?;
                    if n == 0 || n > MAX_TIMEOUT_MS {
                        return Err(
                            ctx.invalid(&n.to_string(), "between 1 and 86400000 (24 hours)")
                        );
                    }
                    g.timeout_ms = Some(n);
                }
                Constraint::MaxTokens => g.max_tokens = Some(ctx.positive(&value)?),
                Constraint::MaxBytes => g.max_bytes = Some(ctx.positive(&value)?),
                Constraint::MaxCalls => {
                    g.max_calls = Some(ctx.integer(&value, "a non-negative integer")?)
                }
                Constraint::Model => {
                    let mut set = BTreeSet::new();
                    for s in ctx.strings(&value)? {
                        if s.is_empty()
                            || s.len() > 256
                            || s.chars().any(|c| c.is_control() || c.is_whitespace())
                        {
                            return Err(
                                ctx.invalid(s, "a model name is 1-256 characters without spaces")
                            );
                        }
                        set.insert(s.to_owned());
                    }
                    g.models = Some(set);
                }
            }
        }
        g.scheme_given = schemes.is_some();
        g.endpoints = match (schemes, ports) {
            (None, None) => None,
            (Some(s), None) => Some(s.into_iter().map(|s| (s, s.default_port())).collect()),
            (s, Some(p)) => {
                let s = s.unwrap_or_else(|| Scheme::ALL.into_iter().collect());
                Some(
                    s.iter()
                        .flat_map(|s| p.iter().map(move |p| (*s, *p)))
                        .collect(),
                )
            }
        };
        Ok(g)
    }

    /// Builds a grant from a JSON/TOML table of constraints (`{"domain": [...], "timeout_ms": 5000}`).
    pub fn from_json(tool: &str, constraints: &Value) -> Result<Grant, GrantError> {
        match constraints {
            Value::Object(map) => {
                Grant::build(tool, map.iter().map(|(k, v)| (k.as_str(), v.clone())))
            }
            other => Err(GrantError::PolicyShape {
                at: format!("grants.\"{tool}\""),
                expected: if matches!(other, Value::Null) {
                    "a table"
                } else {
                    "a table of constraints"
                },
            }),
        }
    }

    /// The tool this grant is for.
    pub fn tool(&self) -> &ToolId {
        &self.tool
    }

    /// The kind of the tool.
    pub fn kind(&self) -> ToolKind {
        self.kind
    }

    /// This grant as the top of a scope tree: unset `scheme`/`port` get their defaults (https on 443).
    pub fn as_root(&self) -> Grant {
        let mut g = self.clone();
        if matches!(g.kind, ToolKind::Http(_)) {
            if g.unlocked.is_none() {
                g.unlocked = Some(HostSet::default());
            }
            g.endpoints = Some(match &self.endpoints {
                None => BTreeSet::from([(Scheme::Https, 443)]),
                Some(set) if !self.scheme_given => set
                    .iter()
                    .filter(|(s, _)| *s == Scheme::Https)
                    .copied()
                    .collect(),
                Some(set) => set.clone(),
            });
            g.scheme_given = true;
        }
        g
    }

    /// The calls allowed by both grants, or `None` if they are for different tools.
    pub fn intersect(&self, other: &Grant) -> Option<Grant> {
        if self.tool != other.tool {
            return None;
        }
        Some(Grant {
            tool: self.tool.clone(),
            kind: self.kind,
            hosts: meet(&self.hosts, &other.hosts, |a, b| a.intersect(b)),
            unlocked: meet(&self.unlocked, &other.unlocked, |a, b| a.intersect(b)),
            endpoints: meet(&self.endpoints, &other.endpoints, |a, b| {
                a.intersection(b).copied().collect()
            }),
            scheme_given: self.scheme_given || other.scheme_given,
            methods: meet(&self.methods, &other.methods, |a, b| {
                a.intersection(b).copied().collect()
            }),
            path_prefixes: meet(&self.path_prefixes, &other.path_prefixes, |a, b| {
                let mut out = Vec::new();
                for p in a {
                    for q in b {
                        if prefix_covers(p, q) {
                            out.push(q.clone());
                        } else if prefix_covers(q, p) {
                            out.push(p.clone());
                        }
                    }
                }
                canonical_prefixes(out)
            }),
            timeout_ms: min_opt(self.timeout_ms, other.timeout_ms),
            max_tokens: min_opt(self.max_tokens, other.max_tokens),
            max_calls: min_opt(self.max_calls, other.max_calls),
            max_bytes: min_opt(self.max_bytes, other.max_bytes),
            models: meet(&self.models, &other.models, |a, b| {
                a.intersection(b).cloned().collect()
            }),
        })
    }

    /// The constraints on which this grant asks for more than `outer` allows (empty if it is covered).
    ///
    /// An absent constraint inherits and so never exceeds; a `port` given without `scheme` is compared
    /// on the schemes `outer` allows.
    pub fn excess_over(&self, outer: &Grant) -> Vec<Constraint> {
        let mut out = Vec::new();
        if self.tool != outer.tool {
            return Constraint::ALL.to_vec();
        }
        let hosts_exceed =
            matches!((&self.hosts, &outer.hosts), (Some(a), Some(b)) if !b.covers(a));
        let unlock_exceeds =
            matches!((&self.unlocked, &outer.unlocked), (Some(a), Some(b)) if !b.covers(a));
        if hosts_exceed || unlock_exceeds {
            out.push(Constraint::Domain);
        }
        if let (Some(a), Some(b)) = (&self.endpoints, &outer.endpoints) {
            let outer_schemes: BTreeSet<Scheme> = b.iter().map(|(s, _)| *s).collect();
            let considered: Vec<&(Scheme, u16)> = a
                .iter()
                .filter(|(s, _)| self.scheme_given || outer_schemes.contains(s))
                .collect();
            if considered.iter().any(|(s, _)| !outer_schemes.contains(s)) {
                out.push(Constraint::Scheme);
            } else if considered.iter().any(|e| !b.contains(e)) {
                out.push(Constraint::Port);
            }
        }
        if let (Some(a), Some(b)) = (&self.methods, &outer.methods)
            && !a.is_subset(b)
        {
            out.push(Constraint::Method);
        }
        if let (Some(a), Some(b)) = (&self.path_prefixes, &outer.path_prefixes)
            && !a.iter().all(|q| b.iter().any(|p| prefix_covers(p, q)))
        {
            out.push(Constraint::PathPrefix);
        }
        let num = |c, a: Option<u64>, b: Option<u64>, out: &mut Vec<Constraint>| {
            if let (Some(a), Some(b)) = (a, b)
                && a > b
            {
                out.push(c);
            }
        };
        num(
            Constraint::TimeoutMs,
            self.timeout_ms,
            outer.timeout_ms,
            &mut out,
        );
        num(
            Constraint::MaxTokens,
            self.max_tokens,
            outer.max_tokens,
            &mut out,
        );
        num(
            Constraint::MaxCalls,
            self.max_calls,
            outer.max_calls,
            &mut out,
        );
        num(
            Constraint::MaxBytes,
            self.max_bytes,
            outer.max_bytes,
            &mut out,
        );
        if let (Some(a), Some(b)) = (&self.models, &outer.models)
            && !a.is_subset(b)
        {
            out.push(Constraint::Model);
        }
        out
    }

    /// The `domain` constraint, if set.
    pub fn hosts(&self) -> Option<&HostSet> {
        self.hosts.as_ref()
    }
    /// The allowed `(scheme, port)` pairs, if constrained.
    pub fn endpoints(&self) -> Option<&BTreeSet<(Scheme, u16)>> {
        self.endpoints.as_ref()
    }
    /// The allowed methods, if constrained.
    pub fn methods(&self) -> Option<&BTreeSet<&'static str>> {
        self.methods.as_ref()
    }
    /// The allowed path prefixes, if constrained.
    pub fn path_prefixes(&self) -> Option<&[String]> {
        self.path_prefixes.as_deref()
    }
    /// The per-call timeout, if set.
    pub fn timeout_ms(&self) -> Option<u64> {
        self.timeout_ms
    }
    /// The token cap, if set.
    pub fn max_tokens(&self) -> Option<u64> {
        self.max_tokens
    }
    /// The call budget declared by this grant, if set.
    pub fn max_calls(&self) -> Option<u64> {
        self.max_calls
    }
    /// The response size cap, if set.
    pub fn max_bytes(&self) -> Option<u64> {
        self.max_bytes
    }
    /// The model allow-list, if set.
    pub fn models(&self) -> Option<&BTreeSet<String>> {
        self.models.as_ref()
    }

    /// Whether the `domain` constraint allows this host (an absent constraint allows every host).
    pub fn allows_host(&self, host: &Host) -> bool {
        self.hosts.as_ref().is_none_or(|h| h.contains(host))
    }
    /// Whether the grant names this address explicitly (which is what permits a special-purpose
    /// address). A non-root grant without `domain` inherits this from its enclosing scope (true here).
    pub fn names_ip(&self, ip: IpAddr) -> bool {
        self.unlocked.as_ref().is_none_or(|h| h.names_ip(ip))
    }

    /// The address patterns that may be reached although special-purpose (`None`: inherited).
    pub fn unlocked(&self) -> Option<&HostSet> {
        self.unlocked.as_ref()
    }
    /// Whether some allowed endpoint uses this scheme.
    pub fn allows_scheme(&self, s: Scheme) -> bool {
        self.endpoints
            .as_ref()
            .is_none_or(|e| e.iter().any(|(x, _)| *x == s))
    }
    /// Whether `(scheme, port)` is allowed.
    pub fn allows_endpoint(&self, s: Scheme, port: u16) -> bool {
        self.endpoints
            .as_ref()
            .is_none_or(|e| e.contains(&(s, port)))
    }
    /// Whether the method is allowed.
    pub fn allows_method(&self, m: &str) -> bool {
        self.methods.as_ref().is_none_or(|set| set.contains(m))
    }
    /// Whether the (normalized) path is under an allowed prefix.
    pub fn allows_path(&self, path: &str) -> bool {
        self.path_prefixes
            .as_ref()
            .is_none_or(|ps| ps.iter().any(|p| prefix_covers(p, path)))
    }
    /// Whether the model is allowed.
    pub fn allows_model(&self, m: &str) -> bool {
        self.models.as_ref().is_none_or(|set| set.contains(m))
    }

    /// The constraints as a JSON table in the same form [`Grant::from_json`] reads.
    pub fn to_json(&self) -> Value {
        let mut m = serde_json::Map::new();
        if let Some(h) = &self.hosts {
            m.insert(
                "domain".into(),
                h.patterns()
                    .iter()
                    .map(|p| Value::String(p.to_string()))
                    .collect(),
            );
        }
        if let Some(e) = &self.endpoints {
            let schemes: BTreeSet<&str> = e.iter().map(|(s, _)| s.as_str()).collect();
            let ports: BTreeSet<u16> = e.iter().map(|(_, p)| *p).collect();
            m.insert(
                "scheme".into(),
                schemes.into_iter().map(Value::from).collect(),
            );
            m.insert("port".into(), ports.into_iter().map(Value::from).collect());
            let product = schemes_ports_product(e);
            if !product {
                m.insert(
                    "endpoints".into(),
                    e.iter()
                        .map(|(s, p)| Value::String(format!("{}:{p}", s.as_str())))
                        .collect(),
                );
            }
        }
        if let Some(x) = &self.methods {
            m.insert("method".into(), x.iter().map(|s| Value::from(*s)).collect());
        }
        if let Some(x) = &self.path_prefixes {
            m.insert(
                "path_prefix".into(),
                x.iter().map(|s| Value::from(s.as_str())).collect(),
            );
        }
        for (k, v) in [
            ("timeout_ms", self.timeout_ms),
            ("max_tokens", self.max_tokens),
            ("max_calls", self.max_calls),
            ("max_bytes", self.max_bytes),
        ] {
            if let Some(v) = v {
                m.insert(k.into(), Value::from(v));
            }
        }
        if let Some(x) = &self.models {
            m.insert(
                "model".into(),
                x.iter().map(|s| Value::from(s.as_str())).collect(),
            );
        }
        Value::Object(m)
    }
}

/// Whether a set of endpoints is exactly schemes × ports (so `scheme` and `port` describe it).
fn schemes_ports_product(e: &BTreeSet<(Scheme, u16)>) -> bool {
    let schemes: BTreeSet<Scheme> = e.iter().map(|(s, _)| *s).collect();
    let ports: BTreeSet<u16> = e.iter().map(|(_, p)| *p).collect();
    schemes.len() * ports.len() == e.len()
}

fn meet<T>(a: &Option<T>, b: &Option<T>, f: impl FnOnce(&T, &T) -> T) -> Option<T>
where
    T: Clone,
{
    match (a, b) {
        (None, None) => None,
        (Some(x), None) | (None, Some(x)) => Some(x.clone()),
        (Some(x), Some(y)) => Some(f(x, y)),
    }
}

fn min_opt(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// Whether the path prefix `p` covers `q` (a path, or another prefix), segment by segment:
/// `/api` covers `/api`, `/api/` and `/api/x` but not `/apix`.
pub(crate) fn prefix_covers(p: &str, q: &str) -> bool {
    q == p || (q.starts_with(p) && (p.ends_with('/') || q.as_bytes().get(p.len()) == Some(&b'/')))
}

fn canonical_prefixes(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    let keep: Vec<String> = v
        .iter()
        .filter(|q| !v.iter().any(|p| p != *q && prefix_covers(p, q)))
        .cloned()
        .collect();
    keep
}

/// Normalizes a path prefix the way the WHATWG parser normalizes request paths (dot segments,
/// percent-encoding), and refuses prefixes whose meaning would depend on the server's decoding.
fn normalize_path_prefix(s: &str) -> Result<String, &'static str> {
    if !s.starts_with('/') {
        return Err("a path prefix starts with `/`");
    }
    if s.contains(['?', '#', '\\']) || s.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("a path prefix has no query, fragment, backslash, space or control character");
    }
    if has_encoded_separator(s) {
        return Err("a path prefix may not contain an encoded `/` or `\\` (%2F, %5C)");
    }
    let u = url::Url::parse(&format!("https://h.invalid{s}")).map_err(|_| "not a valid path")?;
    if crate::path::is_ambiguous(u.path()) {
        return Err(
            "a path prefix may not have a segment that some server could decode to `.`, `..` or a separator",
        );
    }
    Ok(u.path().to_owned())
}

/// Whether a path contains `%2F` or `%5C` (any case): servers disagree on whether these separate segments.
pub(crate) fn has_encoded_separator(path: &str) -> bool {
    let b = path.as_bytes();
    b.windows(3).any(|w| {
        w[0] == b'%'
            && ((w[1] == b'2' && (w[2] | 0x20) == b'f') || (w[1] == b'5' && (w[2] | 0x20) == b'c'))
    })
}

struct Ctx<'a> {
    tool: &'a str,
    key: &'static str,
}

impl Ctx<'_> {
    fn wrong(&self, expected: &'static str, v: &Value) -> GrantError {
        GrantError::WrongType {
            tool: self.tool.to_owned(),
            key: self.key,
            expected,
            got: type_name(v),
        }
    }
    fn invalid(&self, value: &str, reason: &'static str) -> GrantError {
        GrantError::InvalidValue {
            tool: self.tool.to_owned(),
            key: self.key,
            value: value.to_owned(),
            reason,
        }
    }
    fn list<'v>(&self, v: &'v Value) -> Cow<'v, [Value]> {
        match v {
            Value::Array(a) => Cow::Borrowed(a.as_slice()),
            other => Cow::Owned(vec![other.clone()]),
        }
    }
    fn strings<'v>(&self, v: &'v Value) -> Result<Vec<&'v str>, GrantError> {
        let expected = "a string or a list of strings";
        let out: Vec<&str> = match v {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a
                .iter()
                .map(|x| x.as_str().ok_or_else(|| self.wrong(expected, x)))
                .collect::<Result<_, _>>()?,
            other => return Err(self.wrong(expected, other)),
        };
        if out.is_empty() {
            return Err(self.invalid("[]", "an empty list would allow nothing"));
        }
        if out.len() > MAX_LIST {
            return Err(self.invalid("[…]", "more than 1024 entries"));
        }
        Ok(out)
    }
    fn integer(&self, v: &Value, expected: &'static str) -> Result<u64, GrantError> {
        match v {
            Value::Number(n) if n.is_u64() => n.as_u64().ok_or_else(|| self.wrong(expected, v)),
            other => Err(self.wrong(expected, other)),
        }
    }
    fn positive(&self, v: &Value) -> Result<u64, GrantError> {
        let n = self.integer(v, "a positive integer")?;
        if n == 0 {
            return Err(self.invalid("0", "must be at least 1"));
        }
        Ok(n)
    }
}

/// The grants of one scope: at most one grant per tool.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GrantSet {
    grants: BTreeMap<ToolId, Grant>,
}

impl GrantSet {
    /// An empty set: no tool is granted.
    pub fn new() -> GrantSet {
        GrantSet::default()
    }

    /// Adds a grant; a second grant for the same tool is an error.
    pub fn insert(&mut self, grant: Grant) -> Result<(), GrantError> {
        if self.grants.contains_key(grant.tool.as_str()) {
            return Err(GrantError::DuplicateGrant {
                tool: grant.tool.to_string(),
            });
        }
        self.grants.insert(grant.tool.clone(), grant);
        Ok(())
    }

    /// Builder form of [`GrantSet::insert`].
    pub fn with(mut self, grant: Grant) -> Result<GrantSet, GrantError> {
        self.insert(grant)?;
        Ok(self)
    }

    /// Reads a JSON/TOML table `{ "<tool>": { <constraints> }, … }`.
    pub fn from_json(v: &Value) -> Result<GrantSet, GrantError> {
        let Value::Object(map) = v else {
            return Err(GrantError::PolicyShape {
                at: "grants".into(),
                expected: "a table of tools",
            });
        };
        let mut set = GrantSet::new();
        for (tool, c) in map {
            set.insert(Grant::from_json(tool, c)?)?;
        }
        Ok(set)
    }

    /// The grant for a tool, if any.
    pub fn get(&self, tool: &str) -> Option<&Grant> {
        self.grants.get(tool)
    }

    /// Iterates over the grants in tool order.
    pub fn iter(&self) -> impl Iterator<Item = &Grant> {
        self.grants.values()
    }

    /// The number of granted tools.
    pub fn len(&self) -> usize {
        self.grants.len()
    }

    /// Whether no tool is granted.
    pub fn is_empty(&self) -> bool {
        self.grants.is_empty()
    }

    /// The tools granted by both sets, each with the intersection of its two grants.
    pub fn intersect(&self, other: &GrantSet) -> GrantSet {
        let grants = self
            .grants
            .iter()
            .filter_map(|(t, g)| {
                other
                    .grants
                    .get(t.as_str())
                    .and_then(|o| g.intersect(o))
                    .map(|g| (t.clone(), g))
            })
            .collect();
        GrantSet { grants }
    }

    /// Every grant with root defaults filled in (see [`Grant::as_root`]).
    pub fn as_root(&self) -> GrantSet {
        GrantSet {
            grants: self
                .grants
                .iter()
                .map(|(t, g)| (t.clone(), g.as_root()))
                .collect(),
        }
    }

    /// The set as a JSON table in the form [`GrantSet::from_json`] reads.
    pub fn to_json(&self) -> Value {
        Value::Object(
            self.grants
                .iter()
                .map(|(t, g)| (t.to_string(), g.to_json()))
                .collect(),
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use serde_json::json;

    fn g(tool: &str, v: Value) -> Grant {
        Grant::from_json(tool, &v).unwrap()
    }

    #[test]
    fn unknown_and_ill_typed_constraints_are_errors() {
        let e = |tool: &str, v: Value| Grant::from_json(tool, &v).unwrap_err();
        assert!(matches!(
            e("http.get", json!({"domian": "x.com"})),
            GrantError::UnknownConstraint { .. }
        ));
        assert!(matches!(
            e("http.get", json!({"model": "gpt"})),
            GrantError::ConstraintNotApplicable { .. }
        ));
        assert!(matches!(
            e("llm.chat", json!({"domain": "x.com"})),
            GrantError::ConstraintNotApplicable { .. }
        ));
        assert!(matches!(
            e("http.get", json!({"timeout_ms": "5000"})),
            GrantError::WrongType { .. }
        ));
        assert!(matches!(
            e("http.get", json!({"timeout_ms": 5000.0})),
            GrantError::WrongType { .. }
        ));
        assert!(matches!(
            e("http.get", json!({"timeout_ms": -1})),
            GrantError::WrongType { .. }
        ));
        assert!(matches!(
            e("http.get", json!({"timeout_ms": 0})),
            GrantError::InvalidValue { .. }
        ));
        assert!(matches!(
            e("http.get", json!({"port": 70000})),
            GrantError::InvalidValue { .. }
        ));
        assert!(matches!(
            e("http.get", json!({"port": [443, "80"]})),
            GrantError::WrongType { .. }
        ));
        assert!(matches!(
            e("http.get", json!({"scheme": "ftp"})),
            GrantError::InvalidValue { .. }
        ));
        assert!(matches!(
            e("http.get", json!({"domain": []})),
            GrantError::InvalidValue { .. }
        ));
        assert!(matches!(
            e("http.get", json!({"domain": [1]})),
            GrantError::WrongType { .. }
        ));
        assert!(matches!(
            e("http.get", json!({"domain": "*.com"})),
            GrantError::PublicSuffixWildcard { .. }
        ));
        assert!(matches!(
            e("http.get", json!({"path_prefix": "api"})),
            GrantError::InvalidValue { .. }
        ));
        assert!(matches!(
            e("http.get", json!({"path_prefix": "/a%2Fb"})),
            GrantError::InvalidValue { .. }
        ));
        assert!(matches!(
            e("http.get", json!({"method": "BREW"})),
            GrantError::InvalidValue { .. }
        ));
        assert!(matches!(
            e("llm.chat", json!({"max_tokens": true})),
            GrantError::WrongType { .. }
        ));
        assert!(matches!(
            e("http.get", json!([])),
            GrantError::PolicyShape { .. }
        ));
        assert!(matches!(
            Grant::build(
                "http.get",
                [("timeout_ms", json!(1)), ("timeout_ms", json!(2))]
            ),
            Err(GrantError::DuplicateConstraint { .. })
        ));
    }

    #[test]
    fn root_defaults_are_https_on_default_ports() {
        let r = g("http.get", json!({})).as_root();
        assert_eq!(
            r.endpoints().unwrap(),
            &BTreeSet::from([(Scheme::Https, 443)])
        );
        let r = g("http.get", json!({"port": 8443})).as_root();
        assert_eq!(
            r.endpoints().unwrap(),
            &BTreeSet::from([(Scheme::Https, 8443)])
        );
        let r = g("http.get", json!({"scheme": ["http", "https"]})).as_root();
        assert_eq!(
            r.endpoints().unwrap(),
            &BTreeSet::from([(Scheme::Http, 80), (Scheme::Https, 443)])
        );
    }

    #[test]
    fn intersection_takes_minimums_and_meets_lists() {
        let a = g(
            "llm.chat",
            json!({"model": ["a", "b"], "max_tokens": 512, "timeout_ms": 100}),
        );
        let b = g("llm.chat", json!({"model": ["b", "c"], "max_tokens": 256}));
        let c = a.intersect(&b).unwrap();
        assert_eq!(c.models().unwrap(), &BTreeSet::from(["b".to_owned()]));
        assert_eq!(c.max_tokens(), Some(256));
        assert_eq!(c.timeout_ms(), Some(100));
        assert!(a.intersect(&g("llm.embed", json!({}))).is_none());
    }

    #[test]
    fn path_prefixes_match_per_segment() {
        let a = g("http.get", json!({"path_prefix": ["/api", "/v1/"]}));
        assert!(a.allows_path("/api"));
        assert!(a.allows_path("/api/x"));
        assert!(!a.allows_path("/apix"));
        assert!(a.allows_path("/v1/x"));
        assert!(!a.allows_path("/v1"));
        let b = g("http.get", json!({"path_prefix": ["/api/x", "/other"]}));
        assert_eq!(
            a.intersect(&b).unwrap().path_prefixes().unwrap(),
            ["/api/x".to_owned()]
        );
    }

    #[test]
    fn excess_is_reported_per_constraint() {
        let outer = g(
            "http.get",
            json!({"domain": "*.weather.example", "timeout_ms": 5000}),
        )
        .as_root();
        let inner = g("http.get", json!({"domain": "api.weather.example"}));
        assert!(inner.excess_over(&outer).is_empty());
        let inner = g(
            "http.get",
            json!({"domain": "api.other.example", "timeout_ms": 9000, "port": 443}),
        );
        assert_eq!(
            inner.excess_over(&outer),
            vec![Constraint::Domain, Constraint::TimeoutMs]
        );
        let inner = g("http.get", json!({"scheme": "http"}));
        assert_eq!(inner.excess_over(&outer), vec![Constraint::Scheme]);
        let inner = g("http.get", json!({"port": 8443}));
        assert_eq!(inner.excess_over(&outer), vec![Constraint::Port]);
    }
}
