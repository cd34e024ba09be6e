//! Dispatch-time tool-call decisions: lumen-capability against `cedar-policy` 4 evaluating equivalent
//! policies, on the same requests, single-threaded, in one run, without DNS.
//!
//! The corpus is generated from a fixed seed: 60% allowed calls (exact hosts, `*.cdn.example.com`
//! wildcards at several depths, case/trailing-dot/explicit-port/dot-segment spellings, a second port,
//! `http.post`, `llm.chat`) and 40% denied ones (lookalike and punycode hosts, the wildcard's apex, IP
//! literals, wrong scheme, wrong port, paths outside the prefixes, encoded separators, credentials in
//! the URL, undeclared tools, a model not granted, `max_tokens` over the cap). Every request carries
//! its expected decision; both engines must reach it on every request, or the run fails.
//!
//! What is timed:
//! - lumen: `validate_tool_policy(&scope, &Call::new(tool, &args))` with the raw URL string in the
//!   JSON arguments: WHATWG URL parsing, host normalization, every check, the budget, the `EnforcedCall`
//!   or `Violation` it builds, the (null) audit sink, and dropping the result.
//! - Cedar: `Authorizer::is_authorized(&request, &policies, &entities)` and dropping the response.
//!   Cedar cannot parse URLs, so each request is parsed BEFORE timing (same `url` crate, same host
//!   normalization) into a context `{scheme, userinfo, host, port, path}` or `{model, max_tokens}`,
//!   and the `Request` (entity UIDs and context) is built outside the timed region too. This is the
//!   setting most favourable to Cedar.
//!
//! Each input is a fresh copy made just before it is decided (in cache, like a call just received).
//! Latency is `Instant::now()` around each single decision (nothing subtracted; the timer's own cost
//! is printed). Throughput sums the time of batches of 32 decisions; "cold" throughput streams the
//! whole pre-built corpus instead (inputs mostly out of cache). The engines take turns for `ROUNDS`
//! rounds (default 3) and each figure is the best of the rounds, so the machine's load hits all alike.
//!
//! `cargo run --release --manifest-path bench/Cargo.toml --bin capability_compare [-- REQUESTS]`
//! (`BREAKDOWN=1` adds lumen's per-step timings; `LUMEN_LOOP=SECONDS` runs only lumen, for `perf`).

use cedar_policy::{
    Authorizer, Context, Decision, Entities, EntityId, EntityTypeName, EntityUid, PolicySet,
    Request, RestrictedExpression,
};
use lumen_capability::{Call, Host, Policy, RootOptions, Scope, validate_tool_policy};
use serde_json::{Value, json};
use std::hint::black_box;
use std::str::FromStr;
use std::time::{Duration, Instant};

const SEED: u64 = 0x5eed_1234_abcd_ef01;

/// The lumen grants. The root scope adds nothing here: `scheme`/`port` are given explicitly.
const LUMEN_POLICY: &str = r#"
[grants."http.get"]
domain = ["api.example.com", "*.cdn.example.com", "docs.example.org"]
scheme = "https"
port = [443, 8443]
path_prefix = ["/v1", "/static"]

[grants."http.post"]
domain = "api.example.com"
scheme = "https"
port = 443
path_prefix = "/v1/jobs"

[grants."llm.chat"]
model = ["gpt-4o-mini", "claude-haiku"]
max_tokens = 1024
"#;

/// The same grants in Cedar. `like "*.cdn.example.com"` matches any string ending in
/// `.cdn.example.com` (so not the apex, as in lumen); lumen's per-segment prefix `/v1` is
/// `== "/v1" || like "/v1/*"`; lumen refuses `%2F`/`%5C` in a path under a prefix constraint, so the
/// Cedar policy does too. Hosts arrive normalized (lower case, IDNA, no trailing dot).
const CEDAR_POLICY: &str = r#"
permit(principal, action == Action::"http.get", resource)
when {
    context.scheme == "https" && !context.userinfo &&
    (context.port == 443 || context.port == 8443) &&
    (context.host == "api.example.com" || context.host == "docs.example.org" ||
     context.host like "*.cdn.example.com") &&
    (context.path == "/v1" || context.path like "/v1/*" ||
     context.path == "/static" || context.path like "/static/*") &&
    !(context.path like "*%2F*" || context.path like "*%2f*" ||
      context.path like "*%5C*" || context.path like "*%5c*")
};

