//! SQL of the 党建群 feed. A page of posts is read with three queries (posts, their photos and
//! comments, the caller's likes), whatever the number of posts.

use time::OffsetDateTime;

use crate::db::{Exec, StoreResult};
use crate::on;

/// A post as stored.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = FeedPostBase)]
pub struct Post {
    /// Id.
    pub id: i64,
    /// Branch.
    pub org_id: i64,
    /// Author's account.
    pub author_id: Option<i64>,
    /// Author's name.
    pub author_name: String,
    /// Plain text.
    pub body: String,
    /// Shown first.
    pub pinned: bool,
    /// `hidden` or `deleted` by an officer.
    pub removed: Option<String>,
    /// Why.
    pub removed_reason: Option<String>,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Likes.
    pub likes: i64,
}

impl Post {
    /// Time as shown.
    #[must_use]
    pub fn when(&self) -> String {
        crate::shared::text::datetime(self.created_at)
    }
}

/// A comment.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = FeedComment)]
pub struct Comment {
    /// Id.
    pub id: i64,
    /// Post.
    pub post_id: i64,
    /// Author's name.
    pub author_name: String,
    /// Plain text.
    pub body: String,
}

/// Stores a post with its photos.
///
/// # Errors
/// Database failures.
pub async fn insert(
    ex: &mut Exec<'_>,
    org_id: i64,
    author: (Option<i64>, &str),
    body: &str,
    photos: &[Vec<u8>],
    now: OffsetDateTime,
) -> StoreResult<i64> {
    const POST: &str = "INSERT INTO feed_posts (org_id, author_id, author_name, body, created_at)
        VALUES ($1, $2, $3, $4, $5) RETURNING id";
    const PHOTO: &str = "INSERT INTO feed_photos (post_id, bytes) VALUES ($1, $2)";
    let id: i64 = on!(ex, c => sqlx::query_scalar(POST).bind(org_id).bind(author.0).bind(author.1).bind(body)
        .bind(now).fetch_one(&mut *c).await?);
    for p in photos {
        on!(ex, c => { sqlx::query(PHOTO).bind(id).bind(p.as_slice()).execute(c).await?; });
    }
    Ok(id)
}

const POST_COLS: &str = "p.id, p.org_id, p.author_id, p.author_name, p.body, p.pinned, p.removed, p.removed_reason,
    p.created_at, CAST((SELECT COUNT(*) FROM feed_likes l WHERE l.post_id = p.id) AS BIGINT) AS likes";

/// One post.
///
/// # Errors
/// `NotFound`.
pub async fn get(ex: &mut Exec<'_>, id: i64) -> StoreResult<Post> {
    let sql = format!("SELECT {POST_COLS} FROM feed_posts p WHERE p.id = $1");
    on!(ex, c => Ok(sqlx::query_as(&sql).bind(id).fetch_one(c).await?))
}

/// Up to `limit` posts of a branch older than `before` (pinned first on the first page);
/// deleted posts only when `with_deleted`.
///
/// # Errors
/// Database failures.
pub async fn page(
    ex: &mut Exec<'_>,
    org_id: i64,
    before: Option<i64>,
    limit: i64,
    with_removed: bool,
) -> StoreResult<Vec<Post>> {
    let removed = if with_removed {
        ""
    } else {
        " AND p.removed IS NULL"
    };
    let (order, cond) = match before {
        None => ("p.pinned DESC, p.id DESC", " AND p.id < $3"),
        Some(_) => ("p.id DESC", " AND p.id < $3 AND p.pinned = FALSE"),
    };
    let sql = format!(
        "SELECT {POST_COLS} FROM feed_posts p WHERE p.org_id = $1{removed}{cond} ORDER BY {order} LIMIT $2"
    );
    on!(ex, c => Ok(sqlx::query_as(&sql).bind(org_id).bind(limit).bind(before.unwrap_or(i64::MAX)).fetch_all(c).await?))
}

