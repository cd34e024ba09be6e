//! Policy parsing (TOML and JSON) and grant building never panic, and grant intersection behaves as an
//! intersection: it is commutative, idempotent and associative, the result never exceeds either side,
//! a child scope never allows what its parent denies, and a call allowed under `a ∩ b` is allowed under
//! `a` and under `b`. "Allowed" compares the call as the narrower side enforces it: a model or token cap
//! that the engine fills in from the grant is made explicit before asking the wider side.
//!
//! Input: if the first byte is 0xFF, the rest drives `arbitrary` to build grants from key/value pairs;
//! otherwise the whole input (UTF-8, lossily) is parsed as a TOML and as a JSON policy.
//!
//! Calls that differ only because an absent constraint means something else at a root than in a child
//! (a root without `scheme` allows only https on the default port; a root without `domain` allows only
//! public addresses) are documented behaviour and not reported unless `LUMEN_FUZZ_STRICT` is set.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use lumen_capability::{
    Call, Constraint, EnforcedCall, Grant, GrantSet, Policy, RootOptions, Scope, ToolKind,
    Violation, ViolationCode, validate_tool_policy,
};
use serde_json::{Map, Value, json};
use std::sync::LazyLock;
use std::time::Instant;

static STRICT: LazyLock<bool> = LazyLock::new(|| std::env::var_os("LUMEN_FUZZ_STRICT").is_some());

const URLS: &[&str] = &[
    "https://api.example.com/",
    "https://api.example.com/api/v1?q=1",
    "https://a.b.example.com/v1/x",
    "https://example.com/",
    "http://api.example.com/api",
    "http://api.example.com:8080/api",
    "https://api.example.com:8443/static/img/a.png",
    "https://x.weather.example/today",
    "https://api.weather.example/",
    "https://10.1.2.3/api",
    "http://10.1.2.3/",
    "https://[::1]/",
    "https://127.0.0.1:8443/",
    "https://localhost/",
    "https://[2001:db8::1]/",
    "https://8.8.8.8/api",
    "https://example.org/api/x",
    "https://xn--bcher-kva.example/",
    "https://api.example.com/api%2Fx",
];

const METHODS: &[&str] = &["GET", "POST", "DELETE", "OPTIONS"];

/// The calls to try for a tool, according to its kind.
fn requests(tool: &str) -> Vec<Value> {
    match ToolKind::of(tool) {
        Some(ToolKind::Http(None)) => URLS
            .iter()
            .enumerate()
            .map(|(i, u)| json!({"url": u, "method": METHODS[i % METHODS.len()]}))
            .collect(),
        Some(ToolKind::Http(Some(_))) => URLS.iter().map(|u| json!({"url": u})).collect(),
        Some(ToolKind::Llm) => vec![
            json!({}),
            json!({"model": "gpt-4o-mini"}),
            json!({"model": "gpt-4o-mini", "max_tokens": 100}),
            json!({"model": "claude", "max_tokens": 5000}),
            json!({"max_tokens": 1}),
        ],
        Some(ToolKind::Mcp) => vec![json!({}), json!({"x": 1})],
        None => vec![json!({})],
    }
}

fn root_of(grants: &GrantSet) -> Scope {
    Scope::root("root", grants).expect("`root` is a valid scope name")
}

fn single(g: &Grant) -> GrantSet {
    GrantSet::new().with(g.clone()).expect("one grant")
}

fn decide(
    scope: &Scope,
    tool: &str,
    args: &Value,
    now: Instant,
) -> Result<EnforcedCall, Box<Violation>> {
    validate_tool_policy(scope, &Call::new(tool, args).at(now))
}

/// Whether `looser` (which lacks some constraint) denies this call only because an absent constraint
/// at a root means "https on the default port" / "public addresses only" rather than "inherit".
fn root_default(v: &Violation, lacks_scheme: bool, lacks_domain: bool) -> bool {
    match v.code {
        ViolationCode::SchemeNotAllowed | ViolationCode::PortNotAllowed => lacks_scheme,
        ViolationCode::PrivateAddress => lacks_domain,
        _ => false,
    }
}

