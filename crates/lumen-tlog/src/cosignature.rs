//! C2SP checkpoint cosignatures, Ed25519 v1 (<https://c2sp.org/tlog-cosignature>), and witness
//! policies ("at least k of these n witnesses cosigned").
//!
//! # Byte format
//!
//! A cosignature is a note signature line on a checkpoint (see [`crate::note`]) from a
//! *cosigner* (a witness) whose key has type `0x04`:
//!
//! - key hash: the first four bytes, big-endian, of `SHA-256(name ‖ 0x0A ‖ 0x04 ‖ 32-byte key)`;
//! - vkey: `name+hash+base64(0x04 ‖ 32-byte Ed25519 public key)`; signer key:
//!   `PRIVATE+KEY+name+hash+base64(0x04 ‖ 32-byte seed)`;
//! - signed message: the header line `cosignature/v1`, the line `time <T>` with `T` the POSIX
//!   timestamp in decimal without leading zeros, then the whole checkpoint body (final newline
//!   included, signature lines excluded):
//!
//!   ```text
//!   cosignature/v1⏎
//!   time 1679315147⏎
//!   example.com/behind-the-sofa⏎
//!   20852163⏎
//!   CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=⏎
//!   ```
//! - signature bytes (after the 4-byte key hash on the line): `T` as 8 bytes big-endian, then the
//!   64-byte Ed25519 signature of that message — 72 bytes. `T` must not exceed 2^63 - 1.
//!
//! The message does not commit to the cosigner's name, so the same public key must not serve two
//! cosigners; a [`WitnessPolicy`] refuses a key listed twice, and counts each witness once however
//! many cosignatures it left on the note.
//!
//! ```
//! use lumen_crypto::ed25519::Ed25519SigningKey;
//! use lumen_tlog::checkpoint::{Checkpoint, VerifiedCheckpoint};
//! use lumen_tlog::cosignature::{cosignature_v1_message, Cosigner, WitnessPolicy};
//! use lumen_tlog::note::{Ed25519NoteSigner, Verifiers};
//!
//! let checkpoint = Checkpoint::new("example.com/log", 3, [0x11; 32], Vec::new())?;
//! assert_eq!(
//!     cosignature_v1_message(1679315147, checkpoint.to_text().as_bytes()),
//!     b"cosignature/v1\ntime 1679315147\nexample.com/log\n3\nERERERERERERERERERERERERERERERERERERERERERE=\n"
//! );
//!
//! // The log signs; two witnesses cosign; the client requires 2 of its 3 witnesses.
//! let log = Ed25519NoteSigner::new("example.com/log", Ed25519SigningKey::from_seed(&[1; 32]))?;
//! let witnesses: Vec<Cosigner> = (2u8..5)
//!     .map(|i| Cosigner::new(&format!("witness{i}.example"), Ed25519SigningKey::from_seed(&[i; 32])))
//!     .collect::<Result<_, _>>()?;
//! let mut note = lumen_tlog::note::Note::new(checkpoint.to_text())?;
//! note.sign(&log)?;
//! note.add_signature(witnesses[0].cosign(&checkpoint, 1679315147)?)?;
//! note.add_signature(witnesses[2].cosign(&checkpoint, 1679315150)?)?;
//! let signed = note.encode()?;
//!
//! let mut log_keys = Verifiers::new();
//! log_keys.add(log.verifier())?;
//! let verified = VerifiedCheckpoint::open(signed.as_bytes(), "example.com/log", &log_keys)?;
//! let policy = WitnessPolicy::new(2, witnesses.iter().map(Cosigner::verifier).collect())?;
//! let cosigned = policy.check(&verified)?;
//! assert_eq!(cosigned.len(), 2);
//! assert_eq!(cosigned[1].timestamp(), 1679315150);
//! # Ok::<(), lumen_tlog::note::NoteError>(())
//! ```

