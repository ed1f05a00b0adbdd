//! Engine-level tests for every node type: success, failures, aliases, defaults.

mod common;

use common::*;
use orchestrix_domain::{ErrorCode, StepStatus};
use orchestrix_engine::{Answer, Limits, Outcome};
use serde_json::{Value, json};

fn failed(o: &Outcome) -> (ErrorCode, Option<Value>, Option<String>) {
    match &o.answer {
        Answer::Failed(f) => (f.code, f.details.clone(), f.failed_step.clone()),
        other => panic!("expected a failure, got {other:?}"),
    }
}

fn respond(body: Value) -> Value {
    json!({"id": "out", "type": "response", "body": body})
}

#[tokio::test]
async fn input_binds_variables_defaults_and_requires() {
    let h = Harness::new();
    let wf = flat(json!([
        {"id": "in", "type": "input", "variables": ["email", {"name": "nick", "default": "anon"}, {"name": "age", "required": true}]},
        respond(json!({"e": "{{email}}", "n": "{{nick}}", "a": "{{age}}", "raw": "{{input}}"}))
    ]));
    let o = h
        .run(wf.clone(), json!({"email": "a@b.co", "age": 3}))
        .await;
    assert_eq!(o.status(), 200);
    assert_eq!(
        o.body(),
        json!({"e": "a@b.co", "n": "anon", "a": 3, "raw": {"email": "a@b.co", "age": 3}})
    );
    // The seed's {input:{…}} wrapper.
    let o = h
        .run(wf.clone(), json!({"input": {"email": "w@b.co", "age": 1}}))
        .await;
    assert_eq!(o.body()["e"], "w@b.co");
    let o = h.run(wf, json!({"email": "a@b.co", "age": null})).await;
    let (code, details, step) = failed(&o);
    assert_eq!(
        (code, step.as_deref()),
        (ErrorCode::ValidationFailed, Some("in"))
    );
    assert_eq!(details, Some(json!({"age": ["is required"]})));
    assert_eq!(o.status(), 400);
    assert_eq!(o.body()["failedStepName"], "in");
}

#[tokio::test]
async fn input_validation_rules_and_field_forms() {
    let h = Harness::new();
    let wf = flat(json!([
        {"id": "in", "type": "input", "variables": ["email", "age", "name", "code", "tags", "role"]},
        {"id": "v", "type": "inputValidation", "outputVar": "ok", "rules": [
            {"field": "{{email}}", "required": true, "type": "email"},
            {"field": "input.age", "type": "integer", "min": 18, "max": 99},
            {"field": "name", "minLength": 2, "maxLength": 3},
            {"field": "code", "pattern": "^[A-Z]{2}$"},
            {"field": "tags", "type": "array"},
            {"field": "role", "enum": ["admin", "user"]},
            {"field": "{{ input.missing }}", "type": "string", "minLength": 50}
        ]},
        respond(json!({"ok": "{{ok}}"}))
    ]));
    let o = h.run(wf.clone(), json!({"email": "a@b.co", "age": 30.0, "name": "Zoë", "code": "AB", "tags": [], "role": "user"})).await;
    assert_eq!(o.body(), json!({"ok": true}), "{:?}", o.answer);
    let o = h.run(wf, json!({"email": "nope", "age": 12.5, "name": "Zoëy", "code": "ab", "tags": "x", "role": "root"})).await;
    let (code, details, _) = failed(&o);
    assert_eq!(code, ErrorCode::ValidationFailed);
    let d = details.unwrap();
    for key in ["email", "input.age", "name", "code", "tags", "role"] {
        assert!(
            d[key].as_array().is_some_and(|a| !a.is_empty()),
            "{key}: {d}"
        );
    }
    assert_eq!(
        d["input.age"].as_array().unwrap().len(),
        2,
        "integer and min both fail"
    );
    assert!(
        d.get("input.missing").is_none(),
        "absent values pass every rule but required"
    );
}

#[tokio::test]
async fn input_validation_default_output_and_required_vs_empty_string() {
    let h = Harness::new();
    let wf = flat(json!([
        {"id": "v", "type": "inputValidation", "rules": [{"field": "x", "required": true}]},
        respond(json!({"v": "{{validated}}"}))
    ]));
    assert_eq!(
        h.run(wf.clone(), json!({"x": ""})).await.body(),
        json!({"v": true})
    );
    let (_, d, _) = failed(&h.run(wf, json!({})).await);
    assert_eq!(d, Some(json!({"x": ["is required"]})));
}

