//! Helpers shared by the integration tests.
#![allow(dead_code)]

use scanlake::convert::{ConvertOptions, ConvertSummary, NoProgress, convert};
use std::path::{Path, PathBuf};

/// Small chunks and several threads, so that even tiny inputs cross chunk boundaries.
pub fn small_chunk_options() -> ConvertOptions {
    ConvertOptions { threads: 3, chunk_bytes: 512, ..ConvertOptions::default() }
}

pub fn convert_files(inputs: &[PathBuf], dataset: &Path, opts: &ConvertOptions) -> ConvertSummary {
    let s = convert(inputs, dataset, opts, &NoProgress).expect("convert");
    assert_eq!(s.rows + s.rejects + s.skipped, s.lines, "counts must add up: {s:?}");
    s
}

/// Every `.parquet` file under the dataset's partition directories (what a glob reader sees).
pub fn visible_data_files(dataset: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(acqs) = std::fs::read_dir(dataset) else { return out };
    for acq in acqs.filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().starts_with("acq=")) {
        for tld in std::fs::read_dir(acq.path()).unwrap().filter_map(|e| e.ok()) {
            for f in std::fs::read_dir(tld.path()).unwrap().filter_map(|e| e.ok()) {
                let p = f.path();
                if p.extension().is_some_and(|e| e == "parquet") {
                    out.push(p.strip_prefix(dataset).unwrap().to_string_lossy().into_owned());
                }
            }
        }
    }
    out.sort();
    out
}
