//! The navigation a user sees: one entry per area their role and scope open, the same on the
//! desktop side menu and the phone tab bar. The entry type is the web layer's
//! [`NavItem`]; which entries a user gets is decided here, by role and capability.

use crate::web::layout::NavItem;

use super::extract::AuthCtx;
use super::scope::Capability;

/// The entries for `a`, with `area` marked current.
#[must_use]
pub fn items(a: &AuthCtx, area: &str) -> Vec<NavItem> {
    let scope = &a.scope;
    let mut nav = vec![NavItem {
        href: "/".into(),
        label: "首页",
        icon: "home",
        active: area == "home",
    }];
    if scope.has_org_area() {
        nav.push(NavItem {
            href: "/orgs".into(),
            label: "组织架构",
            icon: "tree",
            active: area == "orgs",
        });
    }
    if scope.has_member_area() {
        nav.push(NavItem {
            href: "/members".into(),
            label: "党员",
            icon: "people",
            active: area == "members",
        });
    }
    if scope.has_org_area() && !a.role.is_admin_triad() {
        nav.push(NavItem {
            href: "/meetings".into(),
            label: "组织生活",
            icon: "calendar",
            active: area == "meetings",
        });
    }
    if scope.has_org_area() && !a.role.is_admin_triad() {
        nav.push(NavItem {
            href: "/points".into(),
            label: "积分",
            icon: "star",
            active: area == "points",
        });
    }
    if scope.has_org_area() && !a.role.is_admin_triad() {
        nav.push(NavItem {
            href: "/notices".into(),
            label: "通知",
            icon: "bell",
            active: area == "notices",
        });
    }
    if let (false, Some(mid)) = (scope.has_member_area(), scope.member_id) {
        nav.push(NavItem {
            href: format!("/members/{mid}"),
            label: "我的档案",
            icon: "people",
            active: area == "members",
        });
    }
    if scope.can(Capability::ManageAccounts) || scope.can(Capability::ManageSecurity) {
        nav.push(NavItem {
            href: "/admin/users".into(),
            label: "账号管理",
            icon: "key",
            active: area == "users",
        });
    }
    if scope.can(Capability::ViewOperations) {
        nav.push(NavItem {
            href: "/admin/system".into(),
            label: "运行状态",
            icon: "pulse",
            active: area == "system",
        });
    }
    if scope.can(Capability::ReadAudit) {
        nav.push(NavItem {
            href: "/audit".into(),
            label: "审计日志",
            icon: "log",
            active: area == "audit",
        });
    }
    nav.push(NavItem {
        href: "/account".into(),
        label: "我的",
        icon: "user",
        active: area == "account",
    });
    nav
}
