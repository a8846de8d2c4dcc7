//! Typed access to the columns of a batch, and the row filter every streaming report applies.

use crate::aggregate::pathkey;
use crate::aggregate::spec::Filter;
use crate::dataset::view::Partition;
use anyhow::{Context, Result};
use arrow::array::{Array, AsArray, BinaryArray, Int64Array, PrimitiveArray, StringArray};
use arrow::datatypes::{Int64Type, TimestampMicrosecondType, UInt32Type, UInt64Type};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use std::fs::File;
use std::path::Path;

pub const BATCH_ROWS: usize = 64 * 1024;

/// A batch's columns by role; a column the file lacks reads as all null.
pub struct Cols<'a> {
    pub rows: usize,
    pub path: Option<&'a StringArray>,
    pub path_bytes: Option<&'a BinaryArray>,
    pub kind: Option<&'a StringArray>,
    pub size: Option<&'a Int64Array>,
    pub kballoc: Option<&'a Int64Array>,
    pub nlink: Option<&'a Int64Array>,
    pub inode: Option<&'a PrimitiveArray<UInt64Type>>,
    pub generation: Option<&'a PrimitiveArray<UInt32Type>>,
    pub snapshot: Option<&'a PrimitiveArray<UInt64Type>>,
    pub uid: Option<&'a PrimitiveArray<UInt32Type>>,
    pub gid: Option<&'a PrimitiveArray<UInt32Type>>,
    pub fileset: Option<&'a StringArray>,
    pub pool: Option<&'a StringArray>,
    pub access: Option<&'a PrimitiveArray<TimestampMicrosecondType>>,
    pub modify: Option<&'a PrimitiveArray<TimestampMicrosecondType>>,
    pub change: Option<&'a PrimitiveArray<TimestampMicrosecondType>>,
}

impl<'a> Cols<'a> {
    pub fn new(b: &'a RecordBatch) -> Cols<'a> {
        let c = |n: &str| b.column_by_name(n);
        Cols {
            rows: b.num_rows(),
            path: c("path").and_then(|a| a.as_string_opt()),
            path_bytes: c("path_bytes").and_then(|a| a.as_binary_opt()),
            kind: c("kind").and_then(|a| a.as_string_opt()),
            size: c("size").and_then(|a| a.as_primitive_opt::<Int64Type>()),
            kballoc: c("kballoc").and_then(|a| a.as_primitive_opt::<Int64Type>()),
            nlink: c("nlink").and_then(|a| a.as_primitive_opt::<Int64Type>()),
            inode: c("inode").and_then(|a| a.as_primitive_opt()),
            generation: c("gen").and_then(|a| a.as_primitive_opt()),
            snapshot: c("snapshot").and_then(|a| a.as_primitive_opt()),
            uid: c("uid").and_then(|a| a.as_primitive_opt()),
            gid: c("gid").and_then(|a| a.as_primitive_opt()),
            fileset: c("fileset").and_then(|a| a.as_string_opt()),
            pool: c("pool").and_then(|a| a.as_string_opt()),
            access: c("access").and_then(|a| a.as_primitive_opt()),
            modify: c("modify").and_then(|a| a.as_primitive_opt()),
            change: c("change").and_then(|a| a.as_primitive_opt()),
        }
    }

    /// The raw path bytes of row `i`.
    pub fn path(&self, i: usize) -> &'a [u8] {
        if let Some(pb) = self.path_bytes
            && pb.is_valid(i)
        {
            return pb.value(i);
        }
        self.path.map_or(&[], |p| p.value(i).as_bytes())
    }
}

pub fn opt<T: arrow::datatypes::ArrowPrimitiveType>(a: Option<&PrimitiveArray<T>>, i: usize) -> Option<T::Native> {
    a.and_then(|a| a.is_valid(i).then(|| a.value(i)))
}

pub fn opt_str(a: Option<&StringArray>, i: usize) -> Option<&str> {
    a.and_then(|a| a.is_valid(i).then(|| a.value(i)))
}

