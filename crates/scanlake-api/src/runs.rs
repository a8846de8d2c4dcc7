//! Batch runs through the library: make one from a [`Plan`], start it here or on Slurm, and
//! follow, resume, cancel or analyze it. What a run stores is typed ([`crate::pipeline::Work`]),
//! versioned, and names the program its jobs call, so any interface can make or continue one.

use crate::pipeline::{Pipeline, Plan, check_run};
use crate::settings::Settings;
use anyhow::{Result, bail};
use scanlake::progress::Progress;
use scanlake_batch::analyze::{Finding, Rules, analyze as classify};
use scanlake_batch::scheduler::Scheduler;
use scanlake_batch::slurm::Slurm;
use scanlake_batch::status::{self, RunStatus, Summary};
use scanlake_batch::submit::{self, Selection, Submitted};
use scanlake_batch::{ExecutorKind, Run, RunSpec, SlurmSettings, notify, store};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How to make a run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub executor: Executor,
    /// Default: `runs/ID` under the parent the caller gives (beside the dataset).
    pub run_dir: Option<PathBuf>,
    /// A shell command run when the run ends.
    pub notify: Option<String>,
    /// Slurm resources given explicitly (over the configuration file's `[slurm]`).
    pub slurm: SlurmSettings,
    /// The `scanlake` executable jobs call (see [`Settings::program`]).
    pub program: Option<PathBuf>,
    /// The calling program, when it is the scanlake executable (the CLI): the default program.
    pub own_program: Option<PathBuf>,
    /// What made the run, for people (`scanlake run …`, a Python call).
    pub description: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Executor {
    #[default]
    Local,
    Slurm,
}

/// Runs live beside the dataset they write or read (same file system: parts are renamed in).
pub fn runs_dir(dataset: &Path) -> PathBuf {
    dataset.join("_scanlake").join("runs")
}

/// Makes the run directory and its spec; nothing runs yet.
pub fn create(plan: Plan, default_parent: &Path, options: &RunOptions, settings: &Settings) -> Result<Run> {
    let id = scanlake_batch::run::new_id();
    let dir = crate::pipeline::absolute(&options.run_dir.clone().unwrap_or_else(|| default_parent.join(&id)))?;
    let executor = match options.executor {
        Executor::Local => ExecutorKind::Local,
        Executor::Slurm => ExecutorKind::Slurm,
    };
    // A local run calls no program, but records one for reruns by hand.
    let program = match settings.program(options.program.as_deref(), options.own_program.as_deref()) {
        Ok(p) => p,
        Err(e) if executor == ExecutorKind::Slurm => return Err(e),
        Err(_) => PathBuf::from("scanlake"),
    };
    let spec = RunSpec {
        format_version: scanlake_batch::spec::FORMAT_VERSION,
        id,
        created: scanlake_batch::time::now(),
        executor,
        description: options.description.clone(),
        program,
        stages: plan.stages,
        slurm: settings.slurm(&options.slurm),
        notify: options.notify.clone(),
        // Relative outputs are in the run directory.
        outputs: plan.outputs.into_iter().map(|p| dir.join(p)).collect(),
    };
    let run = Run::create(&dir, spec)?;
    std::fs::create_dir_all(run.dir.join("reports"))?;
    register(&run, default_parent);
    Ok(run)
}

/// A run made outside the dataset's runs directory gets a link there, so that `scanlake runs`
/// and `analyze --all` find it. Best effort: a dataset the user may not write keeps no link.
fn register(run: &Run, runs_dir: &Path) {
    let Ok(parent) = std::fs::canonicalize(run.dir.parent().unwrap_or(&run.dir)) else { return };
    if std::fs::create_dir_all(runs_dir).is_err() || std::fs::canonicalize(runs_dir).is_ok_and(|d| d == parent) {
        return;
    }
    let _ = std::os::unix::fs::symlink(&run.dir, runs_dir.join(&run.spec.id));
}

/// Opens a run made by this or another interface; refuses one whose work this library cannot read.
pub fn open(dir: &Path) -> Result<Run> {
    let run = Run::open(dir)?;
    check_run(&run)?;
    Ok(run)
}

/// What starting (or resuming) a run did.
#[derive(Debug)]
pub enum Started {
    /// Ran here to its end.
    Ran(Summary),
    /// Submitted to Slurm, a job per stage.
    Submitted(Vec<Submitted>),
}

/// The sbatch scripts, written but not submitted (a dry run).
pub fn write_scripts(run: &Run) -> Result<Vec<PathBuf>> {
    submit::write_scripts(run)
}

