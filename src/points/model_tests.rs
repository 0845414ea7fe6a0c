use time::macros::date;

use super::*;

#[test]
fn pts_caps_post_up_to_the_cap_then_refuse() {
    assert_eq!(capped(2, &[(Span::Month, 6, 0)]), Ok(2));
    assert_eq!(
        capped(2, &[(Span::Month, 6, 5)]),
        Ok(1),
        "partly full window posts the rest"
    );
    let full = capped(2, &[(Span::Month, 6, 4), (Span::Year, 10, 10)]).unwrap_err();
    assert_eq!(full.message(), "已达上限（每年10 分）");
    assert_eq!(
        capped(-3, &[(Span::Month, 0, 99)]),
        Ok(-3),
        "deductions are not capped"
    );
}

#[test]
fn windows_follow_the_calendar_and_iso_weeks() {
    let d = date!(2026 - 11 - 28); // a Saturday
    assert_eq!(
        Span::Week.range(d),
        (date!(2026 - 11 - 23), date!(2026 - 11 - 29))
    );
    assert_eq!(
        Span::Month.range(d),
        (date!(2026 - 11 - 01), date!(2026 - 11 - 30))
    );
    assert_eq!(
        RankPeriod::parse("2026-W48").unwrap().range(),
        (date!(2026 - 11 - 23), date!(2026 - 11 - 29))
    );
    assert_eq!(RankPeriod::week_of(d), RankPeriod::Week(2026, 48));
    assert_eq!(RankPeriod::parse("2026-Q4").unwrap().code(), "2026-Q4");
    for bad in ["2026-W54", "2026-W4", "2026-W", "W48", "2026-13"] {
        assert_eq!(RankPeriod::parse(bad), None, "{bad}");
    }
}

#[test]
fn ties_share_a_rank() {
    let r = rank(vec![("a", 5), ("b", 9), ("c", 9), ("d", 1)]);
    let ranks: Vec<(&str, usize)> = r.iter().map(|(k, _, n)| (*k, *n)).collect();
    assert_eq!(ranks, vec![("b", 1), ("c", 1), ("a", 3), ("d", 4)]);
}

#[test]
fn pts_10_bands_with_eval_03_cap() {
    let rows = vec![
        ("a", 95),
        ("b", 92),
        ("c", 91),
        ("d", 75),
        ("e", 65),
        ("f", 40),
    ];
    let g: Vec<(&str, Grade)> = suggest(&rows, (90, 70, 60))
        .into_iter()
        .map(|(k, _, g)| (k, g))
        .collect();
    // Six rated: at most two 优秀; the third candidate is suggested 合格.
    assert_eq!(g[0], ("a", Grade::Excellent));
    assert_eq!(g[1], ("b", Grade::Excellent));
    assert_eq!(g[2], ("c", Grade::Qualified));
    assert_eq!(g[4], ("e", Grade::BasicallyQualified));
    assert_eq!(g[5], ("f", Grade::Unqualified));
}

#[test]
fn items_match_their_event_and_kinds() {
    let item = Item {
        id: 1,
        org_id: None,
        code: "attend_lecture".into(),
        version: 1,
        name: "参加党课".into(),
        category: "basic".into(),
        points: 2,
        min_points: 1,
        max_points: 3,
        trigger_topic: "meeting.attended".into(),
        trigger_kinds: "lecture".into(),
        cap_day: None,
        cap_week: None,
        cap_month: None,
        cap_year: Some(8),
        needs_approval: false,
        evidence_required: false,
        effective_from: date!(2018 - 10 - 28),
        effective_to: None,
    };
    assert!(item.triggered_by("meeting.attended", &["theme_day".into(), "lecture".into()]));
    assert!(!item.triggered_by("meeting.attended", &["theme_day".into()]));
    assert!(!item.triggered_by("meeting.absent", &["lecture".into()]));
    assert_eq!(item.caps_text(), "每年8 分");
}

#[test]
fn running_total_keys_cover_week_month_quarter_and_year() {
    let k = RankPeriod::keys_for(date!(2026 - 11 - 28));
    assert_eq!(
        k,
        [
            "W2026-48".to_owned(),
            "M2026-11".into(),
            "Q2026-4".into(),
            "Y2026".into()
        ]
    );
    // 1 January 2027 still belongs to ISO week 53 of 2026.
    assert_eq!(RankPeriod::keys_for(date!(2027 - 01 - 01))[0], "W2026-53");
    assert_eq!(
        RankPeriod::parse("2026-W48").unwrap().total_key(),
        "W2026-48"
    );
}
