//! The rules a new password must pass (API.md §3.4), in the order their messages are reported:
//! not too similar to the user's own details, not a common password, not entirely numeric.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use crate::input::Text;

/// The shortest password accepted.
pub const MIN_LENGTH: usize = 8;
/// The longest password accepted, in characters: room for any passphrase, and a bound on what a
/// request makes the server hash.
pub const MAX_LENGTH: usize = 4096;
/// Similarity at or above this ratio is too similar.
const MAX_SIMILARITY: f64 = 0.7;

/// 20,000 frequently used passwords, lower-case (see `common-passwords.LICENSE`).
const COMMON_PASSWORDS: &str = include_str!("common-passwords.txt");

/// The account details a password must not resemble.
#[derive(Debug, Clone, Copy, Default)]
pub struct PasswordContext<'a> {
    pub username: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub email: &'a str,
}

/// The reader's rule for every password key: not blank, at most [`MAX_LENGTH`] characters.
pub const PASSWORD_TEXT: Text = Text::limited(MAX_LENGTH);

/// The message for a password under [`MIN_LENGTH`] or over [`MAX_LENGTH`] characters.
pub fn length_problem(password: &str) -> Option<String> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        Some(format!(
            "Ensure this field has at least {MIN_LENGTH} characters."
        ))
    } else if length > MAX_LENGTH {
        Some(format!(
            "Ensure this field has no more than {MAX_LENGTH} characters."
        ))
    } else {
        None
    }
}

/// Every rule `password` fails, as messages in the contract's order.
pub fn password_problems(password: &str, context: PasswordContext<'_>) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(attribute) = similar_attribute(password, context) {
        problems.push(format!("The password is too similar to the {attribute}."));
    }
    if is_common(password) {
        problems.push("This password is too common.".to_owned());
    }
    if !password.is_empty() && password.chars().all(char::is_numeric) {
        problems.push("This password is entirely numeric.".to_owned());
    }
    problems
}

/// The first of the user's details the password is too similar to, by its display name.
fn similar_attribute(password: &str, context: PasswordContext<'_>) -> Option<&'static str> {
    let password = password.to_lowercase();
    [
        ("username", context.username),
        ("first name", context.first_name),
        ("last name", context.last_name),
        ("email address", context.email),
    ]
    .into_iter()
    .filter(|(_, value)| !value.is_empty())
    .find(|(_, value)| {
        let value = value.to_lowercase();
        // The whole value and each piece of it between non-word characters.
        value
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .chain(std::iter::once(value.as_str()))
            .any(|candidate| too_similar(&password, candidate))
    })
    .map(|(name, _)| name)
}

fn too_similar(password: &str, candidate: &str) -> bool {
    let password_len = password.chars().count();
    let candidate_len = candidate.chars().count();
    // A short piece of a long password says little: skip it.
    let negligible = password_len >= 10 * candidate_len
        && (candidate_len as f64) < MAX_SIMILARITY / 2.0 * password_len as f64;
    if negligible || password_len + candidate_len == 0 {
        return false;
    }
    let shared = shared_characters(password, candidate);
    2.0 * shared as f64 / (password_len + candidate_len) as f64 >= MAX_SIMILARITY
}

/// The size of the multiset intersection of the two strings' characters.
fn shared_characters(a: &str, b: &str) -> usize {
    let mut counts: HashMap<char, usize> = HashMap::new();
    for c in a.chars() {
        *counts.entry(c).or_default() += 1;
    }
    b.chars()
        .filter(|c| match counts.get_mut(c) {
            Some(count) if *count > 0 => {
                *count -= 1;
                true
            }
            _ => false,
        })
        .count()
}

fn is_common(password: &str) -> bool {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    let list = LIST.get_or_init(|| COMMON_PASSWORDS.lines().map(str::trim).collect());
    list.contains(password.trim().to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ada() -> PasswordContext<'static> {
        PasswordContext {
            username: "ada",
            first_name: "Ada",
            last_name: "Lovelace",
            email: "ada.lovelace@example.com",
        }
    }

    #[test]
    fn the_list_is_the_real_one() {
        assert!(COMMON_PASSWORDS.lines().count() >= 20_000);
        for common in ["password", "12345678", "qwerty123", "PassWord"] {
            assert!(is_common(common), "{common}");
        }
        assert!(!is_common("correct-horse-battery-staple"));
    }

    #[test]
    fn numeric_and_common_are_both_reported_in_order() {
        assert_eq!(
            password_problems("12345678", PasswordContext::default()),
            vec![
                "This password is too common.",
                "This password is entirely numeric."
            ]
        );
        assert_eq!(
            password_problems("83719461027", PasswordContext::default()),
            vec!["This password is entirely numeric."]
        );
    }

    #[test]
    fn similarity_names_the_first_similar_attribute() {
        assert_eq!(
            password_problems("lovelace1", ada()),
            vec!["The password is too similar to the last name."]
        );
        // "adada" is as similar to the first name, but the username comes first.
        assert_eq!(
            password_problems("adada", ada()),
            vec!["The password is too similar to the username."]
        );
        // The email splits at non-word characters: "example" is one of its pieces.
        assert_eq!(
            password_problems(
                "example9",
                PasswordContext {
                    email: "someone@example.com",
                    ..PasswordContext::default()
                }
            ),
            vec!["The password is too similar to the email address."]
        );
        assert!(password_problems("Tr0ub4dor&3xyz", ada()).is_empty());
    }

    #[test]
    fn short_pieces_of_long_passwords_are_ignored() {
        // "ada" (3) is under 0.35 × 31 and 31 ≥ 10 × 3: skipped, though every letter is shared.
        let long = "a-long-and-unrelated-passphrase";
        assert!(password_problems(long, ada()).is_empty());
    }

    #[test]
    fn shared_characters_count_multiplicity() {
        assert_eq!(shared_characters("aab", "abb"), 2);
        assert_eq!(shared_characters("abc", "xyz"), 0);
    }

    #[test]
    fn minimum_length_counts_characters() {
        assert!(length_problem("1234567").is_some());
        assert!(length_problem("ééééééé").is_some());
        assert!(length_problem("12345678").is_none());
        assert!(length_problem(&"é".repeat(MAX_LENGTH)).is_none());
        assert!(length_problem(&"é".repeat(MAX_LENGTH + 1)).is_some());
    }
}
