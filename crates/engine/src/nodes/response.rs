//! `response`: ends the run; its status, headers and body become the HTTP answer.

use super::{Done, Flow, RunCx, Summarize};
use crate::compile::FieldCx;
use crate::template::{Tpl, render_into};
use orchestrix_domain::{ErrorCode, Problem, ResponseConfig};
use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub(crate) struct ResponseStep {
    status: Tpl,
    headers: Option<Tpl>,
    body: Tpl,
}

fn status_of(v: &Value) -> Option<u16> {
    let n = match v {
        Value::Number(n) => n.as_u64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    u16::try_from(n).ok().filter(|s| (100..=599).contains(s))
}

impl ResponseStep {
    pub fn compile(c: &ResponseConfig, cx: &mut FieldCx<'_>) -> Option<Self> {
        let status = cx.tpl("status", &c.status)?;
        if let Tpl::Const(v) = &status
            && status_of(v).is_none()
        {
            cx.invalid("status", "must be an HTTP status between 100 and 599");
            return None;
        }
        let headers = match &c.headers {
            Some(h @ Value::Object(_)) => Some(cx.tpl("headers", h)?),
            Some(h @ Value::String(s)) if s.contains("{{") => Some(cx.tpl("headers", h)?),
            Some(_) => {
                cx.invalid("headers", "must be an object of header names and values");
                return None;
            }
            None => None,
        };
        let body = match &c.body {
            Some(b) => cx.tpl("body", b)?,
            None => Tpl::Const(json!({})),
        };
        Some(Self {
            status,
            headers,
            body,
        })
    }

    pub fn fields(&self) -> Vec<(&str, &dyn Summarize)> {
        vec![
            ("status", &self.status as &dyn Summarize),
            ("body", &self.body),
        ]
    }

    pub fn run(&self, cx: &RunCx<'_>) -> Result<Done, Problem> {
        let status = status_of(&self.status.resolve(cx.slots)).ok_or_else(|| {
            Problem::with_message(
                ErrorCode::NodeFailed,
                "the response status is not an HTTP status",
            )
        })?;
        let mut headers = Vec::new();
        if let Some(Value::Object(o)) = self.headers.as_ref().map(|h| h.resolve(cx.slots)) {
            for (k, v) in o {
                let mut text = String::new();
                render_into(&mut text, Some(&v));
                if k.contains(['\r', '\n', ':']) || text.contains(['\r', '\n']) {
                    return Err(Problem::with_message(
                        ErrorCode::NodeFailed,
                        "a response header contains a line break",
                    ));
                }
                headers.push((k, text));
            }
        }
        let body = self.body.resolve(cx.slots);
        let value = json!({"status": status, "body": body});
        Ok(Done {
            flow: Flow::Respond {
                status,
                headers,
                body,
            },
            ..Done::value(value)
        })
    }
}
