//! One test per diagnostic code, plus the conformance file's `validate` cases.

mod common;

use common::workflow;
use orchestrix_domain::{CollectionDef, DiagnosticCode as C, Severity};
use orchestrix_engine::{CompileOptions, Compiled, compile};
use serde_json::{Value, json};

fn check(v: Value) -> Compiled {
    compile(&workflow(v), &CompileOptions::default())
}

fn has(c: &Compiled, code: C, node: Option<&str>, field: Option<&str>) -> bool {
    c.diagnostics.iter().any(|d| {
        d.code == code
            && node.is_none_or(|n| d.node_id.as_deref() == Some(n))
            && field.is_none_or(|f| d.field.as_deref() == Some(f))
    })
}

#[track_caller]
fn expect(c: &Compiled, code: C, node: Option<&str>, field: Option<&str>) {
    assert!(
        has(c, code, node, field),
        "expected {code:?} at {node:?}/{field:?}, got {:#?}",
        c.diagnostics
    );
    if code.severity() == Severity::Error {
        assert!(c.plan.is_none());
    }
}

fn resp() -> Value {
    json!({"id": "out", "type": "response", "body": {}})
}

#[test]
fn unknown_node_type() {
    let c = check(json!({"steps": [{"id": "a", "type": "teleport"}, resp()]}));
    expect(&c, C::UnknownNodeType, Some("a"), Some("type"));
}

#[test]
fn duplicate_node_id() {
    let c = check(json!({"steps": [resp(), resp()]}));
    expect(&c, C::DuplicateNodeId, Some("out"), Some("id"));
}

#[test]
fn dangling_edge() {
    let c = check(json!({"nodes": [resp()], "edges": [{"source": "out", "target": "ghost"}]}));
    expect(&c, C::DanglingEdge, Some("out"), None);
}

#[test]
fn cycle_names_the_loop() {
    let c = check(json!({"nodes": [
        {"id": "a", "type": "input", "variables": []},
        {"id": "b", "type": "condition", "left": 1, "op": "truthy"},
        {"id": "c", "type": "jwtGenerate", "payload": {}},
        resp()],
      "edges": [{"source": "a", "target": "b"}, {"source": "b", "target": "c", "sourceHandle": "true"},
                {"source": "c", "target": "b"}, {"source": "b", "target": "out", "sourceHandle": "false"}]}));
    expect(&c, C::Cycle, None, None);
    let d = c.diagnostics.iter().find(|d| d.code == C::Cycle).unwrap();
    assert!(
        d.message.contains("b -> c -> b") || d.message.contains("c -> b -> c"),
        "{}",
        d.message
    );
}

#[test]
fn missing_field() {
    let c = check(json!({"steps": [{"id": "ins", "type": "dbInsert", "data": {"x": 1}}, resp()]}));
    expect(&c, C::MissingField, Some("ins"), Some("collection"));
    let c = check(
        json!({"steps": [{"id": "cond", "type": "condition", "left": 1, "op": "eq"}, resp()]}),
    );
    expect(&c, C::MissingField, Some("cond"), Some("right"));
}

