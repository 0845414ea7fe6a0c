//! Transfer kinds and states, letter serials and validity (REL-04). No IO.

use time::{Date, Duration, OffsetDateTime};

/// Which way the member goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Between branches inside Zhibu.
    Internal,
    /// Out of Zhibu with a 介绍信.
    Outgoing,
    /// Into Zhibu with a letter from elsewhere.
    Incoming,
}

impl Kind {
    /// Code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Internal => "internal",
            Self::Outgoing => "outgoing",
            Self::Incoming => "incoming",
        }
    }
    /// Chinese name.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Internal => "系统内转接",
            Self::Outgoing => "转出（开具介绍信）",
            Self::Incoming => "转入",
        }
    }
    /// Parses a code.
    #[must_use]
    pub fn from_code(s: &str) -> Option<Self> {
        [Self::Internal, Self::Outgoing, Self::Incoming]
            .into_iter()
            .find(|k| k.code() == s)
    }
}

/// Chinese name of a status code.
#[must_use]
pub fn status_label(code: &str) -> &'static str {
    match code {
        "requested" => "待接收",
        "accepted" => "已接收",
        "rejected" => "未接收",
        "cancelled" => "已撤销",
        "issued" => "介绍信已开具",
        "closed" => "已收到回执",
        "received" => "已转入",
        _ => "未知",
    }
}

/// A transfer as stored, with the names it is shown with.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
#[schema(as = TransferRecord)]
pub struct Transfer {
    /// Id.
    pub id: i64,
    /// Member.
    pub member_id: i64,
    /// Member name.
    pub member_name: String,
    /// Kind code.
    pub kind: String,
    /// Status code.
    pub status: String,
    /// Sending organisation.
    pub from_org_id: Option<i64>,
    /// Its name.
    pub from_name: Option<String>,
    /// Its path (for scope checks).
    #[serde(skip)]
    pub from_path: Option<String>,
    /// Receiving organisation inside Zhibu.
    pub to_org_id: Option<i64>,
    /// Its name.
    pub to_name: Option<String>,
    /// Its path.
    #[serde(skip)]
    pub to_path: Option<String>,
    /// The organisation outside Zhibu (receiving for letters out, sending for arrivals).
    pub other_org_name: String,
    /// 介绍信 serial.
    pub serial: Option<String>,
    /// Validity in days.
    pub valid_days: Option<i64>,
    /// Issue date.
    #[serde(with = "crate::shared::json_date::option")]
    pub issued_on: Option<Date>,
    /// Last valid day.
    #[serde(with = "crate::shared::json_date::option")]
    pub expires_on: Option<Date>,
    /// 党费交至 (YYYY-MM).
    pub dues_paid_to: String,
    /// 回执 date.
    #[serde(with = "crate::shared::json_date::option")]
    pub receipt_on: Option<Date>,
    /// Reason given.
    pub reason: String,
    /// Number of a letter brought in.
    pub letter_ref: String,
    /// Public verification token.
    #[serde(skip)]
    pub verify_token: Option<String>,
    /// Requested.
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    /// Decision note.
    pub decision_note: String,
}

impl Transfer {
    /// The kind.
    #[must_use]
    pub fn kind(&self) -> Kind {
        Kind::from_code(&self.kind).unwrap_or(Kind::Internal)
    }
    /// Status in Chinese.
    #[must_use]
    pub fn status_label(&self) -> &'static str {
        status_label(&self.status)
    }
    /// A letter issued, not yet answered, and past its validity (REL-04).
    #[must_use]
    pub fn overdue(&self, today: Date) -> bool {
        self.status == "issued" && self.expires_on.is_some_and(|e| e < today)
    }
    /// Still waiting for someone.
    #[must_use]
    pub fn open(&self) -> bool {
        matches!(self.status.as_str(), "requested" | "issued")
    }
    /// Destination as shown.
    #[must_use]
    pub fn destination(&self) -> String {
        match self.kind() {
            Kind::Internal | Kind::Incoming => self.to_name.clone().unwrap_or_default(),
            Kind::Outgoing => self.other_org_name.clone(),
        }
    }
    /// Origin as shown.
    #[must_use]
    pub fn origin(&self) -> String {
        match self.kind() {
            Kind::Incoming => self.other_org_name.clone(),
            _ => self.from_name.clone().unwrap_or_default(),
        }
    }
    /// When it was requested, for display.
    #[must_use]
    pub fn requested_text(&self) -> String {
        crate::shared::text::datetime(self.requested_at)
    }
    /// Date text helper.
    #[must_use]
    pub fn date_text(d: &Option<Date>) -> String {
        d.map_or_else(|| "—".into(), crate::shared::text::ymd)
    }
}

/// The serial of the `n`-th letter of a year: `2026-00042`.
#[must_use]
pub fn serial(year: i32, n: i64) -> String {
    format!("{year}-{n:05}")
}

/// Last valid day of a letter issued on `issued` for `days` days (the issue day counts).
#[must_use]
pub fn expires(issued: Date, days: i64) -> Date {
    issued + Duration::days(days - 1)
}

/// Parses `YYYY-MM` (党费交至).
#[must_use]
pub fn parse_month(s: &str) -> Option<(i32, u8)> {
    let (y, m) = s.trim().split_once('-')?;
    let (y, m) = (y.parse::<i32>().ok()?, m.parse::<u8>().ok()?);
    ((1949..=2100).contains(&y) && (1..=12).contains(&m)).then_some((y, m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn rel_04_letters() {
        assert_eq!(serial(2026, 42), "2026-00042");
        assert_eq!(expires(date!(2026 - 11 - 28), 30), date!(2026 - 12 - 27));
        assert_eq!(parse_month("2026-11"), Some((2026, 11)));
        assert_eq!(parse_month("2026-13"), None);
        assert_eq!(parse_month("十一月"), None);
    }
}
