//! Conversion: nothing lost, every reject explained, compressed inputs, idempotent reruns, failure
//! thresholds, interrupted commits and clear errors.

mod common;

use arrow::array::{Array, AsArray};
use arrow::datatypes::UInt64Type;
use common::{convert_files, small_chunk_options, visible_data_files};
use scanlake::convert::{ConvertOptions, InputStatus, NoProgress, convert};
use scanlake::dataset::read::{canonical_rows, data_files, manifest, read_file};
use scanlake::generate::{GenOptions, generate_to_path};
use std::path::{Path, PathBuf};

fn gen_file(dir: &Path, name: &str, opts: &GenOptions) -> PathBuf {
    let p = dir.join(name);
    generate_to_path(opts, &p).unwrap();
    p
}

fn rejects(dataset: &Path) -> Vec<(u64, String, String, Vec<u8>)> {
    let m = manifest(dataset).unwrap();
    let mut out = Vec::new();
    let files = m
        .inputs
        .values()
        .filter_map(|e| e.rejects_file.clone())
        .chain(m.failed.values().filter_map(|e| e.rejects_file.clone()));
    for f in files {
        for b in read_file(&dataset.join(f), &[]).unwrap() {
            let line = b.column_by_name("line").unwrap().as_primitive::<UInt64Type>().clone();
            let code = b.column_by_name("code").unwrap().as_string::<i32>().clone();
            let reason = b.column_by_name("reason").unwrap().as_string::<i32>().clone();
            let raw = b.column_by_name("raw").unwrap().as_binary::<i64>().clone();
            for r in 0..b.num_rows() {
                out.push((
                    line.value(r),
                    code.value(r).to_string(),
                    reason.value(r).to_string(),
                    raw.value(r).to_vec(),
                ));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_line_is_a_row_a_reject_or_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("scan.2025-01-02.list");
    let lines: Vec<&[u8]> = vec![
        b"# header comment",
        b"1 1 0  %7Csize%3D10%7Cmode%3D-rw-r--r--%7C -- /gpfs/fs1/a/one",
        b"",
        b"2 1 0  %7Csize%3Dten%7C -- /gpfs/fs1/a/two",
        b"3 1 0  %7Csize%3D30%7C /gpfs/fs1/a/three",
        b"4 1 0  %7Csize%3D40%7Cmode%3Ddrwxr-xr-x%7C -- /gpfs/fs1/a/dir%0Awith%20newline",
        b"x 1 0  %7Csize%3D50%7C -- /gpfs/fs1/a/five",
        b"6 1 0  %7Csize%3D60%7C -- /gpfs/fs1/b/six-no-newline",
    ];
    std::fs::write(&input, lines.join(&b"\n"[..])).unwrap();
    let dataset = dir.path().join("lake");
    let s = convert_files(
        std::slice::from_ref(&input),
        &dataset,
        &ConvertOptions { max_reject_fraction: 0.5, ..small_chunk_options() },
    );
    assert_eq!((s.lines, s.rows, s.rejects, s.skipped), (8, 3, 3, 2));
    assert_eq!(s.inputs[0].acq, "2025-01-02");
    let got = rejects(&dataset);
    let reasons: Vec<(u64, &str)> = got.iter().map(|r| (r.0, r.1.as_str())).collect();
    assert_eq!(reasons, [(4, "bad-number"), (5, "missing-separator"), (7, "bad-header")]);
    assert_eq!(got[0].2, "SHOW key 'size': 'ten' is not a number");
    assert_eq!(got[1].3, lines[4], "raw bytes of the rejected line are kept");

    let rows = canonical_rows(&dataset).unwrap();
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().any(|r| r.contains("path=/gpfs/fs1/a/dir\nwith newline") && r.contains("kind=dir")));
    assert!(rows.iter().any(|r| r.contains("path=/gpfs/fs1/b/six-no-newline")));
}

#[test]
fn compressed_inputs_give_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let opts = GenOptions {
        records: 3000,
        hostile_fraction: 0.1,
        malformed_fraction: 0.002,
        directories: true,
        ..GenOptions::default()
    };
    let mut datasets = Vec::new();
    for name in ["scan.2026-11-01.list", "scan.2026-11-01.list.gz", "scan.2026-11-01.list.zst"] {
        let input = gen_file(dir.path(), name, &opts);
        let dataset = dir.path().join(format!("lake-{name}"));
        let s = convert_files(&[input], &dataset, &small_chunk_options());
        assert_eq!(s.rows, 3000);
        datasets.push(canonical_rows(&dataset).unwrap());
    }
    assert_eq!(datasets[0], datasets[1]);
    assert_eq!(datasets[0], datasets[2]);
}

#[test]
fn converting_again_replaces_and_never_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let input = gen_file(dir.path(), "fs1.2026-11-01.list", &GenOptions { records: 5000, ..GenOptions::default() });
    let dataset = dir.path().join("lake");
    let opts = ConvertOptions { target_file_bytes: 64 << 10, ..small_chunk_options() };
    convert_files(std::slice::from_ref(&input), &dataset, &opts);
    let first = canonical_rows(&dataset).unwrap();
    let first_files = visible_data_files(&dataset);
    assert_eq!(first.len(), 5000);

    convert_files(std::slice::from_ref(&input), &dataset, &opts);
    assert_eq!(canonical_rows(&dataset).unwrap(), first);
    let second_files = visible_data_files(&dataset);
    assert!(second_files.iter().all(|f| !first_files.contains(f)), "the rerun's files replaced the first run's");

    // The same content under another name is the same input.
    let copy = dir.path().join("copy-of-fs1.2026-11-01.list");
    std::fs::copy(&input, &copy).unwrap();
    convert_files(&[copy], &dataset, &opts);
    assert_eq!(canonical_rows(&dataset).unwrap(), first);
    assert_eq!(manifest(&dataset).unwrap().inputs.len(), 1);

    let skip = ConvertOptions { skip_existing: true, ..opts.clone() };
    let s = convert_files(&[input], &dataset, &skip);
    assert_eq!(s.inputs[0].status, InputStatus::Unchanged);
    assert_eq!(
        visible_data_files(&dataset),
        data_files(&dataset)
            .unwrap()
            .iter()
            .map(|p| p.strip_prefix(&dataset).unwrap().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
    );
}

#[test]
fn too_many_rejects_fail_the_input_but_keep_the_rejects() {
    let dir = tempfile::tempdir().unwrap();
    let good = gen_file(dir.path(), "good.2026-11-01.list", &GenOptions { records: 2000, ..GenOptions::default() });
    let bad = gen_file(
        dir.path(),
        "bad.2026-11-01.list",
        &GenOptions { records: 2000, malformed_fraction: 0.2, seed: 9, ..GenOptions::default() },
    );
    let dataset = dir.path().join("lake");
    let s = convert(&[good, bad.clone()], &dataset, &small_chunk_options(), &NoProgress).unwrap();
    assert_eq!(s.rows + s.rejects + s.skipped, s.lines);
    assert_eq!(s.inputs[0].status, InputStatus::Converted);
    assert_eq!(s.inputs[1].status, InputStatus::Failed);
    assert!(s.inputs[1].message.as_deref().unwrap().contains("more than the maximum reject fraction 0.01"));
    // Only the good input's rows are visible; the bad one's rejects are all recorded.
    assert_eq!(canonical_rows(&dataset).unwrap().len(), 2000);
    assert_eq!(rejects(&dataset).len() as u64, s.inputs[1].rejects);
    let m = manifest(&dataset).unwrap();
    assert_eq!(m.failed.len(), 1);

    // With a higher threshold the same input converts, and its failure record goes.
    let s = convert_files(&[bad], &dataset, &ConvertOptions { max_reject_fraction: 0.5, ..small_chunk_options() });
    assert_eq!(s.inputs[0].status, InputStatus::Converted);
    let m = manifest(&dataset).unwrap();
    assert!(m.failed.is_empty());
    assert_eq!(canonical_rows(&dataset).unwrap().len(), 4000);
    assert_eq!(rejects(&dataset).len() as u64, s.inputs[0].rejects);
}

#[test]
fn small_memory_budgets_change_files_not_rows() {
    let dir = tempfile::tempdir().unwrap();
    let input = gen_file(
        dir.path(),
        "fs1.2026-11-01.list",
        &GenOptions { records: 20_000, top_dirs: 300, ..GenOptions::default() },
    );
    let roomy = dir.path().join("roomy");
    let tight = dir.path().join("tight");
    let a = convert_files(
        std::slice::from_ref(&input),
        &roomy,
        &ConvertOptions { threads: 2, ..ConvertOptions::default() },
    );
    let b = convert_files(
        &[input],
        &tight,
        &ConvertOptions {
            threads: 2,
            chunk_bytes: 64 << 10,
            memory_budget_bytes: 1 << 20,
            target_file_bytes: 256 << 10,
            ..ConvertOptions::default()
        },
    );
    assert_eq!(canonical_rows(&roomy).unwrap(), canonical_rows(&tight).unwrap());
    assert!(b.files > a.files, "a tight budget writes more, smaller files ({} vs {})", b.files, a.files);
    let partitions = std::fs::read_dir(roomy.join("acq=2026-11-01")).unwrap().count();
    assert_eq!(a.files, partitions, "with room, one file per partition");
}

#[test]
fn files_are_sorted_by_path_and_carry_the_format_version() {
    let dir = tempfile::tempdir().unwrap();
    let input = gen_file(
        dir.path(),
        "fs1.2026-11-01.list",
        &GenOptions { records: 5000, hostile_fraction: 0.2, ..GenOptions::default() },
    );
    let dataset = dir.path().join("lake");
    convert_files(&[input], &dataset, &small_chunk_options());
    for f in data_files(&dataset).unwrap() {
        let reader = parquet::file::reader::SerializedFileReader::new(std::fs::File::open(&f).unwrap()).unwrap();
        let kv =
            parquet::file::reader::FileReader::metadata(&reader).file_metadata().key_value_metadata().cloned().unwrap();
        assert!(kv.iter().any(|k| k.key == "scanlake.format_version"
            && k.value.as_deref() == Some(scanlake::dataset::manifest::FORMAT_VERSION.to_string().as_str())));
        let mut keys = Vec::new();
        for b in read_file(&f, &["path", "path_bytes"]).unwrap() {
            let p = b.column_by_name("path").unwrap().as_string::<i32>().clone();
            let raw = b.column_by_name("path_bytes").unwrap().as_binary::<i32>().clone();
            keys.extend(
                (0..b.num_rows())
                    .map(|r| if raw.is_valid(r) { raw.value(r).to_vec() } else { p.value(r).as_bytes().to_vec() }),
            );
        }
        assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{} is not sorted by path", f.display());
    }
}

#[test]
fn unknown_keys_become_string_columns() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("x.2024-01-01.list");
    std::fs::write(&input, "1 1 0  |size=1|project=astro|path=/a| -- /a\n2 1 0  |size=2| -- /b\n").unwrap();
    let dataset = dir.path().join("lake");
    let s = convert_files(
        &[input],
        &dataset,
        &ConvertOptions {
            layout: scanlake::format::Layout { escape: scanlake::format::Escape::None, ..Default::default() },
            ..small_chunk_options()
        },
    );
    assert_eq!(s.rows, 2);
    let rows = canonical_rows(&dataset).unwrap();
    assert!(rows[0].contains("project=astro") && rows[0].contains("show_path=/a"), "{rows:?}");
    assert!(rows[1].contains("project=∅"), "{rows:?}");
    let m = manifest(&dataset).unwrap();
    assert_eq!(m.inputs.values().next().unwrap().columns_seen, ["size"]);
}

