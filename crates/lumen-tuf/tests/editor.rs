//! The repository editor, checked by this crate's own client: every repository it writes must
//! refresh and serve targets through `Updater` over `DirFetcher`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod editor_keys;

use editor_keys::{key, now, ring, signer};
use lumen_tuf::editor::{
    DelegationSpec, EditorRefusal, InitOptions, KeyChange, Keyring, Repository, RoleSpec,
    RootEditor, Signer, key_id, sign_root_bytes, target_file,
};
use lumen_tuf::fetch::DirFetcher;
use lumen_tuf::keys::DangerousHmacSecrets;
use lumen_tuf::metadata::{Metadata, PathScope, Root, Targets};
use lumen_tuf::store::DirStore;
use lumen_tuf::{Misuse, TufError, Updater, UpdaterConfig};
use std::path::Path;

/// Root key 1, targets 2, snapshot 3, timestamp 4, delegations 5.
fn options() -> InitOptions {
    InitOptions {
        root: RoleSpec::new(vec![key(1)], 1),
        targets: RoleSpec::new(vec![key(2)], 1),
        snapshot: RoleSpec::new(vec![key(3)], 1),
        timestamp: RoleSpec::new(vec![key(4)], 1),
        consistent_snapshot: true,
        config: Default::default(),
    }
}

fn all_keys() -> Keyring {
    ring(&[1, 2, 3, 4, 5])
}

fn md_dir(repo: &Path) -> std::path::PathBuf {
    repo.join("metadata")
}

/// A fresh client that trusts `1.root.json` of the repository.
fn client_with(repo: &Path, store: &Path, config: UpdaterConfig) -> Updater<DirStore, DirFetcher> {
    let root = std::fs::read(md_dir(repo).join("1.root.json")).unwrap();
    Updater::bootstrap(
        DirStore::new(store).unwrap(),
        DirFetcher::new(md_dir(repo)),
        config,
        &root,
    )
    .unwrap()
}

fn refresh(repo: &Path) -> Result<Updater<DirStore, DirFetcher>, TufError> {
    let store = tempfile::tempdir().unwrap();
    let mut u = client_with(repo, store.path(), UpdaterConfig::default());
    u.refresh()?;
    Ok(u)
}

/// Refreshes a fresh client and downloads `path`; returns the bytes.
fn download(repo: &Path, path: &str) -> Result<Vec<u8>, TufError> {
    let store = tempfile::tempdir().unwrap();
    let mut u = client_with(repo, store.path(), UpdaterConfig::default());
    u.refresh()?;
    let info = u.get_targetinfo(path)?;
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("t");
    u.download_target(&info, &DirFetcher::new(repo.join("targets")), &dest)?;
    Ok(std::fs::read(dest).unwrap())
}

fn write_source(dir: &Path, name: &str, content: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

fn fake_file(i: u64) -> lumen_tuf::metadata::TargetFile {
    let d = lumen_crypto::hash::sha512(&i.to_be_bytes());
    target_file(
        i,
        lumen_crypto::encoding::hex_encode(&d[..32]),
        lumen_crypto::encoding::hex_encode(&d),
    )
}

#[test]
fn create_add_delegate_refresh_and_download() {
    let dir = tempfile::tempdir().unwrap();
    let src = tempfile::tempdir().unwrap();
    let repo_dir = dir.path().join("repo");
    let keys = all_keys();
    let t = now();
    let mut repo = Repository::create(&repo_dir, &options(), &keys, t).unwrap();
    // An empty repository already serves a client.
    refresh(&repo_dir).unwrap();

    let top = write_source(src.path(), "top", b"top-level target");
    assert_eq!(
        repo.add_target_from_file(None, "top.txt", &top, None)
            .unwrap()
            .0,
        "targets"
    );
    // A classic role with paths, one with classic hash bins, one with succinct bins.
    for (name, pattern) in [("pkg", "pkg/*"), ("hb", "h/*"), ("succ", "s/*")] {
        repo.delegate(
            "targets",
            DelegationSpec {
                name: name.into(),
                keys: vec![key(5)],
                threshold: 1,
                terminating: true,
                scope: PathScope::Paths(vec![pattern.into()]),
            },
        )
        .unwrap();
    }
    let bins = repo
        .delegate_hash_bins("hb", "hb", 16, vec![key(5)], 1)
        .unwrap();
    assert_eq!(bins.len(), 16);
    assert_eq!(bins[0], "hb-0");
    assert_eq!(
        repo.delegate_succinct("succ", "sb", 4, vec![key(5)], 1)
            .unwrap(),
        16
    );

    let files = [
        ("pkg/a.txt", "pkg", b"in pkg".as_slice()),
        ("h/x.bin", "hb-", b"in a classic bin".as_slice()),
        ("s/y.bin", "sb-", b"in a succinct bin".as_slice()),
    ];
    for (path, role_prefix, content) in files {
        let f = write_source(src.path(), "f", content);
        let (role, _) = repo.add_target_from_file(None, path, &f, None).unwrap();
        assert!(role.starts_with(role_prefix), "{path} went to {role}");
    }
    let summary = repo.commit(&keys, t).unwrap();
    assert_eq!(summary.snapshot_version, Some(2));
    assert_eq!(summary.timestamp_version, Some(2));

    assert_eq!(download(&repo_dir, "top.txt").unwrap(), b"top-level target");
    for (path, _, content) in files {
        assert_eq!(download(&repo_dir, path).unwrap(), content, "{path}");
    }
    // Hash-prefixed target names, one per hash.
    let entries = std::fs::read_dir(repo_dir.join("targets").join("pkg"))
        .unwrap()
        .count();
    assert_eq!(entries, 2);
    assert!(matches!(
        download(&repo_dir, "missing.txt"),
        Err(TufError::TargetNotFound { .. })
    ));

    // Reopen from disk and keep editing: versions move on. One editor at a time.
    assert!(matches!(
        Repository::open(&repo_dir),
        Err(TufError::Refused(EditorRefusal::RepositoryLocked { .. }))
    ));
    drop(repo);
    let mut repo = Repository::open(&repo_dir).unwrap();
    repo.add_target(Some("pkg"), "pkg/b.txt", fake_file(9))
        .unwrap();
    repo.commit(&keys, t).unwrap();
    let u = refresh(&repo_dir).unwrap();
    assert_eq!(u.trusted().snapshot().unwrap().signed().common.version, 3);
    let snap = repo.snapshot().unwrap();
    assert_eq!(snap.signed.meta["pkg.json"].version, 2);
    assert_eq!(snap.signed.meta["hb-0.json"].version, 1);
    assert!(
        md_dir(&repo_dir).join("2.pkg.json").exists()
            && md_dir(&repo_dir).join("1.pkg.json").exists()
    );
}

#[test]
fn written_files_are_sorted_compact_json_of_what_they_parse_to() {
    let dir = tempfile::tempdir().unwrap();
    let keys = all_keys();
    let mut repo = Repository::create(dir.path(), &options(), &keys, now()).unwrap();
    repo.add_target(None, "a", fake_file(1)).unwrap();
    repo.commit(&keys, now()).unwrap();
    for name in [
        "2.targets.json",
        "2.snapshot.json",
        "timestamp.json",
        "1.root.json",
    ] {
        let bytes = std::fs::read(md_dir(dir.path()).join(name)).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(lumen_tuf::canonical::encode(&v).unwrap(), bytes, "{name}");
    }
    let bytes = std::fs::read(md_dir(dir.path()).join("2.targets.json")).unwrap();
    let parsed = Metadata::<Targets>::from_bytes(&bytes, "targets").unwrap();
    let again: serde_json::Value = serde_json::from_slice(&parsed.metadata.to_bytes()).unwrap();
    assert_eq!(
        again,
        serde_json::from_slice::<serde_json::Value>(&bytes).unwrap()
    );
}

/// An ECDSA P-256 public key as PEM SPKI (the editor cannot sign with it, but may list it).
fn p256_pem_key(n: u8) -> lumen_tuf::metadata::Key {
    use p256::pkcs8::{EncodePublicKey, LineEnding};
    let sk = p256::ecdsa::SigningKey::from_slice(&[n; 32]).unwrap();
    let pem = sk
        .verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .unwrap();
    lumen_tuf::metadata::Key::new("ecdsa", "ecdsa-sha2-nistp256", pem)
}

#[test]
fn pem_keys_with_newlines_are_written_as_valid_json() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options();
    opts.targets = RoleSpec::new(vec![p256_pem_key(7), key(2)], 1);
    let mut repo = Repository::create(dir.path(), &opts, &all_keys(), now()).unwrap();
    repo.delegate(
        "targets",
        DelegationSpec {
            name: "ec".into(),
            keys: vec![p256_pem_key(8), key(5)],
            threshold: 1,
            terminating: true,
            scope: PathScope::Paths(vec!["ec/*".into()]),
        },
    )
    .unwrap();
    repo.add_target(None, "ec/x", fake_file(3)).unwrap();
    repo.commit(&all_keys(), now()).unwrap();
    for name in ["1.root.json", "root.json", "2.targets.json"] {
        let bytes = std::fs::read(md_dir(dir.path()).join(name)).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.contains("-----BEGIN PUBLIC KEY-----\\n"), "{name}");
        serde_json::from_str::<serde_json::Value>(&text).unwrap();
    }
    assert_eq!(download_info(dir.path(), "ec/x").length, 3);
}

