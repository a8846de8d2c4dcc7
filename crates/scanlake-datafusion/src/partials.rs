//! Query results back into scanlake's partials (and, for `query`, into a table).

use anyhow::{Result, bail};
use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{DataType, Decimal128Type, Int64Type, TimeUnit};
use arrow::record_batch::RecordBatch;
use scanlake::aggregate::partial::{
    ChurnCounters, ChurnPartial, Counters, DuCounters, DuPartial, GroupedPartial, Key, Partial, Sum,
};
use scanlake::aggregate::pathkey;
use scanlake::aggregate::spec::{ChurnBy, ChurnReport, Dimension, GroupedReport, TopFilesReport};
use scanlake::aggregate::table::{Cell, Column, ColumnType, Table};
use scanlake::aggregate::top_files::{FileRow, FilesPartial};

#[derive(Clone, Copy)]
enum KeyKind {
    Int,
    Text,
    Path,
}

/// Columns cast to the few types the readers below handle.
fn cast(a: &ArrayRef, kind: KeyKind) -> Result<ArrayRef> {
    let to = match kind {
        KeyKind::Int => DataType::Int64,
        KeyKind::Text => DataType::Utf8,
        KeyKind::Path => DataType::Binary,
    };
    Ok(arrow::compute::cast(a, &to)?)
}

fn key(a: &ArrayRef, kind: KeyKind, row: usize) -> Key {
    if a.is_null(row) {
        return Key::Null;
    }
    match kind {
        KeyKind::Int => Key::Int(a.as_primitive::<Int64Type>().value(row)),
        KeyKind::Text => Key::Text(a.as_string::<i32>().value(row).to_string()),
        KeyKind::Path => Key::Path(a.as_binary::<i32>().value(row).to_vec()),
    }
}

fn ints(batch: &RecordBatch, from: usize) -> Result<Vec<ArrayRef>> {
    (from..batch.num_columns()).map(|i| cast(batch.column(i), KeyKind::Int)).collect()
}

fn int(a: &ArrayRef, row: usize) -> i64 {
    if a.is_null(row) { 0 } else { a.as_primitive::<Int64Type>().value(row) }
}

/// Sums as exact 128-bit integers (the SQL sums bytes as DECIMAL(38, 0), counts as BIGINT).
fn sums(batch: &RecordBatch, from: usize, to: usize) -> Result<Vec<ArrayRef>> {
    (from..to).map(|i| Ok(arrow::compute::cast(batch.column(i), &DataType::Decimal128(38, 0))?)).collect()
}

fn sum(a: &ArrayRef, row: usize) -> Sum {
    if a.is_null(row) { 0 } else { a.as_primitive::<Decimal128Type>().value(row) }
}

fn grouped_kinds(r: &GroupedReport) -> Vec<KeyKind> {
    let mut kinds = vec![KeyKind::Int];
    kinds.extend(r.by.iter().map(|d| match d {
        Dimension::Uid | Dimension::Gid | Dimension::Size => KeyKind::Int,
        Dimension::Fileset | Dimension::Pool | Dimension::Kind | Dimension::Ext | Dimension::Name => KeyKind::Text,
        Dimension::Tld | Dimension::Dir(_) => KeyKind::Path,
    }));
    kinds.extend(r.age.iter().map(|_| KeyKind::Int));
    kinds.extend(r.size.iter().map(|_| KeyKind::Int));
    kinds
}

fn keys_of(batch: &RecordBatch, kinds: &[KeyKind]) -> Result<Vec<ArrayRef>> {
    kinds.iter().enumerate().map(|(i, k)| cast(batch.column(i), *k)).collect()
}

pub fn grouped(r: &GroupedReport, groups: &[RecordBatch], linked: &[RecordBatch]) -> Result<Partial> {
    let kinds = grouped_kinds(r);
    let n = kinds.len();
    let mut p = GroupedPartial::default();
    for b in groups {
        let keys = keys_of(b, &kinds)?;
        let m = sums(b, n, n + 6)?;
        for row in 0..b.num_rows() {
            let k: Vec<Key> = keys.iter().zip(&kinds).map(|(a, kind)| key(a, *kind, row)).collect();
            let c = Counters {
                objects: sum(&m[0], row),
                files: sum(&m[1], row),
                dirs: sum(&m[2], row),
                bytes: sum(&m[3], row),
                allocated: sum(&m[4], row),
                unique_bytes: sum(&m[5], row),
            };
            p.groups.entry(k).or_default().add(&c);
        }
    }
    for b in linked {
        let keys = keys_of(b, &kinds)?;
        let m = ints(b, n)?;
        for row in 0..b.num_rows() {
            let k: Vec<Key> = keys.iter().zip(&kinds).map(|(a, kind)| key(a, *kind, row)).collect();
            let id = (k, int(&m[0], row) as u64, int(&m[1], row) as u32, int(&m[2], row) as u64);
            let size = int(&m[3], row);
            let e = p.linked.entry(id).or_insert(size);
            *e = (*e).max(size);
        }
    }
    Ok(Partial::Grouped(p))
}

