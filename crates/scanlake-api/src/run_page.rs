//! `scanlake report RUN -o run.html`: one self-contained page about a run — its figures, a
//! timeline of every attempt per stage (as `pegasus-plots` draws one), CPU efficiency and memory
//! per stage, the advice, and the statistics tables. The same page machinery and browser checks
//! as the dataset report.

use crate::runs::{stats_table, table, three_places};
use anyhow::Result;
use scanlake::aggregate::cells::{Cell, Column, ColumnType, Table};
use scanlake_batch::Run;
use scanlake_batch::stats::RunStats;
use scanlake_batch::store::{TERMINAL_OK, is_active};
use scanlake_charts::define::{self, BarStyle, Columns, Spans};
use scanlake_charts::page::{Figure, NamedTable, Page, Section};
use scanlake_charts::{DataTable, Unit};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What [`write`] wrote.
#[derive(Debug, Clone, Serialize)]
pub struct RunPageSummary {
    pub path: PathBuf,
    pub bytes: u64,
    pub run: String,
    pub sections: Vec<String>,
    pub charts: usize,
    pub attempts: usize,
}

/// Every attempt as the timeline draws it: seconds from the run's first start.
pub fn attempts_table(run: &Run) -> Result<Table> {
    let attempts = run.store.attempts()?;
    let usages = run.store.usages()?;
    // Milliseconds since the epoch: the task's own start where it measured one, else the
    // store's whole second.
    let start_ms = |a: &scanlake_batch::store::Attempt| {
        usages.get(&a.id).and_then(|u| u.started_ms).or(a.started.map(|s| s * 1000))
    };
    let origin = attempts.iter().filter_map(start_ms).min().unwrap_or(0);
    let now = scanlake_batch::time::now() * 1000;
    let columns = [
        ("task", ColumnType::Text),
        ("stage", ColumnType::Text),
        ("start_s", ColumnType::Float),
        ("end_s", ColumnType::Float),
        ("outcome", ColumnType::Text),
        ("state", ColumnType::Text),
        ("job_id", ColumnType::Text),
        ("host", ColumnType::Text),
        ("cpu_s", ColumnType::Float),
        ("peak_rss", ColumnType::Bytes),
    ];
    let text = |s: &Option<String>| s.clone().map_or(Cell::Null, Cell::Text);
    let seconds = |v: f64| three_places(Some(v));
    let mut rows = Vec::new();
    for a in attempts.iter() {
        let Some(started) = start_ms(a) else { continue };
        let start = (started - origin) as f64 / 1000.0;
        let usage = usages.get(&a.id);
        let end = match (usage, a.ended) {
            (Some(u), _) => start + u.wall_ms as f64 / 1000.0,
            (None, Some(e)) => ((e * 1000 - origin) as f64 / 1000.0).max(start),
            (None, None) if is_active(&a.state) => ((now - origin) as f64 / 1000.0).max(start),
            (None, None) => start,
        };
        let outcome = if a.state == TERMINAL_OK {
            "completed"
        } else if is_active(&a.state) {
            "running"
        } else {
            "failed"
        };
        rows.push(vec![
            Cell::Text(format!("{} {}", a.stage, a.task)),
            Cell::Text(a.stage.clone()),
            seconds(start),
            seconds(end),
            Cell::Text(outcome.into()),
            Cell::Text(a.state.clone()),
            Cell::Text(a.job_id.clone()),
            text(&a.host),
            usage.map_or(Cell::Null, |u| seconds(u.cpu_ms() as f64 / 1000.0)),
            usage.and_then(|u| u.peak_rss_kib).map_or(Cell::Null, |k| Cell::Int(k * 1024)),
        ]);
    }
    Ok(table(&columns, rows))
}

fn figure(label: &str, value: String) -> Figure {
    Figure { label: label.into(), value, unit: Unit::Count, change: None }
}

