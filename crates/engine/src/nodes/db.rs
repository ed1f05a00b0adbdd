//! `dbFind`, `dbInsert`, `dbUpdate`, `dbDelete`: the owner's collections through the store port.

use super::query::{
    CollectionRef, Query, UPDATE_OPS, check_keys, check_plain_keys, compile_shape, resolve_shape,
};
use super::secrets::{hash_fields, schema, strip};
use super::{Done, RunCx, Summarize, invalid};
use crate::compile::FieldCx;
use crate::ports::{FindQuery, StoreError, UpdateOptions, UpdateResult};
use crate::template::Tpl;
use orchestrix_domain::{
    DbDeleteConfig, DbFindConfig, DbInsertConfig, DbUpdateConfig, ErrorCode, FindType, Problem,
};
use serde_json::{Map, Value, json};

/// How a store failure answers.
pub(crate) fn store_problem(e: StoreError) -> Problem {
    match e {
        StoreError::DuplicateKey { field } => {
            Problem::new(ErrorCode::DuplicateKey).details(json!({ "field": field }))
        }
        StoreError::InvalidQuery(m) => Problem::with_message(ErrorCode::InvalidQuery, m),
        StoreError::Validation { details } => {
            Problem::new(ErrorCode::ValidationFailed).details(details)
        }
        StoreError::Unavailable(m) => Problem::with_message(ErrorCode::StorageUnavailable, m),
        StoreError::Other(m) => Problem::with_message(ErrorCode::NodeFailed, m),
    }
}

fn compile_count(cx: &mut FieldCx<'_>, field: &str, v: Option<&Value>) -> Option<Option<Tpl>> {
    let Some(v) = v else { return Some(None) };
    let t = cx.tpl(field, v)?;
    if let Tpl::Const(c) = &t
        && c.as_u64().is_none()
    {
        cx.invalid(field, "must be a whole number, 0 or more");
        return None;
    }
    Some(Some(t))
}

fn resolve_count(t: &Option<Tpl>, field: &str, slots: &[Value]) -> Result<Option<u64>, Problem> {
    match t.as_ref().map(|t| t.resolve(slots)) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_u64().or_else(|| {
            v.as_f64()
                .filter(|f| *f >= 0.0 && f.fract() == 0.0)
                .map(|f| f as u64)
        }) {
            Some(n) => Ok(Some(n)),
            None => Err(invalid(field, "must be a whole number, 0 or more")),
        },
    }
}

#[derive(Debug, Clone)]
pub(crate) struct FindStep {
    collection: CollectionRef,
    many: bool,
    filter: Query,
    sort: Option<Tpl>,
    skip: Option<Tpl>,
    limit: Option<Tpl>,
    projection: Option<Tpl>,
}

impl FindStep {
    pub fn compile(c: &DbFindConfig, cx: &mut FieldCx<'_>) -> Option<Self> {
        let collection = CollectionRef::compile(cx, "collection", &c.collection);
        let filter = Query::compile(cx, "filters", c.filters.as_ref());
        let sort = compile_shape(cx, "sort", c.sort.as_ref());
        let projection = compile_shape(cx, "projection", c.projection.as_ref());
        let skip = compile_count(cx, "skip", c.skip.as_ref());
        let limit = compile_count(cx, "limit", c.limit.as_ref());
        Some(Self {
            collection: collection?,
            many: c.find_type == FindType::Many,
            filter: filter?,
            sort: sort?,
            skip: skip?,
            limit: limit?,
            projection: projection?,
        })
    }

    pub fn fields(&self) -> Vec<(&str, &dyn Summarize)> {
        vec![
            ("collection", &self.collection.0 as &dyn Summarize),
            ("filters", &self.filter),
        ]
    }

