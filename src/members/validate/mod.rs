//! Checking a member record (GB 11643 agreement, DEV-01, DEV-20, CAL-02). Every problem is
//! reported with the item's Chinese name, not just the first, so a form or a spreadsheet row
//! can be corrected in one go.

use std::collections::HashMap;

use time::Date;

use super::idcard;

use super::model::{Category, CodeSets, whole_years};

/// The validated, editable fields of a record. Organisation, category and status are not
/// here: they change only through events (SEC-20).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberFields {
    /// 姓名.
    pub name: String,
    /// `male` / `female`.
    pub gender: &'static str,
    /// 公民身份号码, normalised.
    pub id_number: String,
    /// 出生日期.
    pub birth_date: Date,
    /// 民族.
    pub ethnicity: String,
    /// 学历.
    pub education: String,
    /// 学位.
    pub degree: Option<String>,
    /// 入党日期.
    pub joined_on: Date,
    /// 转正日期.
    pub converted_on: Option<Date>,
    /// 工作岗位.
    pub job_title: Option<String>,
    /// 联系电话.
    pub phone: Option<String>,
    /// 籍贯.
    pub native_place: Option<String>,
    /// 工作单位及职务.
    pub employer: Option<String>,
    /// 参加工作日期.
    pub work_started_on: Option<Date>,
    /// 家庭住址.
    pub address: Option<String>,
    /// 党内职务.
    pub party_post: Option<String>,
    /// 失联党员.
    pub lost_contact: bool,
    /// 失联日期.
    pub lost_contact_on: Option<Date>,
    /// 流动党员.
    pub mobile: bool,
    /// 外出流向.
    pub mobile_destination: Option<String>,
}

pub use crate::shared::error::FieldError;

/// The items of the record in form and spreadsheet order: key, Chinese name.
pub const ITEMS: &[(&str, &str)] = &[
    ("name", "姓名"),
    ("gender", "性别"),
    ("id_number", "公民身份号码"),
    ("ethnicity", "民族"),
    ("birth_date", "出生日期"),
    ("education", "学历"),
    ("degree", "学位"),
    ("category", "人员类别"),
    ("joined_on", "入党日期"),
    ("converted_on", "转正日期"),
    ("job_title", "工作岗位"),
    ("employer", "工作单位及职务"),
    ("work_started_on", "参加工作日期"),
    ("phone", "联系电话"),
    ("native_place", "籍贯"),
    ("address", "家庭住址"),
    ("party_post", "党内职务"),
    ("lost_contact", "是否失联党员"),
    ("lost_contact_on", "失联日期"),
    ("mobile", "是否流动党员"),
    ("mobile_destination", "外出流向"),
];

/// The Chinese name of a field key.
#[must_use]
pub fn label_of(field: &str) -> &'static str {
    ITEMS
        .iter()
        .find(|(k, _)| *k == field)
        .map_or("", |(_, l)| l)
}

/// Raw values as typed (form, API or spreadsheet), by field key.
pub type RawFields = HashMap<String, String>;

/// Accepts 是/否, true/false, 1/0, on.
#[must_use]
pub fn parse_flag(s: &str) -> Option<bool> {
    match s.trim() {
        "" | "否" | "false" | "0" | "no" | "off" => Some(false),
        "是" | "true" | "1" | "yes" | "on" => Some(true),
        _ => None,
    }
}

/// Accepts `2026-11-28`, `2026/11/28`, `2026.11.28` and `2026年11月28日`.
#[must_use]
pub fn parse_any_date(s: &str) -> Option<Date> {
    let t = s
        .trim()
        .trim_end_matches('日')
        .replace(['/', '.', '年', '月'], "-");
    let mut it = t.split('-').map(|p| p.trim().parse::<i32>());
    let (Some(Ok(y)), Some(Ok(m)), Some(Ok(d)), None) =
        (it.next(), it.next(), it.next(), it.next())
    else {
        return None;
    };
    let month = time::Month::try_from(u8::try_from(m).ok()?).ok()?;
    // SEC-43: the same 1900–2100 bound as every other date input.
    Date::from_calendar_date(y, month, u8::try_from(d).ok()?)
        .ok()
        .filter(|d| crate::shared::dates::in_bounds(*d))
}

