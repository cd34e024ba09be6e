//! Special-purpose IP address blocks: the addresses a capability must name
//! explicitly before a tool may connect to them (SSRF defence).
//!
//! An address is *special* when it lies in a block that is not ordinary,
//! globally routed unicast space: loopback, private-use, shared (CGNAT),
//! link-local (which holds the cloud metadata endpoint 169.254.169.254),
//! unique-local, documentation, benchmarking, multicast, broadcast, the
//! "this network" and unspecified addresses, the IETF protocol-assignment
//! blocks, and every block that IANA still holds as reserved. The engine
//! refuses a connection to any such address unless a grant names it.
//!
//! IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) are checked as the IPv4
//! address they carry (see [`canonical_ip`]), because a dual-stack socket
//! connecting to one reaches that IPv4 host: `::ffff:127.0.0.1` is loopback,
//! while `::ffff:8.8.8.8` is as public as `8.8.8.8`. No other embedding is
//! unwrapped. Transition prefixes that embed or tunnel to an arbitrary IPv4
//! address — NAT64 (`64:ff9b::/96`, `64:ff9b:1::/48`), 6to4 (`2002::/16`),
//! Teredo (`2001::/32`) and the deprecated IPv4-compatible form (`::/96`) —
//! are refused wholesale: a translator or relay would forward the
//! connection to whatever IPv4 address is embedded, private ones included,
//! and the far side of a translator is not ours to judge.
//!
//! Sources: the IANA IPv4 and IPv6 Special-Purpose Address Registries
//! (RFC 6890, updated by RFC 8190 and later allocations such as RFC 9602
//! and RFC 9637), the IANA IPv4 Multicast Address Space (RFC 5771), and the
//! IANA IPv6 Address Space registry, whose "Reserved by IETF" blocks (all
//! IPv6 space outside `2000::/3` other than unique-local, link-local,
//! site-local and multicast) are listed too. In IPv4 every address outside
//! the table is allocated unicast space, so the table is complete there.
//!
//! Deliberate choices:
//!
//! * Whole blocks are refused even where the registry marks some of their
//!   members "globally reachable": `192.0.0.0/24` (PCP and TURN anycast
//!   `192.0.0.9`/`192.0.0.10`, NAT64 discovery `192.0.0.170`/`171`), the
//!   AS112 and AMT blocks, and `2001::/23`, which also holds PCP/TURN/DNS-SD
//!   anycast `2001:1::1`–`3`, benchmarking `2001:2::/48`, AMT
//!   `2001:3::/32`, AS112-v6 `2001:4:112::/48`, ORCHID `2001:10::/28`,
//!   ORCHIDv2 `2001:20::/28` and drone remote ID `2001:30::/28`. None of
//!   these is a destination a tool needs without an explicit grant.
//! * The table is flat except for a few nested entries, each listed before
//!   the block that contains it so that [`special_purpose`] reports the
//!   most specific name: `255.255.255.255/32` in `240.0.0.0/4`, `::/128`
//!   and `::1/128` in `::/96`, which with `64:ff9b::/96` and
//!   `64:ff9b:1::/48` lies in `::/8`; `100::/64` in `100::/8`; Teredo
//!   `2001::/32` in `2001::/23`; and `5f00::/16` in `4000::/3`. Sub-blocks
//!   listed only in the prose above are covered by their container and
//!   have no entry of their own. `2001:db8::/32` is not inside `2001::/23`
//!   (which ends at `2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff`).
//! * `::ffff:0:0/96` has no entry: [`special_purpose`] never looks up a
//!   mapped address as IPv6.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

/// One special-purpose address block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecialRange {
    /// The block, with its host bits zero.
    pub net: IpNet,
    /// The block's name, after the IANA registry where it has one.
    pub name: &'static str,
    /// The RFC (and section) that defines the block.
    pub reference: &'static str,
}

/// An IPv4 table entry, checked at compile time.
const fn v4(
    octets: [u8; 4],
    prefix_len: u8,
    name: &'static str,
    reference: &'static str,
) -> SpecialRange {
    let [a, b, c, d] = octets;
    SpecialRange {
        net: IpNet::V4(Ipv4Net::new_assert(Ipv4Addr::new(a, b, c, d), prefix_len)),
        name,
        reference,
    }
}

