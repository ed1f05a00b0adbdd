//! `authMiddleware`, `jwtGenerate`, `userLogin`: end-user identity, per workflow owner.

use super::db::store_problem;
use super::query::CollectionRef;
use super::secrets::{MASK, is_password_field, schema, strip};
use super::{Done, RunCx, Summarize, invalid};
use crate::compile::FieldCx;
use crate::ports::FindQuery;
use crate::template::Tpl;
use orchestrix_domain::{Duration, ErrorCode, JwtGenerateConfig, Problem, UserLoginConfig};
use serde_json::{Map, Value, json};

const HEADERS_SLOT: usize = 1;

#[derive(Debug, Clone)]
pub(crate) struct AuthStep;

impl AuthStep {
    /// Verifies `Authorization: Bearer <token>` with the owner's secret.
    pub async fn run(&self, cx: &RunCx<'_>) -> Result<Done, Problem> {
        let header = cx
            .slots
            .get(HEADERS_SLOT)
            .and_then(|h| h.get("authorization"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim();
        let token = match header.split_once(' ') {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
            _ => "",
        };
        if token.is_empty() {
            return Err(Problem::with_message(
                ErrorCode::Unauthorized,
                "A bearer token is required",
            ));
        }
        let claims = cx.ports.tokens.verify(cx.owner, token).await.map_err(|_| {
            Problem::with_message(ErrorCode::Unauthorized, "Invalid or expired token")
        })?;
        Ok(Done::value(Value::Object(claims)))
    }
}

#[derive(Debug, Clone)]
pub(crate) struct JwtStep {
    payload: Tpl,
    expires_in: Duration,
}

impl JwtStep {
    pub fn compile(c: &JwtGenerateConfig, cx: &mut FieldCx<'_>) -> Option<Self> {
        let payload = match &c.payload {
            Value::Null => Tpl::Const(json!({})),
            v @ Value::Object(_) => cx.tpl("payload", v)?,
            v @ Value::String(s) if s.contains("{{") => cx.tpl("payload", v)?,
            _ => {
                cx.invalid("payload", "must be an object");
                return None;
            }
        };
        Some(Self {
            payload,
            expires_in: c.expires_in,
        })
    }

    pub fn fields(&self) -> Vec<(&str, &dyn Summarize)> {
        vec![("payload", &self.payload as &dyn Summarize)]
    }

    pub async fn run(&self, cx: &RunCx<'_>) -> Result<Done, Problem> {
        let claims = match self.payload.resolve(cx.slots) {
            Value::Object(o) => o,
            Value::Null => Map::new(),
            _ => return Err(invalid("payload", "must be an object")),
        };
        let token = cx
            .ports
            .tokens
            .sign(cx.owner, &claims, self.expires_in)
            .await
            .map_err(|e| {
                Problem::with_message(ErrorCode::NodeFailed, format!("signing failed: {e}"))
            })?;
        Ok(Done {
            summary: Some(Value::String(MASK.into())),
            ..Done::value(Value::String(token))
        })
    }
}

#[derive(Debug, Clone)]
pub(crate) struct LoginStep {
    collection: CollectionRef,
    email: Tpl,
    password: Tpl,
}

impl LoginStep {
    pub fn compile(c: &UserLoginConfig, cx: &mut FieldCx<'_>) -> Option<Self> {
        let collection = CollectionRef::compile(cx, "collection", &c.collection);
        let email = cx.tpl("email", &c.email);
        let password = cx.tpl("password", &c.password);
        Some(Self {
            collection: collection?,
            email: email?,
            password: password?,
        })
    }

    pub fn fields(&self) -> Vec<(&str, &dyn Summarize)> {
        vec![
            ("collection", &self.collection.0 as &dyn Summarize),
            ("email", &self.email),
            ("password", &self.password),
        ]
    }

    /// One answer for an unknown email and a wrong password, so neither leaks.
    pub async fn run(&self, cx: &RunCx<'_>) -> Result<Done, Problem> {
        let refused = || Problem::new(ErrorCode::InvalidCredentials);
        let name = self.collection.resolve(cx.slots)?;
        let (Value::String(email), Value::String(password)) = (
            self.email.resolve(cx.slots),
            self.password.resolve(cx.slots),
        ) else {
            return Err(refused());
        };
        let def = schema(cx, &name).await?;
        let query = FindQuery {
            filter: json!({ "email": email }),
            ..FindQuery::default()
        };
        let Some(mut user) = cx
            .store
            .find_one(&name, &query)
            .await
            .map_err(store_problem)?
        else {
            return Err(refused());
        };
        let hash = user.as_object().and_then(|o| {
            o.iter()
                .find(|(k, v)| is_password_field(k, def.as_ref()) && v.is_string())
                .and_then(|(_, v)| v.as_str())
                .map(str::to_owned)
        });
        let Some(hash) = hash else {
            return Err(refused());
        };
        let ok = cx
            .ports
            .passwords
            .verify(&password, &hash)
            .await
            .map_err(|e| {
                Problem::with_message(ErrorCode::NodeFailed, format!("password check failed: {e}"))
            })?;
        if !ok {
            return Err(refused());
        }
        strip(&mut user, def.as_ref());
        Ok(Done::value(json!({ "success": true, "user": user })))
    }
}
