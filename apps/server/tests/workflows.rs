//! `/workflows`: save (compile + publish), read, list, update, delete, validate; tenancy;
//! the seed's request shapes.

#[macro_use]
mod common;

use common::{Store, call, register_user, spawn};
use reqwest::Method;
use serde_json::{Value, json};

fn signup_graph(id: &str) -> Value {
    json!({
        "workflowId": id,
        "ownerId": "someone-else-entirely",
        "apiName": "Sign Up",
        "steps": [
            {"id": "step1", "type": "input", "position": {"x": 0, "y": 0}, "data": {"label": "Input", "fields": {"variables": [{"name": "email"}, {"name": "password"}]}}},
            {"id": "step2", "type": "dbInsert", "data": {"label": "Create", "fields": {"collection": "users", "document": {"email": "{{email}}", "password": "{{password}}"}, "outputVar": "created"}}},
            {"id": "step3", "type": "response", "data": {"label": "Reply", "fields": {"status": 201, "body": {"id": "{{created._id}}"}}}}
        ],
        "edges": [
            {"id": "e1", "source": "step1", "target": "step2"},
            {"id": "e2", "source": "step2", "target": "step3"}
        ]
    })
}

async fn save_read_update_list_delete(store: Store) {
    let Some(app) = spawn(store, &[]).await else {
        return;
    };
    let token = register_user(&app, "owner@example.com").await;

    let (status, saved) = call(
        &app,
        Method::POST,
        "/workflows",
        &token,
        Some(signup_graph("signup_1")),
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["ok"], true);
    assert_eq!(saved["workflowId"], "signup_1");
    assert_eq!(saved["apiPath"], "/workflow/run/signup_1/sign-up");
    assert_eq!(saved["inputVariables"], json!(["email", "password"]));
    assert_eq!(saved["version"], 1);
    assert!(saved["diagnostics"].is_array());

    let (status, got) = call(
        &app,
        Method::GET,
        "/workflows/signup_1?ownerId=whoever",
        &token,
        None,
    )
    .await;
    assert_eq!(status, 200);
    for key in [
        "workflowId",
        "apiName",
        "apiPath",
        "ownerId",
        "steps",
        "edges",
        "inputVariables",
        "version",
        "createdAt",
        "updatedAt",
    ] {
        assert!(got.get(key).is_some(), "missing {key}: {got}");
    }
    assert_ne!(
        got["ownerId"], "someone-else-entirely",
        "ownerId from the body is ignored"
    );
    assert_eq!(
        got["steps"][0]["position"],
        json!({"x": 0, "y": 0}),
        "the editor gets back what it saved"
    );

    let mut changed = signup_graph("signup_1");
    changed["apiName"] = json!("Sign Up v2");
    let (status, updated) = call(
        &app,
        Method::PUT,
        "/workflows/signup_1",
        &token,
        Some(changed),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["apiPath"], "/workflow/run/signup_1/sign-up-v2");

    // Generated id when none is given; list is newest first.
    let mut anon = signup_graph("x");
    anon.as_object_mut().unwrap().remove("workflowId");
    anon["apiName"] = json!("Another");
    let (_, second) = call(&app, Method::POST, "/workflows", &token, Some(anon)).await;
    let second_id = second["workflowId"].as_str().unwrap().to_owned();
    let (_, list) = call(&app, Method::GET, "/workflows", &token, None).await;
    let list = list["workflows"].as_array().unwrap().clone();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["workflowId"], second_id.as_str());
    assert_eq!(list[1]["nodeCount"], 3);

    let (status, body) = call(&app, Method::DELETE, "/workflows/signup_1", &token, None).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (200, Some("Workflow deleted successfully"))
    );
    assert_eq!(
        call(&app, Method::GET, "/workflows/signup_1", &token, None)
            .await
            .0,
        404
    );
    assert_eq!(
        call(
            &app,
            Method::PUT,
            "/workflows/signup_1",
            &token,
            Some(signup_graph("signup_1"))
        )
        .await
        .0,
        404,
        "PUT does not create"
    );
    assert_eq!(
        call(&app, Method::DELETE, "/workflows/signup_1", &token, None)
            .await
            .0,
        404
    );
}

