//! Roles and the password policy (architecture.md §5, SEC-04).

use serde::Serialize;

/// What a user is in the system. One role per account, so no account can hold two 三员
/// roles or a 三员 role plus a business role (SEC-18).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 系统管理员: accounts, configuration, backups.
    SystemAdmin,
    /// 安全管理员: unlocks, role changes, sessions.
    SecurityAdmin,
    /// 审计管理员: reads the audit log.
    AuditAdmin,
    /// 组织管理员 of a subtree.
    OrgAdmin,
    /// 支部委员 / 党务工作者 of one organisation.
    Officer,
    /// 党员.
    Member,
}

impl Role {
    /// Every role, in the order they are listed to people.
    pub const ALL: [Role; 6] = [
        Role::SystemAdmin,
        Role::SecurityAdmin,
        Role::AuditAdmin,
        Role::OrgAdmin,
        Role::Officer,
        Role::Member,
    ];

    /// The code used in the database, the API and on the command line.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Role::SystemAdmin => "system_admin",
            Role::SecurityAdmin => "security_admin",
            Role::AuditAdmin => "audit_admin",
            Role::OrgAdmin => "org_admin",
            Role::Officer => "officer",
            Role::Member => "member",
        }
    }

    /// The Chinese name.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Role::SystemAdmin => "系统管理员",
            Role::SecurityAdmin => "安全管理员",
            Role::AuditAdmin => "审计管理员",
            Role::OrgAdmin => "组织管理员",
            Role::Officer => "支部委员",
            Role::Member => "党员",
        }
    }

    /// Parses a code.
    #[must_use]
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == s)
    }

    /// One of the three separated administrators (三员).
    #[must_use]
    pub fn is_admin_triad(self) -> bool {
        matches!(
            self,
            Role::SystemAdmin | Role::SecurityAdmin | Role::AuditAdmin
        )
    }

    /// Roles that need the longer password and that can see others' data.
    #[must_use]
    pub fn is_privileged(self) -> bool {
        !matches!(self, Role::Member)
    }
}

/// Settings the policy needs.
#[derive(Debug, Clone, Copy)]
pub struct PasswordRules {
    /// Minimum length for members.
    pub min_member: usize,
    /// Minimum length for every other role.
    pub min_privileged: usize,
}

/// The longest password accepted; longer input is refused, never truncated.
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Fragments that make a password guessable: common keyboard runs and the Chinese favourites
/// (SEC-04). Matched case-insensitively anywhere in the password.
const WEAK_FRAGMENTS: &[&str] = &[
    "123456",
    "234567",
    "345678",
    "456789",
    "654321",
    "987654",
    "111111",
    "000000",
    "888888",
    "666666",
    "123123",
    "abcdef",
    "qwerty",
    "asdfgh",
    "zxcvbn",
    "1qaz2wsx",
    "qazwsx",
    "password",
    "passw0rd",
    "p@ssw0rd",
    "admin123",
    "5201314",
    "woaini",
    "1314520",
    "iloveyou",
    "zhibu",
    "dangjian",
    "gongchandang",
];

/// Checks a new password against the policy; the error is the message to show.
///
/// # Errors
/// A Chinese sentence saying what to change.
pub fn check_password(
    pw: &str,
    username: &str,
    role: Role,
    rules: PasswordRules,
) -> Result<(), String> {
    let min = if role.is_privileged() {
        rules.min_privileged
    } else {
        rules.min_member
    };
    let len = pw.chars().count();
    if len < min {
        return Err(format!("密码至少需要 {min} 个字符"));
    }
    if len > MAX_PASSWORD_CHARS {
        return Err(format!("密码不能超过 {MAX_PASSWORD_CHARS} 个字符"));
    }
    let classes = [
        pw.chars().any(|c| c.is_ascii_lowercase()),
        pw.chars().any(|c| c.is_ascii_uppercase()),
        pw.chars().any(|c| c.is_ascii_digit()),
        pw.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .into_iter()
    .filter(|b| *b)
    .count();
    if classes < 3 {
        return Err("密码需包含大写字母、小写字母、数字、符号中的至少三类".into());
    }
    let lower = pw.to_lowercase();
    let user = username.trim().to_lowercase();
    if user.chars().count() >= 3 && lower.contains(&user) {
        return Err("密码不能包含用户名".into());
    }
    if WEAK_FRAGMENTS.iter().any(|w| lower.contains(w)) {
        return Err("密码包含常见的简单组合（如 123456、qwerty、5201314），请换一个".into());
    }
    Ok(())
}

/// Usernames: 3–32 characters of ASCII letters, digits, `.`, `_` or `-`, compared
/// case-insensitively (stored lower-case so `Admin` and `admin` cannot both exist).
///
/// # Errors
/// The message to show.
pub fn normalize_username(raw: &str) -> Result<String, String> {
    let u = raw.trim().to_ascii_lowercase();
    let n = u.chars().count();
    if !(3..=32).contains(&n) {
        return Err("用户名需为 3 到 32 个字符".into());
    }
    if !u
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err("用户名只能包含英文字母、数字、点、下划线和短横线".into());
    }
    Ok(u)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: PasswordRules = PasswordRules {
        min_member: 8,
        min_privileged: 12,
    };

    #[test]
    fn role_codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::from_code(r.code()), Some(r));
        }
        assert_eq!(Role::from_code("root"), None);
        assert!(Role::AuditAdmin.is_admin_triad());
        assert!(!Role::OrgAdmin.is_admin_triad());
    }

    #[test]
    fn password_policy_table() {
        let cases: &[(&str, Role, bool)] = &[
            ("Abcd2468", Role::Member, true),
            ("abcd2468", Role::Member, false),  // two classes
            ("Ab2468", Role::Member, false),    // too short
            ("Abcd2468", Role::Officer, false), // officers need 12
            ("Tiananmen#2468", Role::Officer, true),
            ("Zhang.Wei.2468", Role::SystemAdmin, true),
            ("Abc123456xyz!", Role::SystemAdmin, false), // weak fragment
            ("Woaini1314!!x", Role::Member, false),
            ("Qwerty!!2468", Role::Member, false),
            ("正确马电池钉Aa1", Role::Member, true), // any Unicode counts as a symbol
        ];
        for (pw, role, ok) in cases {
            assert_eq!(
                check_password(pw, "lisi", *role, RULES).is_ok(),
                *ok,
                "{pw} as {role:?}"
            );
        }
        assert!(
            check_password("Lisi.Garden.77", "lisi", Role::Member, RULES)
                .unwrap_err()
                .contains("用户名")
        );
        let long: String = "Aa1!".repeat(33);
        assert!(
            check_password(&long, "x", Role::Member, RULES)
                .unwrap_err()
                .contains("128")
        );
        let ok64: String = "Aa1-".repeat(16);
        assert!(check_password(&ok64, "x", Role::Member, RULES).is_ok());
    }

    #[test]
    fn usernames_are_normalised() {
        assert_eq!(normalize_username(" Admin ").unwrap(), "admin");
        assert!(normalize_username("ab").is_err());
        assert!(normalize_username("张三").is_err());
        assert!(normalize_username("a b c").is_err());
    }
}