/// The call as `e` enforces it: the model and token cap the engine filled in made explicit.
fn as_enforced(args: &Value, e: &EnforcedCall) -> Value {
    let mut args = args.clone();
    if let Some(map) = args.as_object_mut() {
        if let Some(m) = &e.model {
            map.insert("model".into(), Value::from(m.as_str()));
        }
        if let Some(n) = e.max_tokens {
            map.insert("max_tokens".into(), Value::from(n));
        }
    }
    args
}

/// Allowed under `inner` (a fresh scope each time, so budgets do not interfere) implies that the call
/// as `inner` enforces it (model and token cap filled in) is allowed under `outer`, with the same
/// target; `lacks_*` say which root defaults of `outer` may explain a denial.
fn implies(
    what: &str,
    tool: &str,
    inner: &dyn Fn() -> Scope,
    outer: &dyn Fn() -> Scope,
    lacks_scheme: bool,
    lacks_domain: bool,
) {
    let now = Instant::now();
    for args in requests(tool) {
        let Ok(e) = decide(&inner(), tool, &args, now) else {
            continue;
        };
        let args = as_enforced(&args, &e);
        match decide(&outer(), tool, &args, now) {
            Ok(o) => {
                assert_eq!(e.http, o.http, "{what}: {tool} {args}: targets differ");
                if let (Some(a), Some(b)) = (e.max_bytes, o.max_bytes) {
                    assert!(a <= b, "{what}: {tool} {args}: max_bytes {a} > {b}");
                }
                if let (Some(a), Some(b)) = (e.max_tokens, o.max_tokens) {
                    assert!(a <= b, "{what}: {tool} {args}: max_tokens {a} > {b}");
                }
            }
            Err(v) if !*STRICT && root_default(&v, lacks_scheme, lacks_domain) => {}
            Err(v) => panic!(
                "{what}: {tool} {args} allowed by the narrower scope {:?} but denied by the wider one {:?}: {v}",
                inner().effective(),
                outer().effective()
            ),
        }
    }
}

/// The algebra of `Grant::intersect` on two (or three) grants for the same tool.
fn check_pair(a: &Grant, b: &Grant, c: Option<&Grant>, a_scheme: bool, b_scheme: bool) {
    let tool = a.tool().as_str();
    let Some(ab) = a.intersect(b) else {
        assert_ne!(a.tool(), b.tool(), "same tool but no intersection");
        assert!(b.intersect(a).is_none());
        return;
    };
    let ba = b
        .intersect(a)
        .expect("intersection is symmetric in being defined");
    assert_eq!(ab, ba, "a ∩ b != b ∩ a for {a:?} and {b:?}");
    assert_eq!(a.intersect(a).as_ref(), Some(a), "a ∩ a != a for {a:?}");
    assert_eq!(
        ab.intersect(&ab).as_ref(),
        Some(&ab),
        "(a ∩ b) ∩ (a ∩ b) != a ∩ b"
    );
    assert!(
        ab.excess_over(a).is_empty(),
        "a ∩ b exceeds a: {:?}",
        ab.excess_over(a)
    );
    assert!(
        ab.excess_over(b).is_empty(),
        "a ∩ b exceeds b: {:?}",
        ab.excess_over(b)
    );
    assert_eq!(
        a.as_root().as_root(),
        a.as_root(),
        "as_root is not idempotent"
    );
    if let Some(c) = c
        && c.tool() == a.tool()
    {
        let left = ab.intersect(c).expect("same tool");
        let right = a
            .intersect(&b.intersect(c).expect("same tool"))
            .expect("same tool");
        assert_eq!(left, right, "(a ∩ b) ∩ c != a ∩ (b ∩ c)");
    }

    // As roots: a ∩ b allows only what a and b allow (up to the root defaults of absent constraints).
    let sab = single(&ab);
    let (sa, sb) = (single(a), single(b));
    implies(
        "root(a ∩ b) ⊆ root(a)",
        tool,
        &|| root_of(&sab),
        &|| root_of(&sa),
        !a_scheme,
        a.hosts().is_none(),
    );
    implies(
        "root(a ∩ b) ⊆ root(b)",
        tool,
        &|| root_of(&sab),
        &|| root_of(&sb),
        !b_scheme,
        b.hosts().is_none(),
    );
    // In a tree: a child declaring b under a root declaring a allows only what the root allows.
    implies(
        "root(a)/child(b) ⊆ root(a)",
        tool,
        &|| root_of(&sa).child("child", &sb).expect("valid name"),
        &|| root_of(&sa),
        false,
        false,
    );
}

