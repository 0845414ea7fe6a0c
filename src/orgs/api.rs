//! JSON API of the organisation area: the tree in the caller's scope and one organisation.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::api_doc::tags;
use crate::auth::extract::User;
use crate::members::model::MemberCounts;
use crate::shared::text::ymd;
use crate::web::error::{ApiError, AppResult};
use crate::web::extract::PathId;
use crate::web::{AppState, Reg};

use super::service::{self, TreeNode};

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.get("/api/v1/orgs", list).get("/api/v1/orgs/{id}", get)
}

/// The operations of this area, merged into the document by `crate::api_doc`.
#[derive(OpenApi)]
#[openapi(paths(list, get))]
pub struct Doc;

/// Members of a subtree by kind.
#[derive(Serialize, ToSchema)]
pub struct NodeMembers {
    /// 正式党员.
    full: i64,
    /// 预备党员.
    probationary: i64,
}

/// One organisation in the tree, with counts of its subtree.
#[derive(Serialize, ToSchema)]
pub struct OrgNode {
    id: i64,
    parent_id: Option<i64>,
    /// Kind code.
    kind: String,
    kind_label: String,
    name: String,
    short_name: Option<String>,
    /// Indentation level below the caller's top.
    level: usize,
    active: bool,
    members: NodeMembers,
    /// Active branches in the subtree.
    branches: i64,
    /// Active 党小组 directly below.
    groups: i64,
}

impl OrgNode {
    fn of(n: &TreeNode) -> Self {
        Self {
            id: n.org.id,
            parent_id: n.org.parent_id,
            kind: n.org.kind.clone(),
            kind_label: n.org.kind().label().to_owned(),
            name: n.org.name.clone(),
            short_name: n.org.short_name.clone(),
            level: n.level,
            active: n.org.is_active(),
            members: NodeMembers {
                full: n.full,
                probationary: n.probationary,
            },
            branches: n.branches,
            groups: n.groups,
        }
    }
}

/// The visible tree.
#[derive(Serialize, ToSchema)]
pub struct OrgList {
    orgs: Vec<OrgNode>,
}

/// The current term of the committee.
#[derive(Serialize, ToSchema)]
pub struct CurrentTerm {
    #[schema(format = Date)]
    started_on: String,
    years: i64,
    #[schema(format = Date)]
    ends_on: String,
}

/// A current officer.
#[derive(Serialize, ToSchema)]
pub struct OfficerOut {
    /// Post code.
    post: String,
    post_label: String,
    name: String,
    #[schema(format = Date)]
    started_on: String,
}

/// Counts of a subtree's members.
#[derive(Serialize, ToSchema)]
pub struct Counts {
    total: i64,
    full: i64,
    probationary: i64,
}

impl From<MemberCounts> for Counts {
    fn from(c: MemberCounts) -> Self {
        Self {
            total: c.total,
            full: c.full,
            probationary: c.probationary,
        }
    }
}

/// One organisation.
#[derive(Serialize, ToSchema)]
pub struct OrgDetailOut {
    id: i64,
    parent_id: Option<i64>,
    kind: String,
    kind_label: String,
    name: String,
    short_name: Option<String>,
    #[schema(format = Date)]
    established_on: Option<String>,
    active: bool,
    members: Counts,
    current_term: Option<CurrentTerm>,
    officers: Vec<OfficerOut>,
    children: Vec<OrgNode>,
}

/// `GET /api/v1/orgs`
#[utoipa::path(get, path = "/api/v1/orgs", tag = tags::ORGS, summary = "可见范围内的组织树",
    responses(
        (status = 200, description = "组织树", body = OrgList),
        (status = 401, description = "未登录", body = ApiError),
    ))]
async fn list(State(st): State<AppState>, u: User) -> AppResult<Json<OrgList>> {
    let nodes = service::tree(&st.app, u.scope(), false).await?;
    Ok(Json(OrgList {
        orgs: nodes.iter().map(OrgNode::of).collect(),
    }))
}

/// `GET /api/v1/orgs/{id}`
#[utoipa::path(get, path = "/api/v1/orgs/{id}", tag = tags::ORGS, summary = "组织详情",
    params(("id" = i64, Path, description = "组织编号")),
    responses(
        (status = 200, description = "组织详情", body = OrgDetailOut),
        (status = 401, description = "未登录", body = ApiError),
        (status = 404, description = "不存在或不在可见范围内", body = ApiError),
    ))]
async fn get(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
) -> AppResult<Json<OrgDetailOut>> {
    let d = service::detail(&st.app, u.scope(), id).await?;
    let current_term = d
        .terms
        .iter()
        .find(|t| t.ended_on.is_none())
        .map(|t| CurrentTerm {
            started_on: ymd(t.started_on),
            years: t.years,
            ends_on: ymd(super::model::term_end(t.started_on, t.years)),
        });
    let officers = d
        .officers
        .iter()
        .filter(|o| o.ended_on.is_none())
        .map(|o| OfficerOut {
            post: o.post.clone(),
            post_label: o.post_label().to_owned(),
            name: o.person_name.clone(),
            started_on: ymd(o.started_on),
        })
        .collect();
    Ok(Json(OrgDetailOut {
        id: d.org.id,
        parent_id: d.org.parent_id,
        kind: d.org.kind.clone(),
        kind_label: d.org.kind().label().to_owned(),
        name: d.org.name.clone(),
        short_name: d.org.short_name.clone(),
        established_on: d.org.established_on.map(ymd),
        active: d.org.is_active(),
        members: d.counts.into(),
        current_term,
        officers,
        children: d.children.iter().map(OrgNode::of).collect(),
    }))
}
