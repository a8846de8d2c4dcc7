//! What `aggregate` and `query` share: engine choice and limits, and writing the result.

use crate::output::spinner;
use anyhow::Result;
use clap::Args as ClapArgs;
use scanlake::aggregate::choose::{Resources, choose};
use scanlake::aggregate::engine::{self, Engine, Limits};
use scanlake::aggregate::export::{self, Format};
use scanlake::aggregate::spec::Report;
use scanlake::aggregate::streaming::StreamingEngine;
use scanlake::aggregate::table::Table;
use scanlake::aggregate::view::DatasetView;
use scanlake::config::Config;
use scanlake_datafusion::DataFusionEngine;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// The engines built into this program.
pub const AVAILABLE: [&str; 2] = ["streaming", "datafusion"];

#[derive(ClapArgs, Clone)]
pub struct EngineArgs {
    /// auto, streaming or datafusion (else $SCANLAKE_ENGINE, else the configuration file, else auto).
    #[arg(long)]
    engine: Option<String>,
    /// Print on stderr which engine runs and why.
    #[arg(long)]
    explain: bool,
    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(ClapArgs, Clone)]
pub struct LimitArgs {
    /// Working memory of the engine in MiB (default: half the memory available, at most 8 GiB).
    #[arg(long)]
    memory_mib: Option<u64>,
    /// Threads (default: the cores available, e.g. in a Slurm allocation).
    #[arg(long)]
    threads: Option<usize>,
    /// Where to spill temporary files (default: the system's temporary directory).
    #[arg(long)]
    spill_dir: Option<PathBuf>,
}

impl LimitArgs {
    /// Limits from flags, then the configuration file, then the machine.
    pub fn limits(&self) -> Result<(Limits, Resources, Config)> {
        let (config, _) = Config::load()?;
        let resources = Resources::detect();
        let memory_mib = self
            .memory_mib
            .or(config.aggregate.memory_mib)
            .unwrap_or_else(|| ((resources.memory_bytes / 2) >> 20).clamp(256, 8192));
        if memory_mib < 64 {
            anyhow::bail!("--memory-mib {memory_mib} is too small (at least 64)");
        }
        let threads = self.threads.or(config.aggregate.threads).unwrap_or(resources.cpus).max(1);
        let limits = Limits { threads, memory_bytes: memory_mib << 20, spill_dir: self.spill_dir.clone() };
        Ok((limits, resources, config))
    }
}

fn engine_named(name: &str) -> Box<dyn Engine> {
    match name {
        "datafusion" => Box::new(DataFusionEngine),
        _ => Box::new(StreamingEngine),
    }
}

impl EngineArgs {
    /// The engine asked for, and by what: flag, then $SCANLAKE_ENGINE, then the configuration file.
    pub fn requested(&self) -> Result<Option<(String, &'static str)>> {
        let (config, _) = Config::load()?;
        let env = std::env::var("SCANLAKE_ENGINE").ok().filter(|v| !v.is_empty());
        Ok(match (&self.engine, env, config.aggregate.engine) {
            (Some(e), _, _) => Some((e.clone(), "--engine")),
            (None, Some(e), _) => Some((e, "SCANLAKE_ENGINE")),
            (None, None, Some(e)) => Some((e, "the configuration file")),
            _ => None,
        })
    }
}

/// Chooses the engine for a report (explaining why when asked) and its limits. Inside a task of
/// the `slurm` engine, a request for `slurm` means: choose here.
pub fn prepare(
    view: &DatasetView,
    report: &Report,
    args: &EngineArgs,
    in_slurm_task: bool,
) -> Result<(Box<dyn Engine>, Limits)> {
    let (limits, resources, _) = args.limits.limits()?;
    let requested = args.requested()?.filter(|(e, _)| !(in_slurm_task && e == "slurm"));
    let choice = choose(
        requested.as_ref().map(|(e, s)| (e.as_str(), *s)),
        &AVAILABLE,
        report,
        view,
        &resources,
        limits.memory_bytes,
    )?;
    if args.explain {
        let mut err = std::io::stderr().lock();
        writeln!(err, "engine: {}", choice.engine)?;
        for r in &choice.reasons {
            writeln!(err, "  - {r}")?;
        }
        writeln!(err, "  - limits: {} threads, {} MiB", limits.threads, limits.memory_bytes >> 20)?;
        for (column, why) in view.unknown_outputs(report) {
            writeln!(err, "  - column '{column}' stays empty: {why}")?;
        }
    }
    Ok((engine_named(&choice.engine), limits))
}

/// Chooses an engine and runs the report on it.
pub fn run_report(view: &DatasetView, report: &Report, args: &EngineArgs) -> Result<Table> {
    let (engine, limits) = prepare(view, report, args, false)?;
    let spinner = spinner(&format!("{} on {}", report.name, engine.name()));
    let table = engine::run(engine.as_ref(), view, report, &limits);
    spinner.finish_and_clear();
    table
}

#[derive(ClapArgs, Clone)]
pub struct OutputArgs {
    /// table, csv, tsv, json or parquet (default: from -o's extension; else table on a terminal, csv otherwise).
    #[arg(long)]
    format: Option<Format>,
    /// Write here (atomically) instead of to stdout.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

impl OutputArgs {
    pub fn path(&self) -> Option<&PathBuf> {
        self.output.as_ref()
    }

    /// Relative output paths resolved against `base`.
    pub fn relative_to(&self, base: &std::path::Path) -> OutputArgs {
        OutputArgs { format: self.format, output: self.output.as_ref().map(|p| base.join(p)) }
    }

    /// The format: --format, else -o's extension, else table on a terminal and CSV otherwise.
    pub fn format(&self) -> Format {
        let from_ext =
            self.output.as_ref().and_then(|p| p.extension()).and_then(|e| e.to_str()).and_then(|e| e.parse().ok());
        let fallback =
            if self.output.is_none() && !std::io::stdout().is_terminal() { Format::Csv } else { Format::Table };
        self.format.or(from_ext).unwrap_or(fallback)
    }

    pub fn write(&self, table: &Table) -> Result<()> {
        // Machine-readable when piped; for people on a terminal or in a file without a known extension.
        let format = self.format();
        let bytes = export::render(table, format)?;
        match &self.output {
            Some(path) => export::write_to(path, &bytes)?,
            None => {
                if format == Format::Parquet && std::io::stdout().is_terminal() {
                    anyhow::bail!("not writing Parquet to a terminal\nhint: add -o FILE.parquet, or redirect stdout");
                }
                let mut out = std::io::stdout().lock();
                match out.write_all(&bytes).and_then(|_| out.flush()) {
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                    r => r?,
                }
            }
        }
        Ok(())
    }
}
