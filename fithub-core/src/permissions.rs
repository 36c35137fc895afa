//! The one permission check for shared objects: categories (anyone may create; the creator or
//! staff may change) and the public ingredient catalogue (staff only). Private objects need no
//! check here: their queries carry the owner, so another user's object is simply not found.

use crate::accounts::User;
use crate::error::{Error, Result};

/// May `user` change or delete a shared object created by `created_by` (`None`: no known
/// creator, as for the public catalogue)? Staff may change anything shared.
pub fn may_modify_shared(user: &User, created_by: Option<i64>) -> bool {
    user.has_staff_rights() || created_by == Some(user.id)
}

/// [`may_modify_shared`], as a `Forbidden` error.
pub fn ensure_may_modify_shared(user: &User, created_by: Option<i64>) -> Result<()> {
    if may_modify_shared(user, created_by) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: i64, is_staff: bool, is_superuser: bool) -> User {
        User {
            is_staff,
            is_superuser,
            ..User::sample(id)
        }
    }

    #[test]
    fn creators_and_staff_may_modify_shared_objects() {
        let creator = user(1, false, false);
        let other = user(2, false, false);
        assert!(may_modify_shared(&creator, Some(1)));
        assert!(!may_modify_shared(&other, Some(1)));
        assert!(
            !may_modify_shared(&other, None),
            "the catalogue is staff-only"
        );
        assert!(may_modify_shared(&user(3, true, false), None));
        assert!(
            may_modify_shared(&user(4, false, true), Some(1)),
            "superusers have staff rights"
        );
        assert!(matches!(
            ensure_may_modify_shared(&other, Some(1)),
            Err(Error::Forbidden)
        ));
    }
}
