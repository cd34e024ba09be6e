//! RFC 9162 Merkle tree math over SHA-256: hashes, roots, inclusion and consistency proofs, and an
//! in-memory append-only tree.
//!
//! Definitions (RFC 9162 §2.1.1, identical to RFC 6962 §2.1):
//! - [`leaf_hash`]`(data)` is `SHA-256(0x00 ‖ data)`, the hash of one log entry `data`.
//! - [`node_hash`]`(left, right)` is `SHA-256(0x01 ‖ left ‖ right)`, the hash of an interior node
//!   whose children hash to `left` and `right`.
//! - [`root`]`(leaf_hashes)` is `MTH(D[n])` for the `n` leaves whose hashes are `leaf_hashes`:
//!   [`empty_root`]`()` = `SHA-256("")` when `n = 0`, the leaf hash itself when `n = 1`, and otherwise
//!   `node_hash(MTH(D[0:k]), MTH(D[k:n]))` for the largest power of two `k < n`.
//! - [`prove_inclusion`]`(source, index, size)` is `PATH(index, D[size])` (§2.1.3.1): the sibling
//!   hashes, lowest first, that recompute the root of the first `size` leaves from leaf `index`.
//! - [`verify_inclusion`]`(leaf_hash, proof, root)` runs the verification of §2.1.3.2: it accepts
//!   only if `proof.leaf_index < proof.tree_size`, `proof.hashes` has exactly the length the
//!   algorithm consumes, and the recomputed root equals `root`.
//! - [`prove_consistency`]`(source, size1, size2)` is `PROOF(size1, D[size2])` (§2.1.4.1): the hashes,
//!   lowest first, that show the tree of `size1` leaves is a prefix of the tree of `size2` leaves.
//! - [`verify_consistency`]`(proof, root1, root2)` runs the verification of §2.1.4.2 for
//!   `0 < size1 < size2`; for `size1 == size2` it requires an empty proof and `root1 == root2`;
//!   `size1 == 0` and `size1 > size2` are rejected (a consistency proof from the empty tree proves
//!   nothing).
//!
//! A proof authenticates its index and sizes only through the root it is checked against: the
//! proof for leaf 0 of a 3-leaf tree also verifies as leaf 0 of a 4-leaf tree against the same
//! root, because the verifier hashes the same way for both. Take the tree size and root together
//! from one verified checkpoint.
//!
//! Storage model (as in Go's `sumdb/tlog` "stored hashes"): the *complete subtree* at `level` `l`
//! and `index` `i` covers the leaves `[i·2^l, (i+1)·2^l)`; level 0 holds the leaf hashes. Every
//! root and every proof hash of a tree is either such a stored hash or, for the one subtree on the
//! tree's right edge that is not complete, a fold of a few stored hashes. [`HashSource`] is the read
//! side of that model; [`MerkleTree`] keeps all levels in memory, and a tile-backed store can
//! implement [`HashSource`] to serve the same proofs. Generating a proof costs `O(log n)` reads and
//! at most `O(log n)` hash operations.
//!
//! Worked example: the three-leaf tree `a b c` has root `node_hash(node_hash(a, b), c)`, and the
//! inclusion proof for `c` (index 2) is `[node_hash(a, b)]`.
//!
//! ```
//! use lumen_tlog::merkle::{
//!     MerkleTree, leaf_hash, node_hash, root, verify_consistency, verify_inclusion,
//! };
//!
//! let (a, b, c) = (leaf_hash(b"a"), leaf_hash(b"b"), leaf_hash(b"c"));
//! let mut tree = MerkleTree::new();
//! for leaf in [a, b, c] {
//!     tree.append(leaf);
//! }
//! assert_eq!(tree.root(), node_hash(&node_hash(&a, &b), &c));
//! assert_eq!(tree.root(), root(&[a, b, c]));
//!
//! let proof = tree.inclusion_proof(2, 3)?;
//! assert_eq!(proof.hashes, vec![node_hash(&a, &b)]);
//! verify_inclusion(&c, &proof, &tree.root())?;
//! assert!(verify_inclusion(&a, &proof, &tree.root()).is_err());
//!
//! let root2 = tree.root_at(2)?;
//! let consistency = tree.consistency_proof(2, 3)?;
//! assert_eq!(consistency.hashes, vec![c]);
//! verify_consistency(&consistency, &root2, &tree.root())?;
//! # Ok::<(), lumen_tlog::merkle::ProofError>(())
//! ```

use lumen_crypto::encoding::hex_encode;
use lumen_crypto::hash::{Hasher as _, Sha256Hasher, sha256};

/// A SHA-256 Merkle tree hash (leaf, interior node or root).
pub type Hash = [u8; HASH_LEN];

/// Size of a [`Hash`](type@Hash) in bytes.
pub const HASH_LEN: usize = 32;

