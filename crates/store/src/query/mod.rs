//! The query language both adapters share, as one evaluator: filters ([`Filter`]), updates
//! ([`Update`]), sorts ([`Sort`]) and projections ([`Projection`]) over JSON documents with
//! MongoDB's semantics for the JSON types.
//!
//! Filters: `$eq $ne $gt $gte $lt $lte $in $nin $exists $regex` (with `$options`), `$and $or
//! $nor $not $elemMatch $size`, dotted paths, array element matching. Updates: `$set $unset
//! $inc $mul $min $max $push` (with `$each`) `$pull $addToSet $rename $setOnInsert`.
//! Everything else is an [`crate::StoreError::InvalidQuery`], never ignored.
//!
//! The SQLite adapter evaluates with it; the MongoDB adapter parses with it (so both refuse
//! the same input) and sends the query to the server.

mod filter;
mod path;
mod projection;
mod sort;
mod update;
mod value;

pub use filter::Filter;
pub use path::validate_field_path;
pub use projection::Projection;
pub use sort::Sort;
pub use update::Update;
pub(crate) use update::seed_from_filter;
pub use value::{compare_values, values_equal};
