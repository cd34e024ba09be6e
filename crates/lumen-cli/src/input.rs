//! Reading the files a command is given: a regular file or, for `-`, standard input, at most a
//! given number of bytes.

use crate::error::CliError;
use lumen_crypto::fs::{read_capped, read_regular_file};
use std::path::Path;

/// The largest public-key or signature file read.
pub(crate) const MAX_SMALL_FILE: u64 = 64 * 1024;

/// Reads the file at `path` (`-`: standard input), at most `limit` bytes. Only a regular file is
/// opened, without blocking: a FIFO, device, socket or directory is refused
/// ([`lumen_crypto::fs`]). Standard input is read as it is, whatever it is connected to.
pub(crate) fn read_input(path: &Path, limit: u64) -> Result<Vec<u8>, CliError> {
    if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        read_capped(std::io::stdin().lock(), path, limit, &mut buf)
            .map_err(|e| CliError::file(&e))?;
        return Ok(buf);
    }
    read_regular_file(path, limit).map_err(|e| CliError::file(&e))
}
