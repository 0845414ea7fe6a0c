//! SEC-43: extreme dates, months, periods and years never reach a panic or a 500. Every query
//! parameter of the `OpenAPI` document that is a date by its schema or its name gets the
//! extremes, and so do the pages that take such parameters, on both backends.

use axum::http::StatusCode;
use serde_json::Value;
use zhibu::orgs::model::OrgKind;

use crate::db_test;
use crate::support::{Backend, TestApp, bearer_get, get, text};

/// Values that once reached `time` arithmetic unchecked, and malformed ones.
fn extremes() -> Vec<String> {
    let mut v: Vec<String> = [
        "9999-12-31",
        "0000-01-01",
        "-1",
        "99999",
        "2100-13",
        "",
        "9999-12",
        "9999",
        "0000",
        "2100-12",
        "2100-12-31",
        "1900-01-01",
        "9999-Q4",
        "2100-Q4",
        "9999-W52",
        "2100-W53",
        "-9999-01-01",
        "+10000-01-01",
        "2147483647",
        "-2147483648",
        "2026-02-30",
        "%00",
        "２０２６-１１",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    v.push("9".repeat(5000));
    v.push("2026-11-".repeat(500));
    v
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

const DATE_NAMES: [&str; 8] = ["from", "to", "date", "month", "period", "year", "on", "day"];

/// (path, parameter) for every GET query parameter that is a date by schema or by name.
fn date_parameters() -> Vec<(String, String)> {
    let doc: Value = serde_json::from_str(zhibu::api_doc::document()).unwrap();
    let mut out = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        let Some(op) = ops.get("get") else { continue };
        for p in op["parameters"].as_array().into_iter().flatten() {
            let name = p["name"].as_str().unwrap_or_default();
            let format = p["schema"]["format"].as_str().unwrap_or_default();
            let by_schema = matches!(format, "date" | "date-time");
            if p["in"] == "query" && (by_schema || DATE_NAMES.contains(&name)) {
                out.push((path.clone(), name.to_owned()));
            }
        }
    }
    out
}

async fn setup(b: Backend) -> (TestApp, i64, String, String) {
    let t = TestApp::new(b).await;
    let r = t.org(None, OrgKind::Committee, "党委").await;
    let a = t.org(Some(&r), OrgKind::Branch, "支部").await;
    let officer = t.user("shuji", "officer", Some(a.id)).await;
    let auditor = t.user("shenji", "audit_admin", None).await;
    let officer = t.session(officer).await.0;
    let auditor = t.session(auditor).await.0;
    (t, a.id, officer, auditor)
}

async fn sec_43_every_openapi_date_parameter_survives_extremes(b: Backend) {
    let (t, _, officer, _) = setup(b).await;
    let params = date_parameters();
    // The document names the meetings and compliance parameters that once panicked.
    for must in [("/api/v1/meetings", "to"), ("/api/v1/compliance", "period")] {
        assert!(
            params.iter().any(|(p, n)| (p.as_str(), n.as_str()) == must),
            "{must:?} in {params:?}"
        );
    }
    for (path, name) in &params {
        for v in extremes() {
            let url = format!("{path}?{name}={}", encode(&v));
            let res = t.send(bearer_get(&url, &officer)).await;
            let status = res.status();
            let body = text(res).await;
            assert!(status.as_u16() < 500, "{url}: {status} {body}");
            if status == StatusCode::BAD_REQUEST {
                let e: Value = serde_json::from_str(&body).unwrap();
                assert!(e["error"]["code"].as_str().is_some(), "{url}: {body}");
            }
        }
    }
    // The reported cases answer 400 with the stable code and a Chinese message.
    for url in [
        "/api/v1/meetings?to=9999-12-31",
        "/api/v1/compliance?period=9999",
    ] {
        let res = t.send(bearer_get(url, &officer)).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{url}");
        let e: Value = serde_json::from_str(&text(res).await).unwrap();
        assert_eq!(e["error"]["code"], "invalid_date", "{url}");
        assert!(e["error"]["message"].as_str().unwrap().contains("2100"));
    }
}
db_test!(sec_43_every_openapi_date_parameter_survives_extremes);

async fn sec_43_pages_with_date_parameters_survive_extremes(b: Backend) {
    let (t, org, officer, auditor) = setup(b).await;
    let pages: Vec<(String, &str, &String)> = vec![
        ("/meetings/calendar?".into(), "month", &officer),
        ("/meetings?".into(), "month", &officer),
        (format!("/compliance/period?org={org}&"), "period", &officer),
        (format!("/compliance?org={org}&"), "year", &officer),
        (format!("/meetings/export?org={org}&"), "year", &officer),
        ("/points/ranking?".into(), "period", &officer),
        ("/points/grades?".into(), "year", &officer),
        (format!("/members/as-of?org={org}&"), "date", &officer),
        ("/audit?from=0000-01-01&".into(), "to", &auditor),
        ("/audit?".into(), "from", &auditor),
        ("/audit/export?".into(), "to", &auditor),
        ("/audit/export?to=9999-12-31&".into(), "from", &auditor),
    ];
    for (base, name, tok) in &pages {
        for v in extremes() {
            let url = format!("{base}{name}={}", encode(&v));
            let res = t.send(get(&url, Some(tok))).await;
            assert!(res.status().as_u16() < 500, "{url}: {}", res.status());
        }
    }
    // The reported pages refuse with a Chinese message rather than failing.
    for url in [
        "/meetings/calendar?month=9999-12".to_owned(),
        "/meetings?month=9999-12".to_owned(),
        format!("/compliance/period?org={org}&period=9999-12"),
    ] {
        let res = t.send(get(&url, Some(&officer))).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{url}");
        assert!(text(res).await.contains("2100"), "{url}");
    }
    for url in [
        "/audit?from=0000-01-01&to=9999-12-31",
        "/audit/export?to=9999-12-31",
    ] {
        let res = t.send(get(url, Some(&auditor))).await;
        assert!(res.status().as_u16() < 500, "{url}");
    }
    // The last accepted month still renders, with no link beyond it.
    let res = t
        .send(get("/meetings/calendar?month=2100-12", Some(&officer)))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(!text(res).await.contains("2101-01"));
}
db_test!(sec_43_pages_with_date_parameters_survive_extremes);