#[test]
fn invalid_fields() {
    let cases = [
        (
            json!({"id": "n", "type": "jwtGenerate", "expiresIn": "soon"}),
            "expiresIn",
        ),
        (
            json!({"id": "n", "type": "jwtGenerate", "algorithm": "RS256"}),
            "algorithm",
        ),
        (
            json!({"id": "n", "type": "dbFind", "collection": "u", "filters": {"{{f}}": 1}}),
            "filters.{{f}}",
        ),
        (
            json!({"id": "n", "type": "dbFind", "collection": "u", "filters": {"age": {"{{op}}": 1}}}),
            "filters.age.{{op}}",
        ),
        (
            json!({"id": "n", "type": "dbInsert", "collection": "u", "document": {"{{k}}": 1}}),
            "data.{{k}}",
        ),
        (
            json!({"id": "n", "type": "dbFind", "collection": "u", "sort": {"{{k}}": 1}}),
            "sort.{{k}}",
        ),
        (
            json!({"id": "n", "type": "dbFind", "collection": "u", "projection": {"{{k}}": 1}}),
            "projection.{{k}}",
        ),
        (
            json!({"id": "n", "type": "dbFind", "collection": "u", "filters": "{{input}}"}),
            "filters",
        ),
        (
            json!({"id": "n", "type": "dbFind", "collection": "_system"}),
            "collection",
        ),
        (
            json!({"id": "n", "type": "dbFind", "collection": "u", "limit": -1}),
            "limit",
        ),
        (
            json!({"id": "n", "type": "dbUpdate", "collection": "u", "update": {"$rename": {"a": "b"}}}),
            "data.$rename",
        ),
        (
            json!({"id": "n", "type": "dbUpdate", "collection": "u", "update": {"$set": {"a": 1}, "b": 2}}),
            "data",
        ),
        (
            json!({"id": "n", "type": "dbFind", "collection": "u", "filters": {"$or": "{{x}}"}}),
            "filters.$or",
        ),
        (
            json!({"id": "n", "type": "dbFind", "collection": "u", "filters": {"$where": "{{x}}"}}),
            "filters.$where",
        ),
        (
            json!({"id": "n", "type": "inputValidation", "rules": [{"field": "a", "pattern": "("}]}),
            "rules[0].pattern",
        ),
        (
            json!({"id": "n", "type": "response", "status": 99}),
            "status",
        ),
        (
            json!({"id": "n", "type": "httpRequest", "url": "ftp://x"}),
            "url",
        ),
        (
            json!({"id": "n", "type": "emailSend", "to": 5, "subject": "s", "body": "b"}),
            "to",
        ),
        (
            json!({"id": "n", "type": "condition", "left": 1, "op": "in", "right": 3}),
            "right",
        ),
        (
            json!({"id": "n", "type": "condition", "left": 1, "op": "like"}),
            "op",
        ),
        (
            json!({"id": "n", "type": "response", "body": "{{a b}}"}),
            "body",
        ),
        (
            json!({"id": "n", "type": "jwtGenerate", "output": "a.b"}),
            "output",
        ),
        (
            json!({"id": "n", "type": "input", "variables": ["headers"]}),
            "variables[0].name",
        ),
    ];
    for (node, field) in cases {
        let c = check(json!({"steps": [node.clone()]}));
        assert!(
            has(&c, C::InvalidField, Some("n"), Some(field)),
            "{node} -> {field}: {:#?}",
            c.diagnostics
        );
        assert!(c.plan.is_none());
    }
}

#[test]
fn condition_edge_without_handle_is_invalid() {
    let c = check(
        json!({"nodes": [{"id": "c", "type": "condition", "left": 1, "op": "truthy"}, resp()],
        "edges": [{"source": "c", "target": "out"}]}),
    );
    expect(&c, C::InvalidField, Some("c"), Some("sourceHandle"));
}

#[test]
fn undefined_variable_on_some_path() {
    // `t` is bound only on the true branch, so the join cannot rely on it.
    let c = check(json!({"nodes": [
        {"id": "in", "type": "input", "variables": ["vip"]},
        {"id": "c", "type": "condition", "left": "{{vip}}", "op": "truthy"},
        {"id": "gold", "type": "jwtGenerate", "payload": {}, "output": "t"},
        {"id": "out", "type": "response", "body": {"t": "{{t}}", "h": "{{headers.host}}", "q": "{{query.a}}", "p": "{{params.b}}"}}],
      "edges": [{"source": "in", "target": "c"}, {"source": "c", "target": "gold", "sourceHandle": "true"},
                {"source": "gold", "target": "out"}, {"source": "c", "target": "out", "sourceHandle": "false"}]}));
    expect(&c, C::UndefinedVariable, Some("out"), Some("body"));
    assert_eq!(
        c.diagnostics
            .iter()
            .filter(|d| d.code == C::UndefinedVariable)
            .count(),
        1
    );
}

#[test]
fn variables_of_every_binder_are_defined() {
    let c = check(json!({"steps": [
        {"id": "a", "type": "authMiddleware"},
        {"id": "in", "type": "input", "variables": ["email"]},
        {"id": "f", "type": "dbFind", "collection": "u", "filters": {"e": "{{email}}"}, "outputVar": "me"},
        {"id": "out", "type": "response", "body": {"u": "{{currentUser.id}}", "m": "{{me}}", "i": "{{input.x}}"}}]}));
    assert!(c.plan.is_some(), "{:#?}", c.diagnostics);
}

