//! The line parser: one `mmapplypolicy` LIST line into a [`Record`], or a [`LineError`] that says why not.
//!
//! A line reads `INODE GEN SNAPID  SHOW -- PATH`: two spaces before the SHOW text (which may be empty),
//! and the path after the first ` -- ` that follows the three numbers (a path may contain ` -- ` itself).

use super::fields::{self, FieldType};
use super::layout::{Escape, Layout, ShowLayout};
use super::percent::{self, BadEscape};
use super::time::parse_timestamp_micros;
use memchr::memmem;
use std::ops::Range;

/// One parsed SHOW value. Times are microseconds since the epoch; text is a range of [`Record::text`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Float(f64),
    Text(u32, u32),
}

/// A parsed line. Buffers are reused from line to line.
#[derive(Debug, Default, Clone)]
pub struct Record {
    pub inode: u64,
    pub generation: u32,
    pub snapshot: u64,
    /// The decoded path: any bytes but NUL, not necessarily UTF-8.
    pub path: Vec<u8>,
    /// One value per column of [`Layout::columns`].
    pub values: Vec<Value>,
    /// The decoded SHOW text that `Value::Text` and `extras` point into.
    pub text: Vec<u8>,
    /// Keys outside the registry (key=value layouts only), as (key, value) ranges of `text`.
    pub extras: Vec<(Range<usize>, Range<usize>)>,
}

impl Record {
    pub fn text_of(&self, v: Value) -> Option<&[u8]> {
        match v {
            Value::Text(a, b) => Some(&self.text[a as usize..b as usize]),
            _ => None,
        }
    }
}

/// What a line turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// A record; the output [`Record`] holds it.
    Record,
    /// A blank line or a `#` comment.
    Skipped,
}

/// Why a line is not a record. `code()` is a stable short name; `Display` is the reason for humans.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    #[error("{0} is not a number")]
    BadHeaderNumber(&'static str),
    #[error("no space after the snapshot id")]
    NoSpaceAfterHeader,
    #[error("no ' -- ' between the SHOW text and the path")]
    MissingSeparator,
    #[error("bad percent escape in the {0} at byte {1}")]
    BadEscape(&'static str, usize),
    #[error("empty path")]
    EmptyPath,
    #[error("path contains a NUL byte")]
    NulInPath,
    #[error("SHOW text does not end with '|' (truncated line?)")]
    TruncatedShow,
    #[error("SHOW field '{0}' has no '='")]
    MissingEquals(String),
    #[error("SHOW key '{0}' appears twice")]
    DuplicateKey(String),
    #[error("SHOW key '{0}': '{1}' is not a number")]
    BadNumber(String, String),
    #[error("SHOW key '{0}': '{1}' is not a time (YYYY-MM-DD HH:MM:SS.ffffff)")]
    BadTime(String, String),
    #[error("SHOW has {found} fields, the layout expects {expected} (truncated line?)")]
    FieldCount { expected: usize, found: usize },
    #[error("line is longer than {0} bytes, more than any record")]
    TooLong(usize),
}

impl LineError {
    pub fn code(&self) -> &'static str {
        match self {
            LineError::BadHeaderNumber(_) | LineError::NoSpaceAfterHeader => "bad-header",
            LineError::MissingSeparator => "missing-separator",
            LineError::BadEscape(..) => "bad-escape",
            LineError::EmptyPath | LineError::NulInPath => "bad-path",
            LineError::TruncatedShow | LineError::FieldCount { .. } => "truncated-show",
            LineError::MissingEquals(_) | LineError::DuplicateKey(_) => "bad-show",
            LineError::BadNumber(..) => "bad-number",
            LineError::BadTime(..) => "bad-time",
            LineError::TooLong(_) => "too-long",
        }
    }
}

/// Where a key=value key goes: a layout column, or an extra (unknown) key.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Column(usize),
    Extra,
}

/// Parses lines of one layout. Holds per-layout lookup tables and a cache of the previous line's key
/// order, so that the common case (every line has the same keys in the same order) costs one
/// comparison per key.
pub struct LineParser {
    escape: Escape,
    show: ShowLayout,
    types: Vec<FieldType>,
    names: Vec<String>,
    /// The largest value of each count column: bytes fit Int64, and so do KiB once multiplied.
    count_max: Vec<u64>,
    key_cache: Vec<(Vec<u8>, Slot)>,
    positional_slots: Vec<Option<usize>>,
    separator: memmem::Finder<'static>,
    seen: Vec<bool>,
    /// Whether escaped key=value text may take the fast path (off only to test it against the general one).
    fast_path: bool,
}

