//! End-to-end tests of the real `lumen` binary.
// Test helpers outside #[test] functions may panic: a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::lumen;
use predicates::prelude::*;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn generate(dir: &Path, name: &str) -> String {
    let out = lumen(dir)
        .args(["key", "generate", "--json", "--out", name])
        .env("LUMEN_KEY_PASSPHRASE", "test passphrase")
        .assert()
        .success()
        .stderr(predicate::str::contains("encrypted Ed25519 key"))
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value =
        serde_json::from_slice(&out).expect("key generate --json prints JSON");
    assert_eq!(v["algorithm"], "ed25519");
    assert_eq!(v["key_id"].as_str().unwrap().len(), 64);
    v["public_key"].as_str().unwrap().to_owned()
}

/// `lumen verify --public-key KEY --signature SIG INPUT` in `dir`.
fn verify(dir: &Path, key: &str, sig: &str, input: &str) -> assert_cmd::assert::Assert {
    lumen(dir)
        .args(["verify", "--public-key", key, "--signature", sig, input])
        .assert()
}

#[test]
fn generate_sign_verify_and_tamper() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let public_hex = generate(dir, "alice.key");
    assert_eq!(
        std::fs::metadata(dir.join("alice.key"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );

    // `key public` needs no passphrase and agrees with `generate`.
    let out = lumen(dir)
        .args(["key", "public", "alice.key", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["public_key"], public_hex.as_str());
    std::fs::write(
        dir.join("alice.pub.pem"),
        v["public_key_pem"].as_str().unwrap(),
    )
    .unwrap();

    std::fs::write(
        dir.join("release.json"),
        b"{\"name\":\"lumen-http\",\"version\":\"1.2.0\"}",
    )
    .unwrap();
    lumen(dir)
        .args([
            "sign",
            "--key",
            "alice.key",
            "--out",
            "release.sig",
            "release.json",
        ])
        .env("LUMEN_KEY_PASSPHRASE", "test passphrase")
        .assert()
        .success();

    // Verify with each accepted public-key form.
    for key in [public_hex.as_str(), "alice.pub.pem", "alice.key"] {
        verify(dir, key, "release.sig", "release.json")
            .code(0)
            .stderr(predicate::str::contains("verified"));
    }

    // One changed byte of the input: exit status 1.
    let mut body = std::fs::read(dir.join("release.json")).unwrap();
    body[30] ^= 0x01;
    std::fs::write(dir.join("tampered.json"), &body).unwrap();
    verify(dir, &public_hex, "release.sig", "tampered.json")
        .code(1)
        .stderr(predicate::str::contains("does not verify").and(predicate::str::contains("hint:")));

    // One changed byte of the signature: exit status 1.
    let sig_text = std::fs::read_to_string(dir.join("release.sig")).unwrap();
    let mut raw = lumen_crypto::encoding::base64_decode(
        lumen_crypto::encoding::Base64Variant::Standard,
        sig_text.trim(),
    )
    .unwrap();
    raw[5] ^= 0x40;
    std::fs::write(dir.join("bad.sig"), &raw).unwrap();
    verify(dir, &public_hex, "bad.sig", "release.json").code(1);

    // Another key's signature: exit status 1.
    let other = generate(dir, "bob.key");
    verify(dir, &other, "release.sig", "release.json").code(1);
}

#[test]
fn sign_reads_stdin_and_prints_base64() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    lumen(dir)
        .args(["key", "generate", "--unencrypted", "--out", "k.pem"])
        .assert()
        .success();
    let out = lumen(dir)
        .args(["sign", "--key", "k.pem", "-"])
        .write_stdin("hello\n")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.trim().len(), 88);
    std::fs::write(dir.join("s.sig"), &text).unwrap();
    lumen(dir)
        .args(["verify", "-p", "k.pem", "-s", "s.sig", "-"])
        .write_stdin("hello\n")
        .assert()
        .code(0);
    lumen(dir)
        .args(["verify", "-p", "k.pem", "-s", "s.sig", "-"])
        .write_stdin("hello!\n")
        .assert()
        .code(1);
}

#[test]
fn usage_errors_exit_2_with_a_hint() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // Missing arguments and unknown commands.
    lumen(dir).args(["verify"]).assert().code(2);
    lumen(dir).args(["frobnicate"]).assert().code(2);
    // No terminal and no LUMEN_KEY_PASSPHRASE: say how to proceed, write nothing.
    lumen(dir)
        .args(["key", "generate", "--out", "k.key"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("LUMEN_KEY_PASSPHRASE"));
    assert!(!dir.join("k.key").exists());
    // An unusable public key or signature file.
    std::fs::write(dir.join("msg"), b"m").unwrap();
    std::fs::write(dir.join("sig"), b"not a signature").unwrap();
    lumen(dir)
        .args(["verify", "-p", "nonsense", "-s", "sig", "msg"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("hint:"));
    // A weak (small-order) public key is refused, not used.
    let identity = format!("01{}", "00".repeat(31));
    lumen(dir)
        .args(["verify", "-p", &identity, "-s", "sig", "msg"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("weak"));
    lumen(dir)
        .args(["key", "public", "missing.key"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("lumen key generate"));
}

#[test]
fn key_files_are_protected() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    generate(dir, "k.key");
    // No silent overwrite.
    lumen(dir)
        .args(["key", "generate", "--unencrypted", "--out", "k.key"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--force"));
    std::fs::write(dir.join("m"), b"m").unwrap();
    // Wrong passphrase.
    lumen(dir)
        .args(["sign", "--key", "k.key", "m"])
        .env("LUMEN_KEY_PASSPHRASE", "not it")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("wrong passphrase"));
    // Loose permissions: refused with the fix.
    std::fs::set_permissions(dir.join("k.key"), std::fs::Permissions::from_mode(0o644)).unwrap();
    lumen(dir)
        .args(["sign", "--key", "k.key", "m"])
        .env("LUMEN_KEY_PASSPHRASE", "test passphrase")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("chmod 600"));
    // --force replaces the key.
    lumen(dir)
        .args([
            "key",
            "generate",
            "--unencrypted",
            "--force",
            "--out",
            "k.key",
        ])
        .assert()
        .success();
    assert!(
        std::fs::read_to_string(dir.join("k.key"))
            .unwrap()
            .starts_with("-----BEGIN PRIVATE KEY-----")
    );
}

#[test]
fn default_key_location_is_under_lumen_home() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    lumen(dir)
        .args(["key", "generate"])
        .env("LUMEN_KEY_PASSPHRASE", "pw")
        .assert()
        .success();
    let key = dir.join("home").join("signing.key");
    assert!(key.is_file());
    assert_eq!(
        std::fs::metadata(dir.join("home"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o700
    );
}

#[test]
fn demo_runs_the_whole_cycle() {
    let tmp = tempfile::tempdir().unwrap();
    lumen(tmp.path()).arg("demo").assert().success().stdout(
        predicate::str::contains("5. verified").and(predicate::str::contains("no longer verifies")),
    );
}
