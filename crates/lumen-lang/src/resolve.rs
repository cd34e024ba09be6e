//! The resolve phase: the compile-time capability check.
//!
//! For every cell the checker computes its effective grants with `lumen-capability`:
//! the cell's own grants ∩ its agent's ∩ its module's ∩ (for an imported module) what the importer's
//! `granting` clause gives. A scope without a grant for a tool does not have that tool: a cell runs only
//! with what it declares, and an agent's cells only with what the agent grants. Then it rejects:
//!
//! - a call to a tool alias the calling cell does not grant itself (E0201), to a name that is neither a
//!   tool, a cell nor a builtin (E0202);
//! - `use` of an unknown tool (E0101), `grant` of an unknown alias (E0102), an unknown constraint key or
//!   an ill-typed or invalid value (E0104), a grant that asks for more than its enclosing scope allows
//!   (E0203), reported where it is written;
//! - a cell that calls a cell whose effective grants are not covered by its own (E0204);
//! - a constant argument that already violates the grant, decided by the runtime's own
//!   `validate_tool_policy` (E0205);
//! - an import whose module asks for grants the importer does not give it (E0206), a module that cannot
//!   be found or read, or whose name is both `name.lm` and `name.lm.md` (E0207), and import cycles
//!   (E0208);
//! - a name that means two things (E0103): defined twice in one scope, an agent's alias or cell
//!   reusing a module-level name (alias, agent, cell, import), a declared name that is a builtin's,
//!   a parameter or variable reusing a name a call in its cell could mean.
//!
//! Builtins (callable without a grant): `print`, `len`, `str`, `int`, `float`, `bool`, `join`,
//! `split`, `keys`, `values`, `range`, `upper`, `lower`, `trim`, `contains`, `starts_with`,
//! `ends_with`, `json_parse`, `json_encode`.

use crate::ast::{self, Cell, ExprKind, GrantDecl, Item, LiteralKind, Stmt, StrPart};
use crate::diag::{Code, Diagnostic};
use crate::parser::parse;
use crate::source::{FileId, MAX_SOURCE_BYTES, SourceFile, SourceMap, Span};
use lumen_capability::{
    Call, Constraint, Grant, GrantError, GrantSet, HostPattern, Scope, ToolId, ViolationCode,
    validate_tool_policy,
};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// The functions every cell may call without a grant.
pub const BUILTINS: [&str; 19] = [
    "print",
    "len",
    "str",
    "int",
    "float",
    "bool",
    "join",
    "split",
    "keys",
    "values",
    "range",
    "upper",
    "lower",
    "trim",
    "contains",
    "starts_with",
    "ends_with",
    "json_parse",
    "json_encode",
];

/// Reads source files (the filesystem, or a map in tests).
pub trait Loader {
    /// The text of the file at `path`, or an error if it cannot be read.
    fn read(&self, path: &Path) -> std::io::Result<String>;
}

/// Reads files from disk: regular files only, opened without blocking (a FIFO or device named by
/// an import is an error, not a hang; [`lumen_crypto::fs`]), refusing files larger than
/// [`MAX_SOURCE_BYTES`].
#[derive(Debug, Clone, Copy, Default)]
pub struct FsLoader;

impl Loader for FsLoader {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        let buf = lumen_crypto::fs::read_regular_file(path, MAX_SOURCE_BYTES as u64)?;
        String::from_utf8(buf)
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8"))
    }
}

/// Files held in memory, by path (for tests and tools).
#[derive(Debug, Clone, Default)]
pub struct MemLoader {
    /// The files.
    pub files: HashMap<PathBuf, String>,
}

impl Loader for MemLoader {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"))
    }
}

/// What the checker found out about one cell.
#[derive(Debug, Clone)]
pub struct CellInfo {
    /// The file the cell is in.
    pub file: FileId,
    /// `cell`, or `Agent.cell`.
    pub name: String,
    /// The grants the cell declares.
    pub declared: GrantSet,
    /// The grants it runs with.
    pub effective: GrantSet,
}

/// The result of checking a program.
#[derive(Debug, Clone)]
pub struct Checked {
    /// Every file read.
    pub sources: SourceMap,
    /// Every error found, in file and position order.
    pub diagnostics: Vec<Diagnostic>,
    /// The cells of every module instance checked.
    pub cells: Vec<CellInfo>,
}

impl Checked {
    /// Whether the program passed.
    pub fn is_ok(&self) -> bool {
        self.diagnostics.is_empty()
    }
}

