//! The lexer: turns code text into [`Token`]s, on demand.
//!
//! The lexer is a pull lexer ([`Lexer::next_token`]); the parser asks for tokens as it needs them,
//! so no token vector for the whole file is ever built. [`tokenize`] collects every token, for
//! tests and tools.
//!
//! * Whitespace is space, tab, carriage return and newline; `#` starts a comment that runs to the
//!   end of the line. A carriage return not followed by a newline, and the characters that editors
//!   show as a line break or that reorder the text shown ([`is_misleading`]), are reported
//!   anywhere, in comments and strings too, by [`misleading_characters`] (E0302). Each token records in [`Token::nl_before`] whether a newline came between it
//!   and the previous token: the parser uses it for the line rule (an infix operator or a call's
//!   `(` on a new line does not continue an expression).
//! * A string is lexed as [`TokenKind::StrStart`], then [`TokenKind::StrText`] (escapes decoded) and
//!   interpolations ([`TokenKind::InterpStart`], the ordinary tokens of the expression,
//!   [`TokenKind::InterpEnd`]), then [`TokenKind::StrEnd`]. The nesting of strings and
//!   interpolations is kept on a heap stack, never by recursion. A string, with its
//!   interpolations, must end on the line it starts on; otherwise the lexer reports "unterminated
//!   string" and produces one [`TokenKind::Error`] token, on which the parser gives up the item
//!   without a second message.
//! * Tool ids: right after the keywords `use tool`, the lexer reads one [`TokenKind::ToolId`]
//!   token: segments of ASCII letters, digits and `_`, with `-` allowed between two such
//!   characters, separated by `.` (`mcp.my-server.do_it`). Keywords are ordinary segments there
//!   (`fs.in`). The parser requires at least one `.`.
//! * A character that cannot start a token is reported ("unexpected character", naming its code
//!   point) and skipped; a run of such characters is reported once.
//! * Integers may contain `_`; one larger than 2^63 is reported and lexed as 0 (2^63 itself is
//!   kept so that `-9223372036854775808` can be written; the parser rejects it unnegated).

use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// At most this many diagnostics are kept for one file (by the lexer, and by the parser overall).
pub(crate) const MAX_DIAGNOSTICS: usize = 100;

/// The largest integer a literal may have: 2^63, only valid after a minus sign.
const INT_LIMIT: u64 = 1 << 63;

/// The reserved words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Keyword {
    /// `use`
    Use,
    /// `tool`
    Tool,
    /// `as`
    As,
    /// `grant`
    Grant,
    /// `import`
    Import,
    /// `granting`
    Granting,
    /// `agent`
    Agent,
    /// `cell`
    Cell,
    /// `end`
    End,
    /// `let`
    Let,
    /// `return`
    Return,
    /// `if`
    If,
    /// `else`
    Else,
    /// `for`
    For,
    /// `in`
    In,
    /// `and`
    And,
    /// `or`
    Or,
    /// `not`
    Not,
    /// `true`
    True,
    /// `false`
    False,
}

impl Keyword {
    /// The keyword spelled `word`, if it is one.
    pub fn from_word(word: &str) -> Option<Keyword> {
        Some(match word {
            "use" => Keyword::Use,
            "tool" => Keyword::Tool,
            "as" => Keyword::As,
            "grant" => Keyword::Grant,
            "import" => Keyword::Import,
            "granting" => Keyword::Granting,
            "agent" => Keyword::Agent,
            "cell" => Keyword::Cell,
            "end" => Keyword::End,
            "let" => Keyword::Let,
            "return" => Keyword::Return,
            "if" => Keyword::If,
            "else" => Keyword::Else,
            "for" => Keyword::For,
            "in" => Keyword::In,
            "and" => Keyword::And,
            "or" => Keyword::Or,
            "not" => Keyword::Not,
            "true" => Keyword::True,
            "false" => Keyword::False,
            _ => return None,
        })
    }

