//! The command-line grammar (clap derive): one definition for parsing and `--help`.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Lumen Security: signing keys and signatures, a transparency log, capability policies, the
/// compile-time capability check of Lumen programs, and TUF repositories.
#[derive(Debug, Parser)]
#[command(name = "lumen", version, arg_required_else_help = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create and inspect Ed25519 signing keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Sign a file with a private key; prints the Base64 detached signature.
    Sign(SignArgs),
    /// Verify a detached signature; exits 1 if it does not verify.
    Verify(VerifyArgs),
    /// Walk through key generation, signing and verification in a temporary directory.
    Demo,
    /// Run and use a transparency log (C2SP tlog-tiles).
    #[command(subcommand)]
    Log(LogCommand),
    /// Check Lumen programs: reject any tool call a cell was not granted, before it runs.
    ///
    /// Exits 0 if every file passes, 1 if any diagnostic was reported.
    Check(CheckArgs),
    /// Test capability policies (grants and scopes) from the shell.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Create and maintain a TUF repository: keys, targets, delegations, offline root signing,
    /// online re-signing.
    #[command(subcommand)]
    Tuf(TufCommand),
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The programs to check (`.lm`, or Markdown `.lm.md`); imports are found beside each file.
    #[arg(required_unless_present = "explain")]
    pub(crate) files: Vec<PathBuf>,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value = "text")]
    pub(crate) format: CheckFormat,
    /// Print the long explanation of a diagnostic code (e.g. E0201) and exit.
    #[arg(long, value_name = "CODE")]
    pub(crate) explain: Option<String>,
}

/// Output formats of `lumen check`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum CheckFormat {
    /// Like rustc: code, message, file:line:col, source excerpt with labels, help.
    Text,
    /// A JSON array of diagnostics with the same data.
    Json,
}

#[derive(Debug, Subcommand)]
pub(crate) enum PolicyCommand {
    /// Decide one tool call under a policy; prints the decision as JSON, exits 0 (allowed) or 1 (denied).
    Eval(PolicyEvalArgs),
    /// Print the effective grants of a scope as JSON (what a call there runs with).
    Show(PolicyShowArgs),
}

