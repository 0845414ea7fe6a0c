//! Which addresses a group bot may reach (SEC-38). A webhook is typed in by an officer, so
//! without this check the server would post, from inside the network, to whatever the officer
//! names: its own admin ports, the database, a metadata service. Loopback, private, link-local,
//! shared (CGNAT), unique-local, multicast, broadcast, unspecified, documentation and benchmark
//! ranges are refused, for IPv4 and for every IPv6 form that carries an IPv4 address. The only
//! exceptions are the entries of `bots.allowed_hosts` in the configuration file.
//!
//! The check runs on the address actually connected to (see [`super::webhook`]); checking the
//! typed-in address at save time only gives an early, clear message.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use reqwest::Url;
use url::Host;

/// What an officer sees when an address is refused at save time.
pub const REFUSED: &str = "机器人地址不能指向本机或内网地址";

/// One entry of `bots.allowed_hosts`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    /// A host name, lower case, without a trailing dot.
    Name(String),
    /// An address range: network and prefix length.
    Net(IpAddr, u8),
}

/// The parsed `bots.allowed_hosts`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList(Vec<Entry>);

fn normal_name(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

fn last_32(v6: Ipv6Addr) -> Ipv4Addr {
    let o = v6.octets();
    Ipv4Addr::new(o[12], o[13], o[14], o[15])
}

/// IPv4-mapped (`::ffff:a.b.c.d`) and IPv4-compatible (`::a.b.c.d`) addresses reach the IPv4
/// address they carry, so they are judged as that address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.segments() {
            [0, 0, 0, 0, 0, 0xffff | 0, ..] => IpAddr::V4(last_32(v6)),
            _ => ip,
        },
        IpAddr::V4(_) => ip,
    }
}

