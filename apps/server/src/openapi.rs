//! The platform API as OpenAPI 3.1, generated from the `#[utoipa::path]` annotations that sit
//! next to each handler, and `/docs`, a reference page rendered by the vendored Redoc bundle.

use crate::routes;
use actix_web::{HttpResponse, get, http::header, web};
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

/// The error body of every non-2xx answer Orchestrix produces itself.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// A message for people (kept for seed clients).
    #[schema(example = "Workflow not found")]
    pub error: String,
    /// A stable snake_case code for programs.
    #[schema(example = "not_found")]
    pub code: String,
    /// Structured details, e.g. per-field messages or the duplicate field.
    #[schema(nullable = false)]
    pub details: Option<serde_json::Value>,
    /// The `X-Request-Id` of the request.
    pub request_id: String,
}

/// A user as the API shows it.
#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    #[schema(format = "email")]
    pub email: String,
    pub name: Option<String>,
}

/// The answer of register and login.
#[derive(Serialize, ToSchema)]
pub struct AuthAnswer {
    pub message: String,
    pub user: UserView,
    /// A platform JWT (HS256), valid while its session lives.
    pub token: String,
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearerAuth",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Orchestrix platform API", description = "Workflows, collections, accounts and operations of the Orchestrix backend. Seed clients may also use `/workflow/…` for `/workflows/…` and `/db/schemas` for `/collections`."),
    paths(
        routes::health::health,
        routes::auth::register, routes::auth::login, routes::auth::logout, routes::auth::logout_all,
        routes::auth::me, routes::auth::sessions,
        routes::workflows::list, routes::workflows::create, routes::workflows::get,
        routes::workflows::update, routes::workflows::delete, routes::workflows::validate,
        routes::workflows::api_document,
        routes::collections::list, routes::collections::define, routes::collections::get,
        routes::collections::redefine, routes::collections::delete, routes::collections::find,
        routes::collections::insert, routes::collections::update, routes::collections::delete_document,
    ),
    components(schemas(ErrorBody, UserView, AuthAnswer)),
    modifiers(&BearerAuth),
    tags(
        (name = "operations", description = "Health, metrics, API documents"),
        (name = "auth", description = "Accounts and sessions"),
        (name = "workflows", description = "Saved workflows and their published APIs"),
        (name = "collections", description = "The caller's own collections and documents"),
    )
)]
pub struct PlatformApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(openapi_json).service(docs).service(redoc_js);
}

#[get("/openapi.json")]
async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(PlatformApi::openapi())
}

const DOCS_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Orchestrix API reference</title>
</head>
<body>
  <redoc spec-url="/openapi.json"></redoc>
  <script src="/docs/redoc.standalone.js"></script>
</body>
</html>
"#;

#[get("/docs")]
async fn docs() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(DOCS_PAGE)
}

#[get("/docs/redoc.standalone.js")]
async fn redoc_js() -> HttpResponse {
    static REDOC: &[u8] = include_bytes!("../assets/redoc.standalone.js");
    HttpResponse::Ok()
        .content_type("application/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(REDOC)
}
