//! SQL for point items, the ledger, claims and the outbox cursor.

use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::db::{Exec, StoreResult};
use crate::on;
use crate::orgs::model::subtree_upper;

use super::model::Item;

const ITEM_COLS: &str = "id, org_id, code, version, name, category, points, min_points, max_points, trigger_topic,
    trigger_kinds, cap_day, cap_week, cap_month, cap_year, needs_approval, evidence_required, effective_from, effective_to";

/// Every item version (a small table).
///
/// # Errors
/// Database failures.
pub async fn items(ex: &mut Exec<'_>) -> StoreResult<Vec<Item>> {
    let sql = format!("SELECT {ITEM_COLS} FROM point_items ORDER BY code, version");
    on!(ex, c => Ok(sqlx::query_as(&sql).fetch_all(c).await?))
}

/// Stores a new item version for an organisation, ending its previous version the day before.
///
/// # Errors
/// `Duplicate` on a version clash.
pub async fn insert_item(
    ex: &mut Exec<'_>,
    i: &Item,
    by: Option<i64>,
    now: OffsetDateTime,
) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO point_items (org_id, code, version, name, category, points, min_points, max_points,
        trigger_topic, trigger_kinds, cap_day, cap_week, cap_month, cap_year, needs_approval, evidence_required,
        effective_from, created_by, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id";
    let before = i.effective_from.previous_day().unwrap_or(i.effective_from);
    on!(ex, c => sqlx::query("UPDATE point_items SET effective_to = $3 WHERE COALESCE(org_id, 0) = COALESCE($1, 0)
        AND code = $2 AND effective_to IS NULL").bind(i.org_id).bind(&i.code).bind(before).execute(c).await?.rows_affected());
    on!(ex, c => Ok(sqlx::query_scalar(SQL).bind(i.org_id).bind(&i.code).bind(i.version).bind(&i.name).bind(&i.category)
        .bind(i.points).bind(i.min_points).bind(i.max_points).bind(&i.trigger_topic).bind(&i.trigger_kinds)
        .bind(i.cap_day).bind(i.cap_week).bind(i.cap_month).bind(i.cap_year).bind(i.needs_approval)
        .bind(i.evidence_required).bind(i.effective_from).bind(by).bind(now).fetch_one(c).await?))
}

/// A ledger entry to write.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    /// Member.
    pub member_id: i64,
    /// The member's branch when posted.
    pub org_id: i64,
    /// Item version.
    pub item: &'a Item,
    /// Points (may be negative, or 0 when a cap was reached).
    pub points: i64,
    /// Day it counts for.
    pub occurred_on: Date,
    /// `event`, `manual`, `claim` or `reversal`.
    pub source: &'a str,
    /// Uniqueness key: the same key is never posted twice.
    pub source_key: Option<String>,
    /// What the source event was about (for reversal on correction).
    pub subject: &'a str,
    /// Entry this one reverses.
    pub reverses: Option<i64>,
    /// Why.
    pub reason: &'a str,
    /// Who.
    pub by: (Option<i64>, &'a str),
}

/// Appends an entry.
///
/// # Errors
/// `Duplicate` when the key (or the reversal) was already posted.
pub async fn insert_entry(
    ex: &mut Exec<'_>,
    e: &NewEntry<'_>,
    now: OffsetDateTime,
) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO point_entries (member_id, org_id, item_id, item_code, item_version, points, occurred_on,
        source, source_key, subject, reverses, reason, recorded_by, recorded_by_name, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id";
    const TOTAL: &str = "INSERT INTO point_totals (period_key, member_id, total) VALUES ($1, $2, $3)
        ON CONFLICT (period_key, member_id) DO UPDATE SET total = point_totals.total + excluded.total";
    let id: i64 = on!(ex, c => sqlx::query_scalar(SQL).bind(e.member_id).bind(e.org_id).bind(e.item.id).bind(&e.item.code)
        .bind(e.item.version).bind(e.points).bind(e.occurred_on).bind(e.source).bind(&e.source_key).bind(e.subject)
        .bind(e.reverses).bind(e.reason).bind(e.by.0).bind(e.by.1).bind(now).fetch_one(c).await?);
    for key in super::model::RankPeriod::keys_for(e.occurred_on) {
        on!(ex, c => sqlx::query(TOTAL).bind(&key).bind(e.member_id).bind(e.points).execute(c).await?.rows_affected());
    }
    Ok(id)
}

/// Holds the cap window of one member and item for the rest of the transaction, so that two
/// awards cannot both read the sum below the cap and both post (`PostgreSQL` runs them at READ
/// COMMITTED; `SQLite` already has one writer at a time).
///
/// # Errors
/// Database failures.
pub async fn lock_member_item(ex: &mut Exec<'_>, member_id: i64, code: &str) -> StoreResult<()> {
    if let Exec::Pg(c) = ex {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(format!("points:{member_id}:{code}"))
            .execute(&mut **c)
            .await?;
    }
    Ok(())
}

/// Net points of a member from an item (by code) between two days, reversals included.
///
/// # Errors
/// Database failures.
pub async fn item_sum(
    ex: &mut Exec<'_>,
    member_id: i64,
    code: &str,
    from: Date,
    to: Date,
) -> StoreResult<i64> {
    const SQL: &str =
        "SELECT CAST(COALESCE(SUM(points), 0) AS BIGINT) FROM point_entries WHERE member_id = $1 AND item_code = $2
        AND occurred_on >= $3 AND occurred_on <= $4";
    on!(ex, c => Ok(sqlx::query_scalar(SQL).bind(member_id).bind(code).bind(from).bind(to).fetch_one(c).await?))
}

/// A ledger entry as shown.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = LedgerEntry)]
pub struct Entry {
    /// Id.
    pub id: i64,
    /// Member.
    pub member_id: i64,
    /// Branch it was posted for.
    pub org_id: i64,
    /// Item version row.
    pub item_id: i64,
    /// Item code.
    pub item_code: String,
    /// Item version.
    pub item_version: i64,
    /// Item name.
    pub item_name: String,
    /// Points.
    pub points: i64,
    /// Day.
    #[serde(with = "crate::shared::json_date")]
    pub occurred_on: Date,
    /// Source kind.
    pub source: String,
    /// Source subject.
    pub subject: String,
    /// Reversed entry.
    pub reverses: Option<i64>,
    /// Reason.
    pub reason: String,
    /// Who recorded it.
    pub recorded_by_name: String,
}

impl Entry {
    /// `2026-11-28`.
    #[must_use]
    pub fn day(&self) -> String {
        crate::shared::text::ymd(self.occurred_on)
    }
}

const ENTRY_SELECT: &str = "SELECT e.id, e.member_id, e.org_id, e.item_id, e.item_code, e.item_version, i.name AS item_name, e.points,
    e.occurred_on, e.source, e.subject, e.reverses, e.reason, e.recorded_by_name
    FROM point_entries e JOIN point_items i ON i.id = e.item_id";

/// Entries about a subject that have not been reversed (and are not reversals).
///
/// # Errors
/// Database failures.
pub async fn active_for_subject(ex: &mut Exec<'_>, subject: &str) -> StoreResult<Vec<Entry>> {
    let sql = format!(
        "{ENTRY_SELECT} WHERE e.subject = $1 AND e.subject <> '' AND e.source <> 'reversal'
        AND NOT EXISTS (SELECT 1 FROM point_entries r WHERE r.reverses = e.id) ORDER BY e.id"
    );
    on!(ex, c => Ok(sqlx::query_as(&sql).bind(subject).fetch_all(c).await?))
}

/// A member's entries between two days, newest first.
///
/// # Errors
/// Database failures.
pub async fn ledger(
    ex: &mut Exec<'_>,
    member_id: i64,
    from: Date,
    to: Date,
) -> StoreResult<Vec<Entry>> {
    let sql = format!(
        "{ENTRY_SELECT} WHERE e.member_id = $1 AND e.occurred_on >= $2 AND e.occurred_on <= $3
        ORDER BY e.occurred_on DESC, e.id DESC"
    );
    on!(ex, c => Ok(sqlx::query_as(&sql).bind(member_id).bind(from).bind(to).fetch_all(c).await?))
}

/// A claim.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Claim {
    /// Id.
    pub id: i64,
    /// Member.
    pub member_id: i64,
    /// Item version claimed.
    pub item_id: i64,
    /// Points asked.
    pub points: i64,
    /// Day.
    #[serde(with = "crate::shared::json_date")]
    pub occurred_on: Date,
    /// What was done.
    pub description: String,
    /// `pending`, `approved`, `rejected`.
    pub status: String,
    /// Submitting account.
    pub submitted_by: Option<i64>,
    /// Officer's note.
    pub decision_note: String,
    /// Posted entry.
    pub entry_id: Option<i64>,
}

/// Stores a claim.
///
/// # Errors
/// Database failures.
pub async fn insert_claim(
    ex: &mut Exec<'_>,
    c0: &Claim,
    evidence: Option<(&[u8], &str)>,
    now: OffsetDateTime,
) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO point_claims (member_id, item_id, points, occurred_on, description, evidence,
        evidence_type, status, submitted_by, submitted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9) RETURNING id";
    let (bytes, ty) = evidence.map_or((None, None), |(b, t)| (Some(b), Some(t)));
    on!(ex, c => Ok(sqlx::query_scalar(SQL).bind(c0.member_id).bind(c0.item_id).bind(c0.points).bind(c0.occurred_on)
        .bind(&c0.description).bind(bytes).bind(ty).bind(c0.submitted_by).bind(now).fetch_one(c).await?))
}

