//! What a caller may choose about where and how a report runs: the engine and its limits. The
//! settings resolver and the requests both use these, so they live apart from either.

use anyhow::Result;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The engine a report runs on. `Slurm` runs it as batch jobs (each task on an automatic
/// choice); `Gpu` is known but not built, and refused with a reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineChoice {
    #[default]
    Auto,
    Streaming,
    Datafusion,
    Slurm,
    Gpu,
}

impl EngineChoice {
    /// `text` as an engine; `source` says where it came from, for the error.
    pub fn parse_from(text: &str, source: &str) -> Result<EngineChoice> {
        text.parse().map_err(|_| {
            anyhow::anyhow!(
                "unknown engine '{text}' (from {source})\nhint: engines are auto, streaming, datafusion and slurm"
            )
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            EngineChoice::Auto => "auto",
            EngineChoice::Streaming => "streaming",
            EngineChoice::Datafusion => "datafusion",
            EngineChoice::Slurm => "slurm",
            EngineChoice::Gpu => "gpu",
        }
    }
}

impl std::str::FromStr for EngineChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "auto" => EngineChoice::Auto,
            "streaming" => EngineChoice::Streaming,
            "datafusion" => EngineChoice::Datafusion,
            "slurm" => EngineChoice::Slurm,
            "gpu" => EngineChoice::Gpu,
            _ => return Err(format!("unknown engine '{s}' (engines are auto, streaming, datafusion and slurm)")),
        })
    }
}

impl std::fmt::Display for EngineChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What an engine may use; each unset value is resolved by [`Settings::limits`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitOptions {
    pub threads: Option<usize>,
    pub memory_mib: Option<u64>,
    pub spill_dir: Option<PathBuf>,
}
