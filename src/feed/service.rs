//! Use cases of the 党建群 feed: reading a branch's posts (new ones marked), posting text with
//! photos, commenting, liking, and officers pinning, hiding or deleting with a reason.
//!
//! Who takes part: everyone on the books of the branch (or a 党小组 below it) reads, posts,
//! comments and likes; officers of the branch and of the committees above read and moderate.

use time::OffsetDateTime;

use crate::app::App;
use crate::audit::{Actor, AuditEvent};
use crate::auth::{Denial, OrgAction, Scope};
use crate::db::StoreError;
use crate::notices::model::{clean_body, plain_text};
use crate::orgs::model::Org;

use super::store::{self, Comment, Post};
use crate::shared::error::DomainError;

/// Photos per post.
pub const MAX_PHOTOS: usize = 9;
/// Largest photo accepted, in bytes.
pub const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;
/// Longest side kept (enough for a phone screen).
pub const PHOTO_SIDE: u32 = 1280;
/// Posts per page.
pub const PER_PAGE: i64 = 20;

/// A post as shown.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = FeedPost)]
pub struct Shown {
    /// The post.
    #[serde(flatten)]
    pub post: Post,
    /// Photo ids.
    pub photos: Vec<i64>,
    /// Comments, oldest first.
    pub comments: Vec<Comment>,
    /// The caller likes it.
    pub liked: bool,
    /// Posted since the caller last looked.
    pub new: bool,
}

/// What the caller may do in a branch's feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    /// On its books: may post, comment and like.
    pub takes_part: bool,
    /// Officer of it or above: may pin, hide and delete.
    pub moderates: bool,
}

async fn access(app: &App, scope: &Scope, org: &Org) -> Access {
    let takes_part = scope
        .own
        .as_ref()
        .is_some_and(|o| o.path.starts_with(&org.path));
    let moderates = scope.has_member_area()
        && crate::orgs::service::get_checked(app, scope, org.id, OrgAction::Edit)
            .await
            .is_ok();
    Access {
        takes_part,
        moderates,
    }
}

async fn org_of(app: &App, scope: &Scope, org_id: i64) -> Result<(Org, Access), DomainError> {
    let org =
        match crate::orgs::service::get_unscoped(&mut app.db.conn().await?.exec(), org_id).await {
            Ok(o) => o,
            Err(StoreError::NotFound) => return Err(Denial::NotFound.into()),
            Err(e) => return Err(e.into()),
        };
    let a = access(app, scope, &org).await;
    if !a.takes_part && !a.moderates {
        return Err(Denial::NotFound.into());
    }
    Ok((org, a))
}

async fn post_of(app: &App, scope: &Scope, id: i64) -> Result<(Post, Access), DomainError> {
    let p = match store::get(&mut app.db.conn().await?.exec(), id).await {
        Ok(p) => p,
        Err(StoreError::NotFound) => return Err(Denial::NotFound.into()),
        Err(e) => return Err(e.into()),
    };
    let (_, a) = org_of(app, scope, p.org_id).await?;
    if p.removed.is_some() && !a.moderates {
        return Err(Denial::NotFound.into());
    }
    Ok((p, a))
}

/// The branch whose feed holds post `id`, for a caller who may see the post (where to go back
/// to after acting on it).
///
/// # Errors
/// `NotFound` otherwise.
pub async fn feed_of(app: &App, scope: &Scope, id: i64) -> Result<i64, DomainError> {
    Ok(post_of(app, scope, id).await?.0.org_id)
}

/// A page of a branch's feed; the first page marks what is new and records it as seen.
///
/// # Errors
/// `NotFound` for those outside the branch and its committees.
pub async fn page(
    app: &App,
    scope: &Scope,
    org_id: i64,
    before: Option<i64>,
) -> Result<(Org, Access, Vec<Shown>), DomainError> {
    let (org, a) = org_of(app, scope, org_id).await?;
    let mut conn = app.db.conn().await?;
    let posts = store::page(&mut conn.exec(), org.id, before, PER_PAGE, a.moderates).await?;
    let ids: Vec<i64> = posts.iter().map(|p| p.id).collect();
    let (photos, comments, likes) = store::details(&mut conn.exec(), &ids, scope.user_id).await?;
    let last_seen = match (before, ids.iter().max()) {
        (None, Some(&latest)) => {
            store::seen(&mut conn.exec(), scope.user_id, org.id, latest).await?
        }
        _ => i64::MAX,
    };
    let shown = posts
        .into_iter()
        .map(|p| Shown {
            photos: photos.iter().filter(|x| x.1 == p.id).map(|x| x.0).collect(),
            comments: comments
                .iter()
                .filter(|c| c.post_id == p.id)
                .cloned()
                .collect(),
            liked: likes.contains(&p.id),
            new: p.id > last_seen && p.author_id != Some(scope.user_id),
            post: p,
        })
        .collect();
    Ok((org, a, shown))
}

/// Cleans text typed into the feed: tags and scripts removed, whitespace kept simple.
fn text_of(raw: &str, max: usize) -> String {
    plain_text(&clean_body(raw), max)
}