#[test]
fn too_many_nodes() {
    let steps: Vec<Value> = (0..6)
        .map(|i| json!({"id": format!("n{i}"), "type": "input"}))
        .collect();
    let c = compile(
        &workflow(json!({"steps": steps})),
        &CompileOptions {
            max_nodes: 5,
            collections: None,
        },
    );
    expect(&c, C::TooManyNodes, None, None);
}

#[test]
fn unreachable_node_after_a_response() {
    let c = check(json!({"steps": [resp(), {"id": "late", "type": "jwtGenerate", "payload": {}}]}));
    expect(&c, C::UnreachableNode, Some("late"), None);
    assert!(c.plan.is_some());
}

#[test]
fn no_response() {
    let c = check(json!({"steps": [{"id": "a", "type": "input", "variables": ["x"]}]}));
    expect(&c, C::NoResponse, None, None);
    assert!(c.plan.is_some());
}

#[test]
fn collection_not_defined_with_a_catalogue() {
    let def: CollectionDef =
        serde_json::from_value(json!({"collectionName": "users", "fields": {}})).unwrap();
    let wf = workflow(json!({"steps": [
        {"id": "f", "type": "dbFind", "collection": "userz", "output": "x"},
        {"id": "g", "type": "dbFind", "collection": "users", "output": "y"},
        {"id": "out", "type": "response", "body": ["{{x}}", "{{y}}"]}]}));
    let c = compile(
        &wf,
        &CompileOptions {
            max_nodes: 500,
            collections: Some(vec![def]),
        },
    );
    expect(&c, C::CollectionNotDefined, Some("f"), Some("collection"));
    assert!(!has(&c, C::CollectionNotDefined, Some("g"), None));
    assert!(!has(
        &check(json!({"steps": [{"id": "f", "type": "dbFind", "collection": "userz"}]})),
        C::CollectionNotDefined,
        None,
        None
    ));
}

#[test]
fn legacy_bare_reference() {
    let c = check(json!({"steps": [
        {"id": "in", "type": "input", "variables": ["email"]},
        {"id": "out", "type": "response", "body": {"e": "input.email", "site": "example.com", "h": "headers.host"}}]}));
    expect(&c, C::LegacyBareReference, Some("out"), Some("body"));
    assert_eq!(
        c.diagnostics
            .iter()
            .filter(|d| d.code == C::LegacyBareReference)
            .count(),
        1
    );
}

#[test]
fn unused_output() {
    let c = check(json!({"steps": [
        {"id": "f", "type": "dbFind", "collection": "u"},
        {"id": "v", "type": "inputValidation", "rules": []},
        {"id": "out", "type": "response", "body": {}}]}));
    expect(&c, C::UnusedOutput, Some("f"), Some("output"));
    assert!(!has(&c, C::UnusedOutput, Some("v"), None));
}

#[test]
fn diagnostics_serialise_with_node_and_field() {
    let c = check(json!({"steps": [{"id": "ins", "type": "dbInsert", "data": {}}]}));
    let v = serde_json::to_value(&c.diagnostics[0]).unwrap();
    assert_eq!(
        v,
        json!({"severity": "error", "code": "missing_field", "message": v["message"], "nodeId": "ins", "field": "collection"})
    );
}

fn conformance_dir() -> Option<std::path::PathBuf> {
    let dir = std::env::var("ORCHESTRIX_CONFORMANCE_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| {
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/conformance").into()
        });
    if dir.join("validate.json").exists() {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!("conformance fixtures not found at {}", dir.display());
    }
    eprintln!(
        "skipping: conformance fixtures not found at {}",
        dir.display()
    );
    None
}

#[test]
fn conformance_validate_cases() {
    let Some(dir) = conformance_dir() else { return };
    let text = std::fs::read_to_string(dir.join("validate.json")).unwrap();
    let file: Value = serde_json::from_str(&text).unwrap();
    let cases = file["validate"].as_array().unwrap();
    assert!(!cases.is_empty());
    for case in cases {
        let c = check(case["workflow"].clone());
        for code in case["expectCodes"].as_array().unwrap() {
            let code: C = serde_json::from_value(code.clone()).unwrap();
            assert!(
                c.diagnostics.iter().any(|d| d.code == code),
                "{}: expected {code:?}, got {:#?}",
                case["name"],
                c.diagnostics
            );
            if code.severity() == Severity::Error {
                assert!(c.plan.is_none(), "{}", case["name"]);
            }
        }
    }
}
