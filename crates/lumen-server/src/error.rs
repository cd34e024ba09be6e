//! What can go wrong when configuring or starting a server.

use crate::limits::Limit;
use std::time::Duration;

/// A [`crate::ServerLimits`] that would leave something unbounded or cannot be enforced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LimitsError {
    /// A timeout or count is zero (a zero timeout would drop every request; a zero count
    /// would refuse every client).
    #[error("server limit {limit} is zero")]
    Zero {
        /// The limit that is zero.
        limit: Limit,
    },
    /// The per-client connection cap exceeds the total connection cap.
    #[error("max_connections_per_client ({per_client}) exceeds max_connections ({total})")]
    PerClientAboveTotal {
        /// [`crate::ServerLimits::max_connections_per_client`].
        per_client: usize,
        /// [`crate::ServerLimits::max_connections`].
        total: usize,
    },
    /// The header size limit is outside the range the HTTP/1 parser supports.
    #[error("max_header_bytes is {got}: expected {min} to {max}")]
    HeaderBytesOutOfRange {
        /// The configured size.
        got: usize,
        /// [`crate::limits::MIN_HEADER_BYTES`].
        min: usize,
        /// [`crate::limits::MAX_HEADER_BYTES`].
        max: usize,
    },
}

/// Why a server could not be built or started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The limits are invalid (the caller's configuration).
    #[error("invalid server limits")]
    InvalidLimits(#[from] LimitsError),
    /// The process may not open enough files for the connection cap: accepting would fail with
    /// `EMFILE` before the cap is reached.
    #[error(
        "the open-file limit is {fd_limit}, but max_connections {max_connections} needs {needed} (with {reserved} reserved)"
    )]
    FdLimitTooLow {
        /// The soft `RLIMIT_NOFILE` of the process.
        fd_limit: u64,
        /// [`crate::ServerLimits::max_connections`].
        max_connections: usize,
        /// [`crate::limits::RESERVED_FDS`].
        reserved: u64,
        /// Descriptors needed: `max_connections + reserved`.
        needed: u64,
    },
    /// The open-file limit could not be read or raised.
    #[error("cannot read or raise the open-file limit")]
    FdLimitUnavailable(#[source] std::io::Error),
}

/// The error a request body yields when it is not received within
/// [`crate::ServerLimits::body_read_timeout`]; the server then answers `408` and closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the request body was not received within {timeout:?}")]
pub struct BodyReadTimeout {
    /// The configured body read timeout.
    pub timeout: Duration,
}

/// Why a request's framing was refused before it reached the router (RFC 9112 §3.2, §6.1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FramingError {
    /// An HTTP/1.1 request has no `Host` field (answered `400`).
    #[error("HTTP/1.1 request without a Host header")]
    MissingHost,
    /// A request has more than one `Host` field (answered `400`).
    #[error("request with {count} Host headers")]
    DuplicateHost {
        /// How many `Host` fields it had.
        count: usize,
    },
    /// `Transfer-Encoding` is present in more than one field (answered `501`).
    #[error("request with {fields} Transfer-Encoding headers")]
    RepeatedTransferEncoding {
        /// How many `Transfer-Encoding` fields it had.
        fields: usize,
    },
    /// `Transfer-Encoding` names a coding other than exactly `chunked` (answered `501`).
    #[error("unsupported transfer coding {coding:?}")]
    UnsupportedTransferCoding {
        /// The field's value as received.
        coding: axum::http::HeaderValue,
    },
}

impl FramingError {
    /// The status the server answers with: `400`, or `501` for a transfer coding it does not
    /// implement.
    pub fn status(&self) -> axum::http::StatusCode {
        match self {
            Self::MissingHost | Self::DuplicateHost { .. } => axum::http::StatusCode::BAD_REQUEST,
            Self::RepeatedTransferEncoding { .. } | Self::UnsupportedTransferCoding { .. } => {
                axum::http::StatusCode::NOT_IMPLEMENTED
            }
        }
    }
}
