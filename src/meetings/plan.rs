//! What an officer enters when planning a meeting, its checks, and the row it becomes. No IO.

use time::{Duration, OffsetDateTime};

use crate::shared::text::char_len;

use super::model::Kind;
use super::store::NewMeeting;

/// What an officer enters when planning a meeting.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Organisation.
    pub org_id: i64,
    /// Kinds it counts as.
    pub kinds: Vec<Kind>,
    /// Title; defaults to the first kind's name.
    pub title: String,
    /// Start.
    pub starts_at: Option<OffsetDateTime>,
    /// End.
    pub ends_at: Option<OffsetDateTime>,
    /// Place.
    pub place: String,
    /// 主持人.
    pub host_name: String,
    /// 记录人.
    pub recorder_name: String,
    /// 议题.
    pub agenda: Vec<String>,
    /// 列席人员.
    pub guests: String,
}

/// Checks a plan, listing every problem as (field, message).
fn check_plan(p: &Plan) -> Result<(OffsetDateTime, OffsetDateTime), Vec<(&'static str, String)>> {
    let mut errs = Vec::new();
    if p.kinds.is_empty() {
        errs.push(("kinds", "请选择会议类型".to_owned()));
    }
    if char_len(&p.title) > 100 {
        errs.push(("title", "会议名称不能超过 100 字".to_owned()));
    }
    for (f, v, max) in [
        ("place", &p.place, 100),
        ("host_name", &p.host_name, 50),
        ("recorder_name", &p.recorder_name, 50),
        ("guests", &p.guests, 500),
    ] {
        if char_len(v) > max {
            errs.push((f, format!("不能超过 {max} 字")));
        }
    }
    if p.place.trim().is_empty() {
        errs.push(("place", "请填写会议地点".to_owned()));
    }
    if p.host_name.trim().is_empty() {
        errs.push(("host_name", "请填写主持人".to_owned()));
    }
    if p.agenda.len() > 30 || p.agenda.iter().any(|a| char_len(a) > 200) {
        errs.push(("agenda", "议题最多 30 项，每项不超过 200 字".to_owned()));
    }
    let times = match (p.starts_at, p.ends_at) {
        (Some(s), Some(e)) if e > s && e - s <= Duration::days(3) => Some((s, e)),
        (Some(_), Some(_)) => {
            errs.push((
                "ends_at",
                "结束时间须晚于开始时间，且会议不超过 3 天".to_owned(),
            ));
            None
        }
        (None, _) => {
            errs.push(("starts_at", "请填写开始时间".to_owned()));
            None
        }
        (_, None) => {
            errs.push(("ends_at", "请填写结束时间".to_owned()));
            None
        }
    };
    match times {
        Some(t) if errs.is_empty() => Ok(t),
        _ => Err(errs),
    }
}

/// Field problems as one Chinese message.
fn fields_message(errs: &[(&str, String)]) -> String {
    errs.iter()
        .map(|(_, m)| m.as_str())
        .collect::<Vec<_>>()
        .join("；")
}

/// A plan that passed its checks, ready to store.
#[derive(Debug, Clone)]
pub struct Checked {
    /// Start.
    pub starts_at: OffsetDateTime,
    /// End.
    pub ends_at: OffsetDateTime,
    /// Title (the first kind's name when none was given).
    pub title: String,
    /// 议题 as a JSON array.
    pub agenda: String,
}

impl Plan {
    /// Checks the plan; the message lists every problem.
    ///
    /// # Errors
    /// A Chinese message when anything is wrong.
    pub fn check(&self) -> Result<Checked, String> {
        let (starts_at, ends_at) = check_plan(self).map_err(|e| fields_message(&e))?;
        let t = self.title.trim();
        let title = if t.is_empty() {
            self.kinds.first().map_or("会议", |k| k.label()).to_owned()
        } else {
            t.to_owned()
        };
        let agenda = serde_json::to_string(&self.agenda).unwrap_or_else(|_| "[]".into());
        Ok(Checked {
            starts_at,
            ends_at,
            title,
            agenda,
        })
    }
}

impl Checked {
    /// The row to store for organisation `org_id`.
    #[must_use]
    pub fn row<'a>(
        &'a self,
        p: &'a Plan,
        org_id: i64,
        checkin_key: &'a str,
        by: Option<i64>,
    ) -> NewMeeting<'a> {
        NewMeeting {
            org_id,
            title: &self.title,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            place: p.place.trim(),
            host_name: p.host_name.trim(),
            recorder_name: p.recorder_name.trim(),
            agenda: &self.agenda,
            guests: p.guests.trim(),
            checkin_key,
            created_by: by,
        }
    }
}

/// Whether an organisation of `org` kind may hold meetings of these kinds: a 支部党员大会 and a
/// 支委会 are a branch's (MEET-01, MEET-02), a 党小组会 is a 党小组's own (MEET-03), so that it
/// counts for that group; whatever passes a vote on 接收预备党员 or 转正 is then a branch's
/// 党员大会.
///
/// # Errors
/// The first kind that does not fit, in the user's words with its article.
pub fn kinds_fit(org: crate::orgs::model::OrgKind, kinds: &[Kind]) -> Result<(), String> {
    for k in kinds {
        match k {
            Kind::BranchGeneral | Kind::BranchCommittee if !org.is_branch() => {
                let article = if *k == Kind::BranchGeneral {
                    "第十一条"
                } else {
                    "第十二条"
                };
                return Err(format!(
                    "只有党支部召开{}，{}不能召开（《中国共产党支部工作条例（试行）》{article}）",
                    k.label(),
                    org.label()
                ));
            }
            Kind::Group if org != crate::orgs::model::OrgKind::Group => {
                return Err(format!(
                    "党小组会由党小组召开，请在相应党小组下安排，{}不能召开（《中国共产党支部工作条例（试行）》第十三条）",
                    org.label()
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod kind_tests {
    use super::*;
    use crate::orgs::model::OrgKind;

    #[test]
    fn meet_01_03_each_organisation_holds_its_own_meetings() {
        assert!(kinds_fit(OrgKind::Branch, &[Kind::BranchGeneral, Kind::Lecture]).is_ok());
        assert!(kinds_fit(OrgKind::Group, &[Kind::Group, Kind::ThemeDay]).is_ok());
        let e = kinds_fit(OrgKind::Group, &[Kind::BranchGeneral]).unwrap_err();
        assert!(e.contains("第十一条") && !e.contains("MEET"), "{e}");
        assert!(kinds_fit(OrgKind::Committee, &[Kind::BranchCommittee]).is_err());
        assert!(kinds_fit(OrgKind::Branch, &[Kind::Group]).is_err());
        assert!(kinds_fit(OrgKind::Committee, &[Kind::Lecture]).is_ok());
    }
}
