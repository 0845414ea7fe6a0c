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

/// `[bots]`: delivery of group-bot messages.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct BotsConfig {
    /// Seconds a webhook may take to answer before the attempt counts as failed.
    pub timeout_seconds: u32,
    /// Attempts per message before it is given up (with back-off of 30 s, 2, 10, 30 minutes
    /// and 2 hours between them).
    pub max_attempts: u32,
    /// Failed attempts in a row after which a bot is paused and its organisation's officers are
    /// warned.
    pub pause_after_failures: u32,
    /// Host names, IP addresses or CIDR ranges a bot may post to although they are loopback,
    /// private or otherwise internal addresses, which are refused otherwise (SEC-38).
    pub allowed_hosts: Vec<String>,
    /// Test messages one account may ask for, and one bot may be sent, in 10 minutes (SEC-44).
    pub test_sends_per_10min: u32,
}

impl Default for BotsConfig {
    fn default() -> Self {
        Self {
            timeout_seconds: 5,
            max_attempts: 6,
            pause_after_failures: 5,
            allowed_hosts: Vec::new(),
            test_sends_per_10min: 5,
        }
    }
}

impl BotsConfig {
    /// Checks the ranges.
    ///
    /// # Errors
    /// A value out of range, in Chinese.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(1..=60).contains(&self.timeout_seconds) {
            return Err(ConfigError("bots.timeout_seconds 须为 1 至 60 秒".into()));
        }
        if !(1..=10).contains(&self.max_attempts) {
            return Err(ConfigError("bots.max_attempts 须为 1 至 10 次".into()));
        }
        if !(1..=100).contains(&self.pause_after_failures) {
            return Err(ConfigError(
                "bots.pause_after_failures 须为 1 至 100 次".into(),
            ));
        }
        if !(1..=100).contains(&self.test_sends_per_10min) {
            return Err(ConfigError(
                "bots.test_sends_per_10min 须为 1 至 100 次".into(),
            ));
        }
        if self.allowed_hosts.len() > 100 {
            return Err(ConfigError("bots.allowed_hosts 最多 100 项".into()));
        }
        crate::bots::address::AllowList::parse(&self.allowed_hosts).map_err(ConfigError)?;
        Ok(())
    }
}
