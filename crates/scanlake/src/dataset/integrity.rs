//! Integrity that costs what a reader reads. A data file's footer lists the xxh3-64 of each of its
//! column chunks (key [`CHUNK_DIGESTS_KEY`]); the manifest holds the xxh3-64 of the footer. A reader
//! checks the footer when it opens the file and each column chunk when it first reads it, so a report
//! that needs four columns reads and hashes those four and nothing else, and damage in a column it
//! does not read is left for `scanlake verify` (a whole-file scrub) to find.
//!
//! Files written before chunk digests (the manifest has no footer digest) are checked whole before
//! they are read, as they always were; files of datasets written before checksums are read unchecked.
//! See `docs/dataset.md`.

use super::manifest::FileSum;
use anyhow::{Context, Result, bail};
use bytes::Bytes;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};
use parquet::file::metadata::{ParquetMetaData, ParquetMetaDataReader};
use parquet::file::reader::{ChunkReader, Length};
use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The footer key under which a data file lists its column chunks' xxh3-64: hexadecimal, columns
/// separated by `,`, row groups by `;`.
pub const CHUNK_DIGESTS_KEY: &str = "scanlake.chunk_xxh3";

/// Parquet's trailer: the footer's length (4 bytes) and the magic `PAR1`.
const TRAILER: usize = 8;

/// How a file is checked as it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checking {
    /// The footer against the manifest, then each column chunk as it is read.
    Chunks,
    /// Written before chunk digests: the whole file against the manifest, before it is read.
    WholeFile,
    /// Written before checksums: nothing to check against.
    None,
}

impl Checking {
    pub fn of(sum: Option<&FileSum>) -> Checking {
        match sum {
            Some(s) if s.footer_xxh3.is_some() => Checking::Chunks,
            Some(_) => Checking::WholeFile,
            None => Checking::None,
        }
    }
}

/// `"1f,a0;…"`: the digests of each row group's column chunks.
pub fn encode(digests: &[Vec<u64>]) -> String {
    digests
        .iter()
        .map(|g| g.iter().map(|d| format!("{d:x}")).collect::<Vec<_>>().join(","))
        .collect::<Vec<_>>()
        .join(";")
}

fn decode(text: &str) -> Option<Vec<Vec<u64>>> {
    if text.is_empty() {
        return Some(Vec::new());
    }
    text.split(';').map(|g| g.split(',').map(|d| u64::from_str_radix(d, 16).ok()).collect()).collect()
}

/// The xxh3-64 of a file's footer (its Thrift metadata and the trailer), from the file's last bytes.
pub fn footer_digest(tail: &[u8]) -> Result<u64> {
    let len = footer_len(tail)?;
    let start = tail.len().checked_sub(len + TRAILER).context("the footer is longer than the bytes given")?;
    Ok(xxhash_rust::xxh3::xxh3_64(&tail[start..]))
}

fn footer_len(tail: &[u8]) -> Result<usize> {
    let trailer = tail.len().checked_sub(TRAILER).map(|s| &tail[s..]).context("shorter than a Parquet trailer")?;
    if &trailer[4..] != b"PAR1" {
        bail!("no Parquet trailer");
    }
    Ok(u32::from_le_bytes(trailer[..4].try_into().expect("4 bytes")) as usize)
}

/// One column chunk and what its bytes must hash to.
#[derive(Debug)]
struct Chunk {
    start: u64,
    len: u64,
    xxh3: u64,
    row_group: usize,
    column: usize,
}

/// A data file opened for checked reading: its footer (checked) and its column chunks' digests.
#[derive(Debug, Clone)]
pub struct Opened {
    pub path: PathBuf,
    pub metadata: Arc<ParquetMetaData>,
    /// Sorted by start; empty when the file is not checked chunk by chunk.
    chunks: Arc<Vec<Chunk>>,
}

/// Opens `path`: with [`Checking::Chunks`] its footer must match `sum`; with
/// [`Checking::WholeFile`] the whole file must (read once, here).
pub fn open(path: &Path, sum: Option<&FileSum>) -> Result<Opened> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let size = file.metadata().with_context(|| format!("cannot read {}", path.display()))?.len();
    let damaged = |what: &str| {
        anyhow::anyhow!(
            "data file {} is damaged or was changed after it was written: {what}\nhint: {HINT}",
            path.display()
        )
    };
    let checking = Checking::of(sum);
    if checking == Checking::WholeFile {
        verify_file(path, sum.expect("a checksum"))?;
    }
    if let Some(sum) = sum
        && size != sum.bytes
    {
        return Err(damaged("its size does not match the manifest"));
    }
    // The footer is usually within the last 64 KiB: one read.
    let mut tail =
        read_at(&file, size.saturating_sub(64 << 10), size.min(64 << 10)).context("cannot read the footer")?;
    let len = footer_len(&tail).map_err(|e| damaged(&format!("its footer is unreadable ({e})")))?;
    if len + TRAILER > tail.len() {
        let want = (len + TRAILER) as u64;
        if want > size {
            return Err(damaged("its footer is unreadable (longer than the file)"));
        }
        tail = read_at(&file, size - want, want)?;
    }
    let footer = &tail[tail.len() - len - TRAILER..];
    if checking == Checking::Chunks && Some(xxhash_rust::xxh3::xxh3_64(footer)) != sum.and_then(|s| s.footer_xxh3) {
        return Err(damaged("its footer does not match the manifest"));
    }
    let metadata = ParquetMetaDataReader::decode_metadata(&footer[..len])
        .map_err(|e| damaged(&format!("its footer is unreadable ({e})")))?;
    let chunks = if checking == Checking::Chunks { chunks_of(&metadata).map_err(|e| damaged(&e))? } else { Vec::new() };
    Ok(Opened { path: path.to_path_buf(), metadata: Arc::new(metadata), chunks: Arc::new(chunks) })
}

