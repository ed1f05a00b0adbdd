//! Update documents: parsed once, applied to a document in place.

use super::filter::{Cond, Filter, parse_operator_object};
use super::path::{self, get_exact, validate_field_path};
use super::value::{compare_values, values_equal};
use crate::StoreError;
use serde_json::{Map, Number, Value};
use std::cmp::Ordering;

/// A parsed update document (operators only: a replacement document is refused).
#[derive(Debug, Clone)]
pub struct Update {
    ops: Vec<(String, Op)>,
}

#[derive(Debug, Clone)]
enum Op {
    Set(Value),
    Unset,
    Inc(Number),
    Mul(Number),
    Min(Value),
    Max(Value),
    Push(Vec<Value>),
    AddToSet(Vec<Value>),
    Pull(Pull),
    Rename(String),
    SetOnInsert(Value),
}

#[derive(Debug, Clone)]
enum Pull {
    Equal(Value),
    Conds(Vec<Cond>),
    Doc(Filter),
}

fn number_arg(op: &str, path: &str, v: &Value) -> Result<Number, StoreError> {
    match v {
        Value::Number(n) => Ok(n.clone()),
        _ => Err(StoreError::invalid(format!(
            "{op} needs a number for '{path}', got {v}"
        ))),
    }
}

/// `$push`/`$addToSet` take a value or `{$each: [...]}`.
fn each_arg(op: &str, v: &Value) -> Result<Vec<Value>, StoreError> {
    match v {
        Value::Object(m) if m.keys().any(|k| k.starts_with('$')) => {
            if m.len() != 1 {
                return Err(StoreError::invalid(format!(
                    "{op} supports only the $each modifier"
                )));
            }
            match m.get("$each") {
                Some(Value::Array(items)) => Ok(items.clone()),
                _ => Err(StoreError::invalid(format!("{op} $each needs an array"))),
            }
        }
        other => Ok(vec![other.clone()]),
    }
}

/// Whether one path is the other or lies under it.
fn overlaps(a: &str, b: &str) -> bool {
    let under =
        |x: &str, y: &str| x.len() > y.len() && x.starts_with(y) && x.as_bytes()[y.len()] == b'.';
    a == b || under(a, b) || under(b, a)
}

impl Update {
    pub fn parse(update: &Value) -> Result<Self, StoreError> {
        let Value::Object(m) = update else {
            return Err(StoreError::invalid(
                "an update must be an object of operators",
            ));
        };
        if m.is_empty() {
            return Err(StoreError::invalid("an update needs at least one operator"));
        }
        let mut ops = Vec::new();
        let mut targets: Vec<String> = Vec::new();
        for (op, fields) in m {
            if !op.starts_with('$') {
                return Err(StoreError::invalid(format!(
                    "the update field '{op}' is not an operator (replacement documents are not supported)"
                )));
            }
            let Value::Object(fields) = fields else {
                return Err(StoreError::invalid(format!("{op} needs an object")));
            };
            for (path, arg) in fields {
                validate_field_path(path)?;
                let parsed = match op.as_str() {
                    "$set" => Op::Set(arg.clone()),
                    "$unset" => Op::Unset,
                    "$inc" => Op::Inc(number_arg(op, path, arg)?),
                    "$mul" => Op::Mul(number_arg(op, path, arg)?),
                    "$min" => Op::Min(arg.clone()),
                    "$max" => Op::Max(arg.clone()),
                    "$push" => Op::Push(each_arg(op, arg)?),
                    "$addToSet" => Op::AddToSet(each_arg(op, arg)?),
                    "$pull" => Op::Pull(match arg {
                        Value::Object(inner)
                            if inner.keys().next().is_some_and(|k| k.starts_with('$')) =>
                        {
                            if inner
                                .keys()
                                .any(|k| matches!(k.as_str(), "$and" | "$or" | "$nor"))
                            {
                                Pull::Doc(Filter::parse(arg)?)
                            } else {
                                Pull::Conds(parse_operator_object(inner, 0)?)
                            }
                        }
                        Value::Object(_) => Pull::Doc(Filter::parse(arg)?),
                        other => Pull::Equal(other.clone()),
                    }),
                    "$rename" => {
                        let Value::String(to) = arg else {
                            return Err(StoreError::invalid("$rename needs a string target"));
                        };
                        validate_field_path(to)?;
                        if overlaps(to, path) {
                            return Err(StoreError::invalid(format!(
                                "$rename source '{path}' and target '{to}' overlap"
                            )));
                        }
                        targets.push(to.clone());
                        Op::Rename(to.clone())
                    }
                    "$setOnInsert" => Op::SetOnInsert(arg.clone()),
                    other => {
                        return Err(StoreError::invalid(format!(
                            "unsupported update operator '{other}'"
                        )));
                    }
                };
                targets.push(path.clone());
                ops.push((path.clone(), parsed));
            }
        }
        for (i, a) in targets.iter().enumerate() {
            if let Some(b) = targets[i + 1..].iter().find(|b| overlaps(a, b)) {
                return Err(StoreError::invalid(format!(
                    "updating the path '{a}' would create a conflict at '{b}'"
                )));
            }
        }
        Ok(Self { ops })
    }

