//! 待办: what waits for the officers of the organisation in focus, gathered from the areas
//! through their services. Each line is a count and a link to where the work is done; the
//! home page shows the lines that are not empty.

use crate::app::App;
use crate::auth::Scope;
use crate::orgs::model::Org;
use crate::shared::error::DomainError;

/// One kind of work waiting.
pub struct Todo {
    /// What it is, in Chinese.
    pub label: &'static str,
    /// How many.
    pub count: i64,
    /// Where to do it.
    pub link: String,
}

/// The work waiting in `org`'s subtree for a caller who runs it; empty for members and for
/// organisations the caller only reads.
///
/// # Errors
/// Storage failures.
pub async fn for_officer(app: &App, scope: &Scope, org: &Org) -> Result<Vec<Todo>, DomainError> {
    if !scope.has_member_area() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    let (leave, record) = crate::meetings::waiting::waiting(app, scope, org).await?;
    if let Some(w) = leave {
        out.push(Todo {
            label: "请假申请待审批",
            count: w.count,
            link: w.link,
        });
    }
    // The caller's own claims wait for another officer: not theirs to do.
    let claims = crate::points::service::queue(app, scope, org.id)
        .await?
        .into_iter()
        .filter(|c| Some(c.member_id) != scope.member_id)
        .count();
    if claims > 0 {
        out.push(Todo {
            label: "积分申报待审核",
            count: i64::try_from(claims).unwrap_or(i64::MAX),
            link: "/points/claims".into(),
        });
    }
    if let Ok(visible) = scope.visible_within(org) {
        let corrections = crate::members::corrections::pending_under(
            &mut app.db.conn().await?.exec(),
            &app.keys,
            &visible,
        )
        .await?
        .into_iter()
        .filter(|c| Some(c.member_id) != scope.member_id)
        .count();
        if corrections > 0 {
            out.push(Todo {
                label: "信息更正待处理",
                count: i64::try_from(corrections).unwrap_or(i64::MAX),
                link: "/members/corrections".into(),
            });
        }
    }
    let incoming = crate::transfers::service::list(app, scope)
        .await?
        .into_iter()
        .filter(|t| {
            t.status == "requested"
                && t.to_path
                    .as_deref()
                    .is_some_and(|p| p.starts_with(&org.path))
        })
        .count();
    if incoming > 0 {
        out.push(Todo {
            label: "转入组织关系待接收",
            count: i64::try_from(incoming).unwrap_or(i64::MAX),
            link: "/transfers".into(),
        });
    }
    if let Some((n, id)) = crate::notices::sending::overdue_receipts(app, scope, org).await? {
        out.push(Todo {
            label: "通知回执逾期未读",
            count: n,
            link: format!("/notices/{id}/receipts"),
        });
    }
    if let Some(w) = record {
        out.push(Todo {
            label: "会议已结束待填写记录",
            count: w.count,
            link: w.link,
        });
    }
    Ok(out)
}