impl LineParser {
    pub fn new(layout: &Layout) -> LineParser {
        let columns = layout.columns();
        let positional_slots = match &layout.show {
            ShowLayout::Positional { fields, .. } => {
                let mut next = 0;
                fields
                    .iter()
                    .map(|f| {
                        (f != "_").then(|| {
                            next += 1;
                            next - 1
                        })
                    })
                    .collect()
            }
            ShowLayout::KeyValue => Vec::new(),
        };
        LineParser {
            escape: layout.escape,
            show: layout.show.clone(),
            types: columns.iter().map(|c| c.ty).collect(),
            names: columns.iter().map(|c| c.name.clone()).collect(),
            count_max: columns
                .iter()
                .map(|c| if c.name == "kballoc" { i64::MAX as u64 / 1024 } else { i64::MAX as u64 })
                .collect(),
            seen: vec![false; columns.len()],
            key_cache: Vec::new(),
            positional_slots,
            separator: memmem::Finder::new(b" -- ").into_owned(),
            fast_path: true,
        }
    }

    /// The same parser without the fast path for escaped key=value text.
    #[cfg(test)]
    pub(crate) fn without_fast_path(mut self) -> LineParser {
        self.fast_path = false;
        self
    }

    /// Parses one line (without its `\n`) into `rec`.
    pub fn parse(&mut self, line: &[u8], rec: &mut Record) -> Result<LineKind, LineError> {
        let line = match (self.escape, line.last()) {
            // An escaped line cannot end in a raw CR: it is a CRLF line ending.
            (Escape::Percent, Some(b'\r')) => &line[..line.len() - 1],
            _ => line,
        };
        if line.first() == Some(&b'#') || line.iter().all(u8::is_ascii_whitespace) {
            return Ok(LineKind::Skipped);
        }
        let (inode, p) = parse_u64(line, 0).ok_or(LineError::BadHeaderNumber("inode"))?;
        let (generation, p) = expect_space(line, p)
            .and_then(|p| parse_u64(line, p))
            .filter(|(g, _)| *g <= u64::from(u32::MAX))
            .ok_or(LineError::BadHeaderNumber("generation"))?;
        let (snapshot, p) =
            expect_space(line, p).and_then(|p| parse_u64(line, p)).ok_or(LineError::BadHeaderNumber("snapshot id"))?;
        if line.get(p) != Some(&b' ') {
            return Err(LineError::NoSpaceAfterHeader);
        }
        let sep = p + self.separator.find(&line[p..]).ok_or(LineError::MissingSeparator)?;
        let show_start = if line.get(p + 1) == Some(&b' ') { p + 2 } else { p + 1 };
        let show = &line[show_start.min(sep)..sep];
        let raw_path = &line[sep + 4..];

        rec.inode = inode;
        rec.generation = generation as u32;
        rec.snapshot = snapshot;
        rec.path.clear();
        rec.text.clear();
        self.unescape_into(raw_path, &mut rec.path, "path")?;
        if rec.path.is_empty() {
            return Err(LineError::EmptyPath);
        }
        if memchr::memchr(0, &rec.path).is_some() {
            return Err(LineError::NulInPath);
        }
        self.clear_show(rec);
        if self.fast_path
            && self.escape == Escape::Percent
            && self.show == ShowLayout::KeyValue
            && self.parse_escaped_key_value(show, rec)
        {
            return Ok(LineKind::Record);
        }
        // The general path: decode the whole SHOW text, then split it.
        self.clear_show(rec);
        let mut text = std::mem::take(&mut rec.text);
        let result = self.unescape_into(show, &mut text, "SHOW text").and_then(|()| match self.show {
            ShowLayout::KeyValue => self.parse_key_value(&text, rec),
            ShowLayout::Positional { separator, .. } => self.parse_positional(&text, rec, separator),
        });
        rec.text = text;
        result.map(|()| LineKind::Record)
    }

    /// Empties what a SHOW text fills in: one null per column, no extras, no text.
    fn clear_show(&self, rec: &mut Record) {
        rec.values.clear();
        rec.values.resize(self.types.len(), Value::Null);
        rec.extras.clear();
        rec.text.clear();
    }

    /// Appends `src` to `out`, percent-decoded when the layout escapes; `part` names it in errors.
    fn unescape_into(&self, src: &[u8], out: &mut Vec<u8>, part: &'static str) -> Result<(), LineError> {
        match self.escape {
            Escape::Percent => percent::decode_into(src, out).map_err(|BadEscape(at)| LineError::BadEscape(part, at)),
            Escape::None => {
                out.extend_from_slice(src);
                Ok(())
            }
        }
    }

