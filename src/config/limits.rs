//! `[limits]`: per-account allowances for actions that are cheap to repeat and costly to
//! receive in bulk (SEC-44): posting, commenting, exporting and unmasking.

use serde::{Deserialize, Serialize};

use super::ConfigError;

/// `[limits]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// 党建群 posts one account may publish per hour.
    pub feed_posts_per_hour: u32,
    /// 党建群 comments one account may write per hour.
    pub feed_comments_per_hour: u32,
    /// Bulk exports (roster, year archive of records, audit log, points report) per hour.
    pub exports_per_hour: u32,
    /// Full 身份证号/手机号 views per hour.
    pub unmasks_per_hour: u32,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            feed_posts_per_hour: 20,
            feed_comments_per_hour: 60,
            exports_per_hour: 5,
            unmasks_per_hour: 30,
        }
    }
}

impl LimitsConfig {
    /// Checks the ranges: every allowance is at least one, and bounded so a typo cannot
    /// switch a limit off in effect.
    ///
    /// # Errors
    /// A value out of range, in Chinese.
    pub fn validate(&self) -> Result<(), ConfigError> {
        for (name, v) in [
            ("limits.feed_posts_per_hour", self.feed_posts_per_hour),
            ("limits.feed_comments_per_hour", self.feed_comments_per_hour),
            ("limits.exports_per_hour", self.exports_per_hour),
            ("limits.unmasks_per_hour", self.unmasks_per_hour),
        ] {
            if !(1..=10_000).contains(&v) {
                return Err(ConfigError(format!(
                    "{name} 应在 1 到 10000 之间，当前为 {v}"
                )));
            }
        }
        Ok(())
    }
}
