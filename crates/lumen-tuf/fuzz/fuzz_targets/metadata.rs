//! TUF metadata parsing and the trusted metadata set never panic, and:
//!
//! 1. Round trip: whatever `Metadata::<T>::from_bytes` accepts re-serialises exactly. The typed
//!    view's canonical `signed` equals the canonical bytes of `signed` as received (unknown fields
//!    preserved); `to_bytes()` is the same JSON value as the input and parses again to an equal
//!    `Metadata` with the same canonical bytes; canonical encoding is idempotent (canonical output,
//!    parsed and encoded again, is unchanged), and canonical output fails to parse as JSON only
//!    when a string holds a control character (written raw, as OLPC canonical JSON does).
//!    Both parse paths (one thread, or two for large files: see
//!    `Metadata::parse_and_verify_with`) give the same result for every input, with and without
//!    a signature check, and that check passes exactly when the fixed key signed the canonical
//!    bytes of `signed`. (The trust sequence below parses its small inputs on one thread; the
//!    two-thread path is held to it by this comparison, made on every input fed to it.)
//! 2. Trust: starting from a fixed root signed by a fixed Ed25519 key, a fuzz-chosen sequence of
//!    `update_root` / `update_timestamp` / `update_snapshot` / `update_targets` /
//!    `update_delegated_targets` / `check_delegation` calls never makes the set trust metadata
//!    that the fixed key did not sign, as long as the keys its delegator lists are the fixed key
//!    only (the harness can re-sign fuzz input with the fixed key, so a fuzz-made root or targets
//!    may legitimately delegate to other keys; from then on that branch is not checked). Whatever
//!    becomes trusted is exactly the metadata fed in that call; nothing else changes.
//!
//! 3. Duplicate member names: a file that is JSON and has an object with two members of the
//!    same name (after unescaping; checked independently here) is refused with
//!    `DuplicateMember` on both paths, and no other file is.
//!
//! Input layout: see `fixtures/mod.rs`.
#![no_main]

#[path = "../fixtures/mod.rs"]
mod fixtures;

use fixtures::{FIX, Kind, NOW, ROLES, SEP, Source};
use libfuzzer_sys::fuzz_target;
use lumen_crypto::ed25519::Ed25519Signature;
use lumen_crypto::encoding::{hex_decode, hex_encode};
use lumen_tuf::TrustedMetadataSet;
use lumen_tuf::canonical;
use lumen_tuf::keys::DangerousHmacSecrets;
use lumen_tuf::metadata::{
    DelegatedRoles, Key, Metadata, Parsed, Root, Signature, Signed, Snapshot, Targets, Timestamp,
};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;
use std::sync::LazyLock;

/// With `LUMEN_TUF_FUZZ_TRACE` set, every acceptance is printed to stderr (`ACCEPT role strict`),
/// to see which trust paths a corpus reaches (`-runs=0` over the corpus).
static TRACE: LazyLock<bool> = LazyLock::new(|| std::env::var_os("LUMEN_TUF_FUZZ_TRACE").is_some());

fn has_control(v: &Value) -> bool {
    let ctl = |s: &str| s.chars().any(|c| c < '\u{20}');
    match v {
        Value::String(s) => ctl(s),
        Value::Array(a) => a.iter().any(has_control),
        Value::Object(m) => m.iter().any(|(k, v)| ctl(k) || has_control(v)),
        _ => false,
    }
}

fn reparse<T: Signed + PartialEq + Debug>(parsed: &Parsed<T>, bytes: &[u8], how: &str) {
    let again = match Metadata::<T>::from_bytes(bytes, "fuzz") {
        Ok(a) => a,
        Err(e) => panic!(
            "{how} output does not parse: {e}\n{}",
            String::from_utf8_lossy(bytes)
        ),
    };
    same_parse(&again, parsed, &format!("{how}, parsed again"));
}

