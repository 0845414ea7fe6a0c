//! Typed configuration, loaded once at start: built-in defaults → optional TOML file →
//! `ZHIBU_*` environment variables → command-line flags. Invalid values are refused with a
//! message that names the setting.

use std::{fmt, net::SocketAddr, path::Path};

use serde::{Deserialize, Serialize};
use toml::{Table, Value};

/// The documented example, embedded so `zhibu config example` prints exactly what ships.
pub const EXAMPLE: &str = include_str!("../../config.example.toml");

/// Everything Zhibu can be told at start.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Web server settings.
    pub server: ServerConfig,
    /// Database connection.
    pub database: DatabaseConfig,
    /// Keys for data at rest.
    pub security: SecurityConfig,
    /// Passwords, lockout and sessions.
    pub auth: AuthConfig,
    /// Member records and member accounts.
    pub members: MembersConfig,
    /// Organisational life: check-in, warnings, attachments.
    pub meetings: MeetingsConfig,
    /// 党员积分.
    pub points: PointsConfig,
    /// Reminders.
    pub notices: NoticesConfig,
    /// Group-bot delivery.
    pub bots: BotsConfig,
    /// Per-account allowances for bulk-prone actions.
    pub limits: LimitsConfig,
    /// Background jobs.
    pub jobs: JobsConfig,
    /// Logging.
    pub log: LogConfig,
}

/// `[members]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MembersConfig {
    /// Login names of issued member accounts: `number` (a member number, the default) or
    /// `phone` (the mobile number, falling back to a member number when there is none). The
    /// default keeps mobile numbers out of login names (SEC-53).
    pub account_username: AccountUsername,
    /// Days a 介绍信 stays valid unless the issuer chooses otherwise (REL-04: at most 90).
    pub letter_validity_days: u32,
}

/// How member accounts are named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountUsername {
    /// The mobile number.
    Phone,
    /// A generated member number such as `dy000123`.
    Number,
}

impl Default for MembersConfig {
    fn default() -> Self {
        Self {
            account_username: AccountUsername::Number,
            letter_validity_days: 30,
        }
    }
}

/// `[server]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Listen address.
    pub listen: String,
    /// Public base URL (empty when unknown).
    pub public_url: String,
    /// Proxies whose `X-Forwarded-For` is trusted.
    pub trusted_proxies: Vec<String>,
    /// Body size limit in KiB.
    pub body_limit_kib: u32,
    /// Request timeout in seconds.
    pub request_timeout_secs: u32,
    /// Seconds a connection may take to send a request's headers (SEC-44).
    pub header_read_timeout_secs: u32,
    /// Open connections allowed from one address (trusted proxies excepted).
    pub max_connections_per_ip: u32,
    /// Open connections allowed in total.
    pub max_connections: u32,
}

/// `[database]`
#[derive(Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite://…` or `postgres://…`.
    pub url: String,
    /// Pool size.
    pub max_connections: u32,
}

/// `[log]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A tracing filter.
    pub level: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            server: ServerConfig::default(),
            database: DatabaseConfig::default(),
            security: SecurityConfig::default(),
            auth: AuthConfig::default(),
            members: MembersConfig::default(),
            meetings: MeetingsConfig::default(),
            points: PointsConfig::default(),
            notices: NoticesConfig::default(),
            bots: BotsConfig::default(),
            limits: LimitsConfig::default(),
            jobs: JobsConfig::default(),
            log: LogConfig {
                level: "info".into(),
            },
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            public_url: String::new(),
            trusted_proxies: Vec::new(),
            body_limit_kib: 1024,
            request_timeout_secs: 30,
            header_read_timeout_secs: 10,
            max_connections_per_ip: 64,
            max_connections: 4096,
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: "sqlite://data/zhibu.db".into(),
            max_connections: 8,
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: "info".into(),
        }
    }
}

impl fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &redact_url(&self.url))
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

/// Hides the password in a database URL for logs and `Debug`.
#[must_use]
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((cred, host)) => match cred.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:[REDACTED]@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// Overrides given on the command line (highest precedence).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// `--listen`
    pub listen: Option<String>,
    /// `--database`
    pub database: Option<String>,
}

/// A configuration problem, worded for the operator.
#[derive(Debug, thiserror::Error)]
#[error("配置错误: {0}")]
pub struct ConfigError(pub String);

