//! Test harness: a fresh database per test (a temp `SQLite` file, or a new `PostgreSQL` database
//! dropped afterwards), the app on a fixed clock, and in-process request helpers.
//!
//! `PostgreSQL` variants are compiled as ignored unless `ZHIBU_TEST_PG_URL` was set when the
//! tests were built (build.rs sets `cfg(zhibu_pg)`), so a run without a server reports them as
//! ignored rather than passed. One that runs and finds no server panics.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, header};
use http_body_util::BodyExt;
use time::macros::datetime;
use tower::ServiceExt;

use zhibu::app::App;
use zhibu::app::router::build;
use zhibu::auth::rows::{self as auth_store, NewSession, NewUser};
use zhibu::config::Config;
use zhibu::db::Db;
use zhibu::orgs::model::{Org, OrgKind};
use zhibu::orgs::rows::{self as org_store, NewOrg};
use zhibu::shared::FixedClock;
use zhibu::shared::crypto::KeyRing;
use zhibu::web::{AppState, RouteSpec};

/// Which backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates a `SQLite` and a `PostgreSQL` test from one async fn taking a [`Backend`]; the
/// `PostgreSQL` one is ignored in builds without `ZHIBU_TEST_PG_URL`.
#[macro_export]
macro_rules! db_test {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::support::Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(not(zhibu_pg), ignore = "needs ZHIBU_TEST_PG_URL (PostgreSQL)")]
            async fn postgres() {
                super::$name($crate::support::Backend::Postgres).await;
            }
        }
    };
}

/// Removes the test database when the test ends, even on failure.
pub struct DbGuard {
    sqlite_dir: Option<std::path::PathBuf>,
    pg: Option<(String, String)>,
}

impl Drop for DbGuard {
    fn drop(&mut self) {
        if let Some(d) = &self.sqlite_dir {
            let _ = std::fs::remove_dir_all(d);
        }
        if let Some((admin_url, name)) = self.pg.take() {
            std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async {
                    if let Ok(pool) = sqlx::PgPool::connect(&admin_url).await {
                        let _ = sqlx::query(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .execute(&pool)
                        .await;
                        pool.close().await;
                    }
                });
            })
            .join()
            .ok();
        }
    }
}

/// The server `PostgreSQL` tests run against. A test that got this far was not ignored, so a
/// missing setting is a broken run, not a skip.
pub fn pg_admin_url() -> String {
    std::env::var("ZHIBU_TEST_PG_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| {
            panic!(
                "ZHIBU_TEST_PG_URL is not set, and this PostgreSQL test cannot run without it \
                 (e.g. postgres://postgres@127.0.0.1:5432/test)"
            )
        })
}

/// A database URL for a fresh database.
pub async fn fresh_db(b: Backend) -> (String, DbGuard) {
    let tag = zhibu::shared::token::request_id();
    match b {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(format!("zhibu-test-{tag}"));
            std::fs::create_dir_all(&dir).expect("temp directory");
            let url = format!("sqlite://{}", dir.join("t.db").display());
            (
                url,
                DbGuard {
                    sqlite_dir: Some(dir),
                    pg: None,
                },
            )
        }
        Backend::Postgres => {
            let admin = pg_admin_url();
            let name = format!("zhibu_test_{tag}");
            let pool = sqlx::PgPool::connect(&admin)
                .await
                .expect("connect to ZHIBU_TEST_PG_URL");
            sqlx::query(&format!("CREATE DATABASE \"{name}\""))
                .execute(&pool)
                .await
                .expect("create test database");
            pool.close().await;
            let (base, _) = admin
                .rsplit_once('/')
                .expect("database URL with a database name");
            let url = format!("{base}/{name}");
            (
                url,
                DbGuard {
                    sqlite_dir: None,
                    pg: Some((admin, name)),
                },
            )
        }
    }
}

/// The application under test.
pub struct TestApp {
    pub app: Arc<App>,
    pub router: Router,
    pub routes: Vec<RouteSpec>,
    pub clock: FixedClock,
    pub url: String,
    _guard: DbGuard,
}

