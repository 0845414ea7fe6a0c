//! SQL for organisations, terms and officers.

use crate::auth::Visible;
use std::collections::HashMap;

use sqlx::QueryBuilder;
use time::{Date, OffsetDateTime};

use crate::db::{Exec, StoreResult};
use crate::on;

use super::model::{Org, child_path, subtree_upper};

const ORG_COLS: &str = "id, parent_id, path, depth, kind, name, short_name, established_on, sort_order, dissolved_at, dissolved_reason";

/// Gets one organisation.
///
/// # Errors
/// `NotFound` when missing.
pub async fn get(ex: &mut Exec<'_>, id: i64) -> StoreResult<Org> {
    const SQL: &str =
        "SELECT id, parent_id, path, depth, kind, name, short_name, established_on, sort_order,
        dissolved_at, dissolved_reason FROM orgs WHERE id = $1";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(id).fetch_one(c).await?))
}

/// Organisations in any of the subtrees, ordered for display (parents before children).
///
/// # Errors
/// Database failures.
pub async fn list_under(
    ex: &mut Exec<'_>,
    visible: &Visible,
    include_dissolved: bool,
) -> StoreResult<Vec<Org>> {
    let roots = visible.roots();
    if roots.is_empty() {
        return Ok(Vec::new());
    }
    on!(ex, c => {
        let mut qb = QueryBuilder::new("SELECT ");
        qb.push(ORG_COLS).push(" FROM orgs WHERE (");
        for (i, r) in roots.iter().enumerate() {
            if i > 0 {
                qb.push(" OR ");
            }
            qb.push("(path >= ").push_bind(r.clone()).push(" AND path < ").push_bind(subtree_upper(r)).push(")");
        }
        qb.push(")");
        if !include_dissolved {
            qb.push(" AND dissolved_at IS NULL");
        }
        qb.push(" ORDER BY depth, sort_order, id");
        Ok(qb.build_query_as::<Org>().fetch_all(c).await?)
    })
}

/// Inserts an organisation under `parent` (or at the top) and sets its path.
///
/// # Errors
/// Database failures.
pub async fn insert(
    ex: &mut Exec<'_>,
    parent: Option<&Org>,
    new: &NewOrg<'_>,
    now: OffsetDateTime,
) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO orgs (parent_id, path, depth, kind, name, short_name, established_on, sort_order,
        created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id";
    let placeholder = format!("pending:{}", crate::shared::token::request_id());
    let depth = parent.map_or(0, |p| p.depth + 1);
    let id: i64 = on!(ex, c => sqlx::query_scalar(SQL)
        .bind(parent.map(|p| p.id))
        .bind(&placeholder)
        .bind(depth)
        .bind(new.kind)
        .bind(new.name)
        .bind(new.short_name)
        .bind(new.established_on)
        .bind(new.sort_order)
        .bind(now)
        .fetch_one(c)
        .await?);
    let path = child_path(parent.map(|p| p.path.as_str()), id);
    on!(ex, c => sqlx::query("UPDATE orgs SET path = $2 WHERE id = $1").bind(id).bind(&path).execute(c).await?.rows_affected());
    Ok(id)
}

/// Fields of a new organisation.
#[derive(Debug, Clone)]
pub struct NewOrg<'a> {
    /// Kind code.
    pub kind: &'a str,
    /// Name.
    pub name: &'a str,
    /// Short name.
    pub short_name: Option<&'a str>,
    /// Established.
    pub established_on: Option<Date>,
    /// Sibling order.
    pub sort_order: i64,
}

