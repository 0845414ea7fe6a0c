//! SQL for notices and their recipients. Publication fans the audience out with
//! `INSERT … SELECT`, so 20,000 recipients cost a few statements, not 20,000 round trips.

use serde::Serialize;
use time::OffsetDateTime;

use crate::db::{Exec, StoreResult};
use crate::on;
use crate::orgs::model::subtree_upper;

/// A notice.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Notice {
    /// Id.
    pub id: i64,
    /// Sending organisation.
    pub org_id: i64,
    /// Title.
    pub title: String,
    /// Cleaned HTML.
    pub body: String,
    /// Readers are asked to confirm.
    pub receipt_required: bool,
    /// The audience as JSON.
    #[serde(skip)]
    pub audience: String,
    /// The audience in words.
    pub audience_label: String,
    /// `scheduled`, `published` or `withdrawn`.
    pub status: String,
    /// When it is (or was) to be published.
    #[serde(with = "time::serde::rfc3339")]
    pub publish_at: OffsetDateTime,
    /// When it was published.
    #[serde(with = "time::serde::rfc3339::option")]
    pub published_at: Option<OffsetDateTime>,
    /// Recipients counted at publication.
    pub recipients: i64,
    /// Last reminder to the unread.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_reminded_at: Option<OffsetDateTime>,
    /// Author's name.
    pub author_name: String,
    /// Which group bots hear of it (`notice` or `report`).
    #[serde(skip)]
    pub bot_event: String,
}

impl Notice {
    /// Publication time as shown ("2026-11-28 10:00"), or the time it is set for.
    #[must_use]
    pub fn when(&self) -> String {
        crate::shared::text::datetime(self.published_at.unwrap_or(self.publish_at))
    }
    /// The last reminder as shown.
    #[must_use]
    pub fn reminded(&self) -> Option<String> {
        self.last_reminded_at.map(crate::shared::text::datetime)
    }
}

const COLS: &str =
    "id, org_id, title, body, receipt_required, audience, audience_label, status, publish_at,
    published_at, recipients, last_reminded_at, author_name, bot_event";

/// What is stored for a new notice.
pub struct NewNotice<'a> {
    /// Sending organisation.
    pub org_id: i64,
    /// Title.
    pub title: &'a str,
    /// Cleaned body.
    pub body: &'a str,
    /// Receipt asked.
    pub receipt_required: bool,
    /// Audience JSON.
    pub audience: &'a str,
    /// Audience in words.
    pub audience_label: &'a str,
    /// Publication time.
    pub publish_at: OffsetDateTime,
    /// Author.
    pub author: (Option<i64>, &'a str),
    /// `notice` or `report`.
    pub bot_event: &'a str,
}

/// Stores a scheduled notice.
///
/// # Errors
/// Database failures.
pub async fn insert(ex: &mut Exec<'_>, n: &NewNotice<'_>, now: OffsetDateTime) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO notices (org_id, title, body, receipt_required, audience, audience_label, status,
        publish_at, author_id, author_name, created_at, bot_event)
        VALUES ($1, $2, $3, $4, $5, $6, 'scheduled', $7, $8, $9, $10, $11)
        RETURNING id";
    on!(ex, c => Ok(sqlx::query_scalar(SQL).bind(n.org_id).bind(n.title).bind(n.body).bind(n.receipt_required)
        .bind(n.audience).bind(n.audience_label).bind(n.publish_at).bind(n.author.0).bind(n.author.1).bind(now)
        .bind(n.bot_event).fetch_one(c).await?))
}

/// One notice.
///
/// # Errors
/// `NotFound`.
pub async fn get(ex: &mut Exec<'_>, id: i64) -> StoreResult<Notice> {
    let sql = format!("SELECT {COLS} FROM notices WHERE id = $1");
    on!(ex, c => Ok(sqlx::query_as(&sql).bind(id).fetch_one(c).await?))
}

/// Adds the members on the books of `root` (and below when `subtree`) as recipients.
///
/// # Errors
/// Database failures.
pub async fn add_org(ex: &mut Exec<'_>, id: i64, root: &str, subtree: bool) -> StoreResult<()> {
    let within = if subtree {
        "o.path >= $2 AND o.path < $3"
    } else {
        "o.path = $2 AND $3 <> ''"
    };
    let sql = format!(
        "INSERT INTO notice_recipients (notice_id, member_id)
         SELECT $1, m.id FROM members m JOIN orgs o ON o.id = m.org_id
         WHERE {within} AND m.membership_status = 'normal'
         ON CONFLICT DO NOTHING"
    );
    on!(ex, c => { sqlx::query(&sql).bind(id).bind(root).bind(subtree_upper(root)).execute(c).await?; });
    Ok(())
}

