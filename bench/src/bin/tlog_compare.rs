//! In-memory Merkle log appends and proof generation: lumen-tlog against the `tlog_tiles` crate
//! (Cloudflare's Rust port of Go's `sumdb/tlog`), on the same leaf hashes, in one process.
//!
//! With `PYMERKLE_PYTHON` set to a Python that has `pymerkle` installed (`bench/run.sh` sets one
//! up), Python's pymerkle runs on the same entries in the same run (with a tenth of the proof
//! queries: it is slow), and its root must match.
//!
//! `cargo run --release --manifest-path bench/Cargo.toml --bin tlog_compare [-- LEAVES]`

use std::hint::black_box;
use std::time::{Duration, Instant};

/// A deterministic stream of query positions (xorshift64*), the same for both implementations.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

struct VecReader(Vec<tlog_tiles::Hash>);
impl tlog_tiles::HashReader for VecReader {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog_tiles::Hash>, tlog_tiles::Error> {
        indexes
            .iter()
            .map(|&i| self.0.get(i as usize).copied().ok_or(tlog_tiles::Error::IndexesNotInTree))
            .collect()
    }
}

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut out = None;
    for _ in 0..runs {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed());
        out = Some(r);
    }
    (best, out.expect("runs > 0"))
}

fn rate(n: u64, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

fn main() {
    let leaves: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1 << 20);
    let queries: u64 = 200_000;
    let hashes: Vec<[u8; 32]> = (0..leaves).map(|i| lumen_tlog::merkle::leaf_hash(&i.to_le_bytes())).collect();
    println!("leaves: {leaves}, proof queries: {queries}, best of 3 runs each");

    // Appends.
    let (lumen_append, tree) = best_of(3, || {
        let mut t = lumen_tlog::merkle::MerkleTree::new();
        for h in &hashes {
            t.append(*h);
        }
        t
    });
    let (peer_append, reader) = best_of(3, || {
        let mut stored: Vec<tlog_tiles::Hash> = Vec::new();
        for (n, h) in hashes.iter().enumerate() {
            let reader = VecReader(std::mem::take(&mut stored));
            let new = tlog_tiles::stored_hashes_for_record_hash(n as u64, tlog_tiles::Hash(*h), &reader)
                .expect("tlog_tiles append");
            stored = reader.0;
            stored.extend(new);
        }
        VecReader(stored)
    });
    let peer_root = tlog_tiles::tree_hash(leaves, &reader).expect("tlog_tiles root");
    assert_eq!(peer_root.0, tree.root(), "both implementations agree on the root");

    // Inclusion proofs (random index, full tree size).
    let (lumen_incl, _) = best_of(3, || {
        let mut rng = Rng(42);
        for _ in 0..queries {
            black_box(tree.inclusion_proof(rng.next() % leaves, leaves).expect("proof"));
        }
    });
    let (peer_incl, _) = best_of(3, || {
        let mut rng = Rng(42);
        for _ in 0..queries {
            black_box(tlog_tiles::prove_record(leaves, rng.next() % leaves, &reader).expect("proof"));
        }
    });
    // Consistency proofs (random old size, full new size).
    let (lumen_cons, _) = best_of(3, || {
        let mut rng = Rng(7);
        for _ in 0..queries {
            black_box(tree.consistency_proof(1 + rng.next() % leaves, leaves).expect("proof"));
        }
    });
    let (peer_cons, _) = best_of(3, || {
        let mut rng = Rng(7);
        for _ in 0..queries {
            black_box(tlog_tiles::prove_tree(leaves, 1 + rng.next() % leaves, &reader).expect("proof"));
        }
    });
    // Cross-check one proof of each kind.
    let p = tree.inclusion_proof(12_345 % leaves, leaves).expect("proof");
    let q = tlog_tiles::prove_record(leaves, 12_345 % leaves, &reader).expect("proof");
    assert_eq!(p.hashes, q.iter().map(|h| h.0).collect::<Vec<_>>(), "identical inclusion proofs");

    let py = pymerkle(leaves, queries / 10, &tree.root());
    println!(
        "{:<22}{:>15}{:>15}{:>9}{:>13}{:>9}",
        "operation", "lumen-tlog /s", "tlog_tiles /s", "ratio", "pymerkle /s", "ratio"
    );
    for (i, (name, n, ours, peer)) in [
        ("in-memory append", leaves, lumen_append, peer_append),
        ("inclusion proof", queries, lumen_incl, peer_incl),
        ("consistency proof", queries, lumen_cons, peer_cons),
    ]
    .into_iter()
    .enumerate()
    {
        let (a, b) = (rate(n, ours), rate(n, peer));
        let (p, pr) = match &py {
            Some(rates) => (format!("{:.0}", rates[i]), format!("{:.0}x", a / rates[i])),
            None => ("-".into(), "-".into()),
        };
        println!("{name:<22}{a:>15.0}{b:>15.0}{:>8.2}x{p:>13}{pr:>9}", a / b);
    }
}

/// Runs `pymerkle_bench.py` with `$PYMERKLE_PYTHON`; returns append, inclusion and consistency rates.
fn pymerkle(leaves: u64, queries: u64, root: &[u8; 32]) -> Option<[f64; 3]> {
    let python = std::env::var_os("PYMERKLE_PYTHON")?;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("pymerkle_bench.py");
    let out = std::process::Command::new(python)
        .arg(script)
        .arg(leaves.to_string())
        .arg(queries.to_string())
        .output()
        .expect("run pymerkle_bench.py");
    assert!(out.status.success(), "pymerkle_bench.py failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("utf-8 output");
    let field = |k: &str| {
        text.split_whitespace()
            .find_map(|w| w.strip_prefix(k))
            .unwrap_or_else(|| panic!("no {k} in {text:?}"))
            .to_owned()
    };
    let want: String = root.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(field("root="), want, "pymerkle agrees on the root");
    Some([field("append=").parse().ok()?, field("inclusion=").parse().ok()?, field("consistency=").parse().ok()?])
}
