//! `scanlake plot` (every chart kind as SVG and PNG, with the labels it must show) and `scanlake
//! report` (one file, under 3 MB however many owners, written whole; per-user pages). The
//! browser tests of the same pages are in tests/python/test_report.py.

use std::path::Path;

mod common;
use common::{fails, ok};

fn lake(d: &Path, users: u32, records: u32) {
    for (acq, seed) in [("2026-11-01", "1"), ("2026-11-08", "2")] {
        let name = format!("fs1.{acq}.list");
        let (users, records) = (users.to_string(), records.to_string());
        ok(&["gen", "-o", &name, "-n", &records, "--seed", seed, "--acq", acq, "--users", &users, "--directories"], d);
    }
    ok(&["convert", "fs1.2026-11-01.list", "fs1.2026-11-08.list", "-o", "lake"], d);
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[1..4], b"PNG");
    let be = |r: std::ops::Range<usize>| u32::from_be_bytes(bytes[r].try_into().unwrap());
    (be(16..20), be(20..24))
}

#[test]
fn plot_draws_every_chart_kind_with_its_labels() {
    let d = tempfile::tempdir().unwrap();
    lake(d.path(), 50, 3000);
    // (report arguments, what the picture must say)
    let cases: &[(&[&str], &[&str])] = &[
        (&["usage", "--by", "uid"], &["Bytes by uid", "(other)"]),
        (&["age", "--by", "fileset"], &["stacked by access age", "&lt;30d"]),
        (&["age", "--size-edges", "default"], &["access age and size", "1KiB-10KiB"]),
        (&["size"], &["Files by size", "&lt;1KiB"]),
        (&["size", "--age", "modify"], &["Files by size and modify age"]),
        (&["du", "--max-depth", "5"], &["Largest directories", "/gpfs/fs1"]),
        (&["top", "dirs", "-n", "5"], &["Largest directories"]),
        (&["top", "users", "-n", "5"], &["Users by bytes"]),
        (&["top", "files", "-n", "5"], &["Largest files"]),
        (&["top", "growth", "-n", "5"], &["Fastest growing by uid"]),
        (&["churn", "--by", "tld"], &["Churn by tld", "created", "deleted"]),
        (&["history", "--by", "fileset"], &["over every scan", "2026-11-01", "2026-11-08"]),
        (&["extensions", "-n", "5"], &["Bytes by ext"]),
        (&["duplicates", "-n", "5"], &["Candidate duplicates"]),
    ];
    for (i, (report, labels)) in cases.iter().enumerate() {
        let svg = format!("c{i}.svg");
        let mut args = vec!["plot", "lake", "--top", "8"];
        args.extend_from_slice(report);
        args.extend_from_slice(&["-o", &svg]);
        ok(&args, d.path());
        let text = std::fs::read_to_string(d.path().join(&svg)).unwrap();
        assert!(text.starts_with("<svg") && text.len() > 500, "{report:?}");
        for label in *labels {
            assert!(text.contains(label), "{report:?} lacks {label:?}");
        }
    }
    ok(&["plot", "lake", "--tree", "sunburst", "--width", "500", "--height", "400", "du", "-o", "dirs.png"], d.path());
    let png = std::fs::read(d.path().join("dirs.png")).unwrap();
    assert_eq!(png_size(&png), (1000, 800));
    assert!(png.len() > 20_000, "a sunburst with labels is more than a blank page");
}

#[test]
fn plot_says_what_it_needs() {
    let d = tempfile::tempdir().unwrap();
    lake(d.path(), 5, 200);
    let e = fails(&["plot", "lake", "usage", "-o", "x.jpg"], d.path());
    assert!(e.contains("hint: name the output chart.svg or chart.png"), "{e}");
    let e = fails(&["plot", "lake", "usage"], d.path());
    assert!(e.contains("hint: add -o chart.svg"), "{e}");
    assert!(!d.path().join("x.jpg").exists());
}

