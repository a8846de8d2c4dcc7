//! Aggregation that stays within a memory budget whatever the number of groups: entries (an
//! encoded key, see [`super::sortkey`], and its counters) are combined in a hash map; when the map
//! outgrows its budget it is sorted and written to disk as a run, and [`Spiller::finish`] merges
//! the runs (k-way, combining equal keys) into one sorted stream. Nothing is written while the
//! result fits, and the runs are deleted when the stream is dropped.

use super::counters::{Counters, DuCounters};
use anyhow::{Context, Result};
use rustc_hash::FxHashMap;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Counters that can be combined and stored in a fixed number of bytes.
pub trait Value: Copy + Default + Send + 'static {
    const SIZE: usize;
    fn combine(&mut self, other: &Self);
    fn write(&self, out: &mut Vec<u8>);
    fn read(bytes: &[u8]) -> Self;
}

/// Runs merged at once; more are merged in passes first, so open files stay few.
const FAN_IN: usize = 64;
/// What the allocator adds to each heap block (a key's bytes), on average.
const BLOCK_OVERHEAD: usize = 16;

/// Heap bytes of a key held in a map.
pub fn key_bytes(key: &[u8]) -> usize {
    key.len() + BLOCK_OVERHEAD
}

/// Bytes a hash map of `len` entries holds, its keys' heap bytes (`heap`) apart: every slot of
/// its capacity (free or not, and a control byte each), and room for the list of its entries
/// that sorting it for a run makes.
pub fn map_bytes<K, V>(map: &FxHashMap<K, V>) -> usize {
    let slot = size_of::<(K, V)>();
    map.capacity() * (slot + 1) + map.len() * slot
}

/// The largest size of a possibly hard-linked object.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MaxSize(pub i64);

impl Value for MaxSize {
    const SIZE: usize = 8;
    fn combine(&mut self, other: &Self) {
        self.0 = self.0.max(other.0);
    }
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0.to_le_bytes());
    }
    fn read(bytes: &[u8]) -> Self {
        MaxSize(i64::from_le_bytes(bytes[..8].try_into().expect("8 bytes")))
    }
}

fn sums<const N: usize>(bytes: &[u8]) -> [i128; N] {
    std::array::from_fn(|i| i128::from_le_bytes(bytes[i * 16..i * 16 + 16].try_into().expect("16 bytes")))
}

impl Value for Counters {
    const SIZE: usize = 6 * 16;
    fn combine(&mut self, other: &Self) {
        self.add(other);
    }
    fn write(&self, out: &mut Vec<u8>) {
        for v in [self.objects, self.files, self.dirs, self.bytes, self.allocated, self.unique_bytes] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    fn read(bytes: &[u8]) -> Self {
        let [objects, files, dirs, bytes, allocated, unique_bytes] = sums::<6>(bytes);
        Counters { objects, files, dirs, bytes, allocated, unique_bytes }
    }
}

impl Value for DuCounters {
    const SIZE: usize = 4 * 16 + 9;
    fn combine(&mut self, other: &Self) {
        self.add(other);
    }
    fn write(&self, out: &mut Vec<u8>) {
        for v in [self.objects, self.files, self.bytes, self.allocated] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.push(u8::from(self.newest_access.is_some()));
        out.extend_from_slice(&self.newest_access.unwrap_or(0).to_le_bytes());
    }
    fn read(bytes: &[u8]) -> Self {
        let [objects, files, size, allocated] = sums::<4>(bytes);
        let access = i64::from_le_bytes(bytes[65..73].try_into().expect("8 bytes"));
        DuCounters { objects, files, bytes: size, allocated, newest_access: (bytes[64] == 1).then_some(access) }
    }
}

/// Combines entries from many threads within `budget` bytes, spilling sorted runs beyond it.
pub struct Spiller<V: Value> {
    budget: usize,
    spill_dir: Option<PathBuf>,
    state: Mutex<State<V>>,
}

struct State<V> {
    map: FxHashMap<Vec<u8>, V>,
    /// Heap bytes of the map's keys.
    keys: usize,
    runs: Vec<PathBuf>,
    dir: Option<tempfile::TempDir>,
}

impl<V: Value> Spiller<V> {
    /// `spill_dir`: where runs go (a fresh directory inside it), else the system's temporary directory.
    pub fn new(budget: usize, spill_dir: Option<&Path>) -> Spiller<V> {
        Spiller {
            budget,
            spill_dir: spill_dir.map(Path::to_path_buf),
            state: Mutex::new(State { map: FxHashMap::default(), keys: 0, runs: Vec::new(), dir: None }),
        }
    }

