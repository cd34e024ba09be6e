//! One name, one meaning (E0103): module-level names against an agent's, declared names against
//! the builtins, and parameters and variables against the names a call could mean.

use super::{BUILTINS, Checker, MAX_WALK_DEPTH};
use crate::ast::{self, Cell, Item, Stmt};
use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, Span};
use std::collections::HashMap;

/// What a declared name names, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NameKind {
    Alias,
    Agent,
    Cell,
    Import,
}

impl NameKind {
    fn what(self) -> &'static str {
        match self {
            NameKind::Alias => "a tool alias",
            NameKind::Agent => "an agent",
            NameKind::Cell => "a cell",
            NameKind::Import => "an imported module",
        }
    }
}

impl Checker<'_> {
    /// One name, one meaning (E0103): an agent's aliases and cells do not reuse a module-level name
    /// (alias, agent, cell, import), no declared name is a builtin's, and no parameter or variable
    /// reuses a name a call in its cell could mean. Duplicates within one scope are reported where
    /// the scope is declared.
    pub(super) fn check_one_meaning(&mut self, file: FileId, module: &ast::Module) {
        let mut top: HashMap<&str, (Span, NameKind)> = HashMap::new();
        for item in &module.items {
            let (id, kind) = match item {
                Item::Use(u) => (&u.alias, NameKind::Alias),
                Item::Agent(a) => (&a.name, NameKind::Agent),
                Item::Cell(c) => (&c.name, NameKind::Cell),
                Item::Import(i) => (&i.module, NameKind::Import),
                Item::Grant(_) => continue,
            };
            self.not_a_builtin(file, id, kind);
            top.entry(id.name.as_str()).or_insert((id.span, kind));
        }
        for item in &module.items {
            match item {
                Item::Agent(a) => {
                    let mut local: HashMap<&str, (Span, NameKind)> = HashMap::new();
                    let named = a
                        .uses
                        .iter()
                        .map(|u| (&u.alias, NameKind::Alias))
                        .chain(a.cells.iter().map(|c| (&c.name, NameKind::Cell)));
                    for (id, kind) in named {
                        self.not_a_builtin(file, id, kind);
                        match top.get(id.name.as_str()) {
                            // An agent alias reusing a module alias is reported by `declare_uses`.
                            Some((_, NameKind::Alias)) if kind == NameKind::Alias => {}
                            Some(&(prev, prev_kind)) => self.diags.push(
                                Diagnostic::new(
                                    Code::Duplicate,
                                    format!(
                                        "`{}` already names {} of this module; agent `{}` may not reuse it for {}",
                                        id.name,
                                        prev_kind.what(),
                                        a.name.name,
                                        kind.what()
                                    ),
                                    file,
                                    id.span,
                                    "reused here",
                                )
                                .with_label(file, prev, format!("{} of the module", prev_kind.what()))
                                .with_help(format!(
                                    "rename one of them: in the agent, `{}` would mean one, elsewhere the other",
                                    id.name
                                )),
                            ),
                            None => {}
                        }
                        local.entry(id.name.as_str()).or_insert((id.span, kind));
                    }
                    for c in &a.cells {
                        self.check_bindings(file, c, &top, &local);
                    }
                }
                Item::Cell(c) => self.check_bindings(file, c, &top, &HashMap::new()),
                _ => {}
            }
        }
    }

    /// E0103 for a declared name that is a builtin's.
    fn not_a_builtin(&mut self, file: FileId, id: &ast::Ident, kind: NameKind) {
        if BUILTINS.contains(&id.name.as_str()) {
            self.diags.push(
                Diagnostic::new(
                    Code::Duplicate,
                    format!(
                        "`{}` is a builtin; {} may not take its name",
                        id.name,
                        kind.what()
                    ),
                    file,
                    id.span,
                    "builtin name",
                )
                .with_help(format!(
                    "rename it: a call `{}(…)` must mean the builtin everywhere",
                    id.name
                )),
            );
        }
    }

    /// E0103 for a parameter or variable of `cell` that reuses a name a call could mean.
    fn check_bindings(
        &mut self,
        file: FileId,
        cell: &Cell,
        top: &HashMap<&str, (Span, NameKind)>,
        local: &HashMap<&str, (Span, NameKind)>,
    ) {
        let mut bound: Vec<&ast::Ident> = cell.params.iter().map(|p| &p.name).collect();
        for s in &cell.body {
            collect_bindings(s, &mut bound, 0);
        }
        for id in bound {
            let Some(&(prev, kind)) = local
                .get(id.name.as_str())
                .or_else(|| top.get(id.name.as_str()))
            else {
                continue;
            };
            self.diags.push(
                Diagnostic::new(
                    Code::Duplicate,
                    format!(
                        "`{}` already names {}; a parameter or variable of cell `{}` may not reuse it",
                        id.name,
                        kind.what(),
                        cell.name.name
                    ),
                    file,
                    id.span,
                    "reused here",
                )
                .with_label(file, prev, kind.what())
                .with_help("rename the variable"),
            );
        }
    }
}

/// The names `let` and `for` bind in `s` (and the statements in it).
fn collect_bindings<'a>(s: &'a Stmt, out: &mut Vec<&'a ast::Ident>, depth: usize) {
    if depth > MAX_WALK_DEPTH {
        return;
    }
    match s {
        Stmt::Let { name, .. } => out.push(name),
        Stmt::If {
            then, otherwise, ..
        } => {
            for s in then.iter().chain(otherwise.iter().flatten()) {
                collect_bindings(s, out, depth + 1);
            }
        }
        Stmt::For { var, body, .. } => {
            out.push(var);
            for s in body {
                collect_bindings(s, out, depth + 1);
            }
        }
        Stmt::Return { .. } | Stmt::Expr(_) => {}
    }
}
