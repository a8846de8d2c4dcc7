//! Passes over the rows, and the reports that ride them. Grouped reports (usage, age, size,
//! extensions, duplicates) and du read nothing themselves: they fold the batches a pass reads,
//! each with its own filter. Alone, a report's pass is one read of each of its files
//! ([`file_pass`]); together ([`together`], what `scanlake report` gathers), reports ride churn's
//! merge when they cover exactly churn's newer scan, else one read of each file shared by every
//! report over the same partitions. Either way a report's folding is the same code fed the same
//! rows of every file in the same order, so its groups are the same.

use super::candidates::Candidates;
use super::columns::{Cols, RowFilter, file_tasks, link_columns};
use super::{Budget, Tasks, churn, compute, du, grouped};
use crate::aggregate::engine::Limits;
use crate::aggregate::partial::{Aggregated, DuCounters};
use crate::aggregate::spec::{Counted, DuReport, Filter, GroupedReport, Report, ReportKind};
use crate::aggregate::spill::Spiller;
use crate::dataset::view::{DatasetView, Partition};
use crate::progress::Progress;
use anyhow::{Context, Result};
use rayon::prelude::*;

/// A report's folding of one file's batches, in the file's row order.
pub(crate) trait Rider {
    /// Folds the rows of `c` that `filter` keeps; `links`: whether they may be hard links (the
    /// batch has their identity columns).
    fn fold(&mut self, c: &Cols, filter: &RowFilter, links: bool) -> Result<()>;
    /// The file has ended: hand over what is held.
    fn finish(&mut self) -> Result<()>;
}

/// A report riding a pass: its filter, and where its groups go.
pub(crate) struct Riding<'r> {
    pub(super) filter: &'r Filter,
    sink: Sink<'r>,
}

enum Sink<'r> {
    /// The report, its candidates, where its groups go, the counters it computes.
    Grouped(&'r GroupedReport, Option<&'r Candidates>, grouped::Out, Counted),
    Du(&'r DuReport, Spiller<DuCounters>, usize),
}

impl<'r> Riding<'r> {
    /// A grouped report (duplicates: only the rows of its `candidates`) computing `counted`
    /// ([`Report::counted`]).
    pub(super) fn grouped(
        report: &'r GroupedReport,
        filter: &'r Filter,
        candidates: Option<&'r Candidates>,
        counted: Counted,
        budget: &Budget,
    ) -> Riding<'r> {
        Riding { filter, sink: Sink::Grouped(report, candidates, grouped::Out::new(budget), counted) }
    }

    pub(super) fn du(report: &'r DuReport, filter: &'r Filter, budget: &Budget) -> Riding<'r> {
        let spiller = Spiller::new(budget.results, budget.spill_dir.as_deref());
        Riding { filter, sink: Sink::Du(report, spiller, budget.per_task) }
    }

    /// `report` as a rider, if it can be one.
    fn new(report: &'r Report, budget: &Budget) -> Option<Riding<'r>> {
        match &report.kind {
            ReportKind::Grouped(g) => Some(Riding::grouped(g, &report.filter, None, report.counted(), budget)),
            ReportKind::Du(d) => Some(Riding::du(d, &report.filter, budget)),
            _ => None,
        }
    }

    /// The columns its folding and its filter read.
    pub(super) fn columns(&self) -> Vec<&'static str> {
        match &self.sink {
            Sink::Grouped(g, _, _, counted) => grouped::needed_columns(g, *counted, self.filter),
            Sink::Du(..) => du::needed_columns(self.filter),
        }
    }

    /// Whether any of `riding` counts linked objects once: then the columns that tell possible
    /// hard links apart are read where a file may hold one ([`super::columns::link_columns`]).
    pub(super) fn want_links(riding: &[Riding]) -> bool {
        riding.iter().any(|r| matches!(r.sink, Sink::Grouped(.., Counted { links: true, .. })))
    }

    /// Its folding of one file of `partition`.
    pub(super) fn rider<'a>(&'a self, partition: &Partition) -> Box<dyn Rider + 'a> {
        match &self.sink {
            Sink::Grouped(g, candidates, out, counted) => grouped::rider(g, partition, *candidates, out, counted.links),
            Sink::Du(d, spiller, per_task) => du::rider(self.filter, d, partition, spiller, *per_task),
        }
    }

    pub(super) fn finish(self) -> Result<Aggregated> {
        Ok(match self.sink {
            Sink::Grouped(_, _, out, _) => {
                let (groups, linked) = out.finish()?;
                Aggregated::Grouped { groups, linked }
            }
            Sink::Du(_, spiller, _) => Aggregated::Du(spiller.finish()?),
        })
    }
}

/// Which reports ride which pass: a churn report (or none), and the riders (indexes).
struct Pass {
    lead: Option<usize>,
    /// The partitions every rider covers: churn's newer scan, or the riders' own.
    covers: Vec<usize>,
    riders: Vec<usize>,
}

/// The partitions of the view, by address (a view holds each once).
fn identities(partitions: &[&Partition]) -> Vec<usize> {
    let mut ids: Vec<usize> = partitions.iter().map(|p| *p as *const Partition as usize).collect();
    ids.sort_unstable();
    ids
}