#[test]
fn root_rotation_with_cross_signing_walks_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let repo_dir = dir.path();
    let mut repo = Repository::create(repo_dir, &options(), &all_keys(), now()).unwrap();
    // A client that trusts version 1 and has refreshed once.
    let store = tempfile::tempdir().unwrap();
    client_with(repo_dir, store.path(), UpdaterConfig::default())
        .refresh()
        .unwrap();

    // v2: root key 1 → 11, signed by the old key and the new one.
    repo.edit_root(now(), |r| {
        r.change_keys(
            "root",
            &KeyChange {
                add: vec![key(11)],
                remove: vec![key_id(&key(1)).unwrap()],
                threshold: None,
            },
        )
    })
    .unwrap();
    let status = repo.sign_root(&signer(11)).unwrap();
    assert_eq!((status.signed, status.previous), (1, Some((0, 1))));
    assert!(!status.is_complete());
    assert!(matches!(
        repo.publish_root(&Keyring::new(), now()),
        Err(TufError::ThresholdNotMet { ref role, threshold: 1, valid: 0 }) if role == "root"
    ));
    assert!(repo.sign_root(&signer(1)).unwrap().is_complete());
    assert_eq!(
        repo.publish_root(&Keyring::new(), now())
            .unwrap()
            .root_version,
        Some(2)
    );

    // v3: two new keys with threshold 2, cross-signed by 11 and by both new keys.
    repo.edit_root(now(), |r| {
        r.change_keys(
            "root",
            &KeyChange {
                add: vec![key(12), key(13)],
                remove: vec![key_id(&key(11)).unwrap()],
                threshold: Some(2),
            },
        )
    })
    .unwrap();
    for n in [11, 12, 13] {
        repo.sign_root(&signer(n)).unwrap();
    }
    repo.publish_root(&Keyring::new(), now()).unwrap();
    assert!(md_dir(repo_dir).join("3.root.json").exists());
    assert_eq!(
        std::fs::read(md_dir(repo_dir).join("3.root.json")).unwrap(),
        std::fs::read(md_dir(repo_dir).join("root.json")).unwrap()
    );

    // A new client from v1 and the old client both walk 1 → 2 → 3.
    let u = refresh(repo_dir).unwrap();
    assert_eq!(u.trusted().root().signed().common.version, 3);
    let mut old = Updater::new(
        DirStore::new(store.path()).unwrap(),
        DirFetcher::new(md_dir(repo_dir)),
        UpdaterConfig::default(),
    )
    .unwrap();
    old.refresh().unwrap();
    assert_eq!(old.trusted().root().signed().common.version, 3);
}

#[test]
fn threshold_root_signing_two_of_three() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options();
    opts.root = RoleSpec::new(vec![key(21), key(22), key(23)], 2);
    let t = now();
    let mut repo = Repository::init(dir.path(), &opts, t).unwrap();
    // Nothing is published before root is signed.
    assert!(!md_dir(dir.path()).join("root.json").exists());
    let online = ring(&[2, 3, 4]);
    let status = repo.sign_root(&signer(21)).unwrap();
    assert_eq!((status.signed, status.threshold), (1, 2));
    assert_eq!(status.unsigned_keyids.len(), 2);
    assert!(matches!(
        repo.publish_root(&online, t),
        Err(TufError::ThresholdNotMet {
            threshold: 2,
            valid: 1,
            ..
        })
    ));
    assert!(!md_dir(dir.path()).join("1.root.json").exists());
    // The second key holder signs on another machine, from the staged file alone.
    let staged = std::fs::read(dir.path().join("staged").join("root.json")).unwrap();
    let signed = sign_root_bytes(&staged, &signer(23), None).unwrap();
    // A key that is not a root key is refused.
    assert!(matches!(
        sign_root_bytes(&staged, &signer(99), None),
        Err(TufError::Refused(EditorRefusal::NotARootKey { .. }))
    ));
    // Reopen (as the publishing machine would) and import the signed copy.
    drop(repo);
    let mut repo = Repository::open(dir.path()).unwrap();
    assert!(repo.import_staged_root(&signed).unwrap().is_complete());
    repo.publish_root(&online, t).unwrap();
    assert!(!dir.path().join("staged").join("root.json").exists());
    let u = refresh(dir.path()).unwrap();
    assert_eq!(u.trusted().root().signed().roles["root"].threshold, 2);
}

#[test]
fn root_signed_only_by_new_keys_is_rejected_by_the_client() {
    let dir = tempfile::tempdir().unwrap();
    let mut repo = Repository::create(dir.path(), &options(), &all_keys(), now()).unwrap();
    repo.edit_root(now(), |r| {
        r.change_keys(
            "root",
            &KeyChange {
                add: vec![key(31)],
                remove: vec![key_id(&key(1)).unwrap()],
                threshold: None,
            },
        )
    })
    .unwrap();
    repo.sign_root(&signer(31)).unwrap();
    // The editor refuses to publish it…
    assert!(matches!(
        repo.publish_root(&all_keys(), now()),
        Err(TufError::ThresholdNotMet { ref role, .. }) if role == "root"
    ));
    assert!(!md_dir(dir.path()).join("2.root.json").exists());
    // …and a client refuses it if someone publishes it by hand.
    let bytes = repo.staged_root().unwrap().to_bytes();
    std::fs::write(md_dir(dir.path()).join("2.root.json"), bytes).unwrap();
    assert!(matches!(
        refresh(dir.path()),
        Err(TufError::ThresholdNotMet { ref role, threshold: 1, valid: 0 }) if role == "root"
    ));
}

