//! `find`: the rows of one scan date that a filter keeps, in path order (the raw bytes of
//! `coalesce(path_bytes, path)`), streamed. Each data file is sorted by path, so the rows come
//! from a k-way merge of the scan's files. A partition's paths all lie under its tld, so a
//! partition's files are opened only when the merge reaches its tld: memory holds a few batches
//! of the few files whose paths interleave, never the matches. Each open file is read and
//! filtered on a thread of its own, beside the merge.

pub mod lists;

pub use lists::{LIST_COLUMNS, OwnerList, per_user};

use crate::aggregate::filter::Filter;
use crate::aggregate::pathkey;
use crate::aggregate::rows::Rows;
use crate::aggregate::streaming::columns::{Checked, Cols, RowFilter, Task, filter_columns, opt, raw_path};
use crate::aggregate::table::{Cell, Column, ColumnType};
use crate::dataset::partition::ScanDate;
use crate::dataset::view::{DatasetView, Partition};
use crate::options::OptionError;
use crate::progress::{Progress, Unit};
use anyhow::{Context, Result, bail};
use arrow::array::{Array, AsArray, BinaryArray, PrimitiveArray, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Int32Type, Int64Type, TimestampMicrosecondType, UInt32Type};
use std::sync::Arc;

/// Output columns when the caller names none.
pub const DEFAULT_COLUMNS: [&str; 7] = ["path", "size", "uid", "gid", "access", "modify", "create"];

/// Matches between two reports of progress (and looks at whether the caller asked to stop).
const PROGRESS_ROWS: u64 = 4096;

/// Rows per batch of each open file: a handful of files are open at once.
const FIND_BATCH_ROWS: usize = 16 * 1024;

/// The scan date `find` lists: the one asked for, else the latest.
pub fn scan_date(view: &DatasetView, acq: &[ScanDate]) -> Result<ScanDate> {
    let dates = view.scan_dates();
    match acq {
        [] => dates.last().copied().context("the dataset holds no scan yet\nhint: convert a scan into it first"),
        [d] => {
            if !dates.contains(d) {
                let have: Vec<String> = dates.iter().map(ToString::to_string).collect();
                bail!("scan date {d} is not in this dataset (it has {})", have.join(", "));
            }
            Ok(*d)
        }
        _ => Err(OptionError::new("acq", "find lists one scan date: give one `acq` (or none for the latest)").into()),
    }
}

/// The partitions of `acq` that may hold a row of `filter`, in tld byte order.
fn partitions<'v>(view: &'v DatasetView, filter: &Filter, acq: ScanDate) -> Vec<&'v Partition> {
    let mut parts: Vec<&Partition> =
        view.partitions.iter().filter(|p| p.acq == acq && filter.may_hold_tld(&p.tld, &p.tld_text)).collect();
    parts.sort_by(|a, b| a.tld.cmp(&b.tld));
    parts
}

/// A batch with the columns the merge and the lists read on every row at hand.
pub struct Loaded {
    batch: RecordBatch,
    path: Option<StringArray>,
    path_bytes: Option<BinaryArray>,
    uid: Option<PrimitiveArray<UInt32Type>>,
    size: Option<PrimitiveArray<Int64Type>>,
    access: Option<PrimitiveArray<TimestampMicrosecondType>>,
    /// What a reader derives once per batch ([`Match::per_batch`]), dropped with the batch.
    per_batch: std::sync::OnceLock<Box<dyn std::any::Any + Send + Sync>>,
}

impl Loaded {
    fn new(batch: RecordBatch) -> Loaded {
        let c = |n: &str| batch.column_by_name(n).cloned();
        Loaded {
            path: c("path").and_then(|a| a.as_string_opt::<i32>().cloned()),
            path_bytes: c("path_bytes").and_then(|a| a.as_binary_opt::<i32>().cloned()),
            uid: c("uid").and_then(|a| a.as_primitive_opt::<UInt32Type>().cloned()),
            size: c("size").and_then(|a| a.as_primitive_opt::<Int64Type>().cloned()),
            access: c("access").and_then(|a| a.as_primitive_opt::<TimestampMicrosecondType>().cloned()),
            per_batch: std::sync::OnceLock::new(),
            batch,
        }
    }

