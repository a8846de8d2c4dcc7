//! `scanlake runs LAKE`: the dataset's runs, oldest first — when each was made, its executor,
//! outcome, wall time, inputs, the rows it published, core-hours and failed attempts.

use crate::args::OutputArgs;
use anyhow::Result;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The dataset.
    pub dataset: PathBuf,
    /// Only runs made on or after this date (2026-11-01) or time (2026-11-01T08:00).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Every run as JSON, with each input's whole path (the table alone: --format json).
    #[arg(long, conflicts_with_all = ["format", "output"])]
    pub json: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let since = args.since.as_deref().map(scanlake_api::ledger::since).transpose()?;
    let runs = scanlake_api::ledger::list(&args.dataset, since, true)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&runs)?);
        return Ok(ExitCode::SUCCESS);
    }
    args.output.write(scanlake_api::ledger::list_table(&runs).into())?;
    Ok(ExitCode::SUCCESS)
}
