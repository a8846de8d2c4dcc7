//! The `scanlake` command: clap parsing, terminal rendering and progress bars over the
//! `scanlake-api` library, one module per subcommand. A library so that the Python wheel's
//! `scanlake` entry point runs the same code; it is given its command line, never reads it.

mod args;
mod commands;
mod launch;
mod output;

use clap::{Parser, Subcommand};
use scanlake_api::Settings;
use std::cell::OnceCell;
use std::process::ExitCode;

/// The version and the commit it was built from (`build.rs`), as `scanlake --version` prints it:
/// `0.2.0 (1a2b3c4d 2026-11-22)`.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("SCANLAKE_BUILD"), ")");

#[derive(Parser)]
#[command(name = "scanlake", version = VERSION, about = "GPFS policy scans to a partitioned Parquet dataset")]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Convert mmapplypolicy LIST files into a partitioned Parquet dataset.
    Convert(commands::convert::Args),
    /// Cut a LIST file into line-aligned chunks (for batch arrays).
    Split(commands::split::Args),
    /// Write a synthetic LIST file.
    Gen(commands::gen_scan::Args),
    /// Generate a scan, convert it and print a per-user summary.
    Demo(commands::demo::Args),
    /// Run a report (usage, age, size, top, du, churn, extensions, duplicates, history) over a dataset.
    Aggregate(Box<commands::aggregate::Args>),
    /// List the files a filter selects (one scan date, path order): paths, rows, per-owner lists.
    Find(Box<commands::find::Args>),
    /// Quota use (`mmrepquota -Y`) beside the scan's usage of the same owners and filesets.
    Quota(Box<commands::quota::Args>),
    /// Write a scan (or a subtree) as ncdu's JSON export, to browse with `ncdu -f FILE`.
    ExportTree(Box<commands::export_tree::Args>),
    /// Draw one report as an SVG or PNG chart (e.g. `plot DATASET usage --by uid -o usage.svg`).
    Plot(Box<commands::plot::Args>),
    /// Write one self-contained HTML report of a scan (with --per-user, a page per owner) or of a run.
    #[command(
        after_help = "In `report`, each --rule adds a section of that purge rule's candidates per owner (and, with --per-user, each owner's list); the other filters narrow the whole report."
    )]
    Report(Box<commands::report::Args>),
    /// Add usage summaries to inputs converted before summaries existed (history reads them).
    Summarize(commands::summarize::Args),
    /// Run SQL over a dataset's table `files` (DataFusion).
    Query(commands::query::Args),
    /// The whole pipeline (split, convert, aggregate, export) as one run, here or on Slurm.
    Run(commands::run::Args),
    /// Where a run stands: tasks per state, % done, each task.
    Status(commands::status::Args),
    /// Wait for a run to end; fails unless it succeeded.
    Wait(commands::wait::Args),
    /// Run again what failed, was cancelled or never ran.
    Resume(commands::resume::Args),
    /// Cancel a run's jobs.
    Cancel(commands::cancel::Args),
    /// Why a run's tasks failed, and how to rerun each here.
    Analyze(commands::analyze::Args),
    /// What a run cost: per stage wall time, CPU efficiency, peak memory, bytes; core-hours.
    Stats(commands::stats::Args),
    /// A dataset's runs: when, how long, outcome, inputs, rows, core-hours.
    Runs(commands::runs::Args),
    /// Read back every file of a dataset against its checksum (a scrub).
    Verify(commands::verify::Args),
    /// What batch jobs run (used by the generated scripts).
    #[command(hide = true)]
    Batch(commands::batch::Args),
    /// Print the SHOW fields scanlake knows (the dataset's typed columns).
    Fields,
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(commands::completions::Args),
    /// Print the manual page (roff; `scanlake man | man -l -`).
    Man(commands::man::Args),
}

/// What every subcommand may need besides its arguments.
pub(crate) struct Context {
    /// The command line, for people (stored in runs as their description).
    pub command_line: String,
    settings: OnceCell<Settings>,
}

impl Context {
    /// Settings, resolved once (environment, configuration file, machine) on first use.
    pub fn settings(&self) -> anyhow::Result<&Settings> {
        if let Some(s) = self.settings.get() {
            return Ok(s);
        }
        let loaded = Settings::load()?;
        Ok(self.settings.get_or_init(|| loaded))
    }
}

/// Runs the command line `argv` (program name first) and returns its exit code. Usage errors
/// print clap's message and exit the process with status 2, as any command does.
pub fn main(argv: Vec<std::ffi::OsString>) -> ExitCode {
    let command_line = argv.iter().map(|a| a.to_string_lossy().into_owned()).collect::<Vec<_>>().join(" ");
    let cli = Cli::parse_from(argv);
    let ctx = Context { command_line, settings: OnceCell::new() };
    let result = match cli.command {
        Command::Convert(args) => commands::convert::run(args, &ctx),
        Command::Split(args) => commands::split::run(args, &ctx),
        Command::Gen(args) => commands::gen_scan::run(args),
        Command::Demo(args) => commands::demo::run(args, &ctx),
        Command::Aggregate(args) => commands::aggregate::run(*args, &ctx),
        Command::Find(args) => commands::find::run(*args, &ctx),
        Command::Quota(args) => commands::quota::run(*args, &ctx),
        Command::ExportTree(args) => commands::export_tree::run(*args, &ctx),
        Command::Plot(args) => commands::plot::run(*args, &ctx),
        Command::Report(args) => commands::report::run(*args, &ctx),
        Command::Summarize(args) => commands::summarize::run(args),
        Command::Query(args) => commands::query::run(args, &ctx),
        Command::Run(args) => commands::run::run(args, &ctx),
        Command::Status(args) => commands::status::run(args),
        Command::Wait(args) => commands::wait::run(args),
        Command::Resume(args) => commands::resume::run(args, &ctx),
        Command::Cancel(args) => commands::cancel::run(args),
        Command::Analyze(args) => commands::analyze::run(args, &ctx),
        Command::Stats(args) => commands::stats::run(args, &ctx),
        Command::Runs(args) => commands::runs::run(args),
        Command::Verify(args) => commands::verify::run(args),
        Command::Batch(args) => commands::batch::run(args, &ctx),
        Command::Completions(args) => commands::completions::run(args),
        Command::Man(args) => commands::man::run(args),
        Command::Fields => {
            print!("{}", scanlake::format::fields::markdown_table());
            Ok(ExitCode::SUCCESS)
        }
    };
    result.unwrap_or_else(|e| {
        output::print_error(&e);
        ExitCode::FAILURE
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_definition_is_consistent() {
        // Catches, among others, two flags of one command with the same name.
        <super::Cli as clap::CommandFactory>::command().debug_assert();
    }
}
