//! The parser: a recursive-descent parser over the [`Lexer`]'s tokens, producing a [`Module`].
//!
//! * Any input gives a module and diagnostics, never a panic. Recursion is bounded: blocks
//!   (`agent`, `cell`, `if`, `for`), brackets, calls, operators, interpolations, constraint lists
//!   and type arguments all count towards one nesting depth, and anything nested deeper than
//!   [`MAX_NESTING`] levels is reported as [`Code::Limit`] (the depth of the tree built for a long
//!   chain such as `a + b + c …` counts too, so no later pass over the tree can overflow the stack).
//! * Line rule: an infix operator (`or`, `and`, comparisons, `+ - * /`) or a call's `(` continues
//!   an expression only when it is on the same line as the end of its left operand; inside `()`,
//!   `[]` and `{}` line breaks do not matter. A field access `.name` may start a new line (nothing
//!   else can begin with `.`). `return` takes a value when the next token can start an expression
//!   and is on the same line.
//! * A grant's constraints (`key literal`) continue, across lines, while a name is directly
//!   followed by a token that starts a literal. On its own line, a `grant` followed on that line
//!   by a name that is not a constraint is an error.
//! * Error recovery: a syntax error ends the current top-level item (which is left out of the
//!   module); parsing resumes at the next `use`, `grant`, `import`, `agent` or `cell` written at the
//!   very start of a line (column 1), so that one error in each item is reported. A few errors that
//!   leave the structure intact (a `grant` nested in `if`/`for`, interpolation in a constraint value,
//!   an integer too large) are reported without ending the item. At most 100 diagnostics are
//!   reported per file.

use std::collections::VecDeque;

use crate::ast::{
    Agent, Arg, BinOp, Cell, ConstraintDecl, Expr, ExprKind, GrantDecl, Ident, Import, Item,
    Literal, LiteralKind, Module, Param, Stmt, StrPart, TypeExpr, UnOp, UseTool,
};
use crate::diag::{Code, Diagnostic};
use crate::lexer::{
    Keyword, Lexer, MAX_DIAGNOSTICS, Token, TokenKind, misleading_characters, shorten,
};
use crate::source::{FileId, MAX_SOURCE_BYTES, Span};

/// The deepest nesting accepted (blocks, expressions and interpolations together).
pub const MAX_NESTING: u32 = 64;

/// Binding power of `not`'s operand: comparisons and tighter.
const NOT_BP: u8 = 3;
/// Binding power of unary `-`'s operand: postfix expressions only.
const PREFIX_BP: u8 = 7;

/// Parses one file's code text into a module and its syntax diagnostics.
///
/// The diagnostics are [`Code::Syntax`] and [`Code::Limit`] errors, in source order. Items with a
/// syntax error are left out of the module.
pub fn parse(file: FileId, code: &str) -> (Module, Vec<Diagnostic>) {
    if code.len() > MAX_SOURCE_BYTES {
        let d = Diagnostic::new(
            Code::Limit,
            format!(
                "source file is too large: {} bytes, the limit is {MAX_SOURCE_BYTES} bytes",
                code.len()
            ),
            file,
            Span::new(0, 0),
            "file too large",
        )
        .with_help("split the program into modules and `import` them");
        return (Module::default(), vec![d]);
    }
    let mut p = Parser {
        code,
        file,
        lexer: Lexer::new(file, code),
        ahead: VecDeque::new(),
        diags: Vec::new(),
        depth: 0,
        nl_significant: true,
        consumed: 0,
    };
    let items = p.module();
    let mut diags = misleading_characters(file, code);
    diags.extend(p.diags);
    diags.extend(p.lexer.take_diagnostics());
    diags.sort_by_key(|d| d.span.start);
    diags.truncate(MAX_DIAGNOSTICS);
    (Module { items }, diags)
}

/// The current item failed; its diagnostic (if any) has been recorded.
struct Fail;

type PResult<T> = Result<T, Fail>;

/// A parsed string: its parts, its span, its nesting height and the spans of its `{…}`.
struct StrLit {
    parts: Vec<StrPart>,
    span: Span,
    height: u32,
    interps: Vec<Span>,
}

struct Parser<'a> {
    code: &'a str,
    file: FileId,
    lexer: Lexer<'a>,
    /// Tokens read from the lexer but not consumed yet.
    ahead: VecDeque<Token>,
    diags: Vec<Diagnostic>,
    /// How many constructs enclose the current position.
    depth: u32,
    /// False inside brackets, where line breaks do not matter.
    nl_significant: bool,
    /// How many tokens were consumed (to make sure recovery progresses).
    consumed: u64,
}

/// Whether a token of this kind can start an expression.
fn starts_expr(kind: &TokenKind) -> bool {
    matches!(
        kind,
        TokenKind::StrStart
            | TokenKind::Int(_)
            | TokenKind::Float(_)
            | TokenKind::Ident
            | TokenKind::Kw(Keyword::True | Keyword::False | Keyword::Not)
            | TokenKind::LParen
            | TokenKind::LBracket
            | TokenKind::LBrace
            | TokenKind::Minus
    )
}

