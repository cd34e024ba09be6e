//! Private key files: passphrase-encrypted (Argon2id + XChaCha20-Poly1305) or, when explicitly
//! asked for, unencrypted PKCS#8 PEM.
//!
//! # Encrypted format, version 1 (175 bytes)
//!
//! | offset | length | field                                                              |
//! |-------:|-------:|--------------------------------------------------------------------|
//! |      0 |      8 | magic `LUMENKEY` (ASCII)                                           |
//! |      8 |      1 | format version, `0x01`                                             |
//! |      9 |      1 | key type: `0x01` = Ed25519                                         |
//! |     10 |      1 | KDF: `0x01` = Argon2id, version 0x13 (RFC 9106)                    |
//! |     11 |      4 | Argon2 memory cost in KiB, unsigned big-endian                     |
//! |     15 |      4 | Argon2 time cost (passes), unsigned big-endian                     |
//! |     19 |      4 | Argon2 parallelism (lanes), unsigned big-endian                    |
//! |     23 |     16 | Argon2 salt (random)                                               |
//! |     39 |     24 | XChaCha20-Poly1305 nonce (random)                                  |
//! |     63 |     32 | Ed25519 public key                                                 |
//! |     95 |     48 | ciphertext of the 32-byte Ed25519 seed, then the 16-byte tag       |
//! |    143 |     32 | SHA-256 of bytes 0..143                                            |
//!
//! The encryption key is Argon2id(passphrase, salt, m, t, p) with a 32-byte output. Bytes 0..95 —
//! the whole header, public key included — are the associated data, so changing any header byte
//! makes decryption fail. The trailing SHA-256 is an unkeyed checksum: it lets the reader tell a
//! damaged file ([`KeyFileError::Corrupted`]) from a wrong passphrase
//! ([`KeyFileError::WrongPassphrase`]). It adds no security: someone who edits the file on purpose
//! can recompute it, and the AEAD tag still rejects the edit (reported as a wrong passphrase). After
//! decryption the seed must derive the recorded public key ([`KeyFileError::KeyMismatch`]).
//! The public key can be read without the passphrase ([`read_public_key`]); it is only trusted
//! as far as the checksum goes until the file is decrypted.
//!
//! # Unencrypted format
//! An RFC 8410 PKCS#8 `PRIVATE KEY` PEM document, as written by `openssl genpkey -algorithm ed25519`.
//!
//! # Files
//! Key files are written to a temporary file in the target directory with mode 0600, flushed to
//! disk, and renamed into place (then the directory is flushed), so a crash leaves either the old
//! file or the new one. Reading refuses a file that group or others may read.

use crate::ed25519::{Ed25519SigningKey, Ed25519VerifyingKey};
use crate::error::{CryptoError, KeyFileError};
use chacha20poly1305::aead::{AeadInOut, KeyInit};
use secrecy::{ExposeSecret, SecretString};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// The magic bytes that open an encrypted key file.
pub const MAGIC: &[u8; 8] = b"LUMENKEY";
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u8 = 1;
const KEY_TYPE_ED25519: u8 = 1;
const KDF_ARGON2ID: u8 = 1;
const HEADER_LEN: usize = 95;
const CIPHERTEXT_LEN: usize = 32 + 16;
const BODY_LEN: usize = HEADER_LEN + CIPHERTEXT_LEN;
/// Total length of a version-1 encrypted key file.
pub const FILE_LEN: usize = BODY_LEN + 32;
const PEM_PREFIX: &str = "-----BEGIN PRIVATE KEY-----";
/// Files larger than this are not key files; reading stops there.
const MAX_READ: u64 = 64 * 1024;

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory cost in KiB.
    pub memory_kib: u32,
    /// Time cost (number of passes).
    pub iterations: u32,
    /// Degree of parallelism (lanes).
    pub parallelism: u32,
}

