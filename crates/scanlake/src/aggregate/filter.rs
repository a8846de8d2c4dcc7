//! The row-predicate language of the library: which rows a report, `find` or a batch run looks
//! at. Every condition holds together (AND); a list of values means any of them (OR). A
//! [`Filter`] is a plain value that round-trips through serde (runs store it typed);
//! [`Filter::compile`] turns it, for one scan date, into [`Clause`]s that engines evaluate.
//!
//! Exact meanings (also in docs/find.md):
//! - ages are whole days from the time's UTC date to the scan date (as the `age` report counts);
//!   `older access=90d` holds when that age is ≥ 90, `newer access=30d` when it is < 30; a
//!   missing time never matches an age condition;
//! - sizes are bytes, both bounds inclusive; a missing size never matches;
//! - `name` globs match the base name, `path_regex` the whole path, both on raw bytes;
//! - `misc_has` needs every letter in `misc`, `misc_lacks` none of them; a missing `misc` has no
//!   letters.

use crate::dataset::partition::ScanDate;
use crate::options::OptionError;
use anyhow::Result;
use regex::bytes::{Regex, RegexSet, RegexSetBuilder};
use std::fmt;
use std::str::FromStr;

const MICROS_PER_DAY: i64 = 86_400_000_000;
pub const KINDS: [&str; 4] = ["file", "dir", "link", "other"];

/// Which time an age is measured from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimeField {
    Access,
    Modify,
    Change,
    Create,
}

impl TimeField {
    pub fn column(self) -> &'static str {
        match self {
            TimeField::Access => "access",
            TimeField::Modify => "modify",
            TimeField::Change => "change",
            TimeField::Create => "create",
        }
    }
}

impl fmt::Display for TimeField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.column())
    }
}

crate::options::serde_as_text!(TimeField);

impl FromStr for TimeField {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "access" | "atime" => Ok(TimeField::Access),
            "modify" | "mtime" => Ok(TimeField::Modify),
            "change" | "ctime" => Ok(TimeField::Change),
            "create" | "crtime" => Ok(TimeField::Create),
            _ => Err(format!("unknown time '{s}' (expected access, modify, change or create)")),
        }
    }
}

/// `access=90d`: a time and an age in whole days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AgeCondition {
    pub time: TimeField,
    pub days: i64,
}

impl FromStr for AgeCondition {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (time, age) = s
            .split_once('=')
            .ok_or_else(|| format!("'{s}' is not TIME=AGE (e.g. access=90d, create=12w, modify=1y)"))?;
        let time = time.trim().parse()?;
        let days = parse_days(age.trim()).map_err(|e| format!("'{s}': {e}"))?;
        Ok(AgeCondition { time, days })
    }
}

impl fmt::Display for AgeCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}d", self.time, self.days)
    }
}

crate::options::serde_as_text!(AgeCondition);

/// `90`, `90d`, `12w`, `1y` (365 days) as days, not negative.
pub fn parse_days(t: &str) -> Result<i64, String> {
    let (n, suffix) = number_and_suffix(t)?;
    let mult = match suffix {
        "" | "d" => 1,
        "w" => 7,
        "y" => 365,
        s => return Err(format!("unknown unit '{s}' in '{t}' (expected d, w or y)")),
    };
    n.checked_mul(mult).ok_or_else(|| format!("'{t}' is too large"))
}

/// `1536`, `10K`, `1M`, `2GiB`, `1T` as bytes (binary units).
pub fn parse_bytes(t: &str) -> Result<i64, String> {
    let (n, suffix) = number_and_suffix(t)?;
    let mult: i64 = match suffix {
        "" | "B" => 1,
        "K" | "k" | "KiB" => 1 << 10,
        "M" | "MiB" => 1 << 20,
        "G" | "GiB" => 1 << 30,
        "T" | "TiB" => 1 << 40,
        "P" | "PiB" => 1 << 50,
        s => return Err(format!("unknown unit '{s}' in '{t}' (expected K, M, G, T or P)")),
    };
    n.checked_mul(mult).ok_or_else(|| format!("'{t}' is too large"))
}

fn number_and_suffix(t: &str) -> Result<(i64, &str), String> {
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, suffix) = t.split_at(split);
    let n: i64 = digits.parse().map_err(|_| format!("'{t}' is not a number"))?;
    Ok((n, suffix.trim()))
}

