//! The finished result of a report: typed columns and rows in a fixed order. Engines never build
//! this; [`finish`] does, from their partials, so the order and spelling of every value are the
//! same whichever engine ran.

use super::partial::{ChurnCounters, Key, Partial, Sum, cmp_keys};
use super::pathkey;
use super::spec::{ChurnBy, Dimension, GroupedReport, Report, ReportKind};
use crate::format::time;
use anyhow::{Result, bail};
use std::cmp::Ordering;

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

/// Empties the named columns: values the dataset could not provide are unknown, not zero.
pub fn blank_columns(table: &mut Table, names: &[&str]) {
    let blank: Vec<usize> = names.iter().filter_map(|n| table.column_index(n)).collect();
    for row in &mut table.rows {
        for &i in &blank {
            row[i] = Cell::Null;
        }
    }
}

/// A total as a cell, or an error naming the column when it does not fit 64 bits.
fn exact(sum: Sum, column: &str) -> Result<Cell> {
    match i64::try_from(sum) {
        Ok(v) => Ok(Cell::Int(v)),
        Err(_) => bail!(
            "the total '{column}' is {sum}, more than a report column holds (2^63-1)\nhint: the dataset holds sizes no real file system has; look for them with `scanlake query DATASET \"SELECT path, size FROM files ORDER BY size DESC LIMIT 10\"`"
        ),
    }
}

fn col(name: &str, ty: ColumnType) -> Column {
    Column { name: name.to_string(), ty }
}

