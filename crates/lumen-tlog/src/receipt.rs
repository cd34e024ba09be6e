//! Receipts: C2SP transparency log proofs (<https://c2sp.org/tlog-proof>, `c2sp.org/tlog-proof@v1`),
//! an offline-verifiable statement that an entry is at some index of a log, made of an inclusion
//! proof and the signed (and possibly witness-cosigned) checkpoint it leads to.
//!
//! # Byte format
//!
//! A receipt is a sequence of lines, each ending with a newline (U+000A):
//!
//! 1. the header `c2sp.org/tlog-proof@v1`;
//! 2. optionally `extra ` followed by standard padded Base64 of opaque, **unauthenticated**
//!    application data (an empty value is allowed and distinct from no line);
//! 3. `index ` followed by the entry's zero-based index in ASCII decimal, without leading zeros
//!    (`0` itself is allowed), fitting in 64 bits;
//! 4. zero to [`MAX_PROOF_HASHES`] lines, each standard padded Base64 of one 32-byte hash: the
//!    RFC 9162 inclusion proof, from the leaf's sibling up to a child of the root;
//! 5. an empty line;
//! 6. the log's signed checkpoint note, verbatim (<https://c2sp.org/tlog-checkpoint>).
//!
//! Parsing is strict: the Base64 must be canonical (the only encoding of its bytes), a number may
//! not carry a sign, spaces or leading zeros, there are at most [`MAX_PROOF_HASHES`] hashes, the
//! whole receipt is at most [`MAX_RECEIPT_SIZE`] bytes, and the checkpoint must be a well-formed
//! signed note whose text is a well-formed checkpoint. [`Receipt::to_bytes`] gives back the parsed
//! bytes exactly. Verification ([`Receipt::verify`]) checks, in this order, the checkpoint's
//! signature by a log key, its origin, an optional witness policy, the index against the tree
//! size, and the inclusion proof against the checkpoint's root.
//!
//! # Example
//!
//! The entry `two` at index 1 of the three-entry log `one`, `two`, `three`, signed with the
//! Tessera test log's published key. The proof is the leaf hashes of `one` and `three`; the
//! checkpoint is byte for byte the Tessera fixture's `checkpoint.3`.
//!
//! ```
//! use lumen_tlog::checkpoint::Checkpoint;
//! use lumen_tlog::merkle::{MerkleTree, leaf_hash};
//! use lumen_tlog::note::{Ed25519NoteSigner, Verifiers};
//! use lumen_tlog::receipt::{Receipt, issue};
//!
//! let mut tree = MerkleTree::new();
//! for entry in ["one", "two", "three"] {
//!     tree.append(leaf_hash(entry.as_bytes()));
//! }
//! let signer = Ed25519NoteSigner::from_signer_key(
//!     "PRIVATE+KEY+example.com/log/testdata+33d7b496+AeymY/SZAX0jZcJ8enZ5FY1Dz+wTML2yWSkK+9DSF3eg",
//! )?;
//! let checkpoint = Checkpoint::new("example.com/log/testdata", 3, tree.root(), Vec::new())?;
//! let signed = checkpoint.sign(&[&signer])?;
//!
//! let receipt = issue(&tree, 1, signed.as_bytes())?;
//! let bytes = receipt.to_bytes();
//! assert_eq!(
//!     String::from_utf8(bytes.clone()).unwrap(),
//!     "c2sp.org/tlog-proof@v1\n\
//!      index 1\n\
//!      0Nc2CrefWKseHj/mStd+LqC8B+NrX0btIiPt2SmN+ek=\n\
//!      Zx8UbF5HHooag6PCFM5LqQe486WIjRTMjNPOdbsS75Q=\n\
//!      \n\
//!      example.com/log/testdata\n\
//!      3\n\
//!      Wqx3HImawpLnS/Gv4ubjAvi1WIOy0b8Ze0amvqbavKk=\n\
//!      \n\
//!      — example.com/log/testdata M9e0lvAQRtH832pk2RTbeSeZMkp4FZSdJYFBUjO5SKxuRbywPUF3cx+HUrb50kjd3rUWW/fj53Wj1dwcwh9bGQnqVAg=\n"
//! );
//!
//! let mut verifiers = Verifiers::new();
//! verifiers.add(signer.verifier())?;
//! let parsed = Receipt::parse(&bytes)?;
//! assert_eq!(parsed, receipt);
//! let verified = parsed.verify(b"two", "example.com/log/testdata", &verifiers, None)?;
//! assert_eq!(verified.index(), 1);
//! assert_eq!(verified.checkpoint().checkpoint().size(), 3);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::checkpoint::{Checkpoint, VerifiedCheckpoint};
use crate::cosignature::{VerifiedCosignature, WitnessPolicy};
use crate::merkle::{
    HASH_LEN, Hash, HashSource, InclusionProof, ProofError, leaf_hash, prove_inclusion,
    root_from_inclusion_proof,
};
use crate::note::{MAX_NOTE_SIZE, Note, NoteError, Verifiers};
use crate::tiles::TileReadError;
use lumen_crypto::encoding::{Base64Variant, base64_decode, base64_encode};

