//! Duplicates' first pass: which (scan date, base name, size) may occur more than once. Usage by
//! base name and size has about a group per file, almost all of a single row; grouping and
//! spilling all of them cost 7× what DuckDB takes. So a first pass over the same rows hashes each
//! key into a bitmap pair (seen once, seen again), and the grouping pass keeps only the rows whose
//! key was seen again. A collision only lets a row through; every row of a group of two or more
//! shares its key's bits and passes, so the result is exact. Only for a report over every
//! partition at once: a partial over some partitions cannot know what the others hold.

use super::Tasks;
use super::columns::{Cols, RowFilter, file_tasks, opt};
use crate::aggregate::filter::{Filter, base_name};
use crate::dataset::view::Partition;
use anyhow::Result;
use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};

/// Bits per row the bitmaps aim at: a singleton passes with probability ~1/16.
const BITS_PER_ROW: u64 = 16;

pub struct Candidates {
    seen: Vec<AtomicU64>,
    again: Vec<AtomicU64>,
    /// Bits per bitmap, minus one (a power of two).
    mask: u64,
}

impl Candidates {
    fn new(rows: u64, memory_bytes: u64) -> Candidates {
        // Two bitmaps within a quarter of the memory limit.
        let most = (memory_bytes.saturating_mul(8) / 4 / 2).max(1 << 16);
        let bits = rows.saturating_mul(BITS_PER_ROW).max(1 << 16).next_power_of_two().min(prev_power_of_two(most));
        let words = (bits / 64) as usize;
        Candidates {
            seen: (0..words).map(|_| AtomicU64::new(0)).collect(),
            again: (0..words).map(|_| AtomicU64::new(0)).collect(),
            mask: bits - 1,
        }
    }

    fn bit(&self, acq_days: i64, path: &[u8], size: i64) -> (usize, u64) {
        let seed = (size as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (acq_days as u64);
        let slot = xxhash_rust::xxh3::xxh3_64_with_seed(base_name(path), seed) & self.mask;
        ((slot / 64) as usize, 1 << (slot % 64))
    }

    fn add(&self, acq_days: i64, path: &[u8], size: i64) {
        let (word, bit) = self.bit(acq_days, path, size);
        if self.seen[word].fetch_or(bit, Ordering::Relaxed) & bit != 0 {
            self.again[word].fetch_or(bit, Ordering::Relaxed);
        }
    }

    /// Whether a row of this key may have company: false means its group has this row only.
    pub fn may_repeat(&self, acq_days: i64, path: &[u8], size: Option<i64>) -> bool {
        let Some(size) = size.filter(|&s| s > 0) else { return false };
        let (word, bit) = self.bit(acq_days, path, size);
        self.again[word].load(Ordering::Relaxed) & bit != 0
    }

    /// Bytes the bitmaps hold.
    #[cfg(test)]
    fn bytes(&self) -> usize {
        self.seen.len() * 16
    }
}

fn prev_power_of_two(n: u64) -> u64 {
    1 << (63 - n.leading_zeros())
}

/// The first pass over the rows `filter` keeps: files of more than zero bytes.
pub fn scan(partitions: &[&Partition], filter: &Filter, memory_bytes: u64, tasks: &Tasks) -> Result<Candidates> {
    let work = file_tasks(partitions);
    let mut rows = 0u64;
    for task in &work {
        let file = task.open(&RowFilter::new(filter, task.partition)?)?;
        let meta = file.metadata().metadata();
        rows += file.row_groups.iter().map(|&(g, _)| meta.row_group(g).num_rows() as u64).sum::<u64>();
    }
    let candidates = Candidates::new(rows, memory_bytes);
    let mut columns = vec!["path", "path_bytes", "size", "kind"];
    columns.extend(super::columns::filter_columns(filter));
    columns.sort_unstable();
    columns.dedup();
    tasks.begin(work.len());
    work.par_iter().try_for_each(|task| {
        let keep = RowFilter::new(filter, task.partition)?;
        let file = task.open(&keep)?;
        let acq_days = task.partition.acq.days_since_epoch();
        for &(row_group, _) in &file.row_groups {
            for batch in file.read(row_group, &columns)? {
                let batch = batch?;
                let c = Cols::new(&batch);
                let kept = keep.mask(&c);
                for i in 0..c.rows {
                    if kept.as_ref().is_some_and(|k| !k[i]) {
                        continue;
                    }
                    if let Some(size) = opt(c.size, i).filter(|&s| s > 0) {
                        candidates.add(acq_days, c.path(i), size);
                    }
                }
            }
        }
        tasks.done()
    })?;
    Ok(candidates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_keys_seen_twice_may_repeat_and_sizes_of_zero_never_do() {
        let c = Candidates::new(1000, 1 << 30);
        c.add(1, b"/a/x", 5);
        c.add(1, b"/b/x", 5);
        c.add(1, b"/a/y", 5);
        c.add(2, b"/a/x", 5);
        assert!(c.may_repeat(1, b"/c/x", Some(5)));
        assert!(!c.may_repeat(1, b"/a/y", Some(5)));
        assert!(!c.may_repeat(2, b"/a/x", Some(5)));
        assert!(!c.may_repeat(1, b"/a/x", Some(6)));
        assert!(!c.may_repeat(1, b"/a/x", Some(0)) && !c.may_repeat(1, b"/a/x", None));
    }

    #[test]
    fn the_bitmaps_stay_within_a_quarter_of_the_memory_limit() {
        assert_eq!(Candidates::new(1 << 40, 64 << 20).bytes(), 16 << 20);
        assert_eq!(Candidates::new(1000, 8 << 30).bytes(), 2 * (1 << 16) / 8);
    }
}
