//! `convert`: policy LIST files into the dataset, in parallel, in bounded memory, atomically per input.
//!
//! One reader thread per input cuts the decoded stream into chunks of whole lines; worker threads
//! parse chunks into Arrow batches split by partition and hand them to [`buffers::PartitionBuffers`],
//! which decides when a partition is written (sorted by path) into the run's staging directory.
//! When the input is done, its files and rejects are published with one [`Commit`].

mod batch;
mod buffers;
pub mod chunks;
pub mod input;

use crate::aggregate::summary::{Fold, SUMMARY_DIR, Summary};
use crate::dataset::manifest::{FailedEntry, FileSum, InputEntry, InputIdentity};
use crate::dataset::partition::tld_dir_name;
use crate::dataset::rejects::{Reject, RejectSink};
use crate::dataset::{Commit, Dataset, Outcome, REJECTS_DIR, ScanDate, tld_of, writer};
use crate::format::{Layout, LineKind, LineParser, Record};
use anyhow::{Context, Result};
use arrow::record_batch::RecordBatch;
use batch::BatchBuilder;
use buffers::PartitionBuffers;
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub use batch::dataset_schema;

/// How to convert. `Default` gives the documented defaults.
#[derive(Debug, Clone)]
pub struct ConvertOptions {
    pub layout: Layout,
    /// The scan date; when `None`, each input's file or directory name must hold one.
    pub acq: Option<ScanDate>,
    /// Directory depth of the `tld` partition (see [`tld_of`]).
    pub tld_depth: usize,
    pub threads: usize,
    /// Bytes of input per parse task.
    pub chunk_bytes: usize,
    /// In-memory bytes of a partition that make one file.
    pub target_file_bytes: usize,
    /// In-memory bytes all partitions may hold, written or waiting.
    pub memory_budget_bytes: usize,
    /// An input with more rejected lines than this fraction of its non-skipped lines fails.
    pub max_reject_fraction: f64,
    /// Leave inputs whose content the dataset already holds.
    pub skip_existing: bool,
    /// How long to wait for another writer of the dataset; `None` waits as long as it takes.
    pub lock_timeout: Option<std::time::Duration>,
}

impl Default for ConvertOptions {
    fn default() -> Self {
        ConvertOptions {
            layout: Layout::default(),
            acq: None,
            tld_depth: 3,
            threads: crate::resources::Resources::detect().cpus,
            chunk_bytes: 4 << 20,
            target_file_bytes: 64 << 20,
            memory_budget_bytes: 256 << 20,
            max_reject_fraction: 0.01,
            skip_existing: false,
            lock_timeout: None,
        }
    }
}

/// Upper bounds of the sizes and counts users give, far beyond any real machine but small enough
/// that nothing they size can overflow or exhaust the process.
pub const MAX_THREADS: usize = 1024;
pub const MAX_FILE_BYTES: usize = 1 << 30;
pub const MAX_MEMORY_BYTES: usize = 1 << 40;
/// A line longer than this cannot be a record (a path is at most a few KiB); it is rejected
/// before parsing, which bounds every buffer a line goes into.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// An option set outside the range the library accepts; `option` is the field's name, for the
/// interfaces to name their own flag or argument.
#[derive(Debug, thiserror::Error)]
#[error("{option} must be between {min} and {max}, not {value}")]
pub struct OutOfRange {
    pub option: &'static str,
    pub min: String,
    pub max: String,
    pub value: String,
}

impl ConvertOptions {
    /// Checks every value a user can set.
    pub fn validate(&self) -> Result<(), OutOfRange> {
        fn check<T: PartialOrd + std::fmt::Display>(
            option: &'static str,
            v: T,
            min: T,
            max: T,
        ) -> Result<(), OutOfRange> {
            if min <= v && v <= max {
                return Ok(());
            }
            Err(OutOfRange { option, min: min.to_string(), max: max.to_string(), value: v.to_string() })
        }
        check("threads", self.threads, 1, MAX_THREADS)?;
        check("tld_depth", self.tld_depth, 0, 64)?;
        check("chunk_bytes", self.chunk_bytes, 1, MAX_FILE_BYTES)?;
        check("target_file_bytes", self.target_file_bytes, 1, MAX_FILE_BYTES)?;
        check("memory_budget_bytes", self.memory_budget_bytes, 1, MAX_MEMORY_BYTES)?;
        check("max_reject_fraction", self.max_reject_fraction, 0.0, 1.0)
    }
}

