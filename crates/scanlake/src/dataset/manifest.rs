//! The manifest: which inputs a dataset holds, and the files each one produced.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub const FORMAT_NAME: &str = "scanlake-dataset";
/// Bumped whenever a reader of an older layout would misread the dataset.
pub const FORMAT_VERSION: u32 = 1;

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
}

/// Enough to recognise an input file again without reading it whole.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct InputIdentity {
    /// Absolute path when converted.
    pub path: String,
    pub size: u64,
    /// Modification time, seconds since the epoch.
    pub mtime: i64,
    /// xxh3-128 of the size, the first MiB and the last MiB.
    pub fingerprint: String,
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
        }
    }

    pub fn load(path: &Path) -> anyhow::Result<Manifest> {
        let text = std::fs::read(path)?;
        let m: Manifest = serde_json::from_slice(&text)
            .map_err(|e| anyhow::anyhow!("{} is not a scanlake manifest: {e}", path.display()))?;
        if m.format != FORMAT_NAME || m.format_version != FORMAT_VERSION {
            anyhow::bail!(
                "{} is a '{}' version {} manifest; this scanlake ({}) reads '{FORMAT_NAME}' version {FORMAT_VERSION}\nhint: convert the scans again with this scanlake, or use the scanlake that wrote the dataset",
                path.display(),
                m.format,
                m.format_version,
                env!("CARGO_PKG_VERSION")
            );
        }
        Ok(m)
    }

    /// The key of an input already in the dataset with this content, or else this path.
    pub fn key_for(&self, id: &InputIdentity) -> Option<&str> {
        let by = |f: &dyn Fn(&InputIdentity) -> bool| {
            self.inputs
                .iter()
                .map(|(k, e)| (k, &e.identity))
                .chain(self.failed.iter().map(|(k, e)| (k, &e.identity)))
                .find(|(_, i)| f(i))
                .map(|(k, _)| k.as_str())
        };
        by(&|i| i.fingerprint == id.fingerprint && i.size == id.size).or_else(|| by(&|i| i.path == id.path))
    }
}
