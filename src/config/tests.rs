//! Tests of loading, precedence, validation and redaction.

use super::*;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[test]
fn example_file_equals_defaults() {
    let parsed: Config = toml::from_str(EXAMPLE).unwrap();
    let defaults = Config::default();
    assert_eq!(
        serde_json::to_string(&parsed).unwrap(),
        serde_json::to_string(&defaults).unwrap(),
        "config.example.toml must document the built-in defaults"
    );
    assert_eq!(defaults.auth.lockout_threshold, 5);
    assert_eq!(defaults.auth.lockout_minutes, 15);
    assert_eq!(defaults.auth.idle_timeout_minutes, 30);
    assert_eq!(defaults.auth.absolute_timeout_hours, 12);
}

#[test]
fn precedence_is_defaults_file_env_flags() {
    let dir =
        std::env::temp_dir().join(format!("zhibu-cfg-{}", crate::shared::token::request_id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("c.toml");
    std::fs::write(
        &f,
        "[server]\nlisten = \"127.0.0.1:9000\"\n[auth]\nlockout_minutes = 20\n",
    )
    .unwrap();
    let c = Config::load(Some(&f), &env(&[]), &Overrides::default()).unwrap();
    assert_eq!(c.server.listen, "127.0.0.1:9000");
    assert_eq!(c.auth.lockout_minutes, 20);
    let e = env(&[
        ("ZHIBU_AUTH__LOCKOUT_MINUTES", "25"),
        ("DATABASE_URL", "postgres://u:p@h/db"),
    ]);
    let c = Config::load(Some(&f), &e, &Overrides::default()).unwrap();
    assert_eq!(c.auth.lockout_minutes, 25);
    assert_eq!(c.database.url, "postgres://u:p@h/db");
    let o = Overrides {
        listen: Some("127.0.0.1:9100".into()),
        database: Some("sqlite://x.db".into()),
    };
    let c = Config::load(Some(&f), &e, &o).unwrap();
    assert_eq!(c.server.listen, "127.0.0.1:9100");
    assert_eq!(c.database.url, "sqlite://x.db");
    assert!(!format!("{c:?}").contains("u:p@"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn every_section_can_be_set_from_the_environment() {
    let e = env(&[
        ("ZHIBU_JOBS__ENABLED", "false"),
        ("ZHIBU_JOBS__TICK_SECONDS", "1"),
        ("ZHIBU_LIMITS__EXPORTS_PER_HOUR", "7"),
        ("ZHIBU_LOG__LEVEL", "warn"),
    ]);
    let c = Config::load(None, &e, &Overrides::default()).unwrap();
    assert!(!c.jobs.enabled);
    assert_eq!(c.jobs.tick_seconds, 1);
    assert_eq!(c.limits.exports_per_hour, 7);
    assert_eq!(c.log.level, "warn");
}

#[test]
fn invalid_values_are_refused_with_the_setting_named() {
    let bad = |pairs: &[(&str, &str)]| {
        Config::load(None, &env(pairs), &Overrides::default())
            .unwrap_err()
            .0
    };
    assert!(bad(&[("ZHIBU_DATABASE_URL", "mysql://x")]).contains("mysql"));
    assert!(bad(&[("ZHIBU_LISTEN", "localhost")]).contains("server.listen"));
    assert!(bad(&[("ZHIBU_AUTH__LOCKOUT_THRESHOLD", "0")]).contains("auth.lockout_threshold"));
    assert!(bad(&[("ZHIBU_AUTH__NO_SUCH", "1")]).contains("no_such"));
    assert!(bad(&[("ZHIBU_NOPE__X", "1")]).contains("ZHIBU_NOPE__X"));
    assert!(bad(&[("ZHIBU_AUTH__PASSWORD_HASH", "md5")]).contains("md5"));
}

#[test]
fn redacts_passwords_in_urls() {
    assert_eq!(
        redact_url("postgres://u:secret@h:5432/d"),
        "postgres://u:[REDACTED]@h:5432/d"
    );
    assert_eq!(redact_url("sqlite://data/z.db"), "sqlite://data/z.db");
}

#[test]
fn sec_38_bot_allowed_hosts_are_read_and_checked() {
    let c = Config::load(
        None,
        &env(&[(
            "ZHIBU_BOTS__ALLOWED_HOSTS",
            r#"["127.0.0.1", "10.8.0.0/16"]"#,
        )]),
        &Overrides::default(),
    )
    .unwrap();
    assert_eq!(c.bots.allowed_hosts, ["127.0.0.1", "10.8.0.0/16"]);
    let bad = Config::load(
        None,
        &env(&[("ZHIBU_BOTS__ALLOWED_HOSTS", r#"["10.0.0.0/40"]"#)]),
        &Overrides::default(),
    )
    .unwrap_err()
    .0;
    assert!(bad.contains("bots.allowed_hosts"), "{bad}");
    let bad = Config::load(
        None,
        &env(&[("ZHIBU_BOTS__TEST_SENDS_PER_10MIN", "0")]),
        &Overrides::default(),
    )
    .unwrap_err()
    .0;
    assert!(bad.contains("bots.test_sends_per_10min"), "{bad}");
}
