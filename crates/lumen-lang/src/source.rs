//! Source files, spans, and the Markdown form (`.lm.md`).
//!
//! # The Markdown form
//!
//! A `.lm.md` file is read as CommonMark with GitHub's extensions (tables, task lists,
//! strikethrough, footnotes), by `pulldown-cmark`, the way GitHub and other CommonMark readers
//! render it. Its program is the content of its **lumen blocks**, in order; its
//! code text is the file with every other byte replaced by a space (line feeds kept), so byte
//! offsets, lines and columns in the code text are those of the Markdown file: a diagnostic points
//! at the line of the `.md` file the user edits.
//!
//! A lumen block is a fenced code block (```` ``` ```` or `~~~`, any length) whose info string, as
//! written on the opening fence line and trimmed of spaces and tabs, is exactly `lumen`. (GitHub
//! takes the first word of the info string as the block's language, so `lumen`, `lumen ` and
//! `lumen extra` would all look like Lumen there; only the first two are the same info string.)
//!
//! Where a reader could take the program to be something else than what the checker reads, the file
//! is refused as a whole ([`MarkdownError`], diagnostic E0301) and none of it is checked:
//!
//! - line endings that readers disagree on: a carriage return not followed by a line feed, a file
//!   mixing CRLF and LF, a NUL byte (CommonMark readers replace it);
//! - a lumen block inside a container block (block quote, list item, footnote definition): the
//!   container's prefixes (`>`, the item's indentation) are stripped from its content, and where the
//!   container ends the block ends, wherever its fence is;
//! - a lumen block whose opening fence is not at the left margin, or does not follow a blank line
//!   (or start the file): after a blank line, a fence at the margin is a top-level block for every
//!   reader, whatever they made of the lines before (readers disagree on some HTML block starts:
//!   comrak, a port of GitHub's cmark-gfm, and pulldown-cmark read a line `- </pre>` as raw HTML
//!   up to the next blank line, markdown-rs as text that the next lines continue);
//! - a lumen block without a closing fence (CommonMark runs it to the end of the file or container);
//! - a fenced block whose info string mentions `lumen` (any case, also after CommonMark decodes
//!   entities and escapes, and ignoring invisible characters such as U+200B) without being exactly
//!   `lumen`: `Lumen`, `lumen extra`, `{.lumen}`, `lum&#101;n`, `lu\u{200b}men`, `lumen\u{a0}`;
//! - a lumen block in what some reader takes for front matter: from a first line `---` to the next
//!   line `---` (or `...`);
//! - a line that a reader could take for a lumen fence but that does not open a fenced code block:
//!   anywhere on it (after a quote, a list marker, a footnote label, HTML), a run of three or more
//!   backticks or tildes followed by text that mentions `lumen` or holds an entity or a backslash
//!   escape (which could spell it once decoded). Such a line is in an HTML block or comment, in
//!   another code block or an indented code block, in front matter or in a paragraph (and readers
//!   disagree on some of these: after `- </pre>`, comrak reads the item's next line as raw HTML,
//!   markdown-rs as a fenced code block);
//! - raw HTML anywhere on a line outside lumen blocks: a `<` followed by an ASCII letter, `/`, `!`
//!   or `?` (a tag, a comment, a declaration, CDATA, a processing instruction), also after `>`,
//!   list markers, other text or a backslash. Readers disagree on where HTML blocks start and end
//!   (comrak, a port of GitHub's cmark-gfm, and markdown-rs differ after a `>` line, in list items,
//!   on `</pre>`), and an HTML block, or a comment or `<details>` that a browser opens mid-line in
//!   a renderer that passes HTML through, hides the lumen blocks after it from the reader while the
//!   checker checks them. Allowed are: a line that is exactly one comment (at most three spaces,
//!   `<!--`, text holding no `-->`, `<!--` or `--!>` and not starting with `>` or `->`, `-->`,
//!   then only spaces and tabs), hidden by every reader up to its end; URI autolinks (`<`, a scheme
//!   of 2 to 32 letters, digits, `+`, `.`, `-` starting with a letter, `:`, no spaces, `<` or `>`,
//!   then `>`, as `<https://…>`; email autolinks must be written `<mailto:…>`); a `<` in a code
//!   span that every reader reads as one: on one line, holding no `|`, no GFM extended autolink
//!   able to run into its opening backtick (text before it, up to a space or `<`, holding `:`,
//!   `@` or `www.`: cmark-gfm then reads the backtick as part of the link and the `<` as HTML),
//!   and every backtick run on the lines of its block up to it closed on its own line; and any
//!   HTML inside a fenced code block of another language whose fence is at the left margin (not
//!   in an indented code block: after a list item, readers disagree on what is one);
//! - a line inside a lumen block that looks like a fence (three or more backticks or tildes after
//!   spaces and tabs) but does not close it, such as a fence indented four spaces;
//! - content that CommonMark does not take verbatim from the file (a tab in the indentation that an
//!   indented opening fence strips; refused already as an indented fence, and checked again).
//!
//! A leading byte order mark is skipped, as CommonMark readers do. Indented code blocks are never
//! lumen blocks (they have no info string), and raw HTML around a lumen block is not interpreted:
//! a lumen block is part of the program wherever it is displayed.

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use std::collections::HashSet;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// The largest source file accepted (bytes).
pub const MAX_SOURCE_BYTES: usize = 16 << 20;