permit(principal, action == Action::"http.post", resource)
when {
    context.scheme == "https" && !context.userinfo && context.port == 443 &&
    context.host == "api.example.com" &&
    (context.path == "/v1/jobs" || context.path like "/v1/jobs/*") &&
    !(context.path like "*%2F*" || context.path like "*%2f*" ||
      context.path like "*%5C*" || context.path like "*%5c*")
};

permit(principal, action == Action::"llm.chat", resource)
when {
    (context.model == "gpt-4o-mini" || context.model == "claude-haiku") &&
    context.max_tokens <= 1024
};
"#;

/// xorshift64*: a deterministic request stream without a `rand` dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

struct Req {
    category: &'static str,
    tool: String,
    args: Value,
    expect: bool,
    cedar: Request,
}

/// One generated call: (category, tool, args, expected decision).
fn generate(rng: &mut Rng) -> (&'static str, String, Value, bool) {
    let id = rng.below(1_000_000);
    let get = |url: String| ("http.get".to_owned(), json!({ "url": url }));
    let (cat, (tool, args), expect) = match rng.below(100) {
        // ---- allowed: 60% ----
        0..18 => {
            let host = rng.pick(&[
                "api.example.com",
                "api.example.com",
                "API.Example.com",
                "api.example.com.",
                "api.example.com:443",
            ]);
            let path = match rng.below(6) {
                0 => format!("/v1/users/{id}"),
                1 => format!("/v1/orders/{id}?expand=items&limit=50"),
                2 => "/v1".to_owned(),
                3 => format!("/v1/search?q=item-{id}#results"),
                4 => format!("/v1/a/../users/{id}"),
                _ => format!("/static/js/app.{id}.js"),
            };
            (
                "allow: exact host",
                get(format!("https://{host}{path}")),
                true,
            )
        }
        18..33 => {
            let sub = rng.pick(&["img", "eu-west.img", "a.b.c", "static", "v2-assets"]);
            let path = if rng.below(2) == 0 {
                format!("/static/{id}.png")
            } else {
                format!("/v1/assets/{id}")
            };
            (
                "allow: wildcard host",
                get(format!("https://{sub}.cdn.example.com{path}")),
                true,
            )
        }
        33..40 => {
            let url = if rng.below(2) == 0 {
                format!("https://docs.example.org/v1/guide/{id}")
            } else {
                format!("https://api.example.com:8443/v1/health/{id}")
            };
            ("allow: 2nd host/port", get(url), true)
        }
        40..48 => {
            let url = if rng.below(2) == 0 {
                "https://api.example.com/v1/jobs".to_owned()
            } else {
                format!("https://api.example.com/v1/jobs/{id}/run")
            };
            (
                "allow: http.post",
                ("http.post".to_owned(), json!({ "url": url, "body": "{}" })),
                true,
            )
        }
        48..60 => {
            let model = rng.pick(&["gpt-4o-mini", "claude-haiku"]);
            let max = 1 + rng.below(1024);
            let args = json!({ "model": model, "max_tokens": max, "messages": [{"role": "user", "content": "hi"}] });
            ("allow: llm.chat", ("llm.chat".to_owned(), args), true)
        }
        // ---- denied: 40% ----
        60..68 => {
            let host = rng.pick(&[
                "api.example.com.evil.test",
                "apiexample.com",
                "api-example.com",
                "cdn.example.com",     // the wildcard's apex
                "evilcdn.example.com", // not a subdomain of cdn.example.com
                "cdn.example.com.evil.test",
                "docs.example.org.attacker.net",
                "\u{0430}pi.example.com", // Cyrillic 'а': punycode, not api.example.com
                "api.example.co",
            ]);
            (
                "deny: lookalike host",
                get(format!("https://{host}/v1/users/{id}")),
                false,
            )
        }
        68..72 => {
            let host = rng.pick(&[
                "127.0.0.1",
                "10.0.0.7",
                "169.254.169.254",
                "[::1]",
                "0x7f.1",
                "[::ffff:10.0.0.1]",
            ]);
            (
                "deny: IP literal",
                get(format!("https://{host}/v1/meta")),
                false,
            )
        }
        72..76 => {
            let scheme = rng.pick(&["http", "ftp", "ws"]);
            (
                "deny: scheme",
                get(format!("{scheme}://api.example.com/v1/users/{id}")),
                false,
            )
        }
        76..80 => {
            let port = rng.pick(&[80u16, 444, 8080, 9443]);
            (
                "deny: port",
                get(format!("https://api.example.com:{port}/v1/users/{id}")),
                false,
            )
        }
        80..88 => {
            let path = match rng.below(7) {
                0 => format!("/v1x/users/{id}"),
                1 => "/admin".to_owned(),
                2 => format!("/v2/users/{id}"),
                3 => "/v1/../admin".to_owned(),
                4 => format!("/staticfiles/{id}"),
                5 => "/v1/a%2F..%2F..%2Fadmin".to_owned(),
                _ => "/static%5c..%5cadmin".to_owned(),
            };
            let host = rng.pick(&["api.example.com", "img.cdn.example.com"]);
            ("deny: path", get(format!("https://{host}{path}")), false)
        }
        88..90 => (
            "deny: userinfo",
            get(format!("https://bot:hunter2@api.example.com/v1/users/{id}")),
            false,
        ),
        90..94 => {
            let (tool, args) = match rng.below(3) {
                0 => (
                    "http.delete",
                    json!({ "url": format!("https://api.example.com/v1/users/{id}") }),
                ),
                1 => (
                    "mcp.github.create_issue",
                    json!({ "repo": "o/r", "title": "x" }),
                ),
                _ => (
                    "llm.embed",
                    json!({ "model": "gpt-4o-mini", "max_tokens": 16 }),
                ),
            };
            ("deny: undeclared tool", (tool.to_owned(), args), false)
        }
        _ => {
            let args = if rng.below(2) == 0 {
                json!({ "model": rng.pick(&["gpt-4o", "o1-preview", "GPT-4o-mini"]), "max_tokens": 256 })
            } else {
                json!({ "model": "claude-haiku", "max_tokens": 1025 + rng.below(100_000) })
            };
            (
                "deny: llm model/tokens",
                ("llm.chat".to_owned(), args),
                false,
            )
        }
    };
    (cat, tool, args, expect)
}

