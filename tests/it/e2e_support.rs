//! The browser side of the journeys: a demo server, chromedriver and a headless Chromium
//! session, driven over `WebDriver`'s plain HTTP so no client library is needed.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::free_port;

struct Kill(Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> Value {
    let payload = body.map(Value::to_string).unwrap_or_default();
    // On a loaded machine the driver now and then drops a connection before reading it; a
    // request that could not be sent was not acted on, so sending it again is safe.
    let mut attempt = 0;
    let mut s = loop {
        let sent = TcpStream::connect(("127.0.0.1", port)).and_then(|mut s| {
            s.set_read_timeout(Some(Duration::from_mins(1)))?;
            write!(s, "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}", payload.len())?;
            Ok(s)
        });
        match sent {
            Ok(s) => break s,
            Err(e) if attempt < 5 => {
                attempt += 1;
                eprintln!("webdriver {method} {path}: {e}; retrying");
                std::thread::sleep(Duration::from_millis(300));
            }
            Err(e) => panic!("webdriver {method} {path}: {e}"),
        }
    };
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    // Read the head, then exactly Content-Length bytes (the driver may keep the socket open).
    loop {
        let n = s.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&raw);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let len = head.lines().find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
            });
            if let Some(len) = len
                && body.len() >= len
            {
                break;
            }
        }
    }
    let text = String::from_utf8_lossy(&raw);
    let body = text.split_once("\r\n\r\n").map_or("", |x| x.1);
    let body = if text
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_owned()
    };
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((len, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(len.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// Waits for a server or driver to listen; the demo server seeds and seals its data first, which
/// takes a while when the rest of the suite loads both cores.
fn wait_port(port: u16) {
    let t = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            t.elapsed() < Duration::from_secs(90),
            "port {port} never opened"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub(crate) struct Browser {
    port: u16,
    session: String,
}

impl Browser {
    pub(crate) fn cmd(&self, method: &str, tail: &str, body: Option<Value>) -> Value {
        http(
            self.port,
            method,
            &format!("/session/{}{tail}", self.session),
            body.as_ref(),
        )["value"]
            .clone()
    }
    pub(crate) fn go(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({"url": url})));
    }
    pub(crate) fn find(&self, css: &str) -> String {
        let v = self.cmd(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_owned()
    }
    pub(crate) fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.cmd(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({"text": text})),
        );
    }
    pub(crate) fn click(&self, css: &str) {
        let id = self.find(css);
        self.cmd("POST", &format!("/element/{id}/click"), Some(json!({})));
    }
    pub(crate) fn text_of(&self, css: &str) -> String {
        let id = self.find(css);
        self.cmd("GET", &format!("/element/{id}/text"), None)
            .as_str()
            .unwrap_or("")
            .to_owned()
    }
    /// Presses a button by script: on a phone-sized window the bottom tab bar may cover it.
    pub(crate) fn press(&self, css: &str) {
        let script = format!("document.querySelector({css:?}).click()");
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        );
    }
    pub(crate) fn source(&self) -> String {
        self.cmd("GET", "/source", None)
            .as_str()
            .unwrap_or("")
            .to_owned()
    }
    pub(crate) fn wait(&self, ok: impl Fn(&Self) -> bool) -> bool {
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(10) {
            if ok(self) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }
    pub(crate) fn url(&self) -> String {
        self.cmd("GET", "/url", None)
            .as_str()
            .unwrap_or("")
            .to_owned()
    }
}

/// A demo server, chromedriver and a browser session, stopped and removed when dropped.
pub(crate) struct Env {
    pub(crate) b: Browser,
    pub(crate) base: String,
    dir: std::path::PathBuf,
    _driver: Kill,
    _server: Kill,
}

impl Drop for Env {
    fn drop(&mut self) {
        self.b.cmd("DELETE", "", None);
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

impl Env {
    pub(crate) fn login(&self, user: &str) {
        self.b.cmd("DELETE", "/cookie", None);
        self.b.go(&format!("{}/login", self.base));
        self.b.type_into("#username", user);
        self.b.type_into("#password", zhibu::demo::DEMO_PASSWORD);
        self.b.click("button[type=submit]");
        assert!(
            self.b.wait(|b| !b.url().contains("/login")),
            "signed in as {user}"
        );
    }
}

/// Starts everything. Browser tests are ignored in builds without `ZHIBU_E2E=1`; one that runs
/// without it set was asked for by name and fails rather than passing untested.
pub(crate) fn start() -> Env {
    assert!(
        std::env::var("ZHIBU_E2E").as_deref() == Ok("1"),
        "ZHIBU_E2E=1 is not set, and this browser test cannot run without it"
    );
    let dir =
        std::env::temp_dir().join(format!("zhibu-e2e-{}", zhibu::shared::token::request_id()));
    std::fs::create_dir_all(&dir).unwrap();
    let app_port = free_port();
    let server = Kill(
        Command::new(env!("CARGO_BIN_EXE_zhibu"))
            .args([
                "serve",
                "--demo",
                "--listen",
                &format!("127.0.0.1:{app_port}"),
                "--database",
            ])
            .arg(format!("sqlite://{}", dir.join("e2e.db").display()))
            .env_remove("DATABASE_URL")
            .env_remove("ZHIBU_DATABASE_URL")
            // The bot journey posts to a stand-in webhook on this machine (SEC-38).
            .env("ZHIBU_BOTS__ALLOWED_HOSTS", r#"["127.0.0.1"]"#)
            .stdout(Stdio::null())
            .spawn()
            .expect("start zhibu"),
    );
    wait_port(app_port);
    let wd_port = free_port();
    let driver = Kill(
        Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()))
            .arg(format!("--port={wd_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver"),
    );
    wait_port(wd_port);
    let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
        "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=375,800",
                 format!("--user-data-dir={}", dir.join("profile").display())]}}}});
    let created = http(wd_port, "POST", "/session", Some(&caps));
    let session = created["value"]["sessionId"]
        .as_str()
        .unwrap_or_else(|| panic!("no session: {created}"))
        .to_owned();
    let b = Browser {
        port: wd_port,
        session,
    };
    let base = format!("http://127.0.0.1:{app_port}");
    Env {
        b,
        base,
        dir,
        _driver: driver,
        _server: server,
    }
}
