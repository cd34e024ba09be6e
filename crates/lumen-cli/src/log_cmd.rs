//! `lumen log …`: create, append to and serve a tiled transparency log.

use crate::cli::{
    LogAppendArgs, LogCommand, LogInitArgs, LogMonitorArgs, LogProveArgs, LogTarget,
    LogVerifyReceiptArgs,
};
use crate::error::CliError;
use crate::input::read_input;
use crate::out::write_stdout;
use lumen_crypto::ExposeSecret;
use lumen_crypto::fs::read_regular_file;
use lumen_crypto::keyfile::{read_private_file, write_atomic_private};
use lumen_tlog::appender::{Appender, AppenderOptions};
use lumen_tlog::monitor::{Monitor, MonitorOutcome};
use lumen_tlog::note::MAX_NOTE_SIZE;
use lumen_tlog::note::{Ed25519NoteSigner, Signer as _, Verifiers, generate_key};
use lumen_tlog::remote::HttpTiles;
use lumen_tlog::storage::{FsStorage, TileReader};
use lumen_tlog::writer::{CHECKPOINT_PATH, LogError, TileLog};
use std::path::Path;

pub(crate) fn run(cmd: LogCommand) -> Result<(), CliError> {
    match cmd {
        LogCommand::Init(args) => init(args),
        LogCommand::Append(args) => append(args),
        LogCommand::Serve(args) => crate::log_server::serve(args),
        LogCommand::Prove(args) => prove(args),
        LogCommand::VerifyReceipt(args) => verify_receipt(args),
        LogCommand::Monitor(args) => monitor(args),
    }
}

/// Reads the note signing key at `path` (refused if group or others can read it).
pub(crate) fn load_signer(path: &Path) -> Result<Ed25519NoteSigner, CliError> {
    let bytes = read_private_file(path).map_err(CliError::key_file)?;
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        CliError::usage(format!("{} is not a log signing key", path.display()))
            .hint("create one with `lumen log init`")
    })?;
    Ed25519NoteSigner::from_signer_key(text.trim()).map_err(|e| {
        CliError::usage(format!("{} is not a log signing key", path.display()))
            .caused_by(&e)
            .hint("create one with `lumen log init`")
    })
}

/// The signer and the origin: `--origin`, or the key's name.
pub(crate) fn target(log: &LogTarget) -> Result<(Ed25519NoteSigner, String), CliError> {
    let signer = load_signer(&log.key)?;
    let origin = log
        .origin
        .clone()
        .unwrap_or_else(|| signer.name().to_owned());
    Ok((signer, origin))
}

fn init(args: LogInitArgs) -> Result<(), CliError> {
    let storage = FsStorage::new(&args.dir).map_err(|e| {
        CliError::usage(format!("cannot create {}", args.dir.display())).caused_by(&e)
    })?;
    let key_parent = args
        .key
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let inside = match (
        std::fs::canonicalize(&args.dir),
        std::fs::canonicalize(key_parent),
    ) {
        (Ok(dir), Ok(key_dir)) => key_dir.starts_with(dir),
        (_, Err(e)) => {
            return Err(
                CliError::usage(format!("cannot write the key to {}", args.key.display()))
                    .caused_by(&e),
            );
        }
        (Err(e), _) => {
            return Err(
                CliError::usage(format!("cannot use {}", args.dir.display())).caused_by(&e),
            );
        }
    };
    if inside {
        return Err(CliError::usage(
            "the signing key must not live inside the log directory, which is served",
        )
        .hint("pass a --key path outside --dir"));
    }
    let generated = generate_key(&args.origin).map_err(|e| {
        CliError::usage(format!("{:?} cannot be a log name", args.origin))
            .caused_by(&e)
            .hint("use a name without spaces or `+`, such as log.example.com/lumen")
    })?;
    let signer = Ed25519NoteSigner::from_signer_key(generated.signer_key.expose_secret())
        .map_err(|e| CliError::usage("cannot use the generated key").caused_by(&e))?;
    let no_log_here = |e: &dyn std::error::Error| {
        CliError::usage(format!("cannot create a log in {}", args.dir.display()))
            .caused_by(e)
            .hint("choose an empty directory")
    };
    // Refuse an existing log before writing the key, so a refused init leaves nothing behind.
    if storage
        .read(CHECKPOINT_PATH)
        .map_err(|e| no_log_here(&e))?
        .is_some()
    {
        return Err(no_log_here(&LogError::AlreadyExists));
    }
    write_atomic_private(
        &args.key,
        format!("{}\n", generated.signer_key.expose_secret()).as_bytes(),
        false,
    )
    .map_err(CliError::key_file)?;
    if let Err(e) = TileLog::create(storage, &args.origin, signer) {
        // Without its log the new key is useless; do not leave it behind.
        let _ = std::fs::remove_file(&args.key);
        return Err(no_log_here(&e));
    }
    crate::out::stderr!(
        "created log {} in {}; its signing key is {}",
        args.origin,
        args.dir.display(),
        args.key.display()
    );
    write_stdout(format!("{}\n", generated.verifier_key).as_bytes())
}

