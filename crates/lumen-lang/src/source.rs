//! Source files, spans, and the Markdown form (`.lm.md`).
//!
//! A `.lm.md` file is Markdown whose fenced code blocks with the info string `lumen` are the program.
//! Its code text is the file with every byte outside those blocks replaced by a space (newlines kept),
//! so byte offsets, lines and columns in the code text are those of the Markdown file: a diagnostic
//! points at the line of the `.md` file the user edits.

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
    /// The program text: equal to `text` for `.lm`, blanked outside `lumen` blocks for `.lm.md`.
    pub code: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// Builds a source file; `.md` paths are treated as Markdown.
    pub fn new(path: impl Into<PathBuf>, text: String) -> SourceFile {
        let path = path.into();
        let code = if is_markdown(&path) {
            markdown_code(&text)
        } else {
            text.clone()
        };
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceFile {
            path,
            text,
            code,
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

/// The program text of a Markdown file: the contents of its ```` ```lumen ```` / `~~~lumen` fenced
/// blocks in place, every other byte a space (newlines kept).
pub fn markdown_code(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len());
    // The open fence: its character and length.
    let mut open: Option<(u8, usize)> = None;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start_matches(' ');
        let indent = line.len() - trimmed.len();
        let fence = if indent <= 3 { fence_of(trimmed) } else { None };
        let keep = match (open, fence) {
            (None, Some((ch, n, info))) => {
                if info.split_whitespace().next() == Some("lumen") {
                    open = Some((ch, n));
                } else {
                    // A block in another language: skip to its closing fence.
                    open = Some((ch | 0x80, n));
                }
                false
            }
            (Some((ch, n)), Some((c2, n2, info)))
                if ch & 0x7f == c2 && n2 >= n && info.trim().is_empty() =>
            {
                open = None;
                false
            }
            (Some((ch, _)), _) => ch & 0x80 == 0,
            (None, None) => false,
        };
        if keep {
            out.extend_from_slice(line.as_bytes());
        } else {
            out.extend(line.bytes().map(|b| if b == b'\n' { b'\n' } else { b' ' }));
        }
    }
    // Only whole lines were copied or replaced byte for byte with ASCII, so this is valid UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

/// A fence line: its character, its length and its info string.
fn fence_of(line: &str) -> Option<(u8, usize, &str)> {
    let b = line.as_bytes();
    let ch = *b.first()?;
    if ch != b'`' && ch != b'~' {
        return None;
    }
    let n = b.iter().take_while(|&&c| c == ch).count();
    if n < 3 {
        return None;
    }
    let info = line[n..].trim_end_matches(['\n', '\r']);
    if ch == b'`' && info.contains('`') {
        return None;
    }
    Some((ch, n, info.trim()))
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn markdown_keeps_offsets_and_only_lumen_blocks() {
        let md = "# Title é\n\n```lumen\ncell main()\nend\n```\n\n```python\nprint(1)\n```\n~~~ lumen extra\nuse tool http.get as F\n~~~\n";
        let code = markdown_code(md);
        assert_eq!(code.len(), md.len());
        assert_eq!(code.matches('\n').count(), md.matches('\n').count());
        assert!(code.contains("cell main()\nend\n"));
        assert!(!code.contains("print"));
        assert!(!code.contains("Title"));
        assert!(code.contains("use tool http.get as F"));
        let at = code.find("cell").unwrap();
        assert_eq!(&md[at..at + 4], "cell");
        let f = SourceFile::new("x.lm.md", md.to_owned());
        assert_eq!(f.line_col(at as u32), (4, 1));
    }
}
