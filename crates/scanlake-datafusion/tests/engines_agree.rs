//! Every report on every engine over one generated dataset (hostile names, hard links, two scan
//! dates, several files per partition): the exports must be byte-identical, the numbers must add
//! up to what the dataset holds, and churn must find exactly the edits made between the scans.

use scanlake::aggregate::engine::{Engine, Limits, run_rows};
use scanlake::aggregate::export::{Format, render, write};
use scanlake::aggregate::filter::ByteSize;
use scanlake::aggregate::partial::Partial;
use scanlake::aggregate::spec::*;
use scanlake::aggregate::streaming::StreamingEngine;
use scanlake::aggregate::table::{Cell, Table, finish};
use scanlake::convert::{ConvertOptions, NoProgress, convert};
use scanlake::dataset::partition::ScanDate;
use scanlake::dataset::view::DatasetView;
use scanlake::generate::{GenOptions, generate_to_path};
use scanlake::split::{ChunkCompression, SplitBy, split};
use scanlake_datafusion::DataFusionEngine;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A report on one engine, silently.
fn run(engine: &dyn Engine, view: &DatasetView, report: &Report, limits: &Limits) -> anyhow::Result<Table> {
    scanlake::aggregate::engine::run(engine, view, report, limits, &NoProgress)
}

const OLD: ScanDate = ScanDate { year: 2026, month: 11, day: 1 };
const NEW: ScanDate = ScanDate { year: 2026, month: 11, day: 8 };

struct Fixture {
    _dir: tempfile::TempDir,
    dataset: PathBuf,
    /// Edits made to the old scan to get the new one.
    deleted: i64,
    modified: i64,
    created: i64,
    old_rows: i64,
    new_rows: i64,
}

/// The new scan: every 7th record gone, every 5th (of the rest) one byte larger, and the records
/// of another generated tree added.
const SIZE: &[u8] = b"%7Csize%3D";

/// The generator can draw one file name twice in a directory; a real scan lists a path once.
fn unique_paths(from: &Path, to: &Path) {
    let mut seen = std::collections::HashSet::new();
    let text = std::fs::read(from).unwrap();
    let kept: Vec<&[u8]> = text
        .split_inclusive(|&b| b == b'\n')
        .filter(|l| {
            l.starts_with(b"#") || seen.insert(l.windows(4).position(|w| w == b" -- ").map(|i| l[i..].to_vec()))
        })
        .collect();
    std::fs::write(to, kept.concat()).unwrap();
}

