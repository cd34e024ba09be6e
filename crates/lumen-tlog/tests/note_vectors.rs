//! External vectors and attack cases for `lumen_tlog::{note, checkpoint, cosignature}`.
//!
//! Sources of the vectors (each cited again where it is used):
//! - Go `golang.org/x/mod/sumdb/note` (`note.go` package docs, `note_test.go`): the PeterNeumann
//!   and EnochRoot keys and signatures, and the malformed notes of `TestOpen`.
//! - C2SP `signed-note.md`: the `example.com/foo` verifier key and its signed example message.
//! - transparency-dev/tessera `testdata/log` (kept in `../shared/testdata/tessera-log`): 16 signed
//!   checkpoints and the log's published test keys.
//! - Sigstore Rekor checkpoints signed with ECDSA P-256: sigstore/sigstore-js
//!   `packages/verify/src/__tests__/tlog/checkpoint.test.ts` (production and staging logs) and
//!   transparency-dev/formats `note/note_verifier_test.go` (Rekor and Pixel 6 logs).
//!
//! Every negative case asserts the exact error variant, never a message.
// Test code may unwrap and panic: a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use lumen_crypto::ExposeSecret as _;
use lumen_crypto::ed25519::Ed25519SigningKey;
use lumen_crypto::encoding::{Base64Variant, base64_decode, base64_encode, hex_decode};
use lumen_crypto::public_key::PublicKey;
use lumen_tlog::checkpoint::{Checkpoint, VerifiedCheckpoint};
use lumen_tlog::cosignature::{
    CosignatureVerifier, Cosigner, WitnessPolicy, cosignature_v1_message,
};
use lumen_tlog::note::{
    self, CheckpointProblem, EcdsaNoteVerifier, Ed25519NoteSigner, Ed25519NoteVerifier, KeyProblem,
    KeyRole, MAX_NOTE_SIZE, MAX_SIGNATURES, Note, NoteError, NoteSignature, SignatureLineProblem,
    Signer as _, Verifier as _, Verifiers, parse_verifier_key,
};
use std::path::PathBuf;

// ---------------------------------------------------------------------------------------------
// Go sumdb/note vectors (golang.org/x/mod/sumdb/note, note.go docs and note_test.go).

const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const GO_TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                       then you don't know what your problem is.\n";
const PETER_SIG: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIG: &str = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

fn b64(text: &str) -> Vec<u8> {
    base64_decode(Base64Variant::Standard, text).unwrap()
}

fn verifiers(vkeys: &[&str]) -> Verifiers {
    Verifiers::from_vkeys(vkeys.iter().copied()).unwrap()
}

fn peter_verifiers() -> Verifiers {
    verifiers(&[PETER_VKEY])
}

fn open_err(msg: &str, known: &Verifiers) -> NoteError {
    match note::open(msg.as_bytes(), known) {
        Err(e) => e,
        Ok(n) => panic!("opened {msg:?}: {n:?}"),
    }
}

fn sig(name: &str, key_hash: u32, b64sig: &str) -> NoteSignature {
    let raw = b64(b64sig);
    assert_eq!(&raw[..4], &key_hash.to_be_bytes());
    NoteSignature::new(name, key_hash, raw[4..].to_vec()).unwrap()
}

fn peter() -> NoteSignature {
    sig(
        "PeterNeumann",
        0xc74f20a3,
        "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
    )
}

fn enoch() -> NoteSignature {
    sig(
        "EnochRoot",
        0xaf0cfe78,
        "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=",
    )
}

#[test]
fn go_sign_reproduces_the_published_signature() {
    // note_test.go TestSign and the package docs: Ed25519 is deterministic.
    let signer = Ed25519NoteSigner::from_signer_key(PETER_SKEY).unwrap();
    let want = format!("{GO_TEXT}\n{PETER_SIG}");
    assert_eq!(note::sign(GO_TEXT, &[&signer]).unwrap(), want);

    // An existing signature by the same key is replaced, not duplicated.
    let mut n = Note::new(GO_TEXT).unwrap();
    n.add_signature(NoteSignature::new("PeterNeumann", 0xc74f20a3, b"BAD".to_vec()).unwrap())
        .unwrap();
    n.sign(&signer).unwrap();
    assert_eq!(n.encode().unwrap(), want);

    // Text without a final newline cannot be signed.
    assert!(matches!(
        note::sign("abc", &[&signer]),
        Err(NoteError::MissingFinalNewline)
    ));
}

#[test]
fn go_open_one_known_one_unknown_both_known_none_known() {
    // note_test.go TestOpen.
    let msg = format!("{GO_TEXT}\n{PETER_SIG}{ENOCH_SIG}");
    let n = note::open(msg.as_bytes(), &peter_verifiers()).unwrap();
    assert_eq!(n.text(), GO_TEXT);
    assert_eq!(n.verified_signatures(), [peter()]);
    assert_eq!(n.unverified_signatures(), [enoch()]);

    let n = note::open(msg.as_bytes(), &verifiers(&[PETER_VKEY, ENOCH_VKEY])).unwrap();
    assert_eq!(n.verified_signatures(), [peter(), enoch()]);
    assert!(n.unverified_signatures().is_empty());

    match open_err(&msg, &Verifiers::new()) {
        NoteError::NoVerifiedSignature { unknown_keys } => assert_eq!(
            unknown_keys,
            [
                ("PeterNeumann".to_owned(), 0xc74f20a3),
                ("EnochRoot".to_owned(), 0xaf0cfe78)
            ]
        ),
        e => panic!("{e:?}"),
    }
}

#[test]
fn go_duplicate_signatures_are_listed_once() {
    // note_test.go TestOpen, "Duplicated verified and unverified signatures".
    let enoch_abcd = format!("{}ABCD{}", &ENOCH_SIG[..60], &ENOCH_SIG[60..]);
    let msg = format!("{GO_TEXT}\n{PETER_SIG}{PETER_SIG}{ENOCH_SIG}{ENOCH_SIG}{enoch_abcd}");
    let n = note::open(msg.as_bytes(), &peter_verifiers()).unwrap();
    assert_eq!(n.verified_signatures(), [peter()]);
    let abcd = sig(
        "EnochRoot",
        0xaf0cfe78,
        "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5nABCD2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=",
    );
    assert_eq!(n.unverified_signatures(), [enoch(), abcd]);
}

#[test]
fn a_second_different_signature_by_a_known_key_is_still_checked() {
    // Go skips it; the spec says a signature by a known key MUST be verified.
    let bad = format!("{}ABCD{}", &PETER_SIG[..60], &PETER_SIG[60..]);
    let msg = format!("{GO_TEXT}\n{PETER_SIG}{bad}");
    assert!(matches!(
        open_err(&msg, &peter_verifiers()),
        NoteError::InvalidSignature { name, key_hash: 0xc74f20a3 } if name == "PeterNeumann"
    ));
}