/// Starts every task of a new run.
pub fn start(run: &mut Run, settings: &Settings, progress: &dyn Progress) -> Result<Started> {
    let all = submit::everything(run);
    execute(run, &all, settings, progress)
}

/// Runs (local) or submits (slurm) the selected tasks.
pub fn execute(run: &mut Run, selection: &Selection, settings: &Settings, progress: &dyn Progress) -> Result<Started> {
    match run.spec.executor {
        ExecutorKind::Local => {
            let pipeline = Pipeline { settings, log: progress };
            scanlake_batch::local::run_local(run, &pipeline, selection, progress)?;
            let summary = status::summarize(run)?;
            if let Err(e) = notify::notify_if_ended(run, &summary) {
                progress.notice(&format!("warning: {e:#}"));
            }
            Ok(Started::Ran(summary))
        }
        ExecutorKind::Slurm => Ok(Started::Submitted(submit::submit(run, &Slurm, selection)?)),
    }
}

/// Where the run stands (asking Slurm about its jobs first).
pub fn status(run: &Run) -> Result<Summary> {
    if run.spec.executor == ExecutorKind::Slurm {
        status::refresh(run, &Slurm)?;
    }
    status::summarize(run)
}

/// An error unless the run succeeded, saying how to find out why and go on.
pub fn outcome(run: &Run, summary: &Summary) -> Result<()> {
    match summary.status {
        RunStatus::Succeeded => Ok(()),
        other => bail!(
            "run {} {}\nhint: `scanlake analyze {}` shows why; `scanlake resume {}` goes on",
            run.spec.id,
            other.as_str(),
            run.dir.display(),
            run.dir.display()
        ),
    }
}

/// Polls until the run ends (then notifies, if it has not been) and returns its summary.
pub fn wait(run: &Run, every: Duration, timeout: Option<Duration>, progress: &dyn Progress) -> Result<Summary> {
    let started = std::time::Instant::now();
    loop {
        let summary = status(run)?;
        if summary.status != RunStatus::Running {
            if let Err(e) = notify::notify_if_ended(run, &summary) {
                progress.notice(&format!("warning: {e:#}"));
            }
            return Ok(summary);
        }
        if timeout.is_some_and(|t| started.elapsed() >= t) {
            bail!(
                "run {} still running after {:?} ({:.0}% done)",
                run.spec.id,
                timeout.unwrap_or_default(),
                summary.percent_done
            );
        }
        std::thread::sleep(every);
    }
}

/// Runs again what failed, was cancelled or lost, or never ran. `None` when everything succeeded.
pub fn resume(run: &mut Run, settings: &Settings, progress: &dyn Progress) -> Result<Option<(Selection, Started)>> {
    check_run(run)?;
    status(run)?;
    let selection = submit::to_resume(run)?;
    if selection.is_empty() {
        return Ok(None);
    }
    let list: Vec<String> = selection.iter().map(|(s, t)| format!("{s} {t:?}")).collect();
    run.store.event("resume", &list.join(", "))?;
    run.store.clear_events("notified")?;
    run.store.clear_events("cancel")?;
    let started = execute(run, &selection, settings, progress)?;
    Ok(Some((selection, started)))
}

/// Cancels every job of a Slurm run still waiting or working; returns the job ids.
pub fn cancel(run: &Run) -> Result<Vec<String>> {
    if run.spec.executor != ExecutorKind::Slurm {
        bail!("run {} runs in its own process; stop that process (Ctrl-C) instead", run.spec.id);
    }
    status(run)?;
    let mut jobs: Vec<String> = run
        .store
        .attempts()?
        .into_iter()
        .filter(|a| store::is_active(&a.state))
        .filter_map(|a| a.job_id.split('_').next().map(str::to_string))
        .collect();
    jobs.sort();
    jobs.dedup();
    run.store.event("cancel", &jobs.join(","))?;
    Slurm.cancel(&jobs)?;
    Ok(jobs)
}

/// Why tasks failed: rules from `rule_files`, then `analyze.toml` beside the configuration
/// file, then the built-in ones.
pub fn analyze(run: &Run, rule_files: &[PathBuf], settings: &Settings) -> Result<(Summary, Vec<Finding>)> {
    let summary = status(run)?;
    let rules = Rules::load(&rule_files_with_own(rule_files, settings))?;
    Ok((summary, classify(run, &rules)?))
}

/// `rule_files`, after `analyze.toml` beside the configuration file where there is one.
pub fn rule_files_with_own(rule_files: &[PathBuf], settings: &Settings) -> Vec<PathBuf> {
    settings.analyze_rules().into_iter().chain(rule_files.iter().cloned()).collect()
}

