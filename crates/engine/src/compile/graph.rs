//! The shape of a workflow: ids, edges, topological order, cycles and reachability.

use orchestrix_domain::{BranchHandle, Diagnostic, DiagnosticCode, NodeKind, Workflow};
use std::collections::{HashMap, HashSet, VecDeque};

/// An edge into a node: its source (index into the workflow's nodes) and, for an edge out
/// of a `condition`, the branch it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Incoming {
    pub source: usize,
    pub branch: Option<BranchHandle>,
}

pub(crate) struct Graph {
    /// Nodes that take part (not a duplicate id), in topological order.
    pub order: Vec<usize>,
    pub preds: Vec<Vec<Incoming>>,
    /// Nodes left over by Kahn's algorithm: on or after a cycle.
    pub cyclic: Vec<usize>,
}

pub(crate) fn analyse(
    wf: &Workflow,
    kinds: &[Option<NodeKind>],
    diags: &mut Vec<Diagnostic>,
) -> Graph {
    let n = wf.nodes.len();
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(n);
    let mut usable = vec![true; n];
    for (i, node) in wf.nodes.iter().enumerate() {
        if node.id.trim().is_empty() {
            usable[i] = false;
            diags.push(
                Diagnostic::new(DiagnosticCode::MissingField, format!("step {i} has no id"))
                    .field("id"),
            );
        } else if index.contains_key(node.id.as_str()) {
            usable[i] = false;
            diags.push(
                Diagnostic::new(
                    DiagnosticCode::DuplicateNodeId,
                    format!("more than one node has the id '{}'", node.id),
                )
                .at(&node.id)
                .field("id"),
            );
        } else {
            index.insert(&node.id, i);
        }
    }

    let mut preds: Vec<Vec<Incoming>> = vec![Vec::new(); n];
    let mut succs: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut seen = HashSet::new();
    for edge in &wf.edges {
        let (Some(&s), Some(&t)) = (
            index.get(edge.source.as_str()),
            index.get(edge.target.as_str()),
        ) else {
            let missing = if index.contains_key(edge.source.as_str()) {
                &edge.target
            } else {
                &edge.source
            };
            let mut d = Diagnostic::new(
                DiagnosticCode::DanglingEdge,
                format!(
                    "the edge {} -> {} points to '{missing}', which is not a node",
                    edge.source, edge.target
                ),
            );
            if index.contains_key(edge.source.as_str()) {
                d = d.at(&edge.source);
            } else if index.contains_key(edge.target.as_str()) {
                d = d.at(&edge.target);
            }
            diags.push(d);
            continue;
        };
        let branch = if kinds[s] == Some(NodeKind::Condition) {
            let b = edge.branch();
            if b.is_none() {
                diags.push(
                    Diagnostic::new(
                        DiagnosticCode::InvalidField,
                        format!(
                            "the edge {} -> {} leaves a condition without sourceHandle \"true\" or \"false\"",
                            edge.source, edge.target
                        ),
                    )
                    .at(&edge.source)
                    .field("sourceHandle"),
                );
            }
            b
        } else {
            None
        };
        if !seen.insert((s, t, branch)) {
            continue;
        }
        preds[t].push(Incoming { source: s, branch });
        succs[s].push(t);
    }
    for list in &mut succs {
        list.sort_unstable();
        list.dedup();
    }

    // Kahn's algorithm with a FIFO queue: nodes ready at the same time run in listed order.
    let mut indegree: Vec<usize> = (0..n)
        .map(|i| {
            let mut sources: Vec<usize> = preds[i].iter().map(|p| p.source).collect();
            sources.sort_unstable();
            sources.dedup();
            sources.len()
        })
        .collect();
    let mut queue: VecDeque<usize> = (0..n).filter(|&i| usable[i] && indegree[i] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(i) = queue.pop_front() {
        order.push(i);
        for &t in &succs[i] {
            indegree[t] -= 1;
            if indegree[t] == 0 {
                queue.push_back(t);
            }
        }
    }
    let cyclic: Vec<usize> = (0..n).filter(|&i| usable[i] && indegree[i] > 0).collect();
    if let Some(cycle) = find_cycle(&cyclic, &preds, &indegree) {
        let names: Vec<&str> = cycle.iter().map(|&i| wf.nodes[i].id.as_str()).collect();
        diags.push(
            Diagnostic::new(
                DiagnosticCode::Cycle,
                format!("the workflow loops: {}", names.join(" -> ")),
            )
            .at(names[0]),
        );
    }

    report_unreachable(wf, kinds, &usable, &preds, &succs, diags);
    Graph {
        order,
        preds,
        cyclic,
    }
}

/// Walks predecessors among the left-over nodes until one repeats: that loop is a cycle.
fn find_cycle(cyclic: &[usize], preds: &[Vec<Incoming>], indegree: &[usize]) -> Option<Vec<usize>> {
    let mut cur = *cyclic.first()?;
    let mut path: Vec<usize> = Vec::new();
    loop {
        if let Some(pos) = path.iter().position(|&p| p == cur) {
            let mut cycle: Vec<usize> = path[pos..].to_vec();
            cycle.reverse();
            cycle.push(cycle[0]);
            return Some(cycle);
        }
        path.push(cur);
        cur = preds[cur]
            .iter()
            .map(|p| p.source)
            .find(|&s| indegree[s] > 0)?;
    }
}

/// Entry nodes have no incoming edge; a path through a `response` node ends there.
fn report_unreachable(
    wf: &Workflow,
    kinds: &[Option<NodeKind>],
    usable: &[bool],
    preds: &[Vec<Incoming>],
    succs: &[Vec<usize>],
    diags: &mut Vec<Diagnostic>,
) {
    let n = wf.nodes.len();
    let mut reached = vec![false; n];
    let mut stack: Vec<usize> = (0..n)
        .filter(|&i| usable[i] && preds[i].is_empty())
        .collect();
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut reached[i], true) {
            continue;
        }
        if kinds[i] == Some(NodeKind::Response) {
            continue;
        }
        stack.extend(succs[i].iter().copied().filter(|&t| !reached[t]));
    }
    for i in (0..n).filter(|&i| usable[i] && !reached[i]) {
        diags.push(
            Diagnostic::new(
                DiagnosticCode::UnreachableNode,
                format!(
                    "'{}' never runs: no path from an entry node reaches it without passing a response",
                    wf.nodes[i].id
                ),
            )
            .at(&wf.nodes[i].id),
        );
    }
}
