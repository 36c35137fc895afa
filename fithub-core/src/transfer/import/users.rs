//! Users, the special case of an import: who an archive's user is here, and what of their
//! credentials an archive may set.
//!
//! * An archive's user is the user of the same username here only if they joined at the same
//!   instant (`date_joined`): a restore finds its own users again, while an archive from
//!   elsewhere never merges into a different account that happens to share a name, whatever
//!   `--on-conflict` says.
//! * Password hashes, roles and reactivation come from an archive only when the import trusts
//!   it (`--trust-credentials`): otherwise a new user arrives without a password (an operator
//!   sets one) and without roles, and an existing user keeps theirs.
//! * Any change to an existing user's credentials ends everything they hold, and the token
//!   generation is never lowered, so a restore does not bring revoked tokens back.

use super::ids::{ArchiveId, LocalId};
use super::{Importer, OnConflict, Owner};
use crate::accounts;
use crate::datetime::Timestamp;
use crate::db::query;
use crate::error::{Error, Result};
use crate::transfer::ArchivedUser;
use crate::transfer::records::NO_PASSWORD;
use crate::transfer::table::Table;

/// An existing user of the archive user's name.
#[derive(sqlx::FromRow)]
struct Resident {
    id: i64,
    date_joined: Timestamp,
    password_hash: String,
    is_active: bool,
    is_staff: bool,
    is_superuser: bool,
    token_generation: i64,
}

/// What of a user's credentials the import writes.
struct Credentials {
    password_hash: String,
    is_active: bool,
    is_staff: bool,
    is_superuser: bool,
}

impl Importer {
    pub(super) async fn user(&mut self, user: ArchivedUser) -> Result<()> {
        if self.ids.users.contains_key(&ArchiveId(user.id)) {
            return Err(Error::rejected(format!(
                "user id {} appears twice",
                user.id
            )));
        }
        let resident: Option<Resident> = query(
            "SELECT id, date_joined, password_hash, is_active, is_staff, is_superuser, \
             token_generation FROM users WHERE username = $1",
        )
        .bind(user.username.as_str())
        .fetch_optional(&mut self.tx)
        .await?;
        match resident {
            Some(resident) => self.existing_user(user, resident).await,
            None => self.new_user(user).await,
        }
    }

    async fn existing_user(&mut self, user: ArchivedUser, resident: Resident) -> Result<()> {
        if resident.date_joined != user.date_joined {
            return Err(Error::rejected(format!(
                "user {:?} exists already, as another account (joined {}; the archive's \
                 joined {}): an archive never merges into a different user",
                user.username,
                resident.date_joined.to_wire(),
                user.date_joined.to_wire()
            )));
        }
        // Before any of their rows, like every request's write (`Caller::begin`): one lock order,
        // so an import never deadlocks with that user's requests.
        crate::accounts::lock_user(&mut self.tx, resident.id).await?;
        match self.options.on_conflict {
            OnConflict::Fail => return Err(self.clash(&format!("user {:?}", user.username))),
            OnConflict::Skip => Self::count(&mut self.report.skipped, "user"),
            OnConflict::Update => {
                self.update_user(&user, &resident).await?;
                Self::count(&mut self.report.updated, "user");
            }
        }
        let owner = Owner {
            id: LocalId(resident.id),
            new: false,
        };
        self.ids.users.insert(ArchiveId(user.id), owner);
        Ok(())
    }

    async fn update_user(&mut self, user: &ArchivedUser, resident: &Resident) -> Result<()> {
        self.check_email(&user.email, Some(resident.id)).await?;
        let credentials = if self.options.trust_credentials {
            Credentials {
                password_hash: user
                    .password_hash
                    .clone()
                    .unwrap_or_else(|| resident.password_hash.clone()),
                is_active: user.is_active,
                is_staff: user.is_staff,
                is_superuser: user.is_superuser,
            }
        } else {
            let kept = Credentials {
                password_hash: resident.password_hash.clone(),
                // An archive may deactivate, never reactivate.
                is_active: resident.is_active && user.is_active,
                is_staff: resident.is_staff,
                is_superuser: resident.is_superuser,
            };
            let offered = user
                .password_hash
                .as_ref()
                .is_some_and(|hash| *hash != resident.password_hash)
                || user.is_staff != resident.is_staff
                || user.is_superuser != resident.is_superuser
                || user.is_active != kept.is_active;
            if offered {
                self.report.untrusted_credentials += 1;
            }
            kept
        };
        query(
            "UPDATE users SET email = $2, first_name = $3, last_name = $4, password_hash = $5, \
             is_active = $6, is_staff = $7, is_superuser = $8, token_generation = $9, \
             time_zone = $10 WHERE id = $1",
        )
        .bind(resident.id)
        .bind(user.email.as_str())
        .bind(user.first_name.as_str())
        .bind(user.last_name.as_str())
        .bind(credentials.password_hash.as_str())
        .bind(credentials.is_active)
        .bind(credentials.is_staff)
        .bind(credentials.is_superuser)
        .bind(resident.token_generation.max(user.token_generation))
        .bind(user.time_zone.as_str())
        .execute(&mut self.tx)
        .await?;
        let changed = credentials.password_hash != resident.password_hash
            || credentials.is_active != resident.is_active
            || credentials.is_staff != resident.is_staff
            || credentials.is_superuser != resident.is_superuser;
        if changed {
            accounts::revoke_credentials(&mut self.tx, resident.id).await?;
        }
        Ok(())
    }

    async fn new_user(&mut self, user: ArchivedUser) -> Result<()> {
        self.check_email(&user.email, None).await?;
        let credentials = if self.options.trust_credentials {
            Credentials {
                password_hash: user
                    .password_hash
                    .clone()
                    .unwrap_or_else(|| NO_PASSWORD.to_owned()),
                is_active: user.is_active,
                is_staff: user.is_staff,
                is_superuser: user.is_superuser,
            }
        } else {
            if user.password_hash.is_some() || user.is_staff || user.is_superuser {
                self.report.untrusted_credentials += 1;
            }
            Credentials {
                password_hash: NO_PASSWORD.to_owned(),
                is_active: user.is_active,
                is_staff: false,
                is_superuser: false,
            }
        };
        let archive_id = user.id;
        let mut row = user.into_row();
        row.set("password_hash", credentials.password_hash);
        row.set("is_active", credentials.is_active);
        row.set("is_staff", credentials.is_staff);
        row.set("is_superuser", credentials.is_superuser);
        let id = self.insert(ArchivedUser::TABLE, archive_id, row).await?;
        self.ids
            .users
            .insert(ArchiveId(archive_id), Owner { id, new: true });
        Self::count(&mut self.report.created, "user");
        Ok(())
    }

    async fn check_email(&mut self, email: &str, except: Option<i64>) -> Result<()> {
        if email.is_empty() {
            return Ok(());
        }
        let taken: bool = query(
            "SELECT EXISTS (SELECT 1 FROM users WHERE lower(email) = lower($1) AND id <> $2)",
        )
        .bind(email)
        .bind(except.unwrap_or(0))
        .fetch_scalar(&mut self.tx)
        .await?;
        if taken {
            return Err(Error::rejected(format!(
                "email {email:?} belongs to another user here"
            )));
        }
        Ok(())
    }
}
