//! `/auth`: registration, login, sessions that can be revoked, token tampering, and the
//! failed-login limit.

#[macro_use]
mod common;

use common::{Store, TestApp, spawn, spawn_app_with};
use serde_json::{Value, json};

async fn register(app: &TestApp, email: &str) -> (reqwest::StatusCode, Value) {
    let res = app
        .client
        .post(app.url("/auth/register"))
        .json(&json!({"email": email, "password": "correct-horse", "name": "Ada"}))
        .send()
        .await
        .unwrap();
    (res.status(), res.json().await.unwrap())
}

async fn me(app: &TestApp, token: &str) -> reqwest::StatusCode {
    app.client
        .get(app.url("/auth/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

async fn register_login_me_logout(store: Store) {
    let Some(app) = spawn(store, &[]).await else {
        return;
    };
    let (status, body) = register(&app, "ada@example.com").await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["message"], "User registered successfully");
    assert_eq!(body["user"]["email"], "ada@example.com");
    assert_eq!(body["user"]["name"], "Ada");
    assert!(body["user"]["id"].is_string() && body["token"].is_string());
    assert!(body["user"].get("password").is_none() && body["user"].get("passwordHash").is_none());

    let res = app
        .client
        .post(app.url("/auth/login"))
        .json(&json!({"email": "ADA@example.com", "password": "correct-horse"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let login: Value = res.json().await.unwrap();
    assert_eq!(login["message"], "Login successful");
    let token = login["token"].as_str().unwrap().to_owned();

    let res = app
        .client
        .get(app.url("/auth/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["user"]["email"], "ada@example.com");

    let res = app
        .client
        .get(app.url("/auth/sessions"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let sessions: Value = res.json().await.unwrap();
    assert_eq!(
        sessions["sessions"].as_array().unwrap().len(),
        2,
        "{sessions}"
    );

    let res = app
        .client
        .post(app.url("/auth/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.unwrap()["message"],
        "Logout successful"
    );
    assert_eq!(me(&app, &token).await, 401, "a logged-out token is refused");
    let first = body_token(&register_again_login(&app).await);
    assert_eq!(me(&app, &first).await, 200);
}

async fn register_again_login(app: &TestApp) -> Value {
    app.client
        .post(app.url("/auth/login"))
        .json(&json!({"email": "ada@example.com", "password": "correct-horse"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn body_token(v: &Value) -> String {
    v["token"].as_str().unwrap().to_owned()
}

async fn registration_errors(store: Store) {
    let Some(app) = spawn(store, &[]).await else {
        return;
    };
    let res = app
        .client
        .post(app.url("/auth/register"))
        .json(&json!({"email": "nope", "password": "short"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "validation_failed");
    assert!(
        body["details"]["email"].is_array() && body["details"]["password"].is_array(),
        "{body}"
    );

    assert_eq!(register(&app, "b@example.com").await.0, 201);
    let (status, body) = register(&app, "B@Example.com").await;
    assert_eq!(status, 409);
    assert_eq!(body["code"], "conflict");

    let res = app
        .client
        .post(app.url("/auth/register"))
        .json(&json!({"email": "c@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(
        res.json::<Value>().await.unwrap()["code"],
        "validation_failed"
    );
}

async fn wrong_password_and_unknown_email_look_the_same(store: Store) {
    let Some(app) = spawn(store, &[]).await else {
        return;
    };
    register(&app, "c@example.com").await;
    let mut bodies = vec![];
    for email in ["c@example.com", "ghost@example.com"] {
        let res = app
            .client
            .post(app.url("/auth/login"))
            .json(&json!({"email": email, "password": "wrong-password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
        let mut body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], "invalid_credentials");
        body.as_object_mut().unwrap().remove("requestId");
        bodies.push(body);
    }
    assert_eq!(bodies[0], bodies[1]);
}

async fn bad_tokens_get_401(store: Store) {
    use base64::Engine;
    let Some(app) = spawn(store, &[]).await else {
        return;
    };
    let (_, body) = register(&app, "d@example.com").await;
    let token = body_token(&body);
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = token.split('.').collect();

    let mut payload: Value = serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
    payload["email"] = json!("mallory@example.com");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64.encode(payload.to_string()),
        parts[2]
    );
    let none = format!(
        "{}.{}.",
        b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
        parts[1]
    );
    let other_secret = {
        let dir = tempfile::tempdir().unwrap();
        // Another deployment (another secret) on the embedded store.
        let other = spawn_app_with(&[
            ("JWT_SECRET", &"z".repeat(40)),
            ("DATABASE_PATH", dir.path().join("o.db").to_str().unwrap()),
        ])
        .await;
        let (_, b) = register(&other, "d@example.com").await;
        body_token(&b)
    };
    for bad in [
        tampered.as_str(),
        none.as_str(),
        other_secret.as_str(),
        "garbage",
        "",
    ] {
        let res = app
            .client
            .get(app.url("/auth/me"))
            .header("Authorization", format!("Bearer {bad}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{bad}");
        assert_eq!(res.json::<Value>().await.unwrap()["code"], "unauthorized");
    }
    let res = app.client.get(app.url("/auth/me")).send().await.unwrap();
    assert_eq!(res.status(), 401, "no token at all");
    assert_eq!(me(&app, &token).await, 200, "the real token still works");
}

async fn the_sixth_failed_login_is_limited_and_other_clients_are_not(store: Store) {
    let Some(app) = spawn(store, &[("TRUST_PROXY_HEADERS", "true")]).await else {
        return;
    };
    register(&app, "e@example.com").await;
    register(&app, "f@example.com").await;
    let attempt = |ip: &'static str, email: &'static str, password: &'static str| {
        app.client
            .post(app.url("/auth/login"))
            .header("X-Forwarded-For", ip)
            .json(&json!({"email": email, "password": password}))
            .send()
    };
    for i in 0..5 {
        let res = attempt("203.0.113.7", "e@example.com", "wrong-password")
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "attempt {}", i + 1);
    }
    let res = attempt("203.0.113.7", "e@example.com", "wrong-password")
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "rate_limited");

    // Blocked before the password is even checked, right or wrong.
    assert_eq!(
        attempt("203.0.113.7", "e@example.com", "correct-horse")
            .await
            .unwrap()
            .status(),
        429
    );
    // Another client logging in to another account is unaffected.
    assert_eq!(
        attempt("198.51.100.2", "f@example.com", "correct-horse")
            .await
            .unwrap()
            .status(),
        200
    );
}

async fn compatibility_mode_acts_as_user_default(store: Store) {
    let Some(app) = spawn(store, &[("AUTH_REQUIRED", "false")]).await else {
        return;
    };
    // No token at all: requests act as `user_default`, as the seed did.
    let wf = json!({"workflowId": "compat_wf", "apiName": "Compat", "steps": [{"id": "r", "type": "response", "body": {"ok": true}}]});
    let res = app
        .client
        .post(app.url("/workflows"))
        .json(&wf)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = app
        .client
        .get(app.url("/workflows/compat_wf"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.unwrap()["ownerId"],
        "user_default"
    );
    // A real user's token still acts as that user, who does not see user_default's workflows.
    let (_, body) = register(&app, "real@example.com").await;
    let res = app
        .client
        .get(app.url("/workflows"))
        .bearer_auth(body_token(&body))
        .send()
        .await
        .unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["workflows"], json!([]));

    let Some(strict) = spawn(store, &[]).await else {
        return;
    };
    assert_eq!(
        strict
            .client
            .get(strict.url("/workflows"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

both_stores!(
    register_login_me_logout,
    registration_errors,
    wrong_password_and_unknown_email_look_the_same,
    bad_tokens_get_401,
    the_sixth_failed_login_is_limited_and_other_clients_are_not,
    compatibility_mode_acts_as_user_default
);