/// The normalized form of a root grant reads back as itself.
fn check_round_trip(g: &Grant) {
    let r = g.as_root();
    let j = r.to_json();
    if j.get("endpoints").is_some() {
        return;
    }
    match Grant::from_json(r.tool().as_str(), &j) {
        Ok(back) => assert_eq!(back.as_root(), r, "to_json/from_json round trip of {j}"),
        Err(e) => panic!("to_json of a root grant does not read back: {j}: {e}"),
    }
}

fn check_policy(p: &Policy) {
    let now = Instant::now();
    let root = p
        .instantiate("", RootOptions::default())
        .expect("the root instantiates");
    for g in p.root.grants.iter() {
        check_round_trip(g);
        for args in requests(g.tool().as_str()) {
            let _ = decide(&root, g.tool().as_str(), &args, now);
        }
    }
    for (name, spec) in p.root.scopes.iter().take(4) {
        let child = p
            .instantiate(name, RootOptions::default())
            .expect("a first-level scope of a parsed policy instantiates");
        for g in child.effective().iter() {
            let tool = g.tool().as_str();
            implies(
                "child ⊆ root",
                tool,
                &|| {
                    p.instantiate(name, RootOptions::default())
                        .expect("instantiates")
                },
                &|| {
                    p.instantiate("", RootOptions::default())
                        .expect("instantiates")
                },
                false,
                false,
            );
            if let (Some(a), Some(b)) = (p.root.grants.get(tool), spec.grants.get(tool)) {
                // Whether `scheme` was written is not observable here: assume it was not (lenient).
                check_pair(a, b, None, false, false);
            }
        }
        for (grand, _) in spec.scopes.iter().take(2) {
            let _ = p.instantiate(&format!("{name}/{grand}"), RootOptions::default());
        }
    }
}

// ---- structured grants ----

#[derive(Arbitrary, Debug, Clone, Copy)]
enum ToolChoice {
    Get,
    Post,
    Request,
    Chat,
    Embed,
    Mcp,
    McpOther,
}

impl ToolChoice {
    fn id(self) -> &'static str {
        match self {
            ToolChoice::Get => "http.get",
            ToolChoice::Post => "http.post",
            ToolChoice::Request => "http.request",
            ToolChoice::Chat => "llm.chat",
            ToolChoice::Embed => "llm.embed",
            ToolChoice::Mcp => "mcp.github.create_issue",
            ToolChoice::McpOther => "mcp.other.tool",
        }
    }
}

