//! Registration, login, and sessions that can be revoked: a platform token is only as good as
//! the session it names.

use crate::{AuthError, Passwords, PlatformClaims, TokenKeys};
use chrono::{DateTime, Utc};
use orchestrix_domain::{Email, Session, SessionId, User, UserId};
use orchestrix_store::{DocumentStore, Sessions, StoreError, Users};
use serde_json::json;
use std::sync::Arc;

/// How long a session (and its token) lives unless configured otherwise.
pub const SESSION_TTL_DEFAULT: chrono::Duration = chrono::Duration::days(7);

/// The authenticated caller of a platform request.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    pub user_id: UserId,
    pub email: String,
    pub session_id: SessionId,
}

/// Users and their sessions.
#[derive(Clone)]
pub struct Accounts {
    users: Users,
    sessions: Sessions,
    passwords: Passwords,
    keys: TokenKeys,
    session_ttl: chrono::Duration,
}

impl Accounts {
    pub fn new(store: Arc<dyn DocumentStore>, keys: TokenKeys, passwords: Passwords) -> Self {
        Self {
            users: Users::new(store.clone()),
            sessions: Sessions::new(store),
            passwords,
            keys,
            session_ttl: SESSION_TTL_DEFAULT,
        }
    }

    pub fn with_session_ttl(mut self, ttl: chrono::Duration) -> Self {
        self.session_ttl = ttl;
        self
    }

    pub fn keys(&self) -> &TokenKeys {
        &self.keys
    }

    pub fn passwords(&self) -> &Passwords {
        &self.passwords
    }

    /// Creates a user and logs them in.
    pub async fn register(
        &self,
        email: &str,
        password: &str,
        name: Option<String>,
        user_agent: Option<String>,
    ) -> Result<(User, String), AuthError> {
        let mut problems = serde_json::Map::new();
        let parsed = Email::parse(email);
        if let Err(e) = &parsed {
            problems.insert("email".into(), json!([e.reason]));
        }
        if password.chars().count() < 8 {
            problems.insert("password".into(), json!(["must be at least 8 characters"]));
        } else if password.len() > crate::MAX_PASSWORD_BYTES {
            problems.insert(
                "password".into(),
                json!([format!(
                    "must be at most {} bytes",
                    crate::MAX_PASSWORD_BYTES
                )]),
            );
        }
        let name = name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        if name.as_ref().is_some_and(|n| n.chars().count() > 200) {
            problems.insert("name".into(), json!(["must be at most 200 characters"]));
        }
        let email = match parsed {
            Ok(email) if problems.is_empty() => email,
            _ => return Err(AuthError::Validation(problems.into())),
        };
        let user = User {
            id: UserId::generate(),
            email,
            name,
            password_hash: self.passwords.hash(password).await?,
            created_at: Utc::now(),
        };
        match self.users.create(&user).await {
            Ok(()) => {}
            Err(StoreError::DuplicateKey { .. }) => return Err(AuthError::EmailTaken),
            Err(e) => return Err(e.into()),
        }
        let token = self.open_session(&user, user_agent).await?;
        Ok((user, token))
    }

