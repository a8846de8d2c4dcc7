//! `scanlake aggregate DATASET REPORT`: a standard report, on an engine chosen automatically or
//! by the user, exported in one of five formats.

use crate::Context;
use crate::args::{BatchArgs, EngineArgs, FilterArgs, OutputArgs, absolute};
use crate::launch::launch;
use crate::output::{Bar, flags};
use anyhow::Result;
use clap::{Args as ClapArgs, Subcommand};
use scanlake::aggregate::spec::{BucketUnit, Buckets, ChurnBy, Dimension, FilesMetric, TimeField};
use scanlake::dataset::ScanDate;
use scanlake_api::pipeline::{ReportJob, report_plan};
use scanlake_api::runs::runs_dir;
use scanlake_api::{EngineChoice, ReportRequest, ReportType, TopMetric, TopWhat};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(ClapArgs)]
pub struct Args {
    /// The dataset (made by `scanlake convert`).
    dataset: PathBuf,
    #[command(subcommand)]
    report: ReportCmd,
}

/// A report's own arguments alone (as `run --report` takes them).
#[derive(clap::Parser)]
#[command(no_binary_name = true)]
pub struct ReportLine {
    #[command(subcommand)]
    pub report: ReportCmd,
}

#[derive(Subcommand)]
pub enum ReportCmd {
    /// Objects, files, directories, bytes, allocated bytes and bytes with hard links counted once, per group.
    Usage {
        /// Group by these (comma-separated): uid, gid, fileset, tld, pool, kind, ext, name (base name), size (exact), dirN (directory at depth N).
        #[arg(long, value_delimiter = ',', default_value = "uid")]
        by: Vec<Dimension>,
        #[command(flatten)]
        common: Common,
    },
    /// Usage per age bucket of access, modify or change time, relative to each scan's date.
    Age {
        #[arg(long, value_delimiter = ',')]
        by: Vec<Dimension>,
        /// Which time: access, modify, change or create.
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
    /// The N largest directories (recursive totals), users or groups per scan date, or the groups that grew most.
    Top {
        #[command(subcommand)]
        what: TopCmd,
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
        #[arg(long, default_value = "tld", value_parser = ["tld", "uid", "user"])]
        by: String,
        #[command(flatten)]
        common: Common,
    },
    /// Usage by file-name extension (files only unless --kind): the N largest per scan date and the rest.
    Extensions {
        /// Also group by these (comma-separated), e.g. uid.
        #[arg(long, value_delimiter = ',')]
        by: Vec<Dimension>,
        /// Extensions (or groups) per scan date; the rest is one `(other)` row.
        #[arg(short, long, default_value_t = scanlake_api::request::DEFAULT_TOP_N)]
        n: usize,
        #[command(flatten)]
        common: Common,
    },
    /// Candidate duplicates: files with the same base name and size in different places (hard links are one copy), by bytes saved.
    Duplicates {
        /// Groups per scan date, largest saving first.
        #[arg(short, long, default_value_t = scanlake_api::request::DEFAULT_TOP_N)]
        n: usize,
        #[command(flatten)]
        common: Common,
    },
    /// Usage per scan date and group over every scan, with each group's change since the scan before.
    History {
        /// Group by one of uid, gid, fileset, tld, pool, kind (summaries answer these), or dirN.
        #[arg(long, default_value = "uid")]
        by: Dimension,
        /// Show the scans from this date on (the scan before still gives the first change).
        #[arg(long)]
        since: Option<ScanDate>,
        /// Read the rows even where usage summaries answer.
        #[arg(long)]
        from_rows: bool,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Subcommand)]
pub enum TopCmd {
    /// The N largest directories (recursive totals) per scan date.
    Dirs {
        #[command(flatten)]
        rank: Rank,
        /// The deepest directories to rank (default: two below the prefix, or below the tlds).
        #[arg(long)]
        max_depth: Option<usize>,
        #[command(flatten)]
        common: Common,
    },
    /// The N users holding the most per scan date.
    Users {
        #[command(flatten)]
        rank: Rank,
        #[command(flatten)]
        common: Common,
    },
    /// The N groups holding the most per scan date.
    Groups {
        #[command(flatten)]
        rank: Rank,
        #[command(flatten)]
        common: Common,
    },
    /// The N largest files, or the oldest by access or modify time, per scan date (files only unless --kind).
    Files {
        /// Rank by size (largest first), access or modify (oldest first).
        #[arg(long, default_value = "size")]
        by: FilesMetric,
        /// How many files (per scan date, or per owner).
        #[arg(short, long, default_value_t = scanlake_api::request::DEFAULT_TOP_N)]
        n: usize,
        /// The N files of each owner.
        #[arg(long)]
        per_user: bool,
        #[command(flatten)]
        common: Common,
    },
    /// The N groups whose bytes grew most between two scans (default: the two latest).
    Growth {
        /// Group by uid, gid, fileset, tld, pool, kind or dirN.
        #[arg(long, default_value = "uid")]
        by: Dimension,
        /// The earlier scan date (default: the second most recent).
        #[arg(long)]
        from: Option<ScanDate>,
        /// The later scan date (default: the most recent).
        #[arg(long)]
        to: Option<ScanDate>,
        /// How many groups to show.
        #[arg(short, long, default_value_t = scanlake_api::request::DEFAULT_TOP_N)]
        n: usize,
        /// Read the rows even where usage summaries answer.
        #[arg(long)]
        from_rows: bool,
        #[command(flatten)]
        common: Common,
    },
}

/// How `top dirs|users|groups` ranks.
#[derive(ClapArgs)]
pub struct Rank {
    /// Rank by bytes, allocated, files or objects.
    #[arg(long = "by", default_value = "bytes")]
    metric: TopMetric,
    #[arg(short, long, default_value_t = scanlake_api::request::DEFAULT_TOP_N)]
    n: usize,
}

/// Filters, engine and output options every report takes.
#[derive(ClapArgs)]
pub struct Common {
    /// With the slurm engine or executor: this many aggregation tasks (default: 4).
    #[arg(long)]
    pub tasks: Option<u32>,
    #[command(flatten)]
    pub batch: BatchArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub engine: EngineArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

fn edges(text: &Option<String>, unit: BucketUnit) -> Result<Option<Vec<i64>>> {
    Ok(match text.as_deref() {
        None | Some("default") => None,
        Some(t) => Some(Buckets::parse(t, unit)?.edges().to_vec()),
    })
}

impl ReportCmd {
    /// The library's request, and the options that say where and how it runs.
    pub fn request(self) -> Result<(ReportRequest, Common)> {
        let (report, common) = match self {
            ReportCmd::Usage { by, common } => (ReportType::Usage { by }, common),
            ReportCmd::Age { by, time, edges: e, size_edges, common } => {
                let size_edges = match size_edges.as_deref() {
                    Some("default") => Some(Buckets::default_size().edges().to_vec()),
                    _ => edges(&size_edges, BucketUnit::Bytes)?,
                };
                (ReportType::Age { by, time, edges: edges(&e, BucketUnit::Days)?, size_edges }, common)
            }
            ReportCmd::Size { by, edges: e, age, age_edges, common } => (
                ReportType::Size {
                    by,
                    edges: edges(&e, BucketUnit::Bytes)?,
                    age,
                    age_edges: edges(&age_edges, BucketUnit::Days)?,
                },
                common,
            ),
            ReportCmd::Top { what } => match what {
                TopCmd::Dirs { rank: Rank { metric, n }, max_depth, common } => {
                    (ReportType::Top { what: TopWhat::Dirs, metric, n, max_depth }, common)
                }
                TopCmd::Users { rank: Rank { metric, n }, common } => {
                    (ReportType::Top { what: TopWhat::Users, metric, n, max_depth: None }, common)
                }
                TopCmd::Groups { rank: Rank { metric, n }, common } => {
                    (ReportType::Top { what: TopWhat::Groups, metric, n, max_depth: None }, common)
                }
                TopCmd::Files { by, n, per_user, common } => (ReportType::Files { by, n, per_user }, common),
                TopCmd::Growth { by, from, to, n, from_rows, common } => {
                    (ReportType::Growth { by: Some(by), from, to, n, from_rows }, common)
                }
            },
            ReportCmd::Extensions { by, n, common } => (ReportType::Extensions { by, n: Some(n) }, common),
            ReportCmd::Duplicates { n, common } => (ReportType::Duplicates { n }, common),
            ReportCmd::History { by, since, from_rows, common } => {
                (ReportType::History { by: Some(by), since, from_rows }, common)
            }
            ReportCmd::Du { max_depth, common } => (ReportType::Du { max_depth }, common),
            ReportCmd::Churn { from, to, by, common } => {
                let by = if by == "tld" { ChurnBy::Tld } else { ChurnBy::Uid };
                (ReportType::Churn { from, to, by }, common)
            }
        };
        let request = ReportRequest {
            report,
            filter: common.filter.filter(),
            engine: common.engine.choice()?,
            names: common.filter.names(),
        };
        request.check()?;
        Ok((request, common))
    }
}

pub fn run(args: Args, ctx: &Context) -> Result<ExitCode> {
    let (request, common) = args.report.request()?;
    let settings = ctx.settings()?;
    let view = scanlake_api::open(&args.dataset)?;
    let slurm_engine = settings.engine(request.engine)?.0 == EngineChoice::Slurm;
    if slurm_engine || common.batch.is_batch() {
        return submit(&args.dataset, &view, request, common, ctx);
    }
    let plan = scanlake_api::report::plan(&view, &request, &common.engine.limits.options(), settings)?;
    if common.engine.explain {
        for line in &plan.explanation {
            eprintln!("{}", flags(line));
        }
        eprintln!("{}", flags(&scanlake_api::report::pruning(&view, &plan)?));
    }
    if std::io::stderr().is_terminal() {
        for note in &plan.resolved.notes {
            eprintln!("note: {}", flags(note));
        }
    }
    let rows = scanlake_api::report::run_rows(&view, &plan, &Bar::new(false))?;
    common.output.write(rows)?;
    Ok(ExitCode::SUCCESS)
}

/// The slurm engine (or any executor with a run): aggregation tasks over disjoint tlds, then a
/// merge that writes the result where a local run would.
fn submit(
    dataset: &std::path::Path,
    view: &scanlake::dataset::view::DatasetView,
    request: ReportRequest,
    common: Common,
    ctx: &Context,
) -> Result<ExitCode> {
    let resolved = request.resolve(view)?;
    view.check(&resolved.report)?;
    let mut batch = common.batch.clone();
    if batch.executor.is_none() && !batch.submit {
        // `--engine slurm` alone means Slurm jobs.
        batch.executor = Some(crate::args::ExecutorArg::Slurm);
    }
    let format = common.output.format();
    let result = match &common.output.output {
        Some(p) => absolute(p)?,
        None => PathBuf::from(format!("work/result.{}", format.extension())),
    };
    let job = ReportJob::new(request, common.engine.limits.options(), result.clone(), format);
    let tasks = common.tasks.unwrap_or(scanlake_api::pipeline::DEFAULT_TASKS);
    let plan = report_plan(dataset, vec![job], tasks, &[], ctx.settings()?)?;
    let (run, code) = launch(&batch, plan, &runs_dir(dataset), ctx)?;
    // Waited for, with no -o: print the result as a local run would have.
    if batch.wait && common.output.output.is_none() {
        let mut out = std::io::stdout().lock();
        std::io::Write::write_all(&mut out, &std::fs::read(run.dir.join(&result))?)?;
    }
    Ok(code)
}
