//! RFC 6962 / RFC 9162 proof vectors from transparency-dev/merkle `testdata/` (Apache-2.0), kept in
//! `../shared/testdata/merkle/{inclusion,consistency}/**.json`, against `lumen_tlog::merkle`.
//!
//! Every file counts: a missing directory, an unreadable file, an unknown field or a count other than
//! 98 + 98 fails the test. A case with `wantErr: false` must verify, one with `wantErr: true` must be
//! rejected. Hashes are Base64; a JSON `null` (proof or hash) means empty. The cases go through the
//! untyped wire-level verifiers (`verify_inclusion_bytes`, `verify_consistency_bytes`), which take
//! byte strings of any length as transparency-dev's verifiers do. The happy paths all come from the transparency-dev
//! reference tree of eight leaves, so they double as known answers for [`MerkleTree`]: its roots
//! must equal theirs and the proofs it generates must equal theirs byte for byte.
// Test helpers outside #[test] functions may panic: a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use lumen_crypto::encoding::{Base64Variant, base64_decode, hex_encode};
use lumen_tlog::merkle::{
    Hash, MerkleTree, ProofError, empty_root, hash_from_slice, leaf_hash, root,
    verify_consistency_bytes, verify_inclusion_bytes,
};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const EXPECTED_INCLUSION_FILES: usize = 98;
const EXPECTED_CONSISTENCY_FILES: usize = 98;
/// Happy paths over the eight-leaf reference tree (directories `0` to `4`).
const EXPECTED_INCLUSION_HAPPY_PATHS: usize = 5;
const EXPECTED_CONSISTENCY_HAPPY_PATHS: usize = 5;

/// The leaves of the transparency-dev reference tree (`testonly.LeafInputs()`), the RFC 6962 test tree.
const REFERENCE_LEAVES: [&[u8]; 8] = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
];

/// Roots of the reference tree for sizes 0..=8 (`testonly.RootHashes()`).
const REFERENCE_ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct InclusionCase {
    leaf_idx: u64,
    tree_size: u64,
    root: Option<String>,
    leaf_hash: Option<String>,
    proof: Option<Vec<Option<String>>>,
    desc: String,
    want_err: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConsistencyCase {
    size1: u64,
    size2: u64,
    root1: Option<String>,
    root2: Option<String>,
    proof: Option<Vec<Option<String>>>,
    desc: String,
    want_err: bool,
}

fn merkle_testdata() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/merkle");
    assert!(
        dir.is_dir(),
        "test vectors missing: {} is not a directory (the shared testdata must sit beside the repository)",
        dir.display()
    );
    dir
}

/// Every `*.json` file under `dir`, recursively, sorted; fails if `dir` cannot be read.
fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries =
            std::fs::read_dir(&d).unwrap_or_else(|e| panic!("cannot read {}: {e}", d.display()));
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "json") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn read_case<T: for<'de> Deserialize<'de>>(path: &Path) -> T {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("cannot parse {}: {e}", path.display()))
}

/// Base64 (standard, padded) to bytes; `null` is empty.
fn bytes(field: Option<&str>) -> Vec<u8> {
    field.map_or_else(Vec::new, |text| {
        base64_decode(Base64Variant::Standard, text)
            .unwrap_or_else(|e| panic!("bad base64 {text:?}: {e}"))
    })
}

fn hash(field: Option<&str>) -> Result<Hash, ProofError> {
    hash_from_slice(&bytes(field))
}

fn proof_hashes(proof: Option<&[Option<String>]>) -> Result<Vec<Hash>, ProofError> {
    proof
        .unwrap_or_default()
        .iter()
        .map(|h| hash(h.as_deref()))
        .collect()
}

fn proof_bytes(proof: Option<&[Option<String>]>) -> Vec<Vec<u8>> {
    proof
        .unwrap_or_default()
        .iter()
        .map(|h| bytes(h.as_deref()))
        .collect()
}

fn run_inclusion(case: &InclusionCase) -> Result<(), ProofError> {
    verify_inclusion_bytes(
        case.leaf_idx,
        case.tree_size,
        &bytes(case.leaf_hash.as_deref()),
        &proof_bytes(case.proof.as_deref()),
        &bytes(case.root.as_deref()),
    )
}

fn run_consistency(case: &ConsistencyCase) -> Result<(), ProofError> {
    verify_consistency_bytes(
        case.size1,
        case.size2,
        &proof_bytes(case.proof.as_deref()),
        &bytes(case.root1.as_deref()),
        &bytes(case.root2.as_deref()),
    )
}

fn reference_tree() -> MerkleTree {
    let mut tree = MerkleTree::new();
    for leaf in REFERENCE_LEAVES {
        tree.append(leaf_hash(leaf));
    }
    tree
}