use crate::checkpoint::{Checkpoint, VerifiedCheckpoint};
use crate::note::{
    GeneratedKey, KEY_TYPE_COSIGNATURE_V1, KeyParts, KeyRole, NamedSigningKey, NamedVerifyingKey,
    NoteError, NoteSignature, Verifier, parse_key_parts,
};
use lumen_crypto::SecretString;
use lumen_crypto::ed25519::{
    Ed25519Signature, Ed25519SigningKey, Ed25519VerifyingKey, SIGNATURE_LEN,
};

/// The header line of the v1 signed message, newline included.
pub const COSIGNATURE_V1_HEADER: &str = "cosignature/v1\n";
/// Length of a v1 cosignature after the key hash: 8-byte timestamp and 64-byte signature.
pub const COSIGNATURE_V1_LEN: usize = 8 + SIGNATURE_LEN;
/// The largest timestamp a cosignature may carry, 2^63 - 1.
pub const MAX_COSIGNATURE_TIMESTAMP: u64 = i64::MAX as u64;

/// The v1 signed message: `cosignature/v1\ntime <timestamp>\n` followed by the checkpoint body.
pub fn cosignature_v1_message(timestamp: u64, checkpoint_body: &[u8]) -> Vec<u8> {
    let header = format!("{COSIGNATURE_V1_HEADER}time {timestamp}\n");
    let mut message = Vec::with_capacity(header.len() + checkpoint_body.len());
    message.extend_from_slice(header.as_bytes());
    message.extend_from_slice(checkpoint_body);
    message
}

/// Splits v1 cosignature bytes into the timestamp and the Ed25519 signature, or `None` when the
/// length is not 72.
fn split_cosignature(signature: &[u8]) -> Option<(u64, Ed25519Signature)> {
    let (timestamp, signature) = signature.split_first_chunk::<8>()?;
    let signature = Ed25519Signature::from_bytes(signature).ok()?;
    Some((u64::from_be_bytes(*timestamp), signature))
}

/// A cosigner (witness) key that produces v1 cosignatures.
#[derive(Debug)]
pub struct Cosigner {
    key: NamedSigningKey,
}

impl Cosigner {
    /// The cosigner `name` with `key`.
    pub fn new(name: &str, key: Ed25519SigningKey) -> Result<Self, NoteError> {
        NamedSigningKey::new(name, KEY_TYPE_COSIGNATURE_V1, key).map(|key| Self { key })
    }

    /// Parses a signer key `PRIVATE+KEY+name+hash+base64(0x04 ‖ 32-byte seed)`, checking the
    /// stated hash against the derived public key.
    pub fn from_signer_key(skey: &str) -> Result<Self, NoteError> {
        NamedSigningKey::from_signer_key(skey, KEY_TYPE_COSIGNATURE_V1).map(|key| Self { key })
    }

    /// The signer key string `PRIVATE+KEY+name+hash+base64(0x04 ‖ seed)` (secret).
    pub fn to_signer_key(&self) -> SecretString {
        self.key.to_signer_key()
    }

    /// The cosigner name.
    pub fn name(&self) -> &str {
        &self.key.verifying.name
    }

    /// The cosigner key hash.
    pub fn key_hash(&self) -> u32 {
        self.key.verifying.key_hash
    }

    /// The matching verifier.
    pub fn verifier(&self) -> CosignatureVerifier {
        CosignatureVerifier {
            key: self.key.verifying.clone(),
        }
    }

    /// Cosigns `checkpoint` as of `timestamp` (POSIX seconds, at most 2^63 - 1), giving the
    /// signature to add to the checkpoint's note.
    pub fn cosign(
        &self,
        checkpoint: &Checkpoint,
        timestamp: u64,
    ) -> Result<NoteSignature, NoteError> {
        if timestamp > MAX_COSIGNATURE_TIMESTAMP {
            return Err(NoteError::CosignatureTimestampOutOfRange { timestamp });
        }
        let message = cosignature_v1_message(timestamp, checkpoint.to_text().as_bytes());
        let mut signature = Vec::with_capacity(COSIGNATURE_V1_LEN);
        signature.extend_from_slice(&timestamp.to_be_bytes());
        signature.extend_from_slice(&self.key.secret.sign(&message).to_bytes());
        NoteSignature::new(self.name(), self.key_hash(), signature)
    }
}

