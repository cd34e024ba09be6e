//! Criterion benchmarks for the in-process costs of a `lumen-tuf` client at PEP 458 scale (PyPI):
//! 16,384 hash bins, one snapshot entry per bin plus `targets.json`, ~139 targets per bin.
//!
//! Run with `cargo bench -p lumen-tuf --bench client`. Everything is built in memory with one
//! fixed Ed25519 key (no I/O, no network):
//!
//! - `canonical/*`: `canonical::encode` of the large `signed` values (the bytes signatures cover).
//! - `parse/*`: `Metadata::from_bytes` alone (JSON parse, canonical encoding, typed view).
//! - `verify/*`: one `TrustedMetadataSet` step (parse, length and hash check, signature check,
//!   rollback and version checks), with the earlier steps done in the (unmeasured) setup.
//! - `lookup/*`: `Delegations::roles_for_target` for one target: 16,384 classic bins with
//!   `path_hash_prefixes` (4 prefixes of 4 hex digits each, python-tuf's hash-bin layout) versus
//!   `succinct_roles` (TAP 15, `bit_length` 14). The same bin (`bins-XXXX`) is chosen either way.
//! - `cold_refresh/*`: what a fresh process does before it can resolve one target: trust the root,
//!   then timestamp, snapshot, top-level targets and the target's bin, and look the target up.
//!
//! With `LUMEN_TUF_BENCH_PHASES=N`, the cold refresh is also broken down phase by phase (best of
//! `N` runs, which is robust on a shared machine) and printed before the criterion groups.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use lumen_crypto::ed25519::Ed25519SigningKey;
use lumen_crypto::encoding::hex_encode;
use lumen_tuf::TrustedMetadataSet;
use lumen_tuf::canonical;
use lumen_tuf::keys::DangerousHmacSecrets;
use lumen_tuf::metadata::{Metadata, Snapshot, Targets};
use serde_json::{Map, Value, json};
use std::hint::black_box;

const BIT_LENGTH: u32 = 14;
const BINS: usize = 1 << BIT_LENGTH;
/// ~2.28 M PyPI distribution files spread over 16,384 bins.
const TARGETS_PER_BIN: usize = 139;
const NOW: i64 = 1_700_000_000;
const EXPIRES: &str = "2030-01-01T00:00:00Z";
const SPEC: &str = "1.0.34";

fn sha256_hex(data: &[u8]) -> String {
    hex_encode(&lumen_crypto::hash::sha256(data))
}

/// The fixed key, its TUF key object and key id.
struct Signer {
    key: Ed25519SigningKey,
    key_json: Value,
    keyid: String,
}

impl Signer {
    fn new(seed: u8) -> Self {
        let key = Ed25519SigningKey::from_seed(&[seed; 32]);
        let key_json = json!({
            "keytype": "ed25519",
            "scheme": "ed25519",
            "keyval": {"public": hex_encode(key.verifying_key().as_bytes())},
        });
        let keyid = sha256_hex(&canonical::encode(&key_json).unwrap());
        Self {
            key,
            key_json,
            keyid,
        }
    }

    /// The file bytes (compact JSON, as repositories usually serve them).
    fn sign(&self, signed: &Value) -> Vec<u8> {
        let sig = self.key.sign(&canonical::encode(signed).unwrap());
        let file = json!({
            "signed": signed,
            "signatures": [{"keyid": self.keyid, "sig": hex_encode(&sig.to_bytes())}],
        });
        serde_json::to_vec(&file).unwrap()
    }
}

/// Bin `n`'s name: the same for classic and succinct delegations (`{prefix}-{n:04x}`).
fn bin_name(n: usize) -> String {
    format!("bins-{n:04x}")
}

/// A target path that falls into bin `bin` (found by trying names).
fn target_in_bin(bin: usize, i: usize) -> String {
    (0u64..)
        .map(|k| format!("packages/{i:02x}/{k}/pkg{i}-{k}-1.0.{i}.tar.gz"))
        .find(|p| {
            let d = lumen_crypto::hash::sha256(p.as_bytes());
            (u32::from_be_bytes([d[0], d[1], d[2], d[3]]) >> (32 - BIT_LENGTH)) as usize == bin
        })
        .unwrap()
}

