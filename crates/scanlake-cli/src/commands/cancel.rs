//! `scanlake cancel RUN`: cancels every job of the run still waiting or working.

use super::status::current;
use anyhow::{Result, bail};
use scanlake_batch::scheduler::Scheduler;
use scanlake_batch::slurm::Slurm;
use scanlake_batch::{ExecutorKind, Run, store};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The run directory.
    pub run: PathBuf,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let run = Run::open(&args.run)?;
    if run.spec.executor != ExecutorKind::Slurm {
        bail!("run {} runs in its own process; stop that process (Ctrl-C) instead", run.spec.id);
    }
    current(&run)?;
    let jobs: BTreeSet<String> = run
        .store
        .attempts()?
        .into_iter()
        .filter(|a| store::is_active(&a.state))
        .filter_map(|a| a.job_id.split('_').next().map(str::to_string))
        .collect();
    run.store.event("cancel", &jobs.iter().cloned().collect::<Vec<_>>().join(","))?;
    Slurm.cancel(&jobs.iter().cloned().collect::<Vec<_>>())?;
    eprintln!("run {}: cancelled job(s) {}", run.spec.id, jobs.iter().cloned().collect::<Vec<_>>().join(", "));
    Ok(ExitCode::SUCCESS)
}