#[derive(Debug, Args)]
pub(crate) struct PolicyEvalArgs {
    /// The policy file (TOML, or JSON if it starts with `{`).
    #[arg(long)]
    pub(crate) policy: PathBuf,
    /// The tool to call, e.g. `http.get`, `llm.chat`, `mcp.github.create_issue`.
    #[arg(long)]
    pub(crate) tool: String,
    /// The call's named arguments as a JSON object, e.g. `{"url": "https://api.example.com/"}`.
    #[arg(long, default_value = "{}")]
    pub(crate) args: String,
    /// The calling scope, as a path below the root: `main/summarize` [default: the root].
    #[arg(long, default_value = "")]
    pub(crate) scope: String,
    /// Also resolve the URL's host with the system resolver and check every address.
    #[arg(long)]
    pub(crate) resolve: bool,
    /// Append the decision to this JSON-lines audit file.
    #[arg(long)]
    pub(crate) audit: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct PolicyShowArgs {
    /// The policy file (TOML, or JSON if it starts with `{`).
    #[arg(long)]
    pub(crate) policy: PathBuf,
    /// The scope, as a path below the root [default: the root].
    #[arg(long, default_value = "")]
    pub(crate) scope: String,
}

#[derive(Debug, Subcommand)]
pub(crate) enum LogCommand {
    /// Create a new, empty log in a directory and a signing key for its checkpoints.
    ///
    /// Prints the log's verifier key (`name+hash+base64`), which clients use to check checkpoints.
    Init(LogInitArgs),
    /// Append files to a log, one entry each, and print their indices.
    Append(LogAppendArgs),
    /// Serve a log over HTTP: `GET /checkpoint`, `GET /tile/...`, and `POST /add`.
    Serve(LogServeArgs),
    /// Print a receipt (C2SP tlog-proof) that entry INDEX is in the log's current checkpoint.
    Prove(LogProveArgs),
    /// Check a receipt for an entry offline; exits 1 if it does not verify.
    VerifyReceipt(LogVerifyReceiptArgs),
    /// Check that a log's current checkpoint extends a trusted one; exits 1 on a fork or rollback.
    Monitor(LogMonitorArgs),
}

#[derive(Debug, Args)]
pub(crate) struct LogProveArgs {
    /// The log's directory.
    #[arg(long)]
    pub(crate) dir: PathBuf,
    /// The entry's index.
    #[arg(long)]
    pub(crate) index: u64,
}

#[derive(Debug, Args)]
pub(crate) struct LogVerifyReceiptArgs {
    /// The log's verifier key (`name+hash+base64`, as printed by `lumen log init`).
    #[arg(long)]
    pub(crate) vkey: String,
    /// The log's origin [default: the verifier key's name].
    #[arg(long)]
    pub(crate) origin: Option<String>,
    /// The receipt file.
    #[arg(long)]
    pub(crate) receipt: PathBuf,
    /// Print the verified facts as JSON.
    #[arg(long)]
    pub(crate) json: bool,
    /// The entry the receipt is for (`-` for stdin).
    pub(crate) entry: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct LogMonitorArgs {
    /// The log's verifier key (`name+hash+base64`).
    #[arg(long)]
    pub(crate) vkey: String,
    /// The log's origin [default: the verifier key's name].
    #[arg(long)]
    pub(crate) origin: Option<String>,
    /// The last checkpoint this monitor trusts (a signed checkpoint file).
    #[arg(long)]
    pub(crate) trusted: PathBuf,
    /// The log's URL prefix (where `checkpoint` and `tile/…` are served).
    #[arg(long, required_unless_present = "dir", conflicts_with = "dir")]
    pub(crate) url: Option<String>,
    /// A local copy of the log (its checkpoint and tiles) instead of `--url`.
    #[arg(long)]
    pub(crate) dir: Option<PathBuf>,
    /// After a consistent update, replace the trusted file with the new checkpoint.
    #[arg(long)]
    pub(crate) update: bool,
    /// Print the outcome as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct LogTarget {
    /// The log's directory (its tiles, entry bundles and checkpoint).
    #[arg(long)]
    pub(crate) dir: PathBuf,
    /// The file holding the log's note signing key (`PRIVATE+KEY+...`, mode 0600).
    #[arg(long)]
    pub(crate) key: PathBuf,
    /// The checkpoint origin line [default: the signing key's name].
    #[arg(long)]
    pub(crate) origin: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct LogInitArgs {
    /// The log's directory (its tiles, entry bundles and checkpoint).
    #[arg(long)]
    pub(crate) dir: PathBuf,
    /// Where to write the new signing key; it must not be inside the log directory.
    #[arg(long)]
    pub(crate) key: PathBuf,
    /// The log's name: its checkpoint origin and key name, e.g. `log.example.com/lumen`.
    #[arg(long)]
    pub(crate) origin: String,
}

#[derive(Debug, Args)]
pub(crate) struct LogAppendArgs {
    #[command(flatten)]
    pub(crate) log: LogTarget,
    /// Print the result as JSON.
    #[arg(long)]
    pub(crate) json: bool,
    /// The files to append, each as one entry (`-` for stdin).
    #[arg(required = true)]
    pub(crate) files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct LogServeArgs {
    #[command(flatten)]
    pub(crate) log: LogTarget,
    /// The address to listen on; port 0 picks a free port. The bound address is printed first.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub(crate) listen: std::net::SocketAddr,
    /// Close a batch once it holds this many entries.
    #[arg(long, default_value_t = 4096)]
    pub(crate) max_batch: usize,
    /// Close a batch this many milliseconds after its first entry.
    #[arg(long, default_value_t = 50)]
    pub(crate) max_delay_ms: u64,
    #[command(flatten)]
    pub(crate) limits: ServeLimitsArgs,
}

/// The limits a `lumen … serve` command enforces on its clients (a client is an IP address, or
/// an IPv6 /64); see the `lumen-server` crate.
#[derive(Debug, Args)]
#[command(next_help_heading = "Client limits")]
pub(crate) struct ServeLimitsArgs {
    /// Seconds from a request's first byte to the end of its headers (slower senders are cut).
    #[arg(long, value_name = "SECS", default_value_t = lumen_server::limits::DEFAULT_HEADER_READ_TIMEOUT.as_secs())]
    pub(crate) header_timeout_secs: u64,
    /// Seconds a connection may stay open without a request in progress (keep-alive idle).
    #[arg(long, value_name = "SECS", default_value_t = lumen_server::limits::DEFAULT_IDLE_TIMEOUT.as_secs())]
    pub(crate) idle_timeout_secs: u64,
    /// Seconds to receive a request body (slower senders get 408).
    #[arg(long, value_name = "SECS", default_value_t = lumen_server::limits::DEFAULT_BODY_READ_TIMEOUT.as_secs())]
    pub(crate) body_timeout_secs: u64,
    /// Seconds to answer a request (slower requests get 503).
    #[arg(long, value_name = "SECS", default_value_t = lumen_server::limits::DEFAULT_HANDLER_TIMEOUT.as_secs())]
    pub(crate) handler_timeout_secs: u64,
    /// Seconds to send a response (slower readers are cut).
    #[arg(long, value_name = "SECS", default_value_t = lumen_server::limits::DEFAULT_RESPONSE_WRITE_TIMEOUT.as_secs())]
    pub(crate) write_timeout_secs: u64,
    /// Open connections in all (the open-file limit is raised to fit, if the hard limit allows).
    #[arg(long, value_name = "N", default_value_t = lumen_server::limits::DEFAULT_MAX_CONNECTIONS)]
    pub(crate) max_connections: usize,
    /// Open connections per client.
    #[arg(long, value_name = "N", default_value_t = lumen_server::limits::DEFAULT_MAX_CONNECTIONS_PER_CLIENT)]
    pub(crate) max_connections_per_ip: usize,
    /// Requests a second per client, sustained (beyond it: 429 with Retry-After).
    #[arg(long, value_name = "N", default_value_t = lumen_server::limits::DEFAULT_REQUESTS_PER_SECOND)]
    pub(crate) rate_per_ip: u32,
    /// Requests per client allowed in a burst.
    #[arg(long, value_name = "N", default_value_t = lumen_server::limits::DEFAULT_REQUEST_BURST)]
    pub(crate) burst_per_ip: u32,
}

impl ServeLimitsArgs {
    /// The server limits these flags give, with request bodies up to `max_body_bytes`.
    pub(crate) fn limits(&self, max_body_bytes: usize) -> lumen_server::ServerLimits {
        use std::time::Duration;
        let mut l = lumen_server::ServerLimits::default();
        l.header_read_timeout = Duration::from_secs(self.header_timeout_secs);
        l.idle_timeout = Duration::from_secs(self.idle_timeout_secs);
        l.body_read_timeout = Duration::from_secs(self.body_timeout_secs);
        l.handler_timeout = Duration::from_secs(self.handler_timeout_secs);
        l.response_write_timeout = Duration::from_secs(self.write_timeout_secs);
        l.max_connections = self.max_connections;
        l.max_connections_per_client = self.max_connections_per_ip;
        l.requests_per_second = self.rate_per_ip;
        l.request_burst = self.burst_per_ip;
        l.max_body_bytes = max_body_bytes;
        l
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum KeyCommand {
    /// Generate a new Ed25519 key and write it, encrypted with a passphrase, to a key file.
    ///
    /// The passphrase is read from LUMEN_KEY_PASSPHRASE if set, otherwise asked for twice on the
    /// terminal without echo.
    Generate(GenerateArgs),
    /// Print the public key and key id of a key file (no passphrase needed).
    Public(PublicArgs),
}

#[derive(Debug, Args)]
pub(crate) struct GenerateArgs {
    /// Where to write the key [default: $LUMEN_HOME/signing.key, or ~/.lumen/signing.key].
    #[arg(long, short)]
    pub(crate) out: Option<PathBuf>,
    /// Write the key unencrypted (PKCS#8 PEM). Anyone who can read the file can sign as you.
    #[arg(long)]
    pub(crate) unencrypted: bool,
    /// Replace an existing key file.
    #[arg(long)]
    pub(crate) force: bool,
    /// Print the public key as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct PublicArgs {
    /// The key file.
    pub(crate) file: PathBuf,
    /// Print as JSON (algorithm, public key in hex and PEM, key id).
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct SignArgs {
    /// The private key file.
    #[arg(long, short)]
    pub(crate) key: PathBuf,
    /// Write the signature to this file instead of stdout.
    #[arg(long, short)]
    pub(crate) out: Option<PathBuf>,
    /// The file to sign (`-` for stdin).
    pub(crate) input: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// The signer's public key: 64 hex digits, or a file holding a PEM public key, hex, or a key file.
    #[arg(long, short = 'p')]
    pub(crate) public_key: String,
    /// The signature file (Base64 as printed by `lumen sign`, or 64 raw bytes).
    #[arg(long, short)]
    pub(crate) signature: PathBuf,
    /// The signed file (`-` for stdin).
    pub(crate) input: PathBuf,
}

/// `lumen tuf …`: the repository side of The Update Framework.
#[derive(Debug, Subcommand)]
pub(crate) enum TufCommand {
    /// Create a repository: root version 1 with the keys of every role.
    ///
    /// Root is signed with the root keys among --key; if they meet the root threshold it is
    /// published with empty targets (targets, snapshot and timestamp keys must be among --key),
    /// otherwise it stays staged for `lumen tuf sign` and `lumen tuf publish`.
    Init(TufInitArgs),
    /// Add target files (copied into REPO/targets and hashed) or target descriptions (--manifest),
    /// then sign and publish.
    AddTarget(TufAddTargetArgs),
    /// Remove targets from the metadata, then sign and publish (the files stay).
    RemoveTarget(TufRemoveTargetArgs),
    /// Delegate targets to a new role, to classic hash bins, or to succinct hash bins.
    Delegate(TufDelegateArgs),
    /// Remove a delegation (the role's files stay, but clients no longer trust it).
    Revoke(TufRevokeArgs),
    /// Change the keys or threshold of a role.
    ///
    /// For root, timestamp, snapshot and targets this stages a new root version, signed with the
    /// root keys among --key; the old and the new root keys must both reach their thresholds
    /// (`lumen tuf sign`) before `lumen tuf publish`. For a delegated role the delegator is
    /// re-signed at once.
    Rotate(TufRotateArgs),
    /// Add signatures to the staged root (or to a root file, on an offline machine).
    Sign(TufSignArgs),
    /// Publish the staged root once both thresholds are met, re-signing the roles whose keys
    /// changed.
    Publish(TufPublishArgs),
    /// Drop the staged root version (e.g. a stale one), keeping the published repository.
    Discard(TufRepo),
    /// The online job: new snapshot and timestamp versions with fresh expiry.
    Refresh(TufRefreshArgs),
    /// Show versions, expiry, keys and thresholds of every top-level role, and the staged root.
    Status(TufStatusArgs),
    /// Check the repository with the TUF client: walk the root chain, refresh, and download
    /// targets; exits 1 if a client would refuse it.
    Verify(TufVerifyArgs),
}

#[derive(Debug, Args)]
pub(crate) struct TufRepo {
    /// The repository directory (holding metadata/, targets/, staged/ and editor.json).
    #[arg(long, value_name = "DIR")]
    pub(crate) repo: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct TufKeys {
    /// A private key file to sign with (repeatable); its passphrase comes from
    /// LUMEN_KEY_PASSPHRASE or the terminal.
    #[arg(long = "key", short = 'k', value_name = "KEY_FILE")]
    pub(crate) keys: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct TufInitArgs {
    #[command(flatten)]
    pub(crate) repo: TufRepo,
    /// A root public key (repeatable): a key file, a PEM public key, or 64 hex digits.
    #[arg(long, required = true, value_name = "PUBLIC_KEY")]
    pub(crate) root_key: Vec<String>,
    /// Root signatures required.
    #[arg(long, default_value_t = 1)]
    pub(crate) root_threshold: u32,
    /// A targets public key (repeatable).
    #[arg(long, required = true, value_name = "PUBLIC_KEY")]
    pub(crate) targets_key: Vec<String>,
    /// Targets signatures required.
    #[arg(long, default_value_t = 1)]
    pub(crate) targets_threshold: u32,
    /// A snapshot public key (repeatable).
    #[arg(long, required = true, value_name = "PUBLIC_KEY")]
    pub(crate) snapshot_key: Vec<String>,
    /// Snapshot signatures required.
    #[arg(long, default_value_t = 1)]
    pub(crate) snapshot_threshold: u32,
    /// A timestamp public key (repeatable).
    #[arg(long, required = true, value_name = "PUBLIC_KEY")]
    pub(crate) timestamp_key: Vec<String>,
    /// Timestamp signatures required.
    #[arg(long, default_value_t = 1)]
    pub(crate) timestamp_threshold: u32,
    /// Write unversioned metadata names and plain target names (not recommended: clients may
    /// see a mix of old and new files while the repository is updated).
    #[arg(long)]
    pub(crate) no_consistent_snapshot: bool,
    /// Validity of a role's metadata, as ROLE=DURATION (e.g. timestamp=6h, root=730d, bins=3d);
    /// repeatable. Defaults: root 365d, targets 90d, snapshot 7d, timestamp 1d, delegated 90d.
    #[arg(long = "expires", value_name = "ROLE=DURATION")]
    pub(crate) expires: Vec<String>,
    /// List length and SHA-256 of every targets role in snapshot.
    #[arg(long)]
    pub(crate) snapshot_meta_hashes: bool,
    #[command(flatten)]
    pub(crate) keys: TufKeys,
}

#[derive(Debug, Args)]
pub(crate) struct TufAddTargetArgs {
    #[command(flatten)]
    pub(crate) repo: TufRepo,
    /// The role to add to [default: the role clients look in, following delegations].
    #[arg(long)]
    pub(crate) role: Option<String>,
    /// The target path of the (single) file [default: its file name].
    #[arg(long)]
    pub(crate) path: Option<String>,
    /// A directory prefix for the target paths, e.g. `packages/lumen-http/`.
    #[arg(long, default_value = "")]
    pub(crate) prefix: String,
    /// The target's `custom` metadata, as a JSON value.
    #[arg(long)]
    pub(crate) custom: Option<String>,
    /// Add target descriptions from a JSON-lines file of {"path", "length", "hashes"} without
    /// reading any target file (bulk; `-` for stdin).
    #[arg(long, value_name = "FILE")]
    pub(crate) manifest: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) keys: TufKeys,
    /// The files to add.
    #[arg(required_unless_present = "manifest")]
    pub(crate) files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct TufRemoveTargetArgs {
    #[command(flatten)]
    pub(crate) repo: TufRepo,
    /// The role to remove from [default: the role clients find the target in].
    #[arg(long)]
    pub(crate) role: Option<String>,
    #[command(flatten)]
    pub(crate) keys: TufKeys,
    /// The target paths.
    #[arg(required = true)]
    pub(crate) paths: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct TufDelegateArgs {
    #[command(flatten)]
    pub(crate) repo: TufRepo,
    /// The delegating role.
    #[arg(long, default_value = "targets")]
    pub(crate) delegator: String,
    /// The new role's name (for hash bins, the prefix of the bins' names).
    #[arg(long)]
    pub(crate) name: String,
    /// A public key of the new role (repeatable): key file, PEM public key, or 64 hex digits.
    #[arg(long, required = true, value_name = "PUBLIC_KEY")]
    pub(crate) delegate_key: Vec<String>,
    /// Signatures the new role needs.
    #[arg(long, default_value_t = 1)]
    pub(crate) threshold: u32,
    /// Target path patterns the role may sign for (repeatable; `*` matches within a segment).
    #[arg(long = "paths", value_name = "PATTERN", group = "scope")]
    pub(crate) paths: Vec<String>,
    /// SHA-256 prefixes (hex) of the target paths the role may sign for (repeatable).
    #[arg(long = "path-hash-prefix", value_name = "HEX", group = "scope")]
    pub(crate) path_hash_prefixes: Vec<String>,
    /// Delegate everything to N classic hash bins (`path_hash_prefixes`; N a power of two).
    #[arg(long, value_name = "N", group = "scope")]
    pub(crate) hash_bins: Option<u64>,
    /// Delegate everything to 2^B succinct hash bins (TAP 15).
    #[arg(long, value_name = "B", group = "scope")]
    pub(crate) succinct_bits: Option<u8>,
    /// Stop the clients' search at this role when it matches.
    #[arg(long)]
    pub(crate) terminating: bool,
    #[command(flatten)]
    pub(crate) keys: TufKeys,
}

#[derive(Debug, Args)]
pub(crate) struct TufRevokeArgs {
    #[command(flatten)]
    pub(crate) repo: TufRepo,
    /// The delegating role.
    #[arg(long, default_value = "targets")]
    pub(crate) delegator: String,
    /// The delegated role (for succinct bins, their name prefix).
    #[arg(long)]
    pub(crate) name: String,
    #[command(flatten)]
    pub(crate) keys: TufKeys,
}

#[derive(Debug, Args)]
pub(crate) struct TufRotateArgs {
    #[command(flatten)]
    pub(crate) repo: TufRepo,
    /// The role: root, timestamp, snapshot, targets, or a delegated role (for succinct bins,
    /// their name prefix).
    #[arg(long)]
    pub(crate) role: String,
    /// The delegator of a delegated role [default: found from the delegations].
    #[arg(long)]
    pub(crate) delegator: Option<String>,
    /// A public key to add (repeatable): key file, PEM public key, or 64 hex digits.
    #[arg(long, value_name = "PUBLIC_KEY")]
    pub(crate) add_key: Vec<String>,
    /// A key to remove (repeatable): its TUF key id, or the public key (file or hex).
    #[arg(long, value_name = "KEY")]
    pub(crate) remove_key: Vec<String>,
    /// The new threshold.
    #[arg(long)]
    pub(crate) threshold: Option<u32>,
    #[command(flatten)]
    pub(crate) keys: TufKeys,
}

#[derive(Debug, Args)]
pub(crate) struct TufSignArgs {
    /// The repository whose staged root to sign.
    #[arg(long, value_name = "DIR", required_unless_present = "file")]
    pub(crate) repo: Option<PathBuf>,
    /// Sign this root file in place instead (e.g. a copy on an offline machine).
    #[arg(long, value_name = "ROOT_FILE")]
    pub(crate) file: Option<PathBuf>,
    /// With --file: the root it succeeds, when a signing key is a root key only of that one.
    #[arg(long, value_name = "ROOT_FILE", requires = "file")]
    pub(crate) previous: Option<PathBuf>,
    /// Replace the staged root with this root file (e.g. one signed elsewhere) before signing.
    #[arg(long, value_name = "ROOT_FILE", conflicts_with = "file")]
    pub(crate) import: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) keys: TufKeys,
}

#[derive(Debug, Args)]
pub(crate) struct TufPublishArgs {
    #[command(flatten)]
    pub(crate) repo: TufRepo,
    #[command(flatten)]
    pub(crate) keys: TufKeys,
}

#[derive(Debug, Args)]
pub(crate) struct TufRefreshArgs {
    #[command(flatten)]
    pub(crate) repo: TufRepo,
    /// Only a new timestamp.
    #[arg(long)]
    pub(crate) timestamp_only: bool,
    /// Also re-sign this targets role with a new version and expiry (repeatable).
    #[arg(long = "role", value_name = "ROLE")]
    pub(crate) roles: Vec<String>,
    #[command(flatten)]
    pub(crate) keys: TufKeys,
}

#[derive(Debug, Args)]
pub(crate) struct TufStatusArgs {
    #[command(flatten)]
    pub(crate) repo: TufRepo,
    /// Print as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct TufVerifyArgs {
    #[command(flatten)]
    pub(crate) repo: TufRepo,
    /// The root the client trusts [default: REPO/metadata/1.root.json].
    #[arg(long, value_name = "ROOT_FILE")]
    pub(crate) root: Option<PathBuf>,
    /// A target to look up and download (repeatable).
    #[arg(long = "target", value_name = "PATH")]
    pub(crate) targets: Vec<String>,
    /// Print the result as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}
