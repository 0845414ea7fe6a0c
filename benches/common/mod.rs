//! Shared by the benchmarks: a minimal keep-alive HTTP/1.1 client, so load comes from this
//! process without extra dependencies; serving the app on a loopback port; quantiles; and
//! running one benchmark on `SQLite` and then `PostgreSQL`; bulk seeding in `seed`.
#![allow(dead_code, reason = "each benchmark uses a part of these helpers")]

pub mod seed;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

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
