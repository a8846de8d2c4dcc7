//! `--notify CMD`: a shell command run once when a run ends (succeeded, failed or cancelled),
//! told about the run through environment variables:
//!
//! | variable | value |
//! |---|---|
//! | `SCANLAKE_RUN_ID` | the run's id |
//! | `SCANLAKE_RUN_DIR` | the run directory |
//! | `SCANLAKE_RUN_STATUS` | `succeeded`, `failed` or `cancelled` |
//! | `SCANLAKE_EXECUTOR` | `local` or `slurm` |
//! | `SCANLAKE_TASKS`, `SCANLAKE_TASKS_COMPLETED`, `SCANLAKE_TASKS_FAILED` | counts |
//! | `SCANLAKE_OUTPUTS` | what the run produces, one path per line |

use crate::run::Run;
use crate::status::{RunStatus, Summary};
use anyhow::{Context, Result};
use std::process::Command;

/// Runs the run's notification command if it has one, the run has ended and it has not run yet.
/// Returns whether it ran.
pub fn notify_if_ended(run: &Run, summary: &Summary) -> Result<bool> {
    let Some(cmd) = &run.spec.notify else { return Ok(false) };
    if matches!(summary.status, RunStatus::Running | RunStatus::NotSubmitted) {
        return Ok(false);
    }
    if run.store.events("notified")?.iter().any(|(_, d)| d == summary.status.as_str()) {
        return Ok(false);
    }
    let failed = summary.failed().count();
    let status = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .current_dir(&run.dir)
        .env("SCANLAKE_RUN_ID", &run.spec.id)
        .env("SCANLAKE_RUN_DIR", &run.dir)
        .env("SCANLAKE_RUN_STATUS", summary.status.as_str())
        .env("SCANLAKE_EXECUTOR", run.spec.executor.to_string())
        .env("SCANLAKE_TASKS", summary.tasks.to_string())
        .env("SCANLAKE_TASKS_COMPLETED", summary.completed.to_string())
        .env("SCANLAKE_TASKS_FAILED", failed.to_string())
        .env("SCANLAKE_OUTPUTS", summary.outputs.join("\n"))
        .status()
        .with_context(|| format!("cannot run the notification command {cmd:?}"))?;
    run.store.event("notified", summary.status.as_str())?;
    if !status.success() {
        anyhow::bail!("the notification command {cmd:?} failed ({status})");
    }
    Ok(true)
}
