//! The HTTP/1.1 server loop (SEC-44): every connection must send a request's headers within
//! the header read timeout (slow-header attacks hold sockets open otherwise), and each client
//! address may hold only so many connections at once, within a cap for the whole server.
//! On shutdown it stops accepting and lets the requests in flight finish, as before.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

use crate::config::Config;

use super::net::Cidr;

/// How connections are admitted and timed.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Time allowed for a request's headers, and for an idle keep-alive connection.
    pub header_read_timeout: Duration,
    /// Open connections per client address.
    pub max_per_ip: u32,
    /// Open connections in total.
    pub max_total: u32,
    /// Peers exempt from the per-address cap: trusted reverse proxies, whose one address
    /// carries every user behind them.
    pub exempt: Vec<Cidr>,
}

impl ServeOptions {
    /// The options from `[server]`.
    #[must_use]
    pub fn from_config(c: &Config) -> Self {
        Self {
            header_read_timeout: Duration::from_secs(u64::from(c.server.header_read_timeout_secs)),
            max_per_ip: c.server.max_connections_per_ip,
            max_total: c.server.max_connections,
            exempt: c
                .server
                .trusted_proxies
                .iter()
                .filter_map(|p| Cidr::parse(p))
                .collect(),
        }
    }
}

/// Open connections, per address and in total.
#[derive(Debug)]
struct Admission {
    opts: ServeOptions,
    open: Mutex<(u32, HashMap<IpAddr, u32>)>,
}

/// One admitted connection; dropping it frees its place.
struct Permit {
    adm: Arc<Admission>,
    ip: Option<IpAddr>,
}

impl Admission {
    fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<Permit> {
        let ip = ip.to_canonical();
        let exempt = self.opts.exempt.iter().any(|c| c.contains(ip));
        let mut g = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let (total, per_ip) = &mut *g;
        if *total >= self.opts.max_total {
            return None;
        }
        if !exempt {
            let n = per_ip.entry(ip).or_insert(0);
            if *n >= self.opts.max_per_ip {
                return None;
            }
            *n += 1;
        }
        *total += 1;
        Some(Permit {
            adm: Arc::clone(self),
            ip: (!exempt).then_some(ip),
        })
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut g = self.adm.open.lock().unwrap_or_else(PoisonError::into_inner);
        let (total, per_ip) = &mut *g;
        *total = total.saturating_sub(1);
        if let Some(ip) = self.ip
            && let Some(n) = per_ip.get_mut(&ip)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                per_ip.remove(&ip);
            }
        }
    }
}

/// A refused connection hears a short 503 if its socket takes it at once, then is closed;
/// nothing waits on a client that is already holding too many sockets.
fn refuse(stream: &TcpStream) {
    const BUSY: &[u8] =
        b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    let _ = stream.try_write(BUSY);
}

/// Serves `router` on `listener` until `shutdown` completes, then waits for the connections
/// in flight to finish.
///
/// # Errors
/// None in practice: accept failures (such as running out of file descriptors) are logged and
/// retried.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    opts: ServeOptions,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(opts.header_read_timeout);
    let adm = Arc::new(Admission {
        opts,
        open: Mutex::new((0, HashMap::new())),
    });
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(permit) = adm.admit(peer.ip()) else {
            tracing::debug!(peer = %peer.ip(), "connection refused: too many open");
            refuse(&stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let svc = router
            .clone()
            .map_request(move |mut req: Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                req
            });
        let conn = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(svc));
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adm(per_ip: u32, total: u32, exempt: &[&str]) -> Arc<Admission> {
        Arc::new(Admission {
            opts: ServeOptions {
                header_read_timeout: Duration::from_secs(1),
                max_per_ip: per_ip,
                max_total: total,
                exempt: exempt.iter().filter_map(|c| Cidr::parse(c)).collect(),
            },
            open: Mutex::new((0, HashMap::new())),
        })
    }

    #[test]
    fn sec_44_per_address_and_total_caps() {
        let a = adm(2, 3, &[]);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let p1 = a.admit(ip).unwrap();
        let _p2 = a.admit(ip).unwrap();
        assert!(a.admit(ip).is_none(), "third from one address");
        // The IPv4-mapped spelling of the same address counts as the same client.
        assert!(a.admit("::ffff:192.0.2.1".parse().unwrap()).is_none());
        let _p3 = a.admit("192.0.2.2".parse().unwrap()).unwrap();
        assert!(a.admit("192.0.2.3".parse().unwrap()).is_none(), "total");
        drop(p1);
        assert!(a.admit(ip).is_some(), "a closed connection frees its place");
    }

    #[test]
    fn sec_44_trusted_proxies_are_not_capped_per_address() {
        let a = adm(1, 10, &["10.0.0.5/32"]);
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let held: Vec<_> = (0..5).map(|_| a.admit(proxy).unwrap()).collect();
        assert_eq!(held.len(), 5);
    }
}
