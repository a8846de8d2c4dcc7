//! The filter language, `find` and names, end to end: every predicate on both engines against an
//! independent referee (DuckDB reading the data files, predicates evaluated in Python from
//! docs/find.md), and the errors and names users meet.

use std::path::PathBuf;
use std::process::Command;

mod common;
use common::{fails, ok, python};

#[test]
fn every_predicate_matches_an_independent_referee_on_both_engines() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(python())
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/filters_referee.py"))
        .arg(env!("CARGO_BIN_EXE_scanlake"))
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "the referee disagrees: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["cases"].as_array().unwrap().len(), 15, "{v}");
    assert!(v["owners"].as_u64().unwrap() >= 10, "{v}");
}

/// A small dataset with known owners: uid 0 (root), 4242 (in the passwd file only), 31337 (nowhere).
fn owners(d: &std::path::Path) {
    let t = "2026-01-02%2003%3A04%3A05.000000";
    let mut text = String::new();
    for (i, (uid, gid)) in [(0, 0), (4242, 4343), (31337, 31338), (4242, 4343)].iter().enumerate() {
        text.push_str(&format!(
            "{} 1 0  %7Csize%3D{}%7Caccess%3D{t}%7Ccreate%3D{t}%7Cuid%3D{uid}%7Cgid%3D{gid}%7Cmode%3D-rw-r--r--%7C -- /gpfs/fs1/home/u{i}/f\n",
            100 + i,
            10 * (i + 1)
        ));
    }
    std::fs::write(d.join("fs1.2026-11-01.list"), text).unwrap();
    ok(&["convert", "fs1.2026-11-01.list", "-o", "lake"], d);
    std::fs::write(d.join("passwd"), "ann:x:4242:4343::/home/ann:/bin/sh\nroot:x:0:0::/root:/bin/sh\n").unwrap();
    std::fs::write(d.join("group"), "annsgroup:x:4343:\n").unwrap();
}

#[test]
fn names_come_from_files_or_the_name_service_and_unknown_ids_keep_their_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    owners(d);
    let csv = ok(
        &[
            "aggregate",
            "lake",
            "usage",
            "--by",
            "uid,gid",
            "--names",
            "--passwd",
            "passwd",
            "--group-file",
            "group",
            "--format",
            "csv",
        ],
        d,
    );
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "acq,uid,user,gid,group,objects,files,dirs,bytes,allocated,unique_bytes");
    assert!(lines[1].starts_with("2026-11-01,0,root,0,,1,"), "gid 0 is not in the group file: {csv}");
    assert!(lines[2].starts_with("2026-11-01,4242,ann,4343,annsgroup,2,"), "{csv}");
    assert!(lines[3].starts_with("2026-11-01,31337,,31338,,1,"), "unknown ids keep their numbers: {csv}");
    // The machine's own name service knows root (uid 0, gid 0).
    let nss = ok(&["aggregate", "lake", "usage", "--by", "uid,gid", "--names", "--uid", "0", "--format", "csv"], d);
    assert!(nss.lines().nth(1).unwrap().starts_with("2026-11-01,0,root,0,root,1,"), "{nss}");
    let by_name = ok(&["find", "lake", "--user", "root"], d);
    assert_eq!(by_name, "/gpfs/fs1/home/u0/f\n");
    let from_file = ok(&["find", "lake", "--user", "ann", "--passwd", "passwd", "--format", "csv", "--names"], d);
    assert_eq!(from_file.lines().count(), 3, "{from_file}");
    assert!(from_file.lines().nth(1).unwrap().contains(",4242,ann,4343,"), "{from_file}");
    let err = fails(&["find", "lake", "--user", "nosuchuser-scanlake"], d);
    assert!(err.contains("unknown user 'nosuchuser-scanlake'") && err.contains("hint:"), "{err}");
    assert!(err.contains("--passwd"), "the hint names the flag: {err}");
    let err = fails(&["find", "lake", "--group", "nosuchgroup-scanlake", "--group-file", "group"], d);
    assert!(err.contains("unknown group 'nosuchgroup-scanlake' (not in the given file)"), "{err}");
    // Per-user lists are named after the owner, else the uid.
    ok(&["find", "lake", "--per-user", "lists", "--passwd", "passwd", "--names"], d);
    let mut names: Vec<String> =
        std::fs::read_dir(d.join("lists")).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
    names.sort();
    assert_eq!(names, ["31337.txt", "ann.txt", "root.txt", "summary.csv"]);
    assert_eq!(std::fs::read_to_string(d.join("lists/ann.txt")).unwrap(), "/gpfs/fs1/home/u1/f\n/gpfs/fs1/home/u3/f\n");
}

#[test]
fn bad_filters_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    owners(d);
    let err = fails(&["find", "lake", "--rule", "nope"], d);
    assert!(err.contains("unknown rule 'nope'") && err.contains("[rules.NAME]"), "{err}");
    let err = fails(&["aggregate", "lake", "usage", "--misc-has", "M"], d);
    assert!(err.contains("needs column 'misc'") && err.contains("hint:"), "{err}");
    let err = fails(&["find", "lake", "--name", "[ab"], d);
    assert!(err.contains("without its ']'"), "{err}");
    let err = fails(&["find", "lake", "--size-min", "2K", "--size-max", "1K"], d);
    assert!(err.contains("--size-min") && err.contains("no row can match"), "{err}");
    let err = common::fails_with(2, &["find", "lake", "--older", "access"], d);
    assert!(err.contains("TIME=AGE"), "{err}");
    let err = fails(&["find", "lake", "--acq", "2026-11-02"], d);
    assert!(err.contains("scan date 2026-11-02 is not in this dataset"), "{err}");
    let err = fails(&["find", "lake", "--columns", "path,colour"], d);
    assert!(err.contains("unknown column 'colour'"), "{err}");
}
