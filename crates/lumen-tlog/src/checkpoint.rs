//! C2SP transparency log checkpoints (<https://c2sp.org/tlog-checkpoint>): a signed note whose
//! text states a log's identity, tree size and RFC 6962 root hash.
//!
//! # Byte format
//!
//! The note text (the *body*) is at least three non-empty lines, each ending with a newline:
//!
//! 1. the **origin**, a non-empty identifier of the log (e.g. `example.com/log/testdata`);
//! 2. the **tree size** in ASCII decimal, without leading zeros (`0` for the empty tree), fitting
//!    in 64 bits;
//! 3. the **root hash**, standard padded Base64 of exactly 32 bytes;
//! 4. then optional **extension lines**, each non-empty and opaque.
//!
//! Parsing is strict: a sign, a space, a leading zero, unpadded or URL-safe Base64, a hash of
//! another length or an empty extension line is refused with its own [`CheckpointProblem`].
//!
//! The checkpoint of the empty tree of the Tessera test log, signed with its published test key,
//! is this exact note (the root is SHA-256 of the empty string):
//!
//! ```
//! use lumen_tlog::checkpoint::{Checkpoint, VerifiedCheckpoint};
//! use lumen_tlog::note::{Ed25519NoteSigner, Ed25519NoteVerifier, Verifiers};
//!
//! let root = lumen_crypto::hash::sha256(b"");
//! let checkpoint = Checkpoint::new("example.com/log/testdata", 0, root, Vec::new())?;
//! assert_eq!(
//!     checkpoint.to_text(),
//!     "example.com/log/testdata\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
//! );
//!
//! let signer = Ed25519NoteSigner::from_signer_key(
//!     "PRIVATE+KEY+example.com/log/testdata+33d7b496+AeymY/SZAX0jZcJ8enZ5FY1Dz+wTML2yWSkK+9DSF3eg",
//! )?;
//! let signed = checkpoint.sign(&[&signer])?;
//! assert_eq!(
//!     signed,
//!     "example.com/log/testdata\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n\
//!      — example.com/log/testdata M9e0lhxJACzE1KoUdqKuPa+9p6R7dSW8BlEvrg/noo8FkGg6PbJoRNOcdjqjOq89wVvTA60eubCc4oufo5BvIVEgtQc=\n"
//! );
//!
//! let mut verifiers = Verifiers::new();
//! verifiers.add(Ed25519NoteVerifier::from_vkey(
//!     "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx",
//! )?)?;
//! let verified = VerifiedCheckpoint::open(signed.as_bytes(), "example.com/log/testdata", &verifiers)?;
//! assert_eq!(verified.checkpoint(), &checkpoint);
//! # Ok::<(), lumen_tlog::note::NoteError>(())
//! ```

use crate::note::{
    CheckpointProblem, Note, NoteError, Signer, VerifiedNote, Verifiers, check_text,
};
use lumen_crypto::encoding::{Base64Variant, base64_decode, base64_encode};

fn malformed(problem: CheckpointProblem) -> NoteError {
    NoteError::MalformedCheckpoint { problem }
}

/// A checkpoint body: origin, tree size, root hash and extension lines, all validated.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Checkpoint {
    origin: String,
    size: u64,
    root: [u8; 32],
    extensions: Vec<String>,
}

impl Checkpoint {
    /// A checkpoint; the origin and every extension line must be non-empty single lines without
    /// control characters.
    pub fn new(
        origin: impl Into<String>,
        size: u64,
        root: [u8; 32],
        extensions: Vec<String>,
    ) -> Result<Self, NoteError> {
        let checkpoint = Self {
            origin: origin.into(),
            size,
            root,
            extensions,
        };
        if checkpoint.origin.is_empty() {
            return Err(malformed(CheckpointProblem::EmptyOrigin));
        }
        if checkpoint.origin.contains('\n') {
            return Err(malformed(CheckpointProblem::LineContainsNewline {
                line: 1,
            }));
        }
        for (i, line) in checkpoint.extensions.iter().enumerate() {
            if line.is_empty() {
                return Err(malformed(CheckpointProblem::EmptyExtensionLine {
                    line: i + 4,
                }));
            }
            if line.contains('\n') {
                return Err(malformed(CheckpointProblem::LineContainsNewline {
                    line: i + 4,
                }));
            }
        }
        check_text(&checkpoint.to_text())?;
        Ok(checkpoint)
    }

