#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Attacks on the lumen-tuf client, one test per attack or check, against a simulated
//! repository. Each asserts the exact `TufError` variant (never a message) and, after a failure,
//! that the attacker's bytes were not persisted and that the client recovers once the
//! repository is fixed: a new `Updater` refreshes, finds and downloads every target, and the
//! metadata directory holds only legitimately published, verified bytes.

#[macro_use]
mod common;

use common::*;
use lumen_tuf::keys::DangerousHmacSecrets;
use lumen_tuf::metadata::{DelegatedRoles, Fields, Key, PathScope, SPEC_VERSION};
use lumen_tuf::store::DirStore;
use lumen_tuf::{Mismatch, TrustedMetadataSet, TufError, Updater};
use serde_json::json;

// ---------------------------------------------------------------------------------------------
// Signatures and thresholds
// ---------------------------------------------------------------------------------------------

/// A timestamp signed by another key under the timestamp key's id, or with a signature that
/// is not hex, or with a valid signature over other bytes, has no valid signature.
#[test]
fn forged_signature_is_threshold_not_met() {
    let mut sim = RepoSim::new();
    let client = Client::new(&sim);
    let keyid = sim.signers_of("timestamp")[0].keyid.clone();
    let forger = sim.new_signer().with_keyid(keyid);
    sim.timestamp.signed.common.version += 1;
    let mut ts = sim.timestamp.clone();
    let forged = sign_metadata(&mut ts, &[forger]);
    sim.put_metadata("timestamp.json", forged.clone());
    assert_err!(
        client.refresh(&sim),
        TufError::ThresholdNotMet { role, threshold: 1, valid: 0 } if role == "timestamp"
    );
    client.assert_not_stored(&forged);

    // Not hex.
    let mut doc = to_json(&sim.signed_timestamp());
    doc["signatures"][0]["sig"] = json!("not hex at all");
    sim.put_metadata("timestamp.json", from_json(&doc));
    assert_err!(
        client.refresh(&sim),
        TufError::ThresholdNotMet { role, valid: 0, .. } if role == "timestamp"
    );

    // A genuine signature over different bytes (the version was changed after signing).
    let mut doc = to_json(&sim.signed_timestamp());
    doc["signed"]["version"] = json!(7);
    let tampered = from_json(&doc);
    sim.put_metadata("timestamp.json", tampered.clone());
    assert_err!(
        client.refresh(&sim),
        TufError::ThresholdNotMet { role, valid: 0, .. } if role == "timestamp"
    );
    client.assert_not_stored(&tampered);
    assert_eq!(client.stored("timestamp"), None);
    client.assert_recovers(&mut sim);
}

/// One key listed under two key ids, both of which the role lists and both of which sign,
/// is one key: a threshold of 2 is not met.
#[test]
fn one_key_under_two_keyids_counts_once() {
    let mut sim = RepoSim::new();
    let client = Client::new(&sim);
    let key = sim.signers_of("timestamp")[0].clone();
    sim.add_key(
        "timestamp",
        key.with_keyid("another name for the timestamp key"),
    );
    sim.root
        .signed
        .roles
        .get_mut("timestamp")
        .unwrap()
        .threshold = 2;
    sim.bump_root();
    let bad = sim.update_timestamp();
    assert_eq!(to_json(&bad)["signatures"].as_array().unwrap().len(), 2);
    assert_err!(
        client.refresh(&sim),
        TufError::ThresholdNotMet { role, threshold: 2, valid: 1 } if role == "timestamp"
    );
    client.assert_not_stored(&bad);

    // The fix: a threshold the distinct keys can meet.
    sim.root
        .signed
        .roles
        .get_mut("timestamp")
        .unwrap()
        .threshold = 1;
    sim.bump_root();
    client.assert_recovers(&mut sim);
}

/// A role that lists the same key id twice still has one key.
#[test]
fn same_keyid_twice_in_a_role_counts_once() {
    let mut sim = RepoSim::new();
    let client = Client::new(&sim);
    let id = sim.signers_of("timestamp")[0].keyid.clone();
    let role = sim.root.signed.roles.get_mut("timestamp").unwrap();
    role.keyids.push(id);
    role.threshold = 2;
    sim.bump_root();
    sim.update_timestamp();
    assert_err!(
        client.refresh(&sim),
        TufError::ThresholdNotMet { role, threshold: 2, valid: 1 } if role == "timestamp"
    );

    sim.root
        .signed
        .roles
        .get_mut("timestamp")
        .unwrap()
        .threshold = 1;
    sim.bump_root();
    client.assert_recovers(&mut sim);
}

/// A key id appearing twice in `signatures` (one key signing twice) makes the file malformed
/// (spec §4.2), even when the signatures are valid.
#[test]
fn duplicate_keyids_in_signatures_are_malformed() {
    let mut sim = RepoSim::new();
    let client = Client::new(&sim);
    let key = sim.signers_of("timestamp")[0].clone();
    sim.signers
        .insert("timestamp".into(), vec![key.clone(), key]);
    let bad = sim.update_timestamp();
    assert_err!(
        client.refresh(&sim),
        TufError::Malformed { role, field, .. }
            if role == "timestamp" && field == "signatures[1].keyid"
    );
    client.assert_not_stored(&bad);

    sim.signers.get_mut("timestamp").unwrap().truncate(1);
    client.assert_recovers(&mut sim);
}

/// Key ids are names, never recomputed: ids that are not the hash of anything work.
#[test]
fn keyids_that_are_not_key_hashes_are_accepted() {
    let mut sim =
        RepoSim::with_keys(|n| Signer::ed25519(n).with_keyid(format!("key #{n} (not a hash)")));
    sim.delegate("targets", "bins/a", &["pkg/*"], false);
    let mut d = sim.signers_of("bins/a");
    d[0] = d[0].clone().with_keyid("x");
    // Re-list the delegated key under the id "x".
    let delegations = sim.targets.signed.delegations.as_mut().unwrap();
    delegations.keys.clear();
    delegations.keys.insert("x".into(), d[0].key.clone());
    let DelegatedRoles::Roles(roles) = &mut delegations.roles else {
        unreachable!()
    };
    roles[0].keyids = vec!["x".to_owned()].into();
    sim.signers.insert("bins/a".into(), d);
    sim.add_target("bins/a", "pkg/a.tgz", b"a");
    sim.publish();
    let client = Client::new(&sim);
    client.assert_up_to_date(&sim);
}

/// Signatures by keys that root lists for another role, or does not list at all, are ignored:
/// with threshold 1 the timestamp key's signature suffices; with threshold 2 they do not help.
#[test]
fn signatures_of_keys_outside_the_role_are_ignored() {
    let mut sim = RepoSim::new();
    let client = Client::new(&sim);
    let ts = sim.signers_of("timestamp")[0].clone();
    let snapshot_key = sim.signers_of("snapshot")[0].clone();
    let stranger = sim.new_signer();
    sim.signers.insert(
        "timestamp".into(),
        vec![snapshot_key.clone(), stranger.clone(), ts.clone()],
    );
    sim.update_timestamp();
    client.refresh(&sim).unwrap();

    // A second timestamp key that does not sign; the stranger also claims its key id.
    let second = sim.new_signer();
    sim.add_key("timestamp", second.clone());
    sim.root
        .signed
        .roles
        .get_mut("timestamp")
        .unwrap()
        .threshold = 2;
    sim.bump_root();
    let impostor = stranger.clone().with_keyid(second.keyid.clone());
    sim.signers.insert(
        "timestamp".into(),
        vec![snapshot_key, stranger, impostor, ts.clone()],
    );
    let bad = sim.update_timestamp();
    assert_err!(
        client.refresh(&sim),
        TufError::ThresholdNotMet { role, threshold: 2, valid: 1 } if role == "timestamp"
    );
    client.assert_not_stored(&bad);

    sim.signers.insert("timestamp".into(), vec![ts, second]);
    client.assert_recovers(&mut sim);
}

/// Keys of unknown types, malformed keys and keys without a public value never count, but do
/// not make the metadata invalid either.
#[test]
fn unknown_key_types_are_ignored_but_not_fatal() {
    let mut sim = RepoSim::new();
    let client = Client::new(&sim);
    let odd = Signer::unsupported(1);
    sim.add_key("timestamp", odd.clone());
    let mut bad_hex = Signer::ed25519(77).with_keyid("malformed-ed25519");
    bad_hex.key = Key::new("ed25519", "ed25519", "not hex".into());
    sim.add_key("timestamp", bad_hex);
    let mut no_public = Signer::ed25519(78).with_keyid("no-public-value");
    no_public.key.keyval = Fields::new();
    sim.add_key("timestamp", no_public);
    sim.bump_root();
    sim.update_timestamp();
    let u = client.refresh(&sim).unwrap();
    assert_eq!(u.trusted().root().signed().keys.len(), 7);

    sim.root
        .signed
        .roles
        .get_mut("timestamp")
        .unwrap()
        .threshold = 2;
    sim.bump_root();
    sim.update_timestamp();
    assert_err!(
        client.refresh(&sim),
        TufError::ThresholdNotMet { role, threshold: 2, valid: 1 } if role == "timestamp"
    );

    sim.root
        .signed
        .roles
        .get_mut("timestamp")
        .unwrap()
        .threshold = 1;
    sim.bump_root();
    client.assert_recovers(&mut sim);
}

