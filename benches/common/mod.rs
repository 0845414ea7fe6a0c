//! Shared by the benchmarks: a minimal keep-alive HTTP/1.1 client, so load comes from this
//! process without extra dependencies; serving the app on a loopback port; a bounded-time
//! load of many connections; the hello-world baseline every figure is compared with (the
//! machine is shared and noisy, so a throughput is reported as a ratio to an axum
//! hello-world measured in the same run); quantiles; and running one benchmark on `SQLite`
//! and then `PostgreSQL`; bulk seeding and signed-in accounts in `seed`.
#![allow(dead_code, reason = "each benchmark uses a part of these helpers")]

pub mod profile;
pub mod seed;

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Keep-alive connections of the throughput benchmarks, and of the hello-world baseline that
/// non-HTTP benchmarks print to show the machine's state.
pub const CONNECTIONS: usize = 64;
/// Length of the hello-world baseline printed next to non-HTTP figures (kept cheap).
pub const BASELINE: Duration = Duration::from_secs(3);

/// Sends one request on a kept-alive connection and returns the status; the response body is
/// left in `buf`.
pub async fn request(stream: &mut TcpStream, req: &[u8], buf: &mut Vec<u8>) -> Option<u16> {
    stream.write_all(req).await.ok()?;
    buf.clear();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| {
                    l.strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap_or(0))
                })
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let n = stream.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return head.get(9..12)?.parse().ok();
        }
    }
}

/// Sends one request and panics unless the response has status `expected`, naming `what`,
/// the status and the start of the response, so a benchmark never silently measures
/// redirects or errors.
pub async fn expect_status(
    stream: &mut TcpStream,
    req: &[u8],
    buf: &mut Vec<u8>,
    expected: u16,
    what: &str,
) {
    let status = request(stream, req, buf).await;
    if status != Some(expected) {
        fail(what, status, expected, buf);
    }
}

fn fail(what: &str, status: Option<u16>, expected: u16, buf: &[u8]) -> ! {
    let head = String::from_utf8_lossy(&buf[..buf.len().min(400)]).into_owned();
    match status {
        Some(s) => panic!("{what}: HTTP {s}, expected {expected}; response began:\n{head}"),
        None => panic!("{what}: connection closed or unreadable response, expected {expected}"),
    }
}

/// What a bounded-time load measured: requests answered with the expected status, the time
/// they took, and each request's latency in milliseconds.
pub struct Load {
    /// Requests answered (all with the expected status; any other status panics).
    pub ok: u64,
    /// Wall-clock length of the load.
    pub seconds: f64,
    /// Latency of each request, milliseconds.
    pub lat_ms: Vec<f64>,
}

impl Load {
    /// Requests per second.
    #[must_use]
    pub fn rps(&self) -> f64 {
        #[expect(clippy::cast_precision_loss, reason = "a rate")]
        let ok = self.ok as f64;
        ok / self.seconds
    }

    /// The `q` quantile of the latencies, milliseconds.
    pub fn p(&mut self, q: f64) -> f64 {
        pct(&mut self.lat_ms, q)
    }
}

/// Loads `port` from `connections` keep-alive connections, each sending `req` again and again
/// for `duration`; panics on the first response whose status is not `expected`.
pub async fn load(
    port: u16,
    req: &str,
    connections: usize,
    duration: Duration,
    expected: u16,
    what: &str,
) -> Load {
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::with_capacity(connections);
    for _ in 0..connections {
        let req = req.to_owned();
        let what = what.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut s = TcpStream::connect(("127.0.0.1", port))
                .await
                .expect("connect");
            let mut lat = Vec::with_capacity(10_000);
            let mut buf = Vec::new();
            while Instant::now() < deadline {
                let t = Instant::now();
                expect_status(&mut s, req.as_bytes(), &mut buf, expected, &what).await;
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            lat
        }));
    }
    let mut lat_ms = Vec::new();
    for t in tasks {
        lat_ms.extend(t.await.expect("load task"));
    }
    Load {
        ok: lat_ms.len() as u64,
        seconds: started.elapsed().as_secs_f64(),
        lat_ms,
    }
}

/// Sends one request on each of `reqs.len()` fresh connections, all at once, as a burst of
/// distinct clients does; panics unless every response has status `expected`. Returns the
/// whole burst's length in seconds and each request's latency in milliseconds.
pub async fn burst(port: u16, reqs: Vec<String>, expected: u16, what: &str) -> (f64, Vec<f64>) {
    let t = Instant::now();
    let mut tasks = Vec::with_capacity(reqs.len());
    for req in reqs {
        let what = what.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut s = TcpStream::connect(("127.0.0.1", port))
                .await
                .expect("connect");
            let mut buf = Vec::new();
            let t = Instant::now();
            expect_status(&mut s, req.as_bytes(), &mut buf, expected, &what).await;
            t.elapsed().as_secs_f64() * 1000.0
        }));
    }
    let mut lat = Vec::new();
    for task in tasks {
        lat.push(task.await.expect("burst task"));
    }
    (t.elapsed().as_secs_f64(), lat)
}

