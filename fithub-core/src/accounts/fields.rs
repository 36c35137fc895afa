//! The rules of an account's text fields, each declared once: registration, the profile, the
//! login and the archive import all read them from here.

use crate::input::Text;

const USERNAME_FORMAT: &str = "Enter a valid username. This value may contain only letters, \
    numbers, and @/./+/-/_ characters.";
const EMAIL_INVALID: &str = "Enter a valid email address.";

crate::text_field! {
    /// Letters, digits and `@.+-_`, at most 150 characters. Nothing that could break out of a
    /// header (a quote, CR, LF) or a path.
    Username = Text::limited(150), format = username_format
}

crate::text_field! {
    /// An email address, at most 254 characters, or empty (none).
    Email = Text::limited_or_blank(254), format = email_format
}

crate::text_field! {
    /// `first_name`, `last_name`: at most 150 characters, may be empty.
    PersonName = Text::limited_or_blank(150)
}

fn username_format(username: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_alphanumeric() || matches!(c, '@' | '.' | '+' | '-' | '_');
    if username.chars().all(allowed) {
        Ok(())
    } else {
        Err(USERNAME_FORMAT.to_owned())
    }
}

fn email_format(email: &str) -> Result<(), String> {
    if email.is_empty() || email_address::EmailAddress::is_valid(email) {
        Ok(())
    } else {
        Err(EMAIL_INVALID.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_allow_letters_digits_and_five_marks_only() {
        assert!(Username::parse("zoë.o'brien").is_err());
        assert!(Username::parse("zoë_o-brien+1@x").is_ok());
        for bad in ["a\"b", "a\r\nb", "a b", "a/b", ""] {
            assert!(Username::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            Username::parse(&"a".repeat(151)).unwrap_err(),
            "Ensure this field has no more than 150 characters."
        );
    }

    #[test]
    fn an_email_is_valid_or_empty() {
        assert!(Email::parse("").is_ok());
        assert!(Email::parse("ada@example.com").is_ok());
        assert_eq!(
            Email::parse("not an address").unwrap_err(),
            "Enter a valid email address."
        );
    }
}