#[test]
fn go_too_many_signatures() {
    // note_test.go TestOpen: 101 signatures are refused, whether the key is known or not.
    let msg = format!("{GO_TEXT}\n{}", PETER_SIG.repeat(101));
    for known in [peter_verifiers(), Verifiers::new()] {
        assert!(matches!(
            open_err(&msg, &known),
            NoteError::TooManySignatures {
                count: 101,
                max: 100
            }
        ));
    }
    // 100 are fine (and the one key counts once).
    let msg = format!("{GO_TEXT}\n{}", PETER_SIG.repeat(MAX_SIGNATURES));
    let n = note::open(msg.as_bytes(), &peter_verifiers()).unwrap();
    assert_eq!(n.verified_signatures().len(), 1);

    // Building a 101st signature is refused too.
    let mut n = Note::new(GO_TEXT).unwrap();
    for i in 0..100u32 {
        n.add_signature(NoteSignature::new("k", i, vec![1]).unwrap())
            .unwrap();
    }
    assert!(matches!(
        n.add_signature(NoteSignature::new("k", 100, vec![1]).unwrap()),
        Err(NoteError::TooManySignatures {
            count: 101,
            max: 100
        })
    ));
    // Replacing an existing key's signature is still allowed at the limit.
    n.add_signature(NoteSignature::new("k", 5, vec![2]).unwrap())
        .unwrap();
    assert_eq!(n.signatures().len(), 100);
}

#[test]
fn go_invalid_signature() {
    // note_test.go TestOpen, "Invalid signature".
    let msg = format!("{GO_TEXT}\n{}ABCD{}", &PETER_SIG[..60], &PETER_SIG[60..]);
    assert!(matches!(
        open_err(&msg, &peter_verifiers()),
        NoteError::InvalidSignature { name, key_hash: 0xc74f20a3 } if name == "PeterNeumann"
    ));
}

#[test]
fn go_malformed_notes() {
    // note_test.go TestOpen, "Invalid encoded message syntax", one variant per case.
    let known = peter_verifiers();
    assert!(matches!(
        open_err(GO_TEXT, &known),
        NoteError::MissingSignatureSeparator
    ));
    assert!(matches!(
        open_err(&format!("{GO_TEXT}\n"), &known),
        NoteError::NoSignatures
    ));
    assert!(matches!(
        open_err(
            &format!("{GO_TEXT}\n{}", PETER_SIG.trim_end_matches('\n')),
            &known
        ),
        NoteError::UnterminatedSignatureLine
    ));
    assert!(matches!(
        open_err(&format!("\x01{GO_TEXT}\n{PETER_SIG}"), &known),
        NoteError::ControlCharacter {
            offset: 0,
            byte: 0x01
        }
    ));
    let mut invalid_utf8 = b"\xff".to_vec();
    invalid_utf8.extend_from_slice(format!("{GO_TEXT}\n{PETER_SIG}").as_bytes());
    assert!(matches!(
        note::open(&invalid_utf8, &known),
        Err(NoteError::InvalidUtf8 { offset: 0 })
    ));
    let bad_name = PETER_SIG.replace("PeterNeumann", "Bad Name");
    assert!(matches!(
        open_err(
            &format!("{GO_TEXT}\n{}", bad_name.trim_end_matches('\n')),
            &known
        ),
        NoteError::UnterminatedSignatureLine
    ));
    // With its newline, "Bad Name" splits into the name "Bad" and a signature "Name x08…".
    assert!(matches!(
        open_err(&format!("{GO_TEXT}\n{bad_name}"), &known),
        NoteError::MalformedSignatureLine {
            line: 1,
            problem: SignatureLineProblem::SignatureNotBase64
        }
    ));
    assert!(matches!(
        open_err(&format!("{GO_TEXT}\n{PETER_SIG}Unexpected line.\n"), &known),
        NoteError::MalformedSignatureLine {
            line: 2,
            problem: SignatureLineProblem::MissingEmDashPrefix
        }
    ));
}

#[test]
fn go_unknown_name_or_hash_alone_is_ignored() {
    // Signatures that share the name or the hash (not both) with a known key are unknown.
    let misnamed = PETER_SIG.replace("PeterNeumann", "CarmenSandiego");
    let rehashed = PETER_SIG.replace("x08g", "xxxx");
    for line in [misnamed, rehashed] {
        let msg = format!("{GO_TEXT}\n{line}");
        assert!(matches!(
            open_err(&msg, &peter_verifiers()),
            NoteError::NoVerifiedSignature { unknown_keys } if unknown_keys.len() == 1
        ));
        // Alongside a valid signature it is simply kept aside.
        let msg = format!("{GO_TEXT}\n{line}{PETER_SIG}");
        let n = note::open(msg.as_bytes(), &peter_verifiers()).unwrap();
        assert_eq!(n.verified_signatures(), [peter()]);
        assert_eq!(n.unverified_signatures().len(), 1);
    }
}

#[test]
fn go_verifier_key_manglings_are_refused() {
    // note_test.go TestNewVerifier: every proper substring and every single-byte increment fails.
    assert!(Ed25519NoteVerifier::from_vkey(PETER_VKEY).is_ok());
    let is_key_error = |e: &NoteError| {
        matches!(
            e,
            NoteError::MalformedKey {
                role: KeyRole::Verifier,
                ..
            } | NoteError::InvalidKeyName { .. }
                | NoteError::KeyHashMismatch { .. }
                | NoteError::WrongKeyType { .. }
                | NoteError::UnknownKeyType { .. }
                | NoteError::RejectedPublicKey { .. }
        )
    };
    let b = PETER_VKEY.as_bytes();
    let mut tried = 0;
    for i in 0..=b.len() {
        for j in i + 1..=b.len() {
            if i == 0 && j == b.len() {
                continue;
            }
            let Ok(sub) = std::str::from_utf8(&b[i..j]) else {
                continue;
            };
            let e = Ed25519NoteVerifier::from_vkey(sub).unwrap_err();
            assert!(is_key_error(&e), "{sub:?}: {e:?}");
            let e = parse_verifier_key(sub).unwrap_err();
            assert!(is_key_error(&e), "{sub:?}: {e:?}");
            tried += 1;
        }
    }
    assert!(tried > 2000);
    for i in 0..b.len() {
        let mut m = b.to_vec();
        m[i] += 1;
        let m = String::from_utf8(m).unwrap();
        let e = Ed25519NoteVerifier::from_vkey(&m).unwrap_err();
        assert!(is_key_error(&e), "{m:?}: {e:?}");
    }
    // The two adjusted-hash cases of the Go test, with their exact reasons. Go's wrong-length
    // key ends in "KEY==", whose last character has non-zero padding bits: Go's lenient decoder
    // takes it, strict Base64 does not.
    assert!(matches!(
        Ed25519NoteVerifier::from_vkey(
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
        ),
        Err(NoteError::MalformedKey {
            role: KeyRole::Verifier,
            problem: KeyProblem::KeyNotBase64
        })
    ));
    let mut long = b64("ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
    long.push(0);
    let hash = note::key_hash("PeterNeumann", long[0], &long[1..]);
    let long = format!(
        "PeterNeumann+{hash:08x}+{}",
        base64_encode(Base64Variant::Standard, &long)
    );
    assert!(matches!(
        Ed25519NoteVerifier::from_vkey(&long),
        Err(NoteError::MalformedKey {
            role: KeyRole::Verifier,
            problem: KeyProblem::WrongKeyLength {
                expected: 32,
                actual: 33
            }
        })
    ));
    let unknown_alg = "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    assert!(matches!(
        Ed25519NoteVerifier::from_vkey(unknown_alg),
        Err(NoteError::WrongKeyType {
            expected: 0x01,
            found: 0x65
        })
    ));
    assert!(matches!(
        parse_verifier_key(unknown_alg),
        Err(NoteError::UnknownKeyType { key_type: 0x65 })
    ));
}

