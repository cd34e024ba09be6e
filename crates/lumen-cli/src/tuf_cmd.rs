//! `lumen tuf …`: create and maintain a TUF repository with `lumen_tuf::editor`, and check it
//! with the TUF client.

use crate::cli::{
    TufAddTargetArgs, TufCommand, TufDelegateArgs, TufInitArgs, TufKeys, TufPublishArgs,
    TufRefreshArgs, TufRemoveTargetArgs, TufRepo, TufRevokeArgs, TufRotateArgs, TufSignArgs,
    TufStatusArgs, TufVerifyArgs,
};
use crate::error::CliError;
use crate::input::read_input;
use crate::keys::{open_signing_key, parse_public_key};
use crate::out::write_stdout;
use lumen_crypto::time::unix_now as now;
use lumen_tuf::TufError;
use lumen_tuf::editor::{
    BulkTarget, CommitSummary, DelegationSpec, EditorConfig, EditorRefusal, InitOptions, KeyChange,
    Keyring, Progress, ProgressFn, Repository, RoleSpec, RoleStatus, RootSigningStatus, Signer,
    Stage, ed25519_key, same_key,
};
use lumen_tuf::fetch::DirFetcher;
use lumen_tuf::metadata::{Key, Metadata, PathScope, Root, TOP_LEVEL_ROLES};
use lumen_tuf::store::DirStore;
use lumen_tuf::{Updater, UpdaterConfig};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Read};
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Root files and manifests larger than this are refused.
const MAX_ROOT_FILE: u64 = 4 << 20;

pub(crate) fn run(cmd: TufCommand) -> Result<(), CliError> {
    match cmd {
        TufCommand::Init(a) => init(a),
        TufCommand::AddTarget(a) => add_target(a),
        TufCommand::RemoveTarget(a) => remove_target(a),
        TufCommand::Delegate(a) => delegate(a),
        TufCommand::Revoke(a) => revoke(a),
        TufCommand::Rotate(a) => rotate(a),
        TufCommand::Sign(a) => sign(a),
        TufCommand::Publish(a) => publish(a),
        TufCommand::Discard(a) => discard(a),
        TufCommand::Refresh(a) => refresh(a),
        TufCommand::Status(a) => status(a),
        TufCommand::Verify(a) => verify(a),
    }
}

/// An editor error as the user sees it: what failed, the library's reason, and what to do.
fn editor_error(context: &str, repo: &Path, err: TufError) -> CliError {
    let dir = repo.display();
    let hint = match &err {
        TufError::ThresholdNotMet {
            role,
            threshold,
            valid,
        } if role == "root" => Some(format!(
            "root needs {} more signature(s): each root key holder runs \
             `lumen tuf sign --repo {dir} --key ROOT_KEY`; `lumen tuf status --repo {dir}` \
             lists the keys still missing",
            threshold.saturating_sub(*valid)
        )),
        TufError::ThresholdNotMet {
            role,
            threshold,
            valid,
        } => Some(format!(
            "{role} must be signed by {threshold} of its keys and --key gave {valid}: pass its \
             key files with --key (`lumen tuf status --repo {dir}` lists the key ids)"
        )),
        TufError::RootVersionNotNext { .. } => Some(format!(
            "the staged root is stale: `lumen tuf discard --repo {dir}`, then stage a new \
             version with `lumen tuf rotate --repo {dir} --role …`"
        )),
        TufError::ExpiredMetadata { .. } => Some(format!(
            "stage a new root version: `lumen tuf rotate --repo {dir} --role root`"
        )),
        TufError::NotDelegated { .. } | TufError::NotInSnapshot { .. } => Some(format!(
            "`lumen tuf status --repo {dir} --json` lists the roles"
        )),
        TufError::TargetNotFound { .. } => Some("check the target path".to_owned()),
        TufError::UntrustedRepositoryFile { path, .. } => Some(format!(
            "{} does not verify: it was changed outside `lumen tuf` (or is damaged), and the \
             editor does not sign over what it cannot verify; restore it from a backup \
             (`lumen tuf verify --repo {dir}` shows what a client says)",
            path.display()
        )),
        TufError::InvalidSignature { .. } => Some(
            "the root file changed after it was signed: get the copy the key holders signed"
                .to_owned(),
        ),
        TufError::Json { .. }
        | TufError::DuplicateMember { .. }
        | TufError::Malformed { .. }
        | TufError::WrongType { .. }
        | TufError::MixAndMatch { .. } => Some(
            "the repository's files are damaged or were edited by hand; restore them from a \
             backup"
                .to_owned(),
        ),
        TufError::Refused(EditorRefusal::NoPublishedRoot { .. }) => Some(format!(
            "sign the staged root with `lumen tuf sign --repo {dir} --key ROOT_KEY`, then \
             `lumen tuf publish --repo {dir} --key …`"
        )),
        TufError::Refused(EditorRefusal::NotARepository { .. }) => {
            Some("create one with `lumen tuf init --repo DIR …`".to_owned())
        }
        _ => None,
    };
    let e = CliError::usage(context.to_owned()).caused_by(&err);
    match hint {
        Some(h) => e.hint(h),
        None => e,
    }
}

