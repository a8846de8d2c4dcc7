//! scanlake's reports as Apache DataFusion plans, and SQL over a dataset.
//!
//! [`DataFusionEngine`] runs every report as SQL over the `files` table ([`table::FilesTable`]:
//! exactly the manifest's files, with `acq` and `tld` columns) under a memory pool that spills to
//! disk, which suits high-cardinality work (du over millions of directories, churn). The SQL
//! functions in [`udf`] apply scanlake's own path rules, so results equal the streaming engine's.
//!
//! ```no_run
//! use scanlake::aggregate::engine::Limits;
//! use scanlake::dataset::view::DatasetView;
//! let view = DatasetView::open("lake".as_ref())?;
//! let table = scanlake_datafusion::query(&view, "SELECT uid, sum(size) AS bytes FROM files GROUP BY uid ORDER BY uid", &Limits::default())?;
//! # Ok::<(), anyhow::Error>(())
//! ```

mod partials;
pub mod sql;
pub mod table;
pub mod udf;

use anyhow::{Context, Result};
use arrow::record_batch::RecordBatch;
use datafusion::execution::context::SQLOptions;
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{SessionConfig, SessionContext};
use scanlake::aggregate::engine::{Engine, Limits, empty_partial};
use scanlake::aggregate::partial::Partial;
use scanlake::aggregate::spec::{Report, ReportKind};
use scanlake::aggregate::table::Table;
use scanlake::dataset::view::{DatasetView, Partition};
use std::sync::Arc;

pub struct DataFusionEngine;

impl Engine for DataFusionEngine {
    fn name(&self) -> &'static str {
        "datafusion"
    }

    fn partial(
        &self,
        _view: &DatasetView,
        partitions: &[&Partition],
        report: &Report,
        limits: &Limits,
    ) -> Result<Partial> {
        if partitions.is_empty() {
            return Ok(empty_partial(report));
        }
        let churn = matches!(report.kind, ReportKind::Churn(_));
        let session = Session::new(partitions, limits, churn)?;
        match (&report.kind, report.kind.grouped()) {
            (_, Some(g)) => {
                let groups = session.run(&sql::grouped(g, &report.filter))?;
                let linked = session.run(&sql::linked(g, &report.filter))?;
                partials::grouped(g, &groups, &linked)
            }
            (ReportKind::Du(d), _) => {
                let mut p = scanlake::aggregate::partial::DuPartial::default();
                session.each(&sql::du(d, &report.filter), |b| partials::add_du(&mut p, &b))?;
                Ok(Partial::Du(p))
            }
            (ReportKind::Churn(c), _) => partials::churn(c, &session.run(&sql::churn(c, &report.filter))?),
            (ReportKind::Files(f), _) => partials::files(f, &session.run(&sql::top_files(f, &report.filter))?),
            (kind, None) => unreachable!("{kind:?} is grouped"),
        }
    }
}

/// Runs `sql` over the table `files` (every partition of the dataset) and returns the result in
/// the order the query gives.
/// Read-only: statements that define, change or write anything (DDL, DML, `COPY … TO`, `SET`)
/// are refused before they run, and so is reading anything but `files`.
pub fn query(view: &DatasetView, sql: &str, limits: &Limits) -> Result<Table> {
    table(&query_batches(view, sql, limits)?)
}

/// [`query`]'s result as DataFusion made it: typed Arrow batches (binary paths, floats, decimals).
pub fn query_batches(view: &DatasetView, sql: &str, limits: &Limits) -> Result<Vec<RecordBatch>> {
    let all: Vec<&Partition> = view.partitions.iter().collect();
    let session = Session::new(&all, limits, false)?;
    session.run_read_only(sql)
}