/// A whole repository keyed by `make` (every top-level role) refreshes and downloads; a
/// corrupted signature of that key type is rejected.
fn repository_keyed_by(make: impl Fn(u64) -> Signer) {
    let mut sim = RepoSim::with_keys(make);
    sim.add_target("targets", "pkg/file.bin", b"signed with other key types");
    sim.publish();
    let client = Client::new(&sim);
    let u = client.refresh(&sim).unwrap();
    let root_key = &sim.signers_of("root")[0];
    assert_eq!(
        u.trusted().root().signed().keys[&root_key.keyid].keytype,
        root_key.key.keytype
    );
    client.assert_up_to_date(&sim);

    // Flip one hex digit of the signature.
    let mut doc = to_json(&sim.update_timestamp());
    let sig = doc["signatures"][0]["sig"].as_str().unwrap().to_owned();
    let flipped = if sig.ends_with('0') { "1" } else { "0" };
    doc["signatures"][0]["sig"] = json!(format!("{}{flipped}", &sig[..sig.len() - 1]));
    let bad = from_json(&doc);
    sim.put_metadata("timestamp.json", bad.clone());
    assert_err!(
        client.refresh(&sim),
        TufError::ThresholdNotMet { role, threshold: 1, valid: 0 } if role == "timestamp"
    );
    client.assert_not_stored(&bad);
    client.assert_recovers(&mut sim);
}

/// ECDSA P-256 (`ecdsa`/`ecdsa-sha2-nistp256`, PEM SPKI, DER signatures), as securesystemslib
/// writes it.
#[test]
fn ecdsa_p256_keys_verify() {
    repository_keyed_by(Signer::p256);
}

/// ECDSA P-384 (`ecdsa`/`ecdsa-sha2-nistp384`, PEM SPKI, DER signatures).
#[test]
fn ecdsa_p384_keys_verify() {
    repository_keyed_by(Signer::p384);
}

/// ECDSA P-256 as old go-tuf wrote it (keytype `ecdsa-sha2-nistp256`, hex SEC1 public key).
#[test]
fn ecdsa_p256_hex_sec1_keys_verify() {
    repository_keyed_by(Signer::p256_sec1_hex);
}

/// RSASSA-PSS with SHA-256 (`rsa`/`rsassa-pss-sha256`, PEM SPKI) for root and timestamp.
#[test]
fn rsa_pss_keys_verify() {
    repository_keyed_by(|n| {
        if n <= 2 {
            Signer::rsa()
        } else {
            Signer::ed25519(n)
        }
    });
}

/// The same ECDSA key written as PEM and as hex SEC1 under two key ids is one key; a P-256 key
/// declared with the P-384 scheme never verifies.
#[test]
fn ecdsa_key_in_two_encodings_counts_once_and_curves_must_match() {
    let mut sim = RepoSim::new();
    let client = Client::new(&sim);
    sim.rotate_keys("timestamp");
    sim.signers.insert("timestamp".into(), Vec::new());
    sim.root
        .signed
        .roles
        .get_mut("timestamp")
        .unwrap()
        .keyids
        .clear();
    sim.add_key("timestamp", Signer::p256(9));
    sim.add_key("timestamp", Signer::p256_sec1_hex(9));
    sim.root
        .signed
        .roles
        .get_mut("timestamp")
        .unwrap()
        .threshold = 2;
    sim.bump_root();
    sim.update_timestamp();
    assert_err!(
        client.refresh(&sim),
        TufError::ThresholdNotMet { role, threshold: 2, valid: 1 } if role == "timestamp"
    );

    // Threshold 1, but the only key claims the wrong curve.
    let mut wrong_curve = Signer::p256(10);
    wrong_curve.key.scheme = "ecdsa-sha2-nistp384".into();
    let wrong_curve = wrong_curve.with_keyid("p256-claiming-p384");
    sim.root
        .signed
        .roles
        .get_mut("timestamp")
        .unwrap()
        .keyids
        .clear();
    sim.root
        .signed
        .roles
        .get_mut("timestamp")
        .unwrap()
        .threshold = 1;
    sim.signers.insert("timestamp".into(), Vec::new());
    sim.add_key("timestamp", wrong_curve);
    sim.bump_root();
    sim.update_timestamp();
    assert_err!(
        client.refresh(&sim),
        TufError::ThresholdNotMet { role, threshold: 1, valid: 0 } if role == "timestamp"
    );

    sim.rotate_keys("timestamp");
    sim.bump_root();
    client.assert_recovers(&mut sim);
}

// ---------------------------------------------------------------------------------------------
// Root rotation
// ---------------------------------------------------------------------------------------------

/// Root v2 with new keys, signed only by the new keys: the old root's threshold is not met.
#[test]
fn new_root_not_signed_by_the_old_threshold() {
    let mut sim = RepoSim::new();
    let client = Client::new(&sim);
    let old = sim.signers_of("root");
    let new = sim.rotate_keys("root");
    sim.root.signed.common.version = 2;
    let bad = sign_metadata(&mut sim.root.clone(), std::slice::from_ref(&new));
    sim.put_metadata("2.root.json", bad.clone());
    assert_err!(
        client.refresh(&sim),
        TufError::ThresholdNotMet { role, threshold: 1, valid: 0 } if role == "root"
    );
    client.assert_not_stored(&bad);
    assert_eq!(client.stored_version("root"), Some(1));

    sim.publish_root_signed_by(&[old[0].clone(), new]);
    client.assert_recovers(&mut sim);
}

/// Root v2 with new keys, signed only by the old keys: its own threshold is not met.
#[test]
fn new_root_not_signed_by_its_own_threshold() {
    let mut sim = RepoSim::new();
    let client = Client::new(&sim);
    let old = sim.signers_of("root");
    let new = sim.rotate_keys("root");
    sim.root.signed.common.version = 2;
    let bad = sign_metadata(&mut sim.root.clone(), &old);
    sim.put_metadata("2.root.json", bad.clone());
    assert_err!(
        client.refresh(&sim),
        TufError::ThresholdNotMet { role, threshold: 1, valid: 0 } if role == "root"
    );
    client.assert_not_stored(&bad);

    sim.publish_root_signed_by(&[old[0].clone(), new]);
    client.assert_recovers(&mut sim);
}

/// `2.root.json` holding version 3 (a skip) or version 1 (a replay) is refused.
#[test]
fn root_version_must_be_the_next_one() {
    let mut sim = RepoSim::new();
    let client = Client::new(&sim);
    sim.root.signed.common.version = 3;
    let skip = sign_metadata(&mut sim.root.clone(), &sim.signers_of("root"));
    sim.put_metadata("2.root.json", skip.clone());
    assert_err!(
        client.refresh(&sim),
        TufError::RootVersionNotNext {
            expected: 2,
            found: 3
        }
    );
    client.assert_not_stored(&skip);

    sim.put_metadata("2.root.json", sim.initial_root.clone());
    assert_err!(
        client.refresh(&sim),
        TufError::RootVersionNotNext {
            expected: 2,
            found: 1
        }
    );

    sim.root.signed.common.version = 2;
    sim.publish_root();
    client.assert_recovers(&mut sim);
}

/// At most `max_root_rotations` roots are fetched per update; the next update continues the
/// chain (each root rotating the root key, so each link must verify).
#[test]
fn root_rotations_are_capped_per_update() {
    let mut sim = RepoSim::new();
    let mut cfg = config();
    cfg.max_root_rotations = 3;
    let client = Client::with_config(&sim, cfg);
    for _ in 0..5 {
        let old = sim.signers_of("root");
        let new = sim.rotate_keys("root");
        sim.bump_root_signed_by(&[old[0].clone(), new]);
    }
    sim.clear_requests();
    client.refresh(&sim).unwrap();
    assert_eq!(client.stored_version("root"), Some(4));
    let roots: Vec<String> = sim
        .metadata_requests()
        .into_iter()
        .filter(|r| r.ends_with(".root.json"))
        .collect();
    assert_eq!(roots, ["2.root.json", "3.root.json", "4.root.json"]);

    sim.clear_requests();
    client.refresh(&sim).unwrap();
    assert_eq!(client.stored_version("root"), Some(6));
    assert_eq!(
        &sim.metadata_requests()[..3],
        ["5.root.json", "6.root.json", "7.root.json"]
    );
    client.assert_up_to_date(&sim);
}