/// The first line of every v1 receipt.
pub const HEADER: &str = "c2sp.org/tlog-proof@v1";

/// The most inclusion proof hashes a receipt may carry (enough for a tree of 2^63 entries).
pub const MAX_PROOF_HASHES: usize = 63;

/// The largest receipt accepted: a checkpoint note of [`MAX_NOTE_SIZE`] plus 64 KiB for the rest.
pub const MAX_RECEIPT_SIZE: usize = MAX_NOTE_SIZE + 64 * 1024;

const EXTRA_PREFIX: &[u8] = b"extra ";
const INDEX_PREFIX: &[u8] = b"index ";
const B64: Base64Variant = Base64Variant::Standard;

/// What is wrong with the number on the `index` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IndexProblem {
    /// It is empty or holds something other than ASCII digits.
    #[error("not an ASCII decimal number")]
    NotDecimal,
    /// It has a leading zero (and is not `0`).
    #[error("has a leading zero")]
    LeadingZero,
    /// It does not fit in 64 bits.
    #[error("does not fit in 64 bits")]
    Overflow,
}

/// Why a receipt could not be parsed, built, issued or verified.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiptError {
    /// The receipt exceeds [`MAX_RECEIPT_SIZE`].
    #[error("receipt is {size} bytes; at most {max} are accepted")]
    TooLarge {
        /// The size found.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The first line is not exactly [`HEADER`].
    #[error("the first line is not {HEADER:?}")]
    MissingHeader,
    /// The input ends inside a line of the proof part (before the blank line).
    #[error("line {line} does not end with a newline")]
    UnterminatedLine {
        /// The 1-based line number.
        line: usize,
    },
    /// The `extra` line's value is not canonical standard Base64.
    #[error("the extra data on line {line} is not canonical Base64")]
    MalformedExtra {
        /// The 1-based line number.
        line: usize,
    },
    /// The line where the index belongs does not start with `index `.
    #[error("line {line} should be \"index <n>\"")]
    MissingIndex {
        /// The 1-based line number.
        line: usize,
    },
    /// The index is not a canonical 64-bit decimal number.
    #[error("the index on line {line} {problem}")]
    MalformedIndex {
        /// The 1-based line number.
        line: usize,
        /// What is wrong with it.
        problem: IndexProblem,
    },
    /// A proof line is not canonical standard Base64.
    #[error("proof hash on line {line} is not canonical Base64")]
    MalformedHash {
        /// The 1-based line number.
        line: usize,
    },
    /// A proof line decodes to something other than 32 bytes.
    #[error("proof hash on line {line} has {len} bytes, want {HASH_LEN}")]
    WrongHashLength {
        /// The 1-based line number.
        line: usize,
        /// The decoded length.
        len: usize,
    },
    /// The proof has more than [`MAX_PROOF_HASHES`] hashes.
    #[error("the proof has more than {max} hashes")]
    TooManyHashes {
        /// The limit.
        max: usize,
    },
    /// Nothing follows the blank line that ends the proof.
    #[error("the receipt has no checkpoint after the proof")]
    MissingCheckpoint,
    /// The checkpoint is malformed, not signed by a log key, from another log, or not cosigned
    /// as the witness policy requires.
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] NoteError),
    /// The index is not inside the checkpoint's tree.
    #[error("index {index} is not inside the checkpoint's tree of size {size}")]
    IndexBeyondTreeSize {
        /// The index.
        index: u64,
        /// The checkpoint's tree size.
        size: u64,
    },
    /// The proof does not have the shape RFC 9162 requires for this index and tree size.
    #[error("inclusion proof: {0}")]
    Proof(#[from] ProofError),
    /// The entry and the proof lead to a root other than the checkpoint's: the entry is not the
    /// one at this index, or the proof was altered.
    #[error(
        "entry {index} is not proven: the proof leads to root {}, the checkpoint has {}",
        lumen_crypto::encoding::hex_encode(.computed_root),
        lumen_crypto::encoding::hex_encode(.checkpoint_root)
    )]
    EntryMismatch {
        /// The index.
        index: u64,
        /// The root computed from the entry's leaf hash and the proof.
        computed_root: Hash,
        /// The checkpoint's root.
        checkpoint_root: Hash,
    },
    /// Issuing: a hash could not be read from tiles.
    #[error("reading the log's hashes: {0}")]
    Tiles(#[from] TileReadError),
    /// Issuing: the hash source does not hold the tree the checkpoint commits to.
    #[error(
        "the hash source gives root {} for size {size}, the checkpoint has {}",
        lumen_crypto::encoding::hex_encode(.computed_root),
        lumen_crypto::encoding::hex_encode(.checkpoint_root)
    )]
    SourceDoesNotMatchCheckpoint {
        /// The checkpoint's tree size.
        size: u64,
        /// The root the source's hashes give.
        computed_root: Hash,
        /// The checkpoint's root.
        checkpoint_root: Hash,
    },
}