/// An IPv6 table entry, checked at compile time.
const fn v6(
    segments: [u16; 8],
    prefix_len: u8,
    name: &'static str,
    reference: &'static str,
) -> SpecialRange {
    let [a, b, c, d, e, f, g, h] = segments;
    SpecialRange {
        net: IpNet::V6(Ipv6Net::new_assert(
            Ipv6Addr::new(a, b, c, d, e, f, g, h),
            prefix_len,
        )),
        name,
        reference,
    }
}

/// Number of IPv4 entries at the start of [`RANGES`].
const V4_COUNT: usize = 19;

/// Number of entries in [`RANGES`].
const RANGE_COUNT: usize = V4_COUNT + 32;

/// The table. IPv4 first, then IPv6; within a family, a nested block comes
/// before the block that contains it, otherwise entries are in address order.
const TABLE: [SpecialRange; RANGE_COUNT] = [
    // ---- IPv4 ----
    v4(
        [0, 0, 0, 0],
        8,
        "\"This network\"",
        "RFC 791, section 3.2; RFC 1122, section 3.2.1.3",
    ),
    v4([10, 0, 0, 0], 8, "Private-Use", "RFC 1918"),
    v4(
        [100, 64, 0, 0],
        10,
        "Shared Address Space (CGNAT)",
        "RFC 6598",
    ),
    v4([127, 0, 0, 0], 8, "Loopback", "RFC 1122, section 3.2.1.3"),
    v4(
        [169, 254, 0, 0],
        16,
        "Link-Local (incl. cloud metadata 169.254.169.254)",
        "RFC 3927",
    ),
    v4([172, 16, 0, 0], 12, "Private-Use", "RFC 1918"),
    v4(
        [192, 0, 0, 0],
        24,
        "IETF Protocol Assignments",
        "RFC 6890, section 2.1",
    ),
    v4([192, 0, 2, 0], 24, "Documentation (TEST-NET-1)", "RFC 5737"),
    v4([192, 31, 196, 0], 24, "AS112-v4", "RFC 7535"),
    v4([192, 52, 193, 0], 24, "AMT", "RFC 7450"),
    v4(
        [192, 88, 99, 0],
        24,
        "Deprecated (6to4 Relay Anycast)",
        "RFC 7526",
    ),
    v4([192, 168, 0, 0], 16, "Private-Use", "RFC 1918"),
    v4(
        [192, 175, 48, 0],
        24,
        "Direct Delegation AS112 Service",
        "RFC 7534",
    ),
    v4([198, 18, 0, 0], 15, "Benchmarking", "RFC 2544"),
    v4(
        [198, 51, 100, 0],
        24,
        "Documentation (TEST-NET-2)",
        "RFC 5737",
    ),
    v4(
        [203, 0, 113, 0],
        24,
        "Documentation (TEST-NET-3)",
        "RFC 5737",
    ),
    v4([224, 0, 0, 0], 4, "Multicast", "RFC 5771"),
    v4(
        [255, 255, 255, 255],
        32,
        "Limited Broadcast",
        "RFC 8190; RFC 919, section 7",
    ),
    v4([240, 0, 0, 0], 4, "Reserved", "RFC 1112, section 4"),
    // ---- IPv6 ----
    v6(
        [0, 0, 0, 0, 0, 0, 0, 0],
        128,
        "Unspecified Address",
        "RFC 4291",
    ),
    v6(
        [0, 0, 0, 0, 0, 0, 0, 1],
        128,
        "Loopback Address",
        "RFC 4291",
    ),
    v6(
        [0, 0, 0, 0, 0, 0, 0, 0],
        96,
        "Deprecated IPv4-Compatible IPv6 Address",
        "RFC 4291, section 2.5.5.1",
    ),
    v6(
        [0x64, 0xff9b, 0, 0, 0, 0, 0, 0],
        96,
        "IPv4-IPv6 Translation (NAT64 Well-Known Prefix)",
        "RFC 6052",
    ),
    v6(
        [0x64, 0xff9b, 1, 0, 0, 0, 0, 0],
        48,
        "IPv4-IPv6 Translation (Local-Use NAT64)",
        "RFC 8215",
    ),
    v6([0, 0, 0, 0, 0, 0, 0, 0], 8, "Reserved by IETF", "RFC 4291"),
    v6(
        [0x100, 0, 0, 0, 0, 0, 0, 0],
        64,
        "Discard-Only Address Block",
        "RFC 6666",
    ),
    v6(
        [0x100, 0, 0, 0, 0, 0, 0, 0],
        8,
        "Reserved by IETF",
        "RFC 4291",
    ),
    v6(
        [0x200, 0, 0, 0, 0, 0, 0, 0],
        7,
        "Reserved by IETF (deprecated NSAP-mapped)",
        "RFC 4048",
    ),
    v6(
        [0x400, 0, 0, 0, 0, 0, 0, 0],
        6,
        "Reserved by IETF",
        "RFC 4291",
    ),
    v6(
        [0x800, 0, 0, 0, 0, 0, 0, 0],
        5,
        "Reserved by IETF",
        "RFC 4291",
    ),
    v6(
        [0x1000, 0, 0, 0, 0, 0, 0, 0],
        4,
        "Reserved by IETF",
        "RFC 4291",
    ),
    v6(
        [0x2001, 0, 0, 0, 0, 0, 0, 0],
        32,
        "TEREDO",
        "RFC 4380; RFC 8190",
    ),
    v6(
        [0x2001, 0, 0, 0, 0, 0, 0, 0],
        23,
        "IETF Protocol Assignments",
        "RFC 2928",
    ),
    v6(
        [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0],
        32,
        "Documentation",
        "RFC 3849",
    ),
    v6([0x2002, 0, 0, 0, 0, 0, 0, 0], 16, "6to4", "RFC 3056"),
    v6(
        [0x2620, 0x4f, 0x8000, 0, 0, 0, 0, 0],
        48,
        "Direct Delegation AS112 Service",
        "RFC 7534",
    ),
    v6(
        [0x3fff, 0, 0, 0, 0, 0, 0, 0],
        20,
        "Documentation",
        "RFC 9637",
    ),
    v6(
        [0x5f00, 0, 0, 0, 0, 0, 0, 0],
        16,
        "Segment Routing (SRv6) SIDs",
        "RFC 9602",
    ),
    v6(
        [0x4000, 0, 0, 0, 0, 0, 0, 0],
        3,
        "Reserved by IETF",
        "RFC 4291",
    ),
    v6(
        [0x6000, 0, 0, 0, 0, 0, 0, 0],
        3,
        "Reserved by IETF",
        "RFC 4291",
    ),
    v6(
        [0x8000, 0, 0, 0, 0, 0, 0, 0],
        3,
        "Reserved by IETF",
        "RFC 4291",
    ),
    v6(
        [0xa000, 0, 0, 0, 0, 0, 0, 0],
        3,
        "Reserved by IETF",
        "RFC 4291",
    ),
    v6(
        [0xc000, 0, 0, 0, 0, 0, 0, 0],
        3,
        "Reserved by IETF",
        "RFC 4291",
    ),
    v6(
        [0xe000, 0, 0, 0, 0, 0, 0, 0],
        4,
        "Reserved by IETF",
        "RFC 4291",
    ),
    v6(
        [0xf000, 0, 0, 0, 0, 0, 0, 0],
        5,
        "Reserved by IETF",
        "RFC 4291",
    ),
    v6(
        [0xf800, 0, 0, 0, 0, 0, 0, 0],
        6,
        "Reserved by IETF",
        "RFC 4291",
    ),
    v6([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7, "Unique-Local", "RFC 4193"),
    v6(
        [0xfe00, 0, 0, 0, 0, 0, 0, 0],
        9,
        "Reserved by IETF",
        "RFC 4291",
    ),
    v6(
        [0xfe80, 0, 0, 0, 0, 0, 0, 0],
        10,
        "Link-Local Unicast",
        "RFC 4291",
    ),
    v6(
        [0xfec0, 0, 0, 0, 0, 0, 0, 0],
        10,
        "Deprecated Site-Local",
        "RFC 3879",
    ),
    v6([0xff00, 0, 0, 0, 0, 0, 0, 0], 8, "Multicast", "RFC 4291"),
];

/// Whether the first `V4_COUNT` entries of `table` are IPv4 and the rest IPv6.
const fn families_partitioned(table: &[SpecialRange]) -> bool {
    let mut i = 0;
    while i < table.len() {
        let is_v4 = matches!(table[i].net, IpNet::V4(_));
        if is_v4 != (i < V4_COUNT) {
            return false;
        }
        i += 1;
    }
    true
}

const _: () = assert!(
    families_partitioned(&TABLE),
    "the first V4_COUNT entries must be IPv4 and the rest IPv6"
);

/// The table, at a fixed address so that lookups can return `&'static`.
static RANGES: [SpecialRange; RANGE_COUNT] = TABLE;

/// Number of IPv6 entries at the end of [`RANGES`].
const V6_COUNT: usize = RANGE_COUNT - V4_COUNT;

/// `(network bits, netmask)` of each IPv4 entry, in table order.
static V4_MATCH: [(u32, u32); V4_COUNT] = v4_match(&TABLE);

/// `(network bits, netmask)` of each IPv6 entry, in table order.
static V6_MATCH: [(u128, u128); V6_COUNT] = v6_match(&TABLE);

/// Precomputes the IPv4 matchers; non-IPv4 slots (there are none) never match.
const fn v4_match(table: &[SpecialRange; RANGE_COUNT]) -> [(u32, u32); V4_COUNT] {
    let mut out = [(u32::MAX, 0); V4_COUNT];
    let mut i = 0;
    while i < V4_COUNT {
        if let IpNet::V4(net) = table[i].net {
            let prefix_len = net.prefix_len() as u32;
            let mask = if prefix_len == 0 {
                0
            } else {
                u32::MAX << (32 - prefix_len)
            };
            out[i] = (net.addr().to_bits() & mask, mask);
        }
        i += 1;
    }
    out
}

/// Precomputes the IPv6 matchers; non-IPv6 slots (there are none) never match.
const fn v6_match(table: &[SpecialRange; RANGE_COUNT]) -> [(u128, u128); V6_COUNT] {
    let mut out = [(u128::MAX, 0); V6_COUNT];
    let mut i = 0;
    while i < V6_COUNT {
        if let IpNet::V6(net) = table[V4_COUNT + i].net {
            let prefix_len = net.prefix_len() as u32;
            let mask = if prefix_len == 0 {
                0
            } else {
                u128::MAX << (128 - prefix_len)
            };
            out[i] = (net.addr().to_bits() & mask, mask);
        }
        i += 1;
    }
    out
}

/// Returns the IPv4 address embedded in an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`), else the address unchanged.
#[inline]
#[must_use]
pub const fn canonical_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => ip,
        },
        IpAddr::V4(_) => ip,
    }
}

