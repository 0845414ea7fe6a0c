//! [`Visible`]: the subtrees a store may read, as only a [`super::Scope`] grants them. List
//! queries take one of these instead of path prefixes, so a handler cannot widen what it reads
//! by filling in the prefixes itself (SEC-17/19).

/// Granted subtrees. Built only inside `auth` (by `Scope`); the default grants nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Visible {
    roots: Vec<String>,
}

impl Visible {
    /// Grants the subtrees under these path prefixes.
    pub(super) fn granted(roots: Vec<String>) -> Self {
        Self { roots }
    }

    /// Path prefixes of the granted subtrees, for building the query; empty means none.
    #[must_use]
    pub fn roots(&self) -> &[String] {
        &self.roots
    }

    /// Whether nothing is granted.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use crate::auth::scope::{OwnOrg, Scope};
    use crate::auth::{Denial, Role};
    use crate::orgs::model::OrgKind;

    fn scope(role: Role) -> Scope {
        let own = OwnOrg {
            id: 3,
            path: "/1/2/3/".into(),
            kind: OrgKind::Branch,
        };
        Scope::new(1, role, Some(own), Some(9))
    }

    fn org(path: &str) -> crate::orgs::model::Org {
        crate::orgs::model::Org {
            id: 7,
            parent_id: None,
            path: path.into(),
            depth: 0,
            kind: OrgKind::Branch.code().into(),
            name: String::new(),
            short_name: None,
            established_on: None,
            sort_order: 0,
            dissolved_at: None,
            dissolved_reason: None,
        }
    }

    #[test]
    fn sec_19_visible_is_what_the_scope_grants() {
        let officer = scope(Role::Officer);
        assert_eq!(officer.visible().roots(), ["/1/2/3/"]);
        assert_eq!(officer.visible_members().roots(), ["/1/2/3/"]);
        assert_eq!(
            officer.visible_within(&org("/1/2/3/4/")).unwrap().roots(),
            ["/1/2/3/4/"]
        );
        // A sibling branch, and a path that only looks like a child, are not granted.
        assert_eq!(
            officer.visible_within(&org("/1/2/5/")),
            Err(Denial::NotFound)
        );
        assert_eq!(
            officer.visible_within(&org("/1/2/30/")),
            Err(Denial::NotFound)
        );
        // An ordinary member reads the structure of their branch but no one's records (SEC-18
        // for the 三员); the auditor reads neither.
        assert!(scope(Role::Member).visible_members().is_empty());
        assert!(scope(Role::SystemAdmin).visible_members().is_empty());
        assert!(scope(Role::AuditAdmin).visible().is_empty());
        assert!(super::Visible::default().is_empty());
    }
}
