//! The operations, as plain functions over a connection: readers and the writer call them.
//! Indexed equality lookups narrow the candidates; the shared evaluator decides.

use super::catalog::{Catalog, CollectionMeta, array_guards, extract_expr, map_write_err, sql_err};
use crate::query::{Filter, Projection, Sort, Update};
use crate::{StoreError, UpdateResult, prepare_document};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, params_from_iter};
use serde_json::Value;
use std::time::Duration;

fn sql_value(v: &Value) -> Option<SqlValue> {
    match v {
        Value::String(s) => Some(SqlValue::Text(s.clone())),
        Value::Bool(b) => Some(SqlValue::Integer(i64::from(*b))),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Some(SqlValue::Integer(i)),
            None => n.as_f64().map(SqlValue::Real),
        },
        _ => None,
    }
}

/// The queries (SQL and parameters) whose rows, merged in `seq` order, are the candidates
/// for a filter. An indexed equality is one index probe plus one probe per array guard
/// (usually empty partial indexes), merged here rather than in SQL to avoid temp b-trees.
fn plan(meta: &CollectionMeta, filter: &Filter) -> Vec<(String, Vec<SqlValue>)> {
    let table = &meta.table;
    for (path, values) in filter.index_hints() {
        if path == "_id" {
            let ids: Vec<SqlValue> = values
                .iter()
                .filter_map(|v| v.as_str().map(|s| SqlValue::Text(s.to_owned())))
                .collect();
            if ids.is_empty() {
                return vec![];
            }
            let sql = if ids.len() == 1 {
                format!("SELECT seq, body FROM {table} WHERE id = ?")
            } else {
                let marks = vec!["?"; ids.len()].join(", ");
                format!("SELECT seq, body FROM {table} WHERE id IN ({marks}) ORDER BY seq")
            };
            return vec![(sql, ids)];
        }
        if meta.lookup_index(path).is_some() {
            let params: Vec<SqlValue> = values.iter().filter_map(|v| sql_value(v)).collect();
            let expr = extract_expr(path);
            let lookup = if params.len() == 1 {
                format!("SELECT seq, body FROM {table} WHERE {expr} = ?")
            } else {
                let marks = vec!["?"; params.len()].join(", ");
                format!("SELECT seq, body FROM {table} WHERE {expr} IN ({marks})")
            };
            let mut queries = vec![(lookup, params)];
            queries.extend(
                array_guards(path)
                    .into_iter()
                    .map(|g| (format!("SELECT seq, body FROM {table} WHERE {g}"), vec![])),
            );
            return queries;
        }
    }
    vec![(
        format!("SELECT seq, body FROM {table} ORDER BY seq"),
        vec![],
    )]
}

fn run_query(
    conn: &Connection,
    sql: &str,
    params: Vec<SqlValue>,
    mut row: impl FnMut(i64, &str) -> Result<bool, StoreError>,
) -> Result<(), StoreError> {
    let mut stmt = match conn.prepare_cached(sql) {
        Ok(s) => s,
        // The collection was dropped after this reader's catalog snapshot was taken.
        Err(e) if e.to_string().contains("no such table") => return Ok(()),
        Err(e) => return Err(sql_err(e)),
    };
    let mut rows = stmt.query(params_from_iter(params)).map_err(sql_err)?;
    while let Some(r) = rows.next().map_err(sql_err)? {
        let seq: i64 = r.get(0).map_err(sql_err)?;
        let text = r
            .get_ref(1)
            .map_err(sql_err)?
            .as_str()
            .map_err(StoreError::internal)?;
        if !row(seq, text)? {
            break;
        }
    }
    Ok(())
}

