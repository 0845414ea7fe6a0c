//! Organisation kinds, the tree's shape rules, terms (届) and officer posts. No IO.

use serde::Serialize;
use time::{Date, Month, OffsetDateTime};

/// The kinds of node in the tree (architecture.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// 党委 (基层党委).
    Committee,
    /// 党工委.
    WorkingCommittee,
    /// 党总支.
    GeneralBranch,
    /// 党支部.
    Branch,
    /// 联合党支部.
    JointBranch,
    /// 临时党支部.
    TemporaryBranch,
    /// 党小组.
    Group,
}

impl OrgKind {
    /// Every kind, for forms.
    pub const ALL: [OrgKind; 7] = [
        OrgKind::Committee,
        OrgKind::WorkingCommittee,
        OrgKind::GeneralBranch,
        OrgKind::Branch,
        OrgKind::JointBranch,
        OrgKind::TemporaryBranch,
        OrgKind::Group,
    ];

    /// Database and API code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            OrgKind::Committee => "committee",
            OrgKind::WorkingCommittee => "working_committee",
            OrgKind::GeneralBranch => "general_branch",
            OrgKind::Branch => "branch",
            OrgKind::JointBranch => "joint_branch",
            OrgKind::TemporaryBranch => "temporary_branch",
            OrgKind::Group => "group",
        }
    }

    /// Chinese name.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            OrgKind::Committee => "党委",
            OrgKind::WorkingCommittee => "党工委",
            OrgKind::GeneralBranch => "党总支",
            OrgKind::Branch => "党支部",
            OrgKind::JointBranch => "联合党支部",
            OrgKind::TemporaryBranch => "临时党支部",
            OrgKind::Group => "党小组",
        }
    }

    /// Parses a code.
    #[must_use]
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }

    /// A 党支部 of any type.
    #[must_use]
    pub fn is_branch(self) -> bool {
        matches!(
            self,
            OrgKind::Branch | OrgKind::JointBranch | OrgKind::TemporaryBranch
        )
    }

    /// A committee-level body that can have branches below it.
    #[must_use]
    pub fn is_committee(self) -> bool {
        matches!(self, OrgKind::Committee | OrgKind::WorkingCommittee)
    }

    /// Whether a node of this kind may sit directly under `parent` (`None`: at the top).
    #[must_use]
    pub fn may_sit_under(self, parent: Option<OrgKind>) -> bool {
        match (self, parent) {
            (k, None) => k.is_committee(),
            (k, Some(p)) if k.is_committee() => p.is_committee(),
            (OrgKind::GeneralBranch, Some(p)) => p.is_committee(),
            (k, Some(p)) if k.is_branch() => p.is_committee() || p == OrgKind::GeneralBranch,
            (OrgKind::Group, Some(p)) => p.is_branch(),
            _ => false,
        }
    }

    /// Kinds that may be created directly under this one.
    #[must_use]
    pub fn child_kinds(self) -> Vec<OrgKind> {
        Self::ALL
            .into_iter()
            .filter(|k| k.may_sit_under(Some(self)))
            .collect()
    }

    /// Usual term length in years (ELEC-01): 3 for most, the form offers 5 as well.
    #[must_use]
    pub fn has_terms(self) -> bool {
        !matches!(self, OrgKind::Group)
    }
}

/// An organisation as stored.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Org {
    /// Id.
    pub id: i64,
    /// Parent, `None` at the top.
    pub parent_id: Option<i64>,
    /// Materialized path `/1/7/23/`.
    pub path: String,
    /// Depth, 0 at the top.
    pub depth: i64,
    /// Kind code.
    pub kind: String,
    /// Full name.
    pub name: String,
    /// Short name.
    pub short_name: Option<String>,
    /// Date of establishment.
    #[serde(with = "crate::shared::json_date::option")]
    pub established_on: Option<Date>,
    /// Order among siblings.
    pub sort_order: i64,
    /// When it was dissolved.
    pub dissolved_at: Option<OffsetDateTime>,
    /// Why.
    pub dissolved_reason: Option<String>,
}

impl Org {
    /// The kind; unknown codes (impossible under the CHECK constraint) read as a branch.
    #[must_use]
    pub fn kind(&self) -> OrgKind {
        OrgKind::from_code(&self.kind).unwrap_or(OrgKind::Branch)
    }

    /// Ids on the path from the top down to this node, itself included.
    #[must_use]
    pub fn ancestor_ids(&self) -> Vec<i64> {
        path_ids(&self.path)
    }

    /// Whether `other` is this node or below it.
    #[must_use]
    pub fn contains(&self, other_path: &str) -> bool {
        other_path.starts_with(&self.path)
    }

    /// Active (not dissolved).
    #[must_use]
    pub fn is_active(&self) -> bool {
        self.dissolved_at.is_none()
    }
}

/// The ids in a materialized path.
#[must_use]
pub fn path_ids(path: &str) -> Vec<i64> {
    path.split('/').filter_map(|s| s.parse().ok()).collect()
}

/// The path of a child with `id` under `parent_path` (`None` at the top).
#[must_use]
pub fn child_path(parent_path: Option<&str>, id: i64) -> String {
    format!("{}{id}/", parent_path.unwrap_or("/"))
}

/// The exclusive upper bound of a subtree's paths: every path under `prefix` sorts in
/// `[prefix, upper)` byte-wise, because `/` is followed by `0` in ASCII. Lets a plain index
/// serve subtree queries on both backends.
#[must_use]
pub fn subtree_upper(prefix: &str) -> String {
    let mut s = prefix.trim_end_matches('/').to_owned();
    s.push('0');
    s
}

