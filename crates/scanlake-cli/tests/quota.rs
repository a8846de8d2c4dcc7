//! `scanlake quota` on a quota report in the real `mmrepquota -Y -a` format (several sections and
//! headers, user, group and fileset quotas, a per-fileset user quota, a malformed line), against
//! figures worked out by hand from the records below.

use std::io::Write;
use std::path::Path;
use std::process::Stdio;

mod common;
use common::{fails, ok, scanlake};

/// Two weekly scans. Week 1: ann (uid 4242) has 1 MiB in home and 2 MiB in proj. Week 2: ann has
/// 8 MiB in home and 2 MiB in proj; uid 5000 has 4 MiB in proj.
fn scans(d: &Path) {
    let rec = |ino: u32, uid: u32, gid: u32, fileset: &str, kib: u64, path: &str| {
        format!(
            "{ino} 1 0  %7Csize%3D{}%7Ckballoc%3D{kib}%7Cuid%3D{uid}%7Cgid%3D{gid}%7Cfileset%3D{fileset}%7Cmode%3D-rw-r--r--%7Cnlink%3D1%7C -- {path}\n",
            kib * 1000
        )
    };
    let week1 = [
        rec(1, 4242, 100, "home", 1024, "/gpfs/fs1/home/ann/a"),
        rec(2, 4242, 200, "proj", 2048, "/gpfs/fs1/proj/x/b"),
    ];
    let week2 = [
        rec(1, 4242, 100, "home", 1024, "/gpfs/fs1/home/ann/a"),
        rec(3, 4242, 100, "home", 7168, "/gpfs/fs1/home/ann/c"),
        rec(2, 4242, 200, "proj", 2048, "/gpfs/fs1/proj/x/b"),
        rec(4, 5000, 200, "proj", 4096, "/gpfs/fs1/proj/y/d"),
    ];
    std::fs::write(d.join("fs1.2026-10-25.list"), week1.concat()).unwrap();
    std::fs::write(d.join("fs1.2026-11-01.list"), week2.concat()).unwrap();
    ok(&["convert", "fs1.2026-10-25.list", "fs1.2026-11-01.list", "-o", "lake"], d);
}

const HEADER: &str = "mmrepquota::HEADER:version:reserved:reserved:filesystemName:quotaType:id:name:blockUsage:blockQuota:blockLimit:blockInDoubt:blockGrace:filesUsage:filesQuota:filesLimit:filesInDoubt:filesGrace:remarks:quota:defQuota:fid:filesetname:";

fn quota_report() -> String {
    // The second section's header has a field a later release might add, in the middle.
    let header2 = HEADER.replace(":blockUsage:", ":newField:blockUsage:");
    [
        "*** Report for USR GRP quotas on fs1",
        HEADER,
        "mmrepquota::0:1:::fs1:USR:4242:ann:9216:10240:20480:0:none:2:0:0:0:none:i:on:off:::",
        "mmrepquota::0:1:::fs1:USR:4242:ann:8192:0:0:0:none:2:0:0:0:none:i:on:off::home:",
        "mmrepquota::0:1:::fs1:GRP:200::6144:4096:8192:0:6 days:2:0:0:0:none:i:on:off:::",
        "mmrepquota::0:1:::fs1:USR:abc:bad:1:0:0:0:none:1:0:0:0:none:i:on:off:::",
        "*** Report for FILESET quotas on fs1",
        &header2,
        "mmrepquota::0:1:::fs1:FILESET:1:proj:x:6144:0:10240:0:none:2:0:1000:0:none:i:on:off:::",
        "",
    ]
    .join("\n")
}

fn parse_rows(json: &str) -> Vec<serde_json::Value> {
    serde_json::from_str::<Vec<serde_json::Value>>(json).unwrap()
}

fn f(v: &serde_json::Value) -> Option<f64> {
    v.as_f64()
}