/// A byte range `[start, end)` in a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The byte range, for slicing.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub usize);

/// One loaded source file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as given (used in diagnostics).
    pub path: PathBuf,
    /// The file's text as read (what diagnostics show).
    pub text: String,
    /// The program text: equal to `text` for `.lm`, blanked outside `lumen` blocks for `.lm.md`
    /// (and blank throughout when the Markdown is refused).
    pub code: String,
    /// Why a `.lm.md` file is refused (empty for `.lm` files and accepted Markdown).
    pub markdown_errors: Vec<MarkdownError>,
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// Builds a source file; `.md` paths are treated as Markdown.
    pub fn new(path: impl Into<PathBuf>, text: String) -> SourceFile {
        let path = path.into();
        let (code, markdown_errors) = if is_markdown(&path) {
            match markdown_program(&text) {
                Ok(p) => (p.code, Vec::new()),
                Err(e) => (blank_code(&text), e),
            }
        } else {
            (text.clone(), Vec::new())
        };
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceFile {
            path,
            text,
            code,
            markdown_errors,
            line_starts,
        }
    }

    /// The 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let offset = (offset as usize).min(self.text.len());
        let line = self
            .line_starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let col = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line + 1, col + 1)
    }
}

/// Whether a path names a Markdown program (`*.md`, in practice `*.lm.md`).
pub fn is_markdown(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("md"))
}

/// All loaded files, indexed by [`FileId`].
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(self.files.len() - 1)
    }

    /// The file with this id.
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0)
    }

    /// The id of an already loaded path.
    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.files.iter().position(|f| f.path == path).map(FileId)
    }

    /// Every file, in load order.
    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(i), f))
    }
}

/// At most this many Markdown errors are reported for one file.
const MAX_MARKDOWN_ERRORS: usize = 100;

/// A CommonMark container block, which alters the content of the blocks inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Container {
    /// `> …`
    BlockQuote,
    /// `- …`, `1. …`
    ListItem,
    /// `[^note]: …` (GitHub's footnotes)
    FootnoteDefinition,
}

impl fmt::Display for Container {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Container::BlockQuote => "block quote",
            Container::ListItem => "list item",
            Container::FootnoteDefinition => "footnote definition",
        })
    }
}

/// What CommonMark makes of a line that looks like a lumen fence but does not open a lumen block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FenceReading {
    /// Raw HTML (an HTML block or comment): not shown as code.
    HtmlBlock,
    /// Content of another code block (fenced in another language, or indented).
    CodeBlock,
    /// Front matter (`---` at the top of the file), for some readers.
    FrontMatter,
    /// Content of a container block that is not a code block.
    Container(Container),
    /// Text of a paragraph or another leaf block.
    Text,
}

impl fmt::Display for FenceReading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FenceReading::HtmlBlock => f.write_str("raw HTML"),
            FenceReading::CodeBlock => f.write_str("the content of another code block"),
            FenceReading::FrontMatter => f.write_str("front matter"),
            FenceReading::Container(c) => write!(f, "a {c}"),
            FenceReading::Text => f.write_str("text"),
        }
    }
}

/// Why a `.lm.md` file is refused: its program could be read differently by a Markdown reader
/// than by the checker (see the [module documentation](self)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarkdownError {
    /// A carriage return not followed by a line feed: a line break for CommonMark, not for Lumen.
    #[error("a carriage return without a line feed: Markdown readers break the line here")]
    BareCarriageReturn {
        /// The carriage return.
        at: Span,
    },
    /// Both CRLF and LF line endings in one file.
    #[error("the file mixes CRLF and LF line endings")]
    MixedLineEndings {
        /// The first CRLF.
        crlf: Span,
        /// The first LF without a CR.
        lf: Span,
    },
    /// A NUL byte, which CommonMark readers replace with U+FFFD.
    #[error("a NUL byte: Markdown readers show U+FFFD here")]
    NulByte {
        /// The byte.
        at: Span,
    },
    /// A lumen block inside a container block.
    #[error("a `lumen` block inside a {container}")]
    LumenBlockInContainer {
        /// The opening fence line.
        fence: Span,
        /// The innermost container.
        container: Container,
    },
    /// A lumen block whose opening fence is indented.
    #[error("this `lumen` fence is indented")]
    IndentedLumenFence {
        /// The opening fence line.
        fence: Span,
    },
    /// A lumen block right after a line that is not blank.
    #[error("this `lumen` block does not follow a blank line")]
    NoBlankLineBeforeLumenBlock {
        /// The opening fence line.
        fence: Span,
        /// The line before it.
        previous: Span,
    },
    /// A lumen block whose closing fence is missing.
    #[error("this `lumen` block is never closed")]
    UnclosedLumenBlock {
        /// The opening fence line.
        fence: Span,
    },
    /// A fenced block whose info string mentions `lumen` but is not exactly `lumen`.
    #[error("the info string `{info}` is not exactly `lumen`")]
    InexactLumenInfo {
        /// The opening fence line.
        fence: Span,
        /// The info string as written (trimmed).
        info: String,
    },
    /// A line that looks like a lumen fence but is read as something else.
    #[error("this line looks like a `lumen` fence, but Markdown readers read it as {reading}")]
    LumenFenceNotABlock {
        /// The line.
        line: Span,
        /// What it is read as.
        reading: FenceReading,
    },
    /// A line holding raw HTML (other than a line that is exactly one closed comment).
    #[error("raw HTML: Markdown readers disagree on where an HTML block ends")]
    RawHtml {
        /// From the `<` to the end of the line.
        at: Span,
    },
    /// A fence-like line inside a lumen block that does not close it.
    #[error("a fence-like line inside a `lumen` block that does not close it")]
    FenceInLumenBlock {
        /// The line.
        line: Span,
        /// The block's opening fence line.
        fence: Span,
    },
    /// Block content that CommonMark does not take verbatim from the file.
    #[error("Markdown readers change the text of this `lumen` block here")]
    ContentNotVerbatim {
        /// The changed piece.
        at: Span,
    },
}