#[test]
fn positional_layouts_convert() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("x.2024-01-01.list");
    std::fs::write(&input, "1 1 0  1001:4096:4 -- /gpfs/a\n2 1 0  1002:1:0 -- /gpfs/b\n").unwrap();
    let layout = scanlake::format::Layout::positional(
        &["uid".into(), "size".into(), "kballoc".into()],
        ":",
        scanlake::format::Escape::None,
    )
    .unwrap();
    let dataset = dir.path().join("lake");
    convert_files(&[input], &dataset, &ConvertOptions { layout, ..small_chunk_options() });
    let rows = canonical_rows(&dataset).unwrap();
    assert!(rows[0].contains("uid=1001") && rows[0].contains("size=4096") && rows[0].contains("kind=∅"), "{rows:?}");
}

#[test]
fn clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let undated = dir.path().join("list.allfiles");
    std::fs::write(&undated, "1 1 0  |size=1| -- /a\n").unwrap();
    let dataset = dir.path().join("lake");
    let err = convert(std::slice::from_ref(&undated), &dataset, &ConvertOptions::default(), &NoProgress).unwrap_err();
    assert!(
        format!("{err:#}").contains("cannot tell the scan date") && format!("{err:#}").contains("`acq`"),
        "{err:#}"
    );
    assert!(!dataset.exists(), "nothing is created before the inputs are checked");

    let opts = ConvertOptions { acq: Some("2024-01-01".parse().unwrap()), ..ConvertOptions::default() };
    convert_files(std::slice::from_ref(&undated), &dataset, &opts);
    let err = convert(
        std::slice::from_ref(&undated),
        &dataset,
        &ConvertOptions { tld_depth: 2, ..opts.clone() },
        &NoProgress,
    )
    .unwrap_err();
    assert!(err.to_string().contains("tld depth 3, not 2"), "{err}");

    let not_a_dataset = dir.path().join("other");
    std::fs::create_dir(&not_a_dataset).unwrap();
    std::fs::write(not_a_dataset.join("notes.txt"), "x").unwrap();
    let err = convert(&[undated], &not_a_dataset, &opts, &NoProgress).unwrap_err();
    assert!(err.to_string().contains("is not empty and is not a scanlake dataset"), "{err}");

    let err = convert(&[dir.path().join("missing.list")], &dataset, &opts, &NoProgress).unwrap_err();
    assert!(err.to_string().contains("cannot read input"), "{err}");
}