fn list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// Photo ids, comments and the caller's likes for these posts.
///
/// # Errors
/// Database failures.
pub async fn details(
    ex: &mut Exec<'_>,
    posts: &[i64],
    user_id: i64,
) -> StoreResult<(Vec<(i64, i64)>, Vec<Comment>, Vec<i64>)> {
    if posts.is_empty() {
        return Ok((Vec::new(), Vec::new(), Vec::new()));
    }
    // The ids are integers read from the database, not input, so listing them is safe.
    let ids = list(posts);
    let photos =
        format!("SELECT id, post_id FROM feed_photos WHERE post_id IN ({ids}) ORDER BY id");
    let comments = format!(
        "SELECT id, post_id, author_name, body FROM feed_comments WHERE post_id IN ({ids}) ORDER BY id"
    );
    let likes = format!("SELECT post_id FROM feed_likes WHERE user_id = $1 AND post_id IN ({ids})");
    let p: Vec<(i64, i64)> = on!(ex, c => sqlx::query_as(&photos).fetch_all(&mut *c).await?);
    let cm: Vec<Comment> = on!(ex, c => sqlx::query_as(&comments).fetch_all(&mut *c).await?);
    let l: Vec<i64> = on!(ex, c => sqlx::query_scalar(&likes).bind(user_id).fetch_all(c).await?);
    Ok((p, cm, l))
}

/// The newest post the account has seen in a branch, and records `latest` as seen.
///
/// # Errors
/// Database failures.
pub async fn seen(ex: &mut Exec<'_>, user_id: i64, org_id: i64, latest: i64) -> StoreResult<i64> {
    const GET: &str = "SELECT last_post_id FROM feed_seen WHERE user_id = $1 AND org_id = $2";
    const PUT: &str = "INSERT INTO feed_seen (user_id, org_id, last_post_id) VALUES ($1, $2, $3)
        ON CONFLICT (user_id, org_id) DO UPDATE SET last_post_id = excluded.last_post_id
        WHERE feed_seen.last_post_id < excluded.last_post_id";
    let before: Option<i64> = on!(ex, c => sqlx::query_scalar(GET).bind(user_id).bind(org_id).fetch_optional(&mut *c).await?);
    on!(ex, c => { sqlx::query(PUT).bind(user_id).bind(org_id).bind(latest).execute(c).await?; });
    Ok(before.unwrap_or(0))
}

/// Adds a comment.
///
/// # Errors
/// Database failures.
pub async fn comment(
    ex: &mut Exec<'_>,
    post_id: i64,
    author: (Option<i64>, &str),
    body: &str,
    now: OffsetDateTime,
) -> StoreResult<i64> {
    const SQL: &str =
        "INSERT INTO feed_comments (post_id, author_id, author_name, body, created_at)
        VALUES ($1, $2, $3, $4, $5) RETURNING id";
    on!(ex, c => Ok(sqlx::query_scalar(SQL).bind(post_id).bind(author.0).bind(author.1).bind(body).bind(now)
        .fetch_one(c).await?))
}

/// Likes, or takes the like back; returns whether it is now liked.
///
/// # Errors
/// Database failures.
pub async fn toggle_like(ex: &mut Exec<'_>, post_id: i64, user_id: i64) -> StoreResult<bool> {
    const DEL: &str = "DELETE FROM feed_likes WHERE post_id = $1 AND user_id = $2";
    const ADD: &str =
        "INSERT INTO feed_likes (post_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
    let gone = on!(ex, c => sqlx::query(DEL).bind(post_id).bind(user_id).execute(&mut *c).await?.rows_affected());
    if gone > 0 {
        return Ok(false);
    }
    on!(ex, c => { sqlx::query(ADD).bind(post_id).bind(user_id).execute(c).await?; });
    Ok(true)
}

/// Sets `pinned`, or removes (`hidden` / `deleted`) with a reason.
///
/// # Errors
/// Database failures.
pub async fn moderate(
    ex: &mut Exec<'_>,
    post_id: i64,
    pinned: Option<bool>,
    removed: Option<(&str, &str)>,
) -> StoreResult<()> {
    if let Some(p) = pinned {
        on!(ex, c => { sqlx::query("UPDATE feed_posts SET pinned = $2 WHERE id = $1").bind(post_id).bind(p).execute(c).await?; });
    }
    if let Some((how, why)) = removed {
        const SQL: &str =
            "UPDATE feed_posts SET removed = $2, removed_reason = $3, pinned = FALSE WHERE id = $1";
        on!(ex, c => { sqlx::query(SQL).bind(post_id).bind(how).bind(why).execute(c).await?; });
    }
    Ok(())
}

/// A photo's bytes and its post.
///
/// # Errors
/// `NotFound`.
pub async fn photo(ex: &mut Exec<'_>, id: i64) -> StoreResult<(i64, Vec<u8>)> {
    const SQL: &str = "SELECT post_id, bytes FROM feed_photos WHERE id = $1";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(id).fetch_one(c).await?))
}
