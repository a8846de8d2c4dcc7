//! Usage summaries: for each converted input, the usage counters (objects, files, dirs, bytes,
//! allocated) per tld, fileset, uid, gid, pool and kind. The commit that publishes an input's data
//! publishes its summary (`_summaries/<input>-<run>.parquet`, named in the manifest with its
//! checksum), so the two can never disagree; `scanlake summarize` adds them to inputs converted
//! before summaries existed. A history over many scans folds these small files instead of
//! reading every row ([`answer`]), when its filter can be decided per summary row ([`cannot_answer`]).
//!
//! Rows in a full-depth tld lie strictly under it, so a path prefix at or above the tld depth is
//! decided by the tld. Rows above that depth (the tlds' own entries, files beside them) are few:
//! their summary rows keep the path, so a prefix is decided for them too.

use super::counters::{Counters, Key, Sum};
use super::partial::GroupedPartial;
use super::pathkey;
use super::sortkey;
use super::spec::{Dimension, Filter, Report, ReportKind};
use super::spill::Spiller;
use super::streaming::columns::{Cols, opt, opt_str};
use crate::dataset::ScanDate;
use crate::dataset::manifest::{FileSum, InputEntry};
use crate::dataset::paths::Resolver;
use crate::dataset::view::DatasetView;
use crate::dataset::writer::Hashing;
use anyhow::{Context, Result, bail};
use arrow::array::{Array, ArrayRef, AsArray, BinaryArray, Int64Array, RecordBatch, StringArray, UInt32Array};
use arrow::datatypes::{DataType, Field, Int64Type, Schema, UInt32Type};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::{ArrowWriter, ProjectionMask};
use rustc_hash::FxHashMap;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

/// Where summaries live, relative to the dataset root.
pub const SUMMARY_DIR: &str = "_summaries";

/// A summary row's group, borrowed from the batch it was read in.
struct Row<'a> {
    tld: &'a [u8],
    path: Option<&'a [u8]>,
    fileset: Option<&'a str>,
    uid: Option<u32>,
    gid: Option<u32>,
    pool: Option<&'a str>,
    kind: Option<&'a str>,
}

/// One input's summary. Counters' `unique_bytes` is not kept (it needs link identities).
///
/// Its groups are held within a memory budget and spilled to sorted runs beyond it
/// ([`Spiller`]): a group per (tld, fileset, uid, gid, pool, kind) can number millions in a
/// large scan (held as owned keys in a map, 10^8 generated lines took 1.9 GiB). A group's key is
/// its [`sortkey`] encoding: tld, path, fileset, uid, gid, pool, kind.
pub struct Summary {
    groups: Spiller<Counters>,
}

const NONE: u32 = u32::MAX;

/// Strings of one fold, numbered; the last one asked for is checked first (rows come in runs).
#[derive(Default)]
struct Interner {
    ids: FxHashMap<Vec<u8>, u32>,
    values: Vec<Vec<u8>>,
    last: Option<u32>,
}

impl Interner {
    fn id(&mut self, s: Option<&[u8]>) -> u32 {
        let Some(s) = s else { return NONE };
        if let Some(id) = self.last
            && self.values[id as usize] == s
        {
            return id;
        }
        let next = self.values.len() as u32;
        let id = *self.ids.entry(s.to_vec()).or_insert(next);
        if id == next {
            self.values.push(s.to_vec());
        }
        self.last = Some(id);
        id
    }

    fn get(&self, id: u32) -> Option<&[u8]> {
        (id != NONE).then(|| self.values[id as usize].as_slice())
    }
}

/// `(uid, gid, fileset, pool, kind, path)`, strings as interned ids.
type Packed = (Option<u32>, Option<u32>, u32, u32, u32, u32);

/// Folds the rows of one tld into summary groups.
pub struct Fold {
    tld: Vec<u8>,
    /// Whether rows of this tld lie above the tld depth (their paths are kept).
    shallow: bool,
    fileset: Interner,
    pool: Interner,
    kind: Interner,
    path: Interner,
    groups: FxHashMap<Packed, Counters>,
}

impl Fold {
    pub fn new(tld: &[u8], tld_depth: usize) -> Fold {
        Fold {
            tld: tld.to_vec(),
            shallow: pathkey::depth(tld) < tld_depth,
            fileset: Interner::default(),
            pool: Interner::default(),
            kind: Interner::default(),
            path: Interner::default(),
            groups: FxHashMap::default(),
        }
    }

