//! Use cases of 通知公告: writing and publishing (now or at a set time), the member's inbox,
//! reading with a receipt, the sender's 已读 / 未读 lists, and reminding the unread.

use crate::meetings::service::FileInfo;
use time::{Duration, OffsetDateTime};

use crate::app::App;
use crate::audit::{self, Actor, AuditEvent};
use crate::auth::{Denial, MemberAction, OrgAction, Scope};
use crate::db::StoreError;

use super::model::{Audience, BODY_MAX, TITLE_MAX, clean_body};
use super::store::{self, InboxLine, NewNotice, Notice};
use crate::shared::error::DomainError;

/// Shortest time between two reminders of one notice.
pub const REMIND_EVERY: Duration = Duration::hours(1);

/// What an officer submits.
#[derive(Debug, Clone)]
pub struct Draft {
    /// Sending organisation.
    pub org_id: i64,
    /// Title.
    pub title: String,
    /// Body as written (cleaned here).
    pub body: String,
    /// Ask readers to confirm.
    pub receipt_required: bool,
    /// Who receives it.
    pub audience: Audience,
    /// Publish at this time instead of now.
    pub publish_at: Option<OffsetDateTime>,
    /// Which group bots hear of it: `notice`, or `report` for a 积分通报.
    pub bot_event: &'static str,
}

fn invalid(m: &str) -> DomainError {
    DomainError::Invalid(m.to_owned())
}

/// Checks the draft and the audience against the caller's reach, stores the notice, and
/// publishes it now unless it is set for later. Returns its id.
///
/// # Errors
/// Denied unless the caller runs the sending organisation; audience organisations or members
/// outside the caller's reach; empty or oversized text; a time in the past.
pub async fn create(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    d: &Draft,
) -> Result<i64, DomainError> {
    create_with_files(app, actor, scope, d, &[]).await
}

/// [`create`] with attachments `(file name, bytes)`, all checked before anything is written and
/// stored in the same transaction as the notice.
///
/// # Errors
/// As [`create`]; too many files, or one too large or not an accepted kind.
pub async fn create_with_files(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    d: &Draft,
    files: &[(String, Vec<u8>)],
) -> Result<i64, DomainError> {
    if !scope.has_member_area() {
        return Err(Denial::Forbidden.into());
    }
    let org = crate::orgs::service::get_checked(app, scope, d.org_id, OrgAction::Edit).await?;
    let title = d.title.trim();
    if title.is_empty() || title.chars().count() > TITLE_MAX {
        return Err(invalid("请填写标题（不超过 100 字）"));
    }
    if d.body.len() > BODY_MAX {
        return Err(invalid("正文过长，请精简后再发布"));
    }
    let body = clean_body(&d.body);
    if super::model::plain_text(&body, 10).is_empty() {
        return Err(invalid("请填写正文"));
    }
    if d.audience.is_empty() {
        return Err(invalid("请选择接收范围"));
    }
    if d.audience.orgs.len() + d.audience.subtrees.len() > 500 || d.audience.members.len() > 5000 {
        return Err(invalid("接收范围过大，请改为选择上级组织及其下级"));
    }
    let mut names = Vec::new();
    for (id, sub) in d
        .audience
        .orgs
        .iter()
        .map(|i| (*i, false))
        .chain(d.audience.subtrees.iter().map(|i| (*i, true)))
    {
        let o = crate::orgs::service::get_checked(app, scope, id, OrgAction::View).await?;
        if !o.path.starts_with(&org.path) {
            return Err(invalid("只能向本组织及下级组织发送通知"));
        }
        names.push(if sub {
            format!("{}及下级组织", o.name)
        } else {
            o.name
        });
    }
    for m in &d.audience.members {
        crate::members::service::detail(app, scope, *m, MemberAction::View).await?;
    }
    if !d.audience.members.is_empty() {
        names.push(format!("{} 名指定党员", d.audience.members.len()));
    }
    let now = app.now();
    let publish_at = match d.publish_at {
        Some(t) if t < now - Duration::minutes(1) => {
            return Err(invalid("定时发布时间不能早于现在"));
        }
        Some(t) => crate::shared::clock::truncate(t),
        None => now,
    };
    let kept = super::files::check(app, files).map_err(DomainError::Invalid)?;
    let audience = serde_json::to_string(&d.audience).unwrap_or_default();
    let label = names.join("、");
    let id = app
        .db
        .write(actor, now, async |w| {
            let id = store::insert(
                &mut w.exec(),
                &NewNotice {
                    org_id: org.id,
                    title,
                    body: &body,
                    receipt_required: d.receipt_required,
                    audience: &audience,
                    audience_label: &label,
                    publish_at,
                    author: (actor.user_id, &actor.name),
                    bot_event: d.bot_event,
                },
                now,
            )
            .await?;
            super::files_store::insert(&mut w.exec(), id, &kept, actor.user_id, now).await?;
            let with = if kept.is_empty() {
                String::new()
            } else {
                format!("，附件 {} 个", kept.len())
            };
            let ev = AuditEvent::success("notice.create", "notice", id)
                .org(org.id)
                .detail(format!("《{title}》发送至 {label}{with}"));
            w.audit(ev).await?;
            Ok::<_, DomainError>(id)
        })
        .await?;
    if publish_at <= now {
        publish(app, id).await?;
    }
    Ok(id)
}

