//! Pages of transfers, the printable 介绍信 with its QR code, and the public verification page.

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::auth::MemberAction;
use crate::auth::extract::User;
use crate::members::service as members;
use crate::shared::text::{parse_date, ymd};
use crate::web::error::{AppError, AppResult};
use crate::web::extract::{DecisionForm, PathId, ValidForm};
use crate::web::layout::{PageCtx, redirect_with, render, render_status};
use crate::web::{AppState, Reg};

use super::model::Kind;
use super::service::{self, LetterInput};
use super::views::{ListPage, NewPage, ShowPage, VerifyPage};
use crate::shared::error::DomainError;

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.get("/transfers", list)
        .get("/transfers/new", new_form)
        .post("/transfers", create)
        .get("/transfers/{id}", show)
        .post("/transfers/{id}/decision", decide)
        .post("/transfers/{id}/cancel", cancel)
        .post("/transfers/{id}/receipt", receipt)
        .get("/transfers/{id}/letter", super::letter_page::letter)
        .get("/transfers/{id}/qr.svg", qr)
        .get("/verify/{token}", verify)
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    all: Option<String>,
}

async fn list(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let all = q.all.as_deref() == Some("1");
    let today = st.app.clock.today();
    let items = service::list(&st.app, u.scope())
        .await?
        .into_iter()
        .filter(|t| all || t.open())
        .collect();
    let page = PageCtx::new(&st, &u, "组织关系转接", "members")
        .await?
        .crumbs(vec![("组织关系转接".into(), None)]);
    render(&ListPage {
        page,
        items,
        all,
        today,
    })
}

#[derive(Deserialize)]
struct NewQuery {
    #[serde(default)]
    member: String,
}

async fn new_page(
    st: &AppState,
    u: &User,
    member_id: i64,
    error: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let d = members::detail(&st.app, u.scope(), member_id, MemberAction::Edit).await?;
    let destinations = service::destinations(&st.app, d.member.org_id).await?;
    let today = st.app.clock.today();
    let page = PageCtx::new(st, u, "办理组织关系转接", "members")
        .await?
        .crumbs(vec![
            ("党员花名册".into(), Some("/members".into())),
            (d.member.name.clone(), Some(format!("/members/{member_id}"))),
            ("组织关系转接".into(), None),
        ]);
    let p = NewPage {
        page,
        member_id,
        member_name: d.member.name,
        org_name: d.org.name,
        destinations,
        valid_days: st.app.config.members.letter_validity_days,
        month: format!("{}-{:02}", today.year(), u8::from(today.month())),
        error,
    };
    render_status(status, &p)
}

