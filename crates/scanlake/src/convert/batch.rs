//! Records into Arrow columns: the dataset schema of a layout, and a builder that fills it.

use crate::format::layout::extra_column_name;
use crate::format::{FieldType, Layout, Record, Value};
use arrow::array::{
    ArrayBuilder, ArrayRef, BinaryBuilder, Float64Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
    UInt32Builder, UInt64Builder,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use arrow::record_batch::RecordBatch;
use std::collections::HashMap;
use std::sync::Arc;

fn arrow_type(ty: FieldType) -> DataType {
    match ty {
        FieldType::Count => DataType::Int64,
        FieldType::Id => DataType::UInt32,
        FieldType::Time => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        FieldType::Float => DataType::Float64,
        FieldType::Text => DataType::Utf8,
    }
}

/// The columns every file has, for a layout. Unknown SHOW keys follow as nullable strings.
pub fn dataset_schema(layout: &Layout) -> SchemaRef {
    let mut fields = vec![
        Field::new("inode", DataType::UInt64, false),
        Field::new("gen", DataType::UInt32, false),
        Field::new("snapshot", DataType::UInt64, false),
        Field::new("path", DataType::Utf8, false),
        Field::new("path_bytes", DataType::Binary, true),
        Field::new("kind", DataType::Utf8, true),
    ];
    fields.extend(layout.columns().into_iter().map(|c| Field::new(c.name, arrow_type(c.ty), true)));
    Arc::new(Schema::new(fields))
}

/// `kind` from the first character of an ls-style mode.
fn kind_of(mode: &[u8]) -> &'static str {
    match mode.first() {
        Some(b'-') => "file",
        Some(b'd') => "dir",
        Some(b'l') => "link",
        _ => "other",
    }
}