/// Checks the programs at `paths` and everything they import.
pub fn check_paths(paths: &[PathBuf], loader: &dyn Loader) -> Checked {
    let mut cx = Checker {
        loader,
        sources: SourceMap::new(),
        parsed: HashMap::new(),
        diags: Vec::new(),
        cells: Vec::new(),
    };
    for p in paths {
        match cx.load(p) {
            Ok(file) => {
                let mut stack = Vec::new();
                cx.check_module(file, None, &mut stack);
            }
            Err(e) => {
                // No file to point into: report against an empty placeholder file named by the path.
                let id = cx.sources.add(SourceFile::new(p.clone(), String::new()));
                cx.diags.push(
                    Diagnostic::new(
                        Code::ModuleNotFound,
                        format!("cannot read `{}`: {e}", p.display()),
                        id,
                        Span::default(),
                        "",
                    )
                    .with_help("check the path"),
                );
            }
        }
    }
    let mut seen = HashSet::new();
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    for d in cx.diags {
        let key = (d.code, d.file, d.span, d.message.clone());
        if seen.insert(key) {
            diagnostics.push(d);
        }
    }
    diagnostics.sort_by_key(|d| (d.file, d.span.start, d.code));
    Checked {
        sources: cx.sources,
        diagnostics,
        cells: cx.cells,
    }
}

/// Checks one program given as text (imports are resolved with `loader` relative to `path`).
pub fn check_source(path: &Path, text: &str, loader: &dyn Loader) -> Checked {
    struct Overlay<'a> {
        path: &'a Path,
        text: &'a str,
        inner: &'a dyn Loader,
    }
    impl Loader for Overlay<'_> {
        fn read(&self, p: &Path) -> std::io::Result<String> {
            if p == self.path {
                Ok(self.text.to_owned())
            } else {
                self.inner.read(p)
            }
        }
    }
    check_paths(
        &[path.to_path_buf()],
        &Overlay {
            path,
            text,
            inner: loader,
        },
    )
}

struct Checker<'l> {
    loader: &'l dyn Loader,
    sources: SourceMap,
    parsed: HashMap<FileId, std::sync::Arc<ast::Module>>,
    diags: Vec<Diagnostic>,
    cells: Vec<CellInfo>,
}

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

/// A tool alias in scope.
#[derive(Clone)]
struct Alias {
    tool: Option<ToolId>,
    span: Span,
}

/// A grant as declared, lowered, with where it was written.
#[derive(Clone)]
struct Declared {
    grant: Grant,
    decl: GrantDecl,
}

/// One scope level of a cell's chain (module, agent, cell).
struct Level {
    name: String,
    declared: BTreeMap<String, Declared>,
    effective: GrantSet,
}

/// Everything resolved about a module instance that bodies need.
struct ModScope {
    file: FileId,
    aliases: HashMap<String, Alias>,
    /// Module-level level (its effective grants = declared ∩ what the importer gives).
    module: Level,
    agents: HashMap<String, AgentScope>,
    cells: HashMap<String, ResolvedCell>,
    imports: HashMap<String, ImportedModule>,
    /// Imports that failed (not found, cycle): calls into them are not reported again.
    failed_imports: HashSet<String>,
}

struct AgentScope {
    aliases: HashMap<String, Alias>,
    level: Level,
    cells: HashMap<String, ResolvedCell>,
}

#[derive(Clone)]
struct ResolvedCell {
    name: String,
    file: FileId,
    span: Span,
    declared: GrantSet,
    effective: GrantSet,
}

struct ImportedModule {
    cells: HashMap<String, ResolvedCell>,
    agents: HashMap<String, HashMap<String, ResolvedCell>>,
}

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

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// E0207 for a module file that exists but cannot be read.
fn unreadable_module(file: FileId, imp: &ast::Import, path: &Path, cause: &str) -> Diagnostic {
    Diagnostic::new(
        Code::ModuleNotFound,
        format!("cannot read module `{}`", imp.module.name),
        file,
        imp.module.span,
        "cannot be read",
    )
    .with_note(format!("{} cannot be read: {cause}", path.display()))
    .with_help("make it a readable UTF-8 file of at most 16 MiB")
}

/// "did you mean" for near misses only.
fn suggest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let max = if name.len() <= 4 { 1 } else { 2 };
    candidates
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d > 0 && *d <= max)
        .min()
        .map(|(_, c)| c)
}

