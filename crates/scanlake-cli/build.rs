//! Records which commit the binary was built from, for `scanlake --version`: the short hash and
//! the commit date, from the git CLI. A build outside a git checkout (a source archive, an sdist)
//! says so instead of failing.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let workspace = manifest_dir.join("../..");
    let build = match commit_of(&workspace) {
        Some(commit) => commit,
        None => "no git metadata: built from a source archive".to_string(),
    };
    println!("cargo:rustc-env=SCANLAKE_BUILD={build}");
}

/// `"1a2b3c4d 2026-11-22"` when `workspace` is the top of a git checkout; `None` otherwise (an
/// archive unpacked inside some other repository must not report that repository's commit).
fn commit_of(workspace: &Path) -> Option<String> {
    let top = git(workspace, &["rev-parse", "--show-toplevel"])?;
    if Path::new(&top).canonicalize().ok()? != workspace.canonicalize().ok()? {
        return None;
    }
    // Rebuild when HEAD moves: HEAD itself (branch switch, detached checkout), the branch it
    // names, and packed refs.
    for name in ["HEAD", "packed-refs"] {
        watch(workspace, name);
    }
    if let Some(branch) = git(workspace, &["symbolic-ref", "-q", "HEAD"]) {
        watch(workspace, &branch);
    }
    git(workspace, &["log", "-1", "--format=%h %cs", "--abbrev=8"])
}

fn watch(workspace: &Path, name: &str) {
    // A path that does not exist would make cargo run this script on every build.
    if let Some(path) = git(workspace, &["rev-parse", "--path-format=absolute", "--git-path", name])
        .filter(|path| Path::new(path).exists())
    {
        println!("cargo:rerun-if-changed={path}");
    }
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git").arg("-C").arg(dir).args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}
