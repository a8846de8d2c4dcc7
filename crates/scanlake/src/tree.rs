//! `export-tree`: one scan (or a subtree of it) as the JSON export that `ncdu -f` (and gdu) read,
//! so an admin can browse a scan's usage interactively without touching the file system.
//!
//! The format is `[1, 2, {progname, progver, timestamp}, DIRECTORY]`, where a directory is an
//! array of its own info object followed by its files (objects) and subdirectories (arrays).
//! Rows come from [`crate::find::Matches`] in raw byte order of their paths, and the tree is
//! written as they come, holding only the directories from the top to the current row:
//!
//! - Every path under `dir/` is contiguous in byte order, so once a row lies outside `dir/`,
//!   `dir` is complete and its array is closed.
//! - A directory's own row comes before its contents, but siblings whose names extend its name
//!   with a byte below `/` (`dir.old` after `dir`) come between the two. So a directory's row
//!   waits (pending, beside its parent's entries) until its first child opens it, or until the
//!   rows have passed `dir/` and it is written as an empty directory. Only names that are
//!   prefixes of one another wait at once.
//! - A directory without a row of its own (the filter left it out, or the scan lacks it) is
//!   written with its name only.
//! - A path the scan lists more than once (two overlapping inputs of one date) is written once,
//!   from its first row in merge order; the others are counted in the summary.
//!
//! Names are written as ncdu writes them: the raw bytes, with `"`, `\` and control characters
//! escaped, so a name that is not UTF-8 stays byte-exact.

use crate::aggregate::filter::Filter;
use crate::aggregate::streaming::columns::{Cols, KindColumn, opt};
use crate::dataset::partition::ScanDate;
use crate::dataset::view::DatasetView;
use crate::find::Matches;
use crate::progress::{Progress, Unit};
use anyhow::{Result, bail};
use arrow::array::{Array, AsArray, Int64Array, PrimitiveArray, StringArray};
use arrow::datatypes::{Int32Type, TimestampMicrosecondType, UInt32Type, UInt64Type};
use arrow::record_batch::RecordBatch;
use std::io::Write;
use std::sync::Arc;

/// What `export-tree` wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TreeSummary {
    pub acq: String,
    /// The top directory's path (as reports show paths).
    pub root: String,
    pub directories: u64,
    /// Directories written with their name only: no row of their own was selected.
    pub directories_without_row: u64,
    pub files: u64,
    /// Symbolic links and other objects that are not regular files (`notreg`).
    pub others: u64,
    /// Apparent bytes of every object written.
    pub bytes: i128,
    /// Rows left out because the scan lists their path again (only the first is written: ncdu
    /// would show both, and a directory's contents would split between them).
    pub repeated_paths: u64,
}

/// Columns the tree reads besides the path.
const COLUMNS: [&str; 9] = ["kind", "size", "kballoc", "nlink", "inode", "modify", "uid", "gid", "mode"];
/// Rows between two reports of progress.
const PROGRESS_ROWS: u64 = 1 << 14;

/// The top directory of a tree: the filter's one prefix, else the deepest directory that holds
/// every tld of the scan date.
pub fn root(view: &DatasetView, filter: &Filter, acq: ScanDate) -> Result<Vec<u8>> {
    let trim = |p: &[u8]| p.strip_suffix(b"/").unwrap_or(p).to_vec();
    match &filter.prefix[..] {
        [one] => Ok(trim(one)),
        [] => {
            let mut tlds = view.partitions.iter().filter(|p| p.acq == acq).map(|p| p.tld.as_slice());
            let Some(first) = tlds.next() else { bail!("scan date {acq} has no data") };
            let mut common = first.to_vec();
            for t in tlds {
                while !(t == common.as_slice() || t.starts_with(&[common.as_slice(), b"/"].concat())) {
                    let cut = memchr::memrchr(b'/', &common).unwrap_or(0);
                    common.truncate(cut);
                }
            }
            Ok(common)
        }
        _ => bail!(
            "a tree has one top directory, but {} prefixes were given\nhint: give one --prefix",
            filter.prefix.len()
        ),
    }
}

