//! Paths read from a dataset's own metadata (manifest, journal) are not trusted: whoever can write
//! `_scanlake/` must not be able to make a writer (often root) move or delete anything outside the
//! dataset, nor a reader open anything outside it. Every such path is relative, made of plain
//! names only, and resolves inside the root without passing through a symbolic link.

use anyhow::{Result, bail};
use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

/// Checks the spelling of a dataset-relative path: not empty, not absolute, no `.`, `..` or empty
/// components, no NUL. Says nothing of what is on disk.
pub fn check_relative(rel: &str) -> Result<()> {
    let path = Path::new(rel);
    let plain = !rel.is_empty()
        && !rel.contains('\0')
        && !rel.starts_with('/')
        && !rel.split('/').any(|c| c.is_empty() || c == "." || c == "..")
        && path.components().all(|c| matches!(c, Component::Normal(_)));
    if !plain {
        bail!(
            "the dataset's metadata names '{rel}', which is not a plain path inside the dataset\nhint: the manifest or journal under _scanlake/ was edited by hand or by another program; restore it from a backup, or convert the scans into a new dataset"
        );
    }
    Ok(())
}

/// `root/rel`, after checking `rel` ([`check_relative`]) and that none of the directories between
/// `root` and the named entry is a symbolic link (the entry itself may be one: removing or
/// replacing a link never touches its target).
pub fn resolve(root: &Path, rel: &str) -> Result<PathBuf> {
    Resolver::new(root).resolve(rel)
}

/// [`resolve`] for many paths: each directory is looked at once (a dataset's files share a few
/// thousand partition directories).
pub struct Resolver<'a> {
    root: &'a Path,
    checked: HashSet<PathBuf>,
}

impl<'a> Resolver<'a> {
    pub fn new(root: &'a Path) -> Resolver<'a> {
        Resolver { root, checked: HashSet::new() }
    }

    pub fn resolve(&mut self, rel: &str) -> Result<PathBuf> {
        check_relative(rel)?;
        let path = self.root.join(rel);
        let Some((dirs, _)) = rel.rsplit_once('/') else { return Ok(path) };
        let mut dir = self.root.to_path_buf();
        for part in dirs.split('/') {
            dir.push(part);
            if self.checked.contains(&dir) {
                continue;
            }
            match std::fs::symlink_metadata(&dir) {
                Ok(m) if m.file_type().is_symlink() => bail!(
                    "{} is a symbolic link inside the dataset {}; scanlake follows none there, so that no file outside the dataset can be touched\nhint: replace the link with the directory it points to",
                    dir.display(),
                    self.root.display()
                ),
                Ok(_) => {
                    self.checked.insert(dir.clone());
                }
                // What does not exist yet cannot be a link; it is created as a directory.
                Err(_) => {}
            }
        }
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_pass() {
        for ok in ["acq=2026-01-01/tld=%2Fa/part-1.parquet", "_rejects/x.parquet", "a"] {
            assert!(check_relative(ok).is_ok(), "{ok}");
        }
        for bad in ["", "/etc/passwd", "../x", "a/../../x", "a//b", "./a", "a/.", "a\0b", "a/"] {
            assert!(check_relative(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_link_on_the_way_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("acq=x")).unwrap();
        let err = resolve(dir.path(), "acq=x/f.parquet").unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        std::fs::create_dir(dir.path().join("real")).unwrap();
        assert_eq!(resolve(dir.path(), "real/f").unwrap(), dir.path().join("real/f"));
    }
}
