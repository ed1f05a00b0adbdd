//! Published APIs end to end: `POST /workflow/run/{id}/{slug}` with real SMTP delivery,
//! outbound HTTP under the address guard, timeouts, headers and query, and the errors of
//! paths that are not published or workflows that cannot run.

mod common;

use common::{TestApp, call, real_server, register_user, spawn_app, spawn_app_with};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

/// Saves a flat workflow and returns its published path.
async fn publish(app: &TestApp, token: &str, id: &str, steps: Value) -> String {
    let (status, saved) = call(
        app,
        Method::POST,
        "/workflows",
        token,
        Some(json!({"workflowId": id, "apiName": id, "steps": steps})),
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    saved["apiPath"].as_str().unwrap().to_owned()
}

async fn post(app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    let res = app
        .client
        .post(app.url(path))
        .json(&body)
        .send()
        .await
        .unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn email_send_delivers_over_real_smtp() {
    let Some(addr) = real_server("SMTP_TEST_ADDR", "the SMTP server") else {
        return;
    };
    let Some(maildir) = real_server("SMTP_TEST_MAILDIR", "the SMTP server's Maildir") else {
        return;
    };
    let (host, port) = addr.rsplit_once(':').unwrap();
    let app = spawn_app_with(&[
        ("SMTP_HOST", host),
        ("SMTP_PORT", port),
        ("SMTP_SECURITY", "none"),
        ("SMTP_FROM", "Shop <shop@example.com>"),
    ])
    .await;
    let token = register_user(&app, "mailer@example.com").await;
    let path = publish(&app, &token, "welcome_mail", json!([
        {"id": "in", "type": "input", "variables": [{"name": "to"}, {"name": "marker"}]},
        {"id": "mail", "type": "emailSend", "to": "{{to}}", "subject": "Welcome {{marker}}", "body": "Hello {{to}}, order {{marker}}"},
        {"id": "out", "type": "response", "body": {"sent": "{{emailResult.sent}}", "id": "{{emailResult.messageId}}"}}
    ])).await;
    let marker = format!("m{}", orchestrix_domain::DocumentId::generate());
    let (status, body) = post(
        &app,
        &path,
        json!({"to": "ada@example.com, bo@example.com", "marker": marker}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["sent"], true);
    let id = body["id"].as_str().unwrap().to_owned();

    let mut found = None;
    for _ in 0..50 {
        for entry in std::fs::read_dir(std::path::Path::new(&maildir).join("new"))
            .into_iter()
            .flatten()
            .flatten()
        {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            if text.contains(&marker) {
                found = Some(text);
            }
        }
        if found.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let message = found.expect("the message reached the SMTP server");
    assert!(
        message.contains(&format!("Subject: Welcome {marker}")),
        "{message}"
    );
    assert!(
        message.contains("From: Shop <shop@example.com>"),
        "{message}"
    );
    assert!(
        message.contains(&format!("Message-ID: {id}")),
        "the answer names the delivered message: {message}"
    );

    // Header injection fails the step and sends nothing.
    let (status, body) = post(
        &app,
        &path,
        json!({"to": "ada@example.com\r\nBcc: all@example.com", "marker": "x"}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("validation_failed")),
        "{body}"
    );
    assert_eq!(body["failedStep"], "mail");
}

#[tokio::test]
async fn http_request_reaches_allowed_hosts_only() {
    let target = spawn_app().await;
    let url = format!("{}/health", target.address);
    let steps = json!([
        {"id": "call", "type": "httpRequest", "url": url, "headers": {"X-Request-Id": "from-workflow"}},
        {"id": "out", "type": "response", "body": {"status": "{{response.status}}", "store": "{{response.body.storage.kind}}", "echo": "{{response.headers.x-request-id}}"}}
    ]);

    let allowed = spawn_app_with(&[("HTTP_ALLOW_HOSTS", "127.0.0.1")]).await;
    let token = register_user(&allowed, "http@example.com").await;
    let path = publish(&allowed, &token, "probe", steps.clone()).await;
    let (status, body) = post(&allowed, &path, json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"status": 200, "store": "sqlite", "echo": "from-workflow"})
    );

    let guarded = spawn_app().await;
    let token = register_user(&guarded, "http2@example.com").await;
    let path = publish(&guarded, &token, "probe", steps).await;
    let (status, body) = post(&guarded, &path, json!({})).await;
    assert_eq!(
        status, 400,
        "loopback is refused without an allow-list: {body}"
    );
    assert!(body["details"]["url"].is_array(), "{body}");
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_with_504() {
    // Accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let silent = tokio::spawn(async move {
        let mut held = vec![];
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let app = spawn_app_with(&[("HTTP_ALLOW_HOSTS", "127.0.0.1"), ("NODE_TIMEOUT", "1s")]).await;
    let token = register_user(&app, "slow@example.com").await;
    let path = publish(&app, &token, "slow", json!([
        {"id": "call", "type": "httpRequest", "url": format!("http://127.0.0.1:{port}/"), "timeoutMs": 30000},
        {"id": "out", "type": "response", "body": {}}
    ])).await;
    let started = std::time::Instant::now();
    let (status, body) = post(&app, &path, json!({})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (504, Some("timeout")),
        "{body}"
    );
    assert_eq!(body["failedStep"], "call");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "NODE_TIMEOUT=1s cut the 30 s request short"
    );
    silent.abort();
}

#[tokio::test]
async fn headers_query_and_response_headers_flow_through() {
    let app = spawn_app().await;
    let token = register_user(&app, "hq@example.com").await;
    let path = publish(&app, &token, "echo_hq", json!([
        {"id": "out", "type": "response", "status": 202, "headers": {"X-Plan": "{{query.plan}}", "Content-Length": "1"},
         "body": {"client": "{{headers.x-client}}", "plan": "{{query.plan}}", "slug": "{{params.slug}}"}}
    ])).await;
    let res = app
        .client
        .post(app.url(&format!("{path}?plan=pro")))
        .header("X-Client", "web-7")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202, "an empty body is an empty input");
    assert_eq!(res.headers()["x-plan"], "pro");
    assert!(res.headers().get("x-request-id").is_some());
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body,
        json!({"client": "web-7", "plan": "pro", "slug": "echo-hq"})
    );
}