/// Writes the rows of `acq` that `filter` keeps as an ncdu export to `out`; the top directory is
/// [`root`]. `version` goes into the header.
pub fn export(
    view: Arc<DatasetView>,
    filter: &Filter,
    acq: ScanDate,
    version: &str,
    out: &mut dyn Write,
    progress: &dyn Progress,
) -> Result<TreeSummary> {
    let top = root(&view, filter, acq)?;
    let columns: Vec<String> = COLUMNS.iter().map(|c| c.to_string()).collect();
    let mut matches = Matches::new(view, filter, acq, &columns)?;
    progress.begin("export-tree", Some(matches.files()), Unit::Tasks);
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    let timestamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    write!(out, "[1,2,{{\"progname\":\"scanlake\",\"progver\":")?;
    string(&mut out, version.as_bytes())?;
    writeln!(out, ",\"timestamp\":{timestamp}}},")?;
    let mut tree = Tree::new(top, acq);
    let mut n = 0u64;
    while let Some(m) = matches.next_row()? {
        let row = m.per_batch(BatchCols::new).row(m.index);
        tree.row(m.path(), &row, &mut out)?;
        n += 1;
        if n.is_multiple_of(PROGRESS_ROWS) {
            matches.tell(progress)?;
        }
    }
    matches.tell(progress)?;
    let summary = tree.finish(&mut out)?;
    out.write_all(b"]\n")?;
    out.flush()?;
    progress.finish();
    Ok(summary)
}

/// The columns of one batch, held past the borrow of the merge.
struct BatchCols {
    kind: KindCodes,
    size: Option<Int64Array>,
    kballoc: Option<Int64Array>,
    nlink: Option<Int64Array>,
    inode: Option<PrimitiveArray<UInt64Type>>,
    modify: Option<PrimitiveArray<TimestampMicrosecondType>>,
    uid: Option<PrimitiveArray<UInt32Type>>,
    gid: Option<PrimitiveArray<UInt32Type>>,
    /// The ls-style mode strings.
    mode: Option<StringArray>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Dir,
    File,
    /// A link or another object that is not a regular file.
    Other,
    /// No `kind` (a layout without `mode`): a directory if anything lies under it, else a file.
    Unknown,
}

/// The `kind` column as the tree reads it: dictionary codes with each code's [`Kind`], or strings.
enum KindCodes {
    Missing,
    Coded { keys: PrimitiveArray<Int32Type>, kinds: Vec<Kind> },
    Plain(StringArray),
}

impl Kind {
    fn of(kind: Option<&str>) -> Kind {
        match kind {
            Some("dir") => Kind::Dir,
            Some("link" | "other") => Kind::Other,
            Some(_) => Kind::File,
            None => Kind::Unknown,
        }
    }
}

impl KindCodes {
    fn get(&self, i: usize) -> Kind {
        match self {
            KindCodes::Missing => Kind::Unknown,
            KindCodes::Coded { keys, kinds } => {
                if keys.is_valid(i) {
                    kinds.get(keys.value(i) as usize).copied().unwrap_or(Kind::Unknown)
                } else {
                    Kind::Unknown
                }
            }
            KindCodes::Plain(s) => Kind::of(s.is_valid(i).then(|| s.value(i))),
        }
    }
}

impl BatchCols {
    fn new(batch: &RecordBatch) -> BatchCols {
        let c = &Cols::new(batch);
        let kind = match &c.kind {
            None => KindCodes::Missing,
            Some(KindColumn::Coded { keys, names, .. }) => {
                KindCodes::Coded { keys: (*keys).clone(), kinds: names.iter().map(|n| Kind::of(*n)).collect() }
            }
            Some(KindColumn::Plain(s)) => KindCodes::Plain((*s).clone()),
        };
        BatchCols {
            kind,
            size: c.size.cloned(),
            kballoc: c.kballoc.cloned(),
            nlink: c.nlink.cloned(),
            inode: c.inode.cloned(),
            modify: c.modify.cloned(),
            uid: c.uid.cloned(),
            gid: c.gid.cloned(),
            mode: batch.column_by_name("mode").and_then(|a| a.as_string_opt::<i32>().cloned()),
        }
    }

    fn row(&self, i: usize) -> Row {
        Row {
            kind: self.kind.get(i),
            size: opt(self.size.as_ref(), i),
            kballoc: opt(self.kballoc.as_ref(), i),
            nlink: opt(self.nlink.as_ref(), i),
            inode: opt(self.inode.as_ref(), i),
            modify: opt(self.modify.as_ref(), i),
            uid: opt(self.uid.as_ref(), i),
            gid: opt(self.gid.as_ref(), i),
            mode: self.mode.as_ref().filter(|m| m.is_valid(i)).and_then(|m| st_mode(m.value(i).as_bytes())),
        }
    }
}