fn edit(old: &Path, extra: &Path, new: &Path) -> (i64, i64, i64) {
    let text = std::fs::read(old).unwrap();
    let (mut out, mut deleted, mut modified, mut created) = (Vec::new(), 0, 0, 0);
    for (i, line) in text.split_inclusive(|&b| b == b'\n').enumerate() {
        // The generator escapes the SHOW text: `|size=` reads `%7Csize%3D`.
        let record = !line.starts_with(b"#") && line.windows(SIZE.len()).any(|w| w == SIZE);
        if record && i % 7 == 0 {
            deleted += 1;
            continue;
        }
        if record && i % 5 == 0 {
            let at = line.windows(SIZE.len()).position(|w| w == SIZE).unwrap() + SIZE.len();
            let end = at + line[at..].windows(3).position(|w| w == b"%7C").unwrap();
            let size: i64 = std::str::from_utf8(&line[at..end]).unwrap().parse().unwrap();
            out.extend_from_slice(&line[..at]);
            out.extend_from_slice((size + 1).to_string().as_bytes());
            out.extend_from_slice(&line[end..]);
            modified += 1;
            continue;
        }
        out.extend_from_slice(line);
    }
    // One path listed twice (as when overlapping inputs of one date are converted): it pairs
    // with its old row twice, as in a SQL join, on every engine.
    let last = out[..out.len() - 1].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let repeated = out[last..].to_vec();
    out.extend_from_slice(&repeated);
    // Directories whose names are not UTF-8 (Latin-1 'é') beside their UTF-8 twins.
    for (i, dir) in ["caf%E9", "caf%C3%A9", "caf%E9/sub%FF"].iter().enumerate() {
        for f in ["a", "b%0Ac"] {
            out.extend_from_slice(format!(
                "{} 1 0  |size={}|kballoc=1|access=2026-11-07 10:00:00.000000|modify=2025-01-01 00:00:00.000000|change=2026-11-07 10:00:00.000000|uid=1001|gid=101|pool=system|mode=-rw-r--r--|nlink=1|fileset=root| -- /gpfs/fs1/new/{dir}/{f}\n",
                9_000_000 + i * 10 + f.len(), 100 + i
            ).as_bytes());
            created += 1;
        }
    }
    for line in std::fs::read(extra).unwrap().split_inclusive(|&b| b == b'\n') {
        if !line.starts_with(b"#") && line.windows(SIZE.len()).any(|w| w == SIZE) {
            created += 1;
            out.extend_from_slice(line);
        }
    }
    std::fs::write(new, out).unwrap();
    (deleted, modified, created)
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let options = GenOptions {
            records: 12_000,
            seed: 7,
            users: 25,
            groups: 6,
            top_dirs: 9,
            acq: OLD,
            hostile_fraction: 0.08,
            hard_link_fraction: 0.05,
            directories: true,
            ..GenOptions::default()
        };
        let old = dir.path().join("fs1.2026-11-01.list");
        let raw = dir.path().join("raw.list");
        generate_to_path(&options, &raw).unwrap();
        unique_paths(&raw, &old);
        let extra = dir.path().join("extra.list");
        generate_to_path(
            &GenOptions { records: 1500, seed: 99, root: "/gpfs/fs1/new".into(), ..options.clone() },
            &extra,
        )
        .unwrap();
        let new = dir.path().join("fs1.2026-11-08.list");
        let (deleted, modified, created) = edit(&old, &extra, &new);
        // The old scan in three chunks: several files per partition.
        let chunks = dir.path().join("chunks");
        split(&old, &chunks, SplitBy::Chunks(3), ChunkCompression::None, &NoProgress).unwrap();
        let mut inputs: Vec<PathBuf> = std::fs::read_dir(&chunks)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.file_name().unwrap().to_string_lossy().contains(".part-"))
            .collect();
        inputs.sort();
        assert_eq!(inputs.len(), 3);
        inputs.push(new);
        let dataset = dir.path().join("lake");
        let s = convert(&inputs, &dataset, &ConvertOptions { threads: 2, ..ConvertOptions::default() }, &NoProgress)
            .unwrap();
        assert_eq!(s.rows + s.rejects + s.skipped, s.lines);
        let view = DatasetView::open(&dataset).unwrap();
        let rows_of = |d: ScanDate| {
            view.manifest.inputs.values().filter(|e| e.acq == d.to_string()).map(|e| e.rows as i64).sum::<i64>()
        };
        let (old_rows, new_rows) = (rows_of(OLD), rows_of(NEW));
        Fixture { _dir: dir, dataset, deleted, modified, created, old_rows, new_rows }
    })
}

fn limits() -> Limits {
    Limits { threads: 2, memory_bytes: 256 << 20, spill_dir: None }
}

fn grouped(by: Vec<Dimension>) -> ReportKind {
    ReportKind::Grouped(GroupedReport { by, age: None, size: None })
}

fn age_of(text: &str) -> scanlake::aggregate::filter::AgeCondition {
    text.parse().unwrap()
}

fn report(name: &str, kind: ReportKind, filter: Filter, top: Option<Top>) -> Report {
    Report { name: name.into(), kind, filter, top }
}

