//! Compile: a normalised workflow -> a checked [`Plan`] and diagnostics.
//!
//! Structure first (ids, edges, order, cycles, reachability), then each node's typed
//! configuration, then a data-flow pass in topological order that knows which variables are
//! defined on every path into each node. Templates are compiled here, once; a run never
//! parses a template.

mod cx;
mod graph;

pub(crate) use cx::{FieldCx, INPUT_SLOT, ROOTS};

use crate::nodes::{self, Step};
use crate::template::Path;
use cx::{Bits, SlotTable};
use orchestrix_domain::{
    BranchHandle, CollectionDef, ConfigErrorKind, Diagnostic, DiagnosticCode, NodeConfig, NodeKind,
    Workflow,
};

/// What the compiler may know beyond the workflow itself.
#[derive(Debug, Clone)]
pub struct CompileOptions {
    /// More nodes than this is `too_many_nodes`.
    pub max_nodes: usize,
    /// The owner's collection definitions; when given, unknown collection names warn.
    pub collections: Option<Vec<CollectionDef>>,
}

impl Default for CompileOptions {
    fn default() -> Self {
        Self {
            max_nodes: 500,
            collections: None,
        }
    }
}

/// The result of compiling: a plan when there is no error, and every finding.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub plan: Option<Plan>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Compiled {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// A checked workflow, ready to run any number of times (it is `Send + Sync`; cache it).
#[derive(Debug, Clone)]
pub struct Plan {
    pub(crate) nodes: Vec<PlanNode>,
    pub(crate) slot_names: Vec<String>,
    pub(crate) secret: Vec<bool>,
    pub(crate) has_response: bool,
}

impl Plan {
    /// The node ids in the order they run.
    pub fn order(&self) -> impl Iterator<Item = &str> {
        self.nodes.iter().map(|n| n.id.as_str())
    }

    /// How many nodes the plan has.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Whether some node is a `response`.
    pub fn has_response(&self) -> bool {
        self.has_response
    }
}

#[derive(Debug, Clone)]
pub(crate) struct PlanNode {
    pub id: String,
    pub label: String,
    pub kind: NodeKind,
    pub step: Step,
    /// Edges in: the position of the source in the plan, and the branch for a condition.
    pub incoming: Vec<(usize, Option<BranchHandle>)>,
    /// The slot the node's result is bound to.
    pub output: Option<usize>,
}