    /// Checks the password and opens a session. Unknown emails take as long as wrong
    /// passwords and fail the same way.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        user_agent: Option<String>,
    ) -> Result<(User, String), AuthError> {
        let Ok(email) = Email::parse(email) else {
            self.passwords.verify_nothing(password).await;
            return Err(AuthError::InvalidCredentials);
        };
        let Some(user) = self.users.find_by_email(&email).await? else {
            self.passwords.verify_nothing(password).await;
            return Err(AuthError::InvalidCredentials);
        };
        if !self.passwords.verify(password, &user.password_hash).await? {
            return Err(AuthError::InvalidCredentials);
        }
        let token = self.open_session(&user, user_agent).await?;
        Ok((user, token))
    }

    async fn open_session(
        &self,
        user: &User,
        user_agent: Option<String>,
    ) -> Result<String, AuthError> {
        let now = Utc::now();
        let session = Session {
            id: SessionId::generate(),
            user_id: user.id.clone(),
            created_at: now,
            expires_at: now + self.session_ttl,
            user_agent: user_agent.map(|ua| ua.chars().take(256).collect()),
        };
        self.sessions.create(&session).await?;
        self.keys.issue_platform(&PlatformClaims {
            sub: user.id.to_string(),
            user_id: user.id.to_string(),
            email: user.email.to_string(),
            sid: session.id.to_string(),
            iat: now.timestamp(),
            exp: session.expires_at.timestamp(),
        })
    }

    /// The caller behind a platform token, if its signature, expiry and session all hold.
    pub async fn authenticate(&self, token: &str) -> Result<Caller, AuthError> {
        let claims = self.keys.verify_platform(token)?;
        let session_id = SessionId::from_stored(claims.sid);
        let Some(session) = self.sessions.get(&session_id).await? else {
            return Err(AuthError::Unauthorized);
        };
        if session.is_expired(Utc::now()) || session.user_id.as_str() != claims.sub {
            return Err(AuthError::Unauthorized);
        }
        Ok(Caller {
            user_id: session.user_id,
            email: claims.email,
            session_id,
        })
    }

    pub async fn user(&self, id: &UserId) -> Result<Option<User>, AuthError> {
        Ok(self.users.find_by_id(id).await?)
    }

    /// Revokes one session: its token stops working at once.
    pub async fn logout(&self, session: &SessionId) -> Result<(), AuthError> {
        self.sessions.delete(session).await?;
        Ok(())
    }

    /// Revokes every session of a user; returns how many there were.
    pub async fn logout_everywhere(&self, user: &UserId) -> Result<u64, AuthError> {
        Ok(self.sessions.delete_all_for_user(user).await?)
    }

    pub async fn sessions(&self, user: &UserId) -> Result<Vec<Session>, AuthError> {
        Ok(self.sessions.list_for_user(user).await?)
    }

    /// Removes expired sessions (the hourly job); returns how many.
    pub async fn purge_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64, AuthError> {
        Ok(self.sessions.delete_expired(now).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use orchestrix_store::SqliteStore;
    use secrecy::SecretString;

    async fn accounts(dir: &tempfile::TempDir) -> Accounts {
        let store: Arc<dyn DocumentStore> =
            Arc::new(SqliteStore::open(&dir.path().join("a.db")).await.unwrap());
        orchestrix_store::migrate(store.as_ref()).await.unwrap();
        Accounts::new(
            store,
            TokenKeys::new(SecretString::from("k".repeat(32))),
            Passwords::new(4),
        )
    }

    #[tokio::test]
    async fn register_login_logout_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let a = accounts(&dir).await;
        let (user, token) = a
            .register("Ada@Example.com", "long-enough", Some("Ada".into()), None)
            .await
            .unwrap();
        assert_eq!(a.authenticate(&token).await.unwrap().user_id, user.id);
        assert!(matches!(
            a.register("ada@example.COM", "long-enough", None, None)
                .await,
            Err(AuthError::EmailTaken)
        ));
        assert!(matches!(
            a.login("ada@example.com", "wrong-password", None).await,
            Err(AuthError::InvalidCredentials)
        ));
        assert!(matches!(
            a.login("nobody@example.com", "long-enough", None).await,
            Err(AuthError::InvalidCredentials)
        ));
        let (_, second) = a
            .login("ADA@example.com", "long-enough", None)
            .await
            .unwrap();
        let caller = a.authenticate(&second).await.unwrap();
        a.logout(&caller.session_id).await.unwrap();
        assert!(matches!(
            a.authenticate(&second).await,
            Err(AuthError::Unauthorized)
        ));
        assert!(
            a.authenticate(&token).await.is_ok(),
            "other sessions live on"
        );
        assert_eq!(a.logout_everywhere(&user.id).await.unwrap(), 1);
        assert!(a.authenticate(&token).await.is_err());
    }

    #[tokio::test]
    async fn registration_rules_are_reported_per_field() {
        let dir = tempfile::tempdir().unwrap();
        let a = accounts(&dir).await;
        let Err(AuthError::Validation(details)) =
            a.register("not-an-email", "short", None, None).await
        else {
            panic!()
        };
        assert!(
            details["email"].is_array() && details["password"].is_array(),
            "{details}"
        );
    }

    #[tokio::test]
    async fn expired_sessions_fail_and_are_purged() {
        let dir = tempfile::tempdir().unwrap();
        let a = accounts(&dir)
            .await
            .with_session_ttl(chrono::Duration::seconds(1));
        let (_, token) = a
            .register("b@example.com", "long-enough", None, None)
            .await
            .unwrap();
        assert!(a.authenticate(&token).await.is_ok());
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        assert!(matches!(
            a.authenticate(&token).await,
            Err(AuthError::Unauthorized)
        ));
        assert_eq!(a.purge_expired_sessions(Utc::now()).await.unwrap(), 1);
    }
}
