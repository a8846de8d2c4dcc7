//! Percent-decoding as GPFS writes it under `ESCAPE '%'` (`%XX`, hex digits of either case).

/// A `%` not followed by two hex digits, at this byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadEscape(pub usize);

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Appends the decoded form of `src` to `out`.
pub fn decode_into(src: &[u8], out: &mut Vec<u8>) -> Result<(), BadEscape> {
    let mut rest = src;
    let mut offset = 0;
    while let Some(i) = memchr::memchr(b'%', rest) {
        out.extend_from_slice(&rest[..i]);
        let (hi, lo) = match (rest.get(i + 1).and_then(|&b| hex(b)), rest.get(i + 2).and_then(|&b| hex(b))) {
            (Some(hi), Some(lo)) => (hi, lo),
            _ => return Err(BadEscape(offset + i)),
        };
        out.push(hi << 4 | lo);
        rest = &rest[i + 3..];
        offset += i + 3;
    }
    out.extend_from_slice(rest);
    Ok(())
}

/// Whether mmapplypolicy leaves `b` as is under `ESCAPE '%'` + `keep` (RFC 3986 unreserved bytes).
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Encodes `src` the way mmapplypolicy does with `ESCAPE '%<keep>'`: every byte outside
/// `A-Za-z0-9-._~` and `keep` becomes `%XX` (uppercase).
pub fn encode_into(src: &[u8], keep: &[u8], out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in src {
        if is_unreserved(b) || keep.contains(&b) {
            out.push(b);
        } else {
            out.extend_from_slice(&[b'%', HEX[(b >> 4) as usize], HEX[(b & 15) as usize]]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_byte() {
        let all: Vec<u8> = (0..=255).collect();
        let mut enc = Vec::new();
        encode_into(&all, b"/", &mut enc);
        assert!(enc.iter().all(|b| b.is_ascii_graphic()));
        let mut dec = Vec::new();
        decode_into(&enc, &mut dec).unwrap();
        assert_eq!(dec, all);
    }

    #[test]
    fn rejects_short_and_non_hex_escapes() {
        let mut out = Vec::new();
        assert_eq!(decode_into(b"ab%2", &mut out), Err(BadEscape(2)));
        assert_eq!(decode_into(b"%zz", &mut out), Err(BadEscape(0)));
        out.clear();
        decode_into(b"a%2fb%2F", &mut out).unwrap();
        assert_eq!(out, b"a/b/");
    }
}
