//! `/auth`: register, login, logout, the caller, and their sessions.

use crate::authn::Authenticated;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::rate_limit::retry_after_secs;
use crate::state::AppState;
use actix_web::http::header::USER_AGENT;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use orchestrix_auth::AuthError;
use orchestrix_domain::{ErrorCode, User};
use serde::Deserialize;
use serde_json::json;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(register)
        .service(login)
        .service(logout)
        .service(logout_all)
        .service(me)
        .service(sessions);
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct Register {
    email: String,
    password: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct Login {
    email: String,
    password: String,
}

fn user_json(user: &User) -> serde_json::Value {
    json!({"id": user.id, "email": user.email, "name": user.name})
}

fn user_agent(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The client address that failed-login limits count against.
fn client_address(req: &HttpRequest, state: &AppState) -> String {
    if state.settings.trust_proxy_headers
        && let Some(ip) = req.connection_info().realip_remote_addr()
    {
        return ip.to_owned();
    }
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default()
}

#[utoipa::path(post, path = "/auth/register", tag = "auth", request_body = Register,
    responses((status = 201, description = "Registered and logged in", body = crate::openapi::AuthAnswer), (status = 400, description = "Invalid email or password shorter than 8", body = crate::openapi::ErrorBody), (status = 409, description = "Email already registered", body = crate::openapi::ErrorBody)))]
#[post("/auth/register")]
pub(crate) async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: JsonBody<Register>,
) -> Result<HttpResponse, ApiError> {
    let Register {
        email,
        password,
        name,
    } = body.0;
    let (user, token) = state
        .accounts
        .register(&email, &password, name, user_agent(&req))
        .await?;
    Ok(HttpResponse::Created().json(json!({
        "message": "User registered successfully",
        "user": user_json(&user),
        "token": token,
    })))
}

#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = Login,
    responses((status = 200, description = "Logged in", body = crate::openapi::AuthAnswer), (status = 401, description = "Invalid email or password", body = crate::openapi::ErrorBody), (status = 429, description = "Too many failed logins; see Retry-After", body = crate::openapi::ErrorBody)))]
#[post("/auth/login")]
pub(crate) async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: JsonBody<Login>,
) -> Result<HttpResponse, ApiError> {
    let Login { email, password } = body.0;
    let client = client_address(&req, &state);
    let limited = |wait| {
        ApiError::msg(
            ErrorCode::RateLimited,
            "Too many failed logins; try again later",
        )
        .retry_after(retry_after_secs(wait))
    };
    if let Some(wait) = state.login_limiter.blocked(&client, &email) {
        return Err(limited(wait));
    }
    match state
        .accounts
        .login(&email, &password, user_agent(&req))
        .await
    {
        Ok((user, token)) => Ok(HttpResponse::Ok().json(json!({
            "message": "Login successful",
            "user": user_json(&user),
            "token": token,
        }))),
        Err(AuthError::InvalidCredentials) => {
            match state.login_limiter.record_failure(&client, &email) {
                Some(wait) => Err(limited(wait)),
                None => Err(AuthError::InvalidCredentials.into()),
            }
        }
        Err(e) => Err(e.into()),
    }
}

#[utoipa::path(post, path = "/auth/logout", tag = "auth", security(("bearerAuth" = [])),
    responses((status = 200, description = "The session is revoked", body = serde_json::Value), (status = 401, description = "Missing, invalid or revoked token", body = crate::openapi::ErrorBody)))]
#[post("/auth/logout")]
pub(crate) async fn logout(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    state.accounts.logout(&caller.0.session_id).await?;
    Ok(HttpResponse::Ok().json(json!({"message": "Logout successful"})))
}

/// Revokes every session of the caller (e.g. after a lost device).
#[utoipa::path(post, path = "/auth/logout-all", tag = "auth", security(("bearerAuth" = [])),
    responses((status = 200, description = "Every session of the caller is revoked", body = serde_json::Value), (status = 401, description = "Missing, invalid or revoked token", body = crate::openapi::ErrorBody)))]
#[post("/auth/logout-all")]
pub(crate) async fn logout_all(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let revoked = state.accounts.logout_everywhere(caller.owner()).await?;
    Ok(HttpResponse::Ok().json(json!({"message": "Logged out everywhere", "revoked": revoked})))
}

#[utoipa::path(get, path = "/auth/me", tag = "auth", security(("bearerAuth" = [])),
    responses((status = 200, description = "The caller", body = serde_json::Value), (status = 401, description = "Missing, invalid or revoked token", body = crate::openapi::ErrorBody)))]
#[get("/auth/me")]
pub(crate) async fn me(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let user = state
        .accounts
        .user(caller.owner())
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized))?;
    Ok(HttpResponse::Ok().json(json!({"user": user_json(&user)})))
}

#[utoipa::path(get, path = "/auth/sessions", tag = "auth", security(("bearerAuth" = [])),
    responses((status = 200, description = "The caller's live sessions", body = serde_json::Value), (status = 401, description = "Missing, invalid or revoked token", body = crate::openapi::ErrorBody)))]
#[get("/auth/sessions")]
pub(crate) async fn sessions(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let sessions: Vec<_> = state
        .accounts
        .sessions(caller.owner())
        .await?
        .into_iter()
        .map(|s| {
            json!({
                "id": s.id, "createdAt": s.created_at, "expiresAt": s.expires_at,
                "userAgent": s.user_agent, "current": s.id == caller.0.session_id,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({"sessions": sessions})))
}
