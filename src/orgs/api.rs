//! JSON API of the organisation area: the tree in the caller's scope and one organisation.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::web::error::AppResult;
use crate::web::extract::{PathId, User};
use crate::web::{AppState, Reg};

use super::service::{self, TreeNode};

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.get("/api/v1/orgs", list).get("/api/v1/orgs/{id}", get)
}

fn node_json(n: &TreeNode) -> Value {
    json!({
        "id": n.org.id,
        "parent_id": n.org.parent_id,
        "kind": n.org.kind,
        "kind_label": n.org.kind().label(),
        "name": n.org.name,
        "short_name": n.org.short_name,
        "level": n.level,
        "active": n.org.is_active(),
        "members": {"full": n.full, "probationary": n.probationary},
        "branches": n.branches,
        "groups": n.groups,
    })
}

/// `GET /api/v1/orgs`
async fn list(State(st): State<AppState>, u: User) -> AppResult<Json<Value>> {
    let nodes = service::tree(&st.app, u.scope(), false).await?;
    Ok(Json(
        json!({"orgs": nodes.iter().map(node_json).collect::<Vec<_>>()}),
    ))
}

/// `GET /api/v1/orgs/{id}`
async fn get(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Json<Value>> {
    let d = service::detail(&st.app, u.scope(), id).await?;
    let term = d.terms.iter().find(|t| t.ended_on.is_none()).map(|t| {
        json!({"started_on": crate::shared::text::ymd(t.started_on), "years": t.years,
               "ends_on": crate::shared::text::ymd(super::model::term_end(t.started_on, t.years))})
    });
    let officers: Vec<Value> = d
        .officers
        .iter()
        .filter(|o| o.ended_on.is_none())
        .map(|o| {
            json!({"post": o.post, "post_label": o.post_label(), "name": o.person_name,
                        "started_on": crate::shared::text::ymd(o.started_on)})
        })
        .collect();
    Ok(Json(json!({
        "id": d.org.id,
        "parent_id": d.org.parent_id,
        "kind": d.org.kind,
        "kind_label": d.org.kind().label(),
        "name": d.org.name,
        "short_name": d.org.short_name,
        "established_on": d.org.established_on.map(crate::shared::text::ymd),
        "active": d.org.is_active(),
        "members": d.counts,
        "current_term": term,
        "officers": officers,
        "children": d.children.iter().map(node_json).collect::<Vec<_>>(),
    })))
}
