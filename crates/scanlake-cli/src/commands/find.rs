//! `scanlake find DATASET [filter…]`: the matching rows of one scan date, in path order — one
//! path per line (escaped), raw NUL-terminated paths (`-0`), rows in any export format, one list
//! per owner (`--per-user DIR`) or counts per scan date (`--count`).

use crate::Context;
use crate::args::{FilterArgs, OutputArgs};
use crate::output::Bar;
use anyhow::Result;
use clap::Args as ClapArgs;
use scanlake_api::find::{self, FindRequest};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(ClapArgs)]
pub struct Args {
    /// The dataset (made by `scanlake convert`).
    dataset: PathBuf,
    /// Raw path bytes, each ending in NUL (for `xargs -0`); with --per-user, NUL-separated lists.
    #[arg(short = '0', long = "null")]
    null: bool,
    /// Columns of --format output (comma-separated; default path,size,uid,gid,access,modify,create).
    #[arg(long, value_delimiter = ',')]
    columns: Vec<String>,
    /// One list per owner in DIR (DIR/<user>.txt) and DIR/summary.csv, replacing DIR as a whole.
    #[arg(long, value_name = "DIR", conflicts_with = "count")]
    per_user: Option<PathBuf>,
    /// Print only the number of matches and their bytes per scan date (every date unless --acq).
    #[arg(long, conflicts_with = "null")]
    count: bool,
    #[command(flatten)]
    filter: FilterArgs,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn run(args: Args, ctx: &Context) -> Result<ExitCode> {
    let settings = ctx.settings()?;
    let request =
        FindRequest { filter: args.filter.filter(), columns: args.columns.clone(), names: args.filter.names() };
    let view = Arc::new(scanlake_api::open(&args.dataset)?);
    if args.count {
        let table = find::count(&view, &request, settings, &Bar::new(false))?;
        args.output.write(table.into())?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(dir) = &args.per_user {
        let lists = find::per_user(view, &request, settings, dir, args.null, &Bar::new(false))?;
        args.output.write(find::lists_table(&lists).into())?;
        return Ok(ExitCode::SUCCESS);
    }
    // A format (or columns) asks for rows; otherwise paths.
    if args.output.format.is_some() || !args.columns.is_empty() || args.filter.names.names {
        if args.null {
            anyhow::bail!("-0 writes paths only\nhint: leave out --format and --columns, or -0");
        }
        let rows = find::rows(view, &request, settings, Arc::new(Bar::new(false)))?;
        args.output.write(rows)?;
        return Ok(ExitCode::SUCCESS);
    }
    let bar = Bar::new(false);
    let written = match &args.output.output {
        Some(path) => scanlake::aggregate::export::write_with(path, |f| {
            find::paths(view, &request, settings, args.null, f, &bar).map(|_| ())
        }),
        None => {
            let mut out = std::io::stdout().lock();
            let r = find::paths(view, &request, settings, args.null, &mut out, &bar).map(|_| ());
            r.and_then(|_| Ok(out.flush()?))
        }
    };
    match written {
        // A closed pipe (`| head`) ends the output, not the command.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            Ok(ExitCode::SUCCESS)
        }
        other => other.map(|_| ExitCode::SUCCESS),
    }
}
