//! Strings that may hold `{{path}}` templates: parsing and rendering.

use super::path::Path;
use serde_json::Value;

/// What a string in a template-bearing position turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Text {
    /// No template at all.
    Literal(String),
    /// The whole string is one template: the value keeps its JSON type.
    Whole(Path),
    /// Text and templates mixed: the result is a string.
    Interpolated(Vec<Piece>),
}

/// One piece of an interpolated string.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    Text(String),
    Path(Path),
}

/// Why a string is not a usable template.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{{{{{inner}}}}}' is not a variable path (segments joined by '.', no spaces or braces)")]
pub struct TextError {
    pub inner: String,
}

/// Splits a string into literal text and templates. `{{` without a closing `}}` is text.
pub fn parse_text(s: &str) -> Result<Text, TextError> {
    if !s.contains("{{") {
        return Ok(Text::Literal(s.to_owned()));
    }
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut rest = s;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            break;
        };
        text.push_str(&rest[..open]);
        let inner = &after[..close];
        let path = Path::parse(inner.trim()).ok_or_else(|| TextError {
            inner: inner.to_owned(),
        })?;
        if !text.is_empty() {
            pieces.push(Piece::Text(std::mem::take(&mut text)));
        }
        pieces.push(Piece::Path(path));
        rest = &after[close + 2..];
    }
    text.push_str(rest);
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    Ok(match pieces.as_slice() {
        [Piece::Path(p)] => Text::Whole(p.clone()),
        _ if pieces.iter().all(|p| matches!(p, Piece::Text(_))) => Text::Literal(s.to_owned()),
        _ => Text::Interpolated(pieces),
    })
}

/// Appends a value as interpolation shows it: strings as they are, numbers and booleans as
/// JSON, objects and arrays as compact JSON, null and missing as nothing.
pub fn render_into(out: &mut String, value: Option<&Value>) {
    match value {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => out.push_str(s),
        Some(v) => out.push_str(&v.to_string()),
    }
}

/// The legacy bare-path reading of a string without templates: two or more segments.
pub fn bare_path(s: &str) -> Option<Path> {
    Path::parse(s).filter(|p| p.len() >= 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_of_strings() {
        assert_eq!(parse_text("hello").unwrap(), Text::Literal("hello".into()));
        assert!(
            matches!(parse_text("{{ a.b }}").unwrap(), Text::Whole(p) if p.to_string() == "a.b")
        );
        let Text::Interpolated(p) = parse_text("Hi {{name}}!").unwrap() else {
            panic!()
        };
        assert_eq!(p.len(), 3);
        assert_eq!(
            parse_text("a {{ b").unwrap(),
            Text::Literal("a {{ b".into())
        );
        assert!(parse_text("{{a b}}").is_err());
        assert!(parse_text("{{}}").is_err());
        assert!(matches!(
            parse_text(" {{a}}").unwrap(),
            Text::Interpolated(_)
        ));
        assert!(bare_path("input.email").is_some());
        assert!(bare_path("email").is_none());
        assert!(bare_path("Hello world.").is_none());
    }
}
