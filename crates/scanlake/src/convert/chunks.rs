//! Cuts a stream into chunks that end at line boundaries, numbering lines as it goes.

use std::io::Read;

/// A run of whole lines (the last chunk may end without a newline).
pub struct Chunk {
    /// 1-based number of the chunk's first line in its input.
    pub first_line: u64,
    pub data: Vec<u8>,
}

impl Chunk {
    /// The chunk's lines, without their `\n`. Found with memchr: a byte-at-a-time split was 8% of
    /// a conversion's time.
    pub fn lines(&self) -> impl Iterator<Item = &[u8]> {
        let data = self.data.strip_suffix(b"\n").unwrap_or(&self.data);
        let mut start = 0;
        let ends = memchr::memchr_iter(b'\n', data).chain((!self.data.is_empty()).then_some(data.len()));
        ends.map(move |end| {
            let line = &data[start..end];
            start = end + 1;
            line
        })
    }
}

/// Lines in `data`, a last line without its newline included.
pub fn count_lines(data: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', data).count() as u64 + u64::from(data.last().is_some_and(|&b| b != b'\n'))
}

/// Reads `reader` to the end, handing each chunk of about `chunk_bytes` to `emit`; stops early
/// and returns `Ok(false)` when `emit` returns false.
pub fn read_chunks(
    mut reader: impl Read,
    chunk_bytes: usize,
    mut emit: impl FnMut(Chunk) -> bool,
) -> std::io::Result<bool> {
    let mut carry: Vec<u8> = Vec::new();
    let mut next_line = 1u64;
    loop {
        let mut buf = Vec::with_capacity(chunk_bytes.max(carry.len() * 2));
        buf.append(&mut carry);
        let want = buf.capacity() - buf.len();
        let got = (&mut reader).take(want as u64).read_to_end(&mut buf)?;
        let eof = got < want;
        let cut = if eof { Some(buf.len()) } else { memchr::memrchr(b'\n', &buf).map(|i| i + 1) };
        match cut {
            // One line longer than the buffer: read on with a larger one.
            None => {
                carry = buf;
                continue;
            }
            Some(cut) => {
                carry.extend_from_slice(&buf[cut..]);
                buf.truncate(cut);
            }
        }
        if buf.is_empty() {
            return Ok(true);
        }
        let lines = count_lines(&buf);
        let chunk = Chunk { first_line: next_line, data: buf };
        next_line += lines;
        if !emit(chunk) {
            return Ok(false);
        }
        if eof {
            return Ok(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(input: &[u8], size: usize) -> Vec<(u64, Vec<Vec<u8>>)> {
        let mut out = Vec::new();
        read_chunks(input, size, |c| {
            out.push((c.first_line, c.lines().map(<[u8]>::to_vec).collect()));
            true
        })
        .unwrap();
        out
    }

    #[test]
    fn chunks_keep_whole_lines_and_number_them() {
        let input = b"a1\nb22\nc333\nd4444\ne";
        for size in 1..24 {
            let chunks = collect(input, size);
            let lines: Vec<Vec<u8>> = chunks.iter().flat_map(|c| c.1.clone()).collect();
            assert_eq!(lines, [&b"a1"[..], b"b22", b"c333", b"d4444", b"e"], "size {size}");
            let mut expected = 1;
            for (first, ls) in &chunks {
                assert_eq!(*first, expected);
                expected += ls.len() as u64;
            }
        }
    }

    #[test]
    fn empty_lines_count_and_empty_input_has_no_chunks() {
        assert!(collect(b"", 8).is_empty());
        assert_eq!(collect(b"\n\nx\n", 100), [(1, vec![vec![], vec![], b"x".to_vec()])]);
    }

    #[test]
    fn lines_are_the_chunk_split_at_each_newline_less_a_final_one() {
        for data in [&b"\n"[..], b"a", b"a\n", b"a\nb", b"\n\n", b"a\n\n", b"\na\r\n\nb\n"] {
            let chunk = Chunk { first_line: 1, data: data.to_vec() };
            let want: Vec<&[u8]> = data.strip_suffix(b"\n").unwrap_or(data).split(|&b| b == b'\n').collect();
            assert_eq!(chunk.lines().collect::<Vec<_>>(), want, "{data:?}");
        }
        assert_eq!(Chunk { first_line: 1, data: Vec::new() }.lines().count(), 0);
    }
}
