//! The `OpenAPI` document of `/api/v1`, generated from the handlers and their reply types
//! instead of being written by hand, so that it cannot drift from what the server answers.
//! Each area's `api.rs` carries `#[utoipa::path]` on its handlers and an `OpenApi` struct
//! listing them; [`document`] merges those into one document with the shared error body and
//! the two ways to authenticate. To add a route: annotate the handler, give every status it
//! answers a body type, list it in its area's `Doc`, and the contract test
//! (`tests/it/api_contract.rs`) will demand a call of it.

pub mod page;

use std::sync::OnceLock;

use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// Tag names, shared by the areas so the reference page groups operations the same way.
pub mod tags {
    /// Sign-in and the current account.
    pub const AUTH: &str = "认证";
    /// Organisations.
    pub const ORGS: &str = "组织";
    /// Members.
    pub const MEMBERS: &str = "党员";
    /// Transfers of membership.
    pub const TRANSFERS: &str = "组织关系转接";
    /// Meetings and compliance.
    pub const MEETINGS: &str = "组织生活";
    /// Points.
    pub const POINTS: &str = "积分";
    /// Notices.
    pub const NOTICES: &str = "通知公告";
    /// Feed.
    pub const FEED: &str = "党建群";
    /// Bots.
    pub const BOTS: &str = "机器人";
    /// The service itself.
    pub const META: &str = "服务";
}

/// The frame of the document: title, description, tags and the shared error schema. Paths come
/// from the areas' own `Doc` structs, merged in [`document`].
#[derive(OpenApi)]
#[openapi(
    info(
        title = "支部 API",
        version = "1",
        description = "基层党组织工作平台的 JSON 接口。认证：先调用 /api/v1/auth/login 获取 token，之后在请求头携带 `Authorization: Bearer <token>`；已登录的浏览器也可凭会话 Cookie 调用（写操作需带 CSRF 头）。错误统一为 {\"error\": {\"code\", \"message\", \"request_id\"}}。日期统一为 YYYY-MM-DD。"
    ),
    servers((url = "/")),
    components(schemas(
        crate::web::error::ApiError,
        crate::web::error::ApiErrorDetail,
        crate::web::error::FieldProblem
    )),
    modifiers(&Security),
    security(("bearer" = []), ("cookie" = [])),
    tags(
        (name = tags::AUTH, description = "登录、退出与当前账号"),
        (name = tags::ORGS, description = "组织树与组织详情"),
        (name = tags::MEMBERS, description = "党员信息"),
        (name = tags::TRANSFERS, description = "组织关系转接"),
        (name = tags::MEETINGS, description = "会议、签到、请假、纪要与“三会一课”落实情况"),
        (name = tags::POINTS, description = "积分项目、明细、申报与排名"),
        (name = tags::NOTICES, description = "通知公告与回执"),
        (name = tags::FEED, description = "党建群动态"),
        (name = tags::BOTS, description = "群机器人"),
        (name = tags::META, description = "接口文档"),
    )
)]
struct ApiDoc;

/// Adds the two security schemes: a bearer token from login, or the browser's session cookie.
struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let c = doc.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        c.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("zhibu_session"))),
        );
    }
}

/// Builds the whole document.
#[must_use]
pub fn build() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    for part in [
        crate::auth::api_doc(),
        crate::orgs::api::Doc::openapi(),
        crate::members::api::Doc::openapi(),
        crate::transfers::api::Doc::openapi(),
        crate::meetings::api::Doc::openapi(),
        crate::points::api::Doc::openapi(),
        crate::points::grade_api::Doc::openapi(),
        crate::notices::api::Doc::openapi(),
        crate::feed::api::Doc::openapi(),
        crate::bots::api::Doc::openapi(),
        crate::app::meta::Doc::openapi(),
    ] {
        doc.merge(part);
    }
    doc
}

/// The document as served, built once. See [`close`] for what is changed on the way.
pub fn document() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut v = serde_json::to_value(build()).unwrap_or_default();
        close(&mut v);
        serde_json::to_string_pretty(&v).unwrap_or_else(|_| "{}".to_owned())
    })
}

/// Closes the object schemas of `doc`, so that a field added to a reply without being
/// documented fails the contract test and clients can rely on the list:
/// - a plain object schema gets `additionalProperties: false`, unless it already says what
///   extra properties may hold (the per-field messages of an error);
/// - a composition (`allOf`, which is what `#[serde(flatten)]` becomes) is closed once, at the
///   top, with `unevaluatedProperties: false`, because each part only knows its own fields;
///   its parts and the components they name stay open;
/// - `oneOf` (untagged and tagged enums) becomes `anyOf`: a held-only meeting is also a valid
///   shape of a part of the full one, and "at least one" is what the server promises.
pub fn close(doc: &mut serde_json::Value) {
    let mut parts = std::collections::HashSet::new();
    collect_composed(doc, false, &mut parts);
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(serde_json::Value::as_object_mut)
    {
        for (name, s) in schemas.iter_mut() {
            walk(s, !parts.contains(name));
        }
    }
    if let Some(p) = doc.pointer_mut("/paths") {
        walk(p, true);
    }
}

/// Names of the components referenced directly as parts of an `allOf`.
fn collect_composed(
    v: &serde_json::Value,
    in_all_of: bool,
    out: &mut std::collections::HashSet<String>,
) {
    match v {
        serde_json::Value::Object(m) => {
            if in_all_of
                && let Some(r) = m.get("$ref").and_then(serde_json::Value::as_str)
                && let Some(n) = r.strip_prefix("#/components/schemas/")
            {
                out.insert(n.to_owned());
            }
            for (k, c) in m {
                if k == "allOf" {
                    if let Some(a) = c.as_array() {
                        for p in a {
                            collect_composed(p, true, out);
                        }
                    }
                } else {
                    collect_composed(c, false, out);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|c| collect_composed(c, false, out)),
        _ => {}
    }
}

/// Closes `v` itself when `here`, and everything below it that is not a part of a composition.
fn walk(v: &mut serde_json::Value, here: bool) {
    match v {
        serde_json::Value::Object(m) => {
            if let Some(one) = m.remove("oneOf") {
                m.insert("anyOf".into(), one);
            }
            if here {
                if m.contains_key("allOf") {
                    m.insert("unevaluatedProperties".into(), false.into());
                } else if m.contains_key("properties") && !m.contains_key("additionalProperties") {
                    m.insert("additionalProperties".into(), false.into());
                }
            }
            for (k, c) in m.iter_mut() {
                if k == "allOf" {
                    if let Some(a) = c.as_array_mut() {
                        for p in a {
                            walk(p, false);
                        }
                    }
                } else {
                    walk(c, true);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(|c| walk(c, true)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    /// The document builds, is JSON, and every operation has a tag, a summary and at least
    /// one documented answer.
    #[test]
    fn document_is_complete_json() {
        let v: serde_json::Value = serde_json::from_str(super::document()).unwrap();
        if let Ok(p) = std::env::var("ZHIBU_DUMP_OPENAPI") {
            std::fs::write(p, super::document()).unwrap();
        }
        let paths = v["paths"].as_object().unwrap();
        assert!(paths.len() > 30, "{} paths", paths.len());
        for (p, ops) in paths {
            for (m, op) in ops.as_object().unwrap() {
                assert!(
                    op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                    "{m} {p}"
                );
                assert!(op["summary"].is_string(), "{m} {p}");
                assert!(
                    op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                    "{m} {p}"
                );
            }
        }
    }
}