/// Calls `visit` with each matching document in insertion order until it returns false.
pub(crate) fn scan(
    conn: &Connection,
    meta: &CollectionMeta,
    filter: &Filter,
    mut visit: impl FnMut(i64, Value) -> bool,
) -> Result<(), StoreError> {
    let parse = |text: &str| serde_json::from_str::<Value>(text).map_err(StoreError::internal);
    let mut queries = plan(meta, filter);
    if queries.len() == 1 {
        let (sql, params) = queries.remove(0);
        return run_query(conn, &sql, params, |seq, text| {
            let doc = parse(text)?;
            Ok(!filter.matches(&doc) || visit(seq, doc))
        });
    }
    // Several candidate queries: gather, order by seq, drop repeats, then evaluate.
    let mut rows: Vec<(i64, String)> = Vec::new();
    for (sql, params) in queries {
        run_query(conn, &sql, params, |seq, text| {
            rows.push((seq, text.to_owned()));
            Ok(true)
        })?;
    }
    rows.sort_by_key(|(seq, _)| *seq);
    rows.dedup_by_key(|(seq, _)| *seq);
    for (seq, text) in rows {
        let doc = parse(&text)?;
        if filter.matches(&doc) && !visit(seq, doc) {
            break;
        }
    }
    Ok(())
}

pub(crate) struct FindPlan {
    pub filter: Filter,
    pub sort: Sort,
    pub projection: Projection,
    pub skip: u64,
    pub limit: Option<u64>,
}

pub(crate) fn find(
    conn: &Connection,
    catalog: &Catalog,
    collection: &str,
    q: &FindPlan,
) -> Result<Vec<Value>, StoreError> {
    let Some(meta) = catalog.collections.get(collection) else {
        return Ok(vec![]);
    };
    let mut docs = Vec::new();
    // Without a sort the first skip+limit matches are the answer: stop early.
    let stop_at = match (q.sort.is_empty(), q.limit) {
        (true, Some(l)) => Some(q.skip.saturating_add(l)),
        _ => None,
    };
    scan(conn, meta, &q.filter, |_, doc| {
        docs.push(doc);
        stop_at.is_none_or(|s| (docs.len() as u64) < s)
    })?;
    q.sort.sort(&mut docs);
    let skip = usize::try_from(q.skip).unwrap_or(usize::MAX);
    let limit = q
        .limit
        .map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
    Ok(docs
        .into_iter()
        .skip(skip)
        .take(limit)
        .map(|d| q.projection.apply(d))
        .collect())
}

pub(crate) fn count(
    conn: &Connection,
    catalog: &Catalog,
    collection: &str,
    filter: &Filter,
) -> Result<u64, StoreError> {
    let Some(meta) = catalog.collections.get(collection) else {
        return Ok(0);
    };
    if filter.is_empty() {
        let n: i64 = conn
            .prepare_cached(&format!("SELECT count(*) FROM {}", meta.table))
            .and_then(|mut s| s.query_row([], |r| r.get(0)))
            .map_err(sql_err)?;
        return Ok(u64::try_from(n).unwrap_or(0));
    }
    let mut n = 0u64;
    scan(conn, meta, filter, |_, _| {
        n += 1;
        true
    })?;
    Ok(n)
}

fn insert_prepared(
    conn: &Connection,
    catalog: &mut Catalog,
    collection: &str,
    id: &str,
    doc: &Value,
) -> Result<(), StoreError> {
    let table = catalog.ensure_collection(conn, collection)?;
    let body = serde_json::to_string(doc).map_err(StoreError::internal)?;
    conn.prepare_cached(&format!("INSERT INTO {table} (id, body) VALUES (?1, ?2)"))
        .and_then(|mut s| s.execute([id, body.as_str()]))
        .map_err(|e| map_write_err(e, catalog))?;
    Ok(())
}

/// Inserts documents in order; returns the stored documents, or the error that stopped it
/// (documents before it stay stored).
pub(crate) fn insert(
    conn: &Connection,
    catalog: &mut Catalog,
    collection: &str,
    docs: Vec<Value>,
) -> (Vec<Value>, Option<StoreError>) {
    let mut stored = Vec::with_capacity(docs.len());
    for doc in docs {
        let result = prepare_document(doc).and_then(|(id, doc)| {
            insert_prepared(conn, catalog, collection, &id, &doc)?;
            Ok(doc)
        });
        match result {
            Ok(doc) => stored.push(doc),
            Err(e) => return (stored, Some(e)),
        }
    }
    (stored, None)
}

