//! `scanlake resume RUN`: runs again only the tasks that failed, were cancelled or lost, or never
//! ran; every task is idempotent, so what succeeded stays.

use crate::Context;
use crate::launch::follow;
use crate::output::Bar;
use anyhow::Result;
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

pub fn run(args: Args, ctx: &Context) -> Result<ExitCode> {
    let mut run = scanlake_api::runs::open(&args.run)?;
    let progress = Bar::for_run();
    match scanlake_api::runs::resume(&mut run, ctx.settings()?, &progress)? {
        None => {
            eprintln!("run {}: every task has succeeded; nothing to resume", run.spec.id);
            Ok(ExitCode::SUCCESS)
        }
        Some((selection, started)) => {
            let count: usize = selection.values().map(Vec::len).sum();
            let list: Vec<String> = selection.iter().map(|(s, t)| format!("{s} {t:?}")).collect();
            eprintln!("run {}: resuming {count} task(s): {}", run.spec.id, list.join(", "));
            follow(&run, started, args.wait)
        }
    }
}