    /// The raw path bytes of row `i`.
    fn path(&self, i: usize) -> &[u8] {
        raw_path(self.path.as_ref(), self.path_bytes.as_ref(), i)
    }
}

/// A batch of a file with the rows the filter keeps, as its reader thread sends it.
type Kept = Result<(Loaded, Vec<u32>)>;

/// Batches of kept rows a file's reader thread may have ready: decoding and filtering run beside
/// the merge, a bounded distance ahead.
const READ_AHEAD: usize = 2;

/// One data file being read: its current batch and the kept rows not yet taken. A thread of its
/// own reads and filters the file; it stops when the cursor is dropped.
struct Cursor {
    batches: crossbeam_channel::Receiver<Kept>,
    batch: Option<Loaded>,
    kept: Vec<u32>,
    at: usize,
    acq: ScanDate,
    tld: Arc<str>,
}

/// A matching row: a row of a batch, and its partition.
pub struct Match<'a> {
    loaded: &'a Loaded,
    pub index: usize,
    pub acq: ScanDate,
    pub tld: &'a str,
}

impl<'a> Match<'a> {
    pub fn batch(&self) -> &'a RecordBatch {
        &self.loaded.batch
    }

    /// What the reader derives from this row's batch (its columns by role, …), made on the
    /// batch's first row and kept with it: a path-order merge of many files moves between their
    /// batches at almost every row. One type per batch.
    pub fn per_batch<T: Send + Sync + 'static>(&self, make: impl FnOnce(&RecordBatch) -> T) -> &'a T {
        self.loaded
            .per_batch
            .get_or_init(|| Box::new(make(&self.loaded.batch)))
            .downcast_ref()
            .expect("one type per batch")
    }

    pub fn path(&self) -> &'a [u8] {
        self.loaded.path(self.index)
    }
}

/// The matching rows of one scan date in path order.
pub struct Matches {
    columns: Vec<String>,
    /// The columns read, as each file's reader reads it: what the filter tests, then the rest.
    passes: Arc<Columns>,
    filter: Filter,
    /// Partitions not opened yet, in tld byte order.
    pending: std::collections::VecDeque<Partition>,
    /// The next partitions, their files already being read ahead (not yet merged): while one
    /// partition's rows are handed out, the next one's are read, instead of every partition
    /// starting cold when the last one ends.
    started: std::collections::VecDeque<Started>,
    /// Open files, ordered by their current row's path: the next row is the first file's.
    open: Vec<Cursor>,
    /// Whether the first file's row was handed out, to move on before the next.
    taken: bool,
    files_total: u64,
    files_done: u64,
    /// Files done that progress has been told of.
    files_told: u64,
    /// Keeps the files in place (the readers' lease) while they are read.
    _view: Arc<DatasetView>,
}

impl Matches {
    /// Starts listing the rows of `acq` that `filter` keeps, with `columns` readable from each
    /// [`Match`]. The files are checked against their checksums first.
    pub fn new(view: Arc<DatasetView>, filter: &Filter, acq: ScanDate, columns: &[String]) -> Result<Matches> {
        filter.check()?;
        let mut read: Vec<&'static str> = vec!["path", "path_bytes"];
        for c in columns {
            match known_column(c) {
                Some(name) => read.push(name),
                None if matches!(c.as_str(), "acq" | "tld") => {}
                None => {
                    return Err(OptionError::new(
                        "columns",
                        format!(
                            "unknown column '{c}'\nhint: columns are acq, tld and the dataset's: {}",
                            DATA_COLUMNS.join(", ")
                        ),
                    )
                    .into());
                }
            }
        }
        let mut tested = filter_columns(filter);
        tested.sort_unstable();
        tested.dedup();
        read.extend(&tested);
        read.sort_unstable();
        read.dedup();
        let passes = Arc::new(Columns::split(&read, &tested, filter.filters_rows()));
        let parts = partitions(&view, filter, acq);
        let pending: std::collections::VecDeque<Partition> = parts.into_iter().cloned().collect();
        let files_total = pending.iter().map(|p| p.files.len() as u64).sum();
        Ok(Matches {
            columns: columns.to_vec(),
            passes,
            filter: filter.clone(),
            pending,
            started: Default::default(),
            open: Vec::new(),
            taken: false,
            files_total,
            files_done: 0,
            files_told: 0,
            _view: view,
        })
    }

