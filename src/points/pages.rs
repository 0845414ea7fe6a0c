//! Pages of the points area: 我的积分, the ranking with 人均积分 per organisation, and claims with the
//! officers' queue and manual awards.

use axum::extract::{Multipart, Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::auth::extract::User;
use crate::orgs::focus::{current_org, org_param};
use crate::shared::text::{parse_date, ymd};
use crate::web::error::{AppError, AppResult};
use crate::web::extract::{DecisionForm, PathId, ValidForm};
use crate::web::layout::{PageCtx, redirect_with, render, render_form};
use crate::web::{AppState, Reg};

use super::model::RankPeriod;
use super::service::{self, Award, ClaimInput};
use super::views::{ClaimsPage, Duplicate, MinePage, RankingPage};
use crate::shared::error::DomainError;

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.get("/points", mine)
        .get("/points/ranking", ranking)
        .get("/points/claims", claims)
        .post_upload("/points/claims", 5 * 1024 * 1024 + 64 * 1024, submit_claim)
        .post("/points/claims/{id}/decision", decide)
        .get("/points/claims/{id}/evidence", evidence)
        .post("/points/award", award)
}

async fn mine(State(st): State<AppState>, u: User) -> AppResult<Response> {
    let Some(member_id) = u.scope().member_id else {
        if u.scope().has_member_area() {
            return Ok(crate::web::layout::redirect("/points/ranking"));
        }
        return Err(AppError::Forbidden);
    };
    let s = service::summary(&st.app, u.scope(), member_id).await?;
    let page = PageCtx::new(&st, &u, "我的积分", "points")
        .await?
        .crumbs(vec![("我的积分".into(), None)]);
    render(&MinePage {
        page,
        s,
        officer: u.scope().has_member_area(),
    })
}

#[derive(Deserialize)]
struct RankQuery {
    #[serde(default)]
    org: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    page: String,
}

/// For officers' pages: the 三员 are refused, members are sent to 我的积分 with `note`;
/// `None` lets the officer through.
pub(super) fn officers_only(st: &AppState, u: &User, note: &str) -> Option<AppResult<Response>> {
    if u.0.role.is_admin_triad() {
        return Some(Err(AppError::Forbidden));
    }
    (!u.scope().has_member_area()).then(|| Ok(redirect_with(st, "/points", "info", note)))
}

async fn ranking(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<RankQuery>,
) -> AppResult<Response> {
    if let Some(r) = officers_only(
        &st,
        &u,
        "积分排名由支部委员查看，您可以在“我的积分”中查看本人名次",
    ) {
        return r;
    }
    let org = org_param(&st, &u, &q.org).await?;
    let today = st.app.clock.today();
    let month = RankPeriod::Calendar(crate::meetings::model::Period::containing(
        today,
        crate::meetings::model::Granularity::Month,
    ));
    let period = RankPeriod::parse(&q.period).unwrap_or(month);
    let ranking = service::ranking(
        &st.app,
        u.scope(),
        org,
        period,
        q.page.parse().unwrap_or(1),
        service::PER_PAGE,
    )
    .await?;
    let quarter = crate::meetings::model::Period::containing(
        today,
        crate::meetings::model::Granularity::Quarter,
    );
    let y = crate::meetings::model::Period::Year(today.year());
    let periods = [
        (RankPeriod::week_of(today), "本周"),
        (month, "本月"),
        (RankPeriod::Calendar(quarter), "本季度"),
        (RankPeriod::Calendar(y), "本年"),
    ]
    .into_iter()
    .map(|(p, l)| (p.code(), l.to_owned(), p == period))
    .collect();
    let page = PageCtx::new(&st, &u, "积分排名", "points")
        .await?
        .crumbs(vec![
            ("积分".into(), Some("/points".into())),
            ("积分排名".into(), None),
        ]);
    render(&RankingPage {
        page,
        org_id: org,
        label: period.label(),
        code: period.code(),
        periods,
        ranking,
    })
}

async fn claims_page(st: &AppState, u: &User, error: Option<String>) -> AppResult<Response> {
    claims_page_with(st, u, error, None).await
}

async fn claims_page_with(
    st: &AppState,
    u: &User,
    error: Option<String>,
    duplicate: Option<Duplicate>,
) -> AppResult<Response> {
    let scope = u.scope();
    let officer = scope.has_member_area();
    let org = current_org(st, u).await?;
    let today = st.app.clock.today();
    let (queue, manual, members) = match (&org, officer) {
        (Some(o), true) => {
            let manual = service::items_in_force(&st.app, o)
                .await?
                .into_iter()
                .filter(super::model::Item::is_manual)
                .collect();
            let members =
                crate::members::service::list_in_org(&mut st.app.db.conn().await?.exec(), o.id)
                    .await?
                    .into_iter()
                    .map(|m| (m.id, m.name))
                    .collect();
            (service::queue(&st.app, scope, o.id).await?, manual, members)
        }
        _ => (Vec::new(), Vec::new(), Vec::new()),
    };
    let claimable = match (&org, scope.member_id) {
        (Some(o), Some(_)) => service::items_in_force(&st.app, o)
            .await?
            .into_iter()
            .filter(|i| i.is_manual() && i.points > 0)
            .collect(),
        _ => Vec::new(),
    };
    let mine = service::my_claims(&st.app, scope).await?;
    let page = PageCtx::new(st, u, "积分申报与审批", "points")
        .await?
        .crumbs(vec![
            ("积分".into(), Some("/points".into())),
            ("申报与审批".into(), None),
        ]);
    render_form(
        error.is_some(),
        &ClaimsPage {
            page,
            queue,
            mine,
            claimable,
            manual,
            members,
            officer,
            has_member: scope.member_id.is_some(),
            today: ymd(today),
            error,
            me: (scope.user_id, scope.member_id),
            duplicate,
        },
    )
}

