//! The whole web application, assembled above the areas: every area's routes (through
//! [`Reg`]) and the layer stack around them. This is the one place that knows every area;
//! `web` imports none of them.

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;

use crate::web::{AppError, AppState, Reg, RouteSpec, middleware, trace};

/// Builds the whole application and the list of its routes.
pub fn build(state: AppState) -> (Router, Vec<RouteSpec>) {
    let reg = Reg::new();
    let reg = super::meta::routes(reg);
    let reg = super::home::routes(reg);
    let reg = crate::auth::routes::routes(reg);
    let reg = crate::orgs::routes::routes(reg);
    let reg = crate::orgs::api::routes(reg);
    let reg = crate::members::routes::routes(reg);
    let reg = crate::members::api::routes(reg);
    let reg = crate::members::xlsx_routes::routes(reg);
    let reg = crate::members::stats_routes::routes(reg);
    let reg = crate::members::accounts_routes::routes(reg);
    let reg = crate::members::corrections_routes::routes(reg);
    let reg = crate::members::unmasks::routes(reg);
    let reg = crate::members::photo_routes::routes(reg);
    let reg = crate::transfers::routes::routes(reg);
    let reg = crate::transfers::api::routes(reg);
    let reg = crate::meetings::routes::routes(reg);
    let reg = crate::meetings::api::routes(reg);
    let reg = crate::points::routes(reg);
    let reg = crate::points::api::routes(reg);
    let reg = crate::points::grade_api::routes(reg);
    let reg = crate::notices::routes(reg);
    let reg = crate::notices::api::routes(reg);
    let reg = crate::feed::routes(reg);
    let reg = crate::feed::api::routes(reg);
    let reg = crate::bots::routes(reg);
    let reg = crate::bots::api::routes(reg);
    let reg = crate::audit::routes::routes(reg);
    let reg = crate::jobs::routes(reg);
    let (router, listed) = reg.finish();
    let limit = state.app.config.server.body_limit_kib as usize * 1024;
    let timeout = Duration::from_secs(u64::from(state.app.config.server.request_timeout_secs));
    let router = router
        .fallback(|| async { AppError::NotFound })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::auth::middleware::auth,
        ))
        .layer(DefaultBodyLimit::max(limit))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(CatchPanicLayer::new())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::outer,
        ))
        // The access log sees the response as the client gets it; the id it carries is
        // assigned just outside it.
        .layer(trace::access_log())
        .layer(axum::middleware::from_fn(trace::assign_id))
        .with_state(state);
    (router, listed)
}
