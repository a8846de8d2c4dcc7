//! What a report asks for: its kind, groups, buckets and filters. Engines read these; they never
//! decide what a number means.

pub use super::filter::{Filter, TimeField};
use crate::dataset::partition::ScanDate;
use crate::options::OptionError;
use anyhow::{Result, bail};
use std::fmt;
use std::str::FromStr;

/// A grouping column of the usage, age and size reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dimension {
    Uid,
    Gid,
    Fileset,
    Tld,
    Pool,
    Kind,
    /// The directory an object is in, cut to this many components (like `tld`, at any depth).
    Dir(usize),
    /// The file-name extension ([`super::extension`]).
    Ext,
    /// The base name (the path's last component).
    Name,
    /// The exact size in bytes.
    Size,
}

impl Dimension {
    /// The output column name.
    pub fn name(self) -> String {
        match self {
            Dimension::Uid => "uid".into(),
            Dimension::Gid => "gid".into(),
            Dimension::Fileset => "fileset".into(),
            Dimension::Tld => "tld".into(),
            Dimension::Pool => "pool".into(),
            Dimension::Kind => "kind".into(),
            Dimension::Dir(d) => format!("dir{d}"),
            Dimension::Ext => "ext".into(),
            Dimension::Name => "name".into(),
            Dimension::Size => "size".into(),
        }
    }

    /// The SHOW column it is computed from, if any (`tld` is a partition, `dir` comes from the path).
    pub fn source_column(self) -> Option<&'static str> {
        match self {
            Dimension::Uid => Some("uid"),
            Dimension::Gid => Some("gid"),
            Dimension::Fileset => Some("fileset"),
            Dimension::Pool => Some("pool"),
            Dimension::Kind => Some("mode"),
            Dimension::Size => Some("size"),
            Dimension::Tld | Dimension::Dir(_) | Dimension::Ext | Dimension::Name => None,
        }
    }

    /// The dataset column the group is read from (`tld` is the partition column; `dir` is cut
    /// from the path).
    pub fn column(self) -> Option<&'static str> {
        match self {
            Dimension::Uid => Some("uid"),
            Dimension::Gid => Some("gid"),
            Dimension::Fileset => Some("fileset"),
            Dimension::Pool => Some("pool"),
            Dimension::Kind => Some("kind"),
            Dimension::Size => Some("size"),
            Dimension::Tld | Dimension::Dir(_) | Dimension::Ext | Dimension::Name => None,
        }
    }

    /// Whether the number of groups can grow with the data (directories, names, sizes) rather
    /// than the site.
    pub fn is_high_cardinality(self) -> bool {
        matches!(self, Dimension::Dir(_) | Dimension::Name | Dimension::Size)
    }
}

impl FromStr for Dimension {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "uid" | "user" => Dimension::Uid,
            "gid" | "group" => Dimension::Gid,
            "fileset" => Dimension::Fileset,
            "tld" => Dimension::Tld,
            "pool" => Dimension::Pool,
            "kind" => Dimension::Kind,
            "ext" | "extension" => Dimension::Ext,
            "name" => Dimension::Name,
            "size" => Dimension::Size,
            _ => match s.strip_prefix("dir") {
                Some(d) if d.parse::<usize>().is_ok_and(|d| d >= 1) => Dimension::Dir(d.parse().unwrap_or(1)),
                _ => {
                    return Err(format!(
                        "unknown group '{s}' (expected uid, gid, fileset, tld, pool, kind, ext, name, size or dirN, e.g. dir4)"
                    ));
                }
            },
        })
    }
}

crate::options::serde_as_text!(Dimension);

/// Ascending bucket edges: bucket 0 is below the first edge, bucket `i` is `[edge[i-1], edge[i])`,
/// the last is at or above the last edge. A missing value goes to no bucket (`unknown`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Buckets {
    edges: Vec<i64>,
    unit: BucketUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BucketUnit {
    Days,
    Bytes,
}

pub const DEFAULT_AGE_EDGES_DAYS: [i64; 9] = [30, 90, 180, 365, 730, 1095, 1460, 1825, 2555];
pub const DEFAULT_SIZE_EDGES: [i64; 9] =
    [1 << 10, 10 << 10, 100 << 10, 1 << 20, 10 << 20, 100 << 20, 1 << 30, 10 << 30, 100 << 30];