    /// Counts a batch's rows as the grouped reports count them.
    pub fn add(&mut self, batch: &RecordBatch) {
        let c = Cols::new(batch);
        for i in 0..c.rows {
            let kind = c.kind(i);
            let key = (
                opt(c.uid, i),
                opt(c.gid, i),
                self.fileset.id(opt_str(c.fileset, i).map(str::as_bytes)),
                self.pool.id(opt_str(c.pool, i).map(str::as_bytes)),
                self.kind.id(kind.map(str::as_bytes)),
                if self.shallow { self.path.id(Some(c.path(i))) } else { NONE },
            );
            let g = self.groups.entry(key).or_default();
            g.objects += 1;
            match kind {
                Some("file") => g.files += 1,
                Some("dir") => g.dirs += 1,
                _ => {}
            }
            g.bytes += Sum::from(opt(c.size, i).unwrap_or(0));
            g.allocated += Sum::from(opt(c.kballoc, i).unwrap_or(0)) * 1024;
        }
    }

    /// The columns [`Fold::add`] reads.
    pub const COLUMNS: [&'static str; 9] =
        ["uid", "gid", "fileset", "pool", "kind", "size", "kballoc", "path", "path_bytes"];
}

/// Memory for the groups of a summary that `scanlake summarize` makes (a conversion gives its
/// summary a share of its own budget).
const SUMMARIZE_BUDGET: usize = 64 << 20;

/// Rows of a summary written at once.
const SUMMARY_BATCH_ROWS: usize = 65_536;

impl Summary {
    /// An empty summary that holds at most `budget` bytes of groups in memory, spilling sorted
    /// runs into a directory inside `spill_dir` (else the system's temporary directory).
    pub fn new(budget: usize, spill_dir: Option<&Path>) -> Summary {
        Summary { groups: Spiller::new(budget, spill_dir) }
    }

    pub fn add(&self, fold: Fold) -> Result<()> {
        let Fold { tld, fileset, pool, kind, path, groups, .. } = fold;
        let text = |i: &Interner, id: u32, out: &mut Vec<u8>| {
            sortkey::encode_opt_text(i.get(id).map(String::from_utf8_lossy).as_deref(), out)
        };
        let entries = groups.into_iter().map(|((uid, gid, fileset_id, pool_id, kind_id, path_id), c)| {
            let mut key = Vec::with_capacity(tld.len() + 48);
            sortkey::encode_path(&tld, &mut key);
            sortkey::encode_opt_path(path.get(path_id), &mut key);
            text(&fileset, fileset_id, &mut key);
            sortkey::encode_opt_int(uid.map(i64::from), &mut key);
            sortkey::encode_opt_int(gid.map(i64::from), &mut key);
            text(&pool, pool_id, &mut key);
            text(&kind, kind_id, &mut key);
            (key, c)
        });
        self.groups.add(entries)
    }

    fn schema() -> Arc<Schema> {
        let text = |n: &str| Field::new(n, DataType::Utf8, true);
        let id = |n: &str| Field::new(n, DataType::UInt32, true);
        let count = |n: &str| Field::new(n, DataType::Int64, false);
        Arc::new(Schema::new(vec![
            Field::new("tld", DataType::Binary, false),
            Field::new("path", DataType::Binary, true),
            text("fileset"),
            id("uid"),
            id("gid"),
            text("pool"),
            text("kind"),
            count("objects"),
            count("files"),
            count("dirs"),
            count("bytes"),
            count("allocated"),
        ]))
    }

    /// Writes the summary as Parquet, its groups in key order a batch at a time; its size and
    /// checksum, or none when a total does not fit 64 bits (then the input has no summary, and
    /// reports read its rows, and nothing is left at `dest`).
    pub fn write(self, dest: &Path) -> Result<Option<FileSum>> {
        let file = File::create(dest).with_context(|| format!("cannot create {}", dest.display()))?;
        let mut writer = ArrowWriter::try_new(Hashing::new(file), Summary::schema(), None)?;
        let mut sorted = self.groups.finish()?.peekable();
        while sorted.peek().is_some() {
            let mut rows = Vec::with_capacity(SUMMARY_BATCH_ROWS);
            for entry in sorted.by_ref().take(SUMMARY_BATCH_ROWS) {
                let (key, c) = entry?;
                rows.push((sortkey::decode(&key)?, c));
            }
            match Summary::batch(&rows)? {
                Some(batch) => writer.write(&batch)?,
                None => {
                    drop(writer);
                    std::fs::remove_file(dest).ok();
                    return Ok(None);
                }
            }
        }
        let mut hashing = writer.into_inner()?;
        std::io::Write::flush(&mut hashing)?;
        Ok(Some(FileSum { bytes: hashing.bytes, xxh3: hashing.digest(), footer_xxh3: None }))
    }

