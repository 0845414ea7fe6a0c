//! SQL for meetings, their kinds, attendees and 请假 requests.

use crate::auth::Visible;
use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::db::{Exec, StoreResult};
// SQLite compares timestamps as text, so every stored or compared instant is UTC.
use crate::on;
use crate::orgs::model::subtree_upper;
use crate::shared::clock::truncate as utc;

use super::model::{Cadence, Kind, status_label};

/// A meeting as stored, with its organisation.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = MeetingRecord)]
pub struct Meeting {
    /// Id.
    pub id: i64,
    /// Organisation holding it.
    pub org_id: i64,
    /// Its name.
    pub org_name: String,
    /// Its path.
    #[serde(skip)]
    pub org_path: String,
    /// Its kind code.
    #[serde(skip)]
    pub org_kind: String,
    /// Title.
    pub title: String,
    /// Start.
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    /// End.
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    /// Place.
    pub place: String,
    /// 主持人.
    pub host_name: String,
    /// 记录人.
    pub recorder_name: String,
    /// 议题, as a JSON array of strings.
    #[serde(skip)]
    pub agenda: String,
    /// 列席人员.
    pub guests: String,
    /// `planned`, `held` or `cancelled`.
    pub status: String,
    /// Secret for check-in codes.
    #[serde(skip)]
    pub checkin_key: String,
    /// Why it was cancelled.
    pub cancel_reason: String,
    /// Minutes being written, as JSON.
    #[serde(skip)]
    pub draft: String,
    /// When the minutes were submitted.
    #[serde(with = "time::serde::rfc3339::option")]
    pub held_at: Option<OffsetDateTime>,
    /// Who reviewed the record (higher committee).
    pub reviewed_by_name: String,
    /// When.
    #[serde(with = "time::serde::rfc3339::option")]
    pub reviewed_at: Option<OffsetDateTime>,
    /// Review comment.
    pub review_comment: String,
    /// Kind codes, comma-separated.
    #[serde(skip)]
    pub kind_codes: String,
    /// A decision the committee published to every member (empty when none).
    pub published_decision: String,
    /// When it was published.
    #[serde(with = "time::serde::rfc3339::option")]
    pub published_at: Option<OffsetDateTime>,
    /// Who published it.
    pub published_by_name: String,
}

impl Meeting {
    /// Kinds it counts as.
    #[must_use]
    pub fn kinds(&self) -> Vec<Kind> {
        let mut v: Vec<Kind> = self
            .kind_codes
            .split(',')
            .filter_map(Kind::from_code)
            .collect();
        v.sort();
        v
    }
    /// "支委会、主题党日".
    #[must_use]
    pub fn kinds_text(&self) -> String {
        self.kinds()
            .iter()
            .map(|k| k.label())
            .collect::<Vec<_>>()
            .join("、")
    }
    /// 议题.
    #[must_use]
    pub fn agenda_items(&self) -> Vec<String> {
        serde_json::from_str(&self.agenda).unwrap_or_default()
    }
    /// Chinese status.
    #[must_use]
    pub fn status_label(&self) -> &'static str {
        status_label(&self.status)
    }
    /// Whether the minutes have been submitted.
    #[must_use]
    pub fn is_held(&self) -> bool {
        self.status == "held"
    }
    /// Whether it was cancelled.
    #[must_use]
    pub fn is_cancelled(&self) -> bool {
        self.status == "cancelled"
    }
    /// Whether it counts as a 支部党员大会 (quorum and VOTE-* rules apply).
    #[must_use]
    pub fn is_general(&self) -> bool {
        self.kinds().contains(&Kind::BranchGeneral)
    }
}

const SELECT: &str = "SELECT m.id, m.org_id, o.name AS org_name, o.path AS org_path, o.kind AS org_kind, m.title, m.starts_at,
    m.ends_at, m.place, m.host_name, m.recorder_name, m.agenda, m.guests, m.status, m.checkin_key,
    m.cancel_reason, m.draft, m.held_at, m.reviewed_by_name, m.reviewed_at, m.review_comment,
    m.published_decision, m.published_at, m.published_by_name,
    COALESCE((SELECT string_agg(k.kind, ',') FROM meeting_kinds k WHERE k.meeting_id = m.id), '') AS kind_codes
    FROM meetings m JOIN orgs o ON o.id = m.org_id";

/// The select list: the two dialects name the string aggregate differently.
fn select(ex: &Exec<'_>) -> String {
    match ex.kind() {
        crate::db::DbKind::Sqlite => {
            SELECT.replace("string_agg(k.kind, ',')", "group_concat(k.kind, ',')")
        }
        crate::db::DbKind::Postgres => SELECT.to_owned(),
    }
}

