//! The access log (SEC-11, SEC-25): one line per request with the id the response header
//! shows, the method, the route and the status, and neither the query string, the cookie nor
//! the token a calendar feed carries in its path.

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use tracing_subscriber::fmt::MakeWriter;

use crate::support::{Backend, TestApp, get, request_id};

/// Log output kept in memory for the test to read.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl MakeWriter<'_> for Captured {
    type Writer = Self;
    fn make_writer(&self) -> Self {
        self.clone()
    }
}

// A current-thread runtime: the subscriber set for this thread sees the whole request.
#[tokio::test]
async fn access_log_carries_the_request_id_and_no_secrets() {
    let t = TestApp::new(Backend::Sqlite).await;
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    for path in [
        "/calendar/feed-token-secret?code=QUERY-SECRET",
        "/login?next=%2FNEXT-SECRET",
        "/no-such-page?password=PASSWORD-SECRET",
    ] {
        let res = t.send(get(path, Some("COOKIE-SECRET"))).await;
        let rid = request_id(&res);
        assert!(!rid.is_empty(), "{path}: the response names its request");
        let text = logs.text();
        let line = text
            .lines()
            .find(|l| l.contains(&format!("request_id={rid}")))
            .unwrap_or_else(|| panic!("{path}: no access line for {rid} in\n{text}"));
        let route = path
            .split('?')
            .next()
            .unwrap()
            .replace("feed-token-secret", "{token}");
        assert!(line.contains("method=GET"), "{line}");
        assert!(line.contains(&format!("path={route}")), "{line}");
        assert!(
            line.contains(&format!("status={}", res.status().as_u16())),
            "{line}"
        );
        assert!(line.contains("latency_ms="), "{line}");
    }
    let text = logs.text();
    for secret in [
        "feed-token-secret",
        "QUERY-SECRET",
        "NEXT-SECRET",
        "PASSWORD-SECRET",
        "COOKIE-SECRET",
    ] {
        assert!(!text.contains(secret), "{secret} in the log:\n{text}");
    }
}
