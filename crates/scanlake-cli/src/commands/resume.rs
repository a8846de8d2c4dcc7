//! `scanlake resume RUN`: runs again only the tasks that failed, were cancelled or lost, or never
//! ran; every task is idempotent, so what succeeded stays.

use super::batch::execute;
use super::status::current;
use anyhow::Result;
use scanlake_batch::{Run, submit};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The run directory.
    pub run: PathBuf,
    /// Wait for the resubmitted jobs to end.
    #[arg(long)]
    pub wait: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let mut run = Run::open(&args.run)?;
    current(&run)?;
    let selection = submit::to_resume(&run)?;
    if selection.is_empty() {
        eprintln!("run {}: every task has succeeded; nothing to resume", run.spec.id);
        return Ok(ExitCode::SUCCESS);
    }
    let count: usize = selection.values().map(Vec::len).sum();
    let list: Vec<String> = selection.iter().map(|(s, t)| format!("{s} {t:?}")).collect();
    eprintln!("run {}: resuming {count} task(s): {}", run.spec.id, list.join(", "));
    run.store.event("resume", &list.join(", "))?;
    run.store.clear_events("notified")?;
    run.store.clear_events("cancel")?;
    execute(&mut run, &selection, args.wait)
}
