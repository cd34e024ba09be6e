//! The repository editor builds only on metadata it has verified (issue 21, item 5): a file
//! changed on disk is refused by every operation that reads it, with the exact error, and
//! nothing on disk changes; the legitimate ways files reach the editor (offline root signatures
//! collected one at a time, another tool signing with a role's key) still work.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod editor_keys;

use editor_keys::{key, now, ring, signer};
use lumen_tuf::editor::{
    DelegationSpec, EditorRefusal, InitOptions, KeyChange, Keyring, Repository, RoleSpec, Signer,
    sign_root_bytes, target_file,
};
use lumen_tuf::fetch::DirFetcher;
use lumen_tuf::keys::DangerousHmacSecrets;
use lumen_tuf::metadata::{Metadata, PathScope, Root, TargetFile};
use lumen_tuf::store::DirStore;
use lumen_tuf::{TufError, Updater, UpdaterConfig};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every role has two keys and threshold 2: root 1+11, targets 2+12, snapshot 3+13,
/// timestamp 4+14, the delegated role `dele` 5+15, classic hash bins `bins-*` 6+16,
/// succinct bins `sbin-*` (delegated by `dele`) 7+17.
fn all_keys() -> Keyring {
    ring(&[1, 11, 2, 12, 3, 13, 4, 14, 5, 15, 6, 16, 7, 17])
}

fn options() -> InitOptions {
    InitOptions {
        root: RoleSpec::new(vec![key(1), key(11)], 2),
        targets: RoleSpec::new(vec![key(2), key(12)], 2),
        snapshot: RoleSpec::new(vec![key(3), key(13)], 2),
        timestamp: RoleSpec::new(vec![key(4), key(14)], 2),
        consistent_snapshot: true,
        config: Default::default(),
    }
}

fn fake_file(i: u64) -> TargetFile {
    let d = lumen_crypto::hash::sha512(&i.to_be_bytes());
    target_file(
        i,
        lumen_crypto::encoding::hex_encode(&d[..32]),
        lumen_crypto::encoding::hex_encode(&d),
    )
}

fn md_dir(repo: &Path) -> PathBuf {
    repo.join("metadata")
}

/// Every file under `dir` (but the lock file) with its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n != "editor.lock") {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn refresh_client(repo: &Path) -> Result<Updater<DirStore, DirFetcher>, TufError> {
    let store = tempfile::tempdir().unwrap();
    let root = std::fs::read(md_dir(repo).join("1.root.json")).unwrap();
    let mut u = Updater::bootstrap(
        DirStore::new(store.path()).unwrap(),
        DirFetcher::new(md_dir(repo)),
        UpdaterConfig::default(),
        &root,
    )?;
    u.refresh()?;
    Ok(u)
}

/// A repository with a root chain of two versions, `targets` delegating `dele` (paths `d/*`,
/// which delegates to two succinct bins `sbin-*`) and two classic hash bins `bins-*`, and a
/// target in each. Returns the role that holds `d/0` and the one that holds `p/0`.
fn build(dir: &Path) -> (String, String) {
    let keys = all_keys();
    let t = now();
    let mut repo = Repository::create(dir, &options(), &keys, t).unwrap();
    repo.delegate(
        "targets",
        DelegationSpec {
            name: "dele".into(),
            keys: vec![key(5), key(15)],
            threshold: 2,
            terminating: true,
            scope: PathScope::Paths(vec!["d/*".into()]),
        },
    )
    .unwrap();
    repo.delegate_hash_bins("targets", "bins", 2, vec![key(6), key(16)], 2)
        .unwrap();
    repo.delegate_succinct("dele", "sbin", 1, vec![key(7), key(17)], 2)
        .unwrap();
    for i in 0..6 {
        repo.add_target(None, &format!("d/{i}"), fake_file(i))
            .unwrap();
        repo.add_target(None, &format!("p/{i}"), fake_file(100 + i))
            .unwrap();
    }
    repo.commit(&keys, t).unwrap();
    // Root version 2: a chain of two links.
    repo.edit_root(t, |_| Ok(())).unwrap();
    repo.sign_root(&signer(1)).unwrap();
    repo.sign_root(&signer(11)).unwrap();
    repo.publish_root(&keys, t).unwrap();
    let sbin = repo.find_target("d/0").unwrap().unwrap().0;
    let bin = repo.find_target("p/0").unwrap().unwrap().0;
    assert!(
        sbin.starts_with("sbin-") && bin.starts_with("bins-"),
        "{sbin} {bin}"
    );
    drop(repo);
    refresh_client(dir).expect("the repository verifies");
    (sbin, bin)
}

