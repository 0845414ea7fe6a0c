//! The roster spreadsheet: its columns (the Chinese item names, with the variants people use),
//! the import template and the export. Writing stays behind this module (architecture.md §10).

use rust_xlsxwriter::{DataValidation, DocProperties, Format, Workbook, XlsxError};

use super::model::Member;

/// The sheet's columns: field key, header, accepted header variants.
pub const COLUMNS: &[(&str, &str, &[&str])] = &[
    ("name", "姓名", &[]),
    ("gender", "性别", &[]),
    (
        "id_number",
        "公民身份号码",
        &[
            "身份证号",
            "身份证号码",
            "身份证",
            "公民身份证号码",
            "证件号码",
        ],
    ),
    ("ethnicity", "民族", &[]),
    ("birth_date", "出生日期", &["出生年月", "出生年月日"]),
    ("education", "学历", &["文化程度"]),
    ("degree", "学位", &[]),
    ("category", "人员类别", &["党员类别", "类别", "正式/预备"]),
    ("joined_on", "入党日期", &["入党时间"]),
    ("converted_on", "转正日期", &["转正时间"]),
    ("job_title", "工作岗位", &["岗位"]),
    (
        "employer",
        "工作单位及职务",
        &["工作单位", "单位及职务", "单位职务"],
    ),
    ("work_started_on", "参加工作日期", &["参加工作时间"]),
    (
        "phone",
        "联系电话",
        &["手机", "手机号", "手机号码", "电话", "联系方式"],
    ),
    ("native_place", "籍贯", &[]),
    ("address", "家庭住址", &["住址", "家庭地址", "现居住地"]),
    ("status", "党籍状态", &[]),
    ("lost_contact", "是否失联党员", &["失联党员", "是否失联"]),
    ("lost_contact_on", "失联日期", &["失联时间"]),
    ("mobile", "是否流动党员", &["流动党员", "是否流动"]),
    ("mobile_destination", "外出流向", &["流向", "流动去向"]),
    ("group", "所在党小组", &["党小组"]),
    ("party_post", "党内职务", &[]),
];

/// Headers that may be present and are ignored.
pub const IGNORED: &[&str] = &["序号", "编号", "备注", "所在党支部", "所在支部"];

/// The field key of a header (standard name or a variant).
#[must_use]
pub fn key_of(header: &str) -> Option<&'static str> {
    let h: String = header
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '*')
        .collect();
    COLUMNS
        .iter()
        .find(|(_, name, alts)| *name == h || alts.contains(&h.as_str()))
        .map(|(k, ..)| *k)
}

/// Neutralises text that a spreadsheet could read as a formula (SEC-36).
#[must_use]
pub fn safe_text(v: &str) -> String {
    if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{v}")
    } else {
        v.to_owned()
    }
}

fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_background_color("#F5F6F7")
        .set_font_name("宋体")
}

fn text_format() -> Format {
    Format::new().set_num_format("@").set_font_name("宋体")
}

