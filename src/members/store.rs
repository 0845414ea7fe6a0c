//! SQL for member records, their events and the code tables. Every list takes the subtrees the
//! caller may see; nothing here decides permissions.

use sqlx::QueryBuilder;
use time::{Date, OffsetDateTime};

use crate::db::{Exec, StoreResult};
use crate::on;
use crate::orgs::model::subtree_upper;
use crate::shared::crypto::KeyRing;

use super::model::{CodeSets, Member, MemberBrief, MemberCounts, MemberFields, name_key};
use super::sealing::{self, SealedMember, id_blind, phone_blind};

// 身份证号 and 手机号 are read as envelopes and opened here (SEC-46), never in SQL.
const COLS: &str = "m.id, m.org_id, m.group_id, m.name, m.gender, m.id_number_enc, m.birth_date, m.ethnicity,
    m.education, m.category, m.joined_on, m.converted_on, m.job_title, m.phone_enc, m.membership_status,
    m.native_place, m.degree, m.employer, m.work_started_on, m.address, m.party_post, m.lost_contact,
    m.lost_contact_on, m.mobile, m.mobile_destination, m.updated_at";

#[derive(sqlx::FromRow)]
struct Sealed {
    #[sqlx(flatten)]
    m: Member,
    #[sqlx(flatten)]
    s: SealedMember,
}

impl Sealed {
    fn open(mut self, keys: &KeyRing) -> StoreResult<Member> {
        self.s.open_into(keys, &mut self.m)?;
        Ok(self.m)
    }
}

/// Writes the envelopes and blind indexes of a record's 身份证号 and 手机号.
async fn write_sealed(
    ex: &mut Exec<'_>,
    keys: &KeyRing,
    id: i64,
    f: &MemberFields,
) -> StoreResult<()> {
    const SQL: &str = "UPDATE members SET id_number_enc = $2, id_number_bidx = $3, phone_enc = $4, phone_bidx = $5
        WHERE id = $1";
    let id_enc = sealing::seal(keys, "members", "id_number", id, &f.id_number);
    let phone_enc = f
        .phone
        .as_deref()
        .map(|p| sealing::seal(keys, "members", "phone", id, p));
    let phone_idx = f.phone.as_deref().map(|p| phone_blind(keys, p));
    on!(ex, c => sqlx::query(SQL).bind(id).bind(id_enc).bind(id_blind(keys, &f.id_number))
        .bind(phone_enc).bind(phone_idx).execute(c).await?.rows_affected());
    Ok(())
}

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

/// Inserts a record and returns its id. The envelopes are bound to the new row's id, so they
/// are written right after the insert: call this inside a transaction.
///
/// # Errors
/// `Duplicate` when the 身份证号 exists.
pub async fn insert(
    ex: &mut Exec<'_>,
    keys: &KeyRing,
    org_id: i64,
    group_id: Option<i64>,
    category: &str,
    f: &MemberFields,
    now: OffsetDateTime,
) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO members (org_id, group_id, category, membership_status, name, gender, id_number_bidx,
        birth_date, ethnicity, education, degree, joined_on, converted_on, job_title, phone_bidx, native_place, employer,
        work_started_on, address, party_post, lost_contact, lost_contact_on, mobile, mobile_destination, name_key,
        created_at, updated_at)
        VALUES ($1, $2, $3, 'normal', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
        $21, $22, $23, $24, $25, $25) RETURNING id";
    let phone_idx = f.phone.as_deref().map(|p| phone_blind(keys, p));
    let id: i64 = on!(ex, c => sqlx::query_scalar(SQL)
        .bind(org_id).bind(group_id).bind(category)
        .bind(&f.name).bind(f.gender).bind(id_blind(keys, &f.id_number)).bind(f.birth_date).bind(&f.ethnicity)
        .bind(&f.education).bind(&f.degree).bind(f.joined_on).bind(f.converted_on).bind(&f.job_title).bind(phone_idx)
        .bind(&f.native_place).bind(&f.employer).bind(f.work_started_on).bind(&f.address).bind(&f.party_post)
        .bind(f.lost_contact).bind(f.lost_contact_on).bind(f.mobile).bind(&f.mobile_destination)
        .bind(name_key(&f.name)).bind(now)
        .fetch_one(c).await?);
    write_sealed(ex, keys, id, f).await?;
    Ok(id)
}

