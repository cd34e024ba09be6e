//! Signing keys of the repository editor, TUF key ids, and matching signers to the keys a
//! delegator lists (by key material, whatever the key id).

use crate::canonical;
use crate::error::EditorRefusal;
use crate::keys::{DangerousHmacSecrets, HMAC_SHA256};
use crate::metadata::{Fields, Key, Signature};
use crate::{Result, TufError};
use lumen_crypto::ed25519::{Ed25519SigningKey, Ed25519VerifyingKey};
use lumen_crypto::encoding::hex_encode;
use serde_json::Value;
use std::collections::BTreeMap;

/// The securesystemslib key id of `key`: hex SHA-256 of the canonical JSON of
/// `{"keytype", "scheme", "keyval": {"public"}}`.
///
/// New keys get this id; keys already in metadata keep whatever id they have.
pub fn key_id(key: &Key) -> Result<String> {
    let public = key.public().ok_or_else(|| missing_public(key))?;
    let mut keyval = Fields::new();
    keyval.insert("public".into(), Value::String(public.to_owned()));
    let mut m = Fields::new();
    m.insert("keytype".into(), Value::String(key.keytype.clone()));
    m.insert("scheme".into(), Value::String(key.scheme.clone()));
    m.insert("keyval".into(), Value::Object(keyval));
    let bytes = canonical::encode(&Value::Object(m)).map_err(|source| TufError::NotCanonical {
        role: "key".into(),
        source,
    })?;
    Ok(hex_encode(&lumen_crypto::hash::sha256(&bytes)))
}

fn missing_public(key: &Key) -> TufError {
    EditorRefusal::MissingPublicKey {
        keytype: key.keytype.clone(),
        scheme: key.scheme.clone(),
    }
    .into()
}

/// The TUF key object of an Ed25519 public key (`ed25519`/`ed25519`, hex public key).
pub fn ed25519_key(public: &Ed25519VerifyingKey) -> Key {
    Key::new("ed25519", "ed25519", hex_encode(public.as_bytes()))
}