/// A byte count given as a number or as text with a binary unit (`"10G"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct ByteSize(pub i64);

impl FromStr for ByteSize {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        parse_bytes(s.trim()).map(ByteSize)
    }
}

impl<'de> serde::Deserialize<'de> for ByteSize {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Given {
            Number(i64),
            Text(String),
        }
        match Given::deserialize(d)? {
            Given::Number(n) if n >= 0 => Ok(ByteSize(n)),
            Given::Number(n) => Err(serde::de::Error::custom(format!("a size cannot be negative ({n})"))),
            Given::Text(t) => t.parse().map_err(serde::de::Error::custom),
        }
    }
}

/// Rows to look at. Empty lists mean "all".
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Filter {
    pub acq: Vec<ScanDate>,
    /// Directory (or file) paths, raw bytes: rows at or under any of them.
    pub prefix: Vec<Vec<u8>>,
    pub uid: Vec<u32>,
    pub gid: Vec<u32>,
    /// Owner names: resolved into `uid` by the interface's name source before a report runs.
    pub user: Vec<String>,
    /// Group names: resolved into `gid` likewise.
    pub group: Vec<String>,
    pub fileset: Vec<String>,
    pub pool: Vec<String>,
    /// Top-level directories as shown in reports.
    pub tld: Vec<String>,
    pub kind: Vec<String>,
    /// Every one must hold: the time's age is at least this many days.
    pub older: Vec<AgeCondition>,
    /// Every one must hold: the time's age is less than this many days.
    pub newer: Vec<AgeCondition>,
    pub size_min: Option<ByteSize>,
    pub size_max: Option<ByteSize>,
    /// Globs on the base name, raw bytes: any of them.
    pub name: Vec<Vec<u8>>,
    /// Regular expressions on the whole path, raw bytes: any of them (unanchored).
    pub path_regex: Vec<Vec<u8>>,
    /// Attribute letters `misc` must all have.
    pub misc_has: String,
    /// Attribute letters `misc` must not have.
    pub misc_lacks: String,
    /// Named rules of the configuration file: expanded into `all` before a report runs.
    pub rule: Vec<String>,
    /// Further filters that must each hold as well (expanded rules). They hold no rules or
    /// further filters of their own.
    pub all: Vec<Filter>,
}

impl Filter {
    /// This filter and its conjuncts: every one must hold.
    pub fn clauses(&self) -> impl Iterator<Item = &Filter> {
        std::iter::once(self).chain(self.all.iter())
    }

    /// The depth of the shallowest prefix (0 without one): where `du` starts.
    pub fn prefix_depth(&self) -> usize {
        self.prefix.iter().map(|p| crate::aggregate::pathkey::depth(p)).min().unwrap_or(0)
    }

    /// Whether names or rules are still to be resolved by an interface.
    pub fn is_resolved(&self) -> bool {
        self.clauses().all(|c| c.user.is_empty() && c.group.is_empty() && c.rule.is_empty())
    }

    /// Checks what needs no data: kinds, letters, sizes, ages, patterns. Errors name the option.
    pub fn check(&self) -> Result<()> {
        for c in self.clauses() {
            if let Some(k) = c.kind.iter().find(|k| !KINDS.contains(&k.as_str())) {
                return Err(OptionError::new(
                    "kind",
                    format!("unknown kind '{k}' (expected file, dir, link or other)"),
                )
                .into());
            }
            for (option, letters) in [("misc_has", &c.misc_has), ("misc_lacks", &c.misc_lacks)] {
                if let Some(ch) = letters.chars().find(|ch| !ch.is_ascii_alphanumeric()) {
                    return Err(OptionError::new(
                        option,
                        format!("`{option}`: '{ch}' is not an attribute letter (misc holds letters such as M, V, u)"),
                    )
                    .into());
                }
            }
            if let (Some(lo), Some(hi)) = (c.size_min, c.size_max)
                && lo.0 > hi.0
            {
                return Err(OptionError::new(
                    "size_min",
                    format!("`size_min` {} is larger than `size_max` {}: no row can match", lo.0, hi.0),
                )
                .into());
            }
            for a in c.older.iter().chain(&c.newer) {
                if a.days < 0 {
                    return Err(OptionError::new("older", format!("age {a} is negative")).into());
                }
            }
            patterns(&c.name, "name", glob_regex)?;
            patterns(&c.path_regex, "path_regex", |p| Ok(bytes_regex(p)))?;
        }
        Ok(())
    }