/// Streams the rows `filter` selects (every column, or `columns`) to `f`, batch by batch, in
/// memory bounded by the batch size whatever the number of rows; `f` failing stops the scan.
pub fn scan(
    view: &DatasetView,
    filter: &scanlake::aggregate::spec::Filter,
    columns: &[String],
    limits: &Limits,
    f: impl FnMut(RecordBatch) -> Result<()>,
) -> Result<()> {
    let all: Vec<&Partition> = view.partitions.iter().collect();
    let session = Session::new(&all, limits, false)?;
    let list = if columns.is_empty() {
        "*".to_string()
    } else {
        columns.iter().map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect::<Vec<_>>().join(", ")
    };
    let sql = format!("SELECT {list} FROM files {}", sql::where_clause(filter, &[]));
    session.each_with(&sql, SQLOptions::new(), f)
}

/// Query results as a report table (paths shown as text, numbers exact), for export.
pub fn table(batches: &[RecordBatch]) -> Result<Table> {
    partials::table(batches)
}

/// A DataFusion context with the `files` table and scanlake's functions, and a runtime to drive it.
struct Session {
    runtime: tokio::runtime::Runtime,
    ctx: SessionContext,
}

impl Session {
    fn new(partitions: &[&Partition], limits: &Limits, prefer_merge_join: bool) -> Result<Session> {
        let threads = limits.threads.max(1);
        let mut config = SessionConfig::new().with_target_partitions(threads).with_information_schema(true);
        let opts = config.options_mut();
        // Plain strings and binaries: what the dataset stores and what the functions take.
        opts.execution.parquet.schema_force_view_types = false;
        opts.execution.parquet.pushdown_filters = true;
        // Sort-merge joins spill; hash joins must hold the build side in memory.
        opts.optimizer.prefer_hash_join = !prefer_merge_join;
        let mut runtime_env =
            RuntimeEnvBuilder::new().with_memory_pool(Arc::new(FairSpillPool::new(limits.memory_bytes as usize)));
        if let Some(dir) = &limits.spill_dir {
            runtime_env = runtime_env.with_temp_file_path(dir);
        }
        let ctx = SessionContext::new_with_config_rt(config, runtime_env.build_arc()?);
        for f in udf::all() {
            ctx.register_udf(f);
        }
        ctx.register_table("files", Arc::new(table::FilesTable::new(partitions)?))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("scanlake-datafusion")
            .build()
            .context("cannot start DataFusion's threads")?;
        Ok(Session { runtime, ctx })
    }

    /// [`Session::run`] for SQL from users: only queries.
    fn run_read_only(&self, sql: &str) -> Result<Vec<RecordBatch>> {
        let read_only = SQLOptions::new().with_allow_ddl(false).with_allow_dml(false).with_allow_statements(false);
        let mut batches = Vec::new();
        self.each_with(sql, read_only, |b| {
            batches.push(b);
            Ok(())
        })
        .map_err(|e| {
            anyhow::anyhow!("{e:#}\nhint: queries are read-only (SELECT, WITH, EXPLAIN) over the table `files`")
        })?;
        Ok(batches)
    }

    fn run(&self, sql: &str) -> Result<Vec<RecordBatch>> {
        let mut batches = Vec::new();
        self.each(sql, |b| {
            batches.push(b);
            Ok(())
        })?;
        Ok(batches)
    }

    /// Runs `sql`, handing each result batch to `f` as it arrives (nothing is collected).
    fn each(&self, sql: &str, f: impl FnMut(RecordBatch) -> Result<()>) -> Result<()> {
        self.each_with(sql, SQLOptions::new(), f)
    }

    /// [`Session::each`] for statements that `options` allow.
    fn each_with(&self, sql: &str, options: SQLOptions, mut f: impl FnMut(RecordBatch) -> Result<()>) -> Result<()> {
        use futures::StreamExt;
        self.runtime.block_on(async {
            let df = self
                .ctx
                .sql_with_options(sql, options)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))
                .context("SQL error")?;
            let mut stream = df.execute_stream().await.map_err(|e| anyhow::anyhow!("{e}")).context("query failed")?;
            while let Some(batch) = stream.next().await {
                f(batch.map_err(|e| anyhow::anyhow!("{e}")).context("query failed")?)?;
            }
            Ok(())
        })
    }
}
