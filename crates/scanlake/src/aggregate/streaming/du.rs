//! du: rows are sorted by path in every file, so the directories above the current row form a
//! stack; a directory's totals are complete when the stack leaves it. Completed directories go to
//! a [`Spiller`] (each task hands them over when its share of memory is full), so memory is one
//! stack per task and the spiller's budget, however many directories there are.

use super::columns::{Cols, RowFilter, filter_columns, opt};
use crate::aggregate::partial::{DuCounters, Sum, du_key};
use crate::aggregate::spec::{DuReport, Filter};
use crate::aggregate::spill::{Spiller, key_bytes, map_bytes};
use crate::dataset::view::Partition;
use anyhow::Result;
use rustc_hash::FxHashMap;

/// The report's walk through one file's batches ([`super::ride`] reads them, for this report
/// alone or with others).
pub(super) fn rider<'r>(
    filter: &Filter,
    report: &DuReport,
    partition: &Partition,
    spiller: &'r Spiller<DuCounters>,
    per_task: usize,
) -> Box<dyn super::ride::Rider + 'r> {
    let walk = Walk {
        from: filter.prefix_depth(),
        to: report.max_depth,
        stack: Vec::new(),
        done: FxHashMap::default(),
        keys: 0,
        cuts: Vec::new(),
    };
    Box::new(FileRider { walk, acq: partition.acq.days_since_epoch(), spiller, per_task })
}

struct FileRider<'r> {
    walk: Walk,
    acq: i64,
    spiller: &'r Spiller<DuCounters>,
    per_task: usize,
}

impl super::ride::Rider for FileRider<'_> {
    fn fold(&mut self, c: &Cols, filter: &RowFilter, _links: bool) -> Result<()> {
        let kept = filter.mask(c);
        for i in 0..c.rows {
            if kept.as_ref().is_none_or(|k| k[i]) {
                self.walk.row(c, i);
            }
        }
        if self.walk.keys + map_bytes(&self.walk.done) > self.per_task {
            self.spiller.add(self.walk.take_done(self.acq))?;
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        self.walk.close();
        self.spiller.add(self.walk.take_done(self.acq))
    }
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
    /// Where the slashes of the current row's parent are (kept to reuse its memory).
    cuts: Vec<usize>,
}

impl Walk {
    fn row(&mut self, c: &Cols, i: usize) {
        let path = c.path(i);
        let parent = &path[..memchr::memrchr(b'/', path).unwrap_or(0)];
        // The directory at each depth ends at a slash of the parent (pathkey::dir_at's rule).
        let mut cuts = std::mem::take(&mut self.cuts);
        cuts.clear();
        cuts.extend(memchr::memchr_iter(b'/', parent));
        let dir = |depth: usize| -> &[u8] {
            match cuts.get(depth).copied().unwrap_or(parent.len()) {
                0 => b"/",
                cut => &parent[..cut],
            }
        };
        let deepest = cuts.len().min(self.to);
        // The stack holds one path's directories, each a prefix of the next: the deepest entry
        // that is this row's directory at its depth keeps every entry below it. Rows come by
        // path, so that is mostly the top one.
        let mut keep = 0;
        if deepest >= self.from {
            keep = self.stack.len().min(deepest + 1 - self.from);
            while keep > 0 && self.stack[keep - 1].0.as_slice() != dir(self.from + keep - 1) {
                keep -= 1;
            }
        }
        while self.stack.len() > keep {
            self.pop();
        }
        if deepest >= self.from {
            for depth in self.from + keep..=deepest {
                self.stack.push((dir(depth).to_vec(), DuCounters::default()));
            }
        }
        self.cuts = cuts;
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
