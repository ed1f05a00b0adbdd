//! `emailSend`: one email through the mailer port, refusing header injection.

use super::{Done, RunCx, Summarize, invalid};
use crate::compile::FieldCx;
use crate::ports::OutgoingEmail;
use crate::template::{Tpl, render_into};
use orchestrix_domain::{Email, EmailSendConfig, ErrorCode, Problem};
use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub(crate) struct EmailStep {
    to: Tpl,
    subject: Tpl,
    body: Tpl,
    from: Option<Tpl>,
    html: bool,
}

fn text_field(cx: &mut FieldCx<'_>, field: &str, v: &Value) -> Option<Tpl> {
    let t = cx.tpl(field, v)?;
    if let Tpl::Const(c) = &t
        && !c.is_string()
    {
        cx.invalid(field, "must be a string");
        return None;
    }
    Some(t)
}

/// Strings as they are; anything else as interpolation would show it.
fn as_text(t: &Tpl, slots: &[Value]) -> String {
    match t.resolve(slots) {
        Value::String(s) => s,
        other => {
            let mut s = String::new();
            render_into(&mut s, Some(&other));
            s
        }
    }
}

fn header(field: &str, value: String) -> Result<String, Problem> {
    if value.contains(['\r', '\n']) {
        return Err(invalid(field, "must not contain line breaks"));
    }
    Ok(value)
}

impl EmailStep {
    pub fn compile(c: &EmailSendConfig, cx: &mut FieldCx<'_>) -> Option<Self> {
        let to = text_field(cx, "to", &c.to);
        let subject = text_field(cx, "subject", &c.subject);
        let body = cx.tpl("body", &c.body);
        let from = match &c.from {
            Some(f) => Some(text_field(cx, "from", f)?),
            None => None,
        };
        Some(Self {
            to: to?,
            subject: subject?,
            body: body?,
            from,
            html: c.html,
        })
    }

    pub fn fields(&self) -> Vec<(&str, &dyn Summarize)> {
        let mut f: Vec<(&str, &dyn Summarize)> = vec![
            ("to", &self.to),
            ("subject", &self.subject),
            ("body", &self.body),
        ];
        if let Some(from) = &self.from {
            f.push(("from", from));
        }
        f
    }

    pub async fn run(&self, cx: &RunCx<'_>) -> Result<Done, Problem> {
        let to = header("to", as_text(&self.to, cx.slots))?;
        let subject = header("subject", as_text(&self.subject, cx.slots))?;
        let from = match &self.from {
            Some(f) => Some(header("from", as_text(f, cx.slots))?).filter(|s| !s.trim().is_empty()),
            None => None,
        };
        for addr in to.split(',') {
            if Email::parse(addr.trim()).is_err() {
                return Err(invalid(
                    "to",
                    "must be an email address (or several, separated by commas)",
                ));
            }
        }
        let email = OutgoingEmail {
            to,
            from,
            subject,
            body: as_text(&self.body, cx.slots),
            html: self.html,
        };
        let id = cx.ports.mailer.send(&email).await.map_err(|e| {
            Problem::with_message(
                ErrorCode::UpstreamFailed,
                format!("the email was not sent: {e}"),
            )
        })?;
        Ok(Done::value(json!({ "sent": true, "messageId": id })))
    }
}