/// Replaces the editable fields and the 党小组.
///
/// # Errors
/// `Duplicate` when the new 身份证号 belongs to another record.
pub async fn update(
    ex: &mut Exec<'_>,
    keys: &KeyRing,
    id: i64,
    group_id: Option<i64>,
    f: &MemberFields,
    now: OffsetDateTime,
) -> StoreResult<()> {
    const SQL: &str = "UPDATE members SET group_id = $2, name = $3, gender = $4, birth_date = $5,
        ethnicity = $6, education = $7, degree = $8, joined_on = $9, converted_on = $10, job_title = $11,
        native_place = $12, employer = $13, work_started_on = $14, address = $15, party_post = $16,
        lost_contact = $17, lost_contact_on = $18, mobile = $19, mobile_destination = $20, name_key = $21,
        updated_at = $22 WHERE id = $1";
    on!(ex, c => sqlx::query(SQL)
        .bind(id).bind(group_id)
        .bind(&f.name).bind(f.gender).bind(f.birth_date).bind(&f.ethnicity).bind(&f.education)
        .bind(&f.degree).bind(f.joined_on).bind(f.converted_on).bind(&f.job_title)
        .bind(&f.native_place).bind(&f.employer).bind(f.work_started_on).bind(&f.address).bind(&f.party_post)
        .bind(f.lost_contact).bind(f.lost_contact_on).bind(f.mobile).bind(&f.mobile_destination)
        .bind(name_key(&f.name)).bind(now)
        .execute(c).await?.rows_affected());
    write_sealed(ex, keys, id, f).await
}

/// Gets a record with its organisation's path.
///
/// # Errors
/// `NotFound` when missing.
pub async fn get(ex: &mut Exec<'_>, keys: &KeyRing, id: i64) -> StoreResult<(Member, String)> {
    let sql = format!(
        "SELECT {COLS}, o.path AS org_path FROM members m JOIN orgs o ON o.id = m.org_id WHERE m.id = $1"
    );
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        m: Sealed,
        org_path: String,
    }
    let r: Row = on!(ex, c => sqlx::query_as(&sql).bind(id).fetch_one(c).await?);
    Ok((r.m.open(keys)?, r.org_path))
}

/// A member's organisation and its path, without opening the sealed fields (the points
/// consumer needs only these).
///
/// # Errors
/// `NotFound` for an unknown member; database failures.
pub async fn org_of(ex: &mut Exec<'_>, id: i64) -> StoreResult<(i64, String)> {
    const SQL: &str =
        "SELECT m.org_id, o.path FROM members m JOIN orgs o ON o.id = m.org_id WHERE m.id = $1";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(id).fetch_one(c).await?))
}

/// The records with these ids (in chunks of 500 per query).
///
/// # Errors
/// Database failures.
pub async fn get_many(ex: &mut Exec<'_>, keys: &KeyRing, ids: &[i64]) -> StoreResult<Vec<Member>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<Sealed> = on!(ex, c => {
            let mut qb = QueryBuilder::new("SELECT ");
            qb.push(COLS).push(" FROM members m WHERE m.id IN (");
            let mut sep = qb.separated(", ");
            for id in chunk {
                sep.push_bind(*id);
            }
            qb.push(")");
            qb.build_query_as::<Sealed>().fetch_all(c).await?
        });
        for r in rows {
            out.push(r.open(keys)?);
        }
    }
    Ok(out)
}

/// Where a 身份证号 is already registered: member id, name and organisation path (found by
/// the blind index, SEC-47).
///
/// # Errors
/// Database failures.
pub async fn find_by_id_number(
    ex: &mut Exec<'_>,
    keys: &KeyRing,
    id_number: &str,
) -> StoreResult<Option<(i64, String, String, String)>> {
    const SQL: &str =
        "SELECT m.id, m.name, o.name, o.path FROM members m JOIN orgs o ON o.id = m.org_id
        WHERE m.id_number_bidx = $1";
    on!(ex, c => Ok(sqlx::query_as(SQL).bind(id_blind(keys, id_number)).fetch_optional(c).await?))
}

