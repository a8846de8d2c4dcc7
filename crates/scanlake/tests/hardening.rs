//! Hardening: inputs are told apart by their whole content, partition names are always valid, a
//! commit that cannot be finished is undone, metadata paths never leave the dataset, readers and
//! writers work side by side, sums are exact or fail, damaged files are detected.

mod common;

use common::convert_files;
use scanlake::aggregate::engine::{Limits, run};
use scanlake::aggregate::spec::{Dimension, Filter, GroupedReport, Report, ReportKind};
use scanlake::aggregate::streaming::StreamingEngine;
use scanlake::aggregate::table::Cell;
use scanlake::convert::{ConvertOptions, InputStatus, NoProgress, convert};
use scanlake::dataset::Dataset;
use scanlake::dataset::lock::LockWait;
use scanlake::dataset::read::{canonical_rows, manifest};
use scanlake::dataset::view::DatasetView;
use std::path::{Path, PathBuf};

fn line(inode: u64, size: u64, path: &str) -> String {
    format!("{inode} 1 0  %7Csize%3D{size}%7Ckballoc%3D1%7Cuid%3D{}%7Cmode%3D-rw-r--r--%7C -- {path}\n", inode % 7)
}

fn write(path: &Path, text: &str) -> PathBuf {
    std::fs::write(path, text).unwrap();
    path.to_path_buf()
}

fn usage_by(by: Vec<Dimension>) -> Report {
    Report {
        name: "usage".into(),
        kind: ReportKind::Grouped(GroupedReport { by, age: None, size: None }),
        filter: Filter::default(),
        top: None,
    }
}

fn usage(dataset: &Path) -> anyhow::Result<scanlake::aggregate::table::Table> {
    let view = DatasetView::open(dataset)?;
    run(&StreamingEngine, &view, &usage_by(vec![Dimension::Uid]), &Limits::default(), &NoProgress)
}

#[test]
fn inputs_of_one_size_that_differ_in_the_middle_are_two_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<String> =
        (0..200_000).map(|i| line(i, i * 3, &format!("/gpfs/fs1/home/u{}/f{i}", i % 50))).collect();
    let first = write(&dir.path().join("fs1.2026-11-01.list"), &lines.concat());
    let mut changed = lines.clone();
    changed[100_000] = changed[100_000].replace("/home/", "/HOME/");
    let second = write(&dir.path().join("fs1.2026-11-08.list"), &changed.concat());
    assert_eq!(std::fs::metadata(&first).unwrap().len(), std::fs::metadata(&second).unwrap().len());

    let lake = dir.path().join("lake");
    convert_files(&[first], &lake, &ConvertOptions::default());
    convert_files(&[second], &lake, &ConvertOptions::default());
    let m = manifest(&lake).unwrap();
    let dates: Vec<&str> = m.inputs.values().map(|e| e.acq.as_str()).collect();
    assert_eq!(m.inputs.len(), 2, "{dates:?}");
    assert!(dates.contains(&"2026-11-01") && dates.contains(&"2026-11-08"), "{dates:?}");
    assert_eq!(canonical_rows(&lake).unwrap().len(), 400_000);
}

#[test]
fn long_tlds_get_valid_directories_and_exact_reports() {
    let dir = tempfile::tempdir().unwrap();
    let long = format!("/gpfs/{}", "x".repeat(300));
    let cjk = format!("/gpfs/{}", "\u{6587}\u{4ef6}".repeat(20));
    let text = [line(1, 10, &format!("{long}/a/f1")), line(2, 20, &format!("{cjk}/b/f2")), line(3, 30, "/gpfs/s/c/f3")]
        .concat();
    let input = write(&dir.path().join("fs1.2026-11-01.list"), &text);
    let lake = dir.path().join("lake");
    let opts = ConvertOptions { tld_depth: 2, ..ConvertOptions::default() };
    let s = convert_files(std::slice::from_ref(&input), &lake, &opts);
    assert_eq!(s.rows, 3);
    let view = DatasetView::open(&lake).unwrap();
    let tlds: Vec<&str> = view.partitions.iter().map(|p| p.tld_text.as_str()).collect();
    assert!(tlds.contains(&long.as_str()) && tlds.contains(&cjk.as_str()), "{tlds:?}");
    let table = run(&StreamingEngine, &view, &usage_by(vec![Dimension::Tld]), &Limits::default(), &NoProgress).unwrap();
    let shown: Vec<&Cell> = table.rows.iter().map(|r| &r[1]).collect();
    assert!(shown.contains(&&Cell::Text(long.clone())), "{shown:?}");
    drop(view);
    // The dataset stays usable: another input, and the same one again.
    let other = write(&dir.path().join("fs1.2026-11-02.list"), &line(4, 40, "/gpfs/s/c/f4"));
    convert_files(&[other, input], &lake, &opts);
    assert_eq!(canonical_rows(&lake).unwrap().len(), 4);
}

