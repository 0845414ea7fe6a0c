//! SEC-19: the route × role × relation matrix. Every registered route must be listed in
//! `authz_matrix.csv` with its expected outcome for each role and for targets that are the
//! caller's own organisation, its parent, its child, a sibling and an unrelated one.

use std::collections::{BTreeSet, HashMap};

use axum::http::StatusCode;
use zhibu::orgs::model::OrgKind;

use crate::db_test;
use crate::matrix_bodies::{body_for, json_for};
use crate::matrix_objects::{self, Objects, Placed};
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

/// Routes that start a transfer or an award name a member of the relation in their input.
fn transfer_relative(method: &str, path: &str) -> bool {
    matches!(
        (method, path),
        ("GET", "/transfers/new") | ("POST", "/transfers" | "/api/v1/transfers" | "/points/award")
    )
}

/// Routes on an object of which the fixture holds one per relation.
fn object_kind(path: &str) -> Option<&'static str> {
    let tail = path.strip_prefix("/api/v1").unwrap_or(path);
    [
        ("/transfers/{id}", "transfer"),
        ("/notices/{id}", "notice"),
        ("/points/claims/{id}", "claim"),
        ("/members/corrections/{id}", "correction"),
        ("/board/{id}", "board"),
        ("/feed/photos/{id}", "feed_photo"),
    ]
    .into_iter()
    .find(|(prefix, _)| tail.starts_with(prefix))
    .map(|(_, kind)| kind)
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
    objects: Objects,
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
    for role in ["org_admin", "officer"] {
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
    // The member's account is linked to the own branch's record, as a member's account is.
    let member = t
        .linked_user("member", "member", Some(a.id), Some(members["own"]))
        .await;
    users.insert("member", member);
    let w = t.org(None, OrgKind::Committee, "党委W").await;
    let elsewhere = t.org(Some(&w), OrgKind::Branch, "支部Z").await;
    let placed = [
        Placed {
            rel: "own",
            org: &a,
            branch: &a,
            member: members["own"],
        },
        Placed {
            rel: "parent",
            org: &g,
            branch: &p,
            member: members["parent"],
        },
        Placed {
            rel: "child",
            org: &a1,
            branch: &a,
            member: members["child"],
        },
        Placed {
            rel: "sibling",
            org: &sib,
            branch: &sib,
            member: members["sibling"],
        },
        Placed {
            rel: "unrelated",
            org: &u1,
            branch: &u1,
            member: members["unrelated"],
        },
    ];
    let objects =
        matrix_objects::create(&t, &placed, &elsewhere, users["member"], users["org_admin"]).await;
    Fixture {
        t,
        targets,
        members,
        meetings,
        bots,
        users,
        target_user,
        objects,
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
            let relative = org_relative(method, path)
                || member_relative(path)
                || meeting_relative(path)
                || object_kind(path).is_some()
                || transfer_relative(method, path);
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
                let own = |k: &str| f.objects.own.get(k).cloned().unwrap_or_default();
                let mut concrete = path.to_owned();
                if let Some(kind) = object_kind(path) {
                    concrete = concrete
                        .replace("{id}", &f.objects.id(kind, rel).to_string())
                        .replace("{fid}", &f.objects.id("notice_file", rel).to_string());
                }
                let leaving = f.objects.id("transfer_member", rel);
                concrete = match path.as_str() {
                    "/transfers/new" => format!("/transfers/new?member={}", f.members[rel]),
                    "/notifications/{id}" => format!("/notifications/{}", own("notification")),
                    // A fresh second device each time: 注销其他会话 ran before and ended the
                    // earlier ones.
                    "/account/sessions/{id}/revoke" => {
                        let (_, _, sid) = f.t.bare_session(f.users["member"]).await;
                        format!("/account/sessions/{sid}/revoke")
                    }
                    "/members/import/{id}/commit" => {
                        format!("/members/import/{}/commit", own("upload"))
                    }
                    "/verify/{token}" => format!("/verify/{}", own("letter_token")),
                    "/calendar/{token}" => format!("/calendar/{}.ics", own("calendar_token")),
                    _ => concrete,
                };
                let concrete = concrete
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
                let input = crate::matrix_bodies::Input {
                    target,
                    member: f.members[rel],
                    leaving,
                    elsewhere: f.objects.elsewhere,
                };
                let body = body_for(method, path, &input);
                let api = path.starts_with("/api/");
                let req = match (method.as_str(), api) {
                    ("GET", true) => match &session {
                        Some((tok, _)) => bearer_get(&concrete, tok),
                        None => get(&concrete, None),
                    },
                    ("GET", false) => get(&concrete, session.as_ref().map(|s| s.0.as_str())),
                    (_, true) => {
                        let json = json_for(method, path, &input);
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
    // A route nobody reaches cannot show a missing check: the fixture must hold its object.
    for (method, path) in &registered {
        let reached = ROLES[1..].iter().any(|role| {
            expected[&(method.clone(), path.clone(), (*role).to_owned())]
                .iter()
                .any(|cell| cell != "404")
        });
        if !reached {
            failures.push(format!(
                "{method} {path} answers 404 to every role and relation: the fixture lacks its object"
            ));
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
    let nb = zhibu::bots::rows::NewBot {
        org_id: org,
        name: "群",
        kind: "wecom",
        url: "http://127.0.0.1:9/h",
        secret: None,
        events: ",notice,",
    };
    let mut conn = t.app.db.conn().await.unwrap();
    zhibu::bots::rows::insert(&mut conn.exec(), &nb, None, t.app.now())
        .await
        .unwrap()
}