    /// Row conditions for the rows of one scan date: one [`Clause`] per conjunct.
    pub fn compile(&self, acq: ScanDate) -> Result<Vec<Clause>> {
        if !self.is_resolved() {
            anyhow::bail!("a filter with user or group names or rules reached an engine unresolved");
        }
        let scan_day = acq.days_since_epoch();
        self.clauses()
            .map(|c| {
                let bound = |a: &AgeCondition| (a.time, (scan_day - a.days + 1).saturating_mul(MICROS_PER_DAY));
                Ok(Clause {
                    prefix: c.prefix.clone(),
                    uid: c.uid.clone(),
                    gid: c.gid.clone(),
                    fileset: c.fileset.clone(),
                    pool: c.pool.clone(),
                    kind: c.kind.clone(),
                    before: c.older.iter().map(bound).collect(),
                    from: c.newer.iter().map(bound).collect(),
                    size_min: c.size_min.map(|s| s.0),
                    size_max: c.size_max.map(|s| s.0),
                    name: patterns(&c.name, "name", glob_regex)?,
                    path_regex: patterns(&c.path_regex, "path_regex", |p| Ok(bytes_regex(p)))?,
                    misc_has: c.misc_has.as_bytes().to_vec(),
                    misc_lacks: c.misc_lacks.as_bytes().to_vec(),
                })
            })
            .collect()
    }

    /// Dataset columns the conditions read (besides the path, which [`Filter::reads_path`] says).
    pub fn columns(&self) -> Vec<&'static str> {
        let mut cols = Vec::new();
        for c in self.clauses() {
            let lists: [(&'static str, bool); 6] = [
                ("uid", !c.uid.is_empty()),
                ("gid", !c.gid.is_empty()),
                ("fileset", !c.fileset.is_empty()),
                ("pool", !c.pool.is_empty()),
                ("kind", !c.kind.is_empty()),
                ("size", c.size_min.is_some() || c.size_max.is_some()),
            ];
            cols.extend(lists.iter().filter(|(_, on)| *on).map(|(c, _)| *c));
            cols.extend(c.older.iter().chain(&c.newer).map(|a| a.time.column()));
            if !c.misc_has.is_empty() || !c.misc_lacks.is_empty() {
                cols.push("misc");
            }
        }
        let mut seen = std::collections::HashSet::new();
        cols.retain(|c| seen.insert(*c));
        cols
    }

    /// SHOW columns the dataset must have for the filter to mean anything (`kind` comes from `mode`).
    pub fn required_columns(&self) -> Vec<&'static str> {
        self.columns().into_iter().map(|c| if c == "kind" { "mode" } else { c }).collect()
    }

    /// Whether a condition reads the path.
    pub fn reads_path(&self) -> bool {
        self.clauses().any(|c| !c.prefix.is_empty() || !c.name.is_empty() || !c.path_regex.is_empty())
    }

    /// Whether any condition looks at rows (scan dates and tlds are settled by partitions).
    pub fn filters_rows(&self) -> bool {
        self.reads_path() || !self.columns().is_empty()
    }

    /// Whether a partition's tld can hold a row the filter wants (its tld and prefix lists).
    pub fn may_hold_tld(&self, tld: &[u8], tld_text: &str) -> bool {
        self.clauses().all(|c| {
            (c.tld.is_empty() || c.tld.iter().any(|t| t == tld_text))
                && (c.prefix.is_empty() || c.prefix.iter().any(|p| crate::aggregate::pathkey::may_hold(tld, p)))
        })
    }

    /// What the filter means, for `--explain`: one line per condition.
    pub fn describe(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for (i, c) in self.clauses().enumerate() {
            let mut parts = Vec::new();
            let list = |name: &str, items: Vec<String>| {
                (!items.is_empty()).then(|| format!("{name} is any of {}", items.join(", ")))
            };
            parts.extend(list("scan date", c.acq.iter().map(ToString::to_string).collect()));
            parts.extend(list(
                "path at or under",
                c.prefix.iter().map(|p| crate::aggregate::pathkey::display(p)).collect(),
            ));
            parts.extend(list("uid", c.uid.iter().map(ToString::to_string).collect()));
            parts.extend(list("gid", c.gid.iter().map(ToString::to_string).collect()));
            parts.extend(list("fileset", c.fileset.clone()));
            parts.extend(list("pool", c.pool.clone()));
            parts.extend(list("tld", c.tld.clone()));
            parts.extend(list("kind", c.kind.clone()));
            for a in &c.older {
                parts.push(format!("{} age >= {} days (a missing {} never matches)", a.time, a.days, a.time));
            }
            for a in &c.newer {
                parts.push(format!("{} age < {} days (a missing {} never matches)", a.time, a.days, a.time));
            }
            if let Some(s) = c.size_min {
                parts.push(format!("size >= {} bytes", s.0));
            }
            if let Some(s) = c.size_max {
                parts.push(format!("size <= {} bytes", s.0));
            }
            parts.extend(list(
                "base name matches glob",
                c.name.iter().map(|p| crate::aggregate::pathkey::display(p)).collect(),
            ));
            parts.extend(list(
                "path matches regex",
                c.path_regex.iter().map(|p| crate::aggregate::pathkey::display(p)).collect(),
            ));
            if !c.misc_has.is_empty() {
                parts.push(format!("misc has every one of '{}'", c.misc_has));
            }
            if !c.misc_lacks.is_empty() {
                parts.push(format!("misc has none of '{}' (a missing misc has none)", c.misc_lacks));
            }
            if !parts.is_empty() {
                let head = if i == 0 { "filter" } else { "and (rule)" };
                lines.push(format!("{head}: {}", parts.join("; ")));
            }
        }
        lines
    }
}

