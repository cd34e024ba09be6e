//! Criterion benchmarks: Ed25519 sign / strict verify / batch verify, SHA-256 and BLAKE3 throughput.
//!
//! Run with `cargo bench -p lumen-crypto --bench crypto`. The batch group also measures
//! ed25519-dalek's randomized batch equation (not used by lumen-crypto, see `ed25519` module docs)
//! and a sequential strict loop, in the same run, so the ratios can be read off directly.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use lumen_crypto::ed25519::{
    BatchItem, Ed25519Signature, Ed25519SigningKey, Ed25519VerifyingKey, verify_batch,
};
use lumen_crypto::hash::{blake3, sha256};
use std::hint::black_box;

fn ed25519(c: &mut Criterion) {
    let key = Ed25519SigningKey::from_seed(&[7u8; 32]);
    let vk = key.verifying_key();
    let msg = [0x5au8; 256];
    let sig = key.sign(&msg);
    let mut g = c.benchmark_group("ed25519");
    g.throughput(Throughput::Elements(1));
    g.bench_function("sign_256B", |b| b.iter(|| key.sign(black_box(&msg))));
    g.bench_function("verify_strict_256B", |b| {
        b.iter(|| vk.verify(black_box(&msg), black_box(&sig)).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("ed25519_batch");
    for n in [64usize, 256] {
        let keys: Vec<Ed25519SigningKey> = (0..n)
            .map(|i| Ed25519SigningKey::from_seed(&[i as u8; 32]))
            .collect();
        let vks: Vec<Ed25519VerifyingKey> = keys.iter().map(|k| k.verifying_key()).collect();
        let msgs: Vec<Vec<u8>> = (0..n)
            .map(|i| format!("release {i}").into_bytes())
            .collect();
        let sigs: Vec<Ed25519Signature> = keys.iter().zip(&msgs).map(|(k, m)| k.sign(m)).collect();
        let items: Vec<BatchItem<'_>> = (0..n)
            .map(|i| BatchItem {
                key: &vks[i],
                message: &msgs[i],
                signature: &sigs[i],
            })
            .collect();
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(
            BenchmarkId::new("lumen_verify_batch", n),
            &items,
            |b, items| b.iter(|| assert!(verify_batch(black_box(items)).iter().all(Result::is_ok))),
        );
        g.bench_with_input(
            BenchmarkId::new("sequential_strict", n),
            &items,
            |b, items| {
                b.iter(|| {
                    assert!(
                        items
                            .iter()
                            .all(|it| it.key.verify(it.message, it.signature).is_ok())
                    )
                })
            },
        );
        let dalek_vks: Vec<ed25519_dalek::VerifyingKey> = vks
            .iter()
            .map(|k| ed25519_dalek::VerifyingKey::from_bytes(k.as_bytes()).unwrap())
            .collect();
        let dalek_sigs: Vec<ed25519_dalek::Signature> = sigs
            .iter()
            .map(|s| ed25519_dalek::Signature::from_bytes(&s.to_bytes()))
            .collect();
        let msg_refs: Vec<&[u8]> = msgs.iter().map(Vec::as_slice).collect();
        g.bench_function(BenchmarkId::new("dalek_batch_equation_reference", n), |b| {
            b.iter(|| {
                ed25519_dalek::verify_batch(black_box(&msg_refs), &dalek_sigs, &dalek_vks).unwrap()
            })
        });
    }
    g.finish();
}

fn hashes(c: &mut Criterion) {
    let mut g = c.benchmark_group("hash");
    for size in [1024usize, 64 * 1024, 1024 * 1024] {
        let data = vec![0xa5u8; size];
        g.throughput(Throughput::Bytes(size as u64));
        g.bench_with_input(BenchmarkId::new("sha256", size), &data, |b, d| {
            b.iter(|| sha256(black_box(d)))
        });
        g.bench_with_input(BenchmarkId::new("blake3", size), &data, |b, d| {
            b.iter(|| blake3(black_box(d)))
        });
    }
    g.finish();
}

criterion_group!(benches, ed25519, hashes);
criterion_main!(benches);