#[test]
fn verifier_key_field_rules() {
    let case = |vkey: &str| Ed25519NoteVerifier::from_vkey(vkey).unwrap_err();
    let malformed = |e: NoteError| match e {
        NoteError::MalformedKey { problem, .. } => problem,
        e => panic!("{e:?}"),
    };
    assert_eq!(
        malformed(case("PeterNeumann+c74f20a3")),
        KeyProblem::MissingField
    );
    assert_eq!(
        malformed(case(
            "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
        )),
        KeyProblem::HashNotEightHexDigits
    );
    assert_eq!(
        malformed(case(
            "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
        )),
        KeyProblem::HashNotEightHexDigits
    );
    assert_eq!(
        malformed(case(
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq_LDE4izWy10TW"
        )),
        KeyProblem::KeyNotBase64
    );
    assert_eq!(
        malformed(case("PeterNeumann+c74f20a3+")),
        KeyProblem::EmptyKey
    );
    assert!(matches!(
        case("+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
        NoteError::InvalidKeyName { name } if name.is_empty()
    ));
    assert!(matches!(
        case("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
        NoteError::InvalidKeyName { .. }
    ));
    assert!(matches!(
        case("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
        NoteError::KeyHashMismatch {
            stated: 0xc74f20a4,
            computed: 0xc74f20a3,
            ..
        }
    ));
    // A small-order point with a correct hash is refused by the crypto layer.
    let identity = {
        let mut k = [0u8; 32];
        k[0] = 1;
        k
    };
    let mut raw = vec![0x01];
    raw.extend_from_slice(&identity);
    let hash = note::key_hash("weak", 0x01, &identity);
    let weak = format!(
        "weak+{hash:08x}+{}",
        base64_encode(Base64Variant::Standard, &raw)
    );
    assert!(matches!(case(&weak), NoteError::RejectedPublicKey { .. }));
}

#[test]
fn go_signer_key_manglings_are_refused() {
    // note_test.go TestNewSigner.
    assert!(Ed25519NoteSigner::from_signer_key(PETER_SKEY).is_ok());
    let is_key_error = |e: &NoteError| {
        matches!(
            e,
            NoteError::MalformedKey {
                role: KeyRole::Signer,
                ..
            } | NoteError::InvalidKeyName { .. }
                | NoteError::KeyHashMismatch { .. }
                | NoteError::WrongKeyType { .. }
        )
    };
    let b = PETER_SKEY.as_bytes();
    for i in 0..=b.len() {
        for j in i + 1..=b.len() {
            if i == 0 && j == b.len() {
                continue;
            }
            let sub = std::str::from_utf8(&b[i..j]).unwrap();
            let e = Ed25519NoteSigner::from_signer_key(sub).unwrap_err();
            assert!(is_key_error(&e), "{sub:?}: {e:?}");
        }
    }
    for i in 0..b.len() {
        let mut m = b.to_vec();
        m[i] += 1;
        let m = String::from_utf8(m).unwrap();
        let e = Ed25519NoteSigner::from_signer_key(&m).unwrap_err();
        assert!(is_key_error(&e), "{m:?}: {e:?}");
    }
    assert!(matches!(
        Ed25519NoteSigner::from_signer_key(&PETER_SKEY["PRIVATE+KEY+".len()..]),
        Err(NoteError::MalformedKey {
            role: KeyRole::Signer,
            problem: KeyProblem::MissingPrivateKeyPrefix
        })
    ));
    assert!(matches!(
        Ed25519NoteSigner::from_signer_key(
            "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
        ),
        Err(NoteError::KeyHashMismatch {
            stated: 0xc74f20a4,
            computed: 0xc74f20a3,
            ..
        })
    ));
}

#[test]
fn go_verifier_set_and_duplicates() {
    // note_test.go TestVerifierList: lookups by exact (name, hash); Go reports a duplicated
    // verifier when it is used, this set refuses it when it is added.
    let known = verifiers(&[PETER_VKEY, ENOCH_VKEY]);
    assert_eq!(known.len(), 2);
    assert_eq!(
        known.get("PeterNeumann", 0xc74f20a3).unwrap().key_hash(),
        0xc74f20a3
    );
    assert!(known.get("PeterNeumann", 0xc74f20a4).is_none());
    assert!(known.get("PeterNeuman", 0xc74f20a3).is_none());
    assert!(matches!(
        Verifiers::from_vkeys([PETER_VKEY, ENOCH_VKEY, ENOCH_VKEY]),
        Err(NoteError::DuplicateVerifier { name, key_hash: 0xaf0cfe78 }) if name == "EnochRoot"
    ));
}

#[test]
fn verified_note_can_be_countersigned() {
    // The Go package docs' re-signing example: the existing signature stays first.
    let msg = format!("{GO_TEXT}\n{PETER_SIG}");
    let n = note::open(msg.as_bytes(), &peter_verifiers()).unwrap();
    let me = Ed25519NoteSigner::new("EnochRoot", Ed25519SigningKey::generate().unwrap()).unwrap();
    let mut n = n.into_note();
    n.sign(&me).unwrap();
    let twice = n.encode().unwrap();
    assert!(twice.starts_with(&format!("{GO_TEXT}\n{PETER_SIG}— EnochRoot ")));
    let mut both = peter_verifiers();
    both.add(me.verifier()).unwrap();
    let n = note::open(twice.as_bytes(), &both).unwrap();
    assert_eq!(n.verified_signatures().len(), 2);
}

// ---------------------------------------------------------------------------------------------
// C2SP signed-note spec example.

#[test]
fn c2sp_spec_example_verifies() {
    // C2SP/C2SP signed-note.md, "Verifier keys" / "Example".
    let vkey = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
    let msg = "This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";
    let n = note::open(msg.as_bytes(), &verifiers(&[vkey])).unwrap();
    assert_eq!(n.text(), "This is an example message.\n");
    assert_eq!(n.verified_signatures()[0].key_hash(), 0x530d903a);
    // Re-encoding the verified note gives the same bytes.
    assert_eq!(n.into_note().encode().unwrap(), msg);
}

// ---------------------------------------------------------------------------------------------
// Single-byte changes, key hashes, text rules, line rules.

#[test]
fn every_single_byte_change_of_a_signature_is_caught() {
    let raw = b64(PETER_SIG
        .trim_start_matches("— PeterNeumann ")
        .trim_end_matches('\n'));
    assert_eq!(raw.len(), 68);
    for i in 0..raw.len() {
        for delta in [0x01u8, 0x80] {
            let mut m = raw.clone();
            m[i] ^= delta;
            let line = format!(
                "— PeterNeumann {}\n",
                base64_encode(Base64Variant::Standard, &m)
            );
            let err = open_err(&format!("{GO_TEXT}\n{line}"), &peter_verifiers());
            if i < 4 {
                // The key hash changed: the signature is from an unknown key.
                assert!(
                    matches!(err, NoteError::NoVerifiedSignature { ref unknown_keys } if unknown_keys.len() == 1),
                    "byte {i}: {err:?}"
                );
            } else {
                assert!(
                    matches!(
                        err,
                        NoteError::InvalidSignature {
                            key_hash: 0xc74f20a3,
                            ..
                        }
                    ),
                    "byte {i}: {err:?}"
                );
            }
        }
    }
    // And every byte of the text.
    for i in 0..GO_TEXT.len() {
        let mut t = GO_TEXT.as_bytes().to_vec();
        if t[i] == b'\n' {
            continue;
        }
        t[i] = if t[i] == b'x' { b'y' } else { b'x' };
        let msg = format!("{}\n{PETER_SIG}", String::from_utf8(t).unwrap());
        assert!(
            matches!(
                open_err(&msg, &peter_verifiers()),
                NoteError::InvalidSignature { .. }
            ),
            "text byte {i}"
        );
    }
    // A signature of the wrong length from a known key is invalid, not malformed.
    let short = format!(
        "— PeterNeumann {}\n",
        base64_encode(Base64Variant::Standard, &raw[..67])
    );
    assert!(matches!(
        open_err(&format!("{GO_TEXT}\n{short}"), &peter_verifiers()),
        NoteError::InvalidSignature { .. }
    ));
}

#[test]
fn malformed_signature_lines_name_their_problem() {
    let known = peter_verifiers();
    let problem = |line: &str| match open_err(&format!("{GO_TEXT}\n{line}\n"), &known) {
        NoteError::MalformedSignatureLine { line: 1, problem } => problem,
        e => panic!("{line:?}: {e:?}"),
    };
    let sig = "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=";
    use SignatureLineProblem as P;
    assert_eq!(
        problem(&format!("- PeterNeumann {sig}")),
        P::MissingEmDashPrefix
    );
    assert_eq!(
        problem(&format!("—PeterNeumann {sig}")),
        P::MissingEmDashPrefix
    );
    assert_eq!(
        problem(&format!("– PeterNeumann {sig}")),
        P::MissingEmDashPrefix
    ); // en dash
    assert_eq!(
        problem(&format!(" — PeterNeumann {sig}")),
        P::MissingEmDashPrefix
    );
    assert_eq!(problem("— PeterNeumann"), P::MissingSignature);
    assert_eq!(
        problem(&format!("—  {sig}")),
        P::InvalidName {
            name: String::new()
        }
    );
    assert_eq!(
        problem(&format!("— Peter+Neumann {sig}")),
        P::InvalidName {
            name: "Peter+Neumann".into()
        }
    );
    assert_eq!(
        problem(&format!("— Peter\u{a0}Neumann {sig}")),
        P::InvalidName {
            name: "Peter\u{a0}Neumann".into()
        }
    );
    assert_eq!(
        problem(&format!("— PeterNeumann  {sig}")),
        P::SignatureNotBase64
    );
    assert_eq!(
        problem(&format!("— PeterNeumann {sig} ")),
        P::SignatureNotBase64
    );
    assert_eq!(
        problem(&format!("— PeterNeumann {}", sig.trim_end_matches('='))),
        P::SignatureNotBase64
    );
    assert_eq!(
        problem(&format!("— PeterNeumann {}", sig.replace('/', "_"))),
        P::SignatureNotBase64
    );
    assert_eq!(problem("— PeterNeumann "), P::SignatureTooShort { len: 0 });
    assert_eq!(
        problem("— PeterNeumann AAAA"),
        P::SignatureTooShort { len: 3 }
    );
    assert_eq!(
        problem("— PeterNeumann AAAAAA=="),
        P::SignatureTooShort { len: 4 }
    );
    // Five bytes parse (hash + one signature byte); the key is unknown here.
    assert!(matches!(
        open_err(&format!("{GO_TEXT}\n— Other AAAAAAA=\n"), &known),
        NoteError::NoVerifiedSignature { .. }
    ));
}

#[test]
fn text_rules() {
    assert!(matches!(
        Note::new("no newline"),
        Err(NoteError::MissingFinalNewline)
    ));
    assert!(matches!(Note::new(""), Err(NoteError::MissingFinalNewline)));
    for (text, offset, byte) in [
        ("a\tb\n", 1, b'\t'),
        ("a\rb\n", 1, b'\r'),
        ("\u{0}\n", 0, 0),
        ("ab\u{1b}[0m\n", 2, 0x1b),
        ("a\n\u{1f}\n", 2, 0x1f),
    ] {
        assert!(
            matches!(
                Note::new(text),
                Err(NoteError::ControlCharacter { offset: o, byte: b }) if o == offset && b == byte
            ),
            "{text:?}"
        );
    }
    // DEL and non-ASCII are allowed; so are blank lines inside the text.
    let signer = Ed25519NoteSigner::from_signer_key(PETER_SKEY).unwrap();
    for text in ["\u{7f}é—\n", "a\n\nb\n", "a\n\n", "\n", "a\n\n\n"] {
        let signed = note::sign(text, &[&signer]).unwrap();
        let n = note::open(signed.as_bytes(), &peter_verifiers()).unwrap();
        assert_eq!(n.text(), text);
    }
    // A control character in the signature block is refused like one in the text.
    let msg = format!("{GO_TEXT}\n{}", PETER_SIG.replace(' ', "\t"));
    assert!(matches!(
        open_err(&msg, &peter_verifiers()),
        NoteError::ControlCharacter { byte: b'\t', .. }
    ));
    // CRLF line endings are not notes.
    let crlf = format!("{GO_TEXT}\n{PETER_SIG}").replace('\n', "\r\n");
    assert!(matches!(
        open_err(&crlf, &peter_verifiers()),
        NoteError::ControlCharacter { byte: b'\r', .. }
    ));
}

#[test]
fn size_cap() {
    let big_text = format!("{}\n", "a".repeat(MAX_NOTE_SIZE));
    assert!(matches!(
        Note::new(big_text),
        Err(NoteError::NoteTooLarge {
            max: MAX_NOTE_SIZE,
            ..
        })
    ));
    let msg = format!("{}\n\n{PETER_SIG}", "a".repeat(MAX_NOTE_SIZE));
    assert!(matches!(
        note::open(msg.as_bytes(), &peter_verifiers()),
        Err(NoteError::NoteTooLarge {
            max: MAX_NOTE_SIZE,
            ..
        })
    ));
    // A text that fits alone but not with its signature line cannot be encoded.
    let signer = Ed25519NoteSigner::from_signer_key(PETER_SKEY).unwrap();
    let text = format!("{}\n", "a".repeat(MAX_NOTE_SIZE - 10));
    let mut n = Note::new(text).unwrap();
    n.sign(&signer).unwrap();
    assert!(matches!(
        n.encode(),
        Err(NoteError::NoteTooLarge {
            max: MAX_NOTE_SIZE,
            ..
        })
    ));
    // An unsigned note cannot be encoded.
    assert!(matches!(
        Note::new(GO_TEXT).unwrap().encode(),
        Err(NoteError::NoSignatures)
    ));
}

// ---------------------------------------------------------------------------------------------
// The Tessera test log (../shared/testdata/tessera-log).

const TESSERA_ORIGIN: &str = "example.com/log/testdata";
const TESSERA_VKEY: &str =
    "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx";
const TESSERA_SKEY: &str =
    "PRIVATE+KEY+example.com/log/testdata+33d7b496+AeymY/SZAX0jZcJ8enZ5FY1Dz+wTML2yWSkK+9DSF3eg";

fn testdata(rel: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata")
        .join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("missing test data {}: {e}", path.display()))
}

#[test]
fn tessera_checkpoints_verify_parse_and_re_sign_byte_for_byte() {
    let known = verifiers(&[TESSERA_VKEY]);
    let signer = Ed25519NoteSigner::from_signer_key(TESSERA_SKEY).unwrap();
    assert_eq!(signer.verifier().to_vkey(), TESSERA_VKEY);
    let mut roots = Vec::new();
    for size in 0..=15u64 {
        let bytes = testdata(&format!("tessera-log/checkpoint.{size}"));
        let verified = VerifiedCheckpoint::open(&bytes, TESSERA_ORIGIN, &known).unwrap();
        let cp = verified.checkpoint();
        assert_eq!(cp.size(), size, "checkpoint.{size}");
        assert_eq!(cp.origin(), TESSERA_ORIGIN);
        assert!(cp.extensions().is_empty());
        assert_eq!(verified.note().verified_signatures().len(), 1);
        assert!(verified.note().unverified_signatures().is_empty());
        let resigned = cp.sign(&[&signer]).unwrap();
        assert_eq!(resigned.as_bytes(), bytes.as_slice(), "checkpoint.{size}");
        roots.push(*cp.root());
    }
    // The empty tree's root is SHA-256 of nothing; every size has its own root.
    assert_eq!(roots[0], lumen_crypto::hash::sha256(b""));
    let mut distinct = roots.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 16);
    // `checkpoint` is the latest one, of size 15.
    let latest = testdata("tessera-log/checkpoint");
    assert_eq!(latest, testdata("tessera-log/checkpoint.15"));
    let verified = VerifiedCheckpoint::open(&latest, TESSERA_ORIGIN, &known).unwrap();
    assert_eq!(verified.checkpoint().size(), 15);
}

#[test]
fn tessera_checkpoint_with_wrong_origin_or_key() {
    let bytes = testdata("tessera-log/checkpoint.3");
    assert!(matches!(
        VerifiedCheckpoint::open(&bytes, "example.com/other", &verifiers(&[TESSERA_VKEY])),
        Err(NoteError::OriginMismatch { expected, found })
            if expected == "example.com/other" && found == TESSERA_ORIGIN
    ));
    assert!(matches!(
        VerifiedCheckpoint::open(&bytes, TESSERA_ORIGIN, &peter_verifiers()),
        Err(NoteError::NoVerifiedSignature { .. })
    ));
    // A valid note whose text is not a checkpoint is refused after verification.
    let signer = Ed25519NoteSigner::from_signer_key(TESSERA_SKEY).unwrap();
    let not_a_checkpoint = note::sign("example.com/log/testdata\n03\nAAAA\n", &[&signer]).unwrap();
    assert!(matches!(
        VerifiedCheckpoint::open(
            not_a_checkpoint.as_bytes(),
            TESSERA_ORIGIN,
            &verifiers(&[TESSERA_VKEY])
        ),
        Err(NoteError::MalformedCheckpoint {
            problem: CheckpointProblem::SizeLeadingZero
        })
    ));
}

// ---------------------------------------------------------------------------------------------
// Sigstore Rekor checkpoints (ECDSA P-256, verification only).

/// Rekor production log key (rekor.sigstore.dev), SPKI DER in Base64; its SHA-256 is the log id
/// c0d23d6a…, whose first four bytes are the note key hash.
/// Source: sigstore/sigstore-js packages/verify/src/__tests__/tlog/checkpoint.test.ts.
const REKOR_PROD_SPKI: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2G2Y+2tabdTV5BcGiBIx0a9fAFwrkBbmLSGtks4L3qX6yYY0zufBnhC8Ur/iy55GhWP/9A/bY2LhC30M9+RYtw==";

/// A production Rekor checkpoint with a `Timestamp:` extension line (same source).
const REKOR_PROD_CHECKPOINT: &str = "rekor.sigstore.dev - 2605736670972794746\n21428036\nrxnoKyFZlJ7/R6bMh/d3lcqwKqAy5CL1LcNBJP17kgQ=\nTimestamp: 1688058656037355364\n\n— rekor.sigstore.dev wNI9ajBFAiEAuDk7uu5Ae8Own/MjhSZNuVzbLuYH2jBMxbSA0WaNDNACIDV4reKpYiOpkwtvazCClnpUuduF2o/th2xR3gRZAUU4\n";

/// Rekor staging log key and a checkpoint without extension lines (same source, "when there is
/// a valid checkpoint with no timestamp").
const REKOR_STAGING_SPKI: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEDODRU688UYGuy54mNUlaEBiQdTE9nYLr0lg6RXowI/QV/RE1azBn4Eg5/2uTOMbhB1/gfcHzijzFi9Tk+g1Prg==";
const REKOR_STAGING_CHECKPOINT: &str = "rekor.sigstage.dev - 8050909264565447525\n23003647\nWBwYpazawqUG5iErvDptvf7mpt84WIpmm+zfshgHhJs=\n\n— rekor.sigstage.dev 0y8wozBGAiEA2kq45YWfHHiDCJHH2+m9l+TVMtPBpOVu+VtVaj62V2MCIQDflbM2N7M/JTIV/spr9qYUI3gf4bO0qqSeiEWJ5xLgPA==\n";

/// transparency-dev/formats note/note_verifier_test.go: the Rekor key as a type-0x02 vkey, a
/// Rekor note it verifies, and the Pixel 6 transparency log key and note.
const FORMATS_REKOR_VKEY: &str = "rekor.sigstore.dev+c0d23d6a+AjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABNhtmPtrWm3U1eQXBogSMdGvXwBcK5AW5i0hrZLOC96l+smGNM7nwZ4QvFK/4sueRoVj//QP22Ni4Qt9DPfkWLc=";
const FORMATS_REKOR_NOTE: &str = "Rekor\n798034\nf+7CoKgXKE/tNys9TTXcr/ad6U/K3xvznmzew9y6SP0=\n\n— rekor.sigstore.dev wNI9ajBEAiARInWIWyCdyG27CO6LPnPekyw20qO0YJfoaPaowGp/XgIgc+qEHS3+GKVClgqq20uDLet7MCoTURUCRdxwWBHHufk=\n";
const FORMATS_PIXEL_VKEY: &str = "pixel6_transparency_log+91c16e30+AjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABN+4x0Jk1yTwvLFI9A4NDdGZcX0aiWVdWM5XJVy0M4VWD3AvyW5Q6Hs9A0mcDkpUoYgn+KKPNzFC0H3nN3q6JQ8=";
const FORMATS_PIXEL_NOTE: &str = "DEFAULT\n10\nbsWRucJU5xJPHb5eBdOm6+DM+VelCZBuvtI3sHERJ9Y=\n\n— pixel6_transparency_log kcFuMDBFAiEAhqMAP8P6qf6QxtUJhzMhbN+MbZ9dwfUHzGQJmffJHtoCIGD0cNe47dHWBoPwYdgBCepB06/+g5O1FmYjXl06owL4\n";

fn rekor_prod() -> EcdsaNoteVerifier {
    EcdsaNoteVerifier::from_spki_der("rekor.sigstore.dev", &b64(REKOR_PROD_SPKI)).unwrap()
}

#[test]
fn rekor_key_hash_is_sha256_of_the_spki_der() {
    let v = rekor_prod();
    assert_eq!(v.key_hash(), 0xc0d23d6a);
    assert_eq!(v.spki_der(), b64(REKOR_PROD_SPKI).as_slice());
    // The log id Sigstore publishes for this key.
    let log_id =
        hex_decode("c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d").unwrap();
    assert_eq!(lumen_crypto::hash::sha256(v.spki_der()).as_slice(), log_id);
    // The same key written as transparency-dev's type-0x02 vkey.
    assert_eq!(v.to_vkey(), FORMATS_REKOR_VKEY);
    assert_eq!(EcdsaNoteVerifier::from_vkey(FORMATS_REKOR_VKEY).unwrap(), v);
    // The PEM form gives the same verifier.
    let pem = PublicKey::from_spki_der(&b64(REKOR_PROD_SPKI))
        .unwrap()
        .to_spki_pem()
        .unwrap();
    assert_eq!(
        EcdsaNoteVerifier::from_spki_pem("rekor.sigstore.dev", &pem).unwrap(),
        v
    );
}

#[test]
fn real_rekor_checkpoints_verify() {
    let mut known = Verifiers::new();
    known.add(rekor_prod()).unwrap();
    let verified = VerifiedCheckpoint::open(
        REKOR_PROD_CHECKPOINT.as_bytes(),
        "rekor.sigstore.dev - 2605736670972794746",
        &known,
    )
    .unwrap();
    let cp = verified.checkpoint();
    assert_eq!(cp.size(), 21428036);
    assert_eq!(cp.extensions(), ["Timestamp: 1688058656037355364"]);
    assert_eq!(
        cp.root().as_slice(),
        b64("rxnoKyFZlJ7/R6bMh/d3lcqwKqAy5CL1LcNBJP17kgQ=")
    );

    let mut staging = Verifiers::new();
    staging
        .add(
            EcdsaNoteVerifier::from_spki_der("rekor.sigstage.dev", &b64(REKOR_STAGING_SPKI))
                .unwrap(),
        )
        .unwrap();
    let verified = VerifiedCheckpoint::open(
        REKOR_STAGING_CHECKPOINT.as_bytes(),
        "rekor.sigstage.dev - 8050909264565447525",
        &staging,
    )
    .unwrap();
    assert_eq!(verified.checkpoint().size(), 23003647);

    // transparency-dev/formats vectors, through the generic vkey parser.
    for (vkey, msg, size) in [
        (FORMATS_REKOR_VKEY, FORMATS_REKOR_NOTE, 798034),
        (FORMATS_PIXEL_VKEY, FORMATS_PIXEL_NOTE, 10),
    ] {
        let n = note::open(msg.as_bytes(), &verifiers(&[vkey])).unwrap();
        assert_eq!(Checkpoint::parse(n.text()).unwrap().size(), size);
    }
    // formats' "invalid name" case: the same key under another name does not verify it.
    let renamed = FORMATS_REKOR_VKEY.replace("rekor.sigstore.dev", "bananas.sigstore.dev");
    assert!(matches!(
        open_err(FORMATS_REKOR_NOTE, &verifiers(&[&renamed])),
        NoteError::NoVerifiedSignature { .. }
    ));
    // formats' "invalid signature" case: its first four bytes are no longer the key hash.
    let garbled = "Rekor\n798034\nf+7CoKgXKE/tNys9TTXcr/ad6U/K3xvznmzew9y6SP0=\n\n— rekor.sigstore.dev THIS/IS/PROBABLY/NOT/A/VALID/SIGNATURE/ANy/MOREowGp/XgIgc+qEHS3+GKVClgqq20uDLet7MCoTURUCRdxwWBHHufk=\n";
    assert!(matches!(
        open_err(garbled, &verifiers(&[FORMATS_REKOR_VKEY])),
        NoteError::NoVerifiedSignature { .. }
    ));
}

#[test]
fn every_single_byte_change_of_a_rekor_signature_is_caught() {
    let (text, line) = REKOR_PROD_CHECKPOINT.split_once("\n\n").unwrap();
    let raw = b64(line
        .trim_start_matches("— rekor.sigstore.dev ")
        .trim_end_matches('\n'));
    let mut known = Verifiers::new();
    known.add(rekor_prod()).unwrap();
    for i in 4..raw.len() {
        let mut m = raw.clone();
        m[i] ^= 0x01;
        let msg = format!(
            "{text}\n\n— rekor.sigstore.dev {}\n",
            base64_encode(Base64Variant::Standard, &m)
        );
        assert!(
            matches!(
                open_err(&msg, &known),
                NoteError::InvalidSignature {
                    key_hash: 0xc0d23d6a,
                    ..
                }
            ),
            "byte {i}"
        );
    }
    // The checkpoint body with one digit changed.
    let msg = REKOR_PROD_CHECKPOINT.replace("21428036", "21428037");
    assert!(matches!(
        open_err(&msg, &known),
        NoteError::InvalidSignature { .. }
    ));
}

#[test]
fn ecdsa_verifier_refuses_other_keys() {
    // An Ed25519 SPKI.
    let ed = Ed25519SigningKey::from_seed(&[5; 32]).verifying_key();
    let ed_der = PublicKey::from(ed).to_spki_der().unwrap();
    assert!(matches!(
        EcdsaNoteVerifier::from_spki_der("x", &ed_der),
        Err(NoteError::UnsupportedPublicKey {
            expected: "ecdsa-p256",
            found: "ed25519"
        })
    ));
    // A P-384 SPKI (the curve's generator point as the public key): the note format fixes
    // SHA-256, so only P-256 is accepted.
    let p384 = hex_decode(concat!(
        "3076301006072a8648ce3d020106052b8104002203620004",
        "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7",
        "3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f"
    ))
    .unwrap();
    assert!(matches!(
        EcdsaNoteVerifier::from_spki_der("x", &p384),
        Err(NoteError::UnsupportedPublicKey {
            expected: "ecdsa-p256",
            found: "ecdsa-p384"
        })
    ));
    assert!(matches!(
        EcdsaNoteVerifier::from_spki_der("x", b"not der"),
        Err(NoteError::RejectedPublicKey { .. })
    ));
    assert!(matches!(
        EcdsaNoteVerifier::from_spki_der("bad name", &b64(REKOR_PROD_SPKI)),
        Err(NoteError::InvalidKeyName { .. })
    ));
    // formats' bad vkeys: wrong hash, wrong type, wrong constructor.
    let zero_hash = FORMATS_REKOR_VKEY.replace("c0d23d6a", "00000000");
    assert!(matches!(
        EcdsaNoteVerifier::from_vkey(&zero_hash),
        Err(NoteError::KeyHashMismatch {
            stated: 0,
            computed: 0xc0d23d6a,
            ..
        })
    ));
    assert!(matches!(
        EcdsaNoteVerifier::from_vkey("rekor.sigstore.dev+12345678+AwEB"),
        Err(NoteError::WrongKeyType {
            expected: 0x02,
            found: 0x03
        })
    ));
    assert!(matches!(
        Ed25519NoteVerifier::from_vkey(FORMATS_REKOR_VKEY),
        Err(NoteError::WrongKeyType {
            expected: 0x01,
            found: 0x02
        })
    ));
    // A static-ct-api (type 0x05) key from the same test file is of an unsupported type.
    let sunlight = "ct.googleapis.com/logs/us1/argon2024+7deb49d0+BTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABB25bKnLaZTFXOa2pgO70rjcVEMXKJkMBgFQHZ1kwFlGK9zIAx0FtC2oCfeZQe0E++VXuiYE9hFSzhRlOy92K8A=";
    assert!(matches!(
        parse_verifier_key(sunlight),
        Err(NoteError::UnknownKeyType { key_type: 0x05 })
    ));
}

// ---------------------------------------------------------------------------------------------
// Cosignatures and witness policies.

struct Fixture {
    checkpoint: Checkpoint,
    log: Ed25519NoteSigner,
    witnesses: Vec<Cosigner>,
}

fn fixture() -> Fixture {
    let checkpoint = Checkpoint::new("example.com/log", 42, [0xab; 32], Vec::new()).unwrap();
    let log =
        Ed25519NoteSigner::new("example.com/log", Ed25519SigningKey::from_seed(&[1; 32])).unwrap();
    let witnesses = (0u8..3)
        .map(|i| {
            Cosigner::new(
                &format!("witness{i}.example"),
                Ed25519SigningKey::from_seed(&[10 + i; 32]),
            )
            .unwrap()
        })
        .collect();
    Fixture {
        checkpoint,
        log,
        witnesses,
    }
}

impl Fixture {
    fn signed(&self, extra: &[NoteSignature]) -> VerifiedCheckpoint {
        let mut n = Note::new(self.checkpoint.to_text()).unwrap();
        n.sign(&self.log).unwrap();
        for s in extra {
            // Keep every line, even several by one key (add_signature would replace them).
            let encoded = n.encode().unwrap() + &s.to_line();
            n = Note::parse(encoded.as_bytes()).unwrap();
        }
        let mut known = Verifiers::new();
        known.add(self.log.verifier()).unwrap();
        VerifiedCheckpoint::open(n.encode().unwrap().as_bytes(), "example.com/log", &known).unwrap()
    }

    fn policy(&self, threshold: usize) -> WitnessPolicy {
        WitnessPolicy::new(
            threshold,
            self.witnesses.iter().map(Cosigner::verifier).collect(),
        )
        .unwrap()
    }
}

#[test]
fn witness_policy_met_and_reports_timestamps() {
    let f = fixture();
    let cp = f.signed(&[
        f.witnesses[2].cosign(&f.checkpoint, 1_700_000_002).unwrap(),
        f.witnesses[0].cosign(&f.checkpoint, 1_700_000_000).unwrap(),
    ]);
    let got = f.policy(2).check(&cp).unwrap();
    let summary: Vec<_> = got
        .iter()
        .map(|c| (c.name().to_owned(), c.timestamp()))
        .collect();
    assert_eq!(
        summary,
        [
            ("witness0.example".to_owned(), 1_700_000_000),
            ("witness2.example".to_owned(), 1_700_000_002)
        ]
    );
    assert_eq!(got[0].key_hash(), f.witnesses[0].key_hash());
    // The witness lines are unknown to the log's verifier set and kept aside.
    assert_eq!(cp.note().unverified_signatures().len(), 2);
    // 3 of 3 is not met.
    assert!(matches!(
        f.policy(3).check(&cp),
        Err(NoteError::WitnessPolicyNotMet {
            required: 3,
            valid: 2
        })
    ));
}

#[test]
fn a_witness_signing_twice_counts_once() {
    let f = fixture();
    let cp = f.signed(&[
        f.witnesses[1].cosign(&f.checkpoint, 100).unwrap(),
        f.witnesses[1].cosign(&f.checkpoint, 200).unwrap(),
        f.witnesses[1].cosign(&f.checkpoint, 150).unwrap(),
    ]);
    assert_eq!(cp.note().unverified_signatures().len(), 3);
    assert!(matches!(
        f.policy(2).check(&cp),
        Err(NoteError::WitnessPolicyNotMet {
            required: 2,
            valid: 1
        })
    ));
    let got = f.policy(1).check(&cp).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].timestamp(), 200);
}