impl KdfParams {
    /// The parameters new key files get: 64 MiB, 3 passes, 1 lane (RFC 9106 §4, second option,
    /// with one lane so the cost is the same on one core).
    pub const DEFAULT: KdfParams = KdfParams {
        memory_kib: 64 * 1024,
        iterations: 3,
        parallelism: 1,
    };
    /// The weakest parameters accepted when writing: OWASP's Argon2id minimum (19 MiB, 2 passes).
    pub const MINIMUM: KdfParams = KdfParams {
        memory_kib: 19 * 1024,
        iterations: 2,
        parallelism: 1,
    };
    /// Largest memory cost accepted when reading (1 GiB), so a hostile file cannot exhaust memory.
    pub const MAX_MEMORY_KIB: u32 = 1024 * 1024;
    /// Largest time cost accepted when reading.
    pub const MAX_ITERATIONS: u32 = 64;
    /// Largest parallelism accepted when reading.
    pub const MAX_PARALLELISM: u32 = 16;

    fn check_for_write(&self) -> Result<(), CryptoError> {
        if self.memory_kib < Self::MINIMUM.memory_kib || self.iterations < Self::MINIMUM.iterations
        {
            return Err(CryptoError::KdfParams {
                reason: format!(
                    "Argon2id needs at least {} KiB and {} passes, got {} KiB and {} passes",
                    Self::MINIMUM.memory_kib,
                    Self::MINIMUM.iterations,
                    self.memory_kib,
                    self.iterations
                ),
            });
        }
        self.check_bounds()
            .map_err(|reason| CryptoError::KdfParams { reason })
    }

    fn check_bounds(&self) -> Result<(), String> {
        if self.memory_kib > Self::MAX_MEMORY_KIB {
            return Err(format!(
                "memory cost {} KiB exceeds {} KiB",
                self.memory_kib,
                Self::MAX_MEMORY_KIB
            ));
        }
        if self.iterations == 0 || self.iterations > Self::MAX_ITERATIONS {
            return Err(format!(
                "time cost {} outside 1..={}",
                self.iterations,
                Self::MAX_ITERATIONS
            ));
        }
        if self.parallelism == 0 || self.parallelism > Self::MAX_PARALLELISM {
            return Err(format!(
                "parallelism {} outside 1..={}",
                self.parallelism,
                Self::MAX_PARALLELISM
            ));
        }
        if self.memory_kib < 8 * self.parallelism {
            return Err(format!(
                "memory cost {} KiB below 8 KiB per lane",
                self.memory_kib
            ));
        }
        Ok(())
    }

    fn derive(&self, passphrase: &[u8], salt: &[u8]) -> Result<Zeroizing<[u8; 32]>, String> {
        let params =
            argon2::Params::new(self.memory_kib, self.iterations, self.parallelism, Some(32))
                .map_err(|e| e.to_string())?;
        let argon =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut out = Zeroizing::new([0u8; 32]);
        argon
            .hash_password_into(passphrase, salt, out.as_mut())
            .map_err(|e| e.to_string())?;
        Ok(out)
    }
}

impl Default for KdfParams {
    fn default() -> Self {
        Self::DEFAULT
    }
}

#[cfg(unix)]
fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> KeyFileError + '_ {
    move |source| KeyFileError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&bytes[at..at + 4]);
    u32::from_be_bytes(b)
}

