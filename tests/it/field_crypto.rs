//! 身份证号 and 手机号 at rest (SEC-46/47/49) and what masked views show together (SEC-53/55),
//! on both backends: sealed round trips through create, edit, import and export, exact search
//! and duplicates through the blind index, envelopes bound to their row, no plaintext in the
//! database files, the one-time move of plaintext left by older versions, and key rotation.

use std::collections::HashMap;

use time::macros::date;
use zhibu::audit::Actor;
use zhibu::auth::{MemberAction, Scope};
use zhibu::db::Db;
use zhibu::members::model::MemberFields;
use zhibu::members::rows::RosterFilter;
use zhibu::members::{idcard, import, rekey, service, sheet, workbook};
use zhibu::orgs::model::OrgKind;

use crate::db_test;
use crate::support::{Backend, TestApp, bearer_get, get, text};

/// A valid 身份证号 for test person `i`, born on a different day each.
fn id_of(i: u32) -> (String, time::Date) {
    let birth = date!(1970 - 01 - 01) + time::Duration::days(i64::from(i) * 397);
    let body = format!(
        "119901{:04}{:02}{:02}{:03}",
        birth.year(),
        u8::from(birth.month()),
        birth.day(),
        i * 2 + 1
    );
    let id = format!("{body}{}", idcard::check_char(&body).unwrap());
    (id, birth)
}

fn phone_of(i: u32) -> String {
    format!("1391234{i:04}")
}

