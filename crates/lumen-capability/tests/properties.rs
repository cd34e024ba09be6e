//! Property tests of the capability engine: intersection never widens and is a meet, budgets hold across scope trees, equivalent host spellings get one decision, deadlines propagate, and the audit never shows an argument value.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use lumen_capability::audit::AuditError;
use lumen_capability::{
    AuditEvent, AuditSink, Call, EnforcedCall, Grant, GrantSet, JsonLinesAudit, RootOptions, Scope,
    Violation, ViolationCode, validate_tool_policy,
};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use serde_json::{Map, Value, json};
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// Configuration and helpers
// ---------------------------------------------------------------------------------------------

/// A proptest configuration with `cases` cases that writes no regression files next to the sources.
fn cfg(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// The `domain` patterns grants are drawn from: exact names, wildcards, addresses and ranges.
const DOMAIN_PATTERNS: &[&str] = &[
    "example.com",
    "example.org",
    "a.example.com",
    "b.example.com",
    "a.b.example.com",
    "a.example.org",
    "c.example.org",
    "*.example.com",
    "*.example.org",
    "*.a.example.com",
    "*.b.example.com",
    "*.a.example.org",
    "10.0.0.0/8",
    "10.1.0.0/16",
    "10.1.2.3",
    "192.168.0.0/16",
    "::1",
];

/// The hosts requests go to (URL spelling): inside, beside and outside the pattern universe.
const REQUEST_HOSTS: &[&str] = &[
    "a.example.com",
    "b.example.com",
    "c.example.com",
    "a.b.example.com",
    "b.a.example.com",
    "c.a.example.com",
    "example.com",
    "example.org",
    "a.example.org",
    "b.a.example.org",
    "evilexample.com",
    "aexample.org",
    "example.com.evil.test",
    "10.1.2.3",
    "10.2.0.1",
    "10.1.200.7",
    "192.168.1.1",
    "93.184.216.34",
    "[::1]",
];

const REQUEST_PATHS: &[&str] = &[
    "/", "/a", "/a/", "/a/b", "/a/b/c", "/ab", "/b", "/b/x", "/c", "/a/./b", "/a/../b",
];

const MODELS: &[&str] = &["m1", "m2", "m3"];

const SECRET: &str = "S3CR3T-d0-not-log";

fn grant(tool: &str, spec: &Value) -> Grant {
    Grant::from_json(tool, spec).unwrap_or_else(|e| panic!("bad generated grant {spec}: {e}"))
}

fn set_of(grants: impl IntoIterator<Item = Grant>) -> GrantSet {
    let mut s = GrantSet::new();
    for g in grants {
        s.insert(g).unwrap();
    }
    s
}

fn root_of(g: &Grant) -> Scope {
    Scope::root("root", &set_of([g.clone()])).unwrap()
}

fn run(
    scope: &Scope,
    tool: &str,
    args: &Value,
    now: Instant,
) -> Result<EnforcedCall, Box<Violation>> {
    validate_tool_policy(scope, &Call::new(tool, args).at(now))
}

/// The decision reduced to what must agree between equivalent situations.
fn code(r: &Result<EnforcedCall, Box<Violation>>) -> Option<ViolationCode> {
    r.as_ref().err().map(|v| v.code)
}

// ---------------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------------

/// Random constraints for an HTTP grant (`http.get` and friends), as the JSON table a policy holds.
fn http_grant() -> impl Strategy<Value = Value> {
    (
        option::of(subsequence(DOMAIN_PATTERNS.to_vec(), 1..=4)),
        option::of(subsequence(vec!["http", "https"], 1..=2)),
        option::of(subsequence(vec![80u16, 443, 8443], 1..=3)),
        option::of(subsequence(vec!["GET", "HEAD", "POST"], 1..=2)),
        option::of(subsequence(vec!["/", "/a", "/a/b", "/b"], 1..=2)),
        option::of(prop_oneof![Just(250u64), Just(5_000)]),
        option::of(0u64..4),
        option::of(prop_oneof![Just(1_024u64), Just(1_048_576)]),
    )
        .prop_map(
            |(domain, scheme, port, method, path, timeout, calls, bytes)| {
                let mut m = Map::new();
                if let Some(v) = domain {
                    m.insert("domain".into(), json!(v));
                }
                if let Some(v) = scheme {
                    m.insert("scheme".into(), json!(v));
                }
                if let Some(v) = port {
                    m.insert("port".into(), json!(v));
                }
                if let Some(v) = method {
                    m.insert("method".into(), json!(v));
                }
                if let Some(v) = path {
                    m.insert("path_prefix".into(), json!(v));
                }
                if let Some(v) = timeout {
                    m.insert("timeout_ms".into(), json!(v));
                }
                if let Some(v) = calls {
                    m.insert("max_calls".into(), json!(v));
                }
                if let Some(v) = bytes {
                    m.insert("max_bytes".into(), json!(v));
                }
                Value::Object(m)
            },
        )
}

/// Random constraints for an `llm.chat` grant.
fn llm_grant() -> impl Strategy<Value = Value> {
    (
        option::of(subsequence(MODELS.to_vec(), 1..=3)),
        option::of(prop_oneof![Just(64u64), Just(256), Just(1_024)]),
        option::of(prop_oneof![Just(250u64), Just(5_000)]),
        option::of(0u64..4),
    )
        .prop_map(|(model, tokens, timeout, calls)| {
            let mut m = Map::new();
            if let Some(v) = model {
                m.insert("model".into(), json!(v));
            }
            if let Some(v) = tokens {
                m.insert("max_tokens".into(), json!(v));
            }
            if let Some(v) = timeout {
                m.insert("timeout_ms".into(), json!(v));
            }
            if let Some(v) = calls {
                m.insert("max_calls".into(), json!(v));
            }
            Value::Object(m)
        })
}

#[derive(Debug, Clone)]
struct HttpReq {
    scheme: &'static str,
    host: String,
    port: Option<u16>,
    path: &'static str,
}

impl HttpReq {
    fn url_with_host(&self, host: &str) -> String {
        let port = self.port.map(|p| format!(":{p}")).unwrap_or_default();
        format!("{}://{host}{port}{}", self.scheme, self.path)
    }
    fn url(&self) -> String {
        self.url_with_host(&self.host)
    }
    fn args(&self) -> Value {
        json!({ "url": self.url() })
    }
}

fn http_req_on(hosts: &'static [&'static str]) -> impl Strategy<Value = HttpReq> {
    (
        select(vec!["http", "https"]),
        select(hosts.to_vec()),
        prop_oneof![
            2 => Just(None),
            1 => select(vec![80u16, 443, 8443, 8080]).prop_map(Some),
        ],
        select(REQUEST_PATHS.to_vec()),
    )
        .prop_map(|(scheme, host, port, path)| HttpReq {
            scheme,
            host: host.to_owned(),
            port,
            path,
        })
}

