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
