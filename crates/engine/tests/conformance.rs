//! The shared conformance fixtures, run at the engine level (no HTTP) on in-memory ports:
//! every case's status and body, plus "no password anywhere" over every event and record.

mod common;

use common::*;
use orchestrix_domain::{Email, UserId};
use orchestrix_engine::{Plan, RunRequest};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

fn dir() -> Option<std::path::PathBuf> {
    let dir = std::env::var("ORCHESTRIX_CONFORMANCE_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| {
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/conformance").into()
        });
    if dir.join("README.md").exists() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "conformance fixtures not found at {}",
        dir.display()
    );
    eprintln!(
        "skipping: conformance fixtures not found at {}",
        dir.display()
    );
    None
}

/// The matching rules of the fixtures' README.
fn matches(expected: &Value, actual: Option<&Value>) -> bool {
    match expected {
        Value::String(s) if s.starts_with('$') => match (s.as_str(), actual) {
            ("$absent", a) => a.is_none_or(Value::is_null),
            ("$any", a) => a.is_some(),
            ("$null", a) => a.is_some_and(Value::is_null),
            ("$string", Some(a)) => a.is_string(),
            ("$number", Some(a)) => a.is_number(),
            ("$boolean", Some(a)) => a.is_boolean(),
            ("$object", Some(a)) => a.is_object(),
            ("$array", Some(a)) => a.is_array(),
            ("$jwt", Some(Value::String(t))) => {
                t.split('.').count() == 3
                    && t.split('.').all(|p| {
                        !p.is_empty()
                            && p.bytes()
                                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                    })
            }
            (_, a) => a == Some(expected),
        },
        Value::Object(o) => actual
            .and_then(Value::as_object)
            .is_some_and(|a| o.iter().all(|(k, v)| matches(v, a.get(k)))),
        Value::Array(items) => actual.and_then(Value::as_array).is_some_and(|a| {
            a.len() == items.len() && items.iter().zip(a).all(|(e, v)| matches(e, Some(v)))
        }),
        other => actual == Some(other),
    }
}

fn substitute(v: &Value, vars: &HashMap<String, String>) -> Value {
    match v {
        Value::String(s) => {
            let mut out = s.clone();
            for (k, val) in vars {
                out = out.replace(&format!("{{{{{k}}}}}"), val);
            }
            Value::String(out)
        }
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), substitute(v, vars)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|v| substitute(v, vars)).collect()),
        other => other.clone(),
    }
}

