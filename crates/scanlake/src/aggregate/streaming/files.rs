//! top files: each task keeps the best `n` files of its groups as it reads ([`Best`]), copying a
//! path only when the file enters; the partial holds those, for the library to merge.

use super::Tasks;
use super::columns::{Cols, RowFilter, file_tasks, filter_columns, opt};
use crate::aggregate::spec::{FilesMetric, Filter, TopFilesReport};
use crate::aggregate::top_files::{Best, FileRow, FilesPartial};
use crate::dataset::view::Partition;
use anyhow::Result;
use rayon::prelude::*;
use std::collections::HashMap;

pub fn run(partitions: &[&Partition], report: &TopFilesReport, filter: &Filter, tasks: &Tasks) -> Result<FilesPartial> {
    let columns = needed_columns(report, filter);
    let work = file_tasks(partitions);
    tasks.begin(work.len());
    let parts: Vec<FilesPartial> = work
        .par_iter()
        .map(|task| {
            let rows = RowFilter::new(filter, task.partition)?;
            let file = task.open(&rows)?;
            let acq = task.partition.acq.days_since_epoch();
            let mut best: HashMap<Option<u32>, Best> = HashMap::new();
            for &(row_group, _) in &file.row_groups {
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

pub(super) fn needed_columns(report: &TopFilesReport, filter: &Filter) -> Vec<&'static str> {
    let mut columns = vec!["path", "path_bytes", "size", "uid", "gid", "access", "modify", report.metric.column()];
    columns.extend(filter_columns(filter));
    columns
}
