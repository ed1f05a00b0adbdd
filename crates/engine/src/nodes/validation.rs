//! `inputValidation`: checks values against rules and reports every failure at once.

use super::condition::json_eq;
use super::{Done, RunCx, Summarize};
use crate::compile::{FieldCx, ROOTS};
use crate::template::{Path, Tpl};
use orchestrix_domain::{
    Email, ErrorCode, InputValidationConfig, Problem, RuleType, ValidationRule,
};
use regex::Regex;
use serde_json::{Map, Value};

#[derive(Debug, Clone)]
struct Rule {
    /// The rule's `field` with braces and spaces removed: the key in `details`.
    key: String,
    target: Tpl,
    spec: ValidationRule,
    pattern: Option<Regex>,
}

#[derive(Debug, Clone)]
pub(crate) struct ValidateStep {
    rules: Vec<Rule>,
}

impl ValidateStep {
    pub fn compile(c: &InputValidationConfig, cx: &mut FieldCx<'_>) -> Option<Self> {
        let mut rules = Vec::with_capacity(c.rules.len());
        let mut ok = true;
        for (i, rule) in c.rules.iter().enumerate() {
            let field = format!("rules[{i}].field");
            let key: String = rule
                .field
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '{' && *c != '}')
                .collect();
            let target = if rule.field.contains("{{") {
                cx.tpl(&field, &Value::String(rule.field.clone()))
            } else {
                match Path::parse(rule.field.trim()) {
                    // A bare name reads a variable bound upstream, else the request body.
                    Some(p) if cx.is_bound(p.root()) || ROOTS.contains(&p.root()) => {
                        cx.tpl(&field, &Value::String(format!("{{{{{p}}}}}")))
                    }
                    Some(p) => cx.tpl(&field, &Value::String(format!("{{{{input.{p}}}}}"))),
                    None => {
                        cx.invalid(&field, format!("'{}' is not a field path", rule.field));
                        None
                    }
                }
            };
            let pattern = match &rule.pattern {
                Some(p) => match Regex::new(p) {
                    Ok(r) => Some(r),
                    Err(e) => {
                        cx.invalid(&format!("rules[{i}].pattern"), format!("bad pattern: {e}"));
                        ok = false;
                        None
                    }
                },
                None => None,
            };
            match target {
                Some(target) => rules.push(Rule {
                    key,
                    target,
                    spec: rule.clone(),
                    pattern,
                }),
                None => ok = false,
            }
        }
        ok.then_some(Self { rules })
    }

    pub fn fields(&self) -> Vec<(&str, &dyn Summarize)> {
        self.rules
            .iter()
            .map(|r| (r.key.as_str(), &r.target as &dyn Summarize))
            .collect()
    }

    pub fn run(&self, cx: &RunCx<'_>) -> Result<Done, Problem> {
        let mut details: Map<String, Value> = Map::new();
        for rule in &self.rules {
            let value = rule.target.resolve(cx.slots);
            let messages = check(rule, &value);
            if messages.is_empty() {
                continue;
            }
            let entry = details
                .entry(rule.key.clone())
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = entry {
                list.extend(messages.into_iter().map(Value::String));
            }
        }
        if details.is_empty() {
            Ok(Done::value(Value::Bool(true)))
        } else {
            Err(Problem::new(ErrorCode::ValidationFailed).details(Value::Object(details)))
        }
    }
}

fn check(rule: &Rule, value: &Value) -> Vec<String> {
    let spec = &rule.spec;
    let mut out = Vec::new();
    if value.is_null() {
        if spec.required {
            out.push("is required".to_owned());
        }
        return out;
    }
    if let Some(t) = spec.rule_type {
        let fits = match t {
            RuleType::String => value.is_string(),
            RuleType::Number => value.is_number(),
            RuleType::Integer => value.as_f64().is_some_and(|f| f.fract() == 0.0),
            RuleType::Boolean => value.is_boolean(),
            RuleType::Email => value.as_str().is_some_and(|s| Email::parse(s).is_ok()),
            RuleType::Object => value.is_object(),
            RuleType::Array => value.is_array(),
        };
        if !fits {
            out.push(match t {
                RuleType::Email => "must be a valid email address".to_owned(),
                RuleType::Integer => "must be an integer".to_owned(),
                RuleType::Object => "must be an object".to_owned(),
                RuleType::Array => "must be an array".to_owned(),
                other => format!("must be a {}", format!("{other:?}").to_lowercase()),
            });
        }
    }
    let len = match value {
        Value::String(s) => Some(s.chars().count() as u64),
        Value::Array(a) => Some(a.len() as u64),
        _ => None,
    };
    if let (Some(min), Some(len)) = (spec.min_length, len)
        && len < min
    {
        out.push(format!("must be at least {min} characters long"));
    }
    if let (Some(max), Some(len)) = (spec.max_length, len)
        && len > max
    {
        out.push(format!("must be at most {max} characters long"));
    }
    if let (Some(min), Some(n)) = (spec.min, value.as_f64())
        && n < min
    {
        out.push(format!("must be at least {min}"));
    }
    if let (Some(max), Some(n)) = (spec.max, value.as_f64())
        && n > max
    {
        out.push(format!("must be at most {max}"));
    }
    if let Some(re) = &rule.pattern {
        match value.as_str() {
            Some(s) if re.is_match(s) => {}
            _ => out.push("does not match the required pattern".to_owned()),
        }
    }
    if let Some(allowed) = &spec.one_of
        && !allowed.iter().any(|a| json_eq(a, value))
    {
        out.push(format!("must be one of {}", Value::Array(allowed.clone())));
    }
    out
}
