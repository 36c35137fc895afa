//! Layered configuration: defaults < `fithub.toml` < environment (`DATABASE_URL`, `FITHUB_*`) <
//! command-line flags. Loading has no side effects; see [`dev_secret`] for the one file FitHub may
//! write on behalf of configuration.

mod checks;
pub mod dev_secret;
mod secret;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize};

pub use secret::{DatabaseUrl, Secret};

use crate::error::{Error, Result};

pub use checks::{MIN_JWT_SECRET_BYTES, MIN_JWT_SECRET_DISTINCT_BYTES};

/// The configuration file read when none is named.
pub const DEFAULT_CONFIG_FILE: &str = "fithub.toml";
const ENV_PREFIX: &str = "FITHUB_";
/// Settings taken from the environment exactly as written: parsed TOML-style, a secret of
/// digits such as `0012345` would become the number 12345.
const VERBATIM_KEYS: &[&str] = &[
    "jwt_secret",
    "database_url",
    "database_replica_urls",
    "redis_url",
    "redis_prefix",
];
/// `FITHUB_*` variables that are read elsewhere, not configuration keys.
const NON_CONFIG_VARIABLES: &[&str] = &[
    "FITHUB_CONFIG",
    "FITHUB_CLI_LOG",
    "FITHUB_TEST_DATABASE_URL",
    "FITHUB_TEST_REDIS_URL",
    "FITHUB_TEST_REPLICA_URL",
    "FITHUB_TEST_PGBOUNCER_URL",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable on a terminal, JSON otherwise.
    Auto,
    Json,
    Pretty,
}

