//! `duplicates`: candidate duplicate files. Per scan date, files with the same base name and the
//! same size (more than zero bytes) are one group; hard links of one object (same inode,
//! generation and snapshot) are one copy. A group of two or more copies is a candidate, and keeping
//! one copy would save `size × (copies − 1)` bytes. Engines compute usage by base name and size,
//! which counts every linked object once in `unique_bytes`, so `copies = unique_bytes / size`.
//! Groups arrive sorted (spilled to disk when many), and `top` keeps the largest savings per date.

use super::cells::{Cell, Column, ColumnType, exact};
use super::partial::{Counters, Key};
use super::rows::Rows;
use crate::format::time;
use anyhow::{Result, bail};

pub fn columns() -> Vec<Column> {
    vec![
        Column::new("acq", ColumnType::Date),
        Column::new("name", ColumnType::Text),
        Column::new("size", ColumnType::Bytes),
        Column::new("copies", ColumnType::Int),
        Column::new("links", ColumnType::Int),
        Column::new("bytes", ColumnType::Bytes),
        Column::new("bytes_saved", ColumnType::Bytes),
    ]
}

/// The candidate groups among usage by `[acq, name, size]`, in the order they come.
pub fn rows(groups: impl Iterator<Item = Result<(Vec<Key>, Counters)>> + Send + 'static) -> Rows {
    let rows = groups.filter_map(|entry| {
        let row = || {
            let (key, c) = entry?;
            let [Key::Int(acq), name, size] = &key[..] else {
                bail!("a duplicates group is not a date, a name and a size")
            };
            let Key::Int(size) = *size else { return Ok(None) };
            if size <= 0 {
                return Ok(None);
            }
            let copies = c.unique_bytes / i128::from(size);
            if copies < 2 {
                return Ok(None);
            }
            let (y, m, d) = time::civil_from_days(*acq);
            Ok(Some(vec![
                Cell::Text(format!("{y:04}-{m:02}-{d:02}")),
                name.clone().into_cell(),
                Cell::Int(size),
                exact(copies, "copies")?,
                exact(c.objects, "links")?,
                exact(c.unique_bytes, "bytes")?,
                exact(c.unique_bytes - i128::from(size), "bytes_saved")?,
            ]))
        };
        row().transpose()
    });
    Rows::new(columns(), rows)
}
