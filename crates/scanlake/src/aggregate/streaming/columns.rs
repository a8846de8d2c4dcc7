//! Typed access to the columns of a batch, and the row filter every streaming report applies.

use crate::aggregate::filter::{Clause, Filter, TimeField};
use crate::dataset::integrity;
use crate::dataset::view::{DataFile, Partition};
use crate::dataset::writer::{LINK_COLUMN, LINK_ROWS_KEY, may_be_link, parse_link_identity};
use anyhow::{Context, Result};
use arrow::array::{Array, AsArray, BinaryArray, FixedSizeBinaryArray, Int64Array, PrimitiveArray, StringArray};
use arrow::datatypes::{
    DataType, Field, Int32Type, Int64Type, Schema, TimestampMicrosecondType, UInt32Type, UInt64Type,
};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::file::metadata::{KeyValue, RowGroupMetaData};

pub const BATCH_ROWS: usize = 64 * 1024;

/// A batch's columns by role; a column the file lacks reads as all null.
pub struct Cols<'a> {
    pub rows: usize,
    pub path: Option<&'a StringArray>,
    pub path_bytes: Option<&'a BinaryArray>,
    pub kind: Option<KindColumn<'a>>,
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
    pub create: Option<&'a PrimitiveArray<TimestampMicrosecondType>>,
    pub misc: Option<&'a StringArray>,
    /// Identities of possible hard links (`writer::LINK_COLUMN`), in files that have it.
    pub link: Option<&'a FixedSizeBinaryArray>,
}

impl<'a> Cols<'a> {
    pub fn new(b: &'a RecordBatch) -> Cols<'a> {
        let c = |n: &str| b.column_by_name(n);
        Cols {
            rows: b.num_rows(),
            path: c("path").and_then(|a| a.as_string_opt()),
            path_bytes: c("path_bytes").and_then(|a| a.as_binary_opt()),
            kind: c("kind").and_then(|a| KindColumn::of(a.as_ref())),
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
            create: c("create").and_then(|a| a.as_primitive_opt()),
            misc: c("misc").and_then(|a| a.as_string_opt()),
            link: c(LINK_COLUMN).and_then(|a| a.as_fixed_size_binary_opt()),
        }
    }

    /// The identity (inode, gen, snapshot) of row `i`'s object if it may be one of several hard
    /// links, else none: from the link column where the file has one, else from `kind`, `nlink`
    /// and the identity columns (missing ids read as 0).
    #[inline]
    pub fn link_identity(&self, i: usize) -> Option<(u64, u32, u64)> {
        match self.link {
            Some(l) => l.is_valid(i).then(|| parse_link_identity(l.value(i))),
            None => may_be_link(self.kind_class(i) == KindClass::Dir, opt(self.nlink, i)).then(|| {
                (
                    opt(self.inode, i).unwrap_or(0),
                    opt(self.generation, i).unwrap_or(0),
                    opt(self.snapshot, i).unwrap_or(0),
                )
            }),
        }
    }

    /// The `kind` of row `i`.
    pub fn kind(&self, i: usize) -> Option<&'a str> {
        self.kind.as_ref().and_then(|k| k.get(i))
    }

    /// Row `i`'s kind as the counters see it, without comparing strings per row.
    #[inline]
    pub fn kind_class(&self, i: usize) -> KindClass {
        match &self.kind {
            None => KindClass::Other,
            Some(KindColumn::Coded { keys, classes, .. }) => {
                if keys.is_valid(i) {
                    classes.get(keys.value(i) as usize).copied().unwrap_or(KindClass::Other)
                } else {
                    KindClass::Other
                }
            }
            Some(k @ KindColumn::Plain(_)) => KindClass::of(k.get(i)),
        }
    }

    /// A time column by field.
    pub fn time(&self, field: TimeField) -> Option<&'a PrimitiveArray<TimestampMicrosecondType>> {
        match field {
            TimeField::Access => self.access,
            TimeField::Modify => self.modify,
            TimeField::Change => self.change,
            TimeField::Create => self.create,
        }
    }

    /// The raw path bytes of row `i`.
    pub fn path(&self, i: usize) -> &'a [u8] {
        raw_path(self.path, self.path_bytes, i)
    }
}

