//! The command-line grammar (clap derive): one definition for parsing and `--help`.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Lumen Security: signing keys and signatures, a transparency log, capability policies, and the
/// compile-time capability check of Lumen programs.
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
