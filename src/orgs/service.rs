//! Use cases for the organisation tree. Every function takes the caller's `Scope` and checks
//! the action before touching data; writes carry their audit row in the same transaction.

use std::collections::HashMap;

use time::Date;

use crate::app::App;
use crate::audit::{self, Actor, AuditEvent};
use crate::auth::{Denial, OrgAction, Scope};
use crate::db::StoreError;
use crate::members;

use super::model::{Org, OrgKind, Post, term_end};
use super::store::{self, NewOfficer, NewOrg, Officer, Term};

/// Failures of the organisation area.
#[derive(Debug, thiserror::Error)]
pub enum OrgError {
    /// Refused by the scope.
    #[error("denied")]
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

/// One node of the tree as shown, with its level and counts.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TreeNode {
    /// The organisation.
    pub org: Org,
    /// Indentation level relative to the user's top.
    pub level: usize,
    /// Members in the subtree: (正式, 预备).
    pub full: i64,
    /// 预备党员 in the subtree.
    pub probationary: i64,
    /// Active branches in the subtree (党支部 of any type).
    pub branches: i64,
    /// Active 党小组 directly below.
    pub groups: i64,
}

/// The visible tree in display order (depth-first, siblings by order then id) with counts.
///
/// # Errors
/// Storage failures.
pub async fn tree(
    app: &App,
    scope: &Scope,
    include_dissolved: bool,
) -> Result<Vec<TreeNode>, OrgError> {
    let mut conn = app.db.conn().await?;
    let orgs = store::list_under(&mut conn.exec(), scope.org_roots(), include_dissolved).await?;
    let direct = store::direct_member_counts(&mut conn.exec()).await?;
    let by_group = store::group_member_counts(&mut conn.exec()).await?;
    Ok(build_tree(orgs, &direct, &by_group))
}