/// The raw bytes of a row's path: `path_bytes` where set (the path is not UTF-8), else `path`.
pub fn raw_path<'a>(path: Option<&'a StringArray>, path_bytes: Option<&'a BinaryArray>, i: usize) -> &'a [u8] {
    if let Some(pb) = path_bytes
        && pb.is_valid(i)
    {
        return pb.value(i);
    }
    path.map_or(&[], |p| p.value(i).as_bytes())
}

/// `kind` as read: by its dictionary codes where the reader was asked for a dictionary (see
/// [`Task::open`]), else as strings. Decoding it into strings for every row, then comparing them,
/// was a tenth of a grouped report's time.
pub enum KindColumn<'a> {
    Plain(&'a StringArray),
    /// Dictionary codes, with each code's name and class worked out once per batch.
    Coded {
        keys: &'a PrimitiveArray<Int32Type>,
        names: Vec<Option<&'a str>>,
        classes: Vec<KindClass>,
    },
}

/// What the counters tell apart: files, directories, everything else (a missing kind included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindClass {
    File,
    Dir,
    Other,
}

impl KindClass {
    pub fn of(kind: Option<&str>) -> KindClass {
        match kind {
            Some("file") => KindClass::File,
            Some("dir") => KindClass::Dir,
            _ => KindClass::Other,
        }
    }
}

impl<'a> KindColumn<'a> {
    fn of(a: &'a dyn Array) -> Option<KindColumn<'a>> {
        if let Some(d) = a.as_dictionary_opt::<Int32Type>() {
            let values = d.values().as_string_opt::<i32>()?;
            let names: Vec<Option<&str>> =
                (0..values.len()).map(|v| values.is_valid(v).then(|| values.value(v))).collect();
            let classes = names.iter().map(|n| KindClass::of(*n)).collect();
            return Some(KindColumn::Coded { keys: d.keys(), names, classes });
        }
        a.as_string_opt().map(KindColumn::Plain)
    }

    fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            KindColumn::Plain(s) => s.is_valid(i).then(|| s.value(i)),
            KindColumn::Coded { keys, names, .. } => {
                if keys.is_valid(i) {
                    names.get(keys.value(i) as usize).copied().flatten()
                } else {
                    None
                }
            }
        }
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
    let mut cols = f.columns();
    if f.reads_path() {
        cols.extend(["path", "path_bytes"]);
    }
    cols
}

/// A filter's conditions for the rows of one scan date, tested row by row.
#[derive(Clone)]
pub struct RowFilter {
    clauses: Vec<Clause>,
    /// Whether any clause looks at rows at all (else [`RowFilter::keep`] keeps every row).
    pub active: bool,
}

impl RowFilter {
    pub fn new(f: &Filter, partition: &Partition) -> Result<RowFilter> {
        Ok(RowFilter { clauses: f.compile(partition.acq)?, active: f.filters_rows() })
    }

    /// Keeps every row.
    pub fn none() -> RowFilter {
        RowFilter { clauses: Vec::new(), active: false }
    }

    /// Whether row `i` meets every clause. A row whose value is missing never matches a list,
    /// an age or a size bound.
    pub fn keep(&self, c: &Cols, i: usize) -> bool {
        !self.active || self.clauses.iter().all(|k| clause_keeps(k, c, i))
    }

    /// The rows of a batch that [`RowFilter::keep`] keeps, worked out a condition at a time over
    /// the whole batch (a kind by its dictionary code, not its name); `None` keeps every row.
    pub fn mask(&self, c: &Cols) -> Option<Vec<bool>> {
        if !self.active {
            return None;
        }
        let mut keep = vec![true; c.rows];
        for k in &self.clauses {
            clause_mask(k, c, &mut keep);
        }
        Some(keep)
    }
}

/// Keeps, of the rows still kept, those that pass `test`.
fn narrow(keep: &mut [bool], test: impl Fn(usize) -> bool) {
    for (i, k) in keep.iter_mut().enumerate() {
        *k = *k && test(i);
    }
}

