//! The OpenAPI 3.1 document of one published workflow (`GET /workflows/{id}/openapi.json`),
//! derived from what the workflow declares: its input variables and validation rules become
//! the request schema, its response nodes and the failures its nodes can produce become the
//! responses.

use orchestrix_domain::{
    CollectionDef, CollectionName, NodeConfig, RuleType, Workflow, WorkflowRecord,
};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The name a rule's `field` stands for: `"{{email}}"`, `"email"` and `"input.email"` are all
/// the request's `email`.
fn field_name(raw: &str) -> String {
    let bare: String = raw
        .chars()
        .filter(|c| !matches!(c, '{' | '}') && !c.is_whitespace())
        .collect();
    bare.strip_prefix("input.").unwrap_or(&bare).to_owned()
}

fn rule_type(t: RuleType) -> Value {
    match t {
        RuleType::Email => json!({"type": "string", "format": "email"}),
        RuleType::String => json!({"type": "string"}),
        RuleType::Number => json!({"type": "number"}),
        RuleType::Integer => json!({"type": "integer"}),
        RuleType::Boolean => json!({"type": "boolean"}),
        RuleType::Object => json!({"type": "object"}),
        RuleType::Array => json!({"type": "array"}),
    }
}

/// The schema of an input variable's free-text `type`: the rule types map as rules do,
/// `date` is a formatted string, and anything else documents nothing (it is not a JSON
/// Schema type, and the document must stay valid).
fn declared_type(t: &str) -> Option<Value> {
    if t.eq_ignore_ascii_case("date") {
        return Some(json!({"type": "string", "format": "date"}));
    }
    serde_json::from_value::<RuleType>(Value::String(t.to_ascii_lowercase()))
        .ok()
        .map(rule_type)
}

fn error_response(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}})
}

/// Builds the document. `definitions` are the owner's collections (for unique fields).
pub fn document(
    record: &WorkflowRecord,
    workflow: &Workflow,
    definitions: &[CollectionDef],
) -> Value {
    let mut properties: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let mut required: Vec<Value> = vec![];
    let mut validates = false;
    let mut needs_auth = false;
    let mut checks_credentials = false;
    let mut unique_writes = false;
    let mut responses = Map::new();

    for node in &workflow.nodes {
        let Some(Ok(config)) = node.config() else {
            continue;
        };
        match config {
            NodeConfig::Input(c) => {
                for v in c.variables {
                    let p = properties.entry(v.name.clone()).or_default();
                    if let Some(Value::Object(t)) = v.var_type.as_deref().and_then(declared_type) {
                        p.extend(t);
                    }
                    if let Some(d) = v.description {
                        p.insert("description".into(), d.into());
                    }
                    if let Some(d) = v.default {
                        p.insert("default".into(), d);
                    }
                    if v.required {
                        required.push(v.name.clone().into());
                        validates = true;
                    }
                }
            }
            NodeConfig::InputValidation(c) => {
                for rule in c.rules {
                    validates = true;
                    let name = field_name(&rule.field);
                    let p = properties.entry(name.clone()).or_default();
                    if let Some(Value::Object(t)) = rule.rule_type.map(rule_type) {
                        p.extend(t);
                    }
                    let mut set = |k: &str, v: Option<Value>| {
                        if let Some(v) = v {
                            p.insert(k.into(), v);
                        }
                    };
                    set("minLength", rule.min_length.map(Value::from));
                    set("maxLength", rule.max_length.map(Value::from));
                    set("minimum", rule.min.map(Value::from));
                    set("maximum", rule.max.map(Value::from));
                    set("pattern", rule.pattern.map(Value::from));
                    set("enum", rule.one_of.map(Value::from));
                    if rule.required {
                        required.push(name.into());
                    }
                }
            }
            NodeConfig::AuthMiddleware(_) => needs_auth = true,
            NodeConfig::UserLogin(_) => checks_credentials = true,
            NodeConfig::DbInsert(orchestrix_domain::DbInsertConfig { collection, .. })
            | NodeConfig::DbUpdate(orchestrix_domain::DbUpdateConfig { collection, .. }) => {
                let named = collection
                    .as_str()
                    .and_then(|c| CollectionName::parse(c).ok());
                unique_writes |= named.is_some_and(|n| {
                    definitions
                        .iter()
                        .any(|d| d.collection_name == n && d.unique_fields().next().is_some())
                });
            }
            NodeConfig::Response(c) => {
                let status = c
                    .status
                    .as_u64()
                    .map_or_else(|| "default".to_owned(), |s| s.to_string());
                let mut content = json!({"schema": {}});
                if let Some(body) = c.body {
                    content["example"] = body;
                }
                responses.insert(status, json!({"description": format!("{} ({})", node.label, node.id), "content": {"application/json": content}}));
            }
            _ => {}
        }
    }
    required.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    required.dedup();

    if responses.is_empty() {
        responses.insert("200".into(), json!({"description": "The run's summary (the workflow has no response node)", "content": {"application/json": {"schema": {"type": "object"}}}}));
    }
    if validates {
        responses
            .entry("400")
            .or_insert_with(|| error_response("Input failed validation (details per field)"));
    }
    if needs_auth || checks_credentials {
        responses.entry("401").or_insert_with(|| {
            error_response("Missing, invalid or expired token, or wrong credentials")
        });
    }
    if unique_writes {
        responses
            .entry("409")
            .or_insert_with(|| error_response("A unique field already holds this value"));
    }
    responses
        .entry("422")
        .or_insert_with(|| error_response("The workflow has errors and cannot run"));
    responses
        .entry("500")
        .or_insert_with(|| error_response("A step failed"));

    let properties: Map<String, Value> = properties
        .into_iter()
        .map(|(k, v)| (k, Value::Object(v)))
        .collect();
    let mut schema = json!({"type": "object", "properties": properties});
    if !required.is_empty() {
        schema["required"] = Value::Array(required);
    }
    let mut operation = json!({
        "operationId": record.workflow_id.as_str(),
        "summary": record.api_name,
        "requestBody": {"required": false, "content": {"application/json": {"schema": schema}}},
        "responses": responses,
    });
    if needs_auth {
        operation["security"] = json!([{"bearerAuth": []}]);
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": record.api_name, "version": record.version.to_string(),
                 "description": format!("Published by Orchestrix from workflow {}.", record.workflow_id)},
        "paths": {record.api_path.clone(): {"post": operation}},
        "components": {
            "schemas": {"ErrorBody": {
                "type": "object",
                "required": ["error", "code"],
                "properties": {
                    "error": {"type": "string"}, "code": {"type": "string"}, "details": {},
                    "requestId": {"type": "string"}, "executionId": {"type": "string"},
                    "failedStep": {"type": "string"}, "failedStepName": {"type": "string"}
                }
            }},
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
        }
    })
}
