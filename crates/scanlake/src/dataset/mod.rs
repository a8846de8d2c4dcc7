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

pub mod integrity;
pub mod lock;
pub mod manifest;
pub mod partition;
pub mod paths;
pub mod read;
pub mod rejects;
pub mod scrub;
pub mod view;
pub mod writer;

use anyhow::{Context, Result, bail};
use lock::LockWait;
use manifest::{FailedEntry, InputEntry, Manifest};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

pub use partition::{ScanDate, escape_value, tld_of, unescape_value};

pub(crate) const META_DIR: &str = "_scanlake";
pub const REJECTS_DIR: &str = "_rejects";
const JOURNAL: &str = "journal.json";
const MANIFEST: &str = "manifest.json";
/// Parts being absorbed: moved here first, so that the journal names only paths in the dataset.
const INBOX: &str = "inbox";

/// A dataset opened for writing: holds the writer lock until dropped.
pub struct Dataset {
    root: PathBuf,
    manifest: Manifest,
    _lock: File,
}

/// What one input's conversion adds to, or replaces in, the dataset.
pub struct Commit {
    pub key: String,
    /// (staged file inside the dataset, final path relative to the root).
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

/// A commit in progress: every path relative to the dataset root, so that any writer, from any
/// working directory, can finish or undo it.
#[derive(Serialize, Deserialize)]
struct Journal {
    /// (staged, final).
    moves: Vec<(String, String)>,
    /// The manifest once the moves are done; the files it replaced are in its `retired` list.
    manifest: Manifest,
}

impl Dataset {
    /// Opens (creating if needed) the dataset at `root`, waiting for other writers, finishing an
    /// interrupted commit and clearing abandoned staging files.
    pub fn open_for_write(root: &Path, tld_depth: usize) -> Result<Dataset> {
        Dataset::open_with(root, tld_depth, LockWait::default())
    }

