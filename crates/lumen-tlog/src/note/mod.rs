//! C2SP signed notes (<https://c2sp.org/signed-note>): a UTF-8 text signed by one or more keys,
//! the envelope of checkpoints and cosignatures, compatible with Go's `golang.org/x/mod/sumdb/note`.
//!
//! This file holds the note itself: parsing, encoding, signing and verifying ([`Note`],
//! [`NoteSignature`], [`VerifiedNote`], [`open`], [`sign`]). The keys (`key.rs`) and the errors
//! (`error.rs`) are in submodules, re-exported here.
//!
//! # Byte format
//!
//! A signed note is the text (which ends with a newline), one blank line, then one or more
//! signature lines. Each signature line is an em dash (U+2014, bytes `e2 80 94`), a space, the
//! key name, a space, the standard padded Base64 of `key hash (4 bytes, big-endian) ‖ signature`,
//! and a newline:
//!
//! ```text
//! If you think cryptography is the answer to your problem,⏎
//! then you don't know what your problem is.⏎
//! ⏎
//! — PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=⏎
//! ```
//!
//! Here the Base64 decodes to `c7 4f 20 a3` (the key hash of `PeterNeumann`'s key) followed by
//! the 64-byte Ed25519 signature of the two text lines, final newline included. The text is
//! separated from the signatures by the *last* blank line, so the text may itself contain blank
//! lines.
//!
//! Rules enforced by [`Note::parse`] (each violation has its own [`NoteError`] variant):
//! - the whole note is at most [`MAX_NOTE_SIZE`] bytes (1 MiB, a cap chosen here: Go's
//!   `note.Open` has none, its `sumdb/tlog.ParseTree` refuses tree texts over 10^6 bytes), is
//!   valid UTF-8 and contains no ASCII control character other than newline;
//! - the text ends with a newline and is followed by a blank line and at least one signature line;
//! - there are at most [`MAX_SIGNATURES`] signature lines (Go's limit; the spec requires at least
//!   16);
//! - a key name is non-empty and contains no Unicode white space, no `+` and no control character;
//! - the signature decodes (strict standard Base64) to at least 5 bytes.
//!
//! # Keys
//!
//! A key is identified by its name and a 32-bit *key hash*. For Ed25519 note keys (type `0x01`)
//! the hash is the first four bytes, big-endian, of `SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)`.
//! Keys are exchanged as text:
//!
//! - verifier key (vkey): `<name>+<8 lowercase hex digits of the hash>+<base64(type ‖ key)>`,
//!   e.g. `PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW`;
//! - signer key (Go's format, secret): `PRIVATE+KEY+<name>+<hash>+<base64(type ‖ 32-byte seed)>`.
//!
//! The name cannot contain `+`, so a key string splits on its first two (vkey) or four (signer
//! key) `+`; the Base64 part may contain `+` itself. The stated hash must match the one computed
//! from the name and key ([`NoteError::KeyHashMismatch`] otherwise). This is stricter than Go
//! in two places, both as the spec defines the encodings: the hash must be lowercase hex (Go's
//! `strconv.ParseUint` also takes uppercase), and Base64 must be canonical (Go's decoder also
//! takes non-zero padding bits, e.g. the `…KEY==` key of Go's `TestNewVerifier`).
//!
//! ## ECDSA (Sigstore Rekor) keys, verification only
//!
//! Type `0x02` keys are ECDSA P-256 keys as Sigstore Rekor signs its checkpoints with: the key
//! hash covers the public key's SPKI DER but not the name, and the signature is an ASN.1 DER
//! ECDSA signature over the SHA-256 of the text. [`EcdsaNoteVerifier`] verifies them and gives
//! the sources of the format.
//!
//! # Verification
//!
//! [`Note::verify`] (or [`open`]) checks each signature whose (name, key hash) is in the
//! [`Verifiers`] set; signatures from unknown keys are kept aside, not errors. Every signature
//! from a known key must verify ([`NoteError::InvalidSignature`] otherwise, as the spec
//! recommends), and at least one must ([`NoteError::NoVerifiedSignature`]). The result is a
//! [`VerifiedNote`], which only verification can build. A key that signs several times is listed
//! once among the verified signatures; repeated identical unknown signatures are listed once.
//! (Go skips repeated signatures of a known key without checking them; here each distinct one is
//! checked, as the spec's "MUST verify" requires.)
//!
//! ```
//! use lumen_tlog::note::{self, Ed25519NoteSigner, Ed25519NoteVerifier, Note, Verifiers};
//!
//! let signer = Ed25519NoteSigner::from_signer_key(
//!     "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
//! )?;
//! let text = "If you think cryptography is the answer to your problem,\n\
//!             then you don't know what your problem is.\n";
//! let mut unsigned = Note::new(text)?;
//! unsigned.sign(&signer)?;
//! let signed = unsigned.encode()?;
//! assert_eq!(
//!     signed,
//!     format!("{text}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")
//! );
//!
//! let mut verifiers = Verifiers::new();
//! verifiers.add(Ed25519NoteVerifier::from_vkey(
//!     "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
//! )?)?;
//! let verified = note::open(signed.as_bytes(), &verifiers)?;
//! assert_eq!(verified.text(), text);
//! assert_eq!(verified.verified_signatures()[0].key_hash(), 0xc74f20a3);
//! # Ok::<(), lumen_tlog::note::NoteError>(())
//! ```

