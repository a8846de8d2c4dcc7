//! The one place settings resolve: an explicit value (a flag, a keyword argument, a stored run)
//! wins, then the environment, then the configuration file, then what the machine has. Read once
//! per process by [`Settings::load`] and handed to every call that needs it.
//!
//! ```toml
//! # $SCANLAKE_CONFIG, else $XDG_CONFIG_HOME/scanlake/config.toml, else ~/.config/scanlake/config.toml
//! [aggregate]
//! engine = "auto"      # or streaming, datafusion, slurm
//! memory_mib = 2048
//! threads = 8
//! [convert]
//! threads = 8
//! [slurm]
//! partition = "batch"
//! time = "2:00:00"
//! [run]
//! program = "/opt/scanlake/bin/scanlake"
//! [names]              # for nodes whose name service does not know the users
//! passwd = "/etc/site/passwd"
//! group = "/etc/site/group"
//! [rules.scratch90]    # a named filter: `--rule scratch90` (see filters.rs)
//! prefix = "/gpfs/scratch"
//! older = ["access=90d", "create=90d"]
//! ```

use crate::choices::{EngineChoice, LimitOptions};
use crate::filters::RuleConfig;
use anyhow::{Context, Result, bail};
use scanlake::aggregate::engine::Limits;
use scanlake::aggregate::filter::Filter;
use scanlake::names::NameSource;
use scanlake::resources::Resources;
use scanlake_batch::SlurmSettings;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The configuration file. Unknown tables or keys are errors: a setting silently ignored is
/// worse than a refusal.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub aggregate: AggregateConfig,
    #[serde(default)]
    pub convert: ConvertConfig,
    #[serde(default)]
    pub slurm: SlurmSettings,
    #[serde(default)]
    pub run: RunConfig,
    /// Where user and group names come from, when not from the system.
    #[serde(default)]
    pub names: NameSource,
    /// Named filters (`[rules.NAME]`).
    #[serde(default)]
    pub rules: BTreeMap<String, RuleConfig>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AggregateConfig {
    pub engine: Option<String>,
    pub memory_mib: Option<u64>,
    pub threads: Option<usize>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ConvertConfig {
    pub threads: Option<usize>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    /// The `scanlake` executable that batch jobs run.
    pub program: Option<PathBuf>,
}

/// The environment variables scanlake reads, as they were when settings were loaded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environment {
    pub engine: Option<String>,
    pub threads: Option<String>,
    pub memory_mib: Option<String>,
    pub program: Option<String>,
}

impl Environment {
    pub fn read() -> Environment {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Environment {
            engine: var("SCANLAKE_ENGINE"),
            threads: var("SCANLAKE_THREADS"),
            memory_mib: var("SCANLAKE_MEMORY_MIB"),
            program: var("SCANLAKE_PROGRAM"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub config: ConfigFile,
    /// The configuration file read, if there was one.
    pub config_path: Option<PathBuf>,
    pub env: Environment,
    pub machine: Resources,
}

/// Where the configuration file is looked for (whether or not it exists).
pub fn config_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SCANLAKE_CONFIG") {
        return Some(PathBuf::from(p));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("scanlake").join("config.toml"))
}

fn number<T: std::str::FromStr>(var: &str, value: &Option<String>) -> Result<Option<T>> {
    value.as_deref().map(|v| v.parse::<T>().map_err(|_| anyhow::anyhow!("{var}={v:?} is not a number"))).transpose()
}

impl Settings {
    /// Reads the environment and the configuration file and looks at the machine, once.
    pub fn load() -> Result<Settings> {
        let path = config_path();
        let (config, config_path) = match &path {
            None => (ConfigFile::default(), None),
            Some(p) => match std::fs::read_to_string(p) {
                Ok(text) => (
                    toml::from_str(&text).with_context(|| format!("bad configuration file {}", p.display()))?,
                    Some(p.clone()),
                ),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => (ConfigFile::default(), None),
                Err(e) => return Err(e).with_context(|| format!("cannot read configuration file {}", p.display())),
            },
        };
        Ok(Settings { config, config_path, env: Environment::read(), machine: Resources::detect() })
    }

    /// Settings from given parts (for tests, and for callers that hold their own).
    pub fn from_parts(config: ConfigFile, env: Environment, machine: Resources) -> Settings {
        Settings { config, config_path: None, env, machine }
    }

