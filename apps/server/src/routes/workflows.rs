//! `/workflows` (and the seed's `/workflow` alias): save, read, list, delete, validate.

use crate::authn::Authenticated;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::state::AppState;
use crate::workflows::{SaveMode, SaveWorkflow, Saved, ValidateWorkflow, path_id};
use actix_web::{HttpResponse, web};
use orchestrix_domain::Diagnostic;
use serde_json::json;

/// Mounts the routes under `prefix` (`/workflows`, and `/workflow` for seed clients).
pub fn configure(prefix: &'static str) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.service(
            web::scope(prefix)
                .route("", web::get().to(list))
                .route("", web::post().to(create))
                .route("/validate", web::post().to(validate))
                .route("/{workflowId}", web::get().to(get))
                .route("/{workflowId}/openapi.json", web::get().to(api_document))
                .route("/{workflowId}", web::put().to(update))
                .route("/{workflowId}", web::delete().to(delete)),
        );
    }
}

fn ok_diagnostics(diagnostics: &[Diagnostic]) -> bool {
    !diagnostics.iter().any(Diagnostic::is_error)
}

fn saved(s: Saved) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "ok": true,
        "workflowId": s.record.workflow_id,
        "apiPath": s.record.api_path,
        "apiName": s.record.api_name,
        "inputVariables": s.record.input_variables,
        "version": s.record.version,
        "runnable": ok_diagnostics(&s.diagnostics),
        "diagnostics": s.diagnostics,
    }))
}

#[utoipa::path(get, path = "/workflows", tag = "workflows", security(("bearerAuth" = [])), 
    responses((status = 200, description = "The caller's workflows, newest first", body = serde_json::Value), (status = 401, description = "Missing, invalid or revoked token", body = crate::openapi::ErrorBody)))]
pub(crate) async fn list(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let workflows: Vec<_> = state
        .workflows
        .list(caller.owner())
        .await?
        .into_iter()
        .map(|w| {
            json!({
                "workflowId": w.workflow_id, "apiName": w.api_name, "apiPath": w.api_path,
                "nodeCount": w.steps.len(), "inputVariables": w.input_variables,
                "version": w.version, "createdAt": w.created_at, "updatedAt": w.updated_at,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({"workflows": workflows})))
}

#[utoipa::path(post, path = "/workflows", tag = "workflows", security(("bearerAuth" = [])), request_body = crate::workflows::SaveWorkflow,
    responses((status = 200, description = "Saved, compiled and published; diagnostics included", body = serde_json::Value), (status = 400, description = "Invalid body", body = crate::openapi::ErrorBody), (status = 401, description = "Missing, invalid or revoked token", body = crate::openapi::ErrorBody), (status = 404, description = "The id belongs to another owner", body = crate::openapi::ErrorBody)))]
pub(crate) async fn create(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: JsonBody<SaveWorkflow>,
) -> Result<HttpResponse, ApiError> {
    Ok(saved(
        state
            .workflows
            .save(caller.owner(), None, body.0, SaveMode::CreateOrUpdate)
            .await?,
    ))
}

#[utoipa::path(put, path = "/workflows/{workflowId}", tag = "workflows", security(("bearerAuth" = [])), params(("workflowId" = String, Path, description = "The workflow id")), request_body = crate::workflows::SaveWorkflow,
    responses((status = 200, description = "Saved; version incremented", body = serde_json::Value), (status = 400, description = "Invalid body", body = crate::openapi::ErrorBody), (status = 401, description = "Missing, invalid or revoked token", body = crate::openapi::ErrorBody), (status = 404, description = "No such workflow", body = crate::openapi::ErrorBody)))]
pub(crate) async fn update(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<String>,
    body: JsonBody<SaveWorkflow>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id)?;
    Ok(saved(
        state
            .workflows
            .save(caller.owner(), Some(id), body.0, SaveMode::UpdateOnly)
            .await?,
    ))
}

#[utoipa::path(get, path = "/workflows/{workflowId}", tag = "workflows", security(("bearerAuth" = [])), params(("workflowId" = String, Path, description = "The workflow id")), 
    responses((status = 200, description = "The workflow as saved", body = serde_json::Value), (status = 401, description = "Missing, invalid or revoked token", body = crate::openapi::ErrorBody), (status = 404, description = "No such workflow", body = crate::openapi::ErrorBody)))]
pub(crate) async fn get(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let record = state.workflows.get(caller.owner(), &path_id(&id)?).await?;
    Ok(HttpResponse::Ok().json(record))
}

#[utoipa::path(delete, path = "/workflows/{workflowId}", tag = "workflows", security(("bearerAuth" = [])), params(("workflowId" = String, Path, description = "The workflow id")), 
    responses((status = 200, description = "Deleted and unpublished", body = serde_json::Value), (status = 401, description = "Missing, invalid or revoked token", body = crate::openapi::ErrorBody), (status = 404, description = "No such workflow", body = crate::openapi::ErrorBody)))]
pub(crate) async fn delete(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state
        .workflows
        .delete(caller.owner(), &path_id(&id)?)
        .await?;
    Ok(HttpResponse::Ok().json(json!({"ok": true, "message": "Workflow deleted successfully"})))
}

#[utoipa::path(post, path = "/workflows/validate", tag = "workflows", security(("bearerAuth" = [])), request_body = crate::workflows::ValidateWorkflow,
    responses((status = 200, description = "ok and the compiler's diagnostics", body = serde_json::Value), (status = 400, description = "Invalid body", body = crate::openapi::ErrorBody), (status = 401, description = "Missing, invalid or revoked token", body = crate::openapi::ErrorBody)))]
pub(crate) async fn validate(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: JsonBody<ValidateWorkflow>,
) -> Result<HttpResponse, ApiError> {
    let diagnostics = state.workflows.validate(caller.owner(), body.0).await?;
    Ok(HttpResponse::Ok()
        .json(json!({"ok": ok_diagnostics(&diagnostics), "diagnostics": diagnostics})))
}

/// Public: how to call a published workflow.
#[utoipa::path(get, path = "/workflows/{workflowId}/openapi.json", tag = "workflows", params(("workflowId" = String, Path, description = "The workflow id")),
    responses((status = 200, description = "OpenAPI 3.1 for the workflow's published API", body = serde_json::Value), (status = 404, description = "No such published workflow", body = crate::openapi::ErrorBody)))]
pub(crate) async fn api_document(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.workflows.api_document(&path_id(&id)?).await?))
}
