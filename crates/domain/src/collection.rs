//! Tenant collections: their names and their (optional) schemas.

use crate::ParseError;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// A tenant collection's name: 1–64 of `[A-Za-z0-9_-]`, not starting with `_` or `system`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CollectionName(String);

impl CollectionName {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let what = "collection name";
        if s.is_empty() || s.len() > 64 {
            return Err(ParseError::new(what, "must be 1 to 64 characters"));
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(ParseError::new(
                what,
                "may contain only letters, digits, '_' and '-'",
            ));
        }
        if s.starts_with('_') || s.starts_with("system") {
            return Err(ParseError::new(what, "may not start with '_' or 'system'"));
        }
        Ok(Self(s.to_owned()))
    }
}

parsed_string!(CollectionName);

/// The type a collection field declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    String,
    Number,
    Boolean,
    Date,
    Email,
    /// Stored as a bcrypt hash, never returned.
    Password,
    Object,
    Array,
    Any,
}

impl FieldType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Number => "number",
            Self::Boolean => "boolean",
            Self::Date => "date",
            Self::Email => "email",
            Self::Password => "password",
            Self::Object => "object",
            Self::Array => "array",
            Self::Any => "any",
        }
    }

    fn parse(s: &str) -> Result<Self, ParseError> {
        serde_json::from_value(Value::String(s.to_ascii_lowercase())).map_err(|_| {
            ParseError::new(
                "field type",
                format!("'{s}' is not one of string, number, boolean, date, email, password, object, array, any"),
            )
        })
    }
}

/// One field of a collection schema. The seed wrote `"name": "string"`; the rich form is
/// `{type, required?, unique?, default?}`. Both parse to this.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldSpec {
    pub field_type: FieldType,
    pub required: bool,
    pub unique: bool,
    pub default: Option<Value>,
}

impl FieldSpec {
    /// A field of a type with no other rule.
    pub fn of(field_type: FieldType) -> Self {
        Self {
            field_type,
            required: false,
            unique: false,
            default: None,
        }
    }

    fn parse(name: &str, v: &Value) -> Result<Self, ParseError> {
        match v {
            Value::String(t) => Ok(Self::of(FieldType::parse(t)?)),
            Value::Object(o) => {
                let field_type = match o.get("type") {
                    Some(Value::String(t)) => FieldType::parse(t)?,
                    None | Some(Value::Null) => FieldType::Any,
                    Some(_) => {
                        return Err(ParseError::new(
                            "field type",
                            format!("'{name}': type must be a string"),
                        ));
                    }
                };
                let flag = |key: &str| match o.get(key) {
                    None | Some(Value::Null) => Ok(false),
                    Some(Value::Bool(b)) => Ok(*b),
                    Some(_) => Err(ParseError::new(
                        "field",
                        format!("'{name}': {key} must be true or false"),
                    )),
                };
                Ok(Self {
                    field_type,
                    required: flag("required")?,
                    unique: flag("unique")?,
                    default: o.get("default").filter(|d| !d.is_null()).cloned(),
                })
            }
            _ => Err(ParseError::new(
                "field",
                format!("'{name}' must be a type name or {{type, required, unique, default}}"),
            )),
        }
    }

    /// The short seed form when nothing but the type is set, else the rich form.
    fn to_value(&self) -> Value {
        if !self.required && !self.unique && self.default.is_none() {
            return Value::String(self.field_type.as_str().into());
        }
        let mut o = Map::new();
        o.insert("type".into(), self.field_type.as_str().into());
        if self.required {
            o.insert("required".into(), true.into());
        }
        if self.unique {
            o.insert("unique".into(), true.into());
        }
        if let Some(d) = &self.default {
            o.insert("default".into(), d.clone());
        }
        Value::Object(o)
    }
}

/// A collection definition: its name and its fields in the order the author gave them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CollectionDef {
    pub collection_name: CollectionName,
    #[serde(default, serialize_with = "ser_fields", deserialize_with = "de_fields")]
    pub fields: Vec<(String, FieldSpec)>,
}

impl CollectionDef {
    pub fn field(&self, name: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, s)| s)
    }

    /// Fields whose values must be unique, for the store's indexes.
    pub fn unique_fields(&self) -> impl Iterator<Item = &str> {
        self.fields
            .iter()
            .filter(|(_, s)| s.unique)
            .map(|(n, _)| n.as_str())
    }

    /// Parses the `fields` object of a request.
    pub fn parse_fields(
        fields: &Map<String, Value>,
    ) -> Result<Vec<(String, FieldSpec)>, ParseError> {
        fields
            .iter()
            .map(|(name, spec)| {
                if name.is_empty() || name.starts_with('$') || name.contains('.') || name == "_id" {
                    return Err(ParseError::new(
                        "field",
                        format!("'{name}' is not a usable field name"),
                    ));
                }
                Ok((name.clone(), FieldSpec::parse(name, spec)?))
            })
            .collect()
    }

    /// The fields as the API shows them.
    pub fn fields_json(&self) -> Map<String, Value> {
        self.fields
            .iter()
            .map(|(n, s)| (n.clone(), s.to_value()))
            .collect()
    }
}

fn ser_fields<S: Serializer>(fields: &[(String, FieldSpec)], s: S) -> Result<S::Ok, S::Error> {
    let map: Map<String, Value> = fields
        .iter()
        .map(|(n, f)| (n.clone(), f.to_value()))
        .collect();
    map.serialize(s)
}

fn de_fields<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, FieldSpec)>, D::Error> {
    let map = Map::<String, Value>::deserialize(d)?;
    CollectionDef::parse_fields(&map).map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn collection_names_follow_the_contract() {
        for ok in ["users", "Orders_2024", "a-b", "x", &"a".repeat(64)] {
            assert!(CollectionName::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "_hidden",
            "system.users",
            "systemx",
            "a.b",
            "a b",
            "users$",
            "é",
            &"a".repeat(65),
            "$where",
        ] {
            assert!(CollectionName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn both_field_forms_parse_and_round_trip() {
        let def: CollectionDef = serde_json::from_value(json!({
            "collectionName": "users",
            "fields": {
                "email": {"type": "email", "required": true, "unique": true},
                "password": "password",
                "name": "String",
                "role": {"type": "string", "default": "member"}
            }
        }))
        .unwrap();
        assert_eq!(def.fields.len(), 4);
        assert_eq!(def.fields[0].0, "email");
        let email = def.field("email").unwrap();
        assert!(email.required && email.unique && email.field_type == FieldType::Email);
        assert_eq!(
            def.field("password").unwrap().field_type,
            FieldType::Password
        );
        assert_eq!(def.field("role").unwrap().default, Some(json!("member")));
        assert_eq!(def.unique_fields().collect::<Vec<_>>(), ["email"]);
        let back = serde_json::to_value(&def).unwrap();
        assert_eq!(back["fields"]["password"], json!("password"));
        assert_eq!(back["fields"]["name"], json!("string"));
        assert_eq!(back["fields"]["email"]["unique"], json!(true));
        assert_eq!(serde_json::from_value::<CollectionDef>(back).unwrap(), def);
    }

    #[test]
    fn bad_schemas_are_refused() {
        for fields in [
            json!({"a": "strung"}),
            json!({"a": 3}),
            json!({"$a": "string"}),
            json!({"a": {"type": "string", "unique": "yes"}}),
        ] {
            let r = serde_json::from_value::<CollectionDef>(
                json!({"collectionName": "c", "fields": fields}),
            );
            assert!(r.is_err(), "{fields}");
        }
    }
}
