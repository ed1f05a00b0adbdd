//! Filters, update data, sort and projection: compiled so that operators come only from the
//! workflow text, and every run-time value lands in a value position as a literal.

use super::{Summarize, invalid};
use crate::compile::FieldCx;
use crate::template::Tpl;
use orchestrix_domain::{CollectionName, DiagnosticCode, Problem};
use serde_json::{Map, Value, json};

/// Operators whose operand is a list of query documents.
const LOGICAL: [&str; 3] = ["$and", "$or", "$nor"];
/// Update operators `dbUpdate` applies as written.
pub(crate) const UPDATE_OPS: [&str; 6] = ["$set", "$unset", "$inc", "$push", "$pull", "$addToSet"];

/// A query document: `{field: condition, $and: [...], ...}`.
#[derive(Debug, Clone)]
pub(crate) struct Query(Vec<(String, Cond)>);

#[derive(Debug, Clone)]
enum Cond {
    /// `$and` / `$or` / `$nor`.
    Logical(Vec<Query>),
    /// `field: value`: a run-time object or array is wrapped as `{"$eq": …}`.
    Value(Tpl),
    /// `field: {$op: operand, …}` as the author wrote it.
    Ops(Vec<(String, Operand)>),
    /// Any other top-level operator, with no template inside; the store decides.
    Raw(Value),
}

#[derive(Debug, Clone)]
enum Operand {
    /// An operand of the author's operator: a literal, whatever its shape.
    Value(Tpl),
    /// `$not: {$op: …}`.
    Ops(Vec<(String, Operand)>),
    /// `$elemMatch: {field: …}`.
    Query(Query),
}

/// Reports a template in any key position below `field`.
pub(crate) fn check_keys(cx: &mut FieldCx<'_>, field: &str, v: &Value) -> bool {
    match v {
        Value::Object(o) => {
            let mut ok = true;
            for (k, child) in o {
                let at = format!("{field}.{k}");
                if k.contains("{{") {
                    cx.invalid(&at, "a template cannot stand in a key position");
                    ok = false;
                } else {
                    ok &= check_keys(cx, &at, child);
                }
            }
            ok
        }
        Value::Array(a) => a.iter().enumerate().fold(true, |ok, (i, c)| {
            check_keys(cx, &format!("{field}.{i}"), c) && ok
        }),
        _ => true,
    }
}

fn is_whole_template(v: &Value) -> bool {
    matches!(v, Value::String(s) if s.contains("{{"))
}

impl Query {
    /// Compiles `filters` / `filter`; absent means "everything".
    pub fn compile(cx: &mut FieldCx<'_>, field: &str, v: Option<&Value>) -> Option<Self> {
        let Some(v) = v else {
            return Some(Self(Vec::new()));
        };
        if !check_keys(cx, field, v) {
            return None;
        }
        Self::doc(cx, field, v)
    }

    fn doc(cx: &mut FieldCx<'_>, field: &str, v: &Value) -> Option<Self> {
        let Value::Object(o) = v else {
            let msg = if is_whole_template(v) {
                "must be an object written in the workflow: a template cannot stand for a whole query"
            } else {
                "must be an object"
            };
            cx.invalid(field, msg);
            return None;
        };
        let mut out = Vec::with_capacity(o.len());
        let mut ok = true;
        for (k, child) in o {
            let at = format!("{field}.{k}");
            let cond = if LOGICAL.contains(&k.as_str()) {
                match child {
                    Value::Array(items) => items
                        .iter()
                        .enumerate()
                        .map(|(i, q)| Self::doc(cx, &format!("{at}.{i}"), q))
                        .collect::<Option<Vec<_>>>()
                        .map(Cond::Logical),
                    _ => {
                        cx.invalid(
                            &at,
                            format!("{k} needs an array of queries written in the workflow"),
                        );
                        None
                    }
                }
            } else if k.starts_with('$') {
                let t = cx.tpl(&at, child);
                match t {
                    Some(Tpl::Const(c)) => Some(Cond::Raw(c)),
                    Some(_) => {
                        cx.invalid(&at, format!("{k} cannot hold a template"));
                        None
                    }
                    None => None,
                }
            } else {
                condition(cx, &at, child)
            };
            match cond {
                Some(c) => out.push((k.clone(), c)),
                None => ok = false,
            }
        }
        ok.then_some(Self(out))
    }

    /// The filter to send to the store.
    pub fn resolve(&self, slots: &[Value]) -> Value {
        self.build(slots, None)
    }

    fn build(&self, slots: &[Value], secret: Option<&dyn Fn(usize) -> bool>) -> Value {
        let mut out = Map::with_capacity(self.0.len());
        for (k, c) in &self.0 {
            out.insert(k.clone(), c.build(slots, secret));
        }
        Value::Object(out)
    }
}

impl Summarize for Query {
    fn summarize(&self, slots: &[Value], secret: &dyn Fn(usize) -> bool) -> Value {
        self.build(slots, Some(secret))
    }
}

fn resolve(t: &Tpl, slots: &[Value], secret: Option<&dyn Fn(usize) -> bool>) -> Value {
    match secret {
        Some(s) => t.resolve_masked(slots, s),
        None => t.resolve(slots),
    }
}

