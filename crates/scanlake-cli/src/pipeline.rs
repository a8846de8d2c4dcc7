//! The stages scanlake's commands become in a run, and what each of their tasks does.
//!
//! ```text
//! split      one task per input: cut it into --chunks chunks          RUN/work/chunks/J/
//! convert    one task per chunk (or input): convert it into a part    RUN/work/parts/NNNNN/
//! publish    one task: move every part into the dataset in one commit
//! aggregate  --tasks tasks: each a disjoint set of tlds → partials     RUN/work/partials/R/NNNNN.json
//! merge      one task: merge each report's partials, finish, export
//! ```
//!
//! Every task can run again: it rebuilds what it writes from scratch, and publishing a part that
//! is already published changes nothing.

use crate::commands::aggregate;
use crate::commands::convert::{ConvertFlags, FlagsOnly};
use anyhow::{Context, Result, bail};
use clap::{CommandFactory, Parser};
use scanlake::aggregate::engine::finish_report;
use scanlake::aggregate::partial::Partial;
use scanlake::aggregate::view::{DatasetView, Partition};
use scanlake::convert::{NoProgress, convert, input};
use scanlake::dataset::Dataset;
use scanlake::split::{ChunkCompression, SplitBy, SplitSummary, split};
use scanlake_batch::local::TaskRunner;
use scanlake_batch::{Run, Stage};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What a stage's tasks do; stored in `run.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Work {
    /// Task J splits `inputs[J-1]` into `out_dirs[J-1]`.
    Split { inputs: Vec<PathBuf>, out_dirs: Vec<PathBuf>, lines: Option<u64>, chunks: Option<u64>, compress: String },
    /// Task T converts one source into its own part (a small dataset): with `chunks`, chunk
    /// `(T-1) % chunks + 1` of input `(T-1) / chunks + 1` from the split stage; else `inputs[T-1]`.
    Convert {
        inputs: Vec<PathBuf>,
        /// The scan date of each input, fixed when the run was made.
        acq: Vec<String>,
        chunks: Option<u64>,
        chunks_dir: PathBuf,
        parts_dir: PathBuf,
        flags: Vec<String>,
    },
    /// Moves every part into the dataset in one commit.
    Publish { dataset: PathBuf, parts_dir: PathBuf, tld_depth: usize },
    /// Task T computes every report's partial result over its share of the tlds.
    Partial { dataset: PathBuf, reports: Vec<Vec<String>>, partials_dir: PathBuf },
    /// Merges the partials of each report and writes it.
    Merge { dataset: PathBuf, reports: Vec<Vec<String>>, partials_dir: PathBuf, tasks: u32 },
}

impl Work {
    fn stage(self, name: &str, tasks: u32, after: &[&str], light: bool) -> Result<Stage> {
        Ok(Stage {
            name: name.into(),
            tasks,
            after: after.iter().map(|s| s.to_string()).collect(),
            cpus_per_task: light.then_some(1),
            work: serde_json::to_value(self)?,
        })
    }
}

/// Runs live beside the dataset they write or read (same file system: parts are renamed in).
pub fn runs_dir(dataset: &Path) -> PathBuf {
    dataset.join("_scanlake").join("runs")
}

/// The user's arguments after the subcommand `name` on this process's command line.
pub fn raw_args_after(name: &str) -> Vec<std::ffi::OsString> {
    let raw: Vec<_> = std::env::args_os().skip(1).collect();
    match raw.iter().position(|a| a == name) {
        Some(i) => raw[i + 1..].to_vec(),
        None => Vec::new(),
    }
}

pub fn utf8_args(args: Vec<std::ffi::OsString>) -> Result<Vec<String>> {
    args.into_iter()
        .map(|a| {
            a.into_string()
                .map_err(|a| anyhow::anyhow!("argument {a:?} is not UTF-8; batch runs store their arguments as text"))
        })
        .collect()
}

/// The convert flags given to subcommand `name` (convert or run), for the convert tasks.
pub fn own_convert_flags(name: &str) -> Result<Vec<String>> {
    let cli = crate::Cli::command();
    let cmd = cli.find_subcommand(name).context("no such subcommand")?;
    let ids = ConvertFlags::ids();
    utf8_args(crate::commands::batch::select_args(cmd, &raw_args_after(name), |id| ids.iter().any(|i| i == id)))
}