#[test]
fn witness_cosignature_must_be_valid() {
    let f = fixture();
    let good = f.witnesses[0].cosign(&f.checkpoint, 7).unwrap();
    // Every single-byte change of the timestamp or the signature.
    for i in 0..good.signature().len() {
        let mut bytes = good.signature().to_vec();
        bytes[i] ^= 0x01;
        let bad = NoteSignature::new(good.name(), good.key_hash(), bytes).unwrap();
        let cp = f.signed(&[bad, f.witnesses[1].cosign(&f.checkpoint, 7).unwrap()]);
        assert!(
            matches!(
                f.policy(1).check(&cp),
                Err(NoteError::InvalidSignature { ref name, .. }) if name == "witness0.example"
            ),
            "byte {i}"
        );
    }
    // A cosignature of another checkpoint.
    let other = Checkpoint::new("example.com/log", 43, [0xab; 32], Vec::new()).unwrap();
    let cp = f.signed(&[f.witnesses[0].cosign(&other, 7).unwrap()]);
    assert!(matches!(
        f.policy(1).check(&cp),
        Err(NoteError::InvalidSignature { .. })
    ));
    // Wrong length.
    let short = NoteSignature::new(
        good.name(),
        good.key_hash(),
        good.signature()[..71].to_vec(),
    )
    .unwrap();
    assert!(matches!(
        f.policy(1).check(&f.signed(&[short])),
        Err(NoteError::MalformedCosignature { len: 71, .. })
    ));
    // A timestamp above 2^63 - 1.
    let mut high = good.signature().to_vec();
    high[0] = 0x80;
    let high = NoteSignature::new(good.name(), good.key_hash(), high).unwrap();
    assert!(matches!(
        f.policy(1).check(&f.signed(&[high])),
        Err(NoteError::CosignatureTimestampOutOfRange { .. })
    ));
}

