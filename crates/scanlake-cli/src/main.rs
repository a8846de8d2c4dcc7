//! The `scanlake` command: a thin layer over the `scanlake` library, one module per subcommand.

mod commands;
mod output;
mod pipeline;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "scanlake", version, about = "GPFS policy scans to a partitioned Parquet dataset")]
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
    /// Run a report (usage, age, size, top, du, churn) over a dataset.
    Aggregate(commands::aggregate::Args),
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
    /// What batch jobs run (used by the generated scripts).
    #[command(hide = true)]
    Batch(commands::batch::Args),
    /// Print the SHOW fields scanlake knows (the dataset's typed columns).
    Fields,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Convert(args) => commands::convert::run(args),
        Command::Split(args) => commands::split::run(args),
        Command::Gen(args) => commands::gen_scan::run(args),
        Command::Demo(args) => commands::demo::run(args),
        Command::Aggregate(args) => commands::aggregate::run(args),
        Command::Query(args) => commands::query::run(args),
        Command::Run(args) => commands::run::run(args),
        Command::Status(args) => commands::status::run(args),
        Command::Wait(args) => commands::wait::run(args),
        Command::Resume(args) => commands::resume::run(args),
        Command::Cancel(args) => commands::cancel::run(args),
        Command::Analyze(args) => commands::analyze::run(args),
        Command::Batch(args) => commands::batch::run(args),
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
