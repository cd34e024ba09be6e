//! `tuf_tough`: the sigstore-rs TUF client (the `tough` crate, awslabs/tough, as sigstore 0.15
//! uses it: `RepositoryLoader`, safe expiration enforcement, a reqwest 0.13 transport) behind the
//! command line of the conformance client that `tuf_compare` times for lumen-tuf.
//!
//! ```text
//! tuf_tough --metadata-dir D --metadata-url U refresh
//! tuf_tough --metadata-dir D --metadata-url U --target-name T --target-dir TD --target-base-url TU download
//! ```
//!
//! The trusted root is `D/root.json`; `D` is also tough's datastore (where it keeps the last
//! timestamp/snapshot/targets it accepted, for its rollback checks, and rewrites `root.json`).
//! Exit status 0 on success, 1 on any failure with the error on stderr.
//!
//! What one run costs, by tough's design (tough 0.24.0, `src/lib.rs`):
//! - `RepositoryLoader::load` is the whole refresh: root, timestamp, snapshot, top-level targets,
//!   and then, EAGERLY, EVERY delegated targets role listed in snapshot, recursively
//!   (`load_delegations`), each fetched, signature-checked and re-serialized into the datastore,
//!   whatever target will be asked for later. After that, `Targets::validate` checks every
//!   target of every delegated role against the delegation tree (a `find_target` per target,
//!   which walks the roles in order and, for `path_hash_prefixes`, hashes the target name again
//!   for each prefix of each role it passes). With PEP 458's 16,384 bins and 2.27 M targets the
//!   delegated metadata, not the top-level files, dominates, and the validation pass grows as
//!   targets × bins.
//! - Nothing is reused from the datastore: a warm refresh downloads and verifies the same files
//!   as a cold one (the datastore only feeds the rollback checks).
//! - A lookup is then in memory (`read_target` searches the already-loaded tree); the download
//!   fetches `TU/<sha256 hex>.<target path>` when the root has `consistent_snapshot` (the hash
//!   prefixes the whole path, not its file name) and checks length and sha256 while streaming.
//! - Delegations must be a `roles` list: tough has no `succinct_roles` (TAP 15).

use futures_core::Stream;
use std::path::PathBuf;
use std::pin::Pin;
use std::process::ExitCode;
use std::task::{Context, Poll};
use tough::{
    Bytes, ExpirationEnforcement, FilesystemTransport, IntoVec, Limits, RepositoryLoader,
    TargetName, Transport, TransportError, TransportErrorKind, TransportStream,
};
use url::Url;

type BoxError = Box<dyn std::error::Error>;

/// The transport of sigstore-rs (`src/trust/sigstore/transport.rs` in sigstore 0.15.0): a
/// `reqwest` 0.13 client for http(s), tough's `FilesystemTransport` for `file://`; 404, 403 and
/// 410 map to `FileNotFound`. No retries, no TLS (the benchmark serves loopback HTTP).
#[derive(Clone, Debug)]
struct ReqwestTransport {
    client: reqwest::Client,
}

#[tough::async_trait]
impl Transport for ReqwestTransport {
    async fn fetch(&self, url: Url) -> Result<TransportStream, TransportError> {
        match url.scheme() {
            "file" => FilesystemTransport.fetch(url).await,
            "http" | "https" => {
                let response = self
                    .client
                    .get(url.as_str())
                    .send()
                    .await
                    .and_then(|r| r.error_for_status())
                    .map_err(|e| {
                        let kind = match e.status() {
                            Some(s)
                                if s == reqwest::StatusCode::NOT_FOUND
                                    || s == reqwest::StatusCode::FORBIDDEN
                                    || s == reqwest::StatusCode::GONE =>
                            {
                                TransportErrorKind::FileNotFound
                            }
                            _ => TransportErrorKind::Other,
                        };
                        TransportError::new_with_cause(kind, url.clone(), e)
                    })?;
                Ok(Box::pin(BytesStream {
                    inner: Box::pin(response.bytes_stream()),
                    url,
                }))
            }
            _ => Err(TransportError::new(
                TransportErrorKind::UnsupportedUrlScheme,
                url,
            )),
        }
    }
}

type ReqwestStream = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send + Sync>>;

/// `reqwest`'s body stream with its errors turned into `TransportError`s.
struct BytesStream {
    inner: ReqwestStream,
    url: Url,
}

