//! `scanlake convert`

use super::batch::BatchArgs;
use crate::output::{Bar, human_bytes};
use anyhow::{Result, bail};
use clap::ValueEnum;
use scanlake::aggregate::choose::Resources;
use scanlake::convert::{ConvertOptions, ConvertSummary, InputStatus, convert};
use scanlake::dataset::ScanDate;
use scanlake::format::{Escape, Layout};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, ValueEnum)]
pub enum EscapeArg {
    Percent,
    None,
}

/// Options that describe the input format; shared by every command that reads LIST files.
#[derive(clap::Args, Clone)]
pub struct LayoutArgs {
    /// Positional SHOW layout: field names in order (e.g. `uid,size,kballoc`); `_` skips a field.
    /// Without it the SHOW text is read as `|key=value|…`.
    #[arg(long, value_delimiter = ',')]
    pub fields: Vec<String>,
    /// Separator of a positional layout (one byte; `\t` for tab).
    #[arg(long, default_value = "|", requires = "fields")]
    pub separator: String,
    /// How the LIST rule escaped SHOW text and paths.
    #[arg(long, value_enum, default_value = "percent")]
    pub escape: EscapeArg,
    /// A TOML file with a `[layout]` table (fields, separator, escape); overrides the flags above.
    #[arg(long, conflicts_with = "fields")]
    pub layout_file: Option<PathBuf>,
}

impl LayoutArgs {
    pub fn layout(&self) -> Result<Layout> {
        let escape = match self.escape {
            EscapeArg::Percent => Escape::Percent,
            EscapeArg::None => Escape::None,
        };
        Ok(match (&self.layout_file, self.fields.is_empty()) {
            (Some(file), _) => Layout::from_file(file)?,
            (None, true) => Layout { escape, ..Layout::default() },
            (None, false) => Layout::positional(&self.fields, &self.separator, escape)?,
        })
    }
}

#[derive(clap::Args)]
pub struct Args {
    /// LIST files (plain, .gz or .zst) or directories of them.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// The dataset directory (created if missing).
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub flags: ConvertFlags,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub batch: BatchArgs,
}

/// How to convert: everything but the inputs and the dataset, so batch tasks get the same flags.
#[derive(clap::Args, Clone)]
pub struct ConvertFlags {
    /// Scan date (YYYY-MM-DD); by default taken from each input's name.
    #[arg(long)]
    pub acq: Option<ScanDate>,
    #[command(flatten)]
    pub layout: LayoutArgs,
    /// Directory depth of the `tld` partition (`/gpfs/fs1/home` is depth 3).
    #[arg(long, default_value_t = ConvertOptions::default().tld_depth)]
    pub tld_depth: usize,
    /// Worker threads (default: the cores available, e.g. in a Slurm allocation).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Fail an input when more than this fraction of its lines is rejected.
    #[arg(long, default_value_t = ConvertOptions::default().max_reject_fraction)]
    pub max_reject_fraction: f64,
    /// Skip inputs whose content the dataset already holds.
    #[arg(long)]
    pub skip_existing: bool,
    /// Memory for buffered rows, in MiB (rows wait per partition to make large files).
    #[arg(long, default_value_t = ConvertOptions::default().memory_budget_bytes >> 20)]
    pub memory_mib: usize,
    /// In-memory size of a partition's rows that makes one file, in MiB.
    #[arg(long, default_value_t = ConvertOptions::default().target_file_bytes >> 20)]
    pub target_file_mib: usize,
    /// Seconds to wait for another writer of the dataset before giving up (default: wait).
    #[arg(long, value_name = "SECONDS")]
    pub lock_timeout: Option<f64>,
}

/// Parses convert flags alone (what a batch task was given).
#[derive(clap::Parser)]
#[command(no_binary_name = true)]
pub struct FlagsOnly {
    #[command(flatten)]
    pub flags: ConvertFlags,
}

