//! Organisational-life figures on `SQLite` and (when `ZHIBU_TEST_PG_URL` is set) `PostgreSQL`:
//! a burst of 500 distinct members checking in to one meeting at once over HTTP (each sends
//! twice, to show every check-in is recorded exactly once), and the compliance matrix for a
//! committee of 2,000 branches with a year of meetings. Run with `cargo bench --bench meetings`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark fails loudly by design"
)]

use std::sync::Arc;
use std::time::Instant;

use time::{Duration, OffsetDateTime};
use tokio::net::TcpStream;
use zhibu::app::App;
use zhibu::auth::Scope;
use zhibu::auth::rows::{NewSession, NewUser};
use zhibu::db::Db;
use zhibu::meetings::model::Kind;
use zhibu::meetings::rows::NewMeeting;
use zhibu::orgs::model::OrgKind;
use zhibu::orgs::rows::NewOrg;

mod common;
use common::pct;

const CHECKINS: usize = 500;
const BRANCHES: usize = 2_000;
const SAMPLES: usize = 15;

async fn org(
    app: &App,
    parent: Option<&zhibu::orgs::model::Org>,
    kind: OrgKind,
    name: &str,
) -> zhibu::orgs::model::Org {
    let mut tx = app.db.begin().await.unwrap();
    let new = NewOrg {
        kind: kind.code(),
        name,
        short_name: None,
        established_on: None,
        sort_order: 0,
    };
    let id = zhibu::orgs::rows::insert(&mut tx.exec(), parent, &new, app.now())
        .await
        .unwrap();
    let o = zhibu::orgs::service::get_unscoped(&mut tx.exec(), id)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    o
}

async fn session(tx: &mut zhibu::db::Tx, uid: i64, now: OffsetDateTime) -> String {
    let token = zhibu::shared::token::new_token();
    let th = zhibu::auth::service::token_hash(&token);
    let ns = NewSession {
        token_hash: &th,
        user_id: uid,
        csrf_token: "x",
        kind: "api",
        ip: "127.0.0.1",
        user_agent: "bench",
        expires_at: now + Duration::hours(12),
    };
    zhibu::auth::rows::insert_session(&mut tx.exec(), &ns, now)
        .await
        .unwrap();
    token
}

