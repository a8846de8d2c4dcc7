//! Helpers shared by the CLI tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

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
