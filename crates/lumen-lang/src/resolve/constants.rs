//! Constant arguments of tool calls (E0205): the runtime's own `validate_tool_policy` judges them
//! against the scope chain the cell runs in, before the program runs.

use super::Checker;
use crate::ast::{self, Cell, ExprKind, StrPart};
use crate::diag::{Code, Diagnostic};
use crate::source::FileId;
use lumen_capability::{
    Call, Grant, HostPattern, Scope, ToolId, ViolationCode, validate_tool_policy,
};
use serde_json::Value;
use std::collections::HashMap;

impl Checker<'_> {
    /// E0205: run the runtime's own check on the constant arguments of a tool call.
    pub(super) fn check_constants(
        &mut self,
        file: FileId,
        chain: &Scope,
        tool: &ToolId,
        args: &[ast::Arg],
        cell: &Cell,
    ) {
        // An argument the tool does not take is refused at runtime whatever its value
        // (`UnknownArgument`), so the name alone decides: report it even when the value is not a
        // constant.
        if let Some(known) = tool.known_arguments() {
            let mut unknown = false;
            for name in args.iter().filter_map(|a| a.name.as_ref()) {
                if known.contains(&name.name.as_str()) {
                    continue;
                }
                unknown = true;
                self.diags.push(
                    Diagnostic::new(
                        Code::ConstantViolatesGrant,
                        format!("`{}` is not an argument of `{tool}`", name.name),
                        file,
                        name.span,
                        format!(
                            "{} for `{tool}` in cell `{}`",
                            ViolationCode::UnknownArgument,
                            cell.name.name
                        ),
                    )
                    .with_help(format!("`{tool}` takes: {}", known.join(", "))),
                );
            }
            if unknown {
                return;
            }
        }
        let mut obj = serde_json::Map::new();
        let mut spans = HashMap::new();
        for a in args {
            let Some(name) = &a.name else { continue };
            if let Some(v) = constant(&a.value) {
                spans.insert(name.name.clone(), a.value.span);
                obj.insert(name.name.clone(), v);
            }
        }
        if obj.is_empty() {
            return;
        }
        // A constrained argument that is not a constant is filled with a value the grant allows, so
        // the runtime check goes on to judge the constants instead of stopping at the missing one.
        let grant = chain.effective().get(tool.as_str()).cloned();
        let mut args_v = Value::Object(obj);
        let v = loop {
            let Err(v) = validate_tool_policy(chain, &Call::new(tool.as_str(), &args_v)) else {
                return;
            };
            let fillable = v.code == ViolationCode::MissingArgument
                && v.argument.is_some_and(|a| !spans.contains_key(a));
            let filler = match (fillable, v.argument, &grant) {
                (true, Some(a), Some(g)) => filler(a, g),
                _ => None,
            };
            match (filler, v.argument, args_v.as_object_mut()) {
                (Some(x), Some(a), Some(map)) if !map.contains_key(a) => {
                    map.insert(a.to_owned(), x);
                }
                _ => break v,
            }
        };
        let value_codes = [
            ViolationCode::InvalidUrl,
            ViolationCode::SchemeNotAllowed,
            ViolationCode::UserinfoInUrl,
            ViolationCode::DomainNotGranted,
            ViolationCode::PortNotAllowed,
            ViolationCode::PrivateAddress,
            ViolationCode::PathNotGranted,
            ViolationCode::MethodNotAllowed,
            ViolationCode::ModelNotAllowed,
            ViolationCode::TokensExceedGrant,
            ViolationCode::ArgumentType,
            ViolationCode::HeaderNotAllowed,
            ViolationCode::InvalidHeaderName,
            ViolationCode::InvalidHeaderValue,
            ViolationCode::DuplicateHeader,
            ViolationCode::ArgumentContradictsTool,
            ViolationCode::MethodOverride,
        ];
        if !value_codes.contains(&v.code) {
            return;
        }
        let Some(arg) = v.argument else { return };
        let Some(span) = spans.get(arg) else { return };
        let what = v
            .normalized
            .as_deref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        let mut diag = Diagnostic::new(
            Code::ConstantViolatesGrant,
            format!("this `{arg}` can never be allowed: {}{what}", v.code),
            file,
            *span,
            format!("{} for `{tool}` in cell `{}`", v.code, cell.name.name),
        );
        if !v.decided_by.is_empty() {
            diag = diag.with_note(format!(
                "decided by the grants of: {}",
                v.decided_by.join(", ")
            ));
        }
        if let Some(c) = v.constraint {
            diag = diag.with_help(format!(
                "use a value the `{c}` constraint allows, or widen the grant"
            ));
        }
        self.diags.push(diag);
    }
}

/// A value for argument `arg` that `g` allows, standing in for a non-constant argument.
fn filler(arg: &str, g: &Grant) -> Option<Value> {
    match arg {
        "method" => Some(Value::from(
            g.methods()
                .and_then(|m| m.first().copied())
                .unwrap_or("GET"),
        )),
        "model" => Some(Value::from(
            g.models()
                .and_then(|m| m.first().cloned())
                .unwrap_or_else(|| "model".to_owned()),
        )),
        "url" => {
            let (scheme, port) = g
                .endpoints()
                .and_then(|e| e.first().copied())
                .unwrap_or((lumen_capability::Scheme::Https, 443));
            let host = match g.hosts().and_then(|h| h.patterns().first()) {
                None => "example.com".to_owned(),
                Some(HostPattern::Exact(h)) => h.clone(),
                Some(HostPattern::Wildcard(s)) => format!("x.{s}"),
                Some(HostPattern::Net(n)) => match n.addr() {
                    std::net::IpAddr::V4(a) => a.to_string(),
                    std::net::IpAddr::V6(a) => format!("[{a}]"),
                },
            };
            let path = g
                .path_prefixes()
                .and_then(|p| p.first())
                .map_or("/", String::as_str);
            Some(Value::from(format!(
                "{}://{host}:{port}{path}",
                scheme.as_str()
            )))
        }
        _ => None,
    }
}

/// The value of a constant expression (no names, no interpolation), if it is one.
fn constant(e: &ast::Expr) -> Option<Value> {
    match &e.kind {
        ExprKind::Str(parts) => {
            let mut s = String::new();
            for p in parts {
                match p {
                    StrPart::Text(t) => s.push_str(t),
                    StrPart::Interp(_) => return None,
                }
            }
            Some(Value::String(s))
        }
        ExprKind::Int(i) => Some(Value::from(*i)),
        ExprKind::Float(f) => serde_json::Number::from_f64(*f).map(Value::Number),
        ExprKind::Bool(b) => Some(Value::Bool(*b)),
        ExprKind::List(xs) => xs
            .iter()
            .map(constant)
            .collect::<Option<Vec<_>>>()
            .map(Value::Array),
        _ => None,
    }
}
