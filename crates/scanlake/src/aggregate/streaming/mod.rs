//! The streaming engine: reads only the columns a report needs straight from the Parquet files,
//! in parallel over files, and folds rows into small hash maps (usage, age, size),
//! per-file directory stacks (du) or a merge-join of two sorted scans (churn). Memory grows with
//! the number of result groups, never with the number of rows. Several reports can share one
//! pass ([`together`]).

mod candidates;
mod churn;
pub(crate) mod columns;
mod du;
mod files;
mod grouped;
mod ride;

pub use ride::together;

use super::engine::{Engine, Limits, empty_partial};
use super::partial::{Aggregated, Partial};
use super::spec::{Counted, Report, ReportKind};
use crate::dataset::view::{DatasetView, Partition};
use crate::progress::{NoProgress, Progress, Unit};
use anyhow::{Context, Result};

/// Where the parallel parts of a report say how many tasks there are and when each is done.
pub(crate) struct Tasks<'a> {
    label: String,
    progress: &'a dyn Progress,
}

impl Tasks<'_> {
    fn begin(&self, count: usize) {
        self.progress.begin(&self.label, Some(count as u64), Unit::Tasks);
    }
    /// One more task is done; an error once the caller asked to stop.
    fn done(&self) -> Result<()> {
        self.progress.advance(1);
        Ok(crate::progress::check(self.progress)?)
    }
}

/// How much of the memory limit results may hold before they spill to disk.
pub(crate) struct Budget {
    /// The spillers' maps, together.
    results: usize,
    /// One task's maps before it hands them to the spillers.
    per_task: usize,
    spill_dir: Option<std::path::PathBuf>,
}

impl Budget {
    /// A quarter of the limit for results, a share of an eighth per thread for each task's own
    /// maps; the rest is for the program, the Parquet readers (a row group's pages per thread),
    /// a map's growth and the allocator's slack. Measured at 10^7 rows: peak RSS 2.9× the results'
    /// budget, the readers ~40 MiB of it (docs/performance.md).
    fn new(limits: &Limits) -> Budget {
        let memory = usize::try_from(limits.memory_bytes).unwrap_or(usize::MAX);
        Budget {
            results: usize::try_from(results_budget(limits.memory_bytes)).unwrap_or(usize::MAX),
            per_task: memory / 8 / limits.threads.max(1),
            spill_dir: limits.spill_dir.clone(),
        }
    }

    /// One of `n` reports' shares, when they are computed together.
    fn shared(&self, n: usize) -> Budget {
        Budget { results: self.results / n, per_task: self.per_task / n, spill_dir: self.spill_dir.clone() }
    }

    /// For a partial that is stored whole: nothing spills.
    fn unbounded() -> Budget {
        Budget { results: usize::MAX, per_task: usize::MAX, spill_dir: None }
    }
}

/// Bytes of results the streaming engine holds in memory under `memory_bytes` before it spills.
pub fn results_budget(memory_bytes: u64) -> u64 {
    memory_bytes / 4
}

pub struct StreamingEngine;

/// Of the row groups of `partitions`, how many the filter's statistics (ids, sizes, times) rule
/// out, and how many there are: `(skipped, total)`, for `--explain`.
pub fn row_groups_skipped(partitions: &[&Partition], filter: &super::filter::Filter) -> Result<(usize, usize)> {
    let (mut skipped, mut total) = (0, 0);
    for task in columns::file_tasks(partitions) {
        let file = task.open(&columns::RowFilter::new(filter, task.partition)?)?;
        skipped += file.skipped;
        total += file.skipped + file.row_groups.len();
    }
    Ok((skipped, total))
}

impl StreamingEngine {
    /// What `--explain` says about memory and disk.
    pub fn spills(limits: &Limits) -> String {
        let b = Budget::new(limits);
        let dir = b.spill_dir.unwrap_or_else(std::env::temp_dir);
        format!(
            "results over {} MiB spill to sorted runs in {} and stream from there to the output",
            b.results >> 20,
            dir.display()
        )
    }

