//! Runs made through the library: typed, versioned work in `run.json` that round-trips and is
//! refused when it comes from another version; stage builders; tasks' shares of the tlds; a
//! whole local run whose reports equal the same reports run directly.

use scanlake::aggregate::export::{Format, render};
use scanlake::generate::GenOptions;
use scanlake::progress::NoProgress;
use scanlake::resources::Resources;
use scanlake_api::pipeline::{self, ReportJob, StoredWork, Work, convert_plan, report_plan, share};
use scanlake_api::runs::{self, Executor, RunOptions, Started};
use scanlake_api::{ConvertRequest, EngineChoice, LimitOptions, ReportRequest, ReportType, Settings};
use std::path::{Path, PathBuf};

fn settings() -> Settings {
    Settings::from_parts(Default::default(), Default::default(), Resources::detect())
}

fn scan(dir: &Path, name: &str, records: u64, acq: &str) -> PathBuf {
    let path = dir.join(name);
    let opts = GenOptions { records, acq: acq.parse().unwrap(), top_dirs: 7, ..GenOptions::default() };
    scanlake_api::generate(&opts, &path).unwrap();
    path
}

fn work(stage: &scanlake_batch::Stage) -> Work {
    serde_json::from_value::<StoredWork>(stage.work.clone()).unwrap().work
}

#[test]
fn plans_fix_dates_and_absolute_paths_when_made() {
    let dir = tempfile::tempdir().unwrap();
    let undated = scan(dir.path(), "scan.list", 100, "2026-11-01");
    let err = convert_plan(std::slice::from_ref(&undated), Path::new("lake"), &ConvertRequest::default(), Some(2))
        .unwrap_err();
    assert!(err.to_string().contains("`acq`"), "{err}");

    let request = ConvertRequest { acq: Some("2026-11-01".parse().unwrap()), ..ConvertRequest::default() };
    let plan = convert_plan(&[undated.clone(), undated.clone()], Path::new("rel/lake"), &request, Some(3)).unwrap();
    let names: Vec<(&str, u32)> = plan.stages.iter().map(|s| (s.name.as_str(), s.tasks)).collect();
    assert_eq!(names, [("split", 2), ("convert", 6), ("publish", 1)]);
    let Work::Convert { inputs, acq, request: stored, .. } = work(&plan.stages[1]) else { panic!("convert") };
    assert!(inputs.iter().all(|p| p.is_absolute()));
    assert_eq!(acq.len(), 2);
    assert_eq!(stored, request, "the layout and every option are stored as values, not words");
    assert!(plan.outputs[0].is_absolute() && plan.outputs[0].ends_with("rel/lake"));
    assert!(convert_plan(std::slice::from_ref(&undated), Path::new("lake"), &request, Some(0)).is_err());
    let Work::Split { request: split, .. } = work(&plan.stages[0]) else { panic!("split") };
    assert_eq!(split.compress, scanlake::split::ChunkCompression::None, "plain inputs make plain chunks");
    // A compressed input's chunks are compressed: as text they would need its decompressed size.
    let packed = scan(dir.path(), "scan.list.zst", 100, "2026-11-01");
    let plan = convert_plan(&[undated, packed], Path::new("lake"), &request, Some(2)).unwrap();
    let Work::Split { request: split, .. } = work(&plan.stages[0]) else { panic!("split") };
    assert_eq!(split.compress, scanlake::split::ChunkCompression::Zstd);

    let job = ReportJob::new(
        ReportRequest { engine: Some(EngineChoice::Slurm), ..ReportRequest::new(ReportType::Usage { by: vec![] }) },
        LimitOptions::default(),
        PathBuf::from("out.csv"),
        Format::Csv,
    );
    assert_eq!(job.request.engine, Some(EngineChoice::Auto), "tasks never ask for slurm");
    let plan = report_plan(Path::new("lake"), vec![job.clone()], 3, &["publish"], &settings()).unwrap();
    let Work::Partial { reports, .. } = work(&plan.stages[0]) else { panic!("partial") };
    assert_eq!(reports[0].output, PathBuf::from("out.csv"), "a relative output stays inside the run");
    assert!(report_plan(Path::new("lake"), vec![job], 0, &[], &settings()).is_err());
}

