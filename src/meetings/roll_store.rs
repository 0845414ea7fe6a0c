//! SQL for the attendance roll (应到 / 实到 / 请假 / 缺席) and 请假 requests.

use serde::Serialize;
use time::OffsetDateTime;

use crate::db::{Exec, StoreResult};
use crate::on;
use crate::shared::clock::truncate as utc;

use super::model::attendance_label;

/// One expected attendee.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Attendee {
    /// Member.
    pub member_id: i64,
    /// Name at scheduling time.
    pub name: String,
    /// Had voting rights at scheduling time (VOTE-01).
    pub voting: bool,
    /// `present`, `leave` or `absent`.
    pub status: String,
    /// `qr` or `proxy`.
    pub method: Option<String>,
    /// When checked in.
    #[serde(with = "time::serde::rfc3339::option")]
    pub checked_in_at: Option<OffsetDateTime>,
    /// Why the recorder checked them in (代签).
    pub proxy_reason: String,
    /// Why absent, as the recorder noted.
    pub absence_note: String,
    /// Why the recorder left a voting member out of 应到会有表决权 (VOTE-01, ELEC-08); empty
    /// when counted.
    pub excluded_reason: String,
}

impl Attendee {
    /// Chinese status.
    #[must_use]
    pub fn status_label(&self) -> &'static str {
        attendance_label(&self.status)
    }
    /// "2026-11-28 14:03", with the 代签 reason.
    #[must_use]
    pub fn checked_text(&self) -> String {
        let Some(t) = self.checked_in_at else {
            return String::new();
        };
        let at = crate::shared::text::datetime(t);
        if self.method.as_deref() == Some("proxy") {
            format!("{at} 代签：{}", self.proxy_reason)
        } else {
            at
        }
    }
    /// Whether checked in.
    #[must_use]
    pub fn present(&self) -> bool {
        self.status == "present"
    }
    /// Whether the member counts in 应到会有表决权: a vote, and not left out for a recognised
    /// reason unless they came after all.
    #[must_use]
    pub fn counts_for_vote(&self) -> bool {
        self.voting && (self.excluded_reason.is_empty() || self.present())
    }
    /// The words for the reason the member is left out, or empty.
    #[must_use]
    pub fn excluded_text(&self) -> &'static str {
        super::electorate::reason_label(&self.excluded_reason)
    }
}

/// A member the roll may list: id, name, category, end of 留党察看 (VOTE-01).
pub type RollCandidate = (i64, String, String, Option<time::Date>);

/// Current officers of an organisation who are members in normal standing.
///
/// # Errors
/// Database failures.
pub async fn committee_members(ex: &mut Exec<'_>, org_id: i64) -> StoreResult<Vec<RollCandidate>> {
    const SQL: &str = "SELECT DISTINCT m.id, m.name, m.category, m.observation_until, m.name_key FROM org_officers f
        JOIN members m ON m.id = f.member_id WHERE f.org_id = $1 AND f.ended_on IS NULL
        AND m.membership_status = 'normal' ORDER BY m.name_key, m.id";
    let rows: Vec<(i64, String, String, Option<time::Date>, String)> =
        on!(ex, c => sqlx::query_as(SQL).bind(org_id).fetch_all(c).await?);
    Ok(rows
        .into_iter()
        .map(|(a, b, c, d, _)| (a, b, c, d))
        .collect())
}

/// Members of a 党小组 in normal standing.
///
/// # Errors
/// Database failures.
pub async fn group_members(ex: &mut Exec<'_>, group_id: i64) -> StoreResult<Vec<RollCandidate>> {
    const SQL: &str =
        "SELECT id, name, category, observation_until FROM members WHERE group_id = $1
        AND membership_status = 'normal' ORDER BY name_key, id";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(group_id).fetch_all(c).await?))
}

/// Members in normal standing on the books of the subtree at `path`.
///
/// # Errors
/// Database failures.
pub async fn subtree_members(ex: &mut Exec<'_>, path: &str) -> StoreResult<Vec<RollCandidate>> {
    const SQL: &str = "SELECT m.id, m.name, m.category, m.observation_until FROM members m JOIN orgs o ON o.id = m.org_id
        WHERE o.path >= $1 AND o.path < $2 AND m.membership_status = 'normal' ORDER BY m.name_key, m.id";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(path).bind(crate::orgs::model::subtree_upper(path)).fetch_all(c).await?))
}

