//! The `scanlake` binary under hostile conditions: commits cut short and finished from another
//! directory, a second writer, read-only `query`, exports onto devices and links, streams as
//! inputs, and values no machine has.

use scanlake::dataset::read::canonical_rows;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

mod common;
use common::{fails, ok, run, scanlake};

fn gen_scan(dir: &Path, name: &str, n: u32, seed: u32) {
    ok(&["gen", "-n", &n.to_string(), "--seed", &seed.to_string(), "-o", name], dir);
}

#[test]
fn a_commit_cut_short_with_a_relative_dataset_is_finished_from_another_directory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("work/elsewhere")).unwrap();
    gen_scan(&d.join("work"), "fs1.2026-11-01.list", 20_000, 1);
    gen_scan(&d.join("work"), "fs1.2026-11-02.list", 20_000, 2);
    let clean = d.join("clean");
    ok(&["convert", "work/fs1.2026-11-01.list", "work/fs1.2026-11-02.list", "-o", "clean", "-q"], d);

    for point in ["after-journal", "after-first-move"] {
        let lake = format!("lake-{point}");
        ok(&["convert", "fs1.2026-11-01.list", "-o", &format!("../{lake}"), "-q"], &d.join("work"));
        let out = scanlake(&["convert", "fs1.2026-11-02.list", "-o", &format!("../{lake}"), "-q"], &d.join("work"))
            .env("SCANLAKE_FAILPOINT", point)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{point}: the failpoint aborts");
        let journal: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.join(&lake).join("_scanlake/journal.json")).unwrap()).unwrap();
        let moves = journal["moves"].as_array().unwrap();
        assert!(!moves.is_empty());
        for path in moves.iter().flat_map(|m| m.as_array().unwrap()) {
            let path = path.as_str().unwrap();
            assert!(!path.starts_with('/') && !path.contains(".."), "{point}: dataset-relative paths only: {path}");
        }
        // Readers see the last committed state meanwhile.
        ok(&["aggregate", &lake, "usage", "--by", "uid"], d);
        // The next writer runs from another directory, with an absolute path.
        let abs = d.join(&lake);
        ok(&["convert", "../fs1.2026-11-01.list", "-o", abs.to_str().unwrap(), "-q"], &d.join("work/elsewhere"));
        assert!(!abs.join("_scanlake/journal.json").exists());
        assert_eq!(canonical_rows(&abs).unwrap(), canonical_rows(&clean).unwrap(), "{point}");
        ok(&["aggregate", &lake, "usage", "--by", "uid"], d);
    }
}

#[test]
fn a_second_writer_says_whom_it_waits_for_and_can_give_up() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    gen_scan(d, "fs1.2026-11-01.list", 1000, 1);
    ok(&["convert", "fs1.2026-11-01.list", "-o", "lake", "-q"], d);
    // Hold the writer lock as a running writer would.
    let lock = std::fs::OpenOptions::new().read(true).write(true).open(d.join("lake/_scanlake/lock")).unwrap();
    lock.lock().unwrap();
    std::fs::write(d.join("lake/_scanlake/lock"), "4242 node17 1795000000\n").unwrap();
    let started = std::time::Instant::now();
    let err = fails(&["convert", "fs1.2026-11-01.list", "-o", "lake", "-q", "--lock-timeout", "1"], d);
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    assert!(err.contains("waiting for another writer (pid 4242 on host node17 since 2026-11-18 "), "{err}");
    assert!(err.contains("gave up after 1 s") && err.contains("hint:"), "{err}");
    drop(lock);
    ok(&["convert", "fs1.2026-11-01.list", "-o", "lake", "-q", "--lock-timeout", "1"], d);
}

#[test]
fn query_reads_and_never_writes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    gen_scan(d, "fs1.2026-11-01.list", 1000, 1);
    ok(&["convert", "fs1.2026-11-01.list", "-o", "lake", "-q"], d);
    assert!(ok(&["query", "lake", "SELECT count(*) AS n FROM files", "--format", "csv"], d).contains("1000"));
    let written = d.join("elsewhere.csv");
    for sql in [
        format!("COPY (SELECT 1) TO '{}' STORED AS CSV", written.display()),
        format!("CREATE EXTERNAL TABLE t STORED AS CSV LOCATION '{}'", written.display()),
        "CREATE TABLE t AS SELECT 1".to_string(),
        "INSERT INTO files SELECT * FROM files".to_string(),
        "SET datafusion.execution.batch_size = 1".to_string(),
        format!("SELECT * FROM '{}'", d.join("fs1.2026-11-01.list").display()),
    ] {
        let err = fails(&["query", "lake", &sql], d);
        assert!(err.contains("error:"), "{sql}: {err}");
    }
    assert!(!written.exists(), "query wrote a file");
}

#[test]
fn exports_follow_links_and_never_replace_devices() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    gen_scan(d, "fs1.2026-11-01.list", 1000, 1);
    ok(&["convert", "fs1.2026-11-01.list", "-o", "lake", "-q"], d);
    let report = ["aggregate", "lake", "usage", "--by", "uid", "--format", "csv", "-o"];
    // A device stays a device (tests run as root here, the case that matters).
    ok(&[&report[..], &["/dev/null"]].concat(), d);
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata("/dev/null").unwrap().file_type().is_char_device());
    // A link is followed: its target gets the report, the link stays a link.
    std::fs::write(d.join("target.csv"), "old").unwrap();
    std::os::unix::fs::symlink("target.csv", d.join("link.csv")).unwrap();
    ok(&[&report[..], &["link.csv"]].concat(), d);
    assert!(std::fs::symlink_metadata(d.join("link.csv")).unwrap().file_type().is_symlink());
    assert!(std::fs::read_to_string(d.join("target.csv")).unwrap().starts_with("acq,uid,"));
    // A directory is an error, and leaves nothing behind.
    std::fs::create_dir(d.join("out")).unwrap();
    let err = fails(&[&report[..], &["out"]].concat(), d);
    assert!(err.contains("is a directory"), "{err}");
    let stray: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
}

