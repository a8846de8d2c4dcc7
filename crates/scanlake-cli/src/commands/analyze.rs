//! `scanlake analyze RUN`: why tasks failed, and how to run each again here. `scanlake analyze
//! --all LAKE`: the failures of every run of a dataset, grouped by category and stage.

use crate::Context;
use crate::output::flags;
use anyhow::Result;
use scanlake_batch::Run;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The run directory (with --all: the dataset).
    pub run: PathBuf,
    /// Every run of the dataset: each failed attempt (resumed ones too), grouped by category
    /// and stage, with the latest example of each.
    #[arg(long)]
    pub all: bool,
    /// With --all: only runs made on or after this date (2026-11-01) or time (2026-11-01T08:00).
    #[arg(long, requires = "all", value_name = "DATE")]
    pub since: Option<String>,
    /// A rule file to try before the built-in rules (repeatable); `analyze.toml` beside the
    /// configuration file is always tried first.
    #[arg(long)]
    pub rules: Vec<PathBuf>,
    /// Print the findings as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args, ctx: &Context) -> Result<ExitCode> {
    if args.all {
        return every_run(&args, ctx);
    }
    let run = Run::open(&args.run)?;
    let (summary, findings) = scanlake_api::runs::analyze(&run, &args.rules, ctx.settings()?)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&findings)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "run {} ({}): {}, {} failed task(s)",
        run.spec.id,
        summary.executor,
        summary.status.as_str(),
        findings.len()
    );
    for f in &findings {
        println!();
        let exit = match (f.exit_code, f.signal) {
            (Some(c), Some(s)) if s != 0 => format!("exit code {c}, signal {s}"),
            (Some(c), _) => format!("exit code {c}"),
            _ => "no exit code".into(),
        };
        println!(
            "{} task {} (job {}): {}, {exit}, on {}",
            f.stage,
            f.task,
            f.job_id,
            f.state,
            f.host.as_deref().unwrap_or("-")
        );
        println!("  category: {}", f.category);
        if let Some(r) = &f.reason {
            println!("  reason:   {r}");
        }
        if let Some(h) = &f.hint {
            println!("  hint:     {}", flags(h));
        }
        if let Some(p) = &f.stdout {
            println!("  stdout:   {}", p.display());
        }
        if let Some(p) = &f.stderr {
            println!("  stderr:   {}", p.display());
        }
        if !f.stderr_tail.is_empty() {
            println!("  stderr tail:");
            for l in &f.stderr_tail {
                println!("    | {l}");
            }
        }
        println!("  rerun here: {}", f.rerun);
    }
    Ok(ExitCode::SUCCESS)
}

/// `--all`: the recurring failures of the dataset's runs.
fn every_run(args: &Args, ctx: &Context) -> Result<ExitCode> {
    let since = args.since.as_deref().map(scanlake_api::ledger::since).transpose()?;
    let (runs, groups) = scanlake_api::ledger::recurring_failures(&args.run, since, &args.rules, ctx.settings()?)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&groups)?);
        return Ok(ExitCode::SUCCESS);
    }
    let failed: usize = groups.iter().map(|g| g.count as usize).sum();
    let with_failures = runs.iter().filter(|r| r.failed_attempts > 0).count();
    println!(
        "{} run(s){}: {failed} failed attempt(s) in {with_failures} run(s), {} kind(s)",
        runs.len(),
        args.since.as_ref().map_or(String::new(), |s| format!(" since {s}")),
        groups.len()
    );
    for g in &groups {
        println!();
        println!("{} in {}: {} time(s) in {} run(s)", g.category, g.stage, g.count, g.runs.len());
        let l = &g.latest;
        let when = l.ended.map_or("-".to_string(), scanlake_batch::time::show);
        println!("  latest:   run {} task {} (job {}), {}, {when}", l.run, l.task, l.job_id, l.state);
        if let Some(r) = &l.reason {
            println!("  reason:   {r}");
        }
        if let Some(line) = &l.error_line {
            println!("  stderr:   {line}");
        }
        if let Some(h) = &g.hint {
            println!("  hint:     {}", flags(h));
        }
        println!("  details:  scanlake analyze {}", l.dir.display());
    }
    Ok(ExitCode::SUCCESS)
}
