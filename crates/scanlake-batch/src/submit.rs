//! Submitting a run's stages as array jobs, each depending on the jobs of the stages it waits for,
//! and choosing what a resumed run must do again.

use crate::run::Run;
use crate::scheduler::{Scheduler, Submission};
use crate::script;
use crate::status::is_failure;
use crate::store::{self, NewAttempt};
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::fs;

/// Which tasks of which stages to run: stage name → task numbers (ascending).
pub type Selection = BTreeMap<String, Vec<u32>>;

/// Every task of every stage.
pub fn everything(run: &Run) -> Selection {
    run.spec.stages.iter().map(|s| (s.name.clone(), (1..=s.tasks).collect())).collect()
}

/// The tasks a resume runs again: those whose newest attempt failed, was cancelled or lost, and
/// those never submitted. Refuses while any task is still waiting or working.
pub fn to_resume(run: &Run) -> Result<Selection> {
    let mut out = Selection::new();
    for t in run.task_states()? {
        if store::is_active(&t.state) {
            bail!(
                "task {} {} of run {} is still {} (job {})\nhint: `scanlake wait {}` or `scanlake cancel {}` first",
                t.stage,
                t.task,
                run.spec.id,
                t.state,
                t.job_id,
                run.dir.display(),
                run.dir.display()
            );
        }
        if is_failure(&t.state) || t.state == store::NOT_SUBMITTED {
            out.entry(t.stage).or_default().push(t.task);
        }
    }
    Ok(out)
}

/// `1-8%4` for a whole array, `3,5` for some tasks.
fn array_spec(tasks: &[u32], all: u32, limit: Option<u32>) -> String {
    let list = if tasks.len() as u32 == all && tasks.first() == Some(&1) {
        format!("1-{all}")
    } else {
        tasks.iter().map(u32::to_string).collect::<Vec<_>>().join(",")
    };
    match limit {
        Some(n) if tasks.len() > 1 => format!("{list}%{n}"),
        _ => list,
    }
}

/// Writes every stage's script (also those with nothing to submit, so the run directory always
/// shows them) and returns their paths.
pub fn write_scripts(run: &Run) -> Result<Vec<std::path::PathBuf>> {
    let mut paths = Vec::new();
    for stage in &run.spec.stages {
        let path = run.script_path(&stage.name);
        fs::write(&path, script::render(&run.spec, &run.dir, stage)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
        paths.push(path);
    }
    Ok(paths)
}

/// One submitted stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    pub stage: String,
    pub job: String,
    pub tasks: Vec<u32>,
}

/// Submits the selected tasks stage by stage, each stage right after the ones it waits for (a
/// dependency on a job the controller has already forgotten would count as satisfied). If a
/// submission fails, what this call submitted is cancelled.
pub fn submit(run: &mut Run, scheduler: &dyn Scheduler, selection: &Selection) -> Result<Vec<Submitted>> {
    write_scripts(run)?;
    let mut done: Vec<Submitted> = Vec::new();
    let result = submit_stages(run, scheduler, selection, &mut done);
    if let Err(e) = result {
        let jobs: Vec<String> = done.iter().map(|s| s.job.clone()).collect();
        scheduler.cancel(&jobs).ok();
        return Err(e);
    }
    if run.spec.notify.is_some() {
        let path = run.dir.join("scripts").join("finish.sh");
        fs::write(&path, script::render_finish(&run.spec, &run.dir)?)?;
        let all: Vec<String> = done.iter().map(|s| s.job.clone()).collect();
        if !all.is_empty() {
            let job = scheduler.submit(&Submission {
                script: &path,
                workdir: &run.dir,
                array: "1".into(),
                after_ok: Vec::new(),
                after_any: all,
            })?;
            run.store.event("finish-job", &job)?;
        }
    }
    Ok(done)
}

fn submit_stages(
    run: &mut Run,
    scheduler: &dyn Scheduler,
    selection: &Selection,
    done: &mut Vec<Submitted>,
) -> Result<()> {
    let stages = run.spec.stages.clone();
    for stage in &stages {
        let Some(tasks) = selection.get(&stage.name).filter(|t| !t.is_empty()) else { continue };
        let after_ok: Vec<String> =
            done.iter().filter(|d| stage.after.contains(&d.stage)).map(|d| d.job.clone()).collect();
        let script = run.script_path(&stage.name);
        let job = scheduler.submit(&Submission {
            script: &script,
            workdir: &run.dir,
            array: array_spec(tasks, stage.tasks, run.spec.slurm.array_limit),
            after_ok,
            after_any: Vec::new(),
        })?;
        let now = crate::time::now();
        let ids: Vec<String> = tasks.iter().map(|t| format!("{job}_{t}")).collect();
        let new: Vec<NewAttempt> = tasks
            .iter()
            .zip(&ids)
            .map(|(&task, id)| NewAttempt {
                stage: &stage.name,
                task,
                job_id: id,
                state: "PENDING",
                submitted: Some(now),
                started: None,
                host: None,
                stdout: Some(script::log_path(&stage.name, id, "out")),
                stderr: Some(script::log_path(&stage.name, id, "err")),
            })
            .collect();
        run.store.add_attempts(&new)?;
        done.push(Submitted { stage: stage.name.clone(), job, tasks: tasks.clone() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_specs_name_whole_arrays_and_single_tasks() {
        assert_eq!(array_spec(&[1, 2, 3, 4], 4, Some(2)), "1-4%2");
        assert_eq!(array_spec(&[1, 2, 3, 4], 4, None), "1-4");
        assert_eq!(array_spec(&[2, 4], 4, Some(2)), "2,4%2");
        assert_eq!(array_spec(&[3], 4, Some(2)), "3");
    }
}
