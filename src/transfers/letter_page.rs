//! The printed 党员组织关系介绍信 in the standard form (组通字〔2006〕45号 style): the member's
//! facts with age and the full 公民身份号码 for the issuing officers (a fresh confirmation and
//! an audited unmask; anyone else sees it masked), "由…转到…，请接洽", the issuing
//! committee's seal line, and the 回执 stub to be cut off and returned.

use axum::extract::State;
use axum::response::Response;

use crate::auth::MemberAction;
use crate::auth::extract::User;
use crate::members::service as members;
use crate::orgs::model::Org;
use crate::web::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::extract::PathId;
use crate::web::layout::{PageCtx, render};

use super::model::Kind;
use super::service;
use super::views::LetterPage;

/// The committee whose seal the letter carries: the nearest 党委 or 党工委 above the sending
/// organisation (itself, when it is one), else the sending organisation.
async fn issuing_committee(st: &AppState, from: Option<i64>) -> AppResult<Option<Org>> {
    let Some(mut id) = from else { return Ok(None) };
    let mut conn = st.app.db.conn().await?;
    let first = crate::orgs::service::get_unscoped(&mut conn.exec(), id).await?;
    let mut o = first.clone();
    for _ in 0..16 {
        if o.kind().is_committee() {
            return Ok(Some(o));
        }
        let Some(p) = o.parent_id else { break };
        id = p;
        o = crate::orgs::service::get_unscoped(&mut conn.exec(), id).await?;
    }
    Ok(Some(first))
}

pub(super) async fn letter(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
) -> AppResult<Response> {
    let t = service::get(&st.app, u.scope(), id).await?;
    if t.kind() != Kind::Outgoing {
        return Err(AppError::NotFound);
    }
    // The full number is printed for those who issue the letter, as an audited unmask.
    let (sending, _) = service::sides(u.scope(), &t);
    let (member, id_number) = if sending {
        u.require_recent_auth(&st).await?;
        let d = members::unmask(&st.app, &u.actor(), u.scope(), t.member_id).await?;
        let full = d.member.id_number.clone();
        (d.member, full)
    } else {
        let d = members::detail(&st.app, u.scope(), t.member_id, MemberAction::View).await?;
        let masked = d.member.id_masked();
        (d.member, masked)
    };
    let seal = issuing_committee(&st, t.from_org_id)
        .await?
        .map_or_else(|| t.origin(), |o| o.name);
    let seal = if seal.starts_with("中共") {
        seal
    } else {
        format!("中共{seal}")
    };
    let url = super::routes::verify_url(&st, &u.1, t.verify_token.as_deref().unwrap_or(""));
    let page = PageCtx::new(&st, &u, "介绍信", "members").await?;
    render(&LetterPage {
        page,
        age: member.age(st.app.clock.today()),
        t,
        member,
        id_number,
        seal,
        verify_url: url,
    })
}
