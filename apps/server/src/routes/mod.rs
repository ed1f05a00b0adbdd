//! Routing only: each resource's module mounts its own handlers.

use crate::error::ApiError;
use actix_web::web;
use orchestrix_domain::ErrorCode;

pub mod auth;
pub mod collections;
pub mod health;
pub mod run;
pub mod workflows;

pub fn configure(cfg: &mut web::ServiceConfig) {
    health::configure(cfg);
    cfg.configure(crate::openapi::configure);
    auth::configure(cfg);
    run::configure(cfg);
    cfg.configure(workflows::configure("/workflows"));
    cfg.configure(workflows::configure("/workflow"));
    cfg.configure(collections::configure("/collections"));
    cfg.configure(collections::configure("/db/schemas"));
}

/// Unknown routes: 404 `not_found`, decided before authentication.
pub async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::msg(ErrorCode::NotFound, "No such route"))
}