    /// Files to read in all (for progress).
    pub fn files(&self) -> u64 {
        self.files_total
    }

    /// Tells `progress` of the files finished since it was last told; an error once the caller
    /// asked to stop.
    pub fn tell(&mut self, progress: &dyn Progress) -> Result<(), crate::progress::Interrupted> {
        progress.advance(self.files_done - self.files_told);
        self.files_told = self.files_done;
        crate::progress::check(progress)
    }

    /// The columns asked for.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// Starts reading the next partitions ahead, up to [`PARTITIONS_AHEAD`] of them.
    fn start_ahead(&mut self) -> Result<()> {
        while self.started.len() < PARTITIONS_AHEAD {
            let Some(p) = self.pending.pop_front() else { return Ok(()) };
            let rows = Arc::new(RowFilter::new(&self.filter, &p)?);
            let tld: Arc<str> = p.tld_text.as_str().into();
            let mut cursors = Vec::new();
            for f in &p.files {
                let file = Task { partition: &p, file: f }.open(&rows)?;
                let row_groups: Vec<usize> = file.row_groups.iter().map(|(g, _)| *g).collect();
                // Smaller batches when many files of a partition are open at once.
                let batch_rows = (FIND_BATCH_ROWS * 4 / p.files.len().max(1)).clamp(1024, FIND_BATCH_ROWS);
                let batches =
                    read_ahead(file.file.clone(), row_groups, self.passes.clone(), (*rows).clone(), batch_rows)?;
                cursors.push(Cursor { batches, batch: None, kept: Vec::new(), at: 0, acq: p.acq, tld: tld.clone() });
            }
            self.started.push_back(Started { tld: p.tld, cursors });
        }
        Ok(())
    }

    /// Opens partitions while one may hold a row before the smallest open one.
    fn open_due(&mut self) -> Result<()> {
        loop {
            self.start_ahead()?;
            let Some(next) = self.started.front() else { return Ok(()) };
            if self.open.first().is_some_and(|c| c.key() <= next.tld.as_slice()) {
                return Ok(());
            }
            let started = self.started.pop_front().expect("a started partition");
            for mut c in started.cursors {
                if c.next_batch()? {
                    let at = self.open.partition_point(|o| o.key() <= c.key());
                    self.open.insert(at, c);
                } else {
                    self.files_done += 1;
                }
            }
        }
    }

    /// The next matching row; `None` at the end. Files are kept in order of their next path:
    /// after a row, its file moves down past the files whose next path is smaller — one
    /// comparison while a file's rows come before everyone else's.
    pub fn next_row(&mut self) -> Result<Option<Match<'_>>> {
        if std::mem::take(&mut self.taken) {
            let c = &mut self.open[0];
            c.at += 1;
            if c.at >= c.kept.len() && !c.next_batch()? {
                self.open.remove(0);
                self.files_done += 1;
            } else {
                let mut i = 0;
                while i + 1 < self.open.len() && self.open[i].key() > self.open[i + 1].key() {
                    self.open.swap(i, i + 1);
                    i += 1;
                }
            }
        }
        self.open_due()?;
        let Some(c) = self.open.first() else { return Ok(None) };
        self.taken = true;
        Ok(Some(Match {
            loaded: c.batch.as_ref().expect("an open cursor has a batch"),
            index: c.kept[c.at] as usize,
            acq: c.acq,
            tld: &c.tld,
        }))
    }
}

/// How many partitions are read ahead of the one being merged.
const PARTITIONS_AHEAD: usize = 2;

/// A partition whose files are being read ahead.
struct Started {
    /// Its raw tld: no row of it comes before this.
    tld: Vec<u8>,
    cursors: Vec<Cursor>,
}

impl Cursor {
    /// The path of the current row: the merge's key.
    fn key(&self) -> &[u8] {
        self.batch.as_ref().expect("an open cursor has a batch").path(self.kept[self.at] as usize)
    }