/// FitHub's effective configuration. Every field is a key of `fithub.toml` and, upper-cased with
/// the `FITHUB_` prefix, an environment variable (`database_url` is also read from `DATABASE_URL`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct Config {
    /// `development` or `production`; production refuses insecure settings.
    pub env: Environment,
    /// Address the API listens on.
    pub bind: SocketAddr,
    /// `sqlite://FILE` (the embedded default) or `postgres://...`.
    pub database_url: DatabaseUrl,
    /// The most database connections the pool opens. Default: twice the cores, plus one.
    pub database_max_connections: u32,
    /// How long to wait for a connection to the database, in seconds.
    pub database_connect_timeout_secs: u64,
    /// PostgreSQL streaming replicas (comma-separated URLs) that serve the reads of `GET`
    /// requests; writes, transactions and a user's reads right after their own write stay on
    /// the primary.
    #[serde(deserialize_with = "url_list")]
    pub database_replica_urls: Vec<DatabaseUrl>,
    /// A replica further behind the primary than this (in milliseconds) serves no reads.
    pub replica_max_lag_ms: u64,
    /// `database_url` leads to a pooler in transaction mode (PgBouncer before 1.21), which
    /// may give each statement another server connection: FitHub then prepares no named
    /// statements and keeps nothing on a connection between statements.
    pub database_transaction_pooling: bool,
    /// HS256 signing key for JWTs; required in production. Empty means unset.
    #[serde(deserialize_with = "non_empty_secret")]
    pub jwt_secret: Option<Secret>,
    pub jwt_access_lifetime_minutes: u64,
    pub jwt_refresh_lifetime_days: u64,
    /// On PostgreSQL, how long an authenticated user is remembered so the next request skips the
    /// lookup, in seconds (0: look up every request). Changes reach every replica at once by
    /// LISTEN/NOTIFY; this only bounds an entry's life.
    pub auth_cache_secs: u64,
    /// Memory for the diaries answered recently, in MiB: the same diary is answered again
    /// without reading it while nothing it shows has changed (README, "Time zones and the
    /// diary"). `0` reads every diary afresh.
    pub diary_cache_mib: u64,
    /// Apply pending migrations at API start on PostgreSQL too (SQLite always does).
    pub auto_migrate: bool,
    /// Origins allowed by CORS: `*` or a comma-separated list.
    #[serde(deserialize_with = "comma_list")]
    pub cors_allowed_origins: Vec<String>,
    pub log_format: LogFormat,
    /// A tracing filter such as `info` or `fithub_api=debug,info`.
    pub log_level: String,
    /// How long `/ready` waits for the database, in milliseconds.
    pub ready_timeout_ms: u64,
    /// How long a shutdown waits for in-flight requests, in seconds.
    pub shutdown_grace_secs: u64,
    /// Authentication attempts allowed per client address per minute (0: no limit).
    pub auth_rate_limit_per_address: u32,
    /// Authentication attempts allowed per username per minute (0: no limit).
    pub auth_rate_limit_per_username: u32,
    /// Proxies (addresses or CIDR networks) whose `X-Forwarded-For` names the real client:
    /// the load balancer. Empty: the peer address is the client.
    #[serde(deserialize_with = "network_list")]
    pub trusted_proxies: Vec<IpNet>,
    /// Serve Prometheus metrics here instead of on the API's own address (keep it internal).
    pub metrics_bind: Option<SocketAddr>,
    /// With several replicas: count rate limits in this Redis, so they hold across replicas.
    pub redis_url: Option<DatabaseUrl>,
    /// Prefix of every Redis key, so environments can share a server.
    pub redis_prefix: String,
    /// A request still running after this many seconds is answered 504.
    pub request_timeout_secs: u64,
    /// `Strict-Transport-Security` max-age in seconds; 0 sends none (set it behind HTTPS).
    pub hsts_max_age_secs: u64,
    /// The API's address as clients reach it (`https://api.example.com`): absolute links
    /// (pagination, the router roots) are built on it. Unset, they are built on the request's
    /// `Host` header, which any client can forge; production requires it.
    pub public_url: Option<String>,
    /// Whether the `sessionid` and `csrftoken` cookies carry `Secure`. Unset: always in
    /// production, otherwise when the request came over HTTPS (behind a trusted proxy, as its
    /// `X-Forwarded-Proto` says).
    pub session_cookie_secure: Option<bool>,
    /// Origins (`https://app.example.com`) whose pages may sign in and send cookie-authenticated
    /// writes, besides the API's own. Empty: the origins `cors_allowed_origins` lists explicitly.
    /// `*` trusts no other origin.
    #[serde(deserialize_with = "comma_list")]
    pub csrf_trusted_origins: Vec<String>,
    /// A client must send a whole request head within this many seconds of its first byte.
    pub http_header_timeout_secs: u64,
    /// A connection with no request under way is closed after this many seconds. Keep it above
    /// the load balancer's own idle timeout (the ALB's is 60 s), so that the balancer, not the
    /// API, closes an idle connection, and never reuses one the API has just closed.
    pub http_idle_timeout_secs: u64,
    /// Client connections open at once; more wait in the listen backlog.
    pub http_max_connections: usize,
    /// Audit entries older than this many days are removed (whole months on PostgreSQL).
    pub audit_retention_days: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            env: Environment::Development,
            bind: SocketAddr::from(([127, 0, 0, 1], 8000)),
            database_url: DatabaseUrl::new("sqlite://fithub.db"),
            database_max_connections: default_pool_size(),
            database_connect_timeout_secs: 5,
            database_replica_urls: Vec::new(),
            replica_max_lag_ms: 1000,
            database_transaction_pooling: false,
            jwt_secret: None,
            jwt_access_lifetime_minutes: 60,
            jwt_refresh_lifetime_days: 7,
            auth_cache_secs: 60,
            diary_cache_mib: 32,
            auto_migrate: false,
            cors_allowed_origins: vec!["*".to_owned()],
            log_format: LogFormat::Auto,
            log_level: "info".to_owned(),
            ready_timeout_ms: 2000,
            shutdown_grace_secs: 30,
            auth_rate_limit_per_address: 60,
            auth_rate_limit_per_username: 10,
            trusted_proxies: Vec::new(),
            metrics_bind: None,
            redis_url: None,
            redis_prefix: "fithub".to_owned(),
            request_timeout_secs: 30,
            hsts_max_age_secs: 0,
            public_url: None,
            session_cookie_secure: None,
            csrf_trusted_origins: Vec::new(),
            http_header_timeout_secs: 10,
            http_idle_timeout_secs: 65,
            http_max_connections: 4096,
            audit_retention_days: 400,
        }
    }
}

