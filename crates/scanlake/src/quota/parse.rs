//! The machine-readable quota reports of `mmrepquota -Y` and `mmlsquota -Y`: colon-separated
//! lines whose fields a `HEADER` line names. Fields are found by name, never by position (IBM
//! adds fields between releases); each section of `mmrepquota -Y -a` repeats its header, and
//! `*** Report for …` lines stand between sections. A line that cannot be read is kept with its
//! number and the reason, never dropped in silence.

use anyhow::Result;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum QuotaType {
    User,
    Group,
    Fileset,
}

impl QuotaType {
    pub fn name(self) -> &'static str {
        match self {
            QuotaType::User => "user",
            QuotaType::Group => "group",
            QuotaType::Fileset => "fileset",
        }
    }
}

/// Blocks (bytes, from KiB) or files: usage, soft quota and hard limit (none when 0), in doubt,
/// grace (none when `none`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Limits {
    pub usage: i64,
    pub quota: Option<i64>,
    pub limit: Option<i64>,
    pub in_doubt: i64,
    pub grace: Option<String>,
}

/// One quota: whose, where, and its limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuotaEntry {
    /// Line number in the input (1-based).
    pub line: u64,
    pub filesystem: String,
    pub kind: QuotaType,
    /// The uid, gid or fileset id.
    pub id: u32,
    /// The name the report gives (user, group or fileset), if any.
    pub name: Option<String>,
    /// The fileset the quota applies to: a per-fileset user or group quota's `filesetname`, a
    /// fileset quota's own name; none for a user or group quota over the whole file system.
    pub fileset: Option<String>,
    pub blocks: Limits,
    pub files: Limits,
}

/// A line that is not a quota.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BadLine {
    pub line: u64,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct QuotaFile {
    pub entries: Vec<QuotaEntry>,
    pub bad: Vec<BadLine>,
}

const REQUIRED: [&str; 12] = [
    "filesystemName",
    "quotaType",
    "id",
    "blockUsage",
    "blockQuota",
    "blockLimit",
    "blockGrace",
    "filesUsage",
    "filesQuota",
    "filesLimit",
    "filesGrace",
    "name",
];

/// Reads a whole quota report. Fails only when it holds no header at all (not `-Y` output);
/// every other problem is a [`BadLine`].
pub fn parse(text: &[u8]) -> Result<QuotaFile> {
    let mut out = QuotaFile::default();
    // The current section's header: its command and field positions by name.
    let mut header: Option<(String, HashMap<String, usize>, usize)> = None;
    let mut headers = 0;
    for (n, raw) in text.split(|b| *b == b'\n').enumerate() {
        let line = (n + 1) as u64;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let bad = |reason: String| BadLine { line, reason };
        if raw.iter().all(u8::is_ascii_whitespace) || raw.starts_with(b"***") {
            continue;
        }
        let Ok(text) = std::str::from_utf8(raw) else {
            out.bad.push(bad("not UTF-8 text".into()));
            continue;
        };
        let fields: Vec<&str> = text.split(':').collect();
        if fields.len() < 4 {
            out.bad.push(bad(format!("not a quota line (no `-Y` fields): {}", shorten(text))));
            continue;
        }
        if fields[2] == "HEADER" {
            let names: HashMap<String, usize> =
                fields.iter().enumerate().map(|(i, f)| (f.to_string(), i)).rev().collect();
            match REQUIRED.iter().find(|r| !names.contains_key(**r)) {
                Some(missing) => {
                    out.bad.push(bad(format!("a header without the field '{missing}'; its section is not read")));
                    header = None;
                }
                None => header = Some((fields[0].to_string(), names, fields.len())),
            }
            headers += 1;
            continue;
        }
        let Some((command, names, count)) = &header else {
            out.bad.push(bad("a quota line before any HEADER line names its fields".into()));
            continue;
        };
        if fields[0] != command {
            out.bad.push(bad(format!("a '{}' line under a '{command}' header", fields[0])));
            continue;
        }
        if fields.len() != *count {
            out.bad.push(bad(format!("{} fields where its header names {count}", fields.len())));
            continue;
        }
        match entry(line, &fields, names) {
            Ok(e) => out.entries.push(e),
            Err(reason) => out.bad.push(bad(reason)),
        }
    }
    if headers == 0 {
        anyhow::bail!(
            "no HEADER line: this is not the machine-readable output of mmrepquota or mmlsquota\nhint: run `mmrepquota -Y` (or `mmlsquota -Y`); the -Y is what makes it readable"
        );
    }
    Ok(out)
}

fn shorten(text: &str) -> String {
    let mut s: String = text.chars().take(60).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}

