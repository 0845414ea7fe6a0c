//! A local stand-in for the `WeCom` / `DingTalk` / Feishu webhooks: records every request and
//! answers as told (accept, fail with 500, refuse with a platform error code, answer with an
//! HTML page, or hang). Bots may reach it only because its tests allow 127.0.0.1 in
//! `bots.allowed_hosts` (SEC-38).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;

/// How the hook answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Accept,
    ServerError,
    PlatformError,
    /// An HTML error page holding [`MARKER`], as an internal service would answer.
    HtmlError,
    /// The same page with status 200.
    HtmlOk,
    Hang,
}

/// A string in the stand-in's HTML pages that must never reach the log, the pages or the API.
pub const MARKER: &str = "INTERNAL-MARKER-5f3a9c";

#[derive(Default)]
struct Inner {
    mode: Option<Mode>,
    seen: Vec<(String, serde_json::Value)>,
}

/// A running hook.
#[derive(Clone)]
pub struct Hook {
    inner: Arc<Mutex<Inner>>,
    /// Its address, e.g. `http://127.0.0.1:3456/robot/send?access_token=tok`.
    pub url: String,
}

impl Hook {
    pub fn set(&self, m: Mode) {
        self.inner.lock().unwrap().mode = Some(m);
    }
    /// (query string, JSON body) of every request so far.
    pub fn seen(&self) -> Vec<(String, serde_json::Value)> {
        self.inner.lock().unwrap().seen.clone()
    }
}

async fn handle(
    State(inner): State<Arc<Mutex<Inner>>>,
    RawQuery(q): RawQuery,
    body: String,
) -> (StatusCode, String) {
    let mode = {
        let mut g = inner.lock().unwrap();
        g.seen.push((
            q.unwrap_or_default(),
            serde_json::from_str(&body).unwrap_or_default(),
        ));
        g.mode.unwrap_or(Mode::Accept)
    };
    match mode {
        Mode::Accept => (StatusCode::OK, r#"{"errcode":0,"errmsg":"ok"}"#.into()),
        Mode::ServerError => (StatusCode::INTERNAL_SERVER_ERROR, "boom".into()),
        Mode::PlatformError => (
            StatusCode::OK,
            r#"{"errcode":310000,"errmsg":"sign not match"}"#.into(),
        ),
        Mode::HtmlError | Mode::HtmlOk => {
            let status = if mode == Mode::HtmlOk {
                StatusCode::OK
            } else {
                StatusCode::BAD_GATEWAY
            };
            let page =
                format!("<html><body><h1>{MARKER}</h1><pre>db=10.0.0.5:5432</pre></body></html>");
            (status, page)
        }
        Mode::Hang => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            (StatusCode::OK, "{}".into())
        }
    }
}

/// Starts a hook on a free local port.
pub async fn start() -> Hook {
    let inner = Arc::new(Mutex::new(Inner::default()));
    let app = axum::Router::new()
        .route("/robot/send", axum::routing::post(handle))
        .with_state(inner.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Hook {
        inner,
        url: format!("http://127.0.0.1:{port}/robot/send?access_token=tok-secret-123"),
    }
}

/// Settings for tests that post to the stand-in: 127.0.0.1 allowed, a short timeout.
pub fn local(c: &mut zhibu::config::Config) {
    c.bots.allowed_hosts = vec!["127.0.0.1".into()];
    c.bots.timeout_seconds = 2;
}

/// The job's client, as `serve` builds it from the settings.
pub fn hooks(app: &zhibu::app::App) -> zhibu::bots::webhook::Webhooks {
    zhibu::bots::deliver::client(app).unwrap()
}
