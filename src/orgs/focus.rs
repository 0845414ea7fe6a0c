//! The organisation in focus, as pages see it: the one chosen in the switcher (or the user's
//! own), the `?org=` parameter that defaults to it, the switcher's entries, and how the
//! organisation use cases' errors answer over HTTP.

use crate::auth::extract::User;
use crate::db::StoreError;
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::layout::SwitchOpt;

use super::model::{Org, OrgKind, path_ids};
use super::service::OrgError;
use super::store;

/// The organisation in focus for this user: the one chosen in the switcher if still visible,
/// otherwise their own.
///
/// # Errors
/// Storage failures.
pub async fn current_org(st: &AppState, u: &User) -> AppResult<Option<Org>> {
    let scope = &u.0.scope;
    let pick = u.0.current_org_id.or(scope.own.as_ref().map(|o| o.id));
    let Some(id) = pick else { return Ok(None) };
    let mut conn = st.app.db.conn().await?;
    match store::get(&mut conn.exec(), id).await {
        Ok(o) if scope.sees(&o.path) && o.is_active() => Ok(Some(o)),
        Ok(_) | Err(StoreError::NotFound) => match scope.own.as_ref() {
            Some(own) if own.id != id => Ok(store::get(&mut conn.exec(), own.id).await.ok()),
            _ => Ok(None),
        },
        Err(e) => Err(e.into()),
    }
}

/// The organisation switcher's entries for this user (empty when there is nothing to switch
/// between) and the short name of the organisation in focus.
///
/// # Errors
/// Storage failures.
pub async fn switcher(st: &AppState, u: &User) -> AppResult<(Vec<SwitchOpt>, String)> {
    let current = current_org(st, u).await?;
    let name = current
        .as_ref()
        .map(|o| o.short_name.clone().unwrap_or_else(|| o.name.clone()))
        .unwrap_or_default();
    let scope = &u.0.scope;
    if !scope.has_org_area() {
        return Ok((Vec::new(), name));
    }
    let mut conn = st.app.db.conn().await?;
    let orgs = store::list_under(&mut conn.exec(), &scope.visible(), false).await?;
    let mut opts: Vec<(String, SwitchOpt)> = orgs
        .into_iter()
        .filter(|o| o.kind() != OrgKind::Group)
        .take(300)
        .map(|o| {
            let label = format!(
                "{}{}",
                "　".repeat(usize::try_from(o.depth).unwrap_or(0).min(6)),
                o.short_name.as_ref().unwrap_or(&o.name)
            );
            let selected = current.as_ref().is_some_and(|c| c.id == o.id);
            (
                o.path.clone(),
                SwitchOpt {
                    id: o.id,
                    label,
                    selected,
                },
            )
        })
        .collect();
    // Depth-first order so children follow their parent.
    opts.sort_by_key(|a| sort_key(&a.0));
    let opts: Vec<SwitchOpt> = opts.into_iter().map(|(_, o)| o).collect();
    Ok((if opts.len() > 1 { opts } else { Vec::new() }, name))
}

fn sort_key(path: &str) -> Vec<i64> {
    path_ids(path)
}

/// The organisation a page asks for (`?org=`), or the one in focus when none is given.
///
/// # Errors
/// Forbidden for accounts without an organisation.
pub async fn org_param(st: &AppState, u: &User, raw: &str) -> AppResult<i64> {
    match raw.trim().parse::<i64>() {
        Ok(o) => Ok(o),
        Err(_) => Ok(current_org(st, u).await?.ok_or(AppError::Forbidden)?.id),
    }
}

impl From<OrgError> for AppError {
    fn from(e: OrgError) -> Self {
        match e {
            OrgError::Denied(d) => Self::Denied(d),
            OrgError::Invalid(m) => Self::Invalid(m),
            OrgError::Store(s) => s.into(),
        }
    }
}
