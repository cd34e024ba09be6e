//! The command-line grammar (clap derive): one definition for parsing and `--help`.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Lumen Security: signing keys and detached signatures for Lumen packages.
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
