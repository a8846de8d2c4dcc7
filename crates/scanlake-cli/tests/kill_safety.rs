//! Kill safety: `kill -9` at any moment leaves nothing a reader would pick up that the manifest does
//! not list, and a rerun gives exactly the dataset of a clean run.

use scanlake::dataset::read::{canonical_rows, data_files};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_scanlake"))
}

fn gen_inputs(dir: &Path, n: usize, records: u64) -> Vec<PathBuf> {
    (0..n)
        .map(|i| {
            let p = dir.join(format!("fs{i}.2026-11-0{}.list", i + 1));
            let ok = bin()
                .args([
                    "gen",
                    "-n",
                    &records.to_string(),
                    "--seed",
                    &i.to_string(),
                    "--hostile",
                    "0.01",
                    "--malformed",
                    "0.001",
                    "-o",
                ])
                .arg(&p)
                .stdout(Stdio::null())
                .status()
                .unwrap()
                .success();
            assert!(ok);
            p
        })
        .collect()
}

fn convert_cmd(inputs: &[PathBuf], dataset: &Path) -> Command {
    let mut c = bin();
    c.arg("convert").args(inputs).arg("-o").arg(dataset);
    // Small files, so a run commits many of them.
    c.args(["--memory-mib", "16", "--target-file-mib", "2", "--json"]).stdout(Stdio::null()).stderr(Stdio::null());
    c
}

/// Every `.parquet` name a glob reader would see under the partition directories.
fn visible(dataset: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dataset.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.filter_map(|e| e.ok()) {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('_') {
                continue;
            }
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else if name.ends_with(".parquet") {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

/// Outside a commit, what a reader sees is exactly what the manifest lists.
fn assert_consistent(dataset: &Path, when: &str) {
    if dataset.join("_scanlake/journal.json").exists() {
        return; // inside a commit: the next writer completes it (checked below)
    }
    let listed =
        if dataset.join("_scanlake/manifest.json").exists() { data_files(dataset).unwrap() } else { Vec::new() };
    assert_eq!(visible(dataset), listed, "{when}: visible files differ from the manifest");
}

#[test]
fn kill_at_any_moment_then_rerun_equals_a_clean_run() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = gen_inputs(dir.path(), 3, 150_000);
    let clean = dir.path().join("clean");
    let start = Instant::now();
    assert!(convert_cmd(&inputs, &clean).status().unwrap().success());
    let clean_time = start.elapsed();
    let expected = canonical_rows(&clean).unwrap();
    assert_eq!(expected.len(), 450_000);

    let killed = dir.path().join("killed");
    let mut kills = 0;
    for step in 1..=8u32 {
        let delay = clean_time * step / 9;
        let mut child = convert_cmd(&inputs, &killed).spawn().unwrap();
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
        assert_consistent(&killed, &format!("after a kill at {delay:?}"));
    }
    assert!(kills >= 4, "most runs should have been killed mid-way ({kills})");
    assert!(convert_cmd(&inputs, &killed).status().unwrap().success());
    assert_consistent(&killed, "after the rerun");
    assert_eq!(canonical_rows(&killed).unwrap(), expected);
    assert!(!killed.join("_scanlake/staging").read_dir().is_ok_and(|mut d| d.next().is_some()), "staging emptied");
}

#[test]
fn a_commit_cut_short_is_finished_by_the_next_writer() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = gen_inputs(dir.path(), 2, 20_000);
    let clean = dir.path().join("clean");
    assert!(convert_cmd(&inputs, &clean).status().unwrap().success());
    let expected = canonical_rows(&clean).unwrap();
    for point in ["after-journal", "after-first-move"] {
        let dataset = dir.path().join(point);
        // The first input commits; the second aborts inside its commit.
        assert!(convert_cmd(&inputs[..1], &dataset).status().unwrap().success());
        let status = convert_cmd(&inputs[1..], &dataset).env("SCANLAKE_FAILPOINT", point).status().unwrap();
        assert!(!status.success(), "{point}: the failpoint aborts");
        assert!(dataset.join("_scanlake/journal.json").exists(), "{point}: the journal is left behind");
        // Any writer completes it; converting the first input again must not disturb the second.
        assert!(convert_cmd(&inputs[..1], &dataset).status().unwrap().success());
        assert!(!dataset.join("_scanlake/journal.json").exists());
        assert_consistent(&dataset, point);
        assert_eq!(canonical_rows(&dataset).unwrap(), expected, "{point}");
    }
}