fn in_net(ip: IpAddr, net: IpAddr, prefix: u8) -> bool {
    match (canonical(ip), canonical(net)) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let shift = 32u32.saturating_sub(u32::from(prefix));
            let mask = u32::MAX.checked_shl(shift).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let shift = 128u32.saturating_sub(u32::from(prefix));
            let mask = u128::MAX.checked_shl(shift).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

impl AllowList {
    /// Reads the configured entries: host names, IP addresses, or CIDR ranges.
    ///
    /// # Errors
    /// The first entry that is none of these, in Chinese.
    pub fn parse(entries: &[String]) -> Result<Self, String> {
        let mut out = Vec::new();
        for raw in entries {
            let s = raw.trim();
            let bad = || format!("bots.allowed_hosts 中的「{s}」不是主机名、IP 地址或 CIDR 网段");
            let bare = s.trim_start_matches('[').trim_end_matches(']');
            if let Some((net, len)) = s.split_once('/') {
                let net: IpAddr = net.parse().map_err(|_| bad())?;
                let len: u8 = len.parse().map_err(|_| bad())?;
                let max = if net.is_ipv4() { 32 } else { 128 };
                if len > max {
                    return Err(bad());
                }
                let c = canonical(net);
                // ::ffff:10.0.0.0/104 is 10.0.0.0/8.
                let len = if c.is_ipv4() && net.is_ipv6() {
                    len.checked_sub(96).ok_or_else(bad)?
                } else {
                    len
                };
                out.push(Entry::Net(c, len));
            } else if let Ok(ip) = bare.parse::<IpAddr>() {
                let ip = canonical(ip);
                out.push(Entry::Net(ip, if ip.is_ipv4() { 32 } else { 128 }));
            } else {
                let name = normal_name(s);
                let ok = !name.is_empty()
                    && name.len() <= 253
                    && name.split('.').all(|l| {
                        !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    });
                if !ok {
                    return Err(bad());
                }
                out.push(Entry::Name(name));
            }
        }
        Ok(Self(out))
    }

    /// The list of the configuration, or an empty one if it does not parse (it was checked
    /// when the configuration was loaded).
    #[must_use]
    pub fn of(cfg: &crate::config::BotsConfig) -> Self {
        Self::parse(&cfg.allowed_hosts).unwrap_or_default()
    }

    /// The list with more host names.
    #[must_use]
    pub fn with_names(&self, names: &[String]) -> Self {
        let mut out = self.clone();
        out.0
            .extend(names.iter().map(|n| Entry::Name(normal_name(n))));
        out
    }

    /// Whether the host name is listed (then every address it resolves to may be used).
    #[must_use]
    pub fn name(&self, host: &str) -> bool {
        let host = normal_name(host);
        self.0
            .iter()
            .any(|e| matches!(e, Entry::Name(n) if *n == host))
    }

    /// Whether the address lies in a listed address or range.
    #[must_use]
    pub fn ip(&self, ip: IpAddr) -> bool {
        self.0
            .iter()
            .any(|e| matches!(e, Entry::Net(n, len) if in_net(ip, *n, *len)))
    }

    /// Whether a bot may connect to `ip`, reached through the name `host` (if any).
    #[must_use]
    pub fn permits(&self, host: Option<&str>, ip: IpAddr) -> bool {
        !refused(ip) || self.ip(ip) || host.is_some_and(|h| self.name(h))
    }
}

fn refused_v4(ip: Ipv4Addr) -> bool {
    const NETS: [([u8; 4], u8); 15] = [
        ([0, 0, 0, 0], 8),       // "this network", including 0.0.0.0
        ([10, 0, 0, 0], 8),      // private
        ([100, 64, 0, 0], 10),   // shared address space (CGNAT)
        ([127, 0, 0, 0], 8),     // loopback
        ([169, 254, 0, 0], 16),  // link-local, cloud metadata services
        ([172, 16, 0, 0], 12),   // private
        ([192, 0, 0, 0], 24),    // IETF protocol assignments
        ([192, 0, 2, 0], 24),    // documentation
        ([192, 88, 99, 0], 24),  // 6to4 relay anycast
        ([192, 168, 0, 0], 16),  // private
        ([198, 18, 0, 0], 15),   // benchmarking
        ([198, 51, 100, 0], 24), // documentation
        ([203, 0, 113, 0], 24),  // documentation
        ([224, 0, 0, 0], 4),     // multicast
        ([240, 0, 0, 0], 4),     // reserved, and 255.255.255.255 broadcast
    ];
    NETS.iter()
        .any(|(n, len)| in_net(IpAddr::V4(ip), IpAddr::V4(Ipv4Addr::from(*n)), *len))
}

fn refused_v6(ip: Ipv6Addr) -> bool {
    let seg = ip.segments();
    // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits.
    if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return refused_v4(last_32(ip));
    }
    // Only global unicast (2000::/3) is reachable on the internet; this also refuses ::, ::1,
    // unique-local fc00::/7, link-local fe80::/10, multicast ff00::/8 and discard 100::/64.
    let global = seg[0] & 0xe000 == 0x2000;
    let special = [
        (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23), // IETF assignments, Teredo, benchmarking
        (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32), // documentation
        (Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16), // 6to4, which can carry any IPv4
        (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20), // documentation
    ];
    !global
        || special
            .iter()
            .any(|(n, len)| in_net(IpAddr::V6(ip), IpAddr::V6(*n), *len))
}

/// Whether an address is one a bot must not reach unless allowed.
#[must_use]
pub fn refused(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => refused_v4(v4),
        IpAddr::V6(v6) => refused_v6(v6),
    }
}

/// Whether a host name names this machine whatever DNS says (RFC 6761).
fn local_name(host: &str) -> bool {
    let h = normal_name(host);
    h == "localhost" || h.ends_with(".localhost")
}

