//! The dispatch check: [`validate_tool_policy`] turns a tool call into an [`EnforcedCall`] that a
//! provider must obey, or into a structured [`Violation`].
//!
//! For HTTP tools the `url` argument is parsed once by the WHATWG parser and every decision is made on
//! the parsed form: scheme, userinfo, normalized host (see [`crate::host`]), effective port and the
//! normalized path. The provider receives that normalized URL, never the original string. A name is
//! checked again after DNS resolution ([`EnforcedCall::check_addresses`] / [`EnforcedCall::resolve`]):
//! every answer must be outside the special-purpose ranges of [`crate::net`] unless a grant names the
//! address, and the provider connects to exactly the addresses returned, so a second DNS answer cannot
//! change the target. Every redirect hop goes through [`EnforcedCall::follow_redirect`].
//!
//! Under a `path_prefix` grant, a path that some server could read differently (a segment that decodes,
//! once or more, to `.`, `..` or a separator; see the `path` module's rules) is refused. Request
//! headers must be valid RFC 9110 names and string values, each named once, and none may choose the
//! route ([`is_refused_header`]); a `_method` override in the query or the body is refused. A call may
//! name only the arguments its tool takes ([`crate::tool::known_arguments`]), and an HTTP tool that
//! implies its method accepts a `method` argument only when it repeats that method.

use crate::audit::{ArgShapes, AuditEvent, TargetOrigin};
use crate::grant::{Constraint, Grant, METHODS, Scheme};
use crate::host::Host;
use crate::net::{canonical_ip, special_purpose};
use crate::scope::Scope;
use crate::tool::ToolKind;
use serde::Serialize;
use serde_json::Value;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::time::{Duration, Instant};
use url::Url;

/// The most redirect hops [`EnforcedCall::follow_redirect`] allows for one call.
pub const MAX_REDIRECTS: u32 = 10;

/// A tool call as a program makes it.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// The tool id (`http.get`).
    pub tool: &'a str,
    /// The named arguments, a JSON object.
    pub args: &'a Value,
    /// The time of the decision (default: `Instant::now()` when checked).
    pub now: Option<Instant>,
}

impl<'a> Call<'a> {
    /// A call of `tool` with `args`, decided at the current time.
    pub fn new(tool: &'a str, args: &'a Value) -> Call<'a> {
        Call {
            tool,
            args,
            now: None,
        }
    }

    /// The same call decided at `now`.
    pub fn at(self, now: Instant) -> Call<'a> {
        Call {
            now: Some(now),
            ..self
        }
    }
}

/// What went wrong, as a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum ViolationCode {
    /// The scope has no grant for this tool.
    UndeclaredTool,
    /// A constrained argument is missing.
    MissingArgument,
    /// An argument has the wrong type.
    ArgumentType,
    /// The `url` argument does not parse, or its host is not a valid host.
    InvalidUrl,
    /// The URL's scheme is not granted.
    SchemeNotAllowed,
    /// The URL carries a user name or password.
    UserinfoInUrl,
    /// The URL's host is not granted.
    DomainNotGranted,
    /// The URL's port is not granted for its scheme.
    PortNotAllowed,
    /// The host is, or resolves to, a special-purpose address no grant names.
    PrivateAddress,
    /// The URL's path is outside the granted prefixes (or contains an encoded separator).
    PathNotGranted,
    /// The HTTP method is not granted.
    MethodNotAllowed,
    /// The model is not granted.
    ModelNotAllowed,
    /// The requested `max_tokens` exceeds the grant.
    TokensExceedGrant,
    /// The call budget of this scope or an ancestor is spent.
    BudgetExhausted,
    /// The deadline of this scope or an ancestor has passed.
    DeadlineExceeded,
    /// A redirect points somewhere the grant does not allow (see `cause`).
    RedirectNotGranted,
    /// More than [`MAX_REDIRECTS`] redirects.
    TooManyRedirects,
    /// The host name did not resolve to any address.
    ResolutionFailed,
    /// The response is larger than `max_bytes`.
    ResponseTooLarge,
    /// The audit sink could not record the decision.
    AuditFailed,
    /// A request header that chooses where or how the request is routed (`Host`, `Forwarded`,
    /// `X-Forwarded-*`, `X-Original-URL`, `X-HTTP-Method-Override`, hop-by-hop and framing headers; see
    /// [`is_refused_header`]): the checked URL, method and tool alone decide that.
    HeaderNotAllowed,
    /// A request header name that is not an RFC 9110 token (`host:`, `Host\0`, `Host\r\nX`, pseudo-headers
    /// such as `:path`, an empty name); `normalized` shows it escaped.
    InvalidHeaderName,
    /// A request header value that is not a string, or not a valid RFC 9110 field value (CR, LF, NUL or
    /// another control character); `normalized` names the header, the value is never shown.
    InvalidHeaderValue,
    /// Two request headers with the same name once case is ignored (`Accept` and `accept`).
    DuplicateHeader,
    /// An argument the tool does not take (see [`crate::tool::known_arguments`]); `normalized` names it.
    UnknownArgument,
    /// An argument that contradicts the tool: a `method` on `http.get` (…) other than the tool's own.
    ArgumentContradictsTool,
    /// A `_method` parameter in the URL's query or in the body, which frameworks (Rails, Laravel,
    /// Symfony, Express `method-override`) read as the request's method; `normalized` names it.
    MethodOverride,
}

