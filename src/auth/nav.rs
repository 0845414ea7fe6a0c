//! The navigation a user sees: one entry per area their role and scope open, all of them on the
//! desktop side menu and in the phone drawer, and at most five in the phone tab bar, chosen per
//! role (a member's day is meetings, points and notices; an officer's is the roster, meetings
//! and notices). The entry type is the web layer's [`NavItem`]; which entries a user gets is
//! decided here, by role and capability, so no entry leads to a page the role may not open.

use crate::web::layout::NavItem;

use super::extract::AuthCtx;
use super::scope::Capability;

/// The most entries the phone tab bar holds.
pub const MAX_TABS: usize = 5;

fn item(href: &str, label: &'static str, icon: &'static str, active: bool, tab: bool) -> NavItem {
    NavItem {
        href: href.to_owned(),
        label,
        icon,
        active,
        tab,
    }
}

/// The entries for `a`, with `area` marked current.
#[must_use]
pub fn items(a: &AuthCtx, area: &str) -> Vec<NavItem> {
    let scope = &a.scope;
    let officer = scope.has_member_area();
    let member = scope.has_org_area() && !a.role.is_admin_triad();
    let mut nav = vec![item("/", "首页", "home", area == "home", true)];
    if scope.has_org_area() {
        // Officers and members reach the tree from the drawer; for the 系统管理员 it is work.
        nav.push(item("/orgs", "组织架构", "tree", area == "orgs", !member));
    }
    if officer {
        nav.push(item("/members", "党员", "people", area == "members", true));
    }
    // Who unmasked which number in the subtree: the 组织管理员's own record of it.
    if officer && a.role == super::Role::OrgAdmin {
        nav.push(item(
            "/members/unmasks",
            "号码查看记录",
            "log",
            area == "unmasks",
            false,
        ));
    }
    if member {
        // A member's organisational life starts with their own meetings.
        let href = if officer { "/meetings" } else { "/my/meetings" };
        nav.push(item(href, "组织生活", "calendar", area == "meetings", true));
        nav.push(item("/points", "积分", "star", area == "points", !officer));
        nav.push(item("/notices", "通知", "bell", area == "notices", true));
        nav.push(item("/feed", "党建群", "users", area == "feed", false));
    }
    if scope.can(Capability::ManageAccounts) || scope.can(Capability::ManageSecurity) {
        nav.push(item(
            "/admin/users",
            "账号管理",
            "key",
            area == "users",
            true,
        ));
    }
    if scope.can(Capability::ViewOperations) {
        nav.push(item(
            "/admin/system",
            "运行状态",
            "pulse",
            area == "system",
            true,
        ));
    }
    if scope.can(Capability::ReadAudit) {
        nav.push(item("/audit", "审计日志", "log", area == "audit", true));
    }
    // 我的档案 and 我的会议 are inside 我的.
    nav.push(item("/account", "我的", "user", area == "account", true));
    // Whatever the role, the bar keeps its first entries and 我的.
    let mut tabs = 0;
    let last = nav.len() - 1;
    for (i, n) in nav.iter_mut().enumerate() {
        if n.tab && i != last {
            tabs += 1;
            n.tab = tabs < MAX_TABS;
        }
    }
    nav
}