impl MarkdownError {
    /// Where the problem is.
    pub fn span(&self) -> Span {
        match self {
            MarkdownError::BareCarriageReturn { at }
            | MarkdownError::NulByte { at }
            | MarkdownError::RawHtml { at }
            | MarkdownError::ContentNotVerbatim { at } => *at,
            MarkdownError::MixedLineEndings { crlf, lf } => {
                if crlf.start > lf.start {
                    *crlf
                } else {
                    *lf
                }
            }
            MarkdownError::LumenBlockInContainer { fence, .. }
            | MarkdownError::IndentedLumenFence { fence }
            | MarkdownError::NoBlankLineBeforeLumenBlock { fence, .. }
            | MarkdownError::UnclosedLumenBlock { fence }
            | MarkdownError::InexactLumenInfo { fence, .. } => *fence,
            MarkdownError::LumenFenceNotABlock { line, .. }
            | MarkdownError::FenceInLumenBlock { line, .. } => *line,
        }
    }

    /// A short label for the span.
    pub fn label(&self) -> &'static str {
        match self {
            MarkdownError::BareCarriageReturn { .. } => "bare carriage return",
            MarkdownError::MixedLineEndings { .. } => "the other line ending",
            MarkdownError::NulByte { .. } => "NUL byte",
            MarkdownError::LumenBlockInContainer { .. } => "nested lumen block",
            MarkdownError::IndentedLumenFence { .. } => "not at the left margin",
            MarkdownError::NoBlankLineBeforeLumenBlock { .. } => "no blank line before this fence",
            MarkdownError::UnclosedLumenBlock { .. } => "opened here, never closed",
            MarkdownError::InexactLumenInfo { .. } => "not exactly `lumen`",
            MarkdownError::LumenFenceNotABlock { .. } => "not a lumen block",
            MarkdownError::RawHtml { .. } => "raw HTML",
            MarkdownError::FenceInLumenBlock { .. } => "does not close the block",
            MarkdownError::ContentNotVerbatim { .. } => "changed by Markdown readers",
        }
    }

    /// What to change.
    pub fn help(&self) -> &'static str {
        match self {
            MarkdownError::BareCarriageReturn { .. } | MarkdownError::MixedLineEndings { .. } => {
                "save the file with LF (or CRLF) line endings throughout"
            }
            MarkdownError::NulByte { .. } => "remove the NUL byte",
            MarkdownError::LumenBlockInContainer { .. } => {
                "move the block out of the quote, list or footnote, to the left margin"
            }
            MarkdownError::IndentedLumenFence { .. } => {
                "start the opening fence at the left margin"
            }
            MarkdownError::NoBlankLineBeforeLumenBlock { .. } => {
                "put a blank line before the opening fence"
            }
            MarkdownError::UnclosedLumenBlock { .. } => {
                "close the block with a fence line of the same character, at least as long"
            }
            MarkdownError::InexactLumenInfo { .. } => {
                "write exactly `lumen` after the fence for program code, or another language name for an example"
            }
            MarkdownError::LumenFenceNotABlock { .. } => {
                "a `.lm.md` file is a program: put lumen blocks at the left margin, outside HTML, quotes, lists and other blocks, and show examples of lumen fences in a plain `.md` file"
            }
            MarkdownError::RawHtml { .. } => {
                "remove the HTML, or write it as inline code; a comment `<!-- … -->` must be alone on its line"
            }
            MarkdownError::FenceInLumenBlock { .. } => {
                "close the block with a fence line indented at most three spaces, or remove the line"
            }
            MarkdownError::ContentNotVerbatim { .. } => {
                "start the opening fence at the left margin"
            }
        }
    }
}

/// One lumen block of a `.lm.md` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LumenBlock {
    /// The whole block, from its opening fence to the end of its closing fence.
    pub span: Span,
    /// The pieces of the file that are its content, in order.
    pub content: Vec<Span>,
}

impl LumenBlock {
    /// The block's content (its pieces joined), as CommonMark readers give it.
    pub fn content_text(&self, text: &str) -> String {
        self.content
            .iter()
            .filter_map(|s| text.get(s.range()))
            .collect()
    }
}

/// A `.lm.md` file read as a program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkdownProgram {
    /// The file with every byte outside the lumen blocks' content a space (line feeds kept).
    pub code: String,
    /// The lumen blocks, in order.
    pub blocks: Vec<LumenBlock>,
}

