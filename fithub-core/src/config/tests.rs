use std::collections::BTreeMap;
use std::io::Write;

use super::*;

fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn no_flags() -> Sources<'static, BTreeMap<String, String>> {
    Sources {
        file: None,
        overrides: BTreeMap::new(),
    }
}

fn load(file: Option<&Path>, flags: &[(&str, &str)], env: &[(&str, &str)]) -> Result<Config> {
    let overrides: BTreeMap<String, String> = flags
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Config::load_from(Sources { file, overrides }, vars(env))
}

#[test]
fn defaults_run_on_embedded_sqlite() {
    let config = Config::load_from(no_flags(), vars(&[])).expect("defaults are valid");
    assert_eq!(config.database_url.expose(), "sqlite://fithub.db");
    assert_eq!(config.bind.to_string(), "127.0.0.1:8000");
    assert_eq!(config.env, Environment::Development);
    assert_eq!(config.cors_allowed_origins, vec!["*"]);
}

#[test]
fn layers_apply_in_order_file_env_flags() {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    writeln!(
        file,
        "bind = \"127.0.0.1:7000\"\nlog_level = \"debug\"\ndatabase_url = \"sqlite://file.db\"\nready_timeout_ms = 900"
    )
    .expect("write");

    let config = load(
        Some(file.path()),
        &[("bind", "127.0.0.1:9000")],
        &[
            ("FITHUB_BIND", "127.0.0.1:8500"),
            ("FITHUB_LOG_LEVEL", "warn"),
        ],
    )
    .expect("valid");
    assert_eq!(
        config.bind.to_string(),
        "127.0.0.1:9000",
        "flag beats env and file"
    );
    assert_eq!(config.log_level, "warn", "env beats file");
    assert_eq!(
        config.database_url.expose(),
        "sqlite://file.db",
        "file beats default"
    );
    assert_eq!(config.ready_timeout_ms, 900);
}

#[test]
fn fithub_database_url_beats_database_url() {
    let config = load(None, &[], &[("DATABASE_URL", "sqlite://a.db")]).expect("valid");
    assert_eq!(config.database_url.expose(), "sqlite://a.db");
    let config = load(
        None,
        &[],
        &[
            ("DATABASE_URL", "sqlite://a.db"),
            ("FITHUB_DATABASE_URL", "sqlite://b.db"),
        ],
    )
    .expect("valid");
    assert_eq!(config.database_url.expose(), "sqlite://b.db");
}

#[test]
fn a_named_config_file_must_exist() {
    let error = load(Some(Path::new("/nonexistent/fithub.toml")), &[], &[]).unwrap_err();
    assert!(
        error.to_string().contains("/nonexistent/fithub.toml"),
        "{error}"
    );
    let error = load(None, &[], &[("FITHUB_CONFIG", "/nonexistent/x.toml")]).unwrap_err();
    assert!(error.to_string().contains("/nonexistent/x.toml"), "{error}");
}

#[test]
fn a_bad_value_names_its_key() {
    let error = load(None, &[], &[("FITHUB_BIND", "not-an-address")]).unwrap_err();
    assert!(error.to_string().contains("bind"), "{error}");
}

#[test]
fn numeric_secret_is_kept_verbatim() {
    let config = load(None, &[], &[("FITHUB_JWT_SECRET", "0012345")]).expect("valid");
    // figment would read 0012345 as the number 12345; leading zeros matter in a secret.
    assert_eq!(config.jwt_secret.expect("set").expose(), "0012345");
    let config = load(None, &[], &[("FITHUB_JWT_SECRET", "1.50")]).expect("valid");
    assert_eq!(config.jwt_secret.expect("set").expose(), "1.50");
}

#[test]
fn cors_origins_accept_a_comma_list() {
    let config = load(
        None,
        &[],
        &[(
            "FITHUB_CORS_ALLOWED_ORIGINS",
            "https://a.example, https://b.example",
        )],
    )
    .expect("valid");
    assert_eq!(
        config.cors_allowed_origins,
        vec!["https://a.example", "https://b.example"]
    );
}

#[test]
fn production_requires_a_jwt_secret() {
    let error = load(None, &[], &[("FITHUB_ENV", "production")]).unwrap_err();
    assert!(error.to_string().contains("FITHUB_JWT_SECRET"), "{error}");
}

#[test]
fn production_rejects_a_short_jwt_secret() {
    let error = load(
        None,
        &[],
        &[
            ("FITHUB_ENV", "production"),
            ("FITHUB_JWT_SECRET", "too-short"),
            ("FITHUB_CORS_ALLOWED_ORIGINS", "https://app.example"),
        ],
    )
    .unwrap_err();
    assert!(error.to_string().contains("FITHUB_JWT_SECRET"), "{error}");
    assert!(error.to_string().contains("32 bytes"), "{error}");
}

#[test]
fn production_rejects_cors_wildcard() {
    let error = load(
        None,
        &[],
        &[
            ("FITHUB_ENV", "production"),
            ("FITHUB_JWT_SECRET", &"x".repeat(32)),
        ],
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("FITHUB_CORS_ALLOWED_ORIGINS"),
        "{error}"
    );
}

#[test]
fn production_accepts_safe_settings() {
    let config = load(
        None,
        &[],
        &[
            ("FITHUB_ENV", "production"),
            ("FITHUB_JWT_SECRET", &"x".repeat(32)),
            ("FITHUB_CORS_ALLOWED_ORIGINS", "https://app.example"),
        ],
    )
    .expect("valid");
    assert!(config.is_production());
}

#[test]
fn debug_and_entries_redact_secrets() {
    let config = load(
        None,
        &[],
        &[
            ("FITHUB_JWT_SECRET", "super-secret-signing-key"),
            (
                "DATABASE_URL",
                "postgres://fithub:db-password@db:5432/fithub",
            ),
        ],
    )
    .expect("valid");
    let shown = format!("{config:?} {:?}", config.redacted_entries());
    assert!(!shown.contains("super-secret-signing-key"), "{shown}");
    assert!(!shown.contains("db-password"), "{shown}");
    assert!(
        shown.contains("postgres://fithub:[redacted]@db:5432/fithub"),
        "{shown}"
    );
}

#[test]
fn unknown_fithub_variables_are_reported() {
    let unknown = unknown_env_vars(vars(&[
        ("FITHUB_BIND", "x"),
        ("FITHUB_BIDN", "x"),
        ("FITHUB_TEST_DATABASE_URL", "x"),
        ("HOME", "/root"),
    ]));
    assert_eq!(unknown, vec!["FITHUB_BIDN"]);
}

#[test]
fn trusted_proxies_accept_addresses_and_networks() {
    let config = load(
        None,
        &[],
        &[("FITHUB_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.7, ::1")],
    )
    .expect("valid");
    let shown: Vec<String> = config
        .trusted_proxies
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(shown, vec!["10.0.0.0/8", "192.168.1.7/32", "::1/128"]);

    let error = load(
        None,
        &[],
        &[("FITHUB_TRUSTED_PROXIES", "10.0.0.0/8, nonsense")],
    )
    .unwrap_err();
    assert!(error.to_string().contains("nonsense"), "{error}");
}
