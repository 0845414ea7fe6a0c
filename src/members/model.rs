//! The member record, its codes, the events that change 党籍 and organisation, and the rules
//! a record must satisfy (GB 11643 agreement, DEV-01, DEV-20, CAL-02). No IO.

use std::collections::HashMap;

use serde::Serialize;
use time::{Date, OffsetDateTime};

use super::idcard;

pub use super::status::{EventKind, Status};
pub use super::validate::{
    FieldError, ITEMS, MemberFields, RawFields, label_of, parse_any_date, parse_flag, validate,
};

/// 人员类别.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 正式党员.
    #[default]
    Full,
    /// 预备党员.
    Probationary,
}

impl Category {
    /// Code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Probationary => "probationary",
        }
    }
    /// Chinese name.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Full => "正式党员",
            Self::Probationary => "预备党员",
        }
    }
    /// Parses a code or the Chinese name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "full" | "正式党员" | "正式" => Some(Self::Full),
            "probationary" | "预备党员" | "预备" => Some(Self::Probationary),
            _ => None,
        }
    }
}

/// A member record as stored.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Member {
    /// Id.
    pub id: i64,
    /// 所在党支部.
    pub org_id: i64,
    /// 所在党小组.
    pub group_id: Option<i64>,
    /// 姓名.
    pub name: String,
    /// `male` / `female`.
    pub gender: String,
    /// 公民身份号码 (shown masked unless unmasked with audit). Stored sealed (SEC-46): the
    /// store opens it after reading the row.
    #[serde(skip)]
    #[sqlx(skip)]
    pub id_number: String,
    /// 出生日期.
    #[serde(with = "crate::shared::json_date")]
    pub birth_date: Date,
    /// 民族.
    pub ethnicity: String,
    /// 学历.
    pub education: String,
    /// 人员类别 code.
    pub category: String,
    /// 入党日期.
    #[serde(with = "crate::shared::json_date")]
    pub joined_on: Date,
    /// 转正日期.
    #[serde(with = "crate::shared::json_date::option")]
    pub converted_on: Option<Date>,
    /// End of a probation extended by 延长预备期 (DEV-22); none while not extended.
    #[serde(with = "crate::shared::json_date::option")]
    pub probation_extended_until: Option<Date>,
    /// End of 留党察看 (VOTE-01): no vote before this date.
    #[serde(with = "crate::shared::json_date::option")]
    pub observation_until: Option<Date>,
    /// 工作岗位.
    pub job_title: Option<String>,
    /// 联系电话 (masked unless unmasked with audit). Stored sealed like the 身份证号.
    #[serde(skip)]
    #[sqlx(skip)]
    pub phone: Option<String>,
    /// 党籍状态 code.
    pub membership_status: String,
    /// 籍贯.
    pub native_place: Option<String>,
    /// 学位.
    pub degree: Option<String>,
    /// 工作单位及职务.
    pub employer: Option<String>,
    /// 参加工作日期.
    #[serde(with = "crate::shared::json_date::option")]
    pub work_started_on: Option<Date>,
    /// 家庭住址.
    #[serde(skip)]
    pub address: Option<String>,
    /// 党内职务.
    pub party_post: Option<String>,
    /// 失联党员.
    pub lost_contact: bool,
    /// 失联日期.
    #[serde(with = "crate::shared::json_date::option")]
    pub lost_contact_on: Option<Date>,
    /// 流动党员.
    pub mobile: bool,
    /// 外出流向.
    pub mobile_destination: Option<String>,
    /// Updated.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl Member {
    /// 人员类别.
    #[must_use]
    pub fn category(&self) -> Category {
        Category::parse(&self.category).unwrap_or(Category::Full)
    }
    /// 党籍状态.
    #[must_use]
    pub fn status(&self) -> Status {
        Status::from_code(&self.membership_status).unwrap_or(Status::Normal)
    }
    /// 性别 in Chinese.
    #[must_use]
    pub fn gender_label(&self) -> &'static str {
        if self.gender == "male" { "男" } else { "女" }
    }
    /// `110*************34`.
    #[must_use]
    pub fn id_masked(&self) -> String {
        idcard::mask(&self.id_number)
    }
    /// `138****5678`, or empty.
    #[must_use]
    pub fn phone_masked(&self) -> String {
        self.phone
            .as_deref()
            .map(idcard::mask_phone)
            .unwrap_or_default()
    }
    /// Age in whole years on `today`.
    #[must_use]
    pub fn age(&self, today: Date) -> i32 {
        whole_years(self.birth_date, today)
    }
    /// The record's values as raw form fields (for editing and partial updates).
    #[must_use]
    pub fn raw_fields(&self) -> HashMap<String, String> {
        let m = self;
        let d = |x: Option<time::Date>| x.map(crate::shared::text::ymd).unwrap_or_default();
        let s = |x: &Option<String>| x.clone().unwrap_or_default();
        let flag = |b: bool| if b { "是".to_owned() } else { String::new() };
        [
            ("name", m.name.clone()),
            ("gender", m.gender.clone()),
            ("id_number", m.id_number.clone()),
            ("birth_date", crate::shared::text::ymd(m.birth_date)),
            ("ethnicity", m.ethnicity.clone()),
            ("education", m.education.clone()),
            ("degree", s(&m.degree)),
            ("joined_on", crate::shared::text::ymd(m.joined_on)),
            ("converted_on", d(m.converted_on)),
            ("job_title", s(&m.job_title)),
            ("phone", s(&m.phone)),
            ("native_place", s(&m.native_place)),
            ("employer", s(&m.employer)),
            ("work_started_on", d(m.work_started_on)),
            ("address", s(&m.address)),
            ("party_post", s(&m.party_post)),
            ("lost_contact", flag(m.lost_contact)),
            ("lost_contact_on", d(m.lost_contact_on)),
            ("mobile", flag(m.mobile)),
            ("mobile_destination", s(&m.mobile_destination)),
            (
                "group_id",
                m.group_id.map(|g| g.to_string()).unwrap_or_default(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// The day probation ends (DEV-20: a year after the 党员大会 that accepted the member, or
    /// the end of the extension, DEV-22); for a 正式党员 this is the 转正日期 (DEV-25).
    #[must_use]
    pub fn probation_end(&self) -> Date {
        self.probation_extended_until
            .unwrap_or_else(|| crate::orgs::model::term_end(self.joined_on, 1))
    }
    /// Whether the member is under 留党察看 on `day` (VOTE-01, RIGHT-02).
    #[must_use]
    pub fn under_observation(&self, day: Date) -> bool {
        self.observation_until.is_some_and(|u| day < u)
    }
    /// Whether the member may vote on `day` (VOTE-01): a 正式党员 in normal standing, not under
    /// 留党察看.
    #[must_use]
    pub fn may_vote(&self, day: Date) -> bool {
        self.category() == Category::Full
            && self.status() == Status::Normal
            && !self.under_observation(day)
    }
    /// 党龄 in whole years on `today`: from conversion (DEV-25); 预备党员 have none yet.
    #[must_use]
    pub fn party_years(&self, today: Date) -> Option<i32> {
        self.converted_on.map(|c| whole_years(c, today).max(0))
    }
}

/// Whole years from `from` to `to` (a birthday on 29 February counts on 28 February, CAL-02).
#[must_use]
pub fn whole_years(from: Date, to: Date) -> i32 {
    let mut y = to.year() - from.year();
    let anniversary = crate::orgs::model::term_end(from, i64::from(y));
    if anniversary > to {
        y -= 1;
    }
    y
}

/// Code tables used to check and show values: set code → (code, name, aliases).
#[derive(Debug, Clone, Default)]
pub struct CodeSets(pub HashMap<String, Vec<(String, String, Vec<String>)>>);

impl CodeSets {
    /// Names of a set, in order.
    #[must_use]
    pub fn names(&self, set: &str) -> Vec<String> {
        self.0
            .get(set)
            .map(|v| v.iter().map(|(_, n, _)| n.clone()).collect())
            .unwrap_or_default()
    }
    /// The standard name for a name or alias in a set.
    #[must_use]
    pub fn canonical(&self, set: &str, value: &str) -> Option<String> {
        let v = value.trim();
        self.0
            .get(set)?
            .iter()
            .find(|(_, n, a)| n == v || a.iter().any(|x| x == v))
            .map(|(_, n, _)| n.clone())
    }
}

/// Sort key for names: pinyin, so lists follow the order people expect.
#[must_use]
pub fn name_key(name: &str) -> String {
    use pinyin::ToPinyin;
    let mut out = String::new();
    for (c, p) in name.chars().zip(name.to_pinyin()) {
        match p {
            Some(p) => out.push_str(p.plain()),
            None => out.extend(c.to_lowercase()),
        }
        out.push(' ');
    }
    out.trim_end().to_owned()
}

/// Member counts of an organisation's subtree.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct MemberCounts {
    /// All members with normal status.
    pub total: i64,
    /// 正式党员.
    pub full: i64,
    /// 预备党员.
    pub probationary: i64,
}

/// A member as listed for choosing officers.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberBrief {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Category code.
    pub category: String,
}
