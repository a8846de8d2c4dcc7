//! Input files: finding them, recognising their compression, and telling them apart.

use crate::dataset::ScanDate;
use crate::dataset::manifest::InputIdentity;
use anyhow::{Context, Result, bail};
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

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
    Ok(compression_of(&magic[..n]))
}

/// The compression whose magic bytes start `head`.
fn compression_of(head: &[u8]) -> Compression {
    match head {
        [0x1f, 0x8b, ..] => Compression::Gzip,
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
        _ => Compression::None,
    }
}

/// An input as given: a file, or a stream (`-` for standard input, a FIFO, a character device)
/// that is read once, front to back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub path: PathBuf,
    /// A regular file (seekable, with a size): its path identifies it, and it can be read twice.
    pub regular: bool,
}

impl Source {
    pub fn is_stdin(&self) -> bool {
        self.path.as_os_str() == "-"
    }

    /// How messages and summaries name it.
    pub fn display(&self) -> String {
        if self.is_stdin() { "standard input".into() } else { self.path.display().to_string() }
    }

    /// Bytes as stored, when known before reading.
    pub fn size(&self) -> Option<u64> {
        self.regular.then(|| fs::metadata(&self.path).ok().map(|m| m.len())).flatten()
    }
}

/// A directory entry that [`discover`] did not take, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Ignored {
    pub path: String,
    pub reason: String,
}

/// Expands directories (their regular files, and links to regular files, sorted by name, not
/// recursively; hidden files and anything else are listed as ignored) and checks that every input
/// exists. `-` is standard input.
pub fn discover(inputs: &[PathBuf]) -> Result<(Vec<Source>, Vec<Ignored>)> {
    let mut out = Vec::new();
    let mut ignored = Vec::new();
    for input in inputs {
        if input.as_os_str() == "-" {
            out.push(Source { path: input.clone(), regular: false });
            continue;
        }
        let meta = fs::metadata(input).with_context(|| format!("cannot read input {}", input.display()))?;
        if !meta.is_dir() {
            out.push(Source { path: input.clone(), regular: meta.is_file() });
            continue;
        }
        let mut files = Vec::new();
        let entries =
            fs::read_dir(input).with_context(|| format!("cannot list input directory {}", input.display()))?;
        for e in entries {
            let e = e.with_context(|| format!("cannot list input directory {}", input.display()))?;
            let path = e.path();
            let ignore = |reason: &str| Ignored { path: path.display().to_string(), reason: reason.into() };
            if e.file_name().to_string_lossy().starts_with('.') {
                ignored.push(ignore("hidden file"));
                continue;
            }
            // Follows links: a link to a scan is a scan.
            match fs::metadata(&path) {
                Ok(m) if m.is_file() => files.push(Source { path, regular: true }),
                Ok(m) if m.is_dir() => ignored.push(ignore("directory (inputs are not searched recursively)")),
                Ok(_) => ignored.push(ignore("not a regular file")),
                Err(err) => ignored.push(ignore(&format!("cannot read it: {err}"))),
            }
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        if files.is_empty() {
            bail!("input directory {} holds no files", input.display());
        }
        out.extend(files);
    }
    if out.iter().filter(|s| s.is_stdin()).count() > 1 {
        bail!("standard input ('-') can be given once");
    }
    Ok((out, ignored))
}

/// Hashes a regular file whole, as [`ReadStats`] does while converting (for `--skip-existing`,
/// which must know the content before deciding to read it).
pub fn hash_file(path: &Path) -> Result<(u64, String)> {
    let stats = Arc::new(ReadStats::default());
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, CountingReader { inner: file, stats: stats.clone() });
    std::io::copy(&mut reader, &mut std::io::sink()).with_context(|| format!("cannot read {}", path.display()))?;
    Ok((stats.bytes(), stats.fingerprint()))
}

/// The identity of an input that has been read whole.
pub fn identity(source: &Source, stats: &ReadStats) -> Result<InputIdentity> {
    let (path, mtime) = if source.regular {
        let abs =
            fs::canonicalize(&source.path).with_context(|| format!("cannot resolve {}", source.path.display()))?;
        let mtime = fs::metadata(&abs)
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs() as i64);
        (Some(abs.to_string_lossy().into_owned()), mtime)
    } else {
        (None, 0)
    };
    Ok(InputIdentity { path, size: stats.bytes(), mtime, fingerprint: stats.fingerprint() })
}

/// The scan date of an input: `explicit` when given, else from the input's name. Every stage
/// that dates inputs (conversion here, batch runs when they are made) asks this one function.
pub fn scan_date(path: &Path, explicit: Option<ScanDate>) -> Result<ScanDate, crate::options::OptionError> {
    explicit.or_else(|| scan_date_from_path(path)).ok_or_else(|| {
        crate::options::OptionError::new(
            "acq",
            format!(
                "cannot tell the scan date of {}: its name holds no date\nhint: pass `acq` YYYY-MM-DD",
                path.display()
            ),
        )
    })
}

/// The scan date of an input: from its file name, else from its directories' names.
pub fn scan_date_from_path(path: &Path) -> Option<ScanDate> {
    path.ancestors().filter_map(|p| p.file_name()).find_map(|name| ScanDate::find_in(&name.to_string_lossy()))
}

/// What has been read of an input as stored (before decompression): how many bytes, for progress,
/// and their hash, which identifies the input.
#[derive(Default)]
pub struct ReadStats {
    bytes: AtomicU64,
    hasher: Mutex<xxhash_rust::xxh3::Xxh3>,
}

impl ReadStats {
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// xxh3-128 of every byte read so far.
    pub fn fingerprint(&self) -> String {
        format!("{:032x}", self.hasher.lock().expect("hasher lock").digest128())
    }
}

/// Counts and hashes the raw bytes read.
struct CountingReader<R> {
    inner: R,
    stats: Arc<ReadStats>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.stats.hasher.lock().expect("hasher lock").update(&buf[..n]);
        self.stats.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Opens an input (a path, or `-` for standard input) for reading its decompressed lines; the
/// compression is recognised by its first bytes, which works on streams too. `stats` counts and
/// hashes the bytes as stored.
pub fn open_decoded(path: &Path, stats: Arc<ReadStats>) -> Result<Box<dyn Read + Send>> {
    let raw: Box<dyn Read + Send> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(File::open(path).with_context(|| format!("cannot open {}", path.display()))?)
    };
    // The first bytes, however a stream delivers them, then the rest.
    let mut counted = CountingReader { inner: raw, stats };
    let mut head = Vec::with_capacity(4);
    (&mut counted).take(4).read_to_end(&mut head).with_context(|| format!("cannot read {}", path.display()))?;
    let compression = compression_of(&head);
    let buffered = std::io::BufReader::with_capacity(1 << 20, std::io::Cursor::new(head).chain(counted));
    Ok(match compression {
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(buffered)),
        Compression::Zstd => Box::new(zstd::Decoder::with_buffer(buffered)?),
        Compression::None => Box::new(buffered),
    })
}