/// Text for a string column: as is when valid UTF-8 (checked the fast way), else lossily.
fn utf8(b: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

enum ShowBuilder {
    Int(Int64Builder),
    Id(UInt32Builder),
    Time(TimestampMicrosecondBuilder),
    Float(Float64Builder),
    Text(StringBuilder),
}

impl ShowBuilder {
    fn with_capacity(ty: FieldType, rows: usize, bytes: usize) -> ShowBuilder {
        match ty {
            FieldType::Count => ShowBuilder::Int(Int64Builder::with_capacity(rows)),
            FieldType::Id => ShowBuilder::Id(UInt32Builder::with_capacity(rows)),
            FieldType::Time => ShowBuilder::Time(TimestampMicrosecondBuilder::with_capacity(rows).with_timezone("UTC")),
            FieldType::Float => ShowBuilder::Float(Float64Builder::with_capacity(rows)),
            FieldType::Text => ShowBuilder::Text(StringBuilder::with_capacity(rows, bytes)),
        }
    }

    fn append(&mut self, v: Value, rec: &Record) {
        match (self, v) {
            (ShowBuilder::Int(b), Value::Int(x)) => b.append_value(x),
            (ShowBuilder::Id(b), Value::Int(x)) => b.append_value(x as u32),
            (ShowBuilder::Time(b), Value::Int(x)) => b.append_value(x),
            (ShowBuilder::Float(b), Value::Float(x)) => b.append_value(x),
            (ShowBuilder::Text(b), Value::Text(..)) => b.append_value(utf8(rec.text_of(v).unwrap_or_default())),
            (ShowBuilder::Int(b), _) => b.append_null(),
            (ShowBuilder::Id(b), _) => b.append_null(),
            (ShowBuilder::Time(b), _) => b.append_null(),
            (ShowBuilder::Float(b), _) => b.append_null(),
            (ShowBuilder::Text(b), _) => b.append_null(),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            ShowBuilder::Int(b) => finish_presized(b, Int64Builder::with_capacity),
            ShowBuilder::Id(b) => finish_presized(b, UInt32Builder::with_capacity),
            ShowBuilder::Time(b) => {
                finish_presized(b, |rows| TimestampMicrosecondBuilder::with_capacity(rows).with_timezone("UTC"))
            }
            ShowBuilder::Float(b) => finish_presized(b, Float64Builder::with_capacity),
            ShowBuilder::Text(b) => finish_text(b),
        }
    }
}

/// Finishes `b` and leaves in its place a builder from `next` with room for as many rows plus a
/// margin: regrown by doubling each chunk, builders cost copies and page faults (~10% of parse time).
fn finish_presized<B: ArrayBuilder>(b: &mut B, next: impl FnOnce(usize) -> B) -> ArrayRef {
    let rows = b.len() + b.len() / 8;
    let array = b.finish();
    *b = next(rows);
    array
}

/// [`finish_presized`] for strings, sizing the value bytes too.
fn finish_text(b: &mut StringBuilder) -> ArrayRef {
    let bytes = b.values_slice().len() + b.values_slice().len() / 8;
    finish_presized(b, |rows| StringBuilder::with_capacity(rows, bytes))
}

/// Accumulates the records of one partition.
pub struct BatchBuilder {
    schema: SchemaRef,
    mode_column: Option<usize>,
    inode: UInt64Builder,
    generation: UInt32Builder,
    snapshot: UInt64Builder,
    path: StringBuilder,
    path_bytes: BinaryBuilder,
    kind: StringBuilder,
    show: Vec<ShowBuilder>,
    /// Which SHOW columns held a value at least once.
    pub seen: Vec<bool>,
    extras: Vec<(String, StringBuilder)>,
    extra_index: HashMap<Vec<u8>, usize>,
    rows: usize,
    /// About the bytes the rows take in the builders (their text, and 8 per value).
    pub bytes: usize,
}

impl BatchBuilder {
    pub fn new(schema: &SchemaRef, layout: &Layout) -> BatchBuilder {
        let columns = layout.columns();
        BatchBuilder {
            schema: schema.clone(),
            mode_column: columns.iter().position(|c| c.name == "mode"),
            // Nothing reserved: a worker holds a builder per partition, thousands of them with
            // many small partitions; they grow as rows come and are presized once finished.
            inode: UInt64Builder::with_capacity(0),
            generation: UInt32Builder::with_capacity(0),
            snapshot: UInt64Builder::with_capacity(0),
            path: StringBuilder::with_capacity(0, 0),
            path_bytes: BinaryBuilder::with_capacity(0, 0),
            kind: StringBuilder::with_capacity(0, 0),
            seen: vec![false; columns.len()],
            show: columns.iter().map(|c| ShowBuilder::with_capacity(c.ty, 0, 0)).collect(),
            extras: Vec::new(),
            extra_index: HashMap::new(),
            rows: 0,
            bytes: 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    pub fn append(&mut self, rec: &Record) {
        let rows = self.rows;
        self.rows += 1;
        self.bytes += rec.path.len() + rec.text.len() + 8 * (rec.values.len() + 6);
        self.inode.append_value(rec.inode);
        self.generation.append_value(rec.generation);
        self.snapshot.append_value(rec.snapshot);
        match std::str::from_utf8(&rec.path) {
            Ok(p) => {
                self.path.append_value(p);
                self.path_bytes.append_null();
            }
            Err(_) => {
                self.path.append_value(String::from_utf8_lossy(&rec.path));
                self.path_bytes.append_value(&rec.path);
            }
        }
        match self.mode_column.and_then(|c| rec.text_of(rec.values[c])) {
            Some(mode) => self.kind.append_value(kind_of(mode)),
            None => self.kind.append_null(),
        }
        for (i, (b, &v)) in self.show.iter_mut().zip(&rec.values).enumerate() {
            b.append(v, rec);
            self.seen[i] |= v != Value::Null;
        }
        for (key, value) in &rec.extras {
            let key = &rec.text[key.clone()];
            let idx = match self.extra_index.get(key) {
                Some(&i) => i,
                None => {
                    let mut b = StringBuilder::new();
                    b.append_nulls(rows);
                    self.extras.push((extra_column_name(&String::from_utf8_lossy(key)), b));
                    self.extra_index.insert(key.to_vec(), self.extras.len() - 1);
                    self.extras.len() - 1
                }
            };
            // The parser rejects a line that repeats a key, so each extra column gets one value.
            self.extras[idx].1.append_value(utf8(&rec.text[value.clone()]));
        }
        for (_, b) in &mut self.extras {
            if b.len() == rows {
                b.append_null();
            }
        }
    }

    /// The rows so far as one batch (base schema plus this chunk's extra columns, by name).
    pub fn finish(&mut self) -> RecordBatch {
        let mut fields: Vec<Arc<Field>> = self.schema.fields().iter().cloned().collect();
        let mut columns: Vec<ArrayRef> = vec![
            finish_presized(&mut self.inode, UInt64Builder::with_capacity),
            finish_presized(&mut self.generation, UInt32Builder::with_capacity),
            finish_presized(&mut self.snapshot, UInt64Builder::with_capacity),
            finish_text(&mut self.path),
            // Null unless a path is not UTF-8: nothing worth reserving.
            Arc::new(self.path_bytes.finish()),
            finish_text(&mut self.kind),
        ];
        columns.extend(self.show.iter_mut().map(ShowBuilder::finish));
        let mut extras = std::mem::take(&mut self.extras);
        self.extra_index.clear();
        // Distinct keys have distinct names (`extra_column_name` is one-to-one), but two byte strings
        // can read the same once made UTF-8 lossily; keep both, the second under a suffix.
        extras.sort_by(|a, b| a.0.cmp(&b.0));
        for i in 1..extras.len() {
            if extras[i].0 == extras[i - 1].0 {
                extras[i].0 = format!("{}_{i}", extras[i].0);
            }
        }
        for (name, mut b) in extras {
            fields.push(Arc::new(Field::new(name, DataType::Utf8, true)));
            columns.push(Arc::new(b.finish()));
        }
        self.rows = 0;
        self.bytes = 0;
        RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).expect("builders match the schema")
    }
}
