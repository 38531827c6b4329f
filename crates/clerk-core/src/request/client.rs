//! The client's address by the trusted-proxy rule (the rule [`RequestOrigin::resolve`] applies to
//! the origin): handshake-nonce lookups and the Frontend API proxy are limited per client.
//!
//! [`RequestOrigin::resolve`]: super::RequestOrigin::resolve

use std::net::{IpAddr, SocketAddr};

/// The client's IP address: the peer's, unless the peer is one of `trusted_proxies`; then the
/// nearest `X-Forwarded-For` entry (right to left) that is not itself a trusted proxy. An entry
/// that is not an IP address stops the walk at the last address believed. `forwarded_for` gives
/// the raw values of the request's `X-Forwarded-For` fields, in order; entries are split from the
/// raw bytes, so one unreadable entry does not hide the one a trusted proxy appended after it.
///
/// # Examples
///
/// ```
/// use std::net::IpAddr;
/// use clerk_core::request::client_ip;
///
/// let proxy: IpAddr = "10.0.0.1".parse().unwrap();
/// let fields = [&b"203.0.113.9, 10.0.0.1"[..]];
/// assert_eq!(client_ip(Some(proxy), fields, &[proxy]), Some("203.0.113.9".parse().unwrap()));
/// assert_eq!(client_ip(Some(proxy), fields, &[]), Some(proxy), "an untrusted peer is the client");
/// ```
pub fn client_ip<'v, I>(peer: Option<IpAddr>, forwarded_for: I, trusted_proxies: &[IpAddr]) -> Option<IpAddr>
where
    I: IntoIterator<Item = &'v [u8]>,
    I::IntoIter: DoubleEndedIterator,
{
    let mut client = peer?;
    if !trusted_proxies.contains(&client) {
        return Some(client);
    }
    let entries = forwarded_for
        .into_iter()
        .rev()
        .flat_map(|value| value.rsplit(|b| *b == b','));
    for entry in entries {
        let entry = std::str::from_utf8(entry).unwrap_or("").trim();
        let Some(ip) = entry
            .parse::<IpAddr>()
            .ok()
            .or_else(|| entry.parse::<SocketAddr>().ok().map(|a| a.ip()))
        else {
            break;
        };
        client = ip;
        if !trusted_proxies.contains(&ip) {
            break;
        }
    }
    Some(client)
}
