//! `scanlake batch task|finish`: what the generated job scripts run (and `analyze`'s rerun
//! commands). The task's work comes from the run's `run.json`, never from this command line.

use crate::Context;
use crate::output::TaskLog;
use anyhow::Result;
use clap::{Args as ClapArgs, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(ClapArgs)]
pub struct Args {
    #[command(subcommand)]
    command: BatchCommand,
}

#[derive(Subcommand)]
enum BatchCommand {
    /// Run one task of a run's stage, recording the attempt.
    Task { run: PathBuf, stage: String, task: u32 },
    /// Record the end of a run and run its notification (the last job of a Slurm run).
    Finish { run: PathBuf },
}

pub fn run(args: Args, ctx: &Context) -> Result<ExitCode> {
    match args.command {
        BatchCommand::Task { run, stage, task } => {
            scanlake_api::runs::run_task(&run, &stage, task, ctx.settings()?, &TaskLog)?;
            Ok(ExitCode::SUCCESS)
        }
        BatchCommand::Finish { run } => {
            let summary = scanlake_api::runs::finish(&run)?;
            println!("run {} {}", summary.run, summary.status.as_str());
            Ok(ExitCode::SUCCESS)
        }
    }
}