async fn claims(State(st): State<AppState>, u: User) -> AppResult<Response> {
    if u.0.role.is_admin_triad() {
        return Err(AppError::Forbidden);
    }
    claims_page(&st, &u, None).await
}

async fn submit_claim(
    State(st): State<AppState>,
    u: User,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> AppResult<Response> {
    let Ok(mut mp) = mp else {
        return claims_page(&st, &u, Some("表单内容不完整，请重试".into())).await;
    };
    let (mut item, mut on, mut description, mut file) =
        (String::new(), String::new(), String::new(), None);
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => return claims_page(&st, &u, Some("文件过大或上传中断，请重试".into())).await,
        };
        match field.name().unwrap_or("") {
            "item" => item = field.text().await.unwrap_or_default(),
            "occurred_on" => on = field.text().await.unwrap_or_default(),
            "description" => description = field.text().await.unwrap_or_default(),
            "evidence" => {
                let name = field.file_name().unwrap_or("").to_owned();
                let bytes = field.bytes().await.map_err(|_| AppError::TooLarge)?;
                if !bytes.is_empty() {
                    file = Some((name, bytes.to_vec()));
                }
            }
            _ => {
                return Err(AppError::BadRequest(
                    "unexpected_field",
                    "表单包含不允许提交的字段".into(),
                ));
            }
        }
    }
    let Some(day) = parse_date(&on) else {
        return claims_page(&st, &u, Some("请填写日期".into())).await;
    };
    let kept = match &file {
        Some((_, bytes)) => match super::awards::evidence_of(bytes) {
            Ok(k) => Some(k),
            Err(m) => return claims_page(&st, &u, Some(m)).await,
        },
        None => None,
    };
    let evidence = kept.as_ref().map(|(b, ct)| (b.as_slice(), *ct));
    let input = ClaimInput {
        code: &item,
        points: None,
        occurred_on: day,
        description: &description,
        evidence,
    };
    match service::claim(&st.app, &u.actor(), u.scope(), &input).await {
        Ok(_) => Ok(redirect_with(
            &st,
            "/points/claims",
            "success",
            "申报已提交，等待支委审批",
        )),
        Err(DomainError::Invalid(m)) => claims_page(&st, &u, Some(m)).await,
        Err(e) => Err(e.into()),
    }
}

async fn decide(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ValidForm(f): ValidForm<DecisionForm>,
) -> AppResult<Response> {
    let approve = f.choice("approve", "reject")?;
    match service::decide(&st.app, &u.actor(), u.scope(), id, approve, &f.note).await {
        Ok(()) => Ok(redirect_with(
            &st,
            "/points/claims",
            "success",
            if approve {
                "已通过并计入积分"
            } else {
                "已退回申报"
            },
        )),
        Err(DomainError::Invalid(m)) => Ok(redirect_with(&st, "/points/claims", "error", &m)),
        Err(e) => Err(e.into()),
    }
}

async fn evidence(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    let (bytes, ct) = service::evidence(&st.app, u.scope(), id).await?;
    let name = if ct == "application/pdf" {
        format!("申报{id}证明材料.pdf")
    } else {
        format!("申报{id}证明材料")
    };
    Ok(crate::web::download::private(bytes, &ct, &name))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AwardForm {
    member_id: String,
    item: String,
    #[serde(default)]
    points: String,
    occurred_on: String,
    #[serde(default)]
    reason: String,
    /// Set by "仍然记分" after the duplicate warning.
    #[serde(default)]
    confirm: String,
}

async fn award(
    State(st): State<AppState>,
    u: User,
    ValidForm(f): ValidForm<AwardForm>,
) -> AppResult<Response> {
    let back = |m: &str| Ok(redirect_with(&st, "/points/claims", "error", m));
    let Ok(member_id) = f.member_id.parse::<i64>() else {
        return back("请选择党员");
    };
    if f.item.trim().is_empty() {
        return back("请选择记分项目");
    }
    let Some(day) = parse_date(&f.occurred_on) else {
        return back("请填写日期");
    };
    let points = match f.points.trim() {
        "" => None,
        p => match p.parse::<i64>() {
            Ok(p) => Some(p),
            Err(_) => return back("分值须为整数"),
        },
    };
    let a = Award {
        member_id,
        code: f.item.clone(),
        points,
        occurred_on: day,
        reason: f.reason.clone(),
    };
    if f.confirm != "1" {
        match service::recent_duplicate(&st.app, u.scope(), &a).await {
            Ok(Some(message)) => {
                let d = Duplicate {
                    message,
                    member_id: f.member_id,
                    item: f.item,
                    points: f.points,
                    occurred_on: f.occurred_on,
                    reason: f.reason,
                };
                return claims_page_with(&st, &u, None, Some(d)).await;
            }
            Ok(None) => {}
            Err(DomainError::Invalid(m)) => return back(&m),
            Err(e) => return Err(e.into()),
        }
    }
    match service::award(&st.app, &u.actor(), u.scope(), &a).await {
        Ok(service::Awarded::Posted { points, note, .. }) => {
            let msg = match note {
                Some(n) => format!("已记 {points:+} 分（{n}）"),
                None => format!("已记 {points:+} 分"),
            };
            Ok(redirect_with(&st, "/points/claims", "success", &msg))
        }
        Ok(service::Awarded::Queued { .. }) => Ok(redirect_with(
            &st,
            "/points/claims",
            "success",
            "此项目需另一名委员审批，已列入“待审批的申报”",
        )),
        Err(DomainError::Invalid(m)) => back(&m),
        Err(e) => Err(e.into()),
    }
}
