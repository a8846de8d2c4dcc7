//! Property: any records, written as policy lines and converted, read back equal — paths byte for
//! byte, every SHOW value typed, each row in the partition of its tld.

mod common;

use arrow::array::{Array, AsArray};
use arrow::datatypes::{Float64Type, Int64Type, TimestampMicrosecondType, UInt32Type, UInt64Type};
use proptest::prelude::*;
use scanlake::dataset::read::{data_files, read_file};
use scanlake::dataset::{tld_of, unescape_value};
use scanlake::generate::{GenLayout, GenRecord};

/// A path of 1–5 components of any bytes but NUL and `/`.
fn path() -> impl Strategy<Value = Vec<u8>> {
    let component = prop::collection::vec(any::<u8>().prop_filter("no NUL or /", |b| *b != 0 && *b != b'/'), 1..12);
    prop::collection::vec(component, 1..6).prop_map(|cs| {
        let mut p = Vec::new();
        for c in cs {
            p.push(b'/');
            p.extend(c);
        }
        p
    })
}

/// Text values as GPFS could print them: anything but `|` (the SHOW separator).
fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 _=%.:#-]{0,10}"
}

fn micros() -> impl Strategy<Value = i64> {
    // 1950 to 2150.
    -631_152_000_000_000i64..5_680_281_600_000_000
}

fn record() -> impl Strategy<Value = GenRecord> {
    (
        (any::<u64>(), any::<u32>(), 0u64..3, path()),
        (0i64..i64::MAX, 0i64..(1 << 50), micros(), micros(), micros(), micros()),
        (any::<u32>(), any::<u32>(), (0u32..100_000).prop_map(|h| f64::from(h) / 64.0), 0i64..5),
        (text(), "[-dlcbps][rwx-]{9}", text(), text()),
    )
        .prop_map(
            |(
                (inode, generation, snapshot, path),
                (size, kballoc, access, create, modify, change),
                (uid, gid, heat, nlink),
                (pool, mode, misc, fileset),
            )| {
                GenRecord {
                    inode,
                    generation,
                    snapshot,
                    path,
                    size,
                    kballoc,
                    access,
                    create,
                    modify,
                    change,
                    uid,
                    gid,
                    heat,
                    pool,
                    mode,
                    misc,
                    nlink,
                    fileset,
                }
            },
        )
}

fn text_or_null(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// A row read back, in the shape of a [`GenRecord`] (`None` for null text).
#[derive(Debug, PartialEq)]
struct Back {
    inode: u64,
    generation: u32,
    snapshot: u64,
    path: Vec<u8>,
    ints: [i64; 7],
    ids: [u32; 2],
    heat: f64,
    texts: [Option<String>; 4],
    kind: String,
}

fn expected(r: &GenRecord) -> Back {
    Back {
        inode: r.inode,
        generation: r.generation,
        snapshot: r.snapshot,
        path: r.path.clone(),
        ints: [r.size, r.kballoc, r.access, r.create, r.modify, r.change, r.nlink],
        ids: [r.uid, r.gid],
        heat: r.heat,
        texts: [text_or_null(&r.pool), text_or_null(&r.mode), text_or_null(&r.misc), text_or_null(&r.fileset)],
        kind: match r.mode.as_bytes()[0] {
            b'-' => "file",
            b'd' => "dir",
            b'l' => "link",
            _ => "other",
        }
        .into(),
    }
}

fn read_back(dataset: &std::path::Path) -> Vec<Back> {
    let mut out = Vec::new();
    for file in data_files(dataset).unwrap() {
        let tld_dir = file.parent().unwrap().file_name().unwrap().to_string_lossy().into_owned();
        let tld = unescape_value(tld_dir.strip_prefix("tld=").unwrap()).unwrap();
        for b in read_file(&file, &[]).unwrap() {
            let col = |n: &str| b.column_by_name(n).unwrap_or_else(|| panic!("column {n}")).clone();
            let (path, raw) = (col("path"), col("path_bytes"));
            let (path, raw) = (path.as_string::<i32>(), raw.as_binary::<i32>());
            let int = |n: &str, r: usize| {
                let c = col(n);
                match c.data_type() {
                    arrow::datatypes::DataType::Int64 => c.as_primitive::<Int64Type>().value(r),
                    _ => c.as_primitive::<TimestampMicrosecondType>().value(r),
                }
            };
            let text = |n: &str, r: usize| {
                let c = col(n);
                let c = c.as_string::<i32>();
                c.is_valid(r).then(|| c.value(r).to_string())
            };
            for r in 0..b.num_rows() {
                let p = if raw.is_valid(r) { raw.value(r).to_vec() } else { path.value(r).as_bytes().to_vec() };
                assert_eq!(path.value(r), String::from_utf8_lossy(&p), "path is the lossy form of path_bytes");
                assert_eq!(tld_of(&p, 3), tld.as_slice(), "row in the partition of its tld");
                out.push(Back {
                    inode: col("inode").as_primitive::<UInt64Type>().value(r),
                    generation: col("gen").as_primitive::<UInt32Type>().value(r),
                    snapshot: col("snapshot").as_primitive::<UInt64Type>().value(r),
                    path: p,
                    ints: ["size", "kballoc", "access", "create", "modify", "change", "nlink"].map(|n| int(n, r)),
                    ids: ["uid", "gid"].map(|n| col(n).as_primitive::<UInt32Type>().value(r)),
                    heat: col("heat").as_primitive::<Float64Type>().value(r),
                    texts: ["pool", "mode", "misc", "fileset"].map(|n| text(n, r)),
                    kind: text("kind", r).unwrap(),
                });
            }
        }
    }
    out
}

fn key(b: &Back) -> (Vec<u8>, u64, u64) {
    (b.path.clone(), b.snapshot, b.inode)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn records_survive_conversion(records in prop::collection::vec(record(), 1..40)) {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("fs.2024-05-06.list");
        let mut text = Vec::new();
        for r in &records {
            r.write(GenLayout::Default, &mut text);
        }
        std::fs::write(&input, &text).unwrap();
        let dataset = dir.path().join("lake");
        let s = common::convert_files(&[input], &dataset, &common::small_chunk_options());
        prop_assert_eq!(s.rejects, 0);
        prop_assert_eq!(s.rows, records.len() as u64);

        let mut want: Vec<Back> = records.iter().map(expected).collect();
        let mut got = read_back(&dataset);
        want.sort_by_key(key);
        got.sort_by_key(key);
        prop_assert_eq!(got, want);
    }
}
