#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! python-tuf 7 interoperability, both ways. lumen-tuf as the client: repositories written by
//! python-tuf (`tests/interop/pytuf_repo.py`, run with the venv of `scripts/python-tuf-env`;
//! ECDSA, Ed25519 and RSA roots, succinct and classic bins) are served over loopback HTTP and
//! from a directory; lumen-tuf bootstraps from `1.root.json`, walks to root v2, and downloads
//! targets whose SHA-256 must match python's manifest. A tampered python repository must be
//! rejected. python-tuf as the client (`tests/interop/pytuf_client.py`): repositories built by
//! lumen-tuf's editor, with succinct or classic bins and a cross-signed root rotation.
//!
//! These tests need Python ≥ 3.10 and (the first time) PyPI. They fail, never skip, when the
//! environment cannot be created.

#[macro_use]
mod common;

use common::{HttpServer, sha256_hex};
use lumen_tuf::fetch::{DirFetcher, Fetcher, HttpFetcher};
use lumen_tuf::metadata::DelegatedRoles;
use lumen_tuf::store::{DirStore, quote_role};
use lumen_tuf::{Mismatch, TufError, Updater, UpdaterConfig};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The venv python, created once per test process by `scripts/python-tuf-env`.
fn python() -> &'static Path {
    static PY: OnceLock<PathBuf> = OnceLock::new();
    PY.get_or_init(|| {
        let script = manifest_dir().join("../../scripts/python-tuf-env");
        let out = Command::new(&script).output().unwrap_or_else(|e| {
            panic!(
                "python-tuf interop tests need {}; it could not be run: {e}",
                script.display()
            )
        });
        assert!(
            out.status.success(),
            "the python-tuf environment could not be created ({} exited with {}); these \
             interoperability tests need Python >= 3.10 with venv/ensurepip and, the first time, \
             access to PyPI.\nstderr:\n{}",
            script.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let py = PathBuf::from(String::from_utf8(out.stdout).unwrap().trim());
        assert!(
            py.is_file(),
            "{} printed {}, which is not a file",
            script.display(),
            py.display()
        );
        py
    })
}

/// What `pytuf_repo.py` wrote.
struct PyRepo {
    dir: tempfile::TempDir,
    initial_root: Vec<u8>,
    /// path → (length, sha256 hex)
    targets: BTreeMap<String, (u64, String)>,
}

impl PyRepo {
    fn build(args: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let script = manifest_dir().join("tests/interop/pytuf_repo.py");
        let out = Command::new(python())
            .arg(&script)
            .arg(dir.path())
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pytuf_repo.py {args:?} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let manifest: Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("manifest.json")).unwrap())
                .unwrap();
        let initial_root =
            std::fs::read(dir.path().join(manifest["initial_root"].as_str().unwrap())).unwrap();
        let targets = manifest["targets"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(path, t)| {
                (
                    path.clone(),
                    (
                        t["length"].as_u64().unwrap(),
                        t["sha256"].as_str().unwrap().to_owned(),
                    ),
                )
            })
            .collect();
        Self {
            dir,
            initial_root,
            targets,
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn metadata_dir(&self) -> DirFetcher {
        DirFetcher::new(self.path("metadata"))
    }

    fn targets_dir(&self) -> DirFetcher {
        DirFetcher::new(self.path("targets"))
    }

    /// Edits the JSON of `metadata/{name}` in place, keeping python's file format.
    fn edit_json(&self, name: &str, edit: impl FnOnce(&mut Value)) -> Vec<u8> {
        let path = self.path(&format!("metadata/{name}"));
        let original = std::fs::read(&path).unwrap();
        let mut doc: Value = serde_json::from_slice(&original).unwrap();
        edit(&mut doc);
        std::fs::write(&path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
        original
    }

    fn restore(&self, name: &str, bytes: Vec<u8>) {
        std::fs::write(self.path(&format!("metadata/{name}")), bytes).unwrap();
    }
}

/// A lumen-tuf client (fresh state, real clock) bootstrapped from python's `1.root.json`.
struct LumenClient {
    state: tempfile::TempDir,
}

impl LumenClient {
    fn new() -> Self {
        Self {
            state: tempfile::tempdir().unwrap(),
        }
    }

    fn updater<F: Fetcher>(&self, repo: &PyRepo, metadata: F) -> Updater<DirStore, F> {
        let store = DirStore::new(self.state.path().join("metadata")).unwrap();
        Updater::bootstrap(
            store,
            metadata,
            UpdaterConfig::default(),
            &repo.initial_root,
        )
        .expect("python-tuf's 1.root.json verifies")
    }

    fn dest(&self, path: &str) -> PathBuf {
        self.state.path().join(quote_role(path))
    }
}

/// Refreshes (root v1 → v2), then finds and downloads every target and checks it against
/// python's manifest. Returns the updater for further checks.
fn update_and_download<F: Fetcher>(
    repo: &PyRepo,
    metadata: F,
    targets: &dyn Fetcher,
) -> Updater<DirStore, F> {
    let client = LumenClient::new();
    let mut u = client.updater(repo, metadata);
    u.refresh()
        .unwrap_or_else(|e| panic!("refresh from a python-tuf repository failed: {e:?}"));
    assert_eq!(u.trusted().root().signed().common.version, 2);
    assert!(!repo.targets.is_empty());
    for (path, (length, sha256)) in &repo.targets {
        let info = u
            .get_targetinfo(path)
            .unwrap_or_else(|e| panic!("{path}: {e:?}"));
        assert_eq!(info.file.length, *length, "{path}");
        let dest = client.dest(path);
        u.download_target(&info, targets, &dest)
            .unwrap_or_else(|e| panic!("download of {path} failed: {e:?}"));
        let bytes = std::fs::read(&dest).unwrap();
        assert_eq!(bytes.len() as u64, *length, "{path}");
        assert_eq!(&sha256_hex(&bytes), sha256, "{path}");
        assert_eq!(u.find_cached_target(&info, &dest), Some(dest.clone()));
    }
    u
}

/// Both transports: loopback HTTP (raw paths) and a directory mirror.
fn check_both_transports(repo: &PyRepo, check: impl Fn(&lumen_tuf::TrustedMetadataSet)) {
    let server = HttpServer::serve_dir(repo.dir.path());
    let u = update_and_download(
        repo,
        HttpFetcher::new(&server.url("metadata")).unwrap(),
        &HttpFetcher::new(&server.url("targets")).unwrap(),
    );
    check(u.trusted());
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r == "metadata/2.root.json"),
        "root v2 was not fetched over HTTP: {:?}",
        server.requests()
    );

    let u = update_and_download(repo, repo.metadata_dir(), &repo.targets_dir());
    check(u.trusted());
}

