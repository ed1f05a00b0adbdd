//! Builds the application from settings: the one builder the binary and the tests use.

use crate::configuration::Settings;
use crate::extract::BodyLimit;
use crate::state::AppState;
use crate::{jobs, request_id, routes};
use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, http, web};
use anyhow::Context;
use std::net::TcpListener;

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
        let state = web::Data::new(AppState::build(settings.clone()).await?);
        jobs::spawn_cleanup(state.clone());
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

/// Request counts and latency histograms by route pattern, method and status at
/// `GET /metrics`. Unknown paths share one label so scanners cannot blow up the series.
fn metrics() -> anyhow::Result<actix_web_prom::PrometheusMetrics> {
    actix_web_prom::PrometheusMetricsBuilder::new("orchestrix")
        .endpoint("/metrics")
        .mask_unmatched_patterns("UNMATCHED")
        .build()
        .map_err(|e| anyhow::anyhow!("setting up metrics: {e}"))
}

fn run(
    listener: TcpListener,
    state: web::Data<AppState>,
    settings: &Settings,
) -> anyhow::Result<Server> {
    let origins = settings.frontend_url.clone();
    let metrics = metrics()?;
    let body_limit = web::Data::new(BodyLimit(settings.body_limit_bytes));
    let server = HttpServer::new(move || {
        App::new()
            .wrap(metrics.clone())
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
