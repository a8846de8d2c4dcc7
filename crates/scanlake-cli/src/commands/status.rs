//! `scanlake status RUN`: tasks per state and stage, % done, and a table of the tasks.

use anyhow::Result;
use scanlake_batch::status::{RunStatus, Summary};
use scanlake_batch::{Run, time};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The run directory.
    pub run: PathBuf,
    /// Print the summary and every task as JSON.
    #[arg(long)]
    pub json: bool,
    /// List every task (by default only those not completed).
    #[arg(long)]
    pub all: bool,
    /// Refresh every N seconds until the run ends.
    #[arg(long, num_args = 0..=1, default_missing_value = "5", value_name = "SECONDS")]
    pub watch: Option<u64>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let run = Run::open(&args.run)?;
    loop {
        let summary = scanlake_api::runs::status(&run)?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&summary)?);
        } else {
            if args.watch.is_some() && std::io::stdout().is_terminal() {
                print!("\x1b[2J\x1b[H");
            }
            print!("{}", render(&summary, args.all));
        }
        match args.watch {
            Some(secs) if summary.status == RunStatus::Running => {
                std::thread::sleep(std::time::Duration::from_secs(secs.max(1)))
            }
            _ => return Ok(ExitCode::SUCCESS),
        }
    }
}

pub fn render(s: &Summary, all: bool) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "run {} ({}): {}, {}/{} tasks done ({:.0}%)",
        s.run,
        s.executor,
        s.status.as_str(),
        s.completed,
        s.tasks,
        s.percent_done
    );
    let _ = writeln!(out, "{}", s.dir);
    let _ = writeln!(out);
    let _ = writeln!(out, "{:<10} {:>6}  states", "stage", "tasks");
    for st in &s.stages {
        let states: Vec<String> = st.states.iter().map(|(k, v)| format!("{k} {v}")).collect();
        let _ = writeln!(out, "{:<10} {:>6}  {}", st.name, st.tasks, states.join(", "));
    }
    let shown: Vec<_> = s.task_list.iter().filter(|t| all || t.state != "COMPLETED").collect();
    if !shown.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:<10} {:>5}  {:<14} {:<12} {:>6}  {:<12} {:<19}  {:<19}  reason",
            "stage", "task", "state", "job", "exit", "host", "started", "ended"
        );
        for t in shown {
            let exit = match (t.exit_code, t.signal) {
                (Some(c), Some(sig)) if sig != 0 => format!("{c}:{sig}"),
                (Some(c), _) => c.to_string(),
                _ => "-".into(),
            };
            let _ = writeln!(
                out,
                "{:<10} {:>5}  {:<14} {:<12} {:>6}  {:<12} {:<19}  {:<19}  {}",
                t.stage,
                t.task,
                t.state,
                if t.job_id.is_empty() { "-" } else { &t.job_id },
                exit,
                t.host.as_deref().unwrap_or("-"),
                t.started.map(time::show).unwrap_or_else(|| "-".into()),
                t.ended.map(time::show).unwrap_or_else(|| "-".into()),
                t.reason.as_deref().unwrap_or("")
            );
        }
    }
    if !s.outputs.is_empty() && s.status == RunStatus::Succeeded {
        let _ = writeln!(out);
        for o in &s.outputs {
            let _ = writeln!(out, "output: {o}");
        }
    }
    out
}