#[test]
fn rotating_online_keys_through_a_new_root() {
    let dir = tempfile::tempdir().unwrap();
    let repo_dir = dir.path();
    let mut repo = Repository::create(repo_dir, &options(), &all_keys(), now()).unwrap();
    repo.add_target(None, "a", fake_file(1)).unwrap();
    repo.commit(&all_keys(), now()).unwrap();
    let before_ts = std::fs::read(md_dir(repo_dir).join("timestamp.json")).unwrap();
    repo.edit_root(now(), |r| {
        for (role, old, new) in [
            ("timestamp", 4, 44),
            ("snapshot", 3, 43),
            ("targets", 2, 42),
        ] {
            r.change_keys(
                role,
                &KeyChange {
                    add: vec![key(new)],
                    remove: vec![key_id(&key(old)).unwrap()],
                    threshold: None,
                },
            )?;
        }
        Ok(())
    })
    .unwrap();
    repo.sign_root(&signer(1)).unwrap();
    // Without the new timestamp key, nothing is written.
    assert!(matches!(
        repo.publish_root(&ring(&[42, 43]), now()),
        Err(TufError::ThresholdNotMet { ref role, .. }) if role == "timestamp"
    ));
    assert!(!md_dir(repo_dir).join("2.root.json").exists());
    assert_eq!(
        std::fs::read(md_dir(repo_dir).join("timestamp.json")).unwrap(),
        before_ts
    );
    let summary = repo.publish_root(&ring(&[42, 43, 44]), now()).unwrap();
    assert_eq!(summary.root_version, Some(2));
    assert_eq!(summary.targets_roles, 1);
    let u = refresh(repo_dir).unwrap();
    assert_eq!(
        u.trusted()
            .targets("targets")
            .unwrap()
            .signed()
            .common
            .version,
        3
    );
    assert_eq!(download_info(repo_dir, "a").length, 1);
    // The old online keys no longer sign anything clients accept.
    repo.add_target(None, "b", fake_file(2)).unwrap();
    assert!(matches!(
        repo.commit(&all_keys(), now()),
        Err(TufError::ThresholdNotMet { .. })
    ));
}

fn download_info(repo: &Path, path: &str) -> lumen_tuf::metadata::TargetFile {
    let store = tempfile::tempdir().unwrap();
    let mut u = client_with(repo, store.path(), UpdaterConfig::default());
    u.get_targetinfo(path).unwrap().file
}

#[test]
fn missing_keys_fail_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut repo = Repository::create(dir.path(), &options(), &all_keys(), now()).unwrap();
    let listing = |d: &Path| {
        let mut v: Vec<_> = std::fs::read_dir(md_dir(d))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        v.sort();
        v
    };
    let before = listing(dir.path());
    repo.add_target(None, "a", fake_file(1)).unwrap();
    for (keys, role) in [
        (ring(&[3, 4]), "targets"),
        (ring(&[2, 4]), "snapshot"),
        (ring(&[2, 3]), "timestamp"),
    ] {
        assert!(matches!(
            repo.commit(&keys, now()),
            Err(TufError::ThresholdNotMet { role: ref r, threshold: 1, valid: 0 }) if r == role
        ));
        assert_eq!(listing(dir.path()), before);
    }
    repo.commit(&all_keys(), now()).unwrap();
    assert_eq!(download_info(dir.path(), "a").length, 1);
}

#[test]
fn refresh_bumps_snapshot_and_timestamp_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut repo = Repository::create(dir.path(), &options(), &all_keys(), now()).unwrap();
    let s = repo.refresh(&ring(&[3, 4]), now()).unwrap();
    assert_eq!(
        (s.targets_roles, s.snapshot_version, s.timestamp_version),
        (0, Some(2), Some(2))
    );
    let s = repo.refresh_timestamp(&ring(&[4]), now()).unwrap();
    assert_eq!((s.snapshot_version, s.timestamp_version), (None, Some(3)));
    let u = refresh(dir.path()).unwrap();
    assert_eq!(u.trusted().timestamp().unwrap().signed().common.version, 3);
    assert_eq!(u.trusted().snapshot().unwrap().signed().common.version, 2);
    // Nothing to do, nothing written.
    assert_eq!(
        repo.commit(&Keyring::new(), now()).unwrap(),
        Default::default()
    );
}

#[test]
fn expiry_policy_is_applied_per_role() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options();
    opts.config.expiry.set("timestamp", 600).unwrap();
    opts.config.expiry.set("pkg", 3600).unwrap();
    let t = 1_900_000_000;
    let mut repo = Repository::create(dir.path(), &opts, &all_keys(), t).unwrap();
    repo.delegate(
        "targets",
        DelegationSpec {
            name: "pkg".into(),
            keys: vec![key(5)],
            threshold: 1,
            terminating: false,
            scope: PathScope::Paths(vec!["*".into()]),
        },
    )
    .unwrap();
    repo.commit(&all_keys(), t).unwrap();
    let exp = |repo: &mut Repository, role: &str| match role {
        "timestamp" => repo.timestamp().unwrap().signed.common.expires.unix(),
        "snapshot" => repo.snapshot().unwrap().signed.common.expires.unix(),
        "root" => repo.root().unwrap().signed.common.expires.unix(),
        r => repo.targets(r).unwrap().signed.common.expires.unix(),
    };
    assert_eq!(exp(&mut repo, "timestamp"), t + 600);
    assert_eq!(exp(&mut repo, "snapshot"), t + 7 * 86_400);
    assert_eq!(exp(&mut repo, "root"), t + 365 * 86_400);
    assert_eq!(exp(&mut repo, "targets"), t + 90 * 86_400);
    assert_eq!(exp(&mut repo, "pkg"), t + 3600);
    // The policy is kept in editor.json.
    drop(repo);
    let reopened = Repository::open(dir.path()).unwrap();
    assert_eq!(reopened.config().expiry.period("pkg"), 3600);
}

#[test]
fn unknown_fields_survive_an_edit() {
    let dir = tempfile::tempdir().unwrap();
    let repo_dir = dir.path();
    // Root: an unknown field added to the staged root before it is signed.
    let mut repo = Repository::init(repo_dir, &options(), now()).unwrap();
    drop(repo);
    let staged = repo_dir.join("staged").join("root.json");
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&staged).unwrap()).unwrap();
    v["signed"]["x-root-extension"] = serde_json::json!({"kept": [1, 2]});
    v["signed"]["roles"]["root"]["x-role-note"] = serde_json::json!("offline");
    std::fs::write(&staged, serde_json::to_vec(&v).unwrap()).unwrap();
    repo = Repository::open(repo_dir).unwrap();
    repo.sign_root(&signer(1)).unwrap();
    repo.publish_root(&all_keys(), now()).unwrap();

    // Targets: unknown fields at every level, written and signed by another tool that holds
    // the targets key (the editor reads only what verifies).
    repo.add_target(None, "a", fake_file(1)).unwrap();
    repo.commit(&all_keys(), now()).unwrap();
    let path = md_dir(repo_dir).join("2.targets.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    v["x-top-level"] = serde_json::json!(true);
    v["signed"]["x-signed"] = serde_json::json!({"n": 7});
    v["signed"]["targets"]["a"]["x-target"] = serde_json::json!("kept");
    v["signed"]["targets"]["a"]["custom"] = serde_json::json!({"owner": "me"});
    v["signatures"][0]["x-sig"] = serde_json::json!(1);
    let canonical = lumen_tuf::canonical::encode(&v["signed"]).unwrap();
    v["signatures"][0]["sig"] = serde_json::json!(signer(2).sign_hex(&canonical).unwrap());
    std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();

    drop(repo);
    let mut repo = Repository::open(repo_dir).unwrap();
    repo.add_target(None, "b", fake_file(2)).unwrap();
    repo.commit(&all_keys(), now()).unwrap();
    let out: serde_json::Value =
        serde_json::from_slice(&std::fs::read(md_dir(repo_dir).join("3.targets.json")).unwrap())
            .unwrap();
    assert_eq!(out["x-top-level"], true);
    assert_eq!(out["signed"]["x-signed"]["n"], 7);
    assert_eq!(out["signed"]["targets"]["a"]["x-target"], "kept");
    assert_eq!(out["signed"]["targets"]["a"]["custom"]["owner"], "me");
    let root: serde_json::Value =
        serde_json::from_slice(&std::fs::read(md_dir(repo_dir).join("1.root.json")).unwrap())
            .unwrap();
    assert_eq!(root["signed"]["x-root-extension"]["kept"][1], 2);
    assert_eq!(root["signed"]["roles"]["root"]["x-role-note"], "offline");

    // A root edit keeps them too, and clients accept all of it.
    repo.edit_root(now(), |r| {
        r.root_mut()
            .common
            .unknown
            .insert("x-added".into(), serde_json::json!("by edit"));
        Ok(())
    })
    .unwrap();
    repo.sign_root(&signer(1)).unwrap();
    repo.publish_root(&all_keys(), now()).unwrap();
    let root2 = Metadata::<Root>::from_bytes(
        &std::fs::read(md_dir(repo_dir).join("2.root.json")).unwrap(),
        "root",
    )
    .unwrap();
    assert!(
        root2
            .metadata
            .signed
            .common
            .unknown
            .contains_key("x-root-extension")
    );
    assert!(root2.metadata.signed.common.unknown.contains_key("x-added"));
    let f = download_info(repo_dir, "a");
    assert_eq!(f.custom().unwrap()["owner"], "me");
    assert_eq!(f.unknown["x-target"], "kept");
}