    /// The keyword as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Keyword::Use => "use",
            Keyword::Tool => "tool",
            Keyword::As => "as",
            Keyword::Grant => "grant",
            Keyword::Import => "import",
            Keyword::Granting => "granting",
            Keyword::Agent => "agent",
            Keyword::Cell => "cell",
            Keyword::End => "end",
            Keyword::Let => "let",
            Keyword::Return => "return",
            Keyword::If => "if",
            Keyword::Else => "else",
            Keyword::For => "for",
            Keyword::In => "in",
            Keyword::And => "and",
            Keyword::Or => "or",
            Keyword::Not => "not",
            Keyword::True => "true",
            Keyword::False => "false",
        }
    }
}

/// What a token is. Names, tool ids and punctuation carry no text: it is the source text of the
/// token's span.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    /// An identifier `[A-Za-z_][A-Za-z0-9_]*` that is not a keyword.
    Ident,
    /// A reserved word.
    Kw(Keyword),
    /// The tool id after `use tool` (see the module documentation).
    ToolId,
    /// An integer literal (at most 2^63; larger ones were reported and are 0 here).
    Int(u64),
    /// A float literal.
    Float(f64),
    /// The opening `"` of a string.
    StrStart,
    /// Literal text inside a string, escapes decoded (never empty).
    StrText(String),
    /// The `{` opening an interpolation inside a string.
    InterpStart,
    /// The `}` closing an interpolation.
    InterpEnd,
    /// The closing `"` of a string.
    StrEnd,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `{` (outside string text)
    LBrace,
    /// `}` (outside string text)
    RBrace,
    /// `,`
    Comma,
    /// `:`
    Colon,
    /// `.`
    Dot,
    /// `?`
    Question,
    /// `->`
    Arrow,
    /// `=`
    Assign,
    /// `==`
    EqEq,
    /// `!=`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Star,
    /// `/`
    Slash,
    /// Something already reported by the lexer (an unterminated string); the parser stops the
    /// current item here without a further message.
    Error,
    /// The end of the input (returned again on every further call).
    Eof,
}

/// One token.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Its bytes in the code text.
    pub span: Span,
    /// Whether a newline (possibly ending a comment) comes between the previous token and this
    /// one. True for the first token.
    pub nl_before: bool,
}

/// Where the lexer is inside strings.
#[derive(Debug, Clone, Copy)]
enum Frame {
    /// Inside the text of a string that opened at `start`.
    Str { start: usize },
    /// Inside an interpolation, with this many `{` of records open.
    Interp { braces: u32 },
}

