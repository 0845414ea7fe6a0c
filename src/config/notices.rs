//! `[notices]`: the reminders the background jobs send.

use serde::{Deserialize, Serialize};

use super::ConfigError;

/// `[notices]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct NoticesConfig {
    /// Hours before a meeting starts at which those expected are reminded (the day before and
    /// an hour before by default); empty turns meeting reminders off.
    pub meeting_reminder_hours: Vec<u32>,
    /// Hours after publication at which the unread of a notice that asks for a receipt are
    /// reminded once, if nobody has reminded them by hand; 0 turns it off.
    pub receipt_reminder_hours: u32,
}

impl Default for NoticesConfig {
    fn default() -> Self {
        Self {
            meeting_reminder_hours: vec![24, 1],
            receipt_reminder_hours: 24,
        }
    }
}

impl NoticesConfig {
    /// Checks the ranges.
    ///
    /// # Errors
    /// A value out of range, in Chinese.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.meeting_reminder_hours.len() > 4
            || self
                .meeting_reminder_hours
                .iter()
                .any(|h| !(1..=168).contains(h))
        {
            return Err(ConfigError(
                "notices.meeting_reminder_hours 须为 1 至 168 之间的小时数，最多 4 个，如 [24, 1]"
                    .into(),
            ));
        }
        if self.receipt_reminder_hours > 720 {
            return Err(ConfigError(
                "notices.receipt_reminder_hours 须为 0 至 720 之间的小时数".into(),
            ));
        }
        Ok(())
    }
}
