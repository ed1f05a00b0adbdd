//! `/collections` (and the seed's `/db/schemas` alias): definitions and their documents.

use crate::authn::Authenticated;
use crate::collections::{DEFAULT_LIMIT, DataQuery, collection_name};
use crate::error::ApiError;
use crate::extract::{JsonBody, parse_json};
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use orchestrix_domain::{CollectionDef, ErrorCode};
use serde::Deserialize;
use serde_json::{Map, Value, json};

pub fn configure(prefix: &'static str) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.service(
            web::scope(prefix)
                .route("", web::get().to(list))
                .route("", web::post().to(define))
                .route("/{name}", web::get().to(get))
                .route("/{name}", web::put().to(redefine))
                .route("/{name}", web::delete().to(delete))
                .route("/{name}/data", web::get().to(find))
                .route("/{name}/data", web::post().to(insert))
                .route("/{name}/data/{id}", web::put().to(update))
                .route("/{name}/data/{id}", web::delete().to(delete_document)),
        );
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Definition {
    #[serde(default)]
    collection_name: Option<String>,
    #[serde(default)]
    fields: Map<String, Value>,
}

fn parse_definition(name: &str, fields: &Map<String, Value>) -> Result<CollectionDef, ApiError> {
    let collection_name = collection_name(name)?;
    let fields = CollectionDef::parse_fields(fields).map_err(|e| {
        ApiError::msg(ErrorCode::ValidationFailed, format!("fields: {}", e.reason))
            .details(json!({"fields": [e.reason]}))
    })?;
    Ok(CollectionDef {
        collection_name,
        fields,
    })
}

#[utoipa::path(get, path = "/collections", tag = "collections", security(("bearerAuth" = [])), 
    responses((status = 200, description = "ok, schemas (name -> field names) and collections with counts", body = serde_json::Value), (status = 401, description = "Missing, invalid or revoked token", body = crate::openapi::ErrorBody)))]
pub(crate) async fn list(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let all = state.collections.list(caller.owner()).await?;
    let schemas: Map<String, Value> = all
        .iter()
        .map(|c| {
            let names = c
                .definition
                .as_ref()
                .map(|d| {
                    d.fields
                        .iter()
                        .map(|(n, _)| Value::String(n.clone()))
                        .collect()
                })
                .unwrap_or_default();
            (c.name.to_string(), Value::Array(names))
        })
        .collect();
    let collections: Vec<Value> = all.iter().map(|c| c.to_json()).collect();
    Ok(
        HttpResponse::Ok()
            .json(json!({"ok": true, "schemas": schemas, "collections": collections})),
    )
}

#[utoipa::path(post, path = "/collections", tag = "collections", security(("bearerAuth" = [])), request_body = Definition,
    responses((status = 201, description = "Defined (or redefined)", body = serde_json::Value), (status = 400, description = "Invalid name or fields", body = crate::openapi::ErrorBody), (status = 401, description = "Missing, invalid or revoked token", body = crate::openapi::ErrorBody)))]
pub(crate) async fn define(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: JsonBody<Definition>,
) -> Result<HttpResponse, ApiError> {
    let name = body.0.collection_name.clone().unwrap_or_default();
    let def = parse_definition(&name, &body.0.fields)?;
    state.collections.define(caller.owner(), &def).await?;
    Ok(HttpResponse::Created().json(json!({"ok": true, "collection": {"collectionName": def.collection_name, "fields": def.fields_json()}})))
}

#[utoipa::path(get, path = "/collections/{name}", tag = "collections", security(("bearerAuth" = [])), params(("name" = String, Path, description = "Collection name")),
    responses((status = 200, description = "The collection", body = serde_json::Value), (status = 400, description = "Invalid name", body = crate::openapi::ErrorBody), (status = 401, description = "Missing, invalid or revoked token", body = crate::openapi::ErrorBody), (status = 404, description = "No such collection", body = crate::openapi::ErrorBody)))]
