//! Include / exclude projections.

use super::path::validate_field_path;
use crate::StoreError;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A parsed projection: either the fields to keep (plus `_id` unless excluded) or the
/// fields to drop.
#[derive(Debug, Clone, Default)]
pub struct Projection {
    include: bool,
    tree: Tree,
    /// Whether no projection was given.
    identity: bool,
}

#[derive(Debug, Clone, Default)]
struct Tree(BTreeMap<String, Node>);

#[derive(Debug, Clone)]
enum Node {
    Leaf,
    Sub(Tree),
}

impl Tree {
    fn insert(&mut self, path: &str) {
        let mut cur = self;
        let segments: Vec<&str> = path.split('.').collect();
        for (i, seg) in segments.iter().enumerate() {
            if i + 1 == segments.len() {
                cur.0.insert((*seg).to_owned(), Node::Leaf);
                return;
            }
            let node = cur
                .0
                .entry((*seg).to_owned())
                .or_insert_with(|| Node::Sub(Tree::default()));
            match node {
                Node::Leaf => return,
                Node::Sub(t) => cur = t,
            }
        }
    }
}

fn flag(path: &str, v: &Value) -> Result<bool, StoreError> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Number(n) => Ok(n.as_f64() != Some(0.0)),
        _ => Err(StoreError::invalid(format!(
            "projection of '{path}' must be 0, 1, true or false"
        ))),
    }
}

impl Projection {
    /// Parses a projection; `null` or `{}` keeps documents whole.
    pub fn parse(projection: &Value) -> Result<Self, StoreError> {
        let m = match projection {
            Value::Null => {
                return Ok(Self {
                    identity: true,
                    ..Self::default()
                });
            }
            Value::Object(m) if m.is_empty() => {
                return Ok(Self {
                    identity: true,
                    ..Self::default()
                });
            }
            Value::Object(m) => m,
            other => {
                return Err(StoreError::invalid(format!(
                    "a projection must be an object, not {other}"
                )));
            }
        };
        let mut includes = Vec::new();
        let mut excludes = Vec::new();
        let mut id_included = true;
        for (path, v) in m {
            validate_field_path(path)?;
            let keep = flag(path, v)?;
            if path == "_id" {
                id_included = keep;
            } else if keep {
                includes.push(path.as_str());
            } else {
                excludes.push(path.as_str());
            }
        }
        if !includes.is_empty() && !excludes.is_empty() {
            return Err(StoreError::invalid(
                "a projection cannot both include and exclude fields (other than _id)",
            ));
        }
        let include = !includes.is_empty() || (excludes.is_empty() && id_included);
        let mut tree = Tree::default();
        if include {
            for p in includes {
                tree.insert(p);
            }
            if id_included {
                tree.insert("_id");
            }
        } else {
            for p in excludes {
                tree.insert(p);
            }
            if !id_included {
                tree.insert("_id");
            }
        }
        Ok(Self {
            include,
            tree,
            identity: false,
        })
    }

    /// Applies the projection to a document.
    pub fn apply(&self, doc: Value) -> Value {
        if self.identity {
            return doc;
        }
        match doc {
            Value::Object(m) => Value::Object(if self.include {
                include(m, &self.tree)
            } else {
                exclude(m, &self.tree)
            }),
            other => other,
        }
    }
}

fn include(m: Map<String, Value>, tree: &Tree) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in m {
        match tree.0.get(&k) {
            None => {}
            Some(Node::Leaf) => {
                out.insert(k, v);
            }
            Some(Node::Sub(sub)) => match v {
                Value::Object(inner) => {
                    out.insert(k, Value::Object(include(inner, sub)));
                }
                Value::Array(items) => {
                    let kept = items
                        .into_iter()
                        .filter_map(|item| match item {
                            Value::Object(inner) => Some(Value::Object(include(inner, sub))),
                            _ => None,
                        })
                        .collect();
                    out.insert(k, Value::Array(kept));
                }
                _ => {}
            },
        }
    }
    out
}

fn exclude(mut m: Map<String, Value>, tree: &Tree) -> Map<String, Value> {
    for (k, node) in &tree.0 {
        match node {
            Node::Leaf => {
                m.shift_remove(k);
            }
            Node::Sub(sub) => {
                if let Some(v) = m.get_mut(k) {
                    let taken = std::mem::take(v);
                    *v = match taken {
                        Value::Object(inner) => Value::Object(exclude(inner, sub)),
                        Value::Array(items) => Value::Array(
                            items
                                .into_iter()
                                .map(|item| match item {
                                    Value::Object(inner) => Value::Object(exclude(inner, sub)),
                                    other => other,
                                })
                                .collect(),
                        ),
                        other => other,
                    };
                }
            }
        }
    }
    m
}