    /// Adds `entries`, combining equal keys; writes a run when the map outgrows the budget.
    pub fn add(&self, entries: impl IntoIterator<Item = (Vec<u8>, V)>) -> Result<()> {
        let mut state = self.state.lock().expect("spiller lock");
        for (key, value) in entries {
            match state.map.get_mut(&key) {
                Some(v) => v.combine(&value),
                None => {
                    state.keys += key_bytes(&key);
                    state.map.insert(key, value);
                }
            }
            if state.keys + map_bytes(&state.map) > self.budget {
                self.spill(&mut state)?;
            }
        }
        Ok(())
    }

    fn spill(&self, state: &mut State<V>) -> Result<()> {
        let entries = sorted(std::mem::take(&mut state.map));
        state.keys = 0;
        let dir = match &mut state.dir {
            Some(dir) => dir.path().to_path_buf(),
            none => none.insert(spill_directory(self.spill_dir.as_deref())?).path().to_path_buf(),
        };
        let path = dir.join(format!("run-{}", state.runs.len()));
        write_run(&path, entries.into_iter().map(Ok))?;
        state.runs.push(path);
        Ok(())
    }

    /// Whether any run was written (the result did not fit the budget).
    pub fn spilled(&self) -> bool {
        !self.state.lock().expect("spiller lock").runs.is_empty()
    }

    /// Every key once, in byte order, with its combined value.
    pub fn finish(self) -> Result<Sorted<V>> {
        let State { map, runs, dir, .. } = self.state.into_inner().expect("spiller lock");
        let memory = sorted(map);
        let Some(dir) = dir else { return Ok(Sorted { merge: Merge::memory(memory), _dir: None }) };
        let runs = merge_passes::<V>(runs, dir.path())?;
        Ok(Sorted { merge: Merge::open(&runs, memory)?, _dir: Some(dir) })
    }
}

/// Merges runs in passes, `FAN_IN` at a time, into `dir` until fewer are left than can be open at
/// once (with one more source besides). Only runs inside `dir` are deleted once merged.
fn merge_passes<V: Value>(mut runs: Vec<PathBuf>, dir: &Path) -> Result<Vec<PathBuf>> {
    let mut pass = 0;
    while runs.len() >= FAN_IN {
        let path = dir.join(format!("merged-{pass}"));
        let group: Vec<PathBuf> = runs.drain(..FAN_IN).collect();
        write_run(&path, Merge::<V>::open(&group, Vec::new())?)?;
        for r in group.iter().filter(|r| r.starts_with(dir)) {
            std::fs::remove_file(r).ok();
        }
        runs.push(path);
        pass += 1;
    }
    Ok(runs)
}

/// A fresh `scanlake-spill-*` directory in `spill_dir`, else the system's temporary directory;
/// removed with everything in it when dropped.
fn spill_directory(spill_dir: Option<&Path>) -> Result<tempfile::TempDir> {
    let base = spill_dir.map_or_else(std::env::temp_dir, Path::to_path_buf);
    tempfile::Builder::new()
        .prefix("scanlake-spill-")
        .tempdir_in(&base)
        .with_context(|| format!("cannot make a spill directory in {}", base.display()))
}

fn sorted<V>(map: FxHashMap<Vec<u8>, V>) -> Vec<(Vec<u8>, V)> {
    let mut entries: Vec<_> = map.into_iter().collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    entries
}

/// A run: `key length (u32 LE), key, value` per entry, keys ascending and distinct.
fn write_run<V: Value>(path: &Path, entries: impl Iterator<Item = Result<(Vec<u8>, V)>>) -> Result<()> {
    let failed = |e| anyhow::Error::new(e).context(format!("cannot write spilled results to {}", path.display()));
    let mut out = BufWriter::with_capacity(1 << 16, File::create(path).map_err(failed)?);
    let mut buf = Vec::new();
    for entry in entries {
        let (key, value) = entry?;
        buf.clear();
        buf.extend_from_slice(&(key.len() as u32).to_le_bytes());
        buf.extend_from_slice(&key);
        value.write(&mut buf);
        out.write_all(&buf).map_err(failed)?;
    }
    out.flush().map_err(failed)
}

struct RunReader<V> {
    path: PathBuf,
    input: BufReader<File>,
    value: Vec<u8>,
    _v: std::marker::PhantomData<V>,
}

impl<V: Value> RunReader<V> {
    fn open(path: &Path) -> Result<RunReader<V>> {
        let file = File::open(path).with_context(|| format!("cannot read spilled results {}", path.display()))?;
        Ok(RunReader {
            path: path.to_path_buf(),
            input: BufReader::with_capacity(1 << 16, file),
            value: vec![0; V::SIZE],
            _v: std::marker::PhantomData,
        })
    }