/// One claim.
///
/// # Errors
/// `NotFound`.
pub async fn claim(ex: &mut Exec<'_>, id: i64) -> StoreResult<Claim> {
    on!(ex, c => Ok(sqlx::query_as("SELECT id, member_id, item_id, points, occurred_on, description, status, submitted_by,
        decision_note, entry_id FROM point_claims WHERE id = $1").bind(id).fetch_one(c).await?))
}

/// Decides a pending claim; returns whether it was pending.
///
/// # Errors
/// Database failures.
pub async fn decide_claim(
    ex: &mut Exec<'_>,
    id: i64,
    status: &str,
    by: Option<i64>,
    note: &str,
    entry: Option<i64>,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let n = on!(ex, c => sqlx::query("UPDATE point_claims SET status = $2, decided_by = $3, decision_note = $4,
        entry_id = $5, decided_at = $6 WHERE id = $1 AND status = 'pending'").bind(id).bind(status).bind(by).bind(note)
        .bind(entry).bind(now).execute(c).await?.rows_affected());
    Ok(n > 0)
}

/// When the latest manual entry just like this one was recorded at or after `since`: same
/// member, item, points and day.
///
/// # Errors
/// Database failures.
pub async fn latest_same(
    ex: &mut Exec<'_>,
    (member_id, item_code, points, day): (i64, &str, i64, Date),
    since: OffsetDateTime,
) -> StoreResult<Option<(OffsetDateTime, String)>> {
    const SQL: &str = "SELECT created_at, recorded_by_name FROM point_entries WHERE member_id = $1
        AND item_code = $2 AND points = $3 AND occurred_on = $4 AND source = 'manual' AND created_at >= $5
        ORDER BY id DESC LIMIT 1";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(member_id).bind(item_code).bind(points).bind(day)
        .bind(since).fetch_optional(c).await?))
}

/// A claim as listed, with names.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ClaimRow {
    /// Id.
    pub id: i64,
    /// Member.
    pub member_id: i64,
    /// Member's name.
    pub member_name: String,
    /// Branch name.
    pub org_name: String,
    /// Item name.
    pub item_name: String,
    /// Points asked.
    pub points: i64,
    /// Day.
    #[serde(with = "crate::shared::json_date")]
    pub occurred_on: Date,
    /// What was done.
    pub description: String,
    /// Status code.
    pub status: String,
    /// Officer's note.
    pub decision_note: String,
    /// Whether evidence is attached.
    pub has_evidence: bool,
    /// Account that submitted it (an officer's award waiting for a second officer).
    #[serde(skip)]
    pub submitted_by: Option<i64>,
}

impl ClaimRow {
    /// `2026-11-28`.
    #[must_use]
    pub fn day(&self) -> String {
        crate::shared::text::ymd(self.occurred_on)
    }
    /// Chinese status.
    #[must_use]
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "pending" => "待审批",
            "approved" => "已通过",
            _ => "未通过",
        }
    }
}

