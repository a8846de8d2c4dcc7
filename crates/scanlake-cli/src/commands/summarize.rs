//! `scanlake summarize DATASET`: usage summaries for inputs converted before summaries existed.

use crate::output::Bar;
use anyhow::Result;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The dataset (made by `scanlake convert`).
    dataset: PathBuf,
    /// Print what was done as JSON.
    #[arg(long)]
    json: bool,
    /// No progress bar.
    #[arg(short, long)]
    quiet: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let bar = Bar::new(args.quiet || args.json);
    let done = scanlake_api::summarize(&args.dataset, &|m| eprintln!("scanlake: {m}"), &bar)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&done)?);
    } else {
        println!(
            "summarized {} inputs ({} had a summary already{})",
            done.summarized,
            done.present,
            if done.unfit > 0 { format!(", {} hold totals no summary fits", done.unfit) } else { String::new() }
        );
    }
    Ok(ExitCode::SUCCESS)
}
