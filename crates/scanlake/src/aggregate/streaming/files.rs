//! top files: each task keeps the best `n` files of its groups as it reads ([`Best`]), copying a
//! path only when the file enters; the partial holds those, for the library to merge. Tasks share
//! each scan date's `n`-th best rank so far ([`Bounds`]): a row group whose statistics say no row
//! of it can rank as well is not read at all, so most of a large scan is never decoded (the
//! largest files are a thin tail: a row group's largest file is rarely among the scan's largest).

use super::Tasks;
use super::columns::{Cols, RowFilter, file_tasks, filter_columns, opt};
use crate::aggregate::spec::{FilesMetric, Filter, TopFilesReport};
use crate::aggregate::top_files::{Best, FileRow, FilesPartial};
use crate::dataset::view::Partition;
use anyhow::Result;
use parquet::file::metadata::RowGroupMetaData;
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

pub fn run(partitions: &[&Partition], report: &TopFilesReport, filter: &Filter, tasks: &Tasks) -> Result<FilesPartial> {
    let columns = needed_columns(report, filter);
    let work = file_tasks(partitions);
    // Per owner, the bound of a group is not shared (an owner's files can be anywhere).
    let bounds = (!report.per_user).then(|| Bounds::new(partitions, report.n));
    tasks.begin(work.len());
    let parts: Vec<FilesPartial> = work
        .par_iter()
        .map(|task| {
            let rows = RowFilter::new(filter, task.partition)?;
            let file = task.open(&rows)?;
            let acq = task.partition.acq.days_since_epoch();
            let mut best: HashMap<Option<u32>, Best> = HashMap::new();
            let bound = bounds.as_ref().map(|b| &b.of(acq).bound);
            let meta = file.metadata().metadata().clone();
            for &(row_group, _) in &file.row_groups {
                if let Some(bound) = bound
                    && best_possible(meta.row_group(row_group), report.metric)
                        .is_some_and(|r| r > bound.load(Ordering::Relaxed))
                {
                    continue;
                }
                for batch in file.read(row_group, &columns)? {
                    let batch = batch?;
                    let c = Cols::new(&batch);
                    for i in 0..c.rows {
                        let rank = match report.metric {
                            FilesMetric::Size => opt(c.size, i).map(i64::saturating_neg),
                            FilesMetric::Access => opt(c.access, i),
                            FilesMetric::Modify => opt(c.modify, i),
                        };
                        let Some(rank) = rank else { continue };
                        let owner = if report.per_user { opt(c.uid, i) } else { None };
                        let group = best.entry(owner).or_insert_with(|| Best::new(report.n));
                        if !group.wants(rank, c.path(i)) || !rows.keep(&c, i) {
                            continue;
                        }
                        group.offer(
                            rank,
                            FileRow {
                                acq,
                                uid: opt(c.uid, i),
                                gid: opt(c.gid, i),
                                path: c.path(i).to_vec(),
                                size: opt(c.size, i),
                                access: opt(c.access, i),
                                modify: opt(c.modify, i),
                            },
                        );
                    }
                }
            }
            if let (Some(bounds), Some(b)) = (&bounds, best.get(&None)) {
                bounds.add(acq, b.ranks());
            }
            tasks.done()?;
            Ok(FilesPartial { rows: best.into_values().flat_map(Best::into_rows).collect() })
        })
        .collect::<Result<_>>()?;
    let mut all = FilesPartial::default();
    for p in parts {
        all.merge(p);
    }
    all.prune(report);
    Ok(all)
}

/// Each scan date's bound: the `n`-th best rank of the rows the finished tasks kept (smaller is
/// better). The report's `n` best of the date rank at least as well, so a row ranked worse
/// cannot be one of them.
struct Bounds {
    n: usize,
    dates: Vec<(i64, Bound)>,
}

struct Bound {
    /// The best `n` ranks handed in so far, best first.
    ranks: Mutex<Vec<i64>>,
    /// Their `n`-th, once there are `n` (else `i64::MAX`).
    bound: AtomicI64,
}

impl Bounds {
    fn new(partitions: &[&Partition], n: usize) -> Bounds {
        let mut dates: Vec<i64> = partitions.iter().map(|p| p.acq.days_since_epoch()).collect();
        dates.sort_unstable();
        dates.dedup();
        let dates = dates
            .into_iter()
            .map(|d| (d, Bound { ranks: Mutex::new(Vec::new()), bound: AtomicI64::new(i64::MAX) }))
            .collect();
        Bounds { n, dates }
    }

    fn of(&self, acq: i64) -> &Bound {
        &self.dates.iter().find(|(d, _)| *d == acq).expect("a bound per scan date").1
    }

    /// A finished task's kept ranks (each row handed in once).
    fn add(&self, acq: i64, ranks: impl Iterator<Item = i64>) {
        let b = self.of(acq);
        let mut all = b.ranks.lock().expect("not poisoned");
        all.extend(ranks);
        all.sort_unstable();
        all.truncate(self.n);
        if all.len() == self.n {
            b.bound.store(all[self.n - 1], Ordering::Relaxed);
        }
    }
}

/// The best rank any row of `rg` can have, from its statistics (none without them).
fn best_possible(rg: &RowGroupMetaData, metric: FilesMetric) -> Option<i64> {
    use parquet::file::statistics::Statistics;
    let schema = rg.schema_descr();
    let column = (0..schema.num_columns()).find(|&i| schema.column(i).name() == metric.column())?;
    let Some(Statistics::Int64(s)) = rg.column(column).statistics() else { return None };
    if s.null_count_opt() == Some(rg.num_rows() as u64) {
        // No row has the value: none is ranked.
        return Some(i64::MAX);
    }
    match metric {
        FilesMetric::Size => s.max_opt().map(|m| m.saturating_neg()),
        FilesMetric::Access | FilesMetric::Modify => s.min_opt().copied(),
    }
}

pub(super) fn needed_columns(report: &TopFilesReport, filter: &Filter) -> Vec<&'static str> {
    let mut columns = vec!["path", "path_bytes", "size", "uid", "gid", "access", "modify", report.metric.column()];
    columns.extend(filter_columns(filter));
    columns
}
