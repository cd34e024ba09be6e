//! Criterion benchmarks for `lumen_capability::validate_tool_policy`: one dispatch-time decision,
//! without DNS (the URL is parsed, the host normalized and matched, budgets spent, the decision sent
//! to the (null) audit sink — everything the call path does before a provider resolves a name).
//!
//! Run with `cargo bench -p lumen-capability --bench decide`. Two groups, `decide/budgetless` and
//! `decide/max_calls`, run the same cases against the same grants, the second with a large
//! `max_calls` budget on every scope (so each allowed call takes the budget lock and spends a
//! counter on every level). Throughput is reported per element: one decision.
//!
//! The side-by-side comparison against `cedar-policy` is in `bench/` (`bench/capability.sh`).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use lumen_capability::{Call, Policy, RootOptions, Scope, ViolationCode, validate_tool_policy};
use serde_json::{Value, json};
use std::hint::black_box;

/// Large enough that no benchmark run spends it.
const BUDGET: u64 = 1 << 60;

/// The policy: a root with HTTP and LLM grants, and a chain of three nested scopes that narrow them.
fn policy(budget: bool) -> Policy {
    let calls = if budget {
        format!("max_calls = {BUDGET}")
    } else {
        String::new()
    };
    let toml = format!(
        r#"
        [grants."http.get"]
        domain = ["api.example.com", "*.cdn.example.com", "docs.example.org", "10.1.2.3"]
        path_prefix = ["/v1", "/static"]
        timeout_ms = 5000
        {calls}

        [grants."http.head"]        # any public host
        {calls}

        [grants."llm.chat"]
        model = ["gpt-4o-mini", "claude-haiku"]
        max_tokens = 1024
        {calls}

        [scopes.org.grants."http.get"]
        domain = ["api.example.com", "*.cdn.example.com"]
        {calls}

        [scopes.org.scopes.team.grants."http.get"]
        domain = ["api.example.com", "*.cdn.example.com"]
        path_prefix = "/v1"
        {calls}

        [scopes.org.scopes.team.scopes.agent.grants."http.get"]
        domain = "api.example.com"
        {calls}
        "#
    );
    Policy::from_toml_str(&toml).expect("benchmark policy")
}

/// One benchmarked decision: the scope, the tool, its arguments and the expected outcome.
struct Case {
    name: &'static str,
    scope: &'static str,
    tool: &'static str,
    args: Value,
    expect: Result<(), ViolationCode>,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "http_get_exact_host",
            scope: "",
            tool: "http.get",
            args: json!({"url": "https://api.example.com/v1/users/42?fields=name"}),
            expect: Ok(()),
        },
        Case {
            name: "http_get_wildcard_host",
            scope: "",
            tool: "http.get",
            args: json!({"url": "https://eu-west.img.cdn.example.com/static/logo.png"}),
            expect: Ok(()),
        },
        Case {
            name: "deny_lookalike_host",
            scope: "",
            tool: "http.get",
            args: json!({"url": "https://api.example.com.evil.test/v1/users"}),
            expect: Err(ViolationCode::DomainNotGranted),
        },
        Case {
            name: "deny_private_ip_literal",
            scope: "",
            tool: "http.head",
            args: json!({"url": "https://10.0.0.7/v1/metadata"}),
            expect: Err(ViolationCode::PrivateAddress),
        },
        Case {
            name: "llm_chat_allowed",
            scope: "",
            tool: "llm.chat",
            args: json!({"model": "gpt-4o-mini", "max_tokens": 512, "messages": []}),
            expect: Ok(()),
        },
        Case {
            name: "nested_depth3_allowed",
            scope: "org/team/agent",
            tool: "http.get",
            args: json!({"url": "https://api.example.com/v1/users/42"}),
            expect: Ok(()),
        },
    ]
}

fn bench_group(group: &mut BenchmarkGroup<'_, WallTime>, budget: bool) {
    let policy = policy(budget);
    for case in cases() {
        let scope: Scope = policy
            .instantiate(case.scope, RootOptions::default())
            .expect("scope");
        // Check the case once, outside the measurement.
        let got = validate_tool_policy(&scope, &Call::new(case.tool, &case.args))
            .map(|_| ())
            .map_err(|v| v.code);
        assert_eq!(got, case.expect, "{}", case.name);
        group.bench_function(case.name, |b| {
            b.iter(|| {
                let call = Call::new(black_box(case.tool), black_box(&case.args));
                black_box(validate_tool_policy(black_box(&scope), &call))
            });
        });
    }
}

fn decide(c: &mut Criterion) {
    for (label, budget) in [("budgetless", false), ("max_calls", true)] {
        let mut group = c.benchmark_group(format!("decide/{label}"));
        group.throughput(Throughput::Elements(1));
        bench_group(&mut group, budget);
        group.finish();
    }
}

criterion_group!(benches, decide);
criterion_main!(benches);