/// The entity types every Cedar request uses, built once.
struct CedarTypes {
    principal: EntityUid,
    action: EntityTypeName,
    tool: EntityTypeName,
}

impl CedarTypes {
    fn new() -> CedarTypes {
        CedarTypes {
            principal: EntityUid::from_str(r#"Agent::"bench-agent""#).expect("uid"),
            action: EntityTypeName::from_str("Action").expect("type"),
            tool: EntityTypeName::from_str("Tool").expect("type"),
        }
    }
}

/// Parses the call into a Cedar request (outside the timed region, except in the "incl." row).
fn cedar_request(types: &CedarTypes, tool: &str, args: &Value) -> Request {
    let s = |v: &str| RestrictedExpression::new_string(v.to_owned());
    let mut pairs: Vec<(String, RestrictedExpression)> = Vec::new();
    if tool.starts_with("http.") {
        let raw = args["url"].as_str().expect("url");
        let url = url::Url::parse(raw).expect("corpus URLs parse");
        let host = match url.host() {
            Some(h) => Host::from_url_host(h)
                .expect("corpus hosts are valid")
                .to_string(),
            None => String::new(),
        };
        pairs.push(("scheme".into(), s(url.scheme())));
        pairs.push((
            "userinfo".into(),
            RestrictedExpression::new_bool(!url.username().is_empty() || url.password().is_some()),
        ));
        pairs.push(("host".into(), s(&host)));
        pairs.push((
            "port".into(),
            RestrictedExpression::new_long(i64::from(url.port_or_known_default().unwrap_or(0))),
        ));
        pairs.push(("path".into(), s(url.path())));
    } else if tool.starts_with("llm.") {
        pairs.push(("model".into(), s(args["model"].as_str().unwrap_or(""))));
        let max = args["max_tokens"].as_u64().unwrap_or(0);
        pairs.push((
            "max_tokens".into(),
            RestrictedExpression::new_long(max as i64),
        ));
    }
    let principal = types.principal.clone();
    let action = EntityUid::from_type_name_and_id(types.action.clone(), EntityId::new(tool));
    let resource = EntityUid::from_type_name_and_id(types.tool.clone(), EntityId::new(tool));
    let context = Context::from_pairs(pairs).expect("context");
    Request::new(principal, action, resource, context, None).expect("request")
}

fn lumen_decide(scope: &Scope, tool: &str, args: &Value) -> bool {
    validate_tool_policy(scope, &Call::new(tool, args)).is_ok()
}

fn cedar_decide(auth: &Authorizer, policies: &PolicySet, entities: &Entities, r: &Request) -> bool {
    auth.is_authorized(r, policies, entities).decision() == Decision::Allow
}

struct Stats {
    /// Decisions per second, inputs fresh in cache (batches of `BATCH`, only the decisions timed).
    per_sec: f64,
    /// Decisions per second streaming through the whole pre-built corpus (inputs mostly out of cache).
    cold_per_sec: f64,
    mean: f64,
    p50: u64,
    p99: u64,
    p999: u64,
}

const BATCH: usize = 32;

fn pct(sorted: &[u64], p: f64) -> u64 {
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Measures one engine. `prepare` makes the engine's input for a request outside the timed region (a
/// fresh copy, so it is in cache as a just-received call would be); `decide` is what is timed,
/// including dropping its result. Returns the stats and each request's best-of-3 latency.
fn measure<P>(
    reqs: &[Req],
    prepare: impl Fn(&Req) -> P,
    decide: impl Fn(&P) -> bool,
) -> (Stats, Vec<u64>) {
    // Warm-up.
    for r in reqs {
        let p = prepare(r);
        black_box(decide(&p));
    }
    // Throughput, fresh inputs: best of 3 sums over batches.
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let mut total = Duration::ZERO;
        let mut allowed = 0u64;
        for chunk in reqs.chunks(BATCH) {
            let batch: Vec<P> = chunk.iter().map(&prepare).collect();
            let t = Instant::now();
            for p in &batch {
                allowed += u64::from(decide(black_box(p)));
            }
            total += t.elapsed();
            drop(batch);
        }
        black_box(allowed);
        best = best.min(total);
    }
    // Throughput, cold: one pass over every input prepared up front.
    let all: Vec<P> = reqs.iter().map(&prepare).collect();
    let mut best_cold = Duration::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        let mut allowed = 0u64;
        for p in &all {
            allowed += u64::from(decide(black_box(p)));
        }
        best_cold = best_cold.min(t.elapsed());
        black_box(allowed);
    }
    drop(all);
    // Latency: one timed decision per fresh input, 3 passes.
    let passes = 3;
    let mut lat = Vec::with_capacity(reqs.len() * passes);
    let mut per_req = vec![u64::MAX; reqs.len()];
    for _ in 0..passes {
        for (i, r) in reqs.iter().enumerate() {
            let p = prepare(r);
            let t = Instant::now();
            let ok = decide(black_box(&p));
            let d = t.elapsed().as_nanos() as u64;
            black_box(ok);
            drop(p);
            lat.push(d);
            per_req[i] = per_req[i].min(d);
        }
    }
    let mean = lat.iter().sum::<u64>() as f64 / lat.len() as f64;
    lat.sort_unstable();
    let stats = Stats {
        per_sec: reqs.len() as f64 / best.as_secs_f64(),
        cold_per_sec: reqs.len() as f64 / best_cold.as_secs_f64(),
        mean,
        p50: pct(&lat, 0.50),
        p99: pct(&lat, 0.99),
        p999: pct(&lat, 0.999),
    };
    (stats, per_req)
}

