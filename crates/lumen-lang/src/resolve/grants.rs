//! `use tool` and `grant` declarations: declaring aliases (E0101, E0103), lowering grants to
//! `lumen-capability` grants (E0102, E0103, E0104), and narrowing them by the enclosing scope's
//! effective grants (E0203).

use super::module::{Alias, Declared};
use super::{Checker, suggest};
use crate::ast::{self, GrantDecl, LiteralKind};
use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, Span};
use lumen_capability::{Constraint, Grant, GrantError, GrantSet, ToolId};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

impl Checker<'_> {
    /// Declares `use tool` aliases into `into` (errors for unknown tools and duplicates).
    pub(super) fn declare_uses(
        &mut self,
        file: FileId,
        uses: &[&ast::UseTool],
        into: &mut HashMap<String, Alias>,
        outer: Option<&HashMap<String, Alias>>,
    ) {
        for u in uses {
            let tool = match ToolId::parse(&u.tool.name) {
                Ok(t) => Some(t),
                Err(e) => {
                    let label = match e {
                        GrantError::InvalidToolId { reason, .. } => reason,
                        _ => "no such tool",
                    };
                    self.diags.push(
                        Diagnostic::new(Code::UnknownTool, format!("unknown tool `{}`", u.tool.name), file, u.tool.span, label)
                            .with_help("tools are `http.get|head|post|put|patch|delete|request`, `llm.chat|complete|embed` and `mcp.<server>.<tool>`"),
                    );
                    None
                }
            };
            if let Some(prev) = into
                .get(&u.alias.name)
                .or_else(|| outer.and_then(|o| o.get(&u.alias.name)))
            {
                self.diags.push(
                    Diagnostic::new(
                        Code::Duplicate,
                        format!("the alias `{}` is declared twice", u.alias.name),
                        file,
                        u.alias.span,
                        "declared again here",
                    )
                    .with_label(file, prev.span, "first declared here")
                    .with_help("give the second tool another alias"),
                );
                continue;
            }
            into.insert(
                u.alias.name.clone(),
                Alias {
                    tool,
                    span: u.alias.span,
                },
            );
        }
    }

    /// Lowers grant declarations to a level's declared grants (E0102, E0103, E0104).
    pub(super) fn lower_grants(
        &mut self,
        file: FileId,
        decls: &[&GrantDecl],
        inner: &HashMap<String, Alias>,
        outer: Option<&HashMap<String, Alias>>,
    ) -> BTreeMap<String, Declared> {
        let aliases = |n: &str| {
            inner
                .get(n)
                .or_else(|| outer.and_then(|o| o.get(n)))
                .cloned()
        };
        let mut out: BTreeMap<String, Declared> = BTreeMap::new();
        for d in decls {
            let Some(alias) = aliases(&d.alias.name) else {
                let mut diag = Diagnostic::new(
                    Code::UnknownAlias,
                    format!(
                        "`{}` is not a tool alias declared with `use tool`",
                        d.alias.name
                    ),
                    file,
                    d.alias.span,
                    "unknown alias",
                )
                .with_help(format!(
                    "declare it first: `use tool <tool id> as {}`",
                    d.alias.name
                ));
                let names = inner
                    .keys()
                    .chain(outer.into_iter().flat_map(|o| o.keys()))
                    .map(String::as_str);
                if let Some(s) = suggest(&d.alias.name, names) {
                    diag = diag.with_note(format!("did you mean `{s}`?"));
                }
                self.diags.push(diag);
                continue;
            };
            let Some(tool) = alias.tool else { continue };
            let pairs = d
                .constraints
                .iter()
                .map(|c| (c.key.name.clone(), literal_json(&c.value)));
            match Grant::build(tool.as_str(), pairs) {
                Ok(grant) => {
                    if let Some(prev) = out.get(tool.as_str()) {
                        self.diags.push(
                            Diagnostic::new(
                                Code::Duplicate,
                                format!("`{}` is granted twice in one scope", tool),
                                file,
                                d.span,
                                "granted again here",
                            )
                            .with_label(file, prev.decl.span, "first granted here")
                            .with_help("merge the two grants into one"),
                        );
                        continue;
                    }
                    out.insert(
                        tool.to_string(),
                        Declared {
                            grant,
                            decl: (*d).clone(),
                        },
                    );
                }
                Err(e) => {
                    self.diags.push(self.grant_error(file, d, &e));
                    // Keep the tool declared so the error does not cascade into "not granted" errors
                    // elsewhere; the program has already failed the check.
                    out.entry(tool.to_string()).or_insert_with(|| Declared {
                        grant: Grant::unconstrained(tool.clone()),
                        decl: (*d).clone(),
                    });
                }
            }
        }
        out
    }

    fn grant_error(&self, file: FileId, d: &GrantDecl, e: &GrantError) -> Diagnostic {
        let key_of = |k: &str| d.constraints.iter().rev().find(|c| c.key.name == k);
        let (span, label) = match e {
            GrantError::UnknownConstraint { key, .. } => {
                (key_of(key).map(|c| c.key.span), "unknown constraint")
            }
            GrantError::ConstraintNotApplicable { key, .. } => (
                key_of(key).map(|c| c.key.span),
                "not a constraint of this tool",
            ),
            GrantError::DuplicateConstraint { key, .. } => {
                (key_of(key).map(|c| c.span), "given again here")
            }
            GrantError::WrongType { key, .. } | GrantError::InvalidValue { key, .. } => {
                (key_of(key).map(|c| c.value.span), "invalid value")
            }
            GrantError::InvalidHostPattern { .. }
            | GrantError::PublicSuffixWildcard { .. }
            | GrantError::WildcardAbovePublicSuffix { .. } => (
                key_of("domain").map(|c| c.value.span),
                "invalid host pattern",
            ),
            _ => (None, "invalid grant"),
        };
        let mut diag = Diagnostic::new(
            Code::InvalidConstraint,
            e.to_string(),
            file,
            span.unwrap_or(d.span),
            label,
        );
        if let GrantError::UnknownConstraint { key, .. } = e {
            let keys = Constraint::ALL.map(Constraint::key);
            diag = match suggest(key, keys.into_iter()) {
                Some(s) => diag.with_help(format!("did you mean `{s}`?")),
                None => diag.with_help(format!("constraints are: {}", keys.join(", "))),
            };
        }
        diag
    }

    /// Checks each declared grant against the enclosing effective grants (E0203) and returns
    /// declared ∩ enclosing.
    pub(super) fn narrow(
        &mut self,
        file: FileId,
        declared: &BTreeMap<String, Declared>,
        enclosing: &GrantSet,
        enclosing_name: &str,
        enclosing_span: Option<(FileId, Span)>,
    ) -> GrantSet {
        // declared ∩ enclosing, tool by tool. Where the grant is in error, the result holds a stand-in
        // (the declared grant, or the enclosing one) so one mistake is reported once, not again at
        // every call; the program has already failed the check.
        let mut set = GrantSet::new();
        for (tool, d) in declared {
            let result = match enclosing.get(tool) {
                None => {
                    let mut diag = Diagnostic::new(
                        Code::GrantExceedsScope,
                        format!(
                            "{enclosing_name} does not grant `{tool}`, so this grant gives nothing"
                        ),
                        file,
                        d.decl.span,
                        "not granted by the enclosing scope",
                    )
                    .with_help(format!(
                        "grant `{}` in {enclosing_name} first",
                        d.decl.alias.name
                    ));
                    if let Some((f, s)) = enclosing_span {
                        diag = diag.with_label(f, s, "enclosing scope");
                    }
                    self.diags.push(diag);
                    Some(d.grant.as_root())
                }
                Some(outer) => {
                    let excess = d.grant.excess_over(outer);
                    let ok = excess.is_empty();
                    for c in excess {
                        let at = d.decl.constraints.iter().find(|x| {
                            x.key.name == c.key()
                                || (c == Constraint::Scheme && x.key.name == "port")
                                || (c == Constraint::Port && x.key.name == "scheme")
                        });
                        let span = at.map_or(d.decl.span, |x| x.span);
                        let allowed = outer
                            .to_json()
                            .get(c.key())
                            .map_or_else(|| "nothing".to_owned(), ToString::to_string);
                        self.diags.push(
                            Diagnostic::new(
                                Code::GrantExceedsScope,
                                format!("this grant of `{tool}` asks for more `{c}` than {enclosing_name} allows"),
                                file,
                                span,
                                format!("exceeds {enclosing_name}"),
                            )
                            .with_note(format!("{enclosing_name} allows {c} = {allowed}"))
                            .with_help(format!("narrow `{c}` to what {enclosing_name} allows, or widen the enclosing grant")),
                        );
                    }
                    if ok {
                        d.grant.intersect(outer)
                    } else {
                        Some(outer.clone())
                    }
                }
            };
            if let Some(g) = result {
                let _ = set.insert(g);
            }
        }
        set
    }
}

/// The grants of a lowered scope, as a set (at most one per tool, which `lower_grants` ensures).
pub(super) fn grant_set(m: &BTreeMap<String, Declared>) -> GrantSet {
    let mut set = GrantSet::new();
    for d in m.values() {
        let _ = set.insert(d.grant.clone());
    }
    set
}

/// A constraint value as the JSON `lumen-capability` builds grants from.
fn literal_json(l: &ast::Literal) -> Value {
    match &l.kind {
        LiteralKind::Str(s) => Value::String(s.clone()),
        LiteralKind::Int(i) => Value::from(*i),
        LiteralKind::Float(f) => {
            serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
        }
        LiteralKind::Bool(b) => Value::Bool(*b),
        LiteralKind::List(xs) => Value::Array(xs.iter().map(literal_json).collect()),
    }
}
