//! `scanlake wait RUN`: until the run ends; exits 0 only if it succeeded.

use crate::launch::wait_for;
use anyhow::Result;
use scanlake_batch::Run;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// The run directory.
    pub run: PathBuf,
    /// Give up (and fail) after this many seconds.
    #[arg(long)]
    pub timeout: Option<u64>,
    /// Seconds between looks at the run.
    #[arg(long, default_value_t = 2)]
    pub interval: u64,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let run = Run::open(&args.run)?;
    wait_for(&run, Duration::from_secs(args.interval.max(1)), args.timeout.map(Duration::from_secs))
}
