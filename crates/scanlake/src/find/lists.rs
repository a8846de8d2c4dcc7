//! `find --per-user DIR`: one list per owner and a `summary.csv`, published as a whole. The
//! lists are written into a hidden sibling directory, synced, then swapped with `DIR` in one
//! rename (`RENAME_EXCHANGE`) and the old lists removed: a reader sees the old directory or the
//! new one, and a killed run leaves the old one (and a hidden leftover it removes next time).

use super::{Matches, each};
use crate::aggregate::pathkey;
use crate::format::time;
use crate::progress::Progress;
use anyhow::{Context, Result};
use rustc_hash::FxHashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Writers open at once; beyond it they are closed and reopened for appending.
const MAX_OPEN: usize = 256;

/// One owner's list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OwnerList {
    /// The user name, when the name source knows the uid.
    pub owner: Option<String>,
    pub uid: Option<u32>,
    /// The list's file name inside the directory.
    pub file: String,
    /// Entries listed.
    pub files: u64,
    /// Their sizes summed.
    pub bytes: i128,
    /// Oldest and newest access time (UTC microseconds).
    pub oldest_access: Option<i64>,
    pub newest_access: Option<i64>,
}

struct Open {
    list: OwnerList,
    path: PathBuf,
    writer: Option<BufWriter<File>>,
}

/// Columns [`per_user`] needs its [`Matches`] to read.
pub const LIST_COLUMNS: [&str; 3] = ["uid", "size", "access"];

/// Writes one list per owner into `dir` (replacing it as a whole) and `summary.csv`; lines are
/// escaped paths, or raw paths ending in NUL when `nul`. Returns the lists, largest first.
pub fn per_user(
    matches: Matches,
    dir: &Path,
    nul: bool,
    mut name_of: impl FnMut(u32) -> Option<String>,
    progress: &dyn Progress,
) -> Result<Vec<OwnerList>> {
    let stage = stage(dir)?;
    let mut owners: FxHashMap<Option<u32>, Open> = FxHashMap::default();
    let mut open = 0usize;
    let mut used_names: std::collections::HashSet<String> = std::collections::HashSet::new();
    each(matches, progress, |found| {
        if let std::collections::hash_map::Entry::Vacant(slot) = owners.entry(found.uid) {
            let owner = found.uid.and_then(&mut name_of);
            let mut file = match (&owner, found.uid) {
                (Some(name), _) => format!("{}.txt", file_safe(name)),
                (None, Some(uid)) => format!("{uid}.txt"),
                (None, None) => "unknown-owner.txt".to_string(),
            };
            // Two names made safe alike: the later owner's list is named by its uid.
            if !used_names.insert(file.clone()) {
                file = format!("{}.txt", found.uid.map_or("unknown-owner".to_string(), |u| u.to_string()));
                used_names.insert(file.clone());
            }
            let path = stage.path().join(&file);
            let list =
                OwnerList { owner, uid: found.uid, file, files: 0, bytes: 0, oldest_access: None, newest_access: None };
            slot.insert(Open { path, list, writer: None });
        }
        if owners[&found.uid].writer.is_none() && open >= MAX_OPEN {
            for o in owners.values_mut() {
                if let Some(mut w) = o.writer.take() {
                    w.flush()?;
                }
            }
            open = 0;
        }
        let o = owners.get_mut(&found.uid).expect("an owner's list");
        if o.writer.is_none() {
            let f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&o.path)
                .with_context(|| format!("cannot write {}", o.path.display()))?;
            o.writer = Some(BufWriter::with_capacity(32 << 10, f));
            open += 1;
        }
        let w = o.writer.as_mut().expect("an open writer");
        if nul {
            w.write_all(found.path)?;
            w.write_all(b"\0")?;
        } else {
            pathkey::write_line(found.path, w)?;
            w.write_all(b"\n")?;
        }
        let l = &mut o.list;
        l.files += 1;
        l.bytes += i128::from(found.size.unwrap_or(0));
        if let Some(a) = found.access {
            l.oldest_access = Some(l.oldest_access.map_or(a, |o| o.min(a)));
            l.newest_access = Some(l.newest_access.map_or(a, |n| n.max(a)));
        }
        Ok(())
    })?;
    for o in owners.values_mut() {
        if let Some(w) = o.writer.take() {
            let f = w.into_inner().map_err(|e| e.into_error())?;
            f.sync_all()?;
        } else {
            File::open(&o.path)?.sync_all()?;
        }
    }
    let mut lists: Vec<OwnerList> = owners.into_values().map(|o| o.list).collect();
    lists.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.file.cmp(&b.file)));
    write_summary(&stage.path().join("summary.csv"), &lists)?;
    publish(stage, dir)?;
    Ok(lists)
}

