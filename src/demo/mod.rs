//! The demo organisation: one 基层党委 with a 党总支, five 党支部 (党小组 in two of them), 120
//! fictitious members and an account for every role. Numbers are generated with valid check
//! digits but in region codes and phone blocks that are not issued, so they belong to nobody.
//! Generation is deterministic, so every demo looks the same.

use anyhow::bail;
use time::{Date, Duration, Month};

mod data;
mod meetings;
mod notices;
mod officers;

use crate::app::App;
use crate::audit::{self, Actor, AuditEvent};
use crate::auth::service::{self as auth_store, NewUser};
use crate::members::events::{self, NewEvent};
use crate::members::model::{EventKind, MemberFields};
use crate::members::{idcard, rows as member_store};
use crate::orgs::model::{Org, OrgKind, Post};
use crate::orgs::rows::{self as org_store, NewOrg};

/// The password of every demo account (documented in the README; demo databases only).
pub const DEMO_PASSWORD: &str = "Yanshi@2026!";

/// Demo accounts: username, display name (replaced by the person's name for accounts linked to
/// a member record), role code, index of their organisation in the
/// seeded list (`None` for the 三员).
pub const ACCOUNTS: &[(&str, &str, &str, Option<usize>)] = &[
    ("sysadmin", "王系统", "system_admin", None),
    ("secadmin", "李安全", "security_admin", None),
    ("auditor", "赵审计", "audit_admin", None),
    ("dwadmin", "陈组织", "org_admin", Some(0)),
    ("jg1shuji", "刘书记", "officer", Some(2)),
    ("jg2shuji", "周书记", "officer", Some(3)),
    ("dangyuan", "党员", "member", Some(2)),
];

use data::{EDUCATION, GIVEN, JOBS, PLACES, SURNAMES};

/// A small deterministic generator (no external randomness: the demo is reproducible).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next()).unwrap_or(0) % n.max(1)
    }
}

fn date(y: i32, m: u8, d: u8) -> Date {
    Date::from_calendar_date(y, Month::try_from(m).unwrap_or(Month::January), d)
        .unwrap_or(Date::MIN)
}

/// Seeds the demo organisation into an empty database and marks it as demo data.
///
/// # Errors
/// When the database already holds accounts or organisations, or on storage failures.
pub async fn seed(app: &App) -> anyhow::Result<()> {
    if auth_store::count_users(&mut app.db.conn().await?.exec()).await? > 0 {
        bail!("数据库中已有账号，只能向空数据库填充演示数据");
    }
    let now = app.now();
    let today = app.clock.today();
    let hasher = app.hasher;
    let hash = tokio::task::spawn_blocking(move || hasher.hash(DEMO_PASSWORD)).await??;
    let mut tx = app.db.begin().await?;
    let orgs = seed_orgs(&mut tx, now).await?;
    let members = seed_members(&mut tx, &app.keys, &orgs, today, now).await?;
    let officers = officers::seed(&mut tx, &orgs, &members, today, now).await?;
    for (username, name, role, org) in ACCOUNTS {
        let org_id = org.map(|i| orgs[i].id);
        // A branch's 书记 signs in with their own record; the member account is an ordinary
        // member of the branch, not one of its officers.
        let member_id = match *role {
            "officer" => officers
                .iter()
                .find(|(o, _, p)| Some(*o) == org_id && *p == Post::Secretary)
                .map(|(_, m, _)| *m),
            "member" => members
                .iter()
                .filter(|m| Some(m.1) == org_id)
                .map(|m| m.0)
                .find(|id| !officers.iter().any(|(_, o, _)| o == id)),
            _ => None,
        };
        // An account linked to a record carries the person's name, as pages greet and sign by it.
        let shown = member_id
            .and_then(|id| members.iter().find(|m| m.0 == id))
            .map_or(*name, |m| m.2.as_str());
        let nu = NewUser {
            username,
            display_name: shown,
            password_hash: &hash,
            role,
            org_id,
            member_id,
            must_change_password: false,
        };
        auth_store::insert_user(&mut tx.exec(), &nu, now).await?;
    }
    auth_store::put_setting(&mut tx.exec(), "demo", "true").await?;
    let ev = AuditEvent::success("system.demo", "system", "").detail(format!(
        "{} 个组织，{} 名党员",
        orgs.len(),
        members.len()
    ));
    audit::record(&mut tx, &Actor::cli("demo"), now, ev).await?;
    tx.commit().await?;
    meetings::seed(app, &orgs).await?;
    notices::seed(app, &orgs).await?;
    app.set_demo(true);
    Ok(())
}

