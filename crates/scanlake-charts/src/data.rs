//! A report table as the pictures carry it: column names with units, and cells as JSON values.
//! Integers beyond 2^53 travel as decimal strings so that no figure is rounded on its way to a
//! browser.

use scanlake::aggregate::cells::{Cell, ColumnType, Table};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a column's values are: they decide formatting (digits grouped, binary units).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    Bytes,
    Count,
    Percent,
    Text,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataColumn {
    pub name: String,
    pub unit: Unit,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct DataTable {
    pub columns: Vec<DataColumn>,
    pub rows: Vec<Vec<Value>>,
}

const EXACT_IN_JS: i64 = 1 << 53;

/// A cell as JSON: integers as numbers while a browser holds them exactly, text as strings.
pub fn cell_value(cell: &Cell) -> Value {
    match cell {
        Cell::Null => Value::Null,
        Cell::Int(v) if v.abs() <= EXACT_IN_JS => Value::from(*v),
        Cell::Int(v) => Value::from(v.to_string()),
        Cell::Text(t) => Value::from(t.as_str()),
    }
}

/// A cell as a number for drawing (a mark's size needs no more than f64's precision).
pub fn cell_number(cell: &Cell) -> Option<f64> {
    match cell {
        Cell::Int(v) => Some(*v as f64),
        Cell::Text(t) => t.parse().ok(),
        Cell::Null => None,
    }
}

/// A cell as a label.
pub fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Null => "(none)".to_string(),
        Cell::Int(v) => v.to_string(),
        Cell::Text(t) => t.clone(),
    }
}

fn unit_of(name: &str, ty: ColumnType) -> Unit {
    match ty {
        _ if name.ends_with("_pct") => Unit::Percent,
        // Identifiers are labels, not quantities: no digit grouping.
        _ if matches!(name, "uid" | "gid" | "depth") => Unit::Text,
        ColumnType::Bytes => Unit::Bytes,
        ColumnType::Int if name.contains("bytes") || name.contains("allocated") => Unit::Bytes,
        ColumnType::Int | ColumnType::Float => Unit::Count,
        _ => Unit::Text,
    }
}

impl DataTable {
    /// The whole table.
    pub fn from_table(table: &Table) -> DataTable {
        let keep: Vec<usize> = (0..table.columns.len()).collect();
        DataTable::select(table, &keep, &table.rows.iter().collect::<Vec<_>>())
    }

    /// These columns of these rows.
    pub fn select(table: &Table, columns: &[usize], rows: &[&Vec<Cell>]) -> DataTable {
        DataTable {
            columns: columns
                .iter()
                .map(|&i| DataColumn {
                    name: table.columns[i].name.clone(),
                    unit: unit_of(&table.columns[i].name, table.columns[i].ty),
                })
                .collect(),
            rows: rows.iter().map(|row| columns.iter().map(|&i| cell_value(&row[i])).collect()).collect(),
        }
    }
}

/// The index of a column the chart needs, or an error naming what the table has.
pub fn column(table: &Table, name: &str) -> anyhow::Result<usize> {
    table.column_index(name).ok_or_else(|| {
        let have: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
        anyhow::anyhow!("the report has no column '{name}' to draw (it has: {})", have.join(", "))
    })
}