    /// Parses a checkpoint body strictly (see the module docs).
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        check_text(text)?;
        let body = text.strip_suffix('\n').unwrap_or(text);
        let lines: Vec<&str> = body.split('\n').collect();
        let [origin, size, root, extensions @ ..] = lines.as_slice() else {
            return Err(malformed(CheckpointProblem::TooFewLines {
                lines: lines.len(),
            }));
        };
        if origin.is_empty() {
            return Err(malformed(CheckpointProblem::EmptyOrigin));
        }
        let size = parse_size(size)?;
        let root = base64_decode(Base64Variant::Standard, root)
            .map_err(|_| malformed(CheckpointProblem::RootHashNotBase64))?;
        let root: [u8; 32] = root
            .as_slice()
            .try_into()
            .map_err(|_| malformed(CheckpointProblem::RootHashWrongLength { len: root.len() }))?;
        if let Some(i) = extensions.iter().position(|line| line.is_empty()) {
            return Err(malformed(CheckpointProblem::EmptyExtensionLine {
                line: i + 4,
            }));
        }
        Ok(Self {
            origin: (*origin).to_owned(),
            size,
            root,
            extensions: extensions.iter().map(|line| (*line).to_owned()).collect(),
        })
    }

    /// The body text: origin, size, Base64 root hash and extension lines, each with a newline.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            base64_encode(Base64Variant::Standard, &self.root)
        );
        for line in &self.extensions {
            out.push_str(line);
            out.push('\n');
        }
        out
    }

    /// The origin line (the log's identity).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The tree size (number of leaves).
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The RFC 6962 root hash of the tree at this size.
    pub fn root(&self) -> &[u8; 32] {
        &self.root
    }

    /// The extension lines, without newlines.
    pub fn extensions(&self) -> &[String] {
        &self.extensions
    }

    /// Signs the body with each of `signers` and returns the signed note.
    pub fn sign(&self, signers: &[&dyn Signer]) -> Result<String, NoteError> {
        let mut note = Note::new(self.to_text())?;
        for signer in signers {
            note.sign(*signer)?;
        }
        note.encode()
    }
}

/// Parses the tree size line: `0` or a decimal without leading zeros that fits in a `u64`.
fn parse_size(line: &str) -> Result<u64, NoteError> {
    if line.is_empty() || !line.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed(CheckpointProblem::SizeNotDecimal));
    }
    if line.len() > 1 && line.starts_with('0') {
        return Err(malformed(CheckpointProblem::SizeLeadingZero));
    }
    line.parse::<u64>()
        .map_err(|_| malformed(CheckpointProblem::SizeOverflow))
}

/// A checkpoint whose note carries a valid signature from a known key; only [`Self::open`] and
/// [`Self::from_note`] build one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCheckpoint {
    checkpoint: Checkpoint,
    note: VerifiedNote,
}

impl VerifiedCheckpoint {
    /// Parses and verifies the signed note `msg` with `verifiers`, parses its text as a
    /// checkpoint and requires its origin to be `expected_origin`.
    pub fn open(
        msg: &[u8],
        expected_origin: &str,
        verifiers: &Verifiers,
    ) -> Result<Self, NoteError> {
        Self::from_note(crate::note::open(msg, verifiers)?, expected_origin)
    }

    /// Parses the text of a verified note as a checkpoint whose origin must be `expected_origin`.
    pub fn from_note(note: VerifiedNote, expected_origin: &str) -> Result<Self, NoteError> {
        let checkpoint = Checkpoint::parse(note.text())?;
        if checkpoint.origin != expected_origin {
            return Err(NoteError::OriginMismatch {
                expected: expected_origin.to_owned(),
                found: checkpoint.origin,
            });
        }
        Ok(Self { checkpoint, note })
    }

    /// The checkpoint.
    pub fn checkpoint(&self) -> &Checkpoint {
        &self.checkpoint
    }