    /// The fast path for escaped `|key=value|` text: one pass over it, without decoding it whole
    /// (separators are `%7C` and `%3D`; numbers carry no escapes). Returns false, having decided
    /// nothing, whenever the general path could read the line differently or reject it; that path
    /// then has the say.
    pub(crate) fn parse_escaped_key_value(&mut self, show: &[u8], rec: &mut Record) -> bool {
        if show.is_empty() {
            return true;
        }
        let Some(body) = show.strip_suffix(b"%7C") else { return false };
        let body = body.strip_prefix(b"%7C").unwrap_or(body);
        self.seen.iter_mut().for_each(|s| *s = false);
        let mut piece_index = 0;
        let (mut start, mut eq, mut escaped) = (0, None, false);
        let mut i = 0;
        while i <= body.len() {
            let at_end = i == body.len();
            match if at_end { b'%' } else { body[i] } {
                b'%' if at_end || body.get(i + 1..i + 3) == Some(b"7C") => {
                    if i > start {
                        let Some(eq) = eq else { return false };
                        if !self.escaped_field(&body[start..eq], &body[eq + 3..i], escaped, piece_index, rec) {
                            return false;
                        }
                        piece_index += 1;
                    }
                    (start, eq, escaped) = (i + 3, None, false);
                    i += 3;
                }
                b'%' if eq.is_none() && body.get(i + 1..i + 3) == Some(b"3D") => {
                    eq = Some(i);
                    i += 3;
                }
                b'%' => {
                    escaped = true;
                    i += 1;
                }
                b'|' | b'=' => return false,
                _ => i += 1,
            }
        }
        true
    }

    /// One field of the fast path; `escaped` says whether key or value holds other escapes.
    fn escaped_field(&mut self, key: &[u8], raw: &[u8], escaped: bool, index: usize, rec: &mut Record) -> bool {
        if escaped && memchr::memchr(b'%', key).is_some() {
            return false;
        }
        let slot = self.slot_for(index, key);
        let col = match slot {
            Slot::Column(col) => {
                if std::mem::replace(&mut self.seen[col], true) {
                    return false;
                }
                Some(col)
            }
            Slot::Extra => None,
        };
        // Times are the only values with escapes in the usual case; read them as they stand.
        if let (Some(col), true) = (col, escaped)
            && self.types[col] == FieldType::Time
            && let Some(t) = parse_escaped_timestamp(raw)
        {
            rec.values[col] = Value::Int(t);
            return true;
        }
        let text_start = rec.text.len();
        let value: &[u8] = if escaped {
            if percent::decode_into(raw, &mut rec.text).is_err() || rec.text[text_start..].contains(&b'|') {
                return false;
            }
            &rec.text[text_start..]
        } else {
            raw
        };
        match col {
            Some(col) if self.types[col] == FieldType::Text => {
                if !escaped {
                    rec.text.extend_from_slice(raw);
                }
                let end = rec.text.len();
                rec.values[col] =
                    if end == text_start { Value::Null } else { Value::Text(text_start as u32, end as u32) };
            }
            Some(col) => match self.scalar(col, value) {
                Ok(v) => {
                    rec.values[col] = v;
                    rec.text.truncate(text_start);
                }
                Err(_) => return false,
            },
            None => {
                if rec.extras.iter().any(|(k, _)| rec.text[k.clone()] == *key) {
                    return false;
                }
                if !escaped {
                    rec.text.extend_from_slice(raw);
                }
                let value_end = rec.text.len();
                rec.text.extend_from_slice(key);
                rec.extras.push((value_end..rec.text.len(), text_start..value_end));
            }
        }
        true
    }

    /// Reads decoded `|key=value|` text (`text` is the record's own, taken out while values are set).
    fn parse_key_value(&mut self, text: &[u8], rec: &mut Record) -> Result<(), LineError> {
        if text.is_empty() {
            return Ok(());
        }
        if text.last() != Some(&b'|') {
            return Err(LineError::TruncatedShow);
        }
        self.seen.iter_mut().for_each(|s| *s = false);
        let body_start = usize::from(text[0] == b'|');
        let mut start = body_start;
        let mut piece_index = 0;
        for end in memchr::memchr_iter(b'|', &text[body_start..]).map(|i| i + body_start) {
            let piece = start..end;
            start = end + 1;
            if piece.is_empty() {
                continue;
            }
            let eq = memchr::memchr(b'=', &text[piece.clone()])
                .map(|i| piece.start + i)
                .ok_or_else(|| LineError::MissingEquals(lossy(&text[piece.clone()])))?;
            let key = &text[piece.start..eq];
            let value = eq + 1..piece.end;
            let slot = self.slot_for(piece_index, key);
            piece_index += 1;
            match slot {
                Slot::Column(col) => {
                    if std::mem::replace(&mut self.seen[col], true) {
                        return Err(LineError::DuplicateKey(lossy(key)));
                    }
                    rec.values[col] = self.typed(col, text, value)?;
                }
                Slot::Extra => {
                    if rec.extras.iter().any(|(k, _)| text[k.clone()] == *key) {
                        return Err(LineError::DuplicateKey(lossy(key)));
                    }
                    rec.extras.push((piece.start..eq, value));
                }
            }
        }
        Ok(())
    }

