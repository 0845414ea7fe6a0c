//! What the compliance engine reads for a subtree: its branches and 党小组, the cadence rules as
//! the settings shape them, and the meetings, with the 党课 a 党委 or 总支 gave for its subtree
//! counted for each branch whose members were on its roll (MEET-04).

use time::{Date, OffsetDateTime};

use crate::app::App;
use crate::config::MeetingsConfig;
use crate::db::StoreResult;
use crate::shared::clock::CHINA;

use super::compliance::{Index, Unit};
use super::model::{Cadence, Period};
use super::{records_store, store};

/// Midnight China time of a day.
pub(super) fn instant(d: Date) -> OffsetDateTime {
    d.midnight().assume_offset(CHINA)
}

/// Everything the engine needs for a subtree over whole years.
pub(super) struct Inputs {
    pub(super) units: Vec<Unit>,
    pub(super) cadences: Vec<Cadence>,
    pub(super) idx: Index,
}

/// Reads the inputs for the subtree at `root` over the years `from_year..=to_year`.
///
/// # Errors
/// Database failures.
pub(super) async fn inputs(
    app: &App,
    root: &str,
    from_year: i32,
    to_year: i32,
) -> StoreResult<Inputs> {
    let mut conn = app.db.conn().await?;
    let units = records_store::units(&mut conn.exec(), root).await?;
    let cadences = settled(
        store::cadences(&mut conn.exec()).await?,
        &app.config.meetings,
    );
    let from = instant(Period::Year(from_year).start());
    let to = instant(Period::Year(to_year + 1).start());
    let mut occ = records_store::occurrences(&mut conn.exec(), root, from, to).await?;
    if app.config.meetings.lectures_from_above_count {
        occ.extend(records_store::lectures_from_above(&mut conn.exec(), root, from, to).await?);
    }
    Ok(Inputs {
        units,
        cadences,
        idx: Index::new(occ),
    })
}

/// The cadence rules with the 临时党支部 left out of those its setting does not hold it to
/// (ORG-06: its members keep their relationship, and their appraisal, in their own branch).
#[must_use]
pub(super) fn settled(cadences: Vec<Cadence>, cfg: &MeetingsConfig) -> Vec<Cadence> {
    const TEMPORARY: &str = "temporary_branch";
    cadences
        .into_iter()
        .map(|mut c| {
            if !cfg.temporary_branch_kinds.contains(&c.kind) && c.applies_to_kind(TEMPORARY) {
                c.applies_to = c
                    .applies_to
                    .split(',')
                    .map(str::trim)
                    .filter(|k| *k != TEMPORARY)
                    .collect::<Vec<_>>()
                    .join(",");
            }
            c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(kind: &str) -> Cadence {
        Cadence {
            id: 1,
            org_id: None,
            kind: kind.into(),
            applies_to: "branch,joint_branch,temporary_branch".into(),
            period: "year".into(),
            min_count: 1,
            rule_ref: "MEET-07".into(),
            effective_from: time::macros::date!(2018 - 10 - 28),
            effective_to: None,
        }
    }

    #[test]
    fn org_06_a_temporary_branch_is_held_only_to_its_kinds() {
        let cfg = MeetingsConfig::default();
        let out = settled(vec![rule("appraisal"), rule("lecture")], &cfg);
        assert!(!out[0].applies_to_kind("temporary_branch"));
        assert!(out[0].applies_to_kind("branch") && out[0].applies_to_kind("joint_branch"));
        assert!(out[1].applies_to_kind("temporary_branch"));
    }
}
