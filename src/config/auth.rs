//! `[security]` and `[auth]`: the key file, passwords, lockout, sessions, account duties and
//! the second factor.

use super::ConfigError;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// `[security]`
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityConfig {
    /// The key file (SEC-49): outside the database, mode 0600, created on first start.
    /// Empty: `zhibu.keys` beside the `SQLite` file, or `data/zhibu.keys` for `PostgreSQL`.
    pub key_file: String,
}

impl SecurityConfig {
    /// Where the key file is for a database at `database_url`.
    #[must_use]
    pub fn key_path(&self, database_url: &str) -> std::path::PathBuf {
        if !self.key_file.trim().is_empty() {
            return self.key_file.trim().into();
        }
        let sqlite_file = database_url
            .strip_prefix("sqlite://")
            .or_else(|| database_url.strip_prefix("sqlite:"))
            .map(|rest| rest.split('?').next().unwrap_or(rest));
        match sqlite_file {
            Some(f) if !f.is_empty() && !f.contains(":memory:") => Path::new(f)
                .parent()
                .unwrap_or_else(|| Path::new(""))
                .join("zhibu.keys"),
            _ => "data/zhibu.keys".into(),
        }
    }
}

/// `[auth]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// `argon2id` or `pbkdf2-sm3`.
    pub password_hash: PasswordHashKind,
    /// PBKDF2 iteration count.
    pub pbkdf2_iterations: u32,
    /// Minimum length for members.
    pub min_password_length_member: u32,
    /// Minimum length for privileged roles.
    pub min_password_length_privileged: u32,
    /// Failures that lock an account.
    pub lockout_threshold: u32,
    /// Lock duration.
    pub lockout_minutes: u32,
    /// Idle timeout.
    pub idle_timeout_minutes: u32,
    /// Idle timeout for the three administrators (三员).
    pub idle_timeout_minutes_admin: u32,
    /// Absolute session lifetime.
    pub absolute_timeout_hours: u32,
    /// Per-IP login attempts per minute.
    pub login_per_ip_per_minute: u32,
    /// Per-IP login attempts per hour.
    pub login_per_ip_per_hour: u32,
    /// Days an activation code (new account or password reset) stays usable (SEC-05).
    pub activation_code_days: u32,
    /// Days a privileged account's password may be used before it must be changed; 0 = off.
    pub password_max_age_days: u32,
    /// How many of the latest passwords cannot be used again; 0 = off.
    pub password_history: u32,
    /// Accounts allowed per 三员 role (SEC-18).
    pub max_per_admin_role: u32,
    /// Roles that must use a second factor (SEC-08).
    pub second_factor_required_roles: Vec<String>,
    /// `optional` or `required` for officers (支部委员).
    pub second_factor_officers: String,
    /// Minutes a step-up re-authentication stays valid (SEC-16).
    pub step_up_minutes: u32,
}

/// Password hashing algorithm (architecture.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum PasswordHashKind {
    /// Argon2id, m=19 MiB, t=2, p=1.
    #[serde(rename = "argon2id")]
    Argon2id,
    /// PBKDF2 with HMAC-SM3 as the PRF (for 密评).
    #[serde(rename = "pbkdf2-sm3")]
    Pbkdf2Sm3,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            password_hash: PasswordHashKind::Argon2id,
            pbkdf2_iterations: 600_000,
            min_password_length_member: 8,
            min_password_length_privileged: 12,
            lockout_threshold: 5,
            lockout_minutes: 15,
            idle_timeout_minutes: 30,
            idle_timeout_minutes_admin: 15,
            absolute_timeout_hours: 12,
            login_per_ip_per_minute: 6,
            login_per_ip_per_hour: 30,
            activation_code_days: 7,
            password_max_age_days: 90,
            password_history: 5,
            max_per_admin_role: 1,
            second_factor_required_roles: [
                "system_admin",
                "security_admin",
                "audit_admin",
                "org_admin",
            ]
            .map(String::from)
            .to_vec(),
            second_factor_officers: "optional".into(),
            step_up_minutes: 5,
        }
    }
}

impl AuthConfig {
    /// SEC-08 and SEC-16 settings: known role codes, the 三员 always required, a sane window.
    pub(super) fn validate_second_factor(&self) -> Result<(), ConfigError> {
        for r in &self.second_factor_required_roles {
            if crate::auth::Role::from_code(r).is_none() {
                return Err(ConfigError(format!(
                    "auth.second_factor_required_roles 中的角色无效: {r}"
                )));
            }
        }
        for r in ["system_admin", "security_admin", "audit_admin"] {
            if !self.second_factor_required_roles.iter().any(|x| x == r) {
                return Err(ConfigError(format!(
                    "auth.second_factor_required_roles 必须包含三员角色 {r}"
                )));
            }
        }
        if !matches!(
            self.second_factor_officers.as_str(),
            "optional" | "required"
        ) {
            return Err(ConfigError(
                "auth.second_factor_officers 只能是 \"optional\" 或 \"required\"".into(),
            ));
        }
        if !(1..=60).contains(&self.step_up_minutes) {
            return Err(ConfigError(format!(
                "auth.step_up_minutes 应在 1 到 60 之间，当前为 {}",
                self.step_up_minutes
            )));
        }
        Ok(())
    }
}