/// Why a proof was rejected or could not be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The leaf index is not inside the tree (`index >= size`).
    #[error("leaf index {index} is out of range for a tree of size {size}")]
    IndexOutOfRange {
        /// The leaf index asked for or claimed by the proof.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// The proof has more or fewer hashes than the tree sizes and index require.
    #[error("proof has {got} hashes, want {want}")]
    WrongProofLength {
        /// Number of hashes in the proof.
        got: usize,
        /// Number the RFC 9162 algorithm requires for these sizes and index.
        want: usize,
    },
    /// The inclusion proof leads to a different root than the expected one.
    #[error("computed root {} does not match expected root {}", hex_encode(.computed), hex_encode(.expected))]
    RootMismatch {
        /// The root recomputed from the leaf hash and the proof.
        computed: Hash,
        /// The root the caller trusts.
        expected: Hash,
    },
    /// The older tree is larger than the newer one.
    #[error("old tree size {size1} is larger than new tree size {size2}")]
    SizesOutOfOrder {
        /// The old tree size.
        size1: u64,
        /// The new tree size.
        size2: u64,
    },
    /// A consistency proof from the empty tree was requested or presented; it proves nothing.
    #[error("consistency from the empty tree to size {size2} is meaningless")]
    ConsistencyFromEmptyTree {
        /// The new tree size.
        size2: u64,
    },
    /// Trees of equal size were given a non-empty consistency proof.
    #[error("trees of equal size {size} need an empty consistency proof, got {got} hashes")]
    NonEmptyProofForEqualSizes {
        /// The common tree size.
        size: u64,
        /// Number of hashes in the proof.
        got: usize,
    },
    /// Two trees of the same size have different roots: the log shows a split view.
    #[error("trees of equal size {size} have different roots {} and {}", hex_encode(.root1), hex_encode(.root2))]
    DifferentRootsForEqualSizes {
        /// The common tree size.
        size: u64,
        /// The first root.
        root1: Hash,
        /// The second root.
        root2: Hash,
    },
    /// The consistency proof does not reproduce the old root (`root1`).
    #[error("consistency proof gives old root {}, expected {}", hex_encode(.computed), hex_encode(.expected))]
    OldRootMismatch {
        /// The old root recomputed from the proof.
        computed: Hash,
        /// The old root the caller trusts.
        expected: Hash,
    },
    /// The consistency proof does not lead to the new root (`root2`).
    #[error("consistency proof gives new root {}, expected {}", hex_encode(.computed), hex_encode(.expected))]
    NewRootMismatch {
        /// The new root recomputed from the proof.
        computed: Hash,
        /// The new root the caller was given.
        expected: Hash,
    },
    /// A byte string meant as a hash does not have 32 bytes.
    #[error("hash has {got} bytes, want {want}")]
    WrongHashLength {
        /// Its length.
        got: usize,
        /// [`HASH_LEN`].
        want: usize,
    },
    /// A tree size beyond the leaves the tree holds was asked for.
    #[error("tree size {size} is beyond the {available} leaves stored")]
    SizeBeyondTree {
        /// The size asked for.
        size: u64,
        /// The number of leaves stored.
        available: u64,
    },
    /// A [`HashSource`] does not hold the complete subtree hash asked for.
    #[error("no stored hash at level {level}, index {index}")]
    HashNotStored {
        /// Level of the subtree (0 = leaves).
        level: u8,
        /// Index of the subtree within its level.
        index: u64,
    },
}

/// An inclusion proof (RFC 9162 §2.1.3): `hashes` lead from leaf `leaf_index` to the root of the
/// first `tree_size` leaves, lowest level first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InclusionProof {
    /// Index of the proven leaf, from 0.
    pub leaf_index: u64,
    /// Size of the tree whose root the proof leads to.
    pub tree_size: u64,
    /// The audit path, lowest level first.
    pub hashes: Vec<Hash>,
}

/// A consistency proof (RFC 9162 §2.1.4): `hashes` show the tree of `size1` leaves is a prefix of
/// the tree of `size2` leaves, lowest level first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConsistencyProof {
    /// The old tree size.
    pub size1: u64,
    /// The new tree size.
    pub size2: u64,
    /// The consistency path, lowest level first.
    pub hashes: Vec<Hash>,
}

/// Leaf hash `SHA-256(0x00 ‖ data)` of the log entry `data` (RFC 9162 §2.1.1).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256Hasher::new();
    h.update(&[0x00]);
    h.update(data);
    h.finalize()
}

/// Interior node hash `SHA-256(0x01 ‖ left ‖ right)` of the children `left` and `right` (RFC 9162 §2.1.1).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut buf = [0u8; 1 + 2 * HASH_LEN];
    buf[0] = 0x01;
    buf[1..=HASH_LEN].copy_from_slice(left);
    buf[1 + HASH_LEN..].copy_from_slice(right);
    sha256(&buf)
}

/// Root of the empty tree, `SHA-256("")` (RFC 9162 §2.1.1).
pub fn empty_root() -> Hash {
    sha256(b"")
}

/// The `bytes` as a [`Hash`](type@Hash), or [`ProofError::WrongHashLength`] unless they are exactly 32 bytes.
pub fn hash_from_slice(bytes: &[u8]) -> Result<Hash, ProofError> {
    bytes.try_into().map_err(|_| ProofError::WrongHashLength {
        got: bytes.len(),
        want: HASH_LEN,
    })
}

/// `MTH(D[n])` of the leaves with hashes `leaf_hashes`, computed by the recursive definition of
/// RFC 9162 §2.1.1 (a reference, independent of [`MerkleTree`]'s storage).
pub fn root(leaf_hashes: &[Hash]) -> Hash {
    match leaf_hashes {
        [] => empty_root(),
        [only] => *only,
        _ => {
            // Largest power of two strictly smaller than n (n >= 2).
            let k = 1usize << (usize::BITS - 1 - (leaf_hashes.len() - 1).leading_zeros());
            let (left, right) = leaf_hashes.split_at(k);
            node_hash(&root(left), &root(right))
        }
    }
}

/// Read access to stored hashes of complete subtrees, from which roots and proofs are computed.
///
/// `hash_at(level, index)` is the hash of the complete subtree of `2^level` leaves that starts at
/// leaf `index · 2^level` (level 0 = leaf hashes). The proof functions only ask for subtrees that
/// lie entirely inside the tree size they are given.
pub trait HashSource {
    /// The error a read can fail with; it must be able to carry a [`ProofError`] for bad arguments.
    type Error: From<ProofError>;
    /// The hash of the complete subtree at `level`, `index`.
    fn hash_at(&self, level: u8, index: u64) -> Result<Hash, Self::Error>;
}

/// Length of an inclusion proof for leaf `index` in a tree of `size` leaves; needs `index < size`.
fn inclusion_path_len(index: u64, size: u64) -> usize {
    path_len(index, size - 1)
}