    /// Moves to the next batch with a kept row; false at the end of the file.
    fn next_batch(&mut self) -> Result<bool> {
        match self.batches.recv() {
            Ok(Ok((loaded, kept))) => {
                self.batch = Some(loaded);
                self.kept = kept;
                self.at = 0;
                Ok(true)
            }
            Ok(Err(e)) => Err(e),
            Err(_) => {
                self.batch = None;
                Ok(false)
            }
        }
    }
}

/// The columns a reader thread reads: those the filter tests, then the rest, read only for the
/// rows the filter keeps (late materialization: a selective filter decodes little else).
struct Columns {
    tested: Vec<&'static str>,
    rest: Vec<&'static str>,
}

impl Columns {
    /// `read` split by what an active filter tests; without one, all of it is read in one pass.
    fn split(read: &[&'static str], tested: &[&'static str], active: bool) -> Columns {
        if !active {
            return Columns { tested: read.to_vec(), rest: Vec::new() };
        }
        let rest = read.iter().copied().filter(|c| !tested.contains(c)).collect();
        Columns { tested: tested.to_vec(), rest }
    }
}

/// Starts a thread that reads `columns` of a file's `row_groups` and sends each batch that has a
/// row `rows` keeps, with those rows; it ends at the end of the file, after an error (sent), or
/// when the receiver is gone. `rows` is the thread's own copy: a shared regex would hand its
/// matching cache from thread to thread on every row.
fn read_ahead(
    file: Checked,
    row_groups: Vec<usize>,
    columns: Arc<Columns>,
    rows: RowFilter,
    batch_rows: usize,
) -> Result<crossbeam_channel::Receiver<Kept>> {
    let (tx, rx) = crossbeam_channel::bounded::<Kept>(READ_AHEAD);
    std::thread::Builder::new()
        .name("scanlake-find".into())
        .spawn(move || {
            for g in row_groups {
                let read = if columns.rest.is_empty() {
                    send_kept(&file, g, &columns.tested, &rows, batch_rows, &tx)
                } else {
                    send_kept_late(&file, g, &columns, &rows, batch_rows, &tx)
                };
                match read {
                    Ok(true) => {}
                    Ok(false) => return,
                    Err(e) => {
                        let _ = tx.send(Err(e.context(format!("cannot read {}", file.path().display()))));
                        return;
                    }
                }
            }
        })
        .context("cannot start a reader thread")?;
    Ok(rx)
}