/// A parsed, well-formed receipt whose proof and signatures have not been checked yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    extra: Option<Vec<u8>>,
    index: u64,
    hashes: Vec<Hash>,
    checkpoint: Vec<u8>,
}

/// Reads newline-terminated lines off the front of a byte string.
struct Lines<'a> {
    rest: &'a [u8],
    line: usize,
}

impl<'a> Lines<'a> {
    /// The next line without its newline, and its 1-based number.
    fn next_line(&mut self) -> Result<(&'a [u8], usize), ReceiptError> {
        self.line += 1;
        let Some(end) = self.rest.iter().position(|&b| b == b'\n') else {
            return Err(ReceiptError::UnterminatedLine { line: self.line });
        };
        let (line, rest) = self.rest.split_at(end);
        self.rest = rest.get(1..).unwrap_or_default();
        Ok((line, self.line))
    }
}

/// Parses the index number: `0` or ASCII digits without a leading zero, fitting in a `u64`.
fn parse_index(text: &[u8]) -> Result<u64, IndexProblem> {
    if text.is_empty() || !text.iter().all(u8::is_ascii_digit) {
        return Err(IndexProblem::NotDecimal);
    }
    if text.len() > 1 && text[0] == b'0' {
        return Err(IndexProblem::LeadingZero);
    }
    text.iter().try_fold(0u64, |n, &d| {
        n.checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(d - b'0')))
            .ok_or(IndexProblem::Overflow)
    })
}

/// Decodes canonical standard padded Base64 given as bytes.
fn decode_b64(text: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(text).ok()?;
    let bytes = base64_decode(B64, text).ok()?;
    // The decoder is strict; re-encoding makes canonicity independent of its configuration.
    (base64_encode(B64, &bytes) == text).then_some(bytes)
}

/// Parses a signed checkpoint note syntactically (signatures unchecked).
fn parse_checkpoint(signed: &[u8]) -> Result<Checkpoint, NoteError> {
    let note = Note::parse(signed)?;
    Checkpoint::parse(note.text())
}

impl Receipt {
    /// A receipt for entry `index` with the inclusion proof `hashes` and the signed checkpoint
    /// note `signed_checkpoint`; refuses what [`Self::parse`] would refuse.
    pub fn new(
        index: u64,
        hashes: Vec<Hash>,
        signed_checkpoint: Vec<u8>,
        extra: Option<Vec<u8>>,
    ) -> Result<Self, ReceiptError> {
        if hashes.len() > MAX_PROOF_HASHES {
            return Err(ReceiptError::TooManyHashes {
                max: MAX_PROOF_HASHES,
            });
        }
        if signed_checkpoint.is_empty() {
            return Err(ReceiptError::MissingCheckpoint);
        }
        parse_checkpoint(&signed_checkpoint)?;
        let receipt = Self {
            extra,
            index,
            hashes,
            checkpoint: signed_checkpoint,
        };
        let size = receipt.encoded_len();
        if size > MAX_RECEIPT_SIZE {
            return Err(ReceiptError::TooLarge {
                size,
                max: MAX_RECEIPT_SIZE,
            });
        }
        Ok(receipt)
    }