/// Generates a cosigner key named `name` (type `0x04`), as signer and verifier key strings.
pub fn generate_cosigner_key(name: &str) -> Result<GeneratedKey, NoteError> {
    Ok(NamedSigningKey::generate(name, KEY_TYPE_COSIGNATURE_V1)?.to_generated_key())
}

/// Verifies v1 cosignatures of one cosigner; as a note [`Verifier`] it accepts valid ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosignatureVerifier {
    key: NamedVerifyingKey,
}

impl CosignatureVerifier {
    /// The verifier for cosigner `name` with public key `key`.
    pub fn new(name: &str, key: Ed25519VerifyingKey) -> Result<Self, NoteError> {
        NamedVerifyingKey::new(name, KEY_TYPE_COSIGNATURE_V1, key).map(|key| Self { key })
    }

    /// Parses a verifier key `name+hash+base64(0x04 ‖ 32-byte key)`, checking the stated hash.
    pub fn from_vkey(vkey: &str) -> Result<Self, NoteError> {
        Self::from_parts(&parse_key_parts(vkey, KeyRole::Verifier)?)
    }

    pub(crate) fn from_parts(parts: &KeyParts<'_>) -> Result<Self, NoteError> {
        NamedVerifyingKey::from_parts(parts, KEY_TYPE_COSIGNATURE_V1).map(|key| Self { key })
    }

    /// The verifier key string `name+hash+base64(0x04 ‖ key)`.
    pub fn to_vkey(&self) -> String {
        self.key.to_vkey()
    }

    /// The cosigner's public key.
    pub fn public_key(&self) -> &Ed25519VerifyingKey {
        &self.key.public
    }

    /// Verifies the cosignature bytes `signature` (after the key hash) over `checkpoint_body`
    /// and returns its timestamp.
    pub fn verify_cosignature(
        &self,
        checkpoint_body: &[u8],
        signature: &[u8],
    ) -> Result<u64, NoteError> {
        let Some((timestamp, ed25519)) = split_cosignature(signature) else {
            return Err(NoteError::MalformedCosignature {
                name: self.key.name.clone(),
                key_hash: self.key.key_hash,
                len: signature.len(),
            });
        };
        if timestamp > MAX_COSIGNATURE_TIMESTAMP {
            return Err(NoteError::CosignatureTimestampOutOfRange { timestamp });
        }
        let message = cosignature_v1_message(timestamp, checkpoint_body);
        self.key
            .public
            .verify(&message, &ed25519)
            .map_err(|_| NoteError::InvalidSignature {
                name: self.key.name.clone(),
                key_hash: self.key.key_hash,
            })?;
        Ok(timestamp)
    }
}

impl Verifier for CosignatureVerifier {
    fn name(&self) -> &str {
        &self.key.name
    }

    fn key_hash(&self) -> u32 {
        self.key.key_hash
    }

    fn verify(&self, msg: &[u8], signature: &[u8]) -> bool {
        self.verify_cosignature(msg, signature).is_ok()
    }
}

/// A valid cosignature found by [`WitnessPolicy::check`]: who cosigned, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCosignature {
    name: String,
    key_hash: u32,
    timestamp: u64,
}

impl VerifiedCosignature {
    /// The witness name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The witness key hash.
    pub fn key_hash(&self) -> u32 {
        self.key_hash
    }

    /// The latest timestamp among the witness's valid cosignatures on the note.
    pub fn timestamp(&self) -> u64 {
        self.timestamp
    }
}

