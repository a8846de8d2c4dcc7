//! Paths as report keys: how a directory is cut from a path, shown as text, matched against a
//! prefix and ordered. Every engine calls these, so that no engine spells a path differently.

use std::cmp::Ordering;

/// The directory an object is in, cut to `depth` components (the rule `tld` uses).
pub fn dir_at(path: &[u8], depth: usize) -> &[u8] {
    crate::dataset::partition::tld_of(path, depth)
}

/// Path text for reports: valid UTF-8 as is; each byte of an invalid sequence as `\xNN`
/// (Python's `backslashreplace`), so that distinct byte names stay distinct and readable.
pub fn display(path: &[u8]) -> String {
    with_invalid_bytes(path, |b| format!("\\x{b:02X}"))
}

/// `bytes` as text: valid UTF-8 as it is, each byte of an invalid sequence as `invalid` spells it.
pub fn with_invalid_bytes(bytes: &[u8], invalid: impl Fn(u8) -> String) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for &b in chunk.invalid() {
            out.push_str(&invalid(b));
        }
    }
    out
}

/// A path on one line of a terminal: [`display`], with a backslash doubled and control
/// characters escaped (`\n`, `\t`, `\u{1b}`), so that a name with a line break stays one line
/// and every escape reads back unambiguously.
pub fn display_line(path: &[u8]) -> String {
    let mut out = String::with_capacity(path.len());
    for chunk in path.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => out.extend(c.escape_default()),
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

/// Writes [`display_line`] of `path`, without making a string when it is printable ASCII (the
/// common case, which it is as it stands).
pub fn write_line(path: &[u8], out: &mut impl std::io::Write) -> std::io::Result<()> {
    if path.iter().all(|&b| (0x20..0x7f).contains(&b) && b != b'\\') {
        out.write_all(path)
    } else {
        out.write_all(display_line(path).as_bytes())
    }
}

/// Whether `path` is `prefix` or lies under it (`/a/b` is under `/a` but not under `/a/b-x`'s
/// sibling `/a/b-`). A trailing slash on the prefix is ignored; `/` holds everything absolute.
pub fn under(path: &[u8], prefix: &[u8]) -> bool {
    let prefix = trim_slash(prefix);
    if prefix.is_empty() {
        return path.first() == Some(&b'/');
    }
    path.starts_with(prefix) && (path.len() == prefix.len() || path[prefix.len()] == b'/')
}

/// Whether a partition's tld can hold paths under `prefix`: one lies under the other.
pub fn may_hold(tld: &[u8], prefix: &[u8]) -> bool {
    under(tld, prefix) || under(prefix, tld) || tld == b"/"
}

fn trim_slash(p: &[u8]) -> &[u8] {
    p.strip_suffix(b"/").unwrap_or(p)
}

/// Components of a directory path: `/` has 0, `/a` 1, `/a/b` 2.
pub fn depth(dir: &[u8]) -> usize {
    let dir = trim_slash(dir);
    memchr::memchr_iter(b'/', dir).count()
}

/// Tree order: like byte order, but `/` sorts before every other byte, so that a directory's
/// contents follow it directly (`/a/b`, `/a/b/c`, `/a/b-x`).
pub fn tree_cmp(a: &[u8], b: &[u8]) -> Ordering {
    let rank = |c: u8| if c == b'/' { 0u16 } else { u16::from(c) + 1 };
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return rank(*x).cmp(&rank(*y));
        }
    }
    a.len().cmp(&b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_is_shown_byte_by_byte() {
        assert_eq!(display(b"/a/caf\xc3\xa9"), "/a/café");
        assert_eq!(display(b"/a/\xff\xfeb"), "/a/\\xFF\\xFEb");
    }

    #[test]
    fn under_respects_component_boundaries() {
        assert!(under(b"/a/b", b"/a"));
        assert!(under(b"/a", b"/a/"));
        assert!(under(b"/a/b/c", b"/a/b"));
        assert!(!under(b"/a/bc", b"/a/b"));
        assert!(under(b"/x", b"/"));
        assert!(may_hold(b"/a", b"/a/b/c"));
        assert!(!may_hold(b"/a/x", b"/a/b"));
    }

    #[test]
    fn a_line_of_path_escapes_what_would_break_it() {
        assert_eq!(display_line(b"/a/plain name"), "/a/plain name");
        assert_eq!(display_line(b"/a/x\ny\\z\xff"), "/a/x\\ny\\\\z\\xFF");
    }

    #[test]
    fn tree_order_keeps_a_directory_next_to_its_contents() {
        let mut v: Vec<&[u8]> = vec![b"/a/b-x", b"/a/b/c", b"/a/b", b"/a"];
        v.sort_by(|a, b| tree_cmp(a, b));
        assert_eq!(v, [&b"/a"[..], b"/a/b", b"/a/b/c", b"/a/b-x"]);
        assert_eq!(depth(b"/"), 0);
        assert_eq!(depth(b"/a/b"), 2);
    }
}