/// An expired intermediate root is fine; an expired final root is not (and stays trusted as
/// the base of the next rotation).
#[test]
fn expired_intermediate_root_is_fine_but_final_expired_root_fails() {
    let mut sim = RepoSim::new();
    let client = Client::new(&sim);
    sim.root.signed.common.expires = in_past();
    sim.bump_root();
    sim.root.signed.common.expires = in_future();
    sim.bump_root();
    client.refresh(&sim).unwrap();
    assert_eq!(client.stored_version("root"), Some(3));

    sim.root.signed.common.expires = in_past();
    sim.bump_root();
    assert_err!(
        client.refresh(&sim),
        TufError::ExpiredMetadata { role, .. } if role == "root"
    );
    assert_eq!(client.stored_version("root"), Some(4));

    sim.root.signed.common.expires = in_future();
    sim.bump_root();
    client.assert_recovers(&mut sim);
    assert_eq!(client.stored_version("root"), Some(5));
}

/// An endless `N.root.json` stops at the root size cap.
#[test]
fn endless_root_is_endless_data() {
    let mut sim = RepoSim::new();
    let client = Client::new(&sim);
    sim.set_endless("metadata/2.root.json");
    assert_err!(
        client.refresh(&sim),
        TufError::EndlessData { max: 512_000, .. }
    );
    assert_eq!(client.stored_version("root"), Some(1));

    sim.remove("metadata/2.root.json");
    client.assert_recovers(&mut sim);
}

// ---------------------------------------------------------------------------------------------
// Timestamp
// ---------------------------------------------------------------------------------------------

/// A validly signed older timestamp is a rollback.
#[test]
fn timestamp_rollback_is_detected() {
    let mut sim = RepoSim::new();
    let client = Client::new(&sim);
    sim.update_timestamp();
    client.refresh(&sim).unwrap();
    sim.timestamp.signed.common.version = 1;
    let old = sim.publish_timestamp();
    assert_err!(
        client.refresh(&sim),
        TufError::RollbackDetected { role, trusted: 2, new: 1 } if role == "timestamp"
    );
    client.assert_not_stored(&old);
    assert_eq!(client.stored_version("timestamp"), Some(2));
    client.assert_recovers(&mut sim);
}

/// A timestamp with the trusted version but other bytes is not an error, and the trusted file
/// is kept as it is (not rewritten).
#[test]
fn equal_timestamp_version_keeps_the_trusted_file() {
    let mut sim = RepoSim::new();
    let client = Client::new(&sim);
    client.refresh(&sim).unwrap();
    let trusted = client.stored("timestamp").unwrap();
    #[cfg(unix)]
    let inode = {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(client.store().path("timestamp"))
            .unwrap()
            .ino()
    };

    sim.timestamp.signed.common.expires = expires_at(NOW + 40 * DAY);
    let same_version = sim.publish_timestamp();
    assert_ne!(same_version, trusted);
    let u = client.refresh(&sim).unwrap();
    assert_eq!(client.stored("timestamp"), Some(trusted.clone()));
    assert_eq!(
        u.trusted().timestamp().unwrap().signed().common.expires,
        in_future()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let now = std::fs::metadata(client.store().path("timestamp")).unwrap();
        assert_eq!(now.ino(), inode, "timestamp.json was rewritten");
    }
    client.assert_recovers(&mut sim);
}

/// A newer timestamp that lists an older snapshot version is a rollback of snapshot.
#[test]
fn snapshot_version_rollback_in_timestamp_is_detected() {
    let mut sim = RepoSim::new();
    let client = Client::new(&sim);
    sim.update_snapshot();
    client.refresh(&sim).unwrap();
    sim.snapshot.signed.common.version = 1;
    sim.publish_snapshot();
    let bad = sim.update_timestamp();
    assert_err!(
        client.refresh(&sim),
        TufError::RollbackDetected { role, trusted: 2, new: 1 } if role == "snapshot"
    );
    client.assert_not_stored(&bad);
    client.assert_recovers(&mut sim);
}

/// An expired timestamp is a freeze attack; it is not persisted.
#[test]
fn expired_timestamp_is_a_freeze_attack() {
    let mut sim = RepoSim::new();
    let client = Client::new(&sim);
    client.refresh(&sim).unwrap();
    sim.timestamp.signed.common.expires = in_past();
    let bad = sim.update_timestamp();
    assert_err!(client.refresh(&sim), TufError::FreezeAttack { .. });
    client.assert_not_stored(&bad);
    assert_eq!(client.stored_version("timestamp"), Some(1));
    client.assert_recovers(&mut sim);
}

/// A timestamp of exactly the cap (16 KiB) is read; one byte more, or an endless one, is
/// endless data.
#[test]
fn oversized_timestamp_is_endless_data() {
    let mut sim = RepoSim::new();
    let client = Client::new(&sim);
    sim.set_endless("metadata/timestamp.json");
    assert_err!(
        client.refresh(&sim),
        TufError::EndlessData { max: 16_384, .. }
    );

    sim.timestamp.signed.common.version += 1;
    let mut padded = sim.signed_timestamp();
    padded.resize(16_385, b' ');
    sim.put_metadata("timestamp.json", padded.clone());
    assert_err!(
        client.refresh(&sim),
        TufError::EndlessData { max: 16_384, .. }
    );

    padded.truncate(16_384);
    sim.put_metadata("timestamp.json", padded.clone());
    client.refresh(&sim).unwrap();
    assert_eq!(client.stored("timestamp"), Some(padded));
    client.assert_recovers(&mut sim);
}

// ---------------------------------------------------------------------------------------------
// Snapshot
// ---------------------------------------------------------------------------------------------

/// With length and hashes in timestamp: other bytes of the same length are a hash mismatch,
/// fewer bytes a length mismatch, more bytes are cut at the listed length.
#[test]
fn snapshot_length_or_hash_mismatch() {
    let mut sim = RepoSim::new();
    sim.meta_hashes = true;
    sim.publish();
    let client = Client::new(&sim);
    client.refresh(&sim).unwrap();

    let listed = sim.update_snapshot();
    let mut other = sim.snapshot.clone();
    other.signed.common.expires = expires_at(NOW + 41 * DAY);
    let other = sign_metadata(&mut other, &sim.signers_of("snapshot"));
    assert_eq!(other.len(), listed.len());
    sim.put_role("snapshot", 2, other.clone());
    assert_err!(
        client.refresh(&sim),
        TufError::LengthOrHashMismatch { what, mismatch: Mismatch::Hash { algorithm, .. } }
            if what == "snapshot.json" && algorithm == "sha256"
    );
    client.assert_not_stored(&other);

    let n = listed.len() as u64;
    sim.put_role("snapshot", 2, listed[..listed.len() - 1].to_vec());
    assert_err!(
        client.refresh(&sim),
        TufError::LengthOrHashMismatch { what, mismatch: Mismatch::Length { expected, found } }
            if what == "snapshot.json" && *expected == n && *found == n - 1
    );

    let mut longer = listed.clone();
    longer.push(b' ');
    sim.put_role("snapshot", 2, longer);
    assert_err!(client.refresh(&sim), TufError::EndlessData { max, .. } if *max == n);

    assert_eq!(client.stored_version("snapshot"), Some(1));
    client.assert_recovers(&mut sim);
}

/// A snapshot whose version differs from the one timestamp lists is a mix-and-match attack.
#[test]
fn snapshot_version_differs_from_timestamp() {
    let mut sim = RepoSim::new();
    let client = Client::new(&sim);
    client.refresh(&sim).unwrap();
    sim.update_snapshot();
    // The old snapshot served under the new name.
    sim.put_role("snapshot", 2, sim.file("metadata/1.snapshot.json").unwrap());
    assert_err!(
        client.refresh(&sim),
        TufError::MixAndMatch { role, referrer: "timestamp", expected: 2, found: 1 }
            if role == "snapshot"
    );
    // A newer one.
    sim.snapshot.signed.common.version = 3;
    let newer = sim.signed_snapshot();
    sim.put_role("snapshot", 2, newer.clone());
    assert_err!(
        client.refresh(&sim),
        TufError::MixAndMatch { role, referrer: "timestamp", expected: 2, found: 3 }
            if role == "snapshot"
    );
    client.assert_not_stored(&newer);
    client.assert_recovers(&mut sim);
}

/// A new snapshot that no longer lists a role the trusted snapshot lists is refused.
#[test]
fn snapshot_dropping_a_role_is_detected() {
    let mut sim = RepoSim::new();
    sim.delegate("targets", "a", &["a/*"], false);
    sim.add_target("a", "a/x", b"x");
    sim.publish();
    let client = Client::new(&sim);
    client.refresh(&sim).unwrap();
    sim.snapshot.signed.meta.remove("a.json");
    let bad = sim.update_snapshot();
    assert_err!(
        client.refresh(&sim),
        TufError::RoleRemovedFromSnapshot { file } if file == "a.json"
    );
    client.assert_not_stored(&bad);
    client.assert_recovers(&mut sim);
}

