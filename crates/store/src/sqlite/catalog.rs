//! What collections and indexes exist, kept in two tables and mirrored in memory so readers
//! can plan without asking SQLite.

use crate::{IndexSpec, StoreError};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use std::time::Duration;

pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS _orx_collections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS _orx_indexes (
    collection TEXT NOT NULL,
    name TEXT NOT NULL,
    fields TEXT NOT NULL,
    is_unique INTEGER NOT NULL,
    expire_secs REAL,
    sql_name TEXT NOT NULL,
    PRIMARY KEY (collection, name)
);
";

#[derive(Debug, Clone)]
pub(crate) struct IndexMeta {
    pub sql_name: String,
    pub spec: IndexSpec,
}

#[derive(Debug, Clone)]
pub(crate) struct CollectionMeta {
    pub table: String,
    pub indexes: Vec<IndexMeta>,
}

impl CollectionMeta {
    /// An index that can look up documents by equality on `path`.
    pub fn lookup_index(&self, path: &str) -> Option<&IndexMeta> {
        if path.split('.').any(|s| s.parse::<usize>().is_ok()) {
            return None;
        }
        self.indexes.iter().find(|ix| {
            ix.spec.fields.first().map(String::as_str) == Some(path)
                && (!ix.spec.unique || ix.spec.fields.len() == 1)
        })
    }
}

/// The in-memory mirror of the catalog tables. `dirty` is set by anything that changes it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Catalog {
    pub collections: HashMap<String, CollectionMeta>,
    pub dirty: bool,
}

/// `$."a"."b"` for the path `a.b` (index fields never contain quotes).
pub(crate) fn json_path(field: &str) -> String {
    let mut out = String::from("$");
    for seg in field.split('.') {
        out.push_str(".\"");
        out.push_str(seg);
        out.push('"');
    }
    out
}

/// The SQL expression an index on `field` is built on; queries must use the same text.
pub(crate) fn extract_expr(field: &str) -> String {
    format!("json_extract(body, '{}')", json_path(field))
}

/// Conditions that let a lookup see documents where a path prefix is an array (their
/// element values are not in the expression index).
pub(crate) fn array_guards(field: &str) -> Vec<String> {
    let segs: Vec<&str> = field.split('.').collect();
    (1..=segs.len())
        .map(|n| {
            format!(
                "json_type(body, '{}') = 'array'",
                json_path(&segs[..n].join("."))
            )
        })
        .collect()
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn sql_err(e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode;
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(f.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) =>
        {
            StoreError::Unavailable(e.to_string())
        }
        _ => StoreError::Internal(e.to_string()),
    }
}

impl Catalog {
    pub fn load(conn: &Connection) -> Result<Self, StoreError> {
        let mut collections = HashMap::new();
        let mut stmt = conn
            .prepare("SELECT id, name FROM _orx_collections")
            .map_err(sql_err)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
            .map_err(sql_err)?;
        for row in rows {
            let (id, name) = row.map_err(sql_err)?;
            collections.insert(
                name,
                CollectionMeta {
                    table: format!("c{id}"),
                    indexes: vec![],
                },
            );
        }
        let mut stmt = conn
            .prepare("SELECT collection, fields, is_unique, expire_secs, sql_name FROM _orx_indexes ORDER BY rowid")
            .map_err(sql_err)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, bool>(2)?,
                    r.get::<_, Option<f64>>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .map_err(sql_err)?;
        for row in rows {
            let (coll, fields, unique, expire, sql_name) = row.map_err(sql_err)?;
            let fields: Vec<String> =
                serde_json::from_str(&fields).map_err(StoreError::internal)?;
            if fields.is_empty() {
                continue;
            }
            if let Some(meta) = collections.get_mut(&coll) {
                meta.indexes.push(IndexMeta {
                    sql_name,
                    spec: IndexSpec {
                        fields,
                        unique,
                        expire_after: expire.map(Duration::from_secs_f64),
                    },
                });
            }
        }
        Ok(Self {
            collections,
            dirty: false,
        })
    }

    /// The table of a collection, creating the collection if needed.
    pub fn ensure_collection(
        &mut self,
        conn: &Connection,
        name: &str,
    ) -> Result<String, StoreError> {
        if let Some(meta) = self.collections.get(name) {
            return Ok(meta.table.clone());
        }
        self.dirty = true;
        conn.execute("INSERT INTO _orx_collections (name) VALUES (?1)", [name])
            .map_err(sql_err)?;
        let table = format!("c{}", conn.last_insert_rowid());
        conn.execute_batch(&format!(
            "CREATE TABLE {table} (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, body TEXT NOT NULL)"
        ))
        .map_err(sql_err)?;
        self.collections.insert(
            name.to_owned(),
            CollectionMeta {
                table: table.clone(),
                indexes: vec![],
            },
        );
        Ok(table)
    }