impl ConvertFlags {
    pub fn options(&self) -> Result<ConvertOptions> {
        let lock_timeout = match self.lock_timeout {
            Some(s) if !(0.0..=1e9).contains(&s) => bail!("--lock-timeout must be between 0 and 1e9 seconds, not {s}"),
            s => s.map(std::time::Duration::from_secs_f64),
        };
        let defaults = ConvertOptions::default();
        let opts = ConvertOptions {
            layout: self.layout.layout()?,
            acq: self.acq,
            tld_depth: self.tld_depth,
            threads: self.threads.unwrap_or_else(|| Resources::detect().cpus),
            target_file_bytes: self.target_file_mib.saturating_mul(1 << 20),
            memory_budget_bytes: self.memory_mib.saturating_mul(1 << 20),
            max_reject_fraction: self.max_reject_fraction,
            skip_existing: self.skip_existing,
            lock_timeout,
            ..defaults
        };
        opts.validate().map_err(|e| {
            let flag = match e.option {
                "threads" => "--threads",
                "tld_depth" => "--tld-depth",
                "target_file_bytes" => "--target-file-mib",
                "memory_budget_bytes" => "--memory-mib",
                "max_reject_fraction" => "--max-reject-fraction",
                other => other,
            };
            anyhow::anyhow!("{flag}: {e}")
        })?;
        Ok(opts)
    }

    /// The ids of these flags (to pick them out of a command line).
    pub fn ids() -> Vec<String> {
        let cmd = <ConvertFlags as clap::Args>::augment_args(clap::Command::new("flags"));
        cmd.get_arguments().map(|a| a.get_id().to_string()).collect()
    }
}

pub fn run(args: Args) -> Result<ExitCode> {
    let opts = args.flags.options()?;
    if args.batch.is_batch() {
        let flags = crate::pipeline::own_convert_flags("convert")?;
        let (stages, outputs) = crate::pipeline::convert_stages(&args.inputs, None, &args.output, &args.flags, flags)?;
        let run = args.batch.create_run(&crate::pipeline::runs_dir(&args.output), stages, outputs)?;
        return args.batch.start(run);
    }
    let bar = Bar::new(args.quiet || args.json);
    let summary = convert(&args.inputs, &args.output, &opts, &bar)?;
    report(&summary, args.json)
}

/// Prints a summary; fails when an input failed.
pub fn report(summary: &ConvertSummary, json: bool) -> Result<ExitCode> {
    if json {
        println!("{}", serde_json::to_string_pretty(summary)?);
    } else {
        for i in &summary.inputs {
            let status = match i.status {
                InputStatus::Converted => "converted",
                InputStatus::Unchanged => "unchanged",
                InputStatus::Failed => "FAILED",
                InputStatus::Error => "ERROR",
            };
            println!(
                "{status:9} {} (acq {}): {} lines, {} rows, {} rejects, {} skipped",
                i.input, i.acq, i.lines, i.rows, i.rejects, i.skipped
            );
            if i.status == InputStatus::Error {
                println!("          {}", i.message.as_deref().unwrap_or_default());
            }
        }
        for i in &summary.ignored {
            println!("ignored   {}: {}", i.path, i.reason);
        }
        println!(
            "{} lines: {} rows, {} rejects, {} skipped; {} read, {} files ({}) in {:.2} s, {:.0} lines/s",
            summary.lines,
            summary.rows,
            summary.rejects,
            summary.skipped,
            human_bytes(summary.input_bytes as i64),
            summary.files,
            human_bytes(summary.output_bytes as i64),
            summary.seconds,
            summary.lines_per_second
        );
    }
    let failed: Vec<_> = summary.failed().collect();
    if let Some(first) = failed.iter().find(|i| i.status == InputStatus::Error) {
        let done = summary.inputs.iter().filter(|i| i.status != InputStatus::Error).count();
        bail!(
            "{} of {} input(s) could not be converted; first: {}: {}\nhint: the {done} other input(s) were committed (see the summary above); convert the failed ones again once fixed",
            failed.len(),
            summary.inputs.len(),
            first.input,
            first.message.as_deref().unwrap_or("error"),
        );
    }
    if let Some(first) = failed.first() {
        bail!(
            "{} input(s) failed; first: {}: {}\nhint: the rejected lines are in {}/{}; fix the input or the layout options, or raise --max-reject-fraction",
            failed.len(),
            first.input,
            first.message.as_deref().unwrap_or("failed"),
            summary.dataset,
            first.rejects_file.as_deref().unwrap_or("_rejects")
        );
    }
    Ok(ExitCode::SUCCESS)
}