fn append(args: LogAppendArgs) -> Result<(), CliError> {
    let (signer, origin) = target(&args.log)?;
    let entries = args
        .files
        .iter()
        .map(|f| read_input(f, lumen_tlog::tiles::MAX_ENTRY_LEN as u64))
        .collect::<Result<Vec<_>, _>>()?;
    let appender = Appender::open_fs(&args.log.dir, &origin, signer, AppenderOptions::default())
        .map_err(|e| {
            CliError::usage(format!("cannot open the log in {}", args.log.dir.display()))
                .caused_by(&e)
        })?;
    let pending = entries
        .into_iter()
        .map(|e| appender.submit(e))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CliError::usage("cannot append").caused_by(&e))?;
    let mut indices = Vec::with_capacity(pending.len());
    for p in pending {
        indices.push(
            p.wait()
                .map_err(|e| CliError::usage("an append failed").caused_by(&e))?,
        );
    }
    appender
        .shutdown()
        .map_err(|e| CliError::usage("cannot close the log").caused_by(&e))?;
    let out = if args.json {
        let rows: Vec<_> = args
            .files
            .iter()
            .zip(&indices)
            .map(|(f, i)| serde_json::json!({ "file": f.display().to_string(), "index": i }))
            .collect();
        serde_json::to_string_pretty(&rows)
            .map_err(|e| CliError::usage("cannot encode JSON").caused_by(&e))?
            + "\n"
    } else {
        args.files
            .iter()
            .zip(&indices)
            .map(|(f, i)| format!("{i}\t{}\n", f.display()))
            .collect()
    };
    write_stdout(out.as_bytes())
}

/// Reads a small file named on the command line (a regular file only, at most `max_len` bytes).
fn read_small(path: &Path, what: &str, max_len: usize) -> Result<Vec<u8>, CliError> {
    read_regular_file(path, max_len as u64).map_err(|e| {
        CliError::usage(format!("cannot read the {what} {}", path.display())).caused_by(&e)
    })
}

fn prove(args: LogProveArgs) -> Result<(), CliError> {
    let storage = FsStorage::new(&args.dir).map_err(|e| {
        CliError::usage(format!("cannot open {}", args.dir.display())).caused_by(&e)
    })?;
    let checkpoint = storage
        .read(CHECKPOINT_PATH)
        .map_err(|e| CliError::usage("cannot read the log's checkpoint").caused_by(&e))?
        .ok_or_else(|| {
            CliError::usage(format!("{} holds no log", args.dir.display()))
                .hint("create one with `lumen log init`")
        })?;
    let size = lumen_tlog::note::Note::parse(&checkpoint)
        .and_then(|n| lumen_tlog::checkpoint::Checkpoint::parse(n.text()))
        .map_err(|e| CliError::usage("the log's checkpoint is malformed").caused_by(&e))?
        .size();
    let reader = lumen_tlog::tiles::TileHashReader::new(&storage, size);
    let receipt = lumen_tlog::receipt::issue(&reader, args.index, &checkpoint).map_err(|e| {
        CliError::usage(format!(
            "cannot prove entry {} in a log of {size} entries",
            args.index
        ))
        .caused_by(&e)
    })?;
    write_stdout(&receipt.to_bytes())
}

/// The verifiers for one verifier key, and the origin (`--origin`, or the key's name).
fn verifier(vkey: &str, origin: Option<String>) -> Result<(Verifiers, String), CliError> {
    let verifiers = Verifiers::from_vkeys([vkey.trim()]).map_err(|e| {
        CliError::usage("not a log verifier key")
            .caused_by(&e)
            .hint("pass the key printed by `lumen log init`")
    })?;
    let origin =
        origin.unwrap_or_else(|| vkey.trim().split('+').next().unwrap_or_default().to_owned());
    Ok((verifiers, origin))
}

