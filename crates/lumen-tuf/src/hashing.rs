//! Checking every listed hash of a file while it streams past.

use crate::error::{Mismatch, Result, TufError};
use crate::metadata::Hashes;
use sha2::Digest as _;

enum Algo {
    Sha224(sha2::Sha224),
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
}

/// Hashes data with every algorithm a `hashes` map lists, then compares all of them.
pub(crate) struct MultiHasher<'a> {
    items: Vec<(&'a str, &'a str, Algo)>,
}

impl<'a> MultiHasher<'a> {
    /// Fails with [`Mismatch::UnsupportedAlgorithm`] if any listed algorithm is unknown: a hash
    /// the client cannot check is not silently skipped.
    pub(crate) fn new(hashes: &'a Hashes, what: &str) -> Result<Self> {
        let mut items = Vec::with_capacity(hashes.len());
        for (name, expected) in hashes {
            let algo = match name.as_str() {
                "sha224" => Algo::Sha224(sha2::Sha224::new()),
                "sha256" => Algo::Sha256(sha2::Sha256::new()),
                "sha384" => Algo::Sha384(sha2::Sha384::new()),
                "sha512" => Algo::Sha512(sha2::Sha512::new()),
                _ => {
                    return Err(TufError::LengthOrHashMismatch {
                        what: what.to_owned(),
                        mismatch: Mismatch::UnsupportedAlgorithm(name.clone()),
                    });
                }
            };
            items.push((name.as_str(), expected.as_str(), algo));
        }
        Ok(Self { items })
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        for (_, _, a) in &mut self.items {
            match a {
                Algo::Sha224(h) => h.update(data),
                Algo::Sha256(h) => h.update(data),
                Algo::Sha384(h) => h.update(data),
                Algo::Sha512(h) => h.update(data),
            }
        }
    }

    pub(crate) fn finish(self, what: &str) -> Result<()> {
        for (name, expected, a) in self.items {
            let got = match a {
                Algo::Sha224(h) => lumen_crypto::encoding::hex_encode(&h.finalize()),
                Algo::Sha256(h) => lumen_crypto::encoding::hex_encode(&h.finalize()),
                Algo::Sha384(h) => lumen_crypto::encoding::hex_encode(&h.finalize()),
                Algo::Sha512(h) => lumen_crypto::encoding::hex_encode(&h.finalize()),
            };
            if got != expected {
                return Err(TufError::LengthOrHashMismatch {
                    what: what.to_owned(),
                    mismatch: Mismatch::Hash {
                        algorithm: name.to_owned(),
                        expected: expected.to_owned(),
                        found: got,
                    },
                });
            }
        }
        Ok(())
    }
}
