//! The calls in a cell body: a tool call needs the cell's own grant (E0201), a name must be a
//! tool, a cell or a builtin (E0202), tools and cells take named arguments once each (E0209,
//! E0103), and a call of a cell must not escalate (E0204).

use super::module::{ModScope, ResolvedCell};
use super::{BUILTINS, Checker, MAX_WALK_DEPTH, suggest};
use crate::ast::{self, Cell, ExprKind, Stmt, StrPart};
use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, Span};
use lumen_capability::Scope;
use std::collections::HashMap;

impl Checker<'_> {
    pub(super) fn check_body(&mut self, scope: &ModScope, agent: Option<&str>, cell: &Cell) {
        let resolved = match agent {
            Some(a) => scope
                .agents
                .get(a)
                .and_then(|ag| ag.cells.get(&cell.name.name)),
            None => scope.cells.get(&cell.name.name),
        };
        let Some(me) = resolved.cloned() else { return };
        let mut calls = Vec::new();
        for s in &cell.body {
            collect_calls_stmt(s, &mut calls, 0);
        }
        // The scope chain the runtime would build, for constant-argument checks and `decided_by`.
        let chain = self.scope_chain(scope, agent, cell);
        for (callee, args, span) in calls {
            self.check_call(scope, agent, cell, &me, chain.as_ref(), callee, args, span);
        }
    }

    fn scope_chain(&self, scope: &ModScope, agent: Option<&str>, cell: &Cell) -> Option<Scope> {
        let root = Scope::root("module", &scope.module.effective).ok()?;
        let parent = match agent.and_then(|a| scope.agents.get(a)) {
            Some(ag) => root.child(&ag.level.name, &ag.level.effective).ok()?,
            None => root,
        };
        let me = match agent {
            Some(a) => scope.agents.get(a)?.cells.get(&cell.name.name)?,
            None => scope.cells.get(&cell.name.name)?,
        };
        // Each level is given its effective grants (its declared ones narrowed, or a stand-in where
        // they were in error), so a constant is judged once against what the cell really runs with.
        parent.child(&cell.name.name, &me.effective).ok()
    }

    #[allow(clippy::too_many_arguments)]
    fn check_call(
        &mut self,
        scope: &ModScope,
        agent: Option<&str>,
        cell: &Cell,
        me: &ResolvedCell,
        chain: Option<&Scope>,
        callee: &ast::Expr,
        args: &[ast::Arg],
        span: Span,
    ) {
        let file = scope.file;
        let agent_scope = agent.and_then(|a| scope.agents.get(a));
        if !self.check_arguments(file, callee, args) {
            return;
        }
        match &callee.kind {
            ExprKind::Name(id) => {
                let alias = agent_scope
                    .and_then(|a| a.aliases.get(&id.name))
                    .or_else(|| scope.aliases.get(&id.name));
                if let Some(alias) = alias {
                    let Some(tool) = &alias.tool else { return };
                    if me.declared.get(tool.as_str()).is_none() {
                        let mut diag = Diagnostic::new(
                            Code::ToolNotGranted,
                            format!(
                                "cell `{}` calls `{}` ({tool}) without granting it",
                                me.name, id.name
                            ),
                            file,
                            id.span,
                            "not granted to this cell",
                        )
                        .with_label(file, cell.name.span, "this cell declares no grant for it")
                        .with_help(format!(
                            "add `grant {}` at the top of cell `{}`",
                            id.name, cell.name.name
                        ));
                        if let Some(d) = scope.module.declared.get(tool.as_str()) {
                            diag = diag.with_label(file, d.decl.span, "the module grants it, but a cell runs only with the grants it declares");
                        }
                        self.diags.push(diag);
                        return;
                    }
                    if me.effective.get(tool.as_str()).is_some()
                        && let Some(chain) = chain
                    {
                        self.check_constants(file, chain, tool, args, cell);
                    }
                    return;
                }
                let local = agent_scope
                    .and_then(|a| a.cells.get(&id.name))
                    .or_else(|| scope.cells.get(&id.name));
                if let Some(target) = local {
                    self.check_escalation(file, me, target, span);
                    return;
                }
                if BUILTINS.contains(&id.name.as_str()) {
                    return;
                }
                let mut candidates: Vec<&str> = scope.aliases.keys().map(String::as_str).collect();
                candidates.extend(scope.cells.keys().map(String::as_str));
                if let Some(a) = agent_scope {
                    candidates.extend(a.aliases.keys().map(String::as_str));
                    candidates.extend(a.cells.keys().map(String::as_str));
                }
                candidates.extend(BUILTINS);
                let mut diag = Diagnostic::new(
                    Code::UnknownCallee,
                    format!("`{}` is not a tool, a cell or a builtin", id.name),
                    file,
                    id.span,
                    "unknown name",
                );
                diag = match suggest(&id.name, candidates.into_iter()) {
                    Some(s) => diag.with_help(format!("did you mean `{s}`?")),
                    None => diag.with_help(
                        "declare a tool with `use tool <id> as <Alias>`, or define the cell",
                    ),
                };
                self.diags.push(diag);
            }
            ExprKind::Field(base, member) => {
                let root_name = match &base.kind {
                    ExprKind::Name(b) => Some(&b.name),
                    ExprKind::Field(inner, _) => match &inner.kind {
                        ExprKind::Name(m) => Some(&m.name),
                        _ => None,
                    },
                    _ => None,
                };
                if root_name.is_some_and(|n| scope.failed_imports.contains(n)) {
                    return;
                }
                let target = match &base.kind {
                    ExprKind::Name(b) => {
                        if let Some(ag) = scope.agents.get(&b.name) {
                            Some(ag.cells.get(&member.name).ok_or_else(|| {
                                format!("agent `{}` has no cell `{}`", b.name, member.name)
                            }))
                        } else {
                            scope.imports.get(&b.name).map(|m| {
                                m.cells.get(&member.name).ok_or_else(|| {
                                    format!("module `{}` has no cell `{}`", b.name, member.name)
                                })
                            })
                        }
                    }
                    ExprKind::Field(inner, ag) => match &inner.kind {
                        ExprKind::Name(m) => scope.imports.get(&m.name).map(|m2| {
                            m2.agents
                                .get(&ag.name)
                                .and_then(|cells| cells.get(&member.name))
                                .ok_or_else(|| {
                                    format!(
                                        "module `{}` has no cell `{}.{}`",
                                        m.name, ag.name, member.name
                                    )
                                })
                        }),
                        _ => None,
                    },
                    _ => None,
                };
                match target {
                    Some(Ok(t)) => {
                        let t = t.clone();
                        self.check_escalation(file, me, &t, span);
                    }
                    Some(Err(msg)) => self.diags.push(Diagnostic::new(Code::UnknownCallee, msg, file, member.span, "no such cell")),
                    None => self.diags.push(
                        Diagnostic::new(Code::UnknownCallee, "only tools, cells, agents' cells and imported modules' cells can be called", file, callee.span, "not callable")
                            .with_help("call a cell as `cell(...)`, `Agent.cell(...)` or `module.cell(...)`"),
                    ),
                }
            }
            _ => self.diags.push(Diagnostic::new(
                Code::UnknownCallee,
                "this expression cannot be called",
                file,
                callee.span,
                "not callable",
            )),
        }
    }

    /// Tools and cells take named arguments, each once (E0209, E0103); builtins take positional ones.
    /// Returns whether the call's arguments can be judged further.
    fn check_arguments(&mut self, file: FileId, callee: &ast::Expr, args: &[ast::Arg]) -> bool {
        if let ExprKind::Name(id) = &callee.kind
            && BUILTINS.contains(&id.name.as_str())
        {
            return true;
        }
        let mut ok = true;
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for a in args {
            match &a.name {
                None => {
                    ok = false;
                    self.diags.push(
                        Diagnostic::new(
                            Code::PositionalArgument,
                            "tools and cells take named arguments",
                            file,
                            a.value.span,
                            "this argument has no name",
                        )
                        .with_help(
                            "name it, e.g. `url: …` for an HTTP tool, `prompt: …` for an LLM",
                        ),
                    );
                }
                Some(n) => {
                    if let Some(prev) = seen.insert(n.name.as_str(), n.span) {
                        ok = false;
                        self.diags.push(
                            Diagnostic::new(
                                Code::Duplicate,
                                format!("the argument `{}` is given twice", n.name),
                                file,
                                n.span,
                                "given again here",
                            )
                            .with_label(file, prev, "first given here"),
                        );
                    }
                }
            }
        }
        ok
    }

    /// E0204: the callee must not need more than the caller has.
    fn check_escalation(
        &mut self,
        file: FileId,
        caller: &ResolvedCell,
        callee: &ResolvedCell,
        span: Span,
    ) {
        // The caller's alias for a tool, for help lines; looked up only when there is an error.
        let alias_for = |this: &Self, tool: &str| {
            this.aliases_of(file)
                .remove(tool)
                .unwrap_or_else(|| tool.to_owned())
        };
        for g in callee.effective.iter() {
            let tool = g.tool().as_str();
            match caller.effective.get(tool) {
                None => self.diags.push(
                    Diagnostic::new(
                        Code::CallEscalation,
                        format!("cell `{}` calls `{}`, which uses `{tool}`; `{}` does not have it", caller.name, callee.name, caller.name),
                        file,
                        span,
                        "this call would escalate",
                    )
                    .with_label(callee.file, callee.span, format!("`{}` is defined here", callee.name))
                    .with_note(format!("at runtime `{}` would run with the intersection of both cells' grants, so its `{tool}` calls could only fail", callee.name))
.with_help(format!(
                        "grant `{}` in `{}` (within its enclosing grants), or do not call `{}` from it",
                        alias_for(self, tool),
                        caller.name,
                        callee.name
                    ))
                ),
                Some(mine) => {
                    let excess = g.excess_over(mine);
                    if !excess.is_empty() {
                        let list: Vec<&str> = excess.iter().map(|c| c.key()).collect();
                        self.diags.push(
                            Diagnostic::new(
                                Code::CallEscalation,
                                format!("cell `{}` calls `{}`, whose grant of `{tool}` is wider than its own ({})", caller.name, callee.name, list.join(", ")),
                                file,
                                span,
                                "this call would escalate",
                            )
                            .with_label(callee.file, callee.span, format!("`{}` is defined here", callee.name))
                            .with_note(format!("`{}` has {tool} {}", callee.name, g.to_json()))
                            .with_note(format!("`{}` has {tool} {}", caller.name, mine.to_json()))
                            .with_help(format!("narrow the grant in `{}` or widen the one in `{}`", callee.name, caller.name)),
                        );
                    }
                }
            }
        }
    }
}

