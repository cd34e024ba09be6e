//! The resolved model of a module instance (its aliases, scope levels, agents, cells and imports)
//! and the walk that builds it: declarations first, then imports, then each agent's and cell's
//! grants, then the cell bodies.

use super::grants::grant_set;
use super::{CellInfo, Checker};
use crate::ast::{self, Cell, GrantDecl, Item};
use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, Span};
use lumen_capability::{Grant, GrantSet, ToolId};
use std::collections::{BTreeMap, HashMap, HashSet};

/// A tool alias in scope.
#[derive(Clone)]
pub(super) struct Alias {
    /// The tool it names; `None` where the tool id was refused (E0101).
    pub(super) tool: Option<ToolId>,
    /// Where the alias is declared.
    pub(super) span: Span,
}

/// A grant as declared, lowered, with where it was written.
#[derive(Clone)]
pub(super) struct Declared {
    /// The lowered grant.
    pub(super) grant: Grant,
    /// The declaration it was lowered from.
    pub(super) decl: GrantDecl,
}

/// One scope level of a cell's chain (module, agent, cell).
pub(super) struct Level {
    /// The level's name in the runtime's scope chain.
    pub(super) name: String,
    /// Its declared grants, by tool id.
    pub(super) declared: BTreeMap<String, Declared>,
    /// The grants it runs with.
    pub(super) effective: GrantSet,
}

/// Everything resolved about a module instance that bodies need.
pub(super) struct ModScope {
    /// The module's file.
    pub(super) file: FileId,
    /// Its module-level aliases.
    pub(super) aliases: HashMap<String, Alias>,
    /// Module-level level (its effective grants = declared ∩ what the importer gives).
    pub(super) module: Level,
    /// Its agents, by name.
    pub(super) agents: HashMap<String, AgentScope>,
    /// Its module-level cells, by name.
    pub(super) cells: HashMap<String, ResolvedCell>,
    /// The modules it imports, by name.
    pub(super) imports: HashMap<String, ImportedModule>,
    /// Imports that failed (not found, cycle): calls into them are not reported again.
    pub(super) failed_imports: HashSet<String>,
}

/// An agent of a module instance.
pub(super) struct AgentScope {
    /// Its own aliases.
    pub(super) aliases: HashMap<String, Alias>,
    /// Its scope level.
    pub(super) level: Level,
    /// Its cells, by name.
    pub(super) cells: HashMap<String, ResolvedCell>,
}

/// A cell with its grants resolved.
#[derive(Clone)]
pub(super) struct ResolvedCell {
    /// `cell`, or `Agent.cell`.
    pub(super) name: String,
    /// The file it is in.
    pub(super) file: FileId,
    /// Where its name is.
    pub(super) span: Span,
    /// The grants it declares.
    pub(super) declared: GrantSet,
    /// The grants it runs with (with stand-ins where a grant is in error).
    pub(super) effective: GrantSet,
}

/// What an importer can call in a module it imports.
pub(super) struct ImportedModule {
    /// The module-level cells, by name.
    pub(super) cells: HashMap<String, ResolvedCell>,
    /// Each agent's cells, by agent name and cell name.
    pub(super) agents: HashMap<String, HashMap<String, ResolvedCell>>,
}

