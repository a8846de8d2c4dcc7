//! Reading a dataset back: the files its manifest lists, and their columns.

use super::manifest::Manifest;
use anyhow::{Context, Result, bail};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use rayon::prelude::*;
use std::fs::File;
use std::path::{Path, PathBuf};

/// The manifest of a dataset, with a clear error when `root` is not one.
pub fn manifest(root: &Path) -> Result<Manifest> {
    let path = root.join("_scanlake").join("manifest.json");
    if !path.exists() {
        bail!("{} is not a scanlake dataset (no _scanlake/manifest.json)\nhint: create one with `scanlake convert INPUT -o {}`", root.display(), root.display());
    }
    Manifest::load(&path)
}

/// Every published data file, in a stable order.
pub fn data_files(root: &Path) -> Result<Vec<PathBuf>> {
    let m = manifest(root)?;
    let mut files: Vec<PathBuf> = m.inputs.values().flat_map(|e| e.files.iter().map(|f| root.join(f))).collect();
    files.sort();
    Ok(files)
}

/// Reads `columns` (all when empty) of one Parquet file.
pub fn read_file(path: &Path, columns: &[&str]) -> Result<Vec<RecordBatch>> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)?.with_batch_size(64 * 1024);
    let builder = if columns.is_empty() {
        builder
    } else {
        let mask = ProjectionMask::columns(builder.parquet_schema(), columns.iter().copied());
        builder.with_projection(mask)
    };
    builder.build()?.map(|b| b.map_err(Into::into)).collect()
}

/// Folds every data file of the dataset in parallel: `fold` per file, `merge` across files.
pub fn fold_files<T: Send>(
    root: &Path,
    columns: &[&str],
    init: impl Fn() -> T + Sync + Send,
    fold: impl Fn(&mut T, &RecordBatch) + Sync + Send,
    merge: impl Fn(T, T) -> T + Sync + Send,
) -> Result<T> {
    data_files(root)?
        .par_iter()
        .map(|f| {
            let mut acc = init();
            for batch in read_file(f, columns)? {
                fold(&mut acc, &batch);
            }
            Ok(acc)
        })
        .try_reduce(&init, |a, b| Ok(merge(a, b)))
}
