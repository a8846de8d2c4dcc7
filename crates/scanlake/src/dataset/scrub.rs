//! `scanlake verify`: a scrub of the whole dataset. Every file the manifest publishes is read
//! back: data files and usage summaries against the size and xxh3-64 the manifest records
//! (the check every report makes of the files it reads), rejects files (which carry no
//! checksum) and the data files of datasets written before checksums by opening their Parquet
//! footer. What is wrong is listed, never fixed: the hint says how.

use super::integrity::verify_file;
use super::view::DatasetView;
use crate::progress::{Progress, Unit, check};
use anyhow::Result;
use rayon::prelude::*;
use serde::Serialize;
use std::path::Path;

/// What a scrub found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Scrub {
    /// Files read back against their checksum.
    pub checked: u64,
    pub checked_bytes: u64,
    /// Files without a checksum whose Parquet footer was read (rejects; data of old datasets).
    pub opened: u64,
    /// Files that failed, each with what is wrong, relative to the dataset root.
    pub damaged: Vec<Damage>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Damage {
    pub file: String,
    pub problem: String,
}

impl Scrub {
    pub fn is_clean(&self) -> bool {
        self.damaged.is_empty()
    }
}

enum Check<'a> {
    Sum(&'a super::manifest::FileSum),
    Footer,
}

/// Reads back every file of the dataset `view` opened (in parallel; the reader's lease keeps
/// writers from retiring files meanwhile).
pub fn scrub(view: &DatasetView, progress: &dyn Progress) -> Result<Scrub> {
    let mut todo: Vec<(&str, Check, u64)> = Vec::new();
    for entry in view.manifest.inputs.values() {
        for rel in entry.files.iter().chain(&entry.summary) {
            let check = entry.checksums.get(rel).map_or(Check::Footer, Check::Sum);
            let size = entry.checksums.get(rel).map_or(0, |s| s.bytes);
            todo.push((rel, check, size));
        }
        todo.extend(entry.rejects_file.iter().map(|r| (r.as_str(), Check::Footer, 0)));
    }
    todo.extend(view.manifest.failed.values().flat_map(|e| &e.rejects_file).map(|r| (r.as_str(), Check::Footer, 0)));
    progress.begin("verify", Some(todo.iter().map(|t| t.2).sum()), Unit::Bytes);
    let results: Vec<(&str, bool, u64, Option<String>)> = todo
        .par_iter()
        .map(|(rel, how, size)| {
            if check(progress).is_err() {
                return (*rel, false, 0, Some("not checked: interrupted".to_string()));
            }
            let path = view.root.join(rel);
            let outcome = match how {
                Check::Sum(sum) => verify_file(&path, sum),
                Check::Footer => footer(&path),
            };
            progress.advance(*size);
            (*rel, matches!(how, Check::Sum(_)), *size, outcome.err().map(|e| format!("{e:#}")))
        })
        .collect();
    progress.finish();
    check(progress)?;
    let mut scrub = Scrub::default();
    for (rel, summed, size, problem) in results {
        match problem {
            Some(problem) => scrub.damaged.push(Damage { file: rel.to_string(), problem }),
            None if summed => {
                scrub.checked += 1;
                scrub.checked_bytes += size;
            }
            None => scrub.opened += 1,
        }
    }
    Ok(scrub)
}

/// A file without a checksum: it opens as Parquet (its footer and schema read).
fn footer(path: &Path) -> Result<()> {
    use anyhow::Context;
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    parquet::file::reader::SerializedFileReader::new(file)
        .with_context(|| format!("{} is not a readable Parquet file", path.display()))?;
    Ok(())
}
