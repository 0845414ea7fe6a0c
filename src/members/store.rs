//! SQL for the basic member record.

use time::OffsetDateTime;

use crate::db::{Exec, StoreResult};
use crate::on;
use crate::orgs::model::subtree_upper;

use super::model::{MemberBrief, MemberCounts, NewMember};

/// Inserts a member and returns the id.
///
/// # Errors
/// [`crate::db::StoreError::Duplicate`] when the 身份证号 exists.
pub async fn insert(ex: &mut Exec<'_>, m: &NewMember, now: OffsetDateTime) -> StoreResult<i64> {
    const SQL: &str =
        "INSERT INTO members (org_id, group_id, name, gender, id_number, birth_date, ethnicity,
        education, category, joined_on, converted_on, job_title, phone, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id";
    on!(ex, c => Ok(sqlx::query_scalar(SQL)
        .bind(m.org_id)
        .bind(m.group_id)
        .bind(&m.name)
        .bind(m.gender)
        .bind(&m.id_number)
        .bind(m.birth_date)
        .bind(&m.ethnicity)
        .bind(&m.education)
        .bind(m.category)
        .bind(m.joined_on)
        .bind(m.converted_on)
        .bind(&m.job_title)
        .bind(&m.phone)
        .bind(now)
        .fetch_one(c)
        .await?))
}

/// Counts of members in the subtree at `path`, by category.
///
/// # Errors
/// Database failures.
pub async fn counts_under(ex: &mut Exec<'_>, path: &str) -> StoreResult<MemberCounts> {
    const SQL: &str = "SELECT m.category, count(*) FROM members m JOIN orgs o ON o.id = m.org_id
        WHERE o.path >= $1 AND o.path < $2 AND m.membership_status = 'normal' GROUP BY m.category";
    let rows: Vec<(String, i64)> =
        on!(ex, c => sqlx::query_as(SQL).bind(path).bind(subtree_upper(path)).fetch_all(c).await?);
    let mut out = MemberCounts::default();
    for (cat, n) in rows {
        match cat.as_str() {
            "full" => out.full += n,
            _ => out.probationary += n,
        }
        out.total += n;
    }
    Ok(out)
}

/// Members whose organisation (or 党小组) is exactly `org_id`, by name.
///
/// # Errors
/// Database failures.
pub async fn list_in_org(ex: &mut Exec<'_>, org_id: i64) -> StoreResult<Vec<MemberBrief>> {
    const SQL: &str = "SELECT id, name, category FROM members
        WHERE (org_id = $1 OR group_id = $1) AND membership_status = 'normal' ORDER BY name, id";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(org_id).fetch_all(c).await?))
}

/// Number of members directly in an organisation (used before dissolving it).
///
/// # Errors
/// Database failures.
pub async fn count_direct(ex: &mut Exec<'_>, org_id: i64) -> StoreResult<i64> {
    const SQL: &str = "SELECT count(*) FROM members WHERE (org_id = $1 OR group_id = $1) AND membership_status = 'normal'";
    on!(ex, c => Ok(sqlx::query_scalar(SQL).bind(org_id).fetch_one(c).await?))
}

/// The member's name, when the id exists in `org_id`'s subtree.
///
/// # Errors
/// Database failures.
pub async fn name_in_subtree(
    ex: &mut Exec<'_>,
    member_id: i64,
    path: &str,
) -> StoreResult<Option<String>> {
    const SQL: &str = "SELECT m.name FROM members m JOIN orgs o ON o.id = m.org_id
        WHERE m.id = $1 AND o.path >= $2 AND o.path < $3";
    on!(ex, c => Ok(sqlx::query_scalar(SQL).bind(member_id).bind(path).bind(subtree_upper(path)).fetch_optional(c).await?))
}
