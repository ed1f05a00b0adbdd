//! Node kinds and their typed configurations, with every field alias NODES.md lists.
//!
//! Values that may hold templates stay `serde_json::Value`: the engine parses their templates
//! at compile time. Keywords that are never templates (`findType`, `op`, `method`, …) are
//! parsed into enums here, so a typo is a compile diagnostic, not a run-time surprise.

use crate::Duration;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Every node type the workflow language defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum NodeKind {
    Input,
    InputValidation,
    DbFind,
    DbInsert,
    DbUpdate,
    DbDelete,
    AuthMiddleware,
    JwtGenerate,
    EmailSend,
    UserLogin,
    Condition,
    HttpRequest,
    Response,
}

impl NodeKind {
    pub const ALL: [NodeKind; 13] = [
        Self::Input,
        Self::InputValidation,
        Self::DbFind,
        Self::DbInsert,
        Self::DbUpdate,
        Self::DbDelete,
        Self::AuthMiddleware,
        Self::JwtGenerate,
        Self::EmailSend,
        Self::UserLogin,
        Self::Condition,
        Self::HttpRequest,
        Self::Response,
    ];

    /// The type name as workflows write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Input => "input",
            Self::InputValidation => "inputValidation",
            Self::DbFind => "dbFind",
            Self::DbInsert => "dbInsert",
            Self::DbUpdate => "dbUpdate",
            Self::DbDelete => "dbDelete",
            Self::AuthMiddleware => "authMiddleware",
            Self::JwtGenerate => "jwtGenerate",
            Self::EmailSend => "emailSend",
            Self::UserLogin => "userLogin",
            Self::Condition => "condition",
            Self::HttpRequest => "httpRequest",
            Self::Response => "response",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The variable a node binds its result to when `output` is not given; `None` for
    /// `input` (binds each variable) and `response` (ends the run).
    pub fn default_output(self) -> Option<&'static str> {
        Some(match self {
            Self::Input | Self::Response => return None,
            Self::InputValidation => "validated",
            Self::DbFind => "found",
            Self::DbInsert => "created",
            Self::DbUpdate => "updated",
            Self::DbDelete => "deleted",
            Self::AuthMiddleware => "currentUser",
            Self::JwtGenerate => "token",
            Self::EmailSend => "emailResult",
            Self::UserLogin => "loginResult",
            Self::Condition => "condition",
            Self::HttpRequest => "response",
        })
    }
}

/// Why a node's fields do not make a configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ConfigError {
    pub kind: ConfigErrorKind,
    /// The field at fault, as a dotted path (`rules.0.minLength`).
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigErrorKind {
    Missing,
    Invalid,
}

/// A node's configuration, typed by its kind.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeConfig {
    Input(InputConfig),
    InputValidation(InputValidationConfig),
    DbFind(DbFindConfig),
    DbInsert(DbInsertConfig),
    DbUpdate(DbUpdateConfig),
    DbDelete(DbDeleteConfig),
    AuthMiddleware(AuthMiddlewareConfig),
    JwtGenerate(JwtGenerateConfig),
    EmailSend(EmailSendConfig),
    UserLogin(UserLoginConfig),
    Condition(ConditionConfig),
    HttpRequest(HttpRequestConfig),
    Response(ResponseConfig),
}

fn parse_as<T: serde::de::DeserializeOwned>(fields: &Map<String, Value>) -> Result<T, ConfigError> {
    // Absent means missing or null: drop nulls so defaults apply and "required" reports them.
    let fields: Map<String, Value> = fields
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    serde_path_to_error::deserialize(Value::Object(fields)).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        if let Some(rest) = message.strip_prefix("missing field `") {
            let name = rest.split('`').next().unwrap_or_default();
            let field = if path == "." {
                name.to_owned()
            } else {
                format!("{path}.{name}")
            };
            return ConfigError {
                kind: ConfigErrorKind::Missing,
                field,
                message: format!("'{name}' is required"),
            };
        }
        ConfigError {
            kind: ConfigErrorKind::Invalid,
            field: path,
            message,
        }
    })
}

