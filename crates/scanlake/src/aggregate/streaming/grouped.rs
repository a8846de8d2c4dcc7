//! Usage, age and size: fold rows into counters per group key, per data file in
//! parallel, then merge. While folding, a key holds only what varies within a task (the scan date
//! and the tld are the task's), as integers (strings interned per task), packed into one `u128`
//! when it has at most two parts; it becomes a [`Key`] list once per group. Rows come sorted by
//! path, so neighbours mostly share a key: a run of equal keys is summed before it touches the map.
//! A task hands its groups to a [`Spiller`] at the end of its file, or sooner when its share of
//! memory is full (a report by directory can have a group per directory). The files are read by
//! [`super::ride::file_pass`], for this report alone or with others.

use super::Budget;
use super::candidates::Candidates;
use super::columns::{Cols, KindClass, RowFilter, filter_columns, opt, opt_str};
use crate::aggregate::filter::base_name;
use crate::aggregate::partial::{Counters, Key, Sum, encoded, push_identity};
use crate::aggregate::spec::{Counted, Dimension, Filter, GroupedReport, MAX_GROUPS};
use crate::aggregate::spill::{MaxSize, Sorted, Spiller, key_bytes, map_bytes};
use crate::aggregate::{extension, pathkey};
use crate::dataset::view::Partition;
use anyhow::Result;
use rustc_hash::FxHashMap;
use std::hash::Hash;

const MICROS_PER_DAY: i64 = 86_400_000_000;
/// `[groups…, age, size]`, the parts a report uses, in that order.
const SLOTS: usize = MAX_GROUPS + 2;
const NULL: i64 = i64::MIN;

/// Where a task's groups go: groups, and possibly-linked objects.
pub(super) struct Out {
    groups: Spiller<Counters>,
    linked: Spiller<MaxSize>,
    per_task: usize,
}

impl Out {
    pub(super) fn new(budget: &Budget) -> Out {
        let spill_dir = budget.spill_dir.as_deref();
        Out {
            groups: Spiller::new(budget.results / 2, spill_dir),
            linked: Spiller::new(budget.results / 2, spill_dir),
            per_task: budget.per_task,
        }
    }

    pub(super) fn finish(self) -> Result<(Sorted<Counters>, Sorted<MaxSize>)> {
        Ok((self.groups.finish()?, self.linked.finish()?))
    }
}

/// The report's folding of one file's batches ([`super::ride`] reads them, for this report
/// alone or for several at once).
pub(super) fn rider<'r>(
    report: &'r GroupedReport,
    partition: &Partition,
    candidates: Option<&'r Candidates>,
    out: &'r Out,
    counts_links: bool,
) -> Box<dyn super::ride::Rider + 'r> {
    let slots = report.by.len() + usize::from(report.age.is_some()) + usize::from(report.size.is_some());
    if slots <= 2 {
        Box::new(FileRider { folder: Folder::<u128>::new(report, partition, candidates), out, counts_links })
    } else {
        Box::new(FileRider { folder: Folder::<[i64; SLOTS]>::new(report, partition, candidates), out, counts_links })
    }
}

struct FileRider<'r, K> {
    folder: Folder<'r, K>,
    out: &'r Out,
    /// Whether linked objects are told apart (else every row counts as itself).
    counts_links: bool,
}

impl<K: Packed> super::ride::Rider for FileRider<'_, K> {
    /// Without a possible link (`links` false), every row's size counts once as it is.
    fn fold(&mut self, c: &Cols, filter: &RowFilter, links: bool) -> Result<()> {
        self.folder.links = links && self.counts_links;
        self.folder.fold(c, filter);
        if self.folder.bytes() > self.out.per_task {
            self.folder.flush(self.out)?;
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        self.folder.flush(self.out)
    }
}

/// The columns a grouped report computing `counted` reads (besides the link identities).
pub(super) fn needed_columns(report: &GroupedReport, counted: Counted, filter: &Filter) -> Vec<&'static str> {
    let mut cols = vec!["size"];
    if counted.allocated {
        cols.push("kballoc");
    }
    // Links: files written before the link column tell directories (never links) by their kind.
    if counted.kinds || counted.links {
        cols.push("kind");
    }
    for d in &report.by {
        match d {
            Dimension::Dir(_) | Dimension::Ext | Dimension::Name => cols.extend(["path", "path_bytes"]),
            _ => cols.extend(d.column()),
        }
    }
    if let Some((t, _)) = &report.age {
        cols.push(t.column());
    }
    cols.extend(filter_columns(filter));
    cols
}

/// A group key while folding: `slots` parts (unused ones 0), packed.
trait Packed: Copy + Eq + Hash + Default + Send {
    fn pack(parts: &[i64; SLOTS]) -> Self;
    fn unpack(&self) -> [i64; SLOTS];
}

