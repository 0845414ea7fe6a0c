//! How audit rows read to a person: object types, roles and organisations in words, the
//! object by its current name ("党员 张三", not "member #4"), and the acting account by the name
//! it was recorded with (the masked login stays in the stored row for the chain).

use std::collections::HashMap;

use crate::auth::Role;
use crate::db::{Db, StoreResult};

use super::model::AuditRow;
use super::names_store;

/// Chinese name of an object type.
#[must_use]
pub fn object_type_label(t: &str) -> &'static str {
    match t {
        "member" => "党员",
        "user" => "账号",
        "org" => "组织",
        "meeting" => "会议",
        "notice" => "通知",
        "transfer" => "组织关系转接",
        "session" => "会话",
        "system" => "系统",
        "bot" => "群机器人",
        "feed_post" => "党建群动态",
        "roster" => "花名册",
        "disclosure" => "公开栏",
        "key" => "密钥",
        "ip" => "访问地址",
        "audit_log" => "审计日志",
        "" => "",
        _ => "其他",
    }
}

/// Chinese name of the role an action was taken in.
#[must_use]
pub fn role_label(code: &str) -> String {
    Role::from_code(code).map_or_else(
        || match code {
            "cli" => "命令行".into(),
            "demo" => "演示数据".into(),
            _ => "未登录".into(),
        },
        |r| r.label().to_owned(),
    )
}

/// The acting account as a person reads it: for an account, its name without the masked login
/// kept beside it in the row; without one (a failed sign-in with an unknown login), the row as
/// recorded, since the masked login typed is all there is to go on.
#[must_use]
pub fn person(r: &AuditRow) -> String {
    let shown = super::model::shown_actor(&r.actor_name, &r.actor_role, r.account_name.as_deref());
    if r.actor_id.is_none() {
        return shown;
    }
    match shown.split_once('（') {
        Some((name, _)) if !name.is_empty() => name.to_owned(),
        _ => shown,
    }
}

/// Current names of the objects a set of rows points at, keyed by (type, id).
#[derive(Debug, Default)]
pub struct Names(HashMap<(String, i64), String>);

impl Names {
    /// Looks up every named object of `rows`.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn of(db: &Db, rows: &[AuditRow]) -> StoreResult<Self> {
        let mut wanted: HashMap<&str, Vec<i64>> = HashMap::new();
        for r in rows {
            if let Ok(id) = r.object_id.parse::<i64>() {
                wanted.entry(r.object_type.as_str()).or_default().push(id);
            }
            if let Some(o) = r.org_id {
                wanted.entry("org").or_default().push(o);
            }
        }
        let mut conn = db.conn().await?;
        let mut out = HashMap::new();
        for (t, mut ids) in wanted {
            ids.sort_unstable();
            ids.dedup();
            for chunk in ids.chunks(500) {
                for (id, name) in names_store::names(&mut conn.exec(), t, chunk).await? {
                    out.insert((t.to_owned(), id), name);
                }
            }
        }
        Ok(Self(out))
    }

    /// "党员 张三", "会议 十一月支部党员大会", or "党员（编号 4，已删除）" when the record is
    /// gone; the type alone for rows without an object.
    #[must_use]
    pub fn object(&self, r: &AuditRow) -> String {
        let label = object_type_label(&r.object_type);
        if r.object_id.is_empty() {
            return label.to_owned();
        }
        let Ok(id) = r.object_id.parse::<i64>() else {
            return format!("{label} {}", r.object_id);
        };
        match self.0.get(&(r.object_type.clone(), id)) {
            Some(name) => format!("{label} {name}"),
            None if names_known(&r.object_type) => format!("{label}（编号 {id}，已删除）"),
            None => format!("{label}（编号 {id}）"),
        }
    }

    /// [`Self::object`] with the id kept beside the name, for the export: a record renamed
    /// since, or two people of one name, stay told apart.
    #[must_use]
    pub fn object_with_id(&self, r: &AuditRow) -> String {
        let shown = self.object(r);
        match r.object_id.parse::<i64>() {
            Ok(id) if !shown.contains("编号") => format!("{shown}（编号 {id}）"),
            _ => shown,
        }
    }

    /// The organisation's name, or empty.
    #[must_use]
    pub fn org(&self, r: &AuditRow) -> String {
        r.org_id
            .and_then(|o| self.0.get(&("org".to_owned(), o)).cloned())
            .unwrap_or_default()
    }
}

fn names_known(t: &str) -> bool {
    matches!(t, "member" | "user" | "org" | "meeting" | "notice" | "bot")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(actor_id: Option<i64>, name: &str) -> AuditRow {
        AuditRow {
            id: 1,
            at: time::OffsetDateTime::UNIX_EPOCH,
            actor_id,
            actor_name: name.into(),
            actor_role: "member".into(),
            ip: String::new(),
            session_tag: String::new(),
            request_id: String::new(),
            action: "auth.login".into(),
            object_type: "user".into(),
            object_id: "3".into(),
            org_id: None,
            result: "success".into(),
            detail: String::new(),
            account_name: None,
        }
    }

    #[test]
    fn the_actor_reads_as_a_name() {
        assert_eq!(person(&row(Some(3), "张三（138****8000）")), "张三");
        assert_eq!(person(&row(None, "未知账号（ab***）")), "未知账号（ab***）");
        let r = row(Some(3), "张三（138****8000）");
        assert_eq!(Names::default().object(&r), "账号（编号 3，已删除）");
    }

    #[test]
    fn codes_read_as_words() {
        assert_eq!(object_type_label("member"), "党员");
        assert_eq!(role_label("org_admin"), "组织管理员");
        assert_eq!(role_label("cli"), "命令行");
    }
}