/// A new snapshot that lists a lower version of a role is a rollback of that role.
#[test]
fn snapshot_lowering_a_role_version_is_a_rollback() {
    let mut sim = RepoSim::new();
    let client = Client::new(&sim);
    sim.update_targets("targets");
    client.refresh(&sim).unwrap();
    sim.snapshot
        .signed
        .meta
        .get_mut("targets.json")
        .unwrap()
        .version = 1;
    let bad = sim.update_snapshot();
    assert_err!(
        client.refresh(&sim),
        TufError::RollbackDetected { role, trusted: 2, new: 1 } if role == "targets.json"
    );
    client.assert_not_stored(&bad);
    client.assert_recovers(&mut sim);
}

/// An expired snapshot is refused and not persisted.
#[test]
fn expired_snapshot_is_refused() {
    let mut sim = RepoSim::new();
    let client = Client::new(&sim);
    sim.snapshot.signed.common.expires = in_past();
    let bad = sim.update_snapshot();
    assert_err!(
        client.refresh(&sim),
        TufError::ExpiredMetadata { role, .. } if role == "snapshot"
    );
    client.assert_not_stored(&bad);
    client.assert_recovers(&mut sim);
}

/// Without a listed length, snapshot and targets are capped by the configured maximum.
#[test]
fn oversized_snapshot_and_targets_are_endless_data() {
    let mut sim = RepoSim::new();
    let mut cfg = config();
    cfg.snapshot_max_length = 10_000;
    cfg.targets_max_length = 20_000;
    let client = Client::with_config(&sim, cfg);
    sim.set_endless("metadata/1.snapshot.json");
    assert_err!(
        client.refresh(&sim),
        TufError::EndlessData { max: 10_000, .. }
    );
    sim.publish_snapshot();
    sim.set_endless("metadata/1.targets.json");
    assert_err!(
        client.refresh(&sim),
        TufError::EndlessData { max: 20_000, .. }
    );
    assert_eq!(client.stored("targets"), None);
    client.assert_recovers(&mut sim);
}

// ---------------------------------------------------------------------------------------------
// Targets metadata
// ---------------------------------------------------------------------------------------------

/// Targets whose version differs from the one snapshot lists is a mix-and-match attack.
#[test]
fn targets_version_differs_from_snapshot() {
    let mut sim = RepoSim::new();
    let client = Client::new(&sim);
    client.refresh(&sim).unwrap();
    sim.update_targets("targets");
    sim.put_role("targets", 2, sim.file("metadata/1.targets.json").unwrap());
    assert_err!(
        client.refresh(&sim),
        TufError::MixAndMatch { role, referrer: "snapshot", expected: 2, found: 1 }
            if role == "targets"
    );
    assert_eq!(client.stored_version("targets"), Some(1));
    client.assert_recovers(&mut sim);
}

/// Expired top-level and delegated targets are refused and not persisted.
#[test]
fn expired_targets_are_refused() {
    let mut sim = RepoSim::new();
    sim.delegate("targets", "team", &["team/*"], false);
    sim.add_target("team", "team/tool", b"tool");
    sim.publish();
    let client = Client::new(&sim);
    sim.targets.signed.common.expires = in_past();
    let bad = sim.update_targets("targets");
    assert_err!(
        client.refresh(&sim),
        TufError::ExpiredMetadata { role, .. } if role == "targets"
    );
    client.assert_not_stored(&bad);
    client.assert_recovers(&mut sim);

    sim.targets_md("team").signed.common.expires = in_past();
    let bad = sim.update_targets("team");
    assert_err!(
        client.download(&sim, "team/tool"),
        TufError::ExpiredMetadata { role, .. } if role == "team"
    );
    client.assert_not_stored(&bad);
    client.assert_recovers(&mut sim);
}

// ---------------------------------------------------------------------------------------------
// Target files
// ---------------------------------------------------------------------------------------------

const TARGET: &str = "dir/file.bin";
const CONTENT: &[u8] = b"the genuine target content";

fn repo_with_target() -> (RepoSim, Client) {
    let mut sim = RepoSim::new();
    sim.add_target("targets", TARGET, CONTENT);
    sim.publish();
    let client = Client::new(&sim);
    (sim, client)
}

fn assert_nothing_downloaded(client: &Client) {
    assert!(!client.dest(TARGET).exists(), "destination was created");
    assert!(
        files_in(&client.download_dir()).is_empty(),
        "temporary files left behind"
    );
}

/// A target longer than listed is refused at the listed length + 1; nothing is written.
#[test]
fn target_longer_than_listed() {
    let (mut sim, client) = repo_with_target();
    let n = CONTENT.len() as u64;
    sim.put_target_content(TARGET, &[CONTENT, b"!"].concat());
    assert_err!(
        client.download(&sim, TARGET),
        TufError::LengthOrHashMismatch { what, mismatch: Mismatch::Length { expected, found } }
            if what == TARGET && *expected == n && *found == n + 1
    );
    assert_nothing_downloaded(&client);
    sim.put_target_content(TARGET, CONTENT);
    client.assert_recovers(&mut sim);
}

/// A target shorter than listed is refused; nothing is written.
#[test]
fn target_shorter_than_listed() {
    let (mut sim, client) = repo_with_target();
    let n = CONTENT.len() as u64;
    sim.put_target_content(TARGET, &CONTENT[1..]);
    assert_err!(
        client.download(&sim, TARGET),
        TufError::LengthOrHashMismatch { what, mismatch: Mismatch::Length { expected, found } }
            if what == TARGET && *expected == n && *found == n - 1
    );
    assert_nothing_downloaded(&client);
    sim.put_target_content(TARGET, CONTENT);
    client.assert_recovers(&mut sim);
}

/// A target of the right length with the wrong hash is refused; nothing is written.
#[test]
fn target_with_wrong_hash() {
    let (mut sim, client) = repo_with_target();
    let mut evil = CONTENT.to_vec();
    evil[0] ^= 1;
    sim.put_target_content(TARGET, &evil);
    assert_err!(
        client.download(&sim, TARGET),
        TufError::LengthOrHashMismatch { what, mismatch: Mismatch::Hash { algorithm, .. } }
            if what == TARGET && algorithm == "sha256"
    );
    assert_nothing_downloaded(&client);
    sim.put_target_content(TARGET, CONTENT);
    client.assert_recovers(&mut sim);
}

/// A target listing a hash algorithm the client does not implement is refused, not half
/// checked.
#[test]
fn target_with_unsupported_hash_algorithm() {
    let (mut sim, client) = repo_with_target();
    let tf = sim.targets.signed.targets.get_mut(TARGET).unwrap();
    tf.hashes.insert("md5".into(), "00".repeat(16));
    sim.update_targets("targets");
    assert_err!(
        client.download(&sim, TARGET),
        TufError::LengthOrHashMismatch { mismatch: Mismatch::UnsupportedAlgorithm(a), .. }
            if a == "md5"
    );
    assert_nothing_downloaded(&client);
    sim.targets
        .signed
        .targets
        .get_mut(TARGET)
        .unwrap()
        .hashes
        .remove("md5");
    client.assert_recovers(&mut sim);
}

/// A file at the destination is reused only if it has the listed length and hashes.
#[test]
fn cached_target_is_reused_only_when_it_matches() {
    let (sim, client) = repo_with_target();
    let mut u = client.refresh(&sim).unwrap();
    let info = u.get_targetinfo(TARGET).unwrap();
    let dest = client.dest(TARGET);
    assert_eq!(u.find_cached_target(&info, &dest), None);
    sim.clear_requests();
    u.download_target(&info, &sim.targets_fetcher(), &dest)
        .unwrap();
    assert_eq!(sim.target_requests().len(), 1);
    assert_eq!(u.find_cached_target(&info, &dest), Some(dest.clone()));

    let mut same_length = CONTENT.to_vec();
    same_length[5] ^= 0x20;
    for wrong in [
        same_length,
        CONTENT[1..].to_vec(),
        [CONTENT, b"x"].concat(),
        Vec::new(),
    ] {
        std::fs::write(&dest, &wrong).unwrap();
        assert_eq!(u.find_cached_target(&info, &dest), None, "{wrong:?}");
    }
    std::fs::write(&dest, CONTENT).unwrap();
    assert_eq!(u.find_cached_target(&info, &dest), Some(dest));
}

