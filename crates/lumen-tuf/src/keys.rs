//! Verifying TUF signatures: key formats, schemes, and threshold counting.
//!
//! Supported `(keytype, scheme)` pairs: `ed25519`/`ed25519` (hex public key);
//! `ecdsa` or `ecdsa-sha2-nistp256`/`ecdsa-sha2-nistp256` and `ecdsa` or
//! `ecdsa-sha2-nistp384`/`ecdsa-sha2-nistp384` (PEM SubjectPublicKeyInfo, or hex SEC1 as old
//! go-tuf wrote it; DER signatures); `rsa`/`rsassa-pss-sha256` (PEM SPKI, salt of the digest
//! length or the maximum); and, only when the caller opts in with [`DangerousHmacSecrets`],
//! `hmac-sha256`. A key of any other type, or one that does not parse, never counts toward a
//! threshold, but does not make the metadata invalid.
//!
//! A key id is only a name: it is never recomputed or compared with a hash of the key. What
//! counts toward a threshold is the key itself, so two key ids for the same key, or one key
//! signing twice, count once.

use crate::metadata::{Key, Signature};
use crate::{Result, TufError};
use lumen_crypto::ecdsa::{EcdsaCurve, EcdsaVerifyingKey};
use lumen_crypto::ed25519::{Ed25519Signature, Ed25519VerifyingKey};
use lumen_crypto::encoding::{hex_decode, hex_encode};
use lumen_crypto::public_key::PublicKey;
use lumen_crypto::rsa_pss::RsaPssVerifyingKey;
use secrecy::{ExposeSecret, SecretSlice};
use std::collections::BTreeMap;

/// Key type and scheme name of the opt-in shared-secret MAC.
pub const HMAC_SHA256: &str = "hmac-sha256";

/// Shared secrets for `hmac-sha256` keys.
///
/// **Dangerous.** A MAC is not a signature: every holder of the secret can *create* valid
/// metadata for the roles the key is trusted for. Use it only in closed deployments where every
/// verifier is as trusted as the repository (an air-gapped fleet behind one mirror). Even then,
/// `hmac-sha256` keys never count for the `root` role, so the trust root stays asymmetric and a
/// leaked secret can be revoked by a root rotation. Without secrets (the default), `hmac-sha256`
/// keys are unsupported keys: they never count toward any threshold.
#[derive(Clone, Default)]
pub struct DangerousHmacSecrets {
    entries: Vec<(String, SecretSlice<u8>)>,
}

impl std::fmt::Debug for DangerousHmacSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DangerousHmacSecrets")
            .field(
                "key_ids",
                &self.entries.iter().map(|e| &e.0).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl DangerousHmacSecrets {
    /// No secrets: `hmac-sha256` keys never count.
    pub fn none() -> Self {
        Self::default()
    }

    /// Trusts `secret` (at least 32 bytes) as the key whose `keyval.public` is
    /// [`DangerousHmacSecrets::public_value`] of it.
    pub fn dangerous_add_shared_secret(&mut self, secret: &[u8]) -> Result<()> {
        if secret.len() < 32 {
            return Err(TufError::HmacSecretTooShort {
                length: secret.len(),
            });
        }
        self.entries.push((
            Self::public_value(secret),
            SecretSlice::from(secret.to_vec()),
        ));
        Ok(())
    }

    /// Whether any secret is configured.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The `keyval.public` naming a secret: hex SHA-256 of a domain tag and the secret. It
    /// identifies the secret without revealing it (the secret has at least 256 bits).
    pub fn public_value(secret: &[u8]) -> String {
        let mut data = b"lumen-tuf hmac-sha256 key v1\0".to_vec();
        data.extend_from_slice(secret);
        hex_encode(&lumen_crypto::hash::sha256(&data))
    }

    fn secret_for(&self, public: &str) -> Option<&SecretSlice<u8>> {
        self.entries
            .iter()
            .find(|(p, _)| lumen_crypto::random::constant_time_eq(p.as_bytes(), public.as_bytes()))
            .map(|(_, s)| s)
    }

    /// The MAC over `message` with the secret named by `public` (for the repository editor).
    pub fn sign(&self, public: &str, message: &[u8]) -> Option<String> {
        self.secret_for(public)
            .map(|s| hex_encode(&lumen_crypto::mac::hmac_sha256(s.expose_secret(), message)))
    }
}

/// A key ready to verify.
#[derive(Debug)]
enum Verifier<'a> {
    Ed25519(Ed25519VerifyingKey),
    Ecdsa(EcdsaVerifyingKey),
    RsaPss(RsaPssVerifyingKey),
    Hmac(&'a SecretSlice<u8>),
}

/// Parses `key`; `None` for unsupported or malformed keys. `identity` is a canonical encoding of
/// the key material, used to count each key once.
fn parse<'a>(
    key: &Key,
    hmac: &'a DangerousHmacSecrets,
    for_root: bool,
) -> Option<(Verifier<'a>, Vec<u8>)> {
    let public = key.public()?;
    match (key.keytype.as_str(), key.scheme.as_str()) {
        ("ed25519", "ed25519") => {
            let k = Ed25519VerifyingKey::from_hex(public).ok()?;
            let id = [b"ed25519:".as_slice(), k.as_bytes()].concat();
            Some((Verifier::Ed25519(k), id))
        }
        ("ecdsa" | "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256") => ecdsa(public, EcdsaCurve::P256),
        ("ecdsa" | "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384") => ecdsa(public, EcdsaCurve::P384),
        ("rsa", "rsassa-pss-sha256") => match PublicKey::from_spki_pem(public).ok()? {
            PublicKey::Rsa(k) => {
                let id = PublicKey::Rsa(k.clone()).to_spki_der().ok()?;
                Some((Verifier::RsaPss(k), id))
            }
            _ => None,
        },
        (HMAC_SHA256, HMAC_SHA256) if !for_root => {
            let secret = hmac.secret_for(public)?;
            Some((
                Verifier::Hmac(secret),
                [b"hmac:".as_slice(), public.as_bytes()].concat(),
            ))
        }
        _ => None,
    }
}