impl ViolationCode {
    /// The code's name, as in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            ViolationCode::UndeclaredTool => "UndeclaredTool",
            ViolationCode::MissingArgument => "MissingArgument",
            ViolationCode::ArgumentType => "ArgumentType",
            ViolationCode::InvalidUrl => "InvalidUrl",
            ViolationCode::SchemeNotAllowed => "SchemeNotAllowed",
            ViolationCode::UserinfoInUrl => "UserinfoInUrl",
            ViolationCode::DomainNotGranted => "DomainNotGranted",
            ViolationCode::PortNotAllowed => "PortNotAllowed",
            ViolationCode::PrivateAddress => "PrivateAddress",
            ViolationCode::PathNotGranted => "PathNotGranted",
            ViolationCode::MethodNotAllowed => "MethodNotAllowed",
            ViolationCode::ModelNotAllowed => "ModelNotAllowed",
            ViolationCode::TokensExceedGrant => "TokensExceedGrant",
            ViolationCode::BudgetExhausted => "BudgetExhausted",
            ViolationCode::DeadlineExceeded => "DeadlineExceeded",
            ViolationCode::RedirectNotGranted => "RedirectNotGranted",
            ViolationCode::TooManyRedirects => "TooManyRedirects",
            ViolationCode::ResolutionFailed => "ResolutionFailed",
            ViolationCode::ResponseTooLarge => "ResponseTooLarge",
            ViolationCode::AuditFailed => "AuditFailed",
            ViolationCode::HeaderNotAllowed => "HeaderNotAllowed",
            ViolationCode::InvalidHeaderName => "InvalidHeaderName",
            ViolationCode::InvalidHeaderValue => "InvalidHeaderValue",
            ViolationCode::DuplicateHeader => "DuplicateHeader",
            ViolationCode::UnknownArgument => "UnknownArgument",
            ViolationCode::ArgumentContradictsTool => "ArgumentContradictsTool",
            ViolationCode::MethodOverride => "MethodOverride",
        }
    }
}

impl fmt::Display for ViolationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A denied call: what was violated, by which value, and which scopes' grants decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The stable code.
    pub code: ViolationCode,
    /// For `RedirectNotGranted`: what the redirect target violated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<ViolationCode>,
    /// The tool id as the program gave it.
    pub tool: String,
    /// The constraint that decided, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub constraint: Option<Constraint>,
    /// The argument concerned (`url`, `model`, …), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub argument: Option<&'static str>,
    /// The value as given (credentials in URLs are replaced by `***`; long values are cut).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
    /// The value as the engine understood it (normalized host, address, port, path, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub normalized: Option<String>,
    /// The path of the calling scope.
    pub scope: String,
    /// The scopes (innermost first) whose own grants reject the value; empty when the engine's own
    /// rules decided (a malformed argument, credentials in a URL, an unresolvable name).
    pub decided_by: Vec<String>,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: call to `{}` denied in scope `{}`",
            self.code, self.tool, self.scope
        )?;
        if let Some(c) = self.cause {
            write!(f, " (redirect target: {c})")?;
        }
        if let Some(c) = self.constraint {
            write!(f, " by constraint `{c}`")?;
        }
        if let Some(n) = &self.normalized {
            write!(f, " (value: {n})")?;
        }
        if !self.decided_by.is_empty() {
            write!(f, " (decided by {})", self.decided_by.join(", "))?;
        }
        Ok(())
    }
}

impl std::error::Error for Violation {}

/// The target of an allowed HTTP call, as it must be fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpTarget {
    /// The normalized URL (fragment removed, one trailing dot removed from the host).
    pub url: Url,
    /// The normalized host.
    pub host: Host,
    /// The scheme.
    pub scheme: Scheme,
    /// The effective port.
    pub port: u16,
}

impl HttpTarget {
    /// `scheme://host:port`.
    pub fn origin(&self) -> String {
        format!("{}://{}:{}", self.scheme.as_str(), self.host, self.port)
    }
}

/// An allowed call, with everything the provider must enforce.
#[derive(Debug, Clone)]
pub struct EnforcedCall {
    /// The tool.
    pub tool: String,
    /// For HTTP tools: the checked target.
    pub http: Option<HttpTarget>,
    /// For HTTP tools: the method.
    pub method: Option<&'static str>,
    /// The absolute deadline: the earlier of now + `timeout_ms` and every enclosing scope's deadline.
    pub deadline: Option<Instant>,
    /// For LLM tools: the token cap to send (the request's, or the grant's if the request had none).
    pub max_tokens: Option<u64>,
    /// For LLM tools: the model (the call's, or the grant's when it allows exactly one and the call
    /// named none).
    pub model: Option<String>,
    /// The response size cap.
    pub max_bytes: Option<u64>,
    /// The calls left after this one (smallest on the path), or `None` if unlimited.
    pub remaining_calls: Option<u64>,
    /// How many redirects led here.
    pub redirects: u32,
    scope: Scope,
}

/// Resolves host names to addresses (the system resolver, or a fixed table in tests).
pub trait Resolver {
    /// All addresses of `host`.
    fn resolve(&self, host: &str, port: u16) -> std::io::Result<Vec<IpAddr>>;
}

/// The operating system's resolver (`getaddrinfo`).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemResolver;