impl Stream for BytesStream {
    type Item = Result<Bytes, TransportError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx).map(|item| {
            item.map(|r| {
                r.map_err(|e| {
                    TransportError::new_with_cause(TransportErrorKind::Other, self.url.clone(), e)
                })
            })
        })
    }
}

#[derive(Default)]
struct Cli {
    metadata_dir: Option<PathBuf>,
    metadata_url: Option<String>,
    target_name: Option<String>,
    target_dir: Option<PathBuf>,
    target_base_url: Option<String>,
    command: Option<String>,
}

fn parse_args() -> Result<Cli, BoxError> {
    let mut cli = Cli::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--metadata-dir" => cli.metadata_dir = Some(value()?.into()),
            "--metadata-url" => cli.metadata_url = Some(value()?),
            "--target-name" => cli.target_name = Some(value()?),
            "--target-dir" => cli.target_dir = Some(value()?.into()),
            "--target-base-url" => cli.target_base_url = Some(value()?),
            "refresh" | "download" if cli.command.is_none() => cli.command = Some(a),
            _ => return Err(format!("unexpected argument {a:?}").into()),
        }
    }
    Ok(cli)
}

/// A directory URL: tough joins file names onto it, so it must end in `/`.
fn dir_url(s: &str) -> Result<Url, BoxError> {
    Ok(Url::parse(&if s.ends_with('/') {
        s.to_owned()
    } else {
        format!("{s}/")
    })?)
}

/// Percent-encodes a target path into one file name, as the other clients store targets.
fn quote(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

async fn run(cli: Cli) -> Result<(), BoxError> {
    let md = cli.metadata_dir.ok_or("--metadata-dir is required")?;
    let md_url = dir_url(&cli.metadata_url.ok_or("--metadata-url is required")?)?;
    let command = cli
        .command
        .ok_or("a command (refresh or download) is required")?;
    let download = command == "download";
    // Refresh never fetches a target, but the loader wants a targets URL all the same.
    let tg_url = match (&cli.target_base_url, download) {
        (Some(u), _) => dir_url(u)?,
        (None, false) => md_url.join("../targets/")?,
        (None, true) => return Err("--target-base-url is required".into()),
    };
    let root = std::fs::read(md.join("root.json"))?;
    let repo = RepositoryLoader::new(&root, md_url, tg_url)
        .transport(ReqwestTransport {
            client: reqwest::Client::new(),
        })
        .expiration_enforcement(ExpirationEnforcement::Safe)
        .limits(Limits {
            // Defaults are 1 MiB for root, timestamp and snapshot and 10 MiB for targets files
            // whose length snapshot does not give; the PEP 458 snapshot is ~590 KB and the
            // classic top-level targets ~3.1 MB, so leave room.
            max_root_size: 1 << 20,
            max_timestamp_size: 1 << 20,
            max_snapshot_size: 64 << 20,
            max_targets_size: 64 << 20,
            max_root_updates: 1024,
        })
        .datastore(&md)
        .load()
        .await?;
    if download {
        let name = cli.target_name.ok_or("--target-name is required")?;
        let dir = cli.target_dir.ok_or("--target-dir is required")?;
        let target = TargetName::new(name.as_str())?;
        let stream = repo
            .read_target(&target)
            .await?
            .ok_or_else(|| format!("target {name} not found"))?;
        // `into_vec` ends with an error on a length or sha256 mismatch, before anything is
        // written.
        let bytes = stream.into_vec().await?;
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(quote(&name)), bytes)?;
    }
    // The process ends now: skip freeing the metadata tree (lumen's conformance client does the
    // same).
    std::mem::forget(repo);
    Ok(())
}

fn main() -> ExitCode {
    // reqwest is built with `rustls-no-provider` here (lumen-tuf asks for it; features unify), so
    // a provider must be installed before a client is built even for plain http. aws-lc-rs, as
    // tough's own `HttpTransport` installs.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let result = std::panic::catch_unwind(|| {
        parse_args().and_then(|cli| {
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?
                .block_on(run(cli))
        })
    });
    match result {
        Err(_) => ExitCode::from(1),
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("error: {e}");
            let mut source = e.source();
            while let Some(s) = source {
                eprintln!("Caused by: {s}");
                source = s.source();
            }
            ExitCode::from(1)
        }
    }
}