    /// [`Dataset::open_for_write`], waiting for the writer lock as `wait` says. An interrupted
    /// commit that cannot be finished is undone, and `wait.notice` is told why.
    pub fn open_with(root: &Path, tld_depth: usize, wait: LockWait<'_>) -> Result<Dataset> {
        let meta = root.join(META_DIR);
        fs::create_dir_all(&meta).with_context(|| format!("cannot create dataset directory {}", root.display()))?;
        let lock = lock::lock_writer(&meta, wait)?;
        let journal = meta.join(JOURNAL);
        if journal.exists() {
            let replayed = fs::read(&journal)
                .context("cannot read it")
                .and_then(|b| serde_json::from_slice::<Journal>(&b).context("it is not a journal"))
                .and_then(|j| apply(root, &j));
            if let Err(e) = replayed {
                fs::remove_file(&journal).with_context(|| format!("cannot remove {}", journal.display()))?;
                (wait.notice)(&format!(
                    "an interrupted commit ({}) could not be finished and was undone: {e:#}; its input was not published",
                    journal.display()
                ));
            }
        }
        let staging = meta.join("staging");
        if staging.exists() {
            fs::remove_dir_all(&staging).with_context(|| format!("cannot clear {}", staging.display()))?;
        }
        remove_temporaries(&meta);
        let manifest_path = meta.join(MANIFEST);
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
                "dataset {} is partitioned with tld depth {}, not {tld_depth}; give `tld_depth` {} or use a new dataset",
                root.display(),
                manifest.tld_depth,
                manifest.tld_depth
            );
        }
        let mut ds = Dataset { root: root.to_path_buf(), manifest, _lock: lock };
        match sweep(root, &ds.manifest) {
            Ok(Some(m)) => ds.manifest = m,
            Ok(None) => {}
            Err(e) => (wait.notice)(&format!("replaced files were not deleted: {e:#}")),
        }
        Ok(ds)
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
        let mut replaced: Vec<String> = Vec::new();
        let mut moves = Vec::new();
        for commit in commits {
            let key = commit.key;
            // The input's old rejects go whatever happens; its old data and summary only when new
            // data replaces them (a failed conversion keeps what an earlier good one published).
            replaced.extend(manifest.failed.remove(&key).and_then(|f| f.rejects_file));
            replaced.extend(manifest.inputs.get_mut(&key).and_then(|e| e.rejects_file.take()));
            match commit.outcome {
                Outcome::Converted(entry) => {
                    let old = manifest.inputs.insert(key, entry);
                    replaced.extend(old.into_iter().flat_map(|old| old.files.into_iter().chain(old.summary)))
                }
                Outcome::Failed(entry) => {
                    manifest.failed.insert(key, entry);
                }
            }
            for (staged, rel) in commit.files {
                let staged = staged.strip_prefix(&self.root).ok().and_then(|p| p.to_str()).with_context(|| {
                    format!("staged file {} is not inside the dataset {}", staged.display(), self.root.display())
                })?;
                moves.push((staged.to_string(), rel));
            }
        }
        // Replaced files stay until no reader can be using them; a file published again stays.
        let published: HashSet<String> = manifest.published().into_iter().map(str::to_string).collect();
        manifest.retired.extend(replaced);
        manifest.retired.retain(|r| !published.contains(r));
        manifest.retired.sort();
        manifest.retired.dedup();
        sync_files(&self.root, moves.iter().map(|(staged, _)| self.root.join(staged)))?;
        let journal = Journal { moves, manifest };
        let meta = self.root.join(META_DIR);
        write_atomically(&meta.join(JOURNAL), &serde_json::to_vec(&journal)?)?;
        failpoint("after-journal");
        match apply(&self.root, &journal) {
            Ok(now) => self.manifest = now,
            Err(e) => {
                fs::remove_file(meta.join(JOURNAL)).ok();
                return Err(e);
            }
        }
        Ok(())
    }

    /// Moves everything other datasets hold into this one, in one commit, and deletes them: how
    /// the parts that batch tasks converted side by side become one dataset. They must be on the
    /// same file system. Each part is first moved into `_scanlake/inbox/`, so that the commit names
    /// only paths inside the dataset; absorbing again after a kill publishes nothing twice.
    pub fn absorb(&mut self, parts: &[PathBuf]) -> Result<AbsorbSummary> {
        let inbox = self.root.join(META_DIR).join(INBOX);
        fs::create_dir_all(&inbox).with_context(|| format!("cannot create {}", inbox.display()))?;
        let mut names = Vec::new();
        for part in parts {
            let id = std::path::absolute(part)?;
            let name = format!("{:016x}", xxhash_rust::xxh3::xxh3_64(id.as_os_str().as_encoded_bytes()));
            let moved = inbox.join(&name);
            if part.exists() {
                // An inbox copy left by an earlier, interrupted absorb is stale: the part was made again.
                if moved.exists() {
                    fs::remove_dir_all(&moved).with_context(|| format!("cannot clear {}", moved.display()))?;
                }
                fs::rename(part, &moved).with_context(|| {
                    format!(
                        "cannot move {} into {} (a part must be on the dataset's file system)",
                        part.display(),
                        moved.display()
                    )
                })?;
            }
            if moved.join(META_DIR).join(MANIFEST).exists() {
                names.push(name);
            }
        }
        let mut commits = Vec::new();
        let mut summary = AbsorbSummary::default();
        for name in &names {
            let part = inbox.join(name);
            let m = Manifest::load(&part.join(META_DIR).join(MANIFEST))?;
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
                let files = entry
                    .files
                    .iter()
                    .chain(&entry.rejects_file)
                    .chain(&entry.summary)
                    .map(|rel| (part.join(rel), rel.clone()))
                    .collect();
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
        for name in &names {
            let part = inbox.join(name);
            fs::remove_dir_all(&part).with_context(|| format!("cannot remove {}", part.display()))?;
        }
        Ok(summary)
    }
}

/// Deletes the files `m` retired, if no reader holds the dataset (else leaves them for a later
/// writer), and writes the manifest without them. Never deletes a file `m` publishes. Returns the
/// manifest now on disk when it swept.
fn sweep(root: &Path, m: &Manifest) -> Result<Option<Manifest>> {
    if m.retired.is_empty() {
        return Ok(None);
    }
    let meta = root.join(META_DIR);
    lock::without_readers(&meta, || {
        let mut m = m.clone();
        let retired = std::mem::take(&mut m.retired);
        let published = m.published();
        let mut resolver = paths::Resolver::new(root);
        for rel in retired.iter().filter(|r| !published.contains(r.as_str())) {
            remove_published_file(root, &resolver.resolve(rel)?)?;
        }
        write_atomically(&meta.join(MANIFEST), &serde_json::to_vec_pretty(&m)?)?;
        Ok(m)
    })?
    .transpose()
}

