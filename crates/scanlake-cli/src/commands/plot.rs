//! `scanlake plot DATASET REPORT … -o chart.svg|png`: any one report as a static image, for wikis
//! and mail, drawn without a browser (ECharts in QuickJS; resvg for PNG).

use crate::Context;
use crate::commands::aggregate::ReportCmd;
use crate::output::Bar;
use anyhow::{Result, bail};
use scanlake_api::plot::{PlotOptions, TreeStyle, chart, write_image};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The dataset (made by `scanlake convert`).
    dataset: PathBuf,
    /// Groups drawn; the rest is one `(other)` group.
    #[arg(long, global = true, default_value_t = PlotOptions::default().top)]
    top: usize,
    /// How directory reports (`du`, `top dirs`) are drawn: treemap or sunburst.
    #[arg(long, global = true, default_value = "treemap")]
    tree: TreeStyle,
    /// A title instead of the report's.
    #[arg(long, global = true)]
    title: Option<String>,
    /// Width in pixels (PNG: twice as many).
    #[arg(long, global = true, default_value_t = scanlake_api::plot::DEFAULT_WIDTH)]
    width: u32,
    /// Height in pixels (default: the chart's own, e.g. growing with the bars).
    #[arg(long, global = true, default_value_t = 0)]
    height: u32,
    /// The report to draw, with its options (as `scanlake aggregate` takes them), and `-o FILE.svg|png`.
    #[command(subcommand)]
    report: ReportCmd,
}

pub fn run(args: Args, ctx: &Context) -> Result<ExitCode> {
    let (request, common) = args.report.request()?;
    let Some(output) = common.output.output.clone() else {
        bail!("plot writes an image file\nhint: add -o chart.svg or -o chart.png");
    };
    if common.output.format.is_some() || common.batch.is_batch() {
        bail!(
            "plot draws here, into the file -o names (its extension gives the format)\nhint: leave out --format and the batch options"
        );
    }
    let settings = ctx.settings()?;
    let view = scanlake_api::open(&args.dataset)?;
    let options = PlotOptions { top: args.top, tree: args.tree, title: args.title };
    let limits = common.engine.limits.options();
    let chart = chart(&view, &request, &limits, settings, &options, &Bar::new(false))?;
    write_image(&chart, &output, args.width, args.height)?;
    Ok(ExitCode::SUCCESS)
}