    /// Summary rows from decoded groups, or none when a total does not fit 64 bits.
    fn batch(rows: &[(Vec<Key>, Counters)]) -> Result<Option<RecordBatch>> {
        let mut counts: [Vec<i64>; 5] = Default::default();
        for (_, c) in rows {
            for (column, v) in counts.iter_mut().zip([c.objects, c.files, c.dirs, c.bytes, c.allocated]) {
                match i64::try_from(v) {
                    Ok(v) => column.push(v),
                    Err(_) => return Ok(None),
                }
            }
        }
        let part = |i: usize| rows.iter().map(move |(k, _)| &k[i]);
        let bytes = |k: &Key| match k {
            Key::Path(p) => Some(p.clone()),
            _ => None,
        };
        let text = |k: &Key| match k {
            Key::Text(t) => Some(t.clone()),
            _ => None,
        };
        let id = |k: &Key| match k {
            Key::Int(v) => u32::try_from(*v).ok(),
            _ => None,
        };
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(BinaryArray::from_iter_values(part(0).map(|k| bytes(k).unwrap_or_default()))),
            Arc::new(BinaryArray::from_iter(part(1).map(bytes))),
            Arc::new(StringArray::from_iter(part(2).map(text))),
            Arc::new(UInt32Array::from_iter(part(3).map(id))),
            Arc::new(UInt32Array::from_iter(part(4).map(id))),
            Arc::new(StringArray::from_iter(part(5).map(text))),
            Arc::new(StringArray::from_iter(part(6).map(text))),
        ];
        columns.extend(counts.into_iter().map(|v| Arc::new(Int64Array::from(v)) as ArrayRef));
        Ok(Some(RecordBatch::try_new(Summary::schema(), columns)?))
    }