/// Persisted metadata is untrusted when read back: garbage, another role's file or an old
/// version in the metadata directory is ignored and replaced; only a damaged trusted root stops
/// the client (it cannot start without its trust anchor).
#[test]
fn corrupted_local_metadata_is_not_trusted() {
    let mut sim = RepoSim::new();
    sim.delegate("targets", "team", &["team/*"], false);
    sim.add_target("team", "team/tool", b"tool");
    sim.publish();
    let client = Client::new(&sim);
    client.assert_up_to_date(&sim);
    let old_snapshot = client.stored("snapshot").unwrap();
    sim.update_targets("team");

    let store = client.store();
    std::fs::write(store.path("timestamp"), b"{not json").unwrap();
    std::fs::write(store.path("snapshot"), sim.latest("timestamp").unwrap()).unwrap();
    std::fs::write(store.path("targets"), &old_snapshot).unwrap();
    std::fs::write(store.path("team"), vec![b'x'; 10_000_000]).unwrap();
    client.assert_up_to_date(&sim);

    std::fs::write(store.path("root"), b"[]").unwrap();
    assert_err!(
        Updater::new(store, sim.metadata_fetcher(), config()),
        TufError::Malformed { role, .. } if role == "root"
    );
}

// ---------------------------------------------------------------------------------------------
// Fast-forward attack recovery
// ---------------------------------------------------------------------------------------------

/// After an attacker pushed the timestamp version far ahead, rotating the timestamp key in
/// root lets the repository start again from version 1.
#[test]
fn timestamp_fast_forward_recovery() {
    let mut sim = RepoSim::new();
    let client = Client::new(&sim);
    sim.timestamp.signed.common.version = 99_999;
    sim.publish_timestamp();
    client.refresh(&sim).unwrap();
    assert_eq!(client.stored_version("timestamp"), Some(99_999));

    sim.timestamp.signed.common.version = 1;
    sim.publish_timestamp();
    assert_err!(
        client.refresh(&sim),
        TufError::RollbackDetected { role, trusted: 99_999, new: 1 } if role == "timestamp"
    );

    sim.rotate_keys("timestamp");
    sim.bump_root();
    sim.publish_timestamp();
    client.refresh(&sim).unwrap();
    assert_eq!(client.stored_version("timestamp"), Some(1));
    client.assert_only_verified_bytes(&sim);
}

/// Snapshot fast-forward recovery needs the timestamp key rotated too: the trusted timestamp
/// pins the snapshot version until it no longer verifies.
#[test]
fn snapshot_fast_forward_recovery() {
    let mut sim = RepoSim::new();
    let client = Client::new(&sim);
    sim.snapshot.signed.common.version = 99_999;
    sim.publish_snapshot();
    sim.update_timestamp();
    client.refresh(&sim).unwrap();
    assert_eq!(client.stored_version("snapshot"), Some(99_999));

    sim.rotate_keys("snapshot");
    sim.bump_root();
    sim.snapshot.signed.common.version = 1;
    sim.publish_snapshot();
    sim.update_timestamp();
    assert_err!(
        client.refresh(&sim),
        TufError::RollbackDetected { role, trusted: 99_999, new: 1 } if role == "snapshot"
    );

    sim.rotate_keys("timestamp");
    sim.bump_root();
    sim.update_timestamp();
    client.refresh(&sim).unwrap();
    assert_eq!(client.stored_version("snapshot"), Some(1));
    client.assert_only_verified_bytes(&sim);
}

/// Targets fast-forward recovery: rotating the snapshot key resets the rollback reference.
#[test]
fn targets_fast_forward_recovery() {
    let mut sim = RepoSim::new();
    let client = Client::new(&sim);
    sim.targets.signed.common.version = 99_999;
    sim.publish_targets("targets");
    sim.update_snapshot();
    client.refresh(&sim).unwrap();
    assert_eq!(client.stored_version("targets"), Some(99_999));

    sim.rotate_keys("snapshot");
    sim.bump_root();
    sim.targets.signed.common.version = 1;
    sim.publish_targets("targets");
    sim.update_snapshot();
    client.refresh(&sim).unwrap();
    assert_eq!(client.stored_version("targets"), Some(1));
    client.assert_only_verified_bytes(&sim);
}

// ---------------------------------------------------------------------------------------------
// Delegations
// ---------------------------------------------------------------------------------------------

/// Roles are searched in pre-order, depth first, children in listed order; roles already
/// trusted are not fetched again.
#[test]
fn delegation_search_is_preorder_depth_first() {
    let mut sim = RepoSim::new();
    sim.delegate("targets", "A", &["*"], false);
    sim.delegate("targets", "B", &["*"], false);
    sim.delegate("A", "C", &["*"], false);
    sim.delegate("A", "D", &["*"], false);
    sim.add_target("D", "in-d", b"d");
    sim.add_target("B", "in-b", b"b");
    sim.publish();

    let client = Client::new(&sim);
    let mut u = client.refresh(&sim).unwrap();
    sim.clear_requests();
    assert_err!(
        u.get_targetinfo("missing"),
        TufError::TargetNotFound { path } if path == "missing"
    );
    assert_eq!(
        sim.metadata_requests(),
        ["1.A.json", "1.C.json", "1.D.json", "1.B.json"]
    );

    let client = Client::new(&sim);
    let mut u = client.refresh(&sim).unwrap();
    sim.clear_requests();
    assert_eq!(u.get_targetinfo("in-d").unwrap().file, target_file(b"d"));
    assert_eq!(
        sim.metadata_requests(),
        ["1.A.json", "1.C.json", "1.D.json"]
    );
    assert_eq!(u.get_targetinfo("in-b").unwrap().file, target_file(b"b"));
    assert_eq!(
        sim.metadata_requests(),
        ["1.A.json", "1.C.json", "1.D.json", "1.B.json"]
    );

    // A new updater finds the roles in its local store.
    let mut u = client.refresh(&sim).unwrap();
    sim.clear_requests();
    u.get_targetinfo("in-b").unwrap();
    assert!(sim.metadata_requests().is_empty());
}

/// A terminating role that covers the path ends the search after its own subtree; roles
/// after it are not visited. For paths it does not cover, the search goes on.
#[test]
fn terminating_delegation_stops_backtracking() {
    let mut sim = RepoSim::new();
    sim.delegate("targets", "A", &["x/*"], true);
    sim.delegate("targets", "B", &["*/*"], false);
    sim.delegate("A", "C", &["x/*"], false);
    sim.add_target("B", "x/in-b", b"x");
    sim.add_target("B", "y/in-b", b"y");
    sim.publish();
    let client = Client::new(&sim);
    let mut u = client.refresh(&sim).unwrap();
    sim.clear_requests();
    assert_err!(
        u.get_targetinfo("x/in-b"),
        TufError::TargetNotFound { path } if path == "x/in-b"
    );
    assert_eq!(sim.metadata_requests(), ["1.A.json", "1.C.json"]);
    assert_eq!(u.get_targetinfo("y/in-b").unwrap().file, target_file(b"y"));
    assert_eq!(
        sim.metadata_requests(),
        ["1.A.json", "1.C.json", "1.B.json"]
    );
}

/// A delegation cycle (A → B → A) is walked once.
#[test]
fn delegation_cycles_are_visited_once() {
    let mut sim = RepoSim::new();
    let a = sim.delegate("targets", "A", &["*"], false);
    sim.delegate("A", "B", &["*"], false);
    sim.add_delegation(
        "B",
        delegated_role("A", &[&a], &["*"], false),
        std::slice::from_ref(&a),
    );
    sim.publish();
    let client = Client::new(&sim);
    let mut u = client.refresh(&sim).unwrap();
    sim.clear_requests();
    assert_err!(u.get_targetinfo("missing"), TufError::TargetNotFound { .. });
    assert_eq!(sim.metadata_requests(), ["1.A.json", "1.B.json"]);
}

/// At most `max_delegations` delegated roles are visited in one search.
#[test]
fn max_delegations_caps_the_search() {
    let mut sim = RepoSim::new();
    let mut parent = "targets".to_owned();
    for i in 0..40 {
        let name = format!("r{i:02}");
        sim.delegate(&parent, &name, &["*"], false);
        parent = name;
    }
    sim.add_target("r35", "deep", b"deep");
    sim.publish();

    let client = Client::new(&sim);
    let mut u = client.refresh(&sim).unwrap();
    sim.clear_requests();
    assert_err!(u.get_targetinfo("deep"), TufError::TargetNotFound { .. });
    assert_eq!(sim.metadata_requests().len(), 32);
    assert_eq!(sim.metadata_requests().last().unwrap(), "1.r31.json");

    let mut cfg = config();
    cfg.max_delegations = 40;
    let client = Client::with_config(&sim, cfg);
    let mut u = client.refresh(&sim).unwrap();
    assert_eq!(u.get_targetinfo("deep").unwrap().file, target_file(b"deep"));
}

