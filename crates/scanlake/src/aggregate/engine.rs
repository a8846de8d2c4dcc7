//! The engine boundary: an engine computes a report's partial result over some partitions of a
//! dataset. Everything else (checks, merging, ordering, labels, `top`) is shared, so the choice
//! of engine can never change a number or the order of rows.

use super::partial::{Aggregated, Partial};
use super::rows::Rows;
use super::spec::Report;
use super::table::{Table, finish_rows};
use crate::dataset::view::{DatasetView, Partition};
use crate::progress::{Progress, Unit};
use anyhow::Result;
use std::path::PathBuf;

/// What an engine may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub threads: usize,
    /// Working memory for the engine; spilling engines spill beyond it.
    pub memory_bytes: u64,
    /// Where spilling engines put their temporary files (the system's temporary directory if unset).
    pub spill_dir: Option<PathBuf>,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { threads: crate::resources::Resources::detect().cpus, memory_bytes: 1 << 30, spill_dir: None }
    }
}

pub trait Engine: Send + Sync {
    /// The name `--engine` takes.
    fn name(&self) -> &'static str;

    /// Computes `report` over `partitions` (a subset of the dataset's, all of one report's scope
    /// or any part of it; for churn, both dates of a tld together). Partials of disjoint sets merge
    /// with [`Partial::merge`].
    fn partial(
        &self,
        view: &DatasetView,
        partitions: &[&Partition],
        report: &Report,
        limits: &Limits,
    ) -> Result<Partial>;

    /// [`Engine::partial`], telling `progress` how far it has come. Engines that cannot tell
    /// (a planned query) show only that they work.
    fn partial_with_progress(
        &self,
        view: &DatasetView,
        partitions: &[&Partition],
        report: &Report,
        limits: &Limits,
        progress: &dyn Progress,
    ) -> Result<Partial> {
        progress.begin(&format!("{} on {}", report.name, self.name()), None, Unit::Tasks);
        let partial = self.partial(view, partitions, report, limits);
        progress.finish();
        partial
    }

    /// The combined groups of `report` in report order, for [`finish_rows`]. Engines that can
    /// spill beyond `limits.memory_bytes` return them as sorted runs on disk; by default, the
    /// partial sorted in memory.
    fn aggregate(
        &self,
        view: &DatasetView,
        partitions: &[&Partition],
        report: &Report,
        limits: &Limits,
        progress: &dyn Progress,
    ) -> Result<Aggregated> {
        Ok(self.partial_with_progress(view, partitions, report, limits, progress)?.into())
    }
}

/// Checks `report` against the dataset, runs it on `engine` over every partition it needs, and
/// finishes its rows, which stream from disk when the engine spilled them.
pub fn run_rows(
    engine: &dyn Engine,
    view: &DatasetView,
    report: &Report,
    limits: &Limits,
    progress: &dyn Progress,
) -> Result<Rows> {
    view.check(report)?;
    let partitions = view.select(report);
    let aggregated = engine.aggregate(view, &partitions, report, limits, progress)?;
    finish_report(view, report, aggregated)
}

/// [`run_rows`], collected into a table (for results known to be small).
pub fn run(
    engine: &dyn Engine,
    view: &DatasetView,
    report: &Report,
    limits: &Limits,
    progress: &dyn Progress,
) -> Result<Table> {
    run_rows(engine, view, report, limits, progress)?.into_table()
}

/// The rows of `report` from its combined groups (or a merged partial): finished, and the columns
/// this dataset cannot fill left empty.
pub fn finish_report(view: &DatasetView, report: &Report, aggregated: impl Into<Aggregated>) -> Result<Rows> {
    let unknown: Vec<&str> = view.unknown_outputs(report).into_iter().map(|(c, _)| c).collect();
    Ok(finish_rows(report, aggregated.into())?.blank(&unknown))
}

/// An empty partial of the right kind (for a report whose filters select nothing).
pub fn empty_partial(report: &Report) -> Partial {
    use super::partial::{ChurnPartial, DuPartial, GroupedPartial};
    use super::spec::ReportKind;
    match report.kind {
        ReportKind::Grouped(_) | ReportKind::History(_) | ReportKind::Growth(_) | ReportKind::Duplicates(_) => {
            Partial::Grouped(GroupedPartial::default())
        }
        ReportKind::Du(_) => Partial::Du(DuPartial::default()),
        ReportKind::Churn(_) => Partial::Churn(ChurnPartial::default()),
        ReportKind::Files(_) => Partial::Files(Default::default()),
    }
}