/// A pull lexer over one file's code text.
#[derive(Debug)]
pub struct Lexer<'a> {
    code: &'a str,
    bytes: &'a [u8],
    pos: usize,
    file: FileId,
    frames: Vec<Frame>,
    newline: bool,
    prev_use: bool,
    tool_next: bool,
    diags: Vec<Diagnostic>,
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `code` (a leading byte order mark is skipped).
    pub fn new(file: FileId, code: &'a str) -> Lexer<'a> {
        let pos = if code.starts_with('\u{feff}') { 3 } else { 0 };
        Lexer {
            code,
            bytes: code.as_bytes(),
            pos,
            file,
            frames: Vec::new(),
            newline: true,
            prev_use: false,
            tool_next: false,
            diags: Vec::new(),
        }
    }

    /// The errors found so far.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diags
    }

    /// Takes the errors found so far.
    pub fn take_diagnostics(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.diags)
    }

    /// The next token; [`TokenKind::Eof`] at the end, and on every call after.
    pub fn next_token(&mut self) -> Token {
        if let Some(Frame::Str { .. }) = self.frames.last() {
            return self.string_part();
        }
        loop {
            let Some(&b) = self.bytes.get(self.pos) else {
                if !self.frames.is_empty() {
                    return self.unterminated();
                }
                return self.make(TokenKind::Eof, self.pos);
            };
            match b {
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'\n' => {
                    if !self.frames.is_empty() {
                        return self.unterminated();
                    }
                    self.newline = true;
                    self.pos += 1;
                }
                b'#' => {
                    let rest = self.bytes.get(self.pos..).unwrap_or_default();
                    self.pos += rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len());
                }
                _ => {
                    if let Some(token) = self.token(b) {
                        return token;
                    }
                }
            }
        }
    }

    /// Builds a token from `start` to the current position.
    fn make(&mut self, kind: TokenKind, start: usize) -> Token {
        self.tool_next = self.prev_use && matches!(kind, TokenKind::Kw(Keyword::Tool));
        self.prev_use = matches!(kind, TokenKind::Kw(Keyword::Use));
        Token {
            kind,
            span: Span::new(start, self.pos),
            nl_before: std::mem::take(&mut self.newline),
        }
    }

    fn error(&mut self, message: impl Into<String>, span: Span, label: &str, help: Option<&str>) {
        if self.diags.len() >= MAX_DIAGNOSTICS {
            return;
        }
        let mut d = Diagnostic::new(Code::Syntax, message, self.file, span, label);
        if let Some(h) = help {
            d = d.with_help(h);
        }
        self.diags.push(d);
    }

    fn byte(&self, at: usize) -> Option<u8> {
        self.bytes.get(at).copied()
    }

    fn char_at(&self, at: usize) -> Option<char> {
        self.code.get(at..).and_then(|s| s.chars().next())
    }

    fn skip_while(&mut self, f: impl Fn(u8) -> bool) {
        while self.byte(self.pos).is_some_and(&f) {
            self.pos += 1;
        }
    }

    /// A token starting with the byte `b` in code (not string text); `None` if the characters
    /// there were reported and skipped.
    fn token(&mut self, b: u8) -> Option<Token> {
        let start = self.pos;
        if self.tool_next && is_ident_byte(b) {
            return Some(self.tool_id());
        }
        let next = self.byte(start + 1);
        let (kind, len) = match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                self.skip_while(is_ident_byte);
                let word = self.code.get(start..self.pos).unwrap_or_default();
                let kind = Keyword::from_word(word).map_or(TokenKind::Ident, TokenKind::Kw);
                return Some(self.make(kind, start));
            }
            b'0'..=b'9' => return Some(self.number()),
            b'"' => {
                self.frames.push(Frame::Str { start });
                (TokenKind::StrStart, 1)
            }
            b'{' => {
                if let Some(Frame::Interp { braces }) = self.frames.last_mut() {
                    *braces += 1;
                }
                (TokenKind::LBrace, 1)
            }
            b'}' => match self.frames.last_mut() {
                Some(Frame::Interp { braces: 0 }) => {
                    self.frames.pop();
                    (TokenKind::InterpEnd, 1)
                }
                Some(Frame::Interp { braces }) => {
                    *braces -= 1;
                    (TokenKind::RBrace, 1)
                }
                _ => (TokenKind::RBrace, 1),
            },
            b'(' => (TokenKind::LParen, 1),
            b')' => (TokenKind::RParen, 1),
            b'[' => (TokenKind::LBracket, 1),
            b']' => (TokenKind::RBracket, 1),
            b',' => (TokenKind::Comma, 1),
            b':' => (TokenKind::Colon, 1),
            b'.' => (TokenKind::Dot, 1),
            b'?' => (TokenKind::Question, 1),
            b'+' => (TokenKind::Plus, 1),
            b'*' => (TokenKind::Star, 1),
            b'/' => (TokenKind::Slash, 1),
            b'-' if next == Some(b'>') => (TokenKind::Arrow, 2),
            b'-' => (TokenKind::Minus, 1),
            b'=' if next == Some(b'=') => (TokenKind::EqEq, 2),
            b'=' => (TokenKind::Assign, 1),
            b'!' if next == Some(b'=') => (TokenKind::NotEq, 2),
            b'<' if next == Some(b'=') => (TokenKind::Le, 2),
            b'<' => (TokenKind::Lt, 1),
            b'>' if next == Some(b'=') => (TokenKind::Ge, 2),
            b'>' => (TokenKind::Gt, 1),
            _ => {
                self.unexpected_chars();
                return None;
            }
        };
        self.pos += len;
        Some(self.make(kind, start))
    }

    /// Reports the unexpected character at the current position and skips it and any unexpected
    /// characters right after it.
    fn unexpected_chars(&mut self) {
        let start = self.pos;
        let Some(c) = self.char_at(start) else {
            // Not on a character boundary: cannot happen, but never loop.
            self.pos += 1;
            return;
        };
        self.pos += c.len_utf8();
        if is_misleading(c) {
            // Reported as E0302 by `misleading_characters`, once, wherever it is.
            return;
        }
        let first_end = self.pos;
        while let Some(c2) = self.char_at(self.pos) {
            if starts_token(c2, self.byte(self.pos + 1)) {
                break;
            }
            self.pos += c2.len_utf8();
        }
        let code = format!("U+{:04X}", u32::from(c));
        let message = if c.is_alphanumeric() || c.is_ascii_graphic() {
            format!("unexpected character `{c}` ({code})")
        } else {
            format!("unexpected character {code}")
        };
        let help = if c == '!' {
            Some("write `not` for negation and `!=` for inequality")
        } else if c.is_alphanumeric() {
            Some("names are ASCII letters, digits and `_`; other text belongs in a string")
        } else if c == '\'' {
            Some("strings are written with double quotes")
        } else if !c.is_ascii() {
            Some("remove it; outside strings and comments only ASCII is allowed")
        } else {
            None
        };
        let label = if self.pos > first_end {
            "these characters are not valid here"
        } else {
            "not valid here"
        };
        self.error(message, Span::new(start, self.pos), label, help);
    }

    /// The tool id after `use tool`.
    fn tool_id(&mut self) -> Token {
        let start = self.pos;
        loop {
            // A segment: [A-Za-z0-9_] with single `-` between such characters.
            loop {
                match self.byte(self.pos) {
                    Some(c) if is_ident_byte(c) => self.pos += 1,
                    Some(b'-') if self.byte(self.pos + 1).is_some_and(is_ident_byte) => {
                        self.pos += 2
                    }
                    _ => break,
                }
            }
            if self.byte(self.pos) == Some(b'.')
                && self.byte(self.pos + 1).is_some_and(is_ident_byte)
            {
                self.pos += 1;
            } else {
                break;
            }
        }
        self.make(TokenKind::ToolId, start)
    }

    /// An integer or float literal.
    fn number(&mut self) -> Token {
        let start = self.pos;
        let is_digit_or_sep = |c: u8| c.is_ascii_digit() || c == b'_';
        self.skip_while(is_digit_or_sep);
        let mut is_float = false;
        if self.byte(self.pos) == Some(b'.')
            && self.byte(self.pos + 1).is_some_and(|c| c.is_ascii_digit())
        {
            is_float = true;
            self.pos += 1;
            self.skip_while(is_digit_or_sep);
            if matches!(self.byte(self.pos), Some(b'e' | b'E')) {
                let mut q = self.pos + 1;
                if matches!(self.byte(q), Some(b'+' | b'-')) {
                    q += 1;
                }
                if self.byte(q).is_some_and(|c| c.is_ascii_digit()) {
                    self.pos = q;
                    self.skip_while(|c| c.is_ascii_digit());
                }
            }
        }
        let end = self.pos;
        let text = self.code.get(start..end).unwrap_or_default();
        if self.byte(self.pos).is_some_and(is_ident_byte) {
            self.skip_while(is_ident_byte);
            let suffix = self.code.get(end..self.pos).unwrap_or_default();
            let message = format!("invalid suffix `{}` on a number", shorten(suffix));
            self.error(
                message,
                Span::new(end, self.pos),
                "not part of a number",
                Some("put a space or an operator between a number and a name"),
            );
        }
        let kind = if is_float {
            let clean: String = text.chars().filter(|&c| c != '_').collect();
            let value = clean.parse::<f64>().unwrap_or(0.0);
            if value.is_finite() {
                TokenKind::Float(value)
            } else {
                self.error(
                    "float literal is out of range",
                    Span::new(start, end),
                    "too large for a 64-bit float",
                    None,
                );
                TokenKind::Float(0.0)
            }
        } else {
            let mut value: u64 = 0;
            let mut overflow = false;
            for d in text.bytes().filter(u8::is_ascii_digit) {
                match value
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(u64::from(d - b'0')))
                {
                    Some(v) if v <= INT_LIMIT => value = v,
                    _ => {
                        overflow = true;
                        break;
                    }
                }
            }
            if overflow {
                self.error(
                    "integer literal is too large",
                    Span::new(start, end),
                    "does not fit in a 64-bit signed integer",
                    Some("integers range from -9223372036854775808 to 9223372036854775807"),
                );
                value = 0;
            }
            TokenKind::Int(value)
        };
        // The span of the token is the number without a reported suffix.
        let suffix_end = self.pos;
        self.pos = end;
        let token = self.make(kind, start);
        self.pos = suffix_end;
        token
    }

    /// Reports an unterminated string (the outermost open one) and leaves all strings.
    fn unterminated(&mut self) -> Token {
        let start = match self.frames.first() {
            Some(Frame::Str { start }) => *start,
            _ => self.pos,
        };
        self.frames.clear();
        self.error(
            "unterminated string",
            Span::new(start, self.pos),
            "this string is not closed on its line",
            Some("a string (with its interpolations) must end on the line it starts; write `\\n` for a newline"),
        );
        self.make(TokenKind::Error, start)
    }

    /// The next piece of a string: text, `{`, or the closing quote.
    fn string_part(&mut self) -> Token {
        let start = self.pos;
        let mut text = String::new();
        loop {
            let Some(b) = self.byte(self.pos) else {
                return self.unterminated();
            };
            match b {
                b'"' | b'{' if self.pos > start => {
                    return self.make(TokenKind::StrText(text), start);
                }
                b'"' => {
                    self.pos += 1;
                    self.frames.pop();
                    return self.make(TokenKind::StrEnd, start);
                }
                b'{' => {
                    self.pos += 1;
                    self.frames.push(Frame::Interp { braces: 0 });
                    return self.make(TokenKind::InterpStart, start);
                }
                b'\n' => return self.unterminated(),
                b'\\' => {
                    let decoded = match self.byte(self.pos + 1) {
                        None | Some(b'\n') => {
                            self.pos += 1;
                            return self.unterminated();
                        }
                        Some(b'"') => Some('"'),
                        Some(b'\\') => Some('\\'),
                        Some(b'n') => Some('\n'),
                        Some(b't') => Some('\t'),
                        Some(b'r') => Some('\r'),
                        Some(b'0') => Some('\0'),
                        Some(b'{') => Some('{'),
                        Some(b'}') => Some('}'),
                        Some(_) => None,
                    };
                    if let Some(c) = decoded {
                        text.push(c);
                        self.pos += 2;
                    } else {
                        let c = self.char_at(self.pos + 1).unwrap_or('\u{fffd}');
                        let end = self.pos + 1 + c.len_utf8();
                        let shown = if c.is_alphanumeric() || c.is_ascii_graphic() {
                            format!("`\\{c}`")
                        } else {
                            format!("`\\` followed by U+{:04X}", u32::from(c))
                        };
                        self.error(
                            format!("unknown escape {shown} in a string"),
                            Span::new(self.pos, end),
                            "unknown escape",
                            Some(r#"the escapes are `\"` `\\` `\n` `\t` `\r` `\0` `\{` `\}`"#),
                        );
                        text.push(c);
                        self.pos = end;
                    }
                }
                b'}' => {
                    self.error(
                        "unmatched `}` in a string",
                        Span::new(self.pos, self.pos + 1),
                        "this `}` closes nothing",
                        Some("write `\\}` for a literal `}`"),
                    );
                    text.push('}');
                    self.pos += 1;
                }
                _ => {
                    let rest = self.bytes.get(self.pos..).unwrap_or_default();
                    let run = rest
                        .iter()
                        .position(|&c| matches!(c, b'"' | b'{' | b'}' | b'\\' | b'\n'))
                        .unwrap_or(rest.len());
                    // The run ends at an ASCII byte or the end, so it is on character boundaries.
                    text.push_str(self.code.get(self.pos..self.pos + run).unwrap_or_default());
                    self.pos += run.max(1);
                }
            }
        }
    }
}