const HOSTS: &[&str] = &[
    "api.example.com",
    "example.com",
    "*.example.com",
    "*.api.example.com",
    "x.example.com",
    "a.b.example.com",
    "*.b.example.com",
    "*.weather.example",
    "x.weather.example",
    "api.weather.example",
    "10.0.0.0/8",
    "10.1.0.0/16",
    "10.1.2.3",
    "10.128.0.0/9",
    "10.0.0.0/9",
    "127.0.0.1",
    "127.0.0.0/8",
    "::1",
    "[::1]",
    "2001:db8::/32",
    "2001:db8::1",
    "::ffff:10.0.0.0/104",
    "::ffff:127.0.0.1",
    "0.0.0.0/0",
    "::/0",
    "localhost",
    "*.com",
    "*.co.uk",
    "EXAMPLE.COM.",
    "xn--bcher-kva.example",
    "bücher.example",
    "8.8.8.8",
    "8.8.8.0/24",
    "example.org",
    "*.example.org",
    "192.168.0.0/16",
    "fe80::/10",
    "",
    "*",
    "a..b",
    "10.0.0.1/8",
    "0x0a.1",
    "*.localhost",
];
const SCHEMES: &[&str] = &["http", "https", "HTTPS", "ftp"];
const PORTS: &[u64] = &[80, 443, 8080, 8443, 0, 65535, 70000];
const METHOD_NAMES: &[&str] = &[
    "GET", "get", "POST", "DELETE", "OPTIONS", "HEAD", "PUT", "PATCH", "BREW",
];
const PATHS: &[&str] = &[
    "/api",
    "/api/",
    "/api/x",
    "/v1/",
    "/v1",
    "/",
    "/static/img",
    "/a/../api",
    "/api%2Fx",
    "api",
    "/%41pi",
    "/api?x",
    "/today",
    "/api/./x/",
];
const MODELS: &[&str] = &["gpt-4o-mini", "claude", "a", "", "has space"];
const KEYS: &[&str] = &[
    "domain",
    "scheme",
    "port",
    "method",
    "path_prefix",
    "timeout_ms",
    "max_tokens",
    "max_calls",
    "max_bytes",
    "model",
    "domian",
    "endpoints",
    "",
];

#[derive(Arbitrary, Debug)]
enum Atom {
    Pool(u8),
    Free(String),
}

