//! Entity tags and conditional writes (API.md §6.4).
//!
//! An object's tag is a hash of its JSON representation, exactly as a `GET` answers it: it changes
//! whenever anything shown changes (a meal's totals when one of its ingredients changes, say),
//! which a version column could not promise. A write with `If-Match` compares the tag of the
//! object as it is inside the write's transaction, under the lock the write takes, so of two
//! writers holding the same tag exactly one succeeds.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// A strong entity tag, quoted as it travels in `ETag` and `If-Match`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ETag(String);

impl ETag {
    /// The tag of a representation's JSON bytes.
    pub fn of_json(bytes: &[u8]) -> ETag {
        let digest = Sha256::digest(bytes);
        ETag(format!("\"{}\"", hex::encode(&digest[..16])))
    }

    /// The tag of `object` as the API serializes it.
    pub fn of(object: &impl Serialize) -> Result<ETag> {
        let bytes = serde_json::to_vec(object)
            .map_err(|error| Error::Internal(format!("serializing for an ETag: {error}")))?;
        Ok(ETag::of_json(&bytes))
    }

    /// A strong tag as it travels (`"…"`); `None` for a weak or malformed one.
    pub fn parse(text: &str) -> Option<ETag> {
        let inner = text.strip_prefix('"')?.strip_suffix('"')?;
        (!inner.contains('"')).then(|| ETag(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What an `If-Match` or `If-None-Match` header names: any current representation, or some tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tags {
    Any,
    These(Vec<String>),
}

impl Tags {
    /// Parses a header value: `*`, or a comma-separated list of quoted tags (weak ones too, for
    /// `If-None-Match`; a weak tag never matches a strong comparison).
    pub fn parse(header: &str) -> Tags {
        if header.trim() == "*" {
            return Tags::Any;
        }
        Tags::These(
            header
                .split(',')
                .map(|tag| tag.trim().to_owned())
                .filter(|tag| !tag.is_empty())
                .collect(),
        )
    }

    /// Whether `tag` is among these, compared strongly (`If-Match`).
    pub fn contain(&self, tag: &ETag) -> bool {
        match self {
            Tags::Any => true,
            Tags::These(tags) => tags.iter().any(|candidate| candidate == tag.as_str()),
        }
    }

    /// Whether `tag` is among these, `W/` tags included (`If-None-Match`, RFC 9110 §13.1.2).
    pub fn contain_weakly(&self, tag: &ETag) -> bool {
        match self {
            Tags::Any => true,
            Tags::These(tags) => tags
                .iter()
                .any(|candidate| candidate.trim_start_matches("W/") == tag.as_str()),
        }
    }
}

/// A write's precondition: `If-Match`, when the request carried one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IfMatch(pub Option<Tags>);

impl IfMatch {
    /// Unconditional.
    pub const NONE: IfMatch = IfMatch(None);

    /// Refuses the write unless `current`, the object as a `GET` would show it now, carries one
    /// of the tags. Call it inside the write's transaction, after taking the write's lock.
    pub fn check(&self, current: &impl Serialize) -> Result<()> {
        let Some(tags) = &self.0 else {
            return Ok(());
        };
        if matches!(tags, Tags::Any) || tags.contain(&ETag::of(current)?) {
            Ok(())
        } else {
            Err(Error::PreconditionFailed)
        }
    }

    pub fn is_set(&self) -> bool {
        self.0.is_some()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_tag_follows_the_representation() {
        let a = ETag::of(&json!({"id": 1, "name": "Oats"})).expect("tag");
        let b = ETag::of(&json!({"id": 1, "name": "Rice"})).expect("tag");
        assert_ne!(a, b);
        assert_eq!(a, ETag::of_json(br#"{"id":1,"name":"Oats"}"#));
        assert!(a.as_str().starts_with('"') && a.as_str().ends_with('"'));
        assert_eq!(a.as_str().len(), 34);
    }

    #[test]
    fn if_match_names_a_current_tag_or_any() {
        let object = json!({"id": 1});
        let tag = ETag::of(&object).expect("tag");
        assert!(IfMatch::NONE.check(&object).is_ok());
        assert!(IfMatch(Some(Tags::Any)).check(&object).is_ok());
        let listed = Tags::parse(&format!("\"stale\", {}", tag.as_str()));
        assert!(IfMatch(Some(listed)).check(&object).is_ok());
        assert!(matches!(
            IfMatch(Some(Tags::parse("\"stale\""))).check(&object),
            Err(Error::PreconditionFailed)
        ));
        assert!(
            !Tags::parse(&format!("W/{}", tag.as_str())).contain(&tag),
            "a weak tag never matches strongly"
        );
    }
}