/// A sample of reports covering every kind, group, bucket option and filter.
fn reports(tld: &str) -> Vec<Report> {
    let none = Filter::default;
    let tld = tld.to_string();
    let age = |t, b: Buckets| Some((t, b));
    vec![
        report("usage", grouped(vec![Dimension::Uid]), none(), None),
        report("usage", grouped(vec![Dimension::Gid, Dimension::Fileset]), none(), None),
        report("usage", grouped(vec![Dimension::Tld, Dimension::Kind]), none(), None),
        report("usage", grouped(vec![Dimension::Pool]), Filter { acq: vec![NEW], ..none() }, None),
        report("usage", grouped(vec![Dimension::Dir(4)]), none(), None),
        report(
            "usage",
            grouped(vec![Dimension::Dir(5), Dimension::Uid]),
            Filter { prefix: vec![tld.clone().into_bytes()], ..none() },
            None,
        ),
        report(
            "usage",
            grouped(vec![]),
            Filter { uid: vec![1001, 1002, 1003], kind: vec!["file".into()], ..none() },
            None,
        ),
        report(
            "age",
            ReportKind::Grouped(GroupedReport {
                by: vec![Dimension::Uid],
                age: age(TimeField::Access, Buckets::default_age()),
                size: None,
            }),
            none(),
            None,
        ),
        report(
            "age",
            ReportKind::Grouped(GroupedReport {
                by: vec![],
                age: age(TimeField::Modify, Buckets::parse("7,30,1y", BucketUnit::Days).unwrap()),
                size: Some(Buckets::default_size()),
            }),
            Filter { tld: vec![tld.clone()], ..none() },
            None,
        ),
        report(
            "age",
            ReportKind::Grouped(GroupedReport {
                by: vec![Dimension::Fileset],
                age: age(TimeField::Change, Buckets::default_age()),
                size: None,
            }),
            Filter { gid: vec![101, 102], ..none() },
            None,
        ),
        report(
            "size",
            ReportKind::Grouped(GroupedReport {
                by: vec![Dimension::Uid],
                age: None,
                size: Some(Buckets::default_size()),
            }),
            Filter { kind: vec!["file".into()], ..none() },
            None,
        ),
        report(
            "top",
            grouped(vec![Dimension::Uid]),
            none(),
            Some(Top { n: 5, column: "bytes".into(), other: false, all_counters: false }),
        ),
        report(
            "top",
            grouped(vec![Dimension::Gid]),
            none(),
            Some(Top { n: 3, column: "files".into(), other: false, all_counters: false }),
        ),
        report(
            "top",
            ReportKind::Du(DuReport { max_depth: 5, min_depth: 1 }),
            none(),
            Some(Top { n: 10, column: "bytes".into(), other: false, all_counters: false }),
        ),
        report("du", ReportKind::Du(DuReport { max_depth: 4, min_depth: 0 }), none(), None),
        report(
            "du",
            ReportKind::Du(DuReport { max_depth: 7, min_depth: 3 }),
            Filter { prefix: vec![tld.clone().into_bytes()], ..none() },
            None,
        ),
        report(
            "du",
            ReportKind::Du(DuReport { max_depth: 6, min_depth: 3 }),
            Filter { prefix: vec![b"/gpfs/fs1/new".to_vec()], ..none() },
            None,
        ),
        report(
            "du",
            ReportKind::Du(DuReport { max_depth: 6, min_depth: 0 }),
            Filter { acq: vec![OLD], uid: vec![1001, 1005], ..none() },
            None,
        ),
        // The filter language: ages, sizes, names, regexes, attributes, pools and a rule's conjunct.
        report(
            "usage",
            grouped(vec![Dimension::Uid]),
            Filter { older: vec![age_of("access=90d"), age_of("create=30d")], kind: vec!["file".into()], ..none() },
            None,
        ),
        report(
            "usage",
            grouped(vec![Dimension::Gid]),
            Filter {
                newer: vec![age_of("modify=2y")],
                size_min: Some(ByteSize(1024)),
                size_max: Some(ByteSize(1 << 20)),
                ..none()
            },
            None,
        ),
        report(
            "usage",
            grouped(vec![Dimension::Tld]),
            Filter { name: vec![b"*a*".to_vec(), b"?".to_vec()], misc_lacks: "M".into(), ..none() },
            None,
        ),
        report(
            "usage",
            grouped(vec![Dimension::Uid]),
            Filter { path_regex: vec![b"caf\xe9".to_vec(), b"/new/.*\n".to_vec()], ..none() },
            None,
        ),
        report(
            "usage",
            grouped(vec![Dimension::Kind]),
            Filter { pool: vec!["system".into()], misc_has: "F".into(), ..none() },
            None,
        ),
        report(
            "du",
            ReportKind::Du(DuReport { max_depth: 4, min_depth: 0 }),
            Filter {
                prefix: vec![tld.clone().into_bytes(), b"/gpfs/fs1/new".to_vec()],
                all: vec![Filter { older: vec![age_of("access=30d")], kind: vec!["file".into()], ..none() }],
                ..none()
            },
            None,
        ),
        report(
            "churn",
            ReportKind::Churn(ChurnReport { from: OLD, to: NEW, by: ChurnBy::Uid }),
            Filter { older: vec![age_of("modify=180d")], ..none() },
            None,
        ),
        report("churn", ReportKind::Churn(ChurnReport { from: OLD, to: NEW, by: ChurnBy::Tld }), none(), None),
        report("churn", ReportKind::Churn(ChurnReport { from: OLD, to: NEW, by: ChurnBy::Uid }), none(), None),
        report(
            "extensions",
            grouped(vec![Dimension::Ext, Dimension::Uid]),
            Filter { kind: vec!["file".into()], ..none() },
            Some(Top { n: 4, column: "bytes".into(), other: true, all_counters: true }),
        ),
        report(
            "history",
            ReportKind::History(HistoryReport {
                grouped: GroupedReport { by: vec![Dimension::Fileset], age: None, size: None },
                dates: vec![OLD, NEW],
                since: None,
            }),
            Filter { acq: vec![OLD, NEW], kind: vec!["file".into()], ..none() },
            None,
        ),
        report(
            "growth",
            ReportKind::Growth(GrowthReport {
                grouped: GroupedReport { by: vec![Dimension::Dir(4)], age: None, size: None },
                from: OLD,
                to: NEW,
            }),
            Filter { acq: vec![OLD, NEW], older: vec![age_of("access=30d")], ..none() },
            Some(Top { n: 10, column: "bytes_change".into(), other: false, all_counters: true }),
        ),
        report(
            "churn",
            ReportKind::Churn(ChurnReport { from: OLD, to: NEW, by: ChurnBy::Tld }),
            Filter { kind: vec!["file".into()], prefix: vec![b"/gpfs/fs1".to_vec()], ..none() },
            None,
        ),
        report(
            "top files",
            ReportKind::Files(TopFilesReport { metric: FilesMetric::Size, n: 7, per_user: false }),
            Filter { kind: vec!["file".into()], ..none() },
            None,
        ),
        report(
            "top files",
            ReportKind::Files(TopFilesReport { metric: FilesMetric::Access, n: 2, per_user: true }),
            Filter { kind: vec!["file".into()], older: vec![age_of("modify=30d")], ..none() },
            None,
        ),
        report(
            "duplicates",
            ReportKind::Duplicates(DuplicatesReport::new()),
            Filter { kind: vec!["file".into()], ..none() },
            Some(Top { n: 9, column: "bytes_saved".into(), other: false, all_counters: true }),
        ),
        report(
            "duplicates",
            ReportKind::Duplicates(DuplicatesReport::new()),
            Filter { kind: vec!["file".into(), "link".into()], prefix: vec![b"/gpfs/fs1".to_vec()], ..none() },
            Some(Top { n: 3, column: "bytes_saved".into(), other: false, all_counters: true }),
        ),
        report("usage", grouped(vec![Dimension::Name]), Filter { tld: vec![tld.clone()], ..none() }, None),
        report("usage", grouped(vec![Dimension::Size, Dimension::Kind]), none(), None),
    ]
}