impl Config {
    /// Loads defaults, the file (if any), the environment and the overrides, then validates.
    ///
    /// # Errors
    /// A message naming the setting when the file cannot be read or a value is invalid.
    pub fn load(
        file: Option<&Path>,
        env: &[(String, String)],
        overrides: &Overrides,
    ) -> Result<Self, ConfigError> {
        let mut table = match file {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| ConfigError(format!("无法读取配置文件 {}: {e}", p.display())))?;
                text.parse::<Table>().map_err(|e| {
                    ConfigError(format!("配置文件 {} 不是有效的 TOML: {e}", p.display()))
                })?
            }
            None => Table::new(),
        };
        apply_env(&mut table, env)?;
        if let Some(l) = &overrides.listen {
            set(&mut table, "server", "listen", Value::String(l.clone()));
        }
        if let Some(d) = &overrides.database {
            set(&mut table, "database", "url", Value::String(d.clone()));
        }
        let cfg: Self = Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError(e.message().to_owned()))?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks values that serde cannot.
    ///
    /// # Errors
    /// The first invalid setting.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.listen_addr()?;
        crate::db::DbKind::from_url(&self.database.url).map_err(|e| ConfigError(e.to_string()))?;
        let pu = &self.server.public_url;
        if !pu.is_empty() && !pu.starts_with("http://") && !pu.starts_with("https://") {
            return Err(ConfigError(format!(
                "server.public_url 必须以 http:// 或 https:// 开头: {pu}"
            )));
        }
        for p in &self.server.trusted_proxies {
            crate::web::net::Cidr::parse(p).ok_or_else(|| {
                ConfigError(format!("server.trusted_proxies 中的地址段无效: {p}"))
            })?;
        }
        let a = &self.auth;
        self.points.validate()?;
        self.meetings.validate()?;
        self.notices.validate()?;
        self.bots.validate()?;
        self.limits.validate()?;
        self.jobs.validate()?;
        let mt = &self.meetings;
        let checks: [(&str, u32, u32, u32); 19] = [
            (
                "database.max_connections",
                self.database.max_connections,
                1,
                200,
            ),
            (
                "server.body_limit_kib",
                self.server.body_limit_kib,
                16,
                1_048_576,
            ),
            (
                "server.request_timeout_secs",
                self.server.request_timeout_secs,
                1,
                3600,
            ),
            (
                "server.header_read_timeout_secs",
                self.server.header_read_timeout_secs,
                1,
                300,
            ),
            (
                "server.max_connections_per_ip",
                self.server.max_connections_per_ip,
                1,
                100_000,
            ),
            (
                "server.max_connections",
                self.server.max_connections,
                1,
                1_000_000,
            ),
            ("auth.lockout_threshold", a.lockout_threshold, 1, 100),
            ("auth.lockout_minutes", a.lockout_minutes, 1, 10_080),
            ("auth.idle_timeout_minutes", a.idle_timeout_minutes, 1, 1440),
            (
                "auth.idle_timeout_minutes_admin",
                a.idle_timeout_minutes_admin,
                1,
                1440,
            ),
            (
                "auth.absolute_timeout_hours",
                a.absolute_timeout_hours,
                1,
                720,
            ),
            (
                "auth.min_password_length_member",
                a.min_password_length_member,
                8,
                128,
            ),
            (
                "auth.min_password_length_privileged",
                a.min_password_length_privileged,
                8,
                128,
            ),
            (
                "meetings.checkin_rotate_secs",
                mt.checkin_rotate_secs,
                10,
                600,
            ),
            (
                "meetings.checkin_opens_minutes_before",
                mt.checkin_opens_minutes_before,
                0,
                1440,
            ),
            (
                "meetings.checkin_closes_minutes_after",
                mt.checkin_closes_minutes_after,
                0,
                1440,
            ),
            (
                "meetings.warn_days_before_period_end",
                mt.warn_days_before_period_end,
                0,
                90,
            ),
            ("meetings.attachment_max_mib", mt.attachment_max_mib, 1, 100),
            (
                "meetings.attachments_per_meeting",
                mt.attachments_per_meeting,
                1,
                500,
            ),
        ];
        for (name, v, lo, hi) in checks {
            if v < lo || v > hi {
                return Err(ConfigError(format!(
                    "{name} 应在 {lo} 到 {hi} 之间，当前为 {v}"
                )));
            }
        }
        if !(1..=90).contains(&self.members.letter_validity_days) {
            return Err(ConfigError(
                "members.letter_validity_days 应在 1 到 90 之间（组织关系介绍信有效期最长三个月）"
                    .into(),
            ));
        }
        if a.pbkdf2_iterations < 600_000 {
            return Err(ConfigError("auth.pbkdf2_iterations 不得少于 600000".into()));
        }
        if a.login_per_ip_per_minute == 0 || a.login_per_ip_per_hour == 0 {
            return Err(ConfigError("auth.login_per_ip_* 必须大于 0".into()));
        }
        // Account duties and credential lifetimes (SEC-05, SEC-18).
        for (name, v, lo, hi) in [
            ("auth.activation_code_days", a.activation_code_days, 1, 90),
            (
                "auth.password_max_age_days",
                a.password_max_age_days,
                0,
                3650,
            ),
            ("auth.password_history", a.password_history, 0, 24),
            ("auth.max_per_admin_role", a.max_per_admin_role, 1, 10),
        ] {
            if v < lo || v > hi {
                return Err(ConfigError(format!(
                    "{name} 应在 {lo} 到 {hi} 之间，当前为 {v}"
                )));
            }
        }
        a.validate_second_factor()?;
        Ok(())
    }

    /// The parsed listen address.
    ///
    /// # Errors
    /// When `server.listen` is not `IP:PORT`.
    pub fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.server.listen.parse().map_err(|_| {
            ConfigError(format!(
                "server.listen 应为 IP:端口，例如 127.0.0.1:8080，当前为 {}",
                self.server.listen
            ))
        })
    }

    /// Whether cookies must carry `Secure`.
    #[must_use]
    pub fn secure_cookies(&self) -> bool {
        self.server.public_url.starts_with("https://")
    }
}

mod areas;
mod auth;
mod jobs;
mod layers;
mod limits;
mod notices;
#[cfg(test)]
mod tests;

pub use areas::{ElectionQuorum, MeetingsConfig, PointsConfig, QuorumReading};
pub use auth::{AuthConfig, PasswordHashKind, SecurityConfig};
pub use jobs::JobsConfig;
use layers::{apply_env, set};
pub use limits::LimitsConfig;
pub use notices::{BotsConfig, NoticesConfig};