    /// What the engine reads for `report`, for `--explain`: the columns, and when it reads the
    /// hard-link identity columns.
    pub fn reads(report: &Report) -> String {
        let mut columns = match (&report.kind, report.kind.grouped()) {
            (_, Some(g)) => grouped::needed_columns(g, report.counted(), &report.filter),
            (ReportKind::Churn(c), _) => churn::needed_columns(c, &report.filter),
            (ReportKind::Files(f), _) => files::needed_columns(f, &report.filter),
            _ => du::needed_columns(&report.filter),
        };
        columns.sort_unstable();
        columns.dedup();
        let mut said = format!("reads columns {}", columns.join(", "));
        if report.kind.grouped().is_some() && report.counted().links {
            said.push_str(&format!(
                "; {} only in row groups that may hold a hard link (unique_bytes counts each linked object once; files written before it: nlink, inode, gen, snapshot)",
                crate::dataset::writer::LINK_COLUMN
            ));
        }
        if let ReportKind::Duplicates(_) = report.kind {
            said.push_str(
                "; a first pass (path, size, kind) marks the (date, name, size) keys seen twice, and only their rows are grouped",
            );
        }
        said
    }
}

impl Engine for StreamingEngine {
    fn name(&self) -> &'static str {
        "streaming"
    }

    fn partial(
        &self,
        view: &DatasetView,
        partitions: &[&Partition],
        report: &Report,
        limits: &Limits,
    ) -> Result<Partial> {
        self.partial_with_progress(view, partitions, report, limits, &NoProgress)
    }

    /// Counts files (churn: tlds) done.
    fn partial_with_progress(
        &self,
        _view: &DatasetView,
        partitions: &[&Partition],
        report: &Report,
        limits: &Limits,
        progress: &dyn Progress,
    ) -> Result<Partial> {
        compute(partitions, report, limits, &Budget::unbounded(), false, progress)?.into_partial()
    }

    fn aggregate(
        &self,
        _view: &DatasetView,
        partitions: &[&Partition],
        report: &Report,
        limits: &Limits,
        progress: &dyn Progress,
    ) -> Result<Aggregated> {
        compute(partitions, report, limits, &Budget::new(limits), true, progress)
    }
}

/// `whole`: the partitions are all the report covers (not a partial merged with others later).
fn compute(
    partitions: &[&Partition],
    report: &Report,
    limits: &Limits,
    budget: &Budget,
    whole: bool,
    progress: &dyn Progress,
) -> Result<Aggregated> {
    if partitions.is_empty() {
        return Ok(empty_partial(report).into());
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(limits.threads.max(1))
        .thread_name(|i| format!("scanlake-agg-{i}"))
        .build()
        .context("cannot start the aggregation threads")?;
    let tasks = Tasks { label: format!("{} on streaming", report.name), progress };
    let aggregated = pool.install(|| match (&report.kind, report.kind.grouped()) {
        (ReportKind::Duplicates(d), _) if whole => {
            let first = Tasks { label: format!("{} on streaming (first pass)", report.name), progress };
            let candidates = candidates::scan(partitions, &report.filter, limits.memory_bytes, &first)?;
            let riding = ride::Riding::grouped(&d.grouped, &report.filter, Some(&candidates), Counted::ALL, budget);
            ride::alone(partitions, riding, &tasks)
        }
        (_, Some(g)) => {
            let riding = ride::Riding::grouped(g, &report.filter, None, report.counted(), budget);
            ride::alone(partitions, riding, &tasks)
        }
        (ReportKind::Du(d), _) => ride::alone(partitions, ride::Riding::du(d, &report.filter, budget), &tasks),
        (ReportKind::Churn(c), _) => churn::run(partitions, c, &report.filter, &tasks).map(Aggregated::Churn),
        (ReportKind::Files(f), _) => files::run(partitions, f, &report.filter, &tasks).map(Aggregated::Files),
        (kind, None) => unreachable!("{kind:?} is grouped"),
    });
    progress.finish();
    aggregated
}
