//! `analyze`: for each failed task, its state, exit code, logs, the tail of its stderr, a
//! category from rules users can extend (built-in ones in `rules.toml`), and the command that
//! reruns it here.

use crate::run::Run;
use crate::script;
use crate::status::is_failure;
use crate::store::Attempt;
use anyhow::{Context, Result, bail};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const BUILT_IN_RULES: &str = include_str!("rules.toml");
const TAIL_LINES: usize = 20;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    rule: Vec<RuleText>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleText {
    category: String,
    #[serde(default)]
    states: Vec<String>,
    exit_code: Option<i32>,
    signal: Option<i32>,
    reason: Option<String>,
    stderr: Option<String>,
    hint: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub category: String,
    states: Vec<String>,
    exit_code: Option<i32>,
    signal: Option<i32>,
    reason: Option<Regex>,
    stderr: Option<Regex>,
    pub hint: Option<String>,
}

/// Rules in the order they are tried.
pub struct Rules(Vec<Rule>);

impl Rules {
    /// The user's files first (in the order given), then the built-in rules.
    pub fn load(user_files: &[PathBuf]) -> Result<Rules> {
        let mut rules = Vec::new();
        for f in user_files {
            let text = std::fs::read_to_string(f).with_context(|| format!("cannot read rule file {}", f.display()))?;
            rules.extend(parse(&text).with_context(|| format!("bad rule file {}", f.display()))?);
        }
        rules.extend(parse(BUILT_IN_RULES).context("the built-in rules")?);
        Ok(Rules(rules))
    }

    /// Every rule, in the order they are tried.
    pub fn all(&self) -> &[Rule] {
        &self.0
    }

    pub fn classify(&self, facts: &Facts) -> Option<&Rule> {
        self.0.iter().find(|r| r.matches(facts))
    }
}

fn parse(text: &str) -> Result<Vec<Rule>> {
    let file: RuleFile = toml::from_str(text)?;
    file.rule
        .into_iter()
        .map(|r| {
            let regex = |p: Option<String>| {
                p.map(|p| Regex::new(&p).with_context(|| format!("rule '{}': bad regular expression", r.category)))
                    .transpose()
            };
            if r.states.is_empty()
                && r.exit_code.is_none()
                && r.signal.is_none()
                && r.reason.is_none()
                && r.stderr.is_none()
            {
                bail!("rule '{}' tests nothing (give states, exit_code, signal, reason or stderr)", r.category);
            }
            Ok(Rule {
                reason: regex(r.reason.clone())?,
                stderr: regex(r.stderr.clone())?,
                category: r.category,
                states: r.states,
                exit_code: r.exit_code,
                signal: r.signal,
                hint: r.hint,
            })
        })
        .collect()
}

/// What a rule can look at.
pub struct Facts<'a> {
    pub state: &'a str,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub reason: &'a str,
    pub stderr: &'a str,
}

impl Rule {
    fn matches(&self, f: &Facts) -> bool {
        (self.states.is_empty() || self.states.iter().any(|s| s == f.state))
            && self.exit_code.is_none_or(|c| f.exit_code == Some(c))
            && self.signal.is_none_or(|s| f.signal == Some(s))
            && self.reason.as_ref().is_none_or(|r| r.is_match(f.reason))
            && self.stderr.as_ref().is_none_or(|r| r.is_match(f.stderr))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub stage: String,
    pub task: u32,
    pub job_id: String,
    pub state: String,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub reason: Option<String>,
    pub host: Option<String>,
    /// When the attempt ended (seconds since the epoch), where known.
    pub ended: Option<i64>,
    pub stdout: Option<PathBuf>,
    pub stderr: Option<PathBuf>,
    pub stderr_tail: Vec<String>,
    pub category: String,
    pub hint: Option<String>,
    /// Runs the task again in this shell, recorded as a new attempt.
    pub rerun: String,
}

/// The last lines of a log, as text (invalid UTF-8 replaced); none if it is missing.
pub fn tail(path: &Path, lines: usize) -> Vec<String> {
    let Ok(bytes) = std::fs::read(path) else { return Vec::new() };
    let text = String::from_utf8_lossy(&bytes);
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].iter().map(|l| l.to_string()).collect()
}

