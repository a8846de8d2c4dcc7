//! `state.db`: every attempt at every task of a run, in SQLite.
//!
//! Written by the process that submits or watches a run and by each task as it starts and ends
//! (tasks on other nodes too: the run directory is on a shared file system). SQLite's default
//! rollback journal with POSIX locks works there (WAL needs shared memory on one host), and a
//! generous busy timeout lets many array tasks record themselves at once.

use crate::usage::Usage;
use anyhow::{Context, Result, bail};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::path::Path;
use std::time::Duration;

/// A task's state: Slurm's job states, plus `LOST` (the scheduler has forgotten the job and the
/// task never said how it ended) and `NOT_SUBMITTED`.
pub const TERMINAL_OK: &str = "COMPLETED";
pub const NOT_SUBMITTED: &str = "NOT_SUBMITTED";
pub const LOST: &str = "LOST";

/// Still waiting or working: not to be resubmitted.
pub fn is_active(state: &str) -> bool {
    matches!(
        state,
        "PENDING" | "RUNNING" | "CONFIGURING" | "COMPLETING" | "REQUEUED" | "RESIZING" | "SUSPENDED" | "STAGE_OUT"
    )
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attempt {
    pub id: i64,
    pub stage: String,
    pub task: u32,
    /// `ARRAYJOB_TASK` for Slurm, `local` otherwise.
    pub job_id: String,
    pub state: String,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub reason: Option<String>,
    pub host: Option<String>,
    pub submitted: Option<i64>,
    pub started: Option<i64>,
    pub ended: Option<i64>,
    pub stdout: Option<String>,
    pub stderr: Option<String>,
    /// The task's own Slurm job id (array tasks get one when they start).
    pub raw_job: Option<String>,
}

pub struct Store {
    db: Connection,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS stage (
    name TEXT PRIMARY KEY, position INTEGER NOT NULL, tasks INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS attempt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    stage TEXT NOT NULL REFERENCES stage(name), task INTEGER NOT NULL,
    job_id TEXT NOT NULL, raw_job TEXT, state TEXT NOT NULL,
    exit_code INTEGER, signal INTEGER, reason TEXT, host TEXT,
    submitted INTEGER, started INTEGER, ended INTEGER, stdout TEXT, stderr TEXT);
CREATE INDEX IF NOT EXISTS attempt_task ON attempt(stage, task);
CREATE INDEX IF NOT EXISTS attempt_job ON attempt(job_id);
CREATE TABLE IF NOT EXISTS event (
    at INTEGER NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS usage (
    attempt INTEGER PRIMARY KEY REFERENCES attempt(id),
    wall_ms INTEGER NOT NULL, user_ms INTEGER NOT NULL, system_ms INTEGER NOT NULL,
    children_user_ms INTEGER NOT NULL, children_system_ms INTEGER NOT NULL,
    peak_rss_kib INTEGER, read_bytes INTEGER, written_bytes INTEGER,
    storage_read_bytes INTEGER, storage_written_bytes INTEGER,
    threads INTEGER NOT NULL, peak_is_task INTEGER NOT NULL, started_ms INTEGER);
";

/// The store's layout: 1 had no `usage` table (added, empty, when such a store is opened: its
/// attempts simply have no figures); 2 has it; 3 adds `usage.started_ms` (a version 2 store gains
/// the column, empty for the attempts it holds). A newer store is refused.
pub const SCHEMA_VERSION: i64 = 3;

const COLUMNS: &str = "id, stage, task, job_id, state, exit_code, signal, reason, host, submitted, started, ended, stdout, stderr, raw_job";

fn attempt(row: &rusqlite::Row) -> rusqlite::Result<Attempt> {
    Ok(Attempt {
        id: row.get(0)?,
        stage: row.get(1)?,
        task: row.get(2)?,
        job_id: row.get(3)?,
        state: row.get(4)?,
        exit_code: row.get(5)?,
        signal: row.get(6)?,
        reason: row.get(7)?,
        host: row.get(8)?,
        submitted: row.get(9)?,
        started: row.get(10)?,
        ended: row.get(11)?,
        stdout: row.get(12)?,
        stderr: row.get(13)?,
        raw_job: row.get(14)?,
    })
}

/// A new attempt, before it has a row.
pub struct NewAttempt<'a> {
    pub stage: &'a str,
    pub task: u32,
    pub job_id: &'a str,
    pub state: &'a str,
    pub submitted: Option<i64>,
    pub started: Option<i64>,
    pub host: Option<&'a str>,
    pub stdout: Option<String>,
    pub stderr: Option<String>,
}

/// What the scheduler or the task itself says about an attempt now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Update {
    pub state: String,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub reason: Option<String>,
    pub host: Option<String>,
    pub started: Option<i64>,
    pub ended: Option<i64>,
    pub raw_job: Option<String>,
}

impl Store {
    pub fn open(path: &Path) -> Result<Store> {
        let db = Connection::open(path).with_context(|| format!("cannot open the run's state {}", path.display()))?;
        db.busy_timeout(Duration::from_secs(120))?;
        let version: i64 = db.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            bail!(
                "{} is version {version} of the run's state; this scanlake knows up to {SCHEMA_VERSION}\nhint: use the scanlake that made the run, or a newer one",
                path.display()
            );
        }
        db.execute_batch(SCHEMA).with_context(|| format!("cannot set up {}", path.display()))?;
        if version == 2 {
            db.execute_batch("ALTER TABLE usage ADD COLUMN started_ms INTEGER")
                .with_context(|| format!("cannot update {} to version {SCHEMA_VERSION}", path.display()))?;
        }
        if version < SCHEMA_VERSION {
            db.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        }
        Ok(Store { db })
    }

    pub fn add_stage(&self, name: &str, position: usize, tasks: u32) -> Result<()> {
        self.db.execute(
            "INSERT OR REPLACE INTO stage(name, position, tasks) VALUES (?1, ?2, ?3)",
            params![name, position as i64, tasks],
        )?;
        Ok(())
    }

    pub fn event(&self, kind: &str, detail: &str) -> Result<()> {
        self.db.execute(
            "INSERT INTO event(at, kind, detail) VALUES (?1, ?2, ?3)",
            params![crate::time::now(), kind, detail],
        )?;
        Ok(())
    }

    pub fn clear_events(&self, kind: &str) -> Result<()> {
        self.db.execute("DELETE FROM event WHERE kind = ?1", [kind])?;
        Ok(())
    }

    pub fn events(&self, kind: &str) -> Result<Vec<(i64, String)>> {
        let mut q = self.db.prepare("SELECT at, detail FROM event WHERE kind = ?1 ORDER BY rowid")?;
        let rows = q.query_map([kind], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Records new attempts in one transaction.
    pub fn add_attempts(&mut self, new: &[NewAttempt]) -> Result<Vec<i64>> {
        let tx = self.db.transaction()?;
        let mut ids = Vec::with_capacity(new.len());
        {
            let mut q = tx.prepare(
                "INSERT INTO attempt(stage, task, job_id, state, submitted, started, host, stdout, stderr)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for a in new {
                q.execute(params![
                    a.stage,
                    a.task,
                    a.job_id,
                    a.state,
                    a.submitted,
                    a.started,
                    a.host,
                    a.stdout,
                    a.stderr
                ])?;
                ids.push(tx.last_insert_rowid());
            }
        }
        tx.commit()?;
        Ok(ids)
    }

    /// Sets what is known now; fields that are `None` keep their value.
    pub fn update(&self, id: i64, u: &Update) -> Result<()> {
        self.db.execute(
            "UPDATE attempt SET state = ?2, exit_code = coalesce(?3, exit_code), signal = coalesce(?4, signal),
                 reason = coalesce(?5, reason), host = coalesce(?6, host), started = coalesce(?7, started),
                 ended = coalesce(?8, ended), raw_job = coalesce(?9, raw_job)
             WHERE id = ?1",
            params![id, u.state, u.exit_code, u.signal, u.reason, u.host, u.started, u.ended, u.raw_job],
        )?;
        Ok(())
    }

    pub fn set_logs(&self, id: i64, stdout: Option<&str>, stderr: Option<&str>) -> Result<()> {
        self.db.execute(
            "UPDATE attempt SET stdout = coalesce(?2, stdout), stderr = coalesce(?3, stderr) WHERE id = ?1",
            params![id, stdout, stderr],
        )?;
        Ok(())
    }

    /// The newest attempt of a task made by this job, if any.
    pub fn attempt_of_job(&self, stage: &str, task: u32, job_id: &str) -> Result<Option<Attempt>> {
        Ok(self
            .db
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM attempt WHERE stage = ?1 AND task = ?2 AND job_id = ?3 ORDER BY id DESC LIMIT 1"
                ),
                params![stage, task, job_id],
                attempt,
            )
            .optional()?)
    }

    /// Every attempt, oldest first.
    pub fn attempts(&self) -> Result<Vec<Attempt>> {
        let mut q = self.db.prepare(&format!("SELECT {COLUMNS} FROM attempt ORDER BY id"))?;
        let rows = q.query_map([], attempt)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// What an attempt used, as the task measured it (once; a second record replaces the first).
    pub fn record_usage(&self, attempt: i64, u: &Usage) -> Result<()> {
        self.db.execute(
            "INSERT OR REPLACE INTO usage(attempt, wall_ms, user_ms, system_ms, children_user_ms,
                 children_system_ms, peak_rss_kib, read_bytes, written_bytes, storage_read_bytes,
                 storage_written_bytes, threads, peak_is_task, started_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            params![
                attempt,
                u.wall_ms,
                u.user_ms,
                u.system_ms,
                u.children_user_ms,
                u.children_system_ms,
                u.peak_rss_kib,
                u.read_bytes,
                u.written_bytes,
                u.storage_read_bytes,
                u.storage_written_bytes,
                u.threads,
                u.peak_is_task,
                u.started_ms
            ],
        )?;
        Ok(())
    }

    /// Every recorded usage, by attempt id.
    pub fn usages(&self) -> Result<std::collections::BTreeMap<i64, Usage>> {
        let mut q = self.db.prepare(
            "SELECT attempt, wall_ms, user_ms, system_ms, children_user_ms, children_system_ms, peak_rss_kib,
                    read_bytes, written_bytes, storage_read_bytes, storage_written_bytes, threads, peak_is_task,
                    started_ms
             FROM usage",
        )?;
        let rows = q.query_map([], |r| {
            Ok((
                r.get(0)?,
                Usage {
                    wall_ms: r.get(1)?,
                    user_ms: r.get(2)?,
                    system_ms: r.get(3)?,
                    children_user_ms: r.get(4)?,
                    children_system_ms: r.get(5)?,
                    peak_rss_kib: r.get(6)?,
                    read_bytes: r.get(7)?,
                    written_bytes: r.get(8)?,
                    storage_read_bytes: r.get(9)?,
                    storage_written_bytes: r.get(10)?,
                    threads: r.get(11)?,
                    peak_is_task: r.get(12)?,
                    started_ms: r.get(13)?,
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The newest attempt of every task that has one.
    pub fn latest(&self) -> Result<Vec<Attempt>> {
        let mut q = self.db.prepare(&format!(
            "SELECT {COLUMNS} FROM attempt WHERE id IN (SELECT max(id) FROM attempt GROUP BY stage, task) ORDER BY stage, task"
        ))?;
        let rows = q.query_map([], attempt)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_of_version_1_gains_usage_and_a_newer_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        {
            // What version 1 wrote: no usage table, user_version 0.
            let db = Connection::open(&path).unwrap();
            let v1 = SCHEMA.split("CREATE TABLE IF NOT EXISTS usage").next().unwrap();
            db.execute_batch(v1).unwrap();
            db.execute("INSERT INTO stage(name, position, tasks) VALUES ('convert', 0, 1)", []).unwrap();
            db.execute(
                "INSERT INTO attempt(stage, task, job_id, state) VALUES ('convert', 1, 'local', 'COMPLETED')",
                [],
            )
            .unwrap();
        }
        let s = Store::open(&path).unwrap();
        assert_eq!(s.attempts().unwrap().len(), 1, "the old attempts stay");
        assert!(s.usages().unwrap().is_empty());
        let u = Usage { wall_ms: 1500, user_ms: 1200, threads: 2, peak_rss_kib: Some(4096), ..Usage::default() };
        s.record_usage(1, &u).unwrap();
        assert_eq!(s.usages().unwrap()[&1], u);
        drop(s);
        Connection::open(&path).unwrap().pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
        let err = Store::open(&path).err().unwrap().to_string();
        assert!(err.contains("version 4 of the run's state") && err.contains("hint:"), "{err}");
    }

    #[test]
    fn a_store_of_version_2_gains_the_start_of_each_measurement() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        {
            let db = Connection::open(&path).unwrap();
            db.execute_batch(&SCHEMA.replace(", started_ms INTEGER", "")).unwrap();
            db.pragma_update(None, "user_version", 2).unwrap();
            db.execute("INSERT INTO stage(name, position, tasks) VALUES ('convert', 0, 1)", []).unwrap();
            db.execute(
                "INSERT INTO attempt(stage, task, job_id, state) VALUES ('convert', 1, 'local', 'COMPLETED')",
                [],
            )
            .unwrap();
            db.execute("INSERT INTO usage VALUES (1, 1500, 1200, 0, 0, 0, 4096, 1, 2, 3, 4, 2, 1)", []).unwrap();
        }
        let s = Store::open(&path).unwrap();
        assert_eq!(s.usages().unwrap()[&1].wall_ms, 1500, "the old figures stay");
        assert_eq!(s.usages().unwrap()[&1].started_ms, None);
        let u = Usage { wall_ms: 10, started_ms: Some(1_796_000_000_123), ..Usage::default() };
        s.record_usage(1, &u).unwrap();
        assert_eq!(s.usages().unwrap()[&1], u);
        drop(s);
        let again = Store::open(&path).unwrap();
        assert_eq!(again.usages().unwrap()[&1].started_ms, Some(1_796_000_000_123), "opened twice, changed once");
    }

    #[test]
    fn the_latest_attempt_of_each_task_wins() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("state.db")).unwrap();
        s.add_stage("convert", 0, 2).unwrap();
        let new = |task, job_id: &'static str| NewAttempt {
            stage: "convert",
            task,
            job_id,
            state: "PENDING",
            submitted: Some(1),
            started: None,
            host: None,
            stdout: None,
            stderr: None,
        };
        let ids = s.add_attempts(&[new(1, "7_1"), new(2, "7_2")]).unwrap();
        s.update(ids[1], &Update { state: "FAILED".into(), exit_code: Some(1), ..Update::default() }).unwrap();
        s.add_attempts(&[new(2, "9_2")]).unwrap();
        let latest = s.latest().unwrap();
        assert_eq!(latest.len(), 2);
        assert_eq!(latest[1].job_id, "9_2");
        assert_eq!(latest[1].state, "PENDING");
        assert_eq!(s.attempts().unwrap().len(), 3);
        let failed = s.attempt_of_job("convert", 2, "7_2").unwrap().unwrap();
        assert_eq!((failed.state.as_str(), failed.exit_code), ("FAILED", Some(1)));
        // A later update without an exit code keeps the one recorded.
        s.update(ids[1], &Update { state: "FAILED".into(), ..Update::default() }).unwrap();
        assert_eq!(s.attempt_of_job("convert", 2, "7_2").unwrap().unwrap().exit_code, Some(1));
    }
}