/// Staging directories of killed runs (`.DIR.tmp-…`, `.DIR.tmp-….old`).
/// A hidden sibling of `dir` to write a new directory into, for [`publish`]; leftovers of a
/// killed run are removed first.
pub fn stage(dir: &Path) -> Result<tempfile::TempDir> {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let base = dir.file_name().with_context(|| format!("{} is not a directory name", dir.display()))?;
    std::fs::create_dir_all(&parent).with_context(|| format!("cannot create {}", parent.display()))?;
    remove_leftovers(&parent, &base.to_string_lossy());
    tempfile::Builder::new()
        .prefix(&format!(".{}.tmp-", base.to_string_lossy()))
        .tempdir_in(&parent)
        .with_context(|| format!("cannot make a directory in {}", parent.display()))
}

fn remove_leftovers(parent: &Path, base: &str) {
    let prefix = format!(".{base}.tmp-");
    for entry in std::fs::read_dir(parent).into_iter().flatten().flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A user name as a file name: `/`, NUL and a leading `.` escaped as `%XX`.
pub fn file_safe(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for (i, c) in name.chars().enumerate() {
        match c {
            '/' | '\0' | '%' => out.push_str(&format!("%{:02X}", c as u32)),
            '.' if i == 0 => out.push_str("%2E"),
            c => out.push(c),
        }
    }
    out
}

fn write_summary(path: &Path, lists: &[OwnerList]) -> Result<()> {
    let mut w = BufWriter::new(File::create(path).with_context(|| format!("cannot write {}", path.display()))?);
    writeln!(w, "owner,uid,file,files,bytes,oldest_access,newest_access")?;
    let t = |v: Option<i64>| v.map_or(String::new(), time::format_timestamp_micros);
    for l in lists {
        let owner = l.owner.clone().unwrap_or_default();
        let owner =
            if owner.contains([',', '"', '\n']) { format!("\"{}\"", owner.replace('"', "\"\"")) } else { owner };
        writeln!(
            w,
            "{owner},{},{},{},{},{},{}",
            l.uid.map_or(String::new(), |u| u.to_string()),
            l.file,
            l.files,
            l.bytes,
            t(l.oldest_access),
            t(l.newest_access)
        )?;
    }
    w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(())
}

/// Puts the staged directory at `dir` in one step, then removes what was there.
pub fn publish(stage: tempfile::TempDir, dir: &Path) -> Result<()> {
    let staged = stage.keep();
    let exists = std::fs::symlink_metadata(dir).is_ok();
    if exists {
        if !dir.is_dir() {
            let _ = std::fs::remove_dir_all(&staged);
            anyhow::bail!("{} exists and is not a directory\nhint: give a new or an old list directory", dir.display());
        }
        exchange(&staged, dir).with_context(|| format!("cannot replace {}", dir.display()))?;
        // `staged` now holds the old lists.
        std::fs::remove_dir_all(&staged)
            .with_context(|| format!("cannot remove the old lists {}", staged.display()))?;
    } else {
        std::fs::rename(&staged, dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        File::open(parent).and_then(|f| f.sync_all()).ok();
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    // Two renames: between them, neither directory is at `b`.
    let old = a.with_extension("old");
    std::fs::rename(b, &old)?;
    std::fs::rename(a, b)?;
    std::fs::rename(&old, a)
}

#[cfg(test)]
mod tests {
    #[test]
    fn user_names_become_safe_file_names() {
        assert_eq!(super::file_safe("ann"), "ann");
        assert_eq!(super::file_safe("../x/y"), "%2E.%2Fx%2Fy");
    }
}
