//! What is limited, and the sliding-hour rule that decides whether one more is allowed.

use crate::config::LimitsConfig;

/// Length of one counting window, in seconds.
pub const WINDOW_SECS: i64 = 3600;

/// A limited action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Publishing a 党建群 post.
    FeedPost,
    /// Commenting on a post.
    FeedComment,
    /// A bulk download: roster, year archive, audit log, points report.
    Export,
    /// Viewing a member's full 身份证号 and 手机号.
    Unmask,
}

impl Kind {
    /// Stable code, stored with the counts and written in the audit row.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Kind::FeedPost => "feed_post",
            Kind::FeedComment => "feed_comment",
            Kind::Export => "export",
            Kind::Unmask => "unmask",
        }
    }

    /// What the auditor reads.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Kind::FeedPost => "党建群发言",
            Kind::FeedComment => "党建群评论",
            Kind::Export => "导出",
            Kind::Unmask => "查看完整号码",
        }
    }

    /// The hourly allowance from the settings.
    #[must_use]
    pub fn per_hour(self, c: &LimitsConfig) -> u32 {
        match self {
            Kind::FeedPost => c.feed_posts_per_hour,
            Kind::FeedComment => c.feed_comments_per_hour,
            Kind::Export => c.exports_per_hour,
            Kind::Unmask => c.unmasks_per_hour,
        }
    }
}

/// Start of the window holding `ts` (Unix seconds).
#[must_use]
pub fn window_of(ts: i64) -> i64 {
    ts.div_euclid(WINDOW_SECS) * WINDOW_SECS
}

/// SEC-44: whether one more action is allowed, given the actions already counted in the
/// current window (`before`), those of the previous window (`previous`) and the seconds since
/// the current window began. The previous window counts in proportion to how much of it still
/// lies within the last hour, so the allowance cannot be doubled by straddling a boundary.
#[must_use]
pub fn allows(before: i64, previous: i64, elapsed: i64, limit: u32) -> bool {
    let elapsed = elapsed.clamp(0, WINDOW_SECS);
    let used = before.saturating_mul(WINDOW_SECS) + previous.saturating_mul(WINDOW_SECS - elapsed);
    used < i64::from(limit).saturating_mul(WINDOW_SECS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sec_44_the_allowance_holds_within_a_window() {
        for n in 0..5 {
            assert!(allows(n, 0, 600, 5), "{n}");
        }
        assert!(!allows(5, 0, 600, 5));
    }

    #[test]
    fn sec_44_a_boundary_does_not_double_the_allowance() {
        // Five just before the hour turned still weigh fully as it turns.
        assert!(!allows(0, 5, 0, 5));
        // A quarter of an hour on, a quarter of them has aged out: one more is allowed.
        assert!(allows(0, 5, 900, 5));
        assert!(!allows(2, 5, 900, 5));
        // Half an hour on, half of them count.
        assert!(allows(2, 5, 1800, 5));
        assert!(!allows(3, 5, 1800, 5));
        // A full window later the previous one no longer counts.
        assert!(allows(4, 5, 3600, 5));
    }

    #[test]
    fn windows_start_on_the_hour() {
        assert_eq!(window_of(7205), 7200);
        assert_eq!(window_of(-1), -3600);
    }

    #[test]
    fn every_kind_has_a_code_label_and_setting() {
        let c = LimitsConfig::default();
        for k in [
            Kind::FeedPost,
            Kind::FeedComment,
            Kind::Export,
            Kind::Unmask,
        ] {
            assert!(!k.code().is_empty() && !k.label().is_empty());
            assert!(k.per_hour(&c) > 0);
        }
    }
}
