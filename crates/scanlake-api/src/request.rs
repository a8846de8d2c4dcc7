//! What each stage is asked to do, as plain values: built by the CLI from flags, by the Python
//! module from keyword arguments, and stored in runs for batch tasks. Serde round-trips them;
//! the library, not the interfaces, decides their defaults and resolves them against a dataset.

pub use crate::choices::{EngineChoice, LimitOptions};
use crate::settings::Settings;
use anyhow::Result;
use scanlake::aggregate::spec::{
    BucketUnit, Buckets, ChurnBy, ChurnReport, Dimension, DuReport, DuplicatesReport, FilesMetric, Filter,
    GroupedReport, GrowthReport, HistoryReport, Report, ReportKind, TimeField, Top, TopFilesReport,
};
use scanlake::convert::ConvertOptions;
use scanlake::dataset::ScanDate;
use scanlake::dataset::view::DatasetView;
use scanlake::format::Layout;
use scanlake::names::NameSource;
use scanlake::options::OptionError;
use scanlake::split::{ChunkCompression, SplitBy};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// How to convert: everything but the inputs and the dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConvertRequest {
    /// The scan date; by default each input's name must hold one.
    pub acq: Option<ScanDate>,
    /// The input format, resolved (a layout file is read when the request is made).
    pub layout: Layout,
    pub tld_depth: usize,
    /// Worker threads; `None`: resolved where the work runs (a Slurm task's allocation).
    pub threads: Option<usize>,
    pub max_reject_fraction: f64,
    pub skip_existing: bool,
    /// Memory for buffered rows.
    pub memory_mib: usize,
    /// In-memory size of a partition's rows that makes one file.
    pub target_file_mib: usize,
    /// Seconds to wait for another writer; `None` waits as long as it takes.
    pub lock_timeout: Option<f64>,
}

impl Default for ConvertRequest {
    fn default() -> ConvertRequest {
        let d = ConvertOptions::default();
        ConvertRequest {
            acq: None,
            layout: d.layout,
            tld_depth: d.tld_depth,
            threads: None,
            max_reject_fraction: d.max_reject_fraction,
            skip_existing: d.skip_existing,
            memory_mib: d.memory_budget_bytes >> 20,
            target_file_mib: d.target_file_bytes >> 20,
            lock_timeout: None,
        }
    }
}

impl ConvertRequest {
    /// The library's options, checked; threads resolved by `settings`.
    pub fn options(&self, settings: &Settings) -> Result<ConvertOptions> {
        let lock_timeout = match self.lock_timeout {
            Some(s) if !(0.0..=1e9).contains(&s) => {
                return Err(OptionError::new(
                    "lock_timeout",
                    format!("`lock_timeout` must be between 0 and 1e9 seconds, not {s}"),
                )
                .into());
            }
            s => s.map(std::time::Duration::from_secs_f64),
        };
        let opts = ConvertOptions {
            layout: self.layout.validated()?,
            acq: self.acq,
            tld_depth: self.tld_depth,
            threads: settings.convert_threads(self.threads)?,
            target_file_bytes: self.target_file_mib.saturating_mul(1 << 20),
            memory_budget_bytes: self.memory_mib.saturating_mul(1 << 20),
            max_reject_fraction: self.max_reject_fraction,
            skip_existing: self.skip_existing,
            lock_timeout,
            ..ConvertOptions::default()
        };
        opts.validate().map_err(|e| {
            // The library's field names, as requests spell them.
            let option = match e.option {
                "target_file_bytes" => "target_file_mib",
                "memory_budget_bytes" => "memory_mib",
                other => other,
            };
            let (min, max, value) = match option {
                "target_file_mib" | "memory_mib" => {
                    (mib(&e.min).max(1).to_string(), mib(&e.max).to_string(), mib(&e.value).to_string())
                }
                _ => (e.min.clone(), e.max.clone(), e.value.clone()),
            };
            OptionError::new(option, format!("`{option}`: {option} must be between {min} and {max}, not {value}"))
        })?;
        Ok(opts)
    }
}

fn mib(bytes: &str) -> u64 {
    bytes.parse::<u64>().map_or(0, |b| b >> 20)
}

