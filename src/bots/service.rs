//! Use cases of group bots: the officers of an organisation (or of a committee above it) add,
//! change, pause, resume, test and remove its bots; other areas queue messages through
//! [`notify`] inside their own transactions. Every change is audited without the address or
//! secret.

use time::OffsetDateTime;

use crate::app::App;
use crate::audit::{self, Actor, AuditEvent, Outcome};
use crate::auth::{Denial, OrgAction, Scope};
use crate::db::{Exec, StoreError, StoreResult};
use crate::orgs::model::Org;
use crate::shared::text::char_len;

use super::address::AllowList;
use super::model::{self, Message};
use super::store::{self, Bot, Delivery, NewBot};
use crate::shared::error::DomainError;

/// Bots per organisation.
pub const MAX_PER_ORG: usize = 20;

/// What an officer submits for a bot. `url` and `secret` may be left empty when changing a bot
/// to keep the stored ones; `clear_secret` removes the secret.
#[derive(Debug, Clone, Default)]
pub struct BotForm {
    /// Name.
    pub name: String,
    /// Platform code.
    pub kind: String,
    /// Webhook address.
    pub url: String,
    /// Signing secret.
    pub secret: String,
    /// Remove the stored secret.
    pub clear_secret: bool,
    /// Event codes.
    pub events: Vec<String>,
}

fn invalid(m: &str) -> DomainError {
    DomainError::Invalid(m.to_owned())
}

/// The organisation, if the caller may run its bots.
async fn managed_org(app: &App, scope: &Scope, org_id: i64) -> Result<Org, DomainError> {
    if !scope.has_member_area() {
        return Err(Denial::Forbidden.into());
    }
    Ok(crate::orgs::service::get_checked(app, scope, org_id, OrgAction::Edit).await?)
}

/// A bot the caller may run, with its organisation.
///
/// # Errors
/// `NotFound` for bots outside the caller's organisations.
pub async fn managed(app: &App, scope: &Scope, id: i64) -> Result<(Bot, Org), DomainError> {
    let b = match store::get(&mut app.db.conn().await?.exec(), id).await {
        Ok(b) => b,
        Err(StoreError::NotFound) => return Err(Denial::NotFound.into()),
        Err(e) => return Err(e.into()),
    };
    let org = managed_org(app, scope, b.org_id)
        .await
        .map_err(|e| match e {
            DomainError::Denied(_) => Denial::NotFound.into(),
            e => e,
        })?;
    Ok((b, org))
}

/// The bots of an organisation.
///
/// # Errors
/// Denied outside the caller's organisations.
pub async fn list(app: &App, scope: &Scope, org_id: i64) -> Result<(Org, Vec<Bot>), DomainError> {
    let org = managed_org(app, scope, org_id).await?;
    let bots = store::of_org(&mut app.db.conn().await?.exec(), org_id).await?;
    Ok((org, bots))
}

fn check_common(f: &BotForm) -> Result<(String, String), DomainError> {
    let name = f.name.trim();
    if name.is_empty() || char_len(name) > 50 {
        return Err(invalid("请填写机器人名称（不超过 50 字）"));
    }
    if f.events
        .iter()
        .any(|e| !model::EVENTS.iter().any(|x| x.0 == e))
    {
        return Err(invalid("转发的消息类型无效"));
    }
    if f.secret.len() > 200 || f.secret.chars().any(char::is_whitespace) {
        return Err(invalid("签名密钥格式不正确"));
    }
    Ok((name.to_owned(), model::events_column(&f.events)))
}

