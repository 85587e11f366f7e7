//! IP allow and deny lists, and the client address behind trusted proxies.
//!
//! [`IpSet`] holds IPv4 and IPv6 CIDRs in a binary prefix trie: a lookup walks at most 32 (IPv4)
//! or 128 (IPv6) nodes whatever the number of entries. An IPv4-mapped IPv6 address
//! (`::ffff:192.0.2.1`, what a dual-stack socket reports) is looked up as the IPv4 address.
//! [`permitted`] is the one allow/deny rule; [`ProxyTrust::client_address`] finds the client behind
//! `Forwarded` (RFC 7239) or `X-Forwarded-For` only through proxies the caller names, and without
//! that the socket's peer, never a header a client can set.
//!
//! ```
//! use bulwark::ipnet::{permitted, IpSet, ProxyTrust};
//! let office = IpSet::parse("192.0.2.0/24, 2001:db8::/32")?;
//! let blocked = IpSet::parse("192.0.2.66")?;
//! assert!(permitted(Some(&office), Some(&blocked), "192.0.2.10".parse().unwrap()));
//! assert!(!permitted(Some(&office), Some(&blocked), "192.0.2.66".parse().unwrap()));
//! assert!(!permitted(Some(&office), None, "198.51.100.1".parse().unwrap()));
//!
//! // Behind one load balancer at 10.0.0.5 that appends to X-Forwarded-For:
//! let trust = ProxyTrust::cidrs(IpSet::parse("10.0.0.0/8")?, "X-Forwarded-For")?;
//! let client = trust.client_address("10.0.0.5".parse().unwrap(), Some("203.0.113.9, 10.0.0.7"))?;
//! assert_eq!(client.to_string(), "203.0.113.9");
//! # Ok::<(), bulwark::Error>(())
//! ```

use crate::error::{Error, Result};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// `::ffff:0:0`, the start of the IPv4-mapped IPv6 range (`::ffff:0:0/96`).
const MAPPED_RANGE: u128 = 0xffff_0000_0000;

/// Most entries one list may hold (a bound on memory: about 20 MB of trie at IPv6 /128 each).
pub const MAX_ENTRIES: usize = 1_000_000;

/// A binary trie over address bits; node 0 is the root, child index 0 means "none".
#[derive(Clone, Default)]
struct Trie {
    children: Vec<[u32; 2]>,
    terminal: Vec<bool>,
}

impl Trie {
    fn insert(&mut self, bits: u128, width: u32, prefix: u32) {
        if self.children.is_empty() {
            self.children.push([0, 0]);
            self.terminal.push(false);
        }
        let mut node = 0usize;
        for i in 0..prefix {
            if self.terminal.get(node).copied().unwrap_or(false) {
                return; // a shorter prefix already covers it
            }
            let bit = usize::from((bits >> (width - 1 - i)) & 1 == 1);
            let next = self
                .children
                .get(node)
                .and_then(|c| c.get(bit).copied())
                .unwrap_or(0);
            node = if next == 0 {
                let id = self.children.len();
                self.children.push([0, 0]);
                self.terminal.push(false);
                if let Some(slot) = self.children.get_mut(node).and_then(|c| c.get_mut(bit)) {
                    *slot = u32::try_from(id).unwrap_or(u32::MAX);
                }
                id
            } else {
                next as usize
            };
        }
        if let Some(t) = self.terminal.get_mut(node) {
            *t = true;
        }
        // Longer prefixes below it are now redundant; the walk stops here first.
        if let Some(c) = self.children.get_mut(node) {
            *c = [0, 0];
        }
    }

    fn contains(&self, bits: u128, width: u32) -> bool {
        if self.children.is_empty() {
            return false;
        }
        let mut node = 0usize;
        for i in 0..=width {
            if self.terminal.get(node).copied().unwrap_or(false) {
                return true;
            }
            if i == width {
                break;
            }
            let bit = usize::from((bits >> (width - 1 - i)) & 1 == 1);
            match self
                .children
                .get(node)
                .and_then(|c| c.get(bit).copied())
                .unwrap_or(0)
            {
                0 => return false,
                next => node = next as usize,
            }
        }
        false
    }
}