/// [`clause_keeps`] over a whole batch, condition by condition.
fn clause_mask(k: &Clause, c: &Cols, keep: &mut [bool]) {
    if !k.uid.is_empty() {
        narrow(keep, |i| opt(c.uid, i).is_some_and(|v| k.uid.contains(&v)));
    }
    if !k.gid.is_empty() {
        narrow(keep, |i| opt(c.gid, i).is_some_and(|v| k.gid.contains(&v)));
    }
    if !k.fileset.is_empty() {
        narrow(keep, |i| opt_str(c.fileset, i).is_some_and(|v| k.fileset.iter().any(|x| x == v)));
    }
    if !k.pool.is_empty() {
        narrow(keep, |i| opt_str(c.pool, i).is_some_and(|v| k.pool.iter().any(|x| x == v)));
    }
    if !k.kind.is_empty() {
        let wanted = |name: Option<&str>| name.is_some_and(|v| k.kind.iter().any(|x| x == v));
        match &c.kind {
            Some(KindColumn::Coded { keys, names, .. }) => {
                let by_code: Vec<bool> = names.iter().map(|n| wanted(*n)).collect();
                narrow(keep, |i| keys.is_valid(i) && by_code.get(keys.value(i) as usize).copied().unwrap_or(false));
            }
            _ => narrow(keep, |i| wanted(c.kind(i))),
        }
    }
    if k.size_min.is_some() || k.size_max.is_some() {
        narrow(keep, |i| k.size_matches(opt(c.size, i)));
    }
    for (f, b) in &k.before {
        let t = c.time(*f);
        narrow(keep, |i| opt(t, i).is_some_and(|v| v < *b));
    }
    for (f, b) in &k.from {
        let t = c.time(*f);
        narrow(keep, |i| opt(t, i).is_some_and(|v| v >= *b));
    }
    if !k.misc_has.is_empty() || !k.misc_lacks.is_empty() {
        narrow(keep, |i| k.misc_matches(opt_str(c.misc, i).map(str::as_bytes)));
    }
    if !k.prefix.is_empty() || k.name.is_some() || k.path_regex.is_some() {
        narrow(keep, |i| k.path_matches(c.path(i)));
    }
}

fn clause_keeps(k: &Clause, c: &Cols, i: usize) -> bool {
    let time = |f: TimeField| opt(c.time(f), i);
    (k.uid.is_empty() || opt(c.uid, i).is_some_and(|v| k.uid.contains(&v)))
        && (k.gid.is_empty() || opt(c.gid, i).is_some_and(|v| k.gid.contains(&v)))
        && (k.fileset.is_empty() || opt_str(c.fileset, i).is_some_and(|v| k.fileset.iter().any(|x| x == v)))
        && (k.pool.is_empty() || opt_str(c.pool, i).is_some_and(|v| k.pool.iter().any(|x| x == v)))
        && (k.kind.is_empty() || c.kind(i).is_some_and(|v| k.kind.iter().any(|x| x == v)))
        && k.size_matches(opt(c.size, i))
        && k.before.iter().all(|(f, b)| time(*f).is_some_and(|v| v < *b))
        && k.from.iter().all(|(f, b)| time(*f).is_some_and(|v| v >= *b))
        && ((k.misc_has.is_empty() && k.misc_lacks.is_empty()) || k.misc_matches(opt_str(c.misc, i).map(str::as_bytes)))
        && ((k.prefix.is_empty() && k.name.is_none() && k.path_regex.is_none()) || k.path_matches(c.path(i)))
}

/// The columns that tell possible hard links apart in a file of `schema`: its link column, or in
/// files written before it, `nlink` and the identity columns.
pub fn link_columns(schema: &Schema) -> &'static [&'static str] {
    const OLD: [&str; 4] = ["nlink", "inode", "gen", "snapshot"];
    if schema.column_with_name(LINK_COLUMN).is_some() { &[LINK_COLUMN] } else { &OLD }
}

