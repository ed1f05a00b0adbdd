//! Property tests of the template language.

use orchestrix_engine::template::{Path, render};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn segment() -> impl Strategy<Value = String> {
    "[^.{}\\s]{1,8}"
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e9f64..1e9).prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,4}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn scope_with(v: Value) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("v".into(), v);
    m
}

proptest! {
    #[test]
    fn paths_round_trip(segs in prop::collection::vec(segment(), 1..6)) {
        let text = segs.join(".");
        let p = Path::parse(&text).expect("valid path");
        prop_assert_eq!(p.to_string(), text.clone());
        prop_assert_eq!(p.len(), segs.len());
        prop_assert_eq!(p.root(), segs[0].as_str());
        prop_assert_eq!(Path::parse(&p.to_string()), Some(p));
    }

    #[test]
    fn a_path_walks_to_what_was_put_there(segs in prop::collection::vec("[a-z]{1,5}", 1..5), leaf in json_value()) {
        let mut v = leaf.clone();
        for s in segs.iter().skip(1).rev() {
            let mut m = Map::new();
            m.insert(s.clone(), v);
            v = Value::Object(m);
        }
        let mut scope = Map::new();
        scope.insert(segs[0].clone(), v);
        let got = render(&format!("{{{{{}}}}}", segs.join(".")), &scope).expect("template");
        prop_assert_eq!(got, leaf);
    }

    #[test]
    fn rendering_never_panics(s in ".{0,64}", v in json_value()) {
        let _ = render(&s, &scope_with(v.clone()));
        let _ = render(&format!("a{{{{{s}}}}}b{{{{v}}}}"), &scope_with(v));
    }

    #[test]
    fn whole_templates_keep_json_types(v in json_value(), pad in "[ \t]{0,3}") {
        let got = render(&format!("{{{{{pad}v{pad}}}}}"), &scope_with(v.clone())).expect("template");
        prop_assert_eq!(got, v);
    }

    #[test]
    fn interpolation_is_always_a_string(v in json_value(), pre in "[a-z ]{0,5}", post in "[a-z ]{1,5}") {
        let got = render(&format!("{pre}{{{{v}}}}{post}"), &scope_with(v.clone())).expect("template");
        let middle = match &v {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        prop_assert_eq!(got, json!(format!("{pre}{middle}{post}")));
    }

    #[test]
    fn array_indices_select_elements(items in prop::collection::vec(json_value(), 1..5), pick in 0usize..5) {
        let scope = scope_with(Value::Array(items.clone()));
        let got = render(&format!("{{{{v.{pick}}}}}"), &scope).expect("template");
        prop_assert_eq!(got, items.get(pick).cloned().unwrap_or(Value::Null));
    }
}
