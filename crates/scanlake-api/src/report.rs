//! Running a report: resolve the request against the dataset, choose the engine (saying why),
//! compute, finish. Also SQL queries, which return Arrow batches as DataFusion made them.

use crate::request::{EngineChoice, LimitOptions, ReportRequest, Resolved};
use crate::settings::Settings;
use anyhow::{Result, bail};
use arrow::record_batch::RecordBatch;
use scanlake::aggregate::choose::choose;
use scanlake::aggregate::engine::{self, Engine, Limits};
use scanlake::aggregate::partial::Partial;
use scanlake::aggregate::rows::Rows;
use scanlake::aggregate::spec::ReportKind;
use scanlake::aggregate::streaming::StreamingEngine;
use scanlake::aggregate::summary;
use scanlake::aggregate::table::Table;
use scanlake::dataset::view::DatasetView;
use scanlake::names::{NameSource, Names};
use scanlake::progress::{Progress, Unit};
use scanlake_datafusion::DataFusionEngine;

/// The engines built into this library.
pub const AVAILABLE: [&str; 2] = ["streaming", "datafusion"];

fn engine_named(name: &str) -> Box<dyn Engine> {
    match name {
        "datafusion" => Box::new(DataFusionEngine),
        _ => Box::new(StreamingEngine),
    }
}

/// A report ready to run here: what it computes, on which engine, within which limits, and why.
pub struct ReportPlan {
    pub resolved: Resolved,
    pub engine: Box<dyn Engine>,
    pub limits: Limits,
    /// `engine: NAME` and the reasons, the limits, and the columns that will stay empty.
    pub explanation: Vec<String>,
    /// Where names come from, when the report shows them.
    pub names: Option<NameSource>,
    /// Answered from the usage summaries, without an engine reading rows.
    pub from_summaries: bool,
}

/// Resolves `request` and chooses its engine. `Slurm` is not an engine of this process: runs
/// (see [`crate::runs`]) submit it.
pub fn plan(
    view: &DatasetView,
    request: &ReportRequest,
    limits: &LimitOptions,
    settings: &Settings,
) -> Result<ReportPlan> {
    let mut request = request.clone();
    request.filter = settings.resolve_filter(&request.filter, &request.names.source())?;
    let request = &request;
    let resolved = request.resolve(view)?;
    view.check(&resolved.report)?;
    let (choice, source) = settings.engine(request.engine)?;
    if choice == EngineChoice::Slurm {
        bail!(
            "the slurm engine runs a report as Slurm jobs, not in this process\nhint: submit the report as a run (executor slurm), or choose another `engine`"
        );
    }
    let limits = settings.limits(limits)?;
    let requested = source.map(|s| (choice.name(), s));
    let choice = choose(requested, &AVAILABLE, &resolved.report, view, &settings.machine, limits.memory_bytes)?;
    let summarized = matches!(resolved.report.kind, ReportKind::History(_) | ReportKind::Growth(_));
    let why_not = if !summarized {
        None
    } else if request.report.may_use_summaries() {
        Some(summary::cannot_answer(view, &resolved.report))
    } else {
        Some(Some("`from_rows` asks for the rows".to_string()))
    };
    let from_summaries = why_not == Some(None);
    let mut explanation = if from_summaries {
        vec![
            "engine: none: answered from the usage summaries that each commit writes beside its data".to_string(),
            format!("  - {}", summary::describe(view, &resolved.report.filter.acq)),
        ]
    } else {
        vec![format!("engine: {}", choice.engine)]
    };
    if let Some(Some(why)) = &why_not {
        explanation.push(format!("  - reads rows, not usage summaries: {why}"));
    }
    explanation.extend(choice.reasons.iter().filter(|_| !from_summaries).map(|r| format!("  - {r}")));
    explanation.push(format!("  - limits: {} threads, {} MiB", limits.threads, limits.memory_bytes >> 20));
    if !from_summaries {
        explanation.push(format!("  - {}", view.integrity(&view.select(&resolved.report))));
    }
    if choice.engine == "streaming" && !from_summaries {
        explanation.push(format!("  - {}", StreamingEngine::reads(&resolved.report)));
        explanation.push(format!("  - {}", StreamingEngine::spills(&limits)));
    }
    for (column, why) in view.unknown_outputs(&resolved.report) {
        explanation.push(format!("  - column '{column}' stays empty: {why}"));
    }
    explanation.extend(resolved.report.filter.describe().into_iter().map(|l| format!("  - {l}")));
    let names = request.names.show.then(|| settings.name_source(&request.names.source()));
    if let Some(source) = &names {
        explanation.push(format!("  - names: {}", source.describe()));
    }
    Ok(ReportPlan { resolved, engine: engine_named(&choice.engine), limits, explanation, names, from_summaries })
}