/// Seeded organisations in a fixed order: 0 党委, 1 党总支, 2–3 机关支部 (siblings), 4–5 总支下支部,
/// 6 离退休支部, then the 党小组.
async fn seed_orgs(tx: &mut crate::db::Tx, now: time::OffsetDateTime) -> anyhow::Result<Vec<Org>> {
    type Planned<'a> = (Option<usize>, OrgKind, &'a str, Option<&'a str>, Date);
    let plan: &[Planned<'_>] = &[
        (
            None,
            OrgKind::Committee,
            "明湖区科技局机关党委",
            Some("科技局机关党委"),
            date(2012, 7, 1),
        ),
        (
            Some(0),
            OrgKind::GeneralBranch,
            "明湖区科技信息中心党总支",
            Some("信息中心党总支"),
            date(2015, 3, 18),
        ),
        (
            Some(0),
            OrgKind::Branch,
            "科技局机关第一党支部",
            Some("机关一支部"),
            date(2012, 7, 1),
        ),
        (
            Some(0),
            OrgKind::Branch,
            "科技局机关第二党支部",
            Some("机关二支部"),
            date(2012, 7, 1),
        ),
        (
            Some(1),
            OrgKind::Branch,
            "信息中心第一党支部",
            Some("信息一支部"),
            date(2015, 4, 2),
        ),
        (
            Some(1),
            OrgKind::Branch,
            "信息中心第二党支部",
            Some("信息二支部"),
            date(2015, 4, 2),
        ),
        (
            Some(0),
            OrgKind::Branch,
            "科技局离退休干部党支部",
            Some("离退休支部"),
            date(2016, 9, 9),
        ),
        (
            Some(2),
            OrgKind::Group,
            "综合科室党小组",
            None,
            date(2018, 1, 10),
        ),
        (
            Some(2),
            OrgKind::Group,
            "业务科室党小组",
            None,
            date(2018, 1, 10),
        ),
        (
            Some(4),
            OrgKind::Group,
            "网络运维党小组",
            None,
            date(2019, 5, 6),
        ),
        (
            Some(4),
            OrgKind::Group,
            "软件开发党小组",
            None,
            date(2019, 5, 6),
        ),
    ];
    let mut out: Vec<Org> = Vec::new();
    for (i, (parent, kind, name, short, est)) in plan.iter().enumerate() {
        let p = parent.map(|p| out[p].clone());
        let new = NewOrg {
            kind: kind.code(),
            name,
            short_name: *short,
            established_on: Some(*est),
            sort_order: i64::try_from(i).unwrap_or(0),
        };
        let id = org_store::insert(&mut tx.exec(), p.as_ref(), &new, now).await?;
        out.push(org_store::get(&mut tx.exec(), id).await?);
    }
    Ok(out)
}