/// The better of two measurements of one engine, figure by figure.
fn best(a: Option<(Stats, Vec<u64>)>, b: (Stats, Vec<u64>)) -> (Stats, Vec<u64>) {
    let Some(a) = a else { return b };
    let stats = Stats {
        per_sec: a.0.per_sec.max(b.0.per_sec),
        cold_per_sec: a.0.cold_per_sec.max(b.0.cold_per_sec),
        mean: a.0.mean.min(b.0.mean),
        p50: a.0.p50.min(b.0.p50),
        p99: a.0.p99.min(b.0.p99),
        p999: a.0.p999.min(b.0.p999),
    };
    let per_req = a.1.iter().zip(&b.1).map(|(x, y)| *x.min(y)).collect();
    (stats, per_req)
}

fn ns(n: u64) -> String {
    if n >= 10_000 {
        format!("{:.1} µs", n as f64 / 1000.0)
    } else {
        format!("{n} ns")
    }
}

/// Where lumen's time goes: each step of the decision alone, on one request kept in cache, then whole
/// decisions of several kinds (mean per call, best of 7 loops).
fn breakdown(scope: &Scope) {
    fn time(name: &str, mut f: impl FnMut() -> u64) {
        let n = 200_000;
        let mut best = f64::MAX;
        for _ in 0..7 {
            let t = Instant::now();
            let mut acc = 0u64;
            for _ in 0..n {
                acc = acc.wrapping_add(f());
            }
            black_box(acc);
            best = best.min(t.elapsed().as_nanos() as f64 / f64::from(n));
        }
        println!("| {name} | {best:.0} ns |");
    }
    let raw = "https://api.example.com/v1/users/42";
    let call = |url: &str| json!({ "url": url });
    let exact = call(raw);
    let wild = call("https://eu-west.img.cdn.example.com/static/logo.png");
    let evil = call("https://api.example.com.evil.test/v1/users");
    let port = call("https://api.example.com:8080/v1/users");
    let ip = call("https://127.0.0.1/v1/users");
    let llm = json!({ "model": "gpt-4o-mini", "max_tokens": 512 });
    let grant = scope.effective().get("http.get").expect("grant");
    let url = url::Url::parse(raw).expect("url");
    let host = url
        .host()
        .and_then(|h| Host::from_url_host(h).ok())
        .expect("host");
    let decide = |tool: &str, args: &Value| u64::from(lumen_decide(scope, tool, black_box(args)));

    println!("\nlumen breakdown (one request in cache, mean per call, best of 7 loops):\n");
    println!("| step | mean |\n|---|---:|");
    time(
        "`Instant::now()` (once per call without `Call::at`)",
        || u64::from(black_box(Instant::now()).elapsed().as_nanos() > 0),
    );
    time("`args.get(\"url\")`", || {
        u64::from(black_box(&exact).get("url").is_some())
    });
    time("`scope.effective().get(\"http.get\")`", || {
        u64::from(
            black_box(scope)
                .effective()
                .get(black_box("http.get"))
                .is_some(),
        )
    });
    time(&format!("`Url::parse(\"{raw}\")`"), || {
        url::Url::parse(black_box(raw)).map_or(0, |u| u.as_str().len() as u64)
    });
    time("`Host::from_url_host` (URL pre-parsed)", || {
        u64::from(
            black_box(&url)
                .host()
                .and_then(|h| Host::from_url_host(h).ok())
                .is_some(),
        )
    });
    time("`grant.allows_host` + `allows_path`", || {
        u64::from(grant.allows_host(black_box(&host)) && grant.allows_path(black_box(url.path())))
    });
    time("decision: allow, exact host", || decide("http.get", &exact));
    let now = Instant::now();
    time("decision: allow, exact host, `Call::at(now)`", || {
        u64::from(
            validate_tool_policy(scope, &Call::new("http.get", black_box(&exact)).at(now)).is_ok(),
        )
    });
    time("decision: allow, wildcard host", || {
        decide("http.get", &wild)
    });
    time("decision: deny, lookalike host", || {
        decide("http.get", &evil)
    });
    time("decision: deny, port", || decide("http.get", &port));
    time("decision: deny, IP literal", || decide("http.get", &ip));
    time("decision: allow, llm.chat", || decide("llm.chat", &llm));
    time("decision: deny, undeclared tool", || {
        decide("http.delete", &exact)
    });
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    // The engines take turns ROUNDS times, so a change in the machine's load hits all of them.
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3)
        .max(1);

    let policy = Policy::from_toml_str(LUMEN_POLICY).expect("lumen policy");
    let scope = policy
        .instantiate("", RootOptions::default())
        .expect("scope");
    let policies = PolicySet::from_str(CEDAR_POLICY).expect("cedar policies");
    let entities = Entities::empty();
    let auth = Authorizer::new();
    let types = CedarTypes::new();

    let mut rng = Rng(SEED);
    let reqs: Vec<Req> = (0..n)
        .map(|_| {
            let (category, tool, args, expect) = generate(&mut rng);
            let cedar = cedar_request(&types, &tool, &args);
            Req {
                category,
                tool,
                args,
                expect,
                cedar,
            }
        })
        .collect();

    // `LUMEN_LOOP=SECONDS`: only run lumen decisions over the corpus, for a profiler (`perf record`).
    if let Some(secs) = std::env::var("LUMEN_LOOP")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
    {
        let end = Instant::now() + Duration::from_secs_f64(secs);
        let mut decisions = 0u64;
        while Instant::now() < end {
            for r in &reqs {
                let args = r.args.clone(); // fresh in cache, as in the measurements
                black_box(lumen_decide(&scope, &r.tool, &args));
            }
            decisions += reqs.len() as u64;
        }
        println!("{decisions} lumen decisions");
        return;
    }

    // Agreement: both engines against the label, on every request.
    let mut lumen_wrong = 0usize;
    let mut cedar_wrong = 0usize;
    let mut disagree = 0usize;
    for r in &reqs {
        let l = lumen_decide(&scope, &r.tool, &r.args);
        let c = cedar_decide(&auth, &policies, &entities, &r.cedar);
        if l != r.expect {
            lumen_wrong += 1;
            if lumen_wrong <= 5 {
                eprintln!("lumen: expected {} for {} {}", r.expect, r.tool, r.args);
            }
        }
        if c != r.expect {
            cedar_wrong += 1;
            if cedar_wrong <= 5 {
                eprintln!("cedar: expected {} for {} {}", r.expect, r.tool, r.args);
            }
        }
        disagree += usize::from(l != c);
    }
    let allowed = reqs.iter().filter(|r| r.expect).count();
    println!(
        "requests: {n} (seed {SEED:#x}), {allowed} allowed / {} denied; single thread, no DNS; \
         best of {rounds} interleaved rounds",
        n - allowed
    );
    println!(
        "agreement: lumen≠cedar on {disagree}, lumen≠label on {lumen_wrong}, cedar≠label on {cedar_wrong}"
    );

    // Timer overhead, for reading the latency columns.
    let mut timer: Vec<u64> = (0..n)
        .map(|_| {
            let t = Instant::now();
            t.elapsed().as_nanos() as u64
        })
        .collect();
    timer.sort_unstable();

    // The engines take turns, ROUNDS times, so a change in the machine's load hits all of them; each
    // figure is the best of the rounds.
    let fresh_call = |r: &Req| (r.tool.clone(), r.args.clone());
    let mut lumen: Option<(Stats, Vec<u64>)> = None;
    let mut cedar: Option<(Stats, Vec<u64>)> = None;
    let mut cedar_raw: Option<(Stats, Vec<u64>)> = None;
    for _ in 0..rounds {
        let l = measure(&reqs, fresh_call, |(tool, args): &(String, Value)| {
            lumen_decide(&scope, tool, args)
        });
        lumen = Some(best(lumen, l));
        let c = measure(
            &reqs,
            |r| r.cedar.clone(),
            |q: &Request| cedar_decide(&auth, &policies, &entities, q),
        );
        cedar = Some(best(cedar, c));
        // Cedar from the same raw call lumen gets: URL parse, context and `Request` inside the timed region.
        let c = measure(&reqs, fresh_call, |(tool, args): &(String, Value)| {
            cedar_decide(
                &auth,
                &policies,
                &entities,
                &cedar_request(&types, tool, args),
            )
        });
        cedar_raw = Some(best(cedar_raw, c));
    }
    let (lumen, lumen_per) = lumen.expect("ROUNDS ≥ 1");
    let (cedar, cedar_per) = cedar.expect("ROUNDS ≥ 1");
    let (cedar_raw, _) = cedar_raw.expect("ROUNDS ≥ 1");

    println!(
        "\nlumen decides the raw call (JSON args with the URL string; parsing is inside the timed region).\n\
         Cedar (row 2) gets each request pre-parsed (URL → scheme/userinfo/host/port/path by the same `url`\n\
         crate and host normalization) with its `Request` built outside the timed region: the setting most\n\
         favourable to Cedar. Row 4 times Cedar from the same raw call as lumen (parse + context + `Request`).\n\
         Every input is a fresh copy made just before it is decided (in cache, like a just-received call);\n\
         \"cold\" streams the whole pre-built corpus instead. Latency: `Instant::now()` around each single\n\
         decision, 3 passes per round, nothing subtracted (an empty timed region measures p50 {} / p99 {}).\n",
        ns(pct(&timer, 0.5)),
        ns(pct(&timer, 0.99))
    );
    println!("| engine | decisions/s | decisions/s (cold) | mean | p50 | p99 | p99.9 |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let row = |name: &str, s: &Stats| {
        println!(
            "| {name} | {:.0} | {:.0} | {:.0} ns | {} | {} | {} |",
            s.per_sec,
            s.cold_per_sec,
            s.mean,
            ns(s.p50),
            ns(s.p99),
            ns(s.p999)
        );
    };
    let ratio = |name: &str, c: &Stats| {
        println!(
            "| {name} | {:.2}× | {:.2}× | {:.2}× | {:.2}× | {:.2}× | {:.2}× |",
            lumen.per_sec / c.per_sec,
            lumen.cold_per_sec / c.cold_per_sec,
            c.mean / lumen.mean,
            c.p50 as f64 / lumen.p50 as f64,
            c.p99 as f64 / lumen.p99 as f64,
            c.p999 as f64 / lumen.p999 as f64
        );
    };
    row("lumen-capability (raw call)", &lumen);
    row("cedar-policy 4 (pre-parsed, `Request` prebuilt)", &cedar);
    ratio("**cedar (pre-parsed) / lumen**", &cedar);
    row(
        "cedar-policy 4 incl. URL parse + `Request` build",
        &cedar_raw,
    );
    ratio("cedar incl. parse / lumen", &cedar_raw);

    // Per category: median of each request's best-of-3 latency.
    let mut cats: Vec<&'static str> = reqs.iter().map(|r| r.category).collect();
    cats.sort_unstable();
    cats.dedup();
    println!("\n| category | requests | lumen p50 | cedar p50 | cedar / lumen |");
    println!("|---|---:|---:|---:|---:|");
    for c in cats {
        let mut l: Vec<u64> = Vec::new();
        let mut k: Vec<u64> = Vec::new();
        for (i, r) in reqs.iter().enumerate() {
            if r.category == c {
                l.push(lumen_per[i]);
                k.push(cedar_per[i]);
            }
        }
        l.sort_unstable();
        k.sort_unstable();
        let (lp, cp) = (pct(&l, 0.5), pct(&k, 0.5));
        println!(
            "| {c} | {} | {} | {} | {:.2}× |",
            l.len(),
            ns(lp),
            ns(cp),
            cp as f64 / lp as f64
        );
    }

    let ratio = lumen.per_sec / cedar.per_sec;
    println!(
        "\ntarget p50 < 1 µs: {} (p50 {}); target ≥ 5× Cedar throughput (pre-parsed Cedar): {} ({ratio:.2}×)",
        if lumen.p50 < 1000 { "met" } else { "MISSED" },
        ns(lumen.p50),
        if ratio >= 5.0 { "met" } else { "MISSED" },
    );

    if std::env::var_os("BREAKDOWN").is_some() {
        breakdown(&scope);
    }

    if disagree + lumen_wrong + cedar_wrong > 0 {
        eprintln!("decisions disagree: failing");
        std::process::exit(1);
    }
}