#[test]
fn signatures_that_are_not_policy_cosignatures_do_not_count() {
    let f = fixture();
    // A plain Ed25519 note signature (type 0x01 hash) by a witness's key, and a cosignature by a
    // key outside the policy under a policy witness's name.
    let w0_note_key =
        Ed25519NoteSigner::new("witness0.example", Ed25519SigningKey::from_seed(&[10; 32]))
            .unwrap();
    let plain = NoteSignature::new(
        "witness0.example",
        w0_note_key.key_hash(),
        w0_note_key.sign(f.checkpoint.to_text().as_bytes()),
    )
    .unwrap();
    let impostor =
        Cosigner::new("witness1.example", Ed25519SigningKey::from_seed(&[99; 32])).unwrap();
    let cp = f.signed(&[plain, impostor.cosign(&f.checkpoint, 1).unwrap()]);
    assert!(matches!(
        f.policy(1).check(&cp),
        Err(NoteError::WitnessPolicyNotMet {
            required: 1,
            valid: 0
        })
    ));
}

#[test]
fn witness_policy_construction_rules() {
    let f = fixture();
    let all: Vec<CosignatureVerifier> = f.witnesses.iter().map(Cosigner::verifier).collect();
    for threshold in [0, 4] {
        assert!(matches!(
            WitnessPolicy::new(threshold, all.clone()),
            Err(NoteError::InvalidWitnessThreshold { witnesses: 3, .. })
        ));
    }
    let mut twice = all.clone();
    twice.push(all[1].clone());
    assert!(matches!(
        WitnessPolicy::new(2, twice),
        Err(NoteError::DuplicateWitness { name, .. }) if name == "witness1.example"
    ));
    // The v1 message does not commit to the name: one key under two names is one witness.
    let alias = CosignatureVerifier::new("alias.example", *all[0].public_key()).unwrap();
    let mut aliased = all.clone();
    aliased.push(alias);
    assert!(matches!(
        WitnessPolicy::new(2, aliased),
        Err(NoteError::DuplicateWitness { name, .. }) if name == "alias.example"
    ));
    let p = WitnessPolicy::new(3, all).unwrap();
    assert_eq!(p.threshold(), 3);
    assert_eq!(p.witnesses().len(), 3);
}

