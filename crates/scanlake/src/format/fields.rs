//! The registry of SHOW fields scanlake knows by name.
//!
//! Every known field is defined once here; the parser's default layout, the Arrow schema, the policy
//! templates' test and the documentation table (`scanlake fields`) are all derived from this list.

/// How a SHOW value is typed in the dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// A non-negative count or size, stored as Int64.
    Count,
    /// A numeric user or group id, stored as UInt32.
    Id,
    /// A `YYYY-MM-DD HH:MM:SS[.ffffff]` UTC time, stored as a microsecond timestamp.
    Time,
    /// A decimal number, stored as Float64.
    Float,
    /// Anything else, stored as a UTF-8 string.
    Text,
}

impl FieldType {
    pub fn name(self) -> &'static str {
        match self {
            FieldType::Count => "int64",
            FieldType::Id => "uint32",
            FieldType::Time => "timestamp[us, UTC]",
            FieldType::Float => "float64",
            FieldType::Text => "string",
        }
    }
}

/// One SHOW field: the key in `|key=value|` layouts (also the column name), the policy attribute
/// that produces it, and other names it is known by in site layouts.
#[derive(Debug, Clone, Copy)]
pub struct FieldDef {
    pub key: &'static str,
    pub attribute: &'static str,
    pub ty: FieldType,
    pub aliases: &'static [&'static str],
    pub description: &'static str,
}

/// The known fields, in the order of the default SHOW clause (`policy/`).
pub const FIELDS: &[FieldDef] = &[
    FieldDef {
        key: "size",
        attribute: "FILE_SIZE",
        ty: FieldType::Count,
        aliases: &["file_size"],
        description: "size in bytes",
    },
    FieldDef {
        key: "kballoc",
        attribute: "KB_ALLOCATED",
        ty: FieldType::Count,
        aliases: &["kb_allocated"],
        description: "allocated KiB (0 for data stored in the inode; may exceed size)",
    },
    FieldDef {
        key: "access",
        attribute: "ACCESS_TIME",
        ty: FieldType::Time,
        aliases: &["atime", "access_time"],
        description: "last access time (UTC)",
    },
    FieldDef {
        key: "create",
        attribute: "CREATION_TIME",
        ty: FieldType::Time,
        aliases: &["crtime", "creation_time"],
        description: "creation time (UTC)",
    },
    FieldDef {
        key: "modify",
        attribute: "MODIFICATION_TIME",
        ty: FieldType::Time,
        aliases: &["mtime", "modification_time"],
        description: "last data modification time (UTC)",
    },
    FieldDef {
        key: "change",
        attribute: "CHANGE_TIME",
        ty: FieldType::Time,
        aliases: &["ctime", "change_time"],
        description: "last inode change time (UTC)",
    },
    FieldDef {
        key: "uid",
        attribute: "USER_ID",
        ty: FieldType::Id,
        aliases: &["user_id"],
        description: "numeric owner id",
    },
    FieldDef {
        key: "gid",
        attribute: "GROUP_ID",
        ty: FieldType::Id,
        aliases: &["group_id"],
        description: "numeric group id",
    },
    FieldDef {
        key: "heat",
        attribute: "FILE_HEAT",
        ty: FieldType::Float,
        aliases: &["file_heat"],
        description: "access temperature",
    },
    FieldDef {
        key: "pool",
        attribute: "POOL_NAME",
        ty: FieldType::Text,
        aliases: &["pool_name"],
        description: "storage pool",
    },
    FieldDef {
        key: "mode",
        attribute: "MODE",
        ty: FieldType::Text,
        aliases: &[],
        description: "ls-style mode string; its first character gives `kind`",
    },
    FieldDef {
        key: "misc",
        attribute: "MISC_ATTRIBUTES",
        ty: FieldType::Text,
        aliases: &["misc_attributes"],
        description: "attribute letters (`M` premigrated, `V` migrated, ...)",
    },
    FieldDef {
        key: "nlink",
        attribute: "NLINK",
        ty: FieldType::Count,
        aliases: &[],
        description: "number of hard links",
    },
    FieldDef {
        key: "fileset",
        attribute: "FILESET_NAME",
        ty: FieldType::Text,
        aliases: &["fileset_name"],
        description: "fileset",
    },
];

/// Finds a known field by key or alias (ASCII case-insensitive).
pub fn lookup(name: &str) -> Option<&'static FieldDef> {
    position(name.as_bytes()).map(|i| &FIELDS[i])
}

/// The index in [`FIELDS`] of a key or alias (ASCII case-insensitive).
pub fn position(name: &[u8]) -> Option<usize> {
    let same = |known: &str| known.as_bytes().eq_ignore_ascii_case(name);
    FIELDS.iter().position(|f| same(f.key) || f.aliases.iter().any(|a| same(a)))
}

/// The registry as a Markdown table, as printed by `scanlake fields` and kept in `docs/schema.md`.
pub fn markdown_table() -> String {
    let mut out =
        String::from("| key | policy attribute | column type | also read as | meaning |\n|---|---|---|---|---|\n");
    for f in FIELDS {
        let aliases = f.aliases.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
        out.push_str(&format!(
            "| `{}` | `{}` | {} | {} | {} |\n",
            f.key,
            f.attribute,
            f.ty.name(),
            aliases,
            f.description
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_aliases_are_unique() {
        let mut names: Vec<&str> =
            FIELDS.iter().flat_map(|f| std::iter::once(f.key).chain(f.aliases.iter().copied())).collect();
        let before = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(before, names.len());
    }

    #[test]
    fn lookup_resolves_aliases() {
        assert_eq!(lookup("mtime").unwrap().key, "modify");
        assert_eq!(lookup("SIZE").unwrap().key, "size");
        assert!(lookup("nonsense").is_none());
    }
}
