//! Writes buffered record batches as one Parquet file sorted by path.

use anyhow::{Context, Result};
use arrow::array::{Array, ArrayRef, AsArray, new_null_array};
use arrow::compute::interleave;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
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
const _: () = assert!(ROW_GROUP_ROWS.is_multiple_of(SORT_SLICE_ROWS));
/// Rows interleaved into sorted order at a time (bounds the extra memory of sorting).
const SORT_SLICE_ROWS: usize = 64 * 1024;

/// Files with fewer rows than this are written with only `path` compressed. A reader and a
/// writer create a zstd context for each compressed column chunk (and on a virtual machine each
/// creation traps to the hypervisor): with many small partitions that cost more than the files'
/// contents, while their size is mostly footer (measured in docs/performance.md).
pub const SMALL_FILE_ROWS: usize = 4096;

/// Parquet writer settings of a data file of `rows` rows, built once per process.
fn data_properties(rows: usize) -> WriterProperties {
    static LARGE: std::sync::LazyLock<WriterProperties> = std::sync::LazyLock::new(|| build_properties(false));
    static SMALL: std::sync::LazyLock<WriterProperties> = std::sync::LazyLock::new(|| build_properties(true));
    if rows < SMALL_FILE_ROWS { SMALL.clone() } else { LARGE.clone() }
}

/// Measured on generated scans (see `bench/`): zstd level 1 is as small as level 3 here and faster.
fn build_properties(small: bool) -> WriterProperties {
    let zstd = Compression::ZSTD(ZstdLevel::try_new(1).expect("valid zstd level"));
    let mut b = WriterProperties::builder()
        .set_compression(if small { Compression::UNCOMPRESSED } else { zstd })
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        // A small file has one page per column: a page index would repeat its chunk's statistics.
        .set_statistics_enabled(if small { EnabledStatistics::Chunk } else { EnabledStatistics::Page })
        .set_created_by(format!("scanlake {}", env!("CARGO_PKG_VERSION")))
        .set_key_value_metadata(Some(vec![KeyValue::new(
            "scanlake.format_version".to_string(),
            super::manifest::FORMAT_VERSION.to_string(),
        )]));
    // Nearly unique per row: a dictionary only costs time before the writer falls back to plain.
    for col in ["inode", "gen", "path", "path_bytes", "size", "access", "create", "modify", "change"] {
        b = b.set_column_dictionary_enabled(ColumnPath::from(col), false);
    }
    // Few distinct values: dictionary and run-length encoding leave little for zstd, and an
    // uncompressed column chunk needs no codec, whose contexts a reader creates per chunk (with
    // small files, a quarter of a report's time went into creating them).
    for col in ["kind", "uid", "gid", "nlink", "snapshot", "pool", "fileset", "mode", "misc"] {
        b = b.set_column_compression(ColumnPath::from(col), Compression::UNCOMPRESSED);
    }
    // Sorted paths share long prefixes; times of one directory's files differ little from row to
    // row, and so do their inode numbers (allocated together). Delta-packed numbers leave nothing
    // for zstd (measured: the same bytes), so they are stored without it and decode without a
    // codec: `inode` is read by every report that counts hard links once.
    b = b.set_column_encoding(ColumnPath::from("path"), Encoding::DELTA_BYTE_ARRAY);
    b = b.set_column_compression(ColumnPath::from("path"), zstd);
    // Nulls but for possible hard links, each value unique: nothing to gain from either.
    b = b.set_column_dictionary_enabled(ColumnPath::from(LINK_COLUMN), false);
    b = b.set_column_compression(ColumnPath::from(LINK_COLUMN), Compression::UNCOMPRESSED);
    for col in ["inode", "create", "modify", "change"] {
        b = b.set_column_encoding(ColumnPath::from(col), Encoding::DELTA_BINARY_PACKED);
        b = b.set_column_compression(ColumnPath::from(col), Compression::UNCOMPRESSED);
    }
    b.build()
}

