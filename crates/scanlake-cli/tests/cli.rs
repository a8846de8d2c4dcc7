//! The `scanlake` binary: machine-readable output when not on a terminal, and errors that say what
//! to do next.

use std::path::Path;
use std::process::{Command, Output};

fn scanlake(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scanlake")).args(args).current_dir(cwd).output().expect("run scanlake")
}

fn stdout_json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn gen_convert_split_speak_json_and_stay_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let g = stdout_json(&scanlake(
        &["gen", "-n", "5000", "--hostile", "0.05", "--malformed", "0.001", "-o", "fs1.2026-11-01.list.zst", "--json"],
        d,
    ));
    assert_eq!(g["records"], 5000);
    let out = scanlake(&["convert", "fs1.2026-11-01.list.zst", "-o", "lake", "--json"], d);
    assert!(
        out.stderr.is_empty(),
        "no progress output when stderr is not a terminal: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c = stdout_json(&out);
    assert_eq!(c["rows"], 5000);
    assert_eq!(c["lines"], g["lines"]);
    assert_eq!(c["rejects"], g["malformed"]);
    assert_eq!(c["skipped"], g["comments"]);
    assert_eq!(c["inputs"][0]["status"], "converted");
    assert!(c["lines_per_second"].as_f64().unwrap() > 0.0);

    let s = stdout_json(&scanlake(
        &["split", "fs1.2026-11-01.list.zst", "-o", "chunks", "--chunks", "3", "--compress", "gz", "--json"],
        d,
    ));
    assert_eq!(s["chunks"].as_array().unwrap().len(), 3);
    assert_eq!(s["lines"], g["lines"]);

    // The chunks convert to the same rows as the whole (their names carry the date).
    let out = scanlake(&["convert", "chunks", "-o", "lake-from-chunks", "--json"], d);
    assert_eq!(stdout_json(&out)["rows"], 5000);
    assert_eq!(
        scanlake::dataset::read::canonical_rows(&d.join("lake")).unwrap(),
        scanlake::dataset::read::canonical_rows(&d.join("lake-from-chunks")).unwrap()
    );
}

#[test]
fn human_summary_adds_up() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(scanlake(&["gen", "-n", "1000", "-o", "a.2026-01-01.list"], d).status.success());
    let out = scanlake(&["convert", "a.2026-01-01.list", "-o", "lake"], d);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("converted a.2026-01-01.list (acq 2026-01-01): 1001 lines, 1000 rows, 0 rejects, 1 skipped"),
        "{text}"
    );
}

#[test]
fn errors_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("list.allfiles"), "1 1 0  %7Csize%3D1%7C -- /a\n").unwrap();
    let out = scanlake(&["convert", "list.allfiles", "-o", "lake"], d);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        err,
        "error: cannot tell the scan date of list.allfiles: its name holds no date\nhint: pass --acq YYYY-MM-DD\n"
    );

    std::fs::write(d.join("bad.2024-01-01.list"), "1 1 0  |size=1| -- /a\nnot a line\n").unwrap();
    let out = scanlake(&["convert", "bad.2024-01-01.list", "-o", "lake", "--escape", "none"], d);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("error: 1 input(s) failed; first: bad.2024-01-01.list: 1 of 2 lines rejected (50.00%)"),
        "{err}"
    );
    assert!(err.contains("hint: the rejected lines are in lake/_rejects/"), "{err}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("FAILED"), "{stdout}");

    let out = scanlake(&["convert", "bad.2024-01-01.list", "-o", "lake", "--fields", "size,path"], d);
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "error: field name 'path' is reserved for a dataset column (inode, gen, snapshot, path, path_bytes, kind, acq, tld)\n"
    );

    let out = scanlake(&["convert", "bad.2024-01-01.list", "-o", "lake", "--acq", "2024-02-30"], d);
    assert!(String::from_utf8(out.stderr).unwrap().contains("'2024-02-30' is not a date (YYYY-MM-DD)"));
    assert_eq!(out.status.code(), Some(2), "usage errors exit 2");
}

#[test]
fn fields_prints_the_registry() {
    let out = scanlake(&["fields"], Path::new("."));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), scanlake::format::fields::markdown_table());
}

#[test]
fn demo_runs_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let v = stdout_json(&scanlake(&["demo", "--dir", "work", "-n", "20000", "--json"], dir.path()));
    let users = v["users"].as_array().unwrap();
    let objects: u64 = users.iter().map(|u| u["objects"].as_u64().unwrap()).sum();
    assert_eq!(objects, v["convert"]["rows"].as_u64().unwrap());
    assert_eq!(v["convert"]["rows"], 20000);
    assert!(v["convert"]["rejects"].as_u64().unwrap() > 0, "the demo scan includes malformed lines");
    let bytes: Vec<i64> = users.iter().map(|u| u["bytes"].as_i64().unwrap()).collect();
    assert!(bytes.windows(2).all(|w| w[0] >= w[1]), "largest users first");
}

#[test]
fn completions_and_the_manual_come_from_the_command_definition() {
    let dir = tempfile::tempdir().unwrap();
    let out = scanlake(&["completions", "bash"], dir.path());
    assert!(out.status.success());
    let script = String::from_utf8(out.stdout).unwrap();
    for sub in ["convert", "aggregate", "query", "run", "status", "resume", "--max-depth", "--lock-timeout"] {
        assert!(script.contains(sub), "bash completion lacks {sub}");
    }
    let file = dir.path().join("scanlake.bash");
    std::fs::write(&file, &script).unwrap();
    let syntax = std::process::Command::new("bash").arg("-n").arg(&file).output().unwrap();
    assert!(syntax.status.success(), "{}", String::from_utf8_lossy(&syntax.stderr));
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let out = scanlake(&["completions", shell], dir.path());
        assert!(out.status.success() && out.stdout.len() > 1000, "{shell}");
    }
    let man = String::from_utf8(scanlake(&["man"], dir.path()).stdout).unwrap();
    assert!(man.starts_with(".ie") || man.contains(".TH scanlake"), "{}", &man[..200.min(man.len())]);
    assert!(man.contains("aggregate") && man.contains("convert"));
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    let dir = tempfile::tempdir().unwrap();
    let out = scanlake(&["--version"], dir.path());
    assert!(out.status.success());
    let line = String::from_utf8(out.stdout).unwrap();
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap();
    let git = |args: &[&str]| {
        let out = Command::new("git").arg("-C").arg(&workspace).args(args).output().ok()?;
        out.status.success().then(|| String::from_utf8(out.stdout).unwrap().trim().to_string())
    };
    // As build.rs decides: a checkout whose top is this workspace names its commit.
    let checkout = git(&["rev-parse", "--show-toplevel"])
        .is_some_and(|top| Path::new(&top).canonicalize().ok().as_deref() == Some(workspace.as_path()));
    let build = match checkout {
        true => git(&["log", "-1", "--format=%h %cs", "--abbrev=8"]).unwrap(),
        false => "no git metadata: built from a source archive".to_string(),
    };
    assert_eq!(line, format!("scanlake {} ({build})\n", env!("CARGO_PKG_VERSION")));
}
