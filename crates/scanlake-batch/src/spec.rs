//! `run.json`: what a run does, written once when the run is made and never changed after.

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExecutorKind {
    /// Every task in this process, in stage order.
    Local,
    /// Every stage an sbatch array job, each waiting (`afterok`) for the stages it needs.
    Slurm,
}

impl std::fmt::Display for ExecutorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ExecutorKind::Local => "local",
            ExecutorKind::Slurm => "slurm",
        })
    }
}

/// The shape of `run.json` this crate writes and reads. Bump it with any change to [`RunSpec`]
/// or [`Stage`]; runs of another version are refused when opened, never misread.
pub const FORMAT_VERSION: u32 = 2;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RunSpec {
    /// [`FORMAT_VERSION`] of the program that made the run.
    pub format_version: u32,
    pub id: String,
    /// Seconds since the epoch.
    pub created: i64,
    pub executor: ExecutorKind,
    /// What made the run, for people (a command line, a Python call); never parsed.
    pub description: String,
    /// The program every task runs (`PROGRAM batch task RUN STAGE INDEX`).
    pub program: PathBuf,
    /// In order: a stage only waits for stages before it.
    pub stages: Vec<Stage>,
    #[serde(default)]
    pub slurm: SlurmSettings,
    /// A shell command run when the run ends (see [`crate::notify`]).
    pub notify: Option<String>,
    /// What the run produces (datasets, reports), for `status` and notifications.
    #[serde(default)]
    pub outputs: Vec<PathBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// A lowercase word; names scripts, logs and job names.
    pub name: String,
    /// Tasks are numbered 1..=tasks (Slurm array indices).
    pub tasks: u32,
    /// Stages whose every task must have succeeded first.
    #[serde(default)]
    pub after: Vec<String>,
    /// CPUs per task, when not the run's (`publish` and `merge` need one).
    #[serde(default)]
    pub cpus_per_task: Option<u32>,
    /// What each task does, read by the program's task runner.
    pub work: serde_json::Value,
}

/// Resources and options for every job of a run: flags, else the `[slurm]` table of the
/// configuration file.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SlurmSettings {
    pub partition: Option<String>,
    pub account: Option<String>,
    pub qos: Option<String>,
    /// sbatch's `--time`, e.g. `02:00:00` or `1-00:00:00`.
    pub time: Option<String>,
    pub cpus_per_task: Option<u32>,
    /// `--mem`, e.g. `16G`.
    pub memory: Option<String>,
    /// At most this many tasks of an array at once (`--array=…%N`).
    pub array_limit: Option<u32>,
    pub mail_user: Option<String>,
    pub mail_type: Option<String>,
    /// More sbatch options, each one word such as `--constraint=bigmem`.
    #[serde(default)]
    pub extra: Vec<String>,
}

impl SlurmSettings {
    /// `other`'s values where it has them, else these.
    pub fn overridden_by(&self, other: &SlurmSettings) -> SlurmSettings {
        let pick = |a: &Option<String>, b: &Option<String>| b.clone().or_else(|| a.clone());
        SlurmSettings {
            partition: pick(&self.partition, &other.partition),
            account: pick(&self.account, &other.account),
            qos: pick(&self.qos, &other.qos),
            time: pick(&self.time, &other.time),
            cpus_per_task: other.cpus_per_task.or(self.cpus_per_task),
            memory: pick(&self.memory, &other.memory),
            array_limit: other.array_limit.or(self.array_limit),
            mail_user: pick(&self.mail_user, &other.mail_user),
            mail_type: pick(&self.mail_type, &other.mail_type),
            extra: if other.extra.is_empty() { self.extra.clone() } else { other.extra.clone() },
        }
    }

    /// Every value becomes part of an `#SBATCH` line: refuse anything that could end the line or
    /// be read as a second option.
    pub fn validate(&self) -> Result<()> {
        let named = [
            ("partition", &self.partition),
            ("account", &self.account),
            ("qos", &self.qos),
            ("time", &self.time),
            ("memory", &self.memory),
            ("mail-user", &self.mail_user),
            ("mail-type", &self.mail_type),
        ];
        for (name, value) in named {
            if let Some(v) = value {
                check_word(name, v)?;
            }
        }
        for e in &self.extra {
            check_word("an extra sbatch option", e)?;
            if !e.starts_with('-') {
                bail!("extra sbatch option '{e}' does not start with '-'\nhint: give options as `--name=value`");
            }
            for owned in ["--array", "--dependency", "--output", "--error", "--job-name", "--parsable"] {
                if e == owned || e.starts_with(&format!("{owned}=")) {
                    bail!("extra sbatch option '{e}' is set by scanlake itself and cannot be given");
                }
            }
        }
        if self.cpus_per_task == Some(0) || self.array_limit == Some(0) {
            bail!("`cpus_per_task` and `array_limit` must be at least 1");
        }
        Ok(())
    }
}

fn check_word(what: &str, v: &str) -> Result<()> {
    if v.is_empty() || v.chars().any(|c| c.is_whitespace() || c.is_control() || c == '\'' || c == '"' || c == '\\') {
        bail!(
            "{what} {v:?} cannot go into an sbatch script: it is empty or holds a space, a quote, a backslash or a control character"
        );
    }
    Ok(())
}

impl RunSpec {
    pub fn stage(&self, name: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.name == name)
    }

    /// Names are words, tasks at least one, and every stage waits only for stages before it.
    pub fn validate(&self) -> Result<()> {
        for (i, s) in self.stages.iter().enumerate() {
            if s.name.is_empty() || !s.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') {
                bail!("stage name '{}' must be lowercase letters", s.name);
            }
            if s.tasks == 0 {
                bail!("stage '{}' has no tasks", s.name);
            }
            for a in &s.after {
                if !self.stages[..i].iter().any(|p| &p.name == a) {
                    bail!("stage '{}' waits for '{a}', which is not an earlier stage", s.name);
                }
            }
        }
        self.slurm.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_refuse_values_that_would_break_a_directive() {
        for bad in ["a b", "x\n#SBATCH --wrap=rm", "", "it's", "a\\b"] {
            let s = SlurmSettings { partition: Some(bad.into()), ..SlurmSettings::default() };
            assert!(s.validate().is_err(), "{bad:?} accepted");
        }
        let s = SlurmSettings { extra: vec!["--dependency=afterok:1".into()], ..SlurmSettings::default() };
        assert!(s.validate().unwrap_err().to_string().contains("set by scanlake"));
        let s = SlurmSettings { extra: vec!["--constraint=bigmem".into()], ..SlurmSettings::default() };
        s.validate().unwrap();
    }

    #[test]
    fn flags_override_the_configuration() {
        let config =
            SlurmSettings { partition: Some("batch".into()), time: Some("1:00:00".into()), ..Default::default() };
        let flags = SlurmSettings { time: Some("2:00:00".into()), ..Default::default() };
        let s = config.overridden_by(&flags);
        assert_eq!(s.partition.as_deref(), Some("batch"));
        assert_eq!(s.time.as_deref(), Some("2:00:00"));
    }
}
