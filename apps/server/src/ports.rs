//! The server's adapters for the engine's ports: the only place where the store, the auth
//! crate, the mailer and an HTTP client are wired into the engine.

use async_trait::async_trait;
use orchestrix_auth::TokenKeys;
use orchestrix_domain::{CollectionDef, CollectionName, Duration, UserId, WriteMode};
use orchestrix_engine::ports::{
    self, FindQuery, HttpError, InboundResponse, OutboundRequest, OutgoingEmail, PortError,
    UpdateOptions, UpdateResult,
};
use orchestrix_engine::{OutboundPolicy, is_forbidden_ip};
use orchestrix_store::{CollectionDefs, DocumentStore, FindOptions, StoreError, TenantStore};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

fn port_store_error(e: StoreError) -> ports::StoreError {
    match e {
        StoreError::DuplicateKey { field } => ports::StoreError::DuplicateKey { field },
        StoreError::InvalidQuery(q) => ports::StoreError::InvalidQuery(q),
        StoreError::Unavailable(why) => ports::StoreError::Unavailable(why),
        other => ports::StoreError::Other(other.to_string()),
    }
}

/// One owner's collections, as the engine sees them, for one run. Documents written through
/// it are checked against the owner's schema (the engine hashes passwords before they get
/// here). Each collection's definition is read once per run: the engine asks for it (to find
/// password fields) and the write checks against it, and a run sees one snapshot.
pub struct TenantPort {
    tenant: TenantStore,
    definitions: CollectionDefs,
    owner: UserId,
    seen: Mutex<HashMap<CollectionName, Option<CollectionDef>>>,
}

impl TenantPort {
    pub fn new(store: Arc<dyn DocumentStore>, owner: &UserId) -> Self {
        Self {
            tenant: TenantStore::new(store.clone(), owner),
            definitions: CollectionDefs::new(store),
            owner: owner.clone(),
            seen: Default::default(),
        }
    }

    async fn definition(
        &self,
        c: &CollectionName,
    ) -> Result<Option<CollectionDef>, ports::StoreError> {
        if let Some(known) = self.seen.lock().unwrap_or_else(|p| p.into_inner()).get(c) {
            return Ok(known.clone());
        }
        let definition = self
            .definitions
            .get(&self.owner, c)
            .await
            .map_err(port_store_error)?;
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(c.clone(), definition.clone());
        Ok(definition)
    }
}

fn options(q: &FindQuery) -> FindOptions {
    FindOptions {
        sort: q.sort.clone(),
        skip: q.skip.unwrap_or(0),
        limit: q.limit,
        projection: q.projection.clone(),
    }
}

#[async_trait]
impl ports::TenantStore for TenantPort {
    async fn find(
        &self,
        c: &CollectionName,
        q: &FindQuery,
    ) -> Result<Vec<Value>, ports::StoreError> {
        self.tenant
            .find(c, &q.filter, options(q))
            .await
            .map_err(port_store_error)
    }

    async fn find_one(
        &self,
        c: &CollectionName,
        q: &FindQuery,
    ) -> Result<Option<Value>, ports::StoreError> {
        let mut opts = options(q);
        opts.limit = Some(1);
        Ok(self
            .tenant
            .find(c, &q.filter, opts)
            .await
            .map_err(port_store_error)?
            .into_iter()
            .next())
    }

    async fn insert_one(
        &self,
        c: &CollectionName,
        doc: Map<String, Value>,
    ) -> Result<Value, ports::StoreError> {
        let doc = match self.definition(c).await? {
            Some(def) => {
                def.check(&doc, WriteMode::Insert)
                    .map_err(|e| ports::StoreError::Validation {
                        details: e.into_value(),
                    })?
            }
            None => doc,
        };
        self.tenant
            .insert_one(c, Value::Object(doc))
            .await
            .map_err(port_store_error)
    }

    async fn update(
        &self,
        c: &CollectionName,
        filter: &Value,
        update: &Value,
        opts: UpdateOptions,
    ) -> Result<UpdateResult, ports::StoreError> {
        if let (Some(def), Some(Value::Object(set))) =
            (self.definition(c).await?, update.get("$set"))
        {
            def.check(set, WriteMode::Merge)
                .map_err(|e| ports::StoreError::Validation {
                    details: e.into_value(),
                })?;
        }
        if opts.many {
            let r = self
                .tenant
                .update_many(c, filter, update, opts.upsert)
                .await
                .map_err(port_store_error)?;
            return Ok(UpdateResult::Many {
                matched: r.matched,
                modified: r.modified,
            });
        }
        let doc = self
            .tenant
            .find_one_and_update(c, filter, update, opts.upsert)
            .await
            .map_err(port_store_error)?;
        Ok(UpdateResult::One(doc))
    }

    async fn delete(
        &self,
        c: &CollectionName,
        filter: &Value,
        many: bool,
    ) -> Result<u64, ports::StoreError> {
        let r = if many {
            self.tenant.delete_many(c, filter).await
        } else {
            self.tenant.delete_one(c, filter).await
        };
        r.map_err(port_store_error)
    }

    async fn schema(&self, c: &CollectionName) -> Result<Option<CollectionDef>, ports::StoreError> {
        self.definition(c).await
    }
}

