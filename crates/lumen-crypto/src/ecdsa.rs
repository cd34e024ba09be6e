//! Verification-only ECDSA over NIST P-256 (with SHA-256) and P-384 (with SHA-384), FIPS 186-5.
//!
//! Signatures are accepted in strict ASN.1 DER (`SEQUENCE { r INTEGER, s INTEGER }`) or in the
//! fixed-width IEEE P1363 form `r ‖ s` (32 + 32 or 48 + 48 bytes). Both high and low `s` are
//! accepted, as FIPS 186-5 and the Wycheproof suite require; BER, trailing data and out-of-range
//! `r`/`s` are rejected.

use crate::error::CryptoError;
use p256::ecdsa::signature::Verifier as _;

/// The curves supported for ECDSA verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EcdsaCurve {
    /// NIST P-256 (secp256r1), hashed with SHA-256.
    P256,
    /// NIST P-384 (secp384r1), hashed with SHA-384.
    P384,
}

impl EcdsaCurve {
    /// The name used in errors and key descriptions.
    pub fn name(self) -> &'static str {
        match self {
            EcdsaCurve::P256 => "ecdsa-p256",
            EcdsaCurve::P384 => "ecdsa-p384",
        }
    }

    /// Length of one scalar (`r` or `s`) in bytes.
    pub fn scalar_len(self) -> usize {
        match self {
            EcdsaCurve::P256 => 32,
            EcdsaCurve::P384 => 48,
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
enum Inner {
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
}

/// An ECDSA public key on a supported curve, valid (on the curve, not the identity).
#[derive(Clone, PartialEq, Eq)]
pub struct EcdsaVerifyingKey(Inner);

impl std::fmt::Debug for EcdsaVerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "EcdsaVerifyingKey({}, {})",
            self.curve().name(),
            crate::encoding::hex_encode(&self.to_sec1_uncompressed())
        )
    }
}

fn malformed_key(curve: EcdsaCurve) -> CryptoError {
    CryptoError::PublicKeyMalformed {
        algorithm: curve.name(),
        reason: "not a valid SEC1 point on the curve",
    }
}

fn malformed_sig(curve: EcdsaCurve, reason: &'static str) -> CryptoError {
    CryptoError::SignatureMalformed {
        algorithm: curve.name(),
        reason,
    }
}

impl EcdsaVerifyingKey {
    /// Imports a SEC1 point (compressed `02/03 ‖ x` or uncompressed `04 ‖ x ‖ y`).
    pub fn from_sec1(curve: EcdsaCurve, bytes: &[u8]) -> Result<Self, CryptoError> {
        let inner = match curve {
            EcdsaCurve::P256 => Inner::P256(
                p256::ecdsa::VerifyingKey::from_sec1_bytes(bytes)
                    .map_err(|_| malformed_key(curve))?,
            ),
            EcdsaCurve::P384 => Inner::P384(
                p384::ecdsa::VerifyingKey::from_sec1_bytes(bytes)
                    .map_err(|_| malformed_key(curve))?,
            ),
        };
        Ok(Self(inner))
    }

    /// The key's curve.
    pub fn curve(&self) -> EcdsaCurve {
        match self.0 {
            Inner::P256(_) => EcdsaCurve::P256,
            Inner::P384(_) => EcdsaCurve::P384,
        }
    }

    /// The uncompressed SEC1 encoding `04 ‖ x ‖ y`.
    pub fn to_sec1_uncompressed(&self) -> Vec<u8> {
        match &self.0 {
            Inner::P256(k) => k.to_sec1_point(false).as_bytes().to_vec(),
            Inner::P384(k) => k.to_sec1_point(false).as_bytes().to_vec(),
        }
    }

    pub(crate) fn to_spki_der(&self) -> Result<Vec<u8>, CryptoError> {
        use spki::EncodePublicKey;
        let der = match &self.0 {
            Inner::P256(k) => k.to_public_key_der(),
            Inner::P384(k) => k.to_public_key_der(),
        };
        der.map(|d| d.into_vec())
            .map_err(|_| CryptoError::EncodingMalformed { what: "DER" })
    }

    /// Verifies a strict-DER signature over `message`.
    pub fn verify_der(&self, message: &[u8], signature: &[u8]) -> Result<(), CryptoError> {
        let curve = self.curve();
        let bad = || malformed_sig(curve, "not a strict DER ECDSA signature with r, s in range");
        match &self.0 {
            Inner::P256(k) => {
                let sig = p256::ecdsa::Signature::from_der(signature).map_err(|_| bad())?;
                k.verify(message, &sig)
            }
            Inner::P384(k) => {
                let sig = p384::ecdsa::Signature::from_der(signature).map_err(|_| bad())?;
                k.verify(message, &sig)
            }
        }
        .map_err(|_| CryptoError::SignatureInvalid {
            algorithm: curve.name(),
        })
    }

    /// Verifies a fixed-width (`r ‖ s`, IEEE P1363) signature over `message`.
    pub fn verify_fixed(&self, message: &[u8], signature: &[u8]) -> Result<(), CryptoError> {
        let curve = self.curve();
        if signature.len() != 2 * curve.scalar_len() {
            return Err(CryptoError::InvalidLength {
                what: "fixed-width ECDSA signature",
                expected: 2 * curve.scalar_len(),
                actual: signature.len(),
            });
        }
        let bad = || malformed_sig(curve, "r or s is zero or not below the group order");
        match &self.0 {
            Inner::P256(k) => {
                let sig = p256::ecdsa::Signature::from_slice(signature).map_err(|_| bad())?;
                k.verify(message, &sig)
            }
            Inner::P384(k) => {
                let sig = p384::ecdsa::Signature::from_slice(signature).map_err(|_| bad())?;
                k.verify(message, &sig)
            }
        }
        .map_err(|_| CryptoError::SignatureInvalid {
            algorithm: curve.name(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_points_off_the_curve_and_the_identity() {
        let mut off = vec![0x04];
        off.extend_from_slice(&[1u8; 64]);
        assert!(matches!(
            EcdsaVerifyingKey::from_sec1(EcdsaCurve::P256, &off),
            Err(CryptoError::PublicKeyMalformed { .. })
        ));
        assert!(EcdsaVerifyingKey::from_sec1(EcdsaCurve::P256, &[0x00]).is_err());
        assert!(EcdsaVerifyingKey::from_sec1(EcdsaCurve::P384, &[]).is_err());
    }

    #[test]
    fn fixed_width_length_is_enforced() {
        // The P-256 generator as a key.
        let g = crate::encoding::hex_decode(
            "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
        )
        .unwrap();
        let k = EcdsaVerifyingKey::from_sec1(EcdsaCurve::P256, &g).unwrap();
        assert!(matches!(
            k.verify_fixed(b"m", &[1u8; 63]),
            Err(CryptoError::InvalidLength {
                expected: 64,
                actual: 63,
                ..
            })
        ));
        assert!(matches!(
            k.verify_fixed(b"m", &[0u8; 64]),
            Err(CryptoError::SignatureMalformed { .. })
        ));
        assert!(k.verify_fixed(b"m", &[1u8; 64]).is_err());
        assert!(k.verify_der(b"m", &[0x30, 0x00]).is_err());
    }
}