/// A call found in a body: its callee, its arguments and its span.
type CallRef<'a> = (&'a ast::Expr, &'a [ast::Arg], Span);

fn collect_calls_stmt<'a>(s: &'a Stmt, out: &mut Vec<CallRef<'a>>, depth: usize) {
    if depth > MAX_WALK_DEPTH {
        return;
    }
    match s {
        Stmt::Let { value, .. } => collect_calls_expr(value, out, depth + 1),
        Stmt::Return { value, .. } => {
            if let Some(v) = value {
                collect_calls_expr(v, out, depth + 1);
            }
        }
        Stmt::If {
            cond,
            then,
            otherwise,
            ..
        } => {
            collect_calls_expr(cond, out, depth + 1);
            for s in then.iter().chain(otherwise.iter().flatten()) {
                collect_calls_stmt(s, out, depth + 1);
            }
        }
        Stmt::For { iter, body, .. } => {
            collect_calls_expr(iter, out, depth + 1);
            for s in body {
                collect_calls_stmt(s, out, depth + 1);
            }
        }
        Stmt::Expr(e) => collect_calls_expr(e, out, depth + 1),
    }
}

fn collect_calls_expr<'a>(e: &'a ast::Expr, out: &mut Vec<CallRef<'a>>, depth: usize) {
    if depth > MAX_WALK_DEPTH {
        return;
    }
    match &e.kind {
        ExprKind::Str(parts) => {
            for p in parts {
                if let StrPart::Interp(x) = p {
                    collect_calls_expr(x, out, depth + 1);
                }
            }
        }
        ExprKind::List(xs) => xs
            .iter()
            .for_each(|x| collect_calls_expr(x, out, depth + 1)),
        ExprKind::Record(fs) => fs
            .iter()
            .for_each(|(_, x)| collect_calls_expr(x, out, depth + 1)),
        ExprKind::Field(b, _) => collect_calls_expr(b, out, depth + 1),
        ExprKind::Binary(_, a, b) => {
            collect_calls_expr(a, out, depth + 1);
            collect_calls_expr(b, out, depth + 1);
        }
        ExprKind::Unary(_, a) => collect_calls_expr(a, out, depth + 1),
        ExprKind::Call { callee, args } => {
            out.push((callee, args, e.span));
            for a in args {
                collect_calls_expr(&a.value, out, depth + 1);
            }
        }
        ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Bool(_) | ExprKind::Name(_) => {}
    }
}
