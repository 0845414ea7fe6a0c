//! Member figures: importing a 10,000-row workbook (check + commit), and the roster page and
//! `GET /api/v1/members` latency with 100,000 members in the database, on `SQLite` and (when
//! `ZHIBU_TEST_PG_URL` is set) `PostgreSQL`. Run with `cargo bench --bench members`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark fails loudly by design"
)]

use std::time::Instant;

use tokio::net::TcpStream;
use zhibu::audit::Actor;
use zhibu::auth::Scope;
use zhibu::db::Db;
use zhibu::members::model::MemberFields;
use zhibu::orgs::model::OrgKind;
use zhibu::orgs::rows::NewOrg;

mod common;
use common::pct;

const MEMBERS: usize = 100_000;
const BRANCHES: usize = 500;
const IMPORT_ROWS: u32 = 10_000;
const SAMPLES: usize = 300;

fn id_number(n: u64) -> String {
    let d = time::Date::from_calendar_date(1960, time::Month::January, 1).unwrap()
        + time::Duration::days(i64::try_from(n % 7_000).unwrap());
    let body = format!(
        "119901{:04}{:02}{:02}{:03}",
        d.year(),
        u8::from(d.month()),
        d.day(),
        (n / 7_000) % 1000
    );
    format!(
        "{body}{}",
        zhibu::members::idcard::check_char(&body).unwrap()
    )
}

fn fields(n: u64) -> MemberFields {
    let d = |s: &str| zhibu::shared::text::parse_date(s).unwrap();
    let id = id_number(n);
    let info = zhibu::members::idcard::parse(&id).unwrap();
    MemberFields {
        name: format!(
            "{}{}{}",
            ["王", "李", "张", "刘", "陈"][usize::try_from(n % 5).unwrap()],
            ["伟", "芳", "娜", "敏"][usize::try_from(n % 4).unwrap()],
            n % 97
        ),
        gender: if info.male { "male" } else { "female" },
        id_number: id,
        birth_date: info.birth,
        ethnicity: "汉族".into(),
        education: "大学本科".into(),
        degree: None,
        joined_on: d("2000-07-01"),
        converted_on: Some(d("2001-07-01")),
        job_title: Some("科员".into()),
        phone: Some(format!("170{n:08}")),
        native_place: None,
        employer: None,
        work_started_on: None,
        address: None,
        party_post: None,
        lost_contact: false,
        lost_contact_on: None,
        mobile: false,
        mobile_destination: None,
    }
}