    /// Reads a summary, checking it against its checksum first, and hands each row with its
    /// counters to `visit`. Rows are borrowed from the batch they were read in: a summary holds a
    /// row per (tld, fileset, uid, gid, pool, kind), hundreds of thousands of them, and owning
    /// each key cost a history or quota most of its time.
    fn each_row(
        path: &Path,
        sum: &FileSum,
        wanted: &[&str],
        mut visit: impl FnMut(&Row<'_>, &Counters) -> Result<()>,
    ) -> Result<()> {
        crate::dataset::integrity::verify_file(path, sum)?;
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .and_then(|b| {
                let counts = ["objects", "files", "dirs", "bytes", "allocated"];
                let names = ["tld"].iter().chain(wanted).chain(&counts).copied();
                let mask = ProjectionMask::columns(b.parquet_schema(), names);
                b.with_projection(mask).build()
            })
            .with_context(|| format!("cannot read summary {}", path.display()))?;
        for batch in reader {
            let b = batch.with_context(|| format!("cannot read summary {}", path.display()))?;
            let col = |n: &str| b.column_by_name(n).with_context(|| format!("summary {} lacks '{n}'", path.display()));
            // A column the caller did not ask for reads as null: nothing decides by it.
            let some = |n: &str| b.column_by_name(n);
            let tld = col("tld")?.as_binary::<i32>();
            let path_col = some("path").map(|a| a.as_binary::<i32>());
            let [fileset, pool, kind] = ["fileset", "pool", "kind"].map(|n| some(n).map(|a| a.as_string::<i32>()));
            let [uid, gid] = ["uid", "gid"].map(|n| some(n).map(|a| a.as_primitive::<UInt32Type>()));
            let counts = ["objects", "files", "dirs", "bytes", "allocated"]
                .map(|n| col(n).map(|a| a.as_primitive::<Int64Type>()));
            let [objects, files, dirs, bytes, allocated] = counts;
            let (objects, files, dirs, bytes, allocated) = (objects?, files?, dirs?, bytes?, allocated?);
            for i in 0..b.num_rows() {
                let row = Row {
                    tld: tld.value(i),
                    path: path_col.and_then(|p| p.is_valid(i).then(|| p.value(i))),
                    fileset: opt_str(fileset, i),
                    uid: opt(uid, i),
                    gid: opt(gid, i),
                    pool: opt_str(pool, i),
                    kind: opt_str(kind, i),
                };
                let c = Counters {
                    objects: objects.value(i).into(),
                    files: files.value(i).into(),
                    dirs: dirs.value(i).into(),
                    bytes: bytes.value(i).into(),
                    allocated: allocated.value(i).into(),
                    unique_bytes: 0,
                };
                visit(&row, &c)?;
            }
        }
        Ok(())
    }

    /// Summarizes the data files of an input by reading them (for inputs converted before
    /// summaries existed).
    pub fn of_input(root: &Path, entry: &InputEntry, tld_depth: usize) -> Result<Summary> {
        let mut resolver = Resolver::new(root);
        let summary = Summary::new(SUMMARIZE_BUDGET, None);
        for rel in &entry.files {
            let tld = crate::dataset::view::tld_of_file(rel, &entry.long_tlds)?;
            let path = resolver.resolve(rel)?;
            if let Some(sum) = entry.checksums.get(rel) {
                crate::dataset::integrity::verify_file(&path, sum)?;
            }
            let mut fold = Fold::new(&tld, tld_depth);
            for batch in crate::dataset::read::read_file(&path, &Fold::COLUMNS)? {
                fold.add(&batch);
            }
            summary.add(fold)?;
        }
        Ok(summary)
    }
}

/// Whether one summary row meets the filter: `Some(true/false)`, or `None` when only its rows could say.
fn keeps(filter: &Filter, key: &Row<'_>, tld_text: &str) -> Option<bool> {
    let mut all = true;
    for c in filter.clauses() {
        let listed = |list: &[u32], v: Option<u32>| list.is_empty() || v.is_some_and(|v| list.contains(&v));
        let named =
            |list: &[String], v: Option<&str>| list.is_empty() || v.is_some_and(|v| list.iter().any(|x| x == v));
        let holds = listed(&c.uid, key.uid)
            && listed(&c.gid, key.gid)
            && named(&c.fileset, key.fileset)
            && named(&c.pool, key.pool)
            && named(&c.kind, key.kind)
            && (c.tld.is_empty() || c.tld.iter().any(|t| t == tld_text));
        let prefix = if c.prefix.is_empty() {
            Some(true)
        } else if let Some(path) = key.path {
            Some(c.prefix.iter().any(|p| pathkey::under(path, p)))
        } else if c.prefix.iter().any(|p| pathkey::under(key.tld, p)) {
            Some(true)
        } else if c.prefix.iter().any(|p| pathkey::under(p, key.tld)) {
            // A prefix below the tld: only the rows' paths say which match.
            None
        } else {
            Some(false)
        };
        all &= holds && prefix?;
    }
    Some(all)
}

/// The filter conditions summaries cannot decide (they hold no times, sizes, names or attributes).
fn undecidable(filter: &Filter) -> Vec<&'static str> {
    let mut why = Vec::new();
    for c in filter.clauses() {
        let conditions: [(&'static str, bool); 5] = [
            ("an age (older/newer)", !c.older.is_empty() || !c.newer.is_empty()),
            ("a size bound", c.size_min.is_some() || c.size_max.is_some()),
            ("a name glob", !c.name.is_empty()),
            ("a path regex", !c.path_regex.is_empty()),
            ("misc attributes", !c.misc_has.is_empty() || !c.misc_lacks.is_empty()),
        ];
        why.extend(conditions.iter().filter(|(_, on)| *on).map(|(w, _)| *w));
    }
    why.sort_unstable();
    why.dedup();
    why
}

/// The inputs of these scan dates that hold data.
fn inputs_of<'v>(view: &'v DatasetView, dates: &[ScanDate]) -> Vec<(&'v String, &'v InputEntry)> {
    view.manifest
        .inputs
        .iter()
        .filter(|(_, e)| !e.files.is_empty() && e.acq.parse::<ScanDate>().is_ok_and(|d| dates.contains(&d)))
        .collect()
}

/// Why summaries cannot answer `report` (said in `--explain`), or `None` when they can.
pub fn cannot_answer(view: &DatasetView, report: &Report) -> Option<String> {
    match &report.kind {
        ReportKind::History(_) | ReportKind::Growth(_) => {}
        _ => return Some("only history and growth are answered from summaries".into()),
    }
    let grouped = report.kind.grouped()?;
    cannot_answer_grouped(view, &grouped.by, &report.filter)
}

