//! Request and reply types of the member API, kept apart from the handlers so both stay short.
//! Numbers are masked in every reply except [`Unmasked`].

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::shared::text::ymd;

use super::events::MemberEvent;
use super::model::Member;

/// A member record as the API shows it.
#[derive(Serialize, ToSchema)]
pub(super) struct MemberOut {
    id: i64,
    org_id: i64,
    group_id: Option<i64>,
    name: String,
    gender: String,
    /// SEC-53/55: masked, and the birth date it contains is not shown beside it; the age is.
    id_number_masked: String,
    /// 周岁.
    age: i32,
    ethnicity: String,
    native_place: Option<String>,
    education: String,
    degree: Option<String>,
    /// `full` or `probationary`.
    category: String,
    membership_status: String,
    #[schema(format = Date)]
    joined_on: String,
    #[schema(format = Date)]
    converted_on: Option<String>,
    /// 党龄 in whole years, once 正式.
    party_years: Option<i32>,
    /// End of probation for a 预备党员 (a year after acceptance, or the end of the extension).
    #[schema(format = Date)]
    probation_ends_on: Option<String>,
    /// 留党察看 until this date (no vote before it).
    #[schema(format = Date)]
    observation_until: Option<String>,
    job_title: Option<String>,
    employer: Option<String>,
    #[schema(format = Date)]
    work_started_on: Option<String>,
    phone_masked: String,
    party_post: Option<String>,
    lost_contact: bool,
    #[schema(format = Date)]
    lost_contact_on: Option<String>,
    /// 流动党员.
    mobile: bool,
    mobile_destination: Option<String>,
}

impl MemberOut {
    pub(super) fn of(m: &Member, today: time::Date) -> Self {
        Self {
            id: m.id,
            org_id: m.org_id,
            group_id: m.group_id,
            name: m.name.clone(),
            gender: m.gender.clone(),
            id_number_masked: m.id_masked(),
            age: m.age(today),
            ethnicity: m.ethnicity.clone(),
            native_place: m.native_place.clone(),
            education: m.education.clone(),
            degree: m.degree.clone(),
            category: m.category.clone(),
            membership_status: m.membership_status.clone(),
            joined_on: ymd(m.joined_on),
            converted_on: m.converted_on.map(ymd),
            party_years: m.party_years(today),
            probation_ends_on: (m.category() == super::model::Category::Probationary)
                .then(|| ymd(m.probation_end())),
            observation_until: m.observation_until.filter(|u| today < *u).map(ymd),
            job_title: m.job_title.clone(),
            employer: m.employer.clone(),
            work_started_on: m.work_started_on.map(ymd),
            phone_masked: m.phone_masked(),
            party_post: m.party_post.clone(),
            lost_contact: m.lost_contact,
            lost_contact_on: m.lost_contact_on.map(ymd),
            mobile: m.mobile,
            mobile_destination: m.mobile_destination.clone(),
        }
    }
}

/// A member with the names of their branch and 党小组.
#[derive(Serialize, ToSchema)]
pub(super) struct MemberListed {
    #[serde(flatten)]
    pub member: MemberOut,
    pub org_name: String,
    pub group_name: Option<String>,
}

/// A page of the roster.
#[derive(Serialize, ToSchema)]
pub(super) struct MemberList {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub members: Vec<MemberListed>,
}

/// One event of a member's timeline.
#[derive(Serialize, ToSchema)]
pub(super) struct EventOut {
    kind: String,
    kind_label: String,
    #[schema(format = Date)]
    occurred_on: String,
    to_org_id: Option<i64>,
    from_org_id: Option<i64>,
    note: String,
    recorded_by: String,
}

impl EventOut {
    pub(super) fn of(e: &MemberEvent) -> Self {
        Self {
            kind: e.kind.clone(),
            kind_label: e.kind_label().to_owned(),
            occurred_on: ymd(e.occurred_on),
            to_org_id: e.to_org_id,
            from_org_id: e.from_org_id,
            note: e.note.clone(),
            recorded_by: e.recorded_by_name.clone(),
        }
    }
}

/// One member with their timeline.
#[derive(Serialize, ToSchema)]
pub(super) struct MemberDetailOut {
    #[serde(flatten)]
    pub member: MemberOut,
    pub org_name: String,
    pub group_name: Option<String>,
    pub events: Vec<EventOut>,
}

/// The full numbers, after a step-up; the call is audited.
#[derive(Serialize, ToSchema)]
pub(super) struct Unmasked {
    pub id: i64,
    pub id_number: String,
    pub phone: Option<String>,
    pub address: Option<String>,
}

/// The roster's filters, as the roster page takes them, and the page size. Documented here;
/// read by `RosterQuery` and `Paging`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // only describes the query string
pub(super) struct RosterParams {
    /// Organisation id; the caller's own when absent.
    org: Option<i64>,
    /// Name or part of it.
    q: Option<String>,
    /// `full` or `probationary`.
    category: Option<String>,
    /// Membership status code.
    status: Option<String>,
    gender: Option<String>,
    /// Age band, e.g. `35-`.
    age: Option<String>,
    /// Education.
    edu: Option<String>,
    /// Ethnicity.
    eth: Option<String>,
    /// Party-age band.
    party_age: Option<String>,
    /// `lost_contact` or `mobile`.
    flag: Option<String>,
    sort: Option<String>,
    /// From 1.
    page: Option<i64>,
    /// 1–500, 50 by default.
    per_page: Option<i64>,
}

/// Fields of a record by roster item name (`name`, `gender`, `id_number`, `joined_on`, …);
/// values are strings, numbers, booleans or `null`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NewMemberBody {
    pub org_id: i64,
    #[serde(default)]
    pub group_id: Option<i64>,
    /// `full` or `probationary`.
    pub category: String,
    /// `register` (default), `develop` or `transfer_in`.
    #[serde(default)]
    pub entry: Option<String>,
    /// Date of the entry, YYYY-MM-DD.
    #[serde(default)]
    pub entry_on: Option<String>,
    #[schema(value_type = Object)]
    pub fields: serde_json::Map<String, Value>,
}

/// A change: only the fields given; `group_id: null` takes the member out of their 党小组.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct PatchBody {
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub group_id: Option<Option<i64>>,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub fields: serde_json::Map<String, Value>,
}

/// An event of the member's membership: `convert`, `extend` (延长预备期, `months` 6–12),
/// `cancel` (取消预备党员资格), `observe` (留党察看, `months` 12 or 24), `stop`, `restore`,
/// `leave`, `death`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct EventBody {
    pub kind: String,
    /// YYYY-MM-DD: for 转正, 延长 and 取消 the date of the 党员大会 that decided it.
    pub occurred_on: String,
    #[serde(default)]
    pub note: String,
    /// Months of an extension or of 留党察看.
    #[serde(default)]
    pub months: Option<u8>,
}