pub fn path_text(p: &Path) -> Result<String> {
    p.to_str()
        .map(str::to_string)
        .with_context(|| format!("{} is not UTF-8; batch runs store paths as text", p.display()))
}

/// split (with `chunks`), convert and publish stages for these inputs.
pub fn convert_stages(
    inputs: &[PathBuf],
    chunks: Option<u64>,
    dataset: &Path,
    flags: &ConvertFlags,
    flag_args: Vec<String>,
) -> Result<(Vec<Stage>, Vec<PathBuf>)> {
    let (sources, _ignored) = input::discover(inputs)?;
    if let Some(s) = sources.iter().find(|s| !s.regular) {
        bail!(
            "{} is a stream; a batch run reads its inputs more than once\nhint: save it to a file first",
            s.display()
        );
    }
    let files = sources.iter().map(|s| absolute(&s.path)).collect::<Result<Vec<_>>>()?;
    let mut acq = Vec::new();
    for f in &files {
        path_text(f)?;
        // Fixed now: a chunk's name or directory (the run id holds a date) must not decide it.
        match flags.acq.or_else(|| input::scan_date_from_path(f)) {
            Some(d) => acq.push(d.to_string()),
            None => bail!(
                "cannot tell the scan date of {}: its name holds no date\nhint: pass --acq YYYY-MM-DD",
                f.display()
            ),
        }
    }
    let dataset = absolute(dataset)?;
    path_text(&dataset)?;
    let mut stages = Vec::new();
    // Relative paths: inside the run directory.
    let chunks_dir = PathBuf::from("work/chunks");
    let parts_dir = PathBuf::from("work/parts");
    let tasks = match chunks {
        Some(k) => {
            if k == 0 {
                bail!("--chunks must be at least 1");
            }
            stages.push(
                Work::Split {
                    inputs: files.clone(),
                    out_dirs: (1..=files.len()).map(|j| chunks_dir.join(j.to_string())).collect(),
                    lines: None,
                    chunks: Some(k),
                    compress: "none".into(),
                }
                .stage("split", files.len() as u32, &[], true)?,
            );
            files.len() as u64 * k
        }
        None => files.len() as u64,
    };
    let tasks = u32::try_from(tasks).context("too many tasks")?;
    let after: &[&str] = if chunks.is_some() { &["split"] } else { &[] };
    stages.push(
        Work::Convert { inputs: files, acq, chunks, chunks_dir, parts_dir: parts_dir.clone(), flags: flag_args }
            .stage("convert", tasks, after, false)?,
    );
    stages.push(Work::Publish { dataset: dataset.clone(), parts_dir, tld_depth: flags.tld_depth }.stage(
        "publish",
        1,
        &["convert"],
        true,
    )?);
    Ok((stages, vec![dataset]))
}

/// aggregate and merge stages: `tasks` partial tasks over `reports` (each a report's arguments).
pub fn aggregate_stages(dataset: &Path, reports: Vec<Vec<String>>, tasks: u32, after: &[&str]) -> Result<Vec<Stage>> {
    if tasks == 0 {
        bail!("--tasks must be at least 1");
    }
    let dataset = absolute(dataset)?;
    path_text(&dataset)?;
    let partials_dir = PathBuf::from("work/partials");
    Ok(vec![
        Work::Partial { dataset: dataset.clone(), reports: reports.clone(), partials_dir: partials_dir.clone() }
            .stage("aggregate", tasks, after, false)?,
        Work::Merge { dataset, reports, partials_dir, tasks }.stage("merge", 1, &["aggregate"], true)?,
    ])
}

pub fn split_stage(input: &Path, out: &Path, lines: Option<u64>, chunks: Option<u64>, compress: &str) -> Result<Stage> {
    let (input, out) = (absolute(input)?, absolute(out)?);
    path_text(&input)?;
    path_text(&out)?;
    Work::Split { inputs: vec![input], out_dirs: vec![out], lines, chunks, compress: compress.into() }.stage(
        "split",
        1,
        &[],
        true,
    )
}