use crate::progress::Unit;
pub use crate::progress::{NoProgress, Progress};

#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum InputStatus {
    #[default]
    Converted,
    /// `--skip-existing` found the same content already converted.
    Unchanged,
    /// Too many rejected lines: nothing published but the rejects.
    Failed,
    /// It could not be converted (unreadable, or the dataset refused it); see the message.
    Error,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct InputSummary {
    pub input: String,
    pub status: InputStatus,
    pub acq: String,
    pub lines: u64,
    pub rows: u64,
    pub rejects: u64,
    pub skipped: u64,
    /// Bytes of the input file as stored (compressed or not).
    pub input_bytes: u64,
    /// Bytes of the input after decompression.
    pub decoded_bytes: u64,
    pub files: usize,
    pub output_bytes: u64,
    pub rejects_file: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ConvertSummary {
    pub dataset: String,
    pub lines: u64,
    pub rows: u64,
    pub rejects: u64,
    /// Blank and comment lines.
    pub skipped: u64,
    pub input_bytes: u64,
    pub decoded_bytes: u64,
    pub output_bytes: u64,
    pub files: usize,
    pub seconds: f64,
    pub lines_per_second: f64,
    pub inputs: Vec<InputSummary>,
    /// Entries of input directories that were not taken as inputs, and why.
    pub ignored: Vec<input::Ignored>,
}

impl ConvertSummary {
    /// Inputs that published no rows: failed or in error.
    pub fn failed(&self) -> impl Iterator<Item = &InputSummary> {
        self.inputs.iter().filter(|i| matches!(i.status, InputStatus::Failed | InputStatus::Error))
    }

    /// The summary as people read it: a line per input (and per ignored entry), then the totals.
    pub fn lines_for_people(&self) -> Vec<String> {
        use crate::aggregate::export::human_bytes;
        let mut out = Vec::new();
        for i in &self.inputs {
            let status = match i.status {
                InputStatus::Converted => "converted",
                InputStatus::Unchanged => "unchanged",
                InputStatus::Failed => "FAILED",
                InputStatus::Error => "ERROR",
            };
            out.push(format!(
                "{status:9} {} (acq {}): {} lines, {} rows, {} rejects, {} skipped",
                i.input, i.acq, i.lines, i.rows, i.rejects, i.skipped
            ));
            if i.status == InputStatus::Error {
                out.push(format!("          {}", i.message.as_deref().unwrap_or_default()));
            }
        }
        for i in &self.ignored {
            out.push(format!("ignored   {}: {}", i.path, i.reason));
        }
        out.push(format!(
            "{} lines: {} rows, {} rejects, {} skipped; {} read, {} files ({}) in {:.2} s, {:.0} lines/s",
            self.lines,
            self.rows,
            self.rejects,
            self.skipped,
            human_bytes(self.input_bytes as i64),
            self.files,
            human_bytes(self.output_bytes as i64),
            self.seconds,
            self.lines_per_second
        ));
        out
    }

    /// An error when an input could not be converted or failed, saying what the dataset holds.
    pub fn check(&self) -> Result<()> {
        let failed: Vec<_> = self.failed().collect();
        if let Some(first) = failed.iter().find(|i| i.status == InputStatus::Error) {
            let done = self.inputs.iter().filter(|i| i.status != InputStatus::Error).count();
            anyhow::bail!(
                "{} of {} input(s) could not be converted; first: {}: {}\nhint: the {done} other input(s) were committed (see the summary); convert the failed ones again once fixed",
                failed.len(),
                self.inputs.len(),
                first.input,
                first.message.as_deref().unwrap_or("error"),
            );
        }
        if let Some(first) = failed.first() {
            anyhow::bail!(
                "{} input(s) failed; first: {}: {}\nhint: the rejected lines are in {}/{}; fix the input or the layout options, or raise `max_reject_fraction`",
                failed.len(),
                first.input,
                first.message.as_deref().unwrap_or("failed"),
                self.dataset,
                first.rejects_file.as_deref().unwrap_or("_rejects")
            );
        }
        Ok(())
    }
}

/// Converts every input into the dataset at `dataset`. An input that cannot be converted is
/// recorded in the summary (status `error`) and the others go on; each input is committed alone,
/// so the summary says exactly what the dataset now holds.
pub fn convert(
    inputs: &[PathBuf],
    dataset: &Path,
    opts: &ConvertOptions,
    progress: &dyn Progress,
) -> Result<ConvertSummary> {
    opts.validate()?;
    let started = Instant::now();
    let (sources, ignored) = input::discover(inputs)?;
    // Check every scan date before writing anything.
    let dated: Vec<(input::Source, ScanDate)> = sources
        .into_iter()
        .map(|s| {
            let date = input::scan_date(&s.path, opts.acq)?;
            Ok((s, date))
        })
        .collect::<Result<_>>()?;
    let notice = |m: &str| progress.notice(m);
    let wait = crate::dataset::lock::LockWait { timeout: opts.lock_timeout, notice: &notice };
    let mut ds = Dataset::open_with(dataset, opts.tld_depth, wait)?;
    let run = run_id();
    progress.begin("convert", Some(dated.iter().filter_map(|(s, _)| s.size()).sum()), Unit::Bytes);
    let mut summary = ConvertSummary { dataset: dataset.display().to_string(), ignored, ..ConvertSummary::default() };
    for (i, (source, acq)) in dated.into_iter().enumerate() {
        crate::progress::check(progress)?;
        progress.status(&source.display());
        let s = match convert_one(&mut ds, &source, i, acq, &run, opts, progress) {
            Ok(s) => s,
            // Stopped by the caller: the inputs before this one stay committed, this one is not.
            Err(e) if e.is::<crate::progress::Interrupted>() => {
                progress.finish();
                return Err(e);
            }
            Err(e) => InputSummary {
                input: source.display(),
                status: InputStatus::Error,
                acq: acq.to_string(),
                message: Some(format!("{e:#}")),
                ..InputSummary::default()
            },
        };
        summary.lines += s.lines;
        summary.rows += s.rows;
        summary.rejects += s.rejects;
        summary.skipped += s.skipped;
        summary.input_bytes += s.input_bytes;
        summary.decoded_bytes += s.decoded_bytes;
        summary.output_bytes += s.output_bytes;
        summary.files += s.files;
        summary.inputs.push(s);
    }
    progress.finish();
    summary.seconds = started.elapsed().as_secs_f64();
    summary.lines_per_second = summary.lines as f64 / summary.seconds.max(1e-9);
    Ok(summary)
}

fn run_id() -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    format!("{:x}{:05x}", now.as_secs(), (now.subsec_micros() ^ std::process::id()) & 0xfffff)
}

fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// Totals of one input, gathered across workers.
#[derive(Default)]
struct Tally {
    lines: AtomicU64,
    rows: AtomicU64,
    skipped: AtomicU64,
    decoded: AtomicU64,
}

/// How a conversion's memory budget is shared: the workers' open partitions get a quarter of it
/// between them, the partitions waiting to be written (or being written) the rest. A worker's
/// share is counted in [`BatchBuilder::bytes`], its rows' bytes, and a builder that grows by
/// doubling may hold up to twice that: the share is half of the quarter.
struct MemoryShares {
    /// Bytes a worker's open partitions may hold before it hands the largest on.
    worker: usize,
    /// Bytes of an open partition that make a batch for the buffers.
    batch: usize,
    buffers: usize,
}

impl MemoryShares {
    fn of(opts: &ConvertOptions) -> MemoryShares {
        let threads = opts.threads.max(1);
        let quarter = opts.memory_budget_bytes / 4;
        let worker = (quarter / 2 / threads).max(1);
        MemoryShares {
            worker,
            batch: opts.chunk_bytes.min(worker / 2).max(1),
            buffers: (opts.memory_budget_bytes - quarter).max(1),
        }
    }
}

/// A worker's rows not yet handed to the buffers: a builder per partition, so that each row is
/// built once, in its partition's columns (splitting each chunk's batch by partition copied every
/// row, and with many partitions made thousands of tiny batches per chunk).
struct OpenPartitions {
    /// Looked up for every row: hashed with Fx, not SipHash (tlds are not chosen by an attacker
    /// who could gain from collisions; a slow scan at worst).
    builders: FxHashMap<Vec<u8>, BatchBuilder>,
    /// Bytes the builders hold ([`BatchBuilder::bytes`]).
    bytes: usize,
}