#[tokio::test]
async fn db_find_one_many_aliases_sort_skip_limit() {
    let h = Harness::new();
    for (n, age) in [("a", 30), ("b", 20), ("c", 40)] {
        h.store
            .put("people", json!({"_id": n, "name": n, "age": age}));
    }
    let wf = flat(json!([
        {"id": "one", "type": "dbFind", "collection": "people", "filter": {"name": "b"}},
        {"id": "first", "type": "dbFind", "collection": "people", "findType": "findOne", "filters": {"age": {"$gt": 25}}, "outputVar": "older"},
        {"id": "many", "type": "dbFind", "collection": "people", "findType": "find", "sort": {"age": -1}, "skip": 1, "limit": "{{input.n}}", "output": "list"},
        {"id": "none", "type": "dbFind", "collection": "nothing-here", "findType": "many", "output": "empty"},
        {"id": "nil", "type": "dbFind", "collection": "people", "filters": {"name": "zz"}, "output": "nil"},
        respond(json!({"found": "{{found.name}}", "older": "{{older.name}}", "list": "{{list}}", "empty": "{{empty}}", "nil": "{{nil}}"}))
    ]));
    let o = h.run(wf, json!({"n": 1})).await;
    assert_eq!(
        o.body(),
        json!({"found": "b", "older": "a", "list": [{"_id": "a", "name": "a", "age": 30}], "empty": [], "nil": null})
    );
}

#[tokio::test]
async fn db_find_bad_runtime_collection_and_limit_are_400() {
    let h = Harness::new();
    let wf = flat(json!([
        {"id": "in", "type": "input", "variables": ["c"]},
        {"id": "f", "type": "dbFind", "collection": "{{c}}", "limit": "{{input.l}}", "output": "x"},
        respond(json!({"x": "{{x}}"}))
    ]));
    let (code, d, step) = failed(&h.run(wf.clone(), json!({"c": "system.users"})).await);
    assert_eq!(
        (code, step.as_deref()),
        (ErrorCode::ValidationFailed, Some("f"))
    );
    assert!(d.unwrap()["collection"].is_array());
    let (_, d, _) = failed(&h.run(wf, json!({"c": "ok", "l": "many"})).await);
    assert!(d.unwrap()["limit"].is_array());
}

#[tokio::test]
async fn db_insert_with_aliases_wrapper_and_duplicate_key() {
    let store = MemStore::default().with_schema(
        json!({"collectionName": "users", "fields": {"email": {"type": "email", "unique": true}}}),
    );
    let h = Harness::with(
        store,
        FakeMailer::default(),
        FakeHttp::default(),
        Limits::default(),
    );
    let wf = flat(json!([
        {"id": "in", "type": "input", "variables": ["email"]},
        {"id": "ins", "type": "dbInsert", "collection": "users", "document": {"data": {"email": "{{email}}", "n": 1}}},
        respond(json!({"c": "{{created}}"}))
    ]));
    let o = h.run(wf.clone(), json!({"email": "a@b.co"})).await;
    assert_eq!(o.body()["c"]["email"], "a@b.co");
    assert!(o.body()["c"]["_id"].is_string());
    let o = h.run(wf, json!({"email": "a@b.co"})).await;
    let (code, d, _) = failed(&o);
    assert_eq!(
        (code, d),
        (ErrorCode::DuplicateKey, Some(json!({"field": "email"})))
    );
    assert_eq!(o.status(), 409);
}

#[tokio::test]
async fn db_insert_whole_template_and_refusals() {
    let h = Harness::new();
    let wf = flat(json!([
        {"id": "ins", "type": "dbInsert", "collection": "things", "document": "{{input.doc}}", "output": "made"},
        respond(json!({"m": "{{made.k}}"}))
    ]));
    assert_eq!(
        h.run(wf.clone(), json!({"doc": {"k": 5}})).await.body(),
        json!({"m": 5})
    );
    let (code, _, _) = failed(&h.run(wf.clone(), json!({"doc": {"$set": {"k": 1}}})).await);
    assert_eq!(code, ErrorCode::ValidationFailed);
    let (code, _, _) = failed(&h.run(wf, json!({"doc": [1]})).await);
    assert_eq!(code, ErrorCode::ValidationFailed);
}