#[test]
fn a_failed_reconversion_keeps_the_rows_an_earlier_one_published() {
    let dir = tempfile::tempdir().unwrap();
    let opts = GenOptions { records: 2000, malformed_fraction: 0.2, seed: 4, ..GenOptions::default() };
    let input = gen_file(dir.path(), "fs1.2026-11-01.list", &opts);
    let dataset = dir.path().join("lake");
    let lenient = ConvertOptions { max_reject_fraction: 0.5, ..small_chunk_options() };
    convert_files(std::slice::from_ref(&input), &dataset, &lenient);
    let rows = canonical_rows(&dataset).unwrap();
    let first_rejects = manifest(&dataset).unwrap().inputs.values().next().unwrap().rejects_file.clone().unwrap();

    let s = convert_files(std::slice::from_ref(&input), &dataset, &small_chunk_options());
    assert_eq!(s.inputs[0].status, InputStatus::Failed);
    assert_eq!(canonical_rows(&dataset).unwrap(), rows, "the earlier rows stay published");
    let m = manifest(&dataset).unwrap();
    let entry = m.inputs.values().next().unwrap();
    let failed = m.failed.values().next().unwrap();
    assert_eq!(entry.rejects_file, None, "the earlier rejects are replaced by the failed run's");
    assert!(!dataset.join(&first_rejects).exists());
    assert!(dataset.join(failed.rejects_file.as_ref().unwrap()).exists());
    assert_eq!(rejects(&dataset).len() as u64, s.inputs[0].rejects);
    assert_eq!(visible_data_files(&dataset).len(), entry.files.len());
}
