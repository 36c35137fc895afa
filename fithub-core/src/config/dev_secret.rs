//! In development, FitHub needs a JWT secret without asking for one. A fresh random secret at every
//! start would log everyone out on each restart, so on SQLite it is kept in a file next to the
//! database (mode 0600). Production never gets here: it must configure `FITHUB_JWT_SECRET`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use rand::RngCore;

use super::{Config, Secret};
use crate::error::{Error, Result};

/// The configured secret or, in development, a generated one (persisted next to an SQLite file).
pub fn jwt_secret_or_generate(config: &Config) -> Result<Secret> {
    if let Some(secret) = &config.jwt_secret {
        return Ok(secret.clone());
    }
    if config.is_production() {
        return Err(Error::Config(
            "FITHUB_JWT_SECRET must be set when FITHUB_ENV=production".to_owned(),
        ));
    }
    match config.database_url.sqlite_file() {
        Some(database) => load_or_create(&secret_path_for(&database)),
        // PostgreSQL in development: nowhere obvious to keep it, so it lives as long as the process.
        None => {
            tracing::warn!(
                "FITHUB_JWT_SECRET is not set: using a random secret, tokens end at restart"
            );
            Ok(Secret::new(random_secret()))
        }
    }
}

/// `fithub.db` → `fithub.db.jwt-secret`.
pub fn secret_path_for(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".jwt-secret");
    PathBuf::from(name)
}

fn load_or_create(path: &Path) -> Result<Secret> {
    let io_error = |error: std::io::Error| {
        Error::Config(format!("JWT secret file {}: {error}", path.display()))
    };
    match fs::read_to_string(path) {
        Ok(text) if !text.trim().is_empty() => return Ok(Secret::new(text.trim())),
        Ok(_) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => return Err(io_error(error)),
    }
    let secret = random_secret();
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(secret.as_bytes()).map_err(io_error)?;
            tracing::info!(path = %path.display(), "generated a development JWT secret");
            Ok(Secret::new(secret))
        }
        // Another process created it first: use theirs, so both sign alike.
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => fs::read_to_string(path)
            .map(|text| Secret::new(text.trim()))
            .map_err(io_error),
        Err(error) => Err(io_error(error)),
    }
}

fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev_config(database_url: String) -> Config {
        Config {
            database_url: crate::config::DatabaseUrl::new(database_url),
            ..Config::default()
        }
    }

    #[test]
    fn generated_secret_is_kept_next_to_the_database_with_mode_0600() {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = dir.path().join("fithub.db");
        let config = dev_config(format!("sqlite://{}", database.display()));

        let first = jwt_secret_or_generate(&config).expect("generated");
        let second = jwt_secret_or_generate(&config).expect("read back");
        assert_eq!(
            first.expose(),
            second.expose(),
            "a restart keeps the secret"
        );
        assert_eq!(first.expose().len(), 64);

        let file = dir.path().join("fithub.db.jwt-secret");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&file).expect("exists").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn configured_secret_wins_and_writes_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = dir.path().join("fithub.db");
        let config = Config {
            jwt_secret: Some(Secret::new("configured")),
            ..dev_config(format!("sqlite://{}", database.display()))
        };
        assert_eq!(
            jwt_secret_or_generate(&config).expect("ok").expose(),
            "configured"
        );
        assert!(!dir.path().join("fithub.db.jwt-secret").exists());
    }

    #[test]
    fn production_never_generates() {
        let config = Config {
            env: crate::config::Environment::Production,
            ..Config::default()
        };
        assert!(jwt_secret_or_generate(&config).is_err());
    }
}