#[tokio::test]
async fn db_update_plain_operators_many_upsert_defaults() {
    let h = Harness::new();
    h.store.put("c", json!({"_id": "1", "k": "a", "n": 1}));
    h.store.put("c", json!({"_id": "2", "k": "a", "n": 5}));
    let wf = flat(json!([
        {"id": "in", "type": "input", "variables": ["v"]},
        {"id": "u1", "type": "dbUpdate", "collection": "c", "filters": {"_id": "1"}, "update": {"v": "{{v}}"}},
        {"id": "u2", "type": "dbUpdate", "collection": "c", "filter": {"k": "a"}, "data": {"$inc": {"n": 10}}, "many": true, "outputVar": "counts"},
        {"id": "u3", "type": "dbUpdate", "collection": "c", "filter": {"k": "zzz"}, "data": {"$set": {"x": 1}}, "output": "none"},
        respond(json!({"u": "{{updated}}", "c": "{{counts}}", "none": "{{none}}"}))
    ]));
    let o = h.run(wf, json!({"v": {"nested": true}})).await;
    assert_eq!(
        o.body(),
        json!({"u": {"_id": "1", "k": "a", "n": 1, "v": {"nested": true}}, "c": {"matchedCount": 2, "modifiedCount": 2}, "none": null})
    );
    assert_eq!(h.store.docs("c")[1]["n"], json!(15.0));
}

#[tokio::test]
async fn db_delete_one_many_and_missing_collection() {
    let h = Harness::new();
    for i in 0..3 {
        h.store.put("c", json!({"_id": i.to_string(), "k": "a"}));
    }
    let wf = flat(json!([
        {"id": "d1", "type": "dbDelete", "collection": "c", "filters": {"k": "a"}},
        {"id": "d2", "type": "dbDelete", "collection": "c", "filter": {"k": "a"}, "many": true, "output": "rest"},
        {"id": "d3", "type": "dbDelete", "collection": "ghost", "output": "ghost"},
        respond(json!({"one": "{{deleted}}", "rest": "{{rest}}", "ghost": "{{ghost}}"}))
    ]));
    let o = h.run(wf, json!({})).await;
    assert_eq!(
        o.body(),
        json!({"one": {"deletedCount": 1}, "rest": {"deletedCount": 2}, "ghost": {"deletedCount": 0}})
    );
}

