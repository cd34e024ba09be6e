//! Tool identifiers and the kinds of tool the engine knows how to check.

use crate::error::GrantError;
use std::borrow::Borrow;
use std::fmt;

/// A tool identifier such as `http.get`, `llm.chat` or `mcp.github.create_issue`.
///
/// The grammar is two or more dot-separated segments of lower-case ASCII letters, digits, `_` and `-`,
/// each starting with a letter, at most 128 bytes in all. Only known namespaces are accepted; see
/// [`ToolKind`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ToolId(String);

impl ToolId {
    /// Parses and validates a tool identifier.
    pub fn parse(s: &str) -> Result<ToolId, GrantError> {
        let bad = |reason: &'static str| GrantError::InvalidToolId {
            tool: s.to_owned(),
            reason,
        };
        if s.len() > 128 {
            return Err(bad("longer than 128 bytes"));
        }
        let mut segments = 0;
        for seg in s.split('.') {
            segments += 1;
            let mut bytes = seg.bytes();
            match bytes.next() {
                Some(b) if b.is_ascii_lowercase() => {}
                _ => return Err(bad("each segment must start with a lower-case letter")),
            }
            if !bytes
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
            {
                return Err(bad("segments may contain only a-z, 0-9, `_` and `-`"));
            }
        }
        if segments < 2 {
            return Err(bad("a tool id has a namespace and a name, like `http.get`"));
        }
        let id = ToolId(s.to_owned());
        if id.kind().is_none() {
            return Err(GrantError::UnknownTool { tool: s.to_owned() });
        }
        Ok(id)
    }

    /// The identifier as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What kind of tool this is, which decides the constraints it accepts.
    pub fn kind(&self) -> Option<ToolKind> {
        ToolKind::of(&self.0)
    }

    /// The argument names a call of this tool may use, or `None` for an MCP tool (whose arguments are
    /// its server's; the engine checks none of them). See [`known_arguments`].
    pub fn known_arguments(&self) -> Option<&'static [&'static str]> {
        known_arguments(&self.0)
    }
}

/// The arguments of the HTTP tools: the target, the method (`http.request`; on the other tools it may
/// only repeat the tool's own), request headers and the body.
pub const HTTP_ARGUMENTS: [&str; 4] = ["url", "method", "headers", "body"];
/// The arguments of `llm.chat`: what is checked (`model`, `max_tokens`), the conversation, and the
/// sampling settings that change neither the target nor the size of the answer.
pub const LLM_CHAT_ARGUMENTS: [&str; 8] = [
    "model",
    "max_tokens",
    "prompt",
    "messages",
    "system",
    "temperature",
    "top_p",
    "stop",
];
/// The arguments of `llm.complete`: as `llm.chat`, without `messages`.
pub const LLM_COMPLETE_ARGUMENTS: [&str; 7] = [
    "model",
    "max_tokens",
    "prompt",
    "system",
    "temperature",
    "top_p",
    "stop",
];
/// The arguments of `llm.embed`.
pub const LLM_EMBED_ARGUMENTS: [&str; 4] = ["model", "max_tokens", "input", "prompt"];

/// The argument names a call of built-in `tool` may use, or `None` for an MCP tool or an unknown id.
///
/// The engine checks some arguments (`url`, `method`, `headers`, `model`, `max_tokens`) and passes the
/// others to the provider unread, so an argument it does not know could change the call unchecked: a
/// second limit (`max_completion_tokens`, `max_output_tokens`, `n`), another target (`base_url`,
/// `proxy`), or another method. A call that names any argument outside this allow-list is refused
/// (`ViolationCode::UnknownArgument`); names are compared exactly (`URL` and `Max_Tokens` are unknown).
pub fn known_arguments(tool: &str) -> Option<&'static [&'static str]> {
    match (ToolKind::of(tool)?, tool) {
        (ToolKind::Http(_), _) => Some(&HTTP_ARGUMENTS),
        (ToolKind::Llm, "llm.chat") => Some(&LLM_CHAT_ARGUMENTS),
        (ToolKind::Llm, "llm.complete") => Some(&LLM_COMPLETE_ARGUMENTS),
        (ToolKind::Llm, _) => Some(&LLM_EMBED_ARGUMENTS),
        (ToolKind::Mcp, _) => None,
    }
}

impl fmt::Display for ToolId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Borrow<str> for ToolId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// The kinds of tool, each with its own argument conventions and constraints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolKind {
    /// `http.get`, `http.head`, `http.post`, `http.put`, `http.patch`, `http.delete` (the method is
    /// implied) and `http.request` (the method is the `method` argument). The target is the `url` argument.
    Http(Option<&'static str>),
    /// `llm.chat`, `llm.complete`, `llm.embed`: checked arguments `model` and `max_tokens` (the others a
    /// call may name are listed by [`known_arguments`]).
    Llm,
    /// `mcp.<server>.<tool>`: a tool of an MCP server.
    Mcp,
}

impl ToolKind {
    /// The kind of a tool id, or `None` for a namespace or name the engine does not know.
    pub fn of(tool: &str) -> Option<ToolKind> {
        let (ns, rest) = tool.split_once('.')?;
        match ns {
            "http" => match rest {
                "get" => Some(ToolKind::Http(Some("GET"))),
                "head" => Some(ToolKind::Http(Some("HEAD"))),
                "post" => Some(ToolKind::Http(Some("POST"))),
                "put" => Some(ToolKind::Http(Some("PUT"))),
                "patch" => Some(ToolKind::Http(Some("PATCH"))),
                "delete" => Some(ToolKind::Http(Some("DELETE"))),
                "request" => Some(ToolKind::Http(None)),
                _ => None,
            },
            "llm" => matches!(rest, "chat" | "complete" | "embed").then_some(ToolKind::Llm),
            "mcp" => rest.contains('.').then_some(ToolKind::Mcp),
            _ => None,
        }
    }

    /// Whether a constraint applies to tools of this kind.
    pub fn accepts(self, c: crate::Constraint) -> bool {
        use crate::Constraint as C;
        match c {
            C::TimeoutMs | C::MaxCalls | C::MaxBytes => true,
            C::Domain | C::Scheme | C::Port | C::Method | C::PathPrefix => {
                matches!(self, ToolKind::Http(_))
            }
            C::Model | C::MaxTokens => self == ToolKind::Llm,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(ToolId::parse("http.get").is_ok());
        assert!(ToolId::parse("mcp.github.create_issue").is_ok());
        assert!(matches!(
            ToolId::parse("fs.read"),
            Err(GrantError::UnknownTool { .. })
        ));
        assert!(matches!(
            ToolId::parse("mcp.github"),
            Err(GrantError::UnknownTool { .. })
        ));
        for bad in [
            "",
            "http",
            "Http.get",
            "http..get",
            "http.get ",
            "http.g\u{0435}t",
            ".get",
            "http.get.",
        ] {
            assert!(ToolId::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            ToolId::parse("http.post").unwrap().kind(),
            Some(ToolKind::Http(Some("POST")))
        );
    }
}