/// Whether `a` and `b` are the same key (type, scheme and public value; Ed25519 hex compared
/// case-insensitively). Key ids play no part.
pub fn same_key(a: &Key, b: &Key) -> bool {
    if a.keytype != b.keytype || a.scheme != b.scheme {
        return false;
    }
    match (a.public(), b.public()) {
        (Some(x), Some(y)) if a.keytype == "ed25519" || a.keytype == HMAC_SHA256 => {
            x.eq_ignore_ascii_case(y)
        }
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// Checks that `key` is a well-formed public key of a type clients of this crate verify.
pub(crate) fn check_public_key(key: &Key) -> Result<()> {
    let what = || format!("{}/{} key", key.keytype, key.scheme);
    let Some(public) = key.public() else {
        return Err(missing_public(key));
    };
    match (key.keytype.as_str(), key.scheme.as_str()) {
        ("ed25519", "ed25519") => {
            Ed25519VerifyingKey::from_hex(public)
                .map(|_| ())
                .map_err(|source| TufError::Crypto {
                    what: what(),
                    source,
                })
        }
        (HMAC_SHA256, HMAC_SHA256) => {
            if public.len() == 64 && public.bytes().all(|b| b.is_ascii_hexdigit()) {
                Ok(())
            } else {
                Err(EditorRefusal::MalformedSharedSecretKey.into())
            }
        }
        ("ecdsa" | "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256")
        | ("ecdsa" | "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384")
        | ("rsa", "rsassa-pss-sha256") => Ok(()),
        _ => Err(EditorRefusal::UnsupportedKey {
            keytype: key.keytype.clone(),
            scheme: key.scheme.clone(),
        }
        .into()),
    }
}

enum Secret {
    Ed25519(Ed25519SigningKey),
    Hmac(DangerousHmacSecrets),
}

/// A private key the editor signs with, and the TUF key object of its public half.
pub struct Signer {
    keyid: String,
    key: Key,
    secret: Secret,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("keyid", &self.keyid)
            .field("keytype", &self.key.keytype)
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// An Ed25519 signer (key id: [`key_id`] of its public key).
    pub fn ed25519(key: Ed25519SigningKey) -> Self {
        let public = ed25519_key(&key.verifying_key());
        // The key object has only strings, so its canonical form always exists.
        let keyid = key_id(&public).unwrap_or_default();
        Self {
            keyid,
            key: public,
            secret: Secret::Ed25519(key),
        }
    }

    /// **Dangerous.** An `hmac-sha256` "signer" from a shared secret of at least 32 bytes (see
    /// [`DangerousHmacSecrets`]): whoever verifies can also forge. Never accepted for `root`.
    pub fn dangerous_hmac_sha256(secret: &[u8]) -> Result<Self> {
        let mut secrets = DangerousHmacSecrets::none();
        secrets.dangerous_add_shared_secret(secret)?;
        let public = Key::new(
            HMAC_SHA256,
            HMAC_SHA256,
            DangerousHmacSecrets::public_value(secret),
        );
        let keyid = key_id(&public)?;
        Ok(Self {
            keyid,
            key: public,
            secret: Secret::Hmac(secrets),
        })
    }

    /// The key id a new key gets ([`key_id`] of the public key).
    pub fn keyid(&self) -> &str {
        &self.keyid
    }

    /// The public key as a TUF key object.
    pub fn public_key(&self) -> &Key {
        &self.key
    }

    /// Whether this is a shared-secret `hmac-sha256` key.
    pub fn is_hmac(&self) -> bool {
        matches!(self.secret, Secret::Hmac(_))
    }

    /// The hex signature (or MAC) over `message`.
    pub fn sign_hex(&self, message: &[u8]) -> Result<String> {
        match &self.secret {
            Secret::Ed25519(k) => Ok(hex_encode(&k.sign(message).to_bytes())),
            Secret::Hmac(s) => self
                .key
                .public()
                .and_then(|p| s.sign(p, message))
                .ok_or(TufError::Unreachable("hmac signer without its secret")),
        }
    }
}

/// The private keys available to one editing session.
#[derive(Debug, Default)]
pub struct Keyring {
    signers: Vec<Signer>,
}

impl Keyring {
    /// An empty keyring (enough for edits that only stage changes).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `signer` (a second copy of the same key is ignored).
    pub fn add(&mut self, signer: Signer) {
        if self.find(signer.public_key()).is_none() {
            self.signers.push(signer);
        }
    }

    /// Builder form of [`Keyring::add`].
    pub fn with(mut self, signer: Signer) -> Self {
        self.add(signer);
        self
    }

    /// The signers.
    pub fn iter(&self) -> impl Iterator<Item = &Signer> {
        self.signers.iter()
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.signers.len()
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.signers.is_empty()
    }

    /// The signer holding the private half of `key`, if any.
    pub fn find(&self, key: &Key) -> Option<&Signer> {
        self.signers.iter().find(|s| same_key(&s.key, key))
    }
}

/// Which keys of a keyring sign for one role: `(keyid, signer)` pairs, at least `threshold`
/// distinct keys, else [`TufError::ThresholdNotMet`] with the number available.
pub(crate) fn plan_signers<'k>(
    role: &str,
    keys: &BTreeMap<String, Key>,
    keyids: &[String],
    threshold: u32,
    keyring: &'k Keyring,
) -> Result<Vec<(String, &'k Signer)>> {
    let mut out: Vec<(String, &Signer)> = Vec::new();
    let mut distinct: Vec<&Key> = Vec::new();
    for id in keyids {
        if out.iter().any(|(k, _)| k == id) {
            continue;
        }
        let Some(key) = keys.get(id) else { continue };
        let Some(signer) = keyring.find(key) else {
            continue;
        };
        if role == "root" && signer.is_hmac() {
            continue;
        }
        if !distinct.iter().any(|k| same_key(k, key)) {
            distinct.push(key);
        }
        out.push((id.clone(), signer));
    }
    if (distinct.len() as u64) < u64::from(threshold) {
        return Err(TufError::ThresholdNotMet {
            role: role.to_owned(),
            threshold,
            valid: distinct.len() as u32,
        });
    }
    Ok(out)
}

/// Signs `message` with every planned signer.
pub(crate) fn sign_all(plan: &[(String, &Signer)], message: &[u8]) -> Result<Vec<Signature>> {
    plan.iter()
        .map(|(keyid, signer)| {
            Ok(Signature {
                keyid: keyid.clone(),
                sig: signer.sign_hex(message)?,
                unknown: Fields::new(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn key_id_matches_securesystemslib() {
        // python-tuf: Key(keyid, "ed25519", "ed25519", {"public": "ab"*32}) — the keyid
        // securesystemslib computes is SHA-256 over the canonical key dict.
        let key = Key::new("ed25519", "ed25519", "ab".repeat(32));
        let canonical = format!(
            r#"{{"keytype":"ed25519","keyval":{{"public":"{}"}},"scheme":"ed25519"}}"#,
            "ab".repeat(32)
        );
        assert_eq!(
            key_id(&key).unwrap(),
            hex_encode(&lumen_crypto::hash::sha256(canonical.as_bytes()))
        );
    }

    #[test]
    fn hmac_keys_never_plan_for_root() {
        let s = Signer::dangerous_hmac_sha256(&[7u8; 32]).unwrap();
        let mut keys = BTreeMap::new();
        keys.insert(s.keyid().to_owned(), s.public_key().clone());
        let ring = Keyring::new().with(s);
        let ids: Vec<String> = keys.keys().cloned().collect();
        assert!(plan_signers("targets", &keys, &ids, 1, &ring).is_ok());
        assert!(matches!(
            plan_signers("root", &keys, &ids, 1, &ring),
            Err(TufError::ThresholdNotMet { valid: 0, .. })
        ));
    }
}