impl Checker<'_> {
    pub(super) fn check_module(
        &mut self,
        file: FileId,
        importer: Option<(GrantSet, GrantSet, FileId, Span)>,
        stack: &mut Vec<FileId>,
    ) -> Option<ImportedModule> {
        // Shared, not copied: a module's tree is read, never changed, by the checker.
        let module = std::sync::Arc::clone(self.parsed.get(&file)?);
        stack.push(file);
        let mut aliases: HashMap<String, Alias> = HashMap::new();
        let uses: Vec<&ast::UseTool> = module.uses().collect();
        self.declare_uses(file, &uses, &mut aliases, None);
        let grants: Vec<&GrantDecl> = module.grants().collect();
        let module_declared = self.lower_grants(file, &grants, &aliases, None);
        let module_set = grant_set(&module_declared);
        let module_effective = match &importer {
            None => module_set.as_root(),
            Some((given, own, ifile, ispan)) => {
                self.check_import_grants(file, &module_declared, given, own, *ifile, *ispan)
            }
        };
        let mut scope = ModScope {
            file,
            aliases,
            module: Level {
                name: "module".into(),
                declared: module_declared,
                effective: module_effective,
            },
            agents: HashMap::new(),
            cells: HashMap::new(),
            imports: HashMap::new(),
            failed_imports: HashSet::new(),
        };

        // Imports first, so cells can call into them.
        for imp in module.imports() {
            self.resolve_import(&mut scope, imp, stack);
        }
        // Agents and cells: their grants.
        // Aliases, agents, cells and imports share one namespace: a call by name must mean one thing.
        let mut names: HashMap<String, Span> = scope
            .aliases
            .iter()
            .map(|(k, a)| (k.clone(), a.span))
            .collect();
        for item in &module.items {
            let (name, span) = match item {
                Item::Agent(a) => (&a.name, a.name.span),
                Item::Cell(c) => (&c.name, c.name.span),
                Item::Import(i) => (&i.module, i.module.span),
                _ => continue,
            };
            if let Some(prev) = names.insert(name.name.clone(), span) {
                self.diags.push(
                    Diagnostic::new(
                        Code::Duplicate,
                        format!("`{}` is defined twice in this module", name.name),
                        file,
                        span,
                        "defined again here",
                    )
                    .with_label(file, prev, "first defined here"),
                );
            }
        }
        self.check_one_meaning(file, &module);
        // The module's aliases, read by every agent and cell below (copied once, not per item).
        let module_aliases = scope.aliases.clone();
        for item in &module.items {
            match item {
                Item::Agent(a) => {
                    let mut agent_aliases = HashMap::new();
                    let uses: Vec<&ast::UseTool> = a.uses.iter().collect();
                    self.declare_uses(file, &uses, &mut agent_aliases, Some(&module_aliases));
                    let grants: Vec<&GrantDecl> = a.grants.iter().collect();
                    let declared =
                        self.lower_grants(file, &grants, &agent_aliases, Some(&module_aliases));
                    let effective =
                        self.narrow(file, &declared, &scope.module.effective, "the module", None);
                    let level = Level {
                        name: a.name.name.clone(),
                        declared,
                        effective,
                    };
                    let mut cells = HashMap::new();
                    for c in &a.cells {
                        let rc = self.resolve_cell(
                            file,
                            c,
                            (&agent_aliases, Some(&module_aliases)),
                            &level,
                            &format!("agent `{}`", a.name.name),
                            Some((file, a.name.span)),
                            &format!("{}.", a.name.name),
                        );
                        let clash = cells
                            .get(&c.name.name)
                            .map(|p: &ResolvedCell| p.span)
                            .or_else(|| agent_aliases.get(&c.name.name).map(|x: &Alias| x.span));
                        if let Some(prev) = clash {
                            self.diags.push(
                                Diagnostic::new(
                                    Code::Duplicate,
                                    format!(
                                        "`{}` is defined twice in agent `{}`",
                                        c.name.name, a.name.name
                                    ),
                                    file,
                                    c.name.span,
                                    "defined again here",
                                )
                                .with_label(
                                    file,
                                    prev,
                                    "first defined here",
                                ),
                            );
                        } else {
                            cells.insert(c.name.name.clone(), rc);
                        }
                    }
                    scope.agents.insert(
                        a.name.name.clone(),
                        AgentScope {
                            aliases: agent_aliases,
                            level,
                            cells,
                        },
                    );
                }
                Item::Cell(c) => {
                    let rc = self.resolve_cell(
                        file,
                        c,
                        (&module_aliases, None),
                        &scope.module,
                        "the module",
                        None,
                        "",
                    );
                    scope.cells.insert(c.name.name.clone(), rc);
                }
                _ => {}
            }
        }
        // Bodies.
        for item in &module.items {
            match item {
                Item::Agent(a) => {
                    for c in &a.cells {
                        self.check_body(&scope, Some(&a.name.name), c);
                    }
                }
                Item::Cell(c) => self.check_body(&scope, None, c),
                _ => {}
            }
        }
        stack.pop();
        Some(ImportedModule {
            cells: scope.cells.clone(),
            agents: scope
                .agents
                .iter()
                .map(|(k, a)| (k.clone(), a.cells.clone()))
                .collect(),
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn resolve_cell(
        &mut self,
        file: FileId,
        c: &Cell,
        aliases: (&HashMap<String, Alias>, Option<&HashMap<String, Alias>>),
        enclosing: &Level,
        enclosing_name: &str,
        enclosing_span: Option<(FileId, Span)>,
        prefix: &str,
    ) -> ResolvedCell {
        let grants: Vec<&GrantDecl> = c.grants.iter().collect();
        let declared_map = self.lower_grants(file, &grants, aliases.0, aliases.1);
        let effective = self.narrow(
            file,
            &declared_map,
            &enclosing.effective,
            enclosing_name,
            enclosing_span,
        );
        let declared = grant_set(&declared_map);
        let name = format!("{prefix}{}", c.name.name);
        // The record keeps the exact intersection (no stand-ins for grants in error).
        self.cells.push(CellInfo {
            file,
            name: name.clone(),
            declared: declared.clone(),
            effective: declared.intersect(&enclosing.effective),
        });
        ResolvedCell {
            name,
            file,
            span: c.name.span,
            declared,
            effective,
        }
    }

    /// The importer's alias for each tool id.
    pub(super) fn aliases_of(&self, file: FileId) -> HashMap<String, String> {
        let mut out = HashMap::new();
        if let Some(m) = self.parsed.get(&file) {
            for u in m.uses() {
                out.entry(u.tool.name.clone())
                    .or_insert_with(|| u.alias.name.clone());
            }
        }
        out
    }
}
