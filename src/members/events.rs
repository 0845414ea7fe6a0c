//! The append-only history of a member's 党籍 and organisation, and the as-of fold that
//! answers "who belonged to which branch on a given date" from it.

use std::collections::HashMap;

use time::{Date, OffsetDateTime};

use super::model::EventKind;

pub use super::events_store::{history_up_to, insert, list};

/// An event as shown on the timeline.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct MemberEvent {
    /// Id.
    pub id: i64,
    /// Kind code.
    pub kind: String,
    /// When it happened.
    #[serde(with = "crate::shared::json_date")]
    pub occurred_on: Date,
    /// From organisation.
    pub from_org_id: Option<i64>,
    /// To organisation.
    pub to_org_id: Option<i64>,
    /// From organisation name.
    pub from_name: Option<String>,
    /// To organisation name.
    pub to_name: Option<String>,
    /// Note.
    pub note: String,
    /// Who recorded it.
    pub recorded_by_name: String,
    /// When it was recorded.
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
}

impl MemberEvent {
    /// Chinese name of the kind.
    #[must_use]
    pub fn kind_label(&self) -> &'static str {
        EventKind::from_code(&self.kind).map_or("事件", EventKind::label)
    }
    /// Date for display.
    #[must_use]
    pub fn date_text(&self) -> String {
        crate::shared::text::ymd(self.occurred_on)
    }
    /// Recording time for display.
    #[must_use]
    pub fn recorded_text(&self) -> String {
        crate::shared::text::datetime(self.recorded_at)
    }
}

/// A new event.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    /// Member.
    pub member_id: i64,
    /// Kind.
    pub kind: EventKind,
    /// Date.
    pub occurred_on: Date,
    /// From organisation.
    pub from_org_id: Option<i64>,
    /// To organisation.
    pub to_org_id: Option<i64>,
    /// Note.
    pub note: &'a str,
    /// Recording account.
    pub recorded_by: Option<i64>,
    /// Its name.
    pub recorded_by_name: &'a str,
}

/// Folds ordered events into each member's organisation at the end of them; members who had
/// left (转出, 出党, 去世, 取消预备党员资格) or not yet entered are absent. 停止党籍 keeps the member on the books.
#[must_use]
pub fn organisation_at(events: &[(i64, String, Option<i64>)]) -> HashMap<i64, i64> {
    let mut state: HashMap<i64, Option<i64>> = HashMap::new();
    for (member, kind, to) in events {
        let entry = state.entry(*member).or_insert(None);
        match EventKind::from_code(kind) {
            Some(k) if k.is_entry() || k == EventKind::Move => *entry = *to,
            Some(
                EventKind::TransferOut | EventKind::Leave | EventKind::Death | EventKind::Cancel,
            ) => *entry = None,
            _ => {}
        }
    }
    state
        .into_iter()
        .filter_map(|(m, o)| o.map(|o| (m, o)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_of_fold_follows_entries_moves_and_exits() {
        let ev = |m: i64, k: &str, to: Option<i64>| (m, k.to_owned(), to);
        let events = vec![
            ev(1, "register", Some(10)),
            ev(1, "move", Some(11)),
            ev(2, "develop", Some(10)),
            ev(2, "convert", None),
            ev(2, "stop", None),
            ev(3, "transfer_in", Some(10)),
            ev(3, "transfer_out", None),
            ev(4, "register", Some(10)),
            ev(4, "death", None),
        ];
        let at = organisation_at(&events);
        assert_eq!(at.get(&1), Some(&11));
        assert_eq!(at.get(&2), Some(&10), "停止党籍 stays on the books");
        assert_eq!(at.get(&3), None);
        assert_eq!(at.get(&4), None);
    }
}