pub fn absolute(p: &Path) -> Result<PathBuf> {
    Ok(if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir()?.join(p) })
}

/// Carries out the tasks of the stages above.
pub struct Pipeline;

impl TaskRunner for Pipeline {
    fn run_task(&self, run: &Run, stage: &Stage, task: u32) -> Result<()> {
        let work: Work = serde_json::from_value(stage.work.clone()).with_context(|| {
            format!("stage {} of run {} has work this program does not know", stage.name, run.spec.id)
        })?;
        // Relative paths are inside the run directory.
        let at = |p: &Path| run.dir.join(p);
        let i = (task - 1) as usize;
        match work {
            Work::Split { inputs, out_dirs, lines, chunks, compress } => {
                let by = match (lines, chunks) {
                    (Some(n), _) => SplitBy::Lines(n),
                    (None, Some(k)) => SplitBy::Chunks(k),
                    _ => bail!("a split needs lines or chunks"),
                };
                let compress = match compress.as_str() {
                    "gz" => ChunkCompression::Gzip,
                    "zst" => ChunkCompression::Zstd,
                    _ => ChunkCompression::None,
                };
                let s = split(&inputs[i], &at(&out_dirs[i]), by, compress)?;
                println!("{}: {} lines in {} chunks", inputs[i].display(), s.lines, s.chunks.len());
                Ok(())
            }
            Work::Convert { inputs, acq, chunks, chunks_dir, parts_dir, flags } => {
                let (source, input_index) = match chunks {
                    None => (Some(inputs[i].clone()), i),
                    Some(k) => {
                        let (j, c) = (i / k as usize, i % k as usize);
                        (chunk_path(&at(&chunks_dir).join((j + 1).to_string()), c)?, j)
                    }
                };
                let part = at(&parts_dir).join(format!("{task:05}"));
                if part.exists() {
                    std::fs::remove_dir_all(&part).with_context(|| format!("cannot clear {}", part.display()))?;
                }
                let Some(source) = source else {
                    println!("nothing to convert: the input had fewer lines than chunks");
                    return Ok(());
                };
                let mut args = flags.clone();
                args.extend(["--acq".to_string(), acq[input_index].clone()]);
                let parsed = FlagsOnly::try_parse_from(&args)
                    .map_err(|e| anyhow::anyhow!("bad convert flags in the run: {e}"))?;
                let opts = parsed.flags.options()?;
                let summary = convert(&[source], &part, &opts, &NoProgress)?;
                crate::commands::convert::report(&summary, false).map(|_| ())
            }
            Work::Publish { dataset, parts_dir, tld_depth } => {
                let mut parts: Vec<PathBuf> = match std::fs::read_dir(at(&parts_dir)) {
                    Ok(entries) => entries.filter_map(|e| e.ok()).map(|e| e.path()).collect(),
                    Err(_) => Vec::new(),
                };
                parts.sort();
                let mut ds = Dataset::open_for_write(&dataset, tld_depth)?;
                let s = ds.absorb(&parts)?;
                println!("published {} input(s), {} rows, into {}", s.inputs, s.rows, dataset.display());
                if s.failed > 0 {
                    bail!("{} input(s) failed to convert", s.failed);
                }
                Ok(())
            }
            Work::Partial { dataset, reports, partials_dir } => {
                let view = DatasetView::open(&dataset)?;
                for (r, argv) in reports.iter().enumerate() {
                    let built = aggregate::parse(&view, argv)?;
                    view.check(&built.report)?;
                    let all = view.select(&built.report);
                    let mine = share(&all, stage.tasks, task);
                    let (engine, limits) =
                        crate::commands::engines::prepare(&view, &built.report, built.engine_args(), true)?;
                    let partial = if mine.is_empty() {
                        scanlake::aggregate::engine::empty_partial(&built.report)
                    } else {
                        view.verify(&mine)?;
                        engine.partial(&view, &mine, &built.report, &limits)?
                    };
                    let out = PartialFile { files: files_of(&view, &mine), partial };
                    let path = at(&partials_dir).join(r.to_string()).join(format!("{task:05}.json"));
                    std::fs::create_dir_all(path.parent().expect("has a parent"))?;
                    scanlake::dataset::write_atomically(&path, &serde_json::to_vec(&out)?)?;
                    println!("{}: {} of {} partitions on {}", argv.join(" "), mine.len(), all.len(), engine.name());
                }
                Ok(())
            }
            Work::Merge { dataset, reports, partials_dir, tasks } => {
                let view = DatasetView::open(&dataset)?;
                for (r, argv) in reports.iter().enumerate() {
                    let built = aggregate::parse(&view, argv)?;
                    let expected = files_of(&view, &view.select(&built.report));
                    let mut merged: Option<Partial> = None;
                    let mut seen: Vec<String> = Vec::new();
                    for t in 1..=tasks {
                        let path = at(&partials_dir).join(r.to_string()).join(format!("{t:05}.json"));
                        let bytes = std::fs::read(&path)
                            .with_context(|| format!("cannot read the partial result {}", path.display()))?;
                        let p: PartialFile = serde_json::from_slice(&bytes)
                            .with_context(|| format!("cannot read the partial result {}", path.display()))?;
                        seen.extend(p.files);
                        merged = Some(match merged {
                            None => p.partial,
                            Some(m) => m.merge(p.partial),
                        });
                    }
                    seen.sort();
                    if seen != expected {
                        bail!(
                            "the partial results of '{}' cover {} files, but the dataset now has {} for it: it changed while the run aggregated\nhint: run the aggregation again",
                            argv.join(" "),
                            seen.len(),
                            expected.len()
                        );
                    }
                    let table = finish_report(&view, &built.report, merged.expect("at least one task"))?;
                    built.output().relative_to(&run.dir).write(&table)?;
                }
                Ok(())
            }
        }
    }
}

