//! `lumen tuf …` run as a real process: a repository is created, edited, rotated and checked
//! with the TUF client (`lumen tuf verify` and `lumen_tuf::Updater`); failures exit 1 or 2 with
//! a hint.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::lumen;
use predicates::prelude::*;
use std::path::Path;

/// Writes an unencrypted key file `NAME.key` in `dir`.
fn keygen(dir: &Path, name: &str) {
    lumen(dir)
        .args(["key", "generate", "--unencrypted", "--out"])
        .arg(format!("{name}.key"))
        .assert()
        .success();
}

fn keys(dir: &Path, names: &[&str]) {
    for n in names {
        keygen(dir, n);
    }
}

/// `--key NAME.key` for each name.
fn key_args(names: &[&str]) -> Vec<String> {
    names
        .iter()
        .flat_map(|n| ["--key".to_owned(), format!("{n}.key")])
        .collect()
}

fn tuf(dir: &Path, args: &[&str], signers: &[&str]) -> assert_cmd::assert::Assert {
    lumen(dir)
        .arg("tuf")
        .args(args)
        .args(key_args(signers))
        .assert()
}

fn init(dir: &Path) {
    keys(dir, &["root", "targets", "snapshot", "timestamp"]);
    tuf(
        dir,
        &[
            "init",
            "--repo",
            "repo",
            "--root-key",
            "root.key",
            "--targets-key",
            "targets.key",
            "--snapshot-key",
            "snapshot.key",
            "--timestamp-key",
            "timestamp.key",
        ],
        &["root", "targets", "snapshot", "timestamp"],
    )
    .success()
    .stderr(predicate::str::contains("created TUF repository"));
}

fn verify_json(dir: &Path, targets: &[&str]) -> serde_json::Value {
    let mut cmd = lumen(dir);
    cmd.args(["tuf", "verify", "--repo", "repo", "--json"]);
    for t in targets {
        cmd.args(["--target", t]);
    }
    let out = cmd.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).unwrap()
}