/// Reads a `.lm.md` file: its lumen blocks and code text, or every reason it is refused.
pub fn markdown_program(text: &str) -> Result<MarkdownProgram, Vec<MarkdownError>> {
    let mut errors = line_ending_errors(text);
    if !errors.is_empty() {
        return Err(errors);
    }
    let base = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let body = text.get(base..).unwrap_or_default();
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_GFM;

    let mut containers: Vec<Container> = Vec::new();
    // Outermost containers and leaf blocks, in document order (each list's ranges are disjoint).
    let mut outer: Vec<(Range<usize>, Container)> = Vec::new();
    let mut leaves: Vec<(Range<usize>, FenceReading)> = Vec::new();
    // Code blocks of other languages at the top level, whose lines are code for every reader.
    let mut top_code: Vec<Range<usize>> = Vec::new();
    // Code spans (`` `<div>` ``) whose `<` is text for every reader (see `code_span_is_sure`).
    let mut code_spans: Vec<Range<usize>> = Vec::new();
    // The start of the block whose inlines are being read (a paragraph, a heading, a table row).
    let mut inlines_from = 0;
    let backtick_lines = BacktickLines::new(text);
    // The line starts of the opening fences of fenced code blocks (judged by their info string).
    let mut judged: HashSet<usize> = HashSet::new();
    let front_matter = front_matter(text, base);
    let mut open: Option<OpenBlock> = None;
    let mut blocks: Vec<(LumenBlock, OpenBlock)> = Vec::new();

    for (event, r) in Parser::new_ext(body, options).into_offset_iter() {
        let r = r.start + base..r.end + base;
        match event {
            Event::Start(Tag::BlockQuote(_) | Tag::Item | Tag::FootnoteDefinition(_)) => {
                let c = match event {
                    Event::Start(Tag::BlockQuote(_)) => Container::BlockQuote,
                    Event::Start(Tag::Item) => Container::ListItem,
                    _ => Container::FootnoteDefinition,
                };
                if containers.is_empty() {
                    outer.push((r, c));
                }
                containers.push(c);
            }
            Event::End(TagEnd::BlockQuote(_) | TagEnd::Item | TagEnd::FootnoteDefinition) => {
                containers.pop();
            }
            Event::Start(Tag::HtmlBlock) => leaves.push((r, FenceReading::HtmlBlock)),
            Event::Start(Tag::Paragraph | Tag::Heading { .. } | Tag::TableHead | Tag::TableRow) => {
                inlines_from = r.start
            }
            // Not `top_code`: readers disagree on whether an indented line after a list item is
            // an indented code block or part of the item (`-`, a line holding a tab, `\t<a>`).
            Event::Start(Tag::CodeBlock(CodeBlockKind::Indented)) => {
                leaves.push((r, FenceReading::CodeBlock));
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                let fence = fence_line(text, r.start);
                let raw = raw_info(text, fence.clone());
                // Judged here, with the info string as CommonMark decodes it.
                judged.insert(line_start(text, r.start));
                if raw == "lumen" {
                    if let Some(&container) = containers.last() {
                        errors.push(MarkdownError::LumenBlockInContainer {
                            fence: span_of(&fence),
                            container,
                        });
                        leaves.push((r, FenceReading::CodeBlock));
                    } else if front_matter.as_ref().is_some_and(|f| f.contains(&r.start)) {
                        errors.push(MarkdownError::LumenFenceNotABlock {
                            line: span_of(&fence),
                            reading: FenceReading::FrontMatter,
                        });
                        leaves.push((r, FenceReading::FrontMatter));
                    } else {
                        let start = line_start(text, r.start).max(base);
                        if r.start > start {
                            errors.push(MarkdownError::IndentedLumenFence {
                                fence: span_of(&fence),
                            });
                        }
                        if start > base {
                            let previous = trim_eol(text, line_at(text, start - 1));
                            if !text
                                .get(previous.clone())
                                .unwrap_or_default()
                                .trim_matches([' ', '\t'])
                                .is_empty()
                            {
                                errors.push(MarkdownError::NoBlankLineBeforeLumenBlock {
                                    fence: span_of(&fence),
                                    previous: span_of(&previous),
                                });
                            }
                        }
                        open = Some(OpenBlock {
                            fence,
                            content: Vec::new(),
                        });
                    }
                } else {
                    if mentions_lumen(raw) || mentions_lumen(&info) {
                        errors.push(MarkdownError::InexactLumenInfo {
                            fence: span_of(&fence),
                            info: raw.to_owned(),
                        });
                    } else if containers.is_empty()
                        && line_at(text, r.start).start.max(base) == r.start
                        && closed_plainly(text, &r)
                    {
                        top_code.push(r.clone());
                    }
                    leaves.push((r, FenceReading::CodeBlock));
                }
            }
            Event::Code(_) if code_span_is_sure(text, &backtick_lines, inlines_from, &r) => {
                code_spans.push(r)
            }
            Event::Text(t) => {
                if let Some(b) = open.as_mut() {
                    if text.get(r.clone()) == Some(&*t) {
                        b.content.push(span_of(&r));
                    } else {
                        errors.push(MarkdownError::ContentNotVerbatim { at: span_of(&r) });
                    }
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some(b) = open.take() {
                    leaves.push((r.clone(), FenceReading::CodeBlock));
                    if closed(text, &b.fence, &r) {
                        blocks.push((
                            LumenBlock {
                                span: span_of(&r),
                                content: b.content.clone(),
                            },
                            b,
                        ));
                    } else {
                        errors.push(MarkdownError::UnclosedLumenBlock {
                            fence: span_of(&b.fence),
                        });
                    }
                }
            }
            _ => {}
        }
    }

    // Fence-like lines inside lumen blocks.
    for (block, b) in &blocks {
        let end = block.span.end as usize;
        let mut at = line_at(text, b.fence.start).end;
        while at < end {
            let line = line_at(text, at);
            // The closing fence is the block's last line.
            if line.end >= end {
                break;
            }
            if fence_like(text.get(line.clone()).unwrap_or_default()).is_some() {
                errors.push(MarkdownError::FenceInLumenBlock {
                    line: span_of(&trim_eol(text, line.clone())),
                    fence: span_of(&b.fence),
                });
            }
            at = line.end.max(at + 1);
        }
    }

    // Every other line: lumen fences that are not lumen blocks, and raw HTML.
    let lumen_blocks: Vec<Range<usize>> = blocks.iter().map(|(l, _)| l.span.range()).collect();
    let mut at = base;
    while at < text.len() {
        let line = line_at(text, at);
        at = line.end.max(at + 1);
        let s = text.get(line.clone()).unwrap_or_default();
        if find(&lumen_blocks, line.start, |r| r).is_some()
            || find(&lumen_blocks, line.end.saturating_sub(1), |r| r).is_some()
        {
            // Program text (fence-like lines in it are reported above).
            continue;
        }
        if !judged.contains(&line.start)
            && let Some(probe) = lumen_fence_like(s)
        {
            let probe = line.start + probe;
            let in_front_matter = front_matter.as_ref().is_some_and(|f| f.contains(&probe));
            let reading = in_front_matter
                .then_some(FenceReading::FrontMatter)
                .or_else(|| find(&leaves, probe, |(r, _)| r).map(|(_, k)| *k))
                .or_else(|| {
                    find(&outer, probe, |(r, _)| r).map(|(_, c)| FenceReading::Container(*c))
                })
                .unwrap_or(FenceReading::Text);
            errors.push(MarkdownError::LumenFenceNotABlock {
                line: span_of(&trim_eol(text, line.clone())),
                reading,
            });
        }
        // The byte order mark is not part of the first line.
        let from = line.start.max(base);
        let s = text.get(from..line.end).unwrap_or_default();
        if single_comment_line(s) {
            continue;
        }
        // A `<` in a code span is text, if the span opens on this line (a span that a line break
        // continues could be read, by a reader that starts an HTML block there, as HTML).
        if let Some(html) = html_starts(s).map(|i| from + i).find(|&at| {
            find(&top_code, at, |r| r).is_none()
                && !code_spans
                    .iter()
                    .any(|r| r.contains(&at) && r.start >= line.start)
        }) {
            errors.push(MarkdownError::RawHtml {
                at: span_of(&(html..trim_eol(text, line).end)),
            });
        }
    }

    if !errors.is_empty() {
        errors.sort_by_key(|e| (e.span().start, e.span().end));
        errors.truncate(MAX_MARKDOWN_ERRORS);
        return Err(errors);
    }
    let blocks: Vec<LumenBlock> = blocks.into_iter().map(|(l, _)| l).collect();
    let mut code = String::with_capacity(text.len());
    let mut at = 0;
    for piece in blocks.iter().flat_map(|b| &b.content) {
        blank(text.as_bytes().get(at..piece.start as usize), &mut code);
        code.push_str(text.get(piece.range()).unwrap_or_default());
        at = piece.end as usize;
    }
    blank(text.as_bytes().get(at..), &mut code);
    Ok(MarkdownProgram { code, blocks })
}

/// A lumen block being read.
#[derive(Debug, Clone)]
struct OpenBlock {
    /// Its opening fence line (from the fence characters, without the line ending).
    fence: Range<usize>,
    /// Its content pieces so far.
    content: Vec<Span>,
}

/// The code text of a file none of which is program: every byte a space, line feeds kept.
pub fn blank_code(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    blank(Some(text.as_bytes()), &mut out);
    out
}

fn blank(bytes: Option<&[u8]>, out: &mut String) {
    for &b in bytes.unwrap_or_default() {
        out.push(if b == b'\n' { '\n' } else { ' ' });
    }
}

fn span_of(r: &Range<usize>) -> Span {
    Span::new(r.start, r.end)
}

/// Bare carriage returns, mixed line endings and NUL bytes.
fn line_ending_errors(text: &str) -> Vec<MarkdownError> {
    let bytes = text.as_bytes();
    let mut errors = Vec::new();
    let (mut crlf, mut lf) = (None, None);
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\0' => errors.push(MarkdownError::NulByte {
                at: Span::new(i, i + 1),
            }),
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                crlf.get_or_insert(Span::new(i, i + 2));
            }
            b'\r' => errors.push(MarkdownError::BareCarriageReturn {
                at: Span::new(i, i + 1),
            }),
            b'\n' if i == 0 || bytes.get(i - 1) != Some(&b'\r') => {
                lf.get_or_insert(Span::new(i, i + 1));
            }
            _ => {}
        }
        if errors.len() >= MAX_MARKDOWN_ERRORS {
            break;
        }
    }
    if let (Some(crlf), Some(lf)) = (crlf, lf) {
        errors.push(MarkdownError::MixedLineEndings { crlf, lf });
    }
    errors
}

