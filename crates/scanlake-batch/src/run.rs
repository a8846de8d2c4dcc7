//! A run directory: its spec, its store, and the bookkeeping a task does around its work.

use crate::spec::{FORMAT_VERSION, RunSpec};
use crate::store::{Attempt, NewAttempt, Store, Update};
use crate::usage::Meter;
use anyhow::{Context, Result, bail};
use std::fs;
use std::path::{Path, PathBuf};

pub struct Run {
    pub dir: PathBuf,
    pub spec: RunSpec,
    pub store: Store,
}

const SPEC: &str = "run.json";
const STATE: &str = "state.db";

/// A short id that sorts by time: `YYYYMMDD-HHMMSS-PID`.
pub fn new_id() -> String {
    let now = jiff::Zoned::now();
    format!("{}-{:x}", now.strftime("%Y%m%d-%H%M%S"), std::process::id())
}

impl Run {
    /// Makes a new run directory (which must not hold a run already).
    pub fn create(dir: &Path, spec: RunSpec) -> Result<Run> {
        spec.validate()?;
        if dir.join(SPEC).exists() {
            bail!(
                "{} already holds a run\nhint: resume it with `scanlake resume {}`, or choose another `run_dir`",
                dir.display(),
                dir.display()
            );
        }
        for sub in ["scripts", "logs", "work"] {
            fs::create_dir_all(dir.join(sub)).with_context(|| format!("cannot create {}", dir.join(sub).display()))?;
        }
        let dir = fs::canonicalize(dir)?;
        let store = Store::open(&dir.join(STATE))?;
        for (i, s) in spec.stages.iter().enumerate() {
            store.add_stage(&s.name, i, s.tasks)?;
        }
        // Written last: a directory with run.json is a complete run.
        scanlake::dataset::write_atomically(&dir.join(SPEC), &serde_json::to_vec_pretty(&spec)?)?;
        Ok(Run { dir, spec, store })
    }

    pub fn open(dir: &Path) -> Result<Run> {
        let spec_path = dir.join(SPEC);
        let text = match fs::read(&spec_path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                bail!("{} is not a scanlake run directory (no {SPEC})", dir.display())
            }
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", spec_path.display())),
        };
        let spec = parse_spec(&text).with_context(|| format!("cannot read the run spec {}", spec_path.display()))?;
        let dir = fs::canonicalize(dir)?;
        let store = Store::open(&dir.join(STATE))?;
        Ok(Run { dir, spec, store })
    }

    pub fn script_path(&self, stage: &str) -> PathBuf {
        self.dir.join("scripts").join(format!("{stage}.sh"))
    }

    /// Where tasks leave what later stages read.
    pub fn work_dir(&self) -> PathBuf {
        self.dir.join("work")
    }

    /// Marks the start of a task in this process: the attempt Slurm made it for (from the job's
    /// environment), or a new `local` attempt (a local run, or a rerun by hand); and starts
    /// measuring what it uses.
    pub fn begin_task(&mut self, stage: &str, task: u32) -> Result<Started> {
        let Some(s) = self.spec.stage(stage) else {
            bail!(
                "run {} has no stage '{stage}' (it has {})",
                self.spec.id,
                self.spec.stages.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
            );
        };
        if task == 0 || task > s.tasks {
            bail!("stage '{stage}' has tasks 1 to {}, not {task}", s.tasks);
        }
        let host = hostname();
        let now = crate::time::now();
        let slurm_id = match (std::env::var("SLURM_ARRAY_JOB_ID"), std::env::var("SLURM_ARRAY_TASK_ID")) {
            (Ok(a), Ok(t)) => Some(format!("{a}_{t}")),
            _ => None,
        };
        if let Some(job_id) = &slurm_id
            && let Some(a) = self.store.attempt_of_job(stage, task, job_id)?
        {
            self.store.update(
                a.id,
                &Update {
                    state: "RUNNING".into(),
                    host: Some(host),
                    started: Some(now),
                    raw_job: std::env::var("SLURM_JOB_ID").ok(),
                    ..Update::default()
                },
            )?;
            return Ok(Started { attempt: a.id, meter: Meter::start() });
        }
        let ids = self.store.add_attempts(&[NewAttempt {
            stage,
            task,
            job_id: "local",
            state: "RUNNING",
            submitted: None,
            started: Some(now),
            host: Some(&host),
            stdout: None,
            stderr: None,
        }])?;
        Ok(Started { attempt: ids[0], meter: Meter::start() })
    }

    /// Records how a task ended, as the task itself saw it, and what it used.
    pub fn end_task(&self, started: Started, result: &Result<()>) -> Result<()> {
        let Started { attempt, meter } = started;
        self.store.record_usage(attempt, &meter.read())?;
        let update = match result {
            Ok(()) => Update { state: "COMPLETED".into(), exit_code: Some(0), ..Update::default() },
            Err(e) => Update {
                state: "FAILED".into(),
                exit_code: Some(1),
                reason: Some(format!("{e:#}").lines().next().unwrap_or("failed").to_string()),
                ..Update::default()
            },
        };
        self.store.update(attempt, &Update { ended: Some(crate::time::now()), ..update })
    }

    /// The newest attempt of every task, with a `NOT_SUBMITTED` placeholder for tasks without one.
    pub fn task_states(&self) -> Result<Vec<Attempt>> {
        let latest = self.store.latest()?;
        let mut out = Vec::new();
        for s in &self.spec.stages {
            for t in 1..=s.tasks {
                out.push(latest.iter().find(|a| a.stage == s.name && a.task == t).cloned().unwrap_or_else(|| {
                    Attempt {
                        id: 0,
                        stage: s.name.clone(),
                        task: t,
                        job_id: String::new(),
                        state: crate::store::NOT_SUBMITTED.into(),
                        exit_code: None,
                        signal: None,
                        reason: None,
                        host: None,
                        submitted: None,
                        started: None,
                        ended: None,
                        stdout: None,
                        stderr: None,
                        raw_job: None,
                    }
                }));
            }
        }
        Ok(out)
    }
}

/// A task under way in this process: its attempt, and the meter measuring it.
pub struct Started {
    pub attempt: i64,
    meter: Meter,
}

pub fn hostname() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into())
}

/// A spec of this crate's [`FORMAT_VERSION`]; any other version is an error that says which.
fn parse_spec(text: &[u8]) -> Result<RunSpec> {
    #[derive(serde::Deserialize)]
    struct Versioned {
        format_version: Option<u32>,
    }
    let found = serde_json::from_slice::<Versioned>(text)?.format_version.unwrap_or(1);
    if found != FORMAT_VERSION {
        let newer = if found > FORMAT_VERSION { "a newer" } else { "an older" };
        bail!(
            "this run was made by {newer} scanlake (run format {found}); this scanlake reads run format {FORMAT_VERSION}\nhint: check, resume or analyze it with the scanlake that made it (its program is named in run.json), or start a new run"
        );
    }
    Ok(serde_json::from_slice(text)?)
}