#[test]
fn a_journal_that_cannot_be_applied_is_undone_and_does_not_block() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(&dir.path().join("fs1.2026-11-01.list"), &line(1, 10, "/gpfs/fs1/a/f"));
    let lake = dir.path().join("lake");
    convert_files(std::slice::from_ref(&input), &lake, &ConvertOptions::default());
    let before = canonical_rows(&lake).unwrap();
    let m = std::fs::read_to_string(lake.join("_scanlake/manifest.json")).unwrap();
    // A staged file that is gone: the commit can never be finished.
    let journal = format!(
        r#"{{"moves":[["_scanlake/staging/x/000000.parquet.tmp","acq=2026-11-09/tld=%2Fz/part-x.parquet"]],"manifest":{m}}}"#
    );
    std::fs::write(lake.join("_scanlake/journal.json"), journal).unwrap();
    let told = std::sync::Mutex::new(String::new());
    let notice = |t: &str| told.lock().unwrap().push_str(t);
    drop(Dataset::open_with(&lake, 3, LockWait { timeout: None, notice: &notice }).unwrap());
    let told = told.into_inner().unwrap();
    assert!(told.contains("could not be finished and was undone") && told.contains("missing"), "{told}");
    assert!(!lake.join("_scanlake/journal.json").exists());
    assert_eq!(canonical_rows(&lake).unwrap(), before);
    convert_files(&[input], &lake, &ConvertOptions::default());
    assert_eq!(canonical_rows(&lake).unwrap(), before);
}

#[test]
fn metadata_paths_outside_the_dataset_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let victim = write(&dir.path().join("victim"), "precious");
    let input = write(&dir.path().join("fs1.2026-11-01.list"), &line(1, 10, "/gpfs/fs1/a/f"));
    let lake = dir.path().join("lake");
    convert_files(std::slice::from_ref(&input), &lake, &ConvertOptions::default());
    let manifest_path = lake.join("_scanlake/manifest.json");
    let good = std::fs::read_to_string(&manifest_path).unwrap();
    let mut m: serde_json::Value = serde_json::from_str(&good).unwrap();

    // An absolute path, then a `..`, among the files a reconversion would delete.
    for evil in [victim.display().to_string(), "../victim".to_string()] {
        let entry = m["inputs"].as_object_mut().unwrap().values_mut().next().unwrap();
        entry["files"].as_array_mut().unwrap().push(evil.clone().into());
        std::fs::write(&manifest_path, serde_json::to_vec(&m).unwrap()).unwrap();
        let err = convert(std::slice::from_ref(&input), &lake, &ConvertOptions::default(), &NoProgress).err().unwrap();
        assert!(format!("{err:#}").contains("not a plain path inside the dataset"), "{err:#}");
        assert!(DatasetView::open(&lake).is_err());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        m = serde_json::from_str(&good).unwrap();
    }
    std::fs::write(&manifest_path, &good).unwrap();

    // A journal whose moves leave the dataset is dropped before it touches anything.
    let journal =
        format!(r#"{{"moves":[["{}","acq=2026-11-09/tld=x/p.parquet"]],"manifest":{good}}}"#, victim.display());
    std::fs::write(lake.join("_scanlake/journal.json"), journal).unwrap();
    convert_files(std::slice::from_ref(&input), &lake, &ConvertOptions::default());
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");

    // A partition directory swapped for a link to elsewhere: a reconversion deletes nothing there.
    let outside = dir.path().join("outside");
    let partition =
        lake.join(manifest(&lake).unwrap().inputs.values().next().unwrap().files[0].rsplit_once('/').unwrap().0);
    std::fs::rename(&partition, &outside).unwrap();
    std::os::unix::fs::symlink(&outside, &partition).unwrap();
    let kept: Vec<_> = std::fs::read_dir(&outside).unwrap().map(|e| e.unwrap().path()).collect();
    let s = convert(&[input], &lake, &ConvertOptions::default(), &NoProgress).unwrap();
    assert_eq!(s.inputs[0].status, InputStatus::Error, "{s:?}");
    assert!(s.inputs[0].message.as_deref().unwrap().contains("symbolic link"), "{s:?}");
    assert!(kept.iter().all(|p| p.exists()), "nothing outside the dataset is deleted");
}

