//! The HTTP URL check never panics, and what it allows obeys the grant: the normalized target's host is
//! in the granted set, it carries no credentials, its scheme and port are granted, a special-purpose
//! address is reached only when a grant names it, and normalization is idempotent (re-checking the
//! normalized URL gives the same target). Resolved addresses and redirects are checked the same way.
//!
//! Input: UTF-8 (lossily) text `URL` or `URL\nLOCATION`; without a newline the redirect location is
//! the URL itself.
#![no_main]

#[path = "../../tests/support/server_models.rs"]
mod server_models;

use libfuzzer_sys::fuzz_target;
use lumen_capability::net::special_purpose;
use lumen_capability::{
    Call, EnforcedCall, Grant, Host, HostPattern, HttpTarget, MAX_REDIRECTS, Policy, RootOptions,
    Scheme, Scope, ViolationCode, validate_tool_policy,
};
use serde_json::{Value, json};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::LazyLock;
use std::time::Instant;

const POLICY: &str = r#"
[grants."http.get"]
domain = ["api.example.com", "*.weather.example", "10.0.0.0/8", "192.168.1.7", "2001:db8::/32", "bücher.example"]
[grants."http.request"]
domain = ["api.example.com", "*.weather.example", "10.0.0.0/8", "192.168.1.7", "2001:db8::/32", "bücher.example"]
method = ["GET", "POST"]
[scopes.main.grants."http.get"]
domain = ["*.weather.example", "10.1.0.0/16"]
[scopes.main.grants."http.request"]
domain = "api.example.com"
"#;

const OPEN: &str = r#"
[grants."http.get"]
scheme = ["http", "https"]
port = [80, 443, 8080]
[grants."http.request"]
"#;

const PATHS: &str = r#"
[grants."http.get"]
path_prefix = ["/api", "/v1/", "/static/img"]
[grants."http.request"]
path_prefix = "/api"
method = ["GET", "DELETE"]
"#;

struct Fixture {
    name: &'static str,
    scope: Scope,
    /// The grants name hosts: allowed targets must be https on 443 and in the set.
    domain_constrained: bool,
}

static FIXTURES: LazyLock<Vec<Fixture>> = LazyLock::new(|| {
    let inst = |text: &str, path: &str| {
        Policy::from_toml_str(text)
            .expect("fixed policy parses")
            .instantiate(path, RootOptions::default())
            .expect("fixed scope instantiates")
    };
    vec![
        Fixture {
            name: "domains",
            scope: inst(POLICY, ""),
            domain_constrained: true,
        },
        Fixture {
            name: "domains/main",
            scope: inst(POLICY, "main"),
            domain_constrained: true,
        },
        Fixture {
            name: "open",
            scope: inst(OPEN, ""),
            domain_constrained: false,
        },
        Fixture {
            name: "paths",
            scope: inst(PATHS, ""),
            domain_constrained: false,
        },
    ]
});

const PUBLIC: IpAddr = IpAddr::V4(Ipv4Addr::new(93, 184, 216, 34));
const PRIVATE: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3));
const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const MAPPED_LOOPBACK: IpAddr = IpAddr::V6(Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0x7f00, 1));

fn args(tool: &str, url: &str, method: &str) -> Value {
    if tool == "http.request" {
        json!({"url": url, "method": method})
    } else {
        json!({"url": url})
    }
}

fn has_encoded_separator(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.contains("%2f") || lower.contains("%5c")
}

/// A segment such as `..;x` or `%2e;` that servers stripping `;` parameters resolve as a dot segment.
fn has_parameterized_dot_segment(path: &str) -> bool {
    path.split('/').any(|seg| {
        seg.split_once(';').is_some_and(|(base, _)| {
            let base = base.to_ascii_lowercase().replace("%2e", ".");
            base == "." || base == ".."
        })
    })
}

/// Credentials of `url` (as the string `given` wrote them) never appear in a violation's values.
fn check_redacted(given: &str, url: &url::Url, v: &lumen_capability::Violation) {
    if url.username().is_empty() && url.password().is_none() {
        return;
    }
    let mut clean = url.clone();
    let _ = clean.set_password(None);
    let _ = clean.set_username("");
    for secret in [url.username(), url.password().unwrap_or("")] {
        if secret.len() < 3
            || secret == "***"
            || clean.as_str().contains(secret)
            || given.matches(secret).count() == 0
        {
            continue;
        }
        for shown in [&v.raw, &v.normalized].into_iter().flatten() {
            assert!(
                !shown.contains(secret),
                "credential {secret:?} of {given:?} shown in {v:?}"
            );
        }
    }
}

