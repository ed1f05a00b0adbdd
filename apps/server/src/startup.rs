//! Builds the application from settings: the one builder the binary and the tests use.

use crate::configuration::Settings;
use crate::extract::BodyLimit;
use crate::{request_id, routes};
use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, http, web};
use anyhow::Context;
use secrecy::SecretString;
use serde::Serialize;
use std::net::TcpListener;
use std::sync::Arc;

/// What `/health` says about the store.
#[derive(Debug, Clone, Serialize)]
pub struct StorageHealth {
    pub kind: &'static str,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Shared state every handler can reach.
pub struct AppState {
    pub settings: Arc<Settings>,
    /// The platform token secret (resolved once at start-up).
    pub jwt_secret: SecretString,
}

impl AppState {
    pub async fn storage_health(&self) -> StorageHealth {
        StorageHealth {
            kind: self.settings.storage.as_str(),
            ok: true,
            message: Some("not configured: the storage layer is not wired in yet".into()),
        }
    }
}

/// A bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Binds `HOST:PORT` (port 0 picks a free one) and prepares the server.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let address = format!("{}:{}", settings.host, settings.port);
        let listener = TcpListener::bind(&address).with_context(|| format!("binding {address}"))?;
        let port = listener.local_addr()?.port();
        let jwt_secret = settings.resolve_jwt_secret()?;
        let state = web::Data::new(AppState {
            settings: Arc::new(settings.clone()),
            jwt_secret,
        });
        let server = run(listener, state, &settings)?;
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGINT/SIGTERM: then stops accepting, lets in-flight requests finish
    /// (bounded by `SHUTDOWN_TIMEOUT_SECS`) and returns.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        .allowed_headers([
            http::header::AUTHORIZATION,
            http::header::CONTENT_TYPE,
            http::header::ACCEPT,
        ])
        .allowed_header(request_id::REQUEST_ID_HEADER)
        .expose_headers([request_id::REQUEST_ID_HEADER])
        .supports_credentials()
        .max_age(3600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

fn run(
    listener: TcpListener,
    state: web::Data<AppState>,
    settings: &Settings,
) -> anyhow::Result<Server> {
    let origins = settings.frontend_url.clone();
    let body_limit = web::Data::new(BodyLimit(settings.body_limit_bytes));
    let server = HttpServer::new(move || {
        App::new()
            .wrap(cors(&origins))
            .wrap(from_fn(request_id::middleware))
            .app_data(state.clone())
            .app_data(body_limit.clone())
            .configure(routes::configure)
            .default_service(web::to(routes::not_found))
    })
    .listen(listener)?
    .shutdown_timeout(settings.shutdown_timeout_secs)
    .client_request_timeout(std::time::Duration::from_secs(
        settings.request_timeout_secs,
    ))
    .run();
    Ok(server)
}
