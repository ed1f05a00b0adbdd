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

#[derive(Deserialize)]
struct Register {
    email: String,
    password: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct Login {
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
    if state.settings.trust_proxy_headers {
        if let Some(ip) = req.connection_info().realip_remote_addr() {
            return ip.to_owned();
        }
    }
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default()
}

#[post("/auth/register")]
async fn register(
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

#[post("/auth/login")]
async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: JsonBody<Login>,
) -> Result<HttpResponse, ApiError> {
    let Login { email, password } = body.0;
    let client = client_address(&req, &state);
    let limited = |wait| {
        let mut e = ApiError::msg(
            ErrorCode::RateLimited,
            "Too many failed logins; try again later",
        );
        e.retry_after = Some(retry_after_secs(wait));
        e
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

#[post("/auth/logout")]
async fn logout(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    state.accounts.logout(&caller.0.session_id).await?;
    Ok(HttpResponse::Ok().json(json!({"message": "Logout successful"})))
}

/// Revokes every session of the caller (e.g. after a lost device).
#[post("/auth/logout-all")]
async fn logout_all(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let revoked = state.accounts.logout_everywhere(caller.owner()).await?;
    Ok(HttpResponse::Ok().json(json!({"message": "Logged out everywhere", "revoked": revoked})))
}

#[get("/auth/me")]
async fn me(state: web::Data<AppState>, caller: Authenticated) -> Result<HttpResponse, ApiError> {
    let user = state
        .accounts
        .user(caller.owner())
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized))?;
    Ok(HttpResponse::Ok().json(json!({"user": user_json(&user)})))
}

#[get("/auth/sessions")]
async fn sessions(
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
