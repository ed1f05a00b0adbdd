//! Passwords: hashed on the way into the store, removed on the way out, masked in logs.

use super::{RunCx, invalid};
use crate::ports::Passwords;
use orchestrix_domain::{CollectionDef, CollectionName, ErrorCode, FieldType, Problem};
use serde_json::{Map, Value};

/// What records and events show in place of a secret.
pub(crate) const MASK: &str = "***";

/// Whether a key names a password-like field in logs (`password`, `newPassword`, …).
fn looks_secret(key: &str) -> bool {
    const NEEDLE: &[u8] = b"password";
    key.len() >= NEEDLE.len()
        && key
            .as_bytes()
            .windows(NEEDLE.len())
            .any(|w| w.eq_ignore_ascii_case(NEEDLE))
}

/// Replaces, at any depth, the value of every password-like key with `"***"`.
pub(crate) fn mask_keys(v: &mut Value) {
    mask_keys_with(v, &[]);
}

/// Like [`mask_keys`], also masking the keys in `extra` (schema fields typed `password`).
pub(crate) fn mask_keys_with(v: &mut Value, extra: &[String]) {
    match v {
        Value::Object(o) => {
            for (k, child) in o.iter_mut() {
                if (looks_secret(k) || extra.contains(k)) && !child.is_null() {
                    *child = Value::String(MASK.into());
                } else {
                    mask_keys_with(child, extra);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|c| mask_keys_with(c, extra)),
        _ => {}
    }
}

/// Whether a stored field holds a password: named `password`, or typed so in the schema.
pub(crate) fn is_password_field(name: &str, schema: Option<&CollectionDef>) -> bool {
    name == "password"
        || schema
            .and_then(|s| s.field(name))
            .is_some_and(|f| f.field_type == FieldType::Password)
}

/// Removes password fields from a stored document (objects only; other values pass).
pub(crate) fn strip(doc: &mut Value, schema: Option<&CollectionDef>) {
    if let Value::Object(o) = doc {
        o.retain(|k, _| !is_password_field(k, schema));
    }
}

/// Hashes every password field of a document about to be written. Absent values stay.
pub(crate) async fn hash_fields(
    doc: &mut Map<String, Value>,
    schema: Option<&CollectionDef>,
    passwords: &dyn Passwords,
) -> Result<(), Problem> {
    for (k, v) in doc.iter_mut() {
        if !is_password_field(k, schema) || v.is_null() {
            continue;
        }
        let Value::String(plain) = v else {
            return Err(invalid(k, "must be a string"));
        };
        let hash = passwords.hash(plain).await.map_err(|e| {
            Problem::with_message(
                ErrorCode::NodeFailed,
                format!("password hashing failed: {e}"),
            )
        })?;
        *v = Value::String(hash);
    }
    Ok(())
}

/// The owner's schema of a collection, fetched once per run.
pub(crate) async fn schema(
    cx: &RunCx<'_>,
    name: &CollectionName,
) -> Result<Option<CollectionDef>, Problem> {
    if let Some(hit) = cx.schemas.get(name.as_str()) {
        return Ok(hit);
    }
    let def = cx
        .store
        .schema(name)
        .await
        .map_err(super::db::store_problem)?;
    cx.schemas.put(name.as_str(), def.clone());
    Ok(def)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_nested_password_keys() {
        let mut v = json!({"user": {"password": "x", "newPassword": "y", "name": "n"}, "list": [{"password": 1}], "password": null});
        mask_keys(&mut v);
        assert_eq!(
            v,
            json!({"user": {"password": "***", "newPassword": "***", "name": "n"}, "list": [{"password": "***"}], "password": null})
        );
    }
}
