//! Roster filter bands (年龄段, 党龄) turned into date ranges, and the labels of the choices.
//! No IO.

use time::{Date, Duration};

use crate::orgs::model::term_end;

/// 年龄段 choices: code, label, [from, to) in years.
pub const AGE_BANDS: &[(&str, &str, i64, i64)] = &[
    ("lt30", "30岁以下", 0, 30),
    ("30s", "30—39岁", 30, 40),
    ("40s", "40—49岁", 40, 50),
    ("50s", "50—59岁", 50, 60),
    ("60s", "60—69岁", 60, 70),
    ("70p", "70岁及以上", 70, 200),
];

/// 党龄 choices (from conversion, DEV-25): code, label, [from, to) in years.
pub const PARTY_AGE_BANDS: &[(&str, &str, i64, i64)] = &[
    ("lt5", "5年以下", 0, 5),
    ("5-9", "5—9年", 5, 10),
    ("10-19", "10—19年", 10, 20),
    ("20-29", "20—29年", 20, 30),
    ("30-49", "30—49年", 30, 50),
    ("50p", "50年及以上", 50, 200),
];

/// The dates an anniversary-based band covers on `today`: an age of at least `lo` and below
/// `hi` years means the start date is on or before `today − lo years` and after
/// `today − hi years`.
#[must_use]
pub fn band_dates(
    bands: &[(&str, &str, i64, i64)],
    code: &str,
    today: Date,
) -> Option<(Date, Date)> {
    let (_, _, lo, hi) = bands.iter().find(|(c, ..)| *c == code)?;
    let latest = term_end(today, -lo);
    let earliest = term_end(today, -hi) + Duration::days(1);
    Some((earliest, latest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::members::model::whole_years;
    use time::macros::date;

    #[test]
    fn bands_match_whole_years() {
        let today = date!(2026 - 11 - 28);
        let (from, to) = band_dates(AGE_BANDS, "30s", today).unwrap();
        assert_eq!(whole_years(to, today), 30);
        assert_eq!(whole_years(from, today), 39);
        assert_eq!(whole_years(from - Duration::days(1), today), 40);
        assert!(band_dates(AGE_BANDS, "nope", today).is_none());
    }
}
