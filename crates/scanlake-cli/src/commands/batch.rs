//! What every command that can run as batch jobs shares: `--executor`, the Slurm resources,
//! the run directory; and the hidden `scanlake batch task|finish` that the generated scripts run.

use crate::pipeline::Pipeline;
use anyhow::{Context, Result, bail};
use clap::{Args as ClapArgs, Subcommand, ValueEnum};
use scanlake_batch::local::{self, LocalProgress};
use scanlake_batch::slurm::Slurm;
use scanlake_batch::status::{self, RunStatus};
use scanlake_batch::submit::{self, Selection};
use scanlake_batch::{ExecutorKind, Run, RunSpec, SlurmSettings, Stage, notify};
use serde::Deserialize;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExecutorArg {
    Local,
    Slurm,
}

#[derive(ClapArgs, Clone, Default)]
#[command(next_help_heading = "Batch execution")]
pub struct BatchArgs {
    /// Run here (local) or as Slurm batch jobs (slurm). Default: local.
    #[arg(long, value_enum)]
    pub executor: Option<ExecutorArg>,
    /// Same as --executor slurm.
    #[arg(long, conflicts_with = "executor")]
    pub submit: bool,
    /// The run directory (state, scripts, logs). Default: DATASET/_scanlake/runs/ID.
    #[arg(long)]
    pub run_dir: Option<PathBuf>,
    /// Write and print the sbatch scripts without submitting them.
    #[arg(long)]
    pub dry_run: bool,
    /// After submitting, wait for the run to end (and print its result, where there is one).
    #[arg(long)]
    pub wait: bool,
    /// A shell command to run when the run ends; it gets SCANLAKE_RUN_ID, SCANLAKE_RUN_STATUS, … .
    #[arg(long)]
    pub notify: Option<String>,
    #[command(flatten)]
    pub slurm: SlurmArgs,
}

/// Resources for every job; each overrides the `[slurm]` table of the configuration file.
#[derive(ClapArgs, Clone, Default)]
pub struct SlurmArgs {
    #[arg(long)]
    pub partition: Option<String>,
    #[arg(long)]
    pub account: Option<String>,
    #[arg(long)]
    pub qos: Option<String>,
    /// Time limit of each job (sbatch --time, e.g. 2:00:00).
    #[arg(long)]
    pub time_limit: Option<String>,
    /// CPUs per task of the heavy stages (convert, aggregate).
    #[arg(long)]
    pub cpus_per_task: Option<u32>,
    /// Memory per job (e.g. 16G).
    #[arg(long)]
    pub mem: Option<String>,
    /// At most this many tasks of an array at once.
    #[arg(long)]
    pub array_limit: Option<u32>,
    /// Passed to Slurm: who gets mail.
    #[arg(long)]
    pub mail_user: Option<String>,
    /// Passed to Slurm: when (e.g. END,FAIL).
    #[arg(long)]
    pub mail_type: Option<String>,
    /// Another sbatch option, as one word (`--constraint=bigmem`); repeatable.
    #[arg(long = "sbatch-arg", allow_hyphen_values = true)]
    pub extra: Vec<String>,
}

impl SlurmArgs {
    fn settings(&self) -> SlurmSettings {
        SlurmSettings {
            partition: self.partition.clone(),
            account: self.account.clone(),
            qos: self.qos.clone(),
            time: self.time_limit.clone(),
            cpus_per_task: self.cpus_per_task,
            memory: self.mem.clone(),
            array_limit: self.array_limit,
            mail_user: self.mail_user.clone(),
            mail_type: self.mail_type.clone(),
            extra: self.extra.clone(),
        }
    }
}

#[derive(Deserialize, Default)]
struct ConfigFile {
    #[serde(default)]
    slurm: SlurmSettings,
}

/// The `[slurm]` table of the configuration file.
fn configured_slurm() -> Result<SlurmSettings> {
    let Some(path) = scanlake::config::Config::path() else { return Ok(SlurmSettings::default()) };
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(toml::from_str::<ConfigFile>(&text)
            .with_context(|| format!("bad configuration file {}", path.display()))?
            .slurm),
        Err(_) => Ok(SlurmSettings::default()),
    }
}

impl BatchArgs {
    /// The ids of these flags (to leave them out of what tasks are given).
    pub fn ids() -> Vec<String> {
        let cmd = <BatchArgs as ClapArgs>::augment_args(clap::Command::new("batch"));
        cmd.get_arguments().map(|a| a.get_id().to_string()).collect()
    }

    pub fn executor(&self) -> ExecutorKind {
        match (self.submit, self.executor) {
            (true, _) | (_, Some(ExecutorArg::Slurm)) => ExecutorKind::Slurm,
            _ => ExecutorKind::Local,
        }
    }

    /// Whether this command runs as a tracked run rather than straight through.
    pub fn is_batch(&self) -> bool {
        self.executor() == ExecutorKind::Slurm || self.run_dir.is_some() || self.notify.is_some()
    }

    /// Makes the run directory and its spec (nothing runs yet).
    pub fn create_run(&self, default_parent: &Path, stages: Vec<Stage>, outputs: Vec<PathBuf>) -> Result<Run> {
        let id = scanlake_batch::run::new_id();
        let dir = crate::pipeline::absolute(&self.run_dir.clone().unwrap_or_else(|| default_parent.join(&id)))?;
        // Relative outputs are in the run directory.
        let outputs = outputs.into_iter().map(|p| dir.join(p)).collect();
        let program = std::env::current_exe().context("cannot tell where the scanlake program is")?;
        let spec = RunSpec {
            id,
            created: scanlake_batch::time::now(),
            executor: self.executor(),
            command: std::env::args().collect(),
            program,
            stages,
            slurm: configured_slurm()?.overridden_by(&self.slurm.settings()),
            notify: self.notify.clone(),
            outputs,
        };
        Run::create(&dir, spec)
    }

