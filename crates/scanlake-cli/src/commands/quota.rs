//! `scanlake quota DATASET QUOTA_FILE`: each entry of `mmrepquota -Y` (or `mmlsquota -Y`) output
//! beside the scan's usage of the same owner in the same fileset, and its growth.

use crate::Context;
use crate::args::{EngineArgs, NameArgs, OutputArgs};
use crate::output::{Bar, flags};
use anyhow::{Context as _, Result};
use scanlake::dataset::ScanDate;
use scanlake_api::quota::{QuotaRequest, quota};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The dataset (made by `scanlake convert`).
    dataset: PathBuf,
    /// Output of `mmrepquota -Y` or `mmlsquota -Y`; `-` reads standard input.
    quota_file: PathBuf,
    /// The scan to compare with (default: the latest).
    #[arg(long)]
    acq: Option<ScanDate>,
    /// Only entries at or above this percentage of their quota or limit (bytes or files).
    #[arg(long, value_name = "PERCENT")]
    over: Option<f64>,
    /// Read the rows even where usage summaries answer.
    #[arg(long)]
    from_rows: bool,
    #[command(flatten)]
    names: NameArgs,
    #[command(flatten)]
    engine: EngineArgs,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn run(args: Args, ctx: &Context) -> Result<ExitCode> {
    let settings = ctx.settings()?;
    let mut text = Vec::new();
    if args.quota_file.as_os_str() == "-" {
        std::io::stdin().lock().read_to_end(&mut text).context("cannot read the quota report from standard input")?;
    } else {
        text = std::fs::read(&args.quota_file)
            .with_context(|| format!("cannot read the quota report {}", args.quota_file.display()))?;
    }
    let request = QuotaRequest {
        acq: args.acq,
        over: args.over,
        names: args.names.options(),
        engine: args.engine.choice()?,
        from_rows: args.from_rows,
    };
    let view = scanlake_api::open(&args.dataset)?;
    let report = quota(&view, &text, &request, &args.engine.limits.options(), settings, &Bar::new(false))?;
    if args.engine.explain {
        for line in &report.explanation {
            eprintln!("{}", flags(line));
        }
    }
    for bad in &report.bad {
        eprintln!("scanlake: {} line {}: {} (not read)", args.quota_file.display(), bad.line, bad.reason);
    }
    args.output.write(report.rows)?;
    Ok(ExitCode::SUCCESS)
}
