//! Writing a [`Table`]: aligned text for people, CSV/TSV/JSON/Parquet for programs. Only `table`
//! makes sizes human-readable; the others keep exact integers.

use super::rows::Rows;
use super::table::{Cell, Column, ColumnType, Table};
use crate::format::time;
use anyhow::{Result, bail};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use arrow::record_batch::RecordBatch;
use std::io::Write;
use std::str::FromStr;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Csv,
    Tsv,
    Json,
    Parquet,
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "table" => Ok(Format::Table),
            "csv" => Ok(Format::Csv),
            "tsv" => Ok(Format::Tsv),
            "json" => Ok(Format::Json),
            "parquet" => Ok(Format::Parquet),
            _ => Err(format!("unknown format '{s}' (expected table, csv, tsv, json or parquet)")),
        }
    }
}

impl Format {
    /// Its name, which is also the file extension it is recognised by (`table` → `txt`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Json => "json",
            Format::Parquet => "parquet",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Table => "txt",
            other => other.name(),
        }
    }

    /// The format `path`'s extension names: its extension or its name (`txt` and `table` are
    /// the aligned table).
    pub fn of_path(path: &std::path::Path) -> Option<Format> {
        match path.extension()?.to_str()? {
            "txt" => Some(Format::Table),
            ext => ext.parse().ok(),
        }
    }
}

crate::options::serde_as_text!(Format);

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Rows per Arrow batch (and per Parquet row group) when rows are written as they stream.
pub const BATCH_ROWS: usize = 65_536;

/// The bytes of `table` in `format`.
pub fn render(table: &Table, format: Format) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    write(Rows::from(table.clone()), format, &mut out)?;
    Ok(out)
}

/// Writes `rows` in `format` to `out` as they come: memory stays flat however many rows there
/// are (the aligned table keeps its rendered rows in a temporary file beyond a few MiB, since
/// its widths are known only at the end).
pub fn write<W: Write + Send>(rows: Rows, format: Format, mut out: W) -> Result<()> {
    {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, &mut out);
        match format {
            Format::Table => text_table(rows, &mut out, TEXT_IN_MEMORY)?,
            Format::Csv => delimited(rows, ',', csv_field, &mut out)?,
            Format::Tsv => delimited(rows, '\t', tsv_field, &mut out)?,
            Format::Json => json(rows, &mut out)?,
            Format::Parquet => parquet(rows, &mut out)?,
        }
        out.flush()?;
    }
    Ok(())
}

/// Exact text of a cell (no units): what CSV, TSV and JSON strings hold.
fn plain(cell: &Cell, ty: ColumnType) -> Option<String> {
    match (cell, ty) {
        (Cell::Null, _) => None,
        (Cell::Int(v), ColumnType::Timestamp) => Some(time::format_timestamp_micros(*v)),
        (Cell::Int(v), _) => Some(v.to_string()),
        (Cell::Text(t), _) => Some(t.clone()),
    }
}

fn delimited(rows: Rows, sep: char, field: fn(&str) -> String, out: &mut impl Write) -> Result<()> {
    let header: Vec<String> = rows.columns.iter().map(|c| field(&c.name)).collect();
    writeln!(out, "{}", header.join(&sep.to_string()))?;
    let types: Vec<ColumnType> = rows.columns.iter().map(|c| c.ty).collect();
    let (mut number, mut stamp) = (itoa_buffer(), [0u8; 26]);
    for row in rows {
        // Each field written as it is made: exports of find write millions of rows.
        for (j, (cell, ty)) in row?.iter().zip(&types).enumerate() {
            if j > 0 {
                out.write_all(&[sep as u8])?;
            }
            match (cell, ty) {
                (Cell::Null, _) => {}
                (Cell::Int(v), ColumnType::Timestamp) => match time::timestamp_text(*v, &mut stamp) {
                    Some(text) => out.write_all(text)?,
                    None => out.write_all(field(&time::format_timestamp_micros(*v)).as_bytes())?,
                },
                (Cell::Int(v), _) => out.write_all(int_text(*v, &mut number))?,
                (Cell::Text(t), _) if !t.contains(['\t', '\n', '\r', '\\', ',', '"']) => out.write_all(t.as_bytes())?,
                (Cell::Text(t), _) => out.write_all(field(t).as_bytes())?,
            }
        }
        out.write_all(b"\n")?;
    }
    Ok(())
}