async fn save_rejects_bad_input_with_field_details(store: Store) {
    let Some(app) = spawn(store, &[]).await else {
        return;
    };
    let token = register_user(&app, "o2@example.com").await;
    for (body, field) in [
        (json!({"apiName": "X"}), "steps"),
        (json!({"steps": [{"id": "a", "type": "input"}]}), "apiName"),
        (json!({"apiName": "!!!", "steps": []}), "apiName"),
        (
            json!({"workflowId": "run", "apiName": "X", "steps": []}),
            "workflowId",
        ),
        (
            json!({"workflowId": "a/b", "apiName": "X", "steps": []}),
            "workflowId",
        ),
    ] {
        let (status, res) =
            call(&app, Method::POST, "/workflows", &token, Some(body.clone())).await;
        assert_eq!(status, 400, "{body} -> {res}");
        assert_eq!(res["code"], "validation_failed");
        assert!(res["details"][field].is_array(), "{field}: {res}");
    }
}

async fn drafts_with_errors_are_saved_with_their_diagnostics(store: Store) {
    let Some(app) = spawn(store, &[]).await else {
        return;
    };
    let token = register_user(&app, "o3@example.com").await;
    let body = json!({"apiName": "Draft", "steps": [{"id": "a", "type": "teleport"}, {"id": "b", "type": "response", "body": "{{nothing}}"}]});
    let (status, saved) = call(&app, Method::POST, "/workflows", &token, Some(body)).await;
    assert_eq!(status, 200);
    assert_eq!(saved["runnable"], false);
    let codes: Vec<&str> = saved["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert!(
        codes.contains(&"unknown_node_type") && codes.contains(&"undefined_variable"),
        "{codes:?}"
    );
    let id = saved["workflowId"].as_str().unwrap();
    assert_eq!(
        call(&app, Method::GET, &format!("/workflows/{id}"), &token, None)
            .await
            .0,
        200
    );
}

