//! The syntax tree of the capability subset of Lumen.
//!
//! Every node carries the [`Span`] of the source it came from (byte offsets into the file as read,
//! including for `.lm.md` files, see [`crate::source`]).

use crate::source::Span;

/// A name as written, with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where it is.
    pub span: Span,
}

/// One source file: its top-level items in order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Module {
    /// The items.
    pub items: Vec<Item>,
}

impl Module {
    /// The module-level `use tool` declarations, in order.
    pub fn uses(&self) -> impl Iterator<Item = &UseTool> {
        self.items.iter().filter_map(|i| match i {
            Item::Use(u) => Some(u),
            _ => None,
        })
    }

    /// The module-level `grant` declarations, in order.
    pub fn grants(&self) -> impl Iterator<Item = &GrantDecl> {
        self.items.iter().filter_map(|i| match i {
            Item::Grant(g) => Some(g),
            _ => None,
        })
    }

    /// The `import` items, in order.
    pub fn imports(&self) -> impl Iterator<Item = &Import> {
        self.items.iter().filter_map(|i| match i {
            Item::Import(x) => Some(x),
            _ => None,
        })
    }
}

/// A top-level item.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `use tool http.get as Fetch`
    Use(UseTool),
    /// `grant Fetch domain "x" …` at module level: the ceiling for the whole file.
    Grant(GrantDecl),
    /// `import name [granting … end]`
    Import(Import),
    /// `agent Name … end`
    Agent(Agent),
    /// `cell name(…) -> T … end`
    Cell(Cell),
}

/// `use tool <tool id> as <Alias>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UseTool {
    /// The dotted tool id (`http.get`), with its span.
    pub tool: Ident,
    /// The alias the file calls it by.
    pub alias: Ident,
    /// The whole declaration.
    pub span: Span,
}

/// `grant <Alias> [<key> <value>]…`, on one line or continued on following lines.
#[derive(Debug, Clone, PartialEq)]
pub struct GrantDecl {
    /// The tool alias granted.
    pub alias: Ident,
    /// The constraints, in source order.
    pub constraints: Vec<ConstraintDecl>,
    /// The whole declaration.
    pub span: Span,
}

/// One `key value` pair of a grant.
#[derive(Debug, Clone, PartialEq)]
pub struct ConstraintDecl {
    /// The constraint key (`domain`).
    pub key: Ident,
    /// Its value (a literal; interpolation is not allowed here).
    pub value: Literal,
    /// Key and value.
    pub span: Span,
}

/// A constant value in a grant.
#[derive(Debug, Clone, PartialEq)]
pub struct Literal {
    /// The value.
    pub kind: LiteralKind,
    /// Where it is.
    pub span: Span,
}

/// The kinds of constant value.
#[derive(Debug, Clone, PartialEq)]
pub enum LiteralKind {
    /// A string without interpolation.
    Str(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// `true` / `false`.
    Bool(bool),
    /// `[a, b, …]` of literals.
    List(Vec<Literal>),
}

/// `import <module> [granting <grant entries> end]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    /// The module name (resolved to `<name>.lm` or `<name>.lm.md` beside the importing file).
    pub module: Ident,
    /// What the importer gives the module: each entry is `<Alias> <constraints>` of the importer's
    /// aliases. Empty when there is no `granting` clause: the module gets nothing.
    pub granting: Vec<GrantDecl>,
    /// Whether a `granting` clause was written (even an empty one).
    pub has_granting: bool,
    /// The whole declaration.
    pub span: Span,
}

/// `agent <Name> … end`: narrows grants for its cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Agent {
    /// The agent's name.
    pub name: Ident,
    /// `use tool` declarations local to the agent.
    pub uses: Vec<UseTool>,
    /// The agent's grants.
    pub grants: Vec<GrantDecl>,
    /// Its cells.
    pub cells: Vec<Cell>,
    /// The whole agent.
    pub span: Span,
}

/// `cell <name>(<params>) [-> <type>] … end`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// The cell's name.
    pub name: Ident,
    /// Its parameters.
    pub params: Vec<Param>,
    /// The declared return type, kept as written.
    pub ret: Option<TypeExpr>,
    /// The grants the cell declares (written anywhere at the top level of its body).
    pub grants: Vec<GrantDecl>,
    /// The other statements of its body.
    pub body: Vec<Stmt>,
    /// The whole cell.
    pub span: Span,
}

/// `name [: Type]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// The parameter name.
    pub name: Ident,
    /// Its declared type, kept as written.
    pub ty: Option<TypeExpr>,
}

/// A type as written (`String`, `List[String]`, `Map[String, Int]`); parsed and kept, not checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeExpr {
    /// The type's text, with whitespace normalized.
    pub text: String,
    /// Where it is.
    pub span: Span,
}

/// A statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Stmt {
    /// `let name = expr`
    Let {
        /// The bound name.
        name: Ident,
        /// The value.
        value: Expr,
        /// The whole statement.
        span: Span,
    },
    /// `return [expr]`
    Return {
        /// The value, if any.
        value: Option<Expr>,
        /// The whole statement.
        span: Span,
    },
    /// `if cond … [else …] end`
    If {
        /// The condition.
        cond: Expr,
        /// The statements run when it holds.
        then: Vec<Stmt>,
        /// The `else` statements, if an `else` was written.
        otherwise: Option<Vec<Stmt>>,
        /// The whole statement.
        span: Span,
    },
    /// `for x in xs … end`
    For {
        /// The loop variable.
        var: Ident,
        /// The iterated expression.
        iter: Expr,
        /// The loop body.
        body: Vec<Stmt>,
        /// The whole statement.
        span: Span,
    },
    /// An expression evaluated for its effect.
    Expr(Expr),
}

/// An expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is.
    pub span: Span,
}

/// The kinds of expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A string, possibly with `{expr}` interpolations.
    Str(Vec<StrPart>),
    /// An integer literal.
    Int(i64),
    /// A float literal.
    Float(f64),
    /// `true` / `false`.
    Bool(bool),
    /// `[a, b]`
    List(Vec<Expr>),
    /// `{name: expr, …}`
    Record(Vec<(Ident, Expr)>),
    /// A name.
    Name(Ident),
    /// `expr.field`
    Field(Box<Expr>, Ident),
    /// `a op b`
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `-a`, `not a`
    Unary(UnOp, Box<Expr>),
    /// `callee(name: value, …)`; `callee` is a name or a field access (`Agent.cell`, `module.cell`).
    Call {
        /// What is called.
        callee: Box<Expr>,
        /// The arguments, named (`url: x`) or positional (builtins only).
        args: Vec<Arg>,
    },
}

/// A piece of a string literal.
#[derive(Debug, Clone, PartialEq)]
pub enum StrPart {
    /// Literal text (escapes already decoded).
    Text(String),
    /// `{expr}`
    Interp(Expr),
}

/// A call argument.
#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    /// The argument's name (`url:`), or `None` for a positional argument.
    pub name: Option<Ident>,
    /// The value.
    pub value: Expr,
}

/// Binary operators, lowest precedence first: `or`; `and`; `== != < <= > >=`; `+ -`; `* /`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `or`
    Or,
    /// `and`
    And,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    /// `-`
    Neg,
    /// `not`
    Not,
}
