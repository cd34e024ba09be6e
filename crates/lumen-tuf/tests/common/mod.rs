//! Test support for lumen-tuf's integration tests, in the spirit of tuf-conformance's
//! `RepositorySimulator`:
//!
//! - [`Signer`]: a key of any supported type (Ed25519, ECDSA P-256/P-384, RSA-PSS, HMAC) or an
//!   unsupported one, with a key id the test chooses.
//! - [`RepoSim`]: typed metadata of every role, signed and published into an in-memory file map
//!   (`metadata/…`, `targets/…`) that [`SimFetcher`] serves while logging every request.
//! - [`Client`]: a client's metadata directory ([`DirStore`] on a temporary directory) and the
//!   checks that it is still updatable and holds only verified bytes.
//! - [`HttpServer`]: a loopback HTTP server (axum) over the same file map, or over a directory,
//!   that looks files up by the raw (not percent-decoded) request path.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use lumen_crypto::ed25519::Ed25519SigningKey;
use lumen_crypto::encoding::hex_encode;
use lumen_crypto::hash::{sha256, sha512};
use lumen_tuf::fetch::Fetcher;
use lumen_tuf::keys::{DangerousHmacSecrets, HMAC_SHA256};
use lumen_tuf::metadata::{
    Common, DelegatedRole, DelegatedRoles, Delegations, Expires, Fields, Hashes, Key, MetaFile,
    Metadata, PathScope, Role, Root, Signature, Signed, Snapshot, SuccinctRoles, TargetFile,
    Targets, Timestamp,
};
use lumen_tuf::store::{DirStore, quote_role};
use lumen_tuf::{FetchError, TufError, Updater, UpdaterConfig};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// The reference time of every simulated update (2030-03-17).
pub const NOW: i64 = 1_900_000_000;
/// One day in seconds.
pub const DAY: i64 = 86_400;

/// `expires` at `unix`.
pub fn expires_at(unix: i64) -> Expires {
    Expires::from_unix(unix).expect("representable time")
}

/// The default `expires`: 30 days after [`NOW`].
pub fn in_future() -> Expires {
    expires_at(NOW + 30 * DAY)
}

/// An `expires` one day before [`NOW`].
pub fn in_past() -> Expires {
    expires_at(NOW - DAY)
}

/// Hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    hex_encode(&sha256(data))
}

