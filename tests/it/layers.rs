//! The layering rules the compiler cannot see. Each area's store modules are private, so no
//! area can reach another's SQL; what remains is the `rows` surface the areas export for bulk
//! loading, benchmarks and tests. Only the demo and the command line, which sit above the
//! areas, may use it; an area that needs another's data goes through that area's `service`.
//! And `web` holds shared plumbing only, so it names no area.

use std::path::{Path, PathBuf};

const AREAS: &[&str] = &[
    "audit",
    "auth",
    "bots",
    "feed",
    "jobs",
    "meetings",
    "members",
    "notices",
    "orgs",
    "points",
    "transfers",
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn src_files() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

#[test]
fn no_area_uses_another_areas_rows() {
    let mut offences = Vec::new();
    for (rel, text) in src_files() {
        let home = rel.split('/').next().unwrap_or_default();
        if matches!(home, "demo" | "cli") {
            continue;
        }
        for area in AREAS.iter().filter(|a| **a != home) {
            if text.contains(&format!("crate::{area}::rows")) {
                offences.push(format!("{rel} uses {area}::rows"));
            }
        }
    }
    assert!(offences.is_empty(), "{offences:#?}");
}

#[test]
fn web_names_no_area() {
    let mut offences = Vec::new();
    for (rel, text) in src_files()
        .into_iter()
        .filter(|(r, _)| r.starts_with("web/"))
    {
        for area in AREAS {
            if text.contains(&format!("crate::{area}::")) {
                offences.push(format!("{rel} names {area}"));
            }
        }
    }
    assert!(offences.is_empty(), "{offences:#?}");
}
