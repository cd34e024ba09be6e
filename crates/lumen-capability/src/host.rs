//! Hosts and host patterns: how a `domain` constraint names the hosts a grant allows.
//!
//! Every host, whether it comes from a grant or from a URL a program wants to fetch, goes through one
//! normalization: the WHATWG host parser of the `url` crate (percent-decoding, IDNA/UTS #46 mapping to
//! ASCII, lower case, every IPv4 spelling such as `0x7f.1` or `2130706433` to dotted decimal), then one
//! trailing dot is removed, IPv4-mapped IPv6 addresses become IPv4, and empty labels are refused.
//! Matching is then done on labels of the normalized form, never on the string a user wrote.
//!
//! A pattern is one of:
//! - an exact host, `api.example.com`, which matches only that host;
//! - a wildcard, `*.example.com`, which matches every host with **one or more** labels in front of
//!   `example.com` (`a.example.com`, `a.b.example.com`) and **not** the apex `example.com` itself (write
//!   both patterns to allow both). The suffix must not be a public suffix (`*.com`, `*.co.uk`,
//!   `*.github.io`, or a single unknown label such as `*.internal`), and no rule of the Public Suffix
//!   List may lie at or below it (`*.amazonaws.com` covers `s3.amazonaws.com`, where anyone can name a
//!   bucket; `*.ck` covers the wildcard rule `*.ck`; `*.www.ck` the exception rule `!www.ck`). Rules
//!   of both sections count: the private section is where shared hosting (`*.fastly.net`,
//!   `*.core.windows.net`) is listed. Such a pattern would grant hosts that nobody in particular
//!   controls, so it is refused when the grant is built;
//! - an IP address (`10.1.2.3`, `::1`) or a CIDR range (`10.0.0.0/8`). Naming an address or a range is
//!   also what allows a special-purpose address (loopback, private, link-local, …) to be reached; see
//!   [`crate::net`].
//!
//! A set of patterns is kept in a canonical form (sorted, no pattern covered by another, adjacent
//! ranges merged), so that equal sets of hosts compare equal.

use crate::error::GrantError;
use crate::net::canonical_ip;
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::LazyLock;

/// A normalized host: a lower-case ASCII domain name without a trailing dot, or an IP address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Host {
    /// A domain name in normalized ASCII form.
    Domain(String),
    /// An IP address (IPv4-mapped IPv6 addresses are stored as IPv4).
    Ip(IpAddr),
}

impl Host {
    /// Normalizes a host as written in a URL or a grant (WHATWG host parsing plus the rules above).
    pub fn parse(input: &str) -> Result<Host, HostError> {
        let parsed = url::Host::parse(input).map_err(|_| HostError::Invalid)?;
        let borrowed = match &parsed {
            url::Host::Domain(d) => url::Host::Domain(d.as_str()),
            url::Host::Ipv4(a) => url::Host::Ipv4(*a),
            url::Host::Ipv6(a) => url::Host::Ipv6(*a),
        };
        Host::from_url_host(borrowed)
    }

    /// Normalizes a host that the WHATWG parser has already produced (for example `Url::host()`).
    pub fn from_url_host(host: url::Host<&str>) -> Result<Host, HostError> {
        match host {
            url::Host::Ipv4(a) => Ok(Host::Ip(IpAddr::V4(a))),
            url::Host::Ipv6(a) => Ok(Host::Ip(canonical_ip(IpAddr::V6(a)))),
            url::Host::Domain(d) => {
                let d = d.strip_suffix('.').unwrap_or(d);
                if d.len() > 253 {
                    return Err(HostError::TooLong);
                }
                // One pass: labels non-empty and at most 63 bytes; only a-z, 0-9, '-', '_' (the WHATWG
                // parser has already lower-cased and IDNA-mapped the name; anything else is refused
                // rather than guessed at).
                let mut label = 0usize;
                for b in d.bytes() {
                    match b {
                        b'.' => {
                            if label == 0 {
                                return Err(HostError::EmptyLabel);
                            }
                            label = 0;
                        }
                        b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' => {
                            label += 1;
                            if label > 63 {
                                return Err(HostError::TooLong);
                            }
                        }
                        _ => return Err(HostError::Invalid),
                    }
                }
                if label == 0 {
                    return Err(HostError::EmptyLabel);
                }
                Ok(Host::Domain(d.to_owned()))
            }
        }
    }

    /// Whether this host is a name reserved for the local machine (`localhost` and `*.localhost`, RFC 6761).
    pub fn is_localhost_name(&self) -> bool {
        match self {
            Host::Domain(d) => d == "localhost" || d.ends_with(".localhost"),
            Host::Ip(_) => false,
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Domain(d) => f.write_str(d),
            Host::Ip(IpAddr::V4(a)) => write!(f, "{a}"),
            Host::Ip(IpAddr::V6(a)) => write!(f, "[{a}]"),
        }
    }
}