/// A meeting to insert.
#[derive(Debug, Clone)]
pub struct NewMeeting<'a> {
    /// Organisation.
    pub org_id: i64,
    /// Title.
    pub title: &'a str,
    /// Start.
    pub starts_at: OffsetDateTime,
    /// End.
    pub ends_at: OffsetDateTime,
    /// Place.
    pub place: &'a str,
    /// 主持人.
    pub host_name: &'a str,
    /// 记录人.
    pub recorder_name: &'a str,
    /// 议题 as a JSON array.
    pub agenda: &'a str,
    /// 列席.
    pub guests: &'a str,
    /// Secret for check-in codes.
    pub checkin_key: &'a str,
    /// Creating account.
    pub created_by: Option<i64>,
}

/// Inserts a meeting with its kinds.
///
/// # Errors
/// Database failures.
pub async fn insert(
    ex: &mut Exec<'_>,
    m: &NewMeeting<'_>,
    kinds: &[Kind],
    now: OffsetDateTime,
) -> StoreResult<i64> {
    const SQL: &str =
        "INSERT INTO meetings (org_id, title, starts_at, ends_at, place, host_name, recorder_name,
        agenda, guests, status, checkin_key, created_by, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'planned', $10, $11, $12, $12) RETURNING id";
    let id: i64 = on!(ex, c => sqlx::query_scalar(SQL).bind(m.org_id).bind(m.title).bind(utc(m.starts_at))
        .bind(utc(m.ends_at)).bind(m.place).bind(m.host_name).bind(m.recorder_name).bind(m.agenda).bind(m.guests)
        .bind(m.checkin_key).bind(m.created_by).bind(now).fetch_one(c).await?);
    set_kinds(ex, id, kinds).await?;
    Ok(id)
}

/// Replaces the kinds of a meeting.
///
/// # Errors
/// Database failures.
pub async fn set_kinds(ex: &mut Exec<'_>, id: i64, kinds: &[Kind]) -> StoreResult<()> {
    on!(ex, c => sqlx::query("DELETE FROM meeting_kinds WHERE meeting_id = $1").bind(id).execute(c).await?.rows_affected());
    for k in kinds {
        on!(ex, c => sqlx::query("INSERT INTO meeting_kinds (meeting_id, kind) VALUES ($1, $2)")
            .bind(id).bind(k.code()).execute(c).await?.rows_affected());
    }
    Ok(())
}

/// Updates what may change while a meeting is still planned; returns whether it was.
///
/// # Errors
/// Database failures.
pub async fn update_planned(
    ex: &mut Exec<'_>,
    id: i64,
    m: &NewMeeting<'_>,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    const SQL: &str = "UPDATE meetings SET title = $2, starts_at = $3, ends_at = $4, place = $5, host_name = $6,
        recorder_name = $7, agenda = $8, guests = $9, updated_at = $10 WHERE id = $1 AND status = 'planned'";
    let n = on!(ex, c => sqlx::query(SQL).bind(id).bind(m.title).bind(utc(m.starts_at)).bind(utc(m.ends_at)).bind(m.place)
        .bind(m.host_name).bind(m.recorder_name).bind(m.agenda).bind(m.guests).bind(now).execute(c).await?.rows_affected());
    Ok(n > 0)
}

/// Gets one meeting.
///
/// # Errors
/// `NotFound`.
pub async fn get(ex: &mut Exec<'_>, id: i64) -> StoreResult<Meeting> {
    let sql = format!("{} WHERE m.id = $1", select(ex));
    on!(ex, c => Ok(sqlx::query_as(&sql).bind(id).fetch_one(c).await?))
}

/// Several meetings by id (missing ids are skipped), in no particular order.
///
/// # Errors
/// Database failures.
pub async fn get_many(ex: &mut Exec<'_>, ids: &[i64]) -> StoreResult<Vec<Meeting>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!("{} WHERE m.id IN ({})", select(ex), marks.join(", "));
    on!(ex, c => {
        let mut q = sqlx::query_as(&sql);
        for id in ids {
            q = q.bind(id);
        }
        Ok(q.fetch_all(c).await?)
    })
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Subtrees, as the caller's scope grants them.
    pub roots: Visible,
    /// From (inclusive).
    pub from: Option<OffsetDateTime>,
    /// To (exclusive).
    pub to: Option<OffsetDateTime>,
    /// Only meetings counting as this kind.
    pub kind: Option<Kind>,
    /// Only meetings with this status.
    pub status: Option<String>,
}