#[test]
fn reports_never_fail_while_the_same_inputs_are_converted_again() {
    let dir = tempfile::tempdir().unwrap();
    let inputs: Vec<PathBuf> = (1..=2)
        .map(|d| {
            let text: String =
                (0..20_000).map(|i| line(i, i * d, &format!("/gpfs/fs{}/u{}/f{i}", i % 3, i % 11))).collect();
            write(&dir.path().join(format!("fs.2026-11-0{d}.list")), &text)
        })
        .collect();
    let lake = dir.path().join("lake");
    let opts = ConvertOptions { target_file_bytes: 1 << 20, ..ConvertOptions::default() };
    convert_files(&inputs, &lake, &opts);
    let expected = usage(&lake).unwrap();
    let done = std::sync::atomic::AtomicBool::new(false);
    let (reports, failures) = std::thread::scope(|s| {
        let reader = s.spawn(|| {
            let (mut n, mut failures) = (0, Vec::new());
            while !done.load(std::sync::atomic::Ordering::Relaxed) || n < 5 {
                match usage(&lake) {
                    Ok(t) if t == expected => {}
                    Ok(t) => failures.push(format!("different numbers: {t:?}")),
                    Err(e) => failures.push(format!("{e:#}")),
                }
                n += 1;
            }
            (n, failures)
        });
        for _ in 0..12 {
            convert_files(&inputs, &lake, &opts);
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        reader.join().unwrap()
    });
    assert!(
        failures.is_empty(),
        "{} of {reports} reports failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );
    // Once no reader remains, the next writer deletes every replaced file.
    convert_files(&inputs, &lake, &opts);
    assert!(manifest(&lake).unwrap().retired.is_empty());
    assert_eq!(common::visible_data_files(&lake).len(), scanlake::dataset::read::data_files(&lake).unwrap().len());
}

#[test]
fn replaced_files_stay_while_a_reader_holds_the_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(&dir.path().join("fs1.2026-11-01.list"), &line(1, 10, "/gpfs/fs1/a/f"));
    let lake = dir.path().join("lake");
    convert_files(std::slice::from_ref(&input), &lake, &ConvertOptions::default());
    let view = DatasetView::open(&lake).unwrap();
    let old: Vec<PathBuf> = view.partitions.iter().flat_map(|p| p.files.iter().map(|f| f.path.clone())).collect();
    convert_files(std::slice::from_ref(&input), &lake, &ConvertOptions::default());
    assert!(old.iter().all(|f| f.exists()), "a reader's files outlive the commit that replaced them");
    let retired = manifest(&lake).unwrap().retired;
    let (summaries, data): (Vec<&String>, Vec<&String>) = retired.iter().partition(|r| r.starts_with("_summaries/"));
    assert_eq!(data.len(), old.len());
    assert_eq!(summaries.len(), 1, "the replaced input's usage summary is retired with its data: {retired:?}");
    run(&StreamingEngine, &view, &usage_by(vec![Dimension::Uid]), &Limits::default(), &NoProgress).unwrap();
    drop(view);
    convert_files(&[input], &lake, &ConvertOptions::default());
    assert!(old.iter().all(|f| !f.exists()));
}

#[test]
fn sums_beyond_64_bits_fail_clearly_and_sizes_that_cannot_be_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let big = i64::MAX as u64;
    let text = [
        line(1, big, "/gpfs/fs1/a/f1"),
        line(8, big, "/gpfs/fs1/a/f2"),
        // KiB beyond what 64-bit bytes can hold: not a real file.
        format!("3 1 0  %7Csize%3D1%7Ckballoc%3D{}%7C -- /gpfs/fs1/a/f3\n", u64::MAX / 1000),
    ]
    .concat();
    let input = write(&dir.path().join("fs1.2026-11-01.list"), &text);
    let lake = dir.path().join("lake");
    let s = convert_files(&[input], &lake, &ConvertOptions { max_reject_fraction: 1.0, ..ConvertOptions::default() });
    assert_eq!((s.rows, s.rejects), (2, 1));
    // Both rows have uid 1: their bytes sum to 2^64 - 2.
    let err = usage(&lake).unwrap_err().to_string();
    assert!(err.contains("the total 'bytes' is 18446744073709551614"), "{err}");
}

