use time::macros::date;

use super::*;

fn national() -> Vec<Cadence> {
    let mk = |id, kind: &str, applies: &str, period: &str| Cadence {
        id,
        org_id: None,
        kind: kind.into(),
        applies_to: applies.into(),
        period: period.into(),
        min_count: 1,
        rule_ref: String::new(),
        effective_from: date!(2018 - 10 - 28),
        effective_to: None,
    };
    let b = "branch,joint_branch,temporary_branch";
    vec![
        mk(1, "branch_general", b, "quarter"),
        mk(2, "branch_committee", b, "month"),
        mk(3, "group", "group", "month"),
        mk(4, "lecture", b, "quarter"),
        mk(5, "theme_day", b, "month"),
        mk(6, "org_life", b, "year"),
        mk(7, "appraisal", b, "year"),
    ]
}

fn branch() -> Unit {
    Unit {
        id: 3,
        parent_id: Some(2),
        name: "第一党支部".into(),
        kind: "branch".into(),
        path: "/1/2/3/".into(),
        established_on: Some(date!(2020 - 01 - 01)),
        dissolved_on: None,
        has_committee: true,
    }
}

fn occ(id: i64, kind: Kind, on: Date, held: bool) -> Occurrence {
    Occurrence {
        id,
        org_id: 3,
        kind,
        on,
        held,
    }
}

#[test]
fn meet_02_monthly_committee_meeting_per_month() {
    let rules = national();
    let idx = Index::new([
        occ(1, Kind::BranchCommittee, date!(2026 - 10 - 09), true),
        occ(2, Kind::BranchCommittee, date!(2026 - 11 - 20), false),
    ]);
    let today = date!(2026 - 11 - 28);
    let u = branch();
    let oct = evaluate(
        &rules,
        &idx,
        &u,
        Kind::BranchCommittee,
        Period::Month(2026, 10),
        today,
    );
    assert_eq!((oct.status, oct.held, oct.required), (Status::Done, 1, 1));
    assert_eq!(oct.held_ids, vec![(1, date!(2026 - 10 - 09))]);
    let nov = evaluate(
        &rules,
        &idx,
        &u,
        Kind::BranchCommittee,
        Period::Month(2026, 11),
        today,
    );
    assert_eq!(nov.status, Status::InProgress, "planned but not recorded");
    assert_eq!(nov.planned_ids, vec![(2, date!(2026 - 11 - 20))]);
    let sep = evaluate(
        &rules,
        &idx,
        &u,
        Kind::BranchCommittee,
        Period::Month(2026, 9),
        today,
    );
    assert_eq!(sep.status, Status::Missed);
    let dec = evaluate(
        &rules,
        &idx,
        &u,
        Kind::BranchCommittee,
        Period::Month(2026, 12),
        today,
    );
    assert_eq!(dec.status, Status::NotStarted);
    // A quarter needs every month.
    let q4 = evaluate(
        &rules,
        &idx,
        &u,
        Kind::BranchCommittee,
        Period::Quarter(2026, 4),
        today,
    );
    assert_eq!(
        (q4.status, q4.required, q4.held),
        (Status::InProgress, 3, 1)
    );
    let q3 = evaluate(
        &rules,
        &idx,
        &u,
        Kind::BranchCommittee,
        Period::Quarter(2026, 3),
        today,
    );
    assert_eq!(q3.status, Status::Missed);
}

#[test]
fn meet_01_quarterly_general_meeting_seen_from_a_month() {
    let rules = national();
    let idx = Index::new([occ(1, Kind::BranchGeneral, date!(2026 - 10 - 15), true)]);
    let today = date!(2026 - 11 - 28);
    let c = evaluate(
        &rules,
        &idx,
        &branch(),
        Kind::BranchGeneral,
        Period::Month(2026, 11),
        today,
    );
    assert_eq!(
        c.status,
        Status::Done,
        "the quarter containing November is done"
    );
}

#[test]
fn meet_05_one_meeting_counts_for_several_kinds() {
    let rules = national();
    let d = date!(2026 - 11 - 05);
    let idx = Index::new([
        occ(9, Kind::ThemeDay, d, true),
        occ(9, Kind::Lecture, d, true),
    ]);
    let today = date!(2026 - 11 - 28);
    for k in [Kind::ThemeDay, Kind::Lecture] {
        let c = evaluate(&rules, &idx, &branch(), k, Period::Month(2026, 11), today);
        assert_eq!(c.status, Status::Done, "{k:?}");
    }
}

#[test]
fn not_applicable_without_rule_committee_or_existence() {
    let rules = national();
    let idx = Index::default();
    let today = date!(2026 - 11 - 28);
    let mut u = branch();
    let c = evaluate(
        &rules,
        &idx,
        &u,
        Kind::Group,
        Period::Month(2026, 11),
        today,
    );
    assert_eq!(
        c.status,
        Status::NotApplicable,
        "党小组会 is a group's rule"
    );
    u.has_committee = false;
    let c = evaluate(
        &rules,
        &idx,
        &u,
        Kind::BranchCommittee,
        Period::Month(2026, 11),
        today,
    );
    assert_eq!(c.status, Status::NotApplicable);
    u.established_on = Some(date!(2026 - 11 - 01));
    let c = evaluate(
        &rules,
        &idx,
        &u,
        Kind::ThemeDay,
        Period::Quarter(2026, 4),
        today,
    );
    assert_eq!(
        (c.status, c.required),
        (Status::InProgress, 2),
        "October is before founding"
    );
}

#[test]
fn the_nearest_override_wins() {
    let mut rules = national();
    rules.push(Cadence {
        id: 20,
        org_id: Some(2),
        min_count: 2,
        ..rules[1].clone()
    });
    let u = branch();
    let r = rule_for(&rules, &u, Kind::BranchCommittee, date!(2026 - 11 - 01)).unwrap();
    assert_eq!(r.min_count, 2);
    let other = Unit {
        path: "/1/5/".into(),
        ..branch()
    };
    let r = rule_for(&rules, &other, Kind::BranchCommittee, date!(2026 - 11 - 01)).unwrap();
    assert_eq!(r.min_count, 1, "/12/ must not match /2/");
    let other = Unit {
        path: "/1/12/".into(),
        ..branch()
    };
    assert_eq!(
        rule_for(&rules, &other, Kind::BranchCommittee, date!(2026 - 11 - 01))
            .unwrap()
            .min_count,
        1
    );
}

#[test]
fn summary_rolls_groups_into_their_branch() {
    let rules = national();
    let g = Unit {
        id: 4,
        parent_id: Some(3),
        name: "第一党小组".into(),
        kind: "group".into(),
        path: "/1/2/3/4/".into(),
        established_on: None,
        dissolved_on: None,
        has_committee: false,
    };
    let d = date!(2026 - 10 - 10);
    let idx = Index::new([
        occ(1, Kind::BranchCommittee, d, true),
        occ(2, Kind::ThemeDay, d, true),
    ]);
    let today = date!(2026 - 11 - 28);
    let s = summarise(
        &rules,
        &idx,
        &branch(),
        &[&g],
        Period::Month(2026, 10),
        today,
    );
    assert_eq!(s.status, Status::Missed);
    assert_eq!(s.open, vec!["党小组会（第一党小组）".to_owned()]);
}
