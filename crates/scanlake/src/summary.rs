//! A per-user summary read back from a dataset (what `scanlake demo` prints).

use crate::dataset::read::fold_files;
use anyhow::Result;
use arrow::array::{Array, AsArray};
use arrow::datatypes::{Int64Type, UInt32Type};
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct UserUsage {
    pub uid: Option<u32>,
    pub objects: u64,
    pub bytes: i64,
    pub allocated_bytes: i64,
}

/// Objects, bytes and allocated bytes per uid, largest first (ties by uid).
pub fn usage_by_user(dataset: &Path) -> Result<Vec<UserUsage>> {
    let map = fold_files(
        dataset,
        &["uid", "size", "kballoc"],
        HashMap::<Option<u32>, UserUsage>::new,
        |acc, batch| {
            let uid = batch.column_by_name("uid").expect("uid").as_primitive::<UInt32Type>();
            let size = batch.column_by_name("size").expect("size").as_primitive::<Int64Type>();
            let kb = batch.column_by_name("kballoc").expect("kballoc").as_primitive::<Int64Type>();
            for r in 0..batch.num_rows() {
                let key = uid.is_valid(r).then(|| uid.value(r));
                let u = acc.entry(key).or_insert_with(|| UserUsage { uid: key, ..UserUsage::default() });
                u.objects += 1;
                u.bytes += if size.is_valid(r) { size.value(r) } else { 0 };
                u.allocated_bytes += if kb.is_valid(r) { kb.value(r) * 1024 } else { 0 };
            }
        },
        |mut a, b| {
            for (k, v) in b {
                let u = a.entry(k).or_insert_with(|| UserUsage { uid: k, ..UserUsage::default() });
                u.objects += v.objects;
                u.bytes += v.bytes;
                u.allocated_bytes += v.allocated_bytes;
            }
            a
        },
    )?;
    let mut rows: Vec<UserUsage> = map.into_values().collect();
    rows.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.uid.cmp(&b.uid)));
    Ok(rows)
}