/// Compiles a workflow. Never fails: everything wrong is a diagnostic.
pub fn compile(source: &Workflow, options: &CompileOptions) -> Compiled {
    let mut diags = Vec::new();
    let n = source.nodes.len();
    if n > options.max_nodes {
        diags.push(Diagnostic::new(
            DiagnosticCode::TooManyNodes,
            format!("{n} nodes; the limit is {}", options.max_nodes),
        ));
        return Compiled {
            plan: None,
            diagnostics: diags,
        };
    }

    let kinds: Vec<Option<NodeKind>> = source.nodes.iter().map(|n| n.kind()).collect();
    let mut configs: Vec<Option<NodeConfig>> = Vec::with_capacity(n);
    for (node, kind) in source.nodes.iter().zip(&kinds) {
        let Some(kind) = kind else {
            let d = if node.node_type.trim().is_empty() {
                Diagnostic::new(DiagnosticCode::MissingField, "the node has no type")
            } else {
                Diagnostic::new(
                    DiagnosticCode::UnknownNodeType,
                    format!("'{}' is not a node type", node.node_type),
                )
            };
            diags.push(d.at(&node.id).field("type"));
            configs.push(None);
            continue;
        };
        match NodeConfig::parse(*kind, &node.fields) {
            Ok(c) => configs.push(Some(c)),
            Err(e) => {
                let code = match e.kind {
                    ConfigErrorKind::Missing => DiagnosticCode::MissingField,
                    ConfigErrorKind::Invalid => DiagnosticCode::InvalidField,
                };
                diags.push(Diagnostic::new(code, e.message).at(&node.id).field(e.field));
                configs.push(None);
            }
        }
    }

    let graph = graph::analyse(source, &kinds, &mut diags);

    // Names each node binds, and the slots they live in.
    let mut slots = SlotTable::new();
    let mut secret_names = Vec::new();
    let mut binds: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, config) in configs.iter().enumerate() {
        let id = &source.nodes[i].id;
        match config {
            Some(NodeConfig::Input(c)) => {
                for (vi, v) in c.variables.iter().enumerate() {
                    let field = format!("variables[{vi}].name");
                    if check_name(&v.name, id, &field, &mut diags) {
                        binds[i].push(slots.slot(&v.name));
                        if nodes::input::is_secret(v) {
                            secret_names.push(v.name.clone());
                        }
                    }
                }
            }
            Some(c) => {
                if let Some(name) = c.output_name()
                    && check_name(name, id, "output", &mut diags)
                {
                    binds[i].push(slots.slot(name));
                }
            }
            None => {}
        }
    }
    let mut secret = vec![false; slots.names.len()];
    for name in &secret_names {
        if let Some(s) = slots.get(name) {
            secret[s] = true;
        }
    }

    // Data flow: the slots defined on every path into each node.
    let width = slots.names.len();
    let mut defined_out: Vec<Option<Bits>> = vec![None; n];
    let mut defined_in: Vec<Option<Bits>> = vec![None; n];
    for &i in &graph.order {
        let mut set: Option<Bits> = None;
        for p in &graph.preds[i] {
            if let Some(out) = &defined_out[p.source] {
                match &mut set {
                    Some(s) => s.intersect(out),
                    None => set = Some(out.clone()),
                }
            }
        }
        let input = set.unwrap_or_else(|| Bits::with_roots(width));
        let mut out = input.clone();
        for &b in &binds[i] {
            out.insert(b);
        }
        defined_in[i] = Some(input);
        defined_out[i] = Some(out);
    }

    // Each node's fields, with templates compiled against what is defined upstream.
    let mut referenced = vec![false; width];
    let mut steps: Vec<Option<Step>> = vec![None; n];
    for &i in graph.order.iter().chain(&graph.cyclic) {
        let Some(config) = &configs[i] else { continue };
        let mut cx = FieldCx::new(
            &source.nodes[i].id,
            &mut diags,
            &mut slots,
            defined_in[i].as_ref(),
            &mut referenced,
            options.collections.as_deref(),
        );
        steps[i] = nodes::compile_step(config, &mut cx);
    }

    report_unused(source, &configs, &binds, &referenced, &mut diags);
    let has_response = kinds.contains(&Some(NodeKind::Response));
    if !has_response {
        diags.push(Diagnostic::new(
            DiagnosticCode::NoResponse,
            "no response node: a run answers 200 with a summary of its variables",
        ));
    }

    if diags.iter().any(Diagnostic::is_error) {
        return Compiled {
            plan: None,
            diagnostics: diags,
        };
    }
    let mut position = vec![usize::MAX; n];
    for (pos, &i) in graph.order.iter().enumerate() {
        position[i] = pos;
    }
    let mut plan_nodes = Vec::with_capacity(graph.order.len());
    for &i in &graph.order {
        let (Some(kind), Some(step)) = (kinds[i], steps[i].take()) else {
            continue;
        };
        let node = &source.nodes[i];
        plan_nodes.push(PlanNode {
            id: node.id.clone(),
            label: node.label.clone(),
            kind,
            step,
            incoming: graph.preds[i]
                .iter()
                .map(|p| (position[p.source], p.branch))
                .collect(),
            output: if kind == NodeKind::Input {
                None
            } else {
                binds[i].first().copied()
            },
        });
    }
    secret.resize(slots.names.len(), false);
    Compiled {
        plan: Some(Plan {
            nodes: plan_nodes,
            slot_names: slots.names,
            secret,
            has_response,
        }),
        diagnostics: diags,
    }
}

/// A bound name must be one path segment and must not shadow a scope root.
fn check_name(name: &str, node_id: &str, field: &str, diags: &mut Vec<Diagnostic>) -> bool {
    let problem = if Path::parse(name).is_none_or(|p| p.len() != 1) {
        Some(format!(
            "'{name}' is not a usable variable name (no '.', braces or spaces)"
        ))
    } else if ROOTS.contains(&name) {
        Some(format!("'{name}' is reserved for the request"))
    } else {
        None
    };
    match problem {
        Some(message) => {
            diags.push(
                Diagnostic::new(DiagnosticCode::InvalidField, message)
                    .at(node_id)
                    .field(field),
            );
            false
        }
        None => true,
    }
}

/// A result nobody reads: warned when the author named it, or when producing it is the
/// node's only effect (`dbFind`, `jwtGenerate`). Workflows without a response node return
/// their variables in the summary, so nothing there is unused.
fn report_unused(
    source: &Workflow,
    configs: &[Option<NodeConfig>],
    binds: &[Vec<usize>],
    referenced: &[bool],
    diags: &mut Vec<Diagnostic>,
) {
    if !configs
        .iter()
        .any(|c| matches!(c, Some(NodeConfig::Response(_))))
    {
        return;
    }
    for (i, config) in configs.iter().enumerate() {
        let Some(config) = config else { continue };
        let named = nodes::explicit_output(config);
        let pure = matches!(config.kind(), NodeKind::DbFind | NodeKind::JwtGenerate);
        if !(named || pure) || matches!(config, NodeConfig::Input(_)) {
            continue;
        }
        let Some(&slot) = binds[i].first() else {
            continue;
        };
        if !referenced.get(slot).copied().unwrap_or(false) {
            let name = config.output_name().unwrap_or_default();
            diags.push(
                Diagnostic::new(
                    DiagnosticCode::UnusedOutput,
                    format!("nothing reads '{name}'"),
                )
                .at(&source.nodes[i].id)
                .field("output"),
            );
        }
    }
}
