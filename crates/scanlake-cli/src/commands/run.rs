//! `scanlake run`: the whole pipeline — split, convert, publish, aggregate, export — as one
//! tracked run, here or as Slurm jobs.

use super::aggregate;
use super::batch::BatchArgs;
use super::convert::ConvertFlags;
use crate::pipeline;
use anyhow::{Result, bail};
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
    #[arg(long, default_value_t = 4)]
    pub chunks: u64,
    /// A report as `aggregate` takes it, e.g. 'usage --by uid,tld' or 'top dirs -n 50' (repeatable;
    /// default: 'usage --by uid' and 'age --by uid'). `-o FILE` in it chooses its file.
    #[arg(long = "report")]
    pub reports: Vec<String>,
    /// Where reports without their own `-o` go, as CSV (default: RUN/reports).
    #[arg(long)]
    pub reports_dir: Option<PathBuf>,
    /// Aggregation tasks (each a share of the top-level directories).
    #[arg(long, default_value_t = 4)]
    pub tasks: u32,
    #[command(flatten)]
    pub flags: ConvertFlags,
    #[command(flatten)]
    pub batch: BatchArgs,
}

/// `usage --by uid,tld` → `usage-by-uid-tld`.
fn slug(argv: &[String]) -> String {
    let text: String = argv
        .iter()
        .map(|a| a.trim_start_matches('-'))
        .collect::<Vec<_>>()
        .join("-")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect();
    text.split('-').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-")
}

pub fn run(args: Args) -> Result<ExitCode> {
    args.flags.options()?;
    let texts: Vec<String> = if args.reports.is_empty() {
        DEFAULT_REPORTS.iter().map(|r| r.to_string()).collect()
    } else {
        args.reports.clone()
    };
    let mut reports = Vec::new();
    let mut outputs = Vec::new();
    for text in &texts {
        let Some(mut argv) = shlex::split(text) else {
            bail!("cannot split the report {text:?} into words (unbalanced quotes?)")
        };
        aggregate::check_syntax(&argv)?;
        let given = argv.iter().position(|a| a == "-o" || a == "--output");
        let out = match given {
            Some(i) if i + 1 < argv.len() => {
                let p = pipeline::absolute(std::path::Path::new(&argv[i + 1]))?;
                argv[i + 1] = pipeline::path_text(&p)?;
                p
            }
            _ => {
                let name = format!("{}.csv", slug(&argv));
                let p = match &args.reports_dir {
                    Some(d) => pipeline::absolute(d)?.join(name),
                    None => PathBuf::from("reports").join(name),
                };
                argv.extend(["-o".into(), pipeline::path_text(&p)?]);
                p
            }
        };
        if let Some(dir) = &args.reports_dir {
            std::fs::create_dir_all(dir)?;
        }
        outputs.push(out);
        reports.push(argv);
    }
    let flags = pipeline::own_convert_flags("run")?;
    let (mut stages, mut produced) =
        pipeline::convert_stages(&args.inputs, Some(args.chunks), &args.output, &args.flags, flags)?;
    stages.extend(pipeline::aggregate_stages(&args.output, reports, args.tasks, &["publish"])?);
    produced.extend(outputs);
    let run = args.batch.create_run(&pipeline::runs_dir(&args.output), stages, produced)?;
    std::fs::create_dir_all(run.dir.join("reports"))?;
    println!("{}", run.dir.display());
    args.batch.start(run)
}

#[cfg(test)]
mod tests {
    #[test]
    fn report_file_names_come_from_their_arguments() {
        let argv: Vec<String> = ["usage", "--by", "uid,tld"].iter().map(|s| s.to_string()).collect();
        assert_eq!(super::slug(&argv), "usage-by-uid-tld");
    }
}