fn open(repo: &Path) -> Result<Repository, CliError> {
    let mut r = Repository::open(repo)
        .map_err(|e| editor_error(&format!("cannot open {}", repo.display()), repo, e))?;
    r.set_progress(progress_line());
    Ok(r)
}

/// What the progress line has shown so far.
struct ProgressState {
    stage: Option<Stage>,
    started: Instant,
    shown: Option<Instant>,
}

/// A progress callback that keeps one counter line on stderr for operations that take more
/// than a second (rewritten in place on a terminal, a line every few seconds otherwise).
fn progress_line() -> Box<ProgressFn> {
    let tty = std::io::stderr().is_terminal();
    let state = Mutex::new(ProgressState {
        stage: None,
        started: Instant::now(),
        shown: None,
    });
    Box::new(move |p: Progress| {
        let Ok(mut st) = state.lock() else { return };
        if st.stage != Some(p.stage) {
            *st = ProgressState {
                stage: Some(p.stage),
                started: Instant::now(),
                shown: None,
            };
        }
        let finished = p.total == Some(p.done);
        let every = if tty {
            Duration::from_millis(200)
        } else {
            Duration::from_secs(3)
        };
        let due = match st.shown {
            None => st.started.elapsed() >= Duration::from_secs(1),
            Some(t) => t.elapsed() >= every || finished,
        };
        if !due {
            return;
        }
        st.shown = Some(Instant::now());
        let what = match p.stage {
            Stage::AddingTargets => "adding targets",
            Stage::SigningRoles => "signing roles",
            _ => "working",
        };
        let count = match p.total {
            Some(t) => format!("{}/{t}", p.done),
            None => p.done.to_string(),
        };
        if tty {
            crate::out::stderr_fmt(format_args!(
                "\r{what}: {count}{}",
                if finished { "\n" } else { "" }
            ));
        } else {
            crate::out::stderr!("{what}: {count}");
        }
    })
}

/// Loads the signing keys; each encrypted file's passphrase comes from LUMEN_KEY_PASSPHRASE
/// or the terminal.
fn load_keys(keys: &TufKeys) -> Result<Keyring, CliError> {
    let mut ring = Keyring::new();
    for path in &keys.keys {
        ring.add(Signer::ed25519(open_signing_key(path)?));
    }
    Ok(ring)
}

/// A TUF key object from a key file, a PEM public key, or 64 hex digits.
fn public_key(spec: &str) -> Result<Key, CliError> {
    Ok(ed25519_key(&parse_public_key(spec)?))
}

fn public_keys(specs: &[String]) -> Result<Vec<Key>, CliError> {
    specs.iter().map(|s| public_key(s)).collect()
}

/// Parses `30d`, `12h`, `15m`, `3600s`, `2w` (a bare number is days) into seconds.
fn parse_duration(text: &str) -> Option<i64> {
    let text = text.trim();
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "d"),
    };
    let n: i64 = digits.parse().ok()?;
    let unit = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return None,
    };
    n.checked_mul(unit).filter(|s| *s > 0)
}

