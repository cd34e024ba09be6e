//! A real HTTP client (reqwest) driven by the engine's decisions against real servers on loopback:
//! it connects to exactly the addresses that were checked (a rebinding resolver cannot move it), every
//! redirect hop is re-checked, and the response size cap is enforced while reading.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use lumen_capability::{
    Call, EnforcedCall, GrantSet, Resolver, Scope, Violation, ViolationCode, validate_tool_policy,
};
use serde_json::json;
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// Answers `svc.test` with 127.0.0.1 the first time and 127.0.0.2 afterwards (a DNS rebinding
/// attacker), and `evil.test` with 127.0.0.1.
struct RebindingResolver {
    calls: AtomicUsize,
}

impl Resolver for RebindingResolver {
    fn resolve(&self, host: &str, _port: u16) -> std::io::Result<Vec<IpAddr>> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        match host {
            "svc.test" if n == 0 => Ok(vec![IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1))]),
            "svc.test" => Ok(vec![IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2))]),
            "evil.test" => Ok(vec![IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1))]),
            _ => Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no such host",
            )),
        }
    }
}

struct Servers {
    port: u16,
    hits_a: Arc<AtomicUsize>,
    hits_b: Arc<AtomicUsize>,
    _rt: tokio::runtime::Runtime,
}

/// Server A on 127.0.0.1:PORT and server B on 127.0.0.2:PORT (same port, different address).
fn start_servers() -> Servers {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let hits_a = Arc::new(AtomicUsize::new(0));
    let hits_b = Arc::new(AtomicUsize::new(0));
    let (la, lb) = rt.block_on(async {
        // Retry until 127.0.0.2 can bind the port 127.0.0.1 got.
        loop {
            let la = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = la.local_addr().unwrap().port();
            if let Ok(lb) = tokio::net::TcpListener::bind(("127.0.0.2", port)).await {
                return (la, lb);
            }
        }
    });
    let port = la.local_addr().unwrap().port();
    let ha = hits_a.clone();
    let app_a = Router::new()
        .route("/", get(|| async { "server A" }))
        .route(
            "/redirect-evil",
            get(move || async move {
                (
                    StatusCode::FOUND,
                    [(header::LOCATION, format!("http://evil.test:{port}/"))],
                )
                    .into_response()
            }),
        )
        .route(
            "/redirect-metadata",
            get(|| async {
                (
                    StatusCode::FOUND,
                    [(header::LOCATION, "http://169.254.169.254/latest/meta-data/")],
                )
                    .into_response()
            }),
        )
        .route(
            "/redirect-ok",
            get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/final")]).into_response() }),
        )
        .route("/final", get(|| async { "final" }))
        .route("/big", get(|| async { vec![b'x'; 1 << 20] }))
        .layer(axum::middleware::from_fn(
            move |req, next: axum::middleware::Next| {
                let ha = ha.clone();
                async move {
                    ha.fetch_add(1, Ordering::SeqCst);
                    next.run(req).await
                }
            },
        ));
    let hb = hits_b.clone();
    let app_b = Router::new().fallback(get(move || {
        let hb = hb.clone();
        async move {
            hb.fetch_add(1, Ordering::SeqCst);
            "server B"
        }
    }));
    rt.spawn(async move { axum::serve(la, app_a).await });
    rt.spawn(async move { axum::serve(lb, app_b).await });
    Servers {
        port,
        hits_a,
        hits_b,
        _rt: rt,
    }
}

fn scope(port: u16, extra: serde_json::Value) -> Scope {
    let mut grant = json!({
        // The service's name, and its address named explicitly (loopback is refused otherwise).
        "domain": ["svc.test", "127.0.0.1"],
        "scheme": "http",
        "port": port,
        "timeout_ms": 5000,
    });
    grant
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let grants = GrantSet::from_json(&json!({ "http.get": grant })).unwrap();
    Scope::root("app", &grants).unwrap()
}

