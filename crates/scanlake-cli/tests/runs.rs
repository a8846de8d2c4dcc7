//! `scanlake runs` and `scanlake analyze --all` over several runs of one dataset that fail in
//! different ways: two runs whose convert meets too many rejected lines (one of them fixed and
//! resumed), and one whose merge cannot write its report. The list shows each run with its outcome
//! and the rows it published (checked against the input's own line count); the grouped failures
//! count each kind once per failed attempt, name the runs, and show the newest example.

mod common;

use common::{fails, ok, run};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A generated scan of `date` in `dir`; with `broken`, half the lines of its middle fifth lose
/// their separator (too many rejects for the chunk that holds them).
fn scan(dir: &Path, date: &str, broken: bool) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join(format!("scan_{date}.list"));
    ok(&["gen", "-o", s(&path), "-n", "20000", "--seed", "5", "--acq", date], dir);
    if broken {
        std::fs::write(&path, common::break_lines(&std::fs::read(&path).unwrap(), 40, 60)).unwrap();
    }
    path
}

fn json(args: &[&str], cwd: &Path) -> Value {
    serde_json::from_str(&ok(args, cwd)).unwrap()
}

#[test]
fn runs_are_listed_and_their_failures_grouped_by_kind() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let lake = t.join("lake");
    let common = ["--chunks", "3", "--tasks", "2"];

    // 1: convert fails on the broken chunk; the admin replaces it and resumes, so it succeeds.
    let first = scan(&t.join("in1"), "2026-11-01", true);
    let run1 = t.join("run1");
    let mut args = vec!["run", s(&first), "-o", s(&lake), "--run-dir", s(&run1)];
    args.extend(common);
    assert_eq!(run(&args, t).status.code(), Some(1));
    let clean = scan(&t.join("clean1"), "2026-11-01", false);
    ok(&["split", s(&clean), "-o", s(&t.join("chunks1")), "--chunks", "3"], t);
    let chunk = "scan_2026-11-01.list.part-00002";
    std::fs::copy(t.join("chunks1").join(chunk), run1.join("work/chunks/1").join(chunk)).unwrap();
    ok(&["resume", s(&run1)], t);

    // 2: a clean scan, but the report's output is a directory: merge fails after publishing.
    let second = scan(&t.join("in2"), "2026-11-08", false);
    let blocked = t.join("blocked.csv");
    std::fs::create_dir_all(blocked.join("inside")).unwrap();
    let report = format!("usage --by uid -o {}", s(&blocked));
    let mut args = vec!["run", s(&second), "-o", s(&lake), "--report", &report];
    args.extend(common);
    assert_eq!(run(&args, t).status.code(), Some(1));

    // 3: another broken scan, left failed.
    let third = scan(&t.join("in3"), "2026-11-15", true);
    let mut args = vec!["run", s(&third), "-o", s(&lake)];
    args.extend(common);
    assert_eq!(run(&args, t).status.code(), Some(1));

    let runs = json(&["runs", s(&lake), "--json"], t);
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 3, "the run made outside the dataset is listed too: {runs:?}");
    let field = |i: usize, k: &str| runs[i][k].clone();
    assert_eq!(field(0, "dir").as_str(), Some(std::fs::canonicalize(&run1).unwrap().to_str().unwrap()));
    let statuses: Vec<&str> = runs.iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["succeeded", "failed", "failed"]);
    let inputs: Vec<&str> = runs.iter().map(|r| r["inputs"][0].as_str().unwrap()).collect();
    assert_eq!(inputs, [s(&first), s(&second), s(&third)]);
    // Published rows: every record line of a clean scan (all but its `#` comment) is a row.
    let lines = |p: &Path| {
        std::fs::read(p).unwrap().split(|&b| b == b'\n').filter(|l| !l.is_empty() && l[0] != b'#').count() as u64
    };
    assert_eq!(field(1, "rows").as_u64(), Some(lines(&second)));
    assert!(field(2, "rows").is_null(), "run 3 never published");
    let mut created: Vec<i64> = runs.iter().map(|r| r["created"].as_i64().unwrap()).collect();
    assert!(created.windows(2).all(|w| w[0] <= w[1]), "oldest first: {created:?}");
    assert!(runs.iter().all(|r| r["core_hours"].as_f64().unwrap() > 0.0));
    assert_eq!(field(0, "failed_attempts").as_u64(), Some(1));
    let table = ok(&["runs", s(&lake), "--format", "csv"], t);
    assert_eq!(table.lines().count(), 4, "{table}");
    assert!(table.starts_with("run,created,executor,status,wall_s,inputs,rows,core_hours,failed_attempts"));

    let groups = json(&["analyze", "--all", s(&lake), "--json"], t);
    let groups = groups.as_array().unwrap();
    let ids: Vec<&str> = runs.iter().map(|r| r["run"].as_str().unwrap()).collect();
    let rejects = groups.iter().find(|g| g["category"] == "too many rejected lines").expect("{groups:?}");
    assert_eq!(rejects["stage"], "convert");
    assert_eq!(rejects["count"], 2, "one failed attempt in run 1 (resumed since) and one in run 3");
    assert_eq!(rejects["runs"], serde_json::json!([ids[0], ids[2]]));
    assert_eq!(rejects["latest"]["run"], ids[2]);
    assert!(rejects["latest"]["error_line"].as_str().unwrap().contains("lines rejected"), "{rejects}");
    let merge = groups.iter().find(|g| g["stage"] == "merge").expect("{groups:?}");
    assert_ne!(merge["category"], "too many rejected lines");
    assert_eq!((merge["count"].as_u64(), merge["runs"].clone()), (Some(1), serde_json::json!([ids[1]])));
    assert_eq!(groups[0], *rejects, "the most frequent first");
    let text = ok(&["analyze", "--all", s(&lake)], t);
    assert!(text.starts_with("3 run(s): 3 failed attempt(s) in 3 run(s), 2 kind(s)"), "{text}");
    assert!(text.contains("too many rejected lines in convert: 2 time(s) in 2 run(s)"), "{text}");
    assert!(text.contains("--max-reject-fraction"), "hints name flags: {text}");

    // --since: from a date on; a date in the future leaves nothing.
    created.sort();
    let later = json(&["runs", s(&lake), "--since", "2099-01-01", "--json"], t);
    assert_eq!(later.as_array().map(Vec::len), Some(0));
    let today = json(&["analyze", "--all", s(&lake), "--since", "2000-01-01", "--json"], t);
    assert_eq!(today, Value::Array(groups.clone()));
    let bad = fails(&["runs", s(&lake), "--since", "last week"], t);
    assert!(bad.contains("--since") && bad.contains("2026-11-01"), "{bad}");
}
