//! Runs every fixture of `../shared/conformance/` against the real app on each store: creates
//! the collections and data, saves the workflows through the API, sends each case to the
//! published `apiPath` and compares the answer (README there describes the format).

#[macro_use]
mod common;

use common::{Store, TestApp, call, conformance_dir, register_user, spawn};
use reqwest::Method;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// `"$any"`, `"$string"`, … and the README's matching rules.
fn check(expected: &Value, actual: Option<&Value>, at: &str, problems: &mut Vec<String>) {
    let present = actual.filter(|v| !v.is_null());
    let ok = match (expected, actual) {
        (Value::String(s), _) if s == "$absent" => present.is_none(),
        (Value::String(s), _) if s == "$null" => actual.is_none_or(Value::is_null),
        (Value::String(s), Some(a)) if s.starts_with('$') && !s.starts_with("$$") => {
            match s.as_str() {
                "$any" => true,
                "$string" => a.is_string(),
                "$number" => a.is_number(),
                "$boolean" => a.is_boolean(),
                "$object" => a.is_object(),
                "$array" => a.is_array(),
                "$jwt" => a.as_str().is_some_and(|t| {
                    let parts: Vec<&str> = t.split('.').collect();
                    parts.len() == 3
                        && parts.iter().all(|p| {
                            !p.is_empty()
                                && p.bytes()
                                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                        })
                }),
                _ => a == expected,
            }
        }
        (Value::Object(exp), Some(Value::Object(act))) => {
            for (k, v) in exp {
                check(v, act.get(k), &format!("{at}.{k}"), problems);
            }
            true
        }
        (Value::Array(exp), Some(Value::Array(act))) => {
            if exp.len() != act.len() {
                problems.push(format!(
                    "{at}: expected {} elements, got {}: {}",
                    exp.len(),
                    act.len(),
                    Value::Array(act.clone())
                ));
            } else {
                for (i, (e, a)) in exp.iter().zip(act).enumerate() {
                    check(e, Some(a), &format!("{at}[{i}]"), problems);
                }
            }
            true
        }
        (Value::Number(e), Some(Value::Number(a))) => e.as_f64() == a.as_f64(),
        (e, Some(a)) => e == a,
        (_, None) => false,
    };
    if !ok {
        problems.push(format!(
            "{at}: expected {expected}, got {}",
            actual.map_or("nothing".into(), Value::to_string)
        ));
    }
}

/// Replaces `{{var}}` in every string, recursively.
fn substitute(v: &Value, vars: &HashMap<String, String>) -> Value {
    match v {
        Value::String(s) => {
            let mut out = s.clone();
            for (k, val) in vars {
                out = out.replace(&format!("{{{{{k}}}}}"), val);
            }
            Value::String(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| substitute(x, vars)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), substitute(x, vars)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn at_path<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(root, |v, seg| match v {
        Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => v.get(seg),
    })
}

fn query_string(q: &Map<String, Value>) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    let pairs: Vec<String> = q
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                enc(k),
                enc(&v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            )
        })
        .collect();
    if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", pairs.join("&"))
    }
}

