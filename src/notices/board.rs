//! 党务公开: a per-organisation board of what must be disclosed — 党费 collection, 民主评议
//! results, 发展党员 publicity (公示) — visible to the organisation's own members and officers,
//! and to the committee above when the entry says so. A 公示 shows its remaining days and is
//! over after its last day; an entry can be withdrawn with a reason, never edited or deleted.

use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::app::App;
use crate::audit::{Actor, AuditEvent};
use crate::auth::{Denial, OrgAction, Scope};
use crate::db::StoreError;

use super::board_store;
use super::model::{TITLE_MAX, clean_body, plain_text};
use crate::shared::error::DomainError;

/// The kinds of disclosure, with their Chinese names.
pub const KINDS: [(&str, &str); 4] = [
    ("dues", "党费收缴"),
    ("evaluation", "评议结果"),
    ("development", "发展公示"),
    ("other", "其他公开事项"),
];

/// An entry of the board.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Disclosure {
    /// Id.
    pub id: i64,
    /// Organisation whose board it is on.
    pub org_id: i64,
    /// One of [`KINDS`].
    pub kind: String,
    /// Title.
    pub title: String,
    /// Cleaned HTML.
    pub body: String,
    /// First day shown.
    #[serde(with = "crate::shared::json_date")]
    pub starts_on: Date,
    /// Last day of a 公示.
    #[serde(with = "crate::shared::json_date::option")]
    pub ends_on: Option<Date>,
    /// Also shown to the committee above.
    pub visible_to_parent: bool,
    /// Author.
    pub author_name: String,
    /// Withdrawn, with the reason.
    #[serde(with = "time::serde::rfc3339::option")]
    pub withdrawn_at: Option<OffsetDateTime>,
    /// Why.
    pub withdrawn_reason: Option<String>,
}

/// Where an entry stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Not yet shown (starts later).
    Upcoming,
    /// Shown; for a 公示, with the days left including today.
    Open(Option<i64>),
    /// Its last day has passed.
    Over,
    /// Withdrawn.
    Withdrawn,
}

impl Disclosure {
    /// The stage on `today`.
    #[must_use]
    pub fn stage(&self, today: Date) -> Stage {
        if self.withdrawn_at.is_some() {
            return Stage::Withdrawn;
        }
        if today < self.starts_on {
            return Stage::Upcoming;
        }
        match self.ends_on {
            Some(end) if today > end => Stage::Over,
            Some(end) => Stage::Open(Some((end - today).whole_days() + 1)),
            None => Stage::Open(None),
        }
    }
    /// The dates as shown: "2026-11-28" or "2026-11-28 至 2026-12-04".
    #[must_use]
    pub fn dates(&self) -> String {
        let from = crate::shared::text::ymd(self.starts_on);
        match self.ends_on {
            Some(end) => format!("{from} 至 {}", crate::shared::text::ymd(end)),
            None => from,
        }
    }
    /// The kind in Chinese.
    #[must_use]
    pub fn kind_label(&self) -> &'static str {
        KINDS
            .iter()
            .find(|(k, _)| *k == self.kind)
            .map_or("公开事项", |(_, l)| l)
    }
}

/// Whether the caller may read the board of the organisation at `path`: anyone on its books
/// (members and officers of it or of a 党小组 below), and officers above when `to_parent`.
fn may_read(scope: &Scope, path: &str, to_parent: bool) -> bool {
    let Some(own) = scope.own.as_ref() else {
        return false;
    };
    own.path.starts_with(path)
        || (to_parent && scope.has_member_area() && path.starts_with(&own.path))
}

/// What an officer enters.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Board's organisation.
    pub org_id: i64,
    /// One of [`KINDS`].
    pub kind: String,
    /// Title.
    pub title: String,
    /// Body as written.
    pub body: String,
    /// First day.
    pub starts_on: Date,
    /// Last day of a 公示.
    pub ends_on: Option<Date>,
    /// Show to the committee above.
    pub visible_to_parent: bool,
}

