//! Per-partition buffers: rows wait here until a partition has enough for a file of the target
//! size. When the memory budget runs short, a partition big enough to be worth a file is written
//! early; if none is, the caller waits for a running write to free memory (backpressure) rather
//! than writing a flood of tiny files.

use arrow::record_batch::RecordBatch;
use std::collections::HashMap;
use std::sync::{Condvar, Mutex};

/// Rows of one partition waiting to be written.
#[derive(Default)]
pub struct Pending {
    pub batches: Vec<RecordBatch>,
    pub bytes: usize,
}

#[derive(Default)]
struct State {
    map: HashMap<Vec<u8>, Pending>,
    /// Bytes waiting in `map`.
    pending: usize,
    /// Bytes taken for writing and not yet released by [`PartitionBuffers::written`].
    in_flight: usize,
}

impl State {
    fn take(&mut self, tld: &[u8]) -> Option<(Vec<u8>, Pending)> {
        let (k, p) = self.map.remove_entry(tld)?;
        self.pending -= p.bytes;
        self.in_flight += p.bytes;
        Some((k, p))
    }
}

pub struct PartitionBuffers {
    state: Mutex<State>,
    released: Condvar,
    target_bytes: usize,
    budget_bytes: usize,
}

impl PartitionBuffers {
    pub fn new(target_bytes: usize, budget_bytes: usize) -> PartitionBuffers {
        PartitionBuffers { state: Mutex::default(), released: Condvar::new(), target_bytes, budget_bytes }
    }

    /// Adds rows of a partition; returns the partitions the caller must write now (and then
    /// release with [`written`](Self::written)). May wait for other writers to release memory.
    pub fn add(&self, tld: &[u8], batch: RecordBatch) -> Vec<(Vec<u8>, Pending)> {
        let bytes = batch.get_array_memory_size();
        let mut s = self.state.lock().expect("buffer lock");
        s.pending += bytes;
        let p = s.map.entry(tld.to_vec()).or_default();
        p.bytes += bytes;
        p.batches.push(batch);
        let mut out = Vec::new();
        if p.bytes >= self.target_bytes {
            out.extend(s.take(tld));
        }
        // Never wait holding partitions to write: that could leave every worker waiting.
        while out.is_empty() && s.pending + s.in_flight > self.budget_bytes && !s.map.is_empty() {
            let (largest, size) =
                s.map.iter().max_by_key(|(_, p)| p.bytes).map(|(k, p)| (k.clone(), p.bytes)).expect("non-empty");
            if size * 4 >= self.target_bytes || s.in_flight == 0 {
                out.extend(s.take(&largest));
            } else {
                s = self.released.wait(s).expect("buffer lock");
            }
        }
        out
    }

    /// Takes any one waiting partition (for the final flush).
    pub fn take_any(&self) -> Option<(Vec<u8>, Pending)> {
        let mut s = self.state.lock().expect("buffer lock");
        let key = s.map.keys().next()?.clone();
        s.take(&key)
    }

    /// Releases the memory of a written partition.
    pub fn written(&self, bytes: usize) {
        let mut s = self.state.lock().expect("buffer lock");
        s.in_flight = s.in_flight.saturating_sub(bytes);
        self.released.notify_all();
    }

    pub fn is_empty(&self) -> bool {
        self.state.lock().expect("buffer lock").map.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{ArrayRef, Int64Array};
    use std::sync::Arc;

    fn batch(rows: usize) -> RecordBatch {
        let a: ArrayRef = Arc::new(Int64Array::from(vec![0i64; rows]));
        RecordBatch::try_from_iter([("x", a)]).unwrap()
    }

    #[test]
    fn full_partitions_are_written_and_small_ones_wait() {
        let one = batch(1000).get_array_memory_size();
        let buffers = PartitionBuffers::new(4 * one, 100 * one);
        assert!(buffers.add(b"a", batch(1000)).is_empty());
        assert!(buffers.add(b"a", batch(1000)).is_empty());
        assert!(buffers.add(b"b", batch(1000)).is_empty());
        assert!(buffers.add(b"a", batch(1000)).is_empty());
        let out = buffers.add(b"a", batch(1000));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].0, b"a");
        assert_eq!(out[0].1.batches.len(), 4);
    }

    #[test]
    fn over_budget_the_largest_partition_goes_first() {
        let one = batch(1000).get_array_memory_size();
        let buffers = PartitionBuffers::new(100 * one, 3 * one);
        assert!(buffers.add(b"a", batch(1000)).is_empty());
        assert!(buffers.add(b"b", batch(1000)).is_empty());
        assert!(buffers.add(b"b", batch(1000)).is_empty());
        // Over budget with nothing in flight: the largest partition must go, however small.
        let out = buffers.add(b"c", batch(1000));
        assert_eq!(out.iter().map(|(k, _)| k.as_slice()).collect::<Vec<_>>(), [&b"b"[..]]);
    }

    #[test]
    fn over_budget_with_writes_in_flight_waits_instead_of_writing_tiny_files() {
        let one = batch(1000).get_array_memory_size();
        let buffers = Arc::new(PartitionBuffers::new(8 * one, 3 * one));
        for _ in 0..3 {
            assert!(buffers.add(b"a", batch(1000)).is_empty(), "within the budget");
        }
        let out = buffers.add(b"a", batch(1000));
        assert_eq!(out.len(), 1, "over budget, nothing in flight: a is written");
        let in_flight = out[0].1.bytes;
        let waiter = {
            let buffers = buffers.clone();
            std::thread::spawn(move || buffers.add(b"tiny", batch(1000)))
        };
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert!(!waiter.is_finished(), "a tiny partition is not written while memory is in flight");
        buffers.written(in_flight);
        assert!(waiter.join().unwrap().is_empty(), "after the release it fits");
    }
}