fn root_keytypes(t: &lumen_tuf::TrustedMetadataSet) -> Vec<(String, String)> {
    let root = t.root().signed();
    root.role("root")
        .unwrap()
        .keyids
        .iter()
        .map(|id| {
            let k = &root.keys[id];
            (k.keytype.clone(), k.scheme.clone())
        })
        .collect()
}

/// ECDSA P-256 root keys, succinct hash bins (`bins-0` … `bins-f`), consistent snapshots.
#[test]
fn python_tuf_ecdsa_root_with_succinct_bins() {
    let repo = PyRepo::build(&[
        "--root-key",
        "ecdsa",
        "--bins",
        "succinct",
        "--targets",
        "16",
    ]);
    check_both_transports(&repo, |t| {
        assert_eq!(
            root_keytypes(t),
            vec![("ecdsa".to_owned(), "ecdsa-sha2-nistp256".to_owned()); 3]
        );
        let d = t
            .targets("targets")
            .unwrap()
            .signed()
            .delegations
            .as_ref()
            .unwrap();
        assert!(matches!(&d.roles, DelegatedRoles::Succinct(s) if s.bit_length == 4));
        assert!((0..16).any(|i| t.targets(&format!("bins-{i:x}")).is_some()));
    });
}

/// Ed25519 root keys, 16 classic bins with `path_hash_prefixes`, consistent snapshots.
#[test]
fn python_tuf_ed25519_root_with_classic_bins() {
    let repo = PyRepo::build(&[
        "--root-key",
        "ed25519",
        "--bins",
        "classic",
        "--targets",
        "16",
    ]);
    check_both_transports(&repo, |t| {
        assert_eq!(
            root_keytypes(t),
            vec![("ed25519".to_owned(), "ed25519".to_owned()); 3]
        );
        let d = t
            .targets("targets")
            .unwrap()
            .signed()
            .delegations
            .as_ref()
            .unwrap();
        assert!(matches!(&d.roles, DelegatedRoles::Roles(r) if r.len() == 16));
    });
}

/// RSA-PSS (3072-bit) root keys, no delegations, no consistent snapshots (plain file names).
#[test]
fn python_tuf_rsa_root_without_bins_or_consistent_snapshot() {
    let repo = PyRepo::build(&[
        "--root-key",
        "rsa",
        "--bins",
        "none",
        "--no-consistent-snapshot",
        "--targets",
        "8",
    ]);
    check_both_transports(&repo, |t| {
        assert_eq!(
            root_keytypes(t),
            vec![("rsa".to_owned(), "rsassa-pss-sha256".to_owned()); 3]
        );
        assert!(!t.root().signed().consistent_snapshot());
        assert!(t.targets("targets").unwrap().signed().delegations.is_none());
    });
}