/// The client configuration of the simulated tests: python-tuf's limits, reference time [`NOW`].
pub fn config() -> UpdaterConfig {
    UpdaterConfig {
        reference_time: Some(NOW),
        ..UpdaterConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------

enum Secret {
    Ed25519(Ed25519SigningKey),
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    Rsa(Box<rsa::pss::SigningKey<sha2::Sha256>>),
    Hmac(Vec<u8>),
    /// A key type no client implements: "signs" with a hash of the message.
    Unsupported,
}

/// A signing key with its public `Key` and the key id it is listed under.
#[derive(Clone)]
pub struct Signer {
    /// The key id (any string; by default hex SHA-256 of type, scheme and public value).
    pub keyid: String,
    /// The public key as listed in metadata.
    pub key: Key,
    secret: Arc<Secret>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("keyid", &self.keyid)
            .field("keytype", &self.key.keytype)
            .field("scheme", &self.key.scheme)
            .finish()
    }
}

fn seed(label: &str, n: u64) -> [u8; 32] {
    sha256(format!("lumen-tuf test key {label} {n}").as_bytes())
}

/// The RSA test key (2048 bits, generated once with `openssl genpkey`).
const RSA_TEST_KEY_PEM: &str = include_str!("rsa-2048-test-key.pem");

impl Signer {
    fn from_parts(key: Key, secret: Secret) -> Self {
        let id = format!(
            "{}\0{}\0{}",
            key.keytype,
            key.scheme,
            key.public().unwrap_or_default()
        );
        Self {
            keyid: sha256_hex(id.as_bytes()),
            key,
            secret: Arc::new(secret),
        }
    }

    /// The `n`-th deterministic Ed25519 key.
    pub fn ed25519(n: u64) -> Self {
        let sk = Ed25519SigningKey::from_seed(&seed("ed25519", n));
        let public = hex_encode(sk.verifying_key().as_bytes());
        Self::from_parts(Key::new("ed25519", "ed25519", public), Secret::Ed25519(sk))
    }

    fn p256_key(n: u64) -> p256::ecdsa::SigningKey {
        p256::ecdsa::SigningKey::from_slice(&seed("p256", n)).expect("valid P-256 scalar")
    }

    /// The `n`-th deterministic ECDSA P-256 key, `ecdsa`/`ecdsa-sha2-nistp256`, PEM SPKI (as
    /// securesystemslib writes it).
    pub fn p256(n: u64) -> Self {
        use p256::pkcs8::{EncodePublicKey, LineEnding};
        let sk = Self::p256_key(n);
        let pem = sk
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        Self::from_parts(
            Key::new("ecdsa", "ecdsa-sha2-nistp256", pem),
            Secret::P256(sk),
        )
    }

    /// The same key as [`Signer::p256`]`(n)`, written as old go-tuf did: keytype
    /// `ecdsa-sha2-nistp256`, public value hex of the uncompressed SEC1 point.
    pub fn p256_sec1_hex(n: u64) -> Self {
        let sk = Self::p256_key(n);
        let public = hex_encode(sk.verifying_key().to_sec1_point(false).as_bytes());
        Self::from_parts(
            Key::new("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256", public),
            Secret::P256(sk),
        )
    }

    /// The `n`-th deterministic ECDSA P-384 key, `ecdsa`/`ecdsa-sha2-nistp384`, PEM SPKI.
    pub fn p384(n: u64) -> Self {
        use p384::pkcs8::{EncodePublicKey, LineEnding};
        let wide = sha512(format!("lumen-tuf test key p384 {n}").as_bytes());
        let sk = p384::ecdsa::SigningKey::from_slice(&wide[..48]).expect("valid P-384 scalar");
        let pem = sk
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        Self::from_parts(
            Key::new("ecdsa", "ecdsa-sha2-nistp384", pem),
            Secret::P384(sk),
        )
    }

    /// The RSA test key, `rsa`/`rsassa-pss-sha256`, PEM SPKI, signing with a 32-byte salt (as
    /// securesystemslib does).
    pub fn rsa() -> Self {
        use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey, LineEnding};
        let key = rsa::PrivateKey::from_pkcs8_pem(RSA_TEST_KEY_PEM).unwrap();
        let public: &rsa::PublicKey = key.as_ref();
        let pem = public.to_public_key_pem(LineEnding::LF).unwrap();
        let sk = rsa::pss::SigningKey::<sha2::Sha256>::new_with_salt_len(key, 32);
        Self::from_parts(
            Key::new("rsa", "rsassa-pss-sha256", pem),
            Secret::Rsa(Box::new(sk)),
        )
    }

    /// An `hmac-sha256` key for `secret` (its public value names the secret).
    pub fn hmac(secret: &[u8]) -> Self {
        Self::from_parts(
            Key::new(
                HMAC_SHA256,
                HMAC_SHA256,
                DangerousHmacSecrets::public_value(secret),
            ),
            Secret::Hmac(secret.to_vec()),
        )
    }

    /// A key of a type no client implements (`keytype` `sphincs-plus`).
    pub fn unsupported(n: u64) -> Self {
        Self::from_parts(
            Key::new(
                "sphincs-plus",
                "sphincs-plus-shake256",
                hex_encode(&seed("sphincs", n)),
            ),
            Secret::Unsupported,
        )
    }

    /// The same key listed under `keyid`.
    pub fn with_keyid(mut self, keyid: impl Into<String>) -> Self {
        self.keyid = keyid.into();
        self
    }

    /// The hex signature over `message`.
    pub fn sign(&self, message: &[u8]) -> String {
        match &*self.secret {
            Secret::Ed25519(k) => hex_encode(&k.sign(message).to_bytes()),
            Secret::P256(k) => {
                use p256::ecdsa::signature::Signer as _;
                let sig: p256::ecdsa::Signature = k.sign(message);
                hex_encode(sig.to_der().as_bytes())
            }
            Secret::P384(k) => {
                use p384::ecdsa::signature::Signer as _;
                let sig: p384::ecdsa::Signature = k.sign(message);
                hex_encode(sig.to_der().as_bytes())
            }
            Secret::Rsa(k) => {
                use rsa::signature::{SignatureEncoding as _, Signer as _};
                hex_encode(&k.sign(message).to_vec())
            }
            Secret::Hmac(secret) => hex_encode(&lumen_crypto::mac::hmac_sha256(secret, message)),
            Secret::Unsupported => sha256_hex(message),
        }
    }

    /// A `signatures` entry over `message`.
    pub fn signature(&self, message: &[u8]) -> Signature {
        Signature {
            keyid: self.keyid.clone(),
            sig: self.sign(message),
            unknown: Fields::new(),
        }
    }
}

/// Signs `md` with `signers` (replacing its signatures) and returns the file bytes:
/// [`Metadata::to_bytes`], ordinary compact JSON with sorted keys, not canonical JSON (which
/// would leave a PEM public key's newlines unescaped and the file invalid JSON).
pub fn sign_metadata<T: Signed>(md: &mut Metadata<T>, signers: &[Signer]) -> Vec<u8> {
    let canonical = md.canonical_signed().expect("canonical");
    md.signatures = signers.iter().map(|s| s.signature(&canonical)).collect();
    md.to_bytes()
}

/// Parses metadata bytes as JSON (to tamper with them).
pub fn to_json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("metadata is JSON")
}

/// Serialises a tampered JSON document.
pub fn from_json(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).expect("serialisable")
}

fn metadata<T>(signed: T) -> Metadata<T> {
    Metadata {
        signed,
        signatures: Vec::new(),
        unknown: Fields::new(),
    }
}

/// An empty targets role, version 1.
pub fn empty_targets() -> Metadata<Targets> {
    metadata(Targets {
        common: Common::new(1, in_future()),
        targets: BTreeMap::new(),
        delegations: None,
    })
}

/// A delegated role with one key, threshold 1, scoped by `paths`.
pub fn delegated_role(
    name: &str,
    keyids: &[&Signer],
    paths: &[&str],
    terminating: bool,
) -> DelegatedRole {
    DelegatedRole {
        name: name.to_owned(),
        keyids: keyids.iter().map(|s| s.keyid.clone()).collect(),
        threshold: 1,
        terminating,
        scope: PathScope::Paths(paths.iter().map(|p| (*p).to_owned()).collect()),
        unknown: Fields::new(),
    }
}

