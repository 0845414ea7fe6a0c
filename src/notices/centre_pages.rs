//! Pages of the notification centre: the list behind the bell, opening a line (which marks it
//! read and goes where it points), and marking everything read.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use crate::auth::extract::User;
use crate::web::error::{AppError, AppResult};
use crate::web::extract::PathId;
use crate::web::layout::{PageCtx, redirect, redirect_with, render};
use crate::web::{AppState, Reg};

use super::centre_store::{self as centre, Notification};

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.get("/notifications", list)
        .post("/notifications/read-all", read_all)
        .get("/notifications/{id}", open)
}

#[derive(Template)]
#[template(path = "notices/centre.html")]
struct CentrePage {
    page: PageCtx,
    lines: Vec<Notification>,
}

async fn list(State(st): State<AppState>, u: User) -> AppResult<Response> {
    let lines = centre::latest(&mut st.app.db.conn().await?.exec(), u.0.user_id, 100).await?;
    let page = PageCtx::new(&st, &u, "消息", "notifications")
        .await?
        .crumbs(vec![("消息".into(), None)]);
    render(&CentrePage { page, lines })
}

async fn open(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    let now = st.app.now();
    let link = centre::open(&mut st.app.db.conn().await?.exec(), u.0.user_id, id, now)
        .await?
        .ok_or(AppError::NotFound)?;
    // Links are written by Zhibu itself; still, only a local path is followed (SEC-38).
    Ok(redirect(&crate::web::layout::safe_next(Some(&link))))
}

async fn read_all(State(st): State<AppState>, u: User) -> AppResult<Response> {
    let n = centre::read_all(
        &mut st.app.db.conn().await?.exec(),
        u.0.user_id,
        st.app.now(),
    )
    .await?;
    Ok(redirect_with(
        &st,
        "/notifications",
        "success",
        &format!("已将 {n} 条消息标为已读"),
    ))
}
