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
    // figment would read these as numbers; leading zeros and trailing digits matter in a secret.
    for secret in [
        "0012345678901234567890123456789012",
        "1.50123456789012345678901234567890",
    ] {
        let config = load(None, &[], &[("FITHUB_JWT_SECRET", secret)]).expect("valid");
        assert_eq!(config.jwt_secret.expect("set").expose(), secret);
    }
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

/// A secret of 64 hex characters, as `openssl rand -hex 32` makes.
const GOOD_SECRET: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

/// Production settings that pass every check.
fn production() -> Vec<(&'static str, &'static str)> {
    vec![
        ("FITHUB_ENV", "production"),
        ("FITHUB_JWT_SECRET", GOOD_SECRET),
        ("FITHUB_CORS_ALLOWED_ORIGINS", "https://app.example"),
        ("FITHUB_METRICS_BIND", "10.0.0.5:9100"),
        ("FITHUB_PUBLIC_URL", "https://api.example"),
    ]
}

/// [`production`] with `changes` applied (an empty value removes the variable).
fn production_with(changes: &[(&'static str, &'static str)]) -> Result<Config> {
    let mut env = production();
    for (name, value) in changes {
        env.retain(|(existing, _)| existing != name);
        if !value.is_empty() {
            env.push((name, value));
        }
    }
    load(None, &[], &env)
}

#[test]
fn weak_jwt_secrets_are_refused_in_every_environment() {
    for env in ["development", "production"] {
        for (secret, problem) in [
            ("too-short", "at least 32 bytes (it has 9)"),
            (
                "                                ",
                "too little variety (1 distinct bytes",
            ),
            (
                "abababababababababababababababab",
                "too little variety (2 distinct bytes",
            ),
        ] {
            let error = production_with(&[("FITHUB_ENV", env), ("FITHUB_JWT_SECRET", secret)])
                .unwrap_err()
                .to_string();
            assert!(error.contains("FITHUB_JWT_SECRET"), "{env}: {error}");
            assert!(error.contains(problem), "{env} {secret:?}: {error}");
        }
    }
    load(None, &[], &[("FITHUB_JWT_SECRET", GOOD_SECRET)]).expect("a random secret");
}

#[test]
fn an_empty_jwt_secret_is_unset() {
    let config = load(None, &[], &[("FITHUB_JWT_SECRET", "")]).expect("development");
    assert!(config.jwt_secret.is_none(), "a secret is generated instead");
    let mut env = production();
    env.retain(|(name, _)| *name != "FITHUB_JWT_SECRET");
    env.push(("FITHUB_JWT_SECRET", ""));
    let error = load(None, &[], &env).unwrap_err().to_string();
    assert!(error.contains("FITHUB_JWT_SECRET must be set"), "{error}");
}

#[test]
fn production_refuses_each_unsafe_setting_by_name() {
    for (change, named) in [
        (("FITHUB_JWT_SECRET", ""), "FITHUB_JWT_SECRET must be set"),
        (
            ("FITHUB_CORS_ALLOWED_ORIGINS", ""),
            "FITHUB_CORS_ALLOWED_ORIGINS",
        ),
        (
            ("FITHUB_CORS_ALLOWED_ORIGINS", "https://app.example,null"),
            "must not list `null`",
        ),
        (
            ("FITHUB_TRUSTED_PROXIES", "10.0.0.0/8, 0.0.0.0/0"),
            "FITHUB_TRUSTED_PROXIES",
        ),
        (("FITHUB_TRUSTED_PROXIES", "::/0"), "FITHUB_TRUSTED_PROXIES"),
        (
            ("FITHUB_AUTH_RATE_LIMIT_PER_ADDRESS", "0"),
            "FITHUB_AUTH_RATE_LIMIT_PER_ADDRESS",
        ),
        (
            ("FITHUB_AUTH_RATE_LIMIT_PER_USERNAME", "0"),
            "FITHUB_AUTH_RATE_LIMIT_PER_USERNAME",
        ),
        (("FITHUB_METRICS_BIND", ""), "FITHUB_METRICS_BIND"),
        (("FITHUB_PUBLIC_URL", ""), "FITHUB_PUBLIC_URL must be set"),
        (
            ("FITHUB_CSRF_TRUSTED_ORIGINS", "*"),
            "FITHUB_CSRF_TRUSTED_ORIGINS must list the trusted origins",
        ),
        (
            ("FITHUB_SESSION_COOKIE_SECURE", "false"),
            "FITHUB_SESSION_COOKIE_SECURE must not be false",
        ),
    ] {
        let error = production_with(&[change]).unwrap_err().to_string();
        assert!(error.contains(named), "{change:?}: {error}");
        assert!(error.contains("FITHUB_ENV=production"), "{error}");
    }
    // Every problem at once.
    let error = production_with(&[("FITHUB_METRICS_BIND", ""), ("FITHUB_PUBLIC_URL", "")])
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("FITHUB_METRICS_BIND") && error.contains("FITHUB_PUBLIC_URL"),
        "{error}"
    );
}

