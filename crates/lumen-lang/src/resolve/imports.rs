//! `import` items: the grants an importer gives (its `granting` entries narrowed by its own),
//! import cycles (E0208) and depth, and whether the imported module's own grants are covered by
//! what it is given (E0206).

use super::Checker;
use super::module::{Declared, ModScope};
use crate::ast::{self, GrantDecl};
use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, Span};
use lumen_capability::GrantSet;
use std::collections::BTreeMap;
use std::path::Path;

impl Checker<'_> {
    /// The text of `span` in `file`, on one line (for help text that quotes the source).
    fn src(&self, file: FileId, span: Span) -> String {
        self.sources
            .get(file)
            .and_then(|f| f.text.get(span.range()))
            .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    }

    /// E0206: the module's own grants must be covered by what the importer gives.
    pub(super) fn check_import_grants(
        &mut self,
        file: FileId,
        declared: &BTreeMap<String, Declared>,
        given: &GrantSet,
        own: &GrantSet,
        ifile: FileId,
        ispan: Span,
    ) -> GrantSet {
        let mut asks = Vec::new();
        for (tool, d) in declared {
            let ok = given
                .get(tool)
                .is_some_and(|g| d.grant.excess_over(g).is_empty());
            if !ok {
                asks.push((tool.clone(), d));
            }
        }
        if !asks.is_empty() {
            let module_name = self
                .sources
                .get(file)
                .map(|f| f.path.display().to_string())
                .unwrap_or_default();
            let importer_aliases = self.aliases_of(ifile);
            let mut diag = Diagnostic::new(
                Code::ImportNotGranted,
                format!("`{module_name}` asks for grants this import does not give it"),
                ifile,
                ispan,
                "imported here",
            );
            let mut clause = Vec::new();
            let mut widen = Vec::new();
            for (tool, d) in &asks {
                diag = diag.with_label(file, d.decl.span, format!("it asks for `{tool}` here"));
                let constraints = match (d.decl.constraints.first(), d.decl.constraints.last()) {
                    (Some(a), Some(b)) => self.src(file, a.span.to(b.span)),
                    _ => String::new(),
                };
                let alias = importer_aliases
                    .get(tool.as_str())
                    .cloned()
                    .unwrap_or_else(|| format!("<alias of {tool}>"));
                clause.push(format!("  {alias} {constraints}").trim_end().to_owned());
                // The importer can only give what it has itself.
                if !own
                    .get(tool)
                    .is_some_and(|g| d.grant.excess_over(g).is_empty())
                {
                    widen.push(format!("grant {alias} {constraints}").trim_end().to_owned());
                }
                diag = diag.with_note(format!(
                    "the module declares: {}",
                    self.src(file, d.decl.span)
                ));
            }
            let import_name = self
                .src(ifile, ispan)
                .split_whitespace()
                .nth(1)
                .unwrap_or("module")
                .to_owned();
            let first = if widen.is_empty() {
                String::new()
            } else {
                diag = diag.with_note(
                    "this module does not have all of that itself, and can only give what it has",
                );
                format!(
                    "first widen this module's own grants (if it should have them):\n\n{}\n\nthen ",
                    widen.join("\n")
                )
            };
            diag = diag.with_help(format!(
                "{first}give it what it asks for:\n\nimport {import_name} granting\n{}\nend",
                clause.join("\n")
            ));
            self.diags.push(diag);
        }
        // What was given is narrowed by what the module declares. A tool asked for but not given is
        // kept as declared so the module's cells do not report the same problem again; the import has
        // already failed the check.
        let mut out = GrantSet::new();
        for (tool, d) in declared {
            let g = match given.get(tool) {
                Some(g) if d.grant.excess_over(g).is_empty() => d.grant.intersect(g),
                _ => Some(d.grant.as_root()),
            };
            if let Some(g) = g {
                let _ = out.insert(g);
            }
        }
        out
    }

    pub(super) fn resolve_import(
        &mut self,
        scope: &mut ModScope,
        imp: &ast::Import,
        stack: &mut Vec<FileId>,
    ) {
        let file = scope.file;
        // Until it resolves, calls into it are not reported (its own error says what is wrong).
        scope.failed_imports.insert(imp.module.name.clone());
        let dir = self
            .sources
            .get(file)
            .and_then(|f| f.path.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        let name = &imp.module.name;
        // What the importer gives: its granting entries, narrowed by its own module grants.
        let aliases = scope.aliases.clone();
        let entries: Vec<&GrantDecl> = imp.granting.iter().collect();
        let given_declared = self.lower_grants(file, &entries, &aliases, None);
        let given = self.narrow(
            file,
            &given_declared,
            &scope.module.effective,
            "this module",
            None,
        );

        let plain = dir.join(format!("{name}.lm"));
        let markdown = dir.join(format!("{name}.lm.md"));
        let Some(target) = self.load_module(file, imp, &plain, &markdown) else {
            return;
        };
        if let Some(pos) = stack.iter().position(|f| *f == target) {
            let cycle: Vec<String> = stack[pos..]
                .iter()
                .chain(std::iter::once(&target))
                .filter_map(|f| self.sources.get(*f).map(|s| s.path.display().to_string()))
                .collect();
            self.diags.push(
                Diagnostic::new(
                    Code::ImportCycle,
                    format!("importing `{name}` creates a cycle"),
                    file,
                    imp.span,
                    "this import closes the cycle",
                )
                .with_note(format!("cycle: {}", cycle.join(" → ")))
                .with_help("move what both modules need into a third module"),
            );
            return;
        }
        if stack.len() > 64 {
            self.diags.push(Diagnostic::new(
                Code::Limit,
                "imports nested deeper than 64 modules",
                file,
                imp.span,
                "too deep",
            ));
            return;
        }
        if self
            .sources
            .get(target)
            .is_some_and(|f| !f.markdown_errors.is_empty())
        {
            // Refused (E0301 in that file): its cells are unknown, so calls into it stay unjudged.
            return;
        }
        let own = scope.module.effective.clone();
        if let Some(m) = self.check_module(target, Some((given, own, file, imp.span)), stack) {
            scope.failed_imports.remove(name);
            scope.imports.insert(name.clone(), m);
        }
    }
}