/// Columns the filter reads.
pub fn filter_columns(f: &Filter) -> Vec<&'static str> {
    let mut cols = Vec::new();
    if f.prefix.is_some() {
        cols.extend(["path", "path_bytes"]);
    }
    if !f.uid.is_empty() {
        cols.push("uid");
    }
    if !f.gid.is_empty() {
        cols.push("gid");
    }
    if !f.fileset.is_empty() {
        cols.push("fileset");
    }
    if !f.kind.is_empty() {
        cols.push("kind");
    }
    cols
}

/// Row-level conditions (dates and tlds are settled by partition pruning). A row whose value is
/// missing never matches a list.
pub fn keep(f: &Filter, c: &Cols, i: usize) -> bool {
    (f.uid.is_empty() || opt(c.uid, i).is_some_and(|v| f.uid.contains(&v)))
        && (f.gid.is_empty() || opt(c.gid, i).is_some_and(|v| f.gid.contains(&v)))
        && (f.fileset.is_empty() || opt_str(c.fileset, i).is_some_and(|v| f.fileset.iter().any(|x| x == v)))
        && (f.kind.is_empty() || opt_str(c.kind, i).is_some_and(|v| f.kind.iter().any(|x| x == v)))
        && f.prefix.as_ref().is_none_or(|p| pathkey::under(c.path(i), p))
}

/// A reader of `columns` of one file, all row groups or one.
pub fn reader(path: &Path, columns: &[&str], row_group: Option<usize>) -> Result<ParquetRecordBatchReader> {
    reader_with_batch(path, columns, row_group, BATCH_ROWS)
}

/// [`reader`] with a batch size of one's own (merges hold a batch per file open at once).
pub fn reader_with_batch(
    path: &Path,
    columns: &[&str],
    row_group: Option<usize>,
    batch_rows: usize,
) -> Result<ParquetRecordBatchReader> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .with_context(|| format!("cannot read {}", path.display()))?
        .with_batch_size(batch_rows);
    let mask = ProjectionMask::columns(builder.parquet_schema(), columns.iter().copied());
    let builder = builder.with_projection(mask);
    let builder = match row_group {
        Some(g) => builder.with_row_groups(vec![g]),
        None => builder,
    };
    builder.build().with_context(|| format!("cannot read {}", path.display()))
}

/// Row groups of a file whose uid/gid statistics can hold a row the filter wants.
fn row_groups(path: &Path, f: &Filter) -> Result<Vec<usize>> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::file::statistics::Statistics;
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let reader = SerializedFileReader::new(file).with_context(|| format!("cannot read {}", path.display()))?;
    let meta = reader.metadata();
    let schema = meta.file_metadata().schema_descr();
    let index = |name: &str| (0..schema.num_columns()).find(|&i| schema.column(i).name() == name);
    let wanted = |rg: &parquet::file::metadata::RowGroupMetaData, name: &str, values: &[u32]| -> bool {
        if values.is_empty() {
            return true;
        }
        let Some(ci) = index(name) else { return false };
        match rg.column(ci).statistics() {
            Some(Statistics::Int32(s)) => match (s.min_opt(), s.max_opt()) {
                (Some(&lo), Some(&hi)) => values.iter().any(|&v| (lo as u32..=hi as u32).contains(&v)),
                _ => s.null_count_opt() != Some(rg.num_rows() as u64),
            },
            _ => true,
        }
    };
    Ok((0..meta.num_row_groups())
        .filter(|&g| {
            let rg = meta.row_group(g);
            wanted(rg, "uid", &f.uid) && wanted(rg, "gid", &f.gid)
        })
        .collect())
}

/// The (partition, file, row group) tasks of a scan: every row group statistics cannot rule out.
pub fn row_group_tasks<'p>(partitions: &[&'p Partition], f: &Filter) -> Result<Vec<(&'p Partition, &'p Path, usize)>> {
    use rayon::prelude::*;
    let files: Vec<(&Partition, &Path)> =
        partitions.iter().flat_map(|p| p.files.iter().map(move |file| (*p, file.path.as_path()))).collect();
    let groups = files
        .par_iter()
        .map(|&(p, file)| Ok(row_groups(file, f)?.into_iter().map(|g| (p, file, g)).collect::<Vec<_>>()))
        .collect::<Result<Vec<_>>>()?;
    Ok(groups.into_iter().flatten().collect())
}
