//! `stats`: what a run cost, per stage and in all, from the attempts in its state store, what
//! each task measured of itself ([`crate::usage`]) and, for Slurm runs, Slurm's accounting
//! ([`crate::accounting`]: queue wait, allocation, requested memory). Every figure is defined in
//! docs/batch.md.

use crate::accounting::{AccountedJob, Accounting};
use crate::run::Run;
use crate::spec::ExecutorKind;
use crate::store::{Attempt, TERMINAL_OK};
use crate::usage::Usage;
use anyhow::Result;
use serde::Serialize;
use std::collections::BTreeMap;

/// One stage's figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StageStats {
    pub stage: String,
    pub tasks: u32,
    /// Tasks whose latest attempt completed.
    pub completed: u32,
    pub attempts: u32,
    /// Attempts beyond each task's first.
    pub retries: u32,
    /// Attempts that ended otherwise than completed (failed, cancelled, timed out, lost, …).
    pub failed_attempts: u32,
    /// Attempts that recorded what they used.
    pub measured: u32,
    /// Attempts Slurm's accounting knows.
    pub accounted: u32,
    /// Wall time of the completed attempts that measured it (seconds).
    pub wall_min_s: Option<f64>,
    pub wall_median_s: Option<f64>,
    pub wall_max_s: Option<f64>,
    /// First start to last end of the stage's attempts (seconds).
    pub span_s: Option<f64>,
    /// Median of submission → start (Slurm's queue): accounting's times where it knows the job,
    /// else the times the run recorded.
    pub queue_wait_median_s: Option<f64>,
    /// User and system CPU of every measured attempt, children included (seconds).
    pub cpu_s: f64,
    /// CPU time ÷ (wall time × threads allowed), over the measured attempts.
    pub cpu_efficiency: Option<f64>,
    /// The most threads a measured attempt was allowed.
    pub threads: Option<i64>,
    /// The largest peak resident memory of an attempt.
    pub peak_rss_bytes: Option<i64>,
    /// The memory a task had from Slurm: accounting's ReqMem, else the run's `--mem`.
    pub memory_requested_bytes: Option<i64>,
    /// Bytes read and written through system calls, over the measured attempts.
    pub read_bytes: i64,
    pub written_bytes: i64,
}

/// A run's figures: one row per stage, and the run's totals.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RunStats {
    pub run: String,
    pub executor: String,
    /// First start to last end over every attempt (seconds).
    pub wall_s: Option<f64>,
    /// The chain of stages (each waiting for the one before) whose longest tasks add up to the
    /// most: the least wall time the run could take with every task of a stage at once.
    pub critical_path: Vec<String>,
    pub critical_path_s: f64,
    /// CPU time of every measured attempt.
    pub core_hours_used: f64,
    /// Elapsed × CPUs allocated, from accounting where it knows the job, else the attempt's own
    /// wall time × threads allowed.
    pub core_hours_allocated: f64,
    /// Where the figures come from.
    pub source: String,
    /// Slurm's accounting: `on`, `off: WHY` or `not used` (local runs).
    pub accounting: String,
    pub stages: Vec<StageStats>,
    /// What the figures suggest ([`crate::advice`]), options named `like_this`.
    pub advice: Vec<String>,
}

fn seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 })
}

/// sbatch's `--mem` (a number with an optional K, M, G or T; megabytes without one) in bytes.
pub fn memory_bytes(text: &str) -> Option<i64> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (&text[..i], text[i..].trim_end_matches(['B', 'b'])),
        None => (text, "M"),
    };
    let shift = match unit.to_ascii_uppercase().as_str() {
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => return None,
    };
    number.parse::<i64>().ok()?.checked_mul(1 << shift)
}

/// The figures of `run` from its store.
pub fn stats(run: &Run) -> Result<RunStats> {
    let attempts = run.store.attempts()?;
    let usages = run.store.usages()?;
    let accounting = match run.spec.executor {
        ExecutorKind::Slurm => {
            let mut ids: Vec<String> = attempts
                .iter()
                .filter(|a| a.job_id != "local" && !a.job_id.is_empty())
                .map(|a| a.job_id.clone())
                .collect();
            ids.sort();
            ids.dedup();
            Some(crate::accounting::query(&ids))
        }
        ExecutorKind::Local => None,
    };
    Ok(compute(run, &attempts, &usages, accounting.as_ref()))
}

