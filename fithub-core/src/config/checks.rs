//! What configuration refuses, naming the setting: a weak JWT secret or a malformed public URL
//! anywhere, and in production every setting that would leave a hole open. All problems are
//! reported at once.

use super::{Config, DatabaseUrl, Environment, Secret};
use crate::error::{Error, Result};

/// Shortest JWT secret accepted: 256 bits for HS256.
pub const MIN_JWT_SECRET_BYTES: usize = 32;
/// Fewest distinct bytes in a JWT secret: 32 spaces, or `abab…`, are long but guessable.
pub const MIN_JWT_SECRET_DISTINCT_BYTES: usize = 8;

impl Config {
    /// Refuses unsafe or malformed settings, each problem naming its setting.
    pub fn check(&self) -> Result<()> {
        let mut problems: Vec<String> = Vec::new();
        if let Some(secret) = &self.jwt_secret {
            problems.extend(jwt_secret_problem(secret));
        }
        if let Some(url) = &self.public_url {
            problems.extend(public_url_problem(url));
        }
        problems.extend(
            self.csrf_trusted_origins
                .iter()
                .filter(|origin| *origin != "*")
                .filter_map(|origin| origin_problem(origin)),
        );
        problems.extend(self.replica_problems());
        if self.env == Environment::Production {
            problems.extend(self.production_problems());
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Config(problems.join("; ")))
        }
    }

    /// Replicas are PostgreSQL's, of a PostgreSQL primary.
    fn replica_problems(&self) -> Vec<String> {
        let is_postgres = |url: &DatabaseUrl| {
            let url = url.expose();
            url.starts_with("postgres://") || url.starts_with("postgresql://")
        };
        let mut problems: Vec<String> = self
            .database_replica_urls
            .iter()
            .filter(|url| !is_postgres(url))
            .map(|url| format!("FITHUB_DATABASE_REPLICA_URLS: {url} is not a postgres:// URL"))
            .collect();
        if !self.database_replica_urls.is_empty() && !is_postgres(&self.database_url) {
            problems.push(
                "FITHUB_DATABASE_REPLICA_URLS needs a PostgreSQL database_url (replicas are \
                 PostgreSQL's)"
                    .to_owned(),
            );
        }
        problems
    }

    /// The settings production refuses, and why.
    fn production_problems(&self) -> Vec<String> {
        let in_production = |message: &str| format!("{message} when FITHUB_ENV=production");
        let mut problems = Vec::new();
        if self.jwt_secret.is_none() {
            problems.push(in_production("FITHUB_JWT_SECRET must be set"));
        }
        if self.cors_allowed_origins.iter().any(|origin| origin == "*") {
            problems.push(in_production(
                "FITHUB_CORS_ALLOWED_ORIGINS must list the allowed origins, not `*`,",
            ));
        }
        // Sandboxed iframes, `file:` pages and some redirects all send `Origin: null`: trusting
        // it trusts any of them, with credentials.
        if self
            .cors_allowed_origins
            .iter()
            .any(|origin| origin == "null")
        {
            problems.push(in_production(
                "FITHUB_CORS_ALLOWED_ORIGINS must not list `null` (any sandboxed page sends it)",
            ));
        }
        if self
            .csrf_trusted_origins
            .iter()
            .any(|origin| origin == "*" || origin == "null")
        {
            problems.push(in_production(
                "FITHUB_CSRF_TRUSTED_ORIGINS must list the trusted origins, not `*` or `null`,",
            ));
        }
        if self.session_cookie_secure == Some(false) {
            problems.push(in_production(
                "FITHUB_SESSION_COOKIE_SECURE must not be false (session cookies would cross \
                 plain HTTP)",
            ));
        }
        if self
            .trusted_proxies
            .iter()
            .any(|network| network.prefix_len() == 0)
        {
            problems.push(in_production(
                "FITHUB_TRUSTED_PROXIES must not contain 0.0.0.0/0 or ::/0 (every client could \
                 then choose its address in X-Forwarded-For)",
            ));
        }
        for (variable, limit) in [
            (
                "FITHUB_AUTH_RATE_LIMIT_PER_ADDRESS",
                self.auth_rate_limit_per_address,
            ),
            (
                "FITHUB_AUTH_RATE_LIMIT_PER_USERNAME",
                self.auth_rate_limit_per_username,
            ),
        ] {
            if limit == 0 {
                problems.push(in_production(&format!(
                    "{variable} must be above 0 (0 turns password guessing loose)"
                )));
            }
        }
        if self.metrics_bind.is_none() {
            problems.push(in_production(
                "FITHUB_METRICS_BIND must be set, so that /metrics is not served on the public \
                 address",
            ));
        }
        // Each API process would remember only its own users' writes: another process could
        // then answer a user from a replica that has not replayed their write yet.
        if !self.database_replica_urls.is_empty() && self.redis_url.is_none() {
            problems.push(in_production(
                "FITHUB_DATABASE_REPLICA_URLS needs FITHUB_REDIS_URL (every API process must \
                 know each user's latest write to read it back)",
            ));
        }
        if self.public_url.is_none() {
            problems.push(in_production(
                "FITHUB_PUBLIC_URL must be set (links are then built on it, never on the \
                 request's Host header)",
            ));
        }
        problems
    }
}