/// The tld with the most data files (every tld of the old scan has some).
fn busiest_tld(view: &DatasetView) -> String {
    view.partitions.iter().max_by_key(|p| (p.files.len(), p.tld_text.clone())).unwrap().tld_text.clone()
}

fn sum(t: &Table, column: &str) -> i64 {
    let i = t.column_index(column).unwrap_or_else(|| panic!("no column {column}"));
    t.rows.iter().map(|r| if let Cell::Int(v) = r[i] { v } else { 0 }).sum()
}

#[test]
fn every_report_exports_byte_identically_on_every_engine() {
    let f = fixture();
    let view = DatasetView::open(&f.dataset).unwrap();
    let engines: [&dyn Engine; 2] = [&StreamingEngine, &DataFusionEngine];
    for r in reports(&busiest_tld(&view)) {
        let tables: Vec<Table> = engines.iter().map(|e| run(*e, &view, &r, &limits()).unwrap()).collect();
        assert!(!tables[0].rows.is_empty(), "report {r:?} selected nothing: a test that cannot fail");
        for format in [Format::Table, Format::Csv, Format::Tsv, Format::Json, Format::Parquet] {
            let outs: Vec<Vec<u8>> = tables.iter().map(|t| render(t, format).unwrap()).collect();
            if outs[0] != outs[1] {
                let a = String::from_utf8_lossy(&render(&tables[0], Format::Csv).unwrap()).into_owned();
                let b = String::from_utf8_lossy(&render(&tables[1], Format::Csv).unwrap()).into_owned();
                let diff: Vec<_> = a.lines().zip(b.lines()).filter(|(x, y)| x != y).take(5).collect();
                panic!(
                    "{} and {} differ on {r:?} as {format:?}; first rows that differ: {diff:#?}",
                    engines[0].name(),
                    engines[1].name()
                );
            }
        }
    }
}