impl Buckets {
    /// Checks that the edges are positive and strictly ascending.
    pub fn new(edges: Vec<i64>, unit: BucketUnit) -> Result<Buckets> {
        if edges.is_empty() {
            bail!("a bucket list needs at least one edge");
        }
        if let Some(e) = edges.iter().find(|&&e| e <= 0) {
            bail!("bucket edge {e} is not positive (edges are upper bounds of buckets, the first starts at 0)");
        }
        if let Some(w) = edges.windows(2).find(|w| w[0] >= w[1]) {
            bail!("bucket edges must be strictly ascending, but {} is followed by {}", w[0], w[1]);
        }
        Ok(Buckets { edges, unit })
    }

    pub fn default_age() -> Buckets {
        Buckets { edges: DEFAULT_AGE_EDGES_DAYS.to_vec(), unit: BucketUnit::Days }
    }

    pub fn default_size() -> Buckets {
        Buckets { edges: DEFAULT_SIZE_EDGES.to_vec(), unit: BucketUnit::Bytes }
    }

    /// Parses `30,90,365` (days) or `1K,1M,1G` / `1KiB,10MiB` (bytes, binary units).
    pub fn parse(text: &str, unit: BucketUnit) -> Result<Buckets> {
        let edges = text
            .split(',')
            .map(|t| parse_edge(t.trim(), unit))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| anyhow::anyhow!("bad bucket list '{text}': {e}"))?;
        Buckets::new(edges, unit)
    }

    pub fn edges(&self) -> &[i64] {
        &self.edges
    }

    pub fn unit(&self) -> BucketUnit {
        self.unit
    }

    pub fn len(&self) -> usize {
        self.edges.len() + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    /// The bucket of a value: the number of edges at or below it.
    #[inline]
    pub fn bucket(&self, value: i64) -> u32 {
        // The edges are sorted: those at or below the value are its bucket. Counting them all
        // compiles to a few vector compares, where a binary search is a chain of dependent
        // branches (a third of the `size` report's fold).
        if self.edges.len() <= 32 {
            self.edges.iter().map(|&e| u32::from(e <= value)).sum()
        } else {
            self.edges.partition_point(|&e| e <= value) as u32
        }
    }

    /// `<30d`, `30d-90d`, …, `>=2555d`; `<1KiB`, `1KiB-10KiB`, …
    pub fn label(&self, bucket: u32) -> String {
        let b = bucket as usize;
        let show = |v: i64| match self.unit {
            BucketUnit::Days => format!("{v}d"),
            BucketUnit::Bytes => binary_size(v),
        };
        if b == 0 {
            format!("<{}", show(self.edges[0]))
        } else if b >= self.edges.len() {
            format!(">={}", show(self.edges[self.edges.len() - 1]))
        } else {
            format!("{}-{}", show(self.edges[b - 1]), show(self.edges[b]))
        }
    }
}

fn parse_edge(t: &str, unit: BucketUnit) -> Result<i64, String> {
    match unit {
        BucketUnit::Days => super::filter::parse_days(t),
        BucketUnit::Bytes => super::filter::parse_bytes(t),
    }
}

/// An exact binary size for labels: `1KiB`, `10MiB`, `1536B`.
fn binary_size(v: i64) -> String {
    for (shift, unit) in [(50, "PiB"), (40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")] {
        if v >= 1 << shift && v % (1 << shift) == 0 {
            return format!("{}{unit}", v >> shift);
        }
    }
    format!("{v}B")
}

/// Usage, age and size: one row per group with the standard counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupedReport {
    pub by: Vec<Dimension>,
    /// Bucket by the age of this time relative to the scan date.
    pub age: Option<(TimeField, Buckets)>,
    /// Bucket by file size.
    pub size: Option<Buckets>,
}

/// Recursive totals per directory under the filter's prefix, down to `max_depth` components.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuReport {
    pub max_depth: usize,
    /// Rows of shallower directories are left out (`top dirs` drops the prefix's own total).
    pub min_depth: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChurnBy {
    Tld,
    Uid,
}

/// What changed between two scans, matched by path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChurnReport {
    pub from: ScanDate,
    pub to: ScanDate,
    pub by: ChurnBy,
}