/// The binary operator of a token and its binding power.
fn infix(kind: &TokenKind) -> Option<(BinOp, u8)> {
    Some(match kind {
        TokenKind::Kw(Keyword::Or) => (BinOp::Or, 1),
        TokenKind::Kw(Keyword::And) => (BinOp::And, 2),
        TokenKind::EqEq => (BinOp::Eq, 4),
        TokenKind::NotEq => (BinOp::Ne, 4),
        TokenKind::Lt => (BinOp::Lt, 4),
        TokenKind::Le => (BinOp::Le, 4),
        TokenKind::Gt => (BinOp::Gt, 4),
        TokenKind::Ge => (BinOp::Ge, 4),
        TokenKind::Plus => (BinOp::Add, 5),
        TokenKind::Minus => (BinOp::Sub, 5),
        TokenKind::Star => (BinOp::Mul, 6),
        TokenKind::Slash => (BinOp::Div, 6),
        _ => return None,
    })
}

/// Whether `kind` is a keyword that starts a top-level item.
fn is_item_kw(kind: &TokenKind) -> bool {
    matches!(
        kind,
        TokenKind::Kw(
            Keyword::Use | Keyword::Grant | Keyword::Import | Keyword::Agent | Keyword::Cell
        )
    )
}

/// How a token is named in "found …".
fn describe(code: &str, t: &Token) -> String {
    match &t.kind {
        TokenKind::Eof => "end of file".to_owned(),
        TokenKind::StrStart => "a string".to_owned(),
        TokenKind::StrText(_) => "string text".to_owned(),
        TokenKind::StrEnd => "the end of the string".to_owned(),
        TokenKind::Error => "an invalid token".to_owned(),
        _ => format!(
            "`{}`",
            shorten(code.get(t.span.range()).unwrap_or_default())
        ),
    }
}

/// Whether `pos` is the first byte of a line.
fn at_line_start(code: &str, pos: u32) -> bool {
    pos == 0 || code.as_bytes().get(pos as usize - 1) == Some(&b'\n')
}

impl<'a> Parser<'a> {
    // ----- tokens -----

    /// The token `n` places ahead.
    fn nth(&mut self, n: usize) -> &Token {
        while self.ahead.len() <= n {
            let t = self.lexer.next_token();
            self.ahead.push_back(t);
        }
        match self.ahead.get(n) {
            Some(t) => t,
            None => &EOF,
        }
    }

    fn peek(&mut self) -> &Token {
        self.nth(0)
    }

    fn bump(&mut self) -> Token {
        if self.ahead.is_empty() {
            let t = self.lexer.next_token();
            self.ahead.push_back(t);
        }
        self.consumed += 1;
        let end = self.code.len();
        self.ahead.pop_front().unwrap_or(Token {
            kind: TokenKind::Eof,
            span: Span::new(end, end),
            nl_before: true,
        })
    }

    /// Whether the next token is of `kind` (compared by variant, and keyword for keywords; only
    /// used with kinds without other data).
    fn at(&mut self, kind: &TokenKind) -> bool {
        let next = &self.peek().kind;
        match (next, kind) {
            (TokenKind::Kw(a), TokenKind::Kw(b)) => a == b,
            _ => std::mem::discriminant(next) == std::mem::discriminant(kind),
        }
    }

    fn at_kw(&mut self, kw: Keyword) -> bool {
        matches!(self.peek().kind, TokenKind::Kw(k) if k == kw)
    }

    fn eat(&mut self, kind: &TokenKind) -> Option<Token> {
        if self.at(kind) {
            Some(self.bump())
        } else {
            None
        }
    }

    /// Whether the next token is on the same line as the previous one (or line breaks do not
    /// matter here).
    fn same_line(&mut self) -> bool {
        let significant = self.nl_significant;
        !(significant && self.peek().nl_before)
    }

