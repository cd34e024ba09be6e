//! The workspace's one strict JSON reader: RFC 8259 JSON in which no object names a member twice.
//!
//! RFC 8259 §4 says member names "SHOULD be unique" and leaves duplicates to the reader;
//! `serde_json` keeps the last one. For a signed or security-relevant document that is an attack:
//! `{"domain": "api.example.com", …, "domain": "evil.example"}` reads as one thing to a reviewer
//! (or to a reader that keeps the first member) and another to the program. Every JSON document
//! Lumen reads — policies, TUF metadata, call arguments, manifests — goes through this module,
//! which refuses, at any depth:
//!
//! - a member name that occurs twice in one object, compared after unescaping (`"a"` and
//!   `"\u0061"` are the same name; names are compared as sequences of Unicode scalar values, with no
//!   normalization, exactly as RFC 8259 §8.3 compares strings) — [`StrictJsonError::DuplicateMember`];
//! - nesting of arrays and objects deeper than [`MAX_DEPTH`] — [`StrictJsonError::TooDeep`];
//! - anything `serde_json` refuses (syntax, trailing characters, lone surrogates, numbers out of
//!   range) — [`StrictJsonError::Syntax`].
//!
//! The check is `serde`'s own visitor machinery over `serde_json`'s parser, not a text scan: a
//! [`serde::de::DeserializeSeed`] whose map visitor records each name (as `serde_json` unescaped
//! it) and refuses one it has seen. [`from_str_strict`] runs that check, then lets `serde_json`
//! deserialize the target type from the same text, so everything `serde_json` supports
//! (borrowed strings, `RawValue`) works unchanged.
//!
//! ```
//! use lumen_crypto::json::{StrictJsonError, parse_value_strict};
//!
//! let v = parse_value_strict(r#"{"domain": "api.example.com"}"#)?;
//! assert_eq!(v["domain"], "api.example.com");
//! let err = parse_value_strict(r#"{"grants": {"domain": "a", "\u0064omain": "b"}}"#).unwrap_err();
//! assert!(matches!(
//!     err,
//!     StrictJsonError::DuplicateMember { ref name, ref pointer, .. }
//!         if name == "domain" && pointer == "/grants"
//! ));
//! # Ok::<(), StrictJsonError>(())
//! ```

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;
use std::marker::PhantomData;

/// The deepest nesting of arrays and objects accepted (`[[1]]` has depth 2). `serde_json` alone
/// stops at 128; this cap is lower so that the reader, not the parser, reports it by name.
pub const MAX_DEPTH: usize = 64;

/// Why a JSON document was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StrictJsonError {
    /// An object names the same member twice (compared after unescaping).
    #[error(
        "duplicate member {name:?} in the JSON object at {} (line {line}, column {column})",
        display_pointer(pointer)
    )]
    DuplicateMember {
        /// The member name, unescaped.
        name: String,
        /// The RFC 6901 JSON Pointer of the object holding it (`""` for the top level).
        pointer: String,
        /// The line of the second occurrence (1-based).
        line: usize,
        /// The column just after the second occurrence's name (1-based).
        column: usize,
    },
    /// Arrays and objects are nested deeper than [`MAX_DEPTH`].
    #[error("JSON nested deeper than {max} levels (line {line}, column {column})")]
    TooDeep {
        /// The cap, [`MAX_DEPTH`].
        max: usize,
        /// The line where the cap was crossed (1-based).
        line: usize,
        /// The column where the cap was crossed (1-based).
        column: usize,
    },
    /// The text is not JSON (also: trailing characters, truncation, a lone surrogate, a number
    /// out of range).
    #[error("invalid JSON at line {line}, column {column}")]
    Syntax {
        /// The line (1-based).
        line: usize,
        /// The column (1-based).
        column: usize,
        /// The parser's error.
        source: serde_json::Error,
    },
    /// The document is strict JSON but does not have the shape of the requested type.
    #[error("JSON of the wrong shape at line {line}, column {column}")]
    Data {
        /// The line (1-based).
        line: usize,
        /// The column (1-based).
        column: usize,
        /// The deserializer's error.
        source: serde_json::Error,
    },
}

fn display_pointer(pointer: &str) -> String {
    if pointer.is_empty() {
        "the top level".to_owned()
    } else {
        format!("{pointer:?}")
    }
}

/// What the reader found wrong, recorded while the parser unwinds.
enum Fault {
    Duplicate(String),
    TooDeep,
}