async fn run_fixture(store: Store, file: &str) {
    let Some(dir) = conformance_dir() else { return };
    let spec: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(file)).expect("fixture readable"))
            .expect("fixture is JSON");
    let Some(app) = spawn(store, &[]).await else {
        return;
    };
    let token = register_user(
        &app,
        &format!("conformance-{}@example.com", file.trim_end_matches(".json")),
    )
    .await;
    let mut problems = vec![];
    setup(&app, &token, &spec).await;

    let mut paths = HashMap::new();
    for (name, wf) in spec["workflows"].as_object().into_iter().flatten() {
        let (status, saved) =
            call(&app, Method::POST, "/workflows", &token, Some(wf.clone())).await;
        assert_eq!(status, 200, "{file}: saving workflow {name}: {saved}");
        paths.insert(
            name.clone(),
            saved["apiPath"].as_str().expect("apiPath").to_owned(),
        );
    }

    let mut vars = HashMap::from([("platformToken".to_string(), token.clone())]);
    for case in spec["cases"].as_array().into_iter().flatten() {
        let name = case["name"].as_str().unwrap_or("?");
        let path = &paths[case["workflow"].as_str().expect("case names a workflow")];
        let request = substitute(&case["request"], &vars);
        let url = format!(
            "{}{}",
            app.url(path),
            query_string(request["query"].as_object().unwrap_or(&Map::new()))
        );
        let mut req = app.client.post(url).json(&request["body"]);
        for (k, v) in request["headers"].as_object().into_iter().flatten() {
            req = req.header(k.as_str(), v.as_str().unwrap_or_default());
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        let expect = &case["expect"];
        let mut case_problems = vec![];
        if Some(status as u64) != expect["status"].as_u64() {
            case_problems.push(format!(
                "status: expected {}, got {status}",
                expect["status"]
            ));
        }
        if let Some(exp) = expect.get("body") {
            check(exp, Some(&body), "body", &mut case_problems);
        }
        for (k, v) in expect["headers"].as_object().into_iter().flatten() {
            let got = headers.get(k.as_str()).and_then(|h| h.to_str().ok());
            if got != v.as_str() {
                case_problems.push(format!("header {k}: expected {v}, got {got:?}"));
            }
        }
        if !case_problems.is_empty() {
            problems.push(format!(
                "case '{name}' ({body}):\n    {}",
                case_problems.join("\n    ")
            ));
        }
        for (var, p) in case["capture"].as_object().into_iter().flatten() {
            let value = at_path(&json!({"body": body}), p.as_str().unwrap_or_default())
                .cloned()
                .unwrap_or(Value::Null);
            vars.insert(
                var.clone(),
                value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_owned),
            );
        }
    }

    for v in spec["validate"].as_array().into_iter().flatten() {
        let name = v["name"].as_str().unwrap_or("?");
        let (status, res) = call(
            &app,
            Method::POST,
            "/workflows/validate",
            &token,
            Some(v["workflow"].clone()),
        )
        .await;
        let codes: Vec<&str> = res["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d["code"].as_str())
            .collect();
        let has_error = res["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|d| d["severity"] == "error");
        for code in v["expectCodes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !codes.contains(&code) {
                problems.push(format!(
                    "validate '{name}': {code} missing from {codes:?} (status {status})"
                ));
            }
        }
        if has_error && res["ok"] != false {
            problems.push(format!(
                "validate '{name}': ok must be false with errors: {res}"
            ));
        }
    }
    eprintln!(
        "{file} on {store:?}: {} cases, {} validations checked",
        spec["cases"].as_array().map_or(0, Vec::len),
        spec["validate"].as_array().map_or(0, Vec::len)
    );
    assert!(
        problems.is_empty(),
        "{file} on {store:?}:\n  {}",
        problems.join("\n  ")
    );
}

async fn setup(app: &TestApp, token: &str, spec: &Value) {
    for c in spec["collections"].as_array().into_iter().flatten() {
        let (status, res) = call(app, Method::POST, "/collections", token, Some(c.clone())).await;
        assert_eq!(status, 201, "creating collection: {res}");
    }
    for (name, docs) in spec["data"].as_object().into_iter().flatten() {
        for doc in docs.as_array().into_iter().flatten() {
            let (status, res) = call(
                app,
                Method::POST,
                &format!("/collections/{name}/data"),
                token,
                Some(json!({"data": doc})),
            )
            .await;
            assert_eq!(status, 201, "inserting into {name}: {res}");
        }
    }
}

/// Every file in the folder must be covered by a test below, so a new fixture cannot be
/// silently skipped.
#[test]
fn every_fixture_file_has_a_test() {
    let Some(dir) = conformance_dir() else { return };
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json"))
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "branching.json",
            "injection.json",
            "seed-flat-form.json",
            "signup-login-profile.json",
            "validate.json"
        ]
    );
}

async fn branching(store: Store) {
    run_fixture(store, "branching.json").await
}
async fn injection(store: Store) {
    run_fixture(store, "injection.json").await
}
async fn seed_flat_form(store: Store) {
    run_fixture(store, "seed-flat-form.json").await
}
async fn signup_login_profile(store: Store) {
    run_fixture(store, "signup-login-profile.json").await
}
async fn validate(store: Store) {
    run_fixture(store, "validate.json").await
}

both_stores!(
    branching,
    injection,
    seed_flat_form,
    signup_login_profile,
    validate
);