/// A target description of `content` with SHA-256 and SHA-512.
pub fn target_file(content: &[u8]) -> TargetFile {
    let mut hashes = Hashes::new();
    hashes.insert("sha256".to_owned(), sha256_hex(content));
    hashes.insert("sha512".to_owned(), hex_encode(&sha512(content)));
    TargetFile {
        length: content.len() as u64,
        hashes,
        unknown: Fields::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// The served file map
// ---------------------------------------------------------------------------------------------

/// What the simulated server answers for one path.
#[derive(Debug, Clone)]
pub enum Response {
    /// 200 with these bytes.
    Bytes(Vec<u8>),
    /// This HTTP status (404 is "not found").
    Status(u16),
    /// 200 with a body that never ends.
    Endless,
}

/// The files a simulated repository serves, by path (`metadata/1.root.json`,
/// `targets/dir/HASH.name`), and every path requested, in order.
#[derive(Debug, Default)]
pub struct Served {
    /// Path → answer.
    pub files: BTreeMap<String, Response>,
    /// Requested paths, in order.
    pub log: Vec<String>,
}

impl Served {
    /// Logs a request for `name` and answers it.
    pub fn answer(&mut self, name: &str) -> Option<Response> {
        self.log.push(name.to_owned());
        self.files.get(name).cloned()
    }
}

/// Shared handle on [`Served`].
pub type SharedServed = Arc<Mutex<Served>>;

fn lock(s: &SharedServed) -> MutexGuard<'_, Served> {
    s.lock().unwrap_or_else(|e| e.into_inner())
}

/// A [`Fetcher`] over the simulator's file map below `prefix` (`metadata/` or `targets/`).
#[derive(Debug, Clone)]
pub struct SimFetcher {
    served: SharedServed,
    prefix: &'static str,
}

impl Fetcher for SimFetcher {
    fn open(&self, relative: &str) -> Result<Box<dyn Read + '_>, FetchError> {
        let name = format!("{}{relative}", self.prefix);
        match lock(&self.served).answer(&name) {
            Some(Response::Bytes(b)) => Ok(Box::new(std::io::Cursor::new(b))),
            Some(Response::Endless) => Ok(Box::new(std::io::repeat(b' '))),
            Some(Response::Status(404)) | None => Err(FetchError::NotFound),
            Some(Response::Status(s)) => Err(FetchError::Status(s)),
        }
    }

    fn location(&self, relative: &str) -> String {
        format!("sim:{}{relative}", self.prefix)
    }
}

// ---------------------------------------------------------------------------------------------
// The repository simulator
// ---------------------------------------------------------------------------------------------

/// A TUF repository held as typed metadata and published into an in-memory file map.
///
/// `publish_*` methods sign with the role's [`RepoSim::signers`] and record the bytes as the
/// role's latest *legitimate* publication; `put*` methods serve arbitrary (attacker) bytes and
/// record nothing. [`RepoSim::repair`] republishes every role with fresh versions and expiries.
pub struct RepoSim {
    /// Root.
    pub root: Metadata<Root>,
    /// Timestamp.
    pub timestamp: Metadata<Timestamp>,
    /// Snapshot.
    pub snapshot: Metadata<Snapshot>,
    /// Top-level targets.
    pub targets: Metadata<Targets>,
    /// Delegated targets roles by name.
    pub delegated: BTreeMap<String, Metadata<Targets>>,
    /// Who signs each role when it is published.
    pub signers: BTreeMap<String, Vec<Signer>>,
    /// Whether timestamp and snapshot `meta` entries carry length and hashes.
    pub meta_hashes: bool,
    /// Target path → content, for every target added with [`RepoSim::add_target`].
    pub target_content: BTreeMap<String, Vec<u8>>,
    /// The first root (what a client ships with).
    pub initial_root: Vec<u8>,
    served: SharedServed,
    latest: BTreeMap<String, Vec<u8>>,
    history: BTreeMap<String, Vec<Vec<u8>>>,
    max_version: BTreeMap<String, u64>,
    next_key: u64,
}

impl Default for RepoSim {
    fn default() -> Self {
        Self::new()
    }
}

impl RepoSim {
    /// A repository with consistent snapshots, one Ed25519 key per top-level role, everything
    /// at version 1 and published.
    pub fn new() -> Self {
        Self::build(true, Signer::ed25519)
    }

    /// Like [`RepoSim::new`] with `consistent_snapshot` set as given.
    pub fn with_consistent_snapshot(consistent: bool) -> Self {
        Self::build(consistent, Signer::ed25519)
    }

    /// A repository whose top-level keys are made by `key` (called with 1, 2, 3, 4).
    pub fn with_keys(key: impl Fn(u64) -> Signer) -> Self {
        Self::build(true, key)
    }