#[test]
fn standard_input_and_fifos_stream_and_are_identified_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&["gen", "-n", "3000", "-o", "fs1.2026-11-01.list.gz"], d);
    ok(&["convert", "fs1.2026-11-01.list.gz", "-o", "from-file", "-q"], d);
    let scan = std::fs::read(d.join("fs1.2026-11-01.list.gz")).unwrap();
    let stdin = |lake: &str| {
        let mut child = scanlake(&["convert", "-", "--acq", "2026-11-01", "-o", lake, "--json"], d)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&scan).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let s = stdin("from-stdin");
    assert_eq!(s["inputs"][0]["input"], "standard input");
    assert_eq!(canonical_rows(&d.join("from-stdin")).unwrap(), canonical_rows(&d.join("from-file")).unwrap());
    // The same content again replaces, never duplicates.
    stdin("from-stdin");
    assert_eq!(canonical_rows(&d.join("from-stdin")).unwrap().len(), 3000);

    let fifo = d.join("scan.fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let writer = {
        let (fifo, scan) = (fifo.clone(), scan.clone());
        std::thread::spawn(move || std::fs::write(fifo, scan).unwrap())
    };
    ok(&["convert", "scan.fifo", "--acq", "2026-11-01", "-o", "from-fifo", "-q"], d);
    writer.join().unwrap();
    assert_eq!(canonical_rows(&d.join("from-fifo")).unwrap(), canonical_rows(&d.join("from-file")).unwrap());
}

#[test]
fn values_no_machine_has_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    gen_scan(d, "fs1.2026-11-01.list", 1000, 1);
    let err = fails(&["convert", "fs1.2026-11-01.list", "-o", "lake", "--threads", "100000"], d);
    assert!(err.contains("--threads: threads must be between 1 and 1024, not 100000"), "{err}");
    ok(&["convert", "fs1.2026-11-01.list", "-o", "lake", "-q"], d);
    for engine in ["streaming", "datafusion"] {
        let err = fails(&["aggregate", "lake", "du", "--max-depth", "9223372036854775808", "--engine", engine], d);
        assert!(err.contains("deeper than any path"), "{engine}: {err}");
        let err = fails(&["aggregate", "lake", "usage", "--by", "dir99999999", "--engine", engine], d);
        assert!(err.contains("deeper than any path"), "{engine}: {err}");
    }
}

#[test]
fn a_minimal_layout_gets_reports_with_what_it_can_fill() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("x.2026-11-01.list"), "1 1 0  1001:4096 -- /gpfs/fs1/a/f\n2 1 0  1001:10 -- /gpfs/fs1/b/g\n")
        .unwrap();
    ok(&["convert", "x.2026-11-01.list", "--fields", "uid,size", "--separator", ":", "-o", "lake", "-q"], d);
    for engine in ["streaming", "datafusion"] {
        let out =
            run(&["aggregate", "lake", "usage", "--by", "uid", "--format", "csv", "--explain", "--engine", engine], d);
        assert!(out.status.success(), "{engine}: {}", String::from_utf8_lossy(&out.stderr));
        let csv = String::from_utf8(out.stdout).unwrap();
        assert_eq!(csv.lines().nth(1), Some("2026-11-01,1001,2,,,4106,,4106"), "{engine}: {csv}");
        let explain = String::from_utf8(out.stderr).unwrap();
        assert!(
            explain.contains("column 'allocated' stays empty: no converted input had the SHOW key 'kballoc'"),
            "{explain}"
        );
        assert!(
            explain.contains("column 'files' stays empty: no converted input had the SHOW key 'mode'"),
            "{explain}"
        );
        let du = ok(&["aggregate", "lake", "du", "--max-depth", "3", "--format", "csv", "--engine", engine], d);
        assert!(du.contains("/gpfs/fs1,2,2,,4106,,"), "{engine}: {du}");
    }
}

#[test]
fn sums_beyond_64_bits_fail_the_same_way_on_every_engine() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let max = i64::MAX;
    let text = format!(
        "1 1 0  %7Csize%3D{max}%7Cuid%3D5%7Cmode%3D-rw-r--r--%7Cnlink%3D1%7C -- /gpfs/a/f1\n2 1 0  %7Csize%3D{max}%7Cuid%3D5%7Cmode%3D-rw-r--r--%7Cnlink%3D1%7C -- /gpfs/a/f2\n"
    );
    std::fs::write(d.join("x.2026-11-01.list"), text).unwrap();
    ok(&["convert", "x.2026-11-01.list", "-o", "lake", "-q"], d);
    for engine in ["streaming", "datafusion"] {
        let err = fails(&["aggregate", "lake", "usage", "--by", "uid", "--engine", engine], d);
        assert!(
            err.contains("the total 'bytes' is 18446744073709551614, more than a report column holds"),
            "{engine}: {err}"
        );
        let err = fails(&["aggregate", "lake", "du", "--max-depth", "2", "--engine", engine], d);
        assert!(err.contains("the total 'bytes' is 18446744073709551614"), "{engine}: {err}");
    }
}
