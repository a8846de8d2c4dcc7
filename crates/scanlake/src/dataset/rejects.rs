//! The rejects file of one input: every line that did not become a row, with why.

use anyhow::Result;
use arrow::array::{ArrayRef, LargeBinaryBuilder, StringBuilder, UInt64Builder};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const FLUSH_ROWS: usize = 16 * 1024;
/// Raw bytes buffered before a flush: bounds memory, and keeps every batch's offsets far from
/// the 2 GiB limit of 32-bit offsets.
const FLUSH_BYTES: usize = 64 << 20;

/// One rejected line.
pub struct Reject<'a> {
    /// 1-based line number in the input.
    pub line: u64,
    pub code: &'static str,
    pub reason: String,
    pub raw: &'a [u8],
}

pub fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("input", DataType::Utf8, false),
        Field::new("line", DataType::UInt64, false),
        Field::new("code", DataType::Utf8, false),
        Field::new("reason", DataType::Utf8, false),
        // Large: one line alone may be longer than 2 GiB.
        Field::new("raw", DataType::LargeBinary, false),
    ]))
}

/// Streams rejects into a Parquet file, created on the first reject (no rejects, no file).
pub struct RejectSink {
    input: String,
    path: PathBuf,
    writer: Option<ArrowWriter<File>>,
    line: UInt64Builder,
    code: StringBuilder,
    reason: StringBuilder,
    raw: LargeBinaryBuilder,
    pending: usize,
    pending_bytes: usize,
    total: u64,
}

impl RejectSink {
    pub fn new(input: &str, path: &Path) -> RejectSink {
        RejectSink {
            input: input.to_string(),
            path: path.to_path_buf(),
            writer: None,
            line: UInt64Builder::new(),
            code: StringBuilder::new(),
            reason: StringBuilder::new(),
            raw: LargeBinaryBuilder::new(),
            pending: 0,
            pending_bytes: 0,
            total: 0,
        }
    }

    pub fn push(&mut self, r: Reject<'_>) -> Result<()> {
        self.line.append_value(r.line);
        self.code.append_value(r.code);
        self.reason.append_value(&r.reason);
        self.raw.append_value(r.raw);
        self.pending += 1;
        self.pending_bytes += r.raw.len() + r.reason.len();
        self.total += 1;
        if self.pending >= FLUSH_ROWS || self.pending_bytes >= FLUSH_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.pending == 0 {
            return Ok(());
        }
        let n = self.pending;
        self.pending = 0;
        self.pending_bytes = 0;
        let input: ArrayRef = Arc::new(arrow::array::StringArray::from(vec![self.input.as_str(); n]));
        let batch = RecordBatch::try_new(
            schema(),
            vec![
                input,
                Arc::new(self.line.finish()),
                Arc::new(self.code.finish()),
                Arc::new(self.reason.finish()),
                Arc::new(self.raw.finish()),
            ],
        )?;
        if self.writer.is_none() {
            let props = WriterProperties::builder().set_compression(Compression::ZSTD(ZstdLevel::default())).build();
            self.writer = Some(ArrowWriter::try_new(File::create(&self.path)?, schema(), Some(props))?);
        }
        self.writer.as_mut().expect("writer just created").write(&batch)?;
        Ok(())
    }

    /// Closes the file; returns the number of rejects and the file, if any was written.
    pub fn finish(mut self) -> Result<(u64, Option<PathBuf>)> {
        self.flush()?;
        match self.writer.take() {
            Some(w) => {
                w.into_inner()?.sync_all()?;
                Ok((self.total, Some(self.path)))
            }
            None => Ok((0, None)),
        }
    }
}
