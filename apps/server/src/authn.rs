//! Authentication as a typed extractor: a handler that takes [`Authenticated`] cannot run for
//! a caller without a valid token and a live session.

use crate::error::ApiError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, web};
use orchestrix_auth::Caller;
use orchestrix_domain::{ErrorCode, SessionId, UserId};
use std::future::Future;
use std::pin::Pin;

/// The owner every unauthenticated request acts as in compatibility mode (`AUTH_REQUIRED=false`).
pub const COMPAT_OWNER: &str = "user_default";

/// The authenticated caller of a management request.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Caller);

impl Authenticated {
    pub fn owner(&self) -> &UserId {
        &self.0.user_id
    }
}

/// The bearer token of a request, if it sent one.
pub fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
        .then(|| token.trim().to_owned())
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("app state missing"))?;
            match token {
                Some(token) => Ok(Self(state.accounts.authenticate(&token).await?)),
                None if !state.settings.auth_required => Ok(Self(Caller {
                    user_id: UserId::from_stored(COMPAT_OWNER),
                    email: String::new(),
                    session_id: SessionId::from_stored(""),
                })),
                None => Err(ApiError::msg(
                    ErrorCode::Unauthorized,
                    "Send a token: Authorization: Bearer <token>",
                )),
            }
        })
    }
}
