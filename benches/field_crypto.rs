//! The cost of field encryption (SEC-46/47): sealing and opening 100,000 身份证号 with SM4-GCM,
//! their blind indexes (HMAC-SM3), a 1,000-row import (every row sealed and looked up by blind
//! index) with the share of it spent on cryptography, and the key rotation of those rows, on
//! `SQLite` and (when `ZHIBU_TEST_PG_URL` is set) `PostgreSQL`. Run with
//! `cargo bench --bench field_crypto`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark fails loudly by design"
)]

use std::time::Instant;

use zhibu::audit::Actor;
use zhibu::auth::Scope;
use zhibu::members::{idcard, rekey, sealing};
use zhibu::orgs::model::OrgKind;
use zhibu::orgs::rows::NewOrg;
use zhibu::shared::crypto::KeyRing;

mod common;

const VALUES: usize = 100_000;
const IMPORT_ROWS: u32 = 1_000;

/// A valid number; `n` below 1,000 gives distinct ones.
fn id_number(n: u32) -> String {
    let body = format!("11990119800101{:03}", n % 1000);
    format!("{body}{}", idcard::check_char(&body).unwrap_or('0'))
}

fn primitives() {
    let keys = KeyRing::generate();
    let ids: Vec<String> = (0..u32::try_from(VALUES).unwrap()).map(id_number).collect();
    let t = Instant::now();
    let sealed: Vec<Vec<u8>> = ids
        .iter()
        .enumerate()
        .map(|(i, v)| sealing::seal(&keys, "members", "id_number", i64::try_from(i).unwrap(), v))
        .collect();
    let seal = t.elapsed();
    let t = Instant::now();
    for (i, e) in sealed.iter().enumerate() {
        sealing::open(&keys, "members", "id_number", i64::try_from(i).unwrap(), e).unwrap();
    }
    let open = t.elapsed();
    let t = Instant::now();
    for v in &ids {
        std::hint::black_box(sealing::id_blind(&keys, v));
    }
    let mac = t.elapsed();
    let per =
        |d: std::time::Duration| d.as_secs_f64() * 1e6 / f64::from(u32::try_from(VALUES).unwrap());
    println!("primitives ({VALUES} 身份证号, one core)");
    println!(
        "  seal (SM4-GCM)             {:>7.1} ms   {:>5.2} µs each",
        seal.as_secs_f64() * 1e3,
        per(seal)
    );
    println!(
        "  open                       {:>7.1} ms   {:>5.2} µs each",
        open.as_secs_f64() * 1e3,
        per(open)
    );
    println!(
        "  blind index (HMAC-SM3)     {:>7.1} ms   {:>5.2} µs each",
        mac.as_secs_f64() * 1e3,
        per(mac)
    );
    println!(
        "  envelope size              {} bytes for 18 characters",
        sealed[0].len()
    );
}

fn workbook() -> Vec<u8> {
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
        let vals = [
            format!("导入{r}"),
            id_number(r),
            "汉族".into(),
            "本科".into(),
            "正式党员".into(),
            "2000-07-01".into(),
            "2001-07-01".into(),
            format!("170{r:08}"),
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
    let mut tx = app.db.begin().await.unwrap();
    let new = NewOrg {
        kind: OrgKind::Branch.code(),
        name: "导入支部",
        short_name: None,
        established_on: None,
        sort_order: 0,
    };
    let org = zhibu::orgs::rows::insert(&mut tx.exec(), None, &new, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let book = workbook();
    let t = Instant::now();
    let (ins, _) =
        zhibu::members::import::commit(&app, &Actor::cli("bench"), &Scope::operator(), org, book)
            .await
            .unwrap();
    let import = t.elapsed();
    assert_eq!(ins, IMPORT_ROWS as usize);
    // The machine's state right after the import (these figures are not HTTP).
    let hello = common::machine_state().await;
    // What the import spent on cryptography: per row, a blind index for the duplicate check,
    // two blind indexes and two envelopes for the write.
    let t = Instant::now();
    for r in 0..IMPORT_ROWS {
        let id = id_number(r);
        let phone = format!("170{r:08}");
        std::hint::black_box(sealing::id_blind(&app.keys, &id));
        std::hint::black_box(sealing::id_blind(&app.keys, &id));
        std::hint::black_box(sealing::phone_blind(&app.keys, &phone));
        std::hint::black_box(sealing::seal(
            &app.keys,
            "members",
            "id_number",
            i64::from(r),
            &id,
        ));
        std::hint::black_box(sealing::seal(
            &app.keys,
            "members",
            "phone",
            i64::from(r),
            &phone,
        ));
    }
    let crypto = t.elapsed();
    let t = Instant::now();
    let n = rekey::reencrypt(&app.db, &app.keys, 500, None, |_, _| {})
        .await
        .unwrap();
    let scan = t.elapsed();
    println!("{label}");
    println!(
        "  import {IMPORT_ROWS} rows (check + commit)  {:>7.1} ms, of which cryptography {:.1} ms ({:.1} %)",
        import.as_secs_f64() * 1e3,
        crypto.as_secs_f64() * 1e3,
        crypto.as_secs_f64() * 100.0 / import.as_secs_f64()
    );
    println!(
        "  rotation scan, nothing stale ({} rewritten)  {:>7.1} ms",
        n.rewritten,
        scan.as_secs_f64() * 1e3
    );
    println!("  {}", common::machine_line(hello));
    app.db.close().await;
}

fn main() {
    if std::env::args().any(|a| a == "--help") {
        println!("field_crypto: seal/open/blind-index cost and a 1,000-row import; no options");
        return;
    }
    primitives();
    // The machine's state right after the primitives.
    let hello = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(common::machine_state());
    println!("  {}", common::machine_line(hello));
    common::on_both_databases("field_crypto", |label, url| async move {
        run(label, &url).await;
    });
}
