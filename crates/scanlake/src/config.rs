//! The user's configuration file: `$SCANLAKE_CONFIG`, else `$XDG_CONFIG_HOME/scanlake/config.toml`,
//! else `~/.config/scanlake/config.toml`. Flags override it; it overrides built-in defaults.
//!
//! ```toml
//! [aggregate]
//! engine = "auto"      # or streaming, datafusion
//! memory_mib = 2048    # working memory of an aggregation
//! threads = 8
//! ```

use anyhow::{Context, Result};
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct Config {
    #[serde(default)]
    pub aggregate: AggregateConfig,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AggregateConfig {
    pub engine: Option<String>,
    pub memory_mib: Option<u64>,
    pub threads: Option<usize>,
}

impl Config {
    /// Where the configuration is read from (whether or not it exists).
    pub fn path() -> Option<PathBuf> {
        if let Some(p) = std::env::var_os("SCANLAKE_CONFIG") {
            return Some(PathBuf::from(p));
        }
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
        Some(base.join("scanlake").join("config.toml"))
    }

    /// The configuration, or the defaults when there is no file. A file that exists but does not
    /// parse is an error (a silently ignored setting is worse than a refusal).
    pub fn load() -> Result<(Config, Option<PathBuf>)> {
        let Some(path) = Config::path() else { return Ok((Config::default(), None)) };
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let config =
                    toml::from_str(&text).with_context(|| format!("bad configuration file {}", path.display()))?;
                Ok((config, Some(path)))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((Config::default(), None)),
            Err(e) => Err(e).with_context(|| format!("cannot read configuration file {}", path.display())),
        }
    }
}