mod error;
mod key;

pub use error::{CheckpointProblem, KeyProblem, KeyRole, NoteError, SignatureLineProblem};
pub use key::{
    EcdsaNoteVerifier, Ed25519NoteSigner, Ed25519NoteVerifier, GeneratedKey,
    KEY_TYPE_COSIGNATURE_V1, KEY_TYPE_ECDSA, KEY_TYPE_ED25519, Signer, Verifier, Verifiers,
    ecdsa_key_hash, generate_key, is_valid_key_name, key_hash, parse_verifier_key,
};
pub(crate) use key::{KeyParts, NamedSigningKey, NamedVerifyingKey, check_name, parse_key_parts};

use lumen_crypto::encoding::{Base64Variant, base64_decode, base64_encode};

/// The largest signed note accepted or produced, in bytes (1 MiB).
pub const MAX_NOTE_SIZE: usize = 1 << 20;
/// The most signature lines a note may carry (as in Go's `note.Open`).
pub const MAX_SIGNATURES: usize = 100;

/// The prefix of every signature line: em dash (U+2014) and a space.
const SIGNATURE_PREFIX: &str = "\u{2014} ";
/// The Base64 of signature lines and key strings: standard, padded, strict.
const B64: Base64Variant = Base64Variant::Standard;

/// Checks the note text rules shared by whole notes, texts and checkpoint bodies: valid UTF-8 and
/// no ASCII control character other than newline.
pub(crate) fn check_utf8_no_controls(bytes: &[u8]) -> Result<&str, NoteError> {
    let text = std::str::from_utf8(bytes).map_err(|e| NoteError::InvalidUtf8 {
        offset: e.valid_up_to(),
    })?;
    // In UTF-8 the bytes below 0x20 only ever encode the ASCII characters themselves.
    if let Some(offset) = bytes.iter().position(|&b| b < 0x20 && b != b'\n') {
        return Err(NoteError::ControlCharacter {
            offset,
            byte: bytes[offset],
        });
    }
    Ok(text)
}

/// Checks a note text: size, UTF-8, control characters and the final newline.
pub(crate) fn check_text(text: &str) -> Result<(), NoteError> {
    if text.len() > MAX_NOTE_SIZE {
        return Err(NoteError::NoteTooLarge {
            size: text.len(),
            max: MAX_NOTE_SIZE,
        });
    }
    check_utf8_no_controls(text.as_bytes())?;
    if !text.ends_with('\n') {
        return Err(NoteError::MissingFinalNewline);
    }
    Ok(())
}

/// One signature of a note: key name, key hash and signature bytes (after the hash).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NoteSignature {
    name: String,
    key_hash: u32,
    signature: Vec<u8>,
}

