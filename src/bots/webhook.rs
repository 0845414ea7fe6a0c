//! Posting to a webhook, and only to an address a bot may reach (SEC-38). The check runs on the
//! address actually connected to: a DNS resolver of our own drops every refused address a name
//! resolves to (so a name pointing inside, or re-pointed there after the bot was saved, fails),
//! and hosts written as IP addresses, which the HTTP client connects to without asking any
//! resolver, are checked here before the request. Redirects are not followed. Every way a post
//! can fail to arrive gives the same [`Undelivered`], so the delivery log cannot tell a closed
//! port from a refused address or a timeout and is no port scanner.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::config::BotsConfig;

use super::address::{self, AllowList};

/// Bytes of an answer read at most; the platforms answer with a few dozen.
const MAX_ANSWER: usize = 16 * 1024;

/// The post did not reach a platform that answered. The cause is for the server log only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Undelivered(pub &'static str);

/// What the platform answered.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// The start of the body; read to find the platform's code, never stored.
    pub body: String,
}

#[derive(Debug)]
struct RefusedAddress;

impl std::fmt::Display for RefusedAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("every address of the host is refused for bots")
    }
}

impl std::error::Error for RefusedAddress {}

/// Resolves with the system resolver and keeps only the addresses a bot may reach.
struct Guarded {
    allow: Arc<AllowList>,
}

/// The addresses of `host` a bot may connect to.
async fn lookup(allow: &AllowList, host: &str) -> Result<Vec<SocketAddr>, RefusedAddress> {
    let found = tokio::net::lookup_host((host, 0))
        .await
        .map_err(|_| RefusedAddress)?;
    let kept: Vec<SocketAddr> = found
        .filter(|a| allow.permits(Some(host), a.ip()))
        .collect();
    if kept.is_empty() {
        Err(RefusedAddress)
    } else {
        Ok(kept)
    }
}

impl Resolve for Guarded {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs = lookup(&allow, &host).await?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// The hosts of the proxies the HTTP client takes from the environment. Connecting to the
/// proxy is the operator's choice, so it is exempt; the bot's own host is then checked by a
/// lookup here, since the proxy resolves it.
fn proxy_hosts() -> Vec<String> {
    [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
    ]
    .iter()
    .filter_map(|k| std::env::var(k).ok())
    .filter(|v| !v.trim().is_empty())
    .filter_map(|v| {
        let v = if v.contains("://") {
            v
        } else {
            format!("http://{v}")
        };
        reqwest::Url::parse(&v)
            .ok()?
            .host_str()
            .map(|h| h.trim_matches(['[', ']']).to_owned())
    })
    .collect()
}

/// The HTTP client for webhooks.
#[derive(Clone)]
pub struct Webhooks {
    client: reqwest::Client,
    allow: Arc<AllowList>,
    proxied: bool,
}

impl Webhooks {
    /// The client: `bots.timeout_seconds` for connecting and for the whole post, no redirects
    /// (a redirect would carry the message somewhere not checked), no cookies, and the
    /// address check with `bots.allowed_hosts`.
    ///
    /// # Errors
    /// The TLS backend could not start.
    pub fn new(cfg: &BotsConfig) -> reqwest::Result<Self> {
        let t = Duration::from_secs(u64::from(cfg.timeout_seconds));
        let allow = Arc::new(AllowList::of(cfg));
        let proxies = proxy_hosts();
        let resolver = Guarded {
            allow: Arc::new(allow.with_names(&proxies)),
        };
        let client = reqwest::Client::builder()
            .timeout(t)
            .connect_timeout(t)
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(resolver))
            .user_agent(concat!("Zhibu/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            client,
            allow,
            proxied: !proxies.is_empty(),
        })
    }

    /// Checks the address, posts the JSON body, and reads the start of the answer.
    ///
    /// # Errors
    /// [`Undelivered`] for a refused address and for every network, TLS or timeout failure.
    pub async fn post(&self, url: &str, body: String) -> Result<Reply, Undelivered> {
        let parsed = reqwest::Url::parse(url).map_err(|_| Undelivered("bad address"))?;
        match (address::literal(&parsed), parsed.host_str()) {
            (Some(ip), _) if !self.allow.permits(None, ip) => {
                return Err(Undelivered("refused address"));
            }
            (None, Some(host)) if self.proxied => {
                lookup(&self.allow, host.trim_matches(['[', ']']))
                    .await
                    .map_err(|_| Undelivered("refused address"))?;
            }
            (None, None) => return Err(Undelivered("bad address")),
            _ => {}
        }
        let mut res = self
            .client
            .post(parsed)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/json; charset=utf-8",
            )
            .body(body)
            .send()
            .await
            .map_err(|e| Undelivered(cause(&e)))?;
        let status = res.status().as_u16();
        let mut bytes = Vec::new();
        while bytes.len() < MAX_ANSWER {
            match res.chunk().await {
                Ok(Some(c)) => bytes.extend_from_slice(&c),
                Ok(None) => break,
                Err(e) => return Err(Undelivered(cause(&e))),
            }
        }
        bytes.truncate(MAX_ANSWER);
        Ok(Reply {
            status,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        })
    }
}

/// The kind of failure, for the server log; reqwest's own message would repeat the address,
/// whose token is a credential.
fn cause(e: &reqwest::Error) -> &'static str {
    let refused = std::error::Error::source(e)
        .into_iter()
        .flat_map(|s| std::iter::successors(Some(s), |x| x.source()))
        .any(<dyn std::error::Error + 'static>::is::<RefusedAddress>);
    if refused {
        "refused address"
    } else if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else {
        "request"
    }
}
