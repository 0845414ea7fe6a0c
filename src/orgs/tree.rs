//! The visible tree in display order, with member, branch and group counts summed up the tree.

use std::collections::HashMap;

use crate::app::App;
use crate::auth::Scope;

use super::model::{Org, OrgKind};
use super::service::OrgError;
use super::store;

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
    let orgs = store::list_under(&mut conn.exec(), &scope.visible(), include_dissolved).await?;
    let direct = store::direct_member_counts(&mut conn.exec(), &scope.visible()).await?;
    let by_group = store::group_member_counts(&mut conn.exec(), &scope.visible()).await?;
    Ok(build_tree(&orgs, &direct, &by_group))
}

pub(super) fn build_tree(
    orgs: &[Org],
    direct: &HashMap<i64, (i64, i64)>,
    by_group: &HashMap<i64, (i64, i64)>,
) -> Vec<TreeNode> {
    let ids: std::collections::HashSet<i64> = orgs.iter().map(|o| o.id).collect();
    let mut children: HashMap<Option<i64>, Vec<&Org>> = HashMap::new();
    for o in orgs {
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
            // A 党小组's 预备党员 are 预备 here too, not counted as 正式.
            let (full, prob) = by_group.get(&org.id).copied().unwrap_or_default();
            out[i].full = full;
            out[i].probationary = prob;
        }
    }
    out
}

/// The visible tree in display order without counts: (organisation, level). Cheap enough for
/// every page's selects.
///
/// # Errors
/// Storage failures.
pub async fn outline(app: &App, scope: &Scope) -> Result<Vec<(Org, usize)>, OrgError> {
    let orgs = store::list_under(&mut app.db.conn().await?.exec(), &scope.visible(), false).await?;
    Ok(build_tree(&orgs, &HashMap::new(), &HashMap::new())
        .into_iter()
        .map(|n| (n.org, n.level))
        .collect())
}
