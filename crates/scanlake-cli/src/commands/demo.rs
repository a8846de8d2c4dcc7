//! `scanlake demo`: generate → convert → per-user summary, with no GPFS at hand.

use crate::output::{Bar, human_bytes};
use anyhow::Result;
use scanlake::convert::{ConvertOptions, convert};
use scanlake::generate::{GenOptions, generate_to_path};
use scanlake::summary::usage_by_user;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Working directory for the generated scan and the dataset.
    #[arg(long, default_value = "scanlake-demo")]
    pub dir: PathBuf,
    /// Records in the generated scan.
    #[arg(short = 'n', long, default_value_t = 200_000)]
    pub records: u64,
    /// Users to show.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    std::fs::create_dir_all(&args.dir)?;
    let gen_opts = GenOptions {
        records: args.records,
        hostile_fraction: 0.001,
        malformed_fraction: 0.0005,
        ..GenOptions::default()
    };
    let scan = args.dir.join(format!("fs1.{}.list.allfiles.gz", gen_opts.acq));
    let generated = generate_to_path(&gen_opts, &scan)?;
    let dataset = args.dir.join("dataset");
    let summary = convert(std::slice::from_ref(&scan), &dataset, &ConvertOptions::default(), &Bar::new(args.json))?;
    let users = usage_by_user(&dataset)?;
    if args.json {
        let out = serde_json::json!({ "generated": generated, "convert": summary, "users": users });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("generated {} ({} lines, {} of them malformed)", scan.display(), generated.lines, generated.malformed);
    println!(
        "converted into {}: {} rows, {} rejects (in {}/_rejects), {} comment/blank lines, {:.2} s",
        dataset.display(),
        summary.rows,
        summary.rejects,
        dataset.display(),
        summary.skipped,
        summary.seconds
    );
    println!("\n{:>8} {:>10} {:>12} {:>12}", "uid", "objects", "bytes", "allocated");
    for u in users.iter().take(args.top) {
        let uid = u.uid.map_or("-".to_string(), |x| x.to_string());
        println!("{uid:>8} {:>10} {:>12} {:>12}", u.objects, human_bytes(u.bytes), human_bytes(u.allocated_bytes));
    }
    println!("({} users in all)", users.len());
    println!("\nmore reports: scanlake aggregate {} usage|age|size|top|du --help", dataset.display());
    Ok(ExitCode::SUCCESS)
}