/// 500 members with accounts in one branch, a meeting starting now, and every member checking
/// in twice at once, each on their own connection.
async fn burst(app: &Arc<App>) -> Burst {
    let now = app.now();
    let top = org(app, None, OrgKind::Committee, "签到压测党委").await;
    let branch = org(app, Some(&top), OrgKind::Branch, "签到压测支部").await;
    let mut tx = app.db.begin().await.unwrap();
    let mut tokens = Vec::with_capacity(CHECKINS);
    for n in 0..CHECKINS {
        let body = format!("11990119700101{:03}", n % 1000);
        let id_number = format!(
            "{body}{}",
            zhibu::members::idcard::check_char(&body).unwrap()
        );
        let sql = "INSERT INTO members (org_id, name, gender, id_number_bidx, birth_date, ethnicity, education, category,
            joined_on, membership_status, created_at, updated_at) VALUES ($1, $2, 'male', $3, $4, '汉族', '大学本科',
            'full', $4, 'normal', $5, $5) RETURNING id";
        let d = time::macros::date!(1970 - 01 - 01);
        let name = format!("党员{n}");
        let mid: i64 = match &mut tx.exec() {
            zhibu::db::Exec::Sqlite(c) => sqlx::query_scalar(sql)
                .bind(branch.id)
                .bind(&name)
                .bind(id_number.as_bytes().to_vec())
                .bind(d)
                .bind(now)
                .fetch_one(&mut **c)
                .await
                .unwrap(),
            zhibu::db::Exec::Pg(c) => sqlx::query_scalar(sql)
                .bind(branch.id)
                .bind(&name)
                .bind(id_number.as_bytes().to_vec())
                .bind(d)
                .bind(now)
                .fetch_one(&mut **c)
                .await
                .unwrap(),
        };
        let user = format!("burst{n}");
        let nu = NewUser {
            username: &user,
            display_name: &name,
            password_hash: "x",
            role: "member",
            org_id: Some(branch.id),
            member_id: Some(mid),
            must_change_password: false,
        };
        let uid = zhibu::auth::rows::insert_user(&mut tx.exec(), &nu, now)
            .await
            .unwrap();
        tokens.push(session(&mut tx, uid, now).await);
    }
    tx.commit().await.unwrap();
    let plan = zhibu::meetings::service::Plan {
        org_id: branch.id,
        kinds: vec![Kind::ThemeDay],
        title: "主题党日".into(),
        starts_at: Some(now),
        ends_at: Some(now + Duration::hours(2)),
        place: "礼堂".into(),
        host_name: "书记".into(),
        ..Default::default()
    };
    let actor = zhibu::audit::Actor::cli("bench");
    let id = zhibu::meetings::service::schedule(app, &actor, &Scope::operator(), &plan)
        .await
        .unwrap();
    let m = zhibu::meetings::rows::get(&mut app.db.conn().await.unwrap().exec(), id)
        .await
        .unwrap();
    let code = zhibu::meetings::code::code_for(
        &m.checkin_key,
        id,
        zhibu::meetings::code::window(app.now(), 30),
    );
    let port = common::serve(app.clone()).await;
    let body = format!("{{\"code\":\"{code}\"}}");
    let reqs: Vec<String> = tokens
        .iter()
        .chain(tokens.iter())
        .map(|tok| format!(
            "POST /api/v1/meetings/{id}/checkin HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {tok}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ))
        .collect();
    let n = reqs.len();
    let (total, mut lat) = common::burst(port, reqs, 200, "check-in").await;
    // The baseline: the same burst (as many fresh connections, one request each) against the
    // hello-world router, the median of five.
    let hello_port = common::serve_hello().await;
    let mut hello = Vec::new();
    for _ in 0..5 {
        let (secs, _) = common::burst(
            hello_port,
            vec![common::hello_request(hello_port); n],
            200,
            "hello-world burst",
        )
        .await;
        #[expect(clippy::cast_precision_loss, reason = "a rate")]
        let rps = n as f64 / secs;
        hello.push(rps);
    }
    let a = zhibu::meetings::rows::roll(&mut app.db.conn().await.unwrap().exec(), id)
        .await
        .unwrap();
    let present = i64::try_from(a.iter().filter(|x| x.present()).count()).unwrap();
    assert_eq!(
        present,
        i64::try_from(CHECKINS).unwrap(),
        "every member recorded"
    );
    #[expect(clippy::cast_precision_loss, reason = "a rate")]
    let rps = n as f64 / total;
    Burst {
        total,
        p50: pct(&mut lat, 0.5),
        p95: pct(&mut lat, 0.95),
        p99: pct(&mut lat, 0.99),
        present,
        rps,
        hello: pct(&mut hello, 0.5),
    }
}

/// What the check-in burst measured.
struct Burst {
    total: f64,
    p50: f64,
    p95: f64,
    p99: f64,
    present: i64,
    /// Check-ins per second over the burst.
    rps: f64,
    /// The same burst against hello-world, requests per second.
    hello: f64,
}

/// 2,000 branches, each with a committee and a year of meetings; the matrix timed directly and
/// through the page.
async fn matrix(app: &Arc<App>) -> Matrix {
    let now = app.now();
    let year = now.year() - 1;
    let top = org(app, None, OrgKind::Committee, "矩阵压测党委").await;
    let mut branches = Vec::new();
    let mut tx = app.db.begin().await.unwrap();
    for b in 0..BRANCHES {
        let name = format!("第{b}党支部");
        let new = NewOrg {
            kind: "branch",
            name: &name,
            short_name: None,
            established_on: None,
            sort_order: 0,
        };
        let id = zhibu::orgs::rows::insert(&mut tx.exec(), Some(&top), &new, now)
            .await
            .unwrap();
        for post in ["secretary", "organization_officer", "publicity_officer"] {
            let no = zhibu::orgs::rows::NewOfficer {
                term_id: None,
                post,
                member_id: None,
                person_name: "委员",
                started_on: time::macros::date!(2020 - 01 - 01),
            };
            zhibu::orgs::rows::insert_officer(&mut tx.exec(), id, &no, now)
                .await
                .unwrap();
        }
        branches.push(id);
    }
    tx.commit().await.unwrap();
    let at = |m: u8, d: u8| {
        time::Date::from_calendar_date(year, time::Month::try_from(m).unwrap(), d)
            .unwrap()
            .midnight()
            .assume_offset(zhibu::shared::clock::CHINA)
            + Duration::hours(9)
    };
    let mut count = 0;
    for chunk in branches.chunks(100) {
        let mut tx = app.db.begin().await.unwrap();
        for (i, b) in chunk.iter().enumerate() {
            let mut plan: Vec<(OffsetDateTime, Vec<Kind>)> = Vec::new();
            for m in 1..=12u8 {
                // Most branches hold everything; every seventh misses March's 主题党日.
                plan.push((at(m, 5), vec![Kind::BranchCommittee]));
                if !(i % 7 == 0 && m == 3) {
                    plan.push((at(m, 15), vec![Kind::ThemeDay]));
                }
                if m % 3 == 0 {
                    plan.push((at(m, 20), vec![Kind::BranchGeneral, Kind::Lecture]));
                }
            }
            plan.push((at(12, 10), vec![Kind::OrgLife, Kind::Appraisal]));
            for (start, kinds) in plan {
                let nm = NewMeeting {
                    org_id: *b,
                    title: "会议",
                    starts_at: start,
                    ends_at: start + Duration::hours(2),
                    place: "会议室",
                    host_name: "书记",
                    recorder_name: "",
                    agenda: "[]",
                    guests: "",
                    checkin_key: "k",
                    created_by: None,
                };
                let id = zhibu::meetings::rows::insert(&mut tx.exec(), &nm, &kinds, now)
                    .await
                    .unwrap();
                zhibu::meetings::rows::set_status(&mut tx.exec(), id, "planned", "held", "", now)
                    .await
                    .unwrap();
                count += 1;
            }
        }
        tx.commit().await.unwrap();
    }
    match &app.db {
        Db::Sqlite(p) => sqlx::query("ANALYZE").execute(p).await.map(|_| ()).unwrap(),
        Db::Postgres(p) => sqlx::query("ANALYZE").execute(p).await.map(|_| ()).unwrap(),
    }
    // Where the time goes: the three reads of the engine, timed alone.
    {
        let mut conn = app.db.conn().await.unwrap();
        let from = time::Date::from_calendar_date(year, time::Month::January, 1)
            .unwrap()
            .midnight()
            .assume_utc();
        let to = from + Duration::days(366);
        for _ in 0..2 {
            let t = Instant::now();
            let u = zhibu::meetings::rows::units(&mut conn.exec(), &top.path)
                .await
                .unwrap();
            let t1 = t.elapsed();
            let t = Instant::now();
            let o = zhibu::meetings::rows::occurrences(&mut conn.exec(), &top.path, from, to)
                .await
                .unwrap();
            let t2 = t.elapsed();
            println!(
                "    phases: units {} in {:?}, occurrences {} in {:?}",
                u.len(),
                t1,
                o.len(),
                t2
            );
        }
    }
    let scope = Scope::operator();
    let mut direct = Vec::new();
    for _ in 0..SAMPLES {
        let t = Instant::now();
        let (_, _, rows) = zhibu::meetings::compliance_service::matrix(app, &scope, top.id, year)
            .await
            .unwrap();
        direct.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(rows.len(), BRANCHES);
    }
    // Through the page, as a committee administrator with the second factor its role requires.
    let token = common::seed::signed_in(app, "matrix_admin", "org_admin", Some(top.id), None).await;
    let port = common::serve(app.clone()).await;
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let mut buf = Vec::new();
    let req = format!(
        "GET /compliance?org={}&year={year} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: zhibu_session={token}\r\n\r\n",
        top.id
    );
    let mut page = Vec::new();
    let all = Instant::now();
    for _ in 0..SAMPLES {
        let t = Instant::now();
        common::expect_status(&mut s, req.as_bytes(), &mut buf, 200, "GET /compliance").await;
        page.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    #[expect(clippy::cast_precision_loss, reason = "a rate")]
    let rps = SAMPLES as f64 / all.elapsed().as_secs_f64();
    // The same administrator's home page: the committee overview of every branch this month
    // and quarter, with 人均积分, receipts and transfers.
    let home_req =
        format!("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: zhibu_session={token}\r\n\r\n");
    let mut home = Vec::new();
    for _ in 0..SAMPLES {
        let t = Instant::now();
        common::expect_status(&mut s, home_req.as_bytes(), &mut buf, 200, "GET /").await;
        home.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    // The baseline: one keep-alive connection, as the page was loaded.
    let hello_port = common::serve_hello().await;
    let hello = common::hello_world(hello_port, 1, common::BASELINE)
        .await
        .rps();
    Matrix {
        d50: pct(&mut direct, 0.5),
        d99: pct(&mut direct, 0.99),
        p50: pct(&mut page, 0.5),
        p95: pct(&mut page, 0.95),
        p99: pct(&mut page, 0.99),
        h50: pct(&mut home, 0.5),
        h99: pct(&mut home, 0.99),
        meetings: count,
        rps,
        hello,
    }
}

/// What the compliance matrix measured.
struct Matrix {
    d50: f64,
    d99: f64,
    p50: f64,
    p95: f64,
    p99: f64,
    /// The home page with the committee overview.
    h50: f64,
    h99: f64,
    meetings: usize,
    /// Pages per second on one connection.
    rps: f64,
    /// Hello-world on one connection, requests per second.
    hello: f64,
}
async fn run(label: &str, url: &str) {
    let app = common::seed::app(url).await;
    let b = burst(&app).await;
    let m = matrix(&app).await;
    println!("{label}");
    println!(
        "  check-in burst: {CHECKINS} members × 2 requests at once   {:.2} s   p50 {:.0} ms   p95 {:.0} ms   p99 {:.0} ms   recorded {} (exactly once each)",
        b.total, b.p50, b.p95, b.p99, b.present
    );
    println!(
        "    {:.0} check-ins/s; the same burst against hello-world {:.0} req/s; {}",
        b.rps,
        b.hello,
        common::ratio(b.rps, b.hello)
    );
    println!(
        "  compliance matrix, {BRANCHES} branches, {} meetings in a year",
        m.meetings
    );
    println!(
        "    engine (load + evaluate)   p50 {:>6.1} ms   p99 {:>6.1} ms",
        m.d50, m.d99
    );
    println!(
        "    GET /compliance page       p50 {:>6.1} ms   p95 {:>6.1} ms   p99 {:>6.1} ms   {:.1} req/s on one connection",
        m.p50, m.p95, m.p99, m.rps
    );
    println!(
        "    GET / (committee overview) p50 {:>6.1} ms   p99 {:>6.1} ms",
        m.h50, m.h99
    );
    println!(
        "    hello-world on one connection {:.0} req/s; {}",
        m.hello,
        common::ratio(m.rps, m.hello)
    );
    app.db.close().await;
}

fn main() {
    common::on_both_databases(
        "meetings",
        |label, url| async move { run(label, &url).await },
    );
}