/// The file kinds tampered with.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// `1.root.json`, the trust anchor.
    RootAnchor,
    /// The latest root: `2.root.json` and `root.json` alike.
    RootLatest,
    Timestamp,
    Snapshot,
    Targets,
    /// `dele`, a delegated role.
    Delegated,
    /// A classic hash bin.
    ClassicBin,
    /// A succinct hash bin.
    SuccinctBin,
}

const KINDS: [Kind; 8] = [
    Kind::RootAnchor,
    Kind::RootLatest,
    Kind::Timestamp,
    Kind::Snapshot,
    Kind::Targets,
    Kind::Delegated,
    Kind::ClassicBin,
    Kind::SuccinctBin,
];

/// How a file is tampered with.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Tamper {
    /// `signed` changed (a target injected, or a field added), the old signatures kept.
    ChangedContent,
    /// Every signature removed.
    NoSignatures,
    /// The signatures replaced by signatures of another key under the same key ids.
    WrongKey,
    /// One of the two required signatures removed.
    BelowThreshold,
    /// A duplicate member inside `signed`.
    DuplicateMember,
}

const TAMPERS: [Tamper; 5] = [
    Tamper::ChangedContent,
    Tamper::NoSignatures,
    Tamper::WrongKey,
    Tamper::BelowThreshold,
    Tamper::DuplicateMember,
];

struct Repo {
    dir: PathBuf,
    sbin: String,
    bin: String,
}

impl Repo {
    /// The role a kind names (`root`, `timestamp` and `snapshot` for the top-level kinds).
    fn role(&self, kind: Kind) -> &str {
        match kind {
            Kind::RootAnchor | Kind::RootLatest => "root",
            Kind::Timestamp => "timestamp",
            Kind::Snapshot => "snapshot",
            Kind::Targets => "targets",
            Kind::Delegated => "dele",
            Kind::ClassicBin => &self.bin,
            Kind::SuccinctBin => &self.sbin,
        }
    }

    /// The files a kind's tampering changes.
    fn paths(&self, kind: Kind) -> Vec<PathBuf> {
        let md = md_dir(&self.dir);
        let versioned = |role: &str| {
            let prefix = format!(".{role}.json");
            let mut found: Vec<(u64, PathBuf)> = std::fs::read_dir(&md)
                .unwrap()
                .filter_map(|e| {
                    let p = e.unwrap().path();
                    let name = p.file_name()?.to_str()?.to_owned();
                    let v = name.strip_suffix(&prefix)?.parse().ok()?;
                    Some((v, p))
                })
                .collect();
            found.sort();
            found.pop().unwrap().1
        };
        match kind {
            Kind::RootAnchor => vec![md.join("1.root.json")],
            Kind::RootLatest => vec![md.join("2.root.json"), md.join("root.json")],
            Kind::Timestamp => vec![md.join("timestamp.json")],
            k => vec![versioned(self.role(k))],
        }
    }

    /// A target path that lives in the kind's role (for targets-like kinds).
    fn path_in(&self, kind: Kind) -> &'static str {
        match kind {
            Kind::Delegated | Kind::SuccinctBin => "d/0",
            _ => "p/0",
        }
    }
}