fn verify_receipt(args: LogVerifyReceiptArgs) -> Result<(), CliError> {
    let (verifiers, origin) = verifier(&args.vkey, args.origin)?;
    let receipt = read_small(
        &args.receipt,
        "receipt",
        lumen_tlog::receipt::MAX_RECEIPT_SIZE,
    )?;
    let entry = read_input(&args.entry, lumen_tlog::tiles::MAX_ENTRY_LEN as u64)?;
    match lumen_tlog::receipt::verify_receipt(&receipt, &entry, &origin, &verifiers, None) {
        Ok(v) => {
            let size = v.checkpoint().checkpoint().size();
            crate::out::stderr!(
                "verified: {} is entry {} of {origin} (tree size {size})",
                args.entry.display(),
                v.index()
            );
            if args.json {
                let j =
                    serde_json::json!({ "origin": origin, "index": v.index(), "tree_size": size });
                write_stdout(format!("{j}\n").as_bytes())?;
            }
            Ok(())
        }
        Err(e) => Err(CliError::verification(format!(
            "the receipt does not prove {} is in {origin}",
            args.entry.display()
        ))
        .caused_by(&e)),
    }
}

fn monitor(args: LogMonitorArgs) -> Result<(), CliError> {
    let (verifiers, origin) = verifier(&args.vkey, args.origin)?;
    let monitor = Monitor::new(origin.clone(), verifiers);
    let trusted_raw = read_small(&args.trusted, "trusted checkpoint", MAX_NOTE_SIZE)?;
    let trusted = monitor
        .open(&trusted_raw)
        .map_err(|e| CliError::usage("the trusted checkpoint does not verify").caused_by(&e))?;
    let storage: Box<dyn TileReader> = match (&args.url, &args.dir) {
        (Some(url), _) => Box::new(
            HttpTiles::new(url)
                .map_err(|e| CliError::usage("cannot reach the log").caused_by(&e))?,
        ),
        (None, Some(dir)) => Box::new(FsStorage::new(dir).map_err(|e| {
            CliError::usage(format!("cannot open {}", dir.display())).caused_by(&e)
        })?),
        (None, None) => return Err(CliError::usage("pass --url or --dir")),
    };
    let new_raw = storage
        .read("checkpoint")
        .map_err(|e| CliError::usage("cannot fetch the log's checkpoint").caused_by(&e))?
        .ok_or_else(|| CliError::usage("the log has no checkpoint"))?;
    let outcome = monitor
        .update(&trusted, &new_raw, storage.as_ref())
        .map_err(|e| CliError::usage(format!("cannot check {origin}")).caused_by(&e))?;
    let (json, result) = match &outcome {
        MonitorOutcome::Unchanged => (
            serde_json::json!({ "outcome": "unchanged", "size": trusted.checkpoint().size() }),
            Ok(()),
        ),
        MonitorOutcome::Consistent(next) => {
            if args.update {
                write_atomic_private(&args.trusted, next.signed_bytes(), true).map_err(|e| {
                    CliError::usage(format!("cannot update {}", args.trusted.display()))
                        .caused_by(&e)
                })?;
            }
            let j = serde_json::json!({
                "outcome": "consistent",
                "trusted_size": trusted.checkpoint().size(),
                "new_size": next.checkpoint().size(),
            });
            (j, Ok(()))
        }
        MonitorOutcome::Inconsistent(evidence) => {
            let j = serde_json::json!({
                "outcome": "inconsistent",
                "inconsistency": format!("{:?}", evidence.inconsistency),
                "trusted_checkpoint": String::from_utf8_lossy(&evidence.trusted_checkpoint),
                "new_checkpoint": String::from_utf8_lossy(&evidence.new_checkpoint),
            });
            let err = CliError::verification(format!(
                "{origin} is not append-only: {:?}",
                evidence.inconsistency
            ))
            .hint("keep both checkpoints (printed as evidence) and report the log");
            (j, Err(err))
        }
    };
    let text = if args.json {
        serde_json::to_string_pretty(&json)
            .map_err(|e| CliError::usage("cannot encode JSON").caused_by(&e))?
            + "\n"
    } else {
        match &outcome {
            MonitorOutcome::Inconsistent(e) => format!(
                "inconsistent\n--- trusted checkpoint\n{}--- new checkpoint\n{}",
                String::from_utf8_lossy(&e.trusted_checkpoint),
                String::from_utf8_lossy(&e.new_checkpoint)
            ),
            _ => format!("{}\n", json["outcome"].as_str().unwrap_or_default()),
        }
    };
    write_stdout(text.as_bytes())?;
    result
}
