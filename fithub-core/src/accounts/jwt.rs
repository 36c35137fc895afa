//! JSON Web Tokens (API.md §1.5): HS256 with the server's secret, the contract's claims, and one
//! more, `gen`, the user's token generation when the token was issued. Raising the generation
//! (password change, deactivation) revokes every token issued before.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Deserializer, Serialize};
use time::Duration;

use crate::config::Secret;
use crate::datetime::Timestamp;
use crate::error::{Error, Result, TokenProblem};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    Access,
    Refresh,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub token_type: TokenKind,
    pub exp: i64,
    pub iat: i64,
    /// 32 lower-case hex characters, unique per token.
    pub jti: String,
    /// The user's id as a string, as the contract says.
    #[serde(deserialize_with = "id_from_string_or_number")]
    pub user_id: String,
    #[serde(rename = "gen", default)]
    pub generation: i64,
}

impl Claims {
    pub fn user_id(&self) -> Option<i64> {
        self.user_id.parse().ok()
    }
}

/// Signs and checks tokens.
#[derive(Clone)]
pub struct Jwt {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub access_lifetime: Duration,
    pub refresh_lifetime: Duration,
}

impl Jwt {
    pub fn new(secret: &Secret, access_lifetime: Duration, refresh_lifetime: Duration) -> Jwt {
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is exact: a token is expired the second its `exp` passes.
        validation.leeway = 0;
        validation.validate_aud = false;
        validation.set_required_spec_claims(&["exp"]);
        Jwt {
            encoding: EncodingKey::from_secret(secret.expose().as_bytes()),
            decoding: DecodingKey::from_secret(secret.expose().as_bytes()),
            validation,
            access_lifetime,
            refresh_lifetime,
        }
    }

    /// A new signed token and its claims.
    pub fn issue(
        &self,
        kind: TokenKind,
        user_id: i64,
        generation: i64,
        now: Timestamp,
    ) -> Result<(String, Claims)> {
        let lifetime = match kind {
            TokenKind::Access => self.access_lifetime,
            TokenKind::Refresh => self.refresh_lifetime,
        };
        let claims = Claims {
            token_type: kind,
            exp: (now + lifetime).unix_seconds(),
            iat: now.unix_seconds(),
            jti: uuid::Uuid::new_v4().simple().to_string(),
            user_id: user_id.to_string(),
            generation,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|error| Error::Internal(format!("signing a token: {error}")))?;
        Ok((token, claims))
    }

    /// The claims of a well-formed, correctly signed, unexpired token.
    pub fn decode(&self, token: &str) -> Result<Claims, TokenProblem> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|error| match error.kind() {
                ErrorKind::ExpiredSignature => TokenProblem::Expired,
                _ => TokenProblem::Invalid,
            })
    }
}

fn id_from_string_or_number<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Number(i64),
    }
    Ok(match Id::deserialize(deserializer)? {
        Id::Text(text) => text,
        Id::Number(number) => number.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt() -> Jwt {
        Jwt::new(
            &Secret::new("k".repeat(32)),
            Duration::minutes(60),
            Duration::days(7),
        )
    }

    #[test]
    fn issues_the_contract_claims() {
        let now = Timestamp::now();
        let (token, claims) = jwt().issue(TokenKind::Access, 42, 3, now).expect("issue");
        assert_eq!(claims.exp - claims.iat, 3600);
        assert_eq!(claims.jti.len(), 32);
        assert!(
            claims
                .jti
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );

        let decoded = jwt().decode(&token).expect("valid");
        assert_eq!(decoded.user_id, "42");
        assert_eq!(decoded.token_type, TokenKind::Access);
        assert_eq!(decoded.generation, 3);

        // The payload really says "user_id": "42" and "token_type": "access".
        let payload = token.split('.').nth(1).expect("payload");
        use base64::Engine;
        let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .map(|bytes| String::from_utf8(bytes).expect("utf-8"))
            .expect("base64url");
        assert!(json.contains(r#""user_id":"42""#), "{json}");
        assert!(json.contains(r#""token_type":"access""#), "{json}");
    }

    #[test]
    fn tells_expired_from_invalid() {
        let long_ago = Timestamp::now() - Duration::days(30);
        let (expired, _) = jwt()
            .issue(TokenKind::Refresh, 1, 0, long_ago)
            .expect("issue");
        assert_eq!(jwt().decode(&expired).unwrap_err(), TokenProblem::Expired);
        assert_eq!(
            jwt().decode("not.a.token").unwrap_err(),
            TokenProblem::Invalid
        );

        let other = Jwt::new(
            &Secret::new("other".repeat(8)),
            Duration::minutes(1),
            Duration::minutes(1),
        );
        let (foreign, _) = other
            .issue(TokenKind::Access, 1, 0, Timestamp::now())
            .expect("issue");
        assert_eq!(jwt().decode(&foreign).unwrap_err(), TokenProblem::Invalid);
    }
}
