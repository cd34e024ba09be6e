//! One connection's state as its watchdog sees it: which phase it is in since when, and the
//! I/O and body wrappers that move it from phase to phase.
//!
//! Phases, and the limit that bounds each:
//! - `Idle`: no request in progress and no byte of the next one ([`ServerLimits::idle_timeout`]);
//! - `Head`: a request's first byte arrived, its headers have not ([`ServerLimits::header_read_timeout`]);
//! - `Request`: the handler runs (bounded by [`ServerLimits::handler_timeout`], which also bounds
//!   reading the body; the body itself by [`ServerLimits::body_read_timeout`]);
//! - `Writing`: the response is being sent ([`ServerLimits::response_write_timeout`]).

use crate::error::BodyReadTimeout;
use crate::limits::ServerLimits;
use crate::stats::Event;
use axum::body::Bytes;
use http_body::{Body, Frame, SizeHint};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::time::{Instant, Sleep};

/// Slack given to a handler beyond its own timeout before the watchdog closes the connection
/// (the handler timeout answers `503` first; this only catches a response that never comes).
const REQUEST_BACKSTOP: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Idle = 0,
    Head = 1,
    Request = 2,
    Writing = 3,
}

impl Phase {
    fn from_bits(bits: u64) -> Self {
        match bits & 3 {
            0 => Phase::Idle,
            1 => Phase::Head,
            2 => Phase::Request,
            _ => Phase::Writing,
        }
    }

    /// The event recorded when a connection overstays this phase.
    pub(crate) fn timeout_event(self) -> Event {
        match self {
            Phase::Idle => Event::IdleTimeout,
            Phase::Head => Event::HeaderReadTimeout,
            Phase::Request => Event::HandlerTimeout,
            Phase::Writing => Event::ResponseWriteTimeout,
        }
    }

    /// Whether a connection in this phase may be closed to make room (no request in progress).
    pub(crate) fn evictable(self) -> bool {
        matches!(self, Phase::Idle | Phase::Head)
    }
}

/// The shared state of one connection: its phase and when it began (one atomic word, so the
/// two are always read together), plus flags its watchdog reads.
#[derive(Debug)]
pub(crate) struct ConnState {
    origin: Instant,
    /// `phase | nanos_since_origin << 2`.
    word: AtomicU64,
    evicted: AtomicBool,
    body_timed_out: AtomicBool,
    /// Set when the response body has been handed over: the next completed flush of the
    /// socket ends `Writing`.
    response_handed_over: AtomicBool,
    /// Wakes the watchdog: on every phase change and on eviction.
    pub(crate) wake: Notify,
}

impl ConnState {
    pub(crate) fn new() -> Self {
        Self {
            origin: Instant::now(),
            word: AtomicU64::new(Phase::Idle as u64),
            evicted: AtomicBool::new(false),
            body_timed_out: AtomicBool::new(false),
            response_handed_over: AtomicBool::new(false),
            wake: Notify::new(),
        }
    }

    fn encode(&self, phase: Phase, at: Instant) -> u64 {
        let nanos = u64::try_from(at.saturating_duration_since(self.origin).as_nanos())
            .unwrap_or(u64::MAX >> 2)
            .min(u64::MAX >> 2);
        phase as u64 | nanos << 2
    }

    /// The current phase and when it began.
    pub(crate) fn phase(&self) -> (Phase, Instant) {
        let word = self.word.load(Ordering::Acquire);
        (
            Phase::from_bits(word),
            self.origin + Duration::from_nanos(word >> 2),
        )
    }

    /// Enters `phase` now (`Request` or `Writing`: a new response has not been handed over).
    pub(crate) fn enter(&self, phase: Phase) {
        self.response_handed_over.store(false, Ordering::Release);
        self.word
            .store(self.encode(phase, Instant::now()), Ordering::Release);
        self.wake.notify_one();
    }

    /// Moves from `from` to `to` now, if the connection is still in `from`.
    fn transition(&self, from: Phase, to: Phase) {
        let current = self.word.load(Ordering::Acquire);
        if Phase::from_bits(current) == from
            && self
                .word
                .compare_exchange(
                    current,
                    self.encode(to, Instant::now()),
                    Ordering::AcqRel,
                    Ordering::Acquire,
                )
                .is_ok()
        {
            self.wake.notify_one();
        }
    }

    /// When the current phase must end, and the event recorded if it does not.
    pub(crate) fn deadline(&self, limits: &ServerLimits) -> (Instant, Event) {
        let (phase, since) = self.phase();
        let allowed = match phase {
            Phase::Idle => limits.idle_timeout,
            Phase::Head => limits.header_read_timeout,
            Phase::Request => limits
                .handler_timeout
                .max(limits.body_read_timeout)
                .saturating_add(REQUEST_BACKSTOP),
            Phase::Writing => limits.response_write_timeout,
        };
        (since + allowed, phase.timeout_event())
    }

    /// Notes that the response body has been handed to hyper; `Writing` ends at the next
    /// completed flush, once hyper's buffer has reached the socket.
    fn response_handed_over(&self) {
        self.response_handed_over.store(true, Ordering::Release);
    }

    /// Called when a flush of the socket completes.
    fn flushed(&self) {
        if self.response_handed_over.swap(false, Ordering::AcqRel) {
            self.transition(Phase::Writing, Phase::Idle);
        }
    }