struct Repo {
    root: Vec<u8>,
    timestamp: Vec<u8>,
    snapshot_signed: Value,
    snapshot: Vec<u8>,
    classic_signed: Value,
    classic: Vec<u8>,
    succinct: Vec<u8>,
    bin: Vec<u8>,
    bin_index: usize,
    target: String,
}

impl Repo {
    fn build() -> Self {
        let top = Signer::new(1);
        let bins_key = Signer::new(2);
        let role = json!({"keyids": [top.keyid], "threshold": 1});
        let root = top.sign(&json!({
            "_type": "root", "spec_version": SPEC, "version": 1, "expires": EXPIRES,
            "consistent_snapshot": true,
            "keys": {top.keyid.clone(): top.key_json},
            "roles": {"root": role, "timestamp": role, "snapshot": role, "targets": role},
        }));

        let mut meta = Map::new();
        meta.insert("targets.json".into(), json!({"version": 1}));
        for n in 0..BINS {
            meta.insert(format!("{}.json", bin_name(n)), json!({"version": 1}));
        }
        let snapshot_signed = json!({
            "_type": "snapshot", "spec_version": SPEC, "version": 1, "expires": EXPIRES,
            "meta": meta,
        });
        let snapshot = top.sign(&snapshot_signed);
        let timestamp = top.sign(&json!({
            "_type": "timestamp", "spec_version": SPEC, "version": 1, "expires": EXPIRES,
            "meta": {"snapshot.json": {
                "version": 1, "length": snapshot.len(), "hashes": {"sha256": sha256_hex(&snapshot)},
            }},
        }));

        let roles: Vec<Value> = (0..BINS)
            .map(|n| {
                // 4 prefixes of 16 bits (4 hex digits) = one 14-bit bin.
                let prefixes: Vec<String> = (0..4).map(|k| format!("{:04x}", n * 4 + k)).collect();
                json!({
                    "name": bin_name(n), "keyids": [bins_key.keyid], "threshold": 1,
                    "terminating": true, "path_hash_prefixes": prefixes,
                })
            })
            .collect();
        let targets_with = |delegations: Value| {
            json!({
                "_type": "targets", "spec_version": SPEC, "version": 1, "expires": EXPIRES,
                "targets": {},
                "delegations": delegations,
            })
        };
        let classic_signed = targets_with(json!({
            "keys": {bins_key.keyid.clone(): bins_key.key_json},
            "roles": roles,
        }));
        let classic = top.sign(&classic_signed);
        let succinct = top.sign(&targets_with(json!({
            "keys": {bins_key.keyid.clone(): bins_key.key_json},
            "succinct_roles": {
                "keyids": [bins_key.keyid], "threshold": 1,
                "bit_length": BIT_LENGTH, "name_prefix": "bins",
            },
        })));

        let bin_index = 0x1a2b;
        let mut targets = Map::new();
        for i in 0..TARGETS_PER_BIN {
            let path = target_in_bin(bin_index, i);
            let content = path.as_bytes();
            targets.insert(
                path.clone(),
                json!({
                    "length": 100_000 + i,
                    "hashes": {
                        "blake2b-256": sha256_hex(&[content, b"b2"].concat()),
                        "sha256": sha256_hex(content),
                    },
                }),
            );
        }
        let target = targets.keys().nth(TARGETS_PER_BIN / 2).unwrap().clone();
        let bin = bins_key.sign(&json!({
            "_type": "targets", "spec_version": SPEC, "version": 1, "expires": EXPIRES,
            "targets": targets,
        }));
        Self {
            root,
            timestamp,
            snapshot_signed,
            snapshot,
            classic_signed,
            classic,
            succinct,
            bin,
            bin_index,
            target,
        }
    }

    fn set(&self) -> TrustedMetadataSet {
        TrustedMetadataSet::new(&self.root, NOW, DangerousHmacSecrets::none()).unwrap()
    }

    fn with_timestamp(&self) -> TrustedMetadataSet {
        let mut s = self.set();
        s.update_timestamp(&self.timestamp).unwrap();
        s
    }

