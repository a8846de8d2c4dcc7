//! Writing policy lines, as mmapplypolicy would: used by the generator and by tests.

use super::fields::FIELDS;
use super::layout::Escape;
use super::percent;

/// Appends `INODE GEN SNAPID  SHOW -- PATH\n` to `out`, escaping SHOW and path with
/// `ESCAPE '%/'` when `escape` is [`Escape::Percent`].
pub fn write_line(
    out: &mut Vec<u8>,
    inode: u64,
    generation: u32,
    snapshot: u64,
    show: &[u8],
    path: &[u8],
    escape: Escape,
) {
    use std::io::Write;
    let _ = write!(out, "{inode} {generation} {snapshot}  ");
    match escape {
        Escape::Percent => {
            percent::encode_into(show, b"/", out);
            out.extend_from_slice(b" -- ");
            percent::encode_into(path, b"/", out);
        }
        Escape::None => {
            out.extend_from_slice(show);
            out.extend_from_slice(b" -- ");
            out.extend_from_slice(path);
        }
    }
    out.push(b'\n');
}

/// Builds the default key=value SHOW text from (key, value) pairs: `|k=v|k=v|`.
pub fn key_value_show(pairs: &[(&str, &str)]) -> Vec<u8> {
    let mut show = Vec::from(&b"|"[..]);
    for (k, v) in pairs {
        debug_assert!(k.is_empty() || FIELDS.iter().any(|f| f.key == *k) || !k.contains('|'));
        show.extend_from_slice(k.as_bytes());
        show.push(b'=');
        show.extend_from_slice(v.as_bytes());
        show.push(b'|');
    }
    show
}