    /// Parses a receipt strictly (see the module docs); signatures and the proof are not checked.
    pub fn parse(bytes: &[u8]) -> Result<Self, ReceiptError> {
        if bytes.len() > MAX_RECEIPT_SIZE {
            return Err(ReceiptError::TooLarge {
                size: bytes.len(),
                max: MAX_RECEIPT_SIZE,
            });
        }
        let mut lines = Lines {
            rest: bytes,
            line: 0,
        };
        match lines.next_line() {
            Ok((line, _)) if line == HEADER.as_bytes() => {}
            _ => return Err(ReceiptError::MissingHeader),
        }
        let (mut line, mut line_no) = lines.next_line()?;
        let mut extra = None;
        if let Some(value) = line.strip_prefix(EXTRA_PREFIX) {
            extra = Some(decode_b64(value).ok_or(ReceiptError::MalformedExtra { line: line_no })?);
            (line, line_no) = lines.next_line()?;
        }
        let index = line
            .strip_prefix(INDEX_PREFIX)
            .ok_or(ReceiptError::MissingIndex { line: line_no })?;
        let index = parse_index(index).map_err(|problem| ReceiptError::MalformedIndex {
            line: line_no,
            problem,
        })?;
        let mut hashes = Vec::new();
        loop {
            let (line, line_no) = lines.next_line()?;
            if line.is_empty() {
                break;
            }
            if hashes.len() == MAX_PROOF_HASHES {
                return Err(ReceiptError::TooManyHashes {
                    max: MAX_PROOF_HASHES,
                });
            }
            let hash = decode_b64(line).ok_or(ReceiptError::MalformedHash { line: line_no })?;
            let hash =
                Hash::try_from(hash.as_slice()).map_err(|_| ReceiptError::WrongHashLength {
                    line: line_no,
                    len: hash.len(),
                })?;
            hashes.push(hash);
        }
        if lines.rest.is_empty() {
            return Err(ReceiptError::MissingCheckpoint);
        }
        parse_checkpoint(lines.rest)?;
        Ok(Self {
            extra,
            index,
            hashes,
            checkpoint: lines.rest.to_vec(),
        })
    }

    /// The receipt's bytes, in the format of the module docs.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        out.extend_from_slice(HEADER.as_bytes());
        out.push(b'\n');
        if let Some(extra) = &self.extra {
            out.extend_from_slice(EXTRA_PREFIX);
            out.extend_from_slice(base64_encode(B64, extra).as_bytes());
            out.push(b'\n');
        }
        out.extend_from_slice(INDEX_PREFIX);
        out.extend_from_slice(self.index.to_string().as_bytes());
        out.push(b'\n');
        for hash in &self.hashes {
            out.extend_from_slice(base64_encode(B64, hash).as_bytes());
            out.push(b'\n');
        }
        out.push(b'\n');
        out.extend_from_slice(&self.checkpoint);
        out
    }

    fn encoded_len(&self) -> usize {
        let b64_len = |n: usize| n.div_ceil(3) * 4;
        HEADER.len()
            + 1
            + self
                .extra
                .as_ref()
                .map_or(0, |e| EXTRA_PREFIX.len() + b64_len(e.len()) + 1)
            + INDEX_PREFIX.len()
            + self.index.to_string().len()
            + 1
            + self.hashes.len() * (b64_len(HASH_LEN) + 1)
            + 1
            + self.checkpoint.len()
    }

    /// Returns the receipt with the `extra` line set to `extra` (or removed, for `None`).
    pub fn with_extra(self, extra: Option<Vec<u8>>) -> Result<Self, ReceiptError> {
        Self::new(self.index, self.hashes, self.checkpoint, extra)
    }

    /// The index the receipt claims for the entry.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The inclusion proof hashes, lowest level first.
    pub fn hashes(&self) -> &[Hash] {
        &self.hashes
    }

    /// The signed checkpoint note, verbatim and unverified.
    pub fn signed_checkpoint(&self) -> &[u8] {
        &self.checkpoint
    }

    /// The `extra` data, if any; it is not authenticated by anything in the receipt.
    pub fn unauthenticated_extra(&self) -> Option<&[u8]> {
        self.extra.as_deref()
    }

    /// Verifies that `entry` is at [`Self::index`] of the log `origin` (see
    /// [`Self::verify_leaf_hash`]).
    pub fn verify(
        &self,
        entry: &[u8],
        origin: &str,
        verifiers: &Verifiers,
        witnesses: Option<&WitnessPolicy>,
    ) -> Result<VerifiedReceipt, ReceiptError> {
        self.verify_leaf_hash(&leaf_hash(entry), origin, verifiers, witnesses)
    }

    /// Verifies that the entry with RFC 9162 leaf hash `leaf_hash` is at [`Self::index`] of the
    /// log `origin`: the checkpoint must carry a valid signature by one of `verifiers`, have
    /// origin `origin`, satisfy `witnesses` if given, and its tree must hold the index and have
    /// the root the proof leads to.
    pub fn verify_leaf_hash(
        &self,
        leaf_hash: &Hash,
        origin: &str,
        verifiers: &Verifiers,
        witnesses: Option<&WitnessPolicy>,
    ) -> Result<VerifiedReceipt, ReceiptError> {
        let checkpoint = VerifiedCheckpoint::open(&self.checkpoint, origin, verifiers)?;
        let cosignatures = match witnesses {
            Some(policy) => policy.check(&checkpoint)?,
            None => Vec::new(),
        };
        let (size, checkpoint_root) = {
            let c = checkpoint.checkpoint();
            (c.size(), *c.root())
        };
        if self.index >= size {
            return Err(ReceiptError::IndexBeyondTreeSize {
                index: self.index,
                size,
            });
        }
        let proof = InclusionProof {
            leaf_index: self.index,
            tree_size: size,
            hashes: self.hashes.clone(),
        };
        let computed_root = root_from_inclusion_proof(leaf_hash, &proof)?;
        if computed_root != checkpoint_root {
            return Err(ReceiptError::EntryMismatch {
                index: self.index,
                computed_root,
                checkpoint_root,
            });
        }
        Ok(VerifiedReceipt {
            index: self.index,
            leaf_hash: *leaf_hash,
            checkpoint,
            cosignatures,
            extra: self.extra.clone(),
        })
    }
}

