//! Filters: parsed once into a tree, then matched against documents.

use super::path::{resolve, validate_field_path};
use super::value::{compare_values, type_rank, values_equal};
use crate::StoreError;
use regex::Regex;
use serde_json::{Map, Value};
use std::cmp::Ordering;

/// A parsed filter. Parsing refuses every operator the store does not support.
#[derive(Debug, Clone)]
pub struct Filter {
    clauses: Vec<Clause>,
}

#[derive(Debug, Clone)]
enum Clause {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Nor(Vec<Filter>),
    Field { path: String, conds: Vec<Cond> },
}

/// A condition on the values at one path.
#[derive(Debug, Clone)]
pub(crate) enum Cond {
    Eq(Value),
    Ne(Value),
    Cmp(Ordering, bool, Value),
    In(Vec<Value>),
    Nin(Vec<Value>),
    Exists(bool),
    Regex(Regex),
    Not(Vec<Cond>),
    ElemMatchValue(Vec<Cond>),
    ElemMatchDoc(Filter),
    Size(usize),
}

fn is_operator_object(m: &Map<String, Value>) -> bool {
    m.keys().next().is_some_and(|k| k.starts_with('$'))
}

impl Filter {
    /// Parses a filter document (`null` is the empty filter).
    pub fn parse(filter: &Value) -> Result<Self, StoreError> {
        match filter {
            Value::Null => Ok(Self { clauses: vec![] }),
            Value::Object(m) => Self::parse_map(m, 0),
            other => Err(StoreError::invalid(format!(
                "a filter must be an object, not {other}"
            ))),
        }
    }

    fn parse_map(m: &Map<String, Value>, depth: usize) -> Result<Self, StoreError> {
        if depth > 32 {
            return Err(StoreError::invalid("filter nested too deeply"));
        }
        let mut clauses = Vec::with_capacity(m.len());
        for (key, value) in m {
            if let Some(op) = key.strip_prefix('$') {
                let subs = || -> Result<Vec<Filter>, StoreError> {
                    let Value::Array(items) = value else {
                        return Err(StoreError::invalid(format!("${op} needs an array")));
                    };
                    if items.is_empty() {
                        return Err(StoreError::invalid(format!(
                            "${op} needs a non-empty array"
                        )));
                    }
                    items
                        .iter()
                        .map(|item| match item {
                            Value::Object(sub) => Filter::parse_map(sub, depth + 1),
                            _ => Err(StoreError::invalid(format!(
                                "${op} entries must be objects"
                            ))),
                        })
                        .collect()
                };
                clauses.push(match op {
                    "and" => Clause::And(subs()?),
                    "or" => Clause::Or(subs()?),
                    "nor" => Clause::Nor(subs()?),
                    _ => {
                        return Err(StoreError::invalid(format!(
                            "unsupported top-level operator '{key}'"
                        )));
                    }
                });
            } else {
                validate_field_path(key)?;
                let conds = parse_conds(value, depth)?;
                clauses.push(Clause::Field {
                    path: key.clone(),
                    conds,
                });
            }
        }
        Ok(Self { clauses })
    }

