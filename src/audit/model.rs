//! Audit row types and the labels the viewer shows. No IO.

use serde::Serialize;
use time::OffsetDateTime;

/// Who acted, and from where. Built by the web layer (or the CLI) for each request.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    /// Account id, `None` for anonymous requests and the command line.
    pub user_id: Option<i64>,
    /// The person's name (account display name), used wherever the actor is credited: feed
    /// posts, minutes, awards. Never the login name, which may be a mobile number (SEC-53).
    pub name: String,
    /// Login name; the log keeps only its masked form next to the name (SEC-53).
    pub login: String,
    /// Role code, or `anonymous` / `cli`.
    pub role: String,
    /// Client address (trusted proxies resolved).
    pub ip: String,
    /// First characters of the session token's digest, linking rows of one session.
    pub session_tag: String,
    /// The request id shown on error pages.
    pub request_id: String,
}

impl Actor {
    /// The command line, acting as the operator on the machine.
    #[must_use]
    pub fn cli(command: &str) -> Self {
        Self {
            user_id: None,
            name: format!("命令行 {command}"),
            login: String::new(),
            role: "cli".into(),
            ip: "local".into(),
            session_tag: String::new(),
            request_id: crate::shared::token::request_id(),
        }
    }

    /// How the log names the actor: `张三（138****8000）`, or the name alone when there is
    /// no login (anonymous requests, the command line).
    #[must_use]
    pub fn label(&self) -> String {
        if self.login.is_empty() {
            self.name.clone()
        } else {
            format!("{}（{}）", self.name, mask_login(&self.login))
        }
    }
}

/// A login name with its middle hidden, so the log never holds a whole mobile number
/// (SEC-53): `138****8000` for digit strings of seven or more, `dy***23` otherwise.
#[must_use]
pub fn mask_login(login: &str) -> String {
    let chars: Vec<char> = login.chars().collect();
    let n = chars.len();
    let part = |r: std::ops::Range<usize>| chars[r].iter().collect::<String>();
    if n >= 7 && chars.iter().all(char::is_ascii_digit) {
        format!("{}****{}", part(0..3), part(n - 4..n))
    } else if n >= 5 {
        format!("{}***{}", part(0..2), part(n - 2..n))
    } else if n > 0 {
        format!("{}***", part(0..1))
    } else {
        String::new()
    }
}

/// How the viewer names the actor of a stored row. Rows written before SEC-53 hold the bare
/// login; they are shown as the account's current name with the login masked.
#[must_use]
pub fn shown_actor(stored: &str, role: &str, account_name: Option<&str>) -> String {
    let legacy = !stored.ends_with('）') && !matches!(role, "cli" | "demo") && stored != "匿名";
    match account_name {
        Some(name) if legacy => format!("{name}（{}）", mask_login(stored)),
        None if legacy => mask_login(stored),
        _ => stored.to_owned(),
    }
}

/// Result of the audited action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It happened.
    Success,
    /// It was attempted and failed (e.g. wrong password).
    Failure,
    /// Refused by a permission check.
    Denied,
}

impl Outcome {
    /// Code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
        }
    }

    /// Chinese label.
    #[must_use]
    pub fn label_of(code: &str) -> &'static str {
        match code {
            "success" => "成功",
            "failure" => "失败",
            "denied" => "拒绝",
            _ => "未知",
        }
    }
}

/// One event to record.
#[derive(Debug, Clone)]
pub struct AuditEvent<'a> {
    /// Action code, e.g. `org.create`.
    pub action: &'a str,
    /// Object type, e.g. `org`.
    pub object_type: &'a str,
    /// Object id as text (may be empty).
    pub object_id: String,
    /// Organisation concerned, for filtering.
    pub org_id: Option<i64>,
    /// Result.
    pub outcome: Outcome,
    /// Short description without personal data or secrets.
    pub detail: String,
}

impl<'a> AuditEvent<'a> {
    /// A successful action.
    // A hundred call sites pass ids and codes by value; `to_string` only borrows.
    #[allow(clippy::needless_pass_by_value, reason = "callers pass ids by value")]
    #[must_use]
    pub fn success(action: &'a str, object_type: &'a str, object_id: impl ToString) -> Self {
        Self {
            action,
            object_type,
            object_id: object_id.to_string(),
            org_id: None,
            outcome: Outcome::Success,
            detail: String::new(),
        }
    }

