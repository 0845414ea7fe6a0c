//! SEC-19: the route × role × relation matrix. Every registered route must be listed in
//! `authz_matrix.csv` with its expected outcome for each role and for targets that are the
//! caller's own organisation, its parent, its child, a sibling and an unrelated one.

use std::collections::{BTreeSet, HashMap};

use axum::http::StatusCode;
use zhibu::orgs::model::OrgKind;

use crate::db_test;
use crate::support::{Backend, TestApp, bearer_get, get, location, post_form, post_json};

const RELATIONS: [&str; 5] = ["own", "parent", "child", "sibling", "unrelated"];
const ROLES: [&str; 7] = [
    "anonymous",
    "system_admin",
    "security_admin",
    "audit_admin",
    "org_admin",
    "officer",
    "member",
];

type Expectations = HashMap<(String, String, String), Vec<String>>;

fn load_matrix() -> Expectations {
    let text = include_str!("authz_matrix.csv");
    let mut out = HashMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("method,") && !l.trim().is_empty())
    {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells.len(), 8, "bad matrix line: {line}");
        let key = (
            cells[0].to_owned(),
            cells[1].to_owned(),
            cells[2].to_owned(),
        );
        out.insert(key, cells[3..].iter().map(|s| (*s).to_owned()).collect());
    }
    out
}

fn org_relative(method: &str, path: &str) -> bool {
    path.contains("/orgs/{id}")
        || (method == "POST"
            && matches!(
                path,
                "/orgs/switch"
                    | "/orgs"
                    | "/members"
                    | "/api/v1/members"
                    | "/meetings"
                    | "/api/v1/meetings"
                    | "/api/v1/points/items"
                    | "/points/reports"
                    | "/points/grades"
                    | "/notices"
                    | "/api/v1/notices"
                    | "/board"
                    | "/api/v1/feed"
                    | "/bots"
            ))
        || (method == "POST" && path == "/api/v1/points/entries")
}

fn member_relative(path: &str) -> bool {
    path.contains("/members/{id}")
}

fn meeting_relative(path: &str) -> bool {
    path.contains("/meetings/{id}") || path.contains("/bots/{id}")
}

/// What the response means for the matrix.
fn classify(status: StatusCode, loc: &str, flash: bool) -> String {
    assert!(!status.is_server_error(), "server error {status}");
    match status.as_u16() {
        401 => "login".into(),
        // A redirect to the login page with a message is a completed logout, not a refusal.
        303 if loc.starts_with("/login") && !flash => "login".into(),
        403 => "403".into(),
        404 => "404".into(),
        _ => "ok".into(),
    }
}

struct Fixture {
    t: TestApp,
    targets: HashMap<&'static str, (i64, Option<i64>)>,
    members: HashMap<&'static str, i64>,
    meetings: HashMap<&'static str, i64>,
    bots: HashMap<&'static str, i64>,
    users: HashMap<&'static str, i64>,
    target_user: i64,
}