/// The footer key under which a data file lists, per row group, how many of its rows may be hard
/// links ([`may_be_link`]): readers that count each linked object once need the identity columns
/// (`inode`, `gen`, `snapshot`) only of row groups where that count is not 0.
pub const LINK_ROWS_KEY: &str = "scanlake.link_rows";

/// Whether a row may be one of several hard links to an object: directories cannot be, and an
/// object with `nlink` 1 is not; anything else (a missing `nlink` included) may be.
pub fn may_be_link(is_dir: bool, nlink: Option<i64>) -> bool {
    !is_dir && nlink != Some(1)
}

/// The column that holds, for each row that may be a hard link, the identity of its object
/// (`inode`, `gen`, `snapshot`: [`LINK_IDENTITY_BYTES`] bytes, little-endian), null for every other
/// row. Counting linked objects once reads this one column, nearly all nulls, instead of four
/// columns of every row (`docs/schema.md`); files written before it have none, and readers use
/// `nlink`, `inode`, `gen` and `snapshot` there.
pub const LINK_COLUMN: &str = "link";
pub const LINK_IDENTITY_BYTES: i32 = 20;

/// A linked object's identity as [`LINK_COLUMN`] stores it.
pub fn link_identity(inode: u64, generation: u32, snapshot: u64) -> [u8; LINK_IDENTITY_BYTES as usize] {
    let mut id = [0u8; LINK_IDENTITY_BYTES as usize];
    id[..8].copy_from_slice(&inode.to_le_bytes());
    id[8..12].copy_from_slice(&generation.to_le_bytes());
    id[12..].copy_from_slice(&snapshot.to_le_bytes());
    id
}

/// (inode, gen, snapshot) from a [`LINK_COLUMN`] value.
pub fn parse_link_identity(id: &[u8]) -> (u64, u32, u64) {
    let u64_at = |at: usize| u64::from_le_bytes(id[at..at + 8].try_into().expect("8 bytes"));
    (u64_at(0), u32::from_le_bytes(id[8..12].try_into().expect("4 bytes")), u64_at(12))
}

/// The [`LINK_COLUMN`] of a batch whose rows `flags` says may be links (missing ids read as 0).
fn link_column(batch: &RecordBatch, flags: &[bool]) -> Result<ArrayRef> {
    use arrow::datatypes::{UInt32Type, UInt64Type};
    let u64s = |name: &str| batch.column_by_name(name).and_then(|a| a.as_primitive_opt::<UInt64Type>());
    let (inode, snapshot) = (u64s("inode"), u64s("snapshot"));
    let generation = batch.column_by_name("gen").and_then(|a| a.as_primitive_opt::<UInt32Type>());
    let value = |a: Option<&arrow::array::PrimitiveArray<UInt64Type>>, r: usize| {
        a.filter(|a| a.is_valid(r)).map_or(0, |a| a.value(r))
    };
    let ids = flags.iter().enumerate().map(|(r, &may_be)| {
        may_be.then(|| {
            let g = generation.filter(|a| a.is_valid(r)).map_or(0, |a| a.value(r));
            link_identity(value(inode, r), g, value(snapshot, r))
        })
    });
    Ok(Arc::new(arrow::array::FixedSizeBinaryArray::try_from_sparse_iter_with_size(ids, LINK_IDENTITY_BYTES)?))
}

/// Rows of each batch that may be hard links.
fn link_flags(batch: &RecordBatch) -> Vec<bool> {
    let kind = batch.column_by_name("kind").and_then(|a| a.as_string_opt::<i32>());
    let nlink = batch.column_by_name("nlink").and_then(|a| a.as_primitive_opt::<arrow::datatypes::Int64Type>());
    (0..batch.num_rows())
        .map(|r| {
            let kind = kind.and_then(|k| k.is_valid(r).then(|| k.value(r)));
            let nlink = nlink.and_then(|n| n.is_valid(r).then(|| n.value(r)));
            may_be_link(kind == Some("dir"), nlink)
        })
        .collect()
}

