use time::macros::date;

use super::*;

fn rule(kind: &str, period: &str, n: i64) -> Cadence {
    Cadence {
        id: 1,
        org_id: None,
        kind: kind.into(),
        applies_to: "branch,joint_branch,temporary_branch".into(),
        period: period.into(),
        min_count: n,
        rule_ref: String::new(),
        effective_from: date!(2018 - 10 - 28),
        effective_to: None,
    }
}

#[test]
fn cal_06_periods_parse_and_span_china_calendar() {
    assert_eq!(Period::parse("2026-11"), Some(Period::Month(2026, 11)));
    assert_eq!(Period::parse("2026-Q4"), Some(Period::Quarter(2026, 4)));
    assert_eq!(Period::parse("2026"), Some(Period::Year(2026)));
    for bad in [
        "2026-13", "2026-Q5", "2026-1", "26", "2026-Q04", "x", "", "2026-",
    ] {
        assert_eq!(Period::parse(bad), None, "{bad}");
    }
    let q = Period::Quarter(2026, 4);
    assert_eq!(
        (q.start(), q.end()),
        (date!(2026 - 10 - 01), date!(2026 - 12 - 31))
    );
    assert_eq!(Period::Month(2028, 2).end(), date!(2028 - 02 - 29));
    assert_eq!(q.label(), "2026年第四季度");
    assert_eq!(q.split(Granularity::Month).len(), 3);
    assert_eq!(
        Period::Month(2026, 11).split(Granularity::Year),
        vec![Period::Year(2026)]
    );
    assert_eq!(Period::Year(2026).split(Granularity::Quarter).len(), 4);
    // 23:30 UTC on 30 Nov is 1 Dec in China.
    let t = time::macros::datetime!(2026-11-30 16:30 UTC);
    assert_eq!(china_date(t), date!(2026 - 12 - 01));
}

#[test]
fn overrides_may_only_tighten_a_national_rule() {
    let quarterly = rule("branch_general", "quarter", 1);
    assert!(tightens(&quarterly, Granularity::Quarter, 1));
    assert!(tightens(&quarterly, Granularity::Quarter, 2));
    assert!(tightens(&quarterly, Granularity::Month, 1));
    assert!(
        !tightens(&quarterly, Granularity::Year, 4),
        "a longer period loosens"
    );
    assert!(!tightens(&quarterly, Granularity::Quarter, 0));
    let thrice = rule("branch_general", "quarter", 3);
    assert!(!tightens(&thrice, Granularity::Quarter, 2));
    assert!(tightens(&thrice, Granularity::Month, 1));
    let monthly = rule("branch_committee", "month", 1);
    assert!(tightens(&monthly, Granularity::Month, 2));
    assert!(!tightens(&monthly, Granularity::Quarter, 3));
}

#[test]
fn vote_02_quorum_is_strictly_more_than_half() {
    assert!(quorum_met(6, 10));
    assert!(!quorum_met(5, 10));
    assert!(!quorum_met(0, 0));
}

#[test]
fn vote_02_the_reading_applies_to_ordinary_votes_and_membership_is_always_strict() {
    let inclusive = super::Readings {
        ordinary: "inclusive",
        election: "more_than",
    };
    let mut plan = VoteRecord {
        topic: "通过年度工作计划".into(),
        yes: 6,
        method: "show_of_hands".into(),
        ..VoteRecord::default()
    };
    plan.settle(10, 5, inclusive);
    assert!(plan.quorum(), "5 of 10 is 半数以上 read inclusively");
    assert!(plan.passed(), "6 yes of 10 entitled");
    assert!(plan.basis_text().contains("含半数"));
    let mut accept = VoteRecord {
        topic: "接收张三为预备党员".into(),
        yes: 6,
        method: "secret".into(),
        ..VoteRecord::default()
    };
    accept.settle(10, 5, inclusive);
    assert_eq!(accept.kind, "membership");
    assert!(
        !accept.quorum() && !accept.passed(),
        "the 细则 says 超过半数"
    );
    let strict = super::Readings {
        ordinary: "strict",
        election: "more_than",
    };
    plan.settle(10, 5, strict);
    assert!(!plan.quorum());
}

#[test]
fn vote_03_passing_counts_against_the_entitled_not_the_present() {
    let v = VoteRecord {
        topic: "接收张三为预备党员".into(),
        yes: 6,
        no: 0,
        abstain: 0,
        written_yes: 0,
        method: "secret".into(),
        entitled: 12,
        present: 7,
        ..VoteRecord::default()
    };
    // 6 of 7 present, but not more than half of 12 entitled.
    assert!(!v.passed());
    let with_written = VoteRecord {
        written_yes: 1,
        ..v.clone()
    };
    assert!(with_written.passed(), "VOTE-05 written opinions count");
    let no_quorum = VoteRecord {
        present: 6,
        yes: 6,
        written_yes: 1,
        ..v
    };
    assert!(
        !no_quorum.passed(),
        "VOTE-02 without a quorum nothing passes"
    );
}

