//! Criterion benchmarks for `lumen_tlog::merkle`: in-memory appends, roots, proof generation and
//! proof verification on a tree of about a million leaves.
//!
//! Run with `cargo bench -p lumen-tlog --bench merkle`. Throughput is reported per element: one
//! append, one proof or one verification.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lumen_tlog::merkle::{
    HashSource as _, MerkleTree, leaf_hash, verify_consistency, verify_inclusion,
};
use std::hint::black_box;

/// Not a power of two, so proofs exercise the incomplete right edge.
const TREE_SIZE: u64 = (1 << 20) + 12_345;
const APPENDS: u64 = 1 << 20;
const QUERIES: usize = 4096;

/// A fixed pseudo-random sequence (xorshift64*), so runs are comparable.
fn pseudo_random(n: usize) -> Vec<u64> {
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    (0..n)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            x.wrapping_mul(0x2545_F491_4F6C_DD1D)
        })
        .collect()
}

fn leaves(n: u64) -> Vec<[u8; 32]> {
    (0..n).map(|i| leaf_hash(&i.to_le_bytes())).collect()
}

fn append(c: &mut Criterion) {
    let hashes = leaves(APPENDS);
    let mut g = c.benchmark_group("merkle_append");
    g.sample_size(10);
    g.throughput(Throughput::Elements(APPENDS));
    g.bench_function("append_1Mi_fresh_tree", |b| {
        b.iter(|| {
            let mut tree = MerkleTree::new();
            for h in &hashes {
                tree.append(*h);
            }
            black_box(tree.size())
        })
    });
    g.finish();
}

fn proofs(c: &mut Criterion) {
    let mut tree = MerkleTree::with_capacity(TREE_SIZE as usize);
    for h in leaves(TREE_SIZE) {
        tree.append(h);
    }
    let root = tree.root();
    let random = pseudo_random(QUERIES);
    let indices: Vec<u64> = random.iter().map(|r| r % TREE_SIZE).collect();
    let old_sizes: Vec<u64> = random.iter().map(|r| 1 + r % TREE_SIZE).collect();

    let mut g = c.benchmark_group("merkle_proofs");
    g.throughput(Throughput::Elements(1));
    g.bench_function("root", |b| b.iter(|| black_box(tree.root())));
    g.throughput(Throughput::Elements(QUERIES as u64));
    g.bench_function("inclusion_proof_x4096", |b| {
        b.iter(|| {
            for &i in &indices {
                black_box(tree.inclusion_proof(i, TREE_SIZE).unwrap());
            }
        })
    });
    g.bench_function("consistency_proof_x4096", |b| {
        b.iter(|| {
            for &m in &old_sizes {
                black_box(tree.consistency_proof(m, TREE_SIZE).unwrap());
            }
        })
    });

    let inclusion: Vec<_> = indices
        .iter()
        .map(|&i| {
            (
                tree.hash_at(0, i).unwrap(),
                tree.inclusion_proof(i, TREE_SIZE).unwrap(),
            )
        })
        .collect();
    g.bench_function("verify_inclusion_x4096", |b| {
        b.iter(|| {
            for (leaf, proof) in &inclusion {
                verify_inclusion(leaf, proof, &root).unwrap();
            }
        })
    });
    let consistency: Vec<_> = old_sizes
        .iter()
        .map(|&m| {
            (
                tree.root_at(m).unwrap(),
                tree.consistency_proof(m, TREE_SIZE).unwrap(),
            )
        })
        .collect();
    g.bench_function("verify_consistency_x4096", |b| {
        b.iter(|| {
            for (old_root, proof) in &consistency {
                verify_consistency(proof, old_root, &root).unwrap();
            }
        })
    });
    g.finish();
}

criterion_group!(benches, append, proofs);
criterion_main!(benches);