fn workbook(start: u64) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let heads = [
        "姓名",
        "公民身份号码",
        "民族",
        "学历",
        "人员类别",
        "入党日期",
        "转正日期",
        "联系电话",
    ];
    for (c, h) in heads.iter().enumerate() {
        ws.write_string(0, u16::try_from(c).unwrap(), *h).unwrap();
    }
    for r in 0..IMPORT_ROWS {
        let f = fields(start + u64::from(r));
        let vals = [
            f.name,
            f.id_number,
            "汉族".into(),
            "本科".into(),
            "正式党员".into(),
            "2000-07-01".into(),
            "2001-07-01".into(),
            f.phone.unwrap(),
        ];
        for (c, v) in vals.iter().enumerate() {
            ws.write_string(r + 1, u16::try_from(c).unwrap(), v)
                .unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

async fn run(label: &str, url: &str) {
    let app = common::seed::app(url).await;
    let now = app.now();
    // 1 committee, 500 branches, 100,000 members (200 each).
    let t = Instant::now();
    let mut tx = app.db.begin().await.unwrap();
    let new = |k: OrgKind, n: String| (k, n);
    let (k, n) = new(OrgKind::Committee, "压测党委".into());
    let top_id = zhibu::orgs::rows::insert(
        &mut tx.exec(),
        None,
        &NewOrg {
            kind: k.code(),
            name: &n,
            short_name: None,
            established_on: None,
            sort_order: 0,
        },
        now,
    )
    .await
    .unwrap();
    let top = zhibu::orgs::service::get_unscoped(&mut tx.exec(), top_id)
        .await
        .unwrap();
    let mut branches = Vec::new();
    for b in 0..=BRANCHES {
        let name = format!("第{b}党支部");
        let id = zhibu::orgs::rows::insert(
            &mut tx.exec(),
            Some(&top),
            &NewOrg {
                kind: "branch",
                name: &name,
                short_name: None,
                established_on: None,
                sort_order: 0,
            },
            now,
        )
        .await
        .unwrap();
        branches.push(id);
    }
    tx.commit().await.unwrap();
    for chunk in 0..(MEMBERS / 5000) {
        let mut tx = app.db.begin().await.unwrap();
        for i in 0..5000 {
            let n = u64::try_from(chunk * 5000 + i).unwrap();
            let b = branches[usize::try_from(n).unwrap() % BRANCHES];
            zhibu::members::rows::insert(
                &mut tx.exec(),
                &app.keys,
                b,
                None,
                "full",
                &fields(n),
                now,
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
    }
    // Refresh the planner's statistics, as autovacuum (PostgreSQL) or the periodic
    // `PRAGMA optimize` (SQLite) does in a running system.
    match &app.db {
        Db::Sqlite(p) => sqlx::query("ANALYZE").execute(p).await.map(|_| ()).unwrap(),
        Db::Postgres(p) => sqlx::query("ANALYZE").execute(p).await.map(|_| ()).unwrap(),
    }
    let seeded = t.elapsed();
    // Import 10,000 rows into the spare (empty) branch.
    let book = workbook(u64::try_from(MEMBERS).unwrap() + 1);
    let t = Instant::now();
    let actor = Actor::cli("bench");
    let (ins, _) =
        zhibu::members::import::commit(&app, &actor, &Scope::operator(), branches[BRANCHES], book)
            .await
            .unwrap();
    let import = t.elapsed();
    assert_eq!(ins, IMPORT_ROWS as usize);
    // A committee-level administrator, signed in with the second factor its role requires.
    let token = common::seed::signed_in(&app, "bench_admin", "org_admin", Some(top_id), None).await;
    let port = common::serve(app.clone()).await;
    // The baseline: one keep-alive connection, as the pages below are loaded.
    let hello_port = common::serve_hello().await;
    let hello = common::hello_world(hello_port, 1, common::BASELINE)
        .await
        .rps();
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let mut buf = Vec::new();
    let measure = |path: String, cookie: bool| {
        let auth = if cookie {
            format!("Cookie: zhibu_session={token}")
        } else {
            format!("Authorization: Bearer {token}")
        };
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}\r\n\r\n")
    };
    let mut results = Vec::new();
    for (name, req) in [
        (
            "roster page, whole committee (110,000)",
            measure("/members".into(), true),
        ),
        (
            "roster page, one branch (200)",
            measure(format!("/members?org={}", branches[7]), true),
        ),
        (
            "roster page, name search",
            measure("/members?q=%E7%8E%8B%E4%BC%9F".into(), true),
        ),
        (
            "GET /api/v1/members (50 per page)",
            measure("/api/v1/members".into(), false),
        ),
    ] {
        let mut lat = Vec::with_capacity(SAMPLES);
        let all = Instant::now();
        for _ in 0..SAMPLES {
            let t = Instant::now();
            common::expect_status(&mut s, req.as_bytes(), &mut buf, 200, name).await;
            lat.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        #[expect(clippy::cast_precision_loss, reason = "a rate")]
        let rps = SAMPLES as f64 / all.elapsed().as_secs_f64();
        results.push((
            name,
            pct(&mut lat, 0.5),
            pct(&mut lat, 0.95),
            pct(&mut lat, 0.99),
            rps,
        ));
    }
    println!("{label}");
    println!(
        "  seeded {MEMBERS} members in {BRANCHES} branches in {:.1} s",
        seeded.as_secs_f64()
    );
    println!(
        "  import {IMPORT_ROWS} rows (check + commit)   {:.2} s",
        import.as_secs_f64()
    );
    println!(
        "  one keep-alive connection, {SAMPLES} requests each; hello-world on it {hello:.0} req/s"
    );
    for (name, p50, p95, p99, rps) in results {
        println!(
            "  {name:<42} p50 {p50:>6.1} ms   p95 {p95:>6.1} ms   p99 {p99:>6.1} ms   {rps:>6.0} req/s   {}",
            common::ratio(rps, hello)
        );
    }
    app.db.close().await;
}

fn main() {
    common::on_both_databases(
        "members",
        |label, url| async move { run(label, &url).await },
    );
}
