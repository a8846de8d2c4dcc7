//! Slurm's accounting, the one record of a batch job kept outside the run: `sacct` gives each
//! job's State, ExitCode, Submit/Start/End, Elapsed, TotalCPU, AllocCPUS, ReqMem, MaxRSS and
//! NodeList. Read from `--parsable2` output by the names in its header, never by position, and
//! folded into one record per job (MaxRSS is its steps', the largest).

use crate::time::parse_slurm;
use anyhow::{Context, Result, bail};
use serde::Serialize;
use std::collections::BTreeMap;
use std::process::Command;

/// The fields asked of `sacct`.
pub const FIELDS: [&str; 13] = [
    "JobID",
    "JobIDRaw",
    "State",
    "ExitCode",
    "Submit",
    "Start",
    "End",
    "ElapsedRaw",
    "TotalCPU",
    "AllocCPUS",
    "ReqMem",
    "MaxRSS",
    "NodeList",
];

/// One job as accounting knows it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AccountedJob {
    /// `ARRAYJOB_TASK` for an array task, else the job id.
    pub job_id: String,
    /// The job's own id.
    pub raw_job: String,
    pub state: String,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub submitted: Option<i64>,
    pub started: Option<i64>,
    pub ended: Option<i64>,
    pub elapsed_s: Option<i64>,
    /// User and system CPU of every step.
    pub total_cpu_s: Option<f64>,
    pub alloc_cpus: Option<i64>,
    pub requested_memory_bytes: Option<i64>,
    /// The largest MaxRSS of its steps (sampled by `jobacct_gather`).
    pub max_rss_bytes: Option<i64>,
    pub nodes: Option<String>,
}

impl AccountedJob {
    /// Submission to start: the queue's wait.
    pub fn queue_wait_s(&self) -> Option<i64> {
        Some(self.started? - self.submitted?).filter(|w| *w >= 0)
    }
}

/// What accounting says about some jobs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Accounting {
    /// Accounting cannot be asked (off, unreachable, no `sacct`): why, in sacct's words.
    Off(String),
    Jobs(Vec<AccountedJob>),
}

/// Asks `sacct` about `jobs` (job ids or `ARRAYJOB_TASK`s).
pub fn query(jobs: &[String]) -> Accounting {
    if jobs.is_empty() {
        return Accounting::Jobs(Vec::new());
    }
    let out = Command::new("sacct")
        .args(["-P", "-S", "2000-01-01", "--units=K", "-o", &FIELDS.join(","), "-j", &jobs.join(",")])
        .output();
    let out = match out {
        Ok(out) => out,
        Err(e) => return Accounting::Off(format!("cannot run sacct: {e}")),
    };
    if !out.status.success() {
        let said = String::from_utf8_lossy(&out.stderr);
        return Accounting::Off(said.lines().next().unwrap_or("sacct failed").trim().to_string());
    }
    match parse(&String::from_utf8_lossy(&out.stdout)) {
        Ok(jobs) => Accounting::Jobs(jobs),
        Err(e) => Accounting::Off(format!("{e:#}")),
    }
}

/// `sacct -P -o FIELDS` output, header first: one record per job, its steps (`ID.batch`,
/// `ID.extern`, `ID.0`) folded in.
pub fn parse(text: &str) -> Result<Vec<AccountedJob>> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().context("sacct printed nothing, not even its header")?.split('|').collect();
    let at = |name: &str| -> Result<usize> {
        header.iter().position(|h| *h == name).with_context(|| format!("sacct's header lacks {name}: {header:?}"))
    };
    let [id, raw, state, exit, submit, start, end, elapsed, cpu, alloc, req, rss, nodes] =
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map(|i| at(FIELDS[i]));
    let (id, raw, state, exit, submit, start, end) = (id?, raw?, state?, exit?, submit?, start?, end?);
    let (elapsed, cpu, alloc, req, rss, nodes) = (elapsed?, cpu?, alloc?, req?, rss?, nodes?);
    let mut jobs: BTreeMap<String, AccountedJob> = BTreeMap::new();
    let mut order = Vec::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split('|').collect();
        if f.len() != header.len() {
            bail!("a line of sacct has {} fields, its header {}: {line:?}", f.len(), header.len());
        }
        let (job, step) = match f[id].split_once('.') {
            Some((job, step)) => (job, Some(step)),
            None => (f[id], None),
        };
        if !jobs.contains_key(job) {
            order.push(job.to_string());
        }
        let j = jobs.entry(job.to_string()).or_default();
        let step_rss = memory(f[rss]);
        j.max_rss_bytes = j.max_rss_bytes.max(step_rss);
        if step.is_some() {
            continue;
        }
        let (exit_code, signal) = match f[exit].split_once(':') {
            Some((c, s)) => (c.parse().ok(), s.parse().ok()),
            None => (f[exit].parse().ok(), None),
        };
        *j = AccountedJob {
            job_id: job.to_string(),
            raw_job: f[raw].to_string(),
            // `CANCELLED by 0` is `CANCELLED`.
            state: f[state].split_whitespace().next().unwrap_or("").to_string(),
            exit_code,
            signal,
            submitted: parse_slurm(f[submit]),
            started: parse_slurm(f[start]),
            ended: parse_slurm(f[end]),
            elapsed_s: f[elapsed].parse().ok(),
            total_cpu_s: duration(f[cpu]),
            alloc_cpus: f[alloc].parse().ok(),
            requested_memory_bytes: memory(f[req]),
            max_rss_bytes: j.max_rss_bytes,
            nodes: Some(f[nodes].to_string()).filter(|n| !n.is_empty() && n != "None assigned" && n != "(null)"),
        };
    }
    Ok(order.into_iter().filter_map(|k| jobs.remove(&k)).filter(|j| !j.job_id.is_empty()).collect())
}