fn tamper_bytes(bytes: &[u8], kind: Kind, how: Tamper) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(bytes).unwrap();
    let targets_like = matches!(
        kind,
        Kind::Targets | Kind::Delegated | Kind::ClassicBin | Kind::SuccinctBin
    );
    match how {
        Tamper::ChangedContent => {
            if targets_like {
                v["signed"]["targets"]["evil/injected"] = json!({
                    "length": 1,
                    "hashes": {"sha256": "00".repeat(32)},
                });
            } else {
                v["signed"]["x-injected"] = json!(true);
            }
        }
        Tamper::NoSignatures => v["signatures"] = json!([]),
        Tamper::WrongKey => {
            let canonical = lumen_tuf::canonical::encode(&v["signed"]).unwrap();
            let forged = signer(99).sign_hex(&canonical).unwrap();
            for s in v["signatures"].as_array_mut().unwrap() {
                s["sig"] = json!(forged);
            }
        }
        Tamper::BelowThreshold => {
            let sigs = v["signatures"].as_array_mut().unwrap();
            assert_eq!(sigs.len(), 2);
            sigs.truncate(1);
        }
        Tamper::DuplicateMember => {
            let text = serde_json::to_string(&v).unwrap();
            let out = text.replacen(r#""signed":{"#, r#""signed":{"_type":"other","#, 1);
            assert_ne!(out, text);
            return out.into_bytes();
        }
    }
    serde_json::to_vec(&v).unwrap()
}

/// The exact error `how` must produce, as the `source` of `UntrustedRepositoryFile`.
fn expected(source: &TufError, kind: Kind, how: Tamper, role: &str) -> bool {
    match how {
        Tamper::DuplicateMember => {
            matches!(source, TufError::DuplicateMember { name, .. } if name == "_type")
        }
        Tamper::BelowThreshold => matches!(
            source,
            TufError::ThresholdNotMet { role: r, threshold: 2, valid: 1 } if r == role
        ),
        // The latest root is checked against the previous root's keys first; a changed
        // anchor is checked against its own.
        _ => {
            let _ = kind;
            matches!(
                source,
                TufError::ThresholdNotMet { role: r, threshold: 2, valid: 0 } if r == role
            )
        }
    }
}

type Op = fn(&Repo, Kind) -> Result<(), TufError>;

fn op_open(r: &Repo, _: Kind) -> Result<(), TufError> {
    Repository::open(&r.dir).map(drop)
}

fn op_add_target(r: &Repo, k: Kind) -> Result<(), TufError> {
    let mut repo = Repository::open(&r.dir)?;
    // Replaces the entry of a target in the kind's role (routed there through its delegators).
    repo.add_target(None, r.path_in(k), fake_file(7))?;
    repo.commit(&all_keys(), now()).map(drop)
}

fn op_remove_target(r: &Repo, k: Kind) -> Result<(), TufError> {
    let mut repo = Repository::open(&r.dir)?;
    repo.remove_target(None, r.path_in(k))?;
    repo.commit(&all_keys(), now()).map(drop)
}

fn op_delegate(r: &Repo, k: Kind) -> Result<(), TufError> {
    let mut repo = Repository::open(&r.dir)?;
    let delegator = match k {
        Kind::Delegated | Kind::ClassicBin | Kind::SuccinctBin => r.role(k).to_owned(),
        _ => "targets".to_owned(),
    };
    repo.delegate(
        &delegator,
        DelegationSpec {
            name: "newrole".into(),
            keys: vec![key(5)],
            threshold: 1,
            terminating: false,
            scope: PathScope::Paths(vec!["n/*".into()]),
        },
    )?;
    repo.commit(&all_keys(), now()).map(drop)
}

fn op_resign(r: &Repo, k: Kind) -> Result<(), TufError> {
    let mut repo = Repository::open(&r.dir)?;
    let role = match k {
        Kind::RootAnchor | Kind::RootLatest => "targets",
        _ => r.role(k),
    };
    repo.resign(role)?;
    repo.commit(&all_keys(), now()).map(drop)
}

