//! The sbatch scripts: one per stage, readable, and safe whatever the paths hold.
//!
//! Paths appear only in the script's body, each single-quoted as one shell word, so spaces,
//! quotes, `$`, backticks and newlines stay data. `#SBATCH` lines hold only values checked by
//! [`crate::spec::SlurmSettings::validate`] and log paths relative to the run directory (the jobs
//! are submitted from it), so no path ever reaches a directive.

use crate::spec::{RunSpec, Stage};
use anyhow::{Result, bail};
use std::ffi::OsStr;
use std::fmt::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// One shell word that stands for exactly `s`.
pub fn quote(s: &OsStr) -> Result<String> {
    let bytes = s.as_bytes();
    if bytes.contains(&0) {
        bail!("{s:?} holds a NUL byte");
    }
    if !bytes.is_empty() && bytes.iter().all(|b| b.is_ascii_alphanumeric() || b"/._-+=:,@%".contains(b)) {
        return Ok(String::from_utf8_lossy(bytes).into_owned());
    }
    // Inside single quotes only `'` is special; non-UTF-8 bytes are written as $'\xNN' pieces.
    let mut out = String::from("'");
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '\'' {
                out.push_str("'\\''");
            } else {
                out.push(c);
            }
        }
        if !chunk.invalid().is_empty() {
            out.push('\'');
            for b in chunk.invalid() {
                let _ = write!(out, "$'\\x{b:02x}'");
            }
            out.push('\'');
        }
    }
    out.push('\'');
    Ok(out)
}

/// The command that runs one task of a stage: the same for a job and for a rerun by hand.
pub fn task_command(spec: &RunSpec, run_dir: &Path, stage: &str, task: &str) -> Result<String> {
    Ok(format!("{} batch task {} {stage} {task}", quote(spec.program.as_os_str())?, quote(run_dir.as_os_str())?))
}

/// Log file names relative to the run directory (`%A` array job, `%a` task).
pub fn log_pattern(stage: &str, stream: &str) -> String {
    format!("logs/{stage}-%A_%a.{stream}")
}

/// The log of one attempt, relative to the run directory.
pub fn log_path(stage: &str, job_id: &str, stream: &str) -> String {
    format!("logs/{stage}-{job_id}.{stream}")
}

pub fn render(spec: &RunSpec, run_dir: &Path, stage: &Stage) -> Result<String> {
    let s = &spec.slurm;
    let mut out = String::new();
    writeln!(out, "#!/bin/bash")?;
    writeln!(out, "# scanlake run {}: stage {}, {} task(s).", spec.id, stage.name, stage.tasks)?;
    writeln!(out, "# Written by scanlake; `scanlake resume RUN` resubmits what failed. By hand: cd to")?;
    writeln!(out, "# the run directory and `sbatch --array=1-{} scripts/{}.sh`.", stage.tasks, stage.name)?;
    writeln!(out, "#SBATCH --job-name=scanlake-{}", stage.name)?;
    writeln!(out, "#SBATCH --output={}", log_pattern(&stage.name, "out"))?;
    writeln!(out, "#SBATCH --error={}", log_pattern(&stage.name, "err"))?;
    let cpus = stage.cpus_per_task.or(s.cpus_per_task);
    let directives = [
        ("partition", s.partition.clone()),
        ("account", s.account.clone()),
        ("qos", s.qos.clone()),
        ("time", s.time.clone()),
        ("cpus-per-task", cpus.map(|c| c.to_string())),
        ("mem", s.memory.clone()),
        ("mail-user", s.mail_user.clone()),
        ("mail-type", s.mail_type.clone()),
    ];
    for (name, value) in directives {
        if let Some(v) = value {
            writeln!(out, "#SBATCH --{name}={v}")?;
        }
    }
    for e in &s.extra {
        writeln!(out, "#SBATCH {e}")?;
    }
    writeln!(out, "set -euo pipefail")?;
    writeln!(out, "exec {}", task_command(spec, run_dir, &stage.name, "\"${SLURM_ARRAY_TASK_ID:?}\"")?)?;
    Ok(out)
}

/// The script of the job that ends a run: it records the final states and runs the notification.
pub fn render_finish(spec: &RunSpec, run_dir: &Path) -> Result<String> {
    let mut out = String::new();
    writeln!(out, "#!/bin/bash")?;
    writeln!(out, "# scanlake run {}: runs when every other job has ended, however it ended.", spec.id)?;
    writeln!(out, "#SBATCH --job-name=scanlake-finish")?;
    writeln!(out, "#SBATCH --output=logs/finish-%A_%a.out")?;
    writeln!(out, "#SBATCH --error=logs/finish-%A_%a.err")?;
    writeln!(out, "#SBATCH --cpus-per-task=1")?;
    for (name, value) in
        [("partition", &spec.slurm.partition), ("account", &spec.slurm.account), ("qos", &spec.slurm.qos)]
    {
        if let Some(v) = value {
            writeln!(out, "#SBATCH --{name}={v}")?;
        }
    }
    writeln!(out, "set -euo pipefail")?;
    writeln!(out, "exec {} batch finish {}", quote(spec.program.as_os_str())?, quote(run_dir.as_os_str())?)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;
    use std::process::Command;

    const HOSTILE: [&[u8]; 8] = [
        b"plain",
        b"with space",
        b"it's",
        b"$HOME and $(touch /tmp/scanlake-pwned)",
        b"`touch /tmp/scanlake-pwned`",
        b"new\nline; touch /tmp/scanlake-pwned",
        b"\"double\" \\ back",
        b"bad\xff\xfeutf8 '",
    ];

    #[test]
    fn quoted_words_reach_a_program_unchanged() {
        for h in HOSTILE {
            let word = quote(&OsString::from_vec(h.to_vec())).unwrap();
            // printf '%s\0' WORD: bash must hand the program exactly the original bytes.
            let out = Command::new("bash").arg("-c").arg(format!("printf '%s\\0' {word}")).output().unwrap();
            assert!(out.status.success());
            assert_eq!(out.stdout, [h, &b"\0"[..]].concat(), "{word}");
        }
        assert!(!Path::new("/tmp/scanlake-pwned").exists());
        assert!(quote(OsStr::new("a\0b")).is_err());
    }
}
