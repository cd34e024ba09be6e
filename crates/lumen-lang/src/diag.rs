//! Diagnostics: stable codes, messages with labelled spans and a help line, rendered like rustc
//! (via `codespan-reporting`) or as JSON for tools.

use crate::source::{FileId, MarkdownError, SourceMap, Span};
use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term;
use serde::Serialize;
use std::fmt;

/// Every diagnostic code. The code, not the message, is the stable interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(into = "&'static str")]
pub enum Code {
    /// E0001: the text is not valid Lumen syntax.
    Syntax,
    /// E0002: nesting is too deep or the file is too large.
    Limit,
    /// E0101: `use tool` names a tool that does not exist.
    UnknownTool,
    /// E0102: `grant`/`granting` names an alias no `use tool` declared.
    UnknownAlias,
    /// E0103: the same name (alias, cell, agent, grant of a tool) is defined twice in one scope, or
    /// a name means two things (an agent reusing a module-level name, a builtin's name, a variable
    /// reusing a callable name).
    Duplicate,
    /// E0104: a constraint key is unknown or its value is ill-typed or invalid.
    InvalidConstraint,
    /// E0201: a cell calls a tool it does not grant itself.
    ToolNotGranted,
    /// E0202: a call to a name that is neither a tool, a cell nor a builtin.
    UnknownCallee,
    /// E0203: a grant asks for more than its enclosing scope allows.
    GrantExceedsScope,
    /// E0204: a cell calls a cell whose grants are not covered by its own.
    CallEscalation,
    /// E0205: a constant argument already violates the cell's grant.
    ConstantViolatesGrant,
    /// E0206: an imported module declares grants the importer does not give it.
    ImportNotGranted,
    /// E0207: an imported module cannot be found or read.
    ModuleNotFound,
    /// E0208: modules import each other in a cycle.
    ImportCycle,
    /// E0209: a tool or a cell is called with a positional argument.
    PositionalArgument,
    /// E0301: a `.lm.md` file's program could be read differently by a Markdown reader.
    AmbiguousMarkdown,
    /// E0302: a character that shows the code differently from how the checker reads it (a bare
    /// carriage return, a Unicode line or paragraph separator, a bidirectional control).
    MisleadingCharacter,
}

impl Code {
    /// Every code, in order.
    pub const ALL: [Code; 17] = [
        Code::Syntax,
        Code::Limit,
        Code::UnknownTool,
        Code::UnknownAlias,
        Code::Duplicate,
        Code::InvalidConstraint,
        Code::ToolNotGranted,
        Code::UnknownCallee,
        Code::GrantExceedsScope,
        Code::CallEscalation,
        Code::ConstantViolatesGrant,
        Code::ImportNotGranted,
        Code::ModuleNotFound,
        Code::ImportCycle,
        Code::PositionalArgument,
        Code::AmbiguousMarkdown,
        Code::MisleadingCharacter,
    ];

    /// The code as written (`E0201`).
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Syntax => "E0001",
            Code::Limit => "E0002",
            Code::UnknownTool => "E0101",
            Code::UnknownAlias => "E0102",
            Code::Duplicate => "E0103",
            Code::InvalidConstraint => "E0104",
            Code::ToolNotGranted => "E0201",
            Code::UnknownCallee => "E0202",
            Code::GrantExceedsScope => "E0203",
            Code::CallEscalation => "E0204",
            Code::ConstantViolatesGrant => "E0205",
            Code::ImportNotGranted => "E0206",
            Code::ModuleNotFound => "E0207",
            Code::ImportCycle => "E0208",
            Code::PositionalArgument => "E0209",
            Code::AmbiguousMarkdown => "E0301",
            Code::MisleadingCharacter => "E0302",
        }
    }

    /// The code for a string such as `E0201` (case-insensitive, the `E` optional).
    pub fn parse(s: &str) -> Option<Code> {
        let s = s.trim();
        let digits = s.strip_prefix(['E', 'e']).unwrap_or(s);
        Code::ALL.into_iter().find(|c| &c.as_str()[1..] == digits)
    }

    /// The long explanation printed by `lumen check --explain`.
    pub fn explain(self) -> &'static str {
        match self {
            Code::Syntax => include_str!("explain/E0001.md"),
            Code::Limit => include_str!("explain/E0002.md"),
            Code::UnknownTool => include_str!("explain/E0101.md"),
            Code::UnknownAlias => include_str!("explain/E0102.md"),
            Code::Duplicate => include_str!("explain/E0103.md"),
            Code::InvalidConstraint => include_str!("explain/E0104.md"),
            Code::ToolNotGranted => include_str!("explain/E0201.md"),
            Code::UnknownCallee => include_str!("explain/E0202.md"),
            Code::GrantExceedsScope => include_str!("explain/E0203.md"),
            Code::CallEscalation => include_str!("explain/E0204.md"),
            Code::ConstantViolatesGrant => include_str!("explain/E0205.md"),
            Code::ImportNotGranted => include_str!("explain/E0206.md"),
            Code::ModuleNotFound => include_str!("explain/E0207.md"),
            Code::ImportCycle => include_str!("explain/E0208.md"),
            Code::PositionalArgument => include_str!("explain/E0209.md"),
            Code::AmbiguousMarkdown => include_str!("explain/E0301.md"),
            Code::MisleadingCharacter => include_str!("explain/E0302.md"),
        }
    }
}

