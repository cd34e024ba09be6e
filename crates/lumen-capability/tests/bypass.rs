//! probe
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use lumen_capability::{Call, GrantSet, Scope, validate_tool_policy};
use serde_json::json;

fn show(label: &str, scope: &Scope, url: &str) {
    let args = json!({"url": url});
    match validate_tool_policy(scope, &Call::new("http.get", &args)) {
        Ok(e) => { let t = e.http.unwrap(); println!("{label} {url:?} => OK {} host={} port={}", t.url, t.host, t.port) }
        Err(v) => println!("{label} {url:?} => {:?} norm={:?} raw={:?}", v.code, v.normalized, v.raw),
    }
}

#[test]
fn probe() {
    let dom = Scope::root("root", &GrantSet::from_json(&json!({"http.get": {"domain": ["api.example.com", "*.cdn.example.com"]}})).unwrap()).unwrap();
    let any = Scope::root("root", &GrantSet::from_json(&json!({"http.get": {}})).unwrap()).unwrap();
    let urls: Vec<String> = std::fs::read_to_string("/tmp/probe_urls.txt").unwrap().lines().map(|l| l.replace("\\t", "\t").replace("\\n", "\n")).collect();
    for u in &urls { show("DOM", &dom, u); show("ANY", &any, u); }
}