fn fields(i: u32) -> MemberFields {
    let (id, birth) = id_of(i);
    MemberFields {
        name: format!("成员{i}"),
        gender: "male",
        id_number: id,
        birth_date: birth,
        ethnicity: "汉族".into(),
        education: "大学本科".into(),
        degree: None,
        joined_on: date!(2010 - 07 - 01),
        converted_on: Some(date!(2011 - 07 - 01)),
        job_title: None,
        phone: Some(phone_of(i)),
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

async fn insert(t: &TestApp, org: i64, i: u32) -> i64 {
    let mut tx = t.app.db.begin().await.unwrap();
    let id = zhibu::members::rows::insert(
        &mut tx.exec(),
        &t.app.keys,
        org,
        None,
        "full",
        &fields(i),
        t.app.now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn setup(b: Backend) -> (TestApp, i64, i64) {
    let t = TestApp::new(b).await;
    let r = t.org(None, OrgKind::Committee, "党委").await;
    let a = t.org(Some(&r), OrgKind::Branch, "甲支部").await;
    let o = t.org(Some(&r), OrgKind::Branch, "乙支部").await;
    (t, a.id, o.id)
}

/// Every value of the sealed and blind-index columns, and any plaintext column left.
async fn raw_columns(db: &Db) -> Vec<Vec<u8>> {
    const SQL: &str = "SELECT id_number_enc FROM members UNION ALL SELECT phone_enc FROM members
        UNION ALL SELECT id_number_bidx FROM members UNION ALL SELECT phone_bidx FROM members
        UNION ALL SELECT new_value_enc FROM member_corrections";
    let rows: Vec<Option<Vec<u8>>> = match db {
        Db::Sqlite(p) => sqlx::query_scalar(SQL).fetch_all(p).await.unwrap(),
        Db::Postgres(p) => sqlx::query_scalar(SQL).fetch_all(p).await.unwrap(),
    };
    rows.into_iter().flatten().collect()
}

async fn member_columns(db: &Db) -> Vec<String> {
    match db {
        Db::Sqlite(p) => sqlx::query_scalar("SELECT name FROM pragma_table_info('members')")
            .fetch_all(p)
            .await
            .unwrap(),
        Db::Postgres(p) => sqlx::query_scalar(
            "SELECT column_name::text FROM information_schema.columns WHERE table_name = 'members'",
        )
        .fetch_all(p)
        .await
        .unwrap(),
    }
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

async fn sec_46_fields_round_trip_sealed(b: Backend) {
    let (t, a, _) = setup(b).await;
    let scope = Scope::operator();
    let actor = Actor::cli("test");
    let id = insert(&t, a, 1).await;
    let d = service::detail(&t.app, &scope, id, MemberAction::View)
        .await
        .unwrap();
    assert_eq!(d.member.id_number, id_of(1).0);
    assert_eq!(d.member.phone.as_deref(), Some(phone_of(1).as_str()));
    // Edit: the new values are sealed again and read back.
    let mut raw = d.member.raw_fields();
    raw.insert("phone".into(), "+86 139 0000 1111".into());
    service::update(&t.app, &actor, &scope, id, None, &raw)
        .await
        .unwrap();
    let d = service::detail(&t.app, &scope, id, MemberAction::View)
        .await
        .unwrap();
    assert_eq!(d.member.phone.as_deref(), Some("13900001111"));
    assert_eq!(d.member.id_number, id_of(1).0);
    // Import, then the unmasked export gives the numbers back.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let head = [
        "姓名",
        "身份证号",
        "民族",
        "学历",
        "人员类别",
        "入党日期",
        "转正日期",
        "手机号",
    ];
    for (c, h) in head.iter().enumerate() {
        ws.write_string(0, u16::try_from(c).unwrap(), *h).unwrap();
    }
    for r in 2..5u32 {
        let cells = [
            format!("导入{r}"),
            id_of(r).0.to_lowercase(),
            "汉族".into(),
            "本科".into(),
            "正式党员".into(),
            "2010-07-01".into(),
            "2011-07-01".into(),
            phone_of(r),
        ];
        for (c, v) in cells.iter().enumerate() {
            ws.write_string(r - 1, u16::try_from(c).unwrap(), v)
                .unwrap();
        }
    }
    let book = wb.save_to_buffer().unwrap();
    assert_eq!(
        import::commit(&t.app, &actor, &scope, a, book.clone())
            .await
            .unwrap(),
        (3, 0)
    );
    // Re-import matches the sealed records through the blind index and updates them.
    assert_eq!(
        import::commit(&t.app, &actor, &scope, a, book)
            .await
            .unwrap(),
        (0, 3)
    );
    let (rows, total) = service::roster(&t.app, &scope, Some(a), RosterFilter::default(), 100, 0)
        .await
        .unwrap();
    assert_eq!(total, 4);
    let data: Vec<_> = rows
        .into_iter()
        .map(|r| (r.m, r.org_name, r.group_name))
        .collect();
    let mark = workbook::Watermark {
        text: "测试".into(),
        request_id: "r".into(),
    };
    let bytes = workbook::export(&data, true, &mark, t.app.clock.today()).unwrap();
    let s = sheet::read(&bytes).unwrap();
    let col = |h: &str| s.headers.iter().position(|x| x == h).unwrap();
    let (idc, phc) = (col("公民身份号码"), col("联系电话"));
    let mut got: Vec<(String, String)> = s
        .rows
        .iter()
        .map(|(_, cells)| {
            let v = |i: usize| match &cells[i] {
                sheet::Cell::Text(v) => v.clone(),
                c => panic!("{c:?}"),
            };
            (v(idc), v(phc))
        })
        .collect();
    got.sort();
    let mut want: Vec<(String, String)> = (2..5).map(|r| (id_of(r).0, phone_of(r))).collect();
    want.push((id_of(1).0, "13900001111".into()));
    want.sort();
    assert_eq!(got, want);
    // What is stored holds none of it.
    let raw = raw_columns(&t.app.db).await;
    assert!(raw.len() >= 16);
    for (i, p) in &want {
        assert!(
            !raw.iter().any(|v| contains(v, i) || contains(v, p)),
            "plaintext in a sealed column"
        );
    }
    let cols = member_columns(&t.app.db).await;
    assert!(
        !cols.iter().any(|c| c == "id_number" || c == "phone"),
        "{cols:?}"
    );
}
db_test!(sec_46_fields_round_trip_sealed);

async fn sec_47_search_and_duplicates_by_blind_index(b: Backend) {
    let (t, a, other) = setup(b).await;
    let scope = Scope::operator();
    let actor = Actor::cli("test");
    for i in 1..=3 {
        insert(&t, a, i).await;
    }
    insert(&t, other, 9).await;
    let find = |q: &str| RosterFilter {
        name: Some(q.to_owned()),
        ..RosterFilter::default()
    };
    let names = |rows: Vec<zhibu::members::rows::MemberRow>| {
        rows.into_iter().map(|r| r.m.name).collect::<Vec<_>>()
    };
    // The whole number, in any accepted spelling, finds the record.
    let full_width: String = id_of(2)
        .0
        .chars()
        .map(|c| char::from_u32(u32::from(c) - u32::from('0') + u32::from('０')).unwrap_or(c))
        .collect();
    for q in [id_of(2).0, id_of(2).0.to_lowercase(), full_width] {
        let (rows, n) = service::roster(&t.app, &scope, None, find(&q), 50, 0)
            .await
            .unwrap();
        assert_eq!((names(rows), n), (vec!["成员2".to_owned()], 1), "{q}");
    }
    let (rows, _) = service::roster(&t.app, &scope, None, find("+86 139-1234-0003"), 50, 0)
        .await
        .unwrap();
    assert_eq!(names(rows), vec!["成员3".to_owned()]);
    // Parts of a number are not searchable any more.
    for q in [&id_of(2).0[..10], &phone_of(3)[..7]] {
        let (_, n) = service::roster(&t.app, &scope, None, find(q), 50, 0)
            .await
            .unwrap();
        assert_eq!(n, 0, "{q}");
    }
    // A number registered elsewhere is refused at create…
    let mut raw: HashMap<String, String> = HashMap::new();
    for (k, v) in [
        ("name", "重复者"),
        ("ethnicity", "汉族"),
        ("education", "大学本科"),
        ("joined_on", "2010-07-01"),
        ("converted_on", "2011-07-01"),
    ] {
        raw.insert(k.into(), v.into());
    }
    raw.insert("id_number".into(), id_of(9).0.to_lowercase());
    let place = service::Placement {
        org_id: a,
        entry: service::Entry {
            kind: zhibu::members::model::EventKind::Register,
            on: None,
        },
        ..Default::default()
    };
    let err = service::create(&t.app, &actor, &scope, place.clone(), &raw)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("乙支部"), "{err}");
    raw.insert("id_number".into(), id_of(20).0);
    service::create(&t.app, &actor, &scope, place, &raw)
        .await
        .unwrap();
    // …and at import.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in [
        "姓名",
        "身份证号",
        "民族",
        "学历",
        "人员类别",
        "入党日期",
        "转正日期",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, u16::try_from(c).unwrap(), *h).unwrap();
    }
    for (c, v) in [
        "重复导入",
        &id_of(9).0,
        "汉族",
        "本科",
        "正式党员",
        "2010-07-01",
        "2011-07-01",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(1, u16::try_from(c).unwrap(), *v).unwrap();
    }
    let (_, checked) = import::check(&t.app, &scope, a, wb.save_to_buffer().unwrap())
        .await
        .unwrap();
    assert!(
        checked.errors.iter().any(|e| e.message.contains("乙支部")),
        "{:?}",
        checked
            .errors
            .iter()
            .map(|e| &e.message)
            .collect::<Vec<_>>()
    );
    // The unique blind index refuses a duplicate even past the service.
    let mut tx = t.app.db.begin().await.unwrap();
    let dup = zhibu::members::rows::insert(
        &mut tx.exec(),
        &t.app.keys,
        a,
        None,
        "full",
        &fields(1),
        t.app.now(),
    )
    .await;
    assert!(matches!(dup, Err(zhibu::db::StoreError::Duplicate)));
}
db_test!(sec_47_search_and_duplicates_by_blind_index);

async fn sec_46_swapped_or_altered_envelopes_do_not_open(b: Backend) {
    let (t, a, _) = setup(b).await;
    let scope = Scope::operator();
    let x = insert(&t, a, 1).await;
    let y = insert(&t, a, 2).await;
    let read = "SELECT id_number_enc FROM members WHERE id = $1";
    let set = "UPDATE members SET id_number_enc = $2 WHERE id = $1";
    let mut env = Vec::new();
    for id in [x, y] {
        let e: Vec<u8> = match &t.app.db {
            Db::Sqlite(p) => sqlx::query_scalar(read)
                .bind(id)
                .fetch_one(p)
                .await
                .unwrap(),
            Db::Postgres(p) => sqlx::query_scalar(read)
                .bind(id)
                .fetch_one(p)
                .await
                .unwrap(),
        };
        env.push(e);
    }
    for (id, e) in [(x, &env[1]), (y, &env[0])] {
        match &t.app.db {
            Db::Sqlite(p) => sqlx::query(set)
                .bind(id)
                .bind(e)
                .execute(p)
                .await
                .unwrap()
                .rows_affected(),
            Db::Postgres(p) => sqlx::query(set)
                .bind(id)
                .bind(e)
                .execute(p)
                .await
                .unwrap()
                .rows_affected(),
        };
    }
    for id in [x, y] {
        assert!(
            service::detail(&t.app, &scope, id, MemberAction::View)
                .await
                .is_err(),
            "a swapped envelope must not open"
        );
    }
    let z = insert(&t, a, 3).await;
    let env: Vec<u8> = match &t.app.db {
        Db::Sqlite(p) => sqlx::query_scalar("SELECT phone_enc FROM members WHERE id = $1")
            .bind(z)
            .fetch_one(p)
            .await
            .unwrap(),
        Db::Postgres(p) => sqlx::query_scalar("SELECT phone_enc FROM members WHERE id = $1")
            .bind(z)
            .fetch_one(p)
            .await
            .unwrap(),
    };
    let mut bad = env.clone();
    let last = bad.len() - 1;
    bad[last] ^= 0x01;
    let set = "UPDATE members SET phone_enc = $2 WHERE id = $1";
    match &t.app.db {
        Db::Sqlite(p) => sqlx::query(set)
            .bind(z)
            .bind(bad)
            .execute(p)
            .await
            .unwrap()
            .rows_affected(),
        Db::Postgres(p) => sqlx::query(set)
            .bind(z)
            .bind(bad)
            .execute(p)
            .await
            .unwrap()
            .rows_affected(),
    };
    assert!(
        service::detail(&t.app, &scope, z, MemberAction::View)
            .await
            .is_err()
    );
}
db_test!(sec_46_swapped_or_altered_envelopes_do_not_open);

/// Markers that must never reach the disk in clear.
const MARK_PHONE: &str = "13987654321";

async fn sec_46_no_plaintext_in_database_files(b: Backend) {
    let (t, a, _) = setup(b).await;
    let mut f = fields(42);
    f.phone = Some(MARK_PHONE.into());
    let marker_id = f.id_number.clone();
    let mut tx = t.app.db.begin().await.unwrap();
    zhibu::members::rows::insert(
        &mut tx.exec(),
        &t.app.keys,
        a,
        None,
        "full",
        &f,
        t.app.now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    for i in 1..=5 {
        insert(&t, a, i).await;
    }
    match &t.app.db {
        Db::Sqlite(p) => {
            let path = t.url.trim_start_matches("sqlite://").to_owned();
            let scan = |label: &str| {
                for file in [path.clone(), format!("{path}-wal")] {
                    let Ok(bytes) = std::fs::read(&file) else {
                        continue;
                    };
                    for m in [marker_id.as_str(), MARK_PHONE] {
                        assert!(!contains(&bytes, m), "{m} in {file} ({label})");
                    }
                }
            };
            scan("before checkpoint");
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(p)
                .await
                .unwrap();
            scan("after checkpoint");
        }
        Db::Postgres(p) => {
            let hits: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM members m WHERE position(convert_to($1, 'UTF8') in
                    coalesce(m.id_number_enc, '') || coalesce(m.phone_enc, '')) > 0
                    OR position(convert_to($2, 'UTF8') in coalesce(m.id_number_enc, '') || coalesce(m.phone_enc, '')) > 0
                    OR position($1 in m::text) > 0 OR position($2 in m::text) > 0",
            )
            .bind(&marker_id)
            .bind(MARK_PHONE)
            .fetch_one(p)
            .await
            .unwrap();
            assert_eq!(hits, 0);
        }
    }
    let raw = raw_columns(&t.app.db).await;
    assert!(
        !raw.iter()
            .any(|v| contains(v, &marker_id) || contains(v, MARK_PHONE))
    );
}
db_test!(sec_46_no_plaintext_in_database_files);

/// SEC-53/55: 30 members through the masked API, roster, member page and export; nowhere is
/// a birth date shown beside a masked number, and the mask hides at least 12 characters.
async fn sec_53_masked_views_do_not_rebuild_id_numbers(b: Backend) {
    let (t, a, _) = setup(b).await;
    let mut ids = Vec::new();
    for i in 1..=30 {
        ids.push((insert(&t, a, i).await, id_of(i)));
    }
    let uid = t.user("shuji_a", "officer", Some(a)).await;
    let (tok, _) = t.session(uid).await;
    let forms = |d: time::Date| {
        let (y, m, dd) = (d.year(), u8::from(d.month()), d.day());
        vec![
            format!("{y:04}-{m:02}-{dd:02}"),
            format!("{y:04}{m:02}{dd:02}"),
            format!("{y}年{m}月{dd}日"),
            format!("{y}/{m}/{dd}"),
        ]
    };
    let hidden = |shown: &str, full: &str| {
        assert_eq!(shown.chars().count(), 18);
        let kept = shown
            .chars()
            .zip(full.chars())
            .filter(|(s, f)| s == f)
            .count();
        assert!(18 - kept >= 12, "{shown}");
        // Neither the county code nor any digit of the birth date is shown.
        assert!(shown.chars().skip(3).take(11).all(|c| c == '*'), "{shown}");
    };
    let api = text(
        t.send(bearer_get("/api/v1/members?per_page=100", &tok))
            .await,
    )
    .await;
    let v: serde_json::Value = serde_json::from_str(&api).unwrap();
    assert_eq!(v["total"], 30);
    for item in v["members"].as_array().unwrap() {
        let (_, (full, birth)) = ids.iter().find(|(id, _)| item["id"] == *id).unwrap();
        hidden(item["id_number_masked"].as_str().unwrap(), full);
        assert!(item.get("birth_date").is_none());
        let s = item.to_string();
        for f in forms(*birth) {
            assert!(!s.contains(&f), "{f} beside a masked number");
        }
        assert!(!s.contains(full.as_str()));
    }
    let roster = text(t.send(get("/members?per_page=100", Some(&tok))).await).await;
    let print = text(t.send(get("/members?print=1", Some(&tok))).await).await;
    for (id, (full, birth)) in &ids {
        let page = text(t.send(get(&format!("/members/{id}"), Some(&tok))).await).await;
        assert!(page.contains(&idcard::mask(full)));
        for html in [&roster, &print, &page] {
            assert!(!html.contains(full.as_str()));
            for f in forms(*birth) {
                assert!(!html.contains(&f), "{f} shown with a masked number");
            }
        }
        let json = text(
            t.send(bearer_get(&format!("/api/v1/members/{id}"), &tok))
                .await,
        )
        .await;
        for f in forms(*birth) {
            assert!(!json.contains(&f));
        }
    }
    assert!(roster.contains(&idcard::mask(&ids[0].1.0)));
    // The masked export gives the age instead of the birth date.
    let scope = Scope::operator();
    let (rows, _) = service::roster(&t.app, &scope, Some(a), RosterFilter::default(), 100, 0)
        .await
        .unwrap();
    let data: Vec<_> = rows
        .into_iter()
        .map(|r| (r.m, r.org_name, r.group_name))
        .collect();
    let mark = workbook::Watermark {
        text: "测试".into(),
        request_id: "r".into(),
    };
    let s =
        sheet::read(&workbook::export(&data, false, &mark, t.app.clock.today()).unwrap()).unwrap();
    assert!(
        !s.headers.iter().any(|h| h == "出生日期"),
        "{:?}",
        s.headers
    );
    let idc = s.headers.iter().position(|h| h == "公民身份号码").unwrap();
    assert_eq!(s.rows.len(), 30);
    for (_, cells) in &s.rows {
        let sheet::Cell::Text(shown) = &cells[idc] else {
            panic!("text")
        };
        let (_, (full, birth)) = ids
            .iter()
            .find(|(_, (f, _))| idcard::mask(f) == *shown)
            .unwrap();
        hidden(shown, full);
        let line = format!("{cells:?}");
        for f in forms(*birth) {
            assert!(!line.contains(&f), "{f} in the masked export");
        }
    }
}
db_test!(sec_53_masked_views_do_not_rebuild_id_numbers);

/// Migration 0013 on a database written by an older version: the plaintext is parked, sealed
/// by the start-up step in batches, and gone from the tables; running the step again is a no-op.
async fn sec_46_plaintext_from_older_versions_is_sealed_once(b: Backend) {
    let (url, _guard) = crate::support::fresh_db(b).await;
    let db = Db::connect(&url, 2).await.unwrap();
    let before_0013 = |mut m: sqlx::migrate::Migrator| {
        m.migrations = std::borrow::Cow::Owned(
            m.migrations
                .iter()
                .filter(|x| x.version < 13)
                .cloned()
                .collect(),
        );
        m
    };
    let old = "INSERT INTO orgs (id, parent_id, path, depth, kind, name, sort_order, created_at, updated_at)
        VALUES (1, NULL, '/1/', 0, 'branch', '旧支部', 0, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')";
    let member = "INSERT INTO members (id, org_id, name, gender, id_number, birth_date, ethnicity, education,
        category, joined_on, membership_status, phone, created_at, updated_at)
        VALUES ($1, 1, $2, 'male', $3, '1980-01-01', '汉族', '大学本科', 'full', '2005-07-01', 'normal', $4,
        '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')";
    let people: Vec<(i64, String, Option<String>)> = (1..=5u32)
        .map(|i| (i64::from(i), id_of(i).0, (i != 3).then(|| phone_of(i))))
        .collect();
    match &db {
        Db::Sqlite(p) => {
            before_0013(sqlx::migrate!("migrations/sqlite"))
                .run(p)
                .await
                .unwrap();
            sqlx::query(old).execute(p).await.unwrap();
            for (id, n, ph) in &people {
                sqlx::query(member)
                    .bind(id)
                    .bind(format!("旧{id}"))
                    .bind(n)
                    .bind(ph)
                    .execute(p)
                    .await
                    .unwrap();
            }
        }
        Db::Postgres(p) => {
            before_0013(sqlx::migrate!("migrations/postgres"))
                .run(p)
                .await
                .unwrap();
            sqlx::query(old).execute(p).await.unwrap();
            for (id, n, ph) in &people {
                sqlx::query(member)
                    .bind(id)
                    .bind(format!("旧{id}"))
                    .bind(n)
                    .bind(ph)
                    .execute(p)
                    .await
                    .unwrap();
            }
        }
    }
    zhibu::db::migrate::run(&db).await.unwrap();
    let keys = zhibu::shared::crypto::KeyRing::generate();
    assert_eq!(rekey::seal_pending(&db, &keys, 2).await.unwrap(), 9);
    assert_eq!(
        rekey::seal_pending(&db, &keys, 2).await.unwrap(),
        0,
        "idempotent"
    );
    let mut conn = db.conn().await.unwrap();
    for (id, n, ph) in &people {
        let (m, _) = zhibu::members::rows::get(&mut conn.exec(), &keys, *id)
            .await
            .unwrap();
        assert_eq!((&m.id_number, &m.phone), (n, ph));
        let found = zhibu::members::rows::find_by_id_number(&mut conn.exec(), &keys, n)
            .await
            .unwrap();
        assert_eq!(found.map(|f| f.0), Some(*id));
    }
    drop(conn);
    let queued: i64 = match &db {
        Db::Sqlite(p) => sqlx::query_scalar("SELECT count(*) FROM plaintext_queue")
            .fetch_one(p)
            .await
            .unwrap(),
        Db::Postgres(p) => sqlx::query_scalar("SELECT count(*) FROM plaintext_queue")
            .fetch_one(p)
            .await
            .unwrap(),
    };
    assert_eq!(queued, 0);
    let cols = member_columns(&db).await;
    assert!(!cols.iter().any(|c| c == "id_number" || c == "phone"));
    if let Db::Sqlite(_) = &db {
        let path = url.trim_start_matches("sqlite://").to_owned();
        db.close().await;
        for file in [path.clone(), format!("{path}-wal")] {
            let Ok(bytes) = std::fs::read(&file) else {
                continue;
            };
            for (_, n, ph) in &people {
                assert!(!contains(&bytes, n), "{n} left in {file}");
                if let Some(ph) = ph {
                    assert!(!contains(&bytes, ph), "{ph} left in {file}");
                }
            }
        }
    }
}
db_test!(sec_46_plaintext_from_older_versions_is_sealed_once);

/// SEC-49: after a new data key is added, rotation re-seals every envelope under it in
/// batches; stopped after one batch, a second run finishes the rest, and everything opens.
async fn sec_49_rotation_resumes_after_interruption(b: Backend) {
    let (t, a, _) = setup(b).await;
    let mut ids = Vec::new();
    for i in 1..=5 {
        ids.push(insert(&t, a, i).await);
    }
    let dir =
        std::env::temp_dir().join(format!("zhibu-keys-{}", zhibu::shared::token::request_id()));
    let path = dir.join("keys.toml");
    zhibu::shared::crypto::keyfile::save(&t.app.keys, &path).unwrap();
    let mut ring = zhibu::shared::crypto::keyfile::load(&path).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(ring.add_version(), 2);
    let versions = |raw: &[Vec<u8>]| {
        let mut v: Vec<Option<u32>> = raw
            .iter()
            .filter(|e| e.len() > 32)
            .map(|e| zhibu::shared::crypto::KeyRing::envelope_version(e))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    assert_eq!(versions(&raw_columns(&t.app.db).await), vec![Some(1)]);
    assert_eq!(rekey::stale_envelopes(&t.app.db, &ring).await.unwrap(), 10);
    // Interrupted: one batch of 2, committed on its own.
    let mut seen = Vec::new();
    let first = rekey::reencrypt(&t.app.db, &ring, 2, Some(1), |c, n| {
        seen.push((c.to_owned(), n));
    })
    .await
    .unwrap();
    assert_eq!(
        (first.rewritten, first.batches, first.complete),
        (2, 1, false)
    );
    assert_eq!(seen, vec![("members.id_number".to_owned(), 2)]);
    assert_eq!(rekey::stale_envelopes(&t.app.db, &ring).await.unwrap(), 8);
    // Both key versions are in use meanwhile, and every record still opens.
    let mut conn = t.app.db.conn().await.unwrap();
    for (n, id) in ids.iter().enumerate() {
        let (m, _) = zhibu::members::rows::get(&mut conn.exec(), &ring, *id)
            .await
            .unwrap();
        assert_eq!(m.id_number, id_of(u32::try_from(n).unwrap() + 1).0);
    }
    drop(conn);
    // Resumed: the rest, and nothing twice.
    let rest = rekey::reencrypt(&t.app.db, &ring, 2, None, |_, _| {})
        .await
        .unwrap();
    assert_eq!((rest.rewritten, rest.complete), (8, true));
    assert_eq!(rekey::stale_envelopes(&t.app.db, &ring).await.unwrap(), 0);
    assert_eq!(versions(&raw_columns(&t.app.db).await), vec![Some(2)]);
    let again = rekey::reencrypt(&t.app.db, &ring, 2, None, |_, _| {})
        .await
        .unwrap();
    assert_eq!(again.rewritten, 0);
    let mut conn = t.app.db.conn().await.unwrap();
    for (n, id) in ids.iter().enumerate() {
        let (m, _) = zhibu::members::rows::get(&mut conn.exec(), &ring, *id)
            .await
            .unwrap();
        assert_eq!(m.id_number, id_of(u32::try_from(n).unwrap() + 1).0);
        assert_eq!(m.phone, Some(phone_of(u32::try_from(n).unwrap() + 1)));
        // The old ring alone no longer opens them; the blind index (MAC key) is unchanged.
        assert!(
            zhibu::members::rows::get(&mut conn.exec(), &t.app.keys, *id)
                .await
                .is_err()
        );
        let found = zhibu::members::rows::find_by_id_number(&mut conn.exec(), &ring, &m.id_number)
            .await
            .unwrap();
        assert_eq!(found.map(|f| f.0), Some(*id));
    }
}
db_test!(sec_49_rotation_resumes_after_interruption);
