//! `lumen-tuf-conformance`: the client-under-test of the TUF conformance suite
//! (github.com/theupdateframework/tuf-conformance, `CLIENT-CLI.md`).
//!
//! ```text
//! lumen-tuf-conformance --metadata-dir D init ROOT
//! lumen-tuf-conformance --metadata-url U --metadata-dir D refresh
//! lumen-tuf-conformance --metadata-url U --metadata-dir D --target-name T [--target-name T2 …]
//!                       --target-dir TD --target-base-url TU download
//! ```
//!
//! Exit status 0 on success and exactly 1 on any failure, usage errors and panics included.
//! Metadata is kept in `D` under unversioned, percent-encoded role names, byte-identical to what
//! was downloaded; targets are stored in `TD` under their percent-encoded target path.
#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};
use lumen_tuf::fetch::{DirFetcher, Fetcher, HttpFetcher};
use lumen_tuf::keys::DangerousHmacSecrets;
use lumen_tuf::store::{DirStore, quote_role, write_atomic};
use lumen_tuf::{TufError, Updater, UpdaterConfig};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// At PEP 458 scale a refresh makes a few small allocations per delegated role and per snapshot
/// entry (16,384 of each); mimalloc serves them faster than glibc's allocator (the README's TUF
/// benchmark section has the numbers). Built without transparent huge pages (`no_thp`, set in the
/// workspace manifest): a fresh process then spent its time zeroing 2 MiB pages it barely used.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser, Debug)]
#[command(
    name = "lumen-tuf-conformance",
    about = "TUF conformance-suite client for lumen-tuf"
)]
struct Cli {
    /// Directory of the client's trusted metadata.
    #[arg(long)]
    metadata_dir: PathBuf,
    /// Base URL (or local directory) of the repository's metadata.
    #[arg(long)]
    metadata_url: Option<String>,
    /// Target path to download (repeatable; processed in order by one updater).
    #[arg(long = "target-name")]
    target_names: Vec<String>,
    /// Directory for downloaded targets.
    #[arg(long)]
    target_dir: Option<PathBuf>,
    /// Base URL (or local directory) of the repository's targets.
    #[arg(long)]
    target_base_url: Option<String>,
    /// DANGEROUS: trust `hmac-sha256` keys made from the shared secret in this file (closed
    /// deployments only; never valid for root).
    #[arg(long)]
    dangerous_hmac_shared_secret_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Installs ROOT as the trusted root (no network access).
    Init {
        /// The initial trusted root.json.
        root: PathBuf,
    },
    /// Updates the top-level metadata.
    Refresh,
    /// Refreshes, then downloads each target.
    Download,
}

type BoxError = Box<dyn std::error::Error>;

/// Writes `bytes` as the trusted root of the metadata directory `dir`, unverified: the protocol's
/// `init` installs the root it is given, and the first update verifies it (an application that
/// ships a root uses [`Updater::bootstrap`], which checks it first).
fn install_root(dir: &Path, bytes: &[u8]) -> Result<(), TufError> {
    std::fs::create_dir_all(dir).map_err(|source| TufError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let path = dir.join("root.json");
    write_atomic(&path, bytes).map_err(|source| TufError::Io { path, source })
}

fn fetcher(location: &str) -> Result<Box<dyn Fetcher>, BoxError> {
    if location.starts_with("http://") || location.starts_with("https://") {
        Ok(Box::new(HttpFetcher::new(location)?))
    } else {
        Ok(Box::new(DirFetcher::new(location)))
    }
}

fn run(cli: Cli) -> Result<(), BoxError> {
    let mut config = UpdaterConfig::default();
    if let Some(file) = &cli.dangerous_hmac_shared_secret_file {
        let secret = lumen_crypto::fs::read_regular_file(file, 1 << 20)?;
        let mut s = DangerousHmacSecrets::none();
        s.dangerous_add_shared_secret(&secret)?;
        config.dangerous_hmac_secrets = s;
    }
    match &cli.command {
        Command::Init { root } => {
            let bytes = lumen_crypto::fs::read_regular_file(root, 64 << 20)?;
            install_root(&cli.metadata_dir, &bytes)?;
            Ok(())
        }
        Command::Refresh => {
            let url = cli
                .metadata_url
                .as_deref()
                .ok_or("--metadata-url is required")?;
            let store = DirStore::new(&cli.metadata_dir)?;
            let mut updater = Updater::new(store, fetcher(url)?, config)?;
            updater.refresh()?;
            // The process ends now: skip freeing large metadata trees one node at a time.
            std::mem::forget(updater);
            Ok(())
        }
        Command::Download => {
            let url = cli
                .metadata_url
                .as_deref()
                .ok_or("--metadata-url is required")?;
            let target_dir = cli.target_dir.as_ref().ok_or("--target-dir is required")?;
            let base = cli
                .target_base_url
                .as_deref()
                .ok_or("--target-base-url is required")?;
            if cli.target_names.is_empty() {
                return Err("--target-name is required".into());
            }
            std::fs::create_dir_all(target_dir)?;
            let targets = fetcher(base)?;
            let store = DirStore::new(&cli.metadata_dir)?;
            let mut updater = Updater::new(store, fetcher(url)?, config)?;
            updater.refresh()?;
            for name in &cli.target_names {
                let info = updater.get_targetinfo(name)?;
                let dest = target_dir.join(quote_role(name));
                if updater.find_cached_target(&info, &dest).is_some() {
                    eprintln!("{name}: cached copy is valid");
                    continue;
                }
                updater.download_target(&info, targets.as_ref(), &dest)?;
                eprintln!("{name}: downloaded to {}", dest.display());
            }
            // The process ends now: skip freeing large metadata trees one node at a time.
            std::mem::forget(updater);
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(1);
        }
    };
    match std::panic::catch_unwind(move || run(cli)) {
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
        Err(_) => ExitCode::from(1),
    }
}