fn condition(cx: &mut FieldCx<'_>, at: &str, v: &Value) -> Option<Cond> {
    match v {
        Value::Object(o) if !o.is_empty() && o.keys().all(|k| k.starts_with('$')) => {
            operators(cx, at, o).map(Cond::Ops)
        }
        Value::Object(o) if o.keys().any(|k| k.starts_with('$')) => {
            cx.invalid(at, "mixes operators ($…) and field names");
            None
        }
        _ => cx.tpl(at, v).map(Cond::Value),
    }
}

fn operators(
    cx: &mut FieldCx<'_>,
    at: &str,
    o: &Map<String, Value>,
) -> Option<Vec<(String, Operand)>> {
    let mut out = Vec::with_capacity(o.len());
    for (op, operand) in o {
        let here = format!("{at}.{op}");
        let compiled = match (op.as_str(), operand) {
            ("$not", Value::Object(inner)) if inner.keys().all(|k| k.starts_with('$')) => {
                operators(cx, &here, inner).map(Operand::Ops)
            }
            ("$elemMatch", Value::Object(inner)) if inner.keys().all(|k| k.starts_with('$')) => {
                operators(cx, &here, inner).map(Operand::Ops)
            }
            ("$elemMatch", Value::Object(_)) => Query::doc(cx, &here, operand).map(Operand::Query),
            ("$not" | "$elemMatch", _) => {
                cx.invalid(
                    &here,
                    format!("{op} needs an object written in the workflow"),
                );
                None
            }
            _ => cx.tpl(&here, operand).map(Operand::Value),
        };
        out.push((op.clone(), compiled?));
    }
    Some(out)
}

impl Cond {
    fn build(&self, slots: &[Value], secret: Option<&dyn Fn(usize) -> bool>) -> Value {
        match self {
            Self::Logical(qs) => Value::Array(qs.iter().map(|q| q.build(slots, secret)).collect()),
            Self::Value(t) => match resolve(t, slots, secret) {
                v @ (Value::Object(_) | Value::Array(_)) => json!({ "$eq": v }),
                v => v,
            },
            Self::Ops(ops) => build_ops(ops, slots, secret),
            Self::Raw(v) => v.clone(),
        }
    }
}

fn build_ops(
    ops: &[(String, Operand)],
    slots: &[Value],
    secret: Option<&dyn Fn(usize) -> bool>,
) -> Value {
    let mut out = Map::with_capacity(ops.len());
    for (op, operand) in ops {
        let v = match operand {
            Operand::Value(t) => resolve(t, slots, secret),
            Operand::Ops(inner) => build_ops(inner, slots, secret),
            Operand::Query(q) => q.build(slots, secret),
        };
        out.insert(op.clone(), v);
    }
    Value::Object(out)
}

/// A `collection` field: a name now, or a template checked when the run resolves it.
#[derive(Debug, Clone)]
pub(crate) struct CollectionRef(pub Tpl);

impl CollectionRef {
    pub fn compile(cx: &mut FieldCx<'_>, field: &str, v: &Value) -> Option<Self> {
        let t = cx.tpl(field, v)?;
        if let Tpl::Const(c) = &t {
            let Some(name) = c.as_str() else {
                cx.invalid(field, "must be a collection name");
                return None;
            };
            if let Err(e) = CollectionName::parse(name) {
                cx.invalid(field, e.to_string());
                return None;
            }
            if let Some(defs) = cx.catalogue
                && !defs.iter().any(|d| d.collection_name.as_str() == name)
            {
                cx.push(
                    DiagnosticCode::CollectionNotDefined,
                    field,
                    format!("no collection '{name}' is defined; it will start empty and without a schema"),
                );
            }
        }
        Some(Self(t))
    }

    /// The owner's collection this run names; a bad name is 400 `validation_failed`.
    pub fn resolve(&self, slots: &[Value]) -> Result<CollectionName, Problem> {
        match self.0.resolve(slots) {
            Value::String(s) => {
                CollectionName::parse(&s).map_err(|e| invalid("collection", e.to_string()))
            }
            _ => Err(invalid("collection", "must be a collection name")),
        }
    }
}

/// `sort` / `projection`: an object written in the workflow, or a whole template.
pub(crate) fn compile_shape(
    cx: &mut FieldCx<'_>,
    field: &str,
    v: Option<&Value>,
) -> Option<Option<Tpl>> {
    let Some(v) = v else { return Some(None) };
    if !check_keys(cx, field, v) {
        return None;
    }
    if !(v.is_object() || is_whole_template(v)) {
        cx.invalid(field, "must be an object");
        return None;
    }
    cx.tpl(field, v).map(Some)
}

/// Resolves `sort` / `projection`; a run-time value that is not an object is a 400.
pub(crate) fn resolve_shape(
    t: &Option<Tpl>,
    field: &str,
    slots: &[Value],
) -> Result<Option<Value>, Problem> {
    match t.as_ref().map(|t| t.resolve(slots)) {
        None | Some(Value::Null) => Ok(None),
        Some(v @ Value::Object(_)) => Ok(Some(v)),
        Some(_) => Err(invalid(field, "must be an object")),
    }
}

/// Refuses field names from run-time values that would read as operators.
pub(crate) fn check_plain_keys(doc: &Map<String, Value>, field: &str) -> Result<(), Problem> {
    match doc.keys().find(|k| k.starts_with('$')) {
        Some(k) => Err(invalid(
            field,
            format!("field name '{k}' may not start with '$'"),
        )),
        None => Ok(()),
    }
}
