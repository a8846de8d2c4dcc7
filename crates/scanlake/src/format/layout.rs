//! How the SHOW text of a policy line is laid out, and how it is escaped.

use super::fields::{self, FieldType};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Column names the dataset itself uses; SHOW fields may not take them.
pub const RESERVED_COLUMNS: &[&str] = &["inode", "gen", "snapshot", "path", "path_bytes", "kind", "acq", "tld"];

/// How mmapplypolicy escaped the SHOW text and the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Escape {
    /// `ESCAPE '%…'` on the LIST rule: `%XX` sequences, decoded by scanlake.
    #[default]
    Percent,
    /// No ESCAPE clause: bytes are taken as they are.
    None,
}

/// The shape of the SHOW text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum ShowLayout {
    /// `|key=value|key=value|`, keys in any order; unknown keys become string columns.
    KeyValue,
    /// Values in a fixed order, split at `separator`. A field named `_` is read and dropped.
    Positional { fields: Vec<String>, separator: u8 },
}

/// A column that a layout produces from SHOW values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShowColumn {
    pub name: String,
    pub ty: FieldType,
}

/// A complete description of the input format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    pub show: ShowLayout,
    pub escape: Escape,
}

impl Default for Layout {
    fn default() -> Self {
        Layout { show: ShowLayout::KeyValue, escape: Escape::Percent }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    #[error("the positional layout has no fields")]
    NoFields,
    #[error("field '{0}' appears twice in the layout")]
    DuplicateField(String),
    #[error("field name '{0}' is reserved for a dataset column ({list})", list = RESERVED_COLUMNS.join(", "))]
    ReservedField(String),
    #[error("field name '{0}' must be letters, digits and '_'")]
    BadFieldName(String),
    #[error("the separator must be one byte, not {0:?}")]
    BadSeparator(String),
    #[error("cannot read layout file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("layout file {path}: {message}")]
    Parse { path: String, message: String },
}

/// The `[layout]` table of a config file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LayoutFile {
    layout: LayoutSection,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LayoutSection {
    fields: Option<Vec<String>>,
    separator: Option<String>,
    #[serde(default)]
    escape: Escape,
}

impl Layout {
    /// A positional layout; field names are resolved against the registry (so `mtime` means `modify`).
    pub fn positional(fields: &[String], separator: &str, escape: Escape) -> Result<Layout, LayoutError> {
        let separator = match separator.as_bytes() {
            [b] => *b,
            _ if separator == "\\t" => b'\t',
            _ => return Err(LayoutError::BadSeparator(separator.to_string())),
        };
        if fields.is_empty() {
            return Err(LayoutError::NoFields);
        }
        let fields: Vec<String> = fields.iter().map(|f| canonical_name(f.trim())).collect::<Result<_, _>>()?;
        let mut seen = std::collections::HashSet::new();
        for f in fields.iter().filter(|f| *f != "_") {
            if !seen.insert(f) {
                return Err(LayoutError::DuplicateField(f.clone()));
            }
        }
        Ok(Layout { show: ShowLayout::Positional { fields, separator }, escape })
    }

    /// The layout checked as [`Layout::positional`] checks one (names resolved against the
    /// registry): for layouts that arrive as values (a request), not through a constructor.
    pub fn validated(&self) -> Result<Layout, LayoutError> {
        match &self.show {
            ShowLayout::KeyValue => Ok(self.clone()),
            ShowLayout::Positional { fields, separator } => {
                let separator = (*separator as char).to_string();
                if !separator.is_ascii() {
                    return Err(LayoutError::BadSeparator(separator));
                }
                Layout::positional(fields, &separator, self.escape)
            }
        }
    }

