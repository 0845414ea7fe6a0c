//! The compliance engine: for an organisation, a meeting kind and a period, what the cadence
//! rules require, which meetings were held, and the resulting status. It answers only from the
//! meetings on record and the rules in force, never from a flag someone sets. No IO.

use std::collections::HashMap;

use serde::Serialize;
use time::Date;

use super::model::{Cadence, Granularity, Kind, Period};

/// The outcome for one organisation, kind and period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ComplianceStatus)]
pub enum Status {
    /// 已完成.
    Done,
    /// 未完成: a period ended without enough meetings.
    Missed,
    /// 进行中: the period is running and not yet met.
    InProgress,
    /// 未开始: the period lies ahead.
    NotStarted,
    /// 不适用: no rule, or the organisation did not exist then, or needs no committee.
    NotApplicable,
}

impl Status {
    /// Chinese word shown beside the colour (ui.md: never colour alone).
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Done => "已完成",
            Self::Missed => "未完成",
            Self::InProgress => "进行中",
            Self::NotStarted => "未开始",
            Self::NotApplicable => "不适用",
        }
    }
    /// One-character mark for the year matrix, explained by its legend.
    #[must_use]
    pub fn mark(self) -> &'static str {
        match self {
            Self::Done => "✓",
            Self::Missed => "✗",
            Self::InProgress => "◐",
            Self::NotStarted => "○",
            Self::NotApplicable => "—",
        }
    }
    /// CSS class suffix.
    #[must_use]
    pub fn css(self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::Missed => "missed",
            Self::InProgress => "progress",
            Self::NotStarted => "future",
            Self::NotApplicable => "na",
        }
    }

    /// Combines statuses of parts: any miss is a miss; all done is done.
    #[must_use]
    pub fn combine(parts: impl IntoIterator<Item = Status>) -> Status {
        let parts: Vec<Status> = parts
            .into_iter()
            .filter(|s| *s != Self::NotApplicable)
            .collect();
        if parts.is_empty() {
            Self::NotApplicable
        } else if parts.contains(&Self::Missed) {
            Self::Missed
        } else if parts.iter().all(|s| *s == Self::Done) {
            Self::Done
        } else if parts.iter().all(|s| *s == Self::NotStarted) {
            Self::NotStarted
        } else {
            Self::InProgress
        }
    }
}

/// An organisation as the engine sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Unit {
    /// Id.
    pub id: i64,
    /// Parent id.
    pub parent_id: Option<i64>,
    /// Name.
    pub name: String,
    /// Kind code.
    pub kind: String,
    /// Materialised path.
    pub path: String,
    /// 成立日期.
    pub established_on: Option<Date>,
    /// Day it was dissolved (China time), if it was.
    pub dissolved_on: Option<Date>,
    /// Whether it must have a 支部委员会 (seven or more 正式党员, ORG-08); without that duty the
    /// 支委会 rule does not apply, however many officers are recorded.
    pub has_committee: bool,
}

impl Unit {
    fn exists_during(&self, p: Period) -> bool {
        self.established_on.is_none_or(|d| d <= p.end())
            && self.dissolved_on.is_none_or(|d| d >= p.start())
    }
}

/// A meeting as the engine sees it: one row per kind it counts as.
#[derive(Debug, Clone, Copy)]
pub struct Occurrence {
    /// Meeting id.
    pub id: i64,
    /// Organisation.
    pub org_id: i64,
    /// Kind.
    pub kind: Kind,
    /// Date in China time.
    pub on: Date,
    /// Minutes submitted (counts as held); otherwise planned.
    pub held: bool,
}

/// Meetings by organisation and kind, sorted by date, for range counts.
#[derive(Debug, Default)]
pub struct Index(HashMap<(i64, Kind), Vec<Occurrence>>);

impl Index {
    /// Builds the index.
    #[must_use]
    pub fn new(rows: impl IntoIterator<Item = Occurrence>) -> Self {
        let mut map: HashMap<(i64, Kind), Vec<Occurrence>> = HashMap::new();
        for o in rows {
            map.entry((o.org_id, o.kind)).or_default().push(o);
        }
        for v in map.values_mut() {
            v.sort_by_key(|o| (o.on, o.id));
        }
        Self(map)
    }

    fn within(&self, org: i64, kind: Kind, p: Period) -> &[Occurrence] {
        let Some(v) = self.0.get(&(org, kind)) else {
            return &[];
        };
        let a = v.partition_point(|o| o.on < p.start());
        let b = v.partition_point(|o| o.on <= p.end());
        &v[a..b]
    }
}

/// The rule in force for an organisation and kind on a date: the override of the nearest
/// organisation above (or at) it, else the national default.
#[must_use]
pub fn rule_for<'a>(
    cadences: &'a [Cadence],
    unit: &Unit,
    kind: Kind,
    on: Date,
) -> Option<&'a Cadence> {
    cadences
        .iter()
        .filter(|c| c.kind() == kind && c.in_force(on) && c.applies_to_kind(&unit.kind))
        .filter_map(|c| match c.org_id {
            None => Some((0, c)),
            Some(o) => unit.path.find(&format!("/{o}/")).map(|at| (at + 1, c)),
        })
        .max_by_key(|(depth, c)| (*depth, c.id))
        .map(|(_, c)| c)
}

