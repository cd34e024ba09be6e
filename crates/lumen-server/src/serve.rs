//! The accept loop, admission (connection caps and eviction), the per-connection watchdog and
//! the per-request guards (rate limit, body limit, body and handler timeouts).

use crate::conn::{ConnState, GuardedBody, Phase, TrackedBody, TrackedStream};
use crate::error::{FramingError, ServeError};
use crate::limits::{RESERVED_FDS, ServerLimits};
use crate::stats::{ClientKey, Event, ServerStats};
use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, HeaderValue, Request, Response, StatusCode, Version, header};
use governor::clock::{Clock, MonotonicClock};
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};
use http_body::Body as _;
use http_body_util::Limited;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tower::ServiceExt as _;

/// How long a new connection waits for an evicted one to release its place.
const EVICTION_WAIT: Duration = Duration::from_millis(250);
/// First and longest pause after `accept` fails for lack of a resource.
const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(10);
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);
/// How often the rate limiter forgets clients whose state is back to fresh.
const RATE_SWEEP: Duration = Duration::from_secs(10);
/// Written (best effort, without waiting) to a connection refused at admission.
const REFUSAL: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\nconnection: close\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 20\r\n\r\ntoo many connections\n";

type Limiter = RateLimiter<ClientKey, HashMapStateStore<ClientKey>, MonotonicClock>;

/// An axum [`Router`] served under [`ServerLimits`]; see the crate documentation.
pub struct Server {
    router: Router,
    limits: ServerLimits,
    stats: Arc<ServerStats>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// A server for `router` under `limits`, once the limits are [validated](ServerLimits::validate).
    pub fn new(router: Router, limits: ServerLimits) -> Result<Self, ServeError> {
        limits.validate()?;
        Ok(Self {
            router,
            limits,
            stats: Arc::default(),
        })
    }

    /// The server's counters; they stay readable after [`Server::serve`] returns.
    pub fn stats(&self) -> Arc<ServerStats> {
        self.stats.clone()
    }

    /// Serves connections from `listener` until `shutdown` completes, then stops accepting,
    /// lets requests in progress finish for [`ServerLimits::shutdown_grace`], and returns.
    ///
    /// Fails before accepting anything if the process's open-file limit is below
    /// [`ServerLimits::fds_needed`] (see [`raise_fd_limit`]). Errors of `accept` never end the
    /// loop: a lack of descriptors or memory makes it pause (10 ms, doubling to 1 s) and evict
    /// the longest-waiting idle connection.
    pub async fn serve<F>(self, listener: TcpListener, shutdown: F) -> Result<(), ServeError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        check_fd_limit(&self.limits)?;
        let shared = Arc::new(Shared::new(self.router, self.limits, self.stats));
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut tasks = JoinSet::new();
        let mut sweep = tokio::time::interval(RATE_SWEEP);
        sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut backoff = ACCEPT_BACKOFF_MIN;
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
                _ = sweep.tick() => {
                    shared.limiter.retain_recent();
                    shared.limiter.shrink_to_fit();
                }
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        backoff = ACCEPT_BACKOFF_MIN;
                        if let Some((state, slot)) = admit(&shared, &stream, peer).await {
                            let stop = stop_rx.clone();
                            tasks.spawn(run_connection(shared.clone(), stream, peer, state, slot, stop));
                        }
                    }
                    Err(e) if is_connection_error(&e) => {}
                    Err(_) => {
                        shared.stats.record(Event::AcceptError);
                        evict_longest_waiting(&shared);
                        tokio::select! {
                            () = &mut shutdown => break,
                            () = tokio::time::sleep(backoff) => {}
                        }
                        backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
                    }
                },
            }
        }
        drop(listener);
        let _ = stop_tx.send(true);
        let grace = shared.limits.shutdown_grace;
        let _ =
            tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
        tasks.shutdown().await;
        Ok(())
    }
}

