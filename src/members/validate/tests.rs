//! Tests of the member record rules.

use super::*;
use time::macros::date;

fn codes() -> CodeSets {
    let mut c = CodeSets::default();
    c.0.insert(
        "ethnicity".into(),
        vec![
            ("01".into(), "汉族".into(), vec![]),
            ("46".into(), "德昂族".into(), vec!["崩龙族".into()]),
        ],
    );
    c.0.insert(
        "education".into(),
        vec![("21".into(), "大学本科".into(), vec!["本科".into()])],
    );
    c.0.insert(
        "degree".into(),
        vec![
            ("3".into(), "学士".into(), vec!["学士学位".into()]),
            ("0".into(), "无".into(), vec![]),
        ],
    );
    c
}

fn raw(pairs: &[(&str, &str)]) -> RawFields {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

const TODAY: Date = date!(2026 - 11 - 28);

fn good() -> Vec<(&'static str, &'static str)> {
    vec![
        ("name", "张三"),
        ("id_number", "11010519491231002X"),
        ("ethnicity", "汉族"),
        ("education", "本科"),
        ("joined_on", "1975-07-01"),
        ("converted_on", "1976年7月1日"),
        ("phone", "+86 138 1234 5678"),
    ]
}

#[test]
fn a_good_record_is_normalised() {
    let f = validate(&raw(&good()), Category::Full, &codes(), TODAY).unwrap();
    assert_eq!(f.gender, "female", "derived from the 17th digit");
    assert_eq!(f.birth_date, date!(1949 - 12 - 31));
    assert_eq!(f.education, "大学本科", "aliases map to the standard name");
    assert_eq!(f.phone.as_deref(), Some("13812345678"));
    assert_eq!(f.converted_on, Some(date!(1976 - 07 - 01)));
}

#[test]
fn data_05_gender_and_birth_must_agree_with_the_id() {
    let mut r = good();
    r.push(("gender", "男"));
    r.push(("birth_date", "1950-01-01"));
    let errs = validate(&raw(&r), Category::Full, &codes(), TODAY).unwrap_err();
    let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
    assert_eq!(fields, vec!["gender", "birth_date"]);
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let r = raw(&[
        ("name", ""),
        ("id_number", "110105194912310021"),
        ("ethnicity", "火星族"),
        ("education", ""),
        ("joined_on", "明天"),
        ("phone", "12345"),
        ("mobile", "是"),
    ]);
    let errs = validate(&r, Category::Full, &codes(), TODAY).unwrap_err();
    let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
    for f in [
        "name",
        "id_number",
        "ethnicity",
        "education",
        "joined_on",
        "phone",
        "mobile_destination",
    ] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    assert!(errs.iter().all(|e| !e.label.is_empty()));
}

#[test]
fn dev_01_joined_at_eighteen_or_older() {
    let mut r = good();
    r.retain(|(k, _)| *k != "joined_on");
    r.push(("joined_on", "1967-12-30"));
    let errs = validate(&raw(&r), Category::Full, &codes(), TODAY).unwrap_err();
    assert!(
        errs.iter()
            .any(|e| e.field == "joined_on" && e.message.contains("18"))
    );
}

#[test]
fn dev_20_conversion_after_a_full_year_of_probation() {
    let mut r = good();
    r.retain(|(k, _)| *k != "converted_on");
    r.push(("converted_on", "1976-06-30"));
    let errs = validate(&raw(&r), Category::Full, &codes(), TODAY).unwrap_err();
    assert_eq!(errs[0].field, "converted_on");
    let mut p = good();
    p.retain(|(k, _)| *k != "converted_on");
    assert!(validate(&raw(&p), Category::Probationary, &codes(), TODAY).is_ok());
    assert!(
        validate(&raw(&good()), Category::Probationary, &codes(), TODAY).is_err(),
        "预备党员 have no conversion date"
    );
}

#[test]
fn dates_and_flags_in_the_forms_people_type() {
    assert_eq!(parse_any_date("2026/1/5"), Some(date!(2026 - 01 - 05)));
    assert_eq!(parse_any_date("2026.01.05"), Some(date!(2026 - 01 - 05)));
    assert_eq!(parse_any_date("2026年1月5日"), Some(date!(2026 - 01 - 05)));
    assert_eq!(parse_any_date("2026-02-30"), None);
    assert_eq!(parse_flag("是"), Some(true));
    assert_eq!(parse_flag(""), Some(false));
    assert_eq!(parse_flag("也许"), None);
    assert_eq!(
        normalize_phone("１３８１２３４５６７８").as_deref(),
        Some("13812345678")
    );
    assert_eq!(normalize_phone("12812345678"), None);
}
