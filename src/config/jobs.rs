//! `[jobs]`: the background work of `serve` (consumers of the outbox and scheduled jobs).

use serde::{Deserialize, Serialize};

/// `[jobs]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobsConfig {
    /// Whether this server runs background jobs. With several servers on one database, jobs
    /// may run on all of them (each scheduled job still runs once per due time) or on some.
    pub enabled: bool,
    /// Seconds between checks for due work.
    pub tick_seconds: u32,
    /// Seconds a job's lease lasts without renewal: how soon another server takes over the
    /// job of a server that died mid-run.
    pub lease_seconds: u32,
    /// Seconds `serve` waits on shutdown for running jobs to finish their current unit.
    pub shutdown_grace_seconds: u32,
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            tick_seconds: 2,
            lease_seconds: 60,
            shutdown_grace_seconds: 20,
        }
    }
}

impl JobsConfig {
    /// Checks the ranges.
    ///
    /// # Errors
    /// A value out of range, in Chinese.
    pub fn validate(&self) -> Result<(), super::ConfigError> {
        let checks = [
            ("jobs.tick_seconds", self.tick_seconds, 1, 3600),
            ("jobs.lease_seconds", self.lease_seconds, 10, 3600),
            (
                "jobs.shutdown_grace_seconds",
                self.shutdown_grace_seconds,
                0,
                600,
            ),
        ];
        for (name, v, lo, hi) in checks {
            if !(lo..=hi).contains(&v) {
                return Err(super::ConfigError(format!(
                    "{name} 须在 {lo} 至 {hi} 之间（当前为 {v}）"
                )));
            }
        }
        if self.lease_seconds < self.tick_seconds * 3 {
            return Err(super::ConfigError(
                "jobs.lease_seconds 须至少为 jobs.tick_seconds 的 3 倍，以便运行中按时续租".into(),
            ));
        }
        Ok(())
    }
}
