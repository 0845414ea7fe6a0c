//! The browser side of the journeys: the demo server running in this process on a port the
//! system chose, chromedriver on a port it chose itself, and a headless Chromium session driven
//! through fantoccini. Nothing picks a free port and binds it later, so parallel tests and
//! other processes cannot take a port between the two steps.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio_util::sync::CancellationToken;

/// A command the driver does not answer within this is a hung browser, not a slow page.
const STEP: Duration = Duration::from_mins(1);

/// Runs one `WebDriver` command, failing the test with `what` when it errs or hangs.
async fn step<T>(what: &str, cmd: impl Future<Output = Result<T, CmdError>>) -> T {
    match tokio::time::timeout(STEP, cmd).await {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => panic!("webdriver {what}: {e}"),
        Err(elapsed) => panic!("webdriver {what}: no answer within {STEP:?} ({elapsed})"),
    }
}

/// A browser session.
pub(crate) struct Browser {
    c: Client,
}

impl Browser {
    pub(crate) async fn go(&self, url: &str) {
        step(&format!("go to {url}"), self.c.goto(url)).await;
    }
    async fn find(&self, css: &str) -> Element {
        step(&format!("find {css}"), self.c.find(Locator::Css(css))).await
    }
    pub(crate) async fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        step(&format!("type into {css}"), e.send_keys(text)).await;
    }
    pub(crate) async fn click(&self, css: &str) {
        let e = self.find(css).await;
        step(&format!("click {css}"), e.click()).await;
    }
    pub(crate) async fn text_of(&self, css: &str) -> String {
        let e = self.find(css).await;
        step(&format!("text of {css}"), e.text()).await
    }
    /// Runs a script in the page.
    pub(crate) async fn run(&self, script: &str) -> Value {
        step("execute script", self.c.execute(script, Vec::new())).await
    }
    /// Presses a button by script: on a phone-sized window the bottom tab bar may cover it.
    pub(crate) async fn press(&self, css: &str) {
        self.run(&format!("document.querySelector({css:?}).click()"))
            .await;
    }
    pub(crate) async fn source(&self) -> String {
        step("page source", self.c.source()).await
    }
    /// Resizes the window (CSS pixels), for the phone and desktop views of one page.
    pub(crate) async fn size(&self, w: u32, h: u32) {
        step("resize", self.c.set_window_size(w, h)).await;
    }

    /// The page as a PNG.
    pub(crate) async fn screenshot(&self) -> Vec<u8> {
        step("screenshot", self.c.screenshot()).await
    }

    pub(crate) async fn url(&self) -> String {
        step("current url", self.c.current_url()).await.to_string()
    }
    /// The text of the open `confirm`/`alert` dialog, if one is open.
    pub(crate) async fn alert_text(&self) -> Option<String> {
        tokio::time::timeout(STEP, self.c.get_alert_text())
            .await
            .ok()?
            .ok()
    }
    pub(crate) async fn accept_alert(&self) {
        step("accept alert", self.c.accept_alert()).await;
    }
    pub(crate) async fn dismiss_alert(&self) {
        step("dismiss alert", self.c.dismiss_alert()).await;
    }
    pub(crate) async fn delete_cookies(&self) {
        step("delete cookies", self.c.delete_all_cookies()).await;
    }
    /// Polls `ok` for up to ten seconds: a click does not wait for the navigation it starts.
    pub(crate) async fn wait(&self, ok: impl AsyncFn(&Self) -> bool) -> bool {
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(10) {
            if ok(self).await {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    }
}

/// The demo server, chromedriver and a browser session; closed, stopped and removed when
/// dropped. Tests using it run on a multi-threaded runtime, which the drop needs to close the
/// session before the driver is killed (a killed driver leaves its browser behind).
pub(crate) struct Env {
    pub(crate) b: Browser,
    pub(crate) base: String,
    dir: PathBuf,
    stop: CancellationToken,
    _driver: Child,
}

impl Drop for Env {
    fn drop(&mut self) {
        let c = self.b.c.clone();
        tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(async {
                let _ = tokio::time::timeout(Duration::from_secs(10), c.close()).await;
            });
        });
        self.stop.cancel();
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

impl Env {
    pub(crate) async fn login(&self, user: &str) {
        self.b.delete_cookies().await;
        self.b.go(&format!("{}/login", self.base)).await;
        self.b.type_into("#username", user).await;
        self.b
            .type_into("#password", zhibu::demo::DEMO_PASSWORD)
            .await;
        self.b.click("button[type=submit]").await;
        assert!(
            self.b
                .wait(async |b| !b.url().await.contains("/login"))
                .await,
            "signed in as {user}"
        );
    }
}

/// Starts `zhibu serve --demo` in this process on a listener bound to port 0, and returns its
/// base address once it answers `/readyz`.
async fn demo_server(dir: &std::path::Path, stop: &CancellationToken) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut config = zhibu::config::Config::default();
    config.database.url = format!("sqlite://{}", dir.join("e2e.db").display());
    // The bot journey posts to a stand-in webhook on this machine (SEC-38).
    config.bots.allowed_hosts = vec!["127.0.0.1".into()];
    // Tours sign in as every role from one address within a minute.
    config.auth.login_per_ip_per_minute = 60;
    let opts = zhibu::cli::serve::ServeOpts {
        listen: None,
        demo: true,
    };
    let mut server = tokio::spawn(zhibu::cli::serve::run_on(
        config,
        opts,
        listener,
        stop.clone().cancelled_owned(),
    ));
    // The listener queues connections while the server seeds and seals its data, which takes
    // a while when the rest of the suite loads both cores; the request waits for it.
    let ready = reqwest::Client::new()
        .get(format!("{base}/readyz"))
        .timeout(Duration::from_secs(90))
        .send();
    tokio::select! {
        r = ready => {
            let status = r.expect("demo server answers /readyz").status();
            assert!(status.is_success(), "/readyz: {status}");
        }
        r = &mut server => panic!("demo server stopped at start: {r:?}"),
    }
    base
}

