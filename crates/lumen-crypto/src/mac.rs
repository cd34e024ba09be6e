//! HMAC-SHA256 (RFC 2104) with constant-time verification, and HKDF-SHA256 (RFC 5869).

use crate::error::CryptoError;
use hmac::{KeyInit, Mac};
use secrecy::{ExposeSecret, SecretSlice};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// Length of an HMAC-SHA256 tag and of the SHA-256 output used by HKDF.
pub const HMAC_SHA256_LEN: usize = 32;
/// The most output HKDF-SHA256 may produce: 255 blocks of 32 bytes (RFC 5869 §2.3).
pub const HKDF_SHA256_MAX_OUTPUT: usize = 255 * HMAC_SHA256_LEN;

fn hmac_with(key: &[u8], message: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length (long keys are hashed), so this cannot fail.
    let mut mac = match <HmacSha256 as KeyInit>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => unreachable_hmac_key(),
    };
    mac.update(message);
    mac
}

#[cold]
fn unreachable_hmac_key() -> ! {
    // `Hmac::new_from_slice` is infallible for every key length; this is kept out of line so the
    // invariant is stated once.
    unreachable!("HMAC accepts keys of any length")
}

/// HMAC-SHA256 of `message` under `key`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; HMAC_SHA256_LEN] {
    hmac_with(key, message).finalize().into_bytes().into()
}

/// Checks in constant time that `tag` is the full 32-byte HMAC-SHA256 of `message` under `key`.
///
/// Truncated tags are refused: a shorter `tag` is a [`CryptoError::MacMismatch`].
pub fn hmac_sha256_verify(key: &[u8], message: &[u8], tag: &[u8]) -> Result<(), CryptoError> {
    if tag.len() != HMAC_SHA256_LEN {
        return Err(CryptoError::MacMismatch);
    }
    hmac_with(key, message)
        .verify_slice(tag)
        .map_err(|_| CryptoError::MacMismatch)
}

/// An HKDF-SHA256 pseudorandom key (the output of HKDF-Extract), kept secret.
pub struct HkdfPrk {
    prk: SecretSlice<u8>,
}

impl std::fmt::Debug for HkdfPrk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HkdfPrk([REDACTED])")
    }
}

impl HkdfPrk {
    /// HKDF-Extract (RFC 5869 §2.2): `PRK = HMAC-SHA256(salt, ikm)`; an empty salt means 32 zero bytes.
    pub fn extract(salt: &[u8], ikm: &[u8]) -> Self {
        let (prk, _) = hkdf::Hkdf::<sha2::Sha256>::extract(Some(salt), ikm);
        Self {
            prk: SecretSlice::from(prk.to_vec()),
        }
    }

    /// Uses `prk` (at least 32 bytes, e.g. from another KDF) as the pseudorandom key.
    pub fn from_bytes(prk: &[u8]) -> Result<Self, CryptoError> {
        if prk.len() < HMAC_SHA256_LEN {
            return Err(CryptoError::HkdfPrkTooShort { actual: prk.len() });
        }
        Ok(Self {
            prk: SecretSlice::from(prk.to_vec()),
        })
    }

    /// The pseudorandom key's bytes.
    pub fn expose_secret(&self) -> &[u8] {
        self.prk.expose_secret()
    }

    /// HKDF-Expand (RFC 5869 §2.3): `length` bytes of output keying material bound to `info`.
    ///
    /// Asking for more than 255·32 bytes is an error, never a shorter key.
    pub fn expand(&self, info: &[u8], length: usize) -> Result<SecretSlice<u8>, CryptoError> {
        if length > HKDF_SHA256_MAX_OUTPUT {
            return Err(CryptoError::HkdfOutputTooLong {
                requested: length,
                max: HKDF_SHA256_MAX_OUTPUT,
            });
        }
        let hk = hkdf::Hkdf::<sha2::Sha256>::from_prk(self.prk.expose_secret()).map_err(|_| {
            CryptoError::HkdfPrkTooShort {
                actual: self.prk.expose_secret().len(),
            }
        })?;
        let mut okm = vec![0u8; length];
        hk.expand(info, &mut okm)
            .map_err(|_| CryptoError::HkdfOutputTooLong {
                requested: length,
                max: HKDF_SHA256_MAX_OUTPUT,
            })?;
        Ok(SecretSlice::from(okm))
    }
}