/// The column chunks of a file and their digests, from its (checked) footer.
fn chunks_of(metadata: &ParquetMetaData) -> std::result::Result<Vec<Chunk>, String> {
    let listed = metadata
        .file_metadata()
        .key_value_metadata()
        .and_then(|kv| kv.iter().find(|kv| kv.key == CHUNK_DIGESTS_KEY))
        .and_then(|kv| kv.value.as_deref())
        .and_then(decode)
        .ok_or("its footer lacks the digests of its column chunks")?;
    if listed.len() != metadata.num_row_groups() {
        return Err("its footer lists digests of another number of row groups".into());
    }
    let mut chunks = Vec::new();
    for (g, digests) in listed.into_iter().enumerate() {
        let rg = metadata.row_group(g);
        if digests.len() != rg.num_columns() {
            return Err(format!("its footer lists digests of another number of columns in row group {g}"));
        }
        for (c, xxh3) in digests.into_iter().enumerate() {
            let (start, len) = rg.column(c).byte_range();
            chunks.push(Chunk { start, len, xxh3, row_group: g, column: c });
        }
    }
    chunks.sort_by_key(|c| c.start);
    Ok(chunks)
}

/// Fails unless `path` has exactly the size and xxh3-64 that `sum` records.
pub fn verify_file(path: &Path, sum: &FileSum) -> Result<()> {
    let mut file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut buf = vec![0; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        hasher.update(&buf[..n]);
        bytes += n as u64;
    }
    if bytes != sum.bytes || hasher.digest() != sum.xxh3 {
        bail!(
            "data file {} is damaged or was changed after it was written: its {} does not match the manifest
hint: {HINT}",
            path.display(),
            if bytes != sum.bytes { "size" } else { "checksum" }
        );
    }
    Ok(())
}

const HINT: &str = "convert the input that produced it again (the manifest names it), or restore the file from a backup; `scanlake verify DATASET` checks every file";

fn read_at(file: &File, start: u64, len: u64) -> std::io::Result<Vec<u8>> {
    // Not `vec![0; len]`: that is calloc, and jemalloc zeroes a reused extent by handing its
    // pages back to the kernel (madvise), so every chunk read faulted its pages in again (find
    // spent a third of its time in the kernel). Filling reused memory is cheaper; `black_box`
    // keeps the compiler from fusing the allocation and the fill back into calloc.
    let mut buf = std::hint::black_box(Vec::with_capacity(len as usize));
    buf.resize(len as usize, 0);
    file.read_exact_at(&mut buf, start)?;
    Ok(buf)
}

impl Opened {
    /// The footer as the Arrow reader takes it.
    pub fn reader_metadata(&self, options: ArrowReaderOptions) -> Result<ArrowReaderMetadata> {
        ArrowReaderMetadata::try_new(self.metadata.clone(), options)
            .with_context(|| format!("cannot read {}", self.path.display()))
    }

    /// A source of the file's bytes that checks each column chunk the first time it is read.
    pub fn source(&self) -> Result<CheckedFile> {
        let file = File::open(&self.path).with_context(|| format!("cannot open {}", self.path.display()))?;
        // Each column chunk is read whole, in one read: the kernel's read-ahead would only add
        // the columns after it (with an 8 MiB window, every column of a small file), which a
        // report reading four columns of a cold dataset then reads from storage for nothing.
        #[cfg(target_os = "linux")]
        let _ = rustix::fs::fadvise(&file, 0, None, rustix::fs::Advice::Random);
        Ok(CheckedFile { file, opened: self.clone(), held: Mutex::new(Vec::new()) })
    }
}

/// A data file's bytes for Parquet's reader: each column chunk is read whole, checked against its
/// digest and held until the next chunk of the same column replaces it (row groups are read in
/// order); other ranges (the footer) are read as they are.
pub struct CheckedFile {
    file: File,
    opened: Opened,
    /// (chunk index, its bytes): the chunk each column is being read from.
    held: Mutex<Vec<(usize, Bytes)>>,
}