/// `paths` patterns match segment by segment: `*` and `?` never cross `/`.
#[test]
fn path_patterns_match_per_segment() {
    let mut sim = RepoSim::new();
    sim.delegate("targets", "A", &["dir/*.tgz", "file-?.txt", "[ab]c"], false);
    let inside = ["dir/pkg.tgz", "file-1.txt", "ac", "bc"];
    let outside = [
        "dir/sub/pkg.tgz",
        "file-10.txt",
        "cc",
        "x/dir/pkg.tgz",
        "dir/pkg.tgz.sig",
    ];
    for p in inside.iter().chain(&outside) {
        sim.add_target("A", p, p.as_bytes());
    }
    sim.publish();
    let client = Client::new(&sim);
    let mut u = client.refresh(&sim).unwrap();
    for p in inside {
        assert_eq!(
            u.get_targetinfo(p).unwrap().file,
            target_file(p.as_bytes()),
            "{p}"
        );
    }
    for p in outside {
        assert_err!(u.get_targetinfo(p), TufError::TargetNotFound { .. });
    }
    // An out-of-scope path does not even fetch the role.
    let client = Client::new(&sim);
    let mut u = client.refresh(&sim).unwrap();
    sim.clear_requests();
    assert_err!(
        u.get_targetinfo("dir/sub/pkg.tgz"),
        TufError::TargetNotFound { .. }
    );
    assert!(sim.metadata_requests().is_empty());
}

/// `path_hash_prefixes` select roles by the SHA-256 of the target path.
#[test]
fn path_hash_prefixes_select_roles() {
    let one = sha256_hex(b"pkg/one");
    let two = sha256_hex(b"pkg/two");
    assert_ne!(one[..2], two[..2]);
    let mut sim = RepoSim::new();
    for (name, prefix) in [("bin-one", &one[..2]), ("bin-two", &two[..3])] {
        let s = sim.new_signer();
        let mut role = delegated_role(name, &[&s], &[], false);
        role.scope = PathScope::HashPrefixes(vec![prefix.to_owned()].into());
        sim.add_delegation("targets", role, &[s]);
    }
    sim.add_target("bin-one", "pkg/one", b"1");
    sim.add_target("bin-one", "pkg/two", b"2"); // listed by a role not responsible for it
    sim.publish();
    let client = Client::new(&sim);
    let mut u = client.refresh(&sim).unwrap();
    sim.clear_requests();
    assert_eq!(u.get_targetinfo("pkg/one").unwrap().file, target_file(b"1"));
    assert_eq!(sim.metadata_requests(), ["1.bin-one.json"]);
    sim.clear_requests();
    assert_err!(u.get_targetinfo("pkg/two"), TufError::TargetNotFound { .. });
    assert_eq!(sim.metadata_requests(), ["1.bin-two.json"]);
}

/// Succinct hash bins (TAP 15): only the target's bin is fetched, and a target listed in the
/// wrong bin is not found.
#[test]
fn succinct_hash_bins() {
    let mut sim = RepoSim::new();
    sim.delegate_succinct("targets", 3, "bin");
    let Some(DelegatedRoles::Succinct(bins)) = sim
        .targets
        .signed
        .delegations
        .as_ref()
        .map(|d| d.roles.clone())
    else {
        unreachable!()
    };
    let paths: Vec<String> = (0..12).map(|i| format!("pkg-{i}/pkg-{i}.tgz")).collect();
    for p in &paths {
        sim.add_target(&bins.role_for_target(p), p, p.as_bytes());
    }
    let misplaced = "misplaced.tgz";
    let right = bins.role_for_target(misplaced);
    let wrong = bins
        .bin_name((bins.bin_for_digest(&lumen_crypto::hash::sha256(misplaced.as_bytes())) + 1) % 8);
    sim.add_target(&wrong, misplaced, b"m");
    sim.publish();
    assert_eq!(sim.delegated.len(), 8);

    let client = Client::new(&sim);
    let mut u = client.refresh(&sim).unwrap();
    for p in &paths {
        let bin = bins.role_for_target(p);
        let trusted_before = u.trusted().targets(&bin).is_some();
        sim.clear_requests();
        assert_eq!(u.get_targetinfo(p).unwrap().file, target_file(p.as_bytes()));
        let expected: Vec<String> = if trusted_before {
            vec![]
        } else {
            vec![format!("1.{bin}.json")]
        };
        assert_eq!(sim.metadata_requests(), expected);
    }
    let client = Client::new(&sim);
    let mut u = client.refresh(&sim).unwrap();
    sim.clear_requests();
    assert_err!(u.get_targetinfo(misplaced), TufError::TargetNotFound { .. });
    assert_eq!(sim.metadata_requests(), [format!("1.{right}.json")]);
    assert!(bins.is_bin(&right));
}

/// The diamond: targets delegates `*/*` to A and to B; A delegates `via-a/*` to C with `c_key`,
/// and B delegates `*/*` to C with `b_key`.
fn diamond(sim: &mut RepoSim, c_key: &Signer, b_key: &Signer) {
    sim.delegate("targets", "A", &["*/*"], false);
    sim.delegate("targets", "B", &["*/*"], false);
    sim.add_delegation(
        "A",
        delegated_role("C", &[c_key], &["via-a/*"], false),
        std::slice::from_ref(c_key),
    );
    sim.add_delegation(
        "B",
        delegated_role("C", &[b_key], &["*/*"], false),
        std::slice::from_ref(b_key),
    );
}

/// Diamond: C is delegated by A (with C's key) and by B (with another key). C is trusted when
/// reached through A, but reaching it through B must check B's keys, and fails.
#[test]
fn diamond_delegation_checks_each_delegator() {
    let mut sim = RepoSim::new();
    let c_key = sim.new_signer();
    let other = sim.new_signer();
    diamond(&mut sim, &c_key, &other);
    sim.add_target("C", "via-a/x", b"x");
    sim.add_target("C", "via-b/y", b"y");
    sim.publish();

    let client = Client::new(&sim);
    let mut u = client.refresh(&sim).unwrap();
    assert_eq!(u.get_targetinfo("via-a/x").unwrap().file, target_file(b"x"));
    assert_err!(
        u.get_targetinfo("via-b/y"),
        TufError::ThresholdNotMet { role, threshold: 1, valid: 0 } if role == "C"
    );
    // A fresh updater that reaches C only through B (from the local copy or the network).
    let mut u = client.refresh(&sim).unwrap();
    assert_err!(
        u.get_targetinfo("via-b/y"),
        TufError::ThresholdNotMet { role, threshold: 1, valid: 0 } if role == "C"
    );

    // The fix: B delegates C to C's key.
    let d = sim.targets_md("B").signed.delegations.as_mut().unwrap();
    d.keys.clear();
    d.keys.insert(c_key.keyid.clone(), c_key.key.clone());
    let DelegatedRoles::Roles(roles) = &mut d.roles else {
        unreachable!()
    };
    roles[0].keyids = vec![c_key.keyid.clone()].into();
    client.assert_recovers(&mut sim);
}

/// A delegated role that snapshot does not list is refused.
#[test]
fn delegated_role_not_in_snapshot() {
    let mut sim = RepoSim::new();
    sim.delegate("targets", "A", &["*"], false);
    sim.add_target("A", "x", b"x");
    sim.publish();
    sim.snapshot.signed.meta.remove("A.json");
    sim.update_snapshot();
    let client = Client::new(&sim);
    let mut u = client.refresh(&sim).unwrap();
    assert_err!(
        u.get_targetinfo("x"),
        TufError::NotInSnapshot { role } if role == "A"
    );
    assert_eq!(client.stored("A"), None);
    client.assert_recovers(&mut sim);
}

// ---------------------------------------------------------------------------------------------
// Format
// ---------------------------------------------------------------------------------------------

/// A float anywhere in `signed` makes it non-canonical, whatever the signatures say.
#[test]
fn float_in_signed_is_not_canonical() {
    let mut sim = RepoSim::new();
    let client = Client::new(&sim);
    let mut doc = to_json(&sim.update_timestamp());
    doc["signed"]["x-ratio"] = json!(1.5);
    let bad = from_json(&doc);
    sim.put_metadata("timestamp.json", bad.clone());
    assert_err!(
        client.refresh(&sim),
        TufError::NotCanonical { role, .. } if role == "timestamp"
    );
    client.assert_not_stored(&bad);
    client.assert_recovers(&mut sim);

    // 1.0 is a float too.
    let mut doc = to_json(&sim.update_targets("targets"));
    doc["signed"]["custom"] = json!({"size": 1.0});
    let v = sim.targets.signed.common.version;
    sim.put_role("targets", v, from_json(&doc));
    assert_err!(
        client.refresh(&sim),
        TufError::NotCanonical { role, .. } if role == "targets"
    );
    client.assert_recovers(&mut sim);
}