/// Rows, bytes and checksum of a written file.
#[derive(Debug, Clone, Copy, Default)]
pub struct Written {
    pub rows: u64,
    pub bytes: u64,
    /// xxh3-64 of the file's bytes, taken as they were written.
    pub xxh3: u64,
    /// xxh3-64 of its footer, which lists its column chunks' digests (`dataset::integrity`).
    pub footer_xxh3: u64,
}

/// Counts and hashes (xxh3-64) what passes through to `inner`: the Parquet writer only appends, so
/// writing a file through it gives the file's checksum; copying a file into one over a sink checks it.
pub struct Hashing<W> {
    pub inner: W,
    hasher: xxhash_rust::xxh3::Xxh3,
    pub bytes: u64,
    /// Bytes written since offset `kept_from`, when keeping them (to digest column chunks).
    kept: Option<Vec<u8>>,
    kept_from: u64,
}

impl<W> Hashing<W> {
    pub fn new(inner: W) -> Hashing<W> {
        Hashing { inner, hasher: xxhash_rust::xxh3::Xxh3::new(), bytes: 0, kept: None, kept_from: 0 }
    }

    /// Also keeps what passes, until [`Hashing::forget_before`] drops it.
    fn keeping(inner: W) -> Hashing<W> {
        Hashing { kept: Some(Vec::new()), ..Hashing::new(inner) }
    }

    pub fn digest(&self) -> u64 {
        self.hasher.digest()
    }

    /// The xxh3-64 of the kept bytes at `start..start + len` (none when not all are kept).
    fn digest_of(&self, start: u64, len: u64) -> Option<u64> {
        let kept = self.kept.as_ref()?;
        let from = usize::try_from(start.checked_sub(self.kept_from)?).ok()?;
        kept.get(from..from + len as usize).map(xxhash_rust::xxh3::xxh3_64)
    }

    /// Drops the kept bytes before offset `end`.
    fn forget_before(&mut self, end: u64) {
        if let Some(kept) = &mut self.kept {
            let n = (end.saturating_sub(self.kept_from) as usize).min(kept.len());
            kept.drain(..n);
            self.kept_from += n as u64;
        }
    }
}

