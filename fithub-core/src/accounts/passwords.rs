//! Password hashing: argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane).
//!
//! Hashing is deliberately slow, so it runs on the blocking pool, never on the async workers, and
//! at most a few at a time: a flood of logins queues here instead of taking every core from the
//! rest of the API. Verifying for an unknown user costs the same as for a known one, so response
//! times do not reveal which usernames exist.

use std::sync::{Arc, OnceLock};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::error::{Error, Result};

/// Hashes and verifies passwords, a bounded number at a time. Cheap to clone.
#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
}

impl Passwords {
    /// At most `concurrency` hashes run at once (at least one).
    pub fn new(concurrency: usize) -> Passwords {
        Passwords {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
        }
    }

    /// Half the machine's cores: the other half keep serving everything else.
    pub fn for_this_machine() -> Passwords {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Passwords::new(cores / 2)
    }

    pub async fn hash(&self, password: &str) -> Result<String> {
        let password = password.to_owned();
        self.run(move || {
            hasher()
                .hash_password(password.as_bytes())
                .map(|hash| hash.to_string())
                .map_err(|error| Error::Internal(format!("hashing a password: {error}")))
        })
        .await?
    }

    /// Whether `password` matches `stored`. With no stored hash (an unknown user) it still does
    /// the work of a verification, and answers `false`.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool> {
        let password = password.to_owned();
        let stored = stored.map(str::to_owned);
        self.run(move || {
            let target = stored.as_deref().unwrap_or_else(|| decoy_hash());
            let matches = match PasswordHash::new(target) {
                Ok(hash) => hasher().verify_password(password.as_bytes(), &hash).is_ok(),
                Err(_) => false,
            };
            matches && stored.is_some()
        })
        .await
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| Error::Internal("password hasher closed".to_owned()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|error| Error::Internal(format!("password hashing task: {error}")))
    }
}

fn hasher() -> Argon2<'static> {
    // Params::DEFAULT is OWASP's first recommendation for argon2id: m=19 MiB, t=2, p=1.
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::DEFAULT)
}

/// A hash of a random password with the same parameters, verified against when the user is
/// unknown so that the answer takes as long as a real check.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        let password = uuid::Uuid::new_v4().to_string();
        hasher()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_with_argon2id_and_verifies() {
        let passwords = Passwords::new(1);
        let hash = passwords.hash("correct horse").await.expect("hash");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            passwords
                .verify("correct horse", Some(&hash))
                .await
                .expect("verify")
        );
        assert!(
            !passwords
                .verify("wrong horse", Some(&hash))
                .await
                .expect("verify")
        );
        assert!(!passwords.verify("anything", None).await.expect("verify"));
        assert!(
            !passwords
                .verify("x", Some("not a hash"))
                .await
                .expect("verify")
        );
    }
}
