//! Demo organisational life: this year's 三会一课 for every demo branch and 党小组, recorded
//! through the same services officers use (roll, check-ins, minutes, events), with a few
//! deliberate gaps so the compliance matrix has something to show, one meeting under way now
//! for trying the check-in screen, and one planned for tomorrow.

use time::{Date, Duration, OffsetDateTime, Time};

use crate::app::App;
use crate::audit::Actor;
use crate::auth::Scope;
use crate::meetings::minutes;
use crate::meetings::model::{Kind, Minutes, Period};
use crate::meetings::rows as roll_store;
use crate::meetings::service::{self, Plan};
use crate::orgs::model::{Org, OrgKind};
use crate::shared::clock::CHINA;

fn at(d: Date, h: u8, m: u8) -> OffsetDateTime {
    d.with_time(Time::from_hms(h, m, 0).unwrap_or(Time::MIDNIGHT))
        .assume_offset(CHINA)
}

fn plan(org: &Org, kinds: &[Kind], title: &str, start: OffsetDateTime, agenda: &[&str]) -> Plan {
    Plan {
        org_id: org.id,
        kinds: kinds.to_vec(),
        title: title.to_owned(),
        starts_at: Some(start),
        ends_at: Some(start + Duration::hours(2)),
        place: if org.kind() == OrgKind::Group {
            "党员活动室".into()
        } else {
            "三楼党员活动室".into()
        },
        host_name: "支部书记".into(),
        recorder_name: "组织委员".into(),
        agenda: agenda.iter().map(|s| (*s).to_owned()).collect(),
        guests: String::new(),
    }
}

/// Schedules, checks in most of the roll, and submits the minutes of a past meeting.
async fn held(app: &App, actor: &Actor, scope: &Scope, p: &Plan, seq: i64) -> anyhow::Result<()> {
    let id = service::schedule(app, actor, scope, p).await?;
    let mut tx = app.db.begin().await?;
    let start = p.starts_at.unwrap_or(OffsetDateTime::UNIX_EPOCH);
    for (i, a) in roll_store::roll(&mut tx.exec(), id)
        .await?
        .iter()
        .enumerate()
    {
        // About one in eight absent, varying by meeting.
        let i = i64::try_from(i).unwrap_or(0);
        if (i + seq) % 8 != 3 {
            roll_store::check_in(
                &mut tx.exec(),
                id,
                a.member_id,
                "qr",
                None,
                "",
                start + Duration::minutes(i % 20 - 10),
            )
            .await?;
        }
    }
    tx.commit().await?;
    let m = Minutes {
        speeches: "书记传达学习了上级有关会议精神，与会党员结合本职工作交流了学习体会。".into(),
        decisions: "按计划推进本月各项工作，组织委员做好会议记录归档。".into(),
        absence_notes: String::new(),
        votes: Vec::new(),
    };
    minutes::save(app, actor, scope, id, m, true, "").await?;
    Ok(())
}

/// Seeds the year so far. `orgs` are the demo organisations in their seeded order.
///
/// # Errors
/// Storage failures.
pub async fn seed(app: &App, orgs: &[Org]) -> anyhow::Result<usize> {
    let actor = Actor::cli("demo");
    let scope = Scope::operator();
    let now = app.now();
    let today = app.clock.today();
    let mut count = 0;
    let mut seq = 0;
    for (bi, b) in orgs
        .iter()
        .enumerate()
        .filter(|(_, o)| o.kind().is_branch())
    {
        let groups: Vec<&Org> = orgs.iter().filter(|g| g.parent_id == Some(b.id)).collect();
        for m in 1..u8::from(today.month()) {
            let p = Period::Month(today.year(), m);
            let d = |day: u8| p.start() + Duration::days(i64::from(day) - 1);
            // A couple of deliberate gaps: one branch misses two 主题党日, another a 支委会.
            let skip_theme = bi == 5 && (m == 7 || m == 9);
            let skip_committee = bi == 4 && m == 8;
            if !skip_committee {
                let pl = plan(
                    b,
                    &[Kind::BranchCommittee],
                    &format!("{m}月支委会"),
                    at(d(5), 9, 0),
                    &["研究本月工作安排"],
                );
                held(app, &actor, &scope, &pl, seq).await?;
                count += 1;
            }
            if !skip_theme {
                let pl = plan(
                    b,
                    &[Kind::ThemeDay],
                    &format!("{m}月主题党日"),
                    at(d(15), 14, 30),
                    &["集中学习", "志愿服务"],
                );
                held(app, &actor, &scope, &pl, seq + 1).await?;
                count += 1;
            }
            if m % 3 == 0 {
                let pl = plan(
                    b,
                    &[Kind::BranchGeneral, Kind::Lecture],
                    &format!("第{}季度党员大会暨党课", m / 3),
                    at(d(20), 14, 30),
                    &["书记讲党课", "通报本季度支部工作"],
                );
                held(app, &actor, &scope, &pl, seq + 2).await?;
                count += 1;
            }
            for g in &groups {
                let pl = plan(
                    g,
                    &[Kind::Group],
                    &format!("{m}月党小组会"),
                    at(d(10), 16, 0),
                    &["学习交流"],
                );
                held(app, &actor, &scope, &pl, seq + 3).await?;
                count += 1;
            }
            seq += 1;
        }
        // This month: the committee has met; a 主题党日 is under way now; one is planned tomorrow.
        if today.day() > 5 {
            let d =
                Period::Month(today.year(), u8::from(today.month())).start() + Duration::days(4);
            let pl = plan(
                b,
                &[Kind::BranchCommittee],
                "本月支委会",
                at(d, 9, 0),
                &["研究本月工作安排"],
            );
            held(app, &actor, &scope, &pl, seq).await?;
            count += 1;
        }
        if bi == 2 {
            let start = now - Duration::minutes(10);
            let pl = Plan {
                ends_at: Some(start + Duration::hours(2)),
                ..plan(
                    b,
                    &[Kind::ThemeDay, Kind::Lecture],
                    "主题党日暨专题党课",
                    start,
                    &["专题党课", "交流研讨"],
                )
            };
            service::schedule(app, &actor, &scope, &pl).await?;
            count += 1;
        }
        let pl = plan(
            b,
            &[Kind::BranchGeneral],
            "支部党员大会",
            at(today + Duration::days(1), 14, 30),
            &["讨论接收预备党员", "通报党费收缴情况"],
        );
        service::schedule(app, &actor, &scope, &pl).await?;
        count += 1;
    }
    Ok(count)
}
