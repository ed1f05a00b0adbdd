//! Field values compiled once: JSON with templates replaced by references to scope slots.

use super::path::Path;
use super::text::{Piece, Text, bare_path, parse_text, render_into};
use serde_json::{Map, Value};

/// A reference to a variable: the slot of its root in the run's scope, then the path below.
#[derive(Debug, Clone, PartialEq)]
pub struct Ref {
    pub slot: usize,
    pub path: Path,
    /// Read through the legacy bare-path rule (`"input.email"` without braces).
    pub legacy: bool,
}

impl Ref {
    fn lookup<'a>(&self, slots: &'a [Value]) -> Option<&'a Value> {
        slots.get(self.slot).and_then(|v| self.path.walk(v))
    }
}

/// One piece of an interpolated string, compiled.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Text(String),
    Ref(Ref),
}

/// A field value with its templates compiled.
#[derive(Debug, Clone, PartialEq)]
pub enum Tpl {
    /// No template inside: used as written.
    Const(Value),
    /// A whole-string template: keeps the JSON type of what it names (null when missing).
    Ref(Ref),
    /// Text with templates: always a string.
    Interp(Vec<Part>),
    Object(Vec<(String, Tpl)>),
    Array(Vec<Tpl>),
}

/// What the compiler supplies while templates are built: slots for roots and the knowledge
/// of which roots are bound upstream (for the legacy bare-path rule).
pub trait Binder {
    /// The slot of `path`'s root; called once for every reference found.
    fn reference(&mut self, path: &Path, legacy: bool) -> usize;
    /// Whether a dotted bare string starting at `root` is read as a path.
    fn reads_bare(&self, root: &str) -> bool;
}

/// A template that cannot be compiled, with where it sits below the field (`a.b.0`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    pub at: String,
    pub message: String,
}

/// Compiles every string in `v`, recursively through objects and arrays.
pub fn build(v: &Value, binder: &mut dyn Binder) -> Result<Tpl, BuildError> {
    build_at(v, binder, &mut String::new())
}

/// Compiles one string.
pub fn build_str(s: &str, binder: &mut dyn Binder) -> Result<Tpl, BuildError> {
    build_string(s, binder, "")
}

fn build_string(s: &str, binder: &mut dyn Binder, at: &str) -> Result<Tpl, BuildError> {
    let text = parse_text(s).map_err(|e| BuildError {
        at: at.to_owned(),
        message: e.to_string(),
    })?;
    Ok(match text {
        Text::Literal(s) => match bare_path(&s) {
            Some(p) if binder.reads_bare(p.root()) => Tpl::Ref(make_ref(binder, p, true)),
            _ => Tpl::Const(Value::String(s)),
        },
        Text::Whole(p) => Tpl::Ref(make_ref(binder, p, false)),
        Text::Interpolated(pieces) => Tpl::Interp(
            pieces
                .into_iter()
                .map(|p| match p {
                    Piece::Text(t) => Part::Text(t),
                    Piece::Path(p) => Part::Ref(make_ref(binder, p, false)),
                })
                .collect(),
        ),
    })
}

fn make_ref(binder: &mut dyn Binder, path: Path, legacy: bool) -> Ref {
    Ref {
        slot: binder.reference(&path, legacy),
        path,
        legacy,
    }
}

fn build_at(v: &Value, binder: &mut dyn Binder, at: &mut String) -> Result<Tpl, BuildError> {
    Ok(match v {
        Value::String(s) => build_string(s, binder, at)?,
        Value::Object(o) => {
            let mut out = Vec::with_capacity(o.len());
            for (k, child) in o {
                let len = at.len();
                push_seg(at, k);
                out.push((k.clone(), build_at(child, binder, at)?));
                at.truncate(len);
            }
            if out.iter().all(|(_, t)| matches!(t, Tpl::Const(_))) {
                Tpl::Const(Value::Object(
                    out.into_iter().map(|(k, t)| (k, t.into_const())).collect(),
                ))
            } else {
                Tpl::Object(out)
            }
        }
        Value::Array(a) => {
            let mut out = Vec::with_capacity(a.len());
            for (i, child) in a.iter().enumerate() {
                let len = at.len();
                push_seg(at, &i.to_string());
                out.push(build_at(child, binder, at)?);
                at.truncate(len);
            }
            if out.iter().all(|t| matches!(t, Tpl::Const(_))) {
                Tpl::Const(Value::Array(out.into_iter().map(Tpl::into_const).collect()))
            } else {
                Tpl::Array(out)
            }
        }
        other => Tpl::Const(other.clone()),
    })
}

fn push_seg(at: &mut String, seg: &str) {
    if !at.is_empty() {
        at.push('.');
    }
    at.push_str(seg);
}

impl Tpl {
    /// The constant inside (null for anything else); only called on `Const`.
    fn into_const(self) -> Value {
        match self {
            Self::Const(v) => v,
            _ => Value::Null,
        }
    }

    /// The value this template stands for in a scope.
    pub fn resolve(&self, slots: &[Value]) -> Value {
        self.resolve_with(slots, None)
    }

    /// Like [`Tpl::resolve`], but every reference to a slot `secret` names renders `"***"`:
    /// what execution records and events show.
    pub fn resolve_masked(&self, slots: &[Value], secret: &dyn Fn(usize) -> bool) -> Value {
        self.resolve_with(slots, Some(secret))
    }

    fn resolve_with(&self, slots: &[Value], secret: Option<&dyn Fn(usize) -> bool>) -> Value {
        let hidden = |r: &Ref| secret.is_some_and(|s| s(r.slot));
        match self {
            Self::Const(v) => v.clone(),
            Self::Ref(r) if hidden(r) => Value::String("***".into()),
            Self::Ref(r) => r.lookup(slots).cloned().unwrap_or(Value::Null),
            Self::Interp(parts) => {
                let mut out = String::new();
                for p in parts {
                    match p {
                        Part::Text(t) => out.push_str(t),
                        Part::Ref(r) if hidden(r) => out.push_str("***"),
                        Part::Ref(r) => render_into(&mut out, r.lookup(slots)),
                    }
                }
                Value::String(out)
            }
            Self::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, t)| (k.clone(), t.resolve_with(slots, secret)))
                    .collect::<Map<_, _>>(),
            ),
            Self::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|t| t.resolve_with(slots, secret))
                    .collect(),
            ),
        }
    }

    /// Calls `f` for every reference inside.
    pub fn for_each_ref(&self, f: &mut dyn FnMut(&Ref)) {
        match self {
            Self::Const(_) => {}
            Self::Ref(r) => f(r),
            Self::Interp(parts) => parts.iter().for_each(|p| {
                if let Part::Ref(r) = p {
                    f(r)
                }
            }),
            Self::Object(fields) => fields.iter().for_each(|(_, t)| t.for_each_ref(f)),
            Self::Array(items) => items.iter().for_each(|t| t.for_each_ref(f)),
        }
    }

    /// The value when nothing inside depends on the run.
    pub fn as_const(&self) -> Option<&Value> {
        match self {
            Self::Const(v) => Some(v),
            _ => None,
        }
    }
}
