//! `scanlake query DATASET SQL`: DataFusion SQL over the table `files`.

use super::engines::{LimitArgs, OutputArgs};
use anyhow::Result;
use clap::Args as ClapArgs;
use scanlake::aggregate::view::DatasetView;
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

pub fn run(args: Args) -> Result<ExitCode> {
    let view = DatasetView::open(&args.dataset)?;
    let limits = args.limits.limits()?.0;
    let table = scanlake_datafusion::query(&view, &args.sql, &limits)?;
    args.output.write(&table)?;
    Ok(ExitCode::SUCCESS)
}
