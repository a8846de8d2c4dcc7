//! `scanlake stats RUN`: what a run cost — per stage tasks, attempts and retries, wall time,
//! queue wait, CPU efficiency, peak memory against the request, bytes read and written — and the
//! run's wall time, critical path and core-hours.

use crate::Context;
use crate::args::OutputArgs;
use anyhow::Result;
use scanlake::aggregate::export::Format;
use scanlake_batch::Run;
use scanlake_batch::stats::RunStats;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The run directory.
    pub run: PathBuf,
    /// The run's figures and every stage's as JSON (the stage table alone: --format json).
    #[arg(long, conflicts_with_all = ["format", "output"])]
    pub json: bool,
    /// An advice rule file to try before the built-in rules (repeatable); `advice.toml` beside
    /// the configuration file is always tried first (see docs/batch.md).
    #[arg(long = "advice", value_name = "FILE")]
    pub advice_files: Vec<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: Args, ctx: &Context) -> Result<ExitCode> {
    let run = Run::open(&args.run)?;
    let mut stats = scanlake_api::runs::stats(&run, &args.advice_files, ctx.settings()?)?;
    stats.advice = stats.advice.iter().map(|a| crate::output::flags(a)).collect();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&stats)?);
        return Ok(ExitCode::SUCCESS);
    }
    let table = scanlake_api::runs::stats_table(&stats);
    if args.output.format() == Format::Table && args.output.output.is_none() {
        print!("{}", summary(&stats));
        println!();
    }
    args.output.write(table.into())?;
    if args.output.output.is_some() || args.output.format() == Format::Table {
        for advice in &stats.advice {
            eprintln!("advice: {advice}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The run's own figures, above the stage table on a terminal.
pub fn summary(s: &RunStats) -> String {
    let wall = s.wall_s.map_or("-".to_string(), |w| format!("{w:.0} s"));
    format!(
        "run {} ({}): wall {wall}; critical path {} ({:.1} s); {:.3} core-hours used of {:.3} allocated\nfigures: {}\nSlurm accounting: {}\n",
        s.run,
        s.executor,
        s.critical_path.join(" → "),
        s.critical_path_s,
        s.core_hours_used,
        s.core_hours_allocated,
        s.source,
        s.accounting
    )
}