/// The hello-world router: one GET route returning a short text.
fn hello_router() -> axum::Router {
    axum::Router::new().route("/", axum::routing::get(|| async { "Hello, world!" }))
}

/// The request the baseline sends.
#[must_use]
pub fn hello_request(port: u16) -> String {
    format!("GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n")
}

/// Serves the hello-world router on a free loopback port in the current runtime, as
/// [`serve`] serves the application, and returns the port.
pub async fn serve_hello() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move { axum::serve(listener, hello_router()).await.expect("serve") });
    port
}

/// Serves the hello-world router on a free loopback port from a thread of its own with a
/// runtime of its own, as a separate `zhibu serve` process runs the application (a runtime
/// with one worker a core), and returns the port. The server lives until the process ends.
pub fn serve_hello_apart() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            axum::serve(listener, hello_router()).await.expect("serve");
        });
    });
    port
}

/// The hello-world baseline on `port` with the same client, connections and duration as the
/// figure it is compared with.
pub async fn hello_world(port: u16, connections: usize, duration: Duration) -> Load {
    load(
        port,
        &hello_request(port),
        connections,
        duration,
        200,
        "hello-world",
    )
    .await
}

/// The hello-world baseline printed next to a non-HTTP figure: [`CONNECTIONS`] connections
/// for [`BASELINE`], served in the current runtime. Returns requests per second.
pub async fn machine_state() -> f64 {
    let port = serve_hello().await;
    hello_world(port, CONNECTIONS, BASELINE).await.rps()
}

/// `ratio to hello-world = x.xx` for a throughput and the baseline of the same run (four
/// decimals when it is below 0.1, where two would round it away).
#[must_use]
pub fn ratio(rps: f64, hello_rps: f64) -> String {
    let r = rps / hello_rps;
    if r < 0.1 {
        format!("ratio to hello-world = {r:.4}")
    } else {
        format!("ratio to hello-world = {r:.2}")
    }
}

/// The line that prints the baseline next to a non-HTTP figure.
#[must_use]
pub fn machine_line(hello_rps: f64) -> String {
    format!(
        "hello-world {hello_rps:.0} req/s ({CONNECTIONS} connections, {} s, this run: the machine's state)",
        BASELINE.as_secs()
    )
}

/// Serves the application on a free loopback port and returns the port.
pub async fn serve(app: std::sync::Arc<zhibu::app::App>) -> u16 {
    let (router, _) = zhibu::app::router::build(zhibu::web::AppState::new(app));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .expect("serve");
    });
    port
}

/// The `q` quantile of samples (sorts them).
pub fn pct(v: &mut [f64], q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "indices"
    )]
    v[((v.len() as f64 - 1.0) * q) as usize]
}

/// Runs `run` on a fresh `SQLite` file, then on a fresh `PostgreSQL` database when
/// `ZHIBU_TEST_PG_URL` is set; both are removed afterwards.
pub fn on_both_databases<F, Fut>(tag: &str, run: F)
where
    F: Fn(&'static str, String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = std::env::temp_dir().join(format!("zhibu-bench-{tag}-{}", std::process::id()));
    // `ZHIBU_BENCH_PG_ONLY=1` skips SQLite when only PostgreSQL's figures are wanted again.
    if std::env::var("ZHIBU_BENCH_PG_ONLY").is_err() {
        std::fs::create_dir_all(&dir).expect("temp dir");
        rt.block_on(run(
            "SQLite",
            format!("sqlite://{}", dir.join("bench.db").display()),
        ));
        std::fs::remove_dir_all(&dir).ok();
    }
    if let Ok(admin) = std::env::var("ZHIBU_TEST_PG_URL") {
        let name = format!("zhibu_bench_{}", std::process::id());
        rt.block_on(async {
            let pool = sqlx::PgPool::connect(&admin).await.expect("connect");
            sqlx::query(&format!("CREATE DATABASE \"{name}\""))
                .execute(&pool)
                .await
                .expect("create database");
            let (base, _) = admin.rsplit_once('/').expect("database URL");
            run("PostgreSQL", format!("{base}/{name}")).await;
            sqlx::query(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
                .execute(&pool)
                .await
                .expect("drop database");
        });
    }
}