/// Why a host could not be normalized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    /// The WHATWG host parser or the final ASCII check refused it.
    #[error("not a valid host")]
    Invalid,
    /// A label is empty (`a..b`, or more than one trailing dot).
    #[error("the host has an empty label")]
    EmptyLabel,
    /// The name exceeds 253 bytes or a label exceeds 63.
    #[error("the host name is too long")]
    TooLong,
}

/// One entry of a `domain` constraint.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HostPattern {
    /// Exactly this domain name.
    Exact(String),
    /// Every strict subdomain of this suffix (the apex is not included).
    Wildcard(String),
    /// Every address in this range (a single address is a full-length prefix).
    Net(IpNet),
}

impl HostPattern {
    /// Parses and normalizes one pattern as written in a grant.
    pub fn parse(input: &str) -> Result<HostPattern, GrantError> {
        let invalid = |reason: &'static str| GrantError::InvalidHostPattern {
            pattern: input.to_owned(),
            reason,
        };
        if input.is_empty() {
            return Err(invalid("it is empty"));
        }
        if input.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid("it contains whitespace or a control character"));
        }
        if input.contains('/') {
            let net: IpNet = input
                .parse()
                .map_err(|_| invalid("not a CIDR range such as 10.0.0.0/8"))?;
            if net.trunc() != net {
                return Err(invalid(
                    "the range has bits set after the prefix (write the network address)",
                ));
            }
            let net = canonical_net(net);
            refuse_range_over_special_blocks(input, net)?;
            return Ok(HostPattern::Net(net));
        }
        let bare = input
            .strip_prefix('[')
            .and_then(|s| s.strip_suffix(']'))
            .unwrap_or(input);
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return Ok(HostPattern::Net(IpNet::from(canonical_ip(ip))));
        }
        if let Some(suffix) = input.strip_prefix("*.") {
            if suffix.contains('*') {
                return Err(invalid("only one leading `*.` label is allowed"));
            }
            let host =
                Host::parse(suffix).map_err(|_| invalid("the suffix is not a valid host name"))?;
            let Host::Domain(d) = host else {
                return Err(invalid("a wildcard needs a domain name, not an address"));
            };
            if is_public_suffix(&d) {
                return Err(GrantError::PublicSuffixWildcard {
                    pattern: input.to_owned(),
                    suffix: d,
                });
            }
            if let Some(rule) = rule_at_or_below(&d) {
                return Err(GrantError::WildcardAbovePublicSuffix {
                    pattern: input.to_owned(),
                    rule: rule.to_owned(),
                });
            }
            return Ok(HostPattern::Wildcard(d));
        }
        if input.contains('*') {
            return Err(invalid(
                "`*` is only allowed as a whole leading label (`*.example.com`)",
            ));
        }
        match Host::parse(input).map_err(|_| invalid("not a valid host name"))? {
            Host::Domain(d) => Ok(HostPattern::Exact(d)),
            Host::Ip(ip) => Ok(HostPattern::Net(IpNet::from(ip))),
        }
    }

    /// Whether this pattern matches a normalized host.
    pub fn matches(&self, host: &Host) -> bool {
        match (self, host) {
            (HostPattern::Exact(x), Host::Domain(d)) => x == d,
            (HostPattern::Wildcard(s), Host::Domain(d)) => is_strict_subdomain(d, s),
            (HostPattern::Net(n), Host::Ip(ip)) => n.contains(ip),
            _ => false,
        }
    }

    /// Whether every host matched by `other` is matched by `self`.
    pub fn covers(&self, other: &HostPattern) -> bool {
        match (self, other) {
            (HostPattern::Exact(a), HostPattern::Exact(b)) => a == b,
            (HostPattern::Wildcard(s), HostPattern::Exact(b)) => is_strict_subdomain(b, s),
            (HostPattern::Wildcard(s), HostPattern::Wildcard(t)) => {
                s == t || is_strict_subdomain(t, s)
            }
            (HostPattern::Net(a), HostPattern::Net(b)) => a.contains(b),
            _ => false,
        }
    }

    /// The hosts matched by both patterns, if any (patterns are nested or disjoint, so one suffices).
    pub fn intersect(&self, other: &HostPattern) -> Option<HostPattern> {
        if self.covers(other) {
            Some(other.clone())
        } else if other.covers(self) {
            Some(self.clone())
        } else {
            None
        }
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostPattern::Exact(d) => f.write_str(d),
            HostPattern::Wildcard(s) => write!(f, "*.{s}"),
            HostPattern::Net(n) if n.prefix_len() == n.max_prefix_len() => {
                write!(f, "{}", n.addr())
            }
            HostPattern::Net(n) => write!(f, "{n}"),
        }
    }
}

