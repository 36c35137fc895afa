use std::io::Write;

use crate::helpers::{assert_exit, fithub, stderr, stdout};

#[test]
fn prints_the_effective_configuration_redacted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = fithub(
        dir.path(),
        &["config"],
        &[
            ("FITHUB_JWT_SECRET", "jwt-signing-secret-value-0123456789"),
            (
                "DATABASE_URL",
                "postgres://fithub:db-password@db:5432/fithub",
            ),
            ("FITHUB_BIND", "0.0.0.0:9000"),
        ],
    );
    assert_exit(&output, 0);
    let text = stdout(&output);
    assert!(text.contains("0.0.0.0:9000"), "{text}");
    assert!(
        text.contains("postgres://fithub:[redacted]@db:5432/fithub"),
        "{text}"
    );
    assert!(
        !text.contains("jwt-signing-secret-value") && !text.contains("db-password"),
        "{text}"
    );
}

#[test]
fn json_layers_file_env_and_flags() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut file = std::fs::File::create(dir.path().join("fithub.toml")).expect("file");
    writeln!(
        file,
        "log_level = \"debug\"\nbind = \"127.0.0.1:7000\"\ndatabase_url = \"sqlite://from-file.db\""
    )
    .expect("write");
    let output = fithub(
        dir.path(),
        &[
            "config",
            "--format",
            "json",
            "--database-url",
            "sqlite://from-flag.db",
        ],
        &[("FITHUB_BIND", "127.0.0.1:7500")],
    );
    assert_exit(&output, 0);
    let config: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(config["log_level"], "debug", "from the file");
    assert_eq!(
        config["bind"], "127.0.0.1:7500",
        "the environment beats the file"
    );
    assert_eq!(
        config["database_url"], "sqlite://from-flag.db",
        "the flag beats both"
    );
}

#[test]
fn production_refuses_insecure_settings_naming_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = fithub(dir.path(), &["config"], &[("FITHUB_ENV", "production")]);
    assert_exit(&output, 1);
    assert!(
        stderr(&output).contains("FITHUB_JWT_SECRET"),
        "{}",
        stderr(&output)
    );

    let output = fithub(
        dir.path(),
        &["config"],
        &[
            ("FITHUB_ENV", "production"),
            ("FITHUB_JWT_SECRET", "jwt-signing-secret-value-0123456789"),
        ],
    );
    assert_exit(&output, 1);
    assert!(
        stderr(&output).contains("FITHUB_CORS_ALLOWED_ORIGINS"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn unknown_fithub_variables_are_warned_about() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = fithub(dir.path(), &["config"], &[("FITHUB_BIDN", "x")]);
    assert_exit(&output, 0);
    assert!(
        stderr(&output).contains("FITHUB_BIDN"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_missing_named_config_file_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = fithub(dir.path(), &["config", "--config", "missing.toml"], &[]);
    assert_exit(&output, 1);
    assert!(
        stderr(&output).contains("missing.toml"),
        "{}",
        stderr(&output)
    );
}