/// What a worker needs to turn chunks into staged files.
struct Shared<'a> {
    layout: &'a Layout,
    schema: arrow::datatypes::SchemaRef,
    acq: ScanDate,
    tld_depth: usize,
    staging: PathBuf,
    /// This run's name for the input's files: `part-<stem>-<n>.parquet`, `_rejects/<stem>.parquet`.
    stem: String,
    buffers: PartitionBuffers,
    shares: MemoryShares,
    rejects: Mutex<RejectSink>,
    tally: Tally,
    written: Mutex<Vec<(PathBuf, String, writer::Written)>>,
    /// The usage summary of the rows written so far.
    summary: Summary,
    /// Shortened partition directory names → the exact escaped tld.
    long_tlds: Mutex<BTreeMap<String, String>>,
    seen: Mutex<Vec<bool>>,
    next_file: AtomicU64,
    error: Mutex<Option<anyhow::Error>>,
    /// The caller's progress: once it asks to stop, workers drop what they hold instead of
    /// parsing and writing it (the staging directory goes anyway).
    progress: &'a dyn Progress,
}

impl Shared<'_> {
    fn fail(&self, e: anyhow::Error) {
        self.error.lock().expect("error lock").get_or_insert(e);
    }

    /// Whether the work should stop: it failed, or the caller asked.
    fn failed(&self) -> bool {
        self.progress.cancelled() || self.error.lock().expect("error lock").is_some()
    }

    fn parse_chunk(
        &self,
        chunk: &chunks::Chunk,
        parser: &mut LineParser,
        rec: &mut Record,
        open: &mut OpenPartitions,
    ) -> Result<()> {
        let (mut lines, mut rows, mut skipped) = (0u64, 0u64, 0u64);
        for (i, line) in chunk.lines().enumerate() {
            lines += 1;
            let parsed = if line.len() > MAX_LINE_BYTES {
                Err(crate::format::LineError::TooLong(MAX_LINE_BYTES))
            } else {
                parser.parse(line, rec)
            };
            match parsed {
                Ok(LineKind::Record) => {
                    rows += 1;
                    let tld = tld_of(&rec.path, self.tld_depth);
                    let builder = match open.builders.get_mut(tld) {
                        Some(b) => b,
                        None => open
                            .builders
                            .entry(tld.to_vec())
                            .or_insert_with(|| BatchBuilder::new(&self.schema, self.layout)),
                    };
                    let before = builder.bytes;
                    builder.append(rec);
                    open.bytes += builder.bytes - before;
                    if builder.bytes >= self.shares.batch {
                        open.bytes -= builder.bytes;
                        let batch = self.finish(builder);
                        self.add(tld, batch)?;
                    }
                }
                Ok(LineKind::Skipped) => skipped += 1,
                Err(e) => self.rejects.lock().expect("rejects lock").push(Reject {
                    line: chunk.first_line + i as u64,
                    code: e.code(),
                    reason: e.to_string(),
                    raw: line,
                })?,
            }
        }
        self.tally.lines.fetch_add(lines, Ordering::Relaxed);
        self.tally.rows.fetch_add(rows, Ordering::Relaxed);
        self.tally.skipped.fetch_add(skipped, Ordering::Relaxed);
        self.tally.decoded.fetch_add(chunk.data.len() as u64, Ordering::Relaxed);
        if open.bytes > self.shares.worker {
            self.hand_over(open, self.shares.worker / 2)?;
        }
        Ok(())
    }

    /// Finishes a builder's rows as one batch, noting the columns they set. The batch's buffers
    /// are shrunk to their rows: a builder grows by doubling, and the buffers count a batch by its
    /// capacity, so slack would make partitions look fuller than they are (more, smaller files).
    fn finish(&self, builder: &mut BatchBuilder) -> RecordBatch {
        let mut seen = self.seen.lock().expect("seen lock");
        seen.iter_mut().zip(&builder.seen).for_each(|(s, o)| *s |= o);
        drop(seen);
        let (schema, mut columns, _) = builder.finish().into_parts();
        for column in &mut columns {
            if let Some(array) = std::sync::Arc::get_mut(column) {
                array.shrink_to_fit();
            }
        }
        RecordBatch::try_new(schema, columns).expect("the same columns")
    }

    /// Hands the largest of a worker's partitions to the buffers until it holds at most `keep`
    /// bytes; their builders go too (a builder left behind keeps its capacity).
    fn hand_over(&self, open: &mut OpenPartitions, keep: usize) -> Result<()> {
        let mut sizes: Vec<(usize, Vec<u8>)> = open.builders.iter().map(|(k, b)| (b.bytes, k.clone())).collect();
        sizes.sort_unstable_by_key(|s| std::cmp::Reverse(s.0));
        for (bytes, tld) in sizes {
            if open.bytes <= keep {
                break;
            }
            let mut builder = open.builders.remove(&tld).expect("listed");
            open.bytes -= bytes;
            if !builder.is_empty() {
                let batch = self.finish(&mut builder);
                self.add(&tld, batch)?;
            }
        }
        Ok(())
    }

    fn add(&self, tld: &[u8], batch: RecordBatch) -> Result<()> {
        for (tld, pending) in self.buffers.add(tld, batch) {
            self.write(&tld, pending)?;
        }
        Ok(())
    }

    fn write(&self, tld: &[u8], pending: buffers::Pending) -> Result<()> {
        let n = self.next_file.fetch_add(1, Ordering::Relaxed);
        let staged = self.staging.join(format!("{n:06}.parquet.tmp"));
        let (dir, exact) = tld_dir_name(tld);
        if let Some(exact) = exact {
            self.long_tlds.lock().expect("long tlds lock").insert(dir.clone(), exact);
        }
        let rel = format!("acq={}/{dir}/part-{}-{n:05}.parquet", self.acq, self.stem);
        let mut fold = Fold::new(tld, self.tld_depth);
        for batch in &pending.batches {
            fold.add(batch);
        }
        let result =
            self.summary.add(fold).and_then(|()| writer::write_sorted(&pending.batches, &self.schema, &staged));
        // Release the memory even on failure: other workers may be waiting for it.
        self.buffers.written(pending.bytes);
        let written = result?;
        self.written.lock().expect("written lock").push((staged, rel, written));
        Ok(())
    }

    fn work(&self, rx: &crossbeam_channel::Receiver<chunks::Chunk>, parsed: &std::sync::Barrier) {
        let mut parser = LineParser::new(self.layout);
        let mut rec = Record::default();
        let mut open = OpenPartitions { builders: FxHashMap::default(), bytes: 0 };
        for chunk in rx.iter() {
            if self.failed() {
                continue;
            }
            if let Err(e) = self.parse_chunk(&chunk, &mut parser, &mut rec, &mut open) {
                self.fail(e);
            }
        }
        if !self.failed()
            && let Err(e) = self.hand_over(&mut open, 0)
        {
            self.fail(e);
        }
        // Drain only once every worker has added its last rows, or a partition could be split.
        parsed.wait();
        while let Some((tld, pending)) = self.buffers.take_any() {
            if self.failed() {
                self.buffers.written(pending.bytes);
            } else if let Err(e) = self.write(&tld, pending) {
                self.fail(e);
            }
        }
    }
}

