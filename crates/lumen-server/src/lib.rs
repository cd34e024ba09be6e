//! The hardened HTTP serving loop every Lumen server uses (the transparency log, the registry,
//! the witness): it serves an axum [`Router`](axum::Router) over HTTP/1.1 under
//! [`ServerLimits`], so that no client, idle or slow or fast, can take the service from others.
//!
//! What it enforces (defaults in [`limits`]):
//! - **Timeouts per phase** of a connection: waiting for a request ([`ServerLimits::idle_timeout`],
//!   which cuts idle keep-alive connections), receiving headers once a request has begun
//!   ([`ServerLimits::header_read_timeout`], against slowloris), receiving the body
//!   ([`ServerLimits::body_read_timeout`], `408`), handling ([`ServerLimits::handler_timeout`],
//!   `503`), and sending the response ([`ServerLimits::response_write_timeout`], against slow
//!   readers).
//! - **Connection caps**: in all, and per client (an IPv4 address or an IPv6 /64, see
//!   [`ClientKey`]). A client over its cap is answered `503` and closed at once. When the server
//!   is full, a new connection closes the one that has waited longest without a request in
//!   progress, so idle attackers cannot hold every place; only if every connection is busy is
//!   the new one refused.
//! - **Request rate per client** (GCRA, with a burst): `429 Too Many Requests` with
//!   `Retry-After`.
//! - **Sizes**: header bytes and count (`431`), body bytes (`413`, at once for a declared
//!   `Content-Length`).
//! - **Framing** ([`FramingError`]): an HTTP/1.1 request without `Host`, or any request with
//!   more than one, is answered `400`; a `Transfer-Encoding` other than exactly one `chunked` is
//!   answered `501`; both close the connection. (hyper itself answers `400` to an invalid or
//!   conflicting `Content-Length`, and to a request with both `Content-Length` and
//!   `Transfer-Encoding: chunked` it drops the length, reads the chunked body and closes the
//!   connection after the response, so nothing after that body is read as a request.)
//! - **Descriptors**: [`Server::serve`] refuses to start if the open-file limit cannot hold the
//!   connection cap ([`raise_fd_limit`] lets the binary raise it); `accept` failures such as
//!   `EMFILE` make the loop back off and evict, never spin or exit.
//! - **Graceful shutdown**: stop accepting, let requests in progress finish within
//!   [`ServerLimits::shutdown_grace`].
//!
//! Clients are identified by the TCP peer address; behind a reverse proxy every client is the
//! proxy, so put these limits on the proxy instead (no forwarding header is trusted).
//!
//! ```
//! use axum::{Router, routing::get};
//! use lumen_server::{Event, Server, ServerLimits};
//! use std::time::Duration;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let app = Router::new().route("/checkpoint", get(|| async { "log.example.com/demo\n" }));
//! let mut limits = ServerLimits::default();
//! limits.max_connections = 64;
//! limits.max_body_bytes = 64 * 1024;
//! limits.idle_timeout = Duration::from_secs(10);
//! let server = Server::new(app, limits)?;
//! let stats = server.stats();
//!
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
//! let running = tokio::spawn(server.serve(listener, async {
//!     let _ = stopped.await;
//! }));
//! let _ = stop.send(());
//! running.await??;
//! assert_eq!(stats.count(Event::RateLimited), 0);
//! # Ok(())
//! # }
//! # tokio::runtime::Runtime::new()?.block_on(run())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

mod conn;
pub mod error;
pub mod limits;
mod serve;
mod stats;
#[cfg(feature = "test-support")]
pub mod testing;

pub use error::{BodyReadTimeout, FramingError, LimitsError, ServeError};
pub use limits::{Limit, ServerLimits};
pub use serve::{Server, raise_fd_limit};
pub use stats::{ClientKey, Event, ServerStats};