/// One object's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Row {
    kind: Kind,
    size: Option<i64>,
    kballoc: Option<i64>,
    nlink: Option<i64>,
    inode: Option<u64>,
    modify: Option<i64>,
    uid: Option<u32>,
    gid: Option<u32>,
    /// `st_mode` (file type and permission bits), from the ls-style string.
    mode: Option<u32>,
}

/// A directory whose array is open.
struct Open {
    /// Its path, without a trailing `/` (the file system root is empty).
    path: Vec<u8>,
    /// Directories (or objects of unknown kind) in it whose rows came, but none of their
    /// contents yet.
    pending: Vec<(Vec<u8>, Row)>,
}

struct Tree {
    stack: Vec<Open>,
    top: Vec<u8>,
    started: bool,
    /// The previous row's path: rows come in path order, so a repeated path follows itself.
    last: Vec<u8>,
    summary: TreeSummary,
    /// The info object being written, reused from row to row.
    info: Vec<u8>,
}

impl Tree {
    fn new(top: Vec<u8>, acq: ScanDate) -> Tree {
        let root = if top.is_empty() { "/".into() } else { crate::aggregate::pathkey::display(&top) };
        Tree {
            stack: Vec::new(),
            top,
            started: false,
            last: Vec::new(),
            summary: TreeSummary { acq: acq.to_string(), root, ..TreeSummary::default() },
            info: Vec::new(),
        }
    }

    fn row(&mut self, path: &[u8], row: &Row, out: &mut impl Write) -> Result<()> {
        if self.started && path == self.last.as_slice() {
            self.summary.repeated_paths += 1;
            return Ok(());
        }
        self.last.clear();
        self.last.extend_from_slice(path);
        if !self.started {
            self.started = true;
            let name = if self.top.is_empty() { b"/".to_vec() } else { self.top.clone() };
            let info = if path == self.top.as_slice() {
                self.info(&name, Some(&Row { kind: Kind::Dir, ..*row }))
            } else {
                self.info(&name, None)
            };
            out.write_all(b"[")?;
            out.write_all(info)?;
            self.stack.push(Open { path: self.top.clone(), pending: Vec::new() });
            if path == self.top.as_slice() {
                return Ok(());
            }
            self.summary.directories_without_row += 1;
        }
        if !under(path, &self.top) {
            bail!(
                "{} is not under the tree's top directory {}",
                crate::aggregate::pathkey::display(path),
                self.summary.root
            );
        }
        // Close the directories this row is not in: nothing of theirs comes after it.
        while !under(path, &self.stack.last().expect("the top stays open").path) {
            self.close(out)?;
        }
        self.settle_pending(path, out)?;
        // Open the directories between the deepest open one and the row's parent.
        let parent = &path[..memchr::memrchr(b'/', path).unwrap_or(0)];
        loop {
            let open = &self.stack.last().expect("the top stays open").path;
            if open.as_slice() == parent {
                break;
            }
            let from = open.len() + 1;
            let end = memchr::memchr(b'/', &path[from..]).map_or(path.len(), |i| from + i);
            let dir = path[..end].to_vec();
            let pending = &mut self.stack.last_mut().expect("the top stays open").pending;
            let info = match pending.iter().position(|(p, _)| *p == dir).map(|at| pending.remove(at).1) {
                Some(row) => self.info(&dir[from..], Some(&Row { kind: Kind::Dir, ..row })),
                None => {
                    self.summary.directories_without_row += 1;
                    self.info(&dir[from..], None)
                }
            };
            out.write_all(b",\n[")?;
            out.write_all(info)?;
            self.stack.push(Open { path: dir, pending: Vec::new() });
        }
        if matches!(row.kind, Kind::Dir | Kind::Unknown) {
            self.stack.last_mut().expect("the top stays open").pending.push((path.to_vec(), *row));
        } else {
            let info = self.info(&path[parent.len() + 1..], Some(row));
            out.write_all(b",\n")?;
            out.write_all(info)?;
        }
        Ok(())
    }

