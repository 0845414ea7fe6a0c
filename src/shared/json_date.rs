//! Dates in JSON as `YYYY-MM-DD` strings. `time::Date`'s own serde form is `[2026,334]` (year
//! and day of the year), which no API client can read, so every date in a reply goes through
//! here: `#[serde(with = "crate::shared::json_date")]`, `…::option` for `Option<Date>` and
//! `…::pairs` for the `(id, date)` lists of the compliance report. Reading accepts the same
//! string form, parsed by the one bounded date parser.

use serde::{Deserialize, Deserializer, Serializer};
use time::Date;
use time::macros::format_description;

/// The wire form: ISO 8601 calendar date.
const FORMAT: &[time::format_description::FormatItem<'static>] =
    format_description!("[year]-[month]-[day]");

/// `YYYY-MM-DD` for `d`.
#[must_use]
pub fn format(d: Date) -> String {
    // Formatting a calendar date with numeric components cannot fail.
    d.format(FORMAT).unwrap_or_default()
}

fn parse<E: serde::de::Error>(s: &str) -> Result<Date, E> {
    crate::shared::dates::date(s)
        .ok_or_else(|| E::custom(format!("expected a date as YYYY-MM-DD, got {s:?}")))
}

/// Serialises a date as `YYYY-MM-DD`.
///
/// # Errors
/// Only the serializer's own.
#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `with` passes a reference
pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format(*d))
}

/// Reads a `YYYY-MM-DD` string.
///
/// # Errors
/// When the value is not a string or not a valid date.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
    let s = String::deserialize(d)?;
    parse(&s)
}

/// The same for `Option<Date>`: `null` when absent.
pub mod option {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    /// Serialises `Some(date)` as `YYYY-MM-DD` and `None` as `null`.
    ///
    /// # Errors
    /// Only the serializer's own.
    #[allow(clippy::ref_option)] // serde's `with` passes a reference
    pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&super::format(*d)),
            None => s.serialize_none(),
        }
    }

    /// Reads `null` or a `YYYY-MM-DD` string.
    ///
    /// # Errors
    /// When the value is neither.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        match Option::<String>::deserialize(d)? {
            Some(s) => super::parse(&s).map(Some),
            None => Ok(None),
        }
    }
}

/// `(id, date)` pairs as `[[id, "YYYY-MM-DD"], …]`, the shape the compliance report has always
/// had apart from the date.
pub mod pairs {
    use serde::Serializer;
    use serde::ser::SerializeSeq;
    use time::Date;

    /// Serialises each pair as a two-element array.
    ///
    /// # Errors
    /// Only the serializer's own.
    pub fn serialize<S: Serializer>(v: &[(i64, Date)], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(v.len()))?;
        for (id, d) in v {
            seq.serialize_element(&(id, super::format(*d)))?;
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct T {
        #[serde(with = "super")]
        a: time::Date,
        #[serde(with = "super::option")]
        b: Option<time::Date>,
        #[serde(serialize_with = "super::pairs::serialize", skip_deserializing)]
        c: Vec<(i64, time::Date)>,
    }

    #[test]
    fn dates_are_iso_strings_both_ways() {
        let t = T {
            a: date!(2026 - 11 - 30),
            b: None,
            c: vec![(7, date!(2026 - 01 - 02))],
        };
        let j = serde_json::to_value(&t).unwrap();
        assert_eq!(
            j,
            serde_json::json!({"a": "2026-11-30", "b": null, "c": [[7, "2026-01-02"]]})
        );
        let back: T =
            serde_json::from_value(serde_json::json!({"a": "2026-11-30", "b": "2026-12-01"}))
                .unwrap();
        assert_eq!(back.a, date!(2026 - 11 - 30));
        assert_eq!(back.b, Some(date!(2026 - 12 - 01)));
        assert!(
            serde_json::from_value::<T>(serde_json::json!({"a": [2026, 334], "b": null})).is_err()
        );
    }
}
