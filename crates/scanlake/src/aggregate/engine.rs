//! The engine boundary: an engine computes a report's partial result over some partitions of a
//! dataset. Everything else (checks, merging, ordering, labels, `top`) is shared, so the choice
//! of engine can never change a number or the order of rows.

use super::partial::Partial;
use super::spec::Report;
use super::table::{Table, blank_columns, finish};
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
}

/// Checks `report` against the dataset, runs it on `engine` over every partition it needs, and
/// finishes the table.
pub fn run(
    engine: &dyn Engine,
    view: &DatasetView,
    report: &Report,
    limits: &Limits,
    progress: &dyn Progress,
) -> Result<Table> {
    view.check(report)?;
    let partitions = view.select(report);
    view.verify(&partitions)?;
    let partial = engine.partial_with_progress(view, &partitions, report, limits, progress)?;
    finish_report(view, report, partial)
}

/// The table of `report` from its merged partial: finished, and the columns this dataset cannot
/// fill left empty.
pub fn finish_report(view: &DatasetView, report: &Report, partial: Partial) -> Result<Table> {
    let mut table = finish(report, partial)?;
    let unknown: Vec<&str> = view.unknown_outputs(report).into_iter().map(|(c, _)| c).collect();
    blank_columns(&mut table, &unknown);
    Ok(table)
}

/// An empty partial of the right kind (for a report whose filters select nothing).
pub fn empty_partial(report: &Report) -> Partial {
    use super::partial::{ChurnPartial, DuPartial, GroupedPartial};
    use super::spec::ReportKind;
    match report.kind {
        ReportKind::Grouped(_) => Partial::Grouped(GroupedPartial::default()),
        ReportKind::Du(_) => Partial::Du(DuPartial::default()),
        ReportKind::Churn(_) => Partial::Churn(ChurnPartial::default()),
    }
}
