//! Helpers shared by the CLI tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The interpreter with pyarrow and duckdb: `SCANLAKE_PYTHON`, or the one the project script makes.
pub fn python() -> String {
    if let Ok(p) = std::env::var("SCANLAKE_PYTHON") {
        return p;
    }
    let out = Command::new(repo().join("scripts/python-env.sh")).output().expect("run scripts/python-env.sh");
    assert!(out.status.success(), "scripts/python-env.sh failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Debian's ncdu, the independent reader of `export-tree`: `SCANLAKE_NCDU`, or the one the
/// project script installs.
pub fn ncdu() -> String {
    if let Ok(p) = std::env::var("SCANLAKE_NCDU") {
        return p;
    }
    let out = Command::new(repo().join("scripts/ncdu.sh")).output().expect("run scripts/ncdu.sh");
    assert!(out.status.success(), "scripts/ncdu.sh failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// `scanlake ARGS` in `cwd`, with no engine from the environment and no configuration file.
pub fn scanlake(args: &[&str], cwd: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_scanlake"));
    c.args(args).current_dir(cwd).env_remove("SCANLAKE_ENGINE").env("SCANLAKE_CONFIG", cwd.join("no-config.toml"));
    c
}

pub fn run(args: &[&str], cwd: &Path) -> Output {
    scanlake(args, cwd).output().unwrap()
}

/// Stdout of a command that must succeed.
pub fn ok(args: &[&str], cwd: &Path) -> String {
    succeeded(args, run(args, cwd))
}

/// Stdout of `scanlake ARGS`, which must have succeeded.
pub fn succeeded(args: &[&str], out: Output) -> String {
    assert!(
        out.status.success(),
        "scanlake {args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Stderr of a command that must fail with exit code 1.
pub fn fails(args: &[&str], cwd: &Path) -> String {
    fails_with(1, args, cwd)
}

/// Exit code 2: the command line itself is wrong (clap's usage errors).
pub fn fails_with(code: i32, args: &[&str], cwd: &Path) -> String {
    let out = run(args, cwd);
    assert_eq!(
        out.status.code(),
        Some(code),
        "scanlake {args:?} should fail; stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr).unwrap()
}

/// `bytes` of a LIST file with every other line between `from_pct` and `to_pct` % of its bytes
/// made malformed (its ` -- ` separator overwritten): a chunk there has too many rejects.
pub fn break_lines(bytes: &[u8], from_pct: usize, to_pct: usize) -> Vec<u8> {
    let (from, to) = (bytes.len() * from_pct / 100, bytes.len() * to_pct / 100);
    let mut out = Vec::with_capacity(bytes.len());
    for (i, line) in bytes.split_inclusive(|&b| b == b'\n').enumerate() {
        let mut line = line.to_vec();
        if (from..to).contains(&out.len())
            && i % 2 == 0
            && let Some(p) = line.windows(4).position(|w| w == b" -- ")
        {
            line[p..p + 4].copy_from_slice(b"XXXX");
        }
        out.extend(line);
    }
    out
}
