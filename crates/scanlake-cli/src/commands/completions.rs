//! `scanlake completions SHELL`: a completion script for bash, zsh, fish, elvish or PowerShell,
//! from the command's own definition.

use anyhow::Result;
use clap::CommandFactory;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// bash, zsh, fish, elvish or powershell.
    pub shell: clap_complete::Shell,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let mut cmd = crate::Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "scanlake", &mut std::io::stdout());
    Ok(ExitCode::SUCCESS)
}
