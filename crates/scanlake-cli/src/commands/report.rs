//! `scanlake report DATASET -o report.html`: one self-contained HTML page after each scan, and
//! with `--per-user DIR` a small page per owner. `scanlake report RUN -o run.html`: a run's
//! figures, timeline and efficiency.

use crate::Context;
use crate::args::{EngineArgs, FilterArgs, absolute};
use crate::output::Bar;
use anyhow::{Result, bail};
use scanlake::dataset::ScanDate;
use scanlake_api::page::{PageRequest, PageSummary};
use scanlake_api::report_files::write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The dataset (made by `scanlake convert`), or a run directory for a page about that run.
    dataset: PathBuf,
    /// The HTML file to write (atomically).
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// The scan to compare with (default: the one before the reported scan; `--acq` picks that, default the latest).
    #[arg(long)]
    compare: Option<ScanDate>,
    /// Groups per chart and table; the rest is one `(other)` row.
    #[arg(long, default_value_t = PageRequest::default().top)]
    top: usize,
    /// An `mmrepquota -Y` / `mmlsquota -Y` file: adds a section of quota use.
    #[arg(long, value_name = "FILE")]
    quota: Option<PathBuf>,
    /// Also write one small page per owner and an index into this directory (replaced as a whole).
    #[arg(long, value_name = "DIR")]
    per_user: Option<PathBuf>,
    /// Also write every section's full table as CSV into `NAME.data/` beside the report.
    #[arg(long)]
    with_data: bool,
    /// Print what was written as JSON.
    #[arg(long)]
    json: bool,
    /// No progress bar and no summary line.
    #[arg(short, long)]
    quiet: bool,
    #[command(flatten)]
    filter: FilterArgs,
    #[command(flatten)]
    engine: EngineArgs,
}

pub fn run(args: Args, ctx: &Context) -> Result<ExitCode> {
    if args.dataset.join("run.json").is_file() {
        return run_page(&args, ctx);
    }
    let settings = ctx.settings()?;
    let mut filter = args.filter.filter();
    if filter.acq.len() > 1 {
        bail!("report shows one scan\nhint: give one --acq, and --compare for the scan to compare with");
    }
    let acq = filter.acq.pop();
    let request = PageRequest {
        acq,
        compare: args.compare,
        filter,
        names: args.filter.names(),
        top: args.top,
        quota: args.quota.as_deref().map(absolute).transpose()?,
        per_user: args.per_user.clone(),
        with_data: args.with_data,
        engine: args.engine.choice()?,
        limits: args.engine.limits.options(),
    };
    let view = scanlake_api::open(&args.dataset)?;
    let bar = Bar::new(args.quiet || args.json);
    let summary = write(&view, &request, settings, &args.output, &bar)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else if !args.quiet {
        eprintln!("{}", said(&summary));
    }
    Ok(ExitCode::SUCCESS)
}

fn said(s: &PageSummary) -> String {
    let compare = s.compare.map(|c| format!(", compared with {c}")).unwrap_or_default();
    let users = match s.user_pages {
        0 => String::new(),
        n => format!("; {n} per-user pages"),
    };
    format!(
        "wrote {} ({} KiB): scan of {}{compare}, {} sections, {} charts from {} reports{users}",
        s.path.display(),
        s.bytes.div_ceil(1024),
        s.acq,
        s.sections.len(),
        s.charts,
        s.reports
    )
}

/// The page about a run.
fn run_page(args: &Args, ctx: &Context) -> Result<ExitCode> {
    if args.per_user.is_some() || args.quota.is_some() || args.compare.is_some() || args.with_data {
        bail!(
            "{} is a run: --per-user, --quota, --compare and --with-data are for a dataset's report\nhint: `scanlake report {} -o run.html` alone",
            args.dataset.display(),
            args.dataset.display()
        );
    }
    let run = scanlake_api::runs::open(&args.dataset)?;
    let mut stats = scanlake_api::runs::stats(&run, &[], ctx.settings()?)?;
    stats.advice = stats.advice.iter().map(|a| crate::output::flags(a)).collect();
    let summary = scanlake_api::run_page::write(&run, &stats, &args.output)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else if !args.quiet {
        eprintln!(
            "wrote {} ({} KiB): run {}, {} attempt(s), {} chart(s)",
            summary.path.display(),
            summary.bytes / 1024,
            summary.run,
            summary.attempts,
            summary.charts
        );
    }
    Ok(ExitCode::SUCCESS)
}