/// State shared by every level of one parse: the fault, if any, and the path to it, innermost
/// segment first (segments are added only while an error unwinds, so a good parse pays nothing).
#[derive(Default)]
struct Ctx {
    fault: RefCell<Option<(Fault, Vec<String>)>>,
}

impl Ctx {
    fn record<E: de::Error>(&self, fault: Fault) -> E {
        *self.fault.borrow_mut() = Some((fault, Vec::new()));
        E::custom("strict JSON violation")
    }

    /// Adds the member name or array index through which an error is unwinding.
    fn unwinding_through(&self, segment: impl FnOnce() -> String) {
        if let Some((_, path)) = self.fault.borrow_mut().as_mut() {
            path.push(segment());
        }
    }

    fn into_error(self, err: serde_json::Error) -> StrictJsonError {
        let (line, column) = (err.line(), err.column());
        match self.fault.into_inner() {
            Some((fault, mut path)) => {
                path.reverse();
                let pointer: String = path
                    .iter()
                    .map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1")))
                    .collect();
                match fault {
                    Fault::Duplicate(name) => StrictJsonError::DuplicateMember {
                        name,
                        pointer,
                        line,
                        column,
                    },
                    Fault::TooDeep => StrictJsonError::TooDeep {
                        max: MAX_DEPTH,
                        line,
                        column,
                    },
                }
            }
            None => classify(err),
        }
    }
}

fn classify(err: serde_json::Error) -> StrictJsonError {
    let (line, column) = (err.line(), err.column());
    match err.classify() {
        serde_json::error::Category::Data => StrictJsonError::Data {
            line,
            column,
            source: err,
        },
        // `Io` cannot occur on in-memory input.
        _ => StrictJsonError::Syntax {
            line,
            column,
            source: err,
        },
    }
}

/// What a parse builds: a [`Value`], or nothing (only the check).
trait Build: Sized {
    /// What an object is collected into while its names are checked.
    type Members: Default;
    fn null() -> Self;
    fn bool(b: bool) -> Self;
    fn i64(n: i64) -> Self;
    fn u64(n: u64) -> Self;
    fn f64(n: f64) -> Self;
    fn string(s: &str) -> Self;
    fn owned_string(s: String) -> Self;
    fn array(items: Vec<Self>) -> Self;
    fn object(members: Self::Members) -> Self;
    fn has(members: &Self::Members, name: &str) -> bool;
    fn insert(members: &mut Self::Members, name: String, value: Self);
}

impl Build for Value {
    type Members = Map<String, Value>;
    fn null() -> Self {
        Value::Null
    }
    fn bool(b: bool) -> Self {
        Value::Bool(b)
    }
    fn i64(n: i64) -> Self {
        Value::from(n)
    }
    fn u64(n: u64) -> Self {
        Value::from(n)
    }
    fn f64(n: f64) -> Self {
        // As serde_json's own `Value` visitor does (the parser never yields NaN or infinity).
        serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
    fn string(s: &str) -> Self {
        Value::String(s.to_owned())
    }
    fn owned_string(s: String) -> Self {
        Value::String(s)
    }
    fn array(items: Vec<Self>) -> Self {
        Value::Array(items)
    }
    fn object(members: Self::Members) -> Self {
        Value::Object(members)
    }
    fn has(members: &Self::Members, name: &str) -> bool {
        members.contains_key(name)
    }
    fn insert(members: &mut Self::Members, name: String, value: Self) {
        members.insert(name, value);
    }
}

/// The check alone: arrays of `Checked` are zero-sized; objects keep only their names.
struct Checked;

impl Build for Checked {
    type Members = HashSet<String>;
    fn null() -> Self {
        Checked
    }
    fn bool(_: bool) -> Self {
        Checked
    }
    fn i64(_: i64) -> Self {
        Checked
    }
    fn u64(_: u64) -> Self {
        Checked
    }
    fn f64(_: f64) -> Self {
        Checked
    }
    fn string(_: &str) -> Self {
        Checked
    }
    fn owned_string(_: String) -> Self {
        Checked
    }
    fn array(_: Vec<Self>) -> Self {
        Checked
    }
    fn object(_: Self::Members) -> Self {
        Checked
    }
    fn has(members: &Self::Members, name: &str) -> bool {
        members.contains(name)
    }
    fn insert(members: &mut Self::Members, name: String, _: Self) {
        members.insert(name);
    }
}

/// One JSON value at `depth` (the number of arrays and objects around it).
struct Node<'c, B> {
    ctx: &'c Ctx,
    depth: usize,
    build: PhantomData<fn() -> B>,
}