/// Adds one member as a recipient.
///
/// # Errors
/// Database failures.
pub async fn add_member(ex: &mut Exec<'_>, id: i64, member_id: i64) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO notice_recipients (notice_id, member_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
    on!(ex, c => { sqlx::query(SQL).bind(id).bind(member_id).execute(c).await?; });
    Ok(())
}

/// Takes a scheduled notice for publication (the row lock makes a racing worker wait and then
/// find nothing to do); false when it was not scheduled.
///
/// # Errors
/// Database failures.
pub async fn claim_publish(ex: &mut Exec<'_>, id: i64, now: OffsetDateTime) -> StoreResult<bool> {
    const SQL: &str = "UPDATE notices SET status = 'published', published_at = $2
        WHERE id = $1 AND status = 'scheduled'";
    on!(ex, c => Ok(sqlx::query(SQL).bind(id).bind(now).execute(c).await?.rows_affected() == 1))
}

/// Stores the number of recipients after the fan-out.
///
/// # Errors
/// Database failures.
pub async fn count_recipients(ex: &mut Exec<'_>, id: i64) -> StoreResult<i64> {
    const SQL: &str = "UPDATE notices SET recipients = (SELECT COUNT(*) FROM notice_recipients WHERE notice_id = $1)
        WHERE id = $1 RETURNING recipients";
    on!(ex, c => Ok(sqlx::query_scalar(SQL).bind(id).fetch_one(c).await?))
}

/// How many recipients have not read a notice yet.
///
/// # Errors
/// Database failures.
pub async fn unread_of(ex: &mut Exec<'_>, id: i64) -> StoreResult<i64> {
    const SQL: &str =
        "SELECT COUNT(*) FROM notice_recipients WHERE notice_id = $1 AND read_at IS NULL";
    on!(ex, c => Ok(sqlx::query_scalar(SQL).bind(id).fetch_one(c).await?))
}

/// Scheduled notices whose time has come.
///
/// # Errors
/// Database failures.
pub async fn due(ex: &mut Exec<'_>, now: OffsetDateTime) -> StoreResult<Vec<i64>> {
    const SQL: &str = "SELECT id FROM notices WHERE status = 'scheduled' AND publish_at <= $1 ORDER BY publish_at LIMIT 100";
    on!(ex, c => Ok(sqlx::query_scalar(SQL).bind(now).fetch_all(c).await?))
}

/// A line of a member's inbox.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct InboxLine {
    /// Notice.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Sending organisation's name.
    pub org_name: String,
    /// Published.
    #[serde(with = "time::serde::rfc3339::option")]
    pub published_at: Option<OffsetDateTime>,
    /// Receipt asked.
    pub receipt_required: bool,
    /// When the member read it.
    #[serde(with = "time::serde::rfc3339::option")]
    pub read_at: Option<OffsetDateTime>,
}

impl InboxLine {
    /// Publication time as shown.
    #[must_use]
    pub fn when(&self) -> String {
        self.published_at
            .map(crate::shared::text::datetime)
            .unwrap_or_default()
    }
}

/// A page of a member's published notices, newest first, and the unread count.
///
/// # Errors
/// Database failures.
pub async fn inbox(
    ex: &mut Exec<'_>,
    member_id: i64,
    limit: i64,
    offset: i64,
) -> StoreResult<(Vec<InboxLine>, i64, i64)> {
    const SQL: &str =
        "SELECT n.id, n.title, o.name AS org_name, n.published_at, n.receipt_required, r.read_at
        FROM notice_recipients r JOIN notices n ON n.id = r.notice_id JOIN orgs o ON o.id = n.org_id
        WHERE r.member_id = $1 AND n.status = 'published'
        ORDER BY n.published_at DESC, n.id DESC LIMIT $2 OFFSET $3";
    const COUNT: &str = "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN r.read_at IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT)
        FROM notice_recipients r JOIN notices n ON n.id = r.notice_id
        WHERE r.member_id = $1 AND n.status = 'published'";
    let lines: Vec<InboxLine> = on!(ex, c => sqlx::query_as(SQL).bind(member_id).bind(limit).bind(offset).fetch_all(c).await?);
    let (total, unread): (i64, i64) =
        on!(ex, c => sqlx::query_as(COUNT).bind(member_id).fetch_one(c).await?);
    Ok((lines, total, unread))
}

