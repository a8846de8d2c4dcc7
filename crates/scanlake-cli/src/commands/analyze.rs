//! `scanlake analyze RUN`: why tasks failed, and how to run each again here.

use crate::Context;
use crate::output::flags;
use anyhow::Result;
use scanlake_batch::Run;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The run directory.
    pub run: PathBuf,
    /// A rule file to try before the built-in rules (repeatable); `analyze.toml` beside the
    /// configuration file is always tried first.
    #[arg(long)]
    pub rules: Vec<PathBuf>,
    /// Print the findings as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args, ctx: &Context) -> Result<ExitCode> {
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
