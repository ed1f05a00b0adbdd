//! Dotted paths: resolving them through nested objects and arrays, and writing through them.

use crate::StoreError;
use serde_json::{Map, Value};

/// Checks a field path: non-empty segments, no `$` at a segment start, no NUL.
pub fn validate_field_path(path: &str) -> Result<(), StoreError> {
    let ok = !path.is_empty()
        && !path.contains('\0')
        && path
            .split('.')
            .all(|seg| !seg.is_empty() && !seg.starts_with('$'));
    if ok {
        Ok(())
    } else {
        Err(StoreError::invalid(format!(
            "'{path}' is not a valid field path"
        )))
    }
}

/// The values a path reaches, MongoDB-style: arrays met on the way are traversed (their
/// object elements, and the element at a numeric segment). `None` stands for "missing" at a
/// place where the path could have been.
pub(crate) fn resolve<'a>(doc: &'a Value, segments: &[&str], out: &mut Vec<Option<&'a Value>>) {
    let Some((head, rest)) = segments.split_first() else {
        out.push(Some(doc));
        return;
    };
    match doc {
        Value::Object(m) => match m.get(*head) {
            Some(child) => resolve(child, rest, out),
            None => out.push(None),
        },
        Value::Array(items) => {
            if let Ok(i) = head.parse::<usize>()
                && let Some(child) = items.get(i)
            {
                resolve(child, rest, out);
            }
            for item in items {
                if item.is_object() {
                    resolve(item, segments, out);
                }
            }
        }
        _ => out.push(None),
    }
}

/// The single value at a path without array traversal (numeric segments index arrays).
pub(crate) fn get_exact<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = doc;
    for seg in path.split('.') {
        cur = match cur {
            Value::Object(m) => m.get(seg)?,
            Value::Array(items) => items.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// A mutable reference to the value at `path`, creating intermediate objects (and the
/// final slot as null) when `create` is set. Errors when the path runs into a scalar.
pub(crate) fn get_mut<'a>(
    doc: &'a mut Value,
    path: &str,
    create: bool,
) -> Result<Option<&'a mut Value>, StoreError> {
    let segments: Vec<&str> = path.split('.').collect();
    let last = segments.len().saturating_sub(1);
    let mut cur = doc;
    for (i, seg) in segments.iter().copied().enumerate() {
        let filler = || {
            if i == last {
                Value::Null
            } else {
                Value::Object(Map::new())
            }
        };
        cur = match cur {
            Value::Object(m) => {
                if !m.contains_key(seg) {
                    if !create {
                        return Ok(None);
                    }
                    m.insert(seg.to_owned(), filler());
                }
                match m.get_mut(seg) {
                    Some(v) => v,
                    None => return Ok(None),
                }
            }
            Value::Array(items) => {
                let Ok(idx) = seg.parse::<usize>() else {
                    return Err(StoreError::invalid(format!(
                        "cannot create field '{seg}' in an array (path '{path}')"
                    )));
                };
                if idx >= items.len() {
                    if !create {
                        return Ok(None);
                    }
                    if idx > 100_000 {
                        return Err(StoreError::invalid("array index too large"));
                    }
                    items.resize(idx, Value::Null);
                    items.push(filler());
                }
                &mut items[idx]
            }
            other => {
                return Err(StoreError::invalid(format!(
                    "cannot create field '{seg}' in element {other} (path '{path}')"
                )));
            }
        };
    }
    Ok(Some(cur))
}

/// Removes the value at `path`; array elements become null, as in MongoDB.
pub(crate) fn remove(doc: &mut Value, path: &str) -> Option<Value> {
    let (parent_path, last) = match path.rsplit_once('.') {
        Some((p, l)) => (Some(p), l),
        None => (None, path),
    };
    let parent = match parent_path {
        Some(p) => get_mut(doc, p, false).ok().flatten()?,
        None => doc,
    };
    match parent {
        Value::Object(m) => m.shift_remove(last),
        Value::Array(items) => {
            let i = last.parse::<usize>().ok()?;
            let slot = items.get_mut(i)?;
            Some(std::mem::replace(slot, Value::Null))
        }
        _ => None,
    }
}

/// Sets `path` to `value`, creating intermediate objects.
pub(crate) fn set(doc: &mut Value, path: &str, value: Value) -> Result<(), StoreError> {
    if let Some(slot) = get_mut(doc, path, true)? {
        *slot = value;
    }
    Ok(())
}