/// Meetings in the subtrees, newest first.
///
/// # Errors
/// Database failures.
pub async fn list(
    ex: &mut Exec<'_>,
    f: &ListFilter,
    limit: i64,
    offset: i64,
) -> StoreResult<(Vec<Meeting>, i64)> {
    let mut out = Vec::new();
    let mut total = 0;
    for r in f.roots.roots() {
        let cond = "o.path >= $1 AND o.path < $2 AND ($3 IS NULL OR m.starts_at >= $3) AND ($4 IS NULL OR m.starts_at < $4)
            AND ($5 IS NULL OR EXISTS (SELECT 1 FROM meeting_kinds k2 WHERE k2.meeting_id = m.id AND k2.kind = $5))
            AND ($6 IS NULL OR m.status = $6)";
        let kind = f.kind.map(Kind::code);
        let upper = subtree_upper(r);
        let count_sql =
            format!("SELECT count(*) FROM meetings m JOIN orgs o ON o.id = m.org_id WHERE {cond}");
        let n: i64 = on!(ex, c => sqlx::query_scalar(&count_sql).bind(r).bind(&upper).bind(f.from.map(utc)).bind(f.to.map(utc)).bind(kind)
            .bind(&f.status).fetch_one(c).await?);
        total += n;
        let tail = format!(" WHERE {cond} ORDER BY m.starts_at DESC, m.id DESC LIMIT $7 OFFSET $8");
        let sql = format!("{}{tail}", select(ex));
        let rows: Vec<Meeting> = on!(ex, c => sqlx::query_as(&sql).bind(r).bind(&upper).bind(f.from.map(utc))
            .bind(f.to.map(utc)).bind(kind).bind(&f.status).bind(limit + offset).bind(0_i64).fetch_all(c).await?);
        out.extend(rows);
    }
    out.sort_by_key(|m| std::cmp::Reverse((m.starts_at, m.id)));
    let off = usize::try_from(offset).unwrap_or(0);
    let lim = usize::try_from(limit).unwrap_or(0);
    Ok((out.into_iter().skip(off).take(lim).collect(), total))
}

/// Sets the status from one value to another; returns whether it was in the `from` state.
///
/// # Errors
/// Database failures.
pub async fn set_status(
    ex: &mut Exec<'_>,
    id: i64,
    from: &str,
    to: &str,
    reason: &str,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    const SQL: &str = "UPDATE meetings SET status = $3, cancel_reason = $4, updated_at = $5,
        held_at = CASE WHEN $3 = 'held' THEN $5 ELSE held_at END WHERE id = $1 AND status = $2";
    let n = on!(ex, c => sqlx::query(SQL).bind(id).bind(from).bind(to).bind(reason).bind(now).execute(c).await?.rows_affected());
    Ok(n > 0)
}

/// Saves the minutes being written.
///
/// # Errors
/// Database failures.
pub async fn save_draft(
    ex: &mut Exec<'_>,
    id: i64,
    draft: &str,
    now: OffsetDateTime,
) -> StoreResult<()> {
    on!(ex, c => sqlx::query("UPDATE meetings SET draft = $2, updated_at = $3 WHERE id = $1")
        .bind(id).bind(draft).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// Records the higher committee's review.
///
/// # Errors
/// Database failures.
pub async fn set_review(
    ex: &mut Exec<'_>,
    id: i64,
    user: Option<i64>,
    name: &str,
    comment: &str,
    now: OffsetDateTime,
) -> StoreResult<()> {
    on!(ex, c => sqlx::query("UPDATE meetings SET reviewed_by = $2, reviewed_by_name = $3, review_comment = $4,
        reviewed_at = $5 WHERE id = $1").bind(id).bind(user).bind(name).bind(comment).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// Cadence rules, national defaults first.
///
/// # Errors
/// Database failures.
pub async fn cadences(ex: &mut Exec<'_>) -> StoreResult<Vec<Cadence>> {
    on!(ex, c => Ok(sqlx::query_as("SELECT id, org_id, kind, applies_to, period, min_count, rule_ref,
        effective_from, effective_to FROM meeting_cadences ORDER BY id").fetch_all(c).await?))
}

/// Adds an override rule for a subtree, ending the organisation's previous override of the
/// same kind the day before.
///
/// # Errors
/// Database failures.
pub async fn add_override(
    ex: &mut Exec<'_>,
    base: &Cadence,
    org_id: i64,
    (period, min_count): (&str, i64),
    from: Date,
    by: Option<i64>,
    now: OffsetDateTime,
) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO meeting_cadences (org_id, kind, applies_to, period, min_count, rule_ref,
        effective_from, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";
    let before = from.previous_day().unwrap_or(from);
    on!(ex, c => sqlx::query("UPDATE meeting_cadences SET effective_to = $3 WHERE org_id = $1 AND kind = $2
        AND effective_to IS NULL").bind(org_id).bind(&base.kind).bind(before).execute(c).await?.rows_affected());
    on!(ex, c => Ok(sqlx::query_scalar(SQL).bind(org_id).bind(&base.kind).bind(&base.applies_to).bind(period)
        .bind(min_count).bind(&base.rule_ref).bind(from).bind(by).bind(now).fetch_one(c).await?))
}

/// Ends an organisation's override (the rule above applies again from `on`).
///
/// # Errors
/// Database failures.
pub async fn end_override(
    ex: &mut Exec<'_>,
    id: i64,
    org_id: i64,
    last_day: Date,
) -> StoreResult<bool> {
    let n = on!(ex, c => sqlx::query("UPDATE meeting_cadences SET effective_to = $3 WHERE id = $1 AND org_id = $2
        AND effective_to IS NULL").bind(id).bind(org_id).bind(last_day).execute(c).await?.rows_affected());
    Ok(n > 0)
}