#[test]
fn a_damaged_data_file_is_an_error_not_wrong_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let text: String = (0..50_000).map(|i| line(i, i, &format!("/gpfs/fs1/u/f{i}"))).collect();
    let input = write(&dir.path().join("fs1.2026-11-01.list"), &text);
    let lake = dir.path().join("lake");
    convert_files(&[input], &lake, &ConvertOptions::default());
    usage(&lake).unwrap();
    let file = scanlake::dataset::read::data_files(&lake).unwrap().remove(0);
    let mut bytes = std::fs::read(&file).unwrap();
    let mid = bytes.len() / 2;
    let end = (mid + 4096).min(bytes.len());
    bytes[mid..end].fill(0xA5);
    std::fs::write(&file, bytes).unwrap();
    let err = usage(&lake).unwrap_err().to_string();
    assert!(err.contains("is damaged or was changed after it was written"), "{err}");
}

/// Each column chunk of a file: (column, start, length).
fn column_chunks(file: &Path) -> Vec<(String, u64, u64)> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let reader = SerializedFileReader::new(std::fs::File::open(file).unwrap()).unwrap();
    let meta = reader.metadata();
    let mut chunks = Vec::new();
    for rg in meta.row_groups() {
        for c in rg.columns() {
            let (start, len) = c.byte_range();
            chunks.push((c.column_path().string(), start, len));
        }
    }
    chunks
}

#[test]
fn a_report_checks_exactly_the_columns_it_reads_and_verify_checks_every_one() {
    let dir = tempfile::tempdir().unwrap();
    let text: String = (0..50_000).map(|i| line(i, i, &format!("/gpfs/fs1/u/f{i}"))).collect();
    let input = write(&dir.path().join("fs1.2026-11-01.list"), &text);
    let lake = dir.path().join("lake");
    convert_files(&[input], &lake, &ConvertOptions::default());
    let clean = usage(&lake).unwrap();
    let file = scanlake::dataset::read::data_files(&lake).unwrap().remove(0);
    let original = std::fs::read(&file).unwrap();
    let (mut read, mut unread) = (Vec::new(), Vec::new());
    for (column, start, len) in column_chunks(&file) {
        // 4 KiB of garbage (the whole chunk if smaller) in the middle of the chunk.
        let n = len.min(4096) as usize;
        let at = (start + (len - n as u64) / 2) as usize;
        let mut bytes = original.clone();
        bytes[at..at + n].iter_mut().for_each(|b| *b = !*b);
        std::fs::write(&file, &bytes).unwrap();
        match usage(&lake) {
            Err(e) => {
                let e = format!("{e:#}");
                assert!(e.contains(&format!("column '{column}'")) && e.contains(&file.display().to_string()), "{e}");
                assert!(e.contains("is damaged or was changed after it was written"), "{e}");
                read.push(column.clone());
            }
            Ok(table) => {
                assert_eq!(table, clean, "damage in '{column}' changed no number, since the report does not read it");
                unread.push(column.clone());
            }
        }
        let view = DatasetView::open(&lake).unwrap();
        let found = scanlake::dataset::scrub::scrub(&view, &NoProgress).unwrap();
        assert_eq!(found.damaged.len(), 1, "verify finds damage in '{column}'");
        drop(view);
        std::fs::write(&file, &original).unwrap();
    }
    // Usage by uid reads the ids, sizes and kinds (and the link columns where a row may be a link);
    // never the paths.
    for column in ["uid", "size", "kind"] {
        assert!(read.contains(&column.to_string()), "{column} read: {read:?}");
    }
    for column in ["path", "path_bytes", "mode", "access", "modify"] {
        assert!(unread.contains(&column.to_string()), "{column} unread: {unread:?}");
    }
    // The footer lists the chunks' digests: every report checks it against the manifest.
    let mut bytes = original.clone();
    let at = bytes.len() - 20;
    bytes[at] = !bytes[at];
    std::fs::write(&file, &bytes).unwrap();
    let e = format!("{:#}", usage(&lake).unwrap_err());
    assert!(e.contains("footer") && e.contains(&file.display().to_string()), "{e}");
}

#[test]
fn rejects_beyond_2_gib_are_written_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    // 11,000 lines of 200 KiB: 2.1 GiB of rejected bytes, compressed to almost nothing on disk.
    let input = dir.path().join("fs1.2026-11-01.list.zst");
    {
        let mut w = zstd::Encoder::new(std::fs::File::create(&input).unwrap(), 1).unwrap().auto_finish();
        let junk = vec![b'x'; 200 << 10];
        for _ in 0..11_000 {
            std::io::Write::write_all(&mut w, &junk).unwrap();
            std::io::Write::write_all(&mut w, b"\n").unwrap();
        }
    }
    let lake = dir.path().join("lake");
    let s = convert_files(&[input], &lake, &ConvertOptions::default());
    assert_eq!((s.rejects, s.inputs[0].status), (11_000, InputStatus::Failed));
    let rejects = manifest(&lake).unwrap().failed.values().next().unwrap().rejects_file.clone().unwrap();
    let file = std::fs::File::open(lake.join(rejects)).unwrap();
    let meta =
        parquet::file::reader::FileReader::metadata(&parquet::file::reader::SerializedFileReader::new(file).unwrap())
            .file_metadata()
            .num_rows();
    assert_eq!(meta, 11_000);
}