/// A reader of `columns` of one whole file, `batch_rows` rows at a time (a merge holds a batch
/// per file open at once, hence its own batch size), and, when `want_links`, of its
/// [`link_columns`] too unless the writer recorded that no row of the file may be a hard link.
/// Says whether it reads them. The footer and each column chunk read are checked ([`integrity`]).
pub fn reader_with_links(
    file: &DataFile,
    columns: &[&str],
    want_links: bool,
    batch_rows: usize,
) -> Result<(ParquetRecordBatchReader, bool)> {
    let opened = integrity::open(&file.path, file.checksum.as_ref())?;
    let meta = opened.reader_metadata(Default::default())?;
    let parquet = meta.metadata();
    let link_columns = if want_links { link_columns(meta.schema()) } else { &[] };
    let links = !link_columns.is_empty()
        && link_rows(parquet.file_metadata().key_value_metadata(), parquet.num_row_groups())
            .is_none_or(|rows| rows.iter().any(|&n| n > 0));
    let builder =
        ParquetRecordBatchReaderBuilder::new_with_metadata(opened.source()?, meta).with_batch_size(batch_rows);
    let mask = ProjectionMask::columns(
        builder.parquet_schema(),
        columns.iter().chain(if links { link_columns } else { &[] }).copied(),
    );
    let reader =
        builder.with_projection(mask).build().with_context(|| format!("cannot read {}", file.path.display()))?;
    Ok((reader, links))
}

/// One data file: a unit of parallel work. Its footer is read once, when the task starts, so that
/// memory holds the footers of the files being read, not of every file of the scan.
pub struct Task<'p> {
    pub partition: &'p Partition,
    pub file: &'p DataFile,
}

/// A task's file, open (its footer checked): the row groups its statistics cannot rule out.
pub struct OpenFile {
    pub file: Checked,
    /// (row group, rows of it that may be hard links where the writer recorded it).
    pub row_groups: Vec<(usize, Option<u64>)>,
    /// Row groups ruled out by their statistics.
    pub skipped: usize,
}

/// A data file whose footer was checked and read (with `kind` as a dictionary): row groups are
/// read from it with each column chunk checked.
#[derive(Clone)]
pub struct Checked {
    opened: integrity::Opened,
    meta: ArrowReaderMetadata,
}

impl Checked {
    pub fn open(file: &DataFile) -> Result<Checked> {
        let opened = integrity::open(&file.path, file.checksum.as_ref())?;
        let meta = kind_as_dictionary(opened.reader_metadata(Default::default())?)
            .with_context(|| format!("cannot read {}", file.path.display()))?;
        Ok(Checked { opened, meta })
    }

    /// The footer, read once (with `kind` as a dictionary).
    pub fn metadata(&self) -> &ArrowReaderMetadata {
        &self.meta
    }

    pub fn path(&self) -> &std::path::Path {
        &self.opened.path
    }

    /// Reads `columns` of one row group, `batch_rows` rows at a time.
    pub fn read_row_group(
        &self,
        row_group: usize,
        columns: &[&str],
        batch_rows: usize,
    ) -> Result<ParquetRecordBatchReader> {
        self.read_selected(row_group, columns, None, batch_rows)
    }

    /// Reads `columns` of the rows of one row group that `selection` selects (all without one).
    pub fn read_selected(
        &self,
        row_group: usize,
        columns: &[&str],
        selection: Option<parquet::arrow::arrow_reader::RowSelection>,
        batch_rows: usize,
    ) -> Result<ParquetRecordBatchReader> {
        let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(self.opened.source()?, self.meta.clone())
            .with_batch_size(batch_rows);
        let mask = ProjectionMask::columns(builder.parquet_schema(), columns.iter().copied());
        let builder = builder.with_projection(mask).with_row_groups(vec![row_group]);
        let builder = match selection {
            Some(selection) => builder.with_row_selection(selection),
            None => builder,
        };
        builder.build().with_context(|| format!("cannot read {}", self.opened.path.display()))
    }
}