/// How to cut an input into chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitRequest {
    pub by: SplitBy,
    pub compress: ChunkCompression,
}

/// Rows per scan date of a `top` report, unless the caller says otherwise.
pub const DEFAULT_TOP_N: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TopWhat {
    Dirs,
    Users,
    Groups,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TopMetric {
    #[default]
    Bytes,
    Allocated,
    Files,
    Objects,
}

impl TopMetric {
    pub fn column(self) -> &'static str {
        match self {
            TopMetric::Bytes => "bytes",
            TopMetric::Allocated => "allocated",
            TopMetric::Files => "files",
            TopMetric::Objects => "objects",
        }
    }
}

impl std::str::FromStr for TopMetric {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "bytes" => TopMetric::Bytes,
            "allocated" => TopMetric::Allocated,
            "files" => TopMetric::Files,
            "objects" => TopMetric::Objects,
            _ => return Err(format!("cannot rank by '{s}' (expected bytes, allocated, files, objects)")),
        })
    }
}

/// A standard report and its own options. Bucket edges are days (ages) or bytes (sizes);
/// `None` takes the standard ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "report", rename_all = "lowercase", deny_unknown_fields)]
pub enum ReportType {
    Usage {
        #[serde(default)]
        by: Vec<Dimension>,
    },
    Age {
        #[serde(default)]
        by: Vec<Dimension>,
        time: TimeField,
        #[serde(default)]
        edges: Option<Vec<i64>>,
        #[serde(default)]
        size_edges: Option<Vec<i64>>,
    },
    Size {
        #[serde(default)]
        by: Vec<Dimension>,
        #[serde(default)]
        edges: Option<Vec<i64>>,
        #[serde(default)]
        age: Option<TimeField>,
        #[serde(default)]
        age_edges: Option<Vec<i64>>,
    },
    Top {
        what: TopWhat,
        #[serde(default)]
        metric: TopMetric,
        n: usize,
        #[serde(default)]
        max_depth: Option<usize>,
    },
    Du {
        #[serde(default)]
        max_depth: Option<usize>,
    },
    Churn {
        #[serde(default)]
        from: Option<ScanDate>,
        #[serde(default)]
        to: Option<ScanDate>,
        by: ChurnBy,
    },
    /// The `n` largest files, or the oldest by access or modify time, per scan date (and owner).
    Files {
        #[serde(default)]
        by: FilesMetric,
        n: usize,
        #[serde(default)]
        per_user: bool,
    },
    /// Usage by file-name extension (and `by`), files only unless the filter names kinds: the
    /// `n` largest by bytes per scan date and a row for the rest.
    Extensions {
        #[serde(default)]
        by: Vec<Dimension>,
        #[serde(default)]
        n: Option<usize>,
    },
    /// Candidate duplicates: files with the same base name and size in different places (hard
    /// links of one object are one copy), files only unless the filter names kinds; the `n`
    /// groups per scan date that would save the most bytes if one copy were kept.
    Duplicates { n: usize },
    /// Usage per scan date and group over every scan (or the filter's), with each group's change.
    History {
        #[serde(default)]
        by: Option<Dimension>,
        /// Show scans from this date on (the one before still gives the first change).
        #[serde(default)]
        since: Option<ScanDate>,
        /// Read the rows even where usage summaries would answer.
        #[serde(default)]
        from_rows: bool,
    },
    /// The `n` groups whose bytes grew most between two scans (default: the two latest).
    Growth {
        #[serde(default)]
        by: Option<Dimension>,
        #[serde(default)]
        from: Option<ScanDate>,
        #[serde(default)]
        to: Option<ScanDate>,
        n: usize,
        #[serde(default)]
        from_rows: bool,
    },
}

impl ReportType {
    pub fn name(&self) -> &'static str {
        match self {
            ReportType::Usage { .. } => "usage",
            ReportType::Age { .. } => "age",
            ReportType::Size { .. } => "size",
            ReportType::Top { .. } => "top",
            ReportType::Du { .. } => "du",
            ReportType::Churn { .. } => "churn",
            ReportType::Files { .. } => "top files",
            ReportType::Extensions { .. } => "extensions",
            ReportType::Duplicates { .. } => "duplicates",
            ReportType::History { .. } => "history",
            ReportType::Growth { .. } => "growth",
        }
    }

    /// Whether usage summaries may answer it (history and growth, unless told to read rows).
    pub fn may_use_summaries(&self) -> bool {
        matches!(self, ReportType::History { from_rows: false, .. } | ReportType::Growth { from_rows: false, .. })
    }
}

