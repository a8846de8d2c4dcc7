//! `scanlake aggregate` and `scanlake query` end to end: usage and age checked against DuckDB on
//! every engine, engine choice and its explanation, exports to files, and the errors users meet.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{fails, fails_with, ok, python, run as scanlake};

/// Two generated scans (hostile names, hard links, directories) converted into `lake`.
fn two_scans(d: &Path) {
    for (date, seed) in [("2026-11-01", "3"), ("2026-11-08", "4")] {
        let log = format!("fs1.{date}.list");
        ok(
            &[
                "gen",
                "-n",
                "20000",
                "--seed",
                seed,
                "--acq",
                date,
                "--hostile",
                "0.05",
                "--hard-links",
                "0.03",
                "--directories",
                "-o",
                &log,
                "--json",
            ],
            d,
        );
        ok(&["convert", &log, "-o", "lake", "--json"], d);
    }
}

#[test]
fn usage_and_age_match_duckdb_on_every_engine() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    two_scans(d);
    // A third scan without hard links: its files record that no row may be a link, so the
    // streaming engine leaves their identity columns unread, and must count the same.
    let log = "fs1.2026-11-15.list";
    ok(
        &["gen", "-n", "20000", "--seed", "5", "--acq", "2026-11-15", "--hard-links", "0", "--directories", "-o", log],
        d,
    );
    ok(&["convert", log, "-o", "lake", "--json"], d);
    let mut files = Vec::new();
    for engine in ["streaming", "datafusion", "auto"] {
        let (u, a) = (format!("usage-{engine}.json"), format!("age-{engine}.json"));
        ok(&["aggregate", "lake", "usage", "--by", "uid", "--engine", engine, "-o", &u], d);
        ok(&["aggregate", "lake", "age", "--by", "uid", "--time", "access", "--engine", engine, "-o", &a], d);
        files.extend([d.join(u), d.join(a)]);
    }
    let out = Command::new(python())
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/duckdb_reports.py"))
        .arg(d.join("lake"))
        .args(&files)
        .output()
        .unwrap();
    assert!(out.status.success(), "DuckDB disagrees: {}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["usage_rows"].as_u64().unwrap() >= 2 * 50, "{v}");
    assert!(v["age_rows"].as_u64().unwrap() > v["usage_rows"].as_u64().unwrap(), "{v}");
}

#[test]
fn explain_says_which_engine_and_why_and_exports_are_atomic_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    two_scans(d);
    let out = scanlake(&["aggregate", "lake", "usage", "--by", "uid", "--explain", "--format", "csv"], d);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("engine: streaming\n"), "{err}");
    assert!(err.contains("folds into few groups"), "{err}");
    assert!(err.contains("cores ("), "{err}");
    // What it reads: the counters' columns, and the hard-link identity only where links may be.
    assert!(
        err.contains("reads columns kballoc, kind, size, uid; link only in row groups that may hold a hard link"),
        "{err}"
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(csv.starts_with("acq,uid,objects,files,dirs,bytes,allocated,unique_bytes\n"), "{csv}");
    // SCANLAKE_ENGINE and the configuration file are honoured, flags first.
    let explain = |env: &[(&str, &str)], extra: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_scanlake"));
        c.args(["aggregate", "lake", "usage", "--explain", "--format", "csv"]).args(extra).current_dir(d);
        c.env("SCANLAKE_CONFIG", d.join("config.toml")).env_remove("SCANLAKE_ENGINE");
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        (String::from_utf8(out.stderr).unwrap(), out.stdout)
    };
    std::fs::write(d.join("config.toml"), "[aggregate]\nengine = \"datafusion\"\n").unwrap();
    let (err, by_config) = explain(&[], &[]);
    assert!(err.contains("datafusion: asked for by the configuration file"), "{err}");
    let (err, by_env) = explain(&[("SCANLAKE_ENGINE", "streaming")], &[]);
    assert!(err.contains("streaming: asked for by SCANLAKE_ENGINE"), "{err}");
    let (err, _) = explain(&[("SCANLAKE_ENGINE", "streaming")], &["--engine", "datafusion"]);
    assert!(err.contains("datafusion: asked for by --engine"), "{err}");
    assert_eq!(by_config, by_env, "engines must agree byte for byte");
    // A file export is written whole, and its format follows the extension.
    ok(&["aggregate", "lake", "du", "--prefix", "/gpfs/fs1", "--max-depth", "4", "-o", "du.parquet"], d);
    let head = std::fs::read(d.join("du.parquet")).unwrap();
    assert_eq!(&head[..4], b"PAR1");
    assert!(std::fs::read_dir(d).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().contains(".tmp")));
    let json: Value =
        serde_json::from_str(&ok(&["aggregate", "lake", "top", "users", "-n", "3", "--format", "json"], d)).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 6, "three per scan date: {json}");
    let table = ok(&["aggregate", "lake", "churn", "--format", "table"], d);
    assert!(table.starts_with("tld "), "{table}");
    assert!(table.contains("iB"), "tables show human sizes: {table}");
}