    fn build(consistent: bool, key: impl Fn(u64) -> Signer) -> Self {
        let mut keys = BTreeMap::new();
        let mut roles = BTreeMap::new();
        let mut signers = BTreeMap::new();
        for (i, role) in ["root", "timestamp", "snapshot", "targets"]
            .iter()
            .enumerate()
        {
            let s = key(i as u64 + 1);
            keys.insert(s.keyid.clone(), s.key.clone());
            roles.insert((*role).to_owned(), Role::new(vec![s.keyid.clone()], 1));
            signers.insert((*role).to_owned(), vec![s]);
        }
        let root = metadata(Root {
            common: Common::new(1, in_future()),
            consistent_snapshot: Some(consistent),
            keys,
            roles,
        });
        let timestamp = metadata(Timestamp {
            common: Common::new(1, in_future()),
            snapshot_meta: MetaFile::new(1),
            meta_unknown: Fields::new(),
        });
        let mut meta = BTreeMap::new();
        meta.insert("targets.json".to_owned(), MetaFile::new(1));
        let snapshot = metadata(Snapshot {
            common: Common::new(1, in_future()),
            meta,
        });
        let mut sim = Self {
            root,
            timestamp,
            snapshot,
            targets: empty_targets(),
            delegated: BTreeMap::new(),
            signers,
            meta_hashes: false,
            target_content: BTreeMap::new(),
            initial_root: Vec::new(),
            served: SharedServed::default(),
            latest: BTreeMap::new(),
            history: BTreeMap::new(),
            max_version: BTreeMap::new(),
            next_key: 100,
        };
        sim.initial_root = sim.publish_root();
        sim.publish();
        sim
    }

    // --- keys ------------------------------------------------------------------------------

    /// A fresh Ed25519 key (not added anywhere).
    pub fn new_signer(&mut self) -> Signer {
        self.next_key += 1;
        Signer::ed25519(self.next_key)
    }

    /// Adds `signer` to top-level `role` in root (keys and keyids) and to its signers.
    pub fn add_key(&mut self, role: &str, signer: Signer) {
        let r = &mut self.root.signed;
        r.keys.insert(signer.keyid.clone(), signer.key.clone());
        r.roles
            .get_mut(role)
            .expect("top-level role")
            .keyids
            .push(signer.keyid.clone());
        self.signers
            .entry(role.to_owned())
            .or_default()
            .push(signer);
    }

    /// Replaces every key of top-level `role` by one fresh key (root is not republished).
    pub fn rotate_keys(&mut self, role: &str) -> Signer {
        let old = std::mem::take(
            &mut self
                .root
                .signed
                .roles
                .get_mut(role)
                .expect("top-level role")
                .keyids,
        );
        for id in old {
            if !self
                .root
                .signed
                .roles
                .values()
                .any(|r| r.keyids.contains(&id))
            {
                self.root.signed.keys.remove(&id);
            }
        }
        self.signers.insert(role.to_owned(), Vec::new());
        let s = self.new_signer();
        self.add_key(role, s.clone());
        s
    }

    /// The signers of `role`.
    pub fn signers_of(&self, role: &str) -> Vec<Signer> {
        self.signers.get(role).cloned().unwrap_or_default()
    }

    // --- names and the file map --------------------------------------------------------------

    /// Shared handle on the served files (for [`HttpServer::serve_sim`]).
    pub fn served(&self) -> SharedServed {
        self.served.clone()
    }

    /// A fetcher for `metadata/`.
    pub fn metadata_fetcher(&self) -> SimFetcher {
        SimFetcher {
            served: self.served.clone(),
            prefix: "metadata/",
        }
    }

    /// A fetcher for `targets/`.
    pub fn targets_fetcher(&self) -> SimFetcher {
        SimFetcher {
            served: self.served.clone(),
            prefix: "targets/",
        }
    }

    /// The file name (below `metadata/`) of `role` at `version`.
    pub fn metadata_name(&self, role: &str, version: u64) -> String {
        match role {
            "root" => format!("{version}.root.json"),
            "timestamp" => "timestamp.json".to_owned(),
            _ if self.root.signed.consistent_snapshot() => {
                format!("{version}.{}.json", quote_role(role))
            }
            _ => format!("{}.json", quote_role(role)),
        }
    }

    /// Serves `bytes` at `name` (a full path such as `metadata/timestamp.json`).
    pub fn put(&self, name: &str, bytes: Vec<u8>) {
        lock(&self.served)
            .files
            .insert(name.to_owned(), Response::Bytes(bytes));
    }

    /// Serves `bytes` as `metadata/{name}`.
    pub fn put_metadata(&self, name: &str, bytes: Vec<u8>) {
        self.put(&format!("metadata/{name}"), bytes);
    }

    /// Serves `bytes` as the file of `role` at `version` (the name the client asks for).
    pub fn put_role(&self, role: &str, version: u64, bytes: Vec<u8>) {
        self.put_metadata(&self.metadata_name(role, version), bytes);
    }

    /// Answers `name` with an HTTP status.
    pub fn set_status(&self, name: &str, status: u16) {
        lock(&self.served)
            .files
            .insert(name.to_owned(), Response::Status(status));
    }

    /// Answers `name` with a body that never ends.
    pub fn set_endless(&self, name: &str) {
        lock(&self.served)
            .files
            .insert(name.to_owned(), Response::Endless);
    }

    /// Stops serving `name`.
    pub fn remove(&self, name: &str) {
        lock(&self.served).files.remove(name);
    }

    /// The bytes served at `name`.
    pub fn file(&self, name: &str) -> Option<Vec<u8>> {
        match lock(&self.served).files.get(name) {
            Some(Response::Bytes(b)) => Some(b.clone()),
            _ => None,
        }
    }

    /// Every request so far (full paths), in order.
    pub fn requests(&self) -> Vec<String> {
        lock(&self.served).log.clone()
    }