/// An officer post (ROLE-02).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Post {
    /// 书记.
    Secretary,
    /// 副书记.
    DeputySecretary,
    /// 组织委员.
    OrganizationOfficer,
    /// 宣传委员.
    PublicityOfficer,
    /// 纪检委员.
    DisciplineOfficer,
    /// 党小组组长.
    GroupLeader,
    /// 青年委员 (local practice).
    YouthOfficer,
    /// 统战委员 (local practice).
    UnitedFrontOfficer,
    /// 委员.
    CommitteeMember,
}

impl Post {
    /// Every post.
    pub const ALL: [Post; 9] = [
        Post::Secretary,
        Post::DeputySecretary,
        Post::OrganizationOfficer,
        Post::PublicityOfficer,
        Post::DisciplineOfficer,
        Post::GroupLeader,
        Post::YouthOfficer,
        Post::UnitedFrontOfficer,
        Post::CommitteeMember,
    ];

    /// Code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Post::Secretary => "secretary",
            Post::DeputySecretary => "deputy_secretary",
            Post::OrganizationOfficer => "organization_officer",
            Post::PublicityOfficer => "publicity_officer",
            Post::DisciplineOfficer => "discipline_officer",
            Post::GroupLeader => "group_leader",
            Post::YouthOfficer => "youth_officer",
            Post::UnitedFrontOfficer => "united_front_officer",
            Post::CommitteeMember => "committee_member",
        }
    }

    /// Chinese name.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Post::Secretary => "书记",
            Post::DeputySecretary => "副书记",
            Post::OrganizationOfficer => "组织委员",
            Post::PublicityOfficer => "宣传委员",
            Post::DisciplineOfficer => "纪检委员",
            Post::GroupLeader => "党小组组长",
            Post::YouthOfficer => "青年委员",
            Post::UnitedFrontOfficer => "统战委员",
            Post::CommitteeMember => "委员",
        }
    }

    /// Parses a code.
    #[must_use]
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == s)
    }

    /// Whether the post exists in an organisation of this kind: groups have a 组长 only.
    #[must_use]
    pub fn fits(self, kind: OrgKind) -> bool {
        (self == Post::GroupLeader) == (kind == OrgKind::Group)
    }

    /// Posts held by one person at a time in an organisation (ROLE-02: at most one 副书记).
    #[must_use]
    pub fn is_single(self) -> bool {
        matches!(
            self,
            Post::Secretary
                | Post::DeputySecretary
                | Post::OrganizationOfficer
                | Post::PublicityOfficer
                | Post::DisciplineOfficer
                | Post::GroupLeader
        )
    }
}

/// The planned end of a term: start plus its length in years, clamped to the month's end
/// (CAL-01: 29 February → 28 February).
#[must_use]
pub fn term_end(start: Date, years: i64) -> Date {
    let year = start.year() + i32::try_from(years).unwrap_or(0);
    let day = start.day().min(days_in_month(year, start.month()));
    Date::from_calendar_date(year, start.month(), day).unwrap_or(start)
}

fn days_in_month(year: i32, month: Month) -> u8 {
    time::util::days_in_month(month, year)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn tree_shape_rules() {
        use OrgKind::*;
        assert!(Committee.may_sit_under(None));
        assert!(!Branch.may_sit_under(None));
        assert!(GeneralBranch.may_sit_under(Some(Committee)));
        assert!(Branch.may_sit_under(Some(GeneralBranch)));
        assert!(JointBranch.may_sit_under(Some(Committee)));
        assert!(Group.may_sit_under(Some(TemporaryBranch)));
        assert!(!Group.may_sit_under(Some(GeneralBranch)));
        assert!(!GeneralBranch.may_sit_under(Some(GeneralBranch)));
        assert!(!Committee.may_sit_under(Some(Branch)));
        assert_eq!(Group.child_kinds(), vec![]);
        assert_eq!(Branch.child_kinds(), vec![Group]);
    }

    #[test]
    fn subtree_bounds_cover_exactly_the_subtree() {
        let up = subtree_upper("/1/7/");
        assert_eq!(up, "/1/70");
        for inside in ["/1/7/", "/1/7/23/", "/1/7/9999/1/"] {
            assert!(inside >= "/1/7/" && inside < up.as_str(), "{inside}");
        }
        for outside in ["/1/70/", "/1/71/", "/1/", "/1/8/", "/2/7/"] {
            assert!(!(outside >= "/1/7/" && outside < up.as_str()), "{outside}");
        }
        assert_eq!(path_ids("/1/7/23/"), vec![1, 7, 23]);
        assert_eq!(child_path(Some("/1/7/"), 23), "/1/7/23/");
        assert_eq!(child_path(None, 1), "/1/");
    }

    #[test]
    fn elec_01_term_end_clamps_to_month_end() {
        assert_eq!(term_end(date!(2024 - 02 - 29), 3), date!(2027 - 02 - 28));
        assert_eq!(term_end(date!(2023 - 06 - 15), 5), date!(2028 - 06 - 15));
    }

    #[test]
    fn role_02_posts_fit_their_org_kind() {
        assert!(Post::Secretary.fits(OrgKind::Branch));
        assert!(!Post::Secretary.fits(OrgKind::Group));
        assert!(Post::GroupLeader.fits(OrgKind::Group));
        assert!(!Post::GroupLeader.fits(OrgKind::Branch));
        assert!(Post::DeputySecretary.is_single());
        assert!(!Post::CommitteeMember.is_single());
    }
}
