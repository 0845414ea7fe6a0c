//! Rebuild when migrations, templates or assets change, since they are embedded.
//!
//! It also tells the integration tests which environments this build can reach:
//! `cfg(zhibu_pg)` when `ZHIBU_TEST_PG_URL` is set and `cfg(zhibu_e2e)` when `ZHIBU_E2E=1`.
//! Tests that need them are compiled as ignored otherwise, so the summary counts them as
//! ignored instead of passing them untested. libtest cannot ignore a test at run time, hence
//! the build-time switch; changing either variable rebuilds the crate.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=templates");
    println!("cargo:rerun-if-changed=assets");
    println!("cargo:rerun-if-env-changed=ZHIBU_TEST_PG_URL");
    println!("cargo:rerun-if-env-changed=ZHIBU_E2E");
    println!("cargo::rustc-check-cfg=cfg(zhibu_pg)");
    println!("cargo::rustc-check-cfg=cfg(zhibu_e2e)");
    if std::env::var("ZHIBU_TEST_PG_URL").is_ok_and(|u| !u.is_empty()) {
        println!("cargo:rustc-cfg=zhibu_pg");
    }
    if std::env::var("ZHIBU_E2E").is_ok_and(|v| v == "1") {
        println!("cargo:rustc-cfg=zhibu_e2e");
    }
}