/// What a tool provider does: resolve through the engine, pin the checked addresses, follow
/// redirects only through `follow_redirect`, and cap the body while reading.
fn provider_get(
    scope: &Scope,
    url: &str,
    resolver: &dyn Resolver,
) -> Result<(String, SocketAddr), Box<Violation>> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args = json!({ "url": url });
    let mut call: EnforcedCall = validate_tool_policy(scope, &Call::new("http.get", &args))?;
    loop {
        let addrs = call.resolve(resolver)?;
        let target = call.http.clone().unwrap();
        let mut builder = reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(call.time_left(Instant::now()).unwrap());
        if let lumen_capability::Host::Domain(d) = &target.host {
            builder = builder.resolve_to_addrs(d, &addrs);
        }
        let client = builder.build().unwrap();
        let mut resp = client.get(target.url.clone()).send().unwrap();
        if resp.status().is_redirection() {
            let loc = resp.headers()[header::LOCATION.as_str()]
                .to_str()
                .unwrap()
                .to_owned();
            call = call.follow_redirect(&loc, Instant::now())?;
            continue;
        }
        let mut body = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            let n = resp.read(&mut chunk).unwrap();
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
            call.check_response_size(body.len() as u64)?;
        }
        return Ok((String::from_utf8(body).unwrap(), addrs[0]));
    }
}

#[test]
fn the_client_connects_to_the_checked_address_even_when_dns_rebinds() {
    let s = start_servers();
    let scope = scope(s.port, json!({}));
    let resolver = RebindingResolver {
        calls: AtomicUsize::new(0),
    };
    let url = format!("http://svc.test:{}/", s.port);
    let (body, addr) = provider_get(&scope, &url, &resolver).unwrap();
    assert_eq!(body, "server A");
    assert_eq!(addr, SocketAddr::from(([127, 0, 0, 1], s.port)));
    assert_eq!(
        s.hits_b.load(Ordering::SeqCst),
        0,
        "server B must never be contacted"
    );

    // The rebound answer (127.0.0.2) is not named by the grant: a second call is refused before
    // any connection is made.
    let err = provider_get(&scope, &url, &resolver).unwrap_err();
    assert_eq!(err.code, ViolationCode::PrivateAddress);
    assert_eq!(err.normalized.as_deref(), Some("127.0.0.2"));
    assert_eq!(
        s.hits_b.load(Ordering::SeqCst),
        0,
        "server B must never be contacted"
    );
}

#[test]
fn a_redirect_to_an_ungranted_host_is_refused_before_it_is_followed() {
    let s = start_servers();
    let scope = scope(s.port, json!({}));
    let resolver = RebindingResolver {
        calls: AtomicUsize::new(0),
    };
    let err = provider_get(
        &scope,
        &format!("http://127.0.0.1:{}/redirect-evil", s.port),
        &resolver,
    )
    .unwrap_err();
    assert_eq!(err.code, ViolationCode::RedirectNotGranted);
    assert_eq!(err.cause, Some(ViolationCode::DomainNotGranted));
    assert_eq!(err.normalized.as_deref(), Some("evil.test"));
    assert_eq!(
        s.hits_a.load(Ordering::SeqCst),
        1,
        "only the redirecting request reached a server"
    );

    let err = provider_get(
        &scope,
        &format!("http://127.0.0.1:{}/redirect-metadata", s.port),
        &resolver,
    )
    .unwrap_err();
    assert_eq!(err.code, ViolationCode::RedirectNotGranted);
    assert!(
        matches!(
            err.cause,
            Some(ViolationCode::DomainNotGranted | ViolationCode::PrivateAddress)
        ),
        "{err}"
    );
}

#[test]
fn a_granted_redirect_is_followed_and_rechecked() {
    let s = start_servers();
    let scope = scope(s.port, json!({}));
    let resolver = RebindingResolver {
        calls: AtomicUsize::new(0),
    };
    let (body, _) = provider_get(
        &scope,
        &format!("http://127.0.0.1:{}/redirect-ok", s.port),
        &resolver,
    )
    .unwrap();
    assert_eq!(body, "final");
    assert_eq!(s.hits_a.load(Ordering::SeqCst), 2);
}

#[test]
fn the_response_size_cap_stops_the_read() {
    let s = start_servers();
    let scope = scope(s.port, json!({ "max_bytes": 1000 }));
    let resolver = RebindingResolver {
        calls: AtomicUsize::new(0),
    };
    let err = provider_get(
        &scope,
        &format!("http://127.0.0.1:{}/big", s.port),
        &resolver,
    )
    .unwrap_err();
    assert_eq!(err.code, ViolationCode::ResponseTooLarge);
    let (body, _) =
        provider_get(&scope, &format!("http://127.0.0.1:{}/", s.port), &resolver).unwrap();
    assert_eq!(body, "server A");
}