/// A set of IPv4 and IPv6 networks (CIDRs), looked up in time bounded by the address length.
#[derive(Clone, Default)]
pub struct IpSet {
    v4: Trie,
    v6: Trie,
    entries: usize,
}

impl std::fmt::Debug for IpSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IpSet")
            .field("entries", &self.entries)
            .finish()
    }
}

/// One network as parsed: the address, its prefix length.
fn parse_network(text: &str) -> Result<(IpAddr, u32)> {
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (text, None),
    };
    let addr: IpAddr = addr
        .parse()
        .map_err(|_| Error::invalid_input(format!("{text:?} is not an IP address or CIDR")))?;
    let width = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        None => width,
        Some(p) => {
            // Digits only: no sign, no spaces, no leading zeros beyond "0" itself.
            if p.is_empty()
                || !p.bytes().all(|b| b.is_ascii_digit())
                || (p.len() > 1 && p.starts_with('0'))
            {
                return Err(Error::invalid_input(format!(
                    "{text:?}: prefix length {p:?} is not a number"
                )));
            }
            let n: u32 = p.parse().map_err(|_| {
                Error::invalid_input(format!("{text:?}: prefix length {p:?} is not a number"))
            })?;
            if n > width {
                return Err(Error::invalid_input(format!(
                    "{text:?}: prefix length {n} is longer than the address ({width} bits)"
                )));
            }
            n
        }
    };
    let bits = bits_of(addr);
    let host_bits = width - prefix;
    let host_mask = match host_bits {
        0 => 0,
        128 => u128::MAX,
        n => (1u128 << n) - 1,
    };
    if bits & host_mask != 0 {
        let network = network_text(addr, bits & !host_mask);
        return Err(Error::invalid_input(format!(
            "{text:?} has host bits set; the network is {network}/{prefix}"
        )));
    }
    Ok((addr, prefix))
}

fn bits_of(addr: IpAddr) -> u128 {
    match addr {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    }
}

fn network_text(addr: IpAddr, bits: u128) -> String {
    match addr {
        IpAddr::V4(_) => Ipv4Addr::from(u32::try_from(bits).unwrap_or(0)).to_string(),
        IpAddr::V6(_) => Ipv6Addr::from(bits).to_string(),
    }
}

/// The address as looked up: an IPv4-mapped IPv6 address is its IPv4 address.
fn canonical(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(a) => a.to_ipv4_mapped().map_or(IpAddr::V6(a), IpAddr::V4),
        v4 @ IpAddr::V4(_) => v4,
    }
}

impl IpSet {
    /// An empty set.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses networks separated by commas and/or whitespace: `"10.0.0.0/8, 2001:db8::/32
    /// 192.0.2.7"` (an address alone is a /32 or /128). A malformed entry, a prefix longer than
    /// the address, or host bits set (`10.0.0.1/8`) is `InvalidInput` naming the entry.
    ///
    /// # Errors
    /// `InvalidInput` for a malformed entry or more than [`MAX_ENTRIES`].
    pub fn parse(list: &str) -> Result<Self> {
        let mut set = Self::new();
        for entry in list.split(|c: char| c == ',' || c.is_whitespace()) {
            if !entry.is_empty() {
                set.insert(entry)?;
            }
        }
        Ok(set)
    }

    /// Adds one network (`"192.0.2.0/24"`, `"2001:db8::1"`).
    ///
    /// # Errors
    /// `InvalidInput` for a malformed network or a full set.
    pub fn insert(&mut self, network: &str) -> Result<()> {
        if self.entries >= MAX_ENTRIES {
            return Err(Error::invalid_input(format!(
                "an IP list holds at most {MAX_ENTRIES} entries"
            )));
        }
        let (addr, prefix) = parse_network(network)?;
        match addr {
            IpAddr::V4(a) => self.v4.insert(u128::from(u32::from(a)), 32, prefix),
            IpAddr::V6(a) => {
                // Lookups see an IPv4-mapped address as IPv4, so the mapped part of an IPv6
                // network (::ffff:0:0/96) goes into the IPv4 trie: all of it for a network that
                // contains the whole mapped range, the matching IPv4 network for one inside it.
                let bits = u128::from(a);
                match a.to_ipv4_mapped() {
                    Some(v4) if prefix >= 96 => {
                        self.v4.insert(u128::from(u32::from(v4)), 32, prefix - 96);
                        self.entries += 1;
                        return Ok(());
                    }
                    _ => {
                        let mask = if prefix == 0 {
                            0
                        } else {
                            u128::MAX << (128 - prefix)
                        };
                        if MAPPED_RANGE & mask == bits & mask {
                            self.v4.insert(0, 32, 0);
                        }
                    }
                }
                self.v6.insert(bits, 128, prefix);
            }
        }
        self.entries += 1;
        Ok(())
    }

