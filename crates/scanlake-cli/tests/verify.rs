//! `scanlake verify`: every file the manifest publishes is read back. A clean dataset checks as
//! many files as its directories hold (counted here from the file system), and damage of each
//! kind — 4 KiB of garbage in a data file, a truncated rejects file, a missing summary — is named
//! with its file, with exit status 1. Reports check only what they read: damage in a column a
//! report does not read changes nothing, in one it reads is an error naming file and column.

mod common;

use common::{fails, ok, run};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `*.parquet` files under `dir` (recursively), relative to `root`.
fn parquet_files(root: &Path, dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for e in entries.map(|e| e.unwrap().path()) {
        if e.is_dir() {
            out.extend(parquet_files(root, &e));
        } else if e.extension().is_some_and(|x| x == "parquet") {
            out.push(e.strip_prefix(root).unwrap().to_path_buf());
        }
    }
    out.sort();
    out
}

#[test]
fn verify_reads_back_every_file_and_names_each_damaged_one() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let input = t.join("fs1.2026-11-01.list");
    ok(&["gen", "-o", s(&input), "-n", "40000", "--seed", "2", "--malformed", "0.001"], t);
    let lake = t.join("lake");
    ok(&["convert", s(&input), "-o", s(&lake), "--tld-depth", "3"], t);

    let data: Vec<PathBuf> =
        parquet_files(&lake, &lake).into_iter().filter(|p| p.to_str().unwrap().starts_with("acq=")).collect();
    let summaries = parquet_files(&lake, &lake.join("_summaries"));
    let rejects = parquet_files(&lake, &lake.join("_rejects"));
    assert!(data.len() > 1 && summaries.len() == 1 && rejects.len() == 1, "{data:?} {summaries:?} {rejects:?}");
    let clean: Value = serde_json::from_str(&ok(&["verify", s(&lake), "--json"], t)).unwrap();
    assert_eq!(clean["checked"].as_u64(), Some((data.len() + summaries.len()) as u64), "{clean}");
    assert_eq!(clean["opened"].as_u64(), Some(rejects.len() as u64), "{clean}");
    let bytes: u64 = data.iter().chain(&summaries).map(|p| std::fs::metadata(lake.join(p)).unwrap().len()).sum();
    assert_eq!(clean["checked_bytes"].as_u64(), Some(bytes));
    assert_eq!(clean["damaged"], Value::Array(vec![]));

    // Garbage in the middle of a data file, a truncated rejects file, a summary gone.
    let victim = lake.join(&data[0]);
    let mut body = std::fs::read(&victim).unwrap();
    let mid = body.len() / 2;
    let end = (mid + 4096).min(body.len());
    body[mid..end].fill(0xA5);
    std::fs::write(&victim, body).unwrap();
    std::fs::write(lake.join(&rejects[0]), b"PAR1").unwrap();
    std::fs::remove_file(lake.join(&summaries[0])).unwrap();
    let out = run(&["verify", s(&lake), "--json"], t);
    assert_eq!(out.status.code(), Some(1), "damage is a failure");
    let found: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut named: Vec<(String, String)> = found["damaged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["file"].as_str().unwrap().to_string(), d["problem"].as_str().unwrap().to_string()))
        .collect();
    named.sort();
    let mut expected = vec![data[0].clone(), rejects[0].clone(), summaries[0].clone()];
    expected.sort();
    let files: Vec<PathBuf> = named.iter().map(|(f, _)| PathBuf::from(f)).collect();
    assert_eq!(files, expected, "{found}");
    let problem = |p: &Path| named.iter().find(|(f, _)| Path::new(f) == p).unwrap().1.clone();
    assert!(problem(&data[0]).contains("damaged or was changed"), "{found}");
    assert!(problem(&rejects[0]).contains("not a readable Parquet file"), "{found}");
    assert!(problem(&summaries[0]).contains("cannot open"), "{found}");
    assert_eq!(found["checked"].as_u64(), Some((data.len() - 1) as u64));
    let text = run(&["verify", s(&lake), "-q"], t);
    let said = String::from_utf8_lossy(&text.stdout);
    assert!(said.contains("3 damaged") && said.contains(data[0].to_str().unwrap()), "{said}");
    assert!(String::from_utf8_lossy(&text.stderr).contains("hint:"));
}