    /// With an organisation.
    #[must_use]
    pub fn org(mut self, org_id: i64) -> Self {
        self.org_id = Some(org_id);
        self
    }

    /// With a detail line.
    #[must_use]
    pub fn detail(mut self, d: impl Into<String>) -> Self {
        self.detail = d.into();
        self
    }

    /// With another outcome.
    #[must_use]
    pub fn outcome(mut self, o: Outcome) -> Self {
        self.outcome = o;
        self
    }
}

/// A stored row.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct AuditRow {
    /// Sequence.
    pub id: i64,
    /// When (UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Account.
    pub actor_id: Option<i64>,
    /// Username.
    pub actor_name: String,
    /// Role code.
    pub actor_role: String,
    /// Address.
    pub ip: String,
    /// Session link.
    pub session_tag: String,
    /// Request id.
    pub request_id: String,
    /// Action code.
    pub action: String,
    /// Object type.
    pub object_type: String,
    /// Object id.
    pub object_id: String,
    /// Organisation.
    pub org_id: Option<i64>,
    /// Result code.
    pub result: String,
    /// Description.
    pub detail: String,
    /// The account's current name (viewer only; not part of the row).
    #[sqlx(default)]
    #[serde(skip)]
    pub account_name: Option<String>,
}

/// Chinese names of action codes for the viewer; unknown codes show as themselves.
pub const ACTIONS: &[(&str, &str)] = &[
    ("auth.login", "登录"),
    ("auth.login_failed", "登录失败"),
    ("auth.locked", "账号锁定"),
    ("auth.logout", "退出登录"),
    ("auth.password_change", "修改密码"),
    ("auth.rate_limited", "登录频率超限"),
    ("session.revoke", "注销会话"),
    ("user.create", "创建账号"),
    ("user.reset_password", "重置密码"),
    ("user.approve", "审核通过账号"),
    ("auth.password_expired", "密码到期须修改"),
    ("user.unlock", "解除锁定"),
    ("user.disable", "停用账号"),
    ("user.enable", "启用账号"),
    ("org.create", "新建组织"),
    ("org.update", "修改组织"),
    ("org.move", "调整隶属关系"),
    ("org.dissolve", "撤销组织"),
    ("org.term_add", "登记换届"),
    ("org.officer_add", "任命委员"),
    ("org.officer_end", "免去职务"),
    ("org.switch", "切换组织"),
    ("meeting.schedule", "安排会议"),
    ("meeting.update", "修改会议安排"),
    ("meeting.cancel", "取消会议"),
    ("meeting.checkin", "扫码签到"),
    ("meeting.attendance", "代签或记缺席"),
    ("meeting.leave.request", "申请请假"),
    ("meeting.leave.decide", "审批请假"),
    ("meeting.minutes.draft", "保存会议记录草稿"),
    ("meeting.minutes.submit", "提交会议记录"),
    ("meeting.minutes.correct", "更正会议记录"),
    ("meeting.review", "审阅会议记录"),
    ("meeting.decision.publish", "向党员公开会议决定"),
    ("meeting.decision.withdraw", "撤回公开的会议决定"),
    ("meeting.file.upload", "上传会议附件"),
    ("meeting.export", "导出会议记录"),
    ("meeting.export_year", "导出全年会议记录"),
    ("meeting.feed.issue", "生成会议日历链接"),
    ("meeting.rule.set", "提高会议频次要求"),
    ("meeting.rule.clear", "恢复上级会议频次要求"),
    ("points.award", "加减积分"),
    ("points.claim", "积分申报"),
    ("points.decide", "审批积分申报"),
    ("points.item", "设置积分项目"),
    ("points.report", "生成积分通报"),
    ("points.report_export", "导出积分通报"),
    ("points.grade", "记录年度评定等次"),
    ("notice.create", "发布通知"),
    ("notice.read", "阅读通知"),
    ("notice.remind", "提醒未读通知"),
    ("disclosure.publish", "发布党务公开事项"),
    ("disclosure.withdraw", "撤回党务公开事项"),
    ("feed.post", "在党建群发言"),
    ("feed.comment", "在党建群评论"),
    ("feed.moderate", "管理党建群内容"),
    ("bot.create", "添加群机器人"),
    ("bot.update", "修改群机器人"),
    ("bot.pause", "暂停群机器人"),
    ("bot.resume", "恢复群机器人"),
    ("bot.delete", "删除群机器人"),
    ("bot.test", "发送群机器人测试消息"),
    ("bot.rate_limited", "群机器人测试消息频率超限"),
    ("access.denied", "越权访问"),
    ("auth.second_factor_challenge", "密码正确，待输入动态验证码"),
    ("auth.second_factor_failed", "动态验证码错误"),
    ("auth.second_factor_enrol", "启用两步验证"),
    ("auth.second_factor_disable", "停用两步验证"),
    ("auth.second_factor_reset", "清除两步验证"),
    ("auth.recovery_code_used", "使用恢复码"),
    ("auth.step_up", "再次验证身份"),
    ("auth.step_up_required", "需要再次验证身份"),
    ("rate.limited", "操作过于频繁被拒绝"),
    ("member.create", "登记党员"),
    ("member.update", "修改党员信息"),
    ("member.event", "登记党籍事项"),
    ("member.unmask", "查看完整号码"),
    ("member.export", "导出花名册"),
    ("member.import_check", "检查导入文件"),
    ("member.import", "导入花名册"),
    ("member.photo", "党员照片"),
    ("member.correction_request", "申请更正"),
    ("member.correction_decide", "审核更正"),
    ("user.issue", "开通党员账号"),
    ("transfer.request", "申请转接"),
    ("transfer.decide", "处理转接"),
    ("transfer.cancel", "撤销转接"),
    ("transfer.letter", "开具介绍信"),
    ("transfer.receipt", "登记回执"),
    ("audit.view", "查询审计日志"),
    ("audit.export", "导出审计日志"),
    ("audit.unmasks.view", "查阅号码查看记录"),
    ("system.bootstrap", "初始化系统"),
    ("system.backup", "备份"),
    ("system.restore", "恢复"),
    ("system.rotate_key", "轮换数据密钥"),
    ("system.demo", "生成演示数据"),
];