/// Twice the cores, plus one: PostgreSQL's own rule of thumb, and the best size the load benchmark
/// found for both databases (README, Performance). A bigger pool only queues the same work inside
/// the database.
fn default_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    u32::try_from(cores * 2 + 1).unwrap_or(u32::MAX)
}

/// Where configuration comes from besides the process environment.
#[derive(Debug, Default)]
pub struct Sources<'a, O: Serialize> {
    /// A file named explicitly (`--config`, `FITHUB_CONFIG`): it must exist. Without one,
    /// `fithub.toml` in the working directory is read if present.
    pub file: Option<&'a Path>,
    /// Command-line flags: a struct whose `None` fields are skipped when serialized.
    pub overrides: O,
}

impl Config {
    /// Loads the configuration from its layers and checks it for the configured environment.
    pub fn load<O: Serialize>(sources: Sources<'_, O>) -> Result<Config> {
        Self::load_from(sources, std::env::vars())
    }

    /// [`Config::load`] with an explicit environment, so tests need not mutate the process's.
    pub fn load_from<O: Serialize>(
        sources: Sources<'_, O>,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config> {
        let vars: Vec<(String, String)> = vars.into_iter().collect();
        let env_file = vars
            .iter()
            .find(|(name, _)| name == "FITHUB_CONFIG")
            .map(|(_, value)| PathBuf::from(value));
        let file = match sources.file.map(Path::to_path_buf).or(env_file) {
            Some(path) if !path.is_file() => {
                return Err(Error::Config(format!(
                    "configuration file {} does not exist",
                    path.display()
                )));
            }
            Some(path) => Some(path),
            None => Some(PathBuf::from(DEFAULT_CONFIG_FILE)).filter(|path| path.is_file()),
        };

        let mut figment = Figment::new();
        if let Some(file) = &file {
            figment = figment.merge(Toml::file_exact(file));
        }
        let config: Config = figment
            .merge(env_provider(&vars, |name| name == "DATABASE_URL", ""))
            .merge(env_provider(
                &vars,
                |name| name.starts_with(ENV_PREFIX) && !NON_CONFIG_VARIABLES.contains(&name),
                ENV_PREFIX,
            ))
            .merge(Serialized::defaults(sources.overrides))
            .extract()
            .map_err(|error| Error::Config(error.to_string()))?;
        config.check()?;
        Ok(config)
    }

    pub fn is_production(&self) -> bool {
        self.env == Environment::Production
    }