/// What must hold of every target the engine allows under `grant`.
fn check_target(fx: &Fixture, grant: &Grant, t: &HttpTarget, what: &str) {
    let ctx = || format!("[{}] {what}: {}", fx.name, t.url.as_str());
    let url = &t.url;
    assert_eq!(url.scheme(), t.scheme.as_str(), "{}", ctx());
    assert!(
        url.username().is_empty() && url.password().is_none(),
        "credentials allowed: {}",
        ctx()
    );
    assert!(url.fragment().is_none(), "fragment kept: {}", ctx());
    assert_eq!(url.port_or_known_default(), Some(t.port), "{}", ctx());
    let url_host = url.host().map(Host::from_url_host);
    assert_eq!(
        url_host,
        Some(Ok(t.host.clone())),
        "URL host and target host differ: {}",
        ctx()
    );
    match (&t.host, url.host()) {
        (Host::Domain(d), _) => {
            assert_eq!(
                url.host_str(),
                Some(d.as_str()),
                "host not normalized in the URL: {}",
                ctx()
            )
        }
        (Host::Ip(IpAddr::V4(a)), Some(url::Host::Ipv4(b))) => assert_eq!(*a, b, "{}", ctx()),
        (Host::Ip(IpAddr::V6(a)), Some(url::Host::Ipv6(b))) => assert_eq!(*a, b, "{}", ctx()),
        (Host::Ip(ip), h) => panic!("address {ip} given to the provider as {h:?}: {}", ctx()),
    }
    assert!(grant.allows_host(&t.host), "host not granted: {}", ctx());
    assert!(
        grant.allows_endpoint(t.scheme, t.port),
        "endpoint not granted: {}",
        ctx()
    );
    if grant.path_prefixes().is_some() {
        assert!(grant.allows_path(url.path()), "path not granted: {}", ctx());
        assert!(
            !has_encoded_separator(url.path()),
            "encoded separator allowed: {}",
            ctx()
        );
        assert!(
            !has_parameterized_dot_segment(url.path()),
            "`..;` segment allowed: {}",
            ctx()
        );
        // However a server decodes and normalizes the path, it stays under a granted prefix.
        let prefixes = grant.path_prefixes().unwrap_or_default();
        for m in server_models::models() {
            let read = server_models::read(&m, url.path());
            assert!(
                prefixes.iter().any(|p| server_models::under(p, &read)),
                "{m:?} reads the path as {read:?}: {}",
                ctx()
            );
        }
    }
    match &t.host {
        Host::Ip(ip) => assert!(
            special_purpose(*ip).is_none() || grant.names_ip(*ip),
            "special-purpose address allowed without being named: {}",
            ctx()
        ),
        h if h.is_localhost_name() => assert!(
            grant.names_ip(LOOPBACK) || grant.names_ip(IpAddr::V6(Ipv6Addr::LOCALHOST)),
            "localhost allowed without a grant naming loopback: {}",
            ctx()
        ),
        Host::Domain(_) => {}
    }
    if fx.domain_constrained {
        let set = grant.hosts().expect("the fixture constrains domains");
        assert!(
            set.contains(&t.host),
            "host outside the domain set: {}",
            ctx()
        );
        assert_eq!(t.scheme, Scheme::Https, "{}", ctx());
        assert_eq!(t.port, 443, "{}", ctx());
    }
}

/// Resolved addresses: an IP literal connects to itself; a name needs every answer to be allowed.
fn check_addresses(e: &EnforcedCall, grant: &Grant, t: &HttpTarget) {
    let ctx = || format!("addresses for {}", t.url.as_str());
    match &t.host {
        Host::Ip(ip) => {
            let want = vec![SocketAddr::new(*ip, t.port)];
            assert_eq!(
                e.check_addresses(&[LOOPBACK]).ok(),
                Some(want.clone()),
                "{}",
                ctx()
            );
            assert_eq!(e.check_addresses(&[]).ok(), Some(want), "{}", ctx());
        }
        Host::Domain(_) => {
            let none = e
                .check_addresses(&[])
                .expect_err("no address resolves nothing");
            assert_eq!(none.code, ViolationCode::ResolutionFailed, "{}", ctx());
            assert_eq!(
                e.check_addresses(&[PUBLIC]).ok(),
                Some(vec![SocketAddr::new(PUBLIC, t.port)]),
                "{}",
                ctx()
            );
            let private = e.check_addresses(&[PUBLIC, PRIVATE]);
            assert_eq!(
                private.is_ok(),
                grant.names_ip(PRIVATE),
                "{}: {private:?}",
                ctx()
            );
            let mapped = e.check_addresses(&[MAPPED_LOOPBACK, PUBLIC]);
            assert_eq!(
                mapped.is_ok(),
                grant.names_ip(LOOPBACK),
                "{}: {mapped:?}",
                ctx()
            );
            if let Ok(a) = mapped {
                assert_eq!(
                    a[0],
                    SocketAddr::new(LOOPBACK, t.port),
                    "mapped address kept: {}",
                    ctx()
                );
            }
            if let Err(v) = private {
                assert_eq!(v.code, ViolationCode::PrivateAddress, "{}", ctx());
            }
        }
    }
}