const CLAIM_ROWS: &str = "SELECT c.id, c.member_id, m.name AS member_name, o.name AS org_name, i.name AS item_name,
    c.points, c.occurred_on, c.description, c.status, c.decision_note, c.evidence IS NOT NULL AS has_evidence,
    c.submitted_by FROM point_claims c JOIN members m ON m.id = c.member_id JOIN orgs o ON o.id = m.org_id
    JOIN point_items i ON i.id = c.item_id";

/// Pending claims of members in the subtree, oldest first.
///
/// # Errors
/// Database failures.
pub async fn pending_claims(ex: &mut Exec<'_>, root: &str) -> StoreResult<Vec<ClaimRow>> {
    let sql = format!(
        "{CLAIM_ROWS} WHERE c.status = 'pending' AND o.path >= $1 AND o.path < $2 ORDER BY c.id LIMIT 500"
    );
    on!(ex, c => Ok(sqlx::query_as(&sql).bind(root).bind(subtree_upper(root)).fetch_all(c).await?))
}

/// A member's own claims, newest first.
///
/// # Errors
/// Database failures.
pub async fn member_claims(ex: &mut Exec<'_>, member_id: i64) -> StoreResult<Vec<ClaimRow>> {
    let sql = format!("{CLAIM_ROWS} WHERE c.member_id = $1 ORDER BY c.id DESC LIMIT 100");
    on!(ex, c => Ok(sqlx::query_as(&sql).bind(member_id).fetch_all(c).await?))
}

/// The evidence of a claim: (bytes, MIME type).
///
/// # Errors
/// Database failures.
pub async fn evidence(ex: &mut Exec<'_>, id: i64) -> StoreResult<Option<(Vec<u8>, String)>> {
    let row: Option<(Option<Vec<u8>>, Option<String>)> = on!(ex, c => sqlx::query_as(
        "SELECT evidence, evidence_type FROM point_claims WHERE id = $1").bind(id).fetch_optional(c).await?);
    Ok(row.and_then(|(b, t)| Some((b?, t.unwrap_or_else(|| "application/octet-stream".into())))))
}