/// One organisation × kind × period.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    /// Organisation.
    pub org_id: i64,
    /// Kind.
    pub kind: Kind,
    /// Meetings required in the period (0 when not applicable).
    pub required: i64,
    /// Meetings held (minutes submitted).
    pub held: i64,
    /// The outcome.
    pub status: Status,
    /// Held meetings: (id, date).
    #[serde(serialize_with = "crate::shared::json_date::pairs::serialize")]
    pub held_ids: Vec<(i64, Date)>,
    /// Meetings planned but not yet recorded: (id, date).
    #[serde(serialize_with = "crate::shared::json_date::pairs::serialize")]
    pub planned_ids: Vec<(i64, Date)>,
    /// The rule, as text ("每月至少 1 次"), when one applies.
    pub rule: Option<String>,
}

/// Evaluates one organisation and kind over period `p`. A rule with a shorter period is checked
/// in each of its periods inside `p` (a monthly rule over a quarter needs every month); a rule
/// with a longer period is checked over the period that contains `p`.
#[must_use]
pub fn evaluate(
    cadences: &[Cadence],
    idx: &Index,
    unit: &Unit,
    kind: Kind,
    p: Period,
    today: Date,
) -> Cell {
    let mut cell = Cell {
        org_id: unit.id,
        kind,
        required: 0,
        held: 0,
        status: Status::NotApplicable,
        held_ids: Vec::new(),
        planned_ids: Vec::new(),
        rule: None,
    };
    let probe = rule_for(cadences, unit, kind, p.end().min(today).max(p.start()));
    let Some(g) = probe.map(Cadence::granularity) else {
        return cell;
    };
    if kind == Kind::BranchCommittee && !unit.has_committee {
        return cell;
    }
    let mut parts = Vec::new();
    for sub in p.split(g) {
        let Some(rule) = rule_for(cadences, unit, kind, sub.end().min(today).max(sub.start()))
        else {
            continue;
        };
        if !unit.exists_during(sub) {
            parts.push(Status::NotApplicable);
            continue;
        }
        cell.rule = Some(rule.text());
        let occ = idx.within(unit.id, kind, sub);
        let held = i64::try_from(occ.iter().filter(|o| o.held).count()).unwrap_or(i64::MAX);
        cell.required += rule.min_count;
        cell.held += held;
        for o in occ {
            if o.held {
                cell.held_ids.push((o.id, o.on));
            } else {
                cell.planned_ids.push((o.id, o.on));
            }
        }
        parts.push(if held >= rule.min_count {
            Status::Done
        } else if sub.end() < today {
            Status::Missed
        } else if sub.start() > today {
            Status::NotStarted
        } else {
            Status::InProgress
        });
    }
    cell.status = Status::combine(parts);
    cell
}

impl Cell {
    /// "11月5日", for links to a meeting.
    #[must_use]
    pub fn day(on: &Date) -> String {
        format!("{}月{}日", u8::from(on.month()), on.day())
    }
}

/// Kinds that have a cadence rule for this organisation kind at all.
#[must_use]
pub fn ruled_kinds(cadences: &[Cadence], org_kind: &str) -> Vec<Kind> {
    let mut v: Vec<Kind> = cadences
        .iter()
        .filter(|c| c.applies_to_kind(org_kind))
        .map(Cadence::kind)
        .collect();
    v.sort();
    v.dedup();
    v
}

/// The matrix columns for a year: twelve months, four quarters and the year.
#[must_use]
pub fn year_columns(year: i32) -> Vec<Period> {
    let mut v: Vec<Period> = (1..=12).map(|m| Period::Month(year, m)).collect();
    v.extend((1..=4).map(|q| Period::Quarter(year, q)));
    v.push(Period::Year(year));
    v
}

/// One matrix cell: the combined status of the rules whose period matches the column, for a
/// branch and its 党小组, with what is still missing.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Combined status.
    pub status: Status,
    /// What is missing or still open, in Chinese.
    pub open: Vec<String>,
}

/// Summarises a branch (and its groups) for one column.
#[must_use]
pub fn summarise(
    cadences: &[Cadence],
    idx: &Index,
    branch: &Unit,
    groups: &[&Unit],
    column: Period,
    today: Date,
) -> Summary {
    let g: Granularity = column.granularity();
    let mut statuses = Vec::new();
    let mut open = Vec::new();
    let mut check = |unit: &Unit, label: String, kind: Kind| {
        let same_period = rule_for(
            cadences,
            unit,
            kind,
            column.end().min(today).max(column.start()),
        )
        .is_some_and(|r| r.granularity() == g);
        if !same_period {
            return;
        }
        let c = evaluate(cadences, idx, unit, kind, column, today);
        if matches!(c.status, Status::Missed | Status::InProgress) {
            open.push(label);
        }
        statuses.push(c.status);
    };
    for k in ruled_kinds(cadences, &branch.kind) {
        check(branch, k.label().to_owned(), k);
    }
    for grp in groups {
        for k in ruled_kinds(cadences, &grp.kind) {
            check(grp, format!("{}（{}）", k.label(), grp.name), k);
        }
    }
    Summary {
        status: Status::combine(statuses),
        open,
    }
}

#[cfg(test)]
#[path = "compliance_tests.rs"]
mod tests;
