//! Page structs of the member area.

use askama::Template;

use crate::shared::text::ymd;
use crate::web::layout::PageCtx;

use super::model::{FieldError, Member};
use super::service::MemberDetail;
use super::store::MemberRow;

/// A roster row as shown.
pub struct RosterLine {
    /// Id.
    pub id: i64,
    /// 姓名.
    pub name: String,
    /// 性别.
    pub gender: &'static str,
    /// 年龄.
    pub age: i32,
    /// 民族.
    pub ethnicity: String,
    /// 学历.
    pub education: String,
    /// 人员类别.
    pub category: &'static str,
    /// 入党日期.
    pub joined: String,
    /// 党龄.
    pub party_years: String,
    /// 支部 / 党小组.
    pub org: String,
    /// Masked 身份证号.
    pub id_masked: String,
    /// Masked 手机号.
    pub phone_masked: String,
    /// 党籍状态 label, when not normal.
    pub status: Option<&'static str>,
    /// 流动.
    pub mobile: bool,
    /// 失联.
    pub lost: bool,
    /// A 预备党员 whose probation began more than two years ago: one year, extended at most
    /// once by up to a year (DEV-22), so the branch owes a decision.
    pub probation_overdue: bool,
}

/// The same day two years earlier (29 February falls back to the 28th).
#[must_use]
pub fn two_years_before(d: time::Date) -> time::Date {
    d.replace_year(d.year() - 2)
        .or_else(|_| d.replace_day(28).and_then(|x| x.replace_year(d.year() - 2)))
        .unwrap_or(d)
}

impl RosterLine {
    /// Builds the line for `today`.
    #[must_use]
    pub fn new(r: &MemberRow, today: time::Date) -> Self {
        let m = &r.m;
        let status = m.status();
        Self {
            id: m.id,
            name: m.name.clone(),
            gender: m.gender_label(),
            age: m.age(today),
            ethnicity: m.ethnicity.clone(),
            education: m.education.clone(),
            category: m.category().label(),
            joined: ymd(m.joined_on),
            party_years: m
                .party_years(today)
                .map_or_else(|| "—".into(), |y| format!("{y} 年")),
            org: match &r.group_name {
                Some(g) => format!("{} · {g}", r.org_name),
                None => r.org_name.clone(),
            },
            id_masked: m.id_masked(),
            phone_masked: m.phone_masked(),
            status: (status != super::model::Status::Normal).then(|| status.label()),
            mobile: m.mobile,
            lost: m.lost_contact,
            probation_overdue: m.category() == super::model::Category::Probationary
                && m.joined_on < two_years_before(today),
        }
    }
}

/// A choice in a select.
pub struct Opt {
    /// Value.
    pub value: String,
    /// Label.
    pub label: String,
    /// Selected.
    pub selected: bool,
}

/// Builds options from (value, label) pairs with one selected value.
#[must_use]
pub fn opts(pairs: &[(String, String)], selected: &str) -> Vec<Opt> {
    pairs
        .iter()
        .map(|(v, l)| Opt {
            value: v.clone(),
            label: l.clone(),
            selected: v == selected,
        })
        .collect()
}

/// The roster page.
#[derive(Template)]
#[template(path = "members/roster.html")]
pub struct RosterPage {
    /// Shared page data.
    pub page: PageCtx,
    /// Rows.
    pub rows: Vec<RosterLine>,
    /// Matching rows.
    pub total: i64,
    /// Filter selects.
    pub f: RosterForm,
    /// Page number and count.
    pub page_no: i64,
    /// Pages.
    pub pages: i64,
    /// Query string without the page.
    pub qs: String,
    /// Printing.
    pub print: bool,
    /// May add members.
    pub can_add: bool,
    /// Any filter set.
    pub filtered: bool,
    /// Correction requests waiting for a decision.
    pub pending_corrections: usize,
}

/// Filter controls as shown.
pub struct RosterForm {
    /// Organisation.
    pub org: Vec<Opt>,
    /// 人员类别.
    pub category: Vec<Opt>,
    /// 党籍状态.
    pub status: Vec<Opt>,
    /// 性别.
    pub gender: Vec<Opt>,
    /// 年龄段.
    pub age: Vec<Opt>,
    /// 学历.
    pub edu: Vec<Opt>,
    /// 民族.
    pub eth: Vec<Opt>,
    /// 党龄.
    pub party_age: Vec<Opt>,
    /// 流动 / 失联.
    pub flag: Vec<Opt>,
    /// Name search.
    pub q: String,
    /// Sort.
    pub sort: Vec<Opt>,
}