    /// The engine to use and what asked for it (`None`: nobody, so automatic).
    pub fn engine(&self, explicit: Option<EngineChoice>) -> Result<(EngineChoice, Option<&'static str>)> {
        if let Some(e) = explicit {
            return Ok((e, Some("`engine`")));
        }
        if let Some(e) = &self.env.engine {
            return Ok((EngineChoice::parse_from(e, "SCANLAKE_ENGINE")?, Some("SCANLAKE_ENGINE")));
        }
        if let Some(e) = &self.config.aggregate.engine {
            return Ok((EngineChoice::parse_from(e, "the configuration file")?, Some("the configuration file")));
        }
        Ok((EngineChoice::Auto, None))
    }

    /// What a report's engine may use.
    pub fn limits(&self, explicit: &LimitOptions) -> Result<Limits> {
        let memory_mib = match explicit.memory_mib {
            Some(m) => m,
            None => number("SCANLAKE_MEMORY_MIB", &self.env.memory_mib)?
                .or(self.config.aggregate.memory_mib)
                .unwrap_or_else(|| ((self.machine.memory_bytes / 2) >> 20).clamp(256, 8192)),
        };
        if memory_mib < 64 {
            return Err(scanlake::options::OptionError::new(
                "memory_mib",
                format!("`memory_mib` {memory_mib} is too small (at least 64)"),
            )
            .into());
        }
        let threads = match explicit.threads {
            Some(t) => t,
            None => number("SCANLAKE_THREADS", &self.env.threads)?
                .or(self.config.aggregate.threads)
                .unwrap_or(self.machine.cpus),
        };
        Ok(Limits { threads: threads.max(1), memory_bytes: memory_mib << 20, spill_dir: explicit.spill_dir.clone() })
    }

    /// Worker threads of a conversion.
    pub fn convert_threads(&self, explicit: Option<usize>) -> Result<usize> {
        Ok(match explicit {
            Some(t) => t,
            None => number("SCANLAKE_THREADS", &self.env.threads)?
                .or(self.config.convert.threads)
                .unwrap_or(self.machine.cpus),
        })
    }

    /// Slurm resources: each explicit value over the configuration file's `[slurm]`.
    pub fn slurm(&self, explicit: &SlurmSettings) -> SlurmSettings {
        self.config.slurm.overridden_by(explicit)
    }

    /// The `scanlake` executable batch jobs run: given, else `$SCANLAKE_PROGRAM`, else the
    /// configuration file's `[run] program`, else `own` (the calling program, when it is the
    /// scanlake executable: the CLI), else this program when it is named `scanlake`, else a
    /// `scanlake` beside it (a Python environment's `bin/`), else `scanlake` on `PATH`.
    pub fn program(&self, explicit: Option<&Path>, own: Option<&Path>) -> Result<PathBuf> {
        let given = explicit
            .map(Path::to_path_buf)
            .or_else(|| self.env.program.as_ref().map(PathBuf::from))
            .or_else(|| self.config.run.program.clone())
            .or_else(|| own.map(Path::to_path_buf));
        if let Some(p) = given {
            if !p.is_file() {
                bail!(
                    "the scanlake program {} does not exist\nhint: give the path of a `scanlake` executable",
                    p.display()
                );
            }
            return Ok(std::fs::canonicalize(&p).unwrap_or(p));
        }
        let current = std::env::current_exe().ok();
        let mut candidates: Vec<PathBuf> = Vec::new();
        if let Some(exe) = &current {
            if exe.file_name().is_some_and(|n| n == "scanlake") {
                candidates.push(exe.clone());
            }
            if let Some(dir) = exe.parent() {
                candidates.push(dir.join("scanlake"));
            }
        }
        if let Some(path) = std::env::var_os("PATH") {
            candidates.extend(std::env::split_paths(&path).map(|d| d.join("scanlake")));
        }
        candidates.into_iter().find(|c| c.is_file()).context(
            "cannot find the scanlake program that batch jobs run\nhint: install scanlake on PATH, set SCANLAKE_PROGRAM, or give the program explicitly",
        )
    }

    /// Where names come from: each file given explicitly, else the configuration file's
    /// `[names]`, else the system's name service.
    pub fn name_source(&self, explicit: &NameSource) -> NameSource {
        NameSource {
            passwd: explicit.passwd.clone().or_else(|| self.config.names.passwd.clone()),
            group: explicit.group.clone().or_else(|| self.config.names.group.clone()),
        }
    }

    /// `filter` as engines run it: the configuration file's rules expanded, names resolved
    /// (see [`crate::filters::resolve`]).
    pub fn resolve_filter(&self, filter: &Filter, names: &NameSource) -> Result<Filter> {
        crate::filters::resolve(filter, &self.config.rules, &self.name_source(names))
    }