fn convert_one(
    ds: &mut Dataset,
    source: &input::Source,
    index: usize,
    acq: ScanDate,
    run: &str,
    opts: &ConvertOptions,
    progress: &dyn Progress,
) -> Result<InputSummary> {
    let name = source.display();
    // Skipping needs the content's hash first: only worth a read when a converted input could match.
    if opts.skip_existing && source.regular {
        let size = source.size().unwrap_or(0);
        let abs = std::fs::canonicalize(&source.path).ok().map(|p| p.to_string_lossy().into_owned());
        let candidate = ds.manifest().inputs.values().any(|e| e.identity.size == size || e.identity.path == abs);
        if candidate {
            let (size, fingerprint) = input::hash_file(&source.path)?;
            if let Some(entry) = ds.manifest().converted_with(size, &fingerprint) {
                progress.advance(size);
                return Ok(unchanged(name, entry, size));
            }
        }
    }
    // Names of this run's files for this input; the input's key is known only once it is read.
    let token = format!("{:016x}", xxhash_rust::xxh3::xxh3_64(format!("{index}\0{name}").as_bytes()));
    let staging = ds.staging_dir(&format!("{run}-{token}"))?;
    let schema = dataset_schema(&opts.layout);
    let shares = MemoryShares::of(opts);
    let shared = Shared {
        layout: &opts.layout,
        schema: schema.clone(),
        acq,
        tld_depth: opts.tld_depth,
        staging: staging.clone(),
        stem: format!("{token}-{run}"),
        buffers: PartitionBuffers::new(opts.target_file_bytes, shares.buffers),
        shares,
        rejects: Mutex::new(RejectSink::new(&name, &staging.join("rejects.parquet.tmp"))),
        tally: Tally::default(),
        written: Mutex::new(Vec::new()),
        // Beside the buffers' budget: a quarter more, spilled to the staging directory beyond it.
        summary: Summary::new(opts.memory_budget_bytes / 4, Some(&staging)),
        long_tlds: Mutex::new(BTreeMap::new()),
        seen: Mutex::new(vec![false; opts.layout.columns().len()]),
        next_file: AtomicU64::new(0),
        error: Mutex::new(None),
        progress,
    };

    let stats = Arc::new(input::ReadStats::default());
    let converted = (|| {
        let reader = input::open_decoded(&source.path, stats.clone())?;
        let threads = opts.threads.max(1);
        let parsed = std::sync::Barrier::new(threads);
        let read_result = std::thread::scope(|s| {
            let (tx, rx) = crossbeam_channel::bounded::<chunks::Chunk>(threads * 2);
            for _ in 0..threads {
                let rx = rx.clone();
                let (shared, parsed) = (&shared, &parsed);
                s.spawn(move || shared.work(&rx, parsed));
            }
            drop(rx);
            let mut reported = 0;
            let result = chunks::read_chunks(reader, opts.chunk_bytes, |chunk| {
                let now = stats.bytes();
                progress.advance(now - reported);
                reported = now;
                !shared.failed() && tx.send(chunk).is_ok()
            });
            progress.advance(stats.bytes() - reported);
            drop(tx);
            result
        });
        read_result.with_context(|| format!("cannot read {name}"))?;
        crate::progress::check(progress)?;
        if let Some(e) = shared.error.lock().expect("error lock").take() {
            return Err(e.context(format!("converting {name}")));
        }
        Ok(())
    })();
    if let Err(e) = converted {
        std::fs::remove_dir_all(&staging).ok();
        return Err(e);
    }
    debug_assert!(shared.buffers.is_empty());

    let identity = input::identity(source, &stats)?;
    if opts.skip_existing
        && let Some(entry) = ds.manifest().converted_with(identity.size, &identity.fingerprint)
    {
        // A stream, or a file whose hash could not be known before: read for nothing, but skipped.
        std::fs::remove_dir_all(&staging).ok();
        return Ok(unchanged(name, entry, identity.size));
    }
    // The same content, else the same path, replaces what it published before.
    let key = ds.manifest().key_for(&identity).map(str::to_string).unwrap_or_else(|| {
        let path = identity.path.as_deref().unwrap_or_default();
        format!("{:016x}", xxhash_rust::xxh3::xxh3_64(format!("{path}\0{}", identity.fingerprint).as_bytes()))
    });
    let result = publish(ds, shared, name, identity, key, run, opts);
    std::fs::remove_dir_all(&staging).ok();
    result
}

