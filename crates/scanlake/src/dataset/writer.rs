//! Writes buffered record batches as one Parquet file sorted by path.

use anyhow::{Context, Result};
use arrow::array::{Array, ArrayRef, AsArray, new_null_array};
use arrow::compute::interleave;
use arrow::datatypes::{Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use std::collections::BTreeSet;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

/// Rows per row group: large enough for fast scans, small enough for pruning by statistics.
pub const ROW_GROUP_ROWS: usize = 512 * 1024;
/// Rows interleaved into sorted order at a time (bounds the extra memory of sorting).
const SORT_SLICE_ROWS: usize = 64 * 1024;

/// Parquet writer settings shared by every data file. Measured on generated scans (see `bench/`):
/// zstd level 1 is as small as level 3 here and faster.
pub fn data_properties() -> WriterProperties {
    let mut b = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(1).expect("valid zstd level")))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_created_by(format!("scanlake {}", env!("CARGO_PKG_VERSION")))
        .set_key_value_metadata(Some(vec![KeyValue::new(
            "scanlake.format_version".to_string(),
            super::manifest::FORMAT_VERSION.to_string(),
        )]));
    // Nearly unique per row: a dictionary only costs time before the writer falls back to plain.
    for col in ["inode", "gen", "path", "path_bytes", "size", "access", "create", "modify", "change"] {
        b = b.set_column_dictionary_enabled(ColumnPath::from(col), false);
    }
    // Sorted paths share long prefixes; times of one directory's files differ little from row to row.
    b = b.set_column_encoding(ColumnPath::from("path"), Encoding::DELTA_BYTE_ARRAY);
    for col in ["create", "modify", "change"] {
        b = b.set_column_encoding(ColumnPath::from(col), Encoding::DELTA_BINARY_PACKED);
    }
    b.build()
}

/// Rows, bytes and checksum of a written file.
#[derive(Debug, Clone, Copy, Default)]
pub struct Written {
    pub rows: u64,
    pub bytes: u64,
    /// xxh3-64 of the file's bytes, taken as they were written.
    pub xxh3: u64,
}

/// Counts and hashes (xxh3-64) what passes through to `inner`: the Parquet writer only appends, so
/// writing a file through it gives the file's checksum; copying a file into one over a sink checks it.
pub struct Hashing<W> {
    pub inner: W,
    hasher: xxhash_rust::xxh3::Xxh3,
    pub bytes: u64,
}

impl<W> Hashing<W> {
    pub fn new(inner: W) -> Hashing<W> {
        Hashing { inner, hasher: xxhash_rust::xxh3::Xxh3::new(), bytes: 0 }
    }

    pub fn digest(&self) -> u64 {
        self.hasher.digest()
    }
}

impl<W: std::io::Write> std::io::Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The sort key of a row: its raw path bytes (`path_bytes` where set, else `path`).
fn path_keys(batch: &RecordBatch) -> impl Iterator<Item = &[u8]> {
    let path = batch.column_by_name("path").expect("path column").as_string::<i32>();
    let raw = batch.column_by_name("path_bytes").expect("path_bytes column").as_binary::<i32>();
    (0..batch.num_rows()).map(|r| if raw.is_valid(r) { raw.value(r) } else { path.value(r).as_bytes() })
}

/// Writes `batches` to `dest` as one Parquet file, rows in path order. Batches may differ in their
/// trailing optional columns; the file has their union (missing values null), extras sorted by name.
pub fn write_sorted(
    batches: &[RecordBatch],
    base: &SchemaRef,
    dest: &Path,
    props: WriterProperties,
) -> Result<Written> {
    let extras: BTreeSet<Arc<Field>> = batches
        .iter()
        .flat_map(|b| b.schema().fields().iter().skip(base.fields().len()).cloned().collect::<Vec<_>>())
        .collect();
    let schema: SchemaRef = Arc::new(Schema::new(base.fields().iter().cloned().chain(extras).collect::<Vec<_>>()));
    let columns: Vec<Vec<ArrayRef>> = schema
        .fields()
        .iter()
        .map(|f| {
            batches
                .iter()
                .map(|b| {
                    b.column_by_name(f.name()).cloned().unwrap_or_else(|| new_null_array(f.data_type(), b.num_rows()))
                })
                .collect()
        })
        .collect();

    // Sort (key, batch, row) triples: the comparison reads the key slices directly.
    let mut keyed: Vec<(&[u8], u32, u32)> = Vec::with_capacity(batches.iter().map(RecordBatch::num_rows).sum());
    for (b, batch) in batches.iter().enumerate() {
        keyed.extend(path_keys(batch).enumerate().map(|(r, k)| (k, b as u32, r as u32)));
    }
    keyed.sort_unstable();
    let order: Vec<(usize, usize)> = keyed.iter().map(|&(_, b, r)| (b as usize, r as usize)).collect();
    drop(keyed);

    let file = File::create(dest).with_context(|| format!("cannot create {}", dest.display()))?;
    let mut writer = ArrowWriter::try_new(Hashing::new(file), schema.clone(), Some(props))?;
    for slice in order.chunks(SORT_SLICE_ROWS) {
        let arrays = columns
            .iter()
            .map(|parts| {
                let refs: Vec<&dyn Array> = parts.iter().map(|a| a.as_ref()).collect();
                interleave(&refs, slice)
            })
            .collect::<Result<Vec<_>, _>>()?;
        writer.write(&RecordBatch::try_new(schema.clone(), arrays)?)?;
    }
    let mut hashing = writer.into_inner()?;
    std::io::Write::flush(&mut hashing)?;
    hashing.inner.sync_all()?;
    Ok(Written { rows: order.len() as u64, bytes: hashing.bytes, xxh3: hashing.digest() })
}
