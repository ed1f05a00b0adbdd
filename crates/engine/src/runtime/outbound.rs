//! Which hosts `httpRequest` may call.
//!
//! The engine sees only the URL: it refuses literal loopback, private, link-local, shared,
//! unspecified and metadata addresses, numeric hosts in unusual forms (`2130706433`,
//! `0x7f.1`), and names such as `localhost`. A name can still resolve to such an address
//! (DNS rebinding): the [`crate::ports::HttpClient`] adapter must check the addresses it
//! connects to, and every redirect, with the same rule ([`is_forbidden_ip`]).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Hosts exempt from the address check: exact host names or IP literals, or `"*"`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboundPolicy {
    pub allowed_hosts: Vec<String>,
}

impl OutboundPolicy {
    /// A policy that lets these hosts through (tests allow `127.0.0.1` and `localhost`).
    pub fn allowing<I: IntoIterator<Item = S>, S: Into<String>>(hosts: I) -> Self {
        Self {
            allowed_hosts: hosts
                .into_iter()
                .map(|h| h.into().to_ascii_lowercase())
                .collect(),
        }
    }

    /// `Ok` when the URL may be called; else why not.
    pub fn check(&self, url: &str) -> Result<(), String> {
        let host = host_of(url)?;
        if self.allowed_hosts.iter().any(|h| h == "*" || *h == host) {
            return Ok(());
        }
        let ip = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(&host);
        if let Ok(ip) = ip.parse::<IpAddr>() {
            return if is_forbidden_ip(ip) {
                Err(format!(
                    "{ip} is a loopback, private, link-local or metadata address"
                ))
            } else {
                Ok(())
            };
        }
        let last = host.rsplit('.').next().unwrap_or_default();
        if last.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(format!("'{host}' is a numeric address in an unusual form"));
        }
        let named_internal = host == "localhost"
            || host.ends_with(".localhost")
            || host.ends_with(".local")
            || host.ends_with(".internal")
            || matches!(host.as_str(), "metadata" | "instance-data");
        if named_internal {
            return Err(format!("'{host}' names an internal host"));
        }
        Ok(())
    }
}

/// The lower-cased host of an http(s) URL (IPv6 literals keep their brackets).
fn host_of(url: &str) -> Result<String, String> {
    let (scheme, rest) = url
        .trim()
        .split_once("://")
        .ok_or_else(|| "must be an absolute http or https URL".to_owned())?;
    if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") {
        return Err(format!("the scheme '{scheme}' is not http or https"));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host_port.starts_with('[') {
        match host_port.find(']') {
            Some(end) => &host_port[..=end],
            None => return Err("the IPv6 address is not closed".to_owned()),
        }
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() || host.contains(['\\', '%', ' ']) {
        return Err("the URL has no usable host".to_owned());
    }
    Ok(host)
}

/// Loopback, private, link-local (metadata), shared, unspecified, broadcast and multicast.
pub fn is_forbidden_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
        || (a == 198 && (b == 18 || b == 19))
}

fn forbidden_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return forbidden_v4(v4);
    }
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_internal_addresses() {
        let p = OutboundPolicy::default();
        for bad in [
            "http://127.0.0.1/x",
            "http://localhost:8080",
            "http://api.localhost",
            "http://10.1.2.3",
            "http://192.168.0.1",
            "http://172.16.5.5",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]:80/",
            "http://[fd00:ec2::254]/",
            "http://[::ffff:127.0.0.1]/",
            "http://0.0.0.0/",
            "http://2130706433/",
            "http://0x7f000001/",
            "http://127.1/",
            "http://metadata.google.internal/",
            "ftp://example.com/",
            "example.com",
            "http:///path",
        ] {
            assert!(p.check(bad).is_err(), "{bad}");
        }
        for good in [
            "https://api.example.com/v1?x=1",
            "http://93.184.216.34/",
            "https://[2606:4700::1]/",
        ] {
            assert!(p.check(good).is_ok(), "{good}");
        }
        let allow = OutboundPolicy::allowing(["127.0.0.1", "localhost"]);
        assert!(allow.check("http://127.0.0.1:9000/hook").is_ok());
        assert!(allow.check("http://LOCALHOST/").is_ok());
        assert!(allow.check("http://10.0.0.1/").is_err());
    }
}