/// Why `secret` is too weak to sign tokens with, if it is.
fn jwt_secret_problem(secret: &Secret) -> Option<String> {
    let bytes = secret.expose().as_bytes();
    if bytes.len() < MIN_JWT_SECRET_BYTES {
        return Some(format!(
            "FITHUB_JWT_SECRET must be at least {MIN_JWT_SECRET_BYTES} bytes (it has {})",
            bytes.len()
        ));
    }
    let mut seen = [false; 256];
    for byte in bytes {
        seen[usize::from(*byte)] = true;
    }
    let distinct = seen.iter().filter(|seen| **seen).count();
    (distinct < MIN_JWT_SECRET_DISTINCT_BYTES).then(|| {
        format!(
            "FITHUB_JWT_SECRET has too little variety ({distinct} distinct bytes, at least \
             {MIN_JWT_SECRET_DISTINCT_BYTES}): use random bytes, e.g. `openssl rand -hex 32`"
        )
    })
}

/// Why `origin` is not an origin a browser sends (`https://app.example.com`, a port at most),
/// if it is not.
fn origin_problem(origin: &str) -> Option<String> {
    let is_origin = url::Url::parse(origin).is_ok_and(|parsed| {
        matches!(parsed.scheme(), "http" | "https")
            && parsed.has_host()
            && parsed.path() == "/"
            && parsed.query().is_none()
            && parsed.fragment().is_none()
            && parsed.username().is_empty()
            && !origin.trim_end_matches('/').ends_with(':')
    }) && origin.matches('/').count() <= 3;
    (!is_origin).then(|| {
        format!(
            "FITHUB_CSRF_TRUSTED_ORIGINS must list origins such as https://app.example.com, \
             without a path ({origin:?})"
        )
    })
}

/// Why `url` cannot be the base of the API's links, if it cannot: it must be an absolute
/// `http` or `https` URL, without credentials, query or fragment.
fn public_url_problem(url: &str) -> Option<String> {
    let problem = match url::Url::parse(url) {
        Err(error) => error.to_string(),
        Ok(parsed) if !matches!(parsed.scheme(), "http" | "https") => {
            "the scheme must be http or https".to_owned()
        }
        Ok(parsed) if !parsed.has_host() => "it names no host".to_owned(),
        Ok(parsed) if !parsed.username().is_empty() || parsed.password().is_some() => {
            "it must not carry credentials".to_owned()
        }
        Ok(parsed) if parsed.query().is_some() || parsed.fragment().is_some() => {
            "it must not have a query or a fragment".to_owned()
        }
        Ok(_) => return None,
    };
    Some(format!(
        "FITHUB_PUBLIC_URL must be the API's absolute URL, e.g. https://api.example.com \
         ({url:?}: {problem})"
    ))
}
