//! History and growth over many scans, and the usage summaries that answer them: against an
//! independent referee (DuckDB over the data files), and against a full recomputation from the
//! rows after a reconversion, a killed commit and `scanlake summarize` on an older dataset. The
//! referee also checks extensions, top files, duplicates, and the ncdu tree as ncdu reads it back.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{fails, ncdu, ok, python, scanlake};

#[test]
fn history_and_growth_match_an_independent_referee_from_summaries_and_rows() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(python())
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/history_referee.py"))
        .arg(env!("CARGO_BIN_EXE_scanlake"))
        .arg(dir.path())
        .env("SCANLAKE_NCDU", ncdu())
        .output()
        .unwrap();
    assert!(out.status.success(), "the referee disagrees: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["cases"].as_array().unwrap().len(), 25, "{v}");
}

const GROUPS: [&str; 6] = ["uid", "gid", "fileset", "tld", "pool", "kind"];

/// Every history from the summaries equals the one recomputed from the rows, and the summaries on
/// disk are exactly those the manifest names.
fn assert_summaries_match_rows(d: &Path, when: &str) {
    for by in GROUPS {
        let args = ["aggregate", "lake", "history", "--by", by, "--format", "csv"];
        let explained = scanlake(&[&args[..], &["--explain"]].concat(), d).output().unwrap();
        let said = String::from_utf8_lossy(&explained.stderr);
        assert!(said.contains("answered from the usage summaries"), "{when}: {said}");
        let from_rows = ok(&[&args[..], &["--from-rows"]].concat(), d);
        assert_eq!(String::from_utf8(explained.stdout).unwrap(), from_rows, "{when}: history by {by}");
        assert!(from_rows.lines().count() > 3, "{when}: {from_rows}");
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("lake/_scanlake/manifest.json")).unwrap()).unwrap();
    let mut named: Vec<String> = manifest["inputs"]
        .as_object()
        .unwrap()
        .values()
        .map(|e| e["summary"].as_str().expect("every input has a summary").to_string())
        .collect();
    named.sort();
    let mut on_disk: Vec<String> = std::fs::read_dir(d.join("lake/_summaries"))
        .unwrap()
        .map(|e| format!("_summaries/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    on_disk.sort();
    assert_eq!(on_disk, named, "{when}: summaries on disk are those the manifest names");
}

/// A generated scan: `fs1.ACQ.list` unless `name` is given.
fn scan_log(d: &Path, acq: &str, seed: &str, name: Option<&str>) -> String {
    let name = name.map_or_else(|| format!("fs1.{acq}.list"), str::to_string);
    ok(&["gen", "-n", "3000", "--seed", seed, "--acq", acq, "--hard-links", "0.05", "--directories", "-o", &name], d);
    name
}

#[test]
fn summaries_equal_a_recomputation_after_a_reconversion_a_killed_commit_and_summarize() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let inputs: Vec<String> = [("2026-10-04", "1"), ("2026-10-11", "2"), ("2026-10-18", "3")]
        .iter()
        .map(|(a, s)| scan_log(d, a, s, None))
        .collect();
    ok(&["convert", &inputs[0], &inputs[1], &inputs[2], "-o", "lake"], d);
    assert_summaries_match_rows(d, "after converting");

    // A reconversion of a changed input replaces its data and its summary together.
    let more = std::fs::read(d.join(scan_log(d, "2026-10-11", "9", Some("more.list")))).unwrap();
    let mut changed = std::fs::read(d.join(&inputs[1])).unwrap();
    changed.extend(more.split(|b| *b == b'\n').skip(1).take(500).flat_map(|l| [l, b"\n"].concat()));
    std::fs::write(d.join(&inputs[1]), changed).unwrap();
    ok(&["convert", &inputs[1], "-o", "lake"], d);
    assert_summaries_match_rows(d, "after a reconversion");

    // A commit killed after its journal: the next writer finishes it, summary and all.
    let fourth = scan_log(d, "2026-10-25", "4", None);
    let status = scanlake(&["convert", &fourth, "-o", "lake"], d).env("SCANLAKE_FAILPOINT", "after-journal").status();
    assert!(!status.unwrap().success(), "the failpoint aborts the commit");
    assert!(d.join("lake/_scanlake/journal.json").exists());
    assert!(ok(&["summarize", "lake"], d).contains("summarized 0 inputs (4 had a summary already"));
    assert!(ok(&["aggregate", "lake", "history", "--by", "kind", "--format", "csv"], d).contains("2026-10-25"));
    assert_summaries_match_rows(d, "after a killed commit");

    // A dataset converted before summaries existed: history reads rows until `summarize`.
    let manifest_path = d.join("lake/_scanlake/manifest.json");
    let mut manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    for entry in manifest["inputs"].as_object_mut().unwrap().values_mut() {
        let rel = entry.as_object_mut().unwrap().remove("summary").unwrap();
        entry["checksums"].as_object_mut().unwrap().remove(rel.as_str().unwrap()).unwrap();
    }
    std::fs::write(&manifest_path, serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
    std::fs::remove_dir_all(d.join("lake/_summaries")).unwrap();
    let said = scanlake(&["aggregate", "lake", "history", "--explain"], d).output().unwrap();
    let said = String::from_utf8_lossy(&said.stderr);
    assert!(said.contains("4 of 4 inputs have no usage summary") && said.contains("scanlake summarize"), "{said}");
    let before = ok(&["aggregate", "lake", "history", "--by", "fileset", "--format", "csv"], d);
    assert!(ok(&["summarize", "lake", "--quiet"], d).starts_with("summarized 4 inputs (0 had a summary already"));
    assert_summaries_match_rows(d, "after summarize");
    assert_eq!(ok(&["aggregate", "lake", "history", "--by", "fileset", "--format", "csv"], d), before);
    let again: serde_json::Value = serde_json::from_str(&ok(&["summarize", "lake", "--json"], d)).unwrap();
    assert_eq!((again["summarized"].as_u64(), again["present"].as_u64()), (Some(0), Some(4)), "{again}");

    // A damaged summary is an error naming it, never wrong numbers.
    let rel = serde_json::from_slice::<serde_json::Value>(&std::fs::read(&manifest_path).unwrap()).unwrap()["inputs"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap()["summary"]
        .as_str()
        .unwrap()
        .to_string();
    let path = d.join("lake").join(&rel);
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&path, bytes).unwrap();
    let err = fails(&["aggregate", "lake", "history"], d);
    assert!(err.contains(&rel) && err.contains("damaged"), "{err}");
}

#[test]
fn history_and_growth_explain_their_dates_and_refuse_what_cannot_be() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let one = scan_log(d, "2026-10-04", "1", None);
    ok(&["convert", &one, "-o", "lake"], d);
    let err = fails(&["aggregate", "lake", "top", "growth"], d);
    assert!(err.contains("growth needs two scan dates") && err.contains("hint:"), "{err}");
    let err = fails(&["aggregate", "lake", "history", "--since", "2027-01-01"], d);
    assert!(err.contains("no scan at or after 2027-01-01") && err.contains("--since"), "{err}");
    let two = scan_log(d, "2026-10-11", "2", None);
    ok(&["convert", &two, "-o", "lake"], d);
    let err = fails(&["aggregate", "lake", "top", "growth", "--from", "2026-10-11", "--to", "2026-10-04"], d);
    assert!(err.contains("earlier scan with a later one"), "{err}");
    let err = fails(&["aggregate", "lake", "top", "growth", "--acq", "2026-10-11"], d);
    assert!(err.contains("instead of `--acq`") || err.contains("instead of --acq"), "{err}");
    // The first scan has no change; every later one does.
    let csv = ok(&["aggregate", "lake", "history", "--by", "kind", "--format", "csv"], d);
    let first = csv.lines().nth(1).unwrap();
    assert!(first.starts_with("2026-10-04,") && first.ends_with(",,,,"), "{csv}");
    assert!(csv.lines().filter(|l| l.starts_with("2026-10-11,")).all(|l| !l.ends_with(",,,,")), "{csv}");
}
