//! History and growth: usage per scan date and group, made into each group's change over time.
//! Engines (or the usage summaries, [`super::summary`]) compute plain usage by one group over the
//! dates; this turns it into rows. The counters are the five that add up exactly across scans
//! and summaries: objects, files, dirs, bytes, allocated (hard links count per link, as in
//! `bytes`).

use super::cells::{Cell, Column, ColumnType, exact};
use super::counters::{Counters, Key, Sum, cmp_keys};
use super::rows::Rows;
use super::spec::{GrowthReport, HistoryReport};
use crate::dataset::ScanDate;
use anyhow::{Result, bail};
use std::collections::BTreeMap;

/// A counter a report column shows: its name, its type and how to read it from [`Counters`].
type CounterColumn = (&'static str, ColumnType, fn(&Counters) -> Sum);

/// The counters a history shows, in order.
const COUNTERS: [CounterColumn; 5] = [
    ("objects", ColumnType::Int, |c| c.objects),
    ("files", ColumnType::Int, |c| c.files),
    ("dirs", ColumnType::Int, |c| c.dirs),
    ("bytes", ColumnType::Bytes, |c| c.bytes),
    ("allocated", ColumnType::Bytes, |c| c.allocated),
];

/// Changes a history shows: of these counters, against the group's previous scan.
const CHANGES: [CounterColumn; 3] = [
    ("objects_change", ColumnType::Int, |c| c.objects),
    ("bytes_change", ColumnType::Bytes, |c| c.bytes),
    ("allocated_change", ColumnType::Bytes, |c| c.allocated),
];

/// One scan's groups: the group key (without the date) → its counters, in report order.
type Scan = BTreeMap<OrderedKey, Counters>;

/// A group key ordered as reports order groups.
#[derive(Clone, PartialEq, Eq)]
struct OrderedKey(Vec<Key>);

impl Ord for OrderedKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        cmp_keys(&self.0, &other.0)
    }
}

impl PartialOrd for OrderedKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Groups by scan date: keys are `[scan date (days), group…]`.
fn by_date(groups: impl Iterator<Item = Result<(Vec<Key>, Counters)>>) -> Result<BTreeMap<i64, Scan>> {
    let mut dates: BTreeMap<i64, Scan> = BTreeMap::new();
    for entry in groups {
        let (mut key, counters) = entry?;
        let Some(Key::Int(days)) = (!key.is_empty()).then(|| key.remove(0)) else {
            bail!("a grouped key does not start with a scan date");
        };
        dates.entry(days).or_default().entry(OrderedKey(key)).or_default().add(&counters);
    }
    Ok(dates)
}

/// `change ÷ before × 100`, as the shortest text that reads back as the same float; none from zero.
fn percent(change: Sum, before: Sum) -> Cell {
    if before == 0 {
        return Cell::Null;
    }
    Cell::Text(format!("{}", change as f64 / before as f64 * 100.0))
}

/// The history's columns: `acq`, the group, the counters, the changes, `bytes_change_pct`.
fn history_columns(group: Column) -> Vec<Column> {
    let mut columns = vec![Column::new("acq", ColumnType::Date), group];
    columns.extend(COUNTERS.iter().map(|(n, t, _)| Column::new(n, *t)));
    columns.extend(CHANGES.iter().map(|(n, t, _)| Column::new(n, *t)));
    columns.push(Column::new("bytes_change_pct", ColumnType::Float));
    columns
}

/// One row per scan date (from `since`) and group present then or at the scan before: the
/// counters, and the change since the scan before (none for the first date computed). A group
/// absent at the scan before changed from zero; a group that disappeared gets a row of zeros.
pub fn history_rows(
    h: &HistoryReport,
    group: Column,
    groups: impl Iterator<Item = Result<(Vec<Key>, Counters)>>,
) -> Result<Rows> {
    let mut scans = by_date(groups)?;
    let mut rows: Vec<Result<Vec<Cell>>> = Vec::new();
    let empty = Scan::new();
    let mut before: Option<Scan> = None;
    for date in &h.dates {
        let days = date.days_since_epoch();
        let now = scans.remove(&days).unwrap_or_default();
        if h.since.is_none_or(|since| *date >= since) {
            let previous = before.as_ref().unwrap_or(&empty);
            let mut keys: Vec<&OrderedKey> =
                now.keys().chain(previous.keys().filter(|k| !now.contains_key(k))).collect();
            keys.sort();
            for key in keys {
                let zero = Counters::default();
                let current = now.get(key).unwrap_or(&zero);
                let last = before.as_ref().map(|b| b.get(key).unwrap_or(&zero));
                rows.push(history_row(*date, key, current, last));
            }
        }
        before = Some(now);
    }
    Ok(Rows::new(history_columns(group), rows.into_iter()))
}

fn history_row(date: ScanDate, key: &OrderedKey, now: &Counters, before: Option<&Counters>) -> Result<Vec<Cell>> {
    let mut cells = vec![Cell::Text(date.to_string())];
    cells.extend(key.0.iter().cloned().map(Key::into_cell));
    for (name, _, value) in COUNTERS {
        cells.push(exact(value(now), name)?);
    }
    for (name, _, value) in CHANGES {
        cells.push(match before {
            Some(b) => exact(value(now) - value(b), name)?,
            None => Cell::Null,
        });
    }
    cells.push(before.map_or(Cell::Null, |b| percent(now.bytes - b.bytes, b.bytes)));
    Ok(cells)
}

/// One row per group present at either scan: bytes and objects at both, and the change; the
/// report's `top` then keeps the largest `bytes_change`.
pub fn growth_rows(
    g: &GrowthReport,
    group: Column,
    groups: impl Iterator<Item = Result<(Vec<Key>, Counters)>>,
) -> Result<Rows> {
    let mut scans = by_date(groups)?;
    let from = scans.remove(&g.from.days_since_epoch()).unwrap_or_default();
    let to = scans.remove(&g.to.days_since_epoch()).unwrap_or_default();
    let mut keys: Vec<&OrderedKey> = from.keys().chain(to.keys().filter(|k| !from.contains_key(k))).collect();
    keys.sort();
    let mut columns = vec![group, Column::new("from", ColumnType::Date), Column::new("to", ColumnType::Date)];
    for (name, ty) in [
        ("bytes_from", ColumnType::Bytes),
        ("bytes_to", ColumnType::Bytes),
        ("bytes_change", ColumnType::Bytes),
        ("bytes_change_pct", ColumnType::Float),
        ("objects_from", ColumnType::Int),
        ("objects_to", ColumnType::Int),
        ("objects_change", ColumnType::Int),
    ] {
        columns.push(Column::new(name, ty));
    }
    let zero = Counters::default();
    let rows: Vec<Result<Vec<Cell>>> = keys
        .into_iter()
        .map(|key| {
            let (a, b) = (from.get(key).unwrap_or(&zero), to.get(key).unwrap_or(&zero));
            let mut cells: Vec<Cell> = key.0.iter().cloned().map(Key::into_cell).collect();
            cells.extend([Cell::Text(g.from.to_string()), Cell::Text(g.to.to_string())]);
            cells.extend([
                exact(a.bytes, "bytes_from")?,
                exact(b.bytes, "bytes_to")?,
                exact(b.bytes - a.bytes, "bytes_change")?,
                percent(b.bytes - a.bytes, a.bytes),
                exact(a.objects, "objects_from")?,
                exact(b.objects, "objects_to")?,
                exact(b.objects - a.objects, "objects_change")?,
            ]);
            Ok(cells)
        })
        .collect();
    Ok(Rows::new(columns, rows.into_iter()))
}