/// What `--explain` adds after reading the footers: the row groups that statistics rule out.
pub fn pruning(view: &DatasetView, plan: &ReportPlan) -> Result<String> {
    let report = &plan.resolved.report;
    if plan.from_summaries {
        return Ok("  - no data file is read".to_string());
    }
    let (skipped, total) = scanlake::aggregate::streaming::row_groups_skipped(&view.select(report), &report.filter)?;
    Ok(format!(
        "  - statistics rule out {skipped} of {total} row groups (uid, gid, size and time bounds){}",
        if plan.engine.name() == "streaming" { "" } else { "; DataFusion prunes with its own reading of them" }
    ))
}

/// Runs a planned report over the whole dataset and collects its table.
pub fn run(view: &DatasetView, plan: &ReportPlan, progress: &dyn Progress) -> Result<Table> {
    run_rows(view, plan, progress)?.into_table()
}

/// Runs a planned report over the whole dataset; its rows stream from disk when the result
/// outgrew the memory limit, so write them with [`scanlake::aggregate::export::write`] rather
/// than collecting them.
pub fn run_rows(view: &DatasetView, plan: &ReportPlan, progress: &dyn Progress) -> Result<Rows> {
    let report = &plan.resolved.report;
    let rows = if plan.from_summaries {
        let (partial, _) = summary::answer(view, report)?;
        engine::finish_report(view, report, Partial::Grouped(partial))?
    } else {
        engine::run_rows(plan.engine.as_ref(), view, report, &plan.limits, progress)?
    };
    match &plan.names {
        Some(source) => with_names(rows, source),
        None => Ok(rows),
    }
}

/// Runs planned reports together: those the streaming engine computes from rows share passes
/// over the data ([`scanlake::aggregate::streaming::together`]); the others run alone. Tables in
/// the order of `plans`, each as [`run`] gives it.
pub fn run_together(view: &DatasetView, plans: &[ReportPlan], progress: &dyn Progress) -> Result<Vec<Table>> {
    let shares = |p: &ReportPlan| p.engine.name() == "streaming" && !p.from_summaries;
    let shared: Vec<&ReportPlan> = plans.iter().filter(|p| shares(p)).collect();
    let reports: Vec<_> = shared.iter().map(|p| p.resolved.report.clone()).collect();
    let limits = shared.first().map(|p| p.limits.clone()).unwrap_or_default();
    let mut aggregated = scanlake::aggregate::streaming::together(view, &reports, &limits, progress)?.into_iter();
    plans
        .iter()
        .map(|plan| {
            if !shares(plan) {
                return run(view, plan, progress);
            }
            let rows = engine::finish_report(view, &plan.resolved.report, aggregated.next().expect("one per report"))?;
            match &plan.names {
                Some(source) => with_names(rows, source),
                None => Ok(rows),
            }?
            .into_table()
        })
        .collect()
}

/// `user` beside `uid` and `group` beside `gid`; each id looked up once.
pub fn with_names(rows: Rows, source: &NameSource) -> Result<Rows> {
    let names = std::sync::Arc::new(std::sync::Mutex::new(Names::open(source)?));
    let users = names.clone();
    let rows = rows.with_text_after("uid", "user", move |id| {
        u32::try_from(id).ok().and_then(|id| users.lock().expect("names").user(id))
    });
    Ok(rows.with_text_after("gid", "group", move |id| {
        u32::try_from(id).ok().and_then(|id| names.lock().expect("names").group(id))
    }))
}

/// Runs read-only SQL over the table `files` and returns DataFusion's batches, typed as the
/// query made them (binary paths stay binary, floats stay floats).
pub fn query(
    view: &DatasetView,
    sql: &str,
    limits: &LimitOptions,
    settings: &Settings,
    progress: &dyn Progress,
) -> Result<Vec<RecordBatch>> {
    let limits = settings.limits(limits)?;
    progress.begin("query", None, Unit::Bytes);
    let batches = scanlake_datafusion::query_batches(view, sql, &limits);
    progress.finish();
    batches
}

/// Query results as a report table (paths shown as text, numbers exact), for export.
pub fn query_table(batches: &[RecordBatch]) -> Result<Table> {
    scanlake_datafusion::table(batches)
}

/// Streams the raw rows `filter` selects (every column, or `columns`) to `f` as Arrow batches.
pub fn scan(
    view: &DatasetView,
    filter: &scanlake::aggregate::spec::Filter,
    columns: &[String],
    limits: &LimitOptions,
    settings: &Settings,
    f: impl FnMut(RecordBatch) -> Result<()>,
) -> Result<()> {
    let filter = settings.resolve_filter(filter, &NameSource::default())?;
    scanlake_datafusion::scan(view, &filter, columns, &settings.limits(limits)?, f)
}