/// `%3A` and friends, as `-Y` output escapes colons and other bytes in names.
fn unescape(value: &str) -> String {
    let b = value.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (b.get(i + 1).and_then(|c| hex(*c)), b.get(i + 2).and_then(|c| hex(*c)))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn entry(line: u64, fields: &[&str], names: &HashMap<String, usize>) -> Result<QuotaEntry, String> {
    let get = |name: &str| names.get(name).map(|&i| fields[i].trim()).unwrap_or("");
    let number = |name: &str| -> Result<i64, String> {
        let v = get(name);
        v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| format!("{name} is '{}', not a count", shorten(v)))
    };
    let kib = |name: &str| -> Result<i64, String> {
        number(name)?.checked_mul(1024).ok_or_else(|| format!("{name} is larger than any file system"))
    };
    let optional = |v: i64| (v > 0).then_some(v);
    let grace = |name: &str| {
        let g = get(name);
        (!g.is_empty() && g != "none").then(|| unescape(g))
    };
    let kind = match get("quotaType") {
        "USR" => QuotaType::User,
        "GRP" => QuotaType::Group,
        "FILESET" => QuotaType::Fileset,
        other => return Err(format!("quotaType is '{}', not USR, GRP or FILESET", shorten(other))),
    };
    let id = get("id").parse::<u32>().map_err(|_| format!("id is '{}', not a number", shorten(get("id"))))?;
    let name = Some(unescape(get("name"))).filter(|n| !n.is_empty());
    let fileset = match kind {
        QuotaType::Fileset => name.clone(),
        _ => Some(unescape(get("filesetname"))).filter(|f| !f.is_empty()),
    };
    Ok(QuotaEntry {
        line,
        filesystem: unescape(get("filesystemName")),
        kind,
        id,
        name,
        fileset,
        blocks: Limits {
            usage: kib("blockUsage")?,
            quota: optional(kib("blockQuota")?),
            limit: optional(kib("blockLimit")?),
            in_doubt: if names.contains_key("blockInDoubt") { kib("blockInDoubt")? } else { 0 },
            grace: grace("blockGrace"),
        },
        files: Limits {
            usage: number("filesUsage")?,
            quota: optional(number("filesQuota")?),
            limit: optional(number("filesLimit")?),
            in_doubt: if names.contains_key("filesInDoubt") { number("filesInDoubt")? } else { 0 },
            grace: grace("filesGrace"),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "mmrepquota::HEADER:version:reserved:reserved:filesystemName:quotaType:id:name:blockUsage:blockQuota:blockLimit:blockInDoubt:blockGrace:filesUsage:filesQuota:filesLimit:filesInDoubt:filesGrace:remarks:quota:defQuota:fid:filesetname:";

    #[test]
    fn fields_are_found_by_name_whatever_their_order() {
        // A release that added a field in the middle and moved `id` last.
        let text = "mmrepquota::HEADER:version:reserved:reserved:filesystemName:quotaType:name:newField:blockUsage:blockQuota:blockLimit:blockGrace:filesUsage:filesQuota:filesLimit:filesGrace:filesetname:id:\n\
                    mmrepquota::0:1:::fs1:USR:ann:x:10:0:2048:none:3:0:0:7 days:home:4242:\n";
        let q = parse(text.as_bytes()).unwrap();
        assert_eq!(q.bad, []);
        let e = &q.entries[0];
        assert_eq!(
            (e.kind, e.id, e.name.as_deref(), e.fileset.as_deref()),
            (QuotaType::User, 4242, Some("ann"), Some("home"))
        );
        assert_eq!((e.blocks.usage, e.blocks.quota, e.blocks.limit), (10 * 1024, None, Some(2048 * 1024)));
        assert_eq!((e.files.usage, e.files.grace.as_deref()), (3, Some("7 days")));
    }

    #[test]
    fn bad_lines_keep_their_number_and_reason() {
        let text = format!(
            "mmrepquota::0:1:::fs1:USR:1:a:1:0:0:0:none:1:0:0:0:none:i:on:off:::\n{HEADER}\n\
             mmrepquota::0:1:::fs1:USR:x:a:1:0:0:0:none:1:0:0:0:none:i:on:off:::\n\
             mmrepquota::0:1:::fs1:USR:1:a:1:0:0:0:none:1:0:0:0:none:i:on:off::\n\
             *** Report for USR quotas on fs1\n\
             mmrepquota::0:1:::fs1:ALL:1:a:1:0:0:0:none:1:0:0:0:none:i:on:off:::\n\
             mmrepquota::0:1:::fs1:GRP:7:g:-5:0:0:0:none:1:0:0:0:none:i:on:off:::\n\
             garbage\n"
        );
        let q = parse(text.as_bytes()).unwrap();
        let bad: Vec<(u64, &str)> = q.bad.iter().map(|b| (b.line, b.reason.as_str())).collect();
        assert_eq!(bad.len(), 6, "{bad:?}");
        assert!(bad[0].0 == 1 && bad[0].1.contains("before any HEADER"));
        assert!(bad[1].0 == 3 && bad[1].1.contains("id is 'x'"));
        assert!(bad[2].0 == 4 && bad[2].1.contains("fields where its header names"));
        assert!(bad[3].0 == 6 && bad[3].1.contains("not USR, GRP or FILESET"));
        assert!(bad[4].0 == 7 && bad[4].1.contains("blockUsage is '-5'"));
        assert!(bad[5].0 == 8 && bad[5].1.contains("not a quota line"));
        assert!(parse(b"Disk quotas for user ann\n").unwrap_err().to_string().contains("hint:"));
    }
}