#[test]
fn usage_adds_up_to_the_dataset_and_counts_hard_links_once() {
    let f = fixture();
    let view = DatasetView::open(&f.dataset).unwrap();
    let t = run(
        &StreamingEngine,
        &view,
        &report("usage", grouped(vec![Dimension::Uid]), Filter::default(), None),
        &limits(),
    )
    .unwrap();
    assert_eq!(sum(&t, "objects"), f.old_rows + f.new_rows);
    assert!(sum(&t, "files") + sum(&t, "dirs") <= sum(&t, "objects"));
    assert!(sum(&t, "dirs") > 0, "the generated scans list directories");
    let (bytes, unique) = (sum(&t, "bytes"), sum(&t, "unique_bytes"));
    assert!(unique < bytes, "hard-linked twins must be counted once: {unique} vs {bytes}");
    // By tld the same objects are split differently, but the totals cannot change.
    let by_tld = run(
        &StreamingEngine,
        &view,
        &report("usage", grouped(vec![Dimension::Tld]), Filter::default(), None),
        &limits(),
    )
    .unwrap();
    assert_eq!(sum(&by_tld, "bytes"), bytes);
    assert_eq!(sum(&by_tld, "allocated"), sum(&t, "allocated"));
}

#[test]
fn churn_finds_exactly_the_edits_between_the_scans() {
    let f = fixture();
    let view = DatasetView::open(&f.dataset).unwrap();
    for engine in [&StreamingEngine as &dyn Engine, &DataFusionEngine] {
        let r = report(
            "churn",
            ReportKind::Churn(ChurnReport { from: OLD, to: NEW, by: ChurnBy::Tld }),
            Filter::default(),
            None,
        );
        let t = run(engine, &view, &r, &limits()).unwrap();
        assert_eq!(sum(&t, "deleted"), f.deleted, "{}", engine.name());
        assert_eq!(sum(&t, "modified"), f.modified, "{}", engine.name());
        assert_eq!(sum(&t, "created"), f.created, "{}", engine.name());
        assert_eq!(sum(&t, "created") + sum(&t, "modified") + sum(&t, "unchanged"), f.new_rows);
        // The old row of the repeated path pairs twice.
        assert_eq!(sum(&t, "deleted") + sum(&t, "modified") + sum(&t, "unchanged"), f.old_rows + 1);
    }
}