impl Resolver for SystemResolver {
    fn resolve(&self, host: &str, port: u16) -> std::io::Result<Vec<IpAddr>> {
        Ok((host, port).to_socket_addrs()?.map(|a| a.ip()).collect())
    }
}

/// A failed check before the scope chain is consulted.
struct Fail {
    code: ViolationCode,
    constraint: Option<Constraint>,
    argument: Option<&'static str>,
    raw: Option<String>,
    normalized: Option<String>,
    /// What the scopes' own grants are asked about, to fill `decided_by`.
    probe: Probe,
}

enum Probe {
    None,
    Host(Host),
    Scheme(Scheme),
    Endpoint(Scheme, u16),
    Ip(IpAddr),
    Path(String),
    Method(&'static str),
    Model(String),
    Tokens(u64),
}

impl Probe {
    /// Whether this grant, on its own, rejects the probed value.
    fn rejected_by(&self, g: &Grant) -> bool {
        match self {
            Probe::None => false,
            Probe::Host(h) => !g.allows_host(h),
            Probe::Scheme(s) => !g.allows_scheme(*s),
            Probe::Endpoint(s, p) => !g.allows_endpoint(*s, *p),
            Probe::Ip(ip) => !g.names_ip(*ip),
            Probe::Path(p) => !g.allows_path(p),
            Probe::Method(m) => !g.allows_method(m),
            Probe::Model(m) => !g.allows_model(m),
            Probe::Tokens(n) => g.max_tokens().is_some_and(|max| *n > max),
        }
    }
}

impl Fail {
    fn new(
        code: ViolationCode,
        constraint: Option<Constraint>,
        argument: Option<&'static str>,
    ) -> Fail {
        Fail {
            code,
            constraint,
            argument,
            raw: None,
            normalized: None,
            probe: Probe::None,
        }
    }
    fn raw(mut self, s: impl Into<String>) -> Fail {
        self.raw = Some(cut(s.into()));
        self
    }
    /// Records a URL as given, with any credentials in it replaced by `***`.
    fn raw_url(self, s: &str) -> Fail {
        self.raw(redact_url(s))
    }
    fn normalized(mut self, s: impl Into<String>) -> Fail {
        self.normalized = Some(s.into());
        self
    }
    fn probe(mut self, p: Probe) -> Fail {
        self.probe = p;
        self
    }

