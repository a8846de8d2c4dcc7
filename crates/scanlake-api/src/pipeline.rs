//! The stages a batch run is made of, the typed work each stage stores in `run.json`, and what
//! each task does with it.
//!
//! ```text
//! split      one task per input: cut it into chunks                  RUN/work/chunks/J/
//! convert    one task per chunk (or input): convert it into a part    RUN/work/parts/NNNNN/
//! publish    one task: move every part into the dataset in one commit
//! aggregate  N tasks: each a disjoint set of tlds → partials         RUN/work/partials/R/NNNNN.*
//! merge      one task: merge each report's partials, finish, export
//! ```
//!
//! Paths outside the run are absolute, fixed when the run is made; paths inside it are relative
//! to the run directory. Every task can run again: it rebuilds what it writes from scratch, and
//! publishing a part that is already published changes nothing.

use crate::request::{ConvertRequest, EngineChoice, LimitOptions, ReportRequest, SplitRequest};
use crate::settings::Settings;
use anyhow::{Context, Result, bail};
use scanlake::aggregate::engine::{empty_partial, finish_report};
use scanlake::aggregate::export::{self, Format};
use scanlake::aggregate::partial::{Aggregated, ChurnPartial, FilesPartial};
use scanlake::aggregate::spill::Sorted;
use scanlake::convert::{convert, input};
use scanlake::dataset::view::{DatasetView, Partition};
use scanlake::dataset::{Dataset, ScanDate};
use scanlake::progress::{NoProgress, Progress};
use scanlake::split::{SplitBy, SplitSummary, split};
use scanlake_batch::local::TaskRunner;
use scanlake_batch::{Run, Stage};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Chunks per input of a run's conversion, unless the caller says otherwise.
pub const DEFAULT_CHUNKS: u64 = 4;
/// Aggregation tasks of a run, unless the caller says otherwise.
pub const DEFAULT_TASKS: u32 = 4;

/// The version of [`Work`] this library writes and reads: stored beside every stage's work,
/// checked before any task runs. Bump it with any change to the types below.
pub const WORK_VERSION: u32 = 3;

/// What a stage's tasks do, as stored in `run.json` (inside [`StoredWork`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Work {
    /// Task J splits `inputs[J-1]` into `out_dirs[J-1]`.
    Split { inputs: Vec<PathBuf>, out_dirs: Vec<PathBuf>, request: SplitRequest },
    /// Task T converts one source into its own part (a small dataset): with `chunks`, chunk
    /// `(T-1) % chunks + 1` of input `(T-1) / chunks + 1` from the split stage; else `inputs[T-1]`.
    Convert {
        inputs: Vec<PathBuf>,
        /// The scan date of each input, fixed when the run was made.
        acq: Vec<ScanDate>,
        chunks: Option<u64>,
        chunks_dir: PathBuf,
        parts_dir: PathBuf,
        request: ConvertRequest,
    },
    /// Moves every part into the dataset in one commit.
    Publish { dataset: PathBuf, parts_dir: PathBuf, tld_depth: usize },
    /// Task T computes every report's partial result over its share of the tlds.
    Partial { dataset: PathBuf, reports: Vec<ReportJob>, partials_dir: PathBuf },
    /// Merges the partials of each report and writes it.
    Merge { dataset: PathBuf, reports: Vec<ReportJob>, partials_dir: PathBuf, tasks: u32 },
}

/// A stage's work with the version of its shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredWork {
    pub version: u32,
    pub work: Work,
}

/// A report of a run and where its result goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportJob {
    /// Its engine is never `slurm`: tasks choose among this process's engines.
    pub request: ReportRequest,
    pub limits: LimitOptions,
    /// Absolute, or relative to the run directory (`reports/…`): interfaces make the paths
    /// users give absolute against the user's directory before they build the job.
    pub output: PathBuf,
    pub format: Format,
}

