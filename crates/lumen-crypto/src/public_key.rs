//! Public keys of every supported algorithm, their SPKI (RFC 5280) DER/PEM encodings, and key ids.
//!
//! A key id is the lowercase hex SHA-256 of the key's SubjectPublicKeyInfo DER encoding, which
//! is canonical: one key has exactly one id, whichever encoding it was imported from.

use crate::ecdsa::{EcdsaCurve, EcdsaVerifyingKey};
use crate::ed25519::Ed25519VerifyingKey;
use crate::error::CryptoError;
use crate::rsa_pss::RsaPssVerifyingKey;
use spki::der::Decode as _;

const OID_ED25519: &str = "1.3.101.112";
const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";
const OID_RSA: &str = "1.2.840.113549.1.1.1";

/// A public key of any algorithm this crate verifies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// Ed25519.
    Ed25519(Ed25519VerifyingKey),
    /// ECDSA on P-256 or P-384.
    Ecdsa(EcdsaVerifyingKey),
    /// RSA (for RSASSA-PSS).
    Rsa(RsaPssVerifyingKey),
}

impl PublicKey {
    /// The algorithm name: `ed25519`, `ecdsa-p256`, `ecdsa-p384` or `rsa`.
    pub fn algorithm(&self) -> &'static str {
        match self {
            PublicKey::Ed25519(_) => "ed25519",
            PublicKey::Ecdsa(k) => k.curve().name(),
            PublicKey::Rsa(_) => "rsa",
        }
    }

    /// Parses a DER SubjectPublicKeyInfo, dispatching on its algorithm identifier.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, CryptoError> {
        let malformed = || CryptoError::EncodingMalformed {
            what: "SubjectPublicKeyInfo DER",
        };
        let info = spki::SubjectPublicKeyInfoRef::from_der(der).map_err(|_| malformed())?;
        let oid = info.algorithm.oid.to_string();
        let key = match oid.as_str() {
            OID_ED25519 => {
                if info.algorithm.parameters.is_some() {
                    return Err(malformed());
                }
                let bits = info.subject_public_key.as_bytes().ok_or_else(malformed)?;
                PublicKey::Ed25519(Ed25519VerifyingKey::from_bytes(bits)?)
            }
            OID_EC_PUBLIC_KEY => {
                let curve = info
                    .algorithm
                    .parameters_oid()
                    .map_err(|_| malformed())?
                    .to_string();
                let point = info.subject_public_key.as_bytes().ok_or_else(malformed)?;
                match curve.as_str() {
                    OID_P256 => {
                        PublicKey::Ecdsa(EcdsaVerifyingKey::from_sec1(EcdsaCurve::P256, point)?)
                    }
                    OID_P384 => {
                        PublicKey::Ecdsa(EcdsaVerifyingKey::from_sec1(EcdsaCurve::P384, point)?)
                    }
                    _ => return Err(CryptoError::UnsupportedKeyAlgorithm { oid: curve }),
                }
            }
            OID_RSA => {
                let pkcs1 = info.subject_public_key.as_bytes().ok_or_else(malformed)?;
                PublicKey::Rsa(RsaPssVerifyingKey::from_pkcs1_der(pkcs1)?)
            }
            _ => return Err(CryptoError::UnsupportedKeyAlgorithm { oid }),
        };
        Ok(key)
    }

    /// Parses a PEM `PUBLIC KEY` (SPKI) document.
    pub fn from_spki_pem(pem: &str) -> Result<Self, CryptoError> {
        let (label, der) = spki::der::pem::decode_vec(pem.trim().as_bytes())
            .map_err(|_| CryptoError::EncodingMalformed { what: "PEM" })?;
        if label != "PUBLIC KEY" {
            return Err(CryptoError::EncodingMalformed {
                what: "PEM (expected a PUBLIC KEY block)",
            });
        }
        Self::from_spki_der(&der)
    }

    /// The DER SubjectPublicKeyInfo encoding.
    pub fn to_spki_der(&self) -> Result<Vec<u8>, CryptoError> {
        match self {
            PublicKey::Ed25519(k) => {
                use spki::EncodePublicKey;
                k.dalek()
                    .to_public_key_der()
                    .map(|d| d.into_vec())
                    .map_err(|_| CryptoError::EncodingMalformed { what: "DER" })
            }
            PublicKey::Ecdsa(k) => k.to_spki_der(),
            PublicKey::Rsa(k) => k.to_spki_der(),
        }
    }

    /// The PEM `PUBLIC KEY` encoding (LF line endings).
    pub fn to_spki_pem(&self) -> Result<String, CryptoError> {
        let der = self.to_spki_der()?;
        spki::der::pem::encode_string("PUBLIC KEY", spki::der::pem::LineEnding::LF, &der)
            .map_err(|_| CryptoError::EncodingMalformed { what: "PEM" })
    }

    /// The key id: lowercase hex SHA-256 of the SPKI DER encoding.
    pub fn key_id(&self) -> Result<String, CryptoError> {
        Ok(crate::encoding::hex_encode(&crate::hash::sha256(
            &self.to_spki_der()?,
        )))
    }
}

