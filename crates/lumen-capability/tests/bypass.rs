#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Allow-list and SSRF bypass corpus: every known class of URL trick, each case asserting the exact
//! [`ViolationCode`] the engine must return, plus a benign corpus that must stay allowed with the
//! expected normalized URL, host and port.

use lumen_capability::{
    Call, EnforcedCall, GrantSet, MAX_REDIRECTS, Policy, Resolver, RootOptions, Scope,
    ViolationCode, validate_tool_policy,
};
use serde_json::{Value, json};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use ViolationCode::{
    ArgumentType, DomainNotGranted, InvalidUrl, MissingArgument, PathNotGranted, PortNotAllowed,
    PrivateAddress, RedirectNotGranted, ResolutionFailed, SchemeNotAllowed, TooManyRedirects,
    UndeclaredTool, UserinfoInUrl,
};

// ---------------------------------------------------------------------------------------------
// Scopes
// ---------------------------------------------------------------------------------------------

/// The grant used by most cases: two host patterns, root defaults (https on 443).
fn domain_scope() -> Scope {
    scope_from(json!({"http.get": {"domain": ["api.example.com", "*.cdn.example.com"]}}))
}

/// An HTTP grant without a `domain` constraint: any host whose addresses are public.
fn open_scope() -> Scope {
    scope_from(json!({"http.get": {}}))
}

/// A grant that names a private range explicitly, with both schemes.
fn ip_scope() -> Scope {
    scope_from(json!({"http.get": {"domain": ["10.0.0.0/8"], "scheme": ["http", "https"]}}))
}

/// The domain grant with both schemes (each on its default port).
fn both_schemes_scope() -> Scope {
    scope_from(json!({"http.get": {
        "domain": ["api.example.com", "*.cdn.example.com"],
        "scheme": ["http", "https"],
    }}))
}

/// The domain grant on port 8443 only.
fn port_scope() -> Scope {
    scope_from(json!({"http.get": {
        "domain": ["api.example.com", "*.cdn.example.com"],
        "port": [8443],
    }}))
}

/// The domain grant restricted to `/v1`, built from a TOML policy.
fn path_scope() -> Scope {
    Policy::from_toml_str(
        r#"
        [grants."http.get"]
        domain = ["api.example.com", "*.cdn.example.com"]
        path_prefix = "/v1"
        "#,
    )
    .expect("policy parses")
    .instantiate("", RootOptions::default())
    .expect("policy instantiates")
}

fn scope_from(grants: Value) -> Scope {
    Scope::root("root", &GrantSet::from_json(&grants).expect("grants parse")).expect("root scope")
}

// ---------------------------------------------------------------------------------------------
// Table machinery
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
enum Expect {
    /// Allowed, with this normalized URL, host and port.
    Allow {
        url: &'static str,
        host: &'static str,
        port: u16,
    },
    /// Denied with this code.
    Deny(ViolationCode),
}

fn ok(url: &'static str, host: &'static str, port: u16) -> Expect {
    Expect::Allow { url, host, port }
}

fn deny(code: ViolationCode) -> Expect {
    Expect::Deny(code)
}

struct Case {
    input: String,
    expect: Expect,
}

fn case(input: impl Into<String>, expect: Expect) -> Case {
    Case {
        input: input.into(),
        expect,
    }
}

/// What the engine did with one input, in a comparable form.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Allowed {
        url: String,
        host: String,
        port: u16,
    },
    Denied {
        code: ViolationCode,
        cause: Option<ViolationCode>,
        normalized: Option<String>,
    },
    Panicked(String),
}

impl Outcome {
    fn of(r: Result<EnforcedCall, Box<lumen_capability::Violation>>) -> Outcome {
        match r {
            Ok(e) => {
                let t = e.http.as_ref().expect("an allowed HTTP call has a target");
                Outcome::Allowed {
                    url: t.url.to_string(),
                    host: t.host.to_string(),
                    port: t.port,
                }
            }
            Err(v) => Outcome::Denied {
                code: v.code,
                cause: v.cause,
                normalized: v.normalized.clone(),
            },
        }
    }

    /// The decision without the diagnostic `normalized` field.
    fn decision(&self) -> String {
        match self {
            Outcome::Allowed { url, host, port } => {
                format!("allowed {url} (host {host}, port {port})")
            }
            Outcome::Denied { code, cause, .. } => match cause {
                Some(c) => format!("{code} (cause {c})"),
                None => code.to_string(),
            },
            Outcome::Panicked(m) => format!("PANIC: {m}"),
        }
    }

    fn matches(&self, e: &Expect) -> bool {
        match (self, e) {
            (
                Outcome::Allowed { url, host, port },
                Expect::Allow {
                    url: eu,
                    host: eh,
                    port: ep,
                },
            ) => url == eu && host == eh && port == ep,
            (Outcome::Denied { code, .. }, Expect::Deny(c)) => code == c,
            _ => false,
        }
    }
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic".to_owned())
}

/// Runs `tool` with `args` in `scope`, turning an engine panic into an outcome.
fn run_args(scope: &Scope, tool: &str, args: &Value) -> Outcome {
    match catch_unwind(AssertUnwindSafe(|| {
        Outcome::of(validate_tool_policy(scope, &Call::new(tool, args)))
    })) {
        Ok(o) => o,
        Err(p) => Outcome::Panicked(panic_message(p)),
    }
}

fn run(scope: &Scope, url: &str) -> Outcome {
    run_args(scope, "http.get", &json!({ "url": url }))
}

