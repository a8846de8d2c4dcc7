//! `scanlake query DATASET SQL`: DataFusion SQL over the table `files`.

use crate::Context;
use crate::args::{LimitArgs, OutputArgs};
use crate::output::Bar;
use anyhow::Result;
use clap::Args as ClapArgs;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(ClapArgs)]
pub struct Args {
    /// The dataset (made by `scanlake convert`).
    dataset: PathBuf,
    /// A query over the table `files`: the dataset's columns plus `acq` (DATE) and `tld`. Functions
    /// scanlake_dir(path, depth), scanlake_under(path, prefix), scanlake_display(path) and
    /// scanlake_ancestors(path, from, to) take raw paths: coalesce(path_bytes, CAST(path AS BYTEA)).
    sql: String,
    #[command(flatten)]
    limits: LimitArgs,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn run(args: Args, ctx: &Context) -> Result<ExitCode> {
    let view = scanlake_api::open(&args.dataset)?;
    let batches =
        scanlake_api::report::query(&view, &args.sql, &args.limits.options(), ctx.settings()?, &Bar::new(false))?;
    args.output.write(scanlake_api::report::query_table(&batches)?.into())?;
    Ok(ExitCode::SUCCESS)
}