    /// Reads a layout from a TOML file with a `[layout]` table (`fields`, `separator`, `escape`).
    /// Without `fields` the layout is key=value.
    pub fn from_file(path: &Path) -> Result<Layout, LayoutError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| LayoutError::Read { path: shown.clone(), source })?;
        let file: LayoutFile =
            toml::from_str(&text).map_err(|e| LayoutError::Parse { path: shown, message: e.to_string() })?;
        let s = file.layout;
        match s.fields {
            Some(fields) => Layout::positional(&fields, s.separator.as_deref().unwrap_or("|"), s.escape),
            None => Ok(Layout { show: ShowLayout::KeyValue, escape: s.escape }),
        }
    }

    /// The SHOW columns of the dataset, in schema order. Key=value layouts always have every known
    /// field (null where absent) so that files of one dataset share one schema.
    pub fn columns(&self) -> Vec<ShowColumn> {
        match &self.show {
            ShowLayout::KeyValue => {
                fields::FIELDS.iter().map(|f| ShowColumn { name: f.key.to_string(), ty: f.ty }).collect()
            }
            ShowLayout::Positional { fields, .. } => fields
                .iter()
                .filter(|f| *f != "_")
                .map(|f| ShowColumn { name: f.clone(), ty: fields::lookup(f).map_or(FieldType::Text, |d| d.ty) })
                .collect(),
        }
    }

    /// A one-line description, recorded in the manifest.
    pub fn describe(&self) -> String {
        let escape = match self.escape {
            Escape::Percent => "percent",
            Escape::None => "none",
        };
        match &self.show {
            ShowLayout::KeyValue => format!("key-value, escape={escape}"),
            ShowLayout::Positional { fields, separator } => {
                format!("positional {}, escape={escape}", fields.join(&char::from(*separator).to_string()))
            }
        }
    }
}

/// The column name for a SHOW key that is not in the registry: its own name, prefixed with `show_`
/// when it would clash with a dataset column (the predecessor's layout carried `|path=`). Keys that
/// already start with `show_` are prefixed too, so that no two keys share a column.
pub fn extra_column_name(key: &str) -> String {
    if RESERVED_COLUMNS.contains(&key) || fields::lookup(key).is_some() || key.starts_with("show_") {
        format!("show_{key}")
    } else {
        key.to_string()
    }
}

fn canonical_name(name: &str) -> Result<String, LayoutError> {
    if name == "_" {
        return Ok(name.to_string());
    }
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(LayoutError::BadFieldName(name.to_string()));
    }
    if let Some(def) = fields::lookup(name) {
        return Ok(def.key.to_string());
    }
    let lower = name.to_ascii_lowercase();
    if RESERVED_COLUMNS.contains(&lower.as_str()) {
        return Err(LayoutError::ReservedField(name.to_string()));
    }
    Ok(lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positional_resolves_aliases_and_types() {
        let l = Layout::positional(
            &["uid".into(), "SIZE".into(), "mtime".into(), "_".into(), "project".into()],
            ":",
            Escape::None,
        )
        .unwrap();
        let cols = l.columns();
        let names: Vec<_> = cols.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["uid", "size", "modify", "project"]);
        assert_eq!(cols[2].ty, FieldType::Time);
        assert_eq!(cols[3].ty, FieldType::Text);
    }

    #[test]
    fn positional_refuses_bad_definitions() {
        assert!(matches!(Layout::positional(&[], "|", Escape::None), Err(LayoutError::NoFields)));
        assert!(matches!(
            Layout::positional(&["size".into(), "file_size".into()], "|", Escape::None),
            Err(LayoutError::DuplicateField(_))
        ));
        assert!(matches!(Layout::positional(&["path".into()], "|", Escape::None), Err(LayoutError::ReservedField(_))));
        assert!(matches!(Layout::positional(&["size".into()], "::", Escape::None), Err(LayoutError::BadSeparator(_))));
    }

    #[test]
    fn reads_layout_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("layout.toml");
        std::fs::write(&p, "[layout]\nfields = [\"uid\", \"size\"]\nseparator = \":\"\nescape = \"none\"\n").unwrap();
        let l = Layout::from_file(&p).unwrap();
        assert_eq!(l.escape, Escape::None);
        assert_eq!(l.describe(), "positional uid:size, escape=none");
        std::fs::write(&p, "[layout]\nescape = \"percent\"\n").unwrap();
        assert_eq!(Layout::from_file(&p).unwrap(), Layout::default());
        std::fs::write(&p, "[layout]\nfeilds = []\n").unwrap();
        assert!(Layout::from_file(&p).unwrap_err().to_string().contains("feilds"));
    }

    #[test]
    fn extra_names_avoid_dataset_columns() {
        assert_eq!(extra_column_name("path"), "show_path");
        assert_eq!(extra_column_name("project"), "project");
        assert_eq!(extra_column_name("show_path"), "show_show_path");
    }
}
