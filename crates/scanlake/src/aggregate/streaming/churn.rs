//! churn: both scans of a tld are sorted by path, so a merge-join over them (each side a k-way
//! merge of its files) classifies every path with one batch per file in memory.

use super::Tasks;
use super::columns::{Cols, RowFilter, filter_columns, opt, reader_with_links};
use super::ride::{Rider, Riding};
use crate::aggregate::partial::{ChurnCounters, ChurnPartial, Key, Sum};
use crate::aggregate::spec::{ChurnBy, ChurnReport, Filter};
use crate::dataset::view::Partition;
use anyhow::Result;
use parquet::arrow::arrow_reader::ParquetRecordBatchReader;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use std::collections::HashMap;

pub fn run(partitions: &[&Partition], report: &ChurnReport, filter: &Filter, tasks: &Tasks) -> Result<ChurnPartial> {
    run_with(partitions, report, filter, &[], tasks)
}

/// [`run`], with `riders` folding every batch of the newer scan that the merge reads (each
/// applying its own filter): reports over exactly that scan, computed in the same pass.
pub(super) fn run_with(
    partitions: &[&Partition],
    report: &ChurnReport,
    filter: &Filter,
    riders: &[Riding],
    tasks: &Tasks,
) -> Result<ChurnPartial> {
    let mut pairs: BTreeMap<&str, (Option<&Partition>, Option<&Partition>)> = BTreeMap::new();
    for p in partitions {
        let e = pairs.entry(p.tld_text.as_str()).or_default();
        if p.acq == report.from {
            e.0 = Some(p);
        } else if p.acq == report.to {
            e.1 = Some(p);
        }
    }
    // Largest first, each thread taking the next pair when it is free: the tlds differ in size
    // many times over, and a large one left to the end would keep one thread busy alone.
    let mut pairs: Vec<_> = pairs.into_values().collect();
    let bytes = |p: Option<&Partition>| p.map_or(0, |p| p.files.iter().map(|f| f.bytes).sum::<u64>());
    pairs.sort_by_key(|(old, new)| std::cmp::Reverse(bytes(*old) + bytes(*new)));
    tasks.begin(pairs.len());
    let joined = |(old, new): &(Option<&Partition>, Option<&Partition>)| {
        let partial = join(*old, *new, report, filter, riders)?;
        tasks.done()?;
        Ok(partial)
    };
    pairs.iter().par_bridge().map(joined).try_reduce(ChurnPartial::default, |mut a, b| {
        a.merge(b);
        Ok(a)
    })
}

#[derive(Debug)]
struct Row {
    path: Vec<u8>,
    size: Option<i64>,
    modify: Option<i64>,
    uid: Option<u32>,
}

fn join(
    old: Option<&Partition>,
    new: Option<&Partition>,
    report: &ChurnReport,
    filter: &Filter,
    riders: &[Riding],
) -> Result<ChurnPartial> {
    let tld = old.or(new).map(|p| p.tld_text.clone()).unwrap_or_default();
    let mut a = Side::open(old, report, filter, &[])?;
    let mut b = Side::open(new, report, filter, riders)?;
    // Counters by the group's small key (every row of this join has the same tld), made
    // report keys once at the end: no key is built or hashed as text per row.
    let mut groups: FxHashMap<Option<u32>, ChurnCounters> = FxHashMap::default();
    let key = |r: &Row| match report.by {
        ChurnBy::Tld => None,
        ChurnBy::Uid => r.uid,
    };
    // Runs of equal paths pair up as a SQL full outer join does (paths repeat only when one
    // scan date holds overlapping inputs): every old row with every new row. The run's path is
    // its first row's, compared in place.
    let (mut olds, mut news): (Vec<Row>, Vec<Row>) = (Vec::new(), Vec::new());
    let (mut x, mut y) = (a.next()?, b.next()?);
    loop {
        let old_first = match (&x, &y) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(r), Some(s)) => r.path <= s.path,
        };
        olds.clear();
        news.clear();
        if old_first {
            olds.push(x.take().expect("old row"));
            x = a.next()?;
            while x.as_ref().is_some_and(|r| r.path == olds[0].path) {
                olds.push(x.take().expect("old row"));
                x = a.next()?;
            }
        }
        while y.as_ref().is_some_and(|s| olds.first().is_none_or(|o| s.path == o.path)) {
            let s = y.take().expect("new row");
            if news.first().is_some_and(|n: &Row| n.path != s.path) {
                y = Some(s);
                break;
            }
            news.push(s);
            y = b.next()?;
        }
        if news.is_empty() {
            for r in &olds {
                let c = groups.entry(key(r)).or_default();
                c.deleted += 1;
                c.deleted_bytes += Sum::from(r.size.unwrap_or(0));
            }
        }
        if olds.is_empty() {
            for s in &news {
                let c = groups.entry(key(s)).or_default();
                c.created += 1;
                c.created_bytes += Sum::from(s.size.unwrap_or(0));
            }
        }
        for r in &olds {
            for s in &news {
                let c = groups.entry(key(s)).or_default();
                if r.modify != s.modify || r.size != s.size {
                    c.modified += 1;
                    c.modified_bytes += Sum::from(s.size.unwrap_or(0));
                } else {
                    c.unchanged += 1;
                    c.unchanged_bytes += Sum::from(s.size.unwrap_or(0));
                }
            }
        }
    }
    b.finish()?;
    let groups = groups
        .into_iter()
        .map(|(k, c)| {
            let key = match report.by {
                ChurnBy::Tld => Key::Path(tld.clone().into_bytes()),
                ChurnBy::Uid => k.map_or(Key::Null, |u| Key::Int(i64::from(u))),
            };
            (key, c)
        })
        .collect::<HashMap<Key, ChurnCounters>>();
    Ok(ChurnPartial { groups })
}