    /// Requests below `metadata/`, without the prefix.
    pub fn metadata_requests(&self) -> Vec<String> {
        self.requests_below("metadata/")
    }

    /// Requests below `targets/`, without the prefix.
    pub fn target_requests(&self) -> Vec<String> {
        self.requests_below("targets/")
    }

    fn requests_below(&self, prefix: &str) -> Vec<String> {
        self.requests()
            .iter()
            .filter_map(|r| r.strip_prefix(prefix).map(str::to_owned))
            .collect()
    }

    /// Forgets the requests so far.
    pub fn clear_requests(&self) {
        lock(&self.served).log.clear();
    }

    // --- publishing ----------------------------------------------------------------------------

    fn record(&mut self, role: &str, version: u64, bytes: &[u8]) {
        let name = self.metadata_name(role, version);
        self.put_metadata(&name, bytes.to_vec());
        self.latest.insert(role.to_owned(), bytes.to_vec());
        self.history
            .entry(role.to_owned())
            .or_default()
            .push(bytes.to_vec());
        let m = self.max_version.entry(role.to_owned()).or_default();
        *m = (*m).max(version);
    }

    fn metafile(&self, version: u64, bytes: &[u8]) -> MetaFile {
        let mut m = MetaFile::new(version);
        if self.meta_hashes {
            m.length = Some(bytes.len() as u64);
            let mut h = Hashes::new();
            h.insert("sha256".to_owned(), sha256_hex(bytes));
            m.hashes = Some(h);
        }
        m
    }

    /// The latest legitimately published bytes of `role`.
    pub fn latest(&self, role: &str) -> Option<&[u8]> {
        self.latest.get(role).map(Vec::as_slice)
    }

    /// Whether `bytes` were ever legitimately published for `role`.
    pub fn was_published(&self, role: &str, bytes: &[u8]) -> bool {
        self.history
            .get(role)
            .is_some_and(|h| h.iter().any(|b| b == bytes))
    }

    /// Signs root with root's signers and publishes it as `{version}.root.json`.
    pub fn publish_root(&mut self) -> Vec<u8> {
        let signers = self.signers_of("root");
        self.publish_root_signed_by(&signers)
    }

    /// Signs root with `signers` (e.g. the old and the new root keys) and publishes it.
    pub fn publish_root_signed_by(&mut self, signers: &[Signer]) -> Vec<u8> {
        let bytes = sign_metadata(&mut self.root, signers);
        let v = self.root.signed.common.version;
        self.record("root", v, &bytes);
        bytes
    }

    /// Root's version + 1, signed by root's signers, published.
    pub fn bump_root(&mut self) -> Vec<u8> {
        self.root.signed.common.version += 1;
        self.publish_root()
    }

    /// Root's version + 1, signed by `signers`, published.
    pub fn bump_root_signed_by(&mut self, signers: &[Signer]) -> Vec<u8> {
        self.root.signed.common.version += 1;
        self.publish_root_signed_by(signers)
    }

    /// `targets` or a delegated role's metadata.
    pub fn targets_md(&mut self, role: &str) -> &mut Metadata<Targets> {
        if role == "targets" {
            &mut self.targets
        } else {
            self.delegated.get_mut(role).expect("known delegated role")
        }
    }

    /// The bytes `role` would be published as now (signed by its signers), without serving them.
    pub fn signed_targets(&mut self, role: &str) -> Vec<u8> {
        let signers = self.signers_of(role);
        sign_metadata(self.targets_md(role), &signers)
    }

    /// Publishes targets role `role` and lists it in snapshot's `meta` (snapshot is not
    /// republished).
    pub fn publish_targets(&mut self, role: &str) -> Vec<u8> {
        let bytes = self.signed_targets(role);
        let v = self.targets_md(role).signed.common.version;
        self.record(role, v, &bytes);
        let entry = self.metafile(v, &bytes);
        self.snapshot
            .signed
            .meta
            .insert(format!("{role}.json"), entry);
        bytes
    }

    /// The bytes snapshot would be published as now.
    pub fn signed_snapshot(&mut self) -> Vec<u8> {
        let signers = self.signers_of("snapshot");
        sign_metadata(&mut self.snapshot, &signers)
    }

    /// Publishes snapshot and points timestamp at it (timestamp is not republished).
    pub fn publish_snapshot(&mut self) -> Vec<u8> {
        let bytes = self.signed_snapshot();
        let v = self.snapshot.signed.common.version;
        self.record("snapshot", v, &bytes);
        self.timestamp.signed.snapshot_meta = self.metafile(v, &bytes);
        bytes
    }

    /// The bytes timestamp would be published as now.
    pub fn signed_timestamp(&mut self) -> Vec<u8> {
        let signers = self.signers_of("timestamp");
        sign_metadata(&mut self.timestamp, &signers)
    }

    /// Publishes timestamp.
    pub fn publish_timestamp(&mut self) -> Vec<u8> {
        let bytes = self.signed_timestamp();
        let v = self.timestamp.signed.common.version;
        self.record("timestamp", v, &bytes);
        bytes
    }

    /// Publishes every targets role, then snapshot, then timestamp (versions unchanged).
    pub fn publish(&mut self) {
        let names: Vec<String> = self.delegated.keys().cloned().collect();
        for name in names {
            self.publish_targets(&name);
        }
        self.publish_targets("targets");
        self.publish_snapshot();
        self.publish_timestamp();
    }