/// Why summaries cannot give usage by `by` over the rows `filter` selects (of its scan dates),
/// or `None` when they can.
pub fn cannot_answer_grouped(view: &DatasetView, by: &[Dimension], filter: &Filter) -> Option<String> {
    let dates = &filter.acq;
    if dates.is_empty() {
        return Some("summaries answer for chosen scan dates".into());
    }
    if let Some(d) =
        by.iter().find(|d| matches!(d, Dimension::Dir(_) | Dimension::Ext | Dimension::Name | Dimension::Size))
    {
        return Some(format!("summaries hold no paths below the tlds, names or sizes (group {d})"));
    }
    let why = undecidable(filter);
    if !why.is_empty() {
        return Some(format!("summaries cannot decide {}", why.join(", ")));
    }
    let tld_depth = view.manifest.tld_depth;
    for p in view.partitions.iter().filter(|p| dates.contains(&p.acq) && pathkey::depth(&p.tld) >= tld_depth) {
        let below =
            |c: &Filter| c.prefix.iter().find(|x| pathkey::under(x, &p.tld) && !pathkey::under(&p.tld, x)).cloned();
        if let Some(prefix) = filter.clauses().find_map(below) {
            return Some(format!(
                "prefix {} lies below the tlds (depth {tld_depth}): summaries hold whole tlds",
                pathkey::display(&prefix)
            ));
        }
    }
    let inputs = inputs_of(view, dates);
    let lacking = inputs.iter().filter(|(_, e)| e.summary.is_none()).count();
    if lacking > 0 {
        return Some(format!(
            "{lacking} of {} inputs have no usage summary (converted before summaries existed); `scanlake summarize DATASET` adds them",
            inputs.len()
        ));
    }
    None
}

/// What answering from the summaries of these dates reads, for `--explain`.
pub fn describe(view: &DatasetView, dates: &[ScanDate]) -> String {
    let inputs = inputs_of(view, dates);
    let bytes: u64 =
        inputs.iter().filter_map(|(_, e)| e.summary.as_ref().and_then(|s| e.checksums.get(s))).map(|s| s.bytes).sum();
    let rows: u64 = inputs.iter().map(|(_, e)| e.rows).sum();
    format!(
        "reads the summaries of {} inputs ({bytes} bytes) instead of {rows} rows in {} scan dates",
        inputs.len(),
        dates.len()
    )
}

/// What answering from summaries read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SummaryUse {
    pub inputs: usize,
    pub bytes: u64,
}

/// The grouped partial of a history or growth `report`, from the summaries of its inputs, exactly
/// as an engine computes it from rows (without `unique_bytes`). Call [`cannot_answer`] first.
pub fn answer(view: &DatasetView, report: &Report) -> Result<(GroupedPartial, SummaryUse)> {
    if let Some(why) = cannot_answer(view, report) {
        bail!("{why}");
    }
    let Some(grouped) = report.kind.grouped() else { bail!("not a grouped report") };
    answer_grouped(view, &grouped.by, &report.filter)
}

/// Usage by `by` (keys `[scan date, groups…]`) over the rows `filter` selects, from the summaries
/// of the inputs of its scan dates. Call [`cannot_answer_grouped`] first.
pub fn answer_grouped(view: &DatasetView, by: &[Dimension], filter: &Filter) -> Result<(GroupedPartial, SummaryUse)> {
    if let Some(why) = cannot_answer_grouped(view, by, filter) {
        bail!("{why}");
    }
    let mut partial = GroupedPartial::default();
    let mut used = SummaryUse::default();
    let mut resolver = Resolver::new(&view.root);
    let wanted = columns_deciding(by, filter);
    for (_, entry) in inputs_of(view, &filter.acq) {
        let days = entry.acq.parse::<ScanDate>().map_err(anyhow::Error::msg)?.days_since_epoch();
        let rel = entry.summary.as_ref().context("an input lost its summary")?;
        let sum = entry.checksums.get(rel).with_context(|| format!("the manifest holds no checksum of {rel}"))?;
        let mut groups = InputGroups::default();
        // Rows come sorted by tld: its text (for the filter and the tld group) changes rarely.
        let mut tld: Option<(Vec<u8>, String)> = None;
        Summary::each_row(&resolver.resolve(rel)?, sum, &wanted, |row, c| {
            if tld.as_ref().is_none_or(|(raw, _)| raw.as_slice() != row.tld) {
                tld = Some((row.tld.to_vec(), pathkey::display(row.tld)));
            }
            let tld_text = tld.as_ref().map_or("", |(_, text)| text.as_str());
            match keeps(filter, row, tld_text) {
                Some(true) => groups.add(by, row, tld_text, c),
                Some(false) => Ok(()),
                None => {
                    bail!("a path prefix lies below tld {tld_text}: only rows can say which of its objects it holds")
                }
            }
        })?;
        used.inputs += 1;
        used.bytes += sum.bytes;
        for (mut keys, c) in groups.groups {
            keys.insert(0, Key::Int(days));
            partial.groups.entry(keys).or_default().add(&c);
        }
    }
    Ok((partial, used))
}

