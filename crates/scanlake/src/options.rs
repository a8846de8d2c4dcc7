//! Errors about a value the caller gave. The library names an option by its field name in
//! backticks (`` `max_depth` ``); each interface renders that as its own spelling (`--max-depth`
//! on the command line, `max_depth=` in Python), so no library message names a CLI flag.

/// A value the caller set (or left out) that the library cannot use.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct OptionError {
    /// The option's field name, as requests and keyword arguments spell it.
    pub option: &'static str,
    /// What is wrong, with any `hint:` lines; options are mentioned as `` `name` ``.
    pub message: String,
}

impl OptionError {
    pub fn new(option: &'static str, message: impl Into<String>) -> OptionError {
        OptionError { option, message: message.into() }
    }
}

/// Replaces each `` `name` `` in `text` for which `spell` knows a spelling.
pub fn render_mentions(text: &str, spell: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('`') {
        let (before, after) = rest.split_at(start);
        out.push_str(before);
        let inner = &after[1..];
        match inner.find('`') {
            Some(end) if is_name(&inner[..end]) && spell(&inner[..end]).is_some() => {
                out.push_str(&spell(&inner[..end]).unwrap_or_default());
                rest = &inner[end + 1..];
            }
            _ => {
                out.push('`');
                rest = inner;
            }
        }
    }
    out.push_str(rest);
    out
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Serde through a type's text (`Display` and `FromStr`), as users write it: `"2026-11-01"`,
/// `"dir4"`, `"access"`.
macro_rules! serde_as_text {
    ($t:ty) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use serde_as_text;

#[cfg(test)]
mod tests {
    #[test]
    fn only_known_names_are_rendered() {
        let spell = |n: &str| (n == "max_depth").then(|| "--max-depth".to_string());
        let text = "`max_depth` 0 is too small; see `scanlake du` and `other`";
        assert_eq!(super::render_mentions(text, spell), "--max-depth 0 is too small; see `scanlake du` and `other`");
        assert_eq!(super::render_mentions("a ` b", spell), "a ` b");
    }
}