#[test]
fn query_runs_sql_over_files_with_partition_columns() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    two_scans(d);
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(d.join("lake/_scanlake/manifest.json")).unwrap()).unwrap();
    let rows: u64 = manifest["inputs"].as_object().unwrap().values().map(|e| e["rows"].as_u64().unwrap()).sum();
    let out =
        ok(&["query", "lake", "SELECT acq, count(*) AS n FROM files GROUP BY acq ORDER BY acq", "--format", "json"], d);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["acq"], "2026-11-01");
    assert_eq!(v[0]["n"].as_u64().unwrap() + v[1]["n"].as_u64().unwrap(), rows);
    let out = ok(
        &[
            "query",
            "lake",
            "SELECT scanlake_display(scanlake_dir(coalesce(path_bytes, CAST(path AS BYTEA)), 3)) AS d, count(*) AS n FROM files GROUP BY d ORDER BY d LIMIT 1",
            "--format",
            "csv",
        ],
        d,
    );
    assert!(out.starts_with("d,n\n/gpfs/fs1/"), "{out}");
    let err = fails(&["query", "lake", "SELECT nope FROM files"], d);
    assert!(err.starts_with("error: SQL error"), "{err}");
    assert!(err.contains("nope"), "{err}");
}

#[test]
fn bad_requests_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let err = fails(&["aggregate", "missing", "usage"], d);
    assert!(err.starts_with("error: dataset missing does not exist\nhint: convert a scan into it first"), "{err}");
    ok(&["gen", "-n", "2000", "-o", "fs1.2026-11-01.list", "--json"], d);
    ok(&["convert", "fs1.2026-11-01.list", "-o", "lake", "--json"], d);
    let err = fails(&["aggregate", "lake", "usage", "--engine", "warp"], d);
    assert!(
        err.starts_with("error: unknown engine 'warp' (from --engine)\nhint: engines are auto, streaming, datafusion"),
        "{err}"
    );
    let err = fails(&["aggregate", "lake", "usage", "--engine", "gpu"], d);
    assert!(err.contains("engine 'gpu' (from --engine) cannot run: no GPU engine is built"), "{err}");
    let err = fails(&["aggregate", "lake", "age", "--edges", "90,30"], d);
    assert!(err.contains("bucket edges must be strictly ascending, but 90 is followed by 30"), "{err}");
    let err = fails(&["aggregate", "lake", "churn"], d);
    assert!(err.starts_with("error: churn needs two scan dates, but the dataset has only 2026-11-01"), "{err}");
    let err = fails(&["aggregate", "lake", "usage", "--acq", "2020-01-01"], d);
    assert!(err.contains("scan date 2020-01-01 is not in this dataset (it has 2026-11-01)"), "{err}");
    let err = fails_with(2, &["aggregate", "lake", "usage", "--by", "owner"], d);
    assert!(err.contains("unknown group 'owner'"), "{err}");
    // A dataset from a future format version.
    let manifest = d.join("lake/_scanlake/manifest.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, text.replace("\"format_version\": 2", "\"format_version\": 99")).unwrap();
    let err = fails(&["aggregate", "lake", "usage"], d);
    assert!(
        err.starts_with(
            "error: lake/_scanlake/manifest.json is a 'scanlake-dataset' version 99 manifest; this scanlake"
        ),
        "{err}"
    );
    assert!(err.contains("hint: convert the scans again"), "{err}");
    // A dataset whose scans lacked the access time.
    std::fs::write(d.join("old.2026-11-01.list"), "1 1 0  |size=10|kballoc=1|uid=5|mode=-rw-r--r--| -- /gpfs/a/f\n")
        .unwrap();
    ok(&["convert", "old.2026-11-01.list", "-o", "lake2", "--json"], d);
    let err = fails(&["aggregate", "lake2", "age"], d);
    assert!(err.starts_with("error: report 'age' needs column 'access', which this dataset lacks\nhint: no converted input had the SHOW key 'access' (ACCESS_TIME)"), "{err}");
    ok(&["aggregate", "lake2", "usage"], d);
}