fn patterns(
    items: &[Vec<u8>],
    option: &'static str,
    to_regex: impl Fn(&[u8]) -> Result<String, String>,
) -> Result<Option<RegexSet>> {
    if items.is_empty() {
        return Ok(None);
    }
    let sources: Vec<String> = items
        .iter()
        .map(|p| to_regex(p))
        .collect::<Result<_, _>>()
        .map_err(|e| OptionError::new(option, format!("`{option}`: {e}")))?;
    let set = RegexSetBuilder::new(&sources)
        .size_limit(64 << 20)
        .build()
        .map_err(|e| OptionError::new(option, format!("`{option}`: {e}")))?;
    Ok(Some(set))
}

/// A regular expression given as bytes: valid UTF-8 is the pattern as written; a byte of an
/// invalid sequence matches itself (`(?-u:\xNN)`), so a pattern taken from a path that is not
/// UTF-8 still finds it.
pub fn bytes_regex(pattern: &[u8]) -> String {
    crate::aggregate::pathkey::with_invalid_bytes(pattern, |b| format!("(?-u:\\x{b:02X})"))
}

/// A shell glob on a base name as an anchored byte regex: `*` any bytes, `?` one character (or
/// one byte that is not UTF-8), `[abc]`, `[a-z]`, `[!abc]` one byte of (not of) the set, `\x`
/// the byte `x`. Every other byte matches itself.
pub fn glob_regex(glob: &[u8]) -> Result<String, String> {
    let mut out = String::from("(?s-u)^");
    let lit = |out: &mut String, b: u8| out.push_str(&format!("\\x{b:02X}"));
    let mut i = 0;
    while i < glob.len() {
        match glob[i] {
            b'*' => out.push_str(".*"),
            b'?' => out.push_str("(?:(?u:.)|.)"),
            b'\\' if i + 1 < glob.len() => {
                i += 1;
                lit(&mut out, glob[i]);
            }
            b'[' => {
                let mut j = i + 1;
                let negate = matches!(glob.get(j), Some(b'!' | b'^'));
                if negate {
                    j += 1;
                }
                let start = j;
                // A `]` right after the opening (or `[!`) is a member.
                if glob.get(j) == Some(&b']') {
                    j += 1;
                }
                while j < glob.len() && glob[j] != b']' {
                    j += 1;
                }
                if j >= glob.len() {
                    return Err(format!(
                        "glob '{}' has a '[' without its ']' (write \\[ for the character)",
                        crate::aggregate::pathkey::display(glob)
                    ));
                }
                out.push_str(if negate { "[^" } else { "[" });
                let members = &glob[start..j];
                let mut k = 0;
                while k < members.len() {
                    if k + 2 < members.len() && members[k + 1] == b'-' {
                        lit(&mut out, members[k]);
                        out.push('-');
                        lit(&mut out, members[k + 2]);
                        k += 3;
                    } else {
                        lit(&mut out, members[k]);
                        k += 1;
                    }
                }
                out.push(']');
                i = j;
            }
            b => lit(&mut out, b),
        }
        i += 1;
    }
    out.push('$');
    Regex::new(&out).map_err(|e| format!("glob '{}': {e}", crate::aggregate::pathkey::display(glob)))?;
    Ok(out)
}