/// HKDF-SHA256 extract-then-expand: `length` bytes derived from `ikm` with `salt` and `info`.
pub fn hkdf_sha256(
    salt: &[u8],
    ikm: &[u8],
    info: &[u8],
    length: usize,
) -> Result<SecretSlice<u8>, CryptoError> {
    HkdfPrk::extract(salt, ikm).expand(info, length)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::{hex_decode, hex_encode};

    // RFC 4231 test cases 1-7 (case 5 is a truncated tag: its first 16 bytes are checked).
    #[test]
    fn rfc4231_vectors() {
        let cases: &[(Vec<u8>, Vec<u8>, &str)] = &[
            (
                vec![0x0b; 20],
                b"Hi There".to_vec(),
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
            ),
            (
                b"Jefe".to_vec(),
                b"what do ya want for nothing?".to_vec(),
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            ),
            (
                vec![0xaa; 20],
                vec![0xdd; 50],
                "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
            ),
            (
                hex_decode("0102030405060708090a0b0c0d0e0f10111213141516171819").unwrap(),
                vec![0xcd; 50],
                "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
            ),
            (
                vec![0x0c; 20],
                b"Test With Truncation".to_vec(),
                "a3b6167473100ee06e0c796c2955552b",
            ),
            (
                vec![0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First".to_vec(),
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            ),
            (
                vec![0xaa; 131],
                b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".to_vec(),
                "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
            ),
        ];
        for (key, msg, want) in cases {
            let tag = hmac_sha256(key, msg);
            assert_eq!(hex_encode(&tag[..want.len() / 2]), *want);
            if want.len() == 64 {
                hmac_sha256_verify(key, msg, &tag).unwrap();
            } else {
                // Truncated tags are never accepted by verification.
                assert!(matches!(
                    hmac_sha256_verify(key, msg, &tag[..16]),
                    Err(CryptoError::MacMismatch)
                ));
            }
        }
    }

    #[test]
    fn hmac_rejects_every_single_bit_flip() {
        let tag = hmac_sha256(b"key", b"message");
        for i in 0..tag.len() * 8 {
            let mut bad = tag;
            bad[i / 8] ^= 1 << (i % 8);
            assert!(matches!(
                hmac_sha256_verify(b"key", b"message", &bad),
                Err(CryptoError::MacMismatch)
            ));
        }
        assert!(hmac_sha256_verify(b"key", b"message", &[]).is_err());
    }

    // RFC 5869 appendix A, test cases 1-3 (SHA-256).
    #[test]
    fn rfc5869_vectors() {
        let cases = [
            (
                "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
                "000102030405060708090a0b0c",
                "f0f1f2f3f4f5f6f7f8f9",
                42,
                "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
                "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
            ),
            (
                "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f",
                "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
                "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
                82,
                "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
                "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87",
            ),
            (
                "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
                "",
                "",
                42,
                "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
                "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
            ),
        ];
        for (ikm, salt, info, len, prk, okm) in cases {
            let (ikm, salt, info) = (
                hex_decode(ikm).unwrap(),
                hex_decode(salt).unwrap(),
                hex_decode(info).unwrap(),
            );
            let p = HkdfPrk::extract(&salt, &ikm);
            assert_eq!(hex_encode(p.expose_secret()), prk);
            let out = p.expand(&info, len).unwrap();
            assert_eq!(hex_encode(out.expose_secret()), okm);
            let one_shot = hkdf_sha256(&salt, &ikm, &info, len).unwrap();
            assert_eq!(one_shot.expose_secret(), out.expose_secret());
        }
    }

    #[test]
    fn hkdf_refuses_too_long_output_instead_of_truncating() {
        let prk = HkdfPrk::extract(b"salt", b"ikm");
        assert_eq!(
            prk.expand(b"", HKDF_SHA256_MAX_OUTPUT)
                .unwrap()
                .expose_secret()
                .len(),
            HKDF_SHA256_MAX_OUTPUT
        );
        assert!(matches!(
            prk.expand(b"", HKDF_SHA256_MAX_OUTPUT + 1),
            Err(CryptoError::HkdfOutputTooLong {
                requested: 8161,
                max: 8160
            })
        ));
        assert!(matches!(
            HkdfPrk::from_bytes(&[0u8; 31]),
            Err(CryptoError::HkdfPrkTooShort { actual: 31 })
        ));
    }

    #[test]
    fn prk_debug_is_redacted() {
        let prk = HkdfPrk::extract(b"salt", b"secret input");
        let shown = format!("{prk:?}");
        assert!(!shown.contains(&hex_encode(prk.expose_secret())));
        assert!(shown.contains("REDACTED"));
    }
}