/// Updates the descriptive fields.
///
/// # Errors
/// Database failures.
pub async fn update(
    ex: &mut Exec<'_>,
    id: i64,
    f: &NewOrg<'_>,
    now: OffsetDateTime,
) -> StoreResult<()> {
    const SQL: &str =
        "UPDATE orgs SET name = $2, short_name = $3, established_on = $4, sort_order = $5,
        updated_at = $6 WHERE id = $1";
    on!(ex, c => sqlx::query(SQL).bind(id).bind(f.name).bind(f.short_name).bind(f.established_on)
        .bind(f.sort_order).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// Moves a subtree under a new parent, rewriting every path and depth below it.
///
/// # Errors
/// Database failures.
pub async fn move_subtree(
    ex: &mut Exec<'_>,
    org: &Org,
    new_parent: &Org,
    now: OffsetDateTime,
) -> StoreResult<()> {
    const SQL: &str = "UPDATE orgs SET path = $1 || substr(path, CAST($2 AS INTEGER)), depth = depth + $3, updated_at = $4
        WHERE path >= $5 AND path < $6";
    let new_path = child_path(Some(&new_parent.path), org.id);
    let delta = new_parent.depth + 1 - org.depth;
    let old_len = i64::try_from(org.path.len()).unwrap_or(i64::MAX);
    on!(ex, c => sqlx::query(SQL)
        .bind(&new_path)
        .bind(old_len + 1)
        .bind(delta)
        .bind(now)
        .bind(&org.path)
        .bind(subtree_upper(&org.path))
        .execute(c)
        .await?
        .rows_affected());
    on!(ex, c => sqlx::query("UPDATE orgs SET parent_id = $2 WHERE id = $1").bind(org.id).bind(new_parent.id).execute(c).await?.rows_affected());
    Ok(())
}

/// Marks an organisation dissolved.
///
/// # Errors
/// Database failures.
pub async fn dissolve(
    ex: &mut Exec<'_>,
    id: i64,
    reason: &str,
    now: OffsetDateTime,
) -> StoreResult<()> {
    const SQL: &str =
        "UPDATE orgs SET dissolved_at = $2, dissolved_reason = $3, updated_at = $2 WHERE id = $1";
    on!(ex, c => sqlx::query(SQL).bind(id).bind(now).bind(reason).execute(c).await?.rows_affected());
    Ok(())
}

/// Number of active children.
///
/// # Errors
/// Database failures.
pub async fn active_children(ex: &mut Exec<'_>, id: i64) -> StoreResult<i64> {
    on!(ex, c => Ok(sqlx::query_scalar("SELECT count(*) FROM orgs WHERE parent_id = $1 AND dissolved_at IS NULL")
        .bind(id).fetch_one(c).await?))
}

/// `org_id IN (…organisations of the subtrees…)`, so counts only read the members concerned.
fn push_in_subtrees<DB: sqlx::Database>(
    qb: &mut QueryBuilder<'_, DB>,
    column: &str,
    roots: &[String],
) where
    String: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    qb.push(format!(" {column} IN (SELECT id FROM orgs WHERE "));
    if roots.is_empty() {
        qb.push("1 = 0");
    }
    for (i, r) in roots.iter().enumerate() {
        if i > 0 {
            qb.push(" OR ");
        }
        qb.push("(path >= ")
            .push_bind(r.clone())
            .push(" AND path < ")
            .push_bind(subtree_upper(r))
            .push(")");
    }
    qb.push(")");
}

/// Members on the books counted on each organisation of the subtrees directly (their branch),
/// split by category: `(full, probationary)`.
///
/// # Errors
/// Database failures.
pub async fn direct_member_counts(
    ex: &mut Exec<'_>,
    visible: &Visible,
) -> StoreResult<HashMap<i64, (i64, i64)>> {
    let roots = visible.roots();
    let rows: Vec<(i64, String, i64)> = on!(ex, c => {
        let mut qb = QueryBuilder::new("SELECT org_id, category, count(*) FROM members WHERE membership_status = 'normal' AND");
        push_in_subtrees(&mut qb, "org_id", roots);
        qb.push(" GROUP BY org_id, category");
        qb.build_query_as().fetch_all(c).await?
    });
    let mut out: HashMap<i64, (i64, i64)> = HashMap::new();
    for (org, cat, n) in rows {
        let e = out.entry(org).or_default();
        if cat == "full" { e.0 += n } else { e.1 += n }
    }
    Ok(out)
}

/// Member counts per 党小组 of the subtrees, split by category: `(full, probationary)`.
///
/// # Errors
/// Database failures.
pub async fn group_member_counts(
    ex: &mut Exec<'_>,
    visible: &Visible,
) -> StoreResult<HashMap<i64, (i64, i64)>> {
    let roots = visible.roots();
    let rows: Vec<(i64, String, i64)> = on!(ex, c => {
        let mut qb = QueryBuilder::new("SELECT group_id, category, count(*) FROM members WHERE membership_status = 'normal' AND");
        push_in_subtrees(&mut qb, "group_id", roots);
        qb.push(" GROUP BY group_id, category");
        qb.build_query_as().fetch_all(c).await?
    });
    let mut out: HashMap<i64, (i64, i64)> = HashMap::new();
    for (group, cat, n) in rows {
        let e = out.entry(group).or_default();
        if cat == "full" { e.0 += n } else { e.1 += n }
    }
    Ok(out)
}

/// A committee term.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Term {
    /// Id.
    pub id: i64,
    /// Start.
    #[serde(with = "crate::shared::json_date")]
    pub started_on: Date,
    /// 3 or 5.
    pub years: i64,
    /// Actual end (re-election held).
    #[serde(with = "crate::shared::json_date::option")]
    pub ended_on: Option<Date>,
    /// Note.
    pub note: Option<String>,
}