async fn fixture(b: Backend) -> Fixture {
    let t = TestApp::new(b).await;
    let r = t.org(None, OrgKind::Committee, "党委R").await;
    let g = t.org(Some(&r), OrgKind::GeneralBranch, "总支G").await;
    let a = t.org(Some(&g), OrgKind::Branch, "支部A").await;
    let a1 = t.org(Some(&a), OrgKind::Group, "小组A1").await;
    let sib = t.org(Some(&g), OrgKind::Branch, "支部B").await;
    let u = t.org(None, OrgKind::Committee, "党委U").await;
    let u1 = t.org(Some(&u), OrgKind::Branch, "支部U1").await;
    let mut targets = HashMap::new();
    for (rel, o) in [
        ("own", &a),
        ("parent", &g),
        ("child", &a1),
        ("sibling", &sib),
        ("unrelated", &u1),
    ] {
        targets.insert(rel, (o.id, o.parent_id));
    }
    let mut users = HashMap::new();
    for role in ["system_admin", "security_admin", "audit_admin"] {
        users.insert(role, t.user(role, role, None).await);
    }
    for role in ["org_admin", "officer", "member"] {
        users.insert(role, t.user(role, role, Some(a.id)).await);
    }
    let target_user = t.user("someone", "member", Some(sib.id)).await;
    // Members live in branches: "parent" is a branch beside the caller's 总支, in the parent
    // committee's area; "child" is a member of the caller's branch in its 党小组.
    let p = t.org(Some(&r), OrgKind::Branch, "支部P").await;
    let mut members = HashMap::new();
    let placed = [
        ("own", a.id, None),
        ("child", a.id, Some(a1.id)),
        ("parent", p.id, None),
        ("sibling", sib.id, None),
        ("unrelated", u1.id, None),
    ];
    for (i, (rel, org, group)) in placed.into_iter().enumerate() {
        members.insert(rel, t.member(org, group, u32::try_from(i).unwrap()).await);
    }
    // A meeting held by each related organisation, starting now (check-in open). The own
    // branch's is a 支委会 and its group's a 党小组会 (MEET-02/03): a member without a post sees
    // only that they were held.
    let mut meetings = HashMap::new();
    for (rel, o) in [
        ("own", &a),
        ("parent", &g),
        ("child", &a1),
        ("sibling", &sib),
        ("unrelated", &u1),
    ] {
        use zhibu::meetings::model::Kind;
        let kind = match rel {
            "own" => Kind::BranchCommittee,
            "child" => Kind::Group,
            _ => Kind::Other,
        };
        let plan = zhibu::meetings::service::Plan {
            org_id: o.id,
            kinds: vec![kind],
            title: "会议".into(),
            starts_at: Some(t.app.now()),
            ends_at: Some(t.app.now() + time::Duration::hours(2)),
            place: "会议室".into(),
            host_name: "书记".into(),
            ..Default::default()
        };
        let actor = zhibu::audit::Actor::cli("test");
        let id = zhibu::meetings::service::schedule(
            &t.app,
            &actor,
            &zhibu::auth::Scope::operator(),
            &plan,
        )
        .await
        .unwrap();
        meetings.insert(rel, id);
    }
    // A group bot of each related organisation.
    let mut bots = HashMap::new();
    for (rel, (org, _)) in &targets {
        bots.insert(*rel, bot(&t, *org).await);
    }
    Fixture {
        t,
        targets,
        members,
        meetings,
        bots,
        users,
        target_user,
    }
}

fn body_for(method: &str, path: &str, target: (i64, Option<i64>)) -> String {
    match (method, path) {
        ("POST", "/orgs/switch") => format!("org_id={}", target.0),
        ("POST", "/orgs") => format!(
            "parent_id={}&kind=group&name=%E6%96%B0%E5%B0%8F%E7%BB%84",
            target.0
        ),
        ("POST", "/orgs/{id}/edit") => {
            "name=%E6%94%B9%E5%90%8D&short_name=&established_on=&sort_order=1".into()
        }
        ("POST", "/orgs/{id}/move") => format!("new_parent_id={}", target.1.unwrap_or(1)),
        ("POST", "/orgs/{id}/dissolve") => "reason=%E6%B5%8B%E8%AF%95".into(),
        ("POST", "/orgs/{id}/terms") => "started_on=2025-01-01&years=3&note=".into(),
        ("POST", "/orgs/{id}/officers") => {
            "post=secretary&member_id=999999&started_on=2025-01-01".into()
        }
        ("POST", "/orgs/{id}/officers/{oid}/end") => "ended_on=2025-01-01".into(),
        ("POST", "/account/password") => "current=x&new_password=y&confirm=y".into(),
        ("POST", "/members") => format!("org_id={}&category=full&entry=register&name=x", target.0),
        ("POST", "/members/{id}/edit") => "name=x".into(),
        ("POST", "/members/accounts") => format!("org_id={}", target.0),
        ("POST", "/transfers") => "member_id=999999&kind=internal&to_org_id=1&reason=x".into(),
        ("POST", "/transfers/{id}/decision") => "decision=accept&note=".into(),
        ("POST", "/transfers/{id}/receipt") => "receipt_on=2026-01-01".into(),
        ("POST", "/members/{id}/corrections") => "field=name&new_value=x&reason=y".into(),
        ("POST", "/members/corrections/{id}/decision") => "decision=approve&note=".into(),
        ("POST", "/members/{id}/events") => "kind=stop&occurred_on=2020-01-01&note=".into(),
        ("POST", "/admin/users") => {
            "username=newuser&display_name=%E6%96%B0%E4%BA%BA&role=member&org_id=".into()
        }
        ("POST", "/login") => "username=nobody&password=wrong".into(),
        ("POST", "/login/verify" | "/account/second-factor") => "code=000000".into(),
        ("POST", "/account/second-factor/disable") => "password=x&code=000000".into(),
        ("POST", "/account/confirm") => "secret=x&next=%2F".into(),
        ("POST", "/meetings" | "/meetings/{id}/edit") => format!(
            "org_id={}&kinds=theme_day&starts_at=2026-12-01T09:00&ends_at=2026-12-01T11:00&place=x&host_name=y",
            target.0
        ),
        ("POST", "/meetings/{id}/cancel") => "reason=x".into(),
        ("POST", "/meetings/{id}/checkin") => "code=AAAAAAAA".into(),
        ("POST", "/meetings/{id}/attendance") => "member_id=999999&present=1&reason=x".into(),
        ("POST", "/meetings/{id}/leave") => "reason=x".into(),
        ("POST", "/meetings/{id}/leaves/{lid}/decision") => "decision=approve&note=".into(),
        ("POST", "/meetings/{id}/minutes") => "speeches=x&action=draft".into(),
        ("POST", "/meetings/{id}/review") => "comment=x".into(),
        ("POST", "/meetings/{id}/decision") => "decision=x".into(),
        ("POST", "/orgs/{id}/meeting-rules") => "kind=theme_day&period=month&min_count=2".into(),
        ("POST", "/points/award") => {
            "member_id=999999&item=special_task&points=&occurred_on=2026-11-01&reason=x".into()
        }
        ("POST", "/points/claims/{id}/decision") => "decision=approve&note=".into(),
        ("POST", "/points/reports") => format!("org={}&period=2026-11", target.0),
        ("POST", "/points/grades") => format!("org={}&year=2026&basis=x", target.0),
        ("POST", "/board") => format!(
            "org_id={}&kind=dues&title=x&body=y&starts_on=2026-11-28",
            target.0
        ),
        ("POST", "/board/{id}/withdraw") => "reason=x".into(),
        ("POST", "/bots") => format!(
            "org_id={}&name=x&kind=wecom&webhook_url=https%3A%2F%2Fqyapi.weixin.qq.com%2Fh&events=notice",
            target.0
        ),
        ("POST", "/bots/{id}") => "name=x&events=notice".into(),
        ("POST", "/points/reports/{id}/publish") => "title=x&body=y".into(),
        ("POST", "/feed/{id}/comments") => "body=x".into(),
        ("POST", "/feed/{id}/moderate") => "action=pin&reason=".into(),
        ("POST", "/notices") => format!("org_id={0}&title=x&body=y&to={0}", target.0),
        _ => String::new(),
    }
}