/// IPv4-mapped IPv6 ranges (`::ffff:a.b.c.d/n`, n ≥ 96) are stored as the IPv4 range they denote.
/// A range that overlaps a special-purpose block must lie inside one: `10.0.0.0/8` and
/// `127.0.0.1/32` name special addresses on purpose, `0.0.0.0/0` or `192.0.0.0/8` would take them in
/// by accident ([`GrantError::RangeCoversSpecialAddresses`]).
fn refuse_range_over_special_blocks(input: &str, net: IpNet) -> Result<(), GrantError> {
    let ranges = crate::net::special_ranges();
    let overlaps = |s: &IpNet| s.contains(&net) || net.contains(s);
    let Some(covered) = ranges.iter().find(|s| overlaps(&s.net)) else {
        return Ok(());
    };
    if ranges.iter().any(|s| s.net.contains(&net)) {
        return Ok(());
    }
    Err(GrantError::RangeCoversSpecialAddresses {
        pattern: input.to_owned(),
        block: covered.net,
        name: covered.name,
    })
}

fn canonical_net(net: IpNet) -> IpNet {
    if let IpNet::V6(v6) = net
        && v6.prefix_len() >= 96
        && let IpAddr::V4(a) = canonical_ip(IpAddr::V6(v6.addr()))
        && let Ok(n4) = Ipv4Net::new(a, v6.prefix_len() - 96)
    {
        return IpNet::V4(n4);
    }
    net
}

/// `d` is `s` with one or more labels in front.
fn is_strict_subdomain(d: &str, s: &str) -> bool {
    d.len() > s.len() + 1 && d.ends_with(s) && d.as_bytes()[d.len() - s.len() - 1] == b'.'
}

/// Whether `domain` is itself a public suffix (ICANN or private section), or a lone label the list
/// does not know (which the list's default rule treats as a suffix).
fn is_public_suffix(domain: &str) -> bool {
    match psl::suffix(domain.as_bytes()) {
        Some(s) => s.as_bytes().len() == domain.len(),
        None => true,
    }
}

/// The rules of the Public Suffix List that `psl` was built from (see `data/README.md`): one rule a
/// line, ICANN and private sections alike.
const PSL_RULES: &str = include_str!("../data/public_suffix_rules.txt");

/// The `psl` release whose `data/rules.txt` is [`PSL_RULES`] (a test checks `Cargo.lock` against it).
#[cfg_attr(not(test), allow(dead_code))]
const PSL_RULES_VERSION: &str = "2.1.247";

