//! The values partial results are made of: group keys and the counters each report sums. Kept
//! apart from the partials themselves so that sorted keys and spilled runs can use them without
//! depending on the partials that use those in turn.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

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

    /// The key as a report shows it (paths as text, see [`super::pathkey::display`]).
    pub fn into_cell(self) -> super::cells::Cell {
        use super::cells::Cell;
        match self {
            Key::Null => Cell::Null,
            Key::Int(i) => Cell::Int(i),
            Key::Text(t) => Cell::Text(t),
            Key::Path(p) => Cell::Text(super::pathkey::display(&p)),
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
