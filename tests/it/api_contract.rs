//! The API contract: on the demo data, every operation of the generated `OpenAPI` document is
//! called with valid input as a suitable role, and each real answer is checked against the
//! schema the document gives for its status (object schemas are closed, so an undocumented
//! field fails too). A few error answers are checked the same way. The test fails when an
//! operation in the document was not called, so a new route cannot ship undocumented or
//! untested. The calls themselves are in `api_contract_calls.rs`.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Method, Request, header};
use serde_json::{Value, json};

use crate::db_test;
use crate::support::{Backend, TestApp, fresh_db, test_config, text};

/// Operations that the calls do not reach, with the reason. Keep it short.
pub const SKIPPED: &[(&str, &str, &str)] = &[];

/// The demo app, the document, and what has been called so far.
pub struct Contract {
    pub t: TestApp,
    doc: Value,
    seen: BTreeSet<(String, String)>,
}

/// A validator for one schema of the document: the schema with the document's components
/// beside it, so `#/components/schemas/...` resolves within the same root.
fn validator(doc: &Value, schema: &Value) -> jsonschema::Validator {
    let mut root = match schema {
        Value::Object(m) => m.clone(),
        other => panic!("schema is not an object: {other}"),
    };
    root.insert("components".into(), doc["components"].clone());
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&Value::Object(root))
        .unwrap_or_else(|e| panic!("schema does not compile: {e}"))
}

impl Contract {
    /// The demo organisation, seeded into a fresh database, with bots allowed to post to a
    /// local stand-in.
    pub async fn new(b: Backend) -> Self {
        let (url, guard) = fresh_db(b).await;
        let mut c = test_config(&url);
        crate::bots_support::local(&mut c);
        let t = TestApp::with_config(c, guard).await;
        zhibu::demo::seed(&t.app).await.unwrap();
        let doc: Value = serde_json::from_str(zhibu::api_doc::document()).unwrap();
        Self {
            t,
            doc,
            seen: BTreeSet::new(),
        }
    }

    /// A session of a demo account, as a bearer token.
    pub async fn login(&self, username: &str) -> String {
        let id = zhibu::auth::users::id_by_username(&self.t.app, username)
            .await
            .unwrap();
        self.t.session(id).await.0
    }

    /// Sends one request, checks that its status is `expect` and documented for `template`,
    /// validates the body against that status's schema, and returns the body.
    pub async fn call(
        &mut self,
        method: Method,
        template: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        expect: u16,
    ) -> Value {
        let mut r = Request::builder().method(method.clone()).uri(path);
        if let Some(t) = token {
            r = r.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(b) => r
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.to_string())),
            None => r.body(Body::empty()),
        }
        .unwrap();
        let res = self.t.send(req).await;
        let status = res.status().as_u16();
        let raw = text(res).await;
        assert_eq!(status, expect, "{method} {path}: {raw}");
        let m = method.as_str().to_lowercase();
        let op = &self.doc["paths"][template][&m];
        assert!(op.is_object(), "{method} {template} is not in the document");
        let answer = &op["responses"][status.to_string()];
        assert!(
            answer.is_object(),
            "{method} {template}: status {status} is not documented"
        );
        self.seen.insert((method.to_string(), template.to_owned()));
        let schema = &answer["content"]["application/json"]["schema"];
        if schema.is_null() {
            assert!(raw.is_empty(), "{method} {path}: undocumented body {raw}");
            return Value::Null;
        }
        let v: Value = serde_json::from_str(&raw)
            .unwrap_or_else(|e| panic!("{method} {path}: not JSON ({e}): {raw}"));
        let check = validator(&self.doc, schema);
        let errors: Vec<String> = check
            .iter_errors(&v)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{method} {path} ({status}) does not match its schema:\n{}\n{raw}",
            errors.join("\n")
        );
        v
    }

    /// GET with a token.
    pub async fn get(&mut self, template: &str, path: &str, token: &str, expect: u16) -> Value {
        self.call(Method::GET, template, path, Some(token), None, expect)
            .await
    }

    /// POST (or another method) with a JSON body.
    pub async fn send(
        &mut self,
        method: Method,
        template: &str,
        path: &str,
        token: &str,
        body: Value,
        expect: u16,
    ) -> Value {
        self.call(method, template, path, Some(token), Some(body), expect)
            .await
    }

    /// Fails for every documented operation that was neither called nor skipped.
    pub fn assert_all_called(&self) {
        let mut missing = Vec::new();
        for (path, ops) in self.doc["paths"].as_object().unwrap() {
            for m in ops.as_object().unwrap().keys() {
                let key = (m.to_uppercase(), path.clone());
                let skipped = SKIPPED
                    .iter()
                    .any(|(sm, sp, _)| *sm == key.0 && *sp == path.as_str());
                if !self.seen.contains(&key) && !skipped {
                    missing.push(format!("{} {path}", key.0));
                }
            }
        }
        assert!(missing.is_empty(), "operations never called: {missing:?}");
    }
}

/// Every documented operation answers as documented, on both backends.
async fn api_contract_every_operation_matches_its_schema(b: Backend) {
    let mut c = Contract::new(b).await;
    crate::api_contract_calls::run(&mut c).await;
    c.assert_all_called();
}
db_test!(api_contract_every_operation_matches_its_schema);

/// The document itself: an `OpenAPI` 3.1 document whose every response schema compiles, with
/// the shared error body and both ways to authenticate.
#[tokio::test]
async fn api_contract_document_is_well_formed() {
    let doc: Value = serde_json::from_str(zhibu::api_doc::document()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    assert!(doc["components"]["securitySchemes"]["cookie"].is_object());
    assert_eq!(
        doc["components"]["schemas"]["ApiErrorDetail"]["additionalProperties"],
        json!(false),
        "schemas are closed"
    );
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (m, op) in ops.as_object().unwrap() {
            for (status, answer) in op["responses"].as_object().unwrap() {
                let schema = &answer["content"]["application/json"]["schema"];
                if !schema.is_null() {
                    validator(&doc, schema);
                }
                if status.starts_with('4') {
                    assert_eq!(
                        schema["$ref"], "#/components/schemas/ApiError",
                        "{m} {path} {status} answers with the error body"
                    );
                }
            }
        }
    }
}
