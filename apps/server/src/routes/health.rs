//! `GET /health`: liveness plus whether the store answers.

use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use serde_json::json;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health);
}

#[utoipa::path(get, path = "/health", tag = "operations",
    responses((status = 200, description = "Up, and the store answers", body = serde_json::Value), (status = 503, description = "The store does not answer (status: degraded)", body = serde_json::Value)))]
#[get("/health")]
pub(crate) async fn health(state: web::Data<AppState>) -> HttpResponse {
    let storage = state.storage_health().await;
    let ok = storage.ok;
    let body = json!({
        "status": if ok { "ok" } else { "degraded" },
        "timestamp": chrono::Utc::now(),
        "environment": state.settings.app_env.as_str(),
        "version": env!("CARGO_PKG_VERSION"),
        "storage": storage,
    });
    if ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