/// Serializes `key` into the encrypted version-1 format (see the module docs).
pub fn encrypt_key(
    key: &Ed25519SigningKey,
    passphrase: &SecretString,
    params: KdfParams,
) -> Result<Vec<u8>, CryptoError> {
    if passphrase.expose_secret().is_empty() {
        return Err(KeyFileError::EmptyPassphrase.into());
    }
    params.check_for_write()?;
    let salt: [u8; 16] = crate::random::random_array()?;
    let nonce: [u8; 24] = crate::random::random_array()?;
    let mut out = Vec::with_capacity(FILE_LEN);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[FORMAT_VERSION, KEY_TYPE_ED25519, KDF_ARGON2ID]);
    out.extend_from_slice(&params.memory_kib.to_be_bytes());
    out.extend_from_slice(&params.iterations.to_be_bytes());
    out.extend_from_slice(&params.parallelism.to_be_bytes());
    out.extend_from_slice(&salt);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(key.verifying_key().as_bytes());
    debug_assert_eq!(out.len(), HEADER_LEN);
    let kek = params
        .derive(passphrase.expose_secret().as_bytes(), &salt)
        .map_err(|reason| CryptoError::KdfParams { reason })?;
    let cipher = chacha20poly1305::XChaCha20Poly1305::new(&(*kek).into());
    let mut buf = Zeroizing::new(Vec::with_capacity(CIPHERTEXT_LEN));
    buf.extend_from_slice(key.seed().as_ref());
    cipher
        .encrypt_in_place(&nonce.into(), &out, &mut *buf)
        .map_err(|_| CryptoError::KdfParams {
            reason: "encryption failed".into(),
        })?;
    out.extend_from_slice(&buf);
    let checksum = crate::hash::sha256(&out);
    out.extend_from_slice(&checksum);
    Ok(out)
}

/// What the header of an intact encrypted key file says.
struct Header {
    params: KdfParams,
    public: [u8; 32],
}

/// Checks everything that can be checked without the passphrase, in order: magic, version,
/// length, checksum, key type, KDF.
fn parse_header(path: &Path, bytes: &[u8]) -> Result<Header, KeyFileError> {
    let magic_len = bytes.len().min(MAGIC.len());
    if bytes[..magic_len] != MAGIC[..magic_len] {
        return Err(KeyFileError::NotAKeyFile { path: path.into() });
    }
    if bytes.len() <= MAGIC.len() {
        return Err(KeyFileError::Truncated {
            path: path.into(),
            actual: bytes.len(),
            expected: FILE_LEN,
        });
    }
    let version = bytes[8];
    if version != FORMAT_VERSION {
        return Err(KeyFileError::UnknownVersion {
            path: path.into(),
            version,
            supported: FORMAT_VERSION,
        });
    }
    if bytes.len() != FILE_LEN {
        return Err(KeyFileError::Truncated {
            path: path.into(),
            actual: bytes.len(),
            expected: FILE_LEN,
        });
    }
    let (body, checksum) = bytes.split_at(BODY_LEN);
    if !crate::random::constant_time_eq(&crate::hash::sha256(body), checksum) {
        return Err(KeyFileError::Corrupted { path: path.into() });
    }
    if bytes[9] != KEY_TYPE_ED25519 {
        return Err(KeyFileError::UnknownKeyType {
            path: path.into(),
            key_type: bytes[9],
        });
    }
    if bytes[10] != KDF_ARGON2ID {
        return Err(KeyFileError::UnsupportedKdf {
            path: path.into(),
            reason: format!("unknown KDF identifier {}", bytes[10]),
        });
    }
    let params = KdfParams {
        memory_kib: u32_at(bytes, 11),
        iterations: u32_at(bytes, 15),
        parallelism: u32_at(bytes, 19),
    };
    params
        .check_bounds()
        .map_err(|reason| KeyFileError::UnsupportedKdf {
            path: path.into(),
            reason,
        })?;
    let mut public = [0u8; 32];
    public.copy_from_slice(&bytes[63..95]);
    Ok(Header { params, public })
}

