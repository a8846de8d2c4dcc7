//! The dataset as seen by readers that share no code with scanlake: a Python parser of the raw log,
//! pyarrow and DuckDB (from PyPI, installed by `scripts/python-env.sh`) must all agree with it.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::python;

fn scanlake(args: &[&str], cwd: &Path) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_scanlake")).args(args).current_dir(cwd).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn pyarrow_duckdb_and_an_independent_parser_agree() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let log = "fs1.2026-11-01.list.gz";
    scanlake(
        &[
            "gen",
            "-n",
            "30000",
            "--hostile",
            "0.05",
            "--malformed",
            "0.002",
            "--hard-links",
            "0.02",
            "--directories",
            "--top-dirs",
            "60",
            "-o",
            log,
            "--json",
        ],
        d,
    );
    let summary = scanlake(&["convert", log, "-o", "lake", "--json"], d);
    let out = Command::new(python())
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/independent_reader.py"))
        .args([d.join(log), d.join("lake")])
        .output()
        .unwrap();
    assert!(out.status.success(), "independent check failed: {}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let (log, pa, duck) = (&v["log"], &v["pyarrow"], &v["duckdb"]);

    assert_eq!(summary["lines"], log["lines"]);
    assert_eq!(summary["rows"], log["rows"]);
    assert_eq!(summary["skipped"], log["skipped"]);
    assert_eq!(summary["rejects"].as_u64().unwrap(), log["rejects"].as_array().unwrap().len() as u64);
    assert_eq!(pa["rejects"], log["rejects"], "reject line numbers");
    assert!(log["not_utf8"].as_u64().unwrap() > 0, "the scan has paths that are not UTF-8");
    for key in ["rows", "size", "kballoc", "not_utf8", "tlds"] {
        assert_eq!(pa[key], log[key], "pyarrow vs raw log: {key}");
        assert_eq!(duck[key], log[key], "DuckDB vs raw log: {key}");
    }
    assert_eq!(pa["paths"], log["paths"], "every path byte for byte");
    assert_eq!(pa["acq"], serde_json::json!(["2026-11-01"]));
}