impl NodeConfig {
    /// Parses a node's merged fields as the configuration of `kind`.
    pub fn parse(kind: NodeKind, fields: &Map<String, Value>) -> Result<Self, ConfigError> {
        Ok(match kind {
            NodeKind::Input => Self::Input(parse_as(fields)?),
            NodeKind::InputValidation => Self::InputValidation(parse_as(fields)?),
            NodeKind::DbFind => Self::DbFind(parse_as(fields)?),
            NodeKind::DbInsert => Self::DbInsert(parse_as(fields)?),
            NodeKind::DbUpdate => Self::DbUpdate(parse_as(fields)?),
            NodeKind::DbDelete => Self::DbDelete(parse_as(fields)?),
            NodeKind::AuthMiddleware => Self::AuthMiddleware(parse_as(fields)?),
            NodeKind::JwtGenerate => Self::JwtGenerate(parse_as(fields)?),
            NodeKind::EmailSend => Self::EmailSend(parse_as(fields)?),
            NodeKind::UserLogin => Self::UserLogin(parse_as(fields)?),
            NodeKind::Condition => Self::Condition(parse_as(fields)?),
            NodeKind::HttpRequest => Self::HttpRequest(parse_as(fields)?),
            NodeKind::Response => Self::Response(parse_as(fields)?),
        })
    }

    pub fn kind(&self) -> NodeKind {
        match self {
            Self::Input(_) => NodeKind::Input,
            Self::InputValidation(_) => NodeKind::InputValidation,
            Self::DbFind(_) => NodeKind::DbFind,
            Self::DbInsert(_) => NodeKind::DbInsert,
            Self::DbUpdate(_) => NodeKind::DbUpdate,
            Self::DbDelete(_) => NodeKind::DbDelete,
            Self::AuthMiddleware(_) => NodeKind::AuthMiddleware,
            Self::JwtGenerate(_) => NodeKind::JwtGenerate,
            Self::EmailSend(_) => NodeKind::EmailSend,
            Self::UserLogin(_) => NodeKind::UserLogin,
            Self::Condition(_) => NodeKind::Condition,
            Self::HttpRequest(_) => NodeKind::HttpRequest,
            Self::Response(_) => NodeKind::Response,
        }
    }

    /// The `output` [`outputVar`] the author gave, if any.
    fn explicit_output(&self) -> Option<&str> {
        match self {
            Self::Input(_) | Self::Response(_) => None,
            Self::InputValidation(c) => c.output.as_deref(),
            Self::DbFind(c) => c.output.as_deref(),
            Self::DbInsert(c) => c.output.as_deref(),
            Self::DbUpdate(c) => c.output.as_deref(),
            Self::DbDelete(c) => c.output.as_deref(),
            Self::AuthMiddleware(c) => c.output.as_deref(),
            Self::JwtGenerate(c) => c.output.as_deref(),
            Self::EmailSend(c) => c.output.as_deref(),
            Self::UserLogin(c) => c.output.as_deref(),
            Self::Condition(c) => c.output.as_deref(),
            Self::HttpRequest(c) => c.output.as_deref(),
        }
    }

    /// The variable this node binds its result to (`None` for `input` and `response`).
    pub fn output_name(&self) -> Option<&str> {
        self.explicit_output()
            .filter(|s| !s.trim().is_empty())
            .or_else(|| self.kind().default_output())
    }
}

