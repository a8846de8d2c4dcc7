//! Choosing an engine: from what the user asked (flag, environment, configuration file), else
//! from the report's expected number of groups, the dataset's size and the cores and memory this
//! process may really use (cgroup limits, a Slurm allocation). Every decision carries its reasons,
//! which `--explain` prints.

use super::spec::{Report, ReportKind};
use crate::dataset::view::DatasetView;
use crate::resources::Resources;
use anyhow::{Result, bail};

/// The engine to run and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub engine: String,
    pub reasons: Vec<String>,
}

/// Names `--engine` takes besides `auto`; `available` are those built into this program.
pub const KNOWN_ENGINES: [&str; 4] = ["streaming", "datafusion", "slurm", "gpu"];

/// Estimated bytes of memory per result group of a high-cardinality report.
const BYTES_PER_GROUP: u64 = 192;
/// Estimated objects per directory, for guessing how many directories a scan holds (generated
/// scans have ~23; real file systems 10 to 50).
const OBJECTS_PER_DIR: u64 = 16;

/// Picks an engine. `requested` is the user's choice and where it came from (`--engine`,
/// `SCANLAKE_ENGINE`, the configuration file), `auto` or absent for an automatic choice.
pub fn choose(
    requested: Option<(&str, &str)>,
    available: &[&str],
    report: &Report,
    view: &DatasetView,
    resources: &Resources,
    memory_limit: u64,
) -> Result<Choice> {
    let mut reasons = Vec::new();
    if let Some(gpu) = &resources.gpu {
        reasons.push(format!("a GPU is present ({gpu}), but this scanlake has no GPU engine; CPU engines only"));
    }
    if let Some((name, from)) = requested
        && name != "auto"
    {
        if !KNOWN_ENGINES.contains(&name) {
            bail!("unknown engine '{name}' (from {from})\nhint: engines are auto, {}", available.join(", "));
        }
        if !available.contains(&name) {
            let why = match name {
                "gpu" => "no GPU engine is built",
                _ => "it is not built into this scanlake",
            };
            bail!("engine '{name}' (from {from}) cannot run: {why}\nhint: use auto, {}", available.join(", "));
        }
        reasons.push(format!("{name}: asked for by {from}"));
        return Ok(Choice { engine: name.to_string(), reasons });
    }
    let scope = view.select(report);
    let rows_in_scope: u64 = {
        let bytes: u64 = scope.iter().flat_map(|p| &p.files).map(|f| f.bytes).sum();
        // The manifest counts rows per input; scale by the share of bytes the report reads.
        if view.bytes == 0 { 0 } else { (view.rows as u128 * bytes as u128 / view.bytes as u128) as u64 }
    };
    reasons.push(format!(
        "dataset: {} rows in {} files ({} MiB); the report reads {} partitions (~{} rows)",
        view.rows,
        view.partitions.iter().map(|p| p.files.len()).sum::<usize>(),
        view.bytes >> 20,
        scope.len(),
        rows_in_scope
    ));
    reasons.push(format!(
        "machine: {} cores ({}), {} MiB memory ({}); engine memory limit {} MiB",
        resources.cpus,
        resources.cpus_from,
        resources.memory_bytes >> 20,
        resources.memory_from,
        memory_limit >> 20
    ));
    let engine = if !report.is_high_cardinality() {
        reasons.push(format!(
            "streaming: report '{}' folds into few groups (bounded by users, groups, filesets, tlds and buckets), which hash maps hold in memory; streaming reads only the needed columns without planning",
            report.name
        ));
        "streaming"
    } else if matches!(report.kind, ReportKind::Churn(_)) {
        reasons.push("streaming: churn merge-joins two path-sorted scans tld by tld, holding one batch per file; its groups are tlds or users".into());
        "streaming"
    } else {
        let groups = rows_in_scope / OBJECTS_PER_DIR;
        let need = groups * BYTES_PER_GROUP;
        let budget = super::streaming::results_budget(memory_limit);
        let fits = if need <= budget { "within" } else { "beyond" };
        reasons.push(format!(
            "streaming: ~{groups} directories expected (~{} MiB of results, {fits} the {} MiB results may hold in memory; beyond, they spill to disk)",
            need >> 20,
            budget >> 20
        ));
        "streaming"
    };
    Ok(Choice { engine: engine.to_string(), reasons })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::spec::{DuReport, Filter, GroupedReport, Report};
    use crate::dataset::manifest::Manifest;
    use crate::dataset::view::{DataFile, Partition};

    fn view(rows: u64) -> DatasetView {
        let manifest: Manifest = serde_json::from_value(serde_json::json!({
            "format": "scanlake-dataset", "format_version": 1, "tld_depth": 3, "inputs": {}
        }))
        .unwrap();
        let partition = Partition {
            acq: "2026-11-01".parse().unwrap(),
            tld: b"/gpfs/fs1/home".to_vec(),
            tld_text: "/gpfs/fs1/home".into(),
            files: vec![DataFile { path: "x.parquet".into(), bytes: 1 << 30, checksum: None }],
        };
        DatasetView {
            root: "lake".into(),
            manifest,
            partitions: vec![partition],
            rows,
            bytes: 1 << 30,
            lease: std::sync::Arc::new(crate::dataset::lock::ReadLease::default()),
            columns_seen: Default::default(),
        }
    }

    fn machine(gpu: Option<&str>) -> Resources {
        Resources {
            cpus: 4,
            cpus_from: "test".into(),
            memory_bytes: 8 << 30,
            memory_from: "test".into(),
            gpu: gpu.map(String::from),
        }
    }

    fn report(kind: ReportKind) -> Report {
        Report { name: "r".into(), kind, filter: Filter::default(), top: None }
    }

    const BOTH: [&str; 2] = ["streaming", "datafusion"];

    #[test]
    fn streaming_is_chosen_unless_asked_otherwise_and_says_whether_it_will_spill() {
        let usage = report(ReportKind::Grouped(GroupedReport { by: vec![], age: None, size: None }));
        let du = report(ReportKind::Du(DuReport { max_depth: 6, min_depth: 0 }));
        let c = choose(None, &BOTH, &usage, &view(1_000_000_000), &machine(None), 1 << 30).unwrap();
        assert_eq!(c.engine, "streaming");
        let c = choose(None, &BOTH, &du, &view(1_000_000), &machine(None), 1 << 30).unwrap();
        assert_eq!(c.engine, "streaming", "{c:?}");
        assert!(c.reasons.last().unwrap().contains("within the 256 MiB results may hold"), "{c:?}");
        let c = choose(None, &BOTH, &du, &view(1_000_000_000), &machine(None), 1 << 30).unwrap();
        assert_eq!(c.engine, "streaming", "{c:?}");
        assert!(
            c.reasons
                .last()
                .unwrap()
                .contains("beyond the 256 MiB results may hold in memory; beyond, they spill to disk"),
            "{c:?}"
        );
    }

    #[test]
    fn a_gpu_is_noticed_and_the_users_choice_wins() {
        let usage = report(ReportKind::Grouped(GroupedReport { by: vec![], age: None, size: None }));
        let c =
            choose(Some(("datafusion", "--engine")), &BOTH, &usage, &view(10), &machine(Some("NVIDIA H100")), 1 << 30)
                .unwrap();
        assert_eq!(c.engine, "datafusion");
        assert!(c.reasons[0].contains("a GPU is present (NVIDIA H100), but this scanlake has no GPU engine"), "{c:?}");
        assert_eq!(c.reasons[1], "datafusion: asked for by --engine");
        let err =
            choose(Some(("gpu", "SCANLAKE_ENGINE")), &BOTH, &usage, &view(10), &machine(None), 1 << 30).unwrap_err();
        assert!(err.to_string().starts_with("engine 'gpu' (from SCANLAKE_ENGINE) cannot run: no GPU engine is built"));
    }
}