    /// Asks the watchdog to close this connection to make room for another.
    pub(crate) fn evict(&self) {
        self.evicted.store(true, Ordering::Release);
        self.wake.notify_one();
    }

    /// Takes the eviction request, if any.
    pub(crate) fn take_eviction(&self) -> bool {
        self.evicted.swap(false, Ordering::AcqRel)
    }

    /// Takes the flag set when the current request's body timed out.
    pub(crate) fn take_body_timeout(&self) -> bool {
        self.body_timed_out.swap(false, Ordering::AcqRel)
    }
}

/// A socket that moves its connection from `Idle` to `Head` when a byte arrives.
#[derive(Debug)]
pub(crate) struct TrackedStream<S> {
    inner: S,
    state: std::sync::Arc<ConnState>,
}

impl<S> TrackedStream<S> {
    pub(crate) fn new(inner: S, state: std::sync::Arc<ConnState>) -> Self {
        Self { inner, state }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for TrackedStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = ready!(Pin::new(&mut self.inner).poll_read(cx, buf));
        if result.is_ok() && buf.filled().len() > before {
            self.state.transition(Phase::Idle, Phase::Head);
        }
        Poll::Ready(result)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for TrackedStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let result = ready!(Pin::new(&mut self.inner).poll_flush(cx));
        if result.is_ok() {
            self.state.flushed();
        }
        Poll::Ready(result)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// A request body that fails with [`BodyReadTimeout`] once its deadline passes (and marks the
/// connection so the response becomes `408`).
pub(crate) struct GuardedBody<B> {
    inner: B,
    deadline: Instant,
    timeout: Duration,
    /// Armed on the first poll that finds no data ready, so fast bodies allocate no timer.
    sleep: Option<Pin<Box<Sleep>>>,
    state: std::sync::Arc<ConnState>,
    failed: bool,
}

impl<B> GuardedBody<B> {
    pub(crate) fn new(
        inner: B,
        deadline: Instant,
        timeout: Duration,
        state: std::sync::Arc<ConnState>,
    ) -> Self {
        Self {
            inner,
            deadline,
            timeout,
            sleep: None,
            state,
            failed: false,
        }
    }
}

impl<B> Body for GuardedBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.failed {
            return Poll::Ready(None);
        }
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|r| r.map_err(Into::into)));
        }
        let deadline = self.deadline;
        let sleep = self
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if sleep.as_mut().poll(cx).is_ready() {
            self.failed = true;
            self.state.body_timed_out.store(true, Ordering::Release);
            let timeout = self.timeout;
            return Poll::Ready(Some(Err(Box::new(BodyReadTimeout { timeout }))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.failed || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A response body that tells its connection when it has been handed over (or dropped), so
/// that the connection leaves `Writing` at the next completed flush.
pub(crate) struct TrackedBody<B> {
    inner: B,
    state: std::sync::Arc<ConnState>,
    /// Whether the hand-over was reported (once only: a late drop must not report it again
    /// during the connection's next response).
    reported: AtomicBool,
}

impl<B> TrackedBody<B> {
    pub(crate) fn new(inner: B, state: std::sync::Arc<ConnState>) -> Self {
        Self {
            inner,
            state,
            reported: AtomicBool::new(false),
        }
    }

    fn done(&self) {
        if !self.reported.swap(true, Ordering::AcqRel) {
            self.state.response_handed_over();
        }
    }
}

impl<B: Body + Unpin> Body for TrackedBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let frame = ready!(Pin::new(&mut self.inner).poll_frame(cx));
        if frame.is_none() {
            self.done();
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        let end = self.inner.is_end_stream();
        if end {
            self.done();
        }
        end
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl<B> Drop for TrackedBody<B> {
    fn drop(&mut self) {
        self.done();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn phase_and_start_are_read_together() {
        let s = ConnState::new();
        assert_eq!(s.phase().0, Phase::Idle);
        s.enter(Phase::Request);
        let (p, at) = s.phase();
        assert_eq!(p, Phase::Request);
        assert!(at <= Instant::now());
        // A late flush after a finished response does not disturb a new request.
        s.response_handed_over();
        s.flushed();
        assert_eq!(s.phase().0, Phase::Request);
        s.enter(Phase::Writing);
        // Flushes while the response is still being produced keep it `Writing`.
        s.flushed();
        assert_eq!(s.phase().0, Phase::Writing);
        s.response_handed_over();
        s.flushed();
        assert_eq!(s.phase().0, Phase::Idle);
    }

    #[tokio::test]
    async fn each_phase_has_its_own_deadline() {
        let limits = ServerLimits {
            idle_timeout: Duration::from_secs(3),
            header_read_timeout: Duration::from_secs(2),
            response_write_timeout: Duration::from_secs(7),
            ..ServerLimits::default()
        };
        let s = ConnState::new();
        for (phase, want, event) in [
            (Phase::Idle, limits.idle_timeout, Event::IdleTimeout),
            (
                Phase::Head,
                limits.header_read_timeout,
                Event::HeaderReadTimeout,
            ),
            (
                Phase::Writing,
                limits.response_write_timeout,
                Event::ResponseWriteTimeout,
            ),
        ] {
            s.enter(phase);
            let (_, since) = s.phase();
            assert_eq!(s.deadline(&limits), (since + want, event));
        }
    }
}