    /// Starts a new run: submits it, or runs it here. Returns the process's exit code.
    pub fn start(&self, mut run: Run) -> Result<ExitCode> {
        let all = submit::everything(&run);
        if self.dry_run {
            for path in submit::write_scripts(&run)? {
                println!("# {}", path.display());
                print!("{}", std::fs::read_to_string(&path)?);
            }
            eprintln!("dry run: nothing submitted; the scripts are in {}", run.dir.join("scripts").display());
            return Ok(ExitCode::SUCCESS);
        }
        execute(&mut run, &all, self.wait)
    }
}

/// Runs (local) or submits (slurm) the selected tasks of a run.
pub fn execute(run: &mut Run, selection: &Selection, wait: bool) -> Result<ExitCode> {
    match run.spec.executor {
        ExecutorKind::Local => {
            let progress = TaskBar;
            local::run_local(run, &Pipeline, selection, &progress)?;
            let summary = status::summarize(run)?;
            if let Err(e) = notify::notify_if_ended(run, &summary) {
                eprintln!("warning: {e:#}");
            }
            finish_message(run, summary.status)
        }
        ExecutorKind::Slurm => {
            let submitted = submit::submit(run, &Slurm, selection)?;
            for s in &submitted {
                eprintln!("submitted {}: job {} ({} task(s))", s.stage, s.job, s.tasks.len());
            }
            eprintln!("run {}: follow it with `scanlake status {}`", run.spec.id, run.dir.display());
            if wait { wait_for(run, std::time::Duration::from_secs(2), None) } else { Ok(ExitCode::SUCCESS) }
        }
    }
}

fn finish_message(run: &Run, status: RunStatus) -> Result<ExitCode> {
    match status {
        RunStatus::Succeeded => Ok(ExitCode::SUCCESS),
        other => {
            bail!(
                "run {} {}\nhint: `scanlake analyze {}` shows why; `scanlake resume {}` goes on",
                run.spec.id,
                other.as_str(),
                run.dir.display(),
                run.dir.display()
            )
        }
    }
}

/// Polls until the run ends; fails unless it succeeded.
pub fn wait_for(run: &Run, every: std::time::Duration, timeout: Option<std::time::Duration>) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    loop {
        if run.spec.executor == ExecutorKind::Slurm {
            status::refresh(run, &Slurm)?;
        }
        let summary = status::summarize(run)?;
        if summary.status != RunStatus::Running {
            if let Err(e) = notify::notify_if_ended(run, &summary) {
                eprintln!("warning: {e:#}");
            }
            return finish_message(run, summary.status);
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

struct TaskBar;
impl LocalProgress for TaskBar {
    fn task(&self, stage: &str, task: u32, of: u32) {
        if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            eprintln!("{stage} {task}/{of}");
        }
    }
}

/// Picks arguments out of a raw command line of subcommand `cmd`: each argument with its value
/// kept when `keep(id)` says so (positionals have the id ""), so a batch task gets the user's own
/// flags as given.
pub fn select_args(cmd: &clap::Command, raw: &[OsString], keep: impl Fn(&str) -> bool) -> Vec<OsString> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut positional_only = false;
    while i < raw.len() {
        let text = raw[i].to_string_lossy();
        if !positional_only && text == "--" {
            positional_only = true;
            i += 1;
            continue;
        }
        let (id, takes) = if positional_only || !text.starts_with('-') || text == "-" {
            (String::new(), 0)
        } else {
            let name = text.split('=').next().unwrap_or("");
            let arg = cmd.get_arguments().find(|a| {
                name.strip_prefix("--").is_some_and(|l| a.get_long() == Some(l))
                    || (name.len() == 2 && !name.starts_with("--") && a.get_short() == name.chars().nth(1))
            });
            let takes_value = arg.is_some_and(|a| a.get_action().takes_values()) && !text.contains('=');
            (arg.map_or(String::new(), |a| a.get_id().to_string()), usize::from(takes_value))
        };
        let end = (i + 1 + takes).min(raw.len());
        if keep(&id) {
            out.extend(raw[i..end].iter().cloned());
        }
        i = end;
    }
    out
}

/// `scanlake batch …`: what the generated job scripts run (and `analyze`'s rerun commands).
#[derive(ClapArgs)]
pub struct Args {
    #[command(subcommand)]
    command: BatchCommand,
}

#[derive(Subcommand)]
enum BatchCommand {
    /// Run one task of a run's stage, recording the attempt.
    Task { run: PathBuf, stage: String, task: u32 },
    /// Record the end of a run and run its notification (the last job of a Slurm run).
    Finish { run: PathBuf },
}

pub fn run(args: Args) -> Result<ExitCode> {
    match args.command {
        BatchCommand::Task { run, stage, task } => {
            let mut run = Run::open(&run)?;
            let attempt = run.begin_task(&stage, task)?;
            let spec_stage = run.spec.stage(&stage).cloned().expect("begin_task checked the stage");
            let result = scanlake_batch::local::TaskRunner::run_task(&Pipeline, &run, &spec_stage, task);
            run.end_task(attempt, &result)?;
            result.map(|()| ExitCode::SUCCESS)
        }
        BatchCommand::Finish { run } => {
            let run = Run::open(&run)?;
            status::refresh(&run, &Slurm)?;
            let summary = status::summarize(&run)?;
            println!("run {} {}", run.spec.id, summary.status.as_str());
            notify::notify_if_ended(&run, &summary)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