/// The lines that some reader takes for front matter: from a first line `---` to the next line
/// `---` (as GitHub and comrak do) or, if there is none, `...` (as some other readers do).
/// pulldown-cmark's own metadata blocks are not used: it also takes them after the first block.
fn front_matter(text: &str, base: usize) -> Option<Range<usize>> {
    let is = |r: &Range<usize>, what: &str| {
        text.get(r.clone())
            .is_some_and(|l| l.trim_end_matches(['\n', '\r', ' ', '\t']) == what)
    };
    let first = line_at(text, base);
    if !is(&first, "---") {
        return None;
    }
    let mut dots = None;
    let mut at = first.end;
    while at < text.len() {
        let line = line_at(text, at);
        if is(&line, "---") {
            return Some(base..line.end);
        }
        if dots.is_none() && is(&line, "...") {
            dots = Some(base..line.end);
        }
        at = line.end.max(at + 1);
    }
    dots
}

/// The offset of the start of the line holding `at`.
fn line_start(text: &str, at: usize) -> usize {
    text.as_bytes()
        .get(..at)
        .and_then(|b| b.iter().rposition(|&c| c == b'\n'))
        .map_or(0, |i| i + 1)
}

/// The line holding `at`, with its line feed.
fn line_at(text: &str, at: usize) -> Range<usize> {
    let start = line_start(text, at);
    let end = text
        .as_bytes()
        .get(at..)
        .and_then(|b| b.iter().position(|&c| c == b'\n'))
        .map_or(text.len(), |i| at + i + 1);
    start..end
}