async fn validate_reports_without_saving(store: Store) {
    let Some(app) = spawn(store, &[]).await else {
        return;
    };
    let token = register_user(&app, "o4@example.com").await;
    let cyclic = json!({"nodes": [
        {"id": "a", "type": "input", "data": {"fields": {"variables": [{"name": "x"}]}}},
        {"id": "b", "type": "response", "data": {"fields": {"body": {}}}}
    ], "edges": [{"id": "1", "source": "a", "target": "b"}, {"id": "2", "source": "b", "target": "a"}]});
    let (status, res) = call(
        &app,
        Method::POST,
        "/workflows/validate",
        &token,
        Some(cyclic),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(res["ok"], false);
    let d = &res["diagnostics"].as_array().unwrap()[0];
    assert_eq!(d["severity"], "error");
    assert!(d["code"].is_string() && d["message"].is_string());

    let fine =
        json!({"steps": [{"id": "a", "type": "response", "status": 200, "body": {"ok": true}}]});
    let (_, res) = call(&app, Method::POST, "/workflow/validate", &token, Some(fine)).await;
    assert_eq!(res["ok"], true, "{res}");
    let (_, list) = call(&app, Method::GET, "/workflows", &token, None).await;
    assert_eq!(list["workflows"], json!([]));
}

async fn another_owner_gets_404_whatever_owner_id_it_sends(store: Store) {
    let Some(app) = spawn(store, &[]).await else {
        return;
    };
    let alice = register_user(&app, "alice@example.com").await;
    let bob = register_user(&app, "bob@example.com").await;
    let (_, saved) = call(
        &app,
        Method::POST,
        "/workflows",
        &alice,
        Some(signup_graph("alices")),
    )
    .await;
    let (_, me) = call(&app, Method::GET, "/auth/me", &alice, None).await;
    let alice_id = me["user"]["id"].as_str().unwrap().to_owned();
    assert_eq!(saved["workflowId"], "alices");

    let path = format!("/workflows/alices?ownerId={alice_id}");
    assert_eq!(call(&app, Method::GET, &path, &bob, None).await.0, 404);
    let mut hijack = signup_graph("alices");
    hijack["ownerId"] = json!(alice_id);
    assert_eq!(
        call(&app, Method::POST, "/workflows", &bob, Some(hijack.clone()))
            .await
            .0,
        404,
        "naming another owner's id"
    );
    assert_eq!(
        call(&app, Method::PUT, "/workflows/alices", &bob, Some(hijack))
            .await
            .0,
        404
    );
    assert_eq!(
        call(&app, Method::DELETE, "/workflows/alices", &bob, None)
            .await
            .0,
        404
    );
    let (_, bobs) = call(&app, Method::GET, "/workflows", &bob, None).await;
    assert_eq!(bobs["workflows"], json!([]));
    let (status, still) = call(&app, Method::GET, "/workflows/alices", &alice, None).await;
    assert_eq!(
        (status, still["version"].as_u64()),
        (200, Some(1)),
        "nothing changed"
    );
}

async fn management_routes_need_a_token_but_unknown_routes_are_404_first(store: Store) {
    let Some(app) = spawn(store, &[]).await else {
        return;
    };
    let res = app.client.get(app.url("/workflows")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let res = app
        .client
        .get(app.url("/workflows/a/b/c"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

/// The seed frontend's flow, field by field.
async fn seed_request_shapes_keep_working(store: Store) {
    let Some(app) = spawn(store, &[]).await else {
        return;
    };
    let res = app
        .client
        .post(app.url("/auth/register"))
        .json(&json!({"email": "seed@example.com", "password": "password123", "name": "Seed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let reg: Value = res.json().await.unwrap();
    for key in ["message", "user", "token"] {
        assert!(reg.get(key).is_some(), "register: {key}");
    }
    let res = app
        .client
        .post(app.url("/auth/login"))
        .json(&json!({"email": "seed@example.com", "password": "password123"}))
        .send()
        .await
        .unwrap();
    let login: Value = res.json().await.unwrap();
    let token = login["token"].as_str().unwrap().to_owned();
    for key in ["id", "email", "name"] {
        assert!(login["user"].get(key).is_some(), "login user: {key}");
    }
    let owner = login["user"]["id"].as_str().unwrap().to_owned();

    let mut wf = signup_graph("seed_wf");
    wf["ownerId"] = json!(owner);
    let (status, saved) = call(&app, Method::POST, "/workflows", &token, Some(wf.clone())).await;
    assert_eq!(status, 200);
    for key in ["ok", "workflowId", "apiPath", "apiName", "inputVariables"] {
        assert!(saved.get(key).is_some(), "save: {key}");
    }
    let (status, got) = call(
        &app,
        Method::GET,
        &format!("/workflows/seed_wf?ownerId={owner}"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(got["ownerId"], owner.as_str());
    assert_eq!(got["steps"], wf["steps"]);
    assert_eq!(got["edges"], wf["edges"]);

    let (status, cols) = call(&app, Method::GET, "/collections", &token, None).await;
    assert_eq!(status, 200, "{cols}");
    assert_eq!(cols["ok"], true);
    assert!(cols["schemas"].is_object());

    let (status, put) = call(&app, Method::PUT, "/workflows/seed_wf", &token, Some(wf)).await;
    assert_eq!((status, put["ok"].as_bool()), (200, Some(true)));
    let (status, del) = call(&app, Method::DELETE, "/workflows/seed_wf", &token, None).await;
    assert_eq!((status, del["ok"].as_bool()), (200, Some(true)));
    assert!(del["message"].is_string());
}

both_stores!(
    save_read_update_list_delete,
    save_rejects_bad_input_with_field_details,
    drafts_with_errors_are_saved_with_their_diagnostics,
    validate_reports_without_saving,
    another_owner_gets_404_whatever_owner_id_it_sends,
    management_routes_need_a_token_but_unknown_routes_are_404_first,
    seed_request_shapes_keep_working
);
