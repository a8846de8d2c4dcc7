//! What each Python call does: JSON arguments in, the library called through `scanlake-api`,
//! JSON or Arrow IPC out, and errors sorted into the kinds Python raises.

use anyhow::{Context, Result};
use arrow::record_batch::RecordBatch;
use scanlake::aggregate::export::{self, Format};
use scanlake::generate::GenOptions;
use scanlake::options::OptionError;
use scanlake::progress::{Interrupted, Progress};
use scanlake_api::find::{self, FindRequest};
use scanlake_api::pipeline::{self, Plan, ReportJob};
use scanlake_api::runs::{self, Executor, RunOptions, Started};
use scanlake_api::{ConvertRequest, LimitOptions, ReportRequest, Settings, SplitRequest};
use scanlake_batch::SlurmSettings;
use serde::Deserialize;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

pub enum Output {
    Json(String),
    Bytes(Vec<u8>),
    /// A report's rows, computed (possibly spilled to disk) and not yet read: Python gets a
    /// [`crate::Stream`] of them.
    Rows(scanlake::aggregate::rows::Rows),
}

/// An error as Python raises it: `kind` picks the exception class.
pub struct Failure {
    pub kind: &'static str,
    pub message: String,
    pub option: Option<String>,
}

/// Options as Python spells them: `` `max_depth` `` → `max_depth=`, and `` `mem` 2G `` → `mem=2G`.
fn render(text: &str) -> String {
    const MARK: char = '\u{1}';
    let marked = scanlake::options::render_mentions(text, |name| Some(format!("{name}={MARK}")));
    let mut out = String::with_capacity(marked.len());
    let mut rest = marked.as_str();
    while let Some(i) = rest.find(MARK) {
        out.push_str(&rest[..i]);
        rest = &rest[i + MARK.len_utf8()..];
        // A value after the option joins it.
        if rest.starts_with(' ') && rest[1..].starts_with(|c: char| c.is_ascii_digit()) {
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

fn failure(kind: &'static str, e: anyhow::Error) -> Failure {
    let option = e.chain().find_map(|c| c.downcast_ref::<OptionError>()).map(|o| o.option.to_string());
    let kind = if e.chain().any(|c| c.is::<Interrupted>()) {
        "interrupted"
    } else if option.is_some() {
        "option"
    } else {
        kind
    };
    Failure { kind, message: render(&format!("{e:#}")), option }
}

fn args<T: for<'de> Deserialize<'de>>(value: &Value, key: &str) -> Result<T, Failure> {
    serde_json::from_value(value.get(key).cloned().unwrap_or(Value::Null)).map_err(|e| Failure {
        kind: "option",
        message: format!("bad value for `{key}`: {e}"),
        option: Some(key.to_string()),
    })
}

fn json_out(value: impl serde::Serialize) -> Result<Output, Failure> {
    serde_json::to_string(&value).map(Output::Json).map_err(|e| failure("internal", e.into()))
}

fn ipc(batches: &[RecordBatch], schema: arrow::datatypes::SchemaRef) -> Result<Output> {
    let mut w = arrow::ipc::writer::StreamWriter::try_new(Vec::new(), &schema)?;
    for b in batches {
        w.write(b)?;
    }
    w.finish()?;
    Ok(Output::Bytes(w.into_inner()?))
}

fn settings() -> Result<Settings, Failure> {
    Settings::load().map_err(|e| failure("settings", e))
}

fn open(dataset: &Path) -> Result<scanlake::dataset::view::DatasetView, Failure> {
    scanlake_api::open(dataset).map_err(|e| failure("dataset", e))
}

/// Runs `op` with JSON `text` as its arguments.
pub fn run(op: &str, text: &str, progress: &dyn Progress) -> Result<Output, Failure> {
    let a: Value = serde_json::from_str(text).map_err(|e| failure("internal", e.into()))?;
    match op {
        "convert" => {
            let inputs: Vec<PathBuf> = args(&a, "inputs")?;
            let dataset: PathBuf = args(&a, "dataset")?;
            let request: ConvertRequest = args(&a, "request")?;
            let s = settings()?;
            let summary =
                scanlake_api::convert(&inputs, &dataset, &request, &s, progress).map_err(|e| failure("input", e))?;
            json_out(summary)
        }
        "split" => {
            let input: PathBuf = args(&a, "input")?;
            let out: PathBuf = args(&a, "output")?;
            let request: SplitRequest = args(&a, "request")?;
            json_out(scanlake_api::split(&input, &out, request, progress).map_err(|e| failure("input", e))?)
        }
        "generate" => {
            let path: PathBuf = args(&a, "path")?;
            let options: GenOptions = args(&a, "options")?;
            json_out(scanlake_api::generate(&options, &path).map_err(|e| failure("input", e))?)
        }
        "summarize" => {
            let dataset: PathBuf = args(&a, "dataset")?;
            json_out(scanlake_api::summarize(&dataset, &|_| {}, progress).map_err(|e| failure("dataset", e))?)
        }
        "verify" => {
            let dataset: PathBuf = args(&a, "dataset")?;
            json_out(scanlake_api::verify(&dataset, progress).map_err(|e| failure("dataset", e))?)
        }
        "info" => {
            let view = open(&args::<PathBuf>(&a, "dataset")?)?;
            let files: Vec<Value> = view
                .partitions
                .iter()
                .flat_map(|p| {
                    p.files.iter().map(
                        move |f| json!({"path": f.path, "acq": p.acq.to_string(), "tld": p.tld_text, "bytes": f.bytes}),
                    )
                })
                .collect();
            let scans: Vec<String> = view.scan_dates().iter().map(|d| d.to_string()).collect();
            let rejects: Vec<String> = view
                .manifest
                .inputs
                .values()
                .filter_map(|e| e.rejects_file.as_ref())
                .map(|r| view.root.join(r).display().to_string())
                .collect();
            json_out(json!({
                "root": view.root, "rows": view.rows, "bytes": view.bytes, "scans": scans, "files": files,
                "tld_depth": view.manifest.tld_depth, "columns_seen": view.columns_seen, "rejects": rejects,
            }))
        }
        "report" | "explain" => {
            let view = open(&args::<PathBuf>(&a, "dataset")?)?;
            let request: ReportRequest = args(&a, "request")?;
            let limits: LimitOptions = args(&a, "limits")?;
            let s = settings()?;
            let plan = scanlake_api::report::plan(&view, &request, &limits, &s).map_err(|e| failure("report", e))?;
            if op == "explain" {
                return json_out(json!({"lines": plan.explanation, "notes": plan.resolved.notes}));
            }
            if args::<Option<bool>>(&a, "stream")?.unwrap_or(false) {
                let rows = scanlake_api::report::run_rows(&view, &plan, progress).map_err(|e| failure("report", e))?;
                return Ok(Output::Rows(rows));
            }
            if let Some(output) = args::<Option<PathBuf>>(&a, "output")? {
                // Straight to a file as the rows stream: a result bigger than memory never lands in Python.
                let format = format_for(&output, args(&a, "format")?);
                let rows = scanlake_api::report::run_rows(&view, &plan, progress).map_err(|e| failure("report", e))?;
                export::export(rows, format, &output).map_err(|e| failure("report", e))?;
                return json_out(json!({"path": output, "format": format.name()}));
            }
            let table = scanlake_api::report::run(&view, &plan, progress).map_err(|e| failure("report", e))?;
            let batch = scanlake_api::to_arrow(&table).map_err(|e| failure("internal", e))?;
            ipc(std::slice::from_ref(&batch), batch.schema()).map_err(|e| failure("internal", e))
        }
        "quota" => {
            let view = open(&args::<PathBuf>(&a, "dataset")?)?;
            let request: scanlake_api::quota::QuotaRequest = args(&a, "request")?;
            let limits: LimitOptions = args(&a, "limits")?;
            let text = match args::<Option<PathBuf>>(&a, "path")? {
                Some(path) => std::fs::read(&path).map_err(|e| {
                    failure("input", anyhow::anyhow!("cannot read the quota report {}: {e}", path.display()))
                })?,
                None => args::<String>(&a, "text")?.into_bytes(),
            };
            let s = settings()?;
            let report = scanlake_api::quota::quota(&view, &text, &request, &limits, &s, progress)
                .map_err(|e| failure("report", e))?;
            for bad in &report.bad {
                progress.notice(&format!("quota report line {}: {} (not read)", bad.line, bad.reason));
            }
            let table = report.rows.into_table().map_err(|e| failure("report", e))?;
            let batch = scanlake_api::to_arrow(&table).map_err(|e| failure("internal", e))?;
            ipc(std::slice::from_ref(&batch), batch.schema()).map_err(|e| failure("internal", e))
        }
        "find" => {
            let view = std::sync::Arc::new(open(&args::<PathBuf>(&a, "dataset")?)?);
            let request: FindRequest = args(&a, "request")?;
            let s = settings()?;
            let fail = |e| failure("report", e);
            if args::<Option<bool>>(&a, "count")?.unwrap_or(false) {
                let table = find::count(&view, &request, &s, progress).map_err(fail)?;
                let batch = scanlake_api::to_arrow(&table).map_err(|e| failure("internal", e))?;
                return ipc(std::slice::from_ref(&batch), batch.schema()).map_err(|e| failure("internal", e));
            }
            if let Some(dir) = args::<Option<PathBuf>>(&a, "per_user")? {
                let nul = args::<Option<bool>>(&a, "nul")?.unwrap_or(false);
                let lists = find::per_user(view, &request, &s, &dir, nul, progress).map_err(fail)?;
                let batch = scanlake_api::to_arrow(&find::lists_table(&lists)).map_err(|e| failure("internal", e))?;
                return ipc(std::slice::from_ref(&batch), batch.schema()).map_err(|e| failure("internal", e));
            }
            let rows =
                find::rows(view, &request, &s, std::sync::Arc::new(scanlake::progress::NoProgress)).map_err(fail)?;
            if let Some(output) = args::<Option<PathBuf>>(&a, "output")? {
                let format = format_for(&output, args(&a, "format")?);
                export::export(rows, format, &output).map_err(fail)?;
                return json_out(json!({"path": output, "format": format.name()}));
            }
            Ok(Output::Rows(rows))
        }
        "export_tree" => {
            let view = std::sync::Arc::new(open(&args::<PathBuf>(&a, "dataset")?)?);
            let request: scanlake_api::tree::TreeRequest = args(&a, "request")?;
            let output: PathBuf = args(&a, "output")?;
            let s = settings()?;
            json_out(
                scanlake_api::tree::export_tree_to(view, &request, &s, &output, progress)
                    .map_err(|e| failure("report", e))?,
            )
        }
        "plot" => {
            let view = open(&args::<PathBuf>(&a, "dataset")?)?;
            let request: ReportRequest = args(&a, "request")?;
            let limits: LimitOptions = args(&a, "limits")?;
            let options: scanlake_api::plot::PlotOptions = args(&a, "options")?;
            let s = settings()?;
            json_out(
                scanlake_api::plot::chart(&view, &request, &limits, &s, &options, progress)
                    .map_err(|e| failure("report", e))?,
            )
        }
        "chart_page" => {
            let chart: scanlake_api::plot::Chart = args(&a, "chart")?;
            json_out(json!({ "html": scanlake_api::plot::chart_page(&chart) }))
        }
        "chart_image" => {
            let chart: scanlake_api::plot::Chart = args(&a, "chart")?;
            let (width, height): (u32, u32) = (args(&a, "width")?, args(&a, "height")?);
            match args::<Option<PathBuf>>(&a, "output")? {
                Some(path) => {
                    scanlake_api::plot::write_image(&chart, &path, width, height).map_err(|e| failure("report", e))?;
                    json_out(json!({ "path": path }))
                }
                None => {
                    let format = match args::<String>(&a, "format")?.as_str() {
                        "png" => scanlake_api::plot::ImageFormat::Png,
                        _ => scanlake_api::plot::ImageFormat::Svg,
                    };
                    scanlake_api::plot::image(&chart, format, width, height)
                        .map(Output::Bytes)
                        .map_err(|e| failure("report", e))
                }
            }
        }
        "page" => {
            let view = open(&args::<PathBuf>(&a, "dataset")?)?;
            let request: scanlake_api::page::PageRequest = args(&a, "request")?;
            let output: PathBuf = args(&a, "output")?;
            let s = settings()?;
            json_out(
                scanlake_api::report_files::write(&view, &request, &s, &output, progress)
                    .map_err(|e| failure("report", e))?,
            )
        }
        "query" => {
            let view = open(&args::<PathBuf>(&a, "dataset")?)?;
            let sql: String = args(&a, "sql")?;
            let limits: LimitOptions = args(&a, "limits")?;
            let s = settings()?;
            let batches =
                scanlake_api::report::query(&view, &sql, &limits, &s, progress).map_err(|e| failure("query", e))?;
            let schema = match batches.first() {
                Some(b) => b.schema(),
                None => std::sync::Arc::new(arrow::datatypes::Schema::empty()),
            };
            ipc(&batches, schema).map_err(|e| failure("internal", e))
        }
        "run" => start_run(&a, progress).map_err(|e| failure("run", e)),
        "run_status" => {
            let run = runs::open(&args::<PathBuf>(&a, "run")?).map_err(|e| failure("run", e))?;
            json_out(runs::status(&run).map_err(|e| failure("run", e))?)
        }
        "run_wait" => {
            let run = runs::open(&args::<PathBuf>(&a, "run")?).map_err(|e| failure("run", e))?;
            let every = std::time::Duration::from_secs_f64(args::<Option<f64>>(&a, "interval")?.unwrap_or(2.0));
            let timeout = args::<Option<f64>>(&a, "timeout")?.map(std::time::Duration::from_secs_f64);
            json_out(runs::wait(&run, every, timeout, progress).map_err(|e| failure("run", e))?)
        }
        "run_resume" => {
            let mut run = runs::open(&args::<PathBuf>(&a, "run")?).map_err(|e| failure("run", e))?;
            let s = settings()?;
            let resumed = runs::resume(&mut run, &s, progress).map_err(|e| failure("run", e))?;
            json_out(json!({"resumed": resumed.map(|(sel, _)| sel)}))
        }
        "run_cancel" => {
            let run = runs::open(&args::<PathBuf>(&a, "run")?).map_err(|e| failure("run", e))?;
            json_out(runs::cancel(&run).map_err(|e| failure("run", e))?)
        }
        "run_stats" => {
            let run = runs::open(&args::<PathBuf>(&a, "run")?).map_err(|e| failure("run", e))?;
            let stats = runs::stats(&run, &[], &settings()?).map_err(|e| failure("run", e))?;
            let batch = scanlake_api::to_arrow(&runs::stats_table(&stats)).map_err(|e| failure("internal", e))?;
            ipc(std::slice::from_ref(&batch), batch.schema()).map_err(|e| failure("internal", e))
        }
        "runs_list" | "runs_failures" => {
            let dataset = args::<PathBuf>(&a, "dataset")?;
            let since = args::<Option<String>>(&a, "since")?
                .map(|s| scanlake_api::ledger::since(&s))
                .transpose()
                .map_err(|e| failure("option", e))?;
            if op == "runs_list" {
                let list = scanlake_api::ledger::list(&dataset, since, true).map_err(|e| failure("run", e))?;
                let batch = scanlake_api::to_arrow(&scanlake_api::ledger::list_table(&list))
                    .map_err(|e| failure("internal", e))?;
                return ipc(std::slice::from_ref(&batch), batch.schema()).map_err(|e| failure("internal", e));
            }
            let (_, groups) = scanlake_api::ledger::recurring_failures(&dataset, since, &[], &settings()?)
                .map_err(|e| failure("run", e))?;
            json_out(groups)
        }
        "run_report" => {
            let run = runs::open(&args::<PathBuf>(&a, "run")?).map_err(|e| failure("run", e))?;
            let mut stats = runs::stats(&run, &[], &settings()?).map_err(|e| failure("run", e))?;
            stats.advice = stats.advice.iter().map(|a| render(a)).collect();
            let output = args::<PathBuf>(&a, "output")?;
            json_out(scanlake_api::run_page::write(&run, &stats, &output).map_err(|e| failure("run", e))?)
        }
        "run_advice" => {
            let run = runs::open(&args::<PathBuf>(&a, "run")?).map_err(|e| failure("run", e))?;
            let stats = runs::stats(&run, &[], &settings()?).map_err(|e| failure("run", e))?;
            json_out(stats.advice.iter().map(|a| render(a)).collect::<Vec<_>>())
        }
        "run_analyze" => {
            let run = runs::open(&args::<PathBuf>(&a, "run")?).map_err(|e| failure("run", e))?;
            let s = settings()?;
            let (_, findings) = runs::analyze(&run, &[], &s).map_err(|e| failure("run", e))?;
            json_out(findings)
        }
        other => Err(Failure { kind: "internal", message: format!("no operation '{other}'"), option: None }),
    }
}

/// `format`, else the one `output`'s extension names, else CSV.
fn format_for(output: &Path, format: Option<Format>) -> Format {
    format.or_else(|| Format::of_path(output)).unwrap_or(Format::Csv)
}

/// A report of a run as Python gives it.
#[derive(Deserialize)]
struct RunReport {
    request: ReportRequest,
    #[serde(default)]
    limits: LimitOptions,
    output: PathBuf,
    #[serde(default)]
    format: Option<Format>,
}

/// Makes a run (convert, then the reports) and starts it; returns its directory and state.
fn start_run(a: &Value, progress: &dyn Progress) -> Result<Output> {
    let inputs: Vec<PathBuf> = serde_json::from_value(a["inputs"].clone()).context("inputs")?;
    let dataset: PathBuf = serde_json::from_value(a["dataset"].clone()).context("dataset")?;
    let request: ConvertRequest = serde_json::from_value(a["request"].clone()).context("request")?;
    let chunks: u64 = serde_json::from_value(a["chunks"].clone()).unwrap_or(pipeline::DEFAULT_CHUNKS);
    let tasks: u32 = serde_json::from_value(a["tasks"].clone()).unwrap_or(pipeline::DEFAULT_TASKS);
    let reports: Vec<RunReport> = serde_json::from_value(a["reports"].clone()).context("reports")?;
    let slurm: SlurmSettings = serde_json::from_value(a["slurm"].clone()).context("slurm")?;
    let settings = Settings::load()?;
    request.options(&settings)?;
    let jobs: Vec<ReportJob> = reports
        .into_iter()
        .map(|r| {
            let format = format_for(&r.output, r.format);
            ReportJob::new(r.request, r.limits, r.output, format)
        })
        .collect();
    let mut plan: Plan = pipeline::convert_plan(&inputs, &dataset, &request, Some(chunks))?;
    if !jobs.is_empty() {
        plan = plan.then(pipeline::report_plan(&dataset, jobs, tasks, &["publish"], &settings)?);
    }
    let options = RunOptions {
        executor: if a["executor"] == "slurm" { Executor::Slurm } else { Executor::Local },
        run_dir: serde_json::from_value(a["run_dir"].clone()).context("run_dir")?,
        notify: serde_json::from_value(a["notify"].clone()).context("notify")?,
        slurm,
        program: serde_json::from_value(a["program"].clone()).context("program")?,
        own_program: serde_json::from_value(a["own_program"].clone()).context("own_program")?,
        description: a["description"].as_str().unwrap_or("scanlake.run() from Python").to_string(),
    };
    let mut run = runs::create(plan, &runs::runs_dir(&dataset), &options, &settings)?;
    let started = runs::start(&mut run, &settings, progress)?;
    let submitted = match started {
        Started::Ran(_) => Vec::new(),
        Started::Submitted(s) => s.into_iter().map(|s| json!({"stage": s.stage, "job": s.job})).collect(),
    };
    Ok(Output::Json(serde_json::to_string(&json!({"run": run.dir, "submitted": submitted}))?))
}

/// Sends the rows of a scan to `tx`, one IPC-encoded batch at a time; stops when nobody listens.
/// Sends `rows` to `tx` as Arrow batches, the first one empty (it carries the schema); a result
/// spilled to disk is read from there as Python takes the batches.
pub fn send_rows(
    rows: scanlake::aggregate::rows::Rows,
    tx: &std::sync::mpsc::SyncSender<Result<Output, Failure>>,
) -> Result<(), Failure> {
    let (schema, batches) = export::batches(rows);
    let send = |batch: RecordBatch| {
        let out = ipc(std::slice::from_ref(&batch), batch.schema()).map_err(|e| failure("internal", e))?;
        tx.send(Ok(out)).map_err(|_| failure("internal", anyhow::anyhow!("the reader went away")))
    };
    send(RecordBatch::new_empty(schema))?;
    for batch in batches {
        send(batch.map_err(|e| failure("report", e))?)?;
    }
    Ok(())
}

pub fn scan(text: &str, tx: &std::sync::mpsc::SyncSender<Result<Output, Failure>>) -> Result<(), Failure> {
    let a: Value = serde_json::from_str(text).map_err(|e| failure("internal", e.into()))?;
    let view = open(&args::<PathBuf>(&a, "dataset")?)?;
    let filter: scanlake::aggregate::spec::Filter = args(&a, "filter")?;
    let columns: Vec<String> = args::<Option<Vec<String>>>(&a, "columns")?.unwrap_or_default();
    let limits: LimitOptions = args(&a, "limits")?;
    let s = settings()?;
    scanlake_api::report::scan(&view, &filter, &columns, &limits, &s, |batch| {
        let out = ipc(std::slice::from_ref(&batch), batch.schema())?;
        tx.send(Ok(out)).map_err(|_| anyhow::anyhow!("the reader went away"))
    })
    .map_err(|e| failure("query", e))
}
