//! du: rows are sorted by path in every file, so the directories above the current row form a
//! stack; a directory's totals are complete when the stack leaves it. Completed directories go to
//! a [`Spiller`] (each task hands them over when its share of memory is full), so memory is one
//! stack per task and the spiller's budget, however many directories there are.

use super::columns::{Cols, RowFilter, file_tasks, filter_columns, opt};
use super::{Budget, Tasks};
use crate::aggregate::partial::{DuCounters, Sum, du_key};
use crate::aggregate::pathkey;
use crate::aggregate::spec::{DuReport, Filter};
use crate::aggregate::spill::{Sorted, Spiller, key_bytes, map_bytes};
use crate::dataset::view::Partition;
use anyhow::Result;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

pub fn run(
    partitions: &[&Partition],
    report: &DuReport,
    filter: &Filter,
    tasks: &Tasks,
    budget: &Budget,
) -> Result<Sorted<DuCounters>> {
    let from = filter.prefix_depth();
    let columns = needed_columns(filter);
    let work = file_tasks(partitions);
    let spiller = Spiller::new(budget.results, budget.spill_dir.as_deref());
    tasks.begin(work.len());
    work.par_iter().try_for_each(|task| {
        let rows = RowFilter::new(filter, task.partition)?;
        let file = task.open(&rows)?;
        let acq = task.partition.acq.days_since_epoch();
        let mut walk = Walk { from, to: report.max_depth, stack: Vec::new(), done: FxHashMap::default(), keys: 0 };
        for &(row_group, _) in &file.row_groups {
            for batch in file.read(row_group, &columns)? {
                let batch = batch?;
                let c = Cols::new(&batch);
                for i in 0..batch.num_rows() {
                    if rows.keep(&c, i) {
                        walk.row(&c, i);
                    }
                }
                if walk.keys + map_bytes(&walk.done) > budget.per_task {
                    spiller.add(walk.take_done(acq))?;
                }
            }
        }
        walk.close();
        spiller.add(walk.take_done(acq))?;
        tasks.done()
    })?;
    spiller.finish()
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
    /// Heap bytes of `done`'s keys.
    keys: usize,
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
            self.pop();
        }
        if deepest >= self.from {
            for depth in self.from + keep..=deepest {
                self.stack.push((pathkey::dir_at(path, depth).to_vec(), DuCounters::default()));
            }
        }
        let kind = c.kind(i);
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

    fn pop(&mut self) {
        let (dir, totals) = self.stack.pop().expect("non-empty stack");
        match self.done.get_mut(&dir) {
            Some(t) => t.add(&totals),
            None => {
                self.keys += key_bytes(&dir);
                self.done.insert(dir, totals);
            }
        }
    }

    /// Completes the directories still on the stack (the end of a file).
    fn close(&mut self) {
        while !self.stack.is_empty() {
            self.pop();
        }
    }

    /// The completed directories so far, keyed for the spiller, leaving none.
    fn take_done(&mut self, acq: i64) -> impl Iterator<Item = (Vec<u8>, DuCounters)> + use<> {
        self.keys = 0;
        std::mem::take(&mut self.done).into_iter().map(move |(dir, c)| (du_key(acq, &dir), c))
    }
}