#[test]
fn production_accepts_safe_settings() {
    let config = production_with(&[]).expect("valid");
    assert!(config.is_production());
    assert_eq!(config.public_url.as_deref(), Some("https://api.example"));
}

#[test]
fn public_url_must_be_an_absolute_http_url() {
    for url in [
        "api.example",
        "ftp://api.example",
        "https://user:pw@api.example",
        "https://api.example/?page=1",
        "https://api.example/#top",
    ] {
        let error = load(None, &[], &[("FITHUB_PUBLIC_URL", url)])
            .unwrap_err()
            .to_string();
        assert!(error.contains("FITHUB_PUBLIC_URL"), "{url}: {error}");
    }
    load(
        None,
        &[],
        &[("FITHUB_PUBLIC_URL", "http://127.0.0.1:8000/")],
    )
    .expect("valid");
}

#[test]
fn debug_and_entries_redact_secrets() {
    let config = load(
        None,
        &[],
        &[
            ("FITHUB_JWT_SECRET", "super-secret-signing-key-0123456789"),
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

#[test]
fn csrf_trusts_the_explicit_cors_origins_unless_told_otherwise() {
    let config = load(
        None,
        &[],
        &[("FITHUB_CORS_ALLOWED_ORIGINS", "https://App.example/, *")],
    )
    .expect("config");
    assert_eq!(config.trusted_origins(), vec!["https://app.example"]);
    assert!(
        Config::default().trusted_origins().is_empty(),
        "CORS `*` trusts nobody"
    );
    let config = load(
        None,
        &[],
        &[
            ("FITHUB_CORS_ALLOWED_ORIGINS", "https://app.example"),
            ("FITHUB_CSRF_TRUSTED_ORIGINS", "*"),
        ],
    )
    .expect("config");
    assert!(
        config.trusted_origins().is_empty(),
        "`*` trusts no other origin"
    );
    let error = load(
        None,
        &[],
        &[("FITHUB_CSRF_TRUSTED_ORIGINS", "app.example/path")],
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("FITHUB_CSRF_TRUSTED_ORIGINS"), "{error}");
}

#[test]
fn session_cookies_are_secure_in_production_or_over_https() {
    let development = Config::default();
    assert!(!development.session_cookie_secure_for(false));
    assert!(development.session_cookie_secure_for(true));
    let production = production_with(&[]).expect("production");
    assert!(production.session_cookie_secure_for(false));
    let forced = load(None, &[], &[("FITHUB_SESSION_COOKIE_SECURE", "true")]).expect("config");
    assert!(forced.session_cookie_secure_for(false));
}

#[test]
fn replicas_are_a_comma_list_of_postgres_urls_shown_redacted() {
    let config = load(
        None,
        &[],
        &[
            ("DATABASE_URL", "postgres://fithub@primary/fithub"),
            (
                "FITHUB_DATABASE_REPLICA_URLS",
                "postgres://fithub:pw-one@replica-1/fithub, postgres://fithub:pw-two@replica-2/fithub",
            ),
            ("FITHUB_REPLICA_MAX_LAG_MS", "250"),
        ],
    )
    .expect("valid");
    assert_eq!(config.database_replica_urls.len(), 2);
    assert_eq!(config.replica_max_lag_ms, 250);
    let entries = config.redacted_entries();
    let (_, shown) = entries
        .iter()
        .find(|(key, _)| key == "database_replica_urls")
        .expect("listed");
    assert_eq!(
        shown,
        "postgres://fithub:[redacted]@replica-1/fithub,postgres://fithub:[redacted]@replica-2/fithub"
    );
    assert!(
        unknown_env_vars(vars(&[
            ("FITHUB_DATABASE_REPLICA_URLS", "x"),
            ("FITHUB_DATABASE_TRANSACTION_POOLING", "x"),
            ("FITHUB_CLI_LOG", "debug"),
        ]))
        .is_empty()
    );
}

#[test]
fn replicas_must_be_postgres_of_a_postgres_primary() {
    let error = load(
        None,
        &[],
        &[
            ("DATABASE_URL", "postgres://fithub@primary/fithub"),
            ("FITHUB_DATABASE_REPLICA_URLS", "sqlite://replica.db"),
        ],
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("sqlite://replica.db is not a postgres:// URL"),
        "{error}"
    );
    let error = load(
        None,
        &[],
        &[("FITHUB_DATABASE_REPLICA_URLS", "postgres://replica/fithub")],
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("needs a PostgreSQL database_url"), "{error}");
}

#[test]
fn production_replicas_need_redis_for_read_your_writes() {
    let replicas = [
        ("DATABASE_URL", "postgres://fithub@primary/fithub"),
        (
            "FITHUB_DATABASE_REPLICA_URLS",
            "postgres://fithub@replica/fithub",
        ),
    ];
    let error = production_with(&replicas).unwrap_err().to_string();
    assert!(
        error.contains("FITHUB_DATABASE_REPLICA_URLS needs FITHUB_REDIS_URL"),
        "{error}"
    );
    let mut with_redis = replicas.to_vec();
    with_redis.push(("FITHUB_REDIS_URL", "redis://cache:6379"));
    production_with(&with_redis).expect("valid with Redis");
}
