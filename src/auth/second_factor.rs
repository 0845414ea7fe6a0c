//! The second factor behind a trait (D4): TOTP today, with room for GM/T 0021 动态口令 tokens
//! or an SM2 USB-Key later, and the policy of who must have one (SEC-08).

use time::OffsetDateTime;

use crate::config::AuthConfig;

use super::Role;
use super::totp;

/// A second factor that checks one-time codes.
pub trait SecondFactor {
    /// The code stored in `user_second_factors.kind`.
    fn kind(&self) -> &'static str;
    /// Checks `code` at `now`. On success returns the counter to record; a code whose counter
    /// is not above `last_used` is refused, so no code works twice (SEC-08).
    fn verify(&self, code: &str, now: OffsetDateTime, last_used: i64) -> Option<i64>;
}

/// RFC 6238 TOTP (SHA-1, 6 digits, 30 s, one step of drift).
pub struct Totp {
    secret: Vec<u8>,
}

impl Totp {
    /// Wraps an opened secret.
    #[must_use]
    pub fn new(secret: Vec<u8>) -> Self {
        Self { secret }
    }
}

impl SecondFactor for Totp {
    fn kind(&self) -> &'static str {
        "totp"
    }

    fn verify(&self, code: &str, now: OffsetDateTime, last_used: i64) -> Option<i64> {
        totp::verify(&self.secret, code, now.unix_timestamp(), last_used)
    }
}

/// The factor for a stored kind and its opened secret.
#[must_use]
pub fn factor_of(kind: &str, secret: Vec<u8>) -> Option<Box<dyn SecondFactor + Send + Sync>> {
    match kind {
        "totp" => Some(Box::new(Totp::new(secret))),
        _ => None,
    }
}

/// Whether accounts of this role must have a second factor (SEC-08): the roles listed in
/// `auth.second_factor_required_roles`, and officers when `auth.second_factor_officers` is
/// `required`. Every other account may enrol by choice.
#[must_use]
pub fn required(cfg: &AuthConfig, role: Role) -> bool {
    cfg.second_factor_required_roles
        .iter()
        .any(|r| r == role.code())
        || (role == Role::Officer && cfg.second_factor_officers == "required")
}

/// Whether a signed-in account has to enrol before anything else. A demo database relaxes
/// this (its accounts are public and its data fictitious) and says so on the account page;
/// a real database never does.
#[must_use]
pub fn must_enrol(cfg: &AuthConfig, demo: bool, role: Role, enrolled: bool) -> bool {
    !enrolled && !demo && required(cfg, role)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sec_08_policy_defaults() {
        let mut cfg = AuthConfig::default();
        for r in [
            Role::SystemAdmin,
            Role::SecurityAdmin,
            Role::AuditAdmin,
            Role::OrgAdmin,
        ] {
            assert!(required(&cfg, r), "{r:?}");
            assert!(must_enrol(&cfg, false, r, false));
            assert!(!must_enrol(&cfg, false, r, true));
            assert!(!must_enrol(&cfg, true, r, false), "demo relaxes");
        }
        assert!(!required(&cfg, Role::Officer));
        assert!(!required(&cfg, Role::Member));
        cfg.second_factor_officers = "required".into();
        assert!(required(&cfg, Role::Officer));
        assert!(!required(&cfg, Role::Member));
    }

    #[test]
    fn sec_08_totp_behind_the_trait() {
        let f = factor_of("totp", b"12345678901234567890".to_vec()).unwrap();
        let now = OffsetDateTime::from_unix_timestamp(59).unwrap();
        assert_eq!(f.kind(), "totp");
        assert_eq!(f.verify("287082", now, 0), Some(1));
        assert_eq!(f.verify("287082", now, 1), None);
        assert!(factor_of("sm2", Vec::new()).is_none());
    }
}
