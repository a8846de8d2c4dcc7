//! A dataset as the engines see it: its partitions and files (exactly those the manifest
//! lists, so a conversion in progress is invisible), sizes for choosing an engine, and checks
//! that turn a wrong dataset or a missing column into a clear error before any work starts.

use crate::aggregate::pathkey;
use crate::aggregate::spec::{Filter, Report, ReportKind};
use crate::dataset::lock::ReadLease;
use crate::dataset::manifest::{FileSum, Manifest};
use crate::dataset::partition::{ScanDate, is_shortened, unescape_value};
use crate::dataset::paths;
use crate::format::fields;
use anyhow::{Context, Result, bail};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One `acq=…/tld=…` directory and the data files in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    pub acq: ScanDate,
    /// The tld's raw bytes.
    pub tld: Vec<u8>,
    /// The tld as reports show it ([`pathkey::display`]).
    pub tld_text: String,
    pub files: Vec<DataFile>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFile {
    pub path: PathBuf,
    pub bytes: u64,
    /// What the manifest says the file holds (none for version 1 datasets).
    pub checksum: Option<FileSum>,
}

#[derive(Debug, Clone)]
pub struct DatasetView {
    pub root: PathBuf,
    pub manifest: Manifest,
    /// Sorted by scan date, then tld in tree order.
    pub partitions: Vec<Partition>,
    /// Rows of all converted inputs.
    pub rows: u64,
    /// Bytes of all data files.
    pub bytes: u64,
    /// Columns that held a value in at least one input.
    pub columns_seen: BTreeSet<String>,
    /// Held while the view lives: no file it lists is deleted meanwhile.
    pub lease: Arc<ReadLease>,
}

impl DatasetView {
    /// Opens a dataset for reading, or says why it cannot be read.
    pub fn open(root: &Path) -> Result<DatasetView> {
        if !root.exists() {
            bail!("dataset {} does not exist\nhint: convert a scan into it first", root.display());
        }
        // The lease before the manifest: files a later commit replaces then stay until we are done.
        let lease = Arc::new(ReadLease::take(root)?);
        let manifest = crate::dataset::read::manifest(root)?;
        // (The manifest loader refuses other formats and versions, with a hint.)
        let mut by_partition: BTreeMap<(ScanDate, String), Vec<DataFile>> = BTreeMap::new();
        let mut rows = 0;
        let mut bytes = 0;
        let mut columns_seen = BTreeSet::new();
        let mut resolver = paths::Resolver::new(root);
        for entry in manifest.inputs.values() {
            rows += entry.rows;
            columns_seen.extend(entry.columns_seen.iter().cloned());
            for rel in &entry.files {
                let (acq, tld) = parse_partition(rel, &entry.long_tlds)
                    .with_context(|| format!("manifest of {}", root.display()))?;
                let path = resolver.resolve(rel)?;
                let size = std::fs::metadata(&path)
                    .with_context(|| format!("data file {} listed in the manifest is missing", path.display()))?
                    .len();
                bytes += size;
                let checksum = entry.checksums.get(rel).copied();
                by_partition.entry((acq, tld)).or_default().push(DataFile { path, bytes: size, checksum });
            }
        }
        if by_partition.is_empty() {
            bail!(
                "dataset {} holds no data (no converted input has rows)\nhint: convert a scan into it first",
                root.display()
            );
        }
        let mut partitions: Vec<Partition> = by_partition
            .into_iter()
            .map(|((acq, escaped), mut files)| {
                files.sort_by(|a, b| a.path.cmp(&b.path));
                let tld = unescape_value(&escaped).unwrap_or_else(|| escaped.clone().into_bytes());
                Partition { acq, tld_text: pathkey::display(&tld), tld, files }
            })
            .collect();
        partitions.sort_by(|a, b| a.acq.cmp(&b.acq).then_with(|| pathkey::tree_cmp(&a.tld, &b.tld)));
        Ok(DatasetView { root: root.to_path_buf(), manifest, partitions, rows, bytes, columns_seen, lease })
    }

    /// How the files of `partitions` are checked as a report reads them (`--explain`): by their
    /// footer and each column chunk read, or, when written before chunk digests, whole.
    pub fn integrity(&self, partitions: &[&Partition]) -> String {
        use crate::dataset::integrity::Checking;
        let mut counts = [0usize; 3];
        for f in partitions.iter().flat_map(|p| &p.files) {
            counts[match Checking::of(f.checksum.as_ref()) {
                Checking::Chunks => 0,
                Checking::WholeFile => 1,
                Checking::None => 2,
            }] += 1;
        }
        let mut parts = Vec::new();
        if counts[0] > 0 {
            let files = if counts[0] == 1 { "file" } else { "files" };
            parts.push(format!("{} {files} checked by their footer and the column chunks read", counts[0]));
        }
        if counts[1] > 0 {
            parts.push(format!("{} written before chunk digests checked whole first", counts[1]));
        }
        if counts[2] > 0 {
            parts.push(format!("{} written before checksums not checked", counts[2]));
        }
        format!("integrity: {} (`scanlake verify` checks every byte)", parts.join("; "))
    }

