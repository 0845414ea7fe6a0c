//! Audit row types and the labels the viewer shows. No IO.

use serde::Serialize;
use time::OffsetDateTime;

/// Who acted, and from where. Built by the web layer (or the CLI) for each request.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    /// Account id, `None` for anonymous requests and the command line.
    pub user_id: Option<i64>,
    /// Username as shown in the log (never a password or personal number).
    pub name: String,
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
            role: "cli".into(),
            ip: "local".into(),
            session_tag: String::new(),
            request_id: crate::shared::token::request_id(),
        }
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
    ("access.denied", "越权访问"),
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
    ("system.bootstrap", "初始化系统"),
    ("system.backup", "备份"),
    ("system.restore", "恢复"),
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
    fn labels() {
        assert_eq!(action_label("auth.login"), "登录");
        assert_eq!(action_label("x.y"), "x.y");
        assert_eq!(Outcome::label_of("denied"), "拒绝");
    }
}
