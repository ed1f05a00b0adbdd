//! Multi-key sorts with MongoDB's cross-type order and array semantics (ascending sorts by
//! an array's smallest element, descending by its largest; an empty array sorts before null).

use super::path::{resolve, validate_field_path};
use super::value::compare_values;
use crate::StoreError;
use serde_json::Value;
use std::cmp::Ordering;

/// A parsed sort specification: `{field: 1 | -1, …}` in key order.
#[derive(Debug, Clone, Default)]
pub struct Sort {
    keys: Vec<(String, bool)>,
}

/// The value a document sorts by for one key.
#[derive(Debug, Clone, PartialEq)]
enum SortKey {
    EmptyArray,
    Value(Value),
}

fn cmp_keys(a: &SortKey, b: &SortKey) -> Ordering {
    match (a, b) {
        (SortKey::EmptyArray, SortKey::EmptyArray) => Ordering::Equal,
        (SortKey::EmptyArray, _) => Ordering::Less,
        (_, SortKey::EmptyArray) => Ordering::Greater,
        (SortKey::Value(x), SortKey::Value(y)) => compare_values(x, y),
    }
}

impl Sort {
    /// Parses a sort document; `null` or `{}` is no sort.
    pub fn parse(sort: &Value) -> Result<Self, StoreError> {
        let m = match sort {
            Value::Null => return Ok(Self::default()),
            Value::Object(m) => m,
            other => {
                return Err(StoreError::invalid(format!(
                    "a sort must be an object, not {other}"
                )));
            }
        };
        let mut keys = Vec::with_capacity(m.len());
        for (path, dir) in m {
            validate_field_path(path)?;
            let ascending = match dir.as_f64() {
                Some(d) if (d - 1.0).abs() < f64::EPSILON => true,
                Some(d) if (d + 1.0).abs() < f64::EPSILON => false,
                _ => {
                    return Err(StoreError::invalid(format!(
                        "sort direction for '{path}' must be 1 or -1"
                    )));
                }
            };
            keys.push((path.clone(), ascending));
        }
        Ok(Self { keys })
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    fn key(doc: &Value, path: &str, ascending: bool) -> SortKey {
        let segments: Vec<&str> = path.split('.').collect();
        let mut leaves = Vec::new();
        resolve(doc, &segments, &mut leaves);
        let mut keys: Vec<SortKey> = Vec::new();
        for leaf in leaves {
            match leaf {
                None => keys.push(SortKey::Value(Value::Null)),
                Some(Value::Array(items)) if items.is_empty() => keys.push(SortKey::EmptyArray),
                Some(Value::Array(items)) => {
                    keys.extend(items.iter().map(|i| SortKey::Value(i.clone())))
                }
                Some(v) => keys.push(SortKey::Value(v.clone())),
            }
        }
        let best = if ascending {
            keys.into_iter().min_by(cmp_keys)
        } else {
            keys.into_iter().max_by(cmp_keys)
        };
        best.unwrap_or(SortKey::Value(Value::Null))
    }

    /// Sorts documents in place; ties keep their order (insertion order for the store).
    pub fn sort(&self, docs: &mut Vec<Value>) {
        if self.keys.is_empty() {
            return;
        }
        let mut keyed: Vec<(Vec<SortKey>, Value)> = docs
            .drain(..)
            .map(|d| {
                let k = self
                    .keys
                    .iter()
                    .map(|(p, asc)| Self::key(&d, p, *asc))
                    .collect();
                (k, d)
            })
            .collect();
        keyed.sort_by(|(a, _), (b, _)| {
            for ((ka, kb), (_, asc)) in a.iter().zip(b).zip(&self.keys) {
                let o = cmp_keys(ka, kb);
                let o = if *asc { o } else { o.reverse() };
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        });
        docs.extend(keyed.into_iter().map(|(_, d)| d));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn mixed_types_sort_like_mongodb() {
        let vals = [
            json!(1),
            json!("a"),
            json!(null),
            json!(true),
            json!({"a": 1}),
            json!([1, 2]),
            json!(2.5),
            json!(false),
            json!([]),
            json!({}),
        ];
        let mut docs: Vec<Value> = vals.iter().map(|v| json!({"v": v})).collect();
        Sort::parse(&json!({"v": 1})).unwrap().sort(&mut docs);
        let got: Vec<Value> = docs.iter().map(|d| d["v"].clone()).collect();
        assert_eq!(
            got,
            vec![
                json!([]),
                json!(null),
                json!(1),
                json!([1, 2]),
                json!(2.5),
                json!("a"),
                json!({}),
                json!({"a": 1}),
                json!(false),
                json!(true)
            ]
        );
        Sort::parse(&json!({"v": -1})).unwrap().sort(&mut docs);
        let got: Vec<Value> = docs.iter().map(|d| d["v"].clone()).collect();
        assert_eq!(
            got,
            vec![
                json!(true),
                json!(false),
                json!({"a": 1}),
                json!({}),
                json!("a"),
                json!(2.5),
                json!([1, 2]),
                json!(1),
                json!(null),
                json!([])
            ]
        );
    }
}
