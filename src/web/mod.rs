//! The web layer: router, state, middleware, extractors, layout and assets. Area handlers live
//! in each area's `routes.rs`; they register here through [`Reg`], which records every route so
//! the permission-matrix test can fail on a route nobody listed.

pub mod assets;
mod csrf;
pub mod download;
pub mod error;
pub mod extract;
pub mod layout;
mod local_target;
pub mod meta;
pub mod middleware;
pub mod nav;
pub mod net;
pub mod rate;
pub mod server;
pub mod trace;
pub mod upload;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::routing::MethodRouter;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;

use crate::app::App;
use net::Cidr;
use rate::LoginLimiter;

pub use error::{AppError, AppResult};

/// State shared by all handlers. Cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<StateInner>);

/// What the state holds.
pub struct StateInner {
    /// The application core.
    pub app: Arc<App>,
    /// Login throttling per address.
    pub limiter: LoginLimiter,
    /// Parsed trusted proxies.
    pub trusted: Vec<Cidr>,
}

impl std::ops::Deref for AppState {
    type Target = StateInner;
    fn deref(&self) -> &StateInner {
        &self.0
    }
}

impl AppState {
    /// Wraps the core for the web server.
    #[must_use]
    pub fn new(app: Arc<App>) -> Self {
        let a = &app.config.auth;
        let limiter = LoginLimiter::new(a.login_per_ip_per_minute, a.login_per_ip_per_hour);
        let trusted = app
            .config
            .server
            .trusted_proxies
            .iter()
            .filter_map(|c| Cidr::parse(c))
            .collect();
        Self(Arc::new(StateInner {
            app,
            limiter,
            trusted,
        }))
    }
}

/// A registered route: method and path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSpec {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// Path template, e.g. `/orgs/{id}`.
    pub path: &'static str,
}

/// Collects routes and remembers them.
pub struct Reg {
    router: Router<AppState>,
    routes: Vec<RouteSpec>,
}

impl Reg {
    fn new() -> Self {
        Self {
            router: Router::new(),
            routes: Vec::new(),
        }
    }

    fn add(mut self, method: &'static str, path: &'static str, mr: MethodRouter<AppState>) -> Self {
        self.routes.push(RouteSpec { method, path });
        self.router = self.router.route(path, mr);
        self
    }

    /// Adds a GET route.
    #[must_use]
    pub fn get<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Self {
        self.add("GET", path, axum::routing::get(h))
    }

    /// Adds a POST route.
    #[must_use]
    pub fn post<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Self {
        self.add("POST", path, axum::routing::post(h))
    }

    /// Adds a PATCH route.
    #[must_use]
    pub fn patch<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Self {
        self.add("PATCH", path, axum::routing::patch(h))
    }

    /// Adds a PUT route.
    #[must_use]
    pub fn put<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Self {
        self.add("PUT", path, axum::routing::put(h))
    }

    /// Adds a POST route for file uploads, with its own (larger) body limit.
    #[must_use]
    pub fn post_upload<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        limit_bytes: usize,
        h: H,
    ) -> Self {
        self.add(
            "POST",
            path,
            axum::routing::post(h).layer(DefaultBodyLimit::max(limit_bytes)),
        )
    }
}

/// Builds the whole application and the list of its routes.
pub fn build(state: AppState) -> (Router, Vec<RouteSpec>) {
    let reg = Reg::new();
    let reg = meta::routes(reg);
    let reg = crate::auth::routes::routes(reg);
    let reg = crate::orgs::routes::routes(reg);
    let reg = crate::orgs::api::routes(reg);
    let reg = crate::members::routes::routes(reg);
    let reg = crate::members::api::routes(reg);
    let reg = crate::members::xlsx_routes::routes(reg);
    let reg = crate::members::stats_routes::routes(reg);
    let reg = crate::members::accounts_routes::routes(reg);
    let reg = crate::members::corrections_routes::routes(reg);
    let reg = crate::members::photo_routes::routes(reg);
    let reg = crate::transfers::routes::routes(reg);
    let reg = crate::transfers::api::routes(reg);
    let reg = crate::meetings::routes::routes(reg);
    let reg = crate::meetings::api::routes(reg);
    let reg = crate::points::routes(reg);
    let reg = crate::points::api::routes(reg);
    let reg = crate::notices::routes(reg);
    let reg = crate::notices::api::routes(reg);
    let reg = crate::feed::routes(reg);
    let reg = crate::feed::api::routes(reg);
    let reg = crate::bots::routes(reg);
    let reg = crate::bots::api::routes(reg);
    let reg = crate::audit::routes::routes(reg);
    let reg = crate::jobs::routes(reg);
    let Reg { router, routes } = reg;
    let limit = state.app.config.server.body_limit_kib as usize * 1024;
    let timeout = Duration::from_secs(u64::from(state.app.config.server.request_timeout_secs));
    let router = router
        .fallback(|| async { AppError::NotFound })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::auth,
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
    (router, routes)
}
