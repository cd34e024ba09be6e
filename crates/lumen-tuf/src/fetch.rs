//! Where untrusted bytes come from: an HTTP(S) repository ([`HttpFetcher`], reqwest with rustls,
//! built by [`lumen_crypto::http`]) or a local directory mirror ([`DirFetcher`]). Every read is capped by the caller.

use crate::error::{FetchError, Result, TufError};
use lumen_crypto::http::{ClientOptions, Redirects, TrustRoots};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A source of repository files under one base location.
pub trait Fetcher {
    /// Opens `relative` (a URL path relative to the base, e.g. `2.root.json`,
    /// `pkg/HASH.pkg-1.0.tgz`) for reading.
    fn open(&self, relative: &str) -> Result<Box<dyn Read + '_>, FetchError>;

    /// Where `relative` lives, for messages.
    fn location(&self, relative: &str) -> String;
}

impl<T: Fetcher + ?Sized> Fetcher for Box<T> {
    fn open(&self, relative: &str) -> Result<Box<dyn Read + '_>, FetchError> {
        (**self).open(relative)
    }
    fn location(&self, relative: &str) -> String {
        (**self).location(relative)
    }
}

impl<T: Fetcher + ?Sized> Fetcher for &T {
    fn open(&self, relative: &str) -> Result<Box<dyn Read + '_>, FetchError> {
        (**self).open(relative)
    }
    fn location(&self, relative: &str) -> String {
        (**self).location(relative)
    }
}

/// The most [`fetch_capped`] reserves before reading.
const PREALLOCATE_MAX: usize = 32 << 20;

/// Reads all of `relative`, failing with [`TufError::EndlessData`] past `max` bytes.
pub fn fetch_capped(fetcher: &dyn Fetcher, relative: &str, max: u64) -> Result<Vec<u8>> {
    let fetch_err = |source| TufError::Fetch {
        url: fetcher.location(relative),
        source,
    };
    let reader = fetcher.open(relative).map_err(fetch_err)?;
    // Reserve up to the cap at once (untouched capacity costs no memory): multi-megabyte
    // metadata is then read without a reallocation and copy at every doubling.
    let mut out = Vec::with_capacity(
        usize::try_from(max)
            .map_or(PREALLOCATE_MAX, |m| m.min(PREALLOCATE_MAX))
            .saturating_add(1),
    );
    reader
        .take(max.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| fetch_err(FetchError::Io(e)))?;
    if out.len() as u64 > max {
        return Err(TufError::EndlessData {
            url: fetcher.location(relative),
            max,
        });
    }
    Ok(out)
}

/// Fetches over HTTP(S) below a base URL. Only status 200 is success; 404 is
/// [`FetchError::NotFound`]. Redirects are not followed (a TUF repository has fixed names).
#[derive(Debug, Clone)]
pub struct HttpFetcher {
    client: reqwest::blocking::Client,
    base: url::Url,
}

impl HttpFetcher {
    /// A fetcher for files under `base` (a trailing `/` is added if missing).
    pub fn new(base: &str) -> Result<Self> {
        let bad = || TufError::Fetch {
            url: base.to_owned(),
            source: FetchError::BadUrl,
        };
        let mut url = url::Url::parse(base).map_err(|_| bad())?;
        if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
            return Err(bad());
        }
        if !url.path().ends_with('/') {
            let p = format!("{}/", url.path());
            url.set_path(&p);
        }
        let client = lumen_crypto::http::blocking_client(&ClientOptions {
            // Plain HTTP never verifies a certificate: skip loading the platform's roots, which
            // costs more than a whole refresh.
            roots: if url.scheme() == "http" {
                TrustRoots::None
            } else {
                TrustRoots::Platform
            },
            connect_timeout: Some(Duration::from_secs(10)),
            timeout: Duration::from_secs(120),
            redirects: Redirects::None,
        })
        .map_err(|e| TufError::Fetch {
            url: base.to_owned(),
            source: FetchError::Transport(Box::new(e)),
        })?;
        Ok(Self { client, base: url })
    }

    fn url(&self, relative: &str) -> Result<url::Url, FetchError> {
        let url = self.base.join(relative).map_err(|_| FetchError::BadUrl)?;
        // A relative path must not escape the base (`../`, `//host`, `scheme:`).
        if !url.as_str().starts_with(self.base.as_str()) {
            return Err(FetchError::BadUrl);
        }
        Ok(url)
    }
}

impl Fetcher for HttpFetcher {
    fn open(&self, relative: &str) -> Result<Box<dyn Read + '_>, FetchError> {
        let url = self.url(relative)?;
        let resp = self
            .client
            .get(url)
            .send()
            .map_err(|e| FetchError::Transport(Box::new(e)))?;
        match resp.status().as_u16() {
            200 => Ok(Box::new(resp)),
            404 => Err(FetchError::NotFound),
            s => Err(FetchError::Status(s)),
        }
    }

    fn location(&self, relative: &str) -> String {
        self.url(relative)
            .map(String::from)
            .unwrap_or_else(|_| format!("{}{relative}", self.base))
    }
}

/// Reads files from a local directory laid out like the repository's URL space (an offline
/// mirror). `relative` is used verbatim as a path; `.`/`..`/empty segments are refused.
#[derive(Debug, Clone)]
pub struct DirFetcher {
    dir: PathBuf,
}

impl DirFetcher {
    /// A fetcher for files under `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    fn path(&self, relative: &str) -> Result<PathBuf, FetchError> {
        let mut p = self.dir.clone();
        for seg in relative.split('/') {
            if seg.is_empty() || seg == "." || seg == ".." || seg.contains('\\') {
                return Err(FetchError::BadUrl);
            }
            p.push(seg);
        }
        Ok(p)
    }
}

impl Fetcher for DirFetcher {
    fn open(&self, relative: &str) -> Result<Box<dyn Read + '_>, FetchError> {
        let path = self.path(relative)?;
        match lumen_crypto::fs::open_regular_file(&path).map_err(std::io::Error::from) {
            Ok(f) => Ok(Box::new(f)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(FetchError::NotFound),
            Err(e) => Err(FetchError::Io(e)),
        }
    }

    fn location(&self, relative: &str) -> String {
        Path::new(&self.dir).join(relative).display().to_string()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn http_paths_cannot_escape_the_base() {
        let f = HttpFetcher::new("http://127.0.0.1:1/repo/metadata").unwrap();
        assert_eq!(
            f.url("1.root.json").unwrap().as_str(),
            "http://127.0.0.1:1/repo/metadata/1.root.json"
        );
        for bad in [
            "../x",
            "//evil.example/x",
            "http://evil.example/x",
            "a/../../x",
        ] {
            assert!(matches!(f.url(bad), Err(FetchError::BadUrl)), "{bad}");
        }
        assert!(
            f.url("a/b c.txt")
                .unwrap()
                .as_str()
                .ends_with("a/b%20c.txt")
        );
    }

    #[test]
    fn dir_paths_cannot_escape_the_base() {
        let f = DirFetcher::new("/srv/mirror");
        assert!(f.path("a/b.json").is_ok());
        for bad in ["../x", "/x", "a//b", "a/./b", "a\\..\\b"] {
            assert!(f.path(bad).is_err(), "{bad}");
        }
    }
}