fn op_change_delegation_keys(r: &Repo, k: Kind) -> Result<(), TufError> {
    let mut repo = Repository::open(&r.dir)?;
    let (delegator, role) = match k {
        Kind::SuccinctBin => ("dele", "sbin"),
        Kind::ClassicBin => ("targets", r.role(k)),
        _ => ("targets", "dele"),
    };
    let change = KeyChange {
        add: vec![key(25)],
        ..Default::default()
    };
    repo.change_delegation_keys(delegator, role, &change)?;
    repo.commit(&all_keys(), now()).map(drop)
}

fn op_load_all(r: &Repo, _: Kind) -> Result<(), TufError> {
    Repository::open(&r.dir)?.load_all_roles()
}

fn op_find_target(r: &Repo, k: Kind) -> Result<(), TufError> {
    Repository::open(&r.dir)?
        .find_target(r.path_in(k))
        .map(drop)
}

fn op_refresh(r: &Repo, _: Kind) -> Result<(), TufError> {
    Repository::open(&r.dir)?
        .refresh(&all_keys(), now())
        .map(drop)
}

fn op_sign_root(r: &Repo, _: Kind) -> Result<(), TufError> {
    let mut repo = Repository::open(&r.dir)?;
    repo.edit_root(now(), |_| Ok(()))?;
    repo.sign_root(&signer(1)).map(drop)
}

/// Operations that read a delegated role (they load it through its delegator).
const ROLE_OPS: [(&str, Op); 7] = [
    ("add-target", op_add_target),
    ("remove-target", op_remove_target),
    ("delegate", op_delegate),
    ("resign", op_resign),
    ("change-delegation-keys", op_change_delegation_keys),
    ("load-all-roles", op_load_all),
    ("find-target", op_find_target),
];

/// Operations that only need the top-level roles (which every open reads).
const TOP_OPS: [(&str, Op); 3] = [
    ("open", op_open),
    ("refresh", op_refresh),
    ("sign-root", op_sign_root),
];

#[test]
fn the_editor_refuses_tampered_metadata_in_every_operation_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("repo");
    let (sbin, bin) = build(&dir);
    let r = Repo { dir, sbin, bin };
    let pristine = files(&r.dir);
    let mut checked = 0;
    for kind in KINDS {
        let top_level = matches!(
            kind,
            Kind::RootAnchor | Kind::RootLatest | Kind::Timestamp | Kind::Snapshot | Kind::Targets
        );
        let ops: Vec<(&str, Op)> = if top_level {
            TOP_OPS.iter().chain(ROLE_OPS.iter()).copied().collect()
        } else {
            ROLE_OPS.to_vec()
        };
        let paths = r.paths(kind);
        for how in TAMPERS {
            for p in &paths {
                std::fs::write(p, tamper_bytes(&pristine[p], kind, how)).unwrap();
            }
            let tampered = files(&r.dir);
            // Clients refuse it too (the anchor is what the client is given, so a changed
            // anchor is refused at bootstrap).
            assert!(
                refresh_client(&r.dir).is_err() || !top_level,
                "{kind:?} {how:?}: the client accepts it"
            );
            for (name, op) in &ops {
                match op(&r, kind) {
                    Err(TufError::UntrustedRepositoryFile { path, source }) => {
                        assert!(paths.contains(&path), "{kind:?} {how:?} {name}: {path:?}");
                        assert!(
                            expected(&source, kind, how, r.role(kind)),
                            "{kind:?} {how:?} {name}: {source:?}"
                        );
                    }
                    other => panic!("{kind:?} {how:?} {name}: {other:?}"),
                }
                assert!(
                    files(&r.dir) == tampered,
                    "{kind:?} {how:?} {name}: files changed on disk"
                );
                checked += 1;
            }
            for p in &paths {
                std::fs::write(p, &pristine[p]).unwrap();
            }
        }
    }
    assert_eq!(checked, 5 * (5 * 10 + 3 * 7));
    // Untouched, the repository still opens and edits.
    assert_eq!(files(&r.dir), pristine);
    op_add_target(&r, Kind::SuccinctBin).unwrap();
    refresh_client(&r.dir).unwrap();
}

