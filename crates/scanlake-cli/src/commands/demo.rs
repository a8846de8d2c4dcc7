//! `scanlake demo`: generate → convert → the usage report per user, with no GPFS at hand.

use crate::Context;
use crate::output::Bar;
use anyhow::Result;
use scanlake::aggregate::export::{Format, render};
use scanlake::aggregate::rows::Rows;
use scanlake::generate::GenOptions;
use scanlake::progress::NoProgress;
use scanlake_api::{ConvertRequest, ReportRequest, ReportType};
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

pub fn run(args: Args, ctx: &Context) -> Result<ExitCode> {
    let settings = ctx.settings()?;
    std::fs::create_dir_all(&args.dir)?;
    let gen_opts = GenOptions {
        records: args.records,
        hostile_fraction: 0.001,
        malformed_fraction: 0.0005,
        ..GenOptions::default()
    };
    let scan = args.dir.join(format!("fs1.{}.list.allfiles.gz", gen_opts.acq));
    let generated = scanlake_api::generate(&gen_opts, &scan)?;
    let dataset = args.dir.join("dataset");
    let request = ConvertRequest::default();
    let summary =
        scanlake_api::convert(std::slice::from_ref(&scan), &dataset, &request, settings, &Bar::new(args.json))?;
    // The usage report of this scan's date, per user, largest first.
    let mut usage = ReportRequest::new(ReportType::Usage { by: vec![] });
    usage.filter.acq = vec![gen_opts.acq];
    let view = scanlake_api::open(&dataset)?;
    let table = scanlake_api::report(&view, &usage, &Default::default(), settings, &NoProgress)?;
    let mut users: Vec<serde_json::Value> = serde_json::from_slice(&render(&table, Format::Json)?)?;
    let bytes = |u: &serde_json::Value| u["bytes"].as_i64().unwrap_or(0);
    users.sort_by(|a, b| bytes(b).cmp(&bytes(a)).then_with(|| a["uid"].as_i64().cmp(&b["uid"].as_i64())));
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
    println!("\nusage on {}, largest users first:", gen_opts.acq);
    // The report's own table renderer, so that every column lines up under its header.
    let largest: Rows = table.clone().into();
    scanlake::aggregate::export::write(largest.top("bytes", args.top), Format::Table, std::io::stdout())?;
    println!("({} users in all)", users.len());
    println!(
        "\nmore reports: scanlake aggregate {} usage|age|size|top|du|extensions|duplicates|history --help",
        dataset.display()
    );
    println!("browse it in ncdu: scanlake export-tree {} -o tree.json && ncdu -f tree.json", dataset.display());
    Ok(ExitCode::SUCCESS)
}