/// The first chunk of `column` in a Parquet file: (start, length).
fn chunk_of(file: &Path, column: &str) -> (u64, u64) {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let reader = SerializedFileReader::new(std::fs::File::open(file).unwrap()).unwrap();
    let rg = reader.metadata().row_group(0).clone();
    rg.columns().iter().find(|c| c.column_path().string() == column).unwrap().byte_range()
}

#[test]
fn reports_and_queries_check_the_columns_they_read_and_old_files_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let input = t.join("fs1.2026-11-01.list");
    ok(&["gen", "-o", s(&input), "-n", "40000", "--seed", "3"], t);
    let lake = t.join("lake");
    ok(&["convert", s(&input), "-o", s(&lake), "--tld-depth", "3"], t);
    let usage =
        |engine: &str| ok(&["aggregate", s(&lake), "usage", "--by", "uid", "--engine", engine, "--format", "csv"], t);
    let clean = usage("streaming");
    assert_eq!(usage("datafusion"), clean);
    let sums = ok(&["query", s(&lake), "select count(*), sum(size) from files", "--format", "csv"], t);
    // What `--explain` says (on standard error, before the report runs or fails).
    let explain = |t: &Path| {
        let out = run(&["aggregate", s(&lake), "usage", "--by", "uid", "--explain"], t);
        String::from_utf8(out.stderr).unwrap()
    };
    let said = explain(t);
    let files = parquet_files(&lake, &lake).into_iter().filter(|p| p.to_str().unwrap().starts_with("acq=")).count();
    assert!(
        said.contains(&format!("integrity: {files} files checked by their footer and the column chunks read")),
        "{said}"
    );

    // The largest data file's paths damaged: no report that does not read them notices.
    let victim = parquet_files(&lake, &lake)
        .into_iter()
        .filter(|p| p.to_str().unwrap().starts_with("acq="))
        .max_by_key(|p| std::fs::metadata(lake.join(p)).unwrap().len())
        .map(|p| lake.join(p))
        .unwrap();
    let original = std::fs::read(&victim).unwrap();
    let (start, len) = chunk_of(&victim, "path");
    let mut body = original.clone();
    let n = len.min(4096) as usize;
    let at = (start + (len - n as u64) / 2) as usize;
    body[at..at + n].fill(0xA5);
    std::fs::write(&victim, &body).unwrap();
    assert_eq!(usage("streaming"), clean);
    assert_eq!(usage("datafusion"), clean);
    assert_eq!(ok(&["query", s(&lake), "select count(*), sum(size) from files", "--format", "csv"], t), sums);
    for args in [
        vec!["query", s(&lake), "select max(path) from files"],
        vec!["find", s(&lake), "--name", "*.h5"],
        vec!["aggregate", s(&lake), "top", "dirs"],
    ] {
        let err = fails(&args, t);
        assert!(err.contains(victim.to_str().unwrap()) && err.contains("column 'path'"), "{args:?}: {err}");
    }
    let out = run(&["verify", s(&lake), "--json"], t);
    assert_eq!(out.status.code(), Some(1), "verify finds what no report read");

    // A file the manifest lists without a footer digest (written before chunk digests) is
    // checked whole, and `--explain` says so.
    let manifest_path = lake.join("_scanlake/manifest.json");
    let mut manifest: Value = serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    let rel = victim.strip_prefix(&lake).unwrap().to_str().unwrap().to_string();
    for entry in manifest["inputs"].as_object_mut().unwrap().values_mut() {
        if let Some(sum) = entry["checksums"].get_mut(&rel) {
            sum.as_object_mut().unwrap().remove("footer_xxh3").unwrap();
        }
    }
    std::fs::write(&manifest_path, serde_json::to_string(&manifest).unwrap()).unwrap();
    let said = explain(t);
    assert!(said.contains("1 written before chunk digests checked whole first"), "{said}");
    let err = fails(&["aggregate", s(&lake), "usage", "--by", "uid"], t);
    assert!(err.contains(victim.to_str().unwrap()) && err.contains("checksum does not match"), "{err}");
    std::fs::write(&victim, &original).unwrap();
    assert_eq!(usage("streaming"), clean, "the old file, whole again, reads as before");
}