async fn new_form(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    let id = q.member.parse::<i64>().map_err(|_| AppError::NotFound)?;
    new_page(&st, &u, id, None, StatusCode::OK).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateForm {
    member_id: String,
    kind: String,
    #[serde(default)]
    to_org_id: String,
    #[serde(default)]
    destination: String,
    #[serde(default)]
    valid_days: String,
    #[serde(default)]
    dues_paid_to: String,
    reason: String,
}

async fn create(
    State(st): State<AppState>,
    u: User,
    ValidForm(f): ValidForm<CreateForm>,
) -> AppResult<Response> {
    let member_id = f.member_id.parse::<i64>().map_err(|_| AppError::NotFound)?;
    let result = match Kind::from_code(&f.kind) {
        Some(Kind::Internal) => {
            let to = f.to_org_id.parse::<i64>().unwrap_or(0);
            service::request_internal(&st.app, &u.actor(), u.scope(), member_id, to, &f.reason)
                .await
        }
        Some(Kind::Outgoing) => {
            let input = LetterInput {
                destination: f.destination.clone(),
                valid_days: f.valid_days.trim().parse().unwrap_or(0),
                dues_paid_to: f.dues_paid_to.clone(),
                reason: f.reason.clone(),
            };
            service::issue_letter(&st.app, &u.actor(), u.scope(), member_id, &input).await
        }
        _ => Err(DomainError::Invalid("请选择转接方式".into())),
    };
    match result {
        Ok(id) => Ok(redirect_with(
            &st,
            &format!("/transfers/{id}"),
            "success",
            "已提交",
        )),
        Err(DomainError::Invalid(m)) => {
            new_page(
                &st,
                &u,
                member_id,
                Some(m),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn show(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    let t = service::get(&st.app, u.scope(), id).await?;
    let (sending, receiving) = service::sides(u.scope(), &t);
    let today = st.app.clock.today();
    let overdue = t.overdue(today);
    let page = PageCtx::new(&st, &u, "转接详情", "members")
        .await?
        .crumbs(vec![
            ("组织关系转接".into(), Some("/transfers".into())),
            (t.member_name.clone(), None),
        ]);
    render(&ShowPage {
        page,
        t,
        sending,
        receiving,
        today: ymd(today),
        overdue,
    })
}

fn back(st: &AppState, id: i64, r: Result<(), DomainError>, ok: &str) -> AppResult<Response> {
    let to = format!("/transfers/{id}");
    match r {
        Ok(()) => Ok(redirect_with(st, &to, "success", ok)),
        Err(DomainError::Invalid(m)) => Ok(redirect_with(st, &to, "error", &m)),
        Err(e) => Err(e.into()),
    }
}

async fn decide(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ValidForm(f): ValidForm<DecisionForm>,
) -> AppResult<Response> {
    let accept = f.choice("accept", "reject")?;
    let r = service::decide(&st.app, &u.actor(), u.scope(), id, accept, &f.note).await;
    back(
        &st,
        id,
        r,
        if accept {
            "已接收，党员组织关系已转入"
        } else {
            "已退回"
        },
    )
}

async fn cancel(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    let r = service::cancel(&st.app, &u.actor(), u.scope(), id).await;
    back(&st, id, r, "已撤销")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReceiptForm {
    receipt_on: String,
}

async fn receipt(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ValidForm(f): ValidForm<ReceiptForm>,
) -> AppResult<Response> {
    let r = match parse_date(&f.receipt_on) {
        Some(d) => service::record_receipt(&st.app, &u.actor(), u.scope(), id, d).await,
        None => Err(DomainError::Invalid("请填写回执日期".into())),
    };
    back(&st, id, r, "已登记回执，该党员已转出")
}

/// The letter's check address, absolute like every printed address (`web::address`): a QR code
/// with a bare path cannot be opened by the receiving side's phone.
pub(super) fn verify_url(st: &AppState, r: &crate::web::extract::ReqCtx, token: &str) -> String {
    format!("{}/verify/{token}", crate::web::address::base_url(st, r))
}

async fn qr(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    let t = service::get(&st.app, u.scope(), id).await?;
    let token = t.verify_token.ok_or(AppError::NotFound)?;
    let svg = crate::shared::qr::svg(&verify_url(&st, &u.1, &token)).ok_or(AppError::NotFound)?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

/// `GET /verify/{token}`: public, shows only what the letter shows (numbers masked).
async fn verify(State(st): State<AppState>, Path(token): Path<String>) -> AppResult<Response> {
    let t = service::verify(&st.app, &token).await?;
    let Some(t) = t else {
        let page = VerifyPage {
            t: None,
            id_masked: String::new(),
            valid: false,
            v: crate::web::assets::version(),
        };
        return render_status(StatusCode::NOT_FOUND, &page);
    };
    let (m, _) = crate::members::service::get_unscoped(
        &mut st.app.db.conn().await?.exec(),
        &st.app.keys,
        t.member_id,
    )
    .await?;
    let today = st.app.clock.today();
    let valid = t.status == "issued" && t.expires_on.is_some_and(|e| e >= today);
    render(&VerifyPage {
        id_masked: m.id_masked(),
        t: Some(t),
        valid,
        v: crate::web::assets::version(),
    })
}