/// The special-purpose block containing `ip` (after [`canonical_ip`]), or `None` if it is an ordinary global unicast address.
#[must_use]
pub fn special_purpose(ip: IpAddr) -> Option<&'static SpecialRange> {
    // A linear scan over one family's precomputed (bits, mask) pairs: no
    // allocation, at most 32 masked compares. The first match is the most
    // specific block because nested blocks precede their containers.
    match canonical_ip(ip) {
        IpAddr::V4(v4) => {
            let bits = v4.to_bits();
            let i = V4_MATCH
                .iter()
                .position(|&(net, mask)| bits & mask == net)?;
            RANGES.get(i)
        }
        IpAddr::V6(v6) => {
            let bits = v6.to_bits();
            let i = V6_MATCH
                .iter()
                .position(|&(net, mask)| bits & mask == net)?;
            RANGES.get(V4_COUNT + i)
        }
    }
}

/// Every block in the table (IPv4 first), for documentation and tests.
#[must_use]
pub fn special_ranges() -> &'static [SpecialRange] {
    &RANGES
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    /// The address before `a`, if any.
    fn pred(a: IpAddr) -> Option<IpAddr> {
        match a {
            IpAddr::V4(v) => u32::from(v)
                .checked_sub(1)
                .map(|n| IpAddr::V4(Ipv4Addr::from(n))),
            IpAddr::V6(v) => u128::from(v)
                .checked_sub(1)
                .map(|n| IpAddr::V6(Ipv6Addr::from(n))),
        }
    }

    /// The address after `a`, if any.
    fn succ(a: IpAddr) -> Option<IpAddr> {
        match a {
            IpAddr::V4(v) => u32::from(v)
                .checked_add(1)
                .map(|n| IpAddr::V4(Ipv4Addr::from(n))),
            IpAddr::V6(v) => u128::from(v)
                .checked_add(1)
                .map(|n| IpAddr::V6(Ipv6Addr::from(n))),
        }
    }

    /// The most specific table entry containing `a`, by brute force.
    fn most_specific(a: IpAddr) -> Option<&'static SpecialRange> {
        special_ranges()
            .iter()
            .filter(|r| r.net.contains(&a))
            .max_by_key(|r| r.net.prefix_len())
    }

    /// Nested (inner, outer) pairs; every other pair of entries is disjoint.
    const NESTED: &[(&str, &str)] = &[
        ("255.255.255.255/32", "240.0.0.0/4"),
        ("::/128", "::/96"),
        ("::/128", "::/8"),
        ("::1/128", "::/96"),
        ("::1/128", "::/8"),
        ("::/96", "::/8"),
        ("64:ff9b::/96", "::/8"),
        ("64:ff9b:1::/48", "::/8"),
        ("100::/64", "100::/8"),
        ("2001::/32", "2001::/23"),
        ("5f00::/16", "4000::/3"),
    ];

    /// Addresses just outside some block that are themselves special (they
    /// fall in an adjacent or containing block). Every other address just
    /// outside a block must be public.
    const SPECIAL_NEIGHBOURS: &[&str] = &[
        "239.255.255.255",                         // before 240.0.0.0/4, in 224.0.0.0/4
        "240.0.0.0",                               // after 224.0.0.0/4
        "255.255.255.254",                         // before 255.255.255.255/32, in 240.0.0.0/4
        "::",                                      // before ::1/128
        "::1",                                     // after ::/128
        "::2",                                     // after ::1/128, in ::/96
        "::1:0:0",                                 // after ::/96, in ::/8
        "64:ff9a:ffff:ffff:ffff:ffff:ffff:ffff",   // before 64:ff9b::/96
        "64:ff9b::1:0:0",                          // after 64:ff9b::/96
        "64:ff9b:0:ffff:ffff:ffff:ffff:ffff",      // before 64:ff9b:1::/48
        "64:ff9b:2::",                             // after 64:ff9b:1::/48
        "ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",   // before 100::/8
        "100:0:0:1::",                             // after 100::/64, in 100::/8
        "100::",                                   // after ::/8
        "200::",                                   // after 100::/8
        "1ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",  // before 200::/7
        "400::",                                   // after 200::/7
        "3ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",  // before 400::/6
        "800::",                                   // after 400::/6
        "7ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",  // before 800::/5
        "1000::",                                  // after 800::/5
        "fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",  // before 1000::/4
        "2001:1::",                                // after 2001::/32, in 2001::/23
        "5eff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", // before 5f00::/16
        "5f01::",                                  // after 5f00::/16
        "6000::",                                  // after 4000::/3
        "5fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", // before 6000::/3
        "8000::",                                  // after 6000::/3
        "7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", // before 8000::/3
        "a000::",                                  // after 8000::/3
        "9fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", // before a000::/3
        "c000::",                                  // after a000::/3
        "bfff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", // before c000::/3
        "e000::",                                  // after c000::/3
        "dfff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", // before e000::/4
        "f000::",                                  // after e000::/4
        "efff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", // before f000::/5
        "f800::",                                  // after f000::/5
        "f7ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", // before f800::/6
        "fc00::",                                  // after f800::/6
        "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", // before fc00::/7
        "fe00::",                                  // after fc00::/7
        "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", // before fe00::/9
        "fe80::",                                  // after fe00::/9
        "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", // before fe80::/10
        "fec0::",                                  // after fe80::/10
        "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", // before fec0::/10
        "ff00::",                                  // after fec0::/10
        "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", // before ff00::/8
    ];

    #[test]
    fn table_is_well_formed() {
        let ranges = special_ranges();
        assert_eq!(ranges.len(), RANGE_COUNT);
        let (v4, v6) = ranges.split_at(V4_COUNT);
        assert!(v4.iter().all(|r| matches!(r.net, IpNet::V4(_))));
        assert!(v6.iter().all(|r| matches!(r.net, IpNet::V6(_))));
        for r in ranges {
            assert_eq!(r.net, r.net.trunc(), "{} has host bits set", r.net);
            assert!(!r.name.is_empty(), "{} has no name", r.net);
            assert!(
                r.reference.starts_with("RFC "),
                "{}: {}",
                r.net,
                r.reference
            );
        }
    }

    #[test]
    fn required_blocks_are_listed() {
        let required = [
            "0.0.0.0/8",
            "10.0.0.0/8",
            "100.64.0.0/10",
            "127.0.0.0/8",
            "169.254.0.0/16",
            "172.16.0.0/12",
            "192.0.0.0/24",
            "192.0.2.0/24",
            "192.31.196.0/24",
            "192.52.193.0/24",
            "192.88.99.0/24",
            "192.168.0.0/16",
            "192.175.48.0/24",
            "198.18.0.0/15",
            "198.51.100.0/24",
            "203.0.113.0/24",
            "224.0.0.0/4",
            "240.0.0.0/4",
            "255.255.255.255/32",
            "::/128",
            "::1/128",
            "::/96",
            "64:ff9b::/96",
            "64:ff9b:1::/48",
            "100::/64",
            "2001::/23",
            "2001::/32",
            "2001:db8::/32",
            "2002::/16",
            "2620:4f:8000::/48",
            "3fff::/20",
            "5f00::/16",
            "fc00::/7",
            "fe80::/10",
            "fec0::/10",
            "ff00::/8",
        ];
        for block in required {
            let block = net(block);
            assert!(
                special_ranges().iter().any(|r| r.net == block),
                "{block} missing"
            );
        }
    }

    #[test]
    fn only_documented_nesting() {
        let ranges = special_ranges();
        let mut seen = Vec::new();
        for (i, a) in ranges.iter().enumerate() {
            for b in &ranges[i + 1..] {
                let overlap = a.net.contains(&b.net) || b.net.contains(&a.net);
                if !overlap {
                    continue;
                }
                assert_ne!(a.net, b.net, "duplicate entry {}", a.net);
                // The more specific block must come first, or lookup would
                // never report it.
                assert!(
                    b.net.contains(&a.net),
                    "{} is listed before the more specific {}",
                    a.net,
                    b.net
                );
                let pair = (a.net, b.net);
                assert!(
                    NESTED.iter().any(|&(i, o)| (net(i), net(o)) == pair),
                    "undocumented nesting of {} in {}",
                    a.net,
                    b.net
                );
                seen.push(pair);
            }
        }
        assert_eq!(seen.len(), NESTED.len(), "stale NESTED entries");
    }

    #[test]
    fn documentation_prefix_is_outside_ietf_protocol_assignments() {
        let ietf = net("2001::/23");
        assert!(!ietf.contains(&net("2001:db8::/32")));
        assert!(ietf.contains(&net("2001:2::/48")));
        assert_eq!(
            ietf.broadcast(),
            ip("2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff")
        );
        assert_eq!(
            special_purpose(ip("2001:db8::1")).unwrap().net,
            net("2001:db8::/32")
        );
    }

    #[test]
    fn block_edges() {
        let special_neighbours: Vec<IpAddr> = SPECIAL_NEIGHBOURS.iter().map(|s| ip(s)).collect();
        let mut seen_special = Vec::new();
        for r in special_ranges() {
            for edge in [r.net.network(), r.net.broadcast()] {
                let found = special_purpose(edge)
                    .unwrap_or_else(|| panic!("{edge} ({}) not special", r.net));
                assert_eq!(Some(found), most_specific(edge), "{edge}");
                assert!(found.net.prefix_len() >= r.net.prefix_len(), "{edge}");
                if !NESTED.iter().any(|&(_, o)| net(o) == r.net) {
                    assert_eq!(found, r, "{edge}");
                }
            }
            let outside = [pred(r.net.network()), succ(r.net.broadcast())];
            for n in outside.into_iter().flatten() {
                if r.net.contains(&n) {
                    continue;
                }
                let found = special_purpose(n);
                if special_neighbours.contains(&n) {
                    assert!(found.is_some(), "{n} next to {} should be special", r.net);
                    seen_special.push(n);
                } else {
                    assert_eq!(found, None, "{n} next to {} should be public", r.net);
                }
            }
        }
        for n in special_neighbours {
            assert!(seen_special.contains(&n), "{n} is not next to any block");
        }
    }

    #[test]
    fn public_addresses_are_not_special() {
        let public = [
            "8.8.8.8",
            "1.1.1.1",
            "93.184.216.34",
            "1.0.0.0",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "126.255.255.255",
            "128.0.0.0",
            "169.253.255.255",
            "169.255.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "191.255.255.255",
            "192.0.1.1",
            "192.167.255.255",
            "192.169.0.0",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "2606:4700:4700::1111",
            "2a00:1450:4001::1",
            "2001:4860:4860::8888",
            "2001:200::1",
            "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff",
            "2001:db9::",
            "2003::1",
            "2620:fe::fe",
            "3ffe::1",
            "3fff:1000::",
            "2000::",
            "3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "::ffff:8.8.8.8",
            "::ffff:1.1.1.1",
        ];
        for a in public {
            assert_eq!(special_purpose(ip(a)), None, "{a}");
        }
    }

    #[test]
    fn well_known_ssrf_targets_are_special() {
        let cases = [
            ("0.0.0.0", "0.0.0.0/8"),
            ("127.0.0.1", "127.0.0.0/8"),
            ("127.255.255.254", "127.0.0.0/8"),
            ("10.0.0.1", "10.0.0.0/8"),
            ("169.254.169.254", "169.254.0.0/16"),
            ("100.100.100.200", "100.64.0.0/10"),
            ("192.0.0.192", "192.0.0.0/24"),
            ("192.0.0.170", "192.0.0.0/24"),
            ("192.168.1.1", "192.168.0.0/16"),
            ("172.31.255.255", "172.16.0.0/12"),
            ("224.0.0.251", "224.0.0.0/4"),
            ("255.255.255.255", "255.255.255.255/32"),
            ("::", "::/128"),
            ("::1", "::1/128"),
            ("fd00:ec2::254", "fc00::/7"),
            ("fe80::1", "fe80::/10"),
            ("ff02::1", "ff00::/8"),
            ("64:ff9b::a9fe:a9fe", "64:ff9b::/96"),
            ("64:ff9b::808:808", "64:ff9b::/96"),
            ("2002:7f00:1::", "2002::/16"),
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001::/32"),
            ("2001:2::1", "2001::/23"),
            ("2001:1::1", "2001::/23"),
            ("100::1", "100::/64"),
            ("100:0:0:1::1", "100::/8"),
            ("::ffff:0:7f00:1", "::/8"),
            ("4000::1", "4000::/3"),
        ];
        for (a, block) in cases {
            let found = special_purpose(ip(a)).unwrap_or_else(|| panic!("{a} not special"));
            assert_eq!(found.net, net(block), "{a}");
        }
    }

    #[test]
    fn mapped_addresses_are_checked_as_ipv4() {
        for (mapped, block) in [
            ("::ffff:127.0.0.1", "127.0.0.0/8"),
            ("::ffff:169.254.169.254", "169.254.0.0/16"),
            ("::ffff:10.0.0.1", "10.0.0.0/8"),
            ("::ffff:0.0.0.0", "0.0.0.0/8"),
            ("::ffff:255.255.255.255", "255.255.255.255/32"),
        ] {
            let found = special_purpose(ip(mapped)).unwrap_or_else(|| panic!("{mapped}"));
            assert_eq!(found.net, net(block), "{mapped}");
        }
        assert_eq!(special_purpose(ip("::ffff:8.8.8.8")), None);
    }

    #[test]
    fn canonical_ip_unwraps_only_mapped_addresses() {
        assert_eq!(canonical_ip(ip("::ffff:1.2.3.4")), ip("1.2.3.4"));
        assert_eq!(canonical_ip(ip("::ffff:127.0.0.1")), ip("127.0.0.1"));
        for unchanged in [
            "1.2.3.4",
            "::127.0.0.1",
            "::1",
            "::",
            "::ffff:0:102:304",
            "64:ff9b::102:304",
            "2002:102:304::",
            "2001:db8::1",
        ] {
            assert_eq!(canonical_ip(ip(unchanged)), ip(unchanged), "{unchanged}");
        }
        // The IPv4-compatible form stays IPv6 and is refused via ::/96.
        assert_eq!(
            special_purpose(ip("::127.0.0.1")).unwrap().net,
            net("::/96")
        );
        assert_eq!(special_purpose(ip("::8.8.8.8")).unwrap().net, net("::/96"));
    }
}
