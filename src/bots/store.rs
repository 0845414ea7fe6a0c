//! Storage of bots and their deliveries. Enqueueing is one `INSERT … SELECT` in the caller's
//! transaction, once per (bot, message key); sending claims a row before the request goes out.

use time::OffsetDateTime;

use crate::db::{Exec, StoreError, StoreResult};
use crate::on;

use super::model::Message;

/// A group bot. The address and secret never leave the server: pages show [`Bot::masked`], and
/// its `Debug` output (what a log line would print) leaves both out.
#[derive(Clone, sqlx::FromRow)]
pub struct Bot {
    /// Id.
    pub id: i64,
    /// Organisation whose group it posts to.
    pub org_id: i64,
    /// Name, e.g. "第一支部群".
    pub name: String,
    /// `wecom`, `dingtalk` or `feishu`.
    pub kind: String,
    /// Webhook address (a credential: never shown again, never logged).
    pub webhook_url: String,
    /// Signing secret, if the platform uses one.
    pub secret: Option<String>,
    /// Event codes, stored as `,notice,report,`.
    pub events: String,
    /// `active` or `paused`.
    pub status: String,
    /// Why it was paused.
    pub paused_reason: String,
    /// Failed attempts in a row.
    pub failures: i64,
    /// Last message accepted.
    pub last_sent_at: Option<OffsetDateTime>,
    /// Created.
    pub created_at: OffsetDateTime,
}

impl std::fmt::Debug for Bot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bot")
            .field("id", &self.id)
            .field("org_id", &self.org_id)
            .field("kind", &self.kind)
            .field("webhook_url", &self.masked())
            .field("secret", &self.signed().then_some("[REDACTED]"))
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl Bot {
    /// The address as shown.
    #[must_use]
    pub fn masked(&self) -> String {
        super::model::masked_url(&self.webhook_url)
    }
    /// Whether a signing secret is stored.
    #[must_use]
    pub fn signed(&self) -> bool {
        self.secret.as_deref().is_some_and(|s| !s.is_empty())
    }
    /// The event codes.
    #[must_use]
    pub fn event_codes(&self) -> Vec<&str> {
        self.events.split(',').filter(|s| !s.is_empty()).collect()
    }
    /// Whether it forwards `code`.
    #[must_use]
    pub fn forwards(&self, code: &str) -> bool {
        self.event_codes().contains(&code)
    }
    /// The platform in Chinese.
    #[must_use]
    pub fn kind_label(&self) -> &'static str {
        super::model::kind_label(&self.kind)
    }
    /// Event labels joined for a list.
    #[must_use]
    pub fn events_text(&self) -> String {
        super::model::events_text(&self.events)
    }
    /// Whether it is paused.
    #[must_use]
    pub fn paused(&self) -> bool {
        self.status == "paused"
    }
}

/// One message to one bot.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Delivery {
    /// Id.
    pub id: i64,
    /// Bot.
    pub bot_id: i64,
    /// Event code, or `test`.
    pub event_kind: String,
    /// Title.
    pub title: String,
    /// Text.
    pub body: String,
    /// Link back.
    pub link: String,
    /// `pending`, `sending`, `sent`, `failed`, `uncertain`.
    pub status: String,
    /// Attempts made.
    pub attempts: i64,
    /// When the next attempt is due.
    pub next_attempt_at: OffsetDateTime,
    /// What the last attempt came to: the platform's code and message, an HTTP status, or the
    /// one message for all that did not arrive (SEC-38); never a body.
    pub response: String,
    /// Queued.
    pub created_at: OffsetDateTime,
    /// Sent or given up.
    pub finished_at: Option<OffsetDateTime>,
}

impl Delivery {
    /// Status in Chinese.
    #[must_use]
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "pending" if self.attempts > 0 => "等待重试",
            "pending" => "等待发送",
            "sending" => "发送中",
            "sent" => "已送达",
            "failed" => "发送失败",
            "uncertain" => "结果未知（未重发）",
            _ => "",
        }
    }
    /// Event in Chinese.
    #[must_use]
    pub fn event_label(&self) -> &'static str {
        if self.event_kind == "test" {
            "测试消息"
        } else {
            super::model::event_label(&self.event_kind)
        }
    }
    /// Queued, as shown.
    #[must_use]
    pub fn when(&self) -> String {
        crate::shared::text::datetime(self.created_at)
    }
}

