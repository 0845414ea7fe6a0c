//! Access log: one `tracing` span per request, made by `tower_http`'s `TraceLayer`, carrying
//! the request id that the `x-request-id` header, the error pages and the audit rows show, so
//! one id finds a request in all of them (CSL-21 asks for network logs).
//!
//! Only the method, the route, the status and the latency are written. Query strings carry
//! check-in codes and `next` targets, a calendar feed's path carries its token, and cookies and
//! bodies carry sessions and personal data (SEC-11, SEC-25): none of them reaches the log.

use std::time::Duration;

use axum::extract::{MatchedPath, Request};
use axum::http;
use axum::middleware::Next;
use axum::response::Response;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{DefaultOnFailure, MakeSpan, OnResponse, TraceLayer};
use tracing::Span;

/// The id of one request. It is assigned before the access log's span opens, so the span can
/// carry it; `outer` reads it from here instead of making its own.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Gives the request its id. It runs outside the access log.
pub async fn assign_id(mut req: Request, next: Next) -> Response {
    req.extensions_mut()
        .insert(RequestId(crate::shared::token::request_id()));
    next.run(req).await
}

/// Opens the request's span.
#[derive(Debug, Clone, Copy, Default)]
pub struct AccessSpan;

impl<B> MakeSpan<B> for AccessSpan {
    fn make_span(&mut self, req: &http::Request<B>) -> Span {
        let request_id = req
            .extensions()
            .get::<RequestId>()
            .map_or("", |r| r.0.as_str());
        // The route as registered (`/calendar/{token}`), so a token in a path is not written;
        // a request no route matched logs its path, which no secret belongs to.
        let path = req
            .extensions()
            .get::<MatchedPath>()
            .map_or_else(|| req.uri().path(), MatchedPath::as_str);
        tracing::info_span!(
            "request",
            method = %req.method(),
            // A URI path is percent-encoded ASCII, so it cannot break a log line.
            path = %path,
            request_id = %request_id,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        )
    }
}

/// Records the status and the latency on the span and writes the access line.
#[derive(Debug, Clone, Copy, Default)]
pub struct AccessLine;

impl<B> OnResponse<B> for AccessLine {
    fn on_response(self, res: &http::Response<B>, latency: Duration, span: &Span) {
        span.record("status", res.status().as_u16());
        span.record(
            "latency_ms",
            u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
        );
        tracing::info!("finished");
    }
}

/// The access-log layer: no line when a request starts or for body chunks, one when its
/// response is ready, and an error line for a 5xx.
pub type AccessLog = TraceLayer<
    SharedClassifier<ServerErrorsAsFailures>,
    AccessSpan,
    (),
    AccessLine,
    (),
    (),
    DefaultOnFailure,
>;

/// Builds the access-log layer.
#[must_use]
pub fn access_log() -> AccessLog {
    TraceLayer::new_for_http()
        .make_span_with(AccessSpan)
        .on_request(())
        .on_response(AccessLine)
        .on_body_chunk(())
        .on_eos(())
}
