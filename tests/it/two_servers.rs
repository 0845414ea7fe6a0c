//! Two `zhibu serve` processes on one `PostgreSQL` database, both running the background jobs,
//! as a deployment behind a load balancer runs them. Each scheduled job runs once per due time
//! (one `job_runs` row per due time, none skipped, each started in its own period); a check-in
//! burst that sends every member to both servers at once records each member once; the
//! automatic points of that meeting post once although both servers run the consumer; and each
//! group-bot message reaches the stand-in webhook once.
//!
//! The data is written before the servers start, through the library on the test's own
//! connection, with the key file both servers then load; everything under test goes through
//! the servers' HTTP API and their jobs.

use std::collections::BTreeMap;

use reqwest::{Client, Method};
use serde_json::json;
use time::OffsetDateTime;
use zhibu::jobs::Schedule;
use zhibu::orgs::model::OrgKind;

use crate::support::{Backend, TestApp, fresh_db, test_config};
use crate::two_servers_support::{
    KeyDir, Server, api, now, pg, pid_of, scalar, start, stop, until, verify_audit,
};

const MEMBERS: u32 = 40;
const GET: Method = Method::GET;
const POST: Method = Method::POST;
const PUT: Method = Method::PUT;
/// Meetings scheduled, alternating servers; each queues one bot message.
const MEETINGS: usize = 6;

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// The data the servers find: a branch with an officer and [`MEMBERS`] members, each with an
/// account and a session. Returns (branch id, officer token, member tokens).
async fn seed(t: &TestApp) -> (i64, String, Vec<(i64, String)>) {
    // Written at the real time, since the servers run on the system clock.
    t.clock.advance(now() - t.app.now());
    let committee = t.org(None, OrgKind::Committee, "机关党委").await;
    let branch = t.org(Some(&committee), OrgKind::Branch, "第一党支部").await;
    let officer = t.user("shuji", "officer", Some(branch.id)).await;
    let mut members = Vec::new();
    for i in 0..MEMBERS {
        let m = t.member(branch.id, None, i).await;
        let u = t
            .linked_user(&format!("dy{i}"), "member", Some(branch.id), Some(m))
            .await;
        members.push((m, t.session(u).await.0));
    }
    (branch.id, t.session(officer).await.0, members)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(zhibu_pg), ignore = "needs ZHIBU_TEST_PG_URL (PostgreSQL)")]