const BOT_COLS: &str = "id, org_id, name, kind, webhook_url, secret, events, status, paused_reason,
    failures, last_sent_at, created_at";
pub(super) const DELIVERY_COLS: &str =
    "id, bot_id, event_kind, title, body, link, status, attempts,
    next_attempt_at, response, created_at, finished_at";

/// A new bot.
pub struct NewBot<'a> {
    /// Organisation.
    pub org_id: i64,
    /// Name.
    pub name: &'a str,
    /// Platform.
    pub kind: &'a str,
    /// Checked address.
    pub url: &'a str,
    /// Secret, if any.
    pub secret: Option<&'a str>,
    /// Stored event codes.
    pub events: &'a str,
}

/// Inserts a bot.
///
/// # Errors
/// Database failures.
pub async fn insert(
    ex: &mut Exec<'_>,
    b: &NewBot<'_>,
    by: Option<i64>,
    now: OffsetDateTime,
) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO bots (org_id, name, kind, webhook_url, secret, events, status,
        created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $8, $8)
        RETURNING id";
    on!(ex, c => Ok(sqlx::query_scalar(SQL).bind(b.org_id).bind(b.name).bind(b.kind).bind(b.url)
        .bind(b.secret).bind(b.events).bind(by).bind(now).fetch_one(c).await?))
}

/// One bot.
///
/// # Errors
/// `NotFound`, database failures.
pub async fn get(ex: &mut Exec<'_>, id: i64) -> StoreResult<Bot> {
    let sql = format!("SELECT {BOT_COLS} FROM bots WHERE id = $1");
    let b: Option<Bot> = on!(ex, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await?);
    b.ok_or(StoreError::NotFound)
}

/// The bots of an organisation.
///
/// # Errors
/// Database failures.
pub async fn of_org(ex: &mut Exec<'_>, org_id: i64) -> StoreResult<Vec<Bot>> {
    let sql = format!("SELECT {BOT_COLS} FROM bots WHERE org_id = $1 ORDER BY id");
    on!(ex, c => Ok(sqlx::query_as(&sql).bind(org_id).fetch_all(c).await?))
}

/// Changes name and events, and the address or secret when given (`Some("")` removes the
/// secret).
///
/// # Errors
/// Database failures.
pub async fn update(
    ex: &mut Exec<'_>,
    id: i64,
    (name, events): (&str, &str),
    url: Option<&str>,
    secret: Option<&str>,
    now: OffsetDateTime,
) -> StoreResult<()> {
    const SQL: &str = "UPDATE bots SET name = $2, events = $3,
        webhook_url = COALESCE($4, webhook_url),
        secret = CASE WHEN $5 IS NULL THEN secret WHEN $5 = '' THEN NULL ELSE $5 END,
        updated_at = $6 WHERE id = $1";
    on!(ex, c => sqlx::query(SQL).bind(id).bind(name).bind(events).bind(url).bind(secret).bind(now)
        .execute(c).await?.rows_affected());
    Ok(())
}

/// Pauses (with a reason) or resumes a bot; resuming clears the failure count.
///
/// # Errors
/// Database failures.
pub async fn set_status(
    ex: &mut Exec<'_>,
    id: i64,
    paused: Option<&str>,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    const PAUSE: &str = "UPDATE bots SET status = 'paused', paused_reason = $2, updated_at = $3
        WHERE id = $1 AND status = 'active'";
    const RESUME: &str = "UPDATE bots SET status = 'active', paused_reason = '', failures = 0,
        updated_at = $2 WHERE id = $1 AND status = 'paused'";
    let n = match paused {
        Some(reason) => on!(ex, c => sqlx::query(PAUSE).bind(id).bind(reason).bind(now)
            .execute(c).await?.rows_affected()),
        None => {
            on!(ex, c => sqlx::query(RESUME).bind(id).bind(now).execute(c).await?.rows_affected())
        }
    };
    Ok(n == 1)
}

/// Deletes a bot and its delivery log.
///
/// # Errors
/// Database failures.
pub async fn delete(ex: &mut Exec<'_>, id: i64) -> StoreResult<()> {
    on!(ex, c => sqlx::query("DELETE FROM bot_deliveries WHERE bot_id = $1").bind(id).execute(c).await?.rows_affected());
    on!(ex, c => sqlx::query("DELETE FROM bots WHERE id = $1").bind(id).execute(c).await?.rows_affected());
    Ok(())
}