    fn next(&mut self) -> Result<Option<(Vec<u8>, V)>> {
        let failed = |e| anyhow::Error::new(e).context(format!("cannot read spilled results {}", self.path.display()));
        // The end of a run is the end of its file before an entry, never inside one.
        let mut len = [0u8; 4];
        if self.input.fill_buf().map_err(failed)?.is_empty() {
            return Ok(None);
        }
        self.input.read_exact(&mut len).map_err(failed)?;
        let mut key = vec![0; u32::from_le_bytes(len) as usize];
        self.input.read_exact(&mut key).map_err(failed)?;
        self.input.read_exact(&mut self.value).map_err(failed)?;
        Ok(Some((key, V::read(&self.value))))
    }
}

/// A k-way merge of runs and one sorted in-memory list, combining equal keys.
struct Merge<V> {
    runs: Vec<RunReader<V>>,
    memory: std::vec::IntoIter<(Vec<u8>, V)>,
    /// The next entry of each source (index `runs.len()` is the memory list), smallest first.
    heap: BinaryHeap<Reverse<(Vec<u8>, usize)>>,
    values: Vec<V>,
}

impl<V: Value> Merge<V> {
    fn memory(memory: Vec<(Vec<u8>, V)>) -> Merge<V> {
        Merge::start(Vec::new(), memory).expect("nothing to read")
    }

    fn open(paths: &[PathBuf], memory: Vec<(Vec<u8>, V)>) -> Result<Merge<V>> {
        Merge::start(paths.iter().map(|p| RunReader::open(p)).collect::<Result<_>>()?, memory)
    }

    fn start(runs: Vec<RunReader<V>>, memory: Vec<(Vec<u8>, V)>) -> Result<Merge<V>> {
        let values = vec![V::default(); runs.len() + 1];
        let mut merge = Merge { runs, memory: memory.into_iter(), heap: BinaryHeap::new(), values };
        for source in 0..=merge.runs.len() {
            merge.refill(source)?;
        }
        Ok(merge)
    }

    fn refill(&mut self, source: usize) -> Result<()> {
        let next = match self.runs.get_mut(source) {
            Some(run) => run.next()?,
            None => self.memory.next(),
        };
        if let Some((key, value)) = next {
            self.values[source] = value;
            self.heap.push(Reverse((key, source)));
        }
        Ok(())
    }

    fn next_entry(&mut self) -> Result<Option<(Vec<u8>, V)>> {
        let Some(Reverse((key, source))) = self.heap.pop() else { return Ok(None) };
        let mut value = self.values[source];
        self.refill(source)?;
        while let Some(Reverse((next, _))) = self.heap.peek()
            && *next == key
        {
            let Some(Reverse((_, other))) = self.heap.pop() else { unreachable!() };
            value.combine(&self.values[other]);
            self.refill(other)?;
        }
        Ok(Some((key, value)))
    }
}

impl<V: Value> Iterator for Merge<V> {
    type Item = Result<(Vec<u8>, V)>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_entry().transpose()
    }
}

/// The combined entries in key order; owns the spilled runs, which go when it is dropped.
pub struct Sorted<V> {
    merge: Merge<V>,
    _dir: Option<tempfile::TempDir>,
}

impl<V: Value> Sorted<V> {
    /// Entries already in memory (a partial computed elsewhere), sorted here.
    pub fn from_entries(entries: impl IntoIterator<Item = (Vec<u8>, V)>) -> Sorted<V> {
        let spiller = Spiller::new(usize::MAX, None);
        spiller.add(entries).expect("an unbounded spiller never writes");
        spiller.finish().expect("an unbounded spiller never writes")
    }
}

impl<V: Value> Sorted<V> {
    /// Stores the entries as one run at `path`, for [`Sorted::load`] on another machine: written
    /// under a temporary name, synced and renamed, so a reader never sees half of it.
    pub fn store(self, path: &Path) -> Result<()> {
        let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
        let written = write_run(&tmp, self).and_then(|()| {
            File::open(&tmp).and_then(|f| f.sync_all()).with_context(|| format!("cannot sync {}", tmp.display()))?;
            std::fs::rename(&tmp, path)
                .with_context(|| format!("cannot rename {} to {}", tmp.display(), path.display()))
        });
        if written.is_err() {
            std::fs::remove_file(&tmp).ok();
        }
        written
    }