/// Two parses of the same metadata agree: equal metadata and canonical bytes.
fn same_parse<T: PartialEq + Debug>(a: &Parsed<T>, b: &Parsed<T>, what: &str) {
    assert_eq!(a.metadata, b.metadata, "{what}: the metadata differs");
    assert_eq!(
        a.canonical_signed, b.canonical_signed,
        "{what}: the canonical bytes differ"
    );
}

/// Whether some object of the JSON text `bytes` has two members of the same name (compared
/// after unescaping), found independently of lumen-tuf's parser; `None` if it is not JSON.
fn has_duplicate(bytes: &[u8]) -> Option<bool> {
    use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
    struct Dup(bool);
    struct V;
    impl<'de> Deserialize<'de> for Dup {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Dup, D::Error> {
            d.deserialize_any(V)
        }
    }
    impl<'de> Visitor<'de> for V {
        type Value = Dup;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_bool<E>(self, _: bool) -> Result<Dup, E> {
            Ok(Dup(false))
        }
        fn visit_i64<E>(self, _: i64) -> Result<Dup, E> {
            Ok(Dup(false))
        }
        fn visit_u64<E>(self, _: u64) -> Result<Dup, E> {
            Ok(Dup(false))
        }
        fn visit_f64<E>(self, _: f64) -> Result<Dup, E> {
            Ok(Dup(false))
        }
        fn visit_str<E>(self, _: &str) -> Result<Dup, E> {
            Ok(Dup(false))
        }
        fn visit_unit<E>(self) -> Result<Dup, E> {
            Ok(Dup(false))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Dup, A::Error> {
            let mut dup = false;
            while let Some(Dup(d)) = seq.next_element()? {
                dup |= d;
            }
            Ok(Dup(dup))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Dup, A::Error> {
            let mut seen = std::collections::HashSet::new();
            let mut dup = false;
            while let Some(k) = map.next_key::<String>()? {
                dup |= !seen.insert(k);
                dup |= map.next_value::<Dup>()?.0;
            }
            Ok(Dup(dup))
        }
    }
    serde_json::from_slice::<Dup>(bytes).ok().map(|d| d.0)
}

/// `bytes` parsed as `T` on the one-thread (`usize::MAX`) or the two-thread (`0`) path, with
/// its signatures checked by `verify`.
fn parse_with<T: Signed>(
    bytes: &[u8],
    parallel_min: usize,
    verify: impl Fn(&[u8], &[Signature]) -> lumen_tuf::Result<()> + Sync,
) -> lumen_tuf::Result<Parsed<T>> {
    Metadata::<T>::parse_and_verify_with(bytes, "fuzz", parallel_min, verify).map(
        |(metadata, canonical)| Parsed {
            metadata,
            canonical_signed: canonical.into_owned(),
        },
    )
}

/// Both parse paths gave the same result: equal metadata and canonical bytes, or errors of the
/// same variant.
fn same_result<T: PartialEq + Debug>(
    one: &lumen_tuf::Result<Parsed<T>>,
    two: &lumen_tuf::Result<Parsed<T>>,
    what: &str,
) {
    match (one, two) {
        (Ok(a), Ok(b)) => same_parse(a, b, &format!("{what}, one thread and two")),
        (Err(a), Err(b)) => assert_eq!(
            std::mem::discriminant(a),
            std::mem::discriminant(b),
            "{what}: {a} / {b}"
        ),
        _ => panic!(
            "{what}: one path accepts, the other does not: {:?} / {:?}",
            one.as_ref().err(),
            two.as_ref().err()
        ),
    }
}

/// The check a verifier makes in the harness: a valid signature of the fixed key.
fn fixed_key_verifier(canonical: &[u8], signatures: &[Signature]) -> lumen_tuf::Result<()> {
    if signed_by_fixed_key(signatures, canonical) {
        Ok(())
    } else {
        Err(lumen_tuf::TufError::ThresholdNotMet {
            role: "fuzz".into(),
            threshold: 1,
            valid: 0,
        })
    }
}

/// Parses `bytes` as `T` on the one-thread and the two-thread path (which parse differently:
/// raw `signed` then its tree, or the whole file in one pass while another thread finds the raw
/// text and checks the signatures over it) and checks both give the same result, without and
/// with a signature check; that the signature check passes exactly when the fixed key signed
/// the canonical bytes of `signed`; then the round-trip invariants.
fn roundtrip<T: Signed + PartialEq + Debug>(bytes: &[u8]) -> Option<Parsed<T>> {
    let one = parse_with::<T>(bytes, usize::MAX, |_, _| Ok(()));
    let two = parse_with::<T>(bytes, 0, |_, _| Ok(()));
    same_result(&one, &two, "unchecked");
    if let Ok(parsed) = &one {
        let signed = signed_by_fixed_key(&parsed.metadata.signatures, &parsed.canonical_signed);
        let one_checked = parse_with::<T>(bytes, usize::MAX, fixed_key_verifier);
        let two_checked = parse_with::<T>(bytes, 0, fixed_key_verifier);
        same_result(&one_checked, &two_checked, "checked");
        assert_eq!(
            one_checked.is_ok(),
            signed,
            "the signature check is not over the canonical bytes of `signed`"
        );
    }
    // Duplicate member names: JSON with one is refused as exactly that (a syntax error comes
    // first, and shape errors after), and nothing else is.
    let refused_as_duplicate = matches!(one, Err(lumen_tuf::TufError::DuplicateMember { .. }));
    match has_duplicate(bytes) {
        Some(dup) => assert_eq!(
            dup,
            refused_as_duplicate,
            "duplicate members: {:?}",
            one.as_ref().err()
        ),
        None => assert!(!refused_as_duplicate, "not JSON, yet a duplicate member"),
    }
    let parsed = one.ok()?;
    let typed = parsed
        .metadata
        .canonical_signed()
        .expect("the typed view of parsed metadata is canonicalizable");
    assert_eq!(
        String::from_utf8_lossy(&typed),
        String::from_utf8_lossy(&parsed.canonical_signed),
        "typed re-serialisation of `signed` differs from `signed` as received"
    );
    let out = parsed.metadata.to_bytes();
    reparse(&parsed, &out, "to_bytes()");
    let original: Value = serde_json::from_slice(bytes).expect("parsed once already");
    let written: Value = serde_json::from_slice(&out).expect("parsed by reparse");
    assert_eq!(
        written, original,
        "to_bytes() is not the JSON value that was parsed"
    );
    match serde_json::from_slice::<Value>(&parsed.canonical_signed) {
        Ok(v) => {
            let re = canonical::encode(&v).expect("canonical output re-encodes");
            assert_eq!(
                re, parsed.canonical_signed,
                "canonical encoding is not idempotent"
            );
        }
        Err(e) => assert!(
            original.get("signed").is_some_and(has_control),
            "canonical `signed` does not parse as JSON ({e}) without a control character in it"
        ),
    }
    Some(parsed)
}

fn signed_by_fixed_key(signatures: &[Signature], canonical: &[u8]) -> bool {
    signatures.iter().any(|s| {
        hex_decode(&s.sig)
            .ok()
            .and_then(|raw| Ed25519Signature::from_bytes(&raw).ok())
            .is_some_and(|sig| FIX.verifying.verify(canonical, &sig).is_ok())
    })
}

/// Whether `key` is the fixed key (any other key, supported or not, makes the check lenient).
fn is_fixed_key(key: &Key) -> bool {
    key.keytype == "ed25519"
        && key.scheme == "ed25519"
        && key.public().is_some_and(|p| {
            lumen_crypto::ed25519::Ed25519VerifyingKey::from_hex(p)
                .is_ok_and(|k| k.as_bytes() == FIX.verifying.as_bytes())
        })
}

fn only_fixed_keys(keys: &BTreeMap<String, Key>) -> bool {
    keys.values().all(is_fixed_key)
}

/// The chunk's `signed` re-signed by the fixed key; `None` if it has no `signed` object.
fn resign(chunk: &[u8], keep: bool) -> Option<Vec<u8>> {
    let Value::Object(mut top) = serde_json::from_slice(chunk).ok()? else {
        return None;
    };
    let canon = canonical::encode(top.get("signed")?).ok()?;
    let sig = hex_encode(&FIX.key.sign(&canon).to_bytes());
    let mut sigs = vec![json!({"keyid": FIX.keyid, "sig": sig})];
    if keep && let Some(Value::Array(old)) = top.get("signatures") {
        sigs.extend(old.iter().cloned());
    }
    top.insert("signatures".into(), Value::Array(sigs));
    serde_json::to_vec(&Value::Object(top)).ok()
}

/// What the harness believes the set trusts, to detect every change.
struct Seen {
    root: Metadata<Root>,
    timestamp: Option<Metadata<Timestamp>>,
    snapshot: Option<Metadata<Snapshot>>,
    targets: HashMap<String, Metadata<Targets>>,
}

impl Seen {
    fn of(set: &TrustedMetadataSet) -> Self {
        let mut targets = HashMap::new();
        for name in ROLES {
            if let Some(t) = set.targets(name) {
                targets.insert(name.to_owned(), t.metadata().clone());
            }
        }
        Self {
            root: set.root().metadata().clone(),
            timestamp: set.timestamp().map(|t| t.metadata().clone()),
            snapshot: set.snapshot().map(|t| t.metadata().clone()),
            targets,
        }
    }
}

/// The bytes fed in one call, parsed by the harness.
enum Fed {
    Root(Option<Parsed<Root>>),
    Timestamp(Option<Parsed<Timestamp>>),
    Snapshot(Option<Parsed<Snapshot>>),
    Targets(String, String, Option<Parsed<Targets>>),
    Nothing,
}

/// A trusted item changed: it must be what was fed, and (unless the keys it is checked against
/// include others than the fixed key) signed by the fixed key.
fn accepted<T: PartialEq + Debug>(
    what: &str,
    now: &Metadata<T>,
    fed: Option<&Parsed<T>>,
    strict_keys: bool,
) {
    let fed = fed.unwrap_or_else(|| panic!("{what} changed although no {what} was fed"));
    if *TRACE {
        eprintln!("ACCEPT {what} strict={strict_keys}");
    }
    assert_eq!(
        now, &fed.metadata,
        "{what}: trusted metadata is not what was fed"
    );
    if strict_keys {
        assert!(
            signed_by_fixed_key(&fed.metadata.signatures, &fed.canonical_signed),
            "{what} accepted without a valid signature of the fixed key"
        );
    }
}

fn check(set: &TrustedMetadataSet, seen: &mut Seen, fed: &Fed) {
    let now = Seen::of(set);
    let root_strict = only_fixed_keys(&seen.root.signed.keys);
    if now.root != seen.root {
        let Fed::Root(p) = fed else {
            panic!("root changed in a non-root call")
        };
        accepted("root", &now.root, p.as_ref(), root_strict);
    }
    if now.timestamp != seen.timestamp {
        let (Fed::Timestamp(p), Some(t)) = (fed, &now.timestamp) else {
            panic!("timestamp changed in another call, or vanished")
        };
        accepted("timestamp", t, p.as_ref(), root_strict);
    }
    if now.snapshot != seen.snapshot {
        let (Fed::Snapshot(p), Some(s)) = (fed, &now.snapshot) else {
            panic!("snapshot changed in another call, or vanished")
        };
        accepted("snapshot", s, p.as_ref(), root_strict);
    }
    for name in ROLES {
        let (before, after) = (seen.targets.get(name), now.targets.get(name));
        if before == after {
            continue;
        }
        let (Fed::Targets(role, delegator, p), Some(t)) = (fed, after) else {
            panic!("targets role {name} changed in another call, or vanished")
        };
        assert_eq!(role, name, "a role other than the one fed changed");
        let strict = if delegator == "root" {
            root_strict
        } else {
            let d = seen.targets.get(delegator.as_str()).unwrap_or_else(|| {
                panic!("{name} accepted although its delegator {delegator} is not trusted")
            });
            let delegations = d.signed.delegations.as_ref().unwrap_or_else(|| {
                panic!("{name} accepted although {delegator} delegates nothing")
            });
            if let DelegatedRoles::Succinct(s) = &delegations.roles {
                assert!(
                    s.is_bin(name),
                    "{name} accepted but is not a bin of {delegator}"
                );
            }
            only_fixed_keys(&delegations.keys)
        };
        accepted(name, t, p.as_ref(), strict);
    }
    *seen = now;
}

fn run_ops(ops: &[u8], chunks: &[&[u8]]) {
    if ops.is_empty() {
        return;
    }
    let mut set = TrustedMetadataSet::new(&FIX.root_v1, NOW, DangerousHmacSecrets::none())
        .expect("the fixed root is trusted");
    let mut seen = Seen::of(&set);
    let mut next = 0usize;
    for &op in ops {
        let kind = Kind::of(op);
        let role = ROLES[usize::from(op >> 5)];
        let owned: Vec<u8>;
        let bytes: &[u8] = if kind == Kind::CheckDelegation {
            &[]
        } else {
            let chunk = chunks[next % chunks.len()];
            match Source::of(op) {
                Source::Raw => {
                    next += 1;
                    chunk
                }
                Source::Fixed => FIX.fixed_for(kind, role).unwrap_or(chunk),
                s @ (Source::Resigned | Source::ResignedKeep) => {
                    next += 1;
                    match resign(chunk, s == Source::ResignedKeep) {
                        Some(b) => {
                            owned = b;
                            &owned
                        }
                        None => chunk,
                    }
                }
            }
        };
        let fed = match kind {
            Kind::Root => {
                let p = roundtrip::<Root>(bytes);
                let _ = set.update_root(bytes);
                Fed::Root(p)
            }
            Kind::Timestamp => {
                let p = roundtrip::<Timestamp>(bytes);
                let _ = set.update_timestamp(bytes);
                Fed::Timestamp(p)
            }
            Kind::SnapshotFetched | Kind::SnapshotLocal => {
                let p = roundtrip::<Snapshot>(bytes);
                let _ = set.update_snapshot(bytes, kind == Kind::SnapshotLocal);
                Fed::Snapshot(p)
            }
            Kind::Targets => {
                let p = roundtrip::<Targets>(bytes);
                let _ = set.update_targets(bytes);
                Fed::Targets("targets".into(), "root".into(), p)
            }
            Kind::DelegatedByTargets | Kind::DelegatedByA => {
                let delegator = if kind == Kind::DelegatedByA {
                    "a"
                } else {
                    "targets"
                };
                let p = roundtrip::<Targets>(bytes);
                let _ = set.update_delegated_targets(bytes, role, delegator);
                Fed::Targets(role.into(), delegator.into(), p)
            }
            Kind::CheckDelegation => {
                let _ = set.check_delegation(role, "targets");
                Fed::Nothing
            }
        };
        check(&set, &mut seen, &fed);
    }
}

fn split_chunks(payload: &[u8]) -> Vec<&[u8]> {
    let mut chunks = Vec::new();
    let mut rest = payload;
    while let Some(i) = rest.windows(SEP.len()).position(|w| w == SEP) {
        chunks.push(&rest[..i]);
        rest = &rest[i + SEP.len()..];
    }
    chunks.push(rest);
    chunks
}

fuzz_target!(|data: &[u8]| {
    let selector = data.first().copied().unwrap_or(0);
    let n = usize::from(data.get(1).copied().unwrap_or(0) % 9);
    let ops_end = (2 + n).min(data.len());
    let ops = data.get(2..ops_end).unwrap_or(&[]);
    let payload = data.get(ops_end..).unwrap_or(&[]);
    let chunks = split_chunks(payload);
    match selector & 3 {
        0 => drop(roundtrip::<Root>(chunks[0])),
        1 => drop(roundtrip::<Timestamp>(chunks[0])),
        2 => drop(roundtrip::<Snapshot>(chunks[0])),
        _ => drop(roundtrip::<Targets>(chunks[0])),
    }
    run_ops(ops, &chunks);
});