/// Queues `m` for every active bot of `org_ids` that forwards `event`, once per bot and `key`
/// (a second call with the same key adds nothing). Returns the deliveries added.
///
/// # Errors
/// Database failures (the caller's transaction then fails as a whole).
pub async fn enqueue(
    ex: &mut Exec<'_>,
    org_ids: &[i64],
    event: &str,
    key: &str,
    m: &Message,
    now: OffsetDateTime,
) -> StoreResult<u64> {
    if org_ids.is_empty() {
        return Ok(0);
    }
    let like = format!("%,{event},%");
    on!(ex, c => {
        let mut qb = sqlx::QueryBuilder::new(
            "INSERT INTO bot_deliveries (bot_id, event_kind, dedupe_key, title, body, link, status,
                next_attempt_at, created_at) SELECT b.id, ",
        );
        qb.push_bind(event).push(", ").push_bind(key).push(", ").push_bind(&m.title)
            .push(", ").push_bind(&m.body).push(", ").push_bind(&m.link).push(", 'pending', ")
            .push_bind(now).push(", ").push_bind(now)
            .push(" FROM bots b WHERE b.status = 'active' AND b.events LIKE ").push_bind(&like)
            .push(" AND b.org_id IN (");
        let mut ids = qb.separated(", ");
        for id in org_ids {
            ids.push_bind(*id);
        }
        qb.push(") ON CONFLICT (bot_id, dedupe_key) DO NOTHING");
        Ok(qb.build().execute(c).await?.rows_affected())
    })
}

/// Queues a test message for one bot (even a paused one: testing is how it is checked).
///
/// # Errors
/// Database failures.
pub async fn enqueue_test(
    ex: &mut Exec<'_>,
    bot_id: i64,
    m: &Message,
    now: OffsetDateTime,
) -> StoreResult<i64> {
    const SQL: &str =
        "INSERT INTO bot_deliveries (bot_id, event_kind, dedupe_key, title, body, link,
        status, next_attempt_at, created_at) VALUES ($1, 'test', $2, $3, $4, $5, 'pending', $6, $6)
        RETURNING id";
    let key = format!("test:{}", crate::shared::token::request_id());
    on!(ex, c => Ok(sqlx::query_scalar(SQL).bind(bot_id).bind(&key).bind(&m.title).bind(&m.body)
        .bind(&m.link).bind(now).fetch_one(c).await?))
}

/// The latest deliveries of a bot, newest first.
///
/// # Errors
/// Database failures.
pub async fn log(ex: &mut Exec<'_>, bot_id: i64, limit: i64) -> StoreResult<Vec<Delivery>> {
    let sql = format!(
        "SELECT {DELIVERY_COLS} FROM bot_deliveries WHERE bot_id = $1 ORDER BY id DESC LIMIT $2"
    );
    on!(ex, c => Ok(sqlx::query_as(&sql).bind(bot_id).bind(limit).fetch_all(c).await?))
}

/// Counts a test send against the limit of `limit` per bot and per account in the 10 minutes
/// before `now` (SEC-44), in one statement so a refused send writes nothing. Rows older than a
/// day are dropped on the way. Returns whether the send is within the limit.
///
/// # Errors
/// Database failures.
pub async fn count_test_send(
    ex: &mut Exec<'_>,
    bot_id: i64,
    user_id: Option<i64>,
    limit: u32,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    const PURGE: &str = "DELETE FROM bot_test_sends WHERE at < $1";
    const SQL: &str = "INSERT INTO bot_test_sends (bot_id, user_id, at) SELECT $1, $2, $3
        WHERE (SELECT COUNT(*) FROM bot_test_sends WHERE bot_id = $1 AND at > $4) < $5
          AND (SELECT COUNT(*) FROM bot_test_sends WHERE user_id = $2 AND at > $4) < $5";
    let since = now - time::Duration::minutes(10);
    on!(ex, c => sqlx::query(PURGE).bind(now - time::Duration::days(1)).execute(c).await?.rows_affected());
    let n = on!(ex, c => sqlx::query(SQL).bind(bot_id).bind(user_id).bind(now).bind(since)
        .bind(i64::from(limit)).execute(c).await?.rows_affected());
    Ok(n == 1)
}