impl Atom {
    fn value(&self, pool: &[&str]) -> Value {
        match self {
            Atom::Pool(i) => Value::from(pool[*i as usize % pool.len()]),
            Atom::Free(s) => Value::from(s.as_str()),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Many {
    One(Atom),
    List(Vec<Atom>),
}

impl Many {
    fn value(&self, pool: &[&str]) -> Value {
        match self {
            Many::One(a) => a.value(pool),
            Many::List(v) => Value::Array(v.iter().map(|a| a.value(pool)).collect()),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Num {
    Pool(u8),
    Small(u8),
    Mid(u16),
    Big(u64),
    Neg(i64),
    Float(f64),
    Str(u8),
}

impl Num {
    fn value(&self, pool: &[u64]) -> Value {
        match self {
            Num::Pool(i) => Value::from(pool[*i as usize % pool.len()]),
            Num::Small(n) => Value::from(*n),
            Num::Mid(n) => Value::from(*n),
            Num::Big(n) => Value::from(*n),
            Num::Neg(n) => Value::from(*n),
            Num::Float(f) => Value::from(*f),
            Num::Str(n) => Value::from(n.to_string()),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Nums {
    One(Num),
    List(Vec<Num>),
}

#[derive(Arbitrary, Debug)]
enum Raw {
    Null,
    Bool(bool),
    Str(String),
    Int(i64),
    List(Vec<u8>),
    Table(Vec<(String, u8)>),
}

#[derive(Arbitrary, Debug)]
enum Pair {
    Domain(Many),
    Scheme(Many),
    Port(Nums),
    Method(Many),
    PathPrefix(Many),
    TimeoutMs(Num),
    MaxTokens(Num),
    MaxCalls(Num),
    MaxBytes(Num),
    Model(Many),
    Raw(u8, Raw),
}

const LIMITS: &[u64] = &[1, 100, 512, 5000, 86_400_000, 86_400_001, u64::MAX];

impl Pair {
    fn kv(&self) -> (&'static str, Value) {
        match self {
            Pair::Domain(m) => ("domain", m.value(HOSTS)),
            Pair::Scheme(m) => ("scheme", m.value(SCHEMES)),
            Pair::Port(Nums::One(n)) => ("port", n.value(PORTS)),
            Pair::Port(Nums::List(v)) => (
                "port",
                Value::Array(v.iter().map(|n| n.value(PORTS)).collect()),
            ),
            Pair::Method(m) => ("method", m.value(METHOD_NAMES)),
            Pair::PathPrefix(m) => ("path_prefix", m.value(PATHS)),
            Pair::TimeoutMs(n) => ("timeout_ms", n.value(LIMITS)),
            Pair::MaxTokens(n) => ("max_tokens", n.value(LIMITS)),
            Pair::MaxCalls(n) => ("max_calls", n.value(&[0, 1, 2, u64::MAX])),
            Pair::MaxBytes(n) => ("max_bytes", n.value(LIMITS)),
            Pair::Model(m) => ("model", m.value(MODELS)),
            Pair::Raw(k, r) => {
                let v = match r {
                    Raw::Null => Value::Null,
                    Raw::Bool(b) => Value::Bool(*b),
                    Raw::Str(s) => Value::from(s.as_str()),
                    Raw::Int(i) => Value::from(*i),
                    Raw::List(v) => Value::Array(v.iter().map(|b| Value::from(*b)).collect()),
                    Raw::Table(v) => Value::Object(
                        v.iter()
                            .map(|(k, b)| (k.clone(), Value::from(*b)))
                            .collect::<Map<_, _>>(),
                    ),
                };
                (KEYS[*k as usize % KEYS.len()], v)
            }
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Input {
    tool: ToolChoice,
    /// Build `b` for another tool (intersection is then undefined).
    other_tool: Option<ToolChoice>,
    /// Pass the pairs as they are (duplicates, inapplicable or invalid values) instead of keeping only
    /// those that build.
    raw: bool,
    a: Vec<Pair>,
    b: Vec<Pair>,
    c: Vec<Pair>,
}

/// The grant, and whether `scheme` was given.
fn build(tool: &str, pairs: &[Pair], raw: bool) -> Option<(Grant, bool)> {
    let kind = ToolKind::of(tool)?;
    let mut kvs: Vec<(&'static str, Value)> = Vec::new();
    for p in pairs {
        let (k, v) = p.kv();
        if !raw {
            let Some(c) = Constraint::from_key(k) else {
                continue;
            };
            if !kind.accepts(c) || kvs.iter().any(|(k2, _)| *k2 == k) {
                continue;
            }
            // Keep only the pairs that build, so that most inputs reach the intersection checks.
            let mut with = kvs.clone();
            with.push((k, v.clone()));
            if Grant::build(tool, with).is_err() {
                continue;
            }
        }
        kvs.push((k, v));
    }
    let scheme = kvs.iter().any(|(k, _)| *k == "scheme");
    // The same pairs as a JSON table build the same grant (when there are no duplicate keys).
    let table: Map<String, Value> = kvs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    let built = Grant::build(tool, kvs.clone());
    if table.len() == kvs.len() {
        let from_json = Grant::from_json(tool, &Value::Object(table));
        assert_eq!(
            built.is_ok(),
            from_json.is_ok(),
            "build and from_json disagree"
        );
        if let (Ok(x), Ok(y)) = (&built, &from_json) {
            assert_eq!(x, y);
        }
    }
    let g = built.ok()?;
    check_round_trip(&g);
    Some((g, scheme))
}

fn structured(data: &[u8]) {
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let tool = input.tool.id();
    let Some((a, a_scheme)) = build(tool, &input.a, input.raw) else {
        return;
    };
    let b_tool = input.other_tool.map_or(tool, ToolChoice::id);
    let Some((b, b_scheme)) = build(b_tool, &input.b, input.raw) else {
        return;
    };
    let c = build(tool, &input.c, input.raw).map(|(g, _)| g);
    check_pair(&a, &b, c.as_ref(), a_scheme, b_scheme);
}

fuzz_target!(|data: &[u8]| {
    if let Some((&0xFF, rest)) = data.split_first() {
        structured(rest);
        return;
    }
    let text = String::from_utf8_lossy(data);
    if let Ok(p) = Policy::from_toml_str(&text) {
        check_policy(&p);
    }
    if let Ok(p) = Policy::from_json_str(&text) {
        check_policy(&p);
    }
});
