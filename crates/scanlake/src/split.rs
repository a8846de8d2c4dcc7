//! `split`: cuts one input into line-aligned chunks (for batch arrays), optionally compressed.
//!
//! Chunks are named `<stem>.part-NNNNN[.gz|.zst]`, where the stem is the input's name without its
//! compression suffix (so a date in it still gives the scan date), and listed with their first line
//! number in the input in `.scanlake-split-<stem>.json`. Each chunk appears only when complete; chunks
//! of an earlier split of the same stem that this one did not produce are removed.

use crate::convert::chunks::{Chunk, count_lines, read_chunks};
use crate::convert::input::{self, Compression};
use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SplitBy {
    /// At most this many lines per chunk.
    Lines(u64),
    /// This many chunks of about equal size (fewer if the input has fewer lines).
    Chunks(u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChunkCompression {
    None,
    Gzip,
    Zstd,
}

impl ChunkCompression {
    fn suffix(self) -> &'static str {
        match self {
            ChunkCompression::None => "",
            ChunkCompression::Gzip => ".gz",
            ChunkCompression::Zstd => ".zst",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SplitChunk {
    pub file: String,
    /// 1-based number of the chunk's first line in the input.
    pub first_line: u64,
    pub lines: u64,
    /// Uncompressed bytes.
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SplitSummary {
    pub input: String,
    pub lines: u64,
    pub chunks: Vec<SplitChunk>,
}

/// The stem of an input's name: the name without `.gz` or `.zst`.
fn stem(input: &Path) -> String {
    let name = input.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "input".into());
    for suffix in [".gz", ".zst"] {
        if let Some(s) = name.strip_suffix(suffix) {
            return s.to_string();
        }
    }
    name
}

/// Where chunk boundaries fall: after a line count, or after a byte offset of the decoded stream.
enum Limit {
    Lines(u64),
    Bytes(u64),
}

pub fn split(
    input: &Path,
    out_dir: &Path,
    by: SplitBy,
    compress: ChunkCompression,
    progress: &dyn crate::progress::Progress,
) -> Result<SplitSummary> {
    let compression = input::sniff(input)?;
    let limit = match by {
        SplitBy::Lines(0) | SplitBy::Chunks(0) => bail!("the number of lines or chunks must be at least 1"),
        SplitBy::Lines(n) => Limit::Lines(n),
        SplitBy::Chunks(k) if compression == Compression::None => Limit::Bytes(fs::metadata(input)?.len().div_ceil(k)),
        // The decoded size of a compressed input is unknown: count its lines first.
        SplitBy::Chunks(k) => {
            let mut lines = 0u64;
            read_chunks(input::open_decoded(input, Arc::default())?, 4 << 20, |c| {
                lines += count_lines(&c.data);
                true
            })?;
            Limit::Lines(lines.div_ceil(k).max(1))
        }
    };
    fs::create_dir_all(out_dir).with_context(|| format!("cannot create {}", out_dir.display()))?;
    let stem = stem(input);
    let mut writer =
        ChunkWriter { out_dir: out_dir.to_path_buf(), stem: stem.clone(), compress, current: None, done: Vec::new() };
    let mut total_lines = 0u64;
    let mut io_error = None;
    let stats = Arc::new(input::ReadStats::default());
    let mut reported = 0;
    progress.begin("split", fs::metadata(input).ok().map(|m| m.len()), crate::progress::Unit::Bytes);
    read_chunks(input::open_decoded(input, stats.clone())?, 4 << 20, |chunk: Chunk| {
        progress.advance(stats.bytes() - reported);
        reported = stats.bytes();
        if progress.cancelled() {
            io_error = Some(crate::progress::Interrupted.into());
            return false;
        }
        let mut rest: &[u8] = &chunk.data;
        while !rest.is_empty() {
            let (lines_in, bytes_in) = writer.current.as_ref().map_or((0, 0), |c| (c.lines, c.bytes));
            let cut = match limit {
                Limit::Lines(n) => {
                    memchr::memchr_iter(b'\n', rest).nth((n - lines_in - 1) as usize).map_or(rest.len(), |i| i + 1)
                }
                Limit::Bytes(n) => {
                    let from = (n.saturating_sub(bytes_in) as usize).saturating_sub(1).min(rest.len());
                    memchr::memchr(b'\n', &rest[from..]).map_or(rest.len(), |i| from + i + 1)
                }
            };
            let part = &rest[..cut];
            let lines = count_lines(part);
            if let Err(e) = writer.write(part, lines, total_lines + 1) {
                io_error = Some(e);
                return false;
            }
            total_lines += lines;
            let full = match limit {
                Limit::Lines(n) => lines_in + lines >= n,
                Limit::Bytes(n) => bytes_in + part.len() as u64 >= n && part.last() == Some(&b'\n'),
            };
            if full && let Err(e) = writer.close() {
                io_error = Some(e);
                return false;
            }
            rest = &rest[cut..];
        }
        true
    })
    .with_context(|| format!("cannot read {}", input.display()))?;
    progress.finish();
    if let Some(e) = io_error {
        return Err(e);
    }
    writer.close()?;
    let summary = SplitSummary { input: input.display().to_string(), lines: total_lines, chunks: writer.done };
    let keep: Vec<&str> = summary.chunks.iter().map(|c| c.file.as_str()).collect();
    let prefix = format!("{stem}.part-");
    for entry in fs::read_dir(out_dir)?.filter_map(|e| e.ok()) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(&prefix) && !keep.contains(&name.as_str()) {
            fs::remove_file(entry.path())?;
        }
    }
    crate::dataset::write_atomically(
        &out_dir.join(format!(".scanlake-split-{stem}.json")),
        &serde_json::to_vec_pretty(&summary)?,
    )?;
    Ok(summary)
}

struct Open {
    tmp: PathBuf,
    name: String,
    out: Box<dyn Write>,
    first_line: u64,
    lines: u64,
    bytes: u64,
}

struct ChunkWriter {
    out_dir: PathBuf,
    stem: String,
    compress: ChunkCompression,
    current: Option<Open>,
    done: Vec<SplitChunk>,
}

impl ChunkWriter {
    fn write(&mut self, data: &[u8], lines: u64, first_line: u64) -> Result<()> {
        if self.current.is_none() {
            let name = format!("{}.part-{:05}{}", self.stem, self.done.len() + 1, self.compress.suffix());
            let tmp = self.out_dir.join(format!(".{name}.tmp"));
            let file = BufWriter::with_capacity(
                1 << 20,
                File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?,
            );
            let out: Box<dyn Write> = match self.compress {
                ChunkCompression::None => Box::new(file),
                ChunkCompression::Gzip => Box::new(flate2::write::GzEncoder::new(file, flate2::Compression::fast())),
                // Level 1, as gzip is `fast()`: chunks are scratch files, written once and read once.
                ChunkCompression::Zstd => Box::new(zstd::Encoder::new(file, 1)?.auto_finish()),
            };
            self.current = Some(Open { tmp, name, out, first_line, lines: 0, bytes: 0 });
        }
        let c = self.current.as_mut().expect("opened above");
        c.out.write_all(data)?;
        c.lines += lines;
        c.bytes += data.len() as u64;
        Ok(())
    }

    fn close(&mut self) -> Result<()> {
        let Some(mut c) = self.current.take() else { return Ok(()) };
        c.out.flush()?;
        drop(c.out);
        File::open(&c.tmp)?.sync_all()?;
        fs::rename(&c.tmp, self.out_dir.join(&c.name))?;
        self.done.push(SplitChunk { file: c.name, first_line: c.first_line, lines: c.lines, bytes: c.bytes });
        Ok(())
    }
}
