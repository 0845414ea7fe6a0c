//! Routes about the service itself: health, readiness, assets and the `OpenAPI` document.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use super::{AppState, Reg};

/// The `OpenAPI` description of `/api/v1`, kept beside the handlers it describes.
pub const OPENAPI: &str = include_str!("openapi.json");

pub(super) fn routes(r: Reg) -> Reg {
    r.get("/healthz", healthz)
        .get("/readyz", readyz)
        .get("/assets/{file}", super::assets::serve)
        .get("/api/v1/openapi.json", openapi)
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

async fn openapi() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
}
