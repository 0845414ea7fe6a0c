//! The audit viewer page.

use askama::Template;

use crate::web::layout::PageCtx;

/// A row as shown.
pub struct Row {
    /// Sequence.
    pub id: i64,
    /// China time.
    pub at: String,
    /// The person's name.
    pub actor: String,
    /// Role label.
    pub role: String,
    /// Address.
    pub ip: String,
    /// Action label.
    pub action: String,
    /// Object, by its current name.
    pub object: String,
    /// Organisation's name.
    pub org: String,
    /// Result label.
    pub result: &'static str,
    /// Result code for styling.
    pub result_code: String,
    /// Detail.
    pub detail: String,
    /// Request id.
    pub request_id: String,
}

/// The viewer.
#[derive(Template)]
#[template(path = "audit/list.html")]
pub struct AuditPage {
    /// Shared page data.
    pub page: PageCtx,
    /// Rows of this page.
    pub rows: Vec<Row>,
    /// Matching rows.
    pub total: i64,
    /// Filter values.
    pub q: super::routes::AuditQuery,
    /// Page number.
    pub page_no: i64,
    /// Pages.
    pub pages: i64,
    /// Query string without the page, for links.
    pub qs: String,
    /// Action choices.
    pub actions: &'static [(&'static str, &'static str)],
    /// Whether the audit chain is intact (SEC-26).
    pub chain_ok: bool,
    /// The chain check's sentence.
    pub chain: String,
}
