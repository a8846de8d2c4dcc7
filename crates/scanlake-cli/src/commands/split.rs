//! `scanlake split`

use crate::Context;
use crate::args::{BatchArgs, absolute};
use crate::launch::launch;
use crate::output::Bar;
use anyhow::Result;
use clap::ValueEnum;
use scanlake::split::{ChunkCompression, SplitBy};
use scanlake_api::SplitRequest;
use scanlake_api::pipeline::split_plan;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, ValueEnum)]
pub enum CompressArg {
    None,
    Gz,
    Zst,
}

#[derive(clap::Args)]
#[command(group = clap::ArgGroup::new("by").required(true).args(["lines", "chunks"]))]
pub struct Args {
    /// The LIST file (plain, .gz or .zst).
    pub input: PathBuf,
    /// Directory for the chunks.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Lines per chunk.
    #[arg(long)]
    pub lines: Option<u64>,
    /// Number of chunks of about equal size.
    #[arg(long)]
    pub chunks: Option<u64>,
    /// Compress the chunks.
    #[arg(long, value_enum, default_value = "none")]
    pub compress: CompressArg,
    /// Print the chunk list as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub batch: BatchArgs,
}

pub fn run(args: Args, ctx: &Context) -> Result<ExitCode> {
    let by = match (args.lines, args.chunks) {
        (Some(n), _) => SplitBy::Lines(n),
        (None, Some(k)) => SplitBy::Chunks(k),
        (None, None) => unreachable!("clap requires one of --lines and --chunks"),
    };
    let compress = match args.compress {
        CompressArg::None => ChunkCompression::None,
        CompressArg::Gz => ChunkCompression::Gzip,
        CompressArg::Zst => ChunkCompression::Zstd,
    };
    let request = SplitRequest { by, compress };
    if args.batch.is_batch() {
        let plan = split_plan(&args.input, &args.output, request)?;
        let parent = absolute(&args.output)?.join(".scanlake-runs");
        return launch(&args.batch, plan, &parent, ctx).map(|(_, code)| code);
    }
    let summary = scanlake_api::split(&args.input, &args.output, request, &Bar::new(args.json))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        for c in &summary.chunks {
            println!(
                "{}\tlines {}-{}",
                args.output.join(&c.file).display(),
                c.first_line,
                c.first_line + c.lines.max(1) - 1
            );
        }
        println!("{} lines in {} chunks", summary.lines, summary.chunks.len());
    }
    Ok(ExitCode::SUCCESS)
}