fn expiry_config(specs: &[String], snapshot_meta_hashes: bool) -> Result<EditorConfig, CliError> {
    let mut config = EditorConfig {
        snapshot_meta_hashes,
        ..Default::default()
    };
    for spec in specs {
        let bad = || {
            CliError::usage(format!("--expires {spec}: expected ROLE=DURATION"))
                .hint("e.g. --expires timestamp=6h --expires root=730d (units s, m, h, d, w)")
        };
        let (role, d) = spec.split_once('=').ok_or_else(bad)?;
        let seconds = parse_duration(d).ok_or_else(bad)?;
        config
            .expiry
            .set(role, seconds)
            .map_err(|e| bad().caused_by(&e))?;
    }
    Ok(config)
}

fn summary_line(s: &CommitSummary) -> String {
    let mut parts = Vec::new();
    if let Some(v) = s.root_version {
        parts.push(format!("root v{v}"));
    }
    if s.targets_roles > 0 {
        parts.push(format!("{} targets role(s)", s.targets_roles));
    }
    if let Some(v) = s.snapshot_version {
        parts.push(format!("snapshot v{v}"));
    }
    if let Some(v) = s.timestamp_version {
        parts.push(format!("timestamp v{v}"));
    }
    if parts.is_empty() {
        "nothing to publish".to_owned()
    } else {
        format!("published {}", parts.join(", "))
    }
}

fn commit(repo: &mut Repository, dir: &Path, keys: &Keyring) -> Result<(), CliError> {
    let s = repo
        .commit(keys, now())
        .map_err(|e| editor_error("cannot sign and publish the changes", dir, e))?;
    crate::out::stderr!("{}", summary_line(&s));
    Ok(())
}

fn root_status_text(s: &RootSigningStatus) -> String {
    let mut t = format!(
        "staged root v{}: {} of {} signatures of its own root keys",
        s.version, s.signed, s.threshold
    );
    if let Some((signed, threshold)) = s.previous {
        t += &format!(", {signed} of {threshold} of the current root keys");
    }
    if s.is_complete() {
        t += "; ready to publish";
    } else if !s.unsigned_keyids.is_empty() {
        t += &format!("; not signed yet by {}", s.unsigned_keyids.join(", "));
    }
    t += &format!(
        "\nsha256 of the signed part: {} (compare it with the one announced by whoever staged \
         this root before you sign)",
        s.signed_sha256
    );
    t
}

fn root_status_hint(dir: &Path, s: &RootSigningStatus) -> String {
    let dir = dir.display();
    if s.is_complete() {
        format!(
            "publish it with `lumen tuf publish --repo {dir} --key …` (with the keys of any \
             online role whose keys changed)"
        )
    } else {
        format!("each remaining root key holder runs `lumen tuf sign --repo {dir} --key ROOT_KEY`")
    }
}

// ----- commands -----

fn init(a: TufInitArgs) -> Result<(), CliError> {
    let dir = a.repo.repo;
    let options = InitOptions {
        root: RoleSpec::new(public_keys(&a.root_key)?, a.root_threshold),
        targets: RoleSpec::new(public_keys(&a.targets_key)?, a.targets_threshold),
        snapshot: RoleSpec::new(public_keys(&a.snapshot_key)?, a.snapshot_threshold),
        timestamp: RoleSpec::new(public_keys(&a.timestamp_key)?, a.timestamp_threshold),
        consistent_snapshot: !a.no_consistent_snapshot,
        config: expiry_config(&a.expires, a.snapshot_meta_hashes)?,
    };
    let keys = load_keys(&a.keys)?;
    let t = now();
    let mut repo = Repository::init(&dir, &options, t)
        .map_err(|e| editor_error("cannot create the repository", &dir, e))?;
    repo.set_progress(progress_line());
    let mut status = repo
        .root_signing_status()
        .map_err(|e| editor_error("cannot read the staged root", &dir, e))?;
    for s in keys.iter() {
        if repo
            .staged_root()
            .is_some_and(|r| is_root_key(&r.signed, s.public_key()))
        {
            status = repo
                .sign_root(s)
                .map_err(|e| editor_error("cannot sign the staged root", &dir, e))?;
        }
    }
    if !status.is_complete() {
        crate::out::stderr!("{}", root_status_text(&status));
        crate::out::stderr!("hint: {}", root_status_hint(&dir, &status));
        return Ok(());
    }
    let s = repo.publish_root(&keys, t).map_err(|e| {
        editor_error(
            "root is signed but the repository cannot be published",
            &dir,
            e,
        )
        .hint(format!(
            "the signed root stays staged: run `lumen tuf publish --repo {} --key \
                 TARGETS_KEY --key SNAPSHOT_KEY --key TIMESTAMP_KEY`",
            dir.display()
        ))
    })?;
    crate::out::stderr!(
        "created TUF repository {} ({})",
        dir.display(),
        summary_line(&s)
    );
    Ok(())
}

