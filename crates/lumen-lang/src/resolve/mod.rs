//! The resolve phase: the compile-time capability check.
//!
//! For every cell the checker computes its effective grants with `lumen-capability`:
//! the cell's own grants ∩ its agent's ∩ its module's ∩ (for an imported module) what the importer's
//! `granting` clause gives. A scope without a grant for a tool does not have that tool: a cell runs only
//! with what it declares, and an agent's cells only with what the agent grants. Then it rejects:
//!
//! - a call to a tool alias the calling cell does not grant itself (E0201), to a name that is neither a
//!   tool, a cell nor a builtin (E0202), and a tool or cell called with a positional argument (E0209)
//!   or with one argument named twice (E0103);
//! - `use` of an unknown tool (E0101), `grant` of an unknown alias (E0102), an unknown constraint key or
//!   an ill-typed or invalid value (E0104), a grant that asks for more than its enclosing scope allows
//!   (E0203), reported where it is written;
//! - a cell that calls a cell whose effective grants are not covered by its own (E0204);
//! - a constant argument that already violates the grant, decided by the runtime's own
//!   `validate_tool_policy` (E0205);
//! - an import whose module asks for grants the importer does not give it (E0206), a module that cannot
//!   be found or read, or whose name is both `name.lm` and `name.lm.md` (E0207), import cycles
//!   (E0208), and imports nested deeper than 64 modules (E0002);
//! - a name that means two things (E0103): defined twice in one scope, an agent's alias or cell
//!   reusing a module-level name (alias, agent, cell, import), a declared name that is a builtin's,
//!   a parameter or variable reusing a name a call in its cell could mean.
//!
//! Builtins (callable without a grant): `print`, `len`, `str`, `int`, `float`, `bool`, `join`,
//! `split`, `keys`, `values`, `range`, `upper`, `lower`, `trim`, `contains`, `starts_with`,
//! `ends_with`, `json_parse`, `json_encode`.
//!
//! The phase is split by concern: `loader` reads source files (the [`Loader`] trait and its
//! implementations) and finds an import's module file; `module` holds the resolved model of a
//! module instance and builds it; `grants` lowers `use tool` and `grant` declarations and narrows
//! them against their enclosing scope; `imports` resolves `import` items and the grants they give;
//! `names` enforces one meaning per name; `calls` judges every call in a cell body, and
//! `constants` the constant arguments of tool calls.

mod calls;
mod constants;
mod grants;
mod imports;
mod loader;
mod module;
mod names;

pub use loader::{FsLoader, Loader, MemLoader};

use crate::ast;
use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, SourceFile, SourceMap, Span};
use lumen_capability::GrantSet;
use std::collections::{HashMap, HashSet};
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

/// The state of one check: the files read and parsed, and what was found.
struct Checker<'l> {
    loader: &'l dyn Loader,
    sources: SourceMap,
    parsed: HashMap<FileId, std::sync::Arc<ast::Module>>,
    diags: Vec<Diagnostic>,
    cells: Vec<CellInfo>,
}

/// How deep the walks over a cell body go: statements and expressions nested deeper are not visited.
const MAX_WALK_DEPTH: usize = 256;

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

/// "did you mean" for near misses only.
fn suggest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let max = if name.len() <= 4 { 1 } else { 2 };
    candidates
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d > 0 && *d <= max)
        .min()
        .map(|(_, c)| c)
}
