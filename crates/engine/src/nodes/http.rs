//! `httpRequest`: one outbound call through the HTTP port, to allowed addresses only.

use super::{Done, RunCx, Summarize, invalid};
use crate::compile::FieldCx;
use crate::ports::{HttpError, OutboundRequest};
use crate::template::{Tpl, render_into};
use orchestrix_domain::{ErrorCode, HttpMethod, HttpRequestConfig, Problem};
use serde_json::{Map, Value, json};

#[derive(Debug, Clone)]
pub(crate) struct HttpStep {
    method: &'static str,
    url: Tpl,
    headers: Option<Tpl>,
    body: Option<Tpl>,
    timeout: std::time::Duration,
}

fn method_name(m: HttpMethod) -> &'static str {
    match m {
        HttpMethod::Get => "GET",
        HttpMethod::Post => "POST",
        HttpMethod::Put => "PUT",
        HttpMethod::Patch => "PATCH",
        HttpMethod::Delete => "DELETE",
        HttpMethod::Head => "HEAD",
    }
}

impl HttpStep {
    pub fn compile(c: &HttpRequestConfig, cx: &mut FieldCx<'_>) -> Option<Self> {
        let url = cx.tpl("url", &c.url);
        if let Some(Tpl::Const(u)) = &url {
            let ok = u.as_str().is_some_and(|s| {
                let s = s.trim().to_ascii_lowercase();
                s.starts_with("http://") || s.starts_with("https://")
            });
            if !ok {
                cx.invalid("url", "must be an http or https URL");
                return None;
            }
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
            Some(b) => Some(cx.tpl("body", b)?),
            None => None,
        };
        if c.timeout_ms == 0 {
            cx.invalid("timeoutMs", "must be at least 1");
            return None;
        }
        Some(Self {
            method: method_name(c.method),
            url: url?,
            headers,
            body,
            timeout: std::time::Duration::from_millis(c.timeout_ms),
        })
    }

    pub fn fields(&self) -> Vec<(&str, &dyn Summarize)> {
        let mut f: Vec<(&str, &dyn Summarize)> = vec![("url", &self.url)];
        if let Some(b) = &self.body {
            f.push(("body", b));
        }
        f
    }

    pub async fn run(&self, cx: &RunCx<'_>) -> Result<Done, Problem> {
        let url = match self.url.resolve(cx.slots) {
            Value::String(s) => s,
            _ => return Err(invalid("url", "must be a URL")),
        };
        cx.outbound.check(&url).map_err(|m| invalid("url", m))?;
        let mut headers = Vec::new();
        if let Some(t) = &self.headers {
            match t.resolve(cx.slots) {
                Value::Object(o) => {
                    for (k, v) in o {
                        let mut text = String::new();
                        render_into(&mut text, Some(&v));
                        if k.contains(['\r', '\n', ':']) || text.contains(['\r', '\n']) {
                            return Err(invalid("headers", "must not contain line breaks"));
                        }
                        headers.push((k, text));
                    }
                }
                Value::Null => {}
                _ => return Err(invalid("headers", "must be an object")),
            }
        }
        let body = self
            .body
            .as_ref()
            .map(|b| b.resolve(cx.slots))
            .filter(|b| !b.is_null());
        let request = OutboundRequest {
            method: self.method.to_owned(),
            url,
            headers,
            body,
            timeout: self.timeout.min(cx.budget),
        };
        let limit = request.timeout;
        let answer = tokio::time::timeout(limit, cx.ports.http.send(request))
            .await
            .unwrap_or(Err(HttpError::Timeout))
            .map_err(|e| match e {
                HttpError::Timeout => {
                    Problem::with_message(ErrorCode::Timeout, "the HTTP request took too long")
                }
                HttpError::NoAnswer(m) => Problem::with_message(
                    ErrorCode::UpstreamFailed,
                    format!("the HTTP request got no answer: {m}"),
                ),
            })?;
        let is_json = answer.headers.iter().any(|(k, v)| {
            k.eq_ignore_ascii_case("content-type") && v.to_ascii_lowercase().contains("json")
        });
        let body = if is_json {
            serde_json::from_slice(&answer.body).unwrap_or_else(|_| {
                Value::String(String::from_utf8_lossy(&answer.body).into_owned())
            })
        } else {
            Value::String(String::from_utf8_lossy(&answer.body).into_owned())
        };
        let mut hs = Map::new();
        for (k, v) in answer.headers {
            let k = k.to_ascii_lowercase();
            let joined = match hs.get(&k).and_then(Value::as_str) {
                Some(prev) => format!("{prev}, {v}"),
                None => v,
            };
            hs.insert(k, Value::String(joined));
        }
        Ok(Done::value(
            json!({"status": answer.status, "headers": hs, "body": body}),
        ))
    }
}