impl<W: std::io::Write> std::io::Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        if let Some(kept) = &mut self.kept {
            kept.extend_from_slice(&buf[..n]);
        }
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
pub fn write_sorted(batches: &[RecordBatch], base: &SchemaRef, dest: &Path) -> Result<Written> {
    let extras: BTreeSet<Arc<Field>> = batches
        .iter()
        .flat_map(|b| b.schema().fields().iter().skip(base.fields().len()).cloned().collect::<Vec<_>>())
        .collect();
    let link_field = Arc::new(Field::new(LINK_COLUMN, DataType::FixedSizeBinary(LINK_IDENTITY_BYTES), true));
    let schema: SchemaRef =
        Arc::new(Schema::new(base.fields().iter().cloned().chain(extras).chain([link_field]).collect::<Vec<_>>()));
    let flags: Vec<Vec<bool>> = batches.iter().map(link_flags).collect();
    let columns: Vec<Vec<ArrayRef>> = schema
        .fields()
        .iter()
        .map(|f| {
            batches
                .iter()
                .zip(&flags)
                .map(|(b, flags)| {
                    if f.name() == LINK_COLUMN {
                        return link_column(b, flags);
                    }
                    Ok(b.column_by_name(f.name())
                        .cloned()
                        .unwrap_or_else(|| new_null_array(f.data_type(), b.num_rows())))
                })
                .collect::<Result<Vec<_>>>()
        })
        .collect::<Result<Vec<_>>>()?;

    // Sort (key, batch, row) triples: the comparison reads the key slices directly.
    let mut keyed: Vec<(&[u8], u32, u32)> = Vec::with_capacity(batches.iter().map(RecordBatch::num_rows).sum());
    for (b, batch) in batches.iter().enumerate() {
        keyed.extend(path_keys(batch).enumerate().map(|(r, k)| (k, b as u32, r as u32)));
    }
    keyed.sort_unstable();
    let order: Vec<(usize, usize)> = keyed.iter().map(|&(_, b, r)| (b as usize, r as usize)).collect();
    drop(keyed);
    let mut link_rows = Vec::new();

    let file = File::create(dest).with_context(|| format!("cannot create {}", dest.display()))?;
    let props = data_properties(order.len());
    let mut writer = ArrowWriter::try_new(Hashing::keeping(file), schema.clone(), Some(props))?;
    let mut chunk_digests = Vec::new();
    // Row groups end exactly every ROW_GROUP_ROWS rows (a multiple of the slice), so that each
    // row group's count of possible links is known.
    for (n, slice) in order.chunks(SORT_SLICE_ROWS).enumerate() {
        let first_of_group = (n * SORT_SLICE_ROWS).is_multiple_of(ROW_GROUP_ROWS);
        if first_of_group {
            writer.flush()?;
            digest_flushed_chunks(&mut writer, &mut chunk_digests)?;
            link_rows.push(0u64);
        }
        *link_rows.last_mut().expect("pushed") += slice.iter().filter(|&&(b, r)| flags[b][r]).count() as u64;
        let arrays = columns
            .iter()
            .map(|parts| {
                let refs: Vec<&dyn Array> = parts.iter().map(|a| a.as_ref()).collect();
                interleave(&refs, slice)
            })
            .collect::<Result<Vec<_>, _>>()?;
        writer.write(&RecordBatch::try_new(schema.clone(), arrays)?)?;
    }
    let link_rows: Vec<String> = link_rows.iter().map(u64::to_string).collect();
    writer.append_key_value_metadata(KeyValue::new(LINK_ROWS_KEY.to_string(), link_rows.join(",")));
    writer.flush()?;
    digest_flushed_chunks(&mut writer, &mut chunk_digests)?;
    writer.append_key_value_metadata(KeyValue::new(
        super::integrity::CHUNK_DIGESTS_KEY.to_string(),
        super::integrity::encode(&chunk_digests),
    ));
    let mut hashing = writer.into_inner()?;
    // Made durable by the commit that publishes it (see `Dataset::commit_all`).
    std::io::Write::flush(&mut hashing)?;
    let kept = hashing.kept.as_deref().expect("kept");
    let footer_xxh3 = super::integrity::footer_digest(kept)?;
    Ok(Written { rows: order.len() as u64, bytes: hashing.bytes, xxh3: hashing.digest(), footer_xxh3 })
}