#[tokio::test]
async fn unpublished_paths_and_invalid_workflows() {
    let app = spawn_app().await;
    let token = register_user(&app, "np@example.com").await;
    for path in ["/workflow/run/nothing_here/x", "/workflow/run/a%20b/x"] {
        let (status, body) = post(&app, path, json!({})).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("api_not_published")),
            "{path}"
        );
    }
    let path = publish(
        &app,
        &token,
        "draft",
        json!([{"id": "a", "type": "teleport"}]),
    )
    .await;
    let (status, body) = post(&app, &path, json!({})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("workflow_invalid")),
        "{body}"
    );
    assert_eq!(
        body["details"]["diagnostics"][0]["code"],
        "unknown_node_type"
    );
    let wrong_slug = path.rsplit_once('/').unwrap().0.to_owned() + "/other";
    assert_eq!(post(&app, &wrong_slug, json!({})).await.0, 404);
    let (status, body) = post(&app, &path, json!([1, 2])).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("validation_failed")),
        "the input must be an object: {body}"
    );

    // Deleting unpublishes; saving again publishes the new version at once.
    call(&app, Method::DELETE, "/workflows/draft", &token, None).await;
    assert_eq!(post(&app, &path, json!({})).await.0, 404);
    let path = publish(
        &app,
        &token,
        "draft",
        json!([{"id": "r", "type": "response", "body": {"v": 2}}]),
    )
    .await;
    assert_eq!(post(&app, &path, json!({})).await, (200, json!({"v": 2})));
    publish(
        &app,
        &token,
        "draft",
        json!([{"id": "r", "type": "response", "body": {"v": 3}}]),
    )
    .await;
    assert_eq!(
        post(&app, &path, json!({})).await,
        (200, json!({"v": 3})),
        "a new version replaces the cached plan"
    );
}