/// Reads `columns` of row group `g` and sends each batch with the rows `rows` keeps; false once
/// the receiver is gone.
fn send_kept(
    file: &Checked,
    g: usize,
    columns: &[&str],
    rows: &RowFilter,
    batch_rows: usize,
    tx: &crossbeam_channel::Sender<Kept>,
) -> Result<bool> {
    for batch in file.read_row_group(g, columns, batch_rows)? {
        let batch = batch?;
        let kept: Vec<u32> = match rows.mask(&Cols::new(&batch)) {
            Some(mask) => (0..mask.len() as u32).filter(|&i| mask[i as usize]).collect(),
            None => (0..batch.num_rows() as u32).collect(),
        };
        if !kept.is_empty() && tx.send(Ok((Loaded::new(batch), kept))).is_err() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Reads the tested columns of row group `g`, keeps the rows `rows` keeps, then reads the other
/// columns of those rows only, and sends them together (every row of each batch kept); false
/// once the receiver is gone.
fn send_kept_late(
    file: &Checked,
    g: usize,
    columns: &Columns,
    rows: &RowFilter,
    batch_rows: usize,
    tx: &crossbeam_channel::Sender<Kept>,
) -> Result<bool> {
    use arrow::array::BooleanArray;
    use arrow::compute::{concat_batches, filter_record_batch};
    let (mut masks, mut kept) = (Vec::new(), Vec::new());
    let mut schema = None;
    for batch in file.read_row_group(g, &columns.tested, batch_rows)? {
        let batch = batch?;
        let mask = rows.mask(&Cols::new(&batch)).unwrap_or_else(|| vec![true; batch.num_rows()]);
        let mask = BooleanArray::from(mask);
        schema.get_or_insert_with(|| batch.schema());
        if mask.true_count() > 0 {
            kept.push(filter_record_batch(&batch, &mask)?);
        }
        masks.push(mask);
    }
    let Some(schema) = schema.filter(|_| !kept.is_empty()) else { return Ok(true) };
    let tested = concat_batches(&schema, &kept)?;
    drop(kept);
    let selection = parquet::arrow::arrow_reader::RowSelection::from_filters(&masks);
    let (mut at, mut both_schema) = (0, None);
    for rest in file.read_selected(g, &columns.rest, Some(selection), batch_rows)? {
        let rest = rest?;
        let n = rest.num_rows();
        let part = tested.slice(at, n);
        at += n;
        let both_schema = both_schema.get_or_insert_with(|| {
            let fields: Vec<_> = schema.fields().iter().chain(rest.schema().fields()).cloned().collect();
            Arc::new(arrow::datatypes::Schema::new(fields))
        });
        let arrays = part.columns().iter().chain(rest.columns()).cloned().collect();
        let both = RecordBatch::try_new(both_schema.clone(), arrays)?;
        if tx.send(Ok((Loaded::new(both), (0..n as u32).collect()))).is_err() {
            return Ok(false);
        }
    }
    anyhow::ensure!(at == tested.num_rows(), "row group {g}: {at} rows read of {} kept", tested.num_rows());
    Ok(true)
}

/// Dataset columns `find` can show (the path is shown from `path`/`path_bytes` as one).
pub const DATA_COLUMNS: [&str; 19] = [
    "path", "size", "kballoc", "uid", "gid", "access", "modify", "change", "create", "kind", "mode", "misc", "nlink",
    "fileset", "pool", "heat", "inode", "gen", "snapshot",
];

fn known_column(name: &str) -> Option<&'static str> {
    DATA_COLUMNS.iter().copied().find(|c| *c == name)
}

fn column_type(name: &str) -> ColumnType {
    match name {
        "size" | "kballoc" | "uid" | "gid" | "nlink" | "inode" | "gen" | "snapshot" => ColumnType::Int,
        "access" | "modify" | "change" | "create" => ColumnType::Timestamp,
        "heat" => ColumnType::Float,
        "acq" => ColumnType::Date,
        _ => ColumnType::Text,
    }
}

/// One cell of a match, as exports write it.
fn cell(m: &Match, name: &str, partition: (&str, &str)) -> Cell {
    let (batch, i) = (m.batch(), m.index);
    if name == "path" {
        return Cell::Text(pathkey::display(m.path()));
    }
    if name == "acq" {
        return Cell::Text(partition.0.to_string());
    }
    if name == "tld" {
        return Cell::Text(partition.1.to_string());
    }
    let Some(a) = batch.column_by_name(name) else { return Cell::Null };
    if a.is_null(i) {
        return Cell::Null;
    }
    use arrow::datatypes::{Float64Type, UInt64Type};
    match a.data_type() {
        DataType::Int64 => Cell::Int(a.as_primitive::<Int64Type>().value(i)),
        DataType::UInt32 => Cell::Int(i64::from(a.as_primitive::<UInt32Type>().value(i))),
        DataType::UInt64 => Cell::Int(a.as_primitive::<UInt64Type>().value(i) as i64),
        DataType::Timestamp(..) => Cell::Int(a.as_primitive::<TimestampMicrosecondType>().value(i)),
        DataType::Float64 => Cell::Text(a.as_primitive::<Float64Type>().value(i).to_string()),
        DataType::Utf8 => Cell::Text(a.as_string::<i32>().value(i).to_string()),
        DataType::Dictionary(..) => {
            let d = a.as_dictionary::<Int32Type>();
            let k = d.keys().value(i) as usize;
            d.values().as_string_opt::<i32>().map_or(Cell::Null, |v| Cell::Text(v.value(k).to_string()))
        }
        _ => Cell::Null,
    }
}

/// The matches as report rows (for CSV, TSV, JSON, Parquet and Arrow), counting files done.
pub fn rows(mut matches: Matches, progress: Arc<dyn Progress + Send>) -> Rows {
    let names: Vec<String> = matches.columns().to_vec();
    let columns: Vec<Column> = names.iter().map(|n| Column::new(n, column_type(n))).collect();
    progress.begin("find", Some(matches.files()), Unit::Tasks);
    let mut finished = false;
    let mut n = 0u64;
    let iter = std::iter::from_fn(move || {
        if finished {
            return None;
        }
        n += 1;
        if n.is_multiple_of(PROGRESS_ROWS)
            && let Err(e) = matches.tell(progress.as_ref())
        {
            finished = true;
            return Some(Err(e.into()));
        }
        match matches.next_row() {
            Err(e) => {
                finished = true;
                Some(Err(e))
            }
            Ok(None) => {
                finished = true;
                let _ = matches.tell(progress.as_ref());
                progress.finish();
                None
            }
            Ok(Some(m)) => {
                let acq = m.acq.to_string();
                Some(Ok(names.iter().map(|c| cell(&m, c, (&acq, m.tld))).collect()))
            }
        }
    });
    Rows::new(columns, iter)
}

/// What a matching row holds for per-owner lists (`uid`, `size` and `access` are `None` unless
/// the [`Matches`] were asked to read those columns).
pub struct Found<'a> {
    pub path: &'a [u8],
    pub uid: Option<u32>,
    pub size: Option<i64>,
    pub access: Option<i64>,
}