impl CheckedFile {
    /// The chunk holding `start`, if any.
    fn chunk_at(&self, start: u64) -> Option<usize> {
        let chunks = &self.opened.chunks;
        let i = chunks.partition_point(|c| c.start <= start).checked_sub(1)?;
        (start < chunks[i].start + chunks[i].len).then_some(i)
    }

    /// Chunk `i`'s bytes, read and checked on first use.
    fn load(&self, i: usize) -> Result<Bytes> {
        let chunk = &self.opened.chunks[i];
        if let Some((_, bytes)) = self.held.lock().expect("not poisoned").iter().find(|(h, _)| *h == i) {
            return Ok(bytes.clone());
        }
        let path = &self.opened.path;
        let bytes =
            read_at(&self.file, chunk.start, chunk.len).with_context(|| format!("cannot read {}", path.display()))?;
        if xxhash_rust::xxh3::xxh3_64(&bytes) != chunk.xxh3 {
            let schema = self.opened.metadata.file_metadata().schema_descr();
            bail!(
                "data file {} is damaged or was changed after it was written: column '{}' (row group {}) does not match its checksum\nhint: {HINT}",
                path.display(),
                schema.column(chunk.column).path().string(),
                chunk.row_group,
            );
        }
        let bytes = Bytes::from(bytes);
        let mut held = self.held.lock().expect("not poisoned");
        let column = chunk.column;
        held.retain(|(h, _)| self.opened.chunks[*h].column != column);
        held.push((i, bytes.clone()));
        Ok(bytes)
    }

    /// `length` bytes at `start` (to the chunk's end when `length` is none), from a checked chunk
    /// where the range lies in one.
    fn bytes(&self, start: u64, length: Option<usize>) -> parquet::errors::Result<Option<Bytes>> {
        let Some(i) = self.chunk_at(start) else { return Ok(None) };
        let chunk = &self.opened.chunks[i];
        let from = (start - chunk.start) as usize;
        let to = length.map_or(chunk.len as usize, |l| from + l);
        if to > chunk.len as usize {
            return Ok(None);
        }
        let bytes = self.load(i).map_err(|e| parquet::errors::ParquetError::External(e.into()))?;
        Ok(Some(bytes.slice(from..to)))
    }
}

impl CheckedFile {
    /// The bytes of `range`, wherever it lies: the parts inside column chunks come from checked
    /// chunks (a range across several is put together from each), the rest as it is on disk.
    pub fn read_range(&self, range: std::ops::Range<u64>) -> parquet::errors::Result<Bytes> {
        let mut parts = Vec::new();
        let mut at = range.start;
        while at < range.end {
            let chunks = &self.opened.chunks;
            let part = match self.chunk_at(at) {
                Some(i) => {
                    let end = range.end.min(chunks[i].start + chunks[i].len);
                    self.bytes(at, Some((end - at) as usize))?.expect("the range lies in chunk i")
                }
                None => {
                    // Up to the next chunk, if one starts before the end.
                    let next = chunks[chunks.partition_point(|c| c.start <= at)..].first().map(|c| c.start);
                    let end = next.map_or(range.end, |n| n.min(range.end));
                    self.file.get_bytes(at, (end - at) as usize)?
                }
            };
            if part.is_empty() {
                return Err(parquet::errors::ParquetError::EOF(format!("{} ends early", self.opened.path.display())));
            }
            at += part.len() as u64;
            parts.push(part);
        }
        Ok(match parts.len() {
            1 => parts.pop().expect("one part"),
            _ => Bytes::from(parts.concat()),
        })
    }
}

impl Length for CheckedFile {
    fn len(&self) -> u64 {
        self.file.len()
    }
}

impl ChunkReader for CheckedFile {
    type T = Box<dyn Read + Send>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        Ok(match self.bytes(start, None)? {
            Some(b) => Box::new(bytes::Buf::reader(b)),
            None => Box::new(self.file.get_read(start)?),
        })
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        self.read_range(start..start + length as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_round_trip_and_garbage_is_refused() {
        let d = vec![vec![1, u64::MAX, 0], vec![0xabc]];
        assert_eq!(decode(&encode(&d)).unwrap(), d);
        assert_eq!(decode("").unwrap(), Vec::<Vec<u64>>::new());
        assert!(decode("1,zz").is_none());
    }

    #[test]
    fn the_footer_is_found_from_the_trailer() {
        let mut tail = b"junk".to_vec();
        tail.extend(b"meta");
        tail.extend(4u32.to_le_bytes());
        tail.extend(b"PAR1");
        assert_eq!(footer_digest(&tail).unwrap(), xxhash_rust::xxh3::xxh3_64(&tail[4..]));
        assert!(footer_digest(b"PAR1").is_err());
        assert!(footer_digest(b"xxxxxxxxxxxx").is_err());
    }
}
