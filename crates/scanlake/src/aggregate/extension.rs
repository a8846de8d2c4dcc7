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
    let stem_at = name.iter().position(|b| *b != b'.').unwrap_or(name.len());
    let stem = name[stem_at..].to_ascii_lowercase();
    if let Some(d) = DOUBLE_SUFFIXES.iter().find(|d| stem.len() > d.len() && stem.ends_with(d.as_bytes())) {
        return d.as_bytes().to_vec();
    }
    match memchr::memrchr(b'.', &stem) {
        Some(i) if i + 1 < stem.len() => stem[i..].to_vec(),
        _ if stem_at > 0 => DOTFILE.as_bytes().to_vec(),
        _ => NONE.as_bytes().to_vec(),
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
    }
}