/// A task's partial result and the data files it covers (checked when merging).
#[derive(Serialize, Deserialize)]
struct PartialFile {
    files: Vec<String>,
    partial: Partial,
}

fn files_of(view: &DatasetView, partitions: &[&Partition]) -> Vec<String> {
    let mut out: Vec<String> = partitions
        .iter()
        .flat_map(|p| &p.files)
        .map(|f| f.path.strip_prefix(&view.root).unwrap_or(&f.path).display().to_string())
        .collect();
    out.sort();
    out
}

/// Task `task`'s share of the partitions: whole tlds (churn needs both dates of a tld together),
/// the largest first, each to the task with the fewest bytes so far. Every task computes the same
/// shares from the same manifest; the merge checks that they covered it exactly.
pub fn share<'a>(partitions: &[&'a Partition], tasks: u32, task: u32) -> Vec<&'a Partition> {
    let mut by_tld: BTreeMap<&[u8], u64> = BTreeMap::new();
    for p in partitions {
        *by_tld.entry(p.tld.as_slice()).or_default() += p.files.iter().map(|f| f.bytes).sum::<u64>();
    }
    let mut tlds: Vec<(&[u8], u64)> = by_tld.into_iter().collect();
    tlds.sort_by_key(|t| std::cmp::Reverse(t.1)); // stable: equal sizes keep tld order
    let mut load = vec![0u64; tasks as usize];
    let mut owner: BTreeMap<&[u8], usize> = BTreeMap::new();
    for (tld, bytes) in tlds {
        let lightest = (0..load.len()).min_by_key(|&i| (load[i], i)).expect("at least one task");
        load[lightest] += bytes;
        owner.insert(tld, lightest + 1);
    }
    // In the view's order (date, then tld in tree order), which the engines expect.
    partitions.iter().filter(|p| owner.get(p.tld.as_slice()) == Some(&(task as usize))).copied().collect()
}

/// Chunk `c` (0-based) of the split in `dir`, if the split made that many.
fn chunk_path(dir: &Path, c: usize) -> Result<Option<PathBuf>> {
    let listing = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the chunks in {}", dir.display()))?
        .filter_map(|e| e.ok())
        .find(|e| e.file_name().to_string_lossy().starts_with(".scanlake-split-"))
        .with_context(|| format!("{} holds no finished split", dir.display()))?;
    let summary: SplitSummary = serde_json::from_slice(&std::fs::read(listing.path())?)?;
    Ok(summary.chunks.get(c).map(|ch| dir.join(&ch.file)))
}
