//! `scanlake run`: the whole pipeline — split, convert, publish, aggregate, export — as one
//! tracked run, here or as Slurm jobs.

use super::aggregate::ReportLine;
use crate::Context;
use crate::args::{BatchArgs, ConvertFlags, absolute};
use crate::launch;
use anyhow::{Result, bail};
use clap::Parser;
use scanlake::aggregate::export::Format;
use scanlake_api::pipeline::{ReportJob, convert_plan, report_plan};
use scanlake_api::runs::runs_dir;
use std::path::PathBuf;
use std::process::ExitCode;

/// The reports a run makes when none is given.
pub const DEFAULT_REPORTS: [&str; 2] = ["usage --by uid", "age --by uid"];

#[derive(clap::Args)]
pub struct Args {
    /// LIST files (plain, .gz or .zst) or directories of them.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// The dataset directory (created if missing).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Cut each input into this many chunks, converted by parallel tasks.
    #[arg(long, default_value_t = scanlake_api::pipeline::DEFAULT_CHUNKS)]
    pub chunks: u64,
    /// A report as `aggregate` takes it, e.g. 'usage --by uid,tld' or 'top dirs -n 50' (repeatable;
    /// default: 'usage --by uid' and 'age --by uid'). `-o FILE` in it chooses its file.
    #[arg(long = "report")]
    pub reports: Vec<String>,
    /// Where reports without their own `-o` go, as CSV (default: RUN/reports).
    #[arg(long)]
    pub reports_dir: Option<PathBuf>,
    /// Aggregation tasks (each a share of the top-level directories).
    #[arg(long, default_value_t = scanlake_api::pipeline::DEFAULT_TASKS)]
    pub tasks: u32,
    #[command(flatten)]
    pub flags: ConvertFlags,
    #[command(flatten)]
    pub batch: BatchArgs,
}

/// `usage --by uid,tld` → `usage-by-uid-tld`.
fn slug(words: &[String]) -> String {
    let text: String = words
        .iter()
        .map(|a| a.trim_start_matches('-'))
        .collect::<Vec<_>>()
        .join("-")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect();
    text.split('-').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-")
}

/// A `--report` text as a job: parsed as `aggregate` parses it; its output its own `-o`, else a
/// CSV named after its words.
fn job(text: &str, reports_dir: Option<&PathBuf>) -> Result<ReportJob> {
    let Some(words) = shlex::split(text) else {
        bail!("cannot split the report {text:?} into words (unbalanced quotes?)")
    };
    let line = ReportLine::try_parse_from(&words).map_err(|e| anyhow::anyhow!("bad report {text:?}: {e}"))?;
    let (request, common) = line.report.request()?;
    let (output, format) = match &common.output.output {
        Some(p) => (absolute(p)?, common.output.format()),
        None => {
            let name = format!("{}.csv", slug(&words));
            let p = match reports_dir {
                Some(d) => absolute(d)?.join(name),
                None => PathBuf::from("reports").join(name),
            };
            (p, common.output.format.unwrap_or(Format::Csv))
        }
    };
    Ok(ReportJob::new(request, common.engine.limits.options(), output, format))
}

pub fn run(args: Args, ctx: &Context) -> Result<ExitCode> {
    let request = args.flags.request()?;
    request.options(ctx.settings()?)?;
    let texts: Vec<String> = if args.reports.is_empty() {
        DEFAULT_REPORTS.iter().map(|r| r.to_string()).collect()
    } else {
        args.reports.clone()
    };
    let jobs = texts.iter().map(|t| job(t, args.reports_dir.as_ref())).collect::<Result<Vec<_>>>()?;
    if let Some(dir) = &args.reports_dir {
        std::fs::create_dir_all(dir)?;
    }
    let plan = convert_plan(&args.inputs, &args.output, &request, Some(args.chunks))?.then(report_plan(
        &args.output,
        jobs,
        args.tasks,
        &["publish"],
        ctx.settings()?,
    )?);
    let run = launch::create(&args.batch, plan, &runs_dir(&args.output), ctx)?;
    println!("{}", run.dir.display());
    launch::start(&args.batch, run, ctx).map(|(_, code)| code)
}

#[cfg(test)]
mod tests {
    #[test]
    fn report_file_names_come_from_their_words() {
        let words: Vec<String> = ["usage", "--by", "uid,tld"].iter().map(|s| s.to_string()).collect();
        assert_eq!(super::slug(&words), "usage-by-uid-tld");
    }

    #[test]
    fn a_report_text_becomes_a_typed_job_with_its_own_output() {
        let job = super::job("usage -o/tmp/report.tsv --by uid,tld", None).unwrap();
        assert_eq!(job.output, std::path::PathBuf::from("/tmp/report.tsv"));
        assert_eq!(job.format, scanlake::aggregate::export::Format::Tsv);
        let attached = super::job("du --max-depth 4 -oreport.json", None).unwrap();
        assert_eq!(attached.output, std::env::current_dir().unwrap().join("report.json"));
        let default = super::job("churn --engine slurm", None).unwrap();
        assert_eq!(default.output, std::path::PathBuf::from("reports/churn-engine-slurm.csv"));
        assert_eq!(default.request.engine, Some(scanlake_api::EngineChoice::Auto), "tasks choose their engine");
        assert!(super::job("usage --by nothing", None).is_err());
    }
}
