//! Reading a log over HTTP: [`HttpTiles`] is a [`TileReader`] whose reads are C2SP
//! tlog-tiles `GET`s, so [`crate::tiles::TileHashReader`], [`crate::receipt`] and
//! [`crate::monitor`] work on a remote log exactly as on a local copy.
//!
//! Every response is capped at the largest size its resource can have (a checkpoint note, a hash
//! tile of 256 hashes, an entry bundle of 256 maximal entries); anything longer is an error, as is
//! any status other than 200 and 404. Nothing read here is trusted: callers verify checkpoints
//! and hash what they read against them.

use crate::note::MAX_NOTE_SIZE;
use crate::storage::TileReader;
use crate::tiles::{HASH_LEN, MAX_ENTRY_LEN, TILE_WIDTH};
use lumen_crypto::http::{ClientOptions, HttpClientError, Redirects, TrustRoots, blocking_client};
use std::io::{self, Read};
use std::time::Duration;

/// Why a remote log could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RemoteError {
    /// The base URL does not parse or is not `http`/`https`.
    #[error("{url:?} is not an http(s) URL")]
    BadUrl {
        /// The URL as given.
        url: String,
    },
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(#[from] HttpClientError),
}

/// A remote tiled log at a base URL (the tlog-tiles *prefix*).
#[derive(Debug, Clone)]
pub struct HttpTiles {
    client: reqwest::blocking::Client,
    base: reqwest::Url,
}

impl HttpTiles {
    /// A reader for the log whose resources live under `base_url`
    /// (`https://log.example/prefix/` → `…/checkpoint`, `…/tile/0/000`).
    pub fn new(base_url: &str) -> Result<Self, RemoteError> {
        let bad = || RemoteError::BadUrl {
            url: base_url.to_owned(),
        };
        let mut base = reqwest::Url::parse(base_url).map_err(|_| bad())?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(bad());
        }
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let client = blocking_client(&ClientOptions {
            roots: TrustRoots::Platform,
            connect_timeout: None,
            timeout: Duration::from_secs(30),
            redirects: Redirects::Limited(3),
        })?;
        Ok(Self { client, base })
    }

    /// The log's current signed checkpoint (unverified).
    pub fn checkpoint(&self) -> io::Result<Vec<u8>> {
        self.read("checkpoint")?
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "the log serves no checkpoint"))
    }
}

/// The largest body `path` may have (also the cap on local reads, [`crate::storage::FsStorage`]).
pub(crate) fn size_cap(path: &str) -> usize {
    if path == "checkpoint" {
        MAX_NOTE_SIZE
    } else if path.starts_with("tile/entries/") {
        TILE_WIDTH as usize * (2 + MAX_ENTRY_LEN)
    } else {
        TILE_WIDTH as usize * HASH_LEN
    }
}

impl TileReader for HttpTiles {
    fn read(&self, path: &str) -> io::Result<Option<Vec<u8>>> {
        let url = self
            .base
            .join(path)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let resp = self
            .client
            .get(url.clone())
            .send()
            .map_err(io::Error::other)?;
        match resp.status() {
            reqwest::StatusCode::OK => {}
            reqwest::StatusCode::NOT_FOUND => return Ok(None),
            status => return Err(io::Error::other(format!("GET {url}: HTTP {status}"))),
        }
        let cap = size_cap(path);
        let mut body = Vec::new();
        resp.take(cap as u64 + 1).read_to_end(&mut body)?;
        if body.len() > cap {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("GET {url}: response longer than {cap} bytes"),
            ));
        }
        Ok(Some(body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked_and_normalized() {
        for bad in ["", "ftp://x/", "not a url", "mailto:a@b", "file:///tmp/log"] {
            assert!(
                matches!(HttpTiles::new(bad), Err(RemoteError::BadUrl { .. })),
                "{bad:?}"
            );
        }
        let t = HttpTiles::new("https://log.example/prefix").unwrap();
        assert_eq!(t.base.as_str(), "https://log.example/prefix/");
        assert_eq!(
            t.base.join("tile/0/000").unwrap().as_str(),
            "https://log.example/prefix/tile/0/000"
        );
        assert_eq!(size_cap("tile/0/000"), 8192);
        assert_eq!(size_cap("tile/entries/000.p/3"), 256 * 65_537);
    }
}
