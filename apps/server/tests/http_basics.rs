//! The HTTP basics every route shares: error bodies, request ids, body limits, CORS, and
//! refusing to start with unsafe production settings.

#[macro_use]
mod common;

use common::{Store, spawn, test_settings};
use orchestrix_server::startup::Application;
use reqwest::Method;
use serde_json::Value;

async fn health_answers_ok_with_the_contract_fields(store: Store) {
    let Some(app) = spawn(store, &[]).await else {
        return;
    };
    let res = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["environment"], "development");
    let kind = if store == Store::Mongo {
        "mongodb"
    } else {
        "sqlite"
    };
    assert_eq!(body["storage"]["kind"], kind);
    assert_eq!(body["storage"]["ok"], true);
    assert!(
        body["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{body}"
    );
}

async fn unknown_route_is_404_with_the_error_body(store: Store) {
    let Some(app) = spawn(store, &[]).await else {
        return;
    };
    for (method, path) in [
        (Method::GET, "/nope"),
        (Method::POST, "/workflows/x/y/z/w"),
        (Method::DELETE, "/"),
    ] {
        let res = app
            .client
            .request(method, app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{path}");
        let id = res
            .headers()
            .get("x-request-id")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], "not_found");
        assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()));
        assert_eq!(body["requestId"], id.as_str());
    }
}

#[tokio::test]
async fn malformed_json_is_400_invalid_json() {
    let Some(app) = spawn(Store::Sqlite, &[]).await else {
        return;
    };
    for body in ["{\"email\": ", "not json", ""] {
        let res = app
            .client
            .post(app.url("/auth/login"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{body:?}");
        let json: Value = res.json().await.unwrap();
        assert_eq!(json["code"], "invalid_json", "{json}");
    }
    let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
    let res = app
        .client
        .post(app.url("/auth/login"))
        .header("content-type", "application/json")
        .body(deep)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "invalid_json");
}

#[tokio::test]
async fn oversized_body_is_413_with_the_error_body() {
    let Some(app) = spawn(Store::Sqlite, &[("BODY_LIMIT_BYTES", "2048")]).await else {
        return;
    };
    let big = serde_json::json!({"email": "a@b.co", "password": "x".repeat(4096)}).to_string();
    let res = app
        .client
        .post(app.url("/auth/login"))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let json: Value = res.json().await.unwrap();
    assert_eq!(json["code"], "payload_too_large");
    assert!(json["requestId"].is_string());
}

#[tokio::test]
async fn request_id_is_echoed_or_generated() {
    let Some(app) = spawn(Store::Sqlite, &[]).await else {
        return;
    };
    let res = app
        .client
        .get(app.url("/health"))
        .header("X-Request-Id", "trace-abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "trace-abc-123");

    let a = app.client.get(app.url("/health")).send().await.unwrap();
    let b = app.client.get(app.url("/health")).send().await.unwrap();
    let (a, b) = (
        a.headers()["x-request-id"].to_str().unwrap().to_owned(),
        b.headers()["x-request-id"].to_str().unwrap().to_owned(),
    );
    assert_eq!(a.len(), 36, "a UUID: {a}");
    assert_ne!(a, b);

    // A header that is not a sane id is replaced, not echoed.
    let res = app
        .client
        .get(app.url("/health"))
        .header("X-Request-Id", "x".repeat(300))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"].len(), 36);
}

#[tokio::test]
async fn cors_preflight_allows_the_frontend_and_refuses_others() {
    let Some(app) = spawn(Store::Sqlite, &[]).await else {
        return;
    };
    let preflight = |origin: &'static str| {
        app.client
            .request(Method::OPTIONS, app.url("/workflows"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "content-type, authorization",
            )
            .send()
    };
    let ok = preflight("http://localhost:3000").await.unwrap();
    assert!(ok.status().is_success(), "{}", ok.status());
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "http://localhost:3000"
    );
    assert_eq!(ok.headers()["access-control-allow-credentials"], "true");

    let refused = preflight("http://evil.example").await.unwrap();
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "bad_request", "{body}");

    // A simple request from the frontend gets the header, with the request id exposed.
    let res = app
        .client
        .get(app.url("/health"))
        .header("Origin", "http://localhost:3000")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "http://localhost:3000"
    );
    let exposed = res.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("x-request-id"), "{exposed}");
}

#[tokio::test]
async fn production_with_a_short_secret_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let err = test_settings(
        dir.path(),
        &[("APP_ENV", "production"), ("JWT_SECRET", "too-short")],
    )
    .unwrap_err();
    assert!(err.to_string().contains("JWT_SECRET is too short"), "{err}");
    let err = test_settings(dir.path(), &[("APP_ENV", "production")]).unwrap_err();
    assert!(err.to_string().contains("JWT_SECRET is required"), "{err}");

    let long = "s".repeat(40);
    let settings = test_settings(
        dir.path(),
        &[("APP_ENV", "production"), ("JWT_SECRET", &long)],
    )
    .unwrap();
    let app = Application::build(settings)
        .await
        .expect("a long secret starts");
    assert!(app.port() > 0);
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let Some(app) = spawn(Store::Sqlite, &[]).await else {
        return;
    };
    app.client.get(app.url("/health")).send().await.unwrap();
    app.client.get(app.url("/workflows")).send().await.unwrap();
    app.client
        .get(app.url("/no/such/thing/at/all"))
        .send()
        .await
        .unwrap();
    let res = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    let line = |needle: &[&str]| {
        text.lines().any(|l| {
            l.starts_with("orchestrix_http_requests_total") && needle.iter().all(|n| l.contains(n))
        })
    };
    assert!(line(&["endpoint=\"/health\"", "status=\"200\""]), "{text}");
    assert!(
        line(&["endpoint=\"/workflows\"", "status=\"401\""]),
        "{text}"
    );
    assert!(
        line(&["endpoint=\"UNMATCHED\"", "status=\"404\""]),
        "{text}"
    );
    assert!(
        text.contains("orchestrix_http_requests_duration_seconds_bucket"),
        "latency histogram"
    );
}

both_stores!(
    health_answers_ok_with_the_contract_fields,
    unknown_route_is_404_with_the_error_body
);
