//! The application state every handler sees, and how it is brought up.

use std::sync::Arc;
use std::time::Duration;

use fithub_core::accounts::{Auth, Passwords};
use fithub_core::config::{Secret, dev_secret};
use fithub_core::db::migrations;
use fithub_core::db::{Backend, PoolSettings};
use fithub_core::nutrition::KeptDiaries;
use fithub_core::ratelimit::RateLimiter;
use fithub_core::{Config, Database, Error, Result};

/// Configuration, the database pool and the services handlers share. Cheap to clone.
#[derive(Clone)]
pub struct App {
    pub config: Arc<Config>,
    pub db: Database,
    /// Token signing, password hashing and the users authenticated recently. Shared, not
    /// copied: every request clones the `App`, and `Auth` holds the signing keys.
    pub auth: Arc<Auth>,
    /// The diaries answered recently, kept while they are current.
    pub diaries: Arc<KeptDiaries>,
}

impl App {
    /// `jwt_secret` is the configured secret or, in development, the generated one. Call it
    /// inside the tokio runtime: on PostgreSQL it starts listening for changed users.
    pub fn new(config: Config, db: Database, jwt_secret: Secret) -> App {
        let auth = Auth::new(&jwt_secret, &config, Passwords::for_this_machine())
            .remembering_users(&db, Duration::from_secs(config.auth_cache_secs));
        let diaries = KeptDiaries::new(config.diary_cache_mib.saturating_mul(1024 * 1024));
        App {
            config: Arc::new(config),
            db,
            auth: Arc::new(auth),
            diaries: Arc::new(diaries),
        }
    }

    /// Connects to the configured database and makes sure its schema is current.
    ///
    /// The embedded SQLite default migrates at start, so `fithub-api` runs on a fresh machine
    /// with nothing else. PostgreSQL is shared by replicas: migrations are a deliberate deploy
    /// step (`fithub migrate`), so a pending one stops the start unless `auto_migrate` is set.
    pub async fn start(config: Config) -> Result<App> {
        let jwt_secret = dev_secret::jwt_secret_or_generate(&config)?;
        // A statement still running when its request times out is cancelled with it.
        let settings = PoolSettings {
            statement_timeout: Some(config.request_timeout()),
            ..PoolSettings::from_config(&config)
        };
        // The migration check below is the first round trip: one connection at start, not two.
        let db = Database::connect_lazy(&config.database_url, &settings)?;
        let migrate_at_start = db.backend() == Backend::Sqlite || config.auto_migrate;
        if migrate_at_start {
            for applied in migrations::migrate(&db).await? {
                tracing::info!(version = applied.version, name = %applied.name, "applied migration");
            }
        } else {
            let statuses = migrations::status(&db).await?;
            if !migrations::is_current(&statuses) {
                let waiting: Vec<String> = statuses
                    .iter()
                    .filter(|s| s.state != migrations::MigrationState::Applied)
                    .filter(|s| s.state != migrations::MigrationState::Unknown)
                    .map(|s| format!("V{}__{} ({})", s.version, s.name, s.state.as_str()))
                    .collect();
                return Err(Error::Migration(format!(
                    "the database schema is not current: {}. Run `fithub migrate` first \
                     (or set FITHUB_AUTO_MIGRATE=true)",
                    waiting.join(", ")
                )));
            }
        }
        let db = db.with_replicas(&config, &settings).await?;
        let limits = RateLimiter::connect(&config).await?;
        Ok(App::new(config, db, jwt_secret).with_limits(limits))
    }

    /// Replaces the rate limiter of authentication attempts (e.g. with one counting in Redis).
    pub fn with_limits(mut self, limits: RateLimiter) -> App {
        self.auth = Arc::new((*self.auth).clone().with_limits(limits));
        self
    }
}