/// The page of `run` with figures `stats` (advice already spelled for the caller's interface).
pub fn build(run: &Run, stats: &RunStats) -> Result<(Page, Vec<(String, Table)>)> {
    let three = |v: f64| format!("{:.3}", v);
    let mut overview = Section { id: "overview".into(), title: "Overview".into(), ..Default::default() };
    let tasks: u32 = stats.stages.iter().map(|s| s.tasks).sum();
    let attempts: u32 = stats.stages.iter().map(|s| s.attempts).sum();
    let retries: u32 = stats.stages.iter().map(|s| s.retries).sum();
    overview.figures = vec![
        figure("Wall time (s)", stats.wall_s.map_or("-".into(), |w| w.to_string())),
        figure("Critical path (s)", three(stats.critical_path_s)),
        figure("Core-hours used", three(stats.core_hours_used)),
        figure("Core-hours allocated", three(stats.core_hours_allocated)),
        figure("Tasks", tasks.to_string()),
        figure("Attempts", attempts.to_string()),
        figure("Retries", retries.to_string()),
    ];
    overview.notes.push(format!("Critical path: {}.", stats.critical_path.join(" → ")));
    overview.notes.push(format!("Figures: {}. Slurm accounting: {}.", stats.source, stats.accounting));
    let mut sections = vec![overview];
    if !stats.advice.is_empty() {
        let mut advice = Section { id: "advice".into(), title: "Advice".into(), ..Default::default() };
        advice.notes = stats.advice.clone();
        sections.push(advice);
    }

    let attempts_table = attempts_table(run)?;
    let mut timeline = Section { id: "timeline".into(), title: "Timeline".into(), ..Default::default() };
    timeline.notes.push(
        "Every attempt of every task, from its start to its end, in seconds from the run's first start; \
         failed attempts are faded with a red edge."
            .into(),
    );
    if !attempts_table.rows.is_empty() {
        let spans = Spans { lane: "task", series: "stage", start: "start_s", end: "end_s", outcome: Some("outcome") };
        timeline.charts.push(define::gantt("timeline-chart", "Tasks over time", &attempts_table, &spans)?);
    }
    timeline.tables.push(named("attempts-table", "Every attempt", &attempts_table));
    sections.push(timeline);

    let stage_table = stats_table(stats);
    let mut efficiency =
        Section { id: "efficiency".into(), title: "Efficiency per stage".into(), ..Default::default() };
    efficiency.notes.push(
        "CPU efficiency: CPU time ÷ (wall time × CPUs allowed). Memory: the largest peak of an attempt \
         against what each task asked for (docs/batch.md defines each figure)."
            .into(),
    );
    let cpu = Table {
        columns: vec![Column::new("stage", ColumnType::Text), Column::new("cpu_efficiency_pct", ColumnType::Float)],
        rows: stats
            .stages
            .iter()
            .filter_map(|s| {
                Some(vec![Cell::Text(s.stage.clone()), Cell::Text(format!("{:.2}", s.cpu_efficiency? * 100.0))])
            })
            .collect(),
    };
    if !cpu.rows.is_empty() {
        let cols = Columns { category: "stage", series: None, value: "cpu_efficiency_pct" };
        efficiency.charts.push(define::bars(
            "efficiency-chart",
            "CPU efficiency per stage",
            &cpu,
            &cols,
            &BarStyle::default(),
        )?);
    }
    let mut memory_rows = Vec::new();
    for s in &stats.stages {
        for (measure, value) in [("peak", s.peak_rss_bytes), ("requested", s.memory_requested_bytes)] {
            if let Some(v) = value {
                memory_rows.push(vec![Cell::Text(s.stage.clone()), Cell::Text(measure.into()), Cell::Int(v)]);
            }
        }
    }
    if !memory_rows.is_empty() {
        let memory = Table {
            columns: vec![
                Column::new("stage", ColumnType::Text),
                Column::new("measure", ColumnType::Text),
                Column::new("bytes", ColumnType::Bytes),
            ],
            rows: memory_rows,
        };
        let cols = Columns { category: "stage", series: Some("measure"), value: "bytes" };
        efficiency.charts.push(define::bars(
            "memory-chart",
            "Peak memory against the request",
            &memory,
            &cols,
            &BarStyle::default(),
        )?);
    }
    efficiency.tables.push(named("stages-table", "Statistics per stage", &stage_table));
    sections.push(efficiency);

    let page = Page {
        title: format!("Run {}", stats.run),
        subtitle: format!(
            "{} run{}",
            stats.executor,
            if run.spec.description.is_empty() { String::new() } else { format!(": {}", run.spec.description) }
        ),
        provenance: vec![
            ("Run".into(), run.dir.display().to_string()),
            ("Made".into(), scanlake_batch::time::show(run.spec.created)),
            ("Made by".into(), format!("scanlake {}", env!("CARGO_PKG_VERSION"))),
        ],
        sections,
        links: Vec::new(),
    };
    Ok((page, vec![("stages".into(), stage_table), ("attempts".into(), attempts_table)]))
}

fn named(id: &str, title: &str, table: &Table) -> NamedTable {
    NamedTable { id: id.into(), title: title.into(), table: DataTable::from_table(table), link: None }
}

/// Writes the page of `run` to `path` (atomically).
pub fn write(run: &Run, stats: &RunStats, path: &Path) -> Result<RunPageSummary> {
    let (page, tables) = build(run, stats)?;
    let html = scanlake_charts::page::render(&page);
    scanlake::aggregate::export::write_with(path, |f| Ok(std::io::Write::write_all(f, html.as_bytes())?))?;
    Ok(RunPageSummary {
        path: path.to_path_buf(),
        bytes: html.len() as u64,
        run: stats.run.clone(),
        sections: page.sections.iter().map(|s| s.id.clone()).collect(),
        charts: page.sections.iter().map(|s| s.charts.len()).sum(),
        attempts: tables[1].1.rows.len(),
    })
}