/// Length of the path from the complete subtree `index` (at some level) up to the root, where
/// `last` is the index of the last (rightmost) node on that level; needs `index <= last`.
///
/// Below the level where the paths to `index` and `last` fork there is one sibling per level;
/// above it, one left sibling per level where `index` is a right child (RFC 9162 §2.1.3.2 consumes
/// exactly that many).
fn path_len(index: u64, last: u64) -> usize {
    let inner = u64::BITS - (index ^ last).leading_zeros();
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    (inner + border) as usize
}

/// Length of a consistency proof from `size1` to `size2`; needs `0 < size1 < size2`.
fn consistency_path_len(size1: u64, size2: u64) -> usize {
    let level = size1.trailing_zeros();
    let index = (size1 - 1) >> level;
    let seed = usize::from(!size1.is_power_of_two());
    seed + path_len(index, (size2 - 1) >> level)
}

/// Root of the first `size` leaves of `source`, folded from its stored complete subtree hashes
/// (`popcount(size)` reads, `popcount(size) - 1` hash operations; [`empty_root`] for 0).
pub fn root_from_source<S: HashSource + ?Sized>(source: &S, size: u64) -> Result<Hash, S::Error> {
    if size == 0 {
        return Ok(empty_root());
    }
    range_hash(source, 0, size)
}

/// Hash of the leaves `[start, end)`, where `start < end` and `start` is a multiple of a power of
/// two `>= end - start` (so the range is one RFC 9162 subtree): the complete subtrees that make it
/// up, folded from the right.
fn range_hash<S: HashSource + ?Sized>(source: &S, start: u64, end: u64) -> Result<Hash, S::Error> {
    let mut remaining = end - start;
    let mut right_end = end;
    let mut acc: Option<Hash> = None;
    while remaining != 0 {
        let level = remaining.trailing_zeros();
        let index = (right_end >> level) - 1;
        let h = source.hash_at(level as u8, index)?;
        acc = Some(match acc {
            None => h,
            Some(right) => node_hash(&h, &right),
        });
        remaining &= remaining - 1;
        right_end -= 1u64 << level;
    }
    // `remaining` starts non-zero, so `acc` is set; the fallback is unreachable.
    Ok(acc.unwrap_or_else(empty_root))
}

/// Appends to `out` the hashes on the path from the complete subtree (`level`, `index`) up to the
/// root of the first `size` leaves, lowest first; the subtree must lie inside `[0, size)`.
fn push_path<S: HashSource + ?Sized>(
    source: &S,
    mut level: u32,
    mut index: u64,
    size: u64,
    out: &mut Vec<Hash>,
) -> Result<(), S::Error> {
    let last_leaf = size - 1;
    while level < u64::BITS && (last_leaf >> level) != 0 {
        let sibling = index ^ 1;
        if sibling < index {
            out.push(source.hash_at(level as u8, sibling)?);
        } else if sibling < (size >> level) {
            // A complete right sibling.
            out.push(source.hash_at(level as u8, sibling)?);
        } else if sibling <= (last_leaf >> level) {
            // The right sibling is the incomplete subtree on the tree's right edge.
            out.push(range_hash(source, sibling << level, size)?);
        }
        // Otherwise the node has no right sibling at this level: its hash passes up unchanged.
        level += 1;
        index >>= 1;
    }
    Ok(())
}

/// Inclusion proof `PATH(index, D[size])` (RFC 9162 §2.1.3.1) for leaf `index` in the tree of the
/// first `size` leaves of `source`.
pub fn prove_inclusion<S: HashSource + ?Sized>(
    source: &S,
    index: u64,
    size: u64,
) -> Result<InclusionProof, S::Error> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size }.into());
    }
    let mut hashes = Vec::with_capacity(inclusion_path_len(index, size));
    push_path(source, 0, index, size, &mut hashes)?;
    Ok(InclusionProof {
        leaf_index: index,
        tree_size: size,
        hashes,
    })
}

/// Consistency proof `PROOF(size1, D[size2])` (RFC 9162 §2.1.4.1) between the trees of the first
/// `size1` and `size2` leaves of `source`; empty when the sizes are equal.
pub fn prove_consistency<S: HashSource + ?Sized>(
    source: &S,
    size1: u64,
    size2: u64,
) -> Result<ConsistencyProof, S::Error> {
    if size1 > size2 {
        return Err(ProofError::SizesOutOfOrder { size1, size2 }.into());
    }
    if size1 == 0 {
        return Err(ProofError::ConsistencyFromEmptyTree { size2 }.into());
    }
    let mut hashes = Vec::new();
    if size1 < size2 {
        hashes.reserve_exact(consistency_path_len(size1, size2));
        // The largest complete subtree that ends at size1; when size1 is a power of two it is the
        // old root itself, which the verifier already has, so it is left out.
        let level = size1.trailing_zeros();
        let index = (size1 - 1) >> level;
        if index != 0 {
            hashes.push(source.hash_at(level as u8, index)?);
        }
        push_path(source, level, index, size2, &mut hashes)?;
    }
    Ok(ConsistencyProof {
        size1,
        size2,
        hashes,
    })
}

/// The root that inclusion `proof` gives for a leaf with hash `leaf_hash`, checking the index and
/// the proof length as RFC 9162 §2.1.3.2 does.
pub fn root_from_inclusion_proof(
    leaf_hash: &Hash,
    proof: &InclusionProof,
) -> Result<Hash, ProofError> {
    let (index, size) = (proof.leaf_index, proof.tree_size);
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let want = inclusion_path_len(index, size);
    if proof.hashes.len() != want {
        return Err(ProofError::WrongProofLength {
            got: proof.hashes.len(),
            want,
        });
    }
    rfc_inclusion_root(leaf_hash, index, size, &proof.hashes).ok_or(ProofError::WrongProofLength {
        got: proof.hashes.len(),
        want,
    })
}

