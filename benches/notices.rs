//! Notice figures on `SQLite` and (when `ZHIBU_TEST_PG_URL` is set) `PostgreSQL`: publishing a
//! notice to a committee of 20,000 members (the fan-out of inbox rows), and a member's inbox
//! and unread count after a year of notices. Run with `cargo bench --bench notices`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark fails loudly by design"
)]

use std::time::Instant;

use zhibu::audit::Actor;
use zhibu::auth::Scope;
use zhibu::notices::model::Audience;
use zhibu::notices::service::{self, Draft};

mod common;
use common::pct;
use common::seed::exec;

const MEMBERS: usize = 20_000;
const BRANCHES: usize = 100;
/// About one notice a working day.
const NOTICES: usize = 250;
const SAMPLES: usize = 200;

async fn run(label: &'static str, url: String) {
    let app = common::seed::app(&url).await;
    common::seed::committee(&app, BRANCHES, MEMBERS).await;
    let actor = Actor::cli("bench");
    let scope = Scope::operator();
    let draft = |i: usize| Draft {
        org_id: 1,
        title: format!("第{i}号通知"),
        body: "<p>请各党支部认真组织学习，按时报送学习情况。</p>".repeat(5),
        receipt_required: true,
        audience: Audience {
            subtrees: vec![1],
            ..Audience::default()
        },
        publish_at: None,
        bot_event: "notice",
    };
    let mut publish = Vec::new();
    let t = Instant::now();
    for i in 0..NOTICES {
        let s = Instant::now();
        service::create(&app, &actor, &scope, &draft(i))
            .await
            .unwrap();
        publish.push(s.elapsed().as_secs_f64() * 1000.0);
    }
    let seeded = t.elapsed().as_secs_f64();
    // The machine's state while publishing (these figures are not HTTP).
    let hello = common::machine_state().await;
    // Members read about half of them.
    let mut conn = app.db.conn().await.unwrap();
    exec(&mut conn.exec(), "UPDATE notice_recipients SET read_at = '2026-06-01T00:00:00Z' WHERE (notice_id + member_id) % 2 = 0").await;
    exec(&mut conn.exec(), "ANALYZE").await;
    drop(conn);
    let mut inbox = Vec::new();
    let mut badge = Vec::new();
    for i in 0..SAMPLES {
        let member = i64::try_from(i * 97 % MEMBERS + 1).unwrap();
        let mut s = Scope::operator();
        s.member_id = Some(member);
        let t = Instant::now();
        let (lines, total, _) = service::inbox(&app, &s, 1, 20).await.unwrap();
        inbox.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!((lines.len(), total), (20, i64::try_from(NOTICES).unwrap()));
        let t = Instant::now();
        zhibu::notices::rows::unread_count(&mut app.db.conn().await.unwrap().exec(), member)
            .await
            .unwrap();
        badge.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!("{label}");
    println!(
        "  {NOTICES} notices to {MEMBERS} members each ({} inbox rows) in {seeded:.0} s",
        NOTICES * MEMBERS
    );
    println!(
        "  publish one notice to {MEMBERS} members   p50 {:>7.1} ms   p99 {:>7.1} ms   max {:>7.1} ms",
        pct(&mut publish, 0.5),
        pct(&mut publish, 0.99),
        pct(&mut publish, 1.0)
    );
    println!("  {}", common::machine_line(hello));
    println!(
        "  inbox, first page of {NOTICES}          p50 {:>7.2} ms   p99 {:>7.2} ms",
        pct(&mut inbox, 0.5),
        pct(&mut inbox, 0.99)
    );
    println!(
        "  unread badge (every page)          p50 {:>7.2} ms   p99 {:>7.2} ms",
        pct(&mut badge, 0.5),
        pct(&mut badge, 0.99)
    );
    app.db.close().await;
}

fn main() {
    common::on_both_databases("notices", run);
}