/// Adds a bot to an organisation.
///
/// # Errors
/// Denied; an unknown platform or event, a bad address, too many bots.
pub async fn create(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    org_id: i64,
    f: &BotForm,
) -> Result<i64, DomainError> {
    let org = managed_org(app, scope, org_id).await?;
    let (name, events) = check_common(f)?;
    if !model::KINDS.iter().any(|k| k.0 == f.kind) {
        return Err(invalid("请选择平台：企业微信、钉钉或飞书"));
    }
    let url =
        model::check_url(&f.url, &AllowList::of(&app.config.bots)).map_err(DomainError::Invalid)?;
    let secret = f.secret.trim();
    if f.kind == "wecom" && !secret.is_empty() {
        return Err(invalid("企业微信群机器人不使用签名密钥，请留空"));
    }
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            if store::of_org(&mut w.exec(), org.id).await?.len() >= MAX_PER_ORG {
                return Err(invalid("每个组织最多添加 20 个群机器人"));
            }
            let nb = NewBot {
                org_id: org.id,
                name: &name,
                kind: &f.kind,
                url: &url,
                secret: Some(secret).filter(|s| !s.is_empty()),
                events: &events,
            };
            let id = store::insert(&mut w.exec(), &nb, actor.user_id, now).await?;
            let ev = AuditEvent::success("bot.create", "bot", id)
                .org(org.id)
                .detail(format!(
                    "{}「{name}」，转发：{}",
                    model::kind_label(&f.kind),
                    model::events_text(&events)
                ));
            w.audit(ev).await?;
            Ok(id)
        })
        .await
}

/// Changes a bot's name and events, and its address or secret when new ones are given.
///
/// # Errors
/// Denied; bad values.
pub async fn update(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    f: &BotForm,
) -> Result<(), DomainError> {
    let (b, _) = managed(app, scope, id).await?;
    let (name, events) = check_common(f)?;
    let url = match f.url.trim() {
        "" => None,
        s => Some(
            model::check_url(s, &AllowList::of(&app.config.bots)).map_err(DomainError::Invalid)?,
        ),
    };
    let secret = match (f.clear_secret, f.secret.trim()) {
        (true, _) => Some(""),
        (false, "") => None,
        (false, _) if b.kind == "wecom" => {
            return Err(invalid("企业微信群机器人不使用签名密钥，请留空"));
        }
        (false, s) => Some(s),
    };
    let now = app.now();
    let mut detail = format!("「{name}」，转发：{}", model::events_text(&events));
    if url.is_some() {
        detail.push_str("，更换了 Webhook 地址");
    }
    match secret {
        Some("") => detail.push_str("，删除了签名密钥"),
        Some(_) => detail.push_str("，更换了签名密钥"),
        None => {}
    }
    let ev = AuditEvent::success("bot.update", "bot", id)
        .org(b.org_id)
        .detail(detail);
    app.db
        .write(actor, now, async |w| {
            let change = (name.as_str(), events.as_str());
            store::update(&mut w.exec(), id, change, url.as_deref(), secret, now).await?;
            w.audit(ev).await
        })
        .await?;
    Ok(())
}

/// Pauses (`true`) or resumes a bot by hand.
///
/// # Errors
/// Denied; already in that state.
pub async fn set_paused(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    pause: bool,
) -> Result<(), DomainError> {
    let (b, _) = managed(app, scope, id).await?;
    let reason = format!("由 {} 手动暂停", actor.name);
    let action = if pause { "bot.pause" } else { "bot.resume" };
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            let why = pause.then_some(reason.as_str());
            if !store::set_status(&mut w.exec(), id, why, now).await? {
                return Err(invalid(if pause {
                    "该机器人已暂停"
                } else {
                    "该机器人未暂停"
                }));
            }
            let ev = AuditEvent::success(action, "bot", id)
                .org(b.org_id)
                .detail(format!("「{}」", b.name));
            Ok(w.audit(ev).await?)
        })
        .await
}

/// Removes a bot and its delivery log.
///
/// # Errors
/// Denied.
pub async fn delete(app: &App, actor: &Actor, scope: &Scope, id: i64) -> Result<i64, DomainError> {
    let (b, _) = managed(app, scope, id).await?;
    let ev = AuditEvent::success("bot.delete", "bot", id)
        .org(b.org_id)
        .detail(format!("{}「{}」", b.kind_label(), b.name));
    app.db
        .write(actor, app.now(), async |w| {
            store::delete(&mut w.exec(), id).await?;
            w.audit(ev).await
        })
        .await?;
    Ok(b.org_id)
}