    /// The slot of the `index`-th key of a line, predicted from the previous line.
    fn slot_for(&mut self, index: usize, key: &[u8]) -> Slot {
        if let Some((cached, slot)) = self.key_cache.get(index)
            && cached.as_slice() == key
        {
            return *slot;
        }
        // Key=value layouts have one column per registry field, in registry order.
        let slot = fields::position(key).map_or(Slot::Extra, Slot::Column);
        if index < self.key_cache.len() {
            self.key_cache[index] = (key.to_vec(), slot);
        } else if index == self.key_cache.len() {
            self.key_cache.push((key.to_vec(), slot));
        }
        slot
    }

    /// Reads decoded positional text (`text` taken out of the record, as for key=value).
    fn parse_positional(&mut self, text: &[u8], rec: &mut Record, separator: u8) -> Result<(), LineError> {
        let found = memchr::memchr_iter(separator, text).count() + 1;
        if found != self.positional_slots.len() {
            return Err(LineError::FieldCount { expected: self.positional_slots.len(), found });
        }
        let mut start = 0;
        for (i, end) in memchr::memchr_iter(separator, text).chain(std::iter::once(text.len())).enumerate() {
            if let Some(col) = self.positional_slots[i] {
                rec.values[col] = self.typed(col, text, start..end)?;
            }
            start = end + 1;
        }
        Ok(())
    }

    fn typed(&self, col: usize, text: &[u8], range: Range<usize>) -> Result<Value, LineError> {
        match self.types[col] {
            FieldType::Text if range.is_empty() => Ok(Value::Null),
            FieldType::Text => Ok(Value::Text(range.start as u32, range.end as u32)),
            _ => self.scalar(col, &text[range]),
        }
    }

    /// A non-text value from its bytes (empty is null).
    fn scalar(&self, col: usize, raw: &[u8]) -> Result<Value, LineError> {
        if raw.is_empty() {
            return Ok(Value::Null);
        }
        let bad_number = || LineError::BadNumber(self.names[col].clone(), lossy(raw));
        Ok(match self.types[col] {
            FieldType::Count => match parse_u64(raw, 0) {
                Some((n, end)) if end == raw.len() && n <= self.count_max[col] => Value::Int(n as i64),
                _ => return Err(bad_number()),
            },
            FieldType::Id => match parse_u64(raw, 0) {
                Some((n, end)) if end == raw.len() && n <= u64::from(u32::MAX) => Value::Int(n as i64),
                _ => return Err(bad_number()),
            },
            FieldType::Float => match std::str::from_utf8(raw).ok().and_then(|s| s.parse::<f64>().ok()) {
                Some(x) if x.is_finite() => Value::Float(x),
                _ => return Err(bad_number()),
            },
            FieldType::Time => match parse_timestamp_micros(raw) {
                Some(t) => Value::Int(t),
                None => return Err(LineError::BadTime(self.names[col].clone(), lossy(raw))),
            },
            FieldType::Text => unreachable!("text values are stored by the caller"),
        })
    }
}

/// Reads `YYYY-MM-DD%20HH%3AMM%3ASS[.f…]`, a time as `ESCAPE '%'` writes it, without decoding it.
fn parse_escaped_timestamp(raw: &[u8]) -> Option<i64> {
    if raw.len() < 27 || &raw[10..13] != b"%20" || &raw[15..18] != b"%3A" || &raw[20..23] != b"%3A" {
        return None;
    }
    let mut buf = [0u8; 40];
    let rest = &raw[23..];
    if rest.len() + 17 > buf.len() {
        return None;
    }
    buf[..10].copy_from_slice(&raw[..10]);
    buf[10] = b' ';
    buf[11..13].copy_from_slice(&raw[13..15]);
    buf[13] = b':';
    buf[14..16].copy_from_slice(&raw[18..20]);
    buf[16] = b':';
    buf[17..17 + rest.len()].copy_from_slice(rest);
    parse_timestamp_micros(&buf[..17 + rest.len()])
}

fn expect_space(line: &[u8], p: usize) -> Option<usize> {
    (line.get(p) == Some(&b' ')).then_some(p + 1)
}

/// Parses decimal digits at `start`; returns the number and the offset after it.
fn parse_u64(s: &[u8], start: usize) -> Option<(u64, usize)> {
    let mut n: u64 = 0;
    let mut i = start;
    while let Some(&b) = s.get(i) {
        if !b.is_ascii_digit() {
            break;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
        i += 1;
    }
    (i > start).then_some((n, i))
}

/// A short, printable form of bytes for error messages.
fn lossy(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(&b[..b.len().min(64)]).into_owned();
    if b.len() > 64 { s + "…" } else { s }
}
