//! The web layer: shared plumbing only — state, the route registry, the outer middleware,
//! extractors, errors, layout and assets. It imports no area; areas import it. Area handlers
//! live in each area's `routes.rs` and register through [`Reg`], which records every route so
//! the permission-matrix test can fail on a route nobody listed; `crate::app::router`
//! assembles them and the layer stack.

pub mod address;
pub mod assets;
pub mod csrf;
pub mod download;
pub mod error;
pub mod extract;
pub mod layout;
mod local_target;
pub mod middleware;
pub mod net;
pub mod rate;
pub mod server;
pub mod trace;
pub mod upload;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::routing::MethodRouter;

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

impl Default for Reg {
    fn default() -> Self {
        Self::new()
    }
}

impl Reg {
    /// An empty registry.
    #[must_use]
    pub fn new() -> Self {
        Self {
            router: Router::new(),
            routes: Vec::new(),
        }
    }

    /// The router and the list of what was registered.
    pub fn finish(self) -> (Router<AppState>, Vec<RouteSpec>) {
        (self.router, self.routes)
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