impl ReportJob {
    /// A job for `request`, its engine made one a task can run (`slurm` means: the task chooses).
    pub fn new(mut request: ReportRequest, limits: LimitOptions, output: PathBuf, format: Format) -> ReportJob {
        if request.engine == Some(EngineChoice::Slurm) {
            request.engine = Some(EngineChoice::Auto);
        }
        ReportJob { request, limits, output, format }
    }
}

/// The stages of a run and what it produces.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub stages: Vec<Stage>,
    /// Absolute, or relative to the run directory.
    pub outputs: Vec<PathBuf>,
}

impl Plan {
    /// This plan, then `next`.
    pub fn then(mut self, next: Plan) -> Plan {
        self.stages.extend(next.stages);
        self.outputs.extend(next.outputs);
        self
    }
}

fn stage(work: Work, name: &str, tasks: u32, after: &[&str], light: bool) -> Result<Stage> {
    Ok(Stage {
        name: name.into(),
        tasks,
        after: after.iter().map(|s| s.to_string()).collect(),
        cpus_per_task: light.then_some(1),
        work: serde_json::to_value(StoredWork { version: WORK_VERSION, work })?,
    })
}

/// `p` made absolute against the current directory.
pub fn absolute(p: &Path) -> Result<PathBuf> {
    Ok(if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir()?.join(p) })
}

fn text_path(p: &Path) -> Result<PathBuf> {
    p.to_str().map(PathBuf::from).with_context(|| format!("{} is not UTF-8; runs store paths as text", p.display()))
}

/// split (with `chunks`), convert and publish stages for these inputs.
pub fn convert_plan(inputs: &[PathBuf], dataset: &Path, request: &ConvertRequest, chunks: Option<u64>) -> Result<Plan> {
    let (sources, _ignored) = input::discover(inputs)?;
    if let Some(s) = sources.iter().find(|s| !s.regular) {
        bail!(
            "{} is a stream; a batch run reads its inputs more than once\nhint: save it to a file first",
            s.display()
        );
    }
    let files = sources.iter().map(|s| absolute(&s.path).and_then(|p| text_path(&p))).collect::<Result<Vec<_>>>()?;
    // Fixed now: a chunk's name or directory (the run id holds a date) must not decide it.
    let acq = files.iter().map(|f| Ok(input::scan_date(f, request.acq)?)).collect::<Result<Vec<_>>>()?;
    let dataset = text_path(&absolute(dataset)?)?;
    let (chunks_dir, parts_dir) = (PathBuf::from("work/chunks"), PathBuf::from("work/parts"));
    let mut stages = Vec::new();
    let tasks = match chunks {
        Some(0) => return Err(scanlake::options::OptionError::new("chunks", "`chunks` must be at least 1").into()),
        Some(k) => {
            let work = Work::Split {
                inputs: files.clone(),
                out_dirs: (1..=files.len()).map(|j| chunks_dir.join(j.to_string())).collect(),
                request: SplitRequest { by: SplitBy::Chunks(k), compress: chunk_compression(&files)? },
            };
            stages.push(stage(work, "split", files.len() as u32, &[], true)?);
            files.len() as u64 * k
        }
        None => files.len() as u64,
    };
    let tasks = u32::try_from(tasks).context("too many tasks")?;
    let after: &[&str] = if chunks.is_some() { &["split"] } else { &[] };
    let work = Work::Convert {
        inputs: files,
        acq,
        chunks,
        chunks_dir,
        parts_dir: parts_dir.clone(),
        request: request.clone(),
    };
    stages.push(stage(work, "convert", tasks, after, false)?);
    let work = Work::Publish { dataset: dataset.clone(), parts_dir, tld_depth: request.tld_depth };
    stages.push(stage(work, "publish", 1, &["convert"], true)?);
    Ok(Plan { stages, outputs: vec![dataset] })
}

