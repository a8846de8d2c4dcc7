//! Starting a run from the command line: make it, print a dry run's scripts or start it, say
//! what was submitted, and wait when asked.

use crate::Context;
use crate::args::BatchArgs;
use crate::output::Bar;
use anyhow::Result;
use scanlake_api::pipeline::Plan;
use scanlake_api::runs::{self, Started};
use scanlake_batch::Run;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

/// Makes the run of `plan` (under `default_parent` unless --run-dir) and starts it. Returns it
/// with the exit code, so that a caller can print its result.
pub fn launch(batch: &BatchArgs, plan: Plan, default_parent: &Path, ctx: &Context) -> Result<(Run, ExitCode)> {
    let run = create(batch, plan, default_parent, ctx)?;
    start(batch, run, ctx)
}

/// Makes the run of `plan`; nothing runs yet.
pub fn create(batch: &BatchArgs, plan: Plan, default_parent: &Path, ctx: &Context) -> Result<Run> {
    runs::create(plan, default_parent, &batch.options(&ctx.command_line), ctx.settings()?)
}

/// Prints a dry run's scripts, or starts the run (and waits when asked).
pub fn start(batch: &BatchArgs, mut run: Run, ctx: &Context) -> Result<(Run, ExitCode)> {
    let settings = ctx.settings()?;
    if batch.dry_run {
        for path in runs::write_scripts(&run)? {
            println!("# {}", path.display());
            print!("{}", std::fs::read_to_string(&path)?);
        }
        eprintln!("dry run: nothing submitted; the scripts are in {}", run.dir.join("scripts").display());
        return Ok((run, ExitCode::SUCCESS));
    }
    let started = runs::start(&mut run, settings, &Bar::for_run())?;
    let code = follow(&run, started, batch.wait)?;
    Ok((run, code))
}

/// Says what starting or resuming did; waits for a submitted run when asked.
pub fn follow(run: &Run, started: Started, wait: bool) -> Result<ExitCode> {
    match started {
        Started::Ran(summary) => runs::outcome(run, &summary).map(|()| ExitCode::SUCCESS),
        Started::Submitted(submitted) => {
            for s in &submitted {
                eprintln!("submitted {}: job {} ({} task(s))", s.stage, s.job, s.tasks.len());
            }
            eprintln!("run {}: follow it with `scanlake status {}`", run.spec.id, run.dir.display());
            if wait { wait_for(run, Duration::from_secs(2), None) } else { Ok(ExitCode::SUCCESS) }
        }
    }
}

/// Waits for the run to end; fails unless it succeeded.
pub fn wait_for(run: &Run, every: Duration, timeout: Option<Duration>) -> Result<ExitCode> {
    let summary = runs::wait(run, every, timeout, &Bar::new(true))?;
    runs::outcome(run, &summary).map(|()| ExitCode::SUCCESS)
}