#[test]
fn du_totals_of_the_root_equal_usage_totals() {
    let f = fixture();
    let view = DatasetView::open(&f.dataset).unwrap();
    let du = run(
        &StreamingEngine,
        &view,
        &report("du", ReportKind::Du(DuReport { max_depth: 1, min_depth: 0 }), Filter::default(), None),
        &limits(),
    )
    .unwrap();
    let root = Table {
        columns: du.columns.clone(),
        rows: du.rows.iter().filter(|r| r[1] == Cell::Text("/".into())).cloned().collect(),
    };
    assert_eq!(root.rows.len(), 2, "one root row per scan date");
    let usage =
        run(&StreamingEngine, &view, &report("usage", grouped(vec![]), Filter::default(), None), &limits()).unwrap();
    for column in ["objects", "files", "bytes", "allocated"] {
        assert_eq!(sum(&root, column), sum(&usage, column), "{column}");
    }
    // Depth-1 directories split the root's objects between them.
    let below =
        Table { columns: du.columns.clone(), rows: du.rows.iter().filter(|r| r[2] == Cell::Int(1)).cloned().collect() };
    assert_eq!(sum(&below, "objects"), sum(&root, "objects"));
}

#[test]
fn partials_of_disjoint_partitions_stored_and_merged_elsewhere_give_the_same_table() {
    let f = fixture();
    let view = DatasetView::open(&f.dataset).unwrap();
    for r in reports(&busiest_tld(&view)) {
        view.check(&r).unwrap();
        let parts = view.select(&r);
        // Split by tld, so that churn's two dates of a tld stay together.
        let (a, b): (Vec<_>, Vec<_>) = parts.iter().partition(|p| p.tld_text.len() % 2 == 0);
        let store = |p: Partial| Partial::from_json(&p.to_json().unwrap()).unwrap();
        let pa = store(StreamingEngine.partial(&view, &a, &r, &limits()).unwrap());
        let pb = store(DataFusionEngine.partial(&view, &b, &r, &limits()).unwrap());
        let merged = finish(&r, pa.merge(pb)).unwrap();
        let whole = run(&StreamingEngine, &view, &r, &limits()).unwrap();
        assert_eq!(merged, whole, "{r:?}");
    }
}

/// Files and directories under `dir`, at any depth.
fn entries_under(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| 1 + e.map(|e| if e.path().is_dir() { entries_under(&e.path()) } else { 0 }).unwrap())
        .sum()
}

#[test]
fn reports_spilled_to_disk_under_a_tiny_memory_limit_export_byte_identically() {
    let f = fixture();
    let view = DatasetView::open(&f.dataset).unwrap();
    let spill = tempfile::tempdir().unwrap();
    // 64 KiB: a few hundred directories' totals already overflow it.
    let tiny = Limits { threads: 2, memory_bytes: 64 << 10, spill_dir: Some(spill.path().to_path_buf()) };
    let mut spilled = 0;
    for r in reports(&busiest_tld(&view)) {
        let whole = run(&StreamingEngine, &view, &r, &limits()).unwrap();
        for format in [Format::Table, Format::Csv, Format::Tsv, Format::Json, Format::Parquet] {
            let rows = run_rows(&StreamingEngine, &view, &r, &tiny, &NoProgress).unwrap();
            // The runs exist while the rows are unread and are gone once the rows are.
            if entries_under(spill.path()) > 0 {
                spilled += 1;
            }
            let mut out = Vec::new();
            write(rows, format, &mut out).unwrap();
            assert_eq!(entries_under(spill.path()), 0, "spilled runs left behind by {r:?}");
            assert!(out == render(&whole, format).unwrap(), "{r:?} as {format:?} differs when spilled");
        }
    }
    // Usage by directory, top directories and du over the whole scan at least.
    assert!(spilled >= 5 * 4, "only {spilled} spilled exports: a test that cannot fail");
}

/// The labels of the work a computation began.
#[derive(Default)]
struct Labels(std::sync::Mutex<Vec<String>>);

impl scanlake::progress::Progress for Labels {
    fn begin(&self, label: &str, _total: Option<u64>, _unit: scanlake::progress::Unit) {
        self.0.lock().unwrap().push(label.to_string());
    }
}

