//! Builds a large TUF repository with lumen-tuf's editor, timing the build:
//!
//!   tuf_gen OUT_DIR TARGETS BINS classic|succinct
//!
//! PEP 458 scale is `2273539 16384`. Every target except one has a synthetic entry (length and
//! the SHA-256 of its path: no file is written); the one in `OUT_DIR/bench.json` has real content
//! in `OUT_DIR/targets/` so clients can download it. Keys are fixed test keys.

use lumen_crypto::ed25519::Ed25519SigningKey;
use lumen_tuf::editor::{InitOptions, Keyring, Repository, RoleSpec, Signer};
use lumen_tuf::metadata::Hashes;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let out = std::path::PathBuf::from(&args[1]);
    let n: u64 = args[2].parse().unwrap();
    let bins: u64 = args[3].parse().unwrap();
    let succinct = match args[4].as_str() {
        "classic" => false,
        "succinct" => true,
        other => panic!("kind must be classic or succinct, not {other}"),
    };
    let signer = |seed: u8| Signer::ed25519(Ed25519SigningKey::from_seed(&[seed; 32]));
    let (root, targets, snapshot, timestamp, bin) = (signer(1), signer(2), signer(3), signer(4), signer(5));
    let spec = |s: &Signer| RoleSpec::new(vec![s.public_key().clone()], 1);
    let mut options = InitOptions::single_key(root.public_key().clone());
    options.targets = spec(&targets);
    options.snapshot = spec(&snapshot);
    options.timestamp = spec(&timestamp);
    let bin_key = bin.public_key().clone();
    let keys = Keyring::new()
        .with(root)
        .with(targets)
        .with(snapshot)
        .with(timestamp)
        .with(bin);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;

    // The one real target.
    let sample = "packages/sample/lumen-sample-1.0.tar.gz".to_owned();
    let content: Vec<u8> = (0..4096u32).map(|i| (i * 31 % 251) as u8).collect();
    let sha256 = lumen_crypto::encoding::hex_encode(&lumen_crypto::hash::sha256(&content));
    let sha512 = lumen_crypto::encoding::hex_encode(&lumen_crypto::hash::sha512(&content));

    let t0 = Instant::now();
    let mut repo = Repository::create(&out, &options, &keys, now).unwrap();
    if succinct {
        let bits = bins.trailing_zeros() as u8;
        assert_eq!(1u64 << bits, bins, "succinct bins must be a power of two");
        repo.delegate_succinct("targets", "bins", bits, vec![bin_key], 1).unwrap();
    } else {
        repo.delegate_hash_bins("targets", "bins", bins, vec![bin_key], 1).unwrap();
    }
    let synthetic = (0..n.saturating_sub(1)).map(|i| {
        let path = format!("packages/{:02x}/pkg-{i}/pkg-{i}-1.0.tar.gz", i % 256);
        let digest = lumen_crypto::encoding::hex_encode(&lumen_crypto::hash::sha256(path.as_bytes()));
        let mut hashes = Hashes::new();
        hashes.insert("sha256".to_owned(), digest);
        (path, 1000 + i % 100_000, hashes)
    });
    let mut sample_hashes = Hashes::new();
    sample_hashes.insert("sha256".to_owned(), sha256.clone());
    sample_hashes.insert("sha512".to_owned(), sha512.clone());
    let all = synthetic.chain(std::iter::once((sample.clone(), content.len() as u64, sample_hashes)));
    let added = repo.add_targets_bulk(all).unwrap();
    let summary = repo.commit(&keys, now).unwrap();
    // Freeing millions of entries one by one takes seconds; the process exits right after, as
    // `lumen tuf` does.
    std::mem::forget(repo);
    let elapsed = t0.elapsed();
    println!(
        "built {} ({added} targets in {bins} {} bins) in {:.2} s: {summary:?}",
        out.display(),
        if succinct { "succinct" } else { "classic" },
        elapsed.as_secs_f64()
    );
    let (dir, base) = sample.rsplit_once('/').unwrap();
    let tdir = out.join("targets").join(dir);
    std::fs::create_dir_all(&tdir).unwrap();
    for h in [&sha256, &sha512] {
        std::fs::write(tdir.join(format!("{h}.{base}")), &content).unwrap();
    }
    std::fs::write(
        out.join("bench.json"),
        serde_json::json!({ "target": sample, "build_seconds": elapsed.as_secs_f64() }).to_string(),
    )
    .unwrap();
}