/// Inserts the roll: (member, name, voting).
///
/// # Errors
/// Database failures.
pub async fn insert_roll(
    ex: &mut Exec<'_>,
    meeting_id: i64,
    rows: &[(i64, String, bool)],
) -> StoreResult<()> {
    for (member_id, name, voting) in rows {
        on!(ex, c => sqlx::query("INSERT INTO meeting_attendees (meeting_id, member_id, name, voting) VALUES ($1, $2, $3, $4)")
            .bind(meeting_id).bind(member_id).bind(name).bind(voting).execute(c).await?.rows_affected());
    }
    Ok(())
}

/// Removes the roll of a planned meeting (when it is rebuilt).
///
/// # Errors
/// Database failures.
pub async fn clear_roll(ex: &mut Exec<'_>, meeting_id: i64) -> StoreResult<()> {
    on!(ex, c => sqlx::query("DELETE FROM meeting_attendees WHERE meeting_id = $1")
        .bind(meeting_id).execute(c).await?.rows_affected());
    Ok(())
}

/// The roll, by name.
///
/// # Errors
/// Database failures.
pub async fn roll(ex: &mut Exec<'_>, meeting_id: i64) -> StoreResult<Vec<Attendee>> {
    const SQL: &str =
        "SELECT member_id, name, voting, status, method, checked_in_at, proxy_reason, absence_note,
        excluded_reason FROM meeting_attendees WHERE meeting_id = $1 ORDER BY name, member_id";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(meeting_id).fetch_all(c).await?))
}

/// One attendee.
///
/// # Errors
/// Database failures.
pub async fn attendee(
    ex: &mut Exec<'_>,
    meeting_id: i64,
    member_id: i64,
) -> StoreResult<Option<Attendee>> {
    const SQL: &str =
        "SELECT member_id, name, voting, status, method, checked_in_at, proxy_reason, absence_note,
        excluded_reason FROM meeting_attendees WHERE meeting_id = $1 AND member_id = $2";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(meeting_id).bind(member_id).fetch_optional(c).await?))
}

/// Marks an attendee present unless they already are; returns whether this call did it. The
/// condition in the statement makes a repeated or concurrent scan a no-op, so there is never a
/// second check-in.
///
/// # Errors
/// Database failures.
pub async fn check_in(
    ex: &mut Exec<'_>,
    meeting_id: i64,
    member_id: i64,
    method: &str,
    by: Option<i64>,
    reason: &str,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    const SQL: &str = "UPDATE meeting_attendees SET status = 'present', method = $3, checked_in_at = $4,
        proxy_by = $5, proxy_reason = $6 WHERE meeting_id = $1 AND member_id = $2 AND status <> 'present'";
    let n = on!(ex, c => sqlx::query(SQL).bind(meeting_id).bind(member_id).bind(method).bind(utc(now)).bind(by)
        .bind(reason).execute(c).await?.rows_affected());
    Ok(n > 0)
}

/// Sets an attendee's status (leave approved, or a check-in undone) with a note.
///
/// # Errors
/// Database failures.
pub async fn set_attendance(
    ex: &mut Exec<'_>,
    meeting_id: i64,
    member_id: i64,
    status: &str,
    note: &str,
) -> StoreResult<bool> {
    const SQL: &str = "UPDATE meeting_attendees SET status = $3, absence_note = $4,
        method = CASE WHEN $3 = 'present' THEN method ELSE NULL END,
        checked_in_at = CASE WHEN $3 = 'present' THEN checked_in_at ELSE NULL END
        WHERE meeting_id = $1 AND member_id = $2";
    let n = on!(ex, c => sqlx::query(SQL).bind(meeting_id).bind(member_id).bind(status).bind(note)
        .execute(c).await?.rows_affected());
    Ok(n > 0)
}

/// A 请假 request.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = LeaveRequest)]
pub struct Leave {
    /// Id.
    pub id: i64,
    /// Meeting.
    pub meeting_id: i64,
    /// Member.
    pub member_id: i64,
    /// Member's name.
    pub name: String,
    /// Reason.
    pub reason: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    /// When asked.
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    /// Officer's note.
    pub decision_note: String,
}

impl Leave {
    /// Chinese status.
    #[must_use]
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "pending" => "待审批",
            "approved" => "已批准",
            "rejected" => "未批准",
            _ => "未知",
        }
    }
}