impl<'p> Task<'p> {
    /// Opens the file and rules out the row groups whose statistics cannot hold a row `f` keeps.
    pub fn open(&self, f: &RowFilter) -> Result<OpenFile> {
        let file = Checked::open(self.file)?;
        let parquet = file.meta.metadata();
        let links = link_rows(parquet.file_metadata().key_value_metadata(), parquet.num_row_groups());
        let row_groups: Vec<(usize, Option<u64>)> = (0..parquet.num_row_groups())
            .filter(|&g| f.clauses.iter().all(|c| wanted(parquet.row_group(g), c)))
            .map(|g| (g, links.as_ref().map(|l| l[g])))
            .collect();
        let skipped = parquet.num_row_groups() - row_groups.len();
        Ok(OpenFile { file, row_groups, skipped })
    }
}

impl OpenFile {
    /// Reads `columns` of one row group.
    pub fn read(&self, row_group: usize, columns: &[&str]) -> Result<ParquetRecordBatchReader> {
        self.file.read_row_group(row_group, columns, BATCH_ROWS)
    }

    /// The footer, read once (with `kind` as a dictionary).
    pub fn metadata(&self) -> &ArrowReaderMetadata {
        self.file.metadata()
    }
}

/// The reader's metadata asking for `kind` as a dictionary: the writer stores it dictionary-encoded
/// (a handful of values), so its codes are read as they are, with no string per row.
fn kind_as_dictionary(meta: ArrowReaderMetadata) -> parquet::errors::Result<ArrowReaderMetadata> {
    let schema = meta.schema();
    let Some((i, field)) = schema.column_with_name("kind") else { return Ok(meta) };
    if field.data_type() != &DataType::Utf8 {
        return Ok(meta);
    }
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields[i] = field.clone().with_data_type(DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)));
    let hinted = std::sync::Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()));
    let options = parquet::arrow::arrow_reader::ArrowReaderOptions::new().with_schema(hinted);
    ArrowReaderMetadata::try_new(meta.metadata().clone(), options)
}

/// Whether row group `rg`'s statistics can hold a row of clause `c`: ids, sizes and times.
fn wanted(rg: &RowGroupMetaData, c: &Clause) -> bool {
    use parquet::file::statistics::Statistics;
    let schema = rg.schema_descr();
    let index = |name: &str| (0..schema.num_columns()).find(|&i| schema.column(i).name() == name);
    let all_null = |n: Option<u64>| n == Some(rg.num_rows() as u64);
    let ids = |name: &str, values: &[u32]| -> bool {
        if values.is_empty() {
            return true;
        }
        let Some(ci) = index(name) else { return false };
        match rg.column(ci).statistics() {
            Some(Statistics::Int32(s)) => match (s.min_opt(), s.max_opt()) {
                (Some(&lo), Some(&hi)) => values.iter().any(|&v| (lo as u32..=hi as u32).contains(&v)),
                _ => !all_null(s.null_count_opt()),
            },
            _ => true,
        }
    };
    // A range [lo, hi] (inclusive, either open) that a column's values must meet.
    let range = |name: &str, lo: Option<i64>, hi: Option<i64>| -> bool {
        let Some(ci) = index(name) else { return false };
        match rg.column(ci).statistics() {
            Some(Statistics::Int64(s)) => match (s.min_opt(), s.max_opt()) {
                (Some(&min), Some(&max)) => lo.is_none_or(|lo| max >= lo) && hi.is_none_or(|hi| min <= hi),
                _ => !all_null(s.null_count_opt()),
            },
            _ => true,
        }
    };
    ids("uid", &c.uid)
        && ids("gid", &c.gid)
        && ((c.size_min.is_none() && c.size_max.is_none()) || range("size", c.size_min, c.size_max))
        && c.time_bounds().iter().all(|&(f, lo, before)| range(f.column(), lo, before.map(|b| b - 1)))
}

/// The tasks of a scan: its data files.
pub fn file_tasks<'p>(partitions: &[&'p Partition]) -> Vec<Task<'p>> {
    partitions.iter().flat_map(|p| p.files.iter().map(move |file| Task { partition: p, file })).collect()
}

