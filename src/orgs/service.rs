//! Use cases for the organisation tree. Every function takes the caller's `Scope` and checks
//! the action before touching data; writes carry their audit row in the same transaction.

use time::Date;

use crate::app::App;
use crate::audit::{Actor, AuditEvent};
use crate::auth::{Denial, OrgAction, Scope};
use crate::db::StoreError;
use crate::members;

use super::model::{Org, OrgKind};
use super::store::{self, NewOrg, Officer, Term};

/// Failures of the organisation area.
#[derive(Debug, thiserror::Error)]
pub enum OrgError {
    /// Refused by the scope.
    #[error("找不到该组织，或无权执行此操作")]
    Denied(Denial),
    /// Input or state problem; the text is for the user.
    #[error("{0}")]
    Invalid(String),
    /// Storage failure.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<Denial> for OrgError {
    fn from(d: Denial) -> Self {
        Self::Denied(d)
    }
}

impl From<OrgError> for crate::shared::error::DomainError {
    fn from(e: OrgError) -> Self {
        match e {
            OrgError::Denied(d) => Self::Denied(d),
            OrgError::Invalid(m) => Self::Invalid(m),
            OrgError::Store(s) => Self::Store(s),
        }
    }
}

/// Loads an organisation after checking the action on it.
///
/// # Errors
/// [`OrgError::Denied`] (`NotFound` for unknown and out-of-scope ids alike).
pub async fn get_checked(
    app: &App,
    scope: &Scope,
    id: i64,
    action: OrgAction,
) -> Result<Org, OrgError> {
    let org = match store::get(&mut app.db.conn().await?.exec(), id).await {
        Ok(o) => o,
        Err(StoreError::NotFound) => return Err(Denial::NotFound.into()),
        Err(e) => return Err(e.into()),
    };
    scope.check_org(action, &org)?;
    Ok(org)
}

/// Everything the organisation page shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OrgDetail {
    /// The organisation.
    pub org: Org,
    /// Visible ancestors, top first (for breadcrumbs).
    pub ancestors: Vec<Org>,
    /// Active children.
    pub children: Vec<TreeNode>,
    /// Counts of the subtree.
    pub counts: members::model::MemberCounts,
    /// Terms, newest first.
    pub terms: Vec<Term>,
    /// Officers, current first.
    pub officers: Vec<Officer>,
}

/// Loads the detail of one visible organisation.
///
/// # Errors
/// [`OrgError::Denied`] when not visible.
pub async fn detail(app: &App, scope: &Scope, id: i64) -> Result<OrgDetail, OrgError> {
    let org = get_checked(app, scope, id, OrgAction::View).await?;
    let mut conn = app.db.conn().await?;
    let mut ancestors = Vec::new();
    for a in org.ancestor_ids() {
        if a == org.id {
            continue;
        }
        let o = store::get(&mut conn.exec(), a).await?;
        if scope.sees(&o.path) {
            ancestors.push(o);
        }
    }
    let counts = members::service::counts_under(&mut conn.exec(), &org.path).await?;
    let terms = store::list_terms(&mut conn.exec(), org.id).await?;
    let mut officers = store::list_officers(&mut conn.exec(), org.id).await?;
    if scope.role.is_admin_triad() {
        // Who holds a post is member data: the 三员 see the posts, not the people (SEC-18).
        for o in &mut officers {
            o.person_name = "—".into();
            o.member_id = None;
        }
    }
    let here = scope.visible_within(&org)?;
    let sub = store::list_under(&mut conn.exec(), &here, false).await?;
    let direct = store::direct_member_counts(&mut conn.exec(), &here).await?;
    let by_group = store::group_member_counts(&mut conn.exec(), &here).await?;
    let children = build_tree(&sub, &direct, &by_group)
        .into_iter()
        .filter(|n| n.level == 1)
        .collect();
    Ok(OrgDetail {
        org,
        ancestors,
        children,
        counts,
        terms,
        officers,
    })
}

/// Validated fields of an organisation form.
#[derive(Debug, Clone)]
pub struct OrgInput {
    /// Kind (ignored on update).
    pub kind: OrgKind,
    /// Name.
    pub name: String,
    /// Short name.
    pub short_name: Option<String>,
    /// Established.
    pub established_on: Option<Date>,
    /// Sibling order.
    pub sort_order: i64,
}

fn check_name(name: &str) -> Result<(), OrgError> {
    let n = name.chars().count();
    if n == 0 {
        return Err(OrgError::Invalid("请填写组织名称".into()));
    }
    if n > 60 {
        return Err(OrgError::Invalid("组织名称不能超过 60 个字".into()));
    }
    Ok(())
}

/// Creates an organisation under `parent_id`, or at the top when `None` (系统管理员 only).
///
/// # Errors
/// Denied, or invalid when the kind cannot sit there.
pub async fn create(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    parent_id: Option<i64>,
    input: &OrgInput,
) -> Result<i64, OrgError> {
    check_name(&input.name)?;
    let parent = match parent_id {
        Some(p) => {
            let parent = get_checked(app, scope, p, OrgAction::CreateChild(input.kind)).await?;
            if !parent.is_active() {
                return Err(OrgError::Invalid(
                    "上级组织已撤销，不能在其下新建组织".into(),
                ));
            }
            Some(parent)
        }
        None if scope.can(crate::auth::scope::Capability::CreateRootOrg) => None,
        None => return Err(Denial::Forbidden.into()),
    };
    let parent_kind = parent.as_ref().map(Org::kind);
    if !input.kind.may_sit_under(parent_kind) {
        let under = parent_kind.map_or("最上级", OrgKind::label);
        return Err(OrgError::Invalid(format!(
            "{}不能设在{}之下",
            input.kind.label(),
            under
        )));
    }
    let now = app.now();
    let new = NewOrg {
        kind: input.kind.code(),
        name: &input.name,
        short_name: input.short_name.as_deref(),
        established_on: input.established_on,
        sort_order: input.sort_order,
    };
    app.db
        .write(actor, now, async |w| {
            let id = store::insert(&mut w.exec(), parent.as_ref(), &new, now).await?;
            let ev = AuditEvent::success("org.create", "org", id)
                .org(id)
                .detail(format!("{}（{}）", input.name, input.kind.label()));
            w.audit(ev).await?;
            Ok(id)
        })
        .await
}

