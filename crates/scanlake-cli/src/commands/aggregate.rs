//! `scanlake aggregate DATASET REPORT`: a standard report, on an engine chosen automatically or
//! by the user, exported in one of five formats.

use super::batch::{self, BatchArgs};
use super::engines::{self, EngineArgs, OutputArgs};
use clap::{CommandFactory, Parser};

use anyhow::Result;
use clap::{Args as ClapArgs, Subcommand};
use scanlake::aggregate::pathkey;
use scanlake::aggregate::spec::{
    BucketUnit, Buckets, ChurnBy, ChurnReport, Dimension, DuReport, Filter, GroupedReport, Report, ReportKind,
    TimeField, Top,
};
use scanlake::aggregate::view::DatasetView;
use scanlake::dataset::partition::ScanDate;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(ClapArgs)]
pub struct Args {
    /// The dataset (made by `scanlake convert`).
    dataset: PathBuf,
    #[command(subcommand)]
    report: ReportCmd,
}

/// A report's own arguments alone (as a batch task is given them).
#[derive(clap::Parser)]
#[command(no_binary_name = true)]
struct ReportLine {
    #[command(subcommand)]
    report: ReportCmd,
}

#[derive(Subcommand)]
enum ReportCmd {
    /// Objects, files, directories, bytes, allocated bytes and bytes with hard links counted once, per group.
    Usage {
        /// Group by these (comma-separated): uid, gid, fileset, tld, pool, kind, dirN (directory at depth N).
        #[arg(long, value_delimiter = ',', default_value = "uid")]
        by: Vec<Dimension>,
        #[command(flatten)]
        common: Common,
    },
    /// Usage per age bucket of access, modify or change time, relative to each scan's date.
    Age {
        #[arg(long, value_delimiter = ',')]
        by: Vec<Dimension>,
        /// Which time: access, modify or change.
        #[arg(long, default_value = "access")]
        time: TimeField,
        /// Bucket edges in days (suffixes d, w, y), ascending. Default: 30,90,180,365,730,1095,1460,1825,2555.
        #[arg(long)]
        edges: Option<String>,
        /// Also split by file size with these edges (an age × size matrix); `default` for the standard ones.
        #[arg(long)]
        size_edges: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Histogram of file sizes (files only unless --kind says otherwise).
    Size {
        #[arg(long, value_delimiter = ',')]
        by: Vec<Dimension>,
        /// Bucket edges in bytes (suffixes K, M, G, T, P: binary), ascending. Default: 1K,10K,…,100G.
        #[arg(long)]
        edges: Option<String>,
        /// Also split by the age of this time (access, modify, change): a size × age matrix.
        #[arg(long)]
        age: Option<TimeField>,
        /// Age edges in days for --age.
        #[arg(long)]
        age_edges: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// The N largest directories (recursive totals), users or groups, per scan date.
    Top {
        /// dirs, users or groups.
        what: TopWhat,
        /// Rank by bytes, allocated, files or objects.
        #[arg(long = "by", default_value = "bytes")]
        metric: String,
        #[arg(short, long, default_value_t = 20)]
        n: usize,
        /// For dirs: the deepest directories to rank (default: two below the prefix).
        #[arg(long)]
        max_depth: Option<usize>,
        #[command(flatten)]
        common: Common,
    },
    /// Recursive totals per directory (files, bytes, allocated, newest access) down to a depth.
    Du {
        /// The deepest directories to report (default: one below the prefix).
        #[arg(long)]
        max_depth: Option<usize>,
        #[command(flatten)]
        common: Common,
    },
    /// Created, deleted, modified and unchanged objects and bytes between two scans, matched by path.
    Churn {
        /// The earlier scan date (default: the second most recent).
        #[arg(long)]
        from: Option<ScanDate>,
        /// The later scan date (default: the most recent).
        #[arg(long)]
        to: Option<ScanDate>,
        /// Group by tld or uid.
        #[arg(long, default_value = "tld")]
        by: String,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum TopWhat {
    Dirs,
    Users,
    Groups,
}

/// Filters, engine and output options every report takes.
#[derive(ClapArgs)]
struct Common {
    /// With the slurm engine or executor: this many aggregation tasks (default: 4).
    #[arg(long)]
    tasks: Option<u32>,
    #[command(flatten)]
    batch: BatchArgs,
    /// Only these scan dates (YYYY-MM-DD; repeat or comma-separate).
    #[arg(long, value_delimiter = ',')]
    acq: Vec<ScanDate>,
    /// Only objects at or under this path.
    #[arg(long)]
    prefix: Option<PathBuf>,
    /// Only these owners (numeric uids).
    #[arg(long, value_delimiter = ',')]
    uid: Vec<u32>,
    /// Only these groups (numeric gids).
    #[arg(long, value_delimiter = ',')]
    gid: Vec<u32>,
    /// Only these filesets.
    #[arg(long, value_delimiter = ',')]
    fileset: Vec<String>,
    /// Only these top-level directories (as reports show them).
    #[arg(long, value_delimiter = ',')]
    tld: Vec<String>,
    /// Only these kinds: file, dir, link, other.
    #[arg(long, value_delimiter = ',')]
    kind: Vec<String>,
    #[command(flatten)]
    engine: EngineArgs,
    #[command(flatten)]
    output: OutputArgs,
}

impl Common {
    fn filter(&self) -> Result<Filter> {
        for k in &self.kind {
            if !["file", "dir", "link", "other"].contains(&k.as_str()) {
                anyhow::bail!("unknown kind '{k}' (expected file, dir, link or other)");
            }
        }
        Ok(Filter {
            acq: self.acq.clone(),
            prefix: self.prefix.as_ref().map(|p| p.as_os_str().as_bytes().to_vec()),
            uid: self.uid.clone(),
            gid: self.gid.clone(),
            fileset: self.fileset.clone(),
            tld: self.tld.clone(),
            kind: self.kind.clone(),
        })
    }
}

fn buckets(text: Option<&str>, unit: BucketUnit) -> Result<Buckets> {
    match text {
        None | Some("default") => Ok(match unit {
            BucketUnit::Days => Buckets::default_age(),
            BucketUnit::Bytes => Buckets::default_size(),
        }),
        Some(t) => Buckets::parse(t, unit),
    }
}

fn grouped(by: Vec<Dimension>, age: Option<(TimeField, Buckets)>, size: Option<Buckets>) -> ReportKind {
    ReportKind::Grouped(GroupedReport { by, age, size })
}

/// A report and the options it was given.
pub struct Built {
    pub report: Report,
    common: Common,
}

impl Built {
    pub fn engine_args(&self) -> &EngineArgs {
        &self.common.engine
    }

    pub fn output(&self) -> &OutputArgs {
        &self.common.output
    }
}

/// Builds a report from its arguments (`usage --by uid …`), as stored in a run.
pub fn parse(view: &DatasetView, argv: &[String]) -> Result<Built> {
    let line = ReportLine::try_parse_from(argv).map_err(|e| anyhow::anyhow!("bad report arguments {argv:?}: {e}"))?;
    build(view, line.report)
}

pub fn run(args: Args) -> Result<ExitCode> {
    let view = DatasetView::open(&args.dataset)?;
    let built = build(&view, args.report)?;
    let common = &built.common;
    let slurm_engine = common.engine.requested()?.is_some_and(|(e, _)| e == "slurm");
    if slurm_engine || common.batch.is_batch() {
        return submit(&args.dataset, &view, built);
    }
    let table = engines::run_report(&view, &built.report, &common.engine)?;
    common.output.write(&table)?;
    Ok(ExitCode::SUCCESS)
}

/// The slurm engine (or any executor with a run): aggregation tasks over disjoint tlds, then a
/// merge that writes the result where a local run would.
fn submit(dataset: &std::path::Path, view: &DatasetView, built: Built) -> Result<ExitCode> {
    view.check(&built.report)?;
    let mut batch = built.common.batch.clone();
    if batch.executor.is_none() && !batch.submit {
        // `--engine slurm` alone means Slurm jobs.
        batch.executor = Some(batch::ExecutorArg::Slurm);
    }
    let cli = crate::Cli::command();
    let report_cmd = cli
        .find_subcommand("aggregate")
        .and_then(|a| a.find_subcommand(&built.report.name))
        .expect("every report is a subcommand");
    // The report's own arguments, with -o made absolute (tasks run elsewhere).
    let batch_ids = BatchArgs::ids();
    let mut argv = crate::pipeline::utf8_args(batch::select_args(report_cmd, &report_args_on_command_line(), |id| {
        id != "output" && id != "format" && !batch_ids.iter().any(|b| b == id)
    }))?;
    argv.insert(0, built.report.name.clone());
    let format = built.common.output.format();
    let result = match built.common.output.path() {
        Some(p) => crate::pipeline::absolute(p)?,
        None => std::path::PathBuf::from(format!("work/result.{}", format.extension())),
    };
    argv.extend(["--format".into(), format.to_string(), "-o".into(), crate::pipeline::path_text(&result)?]);
    check_syntax(&argv)?;
    let stages = crate::pipeline::aggregate_stages(dataset, vec![argv], built.common.tasks.unwrap_or(4), &[])?;
    let run = batch.create_run(&crate::pipeline::runs_dir(dataset), stages, vec![result.clone()])?;
    let dir = run.dir.clone();
    let code = batch.start(run)?;
    // Waited for, with no -o: print the result as a local run would have.
    if batch.wait && built.common.output.path().is_none() {
        let mut out = std::io::stdout().lock();
        std::io::Write::write_all(&mut out, &std::fs::read(dir.join(&result))?)?;
    }
    Ok(code)
}

/// What follows `aggregate DATASET REPORT` on this process's command line.
fn report_args_on_command_line() -> Vec<std::ffi::OsString> {
    let raw = crate::pipeline::raw_args_after("aggregate");
    // `aggregate` itself takes only the dataset, so the report's name comes right after it.
    let dataset_at = raw.iter().position(|a| !a.to_string_lossy().starts_with('-')).unwrap_or(0);
    raw.get(dataset_at + 2..).map(<[_]>::to_vec).unwrap_or_default()
}

/// Checks a report's arguments without a dataset (when a run will make the dataset first).
pub fn check_syntax(argv: &[String]) -> Result<()> {
    ReportLine::try_parse_from(argv).map(|_| ()).map_err(|e| anyhow::anyhow!("bad report {:?}: {e}", argv.join(" ")))
}

fn build(view: &DatasetView, report: ReportCmd) -> Result<Built> {
    let (name, kind, common, top, filter_kind) = match report {
        ReportCmd::Usage { by, common } => ("usage", grouped(by, None, None), common, None, None),
        ReportCmd::Age { by, time, edges, size_edges, common } => {
            let age = Some((time, buckets(edges.as_deref(), BucketUnit::Days)?));
            let size = size_edges.map(|s| buckets(Some(&s), BucketUnit::Bytes)).transpose()?;
            ("age", grouped(by, age, size), common, None, None)
        }
        ReportCmd::Size { by, edges, age, age_edges, common } => {
            let size = Some(buckets(edges.as_deref(), BucketUnit::Bytes)?);
            let age = age
                .map(|t| Ok::<_, anyhow::Error>((t, buckets(age_edges.as_deref(), BucketUnit::Days)?)))
                .transpose()?;
            ("size", grouped(by, age, size), common, None, Some("file"))
        }
        ReportCmd::Top { what, metric, n, max_depth, common } => {
            let allowed = ["bytes", "allocated", "files", "objects"];
            if !allowed.contains(&metric.as_str()) {
                anyhow::bail!("cannot rank by '{metric}' (expected {})", allowed.join(", "));
            }
            let top = Some(Top { n, column: metric });
            let kind = match what {
                TopWhat::Users => grouped(vec![Dimension::Uid], None, None),
                TopWhat::Groups => grouped(vec![Dimension::Gid], None, None),
                TopWhat::Dirs => {
                    let from = prefix_depth(&common);
                    ReportKind::Du(DuReport { max_depth: max_depth.unwrap_or(from + 2), min_depth: from + 1 })
                }
            };
            ("top", kind, common, top, None)
        }
        ReportCmd::Du { max_depth, common } => {
            let from = prefix_depth(&common);
            (
                "du",
                ReportKind::Du(DuReport { max_depth: max_depth.unwrap_or(from + 1), min_depth: from }),
                common,
                None,
                None,
            )
        }
        ReportCmd::Churn { from, to, by, common } => {
            let dates = view.scan_dates();
            let latest = |back: usize| dates.len().checked_sub(back + 1).map(|i| dates[i]);
            let (Some(from), Some(to)) = (from.or(latest(1)), to.or(latest(0))) else {
                anyhow::bail!(
                    "churn needs two scan dates, but the dataset has only {}\nhint: convert another scan of the same file system into it",
                    dates.first().map_or("none".to_string(), |d| d.to_string())
                );
            };
            let by = match by.as_str() {
                "tld" => ChurnBy::Tld,
                "uid" | "user" => ChurnBy::Uid,
                other => anyhow::bail!("churn cannot group by '{other}' (expected tld or uid)"),
            };
            ("churn", ReportKind::Churn(ChurnReport { from, to, by }), common, None, None)
        }
    };
    let mut filter = common.filter()?;
    if let Some(k) = filter_kind
        && filter.kind.is_empty()
    {
        filter.kind.push(k.to_string());
    }
    let report = Report { name: name.to_string(), kind, filter, top };
    Ok(Built { report, common })
}

fn prefix_depth(common: &Common) -> usize {
    common.prefix.as_ref().map_or(0, |p| pathkey::depth(p.as_os_str().as_bytes()))
}
