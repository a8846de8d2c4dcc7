//! File-name extensions as report groups (`ext`): one rule, used by every engine.
//!
//! The extension of a base name is what follows its last dot, lower-cased (ASCII), dot included
//! (`.gz`); the common double suffixes of [`DOUBLE_SUFFIXES`] are kept whole (`.tar.gz`).
//! Leading dots belong to the name: `.bashrc` has none and is a [`DOTFILE`], `.config.json`'s is
//! `.json`. A name without a dot, or ending in one, has [`NONE`]. Bytes that are not UTF-8 are
//! kept, shown as reports show paths (`\xNN`).

use super::filter::base_name;

/// The group of names without an extension.
pub const NONE: &str = "(none)";
/// The group of names that start with a dot and have no other.
pub const DOTFILE: &str = "(dotfile)";
/// The row of a `top` that sums the groups it leaves out.
pub const OTHER: &str = "(other)";

/// Double suffixes kept whole, lower case: archives, and the compressed formats of science data.
pub const DOUBLE_SUFFIXES: [&str; 24] = [
    ".tar.gz",
    ".tar.bz2",
    ".tar.xz",
    ".tar.zst",
    ".tar.lz4",
    ".tar.lzma",
    ".tar.z",
    ".nii.gz",
    ".fastq.gz",
    ".fq.gz",
    ".fasta.gz",
    ".fa.gz",
    ".fna.gz",
    ".vcf.gz",
    ".sam.gz",
    ".bed.gz",
    ".gff.gz",
    ".gtf.gz",
    ".gff3.gz",
    ".csv.gz",
    ".tsv.gz",
    ".txt.gz",
    ".json.gz",
    ".warc.gz",
];

/// The extension group of a path's base name (see the module's rules).
pub fn of_path(path: &[u8]) -> Vec<u8> {
    of_name(base_name(path))
}

/// The extension group of a base name.
pub fn of_name(name: &[u8]) -> Vec<u8> {
    let mut group = Vec::new();
    write_of_name(name, &mut group);
    group
}

/// [`of_name`] into `out` (replacing what it held): no allocation once `out` has room, which
/// matters when every row of a scan asks.
pub fn write_of_name(name: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let stem_at = name.iter().position(|b| *b != b'.').unwrap_or(name.len());
    let stem = &name[stem_at..];
    let last_dot = memchr::memrchr(b'.', stem);
    // Every double suffix has two dots: most names have one, and skip the list.
    if last_dot.is_some_and(|i| memchr::memchr(b'.', &stem[..i]).is_some()) {
        let ends_with =
            |d: &str| stem.len() > d.len() && stem[stem.len() - d.len()..].eq_ignore_ascii_case(d.as_bytes());
        if let Some(d) = DOUBLE_SUFFIXES.iter().find(|d| ends_with(d)) {
            out.extend_from_slice(d.as_bytes());
            return;
        }
    }
    match last_dot {
        Some(i) if i + 1 < stem.len() => {
            out.extend_from_slice(&stem[i..]);
            out.make_ascii_lowercase();
        }
        _ if stem_at > 0 => out.extend_from_slice(DOTFILE.as_bytes()),
        _ => out.extend_from_slice(NONE.as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_follow_the_documented_rules() {
        let ext = |n: &[u8]| String::from_utf8_lossy(&of_name(n)).into_owned();
        assert_eq!(ext(b"Data.TAR.GZ"), ".tar.gz");
        assert_eq!(ext(b"reads.fq.gz"), ".fq.gz");
        assert_eq!(ext(b"x.gz"), ".gz");
        assert_eq!(ext(b"tar.gz"), ".gz", "a double suffix needs a name before it");
        assert_eq!(ext(b".bashrc"), DOTFILE);
        assert_eq!(ext(b"..."), DOTFILE);
        assert_eq!(ext(b".config.JSON"), ".json");
        assert_eq!(ext(b"Makefile"), NONE);
        assert_eq!(ext(b"ends."), NONE);
        assert_eq!(ext(b"a..b"), ".b");
        assert_eq!(of_name(b"caf\xe9.D\xffT"), b".d\xfft");
        assert_eq!(of_path(b"/gpfs/a.b/c"), NONE.as_bytes(), "a directory's dots are not the name's");
        assert_eq!(ext(b"v1.2.Tar.Gz"), ".tar.gz");
        assert_eq!(ext(b"notes.v2.TXT"), ".txt", "two dots but no double suffix");
        assert_eq!(ext(b".tar.gz"), ".gz", "a dotfile's name is the stem, and `tar.gz` has no name before it");
        // Written into a reused buffer: what it held before is gone.
        let mut out = b"leftover.longer.than.any".to_vec();
        write_of_name(b"A.Fa.GZ", &mut out);
        assert_eq!(out, b".fa.gz");
        write_of_name(b"x", &mut out);
        assert_eq!(out, NONE.as_bytes());
    }
}