/// Renames and re-describes an organisation.
///
/// # Errors
/// Denied or invalid.
pub async fn update(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    input: &OrgInput,
) -> Result<(), OrgError> {
    check_name(&input.name)?;
    let org = get_checked(app, scope, id, OrgAction::Edit).await?;
    let now = app.now();
    let f = NewOrg {
        kind: &org.kind,
        name: &input.name,
        short_name: input.short_name.as_deref(),
        established_on: input.established_on,
        sort_order: input.sort_order,
    };
    let detail = if org.name == input.name {
        org.name.clone()
    } else {
        format!("{} → {}", org.name, input.name)
    };
    app.db
        .write(actor, now, async |w| {
            store::update(&mut w.exec(), id, &f, now).await?;
            let ev = AuditEvent::success("org.update", "org", id)
                .org(id)
                .detail(detail);
            Ok(w.audit(ev).await?)
        })
        .await
}

/// Moves an organisation (and everything below it) under another parent.
///
/// # Errors
/// Denied, or invalid when the move would break the tree's shape.
pub async fn move_org(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    new_parent_id: i64,
) -> Result<(), OrgError> {
    let org = get_checked(app, scope, id, OrgAction::Restructure).await?;
    let parent = get_checked(
        app,
        scope,
        new_parent_id,
        OrgAction::CreateChild(org.kind()),
    )
    .await?;
    if parent.path.starts_with(&org.path) {
        return Err(OrgError::Invalid(
            "不能把组织移到它自己或其下级组织之下".into(),
        ));
    }
    if !parent.is_active() || !org.is_active() {
        return Err(OrgError::Invalid("已撤销的组织不能调整隶属关系".into()));
    }
    if org.parent_id == Some(parent.id) {
        return Err(OrgError::Invalid("该组织已经隶属于所选上级".into()));
    }
    if !org.kind().may_sit_under(Some(parent.kind())) {
        return Err(OrgError::Invalid(format!(
            "{}不能设在{}之下",
            org.kind().label(),
            parent.kind().label()
        )));
    }
    let now = app.now();
    let ev = AuditEvent::success("org.move", "org", id)
        .org(id)
        .detail(format!("{} 移至 {}", org.name, parent.name));
    app.db
        .write(actor, now, async |w| {
            store::move_subtree(&mut w.exec(), &org, &parent, now).await?;
            Ok(w.audit(ev).await?)
        })
        .await
}

/// Dissolves an organisation that has no active children and no members left.
///
/// # Errors
/// Denied, or invalid while children or members remain.
pub async fn dissolve(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    reason: &str,
) -> Result<(), OrgError> {
    let org = get_checked(app, scope, id, OrgAction::Restructure).await?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(OrgError::Invalid("请填写撤销原因（不超过 200 字）".into()));
    }
    if !org.is_active() {
        return Err(OrgError::Invalid("该组织已经撤销".into()));
    }
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            if store::active_children(&mut w.exec(), id).await? > 0 {
                return Err(OrgError::Invalid("请先撤销或调出该组织的下级组织".into()));
            }
            let n = members::service::count_direct(&mut w.exec(), id).await?;
            if n > 0 {
                return Err(OrgError::Invalid(format!(
                    "该组织仍有 {n} 名党员，请先办理组织关系转接"
                )));
            }
            store::dissolve(&mut w.exec(), id, reason, now).await?;
            let ev = AuditEvent::success("org.dissolve", "org", id)
                .org(id)
                .detail(org.name);
            Ok(w.audit(ev).await?)
        })
        .await
}

pub use super::committee::{add_officer, add_term, appointment_notes, end_officer};

pub(super) use super::tree::build_tree;
pub use super::tree::{TreeNode, outline, tree};

/// Other areas read organisations through these: `get_unscoped` by id for callers that have
/// already decided the caller may see it (or run as the system), `list_under` by `Visible`.
pub use super::store::{get as get_unscoped, list_under};

/// ORG-08: a branch with seven or more 正式党员 should have a 支部委员会 of three to five; when
/// fewer committee members are in office, what to tell its officers.
#[must_use]
pub fn committee_note(d: &OrgDetail) -> Option<String> {
    if !d.org.kind().is_branch() || d.counts.full < 7 {
        return None;
    }
    let in_office = d
        .officers
        .iter()
        .filter(|o| o.ended_on.is_none() && o.post != super::model::Post::GroupLeader.code())
        .count();
    (in_office < 3).then(|| {
        format!(
            "本支部有正式党员 {} 人，应当设立支部委员会（由 3 至 5 人组成），目前在任委员 {in_office} 人（《中国共产党支部工作条例（试行）》第六章）",
            d.counts.full
        )
    })
}

/// The current term's planned end (as shown), and whether it falls within six months of
/// `today` (ELEC-03).
#[must_use]
pub fn term_note(d: &OrgDetail, today: time::Date) -> Option<(String, bool)> {
    let t = d.terms.iter().find(|t| t.ended_on.is_none())?;
    let end = super::model::term_end(t.started_on, t.years);
    Some((
        crate::shared::text::ymd_cn(end),
        end - today <= time::Duration::days(183),
    ))
}