    /// Applies the update. `inserting` is set when an upsert creates the document (so
    /// `$setOnInsert` applies). Changing `_id` is refused.
    pub fn apply(&self, doc: &mut Value, inserting: bool) -> Result<(), StoreError> {
        let id_before = doc.get("_id").cloned();
        for (path, op) in &self.ops {
            apply_op(doc, path, op, inserting)?;
        }
        if doc.get("_id") != id_before.as_ref() && !(inserting && id_before.is_none()) {
            return Err(StoreError::invalid(
                "the update would modify the immutable field '_id'",
            ));
        }
        Ok(())
    }
}

fn arith(a: &Number, b: &Number, mul: bool) -> Result<Number, StoreError> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        let r = if mul {
            x.checked_mul(y)
        } else {
            x.checked_add(y)
        };
        if let Some(r) = r {
            return Ok(Number::from(r));
        }
    }
    let (x, y) = (a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(0.0));
    let r = if mul { x * y } else { x + y };
    Number::from_f64(r)
        .ok_or_else(|| StoreError::invalid("arithmetic result is not a finite number"))
}

fn apply_op(doc: &mut Value, path: &str, op: &Op, inserting: bool) -> Result<(), StoreError> {
    let current = get_exact(doc, path).cloned();
    let current = current.as_ref();
    match op {
        Op::Set(v) => path::set(doc, path, v.clone())?,
        Op::SetOnInsert(v) => {
            if inserting {
                path::set(doc, path, v.clone())?;
            }
        }
        Op::Unset => {
            path::remove(doc, path);
        }
        Op::Inc(n) | Op::Mul(n) => {
            let mul = matches!(op, Op::Mul(_));
            let result = match current {
                None if mul => {
                    if n.is_f64() {
                        Number::from_f64(0.0).unwrap_or_else(|| Number::from(0))
                    } else {
                        Number::from(0)
                    }
                }
                None => n.clone(),
                Some(Value::Number(cur)) => arith(cur, n, mul)?,
                Some(other) => {
                    return Err(StoreError::invalid(format!(
                        "cannot apply {} to a value of non-numeric type at '{path}': {other}",
                        if mul { "$mul" } else { "$inc" }
                    )));
                }
            };
            path::set(doc, path, Value::Number(result))?;
        }
        Op::Min(v) | Op::Max(v) => {
            let want = if matches!(op, Op::Min(_)) {
                Ordering::Less
            } else {
                Ordering::Greater
            };
            let replace = match current {
                None => true,
                Some(cur) => compare_values(v, cur) == want,
            };
            if replace {
                path::set(doc, path, v.clone())?;
            }
        }
        Op::Push(items) | Op::AddToSet(items) => {
            let dedupe = matches!(op, Op::AddToSet(_));
            let slot = match path::get_mut(doc, path, true)? {
                Some(slot) => slot,
                None => return Ok(()),
            };
            if slot.is_null() && current.is_none() {
                *slot = Value::Array(Vec::new());
            }
            let Value::Array(arr) = slot else {
                return Err(StoreError::invalid(format!(
                    "the field '{path}' must be an array"
                )));
            };
            for item in items {
                if !dedupe || !arr.iter().any(|e| values_equal(e, item)) {
                    arr.push(item.clone());
                }
            }
        }
        Op::Pull(cond) => {
            let Some(slot) = path::get_mut(doc, path, false)? else {
                return Ok(());
            };
            let Value::Array(arr) = slot else {
                return Err(StoreError::invalid(format!(
                    "cannot apply $pull to the non-array value at '{path}'"
                )));
            };
            arr.retain(|item| {
                let hit = match cond {
                    Pull::Equal(v) => values_equal(item, v),
                    Pull::Conds(conds) => {
                        let one = [Some(item)];
                        conds.iter().all(|c| c.matches(&one))
                    }
                    Pull::Doc(filter) => item.is_object() && filter.matches(item),
                };
                !hit
            });
        }
        Op::Rename(to) => {
            if let Some(v) = path::remove(doc, path) {
                path::set(doc, to, v)?;
            }
        }
    }
    Ok(())
}

/// A new document for an upsert: the filter's equalities, then the update with
/// `$setOnInsert`.
pub(crate) fn seed_from_filter(filter: &Filter) -> Result<Value, StoreError> {
    let mut doc = Value::Object(Map::new());
    for (path, value) in filter.equalities() {
        path::set(&mut doc, path, value.clone())?;
    }
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(doc: Value, update: Value) -> Result<Value, StoreError> {
        let mut doc = doc;
        Update::parse(&update)?.apply(&mut doc, false)?;
        Ok(doc)
    }

    #[test]
    fn operators_apply() {
        let d = run(
            json!({"_id": "1", "n": 1, "a": [1, 2, 3], "o": {"x": 1}}),
            json!({"$inc": {"n": 2}, "$pull": {"a": {"$gte": 2}}, "$set": {"o.y": 2}, "$push": {"p": {"$each": [1, 2]}}}),
        )
        .unwrap();
        assert_eq!(
            d,
            json!({"_id": "1", "n": 3, "a": [1], "o": {"x": 1, "y": 2}, "p": [1, 2]})
        );
    }

    #[test]
    fn conflicts_and_id_changes_are_refused() {
        assert!(Update::parse(&json!({"$set": {"a": 1}, "$inc": {"a": 1}})).is_err());
        assert!(Update::parse(&json!({"$set": {"a.b": 1}, "$unset": {"a": ""}})).is_err());
        assert!(run(json!({"_id": "1"}), json!({"$set": {"_id": "2"}})).is_err());
        assert!(run(json!({"a": "x"}), json!({"$inc": {"a": 1}})).is_err());
        assert!(Update::parse(&json!({"a": 1})).is_err());
    }
}
