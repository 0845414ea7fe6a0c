//! SQL for minutes revisions, photos and attachments, the decisions published to members, what
//! decides who reads a record, the compliance engine's inputs, and personal calendar feeds.

use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::db::{Exec, StoreResult};
use crate::on;
use crate::orgs::model::subtree_upper;
use crate::shared::clock::truncate as utc;

use super::compliance::{Occurrence, Unit};
use super::model::{Kind, china_date};

/// One submitted version of the minutes. Rows are never changed (append-only trigger).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[expect(
    clippy::struct_field_names,
    reason = "`revision` is the column and the API field"
)]
pub struct Revision {
    /// Id.
    pub id: i64,
    /// 1 for the first submission, then one more per correction.
    pub revision: i64,
    /// The minutes as JSON.
    pub content: String,
    /// Why it was corrected (empty for the first).
    pub reason: String,
    /// Who submitted it.
    pub recorded_by_name: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
}

/// Appends a revision.
///
/// # Errors
/// `Duplicate` when another submission took this revision number first.
pub async fn insert_revision(
    ex: &mut Exec<'_>,
    meeting_id: i64,
    revision: i64,
    (content, reason): (&str, &str),
    (by, by_name): (Option<i64>, &str),
    now: OffsetDateTime,
) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO meeting_minutes (meeting_id, revision, content, reason, recorded_by, recorded_by_name,
        recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
    on!(ex, c => Ok(sqlx::query_scalar(SQL).bind(meeting_id).bind(revision).bind(content).bind(reason).bind(by)
        .bind(by_name).bind(now).fetch_one(c).await?))
}

