//! `/collections`: definitions, documents, schema checks, unique fields, passwords, queries,
//! and tenancy.

#[macro_use]
mod common;

use common::{Store, call, register_user, spawn};
use reqwest::Method;
use serde_json::{Value, json};

fn users_def() -> Value {
    json!({"collectionName": "members", "fields": {
        "email": {"type": "email", "required": true, "unique": true},
        "password": "password",
        "age": "number",
        "role": {"type": "string", "default": "member"}
    }})
}

async fn define_insert_query_update_delete(store: Store) {
    let Some(app) = spawn(store, &[]).await else {
        return;
    };
    let t = register_user(&app, "c1@example.com").await;
    let (status, created) = call(&app, Method::POST, "/collections", &t, Some(users_def())).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["collection"]["collectionName"], "members");
    assert_eq!(created["collection"]["fields"]["password"], "password");

    let (status, ins) = call(
        &app,
        Method::POST,
        "/collections/members/data",
        &t,
        Some(json!({"data": {"email": "ada@example.com", "password": "s3cret-pass", "age": 36}})),
    )
    .await;
    assert_eq!(status, 201, "{ins}");
    let id = ins["insertedId"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 24);
    assert_eq!(ins["data"]["_id"], id.as_str());
    assert_eq!(ins["data"]["role"], "member", "default applied");
    assert!(
        ins["data"].get("password").is_none(),
        "password never returned: {ins}"
    );
    call(
        &app,
        Method::POST,
        "/collections/members/data",
        &t,
        Some(json!({"data": {"email": "bob@example.com", "age": 20}})),
    )
    .await;

    let (status, list) = call(&app, Method::GET, "/collections", &t, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        list["schemas"]["members"],
        json!(["email", "password", "age", "role"])
    );
    assert_eq!(list["collections"][0]["count"], 2);

    let filters = urlencode(&json!({"age": {"$gte": 30}}).to_string());
    let (status, found) = call(
        &app,
        Method::GET,
        &format!("/collections/members/data?filters={filters}"),
        &t,
        None,
    )
    .await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["count"], 1);
    assert_eq!(found["data"][0]["email"], "ada@example.com");
    assert!(found["data"][0].get("password").is_none());

    let sort = urlencode(&json!({"age": 1}).to_string());
    let (_, sorted) = call(
        &app,
        Method::GET,
        &format!("/collections/members/data?sort={sort}&findType=one"),
        &t,
        None,
    )
    .await;
    assert_eq!(sorted["data"]["email"], "bob@example.com");

    let (status, upd) = call(
        &app,
        Method::PUT,
        &format!("/collections/members/data/{id}"),
        &t,
        Some(json!({"data": {"age": 37}})),
    )
    .await;
    assert_eq!(status, 200, "{upd}");
    assert_eq!(
        (upd["data"]["age"].as_i64(), upd["data"]["email"].as_str()),
        (Some(37), Some("ada@example.com"))
    );
    let (status, _) = call(
        &app,
        Method::PUT,
        "/collections/members/data/000000000000000000000000",
        &t,
        Some(json!({"data": {"age": 1}})),
    )
    .await;
    assert_eq!(status, 404);

    let (status, _) = call(
        &app,
        Method::DELETE,
        &format!("/collections/members/data/{id}"),
        &t,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        call(
            &app,
            Method::DELETE,
            &format!("/collections/members/data/{id}"),
            &t,
            None
        )
        .await
        .0,
        404
    );

    let (status, _) = call(&app, Method::DELETE, "/collections/members", &t, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        call(&app, Method::GET, "/collections/members", &t, None)
            .await
            .0,
        404
    );
    let (_, list) = call(&app, Method::GET, "/db/schemas", &t, None).await;
    assert_eq!(
        list["collections"],
        json!([]),
        "the alias lists the same (now empty) collections"
    );
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn schema_unique_and_query_errors(store: Store) {
    let Some(app) = spawn(store, &[]).await else {
        return;
    };
    let t = register_user(&app, "c2@example.com").await;
    call(&app, Method::POST, "/collections", &t, Some(users_def())).await;
    let (status, bad) = call(
        &app,
        Method::POST,
        "/collections/members/data",
        &t,
        Some(json!({"data": {"email": "nope", "age": "old"}})),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(bad["code"], "validation_failed");
    assert!(
        bad["details"]["email"].is_array() && bad["details"]["age"].is_array(),
        "{bad}"
    );

    let doc = json!({"data": {"email": "same@example.com"}});
    assert_eq!(
        call(
            &app,
            Method::POST,
            "/collections/members/data",
            &t,
            Some(doc.clone())
        )
        .await
        .0,
        201
    );
    let (status, dup) = call(
        &app,
        Method::POST,
        "/collections/members/data",
        &t,
        Some(doc),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(dup["code"], "duplicate_key");
    assert_eq!(dup["details"]["field"], "email");

    for filters in [
        json!({"$where": "1 == 1"}),
        json!({"age": {"$expr": 1}}),
        json!({"$function": {}}),
    ] {
        let (status, err) = call(
            &app,
            Method::GET,
            &format!(
                "/collections/members/data?filters={}",
                urlencode(&filters.to_string())
            ),
            &t,
            None,
        )
        .await;
        assert_eq!(status, 400, "{filters}");
        assert_eq!(err["code"], "invalid_query");
    }
    let (status, _) = call(
        &app,
        Method::GET,
        "/collections/members/data?filters=%7Bbroken",
        &t,
        None,
    )
    .await;
    assert_eq!(status, 400);

    for bad in ["_private", "system-x", "a.b"] {
        let (status, err) = call(
            &app,
            Method::POST,
            &format!("/collections/{bad}/data"),
            &t,
            Some(json!({"data": {}})),
        )
        .await;
        assert_eq!(status, 400, "{bad}");
        assert!(err["details"]["collection"].is_array());
    }
    let (status, err) = call(
        &app,
        Method::POST,
        "/collections",
        &t,
        Some(json!({"collectionName": "x", "fields": {"a": "strung"}})),
    )
    .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (400, Some("validation_failed"))
    );
}

async fn owners_see_only_their_own_collections_and_documents(store: Store) {
    let Some(app) = spawn(store, &[]).await else {
        return;
    };
    let alice = register_user(&app, "alice@example.com").await;
    let bob = register_user(&app, "bob@example.com").await;
    let (_, me) = call(&app, Method::GET, "/auth/me", &alice, None).await;
    let alice_id = me["user"]["id"].as_str().unwrap().to_owned();

    call(
        &app,
        Method::POST,
        "/collections",
        &alice,
        Some(users_def()),
    )
    .await;
    let (_, ins) = call(
        &app,
        Method::POST,
        "/collections/members/data",
        &alice,
        Some(json!({"data": {"email": "a@example.com"}})),
    )
    .await;
    let id = ins["insertedId"].as_str().unwrap().to_owned();

    // Bob: same name, his own (empty, undefined) collection.
    let q = format!("?ownerId={alice_id}");
    assert_eq!(
        call(
            &app,
            Method::GET,
            &format!("/collections/members{q}"),
            &bob,
            None
        )
        .await
        .0,
        404
    );
    let (_, data) = call(
        &app,
        Method::GET,
        &format!("/collections/members/data{q}"),
        &bob,
        None,
    )
    .await;
    assert_eq!(
        (data["data"].clone(), data["count"].as_u64()),
        (json!([]), Some(0))
    );
    assert_eq!(
        call(
            &app,
            Method::PUT,
            &format!("/collections/members/data/{id}{q}"),
            &bob,
            Some(json!({"data": {"x": 1}}))
        )
        .await
        .0,
        404
    );
    assert_eq!(
        call(
            &app,
            Method::DELETE,
            &format!("/collections/members/data/{id}{q}"),
            &bob,
            None
        )
        .await
        .0,
        404
    );
    assert_eq!(
        call(
            &app,
            Method::DELETE,
            &format!("/collections/members{q}"),
            &bob,
            None
        )
        .await
        .0,
        404
    );
    let (_, list) = call(&app, Method::GET, "/collections", &bob, None).await;
    assert_eq!(list["collections"], json!([]));

    // Bob writes his own "members"; Alice's are untouched.
    call(
        &app,
        Method::POST,
        "/collections/members/data",
        &bob,
        Some(json!({"data": {"email": "a@example.com", "by": "bob"}})),
    )
    .await;
    let (_, alices) = call(&app, Method::GET, "/collections/members/data", &alice, None).await;
    assert_eq!(alices["count"], 1);
    assert!(alices["data"][0].get("by").is_none());
    // Platform collections are out of reach whatever the name.
    for name in ["users", "sessions", "workflows"] {
        let (_, rows) = call(
            &app,
            Method::GET,
            &format!("/collections/{name}/data"),
            &bob,
            None,
        )
        .await;
        assert_eq!(rows["data"], json!([]), "{name}");
    }
}

both_stores!(
    define_insert_query_update_delete,
    schema_unique_and_query_errors,
    owners_see_only_their_own_collections_and_documents
);
