//! The one parser for every date, month, quarter and year a page or an API client sends
//! (SEC-43). Accepted years are bounded to 1900–2100 so nothing downstream (a day added to the
//! end of a range, the month after December, a week before January) can leave the calendar the
//! `time` crate represents; values outside answer with a Chinese message, never a panic.

use time::{Date, Month};

/// Earliest accepted year.
pub const MIN_YEAR: i32 = 1900;
/// Latest accepted year.
pub const MAX_YEAR: i32 = 2100;
/// The stable API error code for a refused date, month, quarter or year.
pub const INVALID_DATE: &str = "invalid_date";

/// Longest input looked at; anything longer is refused without being parsed.
const MAX_LEN: usize = 32;

/// What was sent, once parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    /// `2026-11-28`.
    Day(Date),
    /// `2026-11`: year and 1–12.
    Month(i32, u8),
    /// `2026-Q4`: year and 1–4.
    Quarter(i32, u8),
    /// `2026`.
    Year(i32),
}

fn short(s: &str) -> Option<&str> {
    let s = s.trim();
    (s.len() <= MAX_LEN).then_some(s)
}

fn digits(s: &str, n: usize) -> Option<u32> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// A four-digit year within 1900–2100.
#[must_use]
pub fn year(s: &str) -> Option<i32> {
    let y = i32::try_from(digits(short(s)?, 4)?).ok()?;
    (MIN_YEAR..=MAX_YEAR).contains(&y).then_some(y)
}

/// `YYYY-MM` within the bounds.
#[must_use]
pub fn month(s: &str) -> Option<(i32, u8)> {
    let (y, m) = short(s)?.split_once('-')?;
    let m = u8::try_from(digits(m, 2)?).ok()?;
    (1..=12).contains(&m).then_some((year(y)?, m))
}

/// `YYYY-Qn` (or `qn`) within the bounds.
#[must_use]
pub fn quarter(s: &str) -> Option<(i32, u8)> {
    let (y, q) = short(s)?.split_once('-')?;
    let q = q.strip_prefix(['Q', 'q'])?;
    let q = u8::try_from(digits(q, 1)?).ok()?;
    (1..=4).contains(&q).then_some((year(y)?, q))
}

/// `YYYY-MM-DD`, a real calendar day within the bounds.
#[must_use]
pub fn date(s: &str) -> Option<Date> {
    let mut parts = short(s)?.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let m = Month::try_from(u8::try_from(digits(m, 2)?).ok()?).ok()?;
    let d = u8::try_from(digits(d, 2)?).ok()?;
    Date::from_calendar_date(year(y)?, m, d).ok()
}

/// A month, quarter or year (the reporting periods of CAL-06), in that order of attempts.
#[must_use]
pub fn period(s: &str) -> Option<Span> {
    if let Some((y, m)) = month(s) {
        return Some(Span::Month(y, m));
    }
    if let Some((y, q)) = quarter(s) {
        return Some(Span::Quarter(y, q));
    }
    year(s).map(Span::Year)
}

/// Whether a date lies within the accepted years (for values that arrive in other forms, such
/// as an RFC 3339 instant).
#[must_use]
pub fn in_bounds(d: Date) -> bool {
    (MIN_YEAR..=MAX_YEAR).contains(&d.year())
}

/// The day after, if the calendar has one.
#[must_use]
pub fn next_day(d: Date) -> Option<Date> {
    d.next_day()
}

/// The Chinese message for a refused value of the parameter `what` (e.g. "开始日期").
#[must_use]
pub fn date_message(what: &str) -> String {
    format!("{what}应为 {MIN_YEAR} 至 {MAX_YEAR} 年之间的日期，格式为 年-月-日（如 2026-11-28）")
}

/// The Chinese message for a refused month.
#[must_use]
pub fn month_message() -> String {
    format!("月份应为 {MIN_YEAR} 至 {MAX_YEAR} 年之间的 年-月（如 2026-11）")
}

/// The Chinese message for a refused reporting period.
#[must_use]
pub fn period_message() -> String {
    format!("期间应为 {MIN_YEAR} 至 {MAX_YEAR} 年之间的 2026-11、2026-Q4 或 2026 形式")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn sec_43_accepts_the_house_forms() {
        assert_eq!(date(" 2026-02-28 "), Some(date!(2026 - 02 - 28)));
        assert_eq!(date("1900-01-01"), Some(date!(1900 - 01 - 01)));
        assert_eq!(date("2100-12-31"), Some(date!(2100 - 12 - 31)));
        assert_eq!(month("2026-11"), Some((2026, 11)));
        assert_eq!(quarter("2026-Q4"), Some((2026, 4)));
        assert_eq!(quarter("2026-q1"), Some((2026, 1)));
        assert_eq!(year("2026"), Some(2026));
        assert_eq!(period("2026-11"), Some(Span::Month(2026, 11)));
        assert_eq!(period("2026-Q2"), Some(Span::Quarter(2026, 2)));
        assert_eq!(period("2026"), Some(Span::Year(2026)));
    }

    #[test]
    fn sec_43_refuses_extremes_and_malformed_values() {
        for bad in [
            "9999-12-31",
            "0000-01-01",
            "2101-01-01",
            "1899-12-31",
            "2026-02-30",
            "2026-2-3",
            "+2026-01-01",
            "-1",
            "99999",
            "",
            "2026-01-01-01",
            "２０２６-01-01",
        ] {
            assert_eq!(date(bad), None, "{bad}");
        }
        let long = "2".repeat(10_000);
        for bad in [
            "9999-12",
            "2100-13",
            "2026-00",
            "2026-1",
            "0000-01",
            "-1",
            "",
            long.as_str(),
        ] {
            assert_eq!(month(bad), None, "{bad}");
            assert_eq!(period(bad), None, "{bad}");
        }
        for bad in [
            "9999", "0000", "99999", "-1", "+202", "1899", "2101", "2026-Q5", "2026-Q04",
        ] {
            assert_eq!(period(bad), None, "{bad}");
        }
    }

    #[test]
    fn sec_43_the_last_accepted_day_has_a_successor() {
        assert!(next_day(date!(2100 - 12 - 31)).is_some());
        assert!(!in_bounds(date!(2101 - 01 - 01)));
    }
}
