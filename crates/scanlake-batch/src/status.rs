//! Where a run stands: the scheduler's news folded into the store, then counted.

use crate::run::Run;
use crate::scheduler::Scheduler;
use crate::store::{self, Attempt, Update};
use anyhow::Result;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Asks the scheduler about every attempt still waiting or working and records the answers.
/// An attempt the scheduler no longer knows, whose task never recorded its end, is `LOST`.
pub fn refresh(run: &Run, scheduler: &dyn Scheduler) -> Result<()> {
    let open: Vec<Attempt> =
        run.store.attempts()?.into_iter().filter(|a| a.job_id != "local" && store::is_active(&a.state)).collect();
    if open.is_empty() {
        return Ok(());
    }
    let arrays: BTreeSet<String> = open.iter().filter_map(|a| a.job_id.split('_').next().map(str::to_string)).collect();
    let raw: Vec<String> = open.iter().filter_map(|a| a.raw_job.clone()).collect();
    let records = scheduler.query(&arrays.into_iter().collect::<Vec<_>>(), &raw)?;
    for a in &open {
        let found = records
            .iter()
            .find(|r| !r.array_job.is_empty() && r.job_id() == a.job_id)
            .or_else(|| records.iter().find(|r| r.raw_job.is_some() && r.raw_job == a.raw_job));
        // The task may have recorded its own end meanwhile: never overwrite that.
        let current = run.store.attempt_of_job(&a.stage, a.task, &a.job_id)?;
        if current.is_some_and(|c| !store::is_active(&c.state)) {
            continue;
        }
        let update = match found {
            Some(r) => Update {
                state: r.state.clone(),
                exit_code: r.exit_code,
                signal: r.signal,
                reason: r.reason.clone(),
                host: r.node.clone(),
                started: r.started,
                ended: r.ended,
                raw_job: r.raw_job.clone(),
            },
            None => Update {
                state: store::LOST.into(),
                reason: Some("the scheduler no longer knows this job and the task recorded no end".into()),
                ..Update::default()
            },
        };
        run.store.update(a.id, &update)?;
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunStatus {
    /// Tasks are waiting or working.
    Running,
    Succeeded,
    /// Some task ended badly and nothing is left to run; `resume` goes on.
    Failed,
    /// `scanlake cancel` stopped it.
    Cancelled,
    /// Nothing submitted (a dry run).
    NotSubmitted,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
            RunStatus::NotSubmitted => "not-submitted",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StageSummary {
    pub name: String,
    pub tasks: u32,
    /// Tasks per state.
    pub states: BTreeMap<String, u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub run: String,
    pub dir: String,
    pub executor: String,
    pub status: RunStatus,
    pub tasks: u32,
    pub completed: u32,
    pub percent_done: f64,
    pub stages: Vec<StageSummary>,
    /// The newest attempt of every task.
    pub task_list: Vec<Attempt>,
    pub outputs: Vec<String>,
}

impl Summary {
    /// Tasks that ended badly (their newest attempt).
    pub fn failed(&self) -> impl Iterator<Item = &Attempt> {
        self.task_list.iter().filter(|a| is_failure(&a.state))
    }
}

/// Ended, and not well.
pub fn is_failure(state: &str) -> bool {
    !store::is_active(state) && state != store::TERMINAL_OK && state != store::NOT_SUBMITTED
}

pub fn summarize(run: &Run) -> Result<Summary> {
    let tasks = run.task_states()?;
    let mut stages = Vec::new();
    for s in &run.spec.stages {
        let mut states = BTreeMap::new();
        for t in tasks.iter().filter(|t| t.stage == s.name) {
            *states.entry(t.state.clone()).or_insert(0) += 1;
        }
        stages.push(StageSummary { name: s.name.clone(), tasks: s.tasks, states });
    }
    let total = tasks.len() as u32;
    let completed = tasks.iter().filter(|t| t.state == store::TERMINAL_OK).count() as u32;
    let active = tasks.iter().any(|t| store::is_active(&t.state));
    let failed = tasks.iter().any(|t| is_failure(&t.state));
    let cancelled = !run.store.events("cancel")?.is_empty();
    let status = if completed == total {
        RunStatus::Succeeded
    } else if active {
        RunStatus::Running
    } else if cancelled {
        RunStatus::Cancelled
    } else if failed {
        RunStatus::Failed
    } else {
        RunStatus::NotSubmitted
    };
    Ok(Summary {
        run: run.spec.id.clone(),
        dir: run.dir.display().to_string(),
        executor: run.spec.executor.to_string(),
        status,
        tasks: total,
        completed,
        percent_done: if total == 0 { 100.0 } else { 100.0 * completed as f64 / total as f64 },
        stages,
        task_list: tasks,
        outputs: run.spec.outputs.iter().map(|p| p.display().to_string()).collect(),
    })
}