fn build_tree(
    orgs: Vec<Org>,
    direct: &HashMap<i64, (i64, i64)>,
    by_group: &HashMap<i64, i64>,
) -> Vec<TreeNode> {
    let ids: std::collections::HashSet<i64> = orgs.iter().map(|o| o.id).collect();
    let mut children: HashMap<Option<i64>, Vec<&Org>> = HashMap::new();
    for o in &orgs {
        let parent = o.parent_id.filter(|p| ids.contains(p));
        children.entry(parent).or_default().push(o);
    }
    for v in children.values_mut() {
        v.sort_by_key(|o| (o.sort_order, o.id));
    }
    let mut out = Vec::with_capacity(orgs.len());
    let mut stack: Vec<(&Org, usize)> = children
        .get(&None)
        .map(|v| v.iter().rev().map(|o| (*o, 0)).collect())
        .unwrap_or_default();
    while let Some((o, level)) = stack.pop() {
        out.push(TreeNode {
            org: o.clone(),
            level,
            full: 0,
            probationary: 0,
            branches: 0,
            groups: 0,
        });
        if let Some(kids) = children.get(&Some(o.id)) {
            stack.extend(kids.iter().rev().map(|k| (*k, level + 1)));
        }
    }
    // Sum counts bottom-up: every node adds itself to each visible ancestor.
    let index: HashMap<i64, usize> = out.iter().enumerate().map(|(i, n)| (n.org.id, i)).collect();
    for i in 0..out.len() {
        let org = out[i].org.clone();
        let active = org.is_active();
        let (full, prob) = if org.kind() == OrgKind::Group {
            (0, 0)
        } else {
            direct.get(&org.id).copied().unwrap_or_default()
        };
        for a in org.ancestor_ids() {
            let Some(&j) = index.get(&a) else { continue };
            let n = &mut out[j];
            n.full += full;
            n.probationary += prob;
            if active && org.kind().is_branch() && a != org.id {
                n.branches += 1;
            }
            if active && org.kind() == OrgKind::Group && org.parent_id == Some(a) {
                n.groups += 1;
            }
        }
        if org.kind() == OrgKind::Group {
            out[i].full = by_group.get(&org.id).copied().unwrap_or(0);
        }
    }
    out
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
    let counts = members::store::counts_under(&mut conn.exec(), &org.path).await?;
    let terms = store::list_terms(&mut conn.exec(), org.id).await?;
    let officers = store::list_officers(&mut conn.exec(), org.id).await?;
    let sub = store::list_under(&mut conn.exec(), std::slice::from_ref(&org.path), false).await?;
    let direct = store::direct_member_counts(&mut conn.exec()).await?;
    let by_group = store::group_member_counts(&mut conn.exec()).await?;
    let children = build_tree(sub, &direct, &by_group)
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
    let mut tx = app.db.begin().await?;
    let new = NewOrg {
        kind: input.kind.code(),
        name: &input.name,
        short_name: input.short_name.as_deref(),
        established_on: input.established_on,
        sort_order: input.sort_order,
    };
    let id = store::insert(&mut tx.exec(), parent.as_ref(), &new, now).await?;
    let ev = AuditEvent::success("org.create", "org", id)
        .org(id)
        .detail(format!("{}（{}）", input.name, input.kind.label()));
    audit::record(&mut tx, actor, now, ev).await?;
    tx.commit().await?;
    Ok(id)
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
    let mut tx = app.db.begin().await?;
    let f = NewOrg {
        kind: &org.kind,
        name: &input.name,
        short_name: input.short_name.as_deref(),
        established_on: input.established_on,
        sort_order: input.sort_order,
    };
    store::update(&mut tx.exec(), id, &f, now).await?;
    let detail = if org.name == input.name {
        org.name.clone()
    } else {
        format!("{} → {}", org.name, input.name)
    };
    audit::record(
        &mut tx,
        actor,
        now,
        AuditEvent::success("org.update", "org", id)
            .org(id)
            .detail(detail),
    )
    .await?;
    tx.commit().await?;
    Ok(())
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
    let mut tx = app.db.begin().await?;
    store::move_subtree(&mut tx.exec(), &org, &parent, now).await?;
    let ev = AuditEvent::success("org.move", "org", id)
        .org(id)
        .detail(format!("{} 移至 {}", org.name, parent.name));
    audit::record(&mut tx, actor, now, ev).await?;
    tx.commit().await?;
    Ok(())
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
    let mut tx = app.db.begin().await?;
    if store::active_children(&mut tx.exec(), id).await? > 0 {
        return Err(OrgError::Invalid("请先撤销或调出该组织的下级组织".into()));
    }
    let n = members::store::count_direct(&mut tx.exec(), id).await?;
    if n > 0 {
        return Err(OrgError::Invalid(format!(
            "该组织仍有 {n} 名党员，请先办理组织关系转接"
        )));
    }
    store::dissolve(&mut tx.exec(), id, reason, now).await?;
    audit::record(
        &mut tx,
        actor,
        now,
        AuditEvent::success("org.dissolve", "org", id)
            .org(id)
            .detail(org.name),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Records a new committee term (ELEC-01: 3 or 5 years).
///
/// # Errors
/// Denied or invalid.
pub async fn add_term(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    started_on: Date,
    years: i64,
    note: Option<&str>,
) -> Result<i64, OrgError> {
    let org = get_checked(app, scope, id, OrgAction::Edit).await?;
    if !org.kind().has_terms() {
        return Err(OrgError::Invalid("党小组不实行届期".into()));
    }
    if years != 3 && years != 5 {
        return Err(OrgError::Invalid("届期只能是 3 年或 5 年".into()));
    }
    if started_on > app.clock.today() {
        return Err(OrgError::Invalid("换届日期不能晚于今天".into()));
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let tid = store::insert_term(&mut tx.exec(), id, started_on, years, note, now)
        .await
        .map_err(|e| match e {
            StoreError::Constraint => OrgError::Invalid("届期只能是 3 年或 5 年".into()),
            e => e.into(),
        })?;
    let end = term_end(started_on, years);
    let ev = AuditEvent::success("org.term_add", "org", id)
        .org(id)
        .detail(format!(
            "{} 起，{years} 年，至 {}",
            crate::shared::text::ymd(started_on),
            crate::shared::text::ymd(end)
        ));
    audit::record(&mut tx, actor, now, ev).await?;
    tx.commit().await?;
    Ok(tid)
}

/// Appoints a member of the organisation to a post.
///
/// # Errors
/// Denied or invalid (post not fitting the kind, post already held, member not in the org).
pub async fn add_officer(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    post: Post,
    member_id: i64,
    started_on: Date,
) -> Result<i64, OrgError> {
    let org = get_checked(app, scope, id, OrgAction::Edit).await?;
    if !post.fits(org.kind()) {
        return Err(OrgError::Invalid(format!(
            "{}不设{}",
            org.kind().label(),
            post.label()
        )));
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    // A group leader comes from the group's branch; everyone else from the subtree itself.
    let pool_path = if org.kind() == OrgKind::Group {
        let parent = org
            .parent_id
            .ok_or_else(|| OrgError::Invalid("党小组缺少所属支部".into()))?;
        store::get(&mut tx.exec(), parent).await?.path
    } else {
        org.path.clone()
    };
    let Some(name) = members::store::name_in_subtree(&mut tx.exec(), member_id, &pool_path).await?
    else {
        return Err(OrgError::Invalid("所选党员不在本组织".into()));
    };
    let current = store::list_officers(&mut tx.exec(), id).await?;
    if post.is_single()
        && current
            .iter()
            .any(|o| o.ended_on.is_none() && o.post == post.code())
    {
        return Err(OrgError::Invalid(format!(
            "本组织已有在任{}，请先免去其职务",
            post.label()
        )));
    }
    let term = store::list_terms(&mut tx.exec(), id)
        .await?
        .into_iter()
        .find(|t| t.ended_on.is_none())
        .map(|t| t.id);
    let no = NewOfficer {
        term_id: term,
        post: post.code(),
        member_id: Some(member_id),
        person_name: &name,
        started_on,
    };
    let oid = store::insert_officer(&mut tx.exec(), id, &no, now).await?;
    let ev = AuditEvent::success("org.officer_add", "org", id)
        .org(id)
        .detail(format!("{}：{name}", post.label()));
    audit::record(&mut tx, actor, now, ev).await?;
    tx.commit().await?;
    Ok(oid)
}

/// Ends an appointment.
///
/// # Errors
/// Denied, or invalid when the appointment is not open in this organisation.
pub async fn end_officer(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    officer_id: i64,
    on_date: Date,
) -> Result<(), OrgError> {
    get_checked(app, scope, id, OrgAction::Edit).await?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    if !store::end_officer(&mut tx.exec(), id, officer_id, on_date).await? {
        return Err(OrgError::Invalid("该任职记录不存在或已免职".into()));
    }
    audit::record(
        &mut tx,
        actor,
        now,
        AuditEvent::success("org.officer_end", "org", id)
            .org(id)
            .detail(format!("任职记录 {officer_id}")),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
