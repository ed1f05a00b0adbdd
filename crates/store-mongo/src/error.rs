//! MongoDB errors as [`StoreError`]s.

use mongodb::error::{Error, ErrorKind, WriteFailure};
use orchestrix_store::StoreError;

/// Server error codes that mean "the request was wrong", not "the store failed".
const BAD_INPUT_CODES: &[i32] = &[
    2,     // BadValue
    9,     // FailedToParse
    14,    // TypeMismatch
    28,    // PathNotViable
    40,    // ConflictingUpdateOperators
    51,    // UnknownError from some update paths
    52,    // DollarPrefixedFieldName
    54,    // NotSingleValueField
    55,    // InvalidDBRef
    56,    // EmptyFieldName
    57,    // DottedFieldName
    66,    // ImmutableField
    67,    // CannotCreateIndex
    73,    // InvalidNamespace
    10334, // BSONObjectTooLarge
    16837, // positional operator
    17419, // document too large after update
];

/// The unique field named by an E11000 message: the index name between `index: ` and
/// ` dup key`, mapped through `fields_of`.
fn duplicate_field(message: &str, fields_of: &dyn Fn(&str) -> Option<String>) -> String {
    let name = message
        .split("index: ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or("");
    if name == "_id_" || (name.is_empty() && message.contains("_id")) {
        return "_id".to_owned();
    }
    fields_of(name).unwrap_or_else(|| {
        // MongoDB's default name form: `a_1_b_1`.
        name.trim_end_matches("_1")
            .split("_1_")
            .collect::<Vec<_>>()
            .join(",")
    })
}

fn classify(code: i32, message: &str, fields_of: &dyn Fn(&str) -> Option<String>) -> StoreError {
    if code == 11000 || code == 11001 {
        StoreError::DuplicateKey {
            field: duplicate_field(message, fields_of),
        }
    } else if BAD_INPUT_CODES.contains(&code) {
        StoreError::InvalidQuery(message.to_owned())
    } else {
        StoreError::Internal(format!("MongoDB error {code}: {message}"))
    }
}

pub(crate) fn map_error(e: Error, fields_of: &dyn Fn(&str) -> Option<String>) -> StoreError {
    match &*e.kind {
        ErrorKind::Write(WriteFailure::WriteError(we)) => classify(we.code, &we.message, fields_of),
        ErrorKind::InsertMany(im) => match im.write_errors.as_ref().and_then(|w| w.first()) {
            Some(we) => classify(we.code, &we.message, fields_of),
            None => StoreError::Unavailable(e.to_string()),
        },
        ErrorKind::Command(ce) => classify(ce.code, &ce.message, fields_of),
        ErrorKind::ServerSelection { .. }
        | ErrorKind::Io(_)
        | ErrorKind::ConnectionPoolCleared { .. }
        | ErrorKind::Write(WriteFailure::WriteConcernError(_))
        | ErrorKind::Shutdown => StoreError::Unavailable(e.to_string()),
        _ => StoreError::Internal(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_messages_name_the_field() {
        let none = |_: &str| None;
        let msg =
            "E11000 duplicate key error collection: db.c index: email_1 dup key: { email: \"x\" }";
        assert_eq!(duplicate_field(msg, &none), "email");
        let msg = "E11000 duplicate key error collection: db.c index: _id_ dup key: { _id: \"x\" }";
        assert_eq!(duplicate_field(msg, &none), "_id");
        let msg = "E11000 duplicate key error collection: db.c index: owner_1_name_1 dup key: { }";
        assert_eq!(duplicate_field(msg, &none), "owner,name");
    }
}
