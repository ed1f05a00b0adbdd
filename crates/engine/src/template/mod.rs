//! The template language of NODES.md: `{{path}}` references, compiled once at compile time.
//!
//! A string that is exactly one template keeps the JSON type of the value it names; text
//! mixed with templates interpolates into a string. Paths are segments joined by `.`; an
//! all-digit segment indexes an array. The legacy bare-path rule (`"input.email"` without
//! braces) is decided by the compiler through [`Binder::reads_bare`].

mod path;
mod text;
mod tree;

pub use path::{Path, is_segment_char};
pub use text::{Piece, Text, TextError, bare_path, parse_text, render_into};
pub use tree::{Binder, BuildError, Part, Ref, Tpl, build, build_str};

use serde_json::{Map, Value};

/// Renders one template string against a scope of named variables, outside any workflow:
/// what embedders and tests use to try the template rules. Bare dotted strings whose root is
/// in `scope` are read as paths (the legacy rule).
pub fn render(template: &str, scope: &Map<String, Value>) -> Result<Value, BuildError> {
    struct Names<'a> {
        scope: &'a Map<String, Value>,
        roots: Vec<String>,
    }
    impl Binder for Names<'_> {
        fn reference(&mut self, path: &Path, _legacy: bool) -> usize {
            let root = path.root();
            match self.roots.iter().position(|r| r == root) {
                Some(i) => i,
                None => {
                    self.roots.push(root.to_owned());
                    self.roots.len() - 1
                }
            }
        }
        fn reads_bare(&self, root: &str) -> bool {
            self.scope.contains_key(root)
        }
    }
    let mut names = Names {
        scope,
        roots: Vec::new(),
    };
    let tpl = build_str(template, &mut names)?;
    let slots: Vec<Value> = names
        .roots
        .iter()
        .map(|r| scope.get(r).cloned().unwrap_or(Value::Null))
        .collect();
    Ok(tpl.resolve(&slots))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scope() -> Map<String, Value> {
        json!({
            "name": "Ann", "age": 42, "tags": ["a", "b"], "order": {"id": 7, "items": [{"sku": "X-1"}]},
            "nothing": null, "flag": true, "headers": {"x-client": "web"}
        })
        .as_object()
        .cloned()
        .unwrap()
    }

    #[test]
    fn whole_templates_keep_types_and_interpolation_renders() {
        let s = scope();
        assert_eq!(render("{{age}}", &s).unwrap(), json!(42));
        assert_eq!(render("{{ tags }}", &s).unwrap(), json!(["a", "b"]));
        assert_eq!(
            render("{{order}}", &s).unwrap(),
            json!({"id": 7, "items": [{"sku": "X-1"}]})
        );
        assert_eq!(render("{{order.items.0.sku}}", &s).unwrap(), json!("X-1"));
        assert_eq!(render("{{missing.path}}", &s).unwrap(), Value::Null);
        assert_eq!(
            render(
                "Hi {{name}}, order {{order.id}} {{flag}} {{nothing}}{{gone}}|",
                &s
            )
            .unwrap(),
            json!("Hi Ann, order 7 true |")
        );
        assert_eq!(render("t={{tags}}", &s).unwrap(), json!("t=[\"a\",\"b\"]"));
        assert_eq!(render("{{headers.x-client}}", &s).unwrap(), json!("web"));
    }

    #[test]
    fn legacy_bare_paths_only_for_bound_roots() {
        let s = scope();
        assert_eq!(render("order.id", &s).unwrap(), json!(7));
        assert_eq!(render("order.none", &s).unwrap(), Value::Null);
        assert_eq!(render("example.com", &s).unwrap(), json!("example.com"));
        assert_eq!(render("name", &s).unwrap(), json!("name"));
    }
}