    pub fn drop_collection(&mut self, conn: &Connection, name: &str) -> Result<bool, StoreError> {
        let Some(meta) = self.collections.remove(name) else {
            return Ok(false);
        };
        self.dirty = true;
        conn.execute_batch(&format!("DROP TABLE IF EXISTS {}", meta.table))
            .map_err(sql_err)?;
        conn.execute("DELETE FROM _orx_collections WHERE name = ?1", [name])
            .map_err(sql_err)?;
        conn.execute("DELETE FROM _orx_indexes WHERE collection = ?1", [name])
            .map_err(sql_err)?;
        Ok(true)
    }

    pub fn ensure_index(
        &mut self,
        conn: &Connection,
        collection: &str,
        spec: &IndexSpec,
    ) -> Result<(), StoreError> {
        spec.validate()?;
        let table = self.ensure_collection(conn, collection)?;
        if spec.fields == ["_id"] && spec.expire_after.is_none() {
            return Ok(());
        }
        let name = spec.name();
        let existing = self
            .collections
            .get(collection)
            .and_then(|m| m.indexes.iter().find(|ix| ix.spec.name() == name))
            .cloned();
        if let Some(ix) = &existing {
            if &ix.spec == spec {
                return Ok(());
            }
            self.drop_index(conn, collection, ix)?;
        }
        self.dirty = true;
        let sql_name = format!("{table}_{}", hex(&name));
        let exprs: Vec<String> = spec.fields.iter().map(|f| extract_expr(f)).collect();
        let mut sql = format!(
            "CREATE {}INDEX \"{sql_name}\" ON {table} ({})",
            if spec.unique { "UNIQUE " } else { "" },
            exprs.join(", ")
        );
        if spec.unique {
            let conds: Vec<String> = exprs.iter().map(|e| format!("{e} IS NOT NULL")).collect();
            sql.push_str(&format!(" WHERE {}", conds.join(" AND ")));
        }
        let meta = IndexMeta {
            sql_name: sql_name.clone(),
            spec: spec.clone(),
        };
        // Register first so a uniqueness failure while building names the field.
        if let Some(m) = self.collections.get_mut(collection) {
            m.indexes.push(meta);
        }
        conn.execute_batch(&sql)
            .map_err(|e| map_write_err(e, self))?;
        for (j, guard) in array_guards(&spec.fields[0]).iter().enumerate() {
            conn.execute_batch(&format!(
                "CREATE INDEX \"{sql_name}_a{j}\" ON {table} (seq) WHERE {guard}"
            ))
            .map_err(sql_err)?;
        }
        let fields = serde_json::to_string(&spec.fields).map_err(StoreError::internal)?;
        conn.execute(
            "INSERT OR REPLACE INTO _orx_indexes (collection, name, fields, is_unique, expire_secs, sql_name) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![collection, name, fields, spec.unique, spec.expire_after.map(|d| d.as_secs_f64()), sql_name],
        )
        .map_err(sql_err)?;
        Ok(())
    }

    fn drop_index(
        &mut self,
        conn: &Connection,
        collection: &str,
        ix: &IndexMeta,
    ) -> Result<(), StoreError> {
        self.dirty = true;
        conn.execute_batch(&format!("DROP INDEX IF EXISTS \"{}\"", ix.sql_name))
            .map_err(sql_err)?;
        for j in 0..array_guards(&ix.spec.fields[0]).len() {
            conn.execute_batch(&format!("DROP INDEX IF EXISTS \"{}_a{j}\"", ix.sql_name))
                .map_err(sql_err)?;
        }
        conn.execute(
            "DELETE FROM _orx_indexes WHERE collection = ?1 AND sql_name = ?2",
            params![collection, ix.sql_name],
        )
        .map_err(sql_err)?;
        if let Some(m) = self.collections.get_mut(collection) {
            m.indexes.retain(|i| i.sql_name != ix.sql_name);
        }
        Ok(())
    }

    /// Whether a table still exists (for readers whose snapshot may be stale).
    #[allow(dead_code)]
    pub fn table_exists(conn: &Connection, table: &str) -> Result<bool, StoreError> {
        conn.query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [table],
            |_| Ok(()),
        )
        .optional()
        .map(|r| r.is_some())
        .map_err(sql_err)
    }
}

/// Maps a write error, naming the field of a violated unique index.
pub(crate) fn map_write_err(e: rusqlite::Error, catalog: &Catalog) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, Some(msg)) = &e
        && f.code == rusqlite::ErrorCode::ConstraintViolation
    {
        if let Some(rest) = msg.split("index '").nth(1) {
            let name = rest.trim_end_matches('\'');
            let field = catalog
                .collections
                .values()
                .flat_map(|m| m.indexes.iter())
                .find(|ix| ix.sql_name == name)
                .map(|ix| ix.spec.fields.join(","))
                .unwrap_or_else(|| name.to_owned());
            return StoreError::DuplicateKey { field };
        }
        if msg.contains("UNIQUE") && msg.ends_with(".id") {
            return StoreError::DuplicateKey {
                field: "_id".to_owned(),
            };
        }
    }
    sql_err(e)
}