/// Decrypts an encrypted key file's bytes (`path` is only used in errors).
pub fn decrypt_key(
    path: &Path,
    bytes: &[u8],
    passphrase: &SecretString,
) -> Result<Ed25519SigningKey, KeyFileError> {
    let header = parse_header(path, bytes)?;
    let kek = header
        .params
        .derive(passphrase.expose_secret().as_bytes(), &bytes[23..39])
        .map_err(|reason| KeyFileError::UnsupportedKdf {
            path: path.into(),
            reason,
        })?;
    let cipher = chacha20poly1305::XChaCha20Poly1305::new(&(*kek).into());
    let mut nonce = [0u8; 24];
    nonce.copy_from_slice(&bytes[39..63]);
    let mut buf = Zeroizing::new(bytes[HEADER_LEN..BODY_LEN].to_vec());
    cipher
        .decrypt_in_place(&nonce.into(), &bytes[..HEADER_LEN], &mut *buf)
        .map_err(|_| KeyFileError::WrongPassphrase { path: path.into() })?;
    let mut seed = Zeroizing::new([0u8; 32]);
    seed.copy_from_slice(&buf[..32]);
    let key = Ed25519SigningKey::from_seed(&seed);
    if key.verifying_key().as_bytes() != &header.public {
        return Err(KeyFileError::KeyMismatch { path: path.into() });
    }
    Ok(key)
}

/// Whether a key file is PKCS#8 PEM (otherwise it must be the encrypted format).
fn is_pkcs8_pem(bytes: &[u8]) -> bool {
    bytes.starts_with(PEM_PREFIX.as_bytes())
}

/// Reads a file that holds a secret after checking that only its owner can read it (group- or
/// world-readable files are refused), capping the read at 64 KiB. Only a regular file is opened,
/// and without blocking ([`crate::fs::open_regular_file`]): a FIFO, device, directory or socket is
/// refused with [`crate::fs::FileError::NotARegularFile`].
pub fn read_private_file(path: &Path) -> Result<Zeroizing<Vec<u8>>, KeyFileError> {
    let file = crate::fs::open_regular_file(path)?;
    check_permissions(path, &file)?;
    let mut bytes = Zeroizing::new(Vec::new());
    crate::fs::read_open_file(file, path, MAX_READ, &mut bytes)?;
    Ok(bytes)
}