/// Publishes a scheduled notice: fans the audience out to recipients and marks it published,
/// in one transaction, exactly once even when two workers race.
///
/// # Errors
/// Storage failures (nothing is half-written).
pub async fn publish(app: &App, id: i64) -> Result<bool, StoreError> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    if !store::claim_publish(&mut tx.exec(), id, now).await? {
        return Ok(false);
    }
    let n = store::get(&mut tx.exec(), id).await?;
    let a: Audience = serde_json::from_str(&n.audience).unwrap_or_default();
    for (org, sub) in a
        .orgs
        .iter()
        .map(|i| (*i, false))
        .chain(a.subtrees.iter().map(|i| (*i, true)))
    {
        let o = crate::orgs::service::get_unscoped(&mut tx.exec(), org).await?;
        store::add_org(&mut tx.exec(), id, &o.path, sub).await?;
    }
    for m in &a.members {
        store::add_member(&mut tx.exec(), id, *m).await?;
    }
    store::count_recipients(&mut tx.exec(), id).await?;
    let title = format!("新通知：{}", n.title);
    let link = format!("/notices/{id}");
    super::centre_store::to_notice_recipients(
        &mut tx.exec(),
        id,
        false,
        ("notice", &title, &link),
        now,
    )
    .await?;
    // The groups of the organisations addressed hear of it; a notice to chosen members only
    // stays out of group chats.
    super::groups::published(app, &mut tx.exec(), &n, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// The job: publishes every scheduled notice whose time has come.
///
/// # Errors
/// Storage failures (the rest waits for the next run).
pub async fn publish_due(app: &App) -> Result<usize, StoreError> {
    let ids = store::due(&mut app.db.conn().await?.exec(), app.now()).await?;
    let mut n = 0;
    for id in ids {
        if publish(app, id).await? {
            n += 1;
        }
    }
    Ok(n)
}

/// A page of the caller's inbox with the total and unread counts.
///
/// # Errors
/// Storage failures.
pub async fn inbox(
    app: &App,
    scope: &Scope,
    page: i64,
    per_page: i64,
) -> Result<(Vec<InboxLine>, i64, i64), DomainError> {
    let Some(member) = scope.member_id else {
        return Ok((Vec::new(), 0, 0));
    };
    let per = per_page.clamp(1, 100);
    Ok(store::inbox(
        &mut app.db.conn().await?.exec(),
        member,
        per,
        (page.max(1) - 1) * per,
    )
    .await?)
}

/// A notice as the caller sees it.
#[derive(Debug, Clone)]
pub struct Opened {
    /// The notice.
    pub notice: Notice,
    /// The caller is a recipient; when they read it.
    pub read_at: Option<OffsetDateTime>,
    /// The caller may see receipts and remind.
    pub manages: bool,
    /// Recipients who have read it (counted only for those who manage it, else 0).
    pub read_count: i64,
    /// Its attachments, in upload order.
    pub files: Vec<FileInfo>,
}

/// Opens a notice: a recipient's first opening records the read. Officers of the sending
/// organisation (and above) may open it too.
///
/// # Errors
/// `NotFound` for anyone else, and for notices not yet published to recipients.
pub async fn open(app: &App, actor: &Actor, scope: &Scope, id: i64) -> Result<Opened, DomainError> {
    let notice = match store::get(&mut app.db.conn().await?.exec(), id).await {
        Ok(n) => n,
        Err(StoreError::NotFound) => return Err(Denial::NotFound.into()),
        Err(e) => return Err(e.into()),
    };
    let manages = scope.has_member_area()
        && crate::orgs::service::get_checked(app, scope, notice.org_id, OrgAction::Edit)
            .await
            .is_ok();
    let mut read_at = None;
    if let Some(m) = scope.member_id
        && notice.status == "published"
        && let Some(r) = store::receipt(&mut app.db.conn().await?.exec(), id, m).await?
    {
        read_at = r;
        if r.is_none() {
            let now = app.now();
            let mut tx = app.db.begin().await?;
            if store::mark_read(&mut tx.exec(), id, m, now).await? {
                let ev = AuditEvent::success("notice.read", "notice", id).org(notice.org_id);
                audit::record(&mut tx, actor, now, ev).await?;
            }
            tx.commit().await?;
            read_at = Some(now);
        }
    } else if !manages {
        return Err(Denial::NotFound.into());
    }
    let mut conn = app.db.conn().await?;
    let read_count = if manages {
        notice.recipients - store::unread_of(&mut conn.exec(), id).await?
    } else {
        0
    };
    let files = super::files_store::list(&mut conn.exec(), id).await?;
    Ok(Opened {
        notice,
        read_at,
        manages,
        read_count,
        files,
    })
}

/// 已读 / 未读: every recipient (member id, name, organisation, read time), unread first.
///
/// # Errors
/// `NotFound` unless the caller runs the sending organisation.
pub async fn receipts(
    app: &App,
    scope: &Scope,
    id: i64,
) -> Result<(Notice, Vec<(i64, String, String, Option<OffsetDateTime>)>), DomainError> {
    let n = managed(app, scope, id).await?;
    let rows = store::receipts(&mut app.db.conn().await?.exec(), id).await?;
    Ok((n, rows))
}

async fn managed(app: &App, scope: &Scope, id: i64) -> Result<Notice, DomainError> {
    if !scope.has_member_area() {
        return Err(Denial::NotFound.into());
    }
    let n = match store::get(&mut app.db.conn().await?.exec(), id).await {
        Ok(n) => n,
        Err(StoreError::NotFound) => return Err(Denial::NotFound.into()),
        Err(e) => return Err(e.into()),
    };
    crate::orgs::service::get_checked(app, scope, n.org_id, OrgAction::Edit)
        .await
        .map_err(|_| DomainError::Denied(Denial::NotFound))?;
    Ok(n)
}

/// Reminds the unread of a published notice, at most once an hour. Returns how many are
/// still unread.
///
/// # Errors
/// `NotFound` unless the caller runs the sending organisation; refused when reminded in the
/// last hour or not yet published.
pub async fn remind(app: &App, actor: &Actor, scope: &Scope, id: i64) -> Result<i64, DomainError> {
    let n = managed(app, scope, id).await?;
    if n.status != "published" {
        return Err(invalid("通知尚未发布，不能提醒"));
    }
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            if !store::claim_reminder(&mut w.exec(), id, now, now - REMIND_EVERY).await? {
                return Err(invalid("一小时内已提醒过，请稍后再试"));
            }
            let unread = store::unread_of(&mut w.exec(), id).await?;
            let title = format!("请阅读通知：{}", n.title);
            let link = format!("/notices/{id}");
            super::centre_store::to_notice_recipients(
                &mut w.exec(),
                id,
                true,
                ("notice_reminder", &title, &link),
                now,
            )
            .await?;
            super::groups::reminded(app, &mut w.exec(), &n, unread, now).await?;
            let ev = AuditEvent::success("notice.remind", "notice", id)
                .org(n.org_id)
                .detail(format!("提醒未读 {unread} 人"));
            w.audit(ev).await?;
            Ok(unread)
        })
        .await
}

/// Other areas add lines to the notification centre through these, inside their own
/// transactions; the page chrome reads the bell.
pub use super::centre_store::{to_member, to_officers, to_user, unread as unread_notifications};
