//! SQL for member records, their events and the code tables. Every list takes the subtrees the
//! caller may see; nothing here decides permissions. Queries over a subtree's roster are in
//! `roster_store`, kept import files in `upload_store`; both are re-exported here.

use sqlx::QueryBuilder;
use time::{Date, OffsetDateTime};

use crate::db::{Exec, StoreResult};
use crate::on;
use crate::shared::crypto::KeyRing;

use super::model::{CodeSets, Member, MemberFields, name_key};
use super::sealing::{self, SealedMember, id_blind, phone_blind};

pub use super::roster_store::{
    MemberRow, RosterFilter, StatFact, count, count_direct, counts_under, list, list_in_org,
    name_in_subtree, stat_facts, without_accounts,
};
pub use super::upload_store::{delete_uploads, get_upload, insert_upload};

// 身份证号 and 手机号 are read as envelopes and opened here (SEC-46), never in SQL.
pub(super) const COLS: &str = "m.id, m.org_id, m.group_id, m.name, m.gender, m.id_number_enc, m.birth_date, m.ethnicity,
    m.education, m.category, m.joined_on, m.converted_on,
    m.probation_extended_until, m.observation_until, m.job_title, m.phone_enc, m.membership_status,
    m.native_place, m.degree, m.employer, m.work_started_on, m.address, m.party_post, m.lost_contact,
    m.lost_contact_on, m.mobile, m.mobile_destination, m.updated_at";

#[derive(sqlx::FromRow)]
pub(super) struct Sealed {
    #[sqlx(flatten)]
    m: Member,
    #[sqlx(flatten)]
    s: SealedMember,
}

impl Sealed {
    pub(super) fn open(mut self, keys: &KeyRing) -> StoreResult<Member> {
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
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        m: Sealed,
        org_path: String,
    }
    let sql = format!(
        "SELECT {COLS}, o.path AS org_path FROM members m JOIN orgs o ON o.id = m.org_id WHERE m.id = $1"
    );
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

/// Sets the end of an extended probation (DEV-22) or of 留党察看 (VOTE-01).
///
/// # Errors
/// Database failures.
pub async fn set_term_end(
    ex: &mut Exec<'_>,
    id: i64,
    observation: bool,
    until: Date,
    now: OffsetDateTime,
) -> StoreResult<()> {
    let sql = if observation {
        "UPDATE members SET observation_until = $2, updated_at = $3 WHERE id = $1"
    } else {
        "UPDATE members SET probation_extended_until = $2, updated_at = $3 WHERE id = $1"
    };
    on!(ex, c => sqlx::query(sql).bind(id).bind(until).bind(now).execute(c).await?.rows_affected());
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