/// Names that hand out subdomains to unrelated customers but have no rule in the list, treated as
/// private-section rules. `googleusercontent.com`: Colab, Cloud Shell and Cloud Workstations serve
/// customers' own servers, and Drive and Sites their uploads, from its subdomains.
const EXTRA_SHARED_RULES: [&str; 1] = ["googleusercontent.com"];

/// For every name that is the base of a rule (the rule without `*.` or `!`) or an ancestor of one, the
/// shortest such rule as written, in ASCII (`s3.amazonaws.com`, `*.compute.amazonaws.com`, `!www.ck`).
static RULES_AT_OR_BELOW: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    let mut map: HashMap<String, String> = HashMap::new();
    for (prefix, base) in PSL_RULES
        .lines()
        .chain(EXTRA_SHARED_RULES)
        .filter_map(parse_rule)
    {
        let rule = format!("{prefix}{base}");
        let mut name = base.as_str();
        loop {
            match map.get_mut(name) {
                Some(best) => {
                    if (rule.len(), &rule) < (best.len(), &*best) {
                        best.clone_from(&rule);
                    }
                }
                None => {
                    map.insert(name.to_owned(), rule.clone());
                }
            }
            match name.split_once('.') {
                Some((_, parent)) => name = parent,
                None => break,
            }
        }
    }
    map
});

/// One line of the list as `(prefix, base)`: the prefix is `*.`, `!` or empty and the base is
/// normalized like any host. `None` for a blank or comment line (and for a rule whose base is not a
/// host name, of which the list has none: a test checks).
fn parse_rule(line: &str) -> Option<(&'static str, String)> {
    // The list's format: the rule is the line up to the first whitespace; `//` starts a comment.
    let rule = line.split_whitespace().next()?;
    if rule.starts_with("//") {
        return None;
    }
    let (prefix, base) = if let Some(b) = rule.strip_prefix("*.") {
        ("*.", b)
    } else if let Some(b) = rule.strip_prefix('!') {
        ("!", b)
    } else {
        ("", rule)
    };
    match Host::parse(base) {
        Ok(Host::Domain(d)) => Some((prefix, d)),
        _ => None,
    }
}

/// The shortest list rule whose base is `domain` or lies below it, if any.
fn rule_at_or_below(domain: &str) -> Option<&'static str> {
    let map: &'static HashMap<String, String> = &RULES_AT_OR_BELOW;
    map.get(domain).map(String::as_str)
}

/// A canonical set of host patterns: the value of a `domain` constraint.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct HostSet {
    patterns: Vec<HostPattern>,
}

impl HostSet {
    /// Builds the canonical set from patterns (covered patterns dropped, adjacent ranges merged).
    pub fn new(patterns: impl IntoIterator<Item = HostPattern>) -> HostSet {
        let mut names = Vec::new();
        let mut v4: Vec<Ipv4Net> = Vec::new();
        let mut v6: Vec<Ipv6Net> = Vec::new();
        for p in patterns {
            match p {
                HostPattern::Net(IpNet::V4(n)) => v4.push(n),
                HostPattern::Net(IpNet::V6(n)) => v6.push(n),
                other => names.push(other),
            }
        }
        names.sort();
        names.dedup();
        let mut kept: Vec<HostPattern> = names
            .iter()
            .filter(|p| !names.iter().any(|q| q != *p && q.covers(p)))
            .cloned()
            .collect();
        kept.extend(
            Ipv4Net::aggregate(&v4)
                .into_iter()
                .map(|n| HostPattern::Net(IpNet::V4(n))),
        );
        kept.extend(
            Ipv6Net::aggregate(&v6)
                .into_iter()
                .map(|n| HostPattern::Net(IpNet::V6(n))),
        );
        HostSet { patterns: kept }
    }

    /// The patterns, in canonical order.
    pub fn patterns(&self) -> &[HostPattern] {
        &self.patterns
    }

    /// Whether no host at all is allowed (the result of intersecting disjoint sets).
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether a normalized host is in the set.
    pub fn contains(&self, host: &Host) -> bool {
        self.patterns.iter().any(|p| p.matches(host))
    }