/// The import template: headers, text-formatted number columns, pick lists, and a sheet of
/// instructions with the standard code lists.
///
/// # Errors
/// Writer failures (bugs).
pub fn template(ethnicities: &[String], educations: &[String]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("党员信息")?;
    let text = text_format();
    for (i, (key, name, _)) in COLUMNS.iter().enumerate() {
        let col = u16::try_from(i).unwrap_or(0);
        ws.set_column_width(
            col,
            if matches!(
                *key,
                "id_number" | "employer" | "address" | "mobile_destination"
            ) {
                22
            } else {
                12
            },
        )?;
        ws.set_column_format(col, &text)?;
        ws.write_string_with_format(0, col, *name, &header_format())?;
    }
    ws.set_freeze_panes(1, 0)?;
    let pick = |items: &[&str]| DataValidation::new().allow_list_strings(items);
    let col = |k: &str| {
        u16::try_from(COLUMNS.iter().position(|(c, ..)| *c == k).unwrap_or(0)).unwrap_or(0)
    };
    ws.add_data_validation(
        1,
        col("gender"),
        10_000,
        col("gender"),
        &pick(&["男", "女"])?,
    )?;
    ws.add_data_validation(
        1,
        col("category"),
        10_000,
        col("category"),
        &pick(&["正式党员", "预备党员"])?,
    )?;
    ws.add_data_validation(
        1,
        col("lost_contact"),
        10_000,
        col("lost_contact"),
        &pick(&["是", "否"])?,
    )?;
    ws.add_data_validation(
        1,
        col("mobile"),
        10_000,
        col("mobile"),
        &pick(&["是", "否"])?,
    )?;
    let help = wb.add_worksheet();
    help.set_name("填写说明")?;
    let lines: [&str; 12] = [
        "1. 每行一名党员；第一行为表头，请勿修改。带有“公民身份号码”的行按身份证号匹配：已有记录则更新，没有则新增。",
        "2. 必填：姓名、公民身份号码、民族、学历、人员类别、入党日期；正式党员还须填写转正日期。",
        "3. 公民身份号码、联系电话请保持文本格式，避免 Excel 把长数字改成科学计数法。",
        "4. 日期可写作 2026-11-28、2026/11/28 或 2026年11月28日，也可使用 Excel 日期格式。",
        "5. 性别、出生日期可留空，系统按身份证号识别；填写时须与身份证号一致。",
        "6. 人员类别填“正式党员”或“预备党员”；党籍状态留空或填“正常”，停止党籍等变更请在党员页面登记。",
        "7. 是否失联党员、是否流动党员填“是”或“否”；失联党员须填失联日期，流动党员须填外出流向。",
        "8. 所在党小组填写本支部党小组的名称，可留空。",
        "9. 入党时应年满 18 周岁；转正日期应在入党满一年之后。",
        "10. 导入前会逐行检查并列出全部问题（行号和列名），有任何错误时不会写入任何数据。",
        "11. 民族、学历请使用下列标准名称（也接受“本科”“大专”等常见写法）。",
        "",
    ];
    for (i, l) in lines.iter().enumerate() {
        help.write_string(u32::try_from(i).unwrap_or(0), 0, *l)?;
    }
    help.set_column_width(0, 100)?;
    help.write_string_with_format(13, 0, "民族", &header_format())?;
    help.write_string_with_format(13, 1, "学历", &header_format())?;
    for (i, e) in ethnicities.iter().enumerate() {
        help.write_string(14 + u32::try_from(i).unwrap_or(0), 0, e)?;
    }
    for (i, e) in educations.iter().enumerate() {
        help.write_string(14 + u32::try_from(i).unwrap_or(0), 1, e)?;
    }
    wb.set_properties(
        &DocProperties::new()
            .set_title("党员信息导入模板")
            .set_author("支部"),
    );
    wb.save_to_buffer()
}

/// A record's value in a column, as text.
fn value(m: &Member, key: &str, group: Option<&str>, unmasked: bool, today: time::Date) -> String {
    let ymd = crate::shared::text::ymd;
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let yes = |b: bool| {
        if b {
            "是".to_owned()
        } else {
            "否".to_owned()
        }
    };
    match key {
        "name" => m.name.clone(),
        "gender" => m.gender_label().to_owned(),
        "id_number" => {
            if unmasked {
                m.id_number.clone()
            } else {
                m.id_masked()
            }
        }
        "ethnicity" => m.ethnicity.clone(),
        // SEC-53/55: beside a masked number the age is given, not the birth date it holds.
        "birth_date" if !unmasked => m.age(today).to_string(),
        "birth_date" => ymd(m.birth_date),
        "education" => m.education.clone(),
        "degree" => opt(&m.degree),
        "category" => m.category().label().to_owned(),
        "joined_on" => ymd(m.joined_on),
        "converted_on" => m.converted_on.map(ymd).unwrap_or_default(),
        "job_title" => opt(&m.job_title),
        "employer" => opt(&m.employer),
        "work_started_on" => m.work_started_on.map(ymd).unwrap_or_default(),
        "phone" => {
            if unmasked {
                opt(&m.phone)
            } else {
                m.phone_masked()
            }
        }
        "native_place" => opt(&m.native_place),
        "address" => {
            if unmasked {
                opt(&m.address)
            } else if m.address.is_some() {
                "（已隐藏）".into()
            } else {
                String::new()
            }
        }
        "status" => m.status().label().to_owned(),
        "lost_contact" => yes(m.lost_contact),
        "lost_contact_on" => m.lost_contact_on.map(ymd).unwrap_or_default(),
        "mobile" => yes(m.mobile),
        "mobile_destination" => opt(&m.mobile_destination),
        "group" => group.unwrap_or("").to_owned(),
        "party_post" => opt(&m.party_post),
        _ => String::new(),
    }
}

