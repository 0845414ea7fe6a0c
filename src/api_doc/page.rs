//! The browsable API reference at `/api/docs`, rendered on the server from the generated
//! document. It needs no script and nothing from outside the server, so it works on an
//! intranet with no internet access; the JSON at `/api/v1/openapi.json` stays the source for
//! client generators.

use std::sync::OnceLock;

use askama::Template;
use serde_json::Value;

/// One tag of the document with its operations, in the document's tag order.
struct Group {
    name: String,
    description: String,
    anchor: String,
    ops: Vec<Op>,
}

/// One operation: a method on a path.
struct Op {
    method: String,
    path: String,
    summary: String,
    description: String,
    public: bool,
    params: Vec<Field>,
    body: Option<Ty>,
    responses: Vec<Reply>,
}

/// One documented status of an operation.
struct Reply {
    status: String,
    description: String,
    body: Option<Ty>,
}

/// A parameter or a property of a schema.
struct Field {
    name: String,
    place: String,
    ty: Ty,
    required: bool,
    description: String,
}

/// A type as read by a person, linking to the component it names if there is one.
struct Ty {
    text: String,
    link: Option<String>,
}

/// A named schema of the components.
struct Schema {
    name: String,
    description: String,
    shape: String,
    fields: Vec<Field>,
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct Page<'a> {
    title: String,
    version: String,
    intro: String,
    groups: &'a [Group],
    schemas: &'a [Schema],
    v: &'static str,
}

/// The page, built once: the document does not change while the server runs.
pub fn html() -> &'static str {
    static PAGE: OnceLock<String> = OnceLock::new();
    PAGE.get_or_init(|| {
        let doc: Value = serde_json::from_str(super::document()).unwrap_or(Value::Null);
        let groups = groups(&doc);
        let schemas = schemas(&doc);
        Page {
            title: text(&doc["info"]["title"]),
            version: text(&doc["info"]["version"]),
            intro: text(&doc["info"]["description"]),
            groups: &groups,
            schemas: &schemas,
            v: crate::web::assets::version(),
        }
        .render()
        .unwrap_or_else(|e| format!("接口文档生成失败：{e}"))
    })
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

fn groups(doc: &Value) -> Vec<Group> {
    let mut out: Vec<Group> = doc["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, t)| Group {
            name: text(&t["name"]),
            description: text(&t["description"]),
            anchor: format!("tag-{i}"),
            ops: Vec::new(),
        })
        .collect();
    let Some(paths) = doc["paths"].as_object() else {
        return out;
    };
    for (path, item) in paths {
        let Some(methods) = item.as_object() else {
            continue;
        };
        for (method, op) in methods {
            if !matches!(method.as_str(), "get" | "post" | "put" | "patch" | "delete") {
                continue;
            }
            let tag = op["tags"][0].as_str().unwrap_or("其他");
            let at = if let Some(i) = out.iter().position(|g| g.name == tag) {
                i
            } else {
                out.push(Group {
                    name: tag.to_owned(),
                    description: String::new(),
                    anchor: format!("tag-{}", out.len()),
                    ops: Vec::new(),
                });
                out.len() - 1
            };
            out[at].ops.push(operation(method, path, op));
        }
    }
    out.retain(|g| !g.ops.is_empty());
    out
}

fn operation(method: &str, path: &str, op: &Value) -> Op {
    let params = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| Field {
            name: text(&p["name"]),
            place: match p["in"].as_str() {
                Some("path") => "路径",
                Some("query") => "查询",
                Some("header") => "请求头",
                _ => "其他",
            }
            .to_owned(),
            ty: ty(&p["schema"]),
            required: p["required"].as_bool().unwrap_or(false),
            description: text(&p["description"]),
        })
        .collect();
    let body = first_content(&op["requestBody"]).map(ty);
    let responses = op["responses"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(status, r)| Reply {
            status: status.clone(),
            description: text(&r["description"]),
            body: first_content(r).map(ty),
        })
        .collect();
    // An operation with `security: [{}]` is open to anyone; the rest need a session.
    let public = op["security"].as_array().is_some_and(|s| {
        s.iter()
            .any(|x| x.as_object().is_some_and(serde_json::Map::is_empty))
    });
    Op {
        method: method.to_uppercase(),
        path: path.to_owned(),
        summary: text(&op["summary"]),
        description: text(&op["description"]),
        public,
        params,
        body,
        responses,
    }
}

/// The schema of the first media type of a request body or a reply.
fn first_content(v: &Value) -> Option<&Value> {
    v["content"]
        .as_object()?
        .values()
        .next()
        .map(|c| &c["schema"])
        .filter(|s| !s.is_null())
}

fn ty(s: &Value) -> Ty {
    let mut link = None;
    let text = describe(s, &mut link);
    Ty { text, link }
}

/// A short reading of a schema: a component's name, `[T]` for lists, a format in brackets,
/// alternatives joined by `|`, and "可空" for a type that admits null.
fn describe(s: &Value, link: &mut Option<String>) -> String {
    if let Some(r) = s["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap_or(r).to_owned();
        link.get_or_insert_with(|| format!("#schema-{name}"));
        return name;
    }
    for (key, sep) in [("anyOf", " | "), ("oneOf", " | "), ("allOf", " + ")] {
        if let Some(parts) = s[key].as_array() {
            let parts: Vec<String> = parts.iter().map(|p| describe(p, link)).collect();
            return parts.join(sep);
        }
    }
    if let Some(values) = s["enum"].as_array() {
        let vs: Vec<String> = values
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), ToOwned::to_owned))
            .collect();
        return format!("取值 {}", vs.join(" / "));
    }
    let (base, nullable) = match &s["type"] {
        Value::String(t) => (t.clone(), false),
        Value::Array(ts) => {
            let named: Vec<&str> = ts
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null")
                .collect();
            (named.join(" | "), named.len() < ts.len())
        }
        _ => ("任意".to_owned(), false),
    };
    let mut out = if base == "array" {
        format!("[{}]", describe(&s["items"], link))
    } else {
        base
    };
    if let Some(f) = s["format"].as_str() {
        out = format!("{out}（{f}）");
    }
    if nullable {
        out.push_str("，可空");
    }
    out
}

fn schemas(doc: &Value) -> Vec<Schema> {
    doc["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, s)| Schema {
            name: name.clone(),
            description: text(&s["description"]),
            shape: shape(s),
            fields: properties(s),
        })
        .collect()
}

/// What a schema is when it is not a plain object with properties.
fn shape(s: &Value) -> String {
    if s["properties"].is_object() {
        return String::new();
    }
    describe(s, &mut None)
}

fn properties(s: &Value) -> Vec<Field> {
    let required: Vec<&str> = s["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    s["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, p)| Field {
            name: name.clone(),
            place: String::new(),
            ty: ty(p),
            required: required.contains(&name.as_str()),
            description: text(&p["description"]),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn page_lists_every_operation_and_schema() {
        let doc: serde_json::Value = serde_json::from_str(super::super::document()).unwrap();
        let html = super::html();
        for (path, item) in doc["paths"].as_object().unwrap() {
            let escaped = path.replace('&', "&amp;");
            assert!(html.contains(&escaped), "{path} missing from the page");
            assert!(item.as_object().is_some_and(|m| !m.is_empty()));
        }
        for name in doc["components"]["schemas"].as_object().unwrap().keys() {
            assert!(html.contains(&format!("id=\"schema-{name}\"")), "{name}");
        }
        assert!(!html.contains("http://") && !html.contains("https://"));
    }
}
