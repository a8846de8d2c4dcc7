//! `split`: chunks end at line boundaries, concatenate back to the input, and record their line numbers.

use scanlake::generate::{GenOptions, generate_to_path};
use scanlake::progress::NoProgress;
use scanlake::split::{ChunkCompression, SplitBy, split};
use std::io::Read;
use std::path::Path;

fn read_decoded(path: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    scanlake::convert::input::open_decoded(path, Default::default()).unwrap().read_to_end(&mut out).unwrap();
    out
}

#[test]
fn chunks_concatenate_to_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("fs1.2026-11-01.list.gz");
    generate_to_path(&GenOptions { records: 20_000, hostile_fraction: 0.05, ..GenOptions::default() }, &input).unwrap();
    let original = read_decoded(&input);
    let total_lines = original.iter().filter(|&&b| b == b'\n').count() as u64;
    for (by, compress) in [
        (SplitBy::Lines(3000), ChunkCompression::None),
        (SplitBy::Chunks(4), ChunkCompression::Gzip),
        (SplitBy::Chunks(7), ChunkCompression::Zstd),
    ] {
        let out = dir.path().join(format!("{by:?}-{compress:?}"));
        let s = split(&input, &out, by, compress, &NoProgress).unwrap();
        assert_eq!(s.lines, total_lines);
        let mut joined = Vec::new();
        let mut next_line = 1;
        for c in &s.chunks {
            assert!(c.file.starts_with("fs1.2026-11-01.list.part-"), "{}", c.file);
            let data = read_decoded(&out.join(&c.file));
            assert!(data.ends_with(b"\n"), "chunks end at line ends");
            assert_eq!(c.first_line, next_line);
            assert_eq!(c.lines, data.iter().filter(|&&b| b == b'\n').count() as u64);
            next_line += c.lines;
            joined.extend(data);
        }
        assert_eq!(joined, original, "{by:?}");
        match by {
            SplitBy::Lines(n) => {
                assert!(s.chunks.iter().all(|c| c.lines <= n) && s.chunks.len() as u64 == total_lines.div_ceil(n))
            }
            SplitBy::Chunks(k) => assert_eq!(s.chunks.len() as u64, k),
        }
    }
}

#[test]
fn a_plain_input_splits_by_bytes_and_reruns_remove_stale_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("scan.list");
    std::fs::write(&input, "a\nbb\nccc\ndddd\neeeee\nf").unwrap();
    let out = dir.path().join("chunks");
    let s = split(&input, &out, SplitBy::Chunks(3), ChunkCompression::None, &NoProgress).unwrap();
    let parts: Vec<String> = s.chunks.iter().map(|c| std::fs::read_to_string(out.join(&c.file)).unwrap()).collect();
    assert_eq!(parts.concat(), "a\nbb\nccc\ndddd\neeeee\nf");
    assert_eq!(parts.len(), 3);
    assert!(parts[..2].iter().all(|p| p.ends_with('\n')));

    let s = split(&input, &out, SplitBy::Lines(100), ChunkCompression::None, &NoProgress).unwrap();
    assert_eq!(s.chunks.len(), 1);
    let left: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    assert_eq!(left, ["scan.list.part-00001"]);
    assert!(split(&input, &out, SplitBy::Lines(0), ChunkCompression::None, &NoProgress).is_err());
}
