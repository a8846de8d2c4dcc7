//! `quota`: a quota report (`mmrepquota -Y`, `mmlsquota -Y`) beside the scan's usage of the same
//! owners and filesets. The scan's side comes from the usage summaries where they answer, else
//! from the rows on the chosen engine.

use crate::request::{EngineChoice, LimitOptions, NameOptions};
use crate::settings::Settings;
use anyhow::{Result, bail};
use scanlake::aggregate::engine::Engine;
use scanlake::aggregate::partial::{GroupedPartial, Partial};
use scanlake::aggregate::rows::Rows;
use scanlake::aggregate::spec::{Dimension, Filter, GroupedReport, Report, ReportKind};
use scanlake::aggregate::summary;
use scanlake::dataset::ScanDate;
use scanlake::dataset::view::DatasetView;
use scanlake::names::Names;
use scanlake::options::OptionError;
use scanlake::progress::Progress;
use scanlake::quota::{BadLine, QuotaType, ScanUsage};
use serde::{Deserialize, Serialize};

/// What to compare the quota report with, and what to show.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuotaRequest {
    /// The scan to compare with (default: the latest).
    pub acq: Option<ScanDate>,
    /// Only entries at or above this percentage of their quota (or limit), of bytes or files.
    pub over: Option<f64>,
    /// Names for entries the quota report gives none.
    pub names: NameOptions,
    pub engine: Option<EngineChoice>,
    /// Read the rows even where usage summaries would answer.
    pub from_rows: bool,
}

/// The report's rows, the lines that were not quotas, and how the scan's side was computed.
pub struct QuotaReport {
    pub rows: Rows,
    pub bad: Vec<BadLine>,
    pub explanation: Vec<String>,
}

/// Usage by `[dim, fileset]` over `dates`: from summaries, else on the engine settings choose.
fn usage_by(
    view: &DatasetView,
    dim: Dimension,
    dates: &[ScanDate],
    request: &QuotaRequest,
    limits: &LimitOptions,
    settings: &Settings,
    said: &mut Vec<String>,
) -> Result<GroupedPartial> {
    let by = vec![dim, Dimension::Fileset];
    let filter = Filter { acq: dates.to_vec(), ..Filter::default() };
    let why = if request.from_rows {
        Some("`from_rows` asks for the rows".to_string())
    } else {
        summary::cannot_answer_grouped(view, &by, &filter)
    };
    if why.is_none() {
        said.push(format!("{dim}, fileset: {}", summary::describe(view, dates)));
        return Ok(summary::answer_grouped(view, &by, &filter)?.0);
    }
    let (choice, _) = settings.engine(request.engine)?;
    let engine: Box<dyn Engine> = match choice {
        EngineChoice::Datafusion => Box::new(scanlake_datafusion::DataFusionEngine),
        EngineChoice::Slurm => bail!("quota runs here; choose the streaming or datafusion `engine`"),
        _ => Box::new(scanlake::aggregate::streaming::StreamingEngine),
    };
    said.push(format!("{dim}, fileset: rows on {} ({})", engine.name(), why.unwrap_or_default()));
    let report = Report {
        name: "quota".into(),
        kind: ReportKind::Grouped(GroupedReport { by, age: None, size: None }),
        filter,
        top: None,
    };
    view.check(&report)?;
    let partitions = view.select(&report);
    match engine.partial(view, &partitions, &report, &settings.limits(limits)?)? {
        Partial::Grouped(p) => Ok(p),
        _ => bail!("the engine returned no grouped usage"),
    }
}

/// Reads the quota report `text` and puts each entry beside the scan's usage.
pub fn quota(
    view: &DatasetView,
    text: &[u8],
    request: &QuotaRequest,
    limits: &LimitOptions,
    settings: &Settings,
    _progress: &dyn Progress,
) -> Result<QuotaReport> {
    if let Some(o) = request.over
        && !(0.0..=1e6).contains(&o)
    {
        return Err(OptionError::new("over", format!("`over` is a percentage (0 to 100 or more), not {o}")).into());
    }
    let file = scanlake::quota::parse(text)?;
    let dates = view.scan_dates();
    let acq = match request.acq {
        Some(a) if !dates.contains(&a) => {
            let have: Vec<String> = dates.iter().map(ToString::to_string).collect();
            return Err(OptionError::new(
                "acq",
                format!("scan date {a} is not in this dataset (it has {})", have.join(", ")),
            )
            .into());
        }
        Some(a) => a,
        None => *dates.last().expect("a dataset holds a scan"),
    };
    let previous = dates.iter().rev().find(|d| **d < acq).copied();
    let wanted: Vec<ScanDate> = previous.into_iter().chain([acq]).collect();
    let mut explanation = vec![format!(
        "quota entries: {} (bad lines: {}); scan {acq}{}",
        file.entries.len(),
        file.bad.len(),
        previous.map_or(" (no scan before it: no growth)".to_string(), |p| format!(", growth since {p}"))
    )];
    let mut said = Vec::new();
    let by_uid = usage_by(view, Dimension::Uid, &wanted, request, limits, settings, &mut said)?;
    let by_gid = usage_by(view, Dimension::Gid, &wanted, request, limits, settings, &mut said)?;
    explanation.extend(said.into_iter().map(|s| format!("  - {s}")));
    let usage = ScanUsage::new(acq, previous, &by_uid, &by_gid);
    let names = if request.names.show {
        Some(std::sync::Mutex::new(Names::open(&settings.name_source(&request.names.source()))?))
    } else {
        None
    };
    let name = |e: &scanlake::quota::QuotaEntry| {
        let names = names.as_ref()?;
        let mut n = names.lock().ok()?;
        match e.kind {
            QuotaType::User => n.user(e.id),
            QuotaType::Group => n.group(e.id),
            QuotaType::Fileset => None,
        }
    };
    let rows = scanlake::quota::rows(&file.entries, &usage, request.over, &name);
    Ok(QuotaReport { rows, bad: file.bad, explanation })
}