    fn into_violation(self, scope: &Scope, tool: &str) -> Box<Violation> {
        let tool_ = tool;
        let decided_by = match self.probe {
            Probe::None => Vec::new(),
            ref p => scope
                .chain()
                .filter(|s| s.node.declared.get(tool_).is_some_and(|g| p.rejected_by(g)))
                .map(|s| s.path().to_owned())
                .collect(),
        };
        Box::new(Violation {
            code: self.code,
            cause: None,
            tool: tool.to_owned(),
            constraint: self.constraint,
            argument: self.argument,
            raw: self.raw,
            normalized: self.normalized,
            scope: scope.path().to_owned(),
            decided_by,
        })
    }
}

/// A URL string with its userinfo replaced by `***`. A string that does not parse is redacted from the
/// start of its authority to its last `@`, which may hide more than the credentials but never less.
fn redact_url(raw: &str) -> String {
    if let Ok(u) = Url::parse(raw) {
        if u.username().is_empty() && u.password().is_none() {
            return raw.to_owned();
        }
        return redact_parsed(&u);
    }
    let start = raw
        .find("//")
        .map(|i| i + 2)
        .or_else(|| raw.find(':').map(|i| i + 1))
        .unwrap_or(0);
    match raw[start..].rfind('@') {
        Some(at) => format!("{}***{}", &raw[..start], &raw[start + at..]),
        None => raw.to_owned(),
    }
}

/// A parsed URL with its userinfo replaced by `***`.
fn redact_parsed(u: &Url) -> String {
    let mut shown = u.clone();
    let _ = shown.set_password(None);
    let _ = shown.set_username("***");
    shown.into()
}

fn cut(mut s: String) -> String {
    const MAX: usize = 512;
    if s.len() > MAX {
        let mut end = MAX;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push('…');
    }
    s
}

/// Checks one call against the scope's effective grants, spends its budget and reports the decision.
pub fn validate_tool_policy(
    scope: &Scope,
    call: &Call<'_>,
) -> Result<EnforcedCall, Box<Violation>> {
    let result = decide(scope, call);
    let (code, constraint, decided_by, target): (_, _, &[String], _) = match &result {
        Ok(e) => (None, None, &[], e.http.as_ref().map(TargetOrigin)),
        Err(v) => (Some(v.code), v.constraint, &v.decided_by, None),
    };
    let event = AuditEvent {
        event: "call",
        decision: if result.is_ok() { "allow" } else { "deny" },
        scope: scope.path(),
        tool: call.tool,
        code,
        constraint,
        decided_by,
        target,
        args: ArgShapes(call.args),
    };
    match (scope.audit().record(&event), result) {
        (Ok(()), r) => r,
        (Err(_), Ok(e)) => {
            // The call will not happen: give back what it spent.
            if e.remaining_calls.is_some() {
                scope.refund(call.tool);
            }
            Err(Fail::new(ViolationCode::AuditFailed, None, None).into_violation(scope, call.tool))
        }
        (Err(_), Err(v)) => Err(v),
    }
}

impl Scope {
    /// Same as [`validate_tool_policy`].
    pub fn validate(&self, call: &Call<'_>) -> Result<EnforcedCall, Box<Violation>> {
        validate_tool_policy(self, call)
    }
}

fn decide(scope: &Scope, call: &Call<'_>) -> Result<EnforcedCall, Box<Violation>> {
    let tool = call.tool;
    let Some(grant) = scope.effective().get(tool) else {
        let decided_by = scope
            .chain()
            .filter(|s| s.node.declared.get(tool).is_none())
            .map(|s| s.path().to_owned())
            .collect();
        return Err(Box::new(Violation {
            code: ViolationCode::UndeclaredTool,
            cause: None,
            tool: tool.to_owned(),
            constraint: None,
            argument: None,
            raw: None,
            normalized: None,
            scope: scope.path().to_owned(),
            decided_by,
        }));
    };
    let args = call.args;
    if !args.is_object() {
        return Err(Fail::new(ViolationCode::ArgumentType, None, None)
            .normalized(crate::audit::shape(args))
            .into_violation(scope, tool));
    }
    let mut enforced = EnforcedCall {
        tool: tool.to_owned(),
        http: None,
        method: None,
        deadline: None,
        max_tokens: None,
        model: None,
        max_bytes: grant.max_bytes(),
        remaining_calls: None,
        redirects: 0,
        scope: scope.clone(),
    };
    match grant.kind() {
        ToolKind::Http(implied) => {
            let raw = match args.get("url") {
                Some(Value::String(s)) => s.as_str(),
                Some(other) => {
                    return Err(Fail::new(ViolationCode::ArgumentType, None, Some("url"))
                        .normalized(crate::audit::shape(other))
                        .into_violation(scope, tool));
                }
                None => {
                    return Err(Fail::new(ViolationCode::MissingArgument, None, Some("url"))
                        .into_violation(scope, tool));
                }
            };
            let url = Url::parse(raw).map_err(|_| {
                Fail::new(ViolationCode::InvalidUrl, None, Some("url"))
                    .raw_url(raw)
                    .into_violation(scope, tool)
            })?;
            enforced.http =
                Some(check_url(grant, url, Some(raw)).map_err(|f| f.into_violation(scope, tool))?);
            // Headers that would route the request past what was checked (virtual-host or proxy
            // confusion, path or method overrides, framing) are refused; values are never echoed.
            match args.get("headers") {
                None | Some(Value::Null) => {}
                Some(Value::Object(h)) => {
                    check_headers(h).map_err(|f| f.into_violation(scope, tool))?;
                }
                Some(other) => {
                    return Err(
                        Fail::new(ViolationCode::ArgumentType, None, Some("headers"))
                            .normalized(crate::audit::shape(other))
                            .into_violation(scope, tool),
                    );
                }
            }
            let method = match implied {
                // The tool names the method; a `method` argument may only repeat it.
                Some(m) => match args.get("method") {
                    None => m,
                    Some(Value::String(s)) if s.eq_ignore_ascii_case(m) => m,
                    Some(Value::String(s)) => {
                        return Err(Fail::new(
                            ViolationCode::ArgumentContradictsTool,
                            None,
                            Some("method"),
                        )
                        .raw(s.as_str())
                        .normalized(cut(s.to_ascii_uppercase()))
                        .into_violation(scope, tool));
                    }
                    Some(other) => {
                        return Err(Fail::new(ViolationCode::ArgumentType, None, Some("method"))
                            .normalized(crate::audit::shape(other))
                            .into_violation(scope, tool));
                    }
                },
                None => match args.get("method") {
                    Some(Value::String(s)) => {
                        let up = s.to_ascii_uppercase();
                        METHODS.into_iter().find(|m| *m == up).ok_or_else(|| {
                            Fail::new(
                                ViolationCode::MethodNotAllowed,
                                Some(Constraint::Method),
                                Some("method"),
                            )
                            .raw(s.as_str())
                            .into_violation(scope, tool)
                        })?
                    }
                    Some(other) => {
                        return Err(Fail::new(ViolationCode::ArgumentType, None, Some("method"))
                            .normalized(crate::audit::shape(other))
                            .into_violation(scope, tool));
                    }
                    None => {
                        return Err(Fail::new(
                            ViolationCode::MissingArgument,
                            None,
                            Some("method"),
                        )
                        .into_violation(scope, tool));
                    }
                },
            };
            if !grant.allows_method(method) {
                return Err(Fail::new(
                    ViolationCode::MethodNotAllowed,
                    Some(Constraint::Method),
                    Some("method"),
                )
                .normalized(method)
                .probe(Probe::Method(method))
                .into_violation(scope, tool));
            }
            enforced.method = Some(method);
            check_method_override_body(args.get("body"))
                .map_err(|f| f.into_violation(scope, tool))?;
        }
        ToolKind::Llm => {
            match args.get("model") {
                Some(Value::String(m)) => {
                    if !grant.allows_model(m) {
                        return Err(Fail::new(
                            ViolationCode::ModelNotAllowed,
                            Some(Constraint::Model),
                            Some("model"),
                        )
                        .raw(m.as_str())
                        .normalized(m.as_str())
                        .probe(Probe::Model(m.clone()))
                        .into_violation(scope, tool));
                    }
                    enforced.model = Some(m.clone());
                }
                Some(other) => {
                    return Err(Fail::new(ViolationCode::ArgumentType, None, Some("model"))
                        .normalized(crate::audit::shape(other))
                        .into_violation(scope, tool));
                }
                // No model asked for: a grant that allows exactly one model decides it; with
                // several, the call is ambiguous and refused.
                None if grant.models().is_some_and(|m| m.len() == 1) => {
                    enforced.model = grant.models().and_then(|m| m.first().cloned());
                }
                None if grant.models().is_some() => {
                    return Err(Fail::new(
                        ViolationCode::MissingArgument,
                        Some(Constraint::Model),
                        Some("model"),
                    )
                    .into_violation(scope, tool));
                }
                None => {}
            }
            enforced.max_tokens = match args.get("max_tokens") {
                None => grant.max_tokens(),
                Some(Value::Number(n)) if n.is_u64() => {
                    let n = n.as_u64().unwrap_or(u64::MAX);
                    if grant.max_tokens().is_some_and(|max| n > max) {
                        return Err(Fail::new(
                            ViolationCode::TokensExceedGrant,
                            Some(Constraint::MaxTokens),
                            Some("max_tokens"),
                        )
                        .normalized(n.to_string())
                        .probe(Probe::Tokens(n))
                        .into_violation(scope, tool));
                    }
                    Some(n)
                }
                Some(other) => {
                    return Err(
                        Fail::new(ViolationCode::ArgumentType, None, Some("max_tokens"))
                            .normalized(crate::audit::shape(other))
                            .into_violation(scope, tool),
                    );
                }
            };
        }
        ToolKind::Mcp => {}
    }
    // Every argument must be one the tool takes: one the engine does not know is not checked, so it
    // could carry a second limit or target (MCP tools: the server's own arguments, not checked here).
    if let (Some(known), Value::Object(map)) = (grant.tool().known_arguments(), args)
        && let Some(k) = map.keys().find(|k| !known.contains(&k.as_str()))
    {
        return Err(Fail::new(ViolationCode::UnknownArgument, None, None)
            .normalized(cut(k.escape_debug().to_string()))
            .into_violation(scope, tool));
    }
    // Deadlines: every enclosing scope's, and this call's own timeout. The clock is read only if
    // one of them exists.
    if scope.deadline().is_none() && grant.timeout_ms().is_none() {
        enforced.remaining_calls = spend(scope, tool)?;
        return Ok(enforced);
    }
    let now = call.now.unwrap_or_else(Instant::now);
    if let Some(d) = scope.deadline()
        && now >= d
    {
        let decided_by = scope
            .chain()
            .filter(|s| s.node.own_deadline.is_some_and(|d| now >= d))
            .map(|s| s.path().to_owned())
            .collect();
        let mut v =
            Fail::new(ViolationCode::DeadlineExceeded, None, None).into_violation(scope, tool);
        v.decided_by = decided_by;
        return Err(v);
    }
    let timeout = grant
        .timeout_ms()
        .and_then(|ms| now.checked_add(Duration::from_millis(ms)));
    enforced.deadline = match (timeout, scope.deadline()) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    enforced.remaining_calls = spend(scope, tool)?;
    Ok(enforced)
}

/// Spends the call's budget; done last, so a denied call spends nothing.
fn spend(scope: &Scope, tool: &str) -> Result<Option<u64>, Box<Violation>> {
    scope.spend(tool).map_err(|exhausted| {
        let mut v = Fail::new(
            ViolationCode::BudgetExhausted,
            Some(Constraint::MaxCalls),
            None,
        )
        .into_violation(scope, tool);
        v.decided_by = exhausted;
        v
    })
}

/// Whether a request header is refused, by its name (compared without regard to case).
///
/// The URL, the method and the tool are what the engine checks, so a header that makes a server (or
/// a proxy in front of it) use another host, scheme, port, path, method or client address, or that
/// controls the connection or the message framing, would undo the check. The rule is a maintained
/// deny-list, because request headers are open-ended (`X-Api-Key`, `anthropic-version`) and an
/// allow-list would refuse ordinary APIs:
/// - exact names: `host`, `via`, the hop-by-hop and framing headers of RFC 9110 §7.6.1 and RFC 9112
///   (`connection`, `keep-alive`, `te`, `trailer`, `transfer-encoding`, `upgrade`, `content-length`,
///   `expect`, `http2-settings`) and `front-end-https`;
/// - any name with one of these words, splitting the name at every character that is not a letter or
///   a digit (so `X_Forwarded_Host` and `x.original.url`, which CGI-style servers and some proxies
///   treat alike, are caught with `X-Forwarded-Host`): `host`, `forward`, `forwarded`, `forwards`
///   (`Forwarded`, `X-Forwarded-*`, `Max-Forwards`), `original`, `rewrite`, `override`, `method`,
///   `url`, `uri`, `path`, `scheme`, `proto` (`X-Original-URL`, `X-Rewrite-URL`,
///   `X-HTTP-Method-Override`, `X-Envoy-Original-Path`, `X-Url-Scheme`), `ip`, `addr` (`X-Real-IP`,
///   `True-Client-IP`, `X-Remote-Addr`; also `ipv4`, `ipv6`, `address`), `proxy`
///   (`Proxy-Authorization`), `envoy` (Envoy's internal `x-envoy-*`) and `script` (`X-Script-Name`,
///   which WSGI setups read as the path prefix).
///
/// Client-address headers are covered where they use these words; spellings that glue words together
/// (`X-Azure-ClientIP`) are not. Application-specific headers that change routing inside one framework
/// (such as Next.js's `x-middleware-subrequest`) are outside this list.
pub fn is_refused_header(name: &str) -> bool {
    const EXACT: [&str; 12] = [
        "host",
        "via",
        "front-end-https",
        "connection",
        "keep-alive",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
        "expect",
        "http2-settings",
    ];
    const WORDS: [&str; 21] = [
        "host",
        "forward",
        "forwarded",
        "forwards",
        "original",
        "rewrite",
        "override",
        "method",
        "url",
        "uri",
        "path",
        "scheme",
        "proto",
        "ip",
        "ipv4",
        "ipv6",
        "addr",
        "address",
        "proxy",
        "envoy",
        "script",
    ];
    let lower = name.to_ascii_lowercase();
    EXACT.contains(&lower.as_str())
        || lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| WORDS.contains(&w))
}

