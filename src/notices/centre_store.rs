//! The notification centre: one list per account of everything addressed to it — new notices
//! and reminders to read them, decisions on points claims, and new 积分通报 — with an unread
//! count on the bell of every page. Other areas add lines through [`to_user`] and
//! [`to_notice_recipients`], inside their own transactions.

use serde::Serialize;
use time::OffsetDateTime;

use crate::db::{Exec, StoreResult};
use crate::on;

/// A line of the centre.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Notification {
    /// Id.
    pub id: i64,
    /// `notice`, `notice_reminder`, `meeting_reminder`, `claim_decided`, `report`, `warning`,
    /// `todo` (a request waiting for the officers).
    pub kind: String,
    /// What happened, in Chinese.
    pub title: String,
    /// Where to look (a local path).
    pub link: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it was read.
    #[serde(with = "time::serde::rfc3339::option")]
    pub read_at: Option<OffsetDateTime>,
}

impl Notification {
    /// Time as shown.
    #[must_use]
    pub fn when(&self) -> String {
        crate::shared::text::datetime(self.created_at)
    }
    /// The kind in Chinese.
    #[must_use]
    pub fn kind_label(&self) -> &'static str {
        match self.kind.as_str() {
            "notice" => "通知",
            "notice_reminder" => "提醒",
            "meeting_reminder" => "会议",
            "claim_decided" => "积分",
            "report" => "通报",
            "warning" => "预警",
            "todo" => "待办",
            _ => "消息",
        }
    }
}

/// Adds a line for one account.
///
/// # Errors
/// Database failures.
pub async fn to_user(
    ex: &mut Exec<'_>,
    user_id: i64,
    (kind, title, link): (&str, &str, &str),
    now: OffsetDateTime,
) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO notifications (user_id, kind, title, link, created_at) VALUES ($1, $2, $3, $4, $5)";
    on!(ex, c => { sqlx::query(SQL).bind(user_id).bind(kind).bind(title).bind(link).bind(now).execute(c).await?; });
    Ok(())
}

/// Adds a line for every active officer and organisation administrator of `org_id` (one
/// `INSERT … SELECT`), for warnings about the organisation itself.
///
/// # Errors
/// Database failures.
pub async fn to_officers(
    ex: &mut Exec<'_>,
    org_id: i64,
    (kind, title, link): (&str, &str, &str),
    now: OffsetDateTime,
) -> StoreResult<u64> {
    const SQL: &str = "INSERT INTO notifications (user_id, kind, title, link, created_at)
        SELECT id, $2, $3, $4, $5 FROM users
        WHERE org_id = $1 AND role IN ('org_admin', 'officer') AND disabled = FALSE";
    on!(ex, c => Ok(sqlx::query(SQL).bind(org_id).bind(kind).bind(title).bind(link).bind(now)
        .execute(c).await?.rows_affected()))
}

/// Adds a line for every account of a notice's recipients (only the unread when `unread_only`).
///
/// # Errors
/// Database failures.
pub async fn to_notice_recipients(
    ex: &mut Exec<'_>,
    notice_id: i64,
    unread_only: bool,
    (kind, title, link): (&str, &str, &str),
    now: OffsetDateTime,
) -> StoreResult<()> {
    let unread = if unread_only {
        " AND r.read_at IS NULL"
    } else {
        ""
    };
    let sql = format!(
        "INSERT INTO notifications (user_id, kind, title, link, created_at)
         SELECT u.id, $2, $3, $4, $5 FROM notice_recipients r JOIN users u ON u.member_id = r.member_id
         WHERE r.notice_id = $1 AND u.disabled = FALSE{unread}"
    );
    on!(ex, c => { sqlx::query(&sql).bind(notice_id).bind(kind).bind(title).bind(link).bind(now).execute(c).await?; });
    Ok(())
}

/// Adds a line for the accounts of one member.
///
/// # Errors
/// Database failures.
pub async fn to_member(
    ex: &mut Exec<'_>,
    member_id: i64,
    (kind, title, link): (&str, &str, &str),
    now: OffsetDateTime,
) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO notifications (user_id, kind, title, link, created_at)
        SELECT id, $2, $3, $4, $5 FROM users WHERE member_id = $1 AND disabled = FALSE";
    on!(ex, c => { sqlx::query(SQL).bind(member_id).bind(kind).bind(title).bind(link).bind(now).execute(c).await?; });
    Ok(())
}

/// The account's unread lines (the bell).
///
/// # Errors
/// Database failures.
pub async fn unread(ex: &mut Exec<'_>, user_id: i64) -> StoreResult<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL";
    on!(ex, c => Ok(sqlx::query_scalar(SQL).bind(user_id).fetch_one(c).await?))
}

/// The account's latest lines, newest first.
///
/// # Errors
/// Database failures.
pub async fn latest(ex: &mut Exec<'_>, user_id: i64, limit: i64) -> StoreResult<Vec<Notification>> {
    const SQL: &str = "SELECT id, kind, title, link, created_at, read_at FROM notifications
        WHERE user_id = $1 ORDER BY id DESC LIMIT $2";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(user_id).bind(limit).fetch_all(c).await?))
}

/// Marks one line read and returns where it points; `None` when it is not the account's.
///
/// # Errors
/// Database failures.
pub async fn open(
    ex: &mut Exec<'_>,
    user_id: i64,
    id: i64,
    now: OffsetDateTime,
) -> StoreResult<Option<String>> {
    const READ: &str =
        "UPDATE notifications SET read_at = $3 WHERE id = $1 AND user_id = $2 AND read_at IS NULL";
    const LINK: &str = "SELECT link FROM notifications WHERE id = $1 AND user_id = $2";
    on!(ex, c => { sqlx::query(READ).bind(id).bind(user_id).bind(now).execute(&mut *c).await?; });
    on!(ex, c => Ok(sqlx::query_scalar(LINK).bind(id).bind(user_id).fetch_optional(c).await?))
}

/// Marks every line of the account read; returns how many were unread.
///
/// # Errors
/// Database failures.
pub async fn read_all(ex: &mut Exec<'_>, user_id: i64, now: OffsetDateTime) -> StoreResult<u64> {
    const SQL: &str =
        "UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL";
    on!(ex, c => Ok(sqlx::query(SQL).bind(user_id).bind(now).execute(c).await?.rows_affected()))
}