/// `r` without its line ending.
fn trim_eol(text: &str, r: Range<usize>) -> Range<usize> {
    let s = text.get(r.clone()).unwrap_or_default();
    r.start..r.start + s.trim_end_matches(['\n', '\r']).len()
}

/// The opening fence line of a code block whose fence starts at `at`, without its line ending.
fn fence_line(text: &str, at: usize) -> Range<usize> {
    let line = line_at(text, at);
    trim_eol(text, at..line.end)
}

/// The info string of a fence line as written, trimmed of spaces and tabs.
fn raw_info(text: &str, fence: Range<usize>) -> &str {
    let line = text.get(fence).unwrap_or_default();
    let ch = line.chars().next().unwrap_or('`');
    line.trim_start_matches(ch).trim_matches([' ', '\t'])
}

/// Whether `s` spells `lumen` in any case, ignoring invisible characters (zero-width spaces and
/// joiners, soft hyphens, bidirectional controls) that a reader does not see.
fn mentions_lumen(s: &str) -> bool {
    let visible: String = s
        .chars()
        .filter(|&c| {
            !matches!(
                c,
                '\u{ad}'
                    | '\u{34f}'
                    | '\u{61c}'
                    | '\u{180e}'
                    | '\u{200b}'..='\u{200f}'
                    | '\u{202a}'..='\u{202e}'
                    | '\u{2060}'..='\u{2069}'
                    | '\u{feff}'
            )
        })
        .collect();
    visible.to_lowercase().contains("lumen")
}

/// Whether the block read from `fence` to the end of `block` ends with its closing fence: its last
/// line, after at most three spaces, is a run of the opening fence's character at least as long,
/// followed only by spaces and tabs.
fn closed(text: &str, fence: &Range<usize>, block: &Range<usize>) -> bool {
    let open = text.get(fence.clone()).unwrap_or_default();
    let Some(ch) = open.chars().next() else {
        return false;
    };
    let n = open.chars().take_while(|&c| c == ch).count();
    let last = line_at(text, block.end.saturating_sub(1).max(block.start));
    if last.start <= fence.start {
        return false;
    }
    let line = text.get(trim_eol(text, last)).unwrap_or_default();
    let rest = line.trim_start_matches(' ');
    if line.len() - rest.len() > 3 {
        return false;
    }
    let run = rest.chars().take_while(|&c| c == ch).count();
    run >= n && rest[run..].trim_matches([' ', '\t']).is_empty()
}

/// If `line`, after spaces and tabs, starts with a fence (three or more backticks or tildes):
/// the offset of the fence.
fn fence_like(line: &str) -> Option<usize> {
    let rest = line.trim_start_matches([' ', '\t']);
    let at = line.len() - rest.len();
    (rest.starts_with("```") || rest.starts_with("~~~")).then_some(at)
}

/// If `line` holds something a reader could take for a lumen fence: a run of three or more
/// backticks or tildes (anywhere: after a quote, a list marker, a footnote label, HTML) followed by
/// text that mentions `lumen`, or that holds an entity or a backslash escape (which could spell it
/// once decoded). Returns the offset of the run.
fn lumen_fence_like(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c != b'`' && c != b'~' {
            i += 1;
            continue;
        }
        let n = b[i..].iter().take_while(|&&x| x == c).count();
        if n >= 3 {
            // The run is ASCII, so `i + n` is a character boundary.
            let after = line.get(i + n..).unwrap_or_default();
            if mentions_lumen(after) || after.contains(['&', '\\']) {
                return Some(i);
            }
        }
        i += n;
    }
    None
}

