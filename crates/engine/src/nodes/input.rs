//! `input`: binds each declared variable from the request body.

use super::secrets::{MASK, mask_keys};
use super::{Done, RunCx};
use crate::compile::{FieldCx, INPUT_SLOT};
use orchestrix_domain::{ErrorCode, InputConfig, InputVariable, Problem};
use serde_json::{Map, Value, json};

/// Whether a variable's request value is hidden in records and events.
pub(crate) fn is_secret(v: &InputVariable) -> bool {
    v.name.to_ascii_lowercase().contains("password")
        || v.var_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("password"))
}

#[derive(Debug, Clone)]
struct Var {
    name: String,
    slot: usize,
    required: bool,
    default: Option<Value>,
    secret: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct InputStep {
    vars: Vec<Var>,
}

impl InputStep {
    pub fn compile(c: &InputConfig, cx: &mut FieldCx<'_>) -> Self {
        let vars = c
            .variables
            .iter()
            .map(|v| Var {
                name: v.name.clone(),
                slot: cx.slots.slot(&v.name),
                required: v.required,
                default: v.default.clone(),
                secret: is_secret(v),
            })
            .collect();
        Self { vars }
    }

    pub fn run(&self, cx: &RunCx<'_>) -> Result<Done, Problem> {
        let input = cx.slots.get(INPUT_SLOT).and_then(Value::as_object);
        let mut extra = Vec::with_capacity(self.vars.len());
        let mut summary = Map::new();
        let mut missing = Map::new();
        for var in &self.vars {
            let value = input
                .and_then(|o| o.get(&var.name))
                .filter(|v| !v.is_null())
                .cloned()
                .or_else(|| var.default.clone())
                .unwrap_or(Value::Null);
            if var.required && value.is_null() {
                missing.insert(var.name.clone(), json!(["is required"]));
            }
            let shown = if var.secret && !value.is_null() {
                Value::String(MASK.into())
            } else {
                value.clone()
            };
            summary.insert(var.name.clone(), shown);
            extra.push((var.slot, value));
        }
        if !missing.is_empty() {
            return Err(Problem::new(ErrorCode::ValidationFailed).details(Value::Object(missing)));
        }
        let mut summary = Value::Object(summary);
        mask_keys(&mut summary);
        Ok(Done {
            value: Value::Null,
            extra,
            summary: Some(summary),
            flow: super::Flow::Next,
        })
    }
}
