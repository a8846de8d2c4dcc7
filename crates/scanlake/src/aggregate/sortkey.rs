//! Group keys as bytes whose plain byte order is the report order ([`cmp_keys`]): spilled runs
//! sort and merge with `memcmp`, and a key's bytes hash faster than a list of [`Key`]s.
//!
//! Each part is self-delimiting, so the encoding of a key is never a prefix of another key with
//! the same number of parts (a linked object's key is its group's key followed by its identity).
//!
//! [`cmp_keys`]: super::partial::cmp_keys

use super::counters::Key;
use anyhow::{Result, bail};

const NULL: u8 = 0;
const INT: u8 = 1;
const TEXT: u8 = 2;
const PATH: u8 = 3;
/// Ends a text or path; every byte of an encoded text or path is above it.
const END: u8 = 0;
/// Introduces a byte that would otherwise collide with [`END`] or with the path separator's code.
const ESCAPE: u8 = 2;
/// A path's `/`, which sorts before every other byte in tree order.
const SEPARATOR: u8 = 1;

pub fn encode(key: &[Key], out: &mut Vec<u8>) {
    for part in key {
        encode_part(part, out);
    }
}

pub fn encode_part(part: &Key, out: &mut Vec<u8>) {
    match part {
        Key::Null => out.push(NULL),
        Key::Int(v) => encode_int(*v, out),
        Key::Text(t) => encode_text(t, out),
        Key::Path(p) => encode_path(p, out),
    }
}

pub fn encode_text(t: &str, out: &mut Vec<u8>) {
    out.push(TEXT);
    escaped(t.as_bytes(), false, out);
}

/// An optional part: the value, or null.
pub fn encode_opt_int(v: Option<i64>, out: &mut Vec<u8>) {
    match v {
        Some(v) => encode_int(v, out),
        None => out.push(NULL),
    }
}

pub fn encode_opt_text(t: Option<&str>, out: &mut Vec<u8>) {
    match t {
        Some(t) => encode_text(t, out),
        None => out.push(NULL),
    }
}

pub fn encode_opt_path(p: Option<&[u8]>, out: &mut Vec<u8>) {
    match p {
        Some(p) => encode_path(p, out),
        None => out.push(NULL),
    }
}

pub fn encode_int(v: i64, out: &mut Vec<u8>) {
    out.push(INT);
    out.extend_from_slice(&((v as u64) ^ (1 << 63)).to_be_bytes());
}

pub fn encode_path(p: &[u8], out: &mut Vec<u8>) {
    out.push(PATH);
    escaped(p, true, out);
}

/// Bytes below [`ESCAPE`]+1 (and, in a path, every byte below `/`) become `ESCAPE, byte`, which
/// keeps their order among themselves and below every plain byte; `/` in a path becomes
/// [`SEPARATOR`], below them all.
fn escaped(bytes: &[u8], path: bool, out: &mut Vec<u8>) {
    out.reserve(bytes.len() + 1);
    for &b in bytes {
        if path && b == b'/' {
            out.push(SEPARATOR);
        } else if b <= ESCAPE || (path && b < b'/') {
            out.extend_from_slice(&[ESCAPE, b]);
        } else {
            out.push(b);
        }
    }
    out.push(END);
}

pub fn decode(mut bytes: &[u8]) -> Result<Vec<Key>> {
    let mut key = Vec::new();
    while let Some((&tag, rest)) = bytes.split_first() {
        bytes = rest;
        key.push(match tag {
            NULL => Key::Null,
            INT => {
                let Some((v, rest)) = bytes.split_first_chunk::<8>() else {
                    bail!("a spilled key ends inside a number")
                };
                bytes = rest;
                Key::Int((u64::from_be_bytes(*v) ^ (1 << 63)) as i64)
            }
            TEXT | PATH => {
                let mut raw = Vec::new();
                loop {
                    let Some((&b, rest)) = bytes.split_first() else { bail!("a spilled key ends inside a text") };
                    bytes = rest;
                    match b {
                        END => break,
                        SEPARATOR if tag == PATH => raw.push(b'/'),
                        ESCAPE => {
                            let Some((&b, rest)) = bytes.split_first() else {
                                bail!("a spilled key ends in an escape")
                            };
                            bytes = rest;
                            raw.push(b);
                        }
                        b => raw.push(b),
                    }
                }
                if tag == PATH { Key::Path(raw) } else { Key::Text(String::from_utf8(raw)?) }
            }
            other => bail!("a spilled key has an unknown part tag {other}"),
        });
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::partial::cmp_keys;

    fn keys() -> Vec<Vec<Key>> {
        let paths: [&[u8]; 9] =
            [b"/", b"/a", b"/a/b", b"/a/b-x", b"/a/b/c", b"/a\x00b", b"/a\x01", b"/a\x02/", b"/a\xff"];
        let texts = ["", "a", "a\u{0}", "a\u{1}", "a\u{2}", "ab", "é"];
        let ints = [i64::MIN, -1, 0, 1, 255, 256, i64::MAX];
        let mut parts: Vec<Key> = vec![Key::Null];
        parts.extend(ints.map(Key::Int));
        parts.extend(texts.map(|t| Key::Text(t.into())));
        parts.extend(paths.map(|p| Key::Path(p.to_vec())));
        let mut keys = Vec::new();
        for a in &parts {
            for b in &parts {
                keys.push(vec![a.clone(), b.clone()]);
            }
        }
        keys
    }

    #[test]
    fn byte_order_is_report_order_and_decoding_gives_the_key_back() {
        let keys = keys();
        let encoded: Vec<Vec<u8>> = keys
            .iter()
            .map(|k| {
                let mut out = Vec::new();
                encode(k, &mut out);
                out
            })
            .collect();
        for (k, e) in keys.iter().zip(&encoded) {
            assert_eq!(&decode(e).unwrap(), k);
        }
        for (i, a) in keys.iter().enumerate() {
            for (j, b) in keys.iter().enumerate() {
                assert_eq!(encoded[i].cmp(&encoded[j]), cmp_keys(a, b), "{a:?} vs {b:?}");
            }
        }
    }

    #[test]
    fn a_key_is_never_the_prefix_of_another_with_as_many_parts() {
        let keys = keys();
        for a in &keys {
            for b in &keys {
                let (mut x, mut y) = (Vec::new(), Vec::new());
                encode(a, &mut x);
                encode(b, &mut y);
                assert!(a == b || !y.starts_with(&x), "{a:?} is a prefix of {b:?}");
            }
        }
    }

    #[test]
    fn broken_bytes_are_an_error() {
        assert!(decode(&[INT, 1, 2]).is_err());
        assert!(decode(&[PATH, b'a']).is_err());
        assert!(decode(&[9]).is_err());
    }
}
