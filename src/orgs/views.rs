//! Page structs for the organisation area.

use askama::Template;

use crate::shared::text::ymd;
use crate::web::layout::PageCtx;

use super::model::{Org, OrgKind, Post, term_end};
use super::service::{OrgDetail, TreeNode};
use super::store::{Officer, Term};

/// The tree page.
#[derive(Template)]
#[template(path = "orgs/tree.html")]
pub struct TreePage {
    /// Shared page data.
    pub page: PageCtx,
    /// Nodes in display order.
    pub nodes: Vec<TreeNode>,
    /// Showing dissolved ones too.
    pub show_dissolved: bool,
    /// May create a top-level organisation.
    pub can_create_root: bool,
    /// Totals over the visible tops.
    pub total_members: i64,
}

/// The organisation page.
#[derive(Template)]
#[template(path = "orgs/show.html")]
pub struct ShowPage {
    /// Shared page data.
    pub page: PageCtx,
    /// Everything about it.
    pub d: OrgDetail,
    /// May edit.
    pub can_edit: bool,
    /// May move / dissolve.
    pub can_restructure: bool,
    /// Kinds the user may create below.
    pub child_kinds: Vec<OrgKind>,
    /// May appoint and remove officers.
    pub can_appoint: bool,
    /// Members to choose officers from.
    pub candidates: Vec<(i64, String)>,
    /// Posts that fit this kind.
    pub posts: Vec<Post>,
    /// Today, for date defaults.
    pub today: String,
    /// The current term's planned end and whether it is near (ELEC-03).
    pub term_note: Option<(String, bool)>,
    /// A branch that should have a committee and has too few members of it (ORG-08).
    pub committee_note: Option<String>,
}

/// Create / edit form.
#[derive(Template)]
#[template(path = "orgs/form.html")]
pub struct FormPage {
    /// Shared page data.
    pub page: PageCtx,
    /// Editing this one (None: creating).
    pub editing: Option<Org>,
    /// Parent when creating.
    pub parent: Option<Org>,
    /// Kinds allowed here.
    pub kinds: Vec<OrgKind>,
    /// Values.
    pub f: OrgFormValues,
    /// Error.
    pub error: Option<String>,
}

/// Values of the form as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgFormValues {
    /// Parent id when creating.
    #[serde(default)]
    pub parent_id: String,
    /// Kind code.
    #[serde(default)]
    pub kind: String,
    /// Name.
    pub name: String,
    /// Short name.
    #[serde(default)]
    pub short_name: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub established_on: String,
    /// Sibling order.
    #[serde(default)]
    pub sort_order: String,
}

/// Move form.
#[derive(Template)]
#[template(path = "orgs/move.html")]
pub struct MovePage {
    /// Shared page data.
    pub page: PageCtx,
    /// The one to move.
    pub org: Org,
    /// Possible new parents.
    pub targets: Vec<(i64, String)>,
    /// Error.
    pub error: Option<String>,
}

fn od(date: Option<time::Date>) -> String {
    date.map_or_else(|| "—".into(), ymd)
}

impl Org {
    /// Chinese name of the kind.
    #[must_use]
    pub fn kind_label(&self) -> &'static str {
        self.kind().label()
    }

    /// Establishment date for display.
    #[must_use]
    pub fn established_text(&self) -> String {
        od(self.established_on)
    }
}

impl Officer {
    /// Chinese name of the post.
    #[must_use]
    pub fn post_label(&self) -> &'static str {
        Post::from_code(&self.post).map_or("委员", Post::label)
    }

    /// Start date for display.
    #[must_use]
    pub fn started_text(&self) -> String {
        ymd(self.started_on)
    }

    /// End date for display.
    #[must_use]
    pub fn ended_text(&self) -> String {
        od(self.ended_on)
    }
}

impl Term {
    /// Start date for display.
    #[must_use]
    pub fn started_text(&self) -> String {
        ymd(self.started_on)
    }

    /// Planned end (ELEC-01).
    #[must_use]
    pub fn planned_end_text(&self) -> String {
        ymd(term_end(self.started_on, self.years))
    }

    /// Actual end for display.
    #[must_use]
    pub fn ended_text(&self) -> String {
        od(self.ended_on)
    }
}