    /// Timestamp version + 1, published.
    pub fn update_timestamp(&mut self) -> Vec<u8> {
        self.timestamp.signed.common.version += 1;
        self.publish_timestamp()
    }

    /// Snapshot version + 1, published, then [`RepoSim::update_timestamp`].
    pub fn update_snapshot(&mut self) -> Vec<u8> {
        self.snapshot.signed.common.version += 1;
        let b = self.publish_snapshot();
        self.update_timestamp();
        b
    }

    /// `role`'s version + 1, published, then [`RepoSim::update_snapshot`].
    pub fn update_targets(&mut self, role: &str) -> Vec<u8> {
        self.targets_md(role).signed.common.version += 1;
        let b = self.publish_targets(role);
        self.update_snapshot();
        b
    }

    /// Undoes an attack: every role but root gets a version above any it was published with, a
    /// future expiry, and is republished with its signers.
    pub fn repair(&mut self) {
        let mut names: Vec<String> = self.delegated.keys().cloned().collect();
        names.push("targets".into());
        for name in names {
            let published = self.max_version.get(&name).copied().unwrap_or(0);
            let c = &mut self.targets_md(&name).signed.common;
            c.version = c.version.max(published) + 1;
            c.expires = in_future();
        }
        let published = |sim: &Self, role: &str| sim.max_version.get(role).copied().unwrap_or(0);
        let v = published(self, "snapshot").max(self.snapshot.signed.common.version) + 1;
        self.snapshot.signed.common.version = v;
        self.snapshot.signed.common.expires = in_future();
        let v = published(self, "timestamp").max(self.timestamp.signed.common.version) + 1;
        self.timestamp.signed.common.version = v;
        self.timestamp.signed.common.expires = in_future();
        self.publish();
    }

    // --- delegations and targets -------------------------------------------------------------

    /// Adds `role` to `delegator`'s delegations with `keys`, creates the role's (empty) metadata
    /// if new, and makes `keys` its signers. Nothing is published.
    pub fn add_delegation(&mut self, delegator: &str, role: DelegatedRole, keys: &[Signer]) {
        let name = role.name.clone();
        let d = self
            .targets_md(delegator)
            .signed
            .delegations
            .get_or_insert_with(|| Delegations {
                keys: BTreeMap::new(),
                roles: DelegatedRoles::Roles(Vec::new()),
                unknown: Fields::new(),
            });
        for k in keys {
            d.keys.insert(k.keyid.clone(), k.key.clone());
        }
        match &mut d.roles {
            DelegatedRoles::Roles(v) => v.push(role),
            DelegatedRoles::Succinct(_) => panic!("{delegator} uses succinct delegations"),
        }
        if !self.delegated.contains_key(&name) {
            self.delegated.insert(name.clone(), empty_targets());
            self.signers.insert(name, keys.to_vec());
        }
    }

    /// `delegator` delegates `name` (a fresh key, threshold 1) for `paths`; returns the key.
    pub fn delegate(
        &mut self,
        delegator: &str,
        name: &str,
        paths: &[&str],
        terminating: bool,
    ) -> Signer {
        let s = self.new_signer();
        self.add_delegation(
            delegator,
            delegated_role(name, &[&s], paths, terminating),
            std::slice::from_ref(&s),
        );
        s
    }

    /// `delegator` delegates to 2^`bit_length` succinct hash bins named `{prefix}-…` sharing one
    /// fresh key; every bin gets (empty) metadata. Returns the key.
    pub fn delegate_succinct(&mut self, delegator: &str, bit_length: u8, prefix: &str) -> Signer {
        let s = self.new_signer();
        let succinct = SuccinctRoles {
            keyids: vec![s.keyid.clone()],
            threshold: 1,
            bit_length,
            name_prefix: prefix.to_owned(),
            unknown: Fields::new(),
        };
        for bin in 0..succinct.bins() {
            let name = succinct.bin_name(bin);
            self.delegated.insert(name.clone(), empty_targets());
            self.signers.insert(name, vec![s.clone()]);
        }
        let mut keys = BTreeMap::new();
        keys.insert(s.keyid.clone(), s.key.clone());
        self.targets_md(delegator).signed.delegations = Some(Delegations {
            keys,
            roles: DelegatedRoles::Succinct(succinct),
            unknown: Fields::new(),
        });
        s
    }

    /// Lists `path` with `content` in `role` (not published) and serves the content under every
    /// name a client may ask for: `path` and `dir/HASH.base` for each listed hash.
    pub fn add_target(&mut self, role: &str, path: &str, content: &[u8]) {
        let tf = target_file(content);
        for hash in tf.hashes.values() {
            self.put(
                &format!("targets/{}", hash_prefixed(path, hash)),
                content.to_vec(),
            );
        }
        self.put(&format!("targets/{path}"), content.to_vec());
        self.targets_md(role)
            .signed
            .targets
            .insert(path.to_owned(), tf);
        self.target_content
            .insert(path.to_owned(), content.to_vec());
    }

    /// Serves `content` under every name of target `path` (to replace it with wrong bytes).
    pub fn put_target_content(&self, path: &str, content: &[u8]) {
        let tf = target_file(self.target_content.get(path).expect("known target"));
        for hash in tf.hashes.values() {
            self.put(
                &format!("targets/{}", hash_prefixed(path, hash)),
                content.to_vec(),
            );
        }
        self.put(&format!("targets/{path}"), content.to_vec());
    }
}