/// Whether `line` (with or without its line ending) is exactly one HTML comment closed on the line:
/// at most three spaces, `<!--`, a body, `-->`, then only spaces and tabs. The body holds no `-->`
/// (the first one closes the comment), no `<!--`, no `--!>` (which closes a comment for browsers),
/// and does not start with `>` or `->` (`<!-->` and `<!--->` are whole comments for browsers).
fn single_comment_line(line: &str) -> bool {
    let line = line.trim_end_matches(['\n', '\r']);
    let rest = line.trim_start_matches(' ');
    if line.len() - rest.len() > 3 {
        return false;
    }
    let Some(after) = rest.strip_prefix("<!--") else {
        return false;
    };
    let Some((body, tail)) = after.split_once("-->") else {
        return false;
    };
    tail.trim_matches([' ', '\t']).is_empty()
        && !body.contains("<!--")
        && !body.contains("--!>")
        && !body.starts_with('>')
        && !body.starts_with("->")
}

/// Whether `s` starts with a URI autolink: `<`, a scheme (an ASCII letter, then 1 to 31 ASCII
/// letters, digits, `+`, `.` or `-`), `:`, characters other than spaces, controls, `<` and `>`,
/// then `>` (CommonMark 0.31, 6.5).
fn is_autolink(s: &str) -> bool {
    let Some(r) = s.strip_prefix('<') else {
        return false;
    };
    let Some((scheme, rest)) = r.split_once(':') else {
        return false;
    };
    let scheme_ok = (2..=32).contains(&scheme.len())
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'));
    let Some(end) = rest.find(['<', '>', ' ']) else {
        return false;
    };
    scheme_ok
        && rest.as_bytes().get(end) == Some(&b'>')
        && !rest[..end].chars().any(char::is_control)
}

/// Whether the fenced code block at `block` ends with a closing fence of only backticks or tildes
/// (the opening fence's character) and spaces, and no line inside it looks like a fence. Readers
/// disagree on closing fences followed by a tab (pulldown-cmark reads ```` ```\t ```` as content,
/// comrak as the end), and an unclosed block runs to the end of the file for one reader only.
fn closed_plainly(text: &str, block: &Range<usize>) -> bool {
    let lines: Vec<&str> = text
        .get(block.clone())
        .unwrap_or_default()
        .split_inclusive('\n')
        .collect();
    let [first, inner @ .., last] = &lines[..] else {
        return false;
    };
    let Some(ch) = first.chars().next() else {
        return false;
    };
    let last = last.trim_end_matches(['\n', '\r']).trim_end_matches(' ');
    last.len() >= 3
        && last.chars().all(|c| c == ch)
        && inner.iter().all(|l| fence_like(l).is_none())
}

/// Whether every reader takes the code span at `span` for a code span, so that a `<` in it is
/// text: the span lies on one line and holds no `|` (GFM splits table cells before it reads code
/// spans); no extended autolink can run into its opening backtick ([`autolink_may_reach`]); and on
/// each line from the start of its block (`inlines_from`), and at least from the last blank line,
/// to the span's line, every backtick run
/// is closed by a run of the same length on the same line, with no backslash before a backtick.
/// Readers pair runs across lines differently (comrak reads the three lines `` text`text`` ``,
/// ```` `` ````, ```` ``<a>`` ```` with `<a>` as HTML, pulldown-cmark and markdown-rs as code), and a span continued on the next line
/// can be cut by a line that one reader takes for a table's delimiter row (`-:`).
fn code_span_is_sure(
    text: &str,
    lines: &BacktickLines,
    inlines_from: usize,
    span: &Range<usize>,
) -> bool {
    let Some(code) = text.get(span.clone()) else {
        return false;
    };
    if code.contains(['\n', '\r', '|']) || autolink_may_reach(text, span.start) {
        return false;
    }
    let line = lines.line_of(span.start);
    // Back to the block's start, and at least back to the last blank line: readers disagree on
    // where a paragraph starts (`>` then `\t>` then a span: comrak continues the quote's paragraph
    // lazily, pulldown-cmark starts a new one), never across a blank line.
    let from = lines
        .after_blank(line)
        .min(lines.line_of(inlines_from.min(span.start)));
    lines.unpaired_upto(line).is_none_or(|bad| bad < from)
}

/// Per line of a file (numbered from 0): the line after the last blank line above it, and the last
/// line at or above it whose backtick runs do not pair on the line ([`backticks_pair_on_line`]).
/// Built once, so checking a code span costs a lookup.
struct BacktickLines {
    starts: Vec<usize>,
    after_blank: Vec<usize>,
    unpaired: Vec<Option<usize>>,
}

