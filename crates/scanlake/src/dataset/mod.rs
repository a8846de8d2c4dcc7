//! The dataset on disk: hive-partitioned Parquet files, a manifest, rejects, and the commit protocol
//! that makes every conversion appear whole or not at all. Knows nothing of the policy log format.
//!
//! ```text
//! DATASET/acq=YYYY-MM-DD/tld=ESCAPED/part-<input>-<run>-<n>.parquet   data, sorted by path
//! DATASET/_rejects/<input>-<run>.parquet                              lines that are not records
//! DATASET/_scanlake/manifest.json                                     inputs → files
//! DATASET/_scanlake/journal.json                                      a commit in progress
//! DATASET/_scanlake/staging/<run>/                                    files being written
//! DATASET/_scanlake/lock                                              one writer at a time
//! ```
//!
//! A commit writes the journal (the renames, the deletions and the new manifest) before it touches
//! any visible name; whoever next opens the dataset for writing finishes a journal left behind by a
//! killed process. Staging directories without a journal are deleted on open. See `docs/dataset.md`.

pub mod manifest;
pub mod partition;
pub mod read;
pub mod rejects;
pub mod writer;

use anyhow::{Context, Result, bail};
use manifest::{FailedEntry, InputEntry, Manifest};
use serde::{Deserialize, Serialize};
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

pub use partition::{ScanDate, escape_value, partition_dir, tld_of, unescape_value};

const META_DIR: &str = "_scanlake";
pub const REJECTS_DIR: &str = "_rejects";

/// A dataset opened for writing: holds the writer lock until dropped.
pub struct Dataset {
    root: PathBuf,
    manifest: Manifest,
    _lock: File,
}

/// What one input's conversion adds to, or replaces in, the dataset.
pub struct Commit {
    pub key: String,
    /// (staged file, final path relative to the root).
    pub files: Vec<(PathBuf, String)>,
    pub outcome: Outcome,
}

pub enum Outcome {
    Converted(InputEntry),
    /// Rejected as a whole: its data files are not published, only its rejects.
    Failed(FailedEntry),
}

/// What [`Dataset::absorb`] published.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AbsorbSummary {
    pub inputs: usize,
    pub failed: usize,
    pub rows: u64,
}

#[derive(Serialize, Deserialize)]
struct Journal {
    moves: Vec<(PathBuf, String)>,
    deletes: Vec<String>,
    manifest: Manifest,
}

