//! The boundary around the batch system: submit, look up and cancel jobs. [`crate::slurm::Slurm`]
//! runs the real commands; unit tests use a scheduler that keeps jobs in memory.

use anyhow::Result;
use std::path::Path;

/// One array job to submit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission<'a> {
    pub script: &'a Path,
    /// The job's working directory: the run directory, so relative log paths land there.
    pub workdir: &'a Path,
    /// The array indices, e.g. `1-8%4` or `3,5`.
    pub array: String,
    /// Jobs that must all succeed first; if one fails the job is cancelled, never left pending.
    pub after_ok: Vec<String>,
    /// Jobs that must all have ended, however they ended.
    pub after_any: Vec<String>,
}

/// What the scheduler knows about one array task.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobRecord {
    pub array_job: String,
    pub task: u32,
    /// The task's own job id (array tasks have one of their own once they start).
    pub raw_job: Option<String>,
    /// Slurm's state, e.g. `PENDING`, `COMPLETED`, `OUT_OF_MEMORY` (without `by UID` suffixes).
    pub state: String,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub reason: Option<String>,
    pub node: Option<String>,
    pub started: Option<i64>,
    pub ended: Option<i64>,
}

impl JobRecord {
    /// `ARRAYJOB_TASK`, the id the store keeps.
    pub fn job_id(&self) -> String {
        format!("{}_{}", self.array_job, self.task)
    }
}

pub trait Scheduler {
    /// Submits and returns the array job's id.
    fn submit(&self, submission: &Submission) -> Result<String>;

    /// What is known about the tasks of these array jobs. Jobs the scheduler has forgotten are
    /// left out; `raw_jobs` (task job ids seen earlier) let it look them up in its history.
    fn query(&self, array_jobs: &[String], raw_jobs: &[String]) -> Result<Vec<JobRecord>>;

    /// Cancels these array jobs (every task not yet ended).
    fn cancel(&self, array_jobs: &[String]) -> Result<()>;
}