    /// The verified note it came in, with all its signatures (e.g. witness cosignatures).
    pub fn note(&self) -> &VerifiedNote {
        &self.note
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT_B64: &str = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

    fn problem(text: &str) -> CheckpointProblem {
        match Checkpoint::parse(text) {
            Err(NoteError::MalformedCheckpoint { problem }) => problem,
            other => panic!("{text:?}: {other:?}"),
        }
    }

    #[test]
    fn parses_and_formats() {
        let text = format!("o\n18446744073709551615\n{ROOT_B64}\next 1\next: 2\n");
        let c = Checkpoint::parse(&text).unwrap();
        assert_eq!(c.origin(), "o");
        assert_eq!(c.size(), u64::MAX);
        assert_eq!(c.root(), &lumen_crypto::hash::sha256(b""));
        assert_eq!(c.extensions(), ["ext 1", "ext: 2"]);
        assert_eq!(c.to_text(), text);
        let rebuilt = Checkpoint::new("o", u64::MAX, *c.root(), c.extensions().to_vec()).unwrap();
        assert_eq!(rebuilt, c);
    }

    #[test]
    fn origin_may_contain_spaces_like_rekor() {
        let text = format!("rekor.sigstore.dev - 2605736670972794746\n0\n{ROOT_B64}\n");
        assert_eq!(
            Checkpoint::parse(&text).unwrap().origin(),
            "rekor.sigstore.dev - 2605736670972794746"
        );
    }

    #[test]
    fn size_rules() {
        for (size, want) in [
            ("", CheckpointProblem::SizeNotDecimal),
            ("+1", CheckpointProblem::SizeNotDecimal),
            ("-1", CheckpointProblem::SizeNotDecimal),
            (" 1", CheckpointProblem::SizeNotDecimal),
            ("1 ", CheckpointProblem::SizeNotDecimal),
            ("0x1", CheckpointProblem::SizeNotDecimal),
            ("١", CheckpointProblem::SizeNotDecimal),
            ("00", CheckpointProblem::SizeLeadingZero),
            ("01", CheckpointProblem::SizeLeadingZero),
            ("18446744073709551616", CheckpointProblem::SizeOverflow),
            ("99999999999999999999999", CheckpointProblem::SizeOverflow),
        ] {
            assert_eq!(
                problem(&format!("o\n{size}\n{ROOT_B64}\n")),
                want,
                "{size:?}"
            );
        }
        assert_eq!(
            Checkpoint::parse(&format!("o\n0\n{ROOT_B64}\n"))
                .unwrap()
                .size(),
            0
        );
    }

    #[test]
    fn root_hash_rules() {
        let unpadded = ROOT_B64.trim_end_matches('=');
        let url_safe = "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=";
        for bad in [unpadded, url_safe, "", "!!!!"] {
            assert!(
                matches!(
                    problem(&format!("o\n1\n{bad}\n")),
                    CheckpointProblem::RootHashNotBase64
                        | CheckpointProblem::RootHashWrongLength { len: 0 }
                ),
                "{bad:?}"
            );
        }
        assert_eq!(
            problem("o\n1\nAAAA\n"),
            CheckpointProblem::RootHashWrongLength { len: 3 }
        );
        let long = base64_encode(Base64Variant::Standard, &[0u8; 33]);
        assert_eq!(
            problem(&format!("o\n1\n{long}\n")),
            CheckpointProblem::RootHashWrongLength { len: 33 }
        );
    }

    #[test]
    fn line_structure_rules() {
        assert_eq!(
            problem("o\n1\n"),
            CheckpointProblem::TooFewLines { lines: 2 }
        );
        assert_eq!(problem("o\n"), CheckpointProblem::TooFewLines { lines: 1 });
        assert_eq!(
            problem(&format!("\n1\n{ROOT_B64}\n")),
            CheckpointProblem::EmptyOrigin
        );
        assert_eq!(
            problem(&format!("o\n1\n{ROOT_B64}\n\n")),
            CheckpointProblem::EmptyExtensionLine { line: 4 }
        );
        assert_eq!(
            problem(&format!("o\n1\n{ROOT_B64}\na\n\nb\n")),
            CheckpointProblem::EmptyExtensionLine { line: 5 }
        );
        assert!(matches!(
            Checkpoint::parse(&format!("o\n1\n{ROOT_B64}")),
            Err(NoteError::MissingFinalNewline)
        ));
        assert!(matches!(
            Checkpoint::parse(&format!("o\t\n1\n{ROOT_B64}\n")),
            Err(NoteError::ControlCharacter { offset: 1, .. })
        ));
    }

    #[test]
    fn constructor_refuses_what_parse_refuses() {
        let root = [7u8; 32];
        let err = |r: Result<Checkpoint, NoteError>| match r {
            Err(NoteError::MalformedCheckpoint { problem }) => problem,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            err(Checkpoint::new("", 1, root, vec![])),
            CheckpointProblem::EmptyOrigin
        );
        assert_eq!(
            err(Checkpoint::new("a\nb", 1, root, vec![])),
            CheckpointProblem::LineContainsNewline { line: 1 }
        );
        assert_eq!(
            err(Checkpoint::new(
                "o",
                1,
                root,
                vec!["x".into(), String::new()]
            )),
            CheckpointProblem::EmptyExtensionLine { line: 5 }
        );
        assert_eq!(
            err(Checkpoint::new("o", 1, root, vec!["x\ny".into()])),
            CheckpointProblem::LineContainsNewline { line: 4 }
        );
        assert!(matches!(
            Checkpoint::new("o\u{1b}", 1, root, vec![]),
            Err(NoteError::ControlCharacter { offset: 1, .. })
        ));
    }
}