impl From<Code> for &'static str {
    fn from(c: Code) -> &'static str {
        c.as_str()
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secondary label: another place that explains the error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// The file.
    pub file: FileId,
    /// The place.
    pub span: Span,
    /// What is there.
    pub message: String,
}

/// One error found in a program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The stable code.
    pub code: Code,
    /// One sentence saying what is wrong.
    pub message: String,
    /// The file of the primary span.
    pub file: FileId,
    /// Where the error is.
    pub span: Span,
    /// The label under the primary span.
    pub label: String,
    /// Other places that explain it.
    pub secondary: Vec<Label>,
    /// What to change.
    pub help: Option<String>,
    /// Further facts.
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// A diagnostic with a primary span and label.
    pub fn new(
        code: Code,
        message: impl Into<String>,
        file: FileId,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            file,
            span,
            label: label.into(),
            secondary: Vec::new(),
            help: None,
            notes: Vec::new(),
        }
    }

    /// Adds a secondary label.
    pub fn with_label(mut self, file: FileId, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label {
            file,
            span,
            message: message.into(),
        });
        self
    }

    /// Sets the help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// The E0301 diagnostic for a refused `.lm.md` file.
    pub fn from_markdown(file: FileId, e: &MarkdownError) -> Self {
        let mut d = Diagnostic::new(
            Code::AmbiguousMarkdown,
            e.to_string(),
            file,
            e.span(),
            e.label(),
        )
        .with_help(e.help());
        match e {
            MarkdownError::MixedLineEndings { crlf, lf } => {
                let (first, what) = if crlf.start < lf.start {
                    (*crlf, "the first line ends with CRLF")
                } else {
                    (*lf, "the first line ends with LF")
                };
                d = d.with_label(file, first, what);
            }
            MarkdownError::FenceInLumenBlock { fence, .. } => {
                d = d.with_label(file, *fence, "the block opens here");
            }
            MarkdownError::LumenBlockInContainer { container, .. } => {
                d = d.with_note(format!(
                    "a {container} strips its prefixes from the block's lines and ends the block where it ends, so the program is not the text as written"
                ));
            }
            _ => {}
        }
        d.with_note("none of this file is checked until it can be read only one way")
    }
}

/// Renders diagnostics as text, like rustc (no colour).
pub fn render_text(sources: &SourceMap, diags: &[Diagnostic]) -> String {
    let mut files = SimpleFiles::new();
    for (_, f) in sources.files() {
        files.add(f.path.display().to_string(), f.text.as_str());
    }
    let config = term::Config::default();
    let mut out = String::new();
    for d in diags {
        let mut labels = vec![cs::Label::primary(d.file.0, d.span.range()).with_message(&d.label)];
        labels.extend(
            d.secondary
                .iter()
                .map(|l| cs::Label::secondary(l.file.0, l.span.range()).with_message(&l.message)),
        );
        let mut notes: Vec<String> = d.notes.clone();
        if let Some(h) = &d.help {
            notes.push(format!("help: {h}"));
        }
        let diag = cs::Diagnostic::error()
            .with_code(d.code.as_str())
            .with_message(&d.message)
            .with_labels(labels)
            .with_notes(notes);
        match term::emit_into_string(&config, &files, &diag) {
            Ok(s) => out.push_str(&s),
            // A span outside its file is a bug in the checker; still say what was found.
            Err(_) => out.push_str(&format!("error[{}]: {}\n", d.code, d.message)),
        }
    }
    out
}

#[derive(Serialize)]
struct JsonPos {
    file: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    byte_start: u32,
    byte_end: u32,
}

#[derive(Serialize)]
struct JsonLabel {
    #[serde(flatten)]
    pos: JsonPos,
    message: String,
}

#[derive(Serialize)]
struct JsonDiag {
    code: Code,
    severity: &'static str,
    message: String,
    #[serde(flatten)]
    pos: JsonPos,
    label: String,
    secondary: Vec<JsonLabel>,
    help: Option<String>,
    notes: Vec<String>,
}

fn pos(sources: &SourceMap, file: FileId, span: Span) -> JsonPos {
    let (path, (line, column), (end_line, end_column)) = match sources.get(file) {
        Some(f) => (
            f.path.display().to_string(),
            f.line_col(span.start),
            f.line_col(span.end),
        ),
        None => (String::new(), (0, 0), (0, 0)),
    };
    JsonPos {
        file: path,
        line,
        column,
        end_line,
        end_column,
        byte_start: span.start,
        byte_end: span.end,
    }
}

/// Renders diagnostics as a JSON array (one object per diagnostic, with 1-based lines and columns).
pub fn render_json(sources: &SourceMap, diags: &[Diagnostic]) -> serde_json::Value {
    let list: Vec<JsonDiag> = diags
        .iter()
        .map(|d| JsonDiag {
            code: d.code,
            severity: "error",
            message: d.message.clone(),
            pos: pos(sources, d.file, d.span),
            label: d.label.clone(),
            secondary: d
                .secondary
                .iter()
                .map(|l| JsonLabel {
                    pos: pos(sources, l.file, l.span),
                    message: l.message.clone(),
                })
                .collect(),
            help: d.help.clone(),
            notes: d.notes.clone(),
        })
        .collect();
    serde_json::to_value(list).unwrap_or_default()
}