/// Steps 2–5 of RFC 9162 §2.1.3.2 without the final root comparison; `None` when the path has the
/// wrong length for `index < size` (step 4a or step 5 fails).
fn rfc_inclusion_root(leaf_hash: &Hash, index: u64, size: u64, path: &[Hash]) -> Option<Hash> {
    let mut fnode = index;
    let mut snode = size - 1;
    let mut r = *leaf_hash;
    for p in path {
        if snode == 0 {
            return None;
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    (snode == 0).then_some(r)
}

/// Verifies that `proof` proves the leaf with hash `leaf_hash` is in the tree with root `root`
/// (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    leaf_hash: &Hash,
    proof: &InclusionProof,
    root: &Hash,
) -> Result<(), ProofError> {
    let computed = root_from_inclusion_proof(leaf_hash, proof)?;
    if computed != *root {
        return Err(ProofError::RootMismatch {
            computed,
            expected: *root,
        });
    }
    Ok(())
}

/// The new root that consistency `proof` gives from the old root `root1`, after checking that the
/// proof reproduces `root1` (RFC 9162 §2.1.4.2, with the sizes checked first; `root1` for equal sizes).
pub fn root_from_consistency_proof(
    proof: &ConsistencyProof,
    root1: &Hash,
) -> Result<Hash, ProofError> {
    let (size1, size2) = (proof.size1, proof.size2);
    let got = proof.hashes.len();
    if size1 > size2 {
        return Err(ProofError::SizesOutOfOrder { size1, size2 });
    }
    if size1 == 0 {
        return Err(ProofError::ConsistencyFromEmptyTree { size2 });
    }
    if size1 == size2 {
        if got != 0 {
            return Err(ProofError::NonEmptyProofForEqualSizes { size: size1, got });
        }
        return Ok(*root1);
    }
    let want = consistency_path_len(size1, size2);
    if got != want {
        return Err(ProofError::WrongProofLength { got, want });
    }
    let (old, new) = rfc_consistency_roots(size1, size2, &proof.hashes, root1)
        .ok_or(ProofError::WrongProofLength { got, want })?;
    if old != *root1 {
        return Err(ProofError::OldRootMismatch {
            computed: old,
            expected: *root1,
        });
    }
    Ok(new)
}

/// Steps 1–7 of RFC 9162 §2.1.4.2 for `0 < size1 < size2` without the final root comparisons:
/// the (old, new) roots the path gives, or `None` when the path has the wrong length.
fn rfc_consistency_roots(
    size1: u64,
    size2: u64,
    path: &[Hash],
    root1: &Hash,
) -> Option<(Hash, Hash)> {
    // Step 1.
    if path.is_empty() {
        return None;
    }
    // Step 2: a power-of-two size1 has root1 prepended (here: used as the seed).
    let (seed, rest) = if size1.is_power_of_two() {
        (root1, path)
    } else {
        path.split_first()?
    };
    // Step 3 and 4.
    let mut fnode = size1 - 1;
    let mut snode = size2 - 1;
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    // Step 5 and 6.
    let mut fr = *seed;
    let mut sr = *seed;
    for c in rest {
        if snode == 0 {
            return None;
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    // Step 7 (the size part).
    (snode == 0).then_some((fr, sr))
}

/// Verifies that `proof` proves the tree with root `root1` (size `proof.size1`) is a prefix of the
/// tree with root `root2` (size `proof.size2`) (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    proof: &ConsistencyProof,
    root1: &Hash,
    root2: &Hash,
) -> Result<(), ProofError> {
    let computed = root_from_consistency_proof(proof, root1)?;
    if computed != *root2 {
        if proof.size1 == proof.size2 {
            return Err(ProofError::DifferentRootsForEqualSizes {
                size: proof.size1,
                root1: *root1,
                root2: *root2,
            });
        }
        return Err(ProofError::NewRootMismatch {
            computed,
            expected: *root2,
        });
    }
    Ok(())
}

/// Parses wire hashes (any byte strings) into [`Hash`](type@Hash)es, refusing any that is not 32 bytes.
fn hashes_from_slices<B: AsRef<[u8]>>(proof: &[B]) -> Result<Vec<Hash>, ProofError> {
    proof.iter().map(|h| hash_from_slice(h.as_ref())).collect()
}

/// Verifies an inclusion proof given as untyped byte strings, in the parameter shape of
/// transparency-dev's `proof.VerifyInclusion`: leaf `index` of a tree of `size` leaves, `proof`
/// hashes lowest first. Any hash that is not 32 bytes is a [`ProofError::WrongHashLength`].
pub fn verify_inclusion_bytes<B: AsRef<[u8]>>(
    index: u64,
    size: u64,
    leaf_hash: &[u8],
    proof: &[B],
    root: &[u8],
) -> Result<(), ProofError> {
    let proof = InclusionProof {
        leaf_index: index,
        tree_size: size,
        hashes: hashes_from_slices(proof)?,
    };
    verify_inclusion(
        &hash_from_slice(leaf_hash)?,
        &proof,
        &hash_from_slice(root)?,
    )
}

/// Verifies a consistency proof given as untyped byte strings, in the parameter shape of
/// transparency-dev's `proof.VerifyConsistency`. As there (RFC 9162 §2.1.4.2 step 1), two
/// non-empty trees of the same size are consistent exactly when the proof is empty and the two
/// roots are equal byte for byte, whatever their length; in every other case each hash must be 32
/// bytes and [`verify_consistency`] decides.
pub fn verify_consistency_bytes<B: AsRef<[u8]>>(
    size1: u64,
    size2: u64,
    proof: &[B],
    root1: &[u8],
    root2: &[u8],
) -> Result<(), ProofError> {
    if size1 == size2 && size1 > 0 && proof.is_empty() && root1 == root2 {
        return Ok(());
    }
    let proof = ConsistencyProof {
        size1,
        size2,
        hashes: hashes_from_slices(proof)?,
    };
    verify_consistency(&proof, &hash_from_slice(root1)?, &hash_from_slice(root2)?)
}

/// An in-memory append-only Merkle tree that stores the hash of every complete subtree, level by
/// level (level 0 = leaf hashes), and serves roots and proofs for any size up to its own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MerkleTree {
    /// `levels[l][i]` is the hash of the complete subtree of `2^l` leaves starting at `i · 2^l`.
    levels: Vec<Vec<Hash>>,
}

impl MerkleTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty tree with room for `leaves` leaves before it reallocates.
    pub fn with_capacity(leaves: usize) -> Self {
        let mut levels = Vec::new();
        let mut n = leaves;
        while n > 0 {
            levels.push(Vec::with_capacity(n));
            n /= 2;
        }
        Self { levels }
    }

    /// Appends the leaf with hash `leaf_hash` and returns its index; amortized one node hash.
    pub fn append(&mut self, leaf_hash: Hash) -> u64 {
        let index = self.size();
        let mut h = leaf_hash;
        let mut level = 0;
        loop {
            if level == self.levels.len() {
                self.levels.push(Vec::new());
            }
            let row = &mut self.levels[level];
            row.push(h);
            let len = row.len();
            if len % 2 == 1 {
                break;
            }
            h = node_hash(&row[len - 2], &row[len - 1]);
            level += 1;
        }
        index
    }

    /// Number of leaves in the tree.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |leaves| leaves.len() as u64)
    }

    /// Root of the whole tree ([`empty_root`] when empty).
    pub fn root(&self) -> Hash {
        // Every complete subtree of the current size is stored, so this read cannot fail.
        root_from_source(self, self.size()).unwrap_or_else(|_| empty_root())
    }

    /// Root of the tree of the first `size` leaves.
    pub fn root_at(&self, size: u64) -> Result<Hash, ProofError> {
        self.check_size(size)?;
        root_from_source(self, size)
    }

    /// Inclusion proof for leaf `index` in the tree of the first `size` leaves.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<InclusionProof, ProofError> {
        self.check_size(size)?;
        prove_inclusion(self, index, size)
    }

    /// Consistency proof between the trees of the first `size1` and `size2` leaves.
    pub fn consistency_proof(
        &self,
        size1: u64,
        size2: u64,
    ) -> Result<ConsistencyProof, ProofError> {
        self.check_size(size2)?;
        prove_consistency(self, size1, size2)
    }

    fn check_size(&self, size: u64) -> Result<(), ProofError> {
        let available = self.size();
        if size > available {
            return Err(ProofError::SizeBeyondTree { size, available });
        }
        Ok(())
    }
}

