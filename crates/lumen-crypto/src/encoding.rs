//! Text encodings: lowercase hex, Base64 (standard and URL-safe, padded and unpadded, strict).

use crate::error::CryptoError;
use base64::Engine as _;
use base64::engine::general_purpose;

/// Lowercase hex of `bytes` (constant-time in the byte values).
pub fn hex_encode(bytes: &[u8]) -> String {
    base16ct::lower::encode_string(bytes)
}

/// Decodes hex (upper- or lowercase, even length, nothing else) in constant time.
pub fn hex_decode(text: &str) -> Result<Vec<u8>, CryptoError> {
    base16ct::mixed::decode_vec(text.as_bytes())
        .map_err(|_| CryptoError::EncodingMalformed { what: "hex" })
}

/// Decodes hex into exactly `N` bytes.
pub fn hex_decode_array<const N: usize>(
    text: &str,
    what: &'static str,
) -> Result<[u8; N], CryptoError> {
    let bytes = hex_decode(text)?;
    let actual = bytes.len();
    bytes.try_into().map_err(|_| CryptoError::InvalidLength {
        what,
        expected: N,
        actual,
    })
}

/// The four Base64 alphabets/padding combinations of RFC 4648 §4 and §5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base64Variant {
    /// Standard alphabet (`+/`) with `=` padding.
    Standard,
    /// Standard alphabet without padding.
    StandardNoPad,
    /// URL-safe alphabet (`-_`) with `=` padding.
    UrlSafe,
    /// URL-safe alphabet without padding (JWTs, JWKs).
    UrlSafeNoPad,
}

impl Base64Variant {
    fn engine(self) -> &'static general_purpose::GeneralPurpose {
        match self {
            Base64Variant::Standard => &general_purpose::STANDARD,
            Base64Variant::StandardNoPad => &general_purpose::STANDARD_NO_PAD,
            Base64Variant::UrlSafe => &general_purpose::URL_SAFE,
            Base64Variant::UrlSafeNoPad => &general_purpose::URL_SAFE_NO_PAD,
        }
    }
}

/// Base64 of `bytes` in the given variant.
pub fn base64_encode(variant: Base64Variant, bytes: &[u8]) -> String {
    variant.engine().encode(bytes)
}

/// Strict Base64 decoding: only the variant's alphabet, padding exactly as the variant requires,
/// no whitespace, and no non-zero trailing bits (so every byte string has one accepted encoding).
pub fn base64_decode(variant: Base64Variant, text: &str) -> Result<Vec<u8>, CryptoError> {
    variant
        .engine()
        .decode(text)
        .map_err(|_| CryptoError::EncodingMalformed { what: "base64" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, enc) in cases {
            assert_eq!(
                base64_encode(Base64Variant::Standard, plain.as_bytes()),
                enc
            );
            assert_eq!(
                base64_decode(Base64Variant::Standard, enc).unwrap(),
                plain.as_bytes()
            );
            let nopad = enc.trim_end_matches('=');
            assert_eq!(
                base64_decode(Base64Variant::StandardNoPad, nopad).unwrap(),
                plain.as_bytes()
            );
        }
        assert_eq!(hex_encode(b"foobar"), "666f6f626172");
    }

    #[test]
    fn strict_base64_rejects_sloppy_input() {
        // Missing or extra padding, wrong alphabet, whitespace, non-zero trailing bits.
        for (variant, bad) in [
            (Base64Variant::Standard, "Zg"),
            (Base64Variant::Standard, "Zg==="),
            (Base64Variant::StandardNoPad, "Zg=="),
            (Base64Variant::Standard, "Zh=="),
            (Base64Variant::Standard, "Zm9v\n"),
            (Base64Variant::Standard, "-_8="),
            (Base64Variant::UrlSafe, "+/8="),
            (Base64Variant::UrlSafeNoPad, "_-8="),
        ] {
            assert!(
                matches!(
                    base64_decode(variant, bad),
                    Err(CryptoError::EncodingMalformed { what: "base64" })
                ),
                "{variant:?} accepted {bad:?}"
            );
        }
        assert_eq!(
            base64_decode(Base64Variant::UrlSafeNoPad, "-_8").unwrap(),
            [0xfb, 0xff]
        );
    }

    #[test]
    fn hex_rejects_odd_length_and_non_hex() {
        for bad in ["a", "zz", "0g", " 00", "00 "] {
            assert!(hex_decode(bad).is_err(), "{bad:?}");
        }
        assert_eq!(hex_decode("00FFab").unwrap(), [0, 255, 171]);
        assert!(matches!(
            hex_decode_array::<4>("0011", "id"),
            Err(CryptoError::InvalidLength {
                expected: 4,
                actual: 2,
                ..
            })
        ));
    }

    proptest! {
        #[test]
        fn round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            prop_assert_eq!(hex_decode(&hex_encode(&bytes)).unwrap(), bytes.clone());
            for v in [Base64Variant::Standard, Base64Variant::StandardNoPad, Base64Variant::UrlSafe, Base64Variant::UrlSafeNoPad] {
                prop_assert_eq!(base64_decode(v, &base64_encode(v, &bytes)).unwrap(), bytes.clone());
            }
        }
    }
}