/// Checks request headers: valid RFC 9110 names and values, no name twice, none refused.
fn check_headers(h: &serde_json::Map<String, Value>) -> Result<(), Fail> {
    let fail = |code| Fail::new(code, None, Some("headers"));
    let mut seen = std::collections::HashSet::new();
    for (k, v) in h {
        let name = http::HeaderName::from_bytes(k.as_bytes()).map_err(|_| {
            fail(ViolationCode::InvalidHeaderName).normalized(cut(k.escape_debug().to_string()))
        })?;
        if is_refused_header(name.as_str()) {
            return Err(fail(ViolationCode::HeaderNotAllowed).normalized(name.as_str()));
        }
        let valid = matches!(v, Value::String(s) if http::HeaderValue::from_str(s).is_ok());
        if !valid {
            return Err(fail(ViolationCode::InvalidHeaderValue).normalized(name.as_str()));
        }
        if !seen.insert(name.clone()) {
            return Err(fail(ViolationCode::DuplicateHeader).normalized(name.as_str()));
        }
    }
    Ok(())
}

/// Whether a query or form parameter name asks frameworks to use another method: `_method` (any
/// number of leading underscores, any case; Rails, Laravel, Symfony, Express `method-override`), or a
/// name with the words `method` and `override` (`X-HTTP-Method-Override` as a parameter).
fn is_method_override_param(name: &str) -> bool {
    let bare = name.trim_start_matches('_');
    if bare.len() < name.len() && bare.eq_ignore_ascii_case("method") {
        return true;
    }
    let lower = name.to_ascii_lowercase();
    let (mut method, mut over) = (false, false);
    for w in lower.split(|c: char| !c.is_ascii_alphanumeric()) {
        method |= w == "method";
        over |= w == "override";
    }
    method && over
}

