//! Why a database cannot be opened, in words an operator can act on.
//!
//! A pool hides the cause of a failed connection: sqlx retries a refused PostgreSQL connection
//! until the acquire timeout and then reports only "pool timed out", and a missing SQLite file is
//! "(code: 14) unable to open database file". One direct connection attempt finds the cause (no
//! file, refused, unknown host, authentication, timeout), named with the host and never the
//! password.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use sqlx::Connection as _;
use sqlx::postgres::{PgConnectOptions, PgConnection};

use super::{Backend, Database, PoolSettings, sqlite_file_path};
use crate::config::DatabaseUrl;
use crate::error::{Error, Result};

/// Opens a database that must exist already: never creates an SQLite file, and a failure says
/// why (see the module's documentation) as [`Error::Unavailable`].
pub async fn connect_existing(url: &DatabaseUrl, settings: &PoolSettings) -> Result<Database> {
    if let Some(path) = missing_sqlite_file(url) {
        return Err(no_sqlite_file(path));
    }
    // One direct attempt first: a refused connection fails in milliseconds instead of after the
    // pool's whole acquire timeout, and with its cause.
    if let Some((options, cause)) = postgres_failure(url, settings).await {
        return Err(postgres_error(url, &options, &cause));
    }
    let settings = PoolSettings {
        create_sqlite_file: false,
        ..settings.clone()
    };
    match Database::connect(url, &settings).await {
        Ok(database) => Ok(database),
        Err(error) => Err(explain(url, &settings, error).await),
    }
}

/// The SQLite file `url` names, when it does not exist (`None` for PostgreSQL and in-memory
/// SQLite, and for a file that exists).
pub fn missing_sqlite_file(url: &DatabaseUrl) -> Option<PathBuf> {
    let path = sqlite_file_path(url.expose())?;
    (!path.exists()).then(|| std::path::absolute(&path).unwrap_or(path))
}

/// `error`, from opening or using the database at `url`, as the operator should read it: the
/// cause and the host when a fresh connection attempt finds one, else `error` itself.
pub async fn explain(url: &DatabaseUrl, settings: &PoolSettings, error: Error) -> Error {
    if let Some(path) = missing_sqlite_file(url) {
        return no_sqlite_file(path);
    }
    if !matches!(error, Error::Unavailable(_) | Error::Internal(_)) {
        return error;
    }
    match postgres_failure(url, settings).await {
        Some((options, cause)) => postgres_error(url, &options, &cause),
        None => error,
    }
}

/// For a PostgreSQL URL, the cause of a failing direct connection; `None` when it connects (or
/// the URL is not PostgreSQL's).
async fn postgres_failure(
    url: &DatabaseUrl,
    settings: &PoolSettings,
) -> Option<(PgConnectOptions, String)> {
    if Backend::of(url.expose()).ok() != Some(Backend::Postgres) {
        return None;
    }
    let options = PgConnectOptions::from_str(url.expose()).ok()?;
    let cause = postgres_cause(&options, settings.connect_timeout).await?;
    Some((options, cause))
}

fn postgres_error(url: &DatabaseUrl, options: &PgConnectOptions, cause: &str) -> Error {
    Error::Unavailable(redact(
        &format!(
            "cannot connect to PostgreSQL at {} as {}: {cause}",
            server(options),
            options.get_username()
        ),
        url,
    ))
}

fn no_sqlite_file(path: PathBuf) -> Error {
    Error::Unavailable(format!(
        "no database at {}; run `fithub migrate` first",
        path.display()
    ))
}

/// `host:port/database`, or the socket directory.
fn server(options: &PgConnectOptions) -> String {
    let database = options.get_database().unwrap_or(options.get_username());
    match options.get_socket() {
        Some(socket) => format!("{} (socket)/{database}", socket.display()),
        None => format!("{}:{}/{database}", options.get_host(), options.get_port()),
    }
}

/// Why one direct connection fails; `None` when it succeeds (the failure was passing).
async fn postgres_cause(options: &PgConnectOptions, timeout: Duration) -> Option<String> {
    let host = options.get_host();
    if options.get_socket().is_none() && !host.starts_with('/') {
        let resolved =
            tokio::time::timeout(timeout, tokio::net::lookup_host((host, options.get_port())))
                .await;
        match resolved {
            Err(_) => return Some(format!("looking up the host {host} took over {timeout:?}")),
            Ok(Err(error)) => return Some(format!("cannot resolve the host {host:?}: {error}")),
            Ok(Ok(_)) => {}
        }
    }
    match tokio::time::timeout(timeout, PgConnection::connect_with(options)).await {
        Err(_) => Some(format!(
            "no answer within {} s (a firewall dropping packets, or not a PostgreSQL port?)",
            timeout.as_secs_f64()
        )),
        Ok(Ok(connection)) => {
            let _ = connection.close().await;
            None
        }
        Ok(Err(error)) => Some(describe(&error, options)),
    }
}

fn describe(error: &sqlx::Error, options: &PgConnectOptions) -> String {
    match error {
        sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "connection refused (is PostgreSQL running, and listening on that address and port?)"
                .to_owned()
        }
        sqlx::Error::Io(io) => format!("network error: {io}"),
        sqlx::Error::Tls(tls) => format!("TLS failed: {tls}"),
        sqlx::Error::Database(database) => {
            let message = database.message();
            match database.code().as_deref() {
                Some("28P01") => format!(
                    "authentication failed: wrong password for user {:?}",
                    options.get_username()
                ),
                Some("28000") => format!("authentication failed: {message}"),
                Some("3D000") => format!("{message} (create it, or fix the URL's path)"),
                _ => message.to_owned(),
            }
        }
        other => other.to_string(),
    }
}

/// `message` with the URL's password, if it somehow appears, replaced.
fn redact(message: &str, url: &DatabaseUrl) -> String {
    match url::Url::parse(url.expose()) {
        Ok(parsed) => match parsed.password().filter(|password| !password.is_empty()) {
            Some(password) => message.replace(password, "[redacted]"),
            None => message.to_owned(),
        },
        Err(_) => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_missing_sqlite_file_is_named_with_the_fix_and_not_created() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("absent.db");
        let url = DatabaseUrl::new(format!("sqlite://{}", path.display()));
        let error = connect_existing(&url, &PoolSettings::default())
            .await
            .expect_err("no file");
        assert_eq!(
            error.to_string(),
            format!(
                "database unavailable: no database at {}; run `fithub migrate` first",
                path.display()
            )
        );
        assert!(!path.exists());
    }

    #[tokio::test]
    async fn a_refused_postgres_connection_names_the_cause_and_host_not_the_password() {
        let url = DatabaseUrl::new("postgres://fithub:pw-secret@127.0.0.1:1/app");
        let settings = PoolSettings {
            connect_timeout: Duration::from_secs(1),
            ..PoolSettings::default()
        };
        let error = connect_existing(&url, &settings)
            .await
            .expect_err("nothing listens on port 1")
            .to_string();
        assert!(
            error.contains("127.0.0.1:1/app as fithub: connection refused"),
            "{error}"
        );
        assert!(!error.contains("pw-secret"), "{error}");
    }

    #[test]
    fn redact_hides_the_password() {
        let url = DatabaseUrl::new("postgres://u:hunter22@h/db");
        assert_eq!(redact("x hunter22 y", &url), "x [redacted] y");
    }
}
