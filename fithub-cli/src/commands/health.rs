//! `fithub health`: is a FitHub deployment healthy? For deploy pipelines and container health
//! checks: it retries, prints every attempt, and exits 0 (healthy) or 3 (unhealthy).

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use clap::Args;
use fithub_core::Database;
use fithub_core::config::DatabaseUrl;
use fithub_core::db::PoolSettings;
use fithub_core::db::diagnose;
use fithub_core::db::migrations;
use serde::Serialize;
use url::Url;

use crate::output::{Format, print_json, say};
use crate::{GlobalArgs, Outcome, connect_error};

/// Check a running API (/health, or /ready with --ready) or the database itself (--database)
#[derive(Debug, Args)]
pub struct HealthArgs {
    /// Base URL of the API [default: http://<FITHUB_BIND>]
    #[arg(long, value_name = "URL", conflicts_with = "database")]
    url: Option<Url>,
    /// Check /ready (database reachable, schema current) instead of /health (process alive)
    #[arg(long, conflicts_with = "database")]
    ready: bool,
    /// Check the configured database directly: reachable, migrations current
    #[arg(long)]
    database: bool,
    /// Further attempts after a failed one
    #[arg(long, default_value_t = 0, value_name = "N")]
    retries: u32,
    /// Pause between attempts, e.g. 500ms, 2s
    #[arg(long, default_value = "2s", value_parser = humantime::parse_duration)]
    interval: Duration,
    /// Limit for one attempt, e.g. 5s
    #[arg(long, default_value = "5s", value_parser = humantime::parse_duration)]
    timeout: Duration,
    /// Output: text (a line per attempt) or json (a report)
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, Serialize)]
struct Attempt {
    attempt: u32,
    healthy: bool,
    /// The HTTP status, when an answer came.
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    elapsed_ms: u64,
    detail: String,
}

#[derive(Debug, Serialize)]
struct Report {
    target: String,
    healthy: bool,
    attempts: Vec<Attempt>,
}

/// What one attempt checks.
enum Target {
    Http {
        client: reqwest::Client,
        url: Url,
    },
    Database {
        db: Database,
        url: DatabaseUrl,
        settings: PoolSettings,
    },
}

pub async fn run(global: &GlobalArgs, args: HealthArgs) -> anyhow::Result<Outcome> {
    let config = global.load_config()?;
    let (target, shown) = if args.database {
        let settings = PoolSettings {
            create_sqlite_file: false,
            ..PoolSettings::from_config(&config)
        };
        let db = Database::connect_lazy(&config.database_url, &settings)?;
        let target = Target::Database {
            db,
            url: config.database_url.clone(),
            settings,
        };
        (target, config.database_url.redacted())
    } else {
        let base = match args.url.clone() {
            Some(url) => url,
            None => default_base_url(config.bind)?,
        };
        let url = base.join(if args.ready { "ready" } else { "health" })?;
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder().timeout(args.timeout).build()?;
        let shown = url.to_string();
        (Target::Http { client, url }, shown)
    };

    let total = args.retries.saturating_add(1);
    let mut report = Report {
        target: shown,
        healthy: false,
        attempts: Vec::new(),
    };
    for number in 1..=total {
        let started = Instant::now();
        let (healthy, status, detail) = target.check(args.timeout).await;
        let attempt = Attempt {
            attempt: number,
            healthy,
            status,
            elapsed_ms: started.elapsed().as_millis() as u64,
            detail,
        };
        if args.format == Format::Text {
            say!(
                "attempt {number}/{total}: {} {} ({} ms): {}",
                report.target,
                if healthy { "healthy" } else { "unhealthy" },
                attempt.elapsed_ms,
                attempt.detail
            )?;
        }
        report.attempts.push(attempt);
        if healthy {
            report.healthy = true;
            break;
        }
        if number < total {
            tokio::time::sleep(args.interval).await;
        }
    }
    if args.format == Format::Json {
        print_json(&report)?;
    }
    Ok(if report.healthy {
        Outcome::Success
    } else {
        Outcome::Unhealthy
    })
}

impl Target {
    /// One attempt: healthy or not, the HTTP status if any, and what was seen.
    async fn check(&self, timeout: Duration) -> (bool, Option<u16>, String) {
        match self {
            Target::Http { client, url } => match client.get(url.clone()).send().await {
                Ok(response) => {
                    let status = response.status();
                    // Only a 200 is healthy: a 503 from /ready, or a proxy's error page, is not.
                    let body = response.text().await.unwrap_or_default();
                    let detail = format!("HTTP {status} {}", summarize(&body));
                    (
                        status.as_u16() == 200,
                        Some(status.as_u16()),
                        detail.trim_end().to_owned(),
                    )
                }
                Err(error) => (false, None, describe(&error)),
            },
            Target::Database { db, url, settings } => {
                let checked = tokio::time::timeout(timeout, async {
                    db.ping().await?;
                    migrations::status(db).await
                })
                .await;
                match checked {
                    Err(_) => (
                        false,
                        None,
                        format!("no answer within {}", humantime::format_duration(timeout)),
                    ),
                    Ok(Err(error)) => {
                        let error = diagnose::explain(url, settings, error).await;
                        (
                            false,
                            None,
                            format!("unreachable: {}", connect_error(error)),
                        )
                    }
                    Ok(Ok(statuses)) if migrations::is_current(&statuses) => {
                        (true, None, "reachable, migrations current".to_owned())
                    }
                    Ok(Ok(statuses)) => {
                        let waiting = statuses
                            .iter()
                            .filter(|s| {
                                !matches!(
                                    s.state,
                                    migrations::MigrationState::Applied
                                        | migrations::MigrationState::Unknown
                                )
                            })
                            .count();
                        (
                            false,
                            None,
                            format!(
                                "reachable, {waiting} migration(s) not applied: run `fithub migrate`"
                            ),
                        )
                    }
                }
            }
        }
    }
}

/// The API's own address, reachable from this machine (`0.0.0.0` means "any", so use loopback).
fn default_base_url(bind: std::net::SocketAddr) -> anyhow::Result<Url> {
    let host = match bind.ip() {
        ip if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        ip => ip,
    };
    let host = match host {
        IpAddr::V6(v6) => format!("[{v6}]"),
        IpAddr::V4(v4) => v4.to_string(),
    };
    Ok(Url::parse(&format!("http://{host}:{}/", bind.port()))?)
}

/// A one-line summary of a JSON body such as /ready's checks.
fn summarize(body: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(body) {
        Ok(value) => value
            .get("checks")
            .map(|checks| checks.to_string())
            .unwrap_or_default(),
        Err(_) => String::new(),
    }
}

fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connect() {
        "connection failed".to_owned()
    } else {
        error.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_url_reaches_an_unspecified_bind_over_loopback() {
        let url = default_base_url("0.0.0.0:8000".parse().expect("addr")).expect("url");
        assert_eq!(url.as_str(), "http://127.0.0.1:8000/");
        let url = default_base_url("[::1]:9000".parse().expect("addr")).expect("url");
        assert_eq!(url.as_str(), "http://[::1]:9000/");
    }
}