/// Puts an entry on the board of an organisation the caller runs.
///
/// # Errors
/// Denied outside the caller's organisations; an unknown kind, empty text, or a last day
/// before the first.
pub async fn publish(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    e: &Entry,
) -> Result<i64, DomainError> {
    if !scope.has_member_area() {
        return Err(Denial::Forbidden.into());
    }
    let org = crate::orgs::service::get_checked(app, scope, e.org_id, OrgAction::Edit).await?;
    let bad = |m: &str| Err(DomainError::Invalid(m.to_owned()));
    if !KINDS.iter().any(|(k, _)| *k == e.kind) {
        return bad("请选择公开类别");
    }
    let title = e.title.trim();
    if title.is_empty() || title.chars().count() > TITLE_MAX {
        return bad("请填写标题（不超过 100 字）");
    }
    let body = clean_body(&e.body);
    if plain_text(&body, 10).is_empty() || e.body.len() > super::model::BODY_MAX {
        return bad("请填写公开内容（不超过 10 万字）");
    }
    if e.ends_on.is_some_and(|end| end < e.starts_on) {
        return bad("公示结束日期不能早于开始日期");
    }
    if e.kind == "development" && e.ends_on.is_none() {
        return bad("发展公示须填写公示期（开始和结束日期）");
    }
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            let entry = Entry {
                title: title.to_owned(),
                body,
                ..e.clone()
            };
            let id = board_store::insert(&mut w.exec(), org.id, &entry, actor, now).await?;
            let ev = AuditEvent::success("disclosure.publish", "disclosure", id)
                .org(org.id)
                .detail(format!("党务公开《{title}》"));
            w.audit(ev).await?;
            Ok(id)
        })
        .await
}

/// The board of an organisation as the caller may see it, newest first (entries not yet begun
/// only for those who run it). Returns whether the caller runs it.
///
/// # Errors
/// `NotFound` for callers who may not read it.
pub async fn board(
    app: &App,
    scope: &Scope,
    org_id: i64,
) -> Result<(crate::orgs::model::Org, Vec<Disclosure>, bool), DomainError> {
    let org =
        match crate::orgs::service::get_unscoped(&mut app.db.conn().await?.exec(), org_id).await {
            Ok(o) => o,
            Err(StoreError::NotFound) => return Err(Denial::NotFound.into()),
            Err(e) => return Err(e.into()),
        };
    // Only the organisation's own officers run its board; the committee above reads what is
    // shared with it, even though it may edit the organisation itself.
    let runs = scope.has_member_area()
        && scope.own.as_ref().is_some_and(|o| o.path == org.path)
        && crate::orgs::service::get_checked(app, scope, org_id, OrgAction::Edit)
            .await
            .is_ok();
    let inside = may_read(scope, &org.path, false);
    let all = board_store::of_org(&mut app.db.conn().await?.exec(), org_id).await?;
    let today = app.clock.today();
    let shown: Vec<Disclosure> = all
        .into_iter()
        .filter(|d| runs || inside || may_read(scope, &org.path, d.visible_to_parent))
        .filter(|d| runs || d.stage(today) != Stage::Upcoming)
        .collect();
    if !runs && !inside && shown.is_empty() && !may_read(scope, &org.path, true) {
        return Err(Denial::NotFound.into());
    }
    Ok((org, shown, runs))
}

/// One entry the caller may see.
///
/// # Errors
/// `NotFound` otherwise.
pub async fn entry(app: &App, scope: &Scope, id: i64) -> Result<(Disclosure, bool), DomainError> {
    let d = match board_store::get(&mut app.db.conn().await?.exec(), id).await {
        Ok(d) => d,
        Err(StoreError::NotFound) => return Err(Denial::NotFound.into()),
        Err(e) => return Err(e.into()),
    };
    let (_, shown, runs) = board(app, scope, d.org_id).await?;
    if !shown.iter().any(|s| s.id == id) {
        return Err(Denial::NotFound.into());
    }
    Ok((d, runs))
}

/// Withdraws an entry with a reason (it stays on record, marked withdrawn).
///
/// # Errors
/// `NotFound` unless the caller runs the board; a missing reason; already withdrawn.
pub async fn withdraw(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    reason: &str,
) -> Result<(), DomainError> {
    let (d, runs) = entry(app, scope, id).await?;
    if !runs {
        return Err(Denial::NotFound.into());
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(DomainError::Invalid(
            "请填写撤回原因（不超过 200 字）".into(),
        ));
    }
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            if !board_store::withdraw(&mut w.exec(), id, reason, now).await? {
                return Err(DomainError::Invalid("该事项已撤回".into()));
            }
            let ev = AuditEvent::success("disclosure.withdraw", "disclosure", id)
                .org(d.org_id)
                .detail(format!("撤回《{}》：{reason}", d.title));
            w.audit(ev).await?;
            Ok(())
        })
        .await
}
