//! Runs scanlake's work in this process or as Slurm batch jobs, and tracks every run.
//!
//! A *run* is a directory holding `run.json` (a DAG of stages, each an array of tasks), the
//! generated sbatch scripts, the task logs and `state.db`, a SQLite store of every task's attempts.
//! This crate knows how to submit, watch, resume, cancel and diagnose a run; what a task does is
//! opaque to it (a JSON `work` value per stage), carried out by a [`local::TaskRunner`] that the
//! program provides. See `docs/batch.md`.
//!
//! ```text
//! RUN/run.json          what to do: stages, tasks, resources, notification
//! RUN/state.db          run → stage → task → attempt (job id, state, exit code, times, host)
//! RUN/scripts/*.sh      the sbatch scripts, readable and resubmittable (`cd RUN && sbatch …`)
//! RUN/logs/             STAGE-JOB_TASK.out/.err per attempt
//! RUN/work/             what tasks hand to each other (chunks, partial results)
//! ```
//!
//! `run.json` carries a [`spec::FORMAT_VERSION`]; a run of another version is refused when opened.
//!
//! ```no_run
//! use scanlake_batch::{Run, slurm::Slurm, status};
//! let run = Run::open("lake/_scanlake/runs/20261122-101500-1a2b".as_ref())?;
//! status::refresh(&run, &Slurm)?; // ask Slurm about pending and running attempts
//! let summary = status::summarize(&run)?;
//! println!("{}: {:.0}% done", summary.status.as_str(), summary.percent_done);
//! # Ok::<(), anyhow::Error>(())
//! ```

pub mod accounting;
pub mod advice;
pub mod analyze;
pub mod local;
pub mod notify;
pub mod run;
pub mod scheduler;
pub mod script;
pub mod slurm;
pub mod spec;
pub mod stats;
pub mod status;
pub mod store;
pub mod submit;
pub mod time;
pub mod usage;

pub use run::Run;
pub use spec::{ExecutorKind, RunSpec, SlurmSettings, Stage};