/// Issues the receipt for entry `index` of the tree committed to by `signed_checkpoint`, with the
/// proof read from `source`; the checkpoint is parsed but its signatures are not checked, and the
/// proof is checked against its root before the receipt is returned.
pub fn issue<S>(source: &S, index: u64, signed_checkpoint: &[u8]) -> Result<Receipt, ReceiptError>
where
    S: HashSource + ?Sized,
    ReceiptError: From<S::Error>,
{
    let checkpoint = parse_checkpoint(signed_checkpoint)?;
    let size = checkpoint.size();
    if index >= size {
        return Err(ReceiptError::IndexBeyondTreeSize { index, size });
    }
    let proof = prove_inclusion(source, index, size)?;
    let leaf = source.hash_at(0, index)?;
    let computed_root = root_from_inclusion_proof(&leaf, &proof)?;
    if computed_root != *checkpoint.root() {
        return Err(ReceiptError::SourceDoesNotMatchCheckpoint {
            size,
            computed_root,
            checkpoint_root: *checkpoint.root(),
        });
    }
    Receipt::new(index, proof.hashes, signed_checkpoint.to_vec(), None)
}

/// Parses `bytes` as a receipt and verifies it for `entry` (see [`Receipt::verify`]).
pub fn verify_receipt(
    bytes: &[u8],
    entry: &[u8],
    origin: &str,
    verifiers: &Verifiers,
    witnesses: Option<&WitnessPolicy>,
) -> Result<VerifiedReceipt, ReceiptError> {
    Receipt::parse(bytes)?.verify(entry, origin, verifiers, witnesses)
}

/// A receipt that verified: the entry with [`Self::leaf_hash`] is at [`Self::index`] of the tree
/// of a checkpoint signed by a log key; only [`Receipt::verify`] builds one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedReceipt {
    index: u64,
    leaf_hash: Hash,
    checkpoint: VerifiedCheckpoint,
    cosignatures: Vec<VerifiedCosignature>,
    extra: Option<Vec<u8>>,
}

impl VerifiedReceipt {
    /// The entry's index in the log.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The entry's RFC 9162 leaf hash.
    pub fn leaf_hash(&self) -> &Hash {
        &self.leaf_hash
    }

    /// The verified checkpoint whose tree includes the entry.
    pub fn checkpoint(&self) -> &VerifiedCheckpoint {
        &self.checkpoint
    }

    /// The witness cosignatures that satisfied the policy (empty when none was given).
    pub fn cosignatures(&self) -> &[VerifiedCosignature] {
        &self.cosignatures
    }