/// The tasks whose latest attempt failed, each classified.
pub fn analyze(run: &Run, rules: &Rules) -> Result<Vec<Finding>> {
    run.task_states()?.into_iter().filter(|a| is_failure(&a.state)).map(|a| finding(run, a, rules)).collect()
}

/// Every attempt that failed, those a resume made good included: what `analyze --all` counts.
pub fn every_failed_attempt(run: &Run, rules: &Rules) -> Result<Vec<Finding>> {
    run.store.attempts()?.into_iter().filter(|a| is_failure(&a.state)).map(|a| finding(run, a, rules)).collect()
}

fn finding(run: &Run, a: Attempt, rules: &Rules) -> Result<Finding> {
    let stdout = a.stdout.as_ref().map(|p| run.dir.join(p));
    let stderr = a.stderr.as_ref().map(|p| run.dir.join(p));
    let stderr_tail = stderr.as_deref().map(|p| tail(p, TAIL_LINES)).unwrap_or_default();
    let joined = stderr_tail.join("\n");
    let facts = Facts {
        state: &a.state,
        exit_code: a.exit_code,
        signal: a.signal,
        reason: a.reason.as_deref().unwrap_or(""),
        stderr: &joined,
    };
    let rule = rules.classify(&facts);
    Ok(Finding {
        rerun: script::task_command(&run.spec, &run.dir, &a.stage, &a.task.to_string())?,
        category: rule.map_or_else(|| "unknown".to_string(), |r| r.category.clone()),
        hint: rule.and_then(|r| r.hint.clone()),
        stage: a.stage,
        task: a.task,
        job_id: a.job_id,
        state: a.state,
        exit_code: a.exit_code,
        signal: a.signal,
        reason: a.reason,
        host: a.host,
        ended: a.ended,
        stdout,
        stderr,
        stderr_tail,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn category(rules: &Rules, state: &str, reason: &str, stderr: &str) -> String {
        let f = Facts { state, exit_code: Some(1), signal: Some(0), reason, stderr };
        rules.classify(&f).map(|r| r.category.clone()).unwrap_or_default()
    }

    #[test]
    fn built_in_rules_name_the_usual_causes() {
        let r = Rules::load(&[]).unwrap();
        assert_eq!(category(&r, "OUT_OF_MEMORY", "", ""), "out of memory");
        assert_eq!(category(&r, "FAILED", "", "memory allocation of 4096 bytes failed"), "out of memory");
        assert_eq!(category(&r, "TIMEOUT", "", ""), "time limit");
        assert_eq!(category(&r, "FAILED", "", "Error: write: No space left on device (os error 28)"), "no space left");
        assert_eq!(category(&r, "FAILED", "", "cannot open x: Permission denied"), "permission denied");
        assert_eq!(
            category(&r, "FAILED", "", "error: 1 input(s) failed; first: c: 50 of 100 lines rejected (50.00%)"),
            "too many rejected lines"
        );
        assert_eq!(category(&r, "NODE_FAIL", "", ""), "node failure");
        assert_eq!(category(&r, "CANCELLED", "DependencyNeverSatisfied", ""), "cancelled: a prerequisite failed");
        assert_eq!(category(&r, "FAILED", "NonZeroExitCode", "something odd"), "task error");
    }

    #[test]
    fn user_rules_come_first_and_bad_ones_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("rules.toml");
        std::fs::write(&file, "[[rule]]\ncategory = \"gpfs hiccup\"\nstderr = \"Stale file handle\"\n").unwrap();
        let r = Rules::load(std::slice::from_ref(&file)).unwrap();
        assert_eq!(category(&r, "FAILED", "", "read: Stale file handle"), "gpfs hiccup");
        std::fs::write(&file, "[[rule]]\ncategory = \"all\"\n").unwrap();
        let err = Rules::load(std::slice::from_ref(&file)).err().unwrap();
        assert!(format!("{err:#}").contains("tests nothing"), "{err:#}");
        std::fs::write(&file, "[[rule]]\ncategory = \"x\"\nstderr = \"(\"\n").unwrap();
        assert!(format!("{:#}", Rules::load(&[file]).err().unwrap()).contains("bad regular expression"));
    }
}