impl<'c, B> Node<'c, B> {
    fn new(ctx: &'c Ctx, depth: usize) -> Self {
        Node {
            ctx,
            depth,
            build: PhantomData,
        }
    }

    /// The depth of the values inside a container that starts here, if within the cap.
    fn enter<E: de::Error>(&self) -> Result<usize, E> {
        if self.depth >= MAX_DEPTH {
            return Err(self.ctx.record(Fault::TooDeep));
        }
        Ok(self.depth + 1)
    }
}

impl<'de, B: Build> DeserializeSeed<'de> for Node<'_, B> {
    type Value = B;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<B, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, B: Build> Visitor<'de> for Node<'_, B> {
    type Value = B;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<B, E> {
        Ok(B::null())
    }
    fn visit_bool<E>(self, b: bool) -> Result<B, E> {
        Ok(B::bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<B, E> {
        Ok(B::i64(n))
    }
    fn visit_u64<E>(self, n: u64) -> Result<B, E> {
        Ok(B::u64(n))
    }
    fn visit_f64<E>(self, n: f64) -> Result<B, E> {
        Ok(B::f64(n))
    }
    fn visit_str<E>(self, s: &str) -> Result<B, E> {
        Ok(B::string(s))
    }
    fn visit_string<E>(self, s: String) -> Result<B, E> {
        Ok(B::owned_string(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<B, A::Error> {
        let depth = self.enter()?;
        let mut items = Vec::new();
        loop {
            match seq.next_element_seed(Node::<B>::new(self.ctx, depth)) {
                Ok(Some(item)) => items.push(item),
                Ok(None) => return Ok(B::array(items)),
                Err(e) => {
                    let index = items.len();
                    self.ctx.unwinding_through(|| index.to_string());
                    return Err(e);
                }
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<B, A::Error> {
        let depth = self.enter()?;
        let mut members = B::Members::default();
        while let Some(name) = map.next_key::<String>()? {
            if B::has(&members, &name) {
                return Err(self.ctx.record(Fault::Duplicate(name)));
            }
            match map.next_value_seed(Node::<B>::new(self.ctx, depth)) {
                Ok(value) => B::insert(&mut members, name, value),
                Err(e) => {
                    self.ctx.unwinding_through(|| name);
                    return Err(e);
                }
            }
        }
        Ok(B::object(members))
    }
}

/// Runs the strict reader over one whole document (trailing characters are refused).
fn read<'de, B: Build, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
) -> Result<B, StrictJsonError> {
    let ctx = Ctx::default();
    match Node::<B>::new(&ctx, 0)
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v))
    {
        Ok(v) => Ok(v),
        Err(e) => Err(ctx.into_error(e)),
    }
}

/// Parses `text` as strict JSON into a [`Value`] (see the module docs for what is refused).
pub fn parse_value_strict(text: &str) -> Result<Value, StrictJsonError> {
    read(serde_json::Deserializer::from_str(text))
}

/// Parses `bytes` (which must be UTF-8) as strict JSON into a [`Value`].
pub fn parse_value_strict_slice(bytes: &[u8]) -> Result<Value, StrictJsonError> {
    read(serde_json::Deserializer::from_slice(bytes))
}

/// Checks that `text` is strict JSON without building anything.
pub fn check_str(text: &str) -> Result<(), StrictJsonError> {
    read::<Checked, _>(serde_json::Deserializer::from_str(text)).map(|Checked| ())
}

/// Checks that `bytes` are strict JSON without building anything.
pub fn check_slice(bytes: &[u8]) -> Result<(), StrictJsonError> {
    read::<Checked, _>(serde_json::Deserializer::from_slice(bytes)).map(|Checked| ())
}

/// Deserializes a `T` from `text` after checking that it is strict JSON ([`check_str`]).
pub fn from_str_strict<'a, T: Deserialize<'a>>(text: &'a str) -> Result<T, StrictJsonError> {
    check_str(text)?;
    serde_json::from_str(text).map_err(classify)
}

/// Deserializes a `T` from `bytes` after checking that they are strict JSON ([`check_slice`]).
pub fn from_slice_strict<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, StrictJsonError> {
    check_slice(bytes)?;
    serde_json::from_slice(bytes).map_err(classify)
}