/// Unknown fields are covered by the signatures (changing one breaks them) and are kept, in
/// the persisted bytes and in the typed view. Fields outside `signed` are not signed.
#[test]
fn unknown_fields_are_signed_and_preserved() {
    let mut sim = RepoSim::new();
    sim.targets
        .signed
        .common
        .unknown
        .insert("x-lumen-note".into(), json!({"nested": [1, "two", null]}));
    sim.add_target("targets", TARGET, CONTENT);
    let tf = sim.targets.signed.targets.get_mut(TARGET).unwrap();
    tf.unknown
        .insert("custom".into(), json!({"publisher": "lumen"}));
    tf.unknown.insert("x-other".into(), json!(true));
    sim.snapshot
        .signed
        .common
        .unknown
        .insert("x-snapshot-extra".into(), json!("kept"));
    sim.publish();

    let client = Client::new(&sim);
    let mut u = client.refresh(&sim).unwrap();
    let targets = u.trusted().targets("targets").unwrap().signed();
    assert_eq!(
        targets.common.unknown["x-lumen-note"],
        json!({"nested": [1, "two", null]})
    );
    assert_eq!(client.stored("targets").as_deref(), sim.latest("targets"));
    assert_eq!(client.stored("snapshot").as_deref(), sim.latest("snapshot"));
    let info = u.get_targetinfo(TARGET).unwrap();
    assert_eq!(info.file.custom(), Some(&json!({"publisher": "lumen"})));
    assert_eq!(info.file.unknown["x-other"], json!(true));

    // Tampering with an unknown field inside `signed` breaks the signature.
    let mut doc = to_json(&sim.update_targets("targets"));
    doc["signed"]["x-lumen-note"]["nested"][0] = json!(2);
    let tampered = from_json(&doc);
    let v = sim.targets.signed.common.version;
    sim.put_role("targets", v, tampered.clone());
    assert_err!(
        client.refresh(&sim),
        TufError::ThresholdNotMet { role, .. } if role == "targets"
    );
    client.assert_not_stored(&tampered);
    client.assert_recovers(&mut sim);

    // Outside `signed`, nothing is signed: an extra top-level field is accepted.
    let mut doc = to_json(&sim.update_timestamp());
    doc["x-unsigned"] = json!("anything");
    let extra = from_json(&doc);
    sim.put_metadata("timestamp.json", extra.clone());
    client.refresh(&sim).unwrap();
    assert_eq!(client.stored("timestamp"), Some(extra));
}

/// `spec_version` 1.x (two or three parts) is accepted; another major version, or a malformed
/// one, is refused.
#[test]
fn spec_version_major_must_be_one() {
    let mut sim = RepoSim::new();
    let client = Client::new(&sim);
    sim.timestamp.signed.common.spec_version = "1.0".into();
    sim.update_timestamp();
    client.refresh(&sim).unwrap();

    for bad in ["2.0.0", "1", "1.0.0.0", "v1.0"] {
        sim.timestamp.signed.common.spec_version = bad.into();
        let bytes = sim.update_timestamp();
        assert_err!(
            client.refresh(&sim),
            TufError::UnsupportedSpecVersion { role, found } if role == "timestamp" && found == bad
        );
        client.assert_not_stored(&bytes);
    }
    sim.timestamp.signed.common.spec_version = SPEC_VERSION.into();
    client.assert_recovers(&mut sim);
}

/// Regression: `Metadata::to_bytes` must write valid JSON. It used to write canonical JSON,
/// which leaves control characters in strings unescaped, so a PEM public key (with newlines) made
/// the file unparseable by lumen-tuf itself and by python-tuf.
#[test]
fn metadata_with_pem_keys_round_trips_through_to_bytes() {
    let mut sim = RepoSim::with_keys(Signer::p256);
    sim.publish();
    let bytes = sim.root.to_bytes();
    lumen_tuf::metadata::Metadata::<lumen_tuf::metadata::Root>::from_bytes(&bytes, "root")
        .expect("to_bytes writes parseable JSON");
}

/// A file of one role served as another's is refused by `_type`.
#[test]
fn swapped_type_is_wrong_type() {
    let mut sim = RepoSim::new();
    let client = Client::new(&sim);
    sim.put_metadata("timestamp.json", sim.latest("snapshot").unwrap().to_vec());
    assert_err!(
        client.refresh(&sim),
        TufError::WrongType { role, expected: "timestamp", found } if role == "timestamp" && found == "snapshot"
    );
    sim.put_metadata("2.root.json", sim.latest("timestamp").unwrap().to_vec());
    assert_err!(
        client.refresh(&sim),
        TufError::WrongType { expected: "root", found, .. } if found == "timestamp"
    );
    sim.remove("metadata/2.root.json");
    client.assert_recovers(&mut sim);
}

// ---------------------------------------------------------------------------------------------
// Request names
// ---------------------------------------------------------------------------------------------

fn names_repo(consistent: bool) -> RepoSim {
    let mut sim = RepoSim::with_consistent_snapshot(consistent);
    sim.delegate("targets", "team/a", &["dir/*"], false);
    sim.add_target("team/a", TARGET, CONTENT);
    sim.publish();
    sim
}

/// With consistent snapshots: `N.ROLE.json` (role names percent-encoded) and
/// `dir/SHA256.basename`; an unchanged repository costs one root probe and the timestamp.
#[test]
fn consistent_snapshot_request_names() {
    let sim = names_repo(true);
    let client = Client::new(&sim);
    sim.clear_requests();
    client.download(&sim, TARGET).unwrap();
    let hash = sha256_hex(CONTENT);
    assert_eq!(
        sim.requests(),
        [
            "metadata/2.root.json".to_owned(),
            "metadata/timestamp.json".into(),
            "metadata/1.snapshot.json".into(),
            "metadata/1.targets.json".into(),
            "metadata/1.team%2Fa.json".into(),
            format!("targets/dir/{hash}.file.bin"),
        ]
    );
    assert!(client.stored_files().contains_key("team%2Fa.json"));

    sim.clear_requests();
    let mut u = client.refresh(&sim).unwrap();
    u.get_targetinfo(TARGET).unwrap();
    assert_eq!(
        sim.requests(),
        ["metadata/2.root.json", "metadata/timestamp.json"]
    );

    let mut cfg = config();
    cfg.prefix_targets_with_hash = false;
    let client = Client::with_config(&sim, cfg);
    sim.clear_requests();
    client.download(&sim, TARGET).unwrap();
    assert_eq!(sim.target_requests(), ["dir/file.bin"]);
}

