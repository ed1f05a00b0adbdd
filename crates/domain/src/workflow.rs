//! Workflows in the two shapes clients send, normalised into one representation.
//!
//! Graph form: `nodes: [{id, type, position?, data:{label, fields}}]` plus `edges`.
//! Flat form (the seed engine's `steps`): `[{id, type, …fields}]` run in array order.
//! A flat workflow becomes the chain of its steps, which gives every step exactly the
//! upstream nodes the flat form promises (all earlier ones), so both shapes compile and run
//! through the same code.

use crate::ParseError;
use crate::node::{ConfigError, NodeConfig, NodeKind};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A workflow as a client sends it: `steps` (or `nodes`) and optional `edges`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkflowSource {
    #[serde(alias = "nodes", default)]
    pub steps: Vec<Value>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub edges: Vec<Value>,
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Value>, D::Error> {
    Ok(Option::<Vec<Value>>::deserialize(d)?.unwrap_or_default())
}

/// Which shape a workflow arrived in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkflowShape {
    Graph,
    Flat,
}

impl WorkflowSource {
    /// Empty or absent `edges` mean the flat form.
    pub fn shape(&self) -> WorkflowShape {
        if self.edges.is_empty() {
            WorkflowShape::Flat
        } else {
            WorkflowShape::Graph
        }
    }
}

/// One node: its id, its type as written, its step name and its merged fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Node {
    pub id: String,
    /// The type as the client wrote it; [`Node::kind`] says whether it is one we know.
    pub node_type: String,
    /// The step name shown in logs: `data.label`, else `name`, else the id.
    pub label: String,
    /// `data.fields` merged over the node's top-level fields.
    pub fields: Map<String, Value>,
}

/// The branch an edge leaving a `condition` node belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BranchHandle {
    True,
    False,
}

/// A directed edge between two node ids.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Edge {
    pub source: String,
    pub target: String,
    /// `sourceHandle` as written (`"true"`, `"false"`, or anything else a canvas sends).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_handle: Option<String>,
}

impl Edge {
    /// The branch this edge belongs to, when its handle names one.
    pub fn branch(&self) -> Option<BranchHandle> {
        match self
            .source_handle
            .as_deref()?
            .trim()
            .to_ascii_lowercase()
            .as_str()
        {
            "true" | "yes" => Some(BranchHandle::True),
            "false" | "no" => Some(BranchHandle::False),
            _ => None,
        }
    }
}

/// The one representation both shapes normalise into.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workflow {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

/// Keys a canvas puts on a node that are layout, not configuration.
const LAYOUT_KEYS: &[&str] = &[
    "id",
    "type",
    "data",
    "name",
    "label",
    "position",
    "positionAbsolute",
    "width",
    "height",
    "selected",
    "dragging",
    "measured",
    "sourcePosition",
    "targetPosition",
    "style",
    "className",
    "hidden",
    "zIndex",
    "draggable",
    "selectable",
    "connectable",
    "deletable",
];

impl Workflow {
    /// Normalises either shape. Fails only when the JSON is not shaped like a workflow at
    /// all (a node that is not an object, an edge without endpoints); everything else —
    /// unknown types, duplicate ids, bad fields — is for the compiler to report.
    pub fn normalize(source: &WorkflowSource) -> Result<Self, ParseError> {
        let nodes = source
            .steps
            .iter()
            .enumerate()
            .map(|(i, v)| Node::from_json(i, v))
            .collect::<Result<Vec<_>, _>>()?;
        let edges = match source.shape() {
            WorkflowShape::Flat => nodes
                .windows(2)
                .map(|w| Edge {
                    source: w[0].id.clone(),
                    target: w[1].id.clone(),
                    source_handle: None,
                })
                .collect(),
            WorkflowShape::Graph => source
                .edges
                .iter()
                .enumerate()
                .map(|(i, v)| Edge::from_json(i, v))
                .collect::<Result<Vec<_>, _>>()?,
        };
        Ok(Self { nodes, edges })
    }

    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }
}

