//! Checking documents against a collection's schema: types, required fields and defaults.
//! Uniqueness is the store's job (its indexes), and password hashing the caller's.

use crate::{CollectionDef, Email, FieldType};
use serde_json::{Map, Value, json};

/// Whether a write creates a document or merges into one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// Defaults fill absent fields; required fields must be present.
    Insert,
    /// Only the fields given are checked; a required field may not be set to null.
    Merge,
}

/// Per-field messages, `{field: [messages]}` on the wire.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FieldErrors(pub Map<String, Value>);

impl FieldErrors {
    fn add(&mut self, field: &str, message: impl Into<String>) {
        let entry = self.0.entry(field.to_owned()).or_insert_with(|| json!([]));
        if let Value::Array(list) = entry {
            list.push(Value::String(message.into()));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_value(self) -> Value {
        Value::Object(self.0)
    }
}

fn type_matches(t: FieldType, v: &Value) -> Result<(), String> {
    let ok = match t {
        FieldType::Any => true,
        FieldType::String | FieldType::Password => v.is_string(),
        FieldType::Number => v.is_number(),
        FieldType::Boolean => v.is_boolean(),
        FieldType::Object => v.is_object(),
        FieldType::Array => v.is_array(),
        FieldType::Email => {
            return match v.as_str().map(Email::parse) {
                Some(Ok(_)) => Ok(()),
                Some(Err(e)) => Err(format!("must be a valid email ({})", e.reason)),
                None => Err("must be an email address".into()),
            };
        }
        FieldType::Date => v.as_str().is_some_and(|s| {
            chrono::DateTime::parse_from_rfc3339(s).is_ok()
                || chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
        }),
    };
    if ok {
        Ok(())
    } else {
        Err(format!("must be of type {}", t.as_str()))
    }
}

impl CollectionDef {
    /// Checks `doc` and returns it with defaults applied (insert), or every problem at once.
    pub fn check(
        &self,
        doc: &Map<String, Value>,
        mode: WriteMode,
    ) -> Result<Map<String, Value>, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut out = doc.clone();
        for (name, spec) in &self.fields {
            let value = doc.get(name).filter(|v| !v.is_null());
            match value {
                Some(v) => {
                    if let Err(msg) = type_matches(spec.field_type, v) {
                        errors.add(name, msg);
                    }
                }
                None if mode == WriteMode::Insert => {
                    if let Some(default) = &spec.default {
                        out.insert(name.clone(), default.clone());
                    } else if spec.required {
                        errors.add(name, "is required");
                    }
                }
                None if spec.required && doc.contains_key(name) => {
                    errors.add(name, "is required and cannot be null")
                }
                None => {}
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }

    /// Fields whose values are secrets: declared as `password`, or named `password`.
    pub fn is_password_field(def: Option<&CollectionDef>, name: &str) -> bool {
        name == "password"
            || def
                .and_then(|d| d.field(name))
                .is_some_and(|f| f.field_type == FieldType::Password)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def() -> CollectionDef {
        serde_json::from_value(json!({"collectionName": "users", "fields": {
            "email": {"type": "email", "required": true, "unique": true},
            "password": "password",
            "age": "number",
            "role": {"type": "string", "default": "member"},
            "born": "date",
            "tags": "array",
            "meta": "any"
        }}))
        .unwrap()
    }

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn insert_applies_defaults_and_accepts_good_documents() {
        let out = def().check(&obj(json!({"email": "a@b.co", "age": 3, "born": "2000-01-31", "extra": true, "meta": [1]})), WriteMode::Insert).unwrap();
        assert_eq!(out["role"], "member");
        assert_eq!(out["extra"], true, "fields outside the schema are kept");
        assert!(
            def()
                .check(
                    &obj(json!({"email": "a@b.co", "age": null})),
                    WriteMode::Insert
                )
                .is_ok(),
            "optional may be null"
        );
    }

    #[test]
    fn every_problem_is_reported_per_field() {
        let errs = def()
            .check(
                &obj(json!({"age": "old", "tags": {}, "born": "yesterday", "password": 5})),
                WriteMode::Insert,
            )
            .unwrap_err()
            .into_value();
        for field in ["email", "age", "tags", "born", "password"] {
            assert!(errs[field].is_array(), "{field}: {errs}");
        }
        let errs = def()
            .check(&obj(json!({"email": "nope"})), WriteMode::Insert)
            .unwrap_err()
            .into_value();
        assert!(errs["email"][0].as_str().unwrap().contains("email"));
    }

    #[test]
    fn merge_checks_only_what_is_given() {
        assert!(
            def()
                .check(&obj(json!({"age": 4})), WriteMode::Merge)
                .is_ok()
        );
        assert!(
            def()
                .check(&obj(json!({"age": "x"})), WriteMode::Merge)
                .is_err()
        );
        assert!(
            def()
                .check(&obj(json!({"email": null})), WriteMode::Merge)
                .is_err()
        );
        let out = def()
            .check(&obj(json!({"age": 4})), WriteMode::Merge)
            .unwrap();
        assert!(!out.contains_key("role"), "no defaults on merge");
    }

    #[test]
    fn password_fields_by_name_or_type() {
        let d: CollectionDef = serde_json::from_value(
            json!({"collectionName": "c", "fields": {"secret": "password"}}),
        )
        .unwrap();
        assert!(CollectionDef::is_password_field(Some(&d), "secret"));
        assert!(CollectionDef::is_password_field(None, "password"));
        assert!(!CollectionDef::is_password_field(Some(&d), "name"));
    }
}
