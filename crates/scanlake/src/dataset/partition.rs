//! Partition values: the scan date (`acq`) and the top-level directory (`tld`), and how they are
//! spelled in hive-style directory names.

use crate::format::time;
use std::fmt;
use std::str::FromStr;

/// The date a scan was taken: the `acq=YYYY-MM-DD` partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ScanDate {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl ScanDate {
    pub fn days_since_epoch(self) -> i64 {
        time::days_from_civil(i64::from(self.year), u32::from(self.month), u32::from(self.day))
    }

    /// Finds a date in a file name: `YYYY-MM-DD`, `YYYY_MM_DD` or `YYYYMMDD`, not inside a longer
    /// run of digits, years 1990 to 2199.
    pub fn find_in(name: &str) -> Option<ScanDate> {
        let b = name.as_bytes();
        for start in 0..b.len() {
            if start > 0 && b[start - 1].is_ascii_digit() {
                continue;
            }
            for len in [10, 8] {
                let Some(cand) = b.get(start..start + len) else { continue };
                if b.get(start + len).is_some_and(u8::is_ascii_digit) {
                    continue;
                }
                let text = if len == 10 {
                    if cand[4] != cand[7] || !matches!(cand[4], b'-' | b'_') {
                        continue;
                    }
                    [&cand[0..4], b"-", &cand[5..7], b"-", &cand[8..10]].concat()
                } else {
                    [&cand[0..4], b"-", &cand[4..6], b"-", &cand[6..8]].concat()
                };
                if let Some(d) = std::str::from_utf8(&text).ok().and_then(|t| t.parse::<ScanDate>().ok())
                    && (1990..2200).contains(&d.year)
                {
                    return Some(d);
                }
            }
        }
        None
    }
}

impl FromStr for ScanDate {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (y, m, d) = time::parse_date(s.as_bytes()).ok_or_else(|| format!("'{s}' is not a date (YYYY-MM-DD)"))?;
        Ok(ScanDate { year: y as i32, month: m as u8, day: d as u8 })
    }
}

crate::options::serde_as_text!(ScanDate);

impl fmt::Display for ScanDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// The `tld` of a path: its parent directory cut to `depth` components, with a leading `/`
/// (`/gpfs/fs1/home/ann/f` at depth 3 is `/gpfs/fs1/home`; `/gpfs/f` at depth 3 is `/gpfs`).
/// An object in the root directory has tld `/`. Returned as a slice of `path`, or `/`.
pub fn tld_of(path: &[u8], depth: usize) -> &[u8] {
    let parent = &path[..memchr::memrchr(b'/', path).unwrap_or(0)];
    let cut = memchr::memchr_iter(b'/', parent).nth(depth).unwrap_or(parent.len());
    if cut == 0 { b"/" } else { &parent[..cut] }
}

/// Escapes a partition value for a directory name: every byte outside `A-Za-z0-9._-` becomes `%XX`,
/// so any value (slashes, `=`, invalid UTF-8) round-trips and pyarrow decodes it unaided.
pub fn escape_value(value: &[u8]) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    for &b in value {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Reverses [`escape_value`].
pub fn unescape_value(name: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    crate::format::percent::decode_into(name.as_bytes(), &mut out).ok()?;
    Some(out)
}

/// The longest directory name file systems allow (NAME_MAX).
const NAME_MAX: usize = 255;
/// Bytes of the escaped tld kept in a shortened name, before `~` and the hash.
const SHORT_KEEP: usize = 200;

/// The name of a tld's partition directory: `tld=<escaped>`, or, when that would be longer than a
/// file system allows, `tld=<start of it>~<xxh3-64 of the tld>` (`~` never occurs in an escaped
/// value, so the two cannot be confused). A shortened name comes with the exact escaped tld, which
/// the manifest records (the rows' paths hold it too).
pub fn tld_dir_name(tld: &[u8]) -> (String, Option<String>) {
    let escaped = escape_value(tld);
    if "tld=".len() + escaped.len() <= NAME_MAX {
        return (format!("tld={escaped}"), None);
    }
    // Cut before a `%XX` that would otherwise be split.
    let b = escaped.as_bytes();
    let mut keep = SHORT_KEEP;
    while keep > 0 && (b[keep - 1] == b'%' || (keep >= 2 && b[keep - 2] == b'%')) {
        keep -= 1;
    }
    let name = format!("tld={}~{:016x}", &escaped[..keep], xxhash_rust::xxh3::xxh3_64(tld));
    (name, Some(escaped))
}

/// Whether a partition directory name was shortened by [`tld_dir_name`].
pub fn is_shortened(tld_dir: &str) -> bool {
    tld_dir.contains('~')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tld_is_the_parent_directory_cut_to_depth() {
        assert_eq!(tld_of(b"/gpfs/fs1/home/ann/f", 3), b"/gpfs/fs1/home");
        assert_eq!(tld_of(b"/gpfs/fs1/home/f", 3), b"/gpfs/fs1/home");
        assert_eq!(tld_of(b"/gpfs/fs1/home", 3), b"/gpfs/fs1");
        assert_eq!(tld_of(b"/gpfs/f", 3), b"/gpfs");
        assert_eq!(tld_of(b"/f", 3), b"/");
        assert_eq!(tld_of(b"/gpfs/fs1/home/ann/f", 1), b"/gpfs");
        assert_eq!(tld_of(b"/a/b/c", 0), b"/");
    }

    #[test]
    fn partition_values_round_trip() {
        for v in [&b"/gpfs/a b/=x%y"[..], b"/\xff\xfe/ok", b"/.hidden", b"/"] {
            let e = escape_value(v);
            assert!(e.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-%".contains(&b)), "{e}");
            assert_eq!(unescape_value(&e).unwrap(), v);
        }
    }

    #[test]
    fn long_tlds_get_valid_names_that_differ() {
        let cjk = "/gpfs/fs1/".to_string() + &"\u{6587}\u{4ef6}".repeat(20);
        for tld in [format!("/gpfs/{}", "a".repeat(300)), cjk.clone(), format!("{cjk}x")] {
            let (name, exact) = tld_dir_name(tld.as_bytes());
            assert_eq!(exact, Some(escape_value(tld.as_bytes())));
            assert!(name.len() <= 255 && is_shortened(&name), "{name}");
            assert!(name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-%=~".contains(&b)), "{name}");
            let kept = name.strip_prefix("tld=").unwrap().split('~').next().unwrap();
            assert!(unescape_value(kept).is_some(), "no %XX cut in two: {kept}");
        }
        assert_ne!(tld_dir_name(cjk.as_bytes()), tld_dir_name(format!("{cjk}x").as_bytes()));
        let (name, exact) = tld_dir_name(b"/gpfs/fs1/home");
        assert!(exact.is_none() && !is_shortened(&name));
    }

    #[test]
    fn dates_in_file_names() {
        let d = |s: &str| ScanDate::find_in(s).map(|d| d.to_string());
        assert_eq!(d("fs1.2024-03-01.list.allfiles").as_deref(), Some("2024-03-01"));
        assert_eq!(d("scan_20240301.gz").as_deref(), Some("2024-03-01"));
        assert_eq!(d("list_2024_03_01").as_deref(), Some("2024-03-01"));
        assert_eq!(d("inode123456789.list"), None);
        assert_eq!(d("run-2024-02-30.list"), None);
        assert_eq!(d("list.allfiles"), None);
    }
}
