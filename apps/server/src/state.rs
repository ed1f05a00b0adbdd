//! What every handler can reach, built once at start-up.

use crate::collections::Collections;
use crate::configuration::{Settings, StorageKind};
use crate::ports::{HttpPort, MailPort, PasswordPort, TokenPort};
use crate::rate_limit::LoginLimiter;
use crate::workflows::WorkflowCatalog;
use anyhow::Context;
use orchestrix_auth::{Accounts, Passwords, TokenKeys};
use orchestrix_engine::ports::{EventSink, NoEvents, Ports, SystemClock};
use orchestrix_engine::{Engine, Limits, OutboundPolicy};
use orchestrix_store::{DocumentStore, SqliteStore};
use secrecy::ExposeSecret;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;

/// What `/health` says about the store.
#[derive(Debug, Clone, Serialize)]
pub struct StorageHealth {
    pub kind: &'static str,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

pub struct AppState {
    pub settings: Arc<Settings>,
    pub store: Arc<dyn DocumentStore>,
    pub accounts: Accounts,
    pub login_limiter: LoginLimiter,
    pub workflows: WorkflowCatalog,
    pub collections: Collections,
    pub engine: Engine,
}

impl AppState {
    /// Opens the configured store, applies migrations, and derives the keys.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let store = open_store(&settings).await?;
        let report = orchestrix_store::migrate(store.as_ref())
            .await
            .context("applying migrations")?;
        if !report.applied.is_empty() {
            tracing::info!(applied = ?report.applied, "migrations applied");
        }
        let keys = TokenKeys::new(settings.resolve_jwt_secret()?);
        let session_ttl = chrono::Duration::seconds(settings.session_ttl.as_secs() as i64);
        let accounts = Accounts::new(store.clone(), keys, Passwords::new(settings.bcrypt_cost))
            .with_session_ttl(session_ttl);
        let login_limiter = LoginLimiter::new(
            settings.login_attempts,
            Duration::from_secs(settings.login_window_secs),
        );
        let workflows = WorkflowCatalog::new(store.clone(), settings.max_nodes);
        let collections = Collections::new(store.clone(), accounts.passwords().clone());
        let engine = engine(
            &settings,
            accounts.passwords().clone(),
            accounts.keys().clone(),
            Arc::new(NoEvents),
        )?;
        Ok(Self {
            settings: Arc::new(settings),
            store,
            accounts,
            login_limiter,
            workflows,
            collections,
            engine,
        })
    }

    pub async fn storage_health(&self) -> StorageHealth {
        let kind = self.store.kind();
        match tokio::time::timeout(Duration::from_secs(2), self.store.ping()).await {
            Ok(Ok(())) => StorageHealth {
                kind,
                ok: true,
                error: None,
            },
            Ok(Err(e)) => StorageHealth {
                kind,
                ok: false,
                error: Some(e.to_string()),
            },
            Err(_) => StorageHealth {
                kind,
                ok: false,
                error: Some("no answer within 2 s".into()),
            },
        }
    }
}

/// The store `STORAGE` selects: the embedded SQLite file by default.
pub async fn open_store(settings: &Settings) -> anyhow::Result<Arc<dyn DocumentStore>> {
    match settings.storage {
        StorageKind::Sqlite => {
            let path = &settings.database_path;
            let store = SqliteStore::open(path)
                .await
                .with_context(|| format!("opening the embedded store at {}", path.display()))?;
            Ok(Arc::new(store))
        }
        StorageKind::Mongodb => {
            let uri = settings
                .mongodb_uri
                .as_ref()
                .context("STORAGE=mongodb needs MONGODB_URI")?;
            let store = orchestrix_store_mongo::MongoStore::connect(
                uri.expose_secret(),
                Default::default(),
            )
            .await
            .context("connecting to MongoDB (MONGODB_URI)")?;
            Ok(Arc::new(store))
        }
    }
}

/// SMTP when `SMTP_HOST` is set; otherwise the in-memory development outbox.
pub fn mailer(settings: &Settings) -> anyhow::Result<orchestrix_mail::Mailer> {
    use crate::configuration::SmtpSecurity;
    use orchestrix_mail::{Mailer, Outbox, Security, SmtpConfig, SmtpMailer};
    let smtp = &settings.smtp;
    let Some(host) = smtp.host.clone() else {
        tracing::info!("SMTP_HOST is not set: emailSend nodes deliver to the development outbox");
        return Ok(Mailer::Outbox(Outbox::default()));
    };
    let config = SmtpConfig {
        host,
        port: smtp.port,
        credentials: smtp.user.clone().map(|u| {
            (
                u,
                smtp.pass
                    .as_ref()
                    .map(|p| p.expose_secret().to_owned())
                    .unwrap_or_default(),
            )
        }),
        security: match smtp.security {
            SmtpSecurity::None => Security::None,
            SmtpSecurity::Starttls => Security::StartTls,
            SmtpSecurity::Tls => Security::Tls,
        },
        default_from: smtp.from.clone(),
        timeout: Duration::from_secs(10),
    };
    Ok(Mailer::Smtp(Box::new(
        SmtpMailer::new(&config).context("configuring SMTP")?,
    )))
}

/// The engine with the server's adapters in its ports; the server and `orchestrix run` both
/// build it here. (The server's events are not consumed yet: the live-log issue adds the bus.)
pub fn engine(
    settings: &Settings,
    passwords: Passwords,
    keys: TokenKeys,
    events: Arc<dyn EventSink>,
) -> anyhow::Result<Engine> {
    let policy = OutboundPolicy::allowing(settings.http_allow_hosts.clone());
    let ports = Ports {
        mailer: Arc::new(MailPort(mailer(settings)?)),
        passwords: Arc::new(PasswordPort(passwords)),
        tokens: Arc::new(TokenPort(keys)),
        clock: Arc::new(SystemClock),
        events,
        http: Arc::new(HttpPort::new(&policy)?),
    };
    let limits = Limits {
        node_timeout: settings.node_timeout.to_std(),
        run_timeout: settings.run_timeout.to_std(),
    };
    Ok(Engine::new(ports, limits).with_outbound_policy(policy))
}
