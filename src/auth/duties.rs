//! Pure rules of the separation of duties between the 三员 (SEC-18) and of credential
//! lifetimes (SEC-05). The use cases in `users` and `service` apply them.
//!
//! The design is two-person: the 系统管理员 defines a business account (who, which role, which
//! organisation) but never learns its credential, because the account waits "待审核" until
//! the 安全管理员 approves it; the approval, and every later reset, produces an activation
//! code that only the 安全管理员 sees, on a slip meant for the person. The 安全管理员 in turn
//! cannot choose a business account's rights. The 三员 accounts themselves are created and
//! reset only by the 安全管理员 or on the server's command line.

use time::{Duration, OffsetDateTime};

use super::Role;

/// What becomes of an account an administrator creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Creation {
    /// Inactive until the 安全管理员 approves it and issues its activation code.
    Pending,
    /// Active at once, with an activation code for the creator to hand over.
    Active,
}

/// Whether an administrator with role `actor` may create an account of role `target`.
///
/// # Errors
/// The Chinese reason shown on the form.
pub fn creation(actor: Role, target: Role) -> Result<Creation, &'static str> {
    match (actor, target.is_admin_triad()) {
        (Role::SystemAdmin, false) => Ok(Creation::Pending),
        (Role::SystemAdmin, true) => Err("三员账号只能由安全管理员创建"),
        (Role::SecurityAdmin, true) => Ok(Creation::Active),
        (Role::SecurityAdmin, false) => Err("业务账号由系统管理员建立，经安全管理员审核后启用"),
        _ => Err("您没有权限创建账号"),
    }
}

/// Whether `actor` may disable or re-enable accounts of role `target`: the 系统管理员 the
/// business accounts, the 安全管理员 the 三员.
#[must_use]
pub fn may_toggle(actor: Role, target: Role) -> bool {
    match actor {
        Role::SystemAdmin => !target.is_admin_triad(),
        Role::SecurityAdmin => target.is_admin_triad(),
        _ => false,
    }
}

/// Whether `actor` may reset the password of (issue a new activation code for) an account.
/// Only the 安全管理员, who does not define accounts; the 审计管理员 included, who is told at
/// the next login.
#[must_use]
pub fn may_reset(actor: Role) -> bool {
    actor == Role::SecurityAdmin
}

/// The refusal when a 三员 role already has as many enabled accounts as allowed.
#[must_use]
pub fn triad_limit_reached(role: Role, max: u32) -> String {
    format!(
        "已有{}账号，每种三员角色最多 {max} 个，不能再创建或启用",
        role.label()
    )
}

/// Whether an activation code set to expire at `expires_at` is no longer usable.
#[must_use]
pub fn activation_expired(expires_at: Option<OffsetDateTime>, now: OffsetDateTime) -> bool {
    expires_at.is_some_and(|t| now >= t)
}

/// Whether a privileged account's password is older than `max_age_days` (0 = never expires).
/// Members are not forced; an unknown age counts as expired.
#[must_use]
pub fn password_expired(
    role: Role,
    changed_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
    max_age_days: u32,
) -> bool {
    if !role.is_privileged() || max_age_days == 0 {
        return false;
    }
    changed_at.is_none_or(|t| now - t > Duration::days(i64::from(max_age_days)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn sec_18_only_the_security_admin_creates_the_triad() {
        for target in [Role::SystemAdmin, Role::SecurityAdmin, Role::AuditAdmin] {
            assert!(creation(Role::SystemAdmin, target).is_err(), "{target:?}");
            assert_eq!(creation(Role::SecurityAdmin, target), Ok(Creation::Active));
            assert!(creation(Role::OrgAdmin, target).is_err());
        }
    }

    #[test]
    fn sec_18_business_accounts_are_defined_and_approved_by_two_people() {
        for target in [Role::OrgAdmin, Role::Officer, Role::Member] {
            assert_eq!(creation(Role::SystemAdmin, target), Ok(Creation::Pending));
            assert!(creation(Role::SecurityAdmin, target).is_err());
            assert!(creation(Role::AuditAdmin, target).is_err());
        }
        assert!(may_reset(Role::SecurityAdmin));
        for r in [Role::SystemAdmin, Role::AuditAdmin, Role::OrgAdmin] {
            assert!(!may_reset(r), "{r:?}");
        }
        assert!(may_toggle(Role::SystemAdmin, Role::OrgAdmin));
        assert!(!may_toggle(Role::SystemAdmin, Role::AuditAdmin));
        assert!(may_toggle(Role::SecurityAdmin, Role::AuditAdmin));
        assert!(!may_toggle(Role::SecurityAdmin, Role::Officer));
    }

    #[test]
    fn sec_05_activation_codes_and_privileged_passwords_expire() {
        let t0 = datetime!(2026-01-01 00:00 UTC);
        assert!(!activation_expired(None, t0));
        assert!(!activation_expired(Some(t0 + Duration::days(7)), t0));
        assert!(activation_expired(Some(t0), t0));
        let day = |n| t0 + Duration::days(n);
        assert!(!password_expired(Role::Officer, Some(t0), day(90), 90));
        assert!(password_expired(Role::Officer, Some(t0), day(91), 90));
        assert!(password_expired(Role::AuditAdmin, None, t0, 90));
        assert!(!password_expired(Role::Member, Some(t0), day(400), 90));
        assert!(!password_expired(Role::SystemAdmin, Some(t0), day(400), 0));
    }
}