/// User and group names: whether to show them beside ids, and where they come from (each file
/// unset: the configuration file's `[names]`, else the system).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NameOptions {
    /// Add `user` beside `uid` and `group` beside `gid`.
    pub show: bool,
    /// A file in `/etc/passwd` format.
    pub passwd: Option<PathBuf>,
    /// A file in `/etc/group` format.
    pub group_file: Option<PathBuf>,
}

impl NameOptions {
    pub fn source(&self) -> NameSource {
        NameSource { passwd: self.passwd.clone(), group: self.group_file.clone() }
    }
}

/// A report as asked for: which one, over which rows, on which engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRequest {
    pub report: ReportType,
    #[serde(default)]
    pub filter: Filter,
    #[serde(default)]
    pub engine: Option<EngineChoice>,
    #[serde(default)]
    pub names: NameOptions,
}

/// A report resolved against a dataset, with what the library decided for the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub report: Report,
    /// Defaults chosen from the data (e.g. which depths `top dirs` ranks), for people.
    pub notes: Vec<String>,
}

fn buckets(edges: &Option<Vec<i64>>, unit: BucketUnit, option: &'static str) -> Result<Buckets> {
    match edges {
        None => Ok(match unit {
            BucketUnit::Days => Buckets::default_age(),
            BucketUnit::Bytes => Buckets::default_size(),
        }),
        Some(e) => {
            Buckets::new(e.clone(), unit).map_err(|e| OptionError::new(option, format!("`{option}`: {e}")).into())
        }
    }
}

impl ReportRequest {
    pub fn new(report: ReportType) -> ReportRequest {
        ReportRequest { report, filter: Filter::default(), engine: None, names: NameOptions::default() }
    }

    /// Checks what needs no dataset (a run checks its reports before it makes the dataset).
    pub fn check(&self) -> Result<()> {
        self.filter.check()?;
        let edges = match &self.report {
            ReportType::Age { edges, size_edges, .. } => {
                vec![(edges, BucketUnit::Days, "edges"), (size_edges, BucketUnit::Bytes, "size_edges")]
            }
            ReportType::Size { edges, age_edges, .. } => {
                vec![(edges, BucketUnit::Bytes, "edges"), (age_edges, BucketUnit::Days, "age_edges")]
            }
            _ => Vec::new(),
        };
        for (e, unit, option) in edges {
            buckets(e, unit, option)?;
        }
        if let ReportType::Top { n: 0, .. }
        | ReportType::Growth { n: 0, .. }
        | ReportType::Files { n: 0, .. }
        | ReportType::Duplicates { n: 0 }
        | ReportType::Extensions { n: Some(0), .. } = self.report
        {
            return Err(OptionError::new("n", "top needs `n` of at least 1").into());
        }
        Ok(())
    }

