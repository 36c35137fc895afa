//! Values that must never appear in logs or printed configuration.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

const REDACTED: &str = "[redacted]";

/// A secret string (the JWT signing key). `Debug` and `Display` never show it; call
/// [`Secret::expose`] where the value is really needed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Serialized as the marker, never as the value.
impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(REDACTED)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScalarText).map(Secret)
    }
}

/// Environment values are parsed TOML-style by figment, so a secret of digits arrives as a number:
/// take any scalar back as its text.
struct ScalarText;

impl serde::de::Visitor<'_> for ScalarText {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }
}

/// A URL whose password is hidden when shown: the database's, Redis's.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn new(url: impl Into<String>) -> Self {
        DatabaseUrl(url.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The file of an `sqlite://` URL, or `None` for other databases and in-memory SQLite.
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        let rest = self
            .0
            .strip_prefix("sqlite://")
            .or_else(|| self.0.strip_prefix("sqlite:"))?;
        let path = rest.split('?').next().unwrap_or_default();
        if path.is_empty() || path == ":memory:" {
            return None;
        }
        Some(PathBuf::from(path))
    }

    /// The URL with any password replaced, safe to print and log.
    pub fn redacted(&self) -> String {
        match url::Url::parse(&self.0) {
            Ok(mut url) if url.password().is_some() => {
                // A placeholder the URL need not percent-encode, swapped for the marker after.
                const PLACEHOLDER: &str = "fithub-redacted-password";
                // Cannot fail: a URL with a password has a host.
                let _ = url.set_password(Some(PLACEHOLDER));
                url.to_string().replace(PLACEHOLDER, REDACTED)
            }
            Ok(_) => self.0.clone(),
            // Unparseable: it might still hold a password, so show only the scheme.
            Err(_) => match self.0.split_once(':') {
                Some((scheme, _)) => format!("{scheme}:{REDACTED}"),
                None => REDACTED.to_owned(),
            },
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// Serialized redacted, like every other way of showing it: what is serialized gets printed.
impl Serialize for DatabaseUrl {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.redacted())
    }
}

impl<'de> Deserialize<'de> for DatabaseUrl {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScalarText).map(DatabaseUrl)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_shows_its_value() {
        let secret = Secret::new("hunter2-hunter2");
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert_eq!(secret.to_string(), "[redacted]");
        assert_eq!(secret.expose(), "hunter2-hunter2");
    }

    #[test]
    fn database_url_hides_the_password_only() {
        let url = DatabaseUrl::new("postgres://fithub:s3cret@db.internal:5432/fithub");
        assert_eq!(
            url.redacted(),
            "postgres://fithub:[redacted]@db.internal:5432/fithub"
        );
        assert!(!format!("{url:?} {url}").contains("s3cret"));
        assert_eq!(
            url.expose(),
            "postgres://fithub:s3cret@db.internal:5432/fithub"
        );
    }

    #[test]
    fn database_url_without_password_is_shown_as_is() {
        assert_eq!(
            DatabaseUrl::new("sqlite://fithub.db").redacted(),
            "sqlite://fithub.db"
        );
        assert_eq!(
            DatabaseUrl::new("postgres://postgres@127.0.0.1/fithub").redacted(),
            "postgres://postgres@127.0.0.1/fithub"
        );
    }

    #[test]
    fn sqlite_file_strips_scheme_and_options() {
        let file = |url: &str| DatabaseUrl::new(url).sqlite_file();
        assert_eq!(file("sqlite://fithub.db"), Some(PathBuf::from("fithub.db")));
        assert_eq!(
            file("sqlite:///var/lib/f.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/f.db"))
        );
        assert_eq!(file("sqlite::memory:"), None);
        assert_eq!(file("postgres://h/db"), None);
    }

    #[test]
    fn unparseable_database_url_is_hidden() {
        let url = DatabaseUrl::new("postgres//user:pw@host");
        assert!(!url.redacted().contains("pw"));
    }
}