    fn text(&self, span: Span) -> &'a str {
        self.code.get(span.range()).unwrap_or_default()
    }

    fn ident(&self, t: &Token) -> Ident {
        Ident {
            name: self.text(t.span).to_owned(),
            span: t.span,
        }
    }

    // ----- diagnostics -----

    fn push(&mut self, d: Diagnostic) {
        if self.diags.len() < MAX_DIAGNOSTICS {
            self.diags.push(d);
        }
    }

    fn syntax(
        &self,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::new(Code::Syntax, message, self.file, span, label)
    }

    /// "expected {expected}, found …" at the next token, adjusted by `extra`; nothing when that
    /// token is an error the lexer already reported.
    fn unexpected_with(
        &mut self,
        expected: &str,
        extra: impl FnOnce(Diagnostic) -> Diagnostic,
    ) -> Fail {
        let code = self.code;
        let t = self.peek();
        if t.kind == TokenKind::Error {
            return Fail;
        }
        let span = t.span;
        let found = describe(code, t);
        let d = self.syntax(
            format!("expected {expected}, found {found}"),
            span,
            format!("expected {expected}"),
        );
        self.push(extra(d));
        Fail
    }

    fn unexpected(&mut self, expected: &str) -> Fail {
        self.unexpected_with(expected, |d| d)
    }

    /// "expected `end` to close this {what}, found …", pointing back at the opening keyword.
    fn unclosed(&mut self, what: &str, opener: Span) -> Fail {
        let file = self.file;
        self.unexpected_with(&format!("`end` to close this {what}"), |d| {
            d.with_label(file, opener, format!("this {what} is not closed"))
        })
    }

    fn too_deep(&mut self, at: Span) -> Fail {
        let d = Diagnostic::new(
            Code::Limit,
            format!("nesting deeper than {MAX_NESTING} levels"),
            self.file,
            at,
            "nested too deeply",
        )
        .with_help(
            "bind parts of the expression with `let`, or move nested blocks into their own cell",
        );
        self.push(d);
        Fail
    }

    // ----- nesting -----

    fn enter(&mut self, at: Span) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            Err(self.too_deep(at))
        } else {
            Ok(())
        }
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Checks a node of height `height` built at the current depth.
    fn check_height(&mut self, height: u32, at: Span) -> PResult<()> {
        if self.depth.saturating_add(height) > MAX_NESTING {
            Err(self.too_deep(at))
        } else {
            Ok(())
        }
    }

    // ----- expectations -----

    fn expect(&mut self, kind: &TokenKind, expected: &str) -> PResult<Token> {
        match self.eat(kind) {
            Some(t) => Ok(t),
            None => Err(self.unexpected(expected)),
        }
    }

    fn expect_kw(&mut self, kw: Keyword, expected: &str) -> PResult<Token> {
        self.expect(&TokenKind::Kw(kw), expected)
    }

    fn expect_ident(&mut self, expected: &str) -> PResult<Ident> {
        match self.peek().kind {
            TokenKind::Ident => {
                let t = self.bump();
                Ok(self.ident(&t))
            }
            TokenKind::Kw(kw) => Err(self.unexpected_with(expected, |d| {
                d.with_help(format!(
                    "`{}` is a reserved word and cannot be used as a name",
                    kw.as_str()
                ))
            })),
            _ => Err(self.unexpected(expected)),
        }
    }

    /// Expects the closing bracket `kind` of a list opened at `open`, after an element.
    fn expect_close(&mut self, kind: &TokenKind, expected: &str, open: Span) -> PResult<Token> {
        if let Some(t) = self.eat(kind) {
            return Ok(t);
        }
        let file = self.file;
        let opener = self.text(open).to_owned();
        // Point back at the opening bracket when the list seems to have been left open (the
        // offending token is on a later line), not for a mere missing comma.
        let t = self.peek();
        let far = t.nl_before || t.kind == TokenKind::Eof;
        Err(self.unexpected_with(expected, |d| {
            if far {
                d.with_label(file, open, format!("unclosed `{opener}`"))
            } else {
                d
            }
        }))
    }

    // ----- items -----

    fn module(&mut self) -> Vec<Item> {
        let mut items = Vec::new();
        loop {
            if self.diags.len() + self.lexer.diagnostics().len() >= MAX_DIAGNOSTICS {
                break;
            }
            let before = self.consumed;
            let result = match self.peek().kind {
                TokenKind::Eof => break,
                TokenKind::Kw(Keyword::Use) => self.use_decl().map(Item::Use),
                TokenKind::Kw(Keyword::Grant) => {
                    let kw = self.bump();
                    self.grant_decl(Some(kw.span), true).map(Item::Grant)
                }
                TokenKind::Kw(Keyword::Import) => self.import_decl().map(Item::Import),
                TokenKind::Kw(Keyword::Agent) => self.agent_decl().map(Item::Agent),
                TokenKind::Kw(Keyword::Cell) => self.cell_decl().map(Item::Cell),
                _ => Err(self.not_an_item()),
            };
            match result {
                Ok(item) => items.push(item),
                Err(Fail) => {
                    self.depth = 0;
                    self.nl_significant = true;
                    if self.consumed == before {
                        self.bump();
                    }
                    self.recover();
                }
            }
        }
        items
    }

    fn not_an_item(&mut self) -> Fail {
        let kind = self.peek().kind.clone();
        let help = match kind {
            TokenKind::Kw(Keyword::End) => Some("this `end` closes nothing"),
            TokenKind::Kw(Keyword::Let | Keyword::Return | Keyword::If | Keyword::For) => {
                Some("statements belong inside a `cell`")
            }
            ref k if starts_expr(k) => Some("statements belong inside a `cell`"),
            _ => None,
        };
        self.unexpected_with(
            "an item (`use`, `grant`, `import`, `agent` or `cell`)",
            |d| match help {
                Some(h) => d.with_help(h),
                None => d,
            },
        )
    }

    /// Skips to the next item keyword at the start of a line, or the end of the file.
    fn recover(&mut self) {
        let code = self.code;
        loop {
            let t = self.peek();
            if t.kind == TokenKind::Eof
                || (is_item_kw(&t.kind) && at_line_start(code, t.span.start))
            {
                return;
            }
            self.bump();
        }
    }

    /// `use tool <tool id> as <Alias>`.
    fn use_decl(&mut self) -> PResult<UseTool> {
        let kw = self.bump();
        self.expect_kw(Keyword::Tool, "`tool` after `use`")?;
        if !self.at(&TokenKind::ToolId) {
            return Err(self.unexpected("a tool id such as `http.get`"));
        }
        let t = self.bump();
        let tool = self.ident(&t);
        if !tool.name.contains('.') {
            let d = self
                .syntax(
                    format!(
                        "expected a tool id such as `http.get`, found `{}`",
                        shorten(&tool.name)
                    ),
                    tool.span,
                    "a tool id has at least two parts separated by `.`",
                )
                .with_help("declare a tool as `use tool <namespace>.<name> as <Alias>`");
            self.push(d);
            return Err(Fail);
        }
        self.expect_kw(Keyword::As, "`as` after the tool id")?;
        let alias = self.expect_ident("a name for the tool")?;
        Ok(UseTool {
            span: kw.span.to(alias.span),
            tool,
            alias,
        })
    }

    /// `<Alias> constraint*`, after `grant` (whose span is `kw`) if there is one. With `strict`, a
    /// name on the same line that is not a constraint is an error.
    fn grant_decl(&mut self, kw: Option<Span>, strict: bool) -> PResult<GrantDecl> {
        let alias = self.expect_ident("a tool alias to grant")?;
        let mut span = kw.unwrap_or(alias.span).to(alias.span);
        let mut constraints = Vec::new();
        while self.at_constraint() {
            let t = self.bump();
            let key = self.ident(&t);
            let value = self.literal()?;
            let c_span = key.span.to(value.span);
            span = span.to(c_span);
            constraints.push(ConstraintDecl {
                key,
                value,
                span: c_span,
            });
        }
        if strict && !self.peek().nl_before {
            if self.at(&TokenKind::Ident) {
                self.bump();
                return Err(self.unexpected(
                    "a constraint value (a string, number, `true`, `false` or a list)",
                ));
            }
            if self.at_literal_start(0) {
                return Err(self.unexpected("a constraint name"));
            }
        }
        Ok(GrantDecl {
            alias,
            constraints,
            span,
        })
    }

    /// Whether the token `n` ahead starts a literal.
    fn at_literal_start(&mut self, n: usize) -> bool {
        match self.nth(n).kind {
            TokenKind::StrStart
            | TokenKind::Int(_)
            | TokenKind::Float(_)
            | TokenKind::Kw(Keyword::True | Keyword::False)
            | TokenKind::LBracket => true,
            TokenKind::Minus => matches!(
                self.nth(n + 1).kind,
                TokenKind::Int(_) | TokenKind::Float(_)
            ),
            _ => false,
        }
    }

    /// Whether a constraint `name literal` follows.
    fn at_constraint(&mut self) -> bool {
        self.at(&TokenKind::Ident) && self.at_literal_start(1)
    }

    /// The value of an integer literal `n` at `span`, reporting one that is too large.
    fn int_value(&mut self, n: u64, span: Span) -> i64 {
        match i64::try_from(n) {
            Ok(v) => v,
            Err(_) => {
                let d = self
                    .syntax(
                        "integer literal is too large",
                        span,
                        "does not fit in a 64-bit signed integer",
                    )
                    .with_help("integers range from -9223372036854775808 to 9223372036854775807");
                self.push(d);
                0
            }
        }
    }

    /// A constraint value.
    fn literal(&mut self) -> PResult<Literal> {
        let expected = "a constraint value (a string, number, `true`, `false` or a list)";
        match self.peek().kind {
            TokenKind::StrStart => {
                let s = self.string()?;
                for at in s.interps {
                    let d = self
                        .syntax(
                            "constraint values are constants: a string in a grant cannot be interpolated",
                            at,
                            "interpolation in a constraint value",
                        )
                        .with_help("write the value out, or escape the braces as `\\{` and `\\}`");
                    self.push(d);
                }
                let mut text = String::new();
                for part in s.parts {
                    if let StrPart::Text(t) = part {
                        text.push_str(&t);
                    }
                }
                Ok(Literal {
                    kind: LiteralKind::Str(text),
                    span: s.span,
                })
            }
            TokenKind::Int(n) => {
                let t = self.bump();
                let v = self.int_value(n, t.span);
                Ok(Literal {
                    kind: LiteralKind::Int(v),
                    span: t.span,
                })
            }
            TokenKind::Float(f) => {
                let t = self.bump();
                Ok(Literal {
                    kind: LiteralKind::Float(f),
                    span: t.span,
                })
            }
            TokenKind::Kw(Keyword::True) => Ok(Literal {
                kind: LiteralKind::Bool(true),
                span: self.bump().span,
            }),
            TokenKind::Kw(Keyword::False) => Ok(Literal {
                kind: LiteralKind::Bool(false),
                span: self.bump().span,
            }),
            TokenKind::Minus => {
                let minus = self.bump();
                match self.peek().kind {
                    TokenKind::Int(n) => {
                        let t = self.bump();
                        // n ≤ 2^63 (the lexer reported larger ones), so this cannot fail.
                        let v = 0i64.checked_sub_unsigned(n).unwrap_or(0);
                        Ok(Literal {
                            kind: LiteralKind::Int(v),
                            span: minus.span.to(t.span),
                        })
                    }
                    TokenKind::Float(f) => {
                        let t = self.bump();
                        Ok(Literal {
                            kind: LiteralKind::Float(-f),
                            span: minus.span.to(t.span),
                        })
                    }
                    _ => Err(self.unexpected("a number after `-`")),
                }
            }
            TokenKind::LBracket => {
                let open = self.bump();
                self.enter(open.span)?;
                let mut items = Vec::new();
                while !self.at(&TokenKind::RBracket) {
                    items.push(self.literal()?);
                    if self.eat(&TokenKind::Comma).is_none() {
                        break;
                    }
                }
                let close = self.expect_close(&TokenKind::RBracket, "`,` or `]`", open.span)?;
                self.leave();
                Ok(Literal {
                    kind: LiteralKind::List(items),
                    span: open.span.to(close.span),
                })
            }
            _ => Err(self.unexpected(expected)),
        }
    }

    /// `import <module> [granting … end]`.
    fn import_decl(&mut self) -> PResult<Import> {
        let kw = self.bump();
        let module = self.expect_ident("a module name after `import`")?;
        let mut span = kw.span.to(module.span);
        let mut granting = Vec::new();
        let has_granting = self.at_kw(Keyword::Granting);
        if has_granting {
            let open = self.bump();
            loop {
                match self.peek().kind {
                    TokenKind::Kw(Keyword::End) => {
                        span = span.to(self.bump().span);
                        break;
                    }
                    TokenKind::Kw(Keyword::Grant) => {
                        let g = self.bump();
                        granting.push(self.grant_decl(Some(g.span), false)?);
                    }
                    TokenKind::Ident => granting.push(self.grant_decl(None, false)?),
                    TokenKind::Eof
                    | TokenKind::Kw(
                        Keyword::Use | Keyword::Import | Keyword::Agent | Keyword::Cell,
                    ) => {
                        return Err(self.unclosed("`granting` list", open.span));
                    }
                    _ => return Err(self.unexpected("a tool alias or `end`")),
                }
            }
        }
        Ok(Import {
            module,
            granting,
            has_granting,
            span,
        })
    }

    /// `agent <Name> (use | grant | cell)* end`.
    fn agent_decl(&mut self) -> PResult<Agent> {
        let kw = self.bump();
        let name = self.expect_ident("an agent name")?;
        self.enter(kw.span)?;
        let (mut uses, mut grants, mut cells) = (Vec::new(), Vec::new(), Vec::new());
        loop {
            match self.peek().kind {
                TokenKind::Kw(Keyword::End) => break,
                TokenKind::Kw(Keyword::Use) => uses.push(self.use_decl()?),
                TokenKind::Kw(Keyword::Grant) => {
                    let g = self.bump();
                    grants.push(self.grant_decl(Some(g.span), true)?);
                }
                TokenKind::Kw(Keyword::Cell) => cells.push(self.cell_decl()?),
                TokenKind::Eof | TokenKind::Kw(Keyword::Import | Keyword::Agent) => {
                    return Err(self.unclosed("agent", kw.span));
                }
                _ => {
                    let file = self.file;
                    return Err(self.unexpected_with("`use`, `grant`, `cell` or `end`", |d| {
                        d.with_label(file, kw.span, "in this agent")
                            .with_help("an agent holds `use tool` declarations, grants and cells; statements belong inside a cell")
                    }));
                }
            }
        }
        let end = self.bump();
        self.leave();
        Ok(Agent {
            name,
            uses,
            grants,
            cells,
            span: kw.span.to(end.span),
        })
    }

    /// `cell <name>(<params>) [-> <type>] (grant | stmt)* end`.
    fn cell_decl(&mut self) -> PResult<Cell> {
        let kw = self.bump();
        let name = self.expect_ident("a cell name")?;
        let open = self.expect(&TokenKind::LParen, "`(` after the cell name")?;
        let saved = std::mem::replace(&mut self.nl_significant, false);
        let mut params = Vec::new();
        while !self.at(&TokenKind::RParen) {
            let pname = self.expect_ident("a parameter name")?;
            let ty = if self.eat(&TokenKind::Colon).is_some() {
                Some(self.type_expr()?)
            } else {
                None
            };
            params.push(Param { name: pname, ty });
            if self.eat(&TokenKind::Comma).is_none() {
                break;
            }
        }
        self.expect_close(&TokenKind::RParen, "`,` or `)`", open.span)?;
        self.nl_significant = saved;
        let ret = if self.eat(&TokenKind::Arrow).is_some() {
            Some(self.type_expr()?)
        } else {
            None
        };
        self.enter(kw.span)?;
        let mut grants = Vec::new();
        let mut body = Vec::new();
        loop {
            match self.peek().kind {
                TokenKind::Kw(Keyword::End) => break,
                TokenKind::Kw(Keyword::Grant) => {
                    let g = self.bump();
                    grants.push(self.grant_decl(Some(g.span), true)?);
                }
                TokenKind::Eof
                | TokenKind::Kw(
                    Keyword::Use | Keyword::Import | Keyword::Agent | Keyword::Cell | Keyword::Else,
                ) => return Err(self.unclosed("cell", kw.span)),
                _ => body.push(self.stmt()?),
            }
        }
        let end = self.bump();
        self.leave();
        Ok(Cell {
            name,
            params,
            ret,
            grants,
            body,
            span: kw.span.to(end.span),
        })
    }

    /// `Name ('[' type (',' type)* ']')? '?'?`, its text normalized.
    fn type_expr(&mut self) -> PResult<TypeExpr> {
        let name = self.expect_ident("a type")?;
        let mut text = name.name;
        let mut span = name.span;
        if self.same_line() && self.at(&TokenKind::LBracket) {
            let open = self.bump();
            self.enter(open.span)?;
            text.push('[');
            loop {
                let arg = self.type_expr()?;
                text.push_str(&arg.text);
                if self.eat(&TokenKind::Comma).is_none() {
                    break;
                }
                text.push_str(", ");
            }
            let close = self.expect_close(&TokenKind::RBracket, "`,` or `]`", open.span)?;
            self.leave();
            text.push(']');
            span = span.to(close.span);
        }
        if self.same_line()
            && let Some(q) = self.eat(&TokenKind::Question)
        {
            text.push('?');
            span = span.to(q.span);
        }
        Ok(TypeExpr { text, span })
    }

    // ----- statements -----

    fn stmt(&mut self) -> PResult<Stmt> {
        match self.peek().kind {
            TokenKind::Kw(Keyword::Let) => {
                let kw = self.bump();
                let name = self.expect_ident("a name after `let`")?;
                self.expect(&TokenKind::Assign, "`=`")?;
                let value = self.expr()?;
                let span = kw.span.to(value.span);
                Ok(Stmt::Let { name, value, span })
            }
            TokenKind::Kw(Keyword::Return) => {
                let kw = self.bump();
                let t = self.peek();
                let value = if !t.nl_before && starts_expr(&t.kind) {
                    Some(self.expr()?)
                } else {
                    None
                };
                let span = value.as_ref().map_or(kw.span, |v| kw.span.to(v.span));
                Ok(Stmt::Return { value, span })
            }
            TokenKind::Kw(Keyword::If) => {
                let kw = self.bump();
                self.enter(kw.span)?;
                let cond = self.expr()?;
                let then = self.block(kw.span, "`if`", true)?;
                let otherwise = if self.eat(&TokenKind::Kw(Keyword::Else)).is_some() {
                    Some(self.block(kw.span, "`if`", false)?)
                } else {
                    None
                };
                let end = self.bump();
                self.leave();
                Ok(Stmt::If {
                    cond,
                    then,
                    otherwise,
                    span: kw.span.to(end.span),
                })
            }
            TokenKind::Kw(Keyword::For) => {
                let kw = self.bump();
                self.enter(kw.span)?;
                let var = self.expect_ident("a loop variable name after `for`")?;
                self.expect_kw(Keyword::In, "`in`")?;
                let iter = self.expr()?;
                let body = self.block(kw.span, "`for`", false)?;
                let end = self.bump();
                self.leave();
                Ok(Stmt::For {
                    var,
                    iter,
                    body,
                    span: kw.span.to(end.span),
                })
            }
            _ => Ok(Stmt::Expr(self.expr()?)),
        }
    }

    /// The statements of an `if`/`for` body, up to (not including) its `end`, or `else` when
    /// `allow_else`.
    fn block(&mut self, opener: Span, what: &str, allow_else: bool) -> PResult<Vec<Stmt>> {
        let mut stmts = Vec::new();
        loop {
            match self.peek().kind {
                TokenKind::Kw(Keyword::End) => return Ok(stmts),
                TokenKind::Kw(Keyword::Else) if allow_else => return Ok(stmts),
                TokenKind::Eof
                | TokenKind::Kw(
                    Keyword::Use | Keyword::Import | Keyword::Agent | Keyword::Cell | Keyword::Else,
                ) => return Err(self.unclosed(what, opener)),
                TokenKind::Kw(Keyword::Grant) => {
                    let g = self.bump();
                    self.grant_decl(Some(g.span), true)?;
                    let d = self
                        .syntax(
                            format!("a `grant` cannot be nested inside {what}"),
                            g.span,
                            "nested grant",
                        )
                        .with_label(self.file, opener, format!("inside this {what}"))
                        .with_help("grants belong at the top level of a cell");
                    self.push(d);
                }
                _ => stmts.push(self.stmt()?),
            }
        }
    }

    // ----- expressions -----

    fn expr(&mut self) -> PResult<Expr> {
        Ok(self.expr_bp(0)?.0)
    }

    /// An expression whose operators bind at least as tightly as `min`, with its height.
    fn expr_bp(&mut self, min: u8) -> PResult<(Expr, u32)> {
        let (mut lhs, mut height) = self.prefix(min)?;
        loop {
            let significant = self.nl_significant;
            let t = self.peek();
            let Some((op, bp)) = infix(&t.kind) else {
                break;
            };
            if bp < min || (significant && t.nl_before) {
                break;
            }
            let op_span = self.bump().span;
            self.enter(op_span)?;
            let (rhs, rh) = self.expr_bp(bp + 1)?;
            self.leave();
            height = height.max(rh) + 1;
            self.check_height(height, op_span)?;
            let span = lhs.span.to(rhs.span);
            lhs = Expr {
                kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                span,
            };
        }
        Ok((lhs, height))
    }

    /// `not …`, `-…` or a postfix expression.
    fn prefix(&mut self, min: u8) -> PResult<(Expr, u32)> {
        match self.peek().kind {
            TokenKind::Kw(Keyword::Not) => {
                if min > NOT_BP {
                    return Err(self.unexpected_with("an expression", |d| {
                        d.with_help("`not` binds more loosely than comparisons and arithmetic: write `(not …)`")
                    }));
                }
                let kw = self.bump();
                self.enter(kw.span)?;
                let (e, h) = self.expr_bp(NOT_BP)?;
                self.leave();
                self.check_height(h + 1, kw.span)?;
                let span = kw.span.to(e.span);
                Ok((
                    Expr {
                        kind: ExprKind::Unary(UnOp::Not, Box::new(e)),
                        span,
                    },
                    h + 1,
                ))
            }
            TokenKind::Minus => {
                let minus = self.bump();
                if let TokenKind::Int(n) = self.peek().kind
                    && n > i64::MAX as u64
                {
                    // -9223372036854775808: the one literal whose magnitude only fits negated.
                    let t = self.bump();
                    let span = minus.span.to(t.span);
                    return Ok((
                        Expr {
                            kind: ExprKind::Int(0i64.checked_sub_unsigned(n).unwrap_or(0)),
                            span,
                        },
                        0,
                    ));
                }
                self.enter(minus.span)?;
                let (e, h) = self.prefix(PREFIX_BP)?;
                self.leave();
                self.check_height(h + 1, minus.span)?;
                let span = minus.span.to(e.span);
                Ok((
                    Expr {
                        kind: ExprKind::Unary(UnOp::Neg, Box::new(e)),
                        span,
                    },
                    h + 1,
                ))
            }
            _ => self.postfix(),
        }
    }

    /// A primary expression followed by field accesses and calls.
    fn postfix(&mut self) -> PResult<(Expr, u32)> {
        let (mut e, mut height) = self.primary()?;
        loop {
            if self.at(&TokenKind::Dot) {
                self.bump();
                let field = self.expect_ident("a field name after `.`")?;
                height += 1;
                self.check_height(height, field.span)?;
                let span = e.span.to(field.span);
                e = Expr {
                    kind: ExprKind::Field(Box::new(e), field),
                    span,
                };
            } else if self.same_line() && self.at(&TokenKind::LParen) {
                if !matches!(e.kind, ExprKind::Name(_) | ExprKind::Field(..)) {
                    let d = self
                        .syntax(
                            "this expression cannot be called",
                            e.span,
                            "not a name or a field",
                        )
                        .with_help(
                            "only names and field accesses such as `Agent.cell` can be called",
                        );
                    self.push(d);
                    return Err(Fail);
                }
                let (args, args_height, close) = self.call_args()?;
                height = height.max(args_height) + 1;
                self.check_height(height, close)?;
                let span = e.span.to(close);
                e = Expr {
                    kind: ExprKind::Call {
                        callee: Box::new(e),
                        args,
                    },
                    span,
                };
            } else {
                break;
            }
        }
        Ok((e, height))
    }

    /// `( args )`: the arguments, their height and the span of `)`.
    fn call_args(&mut self) -> PResult<(Vec<Arg>, u32, Span)> {
        let open = self.bump();
        self.enter(open.span)?;
        let saved = std::mem::replace(&mut self.nl_significant, false);
        let mut args = Vec::new();
        let mut height = 0;
        while !self.at(&TokenKind::RParen) {
            let name = if self.at(&TokenKind::Ident) && self.nth(1).kind == TokenKind::Colon {
                let t = self.bump();
                self.bump();
                Some(self.ident(&t))
            } else {
                None
            };
            let (value, h) = self.expr_bp(0)?;
            height = height.max(h);
            args.push(Arg { name, value });
            if self.eat(&TokenKind::Comma).is_none() {
                break;
            }
        }
        let close = self.expect_close(&TokenKind::RParen, "`,` or `)`", open.span)?;
        self.nl_significant = saved;
        self.leave();
        Ok((args, height, close.span))
    }

    fn primary(&mut self) -> PResult<(Expr, u32)> {
        fn leaf(kind: ExprKind, span: Span) -> PResult<(Expr, u32)> {
            Ok((Expr { kind, span }, 0))
        }
        match self.peek().kind {
            TokenKind::StrStart => {
                let s = self.string()?;
                self.check_height(s.height, s.span)?;
                Ok((
                    Expr {
                        kind: ExprKind::Str(s.parts),
                        span: s.span,
                    },
                    s.height,
                ))
            }
            TokenKind::Int(n) => {
                let t = self.bump();
                let v = self.int_value(n, t.span);
                leaf(ExprKind::Int(v), t.span)
            }
            TokenKind::Float(f) => leaf(ExprKind::Float(f), self.bump().span),
            TokenKind::Kw(Keyword::True) => leaf(ExprKind::Bool(true), self.bump().span),
            TokenKind::Kw(Keyword::False) => leaf(ExprKind::Bool(false), self.bump().span),
            TokenKind::Ident => {
                let t = self.bump();
                leaf(ExprKind::Name(self.ident(&t)), t.span)
            }
            TokenKind::LParen => {
                let open = self.bump();
                self.enter(open.span)?;
                let saved = std::mem::replace(&mut self.nl_significant, false);
                let (mut e, h) = self.expr_bp(0)?;
                let close = self.expect_close(&TokenKind::RParen, "`)`", open.span)?;
                self.nl_significant = saved;
                self.leave();
                e.span = open.span.to(close.span);
                Ok((e, h))
            }
            TokenKind::LBracket => {
                let open = self.bump();
                self.enter(open.span)?;
                let saved = std::mem::replace(&mut self.nl_significant, false);
                let mut items = Vec::new();
                let mut height = 0;
                while !self.at(&TokenKind::RBracket) {
                    let (e, h) = self.expr_bp(0)?;
                    height = height.max(h + 1);
                    items.push(e);
                    if self.eat(&TokenKind::Comma).is_none() {
                        break;
                    }
                }
                let close = self.expect_close(&TokenKind::RBracket, "`,` or `]`", open.span)?;
                self.nl_significant = saved;
                self.leave();
                Ok((
                    Expr {
                        kind: ExprKind::List(items),
                        span: open.span.to(close.span),
                    },
                    height,
                ))
            }
            TokenKind::LBrace => {
                let open = self.bump();
                self.enter(open.span)?;
                let saved = std::mem::replace(&mut self.nl_significant, false);
                let mut fields = Vec::new();
                let mut height = 0;
                while !self.at(&TokenKind::RBrace) {
                    let key = self.expect_ident("a field name")?;
                    self.expect(&TokenKind::Colon, "`:` after the field name")?;
                    let (e, h) = self.expr_bp(0)?;
                    height = height.max(h + 1);
                    fields.push((key, e));
                    if self.eat(&TokenKind::Comma).is_none() {
                        break;
                    }
                }
                let close = self.expect_close(&TokenKind::RBrace, "`,` or `}`", open.span)?;
                self.nl_significant = saved;
                self.leave();
                Ok((
                    Expr {
                        kind: ExprKind::Record(fields),
                        span: open.span.to(close.span),
                    },
                    height,
                ))
            }
            _ => Err(self.unexpected("an expression")),
        }
    }

    /// A string, at its [`TokenKind::StrStart`].
    fn string(&mut self) -> PResult<StrLit> {
        let open = self.bump();
        let mut parts = Vec::new();
        let mut height = 0;
        let mut interps = Vec::new();
        loop {
            match self.peek().kind {
                TokenKind::StrText(_) => {
                    if let TokenKind::StrText(text) = self.bump().kind {
                        parts.push(StrPart::Text(text));
                    }
                }
                TokenKind::InterpStart => {
                    let brace = self.bump();
                    self.enter(brace.span)?;
                    let (e, h) = self.expr_bp(0)?;
                    let close = self.expect_close(
                        &TokenKind::InterpEnd,
                        "`}` to end the interpolation",
                        brace.span,
                    )?;
                    self.leave();
                    height = height.max(h + 1);
                    interps.push(brace.span.to(close.span));
                    parts.push(StrPart::Interp(e));
                }
                TokenKind::StrEnd => {
                    let close = self.bump();
                    return Ok(StrLit {
                        parts,
                        span: open.span.to(close.span),
                        height,
                        interps,
                    });
                }
                _ => return Err(self.unexpected("the end of the string")),
            }
        }
    }
}

/// A placeholder end of file (never actually returned: the lookahead is filled first).
static EOF: Token = Token {
    kind: TokenKind::Eof,
    span: Span { start: 0, end: 0 },
    nl_before: true,
};
