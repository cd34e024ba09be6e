//! Verification-only RSASSA-PSS with SHA-256 and MGF1-SHA-256 (RFC 8017 §8.1), keys of at least
//! 2048 bits, salt length chosen by the caller.

use crate::error::CryptoError;
use rsa::signature::Verifier as _;
use rsa::traits::PublicKeyParts;

/// The smallest RSA modulus accepted, in bits.
pub const MIN_RSA_BITS: usize = 2048;
/// The largest RSA modulus accepted, in bits (bounds verification cost on untrusted keys).
pub const MAX_RSA_BITS: usize = 16384;

const ALG: &str = "rsassa-pss-sha256";

/// An RSA public key of 2048..=16384 bits, for RSASSA-PSS verification.
#[derive(Clone, PartialEq, Eq)]
pub struct RsaPssVerifyingKey(rsa::PublicKey);

impl std::fmt::Debug for RsaPssVerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RsaPssVerifyingKey({} bits)", self.bits())
    }
}

impl RsaPssVerifyingKey {
    pub(crate) fn new(key: rsa::PublicKey) -> Result<Self, CryptoError> {
        let bits = key.n().as_ref().bit_width() as usize;
        if bits < MIN_RSA_BITS {
            return Err(CryptoError::RsaKeyTooSmall {
                bits,
                min_bits: MIN_RSA_BITS,
            });
        }
        if bits > MAX_RSA_BITS {
            return Err(CryptoError::PublicKeyMalformed {
                algorithm: "rsa",
                reason: "modulus larger than 16384 bits",
            });
        }
        Ok(Self(key))
    }

    /// Imports a PKCS#1 `RSAPublicKey` DER structure.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, CryptoError> {
        use rsa::pkcs1::DecodeRsaPublicKey;
        Self::new(rsa::PublicKey::from_pkcs1_der(der).map_err(|_| {
            CryptoError::PublicKeyMalformed {
                algorithm: "rsa",
                reason: "not a PKCS#1 RSAPublicKey",
            }
        })?)
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> usize {
        self.0.n().as_ref().bit_width() as usize
    }

    pub(crate) fn to_spki_der(&self) -> Result<Vec<u8>, CryptoError> {
        use spki::EncodePublicKey;
        self.0
            .to_public_key_der()
            .map(|d| d.into_vec())
            .map_err(|_| CryptoError::EncodingMalformed { what: "DER" })
    }

    /// Verifies an RSASSA-PSS signature (SHA-256, MGF1-SHA-256, salt of `salt_len` bytes).
    ///
    /// The signature must be exactly as long as the modulus (RFC 8017 §8.1.2 step 1).
    pub fn verify_pss_sha256(
        &self,
        message: &[u8],
        signature: &[u8],
        salt_len: usize,
    ) -> Result<(), CryptoError> {
        let k = self.0.size();
        if signature.len() != k {
            return Err(CryptoError::InvalidLength {
                what: "RSA-PSS signature",
                expected: k,
                actual: signature.len(),
            });
        }
        let sig = rsa::pss::Signature::try_from(signature).map_err(|_| {
            CryptoError::SignatureMalformed {
                algorithm: ALG,
                reason: "not an integer below the modulus",
            }
        })?;
        rsa::pss::VerifyingKey::<sha2::Sha256>::new_with_salt_len(self.0.clone(), salt_len)
            .verify(message, &sig)
            .map_err(|_| CryptoError::SignatureInvalid { algorithm: ALG })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PKCS#1 `RSAPublicKey { n, e = 65537 }` for an odd modulus of `bytes` bytes with the top bit set.
    fn pkcs1(bytes: usize) -> Vec<u8> {
        let mut n = vec![0xc5u8; bytes];
        n[bytes - 1] = 0x01;
        let mut int_n = vec![0x02];
        let body_len = bytes + 1; // leading zero keeps the INTEGER positive
        int_n.extend(der_len(body_len));
        int_n.push(0);
        int_n.extend(n);
        let mut seq_body = int_n;
        seq_body.extend([0x02, 0x03, 0x01, 0x00, 0x01]);
        let mut out = vec![0x30];
        out.extend(der_len(seq_body.len()));
        out.extend(seq_body);
        out
    }

    fn der_len(len: usize) -> Vec<u8> {
        if len < 0x80 {
            vec![len as u8]
        } else if len < 0x100 {
            vec![0x81, len as u8]
        } else {
            vec![0x82, (len >> 8) as u8, len as u8]
        }
    }

    #[test]
    fn keys_below_2048_bits_are_refused() {
        assert!(matches!(
            RsaPssVerifyingKey::from_pkcs1_der(&pkcs1(128)),
            Err(CryptoError::RsaKeyTooSmall {
                bits: 1024,
                min_bits: 2048
            })
        ));
        assert!(matches!(
            RsaPssVerifyingKey::from_pkcs1_der(&pkcs1(255)),
            Err(CryptoError::RsaKeyTooSmall { bits: 2040, .. })
        ));
        let k = RsaPssVerifyingKey::from_pkcs1_der(&pkcs1(256)).unwrap();
        assert_eq!(k.bits(), 2048);
        // A signature of the wrong length is refused before any arithmetic.
        assert!(matches!(
            k.verify_pss_sha256(b"m", &[1u8; 255], 32),
            Err(CryptoError::InvalidLength {
                expected: 256,
                actual: 255,
                ..
            })
        ));
        assert!(k.verify_pss_sha256(b"m", &[1u8; 256], 32).is_err());
    }
}
