//! Duplicate JSON member names are refused (issue 21, item 6): one policy for every JSON input.
//! A metadata file with two members of the same name in any object (compared after unescaping)
//! is [`TufError::DuplicateMember`] on both parse paths, in the client (trusted set and
//! updater) and in the editor, whatever object it is in and whatever the two values are.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod editor_keys;

use editor_keys::{now, signer};
use lumen_tuf::editor::{DelegationSpec, InitOptions, Keyring, Repository, target_file};
use lumen_tuf::fetch::DirFetcher;
use lumen_tuf::keys::DangerousHmacSecrets;
use lumen_tuf::metadata::{Metadata, PathScope, Root, Signed, Snapshot, Targets, Timestamp};
use lumen_tuf::store::DirStore;
use lumen_tuf::{TrustedMetadataSet, TufError, Updater, UpdaterConfig};
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

/// A small repository written by the editor: root, timestamp, snapshot, a top-level targets
/// with a custom target and classic delegations (paths and hash prefixes), and a delegated role
/// with succinct bins.
struct Sample {
    _dir: tempfile::TempDir,
    repo: PathBuf,
    root: Vec<u8>,
    timestamp: Vec<u8>,
    snapshot: Vec<u8>,
    targets: Vec<u8>,
    delegated: Vec<u8>,
}

static SAMPLE: LazyLock<Sample> = LazyLock::new(|| {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let keys = Keyring::new().with(signer(1)).with(signer(2));
    let t = now();
    let mut r = Repository::create(
        &repo,
        &InitOptions::single_key(signer(1).public_key().clone()),
        &keys,
        t,
    )
    .unwrap();
    r.delegate(
        "targets",
        DelegationSpec {
            name: "dele".into(),
            keys: vec![signer(2).public_key().clone()],
            threshold: 1,
            terminating: true,
            scope: PathScope::Paths(vec!["d/*".into()]),
        },
    )
    .unwrap();
    r.delegate_hash_bins(
        "targets",
        "bins",
        2,
        vec![signer(2).public_key().clone()],
        1,
    )
    .unwrap();
    r.delegate_succinct("dele", "sbin", 1, vec![signer(2).public_key().clone()], 1)
        .unwrap();
    let mut f = target_file(3, "ab".repeat(32), "cd".repeat(64));
    f.unknown
        .insert("custom".into(), json!({"owner": "me", "tags": ["a", "b"]}));
    r.edit_targets("targets", |tg| {
        tg.targets.insert("top.txt".into(), f);
        Ok(())
    })
    .unwrap();
    r.commit(&keys, t).unwrap();
    drop(r);
    let md = repo.join("metadata");
    let read = |name: &str| std::fs::read(md.join(name)).unwrap();
    let timestamp = read("timestamp.json");
    let ts: Value = serde_json::from_slice(&timestamp).unwrap();
    let sv = &ts["signed"]["meta"]["snapshot.json"]["version"];
    let snapshot = read(&format!("{sv}.snapshot.json"));
    let snap: Value = serde_json::from_slice(&snapshot).unwrap();
    let version = |role: &str| snap["signed"]["meta"][format!("{role}.json")]["version"].clone();
    Sample {
        root: read("1.root.json"),
        targets: read(&format!("{}.targets.json", version("targets"))),
        delegated: read(&format!("{}.dele.json", version("dele"))),
        timestamp,
        snapshot,
        repo,
        _dir: dir,
    }
});

/// A JSON string literal for `name` with every UTF-16 unit escaped (`"\u0061"` for `"a"`).
fn escaped(name: &str) -> String {
    let mut out = String::from("\"");
    for u in name.encode_utf16() {
        write!(out, "\\u{u:04x}").unwrap();
    }
    out.push('"');
    out
}

fn pointer_token(k: &str) -> String {
    k.replace('~', "~0").replace('/', "~1")
}

