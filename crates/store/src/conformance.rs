//! The conformance suite: one set of cases, written against [`DocumentStore`], that every
//! adapter must pass. An adapter's test crate generates one test per case with
//! [`conformance_suite!`](crate::conformance_suite), so a failure names the case and the
//! adapter (`sqlite::eq_matches_same_type`, `mongo::eq_matches_same_type`).
//!
//! Cases panic on failure (they are tests).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use crate::{DocumentStore, FindOptions, IndexSpec, StoreError};
use serde_json::{Value, json};
use std::any::Any;
use std::sync::Arc;

/// A store for one case, with whatever must live as long as it (a temporary directory, a
/// database to drop).
pub struct Fixture {
    pub store: Arc<dyn DocumentStore>,
    pub guard: Box<dyn Any + Send>,
}

/// Generates one `#[tokio::test]` per conformance case. `$fixture` is an
/// `async fn(case: &str) -> Option<Fixture>`; `None` skips (it must panic instead under CI).
#[macro_export]
macro_rules! conformance_suite {
    ($fixture:path) => {
        $crate::__conformance_tests!($fixture;
            eq_matches_same_type, eq_number_matches_int_and_float, eq_string_does_not_match_number,
            eq_bool_does_not_match_number, eq_null_matches_null_and_missing, eq_operator_explicit,
            eq_object_literal_matches_equal_object, eq_object_under_eq_is_a_literal,
            eq_object_under_eq_matches_stored_object, eq_array_literal_matches_whole_array,
            eq_array_order_matters, eq_empty_array, eq_matches_array_element,
            ne_excludes_equal_keeps_other_types, ne_null_means_present, gt_numbers_only,
            gte_numbers_only, lt_numbers_only, lte_numbers_only, gt_strings_only, lt_strings_bytewise,
            gt_booleans, gt_null_matches_nothing, gte_null_matches_null_and_missing,
            lt_null_matches_nothing, range_on_scalars, range_on_array_elements_independent,
            elem_match_range_same_element, in_matches_any, in_null_matches_missing,
            in_empty_matches_nothing, in_matches_array_element, nin_excludes, in_requires_array,
            exists_true, exists_false, exists_dotted, regex_prefix, regex_case_insensitive,
            regex_ignores_non_strings, regex_invalid_pattern, regex_unknown_option,
            options_without_regex, not_negates_comparison, not_with_regex,
            not_requires_operator_object, and_combines, and_empty_invalid, or_matches_any,
            or_requires_array, nor_matches_none, nested_logical, size_matches_length, size_zero,
            size_negative_invalid, elem_match_doc_form, elem_match_needs_one_element,
            implicit_dotted_across_elements, dotted_nested_object, dotted_through_array_of_objects,
            dotted_numeric_index, dotted_null_matches_missing_subfield,
            dotted_null_skips_array_of_scalars, id_filter_string, id_in, implicit_and_of_fields,
            empty_filter_matches_all_in_insertion_order, where_is_invalid, expr_is_invalid,
            function_is_invalid, unknown_field_operator_is_invalid, top_level_not_is_invalid,
            type_operator_is_invalid, all_operator_is_invalid, text_operator_is_invalid,
            filter_must_be_object, count_with_invalid_filter, update_with_invalid_filter,
            delete_with_invalid_filter, set_top_level, set_nested_creates_objects,
            set_replaces_type, set_array_index, set_into_scalar_is_invalid, unset_removes_field,
            unset_missing_is_noop, unset_nested, inc_adds, inc_creates_missing, inc_float,
            inc_negative, inc_non_numeric_field_invalid, inc_string_argument_invalid,
            mul_multiplies, mul_missing_sets_zero, min_lowers_only, min_creates_missing,
            max_raises_only, max_across_types, push_appends, push_creates_array, push_each,
            push_to_non_array_invalid, push_unsupported_modifier_invalid, pull_value,
            pull_condition, pull_document_match, pull_missing_is_noop, add_to_set_adds_once,
            add_to_set_each_dedupes, rename_moves, rename_missing_is_noop, rename_nested,
            set_on_insert_only_on_insert, several_operators_together, conflicting_paths_invalid,
            update_id_is_invalid, replacement_update_invalid, unknown_update_operator_invalid,
            update_one_touches_first_only, update_many_counts, update_unchanged_not_modified,
            update_no_match, upsert_seeds_from_filter, upsert_uses_filter_id,
            upsert_generates_hex_id, upsert_existing_updates, update_many_upsert,
            find_one_and_update_returns_after, find_one_and_update_none_when_missing,
            find_one_and_update_upsert_returns_new, find_one_and_update_unique_violation,
            update_unique_violation_names_field, sort_ascending_numbers, sort_descending_numbers,
            sort_strings_bytewise, sort_multi_key, sort_mixed_types_ascending,
            sort_mixed_types_descending, sort_missing_as_null, sort_arrays_ascending_by_min,
            sort_arrays_descending_by_max, sort_nested_path, sort_invalid_direction,
            sort_booleans, sort_with_skip_and_limit, skip_beyond_end, limit_zero_means_all,
            limit_without_sort_keeps_insertion_order, projection_include,
            projection_include_without_id, projection_exclude, projection_exclude_id_only,
            projection_mixed_invalid, projection_nested_include, projection_nested_exclude,
            projection_missing_field, projection_boolean_flags, projection_operator_invalid,
            insert_assigns_hex_id, insert_keeps_given_id, insert_puts_id_first,
            insert_non_object_invalid, insert_non_string_id_invalid, insert_dollar_field_invalid,
            insert_duplicate_id, insert_many_returns_ids_in_order,
            insert_many_stops_at_duplicate, values_round_trip, find_one_returns_first,
            find_one_none, count_all_and_filtered, count_missing_collection,
            find_missing_collection, delete_one_deletes_first, delete_many_counts, delete_none,
            drop_collection_removes, drop_missing_collection, list_collections_lists,
            ping_answers, kind_is_known, invalid_collection_names, unique_index_names_field,
            unique_allows_missing_and_null, unique_on_existing_duplicates_fails,
            unique_compound, unique_nested_field, ensure_index_idempotent,
            ensure_index_changed_options, non_unique_index_allows_duplicates,
            indexed_lookup_agrees_with_evaluator, indexed_lookup_finds_array_elements,
            indexed_in_lookup, unique_after_delete_allows_reinsert, unique_is_case_sensitive,
            unique_distinguishes_types, concurrent_unique_inserts_one_wins,
            concurrent_distinct_inserts_all_succeed, concurrent_increments_are_atomic,
            expired_documents_are_purged, expire_after_offset, non_dates_never_expire,
            expiring_index_needs_one_field, timestamps_round_trip, timestamps_compare_in_filters,
            timestamps_sort, collections_are_independent, tenants_are_isolated,
            tenant_cannot_reach_platform_collections, tenant_names_cannot_collide,
            tenant_lists_own_collections, tenant_unique_field, tenant_drop_removes_only_own,
            migrate_applies_once, users_repository, users_email_unique_case_insensitive,
            sessions_repository, sessions_delete_expired, workflows_repository,
            workflow_ids_stay_with_their_owner,
            published_apis_repository, collection_defs_repository, executions_repository,
            execution_events_repository,
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_tests {
    ($fixture:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let Some(fixture) = $fixture(stringify!($case)).await else {
                    return;
                };
                $crate::conformance::cases::$case(fixture.store.clone()).await;
                drop(fixture);
            }
        )*
    };
}

/// The cases, one `async fn(store)` each.
pub mod cases {
    use super::*;

    type S = Arc<dyn DocumentStore>;
    const C: &str = "conf";

    fn arr(v: Value) -> Vec<Value> {
        v.as_array().cloned().expect("a JSON array")
    }

    async fn seed(s: &S, docs: Value) {
        s.insert_many(C, arr(docs)).await.expect("seed documents");
    }

    async fn ids(s: &S, filter: Value, options: FindOptions) -> Vec<String> {
        s.find(C, &filter, options)
            .await
            .unwrap_or_else(|e| panic!("find {filter}: {e}"))
            .iter()
            .map(|d| d["_id"].as_str().expect("string _id").to_owned())
            .collect()
    }

    async fn expect_ids(s: &S, filter: Value, want: &[&str]) {
        let got = ids(s, filter.clone(), FindOptions::default()).await;
        assert_eq!(got, want, "filter {filter}");
        let n = s.count(C, &filter).await.unwrap();
        assert_eq!(n, want.len() as u64, "count {filter}");
    }

    async fn expect_invalid_find(s: &S, filter: Value) {
        seed(s, json!([{"_id": "x", "v": 1}])).await;
        match s.find(C, &filter, FindOptions::default()).await {
            Err(StoreError::InvalidQuery(_)) => {}
            other => panic!("filter {filter}: expected InvalidQuery, got {other:?}"),
        }
    }

    async fn get(s: &S, id: &str) -> Value {
        s.find_one(C, &json!({"_id": id}))
            .await
            .unwrap()
            .expect("document")
    }

    /// Seeds `doc` (with `_id: "d"`), applies `update`, returns the document after.
    async fn updated(s: &S, doc: Value, update: Value) -> Value {
        s.insert_one(C, doc).await.unwrap();
        s.update_one(C, &json!({"_id": "d"}), &update, false)
            .await
            .unwrap_or_else(|e| panic!("update {update}: {e}"));
        get(s, "d").await
    }

    async fn expect_invalid_update(s: &S, doc: Value, update: Value) {
        s.insert_one(C, doc).await.unwrap();
        match s.update_one(C, &json!({"_id": "d"}), &update, false).await {
            Err(StoreError::InvalidQuery(_)) => {}
            other => panic!("update {update}: expected InvalidQuery, got {other:?}"),
        }
    }

    async fn sorted_values(s: &S, docs: Value, sort: Value) -> Vec<Value> {
        seed(s, docs).await;
        s.find(C, &json!({}), FindOptions::sorted(sort))
            .await
            .unwrap()
            .into_iter()
            .map(|d| d.get("v").cloned().unwrap_or(json!("<missing>")))
            .collect()
    }

    fn mixed() -> Value {
        json!([
            {"_id": "n1", "v": 1}, {"_id": "n2", "v": 2.5}, {"_id": "n3", "v": -3},
            {"_id": "s1", "v": "1"}, {"_id": "s2", "v": "abc"}, {"_id": "s3", "v": "Abd"},
            {"_id": "b1", "v": true}, {"_id": "b0", "v": false}, {"_id": "z", "v": null},
            {"_id": "m"}, {"_id": "o1", "v": {"a": 1}}, {"_id": "a1", "v": [1, 5]},
            {"_id": "a2", "v": ["abc", "x"]}, {"_id": "a0", "v": []}
        ])
    }

    fn nested() -> Value {
        json!([
            {"_id": "p1", "a": {"b": 1, "c": "x"}},
            {"_id": "p2", "a": {"b": 2}},
            {"_id": "p3", "a": [{"b": 3}, {"b": 4, "c": "y"}]},
            {"_id": "p4", "a": [7, 8]},
            {"_id": "p5", "a": 5},
            {"_id": "p6"}
        ])
    }

    fn items() -> Value {
        json!([
            {"_id": "i1", "items": [{"k": "a", "n": 1}, {"k": "b", "n": 2}]},
            {"_id": "i2", "items": [{"k": "a", "n": 2}]},
            {"_id": "i3", "items": []},
            {"_id": "i4", "items": [{"k": "c", "n": 9}]}
        ])
    }

    macro_rules! filter_case {
        ($name:ident, $data:ident, $filter:tt, [$($id:literal),* $(,)?]) => {
            pub async fn $name(s: S) {
                seed(&s, $data()).await;
                expect_ids(&s, json!($filter), &[$($id),*]).await;
            }
        };
    }

    macro_rules! invalid_case {
        ($name:ident, $filter:tt) => {
            pub async fn $name(s: S) {
                expect_invalid_find(&s, json!($filter)).await;
            }
        };
    }

    macro_rules! update_case {
        ($name:ident, $doc:tt, $update:tt, $want:tt) => {
            pub async fn $name(s: S) {
                let got = updated(&s, json!($doc), json!($update)).await;
                assert_eq!(got, json!($want), "update {}", json!($update));
            }
        };
    }

    macro_rules! invalid_update_case {
        ($name:ident, $doc:tt, $update:tt) => {
            pub async fn $name(s: S) {
                expect_invalid_update(&s, json!($doc), json!($update)).await;
            }
        };
    }

    // ---- comparison operators -------------------------------------------------------

    filter_case!(eq_matches_same_type, mixed, {"v": 1}, ["n1", "a1"]);
    filter_case!(eq_number_matches_int_and_float, mixed, {"v": 1.0}, ["n1", "a1"]);
    filter_case!(eq_string_does_not_match_number, mixed, {"v": "1"}, ["s1"]);
    filter_case!(eq_bool_does_not_match_number, mixed, {"v": true}, ["b1"]);
    filter_case!(eq_null_matches_null_and_missing, mixed, {"v": null}, ["z", "m"]);
    filter_case!(eq_operator_explicit, mixed, {"v": {"$eq": "abc"}}, ["s2", "a2"]);
    filter_case!(eq_object_literal_matches_equal_object, mixed, {"v": {"a": 1}}, ["o1"]);
    filter_case!(eq_object_under_eq_is_a_literal, mixed, {"v": {"$eq": {"$ne": null}}}, []);
    pub async fn eq_object_under_eq_matches_stored_object(s: S) {
        seed(
            &s,
            json!([{"_id": "e1", "email": {"$ne": null}}, {"_id": "e2", "email": "a@b.co"}]),
        )
        .await;
        expect_ids(&s, json!({"email": {"$eq": {"$ne": null}}}), &["e1"]).await;
        expect_ids(&s, json!({"email": {"$eq": {"$gt": ""}}}), &[]).await;
    }
    filter_case!(eq_array_literal_matches_whole_array, mixed, {"v": [1, 5]}, ["a1"]);
    filter_case!(eq_array_order_matters, mixed, {"v": [5, 1]}, []);
    filter_case!(eq_empty_array, mixed, {"v": []}, ["a0"]);
    filter_case!(eq_matches_array_element, mixed, {"v": "x"}, ["a2"]);
    filter_case!(ne_excludes_equal_keeps_other_types, mixed, {"v": {"$ne": 1}},
        ["n2", "n3", "s1", "s2", "s3", "b1", "b0", "z", "m", "o1", "a2", "a0"]);
    filter_case!(ne_null_means_present, mixed, {"v": {"$ne": null}},
        ["n1", "n2", "n3", "s1", "s2", "s3", "b1", "b0", "o1", "a1", "a2", "a0"]);
    filter_case!(gt_numbers_only, mixed, {"v": {"$gt": 1}}, ["n2", "a1"]);
    filter_case!(gte_numbers_only, mixed, {"v": {"$gte": 1}}, ["n1", "n2", "a1"]);
    filter_case!(lt_numbers_only, mixed, {"v": {"$lt": 1}}, ["n3"]);
    filter_case!(lte_numbers_only, mixed, {"v": {"$lte": 1}}, ["n1", "n3", "a1"]);
    filter_case!(gt_strings_only, mixed, {"v": {"$gt": "a"}}, ["s2", "a2"]);
    filter_case!(lt_strings_bytewise, mixed, {"v": {"$lt": "a"}}, ["s1", "s3"]);
    filter_case!(gt_booleans, mixed, {"v": {"$gt": false}}, ["b1"]);
    filter_case!(gt_null_matches_nothing, mixed, {"v": {"$gt": null}}, []);
    filter_case!(gte_null_matches_null_and_missing, mixed, {"v": {"$gte": null}}, ["z", "m"]);
    filter_case!(lt_null_matches_nothing, mixed, {"v": {"$lt": null}}, []);
    filter_case!(range_on_scalars, mixed, {"v": {"$gt": 0, "$lt": 3}}, ["n1", "n2", "a1"]);
    pub async fn range_on_array_elements_independent(s: S) {
        seed(&s, json!([{"_id": "r1", "v": [1, 10]}, {"_id": "r2", "v": [4]}, {"_id": "r3", "v": [0, 1]}])).await;
        expect_ids(&s, json!({"v": {"$gt": 3, "$lt": 6}}), &["r1", "r2"]).await;
    }
    pub async fn elem_match_range_same_element(s: S) {
        seed(
            &s,
            json!([{"_id": "r1", "v": [1, 10]}, {"_id": "r2", "v": [4]}, {"_id": "r3", "v": 4}]),
        )
        .await;
        expect_ids(
            &s,
            json!({"v": {"$elemMatch": {"$gt": 3, "$lt": 6}}}),
            &["r2"],
        )
        .await;
    }
    filter_case!(in_matches_any, mixed, {"v": {"$in": [1, "abc"]}}, ["n1", "s2", "a1", "a2"]);
    filter_case!(in_null_matches_missing, mixed, {"v": {"$in": [null, false]}}, ["b0", "z", "m"]);
    filter_case!(in_empty_matches_nothing, mixed, {"v": {"$in": []}}, []);
    filter_case!(in_matches_array_element, mixed, {"v": {"$in": ["x", 5]}}, ["a1", "a2"]);
    filter_case!(nin_excludes, mixed, {"v": {"$nin": [1, "abc", null]}},
        ["n2", "n3", "s1", "s3", "b1", "b0", "o1", "a0"]);
    invalid_case!(in_requires_array, {"v": {"$in": 1}});

    // ---- element, evaluation and logical operators ----------------------------------

    filter_case!(exists_true, mixed, {"v": {"$exists": true}},
        ["n1", "n2", "n3", "s1", "s2", "s3", "b1", "b0", "z", "o1", "a1", "a2", "a0"]);
    filter_case!(exists_false, mixed, {"v": {"$exists": false}}, ["m"]);
    filter_case!(exists_dotted, nested, {"a.c": {"$exists": true}}, ["p1", "p3"]);
    filter_case!(regex_prefix, mixed, {"v": {"$regex": "^ab"}}, ["s2", "a2"]);
    filter_case!(regex_case_insensitive, mixed, {"v": {"$regex": "^ab", "$options": "i"}}, ["s2", "s3", "a2"]);
    filter_case!(regex_ignores_non_strings, mixed, {"v": {"$regex": "1"}}, ["s1"]);
    invalid_case!(regex_invalid_pattern, {"v": {"$regex": "(unclosed"}});
    invalid_case!(regex_unknown_option, {"v": {"$regex": "a", "$options": "q"}});
    invalid_case!(options_without_regex, {"v": {"$options": "i"}});
    filter_case!(not_negates_comparison, mixed, {"v": {"$not": {"$gt": 1}}},
        ["n1", "n3", "s1", "s2", "s3", "b1", "b0", "z", "m", "o1", "a2", "a0"]);
    filter_case!(not_with_regex, mixed, {"v": {"$not": {"$regex": "^a"}}},
        ["n1", "n2", "n3", "s1", "s3", "b1", "b0", "z", "m", "o1", "a1", "a0"]);
    invalid_case!(not_requires_operator_object, {"v": {"$not": 1}});
    filter_case!(and_combines, mixed, {"$and": [{"v": {"$gte": 1}}, {"v": {"$lt": 2}}]}, ["n1", "a1"]);
    invalid_case!(and_empty_invalid, {"$and": []});
    filter_case!(or_matches_any, mixed, {"$or": [{"v": 1}, {"v": "abc"}]}, ["n1", "s2", "a1", "a2"]);
    invalid_case!(or_requires_array, {"$or": {"v": 1}});
    filter_case!(nor_matches_none, mixed, {"$nor": [{"v": 1}, {"v": null}]},
        ["n2", "n3", "s1", "s2", "s3", "b1", "b0", "o1", "a2", "a0"]);
    filter_case!(nested_logical, mixed,
        {"$or": [{"$and": [{"v": {"$gt": 0}}, {"v": {"$lt": 2}}]}, {"v": true}]}, ["n1", "b1", "a1"]);
    filter_case!(size_matches_length, mixed, {"v": {"$size": 2}}, ["a1", "a2"]);
    filter_case!(size_zero, mixed, {"v": {"$size": 0}}, ["a0"]);
    invalid_case!(size_negative_invalid, {"v": {"$size": -1}});
    filter_case!(elem_match_doc_form, items, {"items": {"$elemMatch": {"k": "a", "n": {"$gte": 2}}}}, ["i2"]);
    filter_case!(elem_match_needs_one_element, items, {"items": {"$elemMatch": {"k": "b", "n": 1}}}, []);
    filter_case!(implicit_dotted_across_elements, items, {"items.k": "b", "items.n": 1}, ["i1"]);
    filter_case!(dotted_nested_object, nested, {"a.b": 2}, ["p2"]);
    filter_case!(dotted_through_array_of_objects, nested, {"a.b": {"$gte": 4}}, ["p3"]);
    filter_case!(dotted_numeric_index, nested, {"a.1": 8}, ["p4"]);
    filter_case!(dotted_null_matches_missing_subfield, nested, {"a.c": null}, ["p2", "p3", "p5", "p6"]);
    filter_case!(dotted_null_skips_array_of_scalars, nested, {"a.b": null}, ["p5", "p6"]);
    filter_case!(id_filter_string, mixed, {"_id": "s2"}, ["s2"]);
    /// Order-insensitive: MongoDB answers an `$in` on an indexed field in index order.
    pub async fn id_in(s: S) {
        seed(&s, mixed()).await;
        let mut got = ids(
            &s,
            json!({"_id": {"$in": ["b0", "n1", "nope"]}}),
            FindOptions::default(),
        )
        .await;
        got.sort();
        assert_eq!(got, ["b0", "n1"]);
    }
    filter_case!(implicit_and_of_fields, nested, {"a.b": {"$gt": 0}, "a.c": "x"}, ["p1"]);
    filter_case!(
        empty_filter_matches_all_in_insertion_order,
        mixed,
        {},
        [
            "n1", "n2", "n3", "s1", "s2", "s3", "b1", "b0", "z", "m", "o1", "a1", "a2", "a0"
        ]
    );

    // ---- refused operators ------------------------------------------------------------

    invalid_case!(where_is_invalid, {"$where": "this.v == 1"});
    invalid_case!(expr_is_invalid, {"$expr": {"$eq": ["$v", 1]}});
    invalid_case!(function_is_invalid, {"v": {"$function": {"body": "x", "args": [], "lang": "js"}}});
    invalid_case!(unknown_field_operator_is_invalid, {"v": {"$foo": 1}});
    invalid_case!(top_level_not_is_invalid, {"$not": {"v": 1}});
    invalid_case!(type_operator_is_invalid, {"v": {"$type": "string"}});
    invalid_case!(all_operator_is_invalid, {"v": {"$all": [1]}});
    invalid_case!(text_operator_is_invalid, {"$text": {"$search": "x"}});
    invalid_case!(filter_must_be_object, [1, 2]);

    pub async fn count_with_invalid_filter(s: S) {
        seed(&s, mixed()).await;
        assert!(matches!(
            s.count(C, &json!({"$where": "1"})).await,
            Err(StoreError::InvalidQuery(_))
        ));
    }
    pub async fn update_with_invalid_filter(s: S) {
        seed(&s, mixed()).await;
        let r = s
            .update_many(
                C,
                &json!({"v": {"$where": 1}}),
                &json!({"$set": {"x": 1}}),
                false,
            )
            .await;
        assert!(matches!(r, Err(StoreError::InvalidQuery(_))), "{r:?}");
        assert_eq!(s.count(C, &json!({"x": 1})).await.unwrap(), 0);
    }
    pub async fn delete_with_invalid_filter(s: S) {
        seed(&s, mixed()).await;
        let r = s.delete_many(C, &json!({"$expr": true})).await;
        assert!(matches!(r, Err(StoreError::InvalidQuery(_))), "{r:?}");
        assert_eq!(s.count(C, &json!({})).await.unwrap(), 14);
    }

    // ---- update operators -------------------------------------------------------------

    update_case!(set_top_level, {"_id": "d", "a": 1}, {"$set": {"a": 2, "b": "x"}}, {"_id": "d", "a": 2, "b": "x"});
    update_case!(set_nested_creates_objects, {"_id": "d"}, {"$set": {"a.b.c": 1}}, {"_id": "d", "a": {"b": {"c": 1}}});
    update_case!(set_replaces_type, {"_id": "d", "a": {"x": 1}}, {"$set": {"a": [1]}}, {"_id": "d", "a": [1]});
    update_case!(set_array_index, {"_id": "d", "a": [1, 2, 3]}, {"$set": {"a.1": 9}}, {"_id": "d", "a": [1, 9, 3]});
    invalid_update_case!(set_into_scalar_is_invalid, {"_id": "d", "a": 1}, {"$set": {"a.b": 2}});
    update_case!(unset_removes_field, {"_id": "d", "a": 1, "b": 2}, {"$unset": {"a": ""}}, {"_id": "d", "b": 2});
    pub async fn unset_missing_is_noop(s: S) {
        s.insert_one(C, json!({"_id": "d", "a": 1})).await.unwrap();
        let r = s
            .update_one(
                C,
                &json!({"_id": "d"}),
                &json!({"$unset": {"zz": ""}}),
                false,
            )
            .await
            .unwrap();
        assert_eq!((r.matched, r.modified), (1, 0));
        assert_eq!(get(&s, "d").await, json!({"_id": "d", "a": 1}));
    }
    update_case!(unset_nested, {"_id": "d", "a": {"b": 1, "c": 2}}, {"$unset": {"a.b": 1}}, {"_id": "d", "a": {"c": 2}});
    update_case!(inc_adds, {"_id": "d", "n": 5}, {"$inc": {"n": 3}}, {"_id": "d", "n": 8});
    update_case!(inc_creates_missing, {"_id": "d"}, {"$inc": {"n": 2}}, {"_id": "d", "n": 2});
    update_case!(inc_float, {"_id": "d", "n": 1}, {"$inc": {"n": 0.5}}, {"_id": "d", "n": 1.5});
    update_case!(inc_negative, {"_id": "d", "n": 1}, {"$inc": {"n": -4}}, {"_id": "d", "n": -3});
    invalid_update_case!(inc_non_numeric_field_invalid, {"_id": "d", "n": "x"}, {"$inc": {"n": 1}});
    invalid_update_case!(inc_string_argument_invalid, {"_id": "d", "n": 1}, {"$inc": {"n": "1"}});
    update_case!(mul_multiplies, {"_id": "d", "n": 3}, {"$mul": {"n": 4}}, {"_id": "d", "n": 12});
    update_case!(mul_missing_sets_zero, {"_id": "d"}, {"$mul": {"n": 4}}, {"_id": "d", "n": 0});
    update_case!(min_lowers_only, {"_id": "d", "a": 5, "b": 1}, {"$min": {"a": 3, "b": 3}}, {"_id": "d", "a": 3, "b": 1});
    update_case!(min_creates_missing, {"_id": "d"}, {"$min": {"a": 3}}, {"_id": "d", "a": 3});
    update_case!(max_raises_only, {"_id": "d", "a": 5, "b": 1}, {"$max": {"a": 3, "b": 3}}, {"_id": "d", "a": 5, "b": 3});
    update_case!(max_across_types, {"_id": "d", "a": 5}, {"$max": {"a": "text"}}, {"_id": "d", "a": "text"});
    update_case!(push_appends, {"_id": "d", "a": [1]}, {"$push": {"a": 2}}, {"_id": "d", "a": [1, 2]});
    update_case!(push_creates_array, {"_id": "d"}, {"$push": {"a": {"x": 1}}}, {"_id": "d", "a": [{"x": 1}]});
    update_case!(push_each, {"_id": "d", "a": [1]}, {"$push": {"a": {"$each": [2, 3, 2]}}}, {"_id": "d", "a": [1, 2, 3, 2]});
    invalid_update_case!(push_to_non_array_invalid, {"_id": "d", "a": 1}, {"$push": {"a": 2}});
    invalid_update_case!(push_unsupported_modifier_invalid, {"_id": "d", "a": []}, {"$push": {"a": {"$each": [1], "$slice": 1}}});
    update_case!(pull_value, {"_id": "d", "a": [1, 2, 1, 3]}, {"$pull": {"a": 1}}, {"_id": "d", "a": [2, 3]});
    update_case!(pull_condition, {"_id": "d", "a": [1, 5, 2, 8]}, {"$pull": {"a": {"$gte": 5}}}, {"_id": "d", "a": [1, 2]});
    update_case!(pull_document_match, {"_id": "d", "a": [{"k": 1, "x": 1}, {"k": 2}]}, {"$pull": {"a": {"k": 1}}}, {"_id": "d", "a": [{"k": 2}]});
    update_case!(pull_missing_is_noop, {"_id": "d", "b": 1}, {"$pull": {"a": 1}}, {"_id": "d", "b": 1});
    update_case!(add_to_set_adds_once, {"_id": "d", "a": [1, 2]}, {"$addToSet": {"a": 2}}, {"_id": "d", "a": [1, 2]});
    update_case!(add_to_set_each_dedupes, {"_id": "d", "a": [1]}, {"$addToSet": {"a": {"$each": [1, 2, 2, 3]}}}, {"_id": "d", "a": [1, 2, 3]});
    update_case!(rename_moves, {"_id": "d", "a": 1, "b": 2}, {"$rename": {"a": "c"}}, {"_id": "d", "b": 2, "c": 1});
    update_case!(rename_missing_is_noop, {"_id": "d", "b": 2}, {"$rename": {"a": "c"}}, {"_id": "d", "b": 2});
    update_case!(rename_nested, {"_id": "d", "a": {"x": 1}}, {"$rename": {"a.x": "b.y"}}, {"_id": "d", "a": {}, "b": {"y": 1}});
    pub async fn set_on_insert_only_on_insert(s: S) {
        let u = json!({"$set": {"seen": true}, "$setOnInsert": {"created": 1}});
        let r = s
            .update_one(C, &json!({"_id": "d"}), &u, true)
            .await
            .unwrap();
        assert_eq!(r.upserted_id.as_deref(), Some("d"));
        assert_eq!(
            get(&s, "d").await,
            json!({"_id": "d", "seen": true, "created": 1})
        );
        let u2 = json!({"$set": {"seen": false}, "$setOnInsert": {"created": 2}});
        s.update_one(C, &json!({"_id": "d"}), &u2, true)
            .await
            .unwrap();
        assert_eq!(
            get(&s, "d").await,
            json!({"_id": "d", "seen": false, "created": 1})
        );
    }
    update_case!(several_operators_together, {"_id": "d", "n": 1, "a": [1], "x": 1},
        {"$inc": {"n": 1}, "$push": {"a": 2}, "$unset": {"x": ""}, "$set": {"y": "z"}},
        {"_id": "d", "n": 2, "a": [1, 2], "y": "z"});
    invalid_update_case!(conflicting_paths_invalid, {"_id": "d", "a": {"b": 1}}, {"$set": {"a.b": 2}, "$unset": {"a": ""}});
    invalid_update_case!(update_id_is_invalid, {"_id": "d"}, {"$set": {"_id": "other"}});
    invalid_update_case!(replacement_update_invalid, {"_id": "d"}, {"a": 1});
    invalid_update_case!(unknown_update_operator_invalid, {"_id": "d"}, {"$currentDate": {"a": true}});

    pub async fn update_one_touches_first_only(s: S) {
        seed(
            &s,
            json!([{"_id": "1", "g": 1}, {"_id": "2", "g": 1}, {"_id": "3", "g": 1}]),
        )
        .await;
        let r = s
            .update_one(C, &json!({"g": 1}), &json!({"$set": {"hit": true}}), false)
            .await
            .unwrap();
        assert_eq!((r.matched, r.modified, r.upserted_id), (1, 1, None));
        assert_eq!(
            ids(&s, json!({"hit": true}), FindOptions::default()).await,
            ["1"]
        );
    }
    pub async fn update_many_counts(s: S) {
        seed(
            &s,
            json!([{"_id": "1", "g": 1}, {"_id": "2", "g": 1, "hit": true}, {"_id": "3", "g": 2}]),
        )
        .await;
        let r = s
            .update_many(C, &json!({"g": 1}), &json!({"$set": {"hit": true}}), false)
            .await
            .unwrap();
        assert_eq!((r.matched, r.modified), (2, 1));
        assert_eq!(s.count(C, &json!({"hit": true})).await.unwrap(), 2);
    }
    pub async fn update_unchanged_not_modified(s: S) {
        seed(&s, json!([{"_id": "1", "a": 1}])).await;
        let r = s
            .update_one(C, &json!({"_id": "1"}), &json!({"$set": {"a": 1}}), false)
            .await
            .unwrap();
        assert_eq!((r.matched, r.modified), (1, 0));
    }
    pub async fn update_no_match(s: S) {
        seed(&s, json!([{"_id": "1", "a": 1}])).await;
        let r = s
            .update_many(C, &json!({"a": 2}), &json!({"$set": {"b": 1}}), false)
            .await
            .unwrap();
        assert_eq!(r, crate::UpdateResult::default());
        assert_eq!(s.count(C, &json!({})).await.unwrap(), 1);
    }
    pub async fn upsert_seeds_from_filter(s: S) {
        let f = json!({"k": {"$eq": 3}, "$and": [{"m": "x"}], "n": {"$gt": 1}});
        let r = s
            .update_one(C, &f, &json!({"$set": {"s": true}}), true)
            .await
            .unwrap();
        let id = r.upserted_id.expect("upserted");
        let doc = get(&s, &id).await;
        assert_eq!(doc, json!({"_id": id, "k": 3, "m": "x", "s": true}));
    }
    pub async fn upsert_uses_filter_id(s: S) {
        let r = s
            .update_one(
                C,
                &json!({"_id": "given"}),
                &json!({"$inc": {"n": 1}}),
                true,
            )
            .await
            .unwrap();
        assert_eq!(r.upserted_id.as_deref(), Some("given"));
        assert_eq!(get(&s, "given").await, json!({"_id": "given", "n": 1}));
    }
    pub async fn upsert_generates_hex_id(s: S) {
        let r = s
            .update_one(C, &json!({"k": 1}), &json!({"$set": {"v": 1}}), true)
            .await
            .unwrap();
        let id = r.upserted_id.expect("upserted");
        assert_eq!(id.len(), 24, "{id}");
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
        assert_eq!((r.matched, r.modified), (0, 0));
    }
    pub async fn upsert_existing_updates(s: S) {
        seed(&s, json!([{"_id": "1", "k": 1}])).await;
        let r = s
            .update_one(C, &json!({"k": 1}), &json!({"$set": {"v": 2}}), true)
            .await
            .unwrap();
        assert_eq!((r.matched, r.modified, r.upserted_id), (1, 1, None));
        assert_eq!(s.count(C, &json!({})).await.unwrap(), 1);
    }
    pub async fn update_many_upsert(s: S) {
        let r = s
            .update_many(C, &json!({"g": 7}), &json!({"$set": {"v": 1}}), true)
            .await
            .unwrap();
        assert!(r.upserted_id.is_some());
        assert_eq!(s.count(C, &json!({"g": 7, "v": 1})).await.unwrap(), 1);
    }
    pub async fn find_one_and_update_returns_after(s: S) {
        seed(&s, json!([{"_id": "1", "n": 1}, {"_id": "2", "n": 1}])).await;
        let doc = s
            .find_one_and_update(C, &json!({"n": 1}), &json!({"$inc": {"n": 10}}), false)
            .await
            .unwrap();
        assert_eq!(doc, Some(json!({"_id": "1", "n": 11})));
    }
    pub async fn find_one_and_update_none_when_missing(s: S) {
        seed(&s, json!([{"_id": "1", "n": 1}])).await;
        let doc = s
            .find_one_and_update(C, &json!({"n": 5}), &json!({"$inc": {"n": 1}}), false)
            .await
            .unwrap();
        assert_eq!(doc, None);
    }
    pub async fn find_one_and_update_upsert_returns_new(s: S) {
        let doc = s
            .find_one_and_update(C, &json!({"_id": "c1"}), &json!({"$inc": {"seq": 1}}), true)
            .await
            .unwrap();
        assert_eq!(doc, Some(json!({"_id": "c1", "seq": 1})));
        let doc = s
            .find_one_and_update(C, &json!({"_id": "c1"}), &json!({"$inc": {"seq": 1}}), true)
            .await
            .unwrap();
        assert_eq!(doc, Some(json!({"_id": "c1", "seq": 2})));
    }
    pub async fn find_one_and_update_unique_violation(s: S) {
        s.ensure_index(C, IndexSpec::on(&["email"]).unique())
            .await
            .unwrap();
        seed(
            &s,
            json!([{"_id": "1", "email": "a"}, {"_id": "2", "email": "b"}]),
        )
        .await;
        let r = s
            .find_one_and_update(
                C,
                &json!({"_id": "2"}),
                &json!({"$set": {"email": "a"}}),
                false,
            )
            .await;
        assert_eq!(
            r,
            Err(StoreError::DuplicateKey {
                field: "email".into()
            })
        );
        assert_eq!(get(&s, "2").await["email"], "b");
    }
    pub async fn update_unique_violation_names_field(s: S) {
        s.ensure_index(C, IndexSpec::on(&["email"]).unique())
            .await
            .unwrap();
        seed(
            &s,
            json!([{"_id": "1", "email": "a"}, {"_id": "2", "email": "b"}]),
        )
        .await;
        let r = s
            .update_one(
                C,
                &json!({"_id": "2"}),
                &json!({"$set": {"email": "a"}}),
                false,
            )
            .await;
        assert_eq!(
            r,
            Err(StoreError::DuplicateKey {
                field: "email".into()
            })
        );
    }

    // ---- sort, skip, limit ----------------------------------------------------------------

    pub async fn sort_ascending_numbers(s: S) {
        let got = sorted_values(
            &s,
            json!([{"v": 3}, {"v": -1}, {"v": 2.5}, {"v": 10}]),
            json!({"v": 1}),
        )
        .await;
        assert_eq!(got, [json!(-1), json!(2.5), json!(3), json!(10)]);
    }
    pub async fn sort_descending_numbers(s: S) {
        let got = sorted_values(
            &s,
            json!([{"v": 3}, {"v": -1}, {"v": 2.5}, {"v": 10}]),
            json!({"v": -1}),
        )
        .await;
        assert_eq!(got, [json!(10), json!(3), json!(2.5), json!(-1)]);
    }
    pub async fn sort_strings_bytewise(s: S) {
        let got = sorted_values(
            &s,
            json!([{"v": "b"}, {"v": "B"}, {"v": "a"}, {"v": "10"}, {"v": "9"}]),
            json!({"v": 1}),
        )
        .await;
        assert_eq!(
            got,
            [json!("10"), json!("9"), json!("B"), json!("a"), json!("b")]
        );
    }
    pub async fn sort_multi_key(s: S) {
        seed(&s, json!([
            {"_id": "1", "g": 2, "v": 1}, {"_id": "2", "g": 1, "v": 1}, {"_id": "3", "g": 2, "v": 3}, {"_id": "4", "g": 1, "v": 2}
        ])).await;
        let got = ids(&s, json!({}), FindOptions::sorted(json!({"g": 1, "v": -1}))).await;
        assert_eq!(got, ["4", "2", "3", "1"]);
    }
    fn mixed_sort_docs() -> Value {
        json!([
            {"v": 1}, {"v": "a"}, {"v": null}, {"v": true}, {"v": {"a": 1}}, {"v": [7, 8]},
            {"v": 2.5}, {"v": false}, {"v": {}}
        ])
    }
    pub async fn sort_mixed_types_ascending(s: S) {
        let got = sorted_values(&s, mixed_sort_docs(), json!({"v": 1})).await;
        assert_eq!(
            got,
            [
                json!(null),
                json!(1),
                json!(2.5),
                json!([7, 8]),
                json!("a"),
                json!({}),
                json!({"a": 1}),
                json!(false),
                json!(true)
            ]
        );
    }
    pub async fn sort_mixed_types_descending(s: S) {
        let got = sorted_values(&s, mixed_sort_docs(), json!({"v": -1})).await;
        assert_eq!(
            got,
            [
                json!(true),
                json!(false),
                json!({"a": 1}),
                json!({}),
                json!("a"),
                json!([7, 8]),
                json!(2.5),
                json!(1),
                json!(null)
            ]
        );
    }
    pub async fn sort_missing_as_null(s: S) {
        seed(&s, json!([{"_id": "1", "v": 2}, {"_id": "2"}, {"_id": "3", "v": null}, {"_id": "4", "v": 1}])).await;
        let got = ids(&s, json!({}), FindOptions::sorted(json!({"v": 1}))).await;
        assert_eq!(&got[2..], ["4", "1"]);
        let mut nulls = got[..2].to_vec();
        nulls.sort();
        assert_eq!(nulls, ["2", "3"]);
    }
    pub async fn sort_arrays_ascending_by_min(s: S) {
        seed(&s, json!([{"_id": "1", "v": [5, 1]}, {"_id": "2", "v": 3}, {"_id": "3", "v": [4, 2]}, {"_id": "4", "v": 0}])).await;
        assert_eq!(
            ids(&s, json!({}), FindOptions::sorted(json!({"v": 1}))).await,
            ["4", "1", "3", "2"]
        );
    }
    pub async fn sort_arrays_descending_by_max(s: S) {
        seed(&s, json!([{"_id": "1", "v": [5, 1]}, {"_id": "2", "v": 3}, {"_id": "3", "v": [4, 2]}, {"_id": "4", "v": 6}])).await;
        assert_eq!(
            ids(&s, json!({}), FindOptions::sorted(json!({"v": -1}))).await,
            ["4", "1", "3", "2"]
        );
    }
    pub async fn sort_nested_path(s: S) {
        seed(&s, json!([{"_id": "1", "a": {"b": 2}}, {"_id": "2", "a": {"b": 1}}, {"_id": "3", "a": {"b": 3}}])).await;
        assert_eq!(
            ids(&s, json!({}), FindOptions::sorted(json!({"a.b": 1}))).await,
            ["2", "1", "3"]
        );
    }
    pub async fn sort_invalid_direction(s: S) {
        seed(&s, json!([{"v": 1}])).await;
        let r = s
            .find(C, &json!({}), FindOptions::sorted(json!({"v": 2})))
            .await;
        assert!(matches!(r, Err(StoreError::InvalidQuery(_))), "{r:?}");
        let r = s
            .find(C, &json!({}), FindOptions::sorted(json!({"v": "up"})))
            .await;
        assert!(matches!(r, Err(StoreError::InvalidQuery(_))), "{r:?}");
    }
    pub async fn sort_booleans(s: S) {
        let got = sorted_values(
            &s,
            json!([{"v": true}, {"v": false}, {"v": true}]),
            json!({"v": 1}),
        )
        .await;
        assert_eq!(got, [json!(false), json!(true), json!(true)]);
    }
    pub async fn sort_with_skip_and_limit(s: S) {
        seed(&s, json!([{"_id": "a", "v": 5}, {"_id": "b", "v": 1}, {"_id": "c", "v": 4}, {"_id": "d", "v": 2}, {"_id": "e", "v": 3}])).await;
        let o = FindOptions::sorted(json!({"v": 1}))
            .with_skip(1)
            .with_limit(2);
        assert_eq!(ids(&s, json!({}), o).await, ["d", "e"]);
    }
    pub async fn skip_beyond_end(s: S) {
        seed(&s, json!([{"v": 1}, {"v": 2}])).await;
        assert!(
            ids(&s, json!({}), FindOptions::default().with_skip(5))
                .await
                .is_empty()
        );
    }
    pub async fn limit_zero_means_all(s: S) {
        seed(&s, json!([{"v": 1}, {"v": 2}, {"v": 3}])).await;
        assert_eq!(
            ids(&s, json!({}), FindOptions::default().with_limit(0))
                .await
                .len(),
            3
        );
    }
    pub async fn limit_without_sort_keeps_insertion_order(s: S) {
        seed(&s, json!([{"_id": "z", "v": 1}, {"_id": "a", "v": 1}, {"_id": "m", "v": 2}, {"_id": "b", "v": 1}])).await;
        let o = FindOptions::default().with_skip(1).with_limit(2);
        assert_eq!(ids(&s, json!({"v": 1}), o).await, ["a", "b"]);
    }

    // ---- projection -----------------------------------------------------------------------

    async fn projected(s: &S, projection: Value) -> Result<Value, StoreError> {
        s.insert_one(C, json!({"_id": "p", "a": 1, "b": {"c": 2, "d": 3}, "e": [{"f": 1, "g": 2}, 5], "h": "x"}))
            .await
            .unwrap();
        let docs = s
            .find(
                C,
                &json!({}),
                FindOptions::default().with_projection(projection),
            )
            .await?;
        Ok(docs.into_iter().next().expect("one document"))
    }
    pub async fn projection_include(s: S) {
        assert_eq!(
            projected(&s, json!({"a": 1, "h": 1})).await.unwrap(),
            json!({"_id": "p", "a": 1, "h": "x"})
        );
    }
    pub async fn projection_include_without_id(s: S) {
        assert_eq!(
            projected(&s, json!({"a": 1, "_id": 0})).await.unwrap(),
            json!({"a": 1})
        );
    }
    pub async fn projection_exclude(s: S) {
        assert_eq!(
            projected(&s, json!({"b": 0, "e": 0})).await.unwrap(),
            json!({"_id": "p", "a": 1, "h": "x"})
        );
    }
    pub async fn projection_exclude_id_only(s: S) {
        let d = projected(&s, json!({"_id": 0})).await.unwrap();
        assert!(
            d.get("_id").is_none() && d["a"] == 1 && d["h"] == "x",
            "{d}"
        );
    }
    pub async fn projection_mixed_invalid(s: S) {
        assert!(matches!(
            projected(&s, json!({"a": 1, "b": 0})).await,
            Err(StoreError::InvalidQuery(_))
        ));
    }
    pub async fn projection_nested_include(s: S) {
        assert_eq!(
            projected(&s, json!({"b.c": 1, "e.f": 1})).await.unwrap(),
            json!({"_id": "p", "b": {"c": 2}, "e": [{"f": 1}]})
        );
    }
    pub async fn projection_nested_exclude(s: S) {
        assert_eq!(
            projected(&s, json!({"b.c": 0, "e.g": 0, "a": 0, "h": 0}))
                .await
                .unwrap(),
            json!({"_id": "p", "b": {"d": 3}, "e": [{"f": 1}, 5]})
        );
    }
    pub async fn projection_missing_field(s: S) {
        assert_eq!(
            projected(&s, json!({"nope": 1})).await.unwrap(),
            json!({"_id": "p"})
        );
    }
    pub async fn projection_boolean_flags(s: S) {
        assert_eq!(
            projected(&s, json!({"a": true, "_id": false}))
                .await
                .unwrap(),
            json!({"a": 1})
        );
    }
    pub async fn projection_operator_invalid(s: S) {
        assert!(matches!(
            projected(&s, json!({"e": {"$slice": 1}})).await,
            Err(StoreError::InvalidQuery(_))
        ));
    }

    // ---- inserts, reads, deletes, collections ---------------------------------------------

    pub async fn insert_assigns_hex_id(s: S) {
        let doc = s.insert_one(C, json!({"a": 1})).await.unwrap();
        let id = doc["_id"].as_str().unwrap().to_owned();
        assert!(
            id.len() == 24 && id.chars().all(|c| c.is_ascii_hexdigit()),
            "{id}"
        );
        assert_eq!(get(&s, &id).await, json!({"_id": id, "a": 1}));
    }
    pub async fn insert_keeps_given_id(s: S) {
        let doc = s
            .insert_one(C, json!({"_id": "mine", "a": 1}))
            .await
            .unwrap();
        assert_eq!(doc["_id"], "mine");
        assert_eq!(get(&s, "mine").await["a"], 1);
    }
    pub async fn insert_puts_id_first(s: S) {
        s.insert_one(C, json!({"a": 1, "_id": "x", "b": 2}))
            .await
            .unwrap();
        let d = get(&s, "x").await;
        let keys: Vec<&String> = d.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["_id", "a", "b"]);
    }
    pub async fn insert_non_object_invalid(s: S) {
        assert!(matches!(
            s.insert_one(C, json!([1])).await,
            Err(StoreError::InvalidQuery(_))
        ));
        assert!(matches!(
            s.insert_one(C, json!("x")).await,
            Err(StoreError::InvalidQuery(_))
        ));
    }
    pub async fn insert_non_string_id_invalid(s: S) {
        assert!(matches!(
            s.insert_one(C, json!({"_id": 5})).await,
            Err(StoreError::InvalidQuery(_))
        ));
        assert!(matches!(
            s.insert_one(C, json!({"_id": {"a": 1}})).await,
            Err(StoreError::InvalidQuery(_))
        ));
    }
    pub async fn insert_dollar_field_invalid(s: S) {
        assert!(matches!(
            s.insert_one(C, json!({"$set": 1})).await,
            Err(StoreError::InvalidQuery(_))
        ));
    }
    pub async fn insert_duplicate_id(s: S) {
        s.insert_one(C, json!({"_id": "x"})).await.unwrap();
        assert_eq!(
            s.insert_one(C, json!({"_id": "x", "b": 1})).await,
            Err(StoreError::DuplicateKey {
                field: "_id".into()
            })
        );
        assert_eq!(get(&s, "x").await, json!({"_id": "x"}));
    }
    pub async fn insert_many_returns_ids_in_order(s: S) {
        let got = s
            .insert_many(
                C,
                vec![json!({"_id": "b"}), json!({"a": 1}), json!({"_id": "a"})],
            )
            .await
            .unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!((got[0].as_str(), got[2].as_str()), ("b", "a"));
        assert_eq!(got[1].len(), 24);
        assert_eq!(ids(&s, json!({}), FindOptions::default()).await, got);
    }
    pub async fn insert_many_stops_at_duplicate(s: S) {
        s.insert_one(C, json!({"_id": "2"})).await.unwrap();
        let r = s
            .insert_many(
                C,
                vec![
                    json!({"_id": "1"}),
                    json!({"_id": "2"}),
                    json!({"_id": "3"}),
                ],
            )
            .await;
        assert_eq!(
            r,
            Err(StoreError::DuplicateKey {
                field: "_id".into()
            })
        );
        assert_eq!(ids(&s, json!({}), FindOptions::default()).await, ["2", "1"]);
    }
    pub async fn values_round_trip(s: S) {
        let doc = json!({
            "_id": "rt", "s": "héllo \"wörld\" \u{1F600}\n", "i": 9007199254740993_i64, "neg": -42,
            "f": 0.1, "big": 1.5e300, "t": true, "n": null, "arr": [1, "two", [3], {"four": 4}],
            "obj": {"nested": {"deep": [null, false]}}, "empty": {}, "ea": []
        });
        s.insert_one(C, doc.clone()).await.unwrap();
        assert_eq!(get(&s, "rt").await, doc);
    }
    pub async fn find_one_returns_first(s: S) {
        seed(&s, json!([{"_id": "1", "g": 1}, {"_id": "2", "g": 1}])).await;
        assert_eq!(
            s.find_one(C, &json!({"g": 1})).await.unwrap().unwrap()["_id"],
            "1"
        );
    }
    pub async fn find_one_none(s: S) {
        seed(&s, json!([{"_id": "1", "g": 1}])).await;
        assert_eq!(s.find_one(C, &json!({"g": 2})).await.unwrap(), None);
    }
    pub async fn count_all_and_filtered(s: S) {
        seed(&s, mixed()).await;
        assert_eq!(s.count(C, &json!({})).await.unwrap(), 14);
        assert_eq!(s.count(C, &json!({"v": {"$type_": 1}})).await.ok(), None);
        assert_eq!(s.count(C, &json!({"v": {"$gte": 1}})).await.unwrap(), 3);
    }
    pub async fn count_missing_collection(s: S) {
        assert_eq!(s.count("never_created", &json!({})).await.unwrap(), 0);
        assert_eq!(s.count("never_created", &json!({"a": 1})).await.unwrap(), 0);
    }
    pub async fn find_missing_collection(s: S) {
        assert!(
            s.find("never_created", &json!({}), FindOptions::default())
                .await
                .unwrap()
                .is_empty()
        );
    }
    pub async fn delete_one_deletes_first(s: S) {
        seed(&s, json!([{"_id": "1", "g": 1}, {"_id": "2", "g": 1}])).await;
        assert_eq!(s.delete_one(C, &json!({"g": 1})).await.unwrap(), 1);
        assert_eq!(ids(&s, json!({}), FindOptions::default()).await, ["2"]);
    }
    pub async fn delete_many_counts(s: S) {
        seed(&s, mixed()).await;
        assert_eq!(
            s.delete_many(C, &json!({"v": {"$gte": 1}})).await.unwrap(),
            3
        );
        assert_eq!(s.count(C, &json!({})).await.unwrap(), 11);
        assert_eq!(s.delete_many(C, &json!({})).await.unwrap(), 11);
        assert_eq!(s.count(C, &json!({})).await.unwrap(), 0);
    }
    pub async fn delete_none(s: S) {
        seed(&s, json!([{"_id": "1"}])).await;
        assert_eq!(s.delete_one(C, &json!({"_id": "2"})).await.unwrap(), 0);
        assert_eq!(s.delete_many("never_created", &json!({})).await.unwrap(), 0);
    }
    pub async fn drop_collection_removes(s: S) {
        seed(&s, json!([{"_id": "1"}])).await;
        s.ensure_index(C, IndexSpec::on(&["u"]).unique())
            .await
            .unwrap();
        assert!(s.drop_collection(C).await.unwrap());
        assert_eq!(s.count(C, &json!({})).await.unwrap(), 0);
        assert!(!s.list_collections().await.unwrap().contains(&C.to_owned()));
        // The unique index went with it.
        seed(&s, json!([{"u": 1}, {"u": 1}])).await;
    }
    pub async fn drop_missing_collection(s: S) {
        assert!(!s.drop_collection("never_created").await.unwrap());
    }
    pub async fn list_collections_lists(s: S) {
        s.insert_one("alpha", json!({})).await.unwrap();
        s.insert_one("beta", json!({})).await.unwrap();
        let names = s.list_collections().await.unwrap();
        assert!(
            names.contains(&"alpha".to_owned()) && names.contains(&"beta".to_owned()),
            "{names:?}"
        );
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
    }
    pub async fn ping_answers(s: S) {
        s.ping().await.unwrap();
    }
    pub async fn kind_is_known(s: S) {
        assert!(matches!(s.kind(), "sqlite" | "mongodb"));
    }
    pub async fn invalid_collection_names(s: S) {
        for name in ["", "a$b", "system.users", "a b", "x\0y"] {
            let r = s.insert_one(name, json!({})).await;
            assert!(
                matches!(r, Err(StoreError::InvalidQuery(_))),
                "{name:?}: {r:?}"
            );
        }
    }
    pub async fn collections_are_independent(s: S) {
        s.insert_one("one", json!({"_id": "x", "v": 1}))
            .await
            .unwrap();
        s.insert_one("two", json!({"_id": "x", "v": 2}))
            .await
            .unwrap();
        assert_eq!(
            s.find_one("one", &json!({"_id": "x"}))
                .await
                .unwrap()
                .unwrap()["v"],
            1
        );
        assert_eq!(
            s.find_one("two", &json!({"_id": "x"}))
                .await
                .unwrap()
                .unwrap()["v"],
            2
        );
    }

    // ---- indexes and uniqueness -------------------------------------------------------------

    pub async fn unique_index_names_field(s: S) {
        s.ensure_index(C, IndexSpec::on(&["email"]).unique())
            .await
            .unwrap();
        s.insert_one(C, json!({"email": "a@b.co"})).await.unwrap();
        let r = s.insert_one(C, json!({"email": "a@b.co"})).await;
        assert_eq!(
            r,
            Err(StoreError::DuplicateKey {
                field: "email".into()
            })
        );
        assert_eq!(s.count(C, &json!({})).await.unwrap(), 1);
    }
    pub async fn unique_allows_missing_and_null(s: S) {
        s.ensure_index(C, IndexSpec::on(&["email"]).unique())
            .await
            .unwrap();
        seed(
            &s,
            json!([{"a": 1}, {"a": 2}, {"email": null}, {"email": null}, {"email": "x"}]),
        )
        .await;
        assert_eq!(s.count(C, &json!({})).await.unwrap(), 5);
    }
    pub async fn unique_on_existing_duplicates_fails(s: S) {
        seed(&s, json!([{"email": "a"}, {"email": "a"}])).await;
        let r = s.ensure_index(C, IndexSpec::on(&["email"]).unique()).await;
        assert!(matches!(r, Err(StoreError::DuplicateKey { .. })), "{r:?}");
    }
    pub async fn unique_compound(s: S) {
        s.ensure_index(C, IndexSpec::on(&["owner", "name"]).unique())
            .await
            .unwrap();
        seed(&s, json!([{"owner": "a", "name": "x"}, {"owner": "b", "name": "x"}, {"owner": "a", "name": "y"}])).await;
        let r = s.insert_one(C, json!({"owner": "a", "name": "x"})).await;
        assert_eq!(
            r,
            Err(StoreError::DuplicateKey {
                field: "owner,name".into()
            })
        );
    }
    pub async fn unique_nested_field(s: S) {
        s.ensure_index(C, IndexSpec::on(&["profile.handle"]).unique())
            .await
            .unwrap();
        s.insert_one(C, json!({"profile": {"handle": "h"}}))
            .await
            .unwrap();
        let r = s
            .insert_one(C, json!({"profile": {"handle": "h", "x": 1}}))
            .await;
        assert_eq!(
            r,
            Err(StoreError::DuplicateKey {
                field: "profile.handle".into()
            })
        );
    }
    pub async fn ensure_index_idempotent(s: S) {
        for _ in 0..3 {
            s.ensure_index(C, IndexSpec::on(&["k"]).unique())
                .await
                .unwrap();
        }
        s.insert_one(C, json!({"k": 1})).await.unwrap();
        assert!(s.insert_one(C, json!({"k": 1})).await.is_err());
    }
    pub async fn ensure_index_changed_options(s: S) {
        s.ensure_index(C, IndexSpec::on(&["k"])).await.unwrap();
        seed(&s, json!([{"k": 1}])).await;
        s.ensure_index(C, IndexSpec::on(&["k"]).unique())
            .await
            .unwrap();
        assert_eq!(
            s.insert_one(C, json!({"k": 1})).await,
            Err(StoreError::DuplicateKey { field: "k".into() })
        );
    }
    pub async fn non_unique_index_allows_duplicates(s: S) {
        s.ensure_index(C, IndexSpec::on(&["k"])).await.unwrap();
        seed(&s, json!([{"k": 1}, {"k": 1}])).await;
        assert_eq!(s.count(C, &json!({"k": 1})).await.unwrap(), 2);
    }
    pub async fn indexed_lookup_agrees_with_evaluator(s: S) {
        s.ensure_index(C, IndexSpec::on(&["v"])).await.unwrap();
        seed(&s, mixed()).await;
        expect_ids(&s, json!({"v": 1}), &["n1", "a1"]).await;
        expect_ids(&s, json!({"v": true}), &["b1"]).await;
        expect_ids(&s, json!({"v": false}), &["b0"]).await;
        expect_ids(&s, json!({"v": "1"}), &["s1"]).await;
        expect_ids(&s, json!({"v": 2.5}), &["n2"]).await;
        expect_ids(&s, json!({"v": null}), &["z", "m"]).await;
        expect_ids(&s, json!({"v": {"a": 1}}), &["o1"]).await;
        expect_ids(
            &s,
            json!({"v": {"$eq": "abc"}, "_id": {"$ne": "s2"}}),
            &["a2"],
        )
        .await;
    }
    pub async fn indexed_lookup_finds_array_elements(s: S) {
        s.ensure_index(C, IndexSpec::on(&["tags"])).await.unwrap();
        s.ensure_index(C, IndexSpec::on(&["a.b"])).await.unwrap();
        seed(
            &s,
            json!([
                {"_id": "1", "tags": ["x", "y"], "a": [{"b": 1}, {"b": 2}]},
                {"_id": "2", "tags": "x", "a": {"b": 2}},
                {"_id": "3", "tags": ["z"], "a": {"b": [2, 3]}}
            ]),
        )
        .await;
        expect_ids(&s, json!({"tags": "x"}), &["1", "2"]).await;
        expect_ids(&s, json!({"a.b": 2}), &["1", "2", "3"]).await;
    }
    pub async fn indexed_in_lookup(s: S) {
        s.ensure_index(C, IndexSpec::on(&["k"]).unique())
            .await
            .unwrap();
        seed(
            &s,
            json!([{"_id": "1", "k": "a"}, {"_id": "2", "k": "b"}, {"_id": "3", "k": "c"}]),
        )
        .await;
        expect_ids(&s, json!({"k": {"$in": ["c", "a", "q"]}}), &["1", "3"]).await;
    }
    pub async fn unique_after_delete_allows_reinsert(s: S) {
        s.ensure_index(C, IndexSpec::on(&["k"]).unique())
            .await
            .unwrap();
        s.insert_one(C, json!({"_id": "1", "k": 1})).await.unwrap();
        s.delete_one(C, &json!({"_id": "1"})).await.unwrap();
        s.insert_one(C, json!({"_id": "2", "k": 1})).await.unwrap();
    }
    pub async fn unique_is_case_sensitive(s: S) {
        s.ensure_index(C, IndexSpec::on(&["k"]).unique())
            .await
            .unwrap();
        seed(&s, json!([{"k": "a"}, {"k": "A"}])).await;
    }
    pub async fn unique_distinguishes_types(s: S) {
        s.ensure_index(C, IndexSpec::on(&["k"]).unique())
            .await
            .unwrap();
        seed(&s, json!([{"k": "1"}, {"k": 1}])).await;
        assert!(s.insert_one(C, json!({"k": 1.0})).await.is_err());
    }
    pub async fn concurrent_unique_inserts_one_wins(s: S) {
        s.ensure_index(C, IndexSpec::on(&["email"]).unique())
            .await
            .unwrap();
        let mut set = tokio::task::JoinSet::new();
        for i in 0..100 {
            let s = s.clone();
            set.spawn(async move { s.insert_one(C, json!({"email": "same@x.co", "i": i})).await });
        }
        let (mut ok, mut dup) = (0, 0);
        while let Some(r) = set.join_next().await {
            match r.unwrap() {
                Ok(_) => ok += 1,
                Err(StoreError::DuplicateKey { field }) => {
                    assert_eq!(field, "email");
                    dup += 1;
                }
                Err(e) => panic!("unexpected {e}"),
            }
        }
        assert_eq!((ok, dup), (1, 99));
        assert_eq!(s.count(C, &json!({"email": "same@x.co"})).await.unwrap(), 1);
    }
    pub async fn concurrent_distinct_inserts_all_succeed(s: S) {
        s.ensure_index(C, IndexSpec::on(&["email"]).unique())
            .await
            .unwrap();
        let mut set = tokio::task::JoinSet::new();
        for i in 0..100 {
            let s = s.clone();
            set.spawn(async move {
                s.insert_one(C, json!({"email": format!("u{i}@x.co")}))
                    .await
            });
        }
        while let Some(r) = set.join_next().await {
            r.unwrap().unwrap();
        }
        assert_eq!(s.count(C, &json!({})).await.unwrap(), 100);
    }
    pub async fn concurrent_increments_are_atomic(s: S) {
        s.insert_one(C, json!({"_id": "ctr", "n": 0}))
            .await
            .unwrap();
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..50 {
            let s = s.clone();
            set.spawn(async move {
                s.update_one(C, &json!({"_id": "ctr"}), &json!({"$inc": {"n": 1}}), false)
                    .await
            });
        }
        while let Some(r) = set.join_next().await {
            r.unwrap().unwrap();
        }
        assert_eq!(get(&s, "ctr").await["n"], 50);
    }

    // ---- expiry and timestamps ------------------------------------------------------------

    fn ago(secs: i64) -> String {
        (chrono::Utc::now() - chrono::Duration::seconds(secs))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }
    pub async fn expired_documents_are_purged(s: S) {
        s.ensure_index(
            C,
            IndexSpec::on(&["expiresAt"]).expire_after(std::time::Duration::ZERO),
        )
        .await
        .unwrap();
        seed(&s, json!([
            {"_id": "old", "expiresAt": ago(60)}, {"_id": "new", "expiresAt": ago(-3600)}, {"_id": "none"}
        ])).await;
        let removed = s.purge_expired().await.unwrap();
        assert_eq!(removed, 1);
        assert_eq!(
            ids(&s, json!({}), FindOptions::default()).await,
            ["new", "none"]
        );
    }
    pub async fn expire_after_offset(s: S) {
        s.ensure_index(
            C,
            IndexSpec::on(&["createdAt"]).expire_after(std::time::Duration::from_secs(3600)),
        )
        .await
        .unwrap();
        seed(
            &s,
            json!([{"_id": "2h", "createdAt": ago(7200)}, {"_id": "30m", "createdAt": ago(1800)}]),
        )
        .await;
        s.purge_expired().await.unwrap();
        assert_eq!(ids(&s, json!({}), FindOptions::default()).await, ["30m"]);
    }
    pub async fn non_dates_never_expire(s: S) {
        s.ensure_index(
            C,
            IndexSpec::on(&["expiresAt"]).expire_after(std::time::Duration::ZERO),
        )
        .await
        .unwrap();
        seed(&s, json!([{"_id": "1", "expiresAt": "soon"}, {"_id": "2", "expiresAt": 5}, {"_id": "3", "expiresAt": null}])).await;
        assert_eq!(s.purge_expired().await.unwrap(), 0);
        assert_eq!(s.count(C, &json!({})).await.unwrap(), 3);
    }
    pub async fn expiring_index_needs_one_field(s: S) {
        let r = s
            .ensure_index(
                C,
                IndexSpec::on(&["a", "b"]).expire_after(std::time::Duration::ZERO),
            )
            .await;
        assert!(matches!(r, Err(StoreError::InvalidQuery(_))), "{r:?}");
    }
    pub async fn timestamps_round_trip(s: S) {
        let doc = json!({"_id": "t", "createdAt": "2024-05-01T10:20:30.123Z", "updatedAt": "2024-05-02T00:00:00Z", "meta": {"expiresAt": "2030-01-01T00:00:00.500Z"}});
        s.insert_one(C, doc.clone()).await.unwrap();
        assert_eq!(get(&s, "t").await, doc);
        s.update_one(
            C,
            &json!({"_id": "t"}),
            &json!({"$set": {"updatedAt": "2024-06-01T12:00:00.250Z"}}),
            false,
        )
        .await
        .unwrap();
        assert_eq!(get(&s, "t").await["updatedAt"], "2024-06-01T12:00:00.250Z");
    }
    pub async fn timestamps_compare_in_filters(s: S) {
        seed(
            &s,
            json!([
                {"_id": "a", "createdAt": "2024-01-01T00:00:00.000Z"},
                {"_id": "b", "createdAt": "2024-06-01T00:00:00.000Z"},
                {"_id": "c", "createdAt": "2025-01-01T00:00:00.000Z"}
            ]),
        )
        .await;
        expect_ids(&s, json!({"createdAt": {"$gte": "2024-03-01T00:00:00.000Z", "$lt": "2025-01-01T00:00:00.000Z"}}), &["b"]).await;
        expect_ids(&s, json!({"createdAt": "2025-01-01T00:00:00.000Z"}), &["c"]).await;
    }
    pub async fn timestamps_sort(s: S) {
        seed(
            &s,
            json!([
                {"_id": "b", "updatedAt": "2024-06-01T00:00:00.000Z"},
                {"_id": "c", "updatedAt": "2025-01-01T00:00:00.000Z"},
                {"_id": "a", "updatedAt": "2024-01-01T00:00:00.000Z"}
            ]),
        )
        .await;
        assert_eq!(
            ids(&s, json!({}), FindOptions::sorted(json!({"updatedAt": -1}))).await,
            ["c", "b", "a"]
        );
    }

    // ---- tenancy --------------------------------------------------------------------------

    use crate::TenantStore;
    use orchestrix_domain::{CollectionName, UserId};

    fn cname(s: &str) -> CollectionName {
        CollectionName::parse(s).unwrap()
    }

    pub async fn tenants_are_isolated(s: S) {
        let a = TenantStore::new(s.clone(), &UserId::from_stored("owner_a"));
        let b = TenantStore::new(s.clone(), &UserId::from_stored("owner_b"));
        let orders = cname("orders");
        a.insert_one(&orders, json!({"_id": "1", "who": "a"}))
            .await
            .unwrap();
        b.insert_one(&orders, json!({"_id": "1", "who": "b"}))
            .await
            .unwrap();
        b.insert_one(&orders, json!({"_id": "2", "who": "b"}))
            .await
            .unwrap();
        let seen_a = a
            .find(&orders, &json!({}), FindOptions::default())
            .await
            .unwrap();
        assert_eq!(seen_a, vec![json!({"_id": "1", "who": "a"})]);
        assert_eq!(b.count(&orders, &json!({})).await.unwrap(), 2);
        assert_eq!(a.delete_many(&orders, &json!({})).await.unwrap(), 1);
        assert_eq!(b.count(&orders, &json!({})).await.unwrap(), 2);
        a.update_many(&orders, &json!({}), &json!({"$set": {"x": 1}}), false)
            .await
            .unwrap();
        assert_eq!(b.count(&orders, &json!({"x": 1})).await.unwrap(), 0);
    }

    pub async fn tenant_cannot_reach_platform_collections(s: S) {
        use crate::platform_collections as pc;
        let users = crate::Users::new(s.clone());
        let user = sample_user("victim@x.co");
        users.create(&user).await.unwrap();
        s.insert_one(pc::SESSIONS, json!({"_id": "ses_1", "userId": "u"}))
            .await
            .unwrap();
        let t = TenantStore::new(s.clone(), &UserId::from_stored("attacker"));
        for name in [
            "users",
            "sessions",
            "workflows",
            "published_apis",
            "collection_defs",
            "executions",
            "execution_events",
            "migrations",
        ] {
            let c = cname(name);
            assert_eq!(t.count(&c, &json!({})).await.unwrap(), 0, "{name}");
            t.insert_one(&c, json!({"_id": "planted"})).await.unwrap();
            t.delete_many(&c, &json!({})).await.unwrap();
        }
        assert_eq!(s.count(pc::USERS, &json!({})).await.unwrap(), 1);
        assert_eq!(s.count(pc::SESSIONS, &json!({})).await.unwrap(), 1);
        for bad in [
            "_migrations",
            "system.users",
            "../users",
            "users.x",
            "t_00__x",
            "",
            "$where",
        ] {
            let ok = CollectionName::parse(bad).is_ok();
            if ok {
                let physical = t.physical_name(&cname(bad));
                assert!(
                    physical.starts_with("t_") && physical != bad,
                    "{bad} -> {physical}"
                );
            }
        }
        let tenant_view = t.list_collections().await.unwrap();
        assert!(tenant_view.iter().all(|c| c.as_str() != "_migrations"));
    }

    pub async fn tenant_names_cannot_collide(s: S) {
        // Owners and names chosen so that naive concatenation would collide.
        let pairs = [("a", "b__c"), ("a__b", "c"), ("a_", "_b"), ("a", "b")];
        let mut physical = Vec::new();
        for (owner, name) in pairs {
            let Ok(n) = CollectionName::parse(name) else {
                continue;
            };
            let t = TenantStore::new(s.clone(), &UserId::from_stored(owner));
            t.insert_one(&n, json!({"owner": owner})).await.unwrap();
            physical.push(t.physical_name(&n));
        }
        let mut unique = physical.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), physical.len(), "{physical:?}");
        for (owner, name) in pairs {
            let Ok(n) = CollectionName::parse(name) else {
                continue;
            };
            let t = TenantStore::new(s.clone(), &UserId::from_stored(owner));
            let docs = t
                .find(&n, &json!({}), FindOptions::default())
                .await
                .unwrap();
            assert_eq!(docs.len(), 1);
            assert_eq!(docs[0]["owner"], owner);
        }
    }

    pub async fn tenant_lists_own_collections(s: S) {
        let a = TenantStore::new(s.clone(), &UserId::from_stored("la"));
        let b = TenantStore::new(s.clone(), &UserId::from_stored("lb"));
        a.insert_one(&cname("x"), json!({})).await.unwrap();
        a.insert_one(&cname("y"), json!({})).await.unwrap();
        b.insert_one(&cname("z"), json!({})).await.unwrap();
        s.insert_one("users", json!({})).await.unwrap();
        let names: Vec<String> = a
            .list_collections()
            .await
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(names, ["x", "y"]);
    }

    pub async fn tenant_unique_field(s: S) {
        let a = TenantStore::new(s.clone(), &UserId::from_stored("ua"));
        let b = TenantStore::new(s.clone(), &UserId::from_stored("ub"));
        let c = cname("members");
        a.ensure_unique(&c, "email").await.unwrap();
        b.ensure_unique(&c, "email").await.unwrap();
        a.insert_one(&c, json!({"email": "m@x.co"})).await.unwrap();
        b.insert_one(&c, json!({"email": "m@x.co"})).await.unwrap();
        let r = a.insert_one(&c, json!({"email": "m@x.co"})).await;
        assert_eq!(
            r,
            Err(StoreError::DuplicateKey {
                field: "email".into()
            })
        );
    }

    pub async fn tenant_drop_removes_only_own(s: S) {
        let a = TenantStore::new(s.clone(), &UserId::from_stored("da"));
        let b = TenantStore::new(s.clone(), &UserId::from_stored("db"));
        let c = cname("things");
        a.insert_one(&c, json!({})).await.unwrap();
        b.insert_one(&c, json!({})).await.unwrap();
        assert!(a.drop_collection(&c).await.unwrap());
        assert_eq!(a.count(&c, &json!({})).await.unwrap(), 0);
        assert_eq!(b.count(&c, &json!({})).await.unwrap(), 1);
    }

    // ---- migrations and typed repositories --------------------------------------------------

    pub async fn migrate_applies_once(s: S) {
        let first = crate::migrate(&*s).await.unwrap();
        assert_eq!(first.applied.len(), crate::MIGRATIONS.len());
        assert!(first.skipped.is_empty());
        let second = crate::migrate(&*s).await.unwrap();
        assert!(second.applied.is_empty(), "{second:?}");
        assert_eq!(second.skipped.len(), crate::MIGRATIONS.len());
        assert_eq!(
            s.count(crate::platform_collections::MIGRATIONS, &json!({}))
                .await
                .unwrap(),
            crate::MIGRATIONS.len() as u64
        );
        // The indexes are in force: duplicate published paths are refused.
        s.insert_one("published_apis", json!({"apiPath": "/workflow/run/a/b"}))
            .await
            .unwrap();
        let r = s
            .insert_one("published_apis", json!({"apiPath": "/workflow/run/a/b"}))
            .await;
        assert_eq!(
            r,
            Err(StoreError::DuplicateKey {
                field: "apiPath".into()
            })
        );
    }

    fn sample_user(email: &str) -> orchestrix_domain::User {
        orchestrix_domain::User {
            id: UserId::generate(),
            email: orchestrix_domain::Email::parse(email).unwrap(),
            name: Some("Ann".into()),
            password_hash: "$2b$10$hash".into(),
            created_at: "2024-05-01T10:20:30.123Z".parse().unwrap(),
        }
    }

    pub async fn users_repository(s: S) {
        crate::migrate(&*s).await.unwrap();
        let users = crate::Users::new(s.clone());
        let u = sample_user("Ann@Example.com");
        users.create(&u).await.unwrap();
        let by_email = users
            .find_by_email(&orchestrix_domain::Email::parse("ann@example.COM").unwrap())
            .await
            .unwrap();
        assert_eq!(by_email.as_ref(), Some(&u));
        assert_eq!(users.find_by_id(&u.id).await.unwrap(), Some(u));
        assert_eq!(
            users
                .find_by_id(&UserId::from_stored("nobody"))
                .await
                .unwrap(),
            None
        );
    }

    pub async fn users_email_unique_case_insensitive(s: S) {
        crate::migrate(&*s).await.unwrap();
        let users = crate::Users::new(s.clone());
        users.create(&sample_user("dup@x.co")).await.unwrap();
        let r = users.create(&sample_user("DUP@x.co")).await;
        assert_eq!(
            r,
            Err(StoreError::DuplicateKey {
                field: "email".into()
            })
        );
    }

    fn session(user: &UserId, created: &str, expires: &str) -> orchestrix_domain::Session {
        orchestrix_domain::Session {
            id: orchestrix_domain::SessionId::generate(),
            user_id: user.clone(),
            created_at: created.parse().unwrap(),
            expires_at: expires.parse().unwrap(),
            user_agent: Some("test".into()),
        }
    }

    pub async fn sessions_repository(s: S) {
        crate::migrate(&*s).await.unwrap();
        let sessions = crate::Sessions::new(s.clone());
        let (u1, u2) = (UserId::from_stored("u1"), UserId::from_stored("u2"));
        let a = session(&u1, "2024-01-01T00:00:00Z", "2099-01-01T00:00:00Z");
        let b = session(&u1, "2024-02-01T00:00:00Z", "2099-01-01T00:00:00Z");
        let c = session(&u2, "2024-03-01T00:00:00Z", "2099-01-01T00:00:00Z");
        for x in [&a, &b, &c] {
            sessions.create(x).await.unwrap();
        }
        assert_eq!(sessions.get(&a.id).await.unwrap(), Some(a.clone()));
        let listed = sessions.list_for_user(&u1).await.unwrap();
        assert_eq!(listed, vec![b.clone(), a.clone()]);
        assert!(sessions.delete(&a.id).await.unwrap());
        assert!(!sessions.delete(&a.id).await.unwrap());
        assert_eq!(sessions.get(&a.id).await.unwrap(), None);
        assert_eq!(sessions.delete_all_for_user(&u1).await.unwrap(), 1);
        assert_eq!(sessions.get(&c.id).await.unwrap(), Some(c));
    }

    pub async fn sessions_delete_expired(s: S) {
        crate::migrate(&*s).await.unwrap();
        let sessions = crate::Sessions::new(s.clone());
        let u = UserId::from_stored("u");
        let old = session(&u, "2020-01-01T00:00:00Z", "2020-01-08T00:00:00Z");
        let live = session(&u, "2024-01-01T00:00:00Z", "2099-01-01T00:00:00Z");
        sessions.create(&old).await.unwrap();
        sessions.create(&live).await.unwrap();
        assert_eq!(
            sessions.delete_expired(chrono::Utc::now()).await.unwrap(),
            1
        );
        assert_eq!(sessions.get(&old.id).await.unwrap(), None);
        assert!(sessions.get(&live.id).await.unwrap().is_some());
        // The TTL index set up by the migrations does the same.
        sessions.create(&old).await.unwrap();
        s.purge_expired().await.unwrap();
        assert_eq!(sessions.get(&old.id).await.unwrap(), None);
    }

    fn workflow(id: &str, owner: &str, updated: &str) -> orchestrix_domain::WorkflowRecord {
        orchestrix_domain::WorkflowRecord {
            workflow_id: orchestrix_domain::WorkflowId::parse(id).unwrap(),
            owner_id: UserId::from_stored(owner),
            api_name: format!("api {id}"),
            api_path: format!("/workflow/run/{id}/api"),
            steps: vec![json!({"id": "n1", "type": "input"})],
            edges: vec![],
            input_variables: vec![json!({"name": "x"})],
            version: 1,
            created_at: "2024-01-01T00:00:00Z".parse().unwrap(),
            updated_at: updated.parse().unwrap(),
        }
    }

    pub async fn workflows_repository(s: S) {
        crate::migrate(&*s).await.unwrap();
        let wfs = crate::Workflows::new(s.clone());
        let w1 = workflow("wf1", "o1", "2024-01-02T00:00:00Z");
        let w2 = workflow("wf2", "o1", "2024-01-03T00:00:00Z");
        let w3 = workflow("wf3", "o2", "2024-01-04T00:00:00Z");
        for w in [&w1, &w2, &w3] {
            wfs.upsert(w).await.unwrap();
        }
        let mut w1b = w1.clone();
        w1b.version = 2;
        w1b.updated_at = "2024-01-05T00:00:00Z".parse().unwrap();
        wfs.upsert(&w1b).await.unwrap();
        assert_eq!(wfs.get(&w1.workflow_id).await.unwrap(), Some(w1b.clone()));
        assert_eq!(
            wfs.list_for_owner(&UserId::from_stored("o1"))
                .await
                .unwrap(),
            vec![w1b, w2]
        );
        assert!(wfs.delete(&w3.workflow_id).await.unwrap());
        assert_eq!(wfs.get(&w3.workflow_id).await.unwrap(), None);
    }

    pub async fn workflow_ids_stay_with_their_owner(s: S) {
        crate::migrate(&*s).await.unwrap();
        let wfs = crate::Workflows::new(s.clone());
        let mine = workflow("shared", "alice", "2024-01-02T00:00:00Z");
        assert!(wfs.save_owned(&mine).await.unwrap());
        let mut again = mine.clone();
        again.version = 2;
        assert!(
            wfs.save_owned(&again).await.unwrap(),
            "the owner may replace it"
        );
        let theirs = workflow("shared", "bob", "2024-01-03T00:00:00Z");
        assert!(
            !wfs.save_owned(&theirs).await.unwrap(),
            "another owner may not"
        );
        assert_eq!(wfs.get(&mine.workflow_id).await.unwrap(), Some(again));
    }

    pub async fn published_apis_repository(s: S) {
        crate::migrate(&*s).await.unwrap();
        let apis = crate::PublishedApis::new(s.clone());
        let id = orchestrix_domain::WorkflowId::parse("wfp").unwrap();
        let api = orchestrix_domain::PublishedApi {
            workflow_id: id.clone(),
            owner_id: UserId::from_stored("o"),
            api_name: "Sign Up".into(),
            slug: orchestrix_domain::ApiSlug::from_name("Sign Up").unwrap(),
            version: 3,
            published_at: "2024-01-01T00:00:00Z".parse().unwrap(),
        };
        apis.upsert(&api).await.unwrap();
        apis.upsert(&api).await.unwrap();
        assert_eq!(apis.get_by_workflow(&id).await.unwrap(), Some(api));
        assert!(apis.delete_by_workflow(&id).await.unwrap());
        assert_eq!(apis.get_by_workflow(&id).await.unwrap(), None);
    }

    pub async fn collection_defs_repository(s: S) {
        crate::migrate(&*s).await.unwrap();
        let defs = crate::CollectionDefs::new(s.clone());
        let owner = UserId::from_stored("o");
        let def: orchestrix_domain::CollectionDef = serde_json::from_value(json!({
            "collectionName": "members", "fields": {"email": {"type": "email", "unique": true}, "name": "string"}
        })).unwrap();
        defs.upsert(&owner, &def).await.unwrap();
        defs.upsert(&owner, &def).await.unwrap();
        let other: orchestrix_domain::CollectionDef =
            serde_json::from_value(json!({"collectionName": "alpha", "fields": {}})).unwrap();
        defs.upsert(&owner, &other).await.unwrap();
        defs.upsert(&UserId::from_stored("someone"), &other)
            .await
            .unwrap();
        assert_eq!(
            defs.get(&owner, &def.collection_name).await.unwrap(),
            Some(def.clone())
        );
        assert_eq!(
            defs.list_for_owner(&owner).await.unwrap(),
            vec![other.clone(), def.clone()]
        );
        assert!(defs.delete(&owner, &def.collection_name).await.unwrap());
        assert_eq!(defs.get(&owner, &def.collection_name).await.unwrap(), None);
    }

    fn execution(id: &str, wf: &str, started: &str) -> orchestrix_domain::Execution {
        orchestrix_domain::Execution {
            execution_id: orchestrix_domain::ExecutionId::from_stored(id),
            workflow_id: wf.into(),
            owner_id: UserId::from_stored("o"),
            status: orchestrix_domain::ExecutionStatus::Running,
            started_at: started.parse().unwrap(),
            finished_at: None,
            duration_ms: None,
            steps: vec![],
            error: None,
        }
    }

    pub async fn executions_repository(s: S) {
        crate::migrate(&*s).await.unwrap();
        let execs = crate::Executions::new(s.clone());
        let e1 = execution("exec_1", "wf", "2024-01-01T00:00:00Z");
        let e2 = execution("exec_2", "wf", "2024-01-02T00:00:00Z");
        let e3 = execution("exec_3", "other", "2024-01-03T00:00:00Z");
        for e in [&e1, &e2, &e3] {
            execs.insert(e).await.unwrap();
        }
        let mut done = e1.clone();
        done.status = orchestrix_domain::ExecutionStatus::Succeeded;
        done.duration_ms = Some(12.5);
        done.finished_at = Some("2024-01-01T00:00:01Z".parse().unwrap());
        execs.update(&done).await.unwrap();
        assert_eq!(
            execs.get(&e1.execution_id).await.unwrap(),
            Some(done.clone())
        );
        assert_eq!(
            execs.list_for_workflow("wf", 10).await.unwrap(),
            vec![e2.clone(), done]
        );
        assert_eq!(execs.list_for_workflow("wf", 1).await.unwrap(), vec![e2]);
        assert!(matches!(
            execs.insert(&e3).await,
            Err(StoreError::DuplicateKey { .. })
        ));
    }

    pub async fn execution_events_repository(s: S) {
        crate::migrate(&*s).await.unwrap();
        let events = crate::ExecutionEvents::new(s.clone());
        let id = orchestrix_domain::ExecutionId::from_stored("exec_e");
        let mk = |seq: u64, t| orchestrix_domain::ExecutionEvent::new(t, id.clone(), "wf", seq);
        use orchestrix_domain::EventType as T;
        let evs = [
            mk(2, T::StepComplete),
            mk(0, T::WorkflowStart),
            mk(1, T::StepStart),
            mk(3, T::WorkflowComplete),
        ];
        for e in &evs {
            events.append(e).await.unwrap();
        }
        assert!(matches!(
            events.append(&evs[0]).await,
            Err(StoreError::DuplicateKey { .. })
        ));
        let listed = events.list_for_execution(&id).await.unwrap();
        assert_eq!(
            listed.iter().map(|e| e.seq).collect::<Vec<_>>(),
            [0, 1, 2, 3]
        );
        assert_eq!(listed[0].event_type, T::WorkflowStart);
        assert!(
            events
                .list_for_execution(&orchestrix_domain::ExecutionId::from_stored("none"))
                .await
                .unwrap()
                .is_empty()
        );
    }
}