fn date_text(days: i64) -> String {
    let (y, m, d) = time::civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Turns the merged partial of `report` into its table: groups sorted, buckets labelled, linked
/// objects counted once, `top` applied.
///
/// Fails when a total does not fit a 64-bit column (the sums themselves are exact, see [`Sum`]).
pub fn finish(report: &Report, partial: Partial) -> Result<Table> {
    let mut table = match (&report.kind, partial) {
        (ReportKind::Grouped(g), Partial::Grouped(p)) => {
            let mut groups = p.groups;
            for ((key, ..), size) in p.linked {
                groups.entry(key).or_default().unique_bytes += Sum::from(size);
            }
            let mut rows: Vec<_> = groups.into_iter().collect();
            rows.sort_by(|a, b| cmp_keys(&a.0, &b.0));
            let mut columns = grouped_key_columns(g);
            columns.extend(
                [("objects", ColumnType::Int), ("files", ColumnType::Int), ("dirs", ColumnType::Int)]
                    .into_iter()
                    .chain([
                        ("bytes", ColumnType::Bytes),
                        ("allocated", ColumnType::Bytes),
                        ("unique_bytes", ColumnType::Bytes),
                    ])
                    .map(|(n, t)| col(n, t)),
            );
            let rows = rows
                .into_iter()
                .map(|(key, c)| {
                    let mut cells = grouped_key_cells(g, key);
                    let sums = [c.objects, c.files, c.dirs, c.bytes, c.allocated, c.unique_bytes];
                    for (sum, name) in
                        sums.into_iter().zip(["objects", "files", "dirs", "bytes", "allocated", "unique_bytes"])
                    {
                        cells.push(exact(sum, name)?);
                    }
                    Ok(cells)
                })
                .collect::<Result<_>>()?;
            Table { columns, rows }
        }
        (ReportKind::Du(du), Partial::Du(p)) => {
            let mut rows: Vec<_> =
                p.dirs.into_iter().filter(|((_, dir), _)| pathkey::depth(dir) >= du.min_depth).collect();
            rows.sort_by(|a, b| a.0.0.cmp(&b.0.0).then_with(|| pathkey::tree_cmp(&a.0.1, &b.0.1)));
            let columns = vec![
                col("acq", ColumnType::Date),
                col("dir", ColumnType::Text),
                col("depth", ColumnType::Int),
                col("objects", ColumnType::Int),
                col("files", ColumnType::Int),
                col("bytes", ColumnType::Bytes),
                col("allocated", ColumnType::Bytes),
                col("newest_access", ColumnType::Timestamp),
            ];
            let rows = rows
                .into_iter()
                .map(|((acq, dir), c)| {
                    Ok(vec![
                        Cell::Text(date_text(acq)),
                        Cell::Text(pathkey::display(&dir)),
                        Cell::Int(pathkey::depth(&dir) as i64),
                        exact(c.objects, "objects")?,
                        exact(c.files, "files")?,
                        exact(c.bytes, "bytes")?,
                        exact(c.allocated, "allocated")?,
                        c.newest_access.map_or(Cell::Null, Cell::Int),
                    ])
                })
                .collect::<Result<_>>()?;
            Table { columns, rows }
        }
        (ReportKind::Churn(c), Partial::Churn(p)) => {
            let mut rows: Vec<_> = p.groups.into_iter().collect();
            rows.sort_by(|a, b| a.0.cmp_key(&b.0));
            let mut columns = vec![match c.by {
                ChurnBy::Tld => col("tld", ColumnType::Text),
                ChurnBy::Uid => col("uid", ColumnType::Int),
            }];
            columns.extend(
                ChurnCounters::COLUMNS
                    .map(|n| col(n, if n.ends_with("_bytes") { ColumnType::Bytes } else { ColumnType::Int })),
            );
            let rows = rows
                .into_iter()
                .map(|(k, v)| {
                    let mut cells = vec![key_cell(k)];
                    for (sum, name) in v.to_array().into_iter().zip(ChurnCounters::COLUMNS) {
                        cells.push(exact(sum, name)?);
                    }
                    Ok(cells)
                })
                .collect::<Result<_>>()?;
            Table { columns, rows }
        }
        (kind, p) => panic!("partial {p:?} does not belong to report {kind:?}"),
    };
    if let Some(top) = &report.top {
        apply_top(&mut table, &top.column, top.n);
    }
    Ok(table)
}

fn grouped_key_columns(g: &GroupedReport) -> Vec<Column> {
    let mut columns = vec![col("acq", ColumnType::Date)];
    for d in &g.by {
        let ty = match d {
            Dimension::Uid | Dimension::Gid => ColumnType::Int,
            _ => ColumnType::Text,
        };
        columns.push(col(&d.name(), ty));
    }
    if g.age.is_some() {
        columns.push(col("age", ColumnType::Text));
    }
    if g.size.is_some() {
        columns.push(col("size_class", ColumnType::Text));
    }
    columns
}

/// Key layout of grouped reports: `[acq days, dims…, age bucket?, size bucket?]`.
fn grouped_key_cells(g: &GroupedReport, key: Vec<Key>) -> Vec<Cell> {
    let mut it = key.into_iter();
    let mut cells = vec![match it.next() {
        Some(Key::Int(days)) => Cell::Text(date_text(days)),
        other => panic!("grouped key starts with {other:?}, not a scan date"),
    }];
    cells.extend(it.by_ref().take(g.by.len()).map(key_cell));
    let label = |k: Option<Key>, b: &super::spec::Buckets| match k {
        Some(Key::Int(i)) => Cell::Text(b.label(i as u32)),
        _ => Cell::Text("unknown".into()),
    };
    if let Some((_, b)) = &g.age {
        cells.push(label(it.next(), b));
    }
    if let Some(b) = &g.size {
        cells.push(label(it.next(), b));
    }
    cells
}

fn key_cell(k: Key) -> Cell {
    match k {
        Key::Null => Cell::Null,
        Key::Int(i) => Cell::Int(i),
        Key::Text(t) => Cell::Text(t),
        Key::Path(p) => Cell::Text(pathkey::display(&p)),
    }
}

/// Keeps the `n` rows largest in `column` per scan date; ties keep the group order.
fn apply_top(table: &mut Table, column: &str, n: usize) {
    let Some(ci) = table.column_index(column) else { return };
    let acq = table.column_index("acq");
    let value = |r: &Vec<Cell>| match &r[ci] {
        Cell::Int(v) => Some(*v),
        _ => None,
    };
    let date = |r: &Vec<Cell>| acq.map(|a| r[a].clone());
    let date_cmp = |a: &Vec<Cell>, b: &Vec<Cell>| match (date(a), date(b)) {
        (Some(Cell::Text(x)), Some(Cell::Text(y))) => x.cmp(&y),
        _ => Ordering::Equal,
    };
    // Rows arrive in group order; a stable sort keeps it among equal values.
    table.rows.sort_by(|a, b| date_cmp(a, b).then_with(|| value(b).cmp(&value(a))));
    let mut kept = Vec::new();
    let mut count = 0;
    let mut last: Option<Option<Cell>> = None;
    for row in std::mem::take(&mut table.rows) {
        let d = date(&row);
        if last.as_ref() != Some(&d) {
            count = 0;
            last = Some(d);
        }
        if count < n {
            kept.push(row);
        }
        count += 1;
    }
    table.rows = kept;
}
