//! Routes about the service itself: health, readiness, assets, the `OpenAPI` document and
//! its reference page. They sit above the web layer because the document is `api_doc`'s.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use crate::web::{AppState, Reg};

/// The operation that serves the document itself.
#[derive(utoipa::OpenApi)]
#[openapi(paths(openapi))]
pub struct Doc;

pub(crate) fn routes(r: Reg) -> Reg {
    r.get("/healthz", healthz)
        .get("/readyz", readyz)
        .get("/assets/{file}", crate::web::assets::serve)
        .get("/api/v1/openapi.json", openapi)
        .get("/api/docs", reference)
}

/// `GET /healthz`: the process is up.
async fn healthz() -> impl IntoResponse {
    (StatusCode::OK, Json(serde_json::json!({"status": "ok"})))
}

/// `GET /readyz`: the database answers.
async fn readyz(State(st): State<AppState>) -> impl IntoResponse {
    if st.app.db.ping().await {
        (StatusCode::OK, Json(serde_json::json!({"status": "ready"})))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({"status": "database_unreachable"})),
        )
    }
}

/// `GET /api/v1/openapi.json`: generated from the handlers (`crate::api_doc`).
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = crate::api_doc::tags::META,
    summary = "本接口文档（OpenAPI 3.1）", security(()),
    responses((status = 200, description = "OpenAPI 文档", content_type = "application/json",
        body = Object)))]
async fn openapi() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        crate::api_doc::document(),
    )
}

/// `GET /api/docs`: the reference page, readable without a network connection.
async fn reference() -> impl IntoResponse {
    axum::response::Html(crate::api_doc::page::html())
}
