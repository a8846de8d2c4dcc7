//! What users read, as snapshots (`tests/snapshots/`): the help of every subcommand and the main
//! error messages. A change to any of them shows up in review as a changed snapshot; accept it with
//! `INSTA_UPDATE=always cargo test --release -p scanlake-cli --test snapshots` (or `cargo insta review`).

use std::path::Path;
use std::process::Command;

fn scanlake(args: &[&str], cwd: &Path) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_scanlake"))
        .args(args)
        .current_dir(cwd)
        .env_remove("SCANLAKE_ENGINE")
        .env_remove("SCANLAKE_THREADS")
        .env("SCANLAKE_CONFIG", cwd.join("no-config.toml"))
        .env("COLUMNS", "100")
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

/// Every subcommand, and each report of `aggregate`.
const COMMANDS: [&str; 39] = [
    "",
    "convert",
    "split",
    "gen",
    "demo",
    "aggregate",
    "aggregate usage",
    "aggregate age",
    "aggregate size",
    "aggregate top",
    "aggregate top dirs",
    "aggregate top users",
    "aggregate top groups",
    "aggregate top growth",
    "aggregate top files",
    "aggregate du",
    "aggregate churn",
    "aggregate history",
    "aggregate extensions",
    "aggregate duplicates",
    "find",
    "summarize",
    "quota",
    "export-tree",
    "plot",
    "report",
    "query",
    "run",
    "status",
    "wait",
    "resume",
    "cancel",
    "analyze",
    "stats",
    "runs",
    "verify",
    "fields",
    "completions",
    "man",
];

/// The names listed under `Commands:` in a help text.
fn listed(help: &str) -> Vec<String> {
    help.split("Commands:\n")
        .nth(1)
        .unwrap_or("")
        .lines()
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn help_of_every_subcommand() {
    let here = Path::new(".");
    for cmd in COMMANDS {
        let mut args: Vec<&str> = cmd.split_whitespace().collect();
        args.push("--help");
        let (code, help, _) = scanlake(&args, here);
        assert_eq!(code, Some(0), "{cmd} --help");
        let name = if cmd.is_empty() { "help".to_string() } else { format!("help-{}", cmd.replace(' ', "-")) };
        insta::assert_snapshot!(name, help);
        // A new subcommand needs a snapshot too (`plot`'s reports are `aggregate`'s, whose
        // snapshots show their options).
        for sub in listed(&help) {
            if cmd == "plot" {
                assert!(COMMANDS.contains(&format!("aggregate {sub}").as_str()), "plot {sub} is no report");
                continue;
            }
            let full = format!("{cmd} {sub}").trim().to_string();
            assert!(COMMANDS.contains(&full.as_str()), "no help snapshot for `scanlake {full}`");
        }
    }
}

#[test]
fn main_error_messages() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("scan.list"), "1 1 0  |size=1| -- /gpfs/fs1/a/f\n").unwrap();
    std::fs::create_dir(d.join("notes")).unwrap();
    std::fs::write(d.join("notes/readme.txt"), "x").unwrap();
    let (code, _, _) = scanlake(&["convert", "scan.list", "-o", "lake", "--acq", "2026-11-01", "-q"], d);
    assert_eq!(code, Some(0));
    let cases: [(&str, &[&str]); 10] = [
        ("undated-input", &["convert", "scan.list", "-o", "lake2"]),
        ("threads-out-of-range", &["convert", "scan.list", "-o", "lake2", "--acq", "2026-11-01", "--threads", "0"]),
        ("missing-dataset", &["aggregate", "missing", "usage"]),
        ("not-a-dataset", &["aggregate", "notes", "usage"]),
        ("unknown-group", &["aggregate", "lake", "usage", "--by", "owner"]),
        ("unknown-engine", &["aggregate", "lake", "usage", "--engine", "warp"]),
        ("churn-one-date", &["aggregate", "lake", "churn"]),
        ("du-depth-zero", &["aggregate", "lake", "du", "--max-depth", "0"]),
        ("write-query", &["query", "lake", "COPY (SELECT 1) TO 'x.csv'"]),
        ("not-a-run", &["status", "notes"]),
    ];
    for (name, args) in cases {
        let (code, _, err) = scanlake(args, d);
        assert_ne!(code, Some(0), "{name}");
        insta::assert_snapshot!(format!("error-{name}"), err);
    }
}
