//! Partial results: what an engine computes over some partitions. Partials of disjoint sets of
//! partitions merge exactly (sums, maxima, and hard-linked objects kept by identity until the end),
//! so that they can be computed on many machines, stored, and merged on another.

pub use super::counters::{ChurnCounters, Counters, DuCounters, Key, Sum, cmp_keys};
use super::sortkey;
use super::spill::{MaxSize, Sorted};
pub use super::top_files::FilesPartial;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

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

/// Per scan date (days since the epoch) and directory (raw bytes).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DuPartial {
    #[serde(with = "as_pairs")]
    pub dirs: HashMap<(i64, Vec<u8>), DuCounters>,
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
    Files(FilesPartial),
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
            (Partial::Files(mut a), Partial::Files(b)) => {
                a.merge(b);
                Partial::Files(a)
            }
            (a, _) => panic!("merging partials of different reports ({})", a.kind_name()),
        }
    }

    fn kind_name(&self) -> &'static str {
        match self {
            Partial::Grouped(_) => "grouped",
            Partial::Du(_) => "du",
            Partial::Churn(_) => "churn",
            Partial::Files(_) => "files",
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
    Files(FilesPartial),
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
            Partial::Files(p) => Aggregated::Files(p),
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
            Aggregated::Files(p) => Partial::Files(p),
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