/// Whether the member is a recipient, and when they read it.
///
/// # Errors
/// Database failures.
pub async fn receipt(
    ex: &mut Exec<'_>,
    id: i64,
    member_id: i64,
) -> StoreResult<Option<Option<OffsetDateTime>>> {
    const SQL: &str =
        "SELECT read_at FROM notice_recipients WHERE notice_id = $1 AND member_id = $2";
    on!(ex, c => Ok(sqlx::query_scalar(SQL).bind(id).bind(member_id).fetch_optional(c).await?))
}

/// Records the first read; later reads change nothing.
///
/// # Errors
/// Database failures.
pub async fn mark_read(
    ex: &mut Exec<'_>,
    id: i64,
    member_id: i64,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    const SQL: &str = "UPDATE notice_recipients SET read_at = $3
        WHERE notice_id = $1 AND member_id = $2 AND read_at IS NULL";
    on!(ex, c => Ok(sqlx::query(SQL).bind(id).bind(member_id).bind(now).execute(c).await?.rows_affected() == 1))
}

/// Every recipient with their organisation and read time, unread first.
///
/// # Errors
/// Database failures.
pub async fn receipts(
    ex: &mut Exec<'_>,
    id: i64,
) -> StoreResult<Vec<(i64, String, String, Option<OffsetDateTime>)>> {
    const SQL: &str = "SELECT m.id, m.name, o.name, r.read_at
        FROM notice_recipients r JOIN members m ON m.id = r.member_id JOIN orgs o ON o.id = m.org_id
        WHERE r.notice_id = $1 ORDER BY r.read_at IS NOT NULL, o.path, m.id";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(id).fetch_all(c).await?))
}

/// Sets the reminder time if the last one is older than `since`; false when too soon.
///
/// # Errors
/// Database failures.
pub async fn claim_reminder(
    ex: &mut Exec<'_>,
    id: i64,
    now: OffsetDateTime,
    since: OffsetDateTime,
) -> StoreResult<bool> {
    const SQL: &str = "UPDATE notices SET last_reminded_at = $2
        WHERE id = $1 AND status = 'published' AND (last_reminded_at IS NULL OR last_reminded_at < $3)";
    on!(ex, c => Ok(sqlx::query(SQL).bind(id).bind(now).bind(since).execute(c).await?.rows_affected() == 1))
}

/// Notices sent by organisations in the subtree at `root`, newest first, with read counts.
///
/// # Errors
/// Database failures.
pub async fn sent(
    ex: &mut Exec<'_>,
    root: &str,
    limit: i64,
) -> StoreResult<Vec<(i64, String, String, OffsetDateTime, i64, i64)>> {
    const SQL: &str = "SELECT n.id, n.title, n.status, n.publish_at, n.recipients,
            CAST((SELECT COUNT(*) FROM notice_recipients r WHERE r.notice_id = n.id AND r.read_at IS NOT NULL) AS BIGINT)
        FROM notices n JOIN orgs o ON o.id = n.org_id
        WHERE o.path >= $1 AND o.path < $2 ORDER BY n.publish_at DESC, n.id DESC LIMIT $3";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(root).bind(subtree_upper(root)).bind(limit).fetch_all(c).await?))
}

/// Published notices the member has not opened (the 通知 badge, on every page).
///
/// # Errors
/// Database failures.
pub async fn unread_count(ex: &mut Exec<'_>, member_id: i64) -> StoreResult<i64> {
    const SQL: &str =
        "SELECT COUNT(*) FROM notice_recipients r JOIN notices n ON n.id = r.notice_id
        WHERE r.member_id = $1 AND r.read_at IS NULL AND n.status = 'published'";
    on!(ex, c => Ok(sqlx::query_scalar(SQL).bind(member_id).fetch_one(c).await?))
}

/// Notices of the subtree at `root` that ask for a receipt, were published at or before
/// `before`, and still have unread recipients: (count, the oldest).
///
/// # Errors
/// Database failures.
pub async fn overdue_receipts(
    ex: &mut Exec<'_>,
    root: &str,
    before: OffsetDateTime,
) -> StoreResult<(i64, Option<i64>)> {
    const SQL: &str = "SELECT COUNT(*), MIN(n.id) FROM notices n JOIN orgs o ON o.id = n.org_id
        WHERE n.status = 'published' AND n.receipt_required = TRUE AND n.published_at <= $3
          AND o.path >= $1 AND o.path < $2
          AND EXISTS (SELECT 1 FROM notice_recipients r WHERE r.notice_id = n.id AND r.read_at IS NULL)";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(root).bind(subtree_upper(root)).bind(before).fetch_one(c).await?))
}