/// Inserts a request.
///
/// # Errors
/// `Duplicate` when the member already has an open or approved request.
pub async fn insert_leave(
    ex: &mut Exec<'_>,
    meeting_id: i64,
    member_id: i64,
    reason: &str,
    by: Option<i64>,
    now: OffsetDateTime,
) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO meeting_leaves (meeting_id, member_id, reason, status, requested_by, requested_at)
        VALUES ($1, $2, $3, 'pending', $4, $5) RETURNING id";
    on!(ex, c => Ok(sqlx::query_scalar(SQL).bind(meeting_id).bind(member_id).bind(reason).bind(by).bind(now)
        .fetch_one(c).await?))
}

const LEAVES: &str = "SELECT l.id, l.meeting_id, l.member_id, a.name, l.reason, l.status, l.requested_at, l.decision_note
    FROM meeting_leaves l JOIN meeting_attendees a ON a.meeting_id = l.meeting_id AND a.member_id = l.member_id";

/// Requests for a meeting, oldest first.
///
/// # Errors
/// Database failures.
pub async fn leaves(ex: &mut Exec<'_>, meeting_id: i64) -> StoreResult<Vec<Leave>> {
    let sql = format!("{LEAVES} WHERE l.meeting_id = $1 ORDER BY l.id");
    on!(ex, c => Ok(sqlx::query_as(&sql).bind(meeting_id).fetch_all(c).await?))
}

/// One request.
///
/// # Errors
/// `NotFound`.
pub async fn leave(ex: &mut Exec<'_>, id: i64) -> StoreResult<Leave> {
    let sql = format!("{LEAVES} WHERE l.id = $1");
    on!(ex, c => Ok(sqlx::query_as(&sql).bind(id).fetch_one(c).await?))
}

/// Decides a pending request; returns whether it was pending.
///
/// # Errors
/// Database failures.
pub async fn decide_leave(
    ex: &mut Exec<'_>,
    id: i64,
    approve: bool,
    by: Option<i64>,
    note: &str,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    const SQL: &str = "UPDATE meeting_leaves SET status = $2, decided_by = $3, decided_at = $4, decision_note = $5
        WHERE id = $1 AND status = 'pending'";
    let to = if approve { "approved" } else { "rejected" };
    let n = on!(ex, c => sqlx::query(SQL).bind(id).bind(to).bind(by).bind(now).bind(note).execute(c).await?.rows_affected());
    Ok(n > 0)
}

/// Upcoming and recent meetings where the member is on the roll: (meeting id, attendance).
///
/// # Errors
/// Database failures.
pub async fn for_member(
    ex: &mut Exec<'_>,
    member_id: i64,
    from: OffsetDateTime,
    limit: i64,
) -> StoreResult<Vec<(i64, String)>> {
    const SQL: &str = "SELECT a.meeting_id, a.status FROM meeting_attendees a JOIN meetings m ON m.id = a.meeting_id
        WHERE a.member_id = $1 AND m.ends_at >= $2 AND m.status <> 'cancelled' ORDER BY m.starts_at LIMIT $3";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(member_id).bind(utc(from)).bind(limit).fetch_all(c).await?))
}

/// Claims a scan pass for a member: the member who owns it (the first to use it), whoever that
/// is.
///
/// # Errors
/// Database failures.
pub async fn claim_pass(
    ex: &mut Exec<'_>,
    pass_hash: &str,
    meeting_id: i64,
    member_id: i64,
    now: OffsetDateTime,
) -> StoreResult<i64> {
    const INSERT: &str =
        "INSERT INTO meeting_scan_passes (pass_hash, meeting_id, member_id, used_at)
        VALUES ($1, $2, $3, $4) ON CONFLICT (pass_hash) DO NOTHING";
    const OWNER: &str = "SELECT member_id FROM meeting_scan_passes WHERE pass_hash = $1";
    on!(ex, c => sqlx::query(INSERT).bind(pass_hash).bind(meeting_id).bind(member_id).bind(utc(now))
        .execute(c).await?.rows_affected());
    on!(ex, c => Ok(sqlx::query_scalar(OWNER).bind(pass_hash).fetch_one(c).await?))
}

/// Sets or clears the reason a voting member is left out of 应到会有表决权.
///
/// # Errors
/// Database failures.
pub async fn set_excluded(
    ex: &mut Exec<'_>,
    meeting_id: i64,
    member_id: i64,
    reason: &str,
) -> StoreResult<()> {
    on!(ex, c => sqlx::query("UPDATE meeting_attendees SET excluded_reason = $3 WHERE meeting_id = $1 AND member_id = $2")
        .bind(meeting_id).bind(member_id).bind(reason).execute(c).await?.rows_affected());
    Ok(())
}