#[test]
fn hmac_keys_are_refused_for_root_and_opt_in_elsewhere() {
    let hmac = Signer::dangerous_hmac_sha256(&[9u8; 32]).unwrap();
    // Never for root, even with the dangerous opt-in.
    for allow in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let mut opts = options();
        opts.config.dangerous_allow_hmac_keys = allow;
        opts.root = RoleSpec::new(vec![hmac.public_key().clone()], 1);
        assert!(matches!(
            Repository::init(dir.path(), &opts, now()),
            Err(TufError::Refused(EditorRefusal::SharedSecretRootKey))
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options();
    opts.config.dangerous_allow_hmac_keys = true;
    let mut repo = Repository::create(dir.path(), &opts, &all_keys(), now()).unwrap();
    let add_hmac_root = KeyChange {
        add: vec![hmac.public_key().clone()],
        ..Default::default()
    };
    assert!(matches!(
        repo.edit_root(now(), |r| r.change_keys("root", &add_hmac_root)),
        Err(TufError::Refused(EditorRefusal::SharedSecretRootKey))
    ));
    assert!(
        repo.staged_root().is_none(),
        "a refused edit stages nothing"
    );
    repo.edit_root(now(), |r| r.change_keys("root", &KeyChange::default()))
        .unwrap();
    assert!(matches!(
        repo.sign_root(&hmac),
        Err(TufError::Refused(EditorRefusal::SharedSecretRootSigner))
    ));
    repo.discard_staged_root().unwrap();

    // Without the opt-in, hmac keys are refused for delegations too.
    let dir2 = tempfile::tempdir().unwrap();
    let mut plain = Repository::create(dir2.path(), &options(), &all_keys(), now()).unwrap();
    let spec = DelegationSpec {
        name: "mac".into(),
        keys: vec![hmac.public_key().clone()],
        threshold: 1,
        terminating: true,
        scope: PathScope::Paths(vec!["m/*".into()]),
    };
    assert!(matches!(
        plain.delegate("targets", spec.clone()),
        Err(TufError::Refused(EditorRefusal::SharedSecretKeyNotAllowed { role })) if role == "mac"
    ));

    // With it, a delegated role signed by a MAC serves clients that hold the secret.
    repo.delegate("targets", spec).unwrap();
    repo.add_target(None, "m/x", fake_file(5)).unwrap();
    let mut keys = all_keys();
    keys.add(Signer::dangerous_hmac_sha256(&[9u8; 32]).unwrap());
    repo.commit(&keys, now()).unwrap();
    let store = tempfile::tempdir().unwrap();
    let mut secrets = DangerousHmacSecrets::none();
    secrets.dangerous_add_shared_secret(&[9u8; 32]).unwrap();
    let mut u = client_with(
        dir.path(),
        store.path(),
        UpdaterConfig {
            dangerous_hmac_secrets: secrets,
            ..Default::default()
        },
    );
    assert_eq!(u.get_targetinfo("m/x").unwrap().file.length, 5);
    // A client without the secret cannot verify that role.
    let store = tempfile::tempdir().unwrap();
    let mut u = client_with(dir.path(), store.path(), UpdaterConfig::default());
    assert!(matches!(
        u.get_targetinfo("m/x"),
        Err(TufError::ThresholdNotMet { .. })
    ));
}

#[test]
fn placement_is_checked_against_the_client_search() {
    let dir = tempfile::tempdir().unwrap();
    let mut repo = Repository::create(dir.path(), &options(), &all_keys(), now()).unwrap();
    repo.delegate(
        "targets",
        DelegationSpec {
            name: "pkg".into(),
            keys: vec![key(5)],
            threshold: 1,
            terminating: true,
            scope: PathScope::Paths(vec!["pkg/*".into()]),
        },
    )
    .unwrap();
    // Outside the role's paths.
    assert!(matches!(
        repo.add_target(Some("pkg"), "other/x", fake_file(1)),
        Err(TufError::Refused(EditorRefusal::OutsideDelegatedScope { path, role }))
            if path == "other/x" && role == "pkg"
    ));
    // Shadowed by an entry in a role searched first.
    repo.add_target(Some("targets"), "pkg/a", fake_file(1))
        .unwrap();
    assert!(matches!(
        repo.add_target(Some("pkg"), "pkg/a", fake_file(2)),
        Err(TufError::Refused(EditorRefusal::ShadowedTarget { role, listed_by, .. }))
            if role == "pkg" && listed_by == "targets"
    ));
    assert_eq!(repo.remove_target(None, "pkg/a").unwrap(), "targets");
    assert_eq!(repo.add_target(None, "pkg/a", fake_file(2)).unwrap(), "pkg");
    assert!(matches!(
        repo.remove_target(None, "nope"),
        Err(TufError::TargetNotFound { .. })
    ));
    // Bad paths, bad hashes, duplicate and reserved role names.
    assert!(matches!(
        repo.add_target(None, "../etc/passwd", fake_file(1)),
        Err(TufError::Refused(EditorRefusal::TargetPathSegment { .. }))
    ));
    let mut f = fake_file(1);
    f.hashes.insert("md5".into(), "00".repeat(16));
    assert!(matches!(
        repo.add_target(None, "x", f),
        Err(TufError::Refused(EditorRefusal::UncheckableHashAlgorithm { algorithm, .. })) if algorithm == "md5"
    ));
    for name in ["pkg", "snapshot", ""] {
        let r = repo.delegate(
            "targets",
            DelegationSpec {
                name: name.into(),
                keys: vec![key(5)],
                threshold: 1,
                terminating: false,
                scope: PathScope::Paths(vec!["*".into()]),
            },
        );
        let refused = match r {
            Err(TufError::Refused(refusal)) => refusal,
            other => panic!("{name:?}: {other:?}"),
        };
        let expected = match name {
            "pkg" => EditorRefusal::RoleExists { role: name.into() },
            "snapshot" => EditorRefusal::TopLevelRoleName { name: name.into() },
            _ => EditorRefusal::RoleNameLength { name: name.into() },
        };
        assert_eq!(refused, expected);
    }
    // A threshold nobody can meet.
    let r = repo.delegate(
        "targets",
        DelegationSpec {
            name: "two".into(),
            keys: vec![key(5)],
            threshold: 2,
            terminating: false,
            scope: PathScope::Paths(vec!["*".into()]),
        },
    );
    assert!(matches!(
        r,
        Err(TufError::Refused(EditorRefusal::ThresholdAboveKeys { role, threshold: 2, keys: 1 }))
            if role == "two"
    ));
    // Succinct bins cannot join a delegator that lists roles.
    assert!(matches!(
        repo.delegate_succinct("targets", "bins", 3, vec![key(5)], 1),
        Err(TufError::Refused(EditorRefusal::DelegatesToListedRoles { delegator })) if delegator == "targets"
    ));
    repo.commit(&all_keys(), now()).unwrap();
    assert_eq!(download_info(dir.path(), "pkg/a").length, 2);
}

#[test]
fn delegation_keys_rotate_and_revoke() {
    let dir = tempfile::tempdir().unwrap();
    let keys = ring(&[1, 2, 3, 4, 5, 6]);
    let mut repo = Repository::create(dir.path(), &options(), &keys, now()).unwrap();
    repo.delegate_succinct("targets", "bin", 3, vec![key(5)], 1)
        .unwrap();
    repo.add_targets_bulk((0..100u64).map(|i| {
        let f = fake_file(i);
        (format!("p/{i}"), f.length, f.hashes)
    }))
    .unwrap();
    repo.commit(&keys, now()).unwrap();
    assert_eq!(download_info(dir.path(), "p/42").length, 42);

    repo.change_delegation_keys(
        "targets",
        "bin",
        &KeyChange {
            add: vec![key(6)],
            remove: vec![key_id(&key(5)).unwrap()],
            threshold: None,
        },
    )
    .unwrap();
    // Key 5 alone can no longer sign the bins.
    assert!(matches!(
        repo.commit(&ring(&[2, 3, 4, 5]), now()),
        Err(TufError::ThresholdNotMet { .. })
    ));
    let s = repo.commit(&keys, now()).unwrap();
    assert_eq!(s.targets_roles, 9, "targets and its 8 bins");
    assert_eq!(download_info(dir.path(), "p/7").length, 7);

    repo.revoke("targets", "bin").unwrap();
    repo.commit(&keys, now()).unwrap();
    let store = tempfile::tempdir().unwrap();
    let mut u = client_with(dir.path(), store.path(), UpdaterConfig::default());
    assert!(matches!(
        u.get_targetinfo("p/7"),
        Err(TufError::TargetNotFound { .. })
    ));
    assert!(matches!(
        repo.revoke("targets", "bin"),
        Err(TufError::NotDelegated { .. })
    ));
}

#[test]
fn bulk_targets_into_classic_and_succinct_bins() {
    for succinct in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let keys = all_keys();
        let mut opts = options();
        opts.config.snapshot_meta_hashes = succinct;
        let mut repo = Repository::create(dir.path(), &opts, &keys, now()).unwrap();
        if succinct {
            repo.delegate_succinct("targets", "bins", 8, vec![key(5)], 1)
                .unwrap();
        } else {
            repo.delegate_hash_bins("targets", "bins", 256, vec![key(5)], 1)
                .unwrap();
        }
        let n = 20_000u64;
        let added = repo
            .add_targets_bulk((0..n).map(|i| {
                let f = fake_file(i);
                (format!("packages/p{i}/p{i}-1.0.tar.gz"), f.length, f.hashes)
            }))
            .unwrap();
        assert_eq!(added, n);
        let s = repo.commit(&keys, now()).unwrap();
        assert_eq!(s.targets_roles, 257);
        drop(repo);
        for i in [0u64, 1, 4_321, n - 1] {
            let path = format!("packages/p{i}/p{i}-1.0.tar.gz");
            assert_eq!(download_info(dir.path(), &path).length, i);
            // The bulk path put it where a single add would have.
            let mut repo2 = Repository::open(dir.path()).unwrap();
            let (role, _) = repo2.find_target(&path).unwrap().unwrap();
            assert_eq!(role, repo2.route(&path).unwrap());
        }
    }
}

#[test]
fn non_consistent_snapshot_repositories() {
    let dir = tempfile::tempdir().unwrap();
    let src = tempfile::tempdir().unwrap();
    let mut opts = options();
    opts.consistent_snapshot = false;
    let keys = all_keys();
    let mut repo = Repository::create(dir.path(), &opts, &keys, now()).unwrap();
    let f = write_source(src.path(), "x", b"plain names");
    repo.add_target_from_file(None, "d/x.txt", &f, None)
        .unwrap();
    repo.commit(&keys, now()).unwrap();
    for name in [
        "targets.json",
        "snapshot.json",
        "timestamp.json",
        "1.root.json",
        "root.json",
    ] {
        assert!(md_dir(dir.path()).join(name).exists(), "{name}");
    }
    assert!(dir.path().join("targets/d/x.txt").exists());
    assert_eq!(download(dir.path(), "d/x.txt").unwrap(), b"plain names");
}

#[test]
fn misuse_and_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let mut repo = Repository::init(dir.path(), &options(), now()).unwrap();
    // Editing targets before the root is published.
    assert!(matches!(
        repo.add_target(None, "a", fake_file(1)),
        Err(TufError::Refused(EditorRefusal::NoPublishedRoot { .. }))
    ));
    // init twice.
    assert!(matches!(
        Repository::init(dir.path(), &options(), now()),
        Err(TufError::Refused(EditorRefusal::RepositoryExists { .. }))
    ));
    // Opening a directory that is not a repository.
    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(
        Repository::open(empty.path()),
        Err(TufError::Refused(EditorRefusal::NotARepository { .. }))
    ));
    // An expired root cannot be published.
    repo.sign_root(&signer(1)).unwrap();
    assert!(matches!(
        repo.publish_root(&all_keys(), now() + 400 * 86_400),
        Err(TufError::ExpiredMetadata { .. })
    ));
    // A threshold higher than the keys.
    let mut bad = options();
    bad.root.threshold = 2;
    let d2 = tempfile::tempdir().unwrap();
    assert!(matches!(
        Repository::init(d2.path(), &bad, now()),
        Err(TufError::Refused(EditorRefusal::ThresholdAboveKeys { role, threshold: 2, keys: 1 })) if role == "root"
    ));
    // A corrupt metadata file is a structured error on open.
    repo.publish_root(&all_keys(), now()).unwrap();
    std::fs::write(md_dir(dir.path()).join("timestamp.json"), b"{not json").unwrap();
    drop(repo);
    match Repository::open(dir.path()) {
        Err(TufError::UntrustedRepositoryFile { path, source }) => {
            assert_eq!(path, md_dir(dir.path()).join("timestamp.json"));
            assert!(matches!(*source, TufError::Json { .. }), "{source:?}");
        }
        other => panic!("{other:?}"),
    }
}