#[test]
fn vote_08_counts_are_checked() {
    let v = VoteRecord {
        topic: "事项".into(),
        yes: 5,
        no: 3,
        abstain: 0,
        written_yes: 0,
        method: "show_of_hands".into(),
        entitled: 10,
        present: 7,
        ..VoteRecord::default()
    };
    assert!(v.problem().is_some(), "8 votes from 7 present");
    assert!(VoteRecord { no: 2, ..v.clone() }.problem().is_none());
    assert!(
        VoteRecord {
            no: 2,
            written_yes: 4,
            ..v.clone()
        }
        .problem()
        .is_some()
    );
    assert!(
        VoteRecord {
            no: 2,
            method: "x".into(),
            ..v
        }
        .problem()
        .is_some()
    );
}

#[test]
fn meet_13_minutes_need_a_summary_before_submission() {
    let m = Minutes::default();
    assert!(m.problem(false).is_none());
    assert!(m.problem(true).is_some());
    let long = Minutes {
        speeches: "字".repeat(MAX_MINUTES_FIELD + 1),
        ..Minutes::default()
    };
    assert!(long.problem(false).is_some());
}

#[test]
fn meet_02_committee_records_are_for_the_committee_and_above() {
    use RecordAccess::*;
    let committee = [Kind::BranchCommittee];
    assert_eq!(
        record_visibility(&committee, false, Viewer::Committee),
        Full
    );
    assert_eq!(record_visibility(&committee, false, Viewer::Audience), Full);
    assert_eq!(
        record_visibility(&committee, false, Viewer::Member),
        HeldOnly
    );
    assert_eq!(record_visibility(&committee, false, Viewer::Outside), None);
    // An 组织生活会 held as a 支委会 carries both kinds and stays with the committee.
    let org_life = [Kind::BranchCommittee, Kind::OrgLife];
    assert_eq!(
        record_visibility(&org_life, false, Viewer::Member),
        HeldOnly
    );
}

#[test]
fn meet_03_group_records_are_for_the_group_and_the_branch_committee() {
    use RecordAccess::*;
    assert_eq!(
        record_visibility(&[Kind::Group], true, Viewer::Audience),
        Full
    );
    assert_eq!(
        record_visibility(&[Kind::Group], true, Viewer::Committee),
        Full
    );
    assert_eq!(
        record_visibility(&[Kind::Group], true, Viewer::Member),
        HeldOnly
    );
    // Whatever it is tagged as, a meeting held by a 党小组 is the group's.
    assert_eq!(
        record_visibility(&[Kind::ThemeDay], true, Viewer::Member),
        HeldOnly
    );
    assert_eq!(
        record_visibility(&[Kind::Group], false, Viewer::Member),
        HeldOnly
    );
}

#[test]
fn meet_01_04_05_06_07_meetings_of_all_members_are_read_by_all_members() {
    for k in [
        Kind::BranchGeneral,
        Kind::Lecture,
        Kind::ThemeDay,
        Kind::OrgLife,
        Kind::Appraisal,
        Kind::Other,
    ] {
        assert!(!k.record_is_closed(), "{k:?}");
        assert_eq!(
            record_visibility(&[k], false, Viewer::Member),
            RecordAccess::Full,
            "{k:?}"
        );
        assert_eq!(
            record_visibility(&[k], false, Viewer::Outside),
            RecordAccess::None,
            "{k:?}"
        );
    }
    assert!(Kind::BranchCommittee.record_is_closed() && Kind::Group.record_is_closed());
}

#[test]
fn sec_43_periods_are_bounded_and_their_arithmetic_never_panics() {
    for bad in [
        "9999-12", "9999", "0000-01", "2101-01", "1899", "99999", "-1",
    ] {
        assert_eq!(Period::parse(bad), None, "{bad}");
    }
    assert_eq!(Period::Month(2100, 12).next(), Some(Period::Month(2101, 1)));
    assert_eq!(
        Period::Month(1900, 1).previous(),
        Some(Period::Month(1899, 12))
    );
    // Values no parser produces still answer without panicking.
    for p in [
        Period::Month(9999, 12),
        Period::Month(-9999, 1),
        Period::Month(2026, 0),
        Period::Month(2026, 200),
        Period::Quarter(9999, 4),
        Period::Quarter(2026, 0),
        Period::Quarter(2026, 9),
        Period::Year(9999),
        Period::Year(i32::MAX),
        Period::Year(i32::MIN),
    ] {
        let _ = (
            p.start(),
            p.end(),
            p.label(),
            p.code(),
            p.next(),
            p.previous(),
        );
        let _ = p.split(Granularity::Month);
        assert!(p.start() <= p.end(), "{p:?}");
    }
}