#[test]
fn cosignature_verifier_works_as_a_note_verifier() {
    let f = fixture();
    let w = &f.witnesses[0];
    let mut n = Note::new(f.checkpoint.to_text()).unwrap();
    n.add_signature(w.cosign(&f.checkpoint, 1_679_315_147).unwrap())
        .unwrap();
    let msg = n.encode().unwrap();
    // By vkey through the generic parser.
    let known = verifiers(&[&w.verifier().to_vkey()]);
    let verified = note::open(msg.as_bytes(), &known).unwrap();
    let cosig = &verified.verified_signatures()[0];
    assert_eq!(&cosig.signature()[..8], &1_679_315_147u64.to_be_bytes());
    // The signed message is the v1 message over the body.
    let message = cosignature_v1_message(1_679_315_147, f.checkpoint.to_text().as_bytes());
    let ed = lumen_crypto::ed25519::Ed25519Signature::from_bytes(&cosig.signature()[8..]).unwrap();
    w.verifier().public_key().verify(&message, &ed).unwrap();
    // An Ed25519 note verifier for the same key and name does not accept it (different hash).
    let plain = Ed25519NoteVerifier::new(w.name(), *w.verifier().public_key()).unwrap();
    let mut only_plain = Verifiers::new();
    only_plain.add(plain).unwrap();
    assert!(matches!(
        open_err(&msg, &only_plain),
        NoteError::NoVerifiedSignature { .. }
    ));
    // Cosigner keys round-trip through their strings.
    let skey = w.to_signer_key();
    assert!(
        skey.expose_secret()
            .starts_with("PRIVATE+KEY+witness0.example+")
    );
    assert_eq!(
        Cosigner::from_signer_key(skey.expose_secret())
            .unwrap()
            .verifier(),
        w.verifier()
    );
    // A type-0x01 signer key is not a cosigner key.
    assert!(matches!(
        Cosigner::from_signer_key(PETER_SKEY),
        Err(NoteError::WrongKeyType {
            expected: 0x04,
            found: 0x01
        })
    ));
}

