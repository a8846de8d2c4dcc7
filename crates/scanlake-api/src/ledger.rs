//! A dataset's runs, one after another: the list (`scanlake runs`) and the failures that recur
//! over many runs (`scanlake analyze --all`). Runs live in [`runs_dir`]; one made elsewhere
//! (`run_dir`) is registered there by a symbolic link when it is made.

use crate::pipeline::{PUBLISHED, Published, Work, work_of};
use crate::runs::runs_dir;
use crate::settings::Settings;
use anyhow::{Context, Result};
use scanlake::aggregate::cells::{Cell, ColumnType};
use scanlake::aggregate::table::Table;
use scanlake_batch::Run;
use scanlake_batch::analyze::{Rules, every_failed_attempt};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One run of the dataset, as `scanlake runs` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct RunEntry {
    pub run: String,
    pub dir: PathBuf,
    /// When it was made (seconds since the epoch).
    pub created: i64,
    pub executor: String,
    /// `succeeded`, `failed`, `running`, … or `unreadable: WHY` for a directory that holds no
    /// run this scanlake can read.
    pub status: String,
    /// First start to last end of its attempts (seconds).
    pub wall_s: Option<f64>,
    /// The LIST files it split or converted.
    pub inputs: Vec<PathBuf>,
    /// Rows its publish stage added to the dataset.
    pub rows: Option<u64>,
    pub core_hours: f64,
    pub failed_attempts: u32,
    pub description: String,
}

/// The runs under the dataset's runs directory, oldest first (made since `since`, in seconds since
/// the epoch, if given). A run's status is what its store says; with `ask_slurm`, Slurm is asked
/// about the attempts of a Slurm run still active first, where it answers.
pub fn list(dataset: &Path, since: Option<i64>, ask_slurm: bool) -> Result<Vec<RunEntry>> {
    if !dataset.is_dir() {
        anyhow::bail!(
            "dataset {} does not exist\nhint: give the dataset a run wrote (`scanlake run … -o DATASET`)",
            dataset.display()
        );
    }
    let mut out = Vec::new();
    for dir in run_dirs(dataset)? {
        let entry = match entry(&dir, ask_slurm) {
            Ok(e) => e,
            Err(e) => RunEntry {
                run: dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                dir: dir.clone(),
                created: 0,
                executor: String::new(),
                status: format!("unreadable: {e:#}").lines().next().unwrap_or_default().to_string(),
                wall_s: None,
                inputs: Vec::new(),
                rows: None,
                core_hours: 0.0,
                failed_attempts: 0,
                description: String::new(),
            },
        };
        if since.is_none_or(|s| entry.created >= s) {
            out.push(entry);
        }
    }
    out.sort_by(|a, b| (a.created, &a.run).cmp(&(b.created, &b.run)));
    Ok(out)
}

/// Every directory (or link to one) under the runs directory.
fn run_dirs(dataset: &Path) -> Result<Vec<PathBuf>> {
    let dir = runs_dir(dataset);
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot list {}", dir.display())),
    };
    let mut dirs: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    Ok(dirs)
}

fn entry(dir: &Path, ask_slurm: bool) -> Result<RunEntry> {
    let run = Run::open(dir)?;
    let summary = match ask_slurm {
        true => crate::runs::status(&run).or_else(|_| scanlake_batch::status::summarize(&run))?,
        false => scanlake_batch::status::summarize(&run)?,
    };
    let stats = scanlake_batch::stats::recorded(&run)?;
    let mut inputs = Vec::new();
    for stage in &run.spec.stages {
        match work_of(&run, stage) {
            Ok(Work::Split { inputs: i, .. }) => inputs.extend(i),
            Ok(Work::Convert { inputs: i, chunks: None, .. }) => inputs.extend(i),
            _ => {}
        }
    }
    inputs.dedup();
    let rows = run
        .store
        .events(PUBLISHED)?
        .last()
        .and_then(|(_, detail)| serde_json::from_str::<Published>(detail).ok())
        .map(|p| p.rows);
    Ok(RunEntry {
        run: run.spec.id.clone(),
        dir: run.dir.clone(),
        created: run.spec.created,
        executor: run.spec.executor.to_string(),
        status: summary.status.as_str().to_string(),
        wall_s: stats.wall_s,
        inputs,
        rows,
        core_hours: stats.core_hours_used,
        failed_attempts: stats.stages.iter().map(|s| s.failed_attempts).sum(),
        description: run.spec.description.clone(),
    })
}