/// (user, system) CPU seconds of this process so far (Linux), to tell work from waiting.
fn cpu_seconds() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Fields after the command: state is 0, utime is 11, stime is 12 (clock ticks of 1/100 s).
    (ticks(11) / 100.0, ticks(12) / 100.0)
}

/// PEP 458 scale: 2,273,539 targets in 16,384 bins, classic and succinct. Run with
/// `cargo test --release -p lumen-tuf --test editor -- --ignored --nocapture pep458`
/// (`LUMEN_PEP458_TARGETS=N` for another number of targets).
#[test]
#[ignore = "benchmark: run explicitly in release mode"]
fn pep458_scale() {
    let targets: u64 = std::env::var("LUMEN_PEP458_TARGETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_273_539);
    let keys = all_keys();
    // Both repositories stay until the end: deleting 16,384 files right before creating as
    // many makes ext4 skip the recently freed inodes one by one.
    let mut keep = Vec::new();
    for succinct in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        // Target descriptions as a registry would have them (hashes already known).
        let t0 = std::time::Instant::now();
        let items: Vec<lumen_tuf::editor::BulkTarget> = (0..targets)
            .map(|i| {
                let f = fake_file(i);
                (
                    format!(
                        "packages/{:02x}/pkg{i}/pkg{i}-1.0.0-py3-none-any.whl",
                        i % 256
                    ),
                    f.length,
                    f.hashes,
                )
            })
            .collect();
        let generated = t0.elapsed();
        let cpu0 = cpu_seconds();
        let t = std::time::Instant::now();
        let mut repo = Repository::create(dir.path(), &options(), &keys, now()).unwrap();
        if succinct {
            repo.delegate_succinct("targets", "bins", 14, vec![key(5)], 1)
                .unwrap();
        } else {
            repo.delegate_hash_bins("targets", "bins", 16_384, vec![key(5)], 1)
                .unwrap();
        }
        let delegated = t.elapsed();
        repo.add_targets_bulk(items).unwrap();
        let added = t.elapsed();
        let s = repo.commit(&keys, now()).unwrap();
        let total = t.elapsed();
        let cpu1 = cpu_seconds();
        let (user, system) = (cpu1.0 - cpu0.0, cpu1.1 - cpu0.1);
        assert_eq!(s.targets_roles, 16_385);
        eprintln!(
            "{}: generate {:.2?} (not counted); build {:.2?} (CPU: user {user:.2}s, system {system:.2}s) = delegate {:.2?} + add {:.2?} + sign/write {:.2?}",
            if succinct { "succinct" } else { "classic" },
            generated,
            total,
            delegated,
            added - delegated,
            total - added,
        );
        let t = std::time::Instant::now();
        assert_eq!(
            download_info(dir.path(), "packages/07/pkg7/pkg7-1.0.0-py3-none-any.whl").length,
            7
        );
        eprintln!("client refresh + lookup {:.2?}", t.elapsed());
        drop(repo);
        keep.push(dir);
    }
}