fn check_url_in(fx: &Fixture, tool: &str, method: &str, url: &str, location: &str, now: Instant) {
    let scope = &fx.scope;
    let a = args(tool, url, method);
    let first = validate_tool_policy(scope, &Call::new(tool, &a).at(now));
    let e = match first {
        Ok(e) => e,
        Err(v) => {
            if let Ok(u) = url::Url::parse(url) {
                check_redacted(url, &u, &v);
            }
            return;
        }
    };
    let grant = scope
        .effective()
        .get(tool)
        .expect("an allowed tool is granted");
    let t = e.http.as_ref().expect("an allowed HTTP call has a target");
    check_target(fx, grant, t, "allowed");

    // Normalization is idempotent: the normalized URL is allowed and normalizes to itself.
    let a2 = args(tool, t.url.as_str(), method);
    let again = validate_tool_policy(scope, &Call::new(tool, &a2).at(now));
    match &again {
        Ok(e2) => assert_eq!(
            e2.http.as_ref(),
            Some(t),
            "[{}] re-normalization of {url:?}",
            fx.name
        ),
        Err(v) => panic!(
            "[{}] {url:?} allowed as {} but its normalized form is denied: {v:?}",
            fx.name, t.url
        ),
    }

    check_addresses(&e, grant, t);

    // A redirect is decided exactly like a direct call to the joined URL.
    let next = e.follow_redirect(location, now);
    let joined = t.url.join(location);
    match (&next, &joined) {
        (Ok(n), Ok(j)) => {
            assert_eq!(n.redirects, 1);
            let nt = n.http.as_ref().expect("a redirect has a target");
            check_target(fx, grant, nt, "redirect");
            let aj = args(tool, j.as_str(), method);
            let direct = validate_tool_policy(scope, &Call::new(tool, &aj).at(now));
            match direct {
                Ok(d) => assert_eq!(
                    d.http.as_ref(),
                    Some(nt),
                    "[{}] redirect {location:?} from {}",
                    fx.name,
                    t.url
                ),
                Err(v) => panic!(
                    "[{}] redirect {location:?} from {} allowed as {}, direct call denied: {v:?}",
                    fx.name, t.url, nt.url
                ),
            }
            // Hops are counted: the (MAX_REDIRECTS + 1)th is refused.
            let mut hop = n.clone();
            for i in 2..=MAX_REDIRECTS + 1 {
                match hop.follow_redirect(location, now) {
                    Ok(h) => {
                        assert!(i <= MAX_REDIRECTS, "[{}] redirect {i} allowed", fx.name);
                        assert_eq!(h.redirects, i);
                        hop = h;
                    }
                    Err(v) => {
                        assert_eq!(
                            i,
                            MAX_REDIRECTS + 1,
                            "[{}] hop {i} of {location:?} denied: {v:?}",
                            fx.name
                        );
                        assert_eq!(v.code, ViolationCode::RedirectNotGranted);
                        assert_eq!(v.cause, Some(ViolationCode::TooManyRedirects));
                    }
                }
            }
        }
        (Ok(n), Err(_)) => panic!(
            "[{}] redirect {location:?} allowed although it does not join: {n:?}",
            fx.name
        ),
        (Err(v), Ok(j)) => {
            assert_eq!(v.code, ViolationCode::RedirectNotGranted, "{v:?}");
            check_redacted(location, j, v);
            let aj = args(tool, j.as_str(), method);
            let direct = validate_tool_policy(scope, &Call::new(tool, &aj).at(now));
            if let Ok(d) = direct {
                panic!(
                    "[{}] redirect {location:?} from {} denied ({v:?}) but a direct call to {} is allowed: {:?}",
                    fx.name, t.url, j, d.http
                );
            }
        }
        (Err(v), Err(_)) => {
            assert_eq!(v.code, ViolationCode::RedirectNotGranted, "{v:?}");
            assert_eq!(v.cause, Some(ViolationCode::InvalidUrl), "{v:?}");
        }
    }
}

/// Host and pattern parsing: normalization is a fixed point, and a pattern matches the host it names.
fn check_host_parsing(s: &str) {
    let host = Host::parse(s);
    if let Ok(h) = &host {
        assert_eq!(
            Host::parse(&h.to_string()).as_ref(),
            Ok(h),
            "host {s:?} does not reparse"
        );
    }
    if let Ok(p) = HostPattern::parse(s) {
        let shown = p.to_string();
        assert_eq!(
            HostPattern::parse(&shown).ok().as_ref(),
            Some(&p),
            "pattern {s:?} shown as {shown:?}"
        );
        if let (Ok(h), HostPattern::Exact(_) | HostPattern::Net(_)) = (&host, &p) {
            assert!(
                p.matches(h),
                "pattern {p:?} from {s:?} does not match host {h:?}"
            );
        }
        if let HostPattern::Wildcard(suffix) = &p {
            if let Ok(below) = Host::parse(&format!("x.{suffix}")) {
                assert!(p.matches(&below), "{p:?} does not match x.{suffix}");
            }
            let apex = Host::parse(suffix).expect("a wildcard suffix parses");
            assert!(!p.matches(&apex), "{p:?} matches its apex");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (url, location) = text.split_once('\n').unwrap_or((&text, &text));
    check_host_parsing(url);
    if location != url {
        check_host_parsing(location);
    }
    let method = ["GET", "post", "DELETE", "brew"][data.len() % 4];
    let now = Instant::now();
    for fx in FIXTURES.iter() {
        for tool in ["http.get", "http.request"] {
            check_url_in(fx, tool, method, url, location, now);
        }
    }
});