fn relative(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// Checks `result` against `want_err`; returns a mismatch
/// description, and counts the error variants seen.
fn judge(
    name: &str,
    desc: &str,
    want_err: bool,
    result: &Result<(), ProofError>,
    variants: &mut BTreeMap<String, usize>,
) -> Option<String> {
    if let Err(e) = result {
        let variant = format!("{e:?}");
        let variant = variant
            .split([' ', '{'])
            .next()
            .unwrap_or_default()
            .to_owned();
        *variants.entry(variant).or_default() += 1;
        // Errors that only proof generation or a storage backend can produce have no place here.
        assert!(
            !matches!(
                e,
                ProofError::SizeBeyondTree { .. } | ProofError::HashNotStored { .. }
            ),
            "{name}: verification gave a generation-side error {e:?}"
        );
    }
    match (want_err, result) {
        (false, Err(e)) => Some(format!("{name} ({desc}): want success, got {e}")),
        (true, Ok(())) => Some(format!("{name} ({desc}): want an error, got success")),
        _ => None,
    }
}

#[test]
fn transparency_dev_vectors() {
    let base = merkle_testdata();
    let tree = reference_tree();
    let mut failures = Vec::new();
    let mut variants = BTreeMap::new();

    let inclusion_files = json_files(&base.join("inclusion"));
    assert_eq!(
        inclusion_files.len(),
        EXPECTED_INCLUSION_FILES,
        "inclusion vector count"
    );
    let (mut inclusion_ok, mut inclusion_happy) = (0, 0);
    for path in &inclusion_files {
        let name = relative(path, &base);
        let case: InclusionCase = read_case(path);
        let result = run_inclusion(&case);
        let failure = judge(&name, &case.desc, case.want_err, &result, &mut variants);
        inclusion_ok += usize::from(result.is_ok());
        failures.extend(failure);
        // Happy paths of the reference tree: our tree gives the same root and the same proof.
        if !case.want_err && !name.starts_with("inclusion/single-entry/") {
            inclusion_happy += 1;
            let size = case.tree_size;
            assert_eq!(
                Ok(hash(case.root.as_deref()).unwrap()),
                tree.root_at(size),
                "{name}: root of size {size}"
            );
            assert_eq!(
                hash(case.leaf_hash.as_deref()).unwrap(),
                leaf_hash(REFERENCE_LEAVES[case.leaf_idx as usize]),
                "{name}: leaf hash"
            );
            let ours = tree.inclusion_proof(case.leaf_idx, size).unwrap();
            assert_eq!(
                ours.hashes,
                proof_hashes(case.proof.as_deref()).unwrap(),
                "{name}: generated proof"
            );
        }
    }

    let consistency_files = json_files(&base.join("consistency"));
    assert_eq!(
        consistency_files.len(),
        EXPECTED_CONSISTENCY_FILES,
        "consistency vector count"
    );
    let (mut consistency_ok, mut consistency_happy) = (0, 0);
    for path in &consistency_files {
        let name = relative(path, &base);
        let case: ConsistencyCase = read_case(path);
        let result = run_consistency(&case);
        let failure = judge(&name, &case.desc, case.want_err, &result, &mut variants);
        consistency_ok += usize::from(result.is_ok());
        failures.extend(failure);
        if !case.want_err && !name.starts_with("consistency/additional/") {
            consistency_happy += 1;
            assert_eq!(
                Ok(hash(case.root1.as_deref()).unwrap()),
                tree.root_at(case.size1),
                "{name}: root1"
            );
            assert_eq!(
                Ok(hash(case.root2.as_deref()).unwrap()),
                tree.root_at(case.size2),
                "{name}: root2"
            );
            let ours = tree.consistency_proof(case.size1, case.size2).unwrap();
            assert_eq!(
                ours.hashes,
                proof_hashes(case.proof.as_deref()).unwrap(),
                "{name}: generated proof"
            );
        }
    }

    println!(
        "inclusion: {} files, {inclusion_ok} verified; consistency: {} files, {consistency_ok} verified",
        inclusion_files.len(),
        consistency_files.len()
    );
    println!("rejections by variant: {variants:?}");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(inclusion_happy, EXPECTED_INCLUSION_HAPPY_PATHS);
    assert_eq!(consistency_happy, EXPECTED_CONSISTENCY_HAPPY_PATHS);
    // 5 happy paths + single-entry/matching-root-and-leaf; 5 happy paths (one with equal sizes)
    // + additional/sizes-are-equal-one-and-proof-is-empty.
    assert_eq!(inclusion_ok, 6);
    assert_eq!(consistency_ok, 6);
}

/// The RFC 6962 / transparency-dev reference tree: roots for every size 0..=8 from
/// `testonly.RootHashes()`, from [`MerkleTree`] and from the recursive [`root`].
#[test]
fn reference_tree_roots() {
    let tree = reference_tree();
    let leaf_hashes: Vec<Hash> = REFERENCE_LEAVES.iter().map(|l| leaf_hash(l)).collect();
    assert_eq!(hex_encode(&empty_root()), REFERENCE_ROOTS[0]);
    for (size, want) in REFERENCE_ROOTS.iter().enumerate() {
        assert_eq!(
            hex_encode(&tree.root_at(size as u64).unwrap()),
            *want,
            "size {size}"
        );
        assert_eq!(
            hex_encode(&root(&leaf_hashes[..size])),
            *want,
            "size {size}"
        );
    }
    assert_eq!(hex_encode(&tree.root()), REFERENCE_ROOTS[8]);
}