#[test]
fn reports_computed_together_export_byte_identically_to_each_computed_alone() {
    let f = fixture();
    let view = DatasetView::open(&f.dataset).unwrap();
    let mut all = reports(&busiest_tld(&view));
    // The grouped reports and du again over the newer scan alone: these ride churn's merge.
    let newer: Vec<Report> = all
        .iter()
        .filter(|r| matches!(r.kind, ReportKind::Grouped(_) | ReportKind::Du(_)))
        .map(|r| Report { filter: Filter { acq: vec![NEW], ..r.filter.clone() }, ..r.clone() })
        .collect();
    all.extend(newer);
    let spill = tempfile::tempdir().unwrap();
    let tiny = Limits { threads: 2, memory_bytes: 64 << 10, spill_dir: Some(spill.path().to_path_buf()) };
    for limits in [limits(), tiny] {
        let labels = Labels::default();
        let together = scanlake::aggregate::streaming::together(&view, &all, &limits, &labels).unwrap();
        assert_eq!(together.len(), all.len());
        for (r, aggregated) in all.iter().zip(together) {
            let alone = run(&StreamingEngine, &view, r, &self::limits()).unwrap();
            let rows = scanlake::aggregate::engine::finish_report(&view, r, aggregated).unwrap();
            let mut out = Vec::new();
            write(rows, Format::Csv, &mut out).unwrap();
            let expected = render(&alone, Format::Csv).unwrap();
            assert!(
                out == expected,
                "{r:?} differs when computed together:\n{}\nalone:\n{}",
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&expected)
            );
        }
        // Passes were shared: churn's merge carried the newer scan's reports, and a plain pass
        // several reports over both scans.
        let labels = labels.0.into_inner().unwrap();
        let shared: Vec<&String> = labels.iter().filter(|l| l.ends_with("in one pass")).collect();
        assert!(
            shared.iter().any(|l| l.starts_with("churn, ") && l.matches(", ").count() >= 5),
            "no churn pass carried the newer scan's reports: {labels:?}"
        );
        assert!(
            shared.iter().any(|l| !l.starts_with("churn") && l.matches(", ").count() >= 5),
            "no plain pass carried several reports: {labels:?}"
        );
        assert_eq!(entries_under(spill.path()), 0, "spilled runs left behind");
    }
}

#[test]
fn a_report_needing_an_absent_column_names_it_and_the_show_key() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("fs.2026-11-01.list");
    std::fs::write(&input, "1 1 0  |size=10|uid=5|mode=-rw-r--r--| -- /gpfs/a/f\n").unwrap();
    let lake = dir.path().join("lake");
    convert(&[input], &lake, &ConvertOptions::default(), &NoProgress).unwrap();
    let view = DatasetView::open(&lake).unwrap();
    let r = report(
        "age",
        ReportKind::Grouped(GroupedReport {
            by: vec![],
            age: Some((TimeField::Access, Buckets::default_age())),
            size: None,
        }),
        Filter::default(),
        None,
    );
    let err = run(&StreamingEngine, &view, &r, &limits()).unwrap_err().to_string();
    // `kballoc` is missing too, but only fills `allocated`: the report needs the access time.
    assert!(err.starts_with("report 'age' needs column 'access', which this dataset lacks"), "{err}");
    assert!(err.contains("'|access=' || varchar(ACCESS_TIME)"), "{err}");
    let err = run(
        &StreamingEngine,
        &view,
        &report(
            "churn",
            ReportKind::Churn(ChurnReport { from: OLD, to: NEW, by: ChurnBy::Tld }),
            Filter::default(),
            None,
        ),
        &limits(),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(err, "scan date 2026-11-08 is not in this dataset (it has 2026-11-01)");
}