/// Raises the soft open-file limit (`RLIMIT_NOFILE`) of this process towards `wanted`, up to
/// the hard limit; returns the soft limit now in force.
///
/// This changes process-wide state, so a library never calls it: the binary does, before
/// [`Server::serve`] (e.g. with [`ServerLimits::fds_needed`]).
pub fn raise_fd_limit(wanted: u64) -> Result<u64, ServeError> {
    rlimit::increase_nofile_limit(wanted).map_err(ServeError::FdLimitUnavailable)
}

fn check_fd_limit(limits: &ServerLimits) -> Result<(), ServeError> {
    let (soft, _) =
        rlimit::getrlimit(rlimit::Resource::NOFILE).map_err(ServeError::FdLimitUnavailable)?;
    let needed = limits.fds_needed();
    if soft != rlimit::INFINITY && soft < needed {
        return Err(ServeError::FdLimitTooLow {
            fd_limit: soft,
            max_connections: limits.max_connections,
            reserved: RESERVED_FDS,
            needed,
        });
    }
    Ok(())
}

/// Errors of `accept` that concern one connection only (retry at once).
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    )
}

struct Shared {
    router: Router,
    limits: ServerLimits,
    stats: Arc<ServerStats>,
    limiter: Limiter,
    http: http1::Builder,
    slots: Arc<Semaphore>,
    registry: Mutex<Registry>,
}

/// Open connections: by id with their client (for eviction), and counted by client.
#[derive(Default)]
struct Registry {
    next_id: u64,
    conns: HashMap<u64, (ClientKey, Arc<ConnState>)>,
    per_client: HashMap<ClientKey, usize>,
}

impl Shared {
    fn new(router: Router, limits: ServerLimits, stats: Arc<ServerStats>) -> Self {
        let rate = NonZeroU32::new(limits.requests_per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(limits.request_burst).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_second(rate).allow_burst(burst);
        let mut http = http1::Builder::new();
        http.timer(TokioTimer::new())
            // hyper's own timer runs from the moment a connection waits for a request until its
            // headers end: a backstop for the watchdog's idle + header limits.
            .header_read_timeout(
                limits
                    .idle_timeout
                    .saturating_add(limits.header_read_timeout),
            )
            .max_headers(limits.max_headers)
            .max_header_size(limits.max_header_bytes)
            .keep_alive(true);
        Self {
            slots: Arc::new(Semaphore::new(limits.max_connections)),
            limiter: RateLimiter::new(quota, HashMapStateStore::default(), MonotonicClock),
            router,
            limits,
            stats,
            http,
            registry: Mutex::default(),
        }
    }

    fn registry(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A connection's place: frees its permit and per-client count when the connection ends.
struct Slot {
    shared: Arc<Shared>,
    id: u64,
    client: ClientKey,
    _permit: OwnedSemaphorePermit,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut reg = self.shared.registry();
        reg.conns.remove(&self.id);
        if let Some(n) = reg.per_client.get_mut(&self.client) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                reg.per_client.remove(&self.client);
            }
        }
        drop(reg);
        self.shared.stats.closed();
    }
}

/// Admits a new connection, or refuses it (a quick `503`, then close). Only the accept loop
/// calls this, so counts can only fall between the check and the registration.
async fn admit(
    shared: &Arc<Shared>,
    stream: &TcpStream,
    peer: SocketAddr,
) -> Option<(Arc<ConnState>, Slot)> {
    let client = ClientKey::from(peer.ip());
    let refuse = |event| {
        shared.stats.record(event);
        let _ = stream.try_write(REFUSAL);
        None
    };
    let open = shared.registry().per_client.get(&client).copied();
    if open.unwrap_or(0) >= shared.limits.max_connections_per_client {
        return refuse(Event::RefusedClientFull);
    }
    let permit = match shared.slots.clone().try_acquire_owned() {
        Ok(p) => p,
        Err(_) => {
            if !evict_longest_waiting(shared) {
                return refuse(Event::RefusedServerFull);
            }
            match tokio::time::timeout(EVICTION_WAIT, shared.slots.clone().acquire_owned()).await {
                Ok(Ok(p)) => p,
                _ => return refuse(Event::RefusedServerFull),
            }
        }
    };
    let state = Arc::new(ConnState::new());
    let mut reg = shared.registry();
    let id = reg.next_id;
    reg.next_id += 1;
    reg.conns.insert(id, (client, state.clone()));
    *reg.per_client.entry(client).or_default() += 1;
    drop(reg);
    shared.stats.opened();
    shared.stats.record(Event::Accepted);
    let slot = Slot {
        shared: shared.clone(),
        id,
        client,
        _permit: permit,
    };
    Some((state, slot))
}