/// Every revision, oldest first.
///
/// # Errors
/// Database failures.
pub async fn revisions(ex: &mut Exec<'_>, meeting_id: i64) -> StoreResult<Vec<Revision>> {
    on!(ex, c => Ok(sqlx::query_as("SELECT id, revision, content, reason, recorded_by_name, recorded_at
        FROM meeting_minutes WHERE meeting_id = $1 ORDER BY revision").bind(meeting_id).fetch_all(c).await?))
}

/// A stored photo or attachment, without its bytes.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct FileInfo {
    /// Id.
    pub id: i64,
    /// `photo` or `attachment`.
    pub kind: String,
    /// Name as uploaded (cleaned).
    pub filename: String,
    /// MIME type decided from the content.
    pub content_type: String,
    /// Size.
    pub size_bytes: i64,
}

impl FileInfo {
    /// "1.2 MB".
    #[must_use]
    pub fn size_text(&self) -> String {
        #[expect(clippy::cast_precision_loss, reason = "display only")]
        let kb = self.size_bytes as f64 / 1024.0;
        if kb >= 1024.0 {
            format!("{:.1} MB", kb / 1024.0)
        } else {
            format!("{kb:.0} KB")
        }
    }
}

/// A file to store.
#[derive(Debug, Clone, Copy)]
pub struct NewFile<'a> {
    /// `photo` or `attachment`.
    pub kind: &'a str,
    /// Cleaned name.
    pub filename: &'a str,
    /// MIME type decided from the content.
    pub content_type: &'a str,
    /// Bytes.
    pub content: &'a [u8],
}

/// Stores a file.
///
/// # Errors
/// Database failures.
pub async fn insert_file(
    ex: &mut Exec<'_>,
    meeting_id: i64,
    f: NewFile<'_>,
    by: Option<i64>,
    now: OffsetDateTime,
) -> StoreResult<i64> {
    const SQL: &str =
        "INSERT INTO meeting_files (meeting_id, kind, filename, content_type, size_bytes, content,
        uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";
    let NewFile {
        kind,
        filename,
        content_type,
        content,
    } = f;
    let size = i64::try_from(content.len()).unwrap_or(i64::MAX);
    on!(ex, c => Ok(sqlx::query_scalar(SQL).bind(meeting_id).bind(kind).bind(filename).bind(content_type)
        .bind(size).bind(content).bind(by).bind(now).fetch_one(c).await?))
}

/// Files of a meeting.
///
/// # Errors
/// Database failures.
pub async fn files(ex: &mut Exec<'_>, meeting_id: i64) -> StoreResult<Vec<FileInfo>> {
    on!(ex, c => Ok(sqlx::query_as("SELECT id, kind, filename, content_type, size_bytes FROM meeting_files
        WHERE meeting_id = $1 ORDER BY id").bind(meeting_id).fetch_all(c).await?))
}

/// One file with its bytes, when it belongs to the meeting.
///
/// # Errors
/// Database failures.
pub async fn file(
    ex: &mut Exec<'_>,
    meeting_id: i64,
    id: i64,
) -> StoreResult<Option<(FileInfo, Vec<u8>)>> {
    let info: Option<FileInfo> = on!(ex, c => sqlx::query_as("SELECT id, kind, filename, content_type, size_bytes
        FROM meeting_files WHERE id = $1 AND meeting_id = $2").bind(id).bind(meeting_id).fetch_optional(c).await?);
    let Some(info) = info else { return Ok(None) };
    let bytes: Vec<u8> = on!(ex, c => sqlx::query_scalar("SELECT content FROM meeting_files WHERE id = $1")
        .bind(id).fetch_one(c).await?);
    Ok(Some((info, bytes)))
}

#[derive(sqlx::FromRow)]
struct UnitRow {
    id: i64,
    parent_id: Option<i64>,
    name: String,
    kind: String,
    path: String,
    established_on: Option<Date>,
    dissolved_at: Option<OffsetDateTime>,
    full_members: i64,
}

/// Branches and 党小组 in a subtree, with whether each must have a committee (seven or more
/// 正式党员 on its books, its 党小组 included — a member's `org_id` is always the branch, so the
/// count is one index lookup per unit: ORG-08, the duty follows the members, not the officers
/// recorded), dissolved ones included (they owed meetings while they existed).
///
/// # Errors
/// Database failures.
pub async fn units(ex: &mut Exec<'_>, root: &str) -> StoreResult<Vec<Unit>> {
    const SQL: &str =
        "SELECT o.id, o.parent_id, o.name, o.kind, o.path, o.established_on, o.dissolved_at,
        (SELECT count(*) FROM members m WHERE m.org_id = o.id AND m.membership_status = 'normal'
            AND m.category = 'full') AS full_members
        FROM orgs o WHERE o.path >= $1 AND o.path < $2
        AND o.kind IN ('branch', 'joint_branch', 'temporary_branch', 'group') ORDER BY o.path";
    let rows: Vec<UnitRow> =
        on!(ex, c => sqlx::query_as(SQL).bind(root).bind(subtree_upper(root)).fetch_all(c).await?);
    Ok(rows
        .into_iter()
        .map(|r| Unit {
            has_committee: r.kind != "group" && r.full_members >= 7,
            id: r.id,
            parent_id: r.parent_id,
            name: r.name,
            kind: r.kind,
            path: r.path,
            established_on: r.established_on,
            dissolved_on: r.dissolved_at.map(china_date),
        })
        .collect())
}

/// Meetings (not cancelled) of the subtree between two instants, one row per kind.
///
/// # Errors
/// Database failures.
pub async fn occurrences(
    ex: &mut Exec<'_>,
    root: &str,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> StoreResult<Vec<Occurrence>> {
    // One row per organisation with its meetings packed as text: the SQLite driver's cost per
    // row dominates a year of meetings for thousands of branches (tens of thousands of rows),
    // while the query itself takes milliseconds. The China-time date is computed in SQL. The
    // dialects name the aggregate and the date arithmetic differently.
    let (agg, day) = match ex.kind() {
        crate::db::DbKind::Sqlite => ("group_concat", "date(m.starts_at, '+8 hours')"),
        crate::db::DbKind::Postgres => (
            "string_agg",
            "to_char((m.starts_at AT TIME ZONE 'UTC') + interval '8 hours', 'YYYY-MM-DD')",
        ),
    };
    let sql = format!(
        "SELECT m.org_id, {agg}(k.kind || ' ' || {day} || ' ' || m.status || ' ' || CAST(m.id AS TEXT), ',')
        FROM meetings m JOIN orgs o ON o.id = m.org_id JOIN meeting_kinds k ON k.meeting_id = m.id
        WHERE o.path >= $1 AND o.path < $2 AND m.starts_at >= $3 AND m.starts_at < $4 AND m.status <> 'cancelled'
        GROUP BY m.org_id"
    );
    let rows: Vec<(i64, String)> = on!(ex, c => sqlx::query_as(&sql).bind(root)
        .bind(subtree_upper(root)).bind(utc(from)).bind(utc(to)).fetch_all(c).await?);
    let mut out = Vec::new();
    for (org_id, packed) in rows {
        for item in packed.split(',') {
            let mut f = item.split(' ');
            let (Some(kind), Some(day), Some(status), Some(id)) =
                (f.next(), f.next(), f.next(), f.next())
            else {
                continue;
            };
            let (Some(kind), Some(on), Ok(id)) = (
                Kind::from_code(kind),
                crate::shared::text::parse_date(day),
                id.parse(),
            ) else {
                continue;
            };
            out.push(Occurrence {
                id,
                org_id,
                kind,
                on,
                held: status == "held",
            });
        }
    }
    Ok(out)
}

/// The 党课 a 党委 or 总支 held (not cancelled) between two instants, once for each branch of
/// the subtree at `root` with members on its roll who were not excused from it (MEET-04).
///
/// # Errors
/// Database failures.
pub async fn lectures_from_above(
    ex: &mut Exec<'_>,
    root: &str,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> StoreResult<Vec<Occurrence>> {
    let day = match ex.kind() {
        crate::db::DbKind::Sqlite => "date(m.starts_at, '+8 hours')",
        crate::db::DbKind::Postgres => {
            "to_char((m.starts_at AT TIME ZONE 'UTC') + interval '8 hours', 'YYYY-MM-DD')"
        }
    };
    let sql = format!(
        "SELECT DISTINCT m.id, mb.org_id, {day}, m.status
        FROM meetings m JOIN orgs mo ON mo.id = m.org_id
        JOIN meeting_kinds k ON k.meeting_id = m.id AND k.kind = 'lecture'
        JOIN meeting_attendees a ON a.meeting_id = m.id AND a.excluded_reason = ''
        JOIN members mb ON mb.id = a.member_id JOIN orgs o ON o.id = mb.org_id
        WHERE o.path >= $1 AND o.path < $2 AND mo.kind IN ('committee', 'working_committee', 'general_branch')
            AND mb.org_id <> m.org_id AND m.starts_at >= $3 AND m.starts_at < $4 AND m.status <> 'cancelled'"
    );
    let rows: Vec<(i64, i64, String, String)> = on!(ex, c => sqlx::query_as(&sql).bind(root)
        .bind(subtree_upper(root)).bind(utc(from)).bind(utc(to)).fetch_all(c).await?);
    Ok(rows
        .into_iter()
        .filter_map(|(id, org_id, day, status)| {
            Some(Occurrence {
                id,
                org_id,
                kind: Kind::Lecture,
                on: crate::shared::text::parse_date(&day)?,
                held: status == "held",
            })
        })
        .collect())
}

/// Sets the user's calendar-feed token (stored as a digest), replacing any earlier one.
///
/// # Errors
/// Database failures.
pub async fn set_feed(
    ex: &mut Exec<'_>,
    user_id: i64,
    token_hash: &str,
    now: OffsetDateTime,
) -> StoreResult<()> {
    on!(ex, c => sqlx::query("DELETE FROM calendar_feeds WHERE user_id = $1").bind(user_id).execute(c).await?.rows_affected());
    on!(ex, c => sqlx::query("INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES ($1, $2, $3)")
        .bind(user_id).bind(token_hash).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// The active member behind a feed token: (user id, member id).
///
/// # Errors
/// Database failures.
pub async fn feed_owner(ex: &mut Exec<'_>, token_hash: &str) -> StoreResult<Option<(i64, i64)>> {
    on!(ex, c => Ok(sqlx::query_as("SELECT u.id, u.member_id FROM calendar_feeds f JOIN users u ON u.id = f.user_id
        WHERE f.token_hash = $1 AND u.member_id IS NOT NULL AND u.disabled = FALSE")
        .bind(token_hash).fetch_optional(c).await?))
}

/// Whether the user has a feed.
///
/// # Errors
/// Database failures.
pub async fn has_feed(ex: &mut Exec<'_>, user_id: i64) -> StoreResult<bool> {
    let n: i64 = on!(ex, c => sqlx::query_scalar("SELECT count(*) FROM calendar_feeds WHERE user_id = $1")
        .bind(user_id).fetch_one(c).await?);
    Ok(n > 0)
}

/// Publishes (or with an empty text withdraws) the decision members may read.
///
/// # Errors
/// Database failures.
pub async fn set_published(
    ex: &mut Exec<'_>,
    meeting_id: i64,
    text: &str,
    by_name: &str,
    now: OffsetDateTime,
) -> StoreResult<()> {
    const SQL: &str = "UPDATE meetings SET published_decision = $2, published_by_name = $3,
        published_at = CASE WHEN $2 = '' THEN NULL ELSE $4 END, updated_at = $4 WHERE id = $1";
    on!(ex, c => sqlx::query(SQL).bind(meeting_id).bind(text).bind(by_name).bind(now)
        .execute(c).await?.rows_affected());
    Ok(())
}

/// A member's 党小组 and the organisations where they hold a current committee post (a 组长
/// is not a committee member): what [`super::access`] needs besides the roll.
///
/// # Errors
/// Database failures.
pub async fn member_standing(
    ex: &mut Exec<'_>,
    member_id: i64,
) -> StoreResult<(Option<i64>, Vec<i64>)> {
    let group: Option<Option<i64>> = on!(ex, c => sqlx::query_scalar("SELECT group_id FROM members WHERE id = $1")
        .bind(member_id).fetch_optional(c).await?);
    let posts: Vec<i64> = on!(ex, c => sqlx::query_scalar("SELECT DISTINCT org_id FROM org_officers
        WHERE member_id = $1 AND ended_on IS NULL AND post <> 'group_leader'")
        .bind(member_id).fetch_all(c).await?);
    Ok((group.flatten(), posts))
}
