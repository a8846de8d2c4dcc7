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

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
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

/// A total as a cell, or an error naming the column when it does not fit 64 bits.
pub fn exact(sum: i128, column: &str) -> anyhow::Result<Cell> {
    match i64::try_from(sum) {
        Ok(v) => Ok(Cell::Int(v)),
        Err(_) => anyhow::bail!(
            "the total '{column}' is {sum}, more than a report column holds (2^63-1)\nhint: the dataset holds sizes no real file system has; look for them with `scanlake query DATASET \"SELECT path, size FROM files ORDER BY size DESC LIMIT 10\"`"
        ),
    }
}