/// Asks the connection that has waited longest without a request in progress to close;
/// whether there was one.
///
/// Among those, a connection of the client holding the most connections goes first, so that
/// a client with one connection (a legitimate one, just connected) is the last to lose it.
fn evict_longest_waiting(shared: &Shared) -> bool {
    let reg = shared.registry();
    let victim = reg
        .conns
        .values()
        .map(|(client, conn)| (conn, conn.phase(), reg.per_client.get(client).copied()))
        .filter(|(_, (phase, _), _)| phase.evictable())
        .min_by_key(|(_, (_, since), held)| (std::cmp::Reverse(held.unwrap_or(0)), *since));
    match victim {
        Some((conn, _, _)) => {
            conn.evict();
            true
        }
        None => false,
    }
}

/// Drives one connection, closing it when its phase outlasts its limit, when it is evicted,
/// or (gracefully) at shutdown.
async fn run_connection(
    shared: Arc<Shared>,
    stream: TcpStream,
    peer: SocketAddr,
    state: Arc<ConnState>,
    slot: Slot,
    mut stop: watch::Receiver<bool>,
) {
    let _slot = slot;
    let _ = stream.set_nodelay(true);
    let io = TokioIo::new(TrackedStream::new(stream, state.clone()));
    let service = {
        let (shared, state) = (shared.clone(), state.clone());
        hyper::service::service_fn(move |req| handle(shared.clone(), state.clone(), peer, req))
    };
    let conn = shared.http.serve_connection(io, service);
    tokio::pin!(conn);
    let mut draining = *stop.borrow();
    if draining {
        conn.as_mut().graceful_shutdown();
    }
    loop {
        let (deadline, event) = state.deadline(&shared.limits);
        tokio::select! {
            _ = conn.as_mut() => return,
            () = state.wake.notified() => {
                if state.take_eviction() && state.phase().0.evictable() {
                    shared.stats.record(Event::Evicted);
                    return;
                }
            }
            () = tokio::time::sleep_until(deadline) => {
                // The phase may have changed since the deadline was computed.
                if state.deadline(&shared.limits) == (deadline, event) {
                    shared.stats.record(event);
                    return;
                }
            }
            _ = stop.changed(), if !draining => {
                draining = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// The hyper service of one connection: tracks the phase around [`respond`].
async fn handle(
    shared: Arc<Shared>,
    state: Arc<ConnState>,
    peer: SocketAddr,
    req: Request<Incoming>,
) -> Result<Response<TrackedBody<axum::body::Body>>, Infallible> {
    state.enter(Phase::Request);
    let response = respond(&shared, &state, peer, req).await;
    state.enter(Phase::Writing);
    Ok(response.map(|body| TrackedBody::new(body, state)))
}

async fn respond(
    shared: &Shared,
    state: &Arc<ConnState>,
    peer: SocketAddr,
    req: Request<Incoming>,
) -> Response<axum::body::Body> {
    let start = Instant::now();
    let limits = &shared.limits;
    state.take_body_timeout();
    if let Err(refused) = check_framing(req.version(), req.headers()) {
        shared.stats.record(Event::FramingRefused);
        let text = match refused.status() {
            StatusCode::NOT_IMPLEMENTED => "transfer coding not implemented\n",
            _ => "malformed request\n",
        };
        return plain(refused.status(), text, None, true);
    }
    if let Err(not_until) = shared.limiter.check_key(&ClientKey::from(peer.ip())) {
        shared.stats.record(Event::RateLimited);
        let wait = not_until.wait_time_from(shared.limiter.clock().now());
        return plain(
            StatusCode::TOO_MANY_REQUESTS,
            "too many requests\n",
            Some(retry_after_secs(wait)),
            false,
        );
    }
    // hyper reports a declared Content-Length exactly.
    if req.body().size_hint().lower() > limits.max_body_bytes as u64 {
        shared.stats.record(Event::BodyTooLarge);
        return plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request body too large\n",
            None,
            true,
        );
    }
    let (mut parts, body) = req.into_parts();
    parts.extensions.insert(ConnectInfo(peer));
    let body = GuardedBody::new(
        Limited::new(body, limits.max_body_bytes),
        start + limits.body_read_timeout,
        limits.body_read_timeout,
        state.clone(),
    );
    let req = Request::from_parts(parts, axum::body::Body::new(body));
    let outcome = tokio::time::timeout_at(
        start + limits.handler_timeout,
        shared.router.clone().oneshot(req),
    )
    .await;
    if state.take_body_timeout() {
        shared.stats.record(Event::BodyReadTimeout);
        return plain(
            StatusCode::REQUEST_TIMEOUT,
            "request body not received in time\n",
            None,
            true,
        );
    }
    match outcome {
        Ok(Ok(response)) => response,
        Ok(Err(never)) => match never {},
        Err(_) => {
            shared.stats.record(Event::HandlerTimeout);
            plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "request not handled in time\n",
                Some(1),
                true,
            )
        }
    }
}

/// Checks what hyper leaves to the server of a request's framing (RFC 9112): exactly one
/// `Host` (none only before HTTP/1.1), and no transfer coding but a single `chunked`.
pub(crate) fn check_framing(version: Version, headers: &HeaderMap) -> Result<(), FramingError> {
    let hosts = headers.get_all(header::HOST).iter().count();
    if hosts > 1 {
        return Err(FramingError::DuplicateHost { count: hosts });
    }
    if hosts == 0 && version >= Version::HTTP_11 {
        return Err(FramingError::MissingHost);
    }
    let mut codings = headers.get_all(header::TRANSFER_ENCODING).iter();
    if let Some(coding) = codings.next() {
        let fields = 1 + codings.count();
        if fields > 1 {
            return Err(FramingError::RepeatedTransferEncoding { fields });
        }
        // httparse has already trimmed surrounding whitespace; transfer codings are
        // case-insensitive (RFC 9112 §7).
        if !coding.as_bytes().eq_ignore_ascii_case(b"chunked") {
            return Err(FramingError::UnsupportedTransferCoding {
                coding: coding.clone(),
            });
        }
    }
    Ok(())
}

/// Whole seconds to wait, rounded up, at least 1 (`Retry-After` has a 1-second resolution).
fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

/// A short `text/plain` answer from the serving loop itself.
fn plain(
    status: StatusCode,
    text: &'static str,
    retry_after: Option<u64>,
    close: bool,
) -> Response<axum::body::Body> {
    let mut response = Response::new(axum::body::Body::from(text));
    *response.status_mut() = status;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(secs) = retry_after {
        h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    if close {
        h.insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn headers(fields: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in fields {
            h.append(*name, HeaderValue::from_static(value));
        }
        h
    }

    #[test]
    fn host_must_appear_exactly_once_in_http11() {
        let v11 = Version::HTTP_11;
        assert_eq!(check_framing(v11, &headers(&[("host", "a")])), Ok(()));
        assert_eq!(
            check_framing(v11, &headers(&[])),
            Err(FramingError::MissingHost)
        );
        assert_eq!(
            check_framing(v11, &headers(&[("host", "a"), ("host", "a")])),
            Err(FramingError::DuplicateHost { count: 2 })
        );
        // HTTP/1.0 may omit Host, but never repeat it.
        assert_eq!(check_framing(Version::HTTP_10, &headers(&[])), Ok(()));
        assert_eq!(
            check_framing(Version::HTTP_10, &headers(&[("host", "a"), ("host", "b")])),
            Err(FramingError::DuplicateHost { count: 2 })
        );
    }

    #[test]
    fn transfer_coding_other_than_one_chunked_is_not_implemented() {
        let v11 = Version::HTTP_11;
        let te = |v: &'static str| headers(&[("host", "a"), ("transfer-encoding", v)]);
        assert_eq!(check_framing(v11, &te("chunked")), Ok(()));
        assert_eq!(check_framing(v11, &te("Chunked")), Ok(()));
        for bad in [
            "gzip, chunked",
            "chunked, chunked",
            "chunked;x=1",
            "gzip",
            "",
        ] {
            let err = check_framing(v11, &te(bad)).unwrap_err();
            assert_eq!(
                err,
                FramingError::UnsupportedTransferCoding {
                    coding: HeaderValue::from_static(bad)
                },
                "{bad}"
            );
            assert_eq!(err.status(), StatusCode::NOT_IMPLEMENTED);
        }
        let twice = headers(&[
            ("host", "a"),
            ("transfer-encoding", "chunked"),
            ("transfer-encoding", "chunked"),
        ]);
        assert_eq!(
            check_framing(v11, &twice),
            Err(FramingError::RepeatedTransferEncoding { fields: 2 })
        );
    }

    proptest! {
        /// Any number of Host fields other than one is refused in HTTP/1.1, and a
        /// Transfer-Encoding is accepted only when it is one field spelling `chunked`.
        #[test]
        fn framing_is_accepted_only_when_unambiguous(
            hosts in 0usize..4,
            codings in proptest::collection::vec("[A-Za-z, ;=]{0,12}", 0..3),
        ) {
            let mut h = HeaderMap::new();
            for _ in 0..hosts {
                h.append(header::HOST, HeaderValue::from_static("a"));
            }
            for c in &codings {
                h.append(header::TRANSFER_ENCODING, HeaderValue::from_str(c).unwrap());
            }
            let ok = hosts == 1
                && (codings.is_empty()
                    || (codings.len() == 1 && codings[0].eq_ignore_ascii_case("chunked")));
            let got = check_framing(Version::HTTP_11, &h);
            prop_assert_eq!(got.is_ok(), ok, "{:?}", got);
            if let Err(e) = got {
                let want = if hosts == 1 { StatusCode::NOT_IMPLEMENTED } else { StatusCode::BAD_REQUEST };
                prop_assert_eq!(e.status(), want);
            }
        }
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1000)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1001)), 2);
    }

    #[test]
    fn only_per_connection_accept_errors_are_retried_at_once() {
        assert!(is_connection_error(&io::Error::from(
            io::ErrorKind::ConnectionAborted
        )));
        // EMFILE (24) and ENFILE (23) mean the process is out of descriptors: back off.
        assert!(!is_connection_error(&io::Error::from_raw_os_error(24)));
        assert!(!is_connection_error(&io::Error::from_raw_os_error(23)));
    }

    #[test]
    fn fd_limit_below_the_connection_cap_is_refused() {
        let (soft, _) = rlimit::getrlimit(rlimit::Resource::NOFILE).unwrap();
        let limits = ServerLimits {
            max_connections: usize::try_from(soft).unwrap(),
            max_connections_per_client: 1,
            ..ServerLimits::default()
        };
        match check_fd_limit(&limits) {
            // An unlimited process has room for any cap.
            Ok(()) if soft == rlimit::INFINITY => {}
            Err(ServeError::FdLimitTooLow {
                fd_limit,
                max_connections,
                reserved,
                needed,
            }) => {
                assert_eq!(fd_limit, soft);
                assert_eq!(max_connections as u64, soft);
                assert_eq!(reserved, RESERVED_FDS);
                assert_eq!(needed, soft + RESERVED_FDS);
            }
            other => panic!("expected FdLimitTooLow, got {other:?}"),
        }
    }
}