/// The figures from the run's own records alone, asking Slurm nothing (for lists of many runs).
pub fn recorded(run: &Run) -> Result<RunStats> {
    Ok(compute(run, &run.store.attempts()?, &run.store.usages()?, None))
}

fn compute(
    run: &Run,
    attempts: &[Attempt],
    usages: &BTreeMap<i64, Usage>,
    accounting: Option<&Accounting>,
) -> RunStats {
    let jobs: BTreeMap<&str, &AccountedJob> = match accounting {
        Some(Accounting::Jobs(jobs)) => jobs.iter().map(|j| (j.job_id.as_str(), j)).collect(),
        _ => BTreeMap::new(),
    };
    let accounted = |a: &Attempt| jobs.get(a.job_id.as_str()).copied();
    let requested = match run.spec.executor {
        ExecutorKind::Slurm => run.spec.slurm.memory.as_deref().and_then(memory_bytes),
        ExecutorKind::Local => None,
    };
    let mut stages = Vec::new();
    let (mut cpu_ms, mut allocated_ms) = (0i64, 0i64);
    let mut longest: BTreeMap<&str, f64> = BTreeMap::new();
    for stage in &run.spec.stages {
        let mine: Vec<&Attempt> = attempts.iter().filter(|a| a.stage == stage.name).collect();
        let mut per_task: BTreeMap<u32, Vec<&Attempt>> = BTreeMap::new();
        for a in &mine {
            per_task.entry(a.task).or_default().push(a);
        }
        let measured: Vec<(&Attempt, &Usage)> = mine.iter().filter_map(|a| Some((*a, usages.get(&a.id)?))).collect();
        let walls: Vec<f64> =
            measured.iter().filter(|(a, _)| a.state == TERMINAL_OK).map(|(_, u)| seconds(u.wall_ms)).collect();
        let stage_cpu: i64 = measured.iter().map(|(_, u)| u.cpu_ms()).sum();
        let stage_allocated: i64 = measured.iter().map(|(_, u)| u.wall_ms * u.threads.max(1)).sum();
        cpu_ms += stage_cpu;
        allocated_ms += mine
            .iter()
            .map(|a| match (accounted(a).and_then(|j| Some(j.elapsed_s? * j.alloc_cpus?)), usages.get(&a.id)) {
                (Some(core_seconds), _) => core_seconds * 1000,
                (None, Some(u)) => u.wall_ms * u.threads.max(1),
                (None, None) => 0,
            })
            .sum::<i64>();
        longest.insert(&stage.name, walls.iter().copied().fold(0.0, f64::max));
        let waits: Vec<f64> = mine
            .iter()
            .filter_map(|a| match accounted(a) {
                Some(j) => j.queue_wait_s(),
                None => Some(a.started? - a.submitted?).filter(|w| *w >= 0),
            })
            .map(|w| w as f64)
            .collect();
        let requested_by_slurm = mine.iter().filter_map(|a| accounted(a)?.requested_memory_bytes).max();
        stages.push(StageStats {
            stage: stage.name.clone(),
            tasks: stage.tasks,
            completed: per_task.values().filter(|v| v.last().is_some_and(|a| a.state == TERMINAL_OK)).count() as u32,
            attempts: mine.len() as u32,
            retries: per_task.values().map(|v| v.len() as u32 - 1).sum(),
            failed_attempts: mine.iter().filter(|a| is_over(&a.state)).count() as u32,
            measured: measured.len() as u32,
            accounted: mine.iter().filter(|a| accounted(a).is_some()).count() as u32,
            wall_min_s: walls.iter().copied().reduce(f64::min),
            wall_median_s: median(walls.clone()),
            wall_max_s: walls.iter().copied().reduce(f64::max),
            span_s: span(&mine, usages),
            queue_wait_median_s: median(waits),
            cpu_s: seconds(stage_cpu),
            cpu_efficiency: (stage_allocated > 0).then(|| stage_cpu as f64 / stage_allocated as f64),
            threads: measured.iter().map(|(_, u)| u.threads).max(),
            peak_rss_bytes: measured.iter().filter_map(|(_, u)| u.peak_rss_kib).max().map(|k| k * 1024),
            memory_requested_bytes: requested_by_slurm.filter(|m| *m > 0).or(requested),
            read_bytes: measured.iter().filter_map(|(_, u)| u.read_bytes).sum(),
            written_bytes: measured.iter().filter_map(|(_, u)| u.written_bytes).sum(),
        });
    }
    let (critical_path, critical_path_s) = critical_path(run, &longest);
    let all: Vec<&Attempt> = attempts.iter().collect();
    RunStats {
        run: run.spec.id.clone(),
        executor: run.spec.executor.to_string(),
        wall_s: span(&all, usages),
        critical_path,
        critical_path_s,
        core_hours_used: cpu_ms as f64 / 3_600_000.0,
        core_hours_allocated: allocated_ms as f64 / 3_600_000.0,
        source: match accounting {
            Some(Accounting::Jobs(_)) => "each task's own measurements (/proc of its process); queue wait, allocation and requested memory from Slurm's accounting".into(),
            _ => "each task's own measurements (/proc of its process)".into(),
        },
        accounting: match accounting {
            Some(Accounting::Jobs(_)) => "on".into(),
            Some(Accounting::Off(why)) => format!("off: {why}"),
            None => "not used (a local run)".into(),
        },
        stages,
        advice: Vec::new(),
    }
}