/// aggregate and merge stages: `tasks` partial tasks over `reports`, after the stages `after`.
/// Each report's filter is stored resolved (rules expanded, user and group names as ids), so
/// tasks need neither the submitter's configuration file nor its name service to select rows.
pub fn report_plan(
    dataset: &Path,
    reports: Vec<ReportJob>,
    tasks: u32,
    after: &[&str],
    settings: &Settings,
) -> Result<Plan> {
    if tasks == 0 {
        return Err(scanlake::options::OptionError::new("tasks", "`tasks` must be at least 1").into());
    }
    let dataset = text_path(&absolute(dataset)?)?;
    let mut reports = reports;
    for r in &mut reports {
        r.request.check()?;
        r.request.filter = settings.resolve_filter(&r.request.filter, &r.request.names.source())?;
        let names = &mut r.request.names;
        let resolved = settings.name_source(&names.source());
        names.passwd = resolved.passwd.map(|p| absolute(&p)).transpose()?;
        names.group_file = resolved.group.map(|p| absolute(&p)).transpose()?;
        r.output = text_path(&r.output)?;
    }
    let outputs = reports.iter().map(|r| r.output.clone()).collect();
    let partials_dir = PathBuf::from("work/partials");
    let stages = vec![
        stage(
            Work::Partial { dataset: dataset.clone(), reports: reports.clone(), partials_dir: partials_dir.clone() },
            "aggregate",
            tasks,
            after,
            false,
        )?,
        stage(Work::Merge { dataset, reports, partials_dir, tasks }, "merge", 1, &["aggregate"], true)?,
    ];
    Ok(Plan { stages, outputs })
}

/// One split stage of one task.
pub fn split_plan(input: &Path, out: &Path, request: SplitRequest) -> Result<Plan> {
    let (input, out) = (text_path(&absolute(input)?)?, text_path(&absolute(out)?)?);
    let work = Work::Split { inputs: vec![input], out_dirs: vec![out.clone()], request };
    Ok(Plan { stages: vec![stage(work, "split", 1, &[], true)?], outputs: vec![out] })
}

/// Reads every stage's work, refusing any this library does not know (an older or newer run).
pub fn check_run(run: &Run) -> Result<()> {
    for s in &run.spec.stages {
        work_of(run, s)?;
    }
    Ok(())
}

pub fn work_of(run: &Run, stage: &Stage) -> Result<Work> {
    let version = stage.work.get("version").and_then(|v| v.as_u64()).unwrap_or(0);
    if version != u64::from(WORK_VERSION) {
        bail!(
            "stage {} of run {} holds work of version {version}; this scanlake knows version {WORK_VERSION}\nhint: go on with the scanlake that made the run, or start a new run",
            stage.name,
            run.spec.id
        );
    }
    let stored: StoredWork = serde_json::from_value(stage.work.clone())
        .with_context(|| format!("stage {} of run {} holds work this scanlake cannot read", stage.name, run.spec.id))?;
    Ok(stored.work)
}

/// The event the publish stage records when it has added a run's parts to the dataset (what
/// `scanlake runs` shows as the run's rows), with a [`Published`] as its detail.
pub const PUBLISHED: &str = "published";

#[derive(Debug, Serialize, Deserialize)]
pub struct Published {
    pub inputs: usize,
    pub rows: u64,
}

/// Carries out the tasks of the stages above; says what each did through `log`.
pub struct Pipeline<'a> {
    pub settings: &'a Settings,
    pub log: &'a dyn Progress,
}

