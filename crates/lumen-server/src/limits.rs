//! [`ServerLimits`]: every bound the serving loop enforces, with defaults suited to a public
//! service such as a transparency log.

use crate::error::LimitsError;
use std::fmt;
use std::time::Duration;

/// Default [`ServerLimits::header_read_timeout`]: 10 s from a request's first byte to the end of its headers.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Default [`ServerLimits::idle_timeout`]: 15 s without a request in progress.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(15);
/// Default [`ServerLimits::body_read_timeout`]: 30 s to receive a whole request body.
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Default [`ServerLimits::handler_timeout`]: 30 s from the end of the headers to the response.
pub const DEFAULT_HANDLER_TIMEOUT: Duration = Duration::from_secs(30);
/// Default [`ServerLimits::response_write_timeout`]: 60 s to hand a whole response to the socket.
pub const DEFAULT_RESPONSE_WRITE_TIMEOUT: Duration = Duration::from_secs(60);
/// Default [`ServerLimits::max_connections`]: 1024 open connections.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// Default [`ServerLimits::max_connections_per_client`]: 32 open connections per client.
pub const DEFAULT_MAX_CONNECTIONS_PER_CLIENT: usize = 32;
/// Default [`ServerLimits::requests_per_second`]: 50 requests a second per client, sustained.
pub const DEFAULT_REQUESTS_PER_SECOND: u32 = 50;
/// Default [`ServerLimits::request_burst`]: bursts of 200 requests per client.
pub const DEFAULT_REQUEST_BURST: u32 = 200;
/// Default [`ServerLimits::max_header_bytes`]: 16 KiB of request line and headers.
pub const DEFAULT_MAX_HEADER_BYTES: usize = 16 * 1024;
/// Default [`ServerLimits::max_headers`]: 64 header fields.
pub const DEFAULT_MAX_HEADERS: usize = 64;
/// Default [`ServerLimits::max_body_bytes`]: 1 MiB request bodies.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// Default [`ServerLimits::shutdown_grace`]: 10 s for requests in progress at shutdown.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Smallest [`ServerLimits::max_header_bytes`] accepted: a request line and a few headers.
pub const MIN_HEADER_BYTES: usize = 1024;
/// Largest [`ServerLimits::max_header_bytes`] accepted (1 MiB).
pub const MAX_HEADER_BYTES: usize = 1024 * 1024;

/// File descriptors kept free beyond [`ServerLimits::max_connections`]: the listener, the
/// runtime, files the handlers open, and the connection being refused or evicted.
pub const RESERVED_FDS: u64 = 256;

/// The bounds a server enforces on its clients.
///
/// A *client* is an IPv4 address or an IPv6 /64 network (see [`crate::ClientKey`]). Change
/// fields of [`ServerLimits::default`] to adjust it; [`crate::Server::new`] validates them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerLimits {
    /// Time from the first byte of a request to the end of its headers; a client that sends
    /// headers slower than this (slowloris) is disconnected.
    pub header_read_timeout: Duration,
    /// Time a connection may stay open with no request in progress and no byte of a new one
    /// received (a fresh connection, or a keep-alive connection between requests).
    pub idle_timeout: Duration,
    /// Time from the end of a request's headers to the end of its body; a slower sender gets
    /// `408 Request Timeout` and is disconnected.
    pub body_read_timeout: Duration,
    /// Time from the end of a request's headers until the handler answers; a slower handler's
    /// request is answered `503 Service Unavailable` and the connection is closed.
    pub handler_timeout: Duration,
    /// Time to hand a whole response to the socket; a client that reads slower (slow read) is
    /// disconnected.
    pub response_write_timeout: Duration,
    /// Open connections in all. When the server is full, a new connection closes the
    /// connection that has been waiting longest for a request; if every connection is busy
    /// with a request, the new one is answered `503` and closed.
    pub max_connections: usize,
    /// Open connections per client; a client's connection beyond this is answered `503` and
    /// closed.
    pub max_connections_per_client: usize,
    /// Requests a second each client may make, sustained (GCRA); beyond it, `429 Too Many
    /// Requests` with `Retry-After`.
    pub requests_per_second: u32,
    /// Requests a client may make at once before [`Self::requests_per_second`] applies.
    pub request_burst: u32,
    /// Bytes of request line and headers; more is answered `431` and closed.
    pub max_header_bytes: usize,
    /// Header fields per request; more is answered `431` and closed.
    pub max_headers: usize,
    /// Bytes of request body; a larger declared `Content-Length` is answered `413` at once,
    /// and a chunked body that grows larger fails with `413`.
    pub max_body_bytes: usize,
    /// Time that requests in progress at shutdown may take to finish before they are dropped.
    pub shutdown_grace: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
            handler_timeout: DEFAULT_HANDLER_TIMEOUT,
            response_write_timeout: DEFAULT_RESPONSE_WRITE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_connections_per_client: DEFAULT_MAX_CONNECTIONS_PER_CLIENT,
            requests_per_second: DEFAULT_REQUESTS_PER_SECOND,
            request_burst: DEFAULT_REQUEST_BURST,
            max_header_bytes: DEFAULT_MAX_HEADER_BYTES,
            max_headers: DEFAULT_MAX_HEADERS,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
        }
    }
}