fn status_json(dir: &Path) -> serde_json::Value {
    let out = lumen(dir)
        .args(["tuf", "status", "--repo", "repo", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn init_add_delegate_refresh_and_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir);
    keygen(dir, "bins");
    std::fs::write(dir.join("hello.txt"), b"hello").unwrap();
    tuf(
        dir,
        &["add-target", "--repo", "repo", "hello.txt"],
        &["targets", "snapshot", "timestamp"],
    )
    .success()
    .stderr(predicate::str::contains(
        "added hello.txt (5 bytes) to targets",
    ));

    let all = ["targets", "bins", "snapshot", "timestamp"];
    tuf(
        dir,
        &[
            "delegate",
            "--repo",
            "repo",
            "--name",
            "pkg",
            "--paths",
            "pkg/*",
            "--delegate-key",
            "bins.key",
            "--terminating",
        ],
        &all,
    )
    .success();
    for (name, pattern) in [("hb", "h/*"), ("sb", "s/*")] {
        tuf(
            dir,
            &[
                "delegate",
                "--repo",
                "repo",
                "--name",
                name,
                "--paths",
                pattern,
                "--delegate-key",
                "bins.key",
            ],
            &all,
        )
        .success();
    }
    tuf(
        dir,
        &[
            "delegate",
            "--repo",
            "repo",
            "--delegator",
            "hb",
            "--name",
            "hb",
            "--hash-bins",
            "16",
            "--delegate-key",
            "bins.key",
        ],
        &["bins", "snapshot", "timestamp"],
    )
    .success()
    .stderr(predicate::str::contains("16 hash bins hb-0 … hb-f"));
    tuf(
        dir,
        &[
            "delegate",
            "--repo",
            "repo",
            "--delegator",
            "sb",
            "--name",
            "sb",
            "--succinct-bits",
            "3",
            "--delegate-key",
            "bins.key",
        ],
        &["bins", "snapshot", "timestamp"],
    )
    .success()
    .stderr(predicate::str::contains("8 succinct hash bins"));

    std::fs::write(dir.join("a.txt"), b"in pkg").unwrap();
    std::fs::write(dir.join("x.bin"), b"in a classic bin").unwrap();
    std::fs::write(dir.join("y.bin"), b"in a succinct bin").unwrap();
    for (prefix, file, role) in [
        ("pkg/", "a.txt", "to pkg"),
        ("h/", "x.bin", "to hb-"),
        ("s/", "y.bin", "to sb-"),
    ] {
        tuf(
            dir,
            &["add-target", "--repo", "repo", "--prefix", prefix, file],
            &["bins", "snapshot", "timestamp"],
        )
        .success()
        .stderr(predicate::str::contains(role));
    }
    tuf(
        dir,
        &[
            "add-target",
            "--repo",
            "repo",
            "--path",
            "custom.txt",
            "--custom",
            r#"{"owner":"team-a"}"#,
            "hello.txt",
        ],
        &["targets", "snapshot", "timestamp"],
    )
    .success();

    let before = verify_json(dir, &[])["timestamp"].as_u64().unwrap();
    tuf(
        dir,
        &["refresh", "--repo", "repo"],
        &["snapshot", "timestamp"],
    )
    .success()
    .stderr(predicate::str::contains("snapshot v"));
    let v = verify_json(
        dir,
        &["hello.txt", "pkg/a.txt", "h/x.bin", "s/y.bin", "custom.txt"],
    );
    assert_eq!(v["timestamp"].as_u64().unwrap(), before + 1);
    assert_eq!(v["downloaded"].as_array().unwrap().len(), 5);
    assert_eq!(v["downloaded"][3]["length"], 17);

    let s = status_json(dir);
    assert_eq!(s["consistent_snapshot"], true);
    assert_eq!(s["roles"]["targets"]["targets"], 2);
    assert_eq!(s["delegated_roles"], 3 + 16 + 8);
    assert_eq!(s["staged_root"], serde_json::Value::Null);
    lumen(dir)
        .args(["tuf", "status", "--repo", "repo"])
        .assert()
        .success()
        .stdout(predicate::str::contains("timestamp  v"));

    // The crate's client agrees, custom metadata included.
    let root = std::fs::read(dir.join("repo/metadata/1.root.json")).unwrap();
    let store = tempfile::tempdir().unwrap();
    let mut u = lumen_tuf::Updater::bootstrap(
        lumen_tuf::store::DirStore::new(store.path()).unwrap(),
        lumen_tuf::fetch::DirFetcher::new(dir.join("repo/metadata")),
        Default::default(),
        &root,
    )
    .unwrap();
    let info = u.get_targetinfo("custom.txt").unwrap();
    assert_eq!(info.file.custom().unwrap()["owner"], "team-a");

    // Remove a target and revoke a delegation.
    tuf(
        dir,
        &["remove-target", "--repo", "repo", "pkg/a.txt"],
        &["bins", "snapshot", "timestamp"],
    )
    .success()
    .stderr(predicate::str::contains("removed pkg/a.txt from pkg"));
    tuf(
        dir,
        &["revoke", "--repo", "repo", "--name", "sb"],
        &["targets", "snapshot", "timestamp"],
    )
    .success();
    lumen(dir)
        .args(["tuf", "verify", "--repo", "repo", "--target", "s/y.bin"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "error: target s/y.bin does not verify",
        ))
        .stderr(predicate::str::contains("hint:"));
}

#[test]
fn offline_root_with_threshold_and_key_rotation() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    keys(
        dir,
        &[
            "r1",
            "r2",
            "r3",
            "targets",
            "snapshot",
            "timestamp",
            "timestamp2",
        ],
    );
    // Root keys r1, r2, r3 with threshold 2; only r1 signs at init.
    tuf(
        dir,
        &[
            "init",
            "--repo",
            "repo",
            "--root-key",
            "r1.key",
            "--root-key",
            "r2.key",
            "--root-key",
            "r3.key",
            "--root-threshold",
            "2",
            "--targets-key",
            "targets.key",
            "--snapshot-key",
            "snapshot.key",
            "--timestamp-key",
            "timestamp.key",
            "--expires",
            "timestamp=6h",
        ],
        &["r1"],
    )
    .success()
    .stderr(predicate::str::contains("1 of 2 signatures"))
    .stderr(predicate::str::contains("lumen tuf sign"));
    assert!(!dir.join("repo/metadata/root.json").exists());
    // Publishing now fails closed, with a hint.
    tuf(
        dir,
        &["publish", "--repo", "repo"],
        &["targets", "snapshot", "timestamp"],
    )
    .code(2)
    .stderr(predicate::str::contains(
        "error: cannot publish the staged root",
    ))
    .stderr(predicate::str::contains("1 of the required 2"))
    .stderr(predicate::str::contains(
        "hint: root needs 1 more signature",
    ));
    tuf(dir, &["sign", "--repo", "repo"], &["r3"])
        .success()
        .stdout(predicate::str::contains("ready to publish"));
    tuf(
        dir,
        &["publish", "--repo", "repo"],
        &["targets", "snapshot", "timestamp"],
    )
    .success()
    .stderr(predicate::str::contains("root v1"));
    let s = status_json(dir);
    assert_eq!(s["roles"]["root"]["threshold"], 2);
    let ts_expiry = s["roles"]["timestamp"]["expires"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(ts_expiry.ends_with('Z'));

    // Rotate the timestamp key through root v2, signed by two root keys.
    tuf(
        dir,
        &[
            "rotate",
            "--repo",
            "repo",
            "--role",
            "timestamp",
            "--add-key",
            "timestamp2.key",
            "--remove-key",
            "timestamp.key",
        ],
        &["r1", "r2"],
    )
    .success()
    .stdout(predicate::str::contains("staged root v2: 2 of 2"))
    .stdout(predicate::str::contains("2 of 2 of the current root keys"));
    // The new timestamp key must sign in the same publication.
    // (And online keys cannot sign root: refused before anything is staged.)
    tuf(
        dir,
        &[
            "rotate",
            "--repo",
            "repo",
            "--role",
            "snapshot",
            "--threshold",
            "1",
        ],
        &["snapshot"],
    )
    .code(2)
    .stderr(predicate::str::contains("is not a root key"));
    tuf(dir, &["publish", "--repo", "repo"], &["timestamp"])
        .code(2)
        .stderr(predicate::str::contains("timestamp must be signed by 1"))
        .stderr(predicate::str::contains("hint:"));
    assert!(!dir.join("repo/metadata/2.root.json").exists());
    tuf(dir, &["publish", "--repo", "repo"], &["timestamp2"]).success();
    assert_eq!(verify_json(dir, &[])["root"], 2);
    // The old timestamp key no longer refreshes the repository.
    tuf(
        dir,
        &["refresh", "--repo", "repo", "--timestamp-only"],
        &["timestamp"],
    )
    .code(2)
    .stderr(predicate::str::contains("hint:"));
    tuf(
        dir,
        &["refresh", "--repo", "repo", "--timestamp-only"],
        &["timestamp2"],
    )
    .success();

    // Root v3 replaces r3 with r4; prepared unsigned, signed offline from a copy of the file.
    keygen(dir, "r4");
    let r3_id = status_json(dir)["roles"]["root"]["keyids"][2]
        .as_str()
        .unwrap()
        .to_owned();
    tuf(
        dir,
        &[
            "rotate",
            "--repo",
            "repo",
            "--role",
            "root",
            "--add-key",
            "r4.key",
            "--remove-key",
            &r3_id,
        ],
        &[],
    )
    .success()
    .stdout(predicate::str::contains("staged root v3: 0 of 2"));
    std::fs::copy(dir.join("repo/staged/root.json"), dir.join("offline.json")).unwrap();
    tuf(dir, &["sign", "--file", "offline.json"], &["r1", "r4"])
        .success()
        .stdout(predicate::str::contains("2 of 2 signatures"));
    // r3 left the new root: only the previous root knows it.
    tuf(dir, &["sign", "--file", "offline.json"], &["r3"])
        .code(2)
        .stderr(predicate::str::contains("not a root key"));
    tuf(
        dir,
        &[
            "sign",
            "--file",
            "offline.json",
            "--previous",
            "repo/metadata/2.root.json",
        ],
        &["r3"],
    )
    .success()
    .stdout(predicate::str::contains("2 of 2 of the current root keys"));
    tuf(
        dir,
        &["sign", "--repo", "repo", "--import", "offline.json"],
        &["r1"],
    )
    .success()
    .stdout(predicate::str::contains("ready to publish"));
    tuf(dir, &["publish", "--repo", "repo"], &[]).success();
    let v = verify_json(dir, &[]);
    assert_eq!(v["root"], 3);
}

#[test]
fn delegated_key_rotation_and_bulk_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir);
    keys(dir, &["bins", "bins2"]);
    tuf(
        dir,
        &[
            "delegate",
            "--repo",
            "repo",
            "--name",
            "bins",
            "--succinct-bits",
            "4",
            "--delegate-key",
            "bins.key",
        ],
        &["targets", "bins", "snapshot", "timestamp"],
    )
    .success();
    let mut manifest = String::new();
    for i in 0..500u32 {
        let d = lumen_crypto::hash::sha512(&i.to_be_bytes());
        manifest += &serde_json::json!({
            "path": format!("pkgs/p{i}.tgz"),
            "length": i,
            "hashes": {
                "sha256": lumen_crypto::encoding::hex_encode(&d[..32]),
                "sha512": lumen_crypto::encoding::hex_encode(&d),
            },
        })
        .to_string();
        manifest.push('\n');
    }
    std::fs::write(dir.join("manifest.jsonl"), manifest).unwrap();
    tuf(
        dir,
        &[
            "add-target",
            "--repo",
            "repo",
            "--manifest",
            "manifest.jsonl",
        ],
        &["bins", "snapshot", "timestamp"],
    )
    .success()
    .stderr(predicate::str::contains("added 500 target(s)"));

    // Rotate the bins' key: every bin is re-signed with the new one.
    tuf(
        dir,
        &[
            "rotate",
            "--repo",
            "repo",
            "--role",
            "bins",
            "--add-key",
            "bins2.key",
            "--remove-key",
            "bins.key",
        ],
        &["targets", "bins2", "snapshot", "timestamp"],
    )
    .success()
    .stderr(predicate::str::contains("17 targets role(s)"));
    let root = std::fs::read(dir.join("repo/metadata/1.root.json")).unwrap();
    let store = tempfile::tempdir().unwrap();
    let mut u = lumen_tuf::Updater::bootstrap(
        lumen_tuf::store::DirStore::new(store.path()).unwrap(),
        lumen_tuf::fetch::DirFetcher::new(dir.join("repo/metadata")),
        Default::default(),
        &root,
    )
    .unwrap();
    assert_eq!(u.get_targetinfo("pkgs/p321.tgz").unwrap().file.length, 321);

    // A malformed manifest line is a usage error that names the line.
    std::fs::write(dir.join("bad.jsonl"), "{\"path\": \"x\"}\n").unwrap();
    tuf(
        dir,
        &["add-target", "--repo", "repo", "--manifest", "bad.jsonl"],
        &["bins2", "snapshot", "timestamp"],
    )
    .code(2)
    .stderr(predicate::str::contains("bad.jsonl:1"))
    .stderr(predicate::str::contains("hint:"));
}