    /// The receipt's `extra` data; nothing authenticates it.
    pub fn unauthenticated_extra(&self) -> Option<&[u8]> {
        self.extra.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::MerkleTree;
    use crate::note::Ed25519NoteSigner;

    const SIGNER: &str = "PRIVATE+KEY+example.com/log/testdata+33d7b496+AeymY/SZAX0jZcJ8enZ5FY1Dz+wTML2yWSkK+9DSF3eg";
    const ORIGIN: &str = "example.com/log/testdata";

    fn signed(tree: &MerkleTree) -> String {
        let signer = Ed25519NoteSigner::from_signer_key(SIGNER).unwrap();
        Checkpoint::new(ORIGIN, tree.size(), tree.root(), Vec::new())
            .unwrap()
            .sign(&[&signer])
            .unwrap()
    }

    fn tree(n: u64) -> MerkleTree {
        let mut t = MerkleTree::new();
        for i in 0..n {
            t.append(leaf_hash(&i.to_be_bytes()));
        }
        t
    }

    #[test]
    fn index_numbers_are_canonical() {
        assert_eq!(parse_index(b"0"), Ok(0));
        assert_eq!(parse_index(b"18446744073709551615"), Ok(u64::MAX));
        assert_eq!(
            parse_index(b"18446744073709551616"),
            Err(IndexProblem::Overflow)
        );
        assert_eq!(parse_index(b"01"), Err(IndexProblem::LeadingZero));
        assert_eq!(parse_index(b"00"), Err(IndexProblem::LeadingZero));
        for bad in [
            &b""[..],
            b"+1",
            b"-1",
            b" 1",
            b"1 ",
            b"1\r",
            b"0x1",
            b"\xd9\xa1",
        ] {
            assert_eq!(parse_index(bad), Err(IndexProblem::NotDecimal), "{bad:?}");
        }
    }

    #[test]
    fn base64_must_be_canonical() {
        let h = [0xffu8; 32];
        let good = base64_encode(B64, &h);
        assert_eq!(decode_b64(good.as_bytes()).unwrap(), h);
        // "/" ends with 4 spare bits that must be zero: "/w==" decodes 0xff; "/x==" is not canonical.
        assert_eq!(decode_b64(b"/w=="), Some(vec![0xff]));
        assert_eq!(decode_b64(b"/x=="), None);
        assert_eq!(decode_b64(b"/w"), None);
        assert_eq!(decode_b64(b"_w=="), None);
        assert_eq!(decode_b64(b" /w=="), None);
        assert_eq!(decode_b64(b""), Some(Vec::new()));
    }

    #[test]
    fn new_refuses_what_parse_refuses() {
        let t = tree(5);
        let cp = signed(&t).into_bytes();
        assert!(matches!(
            Receipt::new(0, vec![[0; 32]; 64], cp.clone(), None),
            Err(ReceiptError::TooManyHashes { max: 63 })
        ));
        assert!(matches!(
            Receipt::new(0, vec![], Vec::new(), None),
            Err(ReceiptError::MissingCheckpoint)
        ));
        assert!(matches!(
            Receipt::new(0, vec![], b"not a note\n".to_vec(), None),
            Err(ReceiptError::Checkpoint(
                NoteError::MissingSignatureSeparator
            ))
        ));
        assert!(matches!(
            Receipt::new(0, vec![], cp.clone(), Some(vec![0; MAX_RECEIPT_SIZE])),
            Err(ReceiptError::TooLarge { .. })
        ));
        let r = Receipt::new(7, vec![[1; 32]; 63], cp, Some(vec![1, 2, 3])).unwrap();
        assert_eq!(r.encoded_len(), r.to_bytes().len());
        assert_eq!(Receipt::parse(&r.to_bytes()).unwrap(), r);
    }

    #[test]
    fn issue_refuses_a_source_that_does_not_match() {
        let small = tree(5);
        let mut other = tree(4);
        other.append([9; 32]);
        let cp = signed(&small);
        assert!(matches!(
            issue(&other, 2, cp.as_bytes()),
            Err(ReceiptError::SourceDoesNotMatchCheckpoint { size: 5, .. })
        ));
        assert!(matches!(
            issue(&small, 5, cp.as_bytes()),
            Err(ReceiptError::IndexBeyondTreeSize { index: 5, size: 5 })
        ));
        // A source with fewer leaves than the checkpoint cannot issue.
        assert!(matches!(
            issue(&tree(3), 1, cp.as_bytes()),
            Err(ReceiptError::Proof(ProofError::HashNotStored { .. }))
        ));
    }
}