/// One variable an `input` node declares. The seed also wrote plain names.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InputVariable {
    pub name: String,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub var_type: Option<String>,
    pub required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl<'de> Deserialize<'de> for InputVariable {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Full {
            name: String,
            #[serde(rename = "type", default)]
            var_type: Option<String>,
            #[serde(default)]
            required: Option<bool>,
            #[serde(default)]
            default: Option<Value>,
            #[serde(default)]
            description: Option<String>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Name(String),
            Full(Full),
        }
        Ok(match Form::deserialize(d)? {
            Form::Name(name) => Self {
                name,
                var_type: None,
                required: false,
                default: None,
                description: None,
            },
            Form::Full(f) => Self {
                name: f.name,
                var_type: f.var_type,
                required: f.required.unwrap_or(false),
                default: f.default.filter(|v| !v.is_null()),
                description: f.description,
            },
        })
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InputConfig {
    #[serde(default)]
    pub variables: Vec<InputVariable>,
}

/// The types an `inputValidation` rule can require.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleType {
    String,
    Number,
    Integer,
    Boolean,
    Email,
    Object,
    Array,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationRule {
    /// `"{{email}}"`, `"email"` or `"input.email"`.
    pub field: String,
    #[serde(default)]
    pub required: bool,
    #[serde(rename = "type", default)]
    pub rule_type: Option<RuleType>,
    #[serde(default)]
    pub min_length: Option<u64>,
    #[serde(default)]
    pub max_length: Option<u64>,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    #[serde(default)]
    pub pattern: Option<String>,
    #[serde(rename = "enum", default)]
    pub one_of: Option<Vec<Value>>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InputValidationConfig {
    #[serde(default)]
    pub rules: Vec<ValidationRule>,
    #[serde(alias = "outputVar", default)]
    pub output: Option<String>,
}

/// Whether `dbFind` returns one document or an array.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum FindType {
    #[default]
    #[serde(alias = "findOne")]
    #[serde(rename = "one")]
    One,
    #[serde(alias = "find")]
    #[serde(rename = "many")]
    Many,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DbFindConfig {
    pub collection: Value,
    #[serde(default)]
    pub find_type: FindType,
    #[serde(alias = "filter", default)]
    pub filters: Option<Value>,
    #[serde(default)]
    pub sort: Option<Value>,
    #[serde(default)]
    pub limit: Option<Value>,
    #[serde(default)]
    pub skip: Option<Value>,
    #[serde(default)]
    pub projection: Option<Value>,
    #[serde(alias = "outputVar", default)]
    pub output: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DbInsertConfig {
    pub collection: Value,
    #[serde(alias = "document")]
    pub data: Value,
    #[serde(alias = "outputVar", default)]
    pub output: Option<String>,
}

impl DbInsertConfig {
    /// The document to insert, with the seed's `{data:{…}}` wrapper removed.
    pub fn document(&self) -> &Value {
        unwrap_data(&self.data)
    }
}

fn unwrap_data(v: &Value) -> &Value {
    match v {
        Value::Object(o) if o.len() == 1 && o.get("data").is_some_and(Value::is_object) => {
            &o["data"]
        }
        other => other,
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DbUpdateConfig {
    pub collection: Value,
    #[serde(alias = "filters", default)]
    pub filter: Option<Value>,
    #[serde(alias = "update")]
    pub data: Value,
    #[serde(default)]
    pub many: bool,
    #[serde(default)]
    pub upsert: bool,
    #[serde(alias = "outputVar", default)]
    pub output: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DbDeleteConfig {
    pub collection: Value,
    #[serde(alias = "filters", default)]
    pub filter: Option<Value>,
    #[serde(default)]
    pub many: bool,
    #[serde(alias = "outputVar", default)]
    pub output: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthMiddlewareConfig {
    #[serde(alias = "outputVar", default)]
    pub output: Option<String>,
}

/// Signing algorithms `jwtGenerate` supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum JwtAlgorithm {
    #[default]
    HS256,
}

fn seven_days() -> Duration {
    Duration::from_secs(7 * 86_400).unwrap_or_else(|_| unreachable!("7 days is in range"))
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JwtGenerateConfig {
    #[serde(default)]
    pub payload: Value,
    #[serde(default = "seven_days")]
    pub expires_in: Duration,
    #[serde(default)]
    pub algorithm: JwtAlgorithm,
    #[serde(alias = "outputVar", default)]
    pub output: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailSendConfig {
    pub to: Value,
    pub subject: Value,
    pub body: Value,
    #[serde(default)]
    pub from: Option<Value>,
    #[serde(default)]
    pub html: bool,
    #[serde(alias = "outputVar", default)]
    pub output: Option<String>,
}

fn users() -> Value {
    Value::String("users".into())
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserLoginConfig {
    #[serde(default = "users")]
    pub collection: Value,
    pub email: Value,
    pub password: Value,
    #[serde(alias = "outputVar", default)]
    pub output: Option<String>,
}

/// Comparisons a `condition` node can make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConditionOp {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
    In,
    Exists,
    Truthy,
    Falsy,
}

impl ConditionOp {
    /// Whether the comparison reads `right`.
    pub fn needs_right(self) -> bool {
        !matches!(self, Self::Exists | Self::Truthy | Self::Falsy)
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConditionConfig {
    pub left: Value,
    pub op: ConditionOp,
    #[serde(default)]
    pub right: Option<Value>,
    #[serde(alias = "outputVar", default)]
    pub output: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    #[default]
    #[serde(alias = "get")]
    Get,
    #[serde(alias = "post")]
    Post,
    #[serde(alias = "put")]
    Put,
    #[serde(alias = "patch")]
    Patch,
    #[serde(alias = "delete")]
    Delete,
    #[serde(alias = "head")]
    Head,
}

fn ten_seconds() -> u64 {
    10_000
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRequestConfig {
    #[serde(default)]
    pub method: HttpMethod,
    pub url: Value,
    #[serde(default)]
    pub headers: Option<Value>,
    #[serde(default)]
    pub body: Option<Value>,
    #[serde(default = "ten_seconds")]
    pub timeout_ms: u64,
    #[serde(alias = "outputVar", default)]
    pub output: Option<String>,
}

fn ok_status() -> Value {
    Value::from(200)
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseConfig {
    #[serde(alias = "statusCode", default = "ok_status")]
    pub status: Value,
    #[serde(default)]
    pub body: Option<Value>,
    #[serde(default)]
    pub headers: Option<Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(kind: NodeKind, v: Value) -> Result<NodeConfig, ConfigError> {
        NodeConfig::parse(kind, v.as_object().unwrap())
    }

    #[test]
    fn every_kind_round_trips_its_name() {
        for k in NodeKind::ALL {
            assert_eq!(NodeKind::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_value(k).unwrap(), json!(k.as_str()));
        }
        assert_eq!(NodeKind::parse("teleport"), None);
    }

    #[test]
    fn output_var_is_an_alias_of_output_on_every_binding_node() {
        let minimal = |k: NodeKind| -> Value {
            match k {
                NodeKind::DbFind | NodeKind::DbDelete => json!({"collection": "c"}),
                NodeKind::DbInsert | NodeKind::DbUpdate => json!({"collection": "c", "data": {}}),
                NodeKind::EmailSend => json!({"to": "a@b.co", "subject": "s", "body": "b"}),
                NodeKind::UserLogin => json!({"email": "e", "password": "p"}),
                NodeKind::Condition => json!({"left": 1, "op": "truthy"}),
                NodeKind::HttpRequest => json!({"url": "http://x"}),
                _ => json!({}),
            }
        };
        for k in NodeKind::ALL {
            let Some(default) = k.default_output() else {
                continue;
            };
            let plain = parse(k, minimal(k)).unwrap();
            assert_eq!(plain.output_name(), Some(default), "{k:?}");
            for key in ["output", "outputVar"] {
                let mut v = minimal(k);
                v[key] = json!("mine");
                assert_eq!(
                    parse(k, v).unwrap().output_name(),
                    Some("mine"),
                    "{k:?} {key}"
                );
            }
        }
    }

    #[test]
    fn db_field_aliases() {
        let NodeConfig::DbFind(f) = parse(
            NodeKind::DbFind,
            json!({"collection": "u", "filter": {"a": 1}, "findType": "find"}),
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(f.filters, Some(json!({"a": 1})));
        assert_eq!(f.find_type, FindType::Many);
        for (s, t) in [
            ("one", FindType::One),
            ("findOne", FindType::One),
            ("many", FindType::Many),
            ("find", FindType::Many),
        ] {
            let NodeConfig::DbFind(f) =
                parse(NodeKind::DbFind, json!({"collection": "u", "findType": s})).unwrap()
            else {
                panic!()
            };
            assert_eq!(f.find_type, t, "{s}");
        }
        let NodeConfig::DbFind(f) = parse(NodeKind::DbFind, json!({"collection": "u"})).unwrap()
        else {
            panic!()
        };
        assert_eq!(f.find_type, FindType::One);

        let NodeConfig::DbInsert(i) = parse(
            NodeKind::DbInsert,
            json!({"collection": "u", "document": {"data": {"a": 1}}}),
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(i.document(), &json!({"a": 1}));

        let NodeConfig::DbUpdate(u) = parse(
            NodeKind::DbUpdate,
            json!({"collection": "u", "filters": {"a": 1}, "update": {"b": 2}}),
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(
            (u.filter, u.data, u.many, u.upsert),
            (Some(json!({"a": 1})), json!({"b": 2}), false, false)
        );

        let NodeConfig::DbDelete(d) = parse(
            NodeKind::DbDelete,
            json!({"collection": "u", "filters": {"a": 1}, "many": true}),
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!((d.filter, d.many), (Some(json!({"a": 1})), true));
    }

    #[test]
    fn response_and_defaults() {
        let NodeConfig::Response(r) =
            parse(NodeKind::Response, json!({"statusCode": 201})).unwrap()
        else {
            panic!()
        };
        assert_eq!(r.status, json!(201));
        let NodeConfig::Response(r) = parse(NodeKind::Response, json!({})).unwrap() else {
            panic!()
        };
        assert_eq!(r.status, json!(200));
        let NodeConfig::JwtGenerate(j) =
            parse(NodeKind::JwtGenerate, json!({"payload": {"a": "{{b}}"}})).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            (j.expires_in.as_secs(), j.algorithm),
            (604_800, JwtAlgorithm::HS256)
        );
        let NodeConfig::JwtGenerate(j) =
            parse(NodeKind::JwtGenerate, json!({"expiresIn": "15m"})).unwrap()
        else {
            panic!()
        };
        assert_eq!(j.expires_in.as_secs(), 900);
        let NodeConfig::UserLogin(l) =
            parse(NodeKind::UserLogin, json!({"email": "e", "password": "p"})).unwrap()
        else {
            panic!()
        };
        assert_eq!(l.collection, json!("users"));
        let NodeConfig::HttpRequest(h) =
            parse(NodeKind::HttpRequest, json!({"url": "u", "method": "post"})).unwrap()
        else {
            panic!()
        };
        assert_eq!((h.method, h.timeout_ms), (HttpMethod::Post, 10_000));
        let NodeConfig::Input(i) = parse(
            NodeKind::Input,
            json!({"variables": ["email", {"name": "age", "required": true, "default": 3}]}),
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(i.variables[0].name, "email");
        assert!(i.variables[1].required);
        assert_eq!(i.variables[1].default, Some(json!(3)));
        let NodeConfig::InputValidation(v) = parse(NodeKind::InputValidation, json!({"rules": [{"field": "{{email}}", "type": "email", "minLength": 3, "enum": ["a"]}], "outputVar": "ok"})).unwrap() else { panic!() };
        assert_eq!(v.rules[0].rule_type, Some(RuleType::Email));
        assert_eq!(v.rules[0].min_length, Some(3));
        assert_eq!(v.output.as_deref(), Some("ok"));
    }

    #[test]
    fn missing_and_invalid_fields_are_named() {
        let e = parse(NodeKind::DbFind, json!({})).unwrap_err();
        assert_eq!(
            (e.kind, e.field.as_str()),
            (ConfigErrorKind::Missing, "collection")
        );
        let e = parse(
            NodeKind::DbFind,
            json!({"collection": "c", "findType": "all"}),
        )
        .unwrap_err();
        assert_eq!(
            (e.kind, e.field.as_str()),
            (ConfigErrorKind::Invalid, "findType")
        );
        let e = parse(NodeKind::JwtGenerate, json!({"expiresIn": "soon"})).unwrap_err();
        assert_eq!(e.field, "expiresIn");
        let e = parse(NodeKind::JwtGenerate, json!({"algorithm": "RS256"})).unwrap_err();
        assert_eq!(e.field, "algorithm");
        let e = parse(NodeKind::Condition, json!({"left": 1, "op": "like"})).unwrap_err();
        assert_eq!(e.field, "op");
        let e = parse(
            NodeKind::InputValidation,
            json!({"rules": [{"field": "a", "minLength": "x"}]}),
        )
        .unwrap_err();
        assert_eq!(e.field, "rules[0].minLength");
        let e = parse(NodeKind::DbInsert, json!({"collection": "c", "data": null})).unwrap_err();
        assert_eq!(
            (e.kind, e.field.as_str()),
            (ConfigErrorKind::Missing, "data")
        );
    }
}
