//! Points figures on `SQLite` and (when `ZHIBU_TEST_PG_URL` is set) `PostgreSQL`: the ranking of a
//! committee of 100,000 members with 5,000,000 ledger entries for a week, a month, a quarter and
//! a year, and the throughput of automatic points from meeting events.
//! Run with `cargo bench --bench points`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark fails loudly by design"
)]

use std::collections::HashMap;
use std::time::Instant;

use zhibu::auth::Scope;
use zhibu::db::Db;
use zhibu::meetings::model::Period;
use zhibu::points::model::RankPeriod;

mod common;
use common::pct;
use common::seed::exec;

const MEMBERS: usize = 100_000;
const BRANCHES: usize = 500;
const ENTRIES: usize = 5_000_000;
const ROWS_PER_INSERT: usize = 400;
const EVENTS: usize = 2_000;
const SAMPLES: usize = 10;

async fn run(label: &'static str, url: String) {
    let app = common::seed::app(&url).await;
    let now = app.now();
    let t = Instant::now();
    // One committee, 500 branches, 100,000 members, inserted in bulk.
    common::seed::committee(&app, BRANCHES, MEMBERS).await;
    // 5,000,000 entries spread over the year so far, with their running totals.
    let year = now.year();
    let days = i64::from(now.ordinal()).max(1);
    let start = time::Date::from_calendar_date(year, time::Month::January, 1).unwrap();
    let items = zhibu::points::rows::items(&mut app.db.conn().await.unwrap().exec())
        .await
        .unwrap();
    let item = items
        .iter()
        .find(|i| i.code == "volunteer")
        .unwrap()
        .clone();
    let mut totals: HashMap<(String, usize), i64> = HashMap::new();
    let mut n = 0usize;
    while n < ENTRIES {
        let mut tx = app.db.begin().await.unwrap();
        for _ in 0..50 {
            let rows: Vec<String> = (0..ROWS_PER_INSERT)
                .map(|i| {
                    let k = n + i;
                    let member = k % MEMBERS + 1;
                    let day = start + time::Duration::days(i64::try_from(k / MEMBERS).unwrap() * 7 % days);
                    let pts = i64::try_from(k % 5).unwrap() + 1;
                    for key in RankPeriod::keys_for(day) {
                        *totals.entry((key, member)).or_default() += pts;
                    }
                    format!("({member}, {}, {}, 'volunteer', 1, {pts}, '{}', 'manual', '', '', 'bench', '2026-01-01T00:00:00Z')",
                        (member - 1) % BRANCHES + 2, item.id, zhibu::shared::text::ymd(day))
                })
                .collect();
            exec(&mut tx.exec(), &format!("INSERT INTO point_entries (member_id, org_id, item_id, item_code, item_version, points,
                occurred_on, source, subject, reason, recorded_by_name, created_at) VALUES {}", rows.join(","))).await;
            n += ROWS_PER_INSERT;
        }
        tx.commit().await.unwrap();
    }
    eprintln!(
        "{label}: ledger loaded in {:.0} s",
        t.elapsed().as_secs_f64()
    );
    // In key order, as a period's postings arrive over time, rather than in hash order.
    let mut all: Vec<((String, usize), i64)> = totals.into_iter().collect();
    all.sort_unstable();
    for chunk in all.chunks(1000) {
        let mut tx = app.db.begin().await.unwrap();
        let rows: Vec<String> = chunk
            .iter()
            .map(|((k, m), t)| format!("('{k}', {m}, {t})"))
            .collect();
        exec(
            &mut tx.exec(),
            &format!(
                "INSERT INTO point_totals (period_key, member_id, total) VALUES {}",
                rows.join(",")
            ),
        )
        .await;
        tx.commit().await.unwrap();
    }
    let mut conn = app.db.conn().await.unwrap();
    exec(&mut conn.exec(), "ANALYZE").await;
    // After a bulk load autovacuum would set the visibility map that index-only scans need;
    // do it now rather than wait for it (the note in the README says what happens before).
    if let Db::Postgres(_) = &app.db {
        exec(&mut conn.exec(), "VACUUM (ANALYZE) point_totals").await;
    }
    drop(conn);
    let seeded = t.elapsed();
    eprintln!(
        "{label}: totals loaded, seeded in {:.0} s",
        seeded.as_secs_f64()
    );
    let scope = Scope::operator();
    let today = app.clock.today();
    let mut results = Vec::new();
    for (name, p) in [
        ("week", RankPeriod::week_of(today)),
        (
            "month",
            RankPeriod::Calendar(Period::containing(
                today,
                zhibu::meetings::model::Granularity::Month,
            )),
        ),
        (
            "quarter",
            RankPeriod::Calendar(Period::containing(
                today,
                zhibu::meetings::model::Granularity::Quarter,
            )),
        ),
        ("year", RankPeriod::Calendar(Period::Year(year))),
    ] {
        for (page, what) in [(1, "first page"), (1_000, "page 1000")] {
            let mut lat = Vec::new();
            for _ in 0..SAMPLES {
                let t = Instant::now();
                let r = zhibu::points::service::ranking(&app, &scope, 1, p, page, 50)
                    .await
                    .unwrap();
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
                assert_eq!(r.members, i64::try_from(MEMBERS).unwrap());
                assert_eq!(r.rows.len(), 50);
                assert_eq!(r.orgs.len(), BRANCHES);
            }
            eprintln!("{label}: {name} {what} p50 {:.1} ms", pct(&mut lat, 0.5));
            results.push((name, what, pct(&mut lat, 0.5), pct(&mut lat, 0.99)));
        }
        // A member's own rank over the whole committee (what "我的积分" reads, there per branch).
        let mut lat = Vec::new();
        for m in 0..SAMPLES {
            let t = Instant::now();
            let own = zhibu::points::service::own_rank(
                &app,
                "/1/",
                p,
                i64::try_from(m * 997 + 1).unwrap(),
            )
            .await
            .unwrap();
            lat.push(t.elapsed().as_secs_f64() * 1000.0);
            assert!(own.is_some());
        }
        results.push((name, "own rank", pct(&mut lat, 0.5), pct(&mut lat, 0.99)));
        // The 通报 of the whole committee (top, averages, movers both ways, zero list).
        let org = zhibu::orgs::service::get_unscoped(&mut app.db.conn().await.unwrap().exec(), 1)
            .await
            .unwrap();
        let mut lat = Vec::new();
        for _ in 0..3 {
            let t = Instant::now();
            let r = zhibu::points::report::build(&app, &org, p).await.unwrap();
            lat.push(t.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(r.members, i64::try_from(MEMBERS).unwrap());
        }
        results.push((name, "通报", pct(&mut lat, 0.5), pct(&mut lat, 0.99)));
    }
    // Automatic points: meeting.attended events for 2,000 members, posted by the consumer.
    let mut tx = app.db.begin().await.unwrap();
    for i in 0..EVENTS {
        let payload = serde_json::json!({"meeting_id": 1, "member_id": i + 1, "org_id": 2, "kinds": ["theme_day"],
            "held_on": zhibu::shared::text::ymd(today), "correction": false});
        zhibu::events::publish(
            &mut tx.exec(),
            "meeting.attended",
            &format!("meeting:1/member:{}", i + 1),
            &payload,
            now,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let t = Instant::now();
    let handled = zhibu::points::service::sync(&app).await.unwrap();
    let posting = t.elapsed().as_secs_f64();
    assert_eq!(handled, EVENTS);
    // With `ZHIBU_BENCH_PROFILE` set, where the consumer's time goes: as many events again (a
    // second meeting, the same members and day, so caps are checked against the first), posted
    // while every statement is timed; not the figure above.
    let profiled = if common::profile::wanted() {
        let mut tx = app.db.begin().await.unwrap();
        for i in 0..EVENTS {
            let payload = serde_json::json!({"meeting_id": 2, "member_id": i + 1, "org_id": 2, "kinds": ["theme_day"],
                "held_on": zhibu::shared::text::ymd(today), "correction": false});
            zhibu::events::publish(
                &mut tx.exec(),
                "meeting.attended",
                &format!("meeting:2/member:{}", i + 1),
                &payload,
                now,
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        common::profile::start();
        let t = Instant::now();
        assert_eq!(zhibu::points::service::sync(&app).await.unwrap(), EVENTS);
        let wall = t.elapsed().as_secs_f64();
        Some((wall, common::profile::stop(wall)))
    } else {
        None
    };
    // The machine's state right after the posting (these figures are not HTTP).
    let hello = common::machine_state().await;
    println!("{label}");
    println!(
        "  seeded {MEMBERS} members, {ENTRIES} ledger entries in {:.0} s",
        seeded.as_secs_f64()
    );
    for (name, what, p50, p99) in results {
        println!(
            "  ranking, whole committee, {name:<8} {what:<10} p50 {p50:>6.1} ms   p99 {p99:>6.1} ms"
        );
    }
    #[expect(clippy::cast_precision_loss, reason = "a rate")]
    let rate = EVENTS as f64 / posting;
    println!(
        "  automatic points: {EVENTS} events in {posting:.2} s ({rate:.0} events/s, caps checked)"
    );
    println!("  {}", common::machine_line(hello));
    if let Some((wall, profile)) = profiled {
        #[expect(clippy::cast_precision_loss, reason = "a rate")]
        let rate = EVENTS as f64 / wall;
        println!(
            "  profiled posting (second meeting): {EVENTS} events in {wall:.2} s ({rate:.0} events/s)"
        );
        print!("{profile}");
    }
    app.db.close().await;
}

fn main() {
    common::profile::install();
    common::on_both_databases("points", run);
}