impl NoteSignature {
    /// A signature by the key `name`/`key_hash`; the name must be valid and the signature non-empty.
    pub fn new(name: &str, key_hash: u32, signature: Vec<u8>) -> Result<Self, NoteError> {
        check_name(name)?;
        if signature.is_empty() {
            return Err(NoteError::EmptySignature {
                name: name.to_owned(),
            });
        }
        Ok(Self {
            name: name.to_owned(),
            key_hash,
            signature,
        })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key hash.
    pub fn key_hash(&self) -> u32 {
        self.key_hash
    }

    /// The signature bytes, without the key hash.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The signature line `— <name> <base64(key hash ‖ signature)>` with its newline.
    pub fn to_line(&self) -> String {
        let mut raw = Vec::with_capacity(4 + self.signature.len());
        raw.extend_from_slice(&self.key_hash.to_be_bytes());
        raw.extend_from_slice(&self.signature);
        format!(
            "{SIGNATURE_PREFIX}{} {}\n",
            self.name,
            base64_encode(B64, &raw)
        )
    }

    /// Parses one signature line (without its newline); `index` is its 1-based position.
    fn parse_line(line: &str, index: usize) -> Result<Self, NoteError> {
        let bad = |problem| NoteError::MalformedSignatureLine {
            line: index,
            problem,
        };
        let rest = line
            .strip_prefix(SIGNATURE_PREFIX)
            .ok_or(bad(SignatureLineProblem::MissingEmDashPrefix))?;
        let (name, b64) = rest
            .split_once(' ')
            .ok_or(bad(SignatureLineProblem::MissingSignature))?;
        if !is_valid_key_name(name) {
            return Err(bad(SignatureLineProblem::InvalidName {
                name: name.to_owned(),
            }));
        }
        let mut raw =
            base64_decode(B64, b64).map_err(|_| bad(SignatureLineProblem::SignatureNotBase64))?;
        if raw.len() < 5 {
            return Err(bad(SignatureLineProblem::SignatureTooShort {
                len: raw.len(),
            }));
        }
        let signature = raw.split_off(4);
        Ok(Self {
            name: name.to_owned(),
            key_hash: u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]),
            signature,
        })
    }
}

/// A note whose signatures have not been checked: its text and signature lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    text: String,
    signatures: Vec<NoteSignature>,
}

impl Note {
    /// An unsigned note with `text`, which must end with a newline and follow the text rules.
    pub fn new(text: impl Into<String>) -> Result<Self, NoteError> {
        let text = text.into();
        check_text(&text)?;
        Ok(Self {
            text,
            signatures: Vec::new(),
        })
    }

    /// Parses a signed note (see the module docs for the rules); signatures are not checked.
    pub fn parse(msg: &[u8]) -> Result<Self, NoteError> {
        if msg.len() > MAX_NOTE_SIZE {
            return Err(NoteError::NoteTooLarge {
                size: msg.len(),
                max: MAX_NOTE_SIZE,
            });
        }
        let msg = check_utf8_no_controls(msg)?;
        let split = msg
            .rfind("\n\n")
            .ok_or(NoteError::MissingSignatureSeparator)?;
        let (text, block) = (&msg[..split + 1], &msg[split + 2..]);
        if block.is_empty() {
            return Err(NoteError::NoSignatures);
        }
        let Some(block) = block.strip_suffix('\n') else {
            return Err(NoteError::UnterminatedSignatureLine);
        };
        // The block holds no empty line (the split is at the last blank line), so every line
        // is a signature line.
        let count = block.split('\n').count();
        if count > MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures {
                count,
                max: MAX_SIGNATURES,
            });
        }
        let signatures = block
            .split('\n')
            .enumerate()
            .map(|(i, line)| NoteSignature::parse_line(line, i + 1))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            text: text.to_owned(),
            signatures,
        })
    }

    /// The note text, final newline included.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The signatures, in order.
    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// Adds `signature` after the existing ones, replacing an existing signature by the same key
    /// (name and hash), as Go's `note.Sign` does.
    pub fn add_signature(&mut self, signature: NoteSignature) -> Result<(), NoteError> {
        self.signatures
            .retain(|s| !(s.name == signature.name && s.key_hash == signature.key_hash));
        if self.signatures.len() >= MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures {
                count: self.signatures.len() + 1,
                max: MAX_SIGNATURES,
            });
        }
        self.signatures.push(signature);
        Ok(())
    }

    /// Signs the text with `signer` and adds the signature (see [`Note::add_signature`]).
    pub fn sign(&mut self, signer: &dyn Signer) -> Result<(), NoteError> {
        let signature = signer.sign(self.text.as_bytes());
        self.add_signature(NoteSignature::new(
            signer.name(),
            signer.key_hash(),
            signature,
        )?)
    }

    /// The signed note: text, blank line, signature lines. Fails without signatures or when the
    /// result would exceed [`MAX_NOTE_SIZE`].
    pub fn encode(&self) -> Result<String, NoteError> {
        if self.signatures.is_empty() {
            return Err(NoteError::NoSignatures);
        }
        let mut out = String::with_capacity(self.text.len() + 1 + 128 * self.signatures.len());
        out.push_str(&self.text);
        out.push('\n');
        for signature in &self.signatures {
            out.push_str(&signature.to_line());
        }
        if out.len() > MAX_NOTE_SIZE {
            return Err(NoteError::NoteTooLarge {
                size: out.len(),
                max: MAX_NOTE_SIZE,
            });
        }
        Ok(out)
    }

    /// Checks the signatures against `verifiers` (see the module docs) and returns the verified
    /// note.
    pub fn verify(&self, verifiers: &Verifiers) -> Result<VerifiedNote, NoteError> {
        let mut verified: Vec<NoteSignature> = Vec::new();
        let mut checked: Vec<&NoteSignature> = Vec::new();
        let mut unverified: Vec<NoteSignature> = Vec::new();
        for signature in &self.signatures {
            let Some(verifier) = verifiers.get(&signature.name, signature.key_hash) else {
                if !unverified.contains(signature) {
                    unverified.push(signature.clone());
                }
                continue;
            };
            if checked.contains(&signature) {
                continue;
            }
            if !verifier.verify(self.text.as_bytes(), &signature.signature) {
                return Err(NoteError::InvalidSignature {
                    name: signature.name.clone(),
                    key_hash: signature.key_hash,
                });
            }
            checked.push(signature);
            if !verified
                .iter()
                .any(|s| s.name == signature.name && s.key_hash == signature.key_hash)
            {
                verified.push(signature.clone());
            }
        }
        if verified.is_empty() {
            return Err(NoteError::NoVerifiedSignature {
                unknown_keys: unverified
                    .iter()
                    .map(|s| (s.name.clone(), s.key_hash))
                    .collect(),
            });
        }
        Ok(VerifiedNote {
            text: self.text.clone(),
            verified,
            unverified,
        })
    }
}

