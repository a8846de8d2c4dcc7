//! `scanlake export-tree DATASET -o tree.json`: a scan (or the subtree under `--prefix`) as the
//! JSON export that `ncdu -f tree.json` (and gdu) browse.

use crate::Context;
use crate::args::FilterArgs;
use crate::output::Bar;
use anyhow::Result;
use scanlake_api::tree::{TreeRequest, TreeSummary, export_tree, export_tree_to};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(clap::Args)]
pub struct Args {
    /// The dataset (made by `scanlake convert`).
    dataset: PathBuf,
    /// Write the tree here (atomically), or `-` for standard output.
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// Print what was written as JSON.
    #[arg(long)]
    json: bool,
    /// No progress bar and no summary line.
    #[arg(short, long)]
    quiet: bool,
    #[command(flatten)]
    filter: FilterArgs,
}

pub fn run(args: Args, ctx: &Context) -> Result<ExitCode> {
    let settings = ctx.settings()?;
    let request = TreeRequest { filter: args.filter.filter(), names: args.filter.names() };
    let view = Arc::new(scanlake_api::open(&args.dataset)?);
    let to_stdout = args.output.as_os_str() == "-";
    let bar = Bar::new(args.quiet || args.json || to_stdout);
    let summary = if to_stdout {
        let mut out = std::io::stdout().lock();
        let s = export_tree(view, &request, settings, &mut out, &bar)?;
        out.flush()?;
        s
    } else {
        export_tree_to(view, &request, settings, &args.output, &bar)?
    };
    if args.json {
        let text = serde_json::to_string_pretty(&summary)?;
        if to_stdout { eprintln!("{text}") } else { println!("{text}") }
    } else if !args.quiet {
        eprintln!("{}", said(&summary, &args.output));
    }
    Ok(ExitCode::SUCCESS)
}

fn said(s: &TreeSummary, output: &std::path::Path) -> String {
    let to = if output.as_os_str() == "-" {
        String::new()
    } else {
        format!("; browse it with: ncdu -f {}", output.display())
    };
    let repeated = match s.repeated_paths {
        0 => String::new(),
        n => format!("; {n} rows left out: the scan lists their paths again"),
    };
    format!(
        "wrote {} (scan {}): {} directories ({} without a row of their own), {} files, {} others, {} bytes{repeated}{to}",
        s.root, s.acq, s.directories, s.directories_without_row, s.files, s.others, s.bytes
    )
}