    pub fn ready_timeout(&self) -> Duration {
        Duration::from_millis(self.ready_timeout_ms)
    }

    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_secs)
    }

    /// The origins trusted for CSRF besides the API's own (see `csrf_trusted_origins`): a `*`,
    /// here or in the CORS list, trusts nobody.
    pub fn trusted_origins(&self) -> Vec<String> {
        let listed = if self.csrf_trusted_origins.is_empty() {
            &self.cors_allowed_origins
        } else {
            &self.csrf_trusted_origins
        };
        listed
            .iter()
            .filter(|origin| *origin != "*" && *origin != "null")
            .map(|origin| origin.trim_end_matches('/').to_ascii_lowercase())
            .collect()
    }

    /// Whether session cookies are `Secure` for a request that came over HTTPS or not.
    pub fn session_cookie_secure_for(&self, request_is_https: bool) -> bool {
        self.session_cookie_secure
            .unwrap_or(self.is_production() || request_is_https)
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs.max(1))
    }

    /// Every setting as `(key, value)` for display: the only way the configuration is printed
    /// or logged. Derived from the fields, so no setting can be forgotten; secrets and URLs
    /// serialize redacted (see [`Secret`] and [`DatabaseUrl`]).
    pub fn redacted_entries(&self) -> Vec<(String, String)> {
        fn shown(value: serde_json::Value) -> String {
            match value {
                serde_json::Value::Null => "(not set)".to_owned(),
                serde_json::Value::String(text) => text,
                serde_json::Value::Array(items) => {
                    items.into_iter().map(shown).collect::<Vec<_>>().join(",")
                }
                other => other.to_string(),
            }
        }
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(fields)) => fields
                .into_iter()
                .map(|(key, value)| (key, shown(value)))
                .collect(),
            // A struct of plain fields always serializes to an object.
            _ => Vec::new(),
        }
    }
}

/// `FITHUB_*` variables that name no setting: almost always a typo worth a warning.
pub fn unknown_env_vars(vars: impl IntoIterator<Item = (String, String)>) -> Vec<String> {
    let known: Vec<String> = Config::default()
        .redacted_entries()
        .into_iter()
        .map(|(key, _)| format!("{ENV_PREFIX}{}", key.to_uppercase()))
        .collect();
    vars.into_iter()
        .map(|(name, _)| name)
        .filter(|name| name.starts_with(ENV_PREFIX))
        .filter(|name| !known.contains(name) && !NON_CONFIG_VARIABLES.contains(&name.as_str()))
        .collect()
}

/// An environment provider over an explicit list of variables.
fn env_provider(
    vars: &[(String, String)],
    keep: impl Fn(&str) -> bool,
    prefix: &str,
) -> Serialized<std::collections::BTreeMap<String, figment::value::Value>> {
    let values = vars
        .iter()
        .filter(|(name, _)| keep(name))
        .map(|(name, value)| {
            let key = name[prefix.len()..].to_lowercase();
            let value = if VERBATIM_KEYS.contains(&key.as_str()) {
                figment::value::Value::from(value.clone())
            } else {
                // The same TOML-like value syntax as figment's own `Env` provider.
                value
                    .parse()
                    .unwrap_or_else(|never: std::convert::Infallible| match never {})
            };
            (key, value)
        })
        .collect();
    Serialized::defaults(values)
}

/// Addresses and networks, as a comma list or a TOML array; a bare address is a /32 or /128.
fn network_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<IpNet>, D::Error> {
    comma_list(deserializer)?
        .iter()
        .map(|item| {
            item.parse::<IpNet>()
                .or_else(|_| item.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    serde::de::Error::custom(format!("{item:?} is not an IP address or network"))
                })
        })
        .collect()
}

/// An empty secret is no secret: unset, as if the variable were not there (in development a
/// secret is then generated; production refuses to start).
fn non_empty_secret<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Secret>, D::Error> {
    Ok(Option::<Secret>::deserialize(deserializer)?.filter(|secret| !secret.expose().is_empty()))
}

/// Database URLs, as a comma list or a TOML array.
fn url_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<DatabaseUrl>, D::Error> {
    Ok(comma_list(deserializer)?
        .into_iter()
        .map(DatabaseUrl::new)
        .collect())
}

/// Accepts `"a, b"` (an environment variable) as well as `["a", "b"]` (TOML).
fn comma_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    let items = match OneOrMany::deserialize(deserializer)? {
        OneOrMany::One(text) => text.split(',').map(str::to_owned).collect(),
        OneOrMany::Many(items) => items,
    };
    Ok(items
        .into_iter()
        .map(|item| item.trim().to_owned())
        .filter(|item| !item.is_empty())
        .collect())
}

#[cfg(test)]
mod tests;