/// One scan of a tld: the k-way merge of its files, rows the filter drops skipped.
struct Side<'r> {
    cursors: Vec<Cursor<'r>>,
    /// The cursors that have a next row, by its path.
    order: Vec<usize>,
    filter: RowFilter,
    /// Each rider's filter over this scan.
    rider_filters: Vec<RowFilter>,
}

struct Cursor<'r> {
    reader: ParquetRecordBatchReader,
    /// Rows of the current batch that the filter kept and the merge has not taken yet.
    rows: std::collections::VecDeque<Row>,
    /// The riders' folding of this file, each batch as it is read.
    riders: Vec<Box<dyn Rider + 'r>>,
    /// Whether the reader reads the identity of hard links (the file may hold one).
    links: bool,
}

/// Rows per batch in a merge: a tld can have dozens of files per date, each with a batch open.
const MERGE_BATCH_ROWS: usize = 4096;

/// What a side reads: the join's columns (`uid` only to group by it) and the filter's.
pub(super) fn needed_columns(report: &ChurnReport, filter: &Filter) -> Vec<&'static str> {
    let mut columns = vec!["path", "path_bytes", "size", "modify"];
    if report.by == ChurnBy::Uid {
        columns.push("uid");
    }
    columns.extend(filter_columns(filter));
    columns
}

impl<'r> Side<'r> {
    fn open(p: Option<&Partition>, report: &ChurnReport, filter: &Filter, riders: &'r [Riding]) -> Result<Side<'r>> {
        let mut cursors = Vec::new();
        let Some(p) = p else {
            return Ok(Side { cursors, order: Vec::new(), filter: RowFilter::none(), rider_filters: Vec::new() });
        };
        let rows = RowFilter::new(filter, p)?;
        let rider_filters = riders.iter().map(|r| RowFilter::new(r.filter, p)).collect::<Result<Vec<_>>>()?;
        let mut columns = needed_columns(report, filter);
        for r in riders {
            columns.extend(r.columns());
        }
        columns.sort_unstable();
        columns.dedup();
        let want_links = Riding::want_links(riders);
        for f in &p.files {
            let (reader, links) = reader_with_links(f, &columns, want_links, MERGE_BATCH_ROWS)?;
            let riders = riders.iter().map(|r| r.rider(p)).collect();
            let mut c = Cursor { reader, links, rows: Default::default(), riders };
            c.fill(&rows, &rider_filters)?;
            cursors.push(c);
        }
        let mut order: Vec<usize> = (0..cursors.len()).filter(|&i| !cursors[i].rows.is_empty()).collect();
        order.sort_by(|&a, &b| cursors[a].front().cmp(cursors[b].front()));
        Ok(Side { cursors, order, filter: rows, rider_filters })
    }

    /// The merge is over: every file was read to its end, so the riders hand over their groups.
    fn finish(&mut self) -> Result<()> {
        for c in &mut self.cursors {
            for r in &mut c.riders {
                r.finish()?;
            }
        }
        Ok(())
    }

    /// The row with the smallest path of every file's next: the cursors are kept in the order
    /// of their next paths, so taking one costs a binary search to put its cursor back (about
    /// log2(files) path comparisons), not a comparison with every file's.
    fn next(&mut self) -> Result<Option<Row>> {
        let Some(&i) = self.order.first() else { return Ok(None) };
        let row = self.cursors[i].rows.pop_front();
        if self.cursors[i].rows.is_empty() {
            self.cursors[i].fill(&self.filter, &self.rider_filters)?;
        }
        self.order.remove(0);
        if !self.cursors[i].rows.is_empty() {
            let cursors = &self.cursors;
            let front = cursors[i].front();
            // After equal paths: the merge stays stable across files.
            let at = self.order.partition_point(|&j| cursors[j].front() <= front);
            self.order.insert(at, i);
        }
        Ok(row)
    }
}

impl Cursor<'_> {
    /// The path of the next row (the cursor has one).
    fn front(&self) -> &[u8] {
        &self.rows.front().expect("a row").path
    }

    /// Loads batches until one has a kept row or the file ends; the riders fold each.
    fn fill(&mut self, filter: &RowFilter, rider_filters: &[RowFilter]) -> Result<()> {
        while self.rows.is_empty() {
            let Some(batch) = self.reader.next().transpose()? else { return Ok(()) };
            let c = Cols::new(&batch);
            for (rider, f) in self.riders.iter_mut().zip(rider_filters) {
                rider.fold(&c, f, self.links)?;
            }
            let kept = filter.mask(&c);
            for i in 0..batch.num_rows() {
                if kept.as_ref().is_none_or(|k| k[i]) {
                    self.rows.push_back(Row {
                        path: c.path(i).to_vec(),
                        size: opt(c.size, i),
                        modify: opt(c.modify, i),
                        uid: opt(c.uid, i),
                    });
                }
            }
        }
        Ok(())
    }
}