/// The header of the age column that replaces 出生日期 in a masked export.
pub const MASKED_AGE_HEADER: &str = "年龄（周岁）";

/// Who exported, when: printed in every page header and stored in the file's properties (SEC-55).
pub struct Watermark {
    /// Exporting account and time, e.g. `张三 2026-11-28 14:30`.
    pub text: String,
    /// Request id.
    pub request_id: String,
}

/// The roster in the template's columns plus 所在党支部; masked unless `unmasked`, and then
/// with the age on `today` in place of the birth date.
///
/// # Errors
/// Writer failures (bugs).
pub fn export(
    rows: &[(Member, String, Option<String>)],
    unmasked: bool,
    mark: &Watermark,
    today: time::Date,
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("党员花名册")?;
    let text = text_format();
    let mut headers: Vec<(&str, &str)> = COLUMNS
        .iter()
        .map(|(k, n, _)| match *k {
            "birth_date" if !unmasked => (*k, MASKED_AGE_HEADER),
            _ => (*k, *n),
        })
        .collect();
    headers.push(("org", "所在党支部"));
    for (i, (_, name)) in headers.iter().enumerate() {
        let col = u16::try_from(i).unwrap_or(0);
        ws.write_string_with_format(0, col, *name, &header_format())?;
        ws.set_column_format(col, &text)?;
        ws.set_column_width(col, 13)?;
    }
    for (r, (m, org, group)) in rows.iter().enumerate() {
        let row = u32::try_from(r + 1).unwrap_or(u32::MAX);
        for (c, (key, _)) in headers.iter().enumerate() {
            let v = if *key == "org" {
                org.clone()
            } else {
                value(m, key, group.as_deref(), unmasked, today)
            };
            if !v.is_empty() {
                ws.write_string_with_format(
                    row,
                    u16::try_from(c).unwrap_or(0),
                    safe_text(&v),
                    &text,
                )?;
            }
        }
    }
    ws.set_freeze_panes(1, 0)?;
    let notice = if unmasked {
        "含完整身份证号、手机号，请妥善保管"
    } else {
        "身份证号、手机号已隐藏中间部分"
    };
    ws.set_header(format!(
        "&L支部 党员花名册&C{notice}&R导出：{}",
        mark.text.replace('&', "&&")
    ));
    ws.set_footer(format!(
        "&L请求编号 {}&R第 &P 页，共 &N 页",
        mark.request_id
    ));
    wb.set_properties(
        &DocProperties::new()
            .set_title("党员花名册")
            .set_author("支部")
            .set_comment(format!(
                "导出：{}；请求编号：{}",
                mark.text, mark.request_id
            )),
    );
    wb.save_to_buffer()
}

/// Whether a 党籍状态 cell may accompany an import: empty, 正常, or the record's own status.
#[must_use]
pub fn status_cell_ok(cell: &str, current: Option<&str>) -> bool {
    let c = cell.trim();
    c.is_empty() || c == "正常" || current == Some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_and_variants() {
        assert_eq!(key_of("身份证号"), Some("id_number"));
        assert_eq!(key_of(" 公民身份号码 "), Some("id_number"));
        assert_eq!(key_of("*姓名"), Some("name"));
        assert_eq!(key_of("手机号码"), Some("phone"));
        assert_eq!(key_of("爱好"), None);
        assert_eq!(safe_text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(safe_text("张三"), "张三");
    }

    #[test]
    fn template_round_trips_its_headers() {
        let bytes = template(&["汉族".into()], &["大学本科".into()]).unwrap();
        // A template has no data rows yet: the reader says so rather than guessing.
        assert_eq!(
            super::super::sheet::read(&bytes).unwrap_err(),
            super::super::sheet::SheetError::Empty
        );
    }
}
