//! One library API under every scanlake interface. The `scanlake` command and the Python module
//! are thin shells over these calls: they turn flags or keyword arguments into the typed requests
//! of [`request`], resolve settings once with [`Settings::load`], and render what comes back.
//! Batch tasks deserialize the same requests from `run.json` and call the same functions.
//!
//! ```no_run
//! use scanlake_api::{ConvertRequest, ReportRequest, ReportType, Settings};
//! use scanlake::progress::NoProgress;
//! let settings = Settings::load()?;
//! let summary = scanlake_api::convert(&["fs1.2026-11-01.list".into()], "lake".as_ref(),
//!                                     &ConvertRequest::default(), &settings, &NoProgress)?;
//! assert_eq!(summary.rows + summary.rejects + summary.skipped, summary.lines);
//! let lake = scanlake_api::open("lake".as_ref())?;
//! let usage = ReportRequest::new(ReportType::Usage { by: vec![] });
//! let table = scanlake_api::report(&lake, &usage, &Default::default(), &settings, &NoProgress)?;
//! let batch = scanlake_api::to_arrow(&table)?; // Arrow, typed as the Parquet export
//! # Ok::<(), anyhow::Error>(())
//! ```

pub mod choices;
pub mod filters;
pub mod find;
pub mod ledger;
pub mod page;
pub mod pipeline;
pub mod plot;
pub mod quota;
pub mod report;
pub mod report_files;
pub mod request;
pub mod run_page;
pub mod runs;
pub mod settings;
pub mod tree;
pub mod users_page;

pub use request::{
    ConvertRequest, EngineChoice, LimitOptions, ReportRequest, ReportType, SplitRequest, TopMetric, TopWhat,
};
pub use settings::Settings;

use anyhow::Result;
use arrow::record_batch::RecordBatch;
use scanlake::aggregate::export::{self, Format};
use scanlake::aggregate::table::Table;
use scanlake::convert::ConvertSummary;
use scanlake::dataset::view::DatasetView;
use scanlake::generate::{GenOptions, GenSummary};
use scanlake::progress::Progress;
use scanlake::split::SplitSummary;
use std::path::{Path, PathBuf};

/// Converts LIST files (or directories of them, or `-` for standard input) into the dataset.
pub fn convert(
    inputs: &[PathBuf],
    dataset: &Path,
    request: &ConvertRequest,
    settings: &Settings,
    progress: &dyn Progress,
) -> Result<ConvertSummary> {
    scanlake::convert::convert(inputs, dataset, &request.options(settings)?, progress)
}

/// Cuts a LIST file into line-aligned chunks in `out_dir`.
pub fn split(input: &Path, out_dir: &Path, request: SplitRequest, progress: &dyn Progress) -> Result<SplitSummary> {
    scanlake::split::split(input, out_dir, request.by, request.compress, progress)
}

/// Writes a synthetic LIST file (`.gz` or `.zst` compresses).
pub fn generate(options: &GenOptions, path: &Path) -> Result<GenSummary> {
    scanlake::generate::generate_to_path(options, path)
}

/// Opens a dataset for reading; its files stay in place while the view lives.
pub fn open(dataset: &Path) -> Result<DatasetView> {
    DatasetView::open(dataset)
}

/// Gives every input of the dataset that lacks one its usage summary (for datasets converted
/// before summaries existed); resumable, one commit per input. `notice` hears about a busy lock.
pub fn summarize(
    dataset: &Path,
    notice: &dyn Fn(&str),
    progress: &dyn Progress,
) -> Result<scanlake::aggregate::summary::Summarized> {
    let wait = scanlake::dataset::lock::LockWait { timeout: None, notice };
    scanlake::aggregate::summary::summarize(dataset, wait, progress)
}

/// Reads back every file of the dataset: data and summaries against their checksums, rejects
/// (and data written before checksums) by their Parquet footers (`scanlake verify`).
pub fn verify(dataset: &Path, progress: &dyn Progress) -> Result<scanlake::dataset::scrub::Scrub> {
    scanlake::dataset::scrub::scrub(&open(dataset)?, progress)
}

/// Runs a report here, on the engine the request and settings choose.
pub fn report(
    view: &DatasetView,
    request: &ReportRequest,
    limits: &LimitOptions,
    settings: &Settings,
    progress: &dyn Progress,
) -> Result<Table> {
    let plan = report::plan(view, request, limits, settings)?;
    report::run(view, &plan, progress)
}

/// A report's table as one Arrow batch, typed as its Parquet export.
pub fn to_arrow(table: &Table) -> Result<RecordBatch> {
    export::to_record_batch(table)
}

/// Writes a table in `format` to `path`, atomically for regular files.
pub fn export(table: &Table, format: Format, path: &Path) -> Result<()> {
    export::export(table.clone().into(), format, path)
}
