//! Variable paths: `root.key.0.sub`, the part of a template between the braces.

use serde_json::Value;
use std::fmt;

/// One step of a path after the root: an object key, or an array index when all digits.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Segment {
    key: String,
    index: Option<usize>,
}

/// A parsed path: a root variable and the keys or indices below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    root: String,
    rest: Vec<Segment>,
}

/// Whether `c` may appear in a path segment: anything but `.`, braces and whitespace.
pub fn is_segment_char(c: char) -> bool {
    c != '.' && c != '{' && c != '}' && !c.is_whitespace()
}

impl Path {
    /// Parses `a.b.0.c`; `None` when a segment is empty or holds a forbidden character.
    /// Surrounding whitespace is not trimmed here: template braces trim, bare strings don't.
    pub fn parse(s: &str) -> Option<Self> {
        let mut parts = s.split('.');
        let root = parts.next().filter(|r| valid_segment(r))?.to_owned();
        let mut rest = Vec::new();
        for part in parts {
            if !valid_segment(part) {
                return None;
            }
            let index = if part.bytes().all(|b| b.is_ascii_digit()) {
                part.parse().ok()
            } else {
                None
            };
            rest.push(Segment {
                key: part.to_owned(),
                index,
            });
        }
        Some(Self { root, rest })
    }

    /// The variable the path starts from.
    pub fn root(&self) -> &str {
        &self.root
    }

    /// How many segments the path has, root included.
    pub fn len(&self) -> usize {
        1 + self.rest.len()
    }

    /// Always false: a path has at least its root.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Walks the segments after the root from `value`; `None` when a step is missing.
    pub fn walk<'a>(&self, value: &'a Value) -> Option<&'a Value> {
        let mut cur = value;
        for seg in &self.rest {
            cur = match cur {
                Value::Object(o) => o.get(&seg.key)?,
                Value::Array(a) => a.get(seg.index?)?,
                _ => return None,
            };
        }
        Some(cur)
    }
}

fn valid_segment(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_segment_char)
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.root)?;
        for seg in &self.rest {
            write!(f, ".{}", seg.key)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_and_walks() {
        let p = Path::parse("items.0.sku").unwrap();
        assert_eq!(p.root(), "items");
        assert_eq!(p.len(), 3);
        let v = json!([{"sku": "A-1"}]);
        assert_eq!(p.walk(&v), Some(&json!("A-1")));
        let h = Path::parse("headers.x-client").unwrap();
        assert_eq!(h.walk(&json!({"x-client": "web"})), Some(&json!("web")));
        let o = Path::parse("m.0").unwrap();
        assert_eq!(o.walk(&json!({"0": 1})), Some(&json!(1)));
        for bad in ["", ".a", "a.", "a..b", "a b", "a{b", " a"] {
            assert!(Path::parse(bad).is_none(), "{bad}");
        }
    }
}