/// Names a field of [`ServerLimits`] in a [`LimitsError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Limit {
    /// [`ServerLimits::header_read_timeout`].
    HeaderReadTimeout,
    /// [`ServerLimits::idle_timeout`].
    IdleTimeout,
    /// [`ServerLimits::body_read_timeout`].
    BodyReadTimeout,
    /// [`ServerLimits::handler_timeout`].
    HandlerTimeout,
    /// [`ServerLimits::response_write_timeout`].
    ResponseWriteTimeout,
    /// [`ServerLimits::max_connections`].
    MaxConnections,
    /// [`ServerLimits::max_connections_per_client`].
    MaxConnectionsPerClient,
    /// [`ServerLimits::requests_per_second`].
    RequestsPerSecond,
    /// [`ServerLimits::request_burst`].
    RequestBurst,
    /// [`ServerLimits::max_header_bytes`].
    MaxHeaderBytes,
    /// [`ServerLimits::max_headers`].
    MaxHeaders,
    /// [`ServerLimits::max_body_bytes`].
    MaxBodyBytes,
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::HeaderReadTimeout => "header_read_timeout",
            Self::IdleTimeout => "idle_timeout",
            Self::BodyReadTimeout => "body_read_timeout",
            Self::HandlerTimeout => "handler_timeout",
            Self::ResponseWriteTimeout => "response_write_timeout",
            Self::MaxConnections => "max_connections",
            Self::MaxConnectionsPerClient => "max_connections_per_client",
            Self::RequestsPerSecond => "requests_per_second",
            Self::RequestBurst => "request_burst",
            Self::MaxHeaderBytes => "max_header_bytes",
            Self::MaxHeaders => "max_headers",
            Self::MaxBodyBytes => "max_body_bytes",
        })
    }
}

impl ServerLimits {
    /// Checks that every limit bounds something: no zero timeout or count, a per-client cap
    /// within the total, and a header size in [`MIN_HEADER_BYTES`]`..=`[`MAX_HEADER_BYTES`].
    pub fn validate(&self) -> Result<(), LimitsError> {
        let durations = [
            (Limit::HeaderReadTimeout, self.header_read_timeout),
            (Limit::IdleTimeout, self.idle_timeout),
            (Limit::BodyReadTimeout, self.body_read_timeout),
            (Limit::HandlerTimeout, self.handler_timeout),
            (Limit::ResponseWriteTimeout, self.response_write_timeout),
        ];
        if let Some((limit, _)) = durations.iter().find(|(_, d)| d.is_zero()) {
            return Err(LimitsError::Zero { limit: *limit });
        }
        let counts = [
            (Limit::MaxConnections, self.max_connections),
            (
                Limit::MaxConnectionsPerClient,
                self.max_connections_per_client,
            ),
            (Limit::RequestsPerSecond, self.requests_per_second as usize),
            (Limit::RequestBurst, self.request_burst as usize),
            (Limit::MaxHeaders, self.max_headers),
            (Limit::MaxBodyBytes, self.max_body_bytes),
        ];
        if let Some((limit, _)) = counts.iter().find(|(_, n)| *n == 0) {
            return Err(LimitsError::Zero { limit: *limit });
        }
        if self.max_connections_per_client > self.max_connections {
            return Err(LimitsError::PerClientAboveTotal {
                per_client: self.max_connections_per_client,
                total: self.max_connections,
            });
        }
        if !(MIN_HEADER_BYTES..=MAX_HEADER_BYTES).contains(&self.max_header_bytes) {
            return Err(LimitsError::HeaderBytesOutOfRange {
                got: self.max_header_bytes,
                min: MIN_HEADER_BYTES,
                max: MAX_HEADER_BYTES,
            });
        }
        Ok(())
    }

    /// Open files the server needs: [`Self::max_connections`] plus [`RESERVED_FDS`].
    pub fn fds_needed(&self) -> u64 {
        (self.max_connections as u64).saturating_add(RESERVED_FDS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert_eq!(ServerLimits::default().validate(), Ok(()));
    }

    #[test]
    fn zero_limits_are_refused_by_name() {
        let l = ServerLimits {
            idle_timeout: Duration::ZERO,
            ..ServerLimits::default()
        };
        assert_eq!(
            l.validate(),
            Err(LimitsError::Zero {
                limit: Limit::IdleTimeout
            })
        );
        let l = ServerLimits {
            request_burst: 0,
            ..ServerLimits::default()
        };
        assert_eq!(
            l.validate(),
            Err(LimitsError::Zero {
                limit: Limit::RequestBurst
            })
        );
        let l = ServerLimits {
            max_body_bytes: 0,
            ..ServerLimits::default()
        };
        assert_eq!(
            l.validate(),
            Err(LimitsError::Zero {
                limit: Limit::MaxBodyBytes
            })
        );
    }

    #[test]
    fn per_client_cap_above_total_is_refused() {
        let l = ServerLimits {
            max_connections: 4,
            max_connections_per_client: 5,
            ..ServerLimits::default()
        };
        assert_eq!(
            l.validate(),
            Err(LimitsError::PerClientAboveTotal {
                per_client: 5,
                total: 4
            })
        );
    }

    #[test]
    fn header_bytes_outside_the_range_are_refused() {
        for got in [0, MIN_HEADER_BYTES - 1, MAX_HEADER_BYTES + 1] {
            let l = ServerLimits {
                max_header_bytes: got,
                ..ServerLimits::default()
            };
            assert_eq!(
                l.validate(),
                Err(LimitsError::HeaderBytesOutOfRange {
                    got,
                    min: MIN_HEADER_BYTES,
                    max: MAX_HEADER_BYTES
                })
            );
        }
    }
}
