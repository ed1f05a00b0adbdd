//! `condition`: compares two values and chooses the `true` or `false` branch.

use super::{Done, Flow, RunCx, Summarize};
use crate::compile::FieldCx;
use crate::template::Tpl;
use orchestrix_domain::{ConditionConfig, ConditionOp};
use serde_json::Value;
use std::cmp::Ordering;

#[derive(Debug, Clone)]
pub(crate) struct ConditionStep {
    left: Tpl,
    op: ConditionOp,
    right: Tpl,
}

impl ConditionStep {
    pub fn compile(c: &ConditionConfig, cx: &mut FieldCx<'_>) -> Option<Self> {
        let left = cx.tpl("left", &c.left);
        let right = match &c.right {
            Some(r) => cx.tpl("right", r),
            None if c.op.needs_right() => {
                cx.missing(
                    "right",
                    format!("'{:?}' compares with 'right'", c.op).to_lowercase(),
                );
                None
            }
            None => Some(Tpl::Const(Value::Null)),
        };
        if c.op == ConditionOp::In
            && let Some(Tpl::Const(v)) = &right
            && !v.is_array()
        {
            cx.invalid("right", "'in' needs an array on the right");
            return None;
        }
        Some(Self {
            left: left?,
            op: c.op,
            right: right?,
        })
    }

    pub fn fields(&self) -> Vec<(&str, &dyn Summarize)> {
        vec![
            ("left", &self.left as &dyn Summarize),
            ("right", &self.right),
        ]
    }

    pub fn run(&self, cx: &RunCx<'_>) -> Done {
        let left = self.left.resolve(cx.slots);
        let right = self.right.resolve(cx.slots);
        let result = evaluate(self.op, &left, &right);
        Done {
            flow: Flow::Branch(result),
            ..Done::value(Value::Bool(result))
        }
    }
}

/// Evaluates a comparison as NODES.md defines it. Missing values arrive as null.
pub(crate) fn evaluate(op: ConditionOp, left: &Value, right: &Value) -> bool {
    match op {
        ConditionOp::Eq => json_eq(left, right),
        ConditionOp::Ne => !json_eq(left, right),
        ConditionOp::Gt => order(left, right) == Some(Ordering::Greater),
        ConditionOp::Gte => matches!(
            order(left, right),
            Some(Ordering::Greater | Ordering::Equal)
        ),
        ConditionOp::Lt => order(left, right) == Some(Ordering::Less),
        ConditionOp::Lte => matches!(order(left, right), Some(Ordering::Less | Ordering::Equal)),
        ConditionOp::In => right
            .as_array()
            .is_some_and(|a| a.iter().any(|v| json_eq(v, left))),
        ConditionOp::Exists => !left.is_null(),
        ConditionOp::Truthy => truthy(left),
        ConditionOp::Falsy => !truthy(left),
    }
}

/// JavaScript truthiness: false, null, 0, NaN and "" are falsy; everything else is truthy.
pub(crate) fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// Numbers with numbers, strings with strings (code-point order); nothing else compares.
fn order(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// JSON equality where numbers compare by value (1 equals 1.0).
pub(crate) fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn comparisons() {
        use ConditionOp::*;
        assert!(evaluate(Eq, &json!(1), &json!(1.0)));
        assert!(evaluate(Ne, &json!("1"), &json!(1)));
        assert!(evaluate(Gte, &json!(18), &json!(18)));
        assert!(!evaluate(Gt, &json!("5"), &json!(3)));
        assert!(evaluate(Lt, &json!("Z"), &json!("a")));
        assert!(evaluate(In, &json!(2), &json!([1, 2.0])));
        assert!(!evaluate(In, &json!(2), &json!("2")));
        assert!(evaluate(Exists, &json!(0), &Value::Null));
        assert!(!evaluate(Exists, &Value::Null, &Value::Null));
        for falsy in [json!(false), json!(null), json!(0), json!(""), json!(0.0)] {
            assert!(evaluate(Falsy, &falsy, &Value::Null), "{falsy}");
        }
        for t in [json!([]), json!({}), json!("0"), json!(-1), json!(true)] {
            assert!(evaluate(Truthy, &t, &Value::Null), "{t}");
        }
    }
}