#[test]
fn quota_entries_stand_beside_the_scans_usage_as_worked_out_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    scans(d);
    std::fs::write(d.join("quota.txt"), quota_report()).unwrap();
    std::fs::write(d.join("group"), "projgrp:x:200:\n").unwrap();
    let out = scanlake(&["quota", "lake", "quota.txt", "--format", "json", "--names", "--group-file", "group"], d)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("quota.txt line 6: id is 'abc', not a number (not read)"), "{err}");
    assert_eq!(err.matches("(not read)").count(), 1, "one bad line: {err}");
    let rows = parse_rows(&String::from_utf8_lossy(&out.stdout));
    const MIB: i64 = 1 << 20;
    // Fullest first: the group (150 %), ann over the file system (90 %), the fileset (60 %), then
    // ann in home (no quota).
    let order: Vec<(&str, Option<&str>)> =
        rows.iter().map(|r| (r["type"].as_str().unwrap(), r["fileset"].as_str())).collect();
    assert_eq!(order, [("group", None), ("user", None), ("fileset", Some("proj")), ("user", Some("home"))]);
    let (group, ann, proj, home) = (&rows[0], &rows[1], &rows[2], &rows[3]);

    assert_eq!(group["name"], "projgrp", "the group file names a group the report leaves unnamed");
    assert_eq!((group["bytes_used"].as_i64(), group["bytes_quota"].as_i64()), (Some(6 * MIB), Some(4 * MIB)));
    assert_eq!((f(&group["bytes_pct"]), group["bytes_grace"].as_str()), (Some(150.0), Some("6 days")));
    assert_eq!((group["scan_allocated"].as_i64(), group["allocated_difference"].as_i64()), (Some(6 * MIB), Some(0)));
    // gid 200 grew from 2 to 6 MiB in a week; 2 MiB to its 8 MiB limit at 4/7 MiB a day.
    assert_eq!(group["growth_per_week"].as_i64(), Some(4 * MIB));
    assert_eq!(f(&group["days_to_limit"]), Some(3.5));

    assert_eq!(
        (ann["id"].as_i64(), ann["name"].as_str(), ann["acq"].as_str()),
        (Some(4242), Some("ann"), Some("2026-11-01"))
    );
    assert_eq!((f(&ann["bytes_pct"]), ann["bytes_limit"].as_i64()), (Some(90.0), Some(20 * MIB)));
    // The scan holds 10 MiB of ann's: 1 MiB more than quota accounting says; 3 objects, 2 files counted.
    assert_eq!((ann["scan_allocated"].as_i64(), ann["allocated_difference"].as_i64()), (Some(10 * MIB), Some(-MIB)));
    assert_eq!((ann["scan_objects"].as_i64(), ann["objects_difference"].as_i64()), (Some(3), Some(-1)));
    assert_eq!((ann["growth_per_week"].as_i64(), f(&ann["days_to_limit"])), (Some(7 * MIB), Some(11.0)));

    assert_eq!(
        (proj["id"].as_i64(), proj["scan_allocated"].as_i64(), proj["scan_objects"].as_i64()),
        (Some(1), Some(6 * MIB), Some(2))
    );
    assert_eq!(
        (f(&proj["bytes_pct"]), f(&proj["files_pct"]), f(&proj["days_to_limit"])),
        (Some(60.0), Some(0.2), Some(7.0))
    );

    assert_eq!((home["scan_allocated"].as_i64(), home["allocated_difference"].as_i64()), (Some(8 * MIB), Some(0)));
    assert!(home["bytes_pct"].is_null() && home["days_to_limit"].is_null() && home["bytes_quota"].is_null(), "{home}");

    // The same from standard input, from the rows, at 90 % and over.
    let mut child =
        scanlake(&["quota", "lake", "-", "--over", "90", "--format", "json", "--from-rows", "--explain"], d)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
    child.stdin.take().unwrap().write_all(quota_report().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let over = parse_rows(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(over.len(), 2);
    for (a, b) in over.iter().zip(&rows[..2]) {
        let mut b = b.clone();
        b["name"] = a["name"].clone();
        assert_eq!(a, &b, "rows and summaries agree");
    }
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("rows on streaming") && said.contains("growth since 2026-10-25"), "{said}");
    let said =
        String::from_utf8_lossy(&scanlake(&["quota", "lake", "quota.txt", "--explain"], d).output().unwrap().stderr)
            .to_string();
    assert!(said.contains("reads the summaries of 2 inputs"), "{said}");

    // An older scan has no scan before it: no growth.
    let first = parse_rows(&ok(&["quota", "lake", "quota.txt", "--acq", "2026-10-25", "--format", "json"], d));
    assert!(first.iter().all(|r| r["growth_per_week"].is_null() && r["days_to_limit"].is_null()));
    // At its hard limit an entry has no days left, with or without an earlier scan.
    let full = [HEADER, "mmrepquota::0:1:::fs1:GRP:200::8192:4096:8192:0:2 days:2:0:0:0:none:i:on:off:::", ""];
    std::fs::write(d.join("full.txt"), full.join("\n")).unwrap();
    for acq in ["2026-10-25", "2026-11-01"] {
        let rows = parse_rows(&ok(&["quota", "lake", "full.txt", "--acq", acq, "--format", "json"], d));
        assert_eq!(f(&rows[0]["days_to_limit"]), Some(0.0), "{acq}: {:?}", rows[0]);
    }
    let err = fails(&["quota", "lake", "lake/_scanlake/manifest.json"], d);
    assert!(err.contains("no HEADER line") && err.contains("hint:"), "{err}");
}