fn ecdsa<'a>(public: &str, curve: EcdsaCurve) -> Option<(Verifier<'a>, Vec<u8>)> {
    let k = if public.trim_start().starts_with("-----BEGIN") {
        match PublicKey::from_spki_pem(public).ok()? {
            PublicKey::Ecdsa(k) => k,
            _ => return None,
        }
    } else {
        EcdsaVerifyingKey::from_sec1(curve, &hex_decode(public).ok()?).ok()?
    };
    if k.curve() != curve {
        return None;
    }
    let id = [b"ecdsa:".as_slice(), &k.to_sec1_uncompressed()].concat();
    Some((Verifier::Ecdsa(k), id))
}

impl Verifier<'_> {
    fn verify(&self, message: &[u8], sig: &[u8]) -> bool {
        match self {
            Verifier::Ed25519(k) => {
                Ed25519Signature::from_bytes(sig).is_ok_and(|s| k.verify(message, &s).is_ok())
            }
            Verifier::Ecdsa(k) => k.verify_der(message, sig).is_ok(),
            Verifier::RsaPss(k) => {
                // securesystemslib signs with a salt as long as the digest and verifies with
                // PSS.AUTO; other signers use the maximum salt length.
                let max = (k.bits().div_ceil(8)).saturating_sub(32 + 2);
                k.verify_pss_sha256(message, sig, 32).is_ok()
                    || k.verify_pss_sha256(message, sig, max).is_ok()
            }
            Verifier::Hmac(secret) => {
                lumen_crypto::mac::hmac_sha256_verify(secret.expose_secret(), message, sig).is_ok()
            }
        }
    }
}

/// What a threshold check is checked against: the delegator's view of one role.
#[derive(Debug, Clone, Copy)]
pub struct Delegation<'a> {
    /// The delegated role's name (for errors, and to refuse MACs for `root`).
    pub role: &'a str,
    /// The delegator's key table.
    pub keys: &'a BTreeMap<String, Key>,
    /// Key ids allowed for the role.
    pub keyids: &'a [String],
    /// Distinct keys needed.
    pub threshold: u32,
}

/// Checks that at least `threshold` distinct keys among `d.keyids` signed `signed`.
///
/// `root` is special: `hmac-sha256` keys never count for it, whatever secrets are configured.
pub fn verify_threshold(
    d: Delegation<'_>,
    signed: &[u8],
    signatures: &[Signature],
    hmac: &DangerousHmacSecrets,
) -> Result<()> {
    let for_root = d.role == "root";
    let mut counted: Vec<Vec<u8>> = Vec::new();
    let mut counted_ids: Vec<&str> = Vec::new();
    for sig in signatures {
        if !d.keyids.contains(&sig.keyid) || counted_ids.contains(&sig.keyid.as_str()) {
            continue;
        }
        let Some(key) = d.keys.get(&sig.keyid) else {
            continue;
        };
        let Some((verifier, identity)) = parse(key, hmac, for_root) else {
            continue;
        };
        if counted.contains(&identity) {
            continue;
        }
        let Ok(raw) = hex_decode(&sig.sig) else {
            continue;
        };
        if verifier.verify(signed, &raw) {
            counted.push(identity);
            counted_ids.push(&sig.keyid);
            if counted.len() as u64 >= u64::from(d.threshold) {
                return Ok(());
            }
        }
    }
    Err(TufError::ThresholdNotMet {
        role: d.role.to_owned(),
        threshold: d.threshold,
        valid: counted.len() as u32,
    })
}
