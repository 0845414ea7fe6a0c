//! The audit log viewer and export for the 审计管理员 (SEC-29). The viewer's own queries and
//! exports are audited too.

use axum::extract::{Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use time::{Duration, PrimitiveDateTime, Time};

use crate::auth::extract::User;
use crate::auth::scope::Capability;
use crate::shared::clock::CHINA;
use crate::shared::text::{datetime_secs, parse_date};
use crate::web::error::{AppError, AppResult};
use crate::web::layout::{PageCtx, render};
use crate::web::{AppState, Reg};

use super::model::{ACTIONS, AuditEvent, Outcome, action_label, csv_cell};
use super::names::{Names, person, role_label};
use super::store::AuditFilter;
use super::views::{AuditPage, Row};

const PAGE_SIZE: i64 = 50;
const EXPORT_MAX: i64 = 100_000;

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.get("/audit", list).get("/audit/export", export)
}

/// Filter values as they appear in the URL.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct AuditQuery {
    /// From date.
    #[serde(default)]
    pub from: String,
    /// To date (inclusive).
    #[serde(default)]
    pub to: String,
    /// Username contains.
    #[serde(default)]
    pub actor: String,
    /// Action prefix.
    #[serde(default)]
    pub action: String,
    /// Result code.
    #[serde(default)]
    pub result: String,
    /// Address.
    #[serde(default)]
    pub ip: String,
    /// Page.
    #[serde(default, skip_serializing)]
    pub page: Option<String>,
}

fn filter_of(q: &AuditQuery) -> AuditFilter {
    let day_start = |s: &str| {
        parse_date(s).map(|d| PrimitiveDateTime::new(d, Time::MIDNIGHT).assume_offset(CHINA))
    };
    let non_empty = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    AuditFilter {
        from: day_start(&q.from),
        to: day_start(&q.to).map(|t| t + Duration::days(1)),
        actor: non_empty(&q.actor),
        action: non_empty(&q.action),
        result: non_empty(&q.result)
            .filter(|r| matches!(r.as_str(), "success" | "failure" | "denied")),
        ip: non_empty(&q.ip),
    }
}

fn require(u: &User) -> AppResult<()> {
    if u.scope().can(Capability::ReadAudit) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

async fn audit_self(
    st: &AppState,
    u: &User,
    action: &'static str,
    detail: String,
) -> AppResult<()> {
    let ev = AuditEvent::success(action, "audit_log", "").detail(detail);
    crate::audit::record_alone(&st.app.db, &u.actor(), st.app.now(), ev).await?;
    Ok(())
}

async fn list(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<AuditQuery>,
) -> AppResult<Response> {
    require(&u)?;
    let f = filter_of(&q);
    let page_no = q
        .page
        .as_deref()
        .and_then(|p| p.parse::<i64>().ok())
        .unwrap_or(1)
        .max(1);
    let super::service::LogPage {
        total,
        page_no,
        pages,
        rows,
        chain,
    } = super::service::page(&st.app, u.scope(), &f, page_no, PAGE_SIZE).await?;
    audit_self(&st, &u, "audit.view", format!("条件命中 {total} 条")).await?;
    let names = Names::of(&st.app.db, &rows).await?;
    let rows = rows
        .into_iter()
        .map(|r| Row {
            id: r.id,
            at: datetime_secs(r.at),
            role: role_label(&r.actor_role),
            actor: person(&r),
            ip: r.ip.clone(),
            action: action_label(&r.action).to_owned(),
            object: names.object(&r),
            org: names.org(&r),
            result: Outcome::label_of(&r.result),
            result_code: r.result,
            detail: r.detail,
            request_id: r.request_id,
        })
        .collect();
    let qs = serde_urlencoded::to_string(&q).unwrap_or_default();
    let page = PageCtx::new(&st, &u, "审计日志", "audit")
        .await?
        .crumbs(vec![("审计日志".into(), None)]);
    render(&AuditPage {
        page,
        rows,
        total,
        q,
        page_no,
        pages,
        qs,
        actions: ACTIONS,
        chain_ok: chain.is_intact(),
        chain: chain.message(),
    })
}

async fn export(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<AuditQuery>,
) -> AppResult<Response> {
    crate::limits::account(&st, &u, crate::limits::Kind::Export).await?;
    require(&u)?;
    u.require_recent_auth(&st).await?;
    let f = filter_of(&q);
    let rows = super::service::export(&st.app, u.scope(), &f, EXPORT_MAX).await?;
    audit_self(&st, &u, "audit.export", format!("导出 {} 条", rows.len())).await?;
    let names = Names::of(&st.app.db, &rows).await?;
    let mut out =
        String::from("\u{feff}序号,时间,用户,角色,地址,操作,对象,组织,结果,说明,请求编号\r\n");
    for r in &rows {
        let cells = [
            r.id.to_string(),
            datetime_secs(r.at),
            person(r),
            r.actor_id.map(|i| i.to_string()).unwrap_or_default(),
            role_label(&r.actor_role),
            r.ip.clone(),
            action_label(&r.action).to_owned(),
            names.object_with_id(r),
            names.org(r),
            Outcome::label_of(&r.result).to_owned(),
            r.detail.clone(),
            r.request_id.clone(),
        ];
        out.push_str(
            &cells
                .iter()
                .map(|c| csv_cell(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    let name = format!(
        "audit-{}.csv",
        crate::shared::text::ymd(st.app.clock.today())
    );
    Ok(crate::web::download::private(
        out.into_bytes(),
        "text/csv; charset=utf-8",
        &name,
    ))
}