#[test]
fn root_json_must_be_the_last_link_of_the_chain() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("repo");
    build(&dir);
    let md = md_dir(&dir);
    let latest = std::fs::read(md.join("2.root.json")).unwrap();
    // `root.json` alone replaced by another validly signed root (version 1): a rollback.
    std::fs::copy(md.join("1.root.json"), md.join("root.json")).unwrap();
    match Repository::open(&dir) {
        Err(TufError::UntrustedRepositoryFile { path, source }) => {
            assert_eq!(path, md.join("root.json"));
            assert!(
                matches!(
                    *source,
                    TufError::RollbackDetected { ref role, trusted: 2, new: 1 } if role == "root"
                ),
                "{source:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    // `root.json` alone changed: it differs from `2.root.json`.
    let mut v: Value = serde_json::from_slice(&latest).unwrap();
    v["signed"]["x-injected"] = json!(1);
    std::fs::write(md.join("root.json"), serde_json::to_vec(&v).unwrap()).unwrap();
    match Repository::open(&dir) {
        Err(TufError::UntrustedRepositoryFile { path, source }) => {
            assert_eq!(path, md.join("root.json"));
            assert!(
                matches!(*source, TufError::LengthOrHashMismatch { .. }),
                "{source:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    // A chain link with the wrong version inside.
    std::fs::write(md.join("root.json"), &latest).unwrap();
    let one = std::fs::read(md.join("1.root.json")).unwrap();
    std::fs::write(md.join("1.root.json"), &latest).unwrap();
    match Repository::open(&dir) {
        Err(TufError::UntrustedRepositoryFile { path, source }) => {
            assert_eq!(path, md.join("1.root.json"));
            assert!(
                matches!(
                    *source,
                    TufError::RootVersionNotNext {
                        expected: 1,
                        found: 2
                    }
                ),
                "{source:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    std::fs::write(md.join("1.root.json"), &one).unwrap();
    Repository::open(&dir).unwrap();
}

#[test]
fn a_version_other_than_the_referrer_lists_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("repo");
    build(&dir);
    // A validly signed older targets put where snapshot's version is: mix and match.
    let md = md_dir(&dir);
    let mut repo = Repository::open(&dir).unwrap();
    let v = repo.targets("targets").unwrap().signed.common.version;
    drop(repo);
    let current = md.join(format!("{v}.targets.json"));
    let saved = std::fs::read(&current).unwrap();
    std::fs::copy(md.join(format!("{}.targets.json", v - 1)), &current).unwrap();
    match Repository::open(&dir) {
        Err(TufError::UntrustedRepositoryFile { path, source }) => {
            assert_eq!(path, current);
            assert!(
                matches!(
                    *source,
                    TufError::MixAndMatch {
                        referrer: "snapshot",
                        ..
                    }
                ),
                "{source:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    std::fs::write(&current, saved).unwrap();
    Repository::open(&dir).unwrap();
}

#[test]
fn staged_root_signatures_must_verify_but_may_be_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("repo");
    build(&dir);
    let staged = dir.join("staged").join("root.json");
    let mut repo = Repository::open(&dir).unwrap();
    repo.edit_root(now(), |_| Ok(())).unwrap();
    let status = repo.sign_root(&signer(1)).unwrap();
    assert_eq!((status.signed, status.threshold), (1, 2));
    let canonical = repo.staged_root().unwrap().canonical_signed().unwrap();
    let digest = lumen_crypto::encoding::hex_encode(&lumen_crypto::hash::sha256(&canonical));
    assert_eq!(status.signed_sha256, digest);
    drop(repo);
    let signed_once = std::fs::read(&staged).unwrap();

    // Threshold pending is a legitimate state: reopen, sign again on a copy (offline), import.
    let mut repo = Repository::open(&dir).unwrap();
    let previous = repo.root().unwrap().signed.clone();
    let copy = sign_root_bytes(&signed_once, &signer(11), Some(&previous)).unwrap();
    assert!(repo.import_staged_root(&copy).unwrap().is_complete());
    drop(repo);

    // Content changed after it was signed, or a signature by a wrong key: refused on open.
    for how in [Tamper::ChangedContent, Tamper::WrongKey] {
        let bad = tamper_bytes(&signed_once, Kind::RootLatest, how);
        std::fs::write(&staged, &bad).unwrap();
        let before = files(&dir);
        match Repository::open(&dir) {
            Err(TufError::UntrustedRepositoryFile { path, source }) => {
                assert_eq!(path, staged);
                assert!(
                    matches!(*source, TufError::InvalidSignature { ref role, .. } if role == "root"),
                    "{source:?}"
                );
            }
            other => panic!("{how:?}: {other:?}"),
        }
        // The same copy is refused for signing offline and for import.
        assert!(matches!(
            sign_root_bytes(&bad, &signer(11), Some(&previous)),
            Err(TufError::InvalidSignature { .. })
        ));
        assert_eq!(files(&dir), before);
    }
    // A signature under a key id neither root lists for root.
    let mut v: Value = serde_json::from_slice(&signed_once).unwrap();
    v["signatures"][0]["keyid"] = json!("ab".repeat(32));
    std::fs::write(&staged, serde_json::to_vec(&v).unwrap()).unwrap();
    assert!(matches!(
        Repository::open(&dir),
        Err(TufError::UntrustedRepositoryFile { source, .. })
            if matches!(*source, TufError::InvalidSignature { .. })
    ));
    // Removed signatures are only less far along: it opens, and publishing refuses.
    std::fs::write(
        &staged,
        tamper_bytes(&signed_once, Kind::RootLatest, Tamper::NoSignatures),
    )
    .unwrap();
    let repo = Repository::open(&dir).unwrap();
    assert_eq!(repo.root_signing_status().unwrap().signed_sha256, digest);
    drop(repo);
    // An unsigned proposal can be replaced by anyone who can write the file: what key holders
    // compare before signing is the digest of the signed part, which then differs.
    let mut swapped: Value = serde_json::from_slice(&tamper_bytes(
        &signed_once,
        Kind::RootLatest,
        Tamper::NoSignatures,
    ))
    .unwrap();
    swapped["signed"]["x-injected"] = json!(true);
    std::fs::write(&staged, serde_json::to_vec(&swapped).unwrap()).unwrap();
    let repo = Repository::open(&dir).unwrap();
    assert_ne!(repo.root_signing_status().unwrap().signed_sha256, digest);
    drop(repo);
    std::fs::write(
        &staged,
        tamper_bytes(&signed_once, Kind::RootLatest, Tamper::NoSignatures),
    )
    .unwrap();
    let mut repo = Repository::open(&dir).unwrap();
    assert!(matches!(
        repo.publish_root(&all_keys(), now()),
        Err(TufError::ThresholdNotMet { ref role, valid: 0, threshold: 2 }) if role == "root"
    ));
    // A duplicate member in the staged root.
    drop(repo);
    std::fs::write(
        &staged,
        tamper_bytes(&signed_once, Kind::RootLatest, Tamper::DuplicateMember),
    )
    .unwrap();
    assert!(matches!(
        Repository::open(&dir),
        Err(TufError::UntrustedRepositoryFile { source, .. })
            if matches!(*source, TufError::DuplicateMember { .. })
    ));
    // Back to the copy signed by both: it publishes, and clients follow.
    std::fs::write(&staged, &copy).unwrap();
    let mut repo = Repository::open(&dir).unwrap();
    repo.publish_root(&all_keys(), now()).unwrap();
    drop(repo);
    let u = refresh_client(&dir).unwrap();
    assert_eq!(u.trusted().root().signed().common.version, 3);
}

#[test]
fn an_interrupted_publish_can_be_published_again() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("repo");
    build(&dir);
    let md = md_dir(&dir);
    let mut repo = Repository::open(&dir).unwrap();
    repo.edit_root(now(), |_| Ok(())).unwrap();
    repo.sign_root(&signer(1)).unwrap();
    repo.sign_root(&signer(11)).unwrap();
    drop(repo);
    // A publish that wrote 3.root.json and stopped before root.json.
    let staged = std::fs::read(dir.join("staged").join("root.json")).unwrap();
    let md3 = Metadata::<Root>::from_bytes(&staged, "root")
        .unwrap()
        .metadata;
    std::fs::write(md.join("3.root.json"), md3.to_bytes()).unwrap();
    let mut repo = Repository::open(&dir).unwrap();
    assert!(matches!(
        repo.discard_staged_root(),
        Err(TufError::Refused(EditorRefusal::StagedRootAlreadyWritten {
            version: 3
        }))
    ));
    repo.publish_root(&all_keys(), now()).unwrap();
    drop(repo);
    assert_eq!(
        refresh_client(&dir)
            .unwrap()
            .trusted()
            .root()
            .signed()
            .common
            .version,
        3
    );
}

#[test]
fn another_tool_signing_with_the_role_key_is_accepted() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("repo");
    let (_, bin) = build(&dir);
    let mut repo = Repository::open(&dir).unwrap();
    let v = repo.targets(&bin).unwrap().signed.common.version;
    drop(repo);
    let path = md_dir(&dir).join(format!("{v}.{bin}.json"));
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    doc["signed"]["x-note"] = json!("signed elsewhere");
    let canonical = lumen_tuf::canonical::encode(&doc["signed"]).unwrap();
    let sigs = doc["signatures"].as_array_mut().unwrap();
    for s in sigs.iter_mut() {
        let id = s["keyid"].as_str().unwrap().to_owned();
        let n = [6u8, 16]
            .into_iter()
            .find(|n| signer(*n).keyid() == id)
            .unwrap();
        s["sig"] = json!(signer(n).sign_hex(&canonical).unwrap());
    }
    std::fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
    let mut repo = Repository::open(&dir).unwrap();
    assert_eq!(
        repo.targets(&bin).unwrap().signed.common.unknown["x-note"],
        "signed elsewhere"
    );
}

#[test]
fn hmac_keyed_roles_verify_only_with_their_secret() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut opts = InitOptions::single_key(key(1));
    opts.config.dangerous_allow_hmac_keys = true;
    let secret = [9u8; 32];
    let mac = Signer::dangerous_hmac_sha256(&secret).unwrap();
    let mut keys = ring(&[1]);
    let mut repo = Repository::create(dir, &opts, &keys, now()).unwrap();
    repo.delegate(
        "targets",
        DelegationSpec {
            name: "mac".into(),
            keys: vec![mac.public_key().clone()],
            threshold: 1,
            terminating: true,
            scope: PathScope::Paths(vec!["m/*".into()]),
        },
    )
    .unwrap();
    repo.add_target(None, "m/x", fake_file(1)).unwrap();
    keys.add(mac);
    repo.commit(&keys, now()).unwrap();
    drop(repo);
    let mut repo = Repository::open(dir).unwrap();
    assert!(matches!(
        repo.targets("mac"),
        Err(TufError::UntrustedRepositoryFile { source, .. })
            if matches!(*source, TufError::ThresholdNotMet { .. })
    ));
    drop(repo);
    let mut secrets = DangerousHmacSecrets::none();
    secrets.dangerous_add_shared_secret(&secret).unwrap();
    let mut repo = Repository::dangerous_open_with_hmac_secrets(dir, secrets).unwrap();
    assert!(
        repo.targets("mac")
            .unwrap()
            .signed
            .targets
            .contains_key("m/x")
    );
}

#[test]
fn editor_json_with_a_duplicate_member_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    Repository::create(dir, &InitOptions::single_key(key(1)), &ring(&[1]), now()).unwrap();
    std::fs::write(
        dir.join("editor.json"),
        br#"{"dangerous_allow_hmac_keys":false,"dangerous_allow_hmac_keys":true}"#,
    )
    .unwrap();
    assert!(matches!(
        Repository::open(dir),
        Err(TufError::DuplicateMember { ref name, .. }) if name == "dangerous_allow_hmac_keys"
    ));
}