#[test]
fn counts_and_sizes_from_users_are_validated() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(&dir.path().join("fs1.2026-11-01.list"), &line(1, 10, "/gpfs/fs1/a/f"));
    for (opts, word) in [
        (ConvertOptions { threads: 100_000, ..ConvertOptions::default() }, "threads"),
        (ConvertOptions { threads: 0, ..ConvertOptions::default() }, "threads"),
        (ConvertOptions { memory_budget_bytes: usize::MAX, ..ConvertOptions::default() }, "memory"),
        (ConvertOptions { max_reject_fraction: 2.0, ..ConvertOptions::default() }, "max_reject_fraction"),
    ] {
        let err = convert(std::slice::from_ref(&input), &dir.path().join("lake"), &opts, &NoProgress)
            .unwrap_err()
            .to_string();
        assert!(err.contains(word), "{err}");
    }
}

#[test]
fn a_bad_input_in_a_directory_is_reported_and_the_others_are_committed() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("scans");
    std::fs::create_dir(&inputs).unwrap();
    write(&inputs.join("a.2026-11-01.list"), &line(1, 10, "/gpfs/fs1/a/f"));
    // A gzip stream cut short: reading fails partway.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, line(2, 20, "/gpfs/fs1/b/f").repeat(5000).as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    std::fs::write(inputs.join("b.2026-11-01.list.gz"), &gz[..gz.len() / 2]).unwrap();
    write(&inputs.join("c.2026-11-01.list"), &line(3, 30, "/gpfs/fs1/c/f"));
    write(&inputs.join(".hidden.2026-11-01.list"), &line(4, 40, "/gpfs/fs1/d/f"));
    std::os::unix::fs::symlink(inputs.join("c.2026-11-01.list"), inputs.join("link-to-c.2026-11-02.list")).unwrap();
    let lake = dir.path().join("lake");
    let s = convert(&[inputs], &lake, &ConvertOptions::default(), &NoProgress).unwrap();
    let status: Vec<(String, InputStatus)> = s
        .inputs
        .iter()
        .map(|i| (Path::new(&i.input).file_name().unwrap().to_string_lossy().into_owned(), i.status))
        .collect();
    assert_eq!(
        status,
        [
            ("a.2026-11-01.list".into(), InputStatus::Converted),
            ("b.2026-11-01.list.gz".into(), InputStatus::Error),
            ("c.2026-11-01.list".into(), InputStatus::Converted),
            ("link-to-c.2026-11-02.list".into(), InputStatus::Converted),
        ]
    );
    assert!(s.inputs[1].message.as_deref().unwrap().contains("cannot read"), "{:?}", s.inputs[1]);
    assert_eq!(s.ignored.len(), 1);
    assert!(s.ignored[0].path.ends_with(".hidden.2026-11-01.list") && s.ignored[0].reason == "hidden file");
    assert_eq!(canonical_rows(&lake).unwrap().len(), 2, "a and c (the link has c's content: the same input)");
    assert!(!lake.join("_scanlake/staging").read_dir().is_ok_and(|mut d| d.next().is_some()), "nothing staged left");
}

#[test]
fn temporary_files_do_not_stay_behind() {
    let dir = tempfile::tempdir().unwrap();
    // A failed atomic write (its target is a directory) leaves no temporary file.
    let target = dir.path().join("taken");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("x"), "").unwrap();
    assert!(scanlake::dataset::write_atomically(&target, b"data").is_err());
    let names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["taken"]);
    // Ones a killed writer left are cleared by the next.
    let input = write(&dir.path().join("fs1.2026-11-01.list"), &line(1, 10, "/gpfs/fs1/a/f"));
    let lake = dir.path().join("lake");
    convert_files(std::slice::from_ref(&input), &lake, &ConvertOptions::default());
    for name in ["manifest.tmp-999999", "journal.tmp-999999"] {
        std::fs::write(lake.join("_scanlake").join(name), "").unwrap();
    }
    convert_files(&[input], &lake, &ConvertOptions::default());
    let left: Vec<String> = std::fs::read_dir(lake.join("_scanlake"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