async fn run_file(name: &str) -> Vec<String> {
    let Some(dir) = dir() else { return vec![] };
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap();
    let mut store = MemStore::default();
    for def in file["collections"].as_array().into_iter().flatten() {
        store = store.with_schema(def.clone());
    }
    let mut secrets = Vec::new();
    for (coll, docs) in file["data"].as_object().into_iter().flatten() {
        for (i, doc) in docs.as_array().unwrap().iter().enumerate() {
            let mut doc = doc.clone();
            if let Some(p) = doc.get("password").and_then(Value::as_str) {
                secrets.push(p.to_owned());
                doc["password"] = json!(format!("$fake${}", p.chars().rev().collect::<String>()));
            }
            doc["_id"] = json!(format!("seed{i}"));
            store.put(coll, doc);
        }
    }
    let h = Harness::with_jwt(store);
    let plans: HashMap<String, Plan> = file["workflows"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, w)| (k.clone(), plan(w.clone())))
        .collect();
    let mut vars = HashMap::from([("platformToken".to_owned(), platform_token())]);
    let mut failures = Vec::new();
    for case in file["cases"].as_array().unwrap() {
        let body = substitute(&case["request"]["body"], &vars);
        if let Some(p) = body
            .get("password")
            .or_else(|| body.get("input").and_then(|i| i.get("password")))
            .and_then(Value::as_str)
        {
            secrets.push(p.to_owned());
        }
        let headers: Vec<(String, String)> = case["request"]["headers"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| {
                (
                    k.clone(),
                    substitute(v, &vars).as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        let mut req = RunRequest::new(
            case["workflow"].as_str().unwrap(),
            UserId::from_stored("owner_conformance"),
            body,
        );
        req.headers = headers;
        if let Some(q) = case["request"]["query"].as_object() {
            req.query = q.clone();
        }
        let o = h
            .engine
            .run(&plans[case["workflow"].as_str().unwrap()], req, &h.store)
            .await;
        let (status, body) = (o.status(), o.body());
        let want = &case["expect"];
        if want["status"] != json!(status)
            || !want.get("body").is_none_or(|b| matches(b, Some(&body)))
        {
            failures.push(format!("{name} / {}: got {status} {body}", case["name"]));
        }
        for (var, path) in case["capture"].as_object().into_iter().flatten() {
            let mut cur = &json!({"body": body});
            for seg in path.as_str().unwrap().split('.') {
                cur = &cur[seg];
            }
            vars.insert(var.clone(), cur.as_str().unwrap_or_default().to_owned());
        }
        let record = serde_json::to_string(&o.execution).unwrap();
        let answer = o.body().to_string();
        for s in &secrets {
            for (what, text) in [("record", &record), ("answer", &answer)] {
                assert!(
                    !text.contains(s.as_str()),
                    "{name}/{}: password in the {what}: {text}",
                    case["name"]
                );
            }
        }
        assert!(
            !record.contains("$fake$") && !answer.contains("$fake$"),
            "hash leaked in {}",
            case["name"]
        );
    }
    let events = serde_json::to_string(&h.events()).unwrap();
    for s in &secrets {
        assert!(!events.contains(s.as_str()), "{name}: password in an event");
    }
    assert!(!events.contains("$fake$"), "{name}: hash in an event");
    // Stored passwords are hashes, never the plain text.
    for docs in h.store.data.lock().unwrap().values() {
        for d in docs {
            if let Some(p) = d.get("password").and_then(Value::as_str) {
                assert!(p.starts_with("$fake$"), "stored in clear: {d}");
                assert!(Email::parse(d["email"].as_str().unwrap_or_default()).is_ok());
            }
        }
    }
    failures
}

#[tokio::test]
async fn branching_fixture() {
    let f = run_file("branching.json").await;
    assert!(f.is_empty(), "{f:#?}");
}

#[tokio::test]
async fn seed_flat_form_fixture() {
    let f = run_file("seed-flat-form.json").await;
    assert!(f.is_empty(), "{f:#?}");
}

#[tokio::test]
async fn signup_login_profile_fixture_and_no_password_anywhere() {
    let f = run_file("signup-login-profile.json").await;
    assert!(f.is_empty(), "{f:#?}");
}

#[tokio::test]
async fn injection_fixture_on_the_in_memory_store() {
    let f = run_file("injection.json").await;
    assert!(f.is_empty(), "{f:#?}");
}

#[tokio::test]
async fn filter_values_from_requests_are_literals() {
    let h = Harness::new();
    let p = plan(json!({"steps": [
        {"id": "in", "type": "input", "variables": ["email", "min"]},
        {"id": "f", "type": "dbFind", "collection": "accounts", "findType": "many", "filters": {"email": "{{email}}", "balance": {"$gte": "{{min}}"}, "$or": [{"role": "{{input.role}}"}, {"tags": "{{input.tags}}"}]}, "output": "m"},
        {"id": "out", "type": "response", "body": {"m": "{{m}}"}}]}));
    let o = h
        .run_with(
            &p,
            json!({"email": {"$ne": null}, "min": {"$lt": 5}, "role": {"$gt": ""}, "tags": ["a"]}),
            vec![],
        )
        .await;
    assert_eq!(o.body(), json!({"m": []}));
    let sent = h.store.filters.lock().unwrap()[0].clone();
    let mut expect = Map::new();
    expect.insert("email".into(), json!({"$eq": {"$ne": null}}));
    expect.insert("balance".into(), json!({"$gte": {"$lt": 5}}));
    expect.insert(
        "$or".into(),
        json!([{"role": {"$eq": {"$gt": ""}}}, {"tags": {"$eq": ["a"]}}]),
    );
    assert_eq!(sent, Value::Object(expect));
}
