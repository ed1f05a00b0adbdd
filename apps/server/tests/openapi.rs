//! `/openapi.json` is valid OpenAPI 3.1 (checked against the specification's own JSON Schema)
//! and documents every platform route; `/docs` serves the reference page with its assets.

mod common;

use common::spawn_app;
use serde_json::Value;

#[tokio::test]
async fn openapi_document_is_valid_openapi_3_1() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let doc: Value = res.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );

    let schema: Value =
        serde_json::from_str(include_str!("fixtures/openapi-3.1-schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the OAS 3.1 schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "not valid OpenAPI 3.1:\n{}",
        errors.join("\n")
    );

    // A broken document is caught: the check above can fail.
    let mut broken = doc.clone();
    broken["paths"]["/health"]["get"]["responses"] = Value::String("nope".into());
    assert!(!validator.is_valid(&broken));
}

#[tokio::test]
async fn every_route_and_the_error_body_are_documented() {
    let app = spawn_app().await;
    let doc: Value = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = doc["paths"].as_object().unwrap();
    let expected = [
        ("/health", "get"),
        ("/auth/register", "post"),
        ("/auth/login", "post"),
        ("/auth/logout", "post"),
        ("/auth/me", "get"),
        ("/workflows", "get"),
        ("/workflows", "post"),
        ("/workflows/validate", "post"),
        ("/workflows/{workflowId}", "get"),
        ("/workflows/{workflowId}", "put"),
        ("/workflows/{workflowId}", "delete"),
        ("/collections", "get"),
        ("/collections", "post"),
        ("/collections/{name}", "get"),
        ("/collections/{name}", "put"),
        ("/collections/{name}", "delete"),
        ("/collections/{name}/data", "get"),
        ("/collections/{name}/data", "post"),
        ("/collections/{name}/data/{id}", "put"),
        ("/collections/{name}/data/{id}", "delete"),
    ];
    for (path, method) in expected {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} is not documented"
        );
    }
    let error = &doc["components"]["schemas"]["ErrorBody"];
    for field in ["error", "code", "requestId"] {
        assert!(
            error["properties"].get(field).is_some(),
            "ErrorBody.{field}"
        );
    }
    let login_401 = &paths["/auth/login"]["post"]["responses"]["401"];
    assert_eq!(
        login_401["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ErrorBody"
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["bearerAuth"]["scheme"],
        "bearer"
    );
    assert!(paths["/workflows"]["get"]["security"].is_array());
}

#[tokio::test]
async fn docs_page_is_served_from_the_binary() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/docs")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("/openapi.json") && html.contains("/docs/redoc.standalone.js"));
    assert!(!html.contains("https://"), "no CDN: {html}");
    let js = app
        .client
        .get(app.url("/docs/redoc.standalone.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(js.status(), 200);
    assert!(
        js.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    assert!(js.bytes().await.unwrap().len() > 100_000);
}

#[tokio::test]
async fn each_published_workflow_has_its_own_openapi_document() {
    let app = spawn_app().await;
    let token = common::register_user(&app, "docs@example.com").await;
    common::call(&app, reqwest::Method::POST, "/collections", &token, Some(serde_json::json!({"collectionName": "people", "fields": {"email": {"type": "email", "unique": true}}}))).await;
    let signup = serde_json::json!({"workflowId": "docs_signup", "apiName": "Sign Up", "steps": [
        {"id": "in", "type": "input", "variables": [{"name": "email", "type": "string", "required": true, "description": "Where we write"}, {"name": "age", "type": "integer"}, {"name": "born", "type": "date"}, {"name": "note", "type": "free text"}]},
        {"id": "check", "type": "inputValidation", "rules": [{"field": "{{email}}", "required": true, "type": "email"}, {"field": "input.age", "min": 18, "max": 130}, {"field": "plan", "enum": ["free", "pro"]}]},
        {"id": "auth", "type": "authMiddleware"},
        {"id": "save", "type": "dbInsert", "collection": "people", "data": {"email": "{{email}}"}},
        {"id": "out", "type": "response", "status": 201, "body": {"id": "{{created._id}}"}}
    ]});
    let (status, _) = common::call(
        &app,
        reqwest::Method::POST,
        "/workflows",
        &token,
        Some(signup),
    )
    .await;
    assert_eq!(status, 200);

    let res = app
        .client
        .get(app.url("/workflows/docs_signup/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "public: no token needed");
    let doc: Value = res.json().await.unwrap();
    let schema: Value =
        serde_json::from_str(include_str!("fixtures/openapi-3.1-schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));

    let op = &doc["paths"]["/workflow/run/docs_signup/sign-up"]["post"];
    let body = &op["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(body["properties"]["email"]["format"], "email");
    assert_eq!(body["properties"]["email"]["description"], "Where we write");
    assert_eq!(body["properties"]["age"]["type"], "integer");
    assert_eq!(
        body["properties"]["born"],
        serde_json::json!({"type": "string", "format": "date"})
    );
    assert_eq!(
        body["properties"]["note"],
        serde_json::json!({}),
        "a free-text type documents nothing"
    );
    assert_eq!(
        (
            body["properties"]["age"]["minimum"].as_f64(),
            body["properties"]["age"]["maximum"].as_f64()
        ),
        (Some(18.0), Some(130.0))
    );
    assert_eq!(
        body["properties"]["plan"]["enum"],
        serde_json::json!(["free", "pro"])
    );
    assert_eq!(body["required"], serde_json::json!(["email"]));
    for status in ["201", "400", "401", "409", "422", "500"] {
        assert!(
            op["responses"].get(status).is_some(),
            "response {status}: {}",
            op["responses"]
        );
    }
    assert_eq!(
        op["responses"]["201"]["content"]["application/json"]["example"],
        serde_json::json!({"id": "{{created._id}}"})
    );
    assert_eq!(
        op["responses"]["409"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ErrorBody"
    );
    assert_eq!(op["security"], serde_json::json!([{"bearerAuth": []}]));

    assert_eq!(
        app.client
            .get(app.url("/workflows/nope/openapi.json"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}