#[test]
fn report_stays_small_however_many_owners_and_is_written_whole() {
    let d = tempfile::tempdir().unwrap();
    lake(d.path(), 4000, 40_000);
    std::fs::write(d.path().join("report.html"), "an older report").unwrap();
    let said = ok(&["report", "lake", "-o", "report.html", "--top", "15", "--json"], d.path());
    let summary: serde_json::Value = serde_json::from_str(&said).unwrap();
    let html = std::fs::read_to_string(d.path().join("report.html")).unwrap();
    assert_eq!(summary["bytes"].as_u64().unwrap() as usize, html.len());
    assert!(html.len() < 3_000_000, "{} bytes", html.len());
    assert!(html.starts_with("<!doctype html>") && html.trim_end().ends_with("</html>"));
    // The data block: per chart at most the top 15 groups and `(other)` (per age bucket).
    let start = html.find("<script type=\"application/json\" id=\"scanlake-data\">").unwrap();
    let data = &html[start..];
    let data = &data[data.find('>').unwrap() + 1..data.find("</script>").unwrap()];
    let data: serde_json::Value = serde_json::from_str(data).unwrap();
    let users = data["charts"].as_array().unwrap().iter().find(|c| c["id"] == "usage-user").unwrap();
    let shown: std::collections::BTreeSet<String> =
        users["option"]["yAxis"]["data"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    assert_eq!(shown.len(), 16, "15 users and (other)");
    assert!(shown.contains("(other)"));
    // Nothing half-written is left beside it.
    let names: Vec<String> =
        std::fs::read_dir(d.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(!names.iter().any(|n| n.contains(".tmp") || n.starts_with(".report")), "{names:?}");
}

#[test]
fn per_user_pages_one_per_owner_and_an_index() {
    let d = tempfile::tempdir().unwrap();
    lake(d.path(), 12, 2000);
    ok(&["report", "lake", "-o", "r.html", "--per-user", "users", "-q"], d.path());
    let usage = ok(&["aggregate", "lake", "usage", "--by", "uid", "--acq", "2026-11-08", "--format", "csv"], d.path());
    let uids: Vec<&str> = usage.lines().skip(1).map(|l| l.split(',').nth(1).unwrap()).collect();
    let pages: std::collections::BTreeSet<String> = std::fs::read_dir(d.path().join("users"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for uid in &uids {
        assert!(pages.contains(&format!("{uid}.html")), "{uid} has a page: {pages:?}");
    }
    assert!(pages.contains("index.html") && pages.contains("scanlake-report.js"));
    assert_eq!(pages.len(), uids.len() + 2);
    let page = std::fs::read_to_string(d.path().join("users").join(format!("{}.html", uids[0]))).unwrap();
    assert!(page.contains("script-src 'self' 'unsafe-inline'") && page.contains("<script src=\"scanlake-report.js\">"));
    assert!(page.len() < 100_000, "{}", page.len());
    let e = fails(&["report", "lake", "-o", "r.html", "--acq", "2026-11-01,2026-11-08"], d.path());
    assert!(e.contains("hint: give one --acq"), "{e}");
}

#[test]
fn a_quota_file_adds_its_section() {
    let d = tempfile::tempdir().unwrap();
    lake(d.path(), 5, 300);
    let header = "mmrepquota::HEADER:version:reserved:reserved:filesystemName:quotaType:id:name:blockUsage:blockQuota:blockLimit:blockInDoubt:blockGrace:filesUsage:filesQuota:filesLimit:filesInDoubt:filesGrace:remarks:quota:defQuota:fid:filesetname:";
    let entry = "mmrepquota::0:1:::fs1:USR:1000:ann:9216:10240:20480:0:none:2:0:0:0:none:i:on:off:::";
    std::fs::write(d.path().join("q.txt"), format!("{header}\n{entry}\n")).unwrap();
    ok(&["report", "lake", "-o", "r.html", "--quota", "q.txt", "-q"], d.path());
    let html = std::fs::read_to_string(d.path().join("r.html")).unwrap();
    assert!(html.contains("<section id=\"quota\">") && html.contains("id=\"quota-table\""));
    let quota = ok(&["quota", "lake", "q.txt", "--format", "csv"], d.path());
    // The section's table is the quota command's: the same columns, the entry's limit in it.
    let columns = quota.lines().next().unwrap();
    for c in columns.split(',') {
        assert!(html.contains(&format!("{{\"name\":\"{c}\"")), "the quota table lacks {c}");
    }
    let start = html.find("<script type=\"application/json\" id=\"scanlake-data\">").unwrap();
    let data = &html[start..];
    let data: serde_json::Value =
        serde_json::from_str(&data[data.find('>').unwrap() + 1..data.find("</script>").unwrap()]).unwrap();
    let table = &data["tables"].as_array().unwrap().iter().find(|t| t["id"] == "quota-table").unwrap()["table"];
    let names: Vec<&str> = table["columns"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    let row = &table["rows"][0];
    let at = |c: &str| &row[names.iter().position(|n| *n == c).unwrap()];
    assert_eq!(
        (at("name"), at("bytes_limit"), at("bytes_used")),
        (&serde_json::json!("ann"), &serde_json::json!(20971520), &serde_json::json!(9437184))
    );
    let cli_row: Vec<&str> = quota.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(at("scan_allocated").to_string(), cli_row[names.iter().position(|n| *n == "scan_allocated").unwrap()]);
    let e = fails(&["report", "lake", "-o", "r2.html", "--quota", "missing.txt"], d.path());
    assert!(e.contains("missing.txt"), "{e}");
    assert!(!d.path().join("r2.html").exists());
}