/// "At least `threshold` of these witnesses cosigned the checkpoint."
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessPolicy {
    threshold: usize,
    witnesses: Vec<CosignatureVerifier>,
}

impl WitnessPolicy {
    /// A policy requiring `threshold` (1 ≤ threshold ≤ witnesses) distinct witnesses; a witness
    /// listed twice (same name and hash, or same public key) is refused.
    pub fn new(threshold: usize, witnesses: Vec<CosignatureVerifier>) -> Result<Self, NoteError> {
        if threshold == 0 || threshold > witnesses.len() {
            return Err(NoteError::InvalidWitnessThreshold {
                threshold,
                witnesses: witnesses.len(),
            });
        }
        for (i, w) in witnesses.iter().enumerate() {
            let duplicate = witnesses[..i].iter().any(|earlier| {
                let (earlier, w) = (&earlier.key, &w.key);
                (earlier.name == w.name && earlier.key_hash == w.key_hash)
                    || earlier.public == w.public
            });
            if duplicate {
                return Err(NoteError::DuplicateWitness {
                    name: w.key.name.clone(),
                    key_hash: w.key.key_hash,
                });
            }
        }
        Ok(Self {
            threshold,
            witnesses,
        })
    }

    /// The number of distinct witnesses required.
    pub fn threshold(&self) -> usize {
        self.threshold
    }

    /// The witnesses.
    pub fn witnesses(&self) -> &[CosignatureVerifier] {
        &self.witnesses
    }