impl From<Ed25519VerifyingKey> for PublicKey {
    fn from(k: Ed25519VerifyingKey) -> Self {
        PublicKey::Ed25519(k)
    }
}

impl From<EcdsaVerifyingKey> for PublicKey {
    fn from(k: EcdsaVerifyingKey) -> Self {
        PublicKey::Ecdsa(k)
    }
}

impl From<RsaPssVerifyingKey> for PublicKey {
    fn from(k: RsaPssVerifyingKey) -> Self {
        PublicKey::Rsa(k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ed25519::Ed25519SigningKey;

    // RFC 8410 §10.1: the example Ed25519 public key.
    const RFC8410_PEM: &str = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n";

    #[test]
    fn rfc8410_example_round_trips() {
        let key = PublicKey::from_spki_pem(RFC8410_PEM).unwrap();
        let PublicKey::Ed25519(ed) = &key else {
            panic!("not ed25519")
        };
        assert_eq!(
            crate::encoding::hex_encode(ed.as_bytes()),
            "19bf44096984cdfe8541bac167dc3b96c85086aa30b6b6cb0c5c38ad703166e1"
        );
        assert_eq!(key.to_spki_pem().unwrap(), RFC8410_PEM);
        assert_eq!(key.key_id().unwrap().len(), 64);
    }

    #[test]
    fn key_id_is_sha256_of_spki_der() {
        let k: PublicKey = Ed25519SigningKey::generate()
            .unwrap()
            .verifying_key()
            .into();
        let der = k.to_spki_der().unwrap();
        assert_eq!(der.len(), 44);
        assert_eq!(
            k.key_id().unwrap(),
            crate::encoding::hex_encode(&crate::hash::sha256(&der))
        );
        assert_eq!(PublicKey::from_spki_der(&der).unwrap(), k);
    }

    #[test]
    fn rejects_garbage_wrong_label_and_unknown_algorithms() {
        assert!(PublicKey::from_spki_der(&[0x30, 0x03, 0x02, 0x01, 0x00]).is_err());
        let wrong = RFC8410_PEM.replace("PUBLIC KEY", "PRIVATE KEY");
        assert!(PublicKey::from_spki_pem(&wrong).is_err());
        // Ed448 (1.3.101.113) is not supported.
        let ed448 =
            crate::encoding::hex_decode(&format!("3043300506032b6571033a00{}", "11".repeat(57)))
                .unwrap();
        assert!(matches!(
            PublicKey::from_spki_der(&ed448),
            Err(CryptoError::UnsupportedKeyAlgorithm { .. })
        ));
        // Trailing bytes after the SPKI are refused.
        let k: PublicKey = Ed25519SigningKey::generate()
            .unwrap()
            .verifying_key()
            .into();
        let mut der = k.to_spki_der().unwrap();
        der.push(0);
        assert!(PublicKey::from_spki_der(&der).is_err());
    }
}