/// Sets the category (and the conversion date) after a 转正.
///
/// # Errors
/// Database failures.
pub async fn set_category(
    ex: &mut Exec<'_>,
    id: i64,
    category: &str,
    converted_on: Option<Date>,
    now: OffsetDateTime,
) -> StoreResult<()> {
    on!(ex, c => sqlx::query("UPDATE members SET category = $2, converted_on = $3, updated_at = $4 WHERE id = $1")
        .bind(id).bind(category).bind(converted_on).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// Sets the 党籍 status.
///
/// # Errors
/// Database failures.
pub async fn set_status(
    ex: &mut Exec<'_>,
    id: i64,
    status: &str,
    now: OffsetDateTime,
) -> StoreResult<()> {
    on!(ex, c => sqlx::query("UPDATE members SET membership_status = $2, updated_at = $3 WHERE id = $1")
        .bind(id).bind(status).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// Loads the code tables.
///
/// # Errors
/// Database failures.
pub async fn code_sets(ex: &mut Exec<'_>) -> StoreResult<CodeSets> {
    let rows: Vec<(String, String, String, String)> = on!(ex, c => sqlx::query_as(
        "SELECT set_code, code, name, aliases FROM code_items ORDER BY set_code, sort").fetch_all(c).await?);
    let mut out = CodeSets::default();
    for (set, code, name, aliases) in rows {
        let aliases = aliases
            .split('|')
            .filter(|a| !a.is_empty())
            .map(ToOwned::to_owned)
            .collect();
        out.0.entry(set).or_default().push((code, name, aliases));
    }
    Ok(out)
}

/// Roster filters. Dates are precomputed from age and 党龄 bands by the caller.
#[derive(Debug, Clone, Default)]
pub struct RosterFilter {
    /// Subtrees to search (already limited to what the caller may see).
    pub roots: Vec<String>,
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
        for (i, r) in f.roots.iter().enumerate() {
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
    let order = match f.sort.as_str() {
        "joined" => "m.joined_on",
        "birth" => "m.birth_date",
        "org" => "o.path",
        _ => "m.name_key",
    };
    let dir = if f.desc { " DESC" } else { "" };
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        m: Sealed,
        org_name: String,
        group_name: Option<String>,
    }
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

/// Keeps an uploaded file until the user confirms or abandons the import.
///
/// # Errors
/// Database failures.
pub async fn insert_upload(
    ex: &mut Exec<'_>,
    keys: &KeyRing,
    user_id: i64,
    org_id: i64,
    file_name: &str,
    content: &[u8],
    now: OffsetDateTime,
) -> StoreResult<i64> {
    const SQL: &str =
        "INSERT INTO uploads (purpose, user_id, org_id, file_name, content, created_at)
        VALUES ('member_import', $1, $2, $3, $4, $5) RETURNING id";
    // The roster file is full of 身份证号: it is kept sealed too (SEC-46), bound to its row.
    let empty: &[u8] = &[];
    let id: i64 = on!(ex, c => sqlx::query_scalar(SQL).bind(user_id).bind(org_id).bind(file_name).bind(empty).bind(now).fetch_one(c).await?);
    let sealed = keys.seal(
        &crate::shared::crypto::aad("uploads", "content", id),
        content,
    );
    on!(ex, c => sqlx::query("UPDATE uploads SET content = $2 WHERE id = $1").bind(id).bind(sealed).execute(c).await?.rows_affected());
    Ok(id)
}

/// A kept upload of this user: (organisation, file name, content).
///
/// # Errors
/// `NotFound` when it is not this user's or no longer exists.
pub async fn get_upload(
    ex: &mut Exec<'_>,
    keys: &KeyRing,
    id: i64,
    user_id: i64,
) -> StoreResult<(i64, String, Vec<u8>)> {
    const SQL: &str = "SELECT org_id, file_name, content FROM uploads WHERE id = $1 AND user_id = $2 AND purpose = 'member_import'";
    let (org, name, sealed): (i64, String, Vec<u8>) =
        on!(ex, c => sqlx::query_as(SQL).bind(id).bind(user_id).fetch_one(c).await?);
    let content = keys
        .open(
            &crate::shared::crypto::aad("uploads", "content", id),
            &sealed,
        )
        .map_err(|e| crate::db::StoreError::Db(sqlx::Error::Decode(Box::new(e))))?;
    Ok((org, name, content))
}

/// Deletes an upload, and this user's uploads older than `before` (abandoned previews).
///
/// # Errors
/// Database failures.
pub async fn delete_uploads(
    ex: &mut Exec<'_>,
    id: Option<i64>,
    user_id: i64,
    before: OffsetDateTime,
) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM uploads WHERE user_id = $1 AND (id = $2 OR created_at < $3)";
    on!(ex, c => sqlx::query(SQL).bind(user_id).bind(id.unwrap_or(-1)).bind(before).execute(c).await?.rows_affected());
    Ok(())
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

/// A record found by 身份证号 during an import.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Existing {
    /// 身份证号 (opened from its envelope).
    #[sqlx(skip)]
    pub id_number: String,
    /// Its envelope.
    id_number_enc: Option<Vec<u8>>,
    /// Member id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Branch.
    pub org_id: i64,
    /// Branch name.
    pub org_name: String,
    /// Branch path.
    pub path: String,
    /// Category code.
    pub category: String,
    /// Status code.
    pub membership_status: String,
}

/// The records holding any of these 身份证号, looked up in chunks (one query per 500 numbers
/// instead of one per row).
///
/// # Errors
/// Database failures.
pub async fn find_many_by_id_number(
    ex: &mut Exec<'_>,
    keys: &KeyRing,
    numbers: &[String],
) -> StoreResult<Vec<Existing>> {
    let mut out = Vec::new();
    for chunk in numbers.chunks(500) {
        let rows: Vec<Existing> = on!(ex, c => {
            let mut qb = QueryBuilder::new("SELECT m.id_number_enc, m.id, m.name, m.org_id, o.name AS org_name, o.path,
                m.category, m.membership_status FROM members m JOIN orgs o ON o.id = m.org_id WHERE m.id_number_bidx IN (");
            let mut sep = qb.separated(", ");
            for n in chunk {
                sep.push_bind(id_blind(keys, n));
            }
            qb.push(")");
            qb.build_query_as::<Existing>().fetch_all(c).await?
        });
        for mut e in rows {
            if let Some(env) = e.id_number_enc.take() {
                e.id_number = sealing::open(keys, "members", "id_number", e.id, &env)?;
            }
            out.push(e);
        }
    }
    Ok(out)
}