    fn with_snapshot(&self) -> TrustedMetadataSet {
        let mut s = self.with_timestamp();
        s.update_snapshot(&self.snapshot, false).unwrap();
        s
    }

    fn with_targets(&self, top: &[u8]) -> TrustedMetadataSet {
        let mut s = self.with_snapshot();
        s.update_targets(top).unwrap();
        s
    }

    /// A cold refresh: root, timestamp, snapshot, top-level targets, the target's bin, lookup.
    fn cold(&self, top: &[u8]) -> usize {
        let mut s = self.with_targets(top);
        let roles = s
            .targets("targets")
            .unwrap()
            .signed()
            .delegations
            .as_ref()
            .unwrap()
            .roles_for_target(&self.target);
        let (bin, _) = &roles[0];
        let t = s
            .update_delegated_targets(&self.bin, bin, "targets")
            .unwrap();
        t.signed().targets.get(&self.target).unwrap().length as usize
    }
}

/// Best-of-`n` wall time of each phase of one cold refresh (ms), printed as a table.
fn phases(repo: &Repo, n: usize) {
    use std::time::Instant;
    for (label, top) in [("classic", &repo.classic), ("succinct", &repo.succinct)] {
        let mut best: Vec<(&str, f64)> = Vec::new();
        for run in 0..n {
            let mut times: Vec<(&str, f64)> = Vec::new();
            let mut lap = |name, t: Instant| times.push((name, t.elapsed().as_secs_f64() * 1e3));
            let t = Instant::now();
            let mut s = repo.set();
            lap("root (parse + verify)", t);
            let t = Instant::now();
            s.update_timestamp(&repo.timestamp).unwrap();
            lap("timestamp", t);
            let t = Instant::now();
            black_box(lumen_crypto::hash::sha256(&repo.snapshot));
            lap("  of which: sha256 of snapshot bytes", t);
            let t = Instant::now();
            black_box(Metadata::<Snapshot>::from_bytes(&repo.snapshot, "snapshot").unwrap());
            lap("  of which: parse snapshot", t);
            let t = Instant::now();
            s.update_snapshot(&repo.snapshot, false).unwrap();
            lap("snapshot (hash + parse + verify)", t);
            let t = Instant::now();
            black_box(Metadata::<Targets>::from_bytes(top, "targets").unwrap());
            lap("  of which: parse targets", t);
            let t = Instant::now();
            s.update_targets(top).unwrap();
            lap("targets (parse + verify)", t);
            let t = Instant::now();
            let roles = s
                .targets("targets")
                .unwrap()
                .signed()
                .delegations
                .as_ref()
                .unwrap()
                .roles_for_target(&repo.target);
            lap("lookup (roles_for_target)", t);
            let t = Instant::now();
            s.update_delegated_targets(&repo.bin, &roles[0].0, "targets")
                .unwrap();
            lap("bin (139 targets: parse + verify)", t);
            let t = Instant::now();
            drop(s);
            lap("drop the TrustedMetadataSet", t);
            let total = times
                .iter()
                .filter(|(name, _)| !name.starts_with(' '))
                .map(|(_, ms)| ms)
                .sum();
            times.push(("total (phases above, not 'of which')", total));
            if run == 0 {
                best = times;
            } else {
                for (b, t) in best.iter_mut().zip(times) {
                    b.1 = b.1.min(t.1);
                }
            }
        }
        eprintln!("cold refresh, {label} delegations, best of {n}:");
        for (name, ms) in best {
            eprintln!("  {name:<40} {ms:9.3} ms");
        }
    }
}

