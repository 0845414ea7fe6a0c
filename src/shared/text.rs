//! Text helpers for what users see: dates in the house format, masking, and trimming input.

use time::{Date, OffsetDateTime};

use super::clock::CHINA;

/// `2026-11-28` — tables and exports.
#[must_use]
pub fn ymd(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// `2026年11月28日` — prose.
#[must_use]
pub fn ymd_cn(d: Date) -> String {
    format!("{}年{}月{}日", d.year(), u8::from(d.month()), d.day())
}

/// `2026-11-28 14:30` in China time.
#[must_use]
pub fn datetime(t: OffsetDateTime) -> String {
    let t = t.to_offset(CHINA);
    format!("{} {:02}:{:02}", ymd(t.date()), t.hour(), t.minute())
}

/// Parses a moment: RFC 3339 (`2026-11-28T06:30:00Z`), or a China-time local form
/// `2026-11-28T14:30` / `2026-11-28 14:30` as browsers' datetime-local fields send it.
#[must_use]
pub fn parse_datetime(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    if s.len() > 64 {
        return None;
    }
    if let Ok(t) = OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        // SEC-43: the same 1900–2100 bound as every other date input, checked on the date as
        // sent, before any conversion that could leave the calendar.
        return super::dates::in_bounds(t.date()).then(|| crate::shared::clock::truncate(t));
    }
    let (d, t) = s.split_once(['T', ' '])?;
    let date = parse_date(d)?;
    let mut hm = t.split(':');
    let h: u8 = hm.next()?.parse().ok()?;
    let m: u8 = hm.next()?.parse().ok()?;
    let sec: u8 = match hm.next() {
        Some(x) => x.parse().ok()?,
        None => 0,
    };
    let time = time::Time::from_hms(h, m, sec).ok()?;
    Some(
        date.with_time(time)
            .assume_offset(CHINA)
            .to_offset(time::UtcOffset::UTC),
    )
}

/// The China-time value for a datetime-local field: `2026-11-28T14:30`.
#[must_use]
pub fn datetime_local(t: OffsetDateTime) -> String {
    datetime(t).replace(' ', "T")
}

/// `2026-11-28 14:30:05` in China time, for logs and the audit viewer.
#[must_use]
pub fn datetime_secs(t: OffsetDateTime) -> String {
    let t = t.to_offset(CHINA);
    format!(
        "{} {:02}:{:02}:{:02}",
        ymd(t.date()),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// `14:30:05` in China time.
#[must_use]
pub fn hms(t: OffsetDateTime) -> String {
    let t = t.to_offset(CHINA);
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

/// Parses `YYYY-MM-DD` within 1900–2100 (SEC-43; see [`super::dates`]).
#[must_use]
pub fn parse_date(s: &str) -> Option<Date> {
    super::dates::date(s)
}

/// Trims and collapses an optional form value: empty means absent.
#[must_use]
pub fn clean(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(ToOwned::to_owned)
}

/// Number of characters (not bytes), as users count them.
#[must_use]
pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Neutralises CR/LF and other control characters so a value cannot forge log lines (SEC-29).
#[must_use]
pub fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '␤' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn formats_follow_the_ui_guide() {
        assert_eq!(ymd(date!(2026 - 01 - 05)), "2026-01-05");
        assert_eq!(ymd_cn(date!(2026 - 11 - 28)), "2026年11月28日");
        assert_eq!(
            datetime(datetime!(2026-11-28 06:30 UTC)),
            "2026-11-28 14:30"
        );
    }

    #[test]
    fn parse_and_clean() {
        assert_eq!(parse_date(" 2026-02-28 "), Some(date!(2026 - 02 - 28)));
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(parse_date("9999-12-31"), None);
        assert_eq!(parse_datetime("9999-12-31T23:59:59Z"), None);
        assert_eq!(parse_datetime("0000-01-01T00:00"), None);
        assert_eq!(clean(Some("  ")), None);
        assert_eq!(clean(Some(" 甲 ")), Some("甲".into()));
        assert_eq!(one_line("a\r\n[FAKE]"), "a␤␤[FAKE]");
    }
}
