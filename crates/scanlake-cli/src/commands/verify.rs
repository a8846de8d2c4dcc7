//! `scanlake verify DATASET`: reads back every file the manifest publishes (a scrub), with a
//! progress bar; exit status 1 when any file is damaged or missing.

use crate::output::Bar;
use anyhow::Result;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The dataset (made by `scanlake convert`).
    dataset: PathBuf,
    /// Print what was found as JSON.
    #[arg(long)]
    json: bool,
    /// No progress bar.
    #[arg(short, long)]
    quiet: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let bar = Bar::new(args.quiet || args.json);
    let scrub = scanlake_api::verify(&args.dataset, &bar)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&scrub)?);
    } else {
        println!(
            "verified {} files ({}) against their checksums and opened {} without one: {} damaged",
            scrub.checked,
            scanlake::aggregate::export::human_bytes(scrub.checked_bytes as i64),
            scrub.opened,
            scrub.damaged.len()
        );
        for d in &scrub.damaged {
            println!("damaged: {}: {}", d.file, d.problem.lines().next().unwrap_or_default());
        }
        if !scrub.is_clean() {
            eprintln!(
                "hint: convert the inputs the manifest names for these files again (`scanlake convert` replaces them), or restore them from a backup"
            );
        }
    }
    Ok(if scrub.is_clean() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