/// bcrypt from the auth crate (bounded, on the blocking pool).
pub struct PasswordPort(pub orchestrix_auth::Passwords);

#[async_trait]
impl ports::Passwords for PasswordPort {
    async fn hash(&self, plain: &str) -> Result<String, PortError> {
        self.0
            .hash(plain)
            .await
            .map_err(|e| PortError::new(e.to_string()))
    }

    async fn verify(&self, plain: &str, hash: &str) -> Result<bool, PortError> {
        self.0
            .verify(plain, hash)
            .await
            .map_err(|e| PortError::new(e.to_string()))
    }
}

/// End-user tokens signed with the owner's own key.
pub struct TokenPort(pub TokenKeys);

#[async_trait]
impl ports::Tokens for TokenPort {
    async fn sign(
        &self,
        owner: &UserId,
        claims: &Map<String, Value>,
        expires_in: Duration,
    ) -> Result<String, PortError> {
        let now = chrono::Utc::now().timestamp();
        self.0
            .sign_for_owner(
                owner.as_str(),
                &Value::Object(claims.clone()),
                expires_in.as_secs(),
                now,
            )
            .map_err(|e| PortError::new(e.to_string()))
    }

    async fn verify(&self, owner: &UserId, token: &str) -> Result<Map<String, Value>, PortError> {
        match self.0.verify_for_owner(owner.as_str(), token) {
            Ok(Value::Object(claims)) => Ok(claims),
            _ => Err(PortError::new("invalid or expired token")),
        }
    }
}

/// SMTP, or the development outbox.
pub struct MailPort(pub orchestrix_mail::Mailer);

#[async_trait]
impl ports::Mailer for MailPort {
    async fn send(&self, email: &OutgoingEmail) -> Result<String, PortError> {
        let message = orchestrix_mail::OutgoingEmail {
            from: email.from.clone(),
            to: email.to.clone(),
            subject: email.subject.clone(),
            body: email.body.clone(),
            html: email.html,
        };
        self.0
            .send(message)
            .await
            .map_err(|e| PortError::new(e.to_string()))
    }
}

/// Resolves names and drops loopback, private, link-local and metadata addresses unless the
/// host is allow-listed: the engine checks the URL, this checks where it really points.
struct GuardedResolver {
    allowed_hosts: Vec<String>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        let allowed = self
            .allowed_hosts
            .iter()
            .any(|h| h == "*" || h.eq_ignore_ascii_case(&host));
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let usable: Vec<SocketAddr> = addrs
                .into_iter()
                .filter(|a| allowed || !is_forbidden_ip(a.ip()))
                .collect();
            if usable.is_empty() {
                return Err(
                    format!("{host} resolves only to addresses that are not allowed").into(),
                );
            }
            Ok(Box::new(usable.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Outbound HTTP for `httpRequest`. Redirects are not followed: a 3xx is the answer, so a
/// redirect cannot lead to an address the policy refuses.
pub struct HttpPort {
    client: reqwest::Client,
}

impl HttpPort {
    pub fn new(policy: &OutboundPolicy) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(GuardedResolver {
                allowed_hosts: policy.allowed_hosts.clone(),
            }))
            .user_agent(concat!("orchestrix/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { client })
    }
}

/// reqwest's own message is generic ("error sending request"); the reason is in its sources.
fn no_answer(e: reqwest::Error) -> HttpError {
    if e.is_timeout() {
        return HttpError::Timeout;
    }
    let mut message = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    HttpError::NoAnswer(message)
}

#[async_trait]
impl ports::HttpClient for HttpPort {
    async fn send(&self, request: OutboundRequest) -> Result<InboundResponse, HttpError> {
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|e| HttpError::NoAnswer(e.to_string()))?;
        let mut builder = self
            .client
            .request(method, &request.url)
            .timeout(request.timeout);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if let Some(body) = &request.body {
            builder = builder.json(body);
        }
        let response = builder.send().await.map_err(no_answer)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(k, v)| {
                v.to_str()
                    .ok()
                    .map(|v| (k.as_str().to_owned(), v.to_owned()))
            })
            .collect();
        let body = response.bytes().await.map_err(no_answer)?;
        Ok(InboundResponse {
            status,
            headers,
            body: body.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use orchestrix_engine::ports::HttpClient;

    fn get(url: &str) -> OutboundRequest {
        OutboundRequest {
            method: "GET".into(),
            url: url.into(),
            headers: vec![],
            body: None,
            timeout: std::time::Duration::from_secs(3),
        }
    }

    #[tokio::test]
    async fn names_that_resolve_to_forbidden_addresses_are_refused_unless_allowed() {
        let guarded = HttpPort::new(&OutboundPolicy::allowing(Vec::<String>::new())).unwrap();
        let Err(HttpError::NoAnswer(why)) = guarded.send(get("http://localhost:9/")).await else {
            panic!("localhost must be refused")
        };
        assert!(why.contains("not allowed"), "{why}");

        let allowed = HttpPort::new(&OutboundPolicy::allowing(["localhost"])).unwrap();
        let Err(HttpError::NoAnswer(why)) = allowed.send(get("http://localhost:9/")).await else {
            panic!("nothing listens on port 9")
        };
        assert!(
            !why.contains("not allowed"),
            "allowed, so it got as far as connecting: {why}"
        );
    }
}