/// The refusal `r` carries, or a panic naming what came instead.
fn refused<T: std::fmt::Debug>(r: Result<T, TufError>) -> EditorRefusal {
    match r {
        Err(TufError::Refused(refusal)) => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn spec(name: &str, scope: PathScope) -> DelegationSpec {
    DelegationSpec {
        name: name.into(),
        keys: vec![key(5)],
        threshold: 1,
        terminating: false,
        scope,
    }
}

/// The refusal of `edit` as an edit of the next root version, which must stage nothing.
fn refused_root_edit(
    repo: &mut Repository,
    edit: impl FnOnce(&mut RootEditor<'_>) -> Result<(), TufError>,
) -> EditorRefusal {
    let refusal = refused(repo.edit_root(now(), edit));
    assert!(repo.staged_root().is_none(), "{refusal:?} staged a root");
    refusal
}

#[test]
fn root_refusals_name_their_case_and_stage_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut repo = Repository::create(dir.path(), &options(), &all_keys(), now()).unwrap();
    // Nothing is staged.
    assert_eq!(
        refused(repo.sign_root(&signer(1))),
        EditorRefusal::NoStagedRootToSign
    );
    assert_eq!(
        refused(repo.publish_root(&all_keys(), now())),
        EditorRefusal::NoStagedRoot
    );
    assert_eq!(
        refused(repo.root_signing_status()),
        EditorRefusal::NoStagedRoot
    );
    assert_eq!(
        refused(repo.resign("root")),
        EditorRefusal::RootSignedOffline
    );

    let targets_id = key_id(&key(2)).unwrap();
    let change = |add: Vec<lumen_tuf::metadata::Key>, remove: &[&str], threshold| KeyChange {
        add,
        remove: remove.iter().map(|r| (*r).to_owned()).collect(),
        threshold,
    };
    assert_eq!(
        refused_root_edit(&mut repo, |r| r.change_keys("pkg", &KeyChange::default())),
        EditorRefusal::NotTopLevelRole { role: "pkg".into() }
    );
    assert_eq!(
        refused_root_edit(&mut repo, |r| r
            .change_keys("targets", &change(vec![], &["nope"], None))),
        EditorRefusal::KeyNotInRole {
            role: "targets".into(),
            keyid: "nope".into(),
        }
    );
    assert_eq!(
        refused_root_edit(&mut repo, |r| r
            .change_keys("targets", &change(vec![], &[], Some(0)))),
        EditorRefusal::ZeroThreshold {
            role: "targets".into(),
        }
    );
    assert_eq!(
        refused_root_edit(&mut repo, |r| r
            .change_keys("snapshot", &change(vec![key(8)], &[], Some(3)))),
        EditorRefusal::ThresholdAboveKeys {
            role: "snapshot".into(),
            threshold: 3,
            keys: 2,
        }
    );
    let mut no_public = key(7);
    no_public.keyval.clear();
    assert_eq!(
        refused_root_edit(&mut repo, |r| r
            .change_keys("targets", &change(vec![no_public], &[], None))),
        EditorRefusal::MissingPublicKey {
            keytype: "ed25519".into(),
            scheme: "ed25519".into(),
        }
    );
    let odd = lumen_tuf::metadata::Key::new("x-key", "x-scheme", "00".into());
    assert_eq!(
        refused_root_edit(&mut repo, |r| r
            .change_keys("targets", &change(vec![odd], &[], None))),
        EditorRefusal::UnsupportedKey {
            keytype: "x-key".into(),
            scheme: "x-scheme".into(),
        }
    );
    // Another tool listed a different key under the id key 7 gets.
    let id7 = key_id(&key(7)).unwrap();
    assert_eq!(
        refused_root_edit(&mut repo, |r| {
            r.root_mut().keys.insert(id7.clone(), key(8));
            r.change_keys("targets", &change(vec![key(7)], &[], None))
        }),
        EditorRefusal::KeyIdClash { keyid: id7.clone() }
    );
    assert_eq!(
        refused_root_edit(&mut repo, |r| {
            r.root_mut().common.version = 7;
            Ok(())
        }),
        EditorRefusal::RootVersionEdited {
            expected: 2,
            found: 7,
        }
    );
    assert_eq!(
        refused_root_edit(&mut repo, |r| {
            r.root_mut().consistent_snapshot = Some(false);
            Ok(())
        }),
        EditorRefusal::ConsistentSnapshotChanged
    );
    assert_eq!(
        refused_root_edit(&mut repo, |r| {
            r.root_mut().roles.remove("snapshot");
            Ok(())
        }),
        EditorRefusal::RootRoleMissing {
            role: "snapshot".into(),
        }
    );
    assert_eq!(
        refused_root_edit(&mut repo, |r| {
            let targets = r.root().roles["targets"].clone();
            r.root_mut().roles.insert("mirrors".into(), targets);
            Ok(())
        }),
        EditorRefusal::UnexpectedRootRoles {
            roles: vec!["mirrors".into()],
        }
    );
    assert_eq!(
        refused_root_edit(&mut repo, |r| {
            if let Some(role) = r.root_mut().roles.get_mut("targets") {
                role.keyids.push("ab".repeat(32));
            }
            Ok(())
        }),
        EditorRefusal::KeyNotInTable {
            role: "targets".into(),
            keyid: "ab".repeat(32),
        }
    );
    // The refusals did not change the published root's keys.
    assert_eq!(
        repo.root().unwrap().signed.roles["targets"].keyids,
        vec![targets_id]
    );
    // A key that signs neither the staged root nor the published one.
    repo.edit_root(now(), |_| Ok(())).unwrap();
    assert_eq!(
        refused(repo.sign_root(&signer(9))),
        EditorRefusal::NotARootKey {
            keyid: signer(9).keyid().to_owned()
        }
    );
}

#[test]
fn delegation_and_target_refusals_name_their_case() {
    let dir = tempfile::tempdir().unwrap();
    let mut repo = Repository::create(dir.path(), &options(), &all_keys(), now()).unwrap();
    let paths = |p: &str| PathScope::Paths(vec![p.into()]);
    assert_eq!(
        refused(repo.delegate("targets", spec("a\nb", paths("*")))),
        EditorRefusal::RoleNameControlCharacter {
            name: "a\nb".into()
        }
    );
    assert_eq!(
        refused(repo.delegate("targets", spec(&"r".repeat(256), paths("*")))),
        EditorRefusal::RoleNameLength {
            name: "r".repeat(256)
        }
    );
    assert_eq!(
        refused(repo.delegate("targets", spec("x", PathScope::Paths(Vec::new())))),
        EditorRefusal::NoPaths { role: "x".into() }
    );
    assert_eq!(
        refused(repo.delegate(
            "targets",
            spec("x", PathScope::HashPrefixes(Vec::<String>::new().into()))
        )),
        EditorRefusal::NoHashPrefixes { role: "x".into() }
    );
    assert_eq!(
        refused(repo.delegate(
            "targets",
            spec(
                "x",
                PathScope::HashPrefixes(vec!["0a".into(), "AB".into()].into())
            )
        )),
        EditorRefusal::MalformedHashPrefix {
            role: "x".into(),
            prefix: "AB".into()
        }
    );
    let mut zero = spec("x", paths("*"));
    zero.threshold = 0;
    assert_eq!(
        refused(repo.delegate("targets", zero)),
        EditorRefusal::ZeroThreshold { role: "x".into() }
    );
    assert_eq!(
        refused(lumen_tuf::editor::hash_bin_names("b", 3)),
        EditorRefusal::HashBinCount { bins: 3 }
    );
    assert_eq!(
        refused(repo.delegate_hash_bins("targets", "b", 1 << 21, vec![key(5)], 1)),
        EditorRefusal::HashBinCount { bins: 1 << 21 }
    );
    for bit_length in [0, 21] {
        assert_eq!(
            refused(repo.delegate_succinct("targets", "sb", bit_length, vec![key(5)], 1)),
            EditorRefusal::SuccinctBitLength { bit_length }
        );
    }
    // A role that delegates to succinct bins lists no roles, and the reverse.
    repo.delegate("targets", spec("succ", paths("s/*")))
        .unwrap();
    repo.delegate_succinct("succ", "sb", 2, vec![key(5)], 1)
        .unwrap();
    assert_eq!(
        refused(repo.delegate("succ", spec("x", paths("s/x/*")))),
        EditorRefusal::DelegatesToSuccinctBins {
            delegator: "succ".into()
        }
    );
    assert_eq!(
        refused(repo.delegate_succinct("targets", "sb", 2, vec![key(5)], 1)),
        EditorRefusal::SuccinctBinNameTaken {
            name_prefix: "sb".into()
        }
    );
    assert_eq!(
        refused(repo.delegate_hash_bins("targets", "sb", 16, vec![key(5)], 1)),
        EditorRefusal::RoleExists {
            role: "sb-0".into()
        }
    );
    assert_eq!(
        refused(repo.delegator_of("nosuch")),
        EditorRefusal::NotDelegatedByAnyRole {
            role: "nosuch".into()
        }
    );
    // Delegations and versions change only through the editor's own operations.
    assert_eq!(
        refused(repo.edit_targets("targets", |t| {
            t.delegations = None;
            Ok(())
        })),
        EditorRefusal::DelegationsEdited {
            role: "targets".into()
        }
    );
    assert_eq!(
        refused(repo.edit_targets("targets", |t| {
            t.common.version += 1;
            Ok(())
        })),
        EditorRefusal::VersionEdited {
            role: "targets".into()
        }
    );
    // Target paths and hashes.
    assert_eq!(
        refused(repo.add_target(None, "", fake_file(1))),
        EditorRefusal::TargetPathLength { path: "".into() }
    );
    assert_eq!(
        refused(repo.add_target(None, "a\\b", fake_file(1))),
        EditorRefusal::TargetPathCharacter {
            path: "a\\b".into()
        }
    );
    let mut no_hash = fake_file(1);
    no_hash.hashes = lumen_tuf::metadata::Hashes::new();
    assert_eq!(
        refused(repo.add_target(None, "a", no_hash)),
        EditorRefusal::NoTargetHash { path: "a".into() }
    );
    let mut upper = fake_file(1);
    upper.hashes.insert("sha256".into(), "AB".repeat(32));
    assert_eq!(
        refused(repo.add_target(None, "a", upper)),
        EditorRefusal::MalformedDigest {
            path: "a".into(),
            algorithm: "sha256".into()
        }
    );
    // A chain of 32 delegated roles is as deep as clients search: a target below it is refused
    // on every path that places targets.
    let mut parent = String::from("targets");
    for i in 0..32 {
        let name = format!("deep{i}");
        repo.delegate(&parent, spec(&name, paths("deep/*")))
            .unwrap();
        parent = name;
    }
    let too_deep = EditorRefusal::DelegationChainTooDeep {
        path: "deep/x".into(),
        max: 32,
    };
    assert_eq!(refused(repo.route("deep/x")), too_deep);
    assert_eq!(
        refused(repo.add_target(None, "deep/x", fake_file(1))),
        too_deep
    );
    let f = fake_file(1);
    assert_eq!(
        refused(repo.add_targets_bulk([("deep/x".to_owned(), f.length, f.hashes)])),
        too_deep
    );
}

#[test]
fn shared_secret_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let mut repo = Repository::create(dir.path(), &options(), &all_keys(), now()).unwrap();
    let mut config = repo.config().clone();
    config.dangerous_allow_hmac_keys = true;
    repo.set_config(config).unwrap();
    let mut bad = spec("mac", PathScope::Paths(vec!["m/*".into()]));
    bad.keys = vec![lumen_tuf::metadata::Key::new(
        "hmac-sha256",
        "hmac-sha256",
        "not hex".into(),
    )];
    assert_eq!(
        refused(repo.delegate("targets", bad)),
        EditorRefusal::MalformedSharedSecretKey
    );
    let mut secrets = DangerousHmacSecrets::none();
    assert!(matches!(
        secrets.dangerous_add_shared_secret(&[1; 31]),
        Err(TufError::HmacSecretTooShort { length: 31 })
    ));
    assert!(matches!(
        Signer::dangerous_hmac_sha256(&[1; 16]),
        Err(TufError::HmacSecretTooShort { length: 16 })
    ));
}

/// Re-signs `timestamp.json` of the repository in `dir` (timestamp key 4) with version `version`.
fn set_timestamp_version(dir: &Path, version: u64) {
    let path = md_dir(dir).join("timestamp.json");
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    doc["signed"]["version"] = serde_json::json!(version);
    let canonical = lumen_tuf::canonical::encode(&doc["signed"]).unwrap();
    doc["signatures"] = serde_json::json!([{
        "keyid": signer(4).keyid(),
        "sig": signer(4).sign_hex(&canonical).unwrap(),
    }]);
    std::fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
}

#[test]
fn a_version_that_cannot_grow_is_refused_and_a_half_done_commit_poisons_the_editor() {
    let dir = tempfile::tempdir().unwrap();
    let keys = all_keys();
    Repository::create(dir.path(), &options(), &keys, now()).unwrap();
    set_timestamp_version(dir.path(), u64::MAX);
    let mut repo = Repository::open(dir.path()).unwrap();
    // The refusal comes after the new snapshot was written: memory no longer matches the disk.
    assert_eq!(
        refused(repo.refresh(&keys, now())),
        EditorRefusal::VersionExhausted {
            role: "timestamp".into()
        }
    );
    assert!(matches!(
        repo.add_target(None, "a", fake_file(1)),
        Err(TufError::ApiMisuse(Misuse::EditorPoisoned))
    ));
    assert!(matches!(
        repo.commit(&keys, now()),
        Err(TufError::ApiMisuse(Misuse::EditorPoisoned))
    ));
}

#[test]
fn editor_and_client_misuse_is_typed() {
    // A repository whose only root, staged, was discarded has no root to edit.
    let dir = tempfile::tempdir().unwrap();
    let mut repo = Repository::init(dir.path(), &options(), now()).unwrap();
    repo.discard_staged_root().unwrap();
    assert!(matches!(
        repo.edit_root(now(), |_| Ok(())),
        Err(TufError::ApiMisuse(Misuse::NoRoot))
    ));

    let dir = tempfile::tempdir().unwrap();
    Repository::create(dir.path(), &options(), &all_keys(), now()).unwrap();
    // A client needs a trusted root in its store.
    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(
        Updater::new(
            DirStore::new(empty.path()).unwrap(),
            DirFetcher::new(md_dir(dir.path())),
            UpdaterConfig::default(),
        ),
        Err(TufError::ApiMisuse(Misuse::NoTrustedRoot))
    ));
    // refresh() runs once.
    let mut u = refresh(dir.path()).unwrap();
    assert!(matches!(
        u.refresh(),
        Err(TufError::ApiMisuse(Misuse::RefreshTwice))
    ));
    // Targets cannot be looked up after a refresh that failed before snapshot.
    std::fs::remove_file(md_dir(dir.path()).join("1.snapshot.json")).unwrap();
    let store = tempfile::tempdir().unwrap();
    let mut u = client_with(dir.path(), store.path(), UpdaterConfig::default());
    assert!(matches!(u.refresh(), Err(TufError::Fetch { .. })));
    assert!(matches!(
        u.get_targetinfo("a"),
        Err(TufError::ApiMisuse(Misuse::NoTrustedSnapshot))
    ));
}