/// Adds one batch of the du query to `p`.
pub fn add_du(p: &mut DuPartial, b: &RecordBatch) -> Result<()> {
    {
        let acq = cast(b.column(0), KeyKind::Int)?;
        let dir = cast(b.column(1), KeyKind::Path)?;
        let m = sums(b, 2, 6)?;
        let newest = cast(b.column(6), KeyKind::Int)?;
        for row in 0..b.num_rows() {
            let Key::Path(d) = key(&dir, KeyKind::Path, row) else { bail!("du query returned a null directory") };
            let c = DuCounters {
                objects: sum(&m[0], row),
                files: sum(&m[1], row),
                bytes: sum(&m[2], row),
                allocated: sum(&m[3], row),
                newest_access: (!newest.is_null(row)).then(|| int(&newest, row)),
            };
            p.dirs.entry((int(&acq, row), d)).or_default().add(&c);
        }
    }
    Ok(())
}

pub fn churn(r: &ChurnReport, batches: &[RecordBatch]) -> Result<Partial> {
    let kind = match r.by {
        ChurnBy::Tld => KeyKind::Path,
        ChurnBy::Uid => KeyKind::Int,
    };
    let mut p = ChurnPartial::default();
    for b in batches {
        let k = cast(b.column(0), kind)?;
        let m = sums(b, 1, 9)?;
        for row in 0..b.num_rows() {
            let c = ChurnCounters::from_array(std::array::from_fn(|i| sum(&m[i], row)));
            p.groups.entry(key(&k, kind, row)).or_default().add(&c);
        }
    }
    Ok(Partial::Churn(p))
}

/// Any query result as a table: integers exact, binaries shown as paths, other types as text.
pub fn table(batches: &[RecordBatch]) -> Result<Table> {
    let Some(first) = batches.first() else { return Ok(Table { columns: Vec::new(), rows: Vec::new() }) };
    let schema = first.schema();
    let columns: Vec<Column> = schema
        .fields()
        .iter()
        .map(|f| Column {
            name: f.name().clone(),
            ty: match f.data_type() {
                t if t.is_integer() => ColumnType::Int,
                DataType::Float16 | DataType::Float32 | DataType::Float64 | DataType::Decimal128(..) => {
                    ColumnType::Float
                }
                DataType::Date32 | DataType::Date64 => ColumnType::Date,
                DataType::Timestamp(TimeUnit::Microsecond, _) => ColumnType::Timestamp,
                _ => ColumnType::Text,
            },
        })
        .collect();
    let mut rows = Vec::new();
    let opts = arrow::util::display::FormatOptions::default();
    for b in batches {
        let prepared: Vec<(ArrayRef, ColumnType)> = b
            .columns()
            .iter()
            .zip(&columns)
            .map(|(a, c)| {
                let a = match (c.ty, a.data_type()) {
                    (ColumnType::Int | ColumnType::Timestamp, _) => cast(a, KeyKind::Int)?,
                    (_, DataType::Binary | DataType::LargeBinary | DataType::BinaryView) => cast(a, KeyKind::Path)?,
                    _ => a.clone(),
                };
                Ok((a, c.ty))
            })
            .collect::<Result<_>>()?;
        for row in 0..b.num_rows() {
            let mut cells = Vec::with_capacity(prepared.len());
            for (a, ty) in &prepared {
                cells.push(if a.is_null(row) {
                    Cell::Null
                } else if matches!(ty, ColumnType::Int | ColumnType::Timestamp) {
                    Cell::Int(a.as_primitive::<Int64Type>().value(row))
                } else if a.data_type() == &DataType::Binary {
                    Cell::Text(pathkey::display(a.as_binary::<i32>().value(row)))
                } else {
                    Cell::Text(arrow::util::display::ArrayFormatter::try_new(a.as_ref(), &opts)?.value(row).to_string())
                });
            }
            rows.push(cells);
        }
    }
    Ok(Table { columns, rows })
}

/// top files' candidates: `acq_days, uid, gid, p, size, access, modify`.
pub fn files(r: &TopFilesReport, batches: &[RecordBatch]) -> Result<Partial> {
    let mut p = FilesPartial::default();
    for b in batches {
        let ints: Vec<ArrayRef> = [0, 1, 2, 4, 5, 6]
            .iter()
            .map(|i| arrow::compute::cast(b.column(*i), &DataType::Int64))
            .collect::<Result<_, _>>()?;
        let paths = arrow::compute::cast(b.column(3), &DataType::Binary)?;
        let paths = paths.as_binary::<i32>();
        let get = |a: &ArrayRef, row: usize| (!a.is_null(row)).then(|| a.as_primitive::<Int64Type>().value(row));
        for row in 0..b.num_rows() {
            p.rows.push(FileRow {
                acq: get(&ints[0], row).unwrap_or_default(),
                uid: get(&ints[1], row).and_then(|v| u32::try_from(v).ok()),
                gid: get(&ints[2], row).and_then(|v| u32::try_from(v).ok()),
                path: paths.value(row).to_vec(),
                size: get(&ints[3], row),
                access: get(&ints[4], row),
                modify: get(&ints[5], row),
            });
        }
    }
    p.prune(r);
    Ok(Partial::Files(p))
}