/// Normalises a mobile number (full-width digits, spaces, `+86`) and checks `1[3-9]` + 9 digits.
#[must_use]
pub fn normalize_phone(s: &str) -> Option<String> {
    let d: String = idcard::normalize(s)
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .collect();
    let d = d.strip_prefix("+86").unwrap_or(&d).to_owned();
    let ok = d.len() == 11
        && d.starts_with('1')
        && matches!(d.as_bytes()[1], b'3'..=b'9')
        && d.bytes().all(|b| b.is_ascii_digit());
    ok.then_some(d)
}

/// Checks every field and reports every problem, not just the first (issue: bad input).
///
/// # Errors
/// All field errors.
pub fn validate(
    raw: &RawFields,
    category: Category,
    codes: &CodeSets,
    today: Date,
) -> Result<MemberFields, Vec<FieldError>> {
    let mut errs = Vec::new();
    let get = |k: &str| raw.get(k).map_or("", |v| v.trim());
    let mut err = |field: &'static str, message: String| {
        errs.push(FieldError {
            field,
            label: label_of(field),
            message,
        });
    };
    let opt_text = |k: &str,
                    max: usize,
                    errs: &mut Vec<(&'static str, String)>,
                    key: &'static str|
     -> Option<String> {
        let v = get(k);
        if v.chars().count() > max {
            errs.push((key, format!("不能超过 {max} 个字")));
        }
        (!v.is_empty()).then(|| v.to_owned())
    };
    let mut later: Vec<(&'static str, String)> = Vec::new();
    let name = get("name").to_owned();
    if name.is_empty() {
        err("name", "请填写姓名".into());
    } else if name.chars().count() > 30 {
        err("name", "姓名不能超过 30 个字".into());
    }
    let id = idcard::normalize(get("id_number"));
    let info = if id.is_empty() {
        err("id_number", "请填写公民身份号码".into());
        None
    } else {
        match idcard::parse(&id) {
            Ok(i) => Some(i),
            Err(m) => {
                err("id_number", m.into());
                None
            }
        }
    };
    let gender = match get("gender") {
        "male" | "男" | "1" => Some("male"),
        "female" | "女" | "2" => Some("female"),
        "" => info.map(|i| if i.male { "male" } else { "female" }),
        _ => {
            err("gender", "性别应为“男”或“女”".into());
            None
        }
    };
    if let (Some(g), Some(i)) = (gender, info)
        && (g == "male") != i.male
    {
        err(
            "gender",
            "性别与公民身份号码不符（第 17 位奇数为男、偶数为女）".into(),
        );
    }
    let birth = match get("birth_date") {
        "" => info.map(|i| i.birth),
        s => {
            if let Some(d) = parse_any_date(s) {
                if info.is_some_and(|i| i.birth != d) {
                    err("birth_date", "出生日期与公民身份号码不符".into());
                }
                Some(d)
            } else {
                err("birth_date", "出生日期格式应为 年-月-日".into());
                None
            }
        }
    };
    if birth.is_some_and(|b| b > today) {
        err("birth_date", "出生日期不能晚于今天".into());
    }
    let ethnicity = if let Some(e) = codes.canonical("ethnicity", get("ethnicity")) {
        e
    } else {
        err(
            "ethnicity",
            if get("ethnicity").is_empty() {
                "请选择民族".into()
            } else {
                format!("“{}”不是标准民族名称", get("ethnicity"))
            },
        );
        String::new()
    };
    let education = if let Some(e) = codes.canonical("education", get("education")) {
        e
    } else {
        err(
            "education",
            if get("education").is_empty() {
                "请选择学历".into()
            } else {
                format!("“{}”不是标准学历名称", get("education"))
            },
        );
        String::new()
    };
    let degree = match get("degree") {
        "" => None,
        d => match codes.canonical("degree", d) {
            Some(x) if x == "无" => None,
            Some(x) => Some(x),
            None => {
                err("degree", format!("“{d}”不是标准学位名称"));
                None
            }
        },
    };
    let date_field = |k: &'static str, errs: &mut Vec<(&'static str, String)>| -> Option<Date> {
        match get(k) {
            "" => None,
            s => match parse_any_date(s) {
                Some(d) if d > today => {
                    errs.push((k, "日期不能晚于今天".into()));
                    None
                }
                Some(d) => Some(d),
                None => {
                    errs.push((k, "日期格式应为 年-月-日".into()));
                    None
                }
            },
        }
    };
    let joined = date_field("joined_on", &mut later);
    if get("joined_on").is_empty() {
        later.push(("joined_on", "请填写入党日期".into()));
    }
    // DEV-01: at least 18 when joining.
    if let (Some(b), Some(j)) = (birth, joined)
        && whole_years(b, j) < 18
    {
        later.push((
            "joined_on",
            "入党时应年满 18 周岁，请核对入党日期或出生日期".into(),
        ));
    }
    let converted = date_field("converted_on", &mut later);
    match category {
        Category::Full => match (joined, converted) {
            (_, None) if get("converted_on").is_empty() => {
                later.push(("converted_on", "正式党员请填写转正日期".into()));
            }
            // DEV-20 / CAL-02: the probation lasts at least a full year.
            (Some(j), Some(c)) if c < crate::orgs::model::term_end(j, 1) => {
                later.push((
                    "converted_on",
                    "转正日期应在入党满一年之后（预备期为一年）".into(),
                ));
            }
            _ => {}
        },
        Category::Probationary => {
            if !get("converted_on").is_empty() {
                later.push((
                    "converted_on",
                    "预备党员没有转正日期；转正请在党员页面登记“转正”".into(),
                ));
            }
        }
    }
    let phone = match get("phone") {
        "" => None,
        p => {
            if let Some(p) = normalize_phone(p) {
                Some(p)
            } else {
                later.push(("phone", "手机号码应为 11 位，以 13–19 开头".into()));
                None
            }
        }
    };
    let work_started_on = date_field("work_started_on", &mut later);
    let lost_contact = parse_flag(get("lost_contact")).unwrap_or_else(|| {
        later.push(("lost_contact", "请填写“是”或“否”".into()));
        false
    });
    let lost_contact_on = date_field("lost_contact_on", &mut later);
    if lost_contact && lost_contact_on.is_none() && get("lost_contact_on").is_empty() {
        later.push(("lost_contact_on", "失联党员请填写失联日期".into()));
    }
    let mobile = parse_flag(get("mobile")).unwrap_or_else(|| {
        later.push(("mobile", "请填写“是”或“否”".into()));
        false
    });
    let job_title = opt_text("job_title", 50, &mut later, "job_title");
    let employer = opt_text("employer", 100, &mut later, "employer");
    let native_place = opt_text("native_place", 50, &mut later, "native_place");
    let address = opt_text("address", 100, &mut later, "address");
    let party_post = opt_text("party_post", 50, &mut later, "party_post");
    let mobile_destination = opt_text("mobile_destination", 100, &mut later, "mobile_destination");
    if mobile && mobile_destination.is_none() {
        later.push(("mobile_destination", "流动党员请填写外出流向".into()));
    }
    for (field, message) in later {
        err(field, message);
    }
    let (Some(gender), Some(birth_date), Some(joined_on)) = (gender, birth, joined) else {
        return Err(errs);
    };
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(MemberFields {
        name,
        gender,
        id_number: id,
        birth_date,
        ethnicity,
        education,
        degree,
        joined_on,
        converted_on: if category == Category::Full {
            converted
        } else {
            None
        },
        job_title,
        phone,
        native_place,
        employer,
        work_started_on,
        address,
        party_post,
        lost_contact,
        lost_contact_on: if lost_contact { lost_contact_on } else { None },
        mobile,
        mobile_destination: if mobile { mobile_destination } else { None },
    })
}

#[cfg(test)]
mod tests;