fn http_req() -> impl Strategy<Value = HttpReq> {
    http_req_on(REQUEST_HOSTS)
}

#[derive(Debug, Clone)]
struct LlmReq {
    model: Option<&'static str>,
    max_tokens: Option<u64>,
}

impl LlmReq {
    fn args(&self) -> Value {
        let mut m = Map::new();
        if let Some(x) = self.model {
            m.insert("model".into(), json!(x));
        }
        if let Some(x) = self.max_tokens {
            m.insert("max_tokens".into(), json!(x));
        }
        Value::Object(m)
    }
}

fn llm_req() -> impl Strategy<Value = LlmReq> {
    (
        option::of(select(vec!["m1", "m2", "m3", "m4"])),
        option::of(select(vec![1u64, 64, 100, 256, 2_000])),
    )
        .prop_map(|(model, max_tokens)| LlmReq { model, max_tokens })
}

// ---------------------------------------------------------------------------------------------
// 2. Intersection never widens
// ---------------------------------------------------------------------------------------------

/// Checks, for one tool and one request, that the meet of two roots and a child of a root never
/// allow what a side forbids, and that the child's effective grant is `B ∩ A.as_root()`.
/// The call as it will be made: the arguments with what the engine decided filled in (a grant that
/// allows exactly one model supplies it when the call names none). "Never widens" is about that call.
fn as_enforced(args: &Value, e: &EnforcedCall) -> Value {
    let mut out = args.clone();
    if let (Some(m), Some(map)) = (&e.model, out.as_object_mut()) {
        map.insert("model".into(), Value::from(m.as_str()));
    }
    out
}

fn check_never_widens(tool: &str, a: &Grant, b: &Grant, args: &Value) -> Result<(), TestCaseError> {
    let now = Instant::now();
    // Roots: every side gets the root defaults (https on 443) before the comparison.
    let ab = a.as_root().intersect(&b.as_root()).unwrap();
    let d_ab = run(&root_of(&ab), tool, args, now);
    if let Ok(e) = &d_ab {
        let made = as_enforced(args, e);
        let d_a = run(&root_of(a), tool, &made, now);
        let d_b = run(&root_of(b), tool, &made, now);
        prop_assert!(
            d_a.is_ok(),
            "A∩B allows {made} but A alone denies it with {:?}",
            code(&d_a)
        );
        prop_assert!(
            d_b.is_ok(),
            "A∩B allows {made} but B alone denies it with {:?}",
            code(&d_b)
        );
    }
    // The module documents the intersection as exact: a call both allow (as the same call), the
    // meet allows.
    let d_a = run(&root_of(a), tool, args, now);
    let d_b = run(&root_of(b), tool, args, now);
    if let (Ok(ea), Ok(eb)) = (&d_a, &d_b)
        && ea.model == eb.model
    {
        let made = as_enforced(args, ea);
        let d_ab = run(&root_of(&ab), tool, &made, now);
        prop_assert!(
            d_ab.is_ok(),
            "A and B both allow {made} but A∩B denies it with {:?}",
            code(&d_ab)
        );
    }

    // A child declaring B under a root declaring A.
    let parent = root_of(a);
    let child = parent.child("c", &set_of([b.clone()])).unwrap();
    let expected = b.intersect(&a.as_root());
    prop_assert_eq!(child.effective().get(tool), expected.as_ref());
    let d_child = run(&child, tool, args, now);
    if let Ok(e) = &d_child {
        let d_parent = run(&root_of(a), tool, &as_enforced(args, e), now);
        prop_assert!(
            d_parent.is_ok(),
            "the child allows {args} but its parent (root A) denies it with {:?}",
            code(&d_parent)
        );
    }
    // Same effective grant (and fresh budgets) ⇒ same decision as a root holding B ∩ A.as_root().
    let d_flat = run(&root_of(&expected.unwrap()), tool, args, now);
    prop_assert_eq!(code(&d_child), code(&d_flat));
    Ok(())
}

