//! Layering: overlays `ZHIBU_SECTION__KEY` environment variables and flag overrides onto the
//! table read from the file, before it is deserialised into `Config`.

use toml::{Table, Value};

use super::ConfigError;

pub(super) fn set(table: &mut Table, section: &str, key: &str, value: Value) {
    let entry = table
        .entry(section.to_owned())
        .or_insert_with(|| Value::Table(Table::new()));
    if let Value::Table(t) = entry {
        t.insert(key.to_owned(), value);
    }
}

/// Overlays `ZHIBU_SECTION__KEY` variables and the two database/listen shortcuts.
pub(super) fn apply_env(table: &mut Table, env: &[(String, String)]) -> Result<(), ConfigError> {
    let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    if let Some(url) = get("ZHIBU_DATABASE_URL").or_else(|| get("DATABASE_URL")) {
        set(table, "database", "url", Value::String(url));
    }
    if let Some(l) = get("ZHIBU_LISTEN") {
        set(table, "server", "listen", Value::String(l));
    }
    let sections = sections();
    for (name, raw) in env {
        let Some(rest) = name.strip_prefix("ZHIBU_") else {
            continue;
        };
        let Some((section, key)) = rest.split_once("__") else {
            continue;
        };
        let (section, key) = (section.to_ascii_lowercase(), key.to_ascii_lowercase());
        if !sections.contains(&section) {
            return Err(ConfigError(format!("未知的环境变量 {name}")));
        }
        set(table, &section, &key, env_value(raw));
    }
    Ok(())
}

/// Reads an environment value as a TOML literal when it is one (numbers, booleans, arrays),
/// otherwise as a plain string.
fn env_value(raw: &str) -> Value {
    format!("v = {raw}")
        .parse::<Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| Value::String(raw.to_owned()))
}

/// The sections of [`super::Config`], read off its defaults: a hand-kept list had left out
/// `[limits]` and `[jobs]`, so `ZHIBU_JOBS__ENABLED` and the like were refused as unknown.
fn sections() -> Vec<String> {
    match serde_json::to_value(super::Config::default()) {
        Ok(serde_json::Value::Object(m)) => m.keys().cloned().collect(),
        _ => Vec::new(),
    }
}