/// Why a test message was not queued.
#[derive(Debug, thiserror::Error)]
pub enum TestError {
    /// Over `bots.test_sends_per_10min` for the account or the bot (SEC-44); audited.
    #[error("{}", TEST_LIMITED)]
    Limited,
    /// Denied, or storage.
    #[error(transparent)]
    Other(#[from] DomainError),
}

impl From<StoreError> for TestError {
    fn from(e: StoreError) -> Self {
        Self::Other(e.into())
    }
}

/// What the officer is told when test sends come too often.
pub const TEST_LIMITED: &str = "发送测试消息过于频繁，请稍后再试";

/// Queues a test message; the job sends it within seconds and the log shows the answer. An
/// account may ask for `bots.test_sends_per_10min` in 10 minutes, and a bot be sent as many, so
/// the button cannot be used to hammer an address; the excess is refused and audited.
///
/// # Errors
/// Denied; [`TestError::Limited`].
pub async fn test(app: &App, actor: &Actor, scope: &Scope, id: i64) -> Result<i64, TestError> {
    let (b, org) = managed(app, scope, id).await?;
    let now = app.now();
    let m = Message {
        title: "支部测试消息".into(),
        body: format!(
            "这是来自「{}」的测试消息，收到说明群机器人「{}」配置正确。",
            org.name, b.name
        ),
        link: link(app, "/"),
    };
    let limit = app.config.bots.test_sends_per_10min;
    let mut tx = app.db.begin().await?;
    if !store::count_test_send(&mut tx.exec(), id, actor.user_id, limit, now).await? {
        drop(tx);
        let ev = AuditEvent::success("bot.rate_limited", "bot", id)
            .org(b.org_id)
            .outcome(Outcome::Failure)
            .detail(format!(
                "「{}」：10 分钟内超过 {limit} 条测试消息，未发送",
                b.name
            ));
        audit::record_alone(&app.db, actor, now, ev).await?;
        return Err(TestError::Limited);
    }
    let did = store::enqueue_test(&mut tx.exec(), id, &m, now).await?;
    let ev = AuditEvent::success("bot.test", "bot", id)
        .org(b.org_id)
        .detail(format!("「{}」", b.name));
    audit::record(&mut tx, actor, now, ev).await?;
    tx.commit().await?;
    Ok(did)
}

/// The delivery log of a bot, newest first.
///
/// # Errors
/// Denied.
pub async fn log(
    app: &App,
    scope: &Scope,
    id: i64,
) -> Result<(Bot, Org, Vec<Delivery>), DomainError> {
    let (b, org) = managed(app, scope, id).await?;
    let d = store::log(&mut app.db.conn().await?.exec(), id, 100).await?;
    Ok((b, org, d))
}

/// An absolute link to a local path, or empty when `server.public_url` is not set (the message
/// then goes without a link rather than with one that cannot work).
#[must_use]
pub fn link(app: &App, path: &str) -> String {
    let base = app.config.server.public_url.trim_end_matches('/');
    if base.is_empty() {
        String::new()
    } else {
        format!("{base}{path}")
    }
}

/// Queues a message for the bots of `org_ids` that forward `event`, once per `key`, in the
/// caller's transaction.
///
/// # Errors
/// Database failures.
pub async fn notify(
    ex: &mut Exec<'_>,
    app: &App,
    org_ids: &[i64],
    (event, key): (&str, &str),
    (title, body, path): (&str, &str, &str),
    now: OffsetDateTime,
) -> StoreResult<u64> {
    let m = Message {
        title: title.chars().take(80).collect(),
        body: body.chars().take(500).collect(),
        link: link(app, path),
    };
    store::enqueue(ex, org_ids, event, key, &m, now).await
}