    pub async fn run(&self, cx: &RunCx<'_>) -> Result<Done, Problem> {
        let name = self.collection.resolve(cx.slots)?;
        let query = FindQuery {
            filter: self.filter.resolve(cx.slots),
            sort: resolve_shape(&self.sort, "sort", cx.slots)?,
            skip: resolve_count(&self.skip, "skip", cx.slots)?,
            limit: resolve_count(&self.limit, "limit", cx.slots)?,
            projection: resolve_shape(&self.projection, "projection", cx.slots)?,
        };
        let def = schema(cx, &name).await?;
        let value = if self.many {
            let mut docs = cx.store.find(&name, &query).await.map_err(store_problem)?;
            docs.iter_mut().for_each(|d| strip(d, def.as_ref()));
            Value::Array(docs)
        } else {
            let mut doc = cx
                .store
                .find_one(&name, &query)
                .await
                .map_err(store_problem)?;
            if let Some(d) = doc.as_mut() {
                strip(d, def.as_ref());
            }
            doc.unwrap_or(Value::Null)
        };
        Ok(Done::value(value))
    }
}

/// Update data written as a plain object (or one template) means `$set`.
#[derive(Debug, Clone)]
enum UpdateTpl {
    Set(Tpl),
    Ops(Vec<(String, Tpl)>),
}

fn compile_data(cx: &mut FieldCx<'_>, v: &Value, operators: bool) -> Option<UpdateTpl> {
    if !check_keys(cx, "data", v) {
        return None;
    }
    match v {
        Value::Object(o) if operators && !o.is_empty() && o.keys().all(|k| k.starts_with('$')) => {
            let mut ops = Vec::with_capacity(o.len());
            for (op, operand) in o {
                let at = format!("data.{op}");
                if !UPDATE_OPS.contains(&op.as_str()) {
                    cx.invalid(
                        &at,
                        format!("'{op}' is not one of {}", UPDATE_OPS.join(", ")),
                    );
                    return None;
                }
                if !(operand.is_object() || matches!(operand, Value::String(s) if s.contains("{{")))
                {
                    cx.invalid(&at, "must be an object");
                    return None;
                }
                ops.push((op.clone(), cx.tpl(&at, operand)?));
            }
            Some(UpdateTpl::Ops(ops))
        }
        Value::Object(o) if o.keys().any(|k| k.starts_with('$')) => {
            let msg = if operators {
                "mixes update operators ($…) and field names"
            } else {
                "field names may not start with '$'"
            };
            cx.invalid("data", msg);
            None
        }
        Value::Object(_) => cx.tpl("data", v).map(UpdateTpl::Set),
        Value::String(s) if s.contains("{{") => cx.tpl("data", v).map(UpdateTpl::Set),
        _ => {
            cx.invalid("data", "must be an object");
            None
        }
    }
}

fn resolve_object(t: &Tpl, field: &str, slots: &[Value]) -> Result<Map<String, Value>, Problem> {
    match t.resolve(slots) {
        Value::Object(o) => {
            check_plain_keys(&o, field)?;
            Ok(o)
        }
        _ => Err(invalid(field, "must be an object")),
    }
}

#[derive(Debug, Clone)]
pub(crate) struct InsertStep {
    collection: CollectionRef,
    data: Tpl,
}

impl InsertStep {
    pub fn compile(c: &DbInsertConfig, cx: &mut FieldCx<'_>) -> Option<Self> {
        let collection = CollectionRef::compile(cx, "collection", &c.collection);
        let data = match compile_data(cx, c.document(), false) {
            Some(UpdateTpl::Set(t)) => Some(t),
            _ => None,
        };
        Some(Self {
            collection: collection?,
            data: data?,
        })
    }

    pub fn fields(&self) -> Vec<(&str, &dyn Summarize)> {
        vec![
            ("collection", &self.collection.0 as &dyn Summarize),
            ("data", &self.data),
        ]
    }

    pub async fn run(&self, cx: &RunCx<'_>) -> Result<Done, Problem> {
        let name = self.collection.resolve(cx.slots)?;
        let mut doc = resolve_object(&self.data, "data", cx.slots)?;
        let def = schema(cx, &name).await?;
        hash_fields(&mut doc, def.as_ref(), cx.ports.passwords.as_ref()).await?;
        let mut stored = cx
            .store
            .insert_one(&name, doc)
            .await
            .map_err(store_problem)?;
        strip(&mut stored, def.as_ref());
        Ok(Done::value(stored))
    }
}