/// Without consistent snapshots: unversioned names (root is always versioned) and plain
/// target paths.
#[test]
fn non_consistent_snapshot_request_names() {
    let sim = names_repo(false);
    let client = Client::new(&sim);
    sim.clear_requests();
    client.download(&sim, TARGET).unwrap();
    assert_eq!(
        sim.requests(),
        [
            "metadata/2.root.json",
            "metadata/timestamp.json",
            "metadata/snapshot.json",
            "metadata/targets.json",
            "metadata/team%2Fa.json",
            "targets/dir/file.bin",
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// hmac-sha256
// ---------------------------------------------------------------------------------------------

const SECRET: [u8; 32] = [0x5a; 32];

fn hmac_config(secret: &[u8]) -> lumen_tuf::UpdaterConfig {
    let mut cfg = config();
    cfg.dangerous_hmac_secrets
        .dangerous_add_shared_secret(secret)
        .unwrap();
    cfg
}

/// A targets role keyed by an HMAC key verifies only for a client holding the secret.
#[test]
fn hmac_targets_need_the_dangerous_secret() {
    let mut sim = RepoSim::new();
    sim.add_target("targets", TARGET, CONTENT);
    sim.publish();
    let plain = Client::new(&sim);
    let with_secret = Client::with_config(&sim, hmac_config(&SECRET));
    let wrong_secret = Client::with_config(&sim, hmac_config(&[0x33; 32]));

    sim.root
        .signed
        .roles
        .get_mut("targets")
        .unwrap()
        .keyids
        .clear();
    sim.signers.insert("targets".into(), Vec::new());
    sim.add_key("targets", Signer::hmac(&SECRET));
    sim.bump_root();
    let mac_signed = sim.update_targets("targets");

    assert_err!(
        plain.refresh(&sim),
        TufError::ThresholdNotMet { role, threshold: 1, valid: 0 } if role == "targets"
    );
    plain.assert_not_stored(&mac_signed);
    assert_err!(
        wrong_secret.refresh(&sim),
        TufError::ThresholdNotMet { role, valid: 0, .. } if role == "targets"
    );
    with_secret.download(&sim, TARGET).unwrap();
    assert_eq!(with_secret.stored("targets"), Some(mac_signed));

    // The fix for clients without the secret: an asymmetric targets key again.
    sim.rotate_keys("targets");
    sim.bump_root();
    plain.assert_recovers(&mut sim);
    with_secret.assert_up_to_date(&sim);
}

/// HMAC keys never count for root, even with the secret: neither as a bootstrap root nor as a
/// rotated root.
#[test]
fn hmac_root_never_verifies() {
    let mut sim = RepoSim::new();
    let client = Client::with_config(&sim, hmac_config(&SECRET));
    let old = sim.signers_of("root");
    let mac = Signer::hmac(&SECRET);
    sim.root
        .signed
        .roles
        .get_mut("root")
        .unwrap()
        .keyids
        .clear();
    sim.signers.insert("root".into(), Vec::new());
    sim.add_key("root", mac.clone());
    sim.root.signed.common.version = 2;
    let mac_root = sign_metadata(&mut sim.root.clone(), &[old[0].clone(), mac.clone()]);
    sim.put_metadata("2.root.json", mac_root.clone());
    assert_err!(
        client.refresh(&sim),
        TufError::ThresholdNotMet { role, threshold: 1, valid: 0 } if role == "root"
    );
    client.assert_not_stored(&mac_root);

    // As the root an application ships.
    let mut v1 = sim.root.clone();
    v1.signed.common.version = 1;
    let mac_v1 = sign_metadata(&mut v1, std::slice::from_ref(&mac));
    let dir = tempfile::tempdir().unwrap();
    assert_err!(
        Updater::bootstrap(
            DirStore::new(dir.path()).unwrap(),
            sim.metadata_fetcher(),
            hmac_config(&SECRET),
            &mac_v1
        ),
        TufError::ThresholdNotMet { role, .. } if role == "root"
    );
    assert!(files_in(dir.path()).is_empty());
    let mut secrets = DangerousHmacSecrets::none();
    secrets.dangerous_add_shared_secret(&SECRET).unwrap();
    assert_err!(
        TrustedMetadataSet::new(&mac_v1, NOW, secrets),
        TufError::ThresholdNotMet { role, .. } if role == "root"
    );

    // The fix: root v2 keyed by an asymmetric key.
    sim.signers.insert("root".into(), Vec::new());
    sim.root
        .signed
        .roles
        .get_mut("root")
        .unwrap()
        .keyids
        .clear();
    sim.root.signed.keys.remove(&mac.keyid);
    let new = sim.new_signer();
    sim.add_key("root", new.clone());
    sim.publish_root_signed_by(&[old[0].clone(), new]);
    client.assert_recovers(&mut sim);
}

/// A trusted root at the largest representable version: no root can follow it, and the
/// client must say so with an error instead of overflowing.
#[test]
fn root_at_the_largest_version_does_not_overflow() {
    let mut sim = RepoSim::new();
    sim.root.signed.common.version = u64::MAX;
    let max_root = sim.publish_root();
    sim.initial_root = max_root;
    let client = Client::new(&sim);
    sim.clear_requests();
    client.refresh(&sim).unwrap();
    assert!(
        !sim.metadata_requests()
            .iter()
            .any(|r| r.ends_with(".root.json"))
    );
    assert_eq!(client.stored_version("root"), Some(u64::MAX));
    client.assert_recovers(&mut sim);

    // The trusted set refuses any root after it.
    let mut set = TrustedMetadataSet::new(&sim.initial_root, NOW, Default::default()).unwrap();
    assert_err!(
        set.update_root(&sim.initial_root),
        TufError::RootVersionNotNext {
            expected: u64::MAX,
            found: u64::MAX
        }
    );
}

/// Regression: the cached snapshot and targets are read with the length their referrer lists as
/// the cap, like a download, not the default cap: metadata larger than the default must not be
/// refetched on every update.
#[test]
fn cached_metadata_larger_than_the_default_cap_is_reused() {
    let mut sim = RepoSim::new();
    sim.meta_hashes = true;
    sim.delegate("targets", "team/a", &["dir/*"], false);
    sim.add_target("team/a", TARGET, CONTENT);
    sim.publish();
    let mut cfg = config();
    cfg.snapshot_max_length = 10;
    cfg.targets_max_length = 10;
    let client = Client::with_config(&sim, cfg);
    sim.clear_requests();
    client.download(&sim, TARGET).unwrap();
    sim.clear_requests();
    let mut u = client.refresh(&sim).unwrap();
    u.get_targetinfo(TARGET).unwrap();
    assert_eq!(
        sim.requests(),
        ["metadata/2.root.json", "metadata/timestamp.json"]
    );
}

/// Regression: the cached snapshot is the rollback reference even when it is longer than the
/// length the new timestamp lists for the new snapshot (an earlier version capped the cached read
/// at that length, so a shorter new snapshot rolling back a role went unchecked).
#[test]
fn cached_snapshot_longer_than_the_new_one_is_still_the_rollback_reference() {
    let mut sim = RepoSim::new();
    sim.meta_hashes = true;
    sim.publish();
    let client = Client::new(&sim);
    sim.snapshot
        .signed
        .common
        .unknown
        .insert("pad".into(), "x".repeat(4096).into());
    sim.update_targets("targets");
    client.refresh(&sim).unwrap();
    sim.snapshot.signed.common.unknown.remove("pad");
    sim.snapshot
        .signed
        .meta
        .get_mut("targets.json")
        .unwrap()
        .version = 1;
    let bad = sim.update_snapshot();
    assert_err!(
        client.refresh(&sim),
        TufError::RollbackDetected { role, trusted: 2, new: 1 } if role == "targets.json"
    );
    client.assert_not_stored(&bad);
    client.assert_recovers(&mut sim);
}

/// Large metadata (over the size at which signatures are checked on a second thread while the
/// typed view is read): a valid file is accepted whether its `signed` is written canonically
/// (checked over the bytes as received) or pretty-printed or with an escape (the check over the
/// received bytes fails and must be discarded for the one over the canonical encoding); a
/// forged signature or a changed byte under a valid signature is refused on the canonical path.
#[test]
fn large_metadata_is_verified_on_both_paths() {
    let mut sim = RepoSim::new();
    for i in 0..2000 {
        sim.add_target(
            "targets",
            &format!("pkg/{i:05}.tar.gz"),
            format!("{i}").as_bytes(),
        );
    }
    sim.publish();
    let v = sim.targets.signed.common.version;
    let doc = to_json(sim.latest("targets").unwrap());
    let canonical = lumen_tuf::canonical::encode(&doc).unwrap();
    assert!(canonical.len() > 300 * 1024, "{} bytes", canonical.len());
    let pretty = serde_json::to_vec_pretty(&doc).unwrap();
    // Compact and sorted, but with an escape (`\/` for `/`): not canonical as received either.
    let escaped = String::from_utf8(canonical.clone())
        .unwrap()
        .replacen(r#""pkg/00000.tar.gz""#, r#""pkg\/00000.tar.gz""#, 1)
        .into_bytes();
    assert_ne!(escaped, canonical);
    for good in [canonical.clone(), pretty, escaped] {
        sim.put_role("targets", v, good.clone());
        let client = Client::new(&sim);
        client.refresh(&sim).unwrap();
        assert_eq!(client.stored("targets"), Some(good));
    }

    let mut forged = doc.clone();
    let sig = forged["signatures"][0]["sig"].as_str().unwrap().to_owned();
    let flipped = if sig.starts_with('0') { "1" } else { "0" };
    forged["signatures"][0]["sig"] = json!(format!("{flipped}{}", &sig[1..]));
    let mut changed = doc.clone();
    changed["signed"]["targets"]["pkg/01999.tar.gz"]["length"] = json!(5);
    for bad in [forged, changed] {
        let bad = lumen_tuf::canonical::encode(&bad).unwrap();
        sim.put_role("targets", v, bad.clone());
        let client = Client::new(&sim);
        assert_err!(
            client.refresh(&sim),
            TufError::ThresholdNotMet { role, .. } if role == "targets"
        );
        client.assert_not_stored(&bad);
    }
}

/// Diamond with the same key on both paths: C is verified when reached through A; reaching it
/// through B checks B's delegation again, over the canonical form re-derived from C's typed view
/// (verified metadata keeps no copy of its bytes). C's file is pretty-printed and has an unknown
/// field with escapes, so it is not canonical as received: the re-derived bytes must still be
/// exactly what C's key signed, and C is trusted through B too.
#[test]
fn diamond_recheck_of_non_canonical_metadata_is_exact() {
    let mut sim = RepoSim::new();
    let c_key = sim.new_signer();
    diamond(&mut sim, &c_key, &c_key);
    sim.targets_md("C").signed.common.unknown.insert(
        "x-note".into(),
        json!({"z": "line\nbreak \"quoted\" \u{e9}\\", "a": [1, -2]}),
    );
    sim.add_target("C", "via-a/x", b"x");
    sim.add_target("C", "via-b/y", b"y");
    sim.publish();
    let v = sim.targets_md("C").signed.common.version;
    let pretty = serde_json::to_vec_pretty(&to_json(sim.latest("C").unwrap())).unwrap();
    sim.put_role("C", v, pretty.clone());

    let client = Client::new(&sim);
    let mut u = client.refresh(&sim).unwrap();
    assert_eq!(u.get_targetinfo("via-a/x").unwrap().file, target_file(b"x"));
    assert_eq!(u.get_targetinfo("via-b/y").unwrap().file, target_file(b"y"));
    assert_eq!(client.stored("C"), Some(pretty));
}