    /// Checks the cosignatures on a verified checkpoint: every signature line of a policy witness
    /// must be a valid v1 cosignature of the checkpoint body (an invalid one rejects the whole
    /// note, as for any known key), and at least `threshold` distinct witnesses must have one.
    /// Returns one entry per cosigning witness, in policy order.
    pub fn check(
        &self,
        checkpoint: &VerifiedCheckpoint,
    ) -> Result<Vec<VerifiedCosignature>, NoteError> {
        let note = checkpoint.note();
        let body = note.text().as_bytes();
        let mut latest: Vec<Option<u64>> = vec![None; self.witnesses.len()];
        for signature in note.signatures() {
            let Some(i) = self.witnesses.iter().position(|w| {
                w.key.name == signature.name() && w.key.key_hash == signature.key_hash()
            }) else {
                continue;
            };
            let timestamp = self.witnesses[i].verify_cosignature(body, signature.signature())?;
            latest[i] = Some(latest[i].map_or(timestamp, |t| t.max(timestamp)));
        }
        let cosigned: Vec<VerifiedCosignature> = self
            .witnesses
            .iter()
            .zip(&latest)
            .filter_map(|(w, t)| {
                t.map(|timestamp| VerifiedCosignature {
                    name: w.key.name.clone(),
                    key_hash: w.key.key_hash,
                    timestamp,
                })
            })
            .collect();
        if cosigned.len() < self.threshold {
            return Err(NoteError::WitnessPolicyNotMet {
                required: self.threshold,
                valid: cosigned.len(),
            });
        }
        Ok(cosigned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::key_hash;
    use lumen_crypto::encoding::{Base64Variant, base64_decode};

    fn decode(b64: &str) -> Vec<u8> {
        base64_decode(Base64Variant::Standard, b64).unwrap()
    }

    #[test]
    fn spec_example_cosignature_carries_its_timestamp() {
        // c2sp.org/tlog-cosignature, the example's witness line; the time matches the spec's
        // example signed message ("time 1679315147").
        let raw = decode(
            "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==",
        );
        assert_eq!(raw.len(), 4 + COSIGNATURE_V1_LEN);
        let (timestamp, _) = split_cosignature(&raw[4..]).unwrap();
        assert_eq!(timestamp, 1679315147);
    }

    #[test]
    fn transparency_dev_cosignature_timestamp_vector() {
        // transparency-dev/formats note/note_cosigv1_test.go, TestCoSigV1Timestamp: "works"
        // decodes to 1727964367; "wrong type of signature" (an Ed25519 note signature) is refused.
        let raw = decode(
            "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==",
        );
        assert_eq!(split_cosignature(&raw[4..]).unwrap().0, 1727964367);
        let wrong = decode(
            "eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W/4xkNQY=",
        );
        assert!(split_cosignature(&wrong[4..]).is_none());
    }

    #[test]
    fn published_witness_vkey_has_the_computed_key_hash() {
        // transparency-dev/formats note/note_cosigv1_test.go, TestCoSigV1NewVerifier,
        // "works: native algEd25519CosignatureV1 verifier".
        let vkey = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2";
        let v = CosignatureVerifier::from_vkey(vkey).unwrap();
        assert_eq!(v.key.key_hash, 0xda77ade7);
        assert_eq!(v.to_vkey(), vkey);
    }

    #[test]
    fn message_bytes_match_the_spec_example() {
        let body = b"example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
        let mut want = b"cosignature/v1\ntime 1679315147\n".to_vec();
        want.extend_from_slice(body);
        assert_eq!(cosignature_v1_message(1679315147, body), want);
        assert!(cosignature_v1_message(0, b"").starts_with(b"cosignature/v1\ntime 0\n"));
    }

    #[test]
    fn cosign_and_verify_round_trip_and_timestamp_limits() {
        let c = Cosigner::new("w.example", Ed25519SigningKey::from_seed(&[9; 32])).unwrap();
        let v = c.verifier();
        let cp = Checkpoint::new("o", 5, [3; 32], vec!["x".into()]).unwrap();
        let body = cp.to_text();
        let sig = c.cosign(&cp, MAX_COSIGNATURE_TIMESTAMP).unwrap();
        assert_eq!(sig.signature().len(), COSIGNATURE_V1_LEN);
        assert_eq!(
            v.verify_cosignature(body.as_bytes(), sig.signature())
                .unwrap(),
            MAX_COSIGNATURE_TIMESTAMP
        );
        assert!(matches!(
            c.cosign(&cp, MAX_COSIGNATURE_TIMESTAMP + 1),
            Err(NoteError::CosignatureTimestampOutOfRange { .. })
        ));
        // A signature whose timestamp field exceeds 2^63 - 1 is refused before verification.
        let mut high = sig.signature().to_vec();
        high[0] |= 0x80;
        assert!(matches!(
            v.verify_cosignature(body.as_bytes(), &high),
            Err(NoteError::CosignatureTimestampOutOfRange { .. })
        ));
        // The extension line is covered by the signature.
        let other = Checkpoint::new("o", 5, [3; 32], vec!["y".into()]).unwrap();
        assert!(matches!(
            v.verify_cosignature(other.to_text().as_bytes(), sig.signature()),
            Err(NoteError::InvalidSignature { .. })
        ));
    }

    #[test]
    fn keys_round_trip_and_hash_uses_type_4() {
        let generated = generate_cosigner_key("witness.example/w1").unwrap();
        use lumen_crypto::ExposeSecret as _;
        let c = Cosigner::from_signer_key(generated.signer_key.expose_secret()).unwrap();
        let v = CosignatureVerifier::from_vkey(&generated.verifier_key).unwrap();
        assert_eq!(c.verifier(), v);
        assert_eq!(
            c.to_signer_key().expose_secret(),
            generated.signer_key.expose_secret()
        );
        assert_eq!(
            v.key.key_hash,
            key_hash("witness.example/w1", 0x04, v.public_key().as_bytes())
        );
        assert_ne!(
            v.key.key_hash,
            key_hash("witness.example/w1", 0x01, v.public_key().as_bytes())
        );
        let key_field = generated.verifier_key.splitn(3, '+').nth(2).unwrap();
        assert_eq!(decode(key_field)[0], KEY_TYPE_COSIGNATURE_V1);
    }
}