#[test]
fn status_reports_published_roles_delegations_and_the_staged_root() {
    let dir = tempfile::tempdir().unwrap();
    let t = now();
    let mut repo = Repository::init(dir.path(), &options(), t).unwrap();
    // Before root version 1 is published: only the staged root.
    let st = repo.status(t).unwrap();
    assert!(st.consistent_snapshot);
    assert!(st.roles.is_empty() && st.delegated.is_empty());
    let staged = st.staged_root.unwrap();
    assert_eq!((staged.version, staged.signed, staged.threshold), (1, 0, 1));
    assert_eq!(staged.previous, None);

    repo.sign_root(&signer(1)).unwrap();
    let keys = all_keys();
    repo.publish_root(&keys, t).unwrap();
    repo.delegate(
        "targets",
        spec("pkg", PathScope::Paths(vec!["pkg/*".into()])),
    )
    .unwrap();
    repo.delegate_succinct("pkg", "sb", 1, vec![key(5)], 1)
        .unwrap();
    repo.add_target(None, "top", fake_file(1)).unwrap();
    repo.add_target(None, "pkg/a", fake_file(2)).unwrap();
    repo.commit(&keys, t).unwrap();
    drop(repo);

    let mut repo = Repository::open(dir.path()).unwrap();
    let st = repo.status(t).unwrap();
    let names: Vec<&str> = st.roles.iter().map(|r| r.role).collect();
    assert_eq!(names, ["root", "timestamp", "snapshot", "targets"]);
    for (role, n) in [
        ("root", 1),
        ("targets", 2),
        ("snapshot", 3),
        ("timestamp", 4),
    ] {
        let r = st.role(role).unwrap();
        assert_eq!(r.keyids, vec![key_id(&key(n)).unwrap()], "{role}");
        assert_eq!(r.threshold, 1);
        assert!(!r.expired, "{role}");
    }
    let versions: Vec<u64> = st.roles.iter().map(|r| r.version).collect();
    assert_eq!(versions, [1, 2, 2, 2]);
    assert_eq!(st.role("targets").unwrap().targets, Some(1));
    assert_eq!(st.role("root").unwrap().targets, None);
    let delegated: Vec<(&str, u64)> = st
        .delegated
        .iter()
        .map(|d| (d.role.as_str(), d.version))
        .collect();
    assert_eq!(delegated, [("pkg", 1), ("sb-0", 1), ("sb-1", 1)]);
    assert_eq!(st.staged_root, None);
    // Expiry is judged at the time asked for: timestamp (1 day) expires first.
    let later = repo.status(t + 2 * 86_400).unwrap();
    let expired: Vec<&str> = later
        .roles
        .iter()
        .filter(|r| r.expired)
        .map(|r| r.role)
        .collect();
    assert_eq!(expired, ["timestamp"]);

    // A new root version collecting signatures.
    repo.edit_root(t, |r| {
        r.change_keys(
            "timestamp",
            &KeyChange {
                add: vec![key(6)],
                ..Default::default()
            },
        )
    })
    .unwrap();
    let staged = repo.status(t).unwrap().staged_root.unwrap();
    assert_eq!(staged, repo.root_signing_status().unwrap());
    assert_eq!(
        (staged.version, staged.signed, staged.previous),
        (2, 0, Some((0, 1)))
    );
}

