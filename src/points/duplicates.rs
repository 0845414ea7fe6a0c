//! A second identical award within minutes of the first is most often the same deed entered
//! twice (two officers, or a page sent again): the officer is asked before it is posted.

use time::Duration;

use crate::app::App;
use crate::auth::{MemberAction, Scope};
use crate::shared::error::DomainError;

use super::awards::{Award, check_points, item_in_force};
use super::store;

/// How far back an identical award counts as a likely double entry.
pub const WINDOW_MINUTES: i64 = 10;

/// The warning to show when the same member got the same item, points and day within the last
/// few minutes, or `None`.
///
/// # Errors
/// Denied outside scope; the award's own input errors.
pub async fn recent_duplicate(
    app: &App,
    scope: &Scope,
    a: &Award,
) -> Result<Option<String>, DomainError> {
    let d = crate::members::service::detail(app, scope, a.member_id, MemberAction::Edit).await?;
    let item = item_in_force(app, &d.org.path, &a.code, a.occurred_on).await?;
    let points = check_points(&item, a.points)?;
    let now = app.now();
    let since = now - Duration::minutes(WINDOW_MINUTES);
    let key = (a.member_id, item.code.as_str(), points, a.occurred_on);
    let found = store::latest_same(&mut app.db.conn().await?.exec(), key, since).await?;
    Ok(found.map(|(at, by)| {
        let ago = (now - at).whole_minutes().max(0);
        let when = if ago == 0 {
            "刚刚".to_owned()
        } else {
            format!("{ago} 分钟前")
        };
        format!(
            "{when}{by}已给 {} 记过“{}” {points:+} 分（{}），是否重复录入？",
            d.member.name,
            item.name,
            crate::shared::text::ymd(a.occurred_on)
        )
    }))
}
