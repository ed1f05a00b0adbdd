//! What a node's compiler works with: its templates' slots, what is defined upstream of it,
//! and the diagnostics it adds.

use crate::template::{Binder, Path, Tpl, build};
use orchestrix_domain::{CollectionDef, Diagnostic, DiagnosticCode};
use serde_json::Value;
use std::collections::HashMap;

/// Scope roots every run starts with, in their fixed slots.
pub(crate) const ROOTS: [&str; 4] = ["input", "headers", "query", "params"];
pub(crate) const INPUT_SLOT: usize = 0;

/// Variable names and the slots they live in during a run.
#[derive(Debug, Clone)]
pub(crate) struct SlotTable {
    pub names: Vec<String>,
    index: HashMap<String, usize>,
}

impl SlotTable {
    pub fn new() -> Self {
        let mut t = Self {
            names: Vec::new(),
            index: HashMap::new(),
        };
        for r in ROOTS {
            t.slot(r);
        }
        t
    }

    pub fn slot(&mut self, name: &str) -> usize {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), self.names.len() - 1);
        self.names.len() - 1
    }

    pub fn get(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }
}

/// A set of slots, for the data-flow analysis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bits(Vec<u64>);

impl Bits {
    pub fn with_roots(len: usize) -> Self {
        let mut b = Self(vec![0; len.div_ceil(64).max(1)]);
        for i in 0..ROOTS.len() {
            b.insert(i);
        }
        b
    }
    pub fn insert(&mut self, i: usize) {
        if let Some(w) = self.0.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }
    pub fn has(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
    pub fn intersect(&mut self, other: &Self) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a &= *b;
        }
    }
}

/// The compiler's view while one node's fields are compiled.
pub(crate) struct FieldCx<'a> {
    pub node_id: &'a str,
    pub diags: &'a mut Vec<Diagnostic>,
    pub slots: &'a mut SlotTable,
    /// Slots defined on every path to this node; `None` when unknown (a node in a cycle).
    pub defined: Option<&'a Bits>,
    /// Every slot some template reads, for `unused_output`.
    pub referenced: &'a mut Vec<bool>,
    pub catalogue: Option<&'a [CollectionDef]>,
    reported: Vec<String>,
}

struct NodeBinder<'b, 'a> {
    cx: &'b mut FieldCx<'a>,
    undefined: Vec<String>,
    legacy: Vec<String>,
}

impl Binder for NodeBinder<'_, '_> {
    fn reference(&mut self, path: &Path, legacy: bool) -> usize {
        let slot = self.cx.slots.slot(path.root());
        if self.cx.defined.is_some_and(|d| !d.has(slot)) {
            self.undefined.push(path.root().to_owned());
        }
        if legacy {
            self.legacy.push(path.to_string());
        }
        if self.cx.referenced.len() <= slot {
            self.cx.referenced.resize(slot + 1, false);
        }
        self.cx.referenced[slot] = true;
        slot
    }

    fn reads_bare(&self, root: &str) -> bool {
        self.cx.is_bound(root)
    }
}

impl<'a> FieldCx<'a> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        node_id: &'a str,
        diags: &'a mut Vec<Diagnostic>,
        slots: &'a mut SlotTable,
        defined: Option<&'a Bits>,
        referenced: &'a mut Vec<bool>,
        catalogue: Option<&'a [CollectionDef]>,
    ) -> Self {
        Self {
            node_id,
            diags,
            slots,
            defined,
            referenced,
            catalogue,
            reported: Vec::new(),
        }
    }

    /// Whether a bare dotted string with this root reads as a path: `input`, or a variable
    /// bound on every path upstream.
    pub fn is_bound(&self, root: &str) -> bool {
        if root == ROOTS[INPUT_SLOT] {
            return true;
        }
        match self.slots.get(root) {
            Some(slot) if slot >= ROOTS.len() => self.defined.is_none_or(|d| d.has(slot)),
            _ => false,
        }
    }

    /// Compiles the templates of one field, reporting what is wrong with them.
    pub fn tpl(&mut self, field: &str, v: &Value) -> Option<Tpl> {
        let mut binder = NodeBinder {
            cx: self,
            undefined: Vec::new(),
            legacy: Vec::new(),
        };
        let built = build(v, &mut binder);
        let NodeBinder {
            undefined, legacy, ..
        } = binder;
        for root in undefined {
            if self.reported.contains(&root) {
                continue;
            }
            self.push(
                DiagnosticCode::UndefinedVariable,
                field,
                format!("'{root}' is not defined on every path before this node"),
            );
            self.reported.push(root);
        }
        for path in legacy {
            self.push(
                DiagnosticCode::LegacyBareReference,
                field,
                format!("\"{path}\" is read as a variable; write \"{{{{{path}}}}}\""),
            );
        }
        match built {
            Ok(t) => Some(t),
            Err(e) => {
                let at = if e.at.is_empty() {
                    field.to_owned()
                } else {
                    format!("{field}.{}", e.at)
                };
                self.push(DiagnosticCode::InvalidField, &at, e.message);
                None
            }
        }
    }

    pub fn push(&mut self, code: DiagnosticCode, field: &str, message: impl Into<String>) {
        self.diags
            .push(Diagnostic::new(code, message).at(self.node_id).field(field));
    }

    pub fn invalid(&mut self, field: &str, message: impl Into<String>) {
        self.push(DiagnosticCode::InvalidField, field, message);
    }

    pub fn missing(&mut self, field: &str, message: impl Into<String>) {
        self.push(DiagnosticCode::MissingField, field, message);
    }
}