impl BacktickLines {
    fn new(text: &str) -> Self {
        let mut starts = Vec::new();
        let mut after_blank = Vec::new();
        let mut unpaired = Vec::new();
        let (mut region, mut bad, mut at) = (0, None, 0);
        for (i, l) in text.split_inclusive('\n').enumerate() {
            starts.push(at);
            after_blank.push(region);
            if !backticks_pair_on_line(l) {
                bad = Some(i);
            }
            unpaired.push(bad);
            if l.trim_matches([' ', '\t', '\r', '\n']).is_empty() {
                region = i + 1;
            }
            at += l.len();
        }
        Self {
            starts,
            after_blank,
            unpaired,
        }
    }

    /// The number of the line holding byte `at`.
    fn line_of(&self, at: usize) -> usize {
        self.starts.partition_point(|&s| s <= at).saturating_sub(1)
    }

    /// The first line after the last blank line above `line` (0 if there is none).
    fn after_blank(&self, line: usize) -> usize {
        self.after_blank.get(line).copied().unwrap_or(0)
    }

    /// The last line at or above `line` whose backtick runs do not pair on it.
    fn unpaired_upto(&self, line: usize) -> Option<usize> {
        // A line past the end (cannot happen) counts as unpaired.
        self.unpaired.get(line).copied().unwrap_or(Some(line))
    }
}

/// Whether each run of backticks on `line` is closed, left to right, by the next run of the same
/// length on the line (CommonMark's pairing within one line), and no backtick follows a backslash.
fn backticks_pair_on_line(line: &str) -> bool {
    if line.contains("\\`") {
        return false;
    }
    let mut runs = line
        .split(|c| c != '`')
        .filter(|r| !r.is_empty())
        .map(str::len);
    while let Some(n) = runs.next() {
        if !runs.any(|m| m == n) {
            return false;
        }
    }
    true
}

/// Whether a GFM extended autolink (`https://…`, `www.…`, or an email address) could run up to
/// and over the character at `at`: the text before it, back to the last space, control or `<` on
/// the line (where such a link ends), holds `:`, `@` or `www.` in any case. Readers that apply the
/// extension while they read inlines (cmark-gfm, comrak) then take the backtick at `at` into the
/// link, so a code span that others see opening there does not open for them, and a `<` in it is
/// raw HTML: `\<https://x.example>` followed by a span holding `<a>` is read both ways.
fn autolink_may_reach(text: &str, at: usize) -> bool {
    let before = text.get(..at).unwrap_or_default();
    let from = before
        .rfind(|c: char| c.is_whitespace() || c.is_control() || c == '<')
        .map_or(0, |i| i + 1);
    let token = before.get(from..).unwrap_or_default();
    token.contains([':', '@']) || token.to_ascii_lowercase().contains("www.")
}

/// The offsets in `line` of every possible start of raw HTML: a `<` followed by an ASCII letter,
/// `/`, `!` or `?` (an opening or closing tag, a comment, a declaration, CDATA, a processing
/// instruction), other than a URI autolink (`<https://…>`).
fn html_starts(line: &str) -> impl Iterator<Item = usize> + '_ {
    line.match_indices('<').map(|(i, _)| i).filter(move |&i| {
        let s = &line[i..];
        s[1..].starts_with(|c: char| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'))
            && !is_autolink(s)
    })
}

/// The item of `sorted` (disjoint ranges in order) whose range holds `at`.
fn find<T>(sorted: &[T], at: usize, range: impl Fn(&T) -> &Range<usize>) -> Option<&T> {
    let i = sorted.partition_point(|x| range(x).start <= at);
    let x = sorted.get(i.checked_sub(1)?)?;
    range(x).contains(&at).then_some(x)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn markdown_keeps_offsets_and_only_lumen_blocks() {
        let md = "# Title é\n\n```lumen\ncell main()\nend\n```\n\n```python\nprint(1)\n```\n\n~~~ lumen\nuse tool http.get as F\n~~~\n";
        let p = markdown_program(md).unwrap();
        assert_eq!(p.code.len(), md.len());
        assert_eq!(p.code.matches('\n').count(), md.matches('\n').count());
        assert!(p.code.contains("cell main()\nend\n"));
        assert!(!p.code.contains("print"));
        assert!(!p.code.contains("Title"));
        assert!(p.code.contains("use tool http.get as F"));
        let at = p.code.find("cell").unwrap();
        assert_eq!(&md[at..at + 4], "cell");
        let f = SourceFile::new("x.lm.md", md.to_owned());
        assert_eq!(f.line_col(at as u32), (4, 1));
        assert!(f.markdown_errors.is_empty());
        assert_eq!(p.blocks.len(), 2);
        assert_eq!(
            &md[p.blocks[1].span.range()],
            "~~~ lumen\nuse tool http.get as F\n~~~"
        );
    }

    #[test]
    fn refused_markdown_has_blank_code() {
        let md = "> ```lumen\n> cell main()\n> end\n> ```\n";
        let f = SourceFile::new("x.lm.md", md.to_owned());
        assert!(matches!(
            f.markdown_errors[..],
            [MarkdownError::LumenBlockInContainer {
                container: Container::BlockQuote,
                ..
            }]
        ));
        assert_eq!(f.code, "          \n             \n     \n     \n");
    }

    #[test]
    fn plain_lumen_files_are_not_read_as_markdown() {
        let f = SourceFile::new("x.lm", "> ```lumen\n".to_owned());
        assert_eq!(f.code, f.text);
        assert!(f.markdown_errors.is_empty());
    }
}
