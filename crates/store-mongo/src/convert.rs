//! JSON <-> BSON at the adapter's boundary. Timestamps in date fields (`createdAt`,
//! `updatedAt`, `expiresAt` and the fields of expiring indexes) become BSON dates so TTL
//! indexes work; every BSON date comes back as an RFC 3339 string. `_id` stays a string.

use mongodb::bson::{Bson, DateTime as BsonDateTime, Document};
use serde_json::{Map, Number, Value};
use std::collections::HashSet;

/// Field names (last path segment) whose RFC 3339 strings are stored as BSON dates.
#[derive(Debug, Clone)]
pub(crate) struct DateFields(HashSet<String>);

impl DateFields {
    pub fn base() -> Self {
        Self(
            ["createdAt", "updatedAt", "expiresAt"]
                .into_iter()
                .map(str::to_owned)
                .collect(),
        )
    }

    pub fn with(mut self, field: &str) -> Self {
        self.0.insert(last_segment(field).to_owned());
        self
    }

    fn contains(&self, key: &str) -> bool {
        self.0.contains(last_segment(key))
    }
}

fn last_segment(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

fn parse_date(s: &str) -> Option<BsonDateTime> {
    let t = chrono::DateTime::parse_from_rfc3339(s).ok()?;
    Some(BsonDateTime::from_millis(t.timestamp_millis()))
}

/// Converts a JSON value. `in_date` says the value sits under a date field (operators and
/// arrays keep the context, so `{createdAt: {$lt: "…"}}` converts too).
pub(crate) fn to_bson(v: &Value, dates: &DateFields, in_date: bool) -> Bson {
    match v {
        Value::Null => Bson::Null,
        Value::Bool(b) => Bson::Boolean(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                match i32::try_from(i) {
                    Ok(small) => Bson::Int32(small),
                    Err(_) => Bson::Int64(i),
                }
            } else {
                Bson::Double(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        Value::String(s) => match in_date.then(|| parse_date(s)).flatten() {
            Some(d) => Bson::DateTime(d),
            None => Bson::String(s.clone()),
        },
        Value::Array(items) => {
            Bson::Array(items.iter().map(|i| to_bson(i, dates, in_date)).collect())
        }
        Value::Object(m) => Bson::Document(to_document(m, dates, in_date)),
    }
}

pub(crate) fn to_document(m: &Map<String, Value>, dates: &DateFields, in_date: bool) -> Document {
    let mut doc = Document::new();
    for (k, v) in m {
        let child = if k.starts_with('$') {
            in_date
        } else {
            dates.contains(k)
        };
        doc.insert(k.clone(), to_bson(v, dates, child));
    }
    doc
}

/// A JSON object as a BSON document (anything else becomes an empty document, which the
/// callers never pass: they validated it first).
pub(crate) fn object_to_document(v: &Value, dates: &DateFields) -> Document {
    match v {
        Value::Object(m) => to_document(m, dates, false),
        _ => Document::new(),
    }
}

pub(crate) fn to_json(b: Bson) -> Value {
    match b {
        Bson::Null | Bson::Undefined => Value::Null,
        Bson::Boolean(x) => Value::Bool(x),
        Bson::Int32(i) => Value::Number(i.into()),
        Bson::Int64(i) => Value::Number(i.into()),
        Bson::Double(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
        Bson::String(s) => Value::String(s),
        Bson::Array(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Bson::Document(d) => document_to_json(d),
        Bson::DateTime(d) => Value::String(date_string(d)),
        Bson::ObjectId(o) => Value::String(o.to_hex()),
        other => other.into_relaxed_extjson(),
    }
}

pub(crate) fn document_to_json(d: Document) -> Value {
    Value::Object(d.into_iter().map(|(k, v)| (k, to_json(v))).collect())
}

fn date_string(d: BsonDateTime) -> String {
    chrono::DateTime::from_timestamp_millis(d.timestamp_millis())
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        .unwrap_or_else(|| d.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dates_convert_both_ways_only_in_date_fields() {
        let dates = DateFields::base();
        let v = json!({"createdAt": "2024-05-01T10:20:30.123Z", "note": "2024-05-01T10:20:30.123Z", "q": {"updatedAt": {"$lt": "2024-01-01T00:00:00Z"}}});
        let d = object_to_document(&v, &dates);
        assert!(matches!(d.get("createdAt"), Some(Bson::DateTime(_))));
        assert!(matches!(d.get("note"), Some(Bson::String(_))));
        assert_eq!(document_to_json(d), v);
    }
}
