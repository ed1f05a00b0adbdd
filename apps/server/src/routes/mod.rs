//! Routing only: each resource's module mounts its own handlers.

use crate::error::ApiError;
use actix_web::web;
use orchestrix_domain::ErrorCode;

pub mod health;

pub fn configure(cfg: &mut web::ServiceConfig) {
    health::configure(cfg);
}

/// Unknown routes: 404 `not_found`, decided before authentication.
pub async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::msg(ErrorCode::NotFound, "No such route"))
}