/// Usage per scan date and group over many scans, with each group's change since the scan
/// before (see [`super::history`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryReport {
    /// What engines compute: usage by the history's one group.
    pub grouped: GroupedReport,
    /// The scan dates computed, ascending: the report's filter selects exactly these.
    pub dates: Vec<ScanDate>,
    /// Rows of earlier dates are computed (for the change of the first row shown) but not shown.
    pub since: Option<ScanDate>,
}

/// The groups whose bytes grew most between two scans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrowthReport {
    /// What engines compute: usage by the one group, over the two dates.
    pub grouped: GroupedReport,
    pub from: ScanDate,
    pub to: ScanDate,
}

/// What `top files` ranks by: size (largest first), or access or modify time (oldest first).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FilesMetric {
    #[default]
    Size,
    Access,
    Modify,
}

impl FilesMetric {
    pub fn column(self) -> &'static str {
        match self {
            FilesMetric::Size => "size",
            FilesMetric::Access => "access",
            FilesMetric::Modify => "modify",
        }
    }
}

impl FromStr for FilesMetric {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "size" => FilesMetric::Size,
            "access" => FilesMetric::Access,
            "modify" => FilesMetric::Modify,
            _ => return Err(format!("cannot rank files by '{s}' (expected size, access or modify)")),
        })
    }
}

/// The `n` files ranked first by `metric`, per scan date (and per owner).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopFilesReport {
    pub metric: FilesMetric,
    pub n: usize,
    pub per_user: bool,
}

/// Candidate duplicates: files of one scan date with the same base name and size but different
/// identities (hard links of one object are one copy), see [`super::duplicates`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicatesReport {
    /// What engines compute: usage by base name and size.
    pub grouped: GroupedReport,
}

impl DuplicatesReport {
    pub fn new() -> DuplicatesReport {
        DuplicatesReport {
            grouped: GroupedReport { by: vec![Dimension::Name, Dimension::Size], age: None, size: None },
        }
    }
}

impl Default for DuplicatesReport {
    fn default() -> Self {
        DuplicatesReport::new()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportKind {
    Grouped(GroupedReport),
    Du(DuReport),
    Churn(ChurnReport),
    History(HistoryReport),
    Growth(GrowthReport),
    Files(TopFilesReport),
    Duplicates(DuplicatesReport),
}

impl ReportKind {
    /// The grouped usage an engine computes for this report, if it is one of those.
    pub fn grouped(&self) -> Option<&GroupedReport> {
        match self {
            ReportKind::Grouped(g)
            | ReportKind::History(HistoryReport { grouped: g, .. })
            | ReportKind::Growth(GrowthReport { grouped: g, .. })
            | ReportKind::Duplicates(DuplicatesReport { grouped: g }) => Some(g),
            ReportKind::Du(_) | ReportKind::Churn(_) | ReportKind::Files(_) => None,
        }
    }
}

/// Keep the `n` rows largest in `column` (ties broken by the group columns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Top {
    pub n: usize,
    pub column: String,
    /// Add a row per scan date that sums the groups left out (its first group is `(other)`).
    pub other: bool,
    /// Show every counter but `unique_bytes` (extensions); else only `objects`, `bytes` and the
    /// ranked counter (top users and groups). See [`Report::counted`].
    pub all_counters: bool,
}

/// The counters of a grouped report: `objects` and `bytes` always, the others when it shows them.
/// What is not shown is not computed, and its columns are not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    /// `files` and `dirs` (reads `kind`).
    pub kinds: bool,
    /// `allocated` (reads `kballoc`).
    pub allocated: bool,
    /// `unique_bytes`: each hard-linked object once (reads the link identities).
    pub links: bool,
}

impl Counted {
    pub const ALL: Counted = Counted { kinds: true, allocated: true, links: true };

    /// Whether the output column `name` (one of the six counters) is computed.
    pub fn has(&self, name: &str) -> bool {
        match name {
            "files" | "dirs" => self.kinds,
            "allocated" => self.allocated,
            "unique_bytes" => self.links,
            _ => true,
        }
    }
}

/// A report as asked for: what to compute, over which rows, and how to cut the result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The name users know it by (`usage`, `age`, `size`, `top`, `du`, `churn`).
    pub name: String,
    pub kind: ReportKind,
    pub filter: Filter,
    pub top: Option<Top>,
}