impl HashSource for MerkleTree {
    type Error = ProofError;

    fn hash_at(&self, level: u8, index: u64) -> Result<Hash, ProofError> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.levels.get(usize::from(level))?.get(i))
            .copied()
            .ok_or(ProofError::HashNotStored { level, index })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    fn tree_of(n: u64) -> (MerkleTree, Vec<Hash>) {
        let hashes = leaves(n);
        let mut tree = MerkleTree::new();
        for (i, h) in hashes.iter().enumerate() {
            assert_eq!(tree.append(*h), i as u64);
        }
        (tree, hashes)
    }

    /// RFC 9162 §2.1.3.1 PATH(m, D[n]) by its recursive definition.
    fn rfc_path(m: usize, d: &[Hash]) -> Vec<Hash> {
        let n = d.len();
        if n <= 1 {
            return Vec::new();
        }
        let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
        if m < k {
            let mut p = rfc_path(m, &d[..k]);
            p.push(root(&d[k..]));
            p
        } else {
            let mut p = rfc_path(m - k, &d[k..]);
            p.push(root(&d[..k]));
            p
        }
    }

    /// RFC 9162 §2.1.4.1 SUBPROOF(m, D[n], b) by its recursive definition.
    fn rfc_subproof(m: usize, d: &[Hash], b: bool) -> Vec<Hash> {
        let n = d.len();
        if m == n {
            return if b { Vec::new() } else { vec![root(d)] };
        }
        let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
        if m <= k {
            let mut p = rfc_subproof(m, &d[..k], b);
            p.push(root(&d[k..]));
            p
        } else {
            let mut p = rfc_subproof(m - k, &d[k..], false);
            p.push(root(&d[..k]));
            p
        }
    }

    const MAX_EXHAUSTIVE: u64 = 256;

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        assert_eq!(
            hex_encode(&empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(root(&[]), empty_root());
        assert_eq!(MerkleTree::new().root(), empty_root());
        assert_eq!(MerkleTree::new().root_at(0), Ok(empty_root()));
    }

    #[test]
    fn leaf_and_node_hash_domain_separation() {
        let a = leaf_hash(b"a");
        let mut pre = vec![0u8];
        pre.extend_from_slice(b"a");
        assert_eq!(a, sha256(&pre));
        let b = leaf_hash(b"b");
        let mut buf = vec![1u8];
        buf.extend_from_slice(&a);
        buf.extend_from_slice(&b);
        assert_eq!(node_hash(&a, &b), sha256(&buf));
        assert_ne!(node_hash(&a, &b), node_hash(&b, &a));
    }

    #[test]
    fn tree_root_matches_reference_for_every_size() {
        let (tree, hashes) = tree_of(300);
        for n in 0..=300u64 {
            assert_eq!(tree.root_at(n), Ok(root(&hashes[..n as usize])), "size {n}");
        }
        assert_eq!(tree.root(), root(&hashes));
        assert_eq!(
            tree.root_at(301),
            Err(ProofError::SizeBeyondTree {
                size: 301,
                available: 300
            })
        );
    }

    #[test]
    fn stored_levels_hold_complete_subtrees() {
        let (tree, hashes) = tree_of(77);
        for level in 0..8u8 {
            let width = 1usize << level;
            for index in 0..(77 / width) {
                let start = index * width;
                assert_eq!(
                    tree.hash_at(level, index as u64),
                    Ok(root(&hashes[start..start + width]))
                );
            }
            let past = (77 / width) as u64;
            assert_eq!(
                tree.hash_at(level, past),
                Err(ProofError::HashNotStored { level, index: past })
            );
        }
    }

    #[test]
    fn every_inclusion_proof_matches_rfc_and_verifies() {
        let (tree, hashes) = tree_of(MAX_EXHAUSTIVE);
        for n in 1..=MAX_EXHAUSTIVE {
            let r = tree.root_at(n).unwrap();
            for m in 0..n {
                let proof = tree.inclusion_proof(m, n).unwrap();
                assert_eq!(
                    proof.hashes,
                    rfc_path(m as usize, &hashes[..n as usize]),
                    "PATH({m}, D[{n}])"
                );
                assert_eq!(proof.hashes.len(), inclusion_path_len(m, n));
                verify_inclusion(&hashes[m as usize], &proof, &r).unwrap();
            }
            assert_eq!(
                tree.inclusion_proof(n, n),
                Err(ProofError::IndexOutOfRange { index: n, size: n })
            );
        }
    }

    #[test]
    fn every_consistency_proof_matches_rfc_and_verifies() {
        let (tree, hashes) = tree_of(MAX_EXHAUSTIVE);
        for n in 1..=MAX_EXHAUSTIVE {
            let r2 = tree.root_at(n).unwrap();
            for m in 1..=n {
                let r1 = tree.root_at(m).unwrap();
                let proof = tree.consistency_proof(m, n).unwrap();
                let want = rfc_subproof(m as usize, &hashes[..n as usize], true);
                assert_eq!(proof.hashes, want, "PROOF({m}, D[{n}])");
                if m < n {
                    assert_eq!(proof.hashes.len(), consistency_path_len(m, n));
                }
                verify_consistency(&proof, &r1, &r2).unwrap();
                assert_eq!(root_from_consistency_proof(&proof, &r1), Ok(r2));
            }
            assert_eq!(
                tree.consistency_proof(0, n),
                Err(ProofError::ConsistencyFromEmptyTree { size2: n })
            );
            assert_eq!(
                tree.consistency_proof(n + 1, n),
                Err(ProofError::SizesOutOfOrder {
                    size1: n + 1,
                    size2: n
                })
            );
        }
    }

    /// The up-front length checks agree with the RFC loops: the loops alone reject every path one
    /// hash too long or too short, for all sizes up to the exhaustive bound.
    #[test]
    fn rfc_loops_alone_reject_wrong_lengths() {
        let (tree, _) = tree_of(MAX_EXHAUSTIVE);
        let extra = leaf_hash(b"extra");
        for n in 1..=MAX_EXHAUSTIVE {
            for m in 0..n {
                let proof = tree.inclusion_proof(m, n).unwrap();
                let mut longer = proof.hashes.clone();
                longer.push(extra);
                assert!(rfc_inclusion_root(&extra, m, n, &longer).is_none());
                if let Some((_, shorter)) = proof.hashes.split_last() {
                    assert!(rfc_inclusion_root(&extra, m, n, shorter).is_none());
                }
            }
            for m in 1..n {
                let r1 = tree.root_at(m).unwrap();
                let proof = tree.consistency_proof(m, n).unwrap();
                let mut longer = proof.hashes.clone();
                longer.push(extra);
                assert!(rfc_consistency_roots(m, n, &longer, &r1).is_none());
                let shorter = &proof.hashes[..proof.hashes.len() - 1];
                assert!(rfc_consistency_roots(m, n, shorter, &r1).is_none());
            }
        }
    }

    #[test]
    fn proof_generation_rejects_bad_arguments() {
        let (tree, _) = tree_of(10);
        assert_eq!(
            tree.inclusion_proof(0, 0),
            Err(ProofError::IndexOutOfRange { index: 0, size: 0 })
        );
        assert_eq!(
            tree.inclusion_proof(3, 11),
            Err(ProofError::SizeBeyondTree {
                size: 11,
                available: 10
            })
        );
        assert_eq!(
            tree.consistency_proof(3, 11),
            Err(ProofError::SizeBeyondTree {
                size: 11,
                available: 10
            })
        );
        assert_eq!(
            tree.consistency_proof(0, 0),
            Err(ProofError::ConsistencyFromEmptyTree { size2: 0 })
        );
        assert_eq!(tree.consistency_proof(4, 4).map(|p| p.hashes), Ok(vec![]));
    }

    /// What each proof hash does in the verifier, by the recursive RFC 9162 definitions: `Seed`
    /// starts the old and new roots, `Left`/`Right` is a sibling on that side.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Role {
        Seed,
        Left,
        Right,
    }

    /// Roles of the hashes of PATH(m, D[n]), or `None` when `m >= n`.
    fn inclusion_shape(m: u64, n: u64) -> Option<Vec<Role>> {
        fn path(m: u64, n: u64) -> Vec<Role> {
            if n <= 1 {
                return Vec::new();
            }
            let k = 1u64 << (u64::BITS - 1 - (n - 1).leading_zeros());
            let (mut p, role) = if m < k {
                (path(m, k), Role::Right)
            } else {
                (path(m - k, n - k), Role::Left)
            };
            p.push(role);
            p
        }
        (m < n).then(|| path(m, n))
    }

    /// Roles of the hashes of PROOF(m, D[n]), or `None` when `m == 0` or `m > n`.
    fn consistency_shape(m: u64, n: u64) -> Option<Vec<Role>> {
        fn sub(m: u64, n: u64, b: bool) -> Vec<Role> {
            if m == n {
                return if b { Vec::new() } else { vec![Role::Seed] };
            }
            let k = 1u64 << (u64::BITS - 1 - (n - 1).leading_zeros());
            let (mut p, role) = if m <= k {
                (sub(m, k, b), Role::Right)
            } else {
                (sub(m - k, n - k, false), Role::Left)
            };
            p.push(role);
            p
        }
        (m > 0 && m <= n).then(|| sub(m, n, true))
    }

    fn flip(h: &Hash, bit: usize) -> Hash {
        let mut out = *h;
        out[bit / 8] ^= 1 << (bit % 8);
        out
    }

    const SAMPLE_SIZES: [u64; 14] = [1, 2, 3, 4, 5, 6, 7, 8, 13, 16, 17, 31, 63, 65];

    #[test]
    fn inclusion_rejects_every_bit_flip_and_off_by_one() {
        let (tree, hashes) = tree_of(70);
        for n in SAMPLE_SIZES {
            let r = tree.root_at(n).unwrap();
            for m in 0..n {
                let leaf = hashes[m as usize];
                let proof = tree.inclusion_proof(m, n).unwrap();
                for bit in 0..256 {
                    assert!(matches!(
                        verify_inclusion(&flip(&leaf, bit), &proof, &r),
                        Err(ProofError::RootMismatch { .. })
                    ));
                    assert!(matches!(
                        verify_inclusion(&leaf, &proof, &flip(&r, bit)),
                        Err(ProofError::RootMismatch { .. })
                    ));
                    for i in 0..proof.hashes.len() {
                        let mut bad = proof.clone();
                        bad.hashes[i] = flip(&bad.hashes[i], bit);
                        assert!(matches!(
                            verify_inclusion(&leaf, &bad, &r),
                            Err(ProofError::RootMismatch { .. })
                        ));
                    }
                }
                // A changed index or size is accepted exactly when PATH has the same shape for it
                // (the verifier then does the same hashing); the root alone does not bind the size.
                let shape = inclusion_shape(m, n);
                for (index, size) in [(m + 1, n), (m.wrapping_sub(1), n), (m, n + 1), (m, n - 1)] {
                    let bad = InclusionProof {
                        leaf_index: index,
                        tree_size: size,
                        hashes: proof.hashes.clone(),
                    };
                    let accepted = verify_inclusion(&leaf, &bad, &r).is_ok();
                    assert_eq!(
                        accepted,
                        inclusion_shape(index, size) == shape,
                        "{index}/{size}"
                    );
                    if index != m {
                        assert!(!accepted, "changed index {index} accepted");
                    }
                }
                // Extra or missing hashes, at either end.
                let mut longer = proof.clone();
                longer.hashes.push(r);
                assert_eq!(
                    verify_inclusion(&leaf, &longer, &r),
                    Err(ProofError::WrongProofLength {
                        got: proof.hashes.len() + 1,
                        want: proof.hashes.len()
                    })
                );
                longer.hashes.rotate_right(1);
                assert!(verify_inclusion(&leaf, &longer, &r).is_err());
                if !proof.hashes.is_empty() {
                    let mut shorter = proof.clone();
                    shorter.hashes.pop();
                    assert!(matches!(
                        verify_inclusion(&leaf, &shorter, &r),
                        Err(ProofError::WrongProofLength { .. })
                    ));
                    shorter.hashes = proof.hashes[1..].to_vec();
                    assert!(verify_inclusion(&leaf, &shorter, &r).is_err());
                }
            }
        }
    }

    #[test]
    fn consistency_rejects_every_bit_flip_and_off_by_one() {
        let (tree, _) = tree_of(70);
        for n in SAMPLE_SIZES {
            let r2 = tree.root_at(n).unwrap();
            for m in 1..=n {
                let r1 = tree.root_at(m).unwrap();
                let proof = tree.consistency_proof(m, n).unwrap();
                for bit in 0..256 {
                    assert!(verify_consistency(&proof, &flip(&r1, bit), &r2).is_err());
                    assert!(verify_consistency(&proof, &r1, &flip(&r2, bit)).is_err());
                    for i in 0..proof.hashes.len() {
                        let mut bad = proof.clone();
                        bad.hashes[i] = flip(&bad.hashes[i], bit);
                        assert!(
                            verify_consistency(&bad, &r1, &r2).is_err(),
                            "{m}->{n} hash {i} bit {bit}"
                        );
                    }
                }
                // As for inclusion: a changed size is accepted exactly when PROOF has the same shape.
                let shape = consistency_shape(m, n);
                assert!(shape.is_some());
                for (s1, s2) in [(m + 1, n), (m - 1, n), (m, n + 1), (m, n - 1)] {
                    let bad = ConsistencyProof {
                        size1: s1,
                        size2: s2,
                        hashes: proof.hashes.clone(),
                    };
                    let accepted = verify_consistency(&bad, &r1, &r2).is_ok();
                    assert_eq!(accepted, consistency_shape(s1, s2) == shape, "{s1}->{s2}");
                    if s1 != m {
                        assert!(!accepted, "changed size1 {s1} accepted");
                    }
                }
                if m < n {
                    assert!(verify_consistency(&proof, &r2, &r1).is_err(), "swapped");
                }
                let mut longer = proof.clone();
                longer.hashes.push(r2);
                assert!(verify_consistency(&longer, &r1, &r2).is_err());
                if !proof.hashes.is_empty() {
                    let mut shorter = proof.clone();
                    shorter.hashes.pop();
                    assert!(verify_consistency(&shorter, &r1, &r2).is_err());
                }
            }
        }
    }

    #[test]
    fn consistency_edge_cases_give_exact_errors() {
        let (tree, _) = tree_of(8);
        let r5 = tree.root_at(5).unwrap();
        let r8 = tree.root_at(8).unwrap();
        let empty = |size1, size2| ConsistencyProof {
            size1,
            size2,
            hashes: vec![],
        };
        assert_eq!(verify_consistency(&empty(5, 5), &r5, &r5), Ok(()));
        assert_eq!(
            verify_consistency(&empty(5, 5), &r5, &r8),
            Err(ProofError::DifferentRootsForEqualSizes {
                size: 5,
                root1: r5,
                root2: r8
            })
        );
        assert_eq!(
            verify_consistency(
                &ConsistencyProof {
                    size1: 5,
                    size2: 5,
                    hashes: vec![r5]
                },
                &r5,
                &r5
            ),
            Err(ProofError::NonEmptyProofForEqualSizes { size: 5, got: 1 })
        );
        assert_eq!(
            verify_consistency(&empty(0, 0), &r5, &r5),
            Err(ProofError::ConsistencyFromEmptyTree { size2: 0 })
        );
        assert_eq!(
            verify_consistency(&empty(6, 5), &r5, &r5),
            Err(ProofError::SizesOutOfOrder { size1: 6, size2: 5 })
        );
        assert_eq!(
            verify_consistency(&empty(5, 8), &r5, &r8),
            Err(ProofError::WrongProofLength { got: 0, want: 4 })
        );
        let proof = tree.consistency_proof(5, 8).unwrap();
        let other = leaf_hash(b"other");
        assert!(matches!(
            verify_consistency(&proof, &other, &r8),
            Err(ProofError::OldRootMismatch { expected, .. }) if expected == other
        ));
        assert!(matches!(
            verify_consistency(&proof, &r5, &other),
            Err(ProofError::NewRootMismatch { expected, .. }) if expected == other
        ));
        // A power-of-two old size: the old root is not in the proof, a wrong one gives a wrong new root.
        let r4 = tree.root_at(4).unwrap();
        let proof = tree.consistency_proof(4, 8).unwrap();
        assert_eq!(proof.hashes.len(), 1);
        assert!(matches!(
            verify_consistency(&proof, &other, &r8),
            Err(ProofError::NewRootMismatch { .. })
        ));
        assert_eq!(verify_consistency(&proof, &r4, &r8), Ok(()));
    }

    #[test]
    fn huge_sizes_do_not_overflow() {
        let h = leaf_hash(b"x");
        for (index, size) in [
            (u64::MAX - 1, u64::MAX),
            (0, u64::MAX),
            (1 << 63, u64::MAX),
            ((1 << 63) - 1, 1 << 63),
        ] {
            let want = inclusion_path_len(index, size);
            let proof = InclusionProof {
                leaf_index: index,
                tree_size: size,
                hashes: vec![h; want],
            };
            assert!(matches!(
                verify_inclusion(&h, &proof, &h),
                Err(ProofError::RootMismatch { .. })
            ));
        }
        for (size1, size2) in [(u64::MAX - 1, u64::MAX), (1, u64::MAX), (1 << 63, u64::MAX)] {
            let want = consistency_path_len(size1, size2);
            let proof = ConsistencyProof {
                size1,
                size2,
                hashes: vec![h; want],
            };
            assert!(verify_consistency(&proof, &h, &h).is_err());
        }
    }

    #[test]
    fn hash_from_slice_checks_length() {
        assert_eq!(hash_from_slice(&[7u8; 32]), Ok([7u8; 32]));
        assert_eq!(
            hash_from_slice(&[7u8; 31]),
            Err(ProofError::WrongHashLength { got: 31, want: 32 })
        );
        assert_eq!(
            hash_from_slice(&[]),
            Err(ProofError::WrongHashLength { got: 0, want: 32 })
        );
    }

    #[test]
    fn errors_display_hashes_as_hex() {
        let e = ProofError::RootMismatch {
            computed: [0xab; 32],
            expected: [0x01; 32],
        };
        let text = e.to_string();
        assert!(text.contains(&"ab".repeat(32)), "{text}");
        assert!(text.contains(&"01".repeat(32)), "{text}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Random larger trees: proofs for random (index, size) and (size1, size2) verify, and a
        /// random single-bit flip anywhere in the proof is rejected.
        #[test]
        fn random_proofs_verify_and_bit_flips_fail(
            n in 1u64..2000,
            a in any::<u64>(),
            b in any::<u64>(),
            bit in 0usize..256,
            pick in any::<usize>(),
        ) {
            let (tree, hashes) = tree_of(n);
            let size = 1 + a % n;
            let index = b % size;
            let r = tree.root_at(size).unwrap();
            prop_assert_eq!(r, root(&hashes[..size as usize]));
            let proof = tree.inclusion_proof(index, size).unwrap();
            prop_assert_eq!(verify_inclusion(&hashes[index as usize], &proof, &r), Ok(()));
            if !proof.hashes.is_empty() {
                let mut bad = proof.clone();
                let i = pick % bad.hashes.len();
                bad.hashes[i] = flip(&bad.hashes[i], bit);
                prop_assert!(verify_inclusion(&hashes[index as usize], &bad, &r).is_err());
            }

            let size1 = 1 + b % size;
            let r1 = tree.root_at(size1).unwrap();
            let proof = tree.consistency_proof(size1, size).unwrap();
            prop_assert_eq!(verify_consistency(&proof, &r1, &r), Ok(()));
            if !proof.hashes.is_empty() {
                let mut bad = proof.clone();
                let i = pick % bad.hashes.len();
                bad.hashes[i] = flip(&bad.hashes[i], bit);
                prop_assert!(verify_consistency(&bad, &r1, &r).is_err());
            }
        }
    }
}