/// Whether `b` can be part of a name.
fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether the character `c` (followed by the byte `next`) is whitespace, a comment or a token
/// start in code.
fn starts_token(c: char, next: Option<u8>) -> bool {
    match c {
        'a'..='z' | 'A'..='Z' | '0'..='9' | '_' | '"' | '#' | ' ' | '\t' | '\r' | '\n' => true,
        '(' | ')' | '[' | ']' | '{' | '}' | ',' | ':' | '.' | '?' | '+' | '-' | '*' | '/' | '='
        | '<' | '>' => true,
        '!' => next == Some(b'='),
        _ => false,
    }
}

/// Whether `c` shows the text around it differently from how it is read: a line break for
/// editors but not for the lexer (U+0085, U+2028, U+2029), or a bidirectional control that
/// reorders what is displayed (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069).
pub fn is_misleading(c: char) -> bool {
    matches!(
        c,
        '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{61c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
    )
}

/// E0302 for every character of `code` that a reader would see differently from the lexer: a
/// carriage return not followed by a line feed, and every [`is_misleading`] character (in code,
/// comments and strings alike).
pub fn misleading_characters(file: FileId, code: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut chars = code.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let (message, label, help) = if c == '\r' {
            if chars.peek().is_some_and(|&(_, n)| n == '\n') {
                continue;
            }
            (
                "a carriage return without a line feed".to_owned(),
                "editors break the line here; the checker does not",
                "end lines with LF or CRLF; write `\\r` in a string for a carriage return",
            )
        } else if is_misleading(c) {
            let (what, help) = if matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}') {
                (
                    "a Unicode line break",
                    "end the line with a line feed, or write `\\n` in a string",
                )
            } else {
                ("a bidirectional text control", "remove it")
            };
            (
                format!("{what} (U+{:04X})", u32::from(c)),
                "editors show the text around it differently from how it is read",
                help,
            )
        } else {
            continue;
        };
        out.push(
            Diagnostic::new(
                Code::MisleadingCharacter,
                message,
                file,
                Span::new(i, i + c.len_utf8()),
                label,
            )
            .with_help(help),
        );
        if out.len() >= MAX_DIAGNOSTICS {
            break;
        }
    }
    out
}

/// `text`, cut to at most 32 characters (with `…` when cut).
pub(crate) fn shorten(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = chars.by_ref().take(32).collect();
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

/// Every token of `code` (without the final [`TokenKind::Eof`]) and the lexer's errors.
pub fn tokenize(file: FileId, code: &str) -> (Vec<Token>, Vec<Diagnostic>) {
    let mut lexer = Lexer::new(file, code);
    let mut tokens = Vec::new();
    loop {
        let token = lexer.next_token();
        if token.kind == TokenKind::Eof {
            break;
        }
        tokens.push(token);
    }
    (tokens, lexer.take_diagnostics())
}