/// Plans the passes: each churn leads one; a grouped or du report rides the first pass that
/// covers exactly its partitions (`selected[i]`), else starts a plain pass; anything else runs
/// alone.
fn plan(reports: &[Report], selected: &[Vec<&Partition>]) -> (Vec<Pass>, Vec<usize>) {
    let mut passes = Vec::new();
    let mut alone = Vec::new();
    for (i, r) in reports.iter().enumerate() {
        if let ReportKind::Churn(c) = &r.kind {
            let newer: Vec<&Partition> = selected[i].iter().copied().filter(|p| p.acq == c.to).collect();
            passes.push(Pass { lead: Some(i), covers: identities(&newer), riders: Vec::new() });
        }
    }
    for (i, r) in reports.iter().enumerate() {
        match &r.kind {
            ReportKind::Grouped(_) | ReportKind::Du(_) => {
                let covers = identities(&selected[i]);
                match passes.iter_mut().find(|p| p.covers == covers) {
                    Some(p) => p.riders.push(i),
                    None => passes.push(Pass { lead: None, covers, riders: vec![i] }),
                }
            }
            ReportKind::Churn(_) => {}
            _ => alone.push(i),
        }
    }
    (passes, alone)
}

/// Computes every report of `reports` on the streaming engine in as few passes as it can, and
/// returns their combined groups in the same order (for [`crate::aggregate::engine::finish_report`]).
/// Every file is checked once against its checksum first.
pub fn together(
    view: &DatasetView,
    reports: &[Report],
    limits: &Limits,
    progress: &dyn Progress,
) -> Result<Vec<Aggregated>> {
    for r in reports {
        view.check(r)?;
    }
    let selected: Vec<Vec<&Partition>> = reports.iter().map(|r| view.select(r)).collect();
    let mut all: Vec<&Partition> = selected.iter().flatten().copied().collect();
    all.sort_unstable_by_key(|p| *p as *const Partition);
    all.dedup_by_key(|p| *p as *const Partition);

    let (passes, alone) = plan(reports, &selected);
    let riders_total: usize = passes.iter().map(|p| p.riders.len() + usize::from(p.lead.is_some())).sum();
    let budget = Budget::new(limits).shared(riders_total.max(1));
    let mut out: Vec<Option<Aggregated>> = reports.iter().map(|_| None).collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(limits.threads.max(1))
        .thread_name(|i| format!("scanlake-agg-{i}"))
        .build()
        .context("cannot start the aggregation threads")?;
    for pass in &passes {
        let riding: Vec<Riding> = pass
            .riders
            .iter()
            .map(|&i| Riding::new(&reports[i], &budget).expect("grouped and du reports ride"))
            .collect();
        let names: Vec<&str> = pass.lead.iter().chain(&pass.riders).map(|&i| reports[i].name.as_str()).collect();
        let tasks = Tasks { label: format!("{} on streaming, in one pass", names.join(", ")), progress };
        pool.install(|| -> Result<()> {
            match pass.lead {
                Some(lead) => {
                    let report = &reports[lead];
                    let ReportKind::Churn(c) = &report.kind else { unreachable!("churn leads") };
                    let partial = churn::run_with(&selected[lead], c, &report.filter, &riding, &tasks)?;
                    out[lead] = Some(Aggregated::Churn(partial));
                }
                None => file_pass(&selected[pass.riders[0]], &riding, &tasks)?,
            }
            Ok(())
        })?;
        progress.finish();
        for (&i, r) in pass.riders.iter().zip(riding) {
            out[i] = Some(r.finish()?);
        }
    }
    for i in alone {
        let report = &reports[i];
        out[i] = Some(compute(&selected[i], report, limits, &Budget::new(limits), true, progress)?);
    }
    Ok(out.into_iter().map(|a| a.expect("every report computed")).collect())
}

/// One report's own pass over its files.
pub(super) fn alone(partitions: &[&Partition], riding: Riding, tasks: &Tasks) -> Result<Aggregated> {
    file_pass(partitions, std::slice::from_ref(&riding), tasks)?;
    riding.finish()
}

/// One read of each file, in parallel over files, folded by every rider. Row groups are skipped
/// only when every rider's filter rules them out; the identity columns of possible hard links
/// are read only in row groups that may hold one.
fn file_pass(partitions: &[&Partition], riding: &[Riding], tasks: &Tasks) -> Result<()> {
    let mut columns: Vec<&str> = riding.iter().flat_map(Riding::columns).collect();
    columns.sort_unstable();
    columns.dedup();
    let want_links = Riding::want_links(riding);
    let work = file_tasks(partitions);
    tasks.begin(work.len());
    let same_filter = riding.windows(2).all(|w| w[0].filter == w[1].filter);
    work.par_iter().try_for_each(|task| {
        let filters = riding.iter().map(|r| RowFilter::new(r.filter, task.partition)).collect::<Result<Vec<_>>>()?;
        let none = RowFilter::none();
        let file = task.open(if same_filter { &filters[0] } else { &none })?;
        let mut riders: Vec<Box<dyn Rider + '_>> = riding.iter().map(|r| r.rider(task.partition)).collect();
        let with_links: Vec<&str> = if want_links {
            columns.iter().chain(link_columns(file.metadata().schema())).copied().collect()
        } else {
            Vec::new()
        };
        for &(row_group, link_rows) in &file.row_groups {
            let links = link_rows != Some(0) && !with_links.is_empty();
            for batch in file.read(row_group, if links { &with_links } else { &columns })? {
                let batch = batch?;
                let c = Cols::new(&batch);
                for (rider, f) in riders.iter_mut().zip(&filters) {
                    rider.fold(&c, f, links)?;
                }
            }
        }
        for rider in &mut riders {
            rider.finish()?;
        }
        tasks.done()
    })
}