/// `[D-][HH:]MM:SS[.mmm]` in seconds.
pub fn duration(text: &str) -> Option<f64> {
    let (days, rest) = match text.split_once('-') {
        Some((d, r)) => (d.parse::<f64>().ok()?, r),
        None => (0.0, text),
    };
    let parts: Vec<f64> = rest.split(':').map(|p| p.parse::<f64>().ok()).collect::<Option<_>>()?;
    let clock = match parts.as_slice() {
        [h, m, s] => h * 3600.0 + m * 60.0 + s,
        [m, s] => m * 60.0 + s,
        [s] => *s,
        _ => return None,
    };
    Some(days * 86_400.0 + clock)
}

/// `1234K`, `1.5G`, `4000Mn`, `2Gc` (older per-node and per-CPU marks), `0` in bytes; empty is none.
pub fn memory(text: &str) -> Option<i64> {
    let text = text.trim().trim_end_matches(['n', 'c']);
    if text.is_empty() {
        return None;
    }
    let (number, scale) = match text.chars().last()? {
        'K' => (&text[..text.len() - 1], 1i64 << 10),
        'M' => (&text[..text.len() - 1], 1 << 20),
        'G' => (&text[..text.len() - 1], 1 << 30),
        'T' => (&text[..text.len() - 1], 1 << 40),
        _ => (text, 1),
    };
    Some((number.parse::<f64>().ok()? * scale as f64).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_read_by_name_and_steps_fold_into_their_job() {
        // The columns in another order than asked, as a newer sacct might print them.
        let text = "JobIDRaw|JobID|State|ExitCode|Submit|Start|End|ElapsedRaw|TotalCPU|AllocCPUS|ReqMem|MaxRSS|NodeList\n\
58|57_2|FAILED|1:0|2026-12-05T10:00:00|2026-12-05T10:00:03|2026-12-05T10:01:05|62|01:01.500|2|8G||vm\n\
58.batch|57_2.batch|FAILED|1:0|2026-12-05T10:00:03|2026-12-05T10:00:03|2026-12-05T10:01:05|62|01:01.400|2||1153434K|vm\n\
58.extern|57_2.extern|COMPLETED|0:0|2026-12-05T10:00:03|2026-12-05T10:00:03|2026-12-05T10:01:05|62|00:00:00|2||1200K|vm\n\
60|60|CANCELLED by 0|0:15|2026-12-05T10:00:00|None|2026-12-05T10:02:00|0|00:00:00|0|8G||None assigned\n";
        let jobs = parse(text).unwrap();
        assert_eq!(jobs.len(), 2);
        let j = &jobs[0];
        assert_eq!((j.job_id.as_str(), j.raw_job.as_str(), j.state.as_str()), ("57_2", "58", "FAILED"));
        assert_eq!((j.exit_code, j.signal), (Some(1), Some(0)));
        assert_eq!(j.queue_wait_s(), Some(3));
        assert_eq!(j.elapsed_s, Some(62));
        assert_eq!(j.total_cpu_s, Some(61.5));
        assert_eq!(j.alloc_cpus, Some(2));
        assert_eq!(j.requested_memory_bytes, Some(8 << 30));
        assert_eq!(j.max_rss_bytes, Some(1153434 << 10), "the largest step's");
        assert_eq!(j.nodes.as_deref(), Some("vm"));
        assert_eq!((jobs[1].state.as_str(), jobs[1].started, jobs[1].nodes.as_deref()), ("CANCELLED", None, None));
        assert!(parse("JobID|State\n1|COMPLETED\n").unwrap_err().to_string().contains("lacks JobIDRaw"));
        assert!(parse("").is_err());
    }

    #[test]
    fn durations_and_memory_read_as_sacct_writes_them() {
        assert_eq!(duration("00:01.234"), Some(1.234));
        assert_eq!(duration("1:02:03"), Some(3723.0));
        assert_eq!(duration("2-00:00:01"), Some(172_801.0));
        assert_eq!(duration("nonsense"), None);
        assert_eq!(memory("1234K"), Some(1234 << 10));
        assert_eq!(memory("1.5G"), Some(3 << 29));
        assert_eq!(memory("4000Mn"), Some(4000 << 20));
        assert_eq!(memory("0"), Some(0));
        assert_eq!(memory(""), None);
    }
}