/// The summary columns (besides the tld and the counters) that the groups `by` and `filter` read.
fn columns_deciding(by: &[Dimension], filter: &Filter) -> Vec<&'static str> {
    let mut wanted: Vec<&'static str> = by
        .iter()
        .filter_map(|d| match d {
            Dimension::Uid => Some("uid"),
            Dimension::Gid => Some("gid"),
            Dimension::Fileset => Some("fileset"),
            Dimension::Pool => Some("pool"),
            Dimension::Kind => Some("kind"),
            _ => None,
        })
        .collect();
    for c in filter.clauses() {
        let used = [
            ("uid", !c.uid.is_empty()),
            ("gid", !c.gid.is_empty()),
            ("fileset", !c.fileset.is_empty()),
            ("pool", !c.pool.is_empty()),
            ("kind", !c.kind.is_empty()),
            ("path", !c.prefix.is_empty()),
        ];
        wanted.extend(used.iter().filter(|(_, on)| *on).map(|(n, _)| *n));
    }
    wanted.sort_unstable();
    wanted.dedup();
    wanted
}

/// One input's groups by `by`, looked up by their keys' bytes ([`sortkey`]) so that a row of a
/// group already seen allocates nothing.
#[derive(Default)]
struct InputGroups {
    index: FxHashMap<Vec<u8>, usize>,
    groups: Vec<(Vec<Key>, Counters)>,
    packed: Vec<u8>,
}

impl InputGroups {
    fn add(&mut self, by: &[Dimension], row: &Row<'_>, tld_text: &str, c: &Counters) -> Result<()> {
        let out = &mut self.packed;
        out.clear();
        for dim in by {
            match dim {
                Dimension::Uid => sortkey::encode_opt_int(row.uid.map(i64::from), out),
                Dimension::Gid => sortkey::encode_opt_int(row.gid.map(i64::from), out),
                Dimension::Fileset => sortkey::encode_opt_text(row.fileset, out),
                Dimension::Pool => sortkey::encode_opt_text(row.pool, out),
                Dimension::Kind => sortkey::encode_opt_text(row.kind, out),
                Dimension::Tld => sortkey::encode_path(tld_text.as_bytes(), out),
                Dimension::Dir(_) | Dimension::Ext | Dimension::Name | Dimension::Size => {
                    bail!("summaries hold no paths or sizes")
                }
            }
        }
        if let Some(&i) = self.index.get(self.packed.as_slice()) {
            self.groups[i].1.add(c);
            return Ok(());
        }
        self.groups.push((sortkey::decode(&self.packed)?, *c));
        self.index.insert(self.packed.clone(), self.groups.len() - 1);
        Ok(())
    }
}

/// What [`summarize`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summarized {
    /// Inputs given a summary now.
    pub summarized: usize,
    /// Inputs that had one already.
    pub present: usize,
    /// Inputs whose totals do not fit a summary (reports read their rows).
    pub unfit: usize,
}