fn benches(c: &mut Criterion) {
    let repo = Repo::build();
    eprintln!(
        "sizes: root {} B, timestamp {} B, snapshot {} B, targets (classic) {} B, targets (succinct) {} B, bin {} B",
        repo.root.len(),
        repo.timestamp.len(),
        repo.snapshot.len(),
        repo.classic.len(),
        repo.succinct.len(),
        repo.bin.len()
    );
    // Both delegation forms agree on the bin, which serves the target.
    let classic = Metadata::<Targets>::from_bytes(&repo.classic, "targets").unwrap();
    let succinct = Metadata::<Targets>::from_bytes(&repo.succinct, "targets").unwrap();
    let cd = classic.metadata.signed.delegations.as_ref().unwrap();
    let sd = succinct.metadata.signed.delegations.as_ref().unwrap();
    let expected = vec![(bin_name(repo.bin_index), true)];
    assert_eq!(cd.roles_for_target(&repo.target), expected);
    assert_eq!(sd.roles_for_target(&repo.target), expected);
    assert!(repo.cold(&repo.classic) > 0 && repo.cold(&repo.succinct) > 0);
    if let Some(n) = std::env::var("LUMEN_TUF_BENCH_PHASES")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        phases(&repo, n);
    }

    let mut g = c.benchmark_group("canonical");
    g.sample_size(20);
    g.throughput(Throughput::Bytes(repo.snapshot.len() as u64));
    g.bench_function("encode_snapshot_16385_meta", |b| {
        b.iter(|| canonical::encode(black_box(&repo.snapshot_signed)).unwrap())
    });
    g.throughput(Throughput::Bytes(repo.classic.len() as u64));
    g.bench_function("encode_targets_16384_bins", |b| {
        b.iter(|| canonical::encode(black_box(&repo.classic_signed)).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("parse");
    g.sample_size(20);
    g.bench_function("snapshot_16385_meta", |b| {
        b.iter(|| Metadata::<Snapshot>::from_bytes(black_box(&repo.snapshot), "snapshot").unwrap())
    });
    g.bench_function("targets_16384_bins_classic", |b| {
        b.iter(|| Metadata::<Targets>::from_bytes(black_box(&repo.classic), "targets").unwrap())
    });
    g.bench_function("bin_139_targets", |b| {
        b.iter(|| Metadata::<Targets>::from_bytes(black_box(&repo.bin), "bins").unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("verify");
    g.sample_size(20);
    g.bench_function("root", |b| b.iter(|| repo.set()));
    g.bench_function("timestamp", |b| {
        b.iter_batched(
            || repo.set(),
            |mut s| {
                s.update_timestamp(&repo.timestamp).unwrap();
                s
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("snapshot_16385_meta", |b| {
        b.iter_batched(
            || repo.with_timestamp(),
            |mut s| {
                s.update_snapshot(&repo.snapshot, false).unwrap();
                s
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("targets_16384_bins_classic", |b| {
        b.iter_batched(
            || repo.with_snapshot(),
            |mut s| {
                s.update_targets(&repo.classic).unwrap();
                s
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("targets_succinct", |b| {
        b.iter_batched(
            || repo.with_snapshot(),
            |mut s| {
                s.update_targets(&repo.succinct).unwrap();
                s
            },
            BatchSize::LargeInput,
        )
    });
    let bin = bin_name(repo.bin_index);
    g.bench_function("bin_139_targets", |b| {
        b.iter_batched(
            || repo.with_targets(&repo.succinct),
            |mut s| {
                s.update_delegated_targets(&repo.bin, &bin, "targets")
                    .unwrap();
                s
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();

    let mut g = c.benchmark_group("lookup");
    g.bench_function("classic_16384_bins", |b| {
        b.iter(|| cd.roles_for_target(black_box(&repo.target)))
    });
    g.bench_function("succinct_16384_bins", |b| {
        b.iter(|| sd.roles_for_target(black_box(&repo.target)))
    });
    // What the updater does next with the name: find the role's keys in the delegations.
    g.bench_function("classic_role_keys_last_bin", |b| {
        let last = bin_name(BINS - 1);
        b.iter(|| cd.role_keys(black_box(&last)).is_some())
    });
    g.bench_function("succinct_role_keys", |b| {
        let last = bin_name(BINS - 1);
        b.iter(|| sd.role_keys(black_box(&last)).is_some())
    });
    g.finish();

    let mut g = c.benchmark_group("cold_refresh");
    g.sample_size(10);
    g.bench_function("classic_16384_bins", |b| {
        b.iter(|| repo.cold(&repo.classic))
    });
    g.bench_function("succinct_16384_bins", |b| {
        b.iter(|| repo.cold(&repo.succinct))
    });
    g.finish();
}

criterion_group!(client, benches);
criterion_main!(client);