    /// Whether `addr` is in one of the networks.
    #[must_use]
    pub fn contains(&self, addr: IpAddr) -> bool {
        match canonical(addr) {
            IpAddr::V4(a) => self.v4.contains(u128::from(u32::from(a)), 32),
            IpAddr::V6(a) => self.v6.contains(u128::from(a), 128),
        }
    }

    /// How many networks were added.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries
    }

    /// Whether no network was added.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }
}

/// The one allow/deny rule: an address in `deny` is refused; with an allow-list, only addresses
/// in it pass; with neither list, everything passes.
#[must_use]
pub fn permitted(allow: Option<&IpSet>, deny: Option<&IpSet>, addr: IpAddr) -> bool {
    if deny.is_some_and(|d| d.contains(addr)) {
        return false;
    }
    allow.is_none_or(|a| a.contains(addr))
}

/// Parses a client or peer address as servers report it: `192.0.2.1`, `2001:db8::1`,
/// `[2001:db8::1]`, with or without a port (`192.0.2.1:443`, `[2001:db8::1]:443`), and an IPv6
/// zone (`fe80::1%eth0`) dropped.
///
/// # Errors
/// `InvalidInput` when the text is not one of those forms.
pub fn parse_addr(text: &str) -> Result<IpAddr> {
    let t = text.trim();
    let bad = || Error::invalid_input(format!("{:?} is not an IP address", truncate(t)));
    if let Some(rest) = t.strip_prefix('[') {
        let (inside, after) = rest.split_once(']').ok_or_else(bad)?;
        if !(after.is_empty() || after.strip_prefix(':').is_some_and(is_port)) {
            return Err(bad());
        }
        return strip_zone(inside)
            .parse::<Ipv6Addr>()
            .map(IpAddr::V6)
            .map_err(|_| bad());
    }
    if let Ok(a) = strip_zone(t).parse::<IpAddr>() {
        return Ok(a);
    }
    match t.rsplit_once(':') {
        Some((host, port)) if is_port(port) && !host.contains(':') => {
            host.parse::<Ipv4Addr>().map(IpAddr::V4).map_err(|_| bad())
        }
        _ => Err(bad()),
    }
}

fn strip_zone(s: &str) -> &str {
    s.split_once('%').map_or(s, |(a, _)| a)
}

fn is_port(s: &str) -> bool {
    !s.is_empty() && s.len() <= 5 && s.bytes().all(|b| b.is_ascii_digit())
}

fn truncate(s: &str) -> &str {
    match s.char_indices().nth(64) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Which forwarding header the trusted proxies write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ForwardedHeader {
    /// `Forwarded: for=192.0.2.60;proto=https, for="[2001:db8::1]:4711"` (RFC 7239).
    Forwarded,
    /// `X-Forwarded-For: 192.0.2.60, 10.0.0.7`.
    XForwardedFor,
}

impl ForwardedHeader {
    /// The header by its name, any case: `Forwarded` or `X-Forwarded-For`.
    ///
    /// # Errors
    /// `InvalidInput` for any other name.
    pub fn from_name(name: &str) -> Result<Self> {
        if name.eq_ignore_ascii_case("forwarded") {
            Ok(Self::Forwarded)
        } else if name.eq_ignore_ascii_case("x-forwarded-for") {
            Ok(Self::XForwardedFor)
        } else {
            Err(Error::invalid_input(format!(
                "forwarding header {name:?} is not Forwarded or X-Forwarded-For"
            )))
        }
    }

    /// The header's name as sent.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Forwarded => "Forwarded",
            Self::XForwardedFor => "X-Forwarded-For",
        }
    }
}