    /// Writes the open directory's pending entries that `path` has passed: nothing lies under them.
    fn settle_pending(&mut self, path: &[u8], out: &mut impl Write) -> Result<()> {
        let mut kept = Vec::new();
        let pending = std::mem::take(&mut self.stack.last_mut().expect("the top stays open").pending);
        for (dir, row) in pending {
            if may_lie_under(path, &dir) {
                kept.push((dir, row));
            } else {
                self.childless(&dir, &row, out)?;
            }
        }
        self.stack.last_mut().expect("the top stays open").pending = kept;
        Ok(())
    }

    /// Closes the deepest open directory (nothing lies under its pending entries).
    fn close(&mut self, out: &mut impl Write) -> Result<()> {
        let open = self.stack.pop().expect("an open directory");
        for (path, row) in &open.pending {
            self.childless(path, row, out)?;
        }
        out.write_all(b"]")?;
        Ok(())
    }

    /// Writes a pending entry nothing lies under: an empty directory, or a file if its kind is unknown.
    fn childless(&mut self, path: &[u8], row: &Row, out: &mut impl Write) -> Result<()> {
        let name = &path[memchr::memrchr(b'/', path).map_or(0, |i| i + 1)..];
        if row.kind == Kind::Unknown {
            let info = self.info(name, Some(&Row { kind: Kind::File, ..*row }));
            out.write_all(b",\n")?;
            out.write_all(info)?;
            Ok(())
        } else {
            let info = self.info(name, Some(row));
            empty_dir(info, out)
        }
    }

    fn finish(mut self, out: &mut impl Write) -> Result<TreeSummary> {
        if !self.started {
            let name = if self.top.is_empty() { b"/".to_vec() } else { self.top.clone() };
            self.summary.directories_without_row += 1;
            let info = self.info(&name, None);
            out.write_all(b"[")?;
            out.write_all(info)?;
            out.write_all(b"]")?;
            return Ok(self.summary);
        }
        while !self.stack.is_empty() {
            self.close(out)?;
        }
        Ok(self.summary)
    }

    /// An info object, counted: `row` absent for a directory without a row of its own.
    fn info(&mut self, name: &[u8], row: Option<&Row>) -> &[u8] {
        let o = &mut self.info;
        o.clear();
        o.extend_from_slice(b"{\"name\":");
        string(o, name).expect("writing to memory");
        let Some(r) = row else {
            self.summary.directories += 1;
            o.push(b'}');
            return o;
        };
        match r.kind {
            Kind::Dir => self.summary.directories += 1,
            Kind::File | Kind::Unknown => self.summary.files += 1,
            Kind::Other => self.summary.others += 1,
        }
        self.summary.bytes += i128::from(r.size.unwrap_or(0));
        // Integers only, formatted straight into the object (`itoa`: `write!` was a quarter of
        // an export's time).
        let mut digits = itoa::Buffer::new();
        let mut field = |k: &[u8], v: &str| {
            o.extend_from_slice(b",\"");
            o.extend_from_slice(k);
            o.extend_from_slice(b"\":");
            o.extend_from_slice(v.as_bytes());
        };
        if let Some(s) = r.size {
            field(b"asize", digits.format(s.max(0)));
        }
        if let Some(k) = r.kballoc {
            field(b"dsize", digits.format(u64::try_from(k.max(0)).unwrap_or(0).saturating_mul(1024)));
        }
        if let Some(u) = r.uid {
            field(b"uid", digits.format(u));
        }
        if let Some(g) = r.gid {
            field(b"gid", digits.format(g));
        }
        if let Some(m) = r.mode {
            field(b"mode", digits.format(m));
        }
        if let Some(m) = r.modify {
            field(b"mtime", digits.format(m.div_euclid(1_000_000).max(0)));
        }
        // ncdu counts an inode with several links once (and shows it marked).
        if r.kind != Kind::Dir
            && let (Some(n), Some(ino)) = (r.nlink, r.inode)
            && n > 1
        {
            field(b"ino", digits.format(ino));
            field(b"hlnkc", "true");
            field(b"nlink", digits.format(n));
        }
        if r.kind == Kind::Other {
            field(b"notreg", "true");
        }
        o.push(b'}');
        o
    }
}