fn itoa_buffer() -> [u8; 20] {
    [0; 20]
}

/// An integer's decimal digits in `buf`, without allocating.
fn int_text(v: i64, buf: &mut [u8; 20]) -> &[u8] {
    let mut n = v.unsigned_abs();
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        at -= 1;
        buf[at] = b'-';
    }
    &buf[at..]
}

/// RFC 4180: quoted when it holds a comma, quote or line break.
fn csv_field(t: &str) -> String {
    if t.contains([',', '"', '\n', '\r']) { format!("\"{}\"", t.replace('"', "\"\"")) } else { t.to_string() }
}

/// Tab, newline, carriage return and backslash escaped with a backslash (as PostgreSQL's text format).
fn tsv_field(t: &str) -> String {
    if !t.contains(['\t', '\n', '\r', '\\']) {
        return t.to_string();
    }
    let mut s = String::with_capacity(t.len() + 4);
    for ch in t.chars() {
        match ch {
            '\t' => s.push_str("\\t"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\\' => s.push_str("\\\\"),
            c => s.push(c),
        }
    }
    s
}

/// A JSON array with one object per row, keys in column order.
fn json(rows: Rows, out: &mut impl Write) -> Result<()> {
    let columns = rows.columns.clone();
    let names: Vec<String> = columns.iter().map(|c| serde_json::to_string(&c.name).expect("string")).collect();
    let mut empty = true;
    out.write_all(b"[")?;
    for row in rows {
        let row = row?;
        out.write_all(if empty { b"\n{" } else { b",\n{" })?;
        empty = false;
        for (j, (cell, col)) in row.iter().zip(&columns).enumerate() {
            if j > 0 {
                out.write_all(b",")?;
            }
            let value = match (cell, col.ty) {
                (Cell::Null, _) => "null".to_string(),
                (Cell::Int(v), ColumnType::Timestamp) => {
                    serde_json::to_string(&time::format_timestamp_micros(*v)).expect("string")
                }
                (Cell::Int(v), _) => v.to_string(),
                (Cell::Text(t), ColumnType::Float) if t.parse::<f64>().is_ok_and(f64::is_finite) => t.clone(),
                (Cell::Text(t), _) => serde_json::to_string(t).expect("string"),
            };
            write!(out, "{}:{value}", names[j])?;
        }
        out.write_all(b"}")?;
    }
    out.write_all(if empty { b"]\n" } else { b"\n]\n" })?;
    Ok(())
}

/// `1.5 GiB`: binary units, three significant digits.
pub fn human_bytes(v: i64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut x = v.unsigned_abs() as f64;
    let mut u = 0;
    while x >= 1024.0 && u + 1 < units.len() {
        x /= 1024.0;
        u += 1;
    }
    let sign = if v < 0 { "-" } else { "" };
    if u == 0 {
        format!("{v} B")
    } else if x < 10.0 {
        format!("{sign}{x:.2} {}", units[u])
    } else if x < 100.0 {
        format!("{sign}{x:.1} {}", units[u])
    } else {
        format!("{sign}{x:.0} {}", units[u])
    }
}

/// Rendered rows kept in memory up to this size; beyond it they go to a temporary file.
const TEXT_IN_MEMORY: usize = 8 << 20;

fn text_table(rows: Rows, out: &mut impl Write, in_memory: usize) -> Result<()> {
    use std::io::{BufRead, Seek};
    let columns = rows.columns.clone();
    let mut widths: Vec<usize> = columns.iter().map(|c| c.name.chars().count()).collect();
    // Each rendered row as one line of tab-separated cells: cells hold no tab or newline (control
    // characters are escaped).
    let mut memory: Vec<String> = Vec::new();
    let mut memory_bytes = 0;
    let mut file: Option<std::io::BufWriter<std::fs::File>> = None;
    for row in rows {
        let cells: Vec<String> = row?
            .iter()
            .zip(&columns)
            .map(|(c, col)| match (c, col.ty) {
                (Cell::Null, _) => "-".to_string(),
                (Cell::Int(v), ColumnType::Bytes) => human_bytes(*v),
                (c, ty) => plain(c, ty).unwrap_or_default().escape_debug().to_string(),
            })
            .collect();
        for (w, c) in widths.iter_mut().zip(&cells) {
            *w = (*w).max(c.chars().count());
        }
        let line = cells.join("\t");
        match &mut file {
            Some(f) => writeln!(f, "{line}")?,
            None => {
                memory_bytes += line.len() + 24;
                memory.push(line);
                if memory_bytes > in_memory {
                    let mut f = std::io::BufWriter::new(tempfile::tempfile()?);
                    for line in memory.drain(..) {
                        writeln!(f, "{line}")?;
                    }
                    file = Some(f);
                }
            }
        }
    }
    let right = |ty: ColumnType| matches!(ty, ColumnType::Int | ColumnType::Bytes | ColumnType::Float);
    let line = |values: &mut dyn Iterator<Item = &str>, out: &mut dyn Write| -> std::io::Result<()> {
        let parts: Vec<String> = values
            .zip(&widths)
            .zip(&columns)
            .map(|((v, &w), col)| {
                let pad = w - v.chars().count();
                if right(col.ty) { format!("{}{v}", " ".repeat(pad)) } else { format!("{v}{}", " ".repeat(pad)) }
            })
            .collect();
        writeln!(out, "{}", parts.join("  ").trim_end())
    };
    line(&mut columns.iter().map(|c| c.name.as_str()), out)?;
    let empty = memory.is_empty() && file.is_none();
    for row in &memory {
        line(&mut row.split('\t'), out)?;
    }
    if let Some(f) = file {
        let mut f = f.into_inner().map_err(|e| e.into_error())?;
        f.rewind()?;
        for row in std::io::BufReader::new(f).lines() {
            line(&mut row?.split('\t'), out)?;
        }
    }
    if empty {
        writeln!(out, "(no rows)")?;
    }
    Ok(())
}

/// The table as one Arrow batch with the export's types: integers and byte counts `Int64`,
/// dates `Date32`, timestamps microseconds in UTC, text `Utf8`. What Parquet files hold and what
/// the library's callers (the Python module) get.
pub fn to_record_batch(table: &Table) -> Result<RecordBatch> {
    record_batch(&table.columns, &table.rows)
}

/// The Arrow schema of the export's batches.
pub fn arrow_schema(columns: &[Column]) -> SchemaRef {
    let fields: Vec<Field> = columns
        .iter()
        .map(|c| {
            let ty = match c.ty {
                ColumnType::Text => DataType::Utf8,
                ColumnType::Int | ColumnType::Bytes => DataType::Int64,
                ColumnType::Float => DataType::Float64,
                ColumnType::Date => DataType::Date32,
                ColumnType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            };
            Field::new(&c.name, ty, true)
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// `rows` as Arrow batches of up to [`BATCH_ROWS`] rows, made as they are read.
pub fn batches(rows: Rows) -> (SchemaRef, impl Iterator<Item = Result<RecordBatch>> + Send) {
    let columns = rows.columns.clone();
    let schema = arrow_schema(&columns);
    let mut rows = rows.peekable();
    let batches = std::iter::from_fn(move || {
        rows.peek()?;
        let chunk: Result<Vec<Vec<Cell>>> = rows.by_ref().take(BATCH_ROWS).collect();
        Some(chunk.and_then(|chunk| record_batch(&columns, &chunk)))
    });
    (schema, batches)
}

fn record_batch(columns: &[Column], rows: &[Vec<Cell>]) -> Result<RecordBatch> {
    use arrow::array::{
        ArrayRef, Date32Builder, Float64Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
    };
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for (i, c) in columns.iter().enumerate() {
        let values = rows.iter().map(|r| &r[i]);
        let array: ArrayRef = match c.ty {
            ColumnType::Text => {
                let mut b = StringBuilder::new();
                for v in values {
                    match v {
                        Cell::Text(t) => b.append_value(t),
                        Cell::Int(n) => b.append_value(n.to_string()),
                        Cell::Null => b.append_null(),
                    }
                }
                Arc::new(b.finish())
            }
            ColumnType::Int | ColumnType::Bytes => {
                let mut b = Int64Builder::new();
                for v in values {
                    match v {
                        Cell::Int(n) => b.append_value(*n),
                        _ => b.append_null(),
                    }
                }
                Arc::new(b.finish())
            }
            ColumnType::Float => {
                let mut b = Float64Builder::new();
                for v in values {
                    match v {
                        Cell::Text(t) => b.append_option(t.parse::<f64>().ok()),
                        Cell::Int(n) => b.append_value(*n as f64),
                        Cell::Null => b.append_null(),
                    }
                }
                Arc::new(b.finish())
            }
            ColumnType::Date => {
                let mut b = Date32Builder::new();
                for v in values {
                    match v {
                        Cell::Text(t) => {
                            let d: crate::dataset::partition::ScanDate = t.parse().map_err(anyhow::Error::msg)?;
                            b.append_value(d.days_since_epoch() as i32)
                        }
                        _ => b.append_null(),
                    }
                }
                Arc::new(b.finish())
            }
            ColumnType::Timestamp => {
                let mut b = TimestampMicrosecondBuilder::new().with_timezone("UTC");
                for v in values {
                    match v {
                        Cell::Int(n) => b.append_value(*n),
                        _ => b.append_null(),
                    }
                }
                Arc::new(b.finish())
            }
        };
        arrays.push(array);
    }
    if columns.is_empty() {
        return Ok(RecordBatch::new_empty(Arc::new(Schema::empty())));
    }
    Ok(RecordBatch::try_new(arrow_schema(columns), arrays)?)
}

fn parquet(rows: Rows, out: &mut (impl Write + Send)) -> Result<()> {
    if rows.columns.is_empty() {
        bail!("a table without columns cannot be written as Parquet");
    }
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::ZSTD(Default::default()))
        .set_max_row_group_row_count(Some(BATCH_ROWS))
        .set_created_by(format!("scanlake {}", env!("CARGO_PKG_VERSION")))
        .build();
    let (schema, batches) = batches(rows);
    let mut w = parquet::arrow::ArrowWriter::try_new(out, schema, Some(props))?;
    for batch in batches {
        w.write(&batch?)?;
    }
    w.close()?;
    Ok(())
}

/// Writes `rows` in `format` to `path` as they stream (see [`write_to`] for how `path` is treated).
pub fn export(rows: Rows, format: Format, path: &std::path::Path) -> Result<()> {
    write_with(path, |f| write(rows, format, f))
}

/// Writes an export to `path` the way a shell redirection would, but safely: a regular file (new
/// or existing) is replaced atomically, so a reader never sees half of it; a link is followed and
/// its target written; a device or FIFO (`/dev/null`, `/dev/stdout`, a pipe) is written directly and
/// never replaced; a directory is an error that leaves nothing behind.
pub fn write_to(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    write_with(path, |f| Ok(f.write_all(bytes)?))
}

pub fn write_with(path: &std::path::Path, write: impl FnOnce(&mut std::fs::File) -> Result<()>) -> Result<()> {
    use anyhow::Context;
    let mut target = path.to_path_buf();
    for _ in 0..40 {
        let meta = match std::fs::symlink_metadata(&target) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return crate::dataset::write_atomically_with(&target, write);
            }
            other => other.with_context(|| format!("cannot write {}", target.display()))?,
        };
        let kind = meta.file_type();
        if kind.is_symlink() {
            let link = std::fs::read_link(&target).with_context(|| format!("cannot read link {}", target.display()))?;
            target = target.parent().map_or(link.clone(), |dir| dir.join(&link));
            continue;
        }
        if kind.is_dir() {
            bail!("{} is a directory\nhint: give a file name, e.g. {}/report.csv", target.display(), target.display());
        }
        if kind.is_file() {
            return crate::dataset::write_atomically_with(&target, write);
        }
        // A device, FIFO or socket: write into it as it is.
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(&target)
            .with_context(|| format!("cannot open {}", target.display()))?;
        return write(&mut f)
            .and_then(|_| Ok(f.flush()?))
            .with_context(|| format!("cannot write {}", target.display()));
    }
    bail!("{}: too many levels of symbolic links", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::table::Column;

    fn sample() -> Table {
        Table {
            columns: vec![
                Column { name: "dir".into(), ty: ColumnType::Text },
                Column { name: "bytes".into(), ty: ColumnType::Bytes },
                Column { name: "newest".into(), ty: ColumnType::Timestamp },
            ],
            rows: vec![
                vec![Cell::Text("/a,b \"q\"".into()), Cell::Int(1536), Cell::Int(0)],
                vec![Cell::Text("/t\tx\ny".into()), Cell::Int(5), Cell::Null],
            ],
        }
    }

    #[test]
    fn delimited_formats_quote_or_escape_awkward_names() {
        let csv = String::from_utf8(render(&sample(), Format::Csv).unwrap()).unwrap();
        assert_eq!(csv, "dir,bytes,newest\n\"/a,b \"\"q\"\"\",1536,1970-01-01 00:00:00.000000\n\"/t\tx\ny\",5,\n");
        let tsv = String::from_utf8(render(&sample(), Format::Tsv).unwrap()).unwrap();
        assert_eq!(tsv.lines().nth(2), Some("/t\\tx\\ny\t5\t"));
    }

    #[test]
    fn integers_are_written_exactly_without_formatting_machinery() {
        let mut buf = super::itoa_buffer();
        for v in [0, 7, -7, 1234567890, i64::MAX, i64::MIN] {
            assert_eq!(super::int_text(v, &mut buf), v.to_string().as_bytes());
        }
    }

    #[test]
    fn json_keeps_exact_integers_and_nulls() {
        let j = String::from_utf8(render(&sample(), Format::Json).unwrap()).unwrap();
        let v: serde_json::Value = serde_json::from_str(&j).unwrap();
        assert_eq!(v[0]["bytes"], 1536);
        assert_eq!(v[1]["newest"], serde_json::Value::Null);
        assert_eq!(v[1]["dir"], "/t\tx\ny");
    }

    #[test]
    fn a_table_too_large_for_memory_is_aligned_the_same_from_a_temporary_file() {
        let mut table = sample();
        for i in 0..1000 {
            table.rows.push(vec![Cell::Text(format!("/d{i}")), Cell::Int(i << 20), Cell::Int(i)]);
        }
        let (mut memory, mut spilled) = (Vec::new(), Vec::new());
        text_table(table.clone().into(), &mut memory, usize::MAX).unwrap();
        text_table(table.into(), &mut spilled, 0).unwrap();
        assert_eq!(String::from_utf8(spilled).unwrap(), String::from_utf8(memory.clone()).unwrap());
        assert_eq!(memory.iter().filter(|&&b| b == b'\n').count(), 1 + 2 + 1000);
    }

    #[test]
    fn a_path_names_its_format_by_extension_or_name() {
        let of = |p: &str| Format::of_path(std::path::Path::new(p));
        assert_eq!(of("r.txt"), Some(Format::Table));
        assert_eq!(of("r.table"), Some(Format::Table));
        assert_eq!(of("dir/r.parquet"), Some(Format::Parquet));
        assert_eq!(of("r.csv.gz"), None);
        assert_eq!(of("report"), None);
    }

    #[test]
    fn only_the_table_is_human_readable() {
        let t = String::from_utf8(render(&sample(), Format::Table).unwrap()).unwrap();
        assert!(t.contains("1.50 KiB"), "{t}");
        assert!(t.contains("/t\\tx\\ny"), "control characters are escaped in tables: {t}");
        assert_eq!(human_bytes(5), "5 B");
        assert_eq!(human_bytes(100 << 30), "100 GiB");
    }
}
