//! The harness of `two_servers.rs`: `zhibu serve` children sharing one database and one key
//! file, started on ports the system picks (read from the start-up line, as `cli.rs` does),
//! echoing their output with their name and killed when dropped, and the HTTP calls to them.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::{Client, Method};
use serde_json::Value;
use tokio::sync::oneshot;
use zhibu::shared::Clock;

use crate::support::TestApp;

const BIN: &str = env!("CARGO_BIN_EXE_zhibu");
/// Longest wait for any one thing the jobs do.
const PATIENCE: Duration = Duration::from_secs(30);

/// A `zhibu serve` child, killed when dropped so a failed assertion leaves no server behind.
pub struct Server {
    pub child: Child,
    pub port: u16,
    /// What it printed before its address (the first administrator's password, if any).
    pub printed: Vec<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The folder holding the shared key file, removed at the end.
pub struct KeyDir(pub PathBuf);

impl KeyDir {
    pub fn new() -> Self {
        let tag = zhibu::shared::token::request_id();
        Self(std::env::temp_dir().join(format!("zhibu-two-{tag}")))
    }
}

impl Drop for KeyDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The settings both servers share, as environment variables; short ticks and lease so that
/// several due times pass within the test.
fn settings(key_file: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("ZHIBU_SECURITY__KEY_FILE", key_file.display().to_string()),
        ("ZHIBU_JOBS__ENABLED", "true".into()),
        ("ZHIBU_JOBS__TICK_SECONDS", "1".into()),
        ("ZHIBU_JOBS__LEASE_SECONDS", "10".into()),
        // The stand-in webhook listens on loopback, which bots may not reach unless allowed.
        ("ZHIBU_BOTS__ALLOWED_HOSTS", r#"["127.0.0.1"]"#.into()),
        ("ZHIBU_BOTS__TIMEOUT_SECONDS", "2".into()),
        // One code for the whole burst, however slowly the machine runs it.
        ("ZHIBU_MEETINGS__CHECKIN_ROTATE_SECS", "600".into()),
        ("ZHIBU_SERVER__MAX_CONNECTIONS_PER_IP", "1000".into()),
        ("ZHIBU_LOG__LEVEL", "warn".into()),
    ]
}

/// Spawns `zhibu serve` on a port the system picks. The port comes from the start-up line (as
/// `cli.rs` reads it) with the lines printed before it; later output is echoed with `name`.
fn spawn(
    name: &'static str,
    db: &str,
    key_file: &Path,
) -> (Server, oneshot::Receiver<(u16, Vec<String>)>) {
    let mut cmd = Command::new(BIN);
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--database", db])
        .env_remove("DATABASE_URL")
        .env_remove("ZHIBU_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in settings(key_file) {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let err = BufReader::new(child.stderr.take().unwrap());
    std::thread::spawn(move || {
        for l in err.lines().map_while(Result::ok) {
            eprintln!("[{name}] {l}");
        }
    });
    let out = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = oneshot::channel();
    // Reads on to the end, so the server never blocks on a full pipe.
    std::thread::spawn(move || {
        let (mut tx, mut printed) = (Some(tx), Vec::new());
        for line in out.lines().map_while(Result::ok) {
            let port = line
                .split_once("支部已启动：http://")
                .and_then(|(_, rest)| rest.split_whitespace().next())
                .and_then(|addr| addr.rsplit_once(':'))
                .and_then(|(_, p)| p.parse::<u16>().ok());
            if let Some((p, tx)) = port.zip(tx.take_if(|_| port.is_some())) {
                let _ = tx.send((p, std::mem::take(&mut printed)));
            } else {
                eprintln!("[{name}] {line}");
                printed.push(line);
            }
        }
    });
    let server = Server {
        child,
        port: 0,
        printed: Vec::new(),
    };
    (server, rx)
}

/// The real time, which the servers run on, in whole seconds.
pub fn now() -> time::OffsetDateTime {
    zhibu::shared::SystemClock.now()
}

/// Polls `probe` until it yields a value, failing after [`PATIENCE`] with `what`.
pub async fn until<T, F: Future<Output = Option<T>>>(
    what: &str,
    mut probe: impl FnMut() -> F,
) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(start.elapsed() < PATIENCE, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One JSON API call with a bearer token: (status, body). Takes its arguments owned so that
/// calls can be spawned side by side.
pub async fn api(
    http: Client,
    port: u16,
    method: Method,
    path: String,
    token: String,
    body: Option<Value>,
) -> (u16, Value) {
    let mut r = http
        .request(method, format!("http://127.0.0.1:{port}{path}"))
        .bearer_auth(token);
    if let Some(b) = body {
        r = r
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let res = r
        .send()
        .await
        .unwrap_or_else(|e| panic!("{port} {path}: {e}"));
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Starts two servers on `db` with the same key file and settings at the same moment, and
/// waits until both answer `/readyz`.
pub async fn start(db: &str, key_file: &Path) -> ([Server; 2], Client) {
    // Both spawned before either is waited for, as an orchestrator starts them.
    let (mut a, ra) = spawn("a", db, key_file);
    let (mut b, rb) = spawn("b", db, key_file);
    for (s, rx) in [(&mut a, ra), (&mut b, rb)] {
        let Ok(Ok((port, printed))) = tokio::time::timeout(PATIENCE, rx).await else {
            panic!("a server stopped or hung before it printed its address");
        };
        (s.port, s.printed) = (port, printed);
    }
    let servers = [a, b];
    let http = Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    for s in &servers {
        let (http, ready) = (&http, &format!("http://127.0.0.1:{}/readyz", s.port));
        until("readiness", move || async move {
            let r = http.get(ready).send().await.ok()?;
            r.status().is_success().then_some(())
        })
        .await;
    }
    (servers, http)
}

/// Stops a server as an orchestrator does (SIGTERM) and waits for it to exit by itself,
/// draining its requests and letting its jobs finish their current unit.
pub async fn stop(s: &mut Server) {
    let pid = s.child.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(sent.success(), "kill -TERM {pid}");
    let status = until("the server to stop", || {
        let exited = s.child.try_wait().unwrap();
        async move { exited }
    })
    .await;
    assert!(status.success(), "server {pid} stopped with {status}");
}

/// The test's own connection to the servers' database.
pub fn pg(t: &TestApp) -> &sqlx::PgPool {
    let zhibu::db::Db::Postgres(p) = &t.app.db else {
        unreachable!("PostgreSQL only")
    };
    p
}

/// One number read straight from the database.
pub async fn scalar(t: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pg(t)).await.unwrap()
}

/// The pid in a lease holder's name (`host:pid:tag`).
pub fn pid_of(holder: &str) -> &str {
    holder.split(':').nth(1).unwrap_or_default()
}

/// `zhibu admin verify-audit` on the database: the audit chain is intact.
pub fn verify_audit(db: &str, key_file: &Path) {
    let out = Command::new(BIN)
        .args(["admin", "verify-audit", "--database", db])
        .env("ZHIBU_SECURITY__KEY_FILE", key_file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
