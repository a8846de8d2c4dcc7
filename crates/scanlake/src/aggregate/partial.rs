//! Partial results: what an engine computes over some partitions. Partials of disjoint sets of
//! partitions merge exactly (sums, maxima, and hard-linked objects kept by identity until the end),
//! so that they can be computed on many machines, stored, and merged on another.

use super::sortkey;
use super::spill::{MaxSize, Sorted};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::HashMap;

/// One component of a group key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Key {
    Null,
    /// Ids, scan dates (days since the epoch) and bucket numbers.
    Int(i64),
    Text(String),
    /// Raw path bytes (a directory, or a tld's bytes), ordered as a tree.
    Path(Vec<u8>),
}

impl Key {
    /// Nulls first, numbers by value, text by bytes, paths in tree order.
    pub fn cmp_key(&self, other: &Key) -> Ordering {
        match (self, other) {
            (Key::Null, Key::Null) => Ordering::Equal,
            (Key::Null, _) => Ordering::Less,
            (_, Key::Null) => Ordering::Greater,
            (Key::Int(a), Key::Int(b)) => a.cmp(b),
            (Key::Text(a), Key::Text(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Key::Path(a), Key::Path(b)) => super::pathkey::tree_cmp(a, b),
            (a, b) => a.rank().cmp(&b.rank()),
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Key::Null => 0,
            Key::Int(_) => 1,
            Key::Text(_) => 2,
            Key::Path(_) => 3,
        }
    }
}

pub fn cmp_keys(a: &[Key], b: &[Key]) -> Ordering {
    a.iter().zip(b).map(|(x, y)| x.cmp_key(y)).find(|o| o.is_ne()).unwrap_or(a.len().cmp(&b.len()))
}

/// Every counter: wide enough that no sum of 64-bit sizes overflows; a total that does not fit a
/// report's 64-bit column is an error when the table is made ([`super::table::finish`]).
pub type Sum = i128;

/// Counters of the usage, age and size reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    pub objects: Sum,
    pub files: Sum,
    pub dirs: Sum,
    pub bytes: Sum,
    pub allocated: Sum,
    /// Bytes of objects that cannot be hard links; linked ones are added at the end, once each.
    pub unique_bytes: Sum,
}

impl Counters {
    pub fn add(&mut self, o: &Counters) {
        self.objects += o.objects;
        self.files += o.files;
        self.dirs += o.dirs;
        self.bytes += o.bytes;
        self.allocated += o.allocated;
        self.unique_bytes += o.unique_bytes;
    }
}

/// An object that may have other links: its group, identity (inode, generation, snapshot).
pub type LinkedKey = (Vec<Key>, u64, u32, u64);

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupedPartial {
    #[serde(with = "as_pairs")]
    pub groups: HashMap<Vec<Key>, Counters>,
    /// Largest size seen per possibly-linked object in its group.
    #[serde(with = "as_pairs")]
    pub linked: HashMap<LinkedKey, i64>,
}

/// Recursive totals of one directory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuCounters {
    pub objects: Sum,
    pub files: Sum,
    pub bytes: Sum,
    pub allocated: Sum,
    /// Microseconds since the epoch.
    pub newest_access: Option<i64>,
}

impl DuCounters {
    pub fn add(&mut self, o: &DuCounters) {
        self.objects += o.objects;
        self.files += o.files;
        self.bytes += o.bytes;
        self.allocated += o.allocated;
        self.newest_access = self.newest_access.max(o.newest_access);
    }
}

/// Per scan date (days since the epoch) and directory (raw bytes).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DuPartial {
    #[serde(with = "as_pairs")]
    pub dirs: HashMap<(i64, Vec<u8>), DuCounters>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChurnCounters {
    pub created: Sum,
    pub created_bytes: Sum,
    pub deleted: Sum,
    pub deleted_bytes: Sum,
    pub modified: Sum,
    pub modified_bytes: Sum,
    pub unchanged: Sum,
    pub unchanged_bytes: Sum,
}