/// One conjunct of a filter, ready to test rows of one scan date. Times are compared as UTC
/// microseconds against bounds computed from the scan date.
#[derive(Debug, Clone)]
pub struct Clause {
    pub prefix: Vec<Vec<u8>>,
    pub uid: Vec<u32>,
    pub gid: Vec<u32>,
    pub fileset: Vec<String>,
    pub pool: Vec<String>,
    pub kind: Vec<String>,
    /// `older`: the time is before this instant.
    pub before: Vec<(TimeField, i64)>,
    /// `newer`: the time is at or after this instant.
    pub from: Vec<(TimeField, i64)>,
    pub size_min: Option<i64>,
    pub size_max: Option<i64>,
    pub name: Option<RegexSet>,
    pub path_regex: Option<RegexSet>,
    pub misc_has: Vec<u8>,
    pub misc_lacks: Vec<u8>,
}

impl Clause {
    /// Whether a path meets the path conditions (prefix, base name, regex).
    pub fn path_matches(&self, path: &[u8]) -> bool {
        (self.prefix.is_empty() || self.prefix.iter().any(|p| crate::aggregate::pathkey::under(path, p)))
            && self.name.as_ref().is_none_or(|set| set.is_match(base_name(path)))
            && self.path_regex.as_ref().is_none_or(|set| set.is_match(path))
    }

    /// Whether a time meets this clause's conditions on `field` (a missing time meets none).
    pub fn time_matches(&self, field: TimeField, value: Option<i64>) -> bool {
        let before = self.before.iter().filter(|(f, _)| *f == field);
        let from = self.from.iter().filter(|(f, _)| *f == field);
        match value {
            Some(v) => before.clone().all(|(_, b)| v < *b) && from.clone().all(|(_, b)| v >= *b),
            None => before.count() == 0 && from.count() == 0,
        }
    }

    pub fn size_matches(&self, size: Option<i64>) -> bool {
        if self.size_min.is_none() && self.size_max.is_none() {
            return true;
        }
        size.is_some_and(|s| self.size_min.is_none_or(|lo| s >= lo) && self.size_max.is_none_or(|hi| s <= hi))
    }

    pub fn misc_matches(&self, misc: Option<&[u8]>) -> bool {
        let misc = misc.unwrap_or_default();
        self.misc_has.iter().all(|l| misc.contains(l)) && !self.misc_lacks.iter().any(|l| misc.contains(l))
    }

    /// The times this clause bounds, with their bounds `[from, before)` (either may be open).
    pub fn time_bounds(&self) -> Vec<(TimeField, Option<i64>, Option<i64>)> {
        let mut fields: Vec<TimeField> = self.before.iter().chain(&self.from).map(|(f, _)| *f).collect();
        fields.sort_unstable();
        fields.dedup();
        fields
            .into_iter()
            .map(|f| {
                let lo = self.from.iter().filter(|(g, _)| *g == f).map(|(_, b)| *b).max();
                let hi = self.before.iter().filter(|(g, _)| *g == f).map(|(_, b)| *b).min();
                (f, lo, hi)
            })
            .collect()
    }
}