/// The longest line of a `--manifest` (64 KiB: a path and its hashes take a few hundred bytes).
const MAX_MANIFEST_LINE: u64 = 64 << 10;

#[derive(serde::Deserialize)]
struct ManifestLine {
    path: String,
    length: u64,
    hashes: BTreeMap<String, String>,
}

fn read_manifest(path: &Path) -> Result<Vec<BulkTarget>, CliError> {
    let reader: Box<dyn BufRead> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let f = lumen_crypto::fs::open_regular_file(path).map_err(|e| CliError::file(&e))?;
        Box::new(std::io::BufReader::new(f))
    };
    let mut out = Vec::new();
    let mut reader = reader;
    let mut buf = Vec::new();
    for i in 0.. {
        buf.clear();
        // One line, capped: a file with no line break must not be read whole into memory.
        let n = (&mut reader)
            .take(MAX_MANIFEST_LINE + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|e| {
                CliError::usage(format!("cannot read {}", path.display())).caused_by(&e)
            })?;
        if n == 0 {
            break;
        }
        if buf.last() == Some(&b'\n') {
            buf.pop();
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
        } else if n as u64 > MAX_MANIFEST_LINE {
            return Err(CliError::usage(format!(
                "{}:{}: line longer than {MAX_MANIFEST_LINE} bytes",
                path.display(),
                i + 1
            )));
        }
        let line = std::str::from_utf8(&buf).map_err(|e| {
            CliError::usage(format!("{}:{}: not UTF-8", path.display(), i + 1)).caused_by(&e)
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let m: ManifestLine = lumen_crypto::json::from_str_strict(line).map_err(|e| {
            CliError::usage(format!("{}:{}: not a target description", path.display(), i + 1))
                .caused_by(&e)
                .hint(r#"one JSON object per line: {"path": "a/b.tgz", "length": 123, "hashes": {"sha256": "…", "sha512": "…"}}"#)
        })?;
        out.push((m.path, m.length, m.hashes.into()));
    }
    Ok(out)
}

fn add_target(a: TufAddTargetArgs) -> Result<(), CliError> {
    let dir = a.repo.repo;
    if a.path.is_some() && a.files.len() != 1 {
        return Err(
            CliError::usage("--path names one target, but several files were given")
                .hint("use --prefix to put several files under one directory"),
        );
    }
    let custom: Option<Value> = match &a.custom {
        None => None,
        Some(text) => Some(lumen_crypto::json::parse_value_strict(text).map_err(|e| {
            CliError::usage("--custom is not valid JSON")
                .caused_by(&e)
                .hint(r#"e.g. --custom '{"owner": "team-a"}'"#)
        })?),
    };
    let keys = load_keys(&a.keys)?;
    let mut repo = open(&dir)?;
    if let Some(manifest) = &a.manifest {
        let items = read_manifest(manifest)?;
        let n = repo
            .add_targets_bulk(items)
            .map_err(|e| editor_error("cannot add the targets", &dir, e))?;
        crate::out::stderr!("added {n} target(s) from {}", manifest.display());
    }
    for file in &a.files {
        let path = match &a.path {
            Some(p) => p.clone(),
            None => {
                let name = file.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
                    CliError::usage(format!("{} has no usable file name", file.display()))
                        .hint("name the target with --path")
                })?;
                format!("{}{name}", a.prefix)
            }
        };
        let (role, f) = repo
            .add_target_from_file(a.role.as_deref(), &path, file, custom.clone())
            .map_err(|e| editor_error(&format!("cannot add {}", file.display()), &dir, e))?;
        crate::out::stderr!("added {path} ({} bytes) to {role}", f.length);
    }
    commit(&mut repo, &dir, &keys)
}

fn remove_target(a: TufRemoveTargetArgs) -> Result<(), CliError> {
    let dir = a.repo.repo;
    let keys = load_keys(&a.keys)?;
    let mut repo = open(&dir)?;
    for path in &a.paths {
        let role = repo
            .remove_target(a.role.as_deref(), path)
            .map_err(|e| editor_error(&format!("cannot remove {path}"), &dir, e))?;
        crate::out::stderr!("removed {path} from {role}");
    }
    commit(&mut repo, &dir, &keys)
}

fn delegate(a: TufDelegateArgs) -> Result<(), CliError> {
    let dir = a.repo.repo;
    let delegate_keys = public_keys(&a.delegate_key)?;
    let keys = load_keys(&a.keys)?;
    let mut repo = open(&dir)?;
    let fail = |e| editor_error(&format!("cannot delegate to {}", a.name), &dir, e);
    if let Some(n) = a.hash_bins {
        let names = repo
            .delegate_hash_bins(&a.delegator, &a.name, n, delegate_keys, a.threshold)
            .map_err(fail)?;
        crate::out::stderr!(
            "delegated {} to {n} hash bins {} … {}",
            a.delegator,
            names.first().map_or("", String::as_str),
            names.last().map_or("", String::as_str)
        );
    } else if let Some(bits) = a.succinct_bits {
        let n = repo
            .delegate_succinct(&a.delegator, &a.name, bits, delegate_keys, a.threshold)
            .map_err(fail)?;
        crate::out::stderr!(
            "delegated {} to {n} succinct hash bins {}-…",
            a.delegator,
            a.name
        );
    } else {
        let scope = if !a.path_hash_prefixes.is_empty() {
            PathScope::HashPrefixes(a.path_hash_prefixes.clone().into())
        } else if !a.paths.is_empty() {
            PathScope::Paths(a.paths.clone())
        } else {
            return Err(CliError::usage("the delegation has no scope").hint(
                "pass --paths PATTERN, --path-hash-prefix HEX, --hash-bins N or --succinct-bits B",
            ));
        };
        repo.delegate(
            &a.delegator,
            DelegationSpec {
                name: a.name.clone(),
                keys: delegate_keys,
                threshold: a.threshold,
                terminating: a.terminating,
                scope,
            },
        )
        .map_err(fail)?;
        crate::out::stderr!("delegated {} to {}", a.delegator, a.name);
    }
    commit(&mut repo, &dir, &keys)
}

fn revoke(a: TufRevokeArgs) -> Result<(), CliError> {
    let dir = a.repo.repo;
    let keys = load_keys(&a.keys)?;
    let mut repo = open(&dir)?;
    repo.revoke(&a.delegator, &a.name)
        .map_err(|e| editor_error(&format!("cannot revoke {}", a.name), &dir, e))?;
    crate::out::stderr!("revoked the delegation of {} by {}", a.name, a.delegator);
    commit(&mut repo, &dir, &keys)
}

/// Whether `root`'s root role lists `key`.
fn is_root_key(root: &Root, key: &Key) -> bool {
    root.roles.get("root").is_some_and(|role| {
        role.keyids
            .iter()
            .any(|id| root.keys.get(id).is_some_and(|k| same_key(k, key)))
    })
}

/// Resolves `--remove-key` values: a key id the role lists, or a public key it lists.
fn key_ids_to_remove(
    specs: &[String],
    role: &str,
    listed: &[(String, Key)],
) -> Result<Vec<String>, CliError> {
    specs
        .iter()
        .map(|spec| {
            if listed.iter().any(|(id, _)| id == spec) {
                return Ok(spec.clone());
            }
            let key = public_key(spec)?;
            listed
                .iter()
                .find(|(_, k)| same_key(k, &key))
                .map(|(id, _)| id.clone())
                .ok_or_else(|| {
                    CliError::usage(format!("{spec} is not a key of {role}"))
                        .hint("`lumen tuf status --repo DIR` lists each role's key ids")
                })
        })
        .collect()
}

fn rotate(a: TufRotateArgs) -> Result<(), CliError> {
    let dir = a.repo.repo.clone();
    let add = public_keys(&a.add_key)?;
    let keys = load_keys(&a.keys)?;
    let mut repo = open(&dir)?;
    if TOP_LEVEL_ROLES.contains(&a.role.as_str()) {
        let base: &Metadata<Root> = repo
            .staged_root()
            .or(repo.root())
            .ok_or_else(|| CliError::usage("the repository has no root"))?;
        let listed: Vec<(String, Key)> = base
            .signed
            .roles
            .get(&a.role)
            .map(|r| r.keyids.as_slice())
            .unwrap_or_default()
            .iter()
            .filter_map(|id| base.signed.keys.get(id).map(|k| (id.clone(), k.clone())))
            .collect();
        // Refuse a signing key that is not a root key before anything is staged, so that the
        // command can simply be run again.
        let roots: Vec<&Root> = [repo.staged_root(), repo.root()]
            .into_iter()
            .flatten()
            .map(|m| &m.signed)
            .collect();
        for s in keys.iter() {
            let known = roots.iter().any(|r| is_root_key(r, s.public_key()))
                || (a.role == "root" && add.iter().any(|k| same_key(k, s.public_key())));
            if !known {
                return Err(CliError::usage(format!(
                    "--key {} is not a root key of the current or the staged root",
                    s.keyid()
                ))
                .hint("with a top-level role, --key takes root keys only (old or new)"));
            }
        }
        let change = KeyChange {
            add,
            remove: key_ids_to_remove(&a.remove_key, &a.role, &listed)?,
            threshold: a.threshold,
        };
        let role = a.role.clone();
        repo.edit_root(now(), |r| r.change_keys(&role, &change))
            .map_err(|e| editor_error("cannot stage the new root", &dir, e))?;
        let mut status = repo
            .root_signing_status()
            .map_err(|e| editor_error("cannot read the staged root", &dir, e))?;
        for s in keys.iter() {
            status = repo.sign_root(s).map_err(|e| {
                editor_error("cannot sign the staged root", &dir, e)
                    .hint("with a top-level role, --key takes root keys only (old or new)")
            })?;
        }
        write_stdout(format!("{}\n", root_status_text(&status)).as_bytes())?;
        crate::out::stderr!("hint: {}", root_status_hint(&dir, &status));
        return Ok(());
    }
    let delegator = match &a.delegator {
        Some(d) => d.clone(),
        None => repo.delegator_of_delegation(&a.role).map_err(|e| {
            editor_error(&format!("cannot find who delegates {}", a.role), &dir, e)
                .hint("name it with --delegator")
        })?,
    };
    let listed: Vec<(String, Key)> = {
        let t = repo
            .targets(&delegator)
            .map_err(|e| editor_error(&format!("cannot read {delegator}"), &dir, e))?;
        match &t.signed.delegations {
            Some(d) => d.keys.iter().map(|(i, k)| (i.clone(), k.clone())).collect(),
            None => Vec::new(),
        }
    };
    let change = KeyChange {
        add,
        remove: key_ids_to_remove(&a.remove_key, &a.role, &listed)?,
        threshold: a.threshold,
    };
    repo.change_delegation_keys(&delegator, &a.role, &change)
        .map_err(|e| editor_error(&format!("cannot change the keys of {}", a.role), &dir, e))?;
    commit(&mut repo, &dir, &keys)
}

fn sign(a: TufSignArgs) -> Result<(), CliError> {
    let keys = load_keys(&a.keys)?;
    if keys.is_empty() {
        return Err(CliError::usage("no key to sign with").hint("pass --key ROOT_KEY_FILE"));
    }
    if let Some(file) = &a.file {
        let mut bytes = read_input(file, MAX_ROOT_FILE)?;
        let previous = match &a.previous {
            None => None,
            Some(p) => {
                let b = read_input(p, MAX_ROOT_FILE)?;
                Some(
                    Metadata::<Root>::from_bytes(&b, "previous root")
                        .map_err(|e| editor_error("cannot read --previous", file, e))?
                        .metadata
                        .signed,
                )
            }
        };
        for s in keys.iter() {
            bytes = lumen_tuf::editor::sign_root_bytes(&bytes, s, previous.as_ref())
                .map_err(|e| editor_error(&format!("cannot sign {}", file.display()), file, e))?;
        }
        lumen_tuf::store::write_atomic(file, &bytes).map_err(|e| {
            CliError::usage(format!("cannot write {}", file.display())).caused_by(&e)
        })?;
        let status = lumen_tuf::editor::root_bytes_status(&bytes, previous.as_ref())
            .map_err(|e| editor_error("cannot read the signed root", file, e))?;
        write_stdout(format!("{}\n", root_status_text(&status)).as_bytes())?;
        return Ok(());
    }
    let Some(dir) = &a.repo else {
        return Err(CliError::usage("pass --repo DIR or --file ROOT_FILE"));
    };
    let mut repo = open(dir)?;
    if let Some(import) = &a.import {
        let bytes = read_input(import, MAX_ROOT_FILE)?;
        repo.import_staged_root(&bytes)
            .map_err(|e| editor_error(&format!("cannot import {}", import.display()), dir, e))?;
    }
    let mut status = None;
    for s in keys.iter() {
        status = Some(
            repo.sign_root(s)
                .map_err(|e| editor_error("cannot sign the staged root", dir, e))?,
        );
    }
    if let Some(status) = status {
        write_stdout(format!("{}\n", root_status_text(&status)).as_bytes())?;
        crate::out::stderr!("hint: {}", root_status_hint(dir, &status));
    }
    Ok(())
}

fn publish(a: TufPublishArgs) -> Result<(), CliError> {
    let dir = a.repo.repo;
    let keys = load_keys(&a.keys)?;
    let mut repo = open(&dir)?;
    let s = repo
        .publish_root(&keys, now())
        .map_err(|e| editor_error("cannot publish the staged root", &dir, e))?;
    crate::out::stderr!("{}", summary_line(&s));
    Ok(())
}

fn discard(a: TufRepo) -> Result<(), CliError> {
    let dir = a.repo;
    let mut repo = open(&dir)?;
    let version = repo.staged_root().map(|r| r.signed.common.version);
    repo.discard_staged_root()
        .map_err(|e| editor_error("cannot discard the staged root", &dir, e))?;
    match version {
        Some(v) => crate::out::stderr!("discarded the staged root v{v}"),
        None => crate::out::stderr!("no root version was staged"),
    }
    Ok(())
}

fn refresh(a: TufRefreshArgs) -> Result<(), CliError> {
    let dir = a.repo.repo;
    let keys = load_keys(&a.keys)?;
    let mut repo = open(&dir)?;
    for role in &a.roles {
        repo.resign(role)
            .map_err(|e| editor_error(&format!("cannot re-sign {role}"), &dir, e))?;
    }
    let r = if a.timestamp_only {
        repo.refresh_timestamp(&keys, now())
    } else {
        repo.refresh(&keys, now())
    };
    let s = r.map_err(|e| editor_error("cannot refresh", &dir, e))?;
    crate::out::stderr!("{}", summary_line(&s));
    Ok(())
}

fn role_json(r: &RoleStatus) -> Value {
    let mut v = json!({
        "keyids": r.keyids,
        "threshold": r.threshold,
        "version": r.version,
        "expires": r.expires.as_str(),
        "expired": r.expired,
    });
    if let Some(n) = r.targets {
        v["targets"] = json!(n);
    }
    v
}

fn status(a: TufStatusArgs) -> Result<(), CliError> {
    let dir = a.repo.repo;
    let mut repo = open(&dir)?;
    let st = repo
        .status(now())
        .map_err(|e| editor_error("cannot read the repository", &dir, e))?;
    if a.json {
        let roles: serde_json::Map<String, Value> = st
            .roles
            .iter()
            .map(|r| (r.role.to_owned(), role_json(r)))
            .collect();
        let delegated: Vec<Value> = st
            .delegated
            .iter()
            .map(|d| json!({ "role": d.role, "version": d.version }))
            .collect();
        let staged = match &st.staged_root {
            None => Value::Null,
            Some(s) => json!({
                "version": s.version,
                "signed": s.signed,
                "threshold": s.threshold,
                "previous": s.previous.map(|(signed, threshold)| json!({"signed": signed, "threshold": threshold})),
                "unsigned_keyids": s.unsigned_keyids,
                "signed_sha256": s.signed_sha256,
                "complete": s.is_complete(),
            }),
        };
        let out = json!({
            "repository": dir.display().to_string(),
            "consistent_snapshot": st.consistent_snapshot,
            "roles": roles,
            "delegated_roles": st.delegated.len(),
            "staged_root": staged,
            "delegated": delegated,
        });
        let mut text = serde_json::to_string_pretty(&out)
            .map_err(|e| CliError::usage("cannot encode JSON").caused_by(&e))?;
        text.push('\n');
        return write_stdout(text.as_bytes());
    }
    let mut text = format!(
        "repository {}{}\n",
        dir.display(),
        if st.consistent_snapshot {
            " (consistent snapshots)"
        } else {
            ""
        }
    );
    for name in TOP_LEVEL_ROLES {
        let Some(r) = st.role(name) else {
            text += &format!("{name:<10} not published\n");
            continue;
        };
        text += &format!(
            "{name:<10} v{} expires {}{}  {} of {} key(s): {}\n",
            r.version,
            r.expires.as_str(),
            if r.expired { " (EXPIRED)" } else { "" },
            r.threshold,
            r.keyids.len(),
            r.keyids.join(", ")
        );
    }
    text += &format!("delegated  {} role(s)\n", st.delegated.len());
    if let Some(s) = &st.staged_root {
        text += &root_status_text(s);
        text.push('\n');
    }
    write_stdout(text.as_bytes())
}

fn verify(a: TufVerifyArgs) -> Result<(), CliError> {
    let dir = a.repo.repo;
    let root_path = a
        .root
        .unwrap_or_else(|| dir.join("metadata").join("1.root.json"));
    let root = read_input(&root_path, MAX_ROOT_FILE)?;
    let store = tempfile::tempdir()
        .map_err(|e| CliError::usage("cannot create a temporary directory").caused_by(&e))?;
    let fail = |what: String, e: TufError| {
        CliError::verification(what).caused_by(&e).hint(
            "a TUF client would refuse this repository; `lumen tuf status --repo DIR` shows \
             versions and expiry",
        )
    };
    let store_dir = DirStore::new(store.path())
        .map_err(|e| CliError::usage("cannot create a temporary directory").caused_by(&e))?;
    let mut u = Updater::bootstrap(
        store_dir,
        DirFetcher::new(dir.join("metadata")),
        UpdaterConfig::default(),
        &root,
    )
    .map_err(|e| {
        fail(
            format!("{} is not a valid trusted root", root_path.display()),
            e,
        )
    })?;
    u.refresh()
        .map_err(|e| fail(format!("{} does not verify", dir.display()), e))?;
    let trusted = u.trusted();
    let version = |v: Option<u64>| v.map_or(Value::Null, |v| json!(v));
    let mut out = json!({
        "root": trusted.root().signed().common.version,
        "timestamp": version(trusted.timestamp().map(|t| t.signed().common.version)),
        "snapshot": version(trusted.snapshot().map(|s| s.signed().common.version)),
        "targets": version(trusted.targets("targets").map(|t| t.signed().common.version)),
    });
    let fetcher = DirFetcher::new(dir.join("targets"));
    let mut checked = Vec::new();
    for path in &a.targets {
        let info = u
            .get_targetinfo(path)
            .map_err(|e| fail(format!("target {path} does not verify"), e))?;
        let dest = store.path().join("download");
        u.download_target(&info, &fetcher, &dest)
            .map_err(|e| fail(format!("target {path} does not verify"), e))?;
        checked.push(json!({ "path": path, "length": info.file.length }));
    }
    out["downloaded"] = Value::Array(checked);
    let text = if a.json {
        serde_json::to_string_pretty(&out)
            .map_err(|e| CliError::usage("cannot encode JSON").caused_by(&e))?
            + "\n"
    } else {
        format!(
            "verified {}: root v{}, timestamp v{}, snapshot v{}, targets v{}; {} target(s) downloaded and checked\n",
            dir.display(),
            out["root"],
            out["timestamp"],
            out["snapshot"],
            out["targets"],
            a.targets.len()
        )
    };
    write_stdout(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("7"), Some(7 * 86_400));
        assert_eq!(parse_duration("6h"), Some(6 * 3600));
        assert_eq!(parse_duration("2w"), Some(14 * 86_400));
        assert_eq!(parse_duration("90s"), Some(90));
        for bad in ["", "0d", "h", "1y", "-1d", "1.5d"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }
}
