//! [`ServerStats`]: counters of what the serving loop admitted, refused and cut, and why.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Something the serving loop did to protect itself, counted in [`ServerStats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Event {
    /// A connection was admitted.
    Accepted,
    /// A connection was refused: the server was full and every connection had a request in
    /// progress.
    RefusedServerFull,
    /// A connection was refused: its client already had
    /// [`crate::ServerLimits::max_connections_per_client`] open.
    RefusedClientFull,
    /// A connection waiting for a request was closed to admit a new one.
    Evicted,
    /// A connection was closed after [`crate::ServerLimits::idle_timeout`] without a request.
    IdleTimeout,
    /// A connection was closed: its headers took longer than
    /// [`crate::ServerLimits::header_read_timeout`].
    HeaderReadTimeout,
    /// A request was answered `408` and its connection closed: its body took longer than
    /// [`crate::ServerLimits::body_read_timeout`].
    BodyReadTimeout,
    /// A request was answered `503` and its connection closed: its handler took longer than
    /// [`crate::ServerLimits::handler_timeout`].
    HandlerTimeout,
    /// A connection was closed: its response took longer than
    /// [`crate::ServerLimits::response_write_timeout`] to send.
    ResponseWriteTimeout,
    /// A request was answered `429`: its client exceeded its request rate.
    RateLimited,
    /// A request was answered `413` before its body was read: its `Content-Length` exceeds
    /// [`crate::ServerLimits::max_body_bytes`].
    BodyTooLarge,
    /// A request was answered `400` or `501` and its connection closed: its framing was
    /// refused ([`crate::FramingError`]).
    FramingRefused,
    /// `accept` failed for lack of a resource (e.g. `EMFILE`); the loop backed off.
    AcceptError,
}

impl Event {
    /// Every event, in counter order.
    pub const ALL: [Event; 13] = [
        Event::Accepted,
        Event::RefusedServerFull,
        Event::RefusedClientFull,
        Event::Evicted,
        Event::IdleTimeout,
        Event::HeaderReadTimeout,
        Event::BodyReadTimeout,
        Event::HandlerTimeout,
        Event::ResponseWriteTimeout,
        Event::RateLimited,
        Event::BodyTooLarge,
        Event::FramingRefused,
        Event::AcceptError,
    ];

    fn slot(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Accepted => "accepted",
            Self::RefusedServerFull => "refused_server_full",
            Self::RefusedClientFull => "refused_client_full",
            Self::Evicted => "evicted",
            Self::IdleTimeout => "idle_timeout",
            Self::HeaderReadTimeout => "header_read_timeout",
            Self::BodyReadTimeout => "body_read_timeout",
            Self::HandlerTimeout => "handler_timeout",
            Self::ResponseWriteTimeout => "response_write_timeout",
            Self::RateLimited => "rate_limited",
            Self::BodyTooLarge => "body_too_large",
            Self::FramingRefused => "framing_refused",
            Self::AcceptError => "accept_error",
        })
    }
}

/// Counters of [`Event`]s and the number of open connections, shared with the serving loop.
#[derive(Default)]
pub struct ServerStats {
    counts: [AtomicU64; Event::ALL.len()],
    open: AtomicUsize,
}

impl ServerStats {
    /// How many times `event` happened.
    pub fn count(&self, event: Event) -> u64 {
        self.counts[event.slot()].load(Ordering::Relaxed)
    }

    /// Connections open now.
    pub fn open_connections(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    pub(crate) fn record(&self, event: Event) {
        self.counts[event.slot()].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn opened(&self) {
        self.open.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn closed(&self) {
        self.open.fetch_sub(1, Ordering::Relaxed);
    }
}

impl fmt::Debug for ServerStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        m.entry(&"open", &self.open_connections());
        for e in Event::ALL {
            m.entry(&e.to_string(), &self.count(e));
        }
        m.finish()
    }
}

/// Whom per-client limits count against: an IPv4 address, or the /64 network of an IPv6
/// address (one subscriber's allocation, so one host cannot spread itself over 2^64 addresses).
/// IPv4-mapped IPv6 addresses count as their IPv4 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientKey {
    /// An IPv4 client.
    V4(Ipv4Addr),
    /// An IPv6 client's /64 prefix (the address's first 64 bits).
    V6Net64(u64),
}

impl From<IpAddr> for ClientKey {
    fn from(ip: IpAddr) -> Self {
        match ip.to_canonical() {
            IpAddr::V4(v4) => ClientKey::V4(v4),
            IpAddr::V6(v6) => ClientKey::V6Net64((v6.to_bits() >> 64) as u64),
        }
    }
}

impl fmt::Display for ClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::V4(a) => write!(f, "{a}"),
            Self::V6Net64(p) => {
                let addr = std::net::Ipv6Addr::from_bits(u128::from(*p) << 64);
                write!(f, "{addr}/64")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ipv6_clients_are_keyed_by_their_64_prefix() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(ClientKey::from(a), ClientKey::from(b));
        assert_ne!(ClientKey::from(a), ClientKey::from(c));
        assert_eq!(ClientKey::from(a).to_string(), "2001:db8:1:2::/64");
    }

    #[test]
    fn ipv4_mapped_addresses_count_as_ipv4() {
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(
            ClientKey::from(mapped),
            ClientKey::V4(Ipv4Addr::new(192, 0, 2, 7))
        );
    }

    #[test]
    fn event_slots_match_all() {
        for (i, e) in Event::ALL.iter().enumerate() {
            assert_eq!(e.slot(), i);
        }
    }

    proptest! {
        /// Two IPv6 addresses share a key exactly when their first 64 bits are equal.
        #[test]
        fn ipv6_key_is_the_64_prefix(a: u128, b: u128) {
            let ka = ClientKey::from(IpAddr::V6(std::net::Ipv6Addr::from_bits(a)));
            let kb = ClientKey::from(IpAddr::V6(std::net::Ipv6Addr::from_bits(b)));
            let mapped = |x: u128| x >> 32 == 0xffff;
            prop_assume!(!mapped(a) && !mapped(b));
            prop_assert_eq!(ka == kb, a >> 64 == b >> 64);
        }
    }
}