/// The last component of a path (the whole path when it has no `/`).
pub fn base_name(path: &[u8]) -> &[u8] {
    memchr::memrchr(b'/', path).map_or(path, |i| &path[i + 1..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(g: &[u8]) -> Regex {
        Regex::new(&glob_regex(g).unwrap()).unwrap()
    }

    #[test]
    fn globs_match_whole_base_names_on_raw_bytes() {
        assert!(glob(b"*.tmp").is_match(b"core.tmp"));
        assert!(!glob(b"*.tmp").is_match(b"core.tmp.gz"));
        assert!(glob(b"?.c").is_match("é.c".as_bytes()), "? is one character");
        assert!(glob(b"?.c").is_match(b"\xff.c"), "or one byte that is not UTF-8");
        assert!(!glob(b"?.c").is_match(b"ab.c"));
        assert!(glob(b"\xff*").is_match(b"\xffname"), "a glob that is not UTF-8");
        assert!(glob(b"[a-c]x").is_match(b"bx") && !glob(b"[a-c]x").is_match(b"dx"));
        assert!(glob(b"[!a-c]x").is_match(b"dx") && !glob(b"[!a-c]x").is_match(b"ax"));
        assert!(glob(b"a\\*").is_match(b"a*") && !glob(b"a\\*").is_match(b"ab"));
        assert!(glob(b"*").is_match(b"line\nbreak"), "* crosses newlines");
        assert!(glob(b"a.b").is_match(b"a.b") && !glob(b"a.b").is_match(b"axb"), "a dot is a dot");
        assert!(glob_regex(b"[ab").unwrap_err().contains("without its ']'"));
    }

    #[test]
    fn regexes_given_as_bytes_find_paths_that_are_not_utf8() {
        let re = Regex::new(&bytes_regex(b"/x\xff/")).unwrap();
        assert!(re.is_match(b"/gpfs/x\xff/f"));
        assert!(!re.is_match("/gpfs/xÿ/f".as_bytes()), "the byte, not the character U+00FF");
    }

    #[test]
    fn ages_parse_and_serde_as_text() {
        let a: AgeCondition = "access=12w".parse().unwrap();
        assert_eq!(a, AgeCondition { time: TimeField::Access, days: 84 });
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"access=84d\"");
        assert!("access".parse::<AgeCondition>().unwrap_err().contains("TIME=AGE"));
        assert!("birth=1d".parse::<AgeCondition>().unwrap_err().contains("unknown time"));
        assert!("create=3x".parse::<AgeCondition>().unwrap_err().contains("unknown unit"));
        assert_eq!(parse_bytes("2G"), Ok(2 << 30));
        let s: ByteSize = serde_json::from_str("\"10K\"").unwrap();
        assert_eq!(s, ByteSize(10240));
        assert_eq!(serde_json::from_str::<ByteSize>("7").unwrap(), ByteSize(7));
        assert!(serde_json::from_str::<ByteSize>("-1").is_err());
    }

    #[test]
    fn an_age_holds_from_the_scan_dates_whole_days() {
        let acq: ScanDate = "2026-11-22".parse().unwrap();
        let f = Filter {
            older: vec!["access=90d".parse().unwrap()],
            newer: vec!["access=100d".parse().unwrap()],
            ..Filter::default()
        };
        let c = &f.compile(acq).unwrap()[0];
        let day = |d: i64| (acq.days_since_epoch() - d) * MICROS_PER_DAY;
        assert!(c.time_matches(TimeField::Access, Some(day(90))), "90 days old is older than 90d");
        assert!(c.time_matches(TimeField::Access, Some(day(90) + MICROS_PER_DAY - 1)), "late on that day too");
        assert!(!c.time_matches(TimeField::Access, Some(day(89))));
        assert!(c.time_matches(TimeField::Access, Some(day(99))));
        assert!(!c.time_matches(TimeField::Access, Some(day(100))), "newer 100d: age < 100");
        assert!(!c.time_matches(TimeField::Access, None), "a missing time never matches");
        assert!(c.time_matches(TimeField::Modify, None), "another time is not bounded");
    }

    #[test]
    fn misc_letters_and_sizes() {
        let f = Filter {
            misc_has: "F".into(),
            misc_lacks: "MV".into(),
            size_min: Some(ByteSize(10)),
            size_max: Some(ByteSize(20)),
            ..Filter::default()
        };
        let c = &f.compile("2026-01-01".parse().unwrap()).unwrap()[0];
        assert!(c.misc_matches(Some(b"FAu")));
        assert!(!c.misc_matches(Some(b"FM")));
        assert!(!c.misc_matches(None), "a missing misc has no letters");
        assert!(c.size_matches(Some(10)) && c.size_matches(Some(20)) && !c.size_matches(Some(21)));
        assert!(!c.size_matches(None));
        let bad = Filter { misc_has: "M,".into(), ..Filter::default() };
        assert_eq!(bad.check().unwrap_err().downcast_ref::<OptionError>().unwrap().option, "misc_has");
    }
}
