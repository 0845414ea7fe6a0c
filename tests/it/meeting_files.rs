//! Photos and attachments checked by their bytes, the Word and year exports, the higher
//! committee's review, the calendar feed, cadence rules, and append-only revisions.

use std::io::Read;

use axum::http::{Method, StatusCode, header};
use serde_json::json;

use crate::db_test;
use crate::meeting_pages::{flash, multipart};
use crate::meetings::{branch, json_of, plan, send_json};
use crate::support::{Backend, bearer_get, get, post_form, text};

async fn uploads_are_checked_by_their_bytes(b: Backend) {
    let x = branch(b).await;
    let (tok, csrf) = x.t.session(x.officer_uid).await;
    let id = plan(&x, &["theme_day"], "2026-11-28T10:00").await;
    let path = format!("/meetings/{id}/files");
    let res =
        x.t.send(multipart(
            &path,
            &tok,
            &csrf,
            "report.pdf",
            b"<script>alert(1)</script>",
        ))
        .await;
    assert!(flash(&res).starts_with("zhibu_flash=error."));
    let res =
        x.t.send(multipart(
            &path,
            &tok,
            &csrf,
            "x.png",
            b"\x89PNG\r\n\x1a\nbroken",
        ))
        .await;
    assert!(flash(&res).starts_with("zhibu_flash=error."));
    let big = vec![b'%'; 11 * 1024 * 1024];
    let res =
        x.t.send(multipart(&path, &tok, &csrf, "big.pdf", &big))
            .await;
    assert!(flash(&res).starts_with("zhibu_flash=error."));
    assert_eq!(
        x.t.rows("meeting_files").await,
        0,
        "nothing kept from refused uploads"
    );
    let img = image::RgbImage::from_pixel(64, 48, image::Rgb([200, 22, 29]));
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let res =
        x.t.send(multipart(&path, &tok, &csrf, "活动照片.png", &png))
            .await;
    assert!(flash(&res).starts_with("zhibu_flash=success."));
    let res =
        x.t.send(multipart(
            &path,
            &tok,
            &csrf,
            "../../材料.pdf",
            b"%PDF-1.4\n%fake but headed\n",
        ))
        .await;
    assert!(flash(&res).starts_with("zhibu_flash=success."));
    let html = text(x.t.send(get(&format!("/meetings/{id}"), Some(&tok))).await).await;
    assert!(html.contains("材料.pdf") && !html.contains("../"));
    let fid: i64 = {
        let at = html.find(&format!("/meetings/{id}/files/")).unwrap();
        html[at..]
            .split('/')
            .nth(4)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let res =
        x.t.send(get(&format!("/meetings/{id}/files/{fid}"), Some(&tok)))
            .await;
    assert_eq!(
        res.headers()[header::CONTENT_TYPE],
        "image/jpeg",
        "photos are re-encoded"
    );
    crate::support::assert_private(&res, true);
    // Another branch's officer cannot fetch it; a member of the branch can.
    let res =
        x.t.send(get(
            &format!("/meetings/{id}/files/{fid}"),
            Some(&x.outsider_officer),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res =
        x.t.send(get(
            &format!("/meetings/{id}/files/{fid}"),
            Some(&x.members[0].1),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // Members cannot upload.
    let (mt, mc) = x.t.session(x.member_uids[0]).await;
    let res =
        x.t.send(multipart(&path, &mt, &mc, "a.pdf", b"%PDF-1.4\n"))
            .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
db_test!(uploads_are_checked_by_their_bytes);

fn unzip(bytes: &[u8], name: &str) -> String {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut s = String::new();
    z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

async fn records_export_as_word_and_are_reviewed_above(b: Backend) {
    let x = branch(b).await;
    let id = plan(&x, &["branch_general"], "2026-11-28T10:00").await;
    let (tok, csrf) = x.t.session(x.officer_uid).await;
    let res =
        x.t.send(get(&format!("/meetings/{id}/minutes.docx"), Some(&tok)))
            .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "nothing to export before submission"
    );
    let body = "speeches=%E8%AE%A8%E8%AE%BA%E4%BA%86%E5%85%9A%E8%B4%B9%3C%26%3E&decisions=%E5%90%8C%E6%84%8F&vote_0_topic=%E4%BA%8B%E9%A1%B9&vote_0_yes=0&vote_0_method=secret&action=submit";
    let res =
        x.t.send(post_form(
            &format!("/meetings/{id}/minutes"),
            Some(&tok),
            Some(&csrf),
            body,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res =
        x.t.send(get(&format!("/meetings/{id}/minutes.docx"), Some(&tok)))
            .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("filename*=UTF-8''")
    );
    crate::support::assert_private(&res, false);
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    let doc = unzip(&bytes, "word/document.xml");
    assert!(
        doc.contains("会议记录")
            && doc.contains("讨论了党费&lt;&amp;&gt;")
            && doc.contains("未通过")
    );
    assert!(unzip(&bytes, "word/styles.xml").contains("w:eastAsia=\"宋体\""));
    let res =
        x.t.send(get(
            &format!("/meetings/export?org={}&year=2026", x.branch),
            Some(&tok),
        ))
        .await;
    assert_eq!(res.headers()[header::CONTENT_TYPE], "application/zip");
    crate::support::assert_private(&res, false);
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    let z = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(z.len(), 1);
    // The branch cannot review itself; the committee above can.
    let res =
        x.t.send(post_form(
            &format!("/meetings/{id}/review"),
            Some(&tok),
            Some(&csrf),
            "comment=ok",
        ))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let boss = x.t.user("dw", "org_admin", Some(x.committee)).await;
    let (bt, bc) = x.t.session(boss).await;
    let res =
        x.t.send(post_form(
            &format!("/meetings/{id}/review"),
            Some(&bt),
            Some(&bc),
            "comment=%E8%AE%B0%E5%BD%95%E5%AE%8C%E6%95%B4",
        ))
        .await;
    assert!(flash(&res).starts_with("zhibu_flash=success."));
    let v = json_of(
        x.t.send(bearer_get(&format!("/api/v1/meetings/{id}"), &tok))
            .await,
    )
    .await;
    assert_eq!(v["review_comment"], "记录完整");
    assert_eq!(x.t.audit_count("meeting.review").await, 1);
}
db_test!(records_export_as_word_and_are_reviewed_above);

async fn the_calendar_feed_is_private_and_revocable(b: Backend) {
    let x = branch(b).await;
    plan(&x, &["theme_day"], "2026-11-29T14:30").await;
    let (mt, mc) = x.t.session(x.member_uids[0]).await;
    let html = text(
        x.t.send(post_form("/my/calendar", Some(&mt), Some(&mc), ""))
            .await,
    )
    .await;
    let at = html.find("/calendar/").unwrap();
    let token: String = html[at + 10..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    assert_eq!(token.len(), 64);
    let res = x.t.send(get(&format!("/calendar/{token}"), None)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let ics = text(res).await;
    assert!(ics.contains("BEGIN:VEVENT") && ics.contains("DTSTART:20261129T063000Z"));
    x.t.send(post_form("/my/calendar", Some(&mt), Some(&mc), ""))
        .await;
    assert_eq!(
        x.t.send(get(&format!("/calendar/{token}"), None))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let mine = text(x.t.send(get("/my/meetings", Some(&mt))).await).await;
    assert!(mine.contains("十一月支部党员大会"));
}
db_test!(the_calendar_feed_is_private_and_revocable);

async fn cadence_overrides_only_tighten(b: Backend) {
    let x = branch(b).await;
    let (tok, csrf) = x.t.session(x.officer_uid).await;
    let url = format!("/orgs/{}/meeting-rules", x.branch);
    let res =
        x.t.send(post_form(
            &url,
            Some(&tok),
            Some(&csrf),
            "kind=branch_general&period=year&min_count=3",
        ))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(res).await.contains("只能从严调整"));
    let res =
        x.t.send(post_form(
            &url,
            Some(&tok),
            Some(&csrf),
            "kind=theme_day&period=month&min_count=2",
        ))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        text(x.t.send(get(&url, Some(&tok))).await)
            .await
            .contains("每月至少 2 次")
    );
    let v = json_of(
        x.t.send(bearer_get(
            &format!("/api/v1/compliance?org={}&period=2026-11", x.branch),
            &tok,
        ))
        .await,
    )
    .await;
    let theme = v["rows"][0]["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "theme_day")
        .unwrap()
        .clone();
    assert_eq!(theme["required"], 2);
    // Members may read the rules, not change them.
    let (mt, mc) = x.t.session(x.member_uids[0]).await;
    let res =
        x.t.send(post_form(
            &url,
            Some(&mt),
            Some(&mc),
            "kind=theme_day&period=month&min_count=3",
        ))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
db_test!(cadence_overrides_only_tighten);

async fn minutes_revisions_are_append_only(b: Backend) {
    let x = branch(b).await;
    let id = plan(&x, &["theme_day"], "2026-11-28T10:00").await;
    let res =
        x.t.send(send_json(
            Method::PUT,
            &format!("/api/v1/meetings/{id}/minutes"),
            &x.officer,
            &json!({"speeches": "发言", "submit": true}),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let sql = "UPDATE meeting_minutes SET content = '{}'";
    let err = match &x.t.app.db {
        zhibu::db::Db::Sqlite(p) => sqlx::query(sql).execute(p).await.is_err(),
        zhibu::db::Db::Postgres(p) => sqlx::query(sql).execute(p).await.is_err(),
    };
    assert!(err, "the database refuses to rewrite a submitted record");
}
db_test!(minutes_revisions_are_append_only);