/// Gives every converted input that lacks one its usage summary, reading its data files; each
/// input is committed on its own, so a killed run keeps what it finished and a rerun goes on
/// from there. Holds the dataset's writer lock meanwhile.
pub fn summarize(
    root: &Path,
    wait: crate::dataset::lock::LockWait<'_>,
    progress: &dyn crate::progress::Progress,
) -> Result<Summarized> {
    use crate::dataset::{Commit, Dataset, Outcome};
    let tld_depth = crate::dataset::read::manifest(root)?.tld_depth;
    let mut ds = Dataset::open_with(root, tld_depth, wait)?;
    let mut done = Summarized::default();
    let todo: Vec<(String, InputEntry)> =
        ds.manifest().inputs.iter().filter(|(_, e)| e.summary.is_none()).map(|(k, e)| (k.clone(), e.clone())).collect();
    done.present = ds.manifest().inputs.len() - todo.len();
    let files: u64 = todo.iter().map(|(_, e)| e.files.len() as u64).sum();
    progress.begin("summarize", Some(files), crate::progress::Unit::Tasks);
    for (key, mut entry) in todo {
        crate::progress::check(progress)?;
        let summary = Summary::of_input(root, &entry, tld_depth)?;
        let staging = ds.staging_dir(&format!("summary-{key}"))?;
        let staged = staging.join("summary.parquet.tmp");
        let rel = format!("{SUMMARY_DIR}/{key}-{}.parquet", entry.run);
        match summary.write(&staged)? {
            Some(sum) => {
                entry.checksums.insert(rel.clone(), sum);
                entry.summary = Some(rel.clone());
                ds.commit(Commit { key, files: vec![(staged, rel)], outcome: Outcome::Converted(entry.clone()) })?;
                done.summarized += 1;
            }
            None => done.unfit += 1,
        }
        std::fs::remove_dir_all(&staging).ok();
        progress.advance(entry.files.len() as u64);
    }
    progress.finish();
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int64Array, StringArray, UInt32Array};

    /// Rows of one tld with many owners, groups, filesets and kinds.
    fn batch(rows: usize, seed: u32) -> RecordBatch {
        let n = |m: u32| (0..rows as u32).map(move |i| (i.wrapping_mul(2_654_435_761) ^ seed) % m);
        let columns: Vec<(&str, ArrayRef)> = vec![
            ("uid", Arc::new(UInt32Array::from_iter(n(997).map(|v| (v != 0).then_some(v))))),
            ("gid", Arc::new(UInt32Array::from_iter_values(n(13)))),
            ("fileset", Arc::new(StringArray::from_iter(n(5).map(|v| (v != 4).then(|| format!("fs{v}")))))),
            ("pool", Arc::new(StringArray::from_iter_values(n(2).map(|v| format!("pool{v}"))))),
            ("kind", Arc::new(StringArray::from_iter_values(n(3).map(|v| ["file", "dir", "link"][v as usize])))),
            ("size", Arc::new(Int64Array::from_iter_values(n(1 << 20).map(i64::from)))),
            ("kballoc", Arc::new(Int64Array::from_iter_values(n(1 << 10).map(i64::from)))),
        ];
        RecordBatch::try_from_iter(columns).unwrap()
    }

    fn written(summary: Summary, dir: &Path, name: &str) -> (bool, Vec<RecordBatch>) {
        for (tld, seed) in [(&b"/gpfs/fs1/b"[..], 7), (b"/gpfs/fs1/a", 3), (b"/gpfs/fs1/b", 11)] {
            let mut fold = Fold::new(tld, 3);
            fold.add(&batch(20_000, seed));
            summary.add(fold).unwrap();
        }
        let spilled = summary.groups.spilled();
        let dest = dir.join(name);
        summary.write(&dest).unwrap().expect("totals fit");
        let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(dest).unwrap()).unwrap().build().unwrap();
        (spilled, reader.map(Result::unwrap).collect())
    }

    #[test]
    fn a_summary_beyond_its_budget_spills_and_writes_the_same_rows() {
        let dir = tempfile::tempdir().unwrap();
        let (spilled, whole) = written(Summary::new(usize::MAX, None), dir.path(), "whole.parquet");
        assert!(!spilled);
        let (spilled, small) = written(Summary::new(64 << 10, Some(dir.path())), dir.path(), "small.parquet");
        assert!(spilled, "64 KiB holds fewer groups than the scan has");
        let concat = |b: &[RecordBatch]| arrow::compute::concat_batches(&Summary::schema(), b).unwrap();
        let (whole, small) = (concat(&whole), concat(&small));
        assert!(whole.num_rows() > 5_000, "{}", whole.num_rows());
        assert_eq!(whole, small);
        // The two scans of tld b were combined: every group is one row.
        let tld = whole.column(0).as_binary::<i32>();
        let objects: i64 = whole.column(7).as_primitive::<Int64Type>().values().iter().sum();
        assert_eq!(objects, 60_000);
        assert!(tld.iter().flatten().zip(tld.iter().flatten().skip(1)).all(|(a, b)| a <= b), "rows in tld order");
    }
}