/// The list as a report table, exported like every report.
pub fn list_table(entries: &[RunEntry]) -> Table {
    let columns = [
        ("run", ColumnType::Text),
        ("created", ColumnType::Text),
        ("executor", ColumnType::Text),
        ("status", ColumnType::Text),
        ("wall_s", ColumnType::Float),
        ("inputs", ColumnType::Text),
        ("rows", ColumnType::Int),
        ("core_hours", ColumnType::Float),
        ("failed_attempts", ColumnType::Int),
    ];
    let rows = entries
        .iter()
        .map(|e| {
            let names: Vec<String> = e
                .inputs
                .iter()
                .map(|p| p.file_name().unwrap_or(p.as_os_str()).to_string_lossy().into_owned())
                .collect();
            vec![
                Cell::Text(e.run.clone()),
                if e.created > 0 { Cell::Text(scanlake_batch::time::show(e.created)) } else { Cell::Null },
                Cell::Text(e.executor.clone()),
                Cell::Text(e.status.clone()),
                crate::runs::three_places(e.wall_s),
                Cell::Text(names.join(" ")),
                e.rows.map_or(Cell::Null, |r| Cell::Int(r as i64)),
                Cell::Text(format!("{:.4}", e.core_hours)),
                Cell::Int(e.failed_attempts.into()),
            ]
        })
        .collect();
    crate::runs::table(&columns, rows)
}

/// Failures of one category in one stage, over many runs.
#[derive(Debug, Clone, Serialize)]
pub struct Recurring {
    pub category: String,
    pub stage: String,
    /// Failed attempts.
    pub count: u32,
    /// The runs they happened in, oldest first.
    pub runs: Vec<String>,
    pub hint: Option<String>,
    pub latest: Example,
}

/// The newest failure of a group.
#[derive(Debug, Clone, Serialize)]
pub struct Example {
    pub run: String,
    pub dir: PathBuf,
    pub task: u32,
    pub job_id: String,
    pub state: String,
    /// When it ended (seconds since the epoch), where known.
    pub ended: Option<i64>,
    pub reason: Option<String>,
    /// The line of its stderr that says what went wrong: the last `error…` line, else the last
    /// line that is not a hint.
    pub error_line: Option<String>,
}

/// Every failed attempt of the dataset's runs (made since `since`), resumed ones too, grouped by
/// category and stage; most frequent first. Rules as [`crate::runs::analyze`] finds them.
pub fn recurring_failures(
    dataset: &Path,
    since: Option<i64>,
    rule_files: &[PathBuf],
    settings: &Settings,
) -> Result<(Vec<RunEntry>, Vec<Recurring>)> {
    let rules = Rules::load(&crate::runs::rule_files_with_own(rule_files, settings))?;
    let entries = list(dataset, since, true)?;
    let mut groups: BTreeMap<(String, String), Recurring> = BTreeMap::new();
    for e in entries.iter().filter(|e| !e.status.starts_with("unreadable")) {
        let run = Run::open(&e.dir)?;
        for f in every_failed_attempt(&run, &rules)? {
            let example = Example {
                run: e.run.clone(),
                dir: e.dir.clone(),
                task: f.task,
                job_id: f.job_id.clone(),
                state: f.state.clone(),
                ended: f.ended,
                reason: f.reason.clone(),
                error_line: error_line(&f.stderr_tail),
            };
            let group = groups.entry((f.category.clone(), f.stage.clone())).or_insert_with(|| Recurring {
                category: f.category.clone(),
                stage: f.stage.clone(),
                count: 0,
                runs: Vec::new(),
                hint: f.hint.clone(),
                latest: example.clone(),
            });
            group.count += 1;
            if group.runs.last() != Some(&e.run) {
                group.runs.push(e.run.clone());
            }
            // Runs come oldest first: a later run's failure is newer; within a run, the one that ended last.
            if group.latest.run != e.run || example.ended >= group.latest.ended {
                group.latest = example;
            }
        }
    }
    let mut out: Vec<Recurring> = groups.into_values().collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(b.runs.len().cmp(&a.runs.len())));
    Ok((entries, out))
}

/// `--since`: a date (`2026-11-01`, from its local midnight) or a local date and time
/// (`2026-11-01T08:00`), as seconds since the epoch.
pub fn since(text: &str) -> Result<i64> {
    use jiff::civil::{Date, DateTime};
    let at: DateTime = match text.parse::<DateTime>() {
        Ok(dt) => dt,
        Err(_) => text
            .parse::<Date>()
            .map_err(|_| {
                scanlake::options::OptionError::new(
                    "since",
                    format!("`since` must be a date (2026-11-01) or a date and time (2026-11-01T08:00), not {text:?}"),
                )
            })?
            .to_datetime(jiff::civil::Time::midnight()),
    };
    Ok(at.to_zoned(jiff::tz::TimeZone::system())?.timestamp().as_second())
}

fn error_line(tail: &[String]) -> Option<String> {
    let said = |l: &&String| !l.trim().is_empty() && !l.starts_with("hint:");
    let error = tail.iter().rev().find(|l| l.to_ascii_lowercase().starts_with("error"));
    error.or_else(|| tail.iter().rev().find(said)).cloned()
}
