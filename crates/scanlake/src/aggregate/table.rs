//! The finished result of a report: typed columns and rows in a fixed order. Engines never build
//! this; [`finish`] does, from their partials, so the order and spelling of every value are the
//! same whichever engine ran.

pub use super::cells::{Cell, Column, ColumnType, Table, exact};
use super::history;
use super::partial::{Aggregated, ChurnCounters, Counters, Key, Partial, Sum};
use super::pathkey;
use super::rows::Rows;
use super::sortkey;
use super::spec::{ChurnBy, Counted, Dimension, GroupedReport, Report, ReportKind};
use super::spill::MaxSize;
use crate::format::time;
use anyhow::{Result, bail};

fn col(name: &str, ty: ColumnType) -> Column {
    Column::new(name, ty)
}

fn date_text(days: i64) -> String {
    let (y, m, d) = time::civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Turns the merged partial of `report` into its table (see [`finish_rows`]).
pub fn finish(report: &Report, partial: Partial) -> Result<Table> {
    finish_rows(report, partial.into())?.into_table()
}

/// Turns the combined groups of `report` into its rows: groups in order, buckets labelled, linked
/// objects counted once, `top` applied. Rows are made as they are read, so a spilled result
/// streams from disk to the export.
///
/// A total that does not fit a 64-bit column fails its row (the sums themselves are exact, see [`Sum`]).
pub fn finish_rows(report: &Report, aggregated: Aggregated) -> Result<Rows> {
    let rows = match (&report.kind, aggregated) {
        (ReportKind::Grouped(g), Aggregated::Grouped { groups, linked }) => {
            let mut columns = grouped_key_columns(g);
            // What a ranking does not compute, it does not show (`Report::counted`).
            let counted = report.counted();
            columns.extend(GROUPED_COUNTERS.iter().filter(|(n, _)| counted.has(n)).map(|&(n, t)| col(n, t)));
            let g = g.clone();
            let rows = with_links(groups, linked).map(move |entry| {
                let (key, c) = entry?;
                grouped_row(&g, key, &c, counted)
            });
            Rows::new(columns, rows)
        }
        (ReportKind::History(h), Aggregated::Grouped { groups, linked }) => {
            history::history_rows(h, group_column(h.grouped.by[0]), with_links(groups, linked))?
        }
        (ReportKind::Growth(g), Aggregated::Grouped { groups, linked }) => {
            history::growth_rows(g, group_column(g.grouped.by[0]), with_links(groups, linked))?
        }
        (ReportKind::Duplicates(_), Aggregated::Grouped { groups, linked }) => {
            super::duplicates::rows(with_links(groups, linked))
        }
        (ReportKind::Du(du), Aggregated::Du(dirs)) => {
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
            let min_depth = du.min_depth;
            let rows = dirs.filter_map(move |entry| {
                let row = || {
                    let (key, c) = entry?;
                    let [Key::Int(acq), Key::Path(dir)] = &sortkey::decode(&key)?[..] else {
                        bail!("a du key is not a scan date and a directory")
                    };
                    if pathkey::depth(dir) < min_depth {
                        return Ok(None);
                    }
                    Ok(Some(vec![
                        Cell::Text(date_text(*acq)),
                        Cell::Text(pathkey::display(dir)),
                        Cell::Int(pathkey::depth(dir) as i64),
                        exact(c.objects, "objects")?,
                        exact(c.files, "files")?,
                        exact(c.bytes, "bytes")?,
                        exact(c.allocated, "allocated")?,
                        c.newest_access.map_or(Cell::Null, Cell::Int),
                    ]))
                };
                row().transpose()
            });
            Rows::new(columns, rows)
        }
        (ReportKind::Churn(c), Aggregated::Churn(p)) => {
            let mut groups: Vec<_> = p.groups.into_iter().collect();
            groups.sort_by(|a, b| a.0.cmp_key(&b.0));
            let mut columns = vec![match c.by {
                ChurnBy::Tld => col("tld", ColumnType::Text),
                ChurnBy::Uid => col("uid", ColumnType::Int),
            }];
            columns.extend(
                ChurnCounters::COLUMNS
                    .map(|n| col(n, if n.ends_with("_bytes") { ColumnType::Bytes } else { ColumnType::Int })),
            );
            let rows = groups.into_iter().map(|(k, v)| {
                let mut cells = vec![k.into_cell()];
                for (sum, name) in v.to_array().into_iter().zip(ChurnCounters::COLUMNS) {
                    cells.push(exact(sum, name)?);
                }
                Ok(cells)
            });
            Rows::new(columns, rows)
        }
        (ReportKind::Files(f), Aggregated::Files(p)) => super::top_files::rows(f, p),
        (kind, _) => panic!("the aggregated groups do not belong to report {kind:?}"),
    };
    Ok(match (&report.top, &report.kind) {
        (Some(top), ReportKind::Grouped(g)) if top.other => {
            rows.top_and_other(&top.column, top.n, grouped_key_columns(g).len(), super::extension::OTHER)
        }
        (Some(top), _) => rows.top(&top.column, top.n),
        (None, _) => rows,
    })
}

/// Each group's key and counters, its linked objects counted once into `unique_bytes`.
fn with_links(
    groups: impl Iterator<Item = Result<(Vec<u8>, Counters)>>,
    linked: impl Iterator<Item = Result<(Vec<u8>, MaxSize)>>,
) -> impl Iterator<Item = Result<(Vec<Key>, Counters)>> {
    let mut linked = linked.peekable();
    groups.map(move |entry| {
        let (key, mut c) = entry?;
        // Linked objects sort right after their group: `group key, identity`.
        while let Some(next) =
            linked.next_if(|l| l.as_ref().map_or(true, |(k, _)| k.as_slice() < key.as_slice() || k.starts_with(&key)))
        {
            let (k, size) = next?;
            if k.starts_with(&key) {
                c.unique_bytes += Sum::from(size.0);
            }
        }
        Ok((sortkey::decode(&key)?, c))
    })
}

const GROUPED_COUNTERS: [(&str, ColumnType); 6] = [
    ("objects", ColumnType::Int),
    ("files", ColumnType::Int),
    ("dirs", ColumnType::Int),
    ("bytes", ColumnType::Bytes),
    ("allocated", ColumnType::Bytes),
    ("unique_bytes", ColumnType::Bytes),
];

fn grouped_row(g: &GroupedReport, key: Vec<Key>, c: &Counters, counted: Counted) -> Result<Vec<Cell>> {
    let mut cells = grouped_key_cells(g, key);
    let sums = [c.objects, c.files, c.dirs, c.bytes, c.allocated, c.unique_bytes];
    for (sum, (name, _)) in sums.into_iter().zip(GROUPED_COUNTERS).filter(|(_, (name, _))| counted.has(name)) {
        cells.push(exact(sum, name)?);
    }
    Ok(cells)
}

/// A group's column: ids are numbers, everything else text.
fn group_column(d: Dimension) -> Column {
    let ty = match d {
        Dimension::Uid | Dimension::Gid | Dimension::Size => ColumnType::Int,
        _ => ColumnType::Text,
    };
    col(&d.name(), ty)
}

fn grouped_key_columns(g: &GroupedReport) -> Vec<Column> {
    let mut columns = vec![col("acq", ColumnType::Date)];
    columns.extend(g.by.iter().map(|d| group_column(*d)));
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
    cells.extend(it.by_ref().take(g.by.len()).map(Key::into_cell));
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