fn id_string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl Node {
    fn from_json(index: usize, v: &Value) -> Result<Self, ParseError> {
        let Value::Object(o) = v else {
            return Err(ParseError::new(
                "workflow",
                format!("step {index} is not an object"),
            ));
        };
        let id = id_string(o.get("id")).unwrap_or_default();
        let node_type = o
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let data = o.get("data").and_then(Value::as_object);
        let mut fields: Map<String, Value> = o
            .iter()
            .filter(|(k, _)| !LAYOUT_KEYS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        // In the flat form `data` is a field (dbInsert / dbUpdate), not the canvas's
        // `{label, fields}` wrapper: an object with neither key is taken as the field.
        if let Some(d) = data
            && !d.is_empty()
            && !d.contains_key("fields")
            && !d.contains_key("label")
        {
            fields.insert("data".to_owned(), Value::Object(d.clone()));
        }
        if let Some(Value::Object(inner)) = data.and_then(|d| d.get("fields")) {
            for (k, v) in inner {
                fields.insert(k.clone(), v.clone());
            }
        }
        let label = data
            .and_then(|d| d.get("label"))
            .or_else(|| o.get("name"))
            .or_else(|| o.get("label"))
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .map_or_else(|| id.clone(), str::to_owned);
        Ok(Self {
            id,
            node_type,
            label,
            fields,
        })
    }

    /// The node's kind, or `None` for a type Orchestrix does not know.
    pub fn kind(&self) -> Option<NodeKind> {
        NodeKind::parse(&self.node_type)
    }

    /// The node's typed configuration; `None` for an unknown type.
    pub fn config(&self) -> Option<Result<NodeConfig, ConfigError>> {
        self.kind().map(|k| NodeConfig::parse(k, &self.fields))
    }
}

impl Edge {
    fn from_json(index: usize, v: &Value) -> Result<Self, ParseError> {
        let bad = || {
            ParseError::new(
                "workflow",
                format!("edge {index} needs a source and a target"),
            )
        };
        let o = v.as_object().ok_or_else(bad)?;
        Ok(Self {
            source: id_string(o.get("source")).ok_or_else(bad)?,
            target: id_string(o.get("target")).ok_or_else(bad)?,
            source_handle: o
                .get("sourceHandle")
                .and_then(Value::as_str)
                .map(str::to_owned),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn source(v: Value) -> WorkflowSource {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn graph_and_flat_forms_of_one_workflow_normalise_equal() {
        let graph = source(json!({
            "nodes": [
                {"id": "in", "type": "input", "position": {"x": 1, "y": 2},
                 "data": {"label": "User Input", "fields": {"variables": [{"name": "email"}]}}},
                {"id": "find", "type": "dbFind",
                 "data": {"label": "Find", "fields": {"collection": "users", "filters": {"email": "{{email}}"}}}},
                {"id": "out", "type": "response", "data": {"label": "Reply", "fields": {"status": 200, "body": {"user": "{{found}}"}}}}
            ],
            "edges": [
                {"id": "e1", "source": "in", "target": "find"},
                {"id": "e2", "source": "find", "target": "out", "sourceHandle": null}
            ]
        }));
        let flat = source(json!({
            "steps": [
                {"id": "in", "type": "input", "name": "User Input", "variables": [{"name": "email"}]},
                {"id": "find", "type": "dbFind", "name": "Find", "collection": "users", "filters": {"email": "{{email}}"}},
                {"id": "out", "type": "response", "name": "Reply", "status": 200, "body": {"user": "{{found}}"}}
            ]
        }));
        assert_eq!(graph.shape(), WorkflowShape::Graph);
        assert_eq!(flat.shape(), WorkflowShape::Flat);
        let g = Workflow::normalize(&graph).unwrap();
        let f = Workflow::normalize(&flat).unwrap();
        assert_eq!(g, f);
        assert_eq!(g.nodes[0].label, "User Input");
        assert_eq!(g.edges.len(), 2);
    }

    #[test]
    fn data_fields_win_over_top_level_fields_and_label_defaults_to_id() {
        let wf = Workflow::normalize(&source(json!({"steps": [
            {"id": 7, "type": "response", "status": 201, "data": {"fields": {"status": 202}}}
        ]})))
        .unwrap();
        let n = &wf.nodes[0];
        assert_eq!(n.id, "7");
        assert_eq!(n.label, "7");
        assert_eq!(n.fields["status"], json!(202));
        assert!(!n.fields.contains_key("data"));
    }

    #[test]
    fn a_flat_data_field_is_a_field_not_the_canvas_wrapper() {
        let wf = Workflow::normalize(&source(json!({"steps": [
            {"id": "a", "type": "dbInsert", "collection": "c", "data": {"email": "x"}},
            {"id": "b", "type": "dbInsert", "data": {"label": "B", "fields": {"collection": "c", "data": {"k": 1}}}}
        ]})))
        .unwrap();
        assert_eq!(wf.nodes[0].fields["data"], json!({"email": "x"}));
        assert_eq!(wf.nodes[1].fields["data"], json!({"k": 1}));
        assert_eq!(wf.nodes[1].label, "B");
    }

    #[test]
    fn edges_null_means_flat_and_broken_shapes_fail() {
        let s = source(
            json!({"steps": [{"id": "a", "type": "input"}, {"id": "b", "type": "response"}], "edges": null}),
        );
        assert_eq!(Workflow::normalize(&s).unwrap().edges.len(), 1);
        assert!(Workflow::normalize(&source(json!({"steps": [1]}))).is_err());
        assert!(
            Workflow::normalize(&source(
                json!({"steps": [{"id": "a"}], "edges": [{"source": "a"}]})
            ))
            .is_err()
        );
    }

    #[test]
    fn branch_handles() {
        let e = |h: Option<&str>| Edge {
            source: "a".into(),
            target: "b".into(),
            source_handle: h.map(Into::into),
        };
        assert_eq!(e(Some("true")).branch(), Some(BranchHandle::True));
        assert_eq!(e(Some("False")).branch(), Some(BranchHandle::False));
        assert_eq!(e(Some("out")).branch(), None);
        assert_eq!(e(None).branch(), None);
    }
}
