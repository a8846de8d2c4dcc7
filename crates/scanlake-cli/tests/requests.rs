//! Typed requests instead of stored command-line words: the defects the old argv re-parsing had,
//! each reproduced through the command (local runs; the Slurm side is in `slurm.rs`).

use std::path::Path;

mod common;
use common::{fails, ok};

#[test]
fn a_run_takes_the_scan_date_of_a_log_whose_name_has_none() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&["gen", "-o", "scan.log", "-n", "3000", "--acq", "2026-11-01"], d);
    // The README's own example: before, every convert task failed ("--acq cannot be used multiple times").
    ok(
        &["run", "scan.log", "--acq", "2026-11-01", "-o", "lake", "--chunks", "2", "--tasks", "2", "--run-dir", "run"],
        d,
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("lake/_scanlake/manifest.json")).unwrap()).unwrap();
    let entries = manifest["inputs"].as_object().unwrap();
    assert_eq!(entries.len(), 2, "one input per chunk");
    assert!(entries.values().all(|e| e["acq"] == "2026-11-01"), "{entries:?}");
    let usage = std::fs::read_to_string(d.join("run/reports/usage-by-uid.csv")).unwrap();
    assert_eq!(usage, ok(&["aggregate", "lake", "usage", "--format", "csv"], d));
}

#[test]
fn a_report_output_attached_to_its_flag_is_the_report_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&["gen", "-o", "fs1.2026-11-01.list", "-n", "2000"], d);
    let args =
        ["run", "fs1.2026-11-01.list", "-o", "lake", "--run-dir", "run", "--report", "usage --by tld -oby-tld.csv"];
    ok(&args, d);
    // Before, `-oby-tld.csv` stayed a positional word and a second `-o` was appended.
    let written = std::fs::read_to_string(d.join("by-tld.csv")).unwrap();
    assert_eq!(written, ok(&["aggregate", "lake", "usage", "--by", "tld", "--format", "csv"], d));
    let reports: Vec<_> = std::fs::read_dir(d.join("run/reports")).unwrap().collect();
    assert!(reports.is_empty(), "the report went only where it was asked to");

    // run.json holds typed values with absolute paths, no command-line words.
    let spec: serde_json::Value = serde_json::from_slice(&std::fs::read(d.join("run/run.json")).unwrap()).unwrap();
    let merge = spec["stages"].as_array().unwrap().iter().find(|s| s["name"] == "merge").unwrap();
    let job = &merge["work"]["work"]["reports"][0];
    assert_eq!(job["request"]["report"]["report"], "usage");
    assert_eq!(job["request"]["report"]["by"][0], "tld");
    let output = Path::new(job["output"].as_str().unwrap());
    assert!(output.is_absolute() && output.ends_with("by-tld.csv"), "{output:?}");
    assert!(!serde_json::to_string(&spec).unwrap().contains("\"flags\""));
}

#[test]
fn a_run_of_another_format_is_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&["gen", "-o", "fs1.2026-11-01.list", "-n", "500"], d);
    ok(&["run", "fs1.2026-11-01.list", "-o", "lake", "--run-dir", "run", "--chunks", "1", "--tasks", "1"], d);
    let spec_path = d.join("run/run.json");
    let mut spec: serde_json::Value = serde_json::from_slice(&std::fs::read(&spec_path).unwrap()).unwrap();
    spec.as_object_mut().unwrap().remove("format_version");
    std::fs::write(&spec_path, serde_json::to_vec(&spec).unwrap()).unwrap();
    for cmd in ["status", "resume", "analyze"] {
        let err = fails(&[cmd, "run"], d);
        assert!(err.contains("this run was made by an older scanlake (run format 1)"), "{cmd}: {err}");
        assert!(err.contains("hint: "), "{err}");
    }
}

#[test]
fn top_dirs_ranks_below_the_tlds_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&["gen", "-o", "fs1.2026-11-01.list", "-n", "5000", "--directories"], d);
    ok(&["convert", "fs1.2026-11-01.list", "-o", "lake", "-q"], d);
    let top: Vec<serde_json::Value> =
        serde_json::from_str(&ok(&["aggregate", "lake", "top", "dirs", "-n", "50", "--format", "json"], d)).unwrap();
    assert!(!top.is_empty());
    let depths: Vec<i64> = top.iter().map(|r| r["depth"].as_i64().unwrap()).collect();
    assert!(depths.iter().all(|&x| (4..=5).contains(&x)), "below /gpfs/fs1/TLD (depth 3): {depths:?}");
    let usage = ok(&["aggregate", "lake", "usage", "--format", "json"], d);
    let total: i64 = serde_json::from_str::<Vec<serde_json::Value>>(&usage)
        .unwrap()
        .iter()
        .map(|r| r["bytes"].as_i64().unwrap())
        .sum();
    assert!(top[0]["bytes"].as_i64().unwrap() < total, "no row is the whole scan");
    // A prefix below the tlds still ranks from the prefix.
    let deep = top.iter().find(|r| r["depth"] == 4).unwrap()["dir"].as_str().unwrap().to_string();
    let under = ok(&["aggregate", "lake", "top", "dirs", "--prefix", &deep, "--format", "json"], d);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&under).unwrap();
    assert!(rows.iter().all(|r| r["depth"].as_i64().unwrap() >= 5), "{under}");
}