/// Settings for tests: generous login throttling and business limits so tests can log in
/// and act often.
pub fn test_config(url: &str) -> Config {
    let mut c = Config::default();
    url.clone_into(&mut c.database.url);
    c.database.max_connections = 4;
    c.auth.login_per_ip_per_minute = 1000;
    c.auth.login_per_ip_per_hour = 10_000;
    // Tests repeat exports and posts freely; the limits have their own tests (SEC-44).
    c.limits.feed_posts_per_hour = 10_000;
    c.limits.feed_comments_per_hour = 10_000;
    c.limits.exports_per_hour = 10_000;
    c.limits.unmasks_per_hour = 10_000;
    c
}

impl TestApp {
    /// A migrated, empty app.
    pub async fn new(b: Backend) -> Self {
        let (url, guard) = fresh_db(b).await;
        Self::with_config(test_config(&url), guard).await
    }

    /// A migrated app with the given settings.
    pub async fn with_config(config: Config, guard: DbGuard) -> Self {
        let url = config.database.url.clone();
        let db = Db::connect(&url, config.database.max_connections)
            .await
            .expect("connect");
        zhibu::db::migrate::run(&db).await.expect("migrate");
        let clock = FixedClock::at(datetime!(2026-11-28 02:00 UTC));
        let app = App::new(db, config, Arc::new(clock.clone()), KeyRing::generate());
        let (router, specs) = build(AppState::new(app.clone()));
        Self {
            app,
            router,
            routes: specs,
            clock,
            url,
            _guard: guard,
        }
    }

    pub async fn send(&self, req: Request<Body>) -> Response<Body> {
        self.router.clone().oneshot(req).await.expect("infallible")
    }

    /// Creates a session for a user directly (no password hashing) and returns (token, csrf).
    /// The session is as a full login leaves it: an account whose role requires a second
    /// factor has one enrolled (SEC-08), and the session was confirmed just now (SEC-16).
    pub async fn session(&self, user_id: i64) -> (String, String) {
        let user = auth_store::get_user(&mut self.app.db.conn().await.unwrap().exec(), user_id)
            .await
            .unwrap();
        let role = zhibu::auth::Role::from_code(&user.role).unwrap();
        if zhibu::auth::second_factor::required(&self.app.config.auth, role) {
            let enrolled = zhibu::auth::rows::get_factor(
                &mut self.app.db.conn().await.unwrap().exec(),
                user_id,
            )
            .await
            .unwrap()
            .is_some();
            if !enrolled {
                self.enrol(user_id).await;
            }
        }
        let (token, csrf, sid) = self.bare_session(user_id).await;
        let mut tx = self.app.db.begin().await.unwrap();
        zhibu::auth::rows::set_confirmed(&mut tx.exec(), sid, self.app.now())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        (token, csrf)
    }

