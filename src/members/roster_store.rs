//! SQL over the roster of a subtree: the filtered, paged list and its count, counts by
//! category, the members of one organisation, and the facts statistics and account issuing read.
//! Every query takes the subtrees the caller may see; nothing here decides permissions.

use crate::auth::Visible;
use sqlx::QueryBuilder;
use time::Date;

use crate::db::{Exec, StoreResult};
use crate::on;
use crate::orgs::model::subtree_upper;
use crate::shared::crypto::KeyRing;

use super::model::{Member, MemberBrief, MemberCounts};
use super::sealing;
use super::store::{COLS, Sealed};

/// A roster row: the record with the names of its branch and 党小组.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberRow {
    /// The record.
    #[sqlx(flatten)]
    pub m: Member,
    /// Branch name.
    pub org_name: String,
    /// 党小组 name.
    pub group_name: Option<String>,
}

/// Roster filters. Dates are precomputed from age and 党龄 bands by the caller.
#[derive(Debug, Clone, Default)]
pub struct RosterFilter {
    /// Subtrees to search, as the caller's scope grants them.
    pub roots: Visible,
    /// Category code.
    pub category: Option<String>,
    /// Status codes (empty: all).
    pub statuses: Vec<String>,
    /// `male` / `female`.
    pub gender: Option<String>,
    /// Born on or after.
    pub born_from: Option<Date>,
    /// Born on or before.
    pub born_to: Option<Date>,
    /// 学历.
    pub education: Option<String>,
    /// 民族.
    pub ethnicity: Option<String>,
    /// Converted on or after.
    pub converted_from: Option<Date>,
    /// Converted on or before.
    pub converted_to: Option<Date>,
    /// 失联 only.
    pub lost_contact: bool,
    /// 流动 only.
    pub mobile: bool,
    /// 预备党员 whose probation began before this day (more than two years ago: DEV-22 allows
    /// one year and at most one more).
    pub probation_started_before: Option<Date>,
    /// Name contains.
    pub name: Option<String>,
    /// Blind index of a whole 身份证号 searched for (SEC-47: exact match only).
    pub id_number_bidx: Option<Vec<u8>>,
    /// Blind index of a whole 手机号 searched for.
    pub phone_bidx: Option<Vec<u8>>,
    /// Sort column: `name`, `joined`, `birth`, `org`.
    pub sort: String,
    /// Descending.
    pub desc: bool,
}

// The subtree is a set of organisation ids rather than a join condition: both engines then
// either walk the members of a few branches by index, or scan members once (in name order for
// the first page) checking each against the set, instead of joining every row.
macro_rules! push_roster_where {
    ($qb:expr, $f:expr, $from:expr) => {{
        let f = $f;
        $qb.push($from);
        $qb.push(" WHERE m.org_id IN (SELECT id FROM orgs WHERE ");
        if f.roots.is_empty() {
            $qb.push("1 = 0");
        }
        for (i, r) in f.roots.roots().iter().enumerate() {
            if i > 0 {
                $qb.push(" OR ");
            }
            $qb.push("(path >= ")
                .push_bind(r.clone())
                .push(" AND path < ")
                .push_bind(subtree_upper(r))
                .push(")");
        }
        $qb.push(")");
        if let Some(v) = &f.category {
            $qb.push(" AND m.category = ").push_bind(v.clone());
        }
        if !f.statuses.is_empty() {
            $qb.push(" AND m.membership_status IN (");
            let mut sep = $qb.separated(", ");
            for s in &f.statuses {
                sep.push_bind(s.clone());
            }
            $qb.push(")");
        }
        if let Some(v) = &f.gender {
            $qb.push(" AND m.gender = ").push_bind(v.clone());
        }
        if let Some(v) = f.born_from {
            $qb.push(" AND m.birth_date >= ").push_bind(v);
        }
        if let Some(v) = f.born_to {
            $qb.push(" AND m.birth_date <= ").push_bind(v);
        }
        if let Some(v) = &f.education {
            $qb.push(" AND m.education = ").push_bind(v.clone());
        }
        if let Some(v) = &f.ethnicity {
            $qb.push(" AND m.ethnicity = ").push_bind(v.clone());
        }
        if let Some(v) = f.converted_from {
            $qb.push(" AND m.converted_on >= ").push_bind(v);
        }
        if let Some(v) = f.converted_to {
            $qb.push(" AND m.converted_on <= ").push_bind(v);
        }
        if f.lost_contact {
            $qb.push(" AND m.lost_contact = ").push_bind(true);
        }
        if let Some(d) = f.probation_started_before {
            $qb.push(" AND m.category = 'probationary' AND m.joined_on < ")
                .push_bind(d);
        }
        if f.mobile {
            $qb.push(" AND m.mobile = ").push_bind(true);
        }
        if let Some(v) = &f.name {
            let pat = format!(
                "%{}%",
                v.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            $qb.push(" AND m.name LIKE ")
                .push_bind(pat)
                .push(" ESCAPE '\\'");
        }
        if let Some(v) = &f.id_number_bidx {
            $qb.push(" AND m.id_number_bidx = ").push_bind(v.clone());
        }
        if let Some(v) = &f.phone_bidx {
            $qb.push(" AND m.phone_bidx = ").push_bind(v.clone());
        }
    }};
}

/// A page of the roster.
///
/// # Errors
/// Database failures.
pub async fn list(
    ex: &mut Exec<'_>,
    keys: &KeyRing,
    f: &RosterFilter,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<MemberRow>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        m: Sealed,
        org_name: String,
        group_name: Option<String>,
    }
    let order = match f.sort.as_str() {
        "joined" => "m.joined_on",
        "birth" => "m.birth_date",
        "org" => "o.path",
        _ => "m.name_key",
    };
    let dir = if f.desc { " DESC" } else { "" };
    let rows: Vec<Row> = on!(ex, c => {
        let mut qb = QueryBuilder::new("SELECT ");
        qb.push(COLS).push(", o.name AS org_name, g.name AS group_name");
        push_roster_where!(qb, f, " FROM members m JOIN orgs o ON o.id = m.org_id LEFT JOIN orgs g ON g.id = m.group_id");
        // `order` and `dir` come from the fixed lists above, never from input.
        qb.push(format!(" ORDER BY {order}{dir}, m.id")).push(" LIMIT ").push_bind(limit).push(" OFFSET ").push_bind(offset);
        qb.build_query_as::<Row>().fetch_all(c).await?
    });
    rows.into_iter()
        .map(|r| {
            Ok(MemberRow {
                m: r.m.open(keys)?,
                org_name: r.org_name,
                group_name: r.group_name,
            })
        })
        .collect()
}

