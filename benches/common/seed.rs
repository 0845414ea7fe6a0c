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
    for chunk in 0..members.div_ceil(1000) {
        let values: Vec<String> = (chunk * 1000..((chunk + 1) * 1000).min(members))
            .map(|n| {
                format!("({}, {}, '党员{n}', 'male', 'B{n:09}', '1980-01-01', '汉族', '大学本科', 'full', '2000-07-01', 'normal', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                    n + 1, n % branches + 2)
            })
            .collect();
        exec(&mut tx.exec(), &format!("INSERT INTO members (id, org_id, name, gender, id_number, birth_date, ethnicity, education,
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
