//! What the group bots hear of notices: the organisations addressed (with everything below
//! those addressed with their subtrees), publication and reminders.

use time::OffsetDateTime;

use crate::app::App;
use crate::db::{Exec, StoreResult};

use super::model::Audience;
use super::store::Notice;

/// Tells the groups of the organisations a notice went to that `unread` members have not read
/// it yet, once per reminder.
///
/// # Errors
/// Database failures.
pub async fn reminded(
    app: &App,
    ex: &mut Exec<'_>,
    n: &Notice,
    unread: i64,
    now: OffsetDateTime,
) -> StoreResult<u64> {
    let a: Audience = serde_json::from_str(&n.audience).unwrap_or_default();
    let orgs = audience_orgs(ex, &a).await?;
    let key = format!("notice:{}:remind:{}", n.id, now.unix_timestamp());
    let title = format!("请阅读通知：{}", n.title);
    let body = format!("还有 {unread} 人未读，请尽快登录阅读。");
    crate::bots::service::notify(
        ex,
        app,
        &orgs,
        ("notice_reminder", &key),
        (&title, &body, &format!("/notices/{}", n.id)),
        now,
    )
    .await
}

/// The organisations whose groups hear of a notice: those addressed, and everything below
/// those addressed with their subtrees.
///
/// # Errors
/// `NotFound` for an organisation that is gone; database failures.
pub async fn audience_orgs(ex: &mut Exec<'_>, a: &Audience) -> StoreResult<Vec<i64>> {
    let mut ids = a.orgs.clone();
    // The audience was checked against the sender's scope when the notice was published; the
    // delivery runs as the system, over the whole tree.
    let system = crate::auth::Scope::operator();
    for id in &a.subtrees {
        let top = crate::orgs::service::get_unscoped(ex, *id).await?;
        let subtree = system
            .visible_within(&top)
            .map_err(|_| crate::db::StoreError::NotFound)?;
        let under = crate::orgs::service::list_under(ex, &subtree, false).await?;
        ids.extend(under.iter().map(|o| o.id));
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Queues the news of a published notice for the groups of its audience (none for a notice to
/// chosen members only): as a 通报 when it came from one, otherwise as a notice.
///
/// # Errors
/// Database failures.
pub async fn published(
    app: &App,
    ex: &mut Exec<'_>,
    n: &Notice,
    now: OffsetDateTime,
) -> StoreResult<u64> {
    let a: Audience = serde_json::from_str(&n.audience).unwrap_or_default();
    let event = if n.bot_event == "report" {
        "report"
    } else {
        "notice"
    };
    let mut text = super::model::plain_text(&n.body, 120);
    if n.receipt_required {
        text.push_str("\n（请登录阅读并确认）");
    }
    let orgs = audience_orgs(ex, &a).await?;
    crate::bots::service::notify(
        ex,
        app,
        &orgs,
        (event, &format!("notice:{}", n.id)),
        (&n.title, &text, &format!("/notices/{}", n.id)),
        now,
    )
    .await
}