    /// Scan dates present, ascending.
    pub fn scan_dates(&self) -> Vec<ScanDate> {
        let set: BTreeSet<ScanDate> = self.partitions.iter().map(|p| p.acq).collect();
        set.into_iter().collect()
    }

    /// Fails unless the dataset can answer `report`: its dates exist and its columns were seen.
    pub fn check(&self, report: &Report) -> Result<()> {
        report.validate()?;
        let dates = self.scan_dates();
        let mut wanted = report.filter.acq.clone();
        if let ReportKind::Churn(c) = &report.kind {
            wanted.extend([c.from, c.to]);
        }
        for d in wanted {
            if !dates.contains(&d) {
                let have: Vec<String> = dates.iter().map(|d| d.to_string()).collect();
                bail!("scan date {d} is not in this dataset (it has {})", have.join(", "));
            }
        }
        for col in report.required_columns() {
            if !self.columns_seen.contains(col) {
                bail!("{}", missing_column_message(&report.name, col));
            }
        }
        Ok(())
    }

    /// Output columns of `report` that this dataset cannot fill (they stay empty), with why.
    pub fn unknown_outputs(&self, report: &Report) -> Vec<(&'static str, String)> {
        report
            .optional_columns()
            .into_iter()
            .filter(|(col, _)| !self.columns_seen.contains(*col))
            .flat_map(|(col, outputs)| {
                outputs.iter().map(move |o| (*o, format!("no converted input had the SHOW key '{col}'")))
            })
            .collect()
    }

    /// The partitions a report reads: pruned by scan date, tld and path prefix.
    pub fn select(&self, report: &Report) -> Vec<&Partition> {
        let f: &Filter = &report.filter;
        let dates: Vec<ScanDate> = match &report.kind {
            ReportKind::Churn(c) => vec![c.from, c.to],
            _ => f.acq.clone(),
        };
        self.partitions
            .iter()
            .filter(|p| dates.is_empty() || dates.contains(&p.acq))
            .filter(|p| f.may_hold_tld(&p.tld, &p.tld_text))
            .collect()
    }
}

/// The raw tld of a data file (`acq=…/tld=…/part-….parquet`), as the manifest names it.
pub fn tld_of_file(rel: &str, long_tlds: &BTreeMap<String, String>) -> Result<Vec<u8>> {
    let (_, escaped) = parse_partition(rel, long_tlds)?;
    Ok(unescape_value(&escaped).unwrap_or_else(|| escaped.into_bytes()))
}

/// `acq=2024-03-01/tld=%2Fgpfs/part-….parquet` → (date, escaped tld); a shortened directory name
/// is looked up in the input's `long_tlds`.
fn parse_partition(rel: &str, long_tlds: &BTreeMap<String, String>) -> Result<(ScanDate, String)> {
    let mut parts = rel.split('/');
    let acq = parts.next().and_then(|p| p.strip_prefix("acq="));
    let dir = parts.next().filter(|d| d.starts_with("tld="));
    match (acq, dir) {
        (Some(a), Some(dir)) => {
            let date = a.parse::<ScanDate>().map_err(anyhow::Error::msg)?;
            let tld = if is_shortened(dir) {
                long_tlds.get(dir).with_context(|| format!("the manifest lacks the exact tld of directory '{dir}'"))?
            } else {
                &dir["tld=".len()..]
            };
            Ok((date, tld.to_string()))
        }
        _ => bail!("data file '{rel}' is not under acq=…/tld=…"),
    }
}

/// `report 'age' needs column 'access', which this dataset lacks`, with the SHOW key to add.
pub fn missing_column_message(report: &str, column: &str) -> String {
    let mut msg = format!("report '{report}' needs column '{column}', which this dataset lacks");
    match fields::lookup(column) {
        Some(f) => msg.push_str(&format!(
            "\nhint: no converted input had the SHOW key '{}' ({}): add `|| '|{}=' || varchar({})` to the SHOW clause of the LIST policy (see policy/README.md), or name '{}' in `fields` for a positional layout, then convert again",
            f.key, f.attribute, f.key, f.attribute, f.key
        )),
        None => msg.push_str("\nhint: convert the scan again with a layout that has this column"),
    }
    msg
}