/// `st_mode` from an ls-style mode string (`drwxr-sr-x`, maybe followed by `+` or `.`): the file
/// type and permission bits, as ncdu's `mode` holds them; none for a string of another shape.
fn st_mode(s: &[u8]) -> Option<u32> {
    let (&t, perms) = s.split_first()?;
    let perms = perms.get(..9)?;
    let mut mode = match t {
        b'-' => 0o100000,
        b'd' => 0o040000,
        b'l' => 0o120000,
        b'c' => 0o020000,
        b'b' => 0o060000,
        b'p' => 0o010000,
        b's' => 0o140000,
        _ => return None,
    };
    for (i, &c) in perms.iter().enumerate() {
        let bit = 1 << (8 - i);
        // setuid, setgid, sticky: `s`/`t` with execute, `S`/`T` without.
        let special = [0o4000, 0o2000, 0o1000][i / 3];
        let letter = if i / 3 == 2 { b't' } else { b's' };
        match (i % 3, c) {
            (_, b'-') => {}
            (0, b'r') | (1, b'w') | (2, b'x') => mode |= bit,
            (2, c) if c == letter => mode |= bit | special,
            (2, c) if c == letter.to_ascii_uppercase() => mode |= special,
            _ => return None,
        }
    }
    Some(mode)
}

fn empty_dir(info: &[u8], out: &mut impl Write) -> Result<()> {
    out.write_all(b",\n[")?;
    out.write_all(info)?;
    out.write_all(b"]")?;
    Ok(())
}

/// Whether rows from `path` on (in path order) may still lie under the directory `dir`: `path`
/// sorts before `dir/` or lies under it. Compared in place: a `dir/` made for each pending entry
/// of each row was an allocation per row.
fn may_lie_under(path: &[u8], dir: &[u8]) -> bool {
    let n = dir.len().min(path.len());
    match path[..n].cmp(&dir[..n]) {
        std::cmp::Ordering::Less => true,
        std::cmp::Ordering::Greater => false,
        std::cmp::Ordering::Equal => path.len() <= dir.len() || path[dir.len()] <= b'/',
    }
}

/// Whether `path` lies strictly inside the directory `dir` (given without a trailing `/`).
fn under(path: &[u8], dir: &[u8]) -> bool {
    path.len() > dir.len() && path.starts_with(dir) && path[dir.len()] == b'/'
}

