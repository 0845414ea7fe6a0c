//! Foundation figures: cold start to ready, binary size, idle RSS, one password hash, and
//! `GET /api/v1/me` with a bearer token at 64 keep-alive connections on loopback for a
//! bounded time. Run with `cargo bench --bench foundation`; it prints its figures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark fails loudly by design"
)]

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tokio::net::TcpStream;

mod common;
use common::{CONNECTIONS, request};
const SECONDS: u64 = 10;

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// A byte or KiB count as `f64` for printing; such counts stay far below 2^52, where it is exact.
#[allow(
    clippy::cast_precision_loss,
    reason = "exact for any size measured here"
)]
fn float(n: u64) -> f64 {
    n as f64
}

fn main() {
    let bin = env!("CARGO_BIN_EXE_zhibu");
    let dir = std::env::temp_dir().join(format!("zhibu-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let db = format!("sqlite://{}", dir.join("bench.db").display());
    let size = std::fs::metadata(bin).map_or(0, |m| m.len());

    // One password hash with the default settings.
    let hasher = zhibu::auth::password::Hasher {
        kind: zhibu::config::PasswordHashKind::Argon2id,
        pbkdf2_iterations: 600_000,
    };
    let t = Instant::now();
    let runs = 5;
    for _ in 0..runs {
        hasher.hash("Yali#Ceshi.2026x").expect("hash");
    }
    let hash_ms = t.elapsed().as_secs_f64() * 1000.0 / f64::from(runs);

    // Migrate once and create the account, then measure a cold start on the existing file.
    let mut c = Command::new(bin)
        .args([
            "admin",
            "create-user",
            "--username",
            "bench",
            "--display-name",
            "压测",
            "--role",
            "system_admin",
            "--password-stdin",
            "--database",
            &db,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("create user");
    c.stdin
        .take()
        .expect("stdin")
        .write_all(b"Yali#Ceshi.2026x\n")
        .expect("write");
    assert!(c.wait().expect("wait").success());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let started = Instant::now();
    let mut server = Command::new(bin)
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--database",
            &db,
        ])
        .env("ZHIBU_AUTH__LOGIN_PER_IP_PER_MINUTE", "1000")
        .env("ZHIBU_LOG__LEVEL", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("serve");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let ready = rt.block_on(async {
        loop {
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)).await {
                let mut buf = Vec::new();
                let req = format!("GET /readyz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n");
                if request(&mut s, req.as_bytes(), &mut buf).await == Some(200) {
                    return started.elapsed();
                }
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    std::thread::sleep(Duration::from_secs(2));
    let idle_rss = rss_kib(server.id());

    let token = rt.block_on(async {
        let mut s = TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
        let body = r#"{"username":"bench","password":"Yali#Ceshi.2026x"}"#;
        let req = format!("POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len());
        let mut buf = Vec::new();
        common::expect_status(&mut s, req.as_bytes(), &mut buf, 200, "login").await;
        let text = String::from_utf8_lossy(&buf).into_owned();
        text.split("\"token\":\"").nth(1).and_then(|r| r.split('"').next()).expect("token").to_owned()
    });

    let req = format!(
        "GET /api/v1/me HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n\r\n"
    );
    // The baseline, the same client at the same concurrency: hello-world served apart from the
    // load's runtime, as the application is, for half the time before and half after.
    let hello_port = common::serve_hello_apart();
    let half = Duration::from_secs(SECONDS) / 2;
    let (before, mut me, after) = rt.block_on(async {
        let before = common::hello_world(hello_port, CONNECTIONS, half).await;
        let me = common::load(
            port,
            &req,
            CONNECTIONS,
            Duration::from_secs(SECONDS),
            200,
            "GET /api/v1/me",
        )
        .await;
        let after = common::hello_world(hello_port, CONNECTIONS, half).await;
        (before, me, after)
    });
    #[expect(clippy::cast_precision_loss, reason = "a rate")]
    let hello = (before.ok + after.ok) as f64 / (before.seconds + after.seconds);
    let loaded_rss = rss_kib(server.id());
    let _ = server.kill();
    let _ = server.wait();
    std::fs::remove_dir_all(&dir).ok();

    println!("zhibu foundation benchmark (SQLite, loopback, 2-core machine)");
    println!(
        "  binary size             {:.1} MiB",
        float(size) / 1_048_576.0
    );
    println!("  cold start to ready     {} ms", ready.as_millis());
    println!(
        "  idle RSS                {:.1} MiB",
        float(idle_rss) / 1024.0
    );
    println!("  password hash (argon2id m=19MiB t=2)  {hash_ms:.1} ms");
    println!("  GET /api/v1/me, bearer, {CONNECTIONS} connections, {SECONDS} s:");
    println!(
        "    requests              {} ok (any other status stops the benchmark)",
        me.ok
    );
    println!(
        "    throughput            {:.0} req/s   {}",
        me.rps(),
        common::ratio(me.rps(), hello)
    );
    println!(
        "    latency p50 / p95 / p99  {:.2} ms / {:.2} ms / {:.2} ms",
        me.p(0.50),
        me.p(0.95),
        me.p(0.99)
    );
    println!("    hello-world, same client and connections, {SECONDS} s   {hello:.0} req/s");
    println!(
        "  RSS after load          {:.1} MiB",
        float(loaded_rss) / 1024.0
    );
}
