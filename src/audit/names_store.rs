//! SQL for naming what audit rows point at: the current name of each member, account,
//! organisation, meeting, notice and group bot a page of rows mentions. Read-only lookups by id;
//! a record removed since is simply not found.

use sqlx::QueryBuilder;

use crate::db::{Exec, StoreResult};
use crate::on;

/// The table and name column for an object type, or `None` for types without a name.
fn source(object_type: &str) -> Option<(&'static str, &'static str)> {
    Some(match object_type {
        "member" => ("members", "name"),
        "user" => ("users", "display_name"),
        "org" => ("orgs", "name"),
        "meeting" => ("meetings", "title"),
        "notice" => ("notices", "title"),
        "bot" => ("bots", "name"),
        _ => return None,
    })
}

/// (id, name) of the listed ids of one object type.
///
/// # Errors
/// Database failures.
pub async fn names(
    ex: &mut Exec<'_>,
    object_type: &str,
    ids: &[i64],
) -> StoreResult<Vec<(i64, String)>> {
    let Some((table, column)) = source(object_type) else {
        return Ok(Vec::new());
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    on!(ex, c => {
        let mut qb = QueryBuilder::new(format!("SELECT id, {column} FROM {table} WHERE id IN ("));
        let mut sep = qb.separated(", ");
        for id in ids {
            sep.push_bind(*id);
        }
        qb.push(")");
        Ok(qb.build_query_as::<(i64, String)>().fetch_all(c).await?)
    })
}
