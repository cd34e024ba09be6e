//! Regression tests for four classes of bypass (issue 21, items 2, 3, 7 and 8), each asserting the
//! exact error or violation code, with a property or exhaustive test where the class is open-ended:
//!
//! - wildcards above a public suffix (`*.amazonaws.com`);
//! - request headers that choose the host, path or method, and header names or values that are not
//!   valid HTTP;
//! - dot segments and separators in disguise under `path_prefix` (`%252e%252e`, `..%3b`, `%c0%ae`);
//! - arguments that contradict the tool or that the engine does not check (`method` on `http.get`,
//!   `max_completion_tokens`), and `_method` overrides.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/server_models.rs"]
mod server_models;

use lumen_capability::{
    Call, GrantError, GrantSet, Host, HostPattern, Scope, ViolationCode, validate_tool_policy,
};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};

fn scope(grants: Value) -> Scope {
    Scope::root("root", &GrantSet::from_json(&grants).unwrap()).unwrap()
}

fn code(scope: &Scope, tool: &str, args: &Value) -> Result<(), ViolationCode> {
    validate_tool_policy(scope, &Call::new(tool, args))
        .map(|_| ())
        .map_err(|v| v.code)
}

// ---------------------------------------------------------------------------------------------
// Wildcards above a public suffix
// ---------------------------------------------------------------------------------------------

const PSL_RULES: &str = include_str!("../data/public_suffix_rules.txt");

/// The list as `(rule as written, prefix, normalized base)`, parsed here independently of the crate.
fn psl_rules() -> Vec<(String, &'static str, String)> {
    PSL_RULES
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("//"))
        .map(|l| {
            let l = l.trim();
            let (prefix, base) = match (l.strip_prefix("*."), l.strip_prefix('!')) {
                (Some(b), _) => ("*.", b),
                (_, Some(b)) => ("!", b),
                _ => ("", l),
            };
            let Ok(Host::Domain(d)) = Host::parse(base) else {
                panic!("rule {l:?} is not a host name");
            };
            (l.to_owned(), prefix, d)
        })
        .collect()
}

/// Every ancestor-or-self of every rule's base, as the oracle for "a rule lies at or below".
fn names_at_or_above_a_rule() -> HashSet<String> {
    let mut out = HashSet::new();
    for (_, _, base) in psl_rules() {
        let labels: Vec<&str> = base.split('.').collect();
        for i in 0..labels.len() {
            out.insert(labels[i..].join("."));
        }
    }
    out
}

fn refused_as_public(r: &Result<HostPattern, GrantError>) -> bool {
    matches!(
        r,
        Err(GrantError::PublicSuffixWildcard { .. } | GrantError::WildcardAbovePublicSuffix { .. })
    )
}

#[test]
fn wildcard_above_public_suffix() {
    // The examples, with the rule each one covers.
    for (pattern, rule) in [
        ("*.amazonaws.com", "s3.amazonaws.com"),
        ("*.core.windows.net", "web.core.windows.net"),
        ("*.compute.amazonaws.com", "*.compute.amazonaws.com"),
        ("*.fastly.net", "map.fastly.net"),
        ("*.googleusercontent.com", "googleusercontent.com"),
        ("*.AmazonAWS.com.", "s3.amazonaws.com"),
        ("*.www.ck", "!www.ck"),
        ("*.kawasaki.jp", "*.kawasaki.jp"),
    ] {
        assert_eq!(
            HostPattern::parse(pattern),
            Err(GrantError::WildcardAbovePublicSuffix {
                pattern: pattern.to_owned(),
                rule: rule.to_owned(),
            }),
            "{pattern}"
        );
    }
    // A wildcard whose suffix is itself public keeps its own variant.
    for (pattern, suffix) in [
        ("*.s3.amazonaws.com", "s3.amazonaws.com"),
        ("*.com", "com"),
        ("*.ck", "ck"),
        ("*.anything.ck", "anything.ck"),
        (
            "*.eu-west-1.compute.amazonaws.com",
            "eu-west-1.compute.amazonaws.com",
        ),
    ] {
        assert_eq!(
            HostPattern::parse(pattern),
            Err(GrantError::PublicSuffixWildcard {
                pattern: pattern.to_owned(),
                suffix: suffix.to_owned(),
            }),
            "{pattern}"
        );
    }
    // Registrable domains below a suffix stay allowed, and so does naming a single host.
    for ok in [
        "*.my-bucket.s3.amazonaws.com",
        "*.i-1.eu-west-1.compute.amazonaws.com",
        "*.example.com",
        "*.example.co.uk",
        "*.x.www.ck",
        "*.corp.internal",
        "attacker-bucket.s3.amazonaws.com",
        "amazonaws.com",
    ] {
        assert!(HostPattern::parse(ok).is_ok(), "{ok}");
    }
    // The refusal surfaces when a grant or a policy is built.
    assert!(matches!(
        GrantSet::from_json(&json!({"http.get": {"domain": ["api.example.com", "*.fastly.net"]}})),
        Err(GrantError::WildcardAbovePublicSuffix { .. })
    ));
}

