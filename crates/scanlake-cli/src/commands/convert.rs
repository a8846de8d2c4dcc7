//! `scanlake convert`

use crate::Context;
use crate::args::{BatchArgs, ConvertFlags};
use crate::launch::launch;
use crate::output::Bar;
use anyhow::Result;
use scanlake::convert::ConvertSummary;
use scanlake_api::pipeline::convert_plan;
use scanlake_api::runs::runs_dir;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// LIST files (plain, .gz or .zst) or directories of them; `-` reads standard input.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// The dataset directory (created if missing).
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub flags: ConvertFlags,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub batch: BatchArgs,
}

pub fn run(args: Args, ctx: &Context) -> Result<ExitCode> {
    let request = args.flags.request()?;
    let settings = ctx.settings()?;
    if args.batch.is_batch() {
        request.options(settings)?;
        let plan = convert_plan(&args.inputs, &args.output, &request, None)?;
        return launch(&args.batch, plan, &runs_dir(&args.output), ctx).map(|(_, code)| code);
    }
    let bar = Bar::new(args.quiet || args.json);
    let summary = scanlake_api::convert(&args.inputs, &args.output, &request, settings, &bar)?;
    print_summary(&summary, args.json)?;
    summary.check()?;
    Ok(ExitCode::SUCCESS)
}

fn print_summary(summary: &ConvertSummary, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(summary)?);
    } else {
        for line in summary.lines_for_people() {
            println!("{line}");
        }
    }
    Ok(())
}