impl ChurnCounters {
    /// Output column names, in the order of [`ChurnCounters::to_array`].
    pub const COLUMNS: [&'static str; 8] = [
        "created",
        "created_bytes",
        "deleted",
        "deleted_bytes",
        "modified",
        "modified_bytes",
        "unchanged",
        "unchanged_bytes",
    ];

    pub fn to_array(&self) -> [Sum; 8] {
        [
            self.created,
            self.created_bytes,
            self.deleted,
            self.deleted_bytes,
            self.modified,
            self.modified_bytes,
            self.unchanged,
            self.unchanged_bytes,
        ]
    }

    pub fn from_array(v: [Sum; 8]) -> ChurnCounters {
        let [created, created_bytes, deleted, deleted_bytes, modified, modified_bytes, unchanged, unchanged_bytes] = v;
        ChurnCounters {
            created,
            created_bytes,
            deleted,
            deleted_bytes,
            modified,
            modified_bytes,
            unchanged,
            unchanged_bytes,
        }
    }

    pub fn add(&mut self, o: &ChurnCounters) {
        let (a, b) = (self.to_array(), o.to_array());
        *self = ChurnCounters::from_array(std::array::from_fn(|i| a[i] + b[i]));
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChurnPartial {
    #[serde(with = "as_pairs")]
    pub groups: HashMap<Key, ChurnCounters>,
}

/// What an engine returns for some partitions of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Partial {
    Grouped(GroupedPartial),
    Du(DuPartial),
    Churn(ChurnPartial),
}

impl Partial {
    /// Merges two partials of the same report over disjoint partitions.
    pub fn merge(self, other: Partial) -> Partial {
        match (self, other) {
            (Partial::Grouped(mut a), Partial::Grouped(b)) => {
                a.merge(b);
                Partial::Grouped(a)
            }
            (Partial::Du(mut a), Partial::Du(b)) => {
                a.merge(b);
                Partial::Du(a)
            }
            (Partial::Churn(mut a), Partial::Churn(b)) => {
                a.merge(b);
                Partial::Churn(a)
            }
            (a, _) => panic!("merging partials of different reports ({})", a.kind_name()),
        }
    }

    fn kind_name(&self) -> &'static str {
        match self {
            Partial::Grouped(_) => "grouped",
            Partial::Du(_) => "du",
            Partial::Churn(_) => "churn",
        }
    }

    /// Stores a partial as JSON (for partial results computed elsewhere, e.g. batch jobs).
    pub fn to_json(&self) -> serde_json::Result<Vec<u8>> {
        serde_json::to_vec(self)
    }

    pub fn from_json(bytes: &[u8]) -> serde_json::Result<Partial> {
        serde_json::from_slice(bytes)
    }
}

impl GroupedPartial {
    pub fn merge(&mut self, other: GroupedPartial) {
        for (k, v) in other.groups {
            self.groups.entry(k).or_default().add(&v);
        }
        for (k, size) in other.linked {
            let e = self.linked.entry(k).or_insert(size);
            *e = (*e).max(size);
        }
    }
}

impl ChurnPartial {
    pub fn merge(&mut self, other: ChurnPartial) {
        for (k, v) in other.groups {
            self.groups.entry(k).or_default().add(&v);
        }
    }
}

impl DuPartial {
    pub fn merge(&mut self, other: DuPartial) {
        if self.dirs.len() < other.dirs.len() {
            let mine = std::mem::replace(&mut self.dirs, other.dirs);
            for (k, v) in mine {
                self.dirs.entry(k).or_default().add(&v);
            }
        } else {
            for (k, v) in other.dirs {
                self.dirs.entry(k).or_default().add(&v);
            }
        }
    }
}

/// A report's combined groups in report order, as [`super::table::finish_rows`] takes them:
/// sorted streams of encoded keys ([`super::sortkey`]), possibly spilled to disk by the engine.
pub enum Aggregated {
    /// Groups, and the possibly-linked objects keyed by their group's key and identity.
    Grouped {
        groups: Sorted<Counters>,
        linked: Sorted<MaxSize>,
    },
    /// Keys are `[scan date, directory]`.
    Du(Sorted<DuCounters>),
    Churn(ChurnPartial),
}