    /// Rules for `analyze` beside the configuration file (`analyze.toml`), if there are any.
    pub fn analyze_rules(&self) -> Option<PathBuf> {
        let dir = config_path()?.parent()?.to_path_buf();
        Some(dir.join("analyze.toml")).filter(|p| p.exists())
    }

    /// Rules for `stats`'s advice beside the configuration file (`advice.toml`), if there are any.
    pub fn advice_rules(&self) -> Option<PathBuf> {
        let dir = config_path()?.parent()?.to_path_buf();
        Some(dir.join("advice.toml")).filter(|p| p.exists())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn machine() -> Resources {
        Resources { cpus: 6, cpus_from: "test".into(), memory_bytes: 8 << 30, memory_from: "test".into(), gpu: None }
    }

    #[test]
    fn explicit_beats_environment_beats_file_beats_machine() {
        let config = ConfigFile {
            aggregate: AggregateConfig { engine: Some("datafusion".into()), memory_mib: Some(512), threads: Some(3) },
            ..ConfigFile::default()
        };
        let file_only = Settings::from_parts(config.clone(), Environment::default(), machine());
        assert_eq!(file_only.engine(None).unwrap(), (EngineChoice::Datafusion, Some("the configuration file")));
        let l = file_only.limits(&LimitOptions::default()).unwrap();
        assert_eq!((l.threads, l.memory_bytes), (3, 512 << 20));

        let env = Environment { engine: Some("streaming".into()), threads: Some("5".into()), ..Environment::default() };
        let with_env = Settings::from_parts(config, env, machine());
        assert_eq!(with_env.engine(None).unwrap(), (EngineChoice::Streaming, Some("SCANLAKE_ENGINE")));
        assert_eq!(with_env.limits(&LimitOptions::default()).unwrap().threads, 5);
        assert_eq!(with_env.engine(Some(EngineChoice::Auto)).unwrap().0, EngineChoice::Auto);
        let explicit = LimitOptions { threads: Some(1), memory_mib: Some(100), spill_dir: None };
        assert_eq!(with_env.limits(&explicit).unwrap().threads, 1);

        let bare = Settings::from_parts(ConfigFile::default(), Environment::default(), machine());
        let l = bare.limits(&LimitOptions::default()).unwrap();
        assert_eq!((l.threads, l.memory_bytes), (6, 4096 << 20), "the machine's cores, half its memory");
        assert_eq!(bare.convert_threads(None).unwrap(), 6);
    }

    #[test]
    fn the_program_of_a_run_is_given_else_configured_else_the_caller_s_own() {
        let dir = tempfile::tempdir().unwrap();
        let exe = |name: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, "#!/bin/sh\n").unwrap();
            p
        };
        let (given, from_env, from_file, own) = (exe("given"), exe("env"), exe("file"), exe("own"));
        let config = ConfigFile { run: RunConfig { program: Some(from_file.clone()) }, ..ConfigFile::default() };
        let env = Environment { program: Some(from_env.display().to_string()), ..Environment::default() };
        let all = Settings::from_parts(config.clone(), env, machine());
        assert_eq!(all.program(Some(&given), Some(&own)).unwrap(), given);
        assert_eq!(all.program(None, Some(&own)).unwrap(), from_env);
        let file = Settings::from_parts(config, Environment::default(), machine());
        assert_eq!(file.program(None, Some(&own)).unwrap(), from_file);
        let bare = Settings::from_parts(ConfigFile::default(), Environment::default(), machine());
        assert_eq!(bare.program(None, Some(&own)).unwrap(), own);
        let missing = dir.path().join("missing");
        assert!(bare.program(Some(&missing), None).unwrap_err().to_string().contains("does not exist"));
    }

    #[test]
    fn bad_values_name_where_they_came_from() {
        let env = Environment { threads: Some("many".into()), ..Environment::default() };
        let s = Settings::from_parts(ConfigFile::default(), env, machine());
        assert!(s.limits(&LimitOptions::default()).unwrap_err().to_string().contains("SCANLAKE_THREADS"));
        let err = toml::from_str::<ConfigFile>("[aggregate]\nengines = 'x'\n").unwrap_err();
        assert!(err.to_string().contains("engines"), "{err}");
        assert!(toml::from_str::<ConfigFile>("[slurm]\npartition = 'debug'\n[run]\nprogram = '/x'\n").is_ok());
    }
}