/// The member page.
#[derive(Template)]
#[template(path = "members/show.html")]
pub struct ShowPage {
    /// Shared page data.
    pub page: PageCtx,
    /// The record and history.
    pub d: MemberDetail,
    /// Numbers shown in full (after an audited unmask).
    pub unmasked: bool,
    /// May edit and record events.
    pub can_edit: bool,
    /// May unmask.
    pub can_unmask: bool,
    /// Events that may be recorded now: (code, label).
    pub event_kinds: Vec<(&'static str, &'static str)>,
    /// Today.
    pub today: String,
    /// Age and 党龄 text.
    pub age_text: String,
    /// The viewer's own record.
    pub is_self: bool,
    /// Correction requests (shown to the member).
    pub corrections: Vec<super::corrections::Correction>,
    /// A photo is on file.
    pub has_photo: bool,
    /// Probation and 留党察看 lines: (label, text).
    pub terms: Vec<(&'static str, String)>,
}

impl ShowPage {
    /// 身份证号 as shown.
    #[must_use]
    pub fn id_text(&self) -> String {
        if self.unmasked {
            self.d.member.id_number.clone()
        } else {
            self.d.member.id_masked()
        }
    }
    /// 手机号 as shown.
    #[must_use]
    pub fn phone_text(&self) -> String {
        match (&self.d.member.phone, self.unmasked) {
            (None, _) => "—".into(),
            (Some(p), true) => p.clone(),
            (Some(_), false) => self.d.member.phone_masked(),
        }
    }
    /// A plain field for display, `—` when empty.
    #[must_use]
    pub fn text(&self, key: &str) -> String {
        let m = &self.d.member;
        match key {
            "native_place" => or_dash(m.native_place.as_deref()),
            "degree" => or_dash(m.degree.as_deref()),
            "party_post" => or_dash(m.party_post.as_deref()),
            "job_title" => or_dash(m.job_title.as_deref()),
            "employer" => or_dash(m.employer.as_deref()),
            "mobile_destination" => or_dash(m.mobile_destination.as_deref()),
            "birth_date" => ymd(m.birth_date),
            "joined_on" => ymd(m.joined_on),
            "converted_on" => date_or_dash(m.converted_on),
            "work_started_on" => date_or_dash(m.work_started_on),
            "lost_contact_on" => date_or_dash(m.lost_contact_on),
            _ => String::new(),
        }
    }
    /// 住址 as shown.
    #[must_use]
    pub fn address_text(&self) -> String {
        match (&self.d.member.address, self.unmasked) {
            (None, _) => "—".into(),
            (Some(a), true) => a.clone(),
            (Some(_), false) => "（已隐藏）".into(),
        }
    }
}

/// Optional text for display.
#[must_use]
pub fn or_dash(v: Option<&str>) -> String {
    v.filter(|s| !s.is_empty())
        .map_or_else(|| "—".into(), str::to_owned)
}

/// Optional date for display.
#[must_use]
pub fn date_or_dash(v: Option<time::Date>) -> String {
    v.map_or_else(|| "—".into(), ymd)
}

/// Create / edit form.
#[derive(Template)]
#[template(path = "members/form.html")]
pub struct FormPage {
    /// Shared page data.
    pub page: PageCtx,
    /// Editing this record (None: creating).
    pub editing: Option<Member>,
    /// Values as typed, by key.
    pub v: std::collections::HashMap<String, String>,
    /// Errors, by field.
    pub errors: Vec<FieldError>,
    /// A message not tied to one field.
    pub message: Option<String>,
    /// Branch choices (create).
    pub orgs: Vec<Opt>,
    /// 党小组 choices.
    pub groups: Vec<Opt>,
    /// Code lists.
    pub ethnicities: Vec<Opt>,
    /// 学历.
    pub educations: Vec<Opt>,
    /// 学位.
    pub degrees: Vec<Opt>,
}

impl FormPage {
    /// The value typed for a field.
    #[must_use]
    pub fn val(&self, k: &str) -> String {
        self.v.get(k).cloned().unwrap_or_default()
    }
    /// The error for a field, if any.
    #[must_use]
    pub fn err(&self, k: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|e| e.field == k)
            .map(|e| e.message.clone())
    }
    /// Whether a checkbox is on.
    #[must_use]
    pub fn on(&self, k: &str) -> bool {
        super::model::parse_flag(&self.val(k)).unwrap_or(false)
    }
}

/// Who belonged on a date.
#[derive(Template)]
#[template(path = "members/as_of.html")]
pub struct AsOfPage {
    /// Shared page data.
    pub page: PageCtx,
    /// Organisation choices.
    pub orgs: Vec<Opt>,
    /// The date asked.
    pub date: String,
    /// Result: (member id, name, branch, category at present).
    pub rows: Vec<(i64, String, String, &'static str)>,
    /// Whether a query ran.
    pub asked: bool,
}