impl From<Partial> for Aggregated {
    fn from(partial: Partial) -> Aggregated {
        match partial {
            Partial::Grouped(p) => Aggregated::Grouped {
                groups: Sorted::from_entries(p.groups.into_iter().map(|(k, c)| (encoded(&k), c))),
                linked: Sorted::from_entries(
                    p.linked.into_iter().map(|((k, ino, g, s), size)| (linked_key(&k, ino, g, s), MaxSize(size))),
                ),
            },
            Partial::Du(p) => {
                Aggregated::Du(Sorted::from_entries(p.dirs.into_iter().map(|((acq, dir), c)| (du_key(acq, &dir), c))))
            }
            Partial::Churn(p) => Aggregated::Churn(p),
        }
    }
}

impl Aggregated {
    /// Back to a partial (read whole), e.g. to store it for a merge elsewhere.
    pub fn into_partial(self) -> anyhow::Result<Partial> {
        Ok(match self {
            Aggregated::Grouped { groups, linked } => Partial::Grouped(GroupedPartial {
                groups: groups
                    .map(|e| e.and_then(|(k, c)| Ok((sortkey::decode(&k)?, c))))
                    .collect::<anyhow::Result<_>>()?,
                linked: linked
                    .map(|e| {
                        let (k, size) = e?;
                        let mut key = sortkey::decode(&k)?;
                        let ids: Vec<Key> = key.split_off(key.len().saturating_sub(3));
                        match ids[..] {
                            [Key::Int(ino), Key::Int(g), Key::Int(s)] => {
                                Ok(((key, ino as u64, g as u32, s as u64), size.0))
                            }
                            _ => anyhow::bail!("a spilled linked object has no identity"),
                        }
                    })
                    .collect::<anyhow::Result<_>>()?,
            }),
            Aggregated::Du(dirs) => Partial::Du(DuPartial {
                dirs: dirs
                    .map(|e| {
                        let (k, c) = e?;
                        match &sortkey::decode(&k)?[..] {
                            [Key::Int(acq), Key::Path(dir)] => Ok(((*acq, dir.clone()), c)),
                            other => anyhow::bail!("a spilled du key is {other:?}"),
                        }
                    })
                    .collect::<anyhow::Result<_>>()?,
            }),
            Aggregated::Churn(p) => Partial::Churn(p),
        })
    }
}

pub fn encoded(key: &[Key]) -> Vec<u8> {
    let mut out = Vec::with_capacity(32);
    sortkey::encode(key, &mut out);
    out
}

/// A linked object's key: its group's, then its identity (so it sorts right after the group).
pub fn linked_key(group: &[Key], inode: u64, generation: u32, snapshot: u64) -> Vec<u8> {
    let mut out = encoded(group);
    push_identity(&mut out, inode, generation, snapshot);
    out
}

pub fn push_identity(out: &mut Vec<u8>, inode: u64, generation: u32, snapshot: u64) {
    for id in [inode as i64, i64::from(generation), snapshot as i64] {
        sortkey::encode_int(id, out);
    }
}

pub fn du_key(acq: i64, dir: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(dir.len() + 16);
    sortkey::encode_int(acq, &mut out);
    sortkey::encode_path(dir, &mut out);
    out
}

/// Maps with non-string keys as JSON lists of pairs.
mod as_pairs {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::HashMap;
    use std::hash::Hash;

    pub fn serialize<K: Serialize, V: Serialize, S: Serializer>(m: &HashMap<K, V>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(m.iter())
    }

    pub fn deserialize<'de, K, V, D>(d: D) -> Result<HashMap<K, V>, D::Error>
    where
        K: Deserialize<'de> + Eq + Hash,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Ok(Vec::<(K, V)>::deserialize(d)?.into_iter().collect())
    }
}