/// First start to last end of `attempts` (seconds): to the millisecond where the tasks measured
/// themselves, else the store's whole seconds.
fn span(attempts: &[&Attempt], usages: &BTreeMap<i64, Usage>) -> Option<f64> {
    let measured = |a: &Attempt| usages.get(&a.id).and_then(|u| Some((u.started_ms?, u.started_ms? + u.wall_ms)));
    let first = attempts.iter().filter_map(|a| measured(a).map(|m| m.0).or(a.started.map(|s| s * 1000))).min()?;
    let last = attempts.iter().filter_map(|a| measured(a).map(|m| m.1).or(a.ended.map(|e| e * 1000))).max()?;
    (last >= first).then(|| (last - first) as f64 / 1000.0)
}

/// An attempt that ended otherwise than completed.
fn is_over(state: &str) -> bool {
    !crate::store::is_active(state) && state != TERMINAL_OK && state != crate::store::NOT_SUBMITTED
}

/// The heaviest chain of stages through `after`, each weighing its longest task. Stages come in
/// order (a stage waits only for stages before it), so one pass finds it.
fn critical_path(run: &Run, longest: &BTreeMap<&str, f64>) -> (Vec<String>, f64) {
    let mut best: BTreeMap<&str, (f64, Vec<String>)> = BTreeMap::new();
    for stage in &run.spec.stages {
        let before = stage
            .after
            .iter()
            .filter_map(|a| best.get(a.as_str()))
            .max_by(|x, y| x.0.total_cmp(&y.0))
            .cloned()
            .unwrap_or_default();
        let mut path = before.1;
        path.push(stage.name.clone());
        best.insert(&stage.name, (before.0 + longest.get(stage.name.as_str()).copied().unwrap_or(0.0), path));
    }
    best.into_values().max_by(|x, y| x.0.total_cmp(&y.0)).map(|(s, p)| (p, s)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_requests_read_as_sbatch_reads_them() {
        assert_eq!(memory_bytes("8G"), Some(8 << 30));
        assert_eq!(memory_bytes("512"), Some(512 << 20), "megabytes without a unit");
        assert_eq!(memory_bytes("100K"), Some(100 << 10));
        assert_eq!(memory_bytes("2TB"), Some(2 << 40));
        assert_eq!(memory_bytes("lots"), None);
    }

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(vec![]), None);
    }
}