/// How far a forwarding header is believed: not at all (the socket's peer is the client), through
/// proxies in given networks, or through a fixed number of proxy hops.
#[derive(Clone, Debug)]
pub struct ProxyTrust {
    by: Trust,
    header: ForwardedHeader,
}

#[derive(Clone, Debug)]
enum Trust {
    Nobody,
    Networks(IpSet),
    Hops(usize),
}

/// Most proxy hops one setting may name.
pub const MAX_HOPS: usize = 32;

impl Default for ProxyTrust {
    fn default() -> Self {
        Self::none()
    }
}

impl ProxyTrust {
    /// No proxy is trusted: the client is the socket's peer, whatever the headers say.
    #[must_use]
    pub fn none() -> Self {
        Self {
            by: Trust::Nobody,
            header: ForwardedHeader::XForwardedFor,
        }
    }

    /// Proxies are the peers in `networks`; `header` (`Forwarded` or `X-Forwarded-For`) is read
    /// from the right, past every trusted address, to the first one that is not.
    ///
    /// # Errors
    /// `InvalidInput` for an unknown header name.
    pub fn cidrs(networks: IpSet, header: &str) -> Result<Self> {
        Ok(Self {
            by: Trust::Networks(networks),
            header: ForwardedHeader::from_name(header)?,
        })
    }

    /// Exactly `hops` proxies (1..=32) stand in front: the client is the address that many
    /// entries from the right of the header (the peer counting as the last hop).
    ///
    /// # Errors
    /// `InvalidInput` for hops outside 1..=32 or an unknown header name.
    pub fn hops(hops: usize, header: &str) -> Result<Self> {
        if hops == 0 || hops > MAX_HOPS {
            return Err(Error::invalid_input(format!(
                "proxy hops must be 1..={MAX_HOPS}, not {hops}"
            )));
        }
        Ok(Self {
            by: Trust::Hops(hops),
            header: ForwardedHeader::from_name(header)?,
        })
    }

    /// The header this setting reads (`None` when no proxy is trusted).
    #[must_use]
    pub fn header(&self) -> Option<ForwardedHeader> {
        match self.by {
            Trust::Nobody => None,
            _ => Some(self.header),
        }
    }

    /// The client's address for a request from `peer` carrying `header_value` (the configured
    /// header's value; several header lines joined with `,`), by this setting. An entry that has
    /// to be read and is not an address (`unknown`, an obfuscated `_id`, garbage) is
    /// `InvalidInput` (answer 400); entries further left are never read.
    ///
    /// # Errors
    /// `InvalidInput` as above, or for a header of over 256 entries.
    pub fn client_address(&self, peer: IpAddr, header_value: Option<&str>) -> Result<IpAddr> {
        match &self.by {
            Trust::Nobody => Ok(canonical(peer)),
            Trust::Networks(set) => walk(peer, header_value, self.header, Some(set), 0),
            Trust::Hops(n) => walk(peer, header_value, self.header, None, *n),
        }
    }
}

/// [`ProxyTrust::client_address`] with the setting given in parts and the networks borrowed
/// (for a door that keeps its set elsewhere): `networks` or `hops` (1..=32), not both, with the
/// header's name (`Forwarded` or `X-Forwarded-For`); neither means no proxy is trusted, and then
/// the header and its name are not read.
///
/// # Errors
/// `InvalidInput` for both, hops out of range, an unknown header name, and as
/// [`ProxyTrust::client_address`].
pub fn client_address_via(
    peer: IpAddr,
    header_value: Option<&str>,
    header: &str,
    networks: Option<&IpSet>,
    hops: usize,
) -> Result<IpAddr> {
    if networks.is_none() && hops == 0 {
        return Ok(canonical(peer));
    }
    walk(
        peer,
        header_value,
        ForwardedHeader::from_name(header)?,
        networks,
        hops,
    )
}