pub(crate) async fn get(
    state: web::Data<AppState>,
    caller: Authenticated,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let summary = state
        .collections
        .get(caller.owner(), &collection_name(&name)?)
        .await?;
    Ok(HttpResponse::Ok().json(json!({"ok": true, "collection": summary.to_json()})))
}

#[utoipa::path(put, path = "/collections/{name}", tag = "collections", security(("bearerAuth" = [])), params(("name" = String, Path, description = "Collection name")), request_body = Definition,
    responses((status = 200, description = "Redefined", body = serde_json::Value), (status = 400, description = "Invalid name or fields", body = crate::openapi::ErrorBody), (status = 401, description = "Missing, invalid or revoked token", body = crate::openapi::ErrorBody), (status = 404, description = "No such collection", body = crate::openapi::ErrorBody)))]
pub(crate) async fn redefine(
    state: web::Data<AppState>,
    caller: Authenticated,
    name: web::Path<String>,
    body: JsonBody<Definition>,
) -> Result<HttpResponse, ApiError> {
    let def = parse_definition(&name, &body.0.fields)?;
    state
        .collections
        .get(caller.owner(), &def.collection_name)
        .await?;
    state.collections.define(caller.owner(), &def).await?;
    Ok(HttpResponse::Ok().json(json!({"ok": true, "collection": {"collectionName": def.collection_name, "fields": def.fields_json()}})))
}

#[utoipa::path(delete, path = "/collections/{name}", tag = "collections", security(("bearerAuth" = [])), params(("name" = String, Path, description = "Collection name")),
    responses((status = 200, description = "The definition and every document are gone", body = serde_json::Value), (status = 400, description = "Invalid name", body = crate::openapi::ErrorBody), (status = 401, description = "Missing, invalid or revoked token", body = crate::openapi::ErrorBody), (status = 404, description = "No such collection", body = crate::openapi::ErrorBody)))]
pub(crate) async fn delete(
    state: web::Data<AppState>,
    caller: Authenticated,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state
        .collections
        .delete(caller.owner(), &collection_name(&name)?)
        .await?;
    Ok(HttpResponse::Ok().json(json!({"ok": true, "message": "Collection deleted successfully"})))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct DataParams {
    /// A JSON filter over the collection, with the store's operators (e.g. `{"age":{"$gte":18}}`).
    #[serde(default)]
    filters: Option<String>,
    /// A JSON sort, e.g. `{"createdAt":-1}`.
    #[serde(default)]
    sort: Option<String>,
    /// `many` (default) or `one`.
    #[serde(default)]
    find_type: Option<String>,
    /// At most this many documents (default 100, at most 1000).
    #[serde(default)]
    limit: Option<u64>,
    /// Skip this many documents first.
    #[serde(default)]
    skip: Option<u64>,
}

fn json_param(name: &str, raw: Option<&str>) -> Result<Option<Value>, ApiError> {
    let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
        return Ok(None);
    };
    let value: Value = parse_json(raw.as_bytes()).map_err(|_| {
        ApiError::msg(
            ErrorCode::InvalidQuery,
            format!("{name} must be a JSON object"),
        )
    })?;
    if !value.is_object() {
        return Err(ApiError::msg(
            ErrorCode::InvalidQuery,
            format!("{name} must be a JSON object"),
        ));
    }
    Ok(Some(value))
}

#[utoipa::path(get, path = "/collections/{name}/data", tag = "collections", security(("bearerAuth" = [])), params(("name" = String, Path, description = "Collection name"), DataParams),
    responses((status = 200, description = "ok, data (array, or one document or null) and count", body = serde_json::Value), (status = 400, description = "Invalid name, filters or sort (invalid_query)", body = crate::openapi::ErrorBody), (status = 401, description = "Missing, invalid or revoked token", body = crate::openapi::ErrorBody)))]