/// Starts chromedriver on a port of its choosing, read back from its start-up line.
async fn chromedriver() -> (Child, u16) {
    let mut driver =
        Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()))
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start chromedriver");
    let mut lines = BufReader::new(driver.stdout.take().unwrap()).lines();
    let port = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            // "ChromeDriver was started successfully on port 40065."
            if let Some(p) = line.split("started successfully on port ").nth(1) {
                return p.trim_end_matches('.').parse::<u16>().ok();
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
    .expect("chromedriver prints the port it listens on");
    // Keep reading so the driver never blocks or fails writing to a closed pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (driver, port)
}

/// Starts everything. Browser tests are ignored in builds without `ZHIBU_E2E=1`; one that runs
/// without it set was asked for by name and fails rather than passing untested.
pub(crate) async fn start() -> Env {
    assert!(
        std::env::var("ZHIBU_E2E").as_deref() == Ok("1"),
        "ZHIBU_E2E=1 is not set, and this browser test cannot run without it"
    );
    let dir =
        std::env::temp_dir().join(format!("zhibu-e2e-{}", zhibu::shared::token::request_id()));
    std::fs::create_dir_all(&dir).unwrap();
    let stop = CancellationToken::new();
    let base = demo_server(&dir, &stop).await;
    let (driver, wd_port) = chromedriver().await;
    let caps = json!({"browserName": "chrome", "goog:chromeOptions": {
        "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=375,800",
                 format!("--user-data-dir={}", dir.join("profile").display())]}});
    let Value::Object(caps) = caps else {
        unreachable!()
    };
    // chromedriver speaks plain HTTP on loopback, so the client needs no TLS.
    let c = ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{wd_port}"))
        .await
        .expect("a browser session");
    Env {
        b: Browser { c },
        base,
        dir,
        stop,
        _driver: driver,
    }
}

/// The address of the demo meeting under way now, as the list links it.
pub(crate) async fn meeting_under_way(b: &Browser, base: &str) -> String {
    b.go(&format!("{base}/meetings?status=planned")).await;
    let list = b.source().await;
    let at = list
        .find("主题党日暨专题党课")
        .expect("demo meeting under way");
    list[..at]
        .rsplit("href=\"")
        .next()
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}
