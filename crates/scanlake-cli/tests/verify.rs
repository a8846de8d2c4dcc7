//! `scanlake verify`: every file the manifest publishes is read back. A clean dataset checks as
//! many files as its directories hold (counted here from the file system), and damage of each
//! kind — 4 KiB of garbage in a data file, a truncated rejects file, a missing summary — is named
//! with its file, with exit status 1.

mod common;

use common::{ok, run};
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