    /// Whether the filter matches nothing but is empty (matches every document).
    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }

    /// Whether `doc` matches.
    pub fn matches(&self, doc: &Value) -> bool {
        self.clauses.iter().all(|c| match c {
            Clause::And(fs) => fs.iter().all(|f| f.matches(doc)),
            Clause::Or(fs) => fs.iter().any(|f| f.matches(doc)),
            Clause::Nor(fs) => !fs.iter().any(|f| f.matches(doc)),
            Clause::Field { path, conds } => {
                let segments: Vec<&str> = path.split('.').collect();
                let mut leaves = Vec::new();
                resolve(doc, &segments, &mut leaves);
                conds.iter().all(|cond| cond.matches(&leaves))
            }
        })
    }

    /// Paths every matching document must hold one of the listed scalar values at (from
    /// top-level and `$and` equalities and `$in`s): what an index can look up.
    pub fn index_hints(&self) -> Vec<(&str, Vec<&Value>)> {
        let mut out = Vec::new();
        self.collect_hints(&mut out);
        out
    }

    fn collect_hints<'a>(&'a self, out: &mut Vec<(&'a str, Vec<&'a Value>)>) {
        let scalar = |v: &Value| matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_));
        for c in &self.clauses {
            match c {
                Clause::And(fs) => fs.iter().for_each(|f| f.collect_hints(out)),
                Clause::Field { path, conds } => {
                    for cond in conds {
                        match cond {
                            Cond::Eq(v) if scalar(v) => out.push((path, vec![v])),
                            Cond::In(vs) if !vs.is_empty() && vs.iter().all(scalar) => {
                                out.push((path, vs.iter().collect()))
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// The `path = value` equalities an upsert seeds its new document with.
    pub fn equalities(&self) -> Vec<(&str, &Value)> {
        let mut out = Vec::new();
        for c in &self.clauses {
            match c {
                Clause::And(fs) => fs.iter().for_each(|f| out.extend(f.equalities())),
                Clause::Field { path, conds } => {
                    for cond in conds {
                        if let Cond::Eq(v) = cond {
                            out.push((path.as_str(), v));
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }
}

/// Parses what stands after a field name: a literal (equality) or an operator object.
fn parse_conds(value: &Value, depth: usize) -> Result<Vec<Cond>, StoreError> {
    match value {
        Value::Object(m) if is_operator_object(m) => parse_operator_object(m, depth),
        literal => Ok(vec![Cond::Eq(literal.clone())]),
    }
}

pub(crate) fn parse_operator_object(
    m: &Map<String, Value>,
    depth: usize,
) -> Result<Vec<Cond>, StoreError> {
    if depth > 32 {
        return Err(StoreError::invalid("filter nested too deeply"));
    }
    let mut conds = Vec::with_capacity(m.len());
    let options = m.get("$options");
    if options.is_some() && !m.contains_key("$regex") {
        return Err(StoreError::invalid("$options needs $regex"));
    }
    for (key, arg) in m {
        let cmp = |ord: Ordering, or_equal: bool| Cond::Cmp(ord, or_equal, arg.clone());
        let cond = match key.as_str() {
            "$eq" => Cond::Eq(arg.clone()),
            "$ne" => Cond::Ne(arg.clone()),
            "$gt" => cmp(Ordering::Greater, false),
            "$gte" => cmp(Ordering::Greater, true),
            "$lt" => cmp(Ordering::Less, false),
            "$lte" => cmp(Ordering::Less, true),
            "$in" | "$nin" => {
                let Value::Array(items) = arg else {
                    return Err(StoreError::invalid(format!("{key} needs an array")));
                };
                if key == "$in" {
                    Cond::In(items.clone())
                } else {
                    Cond::Nin(items.clone())
                }
            }
            "$exists" => Cond::Exists(match arg {
                Value::Bool(b) => *b,
                Value::Number(n) => n.as_f64() != Some(0.0),
                Value::Null => false,
                _ => true,
            }),
            "$regex" => Cond::Regex(build_regex(arg, options)?),
            "$options" => continue,
            "$not" => match arg {
                Value::Object(inner) if is_operator_object(inner) => {
                    Cond::Not(parse_operator_object(inner, depth + 1)?)
                }
                _ => {
                    return Err(StoreError::invalid("$not needs an object of operators"));
                }
            },
            "$size" => {
                let n = match arg {
                    Value::Number(n) => n.as_u64().or_else(|| {
                        n.as_f64()
                            .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                            .map(|f| f as u64)
                    }),
                    _ => None,
                };
                let Some(n) = n else {
                    return Err(StoreError::invalid("$size needs a non-negative integer"));
                };
                Cond::Size(usize::try_from(n).unwrap_or(usize::MAX))
            }
            "$elemMatch" => {
                let Value::Object(inner) = arg else {
                    return Err(StoreError::invalid("$elemMatch needs an object"));
                };
                let value_form = inner
                    .keys()
                    .any(|k| k.starts_with('$') && !matches!(k.as_str(), "$and" | "$or" | "$nor"));
                if value_form {
                    Cond::ElemMatchValue(parse_operator_object(inner, depth + 1)?)
                } else {
                    Cond::ElemMatchDoc(Filter::parse_map(inner, depth + 1)?)
                }
            }
            other => {
                return Err(StoreError::invalid(format!(
                    "unsupported operator '{other}'"
                )));
            }
        };
        conds.push(cond);
    }
    Ok(conds)
}

fn build_regex(pattern: &Value, options: Option<&Value>) -> Result<Regex, StoreError> {
    let Value::String(pattern) = pattern else {
        return Err(StoreError::invalid("$regex needs a string"));
    };
    let mut builder = regex::RegexBuilder::new(pattern);
    builder.size_limit(1 << 20).nest_limit(64);
    match options {
        None => {}
        Some(Value::String(opts)) => {
            for c in opts.chars() {
                match c {
                    'i' => builder.case_insensitive(true),
                    'm' => builder.multi_line(true),
                    's' => builder.dot_matches_new_line(true),
                    'x' => builder.ignore_whitespace(true),
                    _ => return Err(StoreError::invalid(format!("unsupported $options '{c}'"))),
                };
            }
        }
        Some(_) => return Err(StoreError::invalid("$options needs a string")),
    }
    builder
        .build()
        .map_err(|e| StoreError::invalid(format!("invalid $regex: {e}")))
}

/// The values a condition is checked against: each reached value, and the elements of
/// reached arrays.
fn candidates<'a>(leaves: &'a [Option<&'a Value>]) -> impl Iterator<Item = &'a Value> + 'a {
    leaves.iter().flatten().flat_map(|v| {
        let elements: &[Value] = match v {
            Value::Array(items) => items,
            _ => &[],
        };
        std::iter::once(*v).chain(elements.iter())
    })
}

fn eq_matches(x: &Value, leaves: &[Option<&Value>]) -> bool {
    if x.is_null() && leaves.iter().any(Option::is_none) {
        return true;
    }
    candidates(leaves).any(|c| values_equal(c, x))
}

impl Cond {
    pub(crate) fn matches(&self, leaves: &[Option<&Value>]) -> bool {
        match self {
            Cond::Eq(x) => eq_matches(x, leaves),
            Cond::Ne(x) => !eq_matches(x, leaves),
            Cond::Cmp(ord, or_equal, x) => {
                if x.is_null() {
                    return *or_equal && eq_matches(x, leaves);
                }
                candidates(leaves).any(|c| {
                    type_rank(c) == type_rank(x) && {
                        let o = compare_values(c, x);
                        o == *ord || (*or_equal && o == Ordering::Equal)
                    }
                })
            }
            Cond::In(xs) => xs.iter().any(|x| eq_matches(x, leaves)),
            Cond::Nin(xs) => !xs.iter().any(|x| eq_matches(x, leaves)),
            Cond::Exists(want) => leaves.iter().any(Option::is_some) == *want,
            Cond::Regex(re) => {
                candidates(leaves).any(|c| c.as_str().is_some_and(|s| re.is_match(s)))
            }
            Cond::Not(conds) => !conds.iter().all(|c| c.matches(leaves)),
            Cond::Size(n) => leaves
                .iter()
                .flatten()
                .any(|v| v.as_array().is_some_and(|a| a.len() == *n)),
            Cond::ElemMatchValue(conds) => leaves.iter().flatten().any(|v| {
                v.as_array().is_some_and(|items| {
                    items.iter().any(|item| {
                        let one = [Some(item)];
                        conds.iter().all(|c| c.matches(&one))
                    })
                })
            }),
            Cond::ElemMatchDoc(filter) => leaves.iter().flatten().any(|v| {
                v.as_array().is_some_and(|items| {
                    items
                        .iter()
                        .any(|item| item.is_object() && filter.matches(item))
                })
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(filter: Value, doc: Value) -> bool {
        Filter::parse(&filter).unwrap().matches(&doc)
    }

    #[test]
    fn literal_objects_under_eq_are_values_not_operators() {
        assert!(!m(
            json!({"email": {"$eq": {"$ne": null}}}),
            json!({"email": "a@b.co"})
        ));
        assert!(m(
            json!({"email": {"$eq": {"$ne": null}}}),
            json!({"email": {"$ne": null}})
        ));
    }

    #[test]
    fn unsupported_operators_are_refused() {
        for f in [
            json!({"$where": "1"}),
            json!({"$expr": {}}),
            json!({"a": {"$function": {}}}),
            json!({"a": {"$type": "string"}}),
            json!({"$not": {"a": 1}}),
            json!({"a": {"$not": 1}}),
            json!({"a": {"$in": 1}}),
            json!({"a": {"$regex": "(", "$options": ""}}),
            json!({"a": {"$regex": "x", "$options": "q"}}),
            json!([1]),
        ] {
            assert!(Filter::parse(&f).is_err(), "{f}");
        }
    }

    #[test]
    fn arrays_match_by_element_and_null_matches_missing() {
        assert!(m(json!({"tags": "x"}), json!({"tags": ["y", "x"]})));
        assert!(m(json!({"a.b": 2}), json!({"a": [{"b": 1}, {"b": 2}]})));
        assert!(m(json!({"a": null}), json!({})));
        assert!(!m(json!({"a.b": null}), json!({"a": [1, 2]})));
        assert!(m(json!({"a.1": 2}), json!({"a": [1, 2]})));
    }
}