/// Calls `each` with every match in path order.
pub fn each(mut matches: Matches, progress: &dyn Progress, mut each: impl FnMut(Found) -> Result<()>) -> Result<()> {
    progress.begin("find", Some(matches.files()), Unit::Tasks);
    let mut n = 0u64;
    while let Some(m) = matches.next_row()? {
        let (l, i) = (m.loaded, m.index);
        let (uid, size, access) = (opt(l.uid.as_ref(), i), opt(l.size.as_ref(), i), opt(l.access.as_ref(), i));
        each(Found { path: m.path(), uid, size, access })?;
        n += 1;
        if n.is_multiple_of(PROGRESS_ROWS) {
            matches.tell(progress)?;
        }
    }
    matches.tell(progress)?;
    progress.finish();
    Ok(())
}

/// Matches and their bytes per scan date: `(date, rows, bytes)`, for every date of `dates`.
pub fn count(
    view: &DatasetView,
    filter: &Filter,
    dates: &[ScanDate],
    progress: &dyn Progress,
) -> Result<Vec<(ScanDate, u64, i128)>> {
    use rayon::prelude::*;
    filter.check()?;
    let mut read: Vec<&str> = vec!["size"];
    read.extend(filter_columns(filter));
    read.sort_unstable();
    read.dedup();
    let parts: Vec<&Partition> = dates.iter().flat_map(|d| partitions(view, filter, *d)).collect();
    let tasks: Vec<Task> =
        parts.iter().flat_map(|p| p.files.iter().map(move |f| Task { partition: p, file: f })).collect();
    progress.begin("find --count", Some(tasks.len() as u64), Unit::Tasks);
    let per_file: Vec<(ScanDate, u64, i128)> = tasks
        .par_iter()
        .map(|t| {
            let rows = RowFilter::new(filter, t.partition)?;
            let file = t.open(&rows)?;
            let (mut n, mut bytes) = (0u64, 0i128);
            for &(g, _) in &file.row_groups {
                for batch in file.read(g, &read)? {
                    let batch = batch?;
                    let c = Cols::new(&batch);
                    let kept = rows.mask(&c);
                    for i in 0..batch.num_rows() {
                        if kept.as_ref().is_none_or(|k| k[i]) {
                            n += 1;
                            bytes += i128::from(opt(c.size, i).unwrap_or(0));
                        }
                    }
                }
            }
            progress.advance(1);
            crate::progress::check(progress)?;
            Ok((t.partition.acq, n, bytes))
        })
        .collect::<Result<_>>()?;
    progress.finish();
    Ok(dates
        .iter()
        .map(|d| {
            let mine = per_file.iter().filter(|(a, ..)| a == d);
            (*d, mine.clone().map(|x| x.1).sum(), mine.map(|x| x.2).sum())
        })
        .collect())
}