impl Dataset {
    /// Opens (creating if needed) the dataset at `root`, waiting for other writers, finishing an
    /// interrupted commit and clearing abandoned staging files.
    pub fn open_for_write(root: &Path, tld_depth: usize) -> Result<Dataset> {
        let meta = root.join(META_DIR);
        fs::create_dir_all(&meta).with_context(|| format!("cannot create dataset directory {}", root.display()))?;
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(meta.join("lock"))
            .with_context(|| format!("cannot open the lock file in {}", meta.display()))?;
        lock.lock().with_context(|| format!("cannot lock {}", meta.display()))?;
        let journal = meta.join("journal.json");
        if journal.exists() {
            let j: Journal = serde_json::from_slice(&fs::read(&journal)?)
                .with_context(|| format!("cannot read the interrupted commit {}", journal.display()))?;
            apply(root, &j)?;
        }
        let staging = meta.join("staging");
        if staging.exists() {
            fs::remove_dir_all(&staging).with_context(|| format!("cannot clear {}", staging.display()))?;
        }
        let manifest_path = meta.join("manifest.json");
        let manifest = if manifest_path.exists() {
            Manifest::load(&manifest_path)?
        } else {
            if has_visible_entries(root)? {
                bail!(
                    "{} is not empty and is not a scanlake dataset (no {META_DIR}/manifest.json); choose an empty or new directory",
                    root.display()
                );
            }
            Manifest::new(tld_depth)
        };
        if manifest.tld_depth != tld_depth {
            bail!(
                "dataset {} is partitioned with tld depth {}, not {tld_depth}; pass --tld-depth {} or use a new dataset",
                root.display(),
                manifest.tld_depth,
                manifest.tld_depth
            );
        }
        Ok(Dataset { root: root.to_path_buf(), manifest, _lock: lock })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// A fresh directory for one run's files, invisible to readers of the dataset.
    pub fn staging_dir(&self, run: &str) -> Result<PathBuf> {
        let dir = self.root.join(META_DIR).join("staging").join(run);
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(dir)
    }

    /// Publishes one input's files and replaces whatever that input had published before.
    pub fn commit(&mut self, commit: Commit) -> Result<()> {
        self.commit_all(vec![commit])
    }

    /// Publishes several inputs in one commit: readers see all of them or none.
    pub fn commit_all(&mut self, commits: Vec<Commit>) -> Result<()> {
        let mut manifest = self.manifest.clone();
        let mut deletes: Vec<String> = Vec::new();
        let mut moves = Vec::new();
        for commit in commits {
            let key = commit.key;
            // The input's old rejects go whatever happens; its old data only when new data replaces
            // it (a failed conversion keeps what an earlier good one published).
            deletes.extend(manifest.failed.remove(&key).and_then(|f| f.rejects_file));
            deletes.extend(manifest.inputs.get_mut(&key).and_then(|e| e.rejects_file.take()));
            match commit.outcome {
                Outcome::Converted(entry) => {
                    deletes.extend(manifest.inputs.insert(key, entry).map(|old| old.files).unwrap_or_default())
                }
                Outcome::Failed(entry) => {
                    manifest.failed.insert(key, entry);
                }
            }
            moves.extend(commit.files);
        }
        // A file both published and listed as old (the same conversion absorbed again) stays.
        deletes.retain(|d| !moves.iter().any(|(_, rel)| rel == d));
        self.publish(Journal { moves, deletes, manifest })
    }

    /// Moves everything other datasets hold into this one, in one commit, and deletes them: how
    /// the parts that batch tasks converted side by side become one dataset. They must be on the
    /// same file system. Absorbing a part again (after a kill) publishes nothing twice.
    pub fn absorb(&mut self, parts: &[PathBuf]) -> Result<AbsorbSummary> {
        let mut commits = Vec::new();
        let mut summary = AbsorbSummary::default();
        for part in parts {
            let manifest_path = part.join(META_DIR).join("manifest.json");
            if !manifest_path.exists() {
                continue;
            }
            let m = Manifest::load(&manifest_path)?;
            if m.tld_depth != self.manifest.tld_depth {
                bail!(
                    "{} is partitioned with tld depth {}, the dataset {} with {}",
                    part.display(),
                    m.tld_depth,
                    self.root.display(),
                    self.manifest.tld_depth
                );
            }
            for (key, entry) in m.inputs {
                // Two parts with the same content (the same key) publish it once.
                let published = |k: &String| commits.iter().any(|c: &Commit| &c.key == k);
                if published(&key)
                    || self.manifest.inputs.get(&key).is_some_and(|e| e.run == entry.run && e.files == entry.files)
                {
                    continue;
                }
                let files =
                    entry.files.iter().chain(&entry.rejects_file).map(|rel| (part.join(rel), rel.clone())).collect();
                summary.inputs += 1;
                summary.rows += entry.rows;
                commits.push(Commit { key, files, outcome: Outcome::Converted(entry) });
            }
            for (key, entry) in m.failed {
                if self.manifest.failed.get(&key).is_some_and(|e| e.run == entry.run) {
                    continue;
                }
                let files = entry.rejects_file.iter().map(|rel| (part.join(rel), rel.clone())).collect();
                summary.failed += 1;
                commits.push(Commit { key, files, outcome: Outcome::Failed(entry) });
            }
        }
        if !commits.is_empty() {
            self.commit_all(commits)?;
        }
        for part in parts {
            if part.exists() {
                fs::remove_dir_all(part).with_context(|| format!("cannot remove {}", part.display()))?;
            }
        }
        Ok(summary)
    }

    fn publish(&mut self, journal: Journal) -> Result<()> {
        let meta = self.root.join(META_DIR);
        write_atomically(&meta.join("journal.json"), &serde_json::to_vec(&journal)?)?;
        failpoint("after-journal");
        apply(&self.root, &journal)?;
        self.manifest = journal.manifest;
        Ok(())
    }
}

/// Carries out a journal; every step can be repeated, so a journal can be applied again after a kill.
fn apply(root: &Path, j: &Journal) -> Result<()> {
    for (i, (staged, rel)) in j.moves.iter().enumerate() {
        let dest = root.join(rel);
        if staged.exists() {
            if let Some(parent) = dest.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::rename(staged, &dest)
                .with_context(|| format!("cannot move {} to {}", staged.display(), dest.display()))?;
        }
        if i == 0 {
            failpoint("after-first-move");
        }
    }
    for rel in &j.deletes {
        let path = root.join(rel);
        match fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e).with_context(|| format!("cannot delete {}", path.display()));
            }
            _ => {}
        }
        // Drop partition directories this left empty (remove_dir fails harmlessly otherwise).
        let mut dir = path.parent();
        while let Some(d) = dir.filter(|d| *d != root) {
            if fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
    }
    let meta = root.join(META_DIR);
    write_atomically(&meta.join("manifest.json"), &serde_json::to_vec_pretty(&j.manifest)?)?;
    fs::remove_file(meta.join("journal.json"))
        .or_else(|e| if e.kind() == std::io::ErrorKind::NotFound { Ok(()) } else { Err(e) })?;
    Ok(())
}

/// Writes `bytes` to a temporary name beside `path`, syncs it, and renames it over `path`.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    {
        let mut f = File::create(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path).with_context(|| format!("cannot rename {} to {}", tmp.display(), path.display()))?;
    if let Some(dir) = path.parent() {
        File::open(dir).and_then(|d| d.sync_all()).ok();
    }
    Ok(())
}

fn has_visible_entries(root: &Path) -> Result<bool> {
    Ok(fs::read_dir(root)?.filter_map(|e| e.ok()).any(|e| e.file_name() != META_DIR))
}

/// Test hook: `SCANLAKE_FAILPOINT=NAME` aborts the process at that point of a commit, as a kill would.
fn failpoint(name: &str) {
    if std::env::var("SCANLAKE_FAILPOINT").is_ok_and(|v| v == name) {
        eprintln!("scanlake: failpoint {name}: aborting");
        std::process::abort();
    }
}