/// A python-built repository altered after signing is rejected, whatever was altered: root,
/// timestamp, a hash bin, or a target file.
#[test]
fn tampered_python_tuf_repository_is_rejected() {
    let repo = PyRepo::build(&[
        "--root-key",
        "ecdsa",
        "--bins",
        "succinct",
        "--targets",
        "6",
    ]);

    // root v2 with a later expiry than was signed.
    let original = repo.edit_json("2.root.json", |doc| {
        doc["signed"]["expires"] = Value::String("2099-01-01T00:00:00Z".into());
    });
    let client = LumenClient::new();
    assert_err!(
        client.updater(&repo, repo.metadata_dir()).refresh(),
        TufError::ThresholdNotMet { role, valid: 0, .. } if role == "root"
    );
    repo.restore("2.root.json", original);

    // root v2 with only one of the two old keys' signatures left (R3's).
    let client = LumenClient::new();
    let original = repo.edit_json("2.root.json", |doc| {
        let sigs = doc["signatures"].as_array_mut().unwrap();
        sigs.remove(0);
        sigs.remove(0);
    });
    assert_err!(
        client.updater(&repo, repo.metadata_dir()).refresh(),
        TufError::ThresholdNotMet { role, threshold: 2, .. } if role == "root"
    );
    repo.restore("2.root.json", original);

    // timestamp pointing at another snapshot version than was signed.
    let client = LumenClient::new();
    let original = repo.edit_json("timestamp.json", |doc| {
        doc["signed"]["meta"]["snapshot.json"]["version"] = Value::from(2);
    });
    assert_err!(
        client.updater(&repo, repo.metadata_dir()).refresh(),
        TufError::ThresholdNotMet { role, .. } if role == "timestamp"
    );
    repo.restore("timestamp.json", original);

    // A bin whose target length was changed in place (same file length): snapshot pins the
    // bin's hash.
    let (path, (length, _)) = repo.targets.iter().next().unwrap();
    let bin = (0..16)
        .map(|i| format!("bins-{i:x}"))
        .find(|b| {
            std::fs::read_to_string(repo.path(&format!("metadata/1.{b}.json")))
                .unwrap()
                .contains(path.as_str())
        })
        .unwrap();
    let bin_path = repo.path(&format!("metadata/1.{bin}.json"));
    let original = std::fs::read_to_string(&bin_path).unwrap();
    let entry = original.find(&format!("\"{path}\"")).unwrap();
    let field = format!("\"length\": {length}");
    let at = entry + original[entry..].find(&field).unwrap();
    let tampered = format!(
        "{}\"length\": {}{}",
        &original[..at],
        length + 1,
        &original[at + field.len()..]
    );
    assert_eq!(tampered.len(), original.len(), "lengths are 200..=800");
    std::fs::write(&bin_path, tampered).unwrap();
    let client = LumenClient::new();
    let mut u = client.updater(&repo, repo.metadata_dir());
    u.refresh().unwrap();
    assert_err!(
        u.get_targetinfo(path),
        TufError::LengthOrHashMismatch { what, mismatch: Mismatch::Hash { .. } }
            if *what == format!("{bin}.json")
    );
    std::fs::write(&bin_path, original).unwrap();

    // A target file with one byte flipped.
    let client = LumenClient::new();
    let mut u = client.updater(&repo, repo.metadata_dir());
    let info = u.get_targetinfo(path).unwrap();
    let served = repo.path(&format!(
        "targets/{}",
        common::hash_prefixed(path, info.file.hashes.get("sha256").unwrap())
    ));
    let mut bytes = std::fs::read(&served).unwrap();
    bytes[0] ^= 0xff;
    std::fs::write(&served, &bytes).unwrap();
    let dest = client.dest(path);
    assert_err!(
        u.download_target(&info, &repo.targets_dir(), &dest),
        TufError::LengthOrHashMismatch {
            mismatch: Mismatch::Hash { .. },
            ..
        }
    );
    assert!(!dest.exists());
    bytes[0] ^= 0xff;
    std::fs::write(&served, &bytes).unwrap();

    // Restored, the repository verifies again.
    update_and_download(&repo, repo.metadata_dir(), &repo.targets_dir());
}

// ---------------------------------------------------------------------------------------------
// python-tuf as the client: repositories built by lumen-tuf's editor.

mod lumen_built {
    use super::{HttpServer, python, sha256_hex};
    use lumen_crypto::ed25519::Ed25519SigningKey;
    use lumen_tuf::editor::{
        InitOptions, KeyChange, Keyring, Repository, RoleSpec, Signer, key_id,
    };
    use std::path::Path;
    use std::process::Command;

    fn signer(n: u8) -> Signer {
        Signer::ed25519(Ed25519SigningKey::from_seed(&[n; 32]))
    }

