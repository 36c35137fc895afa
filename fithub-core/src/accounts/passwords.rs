//! Password hashing: argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane).
//!
//! Verification follows the settings written in the stored hash, so a stored hash is only ever
//! verified when it is one FitHub could have made, give or take: argon2id, version 0x13, within
//! the cost limits below. Anything else (an imported hash with a huge memory cost would make one
//! unauthenticated login take seconds and a gigabyte) never matches, and costs what a normal
//! check costs.
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

/// The most memory a stored hash may ask for, in KiB (64 MiB; FitHub's own use 19 MiB).
const MAX_MEMORY_KIB: u32 = 65_536;
/// The most passes a stored hash may ask for (FitHub's own: 2).
const MAX_PASSES: u32 = 4;
/// The most lanes a stored hash may ask for (FitHub's own: 1).
const MAX_LANES: u32 = 4;

/// Whether FitHub verifies passwords against `hash`: an argon2id hash of version 0x13 whose cost
/// is within the limits; otherwise what is wrong with it. The login (for which such a hash never
/// matches) and the import of an archive (which refuses it) both ask this.
pub fn check_password_hash(hash: &str) -> std::result::Result<(), String> {
    let parsed = PasswordHash::new(hash).map_err(|_| "is not a PHC hash string".to_owned())?;
    if parsed.algorithm.as_str() != Algorithm::Argon2id.as_str() {
        return Err(format!("is {}, not argon2id", parsed.algorithm.as_str()));
    }
    if parsed.version != Some(Version::V0x13 as u32) {
        return Err("is not argon2 version 19 (0x13)".to_owned());
    }
    let params =
        Params::try_from(&parsed).map_err(|error| format!("has invalid parameters: {error}"))?;
    let (m, t, p) = (params.m_cost(), params.t_cost(), params.p_cost());
    if m > MAX_MEMORY_KIB || t > MAX_PASSES || p > MAX_LANES {
        return Err(format!(
            "costs m={m}, t={t}, p={p}: at most m={MAX_MEMORY_KIB}, t={MAX_PASSES}, \
             p={MAX_LANES} are verified"
        ));
    }
    Ok(())
}

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

    /// Whether `password` matches `stored`. With no stored hash (an unknown user), or one that
    /// [`check_password_hash`] refuses, it still does the work of a normal verification, and
    /// answers `false`.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool> {
        let password = password.to_owned();
        let stored = match stored.map(|hash| (hash, check_password_hash(hash))) {
            Some((hash, Ok(()))) => Some(hash.to_owned()),
            Some((_, Err(problem))) => {
                tracing::warn!(%problem, "a stored password hash is refused: it never matches");
                None
            }
            None => None,
        };
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

    #[test]
    fn only_argon2id_v19_hashes_within_the_limits_are_verified() {
        let ours = hasher()
            .hash_password(b"correct horse")
            .expect("hash")
            .to_string();
        assert_eq!(check_password_hash(&ours), Ok(()));
        let salt_and_hash = "c29tZXNhbHRzb21lc2FsdA$4bCTXPGvmn3iKiUYLxSnW3NDKNnHmt8pT6Fk4uqRNNs";
        let with = |settings: &str| format!("${settings}${salt_and_hash}");
        for (settings, problem) in [
            ("argon2id$v=19$m=65537,t=1,p=1", "costs m=65537"),
            ("argon2id$v=19$m=1048576,t=1,p=1", "costs m=1048576"),
            ("argon2id$v=19$m=19456,t=5,p=1", "t=5"),
            ("argon2id$v=19$m=19456,t=2,p=5", "p=5"),
            ("argon2i$v=19$m=19456,t=2,p=1", "not argon2id"),
            ("argon2id$v=16$m=19456,t=2,p=1", "version 19"),
            ("argon2id$m=19456,t=2,p=1", "version 19"),
        ] {
            let refused = check_password_hash(&with(settings)).expect_err(settings);
            assert!(refused.contains(problem), "{settings}: {refused}");
        }
        assert_eq!(
            check_password_hash(&with("argon2id$v=19$m=65536,t=4,p=4")),
            Ok(())
        );
        assert!(check_password_hash("pbkdf2_sha256$600000$salt$hash").is_err());
    }
}