/// Checks every case and fails once, listing every input that did not get its expected decision.
fn check_table(class: &str, scope_name: &str, scope: &Scope, cases: &[Case]) -> usize {
    let mut failures = Vec::new();
    for c in cases {
        let got = run(scope, &c.input);
        if !got.matches(&c.expect) {
            failures.push(format!(
                "  [{class}] input {:?} under {scope_name}: expected {:?}, got {}",
                c.input,
                c.expect,
                got.decision()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} `{class}` cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    cases.len()
}

/// An allowed call, or a failure naming the input.
fn allowed(scope: &Scope, url: &str) -> EnforcedCall {
    let args = json!({ "url": url });
    match validate_tool_policy(scope, &Call::new("http.get", &args)) {
        Ok(e) => e,
        Err(v) => panic!("input {url:?} should be allowed, got {}: {v}", v.code),
    }
}

// ---------------------------------------------------------------------------------------------
// Userinfo
// ---------------------------------------------------------------------------------------------

#[test]
fn userinfo_is_refused_whatever_its_shape() {
    let cases = [
        case("https://api.example.com@evil.com/", deny(UserinfoInUrl)),
        case("https://user:pass@api.example.com/", deny(UserinfoInUrl)),
        case(
            "https://api.example.com%40evil.com@evil.com",
            deny(UserinfoInUrl),
        ),
        case("https://api.example.com:@evil.com", deny(UserinfoInUrl)),
        case("https://api.example.com:443@evil.com", deny(UserinfoInUrl)),
        case(
            "https://api.example.com%3A443@evil.com/",
            deny(UserinfoInUrl),
        ),
        case("https://api.example.com%2F@evil.com", deny(UserinfoInUrl)),
        case(r"https://evil.com%5c@api.example.com/", deny(UserinfoInUrl)),
        case("https://a@b@api.example.com/", deny(UserinfoInUrl)),
        case("https://user@x.cdn.example.com/", deny(UserinfoInUrl)),
        case("https://:pass@api.example.com/", deny(UserinfoInUrl)),
        case("https://user:pass@evil.com/", deny(UserinfoInUrl)),
        case("https://api.example.com\t@evil.com/", deny(UserinfoInUrl)),
        // An empty userinfo carries no credential and is dropped by the parser.
        case(
            "https://@api.example.com/",
            ok("https://api.example.com/", "api.example.com", 443),
        ),
        case(
            "https://:@api.example.com/",
            ok("https://api.example.com/", "api.example.com", 443),
        ),
    ];
    check_table("userinfo", "domain grant", &domain_scope(), &cases);
    check_table("userinfo", "open grant", &open_scope(), &cases);
}

#[test]
fn userinfo_violation_does_not_echo_the_password() {
    for url in [
        "https://user:pass@api.example.com/",
        "https://:pass@api.example.com/",
        "https://user:pass@evil.com/x?y#z",
        "https://api.example.com:pass@evil.com/",
    ] {
        let args = json!({ "url": url });
        let v =
            validate_tool_policy(&domain_scope(), &Call::new("http.get", &args)).expect_err(url);
        assert_eq!(v.code, UserinfoInUrl, "input {url:?}");
        let raw = v.raw.as_deref().unwrap_or("");
        assert!(
            !raw.contains("pass"),
            "input {url:?}: raw {raw:?} echoes the password"
        );
        let shown = serde_json::to_string(&*v).unwrap();
        assert!(
            !shown.contains("pass"),
            "input {url:?}: JSON {shown} echoes the password"
        );
        assert!(
            !v.to_string().contains("pass"),
            "input {url:?}: Display echoes the password"
        );
    }
}

/// Credentials must never be echoed, whichever check refuses the URL first (the `raw` field's
/// documented contract: "credentials in URLs are replaced by `***`").
#[test]
fn no_violation_echoes_a_password() {
    let mut failures = Vec::new();
    let scope = domain_scope();
    for url in [
        "http://user:s3cret@api.example.com/",
        "ftp://user:s3cret@api.example.com/",
        "https://user:s3cret@api.example.com:99999/",
        "https://user:s3cret@api.example.com../",
        "https://user:s3cret@[::1/",
    ] {
        let args = json!({ "url": url });
        match validate_tool_policy(&scope, &Call::new("http.get", &args)) {
            Ok(_) => failures.push(format!("input {url:?} was allowed")),
            Err(v) => {
                let shown = serde_json::to_string(&*v).unwrap();
                if shown.contains("s3cret") {
                    failures.push(format!("input {url:?} ({}): {shown}", v.code));
                }
            }
        }
    }
    let call = allowed(&scope, "https://api.example.com/");
    for loc in [
        "http://user:s3cret@api.example.com/",
        "https://user:s3cret@api.example.com:99999/",
    ] {
        match call.follow_redirect(loc, Instant::now()) {
            Ok(_) => failures.push(format!("redirect {loc:?} was allowed")),
            Err(v) => {
                let shown = serde_json::to_string(&*v).unwrap();
                if shown.contains("s3cret") {
                    failures.push(format!("redirect {loc:?} ({:?}): {shown}", v.cause));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "violations echo credentials:\n  {}",
        failures.join("\n  ")
    );
}

// ---------------------------------------------------------------------------------------------
// Backslashes and slash confusion
// ---------------------------------------------------------------------------------------------

#[test]
fn backslashes_and_slash_confusion() {
    let cases = [
        // WHATWG: `\` is a path separator in special URLs, so the host is evil.com.
        case(
            r"https://evil.com\@api.example.com/",
            deny(DomainNotGranted),
        ),
        case(r"https://evil.com\api.example.com", deny(DomainNotGranted)),
        case(r"https:\\evil.com", deny(DomainNotGranted)),
        case(r"https:\/evil.com", deny(DomainNotGranted)),
        case(r"https:/\evil.com", deny(DomainNotGranted)),
        case("https:/evil.com", deny(DomainNotGranted)),
        case("https:///evil.com", deny(DomainNotGranted)),
        case("https:////evil.com/", deny(DomainNotGranted)),
        case("https:evil.com", deny(DomainNotGranted)),
        case("https://evil.com#.api.example.com", deny(DomainNotGranted)),
        case("https://evil.com?.api.example.com", deny(DomainNotGranted)),
        case("https://evil.com/.api.example.com", deny(DomainNotGranted)),
        // Relative references have no base here.
        case("//evil.com", deny(InvalidUrl)),
        case("//api.example.com/", deny(InvalidUrl)),
        case(r"\\evil.com", deny(InvalidUrl)),
        case(r"/\evil.com", deny(InvalidUrl)),
        case("/etc/passwd", deny(InvalidUrl)),
        case("api.example.com", deny(InvalidUrl)),
        case("https:", deny(InvalidUrl)),
        case("https://", deny(InvalidUrl)),
        // The trick in the other direction: the host is api.example.com and the rest is path.
        case(
            r"https://api.example.com\@evil.com/",
            ok("https://api.example.com/@evil.com/", "api.example.com", 443),
        ),
        case(
            r"https://api.example.com\.evil.com/",
            ok("https://api.example.com/.evil.com/", "api.example.com", 443),
        ),
        case(
            r"https:\\api.example.com\x",
            ok("https://api.example.com/x", "api.example.com", 443),
        ),
    ];
    check_table("slashes", "domain grant", &domain_scope(), &cases);

    // Under an open grant the same inputs are allowed, but to evil.com: the engine and the provider
    // agree on which host is meant.
    for input in [
        r"https://evil.com\@api.example.com/",
        r"https:\\evil.com",
        "https:/evil.com",
        "https:///evil.com",
    ] {
        match run(&open_scope(), input) {
            Outcome::Allowed { host, .. } => {
                assert_eq!(host, "evil.com", "input {input:?} reaches the wrong host")
            }
            other => panic!("input {input:?}: expected allowed to evil.com, got {other:?}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Host spellings: percent-encoding, case, dots, Unicode, invisible characters, whitespace
// ---------------------------------------------------------------------------------------------

const API: Expect = Expect::Allow {
    url: "https://api.example.com/",
    host: "api.example.com",
    port: 443,
};

#[test]
fn host_spellings() {
    let cases = [
        // Percent-encoding in the host is decoded before the decision.
        case("https://%61pi.example.com/", API),
        case("https://%41PI.example.com/", API),
        case("https://api%2Eexample%2Ecom/", API),
        case("https://%EF%BD%81pi.example.com/", API), // full-width `a`, percent-encoded
        case(
            "https://api.example.com%2eevil.com/",
            deny(DomainNotGranted),
        ),
        case(
            "https://api.example.com%2Eevil.com/",
            deny(DomainNotGranted),
        ),
        case("https://api.example.com%00.evil.com/", deny(InvalidUrl)),
        case("https://api.example.com%09.evil.com/", deny(InvalidUrl)),
        case("https://x.cdn.example.com%2f.evil.com/", deny(InvalidUrl)),
        case("https://api.example.com%2f@evil.com/", deny(UserinfoInUrl)),
        case("https://%D0%B0pi.example.com/", deny(DomainNotGranted)), // Cyrillic а, encoded
        // Case.
        case("HTTPS://API.EXAMPLE.COM", API),
        case("hTtPs://Api.ExAmPlE.cOm/", API),
        // Trailing dots: one is the same host, two is an empty label.
        case("https://api.example.com./", API),
        case("https://API.EXAMPLE.COM./", API),
        case("https://api.example.com../", deny(InvalidUrl)),
        case("https://api..example.com/", deny(InvalidUrl)),
        case("https://.api.example.com/", deny(InvalidUrl)),
        case("https://./", deny(InvalidUrl)),
        // Unicode full stops are label separators (UTS #46).
        case("https://api\u{3002}example\u{3002}com/", API),
        case("https://api\u{FF0E}example\u{FF0E}com/", API),
        case("https://api\u{FF61}example\u{FF61}com/", API),
        case("https://api\u{3002}example.com\u{3002}/", API),
        case(
            "https://api.example.com\u{3002}evil.com/",
            deny(DomainNotGranted),
        ),
        case(
            "https://api.example.com\u{FF0E}evil.com/",
            deny(DomainNotGranted),
        ),
        case(
            "https://api\u{3002}example\u{3002}com\u{3002}\u{3002}/",
            deny(InvalidUrl),
        ),
        // Full-width letters are the same host.
        case(
            "https://\u{FF41}\u{FF50}\u{FF49}.\u{FF45}\u{FF58}\u{FF41}\u{FF4D}\u{FF50}\u{FF4C}\u{FF45}.\u{FF43}\u{FF4F}\u{FF4D}/",
            API,
        ),
        case("https://\u{FF21}\u{FF30}\u{FF29}.example.com/", API),
        case(
            "https://x.\u{FF43}\u{FF44}\u{FF4E}.example.com/",
            ok("https://x.cdn.example.com/", "x.cdn.example.com", 443),
        ),
        // Confusable letters become punycode, a different host.
        case("https://\u{0430}pi.example.com/", deny(DomainNotGranted)), // Cyrillic а
        case("https://ap\u{0456}.example.com/", deny(DomainNotGranted)), // Cyrillic і
        case("https://api.ex\u{0430}mple.com/", deny(DomainNotGranted)),
        case("https://xn--pi-6kc.example.com/", deny(DomainNotGranted)),
        case("https://x.cdn.ex\u{0430}mple.com/", deny(DomainNotGranted)),
        case("https://xn--pi-7ld.example.com/", deny(InvalidUrl)), // bad punycode
        // Invisible characters that UTS #46 maps to nothing: the same host, the same decision.
        case("https://a\u{00AD}pi.example.com/", API),
        case("https://a\u{200B}pi.example.com/", API),
        case("https://a\u{2060}pi.example.com/", API),
        case("https://a\u{FEFF}pi.example.com/", API),
        case("https://a\u{034F}pi.example.com/", API),
        case("https://api.example.com\u{00AD}/", API),
        case(
            "https://api.example.com\u{00AD}.evil.com/",
            deny(DomainNotGranted),
        ),
        // ZWJ/ZWNJ are refused by IDNA (CONTEXTJ) in this position.
        case("https://a\u{200D}pi.example.com/", deny(InvalidUrl)),
        case("https://a\u{200C}pi.example.com/", deny(InvalidUrl)),
        // Tab, newline and carriage return are stripped anywhere in the URL.
        case("https://api.exa\tmple.com/", API),
        case("https://api.exa\nmple.com/", API),
        case("https://api.exa\r\nmple.com/", API),
        case("ht\ttps://api.example.com/", API),
        case("https://api.example.com\t/", API),
        case(" https://api.example.com/ ", API),
        case("\u{0}https://api.example.com/", API),
        case(
            "https://api.example.com\t.evil.com/",
            deny(DomainNotGranted),
        ),
        case("https:// api.example.com/", deny(InvalidUrl)),
        case("https://api.example.com /", deny(InvalidUrl)),
        case("https://api.exa mple.com/", deny(InvalidUrl)),
        // Characters the parser leaves in a domain but the engine refuses to guess at.
        case("https://evil.com;api.example.com/", deny(InvalidUrl)),
        case("https://evil.com,api.example.com/", deny(InvalidUrl)),
        case("https://api.example.com&/", deny(InvalidUrl)),
        // Length limits.
        case(
            format!("https://{}.cdn.example.com/", "a".repeat(64)),
            deny(InvalidUrl),
        ),
        case(
            format!("https://{}cdn.example.com/", "a.".repeat(125)),
            deny(InvalidUrl),
        ),
        case(
            format!("https://{}.cdn.example.com/", "a".repeat(63)),
            ok(
                "https://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.cdn.example.com/",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.cdn.example.com",
                443,
            ),
        ),
    ];
    check_table("host spelling", "domain grant", &domain_scope(), &cases);
}

#[test]
fn confusable_host_is_reported_in_punycode() {
    let out = run(&domain_scope(), "https://\u{0430}pi.example.com/");
    assert_eq!(
        out,
        Outcome::Denied {
            code: DomainNotGranted,
            cause: None,
            normalized: Some("xn--pi-6kc.example.com".into()),
        },
        "Cyrillic а in the host"
    );
}

#[test]
fn normalized_url_carries_no_whitespace_or_control_characters() {
    for input in [
        "https://api.example.com/a\r\nHost: evil.com",
        "https://api.example.com/a\tb",
        "https://api.example.com/a b?c d#e f",
        "https://api.example.com/\u{0}x",
        "https://api.example.com/\u{7f}",
        "https://api.example.com/\u{85}\u{2028}",
    ] {
        let e = allowed(&domain_scope(), input);
        let url = e.http.as_ref().unwrap().url.as_str().to_owned();
        assert!(
            !url.chars().any(|c| c.is_whitespace() || c.is_control()),
            "input {input:?} gave {url:?}"
        );
        assert_eq!(e.http.as_ref().unwrap().host.to_string(), "api.example.com");
        assert!(
            !url.contains('#'),
            "input {input:?}: fragment kept in {url:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// IPv4 encodings
// ---------------------------------------------------------------------------------------------

/// Every spelling the WHATWG IPv4 parser accepts for `ip` (decimal, octal, hex, short and mixed
/// forms, leading zeros, a trailing dot, full-width digits, IPv4-mapped IPv6).
fn ipv4_spellings(ip: Ipv4Addr) -> Vec<String> {
    let [a, b, c, d] = ip.octets();
    let n = u32::from(ip);
    let (b32, c32, d32) = (u32::from(b), u32::from(c), u32::from(d));
    let low16 = (c32 << 8) | d32;
    let low24 = (b32 << 16) | low16;
    let fullwidth: String = ip
        .to_string()
        .chars()
        .map(|ch| match ch {
            '0'..='9' => char::from_u32(0xFF10 + (ch as u32 - '0' as u32)).unwrap(),
            '.' => '\u{FF0E}',
            other => other,
        })
        .collect();
    let seg = ip.to_ipv6_mapped().segments();
    vec![
        format!("{a}.{b}.{c}.{d}"),
        format!("{n}"),
        format!("0x{n:x}"),
        format!("0X{n:X}"),
        format!("0{n:o}"),
        format!("0{a:o}.{b}.{c}.{d}"),
        format!("0{a:o}.0{b:o}.0{c:o}.0{d:o}"),
        format!("0x{a:x}.{b}.{c}.{d}"),
        format!("0000{a:o}.{b}.{c}.{d}"),
        format!("0x{a:x}.0x{b:x}.0x{c:x}.0x{d:x}"),
        format!("0x{a:02X}.{b}.0{c:o}.0x{d:x}"),
        format!("{a}.{}.{}.{}", pad(b), pad(c), pad(d)),
        format!("{a}.{b}.{low16}"),
        format!("{a}.{low24}"),
        format!("0x{a:x}.{low24}"),
        format!("0{a:o}.0x{b:x}.{low16}"),
        format!("{a}.{b}.{c}.{d}."),
        format!("{n}."),
        fullwidth,
        format!("[::ffff:{a}.{b}.{c}.{d}]"),
        format!("[::ffff:{:x}:{:x}]", seg[6], seg[7]),
        format!("[0:0:0:0:0:ffff:{a}.{b}.{c}.{d}]"),
        format!(
            "[0000:0000:0000:0000:0000:FFFF:{:04X}:{:04X}]",
            seg[6], seg[7]
        ),
    ]
}

/// An octet with leading zeros where that does not change its value (octal and decimal agree below 8).
fn pad(o: u8) -> String {
    if o < 8 {
        format!("00{o}")
    } else {
        o.to_string()
    }
}

fn ipv4_targets() -> [Ipv4Addr; 3] {
    [
        Ipv4Addr::new(127, 0, 0, 1),
        Ipv4Addr::new(169, 254, 169, 254),
        Ipv4Addr::new(10, 0, 0, 1),
    ]
}

#[test]
fn ipv4_spelling_generator_covers_the_usual_forms() {
    let loopback = ipv4_spellings(Ipv4Addr::new(127, 0, 0, 1));
    for s in [
        "2130706433",
        "0177.0.0.1",
        "0x7f.0.0.1",
        "0x7f000001",
        "127.1",
        "127.0.1",
        "0x7f.1",
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
    ] {
        assert!(loopback.iter().any(|x| x == s), "generator misses {s}");
    }
    let meta = ipv4_spellings(Ipv4Addr::new(169, 254, 169, 254));
    assert!(meta.iter().any(|x| x == "[0:0:0:0:0:ffff:169.254.169.254]"));
    assert!(meta.iter().any(|x| x == "2852039166"));
}

#[test]
fn ipv4_encodings_are_private_under_an_open_grant() {
    let mut failures = Vec::new();
    let mut n = 0;
    for ip in ipv4_targets() {
        let mut spellings = ipv4_spellings(ip);
        spellings.extend(match ip.octets() {
            [127, ..] => vec![
                "0x7f.0.0.1".into(),
                "127.1".into(),
                "0x7f.1".into(),
                "0177.1".into(),
                "0177.0x0.1".into(),
            ],
            [169, ..] => vec![
                "169.254.43518".into(),
                "0xa9.0xfe.0xa9fe".into(),
                "0251.0376.0251.0376".into(),
            ],
            _ => vec!["10.1".into(), "012.1".into(), "0xa.0.0.1".into()],
        });
        for s in spellings {
            n += 1;
            for scheme in ["https", "http"] {
                let url = format!("{scheme}://{s}/");
                let got = run(&open_scope(), &url);
                // http is refused by the default scheme before the address is looked at.
                let want = if scheme == "http" {
                    SchemeNotAllowed
                } else {
                    PrivateAddress
                };
                let good = matches!(&got, Outcome::Denied { code, normalized, .. }
                    if *code == want && (want != PrivateAddress || normalized.as_deref() == Some(ip.to_string().as_str())));
                if !good {
                    failures.push(format!(
                        "input {url:?} ({ip}): expected {want}, got {got:?}"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
    assert!(n >= 60, "only {n} spellings");
}

#[test]
fn ipv4_encodings_are_not_granted_under_the_domain_grant() {
    let mut failures = Vec::new();
    for ip in ipv4_targets() {
        for s in ipv4_spellings(ip) {
            let url = format!("https://{s}/");
            let got = run(&domain_scope(), &url);
            let good = matches!(&got, Outcome::Denied { code: DomainNotGranted, normalized, .. }
                if normalized.as_deref() == Some(ip.to_string().as_str()));
            if !good {
                failures.push(format!(
                    "input {url:?} ({ip}): expected DomainNotGranted, got {got:?}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

#[test]
fn invalid_ipv4_like_hosts() {
    let cases = [
        case("https://256.0.0.1/", deny(InvalidUrl)),
        case("https://1.1.1.1.1/", deny(InvalidUrl)),
        case("https://4294967296/", deny(InvalidUrl)),
        case("https://0x100000000/", deny(InvalidUrl)),
        case("https://127.0.0.08/", deny(InvalidUrl)),
        case("https://[127.0.0.1]/", deny(InvalidUrl)),
        // Digits in the first labels but a name at the end: a domain, not an address.
        case("https://127.0.0.1.evil.com/", deny(DomainNotGranted)),
        case("https://127.0.0.1.nip.io/", deny(DomainNotGranted)),
        // The last label is not a number (`0x1g`), so WHATWG parses the whole host as a name.
        case("https://127.0.0.0x1g/", deny(DomainNotGranted)),
    ];
    check_table("invalid ipv4", "domain grant", &domain_scope(), &cases);
}

// ---------------------------------------------------------------------------------------------
// IPv6 and other special-purpose addresses
// ---------------------------------------------------------------------------------------------

fn special_address_hosts() -> Vec<&'static str> {
    vec![
        "0.0.0.0",
        "0",
        "0.1.2.3",
        "[::]",
        "[::1]",
        "[0:0:0:0:0:0:0:1]",
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
        "[::ffff:0:0]",
        "[0:0:0:0:0:ffff:169.254.169.254]",
        "[::ffff:a9fe:a9fe]",
        "[::127.0.0.1]",        // IPv4-compatible (deprecated)
        "[64:ff9b::a9fe:a9fe]", // NAT64
        "[64:ff9b::127.0.0.1]",
        "[64:ff9b:1::a9fe:a9fe]",
        "[2002:7f00:1::]", // 6to4 of 127.0.0.1
        "[2002:a9fe:a9fe::1]",
        "[2001:0::a9fe:a9fe]", // Teredo
        "[fe80::1]",
        "[fe80::a9fe:a9fe]",
        "[fc00::1]",
        "[fd00:ec2::254]", // AWS IMDS over IPv6
        "[fec0::1]",
        "[ff02::1]",
        "[100::1]",
        "[2001:db8::1]",
        "[::ffff:0:7f00:1]", // IPv4-translated (SIIT)
        "[::ffff:0:127.0.0.1]",
        "[::0.0.0.1]",
        "[::ffff:ffff:ffff]", // mapped limited broadcast
        "169.254.169.254",
        "100.100.100.200", // Alibaba metadata (CGNAT)
        "100.64.0.1",
        "192.168.0.1",
        "172.16.0.1",
        "172.31.255.255",
        "192.0.0.192",
        "198.18.0.1",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
    ]
}

#[test]
fn special_purpose_addresses_are_refused() {
    let open: Vec<Case> = special_address_hosts()
        .into_iter()
        .map(|h| case(format!("https://{h}/"), deny(PrivateAddress)))
        .collect();
    check_table("special address", "open grant", &open_scope(), &open);
    let dom: Vec<Case> = special_address_hosts()
        .into_iter()
        .map(|h| case(format!("https://{h}/"), deny(DomainNotGranted)))
        .collect();
    check_table("special address", "domain grant", &domain_scope(), &dom);
    // With a port, and as the target of the other scheme, still refused.
    let more = [
        case("https://[::1]:443/", deny(PrivateAddress)),
        case("https://127.0.0.1:443/", deny(PrivateAddress)),
        case("https://[::ffff:127.0.0.1]:443/x", deny(PrivateAddress)),
    ];
    check_table("special address", "open grant", &open_scope(), &more);
}

#[test]
fn ipv6_zone_ids_are_refused() {
    let cases = [
        case("https://[fe80::1%25eth0]/", deny(InvalidUrl)),
        case("https://[fe80::1%eth0]/", deny(InvalidUrl)),
        case("https://[fe80::1%251]/", deny(InvalidUrl)),
        case("https://[::1%25lo]/", deny(InvalidUrl)),
        case("https://[fe80::1]%25eth0/", deny(InvalidUrl)),
        case("https://[::1/", deny(InvalidUrl)),
        case("https://[v1.x]/", deny(InvalidUrl)),
    ];
    check_table("zone id", "open grant", &open_scope(), &cases);
}

#[test]
fn public_addresses_are_allowed_under_an_open_grant() {
    let cases = [
        case("https://8.8.8.8/", ok("https://8.8.8.8/", "8.8.8.8", 443)),
        case("https://134744072/", ok("https://8.8.8.8/", "8.8.8.8", 443)),
        case(
            "https://0x8.0x8.0x8.0x8/",
            ok("https://8.8.8.8/", "8.8.8.8", 443),
        ),
        case(
            "https://[2606:4700::1111]/",
            ok("https://[2606:4700::1111]/", "[2606:4700::1111]", 443),
        ),
    ];
    check_table("public address", "open grant", &open_scope(), &cases);
    // A mapped public address is the IPv4 host.
    match run(&open_scope(), "https://[::ffff:8.8.8.8]/") {
        Outcome::Allowed { host, port, .. } => {
            assert_eq!(
                (host.as_str(), port),
                ("8.8.8.8", 443),
                "input [::ffff:8.8.8.8]"
            )
        }
        other => panic!("input [::ffff:8.8.8.8]: expected allowed, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Explicitly granted addresses
// ---------------------------------------------------------------------------------------------

#[test]
fn an_explicitly_granted_range_is_allowed_in_every_spelling_and_nothing_else() {
    let cases = [
        case("http://10.1.2.3/", ok("http://10.1.2.3/", "10.1.2.3", 80)),
        case("http://012.1.2.3/", ok("http://10.1.2.3/", "10.1.2.3", 80)),
        case("http://0xa.1.2.3/", ok("http://10.1.2.3/", "10.1.2.3", 80)),
        case("http://167838211/", ok("http://10.1.2.3/", "10.1.2.3", 80)),
        case("http://10.1.515/", ok("http://10.1.2.3/", "10.1.2.3", 80)),
        case("http://10.1.2.3./", ok("http://10.1.2.3/", "10.1.2.3", 80)),
        case(
            "http://10.1.2.3:80/x",
            ok("http://10.1.2.3/x", "10.1.2.3", 80),
        ),
        case(
            "https://10.1.2.3/",
            ok("https://10.1.2.3/", "10.1.2.3", 443),
        ),
        case(
            "https://10.255.255.255/",
            ok("https://10.255.255.255/", "10.255.255.255", 443),
        ),
        case("http://10.1.2.3.evil.com/", deny(DomainNotGranted)),
        case("http://10.1.2.3.nip.io/", deny(DomainNotGranted)),
        case("http://11.0.0.1/", deny(DomainNotGranted)),
        case("http://9.255.255.255/", deny(DomainNotGranted)),
        case("http://127.0.0.1/", deny(DomainNotGranted)),
        case("http://169.254.169.254/", deny(DomainNotGranted)),
        case("http://[::1]/", deny(DomainNotGranted)),
        case("http://[fc00::1]/", deny(DomainNotGranted)),
        case("http://[::10.1.2.3]/", deny(DomainNotGranted)), // IPv4-compatible, not mapped
        case("http://[64:ff9b::a01:203]/", deny(DomainNotGranted)), // NAT64 of 10.1.2.3
        case("http://[2002:a01:203::]/", deny(DomainNotGranted)), // 6to4 of 10.1.2.3
        case("http://localhost/", deny(DomainNotGranted)),
        case("http://api.example.com/", deny(DomainNotGranted)),
        case("http://10.1.2.3:8080/", deny(PortNotAllowed)),
        case("https://10.1.2.3:80/", deny(PortNotAllowed)),
        case("http://user@10.1.2.3/", deny(UserinfoInUrl)),
        case("ftp://10.1.2.3/", deny(SchemeNotAllowed)),
    ];
    check_table("explicit ip", "10.0.0.0/8 grant", &ip_scope(), &cases);

    // The IPv4-mapped spelling reaches the same host (the URL keeps its IPv6 spelling).
    for input in ["http://[::ffff:10.1.2.3]/", "http://[::ffff:a01:203]/"] {
        let e = allowed(&ip_scope(), input);
        let t = e.http.as_ref().unwrap();
        assert_eq!(t.host.to_string(), "10.1.2.3", "input {input:?}");
        assert_eq!(t.port, 80, "input {input:?}");
        let addrs = e.check_addresses(&[]).unwrap();
        assert_eq!(
            addrs,
            [SocketAddr::from(([10, 1, 2, 3], 80))],
            "input {input:?}"
        );
    }

    // An IP-literal target connects to its own address whatever a resolver says.
    let e = allowed(&ip_scope(), "http://012.1.2.3/");
    let addrs = e
        .check_addresses(&[IpAddr::V4(Ipv4Addr::LOCALHOST)])
        .unwrap();
    assert_eq!(addrs, [SocketAddr::from(([10, 1, 2, 3], 80))]);
}

#[test]
fn naming_a_name_does_not_name_its_address() {
    // `localhost` granted by name only: it is still the loopback, which no grant names.
    let by_name = scope_from(json!({"http.get": {"domain": ["localhost"]}}));
    check_table(
        "localhost by name",
        "domain=localhost grant",
        &by_name,
        &[
            case("https://localhost/", deny(PrivateAddress)),
            case("https://LOCALHOST./", deny(PrivateAddress)),
            case("https://127.0.0.1/", deny(DomainNotGranted)),
        ],
    );
    // Naming the address allows it.
    let by_ip = scope_from(json!({"http.get": {"domain": ["localhost", "127.0.0.1"]}}));
    check_table(
        "localhost by address",
        "domain=localhost,127.0.0.1 grant",
        &by_ip,
        &[
            case(
                "https://localhost/",
                ok("https://localhost/", "localhost", 443),
            ),
            case("https://127.1/", ok("https://127.0.0.1/", "127.0.0.1", 443)),
            case("https://127.0.0.2/", deny(DomainNotGranted)),
            case("https://[::1]/", deny(DomainNotGranted)),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Ports and schemes
// ---------------------------------------------------------------------------------------------

#[test]
fn ports() {
    let default = [
        case("https://api.example.com:8443/", deny(PortNotAllowed)),
        case("https://api.example.com:80/", deny(PortNotAllowed)),
        case("https://api.example.com:0/", deny(PortNotAllowed)),
        case("https://api.example.com:65535/", deny(PortNotAllowed)),
        case("https://x.cdn.example.com:444/", deny(PortNotAllowed)),
        case("https://api.example.com:443/", API),
        case("https://api.example.com:0443/", API),
        case("https://api.example.com:00000443/", API),
        case("https://api.example.com:/", API),
        case("https://api.example.com:65536/", deny(InvalidUrl)),
        case("https://api.example.com:-1/", deny(InvalidUrl)),
        case("https://api.example.com:0x1bb/", deny(InvalidUrl)),
        case("https://api.example.com:443abc/", deny(InvalidUrl)),
        case("https://api.example.com:443:443/", deny(InvalidUrl)),
        case("https://api.example.com:44 3/", deny(InvalidUrl)),
        case(
            "https://api.example.com:\u{FF14}\u{FF14}\u{FF13}/",
            deny(InvalidUrl),
        ),
        case("http://api.example.com/", deny(SchemeNotAllowed)),
        case("http://api.example.com:443/", deny(SchemeNotAllowed)),
        case("http://api.example.com:80/", deny(SchemeNotAllowed)),
    ];
    check_table(
        "ports",
        "domain grant (https:443 default)",
        &domain_scope(),
        &default,
    );

    let both = [
        case(
            "http://api.example.com/",
            ok("http://api.example.com/", "api.example.com", 80),
        ),
        case(
            "http://api.example.com:80/",
            ok("http://api.example.com/", "api.example.com", 80),
        ),
        case("https://api.example.com/", API),
        case("http://api.example.com:443/", deny(PortNotAllowed)),
        case("https://api.example.com:80/", deny(PortNotAllowed)),
        case("http://api.example.com:8080/", deny(PortNotAllowed)),
        case("http://evil.com/", deny(DomainNotGranted)),
        case("ws://api.example.com/", deny(SchemeNotAllowed)),
    ];
    check_table(
        "ports",
        "scheme=[http,https] grant",
        &both_schemes_scope(),
        &both,
    );

    let p8443 = [
        case(
            "https://api.example.com:8443/",
            ok("https://api.example.com:8443/", "api.example.com", 8443),
        ),
        case(
            "https://api.example.com:08443/x",
            ok("https://api.example.com:8443/x", "api.example.com", 8443),
        ),
        case("https://api.example.com/", deny(PortNotAllowed)),
        case("https://api.example.com:443/", deny(PortNotAllowed)),
        case("https://api.example.com:8444/", deny(PortNotAllowed)),
        case("http://api.example.com:8443/", deny(SchemeNotAllowed)),
        case("https://evil.com:8443/", deny(DomainNotGranted)),
    ];
    check_table("ports", "port=[8443] grant", &port_scope(), &p8443);
}

#[test]
fn other_schemes_are_refused() {
    let inputs = [
        "file:///etc/passwd",
        "file://api.example.com/etc/passwd",
        "FILE:///etc/passwd",
        "ftp://api.example.com/",
        "ftp://user:x@api.example.com/",
        "gopher://api.example.com:6379/_FLUSHALL",
        "gopher://127.0.0.1:25/",
        "data:text/plain,hi",
        "data:text/html;base64,PHNjcmlwdD4=",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "ws://api.example.com/",
        "wss://api.example.com/",
        "dict://api.example.com:11211/",
        "ldap://api.example.com/",
        "tftp://api.example.com/x",
        "jar:https://api.example.com/x.jar!/",
        "netdoc:///etc/passwd",
        "view-source:https://api.example.com/",
        "blob:https://api.example.com/uuid",
        "about:blank",
        "https+evil://api.example.com/",
        "httpx://api.example.com/",
        "mailto:a@api.example.com",
        "urn:isbn:1",
        "x:https://api.example.com/",
    ];
    for (name, scope) in [
        ("domain grant", domain_scope()),
        ("open grant", open_scope()),
        ("scheme=[http,https] grant", both_schemes_scope()),
    ] {
        let cases: Vec<Case> = inputs
            .iter()
            .map(|u| case(*u, deny(SchemeNotAllowed)))
            .collect();
        check_table("other schemes", name, &scope, &cases);
    }
}

// ---------------------------------------------------------------------------------------------
// Wildcards and suffix tricks
// ---------------------------------------------------------------------------------------------

#[test]
fn wildcard_and_suffix_tricks() {
    let cases = [
        case("https://evilexample.com/", deny(DomainNotGranted)),
        case("https://example.com/", deny(DomainNotGranted)),
        case("https://example.com.evil.com/", deny(DomainNotGranted)),
        case("https://api.example.com.evil.com/", deny(DomainNotGranted)),
        case("https://api.example.com.evil.com./", deny(DomainNotGranted)),
        case("https://api.example.co/", deny(DomainNotGranted)),
        case("https://api.example.comx/", deny(DomainNotGranted)),
        case("https://xapi.example.com/", deny(DomainNotGranted)),
        case("https://x.api.example.com/", deny(DomainNotGranted)), // exact pattern, no subdomains
        case("https://api-example.com/", deny(DomainNotGranted)),
        case("https://api_example.com/", deny(DomainNotGranted)),
        case("https://cdn.example.com/", deny(DomainNotGranted)), // wildcard apex
        case("https://cdn.example.com./", deny(DomainNotGranted)),
        case("https://xcdn.example.com/", deny(DomainNotGranted)),
        case("https://x-cdn.example.com/", deny(DomainNotGranted)),
        case("https://cdn.example.com.evil.com/", deny(DomainNotGranted)),
        case(
            "https://x.cdn.example.com.evil.com/",
            deny(DomainNotGranted),
        ),
        case("https://x.cdn.example.comevil.com/", deny(DomainNotGranted)),
        case("https://x.cdnexample.com/", deny(DomainNotGranted)),
        case("https://.cdn.example.com/", deny(InvalidUrl)),
        case("https://x..cdn.example.com/", deny(InvalidUrl)),
        case("https://*.cdn.example.com/", deny(InvalidUrl)),
        case(
            "https://x.cdn.example.com/",
            ok("https://x.cdn.example.com/", "x.cdn.example.com", 443),
        ),
        case(
            "https://a.b.cdn.example.com/",
            ok("https://a.b.cdn.example.com/", "a.b.cdn.example.com", 443),
        ),
        case(
            "https://X.CDN.EXAMPLE.COM./p",
            ok("https://x.cdn.example.com/p", "x.cdn.example.com", 443),
        ),
        case(
            "https://xn--ls8h.cdn.example.com/",
            ok(
                "https://xn--ls8h.cdn.example.com/",
                "xn--ls8h.cdn.example.com",
                443,
            ),
        ),
        case(
            "https://\u{1F4A9}.cdn.example.com/",
            ok(
                "https://xn--ls8h.cdn.example.com/",
                "xn--ls8h.cdn.example.com",
                443,
            ),
        ),
        case(
            "https://cdn.example.com.cdn.example.com/",
            ok(
                "https://cdn.example.com.cdn.example.com/",
                "cdn.example.com.cdn.example.com",
                443,
            ),
        ),
    ];
    check_table("wildcard", "domain grant", &domain_scope(), &cases);
}

// ---------------------------------------------------------------------------------------------
// DNS answers
// ---------------------------------------------------------------------------------------------

fn ip(s: &str) -> IpAddr {
    s.parse().expect(s)
}

#[test]
fn names_that_resolve_to_special_addresses() {
    let call = allowed(&domain_scope(), "https://api.example.com/");
    let bad: &[&[&str]] = &[
        &["127.0.0.1"],
        &["127.255.255.254"],
        &["10.0.0.5"],
        &["169.254.169.254"],
        &["100.100.100.200"],
        &["0.0.0.0"],
        &["192.168.1.1"],
        &["::1"],
        &["::"],
        &["::ffff:127.0.0.1"],
        &["::ffff:169.254.169.254"],
        &["::127.0.0.1"],
        &["64:ff9b::7f00:1"],
        &["2002:7f00:1::1"],
        &["fe80::1"],
        &["fd00:ec2::254"],
        &["93.184.216.34", "127.0.0.1"],
        &["127.0.0.1", "93.184.216.34"],
        &["93.184.216.34", "2606:2800:220:1::1", "10.0.0.1"],
        &["2606:2800:220:1::1", "::ffff:10.0.0.1"],
    ];
    let mut failures = Vec::new();
    for answers in bad {
        let addrs: Vec<IpAddr> = answers.iter().map(|s| ip(s)).collect();
        match call.check_addresses(&addrs) {
            Err(v) if v.code == PrivateAddress => {}
            Err(v) => failures.push(format!(
                "answers {answers:?}: expected PrivateAddress, got {}",
                v.code
            )),
            Ok(a) => failures.push(format!(
                "answers {answers:?}: expected PrivateAddress, allowed {a:?}"
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // No answer at all.
    let v = call.check_addresses(&[]).unwrap_err();
    assert_eq!(v.code, ResolutionFailed, "empty answers");

    // Public answers: exactly those addresses, on the target's port, mapped ones as IPv4.
    let got = call
        .check_addresses(&[
            ip("93.184.216.34"),
            ip("2606:2800:220:1::1"),
            ip("::ffff:1.1.1.1"),
        ])
        .unwrap();
    assert_eq!(
        got,
        [
            SocketAddr::new(ip("93.184.216.34"), 443),
            SocketAddr::new(ip("2606:2800:220:1::1"), 443),
            SocketAddr::new(ip("1.1.1.1"), 443),
        ]
    );
    let on_8443 = allowed(&port_scope(), "https://x.cdn.example.com:8443/");
    assert_eq!(
        on_8443.check_addresses(&[ip("93.184.216.34")]).unwrap(),
        [SocketAddr::new(ip("93.184.216.34"), 8443)]
    );

    // A name under a grant that names a private range may resolve into that range only.
    let corp = scope_from(json!({"http.get": {"domain": ["*.corp.example.com", "10.0.0.0/8"]}}));
    let c = allowed(&corp, "https://git.corp.example.com/");
    assert_eq!(
        c.check_addresses(&[ip("10.0.0.5"), ip("::ffff:10.9.9.9")])
            .unwrap(),
        [
            SocketAddr::new(ip("10.0.0.5"), 443),
            SocketAddr::new(ip("10.9.9.9"), 443)
        ]
    );
    for answers in [
        vec![ip("127.0.0.1")],
        vec![ip("10.0.0.5"), ip("192.168.1.1")],
        vec![ip("169.254.169.254")],
    ] {
        let v = c.check_addresses(&answers).unwrap_err();
        assert_eq!(
            v.code, PrivateAddress,
            "answers {answers:?} under the corp grant"
        );
    }
}

struct FixedResolver(Option<Vec<IpAddr>>);

impl Resolver for FixedResolver {
    fn resolve(&self, _host: &str, _port: u16) -> std::io::Result<Vec<IpAddr>> {
        self.0
            .clone()
            .ok_or_else(|| std::io::Error::other("NXDOMAIN"))
    }
}

#[test]
fn resolve_checks_every_answer() {
    let call = allowed(&domain_scope(), "https://x.cdn.example.com/");
    let v = call
        .resolve(&FixedResolver(Some(vec![
            ip("93.184.216.34"),
            ip("169.254.169.254"),
        ])))
        .unwrap_err();
    assert_eq!(v.code, PrivateAddress, "rebinding answer");
    let v = call.resolve(&FixedResolver(None)).unwrap_err();
    assert_eq!(v.code, ResolutionFailed, "resolver error");
    let v = call.resolve(&FixedResolver(Some(vec![]))).unwrap_err();
    assert_eq!(v.code, ResolutionFailed, "no answers");
    assert_eq!(
        call.resolve(&FixedResolver(Some(vec![ip("93.184.216.34")])))
            .unwrap(),
        [SocketAddr::new(ip("93.184.216.34"), 443)]
    );
    // An IP-literal target never asks the resolver.
    let lit = allowed(&open_scope(), "https://8.8.8.8/");
    assert_eq!(
        lit.resolve(&FixedResolver(Some(vec![ip("127.0.0.1")])))
            .unwrap(),
        [SocketAddr::new(ip("8.8.8.8"), 443)]
    );
    assert_eq!(
        lit.check_addresses(&[ip("127.0.0.1")]).unwrap(),
        [SocketAddr::new(ip("8.8.8.8"), 443)]
    );
}

#[test]
fn localhost_names_are_the_loopback() {
    let cases = [
        case("https://localhost/", deny(PrivateAddress)),
        case("https://LOCALHOST/", deny(PrivateAddress)),
        case("https://localhost./", deny(PrivateAddress)),
        case("https://localhost:443/", deny(PrivateAddress)),
        case("https://foo.localhost/", deny(PrivateAddress)),
        case("https://a.b.foo.localhost./", deny(PrivateAddress)),
        case(
            "https://\u{FF4C}\u{FF4F}\u{FF43}\u{FF41}\u{FF4C}\u{FF48}\u{FF4F}\u{FF53}\u{FF54}/",
            deny(PrivateAddress),
        ),
        case("https://local\u{00AD}host/", deny(PrivateAddress)),
        case("https://%6cocalhost/", deny(PrivateAddress)),
        case("https://localhost\u{3002}/", deny(PrivateAddress)),
        case("http://localhost/", deny(SchemeNotAllowed)),
        case("https://localhost..//", deny(InvalidUrl)),
        // Not the reserved name.
        case(
            "https://notlocalhost/",
            ok("https://notlocalhost/", "notlocalhost", 443),
        ),
        case(
            "https://localhost.example.com/",
            ok(
                "https://localhost.example.com/",
                "localhost.example.com",
                443,
            ),
        ),
    ];
    check_table("localhost", "open grant", &open_scope(), &cases);
    check_table(
        "localhost",
        "domain grant",
        &domain_scope(),
        &[
            case("https://localhost/", deny(DomainNotGranted)),
            case("https://foo.localhost/", deny(DomainNotGranted)),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Redirects
// ---------------------------------------------------------------------------------------------

fn redirect(call: &EnforcedCall, location: &str) -> Outcome {
    match catch_unwind(AssertUnwindSafe(|| {
        Outcome::of(call.follow_redirect(location, Instant::now()))
    })) {
        Ok(o) => o,
        Err(p) => Outcome::Panicked(panic_message(p)),
    }
}

enum RExpect {
    Allow(&'static str),
    Deny(ViolationCode),
}

fn check_redirects(name: &str, call: &EnforcedCall, cases: &[(&str, RExpect)]) {
    let mut failures = Vec::new();
    for (loc, want) in cases {
        let got = redirect(call, loc);
        let good = match (want, &got) {
            (RExpect::Allow(u), Outcome::Allowed { url, .. }) => url == u,
            (
                RExpect::Deny(c),
                Outcome::Denied {
                    code: RedirectNotGranted,
                    cause: Some(cause),
                    ..
                },
            ) => cause == c,
            _ => false,
        };
        if !good {
            let w = match want {
                RExpect::Allow(u) => format!("allowed {u}"),
                RExpect::Deny(c) => format!("RedirectNotGranted (cause {c})"),
            };
            failures.push(format!(
                "  redirect {loc:?} under {name}: expected {w}, got {}",
                got.decision()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "redirect cases failed:\n{}",
        failures.join("\n")
    );
}

#[test]
fn redirects_are_checked_like_calls() {
    use RExpect::{Allow, Deny};
    let call = allowed(&domain_scope(), "https://api.example.com/start/here?x=1");
    check_redirects(
        "domain grant",
        &call,
        &[
            ("https://evil.com/", Deny(DomainNotGranted)),
            ("//evil.com/x", Deny(DomainNotGranted)),
            (r"\\evil.com\x", Deny(DomainNotGranted)),
            (r"/\evil.com/", Deny(DomainNotGranted)),
            (r"\/evil.com/", Deny(DomainNotGranted)),
            ("https://api.example.com.evil.com/", Deny(DomainNotGranted)),
            ("https://cdn.example.com/", Deny(DomainNotGranted)),
            ("https://\u{0430}pi.example.com/", Deny(DomainNotGranted)),
            ("https://2130706433/", Deny(DomainNotGranted)),
            (
                "//169.254.169.254/latest/meta-data/",
                Deny(DomainNotGranted),
            ),
            ("http://api.example.com/", Deny(SchemeNotAllowed)),
            ("http:api.example.com", Deny(SchemeNotAllowed)),
            ("file:///etc/passwd", Deny(SchemeNotAllowed)),
            ("gopher://api.example.com/", Deny(SchemeNotAllowed)),
            ("javascript:alert(1)", Deny(SchemeNotAllowed)),
            ("https://api.example.com:8443/", Deny(PortNotAllowed)),
            ("//api.example.com:8443/", Deny(PortNotAllowed)),
            ("https://user:pw@api.example.com/", Deny(UserinfoInUrl)),
            ("https://api.example.com@evil.com/", Deny(UserinfoInUrl)),
            ("//user@api.example.com/", Deny(UserinfoInUrl)),
            ("https://api.example.com../", Deny(InvalidUrl)),
            ("https://[::1/", Deny(InvalidUrl)),
            ("https://api.example.com:99999/", Deny(InvalidUrl)),
            ("/next", Allow("https://api.example.com/next")),
            ("next", Allow("https://api.example.com/start/next")),
            ("../up", Allow("https://api.example.com/up")),
            ("?q=2", Allow("https://api.example.com/start/here?q=2")),
            ("#frag", Allow("https://api.example.com/start/here?x=1")),
            ("/ne\txt", Allow("https://api.example.com/next")),
            ("https:/evil.com", Allow("https://api.example.com/evil.com")), // same-scheme relative
            (
                "https:evil.com",
                Allow("https://api.example.com/start/evil.com"),
            ),
            (
                "https://x.cdn.example.com/a",
                Allow("https://x.cdn.example.com/a"),
            ),
            ("//API.EXAMPLE.COM./b", Allow("https://api.example.com/b")),
            (
                "https://%61pi.example.com/c",
                Allow("https://api.example.com/c"),
            ),
        ],
    );
    // The redirect's violation does not echo the password either.
    let v = call
        .follow_redirect("https://user:pw-s3cret@api.example.com/", Instant::now())
        .unwrap_err();
    assert_eq!((v.code, v.cause), (RedirectNotGranted, Some(UserinfoInUrl)));
    assert!(
        !serde_json::to_string(&*v).unwrap().contains("s3cret"),
        "redirect violation echoes the password"
    );
    // The followed call counts the hop.
    let next = call.follow_redirect("/next", Instant::now()).unwrap();
    assert_eq!(next.redirects, 1);

    let open = allowed(&open_scope(), "https://example.org/");
    check_redirects(
        "open grant",
        &open,
        &[
            ("https://127.0.0.1/", Deny(PrivateAddress)),
            ("https://0x7f.1/", Deny(PrivateAddress)),
            ("//2852039166/latest/meta-data/", Deny(PrivateAddress)),
            ("https://[::ffff:169.254.169.254]/", Deny(PrivateAddress)),
            ("https://[::1]/", Deny(PrivateAddress)),
            ("https://[fd00:ec2::254]/", Deny(PrivateAddress)),
            ("https://localhost/", Deny(PrivateAddress)),
            ("https://foo.localhost./", Deny(PrivateAddress)),
            ("http://example.org/", Deny(SchemeNotAllowed)),
            ("https://8.8.8.8/", Allow("https://8.8.8.8/")),
            ("https://evil.com/", Allow("https://evil.com/")),
        ],
    );

    let path = allowed(&path_scope(), "https://api.example.com/v1/start");
    check_redirects(
        "path_prefix=/v1 grant",
        &path,
        &[
            ("/v2", Deny(PathNotGranted)),
            ("../admin", Deny(PathNotGranted)),
            ("/v1/../admin", Deny(PathNotGranted)),
            ("/v1%2fadmin", Deny(PathNotGranted)),
            ("https://evil.com/v1/", Deny(DomainNotGranted)),
            ("next", Allow("https://api.example.com/v1/next")),
            ("/v1/x", Allow("https://api.example.com/v1/x")),
        ],
    );
}

#[test]
fn redirect_chains_are_bounded() {
    let mut call = allowed(&domain_scope(), "https://api.example.com/0");
    for i in 1..=MAX_REDIRECTS {
        call = call
            .follow_redirect(&format!("/{i}"), Instant::now())
            .unwrap_or_else(|v| panic!("hop {i} should be allowed, got {v}"));
        assert_eq!(call.redirects, i);
    }
    assert_eq!(MAX_REDIRECTS, 10);
    // The 11th redirect is refused, even to a granted target.
    let v = call.follow_redirect("/11", Instant::now()).unwrap_err();
    assert_eq!(
        (v.code, v.cause),
        (RedirectNotGranted, Some(TooManyRedirects)),
        "11th hop"
    );
    let v = call
        .follow_redirect("https://x.cdn.example.com/", Instant::now())
        .unwrap_err();
    assert_eq!(
        (v.code, v.cause),
        (RedirectNotGranted, Some(TooManyRedirects)),
        "11th hop, other host"
    );
}

#[test]
fn a_redirect_target_is_checked_again_after_resolution() {
    let call = allowed(&domain_scope(), "https://api.example.com/");
    let next = call
        .follow_redirect("https://x.cdn.example.com/", Instant::now())
        .unwrap();
    assert_eq!(
        next.check_addresses(&[ip("10.0.0.1")]).unwrap_err().code,
        PrivateAddress
    );
    assert_eq!(
        next.check_addresses(&[ip("93.184.216.34")]).unwrap(),
        [SocketAddr::new(ip("93.184.216.34"), 443)]
    );
}

// ---------------------------------------------------------------------------------------------
// Path prefixes
// ---------------------------------------------------------------------------------------------

#[test]
fn path_prefix() {
    let cases = [
        case(
            "https://api.example.com/v1",
            ok("https://api.example.com/v1", "api.example.com", 443),
        ),
        case(
            "https://api.example.com/v1/",
            ok("https://api.example.com/v1/", "api.example.com", 443),
        ),
        case(
            "https://api.example.com/v1/x",
            ok("https://api.example.com/v1/x", "api.example.com", 443),
        ),
        case(
            "https://api.example.com/v1/x/../y",
            ok("https://api.example.com/v1/y", "api.example.com", 443),
        ),
        case(
            "https://api.example.com/v1/./x",
            ok("https://api.example.com/v1/x", "api.example.com", 443),
        ),
        case(
            "https://api.example.com/admin/../v1/x",
            ok("https://api.example.com/v1/x", "api.example.com", 443),
        ),
        case(
            "https://api.example.com/v1?next=/../admin",
            ok(
                "https://api.example.com/v1?next=/../admin",
                "api.example.com",
                443,
            ),
        ),
        case(
            "https://api.example.com/v1#/../admin",
            ok("https://api.example.com/v1", "api.example.com", 443),
        ),
        case(
            r"https://api.example.com\v1\x",
            ok("https://api.example.com/v1/x", "api.example.com", 443),
        ),
        case(
            "https://x.cdn.example.com/v1/a",
            ok("https://x.cdn.example.com/v1/a", "x.cdn.example.com", 443),
        ),
        case("https://api.example.com/v1x", deny(PathNotGranted)),
        case("https://api.example.com/v1.json", deny(PathNotGranted)),
        case("https://api.example.com/v2", deny(PathNotGranted)),
        case("https://api.example.com/V1", deny(PathNotGranted)),
        case("https://api.example.com/", deny(PathNotGranted)),
        case("https://api.example.com", deny(PathNotGranted)),
        case("https://api.example.com/admin", deny(PathNotGranted)),
        case("https://api.example.com/v1/../admin", deny(PathNotGranted)),
        case(
            "https://api.example.com/v1/../../admin",
            deny(PathNotGranted),
        ),
        case(
            "https://api.example.com/v1/%2e%2e/admin",
            deny(PathNotGranted),
        ),
        case(
            "https://api.example.com/v1/%2E%2E/admin",
            deny(PathNotGranted),
        ),
        case(
            "https://api.example.com/v1/.%2e/admin",
            deny(PathNotGranted),
        ),
        case(
            "https://api.example.com/v1/%2e./admin",
            deny(PathNotGranted),
        ),
        case(r"https://api.example.com/v1\..\admin", deny(PathNotGranted)),
        case(
            "https://api.example.com/v1/..\t/admin",
            deny(PathNotGranted),
        ),
        case("https://api.example.com/v1%2fadmin", deny(PathNotGranted)),
        case("https://api.example.com/v1%2Fadmin", deny(PathNotGranted)),
        case(
            "https://api.example.com/v1/..%2fadmin",
            deny(PathNotGranted),
        ),
        case(
            "https://api.example.com/v1/..%2Fadmin",
            deny(PathNotGranted),
        ),
        case(
            "https://api.example.com/v1/..%5cadmin",
            deny(PathNotGranted),
        ),
        case(
            "https://api.example.com/v1/%2e%2e%2fadmin",
            deny(PathNotGranted),
        ),
        case(
            "https://api.example.com/v1/x%2f..%2f..%2fadmin",
            deny(PathNotGranted),
        ),
        case("https://api.example.com/%761/x", deny(PathNotGranted)), // encoded `v`: refused, not guessed
        case("https://api.example.com/v1;/../admin", deny(PathNotGranted)),
        case(
            "https://api.example.com/v1%00/../admin",
            deny(PathNotGranted),
        ),
        case("https://evil.com/v1/", deny(DomainNotGranted)),
    ];
    check_table(
        "path prefix",
        "path_prefix=/v1 grant",
        &path_scope(),
        &cases,
    );
}

/// Tomcat/Jetty-style servers strip `;params` from each segment before resolving dot segments, so
/// `/v1/..;/admin` reaches `/admin` there while the WHATWG path stays under `/v1`. The engine already
/// refuses `%2F`/`%5C` for the same reason ("servers disagree"); `..;` is the same parser differential.
#[test]
fn path_prefix_dot_segment_with_parameters() {
    let cases = [
        case("https://api.example.com/v1/..;/admin", deny(PathNotGranted)),
        case(
            "https://api.example.com/v1/..;x=1/admin",
            deny(PathNotGranted),
        ),
        case(
            "https://api.example.com/v1/%2e%2e;/admin",
            deny(PathNotGranted),
        ),
    ];
    check_table(
        "path prefix ..;",
        "path_prefix=/v1 grant",
        &path_scope(),
        &cases,
    );
}

// ---------------------------------------------------------------------------------------------
// Arguments and tools
// ---------------------------------------------------------------------------------------------

#[test]
fn missing_or_ill_typed_arguments() {
    let scope = domain_scope();
    let cases: Vec<(&str, Value, ViolationCode)> = vec![
        ("no url", json!({}), MissingArgument),
        (
            "URL in upper case",
            json!({"URL": "https://api.example.com/"}),
            MissingArgument,
        ),
        (
            "other key",
            json!({"uri": "https://api.example.com/"}),
            MissingArgument,
        ),
        ("url: 5", json!({"url": 5}), ArgumentType),
        ("url: null", json!({"url": null}), ArgumentType),
        ("url: true", json!({"url": true}), ArgumentType),
        (
            "url: list",
            json!({"url": ["https://api.example.com/"]}),
            ArgumentType,
        ),
        (
            "url: object",
            json!({"url": {"href": "https://api.example.com/"}}),
            ArgumentType,
        ),
        (
            "args: list",
            json!(["https://api.example.com/"]),
            ArgumentType,
        ),
        (
            "args: string",
            json!("https://api.example.com/"),
            ArgumentType,
        ),
        ("args: null", Value::Null, ArgumentType),
        ("args: number", json!(5), ArgumentType),
        ("url: empty", json!({"url": ""}), InvalidUrl),
        ("url: spaces", json!({"url": "   "}), InvalidUrl),
        (
            "url: no scheme",
            json!({"url": "api.example.com/x"}),
            InvalidUrl,
        ),
    ];
    let mut failures = Vec::new();
    for (name, args, want) in &cases {
        let got = run_args(&scope, "http.get", args);
        if !matches!(&got, Outcome::Denied { code, .. } if code == want) {
            failures.push(format!(
                "  args {name} ({args}): expected {want}, got {}",
                got.decision()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "argument cases failed:\n{}",
        failures.join("\n")
    );
}

#[test]
fn a_grant_never_authorizes_another_tool() {
    let args = json!({"url": "https://api.example.com/", "model": "m", "method": "GET"});
    let mut failures = Vec::new();
    let http_only = domain_scope();
    for tool in [
        "http.post",
        "http.head",
        "http.put",
        "http.delete",
        "http.request",
        "llm.chat",
        "mcp.fs.read",
        "HTTP.GET",
        "http.GET",
        "http.get ",
        " http.get",
        "http.get\0",
        "http",
        "",
        "http.get.x",
        "http..get",
    ] {
        let got = run_args(&http_only, tool, &args);
        if !matches!(
            got,
            Outcome::Denied {
                code: UndeclaredTool,
                ..
            }
        ) {
            failures.push(format!(
                "  tool {tool:?} under an http.get grant: expected UndeclaredTool, got {}",
                got.decision()
            ));
        }
    }
    let llm_only = scope_from(json!({"llm.chat": {"model": ["m"]}}));
    for tool in ["http.get", "http.request", "llm.complete"] {
        let got = run_args(&llm_only, tool, &args);
        if !matches!(
            got,
            Outcome::Denied {
                code: UndeclaredTool,
                ..
            }
        ) {
            failures.push(format!(
                "  tool {tool:?} under an llm.chat grant: expected UndeclaredTool, got {}",
                got.decision()
            ));
        }
    }
    // A child that does not declare http.get does not inherit it.
    let root = scope_from(json!({
        "http.get": {"domain": ["api.example.com"]},
        "llm.chat": {},
    }));
    let child = root
        .child(
            "child",
            &GrantSet::from_json(&json!({"llm.chat": {}})).unwrap(),
        )
        .unwrap();
    let got = run_args(
        &child,
        "http.get",
        &json!({"url": "https://api.example.com/"}),
    );
    if !matches!(
        got,
        Outcome::Denied {
            code: UndeclaredTool,
            ..
        }
    ) {
        failures.push(format!(
            "  http.get in a child that declares only llm.chat: got {}",
            got.decision()
        ));
    }
    // A child cannot widen its parent's hosts.
    let wide = root
        .child(
            "wide",
            &GrantSet::from_json(&json!({"http.get": {"domain": ["evil.com", "*.example.com"]}}))
                .unwrap(),
        )
        .unwrap();
    for (url, want) in [
        ("https://evil.com/", Expect::Deny(DomainNotGranted)),
        ("https://x.example.com/", Expect::Deny(DomainNotGranted)),
        ("https://api.example.com/", API),
    ] {
        let got = run(&wide, url);
        if !got.matches(&want) {
            failures.push(format!(
                "  {url:?} in a widening child: expected {want:?}, got {}",
                got.decision()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "tool cases failed:\n{}",
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Equivalent spellings get the same decision
// ---------------------------------------------------------------------------------------------

#[test]
fn equivalent_spellings_get_the_same_decision() {
    let groups: Vec<(&str, Vec<String>)> = vec![
        (
            "api.example.com",
            [
                "https://api.example.com/",
                "HTTPS://API.EXAMPLE.COM/",
                "https://api.example.com./",
                "https://api.example.com:443/",
                "https://api.example.com:0443/",
                "https://%61pi.example.com/",
                "https://api%2Eexample%2Ecom/",
                "https://api\u{3002}example\u{FF0E}com\u{FF61}/",
                "https://\u{FF41}\u{FF50}\u{FF49}.example.com/",
                "https://%EF%BD%81pi.example.com/",
                "https://a\u{00AD}pi.example.com/",
                "https://a\u{200B}pi.example.com/",
                "https://api.exa\tmple.com/",
                " https://api.example.com/#x",
                "https://@api.example.com/",
            ]
            .map(String::from)
            .to_vec(),
        ),
        (
            "x.cdn.example.com",
            [
                "https://x.cdn.example.com/",
                "https://X.CDN.EXAMPLE.COM./",
                "https://x\u{3002}cdn\u{3002}example\u{3002}com/",
                "https://%78.cdn.example.com/",
                "https://\u{FF58}.cdn.example.com/",
            ]
            .map(String::from)
            .to_vec(),
        ),
        (
            "Cyrillic lookalike",
            [
                "https://\u{0430}pi.example.com/",
                "https://%D0%B0pi.example.com/",
                "https://xn--pi-6kc.example.com/",
                "https://XN--PI-6KC.example.com./",
            ]
            .map(String::from)
            .to_vec(),
        ),
        (
            "api.example.com.evil.com",
            [
                "https://api.example.com.evil.com/",
                "https://api.example.com%2eevil.com/",
                "https://api.example.com\u{3002}evil.com/",
                "https://api.example.com\u{FF0E}evil.com/",
                "https://api.example.com\u{00AD}.evil.com/",
            ]
            .map(String::from)
            .to_vec(),
        ),
        (
            "127.0.0.1",
            ipv4_spellings(Ipv4Addr::new(127, 0, 0, 1))
                .into_iter()
                .chain(["0x7f.0.0.1", "127.1", "0177.1"].map(String::from))
                .map(|h| format!("https://{h}/"))
                .collect(),
        ),
        (
            "169.254.169.254",
            ipv4_spellings(Ipv4Addr::new(169, 254, 169, 254))
                .into_iter()
                .map(|h| format!("https://{h}/"))
                .collect(),
        ),
        (
            "::1",
            [
                "[::1]",
                "[0:0:0:0:0:0:0:1]",
                "[::0:1]",
                "[0000::0001]",
                "[0::1]",
            ]
            .map(|h| format!("https://{h}/"))
            .to_vec(),
        ),
        (
            "localhost",
            [
                "https://localhost/",
                "https://LOCALHOST./",
                "https://%6Cocalhost/",
                "https://\u{FF4C}ocalhost/",
                "https://local\u{200B}host/",
            ]
            .map(String::from)
            .to_vec(),
        ),
    ];
    let mut failures = Vec::new();
    let mut compared = 0;
    for (scope_name, scope) in [
        ("domain grant", domain_scope()),
        ("open grant", open_scope()),
    ] {
        for (group, members) in &groups {
            assert!(members.len() >= 4, "group {group} is too small");
            let first = run(&scope, &members[0]);
            if matches!(first, Outcome::Panicked(_)) {
                failures.push(format!(
                    "  [{group}] {:?} panicked under {scope_name}",
                    members[0]
                ));
            }
            for m in &members[1..] {
                compared += 1;
                let got = run(&scope, m);
                if got != first {
                    failures.push(format!(
                        "  [{group}] under {scope_name}: {m:?} got {} but {:?} got {}",
                        got.decision(),
                        members[0],
                        first.decision()
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "equivalent spellings disagree:\n{}",
        failures.join("\n")
    );
    assert!(compared > 100, "only {compared} comparisons");

    // And the groups' decisions are the right ones.
    let expect = [
        (
            "domain grant",
            domain_scope(),
            "https://api.example.com/",
            API,
        ),
        (
            "domain grant",
            domain_scope(),
            "https://\u{0430}pi.example.com/",
            deny(DomainNotGranted),
        ),
        (
            "domain grant",
            domain_scope(),
            "https://api.example.com.evil.com/",
            deny(DomainNotGranted),
        ),
        (
            "domain grant",
            domain_scope(),
            "https://127.0.0.1/",
            deny(DomainNotGranted),
        ),
        (
            "domain grant",
            domain_scope(),
            "https://localhost/",
            deny(DomainNotGranted),
        ),
        (
            "open grant",
            open_scope(),
            "https://127.0.0.1/",
            deny(PrivateAddress),
        ),
        (
            "open grant",
            open_scope(),
            "https://169.254.169.254/",
            deny(PrivateAddress),
        ),
        (
            "open grant",
            open_scope(),
            "https://[::1]/",
            deny(PrivateAddress),
        ),
        (
            "open grant",
            open_scope(),
            "https://localhost/",
            deny(PrivateAddress),
        ),
    ];
    for (name, scope, url, want) in expect {
        let got = run(&scope, url);
        assert!(
            got.matches(&want),
            "input {url:?} under {name}: expected {want:?}, got {}",
            got.decision()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Benign corpus
// ---------------------------------------------------------------------------------------------

#[test]
fn benign_urls_stay_allowed() {
    let cases = [
        case("https://api.example.com/", API),
        case("https://api.example.com", API),
        case(
            "https://api.example.com/path?q=1#frag",
            ok("https://api.example.com/path?q=1", "api.example.com", 443),
        ),
        case(
            "https://api.example.com/a/./b/../c",
            ok("https://api.example.com/a/c", "api.example.com", 443),
        ),
        case(
            "https://api.example.com/../../etc/passwd",
            ok("https://api.example.com/etc/passwd", "api.example.com", 443),
        ),
        case(
            "https://api.example.com/%7Euser/%E2%9C%93",
            ok(
                "https://api.example.com/%7Euser/%E2%9C%93",
                "api.example.com",
                443,
            ),
        ),
        case(
            "https://api.example.com/\u{2713}",
            ok("https://api.example.com/%E2%9C%93", "api.example.com", 443),
        ),
        case(
            "https://api.example.com/search?q=a b&next=https://evil.com/",
            ok(
                "https://api.example.com/search?q=a%20b&next=https://evil.com/",
                "api.example.com",
                443,
            ),
        ),
        case(
            "https://api.example.com?@evil.com",
            ok("https://api.example.com/?@evil.com", "api.example.com", 443),
        ),
        case("https://api.example.com#@evil.com", API),
        case(
            "https://api.example.com/@evil.com",
            ok("https://api.example.com/@evil.com", "api.example.com", 443),
        ),
        case(
            "https://api.example.com/redirect?to=http://127.0.0.1/",
            ok(
                "https://api.example.com/redirect?to=http://127.0.0.1/",
                "api.example.com",
                443,
            ),
        ),
        case(
            "https://API.Example.Com./v2/x",
            ok("https://api.example.com/v2/x", "api.example.com", 443),
        ),
        case(
            "https://x.cdn.example.com/img.png",
            ok(
                "https://x.cdn.example.com/img.png",
                "x.cdn.example.com",
                443,
            ),
        ),
        case(
            "https://a.b.cdn.example.com/",
            ok("https://a.b.cdn.example.com/", "a.b.cdn.example.com", 443),
        ),
        case(
            "https://a-b_c.cdn.example.com/",
            ok(
                "https://a-b_c.cdn.example.com/",
                "a-b_c.cdn.example.com",
                443,
            ),
        ),
        case(
            "https://123.cdn.example.com/",
            ok("https://123.cdn.example.com/", "123.cdn.example.com", 443),
        ),
        case(
            "https://0x7f.cdn.example.com/",
            ok("https://0x7f.cdn.example.com/", "0x7f.cdn.example.com", 443),
        ),
        case(
            "https://caf\u{00E9}.cdn.example.com/",
            ok(
                "https://xn--caf-dma.cdn.example.com/",
                "xn--caf-dma.cdn.example.com",
                443,
            ),
        ),
    ];
    let scope = domain_scope();
    let n = check_table("benign", "domain grant", &scope, &cases);
    assert!(n >= 15);
    let e = allowed(&scope, "https://api.example.com/x");
    assert_eq!(e.method, Some("GET"));
    assert_eq!(e.redirects, 0);
    assert_eq!(
        e.http.as_ref().unwrap().origin(),
        "https://api.example.com:443"
    );
}

// ---------------------------------------------------------------------------------------------
// Combinatorial invariants
// ---------------------------------------------------------------------------------------------

/// Thousands of inputs built from tricky fragments. Whatever the decision, an allowed call must
/// target a granted host on https:443 without credentials, its normalized URL must name that same
/// host, and checking the normalized URL again must give the same decision (so the provider, which
/// receives the normalized URL, cannot be sent elsewhere). Under an open grant, an allowed IP
/// literal must be an ordinary public address.
#[test]
fn combinatorial_invariants() {
    let prefixes = [
        "https://",
        "HTTPS://",
        "https:",
        "https:/",
        "https:///",
        r"https:\\",
        "https://user@",
        "https://api.example.com@",
        "https://x.cdn.example.com:443@",
        " https://",
        "http://",
        "//",
    ];
    let hosts = [
        "api.example.com",
        "api.example.com.",
        "x.cdn.example.com",
        "cdn.example.com",
        "evil.com",
        "%61pi.example.com",
        "api%2eexample.com",
        "api\u{3002}example.com",
        "\u{0430}pi.example.com",
        "a\u{00AD}pi.example.com",
        "127.0.0.1",
        "0x7f.1",
        "2852039166",
        "[::1]",
        "[::ffff:a9fe:a9fe]",
        "[64:ff9b::a9fe:a9fe]",
        "localhost",
        "8.8.8.8",
        "[2606:4700::1111]",
    ];
    let joiners = [
        "", ".", "..", "@", "%40", "#", "?", "/", r"\", ":", ":443", ":8443", ":0443", "%2e", "\t",
        "\u{3002}", "%00", ";", "&", "\u{200B}",
    ];
    let tails = [
        "",
        "/",
        "/v1/../admin",
        "@evil.com",
        ".evil.com",
        "#@evil.com",
        "?@127.0.0.1",
    ];
    let domain = domain_scope();
    let open = open_scope();
    let mut failures = Vec::new();
    let mut n = 0usize;
    let mut allowed_n = 0usize;
    for p in prefixes {
        for h in hosts {
            for j in joiners {
                for t in tails {
                    let input = format!("{p}{h}{j}{t}");
                    n += 1;
                    for (name, scope, open_grant) in
                        [("domain", &domain, false), ("open", &open, true)]
                    {
                        let got = run(scope, &input);
                        let Outcome::Allowed { url, host, port } = &got else {
                            if let Outcome::Panicked(m) = &got {
                                failures.push(format!("  {input:?} under {name}: PANIC {m}"));
                            }
                            continue;
                        };
                        allowed_n += 1;
                        let mut bad = Vec::new();
                        if !open_grant
                            && host != "api.example.com"
                            && !host.ends_with(".cdn.example.com")
                        {
                            bad.push("host not granted");
                        }
                        if *port != 443 {
                            bad.push("port is not 443");
                        }
                        match url::Url::parse(url) {
                            Ok(u) => {
                                if u.scheme() != "https" {
                                    bad.push("scheme is not https");
                                }
                                if !u.username().is_empty() || u.password().is_some() {
                                    bad.push("normalized URL carries userinfo");
                                }
                                if u.fragment().is_some() {
                                    bad.push("normalized URL keeps a fragment");
                                }
                                let reparsed =
                                    lumen_capability::Host::from_url_host(u.host().unwrap())
                                        .map(|h| h.to_string());
                                if reparsed.as_deref() != Ok(host.as_str()) {
                                    bad.push("normalized URL names another host");
                                }
                            }
                            Err(_) => bad.push("normalized URL does not parse"),
                        }
                        if open_grant
                            && let Ok(lumen_capability::Host::Ip(a)) =
                                lumen_capability::Host::parse(host)
                            && lumen_capability::net::special_purpose(a).is_some()
                        {
                            bad.push("special-purpose address allowed");
                        }
                        if open_grant && (host == "localhost" || host.ends_with(".localhost")) {
                            bad.push("localhost allowed");
                        }
                        let again = run(scope, url);
                        if again != got {
                            bad.push("the normalized URL is decided differently");
                        }
                        if !bad.is_empty() {
                            failures.push(format!(
                                "  {input:?} under {name}: allowed {url} (host {host}, port {port}): {}",
                                bad.join(", ")
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} inputs break an invariant:\n{}",
        failures.len(),
        failures
            .iter()
            .take(60)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        n > 30_000 && allowed_n > 1_000,
        "{n} inputs, {allowed_n} allowed decisions"
    );
}

/// Long and odd inputs never panic, and long values are cut in `raw`.
#[test]
fn long_and_odd_inputs_do_not_panic() {
    let long_path = format!("https://api.example.com/{}", "a".repeat(100_000));
    let long_host = format!("https://{}.evil.com/", "\u{00E9}".repeat(2_000));
    let many_labels = format!("https://{}api.example.com/", "a.".repeat(10_000));
    let many_at = format!("https://{}api.example.com/", "a@".repeat(5_000));
    let many_dots = format!("https://api.example.com{}/", ".".repeat(1_000));
    let mut inputs = vec![
        long_path.clone(),
        long_host.clone(),
        many_labels,
        many_at,
        many_dots,
    ];
    inputs.extend(
        [
            "https://[",
            "https://]",
            "https://[]",
            "https://:443",
            "https://@",
            "https://%",
            "https://%zz/",
            "https://\u{FFFD}/",
            "https://\u{10FFFF}/",
            "https://\u{D7FF}/",
            "https://xn--/",
            "https://xn--a/",
            "https://-api.example.com/",
            "https://api-.example.com/",
            "https://a\u{0301}.cdn.example.com/",
        ]
        .map(String::from),
    );
    for input in &inputs {
        let got = run(&domain_scope(), input);
        let shown: String = input.chars().take(60).collect();
        assert!(
            !matches!(got, Outcome::Panicked(_)),
            "input {shown:?}… panicked: {got:?}"
        );
    }
    let e = allowed(&domain_scope(), &long_path);
    assert_eq!(e.http.as_ref().unwrap().url.as_str(), long_path);
    let args = json!({ "url": long_host });
    let v = validate_tool_policy(&domain_scope(), &Call::new("http.get", &args)).unwrap_err();
    let raw = v.raw.as_deref().unwrap_or("");
    assert!(
        raw.len() <= 512 + '…'.len_utf8(),
        "raw is {} bytes",
        raw.len()
    );
}
