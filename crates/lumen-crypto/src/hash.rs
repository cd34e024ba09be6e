//! Hash functions: SHA-256, SHA-512 and BLAKE3 (plain, keyed, derive_key), one-shot and streaming.

use sha2::Digest as _;
use std::io::{self, Read};

/// Size of a SHA-256 digest in bytes.
pub const SHA256_LEN: usize = 32;
/// Size of a SHA-512 digest in bytes.
pub const SHA512_LEN: usize = 64;
/// Size of a BLAKE3 digest (and key) in bytes.
pub const BLAKE3_LEN: usize = 32;

/// SHA-256 (FIPS 180-4) of `data`.
pub fn sha256(data: &[u8]) -> [u8; SHA256_LEN] {
    sha2::Sha256::digest(data).into()
}

/// SHA-512 (FIPS 180-4) of `data`.
pub fn sha512(data: &[u8]) -> [u8; SHA512_LEN] {
    sha2::Sha512::digest(data).into()
}

/// BLAKE3 hash of `data`.
pub fn blake3(data: &[u8]) -> [u8; BLAKE3_LEN] {
    *blake3::hash(data).as_bytes()
}

/// BLAKE3 keyed hash (a MAC/PRF) of `data` under a 32-byte `key`.
pub fn blake3_keyed(key: &[u8; BLAKE3_LEN], data: &[u8]) -> [u8; BLAKE3_LEN] {
    *blake3::keyed_hash(key, data).as_bytes()
}

/// BLAKE3 key derivation: a 32-byte key for the hard-coded, globally unique `context` from `material`.
pub fn blake3_derive_key(context: &str, material: &[u8]) -> [u8; BLAKE3_LEN] {
    blake3::derive_key(context, material)
}

/// A streaming hasher: feed bytes with [`Hasher::update`], read the digest with `finalize`.
pub trait Hasher: Sized {
    /// The digest this hasher produces.
    type Output;
    /// Absorbs `data`.
    fn update(&mut self, data: &[u8]);
    /// Consumes the hasher and returns the digest of everything absorbed.
    fn finalize(self) -> Self::Output;
    /// Absorbs everything `reader` yields, in 64 KiB chunks, and returns the number of bytes read.
    fn update_reader<R: Read>(&mut self, mut reader: R) -> io::Result<u64> {
        let mut buf = vec![0u8; 64 * 1024];
        let mut total = 0u64;
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => return Ok(total),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            self.update(&buf[..n]);
            total += n as u64;
        }
    }
}

/// Streaming SHA-256.
#[derive(Clone, Default)]
pub struct Sha256Hasher(sha2::Sha256);

impl Sha256Hasher {
    /// A fresh hasher.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Hasher for Sha256Hasher {
    type Output = [u8; SHA256_LEN];
    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }
    fn finalize(self) -> Self::Output {
        self.0.finalize().into()
    }
}

/// Streaming SHA-512.
#[derive(Clone, Default)]
pub struct Sha512Hasher(sha2::Sha512);

impl Sha512Hasher {
    /// A fresh hasher.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Hasher for Sha512Hasher {
    type Output = [u8; SHA512_LEN];
    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }
    fn finalize(self) -> Self::Output {
        self.0.finalize().into()
    }
}

/// Streaming BLAKE3 (plain, keyed or key derivation, chosen at construction).
#[derive(Clone)]
pub struct Blake3Hasher(blake3::Hasher);

impl Blake3Hasher {
    /// A plain BLAKE3 hasher.
    pub fn new() -> Self {
        Self(blake3::Hasher::new())
    }
    /// A keyed BLAKE3 hasher.
    pub fn new_keyed(key: &[u8; BLAKE3_LEN]) -> Self {
        Self(blake3::Hasher::new_keyed(key))
    }
    /// A BLAKE3 key-derivation hasher for `context`.
    pub fn new_derive_key(context: &str) -> Self {
        Self(blake3::Hasher::new_derive_key(context))
    }
    /// Extended output: fills `out` with the first `out.len()` bytes of the XOF stream.
    pub fn finalize_xof(&self, out: &mut [u8]) {
        self.0.finalize_xof().fill(out);
    }
}

impl Default for Blake3Hasher {
    fn default() -> Self {
        Self::new()
    }
}

impl Hasher for Blake3Hasher {
    type Output = [u8; BLAKE3_LEN];
    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }
    fn finalize(self) -> Self::Output {
        *self.0.finalize().as_bytes()
    }
}

/// SHA-256 of everything `reader` yields, with the byte count.
pub fn sha256_reader<R: Read>(reader: R) -> io::Result<([u8; SHA256_LEN], u64)> {
    let mut h = Sha256Hasher::new();
    let n = h.update_reader(reader)?;
    Ok((h.finalize(), n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::hex_encode;

    #[test]
    fn sha256_fips_vectors() {
        assert_eq!(
            hex_encode(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex_encode(&sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn sha512_fips_vector() {
        assert_eq!(
            hex_encode(&sha512(b"abc")),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
             2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        );
    }

    #[test]
    fn streaming_equals_one_shot_for_every_split() {
        let data: Vec<u8> = (0..3000u32).map(|i| (i * 7 + 3) as u8).collect();
        for split in [0, 1, 63, 64, 65, 1024, 2999, 3000] {
            let mut s = Sha256Hasher::new();
            s.update(&data[..split]);
            s.update(&data[split..]);
            assert_eq!(s.finalize(), sha256(&data));
            let mut s = Sha512Hasher::new();
            s.update(&data[..split]);
            s.update(&data[split..]);
            assert_eq!(s.finalize(), sha512(&data));
            let mut b = Blake3Hasher::new();
            b.update(&data[..split]);
            b.update(&data[split..]);
            assert_eq!(b.finalize(), blake3(&data));
        }
        let (d, n) = sha256_reader(&data[..]).unwrap();
        assert_eq!((d, n), (sha256(&data), 3000));
    }

    #[test]
    fn keyed_and_derive_streaming_match_one_shot() {
        let key = [7u8; 32];
        let mut k = Blake3Hasher::new_keyed(&key);
        k.update(b"hello");
        assert_eq!(k.finalize(), blake3_keyed(&key, b"hello"));
        let mut d = Blake3Hasher::new_derive_key("lumen test context");
        d.update(b"material");
        assert_eq!(
            d.finalize(),
            blake3_derive_key("lumen test context", b"material")
        );
        assert_ne!(blake3_keyed(&key, b"hello"), blake3(b"hello"));
    }
}
