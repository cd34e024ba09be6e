//! Scratch probe: cost of parsing PEP 458-shaped metadata (not a benchmark of record).
use lumen_tuf::metadata::{Metadata, Snapshot, Targets};
use std::time::Instant;

fn main() {
    let kid = "a".repeat(64);
    let mut roles = Vec::new();
    for i in 0..16384 {
        roles.push(format!(
            r#"{{"keyids":["{kid}"],"name":"bins-{i:04x}","path_hash_prefixes":["{i:04x}"],"terminating":false,"threshold":1}}"#
        ));
    }
    let targets = format!(
        r#"{{"signatures":[{{"keyid":"{kid}","sig":"00"}}],"signed":{{"_type":"targets","delegations":{{"keys":{{"{kid}":{{"keytype":"ed25519","keyval":{{"public":"{kid}"}},"scheme":"ed25519"}}}},"roles":[{}]}},"expires":"2030-01-01T00:00:00Z","spec_version":"1.0.34","targets":{{}},"version":1}}}}"#,
        roles.join(",")
    );
    let mut meta = Vec::new();
    for i in 0..16384 {
        meta.push(format!(r#""bins-{i:04x}.json":{{"version":1}}"#));
    }
    let snapshot = format!(
        r#"{{"signatures":[{{"keyid":"{kid}","sig":"00"}}],"signed":{{"_type":"snapshot","expires":"2030-01-01T00:00:00Z","meta":{{{},"targets.json":{{"version":1}}}},"spec_version":"1.0.34","version":1}}}}"#,
        meta.join(",")
    );
    println!("targets {} B, snapshot {} B", targets.len(), snapshot.len());
    if std::env::args().nth(1).as_deref() == Some("snapshot") {
        let s = Metadata::<Snapshot>::from_bytes(snapshot.as_bytes(), "snapshot").unwrap();
        println!("{}", s.canonical_signed.len());
        return;
    }
    for _ in 0..3 {
        let t = Instant::now();
        let v: serde_json::Value = serde_json::from_slice(targets.as_bytes()).unwrap();
        let a = t.elapsed();
        let t = Instant::now();
        let c = lumen_tuf::canonical::encode(&v).unwrap();
        let b = t.elapsed();
        let t = Instant::now();
        let p = Metadata::<Targets>::from_bytes(targets.as_bytes(), "targets").unwrap();
        let d = t.elapsed();
        let t = Instant::now();
        let s = Metadata::<Snapshot>::from_bytes(snapshot.as_bytes(), "snapshot").unwrap();
        let e = t.elapsed();
        let t = Instant::now();
        let h = lumen_crypto::hash::sha512(&c);
        let f = t.elapsed();
        let t = Instant::now();
        let h2 = lumen_crypto::hash::sha256(targets.as_bytes());
        let g = t.elapsed();
        println!(
            "Value parse {a:?}, canonical {b:?}, targets from_bytes {d:?}, snapshot from_bytes {e:?}, sha512 {f:?}, sha256 {g:?} ({} {} {} {})",
            p.canonical_signed.len(), s.canonical_signed.len(), h[0], h2[0]
        );
    }
}