/// Number of roster rows matching.
///
/// # Errors
/// Database failures.
pub async fn count(ex: &mut Exec<'_>, f: &RosterFilter) -> StoreResult<i64> {
    on!(ex, c => {
        let mut qb = QueryBuilder::new("SELECT count(*)");
        push_roster_where!(qb, f, " FROM members m");
        Ok(qb.build_query_scalar::<i64>().fetch_one(c).await?)
    })
}

/// Counts of members on the books in the subtree at `path`, by category.
///
/// # Errors
/// Database failures.
pub async fn counts_under(ex: &mut Exec<'_>, path: &str) -> StoreResult<MemberCounts> {
    // A 党小组's members belong to its branch, so they are found through `group_id`.
    const SQL: &str = "SELECT m.category, count(*) FROM members m
        WHERE m.membership_status = 'normal'
          AND (m.org_id IN (SELECT id FROM orgs WHERE path >= $1 AND path < $2)
               OR m.group_id IN (SELECT id FROM orgs WHERE path >= $1 AND path < $2))
        GROUP BY m.category";
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
        WHERE (org_id = $1 OR group_id = $1) AND membership_status = 'normal' ORDER BY name_key, id";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(org_id).fetch_all(c).await?))
}

/// Number of members on the books directly in an organisation (used before dissolving it).
///
/// # Errors
/// Database failures.
pub async fn count_direct(ex: &mut Exec<'_>, org_id: i64) -> StoreResult<i64> {
    const SQL: &str = "SELECT count(*) FROM members WHERE (org_id = $1 OR group_id = $1)
        AND membership_status IN ('normal', 'stopped')";
    on!(ex, c => Ok(sqlx::query_scalar(SQL).bind(org_id).fetch_one(c).await?))
}

/// The member's name, when the id exists in the subtree at `path`.
///
/// # Errors
/// Database failures.
pub async fn name_in_subtree(
    ex: &mut Exec<'_>,
    member_id: i64,
    path: &str,
) -> StoreResult<Option<String>> {
    const SQL: &str = "SELECT m.name FROM members m JOIN orgs o ON o.id = m.org_id
        WHERE m.id = $1 AND o.path >= $2 AND o.path < $3 AND m.membership_status = 'normal'";
    on!(ex, c => Ok(sqlx::query_scalar(SQL).bind(member_id).bind(path).bind(subtree_upper(path)).fetch_optional(c).await?))
}

/// (category, gender, birth date, education, ethnicity, conversion date) of one member.
pub type StatFact = (String, String, Date, String, String, Option<Date>);

/// The facts statistics are made of, for members on the books (正常) in the subtree at `path`:
/// (category, gender, birth date, education, ethnicity, conversion date).
///
/// # Errors
/// Database failures.
pub async fn stat_facts(
    ex: &mut Exec<'_>,
    path: &str,
) -> StoreResult<Vec<(String, String, Date, String, String, Option<Date>)>> {
    const SQL: &str =
        "SELECT m.category, m.gender, m.birth_date, m.education, m.ethnicity, m.converted_on
        FROM members m JOIN orgs o ON o.id = m.org_id
        WHERE o.path >= $1 AND o.path < $2 AND m.membership_status = 'normal'";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(path).bind(subtree_upper(path)).fetch_all(c).await?))
}

/// Members on the books in the subtree at `path` who have no account yet:
/// (id, name, phone, branch id, branch name), in tree then name order.
///
/// # Errors
/// Database failures.
pub async fn without_accounts(
    ex: &mut Exec<'_>,
    keys: &KeyRing,
    path: &str,
) -> StoreResult<Vec<(i64, String, Option<String>, i64, String)>> {
    const SQL: &str =
        "SELECT m.id, m.name, m.phone_enc, o.id, o.name FROM members m JOIN orgs o ON o.id = m.org_id
        WHERE o.path >= $1 AND o.path < $2 AND m.membership_status = 'normal'
          AND NOT EXISTS (SELECT 1 FROM users u WHERE u.member_id = m.id)
        ORDER BY o.path, m.name_key, m.id";
    type Sealed = (i64, String, Option<Vec<u8>>, i64, String);
    let rows: Vec<Sealed> =
        on!(ex, c => sqlx::query_as(SQL).bind(path).bind(subtree_upper(path)).fetch_all(c).await?);
    rows.into_iter()
        .map(|(id, name, phone, org, org_name)| {
            let phone = phone
                .map(|e| sealing::open(keys, "members", "phone", id, &e))
                .transpose()?;
            Ok((id, name, phone, org, org_name))
        })
        .collect()
}
