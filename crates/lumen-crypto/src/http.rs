//! Blocking HTTP(S) clients (reqwest on rustls) for the libraries that fetch: TUF repositories and
//! remote transparency logs. Available with the `http-client` feature.
//!
//! The TLS configuration is built here with the `ring` crypto provider passed explicitly, so no
//! library installs a process-wide default provider (that choice belongs to the binary). Servers are
//! checked against the operating system's trust store through `rustls-platform-verifier`, the
//! verifier reqwest itself uses; TLS 1.2 and 1.3, ALPN `http/1.1`, no HTTP/2.
//!
//! ```
//! use lumen_crypto::http::{ClientOptions, Redirects, TrustRoots, blocking_client};
//! use std::time::Duration;
//!
//! let client = blocking_client(&ClientOptions {
//!     roots: TrustRoots::None, // plain HTTP only
//!     connect_timeout: Some(Duration::from_secs(10)),
//!     timeout: Duration::from_secs(120),
//!     redirects: Redirects::None,
//! })?;
//! # drop(client);
//! # Ok::<(), lumen_crypto::http::HttpClientError>(())
//! ```

use std::sync::Arc;
use std::time::Duration;

/// The certificates an HTTPS server's chain must lead to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustRoots {
    /// The operating system's trust store (`rustls-platform-verifier`), loaded when the client is
    /// built.
    Platform,
    /// None: every HTTPS connection fails. For a client that only speaks plain HTTP, which then
    /// skips loading the platform's store (that costs more than a small request).
    None,
}

/// Which redirects a client follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redirects {
    /// None: a 3xx response is returned as it is.
    None,
    /// At most this many in a row.
    Limited(usize),
}

/// What [`blocking_client`] builds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOptions {
    /// Whom HTTPS servers must be vouched for by.
    pub roots: TrustRoots,
    /// The longest a connection may take to establish; `None` leaves only `timeout`.
    pub connect_timeout: Option<Duration>,
    /// The longest a whole request may take, reading the body included.
    pub timeout: Duration,
    /// Which redirects are followed.
    pub redirects: Redirects,
}

/// Why an HTTP client could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpClientError {
    /// The operating system's trust store could not be loaded (none found, or unreadable).
    #[error("cannot load the platform's trusted certificates: {source}")]
    PlatformRoots {
        /// rustls' error.
        source: rustls::Error,
    },
    /// rustls refused the TLS configuration (a provider without TLS 1.2 or 1.3 suites).
    #[error("cannot configure TLS: {source}")]
    TlsConfig {
        /// rustls' error.
        source: rustls::Error,
    },
    /// reqwest refused the client configuration.
    #[error(transparent)]
    Client(#[from] reqwest::Error),
}

/// A rustls client configuration on the `ring` provider (passed explicitly, nothing is installed
/// process-wide), trusting `roots`, offering ALPN `http/1.1`.
pub fn tls_config(roots: TrustRoots) -> Result<rustls::ClientConfig, HttpClientError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .map_err(|source| HttpClientError::TlsConfig { source })?;
    let builder = match roots {
        TrustRoots::Platform => {
            let verifier = rustls_platform_verifier::Verifier::new(provider)
                .map_err(|source| HttpClientError::PlatformRoots { source })?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
        }
        TrustRoots::None => builder.with_root_certificates(rustls::RootCertStore::empty()),
    };
    let mut config = builder.with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// A blocking client builder configured as `options` say, with [`tls_config`] as its TLS; callers
/// may add to it before building.
pub fn blocking_client_builder(
    options: &ClientOptions,
) -> Result<reqwest::blocking::ClientBuilder, HttpClientError> {
    let mut builder = reqwest::blocking::Client::builder()
        .tls_backend_preconfigured(tls_config(options.roots)?)
        .timeout(options.timeout)
        .redirect(match options.redirects {
            Redirects::None => reqwest::redirect::Policy::none(),
            Redirects::Limited(n) => reqwest::redirect::Policy::limited(n),
        });
    if let Some(t) = options.connect_timeout {
        builder = builder.connect_timeout(t);
    }
    Ok(builder)
}

/// A blocking client configured as `options` say ([`blocking_client_builder`], built).
pub fn blocking_client(
    options: &ClientOptions,
) -> Result<reqwest::blocking::Client, HttpClientError> {
    Ok(blocking_client_builder(options)?.build()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_client_builds_without_a_process_default_provider() {
        assert!(rustls::crypto::CryptoProvider::get_default().is_none());
        let options = ClientOptions {
            roots: TrustRoots::None,
            connect_timeout: None,
            timeout: Duration::from_secs(1),
            redirects: Redirects::Limited(3),
        };
        assert!(blocking_client(&options).is_ok());
        assert!(rustls::crypto::CryptoProvider::get_default().is_none());
        let config = tls_config(TrustRoots::None);
        assert!(matches!(config, Ok(c) if c.alpn_protocols == [b"http/1.1".to_vec()]));
    }

    #[test]
    fn platform_roots_are_loaded_or_refused_with_platform_roots() {
        match tls_config(TrustRoots::Platform) {
            Ok(c) => assert_eq!(c.alpn_protocols, [b"http/1.1".to_vec()]),
            // A system without a CA bundle (a minimal container).
            Err(e) => assert!(matches!(e, HttpClientError::PlatformRoots { .. }), "{e:?}"),
        }
        assert!(rustls::crypto::CryptoProvider::get_default().is_none());
    }
}