/// Returns `(member id, branch id, name)` for every seeded member.
async fn seed_members(
    tx: &mut crate::db::Tx,
    keys: &crate::shared::crypto::KeyRing,
    orgs: &[Org],
    today: Date,
    now: time::OffsetDateTime,
) -> anyhow::Result<Vec<(i64, i64, String)>> {
    // Branch index, member count, groups of that branch, whether retirees.
    let plan: &[(usize, usize, &[usize], bool)] = &[
        (2, 30, &[7, 8], false),
        (3, 22, &[], false),
        (4, 26, &[9, 10], false),
        (5, 20, &[], false),
        (6, 22, &[], true),
    ];
    let mut rng = Lcg(20_261_128);
    let mut out = Vec::new();
    let mut seq = 0u32;
    for (branch, count, groups, retired) in plan {
        for i in 0..*count {
            seq += 1;
            let male = rng.below(5) < 3;
            let name = format!(
                "{}{}{}",
                SURNAMES[rng.below(SURNAMES.len())],
                GIVEN[rng.below(GIVEN.len())],
                if rng.below(3) == 0 {
                    ""
                } else {
                    GIVEN[rng.below(GIVEN.len())]
                }
            );
            let (lo, span) = if *retired { (1944, 16) } else { (1968, 32) };
            let year = lo + i32::try_from(rng.below(span)).unwrap_or(0);
            let birth = date(
                year,
                u8::try_from(1 + rng.below(12)).unwrap_or(1),
                u8::try_from(1 + rng.below(28)).unwrap_or(1),
            );
            let region = ["119901", "119902", "119903"][rng.below(3)];
            let order = u32::try_from(rng.below(499)).unwrap_or(0) * 2 + u32::from(male);
            let body = format!(
                "{region}{:04}{:02}{:02}{:03}",
                birth.year(),
                u8::from(birth.month()),
                birth.day(),
                order
            );
            let id_number = format!("{body}{}", idcard::check_char(&body).unwrap_or('0'));
            let probationary = !*retired && i % 9 == 4;
            let joined_on = if probationary {
                today - Duration::days(60 + i64::try_from(rng.below(250)).unwrap_or(0))
            } else {
                let age_at_join = 20 + i32::try_from(rng.below(14)).unwrap_or(0);
                let j = date(
                    birth.year() + age_at_join,
                    u8::try_from(1 + rng.below(12)).unwrap_or(1),
                    u8::try_from(1 + rng.below(28)).unwrap_or(1),
                );
                if j > today - Duration::days(800) {
                    today - Duration::days(800)
                } else {
                    j
                }
            };
            let converted_on = (!probationary).then(|| crate::orgs::model::term_end(joined_on, 1));
            let education = EDUCATION[rng.below(EDUCATION.len())];
            let degree = match education {
                "博士研究生" => Some("博士".to_owned()),
                "硕士研究生" => Some("硕士".to_owned()),
                "大学本科" => Some("学士".to_owned()),
                _ => None,
            };
            let mobile = !*retired && seq % 37 == 5;
            let lost_contact = seq == 101;
            let f = MemberFields {
                name: name.clone(),
                gender: if male { "male" } else { "female" },
                id_number,
                birth_date: birth,
                ethnicity: [
                    "汉族",
                    "汉族",
                    "汉族",
                    "汉族",
                    "汉族",
                    "回族",
                    "满族",
                    "蒙古族",
                ][rng.below(8)]
                .to_owned(),
                education: education.to_owned(),
                degree,
                joined_on,
                converted_on,
                job_title: Some(if *retired {
                    "退休干部".to_owned()
                } else {
                    JOBS[rng.below(JOBS.len())].to_owned()
                }),
                phone: Some(format!("1700000{seq:04}")),
                native_place: Some(PLACES[rng.below(PLACES.len())].to_owned()),
                employer: Some(if *retired {
                    "明湖区科技局（已退休）".to_owned()
                } else {
                    format!(
                        "明湖区科技局 {}",
                        orgs[*branch].short_name.as_deref().unwrap_or("")
                    )
                }),
                work_started_on: Some(crate::orgs::model::term_end(birth, 22)),
                address: None,
                party_post: None,
                lost_contact,
                lost_contact_on: lost_contact.then(|| today - Duration::days(220)),
                mobile,
                mobile_destination: mobile.then(|| "广东省深圳市（外出务工）".to_owned()),
            };
            let group = if groups.is_empty() {
                None
            } else {
                Some(orgs[groups[i % groups.len()]].id)
            };
            let category = if probationary { "probationary" } else { "full" };
            let id = member_store::insert(
                &mut tx.exec(),
                keys,
                orgs[*branch].id,
                group,
                category,
                &f,
                now,
            )
            .await?;
            // History: members who joined after the branch was set up were developed there;
            // the others were registered when it was set up.
            let established = orgs[*branch].established_on.unwrap_or(joined_on);
            let mut history = vec![if joined_on >= established {
                (EventKind::Develop, joined_on, Some(orgs[*branch].id))
            } else {
                (EventKind::Register, established, Some(orgs[*branch].id))
            }];
            if let Some(c) = converted_on.filter(|c| *c >= established) {
                history.push((EventKind::Convert, c, None));
            }
            for (kind, on, to) in history {
                let ev = NewEvent {
                    member_id: id,
                    kind,
                    occurred_on: on,
                    from_org_id: None,
                    to_org_id: to,
                    note: "",
                    recorded_by: None,
                    recorded_by_name: "演示数据",
                };
                events::insert(&mut tx.exec(), &ev, now).await?;
            }
            out.push((id, orgs[*branch].id, name));
        }
    }
    Ok(out)
}