    /// The entries of runs stored by [`Sorted::store`], merged (equal keys combined). Runs
    /// beyond what can be open at once are merged in passes in a directory inside `spill_dir`.
    pub fn load(paths: &[PathBuf], spill_dir: Option<&Path>) -> Result<Sorted<V>> {
        if paths.len() < FAN_IN {
            return Ok(Sorted { merge: Merge::open(paths, Vec::new())?, _dir: None });
        }
        let dir = spill_directory(spill_dir)?;
        let runs = merge_passes::<V>(paths.to_vec(), dir.path())?;
        Ok(Sorted { merge: Merge::open(&runs, Vec::new())?, _dir: Some(dir) })
    }
}

impl<V: Value> Iterator for Sorted<V> {
    type Item = Result<(Vec<u8>, V)>;
    fn next(&mut self) -> Option<Self::Item> {
        self.merge.next()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: u64) -> Vec<u8> {
        let mut k = Vec::new();
        super::super::sortkey::encode_int(i as i64, &mut k);
        k
    }

    #[test]
    fn a_tiny_budget_spills_and_merges_to_the_same_result() {
        let entries = || (0..20_000u64).map(|i| (key((i * 7919) % 5_000), MaxSize((i % 97) as i64)));
        let expected: Vec<(Vec<u8>, MaxSize)> = Sorted::from_entries(entries()).map(Result::unwrap).collect();
        assert_eq!(expected.len(), 5_000);
        let dir = tempfile::tempdir().unwrap();
        // ~3 entries per run: thousands of runs, so the merge goes in passes.
        let spiller = Spiller::new(300, Some(dir.path()));
        for chunk in entries().collect::<Vec<_>>().chunks(1000) {
            spiller.add(chunk.to_vec()).unwrap();
        }
        assert!(spiller.spilled());
        let spilled = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(spilled, 1, "one spill directory");
        let sorted = spiller.finish().unwrap();
        let got: Vec<_> = sorted.map(Result::unwrap).collect();
        assert_eq!(got, expected);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "runs are removed with the stream");
    }

    #[test]
    fn a_truncated_run_is_an_error_not_a_shorter_result() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run");
        write_run(&path, (0..3u64).map(|i| Ok((key(i), MaxSize(i as i64))))).unwrap();
        let whole = std::fs::read(&path).unwrap();
        for cut in [whole.len() - 1, whole.len() - 8 - 2, whole.len() - 8 - 9 - 2] {
            std::fs::write(&path, &whole[..cut]).unwrap();
            let read: Result<Vec<_>> =
                Merge::<MaxSize>::open(std::slice::from_ref(&path), Vec::new()).and_then(|m| m.collect());
            assert!(read.is_err(), "cut at {cut} of {} read as {read:?}", whole.len());
        }
    }

    #[test]
    fn stored_runs_load_merged_and_stay_in_place() {
        let dir = tempfile::tempdir().unwrap();
        // More runs than can be open at once, overlapping keys.
        let paths: Vec<PathBuf> = (0..FAN_IN as u64 + 5)
            .map(|t| {
                let path = dir.path().join(format!("{t}.run"));
                Sorted::from_entries((0..50u64).map(|i| (key(i * (t % 7 + 1)), MaxSize((i + t) as i64))))
                    .store(&path)
                    .unwrap();
                path
            })
            .collect();
        let expected: Vec<_> = Sorted::from_entries(
            (0..FAN_IN as u64 + 5)
                .flat_map(|t| (0..50u64).map(move |i| (key(i * (t % 7 + 1)), MaxSize((i + t) as i64)))),
        )
        .map(Result::unwrap)
        .collect();
        let spill = tempfile::tempdir().unwrap();
        let got: Vec<_> = Sorted::<MaxSize>::load(&paths, Some(spill.path())).unwrap().map(Result::unwrap).collect();
        assert_eq!(got, expected);
        assert!(paths.iter().all(|p| p.exists()), "stored runs are inputs: a merge that fails can run again");
        assert_eq!(std::fs::read_dir(spill.path()).unwrap().count(), 0);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), paths.len(), "no temporary file left");
    }

    #[test]
    fn counters_survive_a_run() {
        let c = Counters { objects: 1, files: -2, dirs: 3, bytes: i128::MAX, allocated: 5, unique_bytes: 6 };
        let d = DuCounters { objects: 7, files: 8, bytes: 9, allocated: 10, newest_access: Some(-11) };
        let (mut a, mut b) = (Vec::new(), Vec::new());
        c.write(&mut a);
        d.write(&mut b);
        assert_eq!((a.len(), b.len()), (Counters::SIZE, DuCounters::SIZE));
        assert_eq!(Counters::read(&a), c);
        assert_eq!(DuCounters::read(&b), d);
        let none = DuCounters { newest_access: None, ..d };
        b.clear();
        none.write(&mut b);
        assert_eq!(DuCounters::read(&b), none);
    }
}
