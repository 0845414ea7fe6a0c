//! `Scope`: what the signed-in user may see and do, built from their account and never from
//! the request (architecture.md §4, SEC-17/19). Every organisation-data handler goes through
//! [`Scope::check_org`]; stores filter lists by a [`Visible`] that only a `Scope` builds. Out-of-scope objects
//! answer "not found" so their existence is not leaked; in-scope but not permitted answers
//! "forbidden". Unknown combinations are denied.

use crate::orgs::model::{Org, OrgKind};

use super::Role;
pub use super::visible::Visible;

pub use crate::shared::error::Denial;

/// Something a user may try to do to an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgAction {
    /// See it, its terms, officers and counts.
    View,
    /// Rename it; record terms and officers.
    Edit,
    /// Create a child of this kind under it.
    CreateChild(OrgKind),
    /// Move it under another parent, or dissolve it.
    Restructure,
    /// Appoint or remove its officers (ROLE-02). Choosing a person is member data, so this
    /// belongs to the organisation's own officers and those above, never to the 三员 (SEC-18).
    Appoint,
}

/// Something a user may try to do to a member record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberAction {
    /// See the record (numbers masked).
    View,
    /// Edit fields, record events, create records.
    Edit,
    /// See 身份证号 and 手机号 in full (audited each time).
    Unmask,
}

/// Capabilities that are not about one organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// Define business accounts (pending until approved) and disable them (系统管理员).
    ManageAccounts,
    /// Approve defined accounts, issue activation codes, reset passwords, unlock, and create
    /// the 三员 accounts (安全管理员). Defining and issuing are split so that no single
    /// administrator both chooses an account's rights and learns its credential (SEC-18).
    ManageSecurity,
    /// Read and export the audit log (审计管理员).
    ReadAudit,
    /// Create top-level organisations.
    CreateRootOrg,
    /// See how the background jobs ran and which events could not be used (系统管理员). The
    /// page shows no member data, as the 系统管理员 sees none (SEC-18).
    ViewOperations,
}

/// The user's own organisation, for roles that have one.
#[derive(Debug, Clone)]
pub struct OwnOrg {
    /// Id.
    pub id: i64,
    /// Path.
    pub path: String,
    /// Kind.
    pub kind: OrgKind,
}

/// Where a user may look and what they may do there.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The account.
    pub user_id: i64,
    /// Its role.
    pub role: Role,
    /// The organisation the account belongs to (none for 三员).
    pub own: Option<OwnOrg>,
    /// The member record linked to the account, if any.
    pub member_id: Option<i64>,
    roots: Vec<String>,
}

impl Scope {
    /// Builds the scope for an account. 系统管理员 and 安全管理员 see the structure of the whole
    /// tree (names, kinds, counts) but no member data; 审计管理员 sees no organisations.
    #[must_use]
    pub fn new(user_id: i64, role: Role, own: Option<OwnOrg>, member_id: Option<i64>) -> Self {
        let roots = match role {
            Role::SystemAdmin | Role::SecurityAdmin => vec!["/".to_owned()],
            Role::AuditAdmin => Vec::new(),
            Role::OrgAdmin | Role::Officer | Role::Member => {
                own.iter().map(|o| o.path.clone()).collect()
            }
        };
        Self {
            user_id,
            role,
            own,
            member_id,
            roots,
        }
    }

    /// The operator at the command line (`zhibu import`, `zhibu export`): the whole tree, as an
    /// organisation administrator would see it. Only reachable with access to the machine.
    #[must_use]
    pub fn operator() -> Self {
        let own = OwnOrg {
            id: 0,
            path: "/".to_owned(),
            kind: OrgKind::Committee,
        };
        Self::new(0, Role::OrgAdmin, Some(own), None)
    }

    /// The organisation structure this user may read (names, kinds, counts).
    #[must_use]
    pub fn visible(&self) -> Visible {
        Visible::granted(self.roots.clone())
    }

    /// The subtrees whose member records this user may read (none for the 三员, SEC-18).
    #[must_use]
    pub fn visible_members(&self) -> Visible {
        Visible::granted(self.member_roots().to_vec())
    }

    /// One organisation's subtree, narrowed from what this user may read.
    ///
    /// # Errors
    /// [`Denial::NotFound`] when the organisation is outside the scope.
    pub fn visible_within(&self, org: &Org) -> Result<Visible, Denial> {
        if !self.sees(&org.path) {
            return Err(Denial::NotFound);
        }
        Ok(Visible::granted(vec![org.path.clone()]))
    }

