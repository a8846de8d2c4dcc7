//! Reading a dataset back: the files its manifest lists, and their columns.

use super::manifest::Manifest;
use anyhow::{Context, Result, bail};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::fs::File;
use std::path::{Path, PathBuf};

/// The manifest of a dataset, with a clear error when `root` is not one.
pub fn manifest(root: &Path) -> Result<Manifest> {
    let path = root.join("_scanlake").join("manifest.json");
    if !path.exists() {
        bail!(
            "{} is not a scanlake dataset (no _scanlake/manifest.json)\nhint: convert a scan into a new directory, or give the dataset's own directory",
            root.display()
        );
    }
    Manifest::load(&path)
}

/// Every published data file, in a stable order.
pub fn data_files(root: &Path) -> Result<Vec<PathBuf>> {
    let m = manifest(root)?;
    let mut files = Vec::new();
    let mut resolver = super::paths::Resolver::new(root);
    for e in m.inputs.values() {
        for f in &e.files {
            files.push(resolver.resolve(f)?);
        }
    }
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

/// Every row of the dataset as one line of text (`acq`, `tld`, then each column as `name=value`,
/// columns by name, times as integer microseconds), sorted: two datasets hold the same data exactly
/// when these are equal, however their rows are spread over files.
pub fn canonical_rows(root: &Path) -> Result<Vec<String>> {
    use arrow::util::display::{ArrayFormatter, FormatOptions};
    let mut rows = Vec::new();
    for file in data_files(root)? {
        let rel = file.strip_prefix(root).unwrap_or(&file).to_string_lossy().into_owned();
        let partition = rel.rsplit_once('/').map_or(rel.as_str(), |(dir, _)| dir).to_string();
        for batch in read_file(&file, &[])? {
            let schema = batch.schema();
            let mut order: Vec<usize> = (0..batch.num_columns()).collect();
            order.sort_by_key(|&i| schema.field(i).name().clone());
            let opts = FormatOptions::default().with_null("∅");
            // Times as integers: exact, and no time zone database needed.
            let columns = order
                .iter()
                .map(|&i| match batch.column(i).data_type() {
                    arrow::datatypes::DataType::Timestamp(..) => {
                        arrow::compute::cast(batch.column(i), &arrow::datatypes::DataType::Int64)
                    }
                    _ => Ok(batch.column(i).clone()),
                })
                .collect::<Result<Vec<_>, _>>()?;
            let formatters =
                columns.iter().map(|c| ArrayFormatter::try_new(c.as_ref(), &opts)).collect::<Result<Vec<_>, _>>()?;
            for r in 0..batch.num_rows() {
                let mut line = partition.clone();
                for (f, &i) in formatters.iter().zip(&order) {
                    line.push_str(&format!("\t{}={}", schema.field(i).name(), f.value(r)));
                }
                rows.push(line);
            }
        }
    }
    rows.sort();
    Ok(rows)
}
