//! `scanlake cancel RUN`: cancels every job of the run still waiting or working.

use anyhow::Result;
use scanlake_batch::Run;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The run directory.
    pub run: PathBuf,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let run = Run::open(&args.run)?;
    let jobs = scanlake_api::runs::cancel(&run)?;
    eprintln!("run {}: cancelled job(s) {}", run.spec.id, jobs.join(", "));
    Ok(ExitCode::SUCCESS)
}