/// Digests the column chunks of the row groups flushed since the last call, from the bytes the
/// writer kept (it writes a row group's chunks whole, one after another), and forgets those bytes.
fn digest_flushed_chunks(writer: &mut ArrowWriter<Hashing<File>>, digests: &mut Vec<Vec<u64>>) -> Result<()> {
    writer.sync()?;
    while digests.len() < writer.flushed_row_groups().len() {
        let ranges: Vec<(u64, u64)> =
            writer.flushed_row_groups()[digests.len()].columns().iter().map(|c| c.byte_range()).collect();
        let hashing = writer.inner_mut();
        let group = ranges
            .iter()
            .map(|&(start, len)| hashing.digest_of(start, len))
            .collect::<Option<Vec<u64>>>()
            .context("a column chunk was not kept for its digest")?;
        hashing.forget_before(ranges.iter().map(|&(s, l)| s + l).max().unwrap_or(0));
        digests.push(group);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{BinaryArray, Int64Array, StringArray};
    use parquet::file::reader::{FileReader, SerializedFileReader};

    /// A batch of `rows` rows: every `every`-th (none for 0) a file with nlink 2, the others directories
    /// (nlink 2, never links) and files with nlink 1.
    fn batch(rows: usize, every: usize) -> RecordBatch {
        let path: StringArray = (0..rows).map(|i| Some(format!("/fs/d/{i:08}"))).collect();
        let raw: BinaryArray = (0..rows).map(|_| None::<&[u8]>).collect();
        let kind: StringArray = (0..rows).map(|i| Some(if i % 3 == 0 { "dir" } else { "file" })).collect();
        let nlink: Int64Array =
            (0..rows).map(|i| Some(if i % 3 == 0 || (every != 0 && i % every == 1) { 2 } else { 1 })).collect();
        RecordBatch::try_from_iter([
            ("path", Arc::new(path) as ArrayRef),
            ("path_bytes", Arc::new(raw) as ArrayRef),
            ("kind", Arc::new(kind) as ArrayRef),
            ("nlink", Arc::new(nlink) as ArrayRef),
        ])
        .unwrap()
    }

    fn link_rows_of(path: &Path) -> (usize, Option<String>) {
        let reader = SerializedFileReader::new(File::open(path).unwrap()).unwrap();
        let meta = reader.metadata();
        let value = meta
            .file_metadata()
            .key_value_metadata()
            .and_then(|kv| kv.iter().find(|kv| kv.key == LINK_ROWS_KEY))
            .and_then(|kv| kv.value.clone());
        (meta.num_row_groups(), value)
    }

    #[test]
    fn small_files_compress_only_their_paths() {
        use parquet::basic::Compression;
        let dir = tempfile::tempdir().unwrap();
        let codecs = |rows: usize| {
            let b = batch(rows, 7);
            let file = dir.path().join(format!("{rows}.parquet"));
            write_sorted(std::slice::from_ref(&b), &b.schema(), &file).unwrap();
            let reader = SerializedFileReader::new(File::open(&file).unwrap()).unwrap();
            let rg = reader.metadata().row_group(0).clone();
            let codec =
                |name: &str| rg.columns().iter().find(|c| c.column_path().string() == name).unwrap().compression();
            (codec("path"), codec("path_bytes"), codec("kind"))
        };
        let zstd = |c: Compression| matches!(c, Compression::ZSTD(_));
        let (path, raw, kind) = codecs(SMALL_FILE_ROWS - 1);
        assert!(zstd(path), "{path:?}");
        assert_eq!((raw, kind), (Compression::UNCOMPRESSED, Compression::UNCOMPRESSED));
        let (path, raw, kind) = codecs(SMALL_FILE_ROWS);
        assert!(zstd(path) && zstd(raw), "{path:?} {raw:?}");
        assert_eq!(kind, Compression::UNCOMPRESSED, "low-cardinality columns are never compressed");
    }

    #[test]
    fn the_link_column_holds_the_identity_of_possible_links_only() {
        use arrow::array::{FixedSizeBinaryArray, UInt32Array, UInt64Array};
        let dir = tempfile::tempdir().unwrap();
        let base = batch(300, 7);
        let n = base.num_rows();
        let schema = base.schema();
        let mut columns: Vec<(&str, ArrayRef)> =
            schema.fields().iter().map(|f| f.name().as_str()).zip(base.columns().iter().cloned()).collect();
        columns.push(("inode", Arc::new(UInt64Array::from_iter_values((0..n as u64).map(|i| i + 1 + (1 << 40))))));
        columns.push(("gen", Arc::new(UInt32Array::from_iter_values((0..n as u32).map(|i| i * 3)))));
        columns.push(("snapshot", Arc::new(UInt64Array::from_iter_values((0..n as u64).map(|i| i % 2)))));
        let b = RecordBatch::try_from_iter(columns).unwrap();
        let file = dir.path().join("l.parquet");
        write_sorted(std::slice::from_ref(&b), &b.schema(), &file).unwrap();
        let read = crate::dataset::read::read_file(&file, &[]).unwrap();
        let read = arrow::compute::concat_batches(&read[0].schema(), &read).unwrap();
        let col = |name: &str| read.column_by_name(name).unwrap().clone();
        let link = col(LINK_COLUMN);
        let link = link.as_any().downcast_ref::<FixedSizeBinaryArray>().unwrap();
        let (kind, nlink) = (col("kind"), col("nlink"));
        let (inode, generation, snapshot) = (col("inode"), col("gen"), col("snapshot"));
        let mut links = 0;
        for r in 0..read.num_rows() {
            let may_be = may_be_link(
                kind.as_string::<i32>().value(r) == "dir",
                Some(nlink.as_primitive::<arrow::datatypes::Int64Type>().value(r)),
            );
            assert_eq!(link.is_valid(r), may_be, "row {r}");
            if may_be {
                links += 1;
                let expected = (
                    inode.as_primitive::<arrow::datatypes::UInt64Type>().value(r),
                    generation.as_primitive::<arrow::datatypes::UInt32Type>().value(r),
                    snapshot.as_primitive::<arrow::datatypes::UInt64Type>().value(r),
                );
                assert_eq!(parse_link_identity(link.value(r)), expected);
            }
        }
        assert!(links > 0 && links < read.num_rows(), "{links}");
    }

    #[test]
    fn any_range_of_a_file_is_read_checked_across_its_column_chunks() {
        use crate::dataset::integrity;
        use crate::dataset::manifest::FileSum;
        use parquet::file::reader::ChunkReader;
        let dir = tempfile::tempdir().unwrap();
        let b = batch(5000, 7);
        let file = dir.path().join("a.parquet");
        let w = write_sorted(std::slice::from_ref(&b), &b.schema(), &file).unwrap();
        let sum = FileSum { bytes: w.bytes, xxh3: w.xxh3, footer_xxh3: Some(w.footer_xxh3) };
        let disk = std::fs::read(&file).unwrap();
        let opened = integrity::open(&file, Some(&sum)).unwrap();
        let meta = opened.metadata.clone();
        let (kind_start, kind_len) =
            meta.row_group(0).columns().iter().find(|c| c.column_path().string() == "kind").unwrap().byte_range();
        // From the magic at the start, across every chunk, to the middle of the footer.
        let whole = 0..disk.len() as u64 - 20;
        assert_eq!(opened.source().unwrap().read_range(whole.clone()).unwrap(), disk[..disk.len() - 20]);
        assert_eq!(
            opened.source().unwrap().get_bytes(kind_start + 3, 5).unwrap(),
            disk[kind_start as usize + 3..][..5]
        );
        // Garbage in the kind chunk: a range over it fails, naming the column; one beside it reads.
        let mut damaged = disk.clone();
        damaged[(kind_start + kind_len / 2) as usize] ^= 0xff;
        std::fs::write(&file, &damaged).unwrap();
        let source = opened.source().unwrap();
        let e = source.read_range(whole).unwrap_err().to_string();
        assert!(e.contains("column 'kind'"), "{e}");
        assert!(source.read_range(0..kind_start).is_ok());
    }

    #[test]
    fn each_row_group_records_how_many_rows_may_be_links() {
        let dir = tempfile::tempdir().unwrap();
        let rows = ROW_GROUP_ROWS + 1000;
        let b = batch(rows, 1000);
        let expected =
            |range: std::ops::Range<usize>| range.filter(|&i| i % 3 != 0 && i % 1000 == 1).count().to_string();
        let file = dir.path().join("a.parquet");
        write_sorted(std::slice::from_ref(&b), &b.schema(), &file).unwrap();
        let (groups, value) = link_rows_of(&file);
        assert_eq!(groups, 2);
        assert_eq!(value.unwrap(), format!("{},{}", expected(0..ROW_GROUP_ROWS), expected(ROW_GROUP_ROWS..rows)));

        let none = batch(100, 0);
        let file = dir.path().join("b.parquet");
        write_sorted(std::slice::from_ref(&none), &none.schema(), &file).unwrap();
        assert_eq!(link_rows_of(&file), (1, Some("0".to_string())), "directories are never links");
    }
}