    /// Enrols a TOTP second factor for a user (as a completed enrolment) and returns its secret.
    pub async fn enrol(&self, user_id: i64) -> Vec<u8> {
        let secret = zhibu::auth::totp::new_secret().to_vec();
        let aad = zhibu::shared::crypto::aad("user_second_factors", "secret", user_id);
        let sealed = self.app.keys.seal(&aad, &secret);
        let now = self.app.now();
        let mut tx = self.app.db.begin().await.unwrap();
        zhibu::auth::rows::insert_pending(&mut tx.exec(), user_id, "totp", &sealed, now)
            .await
            .unwrap();
        zhibu::auth::rows::confirm_factor(&mut tx.exec(), user_id, 0, now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        secret
    }

    /// A session exactly as stored, with no second-factor enrolment and no step-up; returns
    /// (token, csrf, session id).
    pub async fn bare_session(&self, user_id: i64) -> (String, String, i64) {
        let token = zhibu::shared::token::new_token();
        let csrf = zhibu::shared::token::new_token();
        let th = zhibu::auth::service::token_hash(&token);
        let now = self.app.now();
        let ns = NewSession {
            token_hash: &th,
            user_id,
            csrf_token: &csrf,
            kind: "web",
            ip: "127.0.0.1",
            user_agent: "test",
            expires_at: now + time::Duration::hours(12),
        };
        let mut tx = self.app.db.begin().await.unwrap();
        let sid = auth_store::insert_session(&mut tx.exec(), &ns, now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        (token, csrf, sid)
    }

    /// Inserts a user with a placeholder hash (sessions are created directly).
    pub async fn user(&self, username: &str, role: &str, org: Option<i64>) -> i64 {
        self.linked_user(username, role, org, None).await
    }

    /// Inserts a user linked to a member record.
    pub async fn linked_user(
        &self,
        username: &str,
        role: &str,
        org: Option<i64>,
        member: Option<i64>,
    ) -> i64 {
        let mut tx = self.app.db.begin().await.unwrap();
        let nu = NewUser {
            username,
            display_name: username,
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            role,
            org_id: org,
            member_id: member,
            must_change_password: false,
        };
        let id = auth_store::insert_user(&mut tx.exec(), &nu, self.app.now())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        id
    }

    /// Inserts an organisation.
    pub async fn org(&self, parent: Option<&Org>, kind: OrgKind, name: &str) -> Org {
        let mut tx = self.app.db.begin().await.unwrap();
        let new = NewOrg {
            kind: kind.code(),
            name,
            short_name: None,
            established_on: None,
            sort_order: 0,
        };
        let id = org_store::insert(&mut tx.exec(), parent, &new, self.app.now())
            .await
            .unwrap();
        let o = org_store::get(&mut tx.exec(), id).await.unwrap();
        tx.commit().await.unwrap();
        o
    }

    /// Inserts a member record (with its 建档 event) in a branch; `seq` makes the 身份证号 unique.
    pub async fn member(&self, org_id: i64, group_id: Option<i64>, seq: u32) -> i64 {
        let d = |s: &str| zhibu::shared::text::parse_date(s).unwrap();
        let body = format!("11990119800101{:03}", seq * 2 + 1);
        let f = zhibu::members::model::MemberFields {
            name: format!("党员{seq}"),
            gender: "male",
            id_number: format!(
                "{body}{}",
                zhibu::members::idcard::check_char(&body).unwrap()
            ),
            birth_date: d("1980-01-01"),
            ethnicity: "汉族".into(),
            education: "大学本科".into(),
            degree: None,
            joined_on: d("2005-07-01"),
            converted_on: Some(d("2006-07-01")),
            job_title: None,
            phone: Some("17000000001".into()),
            native_place: None,
            employer: None,
            work_started_on: None,
            address: None,
            party_post: None,
            lost_contact: false,
            lost_contact_on: None,
            mobile: false,
            mobile_destination: None,
        };
        let now = self.app.now();
        let mut tx = self.app.db.begin().await.unwrap();
        let id = zhibu::members::rows::insert(
            &mut tx.exec(),
            &self.app.keys,
            org_id,
            group_id,
            "full",
            &f,
            now,
        )
        .await
        .unwrap();
        let ev = zhibu::members::events::NewEvent {
            member_id: id,
            kind: zhibu::members::model::EventKind::Register,
            occurred_on: d("2006-07-01"),
            from_org_id: None,
            to_org_id: Some(org_id),
            note: "",
            recorded_by: None,
            recorded_by_name: "测试",
        };
        zhibu::members::events::insert(&mut tx.exec(), &ev, now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        id
    }

    /// Rows in a table (the test's own table names only).
    pub async fn rows(&self, table: &str) -> i64 {
        let sql = format!("SELECT count(*) FROM {table}");
        match &self.app.db {
            zhibu::db::Db::Sqlite(p) => sqlx::query_scalar(&sql).fetch_one(p).await.unwrap(),
            zhibu::db::Db::Postgres(p) => sqlx::query_scalar(&sql).fetch_one(p).await.unwrap(),
        }
    }

    /// Number of audit rows with this action.
    pub async fn audit_count(&self, action: &str) -> i64 {
        let f = zhibu::audit::rows::AuditFilter {
            action: Some(action.to_owned()),
            ..Default::default()
        };
        zhibu::audit::rows::count(&mut self.app.db.conn().await.unwrap().exec(), &f)
            .await
            .unwrap()
    }
}

pub fn get(path: &str, token: Option<&str>) -> Request<Body> {
    let mut b = Request::get(path);
    if let Some(t) = token {
        b = b.header(header::COOKIE, format!("zhibu_session={t}"));
    }
    b.body(Body::empty()).unwrap()
}

pub fn bearer_get(path: &str, token: &str) -> Request<Body> {
    Request::get(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap()
}

pub fn post_form(path: &str, token: Option<&str>, csrf: Option<&str>, body: &str) -> Request<Body> {
    let mut b =
        Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(t) = token {
        b = b.header(header::COOKIE, format!("zhibu_session={t}"));
    }
    let body = match csrf {
        Some(c) if body.is_empty() => format!("_csrf={c}"),
        Some(c) => format!("_csrf={c}&{body}"),
        None => body.to_owned(),
    };
    b.body(Body::from(body)).unwrap()
}

pub fn post_json(path: &str, bearer: Option<&str>, json: &str) -> Request<Body> {
    let mut b = Request::post(path).header(header::CONTENT_TYPE, "application/json");
    if let Some(t) = bearer {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    b.body(Body::from(json.to_owned())).unwrap()
}

pub async fn text(res: Response<Body>) -> String {
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The CSRF token of the first form on a page.
pub fn form_csrf(html: &str) -> String {
    html.split("name=\"_csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a form with a CSRF token")
        .to_owned()
}

pub fn location(res: &Response<Body>) -> String {
    res.headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

/// A loopback port that refuses connections for as long as the returned socket lives: it is
/// bound but never listens, so no other test or process can take the port meanwhile.
pub fn closed_port() -> (tokio::net::TcpSocket, u16) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(([127, 0, 0, 1], 0).into()).unwrap();
    let port = socket.local_addr().unwrap().port();
    (socket, port)
}

/// The request id the server gave a response.
pub fn request_id(res: &Response<Body>) -> String {
    res.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

/// A `multipart/form-data` post from a signed-in browser: text `fields`, then `files` as
/// (field, file name, bytes); the CSRF token goes in the query string as the pages send it.
pub fn multipart(
    path: &str,
    token: &str,
    csrf: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> Request<Body> {
    let boundary = "zhibu-test-boundary";
    let mut b = Vec::new();
    for (k, v) in fields {
        b.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (field, name, bytes) in files {
        b.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        b.extend_from_slice(bytes);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let sep = if path.contains('?') { '&' } else { '?' };
    Request::post(format!("{path}{sep}_csrf={csrf}"))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header(header::COOKIE, format!("zhibu_session={token}"))
        .body(Body::from(b))
        .unwrap()
}

/// Asserts the headers every private file carries: its own sandboxed policy (not the page
/// policy), no sniffing, no caching, and inline only for images.
pub fn assert_private(res: &Response<Body>, inline: bool) {
    let h = res.headers();
    let v = |n: header::HeaderName| {
        h.get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    assert_eq!(
        v(header::CONTENT_SECURITY_POLICY),
        "default-src 'none'; frame-ancestors 'none'; sandbox"
    );
    assert_eq!(v(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert_eq!(v(header::CACHE_CONTROL), "private, no-store");
    let d = v(header::CONTENT_DISPOSITION);
    let want = if inline { "inline;" } else { "attachment;" };
    assert!(d.starts_with(want), "{d}");
}

/// Runs the points consumer until no event is left behind it, as the job runtime's ticks would.
/// On `PostgreSQL` an event becomes readable once every older write transaction in the cluster
/// has ended, so other tests running at the same time can hold it back for a moment.
pub async fn settle_points(app: &App) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        zhibu::points::service::sync(app)
            .await
            .expect("points consumer");
        let pending = zhibu::events::oldest_pending(
            &mut app.db.conn().await.expect("connection").exec(),
            zhibu::points::service::CONSUMER,
            zhibu::points::service::TOPICS,
        )
        .await
        .expect("pending events");
        if pending.is_none() {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "points consumer did not catch up"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