    /// The engine's report for this dataset: every default decided here, once.
    pub fn resolve(&self, view: &DatasetView) -> Result<Resolved> {
        self.check()?;
        let mut filter = self.filter.clone();
        let mut notes = Vec::new();
        let prefix_depth = filter.prefix_depth();
        let grouped = |by: &[Dimension], age, size| {
            let by = if by.is_empty() { vec![Dimension::Uid] } else { by.to_vec() };
            ReportKind::Grouped(GroupedReport { by, age, size })
        };
        let mut top = None;
        let kind = match &self.report {
            ReportType::Usage { by } => grouped(by, None, None),
            ReportType::Age { by, time, edges, size_edges } => {
                let age = Some((*time, buckets(edges, BucketUnit::Days, "edges")?));
                let size =
                    size_edges.is_some().then(|| buckets(size_edges, BucketUnit::Bytes, "size_edges")).transpose()?;
                ReportKind::Grouped(GroupedReport { by: by.clone(), age, size })
            }
            ReportType::Size { by, edges, age, age_edges } => {
                // A size histogram is about files unless the caller says which kinds.
                if filter.kind.is_empty() {
                    filter.kind.push("file".into());
                }
                let size = Some(buckets(edges, BucketUnit::Bytes, "edges")?);
                let age = age
                    .map(|t| Ok::<_, anyhow::Error>((t, buckets(age_edges, BucketUnit::Days, "age_edges")?)))
                    .transpose()?;
                ReportKind::Grouped(GroupedReport { by: by.clone(), age, size })
            }
            ReportType::Top { what, metric, n, max_depth } => {
                top = Some(Top { n: *n, column: metric.column().to_string(), other: false, all_counters: false });
                match what {
                    TopWhat::Users => grouped(&[Dimension::Uid], None, None),
                    TopWhat::Groups => grouped(&[Dimension::Gid], None, None),
                    TopWhat::Dirs => {
                        // Directories above the tlds hold everything: rank below them.
                        let from = prefix_depth.max(view.manifest.tld_depth);
                        let max_depth = max_depth.unwrap_or(from + 2);
                        notes.push(if prefix_depth >= view.manifest.tld_depth {
                            format!("ranking directories at depths {} to {max_depth} (below the prefix)", from + 1)
                        } else {
                            format!(
                                "ranking directories at depths {} to {max_depth}, below the tlds (depth {}); give a prefix or `max_depth` to choose",
                                from + 1,
                                view.manifest.tld_depth
                            )
                        });
                        ReportKind::Du(DuReport { max_depth, min_depth: from + 1 })
                    }
                }
            }
            ReportType::Du { max_depth } => {
                ReportKind::Du(DuReport { max_depth: max_depth.unwrap_or(prefix_depth + 1), min_depth: prefix_depth })
            }
            ReportType::Churn { from, to, by } => {
                let dates = view.scan_dates();
                let latest = |back: usize| dates.len().checked_sub(back + 1).map(|i| dates[i]);
                let (Some(from), Some(to)) = (from.or(latest(1)), to.or(latest(0))) else {
                    anyhow::bail!(
                        "churn needs two scan dates, but the dataset has only {}\nhint: convert another scan of the same file system into it",
                        dates.first().map_or("none".to_string(), |d| d.to_string())
                    );
                };
                ReportKind::Churn(ChurnReport { from, to, by: *by })
            }
            ReportType::Files { by, n, per_user } => {
                if filter.kind.is_empty() {
                    filter.kind.push("file".into());
                }
                ReportKind::Files(TopFilesReport { metric: *by, n: *n, per_user: *per_user })
            }
            ReportType::Duplicates { n } => {
                if filter.kind.is_empty() {
                    filter.kind.push("file".into());
                }
                top = Some(Top { n: *n, column: "bytes_saved".into(), other: false, all_counters: true });
                ReportKind::Duplicates(DuplicatesReport::new())
            }
            ReportType::Extensions { by, n } => {
                if filter.kind.is_empty() {
                    filter.kind.push("file".into());
                }
                if by.contains(&Dimension::Ext) {
                    return Err(
                        OptionError::new("by", "extensions are grouped by `ext` already; `by` adds others").into()
                    );
                }
                top = Some(Top {
                    n: n.unwrap_or(DEFAULT_TOP_N),
                    column: "bytes".into(),
                    other: true,
                    all_counters: true,
                });
                let by = std::iter::once(Dimension::Ext).chain(by.iter().copied()).collect();
                ReportKind::Grouped(GroupedReport { by, age: None, size: None })
            }
            ReportType::History { by, since, .. } => {
                let mut dates = if filter.acq.is_empty() { view.scan_dates() } else { filter.acq.clone() };
                dates.sort();
                dates.dedup();
                if let Some(since) = since {
                    let Some(first) = dates.iter().position(|d| d >= since) else {
                        return Err(OptionError::new(
                            "since",
                            format!(
                                "`since`: no scan at or after {since} (the latest is {})",
                                dates.last().map_or("none".to_string(), |d| d.to_string())
                            ),
                        )
                        .into());
                    };
                    // The scan before the first one shown gives its change.
                    dates.drain(..first.saturating_sub(1));
                }
                filter.acq = dates.clone();
                let grouped = GroupedReport { by: vec![by.unwrap_or(Dimension::Uid)], age: None, size: None };
                ReportKind::History(HistoryReport { grouped, dates, since: *since })
            }
            ReportType::Growth { by, from, to, n, .. } => {
                if !filter.acq.is_empty() {
                    return Err(OptionError::new(
                        "acq",
                        "growth compares the scans `from` and `to`; give those instead of `acq`",
                    )
                    .into());
                }
                let dates = view.scan_dates();
                let latest = |back: usize| dates.len().checked_sub(back + 1).map(|i| dates[i]);
                let (Some(from), Some(to)) = (from.or(latest(1)), to.or(latest(0))) else {
                    anyhow::bail!(
                        "growth needs two scan dates, but the dataset has only {}\nhint: convert another scan of the same file system into it",
                        dates.first().map_or("none".to_string(), |d| d.to_string())
                    );
                };
                filter.acq = vec![from, to];
                top = Some(Top { n: *n, column: "bytes_change".to_string(), other: false, all_counters: true });
                let grouped = GroupedReport { by: vec![by.unwrap_or(Dimension::Uid)], age: None, size: None };
                ReportKind::Growth(GrowthReport { grouped, from, to })
            }
        };
        let report = Report { name: self.report.name().to_string(), kind, filter, top };
        report.validate()?;
        Ok(Resolved { report, notes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip_through_json() {
        let mut r = ReportRequest::new(ReportType::Age {
            by: vec![Dimension::Uid, Dimension::Dir(4)],
            time: TimeField::Modify,
            edges: Some(vec![30, 365]),
            size_edges: None,
        });
        r.filter.acq = vec!["2026-11-01".parse().unwrap()];
        r.filter.prefix = vec![b"/gpfs/\xff".to_vec()];
        r.filter.older = vec!["create=90d".parse().unwrap()];
        r.filter.name = vec![b"*.\xfe".to_vec()];
        r.engine = Some(EngineChoice::Datafusion);
        let text = serde_json::to_string(&r).unwrap();
        assert!(text.contains("\"dir4\"") && text.contains("\"2026-11-01\"") && text.contains("\"modify\""), "{text}");
        assert_eq!(serde_json::from_str::<ReportRequest>(&text).unwrap(), r);

        let c =
            ConvertRequest { acq: Some("2026-01-02".parse().unwrap()), threads: Some(3), ..ConvertRequest::default() };
        assert_eq!(serde_json::from_str::<ConvertRequest>(&serde_json::to_string(&c).unwrap()).unwrap(), c);
        assert!(serde_json::from_str::<ConvertRequest>(r#"{"flags": []}"#).is_err(), "unknown fields are refused");
    }

    #[test]
    fn bad_values_name_the_option() {
        let r = ReportRequest::new(ReportType::Top {
            what: TopWhat::Dirs,
            metric: TopMetric::Bytes,
            n: 0,
            max_depth: None,
        });
        let e = r.check().unwrap_err();
        assert_eq!(e.downcast_ref::<OptionError>().unwrap().option, "n");
        let mut r = ReportRequest::new(ReportType::Usage { by: vec![] });
        r.filter.kind = vec!["socket".into()];
        assert_eq!(r.check().unwrap_err().downcast_ref::<OptionError>().unwrap().option, "kind");
        let r =
            ReportRequest::new(ReportType::Size { by: vec![], edges: Some(vec![10, 5]), age: None, age_edges: None });
        assert_eq!(r.check().unwrap_err().downcast_ref::<OptionError>().unwrap().option, "edges");
        let settings = crate::settings::Settings::from_parts(
            Default::default(),
            Default::default(),
            scanlake::resources::Resources::detect(),
        );
        let c = ConvertRequest { memory_mib: 0, ..ConvertRequest::default() };
        let e = c.options(&settings).unwrap_err();
        assert_eq!(e.downcast_ref::<OptionError>().unwrap().option, "memory_mib");
        assert!(e.to_string().starts_with("`memory_mib`: memory_mib must be between 1 and"), "{e}");
    }
}