#[test]
fn a_local_run_equals_the_direct_calls_and_its_spec_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = [
        scan(dir.path(), "fs1.2026-11-01.list", 3000, "2026-11-01"),
        // Compressed: split into compressed chunks, which the convert tasks read.
        scan(dir.path(), "fs1.2026-11-08.list.zst", 3000, "2026-11-08"),
    ];
    let lake = dir.path().join("lake");
    let usage = ReportRequest::new(ReportType::Usage { by: vec![scanlake::aggregate::spec::Dimension::Tld] });
    let churn =
        ReportRequest::new(ReportType::Churn { from: None, to: None, by: scanlake::aggregate::spec::ChurnBy::Tld });
    let jobs = vec![
        ReportJob::new(usage.clone(), LimitOptions::default(), dir.path().join("usage.csv"), Format::Csv),
        ReportJob::new(churn.clone(), LimitOptions::default(), PathBuf::from("reports/churn.json"), Format::Json),
    ];
    let plan = convert_plan(&inputs, &lake, &ConvertRequest::default(), Some(2))
        .unwrap()
        .then(report_plan(&lake, jobs, 3, &["publish"], &settings()).unwrap());
    let options = RunOptions { executor: Executor::Local, description: "a test".into(), ..RunOptions::default() };
    let s = settings();
    let mut run = runs::create(plan, &runs::runs_dir(&lake), &options, &s).unwrap();
    let Started::Ran(summary) = runs::start(&mut run, &s, &NoProgress).unwrap() else { panic!("runs here") };
    runs::outcome(&run, &summary).unwrap();

    let reopened = runs::open(&run.dir).unwrap();
    assert_eq!(reopened.spec, run.spec, "run.json round-trips");
    assert_eq!(reopened.spec.format_version, scanlake_batch::spec::FORMAT_VERSION);

    let view = scanlake_api::open(&lake).unwrap();
    let direct = |r: &ReportRequest, f| {
        render(&scanlake_api::report(&view, r, &LimitOptions::default(), &s, &NoProgress).unwrap(), f).unwrap()
    };
    assert_eq!(std::fs::read(dir.path().join("usage.csv")).unwrap(), direct(&usage, Format::Csv));
    assert_eq!(std::fs::read(run.dir.join("reports/churn.json")).unwrap(), direct(&churn, Format::Json));

    // A second scanlake with another work version refuses the run instead of misreading it.
    let spec_path = run.dir.join("run.json");
    let text = std::fs::read_to_string(&spec_path).unwrap();
    let ours = format!("\"version\": {}", pipeline::WORK_VERSION);
    assert!(text.contains(&ours), "run.json stores the work version: {text}");
    std::fs::write(&spec_path, text.replacen(&ours, "\"version\": 99", 1)).unwrap();
    let err = runs::open(&run.dir).err().unwrap();
    let said = format!("version 99; this scanlake knows version {}", pipeline::WORK_VERSION);
    assert!(format!("{err:#}").contains(&said), "{err:#}");
    let older = text.replacen(
        &format!("\"format_version\": {}", scanlake_batch::spec::FORMAT_VERSION),
        "\"format_version\": 1",
        1,
    );
    std::fs::write(&spec_path, older).unwrap();
    let err = runs::open(&run.dir).err().unwrap();
    assert!(format!("{err:#}").contains("made by an older scanlake (run format 1)"), "{err:#}");
    let newer = text.replacen(
        &format!("\"format_version\": {}", scanlake_batch::spec::FORMAT_VERSION),
        "\"format_version\": 7",
        1,
    );
    std::fs::write(&spec_path, newer).unwrap();
    let err = runs::open(&run.dir).err().unwrap();
    assert!(format!("{err:#}").contains("made by a newer scanlake (run format 7)"), "{err:#}");
    let unversioned: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut unversioned = unversioned.as_object().unwrap().clone();
    unversioned.remove("format_version");
    std::fs::write(&spec_path, serde_json::to_vec(&unversioned).unwrap()).unwrap();
    assert!(format!("{:#}", runs::open(&run.dir).err().unwrap()).contains("run format 1"));
}

#[test]
fn every_tld_goes_to_exactly_one_task_and_the_load_is_balanced() {
    let dir = tempfile::tempdir().unwrap();
    let input = scan(dir.path(), "fs1.2026-11-01.list", 4000, "2026-11-01");
    let lake = dir.path().join("lake");
    scanlake_api::convert(&[input], &lake, &ConvertRequest::default(), &settings(), &NoProgress).unwrap();
    let view = scanlake_api::open(&lake).unwrap();
    let all: Vec<_> = view.partitions.iter().collect();
    for tasks in [1, 2, 3, 20] {
        let shares: Vec<_> = (1..=tasks).map(|t| share(&all, tasks, t)).collect();
        let mut seen: Vec<&[u8]> = shares.iter().flatten().map(|p| p.tld.as_slice()).collect();
        assert_eq!(seen.len(), all.len(), "{tasks} tasks: every partition once");
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), all.len());
        let loads: Vec<u64> = shares.iter().map(|s| s.iter().flat_map(|p| &p.files).map(|f| f.bytes).sum()).collect();
        let largest = all.iter().map(|p| p.files.iter().map(|f| f.bytes).sum::<u64>()).max().unwrap();
        let (max, min) = (*loads.iter().max().unwrap(), *loads.iter().min().unwrap());
        if (tasks as usize) <= all.len() {
            assert!(max - min <= largest, "{tasks} tasks: loads {loads:?} differ by more than one tld");
        }
    }
    let _ = pipeline::WORK_VERSION;
}