    /// Whether the organisation at `path` is visible.
    #[must_use]
    pub fn sees(&self, path: &str) -> bool {
        self.roots.iter().any(|r| path.starts_with(r.as_str()))
    }

    /// Whether `path` is strictly below the user's own organisation.
    fn strictly_below_own(&self, path: &str) -> bool {
        self.own
            .as_ref()
            .is_some_and(|o| path.starts_with(&o.path) && path != o.path)
    }

    /// Decides an action on an organisation.
    ///
    /// # Errors
    /// [`Denial::NotFound`] when outside scope, [`Denial::Forbidden`] when not permitted.
    pub fn check_org(&self, action: OrgAction, target: &Org) -> Result<(), Denial> {
        if !self.sees(&target.path) {
            return Err(Denial::NotFound);
        }
        // One row per rule of the table; merging the `true` rows across roles would hide it.
        #[allow(
            clippy::match_same_arms,
            reason = "the permission table reads row by row"
        )]
        let allowed = match (self.role, action) {
            (_, OrgAction::View) => true,
            (Role::OrgAdmin | Role::Officer, OrgAction::Appoint) => true,
            (_, OrgAction::Appoint) => false,
            (Role::SystemAdmin, _) => true,
            (Role::OrgAdmin, OrgAction::Edit | OrgAction::CreateChild(_)) => true,
            (Role::OrgAdmin, OrgAction::Restructure) => self.strictly_below_own(&target.path),
            (Role::Officer, OrgAction::Edit) => true,
            // Officers keep their own 党小组: create, move between, dissolve.
            (Role::Officer, OrgAction::CreateChild(k)) => k == OrgKind::Group,
            (Role::Officer, OrgAction::Restructure) => {
                self.strictly_below_own(&target.path) && target.kind() == OrgKind::Group
            }
            (Role::SecurityAdmin | Role::AuditAdmin | Role::Member, _) => false,
        };
        if allowed {
            Ok(())
        } else {
            Err(Denial::Forbidden)
        }
    }

    /// Decides a capability that is not tied to one organisation.
    #[must_use]
    pub fn can(&self, cap: Capability) -> bool {
        matches!(
            (self.role, cap),
            (
                Role::SystemAdmin,
                Capability::ManageAccounts | Capability::CreateRootOrg | Capability::ViewOperations
            ) | (Role::SecurityAdmin, Capability::ManageSecurity)
                | (Role::AuditAdmin, Capability::ReadAudit)
        )
    }

    /// Subtrees whose member records this user may see. The 三员 see none (SEC-18); an
    /// ordinary member sees only their own record, through [`Scope::check_member`].
    fn member_roots(&self) -> &[String] {
        match self.role {
            Role::OrgAdmin | Role::Officer => &self.roots,
            _ => &[],
        }
    }

    /// Decides an action on the member `member_id` whose branch is at `org_path`.
    ///
    /// # Errors
    /// [`Denial::NotFound`] outside scope, [`Denial::Forbidden`] when visible but not permitted.
    pub fn check_member(
        &self,
        action: MemberAction,
        org_path: &str,
        member_id: i64,
    ) -> Result<(), Denial> {
        let own_record = self.member_id == Some(member_id);
        let in_roots = self
            .member_roots()
            .iter()
            .any(|r| org_path.starts_with(r.as_str()));
        match (in_roots, own_record, action) {
            (true, _, _) | (false, true, MemberAction::View) => Ok(()),
            (false, true, _) => Err(Denial::Forbidden),
            (false, false, _) => Err(Denial::NotFound),
        }
    }

    /// Whether this user works with member records of others (navigation uses it).
    #[must_use]
    pub fn has_member_area(&self) -> bool {
        !self.member_roots().is_empty()
    }

    /// Whether this user works with organisation data at all (navigation uses it).
    #[must_use]
    pub fn has_org_area(&self) -> bool {
        !self.roots.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(id: i64, path: &str, kind: OrgKind) -> Org {
        Org {
            id,
            parent_id: None,
            path: path.into(),
            depth: 0,
            kind: kind.code().into(),
            name: String::new(),
            short_name: None,
            established_on: None,
            sort_order: 0,
            dissolved_at: None,
            dissolved_reason: None,
        }
    }

    fn scope(role: Role) -> Scope {
        let own = (!role.is_admin_triad()).then(|| OwnOrg {
            id: 3,
            path: "/1/2/3/".into(),
            kind: OrgKind::Branch,
        });
        Scope::new(9, role, own, None)
    }

    #[test]
    fn sec_19_relations_per_role() {
        use Denial::*;
        use OrgAction::*;
        let parent = org(2, "/1/2/", OrgKind::GeneralBranch);
        let own = org(3, "/1/2/3/", OrgKind::Branch);
        let child = org(4, "/1/2/3/4/", OrgKind::Group);
        let sibling = org(5, "/1/2/5/", OrgKind::Branch);
        let unrelated = org(7, "/6/7/", OrgKind::Branch);
        let lookalike = org(30, "/1/2/30/", OrgKind::Branch);
        let officer = scope(Role::Officer);
        assert_eq!(officer.check_org(View, &own), Ok(()));
        assert_eq!(officer.check_org(View, &child), Ok(()));
        assert_eq!(officer.check_org(View, &parent), Err(NotFound));
        assert_eq!(officer.check_org(View, &sibling), Err(NotFound));
        assert_eq!(officer.check_org(View, &unrelated), Err(NotFound));
        assert_eq!(officer.check_org(View, &lookalike), Err(NotFound));
        assert_eq!(officer.check_org(Edit, &own), Ok(()));
        assert_eq!(officer.check_org(Restructure, &own), Err(Forbidden));
        assert_eq!(officer.check_org(Restructure, &child), Ok(()));
        assert_eq!(officer.check_org(CreateChild(OrgKind::Group), &own), Ok(()));
        assert_eq!(
            officer.check_org(CreateChild(OrgKind::Branch), &own),
            Err(Forbidden)
        );

        let member = scope(Role::Member);
        assert_eq!(member.check_org(View, &own), Ok(()));
        assert_eq!(member.check_org(Edit, &own), Err(Forbidden));
        assert_eq!(member.check_org(View, &sibling), Err(NotFound));

        let admin = scope(Role::OrgAdmin);
        assert_eq!(admin.check_org(Restructure, &own), Err(Forbidden));
        assert_eq!(admin.check_org(Restructure, &child), Ok(()));
        assert_eq!(admin.check_org(Edit, &parent), Err(NotFound));

        let sys = scope(Role::SystemAdmin);
        assert_eq!(sys.check_org(Restructure, &unrelated), Ok(()));
        assert_eq!(sys.check_org(Appoint, &unrelated), Err(Forbidden));
        assert_eq!(officer.check_org(Appoint, &own), Ok(()));
        assert_eq!(officer.check_org(Appoint, &child), Ok(()));
        assert_eq!(officer.check_org(Appoint, &parent), Err(NotFound));
        assert_eq!(admin.check_org(Appoint, &child), Ok(()));
        assert_eq!(member.check_org(Appoint, &own), Err(Forbidden));
        let sec = scope(Role::SecurityAdmin);
        assert_eq!(sec.check_org(View, &unrelated), Ok(()));
        assert_eq!(sec.check_org(Edit, &unrelated), Err(Forbidden));
        let aud = scope(Role::AuditAdmin);
        assert_eq!(aud.check_org(View, &own), Err(NotFound));
    }

    #[test]
    fn sec_19_member_records_by_role() {
        use MemberAction::*;
        let officer = scope(Role::Officer);
        assert_eq!(officer.check_member(View, "/1/2/3/", 5), Ok(()));
        assert_eq!(officer.check_member(Unmask, "/1/2/3/4/", 5), Ok(()));
        assert_eq!(
            officer.check_member(View, "/1/2/5/", 5),
            Err(Denial::NotFound)
        );
        let mut member = scope(Role::Member);
        member.member_id = Some(5);
        assert_eq!(member.check_member(View, "/1/2/3/", 5), Ok(()));
        assert_eq!(
            member.check_member(Edit, "/1/2/3/", 5),
            Err(Denial::Forbidden)
        );
        assert_eq!(
            member.check_member(View, "/1/2/3/", 6),
            Err(Denial::NotFound)
        );
        for triad in [Role::SystemAdmin, Role::SecurityAdmin, Role::AuditAdmin] {
            assert_eq!(
                scope(triad).check_member(View, "/1/2/3/", 5),
                Err(Denial::NotFound),
                "{triad:?}"
            );
        }
    }

    #[test]
    fn sec_18_capabilities_are_separated() {
        for role in Role::ALL {
            let s = scope(role);
            let caps = [
                Capability::ManageAccounts,
                Capability::ManageSecurity,
                Capability::ReadAudit,
            ]
            .into_iter()
            .filter(|c| s.can(*c))
            .count();
            assert_eq!(caps, usize::from(role.is_admin_triad()), "{role:?}");
        }
    }
}
