//! Per-partition buffers: rows wait here until a partition has enough for a file of the target
//! size, or memory runs short and the largest partition goes to disk early.

use arrow::record_batch::RecordBatch;
use std::collections::HashMap;
use std::sync::Mutex;

/// Rows of one partition waiting to be written.
#[derive(Default)]
pub struct Pending {
    pub batches: Vec<RecordBatch>,
    pub bytes: usize,
}

#[derive(Default)]
struct State {
    map: HashMap<Vec<u8>, Pending>,
    /// Bytes held in `map` plus bytes of partitions being written.
    held: usize,
}

pub struct PartitionBuffers {
    state: Mutex<State>,
    target_bytes: usize,
    budget_bytes: usize,
}

impl PartitionBuffers {
    pub fn new(target_bytes: usize, budget_bytes: usize) -> PartitionBuffers {
        PartitionBuffers { state: Mutex::default(), target_bytes, budget_bytes }
    }

    /// Adds rows of a partition; returns the partitions the caller should write now.
    pub fn add(&self, tld: &[u8], batch: RecordBatch) -> Vec<(Vec<u8>, Pending)> {
        let bytes = batch.get_array_memory_size();
        let mut s = self.state.lock().expect("buffer lock");
        s.held += bytes;
        let p = s.map.entry(tld.to_vec()).or_default();
        p.bytes += bytes;
        p.batches.push(batch);
        let mut out = Vec::new();
        if p.bytes >= self.target_bytes {
            out.extend(s.map.remove_entry(tld));
        }
        while s.held > self.budget_bytes && !s.map.is_empty() {
            let largest = s.map.iter().max_by_key(|(_, p)| p.bytes).map(|(k, _)| k.clone()).expect("non-empty");
            out.extend(s.map.remove_entry(&largest));
        }
        out
    }

    /// Takes any one waiting partition (for the final flush).
    pub fn take_any(&self) -> Option<(Vec<u8>, Pending)> {
        let mut s = self.state.lock().expect("buffer lock");
        let key = s.map.keys().next()?.clone();
        s.map.remove_entry(&key)
    }

    /// Releases the memory of a written partition.
    pub fn written(&self, bytes: usize) {
        let mut s = self.state.lock().expect("buffer lock");
        s.held = s.held.saturating_sub(bytes);
    }

    pub fn is_empty(&self) -> bool {
        self.state.lock().expect("buffer lock").map.is_empty()
    }
}
