//! Platform records: users, sessions, stored workflows and published APIs.

use crate::{ApiSlug, Email, SessionId, UserId, WorkflowId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A platform user. The password hash never leaves the auth crate's keeping: use
/// [`User::public`] for anything shown.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: UserId,
    pub email: Email,
    #[serde(default)]
    pub name: Option<String>,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("name", &self.name)
            .field("password_hash", &"<redacted>")
            .finish()
    }
}

/// What the API shows of a user: `{id, email, name}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicUser {
    pub id: UserId,
    pub email: Email,
    pub name: Option<String>,
}

impl User {
    pub fn public(&self) -> PublicUser {
        PublicUser {
            id: self.id.clone(),
            email: self.email.clone(),
            name: self.name.clone(),
        }
    }
}

/// A login session. A platform token is valid only while its session exists and has not
/// expired; logout deletes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub id: SessionId,
    pub user_id: UserId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
}

impl Session {
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at <= now
    }
}

/// A saved workflow as the API returns it. `steps` and `edges` are kept as the client sent
/// them, so an editor gets back exactly what it saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowRecord {
    pub workflow_id: WorkflowId,
    pub owner_id: UserId,
    pub api_name: String,
    pub api_path: String,
    pub steps: Vec<Value>,
    #[serde(default)]
    pub edges: Vec<Value>,
    #[serde(default)]
    pub input_variables: Vec<Value>,
    pub version: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A workflow published as an HTTP API at `/workflow/run/{workflowId}/{slug}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishedApi {
    pub workflow_id: WorkflowId,
    pub owner_id: UserId,
    pub api_name: String,
    pub slug: ApiSlug,
    pub version: u64,
    pub published_at: DateTime<Utc>,
}

impl PublishedApi {
    /// The path the seed published under.
    pub fn api_path(&self) -> String {
        Self::path_for(&self.workflow_id, &self.slug)
    }

    pub fn path_for(workflow_id: &WorkflowId, slug: &ApiSlug) -> String {
        format!("/workflow/run/{workflow_id}/{slug}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_debug_hides_the_hash_and_public_drops_it() {
        let u = User {
            id: UserId::from_stored("u1"),
            email: Email::parse("a@b.co").unwrap(),
            name: None,
            password_hash: "$2b$10$secret".into(),
            created_at: Utc::now(),
        };
        assert!(!format!("{u:?}").contains("secret"));
        let public = serde_json::to_string(&u.public()).unwrap();
        assert!(!public.contains("secret") && !public.contains("password"));
    }

    #[test]
    fn api_path_is_the_seed_form() {
        let id = WorkflowId::parse("wf1").unwrap();
        let slug = ApiSlug::from_name("Sign Up").unwrap();
        assert_eq!(
            PublishedApi::path_for(&id, &slug),
            "/workflow/run/wf1/sign-up"
        );
    }
}
