//! Request and reply types of the points API, kept apart from the handlers so both stay short.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::Item;
use super::ranking::{OrgLine, Ranked};
use super::store::Entry;

/// Which organisation, period, member and page. Read as text so that a bad value answers
/// with a Chinese message rather than the framework's.
#[derive(Deserialize)]
pub(super) struct OrgQuery {
    /// Organisation id; the caller's own when absent.
    #[serde(default)]
    pub org: Option<String>,
    /// `2026-W48`, `2026-11`, `2026-Q4` or `2026`; this month when absent.
    #[serde(default)]
    pub period: Option<String>,
    /// Member id (ledger); the caller's own record when absent.
    #[serde(default)]
    pub member: Option<String>,
    /// From 1 (ranking).
    #[serde(default)]
    pub page: Option<String>,
    /// Rows per page (ranking).
    #[serde(default)]
    pub per_page: Option<String>,
}

/// The query of `GET /api/v1/points/items`, for the document; read by [`OrgQuery`].
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // only describes the query string
pub(super) struct ItemsParams {
    /// Organisation id; the caller's own when absent.
    org: Option<i64>,
}

/// The query of `GET /api/v1/points/ledger`, for the document; read by [`OrgQuery`].
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // only describes the query string
pub(super) struct LedgerParams {
    /// Member id; the caller's own record when absent.
    member: Option<i64>,
    /// `2026-W48`, `2026-11`, `2026-Q4` or `2026`; this month when absent.
    period: Option<String>,
}

/// The query of `GET /api/v1/points/ranking`, for the document; read by [`OrgQuery`].
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // only describes the query string
pub(super) struct RankingParams {
    /// Organisation id; the caller's own when absent.
    org: Option<i64>,
    /// `2026-W48`, `2026-11`, `2026-Q4` or `2026`; this month when absent.
    period: Option<String>,
    /// From 1.
    page: Option<i64>,
    /// Rows per page.
    per_page: Option<i64>,
}

/// An item with its category and caps in words.
#[derive(Serialize, ToSchema)]
#[schema(as = PointItem)]
pub(super) struct ItemOut {
    #[serde(flatten)]
    pub item: Item,
    pub category_label: String,
    /// "每日 2 分、每月 10 分", empty without caps.
    pub caps_text: String,
}

/// The items in force for an organisation.
#[derive(Serialize, ToSchema)]
pub(super) struct ItemList {
    pub items: Vec<ItemOut>,
}

/// A new item of the organisation, or an adjusted inherited one (same code).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ItemBody {
    pub org_id: i64,
    pub code: String,
    pub name: String,
    /// `basic`, `reward` or `deduction`.
    #[serde(default)]
    pub category: String,
    pub points: i64,
    #[serde(default)]
    pub min_points: Option<i64>,
    #[serde(default)]
    pub max_points: Option<i64>,
    #[serde(default)]
    pub cap_day: Option<i64>,
    #[serde(default)]
    pub cap_week: Option<i64>,
    #[serde(default)]
    pub cap_month: Option<i64>,
    #[serde(default)]
    pub cap_year: Option<i64>,
    #[serde(default)]
    pub needs_approval: bool,
    #[serde(default)]
    pub evidence_required: bool,
}

/// Something created, by id.
#[derive(Serialize, ToSchema)]
#[schema(as = PointItemCreated)]
pub(super) struct Created {
    pub id: i64,
}

/// A member's entries in a period.
#[derive(Serialize, ToSchema)]
pub(super) struct Ledger {
    pub member_id: i64,
    pub period: String,
    pub period_label: String,
    pub total: i64,
    pub entries: Vec<Entry>,
}

/// An officer's award or deduction.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct AwardBody {
    pub member_id: i64,
    /// Item code.
    pub item: String,
    /// Within the item's range; the item's points when absent.
    #[serde(default)]
    pub points: Option<i64>,
    /// YYYY-MM-DD.
    pub occurred_on: String,
    pub reason: String,
}

/// A member's own claim (申报).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ClaimBody {
    /// Item code.
    pub item: String,
    #[serde(default)]
    pub points: Option<i64>,
    /// YYYY-MM-DD.
    pub occurred_on: String,
    pub description: String,
    /// Evidence (JPEG, PNG or PDF) as base64.
    #[serde(default)]
    pub evidence_base64: Option<String>,
}

/// A claim and where it stands.
#[derive(Serialize, ToSchema)]
pub(super) struct ClaimState {
    pub id: i64,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
}

/// An officer's answer to a claim.
#[derive(Deserialize, ToSchema)]
#[schema(as = ClaimDecision)]
#[serde(deny_unknown_fields)]
pub(super) struct DecisionBody {
    pub approve: bool,
    #[serde(default)]
    pub note: String,
}

/// A page of the ranking of an organisation's members, with the lines of the organisations
/// below it.
#[derive(Serialize, ToSchema)]
pub(super) struct RankingOut {
    pub org_id: i64,
    pub period: String,
    pub period_label: String,
    /// Members ranked.
    pub members: i64,
    /// Members without points in the period.
    pub without_points: i64,
    pub page: i64,
    pub pages: i64,
    pub per_page: i64,
    pub ranking: Vec<Ranked>,
    pub orgs: Vec<OrgLine>,
}
