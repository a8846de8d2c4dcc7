//! `scanlake gen`

use anyhow::Result;
use clap::ValueEnum;
use scanlake::dataset::ScanDate;
use scanlake::generate::{GenLayout, GenOptions};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, ValueEnum)]
pub enum LayoutArg {
    /// scanlake's policy template (policy/).
    Default,
    /// The predecessor package's SHOW clause.
    Predecessor,
}

#[derive(clap::Args)]
pub struct Args {
    /// Output file; `.gz` or `.zst` compresses.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Records to generate.
    #[arg(short = 'n', long, default_value_t = 100_000)]
    pub records: u64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long, default_value_t = 200)]
    pub users: u32,
    #[arg(long, default_value_t = 30)]
    pub groups: u32,
    /// Directories under the root (tlds at depth 3).
    #[arg(long, default_value_t = 40)]
    pub top_dirs: u32,
    #[arg(long, default_value = "/gpfs/fs1")]
    pub root: String,
    /// Scan date the ages are relative to.
    #[arg(long, default_value = "2026-11-01")]
    pub acq: ScanDate,
    #[arg(long, value_enum, default_value = "default")]
    pub layout: LayoutArg,
    /// Fraction of file names with spaces, newlines, `|`, `%`, invalid UTF-8, ….
    #[arg(long, default_value_t = 0.0)]
    pub hostile: f64,
    /// Fraction of additional malformed lines (and a few comment lines).
    #[arg(long, default_value_t = 0.0)]
    pub malformed: f64,
    /// Fraction of files with a second hard link.
    #[arg(long, default_value_t = 0.01)]
    pub hard_links: f64,
    /// Also list directories and symlinks (as DIRECTORIES_PLUS does).
    #[arg(long)]
    pub directories: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

impl Args {
    pub fn options(&self) -> GenOptions {
        GenOptions {
            records: self.records,
            seed: self.seed,
            users: self.users.max(1),
            groups: self.groups.max(1),
            top_dirs: self.top_dirs.max(1),
            root: self.root.trim_end_matches('/').to_string(),
            acq: self.acq,
            layout: match self.layout {
                LayoutArg::Default => GenLayout::Default,
                LayoutArg::Predecessor => GenLayout::Predecessor,
            },
            hostile_fraction: self.hostile,
            malformed_fraction: self.malformed,
            hard_link_fraction: self.hard_links,
            directories: self.directories,
        }
    }
}

pub fn run(args: Args) -> Result<ExitCode> {
    let summary = scanlake_api::generate(&args.options(), &args.output)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        println!(
            "{}: {} lines ({} records, {} malformed, {} comments), {} bytes",
            args.output.display(),
            summary.lines,
            summary.records,
            summary.malformed,
            summary.comments,
            summary.bytes
        );
    }
    Ok(ExitCode::SUCCESS)
}
