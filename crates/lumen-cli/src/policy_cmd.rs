//! `lumen policy …`: decide tool calls under a capability policy from the shell.

use crate::cli::{PolicyCommand, PolicyEvalArgs, PolicyShowArgs};
use crate::error::CliError;
use crate::input::read_input;
use crate::out::write_stdout;
use lumen_capability::{
    Call, JsonLinesAudit, Policy, RootOptions, Scope, SystemResolver, validate_tool_policy,
};
use lumen_crypto::fs::append_regular_file;
use lumen_crypto::json::{StrictJsonError, parse_value_strict};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// Policies and argument documents larger than this are refused.
const MAX_POLICY_BYTES: u64 = 4 << 20;

pub(crate) fn run(cmd: PolicyCommand) -> Result<(), CliError> {
    match cmd {
        PolicyCommand::Eval(args) => eval(args),
        PolicyCommand::Show(args) => show(args),
    }
}

fn load_policy(path: &Path) -> Result<Policy, CliError> {
    let bytes = read_input(path, MAX_POLICY_BYTES)?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| CliError::usage(format!("{} is not UTF-8 text", path.display())))?;
    Policy::parse(text).map_err(|e| {
        CliError::usage(format!("{} is not a valid policy", path.display()))
            .caused_by(&e)
            .hint("see `lumen_capability::policy` in the README for the format")
    })
}

fn instantiate(policy: &Policy, scope: &str, opts: RootOptions) -> Result<Scope, CliError> {
    policy.instantiate(scope, opts).map_err(|e| {
        let names: Vec<&str> = policy.root.scopes.keys().map(String::as_str).collect();
        CliError::usage(format!("cannot open scope `{scope}`"))
            .caused_by(&e)
            .hint(format!(
                "scopes are paths below the root; top-level scopes in this policy: {}",
                if names.is_empty() {
                    "(none)".to_owned()
                } else {
                    names.join(", ")
                }
            ))
    })
}

fn eval(args: PolicyEvalArgs) -> Result<(), CliError> {
    let policy = load_policy(&args.policy)?;
    // The workspace's strict reader: a member named twice (`{"url": …, "url": …}`) is refused,
    // not resolved to the last one.
    let call_args: Value = parse_value_strict(&args.args).map_err(|e| {
        let message = match &e {
            StrictJsonError::DuplicateMember { name, .. } => {
                format!("--args names the member {name:?} twice")
            }
            _ => "--args is not valid JSON".to_owned(),
        };
        CliError::usage(message)
            .caused_by(&e)
            .hint(r#"pass an object, e.g. --args '{"url": "https://api.example.com/"}'"#)
    })?;
    let mut opts = RootOptions::default();
    if let Some(path) = &args.audit {
        // A regular file only, opened without blocking (a FIFO with no reader would hang).
        let file = append_regular_file(path).map_err(|e| {
            CliError::usage(format!("cannot open audit log {}", path.display())).caused_by(&e)
        })?;
        opts.audit = Some(Arc::new(JsonLinesAudit::new(file)));
    }
    let scope = instantiate(&policy, &args.scope, opts)?;
    let now = Instant::now();
    let decision = validate_tool_policy(&scope, &Call::new(&args.tool, &call_args).at(now));
    let result = decision.and_then(|enforced| {
        let addresses = if args.resolve {
            Some(enforced.resolve(&SystemResolver)?)
        } else {
            None
        };
        Ok((enforced, addresses))
    });
    match result {
        Ok((e, addresses)) => {
            let mut out = json!({
                "decision": "allow",
                "scope": scope.path(),
                "tool": e.tool,
            });
            let obj = out.as_object_mut();
            if let Some(obj) = obj {
                if let Some(t) = &e.http {
                    obj.insert("url".into(), json!(t.url.as_str()));
                    obj.insert("host".into(), json!(t.host.to_string()));
                    obj.insert("port".into(), json!(t.port));
                }
                if let Some(m) = e.method {
                    obj.insert("method".into(), json!(m));
                }
                if let Some(a) = addresses {
                    let a: Vec<String> = a.iter().map(ToString::to_string).collect();
                    obj.insert("addresses".into(), json!(a));
                }
                if let Some(left) = e.time_left(now) {
                    obj.insert("timeout_ms".into(), json!(left.as_millis() as u64));
                }
                if let Some(m) = &e.model {
                    obj.insert("model".into(), json!(m));
                }
                for (k, v) in [
                    ("max_tokens", e.max_tokens),
                    ("max_bytes", e.max_bytes),
                    ("remaining_calls", e.remaining_calls),
                ] {
                    if let Some(v) = v {
                        obj.insert(k.into(), json!(v));
                    }
                }
                if let Some(g) = scope.effective().get(&args.tool) {
                    obj.insert("grant".into(), g.to_json());
                }
            }
            print_json(&out)
        }
        Err(v) => {
            let out = json!({ "decision": "deny", "violation": &*v });
            print_json(&out)?;
            crate::out::stderr!("denied: {v}");
            Err(CliError::denied())
        }
    }
}

fn show(args: PolicyShowArgs) -> Result<(), CliError> {
    let policy = load_policy(&args.policy)?;
    let scope = instantiate(&policy, &args.scope, RootOptions::default())?;
    print_json(&json!({
        "scope": scope.path(),
        "declared": scope.declared().to_json(),
        "effective": scope.effective().to_json(),
    }))
}

fn print_json(v: &Value) -> Result<(), CliError> {
    let mut text = serde_json::to_string_pretty(v)
        .map_err(|e| CliError::usage("cannot encode the decision").caused_by(&e))?;
    text.push('\n');
    write_stdout(text.as_bytes())
}
