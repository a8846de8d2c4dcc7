//! The `mmapplypolicy` LIST file format: bytes in, [`Record`]s out. Knows nothing of Parquet.

pub mod encode;
pub mod fields;
pub mod layout;
pub mod line;
pub mod percent;
pub mod time;

#[cfg(test)]
mod tests;

pub use fields::{FIELDS, FieldDef, FieldType};
pub use layout::{Escape, Layout, LayoutError, ShowColumn, ShowLayout};
pub use line::{LineError, LineKind, LineParser, Record, Value};