fn unchanged(name: String, entry: &InputEntry, size: u64) -> InputSummary {
    InputSummary {
        input: name,
        status: InputStatus::Unchanged,
        acq: entry.acq.clone(),
        input_bytes: size,
        message: Some("already converted; skipped".into()),
        ..InputSummary::default()
    }
}

/// Commits a converted input: its data and rejects, or its rejects alone when it failed.
fn publish(
    ds: &mut Dataset,
    shared: Shared<'_>,
    name: String,
    identity: InputIdentity,
    key: String,
    run: &str,
    opts: &ConvertOptions,
) -> Result<InputSummary> {
    let Shared { tally, rejects, written, seen, long_tlds, stem, acq, summary: usage, staging, .. } = shared;
    let (rejects, rejects_staged) = rejects.into_inner().expect("rejects lock").finish()?;
    let written = written.into_inner().expect("written lock");
    let (lines, rows, skipped, decoded_bytes) =
        (tally.lines.into_inner(), tally.rows.into_inner(), tally.skipped.into_inner(), tally.decoded.into_inner());
    debug_assert_eq!(rows + rejects + skipped, lines);
    let rejects_rel = format!("{REJECTS_DIR}/{stem}.parquet");
    let mut files: Vec<(PathBuf, String)> = rejects_staged.into_iter().map(|p| (p, rejects_rel.clone())).collect();
    let rejects_file = (!files.is_empty()).then(|| rejects_rel.clone());
    let considered = lines - skipped;
    let fraction = if considered == 0 { 0.0 } else { rejects as f64 / considered as f64 };
    let mut summary = InputSummary {
        input: name,
        acq: acq.to_string(),
        lines,
        rows,
        rejects,
        skipped,
        input_bytes: identity.size,
        decoded_bytes,
        rejects_file: rejects_file.clone(),
        ..InputSummary::default()
    };
    if fraction > opts.max_reject_fraction {
        let reason = format!(
            "{rejects} of {considered} lines rejected ({:.2}%), more than the maximum reject fraction {}",
            fraction * 100.0,
            opts.max_reject_fraction
        );
        // Its staged data files go with the staging directory.
        ds.commit(Commit {
            key,
            files,
            outcome: Outcome::Failed(FailedEntry {
                identity,
                reason: reason.clone(),
                lines,
                rejects,
                rejects_file,
                run: run.to_string(),
                failed_at: now_secs(),
            }),
        })?;
        summary.status = InputStatus::Failed;
        summary.message = Some(reason);
        return Ok(summary);
    }
    summary.files = written.len();
    summary.output_bytes = written.iter().map(|w| w.2.bytes).sum();
    let columns_seen = opts
        .layout
        .columns()
        .into_iter()
        .zip(seen.into_inner().expect("seen lock"))
        .filter(|(_, s)| *s)
        .map(|(c, _)| c.name)
        .collect();
    let mut rels: Vec<String> = written.iter().map(|w| w.1.clone()).collect();
    rels.sort();
    let mut checksums: BTreeMap<String, FileSum> = written
        .iter()
        .map(|(_, rel, w)| (rel.clone(), FileSum { bytes: w.bytes, xxh3: w.xxh3, footer_xxh3: Some(w.footer_xxh3) }))
        .collect();
    files.extend(written.into_iter().map(|(staged, rel, _)| (staged, rel)));
    // The summary goes with the data, in the same commit.
    let summary_staged = staging.join("summary.parquet.tmp");
    let summary_rel = format!("{SUMMARY_DIR}/{stem}.parquet");
    let usage = match usage.write(&summary_staged)? {
        Some(sum) => {
            checksums.insert(summary_rel.clone(), sum);
            files.push((summary_staged, summary_rel.clone()));
            Some(summary_rel)
        }
        None => None,
    };
    ds.commit(Commit {
        key,
        files,
        outcome: Outcome::Converted(InputEntry {
            identity,
            acq: acq.to_string(),
            layout: opts.layout.describe(),
            lines,
            rows,
            rejects,
            skipped,
            files: rels,
            rejects_file,
            summary: usage,
            checksums,
            long_tlds: long_tlds.into_inner().expect("long tlds lock"),
            columns_seen,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            run: run.to_string(),
            converted_at: now_secs(),
        }),
    })?;
    Ok(summary)
}