/// Exhaustive over the whole list: for every rule R and every name X that is R's base or an ancestor
/// of it, `*.X` is refused; for a wildcard rule `*.B`, `*.L.B` is refused for a fresh label L.
#[test]
fn wildcard_above_public_suffix_every_rule() {
    let mut failures = Vec::new();
    let mut checked = 0usize;
    for (rule, prefix, base) in psl_rules() {
        let labels: Vec<&str> = base.split('.').collect();
        let mut names: Vec<String> = (0..labels.len()).map(|i| labels[i..].join(".")).collect();
        if prefix == "*." {
            names.push(format!("zq9-probe.{base}"));
        }
        for x in names {
            checked += 1;
            let pattern = format!("*.{x}");
            let r = HostPattern::parse(&pattern);
            if !refused_as_public(&r) {
                failures.push(format!("{pattern} (rule {rule}): {r:?}"));
            }
        }
    }
    assert!(checked > 20_000, "only {checked} patterns");
    assert!(
        failures.is_empty(),
        "{} wildcards accepted above a rule:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Oracle for an arbitrary wildcard: refused exactly when its suffix is a public suffix (by `psl`)
/// or some rule's base is the suffix or lies below it (by the test's own index of the list).
fn expect_wildcard_refused(x: &str, index: &HashSet<String>) -> bool {
    let public = match psl::suffix(x.as_bytes()) {
        Some(s) => s.as_bytes().len() == x.len(),
        None => true,
    };
    public || index.contains(x) || x == "googleusercontent.com"
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn wildcard_above_public_suffix_matches_the_oracle(
        i in any::<prop::sample::Index>(),
        extra in prop::collection::vec("[a-z0-9]{1,6}|s3|www|city|compute|blob", 0..3),
        drop in 0usize..4,
    ) {
        static INDEX: std::sync::LazyLock<(Vec<String>, HashSet<String>)> =
            std::sync::LazyLock::new(|| {
                (
                    psl_rules().into_iter().map(|(_, _, b)| b).collect(),
                    names_at_or_above_a_rule(),
                )
            });
        let (bases, index) = &*INDEX;
        let base = i.get(bases);
        // Walk up `drop` labels (never past the top-level label), then add fresh labels in front.
        let mut x: &str = base;
        for _ in 0..drop {
            match x.split_once('.') {
                Some((_, up)) => x = up,
                None => break,
            }
        }
        let mut name = x.to_owned();
        for l in &extra {
            name = format!("{l}.{name}");
        }
        let pattern = format!("*.{name}");
        let r = HostPattern::parse(&pattern);
        if Host::parse(&name).is_err() {
            // Not a host at all (e.g. a digit label beside a right-to-left one fails IDNA's bidi rule).
            let invalid = matches!(r, Err(GrantError::InvalidHostPattern { .. }));
            prop_assert!(invalid, "{} -> {:?}", pattern, r);
        } else {
            let want = expect_wildcard_refused(&name, index);
            prop_assert_eq!(refused_as_public(&r), want, "{} -> {:?}", pattern, r);
            if !want {
                prop_assert_eq!(r, Ok(HostPattern::Wildcard(name)));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Headers that choose the host, path or method; header names and values that are not HTTP
// ---------------------------------------------------------------------------------------------

fn header_scope() -> Scope {
    scope(json!({
        "http.get": {"domain": "api.example.com", "path_prefix": "/v1"},
        "http.post": {"domain": "api.example.com"},
    }))
}

fn with_headers(headers: Value) -> Value {
    json!({"url": "https://api.example.com/v1/x", "headers": headers})
}

#[test]
fn routing_and_override_headers() {
    let s = header_scope();
    let refused = [
        "X-HTTP-Method-Override",
        "x-http-method-override",
        "X-HTTP-Method",
        "X-Method-Override",
        "X-Original-URL",
        "X-Original-URI",
        "X-Rewrite-URL",
        "X-Host",
        "X-Forwarded-Host",
        "X-Forwarded-For",
        "X-Forwarded-Proto",
        "X-Forwarded-Port",
        "X-Forwarded-Prefix",
        "X-Forwarded-Path",
        "X-Forwarded-Uri",
        "X-Forwarded-Server",
        "X-Forwarded-Scheme",
        "X-Forwarded-Ssl",
        "X_Forwarded_Host",
        "x.original.url",
        "X-HTTP-Host-Override",
        "X-Original-Host",
        "X-Envoy-Original-Path",
        "X-Url-Scheme",
        "Front-End-Https",
        "X-Real-IP",
        "X-Client-IP",
        "True-Client-IP",
        "CF-Connecting-IP",
        "X-Remote-Addr",
        "X-Remote-Address",
        "CF-Connecting-IPv6",
        "X-Script-Name",
        "Forwarded",
        "Via",
        "Max-Forwards",
        "Host",
        "HOST",
        "Proxy-Authorization",
        "Proxy-Connection",
        "Connection",
        "Keep-Alive",
        "Transfer-Encoding",
        "Content-Length",
        "TE",
        "Trailer",
        "Upgrade",
        "Expect",
        "HTTP2-Settings",
    ];
    for name in refused {
        assert_eq!(
            code(&s, "http.get", &with_headers(json!({ name: "x" }))),
            Err(ViolationCode::HeaderNotAllowed),
            "{name}"
        );
    }
    let invalid_names = [
        ":path",
        ":method",
        ":scheme",
        ":authority",
        "host:",
        "Host\u{0}",
        "Host\r\nX",
        "Host\nX-Original-URL",
        " Host",
        "Host ",
        "",
        "Hóst",
        "X Forwarded",
        "(host)",
    ];
    for name in invalid_names {
        assert_eq!(
            code(&s, "http.get", &with_headers(json!({ name: "x" }))),
            Err(ViolationCode::InvalidHeaderName),
            "{name:?}"
        );
    }
    let v = validate_tool_policy(
        &s,
        &Call::new("http.get", &with_headers(json!({"Host\r\nX": "v"}))),
    )
    .unwrap_err();
    assert_eq!(v.normalized.as_deref(), Some("Host\\r\\nX"));
    assert_eq!(v.argument, Some("headers"));
    for value in [
        json!("a\r\nX-Original-URL: /admin"),
        json!("a\nb"),
        json!("a\u{0}b"),
        json!("a\u{7f}"),
        json!(5),
        json!(["a", "b"]),
        json!(null),
        json!({"a": "b"}),
        json!(true),
    ] {
        let v = validate_tool_policy(
            &s,
            &Call::new(
                "http.get",
                &with_headers(json!({"Authorization": value.clone()})),
            ),
        )
        .unwrap_err();
        assert_eq!(v.code, ViolationCode::InvalidHeaderValue, "{value}");
        assert_eq!(v.normalized.as_deref(), Some("authorization"));
        assert!(!serde_json::to_string(&*v).unwrap().contains("Original"));
    }
    assert_eq!(
        code(
            &s,
            "http.get",
            &with_headers(json!({"Accept": "a", "accept": "b"}))
        ),
        Err(ViolationCode::DuplicateHeader)
    );
    // Ordinary API headers stay allowed.
    let benign = json!({
        "Accept": "application/json",
        "Accept-Encoding": "gzip",
        "Authorization": "Bearer abc",
        "Content-Type": "application/json",
        "User-Agent": "lumen/1",
        "X-Api-Key": "k",
        "X-Request-Id": "1",
        "anthropic-version": "2023-06-01",
        "X-GitHub-Api-Version": "2022-11-28",
        "Idempotency-Key": "k",
        "If-None-Match": "\"etag\"",
        "Cache-Control": "no-cache",
        "Cookie": "a=b",
        "Range": "bytes=0-1",
        "Traceparent": "00-1-2-01",
        "X-Amz-Date": "20250101T000000Z",
        "Upgrade-Insecure-Requests": "1",
        "X-Empty": "",
        "X-Utf8": "café",
    });
    assert_eq!(code(&s, "http.get", &with_headers(benign)), Ok(()));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    /// A refused name stays refused in any case and with any of `-`, `_`, `.` between its words.
    #[test]
    fn routing_headers_in_any_spelling(
        words in prop::sample::select(vec![
            vec!["x", "http", "method", "override"],
            vec!["x", "original", "url"],
            vec!["x", "rewrite", "url"],
            vec!["x", "forwarded", "host"],
            vec!["x", "forwarded", "for"],
            vec!["x", "host"],
            vec!["x", "real", "ip"],
            vec!["max", "forwards"],
            vec!["proxy", "authorization"],
            vec!["x", "envoy", "original", "path"],
        ]),
        seps in prop::collection::vec(prop::sample::select(vec!["-", "_", "."]), 4),
        upper in prop::collection::vec(any::<bool>(), 32),
    ) {
        let mut name = String::new();
        for (i, w) in words.iter().enumerate() {
            if i > 0 {
                name.push_str(seps[i % seps.len()]);
            }
            name.push_str(w);
        }
        let name: String = name
            .chars()
            .zip(upper.iter().cycle())
            .map(|(c, u)| if *u { c.to_ascii_uppercase() } else { c })
            .collect();
        let s = header_scope();
        prop_assert_eq!(
            code(&s, "http.get", &with_headers(json!({ name.clone(): "v" }))),
            Err(ViolationCode::HeaderNotAllowed),
            "{}", name
        );
    }

    /// Any name with a byte outside RFC 9110's token characters is refused as invalid, whatever else.
    #[test]
    fn header_names_that_are_not_tokens(
        before in "[A-Za-z-]{0,8}",
        bad in prop::sample::select(vec![
            ':', ' ', '\t', '\r', '\n', '\0', '"', '(', ')', ',', '/', ';', '<', '=', '>', '?', '@',
            '[', '\\', ']', '{', '}', '\u{7f}', 'é', '\u{ff1a}',
        ]),
        after in "[A-Za-z-]{0,8}",
    ) {
        let name = format!("{before}{bad}{after}");
        let s = header_scope();
        prop_assert_eq!(
            code(&s, "http.get", &with_headers(json!({ name.clone(): "v" }))),
            Err(ViolationCode::InvalidHeaderName),
            "{:?}", name
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Dot segments and separators in disguise under path_prefix
// ---------------------------------------------------------------------------------------------

fn path_scope() -> Scope {
    scope(json!({
        "http.get": {"domain": "api.example.com", "path_prefix": "/api"},
        "http.request": {"domain": "api.example.com", "path_prefix": ["/api", "/v1/"], "method": ["GET"]},
    }))
}

fn get(url: &str) -> Value {
    json!({ "url": url })
}

#[test]
fn disguised_dot_segments() {
    let s = path_scope();
    let refused = [
        // The examples.
        "/api/%252e%252e/admin",
        "/api/..%252fadmin",
        "/api/..%3b/admin",
        "/api/%2e%2e%3b/admin",
        "/api/..%00/admin",
        // Double and triple encoding, `%u`, overlong UTF-8, Unicode compatibility forms.
        "/api/%25252e%25252e/admin",
        "/api/%u002e%u002e/admin",
        "/api/%U002E%u002E/admin",
        "/api/%25u002e%25u002e/admin",
        "/api/%c0%ae%c0%ae/admin",
        "/api/%c0%ae%c0%ae%c0%afadmin",
        "/api/%e0%80%ae%e0%80%ae/admin",
        "/api/%c1%9c",
        "/api/%ef%bc%8e%ef%bc%8e/admin",
        "/api/%e2%80%a5/admin",
        "/api/%ef%bc%8f",
        "/api/..%ef%bc%8fadmin",
        "/api/..%ef%bc%bcadmin",
        "/api/%ef%bc%852e%ef%bc%852e/admin",
        "/api/..%cd%be/admin",
        "/api/%%32%65%%32%65/admin",
        // Separators, parameters, truncation, whitespace.
        "/api/..%255cadmin",
        "/api/%2e%2e%253b/admin",
        "/api/..%253b/admin",
        "/api/..%2500/admin",
        "/api/..%09/admin",
        "/api/..%20/admin",
        "/api/..%0d%0a/admin",
        "/api/.%00./admin",
        "/api/..%3f/admin",
        "/api/..%23/admin",
        "/api/..%253f/admin",
        "/api/...",
        "/api/%2e%2e%2e",
        "/api/%252e",
        // Invalid UTF-8 after decoding (servers disagree on how to read it).
        "/api/%ff",
        "/api/caf%e9",
        // More levels of encoding than are decoded.
        "/api/%252525252e",
    ];
    let mut failures = Vec::new();
    for path in refused {
        let url = format!("https://api.example.com{path}");
        for (tool, args) in [
            ("http.get", get(&url)),
            ("http.request", json!({"url": url, "method": "GET"})),
        ] {
            let got = code(&s, tool, &args);
            if got != Err(ViolationCode::PathNotGranted) {
                failures.push(format!("{tool} {path}: {got:?}"));
            }
        }
    }
    // A prefix that is itself ambiguous is refused when the grant is built.
    for prefix in ["/api/%252e%252e", "/a/..%3b", "/a/%c0%ae"] {
        assert!(
            matches!(
                GrantSet::from_json(&json!({"http.get": {"path_prefix": prefix}})),
                Err(GrantError::InvalidValue {
                    key: "path_prefix",
                    ..
                })
            ),
            "{prefix}"
        );
    }
    // Redirects go through the same check.
    let e = validate_tool_policy(
        &s,
        &Call::new("http.get", &get("https://api.example.com/api/x")),
    )
    .unwrap();
    let v = e
        .follow_redirect("/api/%252e%252e/admin", std::time::Instant::now())
        .unwrap_err();
    assert_eq!(
        (v.code, v.cause),
        (
            ViolationCode::RedirectNotGranted,
            Some(ViolationCode::PathNotGranted)
        )
    );
    // Ordinary paths stay allowed.
    for path in [
        "/api",
        "/api/",
        "/api/items/42",
        "/api/a.b",
        "/api/.well-known",
        "/api/a%20b",
        "/api/caf%C3%A9",
        "/api/%E4%B8%AD%E6%96%87",
        "/api/100%25",
        "/api/a%2520b",
        "/api/file;jsessionid=1",
        "/api/v1..v2",
    ] {
        let url = format!("https://api.example.com{path}");
        let got = code(&s, "http.get", &get(&url));
        if got.is_err() {
            failures.push(format!("benign {path}: {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Pieces from which paths are generated: dots and separators in every disguise, parameters,
/// truncation characters, whitespace, and ordinary text.
const PIECES: &[&str] = &[
    ".",
    "..",
    "...",
    "%2e",
    "%2E",
    "%252e",
    "%25252e",
    "%u002e",
    "%U002E",
    "%25u002e",
    "%c0%ae",
    "%e0%80%ae",
    "%ef%bc%8e",
    "%e2%80%a4",
    "%e2%80%a5",
    "%2f",
    "%252f",
    "%5c",
    "%255c",
    "%ef%bc%8f",
    "%ef%bc%bc",
    "%c0%af",
    "\\",
    "%3b",
    ";",
    ";x=1",
    "%253b",
    "%00",
    "%2500",
    "%09",
    "%20",
    "%0a",
    "%3f",
    "%23",
    "%253f",
    "a",
    "admin",
    "api",
    "%25",
    "%",
    "x.y",
    "%61",
    "%C3%A9",
    "/",
    "//",
    "%ef%bc%85",
    "2e",
    "%ef%bc%9b",
    "%cd%be",
    "%e3%80%82",
    "%%32%65",
    "%25%32%65",
    "%c0%2e",
];

/// If the engine allows `path` under `/api`, every server model reads it under `/api` too.
fn check_models(s: &Scope, path: &str) -> Result<bool, String> {
    let url = format!("https://api.example.com{path}");
    let Ok(e) = validate_tool_policy(s, &Call::new("http.get", &get(&url))) else {
        return Ok(false);
    };
    let allowed = e.http.as_ref().unwrap().url.path().to_owned();
    for m in server_models::models() {
        let read = server_models::read(&m, &allowed);
        if !server_models::under("/api", &read) {
            return Err(format!(
                "{path:?} allowed as {allowed:?}, but {m:?} reads it as {read:?}"
            ));
        }
    }
    Ok(true)
}

/// Every path of one or two pieces after `/api/` (and glued to `/api`): allowed ones stay under the
/// prefix in every model, and a fair share is allowed (the check is not vacuous).
#[test]
fn disguised_dot_segments_exhaustive_pairs() {
    let s = path_scope();
    let mut failures = Vec::new();
    let (mut total, mut allowed) = (0usize, 0usize);
    for lead in ["/api/", "/api"] {
        for a in PIECES {
            for b in std::iter::once(&"").chain(PIECES) {
                for sep in ["", "/"] {
                    let path = format!("{lead}{a}{sep}{b}");
                    total += 1;
                    match check_models(&s, &path) {
                        Ok(true) => allowed += 1,
                        Ok(false) => {}
                        Err(e) => failures.push(e),
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} paths read outside the prefix:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(allowed * 10 > total, "only {allowed} of {total} allowed");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4096, ..ProptestConfig::default() })]

    #[test]
    fn disguised_dot_segments_never_leave_the_prefix(
        lead in prop::sample::select(vec!["/api/", "/api", "/api/x/", "/"]),
        pieces in prop::collection::vec(prop::sample::select(PIECES.to_vec()), 1..7),
        tail in prop::sample::select(vec!["", "/admin", "/", "?q=1", "#f"]),
    ) {
        let s = path_scope();
        let path = format!("{lead}{}{tail}", pieces.concat());
        if let Err(e) = check_models(&s, &path) {
            prop_assert!(false, "{}", e);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Arguments that contradict the tool or that the engine does not check
// ---------------------------------------------------------------------------------------------

#[test]
fn contradicting_arguments() {
    let s = scope(json!({
        "http.get": {"domain": "api.example.com"},
        "http.post": {"domain": "api.example.com"},
        "http.request": {"domain": "api.example.com", "method": ["GET", "POST"]},
        "llm.chat": {"model": "m", "max_tokens": 100},
        "llm.embed": {"model": "e"},
        "mcp.fs.read": {},
    }));
    let url = "https://api.example.com/";
    // A `method` on a tool that names its method may only repeat it.
    for m in ["DELETE", "delete", "POST", "HEAD", "BREW", "GET ", ""] {
        let v = validate_tool_policy(
            &s,
            &Call::new("http.get", &json!({"url": url, "method": m})),
        )
        .unwrap_err();
        assert_eq!(v.code, ViolationCode::ArgumentContradictsTool, "{m:?}");
        assert_eq!(v.argument, Some("method"));
    }
    assert_eq!(
        code(&s, "http.post", &json!({"url": url, "method": "PUT"})),
        Err(ViolationCode::ArgumentContradictsTool)
    );
    for m in ["GET", "get"] {
        let e = validate_tool_policy(
            &s,
            &Call::new("http.get", &json!({"url": url, "method": m})),
        )
        .unwrap();
        assert_eq!(e.method, Some("GET"));
    }
    assert_eq!(
        code(&s, "http.get", &json!({"url": url, "method": 1})),
        Err(ViolationCode::ArgumentType)
    );
    // Arguments the engine does not know, limit-like or not, are refused by name.
    for (tool, name) in [
        ("llm.chat", "max_completion_tokens"),
        ("llm.chat", "max_output_tokens"),
        ("llm.chat", "maxTokens"),
        ("llm.chat", "Max_Tokens"),
        ("llm.chat", "max_tokens "),
        ("llm.chat", "max_new_tokens"),
        ("llm.chat", "num_predict"),
        ("llm.chat", "n"),
        ("llm.chat", "best_of"),
        ("llm.chat", "base_url"),
        ("llm.chat", "url"),
        ("llm.embed", "messages"),
        ("http.get", "timeout"),
        ("http.get", "max_bytes"),
        ("http.get", "proxy"),
        ("http.get", "URL"),
        ("http.get", "params"),
        ("http.request", "max_redirects"),
    ] {
        let mut args = match tool {
            "llm.chat" | "llm.embed" => json!({"prompt": "hi"}),
            _ => json!({"url": url, "method": "GET"}),
        };
        args.as_object_mut()
            .unwrap()
            .insert(name.to_owned(), json!(100000));
        let v = validate_tool_policy(&s, &Call::new(tool, &args)).unwrap_err();
        assert_eq!(v.code, ViolationCode::UnknownArgument, "{tool} {name}");
        assert_eq!(
            v.normalized.as_deref(),
            Some(name.escape_debug().to_string().as_str())
        );
        assert!(v.decided_by.is_empty());
    }
    // The example: the cap applies to `max_tokens`, and nothing else may name a limit.
    assert_eq!(
        code(
            &s,
            "llm.chat",
            &json!({"prompt": "hi", "max_completion_tokens": 100000})
        ),
        Err(ViolationCode::UnknownArgument)
    );
    // Every documented argument is accepted.
    let ok = [
        (
            "http.get",
            json!({"url": url, "method": "GET", "headers": {"Accept": "*/*"}, "body": "x"}),
        ),
        (
            "http.request",
            json!({"url": url, "method": "post", "body": {"a": 1}}),
        ),
        (
            "llm.chat",
            json!({"model": "m", "max_tokens": 5, "prompt": "p", "messages": [], "system": "s",
                   "temperature": 0.2, "top_p": 0.9, "stop": ["\n"]}),
        ),
        (
            "llm.embed",
            json!({"model": "e", "input": "x", "prompt": "p"}),
        ),
        // MCP arguments are the server's own: not checked.
        ("mcp.fs.read", json!({"path": "/etc/passwd", "anything": 1})),
    ];
    for (tool, args) in ok {
        assert_eq!(code(&s, tool, &args), Ok(()), "{tool} {args}");
    }
    // A denied call spends nothing and the budget is not consulted before the argument check.
    let b = scope(json!({"llm.chat": {"max_calls": 1}}));
    assert_eq!(
        code(&b, "llm.chat", &json!({"n": 5})),
        Err(ViolationCode::UnknownArgument)
    );
    assert_eq!(code(&b, "llm.chat", &json!({"prompt": "x"})), Ok(()));
}

#[test]
fn method_override_parameters() {
    let s = scope(json!({"http.post": {"domain": "api.example.com"}}));
    let refused: [(Value, &str); 14] = [
        (
            json!({"url": "https://api.example.com/x?a=1;_method=DELETE"}),
            "url",
        ),
        (
            json!({"url": "https://api.example.com/x", "body": "a=1;_method=DELETE"}),
            "body",
        ),
        (
            json!({"url": "https://api.example.com/x", "body": "--b\r\nContent-Disposition: form-data; name=\"_method\"\r\n\r\nDELETE\r\n--b--"}),
            "body",
        ),
        (
            json!({"url": "https://api.example.com/x", "body": "<form><input name='_method' value='PUT'/></form>"}),
            "body",
        ),
        (
            json!({"url": "https://api.example.com/x?_method=DELETE"}),
            "url",
        ),
        (
            json!({"url": "https://api.example.com/x?a=1&_METHOD=delete"}),
            "url",
        ),
        (
            json!({"url": "https://api.example.com/x?%5Fmethod=DELETE"}),
            "url",
        ),
        (
            json!({"url": "https://api.example.com/x?__method=PUT"}),
            "url",
        ),
        (
            json!({"url": "https://api.example.com/x?x-http-method-override=PUT"}),
            "url",
        ),
        (
            json!({"url": "https://api.example.com/x", "body": {"_method": "DELETE"}}),
            "body",
        ),
        (
            json!({"url": "https://api.example.com/x", "body": "a=1&_method=DELETE"}),
            "body",
        ),
        (
            json!({"url": "https://api.example.com/x", "body": "%5F%6Dethod=DELETE"}),
            "body",
        ),
        (
            json!({"url": "https://api.example.com/x", "body": " {\"_method\": \"DELETE\"}"}),
            "body",
        ),
        (
            json!({"url": "https://api.example.com/x", "body": {"X_HTTP_Method_Override": "PUT"}}),
            "body",
        ),
    ];
    for (args, arg) in refused {
        let v = validate_tool_policy(&s, &Call::new("http.post", &args)).unwrap_err();
        assert_eq!(v.code, ViolationCode::MethodOverride, "{args}");
        assert_eq!(v.argument, Some(arg), "{args}");
    }
    // A redirect target is checked the same way.
    let e = validate_tool_policy(
        &s,
        &Call::new("http.post", &json!({"url": "https://api.example.com/x"})),
    )
    .unwrap();
    let v = e
        .follow_redirect("/y?_method=DELETE", std::time::Instant::now())
        .unwrap_err();
    assert_eq!(
        (v.code, v.cause),
        (
            ViolationCode::RedirectNotGranted,
            Some(ViolationCode::MethodOverride)
        )
    );
    for args in [
        json!({"url": "https://api.example.com/x?method=card&payment_method=x"}),
        json!({"url": "https://api.example.com/x", "body": {"method": "card", "methods": []}}),
        json!({"url": "https://api.example.com/x", "body": "{\"jsonrpc\":\"2.0\",\"method\":\"sum\"}"}),
        json!({"url": "https://api.example.com/x", "body": "payment_method=card&method_id=7"}),
        json!({"url": "https://api.example.com/x?q=a_method"}),
    ] {
        assert_eq!(code(&s, "http.post", &args), Ok(()), "{args}");
    }
    // A string body has no declared format: the word `_method` anywhere in it is refused.
    assert_eq!(
        code(
            &s,
            "http.post",
            &json!({"url": "https://api.example.com/x", "body": "plain text about _method"})
        ),
        Err(ViolationCode::MethodOverride)
    );
}

/// Sanity for the oracle helpers above: the index and `psl` agree on the examples.
#[test]
fn oracle_agrees_on_known_cases() {
    let index = names_at_or_above_a_rule();
    let m: HashMap<&str, bool> = [
        ("amazonaws.com", true),
        ("s3.amazonaws.com", true),
        ("bucket.s3.amazonaws.com", false),
        ("example.com", false),
        ("com", true),
    ]
    .into_iter()
    .collect();
    for (x, want) in m {
        assert_eq!(expect_wildcard_refused(x, &index), want, "{x}");
    }
}

// ---------------------------------------------------------------------------------------------
// Address ranges that take in special-purpose blocks by accident
// ---------------------------------------------------------------------------------------------

#[test]
fn range_covering_special_addresses() {
    for (pattern, block) in [
        ("0.0.0.0/0", "0.0.0.0/8"),
        ("::/0", "::/128"),
        ("192.0.0.0/8", "192.0.0.0/24"),
        ("96.0.0.0/3", "100.64.0.0/10"),
        ("169.0.0.0/8", "169.254.0.0/16"),
        ("2000::/3", "2001::/23"),
    ] {
        match HostPattern::parse(pattern) {
            Err(GrantError::RangeCoversSpecialAddresses { pattern: p, .. }) => {
                assert_eq!(p, pattern);
            }
            other => panic!("{pattern} (covers {block}): {other:?}"),
        }
    }
    // Naming a special block, or a range inside one, is how a grant allows it on purpose; public
    // ranges and single addresses are unaffected.
    for ok in [
        "10.0.0.0/8",
        "10.1.2.0/24",
        "127.0.0.1/32",
        "169.254.169.254/32",
        "fd00::/8",
        "8.8.8.0/24",
        "2606:4700::/32",
        "127.0.0.1",
    ] {
        assert!(HostPattern::parse(ok).is_ok(), "{ok}");
    }
    // Through a grant, the protection stays on for a broad range.
    assert!(matches!(
        GrantSet::from_json(&json!({"http.get": {"domain": "0.0.0.0/0"}})),
        Err(GrantError::RangeCoversSpecialAddresses { .. })
    ));
    let s = scope(json!({"http.get": {"domain": "8.8.8.0/24"}}));
    assert_eq!(
        code(&s, "http.get", &json!({"url": "https://8.8.8.8/"})),
        Ok(())
    );
}

proptest! {
    #[test]
    fn range_over_special_blocks_is_refused_unless_inside_one(bits in any::<u32>(), len in 0u8..=32) {
        let net = ipnet::Ipv4Net::new(std::net::Ipv4Addr::from_bits(bits), len).unwrap().trunc();
        let net = ipnet::IpNet::V4(net);
        let ranges = lumen_capability::net::special_ranges();
        let overlaps = ranges.iter().any(|s| s.net.contains(&net) || net.contains(&s.net));
        let inside = ranges.iter().any(|s| s.net.contains(&net));
        let parsed = HostPattern::parse(&net.to_string());
        prop_assert_eq!(parsed.is_ok(), !overlaps || inside, "{}", net);
    }
}