/// The Chinese name of an action code.
#[must_use]
pub fn action_label(code: &str) -> &str {
    ACTIONS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(code, |(_, l)| l)
}

/// Escapes a value for CSV so spreadsheet programs never run it as a formula (SEC-36) and a
/// line break cannot forge a row.
#[must_use]
pub fn csv_cell(v: &str) -> String {
    let v = crate::shared::text::one_line(v);
    let v = if v.starts_with(['=', '+', '-', '@', '\t', '\r', '\0']) {
        format!("'{v}")
    } else {
        v
    };
    if v.contains([',', '"']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sec_36_csv_cells_cannot_be_formulas() {
        assert_eq!(csv_cell("=1+1"), "'=1+1");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("x\r\n[FAKE]"), "x␤␤[FAKE]");
        assert_eq!(csv_cell("普通"), "普通");
    }

    #[test]
    fn sec_53_logins_are_masked() {
        assert_eq!(mask_login("13800138000"), "138****8000");
        assert_eq!(mask_login("dy000023"), "dy***23");
        assert_eq!(mask_login("abc"), "a***");
        assert_eq!(mask_login(""), "");
        let a = Actor {
            name: "张三".into(),
            login: "13800138000".into(),
            ..Actor::default()
        };
        assert_eq!(a.label(), "张三（138****8000）");
        assert_eq!(Actor::cli("x").label(), "命令行 x");
        assert_eq!(
            shown_actor("13800138000", "member", Some("张三")),
            "张三（138****8000）"
        );
        assert_eq!(shown_actor("13800138000", "anonymous", None), "138****8000");
        assert_eq!(
            shown_actor("张三（138****8000）", "member", Some("张三")),
            "张三（138****8000）"
        );
        assert_eq!(shown_actor("匿名", "anonymous", None), "匿名");
    }

    #[test]
    fn labels() {
        assert_eq!(action_label("auth.login"), "登录");
        assert_eq!(action_label("x.y"), "x.y");
        assert_eq!(Outcome::label_of("denied"), "拒绝");
    }
}