#[cfg(unix)]
fn check_permissions(path: &Path, file: &std::fs::File) -> Result<(), KeyFileError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = file.metadata().map_err(io_err(path))?.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(KeyFileError::PermissionsTooOpen {
            path: path.into(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_permissions(_path: &Path, _file: &std::fs::File) -> Result<(), KeyFileError> {
    Ok(())
}

/// A key file that has been read and checked as far as possible without a passphrase.
pub struct KeyFile(KeyFileInner);

enum KeyFileInner {
    /// An unencrypted PKCS#8 key: ready to use.
    Plain(Ed25519SigningKey),
    /// An intact encrypted key file, whose header has been checked.
    Encrypted {
        path: PathBuf,
        bytes: Zeroizing<Vec<u8>>,
        public: Ed25519VerifyingKey,
    },
}

impl KeyFile {
    /// Reads `path`: refuses loose permissions, then checks format, version, length, checksum,
    /// key type and KDF parameters.
    pub fn open(path: &Path) -> Result<Self, KeyFileError> {
        let bytes = read_private_file(path)?;
        if is_pkcs8_pem(&bytes) {
            let text = std::str::from_utf8(&bytes)
                .map_err(|_| KeyFileError::NotAKeyFile { path: path.into() })?;
            return Ed25519SigningKey::from_pkcs8_pem(text)
                .map(|k| KeyFile(KeyFileInner::Plain(k)))
                .map_err(|_| KeyFileError::Corrupted { path: path.into() });
        }
        let header = parse_header(path, &bytes)?;
        let public = Ed25519VerifyingKey::from_bytes(&header.public)
            .map_err(|_| KeyFileError::Corrupted { path: path.into() })?;
        Ok(KeyFile(KeyFileInner::Encrypted {
            path: path.into(),
            bytes,
            public,
        }))
    }

    /// Whether [`KeyFile::unlock`] needs a passphrase.
    pub fn is_encrypted(&self) -> bool {
        matches!(self.0, KeyFileInner::Encrypted { .. })
    }

    /// The public key (for an encrypted file, as recorded in its header; [`KeyFile::unlock`]
    /// checks that the private key matches it).
    pub fn public_key(&self) -> Ed25519VerifyingKey {
        match &self.0 {
            KeyFileInner::Plain(k) => k.verifying_key(),
            KeyFileInner::Encrypted { public, .. } => *public,
        }
    }

    /// The private key; `passphrase` is called only for an encrypted file.
    pub fn unlock<E: From<KeyFileError>>(
        self,
        passphrase: impl FnOnce() -> Result<SecretString, E>,
    ) -> Result<Ed25519SigningKey, E> {
        match self.0 {
            KeyFileInner::Plain(k) => Ok(k),
            KeyFileInner::Encrypted { path, bytes, .. } => {
                Ok(decrypt_key(&path, &bytes, &passphrase()?)?)
            }
        }
    }
}

/// Loads the private key at `path`; `passphrase` is asked for only if the file is encrypted, and
/// only after the file has passed every check that needs no passphrase.
pub fn load_signing_key(
    path: &Path,
    passphrase: impl FnOnce() -> Result<SecretString, KeyFileError>,
) -> Result<Ed25519SigningKey, KeyFileError> {
    KeyFile::open(path)?.unlock(passphrase)
}

/// The public key of the key file at `path`, without decrypting it.
pub fn read_public_key(path: &Path) -> Result<Ed25519VerifyingKey, KeyFileError> {
    Ok(KeyFile::open(path)?.public_key())
}

/// How [`write_key_file`] encodes the key.
pub enum KeyFileFormat<'a> {
    /// The encrypted format, with this passphrase and these Argon2id parameters.
    Encrypted {
        /// The passphrase.
        passphrase: &'a SecretString,
        /// The Argon2id cost.
        params: KdfParams,
    },
    /// Unencrypted PKCS#8 PEM. Anyone who can read the file can sign as its owner.
    Unencrypted,
}

/// Writes `key` to `path` atomically with mode 0600; an existing file is replaced only if
/// `overwrite` is set.
pub fn write_key_file(
    path: &Path,
    key: &Ed25519SigningKey,
    format: KeyFileFormat<'_>,
    overwrite: bool,
) -> Result<(), CryptoError> {
    let bytes: Zeroizing<Vec<u8>> = match format {
        KeyFileFormat::Encrypted { passphrase, params } => {
            Zeroizing::new(encrypt_key(key, passphrase, params)?)
        }
        KeyFileFormat::Unencrypted => Zeroizing::new(key.to_pkcs8_pem()?.as_bytes().to_vec()),
    };
    write_atomic_private(path, &bytes, overwrite)?;
    Ok(())
}

/// Writes `bytes` to `path` through a 0600 temporary file in the same directory (named
/// `.lumen-key-…`), flushed to disk, then a rename and a flush of the directory. An existing file is
/// replaced only if `overwrite` is set ([`KeyFileError::AlreadyExists`] otherwise).
pub fn write_atomic_private(
    path: &Path,
    bytes: &[u8],
    overwrite: bool,
) -> Result<(), KeyFileError> {
    use crate::fs::{AtomicWrite, AtomicWriteError, Durability, Existing, FileMode};
    AtomicWrite::new(FileMode::Private, Durability::SyncFileAndDir)
        .existing(if overwrite {
            Existing::Replace
        } else {
            Existing::Refuse
        })
        .temp_prefix(".lumen-key-")
        .write(path, bytes)
        .map_err(|e| match e {
            AtomicWriteError::AlreadyExists { path } => KeyFileError::AlreadyExists { path },
            AtomicWriteError::CreateTemp { dir: at, source }
            | AtomicWriteError::SetPermissions { temp: at, source }
            | AtomicWriteError::Write { temp: at, source }
            | AtomicWriteError::SyncDir { dir: at, source } => {
                KeyFileError::Io { path: at, source }
            }
            AtomicWriteError::SyncFile { source, .. } | AtomicWriteError::Rename { source, .. } => {
                KeyFileError::Io {
                    path: path.into(),
                    source,
                }
            }
        })
}