proptest! {
    #![proptest_config(cfg(384))]

    #[test]
    fn http_intersection_never_widens(
        a in http_grant(),
        b in http_grant(),
        reqs in vec(http_req(), 1..10),
    ) {
        let (ga, gb) = (grant("http.get", &a), grant("http.get", &b));
        for r in &reqs {
            check_never_widens("http.get", &ga, &gb, &r.args())?;
        }
    }

    #[test]
    fn llm_intersection_never_widens(
        a in llm_grant(),
        b in llm_grant(),
        reqs in vec(llm_req(), 1..10),
    ) {
        let (ga, gb) = (grant("llm.chat", &a), grant("llm.chat", &b));
        for r in &reqs {
            check_never_widens("llm.chat", &ga, &gb, &r.args())?;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Intersection is commutative, associative and idempotent
// ---------------------------------------------------------------------------------------------

fn check_meet(a: &Grant, b: &Grant, c: &Grant) -> Result<(), TestCaseError> {
    let i = |x: &Grant, y: &Grant| x.intersect(y).unwrap();
    prop_assert_eq!(i(a, b), i(b, a), "commutativity");
    prop_assert_eq!(i(&i(a, b), c), i(a, &i(b, c)), "associativity");
    prop_assert_eq!(&i(a, a), a, "idempotence");
    // The same on roots (defaults filled in), which is what scopes hold.
    let (ra, rb, rc) = (a.as_root(), b.as_root(), c.as_root());
    prop_assert_eq!(i(&ra, &rb), i(&rb, &ra), "commutativity of roots");
    prop_assert_eq!(
        i(&i(&ra, &rb), &rc),
        i(&ra, &i(&rb, &rc)),
        "associativity of roots"
    );
    prop_assert_eq!(&i(&ra, &ra), &ra, "idempotence of roots");
    // A root is below the grant it came from, and the meet is below both sides.
    prop_assert_eq!(&i(a, &ra), &ra, "as_root only narrows");
    prop_assert_eq!(&i(&i(a, b), a), &i(a, b), "absorption");
    Ok(())
}

fn grant_set() -> impl Strategy<Value = (Option<Value>, Option<Value>, Option<Value>)> {
    (
        option::of(http_grant()),
        option::of(llm_grant()),
        option::of(http_grant()),
    )
}

fn build_set(s: &(Option<Value>, Option<Value>, Option<Value>)) -> GrantSet {
    let mut out = Vec::new();
    if let Some(v) = &s.0 {
        out.push(grant("http.get", v));
    }
    if let Some(v) = &s.1 {
        out.push(grant("llm.chat", v));
    }
    if let Some(v) = &s.2 {
        out.push(grant("http.post", v));
    }
    set_of(out)
}

proptest! {
    #![proptest_config(cfg(512))]

    #[test]
    fn http_intersection_is_a_meet(a in http_grant(), b in http_grant(), c in http_grant()) {
        check_meet(
            &grant("http.get", &a),
            &grant("http.get", &b),
            &grant("http.get", &c),
        )?;
    }

    #[test]
    fn llm_intersection_is_a_meet(a in llm_grant(), b in llm_grant(), c in llm_grant()) {
        check_meet(
            &grant("llm.chat", &a),
            &grant("llm.chat", &b),
            &grant("llm.chat", &c),
        )?;
    }

    #[test]
    fn grant_set_intersection_is_a_meet(a in grant_set(), b in grant_set(), c in grant_set()) {
        let (a, b, c) = (build_set(&a), build_set(&b), build_set(&c));
        prop_assert_eq!(a.intersect(&b), b.intersect(&a));
        prop_assert_eq!(a.intersect(&b).intersect(&c), a.intersect(&b.intersect(&c)));
        prop_assert_eq!(&a.intersect(&a), &a);
        // Only tools granted on both sides survive.
        let ab = a.intersect(&b);
        for g in ab.iter() {
            let t = g.tool().as_str();
            prop_assert!(a.get(t).is_some() && b.get(t).is_some());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Budgets across a tree
// ---------------------------------------------------------------------------------------------

const MAX_DEPTH: usize = 4;
const MAX_FANOUT: usize = 3;

#[derive(Debug, Clone)]
struct TreeSpec {
    root_max: Option<u64>,
    /// For each further node: a choice of parent (modulo the eligible nodes) and its `max_calls`.
    nodes: Vec<(usize, Option<u64>)>,
    /// The node each call is made at (modulo the node count).
    calls: Vec<usize>,
}

fn tree_spec() -> impl Strategy<Value = TreeSpec> {
    (
        option::of(0u64..5),
        vec((0usize..64, option::of(0u64..5)), 0..14),
        vec(0usize..64, 0..=60),
    )
        .prop_map(|(root_max, nodes, calls)| TreeSpec {
            root_max,
            nodes,
            calls,
        })
}

struct ModelNode {
    scope: Scope,
    path: String,
    parent: Option<usize>,
    depth: usize,
    children: usize,
    max: Option<u64>,
    remaining: Option<u64>,
    passed: u64,
}

fn http_decl(max_calls: Option<u64>) -> GrantSet {
    let spec = match max_calls {
        Some(n) => json!({ "max_calls": n }),
        None => json!({}),
    };
    set_of([grant("http.get", &spec)])
}

/// The path from `i` to the root, innermost first.
fn path_up(nodes: &[ModelNode], i: usize) -> Vec<usize> {
    std::iter::successors(Some(i), |&j| nodes[j].parent).collect()
}

fn model_remaining(nodes: &[ModelNode], i: usize) -> Option<u64> {
    path_up(nodes, i)
        .into_iter()
        .filter_map(|j| nodes[j].remaining)
        .min()
}

proptest! {
    #![proptest_config(cfg(384))]

    #[test]
    fn budgets_hold_across_a_tree(spec in tree_spec()) {
        let root = Scope::root("root", &http_decl(spec.root_max)).unwrap();
        let mut nodes = vec![ModelNode {
            scope: root,
            path: "root".into(),
            parent: None,
            depth: 1,
            children: 0,
            max: spec.root_max,
            remaining: spec.root_max,
            passed: 0,
        }];
        for (k, (choice, max)) in spec.nodes.iter().enumerate() {
            let eligible: Vec<usize> = (0..nodes.len())
                .filter(|&j| nodes[j].depth < MAX_DEPTH && nodes[j].children < MAX_FANOUT)
                .collect();
            if eligible.is_empty() {
                break;
            }
            let p = eligible[choice % eligible.len()];
            let name = format!("n{k}");
            let scope = nodes[p].scope.child(&name, &http_decl(*max)).unwrap();
            let path = format!("{}/{name}", nodes[p].path);
            prop_assert_eq!(scope.path(), path.as_str());
            nodes[p].children += 1;
            let depth = nodes[p].depth + 1;
            nodes.push(ModelNode {
                scope,
                path,
                parent: Some(p),
                depth,
                children: 0,
                max: *max,
                remaining: *max,
                passed: 0,
            });
        }
        let args = json!({ "url": "https://api.example.com/v1" });
        let now = Instant::now();
        for &c in &spec.calls {
            let at = c % nodes.len();
            let up = path_up(&nodes, at);
            let exhausted: Vec<String> = up
                .iter()
                .filter(|&&j| nodes[j].remaining == Some(0))
                .map(|&j| nodes[j].path.clone())
                .collect();
            let got = run(&nodes[at].scope, "http.get", &args, now);
            if exhausted.is_empty() {
                let e = got.map_err(|v| {
                    TestCaseError::fail(format!("call at {} denied: {v}", nodes[at].path))
                })?;
                for &j in &up {
                    nodes[j].passed += 1;
                    if let Some(r) = &mut nodes[j].remaining {
                        *r -= 1;
                    }
                }
                prop_assert_eq!(e.remaining_calls, model_remaining(&nodes, at));
            } else {
                let v = match got {
                    Ok(_) => {
                        return Err(TestCaseError::fail(format!(
                            "call at {} allowed although {exhausted:?} are exhausted",
                            nodes[at].path
                        )));
                    }
                    Err(v) => v,
                };
                prop_assert_eq!(v.code, ViolationCode::BudgetExhausted);
                prop_assert_eq!(&v.decided_by, &exhausted);
            }
            for (j, n) in nodes.iter().enumerate() {
                prop_assert_eq!(n.scope.remaining_calls("http.get"), model_remaining(&nodes, j));
            }
        }
        for n in &nodes {
            if let Some(max) = n.max {
                prop_assert!(n.passed <= max, "{} passed {} calls with max_calls {max}", n.path, n.passed);
            }
        }
        if let Some(max) = spec.root_max {
            prop_assert!(nodes[0].passed <= max);
        }
    }
}

#[test]
fn concurrent_siblings_share_the_root_budget_exactly() {
    const THREADS: usize = 8;
    const ATTEMPTS: usize = 40;
    for round in 0..10 {
        for child_max in [None, Some(20u64)] {
            let root = Scope::root("root", &http_decl(Some(100))).unwrap();
            let children: Vec<Scope> = (0..THREADS)
                .map(|i| root.child(&format!("c{i}"), &http_decl(child_max)).unwrap())
                .collect();
            let args = json!({ "url": "https://api.example.com/" });
            let results: Vec<(usize, Vec<u64>)> = std::thread::scope(|s| {
                let handles: Vec<_> = children
                    .iter()
                    .map(|c| {
                        let args = &args;
                        s.spawn(move || {
                            let mut denied = 0;
                            let mut remaining = Vec::new();
                            for _ in 0..ATTEMPTS {
                                match validate_tool_policy(c, &Call::new("http.get", args)) {
                                    Ok(e) => remaining.push(e.remaining_calls.unwrap()),
                                    Err(v) => {
                                        assert_eq!(v.code, ViolationCode::BudgetExhausted);
                                        denied += 1;
                                    }
                                }
                            }
                            (denied, remaining)
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            let allowed: usize = results.iter().map(|(_, r)| r.len()).sum();
            let denied: usize = results.iter().map(|(d, _)| d).sum();
            assert_eq!(allowed, 100, "round {round}, child max {child_max:?}");
            assert_eq!(allowed + denied, THREADS * ATTEMPTS);
            if let Some(m) = child_max {
                for (_, r) in &results {
                    assert!(r.len() as u64 <= m);
                }
            } else {
                // Spending is serialized: every allowed call saw a distinct remaining root budget.
                let mut all: Vec<u64> = results.iter().flat_map(|(_, r)| r.clone()).collect();
                all.sort_unstable();
                assert_eq!(all, (0..100).collect::<Vec<u64>>());
            }
            assert_eq!(root.remaining_calls("http.get"), Some(0));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 5. Equivalent spellings get the same decision
// ---------------------------------------------------------------------------------------------

/// Hosts whose spellings are varied (every one of them normalizes to itself).
const SPELL_HOSTS: &[&str] = &[
    "a.example.com",
    "a.b.example.com",
    "b.a.example.com",
    "example.com",
    "example.org",
    "a.example.org",
    "evilexample.com",
    "10.1.2.3",
    "10.2.0.1",
    "10.1.200.7",
    "192.168.1.1",
    "93.184.216.34",
    "[::1]",
];

/// How to respell a host. Every field is applied where it makes sense for the host.
#[derive(Debug, Clone)]
struct Spelling {
    /// IPv4 numeric form (dotted, one number in decimal/hex, octal or hex parts, short forms,
    /// IPv4-mapped IPv6) or IPv6 form.
    ip_form: usize,
    /// Upper-case every ASCII letter.
    upper: bool,
    /// Replace the character at this position (mod length) by its full-width form.
    fullwidth: Option<usize>,
    /// Replace the k-th dot (mod the number of dots) by an ideographic or full-width full stop.
    stop: Option<usize>,
    /// Percent-encode (the UTF-8 bytes of) the character at this position.
    pct: Option<usize>,
    /// Append one trailing dot.
    trailing_dot: bool,
}

fn spelling() -> impl Strategy<Value = Spelling> {
    (
        0usize..16,
        any::<bool>(),
        option::of(0usize..64),
        option::of(0usize..64),
        option::of(0usize..64),
        any::<bool>(),
    )
        .prop_map(
            |(ip_form, upper, fullwidth, stop, pct, trailing_dot)| Spelling {
                ip_form,
                upper,
                fullwidth,
                stop,
                pct,
                trailing_dot,
            },
        )
}

fn ipv4_form(a: Ipv4Addr, form: usize) -> String {
    let [w, x, y, z] = a.octets();
    let n = u32::from(a);
    match form % 9 {
        0 => a.to_string(),
        1 => n.to_string(),
        2 => format!("0x{n:x}"),
        3 => [w, x, y, z].map(|o| format!("0{o:o}")).join("."),
        4 => [w, x, y, z].map(|o| format!("0x{o:x}")).join("."),
        5 => format!("{w}.{x}.{}", u32::from(y) * 256 + u32::from(z)),
        6 => format!("{w}.{}", n & 0x00ff_ffff),
        7 => format!("[::ffff:{a}]"),
        _ => format!("[::ffff:{:x}:{:x}]", n >> 16, n & 0xffff),
    }
}

fn spell(host: &str, s: &Spelling) -> String {
    if host.starts_with('[') {
        // Only `[::1]` in the universe.
        let forms = [
            "[::1]",
            "[0:0:0:0:0:0:0:1]",
            "[0::1]",
            "[::0001]",
            "[0000::1]",
        ];
        return forms[s.ip_form % forms.len()].to_owned();
    }
    let base = match host.parse::<Ipv4Addr>() {
        Ok(a) => ipv4_form(a, s.ip_form),
        Err(_) => host.to_owned(),
    };
    if base.starts_with('[') {
        // An IPv6 literal is not percent-decoded nor IDNA-mapped; only its case may vary.
        return if s.upper {
            base.to_ascii_uppercase()
        } else {
            base
        };
    }
    let mut pieces: Vec<String> = base
        .chars()
        .map(|c| {
            if s.upper {
                c.to_ascii_uppercase().to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    if let Some(i) = s.fullwidth {
        let i = i % pieces.len();
        let c = pieces[i].chars().next().unwrap();
        let wide = match c {
            'a'..='z' => char::from_u32(0xFF41 + (c as u32 - 'a' as u32)),
            'A'..='Z' => char::from_u32(0xFF21 + (c as u32 - 'A' as u32)),
            '0'..='9' => char::from_u32(0xFF10 + (c as u32 - '0' as u32)),
            _ => None,
        };
        if let Some(w) = wide {
            pieces[i] = w.to_string();
        }
    }
    if let Some(k) = s.stop {
        let dots: Vec<usize> = (0..pieces.len()).filter(|&i| pieces[i] == ".").collect();
        if !dots.is_empty() {
            let stops = ["\u{3002}", "\u{FF0E}", "\u{FF61}"];
            pieces[dots[k % dots.len()]] = stops[(k / dots.len()) % stops.len()].to_owned();
        }
    }
    if let Some(i) = s.pct {
        let i = i % pieces.len();
        pieces[i] = pieces[i].bytes().map(|b| format!("%{b:02X}")).collect();
    }
    let mut out = pieces.concat();
    if s.trailing_dot {
        out.push('.');
    }
    out
}

/// Everything a decision on a host should not depend on its spelling for.
fn decision_summary(r: &Result<EnforcedCall, Box<Violation>>) -> String {
    match r {
        Ok(e) => format!(
            "allow host={:?} port={:?}",
            e.http.as_ref().map(|t| t.host.to_string()),
            e.http.as_ref().map(|t| t.port)
        ),
        Err(v) => format!(
            "deny {:?} constraint={:?} normalized={:?} decided_by={:?}",
            v.code, v.constraint, v.normalized, v.decided_by
        ),
    }
}

proptest! {
    #![proptest_config(cfg(512))]

    #[test]
    fn spellings_get_the_same_decision(
        g in http_grant(),
        req in http_req_on(SPELL_HOSTS),
        spellings in vec(spelling(), 1..6),
    ) {
        let g = grant("http.get", &g);
        let now = Instant::now();
        let reference = decision_summary(&run(&root_of(&g), "http.get", &req.args(), now));
        for s in &spellings {
            let host = spell(&req.host, s);
            let url = req.url_with_host(&host);
            let got = decision_summary(&run(&root_of(&g), "http.get", &json!({ "url": url }), now));
            prop_assert_eq!(&got, &reference, "{} vs {}", url, req.url());
        }
    }

    #[test]
    fn spellings_get_the_same_normalized_url(
        req in http_req_on(SPELL_HOSTS),
        spellings in vec(spelling(), 1..6),
    ) {
        // A grant that names every host of the universe (each address through the range or block
        // that holds it: a range over special blocks is refused) and allows both schemes on every
        // port used.
        let g = grant("http.get", &json!({
            "domain": ["*.example.com", "example.com", "example.org", "*.example.org",
                       "evilexample.com", "10.0.0.0/8", "192.168.0.0/16", "93.184.216.34",
                       "::1"],
            "scheme": ["http", "https"],
            "port": [80, 443, 8080, 8443],
        }));
        let now = Instant::now();
        let reference = run(&root_of(&g), "http.get", &req.args(), now)
            .map_err(|v| TestCaseError::fail(format!("reference denied: {v}")))?;
        let reference = reference.http.unwrap();
        for s in &spellings {
            let host = spell(&req.host, s);
            let url = req.url_with_host(&host);
            let got = run(&root_of(&g), "http.get", &json!({ "url": url }), now)
                .map_err(|v| TestCaseError::fail(format!("{url} denied: {v}")))?;
            let got = got.http.unwrap();
            prop_assert_eq!(&got.host, &reference.host, "{}", url);
            prop_assert_eq!(got.url.as_str(), reference.url.as_str(), "{}", url);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 6. Deadlines
// ---------------------------------------------------------------------------------------------

fn min_instant(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

proptest! {
    #![proptest_config(cfg(512))]

    #[test]
    fn deadlines_propagate_and_decide(
        // Per level of a chain root → … : own deadline (in 100 ms steps) and declared timeout_ms.
        levels in vec((option::of(0u64..=10), option::of(select(vec![50u64, 300, 1_000]))), 1..=4),
        at in 0usize..4,
        // The decision time, in 50 ms steps, so it often equals a deadline exactly.
        now_steps in 0u64..=24,
    ) {
        let base = Instant::now();
        let dl = |k: Option<u64>| k.map(|k| base + Duration::from_millis(100 * k));
        let decl = |t: Option<u64>| {
            let spec = t.map_or_else(|| json!({}), |t| json!({ "timeout_ms": t }));
            set_of([grant("http.get", &spec)])
        };
        let mut scopes = Vec::new();
        let root = Scope::root_with(
            "root",
            &decl(levels[0].1),
            RootOptions { audit: None, deadline: dl(levels[0].0) },
        ).unwrap();
        scopes.push(root);
        for (i, (d, t)) in levels.iter().enumerate().skip(1) {
            let s = scopes[i - 1]
                .child_with_deadline(&format!("l{i}"), &decl(*t), dl(*d))
                .unwrap();
            scopes.push(s);
        }
        // A scope's deadline is the earliest own deadline on its path.
        let mut eff = Vec::new();
        let mut acc = None;
        for (d, _) in &levels {
            acc = min_instant(acc, dl(*d));
            eff.push(acc);
        }
        for (s, e) in scopes.iter().zip(&eff) {
            prop_assert_eq!(s.deadline(), *e);
        }
        let i = at % scopes.len();
        let now = base + Duration::from_millis(50 * now_steps);
        let args = json!({ "url": "https://api.example.com/" });
        let got = run(&scopes[i], "http.get", &args, now);
        match eff[i] {
            Some(d) if now >= d => {
                let v = got.err().ok_or_else(|| TestCaseError::fail("allowed after the deadline"))?;
                prop_assert_eq!(v.code, ViolationCode::DeadlineExceeded);
                let expected: Vec<String> = (0..=i)
                    .rev()
                    .filter(|&j| dl(levels[j].0).is_some_and(|d| now >= d))
                    .map(|j| scopes[j].path().to_owned())
                    .collect();
                prop_assert!(!expected.is_empty());
                prop_assert_eq!(&v.decided_by, &expected);
            }
            _ => {
                let e = got.map_err(|v| TestCaseError::fail(format!("denied before the deadline: {v}")))?;
                let timeout = levels[..=i].iter().filter_map(|(_, t)| *t).min();
                let by_timeout = timeout.map(|t| now + Duration::from_millis(t));
                prop_assert_eq!(e.deadline, min_instant(by_timeout, eff[i]));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 7. Audit
// ---------------------------------------------------------------------------------------------

/// A writer whose bytes stay readable after `JsonLinesAudit` has taken it.
#[derive(Clone, Default)]
struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[derive(Debug, Clone)]
enum AuditReq {
    Http {
        tool: &'static str,
        req: HttpReq,
        userinfo: bool,
    },
    Llm(LlmReq),
}

impl AuditReq {
    fn tool(&self) -> &'static str {
        match self {
            AuditReq::Http { tool, .. } => tool,
            AuditReq::Llm(_) => "llm.chat",
        }
    }
    /// The arguments, with the secret marker in every value the audit must not show.
    fn args(&self) -> Value {
        match self {
            AuditReq::Http { req, userinfo, .. } => {
                let host = if *userinfo {
                    format!("user:{SECRET}@{}", req.host)
                } else {
                    req.host.clone()
                };
                let url = format!("{}?token={SECRET}#{SECRET}", req.url_with_host(&host));
                json!({
                    "url": url,
                    "headers": { "Authorization": format!("Bearer {SECRET}"), "X-List": format!("a, {SECRET}") },
                })
            }
            AuditReq::Llm(r) => {
                let mut a = r.args();
                let m = a.as_object_mut().unwrap();
                m.insert("prompt".into(), json!(format!("say {SECRET}")));
                m.insert(
                    "messages".into(),
                    json!([{ "role": "user", "content": SECRET }]),
                );
                a
            }
        }
    }
    fn shapes(&self) -> Value {
        let mut m = Map::new();
        for (k, v) in self.args().as_object().unwrap() {
            let shape = match v {
                Value::String(_) => "string",
                Value::Number(_) => "number",
                Value::Object(_) => "object",
                Value::Array(_) => "array",
                Value::Bool(_) => "bool",
                Value::Null => "null",
            };
            m.insert(k.clone(), json!(shape));
        }
        Value::Object(m)
    }
}

fn audit_req() -> impl Strategy<Value = AuditReq> {
    prop_oneof![
        3 => (select(vec!["http.get", "http.post"]), http_req(), prop::bool::weighted(0.15))
            .prop_map(|(tool, req, userinfo)| AuditReq::Http { tool, req, userinfo }),
        2 => llm_req().prop_map(AuditReq::Llm),
    ]
}

proptest! {
    #![proptest_config(cfg(256))]

    #[test]
    fn audit_has_one_line_per_decision_and_no_values(
        h in http_grant(),
        l in llm_grant(),
        reqs in vec(audit_req(), 1..16),
    ) {
        let buf = SharedBuf::default();
        let sink: Arc<dyn AuditSink> = Arc::new(JsonLinesAudit::new(buf.clone()));
        let grants = set_of([grant("http.get", &h), grant("llm.chat", &l)]);
        let root = Scope::root_with("root", &grants, RootOptions { audit: Some(sink), deadline: None })
            .unwrap();
        let child = root.child("kid", &grants).unwrap();
        let now = Instant::now();
        let mut results = Vec::new();
        for (i, r) in reqs.iter().enumerate() {
            let scope = if i % 2 == 0 { &root } else { &child };
            let args = r.args();
            results.push((scope.path().to_owned(), run(scope, r.tool(), &args, now)));
        }
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        prop_assert!(!text.contains(SECRET), "an argument value reached the audit:\n{}", text);
        prop_assert!(!text.contains("Bearer"), "a header value reached the audit:\n{}", text);
        let lines: Vec<&str> = text.lines().collect();
        prop_assert_eq!(lines.len(), reqs.len(), "one line per decision:\n{}", text);
        for ((line, r), (scope, result)) in lines.iter().zip(&reqs).zip(&results) {
            let ev: Value = serde_json::from_str(line).unwrap();
            prop_assert!(ev["ts_ms"].is_u64());
            prop_assert_eq!(&ev["event"], "call");
            prop_assert_eq!(ev["scope"].as_str(), Some(scope.as_str()));
            prop_assert_eq!(ev["tool"].as_str(), Some(r.tool()));
            prop_assert_eq!(&ev["args"], &r.shapes());
            match result {
                Ok(e) => {
                    prop_assert_eq!(&ev["decision"], "allow");
                    prop_assert!(ev.get("code").is_none());
                    prop_assert!(ev.get("decided_by").is_none());
                    let target = e.http.as_ref().map(|t| t.origin());
                    prop_assert_eq!(ev.get("target").and_then(Value::as_str), target.as_deref());
                }
                Err(v) => {
                    prop_assert_eq!(&ev["decision"], "deny");
                    prop_assert_eq!(ev["code"].as_str(), Some(v.code.as_str()));
                    let constraint = v.constraint.map(|c| c.key());
                    prop_assert_eq!(ev.get("constraint").and_then(Value::as_str), constraint);
                    let decided: Vec<String> = ev
                        .get("decided_by")
                        .map(|d| serde_json::from_value(d.clone()).unwrap())
                        .unwrap_or_default();
                    prop_assert_eq!(&decided, &v.decided_by);
                    prop_assert!(ev.get("target").is_none());
                }
            }
        }
    }
}

/// A sink that collects events as JSON and fails while `fail` is set.
#[derive(Default)]
struct FlakySink {
    fail: AtomicBool,
    events: Mutex<Vec<Value>>,
}

impl AuditSink for FlakySink {
    fn record(&self, event: &AuditEvent<'_>) -> Result<(), AuditError> {
        if self.fail.load(Ordering::SeqCst) {
            return Err(AuditError(std::io::Error::other("disk full")));
        }
        self.events
            .lock()
            .unwrap()
            .push(serde_json::to_value(event).unwrap());
        Ok(())
    }
}

#[test]
fn a_failing_audit_sink_fails_closed() {
    let sink = Arc::new(FlakySink::default());
    let grants = set_of([grant("http.get", &json!({ "max_calls": 2 }))]);
    let root = Scope::root_with(
        "root",
        &grants,
        RootOptions {
            audit: Some(sink.clone()),
            deadline: None,
        },
    )
    .unwrap();
    let ok = json!({ "url": "https://api.example.com/" });
    let bad = json!({ "url": "http://api.example.com/" });

    sink.fail.store(true, Ordering::SeqCst);
    // An otherwise-allowed call is denied: a decision that cannot be recorded is not taken.
    let v = validate_tool_policy(&root, &Call::new("http.get", &ok)).unwrap_err();
    assert_eq!(v.code, ViolationCode::AuditFailed);
    assert!(v.decided_by.is_empty());
    // A denial stays the denial it was (no audit-failure code hides the real reason).
    let v = validate_tool_policy(&root, &Call::new("http.get", &bad)).unwrap_err();
    assert_eq!(v.code, ViolationCode::SchemeNotAllowed);
    // The unrecorded call was not made, so its budget is given back.
    let after_failure = root.remaining_calls("http.get");
    assert_eq!(after_failure, Some(2));

    sink.fail.store(false, Ordering::SeqCst);
    let mut allowed = 0;
    for _ in 0..4 {
        if validate_tool_policy(&root, &Call::new("http.get", &ok)).is_ok() {
            allowed += 1;
        }
    }
    assert_eq!(Some(allowed), after_failure);
    assert_eq!(root.remaining_calls("http.get"), Some(0));
    // Only the decisions made while the sink worked were recorded, one event each.
    let events = sink.events.lock().unwrap();
    assert_eq!(events.len(), 4);
    assert_eq!(
        events.iter().filter(|e| e["decision"] == "allow").count() as u64,
        after_failure.unwrap()
    );
}