async fn two_servers_share_one_database_and_do_everything_once() {
    let (url, guard) = fresh_db(Backend::Postgres).await;
    let t = TestApp::with_config(test_config(&url), guard).await;
    let (branch, officer, members) = seed(&t).await;
    let dir = KeyDir::new();
    let key_file = dir.0.join("zhibu.keys");
    zhibu::shared::crypto::keyfile::save(&t.app.keys, &key_file).unwrap();
    let started = now();
    // Declared after `t` and `dir`, so the servers are stopped before the database is dropped.
    let (mut servers, http) = start(&url, &key_file).await;
    let ready = now();
    let ports = servers.each_ref().map(|s| s.port);
    let pids = servers.each_ref().map(|s| s.child.id());

    // A bot of the branch forwarding meeting plans, posting to the stand-in.
    let hook = crate::bots_support::start().await;
    let bot = json!({"name": "支部群", "kind": "wecom", "webhook_url": hook.url,
        "events": ["meeting_scheduled"]});
    let path = format!("/api/v1/orgs/{branch}/bots");
    let (s, v) = api(
        http.clone(),
        ports[0],
        POST,
        path,
        officer.clone(),
        Some(bot),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let meeting = plan_meetings(&http, ports, branch, &officer).await;
    check_in_on_both(&t, &http, ports, meeting, (&officer, &members)).await;
    // Submitting the minutes publishes each attendance; both consumers race for the events.
    let minutes = json!({"speeches": "大家发言", "decisions": "同意", "submit": true});
    let path = format!("/api/v1/meetings/{meeting}/minutes");
    let (s, v) = api(http.clone(), ports[1], PUT, path, officer, Some(minutes)).await;
    assert_eq!((s, v["saved"].as_str()), (200, Some("submitted")), "{v}");
    check_points(&t, &members).await;
    check_bot_messages(&t, &hook).await;
    hand_over(&t, &mut servers).await;
    check_job_runs(&t, pids, (started, ready)).await;

    // The audit chain both servers appended to is whole.
    drop(servers);
    verify_audit(&url, &key_file);
}

/// Plans [`MEETINGS`] meetings on the two servers at once (each queues a bot message) and
/// returns the first, which is under way.
async fn plan_meetings(http: &Client, ports: [u16; 2], branch: i64, officer: &str) -> i64 {
    let at = now();
    let mut plans = tokio::task::JoinSet::new();
    for i in 0..MEETINGS {
        let body = json!({"org_id": branch, "kinds": ["branch_general", "lecture"],
            "title": format!("第{i}次会议（双服务器）"), "place": "三楼会议室", "host_name": "王书记",
            "starts_at": rfc3339(at - time::Duration::minutes(5)),
            "ends_at": rfc3339(at + time::Duration::hours(1))});
        let call = api(
            http.clone(),
            ports[i % 2],
            POST,
            "/api/v1/meetings".into(),
            officer.to_owned(),
            Some(body),
        );
        plans.spawn(async move { (i, call.await) });
    }
    let mut ids = BTreeMap::new();
    for (i, (s, v)) in plans.join_all().await {
        assert_eq!(s, 201, "meeting {i}: {v}");
        ids.insert(i, v["id"].as_i64().unwrap());
    }
    ids[&0]
}

/// Every member scans the code on both servers at the same moment: one scan of each is
/// recorded, the other is told it already was.
async fn check_in_on_both(
    t: &TestApp,
    http: &Client,
    ports: [u16; 2],
    meeting: i64,
    (officer, members): (&str, &[(i64, String)]),
) {
    let path = format!("/api/v1/meetings/{meeting}/checkin-code");
    let (s, v) = api(http.clone(), ports[1], GET, path, officer.to_owned(), None).await;
    assert_eq!(s, 200, "{v}");
    let code = json!({"code": v["code"]});
    let mut scans = tokio::task::JoinSet::new();
    for (member, token) in members {
        for port in ports {
            let path = format!("/api/v1/meetings/{meeting}/checkin");
            let call = api(
                http.clone(),
                port,
                POST,
                path,
                token.clone(),
                Some(code.clone()),
            );
            let member = *member;
            scans.spawn(async move { (member, call.await) });
        }
    }
    let mut outcomes: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (member, (s, v)) in scans.join_all().await {
        assert_eq!(s, 200, "member {member}: {v}");
        let o = v["status"].as_str().unwrap_or_default().to_owned();
        outcomes.entry(member).or_default().push(o);
    }
    assert_eq!(outcomes.len(), members.len());
    for (member, mut o) in outcomes {
        o.sort();
        assert_eq!(o, ["already_checked_in", "checked_in"], "member {member}");
    }
    let present = format!(
        "SELECT count(*) FROM meeting_attendees WHERE meeting_id = {meeting} AND status = 'present' AND method = 'qr'"
    );
    assert_eq!(scalar(t, &present).await, i64::from(MEMBERS));
    assert_eq!(t.audit_count("meeting.checkin").await, i64::from(MEMBERS));
}

/// Once the consumers have read every event, each member has the meeting's two attendance
/// items posted once.
async fn check_points(t: &TestApp, members: &[(i64, String)]) {
    until("the points consumer to read every event", || async {
        let mut c = t.app.db.conn().await.ok()?;
        let (name, topics) = (
            zhibu::points::service::CONSUMER,
            zhibu::points::service::TOPICS,
        );
        let pending = zhibu::events::oldest_pending(&mut c.exec(), name, topics)
            .await
            .ok()?;
        pending.is_none().then_some(())
    })
    .await;
    let posted: Vec<(i64, String, i64, i64)> = sqlx::query_as(
        "SELECT member_id, item_code, count(*), CAST(sum(points) AS BIGINT) FROM point_entries
         GROUP BY member_id, item_code ORDER BY member_id, item_code",
    )
    .fetch_all(pg(t))
    .await
    .unwrap();
    let want: Vec<(i64, String, i64, i64)> = members
        .iter()
        .flat_map(|(m, _)| {
            [
                (*m, "attend_general".into(), 1, 3),
                (*m, "attend_lecture".into(), 1, 2),
            ]
        })
        .collect();
    assert_eq!(posted, want, "each member's attendance points posted once");
    assert_eq!(scalar(t, "SELECT count(*) FROM failed_events").await, 0);
}

/// Every message is sent at the first attempt and, after one more delivery run finished
/// (a second send of any would have reached the hook by then), the hook saw each once.
async fn check_bot_messages(t: &TestApp, hook: &crate::bots_support::Hook) {
    let total = i64::try_from(MEETINGS).unwrap();
    assert_eq!(
        scalar(t, "SELECT count(*) FROM bot_deliveries").await,
        total
    );
    let all_sent = until("every bot message to be sent", || async {
        let sent = scalar(
            t,
            "SELECT count(*) FROM bot_deliveries WHERE status = 'sent'",
        )
        .await;
        (sent == total).then(now)
    })
    .await;
    until("a delivery run after the last send", || async {
        let sql = "SELECT count(*) FROM job_runs WHERE name = 'bots.delivery' AND started_at > $1
            AND finished_at IS NOT NULL";
        let n: i64 = sqlx::query_scalar(sql)
            .bind(all_sent)
            .fetch_one(pg(t))
            .await
            .unwrap();
        (n > 0).then_some(())
    })
    .await;
    let once = "SELECT count(*) FROM bot_deliveries WHERE attempts = 1";
    assert_eq!(scalar(t, once).await, total);
    let seen: Vec<String> = hook
        .seen()
        .iter()
        .map(|(_, body)| body.to_string())
        .collect();
    assert_eq!(
        seen.len(),
        MEETINGS,
        "one webhook request per message: {seen:#?}"
    );
    for i in 0..MEETINGS {
        let title = format!("第{i}次会议（双服务器）");
        assert_eq!(
            seen.iter().filter(|b| b.contains(&title)).count(),
            1,
            "{title}"
        );
    }
}

/// Stops, as an orchestrator does, the server that ran the latest delivery, and waits until
/// the other has run the job: scheduled jobs do not depend on any one server staying up.
async fn hand_over(t: &TestApp, servers: &mut [Server; 2]) {
    const LATEST: &str =
        "SELECT holder FROM job_runs WHERE name = 'bots.delivery' ORDER BY due_at DESC LIMIT 1";
    let holder: String = sqlx::query_scalar(LATEST).fetch_one(pg(t)).await.unwrap();
    let ran = servers
        .iter()
        .position(|s| s.child.id().to_string() == pid_of(&holder));
    let ran = ran.unwrap_or_else(|| panic!("run by {holder}"));
    stop(&mut servers[ran]).await;
    let stopped = now();
    let other = format!("%:{}:%", servers[1 - ran].child.id());
    until("the other server to take the delivery job over", || async {
        let sql = "SELECT count(*) FROM job_runs WHERE name = 'bots.delivery' AND holder LIKE $1
            AND started_at > $2 AND finished_at IS NOT NULL";
        let n: i64 = sqlx::query_scalar(sql)
            .bind(&other)
            .bind(stopped)
            .fetch_one(pg(t))
            .await
            .unwrap();
        (n > 0).then_some(())
    })
    .await;
}

/// Two servers started together on an empty database both come up: one creates the first
/// administrator and prints the password, the other finds it made; both use the key file the
/// first of them wrote, and the account signs in on either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(zhibu_pg), ignore = "needs ZHIBU_TEST_PG_URL (PostgreSQL)")]
async fn two_servers_start_together_on_an_empty_database() {
    let (url, _guard) = fresh_db(Backend::Postgres).await;
    let dir = KeyDir::new();
    let (servers, http) = start(&url, &dir.0.join("zhibu.keys")).await;
    let printed = servers.iter().flat_map(|s| &s.printed);
    let passwords: Vec<&str> = printed
        .filter_map(|l| l.trim().strip_prefix("一次性密码："))
        .collect();
    assert_eq!(passwords.len(), 1, "one first administrator: {passwords:?}");
    let login = json!({"username": "admin", "password": passwords[0]}).to_string();
    for s in &servers {
        let url = format!("http://127.0.0.1:{}/api/v1/auth/login", s.port);
        let res = http
            .post(url)
            .header("content-type", "application/json")
            .body(login.clone());
        assert_eq!(res.send().await.unwrap().status().as_u16(), 200);
    }
}

/// A row of `job_runs`.
#[derive(sqlx::FromRow)]
struct Run {
    due_at: OffsetDateTime,
    holder: String,
    started_at: OffsetDateTime,
    finished_at: Option<OffsetDateTime>,
    error: String,
}

/// Every scheduled job of the registry: one row per due time, due times on the job's interval
/// from the one the servers started in with none skipped since, each run started within its
/// own period (a takeover after a lost lease would start it later), finished without error
/// (but for the last, which may still be running), and run by one of the two servers; the
/// delivery job by each, before and after the hand-over.
async fn check_job_runs(
    t: &TestApp,
    pids: [u32; 2],
    (started, ready): (OffsetDateTime, OffsetDateTime),
) {
    let pids = pids.map(|p| p.to_string());
    let now = now().unix_timestamp();
    let mut by_server = BTreeMap::<String, usize>::new();
    for job in zhibu::jobs::registry::all(&t.app) {
        let Schedule::Once(every) = job.schedule() else {
            continue;
        };
        let name = job.name();
        let step = i64::try_from(every.as_secs()).unwrap();
        let floor = |secs: i64| secs - secs.rem_euclid(step);
        let rows: Vec<Run> = sqlx::query_as(
            "SELECT due_at, holder, started_at, finished_at, error FROM job_runs WHERE name = $1 ORDER BY due_at",
        )
        .bind(name)
        .fetch_all(pg(t))
        .await
        .unwrap();
        let dues: Vec<i64> = rows.iter().map(|r| r.due_at.unix_timestamp()).collect();
        // Jobs take their first tick as the server starts listening; one due time of slack
        // for a first tick that a loaded machine runs just after a boundary.
        let first = *dues.first().unwrap_or_else(|| panic!("{name} never ran"));
        let latest_first = floor(ready.unix_timestamp()) + step;
        assert!(
            (floor(started.unix_timestamp())..=latest_first).contains(&first),
            "{name}: first due time {first}, servers started at {started} and were ready at {ready}"
        );
        // Every due time since, except the current one, which may not have been reached yet.
        let expected: Vec<i64> = (first..=floor(now))
            .step_by(usize::try_from(step).unwrap())
            .collect();
        let ran_all = dues == expected || dues == expected[..expected.len() - 1];
        assert!(ran_all, "{name}: due times {dues:?}, expected {expected:?}");
        for (i, r) in rows.iter().enumerate() {
            let due = r.due_at;
            assert!(
                r.started_at >= due && r.started_at < due + every,
                "{name} {due}: started at {}",
                r.started_at
            );
            let pid = pid_of(&r.holder);
            assert!(pids.iter().any(|p| p == pid), "{name}: run by {}", r.holder);
            // The last may still be running.
            let running = r.finished_at.is_none() && i + 1 == rows.len();
            assert!(
                running || (r.finished_at.is_some() && r.error.is_empty()),
                "{name} {due}: {:?} {}",
                r.finished_at,
                r.error
            );
            *by_server.entry(format!("{name} on {pid}")).or_default() += 1;
        }
    }
    eprintln!("job runs per server (pids {pids:?}): {by_server:#?}");
    for pid in &pids {
        let key = format!("bots.delivery on {pid}");
        assert!(
            by_server.contains_key(&key),
            "each server ran the delivery job"
        );
    }
}