/// Posts text and photos (each checked, stripped of metadata and resized) to the caller's feed.
///
/// # Errors
/// `NotFound` for those not on the branch's books; empty posts, too many or bad photos.
pub async fn post(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    org_id: i64,
    raw: &str,
    photos: &[Vec<u8>],
) -> Result<i64, DomainError> {
    let (org, a) = org_of(app, scope, org_id).await?;
    if !a.takes_part {
        return Err(DomainError::Invalid(
            "只有本支部党员可以在党建群发言".into(),
        ));
    }
    if raw.chars().count() > 2000 {
        return Err(DomainError::Invalid("内容不能超过 2000 字".into()));
    }
    let body = text_of(raw, 2000);
    if body.is_empty() && photos.is_empty() {
        return Err(DomainError::Invalid("请填写内容或选择图片".into()));
    }
    if photos.len() > MAX_PHOTOS {
        return Err(DomainError::Invalid(format!(
            "每条最多 {MAX_PHOTOS} 张图片"
        )));
    }
    let mut kept = Vec::with_capacity(photos.len());
    for p in photos {
        kept.push(
            crate::shared::picture::reencode(p, MAX_PHOTO_BYTES, PHOTO_SIDE, "图片")
                .map_err(DomainError::Invalid)?,
        );
    }
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            let id = store::insert(
                &mut w.exec(),
                org.id,
                (actor.user_id, &actor.name),
                &body,
                &kept,
                now,
            )
            .await?;
            let ev = AuditEvent::success("feed.post", "feed_post", id)
                .org(org.id)
                .detail(format!("{} 张图片", kept.len()));
            w.audit(ev).await?;
            Ok(id)
        })
        .await
}

/// Comments on a post.
///
/// # Errors
/// `NotFound` outside the branch; empty or long text.
pub async fn comment(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    post_id: i64,
    raw: &str,
) -> Result<i64, DomainError> {
    let (p, a) = post_of(app, scope, post_id).await?;
    if !a.takes_part && !a.moderates {
        return Err(Denial::NotFound.into());
    }
    let body = text_of(raw, 500);
    if body.is_empty() || raw.chars().count() > 500 {
        return Err(DomainError::Invalid("请填写评论（不超过 500 字）".into()));
    }
    let now: OffsetDateTime = app.now();
    app.db
        .write(actor, now, async |w| {
            let id = store::comment(
                &mut w.exec(),
                p.id,
                (actor.user_id, &actor.name),
                &body,
                now,
            )
            .await?;
            let ev = AuditEvent::success("feed.comment", "feed_post", p.id).org(p.org_id);
            w.audit(ev).await?;
            Ok(id)
        })
        .await
}

/// Likes a post, or takes the like back; returns whether it is liked now.
///
/// # Errors
/// `NotFound` outside the branch.
pub async fn like(app: &App, scope: &Scope, post_id: i64) -> Result<bool, DomainError> {
    let (p, _) = post_of(app, scope, post_id).await?;
    let mut tx = app.db.begin().await?;
    let liked = store::toggle_like(&mut tx.exec(), p.id, scope.user_id).await?;
    tx.commit().await?;
    Ok(liked)
}

/// An officer pins or unpins a post, or hides or deletes it with a reason (audited).
///
/// # Errors
/// `NotFound` unless the caller moderates the branch; an unknown action or missing reason.
pub async fn moderate(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    post_id: i64,
    action: &str,
    reason: &str,
) -> Result<(), DomainError> {
    let (p, a) = post_of(app, scope, post_id).await?;
    if !a.moderates {
        return Err(Denial::NotFound.into());
    }
    let reason = reason.trim();
    let (pinned, removed, label) = match action {
        "pin" => (Some(true), None, "置顶"),
        "unpin" => (Some(false), None, "取消置顶"),
        "hide" => (None, Some("hidden"), "隐藏"),
        "delete" => (None, Some("deleted"), "删除"),
        _ => return Err(DomainError::Invalid("未知的操作".into())),
    };
    if removed.is_some() && (reason.is_empty() || reason.chars().count() > 200) {
        return Err(DomainError::Invalid("请填写原因（不超过 200 字）".into()));
    }
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            store::moderate(&mut w.exec(), p.id, pinned, removed.map(|r| (r, reason))).await?;
            let ev = AuditEvent::success("feed.moderate", "feed_post", p.id)
                .org(p.org_id)
                .detail(if reason.is_empty() {
                    label.to_owned()
                } else {
                    format!("{label}：{reason}")
                });
            w.audit(ev).await?;
            Ok(())
        })
        .await
}

/// A photo of a post the caller may see.
///
/// # Errors
/// `NotFound` otherwise.
pub async fn photo(app: &App, scope: &Scope, id: i64) -> Result<Vec<u8>, DomainError> {
    let (post_id, bytes) = match store::photo(&mut app.db.conn().await?.exec(), id).await {
        Ok(x) => x,
        Err(StoreError::NotFound) => return Err(Denial::NotFound.into()),
        Err(e) => return Err(e.into()),
    };
    post_of(app, scope, post_id).await?;
    Ok(bytes)
}