/// A JSON string of raw bytes: `"`, `\` and control characters escaped, other bytes as they are.
fn string(out: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    out.write_all(b"\"")?;
    let mut from = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'"' || b == b'\\' || b < 0x20 {
            out.write_all(&bytes[from..i])?;
            match b {
                b'"' => out.write_all(b"\\\"")?,
                b'\\' => out.write_all(b"\\\\")?,
                _ => write!(out, "\\u{b:04x}")?,
            }
            from = i + 1;
        }
    }
    out.write_all(&bytes[from..])?;
    out.write_all(b"\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(size: i64) -> Row {
        Row {
            kind: Kind::File,
            size: Some(size),
            kballoc: None,
            nlink: Some(1),
            inode: None,
            modify: None,
            uid: None,
            gid: None,
            mode: None,
        }
    }

    fn dir() -> Row {
        Row { kind: Kind::Dir, ..file(4096) }
    }

    fn tree(rows: &[(&str, Row)]) -> String {
        let mut rows = rows.to_vec();
        rows.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let mut t = Tree::new(b"/fs".to_vec(), "2026-11-01".parse().unwrap());
        let mut out = Vec::new();
        for (p, r) in &rows {
            t.row(p.as_bytes(), r, &mut out).unwrap();
        }
        t.finish(&mut out).unwrap();
        String::from_utf8(out).unwrap().replace('\n', "")
    }

    #[test]
    fn a_directory_waits_for_siblings_that_sort_between_it_and_its_contents() {
        let got = tree(&[
            ("/fs", dir()),
            ("/fs/b", dir()),
            ("/fs/b.d", dir()),
            ("/fs/b.d/x", file(1)),
            ("/fs/b.txt", file(2)),
            ("/fs/b/c", file(3)),
            ("/fs/e", dir()),
            ("/fs/z", file(4)),
        ]);
        let d = r#"{"name":"NAME","asize":4096}"#;
        let want = format!(
            r#"[{}]"#,
            [
                d.replace("NAME", "/fs"),
                format!("[{},{}]", d.replace("NAME", "b.d"), r#"{"name":"x","asize":1}"#),
                r#"{"name":"b.txt","asize":2}"#.to_string(),
                format!("[{},{}]", d.replace("NAME", "b"), r#"{"name":"c","asize":3}"#),
                format!("[{}]", d.replace("NAME", "e")),
                r#"{"name":"z","asize":4}"#.to_string(),
            ]
            .join(",")
        );
        assert_eq!(got, want);
    }

    #[test]
    fn an_object_of_unknown_kind_is_a_directory_only_if_something_lies_under_it() {
        let unknown = |size| Row { kind: Kind::Unknown, ..file(size) };
        let mut t = Tree::new(b"/fs".to_vec(), "2026-11-01".parse().unwrap());
        let mut out = Vec::new();
        for (p, r) in [("/fs", unknown(1)), ("/fs/d", unknown(2)), ("/fs/d.x", unknown(3)), ("/fs/d/y", unknown(4))] {
            t.row(p.as_bytes(), &r, &mut out).unwrap();
        }
        let summary = t.finish(&mut out).unwrap();
        let got = String::from_utf8(out).unwrap().replace('\n', "");
        assert_eq!(
            got,
            r#"[{"name":"/fs","asize":1},{"name":"d.x","asize":3},[{"name":"d","asize":2},{"name":"y","asize":4}]]"#
        );
        assert_eq!((summary.directories, summary.files), (2, 2));
    }

    #[test]
    fn a_path_may_lie_under_a_directory_until_it_sorts_past_its_contents() {
        let dirs: [&[u8]; 3] = [b"/a/b", b"/a", b"/a/b-c"];
        let paths: [&[u8]; 9] = [b"/a", b"/a/b", b"/a/b.x", b"/a/b/c", b"/a/b0", b"/a/a", b"/a/b-c/d", b"/", b"/b"];
        for dir in dirs {
            for path in paths {
                let contents = [dir, b"/"].concat();
                let want = path < contents.as_slice() || path.starts_with(&contents);
                assert_eq!(may_lie_under(path, dir), want, "{path:?} {dir:?}");
            }
        }
    }

    #[test]
    fn ls_mode_strings_become_st_mode() {
        assert_eq!(st_mode(b"-rw-r--r--"), Some(0o100644));
        assert_eq!(st_mode(b"drwxr-sr-x"), Some(0o042755));
        assert_eq!(st_mode(b"drwxrwxrwt"), Some(0o041777));
        assert_eq!(st_mode(b"-rwSr--r--+"), Some(0o104644));
        assert_eq!(st_mode(b"lrwxrwxrwx"), Some(0o120777));
        assert_eq!(st_mode(b"-rwxrwxrws"), None, "s is not a sticky bit");
        assert_eq!((st_mode(b"?rw-r--r--"), st_mode(b"-rw"), st_mode(b"")), (None, None, None));
    }

    #[test]
    fn a_repeated_path_is_written_once_and_counted() {
        let mut t = Tree::new(b"/fs".to_vec(), "2026-11-01".parse().unwrap());
        let mut out = Vec::new();
        for (p, r) in [("/fs/d", dir()), ("/fs/d", dir()), ("/fs/d/x", file(1)), ("/fs/d/x", file(2))] {
            t.row(p.as_bytes(), &r, &mut out).unwrap();
        }
        let summary = t.finish(&mut out).unwrap();
        let got = String::from_utf8(out).unwrap().replace('\n', "");
        assert_eq!(got, r#"[{"name":"/fs"},[{"name":"d","asize":4096},{"name":"x","asize":1}]]"#);
        assert_eq!((summary.repeated_paths, summary.files, summary.directories), (2, 1, 2));
    }

    #[test]
    fn directories_without_rows_get_their_names_and_names_stay_raw() {
        let got = tree(&[("/fs/a/b/q\"\\\u{1}", file(1))]);
        assert_eq!(got, r#"[{"name":"/fs"},[{"name":"a"},[{"name":"b"},{"name":"q\"\\\u0001","asize":1}]]]"#);
    }

    #[test]
    fn the_common_directory_of_the_tlds_is_the_top() {
        let mut t = Tree::new(Vec::new(), "2026-11-01".parse().unwrap());
        let mut out = Vec::new();
        t.row(b"/x/y", &file(1), &mut out).unwrap();
        t.finish(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap().replace('\n', ""),
            r#"[{"name":"/"},[{"name":"x"},{"name":"y","asize":1}]]"#
        );
    }
}