// ---------------------------------------------------------------------------------------------
// Properties.

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Parsing never panics, and whatever parses re-encodes to the same bytes.
        #[test]
        fn parse_is_total_and_canonical(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            if let Ok(n) = Note::parse(&bytes) {
                let encoded = n.encode().unwrap();
                prop_assert_eq!(encoded.as_bytes(), bytes.as_slice());
            }
        }

        /// Mutating a valid note anywhere never panics and never yields another verified text.
        #[test]
        fn mutated_notes_do_not_verify_other_texts(i in 0usize..200, b in any::<u8>()) {
            let msg = format!("{GO_TEXT}\n{PETER_SIG}").into_bytes();
            let mut m = msg.clone();
            let i = i % m.len();
            m[i] = b;
            if let Ok(n) = note::open(&m, &peter_verifiers()) {
                prop_assert_eq!(n.text(), GO_TEXT);
            }
        }

        /// Every valid text signs and verifies; checkpoints round-trip through text.
        #[test]
        fn sign_open_round_trip(lines in proptest::collection::vec("[^\\x00-\\x1f]{0,20}", 1..5),
                                size in any::<u64>(), root in any::<[u8; 32]>()) {
            let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
            let signer = Ed25519NoteSigner::from_signer_key(PETER_SKEY).unwrap();
            let signed = note::sign(&text, &[&signer]).unwrap();
            let n = note::open(signed.as_bytes(), &peter_verifiers()).unwrap();
            prop_assert_eq!(n.text(), text.as_str());

            let ext: Vec<String> = lines.into_iter().filter(|l| !l.is_empty()).collect();
            let cp = Checkpoint::new("o", size, root, ext).unwrap();
            prop_assert_eq!(Checkpoint::parse(&cp.to_text()).unwrap(), cp);
        }
    }
}
