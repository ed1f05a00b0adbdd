//! `GET /health`: liveness plus whether the store answers.

use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use serde_json::json;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health);
}

#[get("/health")]
async fn health(state: web::Data<AppState>) -> HttpResponse {
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
