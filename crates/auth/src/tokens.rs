//! Signed tokens. One root secret (`JWT_SECRET`) derives separate HMAC keys: one for platform
//! tokens and one per workflow owner for end-user tokens. A token minted by one owner's API
//! therefore verifies nowhere else — not against another owner's API, not against the platform
//! API — and a platform token is refused by every owner's `authMiddleware`.

use crate::AuthError;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::Sha256;

/// The claims of a platform token (the API's own login).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlatformClaims {
    pub sub: String,
    pub user_id: String,
    pub email: String,
    /// The session this token belongs to; the token is valid only while it exists.
    pub sid: String,
    pub iat: i64,
    pub exp: i64,
}

const PLATFORM_AUDIENCE: &str = "orchestrix-platform";

fn derive(root: &SecretString, purpose: &str) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail; the fallback keeps it total.
    match Hmac::<Sha256>::new_from_slice(root.expose_secret().as_bytes()) {
        Ok(mut mac) => {
            mac.update(purpose.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => purpose.as_bytes().to_vec(),
    }
}

fn validation(audience: &str) -> Validation {
    let mut v = Validation::new(Algorithm::HS256);
    v.algorithms = vec![Algorithm::HS256];
    v.leeway = 0;
    v.set_audience(&[audience]);
    v.set_required_spec_claims(&["exp", "aud"]);
    v
}

/// Issues and verifies every token Orchestrix signs.
#[derive(Clone)]
pub struct TokenKeys {
    root: SecretString,
    platform_encoding: EncodingKey,
    platform_decoding: DecodingKey,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys(<redacted>)")
    }
}

impl TokenKeys {
    pub fn new(root: SecretString) -> Self {
        let key = derive(&root, "orchestrix/platform/v1");
        Self {
            platform_encoding: EncodingKey::from_secret(&key),
            platform_decoding: DecodingKey::from_secret(&key),
            root,
        }
    }

    pub fn issue_platform(&self, claims: &PlatformClaims) -> Result<String, AuthError> {
        let mut body =
            serde_json::to_value(claims).map_err(|e| AuthError::Internal(e.to_string()))?;
        body["aud"] = PLATFORM_AUDIENCE.into();
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &body,
            &self.platform_encoding,
        )
        .map_err(|e| AuthError::Internal(e.to_string()))
    }

    /// Checks signature, algorithm (HS256 only — `alg: none` and others fail), audience and
    /// expiry. The session check is the caller's.
    pub fn verify_platform(&self, token: &str) -> Result<PlatformClaims, AuthError> {
        jsonwebtoken::decode::<PlatformClaims>(
            token,
            &self.platform_decoding,
            &validation(PLATFORM_AUDIENCE),
        )
        .map(|d| d.claims)
        .map_err(|_| AuthError::Unauthorized)
    }

    fn owner_audience(owner: &str) -> String {
        format!("orchestrix-api:{owner}")
    }

    fn owner_key(&self, owner: &str) -> Vec<u8> {
        derive(&self.root, &format!("orchestrix/end-user/v1/{owner}"))
    }

    /// Signs an end-user token for one owner's published APIs (`jwtGenerate`).
    pub fn sign_for_owner(
        &self,
        owner: &str,
        payload: &Value,
        expires_in_secs: u64,
        now: i64,
    ) -> Result<String, AuthError> {
        let mut claims: Map<String, Value> = match payload {
            Value::Object(o) => o.clone(),
            Value::Null => Map::new(),
            other => {
                let mut m = Map::new();
                m.insert("data".into(), other.clone());
                m
            }
        };
        claims.insert("iat".into(), now.into());
        claims.insert(
            "exp".into(),
            (now.saturating_add(expires_in_secs as i64)).into(),
        );
        claims.insert("aud".into(), Self::owner_audience(owner).into());
        let key = EncodingKey::from_secret(&self.owner_key(owner));
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key)
            .map_err(|e| AuthError::Internal(e.to_string()))
    }

    /// Verifies an end-user token for one owner (`authMiddleware`) and returns its claims.
    pub fn verify_for_owner(&self, owner: &str, token: &str) -> Result<Value, AuthError> {
        let key = DecodingKey::from_secret(&self.owner_key(owner));
        jsonwebtoken::decode::<Value>(token, &key, &validation(&Self::owner_audience(owner)))
            .map(|d| d.claims)
            .map_err(|_| AuthError::Unauthorized)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn keys(secret: &str) -> TokenKeys {
        TokenKeys::new(SecretString::from(secret.to_owned()))
    }

    fn claims(exp_in: i64) -> PlatformClaims {
        let now = chrono::Utc::now().timestamp();
        PlatformClaims {
            sub: "u1".into(),
            user_id: "u1".into(),
            email: "a@b.co".into(),
            sid: "s1".into(),
            iat: now,
            exp: now + exp_in,
        }
    }

    #[test]
    fn platform_tokens_verify_only_with_their_secret_and_before_expiry() {
        let k = keys(&"a".repeat(32));
        let t = k.issue_platform(&claims(60)).unwrap();
        assert_eq!(k.verify_platform(&t).unwrap().sid, "s1");
        assert!(keys(&"b".repeat(32)).verify_platform(&t).is_err());
        let expired = k.issue_platform(&claims(-5)).unwrap();
        assert!(k.verify_platform(&expired).is_err());
    }

    #[test]
    fn alg_none_and_tampering_fail() {
        use base64::Engine;
        let b64 = |d: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(d);
        let unb64 = |s: &str| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(s)
                .unwrap()
        };
        let k = keys(&"a".repeat(32));
        let t = k.issue_platform(&claims(60)).unwrap();
        let parts: Vec<&str> = t.split('.').collect();
        // alg: none with the same payload and no signature.
        let none = format!("{}.{}.", b64(br#"{"alg":"none","typ":"JWT"}"#), parts[1]);
        assert!(k.verify_platform(&none).is_err());
        // A payload with another user, keeping the old signature.
        let mut payload: Value = serde_json::from_slice(&unb64(parts[1])).unwrap();
        payload["sub"] = json!("someone-else");
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            b64(payload.to_string().as_bytes()),
            parts[2]
        );
        assert!(k.verify_platform(&forged).is_err());
    }

    #[test]
    fn end_user_tokens_are_per_owner_and_never_platform() {
        let k = keys(&"a".repeat(32));
        let now = chrono::Utc::now().timestamp();
        let t = k
            .sign_for_owner("owner-a", &json!({"userId": "x"}), 3600, now)
            .unwrap();
        assert_eq!(k.verify_for_owner("owner-a", &t).unwrap()["userId"], "x");
        assert!(k.verify_for_owner("owner-b", &t).is_err());
        assert!(k.verify_platform(&t).is_err());
        let platform = k.issue_platform(&claims(60)).unwrap();
        assert!(k.verify_for_owner("owner-a", &platform).is_err());
        assert!(k.verify_for_owner("u1", &platform).is_err());
    }
}