/// Two parts, each an `i64` (ids and buckets fit, and so does [`NULL`]).
impl Packed for u128 {
    fn pack(parts: &[i64; SLOTS]) -> u128 {
        (u128::from(parts[0] as u64) << 64) | u128::from(parts[1] as u64)
    }
    fn unpack(&self) -> [i64; SLOTS] {
        let mut parts = [0; SLOTS];
        parts[0] = (self >> 64) as u64 as i64;
        parts[1] = *self as u64 as i64;
        parts
    }
}

impl Packed for [i64; SLOTS] {
    fn pack(parts: &[i64; SLOTS]) -> Self {
        *parts
    }
    fn unpack(&self) -> [i64; SLOTS] {
        *self
    }
}

/// Strings seen by one task, numbered.
#[derive(Default)]
struct Interner {
    ids: FxHashMap<Vec<u8>, i64>,
    values: Vec<Vec<u8>>,
    /// The id of the last string asked for (rows sorted by path repeat values in runs).
    last: Option<i64>,
    /// Estimated bytes held.
    bytes: usize,
}

impl Interner {
    fn id(&mut self, s: &[u8]) -> i64 {
        if let Some(id) = self.last
            && self.values[id as usize] == s
        {
            return id;
        }
        let next = self.values.len() as i64;
        let id = *self.ids.entry(s.to_vec()).or_insert(next);
        if id == next {
            self.values.push(s.to_vec());
            self.bytes += 2 * key_bytes(s);
        }
        self.last = Some(id);
        id
    }
}

/// Slots of [`Folder::recent`].
const RECENT: usize = 16;

/// The slot of [`Folder::recent`] a key goes to: the top bits of its hash (Fx mixes upwards).
fn recent_slot<K: Hash>(key: &K) -> usize {
    use std::hash::BuildHasher;
    (rustc_hash::FxBuildHasher.hash_one(key) >> (64 - RECENT.trailing_zeros())) as usize
}

struct Folder<'r, K> {
    report: &'r GroupedReport,
    acq_days: i64,
    tld: Vec<u8>,
    /// Whether rows may be hard links (their identity columns were read).
    links: bool,
    /// One interner per group slot that holds strings.
    strings: Vec<Interner>,
    groups: FxHashMap<K, Counters>,
    /// Groups summed lately and not yet added to `groups`, each in the slot its key hashes to:
    /// rows of a few groups in any order (size buckets, the owners of a directory) and runs of
    /// one group cost no map lookup.
    recent: Vec<(Option<K>, Counters)>,
    linked: FxHashMap<(K, u64, u32, u64), i64>,
    /// Duplicates only: the keys that may have more than one row (the others are left out).
    candidates: Option<&'r Candidates>,
    /// A row's extension group, reused so that rows allocate nothing.
    scratch: Vec<u8>,
}

