//! Bulk seeding shared by the benchmarks: raw SQL on either backend, and one committee with
//! numbered branches and members inserted a thousand rows at a time.

use zhibu::app::App;
use zhibu::db::{Db, Exec};

/// A migrated application on `url` with eight connections and the system clock.
pub async fn app(url: &str) -> std::sync::Arc<App> {
    let mut config = zhibu::config::Config::default();
    config.database.url = url.to_owned();
    config.database.max_connections = 8;
    let db = Db::connect(url, 8).await.unwrap();
    zhibu::db::migrate::run(&db).await.unwrap();
    App::new(
        db,
        config,
        std::sync::Arc::new(zhibu::shared::SystemClock),
        zhibu::shared::crypto::KeyRing::generate(),
    )
}

/// Runs one statement; a benchmark fails loudly on error.
pub async fn exec(ex: &mut Exec<'_>, sql: &str) {
    let res = match ex {
        Exec::Sqlite(c) => sqlx::query(sql).execute(&mut **c).await.map(|_| ()),
        Exec::Pg(c) => sqlx::query(sql).execute(&mut **c).await.map(|_| ()),
    };
    res.unwrap_or_else(|e| panic!("{e}: {sql}"));
}

/// Org 1 is the committee 压测党委, orgs 2… its `branches` branches; member `n` (from 1) sits in
/// branch `(n - 1) % branches + 2`.
pub async fn committee(app: &App, branches: usize, members: usize) {
    let mut tx = app.db.begin().await.expect("begin");
    exec(&mut tx.exec(), "INSERT INTO orgs (id, parent_id, path, depth, kind, name, sort_order, created_at, updated_at)
        VALUES (1, NULL, '/1/', 0, 'committee', '压测党委', 0, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')").await;
    for b in 0..branches {
        let id = b + 2;
        exec(&mut tx.exec(), &format!("INSERT INTO orgs (id, parent_id, path, depth, kind, name, sort_order, created_at, updated_at)
            VALUES ({id}, 1, '/1/{id}/', 1, 'branch', '第{b}支部', 0, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')")).await;
    }
    // Only the blind index is filled (the unique key); these benches never read the numbers.
    let blob = if matches!(app.db, Db::Sqlite(_)) {
        "BLOB"
    } else {
        "BYTEA"
    };
    for chunk in 0..members.div_ceil(1000) {
        let values: Vec<String> = (chunk * 1000..((chunk + 1) * 1000).min(members))
            .map(|n| {
                format!("({}, {}, '党员{n}', 'male', CAST('B{n:09}' AS {blob}), '1980-01-01', '汉族', '大学本科', 'full', '2000-07-01', 'normal', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                    n + 1, n % branches + 2)
            })
            .collect();
        exec(&mut tx.exec(), &format!("INSERT INTO members (id, org_id, name, gender, id_number_bidx, birth_date, ethnicity, education,
            category, joined_on, membership_status, created_at, updated_at) VALUES {}", values.join(","))).await;
    }
    if let Db::Postgres(_) = &app.db {
        for t in ["orgs", "members"] {
            exec(
                &mut tx.exec(),
                &format!(
                    "SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT max(id) FROM {t}))"
                ),
            )
            .await;
        }
    }
    tx.commit().await.expect("commit");
}

/// A signed-in account with an API session (its token works as a bearer token and as the
/// session cookie); returns the token. When its role must have a second factor (SEC-08:
/// `auth.second_factor_required_roles`, and officers when `auth.second_factor_officers` is
/// `required`), the account is enrolled through the real flow first (a pending TOTP secret,
/// then its current code), as a production administrator is; otherwise every page would
/// answer 303 to the enrolment page and a benchmark would measure the redirect.
pub async fn signed_in(
    app: &std::sync::Arc<App>,
    username: &str,
    role: &str,
    org_id: Option<i64>,
    member_id: Option<i64>,
) -> String {
    use zhibu::auth::rows::{NewSession, NewUser};
    let now = app.now();
    let mut tx = app.db.begin().await.expect("begin");
    let nu = NewUser {
        username,
        display_name: "压测",
        password_hash: "x",
        role,
        org_id,
        member_id,
        must_change_password: false,
    };
    let uid = zhibu::auth::rows::insert_user(&mut tx.exec(), &nu, now)
        .await
        .expect("user");
    let token = zhibu::shared::token::new_token();
    let th = zhibu::auth::service::token_hash(&token);
    let ns = NewSession {
        token_hash: &th,
        user_id: uid,
        csrf_token: "x",
        kind: "api",
        ip: "127.0.0.1",
        user_agent: "bench",
        expires_at: now + time::Duration::hours(12),
    };
    let sid = zhibu::auth::rows::insert_session(&mut tx.exec(), &ns, now)
        .await
        .expect("session");
    tx.commit().await.expect("commit");
    let r = zhibu::auth::Role::from_code(role).expect("role");
    if !zhibu::auth::second_factor::required(&app.config.auth, r) {
        return token;
    }
    let zhibu::auth::mfa::Enrolment::Pending { secret } = zhibu::auth::mfa::enrolment(app, uid)
        .await
        .expect("enrolment")
    else {
        panic!("{username}: a new account is already enrolled");
    };
    let code = zhibu::auth::totp::code_at(
        &secret,
        zhibu::auth::totp::step_of(app.now().unix_timestamp()),
    );
    // Enrolment gives the session a new token (SEC-14).
    let (_, token) = zhibu::auth::mfa::confirm_enrolment(
        app,
        &zhibu::audit::Actor::cli("bench"),
        uid,
        sid,
        &code,
    )
    .await
    .expect("confirm enrolment");
    token
}
