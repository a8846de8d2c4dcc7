//! du: rows are sorted by path in every file, so the directories above the current row form a
//! stack; a directory's totals are complete when the stack leaves it. Memory is the result plus
//! one stack per task, however many rows there are.

use super::Tasks;
use super::columns::{Cols, file_tasks, filter_columns, filters_rows, keep, opt, opt_str};
use crate::aggregate::partial::{DuCounters, DuPartial, Sum};
use crate::aggregate::pathkey;
use crate::aggregate::spec::{DuReport, Filter};
use crate::dataset::view::Partition;
use anyhow::Result;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

pub fn run(partitions: &[&Partition], report: &DuReport, filter: &Filter, tasks: &Tasks) -> Result<DuPartial> {
    let from = filter.prefix.as_deref().map_or(0, pathkey::depth);
    let columns = needed_columns(filter);
    let work = file_tasks(partitions);
    tasks.begin(work.len());
    work.par_iter()
        .map(|task| {
            let file = task.open(filter)?;
            let mut walk = Walk { from, to: report.max_depth, stack: Vec::new(), done: FxHashMap::default() };
            let filtered = filters_rows(filter);
            for &(row_group, _) in &file.row_groups {
                for batch in file.read(row_group, &columns)? {
                    let batch = batch?;
                    let c = Cols::new(&batch);
                    for i in 0..batch.num_rows() {
                        if !filtered || keep(filter, &c, i) {
                            walk.row(&c, i);
                        }
                    }
                }
            }
            tasks.done()?;
            let acq = task.partition.acq.days_since_epoch();
            Ok(DuPartial { dirs: walk.finish().into_iter().map(|(dir, c)| ((acq, dir), c)).collect() })
        })
        .try_reduce(DuPartial::default, |mut a, b| {
            a.merge(b);
            Ok(a)
        })
}

pub(super) fn needed_columns(filter: &Filter) -> Vec<&'static str> {
    let mut columns = vec!["path", "path_bytes", "kind", "size", "kballoc", "access"];
    columns.extend(filter_columns(filter));
    columns
}

struct Walk {
    from: usize,
    to: usize,
    /// The directories at depths `from..` above the last row, with their totals so far.
    stack: Vec<(Vec<u8>, DuCounters)>,
    done: FxHashMap<Vec<u8>, DuCounters>,
}

impl Walk {
    fn row(&mut self, c: &Cols, i: usize) {
        let path = c.path(i);
        let parent = &path[..memchr::memrchr(b'/', path).unwrap_or(0)];
        let parent_depth = memchr::memchr_iter(b'/', parent).count();
        let deepest = parent_depth.min(self.to);
        // Keep the stack entries that are still ancestors of this row, then push the new ones.
        let mut keep = 0;
        for depth in self.from..=deepest {
            match self.stack.get(depth - self.from) {
                Some((dir, _)) if dir.as_slice() == pathkey::dir_at(path, depth) => keep += 1,
                _ => break,
            }
        }
        while self.stack.len() > keep {
            let (dir, totals) = self.stack.pop().expect("non-empty stack");
            self.done.entry(dir).or_default().add(&totals);
        }
        if deepest >= self.from {
            for depth in self.from + keep..=deepest {
                self.stack.push((pathkey::dir_at(path, depth).to_vec(), DuCounters::default()));
            }
        }
        let kind = opt_str(c.kind, i);
        let row = DuCounters {
            objects: 1,
            files: Sum::from(kind == Some("file")),
            bytes: Sum::from(opt(c.size, i).unwrap_or(0)),
            allocated: Sum::from(opt(c.kballoc, i).unwrap_or(0)) * 1024,
            newest_access: opt(c.access, i),
        };
        for (_, totals) in &mut self.stack {
            totals.add(&row);
        }
    }

    fn finish(mut self) -> FxHashMap<Vec<u8>, DuCounters> {
        while let Some((dir, totals)) = self.stack.pop() {
            self.done.entry(dir).or_default().add(&totals);
        }
        self.done
    }
}