pub(crate) async fn find(
    state: web::Data<AppState>,
    caller: Authenticated,
    name: web::Path<String>,
    params: web::Query<DataParams>,
) -> Result<HttpResponse, ApiError> {
    let name = collection_name(&name)?;
    let one = match params.find_type.as_deref() {
        None | Some("many") | Some("find") => false,
        Some("one") | Some("findOne") => true,
        Some(other) => {
            return Err(ApiError::msg(
                ErrorCode::ValidationFailed,
                format!("findType '{other}' is not one or many"),
            ));
        }
    };
    let query = DataQuery {
        filter: json_param("filters", params.filters.as_deref())?.unwrap_or_else(|| json!({})),
        sort: json_param("sort", params.sort.as_deref())?,
        one,
        limit: params.limit.unwrap_or(DEFAULT_LIMIT),
        skip: params.skip.unwrap_or(0),
    };
    let (data, count) = state.collections.find(caller.owner(), &name, query).await?;
    Ok(HttpResponse::Ok().json(json!({"ok": true, "data": data, "count": count})))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct DataBody {
    data: Map<String, Value>,
}

#[utoipa::path(post, path = "/collections/{name}/data", tag = "collections", security(("bearerAuth" = [])), params(("name" = String, Path, description = "Collection name")), request_body = DataBody,
    responses((status = 201, description = "Stored; password fields are hashed and never returned", body = serde_json::Value), (status = 400, description = "Schema violation, details per field", body = crate::openapi::ErrorBody), (status = 401, description = "Missing, invalid or revoked token", body = crate::openapi::ErrorBody), (status = 409, description = "A unique field already holds this value", body = crate::openapi::ErrorBody)))]
pub(crate) async fn insert(
    state: web::Data<AppState>,
    caller: Authenticated,
    name: web::Path<String>,
    body: JsonBody<DataBody>,
) -> Result<HttpResponse, ApiError> {
    let stored = state
        .collections
        .insert(caller.owner(), &collection_name(&name)?, body.0.data)
        .await?;
    let id = stored.get("_id").cloned().unwrap_or(Value::Null);
    Ok(HttpResponse::Created().json(json!({"ok": true, "data": stored, "insertedId": id})))
}

#[utoipa::path(put, path = "/collections/{name}/data/{id}", tag = "collections", security(("bearerAuth" = [])), params(("name" = String, Path, description = "Collection name"), ("id" = String, Path, description = "Document id")), request_body = DataBody,
    responses((status = 200, description = "Merged", body = serde_json::Value), (status = 400, description = "Schema violation", body = crate::openapi::ErrorBody), (status = 401, description = "Missing, invalid or revoked token", body = crate::openapi::ErrorBody), (status = 404, description = "No such document", body = crate::openapi::ErrorBody), (status = 409, description = "A unique field already holds this value", body = crate::openapi::ErrorBody)))]
pub(crate) async fn update(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(String, String)>,
    body: JsonBody<DataBody>,
) -> Result<HttpResponse, ApiError> {
    let (name, id) = path.into_inner();
    match state
        .collections
        .update(caller.owner(), &collection_name(&name)?, &id, body.0.data)
        .await?
    {
        Some(doc) => Ok(HttpResponse::Ok().json(json!({"ok": true, "data": doc}))),
        None => Err(ApiError::msg(ErrorCode::NotFound, "Document not found")),
    }
}

#[utoipa::path(delete, path = "/collections/{name}/data/{id}", tag = "collections", security(("bearerAuth" = [])), params(("name" = String, Path, description = "Collection name"), ("id" = String, Path, description = "Document id")),
    responses((status = 200, description = "Deleted", body = serde_json::Value), (status = 401, description = "Missing, invalid or revoked token", body = crate::openapi::ErrorBody), (status = 404, description = "No such document", body = crate::openapi::ErrorBody)))]
pub(crate) async fn delete_document(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (name, id) = path.into_inner();
    if state
        .collections
        .delete_document(caller.owner(), &collection_name(&name)?, &id)
        .await?
    {
        Ok(HttpResponse::Ok().json(json!({"ok": true, "deletedCount": 1})))
    } else {
        Err(ApiError::msg(ErrorCode::NotFound, "Document not found"))
    }
}