/// Rewrites every data file of `dataset` as scanlake wrote them before the link column: without
/// it, with the same footer keys, and with a whole-file checksum but no footer digest.
fn drop_link_columns(dataset: &Path) {
    use parquet::arrow::ArrowWriter;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use scanlake::dataset::writer::{Hashing, LINK_COLUMN};
    let manifest_path = dataset.join("_scanlake/manifest.json");
    let mut manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    for entry in manifest["inputs"].as_object_mut().unwrap().values_mut() {
        let files: Vec<String> =
            entry["files"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_string()).collect();
        for rel in files {
            let path = dataset.join(&rel);
            let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&path).unwrap()).unwrap();
            let keys = reader.metadata().file_metadata().key_value_metadata().cloned().unwrap_or_default();
            let schema = reader.schema().clone();
            let keep: Vec<usize> =
                (0..schema.fields().len()).filter(|&i| schema.field(i).name() != LINK_COLUMN).collect();
            assert_eq!(keep.len() + 1, schema.fields().len(), "{rel} has a link column");
            let batches: Vec<_> = reader.build().unwrap().map(|b| b.unwrap().project(&keep).unwrap()).collect();
            let mut writer =
                ArrowWriter::try_new(Hashing::new(std::fs::File::create(&path).unwrap()), batches[0].schema(), None)
                    .unwrap();
            for b in &batches {
                writer.write(b).unwrap();
            }
            // The writer makes its own Arrow schema; chunk digests came later than the link column.
            let dropped = [scanlake::dataset::integrity::CHUNK_DIGESTS_KEY, "ARROW:schema"];
            for kv in keys.into_iter().filter(|kv| !dropped.contains(&kv.key.as_str())) {
                writer.append_key_value_metadata(kv);
            }
            let hashing = writer.into_inner().unwrap();
            entry["checksums"][&rel] = serde_json::json!({ "bytes": hashing.bytes, "xxh3": hashing.digest() });
        }
    }
    std::fs::write(&manifest_path, serde_json::to_vec(&manifest).unwrap()).unwrap();
}

#[test]
fn files_written_before_the_link_column_count_links_once_the_same_way() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("lake");
    let copied = std::process::Command::new("cp").arg("-a").arg(&f.dataset).arg(&old).status().unwrap();
    assert!(copied.success());
    drop_link_columns(&old);
    let usage = report("usage", grouped(vec![Dimension::Uid, Dimension::Tld]), Filter::default(), None);
    let csv = |dataset: &Path, engine: &dyn Engine| {
        let view = DatasetView::open(dataset).unwrap();
        render(&run(engine, &view, &usage, &limits()).unwrap(), Format::Csv).unwrap()
    };
    let now = csv(&f.dataset, &StreamingEngine);
    assert_eq!(csv(&old, &StreamingEngine), now, "nlink, inode, gen and snapshot give what the link column gives");
    assert_eq!(csv(&old, &DataFusionEngine), now);
    let view = DatasetView::open(&old).unwrap();
    let said = view.integrity(&view.partitions.iter().collect::<Vec<_>>());
    assert!(said.contains("written before chunk digests checked whole first"), "{said}");
}

#[test]
fn a_ranking_computes_what_it_ranks_and_shows_only_that() {
    let f = fixture();
    let view = DatasetView::open(&f.dataset).unwrap();
    let usage = run(
        &StreamingEngine,
        &view,
        &report("usage", grouped(vec![Dimension::Uid]), Filter::default(), None),
        &limits(),
    )
    .unwrap();
    let value = |t: &Table, row: &[Cell], name: &str| row[t.column_index(name).unwrap()].clone();
    for (column, shown) in [
        ("bytes", vec!["acq", "uid", "objects", "bytes"]),
        ("files", vec!["acq", "uid", "objects", "files", "dirs", "bytes"]),
        ("allocated", vec!["acq", "uid", "objects", "bytes", "allocated"]),
    ] {
        let top = Top { n: 5, column: column.into(), other: false, all_counters: false };
        for engine in [&StreamingEngine as &dyn Engine, &DataFusionEngine] {
            let t = run(
                engine,
                &view,
                &report("top", grouped(vec![Dimension::Uid]), Filter::default(), Some(top.clone())),
                &limits(),
            )
            .unwrap();
            let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
            assert_eq!(names, shown, "ranked by {column} on {}", engine.name());
            assert_eq!(t.rows.len(), 10, "5 per scan date");
            // Each figure is usage's for that uid.
            for row in &t.rows {
                let same = usage.rows.iter().find(|u| u[..2] == row[..2]).expect("the uid is in usage");
                for name in &shown[2..] {
                    assert_eq!(value(&t, row, name), value(&usage, same, name), "{name} of {:?}", &row[..2]);
                }
            }
        }
    }
}