/// One task of a run, as its job (or a rerun by hand) does it, recorded as an attempt.
pub fn run_task(dir: &Path, stage: &str, task: u32, settings: &Settings, log: &dyn Progress) -> Result<()> {
    let mut run = open(dir)?;
    let started = run.begin_task(stage, task)?;
    let spec_stage = run.spec.stage(stage).cloned().expect("begin_task checked the stage");
    let result = scanlake_batch::local::TaskRunner::run_task(&Pipeline { settings, log }, &run, &spec_stage, task);
    run.end_task(started, &result)?;
    result
}

/// Records the end of a Slurm run and notifies (its last job does this).
pub fn finish(dir: &Path) -> Result<Summary> {
    let run = Run::open(dir)?;
    status::refresh(&run, &Slurm)?;
    let summary = status::summarize(&run)?;
    notify::notify_if_ended(&run, &summary)?;
    Ok(summary)
}

/// What a run cost, per stage and in all (`scanlake stats`), with advice from rules in
/// `advice_files`, then `advice.toml` beside the configuration file, then the built-in ones;
/// docs/batch.md defines each figure.
pub fn stats(run: &Run, advice_files: &[PathBuf], settings: &Settings) -> Result<scanlake_batch::stats::RunStats> {
    let mut files = advice_files.to_vec();
    if let Some(own) = settings.advice_rules() {
        files.insert(0, own);
    }
    let advisor = scanlake_batch::advice::Advisor::load(&files)?;
    let mut stats = scanlake_batch::stats::stats(run)?;
    stats.advice = advisor.advise(&stats);
    Ok(stats)
}

/// The stages' figures as a report table, exported like every report (and Arrow for Python).
pub fn stats_table(stats: &scanlake_batch::stats::RunStats) -> scanlake::aggregate::table::Table {
    use scanlake::aggregate::cells::{Cell, ColumnType};
    let columns = [
        ("stage", ColumnType::Text),
        ("tasks", ColumnType::Int),
        ("completed", ColumnType::Int),
        ("attempts", ColumnType::Int),
        ("retries", ColumnType::Int),
        ("failed_attempts", ColumnType::Int),
        ("wall_min_s", ColumnType::Float),
        ("wall_median_s", ColumnType::Float),
        ("wall_max_s", ColumnType::Float),
        ("queue_wait_median_s", ColumnType::Float),
        ("cpu_s", ColumnType::Float),
        ("cpu_efficiency", ColumnType::Float),
        ("peak_rss", ColumnType::Bytes),
        ("memory_requested", ColumnType::Bytes),
        ("read_bytes", ColumnType::Bytes),
        ("written_bytes", ColumnType::Bytes),
    ];
    let float = three_places;
    let int = |v: Option<i64>| v.map_or(Cell::Null, Cell::Int);
    let rows = stats
        .stages
        .iter()
        .map(|s| {
            vec![
                Cell::Text(s.stage.clone()),
                Cell::Int(s.tasks.into()),
                Cell::Int(s.completed.into()),
                Cell::Int(s.attempts.into()),
                Cell::Int(s.retries.into()),
                Cell::Int(s.failed_attempts.into()),
                float(s.wall_min_s),
                float(s.wall_median_s),
                float(s.wall_max_s),
                float(s.queue_wait_median_s),
                float(Some(s.cpu_s)),
                float(s.cpu_efficiency),
                int(s.peak_rss_bytes),
                int(s.memory_requested_bytes),
                Cell::Int(s.read_bytes),
                Cell::Int(s.written_bytes),
            ]
        })
        .collect();
    table(&columns, rows)
}

/// Seconds to the millisecond, ratios to three places: the shortest text of the rounded value.
pub fn three_places(v: Option<f64>) -> scanlake::aggregate::cells::Cell {
    use scanlake::aggregate::cells::Cell;
    v.map_or(Cell::Null, |v| Cell::Text(((v * 1000.0).round() / 1000.0).to_string()))
}

/// A report table of these named, typed columns (the run tables: stages, attempts, runs).
pub fn table(
    columns: &[(&str, scanlake::aggregate::cells::ColumnType)],
    rows: Vec<Vec<scanlake::aggregate::cells::Cell>>,
) -> scanlake::aggregate::table::Table {
    let columns = columns.iter().map(|(n, t)| scanlake::aggregate::cells::Column::new(n, *t)).collect();
    scanlake::aggregate::table::Table { columns, rows }
}