/// The JSON pointers of every object in `v`, in pre-order.
fn objects(v: &Value, at: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            out.push(at.to_owned());
            for (k, x) in m {
                objects(x, &format!("{at}/{}", pointer_token(k)), out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                objects(x, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// What to add to one object.
#[derive(Debug, Clone)]
struct Inject {
    /// The object, as a JSON pointer.
    at: String,
    /// The repeated name: a member of the object (or, if it has none, `"x"`, added twice).
    name: String,
    /// Spell the added copy with `\u` escapes.
    escape: bool,
    /// Where among the members the copy goes.
    position: usize,
    /// The copy's value: `None` for the same value as the original.
    value: Option<Value>,
    /// Whitespace after `:` and `,` (text that is not canonical as received).
    pretty: bool,
}

/// `v` written as JSON with the duplicate of `inj` added.
fn write(v: &Value, at: &str, inj: &Inject, out: &mut String) {
    let (colon, comma) = if inj.pretty { (": ", ", ") } else { (":", ",") };
    match v {
        Value::Object(m) => {
            let mut members: Vec<(String, String)> = m
                .iter()
                .map(|(k, x)| {
                    let mut s = String::new();
                    write(x, &format!("{at}/{}", pointer_token(k)), inj, &mut s);
                    (serde_json::to_string(k).unwrap(), s)
                })
                .collect();
            if at == inj.at {
                let value = match (&inj.value, m.get(&inj.name)) {
                    (Some(x), _) => serde_json::to_string(x).unwrap(),
                    (None, Some(orig)) => serde_json::to_string(orig).unwrap(),
                    (None, None) => "0".to_owned(),
                };
                let name = if inj.escape {
                    escaped(&inj.name)
                } else {
                    serde_json::to_string(&inj.name).unwrap()
                };
                if !m.contains_key(&inj.name) {
                    members.insert(0, (serde_json::to_string(&inj.name).unwrap(), "0".into()));
                }
                let pos = inj.position % (members.len() + 1);
                members.insert(pos, (name, value));
            }
            out.push('{');
            for (i, (k, x)) in members.iter().enumerate() {
                if i > 0 {
                    out.push_str(comma);
                }
                out.push_str(k);
                out.push_str(colon);
                out.push_str(x);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(comma);
                }
                write(x, &format!("{at}/{i}"), inj, out);
            }
            out.push(']');
        }
        other => out.push_str(&serde_json::to_string(other).unwrap()),
    }
}

fn inject(bytes: &[u8], inj: &Inject) -> Vec<u8> {
    let v: Value = serde_json::from_slice(bytes).unwrap();
    let mut out = String::new();
    write(&v, "", inj, &mut out);
    out.into_bytes()
}

fn dup(at: &str, name: &str) -> Inject {
    Inject {
        at: at.into(),
        name: name.into(),
        escape: false,
        position: usize::MAX,
        value: Some(json!("other")),
        pretty: false,
    }
}

/// Parses `bytes` as `T` on the one-thread and the two-thread path; both must refuse it with
/// `DuplicateMember` naming `name`.
fn refused_on_both_paths<T: Signed + std::fmt::Debug>(bytes: &[u8], name: &str) {
    for threshold in [usize::MAX, 0] {
        match Metadata::<T>::parse_and_verify_with(bytes, "dup", threshold, |_, _| Ok(())) {
            Err(TufError::DuplicateMember { role, name: n }) => {
                assert_eq!((role.as_str(), n.as_str()), ("dup", name));
            }
            other => panic!(
                "threshold {threshold}: {:?}\n{}",
                other.map(|(metadata, _)| metadata),
                String::from_utf8_lossy(bytes)
            ),
        }
    }
}

#[test]
fn the_untouched_samples_parse() {
    let s = &*SAMPLE;
    Metadata::<Root>::from_bytes(&s.root, "root").unwrap();
    Metadata::<Timestamp>::from_bytes(&s.timestamp, "timestamp").unwrap();
    Metadata::<Snapshot>::from_bytes(&s.snapshot, "snapshot").unwrap();
    let t = Metadata::<Targets>::from_bytes(&s.targets, "targets").unwrap();
    assert!(t.metadata.signed.targets["top.txt"].custom().is_some());
    let d = Metadata::<Targets>::from_bytes(&s.delegated, "dele").unwrap();
    assert!(d.metadata.signed.delegations.is_some());
}

#[test]
fn duplicates_at_the_top_level_and_in_signatures() {
    let s = &*SAMPLE;
    refused_on_both_paths::<Root>(&inject(&s.root, &dup("", "signed")), "signed");
    refused_on_both_paths::<Root>(&inject(&s.root, &dup("", "signatures")), "signatures");
    // An unknown top-level member, twice.
    refused_on_both_paths::<Root>(&inject(&s.root, &dup("", "x-extra")), "x-extra");
    refused_on_both_paths::<Root>(&inject(&s.root, &dup("/signatures/0", "sig")), "sig");
    refused_on_both_paths::<Root>(&inject(&s.root, &dup("/signatures/0", "keyid")), "keyid");
    // `signed` spelled with escapes.
    let mut e = dup("", "signed");
    e.escape = true;
    e.value = None;
    refused_on_both_paths::<Root>(&inject(&s.root, &e), "signed");
}

#[test]
fn duplicates_in_signed_roles_and_keys() {
    let s = &*SAMPLE;
    let root: Value = serde_json::from_slice(&s.root).unwrap();
    let keyid = root["signed"]["keys"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    for (at, name) in [
        ("/signed", "version"),
        ("/signed", "_type"),
        ("/signed", "expires"),
        ("/signed/roles", "root"),
        ("/signed/roles/timestamp", "threshold"),
        ("/signed/roles/snapshot", "keyids"),
        ("/signed/keys", keyid.as_str()),
        (&format!("/signed/keys/{keyid}"), "keytype"),
        (&format!("/signed/keys/{keyid}/keyval"), "public"),
    ] {
        refused_on_both_paths::<Root>(&inject(&s.root, &dup(at, name)), name);
    }
    refused_on_both_paths::<Timestamp>(
        &inject(&s.timestamp, &dup("/signed/meta", "snapshot.json")),
        "snapshot.json",
    );
    refused_on_both_paths::<Timestamp>(
        &inject(
            &s.timestamp,
            &dup("/signed/meta/snapshot.json/hashes", "sha256"),
        ),
        "sha256",
    );
    refused_on_both_paths::<Snapshot>(
        &inject(&s.snapshot, &dup("/signed/meta", "targets.json")),
        "targets.json",
    );
    refused_on_both_paths::<Snapshot>(
        &inject(&s.snapshot, &dup("/signed/meta/dele.json", "version")),
        "version",
    );
}

#[test]
fn duplicates_in_targets_delegations_and_custom() {
    let s = &*SAMPLE;
    let t: Value = serde_json::from_slice(&s.targets).unwrap();
    let keyid = t["signed"]["delegations"]["keys"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    for (at, name) in [
        ("/signed/targets", "top.txt"),
        ("/signed/targets/top.txt", "length"),
        ("/signed/targets/top.txt/hashes", "sha256"),
        ("/signed/targets/top.txt/custom", "owner"),
        ("/signed/delegations", "roles"),
        ("/signed/delegations", "keys"),
        ("/signed/delegations/keys", keyid.as_str()),
        ("/signed/delegations/roles/0", "name"),
        ("/signed/delegations/roles/0", "paths"),
        ("/signed/delegations/roles/1", "path_hash_prefixes"),
        ("/signed/delegations/roles/2", "terminating"),
    ] {
        refused_on_both_paths::<Targets>(&inject(&s.targets, &dup(at, name)), name);
    }
    for (at, name) in [
        ("/signed/delegations/succinct_roles", "bit_length"),
        ("/signed/delegations/succinct_roles", "name_prefix"),
        ("/signed/delegations", "succinct_roles"),
    ] {
        refused_on_both_paths::<Targets>(&inject(&s.delegated, &dup(at, name)), name);
    }
}

#[test]
fn escaped_names_are_the_same_names() {
    let s = &*SAMPLE;
    for (at, name) in [
        ("/signed", "version"),
        ("/signed/targets/top.txt/custom", "owner"),
        ("/signed/targets", "top.txt"),
    ] {
        for value in [None, Some(json!(7))] {
            for position in [0, usize::MAX] {
                let inj = Inject {
                    at: at.into(),
                    name: name.into(),
                    escape: true,
                    position,
                    value: value.clone(),
                    pretty: false,
                };
                refused_on_both_paths::<Targets>(&inject(&s.targets, &inj), name);
            }
        }
    }
    // Names outside ASCII and the BMP (UTF-16 surrogate pairs when escaped).
    let mut t: Value = serde_json::from_slice(&s.targets).unwrap();
    t["signed"]["x-é😀"] = json!(1);
    let bytes = serde_json::to_vec(&t).unwrap();
    let mut inj = dup("/signed", "x-é😀");
    inj.escape = true;
    refused_on_both_paths::<Targets>(&inject(&bytes, &inj), "x-é😀");
}

#[test]
fn the_client_refuses_duplicates() {
    let s = &*SAMPLE;
    let none = DangerousHmacSecrets::none;
    let t = now();
    assert!(matches!(
        TrustedMetadataSet::new(&inject(&s.root, &dup("/signed", "version")), t, none()),
        Err(TufError::DuplicateMember { name, .. }) if name == "version"
    ));
    let mut set = TrustedMetadataSet::new(&s.root, t, none()).unwrap();
    assert!(matches!(
        set.update_timestamp(&inject(&s.timestamp, &dup("/signed", "expires"))),
        Err(TufError::DuplicateMember { name, .. }) if name == "expires"
    ));
    set.update_timestamp(&s.timestamp).unwrap();
    // As read back from the local cache (no hashes to compare first).
    assert!(matches!(
        set.update_snapshot(&inject(&s.snapshot, &dup("/signed/meta", "targets.json")), true),
        Err(TufError::DuplicateMember { name, .. }) if name == "targets.json"
    ));
    set.update_snapshot(&s.snapshot, false).unwrap();
    assert!(matches!(
        set.update_targets(&inject(&s.targets, &dup("/signed/targets", "top.txt"))),
        Err(TufError::DuplicateMember { name, .. }) if name == "top.txt"
    ));
    set.update_targets(&s.targets).unwrap();
    assert!(matches!(
        set.update_delegated_targets(
            &inject(&s.delegated, &dup("/signed/delegations", "keys")),
            "dele",
            "targets"
        ),
        Err(TufError::DuplicateMember { name, .. }) if name == "keys"
    ));
    set.update_delegated_targets(&s.delegated, "dele", "targets")
        .unwrap();
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
}

#[test]
fn the_updater_refuses_a_served_duplicate() {
    let s = &*SAMPLE;
    let tmp = tempfile::tempdir().unwrap();
    let served = tmp.path().join("metadata");
    copy_dir(&s.repo.join("metadata"), &served);
    std::fs::write(
        served.join("timestamp.json"),
        inject(&s.timestamp, &dup("/signatures/0", "sig")),
    )
    .unwrap();
    let store = tmp.path().join("store");
    std::fs::create_dir_all(&store).unwrap();
    let mut u = Updater::bootstrap(
        DirStore::new(&store).unwrap(),
        DirFetcher::new(&served),
        UpdaterConfig::default(),
        &s.root,
    )
    .unwrap();
    assert!(matches!(
        u.refresh(),
        Err(TufError::DuplicateMember { name, .. }) if name == "sig"
    ));
    assert!(
        !store.join("timestamp.json").exists(),
        "nothing refused is persisted"
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// A duplicate member injected into any object of valid metadata (any role, any object,
    /// either spelling, any position, the same or another value, canonical or not) is
    /// `DuplicateMember` naming it, on both parse paths.
    #[test]
    fn a_duplicate_anywhere_is_refused(
        which in 0usize..5,
        object in proptest::prelude::any::<proptest::sample::Index>(),
        member in proptest::prelude::any::<proptest::sample::Index>(),
        escape in proptest::prelude::any::<bool>(),
        position in proptest::prelude::any::<usize>(),
        same in proptest::prelude::any::<bool>(),
        pretty in proptest::prelude::any::<bool>(),
    ) {
        let s = &*SAMPLE;
        let bytes = [&s.root, &s.timestamp, &s.snapshot, &s.targets, &s.delegated][which];
        let v: Value = serde_json::from_slice(bytes).unwrap();
        let mut all = Vec::new();
        objects(&v, "", &mut all);
        let at = object.get(&all).clone();
        let target = if at.is_empty() { &v } else { v.pointer(&at).unwrap() };
        let names: Vec<&String> = target.as_object().unwrap().keys().collect();
        let name = if names.is_empty() { "x".to_owned() } else { member.get(&names).to_string() };
        let inj = Inject {
            at,
            name: name.clone(),
            escape,
            position,
            value: if same { None } else { Some(json!({"other": [1]})) },
            pretty,
        };
        let text = inject(bytes, &inj);
        match which {
            0 => refused_on_both_paths::<Root>(&text, &name),
            1 => refused_on_both_paths::<Timestamp>(&text, &name),
            2 => refused_on_both_paths::<Snapshot>(&text, &name),
            _ => refused_on_both_paths::<Targets>(&text, &name),
        }
    }
}