    fn now() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    }

    /// A consistent-snapshot repository: root key 1 (rotated to 11 in root v2, cross-signed),
    /// targets 2, snapshot 3, timestamp 4, bins 5 (succinct 16 bins or 16 classic hash bins),
    /// and `n` real target files. Returns the target paths and contents.
    fn build(dir: &Path, succinct: bool, n: usize) -> Vec<(String, Vec<u8>)> {
        let key = |n: u8| signer(n).public_key().clone();
        let options = InitOptions {
            root: RoleSpec::new(vec![key(1)], 1),
            targets: RoleSpec::new(vec![key(2)], 1),
            snapshot: RoleSpec::new(vec![key(3)], 1),
            timestamp: RoleSpec::new(vec![key(4)], 1),
            consistent_snapshot: true,
            config: Default::default(),
        };
        let mut keys = Keyring::new();
        for k in [1, 2, 3, 4, 5] {
            keys.add(signer(k));
        }
        let mut repo = Repository::create(dir, &options, &keys, now()).unwrap();
        if succinct {
            repo.delegate_succinct("targets", "bins", 4, vec![key(5)], 1)
                .unwrap();
        } else {
            repo.delegate_hash_bins("targets", "bins", 16, vec![key(5)], 1)
                .unwrap();
        }
        let src = tempfile::tempdir().unwrap();
        let mut out = Vec::new();
        for i in 0..n {
            let path = format!("pkg-{i}/pkg-{i}-1.0.tar.gz");
            let content = format!("lumen-built target {i} ({succinct})\n").repeat(i + 1);
            let file = src.path().join(format!("{i}"));
            std::fs::write(&file, &content).unwrap();
            repo.add_target_from_file(None, &path, &file, None).unwrap();
            out.push((path, content.into_bytes()));
        }
        repo.commit(&keys, now()).unwrap();
        // Root v2: root key 1 → 11, signed by both (python must walk the chain).
        repo.edit_root(now(), |r| {
            r.change_keys(
                "root",
                &KeyChange {
                    add: vec![key(11)],
                    remove: vec![key_id(&key(1)).unwrap()],
                    threshold: None,
                },
            )
        })
        .unwrap();
        repo.sign_root(&signer(11)).unwrap();
        assert!(repo.sign_root(&signer(1)).unwrap().is_complete());
        assert_eq!(
            repo.publish_root(&Keyring::new(), now())
                .unwrap()
                .root_version,
            Some(2)
        );
        out
    }

    fn run_python_client(
        server: &HttpServer,
        repo: &Path,
        targets: &[&str],
    ) -> std::process::Output {
        let client = tempfile::tempdir().unwrap();
        let script = super::manifest_dir().join("tests/interop/pytuf_client.py");
        Command::new(python())
            .arg(&script)
            .arg("--metadata-dir")
            .arg(client.path().join("metadata"))
            .arg("--metadata-url")
            .arg(server.url("metadata"))
            .arg("--target-base-url")
            .arg(server.url("targets"))
            .arg("--target-dir")
            .arg(client.path().join("targets"))
            .arg("--trusted-root")
            .arg(repo.join("metadata/1.root.json"))
            .args(targets.iter().flat_map(|t| ["--target", t]))
            .output()
            .unwrap()
    }

    fn python_reads(succinct: bool) {
        let dir = tempfile::tempdir().unwrap();
        let files = build(dir.path(), succinct, 12);
        let server = HttpServer::serve_dir(dir.path());
        let names: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        let out = run_python_client(&server, dir.path(), &names);
        assert!(
            out.status.success(),
            "python-tuf could not use the lumen-built repository:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), files.len());
        for ((path, content), line) in files.iter().zip(&lines) {
            assert_eq!(line["target"], path.as_str());
            assert_eq!(line["sha256"], sha256_hex(content).as_str());
        }

        // A target byte changed on the server: python-tuf refuses it.
        let (path, content) = &files[3];
        let digest = sha256_hex(content);
        let (d, base) = path.rsplit_once('/').unwrap();
        let served = dir
            .path()
            .join("targets")
            .join(d)
            .join(format!("{digest}.{base}"));
        let mut bad = content.clone();
        bad[0] ^= 1;
        std::fs::write(&served, &bad).unwrap();
        let out = run_python_client(&server, dir.path(), &[path]);
        assert!(
            !out.status.success(),
            "python-tuf accepted a tampered target"
        );
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("LengthOrHashMismatchError"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// python-tuf 7 `ngclient` refreshes (walking a cross-signed root rotation) and downloads
    /// every target from a lumen-built repository with succinct hash bins.
    #[test]
    fn python_tuf_client_reads_lumen_repository_with_succinct_bins() {
        python_reads(true);
    }

    /// The same with 16 classic `path_hash_prefixes` bins.
    #[test]
    fn python_tuf_client_reads_lumen_repository_with_classic_bins() {
        python_reads(false);
    }
}