    /// Whether an address is named explicitly by an address or range pattern.
    pub fn names_ip(&self, ip: IpAddr) -> bool {
        let ip = canonical_ip(ip);
        self.patterns
            .iter()
            .any(|p| matches!(p, HostPattern::Net(n) if n.contains(&ip)))
    }

    /// The address and range patterns of the set (its names dropped).
    pub fn addresses(&self) -> HostSet {
        HostSet {
            patterns: self
                .patterns
                .iter()
                .filter(|p| matches!(p, HostPattern::Net(_)))
                .cloned()
                .collect(),
        }
    }

    /// The hosts in both sets.
    pub fn intersect(&self, other: &HostSet) -> HostSet {
        let mut out = Vec::new();
        for a in &self.patterns {
            for b in &other.patterns {
                if let Some(c) = a.intersect(b) {
                    out.push(c);
                }
            }
        }
        HostSet::new(out)
    }

    /// Whether every host in `other` is in `self`: exactly, because intersection is exact and both
    /// sides are canonical (a range split over several patterns still counts as covered).
    pub fn covers(&self, other: &HostSet) -> bool {
        self.intersect(other) == *other
    }
}

impl fmt::Display for HostSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.patterns.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn p(s: &str) -> HostPattern {
        HostPattern::parse(s).unwrap()
    }
    fn h(s: &str) -> Host {
        Host::parse(s).unwrap()
    }

    #[test]
    fn wildcard_matches_subdomains_not_apex_nor_lookalikes() {
        let w = p("*.example.com");
        assert!(w.matches(&h("a.example.com")));
        assert!(w.matches(&h("a.b.example.com")));
        assert!(!w.matches(&h("example.com")));
        assert!(!w.matches(&h("evilexample.com")));
        assert!(!w.matches(&h("example.com.evil.com")));
        assert!(!w.matches(&h("aexample.com")));
    }

    #[test]
    fn public_suffix_wildcards_are_refused() {
        for s in [
            "*.com",
            "*.co.uk",
            "*.github.io",
            "*.internal",
            "*.localhost",
            "*.blogspot.com",
        ] {
            assert!(
                matches!(
                    HostPattern::parse(s),
                    Err(GrantError::PublicSuffixWildcard { .. })
                ),
                "{s} was accepted"
            );
        }
        assert!(HostPattern::parse("*.corp.internal").is_ok());
        assert!(HostPattern::parse("*.example.co.uk").is_ok());
    }

    #[test]
    fn the_rule_copy_is_the_one_the_locked_psl_was_built_from() {
        let lock_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.lock");
        let lock = std::fs::read_to_string(lock_path).expect("the workspace lock file");
        let locked = lock
            .split("[[package]]")
            .find(|p| p.lines().any(|l| l.trim() == "name = \"psl\""))
            .and_then(|p| p.lines().find_map(|l| l.trim().strip_prefix("version = ")))
            .map(|v| v.trim_matches('"'));
        assert_eq!(
            locked,
            Some(PSL_RULES_VERSION),
            "psl was bumped: copy its data/rules.txt to data/public_suffix_rules.txt and set PSL_RULES_VERSION"
        );
    }

    #[test]
    fn every_rule_parses_and_agrees_with_psl() {
        let mut rules = 0;
        for line in PSL_RULES.lines() {
            let (prefix, base) =
                parse_rule(line).unwrap_or_else(|| panic!("rule {line:?} does not parse"));
            rules += 1;
            let suffix = |name: &str| {
                psl::suffix(name.as_bytes())
                    .filter(|s| s.is_known())
                    .map(|s| String::from_utf8_lossy(s.as_bytes()).into_owned())
            };
            match prefix {
                "" => assert_eq!(suffix(&base).as_deref(), Some(base.as_str()), "{line}"),
                "*." => {
                    let below = format!("zz9-lumen-probe.{base}");
                    assert_eq!(suffix(&below).as_deref(), Some(below.as_str()), "{line}");
                }
                _ => {
                    let (_, parent) = base.split_once('.').expect("an exception has a parent");
                    assert_eq!(suffix(&base).as_deref(), Some(parent), "{line}");
                }
            }
            assert!(rule_at_or_below(&base).is_some(), "{line}");
        }
        assert!(rules > 9_000, "only {rules} rules");
    }

    #[test]
    fn wildcards_above_a_public_suffix_are_refused() {
        for (s, rule) in [
            ("*.amazonaws.com", "s3.amazonaws.com"),
            ("*.compute.amazonaws.com", "*.compute.amazonaws.com"),
            ("*.core.windows.net", "web.core.windows.net"),
            ("*.fastly.net", "map.fastly.net"),
            ("*.googleusercontent.com", "googleusercontent.com"),
            ("*.www.ck", "!www.ck"),
        ] {
            assert_eq!(
                HostPattern::parse(s),
                Err(GrantError::WildcardAbovePublicSuffix {
                    pattern: s.to_owned(),
                    rule: rule.to_owned()
                }),
                "{s}"
            );
        }
        for s in ["*.s3.amazonaws.com", "*.ck", "*.x.ck", "*.github.io"] {
            assert!(
                matches!(
                    HostPattern::parse(s),
                    Err(GrantError::PublicSuffixWildcard { .. })
                ),
                "{s}"
            );
        }
        for s in [
            "*.bucket.s3.amazonaws.com",
            "*.a.x.ck",
            "*.example.com",
            "*.corp.internal",
            "*.x.www.ck",
        ] {
            assert!(HostPattern::parse(s).is_ok(), "{s}");
        }
    }

    #[test]
    fn malformed_patterns_are_refused() {
        for s in [
            "",
            "*",
            "*example.com",
            "a.*.com",
            "**.example.com",
            "10.0.0.1/8",
            "a b.com",
            "a..b",
            "*.*.x.com",
        ] {
            assert!(HostPattern::parse(s).is_err(), "{s:?} was accepted");
        }
    }

    #[test]
    fn patterns_are_normalized() {
        assert_eq!(p("EXAMPLE.com."), HostPattern::Exact("example.com".into()));
        assert_eq!(
            p("ｅｘａｍｐｌｅ.com"),
            HostPattern::Exact("example.com".into())
        );
        assert_eq!(p("::ffff:10.0.0.1"), p("10.0.0.1"));
        assert_eq!(p("::ffff:10.0.0.0/104"), p("10.0.0.0/8"));
        assert_eq!(p("[::1]"), p("::1"));
    }

    #[test]
    fn sets_are_canonical() {
        let a = HostSet::new([
            p("a.example.com"),
            p("*.example.com"),
            p("10.0.0.0/9"),
            p("10.128.0.0/9"),
        ]);
        let b = HostSet::new([p("*.example.com"), p("10.0.0.0/8")]);
        assert_eq!(a, b);
    }

    #[test]
    fn covers_is_exact_even_for_split_ranges() {
        let wide = HostSet::new([
            p("10.0.0.0/9"),
            p("10.128.0.0/10"),
            p("10.192.0.0/10"),
            p("*.example.com"),
        ]);
        assert!(wide.covers(&HostSet::new([p("10.0.0.0/8")])));
        assert!(wide.covers(&HostSet::new([p("a.b.example.com"), p("*.x.example.com")])));
        assert!(!wide.covers(&HostSet::new([p("example.com")])));
        assert!(!wide.covers(&HostSet::new([p("11.0.0.0/8")])));
        assert!(!HostSet::new([p("10.0.0.0/9")]).covers(&HostSet::new([p("10.0.0.0/8")])));
    }

    #[test]
    fn intersection_of_wildcards_and_exacts() {
        let a = HostSet::new([p("*.example.com")]);
        let b = HostSet::new([p("*.api.example.com"), p("example.com"), p("x.example.com")]);
        let c = a.intersect(&b);
        assert_eq!(
            c,
            HostSet::new([p("*.api.example.com"), p("x.example.com")])
        );
        assert!(a.intersect(&HostSet::new([p("example.org")])).is_empty());
    }
}