#[tokio::test]
async fn auth_middleware_verifies_owner_tokens() {
    let h = Harness::new();
    let p = plan(flat(json!([
        {"id": "auth", "type": "authMiddleware"},
        respond(json!({"me": "{{currentUser.sub}}"}))
    ])));
    let ok = h
        .run_with(
            &p,
            json!({}),
            vec![(
                "Authorization".into(),
                r#"Bearer owner_a|{"sub":"u1"}"#.into(),
            )],
        )
        .await;
    assert_eq!(ok.body(), json!({"me": "u1"}));
    for header in [
        None,
        Some("Bearer "),
        Some("Basic abc"),
        Some(r#"Bearer owner_b|{"sub":"u1"}"#),
        Some("Bearer garbage"),
    ] {
        let headers = header
            .map(|v| vec![("authorization".to_owned(), v.to_owned())])
            .unwrap_or_default();
        let o = h.run_with(&p, json!({}), headers).await;
        assert_eq!(failed(&o).0, ErrorCode::Unauthorized, "{header:?}");
        assert_eq!(o.status(), 401);
    }
    let alias = plan(flat(
        json!([{"id": "auth", "type": "authMiddleware", "outputVar": "who"}, respond(json!("{{who.sub}}"))]),
    ));
    let o = h
        .run_with(
            &alias,
            json!({}),
            vec![(
                "authorization".into(),
                r#"bearer owner_a|{"sub":"u2"}"#.into(),
            )],
        )
        .await;
    assert_eq!(o.body(), json!("u2"));
}

#[tokio::test]
async fn jwt_generate_defaults_and_aliases() {
    let h = Harness::new();
    let wf = flat(json!([
        {"id": "in", "type": "input", "variables": ["email"]},
        {"id": "j1", "type": "jwtGenerate", "payload": {"email": "{{email}}"}},
        {"id": "j2", "type": "jwtGenerate", "payload": {"k": 1}, "expiresIn": 60, "outputVar": "short"},
        {"id": "j3", "type": "jwtGenerate", "payload": {"k": 1}, "expiresIn": "15m", "algorithm": "HS256", "output": "mid"},
        respond(json!({"t": "{{token}}", "s": "{{short}}", "m": "{{mid}}"}))
    ]));
    let b = h.run(wf, json!({"email": "a@b.co"})).await.body();
    assert_eq!(b["t"], r#"owner_a|{"email":"a@b.co","exp":604800}"#);
    assert_eq!(b["s"], r#"owner_a|{"k":1,"exp":60}"#);
    assert_eq!(b["m"], r#"owner_a|{"k":1,"exp":900}"#);
}

#[tokio::test]
async fn email_send_success_header_injection_and_upstream_failure() {
    let h = Harness::new();
    let wf = flat(json!([
        {"id": "in", "type": "input", "variables": ["to", "subject"]},
        {"id": "mail", "type": "emailSend", "to": "{{to}}", "subject": "{{subject}}", "body": "Hello {{to}}", "from": "shop@example.com", "html": true},
        respond(json!("{{emailResult}}"))
    ]));
    let o = h
        .run(wf.clone(), json!({"to": "a@b.co", "subject": "Hi"}))
        .await;
    assert_eq!(o.body(), json!({"sent": true, "messageId": "msg-1"}));
    let sent = h.mailer.sent.lock().unwrap()[0].clone();
    assert!(
        sent.html
            && sent.body == "Hello a@b.co"
            && sent.from.as_deref() == Some("shop@example.com")
    );
    for (to, subject, field) in [
        ("a@b.co\r\nBcc: x@y.z", "Hi", "to"),
        ("a@b.co", "Hi\nBcc: x@y.z", "subject"),
        ("not-an-email", "Hi", "to"),
    ] {
        let (code, d, _) = failed(
            &h.run(wf.clone(), json!({"to": to, "subject": subject}))
                .await,
        );
        assert_eq!(code, ErrorCode::ValidationFailed);
        assert!(d.unwrap()[field].is_array());
    }
    assert_eq!(h.mailer.sent.lock().unwrap().len(), 1);
    let down = Harness::with(
        MemStore::default(),
        FakeMailer {
            fail: true,
            ..Default::default()
        },
        FakeHttp::default(),
        Limits::default(),
    );
    let o = down.run(wf, json!({"to": "a@b.co", "subject": "Hi"})).await;
    assert_eq!((failed(&o).0, o.status()), (ErrorCode::UpstreamFailed, 502));
}

#[tokio::test]
async fn user_login_success_and_refusals() {
    let h = Harness::new();
    h.store.put(
        "users",
        json!({"_id": "u1", "email": "a@b.co", "password": "$fake$terces", "name": "Ann"}),
    );
    h.store.put(
        "members",
        json!({"_id": "m1", "email": "m@b.co", "password": "$fake$nepo"}),
    );
    let wf = flat(json!([
        {"id": "in", "type": "input", "variables": ["email", "password"]},
        {"id": "login", "type": "userLogin", "email": "{{email}}", "password": "{{password}}"},
        respond(json!("{{loginResult}}"))
    ]));
    let o = h
        .run(wf.clone(), json!({"email": "a@b.co", "password": "secret"}))
        .await;
    assert_eq!(
        o.body(),
        json!({"success": true, "user": {"_id": "u1", "email": "a@b.co", "name": "Ann"}})
    );
    for body in [
        json!({"email": "a@b.co", "password": "wrong"}),
        json!({"email": "x@b.co", "password": "secret"}),
        json!({"email": {"$ne": null}, "password": "secret"}),
        json!({}),
    ] {
        let o = h.run(wf.clone(), body.clone()).await;
        assert_eq!(
            (failed(&o).0, o.status()),
            (ErrorCode::InvalidCredentials, 401),
            "{body}"
        );
    }
    let other = flat(json!([
        {"id": "login", "type": "userLogin", "collection": "members", "email": "input.email", "password": "{{input.pw}}", "outputVar": "r"},
        respond(json!("{{r.user._id}}"))
    ]));
    assert_eq!(
        h.run(other, json!({"email": "m@b.co", "pw": "open"}))
            .await
            .body(),
        json!("m1")
    );
}

#[tokio::test]
async fn condition_ops_and_output() {
    let h = Harness::new();
    for (op, left, right, expect) in [
        ("eq", json!(1), json!(1.0), true),
        ("ne", json!("a"), json!("a"), false),
        ("gt", json!(3), json!(2), true),
        ("gte", json!("b"), json!("b"), true),
        ("lt", json!("3"), json!(4), false),
        ("lte", json!(4), json!(4), true),
        ("in", json!("x"), json!(["x", "y"]), true),
        ("exists", json!(null), json!(null), false),
        ("truthy", json!([]), json!(null), true),
        ("falsy", json!(""), json!(null), true),
    ] {
        let wf = json!({"nodes": [
            {"id": "in", "type": "input", "variables": ["l", "r"]},
            {"id": "c", "type": "condition", "left": "{{l}}", "op": op, "right": "{{r}}", "outputVar": "res"},
            {"id": "yes", "type": "response", "body": {"branch": "true", "res": "{{res}}"}},
            {"id": "no", "type": "response", "body": {"branch": "false", "res": "{{res}}"}}],
          "edges": [{"source": "in", "target": "c"}, {"source": "c", "target": "yes", "sourceHandle": "true"}, {"source": "c", "target": "no", "sourceHandle": "false"}]});
        let b = h.run(wf, json!({"l": left, "r": right})).await.body();
        assert_eq!(
            b,
            json!({"branch": expect.to_string(), "res": expect}),
            "{op}"
        );
    }
}

#[tokio::test]
async fn http_request_result_refusals_and_failures() {
    let h = Harness::new();
    let wf = flat(json!([
        {"id": "in", "type": "input", "variables": ["url"]},
        {"id": "call", "type": "httpRequest", "method": "post", "url": "{{url}}", "headers": {"x-k": "{{input.k}}"}, "body": {"a": 1}},
        respond(json!("{{response}}"))
    ]));
    let o = h
        .run(
            wf.clone(),
            json!({"url": "http://127.0.0.1:9/hook", "k": 7}),
        )
        .await;
    assert_eq!(
        o.body(),
        json!({"status": 201, "headers": {"content-type": "application/json"}, "body": {"echo": {"a": 1}, "url": "http://127.0.0.1:9/hook"}})
    );
    let req = h.http.requests.lock().unwrap()[0].clone();
    assert_eq!(
        (
            req.method.as_str(),
            req.headers.clone(),
            req.timeout.as_millis()
        ),
        ("POST", vec![("x-k".to_owned(), "7".to_owned())], 10_000)
    );
    for url in [
        "http://169.254.169.254/latest",
        "http://localhost/",
        "http://10.0.0.1/",
        "file:///etc/passwd",
    ] {
        let (code, d, _) = failed(&h.run(wf.clone(), json!({"url": url})).await);
        assert_eq!(code, ErrorCode::ValidationFailed, "{url}");
        assert!(d.unwrap()["url"].is_array());
    }
    assert_eq!(
        h.http.requests.lock().unwrap().len(),
        1,
        "refused URLs are never sent"
    );
    let down = Harness::with(
        MemStore::default(),
        FakeMailer::default(),
        FakeHttp {
            fail: true,
            ..Default::default()
        },
        Limits::default(),
    );
    let o = down
        .run(wf.clone(), json!({"url": "https://api.example.com/"}))
        .await;
    assert_eq!((failed(&o).0, o.status()), (ErrorCode::UpstreamFailed, 502));
    let slow = Harness::with(
        MemStore::default(),
        FakeMailer::default(),
        FakeHttp {
            delay: Some(std::time::Duration::from_secs(30)),
            ..Default::default()
        },
        Limits::default(),
    );
    let wf = flat(
        json!([{"id": "call", "type": "httpRequest", "url": "https://api.example.com/", "timeoutMs": 50, "outputVar": "r"}, respond(json!("{{r}}"))]),
    );
    let o = slow.run(wf, json!({})).await;
    assert_eq!(o.status(), 504);
}

#[tokio::test]
async fn response_status_alias_headers_and_default_body() {
    let h = Harness::new();
    let o = h.run(flat(json!([{"id": "r", "type": "response", "statusCode": 201, "headers": {"x-id": "{{input.id}}"}, "body": {"ok": true}}])), json!({"id": 9})).await;
    assert_eq!(
        (o.status(), o.headers().to_vec(), o.body()),
        (
            201,
            vec![("x-id".to_owned(), "9".to_owned())],
            json!({"ok": true})
        )
    );
    let o = h
        .run(flat(json!([{"id": "r", "type": "response"}])), json!({}))
        .await;
    assert_eq!((o.status(), o.body()), (200, json!({})));
    let o = h
        .run(
            flat(json!([{"id": "r", "type": "response", "status": "{{input.s}}"}])),
            json!({"s": "abc"}),
        )
        .await;
    assert_eq!((failed(&o).0, o.status()), (ErrorCode::NodeFailed, 500));
    assert_eq!(o.execution.steps[0].status, StepStatus::Failed);
}