impl<'r, K: Packed> Folder<'r, K> {
    fn new(report: &'r GroupedReport, partition: &Partition, candidates: Option<&'r Candidates>) -> Folder<'r, K> {
        Folder {
            report,
            acq_days: partition.acq.days_since_epoch(),
            tld: partition.tld_text.as_bytes().to_vec(),
            links: true,
            strings: (0..report.by.len()).map(|_| Interner::default()).collect(),
            groups: FxHashMap::default(),
            recent: vec![(None, Counters::default()); RECENT],
            linked: FxHashMap::default(),
            candidates,
            scratch: Vec::new(),
        }
    }

    fn fold(&mut self, c: &Cols, filter: &RowFilter) {
        let time = self.report.age.as_ref().map(|(t, _)| c.time(*t));
        let kept = filter.mask(c);
        for i in 0..c.rows {
            if kept.as_ref().is_some_and(|k| !k[i]) {
                continue;
            }
            if let Some(candidates) = self.candidates
                && !candidates.may_repeat(self.acq_days, c.path(i), opt(c.size, i))
            {
                continue;
            }
            let mut parts = [0i64; SLOTS];
            for (slot, d) in self.report.by.iter().enumerate() {
                let strings = &mut self.strings[slot];
                let mut text = |s: Option<&[u8]>| s.map_or(NULL, |s| strings.id(s));
                parts[slot] = match d {
                    Dimension::Uid => opt(c.uid, i).map_or(NULL, i64::from),
                    Dimension::Gid => opt(c.gid, i).map_or(NULL, i64::from),
                    Dimension::Fileset => text(opt_str(c.fileset, i).map(str::as_bytes)),
                    Dimension::Pool => text(opt_str(c.pool, i).map(str::as_bytes)),
                    Dimension::Kind => text(c.kind(i).map(str::as_bytes)),
                    Dimension::Tld => 0,
                    Dimension::Dir(depth) => text(Some(pathkey::dir_at(c.path(i), *depth))),
                    Dimension::Ext => {
                        extension::write_of_name(base_name(c.path(i)), &mut self.scratch);
                        text(Some(&self.scratch))
                    }
                    Dimension::Name => text(Some(base_name(c.path(i)))),
                    Dimension::Size => opt(c.size, i).unwrap_or(NULL),
                };
            }
            let mut slot = self.report.by.len();
            let size = opt(c.size, i);
            if let (Some((_, buckets)), Some(t)) = (&self.report.age, time) {
                parts[slot] =
                    opt(t, i).map_or(NULL, |t| i64::from(buckets.bucket(self.acq_days - t.div_euclid(MICROS_PER_DAY))));
                slot += 1;
            }
            if let Some(buckets) = &self.report.size {
                parts[slot] = size.map_or(NULL, |s| i64::from(buckets.bucket(s)));
            }
            let key = K::pack(&parts);
            let (held, run) = &mut self.recent[recent_slot(&key)];
            if *held != Some(key)
                && let Some(old) = held.replace(key)
            {
                self.groups.entry(old).or_default().add(&std::mem::take(run));
            }
            let kind = c.kind_class(i);
            let size = size.unwrap_or(0);
            run.objects += 1;
            match kind {
                KindClass::File => run.files += 1,
                KindClass::Dir => run.dirs += 1,
                KindClass::Other => {}
            }
            run.bytes += Sum::from(size);
            run.allocated += Sum::from(opt(c.kballoc, i).unwrap_or(0)) * 1024;
            if let Some((inode, generation, snapshot)) = self.links.then(|| c.link_identity(i)).flatten() {
                let id = (key, inode, generation, snapshot);
                let e = self.linked.entry(id).or_insert(size);
                *e = (*e).max(size);
            } else {
                run.unique_bytes += Sum::from(size);
            }
        }
    }

    /// Adds the recent groups to `groups`.
    fn settle(&mut self) {
        for (held, counters) in &mut self.recent {
            if let Some(key) = held.take() {
                self.groups.entry(key).or_default().add(&std::mem::take(counters));
            }
        }
    }

    fn key(&self, packed: &K) -> Vec<Key> {
        let parts = packed.unpack();
        let mut key = vec![Key::Int(self.acq_days)];
        for (slot, d) in self.report.by.iter().enumerate() {
            let v = parts[slot];
            key.push(match d {
                Dimension::Tld => Key::Path(self.tld.clone()),
                _ if v == NULL => Key::Null,
                Dimension::Uid | Dimension::Gid | Dimension::Size => Key::Int(v),
                Dimension::Dir(_) => Key::Path(self.strings[slot].values[v as usize].clone()),
                Dimension::Ext | Dimension::Name => Key::Text(pathkey::display(&self.strings[slot].values[v as usize])),
                _ => Key::Text(String::from_utf8_lossy(&self.strings[slot].values[v as usize]).into_owned()),
            });
        }
        let bucket = |v: i64| if v == NULL { Key::Null } else { Key::Int(v) };
        let mut slot = self.report.by.len();
        if self.report.age.is_some() {
            key.push(bucket(parts[slot]));
            slot += 1;
        }
        if self.report.size.is_some() {
            key.push(bucket(parts[slot]));
        }
        key
    }

    /// Bytes the maps and the interned strings hold.
    fn bytes(&self) -> usize {
        let strings: usize = self.strings.iter().map(|s| s.bytes + map_bytes(&s.ids) + s.values.capacity() * 24).sum();
        map_bytes(&self.groups) + map_bytes(&self.linked) + strings
    }

    /// Hands every group and linked object to `out` with its full key, and starts afresh.
    fn flush(&mut self, out: &Out) -> Result<()> {
        self.settle();
        let mut keys: FxHashMap<K, Vec<u8>> = self.groups.keys().map(|k| (*k, encoded(&self.key(k)))).collect();
        let linked = std::mem::take(&mut self.linked).into_iter().map(|((k, ino, g, s), size)| {
            let mut key = keys[&k].clone();
            push_identity(&mut key, ino, g, s);
            (key, MaxSize(size))
        });
        out.linked.add(linked)?;
        // Each group's key moves to the spiller (linked objects took copies).
        out.groups.add(
            std::mem::take(&mut self.groups).into_iter().map(|(k, c)| (keys.remove(&k).expect("a key per group"), c)),
        )?;
        self.strings = (0..self.report.by.len()).map(|_| Interner::default()).collect();
        Ok(())
    }
}
