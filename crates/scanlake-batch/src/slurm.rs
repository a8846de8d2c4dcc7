//! The real Slurm: `sbatch`, `scontrol show job`, `sacct --completion` and `scancel`.
//!
//! `scontrol` knows finished jobs for `MinJobAge` (300 s by default) and shows array tasks with
//! their states and `exit:signal` codes; afterwards only accounting knows them, by each task's own
//! job id, which tasks record when they start. `squeue --json` ignores `-j` and `sacct --json`
//! misreports exit codes in Slurm 22.05, so the text formats are parsed.

use crate::scheduler::{JobRecord, Scheduler, Submission};
use crate::time::parse_slurm;
use anyhow::{Context, Result, bail};
use std::process::{Command, Output};

#[derive(Debug, Default, Clone)]
pub struct Slurm;

fn run(cmd: &mut Command) -> Result<Output> {
    let name = cmd.get_program().to_string_lossy().into_owned();
    cmd.output().with_context(|| {
        format!("cannot run {name}\nhint: is Slurm's client installed and on PATH (and SLURM_CONF set, if needed)?")
    })
}

impl Scheduler for Slurm {
    fn submit(&self, s: &Submission) -> Result<String> {
        let mut cmd = Command::new("sbatch");
        cmd.current_dir(s.workdir).arg("--parsable").arg(format!("--array={}", s.array));
        let mut deps = Vec::new();
        if !s.after_ok.is_empty() {
            deps.push(format!("afterok:{}", s.after_ok.join(":")));
            // A failed prerequisite cancels the job instead of leaving it pending forever.
            cmd.arg("--kill-on-invalid-dep=yes");
        }
        if !s.after_any.is_empty() {
            deps.push(format!("afterany:{}", s.after_any.join(":")));
        }
        if !deps.is_empty() {
            cmd.arg(format!("--dependency={}", deps.join(",")));
        }
        cmd.arg(s.script);
        let out = run(&mut cmd)?;
        if !out.status.success() {
            bail!("sbatch {} failed: {}", s.script.display(), String::from_utf8_lossy(&out.stderr).trim());
        }
        // `--parsable` prints `ID` or `ID;CLUSTER`.
        let text = String::from_utf8_lossy(&out.stdout);
        let id = text.trim().split(';').next().unwrap_or("").to_string();
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            bail!("sbatch printed no job id: {text:?}");
        }
        Ok(id)
    }

    fn query(&self, array_jobs: &[String], raw_jobs: &[String]) -> Result<Vec<JobRecord>> {
        let mut records = Vec::new();
        for job in array_jobs {
            let out = run(Command::new("scontrol").args(["show", "job", "-o", job]))?;
            let stderr = String::from_utf8_lossy(&out.stderr);
            if out.status.success() {
                records.extend(parse_scontrol(&String::from_utf8_lossy(&out.stdout)));
            } else if !stderr.contains("Invalid job id") {
                // Not "forgotten" but "cannot ask": never take an unreachable controller for lost jobs.
                bail!("scontrol show job {job} failed: {}", stderr.trim());
            }
            // An invalid id is a job purged after MinJobAge: accounting may know its tasks.
        }
        let known: Vec<String> = records.iter().filter_map(|r| r.raw_job.clone()).collect();
        let ask: Vec<&String> = raw_jobs.iter().filter(|j| !known.contains(j)).collect();
        if !ask.is_empty() {
            let ids = ask.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",");
            // `-S` is needed: without it sacct looks at today only.
            let out = run(Command::new("sacct").args([
                "--completion",
                "-S",
                "2000-01-01",
                "-n",
                "-P",
                "-j",
                &ids,
                "-o",
                "jobid,state,exitcode,nodelist,start,end",
            ]));
            if let Ok(out) = out
                && out.status.success()
            {
                records.extend(parse_sacct_completion(&String::from_utf8_lossy(&out.stdout)));
            }
        }
        Ok(records)
    }

    fn cancel(&self, array_jobs: &[String]) -> Result<()> {
        if array_jobs.is_empty() {
            return Ok(());
        }
        let out = run(Command::new("scancel").args(array_jobs))?;
        if !out.status.success() {
            bail!("scancel failed: {}", String::from_utf8_lossy(&out.stderr).trim());
        }
        Ok(())
    }
}

/// The value of `key=` in a `scontrol -o` line: its first occurrence, so a path later in the
/// line (`WorkDir=`, `Command=`) cannot pose as a field.
fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let mut rest = line;
    let pat = format!("{key}=");
    loop {
        let at = rest.find(&pat)?;
        let starts_word = at == 0 || rest.as_bytes()[at - 1] == b' ';
        let after = &rest[at + pat.len()..];
        if starts_word {
            return Some(after.split(' ').next().unwrap_or(""));
        }
        rest = after;
    }
}

/// `exit:signal`.
fn exit_code(text: &str) -> (Option<i32>, Option<i32>) {
    let mut parts = text.split(':');
    (parts.next().and_then(|p| p.parse().ok()), parts.next().and_then(|p| p.parse().ok()))
}

/// `CANCELLED by 0` → `CANCELLED`.
fn state(text: &str) -> String {
    text.split_whitespace().next().unwrap_or("UNKNOWN").to_string()
}

fn none_if_null(v: Option<&str>) -> Option<String> {
    v.filter(|v| !v.is_empty() && !matches!(*v, "None" | "(null)" | "Unknown")).map(str::to_string)
}