#[test]
fn the_delegator_of_a_delegation_knows_succinct_bins() {
    let dir = tempfile::tempdir().unwrap();
    let keys = all_keys();
    let mut repo = Repository::create(dir.path(), &options(), &keys, now()).unwrap();
    repo.delegate(
        "targets",
        spec("pkg", PathScope::Paths(vec!["pkg/*".into()])),
    )
    .unwrap();
    repo.delegate_succinct("pkg", "sb", 2, vec![key(5)], 1)
        .unwrap();
    repo.delegate_hash_bins("targets", "hb", 4, vec![key(5)], 1)
        .unwrap();
    repo.commit(&keys, now()).unwrap();
    drop(repo);
    // A fresh editor has read only `targets`: the lookup reads what it needs.
    for (name, delegator) in [
        ("pkg", Some("targets")),
        ("targets", Some("root")),
        ("sb", Some("pkg")),
        ("sb-3", Some("pkg")),
        ("hb-4-7", Some("targets")),
        // The prefix of classic hash bins names no delegation, nor does a prefix of a prefix.
        ("hb", None),
        ("s", None),
        ("nosuch", None),
    ] {
        let mut repo = Repository::open(dir.path()).unwrap();
        match delegator {
            Some(d) => assert_eq!(repo.delegator_of_delegation(name).unwrap(), d, "{name}"),
            None => assert_eq!(
                refused(repo.delegator_of_delegation(name)),
                EditorRefusal::NotDelegatedByAnyRole { role: name.into() },
                "{name}"
            ),
        }
    }
    // What it finds is what change_delegation_keys takes.
    let mut repo = Repository::open(dir.path()).unwrap();
    let d = repo.delegator_of_delegation("sb").unwrap();
    repo.change_delegation_keys(
        &d,
        "sb",
        &KeyChange {
            add: vec![key(6)],
            ..Default::default()
        },
    )
    .unwrap();
    repo.commit(&ring(&[1, 2, 3, 4, 5, 6]), now()).unwrap();
}