fn walk(
    peer: IpAddr,
    header_value: Option<&str>,
    header: ForwardedHeader,
    networks: Option<&IpSet>,
    hops: usize,
) -> Result<IpAddr> {
    let peer = canonical(peer);
    let entries = || -> Result<Vec<&str>> {
        let text = header_value.unwrap_or("");
        let items: Vec<&str> = match header {
            ForwardedHeader::XForwardedFor => text
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect(),
            ForwardedHeader::Forwarded => forwarded_for(text)?,
        };
        if items.len() > 256 {
            return Err(Error::invalid_input(
                "the forwarding header has over 256 entries",
            ));
        }
        Ok(items)
    };
    match (networks, hops) {
        (None, 0) => Ok(peer),
        (Some(_), 1..) => Err(Error::invalid_input(
            "give trusted proxies as networks or as a hop count, not both",
        )),
        (None, n) if n > MAX_HOPS => Err(Error::invalid_input(format!(
            "proxy hops must be 1..={MAX_HOPS}, not {n}"
        ))),
        (Some(trusted), 0) => {
            let mut current = peer;
            if !trusted.contains(current) {
                return Ok(current);
            }
            for entry in entries()?.iter().rev() {
                current = canonical(parse_addr(entry)?);
                if !trusted.contains(current) {
                    return Ok(current);
                }
            }
            Ok(current)
        }
        (None, n) => {
            let items = entries()?;
            // The chain is the header's entries then the peer; the client is `n` from the end.
            let at = items.len().saturating_sub(n);
            items
                .get(at)
                .map_or(Ok(peer), |e| parse_addr(e).map(canonical))
        }
    }
}

/// The `for=` values of a `Forwarded` header, in order (RFC 7239 section 4: elements separated
/// by `,`, pairs by `;`, quoted strings allowed).
fn forwarded_for(text: &str) -> Result<Vec<&str>> {
    let mut out = Vec::new();
    for element in split_outside_quotes(text, ',') {
        let mut found = None;
        for pair in split_outside_quotes(element, ';') {
            let pair = pair.trim();
            if pair.is_empty() {
                continue;
            }
            let (name, value) = pair.split_once('=').ok_or_else(|| {
                Error::invalid_input(format!("Forwarded: {:?} is not name=value", truncate(pair)))
            })?;
            if name.trim().eq_ignore_ascii_case("for") {
                let v = value.trim();
                let v = match v.strip_prefix('"') {
                    Some(rest) => rest.strip_suffix('"').ok_or_else(|| {
                        Error::invalid_input("Forwarded: unterminated quoted value")
                    })?,
                    None => v,
                };
                if found.replace(v).is_some() {
                    return Err(Error::invalid_input("Forwarded: two for= in one element"));
                }
            }
        }
        if let Some(v) = found {
            out.push(v);
        } else if !element.trim().is_empty() {
            // An element without for= names no hop address; it cannot be skipped safely.
            return Err(Error::invalid_input("Forwarded: an element without for="));
        }
    }
    Ok(out)
}

