//! Input files: finding them, recognising their compression, and telling them apart.

use crate::dataset::ScanDate;
use crate::dataset::manifest::InputIdentity;
use anyhow::{Context, Result, bail};
use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// Recognises compression by magic bytes, not by name.
pub fn sniff(path: &Path) -> Result<Compression> {
    let mut magic = [0u8; 4];
    let mut f = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let n = f.read(&mut magic)?;
    Ok(match &magic[..n] {
        [0x1f, 0x8b, ..] => Compression::Gzip,
        [0x28, 0xb5, 0x2f, 0xfd] => Compression::Zstd,
        _ => Compression::None,
    })
}

/// Expands directories (their regular, non-hidden files, sorted by name, not recursively) and
/// checks that every input exists.
pub fn discover(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for input in inputs {
        let meta = fs::metadata(input).with_context(|| format!("cannot read input {}", input.display()))?;
        if meta.is_dir() {
            let mut files: Vec<PathBuf> = fs::read_dir(input)?
                .filter_map(|e| e.ok())
                .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| e.path())
                .collect();
            files.sort();
            if files.is_empty() {
                bail!("input directory {} holds no files", input.display());
            }
            out.extend(files);
        } else {
            out.push(input.clone());
        }
    }
    Ok(out)
}

/// Identifies an input by path, size, mtime and a hash of its ends (not its whole content: inputs
/// can be hundreds of GB).
pub fn identify(path: &Path) -> Result<InputIdentity> {
    const END: u64 = 1 << 20;
    let abs = fs::canonicalize(path).with_context(|| format!("cannot resolve {}", path.display()))?;
    let mut f = File::open(&abs).with_context(|| format!("cannot open {}", abs.display()))?;
    let meta = f.metadata()?;
    let size = meta.len();
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(&size.to_le_bytes());
    let mut buf = Vec::with_capacity(END as usize);
    (&mut f).take(END).read_to_end(&mut buf)?;
    hasher.update(&buf);
    if size > END {
        f.seek(SeekFrom::Start(size.saturating_sub(END).max(END)))?;
        buf.clear();
        f.take(END).read_to_end(&mut buf)?;
        hasher.update(&buf);
    }
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs() as i64);
    Ok(InputIdentity {
        path: abs.to_string_lossy().into_owned(),
        size,
        mtime,
        fingerprint: format!("{:032x}", hasher.digest128()),
    })
}

/// The scan date of an input: from its file name, else from its directories' names.
pub fn scan_date_from_path(path: &Path) -> Option<ScanDate> {
    path.ancestors().filter_map(|p| p.file_name()).find_map(|name| ScanDate::find_in(&name.to_string_lossy()))
}

/// Counts the raw (compressed) bytes read, for progress.
pub struct CountingReader<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Opens an input for reading its decompressed lines; `raw_read` counts compressed bytes consumed.
pub fn open_decoded(path: &Path, raw_read: Arc<AtomicU64>) -> Result<Box<dyn Read + Send>> {
    let compression = sniff(path)?;
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let counted = CountingReader { inner: file, count: raw_read };
    Ok(match compression {
        Compression::None => Box::new(counted),
        Compression::Gzip => {
            Box::new(flate2::read::MultiGzDecoder::new(std::io::BufReader::with_capacity(1 << 20, counted)))
        }
        Compression::Zstd => Box::new(zstd::Decoder::new(counted)?),
    })
}
