//! The manifest: which inputs a dataset holds, and the files each one produced.

use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub const FORMAT_NAME: &str = "scanlake-dataset";
/// Bumped whenever a reader of an older layout would misread the dataset. Version 2 added
/// shortened partition directories (`long_tlds`), checksums and retired files; it reads version 1.
pub const FORMAT_VERSION: u32 = 2;
const OLDEST_READABLE: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    /// The tld depth every input of this dataset was partitioned with.
    pub tld_depth: usize,
    /// Converted inputs, by input key.
    pub inputs: BTreeMap<String, InputEntry>,
    /// Inputs whose last conversion failed (too many rejects), by input key.
    #[serde(default)]
    pub failed: BTreeMap<String, FailedEntry>,
    /// Files that a commit replaced but a reader may still be reading; deleted, and dropped from
    /// this list, by the first writer that finds no reader (see `docs/dataset.md`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retired: Vec<String>,
}

/// What an input was: its whole content's hash, and for a regular file its path.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct InputIdentity {
    /// Absolute path of a regular file; none for standard input and pipes, whose path says nothing
    /// about their content.
    #[serde(default)]
    pub path: Option<String>,
    /// Bytes as stored (compressed or not).
    pub size: u64,
    /// Modification time, seconds since the epoch (0 for a stream).
    pub mtime: i64,
    /// xxh3-128 of every byte as stored, taken while converting (version 1 datasets hold a hash
    /// of the ends only, which never equals this).
    pub fingerprint: String,
}

/// A file's size and the xxh3-64 of all its bytes (what `scanlake verify` checks), and for a data
/// file the xxh3-64 of its Parquet footer, which lists the digest of each column chunk: a report
/// checks the footer and the chunks it reads (`dataset::integrity`). Files written before chunk
/// digests have no footer digest and are checked whole.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileSum {
    pub bytes: u64,
    pub xxh3: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footer_xxh3: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InputEntry {
    pub identity: InputIdentity,
    pub acq: String,
    pub layout: String,
    pub lines: u64,
    pub rows: u64,
    pub rejects: u64,
    pub skipped: u64,
    /// Data files, relative to the dataset root.
    pub files: Vec<String>,
    /// The rejects file, relative to the dataset root, when there were rejects.
    pub rejects_file: Option<String>,
    /// The usage summary (`aggregate::summary`), relative to the dataset root: none for inputs
    /// converted before summaries existed, or whose totals do not fit one. Its checksum is in
    /// `checksums`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Checksums of `files` and `summary` (none in version 1 datasets).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub checksums: BTreeMap<String, FileSum>,
    /// Partition directories whose name had to be shortened (`tld=<start>~<hash>`, see
    /// `partition::tld_dir_name`), with the exact escaped tld each stands for.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub long_tlds: BTreeMap<String, String>,
    /// SHOW columns that held a value in at least one row.
    pub columns_seen: Vec<String>,
    pub tool_version: String,
    pub run: String,
    /// Seconds since the epoch.
    pub converted_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FailedEntry {
    pub identity: InputIdentity,
    pub reason: String,
    pub lines: u64,
    pub rejects: u64,
    pub rejects_file: Option<String>,
    pub run: String,
    pub failed_at: i64,
}

impl Manifest {
    pub fn new(tld_depth: usize) -> Manifest {
        Manifest {
            format: FORMAT_NAME.to_string(),
            format_version: FORMAT_VERSION,
            tld_depth,
            inputs: BTreeMap::new(),
            failed: BTreeMap::new(),
            retired: Vec::new(),
        }
    }

    pub fn load(path: &Path) -> anyhow::Result<Manifest> {
        let text = std::fs::read(path)?;
        let m: Manifest = serde_json::from_slice(&text)
            .map_err(|e| anyhow::anyhow!("{} is not a scanlake manifest: {e}", path.display()))?;
        if m.format != FORMAT_NAME || !(OLDEST_READABLE..=FORMAT_VERSION).contains(&m.format_version) {
            anyhow::bail!(
                "{} is a '{}' version {} manifest; this scanlake ({}) reads '{FORMAT_NAME}' version {FORMAT_VERSION}\nhint: convert the scans again with this scanlake, or use the scanlake that wrote the dataset",
                path.display(),
                m.format,
                m.format_version,
                env!("CARGO_PKG_VERSION")
            );
        }
        m.check_paths().with_context(|| format!("{} cannot be trusted", path.display()))?;
        Ok(m)
    }

    /// Every path the manifest names is a plain path inside the dataset (see [`super::paths`]).
    pub fn check_paths(&self) -> anyhow::Result<()> {
        let data = self.inputs.values().flat_map(|e| {
            e.files.iter().chain(&e.rejects_file).chain(&e.summary).chain(e.checksums.keys()).chain(e.long_tlds.keys())
        });
        let failed = self.failed.values().flat_map(|e| &e.rejects_file);
        for rel in data.chain(failed).chain(&self.retired) {
            super::paths::check_relative(rel)?;
        }
        Ok(())
    }

    /// Every file the manifest publishes: data files, rejects and summaries.
    pub fn published(&self) -> std::collections::BTreeSet<&str> {
        let data = self.inputs.values().flat_map(|e| e.files.iter().chain(&e.rejects_file).chain(&e.summary));
        data.chain(self.failed.values().flat_map(|e| &e.rejects_file)).map(String::as_str).collect()
    }

    /// The converted input with this content (size and whole-content hash), if any.
    pub fn converted_with(&self, size: u64, fingerprint: &str) -> Option<&InputEntry> {
        self.inputs.values().find(|e| e.identity.size == size && e.identity.fingerprint == fingerprint)
    }

    /// The key of an input already in the dataset with this content, or else this path (a stream
    /// has none: only its content can match).
    pub fn key_for(&self, id: &InputIdentity) -> Option<&str> {
        let by = |f: &dyn Fn(&InputIdentity) -> bool| {
            self.inputs
                .iter()
                .map(|(k, e)| (k, &e.identity))
                .chain(self.failed.iter().map(|(k, e)| (k, &e.identity)))
                .find(|(_, i)| f(i))
                .map(|(k, _)| k.as_str())
        };
        by(&|i| i.fingerprint == id.fingerprint && i.size == id.size)
            .or_else(|| by(&|i| id.path.is_some() && i.path == id.path))
    }
}