fn split_outside_quotes(text: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quoted = false;
    let mut escaped = false;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
        } else if quoted && c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if c == sep && !quoted {
            parts.push(&text[start..i]);
            start = i + c.len_utf8();
        }
    }
    parts.push(&text[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn sets_match_networks_of_both_families() {
        let s = IpSet::parse("10.0.0.0/8, 192.0.2.7\n2001:db8::/32 ::1 0.0.0.0/32").unwrap();
        assert_eq!(s.len(), 5);
        for yes in [
            "10.1.2.3",
            "10.255.255.255",
            "192.0.2.7",
            "2001:db8::1",
            "2001:db8:ffff::",
            "::1",
            "0.0.0.0",
        ] {
            assert!(s.contains(ip(yes)), "{yes}");
        }
        for no in [
            "11.0.0.0",
            "9.255.255.255",
            "192.0.2.8",
            "2001:db9::",
            "::2",
            "::ffff:11.0.0.1",
        ] {
            assert!(!s.contains(ip(no)), "{no}");
        }
        // IPv4-mapped IPv6, as a dual-stack socket reports an IPv4 client.
        assert!(s.contains(ip("::ffff:10.9.8.7")));
        assert!(IpSet::parse("::ffff:10.0.0.0/104")
            .unwrap()
            .contains(ip("10.1.1.1")));
        assert!(IpSet::parse("0.0.0.0/0")
            .unwrap()
            .contains(ip("203.0.113.1")));
        assert!(!IpSet::parse("0.0.0.0/0")
            .unwrap()
            .contains(ip("2001:db8::1")));
        assert!(IpSet::parse("::/0").unwrap().contains(ip("2001:db8::1")));
        assert!(IpSet::new().is_empty() && !IpSet::new().contains(ip("1.2.3.4")));
        // A longer prefix under a shorter one, in either order.
        let s = IpSet::parse("10.1.0.0/16 10.0.0.0/8").unwrap();
        assert!(s.contains(ip("10.2.0.1")));
        let s = IpSet::parse("10.0.0.0/8 10.1.0.0/16").unwrap();
        assert!(s.contains(ip("10.1.0.1")) && s.contains(ip("10.2.0.1")));
    }

    #[test]
    fn malformed_entries_are_refused_by_name() {
        for (bad, says) in [
            ("10.0.0.1/8", "host bits set; the network is 10.0.0.0/8"),
            ("10.0.0.0/33", "longer than the address"),
            ("2001:db8::/129", "longer than the address"),
            ("10.0.0.0/", "not a number"),
            ("10.0.0.0/+8", "not a number"),
            ("10.0.0.0/08", "not a number"),
            ("10.0.0.256", "not an IP address"),
            ("example.com", "not an IP address"),
            ("10.0.0.0/8/9", "not a number"),
        ] {
            let e = IpSet::parse(bad).unwrap_err();
            assert!(e.to_string().contains(says), "{bad}: {e}");
            assert_eq!(e.kind(), crate::ErrorKind::InvalidInput);
        }
    }

    #[test]
    fn the_allow_deny_rule() {
        let allow = IpSet::parse("192.0.2.0/24").unwrap();
        let deny = IpSet::parse("192.0.2.66").unwrap();
        assert!(permitted(None, None, ip("8.8.8.8")));
        assert!(permitted(Some(&allow), None, ip("192.0.2.1")));
        assert!(!permitted(Some(&allow), None, ip("198.51.100.1")));
        assert!(!permitted(Some(&allow), Some(&deny), ip("192.0.2.66")));
        assert!(!permitted(None, Some(&deny), ip("192.0.2.66")));
        assert!(permitted(None, Some(&deny), ip("192.0.2.67")));
        // An empty allow-list allows nobody (as written), not everybody.
        assert!(!permitted(Some(&IpSet::new()), None, ip("192.0.2.1")));
    }

    #[test]
    fn a_hundred_thousand_entries() {
        let mut s = IpSet::new();
        for i in 0..100_000u32 {
            let a = Ipv4Addr::from(0x0a00_0000 + (i << 8));
            s.insert(&format!("{a}/24")).unwrap();
        }
        assert!(s.contains(ip("10.0.5.9")));
        assert!(s.contains(ip("11.134.159.255")));
        assert!(!s.contains(ip("11.134.160.0")));
        assert!(!s.contains(ip("9.255.255.255")));
        assert_eq!(s.len(), 100_000);
    }

    #[test]
    fn addresses_as_servers_report_them() {
        assert_eq!(parse_addr("192.0.2.1:443").unwrap(), ip("192.0.2.1"));
        assert_eq!(parse_addr("[2001:db8::1]:443").unwrap(), ip("2001:db8::1"));
        assert_eq!(parse_addr("[2001:db8::1]").unwrap(), ip("2001:db8::1"));
        assert_eq!(parse_addr(" fe80::1%eth0 ").unwrap(), ip("fe80::1"));
        for bad in [
            "",
            "unknown",
            "_hidden",
            "1.2.3.4:99999999",
            "[::1",
            "[::1]x",
            "2001:db8::1:443x",
            "1.2.3",
        ] {
            assert!(parse_addr(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn no_trust_means_the_peer() {
        let t = ProxyTrust::none();
        assert_eq!(
            t.client_address(ip("198.51.100.1"), Some("1.2.3.4"))
                .unwrap(),
            ip("198.51.100.1")
        );
        assert_eq!(t.header(), None);
    }

    #[test]
    fn trusted_networks_are_walked_from_the_right() {
        let t = ProxyTrust::cidrs(IpSet::parse("10.0.0.0/8").unwrap(), "x-forwarded-for").unwrap();
        let peer = ip("10.0.0.5");
        // The client's own claim on the left is never reached past an untrusted address.
        assert_eq!(
            t.client_address(peer, Some("6.6.6.6, 203.0.113.9, 10.0.0.7"))
                .unwrap(),
            ip("203.0.113.9")
        );
        assert_eq!(
            t.client_address(peer, Some("203.0.113.9")).unwrap(),
            ip("203.0.113.9")
        );
        // A peer outside the trusted networks: its headers are ignored.
        assert_eq!(
            t.client_address(ip("198.51.100.1"), Some("1.2.3.4"))
                .unwrap(),
            ip("198.51.100.1")
        );
        // Only proxies all the way: the leftmost.
        assert_eq!(
            t.client_address(peer, Some("10.1.1.1")).unwrap(),
            ip("10.1.1.1")
        );
        assert_eq!(t.client_address(peer, None).unwrap(), peer);
        // An entry that must be read and is not an address: a 400, not a guess.
        assert!(t.client_address(peer, Some("unknown")).is_err());
        assert!(t.client_address(peer, Some("garbage, 203.0.113.9")).is_ok());
        assert_eq!(
            t.client_address(peer, Some("[2001:db8::9]:1234")).unwrap(),
            ip("2001:db8::9")
        );
    }

    #[test]
    fn hop_counts() {
        let t = ProxyTrust::hops(1, "X-Forwarded-For").unwrap();
        let peer = ip("10.0.0.5");
        assert_eq!(
            t.client_address(peer, Some("6.6.6.6, 203.0.113.9"))
                .unwrap(),
            ip("203.0.113.9")
        );
        assert_eq!(t.client_address(peer, None).unwrap(), peer);
        let t2 = ProxyTrust::hops(2, "X-Forwarded-For").unwrap();
        assert_eq!(
            t2.client_address(peer, Some("6.6.6.6, 203.0.113.9, 10.0.0.9"))
                .unwrap(),
            ip("203.0.113.9")
        );
        assert_eq!(
            t2.client_address(peer, Some("203.0.113.9")).unwrap(),
            ip("203.0.113.9")
        );
        assert!(ProxyTrust::hops(0, "X-Forwarded-For").is_err());
        assert!(ProxyTrust::hops(33, "X-Forwarded-For").is_err());
        assert!(ProxyTrust::hops(1, "X-Real-IP").is_err());
    }

    #[test]
    fn the_setting_in_parts() {
        let nets = IpSet::parse("10.0.0.0/8").unwrap();
        let peer = ip("10.0.0.5");
        let via = |n: Option<&IpSet>, hops, header| {
            client_address_via(peer, Some("203.0.113.9"), header, n, hops)
        };
        assert_eq!(via(None, 0, "").unwrap(), peer);
        assert_eq!(
            via(Some(&nets), 0, "X-Forwarded-For").unwrap(),
            ip("203.0.113.9")
        );
        assert_eq!(via(None, 1, "x-forwarded-for").unwrap(), ip("203.0.113.9"));
        assert!(via(Some(&nets), 1, "X-Forwarded-For").is_err());
        assert!(via(None, 33, "X-Forwarded-For").is_err());
        assert!(via(None, 1, "").is_err());
    }

    #[test]
    fn rfc_7239_forwarded() {
        let t = ProxyTrust::cidrs(IpSet::parse("10.0.0.0/8").unwrap(), "Forwarded").unwrap();
        let peer = ip("10.0.0.5");
        let h = r#"for=192.0.2.43, for="[2001:db8:cafe::17]:4711";proto=https;by=10.0.0.5, for=10.0.0.7"#;
        assert_eq!(
            t.client_address(peer, Some(h)).unwrap(),
            ip("2001:db8:cafe::17")
        );
        assert_eq!(
            t.client_address(peer, Some("For=\"192.0.2.60\";proto=http"))
                .unwrap(),
            ip("192.0.2.60")
        );
        assert!(t.client_address(peer, Some("for=unknown")).is_err());
        assert!(t.client_address(peer, Some("proto=http")).is_err());
        assert!(t.client_address(peer, Some("for=\"192.0.2.1")).is_err());
        assert!(t
            .client_address(peer, Some("for=1.1.1.1;for=2.2.2.2"))
            .is_err());
        // A comma inside quotes does not split.
        assert_eq!(
            t.client_address(peer, Some(r#"for="192.0.2.1";ext="a,b""#))
                .unwrap(),
            ip("192.0.2.1")
        );
    }
}