/// The writer's count of rows that may be hard links, per row group ([`crate::dataset::writer`]);
/// `None` for files written before it recorded them, or a list that does not fit the file.
fn link_rows(kv: Option<&Vec<KeyValue>>, row_groups: usize) -> Option<Vec<u64>> {
    let value = kv?.iter().find(|kv| kv.key == LINK_ROWS_KEY)?.value.as_deref()?;
    let counts: Vec<u64> = value.split(',').map(str::parse).collect::<Result<_, _>>().ok()?;
    (counts.len() == row_groups).then_some(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_counts_are_used_only_when_they_fit_the_file() {
        let kv = |v: &str| Some(vec![KeyValue::new(LINK_ROWS_KEY.to_string(), v.to_string())]);
        assert_eq!(link_rows(kv("0,3").as_ref(), 2), Some(vec![0, 3]));
        assert_eq!(link_rows(kv("0").as_ref(), 2), None, "a list of another length is not trusted");
        assert_eq!(link_rows(kv("x,1").as_ref(), 2), None);
        assert_eq!(link_rows(None, 1), None, "files written before the count: read every column");
    }

    #[test]
    fn the_batch_mask_keeps_exactly_the_rows_the_row_test_keeps() {
        use crate::aggregate::filter::{AgeCondition, ByteSize};
        use arrow::array::{DictionaryArray, Int32Array, TimestampMicrosecondArray, UInt32Array};
        use std::sync::Arc;
        let n = 200;
        let kinds = StringArray::from(vec![Some("file"), Some("dir"), None, Some("link")]);
        let keys = Int32Array::from((0..n).map(|i| (i % 5 != 4).then_some(i % 4)).collect::<Vec<_>>());
        let kind = DictionaryArray::<Int32Type>::try_new(keys, Arc::new(kinds)).unwrap();
        let uid = UInt32Array::from((0..n).map(|i| (i % 7 != 0).then_some(i as u32 % 3)).collect::<Vec<_>>());
        let size = Int64Array::from((0..n).map(|i| (i % 11 != 0).then_some(i64::from(i) * 1000)).collect::<Vec<_>>());
        let day = 86_400_000_000i64;
        let access = TimestampMicrosecondArray::from(
            (0..n).map(|i| (i % 13 != 0).then_some(day * (20_000 + i64::from(i)))).collect::<Vec<_>>(),
        );
        let path = StringArray::from(
            (0..n).map(|i| format!("/fs/d{}/f{i}.{}", i % 3, ["h5", "txt"][i as usize % 2])).collect::<Vec<_>>(),
        );
        let batch = RecordBatch::try_from_iter([
            ("kind", Arc::new(kind) as arrow::array::ArrayRef),
            ("uid", Arc::new(uid)),
            ("size", Arc::new(size)),
            ("access", Arc::new(access)),
            ("path", Arc::new(path)),
        ])
        .unwrap();
        let c = Cols::new(&batch);
        let partition = Partition {
            acq: "2026-11-01".parse().unwrap(),
            tld_text: "fs".into(),
            tld: b"fs".to_vec(),
            files: Vec::new(),
        };
        let filters = [
            Filter { kind: vec!["file".into(), "link".into()], ..Default::default() },
            Filter {
                uid: vec![1, 2],
                size_min: Some(ByteSize(20_000)),
                size_max: Some(ByteSize(150_000)),
                ..Default::default()
            },
            Filter {
                older: vec![AgeCondition { time: TimeField::Access, days: 400 }],
                name: vec![b"*.h5".to_vec()],
                all: vec![Filter { kind: vec!["file".into()], prefix: vec![b"/fs/d1".to_vec()], ..Default::default() }],
                ..Default::default()
            },
        ];
        for f in &filters {
            let rows = RowFilter::new(f, &partition).unwrap();
            let mask = rows.mask(&c).expect("the filter looks at rows");
            let by_row: Vec<bool> = (0..n as usize).map(|i| rows.keep(&c, i)).collect();
            assert_eq!(mask, by_row, "{f:?}");
            assert!(mask.contains(&true) && mask.contains(&false), "{f:?} keeps some rows and not others");
        }
        assert_eq!(RowFilter::none().mask(&c), None);
    }
}
