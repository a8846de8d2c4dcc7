//! Writing a [`Table`]: aligned text for people, CSV/TSV/JSON/Parquet for programs. Only `table`
//! makes sizes human-readable; the others keep exact integers.

use super::table::{Cell, ColumnType, Table};
use crate::format::time;
use anyhow::{Result, bail};
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
}

crate::options::serde_as_text!(Format);

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The bytes of `table` in `format`.
pub fn render(table: &Table, format: Format) -> Result<Vec<u8>> {
    Ok(match format {
        Format::Table => text_table(table).into_bytes(),
        Format::Csv => delimited(table, ',', csv_field).into_bytes(),
        Format::Tsv => delimited(table, '\t', tsv_field).into_bytes(),
        Format::Json => json(table).into_bytes(),
        Format::Parquet => parquet(table)?,
    })
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

fn delimited(table: &Table, sep: char, field: fn(&str) -> String) -> String {
    let mut out = String::new();
    let header: Vec<String> = table.columns.iter().map(|c| field(&c.name)).collect();
    out.push_str(&header.join(&sep.to_string()));
    out.push('\n');
    for row in &table.rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&table.columns)
            .map(|(c, col)| plain(c, col.ty).map_or(String::new(), |t| field(&t)))
            .collect();
        out.push_str(&cells.join(&sep.to_string()));
        out.push('\n');
    }
    out
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
fn json(table: &Table) -> String {
    let mut out = String::from("[");
    for (i, row) in table.rows.iter().enumerate() {
        out.push_str(if i == 0 { "\n" } else { ",\n" });
        out.push('{');
        for (j, (cell, col)) in row.iter().zip(&table.columns).enumerate() {
            if j > 0 {
                out.push(',');
            }
            out.push_str(&serde_json::to_string(&col.name).expect("string"));
            out.push(':');
            let value = match (cell, col.ty) {
                (Cell::Null, _) => "null".to_string(),
                (Cell::Int(v), ColumnType::Timestamp) => {
                    serde_json::to_string(&time::format_timestamp_micros(*v)).expect("string")
                }
                (Cell::Int(v), _) => v.to_string(),
                (Cell::Text(t), ColumnType::Float) if t.parse::<f64>().is_ok_and(f64::is_finite) => t.clone(),
                (Cell::Text(t), _) => serde_json::to_string(t).expect("string"),
            };
            out.push_str(&value);
        }
        out.push('}');
    }
    out.push_str(if table.rows.is_empty() { "]\n" } else { "\n]\n" });
    out
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

fn text_table(table: &Table) -> String {
    let cells: Vec<Vec<String>> = table
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .zip(&table.columns)
                .map(|(c, col)| match (c, col.ty) {
                    (Cell::Null, _) => "-".to_string(),
                    (Cell::Int(v), ColumnType::Bytes) => human_bytes(*v),
                    (c, ty) => plain(c, ty).unwrap_or_default().escape_debug().to_string(),
                })
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = table.columns.iter().map(|c| c.name.chars().count()).collect();
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let right = |ty: ColumnType| matches!(ty, ColumnType::Int | ColumnType::Bytes | ColumnType::Float);
    let line = |values: Vec<&str>| {
        let parts: Vec<String> = values
            .iter()
            .zip(&widths)
            .zip(&table.columns)
            .map(|((v, &w), col)| {
                let pad = w - v.chars().count();
                if right(col.ty) { format!("{}{v}", " ".repeat(pad)) } else { format!("{v}{}", " ".repeat(pad)) }
            })
            .collect();
        parts.join("  ").trim_end().to_string() + "\n"
    };
    let mut out = line(table.columns.iter().map(|c| c.name.as_str()).collect());
    for row in &cells {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    if table.rows.is_empty() {
        out.push_str("(no rows)\n");
    }
    out
}

/// The table as one Arrow batch with the export's types: integers and byte counts `Int64`,
/// dates `Date32`, timestamps microseconds in UTC, text `Utf8`. What Parquet files hold and what
/// the library's callers (the Python module) get.
pub fn to_record_batch(table: &Table) -> Result<arrow::record_batch::RecordBatch> {
    use arrow::array::{
        ArrayRef, Date32Builder, Float64Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
    };
    use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
    let mut fields = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for (i, c) in table.columns.iter().enumerate() {
        let values = table.rows.iter().map(|r| &r[i]);
        let (ty, array): (DataType, ArrayRef) = match c.ty {
            ColumnType::Text => {
                let mut b = StringBuilder::new();
                for v in values {
                    match v {
                        Cell::Text(t) => b.append_value(t),
                        Cell::Int(n) => b.append_value(n.to_string()),
                        Cell::Null => b.append_null(),
                    }
                }
                (DataType::Utf8, Arc::new(b.finish()))
            }
            ColumnType::Int | ColumnType::Bytes => {
                let mut b = Int64Builder::new();
                for v in values {
                    match v {
                        Cell::Int(n) => b.append_value(*n),
                        _ => b.append_null(),
                    }
                }
                (DataType::Int64, Arc::new(b.finish()))
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
                (DataType::Float64, Arc::new(b.finish()))
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
                (DataType::Date32, Arc::new(b.finish()))
            }
            ColumnType::Timestamp => {
                let mut b = TimestampMicrosecondBuilder::new().with_timezone("UTC");
                for v in values {
                    match v {
                        Cell::Int(n) => b.append_value(*n),
                        _ => b.append_null(),
                    }
                }
                (DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), Arc::new(b.finish()))
            }
        };
        fields.push(Field::new(&c.name, ty, true));
        arrays.push(array);
    }
    if fields.is_empty() {
        return Ok(arrow::record_batch::RecordBatch::new_empty(Arc::new(Schema::empty())));
    }
    Ok(arrow::record_batch::RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?)
}

fn parquet(table: &Table) -> Result<Vec<u8>> {
    if table.columns.is_empty() {
        bail!("a table without columns cannot be written as Parquet");
    }
    let batch = to_record_batch(table)?;
    let schema = batch.schema();
    let mut out = Vec::new();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::ZSTD(Default::default()))
        .set_created_by(format!("scanlake {}", env!("CARGO_PKG_VERSION")))
        .build();
    let mut w = parquet::arrow::ArrowWriter::try_new(&mut out, schema, Some(props))?;
    w.write(&batch)?;
    w.close()?;
    Ok(out)
}

/// Writes an export to `path` the way a shell redirection would, but safely: a regular file (new
/// or existing) is replaced atomically, so a reader never sees half of it; a link is followed and
/// its target written; a device or FIFO (`/dev/null`, `/dev/stdout`, a pipe) is written directly and
/// never replaced; a directory is an error that leaves nothing behind.
pub fn write_to(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    use anyhow::Context;
    use std::io::Write;
    let mut target = path.to_path_buf();
    for _ in 0..40 {
        let meta = match std::fs::symlink_metadata(&target) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return crate::dataset::write_atomically(&target, bytes);
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
            return crate::dataset::write_atomically(&target, bytes);
        }
        // A device, FIFO or socket: write into it as it is.
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(&target)
            .with_context(|| format!("cannot open {}", target.display()))?;
        return f
            .write_all(bytes)
            .and_then(|_| f.flush())
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
    fn json_keeps_exact_integers_and_nulls() {
        let j = String::from_utf8(render(&sample(), Format::Json).unwrap()).unwrap();
        let v: serde_json::Value = serde_json::from_str(&j).unwrap();
        assert_eq!(v[0]["bytes"], 1536);
        assert_eq!(v[1]["newest"], serde_json::Value::Null);
        assert_eq!(v[1]["dir"], "/t\tx\ny");
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