impl Checker<'_> {
    fn load(&mut self, path: &Path) -> std::io::Result<FileId> {
        if let Some(id) = self.sources.find(path) {
            return Ok(id);
        }
        let text = self.loader.read(path)?;
        let id = self.sources.add(SourceFile::new(path.to_path_buf(), text));
        let (module, diags) = match self.sources.get(id) {
            // A refused `.lm.md` file is reported, not parsed: its program is not known.
            Some(f) if !f.markdown_errors.is_empty() => (
                ast::Module::default(),
                f.markdown_errors
                    .iter()
                    .map(|e| Diagnostic::from_markdown(id, e))
                    .collect(),
            ),
            Some(f) => parse(id, &f.code),
            None => (ast::Module::default(), Vec::new()),
        };
        self.diags.extend(diags);
        self.parsed.insert(id, std::sync::Arc::new(module));
        Ok(id)
    }

    fn src(&self, file: FileId, span: Span) -> String {
        self.sources
            .get(file)
            .and_then(|f| f.text.get(span.range()))
            .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    }

    /// Declares `use tool` aliases into `into` (errors for unknown tools and duplicates).
    fn declare_uses(
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
    fn lower_grants(
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
    fn narrow(
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

    fn check_module(
        &mut self,
        file: FileId,
        importer: Option<(GrantSet, GrantSet, FileId, Span)>,
        stack: &mut Vec<FileId>,
    ) -> Option<ImportedModule> {
        // Shared, not copied: a module's tree is read, never changed, by the checker.
        let module = std::sync::Arc::clone(self.parsed.get(&file)?);
        stack.push(file);
        let mut aliases: HashMap<String, Alias> = HashMap::new();
        let uses: Vec<&ast::UseTool> = module
            .items
            .iter()
            .filter_map(|i| if let Item::Use(u) = i { Some(u) } else { None })
            .collect();
        self.declare_uses(file, &uses, &mut aliases, None);
        let grants: Vec<&GrantDecl> = module
            .items
            .iter()
            .filter_map(|i| {
                if let Item::Grant(g) = i {
                    Some(g)
                } else {
                    None
                }
            })
            .collect();
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
        for item in &module.items {
            if let Item::Import(imp) = item {
                self.resolve_import(&mut scope, imp, stack);
            }
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

    /// One name, one meaning (E0103): an agent's aliases and cells do not reuse a module-level name
    /// (alias, agent, cell, import), no declared name is a builtin's, and no parameter or variable
    /// reuses a name a call in its cell could mean. Duplicates within one scope are reported where
    /// the scope is declared.
    fn check_one_meaning(&mut self, file: FileId, module: &ast::Module) {
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

    /// E0206: the module's own grants must be covered by what the importer gives.
    fn check_import_grants(
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

    /// The importer's alias for each tool id.
    fn aliases_of(&self, file: FileId) -> HashMap<String, String> {
        let mut out = HashMap::new();
        if let Some(m) = self.parsed.get(&file) {
            for item in &m.items {
                if let Item::Use(u) = item {
                    out.entry(u.tool.name.clone())
                        .or_insert_with(|| u.alias.name.clone());
                }
            }
        }
        out
    }

    /// Loads the module `plain` (`name.lm`) or, only if that does not exist, `markdown`
    /// (`name.lm.md`). Reports E0207 when neither exists, when the one that exists cannot be read
    /// (a directory, a FIFO, too large, not UTF-8: checking the other file instead would check
    /// something else than a loader that prefers `name.lm` runs), and when both exist (no reader
    /// can tell which one is the module).
    fn load_module(
        &mut self,
        file: FileId,
        imp: &ast::Import,
        plain: &Path,
        markdown: &Path,
    ) -> Option<FileId> {
        use std::io::ErrorKind::NotFound;
        let name = &imp.module.name;
        let plain_found = match self.load(plain) {
            Ok(id) => Some(id),
            Err(e) if e.kind() == NotFound => None,
            Err(e) => {
                self.diags
                    .push(unreadable_module(file, imp, plain, &e.to_string()));
                return None;
            }
        };
        if let Some(id) = plain_found {
            // Both spellings present: refuse whatever state the other one is in.
            return match self.loader.read(markdown) {
                Err(e) if e.kind() == NotFound => Some(id),
                _ => {
                    self.diags.push(
                        Diagnostic::new(
                            Code::ModuleNotFound,
                            format!("module `{name}` is ambiguous"),
                            file,
                            imp.module.span,
                            "two files are this module",
                        )
                        .with_note(format!(
                            "both {} and {} exist",
                            plain.display(),
                            markdown.display()
                        ))
                        .with_help(format!(
                            "remove or rename one of `{name}.lm` and `{name}.lm.md`"
                        )),
                    );
                    None
                }
            };
        }
        match self.load(markdown) {
            Ok(id) => Some(id),
            Err(e) if e.kind() == NotFound => {
                self.diags.push(
                    Diagnostic::new(
                        Code::ModuleNotFound,
                        format!("cannot find module `{name}`"),
                        file,
                        imp.module.span,
                        "not found",
                    )
                    .with_note(format!(
                        "looked for {} and {}",
                        plain.display(),
                        markdown.display()
                    ))
                    .with_help(format!(
                        "create `{name}.lm` next to this file, or fix the name"
                    )),
                );
                None
            }
            Err(e) => {
                self.diags
                    .push(unreadable_module(file, imp, markdown, &e.to_string()));
                None
            }
        }
    }

    fn resolve_import(&mut self, scope: &mut ModScope, imp: &ast::Import, stack: &mut Vec<FileId>) {
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

    fn check_body(&mut self, scope: &ModScope, agent: Option<&str>, cell: &Cell) {
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

    /// E0205: run the runtime's own check on the constant arguments of a tool call.
    fn check_constants(
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

/// The grants of a lowered scope, as a set (at most one per tool, which `lower_grants` ensures).
fn grant_set(m: &BTreeMap<String, Declared>) -> GrantSet {
    let mut set = GrantSet::new();
    for d in m.values() {
        let _ = set.insert(d.grant.clone());
    }
    set
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

const MAX_WALK_DEPTH: usize = 256;

type CallRef<'a> = (&'a ast::Expr, &'a [ast::Arg], Span);

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