/// A note with at least one valid signature from a known key; only [`Note::verify`] builds one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedNote {
    text: String,
    verified: Vec<NoteSignature>,
    unverified: Vec<NoteSignature>,
}

impl VerifiedNote {
    /// The verified text, final newline included.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The valid signatures from known keys, one per key, in note order.
    pub fn verified_signatures(&self) -> &[NoteSignature] {
        &self.verified
    }

    /// The signatures from unknown keys (not checked), identical ones listed once.
    pub fn unverified_signatures(&self) -> &[NoteSignature] {
        &self.unverified
    }

    /// Every signature kept: the verified ones, then the unverified ones.
    pub fn signatures(&self) -> impl Iterator<Item = &NoteSignature> {
        self.verified.iter().chain(&self.unverified)
    }

    /// Drops the proof: a [`Note`] with the same text and signatures (verified first), e.g. to
    /// add a signature and re-encode.
    pub fn into_note(self) -> Note {
        let mut signatures = self.verified;
        signatures.extend(self.unverified);
        Note {
            text: self.text,
            signatures,
        }
    }
}

/// Parses the signed note `msg` and checks it against `verifiers` (Go's `note.Open`).
pub fn open(msg: &[u8], verifiers: &Verifiers) -> Result<VerifiedNote, NoteError> {
    Note::parse(msg)?.verify(verifiers)
}

/// Signs `text` with each of `signers` and returns the signed note (Go's `note.Sign`).
pub fn sign(text: &str, signers: &[&dyn Signer]) -> Result<String, NoteError> {
    let mut note = Note::new(text)?;
    for signer in signers {
        note.sign(*signer)?;
    }
    note.encode()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_and_control_character_offsets() {
        assert!(matches!(
            check_utf8_no_controls(b"ab\xffc"),
            Err(NoteError::InvalidUtf8 { offset: 2 })
        ));
        assert!(matches!(
            check_utf8_no_controls(b"ab\rc"),
            Err(NoteError::ControlCharacter {
                offset: 2,
                byte: b'\r'
            })
        ));
        assert!(check_utf8_no_controls("a\u{7f}\n\u{2014}".as_bytes()).is_ok());
    }

    #[test]
    fn signature_line_round_trip() {
        let s = NoteSignature::new("n", 0x01020304, vec![9, 8, 7]).unwrap();
        let line = s.to_line();
        assert_eq!(line, "\u{2014} n AQIDBAkIBw==\n");
        let parsed = NoteSignature::parse_line(line.trim_end_matches('\n'), 1).unwrap();
        assert_eq!(parsed, s);
        assert!(matches!(
            NoteSignature::new("n", 1, Vec::new()),
            Err(NoteError::EmptySignature { .. })
        ));
        assert!(matches!(
            NoteSignature::new("a b", 1, vec![1]),
            Err(NoteError::InvalidKeyName { .. })
        ));
    }
}