#[derive(Debug, Clone)]
pub(crate) struct UpdateStep {
    collection: CollectionRef,
    filter: Query,
    data: UpdateTpl,
    options: UpdateOptions,
}

impl UpdateStep {
    pub fn compile(c: &DbUpdateConfig, cx: &mut FieldCx<'_>) -> Option<Self> {
        let collection = CollectionRef::compile(cx, "collection", &c.collection);
        let filter = Query::compile(cx, "filter", c.filter.as_ref());
        let data = compile_data(cx, &c.data, true);
        Some(Self {
            collection: collection?,
            filter: filter?,
            data: data?,
            options: UpdateOptions {
                many: c.many,
                upsert: c.upsert,
            },
        })
    }

    pub fn fields(&self) -> Vec<(&str, &dyn Summarize)> {
        let mut f: Vec<(&str, &dyn Summarize)> =
            vec![("collection", &self.collection.0), ("filter", &self.filter)];
        match &self.data {
            UpdateTpl::Set(t) => f.push(("data", t)),
            UpdateTpl::Ops(ops) => {
                f.extend(ops.iter().map(|(k, t)| (k.as_str(), t as &dyn Summarize)))
            }
        }
        f
    }

    pub async fn run(&self, cx: &RunCx<'_>) -> Result<Done, Problem> {
        let name = self.collection.resolve(cx.slots)?;
        let filter = self.filter.resolve(cx.slots);
        let def = schema(cx, &name).await?;
        let mut update = Map::new();
        let ops: Vec<(&str, &Tpl)> = match &self.data {
            UpdateTpl::Set(t) => vec![("$set", t)],
            UpdateTpl::Ops(ops) => ops.iter().map(|(k, t)| (k.as_str(), t)).collect(),
        };
        for (op, t) in ops {
            let mut operand = resolve_object(t, "data", cx.slots)?;
            if op == "$set" {
                hash_fields(&mut operand, def.as_ref(), cx.ports.passwords.as_ref()).await?;
            }
            update.insert(op.to_owned(), Value::Object(operand));
        }
        let result = cx
            .store
            .update(&name, &filter, &Value::Object(update), self.options)
            .await
            .map_err(store_problem)?;
        let value = match result {
            UpdateResult::One(Some(mut doc)) => {
                strip(&mut doc, def.as_ref());
                doc
            }
            UpdateResult::One(None) => Value::Null,
            UpdateResult::Many { matched, modified } => {
                json!({"matchedCount": matched, "modifiedCount": modified})
            }
        };
        let value = match (self.options.many, value) {
            (true, Value::Null) => json!({"matchedCount": 0, "modifiedCount": 0}),
            (_, v) => v,
        };
        Ok(Done::value(value))
    }
}

#[derive(Debug, Clone)]
pub(crate) struct DeleteStep {
    collection: CollectionRef,
    filter: Query,
    many: bool,
}

impl DeleteStep {
    pub fn compile(c: &DbDeleteConfig, cx: &mut FieldCx<'_>) -> Option<Self> {
        let collection = CollectionRef::compile(cx, "collection", &c.collection);
        let filter = Query::compile(cx, "filter", c.filter.as_ref());
        Some(Self {
            collection: collection?,
            filter: filter?,
            many: c.many,
        })
    }

    pub fn fields(&self) -> Vec<(&str, &dyn Summarize)> {
        vec![
            ("collection", &self.collection.0 as &dyn Summarize),
            ("filter", &self.filter),
        ]
    }

    pub async fn run(&self, cx: &RunCx<'_>) -> Result<Done, Problem> {
        let name = self.collection.resolve(cx.slots)?;
        let filter = self.filter.resolve(cx.slots);
        let n = cx
            .store
            .delete(&name, &filter, self.many)
            .await
            .map_err(store_problem)?;
        Ok(Done::value(json!({ "deletedCount": n })))
    }
}