/// The save-time check of a parsed address: a literal address in a refused range (in any of
/// the spellings a URL parser turns into one: `2130706433`, `0x7f000001`, `127.1`,
/// `0177.0.0.1`, `[::ffff:127.0.0.1]`) or `localhost`, unless allowed.
///
/// # Errors
/// [`REFUSED`].
pub fn check_host(url: &Url, allow: &AllowList) -> Result<(), String> {
    let ok = match url.host() {
        Some(Host::Ipv4(ip)) => allow.permits(None, IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => allow.permits(None, IpAddr::V6(ip)),
        Some(Host::Domain(d)) => !local_name(d) || allow.name(d),
        None => false,
    };
    if ok { Ok(()) } else { Err(REFUSED.into()) }
}

/// The literal address of a URL's host, if it is one (those are connected to without a DNS
/// lookup, so the resolver never sees them).
#[must_use]
pub fn literal(url: &Url) -> Option<IpAddr> {
    match url.host() {
        Some(Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn sec_38_internal_ranges_are_refused() {
        for bad in [
            "127.0.0.1",
            "127.8.9.10",
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.8",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "100.127.255.254",
            "169.254.169.254",
            "224.0.0.1",
            "239.255.255.250",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "198.18.0.1",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::7f00:1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "100::1",
            "2001:db8::1",
            "2002:7f00:1::1",
            "2001::1",
        ] {
            assert!(refused(ip(bad)), "{bad}");
        }
        for good in [
            "8.8.8.8",
            "101.226.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "192.169.0.1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "240e:1::1",
            "2408:8000::1",
        ] {
            assert!(!refused(ip(good)), "{good}");
        }
    }

    #[test]
    fn sec_38_odd_spellings_of_loopback_are_refused_at_save_time() {
        let none = AllowList::default();
        for bad in [
            "http://127.0.0.1:8080/h",
            "http://2130706433/h",
            "http://0x7f000001/h",
            "http://127.1/h",
            "http://0177.0.0.1/h",
            "http://0x7f.1/h",
            "http://[::ffff:127.0.0.1]/h",
            "http://[::1]:9/h",
            "http://[0:0:0:0:0:ffff:7f00:1]/h",
            "http://0.0.0.0/h",
            "http://0/h",
            "http://localhost:3000/h",
            "http://LOCALHOST./h",
            "http://db.localhost/h",
            "http://10.0.0.8:8080/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://[fd00::1]/h",
        ] {
            assert_eq!(check_host(&url(bad), &none), Err(REFUSED.into()), "{bad}");
        }
        for good in [
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
            "https://oapi.dingtalk.com/robot/send",
            "https://open.feishu.cn/open-apis/bot/v2/hook/x",
            "http://8.8.8.8/h",
        ] {
            assert!(check_host(&url(good), &none).is_ok(), "{good}");
        }
    }

    #[test]
    fn sec_38_allowed_hosts_name_hosts_addresses_and_ranges() {
        let allow = AllowList::parse(&[
            "127.0.0.1".into(),
            "10.8.0.0/16".into(),
            "Hook.Intranet.".into(),
            "[fd00::5]".into(),
        ])
        .unwrap();
        for ok in [
            "http://127.0.0.1:3000/h",
            "http://2130706433/h",
            "http://[::ffff:127.0.0.1]/h",
            "http://10.8.200.1/h",
            "http://[fd00::5]/h",
        ] {
            assert!(check_host(&url(ok), &allow).is_ok(), "{ok}");
        }
        assert!(check_host(&url("http://10.9.0.1/h"), &allow).is_err());
        assert!(check_host(&url("http://127.0.0.2/h"), &allow).is_err());
        assert!(allow.permits(Some("hook.intranet"), ip("10.1.1.1")));
        assert!(!allow.permits(Some("other.intranet"), ip("10.1.1.1")));
        assert!(allow.permits(Some("x.example"), ip("8.8.8.8")));
        let mapped = AllowList::parse(&["::ffff:10.0.0.0/104".into()]).unwrap();
        assert!(mapped.ip(ip("10.1.2.3")) && !mapped.ip(ip("11.0.0.1")));
        for bad in [
            "10.0.0.0/33",
            "not a host",
            "http://x",
            "::1/129",
            "::ffff:1.2.3.4/64",
            "",
        ] {
            assert!(AllowList::parse(&[bad.into()]).is_err(), "{bad}");
        }
    }
}