/// `dir/HASH.base` for target `path`.
pub fn hash_prefixed(path: &str, hash: &str) -> String {
    match path.rsplit_once('/') {
        Some((dir, base)) => format!("{dir}/{hash}.{base}"),
        None => format!("{hash}.{path}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The client harness
// ---------------------------------------------------------------------------------------------

/// An updater over the simulator.
pub type SimUpdater = Updater<DirStore, SimFetcher>;

/// A client installation: a metadata directory bootstrapped with the simulator's first root,
/// and a download directory.
pub struct Client {
    /// Holds `metadata/` and `downloads/`.
    pub dir: tempfile::TempDir,
    /// The configuration of every updater this client makes.
    pub config: UpdaterConfig,
}

impl Client {
    /// A client that ships `sim`'s first root, with [`config`].
    pub fn new(sim: &RepoSim) -> Self {
        Self::with_config(sim, config())
    }

    /// A client that ships `sim`'s first root, with `config`.
    pub fn with_config(sim: &RepoSim, config: UpdaterConfig) -> Self {
        Self::with_root(&sim.initial_root, sim.metadata_fetcher(), config)
    }

    /// A client that ships `root`; `fetcher` is not used (bootstrap does no I/O).
    pub fn with_root(root: &[u8], fetcher: impl Fetcher, config: UpdaterConfig) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = DirStore::new(dir.path().join("metadata")).expect("metadata dir");
        std::fs::create_dir_all(dir.path().join("downloads")).expect("download dir");
        Updater::bootstrap(store, fetcher, config.clone(), root).expect("bootstrap");
        Self { dir, config }
    }

    /// The metadata directory.
    pub fn metadata_dir(&self) -> PathBuf {
        self.dir.path().join("metadata")
    }

    /// The store over the metadata directory.
    pub fn store(&self) -> DirStore {
        DirStore::new(self.metadata_dir()).expect("metadata dir")
    }

    /// A new updater from the persisted state over `fetcher`.
    pub fn updater_with<F: Fetcher>(&self, fetcher: F) -> Updater<DirStore, F> {
        Updater::new(self.store(), fetcher, self.config.clone()).expect("persisted root loads")
    }

    /// A new updater from the persisted state over `sim`.
    pub fn updater(&self, sim: &RepoSim) -> SimUpdater {
        self.updater_with(sim.metadata_fetcher())
    }

    /// A new updater, refreshed.
    pub fn refresh(&self, sim: &RepoSim) -> Result<SimUpdater, TufError> {
        let mut u = self.updater(sim);
        u.refresh()?;
        Ok(u)
    }

    /// Where [`Client::download`] writes target `path`.
    pub fn dest(&self, path: &str) -> PathBuf {
        self.dir.path().join("downloads").join(quote_role(path))
    }

    /// The download directory.
    pub fn download_dir(&self) -> PathBuf {
        self.dir.path().join("downloads")
    }

    /// Refreshes, looks `path` up and downloads it to [`Client::dest`].
    pub fn download(&self, sim: &RepoSim, path: &str) -> Result<PathBuf, TufError> {
        let mut u = self.refresh(sim)?;
        let info = u.get_targetinfo(path)?;
        u.download_target(&info, &sim.targets_fetcher(), &self.dest(path))
    }

    /// The persisted bytes of `role`.
    pub fn stored(&self, role: &str) -> Option<Vec<u8>> {
        std::fs::read(self.store().path(role)).ok()
    }

    /// The persisted version of `role`.
    pub fn stored_version(&self, role: &str) -> Option<u64> {
        self.stored(role)
            .map(|b| to_json(&b)["signed"]["version"].as_u64().expect("version"))
    }

    /// Every file in the metadata directory, by file name.
    pub fn stored_files(&self) -> BTreeMap<String, Vec<u8>> {
        files_in(&self.metadata_dir())
    }

    /// Asserts that no persisted file holds `bytes` (attacker bytes are never written).
    pub fn assert_not_stored(&self, bytes: &[u8]) {
        for (name, b) in self.stored_files() {
            assert!(b != bytes, "attacker bytes were persisted as {name}");
        }
    }

    /// The repository is repaired ([`RepoSim::repair`]); then [`Client::assert_up_to_date`].
    pub fn assert_recovers(&self, sim: &mut RepoSim) {
        sim.repair();
        self.assert_up_to_date(sim);
    }

    /// A new updater refreshes, finds and downloads every target with the right bytes, and the
    /// metadata directory then holds exactly the latest legitimate bytes of root, timestamp,
    /// snapshot and targets, and only legitimately published bytes of delegated roles.
    pub fn assert_up_to_date(&self, sim: &RepoSim) {
        let mut u = self
            .refresh(sim)
            .unwrap_or_else(|e| panic!("refresh after repair failed: {e:?}"));
        for (path, content) in &sim.target_content {
            let info = u
                .get_targetinfo(path)
                .unwrap_or_else(|e| panic!("{path} after repair: {e:?}"));
            let dest = self.dest(path);
            let _ = std::fs::remove_file(&dest);
            u.download_target(&info, &sim.targets_fetcher(), &dest)
                .unwrap_or_else(|e| panic!("download of {path} after repair: {e:?}"));
            assert_eq!(&std::fs::read(&dest).unwrap(), content, "{path}");
        }
        self.assert_only_verified_bytes(sim);
    }

    /// The metadata directory holds the latest legitimate bytes of each top-level role and
    /// only legitimately published bytes of delegated roles, and nothing else.
    pub fn assert_only_verified_bytes(&self, sim: &RepoSim) {
        for (file, bytes) in self.stored_files() {
            let role = file
                .strip_suffix(".json")
                .unwrap_or_else(|| panic!("unexpected file {file} in the metadata directory"));
            let role = percent_decode(role);
            if ["root", "timestamp", "snapshot", "targets"].contains(&role.as_str()) {
                assert!(
                    sim.latest(&role) == Some(bytes.as_slice()),
                    "{file} is not the latest published {role}"
                );
            } else {
                assert!(
                    sim.was_published(&role, &bytes),
                    "{file} holds bytes never published for {role}"
                );
            }
        }
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).expect("utf-8")
}

/// Every regular file directly in `dir`, by name.
pub fn files_in(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).expect("readable dir") {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            out.insert(
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            );
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Loopback HTTP server
// ---------------------------------------------------------------------------------------------

#[derive(Clone)]
enum Source {
    Sim(SharedServed),
    Dir(PathBuf, Arc<Mutex<Vec<String>>>),
}

/// A static HTTP server on 127.0.0.1 (axum, in a background tokio runtime). It answers
/// `GET /PATH` with the file at the raw, not percent-decoded, `PATH`, so `1.a%2Fb.json` is the
/// file of that name, as on a static file host.
pub struct HttpServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    source: Source,
    runtime: Option<tokio::runtime::Runtime>,
}

impl HttpServer {
    /// Serves the simulator's file map (requests are logged in it).
    pub fn serve_sim(sim: &RepoSim) -> Self {
        Self::start(Source::Sim(sim.served()))
    }

    /// Serves the files below `dir`.
    pub fn serve_dir(dir: &Path) -> Self {
        Self::start(Source::Dir(dir.to_path_buf(), Arc::default()))
    }

    fn start(source: Source) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_io()
            .build()
            .expect("tokio runtime");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("local addr");
        let app = axum::Router::new()
            .fallback(serve_file)
            .with_state(source.clone());
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
            let _ = axum::serve(listener, app).await;
        });
        Self {
            base: format!("http://{addr}"),
            source,
            runtime: Some(runtime),
        }
    }

    /// The URL of directory `sub` (`metadata`, `targets`), with a trailing `/`.
    pub fn url(&self, sub: &str) -> String {
        format!("{}/{sub}/", self.base)
    }

    /// Paths requested so far (directory mode; the simulator logs its own).
    pub fn requests(&self) -> Vec<String> {
        match &self.source {
            Source::Sim(s) => lock(s).log.clone(),
            Source::Dir(_, log) => log.lock().unwrap_or_else(|e| e.into_inner()).clone(),
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

async fn serve_file(
    axum::extract::State(source): axum::extract::State<Source>,
    uri: axum::http::Uri,
) -> axum::response::Response {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    // The raw path: `%2F` stays `%2F`.
    let name = uri.path().trim_start_matches('/').to_owned();
    let answer = match &source {
        Source::Sim(s) => lock(s).answer(&name),
        Source::Dir(dir, log) => {
            log.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(name.clone());
            if name
                .split('/')
                .any(|seg| seg.is_empty() || seg == "." || seg == "..")
            {
                Some(Response::Status(400))
            } else {
                std::fs::read(dir.join(&name)).ok().map(Response::Bytes)
            }
        }
    };
    match answer {
        Some(Response::Bytes(b)) => (StatusCode::OK, b).into_response(),
        // Far more than any cap the tests use (a truly endless body needs a stream type that
        // axum does not re-export; see `EndlessServer` for one).
        Some(Response::Endless) => (StatusCode::OK, vec![b' '; 4 << 20]).into_response(),
        Some(Response::Status(s)) => StatusCode::from_u16(s)
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A loopback HTTP server whose every answer is `200` with a body that never ends (plain
/// `std::net`, one thread per connection, each ending when the client hangs up).
pub struct EndlessServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl EndlessServer {
    /// Starts the server (its thread lives until the test process exits).
    pub fn start() -> Self {
        use std::io::Write;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                std::thread::spawn(move || {
                    let mut buf = [0u8; 4096];
                    let mut head = Vec::new();
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match conn.read(&mut buf) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let _ = conn.write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n",
                    );
                    let chunk = [b' '; 16 * 1024];
                    while conn.write_all(&chunk).is_ok() {}
                });
            }
        });
        Self {
            base: format!("http://{addr}"),
        }
    }
}

/// Asserts that `$result` is an `Err` matching the pattern (with an optional `if` guard, matched
/// against a reference to the error) and evaluates to the error.
#[allow(unused_macros)]
macro_rules! assert_err {
    ($result:expr, $($pattern:tt)+) => {
        match $result {
            Ok(_) => panic!("expected an error matching `{}`, got Ok", stringify!($($pattern)+)),
            Err(e) => {
                assert!(
                    matches!(&e, $($pattern)+),
                    "expected an error matching `{}`, got {e:?}",
                    stringify!($($pattern)+)
                );
                e
            }
        }
    };
}
