//! Writes the committed seed corpora, `seeds/metadata` and `seeds/fnmatch`, from the fixed key and
//! metadata of `fixtures/mod.rs`: `cargo run --release --example gen_seeds` (in `fuzz/`).

#[path = "../fixtures/mod.rs"]
mod fixtures;

use fixtures::{FIX, Fixtures, Kind, Source, input, op};
use serde_json::{Value, json};
use std::path::Path;

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).expect("write seed");
}

fn main() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let meta = here.join("metadata");
    let fnm = here.join("fnmatch");
    std::fs::create_dir_all(&meta).expect("mkdir");
    std::fs::create_dir_all(&fnm).expect("mkdir");
    let f = &*FIX;
    let (raw, resigned, fixed, keep) = (
        Source::Raw,
        Source::Resigned,
        Source::Fixed,
        Source::ResignedKeep,
    );
    let role = |name: &str| {
        fixtures::ROLES
            .iter()
            .position(|r| *r == name)
            .expect("role")
    };
    let full_flow = [
        op(Kind::Timestamp, fixed, 0),
        op(Kind::SnapshotFetched, fixed, 0),
        op(Kind::Targets, fixed, 0),
        op(Kind::DelegatedByTargets, fixed, role("a")),
        op(Kind::DelegatedByA, fixed, role("c")),
        op(Kind::DelegatedByTargets, fixed, role("b")),
        op(Kind::CheckDelegation, fixed, role("a")),
    ];

    write(&meta, "01_root_v1", &input(0, &[], &[&f.root_v1]));
    write(&meta, "02_full_flow", &input(0, &full_flow, &[&f.root_v1]));
    let mut rotate = vec![op(Kind::Root, raw, 0)];
    rotate.extend_from_slice(&full_flow[..4]);
    write(&meta, "03_root_rotation", &input(0, &rotate, &[&f.root_v2]));
    write(
        &meta,
        "04_timestamp_v2",
        &input(
            1,
            &[
                op(Kind::Timestamp, fixed, 0),
                op(Kind::Timestamp, raw, 0),
                op(Kind::SnapshotFetched, fixed, 0),
            ],
            &[&f.timestamp_v2],
        ),
    );
    write(
        &meta,
        "05_snapshot_local",
        &input(
            2,
            &[
                op(Kind::Timestamp, fixed, 0),
                op(Kind::SnapshotLocal, raw, 0),
                op(Kind::Targets, fixed, 0),
            ],
            &[&f.snapshot],
        ),
    );
    write(
        &meta,
        "06_targets_classic",
        &input(
            3,
            &[
                op(Kind::Timestamp, fixed, 0),
                op(Kind::SnapshotFetched, fixed, 0),
                op(Kind::Targets, raw, 0),
                op(Kind::DelegatedByTargets, raw, role("a")),
                op(Kind::DelegatedByA, raw, role("c")),
                op(Kind::CheckDelegation, fixed, role("a")),
            ],
            &[&f.targets, &f.a, &f.c],
        ),
    );
    write(
        &meta,
        "07_targets_succinct",
        &input(
            3,
            &[
                op(Kind::Timestamp, fixed, 0),
                op(Kind::SnapshotFetched, fixed, 0),
                op(Kind::Targets, raw, 0),
                op(Kind::DelegatedByTargets, raw, role("bins-1")),
                op(Kind::DelegatedByTargets, raw, role("bins-2")),
            ],
            &[&f.targets_succinct, &f.bins_1],
        ),
    );
    // Unsigned metadata with unknown fields everywhere, re-signed by the harness.
    let unsigned_ts = json!({
        "signed": {
            "_type": "timestamp", "spec_version": "1.0", "version": 3,
            "expires": "2029-12-31T23:59:59Z", "x-extra": {"a": [1, -2, "q\"uote\\"]},
            "meta": {"snapshot.json": {"version": 1, "x-meta": 7}, "other.json": {"version": 9}},
        },
        "signatures": [{"keyid": "00", "sig": "00", "x-sig": true}],
        "x-top": "kept",
    });
    let unsigned_ts = serde_json::to_vec(&unsigned_ts).expect("json");
    write(
        &meta,
        "08_resigned_timestamp",
        &input(
            1,
            &[
                op(Kind::Timestamp, resigned, 0),
                op(Kind::Timestamp, keep, 0),
                op(Kind::SnapshotLocal, fixed, 0),
            ],
            &[&unsigned_ts],
        ),
    );
    // A forged signature (the fixed one, over other bytes) must not be accepted.
    let mut forged: Value = serde_json::from_slice(&f.timestamp_v2).expect("json");
    forged["signed"]["version"] = json!(7);
    let forged = serde_json::to_vec(&forged).expect("json");
    write(
        &meta,
        "09_forged_timestamp",
        &input(1, &[op(Kind::Timestamp, raw, 0)], &[&forged]),
    );
    // A targets file delegating with other keys (ecdsa PEM, rsa) and hash prefixes.
    let other = Fixtures::sign(
        &f.key,
        &f.keyid,
        json!({
            "_type": "targets", "spec_version": "1.0.34", "version": 1, "expires": "2030-01-01T00:00:00Z",
            "targets": {"a/b.tgz": {"length": 1, "hashes": {"sha256": "00", "sha512": "11"}, "custom": {"k": "v"}}},
            "delegations": {
                "keys": {
                    f.keyid.clone(): f.key_json,
                    "k2": {"keytype": "ecdsa", "scheme": "ecdsa-sha2-nistp256", "keyval": {"public": "04ab"}},
                    "k3": {"keytype": "hmac-sha256", "scheme": "hmac-sha256", "keyval": {"public": "ff"}},
                },
                "roles": [
                    {"name": "a", "keyids": [f.keyid, "k2"], "threshold": 2, "terminating": false, "paths": ["a/*", "[!x]*/?.tgz"]},
                    {"name": "b", "keyids": ["k3"], "threshold": 1, "terminating": true, "path_hash_prefixes": ["ab", "0"], "x-role": 1},
                ],
            },
        }),
    );
    write(
        &meta,
        "10_targets_other_keys",
        &input(
            3,
            &[
                op(Kind::Timestamp, fixed, 0),
                op(Kind::SnapshotFetched, fixed, 0),
                op(Kind::Targets, raw, 0),
                op(Kind::DelegatedByTargets, resigned, role("a")),
            ],
            &[&other, &f.a],
        ),
    );

    // JSON corner cases on the fixed root: duplicate members (refused as `DuplicateMember` on
    // both parse paths, also inside `signed`), escapes and non-BMP keys (canonical order is by
    // code point), control characters.
    let root = String::from_utf8(f.root_v1.clone()).expect("utf-8");
    for (name, from, to) in [
        (
            "11_dup_version",
            "\"version\": 1",
            "\"version\": 1, \"version\": 2",
        ),
        (
            "12_dup_unknown",
            "\"x-root-extension\"",
            "\"x-a\": 1, \"x-a\": {\"b\": [1, {\"c\": 1, \"c\": 2}]}, \"x-root-extension\"",
        ),
        (
            "13_escapes_and_order",
            "\"x-root-extension\"",
            "\"x-\\u00e9\\ud83d\\ude00\\n\\u0000\": \"\\t\\\"\\\\/\", \"\\uffff\": 1, \"\\ud800\\udc00\": 2, \"Z\": 3, \"x-root-extension\"",
        ),
    ] {
        let mutated = root.replacen(from, to, 1);
        assert_ne!(mutated, root, "{name}: nothing replaced");
        write(
            &meta,
            name,
            &input(0, &[op(Kind::Root, fixed, 0)], &[mutated.as_bytes()]),
        );
    }

    for (i, (p, n)) in [
        ("*.tgz", "a.tgz"),
        ("[a-c]x", "bx"),
        ("[!abc]?", "dz"),
        ("[]-a]*", "^^"),
        ("[a-c-e]", "-"),
        ("[z-a]", "m"),
        ("[!z-a]", "m"),
        ("[--0]", "."),
        ("[ab", "[ab"),
        ("a*b*c", "aXbYc"),
        ("files/*/[0-9]*.tar.gz", "files/x/1.tar.gz"),
        ("[\\]", "\\"),
        ("[!]]", "a"),
        ("[a-z-a]", "-"),
        // Quirk Q1 (CPython drops `z-a` first, then reads the `!` as negation); strict mode only.
        ("[z-a!x]", "m"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut b = p.as_bytes().to_vec();
        b.push(0);
        b.extend_from_slice(n.as_bytes());
        write(&fnm, &format!("{:02}", i + 1), &b);
    }
    println!("seeds written to {}", here.display());
}