/// Terms of an organisation, newest first.
///
/// # Errors
/// Database failures.
pub async fn list_terms(ex: &mut Exec<'_>, org_id: i64) -> StoreResult<Vec<Term>> {
    const SQL: &str =
        "SELECT id, started_on, years, ended_on, note FROM org_terms WHERE org_id = $1
        ORDER BY started_on DESC, id DESC";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(org_id).fetch_all(c).await?))
}

/// Records a new term and closes the open one on the day it starts.
///
/// # Errors
/// Database failures.
pub async fn insert_term(
    ex: &mut Exec<'_>,
    org_id: i64,
    started_on: Date,
    years: i64,
    note: Option<&str>,
    now: OffsetDateTime,
) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO org_terms (org_id, started_on, years, note, created_at) VALUES ($1, $2, $3, $4, $5)
        RETURNING id";
    on!(ex, c => sqlx::query("UPDATE org_terms SET ended_on = $2 WHERE org_id = $1 AND ended_on IS NULL AND started_on < $2")
        .bind(org_id).bind(started_on).execute(c).await?.rows_affected());
    on!(ex, c => Ok(sqlx::query_scalar(SQL).bind(org_id).bind(started_on).bind(years).bind(note).bind(now)
        .fetch_one(c).await?))
}

/// An officer appointment.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Officer {
    /// Id.
    pub id: i64,
    /// Post code.
    pub post: String,
    /// Member record.
    pub member_id: Option<i64>,
    /// Name.
    pub person_name: String,
    /// From.
    #[serde(with = "crate::shared::json_date")]
    pub started_on: Date,
    /// Until.
    #[serde(with = "crate::shared::json_date::option")]
    pub ended_on: Option<Date>,
}

/// Officers of an organisation; current ones first.
///
/// # Errors
/// Database failures.
pub async fn list_officers(ex: &mut Exec<'_>, org_id: i64) -> StoreResult<Vec<Officer>> {
    const SQL: &str = "SELECT id, post, member_id, person_name, started_on, ended_on FROM org_officers
        WHERE org_id = $1 ORDER BY (CASE WHEN ended_on IS NULL THEN 0 ELSE 1 END), started_on DESC, id";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(org_id).fetch_all(c).await?))
}

/// Appoints an officer.
///
/// # Errors
/// Database failures.
pub async fn insert_officer(
    ex: &mut Exec<'_>,
    org_id: i64,
    o: &NewOfficer<'_>,
    now: OffsetDateTime,
) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO org_officers (org_id, term_id, post, member_id, person_name, started_on, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
    on!(ex, c => Ok(sqlx::query_scalar(SQL).bind(org_id).bind(o.term_id).bind(o.post).bind(o.member_id)
        .bind(o.person_name).bind(o.started_on).bind(now).fetch_one(c).await?))
}

/// A new appointment.
#[derive(Debug, Clone)]
pub struct NewOfficer<'a> {
    /// Term it belongs to.
    pub term_id: Option<i64>,
    /// Post code.
    pub post: &'a str,
    /// Member.
    pub member_id: Option<i64>,
    /// Name.
    pub person_name: &'a str,
    /// From.
    pub started_on: Date,
}

/// Ends an appointment; returns whether it was open and belonged to the organisation.
///
/// # Errors
/// Database failures.
pub async fn end_officer(
    ex: &mut Exec<'_>,
    org_id: i64,
    id: i64,
    on_date: Date,
) -> StoreResult<bool> {
    let n = on!(ex, c => sqlx::query("UPDATE org_officers SET ended_on = $3 WHERE id = $1 AND org_id = $2 AND ended_on IS NULL AND started_on <= $3")
        .bind(id).bind(org_id).bind(on_date).execute(c).await?.rows_affected());
    Ok(n > 0)
}