impl Report {
    /// The counters the report computes: all six, except for a ranking, which computes what it
    /// ranks by and what it shows (`top users`, `top groups`: objects, bytes and the ranked
    /// counter; `extensions`: all but `unique_bytes`, unless ranked by it). DuckDB's obvious
    /// `top users` query sums one column; computing the other five for every group is what made
    /// `top users` twice its time.
    pub fn counted(&self) -> Counted {
        match (&self.kind, &self.top) {
            (ReportKind::Grouped(_), Some(top)) => {
                let ranked = |names: &[&str]| names.contains(&top.column.as_str());
                Counted {
                    kinds: top.all_counters || ranked(&["files", "dirs"]),
                    allocated: top.all_counters || ranked(&["allocated"]),
                    links: ranked(&["unique_bytes"]),
                }
            }
            _ => Counted::ALL,
        }
    }

    /// Dataset columns (SHOW keys) that only fill some of the report's output columns: without
    /// them those stay empty (unknown), the rest of the report stands.
    pub fn optional_columns(&self) -> Vec<(&'static str, &'static [&'static str])> {
        let counters: [(&'static str, &'static [&'static str]); 3] =
            [("size", &["bytes", "unique_bytes"]), ("kballoc", &["allocated"]), ("mode", &["files", "dirs"])];
        match &self.kind {
            ReportKind::Grouped(_) => counters.to_vec(),
            // No unique_bytes: history folds summaries that hold no link identities.
            ReportKind::History(_) | ReportKind::Growth(_) => {
                vec![
                    ("size", &["bytes", "bytes_change"][..]),
                    ("kballoc", &["allocated"]),
                    ("mode", &["files", "dirs"]),
                ]
            }
            ReportKind::Du(_) => counters.into_iter().chain([("access", &["newest_access"][..])]).collect(),
            ReportKind::Churn(_) | ReportKind::Files(_) | ReportKind::Duplicates(_) => Vec::new(),
        }
    }

    /// Dataset columns (SHOW keys) the report cannot do without, besides the identity and path
    /// columns.
    pub fn required_columns(&self) -> Vec<&'static str> {
        let mut cols: Vec<&'static str> = Vec::new();
        match &self.kind {
            ReportKind::Grouped(g)
            | ReportKind::History(HistoryReport { grouped: g, .. })
            | ReportKind::Growth(GrowthReport { grouped: g, .. })
            | ReportKind::Duplicates(DuplicatesReport { grouped: g }) => {
                cols.extend(g.by.iter().filter_map(|d| d.source_column()));
                if let Some((t, _)) = &g.age {
                    cols.push(t.column());
                }
            }
            ReportKind::Du(_) => {}
            ReportKind::Files(f) => cols.push(f.metric.column()),
            ReportKind::Churn(c) => {
                cols.extend(["size", "modify"]);
                if c.by == ChurnBy::Uid {
                    cols.push("uid");
                }
            }
        }
        cols.extend(self.filter.required_columns());
        let mut seen = std::collections::HashSet::new();
        cols.retain(|c| seen.insert(*c));
        cols
    }

    /// Whether the number of result rows grows with the number of directories.
    pub fn is_high_cardinality(&self) -> bool {
        match &self.kind {
            ReportKind::Du(_) | ReportKind::Churn(_) => true,
            ReportKind::Files(_) => false,
            kind => kind.grouped().is_some_and(|g| g.by.iter().any(|d| d.is_high_cardinality())),
        }
    }

    /// Checks what can be checked without data. Depths are bounded so that every engine gets
    /// numbers it can plan with.
    pub fn validate(&self) -> Result<()> {
        match &self.kind {
            ReportKind::Grouped(g) => {
                if g.by.len() > MAX_GROUPS {
                    bail!("at most {MAX_GROUPS} group columns, got {}", g.by.len());
                }
                let mut seen = std::collections::HashSet::new();
                if let Some(d) = g.by.iter().find(|d| !seen.insert(**d)) {
                    bail!("group '{}' is given twice", d.name());
                }
                if let Some(Dimension::Dir(n)) = g.by.iter().find(|d| matches!(d, Dimension::Dir(n) if *n > MAX_DEPTH))
                {
                    bail!("directory depth {n} is deeper than any path can be (at most {MAX_DEPTH})");
                }
            }
            ReportKind::Du(d) => {
                if d.max_depth == 0 {
                    return Err(OptionError::new("max_depth", "`max_depth` must be at least 1 for du").into());
                }
                if d.max_depth > MAX_DEPTH {
                    return Err(OptionError::new(
                        "max_depth",
                        format!("`max_depth` {} is deeper than any path can be (at most {MAX_DEPTH})", d.max_depth),
                    )
                    .into());
                }
                if d.min_depth > d.max_depth {
                    return Err(OptionError::new(
                        "max_depth",
                        format!("`max_depth` {} is shallower than the prefix (depth {})", d.max_depth, d.min_depth),
                    )
                    .into());
                }
            }
            ReportKind::Churn(c) => {
                if c.from == c.to {
                    bail!("churn needs two different scan dates, got {} twice", c.from);
                }
            }
            ReportKind::Files(f) => {
                if f.n == 0 {
                    return Err(OptionError::new("n", "top needs `n` of at least 1").into());
                }
            }
            ReportKind::History(h) => {
                if h.grouped.by.len() != 1 || h.grouped.age.is_some() || h.grouped.size.is_some() {
                    bail!("a history has exactly one group and no buckets");
                }
                if !h.dates.windows(2).all(|w| w[0] < w[1]) || self.filter.acq != h.dates {
                    bail!("a history's dates must be ascending and be the scan dates its filter selects");
                }
            }
            ReportKind::Duplicates(d) => {
                if d != &DuplicatesReport::new() {
                    bail!("a duplicates report groups by base name and size, and nothing else");
                }
            }
            ReportKind::Growth(g) => {
                if g.from >= g.to {
                    return Err(OptionError::new(
                        "from",
                        format!("growth compares an earlier scan with a later one, not {} with {}", g.from, g.to),
                    )
                    .into());
                }
                if g.grouped.by.len() != 1 || self.filter.acq != [g.from, g.to] {
                    bail!("a growth report has one group and selects exactly its two scan dates");
                }
            }
        }
        if let Some(t) = &self.top
            && t.n == 0
        {
            return Err(OptionError::new("n", "top needs `n` of at least 1").into());
        }
        Ok(())
    }
}

/// Group columns a grouped report can have (besides `acq` and the buckets).
pub const MAX_GROUPS: usize = 4;
/// Deeper than any path: a component takes at least two bytes (`/x`), a path at most 64 KiB here.
pub const MAX_DEPTH: usize = 32 * 1024;

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_place_values_at_or_above_an_edge_in_the_next_bucket() {
        let b = Buckets::default_age();
        assert_eq!(b.len(), 10);
        assert_eq!(b.bucket(-5), 0);
        assert_eq!(b.bucket(29), 0);
        assert_eq!(b.bucket(30), 1);
        assert_eq!(b.bucket(2554), 8);
        assert_eq!(b.bucket(2555), 9);
        assert_eq!(b.label(0), "<30d");
        assert_eq!(b.label(1), "30d-90d");
        assert_eq!(b.label(9), ">=2555d");
        let s = Buckets::default_size();
        assert_eq!(s.bucket(1023), 0);
        assert_eq!(s.bucket(1024), 1);
        assert_eq!(s.label(0), "<1KiB");
        assert_eq!(s.label(9), ">=100GiB");
    }

    #[test]
    fn impossible_bucket_lists_are_refused_with_the_reason() {
        let err = |t: &str, u| Buckets::parse(t, u).unwrap_err().to_string();
        assert!(err("30,10", BucketUnit::Days).contains("30 is followed by 10"));
        assert!(err("30,30", BucketUnit::Days).contains("strictly ascending"));
        assert!(err("0,10", BucketUnit::Days).contains("not positive"));
        assert!(err("1X", BucketUnit::Bytes).contains("unknown unit 'X'"));
        assert!(err("", BucketUnit::Days).contains("not a number"));
        assert_eq!(Buckets::parse("1K,1M", BucketUnit::Bytes).unwrap().edges(), &[1024, 1 << 20]);
        assert_eq!(Buckets::parse("1y,2y", BucketUnit::Days).unwrap().edges(), &[365, 730]);
    }

    #[test]
    fn dimensions_parse_by_name() {
        assert_eq!("dir4".parse::<Dimension>(), Ok(Dimension::Dir(4)));
        assert_eq!("user".parse::<Dimension>(), Ok(Dimension::Uid));
        assert!("dir0".parse::<Dimension>().unwrap_err().contains("unknown group"));
    }
}
