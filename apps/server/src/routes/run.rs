//! `POST /workflow/run/{workflowId}/{slug}`: a published workflow answering as an HTTP API.
//! Public: the workflow's own `authMiddleware` decides who may call it.

use crate::error::ApiError;
use crate::extract::RunInput;
use crate::ports::TenantPort;
use crate::request_id::current_request_id;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use orchestrix_domain::ErrorCode;
use orchestrix_engine::{Answer, RunRequest};
use serde_json::{Map, Value, json};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/workflow/run/{workflowId}/{slug}",
        web::post().to(run_published),
    );
}

/// Headers a workflow may not set: the server owns framing and the request id.
const RESERVED: &[&str] = &[
    "content-length",
    "transfer-encoding",
    "connection",
    "content-type",
    "x-request-id",
];

fn query_map(req: &HttpRequest) -> Map<String, Value> {
    web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map(|q| {
            q.into_inner()
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect()
        })
        .unwrap_or_default()
}

async fn run_published(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    input: RunInput,
) -> Result<HttpResponse, ApiError> {
    let (workflow_id, slug) = path.into_inner();
    let published = state.workflows.published_plan(&workflow_id, &slug).await?;
    let Some(plan) = &published.compiled.plan else {
        return Err(ApiError::new(ErrorCode::WorkflowInvalid)
            .details(json!({"diagnostics": published.compiled.diagnostics})));
    };
    let owner = published.api.owner_id.clone();
    let mut request = RunRequest::new(workflow_id.clone(), owner.clone(), input.0);
    request.headers = req
        .headers()
        .iter()
        .filter_map(|(k, v)| {
            v.to_str()
                .ok()
                .map(|v| (k.as_str().to_ascii_lowercase(), v.to_owned()))
        })
        .collect();
    request.query = query_map(&req);
    request.params = Map::from_iter([
        ("workflowId".into(), json!(workflow_id)),
        ("slug".into(), json!(slug)),
    ]);

    let tenant = TenantPort::new(state.store.clone(), &owner);
    let outcome = state.engine.run(plan, request, &tenant).await;
    let status =
        StatusCode::from_u16(outcome.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut body = outcome.body();
    let mut res = HttpResponse::build(status);
    if let Answer::Failed(_) = &outcome.answer {
        if let Value::Object(o) = &mut body {
            o.insert(
                "requestId".into(),
                current_request_id().map_or(Value::Null, Value::String),
            );
        }
    } else {
        for (name, value) in outcome.headers() {
            let (Ok(name), Ok(value)) = (
                HeaderName::try_from(name.as_str()),
                HeaderValue::from_str(value),
            ) else {
                continue;
            };
            if !RESERVED.contains(&name.as_str()) {
                res.insert_header((name, value));
            }
        }
    }
    Ok(res.json(body))
}
