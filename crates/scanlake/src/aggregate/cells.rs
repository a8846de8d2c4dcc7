//! A finished result's shape: typed columns and cells, and a table of them. Shared by the rows
//! that stream and the tables that are collected, and by everything that writes them.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    Int,
    /// A byte count: human-readable in tables.
    Bytes,
    /// `YYYY-MM-DD`, held as text.
    Date,
    /// A number that is not an integer (from SQL), held as its shortest exact text.
    Float,
    /// Microseconds since the epoch, UTC.
    Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub ty: ColumnType,
}

impl Column {
    pub fn new(name: &str, ty: ColumnType) -> Column {
        Column { name: name.to_string(), ty }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}