/// Updates the first (or every) matching document, upserting when asked. Returns the
/// result and the first document as it is after the update.
pub(crate) fn update(
    conn: &Connection,
    catalog: &mut Catalog,
    collection: &str,
    filter: &Filter,
    update: &Update,
    multi: bool,
    upsert: bool,
) -> Result<(UpdateResult, Option<Value>), StoreError> {
    let mut matches: Vec<(i64, Value)> = Vec::new();
    if let Some(meta) = catalog.collections.get(collection) {
        scan(conn, meta, filter, |seq, doc| {
            matches.push((seq, doc));
            multi
        })?;
    }
    let mut result = UpdateResult::default();
    let mut first_after = None;
    if matches.is_empty() {
        if upsert {
            let mut doc = crate::query::seed_from_filter(filter)?;
            update.apply(&mut doc, true)?;
            let (id, doc) = prepare_document(doc)?;
            insert_prepared(conn, catalog, collection, &id, &doc)?;
            result.upserted_id = Some(id);
            first_after = Some(doc);
        }
        return Ok((result, first_after));
    }
    let table = match catalog.collections.get(collection) {
        Some(m) => m.table.clone(),
        None => return Ok((result, None)),
    };
    for (seq, before) in matches {
        let mut after = before.clone();
        update.apply(&mut after, false)?;
        result.matched += 1;
        if serde_json::to_string(&after).ok() != serde_json::to_string(&before).ok() {
            let body = serde_json::to_string(&after).map_err(StoreError::internal)?;
            conn.prepare_cached(&format!("UPDATE {table} SET body = ?1 WHERE seq = ?2"))
                .and_then(|mut s| s.execute(rusqlite::params![body, seq]))
                .map_err(|e| map_write_err(e, catalog))?;
            result.modified += 1;
        }
        if first_after.is_none() {
            first_after = Some(after);
        }
    }
    Ok((result, first_after))
}

pub(crate) fn delete(
    conn: &Connection,
    catalog: &Catalog,
    collection: &str,
    filter: &Filter,
    multi: bool,
) -> Result<u64, StoreError> {
    let Some(meta) = catalog.collections.get(collection) else {
        return Ok(0);
    };
    let mut seqs = Vec::new();
    scan(conn, meta, filter, |seq, _| {
        seqs.push(seq);
        multi
    })?;
    let mut stmt = conn
        .prepare_cached(&format!("DELETE FROM {} WHERE seq = ?1", meta.table))
        .map_err(sql_err)?;
    for seq in &seqs {
        stmt.execute([seq]).map_err(sql_err)?;
    }
    Ok(seqs.len() as u64)
}

/// Deletes documents whose expiring field holds a time older than the index allows.
pub(crate) fn purge_expired(conn: &Connection, catalog: &Catalog) -> Result<u64, StoreError> {
    let now = chrono::Utc::now();
    let mut removed = 0u64;
    for meta in catalog.collections.values() {
        for ix in &meta.indexes {
            let Some(after) = ix.spec.expire_after else {
                continue;
            };
            let after = chrono::Duration::from_std(after.min(Duration::from_secs(1 << 40)))
                .map_err(StoreError::internal)?;
            let expr = extract_expr(&ix.spec.fields[0]);
            let mut expired = Vec::new();
            {
                let mut stmt = conn
                    .prepare_cached(&format!(
                        "SELECT seq, {expr} FROM {} WHERE {expr} IS NOT NULL",
                        meta.table
                    ))
                    .map_err(sql_err)?;
                let mut rows = stmt.query([]).map_err(sql_err)?;
                while let Some(row) = rows.next().map_err(sql_err)? {
                    let seq: i64 = row.get(0).map_err(sql_err)?;
                    let Ok(text) = row.get_ref(1).map_err(sql_err)?.as_str() else {
                        continue;
                    };
                    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text)
                        && t.with_timezone(&chrono::Utc) + after <= now
                    {
                        expired.push(seq);
                    }
                }
            }
            let mut stmt = conn
                .prepare_cached(&format!("DELETE FROM {} WHERE seq = ?1", meta.table))
                .map_err(sql_err)?;
            for seq in expired {
                removed += stmt.execute([seq]).map_err(sql_err)? as u64;
            }
        }
    }
    Ok(removed)
}