/// A method override found in `arg`.
fn method_override(name: &str, arg: &'static str) -> Fail {
    Fail::new(ViolationCode::MethodOverride, None, Some(arg))
        .normalized(cut(name.escape_debug().to_string()))
}

/// Refuses a method override in a URL's query (the call's URL and every redirect target), read as
/// form parameters split at `&` and at `;` (which some parsers also split at).
fn check_method_override_query(url: &Url) -> Result<(), Fail> {
    let Some(q) = url.query() else {
        return Ok(());
    };
    for part in q.split(';') {
        if let Some((k, _)) =
            url::form_urlencoded::parse(part.as_bytes()).find(|(k, _)| is_method_override_param(k))
        {
            return Err(method_override(&k, "url"));
        }
    }
    Ok(())
}

/// Refuses a method override in the body. A JSON-object body is judged by its top-level keys. A string
/// body has no declared format (a form, JSON, multipart, …), so it is percent-decoded once and every
/// word of it (a run of letters, digits, `_` and `-`) is judged as a parameter name: `_method`
/// anywhere in a string body is refused.
fn check_method_override_body(body: Option<&Value>) -> Result<(), Fail> {
    match body {
        Some(Value::Object(m)) => match m.keys().find(|k| is_method_override_param(k)) {
            Some(k) => Err(method_override(k, "body")),
            None => Ok(()),
        },
        Some(Value::String(s)) => {
            let decoded = percent_encoding::percent_decode_str(s).decode_utf8_lossy();
            match decoded
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .find(|w| is_method_override_param(w))
            {
                Some(w) => Err(method_override(w, "body")),
                None => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

/// Checks a parsed URL against a grant (scheme, credentials, host, port, path).
fn check_url(grant: &Grant, mut url: Url, raw: Option<&str>) -> Result<HttpTarget, Fail> {
    // The URL as given, for violations; credentials (as the parser sees them) are never echoed, and the
    // URL is not parsed a second time to find them.
    let creds = !url.username().is_empty() || url.password().is_some();
    let raw_of = |u: &Url| -> String {
        if creds {
            redact_parsed(u)
        } else {
            raw.map_or_else(|| u.as_str().to_owned(), str::to_owned)
        }
    };
    let Some(scheme) = Scheme::from_url_scheme(url.scheme()) else {
        return Err(Fail::new(
            ViolationCode::SchemeNotAllowed,
            Some(Constraint::Scheme),
            Some("url"),
        )
        .raw(raw_of(&url))
        .normalized(url.scheme()));
    };
    if !grant.allows_scheme(scheme) {
        return Err(Fail::new(
            ViolationCode::SchemeNotAllowed,
            Some(Constraint::Scheme),
            Some("url"),
        )
        .raw(raw_of(&url))
        .normalized(scheme.as_str())
        .probe(Probe::Scheme(scheme)));
    }
    if !url.username().is_empty() || url.password().is_some() {
        // Never echo credentials: show the URL with its userinfo replaced.
        let mut shown = url.clone();
        let _ = shown.set_password(None);
        let _ = shown.set_username("***");
        return Err(Fail::new(ViolationCode::UserinfoInUrl, None, Some("url")).raw(shown.as_str()));
    }
    let host = match url.host() {
        Some(h) => Host::from_url_host(h).map_err(|_| {
            Fail::new(
                ViolationCode::InvalidUrl,
                Some(Constraint::Domain),
                Some("url"),
            )
            .raw(raw_of(&url))
        })?,
        None => {
            return Err(Fail::new(
                ViolationCode::InvalidUrl,
                Some(Constraint::Domain),
                Some("url"),
            )
            .raw(raw_of(&url)));
        }
    };
    if !grant.allows_host(&host) {
        return Err(Fail::new(
            ViolationCode::DomainNotGranted,
            Some(Constraint::Domain),
            Some("url"),
        )
        .raw(raw_of(&url))
        .normalized(host.to_string())
        .probe(Probe::Host(host)));
    }
    match &host {
        Host::Ip(ip) => {
            if special_purpose(*ip).is_some() && !grant.names_ip(*ip) {
                return Err(Fail::new(
                    ViolationCode::PrivateAddress,
                    Some(Constraint::Domain),
                    Some("url"),
                )
                .raw(raw_of(&url))
                .normalized(ip.to_string())
                .probe(Probe::Ip(*ip)));
            }
        }
        Host::Domain(_) if host.is_localhost_name() => {
            // RFC 6761: these names are the local machine whatever DNS says.
            let lo = [
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(Ipv6Addr::LOCALHOST),
            ];
            if !lo.iter().any(|ip| grant.names_ip(*ip)) {
                return Err(Fail::new(
                    ViolationCode::PrivateAddress,
                    Some(Constraint::Domain),
                    Some("url"),
                )
                .raw(raw_of(&url))
                .normalized(host.to_string())
                .probe(Probe::Ip(lo[0])));
            }
        }
        Host::Domain(_) => {}
    }
    let port = url.port_or_known_default().unwrap_or(scheme.default_port());
    if !grant.allows_endpoint(scheme, port) {
        return Err(Fail::new(
            ViolationCode::PortNotAllowed,
            Some(Constraint::Port),
            Some("url"),
        )
        .raw(raw_of(&url))
        .normalized(format!("{}:{port}", scheme.as_str()))
        .probe(Probe::Endpoint(scheme, port)));
    }
    let path = url.path();
    if grant.path_prefixes().is_some()
        && (crate::path::is_ambiguous(path) || !grant.allows_path(path))
    {
        return Err(Fail::new(
            ViolationCode::PathNotGranted,
            Some(Constraint::PathPrefix),
            Some("url"),
        )
        .raw(raw_of(&url))
        .normalized(path.to_owned())
        .probe(Probe::Path(path.to_owned())));
    }
    check_method_override_query(&url).map_err(|f| f.raw(raw_of(&url)))?;
    url.set_fragment(None);
    // Hand the provider the host exactly as checked: without the trailing dot, and an IPv4-mapped
    // IPv6 literal as its IPv4 address. A failure here leaves the URL as parsed, which was checked.
    match &host {
        Host::Domain(d) if url.host_str() != Some(d.as_str()) => {
            let _ = url.set_host(Some(d));
        }
        Host::Ip(ip) => {
            let as_parsed = match url.host() {
                Some(url::Host::Ipv4(a)) => Some(IpAddr::V4(a)),
                Some(url::Host::Ipv6(a)) => Some(IpAddr::V6(a)),
                _ => None,
            };
            if as_parsed != Some(*ip) {
                let _ = url.set_ip_host(*ip);
            }
        }
        _ => {}
    }
    Ok(HttpTarget {
        url,
        host,
        scheme,
        port,
    })
}

impl EnforcedCall {
    /// The scope the call was decided in.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The time left before the deadline at `now` (`None` if there is no deadline).
    pub fn time_left(&self, now: Instant) -> Option<Duration> {
        self.deadline.map(|d| d.saturating_duration_since(now))
    }

    fn violation(&self, f: Fail) -> Box<Violation> {
        f.into_violation(&self.scope, &self.tool)
    }

    fn report(
        &self,
        event: &'static str,
        result: &Result<(), &Violation>,
        target: Option<TargetOrigin<'_>>,
    ) -> Result<(), Box<Violation>> {
        let (code, constraint, decided_by): (_, _, &[String]) = match result {
            Ok(()) => (None, None, &[]),
            Err(v) => (Some(v.code), v.constraint, &v.decided_by),
        };
        let ev = AuditEvent {
            event,
            decision: if result.is_ok() { "allow" } else { "deny" },
            scope: self.scope.path(),
            tool: &self.tool,
            code,
            constraint,
            decided_by,
            target,
            args: ArgShapes(&Value::Null),
        };
        self.scope
            .audit()
            .record(&ev)
            .map_err(|_| self.violation(Fail::new(ViolationCode::AuditFailed, None, None)))
    }

    /// Checks the addresses a name resolved to and returns the socket addresses to connect to.
    ///
    /// Every address must be outside the special-purpose ranges unless the grant names it; one bad
    /// answer rejects the whole set (an attacker controls the order of answers). An IP-literal target
    /// ignores `addrs` and returns its own address.
    pub fn check_addresses(&self, addrs: &[IpAddr]) -> Result<Vec<SocketAddr>, Box<Violation>> {
        let Some(t) = &self.http else {
            return Ok(Vec::new());
        };
        let result = self.check_addresses_inner(t, addrs);
        let reported = self.report(
            "addresses",
            &result.as_ref().map(|_| ()).map_err(|v| &**v),
            Some(TargetOrigin(t)),
        );
        match (result, reported) {
            (Ok(a), Ok(())) => Ok(a),
            (Err(v), _) | (Ok(_), Err(v)) => Err(v),
        }
    }

    fn check_addresses_inner(
        &self,
        t: &HttpTarget,
        addrs: &[IpAddr],
    ) -> Result<Vec<SocketAddr>, Box<Violation>> {
        let grant = self.scope.effective().get(&self.tool);
        if let Host::Ip(ip) = t.host {
            return Ok(vec![SocketAddr::new(ip, t.port)]);
        }
        if addrs.is_empty() {
            return Err(self.violation(
                Fail::new(ViolationCode::ResolutionFailed, None, Some("url"))
                    .normalized(t.host.to_string()),
            ));
        }
        let mut out = Vec::with_capacity(addrs.len());
        for &a in addrs {
            let ip = canonical_ip(a);
            if special_purpose(ip).is_some() && !grant.is_some_and(|g| g.names_ip(ip)) {
                return Err(self.violation(
                    Fail::new(
                        ViolationCode::PrivateAddress,
                        Some(Constraint::Domain),
                        Some("url"),
                    )
                    .raw(t.host.to_string())
                    .normalized(ip.to_string())
                    .probe(Probe::Ip(ip)),
                ));
            }
            out.push(SocketAddr::new(ip, t.port));
        }
        Ok(out)
    }

    /// Resolves the target's name with `resolver` and checks every answer (see [`Self::check_addresses`]).
    pub fn resolve(&self, resolver: &dyn Resolver) -> Result<Vec<SocketAddr>, Box<Violation>> {
        let Some(t) = &self.http else {
            return Ok(Vec::new());
        };
        let addrs = match &t.host {
            Host::Ip(ip) => vec![*ip],
            Host::Domain(d) => resolver.resolve(d, t.port).unwrap_or_default(),
        };
        self.check_addresses(&addrs)
    }

    /// Checks a redirect (`Location` header value, relative or absolute) against the same grant and
    /// returns the call to make next. Budgets are not spent again; the deadline is kept.
    pub fn follow_redirect(
        &self,
        location: &str,
        now: Instant,
    ) -> Result<EnforcedCall, Box<Violation>> {
        let result = self.follow_inner(location, now);
        let target = result
            .as_ref()
            .ok()
            .and_then(|e| e.http.as_ref().map(TargetOrigin));
        let reported = self.report(
            "redirect",
            &result.as_ref().map(|_| ()).map_err(|v| &**v),
            target,
        );
        match (result, reported) {
            (Ok(e), Ok(())) => Ok(e),
            (Err(v), _) | (Ok(_), Err(v)) => Err(v),
        }
    }

    fn follow_inner(&self, location: &str, now: Instant) -> Result<EnforcedCall, Box<Violation>> {
        let Some(t) = &self.http else {
            return Err(self.violation(Fail::new(
                ViolationCode::RedirectNotGranted,
                None,
                Some("url"),
            )));
        };
        if self.redirects >= MAX_REDIRECTS {
            let mut v = self.violation(
                Fail::new(ViolationCode::RedirectNotGranted, None, Some("url")).raw_url(location),
            );
            v.cause = Some(ViolationCode::TooManyRedirects);
            return Err(v);
        }
        if self.deadline.is_some_and(|d| now >= d) {
            return Err(self.violation(Fail::new(ViolationCode::DeadlineExceeded, None, None)));
        }
        let wrap = |mut v: Box<Violation>| {
            v.cause = Some(v.code);
            v.code = ViolationCode::RedirectNotGranted;
            v
        };
        let Some(grant) = self.scope.effective().get(&self.tool) else {
            return Err(wrap(self.violation(Fail::new(
                ViolationCode::UndeclaredTool,
                None,
                None,
            ))));
        };
        let next = t.url.join(location).map_err(|_| {
            wrap(self.violation(
                Fail::new(ViolationCode::InvalidUrl, None, Some("url")).raw_url(location),
            ))
        })?;
        let target = check_url(grant, next, Some(location)).map_err(|f| wrap(self.violation(f)))?;
        Ok(EnforcedCall {
            http: Some(target),
            redirects: self.redirects + 1,
            ..self.clone()
        })
    }

    /// Checks a response size against `max_bytes` (call it as bytes arrive, and stop reading on error).
    pub fn check_response_size(&self, bytes: u64) -> Result<(), Box<Violation>> {
        match self.max_bytes {
            Some(max) if bytes > max => Err(self.violation(
                Fail::new(
                    ViolationCode::ResponseTooLarge,
                    Some(Constraint::MaxBytes),
                    None,
                )
                .normalized(bytes.to_string()),
            )),
            _ => Ok(()),
        }
    }
}
