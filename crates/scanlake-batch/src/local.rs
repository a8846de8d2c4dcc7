//! Running a run's tasks in this process, recorded in the same store as Slurm attempts, so
//! `status`, `analyze` and `resume` work the same for both executors.

use crate::run::Run;
use crate::spec::Stage;
use crate::submit::Selection;
use anyhow::Result;
use scanlake::progress::{Progress, Unit};
use std::io::Write;

/// Does the work of one task. The program implements it; this crate never looks inside `work`.
pub trait TaskRunner {
    fn run_task(&self, run: &Run, stage: &Stage, task: u32) -> Result<()>;
}

/// Runs the selected tasks stage by stage. A stage whose prerequisite had a failed task is not
/// started (its tasks stay unsubmitted, so `resume` runs them). Returns the number of failed tasks.
pub fn run_local(
    run: &mut Run,
    runner: &dyn TaskRunner,
    selection: &Selection,
    progress: &dyn Progress,
) -> Result<usize> {
    let stages = run.spec.stages.clone();
    progress.begin("tasks", Some(selection.values().map(|t| t.len() as u64).sum()), Unit::Tasks);
    let mut failed_stages: Vec<String> = Vec::new();
    let mut failures = 0;
    for stage in &stages {
        let Some(tasks) = selection.get(&stage.name) else { continue };
        if stage.after.iter().any(|a| failed_stages.contains(a)) {
            failed_stages.push(stage.name.clone());
            continue;
        }
        for &task in tasks {
            progress.status(&format!("{} {task}/{}", stage.name, stage.tasks));
            let started = run.begin_task(&stage.name, task)?;
            let attempt = started.attempt;
            let result = runner.run_task(run, stage, task);
            if let Err(e) = &result {
                // Like a job's stderr, so `analyze` can show and classify it.
                let rel = crate::script::log_path(&stage.name, &format!("local-{attempt}"), "err");
                if let Ok(mut f) = std::fs::File::create(run.dir.join(&rel)) {
                    let _ = writeln!(f, "error: {e:#}");
                }
                run.store.set_logs(attempt, None, Some(&rel))?;
                failures += 1;
                if !failed_stages.contains(&stage.name) {
                    failed_stages.push(stage.name.clone());
                }
            }
            run.end_task(started, &result)?;
            progress.advance(1);
        }
    }
    progress.finish();
    Ok(failures)
}