#[test]
fn failures_exit_with_a_hint() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // Not a repository.
    lumen(dir)
        .args(["tuf", "status", "--repo", "nowhere"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("error: cannot open nowhere"))
        .stderr(predicate::str::contains(
            "hint: create one with `lumen tuf init",
        ));
    // Usage errors from the grammar.
    lumen(dir)
        .args(["tuf", "add-target", "file"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--repo"));
    init(dir);
    // init twice.
    tuf(
        dir,
        &[
            "init",
            "--repo",
            "repo",
            "--root-key",
            "root.key",
            "--targets-key",
            "targets.key",
            "--snapshot-key",
            "snapshot.key",
            "--timestamp-key",
            "timestamp.key",
        ],
        &[],
    )
    .code(2)
    .stderr(predicate::str::contains("already holds a TUF repository"));
    std::fs::write(dir.join("f"), b"x").unwrap();
    // Missing keys: nothing is published.
    tuf(dir, &["add-target", "--repo", "repo", "f"], &["targets"])
        .code(2)
        .stderr(predicate::str::contains(
            "error: cannot sign and publish the changes",
        ))
        .stderr(predicate::str::contains("snapshot must be signed by 1"))
        .stderr(predicate::str::contains("hint:"));
    assert!(!dir.join("repo/metadata/2.targets.json").exists());
    // A target path that escapes the targets directory.
    tuf(
        dir,
        &["add-target", "--repo", "repo", "--path", "../x", "f"],
        &["targets", "snapshot", "timestamp"],
    )
    .code(2)
    .stderr(predicate::str::contains("no empty, '.' or '..' segment"));
    // A delegation without a scope; an unknown delegator.
    tuf(
        dir,
        &[
            "delegate",
            "--repo",
            "repo",
            "--name",
            "x",
            "--delegate-key",
            "targets.key",
        ],
        &["targets", "snapshot", "timestamp"],
    )
    .code(2)
    .stderr(predicate::str::contains("hint: pass --paths"));
    tuf(
        dir,
        &[
            "delegate",
            "--repo",
            "repo",
            "--delegator",
            "nope",
            "--name",
            "x",
            "--paths",
            "*",
            "--delegate-key",
            "targets.key",
        ],
        &["targets", "snapshot", "timestamp"],
    )
    .code(2)
    .stderr(predicate::str::contains(
        "nope: delegated but not listed in snapshot",
    ));
    // A bad --expires.
    lumen(dir)
        .args([
            "tuf",
            "init",
            "--repo",
            "other",
            "--root-key",
            "root.key",
            "--targets-key",
            "targets.key",
            "--snapshot-key",
            "snapshot.key",
            "--timestamp-key",
            "timestamp.key",
            "--expires",
            "timestamp=soon",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "hint: e.g. --expires timestamp=6h",
        ));
    // A staged root can be dropped; publishing then has nothing to publish.
    tuf(
        dir,
        &["rotate", "--repo", "repo", "--role", "root"],
        &["root"],
    )
    .success()
    .stdout(predicate::str::contains("staged root v2: 1 of 1"))
    .stdout(predicate::str::contains("sha256 of the signed part: "));
    lumen(dir)
        .args(["tuf", "discard", "--repo", "repo"])
        .assert()
        .success()
        .stderr(predicate::str::contains("discarded the staged root v2"));
    tuf(dir, &["publish", "--repo", "repo"], &["root"])
        .code(2)
        .stderr(predicate::str::contains("no root version is staged"));
    // A tampered repository fails verification with exit 1.
    let ts = dir.join("repo/metadata/timestamp.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&ts).unwrap()).unwrap();
    v["signed"]["version"] = serde_json::json!(99);
    std::fs::write(&ts, serde_json::to_vec(&v).unwrap()).unwrap();
    lumen(dir)
        .args(["tuf", "verify", "--repo", "repo"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("error: repo does not verify"))
        .stderr(predicate::str::contains("timestamp: 0 of the required 1"))
        .stderr(predicate::str::contains("hint:"));
}

#[test]
fn encrypted_keys_take_the_passphrase_from_the_environment() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    lumen(dir)
        .args(["key", "generate", "--out", "enc.key"])
        .env("LUMEN_KEY_PASSPHRASE", "correct horse")
        .assert()
        .success();
    let init = |pass: &str| {
        lumen(dir)
            .args([
                "tuf",
                "init",
                "--repo",
                "repo",
                "--root-key",
                "enc.key",
                "--targets-key",
                "enc.key",
                "--snapshot-key",
                "enc.key",
                "--timestamp-key",
                "enc.key",
                "--key",
                "enc.key",
            ])
            .env("LUMEN_KEY_PASSPHRASE", pass)
            .assert()
    };
    init("wrong")
        .code(2)
        .stderr(predicate::str::contains("hint: type the passphrase again"));
    assert!(!dir.join("repo").exists());
    init("correct horse").success();
    assert_eq!(verify_json(dir, &[])["root"], 1);
}

/// Every file under `dir` with its bytes (the editor's lock file aside).
fn repo_files(dir: &Path) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
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

/// Issue 21 item 5: a targets file edited on disk (its signature no longer valid) is not
/// loaded, re-signed and republished by any `lumen tuf` command; nothing on disk changes.
#[test]
fn tampered_metadata_is_never_re_signed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir);
    std::fs::write(dir.join("hello.txt"), b"hello").unwrap();
    std::fs::write(dir.join("more.txt"), b"more").unwrap();
    let online = ["targets", "snapshot", "timestamp"];
    tuf(dir, &["add-target", "--repo", "repo", "hello.txt"], &online).success();
    let v = status_json(dir)["roles"]["targets"]["version"]
        .as_u64()
        .unwrap();
    let path = dir.join(format!("repo/metadata/{v}.targets.json"));
    let pristine = std::fs::read(&path).unwrap();
    let mut doc: serde_json::Value = serde_json::from_slice(&pristine).unwrap();
    doc["signed"]["targets"]["evil.txt"] = serde_json::json!({
        "length": 4,
        "hashes": {"sha256": "00".repeat(32)},
    });
    std::fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
    let refuses_verify = || {
        lumen(dir)
            .args(["tuf", "verify", "--repo", "repo"])
            .assert()
            .code(1);
    };
    refuses_verify();
    let before = repo_files(&dir.join("repo"));
    let runs: [(&[&str], &[&str]); 6] = [
        (&["add-target", "--repo", "repo", "more.txt"], &online),
        (&["remove-target", "--repo", "repo", "hello.txt"], &online),
        (
            &[
                "delegate",
                "--repo",
                "repo",
                "--name",
                "pkg",
                "--paths",
                "pkg/*",
                "--delegate-key",
                "targets.key",
            ],
            &online,
        ),
        (&["refresh", "--repo", "repo"], &["snapshot", "timestamp"]),
        (&["rotate", "--repo", "repo", "--role", "root"], &["root"]),
        (&["status", "--repo", "repo"], &[]),
    ];
    for (args, keys) in runs {
        tuf(dir, args, keys)
            .code(2)
            .stderr(predicate::str::contains("refused by the repository editor"))
            .stderr(predicate::str::contains("0 of the required 1"))
            .stderr(predicate::str::contains("hint:"));
        assert!(
            repo_files(&dir.join("repo")) == before,
            "{args:?} changed the repository"
        );
    }
    refuses_verify();
    // Restored, the repository is edited again.
    std::fs::write(&path, &pristine).unwrap();
    tuf(dir, &["add-target", "--repo", "repo", "more.txt"], &online).success();
    assert_eq!(
        verify_json(dir, &["more.txt"])["downloaded"][0]["length"],
        4
    );
}

#[test]
fn an_unpublished_repository_says_how_to_publish_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    keys(dir, &["root", "root2", "targets", "snapshot", "timestamp"]);
    tuf(
        dir,
        &[
            "init",
            "--repo",
            "repo",
            "--root-key",
            "root.key",
            "--root-key",
            "root2.key",
            "--root-threshold",
            "2",
            "--targets-key",
            "targets.key",
            "--snapshot-key",
            "snapshot.key",
            "--timestamp-key",
            "timestamp.key",
        ],
        &["root"],
    )
    .success()
    .stderr(predicate::str::contains("1 of 2 signatures"));
    std::fs::write(dir.join("a.txt"), b"a").unwrap();
    tuf(
        dir,
        &["add-target", "--repo", "repo", "a.txt"],
        &["targets", "snapshot", "timestamp"],
    )
    .code(2)
    .stderr(predicate::str::contains(
        "repo: has no published root yet: sign and publish the staged root first",
    ))
    .stderr(predicate::str::contains(
        "hint: sign the staged root with `lumen tuf sign --repo repo --key ROOT_KEY`, then \
         `lumen tuf publish --repo repo --key …`",
    ));
}
