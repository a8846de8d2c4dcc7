//! Usage, age and size: fold rows into counters per group key, per (file, row group) task in
//! parallel, then merge. Keys are fixed arrays of integers while folding (strings interned per
//! task) and become [`Key`]s only once per group.

use super::Tasks;
use super::columns::{Cols, filter_columns, keep, opt, opt_str, reader, row_group_tasks};
use crate::aggregate::partial::{Counters, GroupedPartial, Key, Sum};
use crate::aggregate::pathkey;
use crate::aggregate::spec::{Dimension, Filter, GroupedReport, MAX_GROUPS, TimeField};
use crate::dataset::view::Partition;
use anyhow::Result;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

const MICROS_PER_DAY: i64 = 86_400_000_000;
/// `[acq, groups…, age, size]`.
const SLOTS: usize = MAX_GROUPS + 3;
type RawKey = [i64; SLOTS];
const NULL: i64 = i64::MIN;

pub fn run(
    partitions: &[&Partition],
    report: &GroupedReport,
    filter: &Filter,
    tasks: &Tasks,
) -> Result<GroupedPartial> {
    let columns = needed_columns(report, filter);
    let work = row_group_tasks(partitions, filter)?;
    tasks.begin(work.len());
    work.par_iter()
        .map(|&(p, f, g)| {
            let mut acc = Folder::new(report, p);
            for batch in reader(f, &columns, Some(g))? {
                acc.fold(&Cols::new(&batch?), filter);
            }
            tasks.done()?;
            Ok(acc.finish())
        })
        .try_reduce(GroupedPartial::default, |mut a, b| {
            a.merge(b);
            Ok(a)
        })
}

fn needed_columns(report: &GroupedReport, filter: &Filter) -> Vec<&'static str> {
    let mut cols = vec!["size", "kballoc", "kind", "nlink", "inode", "gen", "snapshot"];
    for d in &report.by {
        match d {
            Dimension::Dir(_) => cols.extend(["path", "path_bytes"]),
            _ => cols.extend(d.column()),
        }
    }
    if let Some((t, _)) = &report.age {
        cols.push(t.column());
    }
    cols.extend(filter_columns(filter));
    cols
}

/// Strings seen by one task, numbered.
#[derive(Default)]
struct Interner {
    ids: FxHashMap<Vec<u8>, i64>,
    values: Vec<Vec<u8>>,
    /// The id of the last string asked for (rows sorted by path repeat values in runs).
    last: Option<i64>,
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
        }
        self.last = Some(id);
        id
    }
}

struct Folder<'r> {
    report: &'r GroupedReport,
    acq_days: i64,
    tld: Vec<u8>,
    /// One interner per group slot that holds strings.
    strings: Vec<Interner>,
    groups: FxHashMap<RawKey, Counters>,
    linked: FxHashMap<(RawKey, u64, u32, u64), i64>,
}

impl<'r> Folder<'r> {
    fn new(report: &'r GroupedReport, p: &Partition) -> Folder<'r> {
        Folder {
            report,
            acq_days: p.acq.days_since_epoch(),
            tld: p.tld_text.as_bytes().to_vec(),
            strings: (0..report.by.len()).map(|_| Interner::default()).collect(),
            groups: FxHashMap::default(),
            linked: FxHashMap::default(),
        }
    }

    fn fold(&mut self, c: &Cols, filter: &Filter) {
        let rows = c.rows;
        let time = self.report.age.as_ref().map(|(t, _)| match t {
            TimeField::Access => c.access,
            TimeField::Modify => c.modify,
            TimeField::Change => c.change,
        });
        for i in 0..rows {
            if !keep(filter, c, i) {
                continue;
            }
            let mut key: RawKey = [0; SLOTS];
            key[0] = self.acq_days;
            for (slot, d) in self.report.by.iter().enumerate() {
                let strings = &mut self.strings[slot];
                let mut text = |s: Option<&[u8]>| s.map_or(NULL, |s| strings.id(s));
                key[slot + 1] = match d {
                    Dimension::Uid => opt(c.uid, i).map_or(NULL, i64::from),
                    Dimension::Gid => opt(c.gid, i).map_or(NULL, i64::from),
                    Dimension::Fileset => text(opt_str(c.fileset, i).map(str::as_bytes)),
                    Dimension::Pool => text(opt_str(c.pool, i).map(str::as_bytes)),
                    Dimension::Kind => text(opt_str(c.kind, i).map(str::as_bytes)),
                    Dimension::Tld => 0,
                    Dimension::Dir(depth) => text(Some(pathkey::dir_at(c.path(i), *depth))),
                };
            }
            let size = opt(c.size, i);
            if let (Some((_, buckets)), Some(t)) = (&self.report.age, time) {
                key[SLOTS - 2] =
                    opt(t, i).map_or(NULL, |t| i64::from(buckets.bucket(self.acq_days - t.div_euclid(MICROS_PER_DAY))));
            }
            if let Some(buckets) = &self.report.size {
                key[SLOTS - 1] = size.map_or(NULL, |s| i64::from(buckets.bucket(s)));
            }
            let kind = opt_str(c.kind, i);
            let size = size.unwrap_or(0);
            let counters = self.groups.entry(key).or_default();
            counters.objects += 1;
            counters.files += Sum::from(kind == Some("file"));
            counters.dirs += Sum::from(kind == Some("dir"));
            counters.bytes += Sum::from(size);
            counters.allocated += Sum::from(opt(c.kballoc, i).unwrap_or(0)) * 1024;
            // Directories cannot be hard links; anything else with nlink other than 1 may be.
            if kind != Some("dir") && opt(c.nlink, i) != Some(1) {
                let id = (
                    key,
                    opt(c.inode, i).unwrap_or(0),
                    opt(c.generation, i).unwrap_or(0),
                    opt(c.snapshot, i).unwrap_or(0),
                );
                let e = self.linked.entry(id).or_insert(size);
                *e = (*e).max(size);
            } else {
                counters.unique_bytes += Sum::from(size);
            }
        }
    }

    fn key(&self, raw: &RawKey) -> Vec<Key> {
        let mut key = vec![Key::Int(raw[0])];
        for (slot, d) in self.report.by.iter().enumerate() {
            let v = raw[slot + 1];
            key.push(match d {
                Dimension::Tld => Key::Path(self.tld.clone()),
                _ if v == NULL => Key::Null,
                Dimension::Uid | Dimension::Gid => Key::Int(v),
                Dimension::Dir(_) => Key::Path(self.strings[slot].values[v as usize].clone()),
                _ => Key::Text(String::from_utf8_lossy(&self.strings[slot].values[v as usize]).into_owned()),
            });
        }
        let bucket = |v: i64| if v == NULL { Key::Null } else { Key::Int(v) };
        if self.report.age.is_some() {
            key.push(bucket(raw[SLOTS - 2]));
        }
        if self.report.size.is_some() {
            key.push(bucket(raw[SLOTS - 1]));
        }
        key
    }

    fn finish(self) -> GroupedPartial {
        let groups = self.groups.iter().map(|(k, v)| (self.key(k), *v)).collect();
        let linked = self.linked.iter().map(|((k, ino, g, s), size)| ((self.key(k), *ino, *g, *s), *size)).collect();
        GroupedPartial { groups, linked }
    }
}