async fn matrix(b: Backend) {
    let f = fixture(b).await;
    let expected = load_matrix();
    let registered: BTreeSet<(String, String)> =
        f.t.routes
            .iter()
            .map(|r| (r.method.to_owned(), r.path.to_owned()))
            .collect();
    let listed: BTreeSet<(String, String)> = expected
        .keys()
        .map(|(m, p, _)| (m.clone(), p.clone()))
        .collect();
    let missing: Vec<_> = registered.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "routes missing from authz_matrix.csv: {missing:?}"
    );
    let stale: Vec<_> = listed.difference(&registered).collect();
    assert!(
        stale.is_empty(),
        "authz_matrix.csv lists routes that do not exist: {stale:?}"
    );
    let mut failures = Vec::new();
    for (method, path) in &registered {
        for role in ROLES {
            let want = expected
                .get(&(method.clone(), path.clone(), role.to_owned()))
                .unwrap_or_else(|| panic!("{method} {path} has no row for {role}"));
            let relative =
                org_relative(method, path) || member_relative(path) || meeting_relative(path);
            let relations: &[&str] = if relative {
                &RELATIONS
            } else {
                &RELATIONS[..1]
            };
            for (i, rel) in relations.iter().enumerate() {
                let target = f.targets[rel];
                let session = match f.users.get(role) {
                    Some(uid) => Some(f.t.session(*uid).await),
                    None => None,
                };
                // Removal gets a bot of its own each time, so the routes after it still find one.
                let bot_id = if path == "/bots/{id}/delete" {
                    bot(&f.t, target.0).await
                } else {
                    f.bots[rel]
                };
                let concrete = path
                    .replace(
                        "/admin/users/{id}",
                        &format!("/admin/users/{}", f.target_user),
                    )
                    .replace("/members/{id}", &format!("/members/{}", f.members[rel]))
                    .replace("/meetings/{id}", &format!("/meetings/{}", f.meetings[rel]))
                    .replace("/bots/{id}", &format!("/bots/{bot_id}"))
                    .replace("{lid}", "999999")
                    .replace("{fid}", "999999")
                    .replace("{rid}", "999999")
                    .replace("/sessions/{id}", "/sessions/999999")
                    .replace("{id}", &target.0.to_string())
                    .replace("{oid}", "999999")
                    .replace("{file}", "app.css")
                    .replace("{token}", "0123456789abcdef0123456789abcdef");
                let body = body_for(method, path, target);
                let api = path.starts_with("/api/");
                let req = match (method.as_str(), api) {
                    ("GET", true) => match &session {
                        Some((tok, _)) => bearer_get(&concrete, tok),
                        None => get(&concrete, None),
                    },
                    ("GET", false) => get(&concrete, session.as_ref().map(|s| s.0.as_str())),
                    (_, true) => {
                        let json = match (method.as_str(), path.as_str()) {
                            (_, "/api/v1/auth/login") => {
                                r#"{"username":"nobody","password":"wrong"}"#.to_owned()
                            }
                            ("POST", "/api/v1/members") => format!(
                                r#"{{"org_id":{},"category":"full","fields":{{}}}}"#,
                                target.0
                            ),
                            ("POST", "/api/v1/members/{id}/events") => {
                                r#"{"kind":"stop","occurred_on":"2020-01-01"}"#.to_owned()
                            }
                            ("POST", "/api/v1/transfers") => {
                                r#"{"member_id":999999,"kind":"internal","to_org_id":1,"reason":"x"}"#.to_owned()
                            }
                            ("POST", "/api/v1/transfers/{id}/decision") => r#"{"accept":true}"#.to_owned(),
                            ("POST", "/api/v1/transfers/{id}/receipt") => r#"{"receipt_on":"2026-01-01"}"#.to_owned(),
                            ("POST", "/api/v1/meetings") => format!(
                                r#"{{"org_id":{},"kinds":["theme_day"],"starts_at":"2026-12-01T09:00","ends_at":"2026-12-01T11:00","place":"x","host_name":"y"}}"#,
                                target.0
                            ),
                            ("POST", "/api/v1/meetings/{id}/checkin") => r#"{"code":"AAAAAAAA"}"#.to_owned(),
                            ("POST", "/api/v1/points/items") => format!(
                                r#"{{"org_id":{},"code":"attend_theme_day","name":"x","points":2}}"#,
                                target.0
                            ),
                            ("POST", "/api/v1/points/entries") => format!(
                                r#"{{"member_id":{},"item":"special_task","points":2,"occurred_on":"2026-11-01","reason":"x"}}"#,
                                f.members[rel]
                            ),
                            ("POST", "/api/v1/points/claims") => r#"{"item":"study_notes","occurred_on":"2026-11-01","description":"x"}"#.to_owned(),
                            ("POST", "/api/v1/points/claims/{id}/decision") => r#"{"approve":true}"#.to_owned(),
                            ("POST", "/api/v1/meetings/{id}/leave") => r#"{"reason":"x"}"#.to_owned(),
                            ("POST", "/api/v1/orgs/{id}/bots") => r#"{"name":"x","kind":"wecom","webhook_url":"https://qyapi.weixin.qq.com/h","events":["notice"]}"#.to_owned(),
                            ("POST", "/api/v1/feed") => format!(r#"{{"org_id":{},"body":"x"}}"#, target.0),
                            ("POST", "/api/v1/notices") => format!(
                                r#"{{"org_id":{0},"title":"x","body":"y","audience":{{"orgs":[{0}]}}}}"#,
                                target.0
                            ),
                            ("POST", "/api/v1/meetings/{id}/leaves/{lid}/decision") => r#"{"approve":true}"#.to_owned(),
                            ("PATCH", _) => r#"{"fields":{}}"#.to_owned(),
                            _ => "{}".to_owned(),
                        };
                        let mut req =
                            post_json(&concrete, session.as_ref().map(|s| s.0.as_str()), &json);
                        *req.method_mut() = method.parse().unwrap();
                        req
                    }
                    _ => post_form(
                        &concrete,
                        session.as_ref().map(|s| s.0.as_str()),
                        session.as_ref().map(|s| s.1.as_str()),
                        &body,
                    ),
                };
                let res = f.t.send(req).await;
                let flash = res
                    .headers()
                    .get_all(axum::http::header::SET_COOKIE)
                    .iter()
                    .any(|c| c.as_bytes().starts_with(b"zhibu_flash="));
                let status = res.status();
                let got = classify(status, &location(&res), flash);
                if got != want[i] {
                    let body: String = crate::support::text(res).await.chars().take(160).collect();
                    failures.push(format!("{method} {path} as {role} on {rel}: expected {}, got {got} ({status}) {body}", want[i]));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Every out-of-scope answer was audited as a denial.
    assert!(f.t.audit_count("access.denied").await > 0);
}
db_test!(matrix);

/// A group bot of `org`.
async fn bot(t: &TestApp, org: i64) -> i64 {
    let nb = zhibu::bots::store::NewBot {
        org_id: org,
        name: "群",
        kind: "wecom",
        url: "http://127.0.0.1:9/h",
        secret: None,
        events: ",notice,",
    };
    let mut conn = t.app.db.conn().await.unwrap();
    zhibu::bots::store::insert(&mut conn.exec(), &nb, None, t.app.now())
        .await
        .unwrap()
}