/// Deletes a published file (resolved with [`paths::Resolver`]) and the partition directories
/// this leaves empty.
fn remove_published_file(root: &Path, path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(e).with_context(|| format!("cannot delete {}", path.display()));
        }
        _ => {}
    }
    // remove_dir fails harmlessly on a directory that is not empty.
    let mut dir = path.parent();
    while let Some(d) = dir.filter(|d| *d != root) {
        if fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
    Ok(())
}

/// Carries out a journal: the moves, then the manifest, then (when no reader holds the dataset)
/// the deletion of what it retired. Every step can be repeated, so a journal can be applied again
/// after a kill. Until the manifest is written a failure undoes the moves done so far, so the
/// dataset is left as it was; the caller then drops the journal. Returns the manifest now on disk.
fn apply(root: &Path, j: &Journal) -> Result<Manifest> {
    let meta = root.join(META_DIR);
    let mut done: Vec<(PathBuf, PathBuf)> = Vec::new();
    let moved = (|| {
        j.manifest.check_paths()?;
        let mut resolver = paths::Resolver::new(root);
        for (i, (staged, rel)) in j.moves.iter().enumerate() {
            let (from, to) = (resolver.resolve(staged)?, resolver.resolve(rel)?);
            if from.symlink_metadata().is_ok() {
                if let Some(parent) = to.parent() {
                    fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
                }
                fs::rename(&from, &to)
                    .with_context(|| format!("cannot move {} to {}", from.display(), to.display()))?;
                done.push((from, to));
            } else if to.symlink_metadata().is_err() {
                bail!("{} is missing: neither staged nor published", to.display());
            }
            if i == 0 {
                failpoint("after-first-move");
            }
        }
        write_atomically(&meta.join(MANIFEST), &serde_json::to_vec_pretty(&j.manifest)?)
    })();
    if let Err(e) = moved {
        for (from, to) in done.iter().rev() {
            fs::rename(to, from).ok();
        }
        return Err(e.context("the commit was undone; the dataset is as it was before it"));
    }
    // The commit stands whatever happens now; files not deleted are left to a later writer.
    let now = sweep(root, &j.manifest).ok().flatten().unwrap_or_else(|| j.manifest.clone());
    fs::remove_file(meta.join(JOURNAL))
        .or_else(|e| if e.kind() == std::io::ErrorKind::NotFound { Ok(()) } else { Err(e) })?;
    Ok(now)
}

/// Makes the files a commit is about to publish durable before the journal names them. On Linux one
/// syncfs(2) of the dataset's file system does it for all of them: an fsync per file cost more than
/// writing the files when an input spreads over thousands of partitions. Elsewhere, or where
/// syncfs fails, each file is synced.
fn sync_files(root: &Path, files: impl Iterator<Item = PathBuf>) -> Result<()> {
    #[cfg(target_os = "linux")]
    if File::open(root).is_ok_and(|dir| rustix::fs::syncfs(&dir).is_ok()) {
        return Ok(());
    }
    #[cfg(not(target_os = "linux"))]
    let _ = root;
    for file in files {
        File::open(&file).and_then(|f| f.sync_all()).with_context(|| format!("cannot sync {}", file.display()))?;
    }
    Ok(())
}

/// Removes `*.tmp-PID` files that a writer killed mid-write left in the metadata directory.
fn remove_temporaries(meta: &Path) {
    for e in fs::read_dir(meta).into_iter().flatten().flatten() {
        if e.file_name().to_string_lossy().contains(".tmp-") {
            fs::remove_file(e.path()).ok();
        }
    }
}

/// Writes `bytes` to a temporary name beside `path`, syncs it, and renames it over `path`.
/// Leaves no temporary file behind when it fails.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically_with(path, |f| Ok(f.write_all(bytes)?))
}

/// [`write_atomically`], with the contents written by `write` as they come (a streamed export).
pub fn write_atomically_with(path: &Path, write: impl FnOnce(&mut File) -> Result<()>) -> Result<()> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let written = (|| {
        let mut f = File::create(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
        write(&mut f).with_context(|| format!("cannot write {}", tmp.display()))?;
        f.sync_all().with_context(|| format!("cannot write {}", tmp.display()))?;
        fs::rename(&tmp, path).with_context(|| format!("cannot rename {} to {}", tmp.display(), path.display()))
    })();
    if written.is_err() {
        fs::remove_file(&tmp).ok();
    }
    written?;
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