impl TaskRunner for Pipeline<'_> {
    fn run_task(&self, run: &Run, stage: &Stage, task: u32) -> Result<()> {
        let work = work_of(run, stage)?;
        let at = |p: &Path| run.dir.join(p);
        let i = (task - 1) as usize;
        match work {
            Work::Split { inputs, out_dirs, request } => {
                let s = split(&inputs[i], &at(&out_dirs[i]), request.by, request.compress, &NoProgress)?;
                self.log.notice(&format!("{}: {} lines in {} chunks", inputs[i].display(), s.lines, s.chunks.len()));
                Ok(())
            }
            Work::Convert { inputs, acq, chunks, chunks_dir, parts_dir, request } => {
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
                    self.log.notice("nothing to convert: the input had fewer lines than chunks");
                    return Ok(());
                };
                let request = ConvertRequest { acq: Some(acq[input_index]), ..request };
                let summary = convert(&[source], &part, &request.options(self.settings)?, &NoProgress)?;
                for line in summary.lines_for_people() {
                    self.log.notice(&line);
                }
                summary.check()
            }
            Work::Publish { dataset, parts_dir, tld_depth } => {
                let mut parts: Vec<PathBuf> = match std::fs::read_dir(at(&parts_dir)) {
                    Ok(entries) => entries.filter_map(|e| e.ok()).map(|e| e.path()).collect(),
                    Err(_) => Vec::new(),
                };
                parts.sort();
                let mut ds = Dataset::open_for_write(&dataset, tld_depth)?;
                let s = ds.absorb(&parts)?;
                self.log.notice(&format!(
                    "published {} input(s), {} rows, into {}",
                    s.inputs,
                    s.rows,
                    dataset.display()
                ));
                let published = Published { inputs: s.inputs, rows: s.rows };
                run.store.event(PUBLISHED, &serde_json::to_string(&published)?)?;
                if s.failed > 0 {
                    bail!("{} input(s) failed to convert", s.failed);
                }
                Ok(())
            }
            Work::Partial { dataset, reports, partials_dir } => {
                let view = DatasetView::open(&dataset)?;
                for (r, job) in reports.iter().enumerate() {
                    let plan = crate::report::plan(&view, &job.request, &job.limits, self.settings)?;
                    let report = &plan.resolved.report;
                    let all = view.select(report);
                    let mine = share(&all, stage.tasks, task);
                    let aggregated = if mine.is_empty() {
                        empty_partial(report).into()
                    } else {
                        plan.engine.aggregate(&view, &mine, report, &plan.limits, &NoProgress)?
                    };
                    let base = at(&partials_dir).join(r.to_string()).join(format!("{task:05}"));
                    std::fs::create_dir_all(base.parent().expect("has a parent"))?;
                    let partial = StoredPartial::store(aggregated, &base)?;
                    let out = PartialFile { files: files_of(&view, &mine), partial };
                    // Written last: its presence says the runs beside it are complete.
                    scanlake::dataset::write_atomically(&base.with_extension("json"), &serde_json::to_vec(&out)?)?;
                    self.log.notice(&format!(
                        "{}: {} of {} partitions on {}",
                        report.name,
                        mine.len(),
                        all.len(),
                        plan.engine.name()
                    ));
                }
                Ok(())
            }
            Work::Merge { dataset, reports, partials_dir, tasks } => {
                let view = DatasetView::open(&dataset)?;
                for (r, job) in reports.iter().enumerate() {
                    let report = job.request.resolve(&view)?.report;
                    let expected = files_of(&view, &view.select(&report));
                    let mut stored: Vec<(PathBuf, StoredPartial)> = Vec::new();
                    let mut seen: Vec<String> = Vec::new();
                    for t in 1..=tasks {
                        let base = at(&partials_dir).join(r.to_string()).join(format!("{t:05}"));
                        let path = base.with_extension("json");
                        let bytes = std::fs::read(&path)
                            .with_context(|| format!("cannot read the partial result {}", path.display()))?;
                        let p: PartialFile = serde_json::from_slice(&bytes)
                            .with_context(|| format!("cannot read the partial result {}", path.display()))?;
                        seen.extend(p.files);
                        stored.push((base, p.partial));
                    }
                    seen.sort();
                    if seen != expected {
                        bail!(
                            "the partial results of report '{}' cover {} files, but the dataset now has {} for it: it changed while the run aggregated\nhint: run the aggregation again",
                            report.name,
                            seen.len(),
                            expected.len()
                        );
                    }
                    let spill_dir = job.limits.spill_dir.as_deref();
                    let mut rows = finish_report(&view, &report, StoredPartial::load(stored, spill_dir)?)?;
                    if job.request.names.show {
                        rows = crate::report::with_names(rows, &job.request.names.source())?;
                    }
                    export::export(rows, job.format, &at(&job.output))?;
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
    partial: StoredPartial,
}

/// A partial as an aggregation task leaves it: grouped and du results as sorted runs beside the
/// task's JSON (`NNNNN.groups`, `NNNNN.linked`, `NNNNN.du`), which the merge task merges as it
/// writes the report, so neither task holds a result bigger than its memory limit; churn (one row
/// per tld or user) inline.
#[derive(Serialize, Deserialize)]
enum StoredPartial {
    Grouped,
    Du,
    Churn(ChurnPartial),
    Files(FilesPartial),
}

impl StoredPartial {
    fn store(aggregated: Aggregated, base: &Path) -> Result<StoredPartial> {
        Ok(match aggregated {
            Aggregated::Grouped { groups, linked } => {
                groups.store(&base.with_extension("groups"))?;
                linked.store(&base.with_extension("linked"))?;
                StoredPartial::Grouped
            }
            Aggregated::Du(dirs) => {
                dirs.store(&base.with_extension("du"))?;
                StoredPartial::Du
            }
            Aggregated::Churn(p) => StoredPartial::Churn(p),
            Aggregated::Files(p) => StoredPartial::Files(p),
        })
    }

    /// Every task's partial (`base` paths, in task order) merged into one.
    fn load(stored: Vec<(PathBuf, StoredPartial)>, spill_dir: Option<&Path>) -> Result<Aggregated> {
        let runs = |ext: &str| -> Vec<PathBuf> { stored.iter().map(|(base, _)| base.with_extension(ext)).collect() };
        Ok(match stored.first().map(|(_, p)| p) {
            Some(StoredPartial::Grouped) => Aggregated::Grouped {
                groups: Sorted::load(&runs("groups"), spill_dir)?,
                linked: Sorted::load(&runs("linked"), spill_dir)?,
            },
            Some(StoredPartial::Du) => Aggregated::Du(Sorted::load(&runs("du"), spill_dir)?),
            Some(StoredPartial::Churn(_)) => {
                let mut merged = ChurnPartial::default();
                for (_, p) in stored {
                    let StoredPartial::Churn(p) = p else { bail!("the partial results of one report differ in kind") };
                    merged.merge(p);
                }
                Aggregated::Churn(merged)
            }
            Some(StoredPartial::Files(_)) => {
                let mut merged = FilesPartial::default();
                for (_, p) in stored {
                    let StoredPartial::Files(p) = p else { bail!("the partial results of one report differ in kind") };
                    merged.merge(p);
                }
                Aggregated::Files(merged)
            }
            None => bail!("no partial results to merge"),
        })
    }
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
/// Chunks of compressed inputs are compressed too: as plain text they would need the decompressed
/// size on disk (a 7.5 GiB zstd scan of 10^8 lines is ~38 GiB of text). Plain inputs stay plain.
fn chunk_compression(inputs: &[PathBuf]) -> Result<scanlake::split::ChunkCompression> {
    for f in inputs {
        if input::sniff(f)? != input::Compression::None {
            return Ok(scanlake::split::ChunkCompression::Zstd);
        }
    }
    Ok(scanlake::split::ChunkCompression::None)
}

fn chunk_path(dir: &Path, c: usize) -> Result<Option<PathBuf>> {
    let listing = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the chunks in {}", dir.display()))?
        .filter_map(|e| e.ok())
        .find(|e| e.file_name().to_string_lossy().starts_with(".scanlake-split-"))
        .with_context(|| format!("{} holds no finished split", dir.display()))?;
    let summary: SplitSummary = serde_json::from_slice(&std::fs::read(listing.path())?)?;
    Ok(summary.chunks.get(c).map(|ch| dir.join(&ch.file)))
}