/// Array task ids such as `3`, `3-8%2`, `1,4-5`, `1-7:2`.
pub fn expand_tasks(text: &str) -> Vec<u32> {
    let text = text.split('%').next().unwrap_or("");
    let mut out = Vec::new();
    for part in text.split(',') {
        let (range, step) = part.split_once(':').map_or((part, 1), |(r, s)| (r, s.parse().unwrap_or(1).max(1)));
        match range.split_once('-') {
            Some((a, b)) => {
                if let (Ok(a), Ok(b)) = (a.parse::<u32>(), b.parse::<u32>()) {
                    out.extend((a..=b).step_by(step as usize));
                }
            }
            None => out.extend(range.parse::<u32>().ok()),
        }
    }
    out
}

/// `scontrol show job -o` lines: one per started array task, one for the tasks still pending
/// together (`ArrayTaskId=3-8%2`), one for a job that is not an array.
pub fn parse_scontrol(text: &str) -> Vec<JobRecord> {
    let mut out = Vec::new();
    for line in text.lines().filter(|l| l.starts_with("JobId=")) {
        let job = field(line, "JobId").unwrap_or_default().to_string();
        let (array_job, tasks) = match (field(line, "ArrayJobId"), field(line, "ArrayTaskId")) {
            (Some(a), Some(t)) => (a.to_string(), expand_tasks(t)),
            _ => (job.clone(), vec![1]),
        };
        let single = tasks.len() == 1;
        let (exit_code, signal) = exit_code(field(line, "ExitCode").unwrap_or(""));
        let state = state(field(line, "JobState").unwrap_or("UNKNOWN"));
        let pending = state == "PENDING";
        for task in tasks {
            out.push(JobRecord {
                array_job: array_job.clone(),
                task,
                raw_job: single.then(|| job.clone()),
                state: state.clone(),
                exit_code: if pending { None } else { exit_code },
                signal: if pending { None } else { signal },
                reason: none_if_null(field(line, "Reason")),
                node: if pending { None } else { none_if_null(field(line, "NodeList")) },
                started: if pending { None } else { field(line, "StartTime").and_then(parse_slurm) },
                ended: if pending { None } else { field(line, "EndTime").and_then(parse_slurm) },
            });
        }
    }
    out
}

/// `sacct --completion -n -P -o jobid,state,exitcode,nodelist,start,end`: tasks by their own job
/// ids (`array_job` and `task` left empty; the caller maps them back).
pub fn parse_sacct_completion(text: &str) -> Vec<JobRecord> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split('|').collect();
            if f.len() < 6 || f[0].is_empty() {
                return None;
            }
            let (exit_code, signal) = exit_code(f[2]);
            Some(JobRecord {
                array_job: String::new(),
                task: 0,
                raw_job: Some(f[0].to_string()),
                state: state(f[1]),
                exit_code,
                signal,
                reason: None,
                node: none_if_null(Some(f[3])),
                started: parse_slurm(f[4]),
                ended: parse_slurm(f[5]),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_task_ranges_expand() {
        assert_eq!(expand_tasks("3"), vec![3]);
        assert_eq!(expand_tasks("3-6%2"), vec![3, 4, 5, 6]);
        assert_eq!(expand_tasks("1,4-5"), vec![1, 4, 5]);
        assert_eq!(expand_tasks("1-7:3"), vec![1, 4, 7]);
    }

    #[test]
    fn scontrol_lines_give_one_record_per_task() {
        let text = "JobId=10 ArrayJobId=8 ArrayTaskId=2 ArrayTaskThrottle=2 JobName=scanlake-convert JobState=FAILED Reason=NonZeroExitCode Dependency=(null) ExitCode=3:0 StartTime=2026-11-22T07:59:02 EndTime=2026-11-22T07:59:03 NodeList=vm Command=/tmp/a JobState=COMPLETED b WorkDir=/x ExitCode=0:0\n\
JobId=8 ArrayJobId=8 ArrayTaskId=3-4%2 JobName=scanlake-convert JobState=PENDING Reason=JobArrayTaskLimit ExitCode=0:0 StartTime=Unknown EndTime=Unknown NodeList=(null)\n\
JobId=12 JobName=x JobState=CANCELLED by 0 Reason=Dependency ExitCode=0:15 StartTime=None EndTime=2026-11-22T08:00:00 NodeList=(null)\n";
        let r = parse_scontrol(text);
        assert_eq!(r.len(), 4);
        assert_eq!((r[0].job_id(), r[0].state.as_str(), r[0].exit_code), ("8_2".into(), "FAILED", Some(3)));
        assert_eq!(r[0].raw_job.as_deref(), Some("10"));
        assert_eq!(r[0].node.as_deref(), Some("vm"));
        assert!(r[0].ended.unwrap() - r[0].started.unwrap() == 1);
        assert_eq!((r[1].job_id(), r[1].state.as_str(), r[1].exit_code), ("8_3".into(), "PENDING", None));
        assert_eq!(r[2].job_id(), "8_4");
        assert_eq!(r[2].reason.as_deref(), Some("JobArrayTaskLimit"));
        assert_eq!((r[3].job_id(), r[3].state.as_str(), r[3].signal), ("12_1".into(), "CANCELLED", Some(15)));
    }

    #[test]
    fn accounting_lines_are_read_by_raw_job_id() {
        let r = parse_sacct_completion("10|OUT_OF_MEMORY|0:125|vm|2026-11-22T07:59:02|2026-11-22T07:59:09\n");
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].raw_job.as_deref(), r[0].state.as_str()), (Some("10"), "OUT_OF_MEMORY"));
        assert_eq!(r[0].ended.unwrap() - r[0].started.unwrap(), 7);
    }
}
